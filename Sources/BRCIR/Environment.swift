/// The simulated component around the network when a Simulation targets a component that holds
/// the network as a LEMS `Child` (the standard Ex17's `tissueWithVaryingTemperature`): a few
/// scalar states with their own dynamics, shared by every cell, whose `temperature` exposure
/// is the network's temperature at each step. The runtime advances it once per step, after the
/// cells and synapses, as jLEMS advances the component tree: derived variables, then the time
/// derivatives by forward Euler, then the OnConditions at the step's end time. Expressions read
/// the states, the locals before them, `t` and `dt`; parameters are folded in as constants.
public struct IREnvironment: Sendable, Hashable, Codable {
    public var name: String
    /// Where it came from, for the IR printout.
    public var origin: String
    /// The id of the network inside it (output paths may start with it: `net1/hhpop[0]/v`).
    public var network: String
    public var states: [String]
    /// Each state's value at t = 0 (its OnStart assignment, else 0), from constants.
    public var initial: [IRExpr]
    /// DerivedVariables, in order.
    public var locals: [IRAssignment]
    /// dx/dt of each state, or nil.
    public var rates: [IRExpr?]
    public var conditions: [IRCondition]
    /// The network's temperature (K).
    public var temperature: IRExpr

    public init(name: String, origin: String, network: String, states: [String], initial: [IRExpr], locals: [IRAssignment], rates: [IRExpr?],
                conditions: [IRCondition], temperature: IRExpr) {
        self.name = name; self.origin = origin; self.network = network; self.states = states; self.initial = initial; self.locals = locals
        self.rates = rates; self.conditions = conditions; self.temperature = temperature
    }

    /// The states at t = 0.
    public func start() -> [Double] { initial.map { $0.evaluate { _ in .nan } } }

    /// The temperature (K) for states `s` at time `t`.
    public func temperature(_ s: [Double], t: Double, dt: Double) -> Double {
        let values = scope(s, t: t, dt: dt)
        return temperature.evaluate { values[$0] ?? .nan }
    }

    /// One step: states at time `t` (the step's start) to `t + dt`.
    public func advance(_ s: inout [Double], t: Double, dt: Double) {
        let before = scope(s, t: t, dt: dt)
        for (i, rate) in rates.enumerated() {
            if let rate { s[i] += dt * rate.evaluate { before[$0] ?? .nan } }
        }
        let after = scope(s, t: t + dt, dt: dt)
        var next = s
        for c in conditions where c.test.evaluate({ after[$0] ?? .nan }) != 0 {
            for a in c.assignments {
                if let i = states.firstIndex(of: a.state) { next[i] = a.value.evaluate { after[$0] ?? .nan } }
            }
        }
        s = next
    }

    /// States, locals, t and dt by name.
    func scope(_ s: [Double], t: Double, dt: Double) -> [String: Double] {
        var values = Dictionary(uniqueKeysWithValues: zip(states, s))
        values["t"] = t; values["dt"] = dt
        for a in locals { values[a.name] = a.value.evaluate { values[$0] ?? .nan } }
        return values
    }
}
