import BRCIR
import BRCRuntime
import Foundation

/// What is kept about each evaluated parameter set besides its score.
public struct EvaluationDetail: Sendable, Codable, Equatable {
    public var validationMSE: Double
    public var chanceMSE: Double
    public var meanOutputMagnitude: Double
    public var failed: Bool
    /// The mean held-out readout output per condition (in the task's condition order).
    public var meanPrediction: [[Double]]?

    init(_ score: ReadoutScore, conditions: Int) {
        validationMSE = score.validationMSE; chanceMSE = score.chanceMSE; meanOutputMagnitude = score.meanOutputMagnitude; failed = score.failed
        meanPrediction = (0..<conditions).map { score.meanPredictionPerCondition[$0] ?? [] }
    }
}

/// The resumable state of a training run (written as JSON after every round).
public struct TrainingState: Sendable, Codable, Equatable {
    public var search: CrossEntropySearch
    public var details: [EvaluationDetail] = []
    public var simulations = 0
    public init(search: CrossEntropySearch) { self.search = search }
}

/// Trains the readout of a task model: the cross-entropy search proposes run-time parameter
/// values, each set is scored by simulating every condition x repeat and cross-validating the
/// ridge readout. Parameter sets of a round are evaluated in parallel; results do not depend
/// on the thread count.
public enum Trainer {
    public static func initialState(_ task: IRTask, rounds: Int? = nil, samples: Int? = nil, seed: UInt64? = nil) -> TrainingState {
        let params = task.parameters.map { SearchParameter(name: $0.label, lower: $0.lower, upper: $0.upper, log: $0.logUniform) }
        return TrainingState(search: CrossEntropySearch(parameters: params, rounds: rounds ?? task.rounds, samplesPerRound: samples ?? task.samplesPerRound,
                                                        eliteFraction: task.eliteFraction, seed: seed ?? task.seed))
    }

    public static func spec(_ task: IRTask, duration: Double) -> CueTaskSpec {
        CueTaskSpec(conditions: task.conditions, repeats: task.repeats, duration: duration, burnIn: task.burnIn, downsample: task.downsample,
                    readoutPopulation: task.readoutPopulation, alpha: task.alpha, failureMagnitude: task.failureMagnitude)
    }

    /// Builds the network of one parameter set: the task model, or the model lowered again with
    /// the set's structural values (see `IRSearchParameter.Target.isStructural`).
    public typealias NetworkBuilder = @Sendable (_ values: [Double]) throws -> IRModel

    /// Sets the run-time parameter values on a simulator (structural ones are already in its
    /// network). A projection left without connections by its searched probability is skipped.
    public static func apply(_ task: IRTask, values: [Double], to sim: Simulator) throws {
        for (p, v) in zip(task.parameters, values) {
            switch p.target {
            case .synapse(let proj, let name):
                guard let pi = sim.model.projections.firstIndex(of: proj), sim.model.connections.contains(where: { $0.projection == pi }) else { continue }
                try sim.setSynapseParameter(projection: proj, name: name, value: v)
            case .channel(let pop, let placement, let name): try sim.setChannelParameter(population: pop, placement: placement, name: name, value: v)
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

    /// The readout score of one parameter set (its trials simulated on `threads` threads).
    public static func evaluate(_ ir: IRModel, library: KernelLibrary, task: IRTask, values: [Double], threads: Int = 1) throws -> ReadoutScore {
        guard let sim = ir.simulation else { throw CueTask.Failure(description: "the task model has no <Simulation>") }
        let s = spec(task, duration: sim.duration)
        let trials = try CueTask.trials(ir, library: library, spec: s, dt: sim.dt, threads: threads) { try apply(task, values: values, to: $0) }
        return try Readout.score(trials, alpha: task.alpha, failureMagnitude: task.failureMagnitude)
    }

    /// Runs the remaining rounds of `state`; `checkpoint` receives the state after each round.
    /// `build` gives each parameter set's network (the task model when nothing structural is searched).
    public static func run(_ build: NetworkBuilder, library: KernelLibrary, task: IRTask, state: inout TrainingState, threads: Int,
                           checkpoint: (TrainingState) throws -> Void, progress: (TrainingState) -> Void = { _ in }) throws {
        let trialsPerSample = task.conditions.count * task.repeats
        var details: [EvaluationDetail] = []
        var current = state
        var search = state.search
        // Sets whose readouts all failed score chance alike; the lower validation MSE ranks first.
        try search.run(rank: { values in
            let scores = try ParallelMap.map(values.count, threads: threads) { i in
                try evaluate(try build(values[i]), library: library, task: task, values: values[i])
            }
            details = scores.map { EvaluationDetail($0, conditions: task.conditions.count) }
            return scores.map { (score: $0.score, tieBreak: $0.validationMSE) }
        }, checkpoint: { search in
            current.search = search
            current.details += details
            current.simulations += details.count * trialsPerSample
            try checkpoint(current)
            progress(current)
        })
        state = current
    }
}
