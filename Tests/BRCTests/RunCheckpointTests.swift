@testable import BRCDriver
import BRCCodeGen
import BRCIR
@testable import BRCRuntime
import Foundation
import XCTest

/// `brcc run`'s checkpoints: a run stopped after a checkpoint and continued with `--resume`
/// writes the same bytes as a run never stopped; a checkpoint of another run, a damaged one or
/// a missing partial recording is refused with a clear error; a fresh run replaces an old one.
final class RunCheckpointTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("brcc-run-checkpoint-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    struct Stop: Error {}

    /// The files under `root` (relative paths, sorted), hidden ones included.
    func files(_ root: URL) -> [String] {
        let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey])
        var out: [String] = []
        while let url = walker?.nextObject() as? URL {
            if (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true {
                out.append(String(url.standardizedFileURL.path.dropFirst(root.standardizedFileURL.path.count + 1)))
            }
        }
        return out.sorted()
    }

    /// The model at `path`, lowered, with its kernels.
    func load(_ path: String) throws -> (IRModel, IRSimulation, KernelLibrary) {
        let (ir, _) = try Driver.check(path)
        let lib = try KernelLibrary(path: try Driver.compile(ir, cache: TestPaths.cache).library)
        return (ir, try XCTUnwrap(ir.simulation), lib)
    }

    /// Runs `path` whole; and again with a checkpoint every 64 steps, stopped by an error after
    /// step `stopAfter` (a multiple of 4,096, where `progress` is called; so 64 recorded steps
    /// come after the last checkpoint), then resumed.
    /// Asserts that both leave the same files, byte for byte, and returns the checkpoint.
    @discardableResult
    func assertResumedRunIsTheSame(_ path: String, format: Recorder.Format = .dat, stopAfter: Int = 4096,
                                   file: StaticString = #filePath, line: UInt = #line) throws -> RunCheckpoint {
        let (ir, sim, lib) = try load(path)
        let name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        let whole = dir.appendingPathComponent("\(name)-\(format)-whole"), stopped = dir.appendingPathComponent("\(name)-\(format)-stopped")
        // What the plots record (in memory, thinned), as `brcc run` asks for it.
        let plotted = RunPlots.plotted(sim)
        let wholeRun = try SimulationRun.execute(ir, simulation: sim, library: lib, writingTo: .init(directory: whole, format: format), also: plotted)
        try wholeRun.commit()
        var c = SimulationRun.Checkpointing(url: stopped.appendingPathComponent("run-checkpoint.json"), interval: 0, resume: false) { "identity" }
        XCTAssertThrowsError(try SimulationRun.execute(ir, simulation: sim, library: lib, writingTo: .init(directory: stopped, format: format), also: plotted,
                                                       checkpoint: c) { n, _ in
            if n == stopAfter { throw Stop() }
        }, file: file, line: line) { XCTAssertTrue($0 is Stop, "\($0)", file: file, line: line) }
        let saved = try CheckpointJSON.decoder.decode(RunCheckpoint.self, from: Data(contentsOf: c.url))
        XCTAssertEqual(saved.simulator.step, stopAfter - 64, file: file, line: line)
        let partial = files(stopped)
        XCTAssertEqual(partial.filter { !$0.hasSuffix("run-checkpoint.json") }.count, sim.outputs.count, "\(partial)", file: file, line: line)
        XCTAssertTrue(partial.allSatisfy { $0 == "run-checkpoint.json" || URL(fileURLWithPath: $0).lastPathComponent.hasPrefix(".") }, "\(partial)", file: file, line: line)
        // Rows written after the checkpoint (here still in the recorder's buffer when it
        // stopped; in a long run on the disk), which the resumed run must cut off.
        for f in partial where f.contains(".tmp-") {
            let handle = try FileHandle(forWritingTo: stopped.appendingPathComponent(f))
            try handle.seekToEnd()
            try handle.write(contentsOf: Data("rows after the checkpoint\n".utf8))
            try handle.close()
        }
        c.resume = true
        let run = try SimulationRun.execute(ir, simulation: sim, library: lib, writingTo: .init(directory: stopped, format: format), also: plotted, checkpoint: c)
        try run.commit()
        XCTAssertEqual(run.resumedAt, stopAfter - 64, file: file, line: line)
        XCTAssertFalse(plotted.isEmpty, file: file, line: line)
        for k in plotted.indices {
            XCTAssertEqual(run.extra.table(k), wholeRun.extra.table(k), "\(name): the plot's recording \(k)", file: file, line: line)
        }
        XCTAssertEqual(run.spikes.map(\.0), wholeRun.spikes.map(\.0), file: file, line: line)
        XCTAssertEqual(run.spikes.map(\.1), wholeRun.spikes.map(\.1), file: file, line: line)
        XCTAssertFalse(FileManager.default.fileExists(atPath: c.url.path), "a finished run removes its checkpoint", file: file, line: line)
        let written = files(whole)
        XCTAssertFalse(written.isEmpty, file: file, line: line)
        XCTAssertEqual(files(stopped), written, file: file, line: line)
        for f in written {
            XCTAssertEqual(try Data(contentsOf: stopped.appendingPathComponent(f)), try Data(contentsOf: whole.appendingPathComponent(f)), "\(name): \(f)", file: file, line: line)
        }
        return saved
    }

    /// The study network: noise currents, the cue's spike generators, masked projections, NMDA
    /// synapses, an EventOutputFile of the raster.
    func testAResumedStudyNetworkWritesTheSameBytes() throws {
        let saved = try assertResumedRunIsTheSame(TestPaths.model("models/brc/LEMS_cue_dend_nmda.xml"))
        XCTAssertGreaterThan(saved.simulator.spikeSources[0].count, 0, "spikes before the checkpoint are kept for the raster")
        try assertResumedRunIsTheSame(TestPaths.model("models/brc/LEMS_cue_dend_nmda.xml"), format: .npy)
    }

    /// Ex26: connections with 20 and 40 ms delays, stopped while spikes are on their way.
    func testAResumedRunWithSpikesInFlightWritesTheSameBytes() throws {
        let saved = try assertResumedRunIsTheSame(TestPaths.sharedFile("neuroml/LEMSexamples/LEMS_NML2_Ex26_Weights.xml"), stopAfter: 6 * 4096)
        XCTAssertGreaterThan(saved.simulator.events.joined().count, 0, "spikes were on their way at the checkpoint")
    }

    /// A spike on its way further than the event queue's bins reach (a delay of 100,000 steps)
    /// at the checkpoint is kept in it and arrives at its step after the resume.
    func testAResumedRunWithAFarSpikeWritesTheSameBytes() throws {
        let path = dir.appendingPathComponent("far.xml").path
        try EventQueueTests.model(spike: "10ms", delay: "1000ms", length: "1100ms").write(toFile: path, atomically: true, encoding: .utf8)
        let saved = try assertResumedRunIsTheSame(path, stopAfter: 2 * 4096)
        XCTAssertEqual(saved.simulator.farEvents?.map(\.stepsAhead), [101_000 - (2 * 4096 - 64)])
    }

    /// A snapshot restored into a new simulator continues with the same bits as the simulator it
    /// was taken from: Ex26 with spikes on their way (delays of 20 and 40 ms), Ex17 with a
    /// varying temperature (an environment with states of its own).
    func testASnapshotContinuesTheSameInANewSimulator() throws {
        for example in ["Ex26_Weights", "Ex17_Tissue"] {
            let (ir, sim, lib) = try load(TestPaths.sharedFile("neuroml/LEMSexamples/LEMS_NML2_\(example).xml"))
            let a = try Simulator(model: ir, library: lib, dt: sim.dt)
            a.recordSpikes = true
            let steps = Int((sim.duration / sim.dt).rounded())
            // Ex26: the first step with spikes on their way; Ex17: half way.
            while a.step < steps / 2 {
                a.advance()
                if example == "Ex26_Weights" && !a.events.pending.joined().isEmpty { break }
            }
            let snapshot = a.snapshot()
            if example == "Ex26_Weights" { XCTAssertGreaterThan(snapshot.events.joined().count, 0, "the network's spikes are on their way") }
            if example == "Ex17_Tissue" { XCTAssertFalse(snapshot.environment.isEmpty, "Ex17's temperature has states") }
            let b = try Simulator(model: ir, library: lib, dt: sim.dt)
            b.recordSpikes = true
            try b.restore(snapshot)
            XCTAssertEqual(b.temperature.bitPattern, a.temperature.bitPattern, example)
            for _ in 0..<min(20000, steps - a.step) { a.advance(); b.advance() }
            let (sa, sb) = (a.snapshot(), b.snapshot())
            XCTAssertEqual(sb.step, sa.step, example)
            XCTAssertEqual(sb.time.bitPattern, sa.time.bitPattern, example)
            XCTAssertEqual(sb.environment.map(\.bitPattern), sa.environment.map(\.bitPattern), example)
            XCTAssertEqual(sb.cells, sa.cells, "\(example): every cell array, bit for bit")
            XCTAssertEqual(sb.synapses, sa.synapses, "\(example): every synapse array, bit for bit")
            XCTAssertEqual(sb.events, sa.events, example)
            XCTAssertEqual(sb.spikeTimes, sa.spikeTimes, example)
            XCTAssertEqual(sb.spikeSources, sa.spikeSources, example)
            XCTAssertNotEqual(sa.cells, snapshot.cells, "\(example): the network moved on")
        }
    }

    /// Standard examples and fixtures with the other kinds of state: gap junctions (Ex19),
    /// graded synapses (Ex20), PyNN cells with Poisson inputs (Ex14), short-term plasticity
    /// (Ex7), user-defined spike sources with random() (fixture).
    func testResumedRunsOfStandardExamplesWriteTheSameBytes() throws {
        for example in ["Ex19_GapJunctions", "Ex20_AnalogSynapses", "Ex14_PyNN", "Ex7_STP"] {
            try assertResumedRunIsTheSame(TestPaths.sharedFile("neuroml/LEMSexamples/LEMS_NML2_\(example).xml"))
        }
        try assertResumedRunIsTheSame(TestPaths.model("Tests/BRCTests/Fixtures/lems/LEMS_user_spike_sources.xml"))
    }

    /// The checkpoint of a stopped run of Ex19, for the refusals below.
    func stoppedRun() throws -> (IRModel, IRSimulation, KernelLibrary, SimulationRun.Checkpointing, URL) {
        let (ir, sim, lib) = try load(TestPaths.sharedFile("neuroml/LEMSexamples/LEMS_NML2_Ex19_GapJunctions.xml"))
        let out = dir.appendingPathComponent("stopped")
        let c = SimulationRun.Checkpointing(url: out.appendingPathComponent("run-checkpoint.json"), interval: 0, resume: false) { "identity" }
        XCTAssertThrowsError(try SimulationRun.execute(ir, simulation: sim, library: lib, writingTo: .init(directory: out, format: .dat), checkpoint: c) { n, _ in
            if n == 4096 { throw Stop() }
        })
        return (ir, sim, lib, c, out)
    }

    func testACheckpointOfAnotherRunOrDamagedIsRefused() throws {
        let (ir, sim, lib, c, out) = try stoppedRun()
        func resume(_ identity: String) throws {
            let r = SimulationRun.Checkpointing(url: c.url, interval: 0, resume: true) { identity }
            _ = try SimulationRun.execute(ir, simulation: sim, library: lib, writingTo: .init(directory: out, format: .dat), checkpoint: r)
        }
        func assertRefused(_ identity: String, saying words: String, line: UInt = #line) {
            XCTAssertThrowsError(try resume(identity), line: line) { error in
                XCTAssertTrue(error is CheckpointError, "\(error)", line: line)
                XCTAssertTrue("\(error)".contains(words), "\(error)", line: line)
            }
        }
        assertRefused("another model", saying: "the checkpoint of another run")
        let bytes = try Data(contentsOf: c.url)
        // A partial recording cut short, then one that is gone.
        let partial = try XCTUnwrap(files(out).first { $0.contains(".tmp-") })
        let handle = try FileHandle(forWritingTo: out.appendingPathComponent(partial))
        try handle.truncate(atOffset: 100)
        try handle.close()
        assertRefused("identity", saying: "cannot be continued")
        try FileManager.default.removeItem(at: out.appendingPathComponent(partial))
        assertRefused("identity", saying: "cannot be continued")
        // A damaged checkpoint, then none.
        try bytes.prefix(bytes.count / 2).write(to: c.url)
        assertRefused("identity", saying: "is not a run checkpoint")
        try FileManager.default.removeItem(at: c.url)
        assertRefused("identity", saying: "there is no checkpoint")
    }

    /// A run's identity hashes the lowered model as it encodes itself (`ContentHash.hex(encoding:)`):
    /// equal for equal models, whatever order their dictionaries iterate in, and changed by one
    /// bit of one value or by values that trade places.
    func testTheModelHashSeesEveryValueAndNoDictionaryOrder() throws {
        let (ir, _) = try Driver.check(TestPaths.sharedFile("neuroml/LEMSexamples/LEMS_NML2_Ex26_Weights.xml"))
        let h = try ContentHash.hex(encoding: ir)
        XCTAssertEqual(h.count, 32)
        let copy = try JSONDecoder().decode(IRModel.self, from: PackageEmitter.encoder.encode(ir))
        XCTAssertEqual(try ContentHash.hex(encoding: copy), h)
        XCTAssertGreaterThanOrEqual(ir.connections.count, 2)
        guard ir.connections.count >= 2 else { return }
        var changed = ir
        changed.connections[1].weight = changed.connections[1].weight.nextUp
        XCTAssertNotEqual(try ContentHash.hex(encoding: changed), h)
        changed = ir
        changed.connections.swapAt(0, 1)
        XCTAssertNotEqual(changed.connections[0], ir.connections[0])
        XCTAssertNotEqual(try ContentHash.hex(encoding: changed), h)

        // The same dictionary built with other capacities iterates in another order.
        var small: [String: [Double]] = [:], large = [String: [Double]](minimumCapacity: 4096)
        for i in 0..<40 { small["k\(i)"] = [Double(i)] }
        for i in (0..<40).reversed() { large["k\(i)"] = [Double(i)] }
        XCTAssertNotEqual(Array(small.keys), Array(large.keys), "the test needs two iteration orders")
        XCTAssertEqual(try ContentHash.hex(encoding: small), try ContentHash.hex(encoding: large))
        large["k7"] = [7.5]
        XCTAssertNotEqual(try ContentHash.hex(encoding: small), try ContentHash.hex(encoding: large))
        // Values that trade keys, a value and the array of it, a missing and a nil value.
        struct Pair: Encodable { var a: Int; var b: Int }
        XCTAssertNotEqual(try ContentHash.hex(encoding: Pair(a: 1, b: 2)), try ContentHash.hex(encoding: Pair(a: 2, b: 1)))
        XCTAssertNotEqual(try ContentHash.hex(encoding: 1.0), try ContentHash.hex(encoding: [1.0]))
        XCTAssertNotEqual(try ContentHash.hex(encoding: [0.0]), try ContentHash.hex(encoding: [-0.0]))
        XCTAssertNotEqual(try ContentHash.hex(encoding: ["a": 1]), try ContentHash.hex(encoding: ["b": 1]))
        XCTAssertNotEqual(try ContentHash.hex(encoding: [["x"], []]), try ContentHash.hex(encoding: [[], ["x"]]))
    }

    /// A checkpoint naming a partial file outside its folder, or arrays of another size, is
    /// refused before anything is read or written through it.
    func testACheckpointIsValidatedBeforeUse() throws {
        let (ir, sim, lib, c, out) = try stoppedRun()
        let saved = try CheckpointJSON.decoder.decode(RunCheckpoint.self, from: Data(contentsOf: c.url))
        func assertRefused(_ edit: (inout RunCheckpoint) -> Void, line: UInt = #line) throws {
            var bad = saved
            edit(&bad)
            try CheckpointJSON.encoder.encode(bad).write(to: c.url)
            let r = SimulationRun.Checkpointing(url: c.url, interval: 0, resume: true) { "identity" }
            XCTAssertThrowsError(try SimulationRun.execute(ir, simulation: sim, library: lib, writingTo: .init(directory: out, format: .dat), checkpoint: r), line: line) {
                XCTAssertTrue($0 is CheckpointError, "\($0)", line: line)
            }
        }
        try assertRefused { $0.recorder.files[0].token = "../../etc/passwd" }
        try assertRefused { $0.recorder.files[0].token = "1-2/x" }
        // A token that leads out of the results folder to a file that exists: without the
        // token check the resume opened it, cut it to the recording's length and wrote on.
        let victim = out.appendingPathComponent("victim"), bytes = Data(repeating: 7, count: 8 << 20)
        try bytes.write(to: victim)
        try FileManager.default.createDirectory(at: out.appendingPathComponent("results/.ex19_v.dat.tmp-1-2"), withIntermediateDirectories: true)
        try assertRefused { $0.recorder.files[0].token = "1-2/../../victim" }
        XCTAssertEqual(try Data(contentsOf: victim), bytes, "the file the token leads to is untouched")
        try assertRefused { $0.recorder.files[0].bytes = -1 }
        try assertRefused { $0.simulator.cells[0].removeLast() }
        try assertRefused { $0.simulator.synapses = [] }
        try assertRefused { $0.simulator.events = [] }
        try assertRefused { $0.simulator.events[0] = [Event(time: 0, group: 99, instance: 0, weight: 1)] }
        try assertRefused { $0.simulator.step = -5 }
        try assertRefused { c in withUnsafeBytes(of: Double.nan) { c.simulator.cells[0].replaceSubrange(0..<8, with: $0) } }
        try assertRefused { $0.steps += 1 }
        // A checkpoint that does not hold together (the CLI audit of 2026-12-07: these resumed,
        // exit 0, and wrote a short or mistimed recording): the step at the end, a step whose
        // recordings are shorter or longer, a time that is not the step's.
        try assertRefused { $0.simulator.step = $0.steps }
        try assertRefused { $0.simulator.step -= 64; $0.simulator.time -= 64 * sim.dt; $0.simulator.lastMidTime! -= 64 * sim.dt }
        try assertRefused { $0.simulator.step += 64; $0.simulator.time += 64 * sim.dt; $0.simulator.lastMidTime! += 64 * sim.dt }
        try assertRefused { $0.simulator.time = 1e308 }
        try assertRefused { $0.simulator.time += sim.dt }
        try assertRefused { $0.simulator.lastMidTime = nil }
        // The unchanged checkpoint still resumes.
        try CheckpointJSON.encoder.encode(saved).write(to: c.url)
        let r = SimulationRun.Checkpointing(url: c.url, interval: 0, resume: true) { "identity" }
        XCTAssertEqual(try SimulationRun.execute(ir, simulation: sim, library: lib, writingTo: .init(directory: out, format: .dat), checkpoint: r).resumedAt, 4032)
    }

    /// A run without `--resume` replaces an earlier run's checkpoint and its partial files.
    func testAFreshRunReplacesAnOldCheckpoint() throws {
        let (ir, sim, lib, c, out) = try stoppedRun()
        XCTAssertTrue(files(out).contains { $0.contains(".tmp-") })
        let run = try SimulationRun.execute(ir, simulation: sim, library: lib, writingTo: .init(directory: out, format: .dat), checkpoint: c)
        try run.commit()
        XCTAssertTrue(run.replacedCheckpoint)
        XCTAssertNil(run.resumedAt)
        XCTAssertEqual(files(out).filter { $0.contains(".tmp-") || $0.hasSuffix("run-checkpoint.json") }, [], "\(files(out))")
    }

    /// `brcc run` of the study network into `out` with `extra` options; `whenRunning` is called
    /// (on this thread) while it runs, until it returns true. Returns the exit status and what
    /// it printed on standard error and, after it, on standard output.
    func brccRun(_ out: URL, _ extra: [String], whenRunning: ((Process) -> Bool)? = nil) throws -> (Int32, String) {
        let brcc = try XCTUnwrap(InvalidModelTests.brccExecutable(), "build brcc first (swift build)")
        let p = Process()
        p.executableURL = brcc
        p.arguments = ["run", TestPaths.model("models/brc/LEMS_cue_dend_nmda.xml"), "--out", out.path, "--no-plots"] + extra
        p.environment = ProcessInfo.processInfo.environment.merging(["BRCC_CACHE_DIR": TestPaths.cache.path]) { $1 }
        // Both streams go to files, so a full pipe never blocks the run.
        let err = dir.appendingPathComponent("stderr-\(UUID().uuidString)"), outText = dir.appendingPathComponent("stdout-\(UUID().uuidString)")
        FileManager.default.createFile(atPath: err.path, contents: nil)
        FileManager.default.createFile(atPath: outText.path, contents: nil)
        p.standardError = try FileHandle(forWritingTo: err)
        p.standardOutput = try FileHandle(forWritingTo: outText)
        try p.run()
        if let whenRunning {
            let deadline = Date().addingTimeInterval(120)
            while p.isRunning && !whenRunning(p) && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        }
        p.waitUntilExit()
        return (p.terminationStatus, try String(contentsOf: err, encoding: .utf8) + String(contentsOf: outText, encoding: .utf8))
    }

    /// Asserts that `a` and `b` hold the same files with the same bytes.
    func assertSameFiles(_ a: URL, _ b: URL, line: UInt = #line) throws {
        XCTAssertEqual(files(a), files(b), line: line)
        for f in files(b) {
            XCTAssertEqual(try Data(contentsOf: a.appendingPathComponent(f)), try Data(contentsOf: b.appendingPathComponent(f)), f, line: line)
        }
    }

    /// `brcc run` stopped by SIGINT after a checkpoint keeps it (and says so), and the same
    /// command with `--resume` writes the files of a run never stopped.
    func testAnInterruptedRunResumesFromTheCommandLine() throws {
        let whole = dir.appendingPathComponent("whole"), stopped = dir.appendingPathComponent("stopped")
        XCTAssertEqual(try brccRun(whole, ["--checkpoint-every", "0"]).0, 0)
        let checkpoint = stopped.appendingPathComponent("run-checkpoint.json")
        let (status, message) = try brccRun(stopped, ["--checkpoint-every", "0.2"]) { p in
            guard FileManager.default.fileExists(atPath: checkpoint.path) else { return false }
            XCTAssertTrue(p.isRunning, "the run is still going when its checkpoint appears")
            kill(p.processIdentifier, SIGINT)
            return true
        }
        XCTAssertEqual(status, 130)
        XCTAssertTrue(message.contains("checkpoint \(checkpoint.path)") && message.contains("--resume"), message)
        XCTAssertTrue(FileManager.default.fileExists(atPath: checkpoint.path))
        // Other options make another run: refused, and the checkpoint stays.
        let (other, why) = try brccRun(stopped, ["--resume", "--precision", "fast"])
        XCTAssertEqual(other, 64, why)
        XCTAssertTrue(why.contains("the checkpoint of another run"), why)
        XCTAssertTrue(FileManager.default.fileExists(atPath: checkpoint.path))
        let (resumed, text) = try brccRun(stopped, ["--checkpoint-every", "0.2", "--resume"])
        XCTAssertEqual(resumed, 0, text)
        XCTAssertGreaterThan(wholeNumber(after: "resumed from the checkpoint at step ", in: text) ?? 0, 0, "it resumed, not started over: \(text)")
        XCTAssertFalse(FileManager.default.fileExists(atPath: checkpoint.path))
        try assertSameFiles(stopped, whole)
        // --resume with nothing to resume is a usage error.
        let (none, reason) = try brccRun(stopped, ["--resume"])
        XCTAssertEqual(none, 64, reason)
        XCTAssertTrue(reason.contains("there is no checkpoint"), reason)
    }

    /// A run whose output cannot be put in place at the end (here a folder in the way of its
    /// OutputFile, then of its EventOutputFile; a full disk alike) keeps its checkpoint and
    /// partial recording and says so, with none of its files put in place; once the cause is
    /// gone, `--resume` redoes only the steps after the last checkpoint, to the same bytes.
    /// (The event file's case lost the checkpoint before the CLI audit: it was removed once the
    /// OutputFiles were in place, before the event files and plots were written.)
    func testARunThatCannotWriteItsOutputResumesOnceTheCauseIsFixed() throws {
        let whole = dir.appendingPathComponent("whole")
        XCTAssertEqual(try brccRun(whole, ["--checkpoint-every", "0"]).0, 0)
        for blocked in ["results/cue_dend_nmda_E_rate.dat", "results/cue_dend_nmda_raster.dat"] {
            let failed = dir.appendingPathComponent("failed-\(URL(fileURLWithPath: blocked).lastPathComponent)")
            let checkpoint = failed.appendingPathComponent("run-checkpoint.json")
            let inTheWay = failed.appendingPathComponent(blocked)
            let (status, message) = try brccRun(failed, ["--checkpoint-every", "0.2"]) { _ in
                guard FileManager.default.fileExists(atPath: checkpoint.path) else { return false }
                try? FileManager.default.createDirectory(at: inTheWay, withIntermediateDirectories: true)
                return true
            }
            XCTAssertEqual(status, 73, message)
            XCTAssertTrue(message.contains("Is a directory") && message.contains("checkpoint \(checkpoint.path)") && message.contains("--resume"), message)
            XCTAssertTrue(files(failed).contains { $0.contains(".cue_dend_nmda_E_rate.dat.tmp-") }, "the partial recording is kept: \(files(failed))")
            XCTAssertFalse(files(failed).contains { $0 == "results/cue_dend_nmda_E_rate.dat" || $0 == "results/cue_dend_nmda_raster.dat" }, "nothing put in place: \(files(failed))")
            try FileManager.default.removeItem(at: inTheWay)
            let (resumed, text) = try brccRun(failed, ["--checkpoint-every", "0.2", "--resume"])
            XCTAssertEqual(resumed, 0, text)
            XCTAssertGreaterThan(wholeNumber(after: "resumed from the checkpoint at step ", in: text) ?? 0, 0, "it resumed, not started over: \(text)")
            try assertSameFiles(failed, whole)
        }
    }
}
