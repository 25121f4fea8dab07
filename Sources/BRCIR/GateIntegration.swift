/// How channel gates advance over a step (`brcc run --gates`).
///
/// - `exact` (default): NEURON's exact step for equations linear in their state, x∞ + (x − x∞)
///   e^(−dt/τ) (cnexp), as hand-written NEURON mechanisms and brcc's references use.
/// - `forwardEuler`: x + dt (x∞ − x)/τ, what NEURON does with a stock jNeuroML export (whose
///   rate procedures hide the linearity from cnexp): for matching such an export, not for
///   accuracy (docs/numerics.md measures the difference).
public enum GateIntegration: String, Sendable, CaseIterable, Codable {
    /// NEURON's exact step for equations linear in their state (cnexp); the default.
    case exact
    /// Forward Euler, to match NEURON running a stock jNeuroML export.
    case forwardEuler = "forward-euler"
}

extension IRModel {
    /// The model with its channels' exponential and linear state updates integrated by
    /// forward Euler (`GateIntegration.forwardEuler`); synapses keep their updates.
    public func integratingGates(_ rule: GateIntegration) -> IRModel {
        guard rule == .forwardEuler else { return self }
        var m = self
        for i in m.mechanisms.indices {
            for j in m.mechanisms[i].states.indices {
                let x = IRExpr.ref(m.mechanisms[i].states[j].name)
                switch m.mechanisms[i].states[j].update {
                case .exponential(let inf, let tau):
                    m.mechanisms[i].states[j].update = .euler(.binary(.div, .binary(.sub, .ref(inf), x), .ref(tau)))
                case .linear(let a, let b):
                    m.mechanisms[i].states[j].update = .euler(.binary(.add, a, .binary(.mul, b, x)))
                case .instantaneous, .assign, .euler, .none:
                    break
                }
            }
        }
        return m
    }
}
