import BRCUnits

/// A point mechanism driven by events: a synapse. Its current (nA, into the cell) is evaluated
/// at the present state like a channel's; NEURON's numerical di/dv (current at v + 0.001 mV)
/// gives its diagonal contribution, which is exact for ohmic synapses and includes the
/// voltage dependence of a magnesium block.
public struct IRSynapse: Sendable, Hashable, Codable {
    /// The synapse's name: its element's id (`input_ID` for a LEMS input's process,
    /// `CELLID_dynamics` for a LEMS cell's dynamics), used in kernel names and messages.
    public var name: String
    /// Where it came from (element and source location), for the IR printout, comments in
    /// generated code and error messages.
    public var origin: String
    /// Per-instance run-time parameters (e.g. gbase, erev, tau...), internal units.
    public var parameters: [String]
    /// The dimension of each parameter (for checking values set at run time); one per parameter
    /// (IRVerifier checks it).
    public var parameterDimensions: [Dimension] = []
    /// Locals of the state update (new v, states before the update).
    public var locals: [IRAssignment]
    /// The state variables, updated in this order each step.
    public var states: [IRState]
    /// Current into the cell (nA) from parameters, states and v.
    public var current: IRExpr
    /// On a spike: state := value, in order, reading `weight`, `t`, parameters and the states;
    /// each assignment sees the ones before it, except a new `v` (the node's potential), which
    /// the later ones do not see.
    public var onEvent: [IRStateAssignment]
    /// After each state update (at the step's end time `t`): if test then assignments.
    public var conditions: [IRCondition]
    /// Derived quantities that can be recorded (e.g. g, blockFactor), with their dimension's
    /// SI scale: name -> (expression, SI per internal unit).
    public var exposures: [String: IRExposure] = [:]
    /// Whether NEURON's numerical di/dv sees the states from before this step's conditions:
    /// true for a current derived (in jNeuroML's export, in rates()) from states that
    /// OnConditions assign in BREAKPOINT, e.g. a compoundInput's children. Then the current at
    /// v + 0.001 mV is evaluated before the conditions and the current at v after them.
    public var derivativeBeforeConditions = false
    /// Whether NEURON's numerical di/dv runs the conditions at v + 0.001 mV: true for an input
    /// whose current is a state its conditions assign from the potential (a voltageClamp's
    /// i = (target - v) / Rs), which jNeuroML's export assigns in BREAKPOINT. NEURON calls it at
    /// v + 0.001 (conditions, then the current) and then at v, so the current is implicit in
    /// the potential; held from the step's conditions it would be explicit, and unstable on a
    /// node without capacitance once 1/Rs exceeds the node's axial conductance.
    public var derivativeThroughConditions = false
    /// A state the current kernel sets, before the conditions, to the current (nA) that the
    /// inputs and the synapse groups before this one have added to the node this step: an
    /// abstract cell's LEMS `iSyn` (its dynamics group comes after every synapse group of its
    /// cell type, so that is all of them), read by its conditions and its other states' rates.
    public var nodeCurrent: String? = nil
    /// A state the current kernel sets to 0 before the conditions and that each condition with
    /// an `EventOut` increments: the number of spikes the step's conditions emitted (an
    /// abstract cell whose spikes are not a threshold on its potential; `IRSpikeSource.flag`).
    public var spikeFlag: String? = nil

    /// Whether this is a LEMS cell's own dynamics (`AbstractCellLowering`), placed once on
    /// each of its cells, rather than a synapse type of the model.
    public var isCellDynamics = false

    /// Parameters computed from the others (each one of `parameters`, from the parameters
    /// before it in this list and the others), e.g. an expTwoSynapse's peak normalisation
    /// `factor` from its tauRise and tauDecay: recomputed whenever a parameter is set
    /// (`withDerivedParameters`), never set themselves.
    public var derivedParameters: [IRAssignment] = []

    /// Conditions on the parameters (nonzero when they hold, e.g. `tauDecay > tauRise`) that
    /// lowering checks on the model's own values and every setter on the values it sets.
    public var parameterConditions: [IRExpr] = []

    /// `values` (one per parameter) with every derived parameter recomputed from the others,
    /// in the order of `derivedParameters` (the same bits as lowering's own computation).
    public func withDerivedParameters(_ values: [Double]) -> [Double] {
        var out = values
        for d in derivedParameters {
            guard let k = parameters.firstIndex(of: d.name) else { continue }
            out[k] = d.value.evaluate { n in parameters.firstIndex(of: n).map { out[$0] } ?? .nan }
        }
        return out
    }

