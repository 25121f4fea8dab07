@testable import BRCDriver
import BRCCodeGen
import BRCIR
import BRCRuntime
import BRCTask
import Foundation
import XCTest

/// The batched engine: every instance of a batch gives the bits it gives alone.
final class BatchTests: XCTestCase {
    /// Everything a run leaves behind, as bit patterns: every node potential of every cell,
    /// every spike, and one state of every synapse instance.
    static func fingerprint(_ sim: Simulator, instance: Int) -> [UInt64] {
        let m = sim.model
        var out: [UInt64] = []
        for (p, pop) in m.populations.enumerated() {
            for c in 0..<pop.size { out += sim.voltages(population: p, cell: c, instance: instance).map(\.bitPattern) }
        }
        for (g, group) in m.synapseGroups.enumerated() where !m.synapses[group.synapse].states.isEmpty {
            let name = m.synapses[group.synapse].states[0].name
            for k in group.instances.indices { out.append(sim.value(population: 0, cell: 0, probe: .synapse(group: g, instance: k, quantity: name), instance: instance).bitPattern) }
        }
        for (t, s) in sim.spikes(instance: instance) { out += [t.bitPattern, UInt64(s)] }
        return out
    }

    /// Three trials of the study network (different cues, noise seeds, initial potentials,
    /// NMDA conductances and mask probabilities), 150 ms as one batch and each alone: the same
    /// bits, and the instances differ from each other.
    func testStudyNetworkBatchEqualsInstancesAlone() throws {
        try assertStudyNetworkBatchEqualsInstancesAlone(precision: .exact)
    }

    /// The same in fast precision, whose kernels compute whole vectors of cells: the runtime
    /// pads each block to a multiple of 16 cells (brc_cell_kernel.lanes), so a cell sits in a
    /// different lane alone (25 I cells, padded to 32) than in the batch (75, padded to 80),
    /// and a lane's bits must not depend on that, nor on the padding cells' values.
    func testStudyNetworkBatchEqualsInstancesAloneInFastPrecision() throws {
        try assertStudyNetworkBatchEqualsInstancesAlone(precision: .fast)
    }

    private func assertStudyNetworkBatchEqualsInstancesAlone(precision: KernelPrecision) throws {
        var (ir, _) = try Driver.check(TestPaths.model("models/brc/LEMS_cue_dend_nmda.xml"))
        ir.simulation?.duration = 150
        let lib = try KernelLibrary(path: try Driver.compile(ir, cache: TestPaths.cache, precision: precision).library)
        let cues: [[Double]] = [[2, 2], [-2, 2], [2, -2]]
        let models = cues.indices.map { CueTask.trialModel(ir, cue: cues[$0], set: 1, trial: $0, trialsPerSet: 3) }
        let nmda = try XCTUnwrap(ir.projections.first { $0.lowercased().contains("ee") }, "the recurrent E->E projection")
        let masked = ir.projections.indices.filter { ir.maskProbability[$0] != nil }.map { ir.projections[$0] }
        XCTAssertFalse(masked.isEmpty, "the study network has masked projections")
        func configure(_ sim: Simulator, _ b: Int, as instance: Int?) throws {
            let m = sim.model
            let p = try XCTUnwrap(m.projections.firstIndex(of: nmda))
            let g = try XCTUnwrap(m.connections.first { $0.projection == p }?.group)
            let name = try XCTUnwrap(m.synapses[m.synapseGroups[g].synapse].parameters.first)
            try sim.setSynapseParameter(projection: nmda, name: name, value: 0.5e-3 * Double(b + 1), instance: instance)
            for proj in masked { try sim.setConnectionProbability(projection: proj, value: 0.2 + 0.3 * Double(b), instance: instance) }
        }
        let steps = Int((150 / ir.simulation!.dt).rounded())
        let batch = try Simulator(batch: models, library: lib, dt: ir.simulation!.dt)
        batch.recordSpikes = true
        for b in models.indices { try configure(batch, b, as: b) }
        try batch.run(steps: steps)
        var prints: [[UInt64]] = []
        for (b, m) in models.enumerated() {
            let alone = try Simulator(model: m, library: lib, dt: ir.simulation!.dt)
            alone.recordSpikes = true
            try configure(alone, b, as: nil)
            try alone.run(steps: steps)
            let a = Self.fingerprint(alone, instance: 0)
            XCTAssertTrue(Self.fingerprint(batch, instance: b) == a, "instance \(b) of the batch differs from its run alone")
            XCTAssertFalse(alone.spikes.isEmpty, "the trial spikes (a test with no spikes would not test events)")
            prints.append(a)
        }
        XCTAssertNotEqual(prints[0], prints[1], "instances are independent trials, not copies")
        XCTAssertNotEqual(prints[1], prints[2])
    }

