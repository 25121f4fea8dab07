import BRCIR
import Foundation

/// One run of a model's LEMS Simulation with its recording: the path `brcc run` and a
/// generated standalone package (`--emit swift-package`) both take, so they write the same
/// bytes.
public struct SimulationRun {
    public let recorder: Recorder
    /// The extra columns asked for with `also` (e.g. what Displays plot), recorded alike.
    public let extra: Recorder
    /// Spikes of the model's sources: (time ms, spike source).
    public let spikes: [(Double, Int)]
    public let steps: Int
    /// Wall time of the stepping loop.
    public let seconds: Double

    /// Runs `simulation` of `model`; `progress` gets (steps done, steps) at the start, every
    /// 4,096 steps and at the end. Throws `Simulator.NumericalError` when a value stops being finite.
    /// `also` lists more columns to record (in `extra`, not written).
    public static func execute(_ model: IRModel, simulation: IRSimulation, library: KernelLibrary, threads: Int = 1, also: [IROutputFile] = [],
                               progress: ((Int, Int) -> Void)? = nil) throws -> SimulationRun {
        let simulator = try Simulator(model: model, library: library, dt: simulation.dt)
        simulator.threads = threads
        simulator.recordSpikes = !simulation.eventOutputs.isEmpty
        let recorder = Recorder(outputs: simulation.outputs), extra = Recorder(outputs: also)
        let steps = Int((simulation.duration / simulation.dt).rounded())
        let start = Date()
        progress?(0, steps)
        recorder.record(simulator)
        extra.record(simulator)
        try simulator.run(steps: steps) { n in
            recorder.record(simulator)
            extra.record(simulator)
            if n % 4096 == 0 { progress?(n, steps) }
        }
        progress?(steps, steps)
        return SimulationRun(recorder: recorder, extra: extra, spikes: simulator.spikes, steps: steps, seconds: Date().timeIntervalSince(start))
    }

    /// Writes the simulation's OutputFiles and EventOutputFiles under `directory` (atomically,
    /// confined to it); returns the files written.
    public func write(_ simulation: IRSimulation, to directory: URL, format: Recorder.Format) throws -> [URL] {
        try recorder.write(to: directory, format: format) + Recorder.writeEvents(simulation.eventOutputs, spikes: spikes, to: directory)
    }
}
