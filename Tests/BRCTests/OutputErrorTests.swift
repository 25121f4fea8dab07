@testable import BRCDriver
import BRCIR
import BRCRuntime
import Foundation
import XCTest

/// Outputs that cannot be created end a command with exit 73 (EX_CANTCREAT) and one line that
/// names the path and the operating system's reason, not an NSError dump.
final class OutputErrorTests: XCTestCase {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("brcc-out-\(UUID().uuidString)")
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    func testUncreatableOutputFolderExits73WithOneLine() throws {
        let brcc = try XCTUnwrap(InvalidModelTests.brccExecutable(), "build brcc first (swift build)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let file = dir.appendingPathComponent("file.txt")
        try Data("x".utf8).write(to: file)
        let model = TestPaths.model("models/sims/LEMS_hh1_step.xml")
        // A regular file where a folder should be (ENOTDIR, even for root), and /proc (unwritable for root too).
        let cases: [([String], String, String)] = [
            (["run", model, "--out", file.appendingPathComponent("sub").path], file.appendingPathComponent("sub").path, "Not a directory"),
            (["run", model, "--out", "/proc/brcc-test/out"], "/proc/brcc-test/out", "No such file or directory"),
            (["compile", model, "-o", file.appendingPathComponent("k").path], file.appendingPathComponent("k").path, "Not a directory"),
            (["compile", model, "--emit", "swift-package", "-o", file.appendingPathComponent("p").path], file.appendingPathComponent("p").path, "Not a directory"),
        ]
        for (args, path, reason) in cases {
            let r = try InvalidModelTests.run(brcc, args, environment: ["BRCC_CACHE_DIR": TestPaths.cache.path])
            let lines = r.stderr.split(separator: "\n")
            XCTAssertEqual(r.status, 73, "brcc \(args.joined(separator: " ")): stderr:\n\(r.stderr)")
            XCTAssertEqual(lines.count, 1, r.stderr)
            XCTAssertTrue(r.stderr.hasPrefix("brcc: error: cannot create the folder '\(path)': \(reason)"), r.stderr)
            XCTAssertFalse(r.stderr.contains("Error Domain="), r.stderr)
        }
    }

    /// A write that fails at the rename (a folder is in the way) throws a FileError naming the
    /// path and leaves no temporary file behind.
    func testFailedAtomicWriteLeavesNothingBehind() throws {
        let blocker = dir.appendingPathComponent("out.dat")
        try FileManager.default.createDirectory(at: blocker, withIntermediateDirectories: true)
        XCTAssertThrowsError(try AtomicFile.write(Data("1 2 3\n".utf8), to: blocker)) { e in
            guard let e = e as? FileError else { return XCTFail("\(e)") }
            XCTAssertEqual(e.operation, .createFile)
            XCTAssertEqual(DriverError(e).exitCode, 73)
            XCTAssertTrue(e.description.hasPrefix("cannot create the file '\(blocker.path)': "), e.description)
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["out.dat"], "no temporary file is left")
    }

    /// A `brcc run` stopped by SIGINT (Ctrl-C) or SIGTERM while it streams its outputs exits
    /// with 128 + the signal and leaves no partial file in the output folder (before the
    /// handler, Ctrl-C left a hidden temporary file of 32 MB after 2.5 s of the study network).
    func testAnInterruptedRunLeavesNoPartialFiles() throws {
        let brcc = try XCTUnwrap(InvalidModelTests.brccExecutable(), "build brcc first (swift build)")
        for (signal, status) in [(SIGINT, Int32(130)), (SIGTERM, Int32(143))] {
            let out = dir.appendingPathComponent("run-\(signal)"), results = out.appendingPathComponent("results")
            let p = Process()
            p.executableURL = brcc
            p.arguments = ["run", TestPaths.model("models/brc/LEMS_cue_dend_nmda.xml"), "--out", out.path, "--no-plots"]
            p.environment = ProcessInfo.processInfo.environment.merging(["BRCC_CACHE_DIR": TestPaths.cache.path]) { $1 }
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            // Wait (compiling the kernels if the cache lacks them) until the outputs stream.
            let deadline = Date().addingTimeInterval(120)
            func streaming() -> Bool {
                ((try? FileManager.default.contentsOfDirectory(atPath: results.path)) ?? []).contains { $0.contains(".tmp-") }
            }
            while p.isRunning && !streaming() && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
            XCTAssertTrue(p.isRunning && streaming(), "signal \(signal): the run streams its outputs before it ends")
            kill(p.processIdentifier, signal)
            p.waitUntilExit()
            XCTAssertEqual(p.terminationReason, .exit, "signal \(signal): brcc ends itself")
            XCTAssertEqual(p.terminationStatus, status, "signal \(signal)")
            XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: results.path), [], "signal \(signal): no partial file is left")
        }
    }

    /// A `brcc run` interrupted while its kernels compile stops the compilers with it (the CLI
    /// audit of 2026-12-07: `kill -INT` of brcc alone left its two clang processes compiling,
    /// reparented to init; Foundation starts each child in a process group of its own, so
    /// not even Ctrl-C reached them).
    func testAnInterruptedCompileStopsTheCompilers() throws {
        let brcc = try XCTUnwrap(InvalidModelTests.brccExecutable(), "build brcc first (swift build)")
        let cache = try scratchDirectory("brcc-interrupt-cache").resolvingSymlinksInPath()
        /// The processes working in a folder of the cache (the compilers run in its build folder).
        func compilers() -> [String] {
            ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).filter { pid in
                pid.allSatisfy(\.isNumber) && ((try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/cwd"))?.hasPrefix(cache.path + "/") ?? false)
            }
        }
        let p = Process()
        p.executableURL = brcc
        p.arguments = ["run", TestPaths.model("models/brc/LEMS_cue_dend_nmda.xml"), "--out", dir.appendingPathComponent("run").path, "--no-plots"]
        p.environment = ProcessInfo.processInfo.environment.merging(["BRCC_CACHE_DIR": cache.path]) { $1 }
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        let deadline = Date().addingTimeInterval(60)
        while p.isRunning && compilers().isEmpty && Date() < deadline { Thread.sleep(forTimeInterval: 0.005) }
        XCTAssertFalse(compilers().isEmpty, "the kernels compile (a cold cache)")
        kill(p.processIdentifier, SIGINT)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 130)
        let gone = Date().addingTimeInterval(5)
        while !compilers().isEmpty && Date() < gone { Thread.sleep(forTimeInterval: 0.05) }
        XCTAssertEqual(compilers(), [], "no compiler runs on after brcc")
    }

    /// A run whose OutputFiles cannot fit on --out's file system ends before it simulates (exit
    /// 74, with both sizes), and writes nothing. The estimate (rows x columns x 18 bytes of
    /// text, a sign on every value) is at least the size a run writes, and within 5 % of it.
    func testOutputsThatCannotFitAreRefusedBeforeTheRun() throws {
        let (ir, _) = try Driver.check(TestPaths.model("models/sims/LEMS_hh1_step.xml"))
        let r = try Driver.run(ir, outDir: dir, cache: TestPaths.cache)
        let written = try r.files.reduce(0.0) { $0 + Double(try FileManager.default.attributesOfItem(atPath: $1.path)[.size] as! Int) }
        let estimate = Driver.outputBytes(ir.simulation!, format: .dat)
        XCTAssertTrue(estimate >= written && estimate <= 1.05 * written, "6,001 rows of t and v: \(estimate) for \(written) bytes")
        // 2e9 steps of 1,000 copies of its column: 36 TB of text.
        var huge = ir
        huge.simulation!.dt = huge.simulation!.duration / 2e9
        huge.simulation!.outputs[0].columns = Array(repeating: huge.simulation!.outputs[0].columns[0], count: 1000)
        let out = dir.appendingPathComponent("huge")
        XCTAssertThrowsError(try Driver.run(huge, outDir: out, cache: TestPaths.cache)) { e in
            guard case DriverError.io(let m) = e else { return XCTFail("\(e)") }
            XCTAssertEqual((e as! DriverError).exitCode, 74)
            XCTAssertTrue(m.contains("would take about 36") && m.contains("free"), m)
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: out.path), [])
    }

    /// A file where the plots' folder goes, or a folder where an OutputFile goes, ends the run
    /// before it simulates (exit 73; the CLI audit's was found after the whole simulation).
    func testAnOutputsPlaceTakenIsRefusedBeforeTheRun() throws {
        let (ir, _) = try Driver.check(TestPaths.model("models/sims/LEMS_hh1_step.xml"))
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try Data().write(to: dir.appendingPathComponent("plots"))
        for (plots, says) in [(true, "plots': Not a directory"), (false, "hh1_v.dat': Is a directory")] {
            if !plots {
                try FileManager.default.removeItem(at: dir.appendingPathComponent("plots"))
                try FileManager.default.createDirectory(at: dir.appendingPathComponent("results/hh1_v.dat"), withIntermediateDirectories: true)
            }
            var progressed = false
            XCTAssertThrowsError(try Driver.run(ir, outDir: dir, cache: TestPaths.cache, plots: plots) { _, _ in progressed = true }) { e in
                XCTAssertEqual((e as? DriverError)?.exitCode, 73, "\(e)")
                XCTAssertTrue("\(e)".contains(says), "\(e)")
            }
            XCTAssertFalse(progressed, "refused before the run")
        }
    }

    /// No output replaces one of the model's own files (the CLI audit of 2026-12-07: an
    /// OutputFile named as the model, or as an included file by an absolute path, with `--out`
    /// the model's folder, was written over it, exit 0): a usage error before the run, the
    /// files untouched.
    func testAnOutputNeverReplacesTheModelsOwnFiles() throws {
        let cell = try writeModel("""
            <Lems><iafCell id="iaf" leakConductance="0.2nS" leakReversal="-65mV" thresh="-60mV" reset="-70mV" C="3.2pF"/></Lems>
            """, "cell.xml", label: "own-files")
        let folder = URL(fileURLWithPath: cell).deletingLastPathComponent()
        for fileName in ["LEMS_own.xml", folder.appendingPathComponent("cell.xml").path] {
            let model = folder.appendingPathComponent("LEMS_own.xml")
            let text = """
                <Lems><Target component="sim"/><Include file="cell.xml"/>
                  <network id="net"><population id="pop" component="iaf" size="1"/></network>
                  <Simulation id="sim" length="1ms" step="0.1ms" target="net">
                    <OutputFile id="of" fileName="\(fileName)"><OutputColumn id="v" quantity="pop[0]/v"/></OutputFile>
                  </Simulation></Lems>
                """
            try text.write(to: model, atomically: true, encoding: .utf8)
            let cellText = try String(contentsOfFile: cell, encoding: .utf8)
            let checked = try Driver.checkDocument(model.path)
            XCTAssertThrowsError(try Driver.run(checked.ir, outDir: folder, cache: TestPaths.cache, modelFiles: checked.document.files)) { e in
                XCTAssertEqual((e as? DriverError)?.exitCode, 64, "\(e)")
                XCTAssertTrue("\(e)".contains("holds the model's own file") && "\(e)".contains("which the run would replace"), "\(e)")
            }
            XCTAssertEqual(try String(contentsOf: model, encoding: .utf8), text)
            XCTAssertEqual(try String(contentsOfFile: cell, encoding: .utf8), cellText)
        }
    }

    /// A second run into a folder another run is writing stops at once (exit 73) and leaves
    /// the first one's files alone (the CLI audit: it removed the running one's checkpoint
    /// as "an earlier, interrupted run's", and the first then failed); once the first ends,
    /// the folder is free.
    func testAFolderAnotherRunWritesIsRefused() throws {
        let (ir, _) = try Driver.check(TestPaths.model("models/sims/LEMS_hh1_step.xml"))
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let first = try OutputFolderLock(dir)  // (the hold a running brcc run keeps)
        XCTAssertThrowsError(try Driver.run(ir, outDir: dir, cache: TestPaths.cache)) { e in
            XCTAssertEqual((e as? DriverError)?.exitCode, 73, "\(e)")
            XCTAssertTrue("\(e)".contains("another brcc command that is still running"), "\(e)")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), [], "nothing written")
        first.release()
        XCTAssertNoThrow(try Driver.run(ir, outDir: dir, cache: TestPaths.cache))
    }

    /// With `--format npy` an OutputFile `x.dat` is written as `x.npy`; an EventOutputFile named
    /// `x.npy` (event files stay text) would take its place: refused before the run (the run
    /// wrote both and kept the event file; the third CLI review).
    func testNpyOutputsDoNotCollideWithEventFiles() throws {
        var (ir, _) = try Driver.check(TestPaths.model("models/sims/LEMS_hh1_step.xml"))
        ir.simulation!.eventOutputs.append(IREventOutputFile(id: "spikes", fileName: "results/./hh1_v.npy", format: .timeID))
        XCTAssertThrowsError(try Driver.run(ir, outDir: dir, format: .npy, cache: TestPaths.cache)) { e in
            guard case DriverError.usage(let m) = e else { return XCTFail("\(e)") }
            XCTAssertTrue(m.contains("would write both 'results/./hh1_v.npy' and 'results/hh1_v.dat' as 'results/hh1_v.npy'"), m)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("results").path))
    }

    /// Every output file stays open while a run goes on: the soft limit on open files is
    /// raised as far as the hard one allows, and past that the run is refused before it starts
    /// (1,100 OutputFiles under a limit of 1,024 failed after compiling; the third CLI review).
    func testOpenFilesAreReservedBeforeTheRun() throws {
        var (ir, _) = try Driver.check(TestPaths.model("models/sims/LEMS_hh1_step.xml"))
        let one = ir.simulation!.outputs[0]
        ir.simulation!.outputs = (0..<300).map { IROutputFile(id: "f\($0)", fileName: "v\($0).dat", columns: one.columns) }
        var saved = rlimit()
        XCTAssertEqual(getrlimit(Driver.openFilesResource, &saved), 0)
        defer { _ = setrlimit(Driver.openFilesResource, &saved) }
        guard saved.rlim_max >= 400 else { throw XCTSkip("the hard limit on open files (\(saved.rlim_max)) is below this test's 400") }
        var low = saved
        low.rlim_cur = 100
        XCTAssertEqual(setrlimit(Driver.openFilesResource, &low), 0)
        try Driver.reserveOpenFiles(ir.simulation!)
        var now = rlimit()
        XCTAssertEqual(getrlimit(Driver.openFilesResource, &now), 0)
        XCTAssertEqual(now.rlim_cur, 300 + 64, "raised to what the run needs")
        // More than the hard limit: refused with both limits named (the outputs are only
        // counted, never opened).
        guard saved.rlim_max <= 1_000_000 else {
            throw XCTSkip("the hard limit of open files is \(saved.rlim_max) here: a model of that many outputs is too large to build for the refusal's half of the test")
        }
        let many = Int(saved.rlim_max)
        ir.simulation!.outputs = (0..<many).map { IROutputFile(id: "f\($0)", fileName: "v\($0).dat", columns: one.columns) }
        XCTAssertThrowsError(try Driver.reserveOpenFiles(ir.simulation!)) { e in
            XCTAssertEqual((e as? DriverError)?.exitCode, 73)
            XCTAssertTrue("\(e)".contains("writes \(many) files at once") && "\(e)".contains("ulimit -n: 364, at most \(saved.rlim_max)"), "\(e)")
        }
    }

    /// A run removes the temporary files a run killed outright (SIGKILL) left beside its
    /// outputs: those of processes that are gone, unless a checkpoint may refer to them; a
    /// living process's, and other hidden files, stay.
    func testTemporariesOfKilledRunsAreRemoved() throws {
        let (ir, _) = try Driver.check(TestPaths.model("models/sims/LEMS_hh1_step.xml"))
        let results = dir.appendingPathComponent("results")
        try FileManager.default.createDirectory(at: results, withIntermediateDirectories: true)
        let gone = Process()
        gone.executableURL = URL(fileURLWithPath: "/bin/true")
        try gone.run()
        gone.waitUntilExit()
        let orphan = ".hh1_v.dat.tmp-\(gone.processIdentifier)-123", living = ".hh1_v.dat.tmp-1-456", other = ".notes"
        for name in [orphan, living, other] { try Data("x".utf8).write(to: results.appendingPathComponent(name)) }
        func present() -> Set<String> { Set((try? FileManager.default.contentsOfDirectory(atPath: results.path)) ?? []) }
        // With a checkpoint in the folder nothing is removed (it may name them) ...
        try Data("{}".utf8).write(to: dir.appendingPathComponent(Driver.runCheckpointName))
        _ = try Driver.run(ir, outDir: dir, cache: TestPaths.cache)
        XCTAssertTrue(present().isSuperset(of: [orphan, living, other]), "\(present())")
        // ... without one, the orphan goes.
        try FileManager.default.removeItem(at: dir.appendingPathComponent(Driver.runCheckpointName))
        _ = try Driver.run(ir, outDir: dir, cache: TestPaths.cache)
        XCTAssertEqual(present(), ["hh1_v.dat", living, other])
    }
}

