/// Linear forms of expressions: what lowering needs to integrate a linear TimeDerivative
/// exactly, and what the runtime needs to sum instances of a linear synapse.
extension IRExpr {
    /// The expression as a + b·x with neither a nor b reading `x` (unsimplified), or nil if
    /// it is not linear in `x`.
    public func linearParts(in x: String) -> (IRExpr, IRExpr)? {
        guard refs.contains(x) else { return (self, .const(0)) }
        switch self {
        case .ref(let n) where n == x: return (.const(0), .const(1))
        case .neg(let a):
            guard let (p, q) = a.linearParts(in: x) else { return nil }
            return (.neg(p), .neg(q))
        case .binary(let op, let a, let b) where op == .add || op == .sub:
            guard let (p1, q1) = a.linearParts(in: x), let (p2, q2) = b.linearParts(in: x) else { return nil }
            return (.binary(op, p1, p2), .binary(op, q1, q2))
        case .binary(.mul, let a, let b):
            if !a.refs.contains(x), let (p, q) = b.linearParts(in: x) { return (.binary(.mul, a, p), .binary(.mul, a, q)) }
            if !b.refs.contains(x), let (p, q) = a.linearParts(in: x) { return (.binary(.mul, p, b), .binary(.mul, q, b)) }
            return nil
        case .binary(.div, let a, let b) where !b.refs.contains(x):
            guard let (p, q) = a.linearParts(in: x) else { return nil }
            return (.binary(.div, p, b), .binary(.div, q, b))
        default:
            return nil
        }
    }

    /// Whether the expression reads none of `names` and draws no random number: a factor that
    /// is the same for every instance that shares its parameters, node and time.
    public func isFree(of names: Set<String>) -> Bool {
        refs.isDisjoint(with: names) && randomSites.isEmpty
    }

    /// Whether the expression is a sum of `names` times factors free of them
    /// (`isFree(of:)`): f(x + y) = f(x) + f(y) and f(0) = 0, so that instances that share
    /// the factors can be summed into one. Conservative: a factor of constants that happens
    /// to be zero, or a `select`, is not recognised.
    public func isLinearHomogeneous(in names: Set<String>) -> Bool {
        switch self {
        case .const(let c): return c == 0
        case .ref(let n): return names.contains(n)
        case .neg(let a): return a.isLinearHomogeneous(in: names)
        case .binary(let op, let a, let b) where op == .add || op == .sub:
            return a.isLinearHomogeneous(in: names) && b.isLinearHomogeneous(in: names)
        case .binary(.mul, let a, let b):
            return (a.isFree(of: names) && b.isLinearHomogeneous(in: names)) || (b.isFree(of: names) && a.isLinearHomogeneous(in: names))
        case .binary(.div, let a, let b):
            return b.isFree(of: names) && a.isLinearHomogeneous(in: names)
        default:
            return false
        }
    }
}
