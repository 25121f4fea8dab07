@testable import BRCCodeGen
@testable import BRCDriver
import BRCIR
import BRCRuntime
import Foundation
import XCTest

/// Issue 5: the Swift backend is emitted by the same walk as the C one and gives the same
/// bits (same operations in the same order, the same `brc_exp` with its explicit fused
/// multiply-adds, no fast-math, no contraction of any other multiply-add).
final class BackendTests: XCTestCase {
    /// Every output file's rows, then the spike times, as bit patterns (`ms`: the run's length).
    func outputs(_ path: String, _ backend: KernelTarget, ms: Double? = nil) throws -> [[UInt64]] {
        try tables(path, backend, ms: ms).flatMap { $0.map { $0.map(\.bitPattern) } }
    }

    /// Each output file's rows, then one row of spike times.
    func tables(_ path: String, _ backend: KernelTarget, ms: Double? = nil) throws -> [[[Double]]] {
        var (ir, _) = try Driver.check(path)
        if let ms { ir.simulation?.duration = ms }
        let r = try Driver.run(ir, outDir: nil, cache: TestPaths.cache, backend: backend)
        return (0..<(ir.simulation?.outputs.count ?? 0)).map { r.recorder.table($0) } + [[r.spikes.map(\.0)]]
    }

    /// Generated C built by clang gives GCC's bits. Clang honours `restrict` only on function
    /// parameters, so its loops over cells vectorise through `BRC_SIMD`'s `clang loop
    /// vectorize(assume_safety)` (docs/performance.md, "C kernels built by clang"), and a vector
    /// lane computes what the scalar loop does. 40 ms of the study network; skipped where gcc
    /// or clang is not on PATH, or where `gcc` is clang.
    func testClangBuiltCKernelsGiveGCCsBits() throws {
        let path = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":")
        func find(_ name: String) -> String? { path.map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) } }
        guard let gcc = find("gcc"), let clang = find("clang") else { throw XCTSkip("needs gcc and clang on PATH") }
        // Where `gcc` is clang under another name (macOS), the comparison would test nothing.
        let (_, gccVersion) = try shellCommand([gcc, "--version"], in: TestPaths.repo)
        if gccVersion.contains("clang") { throw XCTSkip("`gcc` is clang here (\(gcc)); needs GNU gcc") }
        var (ir, _) = try Driver.check(TestPaths.model("models/brc/LEMS_cue_dend_nmda.xml"))
        ir.simulation?.duration = 40
        let source = KernelEmitter.emit(ir, target: .c)
        XCTAssertTrue(source.text.contains("vectorize(assume_safety)"), "the prelude marks loops over cells for clang")
        var prints: [[UInt64]] = []
        for compiler in [gcc, clang] {
            let built = try BuildExecutor.build(BuildPlan.c(source: source, compiler: compiler, host: Driver.hostDescription), cache: TestPaths.cache)
            let sim = try Simulator(model: ir, library: try KernelLibrary(path: built.library), dt: ir.simulation!.dt)
            sim.recordSpikes = true
            try sim.run(steps: 1_600)
            XCTAssertFalse(sim.spikes.isEmpty, "the network spikes within 40 ms (\(compiler))")
            prints.append(BatchTests.fingerprint(sim, instance: 0))
        }
        XCTAssertEqual(prints[0], prints[1], "gcc and clang kernels differ")
    }

    func testModelsAndExamplesAreBitIdenticalAcrossBackends() throws {
        // Every simulation in models/sims, and every standard example brcc runs.
        let sims = try FileManager.default.contentsOfDirectory(atPath: TestPaths.model("models/sims"))
            .filter { $0.hasPrefix("LEMS_") }.sorted().map { TestPaths.model("models/sims/\($0)") }
        XCTAssertGreaterThanOrEqual(sims.count, 7)
        let examples = ["Ex5_DetCell", "Ex6_NMDA", "Ex10_Q10", "Ex25_MultiComp"].map { TestPaths.sharedFile("neuroml/LEMSexamples/LEMS_NML2_\($0).xml") }
        for f in sims + examples {
            let c = try outputs(f, .c), swift = try outputs(f, .swift)
            XCTAssertGreaterThan(c.count, 1000, "rows compared for \(f)")
            XCTAssertEqual(c, swift, "C and Swift kernels differ on \(f)")
        }
    }

    /// Calcium pools, a calcium-dependent channel, the GHK and GHK2 currents and the Nernst
    /// reversal (Ex15 and its Nernst variant for 150 ms, Ex18 and its GHK2 variant), K and Na
    /// pools with a K Nernst reversal (tools/lems/LEMS_KPool_Nernst.xml): the same bits from
    /// both backends.
    func testCalciumPoolModelsAreBitIdenticalAcrossBackends() throws {
        for (f, ms) in [(TestPaths.sharedFile("neuroml/LEMSexamples/LEMS_NML2_Ex15_CaDynamics.xml"), 150.0), (TestPaths.model("tools/lems/LEMS_NML2_Ex15_Nernst.xml"), 150),
                        (TestPaths.sharedFile("neuroml/LEMSexamples/LEMS_NML2_Ex18_GHK.xml"), 50), (TestPaths.model("tools/lems/LEMS_GHK2.xml"), 50),
                        (TestPaths.model("tools/lems/LEMS_KPool_Nernst.xml"), 100)] {
            let c = try tables(f, .c, ms: ms), swift = try tables(f, .swift, ms: ms)
            // The first output file's first column is the cell's potential (mV) in each.
            let v = c[0]
            XCTAssertGreaterThan(spikeTimes(t: v.map { $0[0] }, v: v.map { $0[1] }).count, 0, "the cell spikes in \(f)")
            XCTAssertEqual(c.map { $0.map { $0.map(\.bitPattern) } }, swift.map { $0.map { $0.map(\.bitPattern) } }, "C and Swift kernels differ on \(f)")
        }
    }

    /// random() in LEMS Dynamics (point cells drawing every step; an Ornstein-Uhlenbeck input):
    /// brc_random is the same operations in both preambles.
    func testRandomDynamicsAreBitIdenticalAcrossBackends() throws {
        for f in ["LEMS_random_draws.xml", "LEMS_ou_input.xml"].map(RandomDynamicsTests.fixture) {
            let c = try outputs(f, .c, ms: 200), swift = try outputs(f, .swift, ms: 200)
            XCTAssertGreaterThan(c.count, 1000, "rows compared for \(f)")
            XCTAssertEqual(c, swift, "C and Swift kernels differ on \(f)")
        }
    }

    func testStudyNetworkVariantsAreBitIdenticalAcrossBackends() throws {
        for v in ["soma_ampa", "soma_nmda", "dend_ampa", "dend_nmda"] {
            let f = TestPaths.model("models/brc/LEMS_cue_\(v).xml")
            let c = try outputs(f, .c, ms: 40), swift = try outputs(f, .swift, ms: 40)
            XCTAssertGreaterThan(c.last!.count, 5, "the network spikes")
            XCTAssertEqual(c, swift, v)
        }
    }

    func testGeneratedSwiftIsCommentedAndCacheKeysDistinguishBackends() throws {
        let ir = try Driver.check(TestPaths.model("models/sims/LEMS_syn_AMPA.xml")).0
        let swift = KernelEmitter.emit(ir, target: .swift), c = KernelEmitter.emit(ir, target: .c)
        XCTAssertTrue(swift.text.contains("@_cdecl(\"brc_kernels\")"))
        XCTAssertTrue(swift.text.contains("/* Na_all: <ionChannelHH id=\"Na\"> at Na.channel.nml:"), "blocks name their model element")
        XCTAssertTrue(swift.text.contains("/* ==== synapse AMPA: <kineticSynapse id=\"AMPA\">"))
        let a = BuildPlan.plan(c, host: "h"), b = BuildPlan.plan(swift, host: "h")
        XCTAssertNotEqual(a.key, b.key)
        XCTAssertTrue(b.invocations.allSatisfy { $0.executable == ProcessInfo.processInfo.environment["SWIFTC"] ?? "swiftc" })
        XCTAssertTrue(b.stages[0].allSatisfy { $0.arguments.contains("-wmo") && $0.arguments.contains(SwiftDialect.prelude) },
                      "whole modules, each with the prelude: brc_exp inlines into every file")
        XCTAssertNotEqual(BuildPlan.plan(c, host: "h").key, BuildPlan.plan(c, host: "other cpu").key)
    }
}

