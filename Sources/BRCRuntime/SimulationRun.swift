import BRCIR
import Foundation

/// One run of a model's LEMS Simulation with its recording: the path `brcc run` and a
/// generated standalone package (`--emit swift-package`) both take, so they write the same
/// bytes.
public struct SimulationRun {
    /// Where a run writes its OutputFiles, streamed as it goes.
    public struct Destination {
        /// The output folder.
        public var directory: URL
        /// The OutputFiles' format: text under the model's file names (`dat`) or NumPy (`npy`, the
        /// extension replaced by `.npy`).
        public var format: Recorder.Format
        /// Makes a destination from its fields.
        public init(directory: URL, format: Recorder.Format) { self.directory = directory; self.format = format }
    }

    /// The OutputFiles' recorder: in memory when the run writes no files, else streaming.
    public let recorder: Recorder
    /// The extra columns asked for with `also` (e.g. what Displays plot), kept in memory,
    /// thinned to about `alsoPoints` time points.
    public let extra: Recorder
    /// Spikes of the model's sources: (time ms, spike source).
    public let spikes: [(Double, Int)]
    /// The simulation's steps in all (its duration over dt, rounded), those before a resume included.
    public let steps: Int
    /// Wall time of the stepping loop.
    public let seconds: Double
    /// The model's synapse instances and the slots they ran in (`Simulator.synapseCounts`:
    /// fewer where mergeable ones were merged).
    public let synapseCounts: (instances: Int, slots: Int)
    /// The files it writes (OutputFiles, then EventOutputFiles); empty without a destination.
    /// They are complete but not yet in place: `commit` puts them there.
    public var files: [URL] { pending.map(\.url) }
    /// The files' streams, and the checkpoint that `commit` removes once they are in place.
    private let pending: [AtomicFile.Stream]
    private let checkpointURL: URL?

    /// A long run's checkpoints: with a destination, the run writes one every `interval` wall
    /// seconds (after a check that every value is finite), with its recordings' partial files;
    /// interrupted or failed otherwise than numerically, it keeps them, and a later run with
    /// `resume` continues from it, writing the same bytes as a run never stopped.
    public struct Checkpointing {
        /// The checkpoint file (in the output folder).
        public var url: URL
        /// Wall seconds between checkpoints (looked at every 64 steps).
        public var interval: Double
        /// Continue from the checkpoint at `url` (an error if there is none).
        public var resume: Bool
        /// What the run is of (model, simulation, precision, backend, format): a checkpoint of
        /// another identity is refused. Computed when first needed.
        public var identity: () -> String
        /// Makes the checkpoint settings from their fields.
        public init(url: URL, interval: Double, resume: Bool, identity: @escaping () -> String) {
            self.url = url; self.interval = interval; self.resume = resume; self.identity = identity
        }
    }

    /// The step a resumed run continued from (nil: it started at 0).
    public let resumedAt: Int?
    /// Whether a fresh run replaced the checkpoint of an earlier, interrupted one.
    public let replacedCheckpoint: Bool

