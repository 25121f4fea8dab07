/// The simulated component around the network when a Simulation targets a component that holds
/// the network as a LEMS `Child` (the standard Ex17's `tissueWithVaryingTemperature`): a few
/// scalar states with their own dynamics, shared by every cell, whose `temperature` exposure
/// is the network's temperature at each step. The runtime advances it once per step, after the
/// cells and synapses, as jLEMS advances the component tree: derived variables, then the time
/// derivatives by forward Euler, then the OnConditions at the step's end time, in order. Expressions read
/// the states, the locals before them, `t` and `dt`; parameters are folded in as constants.
public struct IREnvironment: Sendable, Hashable, Codable {
    /// The component's id (its type's name when it has none), as the IR printout shows it.
    public var name: String
    /// Where it came from, for the IR printout.
    public var origin: String
    /// The id of the network inside it (output paths may start with it: `net1/hhpop[0]/v`).
    public var network: String
    /// The names of its state variables, in the order of `initial`, `rates` and the state arrays
    /// of `start()` and `advance`.
    public var states: [String]
    /// Each state's value at t = 0 (its OnStart assignment, else 0), from constants.
    public var initial: [IRExpr]
    /// DerivedVariables, in order.
    public var locals: [IRAssignment]
    /// dx/dt of each state, or nil.
    public var rates: [IRExpr?]
    /// Its OnConditions, tested in order at the step's end time after the states advance; each
    /// test and assignment sees the assignments before it (`advance`).
    public var conditions: [IRCondition]
    /// The network's temperature (K).
    public var temperature: IRExpr
    /// The SI value of one internal unit of each StateVariable and DerivedVariable, by name
    /// (what a recorded column multiplies by).
    public var siScales: [String: Double]

    /// Makes an environment from its fields.
    public init(name: String, origin: String, network: String, states: [String], initial: [IRExpr], locals: [IRAssignment], rates: [IRExpr?],
                conditions: [IRCondition], temperature: IRExpr, siScales: [String: Double] = [:]) {
        self.name = name; self.origin = origin; self.network = network; self.states = states; self.initial = initial; self.locals = locals
        self.rates = rates; self.conditions = conditions; self.temperature = temperature; self.siScales = siScales
    }

    /// The states at t = 0.
    public func start() -> [Double] { initial.map { $0.evaluate { _ in .nan } } }

    /// The temperature (K) for states `s` at time `t`.
    public func temperature(_ s: [Double], t: Double, dt: Double) -> Double {
        let values = scope(s, t: t, dt: dt)
        return temperature.evaluate { values[$0] ?? .nan }
    }

    /// The StateVariable or DerivedVariable `name` for states `s` at time `t` (NaN if it has
    /// none of that name).
    public func value(_ name: String, _ s: [Double], t: Double, dt: Double) -> Double {
        scope(s, t: t, dt: dt)[name] ?? .nan
    }

    /// One step: states at time `t` (the step's start) to `t + dt`.
    public func advance(_ s: inout [Double], t: Double, dt: Double) {
        let before = scope(s, t: t, dt: dt)
        for (i, rate) in rates.enumerated() {
            if let rate { s[i] += dt * rate.evaluate { before[$0] ?? .nan } }
        }
        // The conditions in order, each test and assignment seeing the assignments before it
        // (as jLEMS runs them, and as synapse kernels do); the locals keep their values.
        var values = scope(s, t: t + dt, dt: dt)
        for c in conditions where c.test.evaluate({ values[$0] ?? .nan }) != 0 {
            for a in c.assignments {
                guard let i = states.firstIndex(of: a.state) else { continue }
                s[i] = a.value.evaluate { values[$0] ?? .nan }
                values[a.state] = s[i]
            }
        }
    }

    /// States, locals, t and dt by name.
    func scope(_ s: [Double], t: Double, dt: Double) -> [String: Double] {
        var values = Dictionary(uniqueKeysWithValues: zip(states, s))
        values["t"] = t; values["dt"] = dt
        for a in locals { values[a.name] = a.value.evaluate { values[$0] ?? .nan } }
        return values
    }
}