    /// The first of `parameterConditions` that `values` (one per parameter) violate, as text
    /// (e.g. "tauDecay > tauRise"), or nil.
    public func violatedCondition(_ values: [Double]) -> String? {
        guard let c = parameterConditions.first(where: { c in c.evaluate { n in parameters.firstIndex(of: n).map { values[$0] } ?? .nan } == 0 }) else { return nil }
        let text = IRPrinter.expr(c)
        return text.hasPrefix("(") && text.hasSuffix(")") ? String(text.dropFirst().dropLast()) : text
    }

    /// `values` (one per parameter) with parameter `q` set to `value` and the derived
    /// parameters recomputed, and the first parameter condition the result breaks (as text),
    /// if any: what every setter of a synaptic parameter does (`brc:setParameter`, the
    /// simulator's run-time setter).
    public func setting(_ q: Int, to value: Double, in values: [Double]) -> (values: [Double], broken: String?) {
        var out = values
        out[q] = value
        out = withDerivedParameters(out)
        return (out, violatedCondition(out))
    }

    /// The parameters a derived parameter is computed from (in `parameters`' order).
    public func inputs(ofDerived name: String) -> [String] {
        guard let d = derivedParameters.first(where: { $0.name == name }) else { return [] }
        let refs = d.value.refs
        return parameters.filter { refs.contains($0) }
    }

    /// Whether a condition sets the membrane potential `v` of the synapse's node (an abstract
    /// cell's reset; `v` is not one of its states).
    public var conditionsSetPotential: Bool {
        !states.contains { $0.name == "v" } && conditions.contains { $0.assignments.contains { $0.state == "v" } }
    }

    /// Every expression of the synapse (exposures in name order).
    public var expressions: [IRExpr] {
        kernelExpressions + exposures.keys.sorted().map { exposures[$0]!.value }
    }

    /// The expressions its kernels compute: all but the recorded exposures.
    var kernelExpressions: [IRExpr] {
        locals.map(\.value) + states.flatMap(\.expressions) + [current] + onEvent.map(\.value)
            + conditions.flatMap { [$0.test] + $0.assignments.map(\.value) }
    }

    /// The size of its kernels, in expression nodes (`IRExpr.nodeCount`): what a compiler of
    /// the generated code spends its time on.
    public var kernelOperations: Int { kernelExpressions.reduce(0) { $0 + $1.nodeCount } }

    /// Makes a synapse from its fields; the other properties keep their defaults.
    public init(name: String, origin: String, parameters: [String], locals: [IRAssignment], states: [IRState],
                current: IRExpr, onEvent: [IRStateAssignment], conditions: [IRCondition]) {
        self.name = name; self.origin = origin; self.parameters = parameters; self.locals = locals; self.states = states
        self.current = current; self.onEvent = onEvent; self.conditions = conditions
    }
}

/// A value a synapse or LEMS cell exposes for recording: its expression (internal units) and
/// the factor to SI.
public struct IRExposure: Sendable, Hashable, Codable {
    /// The exposed quantity's expression, in internal units.
    public var value: IRExpr
    /// The SI value of one internal unit of the quantity: multiply by it to write SI units.
    public var siScale: Double
    /// Makes an exposure from its fields.
    public init(_ value: IRExpr, siScale: Double) { self.value = value; self.siScale = siScale }
}

/// `state = value`, as an event or a condition assigns it.
public struct IRStateAssignment: Sendable, Hashable, Codable {
    /// The name of the state it sets, or `v` (when not a state): the membrane potential of the
    /// synapse's node (an abstract cell's reset).
    public var state: String
    /// The new value. It sees the states as the assignments before it in the same event or
    /// condition left them, as jLEMS runs them.
    public var value: IRExpr
    /// Makes an assignment from its fields.
    public init(_ state: String, _ value: IRExpr) { self.state = state; self.value = value }
}

/// A LEMS `<OnCondition>`: when `test` holds, its assignments run, each seeing the ones before
/// it (and a later condition's test seeing them all), as jLEMS runs them.
public struct IRCondition: Sendable, Hashable, Codable {
    /// The condition: it holds when the expression evaluates to a nonzero value.
    public var test: IRExpr
    /// The assignments that run, in order, when `test` holds (what each reads:
    /// `IRStateAssignment.value`).
    public var assignments: [IRStateAssignment]
    /// Makes a condition from its fields.
    public init(test: IRExpr, assignments: [IRStateAssignment]) { self.test = test; self.assignments = assignments }
}