    /// Runs `simulation` of `model`; `progress` gets (steps done, steps) at the start, every
    /// 4,096 steps and at the end. With a `destination`, the OutputFiles are written there as
    /// the run goes (confined to the folder), and the EventOutputFiles after it; `commit` puts
    /// them all in place. Throws `Simulator.NumericalError` when a value stops being
    /// finite (leaving no files), `FileError` or `OutputDirectory.Escape` when a file cannot be
    /// written, `CheckpointError` when `checkpoint.resume` finds no usable checkpoint. `also`
    /// lists more columns to record in memory (in `extra`, not written). `checkpoint` (with a
    /// destination only) makes a long run resumable (`Checkpointing`).
    public static func execute(_ model: IRModel, simulation: IRSimulation, library: KernelLibrary, threads: Int = 1,
                               writingTo destination: Destination? = nil, also: [IROutputFile] = [], alsoPoints: Int = 2400,
                               checkpoint: Checkpointing? = nil, progress: ((Int, Int) throws -> Void)? = nil) throws -> SimulationRun {
        let simulator = try Simulator(model: model, library: library, dt: simulation.dt,
                                      keeping: (simulation.outputs + also).flatMap { $0.columns.map(\.probe) })
        simulator.threads = threads
        simulator.recordSpikes = !simulation.eventOutputs.isEmpty
        let steps = Int((simulation.duration / simulation.dt).rounded())
        var checkpoint = destination == nil ? nil : checkpoint
        if let compute = checkpoint?.identity {  // computed once, when first needed
            var cached: String?
            checkpoint?.identity = {
                if let cached { return cached }
                cached = compute()
                return cached!
            }
        }
        let (saved, replaced) = try checkpoint.map { c in
            try RunCheckpoint.open(c, steps: steps, dt: simulation.dt) { try destination.map { d in try simulation.outputs.map { try Recorder.url(of: $0, in: d.directory, format: d.format) } } ?? [] }
        } ?? (nil, false)
        let recorder: Recorder
        do {
            recorder = try destination.map { try Recorder(outputs: simulation.outputs, writingTo: $0.directory, format: $0.format, resuming: saved?.recorder) }
                ?? Recorder(outputs: simulation.outputs)
        } catch let e as FileError where saved != nil {
            throw CheckpointError(description: "--resume: the checkpoint's partial recording \(e.path) cannot be continued (\(e.reason): missing, shorter than the checkpoint says, or not a file); run again without --resume")
        }
        let extra = Recorder(outputs: also, keepEvery: (steps + 1) / max(alsoPoints, 1))
        let start = Date()
        if let saved, let c = checkpoint {
            try extra.restore(saved.extra)
            try simulator.restore(saved.simulator)
            // A checkpoint is written only after a check that every value is finite.
            do { try simulator.checkFinite() } catch let e as Simulator.NumericalError {
                throw CheckpointError(description: "--resume: \(c.url.path) is damaged (\(e.message)); run again without --resume")
            }
        } else {
            try recorder.record(simulator)
            try extra.record(simulator)
        }
        let first = simulator.step
        var lastCheckpoint = start
        /// Writes a checkpoint of the state after the present step.
        func save(_ c: Checkpointing) throws {
            try simulator.checkFinite()
            let state = RunCheckpoint(identity: c.identity(), steps: steps, simulator: simulator.snapshot(), recorder: try recorder.snapshot(),
                                      extra: try extra.snapshot())
            try AtomicFile.writeCheckpoint(try CheckpointJSON.encoder.encode(state), to: c.url, keeping: recorder.streams)
            lastCheckpoint = Date()
        }
        do {
            try progress?(first, steps)
            try simulator.run(steps: steps - first) { k in
                let n = first + k
                try recorder.record(simulator)
                try extra.record(simulator)
                if n % 4096 == 0 { try progress?(n, steps) }
                if let c = checkpoint, n % 64 == 0, n < steps, Date().timeIntervalSince(lastCheckpoint) >= c.interval { try save(c) }
            }
        } catch let e as Simulator.NumericalError {
            // The same steps would fail again: nothing to resume.
            recorder.discard()
            if let c = checkpoint { AtomicFile.removeCheckpoint(c.url) }
            throw e
        }
        extra.complete(simulator)
        let seconds = Date().timeIntervalSince(start)
        try progress?(steps, steps)
        var files = try recorder.complete()
        if let destination { files += try Recorder.prepareEvents(simulation.eventOutputs, spikes: simulator.spikes, to: destination.directory) }
        return SimulationRun(recorder: recorder, extra: extra, spikes: simulator.spikes, steps: steps, seconds: seconds,
                             synapseCounts: simulator.synapseCounts, pending: files,
                             checkpointURL: checkpoint?.url, resumedAt: saved == nil ? nil : first, replacedCheckpoint: replaced)
    }

    /// Puts the run's files in place, with `more` of its own (its plots), all together, and
    /// then removes its checkpoint, which has nothing left to continue (`AtomicFile.commit`):
    /// until then a failure or an interrupt leaves the earlier outputs as they were, and the
    /// checkpoint continues the run. Returns the files of `files` and of `more`.
    @discardableResult
    public func commit(with more: [AtomicFile.Stream] = []) throws -> [URL] {
        try AtomicFile.commit(pending + more, removingCheckpoint: checkpointURL)
        return (pending + more).map(\.url)
    }
}
