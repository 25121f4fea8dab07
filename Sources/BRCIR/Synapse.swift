import BRCUnits

/// A point mechanism driven by events: a synapse. Its current (nA, into the cell) is evaluated
/// at the present state like a channel's; NEURON's numerical di/dv (current at v + 0.001 mV)
/// gives its diagonal contribution, which is exact for ohmic synapses and includes the
/// voltage dependence of a magnesium block.
public struct IRSynapse: Sendable, Hashable, Codable {
    public var name: String
    public var origin: String
    /// Per-instance run-time parameters (e.g. gbase, erev, tau...), internal units.
    public var parameters: [String]
    /// The dimension of each parameter (for checking values set at run time); one per parameter
    /// (IRVerifier checks it).
    public var parameterDimensions: [Dimension] = []
    /// Locals of the state update (new v, states before the update).
    public var locals: [IRAssignment]
    public var states: [IRState]
    /// Current into the cell (nA) from parameters, states and v.
    public var current: IRExpr
    /// On a spike: state := value, in order, reading `weight`, `t`, parameters and the states'
    /// values before the event.
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

    public init(name: String, origin: String, parameters: [String], locals: [IRAssignment], states: [IRState],
                current: IRExpr, onEvent: [IRStateAssignment], conditions: [IRCondition]) {
        self.name = name; self.origin = origin; self.parameters = parameters; self.locals = locals; self.states = states
        self.current = current; self.onEvent = onEvent; self.conditions = conditions
    }
}

/// A value a synapse or LEMS cell exposes for recording: its expression (internal units) and
/// the factor to SI.
public struct IRExposure: Sendable, Hashable, Codable {
    public var value: IRExpr
    public var siScale: Double
    public init(_ value: IRExpr, siScale: Double) { self.value = value; self.siScale = siScale }
}

/// `state = value`, as an event or a condition assigns it.
public struct IRStateAssignment: Sendable, Hashable, Codable {
    public var state: String
    public var value: IRExpr
    public init(_ state: String, _ value: IRExpr) { self.state = state; self.value = value }
}

/// A LEMS `<OnCondition>`: when `test` holds, its assignments run (all reading the values
/// before any of them).
public struct IRCondition: Sendable, Hashable, Codable {
    public var test: IRExpr
    public var assignments: [IRStateAssignment]
    public init(test: IRExpr, assignments: [IRStateAssignment]) { self.test = test; self.assignments = assignments }
}

/// All instances of one synapse type on cells of one cell type (they share a kernel and the
/// post-synaptic cell block).
public struct IRSynapseGroup: Sendable, Hashable, Codable {
    /// One synapse: the cell and node it sits on and its parameter values.
    public struct Instance: Sendable, Hashable, Codable {
        public var population: Int
        public var cell: Int
        public var node: Int
        public var values: [Double]
        public init(population: Int, cell: Int, node: Int, values: [Double]) {
            self.population = population; self.cell = cell; self.node = node; self.values = values
        }
    }
    public var label: String
    public var synapse: Int
    public var cellType: Int
    public var instances: [Instance]
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
    public var population: Int
    public var cell: Int
    public var node: Int
    public var threshold: Double
    public var generator: IRGenerator?
    /// For a cell whose conditions emit its spikes: the spike counter of its dynamics
    /// (`IRSynapse.spikeFlag`), read after each step; `threshold` is then unused.
    public var flag: IRSpikeFlag?
    public init(population: Int, cell: Int, node: Int, threshold: Double, generator: IRGenerator? = nil) {
        self.population = population; self.cell = cell; self.node = node; self.threshold = threshold; self.generator = generator
    }
}

/// State `state` (an `IRSynapse.spikeFlag`) of instance `instance` of synapse group `group`.
public struct IRSpikeFlag: Sendable, Hashable, Codable {
    public var group: Int
    public var instance: Int
    public var state: Int
    public init(group: Int, instance: Int, state: Int) { self.group = group; self.instance = instance; self.state = state }
}

/// A spike generator without a membrane.
public enum IRGenerator: Sendable, Hashable, Codable {
    /// Spikes at the given times (ms, sorted), each at the first step starting at or after it.
    case times([Double])
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
        case .times, .periodic: return nil
        case .poisson(_, let seed), .renewal(_, _, _, _, _, let seed): return seed
        }
    }

    /// The same generator drawing from `seed` (a generator without randomness is unchanged).
    public func reseeded(_ seed: UInt64) -> IRGenerator {
        switch self {
        case .times, .periodic: return self
        case .poisson(let rate, _): return .poisson(rate: rate, seed: seed)
        case .renewal(let d, let minimum, let scale, let start, let stop, _): return .renewal(d, minimum: minimum, scale: scale, start: start, stop: stop, seed: seed)
        }
    }
}

/// The interval law of a renewal spike source (`IRSpikeSource.renewal`).
public enum RenewalDistribution: String, Sendable, Hashable, Codable { case uniform, exponential }

/// A population of spike generators.
public struct IRGeneratorPopulation: Sendable, Hashable, Codable {
    public var name: String
    public var size: Int
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
    public init(name: String, size: Int, generator: IRGenerator, component: String = "", idSeed: UInt64? = nil, spikeInput: IRSpikeInputOrigin? = nil) {
        self.name = name; self.size = size; self.generator = generator; self.component = component; self.idSeed = idSeed
        self.spikeInput = spikeInput
    }
}

/// Where a spike input came from (`IRGeneratorPopulation.spikeInput`).
public struct IRSpikeInputOrigin: Sendable, Hashable, Codable {
    public var input: String
    public var label: String
    public init(input: String, label: String) { self.input = input; self.label = label }
}

/// One synaptic connection: spikes of `source` reach instance `instance` of synapse group
/// `group` after `delay` (ms) with `weight`.
public struct IRConnection: Sendable, Hashable, Codable {
    public var source: Int
    public var group: Int
    public var instance: Int
    public var weight: Double
    public var delay: Double
    /// The projection it belongs to (for per-projection parameters and statistics).
    public var projection: Int
    /// For a masked projection (a generator's `mask`), this connection's fixed uniform draw:
    /// it is active while the draw is below the projection's mask probability
    /// (`IRModel.maskProbability`). Nil: always active.
    public var maskDraw: Double?
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
    public var group: Int
    public var instance: Int
    public var parameter: Int
    public var population: Int
    public var cell: Int
    public var node: Int
    public var dynamicsState: Int?
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
    public var synapse: Int
    public var values: [Double]
    public init(synapse: Int, values: [Double]) { self.synapse = synapse; self.values = values }
}