/// All instances of one synapse type on cells of one cell type (they share a kernel and the
/// post-synaptic cell block).
public struct IRSynapseGroup: Sendable, Hashable, Codable {
    /// One synapse: the cell and node it sits on and its parameter values.
    public struct Instance: Sendable, Hashable, Codable {
        /// The population (an index into `IRModel.populations`) of the cell it sits on.
        public var population: Int
        /// The cell's index within its population.
        public var cell: Int
        /// The node it sits on: an index into the cell type's `nodes`.
        public var node: Int
        /// Its parameter values, one per parameter of the group's synapse, in internal units.
        public var values: [Double]
        /// Makes an instance from its fields.
        public init(population: Int, cell: Int, node: Int, values: [Double]) {
            self.population = population; self.cell = cell; self.node = node; self.values = values
        }
    }
    /// A readable name: `SYNAPSE on CELLTYPE` (prefixed `input ` for a spike input's synapses),
    /// or `dynamicsLabel` for a LEMS point cell's own dynamics.
    public var label: String
    /// The synapse type (an index into `IRModel.synapses`) of every instance.
    public var synapse: Int
    /// The cell type (an index into `IRModel.cellTypes`) of the cells the instances sit on.
    public var cellType: Int
    /// The synapses; connections, peer links and probes address them by index.
    public var instances: [Instance]
    /// Makes a synapse group from its fields.
    public init(label: String, synapse: Int, cellType: Int, instances: [Instance]) {
        self.label = label; self.synapse = synapse; self.cellType = cellType; self.instances = instances
    }

    /// The label of a LEMS point cell's own dynamics (the intrinsic process of every cell of
    /// `cellType`), by which recorded paths and exports find it.
    public static func dynamicsLabel(_ cellType: String) -> String { "\(cellType)/dynamics" }
    /// Whether this group is a LEMS point cell's own dynamics.
    public var isCellDynamics: Bool { label.hasSuffix("/dynamics") }
}

/// Where spikes come from: a cell's potential crossing its threshold upwards at a node, the
/// conditions of an abstract cell (`flag`), or a spike generator (then `population` indexes
/// `IRModel.generatorPopulations`).
public struct IRSpikeSource: Sendable, Hashable, Codable {
    /// The population: an index into `IRModel.populations`, or into
    /// `IRModel.generatorPopulations` when `generator` is set.
    public var population: Int
    /// The cell's (or generator's) index within that population.
    public var cell: Int
    /// The node whose potential is watched (an index into the cell type's `nodes`); 0 for a
    /// generator.
    public var node: Int
    /// The potential (mV) whose upward crossing at `node` is a spike; unused for a generator
    /// and when `flag` is set.
    public var threshold: Double
    /// The generator that fires this source's spikes; nil for a cell.
    public var generator: IRGenerator?
    /// For a cell whose conditions emit its spikes: the spike counter of its dynamics
    /// (`IRSynapse.spikeFlag`), read after each step; `threshold` is then unused.
    public var flag: IRSpikeFlag?
    /// Makes a spike source from its fields, without a spike counter (`flag` nil).
    public init(population: Int, cell: Int, node: Int, threshold: Double, generator: IRGenerator? = nil) {
        self.population = population; self.cell = cell; self.node = node; self.threshold = threshold; self.generator = generator
    }
}

/// State `state` (an `IRSynapse.spikeFlag`) of instance `instance` of synapse group `group`.
public struct IRSpikeFlag: Sendable, Hashable, Codable {
    /// The dynamics' group: an index into `IRModel.synapseGroups`.
    public var group: Int
    /// The cell's instance in that group's `instances`.
    public var instance: Int
    /// The spike counter's index in the group's synapse's `states`.
    public var state: Int
    /// Makes a spike flag from its fields.
    public init(group: Int, instance: Int, state: Int) { self.group = group; self.instance = instance; self.state = state }
}

/// A spike generator without a membrane.
public enum IRGenerator: Sendable, Hashable, Codable {
    /// Spikes at the given times (ms, sorted), each at the first step starting at or after it.
    case times([Double])
    /// Spikes at the given times (ms, sorted), each in the first step whose start is less than
    /// half a step before it: NEURON's delivery of an event at that time, as of the NetStims
    /// by which jNeuroML's export drives a timedSynapticInput.
    case eventTimes([Double])
    /// NeuroML's spikeGenerator: the first spike after `period`, then every `period`.
    case periodic(period: Double)
    /// A Poisson process of `rate` (1/ms): a spike in a step with probability rate * dt, drawn
    /// from `CounterRandom` keyed by (seed, population key, cell, step).
    case poisson(rate: Double, seed: UInt64)
    /// A renewal process (NeuroML's spikeGeneratorRandom, spikeGeneratorRefPoisson, the Poisson
    /// inputs): interval k is `minimum + scale * u_k` (uniform) or `minimum - scale * ln(1 - u_k)`
    /// (exponential), u_k from `CounterRandom` keyed by (seed, population key, cell, k); the
    /// first spike at `start` + interval 0, none at or after `stop`; each at the first step
    /// starting at or after its time.
    case renewal(RenewalDistribution, minimum: Double, scale: Double, start: Double, stop: Double, seed: UInt64)

