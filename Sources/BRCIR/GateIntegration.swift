/// How channel gates advance over a step (`brcc run --gates`).
///
/// - `exact` (default): NEURON's exact step for equations linear in their state, x∞ + (x − x∞)
///   e^(−dt/τ) (cnexp), as hand-written NEURON mechanisms and brcc's references use.
/// - `forwardEuler`: x + dt (x∞ − x)/τ, what NEURON does with a stock jNeuroML export (whose
///   rate procedures hide the linearity from cnexp): for matching such an export, not for
///   accuracy (docs/numerics.md measures the difference).
public enum GateIntegration: String, Sendable, CaseIterable, Codable {
    case exact
    case forwardEuler = "forward-euler"
}

extension IRModel {
    /// The model as a stock jNeuroML export runs in NEURON (`GateIntegration.forwardEuler`):
    /// its channels' exponential and linear state updates, and the linear updates of the LEMS
    /// states whose rate the export hides in `rates()` (`IRState.rateHiddenByExport`: a LEMS
    /// cell's or synapse's TimeDerivative that reads a DerivedVariable), integrated by forward
    /// Euler; other synapse states keep their updates (the export writes them where cnexp
    /// sees them).
    public func integratingGates(_ rule: GateIntegration) -> IRModel {
        guard rule == .forwardEuler else { return self }
        var m = self
        for i in m.mechanisms.indices {
            for j in m.mechanisms[i].states.indices { m.mechanisms[i].states[j].update = Self.euler(m.mechanisms[i].states[j]) }
        }
        for i in m.synapses.indices {
            for j in m.synapses[i].states.indices where m.synapses[i].states[j].rateHiddenByExport {
                m.synapses[i].states[j].update = Self.euler(m.synapses[i].states[j])
            }
        }
        return m
    }

    /// A state's exponential or linear update as forward Euler; other updates as they are.
    private static func euler(_ s: IRState) -> IRUpdate {
        let x = IRExpr.ref(s.name)
        switch s.update {
        case .exponential(let inf, let tau): return .euler(.binary(.div, .binary(.sub, .ref(inf), x), .ref(tau)))
        case .linear(let a, let b): return .euler(.binary(.add, a, .binary(.mul, b, x)))
        case .instantaneous, .assign, .euler, .none: return s.update
        }
    }
}