    /// random() in LEMS Dynamics: a batch of one model with seeds 7 and 8 gives each instance
    /// the bits it gives alone (a key depends on the seed, the group and the instance in its
    /// model, not on the batch), and the two instances differ.
    func testRandomDynamicsBatchEqualsInstancesAlone() throws {
        for f in ["LEMS_random_draws.xml", "LEMS_ou_input.xml"].map(RandomDynamicsTests.fixture) {
            let ir = try Driver.check(f).0
            var other = ir
            other.seedRandomStreams(8)
            let lib = try KernelLibrary(path: try Driver.compile(ir, cache: TestPaths.cache).library)
            let dt = ir.simulation!.dt, steps = 2_000
            let batch = try Simulator(batch: [ir, other], library: lib, dt: dt)
            try batch.run(steps: steps)
            var alone: [[UInt64]] = []
            for m in [ir, other] {
                let sim = try Simulator(model: m, library: lib, dt: dt)
                try sim.run(steps: steps)
                alone.append(Self.fingerprint(sim, instance: 0))
            }
            XCTAssertTrue(Self.fingerprint(batch, instance: 0) == alone[0], "instance 0 of the batch differs from its run alone (\(f))")
            XCTAssertTrue(Self.fingerprint(batch, instance: 1) == alone[1], "instance 1 of the batch differs from its run alone (\(f))")
            XCTAssertFalse(alone[0] == alone[1], "seeds 7 and 8 give the same states (\(f))")
        }
    }

    /// Gap junctions in a batch: every instance's couplings read its own peers' potentials.
    /// The two instances differ (the second one's pulses 1.5 times as strong), so a coupling
    /// left at instance 0's wiring, or never refreshed, would give the second instance the
    /// first one's potentials, not its own run alone.
    func testGapJunctionBatchEqualsInstanceAlone() throws {
        let ir = try Driver.check(TestPaths.sharedFile("neuroml/LEMSexamples/LEMS_NML2_Ex19_GapJunctions.xml")).0
        XCTAssertFalse(ir.peerLinks.isEmpty, "the example has continuous couplings")
        var other = ir
        var scaled = 0
        for i in other.stimuli.indices {
            if case .pulse(let delay, let duration, let amplitude) = other.stimuli[i].waveform {
                other.stimuli[i].waveform = .pulse(delay: delay, duration: duration, amplitude: 1.5 * amplitude)
                scaled += 1
            }
        }
        XCTAssertEqual(scaled, 2, "Ex19 drives its two cells with one pulse each")
        let lib = try KernelLibrary(path: try Driver.compile(ir, cache: TestPaths.cache).library)
        let dt = ir.simulation!.dt, steps = Int((ir.simulation!.duration / dt).rounded())
        let batch = try Simulator(batch: [ir, other], library: lib, dt: dt)
        try batch.run(steps: steps)
        var alone: [[UInt64]] = []
        for m in [ir, other] {
            let sim = try Simulator(model: m, library: lib, dt: dt)
            try sim.run(steps: steps)
            alone.append(Self.fingerprint(sim, instance: 0))
        }
        XCTAssertFalse(alone[0] == alone[1], "the stronger pulses change the run")
        XCTAssertTrue(Self.fingerprint(batch, instance: 0) == alone[0], "instance 0 of the batch differs from its run alone")
        XCTAssertTrue(Self.fingerprint(batch, instance: 1) == alone[1], "instance 1 of the batch differs from its run alone")
    }

