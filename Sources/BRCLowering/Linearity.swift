import BRCIR
import BRCSyntax

/// How a state's TimeDerivative is integrated (its linear form: `IRExpr.linearParts`).
enum Linearity {
    /// True if a TimeDerivative reads one of the component's DerivedVariables (`derived`). NEURON
    /// then integrates it by forward Euler: jNeuroML's export computes such a rate in `rates()`
    /// (`y' = rate_y`; the references' rewrite, `y' = chi / MSEC`, still reads the derived
    /// variable as a constant of the step), so cnexp cannot see that it is linear. brcc follows
    /// NEURON (and jLEMS, which integrates every state by forward Euler); a rate written in the
    /// states and parameters alone (`A' = -A / tauRise`) is integrated exactly, as cnexp does.
    static func hiddenByExport(_ value: Attribute, derived: Set<String>, ctx: Context) -> Bool {
        !(ctx.document.expression(value)?.variables ?? []).isDisjoint(with: derived)
    }

    /// How a state with TimeDerivative `rate` advances: exactly over the step when the rate is
    /// linear in the state (dx/dt = a + b x), else by forward Euler.
    static func update(_ rate: IRExpr, of x: String) -> IRUpdate {
        if let (a, b) = rate.linearParts(in: x) { return .linear(a: a, b: b) }
        return .euler(rate)
    }
}
