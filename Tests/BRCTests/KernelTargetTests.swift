@testable import BRCCodeGen
import BRCDriver
import BRCIR
import BRCRuntime
import Foundation
import XCTest

/// Issue 11 items 3 and 5: kernel targets are values that supply every part, and a library
/// built from several units compiled in parallel behaves as the same code built in one piece.
final class KernelTargetTests: XCTestCase {
    let cache = FileManager.default.temporaryDirectory.appendingPathComponent("brcc-target-\(UUID().uuidString)")
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: cache) }

    /// Steps `ir`'s simulation on the library at `path`; the recorded columns as bit patterns.
    func simulate(_ ir: IRModel, library path: String) throws -> [[UInt64]] {
        let sim = try XCTUnwrap(ir.simulation)
        let simulator = try Simulator(model: ir, library: try KernelLibrary(path: path), dt: sim.dt)
        let recorder = Recorder(outputs: sim.outputs)
        try recorder.record(simulator)
        for _ in 0..<Int((sim.duration / sim.dt).rounded()) {
            simulator.advance()
            try recorder.record(simulator)
        }
        return sim.outputs.indices.flatMap { recorder.table($0).map { $0.map(\.bitPattern) } }
    }

    func testEveryTargetSuppliesEveryPartAndBuildsAndRunsATinyModel() throws {
        // Totality is the compiler's job (exhaustive switches, protocol requirements without
        // defaults); this checks that each part, once supplied, works: each target's plan is
        // complete, its library builds, loads and gives the same bits as every other target.
        let path = TestPaths.model("models/sims/LEMS_hh1_step.xml")
        let ir = try Driver.check(path).0
        var results: [KernelTarget: [[Double]]] = [:]
        for target in KernelTarget.allCases {
            XCTAssertEqual(KernelTarget(rawValue: target.rawValue), target, "the CLI's --backend names the target")
            XCTAssertEqual(target.dialect.target, target)
            let source = KernelEmitter.emit(ir, target: target)
            XCTAssertEqual(source.target, target)
            XCTAssertEqual(Set(source.files.map(\.name)).count, source.files.count, "file names are distinct")
            XCTAssertTrue(source.files.contains { $0.isUnit })
            let plan = BuildPlan.plan(source, host: "h")
            XCTAssertEqual(plan.target, target)
            XCTAssertFalse(plan.invocations.isEmpty)
            for file in source.files { XCTAssertEqual(plan.sources[file.name], file.text, "every file is written for the build") }
            let run = try Driver.run(ir, outDir: nil, cache: cache, backend: target)
            XCTAssertFalse(run.compile.cacheHit)
            XCTAssertEqual(try KernelLibrary(path: run.compile.library).kernelNames, ir.cellTypes.map(\.name) + ir.synapses.map(\.name))
            results[target] = run.recorder.table(0)
        }
        let c = try XCTUnwrap(results[.c])
        XCTAssertGreaterThan(c.count, 100)
        for (target, table) in results { XCTAssertEqual(table.map { $0.map(\.bitPattern) }, c.map { $0.map(\.bitPattern) }, "\(target)") }
        // The cache keys of the targets differ; so do the keys of different hosts.
        let keys = KernelTarget.allCases.map { BuildPlan.plan(KernelEmitter.emit(ir, target: $0), host: "h").key }
        XCTAssertEqual(Set(keys).count, keys.count)
    }

    func testUnitsCompiledInParallelBehaveAsOneCompilation() throws {
        // The study network: four cell types and eleven synapse types in six units.
        var ir = try Driver.check(TestPaths.model("models/brc/LEMS_cue_dend_nmda.xml")).0
        ir.simulation?.duration = 40
        let source = KernelEmitter.emit(ir, target: .c)
        let plan = BuildPlan.plan(source, host: "h")
        XCTAssertEqual(plan.stages.count, 2)
        XCTAssertEqual(plan.stages[0].count, ir.cellTypes.count + 2, "a unit per cell type, one for the synapses, one for the table")
        let units = plan.stages[0].map { $0.arguments[$0.arguments.firstIndex(of: "-c")! + 1] }
        XCTAssertEqual(Set(units), Set(source.files.filter(\.isUnit).map(\.name)))

        let parallel = try Driver.compile(ir, cache: cache)  // the units at once, then a link
        XCTAssertFalse(parallel.cacheHit)

        // The same files, compiled and linked by one invocation of the compiler, at -O3 as
        // kernels were built before they were split (floating-point results do not depend on
        // the optimisation level without fast-math and FMA contraction).
        let folder = cache.appendingPathComponent("one-invocation")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for (name, text) in plan.sources { try Data(text.utf8).write(to: folder.appendingPathComponent(name)) }
        let compiler = plan.invocations[0].executable
        let args = BuildPlan.cFlags + ["-O3"] + BuildPlan.cLinkFlags + ["-o", "one.so"] + units.sorted() + ["-lm"]
        let (status, log) = try shellCommand([compiler] + args, in: folder)
        XCTAssertEqual(status, 0, log)

        let a = try simulate(ir, library: parallel.library), b = try simulate(ir, library: folder.appendingPathComponent("one.so").path)
        XCTAssertGreaterThan(a.count, 1000)
        XCTAssertEqual(a, b, "the library built from units compiled in parallel computes the same bits")

        // Only the table is exported: kernel functions are hidden inside the library.
        let handle = try XCTUnwrap(dlopen(parallel.library, RTLD_NOW | RTLD_LOCAL))
        defer { dlclose(handle) }
        XCTAssertNotNil(dlsym(handle, "brc_kernels"))
        XCTAssertNil(dlsym(handle, "ct0_study_E_step"))
    }

    func testTypesWithTheSameKernelsShareOneCopy() throws {
        // The study network's eleven synapse types are two kinds (ten refractory kinetic
        // synapses that differ only in parameter values, read at run time, and one NMDA): two
        // sets of functions, each named by every table entry of its kind; the four cell types
        // differ, so each keeps its own.
        let ir = try Driver.check(TestPaths.model("models/brc/LEMS_cue_dend_nmda.xml")).0
        XCTAssertEqual(ir.synapses.count, 11)
        for target in KernelTarget.allCases {
            let source = KernelEmitter.emit(ir, target: target), text = source.text
            let synapses = try XCTUnwrap(source.files.first { $0.name.hasPrefix("kernels_synapses") }).text
            let definitions = { (suffix: String) in synapses.components(separatedBy: "_\(suffix)(").count - 1 }
            XCTAssertEqual(["init", "current", "update", "event"].map(definitions), [2, 2, 2, 2], "\(target)")
            XCTAssertEqual(text.components(separatedBy: "==== synapse ").count - 1, 11, "every type keeps its comment")
            XCTAssertEqual(text.components(separatedBy: "==== cell type ").count - 1, 4)
        }
        // What is shared is exactly what each type would have had under its own name.
        let d = KernelTarget.c.dialect
        let nmda = try XCTUnwrap(ir.synapses.firstIndex { $0.name == "cue_Edend_nmda_syn" })
        for (i, syn) in ir.synapses.enumerated() where i != nmda {
            XCTAssertEqual(SynapseKernels.emit(syn, prefix: "x", d), SynapseKernels.emit(ir.synapses[0], prefix: "x", d), syn.name)
        }
        XCTAssertNotEqual(SynapseKernels.emit(ir.synapses[nmda], prefix: "x", d), SynapseKernels.emit(ir.synapses[0], prefix: "x", d))
        // The table still has every type, by name.
        let run = try Driver.compile(ir, cache: cache, backend: .c)
        XCTAssertEqual(try KernelLibrary(path: run.library).kernelNames, ir.cellTypes.map(\.name) + ir.synapses.map(\.name))
        // Cell types too: NeuroML's Ex2 has four izhikevichCells that differ in parameter
        // values alone, one unit of kernels (LEMSCoreTypeTests checks their traces against
        // jLEMS's, each with its own parameters).
        let ex2 = try Driver.check(TestPaths.model("tools/lems/LEMS_NML2_Ex2_Izh_outputs.xml")).0
        let source = KernelEmitter.emit(ex2, target: .c)
        XCTAssertEqual(ex2.cellTypes.count, 4)
        XCTAssertEqual(source.files.filter { $0.name.hasPrefix("kernels_ct") }.count, 1)
        XCTAssertEqual(source.text.components(separatedBy: "==== cell type ").count - 1, 4)
    }

    func testSwiftModulesCompiledInParallelBehaveAsOneModule() throws {
        // Swift units are spread over modules, one per core, each compiled whole-module with the
        // prelude; the table names the kernels through their C declarations.
        var ir = try Driver.check(TestPaths.model("models/brc/LEMS_cue_dend_nmda.xml")).0
        ir.simulation?.duration = 40
        let source = KernelEmitter.emit(ir, target: .swift)
        let units = Set(source.files.filter(\.isUnit).map(\.name))
        XCTAssertEqual(units.count, ir.cellTypes.count + 2)
        var libraries: [String] = []
        for modules in [1, 2] {
            let plan = SwiftToolchain(modules: modules).plan(source, host: "h")
            XCTAssertEqual(plan.stages.map(\.count), [modules, 1])
            var seen: [String] = []
            for invocation in plan.stages[0] {
                XCTAssertTrue(invocation.arguments.contains("-wmo"))
                XCTAssertTrue(invocation.arguments.contains(SwiftDialect.prelude), "every module has the prelude")
                let files = invocation.arguments.filter { units.contains($0) }
                XCTAssertEqual(invocation.arguments.contains("-import-objc-header"), files.contains(SwiftDialect.table), "the table's module reads the declarations")
                seen += files
            }
            XCTAssertEqual(seen.sorted(), units.sorted(), "every unit in exactly one module")
            let folder = cache.appendingPathComponent("modules\(modules)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            for (name, text) in plan.sources { try Data(text.utf8).write(to: folder.appendingPathComponent(name)) }
            for stage in plan.stages {
                for invocation in stage {
                    let (status, log) = try shellCommand([invocation.executable] + invocation.arguments, in: folder)
                    XCTAssertEqual(status, 0, log)
                }
            }
            libraries.append(folder.appendingPathComponent(plan.library).path)
        }
        let one = try simulate(ir, library: libraries[0]), two = try simulate(ir, library: libraries[1])
        XCTAssertGreaterThan(one.count, 1000)
        XCTAssertEqual(one, two, "two modules compute the bits of one")
        // Only the table is exported: kernel functions are hidden inside the library.
        let handle = try XCTUnwrap(dlopen(libraries[1], RTLD_NOW | RTLD_LOCAL))
        defer { dlclose(handle) }
        XCTAssertNotNil(dlsym(handle, "brc_kernels"))
        XCTAssertNil(dlsym(handle, SwiftDialect.symbol("ct0_study_E_step")))
    }

    /// The kernels write a decaying state (dx/dt = bb x) as x + f (0 - x) instead of NEURON's
    /// general form bb != 0 ? x + f (-a/bb - x) : x + dt a with a = +0 (KernelEmitter.stateUpdates):
    /// the same bits for every finite x, bb of either sign or zero and dt, signed zeros included.
    /// The emitter writes that form for a = +0 only: a constant -0, another constant or a
    /// reference keeps the general form.
    func testDecayFormGivesTheGeneralLinearUpdatesBits() {
        let printer = ExpressionPrinter(target: .c, name: { $0 })
        func emitted(_ a: IRExpr) -> String {
            let state = IRState(name: "x", initial: .const(0), update: .linear(a: a, b: .ref("k")))
            return KernelEmitter.stateUpdates([state], printer: printer, indent: "", CDialect()) { _ in "out" }
        }
        XCTAssertTrue(emitted(.const(0)).contains("out = s_x + (1.0 - brc_exp(dt * bb)) * (0.0 - s_x);"), emitted(.const(0)))
        XCTAssertFalse(emitted(.const(0)).contains("/ bb"), emitted(.const(0)))
        for a: IRExpr in [.const(-0.0), .const(1), .ref("i")] {
            XCTAssertTrue(emitted(a).contains("bb != 0.0 ? s_x + (1.0 - brc_exp(dt * bb)) * (-a / bb - s_x) : s_x + dt * a"), emitted(a))
        }
        var rng = SeededGenerator(seed: 0x5eed_dec4)
        let specials: [Double] = [0, -0.0, 1, -1, 1e-300, -1e-300, .leastNonzeroMagnitude, .leastNonzeroMagnitude * 3, 1e300, -1e300]
        var mismatches = 0
        for trial in 0..<200_000 {
            let x = trial % 7 == 0 ? specials[trial % specials.count] : Double(bitPattern: rng.next() & 0x7fef_ffff_ffff_ffff) * (rng.next() & 1 == 0 ? 1 : -1)
            let bb = trial % 5 == 0 ? specials[(trial / 5) % specials.count] : Double.random(in: -1e3...1e3, using: &rng)
            let dt = [0.025, 0.01, 1e-3, 0.1][trial % 4]
            let a = 0.0
            let f = 1.0 - exp(dt * bb)
            let general = bb != 0.0 ? x + f * (-a / bb - x) : x + dt * a
            let decay = x + f * (0.0 - x)
            guard general.isFinite else { continue }
            if general.bitPattern != decay.bitPattern { mismatches += 1 }
        }
        XCTAssertEqual(mismatches, 0)
        // With a constant term the forms differ, so the emitter keeps the general one.
        let (x, bb, f) = (0.3, -0.5, 1.0 - exp(0.025 * -0.5))
        XCTAssertNotEqual(x + f * (-1.0 / bb - x), x + f * (0.0 - x))
    }
}
