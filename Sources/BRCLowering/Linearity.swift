import BRCIR
import BRCSyntax

/// Splits an expression that is linear in `x` into a + b x (nil if it is not linear in x).
enum Linearity {
    /// How a state with TimeDerivative `rate` advances: exactly over the step when the rate is
    /// linear in the state (dx/dt = a + b x), else by forward Euler.
    /// True if a TimeDerivative reads one of the component's DerivedVariables (`derived`). NEURON
    /// then integrates it by forward Euler: jNeuroML's export computes such a rate in `rates()`
    /// (`y' = rate_y`; the references' rewrite, `y' = chi / MSEC`, still reads the derived
    /// variable as a constant of the step), so cnexp cannot see that it is linear. brcc follows
    /// NEURON (and jLEMS, which integrates every state by forward Euler); a rate written in the
    /// states and parameters alone (`A' = -A / tauRise`) is integrated exactly, as cnexp does.
    static func hiddenByExport(_ value: Attribute, derived: Set<String>, ctx: Context) -> Bool {
        !(ctx.document.expression(value)?.variables ?? []).isDisjoint(with: derived)
    }

    static func update(_ rate: IRExpr, of x: String) -> IRUpdate {
        if let (a, b) = split(rate, in: x) { return .linear(a: a, b: b) }
        return .euler(rate)
    }

    static func split(_ e: IRExpr, in x: String) -> (IRExpr, IRExpr)? {
        guard e.refs.contains(x) else { return (e, .const(0)) }
        switch e {
        case .ref(let n) where n == x: return (.const(0), .const(1))
        case .neg(let a):
            guard let (p, q) = split(a, in: x) else { return nil }
            return (.neg(p), .neg(q))
        case .binary(.add, let a, let b), .binary(.sub, let a, let b):
            guard let (p1, q1) = split(a, in: x), let (p2, q2) = split(b, in: x) else { return nil }
            let op: IROp = { if case .binary(.add, _, _) = e { return .add } else { return .sub } }()
            return (.binary(op, p1, p2), .binary(op, q1, q2))
        case .binary(.mul, let a, let b):
            if !a.refs.contains(x), let (p, q) = split(b, in: x) { return (.binary(.mul, a, p), .binary(.mul, a, q)) }
            if !b.refs.contains(x), let (p, q) = split(a, in: x) { return (.binary(.mul, p, b), .binary(.mul, q, b)) }
            return nil
        case .binary(.div, let a, let b) where !b.refs.contains(x):
            guard let (p, q) = split(a, in: x) else { return nil }
            return (.binary(.div, p, b), .binary(.div, q, b))
        default:
            return nil
        }
    }
}