    /// The seed a random generator draws from; nil for one without randomness.
    public var seed: UInt64? {
        switch self {
        case .times, .eventTimes, .periodic: return nil
        case .poisson(_, let seed), .renewal(_, _, _, _, _, let seed): return seed
        }
    }

    /// The same generator drawing from `seed` (a generator without randomness is unchanged).
    public func reseeded(_ seed: UInt64) -> IRGenerator {
        switch self {
        case .times, .eventTimes, .periodic: return self
        case .poisson(let rate, _): return .poisson(rate: rate, seed: seed)
        case .renewal(let d, let minimum, let scale, let start, let stop, _): return .renewal(d, minimum: minimum, scale: scale, start: start, stop: stop, seed: seed)
        }
    }
}

/// The interval law of a renewal spike source (`IRGenerator.renewal`).
public enum RenewalDistribution: String, Sendable, Hashable, Codable { case uniform, exponential }

/// A population of spike generators.
public struct IRGeneratorPopulation: Sendable, Hashable, Codable {
    /// The population's name: the network's population id, or for a spike input
    /// `INPUT@LABEL` (with `#k` added for its k-th use).
    public var name: String
    /// The number of generators in the population.
    public var size: Int
    /// The generator each member runs; a random one draws a separate stream for each member.
    public var generator: IRGenerator
    /// The id of the generator component (a path segment: `pop/0/<component>/tsince`).
    public var component: String
    /// For a NeuroML random generator or input, which has no seed of its own: the seed brcc
    /// derives from its id, which the Simulation's seed (`IRModel.seedRandomStreams`) is mixed
    /// into. Nil for generators with their own seed (`brc:poissonSource`) or none.
    public var idSeed: UInt64?
    /// For the one-cell population of a spike input (poissonFiringSynapse, ...): the input
    /// element's id and the label of the network entry that placed it ("explicitInput ID ->
    /// TARGET" or "LIST/INPUT"), which keys its random stream; exports write the entry back.
    public var spikeInput: IRSpikeInputOrigin?
    /// Makes a generator population from its fields.
    public init(name: String, size: Int, generator: IRGenerator, component: String = "", idSeed: UInt64? = nil, spikeInput: IRSpikeInputOrigin? = nil) {
        self.name = name; self.size = size; self.generator = generator; self.component = component; self.idSeed = idSeed
        self.spikeInput = spikeInput
    }
}

/// Where a spike input came from (`IRGeneratorPopulation.spikeInput`).
public struct IRSpikeInputOrigin: Sendable, Hashable, Codable {
    /// The input element's id (its element name when it has no id).
    public var input: String
    /// The label of the network entry that placed the input; with `input` it keys the random stream.
    public var label: String
    /// Makes an origin from its fields.
    public init(input: String, label: String) { self.input = input; self.label = label }
}

/// One synaptic connection: spikes of `source` reach instance `instance` of synapse group
/// `group` after `delay` (ms) with `weight`.
public struct IRConnection: Sendable, Hashable, Codable {
    /// The presynaptic spike source: an index into `IRModel.spikeSources`.
    public var source: Int
    /// The target's synapse group: an index into `IRModel.synapseGroups`.
    public var group: Int
    /// The target's index in the group's `instances`.
    public var instance: Int
    /// The connection's weight, which the synapse's `onEvent` assignments read as `weight`.
    public var weight: Double
    /// The time (ms) from a spike of `source` to the event at the synapse.
    public var delay: Double
    /// The projection it belongs to (for per-projection parameters and statistics).
    public var projection: Int
    /// For a masked projection (a generator's `mask`), this connection's fixed uniform draw:
    /// it is active while the draw is below the projection's mask probability
    /// (`IRModel.maskProbability`). Nil: always active.
    public var maskDraw: Double?
    /// Makes a connection from its fields, always active (`maskDraw` nil).
    public init(source: Int, group: Int, instance: Int, weight: Double, delay: Double, projection: Int) {
        self.source = source; self.group = group; self.instance = instance; self.weight = weight; self.delay = delay; self.projection = projection
    }