/// `--emit swift-package`: a standalone simulator that builds with `swift build` alone and
/// writes exactly what `brcc run` writes.
final class SwiftPackageTests: XCTestCase {

    /// A compile or package into a folder of an earlier one replaces its generated sources
    /// whole (the export audit of 2026-12-07: another model's `kernels_ct1.swift` and
    /// `kernels_synapses.swift` stayed in the package's Kernels target, and C sources beside
    /// Swift ones); it never writes over the model's own files or a package brcc did not write.
    func testAFolderOfAnEarlierCompileHoldsOnlyThisOnesSources() throws {
        let root = try scratchDirectory("brcc-recompile")
        let nmda = try Driver.check(TestPaths.model("models/sims/LEMS_syn_NMDA.xml")).0, hh1 = try Driver.check(TestPaths.model("models/sims/LEMS_hh1_step.xml")).0
        let package = root.appendingPathComponent("pkg"), kernels = package.appendingPathComponent("Sources/Kernels")
        _ = try Driver.emitPackage(nmda, outDir: package)
        XCTAssertTrue(try FileManager.default.contentsOfDirectory(atPath: kernels.path).contains("kernels_synapses.swift"))
        let files = try Driver.emitPackage(hh1, outDir: package)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: kernels.path).sorted(),
                       files.filter { $0.deletingLastPathComponent().lastPathComponent == "Kernels" }.map(\.lastPathComponent).sorted())
        let folder = root.appendingPathComponent("c")
        _ = try Driver.compile(nmda, outDir: folder, cache: TestPaths.cache)
        try Data("notes".utf8).write(to: folder.appendingPathComponent("notes.txt"))
        _ = try Driver.compile(hh1, outDir: folder, cache: TestPaths.cache, backend: .swift)
        let left = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        XCTAssertFalse(left.contains { $0.hasSuffix(".c") }, "\(left)")
        XCTAssertTrue(left.contains("notes.txt") && left.contains("kernels_ct0.swift"), "\(left)")
        // A folder whose Package.swift is someone else's, and a model file named as a kernel source.
        let foreign = root.appendingPathComponent("foreign")
        try FileManager.default.createDirectory(at: foreign, withIntermediateDirectories: true)
        try Data("// my package\n".utf8).write(to: foreign.appendingPathComponent("Package.swift"))
        XCTAssertThrowsError(try Driver.emitPackage(hh1, outDir: foreign)) { XCTAssertEqual(($0 as? DriverError)?.exitCode, 64, "\($0)") }
        XCTAssertEqual(try String(contentsOf: foreign.appendingPathComponent("Package.swift"), encoding: .utf8), "// my package\n")
        let own = folder.appendingPathComponent("kernels_ct3.c")
        try Data("<neuroml/>".utf8).write(to: own)
        XCTAssertThrowsError(try Driver.compile(hh1, outDir: folder, cache: TestPaths.cache, modelFiles: [own.path])) {
            XCTAssertTrue("\($0)".contains("holds the model's own file kernels_ct3.c, which the compile would remove"), "\($0)")
        }
        XCTAssertEqual(try Data(contentsOf: own), Data("<neuroml/>".utf8))
    }

    func testGeneratedPackageBuildsAndReproducesBrccRun() throws {
        let model = TestPaths.sharedFile("neuroml/LEMSexamples/LEMS_NML2_Ex6_NMDA.xml")
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("brcc-pkg-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let (ir, _) = try Driver.check(model)
        let files = try Driver.emitPackage(ir, outDir: root.appendingPathComponent("Simulator"))
        XCTAssertTrue(files.contains { $0.lastPathComponent == "Package.swift" })
        let package = try String(contentsOf: root.appendingPathComponent("Simulator/Package.swift"), encoding: .utf8)
        XCTAssertFalse(package.contains(".package("), "no dependencies, brcc's least of all")
        // SwiftPM's lock files and swiftc's temporary folders go to $TMPDIR: keep them in `root`.
        let temporary = root.appendingPathComponent("tmp")
        try FileManager.default.createDirectory(at: temporary, withIntermediateDirectories: true)
        let (status, log) = try shellCommand(["swift", "build", "-c", "release"], in: root.appendingPathComponent("Simulator"), environment: ["TMPDIR": temporary.path])
        XCTAssertEqual(status, 0, log)
        let (runStatus, runLog) = try shellCommand([root.appendingPathComponent("Simulator/.build/release/Simulator").path, root.appendingPathComponent("pkg").path], in: root)
        XCTAssertEqual(runStatus, 0, runLog)
        let reference = try Driver.run(ir, outDir: root.appendingPathComponent("brcc"), cache: TestPaths.cache)
        XCTAssertEqual(reference.files.count, 4)
        for f in reference.files {
            let rel = f.path.replacingOccurrences(of: root.appendingPathComponent("brcc").path + "/", with: "")
            let mine = try Data(contentsOf: root.appendingPathComponent("pkg/\(rel)"))
            XCTAssertEqual(mine, try Data(contentsOf: f), "\(rel) differs from brcc run's")
        }
        // Its command line is brcc run's (the export audit of 2026-12-07: `--help` and any
        // unknown option were taken for the output folder, a second folder silently won, and
        // output errors exited 1).
        let binary = root.appendingPathComponent("Simulator/.build/release/Simulator").path
        let (helpStatus, help) = try shellCommand([binary, "--help"], in: root)
        XCTAssertEqual(helpStatus, 0, help)
        XCTAssertTrue(help.contains("usage: Simulator [OUT_DIR"), help)
        XCTAssertFalse(FileManager.default.fileExists(atPath: root.appendingPathComponent("--help").path))
        let file = root.appendingPathComponent("afile")
        try Data().write(to: file)
        for (args, status, says) in [(["--npyy"], Int32(64), "unknown option '--npyy'"), (["a", "b"], 64, "one output folder only"), ([""], 64, "empty"),
                                     ([file.appendingPathComponent("sub").path], 73, "Not a directory")] {
            let (s, log) = try shellCommand([binary] + args, in: root)
            XCTAssertEqual(s, status, "Simulator \(args): \(log)")
            XCTAssertTrue(log.contains(says), "Simulator \(args): \(log)")
        }
        // The package's simulator checkpoints as brcc run does: stopped by SIGINT after a
        // checkpoint, it keeps it, and --resume writes the same files.
        let simulator = root.appendingPathComponent("Simulator/.build/release/Simulator"), stopped = root.appendingPathComponent("stopped")
        let p = Process()
        p.executableURL = simulator
        p.arguments = [stopped.path, "--checkpoint-every", "0.00001"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        let checkpoint = stopped.appendingPathComponent("run-checkpoint.json")
        let deadline = Date().addingTimeInterval(60)
        while p.isRunning && !FileManager.default.fileExists(atPath: checkpoint.path) && Date() < deadline { Thread.sleep(forTimeInterval: 0.001) }
        kill(p.processIdentifier, SIGINT)
        p.waitUntilExit()
        // (With a checkpoint every 64 steps, the run takes about a second; the first is there
        // within milliseconds.)
        XCTAssertEqual(p.terminationStatus, 130, "stopped by the signal")
        XCTAssertTrue(FileManager.default.fileExists(atPath: checkpoint.path), "the checkpoint is kept")
        let (resumed, output) = try shellCommand([simulator.path, stopped.path, "--resume"], in: root)
        XCTAssertEqual(resumed, 0, output)
        XCTAssertTrue(output.contains("resumed from the checkpoint at step"), output)
        XCTAssertFalse(FileManager.default.fileExists(atPath: checkpoint.path))
        for f in reference.files {
            let rel = f.path.replacingOccurrences(of: root.appendingPathComponent("brcc").path + "/", with: "")
            XCTAssertEqual(try Data(contentsOf: stopped.appendingPathComponent(rel)), try Data(contentsOf: f), "resumed: \(rel)")
        }
    }
}
