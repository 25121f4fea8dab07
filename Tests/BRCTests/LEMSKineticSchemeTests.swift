import BRCDriver
import BRCIR
import Foundation
import XCTest

/// LEMS's `<KineticScheme>`, `<Fixed>`, `<Link>` and `<ComponentReference>` with
/// `<Structure><ChildInstance>`, in the form LEMS's own examples write a kinetic channel
/// (example4.xml of the LEMS repository). The fixtures are written here.
final class LEMSKineticSchemeTests: XCTestCase {
    private func write(_ text: String, _ name: String = "m.xml") throws -> String { try writeModel(text, name, label: "lems-ks") }

    /// Occupancy nodes, rate edges and a holder whose KineticScheme links them.
    private let schemeTypes = """
        <Include file="NeuroMLCoreDimensions.xml"/>
        <Include file="Simulation.xml"/>
        <ComponentType name="Occupancy">
            <Parameter name="weight" dimension="none"/>
            <Exposure name="occupancy" dimension="none"/>
            <Exposure name="q" dimension="none"/>
            <Dynamics>
                <StateVariable name="occupancy" dimension="none" exposure="occupancy"/>
                <DerivedVariable name="q" dimension="none" exposure="q" value="weight * occupancy"/>
            </Dynamics>
        </ComponentType>
        <ComponentType name="OpenOccupancy" extends="Occupancy">
            <Fixed parameter="weight" value="1"/>
        </ComponentType>
        <ComponentType name="Step">
            <Link name="from" type="Occupancy"/>
            <Link name="to" type="Occupancy"/>
            <Parameter name="kf" dimension="per_time"/>
            <Parameter name="kr" dimension="per_time"/>
            <Exposure name="rf" dimension="per_time"/>
            <Exposure name="rr" dimension="per_time"/>
            <Dynamics>
                <DerivedVariable name="rf" dimension="per_time" exposure="rf" value="kf"/>
                <DerivedVariable name="rr" dimension="per_time" exposure="rr" value="kr"/>
            </Dynamics>
        </ComponentType>
        <ComponentType name="Chain">
            <Children name="nodes" type="Occupancy"/>
            <Children name="steps" type="Step"/>
            <Exposure name="open" dimension="none"/>
            <Dynamics>
                <KineticScheme name="ks" nodes="nodes" stateVariable="occupancy" edges="steps"
                               edgeSource="from" edgeTarget="to" forwardRate="rf" reverseRate="rr"/>
                <DerivedVariable name="open" dimension="none" exposure="open" select="nodes[*]/q" reduce="add"/>
            </Dynamics>
        </ComponentType>
    """

    /// A chain a <-> b <-> c (2 and 0.5 per ms, 1 and 0.25 per ms) from a = 1, c open.
    private func chain(step: String, c: String = "<OpenOccupancy id=\"c\"/>", link: String = "b") -> String {
        """
        <Lems>
            <Target component="sim"/>
        \(schemeTypes)
            <Chain id="chain">
                <Occupancy id="a" weight="0"/>
                <Occupancy id="b" weight="0"/>
                \(c)
                <Step from="a" to="\(link)" kf="2per_ms" kr="0.5per_ms"/>
                <Step from="b" to="c" kf="1per_ms" kr="0.25per_ms"/>
            </Chain>
            <Simulation id="sim" length="10ms" step="\(step)" target="chain">
                <OutputFile id="of" fileName="ks.dat">
                    <OutputColumn id="a" quantity="a/occupancy"/>
                    <OutputColumn id="b" quantity="b/occupancy"/>
                    <OutputColumn id="c" quantity="c/occupancy"/>
                    <OutputColumn id="open" quantity="open"/>
                </OutputFile>
            </Simulation>
        </Lems>
        """
    }

    /// The chain's generator Q (per ms): dp/dt = Q p.
    private let q: [[Double]] = [[-2, 0.5, 0], [2, -1.5, 0.25], [0, 1, -0.25]]

