@testable import BRCDriver
import BRCCodeGen
import BRCDiagnostics
import BRCIR
import BRCTask
import BRCRuntime
import BRCUnits
import Foundation
import XCTest

/// `random(x)` in LEMS Dynamics (`IRRandom`): a counter-based stream keyed by (seed, instance,
/// half step, call site). Fixtures in Fixtures/random.
final class RandomDynamicsTests: XCTestCase {
    static func fixture(_ name: String) -> String {
        TestPaths.repo.appendingPathComponent("Tests/BRCTests/Fixtures/random/\(name)").path
    }
    let draws = fixture("LEMS_random_draws.xml")
    let ou = fixture("LEMS_ou_input.xml")

    /// The recorded columns of the first OutputFile (time left out), from row `from` on.
    func columns(_ ir: IRModel, backend: KernelTarget = .c, precision: KernelPrecision = .exact, from: Int = 1) throws -> [[Double]] {
        let r = try Driver.run(ir, outDir: nil, cache: TestPaths.cache, backend: backend, precision: precision)
        let rows = Array(r.recorder.table(0).dropFirst(from))
        return (1..<rows[0].count).map { c in rows.map { $0[c] } }
    }

    static func mean(_ x: [Double]) -> Double { x.reduce(0, +) / Double(x.count) }
    static func variance(_ x: [Double]) -> Double {
        let m = mean(x)
        return x.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(x.count - 1)
    }
    static func correlation(_ x: [Double], _ y: [Double]) -> Double {
        let mx = mean(x), my = mean(y)
        var sxy = 0.0, sxx = 0.0, syy = 0.0
        for (a, b) in zip(x, y) { sxy += (a - mx) * (b - my); sxx += (a - mx) * (a - mx); syy += (b - my) * (b - my) }
        return sxy / (sxx * syy).squareRoot()
    }

    /// 4 cells x 10,000 steps of random(1): in [0, 1) with mean 1/2 and variance 1/12 (standard
    /// errors 0.0014 and 0.0004 for 40,000 draws: tolerances 0.01 and 0.003); no correlation
    /// between cells, between the two call sites of one cell, or between steps (standard error
    /// 0.01 for 10,000 pairs: |r| < 0.05). random(2) has mean 1.
    func testDrawsAreUniformAndIndependent() throws {
        let (ir, _) = try Driver.check(draws)
        let cols = try columns(ir)
        XCTAssertEqual(cols[0].count, 10_000)
        let r = Array(cols[0..<4].joined())
        XCTAssertTrue(r.allSatisfy { $0 >= 0 && $0 < 1 })
        XCTAssertEqual(Self.mean(r), 0.5, accuracy: 0.01)
        XCTAssertEqual(Self.variance(r), 1.0 / 12, accuracy: 0.003)
        for a in 0..<4 {
            for b in (a + 1)..<4 { XCTAssertLessThan(abs(Self.correlation(cols[a], cols[b])), 0.05, "cells \(a) and \(b)") }
            XCTAssertLessThan(abs(Self.correlation(Array(cols[a].dropFirst()), Array(cols[a].dropLast()))), 0.05, "successive steps of cell \(a)")
        }
        XCTAssertLessThan(abs(Self.correlation(cols[0], cols[4])), 0.05, "two call sites of one cell")
        XCTAssertEqual(Self.mean(cols[4]), 1.0, accuracy: 0.03)
        XCTAssertTrue(cols[4].allSatisfy { $0 >= 0 && $0 < 2 })
    }

    /// The kernels draw exactly `IRRandom.uniform` (and so the IR interpreter's value): the
    /// recorded r of cell 1 at row n is the draw of step n - 1's conditions, at mid-step.
    func testKernelsDrawTheInterpretersNumbers() throws {
        let (ir, _) = try Driver.check(draws)
        let cols = try columns(ir, from: 0)
        let g = try XCTUnwrap(ir.synapseGroups.firstIndex { ir.synapses[$0.synapse].usesRandom })
        let syn = ir.synapses[ir.synapseGroups[g].synapse]
        guard case .random(_, let site) = syn.conditions[0].assignments[0].value else { return XCTFail("r := random(1)") }
        let q = try XCTUnwrap(syn.parameters.firstIndex(of: IRRandom.keyParameter))
        let key = ir.synapseGroups[g].instances[1].values[q]
        XCTAssertEqual(key, IRRandom.key(seed: 7, group: g, instance: 1))
        let dt = ir.simulation!.dt
        for n in [1, 2, 3, 500, 9_999] {
            let t = (Double(n - 1) + 0.5) * dt
            let expected = IRExpr.random(scale: .const(1), site: site).evaluate { name in
                switch name {
                case IRRandom.keyParameter: return key
                case "t": return t
                case "dt": return dt
                default: return .nan
                }
            }
            XCTAssertEqual(cols[1][n].bitPattern, expected.bitPattern, "row \(n)")
        }
    }