    /// The cue task's trials do not depend on how they are batched or threaded.
    func testCueTaskTrialsIndependentOfBatchSize() throws {
        let ir = try Driver.check(text: smallCueNetwork(length: "200ms"), path: FileManager.default.temporaryDirectory.appendingPathComponent("cue.xml").path)
        let lib = try KernelLibrary(path: try Driver.compile(ir, cache: TestPaths.cache).library)
        let spec = CueTaskSpec(repeats: 2, duration: 200, burnIn: 50, downsample: 10, readoutPopulation: "readout")
        let one = try CueTask.trials(ir, library: lib, spec: spec, dt: 0.025, batch: 1, recordSpikes: true)
        for (batch, threads) in [(3, 1), (8, 2), (5, 2)] {
            let other = try CueTask.trials(ir, library: lib, spec: spec, dt: 0.025, threads: threads, batch: batch, recordSpikes: true)
            XCTAssertTrue(other.map(\.features) == one.map(\.features), "features differ with batch \(batch), \(threads) thread(s)")
            XCTAssertTrue(other.map { $0.spikes.map(\.0) } == one.map { $0.spikes.map(\.0) }, "spikes differ with batch \(batch), \(threads) thread(s)")
            XCTAssertEqual(other.map(\.condition), one.map(\.condition))
        }
        XCTAssertTrue(one.contains { !$0.spikes.isEmpty })
    }

    /// Models of different structure cannot share a batch: a clear error, not wrong numbers.
    func testStructurallyDifferentModelsAreRefused() throws {
        let ir = try Driver.check(text: smallCueNetwork(length: "200ms"), path: FileManager.default.temporaryDirectory.appendingPathComponent("cue.xml").path)
        let lib = try KernelLibrary(path: try Driver.compile(ir, cache: TestPaths.cache).library)
        var other = ir
        other.populations[0].size += 1
        XCTAssertThrowsError(try Simulator(batch: [ir, other], library: lib, dt: 0.025)) { error in
            XCTAssertTrue("\(error)".contains("populations differ"), "\(error)")
        }
    }
}

/// Progress lines: rate, ETA, and plain lines when standard error is not a terminal.
final class ProgressLineTests: XCTestCase {
    func testDescribeAndDuration() {
        XCTAssertEqual(ProgressLine.describe(label: "training", unit: "simulations", done: 120, total: 2000, newlyDone: 120, elapsed: 240),
                       "training: 120/2000 simulations (6%), 0.50/s, ETA 1 h 02 min")
        XCTAssertEqual(ProgressLine.describe(label: "training", unit: "simulations", done: 2000, total: 2000, newlyDone: 1000, elapsed: 95),
                       "training: 2000/2000 simulations (100%), 11/s, took 1 min 35 s")
        XCTAssertEqual(ProgressLine.describe(label: "x", unit: "steps", done: 0, total: 10, newlyDone: 0, elapsed: 0), "x: 0/10 steps (0%)")
        XCTAssertEqual(ProgressLine.duration(42.4), "42 s")
    }

    func testPlainLinesWhenNotATerminal() {
        let lines = Lines()
        let p = ProgressLine(label: "evaluating", unit: "simulations", total: 40, done: 20, isTerminal: false, interval: 0) { lines.add($0) }
        for _ in 0..<20 { p.advance() }
        p.finish()
        XCTAssertTrue(lines.all.allSatisfy { $0.hasSuffix("\n") && !$0.contains("\r") }, "\(lines.all)")
        XCTAssertTrue(lines.all.first?.hasPrefix("evaluating: 21/40 simulations (52%)") ?? false, "\(lines.all)")
        XCTAssertTrue(lines.all.last?.hasPrefix("evaluating: 40/40 simulations (100%)") ?? false, "\(lines.all)")
        XCTAssertEqual(lines.all.count, 21)
        // A job shorter than the interval prints nothing at all.
        let quiet = Lines()
        let q = ProgressLine(label: "x", unit: "steps", total: 10, isTerminal: false, interval: 3600) { quiet.add($0) }
        for _ in 0..<10 { q.advance() }
        q.finish()
        XCTAssertEqual(quiet.all, [])
    }

    private final class Lines: @unchecked Sendable {
        var all: [String] = []
        func add(_ s: String) { all.append(s) }
    }
}
