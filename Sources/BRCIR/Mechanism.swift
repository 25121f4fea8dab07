/// A local value of a kernel, computed in order from the parameters, states, earlier locals
/// and the built-ins.
public struct IRAssignment: Sendable, Hashable, Codable {
    /// The local's name, by which later expressions read it.
    public var name: String
    /// The expression that computes it.
    public var value: IRExpr
    /// Makes an assignment from its fields.
    public init(_ name: String, _ value: IRExpr) { self.name = name; self.value = value }
}

/// How a state variable advances over one step, after the voltage solve (NEURON's order).
public enum IRUpdate: Sendable, Hashable, Codable {
    /// dx/dt = (inf - x)/tau with inf and tau (locals) frozen over the step: integrated
    /// exactly, x += (1 - exp(-dt/tau)) (inf - x) (NEURON's `cnexp`).
    case exponential(inf: String, tau: String)
    /// x = value (a local) at every step: an instantaneous gate.
    case instantaneous(value: String)
    /// x = expression of the locals and the states' values before this step's update.
    case assign(IRExpr)
    /// dx/dt = a + b x with a, b (expressions of locals and other states) frozen over the
    /// step: integrated exactly (a linear LEMS TimeDerivative).
    case linear(a: IRExpr, b: IRExpr)
    /// x += dt * rate: forward Euler, for a TimeDerivative that is not linear in x.
    case euler(IRExpr)
    /// Changed only by events and conditions.
    case none
}

/// One state variable of a mechanism. `initial` is evaluated at the initial potential (for a
/// gate: its steady state, as NEURON's `finitialize` sets it).
public struct IRState: Sendable, Hashable, Codable {
    /// The state's name, by which expressions read it.
    public var name: String
    /// Its value at the start, evaluated at the initial potential.
    public var initial: IRExpr
    /// How it advances each step.
    public var update: IRUpdate
    /// Every name the state's initial value and update read.
    public var reads: Set<String> {
        var r = initial.refs
        switch update {
        case .exponential(let inf, let tau): r.formUnion([inf, tau])
        case .instantaneous(let v): r.insert(v)
        case .assign(let e), .euler(let e): r.formUnion(e.refs)
        case .linear(let a, let b): r.formUnion(a.refs.union(b.refs))
        case .none: break
        }
        return r
    }

    /// The state's initial value and the expressions of its update.
    public var expressions: [IRExpr] {
        switch update {
        case .assign(let e), .euler(let e): return [initial, e]
        case .linear(let a, let b): return [initial, a, b]
        case .exponential, .instantaneous, .none: return [initial]
        }
    }

    /// Makes a state from its fields.
    public init(name: String, initial: IRExpr, update: IRUpdate) {
        self.name = name; self.initial = initial; self.update = update
    }
}

/// A density mechanism (an ion channel placed on membrane): run-time parameters per instance,
/// locals, states, and an ohmic current density `conductance * (v - reversal)` (nA/um2).
/// States update in order after the voltage solve; every update reads the states' values
/// from before the step.
public struct IRMechanism: Sendable, Hashable, Codable {
    /// The mechanism's name: the id of its ion channel or concentration model element, or a
    /// name brcc makes up (e.g. `fixed_ca_concentration`).
    public var name: String
    /// Where it came from, for comments in generated code.
    public var origin: String
    /// Per-instance run-time parameters; a channel's begin with `gmax` (uS/um2) and `erev` (mV).
    public var parameters: [String]
    /// The locals (e.g. gates' rates, steady states and time constants), computed in order.
    public var locals: [IRAssignment]
    /// The state variables, updated in this order after the voltage solve.
    public var states: [IRState]
    /// Conductance density (uS/um2) from parameters and states (not from locals: it is
    /// evaluated before the states update).
    public var conductance: IRExpr
    /// Reversal potential (mV) of the ohmic current: a channel's `erev` parameter, or for a
    /// channelDensityNernst the Nernst potential of the pool's concentration; 0 for a pool.
    public var reversal: IRExpr
    /// The ion whose current the channel carries (`species`: "ca", "na", ...); nil for a
    /// non-specific current. A cell with a concentration pool of this ion sums these currents
    /// per node (`ionCurrentName`) for the pool.
    public var ion: String? = nil
    /// For a concentration model (a pool): the ion whose internal concentration (mM) its first
    /// state is. It carries no current (`conductance` 0); its state reads the node's ion
    /// current of the step and updates before the channels' states (docs/numerics.md).
    public var pool: String? = nil
    /// A current density (nA/um2, outward positive) of v, parameters, states and node values
    /// that replaces the ohmic `conductance * (v - reversal)` (a GHK channel's). Its diagonal
    /// term is NEURON's numerical di/dv, (i(v + 0.001) - i(v)) / 0.001.
    public var current: IRExpr? = nil

    /// Names every mechanism may read besides its parameters, states and locals: the node's
    /// membrane area and, per ion with a pool in the model, its concentration and current.
    public static func nodeNames(ions: some Sequence<String>) -> Set<String> {
        var s: Set<String> = ["area"]
        for i in ions { s.insert(ionConcentrationName(i)); s.insert(ionCurrentName(i)) }
        return s
    }
    /// The ions a pool may hold, with their valences (NEURON's built-in na, k and ca, the
    /// chloride of its standard mechanisms, and `ca2`, the second calcium ion of NeuroML's
    /// cell2CaPools, a separate ion in NEURON as in jNeuroML's export).
    public static let ionValence: [String: Double] = ["ca": 2, "ca2": 2, "na": 1, "k": 1, "cl": -1]
    /// `cai`: the internal concentration (mM) of `ion` at the node, the value of its pool.
    public static func ionConcentrationName(_ ion: String) -> String { "\(ion)i" }
    /// `ica`: the current of `ion` through the node's membrane this step (nA, outward
    /// positive), the sum of the channels carrying it; read only by pools.
    public static func ionCurrentName(_ ion: String) -> String { "i\(ion)" }

    /// Its conductance density (`current` false, uS/um2) or current density (`current` true,
    /// nA/um2, inward positive as NeuroML's iDensity: g (erev - v), or the negated non-ohmic
    /// current), as recorded.
    public func density(current: Bool) -> IRExpr {
        guard current else { return conductance }
        return self.current.map { .neg($0) } ?? .binary(.mul, conductance, .binary(.sub, reversal, .ref("v")))
    }

    /// Every name the mechanism's expressions read.
    public var reads: Set<String> {
        var r = conductance.refs.union(reversal.refs).union(current?.refs ?? [])
        for a in locals { r.formUnion(a.value.refs) }
        for s in states { r.formUnion(s.reads) }
        return r
    }

    /// Every expression of the mechanism.
    public var expressions: [IRExpr] {
        locals.map(\.value) + states.flatMap(\.expressions) + [conductance, reversal] + (current.map { [$0] } ?? [])
    }

    /// The size of the loop a placement of it compiles to, in expression nodes (`IRExpr.nodeCount`).
    public var kernelOperations: Int { expressions.reduce(0) { $0 + $1.nodeCount } }

    /// Makes a mechanism from its fields; the other properties keep their defaults.
    public init(name: String, origin: String, parameters: [String], locals: [IRAssignment], states: [IRState],
                conductance: IRExpr, reversal: IRExpr) {
        self.name = name; self.origin = origin; self.parameters = parameters; self.locals = locals
        self.states = states; self.conductance = conductance; self.reversal = reversal
    }
}
