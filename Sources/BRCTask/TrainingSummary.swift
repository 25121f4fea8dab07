import BRCIR

/// What `summary.json` holds: written by `brcc train`, read by `brcc report` and `brcc compare`
/// (the typed contract between them; docs/training.md lists the fields). Parameter values are
/// in brcc's internal units (`units` says so in the file).
public struct TrainingSummary: Codable, Equatable {
    /// The task's settings a score depends on.
    public struct Task: Codable, Equatable {
        /// The readout population's name.
        public var readout: String
        /// The cue values, one per condition.
        public var conditions: [[Double]]
        /// Trials per condition.
        public var repeats: Int
        /// Time from a trial's start excluded from the readout (ms).
        public var burnInMs: Double
        /// The readout keeps every `downsample`-th simulation step.
        public var downsample: Int
        /// The ridge regression's penalty.
        public var alpha: Double
        /// The failure rule's threshold on the mean output magnitude.
        public var failureMagnitude: Double
        /// Simulated time per trial (ms; 0 when the model has no `<Simulation>`).
        public var durationMs: Double
        /// The simulation step (ms; 0 when the model has no `<Simulation>`).
        public var dtMs: Double
        /// Makes the task record from its fields.
        public init(readout: String, conditions: [[Double]], repeats: Int, burnInMs: Double, downsample: Int, alpha: Double,
                    failureMagnitude: Double, durationMs: Double, dtMs: Double) {
            self.readout = readout; self.conditions = conditions; self.repeats = repeats; self.burnInMs = burnInMs; self.downsample = downsample
            self.alpha = alpha; self.failureMagnitude = failureMagnitude; self.durationMs = durationMs; self.dtMs = dtMs
        }
    }

    /// The search's budget.
    public struct Budget: Codable, Equatable {
        /// Rounds of the search in total.
        public var rounds: Int
        /// Parameter sets per round.
        public var samplesPerRound: Int
        /// The quantile of a round's scores that gives the elite threshold, unless the floor is higher.
        public var eliteFraction: Double
        /// Trials per parameter set: conditions times repeats.
        public var simulationsPerSample: Int
        /// Makes the budget record from its fields.
        public init(rounds: Int, samplesPerRound: Int, eliteFraction: Double, simulationsPerSample: Int) {
            self.rounds = rounds; self.samplesPerRound = samplesPerRound; self.eliteFraction = eliteFraction; self.simulationsPerSample = simulationsPerSample
        }
    }

    /// One round's scores: best and median score and validation MSE, the median chance MSE, how
    /// many sets failed the readout rule, of how many.
    public struct Round: Codable, Equatable {
        /// The round's index, from 0.
        public var round: Int
        /// The lowest and the median score of the round's sets.
        public var best: Double, median: Double
        /// The lowest and the median validation MSE, and the median chance MSE, of the round's sets.
        public var bestValidationMSE: Double, medianValidationMSE: Double, medianChanceMSE: Double
        /// How many of the round's sets failed the magnitude rule, and how many sets it has.
        public var failed: Int, sets: Int
        /// Makes a round from its fields.
        public init(round: Int, best: Double, median: Double, bestValidationMSE: Double, medianValidationMSE: Double, medianChanceMSE: Double, failed: Int, sets: Int) {
            self.round = round; self.best = best; self.median = median; self.bestValidationMSE = bestValidationMSE
            self.medianValidationMSE = medianValidationMSE; self.medianChanceMSE = medianChanceMSE; self.failed = failed; self.sets = sets
        }

        /// Round `round` of these sets (scores, validation and chance MSEs, failures, one entry
        /// per set): minima and medians as numpy's (the mean of the middle two of an even
        /// count), as the report and `brcc compare` compute them from evaluations.csv.
        public init(round: Int, scores: [Double], validationMSE: [Double], chanceMSE: [Double], failed: [Bool]) {
            self.init(round: round, best: scores.min() ?? .nan, median: quantile(scores, 0.5), bestValidationMSE: validationMSE.min() ?? .nan,
                      medianValidationMSE: quantile(validationMSE, 0.5), medianChanceMSE: quantile(chanceMSE, 0.5),
                      failed: failed.filter { $0 }.count, sets: scores.count)
        }
    }

    /// The best parameter set and how its readout did.
    public struct Best: Codable, Equatable {
        /// The set's score, validation MSE, chance MSE and R² (1 - validation MSE / chance MSE).
        public var score: Double, validationMSE: Double, chanceMSE: Double, r2: Double
        /// Whether the set's readout failed the magnitude rule.
        public var failed: Bool
        /// By parameter id, internal units.
        public var parameters: [String: Double]
        /// The failure rule's statistic (`ReadoutScore.meanOutputMagnitude`).
        public var meanOutputMagnitude: Double
        /// The task's cue values, in condition order.
        public var conditions: [[Double]]
        /// The mean held-out readout output of each condition, in `conditions` order.
        public var meanPredictionPerCondition: [[Double]]
        /// Makes the record from its fields; `r2` is computed from the two MSEs.
        public init(score: Double, validationMSE: Double, chanceMSE: Double, failed: Bool, parameters: [String: Double],
                    meanOutputMagnitude: Double, conditions: [[Double]], meanPredictionPerCondition: [[Double]]) {
            self.score = score; self.validationMSE = validationMSE; self.chanceMSE = chanceMSE; self.r2 = 1 - validationMSE / chanceMSE
            self.failed = failed; self.parameters = parameters; self.meanOutputMagnitude = meanOutputMagnitude
            self.conditions = conditions; self.meanPredictionPerCondition = meanPredictionPerCondition
        }
    }