    /// An Ornstein-Uhlenbeck current written as StochasticityShowcase's ouCurrentSource (a
    /// user-defined Dimension and Unit, a parameter named dt): updated every dt = 1 ms with
    /// a = 1 - dt/tau = 0.95 and uniform noise dt stdev (2U - 1), its stationary mean is
    /// `mean` = 0.1 nA and its variance (dt stdev)^2 / (3 (1 - a^2)), sd 0.1849 nA. 4 inputs x
    /// 19.9 s after 100 ms, about 2,000 independent samples (twice the correlation time of
    /// 20 ms): standard errors 0.004 nA (mean) and 1.6 % (sd). Taken as the simulation step
    /// (0.1 ms), dt would give sd 0.058 nA.
    func testOrnsteinUhlenbeckInputHasItsStationaryStatistics() throws {
        let (ir, _) = try Driver.check(ou)
        let cols = try columns(ir, from: 1_000)
        let x = Array(cols.joined()).map { $0 * 1e9 }  // nA
        let a = 1 - 1 / 20.0
        let sd = ((1 * 0.1) * (1 * 0.1) / (3 * (1 - a * a))).squareRoot()
        XCTAssertEqual(Self.mean(x), 0.1, accuracy: 0.02)
        XCTAssertEqual(Self.variance(x).squareRoot(), sd, accuracy: 0.07 * sd)
        XCTAssertLessThan(abs(Self.correlation(cols[0], cols[1])), 0.1, "two inputs of one inputList are independent")
    }

    /// Fast precision leaves the synapse kernels, where random() runs, in double: the same draws.
    func testFastPrecisionKeepsTheDraws() throws {
        var (ir, _) = try Driver.check(draws)
        ir.simulation?.duration = 200
        let exact = try columns(ir, from: 0), fast = try columns(ir, precision: .fast, from: 0)
        XCTAssertEqual(exact.map { $0.map(\.bitPattern) }, fast.map { $0.map(\.bitPattern) })
    }

    /// The same seed gives the same bits twice; another seed (`brcc run --seed`) other draws,
    /// with the same statistics. (C = Swift: BackendTests; batch = alone: BatchTests.)
    func testSeedsSelectStreams() throws {
        var (ir, _) = try Driver.check(draws)
        ir.simulation?.duration = 200
        let a = try columns(ir), b = try columns(ir)
        XCTAssertEqual(a.map { $0.map(\.bitPattern) }, b.map { $0.map(\.bitPattern) })
        ir.seedRandomStreams(8)
        let c = try columns(ir)
        XCTAssertNotEqual(a[0], c[0])
        XCTAssertLessThan(abs(Self.correlation(a[0], c[0])), 0.1)
        XCTAssertEqual(Self.mean(c[0]), 0.5, accuracy: 0.03)
    }

    /// Each trial of a task draws its own random() streams (keyed by its trial seed, as its
    /// noise currents are), and a trial rebuilt at the same (set, trial) draws the same ones.
    func testTaskTrialsDrawTheirOwnStreams() throws {
        var (ir, _) = try Driver.check(draws)
        ir.simulation?.duration = 200
        let trial = { (set: Int, k: Int) in CueTask.trialModel(ir, cue: [], set: set, trial: k, trialsPerSet: 20) }
        let a = try columns(trial(0, 0)), b = try columns(trial(0, 1)), again = try columns(trial(0, 0))
        XCTAssertEqual(a.map { $0.map(\.bitPattern) }, again.map { $0.map(\.bitPattern) })
        XCTAssertNotEqual(a[0], b[0])
        XCTAssertLessThan(abs(Self.correlation(a[0], b[0])), 0.1)
        XCTAssertNotEqual(try columns(trial(1, 0))[0], a[0])
    }

    /// A user Dimension and Unit: `0.1 nA_per_ms` is 0.1 in internal units (nA/ms).
    func testUserDimensionAndUnit() throws {
        let (ir, _) = try Driver.check(ou)
        let g = try XCTUnwrap(ir.synapseGroups.firstIndex { ir.synapses[$0.synapse].name == "input_ou" })
        let syn = ir.synapses[ir.synapseGroups[g].synapse]
        let q = try XCTUnwrap(syn.parameters.firstIndex(of: "stdev"))
        XCTAssertEqual(ir.synapseGroups[g].instances[0].values[q], 0.1, accuracy: 1e-12)
        XCTAssertEqual(syn.parameterDimensions[q], BRCUnits.Dimension(t: -1, i: 1))
    }

    /// An input's variables are recorded by jNeuroML's path (`synapses:ou:0/i`) and, in a
    /// Display, by the input's id (`ou/i`): the same probe, in SI units.
    func testInputVariablesAreRecordedByPath() throws {
        let (ir, _) = try Driver.check(ou)
        let sim = try XCTUnwrap(ir.simulation)
        let column = sim.outputs[0].columns[0], line = try XCTUnwrap(sim.displays.first?.lines.first)
        XCTAssertEqual(line.column.probe, column.probe)
        XCTAssertEqual(column.siScale, 1e-9)
        guard case .synapse(let g, _, "i") = column.probe else { return XCTFail("\(column.probe)") }
        XCTAssertEqual(ir.synapses[ir.synapseGroups[g].synapse].name, "input_ou")
    }
}
