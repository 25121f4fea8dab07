import BRCIR
import BRCRuntime

/// What the report shows of one network (the best of a search): for every condition, the
/// spikes of its first repeat, the cross-validated readout output against the target, and the
/// readout cells' trajectory in the first principal components of their activity.
public struct NetworkAnalysis: Sendable, Codable, Equatable {
    /// A population of the network: its name and number of cells.
    public struct Population: Sendable, Codable, Equatable {
        /// The population's name in the model.
        public var name: String
        /// The number of cells in the population.
        public var size: Int
    }
    /// One spike: time (ms), population index, cell.
    public struct Spike: Sendable, Codable, Equatable {
        /// Spike time from the start of the trial (ms).
        public var t: Double
        /// Index into `NetworkAnalysis.populations` (the model's population order).
        public var population: Int
        /// The cell's index within its population.
        public var cell: Int
    }
    /// What one cue condition gave.
    public struct Condition: Sendable, Codable, Equatable {
        /// The condition's cue value, which is also the readout's target.
        public var cue: [Double]
        /// Repeat 0's spikes, all populations with spike detectors.
        public var spikes: [Spike]
        /// Repeat 0's held-out readout output (rows x outputs), rows every `rowInterval` ms from the burn-in.
        public var prediction: [[Double]]
        /// Repeat 0's readout activity in principal-component coordinates (rows x 3).
        public var trajectory: [[Double]]
    }
    /// Simulated time per trial (ms).
    public var duration: Double
    /// Time from the trial's start excluded from the readout (ms).
    public var burnIn: Double
    /// Time between consecutive readout rows (ms): the simulation step times the downsampling.
    public var rowInterval: Double
    /// The model's populations in model order; `Spike.population` indexes this array.
    public var populations: [Population]
    /// One entry per task condition that has a repeat 0, in the task's condition order.
    public var conditions: [Condition]
    /// Share of the readout activity's variance along each principal component.
    public var explainedVariance: [Double]
    /// The readout's cross-validated mean squared error over every trial of the analysis.
    public var validationMSE: Double
    /// The mean squared error of predicting the training targets' mean (chance level).
    public var chanceMSE: Double

    /// Simulates every condition x repeat of `task` for the parameter set `values` and
    /// gathers what the report plots.
    /// `set` is the set's position in its round: its trials are the ones it was scored on.
    public static func analyse(_ ir: IRModel, library: KernelLibrary, task: IRTask, values: [Double], set: Int = 0, threads: Int) throws -> NetworkAnalysis {
        guard let sim = ir.simulation else { throw CueTask.Failure(description: "the task model has no <Simulation>") }
        let spec = Trainer.spec(task, duration: sim.duration)
        let trials = try CueTask.trials(ir, library: library, spec: spec, dt: sim.dt, set: set, threads: threads, recordSpikes: true) {
            try Trainer.apply(task, values: values, to: $0)
        }
        let score = try Readout.score(trials, alpha: task.alpha, failureMagnitude: task.failureMagnitude, failurePenalty: task.failurePenalty)
        let heldOut = try Readout.heldOut(trials, alpha: task.alpha)
        let pca = PCA(trials.flatMap(\.features), count: 3)
        var conditions: [Condition] = []
        for (c, cue) in task.conditions.enumerated() {
            guard let i = trials.indices.first(where: { trials[$0].condition == c && trials[$0].repeatIndex == 0 }) else { continue }
            let spikes = trials[i].spikes.compactMap { (t, s) -> Spike? in
                let src = ir.spikeSources[s]
                return src.generator == nil ? Spike(t: t, population: src.population, cell: src.cell) : nil
            }
            conditions.append(Condition(cue: cue, spikes: spikes, prediction: heldOut.first { $0.trial == i }?.prediction ?? [],
                                        trajectory: pca.project(trials[i].features)))
        }
        return NetworkAnalysis(duration: sim.duration, burnIn: task.burnIn, rowInterval: sim.dt * Double(task.downsample),
                               populations: ir.populations.map { Population(name: $0.name, size: $0.size) }, conditions: conditions,
                               explainedVariance: pca.explained, validationMSE: score.validationMSE, chanceMSE: score.chanceMSE)
    }
}

extension NetworkAnalysis {
    /// What is wrong with an analysis read back from `best/analysis.json`, which `brcc report`
    /// draws (nil if nothing): the times must be finite and ordered, every condition's cue and
    /// prediction rows of one width, every spike of a listed population and cell within the
    /// trial, and every number finite. A damaged file (by a disk, a copy or a hand) must not
    /// index past an array or draw NaN.
    public var damage: String? {
        guard duration.isFinite, duration > 0, burnIn.isFinite, burnIn >= 0, burnIn < duration, rowInterval.isFinite, rowInterval > 0 else {
            return "its duration, burn-in or row interval is not a finite, ordered time"
        }
        guard populations.allSatisfy({ $0.size >= 0 }), explainedVariance.allSatisfy(\.isFinite), validationMSE.isFinite, chanceMSE.isFinite else {
            return "a population size or a score is negative or not finite"
        }
        let width = conditions.first?.cue.count ?? 0
        for (k, c) in conditions.enumerated() {
            guard c.cue.count == width, c.cue.allSatisfy(\.isFinite),
                  c.prediction.allSatisfy({ $0.count == width && $0.allSatisfy(\.isFinite) }),
                  c.trajectory.allSatisfy({ $0.allSatisfy(\.isFinite) }) else {
                return "condition \(k)'s cue, prediction or trajectory is not \(width) finite numbers per row"
            }
            guard c.spikes.allSatisfy({ s in populations.indices.contains(s.population) && (0..<populations[s.population].size).contains(s.cell)
                && s.t.isFinite && s.t >= 0 && s.t <= duration }) else {
                return "condition \(k) has a spike of no listed cell, or outside the trial"
            }
        }
        return nil
    }
}