    /// The version of brcc that wrote the file.
    public var brccVersion: String
    /// The path of the task model's root file.
    public var model: String
    /// The content hash of the model's files and the data tables they read, as the checkpoint
    /// also records it.
    public var modelHash: String
    /// The task's settings a score depends on.
    public var task: Task
    /// The search's budget.
    public var budget: Budget
    /// The search's seed.
    public var seed: UInt64
    /// One entry per completed round that has sets, in round order.
    public var rounds: [Round]
    /// Nil before any set was scored.
    public var best: Best?
    /// Simulations run by the search's completed rounds.
    public var simulationsRun: Int
    /// Summed over every process that continued the run with `--resume`.
    public var wallSeconds: Double
    /// The thread count (`--threads`) of the process that wrote the file.
    public var threads: Int
    /// The kernels' backend (`KernelTarget`'s raw value, such as `c`).
    public var backend: String
    /// The kernels' precision: `exact` or `fast`.
    public var precision: String
    /// What the parameter values are in, in words (brcc's internal units).
    public var units: String

    /// Makes a summary from its fields.
    public init(brccVersion: String, model: String, modelHash: String, task: Task, budget: Budget, seed: UInt64, rounds: [Round], best: Best?,
                simulationsRun: Int, wallSeconds: Double, threads: Int, backend: String, precision: String, units: String) {
        self.brccVersion = brccVersion; self.model = model; self.modelHash = modelHash; self.task = task; self.budget = budget; self.seed = seed
        self.rounds = rounds; self.best = best; self.simulationsRun = simulationsRun; self.wallSeconds = wallSeconds; self.threads = threads
        self.backend = backend; self.precision = precision; self.units = units
    }

    private enum CodingKeys: String, CodingKey {
        case brccVersion, model, modelHash, task, budget, seed, rounds, best, simulationsRun, wallSeconds, threads, backend, precision, units
    }

    /// Reads a summary; `best` may be absent or `{}` (a run stopped before its first set), and
    /// is otherwise read whole (a field missing is an error, as for the other fields).
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        brccVersion = try c.decode(String.self, forKey: .brccVersion); model = try c.decode(String.self, forKey: .model)
        modelHash = try c.decode(String.self, forKey: .modelHash); task = try c.decode(Task.self, forKey: .task)
        budget = try c.decode(Budget.self, forKey: .budget); seed = try c.decode(UInt64.self, forKey: .seed)
        rounds = try c.decode([Round].self, forKey: .rounds)
        do { best = try c.decodeIfPresent(Best.self, forKey: .best) } catch {
            // `{}` is no best set; a best set with a field missing or damaged is refused.
            guard let empty = try? c.decode([String: Double].self, forKey: .best), empty.isEmpty else { throw error }
            best = nil
        }
        simulationsRun = try c.decode(Int.self, forKey: .simulationsRun); wallSeconds = try c.decode(Double.self, forKey: .wallSeconds)
        threads = try c.decode(Int.self, forKey: .threads); backend = try c.decode(String.self, forKey: .backend)
        precision = try c.decode(String.self, forKey: .precision); units = try c.decode(String.self, forKey: .units)
    }
}

/// What `brcc train --baseline` writes to `baseline.json`: the score of the model's own values
/// of the searched parameters, with no search.
public struct BaselineSummary: Codable, Equatable {
    /// The score of the model's own values, its validation MSE, chance MSE and R².
    public var score: Double, validationMSE: Double, chanceMSE: Double, r2: Double
    /// Whether the readout failed the magnitude rule.
    public var failed: Bool
    /// The failure rule's statistic (`ReadoutScore.meanOutputMagnitude`).
    public var meanOutputMagnitude: Double
    /// The task's cue values, in condition order.
    public var conditions: [[Double]]
    /// The mean held-out readout output of each condition, in `conditions` order.
    public var meanPredictionPerCondition: [[Double]]
    /// By parameter id, internal units (`units` says which).
    public var parameters: [String: Double]
    /// What `parameters` are in, in words.
    public var units: String
    /// Trials run: conditions x repeats.
    public var simulations: Int
    /// Mean firing rate per population over the trials, Hz.
    public var ratesHz: [String: Double]
    /// The kernels' precision: `exact` or `fast`.
    public var precision: String
    /// Wall time of the baseline evaluation (s).
    public var wallSeconds: Double

    /// Makes the record from a readout score and the run's facts; a condition without a mean
    /// prediction gets an empty list.
    public init(score: ReadoutScore, parameters: [String: Double], units: String, conditions: [[Double]], simulations: Int,
                ratesHz: [String: Double], precision: String, wallSeconds: Double) {
        self.score = score.score; validationMSE = score.validationMSE; chanceMSE = score.chanceMSE; r2 = score.r2
        failed = score.failed; meanOutputMagnitude = score.meanOutputMagnitude
        self.conditions = conditions
        meanPredictionPerCondition = conditions.indices.map { score.meanPredictionPerCondition[$0] ?? [] }
        self.parameters = parameters; self.units = units; self.simulations = simulations
        self.ratesHz = ratesHz; self.precision = precision; self.wallSeconds = wallSeconds
    }
}
