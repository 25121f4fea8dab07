import BRCDriver
import BRCIR
import BRCRuntime
import Foundation
import XCTest

/// SPEC.md §4: a passive cable's steady state against the sealed-end analytic solution, and
/// the compartment tree against an independent solve of the discretised equations.
final class CableTests: XCTestCase {
    static let length = 500.0, diameter = 2.0, gLeak = 1e-4 /* S/cm2 */, ra = 100.0 /* ohm cm */, current = 0.05 /* nA */

    func cable(_ n: Int, extra: String = "") -> String {
        """
        <Lems>
          <Target component="sim"/>
          <Include file="Cells.xml"/>
          <ionChannelHH id="leak" conductance="10pS"/>
          <cell id="cable">
            <morphology id="m">
              <segment id="0" name="cable">
                <proximal x="0" y="0" z="0" diameter="\(Self.diameter)"/>
                <distal x="\(Self.length)" y="0" z="0" diameter="\(Self.diameter)"/>
              </segment>
              <segmentGroup id="all" neuroLexId="sao864921383">
                <property tag="numberInternalDivisions" value="\(n)"/>
                <member segment="0"/>
              </segmentGroup>
            </morphology>
            <biophysicalProperties id="b">
              <membraneProperties>
                <channelDensity id="leak" ionChannel="leak" condDensity="\(Self.gLeak) S_per_cm2" erev="-70mV"/>
                <spikeThresh value="0mV"/>
                <specificCapacitance value="1 uF_per_cm2"/>
                <initMembPotential value="-70mV"/>
              </membraneProperties>
              <intracellularProperties><resistivity value="\(Self.ra) ohm_cm"/></intracellularProperties>
            </biophysicalProperties>
          </cell>
          <pulseGenerator id="dc" delay="0ms" duration="1000ms" amplitude="\(Self.current)nA"/>
          <network id="net">
            <population id="p" component="cable" size="1"/>
            <inputList id="i" population="p" component="dc">
              <input id="0" target="../p[0]" segmentId="0" fractionAlong="\(0.5 / Double(n))" destination="synapses"/>
            </inputList>
          </network>
          <Simulation id="sim" length="400ms" step="0.025ms" target="net"/>
          \(extra)
        </Lems>
        """
    }

