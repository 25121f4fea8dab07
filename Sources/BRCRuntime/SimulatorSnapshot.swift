import BRCIR
import Foundation

extension Simulator {
    /// Everything that changes as a simulator runs, so that a run stopped after a step can be
    /// continued from it bit for bit by a new simulator of the same model (`restore`): the
    /// step and time, every cell and synapse array, the environment, the events in flight, the
    /// spike detectors and generators, the masks and the spikes so far. Large arrays are kept
    /// as their bytes (exact, and compact in JSON).
    public struct Snapshot: Codable {
        var step: Int
        var time: Double
        var lastMidTime: Double?
        var environment: [Double]
        /// Per cell block: v, param, state, iinj, gext, one after the other.
        var cells: [Data]
        /// Per synapse block: param, then the model's states (not what the kernel keeps for
        /// itself after them: `SynapseBlock`).
        var synapses: [Data]
        var events: [[Event]]
        /// Events further ahead than the queue's bins reach (absent in checkpoints written
        /// before the queue had them: none).
        var farEvents: [FarEvent]?
        var above: [Bool]
        var generators: [GeneratorState.Progress?]
        var maskProbability: [[Double]]
        /// Per instance: spike times (ms, as bytes) and their sources.
        var spikeTimes: [Data]
        var spikeSources: [[Int]]
    }

    /// The simulator's present state (see `Snapshot`).
    public func snapshot() -> Snapshot {
        Snapshot(step: step, time: time, lastMidTime: lastMidTime, environment: environment,
                 cells: blocks.map { b in Data(bytesOf: [b.v, b.param, b.state, b.iinj, b.gext].map { $0.values() }) },
                 synapses: synapseBlocks.map { sb in Data(bytesOf: [sb.param.values(), sb.modelStateValues]) },
                 events: events.pending, farEvents: events.pendingFar, above: sources.map { $0.detector.map { detectors[$0].above } ?? false },
                 generators: sources.map { $0.generator.map { generators[$0].progress } },
                 maskProbability: maskProbability,
                 spikeTimes: spikeLists.map { list in list.map(\.0).withUnsafeBytes { Data($0) } },
                 spikeSources: spikeLists.map { $0.map(\.1) })
    }

    /// Continues from `s`, a snapshot of a simulator of the same model and batch. Throws
    /// `CheckpointError` (changing nothing) when its shape differs.
    public func restore(_ s: Snapshot) throws {
        func fail(_ what: String) -> CheckpointError { CheckpointError(description: "the checkpoint does not fit this model: \(what) differ") }
        guard s.cells.count == blocks.count,
              zip(s.cells, blocks).allSatisfy({ $0.count == 8 * ($1.v.count + $1.param.count + $1.state.count + $1.iinj.count + $1.gext.count) })
        else { throw fail("the cells' arrays") }
        guard s.synapses.count == synapseBlocks.count, zip(s.synapses, synapseBlocks).allSatisfy({ $0.count == 8 * ($1.param.count + $1.modelStateValues.count) })
        else { throw fail("the synapses' arrays") }
        guard s.above.count == sources.count, s.generators.count == sources.count,
              zip(s.generators, sources).allSatisfy({ ($0 == nil) == ($1.generator == nil) && ($0?.index ?? 0) >= 0 }) else { throw fail("the spike sources") }
        guard s.environment.count == environment.count else { throw fail("the environment's states") }
        guard s.maskProbability.map(\.count) == maskProbability.map(\.count) else { throw fail("the projections' masks") }
        guard s.spikeTimes.count == spikeLists.count, s.spikeSources.count == spikeLists.count,
              zip(s.spikeTimes, s.spikeSources).allSatisfy({ $0.count == 8 * $1.count }) else { throw fail("the spike lists") }
        func fits(_ e: Event) -> Bool { e.group >= 0 && e.group < synapseBlocks.count && e.instance >= 0 && e.instance < synapseBlocks[e.group].n }
        guard s.step >= 0, s.events.allSatisfy({ $0.allSatisfy(fits) }), (s.farEvents ?? []).allSatisfy({ fits($0.event) }),
              events.restore(s.events, far: s.farEvents ?? []) else { throw fail("the events in flight") }
        step = s.step
        time = s.time
        lastMidTime = s.lastMidTime
        environment = s.environment
        for (data, b) in zip(s.cells, blocks) { data.copy(into: [b.v, b.param, b.state, b.iinj, b.gext].map { $0.values() }) }
        for (data, sb) in zip(s.synapses, synapseBlocks) {
            data.copy(into: [sb.param.values(), sb.modelStateValues])
            sb.forgetKeptValues()
        }
        for (slot, above) in zip(sources, s.above) { if let d = slot.detector { detectors[d].above = above } }
        for (slot, p) in zip(sources, s.generators) { if let g = slot.generator, let p { generators[g].progress = p } }
        maskProbability = s.maskProbability
        spikeLists = zip(s.spikeTimes, s.spikeSources).map { times, srcs in
            let t = times.withUnsafeBytes { Array($0.bindMemory(to: Double.self)) }
            return Array(zip(t, srcs))
        }
        for b in blocks { b.cells.dt = dt; b.cells.t = time }
        for sb in synapseBlocks { sb.synapses.pointee.dt = dt; sb.synapses.pointee.t = time }
        setTemperature()
        refreshPeers()
    }
}

extension Data {
    /// The bytes of `buffers`, one after the other.
    init(bytesOf buffers: [UnsafeMutableBufferPointer<Double>]) {
        self.init(capacity: buffers.map(\.count).reduce(0, +) * 8)
        for b in buffers { append(UnsafeBufferPointer(b)) }
    }

    /// Copies the bytes into `buffers`, one after the other (the sizes were checked).
    func copy(into buffers: [UnsafeMutableBufferPointer<Double>]) {
        withUnsafeBytes { raw in
            var offset = 0
            for b in buffers where b.count > 0 {
                UnsafeMutableRawPointer(b.baseAddress!).copyMemory(from: raw.baseAddress! + offset, byteCount: b.count * 8)
                offset += b.count * 8
            }
        }
    }
}
