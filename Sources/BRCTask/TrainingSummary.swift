import BRCIR

/// What `summary.json` holds: written by `brcc train`, read by `brcc report` and `brcc compare`
/// (the typed contract between them; docs/training.md lists the fields). Parameter values are
/// in brcc's internal units (`units` says so in the file).
public struct TrainingSummary: Codable, Equatable {
    /// The task's settings a score depends on.
    public struct Task: Codable, Equatable {
        public var readout: String
        public var conditions: [[Double]]
        public var repeats: Int
        public var burnInMs: Double
        public var downsample: Int
        public var alpha: Double
        public var failureMagnitude: Double
        public var durationMs: Double
        public var dtMs: Double
        public init(readout: String, conditions: [[Double]], repeats: Int, burnInMs: Double, downsample: Int, alpha: Double,
                    failureMagnitude: Double, durationMs: Double, dtMs: Double) {
            self.readout = readout; self.conditions = conditions; self.repeats = repeats; self.burnInMs = burnInMs; self.downsample = downsample
            self.alpha = alpha; self.failureMagnitude = failureMagnitude; self.durationMs = durationMs; self.dtMs = dtMs
        }
    }

    /// The search's budget.
    public struct Budget: Codable, Equatable {
        public var rounds: Int
        public var samplesPerRound: Int
        public var eliteFraction: Double
        public var simulationsPerSample: Int
        public init(rounds: Int, samplesPerRound: Int, eliteFraction: Double, simulationsPerSample: Int) {
            self.rounds = rounds; self.samplesPerRound = samplesPerRound; self.eliteFraction = eliteFraction; self.simulationsPerSample = simulationsPerSample
        }
    }

    /// One round's scores: best and median score and validation MSE, the median chance MSE, how
    /// many sets failed the readout rule, of how many.
    public struct Round: Codable, Equatable {
        public var round: Int
        public var best: Double, median: Double
        public var bestValidationMSE: Double, medianValidationMSE: Double, medianChanceMSE: Double
        public var failed: Int, sets: Int
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
        public var score: Double, validationMSE: Double, chanceMSE: Double, r2: Double
        public var failed: Bool
        /// By parameter id, internal units.
        public var parameters: [String: Double]
        public var meanOutputMagnitude: Double
        public var conditions: [[Double]]
        public var meanPredictionPerCondition: [[Double]]
        public init(score: Double, validationMSE: Double, chanceMSE: Double, failed: Bool, parameters: [String: Double],
                    meanOutputMagnitude: Double, conditions: [[Double]], meanPredictionPerCondition: [[Double]]) {
            self.score = score; self.validationMSE = validationMSE; self.chanceMSE = chanceMSE; self.r2 = 1 - validationMSE / chanceMSE
            self.failed = failed; self.parameters = parameters; self.meanOutputMagnitude = meanOutputMagnitude
            self.conditions = conditions; self.meanPredictionPerCondition = meanPredictionPerCondition
        }
    }

    public var brccVersion: String
    public var model: String
    public var modelHash: String
    public var task: Task
    public var budget: Budget
    public var seed: UInt64
    public var rounds: [Round]
    /// Nil before any set was scored.
    public var best: Best?
    public var simulationsRun: Int
    /// Summed over every process that continued the run with `--resume`.
    public var wallSeconds: Double
    public var threads: Int
    public var backend: String
    public var precision: String
    public var units: String

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
    public var score: Double, validationMSE: Double, chanceMSE: Double, r2: Double
    public var failed: Bool
    public var meanOutputMagnitude: Double
    public var conditions: [[Double]]
    public var meanPredictionPerCondition: [[Double]]
    /// By parameter id, internal units (`units` says which).
    public var parameters: [String: Double]
    public var units: String
    /// Trials run: conditions x repeats.
    public var simulations: Int
    /// Mean firing rate per population over the trials, Hz.
    public var ratesHz: [String: Double]
    public var precision: String
    public var wallSeconds: Double

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