    /// Whether it delivers events at its projection's mask probability `p`.
    public func isActive(maskProbability p: Double) -> Bool { maskDraw.map { $0 < p } ?? true }
}

/// Parameter `parameter` of instance `instance` of synapse group `group` is the membrane
/// potential of compartment `node` of cell `cell` of population `population` (a continuous
/// connection's `vpeer`), or, with `dynamicsState`, that state of the cell's LEMS dynamics
/// (the group labelled `IRSynapseGroup.dynamicsLabel`: a rate cell's `r` read as `peer/r`).
public struct IRPeerLink: Sendable, Hashable, Codable {
    /// The synapse group (an index into `IRModel.synapseGroups`) of the instance whose parameter
    /// is set.
    public var group: Int
    /// The instance's index in the group's `instances`.
    public var instance: Int
    /// The parameter that holds the peer's value: an index into the group's synapse's `parameters`.
    public var parameter: Int
    /// The peer cell's population (for a host state, the synapse's own cell's): an index into
    /// `IRModel.populations`.
    public var population: Int
    /// The peer cell's index within its population.
    public var cell: Int
    /// The peer compartment whose potential is read: an index into the peer cell type's `nodes`.
    public var node: Int
    /// The state read instead of the potential: an index into the `states` of the peer cell's
    /// dynamics synapse; nil to read the potential at `node`.
    public var dynamicsState: Int?
    /// Makes a peer link from its fields.
    public init(group: Int, instance: Int, parameter: Int, population: Int, cell: Int, node: Int, dynamicsState: Int? = nil) {
        self.group = group; self.instance = instance; self.parameter = parameter
        self.population = population; self.cell = cell; self.node = node; self.dynamicsState = dynamicsState
    }
}

extension IRModel {
    /// The synapse group and instance that run the LEMS dynamics of cell `cell` of population
    /// `population` (nil for a cell without them).
    public func dynamicsInstance(population: Int, cell: Int) -> (group: Int, instance: Int)? {
        let label = IRSynapseGroup.dynamicsLabel(cellTypes[populations[population].cellType].name)
        guard let g = synapseGroups.firstIndex(where: { $0.label == label }),
              let k = synapseGroups[g].instances.firstIndex(where: { $0.population == population && $0.cell == cell }) else { return nil }
        return (g, k)
    }

    /// The synapses that are LEMS cells' own dynamics (`IRSynapse.isCellDynamics`), not
    /// synapse types of the model: counts for people leave them out.
    public var cellDynamicsSynapses: Set<Int> { Set(synapses.indices.filter { synapses[$0].isCellDynamics }) }

    /// The populations of spike generators a network declares (not the one-cell populations
    /// brcc makes for spike inputs such as a poissonFiringSynapse).
    public var declaredGeneratorPopulations: [IRGeneratorPopulation] { generatorPopulations.filter { $0.spikeInput == nil } }

    /// The synapse groups whose dynamics run before every other group's current in a step:
    /// LEMS cells whose conditions reset v and do not read the synaptic current
    /// (`IRSynapse.nodeCurrent`), so every synapse and gap junction of the step sees the reset
    /// potential, as in NEURON, where the reset happens at the end of the step before.
    public var resettingDynamicsGroups: [Int] {
        synapseGroups.indices.filter {
            let syn = synapses[synapseGroups[$0].synapse]
            return synapseGroups[$0].isCellDynamics && syn.conditionsSetPotential && syn.nodeCurrent == nil
        }
    }

    /// The order of the synapse groups' current phase: `resettingDynamicsGroups`, then the
    /// others in model order. A group's `nodeCurrent` is what the stimuli and the groups before
    /// it added to its node.
    public var currentOrder: [Int] {
        let first = Set(resettingDynamicsGroups)
        return resettingDynamicsGroups + synapseGroups.indices.filter { !first.contains($0) }
    }
}

/// The synapse a projection's connections are made with, and its parameter values (internal
/// units, in the synapse's parameter order): the values every connection's instance starts from.
public struct IRProjectionSynapse: Sendable, Hashable, Codable {
    /// The synapse type: an index into `IRModel.synapses`.
    public var synapse: Int
    /// Its parameter values, one per parameter of the synapse, in internal units.
    public var values: [Double]
    /// Makes a projection synapse from its fields.
    public init(synapse: Int, values: [Double]) { self.synapse = synapse; self.values = values }
}
