import BRCIR
import Foundation

/// One run of a model's LEMS Simulation with its recording: the path `brcc run` and a
/// generated standalone package (`--emit swift-package`) both take, so they write the same
/// bytes.
public struct SimulationRun {
    /// Where a run writes its OutputFiles, streamed as it goes.
    public struct Destination {
        public var directory: URL
        public var format: Recorder.Format
        public init(directory: URL, format: Recorder.Format) { self.directory = directory; self.format = format }
    }

    /// The OutputFiles' recorder: in memory when the run writes no files, else streaming.
    public let recorder: Recorder
    /// The extra columns asked for with `also` (e.g. what Displays plot), kept in memory,
    /// thinned to about `alsoPoints` time points.
    public let extra: Recorder
    /// Spikes of the model's sources: (time ms, spike source).
    public let spikes: [(Double, Int)]
    public let steps: Int
    /// Wall time of the stepping loop.
    public let seconds: Double
    /// The files written (OutputFiles, then EventOutputFiles); empty without a destination.
    public let files: [URL]

    /// Runs `simulation` of `model`; `progress` gets (steps done, steps) at the start, every
    /// 4,096 steps and at the end. With a `destination`, the OutputFiles are written there as
    /// the run goes and put in place (atomically, confined to the folder) when it ends, and the
    /// EventOutputFiles after it. Throws `Simulator.NumericalError` when a value stops being
    /// finite (leaving no files), `FileError` or `OutputDirectory.Escape` when a file cannot be
    /// written. `also` lists more columns to record in memory (in `extra`, not written).
    public static func execute(_ model: IRModel, simulation: IRSimulation, library: KernelLibrary, threads: Int = 1,
                               writingTo destination: Destination? = nil, also: [IROutputFile] = [], alsoPoints: Int = 2400,
                               progress: ((Int, Int) -> Void)? = nil) throws -> SimulationRun {
        let simulator = try Simulator(model: model, library: library, dt: simulation.dt)
        simulator.threads = threads
        simulator.recordSpikes = !simulation.eventOutputs.isEmpty
        let steps = Int((simulation.duration / simulation.dt).rounded())
        let recorder = try destination.map { try Recorder(outputs: simulation.outputs, writingTo: $0.directory, format: $0.format) }
            ?? Recorder(outputs: simulation.outputs)
        let extra = Recorder(outputs: also, keepEvery: (steps + 1) / max(alsoPoints, 1))
        let start = Date()
        progress?(0, steps)
        try recorder.record(simulator)
        try extra.record(simulator)
        try simulator.run(steps: steps) { n in
            try recorder.record(simulator)
            try extra.record(simulator)
            if n % 4096 == 0 { progress?(n, steps) }
        }
        extra.complete(simulator)
        let seconds = Date().timeIntervalSince(start)
        progress?(steps, steps)
        var files = try recorder.finish()
        if let destination { files += try Recorder.writeEvents(simulation.eventOutputs, spikes: simulator.spikes, to: destination.directory) }
        return SimulationRun(recorder: recorder, extra: extra, spikes: simulator.spikes, steps: steps, seconds: seconds, files: files)
    }
}
