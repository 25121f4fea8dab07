import BRCCodeGen
import BRCDriver
import BRCIR
import Foundation
import XCTest

/// Issue 5: the Swift backend is emitted by the same walk as the C one and gives the same
/// bits (same operations in the same order, the same `brc_exp`, no fast-math, no FMA).
final class BackendTests: XCTestCase {
    func outputs(_ path: String, _ backend: KernelLanguage, ms: Double? = nil) throws -> [[UInt64]] {
        var (ir, _) = try Driver.check(path)
        if let ms { ir.simulation?.duration = ms }
        let r = try Driver.run(ir, outDir: nil, cache: TestPaths.cache, backend: backend)
        var all: [[UInt64]] = []
        for i in 0..<(ir.simulation?.outputs.count ?? 0) { all += r.recorder.table(i).map { $0.map(\.bitPattern) } }
        all.append(r.spikes.map { $0.0.bitPattern })
        return all
    }

    func testModelsAndExamplesAreBitIdenticalAcrossBackends() throws {
        let files = [
            TestPaths.model("models/sims/LEMS_pyr4_soma_step.xml"),
            TestPaths.model("models/sims/LEMS_syn_NMDA.xml"),
            TestPaths.sharedFile("neuroml/LEMSexamples/LEMS_NML2_Ex10_Q10.xml"),
            TestPaths.sharedFile("neuroml/LEMSexamples/LEMS_NML2_Ex25_MultiComp.xml"),
        ]
        for f in files {
            let c = try outputs(f, .c), swift = try outputs(f, .swift)
            XCTAssertGreaterThan(c.count, 1000, "rows compared for \(f)")
            XCTAssertEqual(c, swift, "C and Swift kernels differ on \(f)")
        }
    }

    func testStudyNetworkIsBitIdenticalAcrossBackends() throws {
        let f = TestPaths.model("models/brc/LEMS_cue_soma_ampa.xml")
        let c = try outputs(f, .c, ms: 60), swift = try outputs(f, .swift, ms: 60)
        XCTAssertGreaterThan(c.last!.count, 10, "the network spikes")
        XCTAssertEqual(c, swift)
    }

    func testGeneratedSwiftIsCommentedAndCacheKeysDistinguishBackends() throws {
        let ir = try Driver.check(TestPaths.model("models/sims/LEMS_syn_AMPA.xml")).0
        let swift = KernelEmitter.emit(ir, language: .swift), c = KernelEmitter.emit(ir, language: .c)
        XCTAssertTrue(swift.contains("@_cdecl(\"brc_kernels\")"))
        XCTAssertTrue(swift.contains("/* Na_all: <ionChannelHH id=\"Na\"> at Na.channel.nml:"), "blocks name their model element")
        XCTAssertTrue(swift.contains("/* ==== synapse AMPA: <kineticSynapse id=\"AMPA\">"))
        let a = BuildPlan.plan(c, language: .c, host: "h"), b = BuildPlan.plan(swift, language: .swift, host: "h")
        XCTAssertNotEqual(a.key, b.key)
        XCTAssertEqual(b.invocation.executable, ProcessInfo.processInfo.environment["SWIFTC"] ?? "swiftc")
        XCTAssertTrue(b.invocation.arguments.contains("-Ounchecked"))
        XCTAssertNotEqual(BuildPlan.plan(c, language: .c, host: "h").key, BuildPlan.plan(c, language: .c, host: "other cpu").key)
    }
}
