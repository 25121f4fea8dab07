import BRCUnits

/// A training task declared with `brc:cueTask` (DESIGN.md §6): the cue conditions, the
/// readout, and the parameters to search with their priors.
public struct IRTask: Sendable, Hashable, Codable {
    /// The most rounds a search may ask for (the study: 10 rounds of 100 sets).
    public static let maximumRounds = 100_000
    /// The most parameter sets per round a search may ask for.
    public static let maximumSamples = 100_000

    /// The study's settings (STUDY.md §4-5): what a `brc:cueTask` leaves out, and the defaults of
    /// the readout and search functions. The one place they are written.
    public enum Defaults {
        /// Trials per condition, readout downsampling, search rounds, parameter sets per round, and
        /// the smallest elite that refits the proposal.
        public static let repeats = 5, downsample = 10, rounds = 10, samplesPerRound = 100, minElite = 5
        /// Burn-in (ms), ridge alpha, the failure rule's magnitude and penalty, the elite fraction and floor.
        public static let burnIn = 250.0, alpha = 2.0, failureMagnitude = 0.2, failurePenalty = 1000.0, eliteFraction = 0.1, eliteFloor = 1.0
    }
    /// The population whose cells' potentials the readout reads.
    public var readoutPopulation: String
    /// The cue values, one trial condition each (the study: (±2, ±2)).
    public var conditions: [[Double]]
    /// Trials per condition, each with its own noise and initial potentials.
    public var repeats: Int
    /// Burn-in excluded from the readout (ms).
    public var burnIn: Double
    /// The readout keeps every `downsample`-th step from the end of the burn-in as a row (1: every step).
    public var downsample: Int
    /// The ridge regression's penalty.
    public var alpha: Double
    /// The failure rule: a readout whose per-condition mean predictions lie on average less
    /// than this from the conditions' mean (mean |prediction − centre|) fails.
    public var failureMagnitude: Double
    /// The search's rounds and parameter sets per round.
    public var rounds: Int
    /// The parameter sets drawn in each round (the search's `samples`).
    public var samplesPerRound: Int
    /// The quantile of a round's scores that bounds its elite (with `eliteFloor`), which refits
    /// the proposal.
    public var eliteFraction: Double
    /// The search's seed, which keys its draws of parameter sets. (A trial's random streams come
    /// from the model's own seeds and the set's position: `CueTask.trialSeed`.)
    public var seed: UInt64
    /// What is searched, with its prior.
    public var parameters: [IRSearchParameter]
    /// What a failed readout adds to its score (the study: 1000).
    public var failurePenalty: Double = Defaults.failurePenalty
    /// The elite threshold's floor (STUDY.md §5): the threshold never goes below this score.
    public var eliteFloor: Double = Defaults.eliteFloor
    /// The smallest elite that refits the proposal; a smaller one keeps the previous proposal.
    public var minElite: Int = Defaults.minElite
    /// Populations whose mean firing rate is reported per parameter set.
    public var ratePopulations: [String] = []
    /// The node of the readout cells whose potential is read (`readoutSegment`,
    /// `readoutFractionAlong`); nil: their spike-detection node.
    public var readoutNode: Int?
    /// Makes a task from its fields; the other properties keep their defaults (`Defaults`, no rate
    /// populations, the readout at the spike-detection node).
    public init(readoutPopulation: String, conditions: [[Double]], repeats: Int, burnIn: Double, downsample: Int, alpha: Double,
                failureMagnitude: Double, rounds: Int, samplesPerRound: Int, eliteFraction: Double, seed: UInt64, parameters: [IRSearchParameter]) {
        self.readoutPopulation = readoutPopulation; self.conditions = conditions; self.repeats = repeats; self.burnIn = burnIn
        self.downsample = downsample; self.alpha = alpha; self.failureMagnitude = failureMagnitude; self.rounds = rounds
        self.samplesPerRound = samplesPerRound; self.eliteFraction = eliteFraction; self.seed = seed; self.parameters = parameters
    }
}

/// A searched parameter: a synaptic parameter of one projection, a channel parameter of one
/// channelDensity on one population, the connection probability of one projection, or the
/// axial resistivity of one cell type. Bounds are in internal units.
public struct IRSearchParameter: Sendable, Hashable, Codable {
    /// What the parameter is, by the names the model gives (`ParameterAddress` resolves them).
    public enum Target: Sendable, Hashable, Codable {
        /// Parameter `parameter` of the synapse of projection `projection` (`brc:synapticParameter`).
        case synapse(projection: String, parameter: String)
        /// Parameter `parameter` (`gmax` or `erev`) of channelDensity `placement` on population
        /// `population` (`brc:channelParameter`).
        case channel(population: String, placement: String, parameter: String)
        /// The connection probability of projection `projection` (`brc:connectionProbability`).
        case connectionProbability(projection: String)
        /// The mask probability of a masked projection (its generator's `mask`): which of a
        /// fixed set of candidate connections are active. A run-time value.
        case connectionMask(projection: String)
        /// The axial resistivity of the cell type with id `cell` (`brc:axialResistivity`).
        case axialResistivity(cell: String)

        /// Whether the value shapes the network itself (which connections exist, the axial
        /// conductances), so that a new value means lowering the model again. The kernels do
        /// not change: connection counts and axial conductances are run-time data.
        public var isStructural: Bool {
            switch self {
            case .synapse, .channel, .connectionMask: return false
            case .connectionProbability, .axialResistivity: return true
            }
        }
    }
    /// The parameter's id (the study's names, e.g. `EE_ampa_gS`), as `evaluations.csv` heads it.
    public var label: String
    /// What the parameter is, by name.
    public var target: Target
    /// The prior: uniform on [lower, upper] (internal units), or uniform in the logarithm.
    public var lower: Double
    /// The prior's upper bound (internal units); `lower` is below it.
    public var upper: Double
    /// Whether the prior is uniform in the logarithm (then both bounds are positive).
    public var logUniform: Bool
    /// The model's own value (after any `brc:setParameter`), scored by `brcc train --baseline`.
    public var modelValue: Double
    /// The value's physical dimension (how it is written back in SI units).
    public var dimension: Dimension
    /// Makes a searched parameter from its fields (`modelValue` NaN and dimensionless unless given).
    public init(label: String, target: Target, lower: Double, upper: Double, logUniform: Bool, modelValue: Double = .nan, dimension: Dimension = .none) {
        self.label = label; self.target = target; self.lower = lower; self.upper = upper; self.logUniform = logUniform; self.modelValue = modelValue
        self.dimension = dimension
    }
}
