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
    public var repeats: Int
    /// Simulated time per trial and the burn-in excluded from the readout (ms).
    public var duration: Double
    public var burnIn: Double
    /// Keep every `downsample`-th step.
    public var downsample: Int
    /// The population whose cells' potentials (at their spike-detection node) are read out.
    public var readoutPopulation: String
    public var alpha: Double
    public var failureMagnitude: Double

    public init(conditions: [[Double]] = [[-2, -2], [2, 2], [-2, 2], [2, -2]], repeats: Int = 5, duration: Double = 1000,
                burnIn: Double = 250, downsample: Int = 10, readoutPopulation: String = "rate", alpha: Double = 2,
                failureMagnitude: Double = 0.2) {
        self.conditions = conditions; self.repeats = repeats; self.duration = duration; self.burnIn = burnIn
        self.downsample = downsample; self.readoutPopulation = readoutPopulation; self.alpha = alpha; self.failureMagnitude = failureMagnitude
    }
}

public enum CueTask {
    public struct Failure: Error, CustomStringConvertible { public var description: String }

    /// The model with the cue currents set for `cue` and the noise reseeded for `repeatIndex`
    /// (seed + 7919 · repeat, so repeats are independent and reproducible).
    public static func trialModel(_ ir: IRModel, cue: [Double], repeatIndex: Int) -> IRModel {
        var m = ir
        for i in m.stimuli.indices {
            if let tuning = m.stimuli[i].cueTuning, case .pulse(let d, let dur, _) = m.stimuli[i].waveform {
                m.stimuli[i].waveform = .pulse(delay: d, duration: dur, amplitude: tuning.amplitude(cue))
            }
            if case .noise(let mean, let sd, let seed, let stream) = m.stimuli[i].waveform {
                m.stimuli[i].waveform = .noise(mean: mean, sd: sd, seed: seed &+ 7919 &* UInt64(repeatIndex), stream: stream)
            }
        }
        return m
    }

    /// Simulates every condition x repeat (in parallel over `threads`; the results do not
    /// depend on it). `configure` sets run-time parameters (conductances, densities) on each
    /// fresh simulator before it runs; with `recordSpikes` each trial keeps its spikes.
    public static func trials(_ ir: IRModel, library: KernelLibrary, spec: CueTaskSpec, dt: Double, threads: Int = 1, recordSpikes: Bool = false,
                              configure: @Sendable (Simulator) throws -> Void = { _ in }) throws -> [Trial] {
        guard let pop = ir.populations.firstIndex(where: { $0.name == spec.readoutPopulation }) else {
            throw Failure(description: "no population '\(spec.readoutPopulation)' to read out")
        }
        guard ir.stimuli.contains(where: { $0.cueTuning != nil }) else { throw Failure(description: "the model has no brc:tunedCue input") }
        let node = ir.cellTypes[ir.populations[pop].cellType].spikeNode
        let steps = Int((spec.duration / dt).rounded()), first = Int((spec.burnIn / dt).rounded())
        let jobs = spec.conditions.indices.flatMap { c in (0..<spec.repeats).map { (c, $0) } }
        let trial: @Sendable (Int) throws -> Trial = { j in
            let (c, r) = jobs[j], cue = spec.conditions[c]
            let sim = try Simulator(model: trialModel(ir, cue: cue, repeatIndex: r), library: library, dt: dt)
            sim.recordSpikes = recordSpikes
            try configure(sim)
            var rows: [[Double]] = []
            for n in 1...steps {
                sim.advance()
                if n > first && (n - first) % spec.downsample == 0 {
                    rows.append((0..<ir.populations[pop].size).map { sim.value(population: pop, cell: $0, probe: .voltage(node: node)) })
                }
            }
            try sim.checkFinite()
            var t = Trial(condition: c, repeatIndex: r, features: rows, target: Array(repeating: cue, count: rows.count))
            t.spikes = sim.spikes
            return t
        }
        return try ParallelMap.map(jobs.count, threads: threads, trial)
    }
}

/// Runs independent jobs on `threads` threads and returns their results in job order.
enum ParallelMap {
    static func map<T: Sendable>(_ count: Int, threads: Int, _ job: @Sendable (Int) throws -> T) throws -> [T] {
        guard threads > 1 else { return try (0..<count).map(job) }
        let box = ResultBox<T>(count: count)
        DispatchQueue.concurrentPerform(iterations: count) { i in box.set(i, Result { try job(i) }) }
        return try box.results.map { try $0!.get() }
    }
}

/// One result slot per job, filled from several threads.
final class ResultBox<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var results: [Result<T, Error>?]
    init(count: Int) { results = Array(repeating: nil, count: count) }
    func set(_ i: Int, _ r: Result<T, Error>) { lock.lock(); results[i] = r; lock.unlock() }
}