    /// The occupancies step by step: implicit Euler, (I - dt Q) p' = p with the last row
    /// replaced by Σ p' = 1 (solved here by Cramer's rule), as brcc integrates a scheme; and
    /// the exact solution (RK4 at dt = 1e-4 ms, error below 1e-12) it converges to at first order.
    func testAKineticSchemeIsImplicitEulerAndConvergesToTheExactSolution() throws {
        func det(_ m: [[Double]]) -> Double {
            m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0])
        }
        func exact(at t: Double) -> [Double] {
            var p = [1.0, 0, 0]
            let h = 1e-4
            func f(_ p: [Double]) -> [Double] { (0..<3).map { i in (0..<3).reduce(0) { $0 + q[i][$1] * p[$1] } } }
            for _ in 0..<Int((t / h).rounded()) {
                let k1 = f(p), k2 = f(zip(p, k1).map { $0 + h / 2 * $1 }), k3 = f(zip(p, k2).map { $0 + h / 2 * $1 }), k4 = f(zip(p, k3).map { $0 + h * $1 })
                p = (0..<3).map { p[$0] + h / 6 * (k1[$0] + 2 * k2[$0] + 2 * k3[$0] + k4[$0]) }
            }
            return p
        }
        let reference = [2.0, 5.0, 10.0].map { (t: $0, p: exact(at: $0)) }
        var errors: [Double] = []
        for dt in [0.01, 0.005] {
            let rows = try XCTUnwrap(runSimulationByFile(write(chain(step: "\(dt)ms")))["ks.dat"])
            XCTAssertEqual(rows.count, Int((10 / dt).rounded()) + 1)
            var a = (0..<3).map { i in (0..<3).map { j in (i == j ? 1 : 0) - dt * q[i][j] } }
            a[2] = [1, 1, 1]
            let d = det(a)
            var p = [1.0, 0, 0]
            var worst = 0.0
            for (n, r) in rows.enumerated() {
                if n > 0 {
                    let b = [p[0], p[1], 1]
                    p = (0..<3).map { k in det(a.enumerated().map { i, row in row.enumerated().map { j, x in j == k ? b[i] : x } }) / d }
                }
                worst = max(worst, zip(p, r[1...3]).map { abs($0 - $1) }.max()!)
                XCTAssertEqual(r[1] + r[2] + r[3], 1, accuracy: 1e-12, "Σ occupancies at row \(n)")
                XCTAssertEqual(r[4], r[3], accuracy: 1e-15, "open = c (weights 0, 0 and the Fixed 1)")
            }
            XCTAssertLessThan(worst, 1e-12, "dt \(dt): the implicit Euler recurrence")
            errors.append(reference.map { ref in zip(ref.p, rows[Int((ref.t / dt).rounded())][1...3]).map { abs($0 - $1) }.max()! }.max()!)
        }
        XCTAssertGreaterThan(errors[0], 1e-3, "dt 0.01 ms: first order, not exact")
        XCTAssertLessThan(errors[0], 5e-3, "dt 0.01 ms")
        XCTAssertEqual(errors[1] / errors[0], 0.5, accuracy: 0.05, "halving dt halves the error: \(errors)")
    }

    /// A KS cell as LEMS's example4 writes one: ChannelPopulations name their channel by a
    /// ComponentReference and instantiate it with ChildInstance (each its own copy), the
    /// channel's gate holds a KineticScheme of four states, the transitions read the cell's v
    /// two levels up, and geff is declared without a dimension. The reference is this model's
    /// equations solved independently (scipy's Radau, rtol 1e-9, max step 0.01 ms): spikes
    /// (0 mV upward) at 1.133, 7.295, 13.169, 18.872 and 24.420 ms. The same cell with the
    /// channel written inline as a Child gives the same bits.
    func testAChannelOfLEMSExampleFourMatchesAnIndependentSolution() throws {
        func cell(inline: Bool) -> String {
            let channels = """
                <KSChannel id="na1" conductance="20pS">
                    <KSGate power="1" deltaV="0.1mV">
                        <KSClosedState id="c1"/><KSClosedState id="c2"/><KSOpenState id="o1" relativeConductance="1"/><KSClosedState id="c3"/>
                        <VHalfTransition from="c1" to="c2" vHalf="-35mV" z="2.5" gamma="0.8" tau="0.15ms" tauMin="0.001ms"/>
                        <VHalfTransition from="c2" to="o1" vHalf="-35mV" z="2.5" gamma="0.8" tau="0.15ms" tauMin="0.001ms"/>
                        <VHalfTransition from="o1" to="c3" vHalf="-70mV" z="1.1" gamma="0.90" tau="8.0ms" tauMin="0.01ms"/>
                    </KSGate>
                </KSChannel>
                <KSChannel id="k1" conductance="30pS">
                    <KSGate power="1" deltaV="0.1mV">
                        <KSClosedState id="c1"/><KSOpenState id="o1"/>
                        <VHalfTransition from="c1" to="o1" vHalf="0mV" z="1.5" gamma="0.75" tau="3.2ms" tauMin="0.3ms"/>
                    </KSGate>
                </KSChannel>
            """
            let populations = inline
                ? channels.replacingOccurrences(of: "<KSChannel id=\"na1\"", with: "<ChannelPopulation id=\"pna\" number=\"400\" erev=\"50mV\"><channel type=\"KSChannel\"")
                    .replacingOccurrences(of: "<KSChannel id=\"k1\"", with: "<ChannelPopulation id=\"pk\" number=\"180\" erev=\"-77mV\"><channel type=\"KSChannel\"")
                    .replacingOccurrences(of: "</KSChannel>", with: "</channel></ChannelPopulation>")
                : "<ChannelPopulation id=\"pna\" channel=\"na1\" number=\"400\" erev=\"50mV\"/><ChannelPopulation id=\"pk\" channel=\"k1\" number=\"180\" erev=\"-77mV\"/>"
            let channel = inline ? "<Child name=\"channel\" type=\"KSChannel\"/>" : "<ComponentReference name=\"channel\" type=\"KSChannel\"/>"
            return """
            <Lems>
                <Target component="sim"/>
                <Include file="NeuroMLCoreDimensions.xml"/>
                <Include file="Simulation.xml"/>
                <ComponentType name="KSChannel">
                    <Parameter name="conductance" dimension="conductance"/>
                    <Children name="gates" type="KSGate"/>
                    <Exposure name="g" dimension="conductance"/>
                    <Dynamics>
                        <DerivedVariable name="fopen" dimension="none" select="gates[*]/fopen" reduce="multiply"/>
                        <DerivedVariable name="g" exposure="g" dimension="conductance" value="fopen * conductance"/>
                    </Dynamics>
                </ComponentType>
                <ComponentType name="KSGate">
                    <Parameter name="power" dimension="none"/>
                    <Parameter name="deltaV" dimension="voltage"/>
                    <Children name="states" type="KSState"/>
                    <Children name="transitions" type="KSTransition"/>
                    <Exposure name="fopen" dimension="none"/>
                    <Dynamics>
                        <KineticScheme name="ks" nodes="states" stateVariable="occupancy" edges="transitions"
                                       edgeSource="from" edgeTarget="to" forwardRate="rf" reverseRate="rr"/>
                        <DerivedVariable name="q" dimension="none" select="states[*]/q" reduce="add"/>
                        <DerivedVariable name="fopen" exposure="fopen" dimension="none" value="q^power"/>
                    </Dynamics>
                </ComponentType>
                <ComponentType name="KSState">
                    <Parameter name="relativeConductance" dimension="none"/>
                    <Exposure name="q" dimension="none"/>
                    <Exposure name="occupancy" dimension="none"/>
                    <Dynamics>
                        <StateVariable name="occupancy" exposure="occupancy" dimension="none"/>
                        <DerivedVariable name="q" exposure="q" value="relativeConductance * occupancy"/>
                    </Dynamics>
                </ComponentType>
                <ComponentType name="KSClosedState" extends="KSState"><Fixed parameter="relativeConductance" value="0"/></ComponentType>
                <ComponentType name="KSOpenState" extends="KSState"><Fixed parameter="relativeConductance" value="1"/></ComponentType>
                <ComponentType name="KSTransition">
                    <Link name="from" type="KSState"/>
                    <Link name="to" type="KSState"/>
                    <Exposure name="rf" dimension="per_time"/>
                    <Exposure name="rr" dimension="per_time"/>
                </ComponentType>
                <ComponentType name="VHalfTransition" extends="KSTransition">
                    <Parameter name="vHalf" dimension="voltage"/>
                    <Parameter name="z" dimension="none"/>
                    <Parameter name="gamma" dimension="none"/>
                    <Parameter name="tau" dimension="time"/>
                    <Parameter name="tauMin" dimension="time"/>
                    <Constant name="kte" dimension="voltage" value="25.3mV"/>
                    <Requirement name="v" dimension="voltage"/>
                    <Dynamics>
                        <DerivedVariable name="rf0" dimension="per_time" value="exp(z * gamma * (v - vHalf) / kte) / tau"/>
                        <DerivedVariable name="rr0" dimension="per_time" value="exp(-z * (1 - gamma) * (v - vHalf) / kte) / tau"/>
                        <DerivedVariable name="rf" exposure="rf" dimension="per_time" value="1 / (1/rf0 + tauMin)"/>
                        <DerivedVariable name="rr" exposure="rr" dimension="per_time" value="1 / (1/rr0 + tauMin)"/>
                    </Dynamics>
                </ComponentType>
                <ComponentType name="ChannelPopulation">
                    \(channel)
                    <Parameter name="number" dimension="none"/>
                    <Parameter name="erev" dimension="voltage"/>
                    <Requirement name="v" dimension="voltage"/>
                    <Exposure name="current" dimension="current"/>
                    <Dynamics>
                        <DerivedVariable name="channelg" dimension="conductance" select="channel/g"/>
                        <DerivedVariable name="geff" value="channelg * number"/>
                        <DerivedVariable name="current" exposure="current" dimension="current" value="geff * (erev - v)"/>
                    </Dynamics>
                    \(inline ? "" : "<Structure><ChildInstance component=\"channel\"/></Structure>")
                </ComponentType>
                <ComponentType name="KSCell">
                    <Parameter name="capacitance" dimension="capacitance"/>
                    <Children name="populations" type="ChannelPopulation"/>
                    <Parameter name="injection" dimension="current"/>
                    <Parameter name="v0" dimension="voltage"/>
                    <Exposure name="v" dimension="voltage"/>
                    <Dynamics>
                        <OnStart><StateAssignment variable="v" value="v0"/></OnStart>
                        <DerivedVariable name="totcurrent" dimension="current" select="populations[*]/current" reduce="add"/>
                        <StateVariable name="v" exposure="v" dimension="voltage"/>
                        <TimeDerivative variable="v" value="(totcurrent + injection) / capacitance"/>
                    </Dynamics>
                </ComponentType>
                \(inline ? "" : channels)
                <KSCell id="kscell_1" capacitance="0.5pF" injection="0.1pA" v0="-60mV">\(populations)</KSCell>
                <Simulation id="sim" length="26ms" step="0.0005ms" target="kscell_1">
                    <OutputFile id="of" fileName="v.dat"><OutputColumn id="v" quantity="v"/><OutputColumn id="o" quantity="pna/geff"/></OutputFile>
                </Simulation>
            </Lems>
            """
        }
        let referenced = try XCTUnwrap(runSimulationByFile(write(cell(inline: false), "ref.xml"))["v.dat"])
        let inline = try XCTUnwrap(runSimulationByFile(write(cell(inline: true), "inline.xml"))["v.dat"])
        XCTAssertEqual(referenced.count, 52_001)
        XCTAssertTrue(referenced == inline, "ChildInstance of a reference and an inline Child: the same bits")
        let spikes = spikeTimes(t: referenced.map { $0[0] }, v: referenced.map { $0[1] })
        let radau = [1.133, 7.295, 13.169, 18.872, 24.420]
        XCTAssertEqual(spikes.count, radau.count, "spikes \(spikes)")
        for (s, r) in zip(spikes, radau) { XCTAssertEqual(s, r, accuracy: 0.02, "spike near \(r) ms") }
        let geff = referenced.map { $0[2] * 1e9 }
        XCTAssertGreaterThanOrEqual(geff.min()!, 0, "pna's geff (nS): 400 x 20 pS x the open occupancy")
        XCTAssertLessThanOrEqual(geff.max()!, 8 + 1e-9, "at most every channel open")
        XCTAssertGreaterThan(geff.max()!, 5, "most channels open at a spike's peak")
    }

    /// Each misuse is one located error: a Fixed parameter given another value (BRC-E0130), a
    /// Link to no node (BRC-E0107), a node without the scheme's state variable (BRC-E0605).
    func testKineticSchemeMistakesAreLocatedErrors() throws {
        for (text, code) in [
            (chain(step: "0.01ms", c: "<OpenOccupancy id=\"c\" weight=\"0.5\"/>"), "BRC-E0130"),
            (chain(step: "0.01ms", link: "z"), "BRC-E0107"),
            (chain(step: "0.01ms").replacingOccurrences(of: "stateVariable=\"occupancy\"", with: "stateVariable=\"p\""), "BRC-E0605"),
        ] {
            let errors = modelErrors(try write(text, "bad.xml"))
            XCTAssertEqual(errors.map { String($0.prefix(9)) }, [code], "\(errors)")
        }
    }
}
