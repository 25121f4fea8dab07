import BRCIR
import BRCRuntime
import Foundation

/// What is kept about each evaluated parameter set besides its score.
public struct EvaluationDetail: Sendable, Codable, Equatable {
    /// The readout's cross-validated mean squared error.
    public var validationMSE: Double
    /// The mean squared error of predicting the training targets' mean (chance level).
    public var chanceMSE: Double
    /// The failure rule's statistic (`ReadoutScore.meanOutputMagnitude`).
    public var meanOutputMagnitude: Double
    /// Whether the readout failed the magnitude rule.
    public var failed: Bool
    /// The mean held-out readout output per condition (in the task's condition order).
    public var meanPrediction: [[Double]]?
    /// Mean firing rate (Hz) of each of the task's rate populations over the set's trials.
    public var rates: [String: Double]?

    /// The detail of a scored set; `conditions` is the task's number of conditions, and a condition
    /// without a prediction gets an empty list.
    public init(_ e: SetEvaluation, conditions: Int) {
        let score = e.score
        validationMSE = score.validationMSE; chanceMSE = score.chanceMSE; meanOutputMagnitude = score.meanOutputMagnitude; failed = score.failed
        meanPrediction = (0..<conditions).map { score.meanPredictionPerCondition[$0] ?? [] }
        rates = e.rates
    }
}

/// What scoring one parameter set gives: its readout score and its populations' firing rates.
public struct SetEvaluation: Sendable, Equatable, Codable {
    /// The readout's score over the set's trials.
    public var score: ReadoutScore
    /// Mean firing rate (Hz) per rate population, over every cell and trial.
    public var rates: [String: Double]
}

/// The resumable state of a training run (written as JSON after every parameter set).
public struct TrainingState: Sendable, Codable, Equatable {
    /// The search: its settings, the evaluations of its completed rounds and its proposal.
    public var search: CrossEntropySearch
    /// One detail per evaluation of `search`, in the same order.
    public var details: [EvaluationDetail] = []
    /// Simulations run in the completed rounds (trials per set times sets).
    public var simulations = 0
    /// The sets of the round in progress scored so far, which a resumed run does not score
    /// again (nil between rounds, and in checkpoints written before it was kept).
    public var roundInProgress: RoundProgress?
    /// Wall time (s) spent on this state so far, summed over every `brcc train` process that
    /// continued it (nil in checkpoints written before it was kept, and outside the driver).
    public var wallSeconds: Double?
    /// Makes the state of `search` with no details or simulations yet.
    public init(search: CrossEntropySearch) { self.search = search }

    /// The simulations this state stands for: those of the finished rounds and those of the
    /// sets of the round in progress already scored (`trialsPerSet` each). A resumed run's
    /// progress starts from here.
    public func simulationsDone(trialsPerSet: Int) -> Int { simulations + (roundInProgress?.sets.count ?? 0) * trialsPerSet }
}

/// The parameter sets of one unfinished round that have been scored, by their position in it.
public struct RoundProgress: Sendable, Codable, Equatable {
    /// The round's index (the search's `completedRounds` while it runs).
    public var round: Int
    /// What scoring each set done so far gave (score and rates), keyed by its position in the round.
    public var sets: [Int: SetEvaluation]
}

/// Trains the readout of a task model: the cross-entropy search proposes run-time parameter
/// values, each set is scored by simulating every condition x repeat and cross-validating the
/// ridge readout. Parameter sets of a round are evaluated in parallel; results do not depend
/// on the thread count.
public enum Trainer {
    /// A search's state before its first round (the task's budget, or `rounds`/`samples`/`seed`
    /// where the command line sets them).
    public static func initialState(_ task: IRTask, rounds: Int? = nil, samples: Int? = nil, seed: UInt64? = nil) -> TrainingState {
        let params = task.parameters.map { SearchParameter(name: $0.label, lower: $0.lower, upper: $0.upper, log: $0.logUniform) }
        return TrainingState(search: CrossEntropySearch(parameters: params, rounds: rounds ?? task.rounds, samplesPerRound: samples ?? task.samplesPerRound,
                                                        eliteFraction: task.eliteFraction, eliteFloor: task.eliteFloor, minElite: task.minElite,
                                                        seed: seed ?? task.seed))
    }

    /// The cue task's trials as `task` declares them, each `duration` ms long.
    public static func spec(_ task: IRTask, duration: Double) -> CueTaskSpec {
        var spec = CueTaskSpec(conditions: task.conditions, repeats: task.repeats, duration: duration, burnIn: task.burnIn, downsample: task.downsample,
                               readoutPopulation: task.readoutPopulation)
        spec.readoutNode = task.readoutNode
        return spec
    }

    /// Builds the network of one parameter set: the task model, or the model lowered again with
    /// the set's structural values (see `IRSearchParameter.Target.isStructural`).
    public typealias NetworkBuilder = @Sendable (_ values: [Double]) throws -> IRModel

    /// Sets the run-time parameter values on a simulator (structural ones are already in its
    /// network). A projection left without connections by its searched probability has nothing to set.
    public static func apply(_ task: IRTask, values: [Double], to sim: Simulator) throws {
        for (p, v) in zip(task.parameters, values) {
            switch p.target {
            case .synapse(let proj, let name):
                try sim.setSynapseParameter(projection: proj, name: name, value: v)
            case .channel(let pop, let placement, let name): try sim.setChannelParameter(population: pop, placement: placement, name: name, value: v)
            case .connectionMask(let proj): try sim.setConnectionProbability(projection: proj, value: v)
            case .connectionProbability, .axialResistivity: continue
            }
        }
    }

