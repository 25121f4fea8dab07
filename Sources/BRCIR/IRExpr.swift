/// An expression in a mechanism kernel, in internal units. Names refer to the kernel's
/// parameters, states, locals, or the built-ins `v` (membrane potential, mV), `t` (ms),
/// `dt` (ms) and `temperature` (K).
public indirect enum IRExpr: Sendable, Hashable, Codable {
    /// A number, in internal units.
    case const(Double)
    /// The value of a name: a parameter, state, local, built-in (`irBuiltins`) or a value the
    /// kernel provides (e.g. a node's `area`, a synapse event's `weight`).
    case ref(String)
    /// The negation of its operand.
    case neg(IRExpr)
    /// Logical not: 1 when the operand is 0, else 0.
    case not(IRExpr)
    /// An operator applied to two operands; comparisons and logic give 1 for true and 0 for false.
    case binary(IROp, IRExpr, IRExpr)
    /// A built-in function by name (`exp`, `log`, `sqrt`, `H`, ...) applied to its arguments;
    /// `evaluate` gives NaN for a name it does not know.
    case call(String, [IRExpr])
    /// `cond ? a : b`
    case select(IRExpr, IRExpr, IRExpr)
    /// LEMS's `random(scale)`: `scale` times a uniform number in [0, 1) drawn from the
    /// instance's stream (the hidden parameter `IRRandom.keyParameter`), the step (from `t` and
    /// `dt`) and the call site `site` (`IRRandom.uniform`).
    case random(scale: IRExpr, site: UInt64)

    /// The expression with `f` applied to each direct child (leaves unchanged).
    public func mappingChildren(_ f: (IRExpr) -> IRExpr) -> IRExpr {
        switch self {
        case .const, .ref: return self
        case .neg(let e): return .neg(f(e))
        case .not(let e): return .not(f(e))
        case .binary(let op, let a, let b): return .binary(op, f(a), f(b))
        case .call(let name, let args): return .call(name, args.map(f))
        case .select(let c, let a, let b): return .select(f(c), f(a), f(b))
        case .random(let scale, let site): return .random(scale: f(scale), site: site)
        }
    }

    /// The expression with every reference named in `map` replaced by its value.
    public func substituting(_ map: [String: IRExpr]) -> IRExpr {
        if case .ref(let n) = self { return map[n] ?? self }
        return mappingChildren { $0.substituting(map) }
    }

    /// Whether the tree has more than `nodes` nodes or is deeper than `depth`. Iterative and
    /// stopping at the budget, so it is cheap and safe on any tree, however deep or wide
    /// (inlined derived variables can make a tree exponentially larger than its text).
    public func exceeds(nodes: Int, depth: Int) -> Bool {
        var stack: [(IRExpr, Int)] = [(self, 1)]
        var count = 0
        while let (e, d) = stack.popLast() {
            count += 1
            if count > nodes || d > depth { return true }
            switch e {
            case .const, .ref: break
            case .neg(let a), .not(let a), .random(let a, _): stack.append((a, d + 1))
            case .binary(_, let a, let b): stack.append((a, d + 1)); stack.append((b, d + 1))
            case .call(_, let args): for a in args { stack.append((a, d + 1)) }
            case .select(let c, let a, let b): stack.append((c, d + 1)); stack.append((a, d + 1)); stack.append((b, d + 1))
            }
        }
        return false
    }

    /// The number of nodes of the tree (constants, references and operations), counted
    /// without recursion.
    public var nodeCount: Int {
        var stack: [IRExpr] = [self]
        var count = 0
        while let e = stack.popLast() {
            count += 1
            switch e {
            case .const, .ref: break
            case .neg(let a), .not(let a), .random(let a, _): stack.append(a)
            case .binary(_, let a, let b): stack.append(a); stack.append(b)
            case .call(_, let args): stack.append(contentsOf: args)
            case .select(let c, let a, let b): stack.append(contentsOf: [c, a, b])
            }
        }
        return count
    }

    /// Every name the expression reads.
    public var refs: Set<String> {
        switch self {
        case .const: return []
        case .ref(let n): return [n]
        case .neg(let e), .not(let e): return e.refs
        case .binary(_, let a, let b): return a.refs.union(b.refs)
        case .call(_, let args): return args.reduce(into: Set<String>()) { $0.formUnion($1.refs) }
        case .select(let c, let a, let b): return c.refs.union(a.refs).union(b.refs)
        case .random(let scale, _): return scale.refs.union([IRRandom.keyParameter])
        }
    }
}

/// The binary operators of `IRExpr` (arithmetic, comparisons, logic), by their IR text.
public enum IROp: String, Sendable, Hashable, Codable {
    case add = "+", sub = "-", mul = "*", div = "/", pow = "^"
    case gt = ">", lt = "<", ge = ">=", le = "<=", eq = "==", ne = "!="
    case and = "&&", or = "||"
}

/// The built-in names every kernel expression may read.
public let irBuiltins: Set<String> = ["v", "t", "dt", "temperature"]
