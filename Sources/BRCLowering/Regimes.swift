import BRCDiagnostics
import BRCIR
import BRCSyntax
import BRCUnits

/// What cells and synapses with LEMS Regimes share: the present regime is the index in a state
/// (`state`, from the `initial` regime, else the first), which selects values and guards
/// conditions; a Transition sets it.
enum Regimes {
    /// The state in which a component with Regimes keeps the index of its present regime.
    static let state = "regime"

    /// True while regime `k` is the present one.
    static func active(_ k: Int) -> IRExpr { .binary(.eq, .ref(state), .const(Double(k))) }

    /// One expression from per-regime values: regime k's value while it is the present one, 0
    /// in a regime without one.
    static func select(_ parts: [(regime: Int, value: IRExpr)]) -> IRExpr {
        parts.reversed().reduce(IRExpr.const(0)) { acc, p in .select(active(p.regime), p.value, acc) }
    }

    /// How a state advances from `rates`: its Dynamics-level rate (regime nil), or one per
    /// regime that has one (the state is held in the others). Exact over the step where the
    /// rate is linear in the state (in each regime), unless jNeuroML's export hides that
    /// (`hidden`, `Linearity.hiddenByExport`); otherwise forward Euler.
    static func update(_ rates: [(regime: Int?, rate: IRExpr)], of state: String, regimeCount: Int, hidden: Bool) -> IRUpdate {
        guard !rates.isEmpty else { return .none }
        if let rate = uniform(rates, regimeCount: regimeCount) {
            return hidden ? .euler(rate) : Linearity.update(rate, of: state)
        }
        if !hidden, case let splits = rates.compactMap({ r in r.rate.linearParts(in: state).map { (r.regime!, $0.0, $0.1) } }), splits.count == rates.count {
            // Linear in each regime: exact over the step with that regime's a + b x.
            return .linear(a: select(splits.map { ($0.0, $0.1) }), b: select(splits.map { ($0.0, $0.2) }))
        }
        return .euler(select(rates.map { ($0.regime!, $0.rate) }))
    }

    /// The one value of `parts` when it is the same everywhere: a Dynamics-level value
    /// (regime nil), or the same in every one of `regimeCount` regimes; nil otherwise.
    static func uniform(_ parts: [(regime: Int?, rate: IRExpr)], regimeCount: Int) -> IRExpr? {
        guard let first = parts.first else { return nil }
        if first.regime == nil { return first.rate }
        return parts.count == regimeCount && parts.allSatisfy({ $0.rate == first.rate }) ? first.rate : nil
    }

    /// One expression from per-regime values: the common one where they are `uniform`, else
    /// each regime's while it is the present one (0 in a regime without one); nil for none.
    static func combine(_ parts: [(regime: Int?, rate: IRExpr)], regimeCount: Int) -> IRExpr? {
        guard !parts.isEmpty else { return nil }
        return uniform(parts, regimeCount: regimeCount) ?? select(parts.map { ($0.regime!, $0.rate) })
    }

    /// The index of the regime a component starts in: the one marked `initial`, else the first.
    static func initialIndex(_ regimes: [ComponentTypeDef.Regime]) -> Int { regimes.firstIndex(where: \.initial) ?? 0 }

    /// The assignments of the initial regime's OnEntry, which run after OnStart (as jLEMS
    /// enters the initial regime).
    static func initialEntry(_ regimes: [ComponentTypeDef.Regime]) -> [(variable: String, value: Attribute)] {
        regimes.isEmpty ? [] : regimes[initialIndex(regimes)].onEntry
    }

    /// The regime state, starting in the initial regime; nil (an error) if the type declares a
    /// StateVariable of that name.
    static func stateVariable(_ regimes: [ComponentTypeDef.Regime], states: [ComponentTypeDef.Named], type: String, ctx: Context) -> IRState? {
        guard !states.contains(where: { $0.name == state }) else {
            ctx.error("BRC-E0103", "not supported yet: a StateVariable named '\(state)' in '\(type)', which has Regimes (brcc keeps the present regime in a state of that name)",
                      at: regimes[0].element.location, hint: "rename the StateVariable")
            return nil
        }
        return IRState(name: state, initial: .const(Double(initialIndex(regimes))), update: .none)
    }

    /// The index of a `<Transition>`'s target; nil (an error) if no regime has that name (reported
    /// here unless the regime was refused with its own error).
    static func target(_ transition: Attribute, in regimes: [ComponentTypeDef.Regime], type: String, ctx: Context) -> Int? {
        if let k = regimes.firstIndex(where: { $0.name == transition.value }) { return k }
        if ctx.rejectedDeclarations.contains(transition.value) { return nil }  // a misspelt <Regime>, reported
        ctx.error("BRC-E0605", "<Transition> to regime '\(transition.value)', which '\(type)' does not define", at: transition.location,
                  hint: regimes.isEmpty ? "define the regime with <Regime name=\"\(transition.value)\">" : "regimes: \(regimes.map(\.name).joined(separator: ", "))")
        return nil
    }
}