    /// The structural values of a parameter set, as lowering overrides.
    public static func overrides(_ task: IRTask, values: [Double]) -> [IRSearchParameter.Target: Double] {
        var o: [IRSearchParameter.Target: Double] = [:]
        for (p, v) in zip(task.parameters, values) where p.target.isStructural { o[p.target] = v }
        return o
    }

    /// Scores one parameter set, the `set`-th of its round (which keys its trials' random
    /// streams, `CueTask.trialSeed`), simulating its trials `batch` at a time on `threads`
    /// threads (the score depends on neither).
    public static func evaluate(_ ir: IRModel, library: KernelLibrary, task: IRTask, values: [Double], set: Int = 0, threads: Int = 1,
                                batch: Int = CueTask.defaultBatch, completed: (@Sendable (Int) -> Void)? = nil) throws -> SetEvaluation {
        guard let sim = ir.simulation else { throw CueTask.Failure(description: "the task model has no <Simulation>") }
        let s = spec(task, duration: sim.duration)
        let trials = try CueTask.trials(ir, library: library, spec: s, dt: sim.dt, set: set, threads: threads, batch: batch, recordSpikes: !task.ratePopulations.isEmpty,
                                        configure: { try apply(task, values: values, to: $0) }, completed: completed)
        let score = try Readout.score(trials, alpha: task.alpha, failureMagnitude: task.failureMagnitude, failurePenalty: task.failurePenalty)
        return SetEvaluation(score: score, rates: rates(ir, trials: trials, populations: task.ratePopulations, duration: sim.duration))
    }

    /// Mean firing rate (Hz) of each population over its cells and the trials.
    static func rates(_ ir: IRModel, trials: [Trial], populations: [String], duration: Double) -> [String: Double] {
        var out: [String: Double] = [:]
        for name in populations {
            guard let p = ir.populations.firstIndex(where: { $0.name == name }) else { continue }
            let sources = Set(ir.spikeSources.indices.filter { ir.spikeSources[$0].generator == nil && ir.spikeSources[$0].population == p })
            let spikes = trials.map { $0.spikes.filter { sources.contains($0.1) }.count }.reduce(0, +)
            out[name] = Double(spikes) / (Double(ir.populations[p].size) * Double(max(trials.count, 1)) * duration / 1000)
        }
        return out
    }

    /// Scores parameter sets (internal units) at their positions in a round, `threads` sets at
    /// a time; `brcc train` scores each round this way and `brcc evaluate` a sets file, so the
    /// same set at the same position gets the same numbers from both.
    /// Each set runs on one thread, its trials in batches of `batch`: independent work, no
    /// per-step synchronisation between threads.
    /// `scored` hears of each set as it finishes (its index in `sets`), one call at a time.
    public static func evaluateSets(_ build: NetworkBuilder, library: KernelLibrary, task: IRTask, sets: [(position: Int, values: [Double])],
                                    threads: Int, batch: Int = CueTask.defaultBatch, completed: (@Sendable (Int) -> Void)? = nil,
                                    scored: (Int, SetEvaluation) throws -> Void = { _, _ in }) throws -> [SetEvaluation] {
        try ParallelMap.map(sets.count, threads: threads, { i in
            try evaluate(try build(sets[i].values), library: library, task: task, values: sets[i].values, set: sets[i].position, batch: batch,
                         completed: completed)
        }, each: scored)
    }

    /// Runs the remaining rounds of `state`; `checkpoint` receives the state after each scored
    /// parameter set (`roundInProgress`) and after each round. A state with sets of its round in
    /// progress continues that round without scoring them again, to the numbers of an
    /// uninterrupted run. `build` gives each parameter set's network (the task model when
    /// nothing structural is searched).
    public static func run(_ build: NetworkBuilder, library: KernelLibrary, task: IRTask, state: inout TrainingState, threads: Int,
                           batch: Int = CueTask.defaultBatch, completed: (@Sendable (Int) -> Void)? = nil,
                           checkpoint: (TrainingState) throws -> Void, progress: (TrainingState) -> Void = { _ in }) throws {
        let trialsPerSample = task.conditions.count * task.repeats
        var details: [EvaluationDetail] = []
        var current = state
        var search = state.search
        try search.run(evaluate: { values in
            let round = current.search.completedRounds
            var done = current.roundInProgress.flatMap { $0.round == round ? $0.sets : nil } ?? [:]
            let todo = values.indices.filter { done[$0] == nil }
            _ = try evaluateSets(build, library: library, task: task, sets: todo.map { ($0, values[$0]) }, threads: threads, batch: batch,
                                 completed: completed, scored: { k, result in
                done[todo[k]] = result
                current.roundInProgress = RoundProgress(round: round, sets: done)
                try checkpoint(current)
            })
            let results = values.indices.map { done[$0]! }
            details = results.map { EvaluationDetail($0, conditions: task.conditions.count) }
            return results.map(\.score.score)
        }, checkpoint: { search in
            current.search = search
            current.roundInProgress = nil
            current.details += details
            current.simulations += details.count * trialsPerSample
            try checkpoint(current)
            progress(current)
        })
        state = current
    }
}
