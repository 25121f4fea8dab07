import BRCDiagnostics
import BRCDriver
import BRCIR
import Foundation
import XCTest

/// gateKS with more than two states (issue 12): occupancies advanced by one implicit Euler step
/// per time step with Σ occupancies = 1, as NEURON's `sparse` integrates jNeuroML's KINETIC
/// export (docs/numerics.md).
final class KineticSchemeTests: XCTestCase {
    let model = TestPaths.model("tools/lems/LEMS_KS_MultiState.xml")
    let fixture = TestPaths.repo.appendingPathComponent("Tests/BRCTests/Fixtures/neuron/ks_multistate")

    /// A five-state scheme (HH's n⁴ written as c0…c3, o) and a three-state inactivating scheme
    /// with a tauInfTransition, against NEURON run by tools/neuron_reference.sh: 13 spikes
    /// within 0.001 ms, the potential within 0.001 mV RMS (measured: 1.2e-6 ms, 1.8e-5 mV, the
    /// precision of NEURON's output), and q of both gates and one occupancy within 1e-4 of
    /// their peaks.
    func testMultiStateSchemesMatchNEURON() throws {
        let out = try runSimulationByFile(model)
        try assertMatchesExpected("ks_multistate", outputs: out, maxSpikeMs: 0.001, maxRmsMV: 0.001, in: fixture)
        let ref = try loadTable(fixture.appendingPathComponent("neuron/results/ks.dat").path)
        let got = try XCTUnwrap(out["results/ks.dat"])
        XCTAssertEqual(got.count, 8001)
        for (col, name) in [(2, "n/q"), (3, "a/q"), (4, "a/i/occupancy")] {
            let peak = ref.map { abs($0[col]) }.max()!
            let worst = zip(ref, stride(from: 0, to: got.count, by: 50).map { got[$0] }).map { abs($0[col] - $1[col]) }.max()!
            XCTAssertGreaterThan(peak, 0.01, name)
            XCTAssertLessThan(worst / peak, 1e-4, name)
        }
    }

    /// The occupancies stay a probability distribution: each in [0, 1], summing to 1 to
    /// round-off at every step, and the first row is the steady state at the initial potential.
    func testOccupanciesAreConservedAndStartAtSteadyState() throws {
        let text = try String(contentsOfFile: model, encoding: .utf8)
        let columns = ["c0", "c1", "c2", "c3", "o"].map { "<OutputColumn id=\"\($0)\" quantity=\"pop/0/kscell/bio/membraneProperties/kChans/k_ks5/n/\($0)/occupancy\"/>" }
        let start = try XCTUnwrap(text.range(of: "<OutputFile id=\"out\"")), end = try XCTUnwrap(text.range(of: "</Simulation>"))
        let edited = text.replacingCharacters(in: start.lowerBound..<end.lowerBound,
                                              with: "<OutputFile id=\"occ\" fileName=\"occ.dat\">\(columns.joined())</OutputFile>\n")
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ks_occupancy_\(ProcessInfo.processInfo.processIdentifier).xml")
        try edited.write(to: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: path) }
        let rows = try XCTUnwrap(runSimulationByFile(path.path)["occ.dat"])
        var worst = 0.0
        for r in rows {
            XCTAssertTrue(r.dropFirst().allSatisfy { $0 >= -1e-15 && $0 <= 1 + 1e-15 })
            worst = max(worst, abs(r.dropFirst().reduce(0, +) - 1))
        }
        XCTAssertLessThan(worst, 1e-14, "Σ occupancies - 1")
        // At -65 mV the five-state scheme's steady state is binomial in HH's n∞.
        let a = 0.1 * (-65 + 55) / 10 / (1 - exp(-(-65 + 55) / 10.0)), b = 0.125 * exp((-65 + 65) / -80.0)
        let n = a / (a + b)
        for k in 0...4 {
            let binomial = Double([1, 4, 6, 4, 1][k]) * pow(n, Double(k)) * pow(1 - n, Double(4 - k))
            XCTAssertEqual(rows[0][k + 1], binomial, accuracy: 1e-14, "occupancy of state \(k) at t = 0")
        }
    }

    /// Both backends give the same bits.
    func testMultiStateSchemesAreBitIdenticalAcrossBackends() throws {
        let ir = try Driver.check(model).0
        let c = try Driver.run(ir, outDir: nil, cache: TestPaths.cache, backend: .c).recorder.table(0)
        let swift = try Driver.run(ir, outDir: nil, cache: TestPaths.cache, backend: .swift).recorder.table(0)
        XCTAssertEqual(c.map { $0.map(\.bitPattern) }, swift.map { $0.map(\.bitPattern) })
    }

    /// The generated step is straight-line code: no loop and no branch for the solve.
    func testTheSolveIsWrittenOutInTheIR() throws {
        let ir = try Driver.check(model).0
        let k = try XCTUnwrap(ir.mechanisms.first { $0.name == "k_ks5" })
        XCTAssertEqual(k.states.map(\.name), ["n", "n_fcond", "n_c0", "n_c1", "n_c2", "n_c3", "n_o"])
        // A chain of five states: the elimination has no fill-in except the conservation row.
        XCTAssertLessThan(k.locals.filter { $0.name.hasPrefix("n_ie_") }.count, 40)
        XCTAssertTrue(IRVerifier.verify(ir).isEmpty)
    }
}