    /// A compartment count written with spaces around it (or broken over lines, which XML
    /// reads as spaces) is the same count: it was checked trimmed but read untrimmed, and a
    /// cable of " 8 " compartments silently had 1.
    func testACompartmentCountWithSpacesIsTheSameCount() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("cable_spaced.xml").path
        let text = cable(8).replacingOccurrences(of: "tag=\"numberInternalDivisions\" value=\"8\"", with: "tag=\"numberInternalDivisions\" value=\" 8\n\"")
        XCTAssertNotEqual(text, cable(8))
        XCTAssertEqual(try Driver.check(text: text, path: path).cellTypes[0].nodes.count, 8)
        // The tag, too: `tag=" numberInternalDivisions"` was compared untrimmed and gave 1.
        let tag = cable(8).replacingOccurrences(of: "tag=\"numberInternalDivisions\"", with: "tag=\" numberInternalDivisions\"")
        XCTAssertNotEqual(tag, cable(8))
        XCTAssertEqual(try Driver.check(text: tag, path: path).cellTypes[0].nodes.count, 8)
    }

    /// A cable's mark (`neuroLexId="sao864921383"`) written with a space is the same mark: it was
    /// compared untrimmed, so the two segments of this cable silently became two sections.
    func testACableMarkWithSpacesIsTheSameMark() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("cable_mark_\(ProcessInfo.processInfo.processIdentifier).xml").path
        // The cable of `cable(4)` as two segments in its one marked group.
        let second = "<segment id=\"1\" name=\"cable2\"><parent segment=\"0\"/><distal x=\"\(2 * Self.length)\" y=\"0\" z=\"0\" diameter=\"\(Self.diameter)\"/></segment>"
        let text = cable(4).replacingOccurrences(of: "</segment>", with: "</segment>" + second)
            .replacingOccurrences(of: "<member segment=\"0\"/>", with: "<member segment=\"0\"/><member segment=\"1\"/>")
            .replacingOccurrences(of: "neuroLexId=\"sao864921383\"", with: "neuroLexId=\" sao864921383\"")
        XCTAssertTrue(text.contains("neuroLexId=\" sao864921383\"") && text.contains("<member segment=\"1\"/>"))
        let ct = try Driver.check(text: text, path: path).cellTypes[0]
        XCTAssertEqual(ct.sections.count, 1)
        XCTAssertEqual(ct.nodes.count, 4)
    }

    /// Steady-state potentials (mV) at the compartment centres after 400 ms (40 membrane time constants).
    func steadyState(_ n: Int, extra: String = "") throws -> [Double] {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("cable\(n).xml").path
        let ir = try Driver.check(text: cable(n, extra: extra), path: path)
        XCTAssertEqual(ir.cellTypes[0].nodes.count, n, "a one-section cable has only its compartments once the sealed ends are dropped")
        let lib = try KernelLibrary(path: try Driver.compile(ir, cache: TestPaths.cache).library)
        let sim = try Simulator(model: ir, library: lib, dt: 0.025)
        for _ in 0..<16000 { sim.advance() }
        let v = sim.voltages(population: 0, cell: 0)
        return ir.cellTypes[0].sections[0].nodes.map { v[$0] }
    }

    /// V(x) - E = I r_a λ cosh((L - x)/λ) / sinh(L/λ), in mV, x in um.
    func analytic(_ x: Double, ra: Double = CableTests.ra) -> Double {
        let d = Self.diameter * 1e-4, L = Self.length * 1e-4  // cm
        let rm = 1 / Self.gLeak                               // ohm cm2
        let lambda = (d * rm / (4 * ra)).squareRoot()        // cm
        let raPerLength = 4 * ra / (Double.pi * d * d)        // ohm / cm
        let v = Self.current * 1e-9 * raPerLength * lambda * cosh((L - x * 1e-4) / lambda) / sinh(L / lambda)
        return v * 1000
    }

    func testDiscreteSolutionMatchesAnIndependentSolve() throws {
        // The discretised steady state: g_a (V[i-1] - V[i]) + g_a (V[i+1] - V[i]) - g_m (V[i] - E) + I δ_i0 = 0,
        // with g_a = π d² / (4 Ra h) and g_m = g_leak π d h, solved by the Thomas algorithm.
        let n = 20
        let h = Self.length / Double(n) * 1e-4, d = Self.diameter * 1e-4           // cm
        let ga = Double.pi * d * d / (4 * Self.ra * h) * 1e6                        // uS
        let gm = Self.gLeak * Double.pi * d * h * 1e6                               // uS
        var diag = [Double](repeating: 0, count: n), rhs = [Double](repeating: 0, count: n)
        for i in 0..<n { diag[i] = gm + (i > 0 ? ga : 0) + (i < n - 1 ? ga : 0) }
        rhs[0] = Self.current
        var c = [Double](repeating: 0, count: n), r = rhs
        c[0] = -ga / diag[0]; r[0] = rhs[0] / diag[0]
        for i in 1..<n {
            let m = diag[i] + ga * c[i - 1]
            c[i] = -ga / m
            r[i] = (rhs[i] + ga * r[i - 1]) / m
        }
        var x = [Double](repeating: 0, count: n)
        x[n - 1] = r[n - 1]
        for i in stride(from: n - 2, through: 0, by: -1) { x[i] = r[i] - c[i] * x[i + 1] }
        let v = try steadyState(n)
        for i in 0..<n { XCTAssertEqual(v[i] + 70, x[i], accuracy: 1e-9 * abs(x[0]), "compartment \(i)") }
    }

    func testSteadyStateConvergesToTheAnalyticCable() throws {
        var worst: [Int: Double] = [:]
        for n in [20, 100] {
            let v = try steadyState(n)
            let h = Self.length / Double(n)
            worst[n] = (0..<n).map { i in abs((v[i] + 70) - analytic((Double(i) + 0.5) * h)) / analytic((Double(i) + 0.5) * h) }.max()!
        }
        print("cable steady state, worst relative error vs analytic: 20 compartments \(worst[20]!), 100 compartments \(worst[100]!)")
        // Second-order convergence: 5x finer compartments, ~25x smaller error.
        XCTAssertLessThan(worst[20]!, 2e-4, "20 compartments: worst relative error")
        XCTAssertLessThan(worst[100]!, 1e-5, "100 compartments: worst relative error")
        XCTAssertGreaterThan(worst[20]! / worst[100]!, 15, "convergence order")
    }

    /// The axial resistivity a search sets (`brc:setParameter cell= name="resistivity"`, as
    /// best/LEMS_best.xml writes it) reaches the kernels at run time: the same compiled library,
    /// and the steady state of the cable with Ra = 300 ohm cm matches its analytic solution.
    func testSetAxialResistivityMatchesTheAnalyticCable() throws {
        let n = 100, h = Self.length / Double(n)
        let override = #"<brc:setParameter xmlns:brc="urn:brcc:brc:1" cell="cable" name="resistivity" value="300 ohm_cm"/>"#
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("cable-ra.xml").path
        let base = try Driver.check(text: cable(n), path: path), changed = try Driver.check(text: cable(n, extra: override), path: path)
        XCTAssertEqual(try Driver.compile(base, cache: TestPaths.cache).library, try Driver.compile(changed, cache: TestPaths.cache).library,
                       "the kernels do not depend on the axial resistivity")
        XCTAssertEqual(changed.cellTypes[0].nodes[1].gAxial * 3, base.cellTypes[0].nodes[1].gAxial, accuracy: 1e-15)
        let v = try steadyState(n, extra: override)
        let worst = (0..<n).map { i in abs((v[i] + 70) - analytic((Double(i) + 0.5) * h, ra: 300)) / analytic((Double(i) + 0.5) * h, ra: 300) }.max()!
        XCTAssertLessThan(worst, 1e-5, "Ra 300 ohm cm, 100 compartments: worst relative error \(worst)")
        // Against the Ra = 100 cable the far end is clearly lower (the check can fail).
        XCTAssertLessThan(v[n - 1] + 70, 0.9 * analytic(Self.length - h / 2))
    }
}
