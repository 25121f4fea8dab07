import BRCIR
import BRCRuntime
import Foundation

/// The working-memory cue task of DESIGN.md §6, run on a compiled model: every condition
/// (cue value) x repeat is one simulation with the cue cells' currents set for that value and
/// the noise inputs reseeded for that repeat; the readout cells' potentials after the burn-in,
/// downsampled, are the features and the cue value the target.
public struct CueTaskSpec: Sendable {
    /// Cue values (the study: (±2, ±2)).
    public var conditions: [[Double]]
    /// Trials per condition, each with its own noise streams (and random initial potentials,
    /// where a population has them).
    public var repeats: Int
    /// Simulated time per trial and the burn-in excluded from the readout (ms).
    public var duration: Double
    /// Time from a trial's start before which no readout row is kept (ms).
    public var burnIn: Double
    /// Keep every `downsample`-th step.
    public var downsample: Int
    /// The population whose cells' potentials are read out, at `readoutNode` (nil: at their
    /// spike-detection node).
    public var readoutPopulation: String
    /// The node (an index into the readout cell type's `nodes`) whose potential is read; nil
    /// reads the cell type's spike-detection node.
    public var readoutNode: Int?

    /// Makes a specification from its fields (defaults: the study's four cues, 1000 ms trials,
    /// `IRTask.Defaults`, the population `rate`); `readoutNode` starts as nil.
    public init(conditions: [[Double]] = [[-2, -2], [2, 2], [-2, 2], [2, -2]], repeats: Int = IRTask.Defaults.repeats, duration: Double = 1000,
                burnIn: Double = IRTask.Defaults.burnIn, downsample: Int = IRTask.Defaults.downsample, readoutPopulation: String = "rate") {
        self.conditions = conditions; self.repeats = repeats; self.duration = duration; self.burnIn = burnIn
        self.downsample = downsample; self.readoutPopulation = readoutPopulation
    }
}

/// The study's cue task run on a compiled network: the trials of each cue condition (cue
/// currents set for the cue, noise reseeded per trial), their readout activity, in batches.
public enum CueTask {
    /// Why the task cannot run on a model (no readout population, no cue input, no `<Simulation>`), in words.
    public struct Failure: Error, CustomStringConvertible { public var description: String }

    /// The seed of trial `trial` of parameter set `set` derived from a declared seed: the study
    /// seeds trial t of set s (its position in the round) with 20·s + t; brcc keys its streams
    /// by the same number, so every trial has its own noise and initial potentials, and a set
    /// scored again at the same position (`brcc evaluate`) gets the same streams.
    public static func trialSeed(_ seed: UInt64, set: Int, trial: Int, trialsPerSet: Int) -> UInt64 {
        seed &+ 0x9E37_79B9_7F4A_7C15 &* UInt64(truncatingIfNeeded: trialsPerSet &* set &+ trial &+ 1)
    }

    /// The model of one trial: the cue currents set for `cue`, the noise currents, random
    /// initial potentials and the streams of `random()` in LEMS Dynamics reseeded for
    /// (set, trial) (`trialSeed`).
    public static func trialModel(_ ir: IRModel, cue: [Double], set: Int, trial: Int, trialsPerSet: Int) -> IRModel {
        var m = ir
        let reseed = { (seed: UInt64) in trialSeed(seed, set: set, trial: trial, trialsPerSet: trialsPerSet) }
        for i in m.stimuli.indices {
            if let tuning = m.stimuli[i].cueTuning, case .pulse(let d, let dur, _) = m.stimuli[i].waveform {
                m.stimuli[i].waveform = .pulse(delay: d, duration: dur, amplitude: tuning.amplitude(cue))
            }
            if case .noise(let mean, let sd, let seed, let stream) = m.stimuli[i].waveform {
                m.stimuli[i].waveform = .noise(mean: mean, sd: sd, seed: reseed(seed), stream: stream)
            }
        }
        for p in m.populations.indices {
            if let r = m.populations[p].randomInitialPotential { m.populations[p].randomInitialPotential?.seed = reseed(r.seed) }
        }
        m.seedRandomStreams(reseed(m.randomSeed))
        return m
    }

    /// Trials per simulator batch by default: measured fastest for the study network (see
    /// docs/performance.md); small enough that a batch's state stays in the core's cache.
    public static let defaultBatch = 4

    /// Simulates every condition x repeat, `batch` trials at a time as one batched simulation
    /// (`Simulator(batch:)`), the batches in parallel over `threads`; the results depend on
    /// neither. `configure` sets run-time parameters (conductances, densities) on each fresh
    /// simulator, for all its instances, before it runs; with `recordSpikes` each trial keeps
    /// its spikes. Trial t is repeat t / conditions, condition t % conditions (the study's
    /// order); `set` is the parameter set's position in its round (see `trialSeed`).
    /// `completed` hears of every finished batch (its number of trials), for progress.
    public static func trials(_ ir: IRModel, library: KernelLibrary, spec: CueTaskSpec, dt: Double, set: Int = 0, threads: Int = 1, batch: Int = defaultBatch,
                              recordSpikes: Bool = false, configure: @Sendable (Simulator) throws -> Void = { _ in },
                              completed: (@Sendable (Int) -> Void)? = nil) throws -> [Trial] {
        guard let pop = ir.populations.firstIndex(where: { $0.name == spec.readoutPopulation }) else {
            throw Failure(description: "no population '\(spec.readoutPopulation)' to read out")
        }
        guard ir.stimuli.contains(where: { $0.cueTuning != nil }) else { throw Failure(description: "the model has no brc:tunedCue input") }
        let node = spec.readoutNode ?? ir.cellTypes[ir.populations[pop].cellType].spikeNode
        let cells = ir.populations[pop].size
        let steps = Int((spec.duration / dt).rounded()), first = Int((spec.burnIn / dt).rounded())
        let jobs = (0..<spec.repeats).flatMap { r in spec.conditions.indices.map { c in (c, r) } }
        let size = max(batch, 1)
        let chunks = stride(from: 0, to: jobs.count, by: size).map { $0..<min($0 + size, jobs.count) }
        let run: @Sendable (Int) throws -> [Trial] = { k in
            let range = chunks[k]
            let models = range.map { j in trialModel(ir, cue: spec.conditions[jobs[j].0], set: set, trial: j, trialsPerSet: jobs.count) }
            let sim = try Simulator(batch: models, library: library, dt: dt)
            sim.recordSpikes = recordSpikes
            try configure(sim)
            var rows = Array(repeating: [[Double]](), count: range.count)
            func record() {
                for b in 0..<range.count {
                    rows[b].append((0..<cells).map { sim.value(population: pop, cell: $0, probe: .voltage(node: node), instance: b) })
                }
            }
            // The rows start at the burn-in step itself: with no burn-in, the state at t = 0.
            if first == 0 { record() }
            try sim.run(steps: steps) { n in
                guard n >= first && (n - first) % spec.downsample == 0 else { return }
                record()
            }
            completed?(range.count)
            return range.enumerated().map { b, j in
                let (c, r) = jobs[j]
                var t = Trial(condition: c, repeatIndex: r, features: rows[b], target: Array(repeating: spec.conditions[c], count: rows[b].count))
                t.spikes = sim.spikes(instance: b)
                return t
            }
        }
        return try ParallelMap.map(chunks.count, threads: threads, run).flatMap { $0 }
    }
}
