import BRCUnits

/// A training task declared with `brc:cueTask` (DESIGN.md §6): the cue conditions, the
/// readout, and the parameters to search with their priors.
public struct IRTask: Sendable, Hashable, Codable {
    /// The most rounds and parameter sets per round a search may ask for (the study: 10 x 100).
    public static let maximumRounds = 100_000
    public static let maximumSamples = 100_000

    /// The study's settings (STUDY.md §4-5): what a `brc:cueTask` leaves out, and the defaults of
    /// the readout and search functions. The one place they are written.
    public enum Defaults {
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
    /// Burn-in excluded from the readout (ms) and the downsampling of the readout rows.
    public var burnIn: Double
    public var downsample: Int
    /// The ridge regression's penalty.
    public var alpha: Double
    /// The failure rule: a readout whose per-condition mean predictions lie on average less
    /// than this from the conditions' mean (mean |prediction − centre|) fails.
    public var failureMagnitude: Double
    /// The search's rounds and parameter sets per round.
    public var rounds: Int
    public var samplesPerRound: Int
    /// The quantile of a round's scores that bounds its elite (with `eliteFloor`), which refits
    /// the proposal.
    public var eliteFraction: Double
    /// The search's seed (its draws and, with each set's position, the trials' streams).
    public var seed: UInt64
    /// What is searched, with its prior.
    public var parameters: [IRSearchParameter]
    /// What a failed readout adds to its score (the study: 1000).
    public var failurePenalty: Double = Defaults.failurePenalty
    /// The elite threshold's floor and the smallest elite that refits the proposal (STUDY.md §5).
    public var eliteFloor: Double = Defaults.eliteFloor
    public var minElite: Int = Defaults.minElite
    /// Populations whose mean firing rate is reported per parameter set.
    public var ratePopulations: [String] = []
    /// The node of the readout cells whose potential is read (`readoutSegment`,
    /// `readoutFractionAlong`); nil: their spike-detection node.
    public var readoutNode: Int?
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
        case synapse(projection: String, parameter: String)
        case channel(population: String, placement: String, parameter: String)
        case connectionProbability(projection: String)
        /// The mask probability of a masked projection (its generator's `mask`): which of a
        /// fixed set of candidate connections are active. A run-time value.
        case connectionMask(projection: String)
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
    public var target: Target
    /// The prior: uniform on [lower, upper] (internal units), or uniform in the logarithm.
    public var lower: Double
    public var upper: Double
    public var logUniform: Bool
    /// The model's own value (after any `brc:setParameter`), scored by `brcc train --baseline`.
    public var modelValue: Double
    /// The value's physical dimension (how it is written back in SI units).
    public var dimension: Dimension
    public init(label: String, target: Target, lower: Double, upper: Double, logUniform: Bool, modelValue: Double = .nan, dimension: Dimension = .none) {
        self.label = label; self.target = target; self.lower = lower; self.upper = upper; self.logUniform = logUniform; self.modelValue = modelValue
        self.dimension = dimension
    }
}
