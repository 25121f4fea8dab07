import BRCDriver
import Foundation
import XCTest

/// LEMS `<Regime>`s of a model's own ComponentType: a regime's own `<StateVariable>` (LEMS's
/// example8, a refractory integrate-and-fire cell), OnEntry and Transitions. The fixture is
/// written here.
final class LEMSRegimeTests: XCTestCase {
    /// A refractory cell whose refractory regime declares its own state `tin`, set on entry to
    /// the time it entered. Stepped against the documented scheme (docs/numerics.md, "Conditions,
    /// then current"): each step's conditions run first, at the step's midpoint t_n + dt/2 on
    /// the state at t_n; then, in the integrating regime, v takes one backward Euler step (v' =
    /// (v + dt (I + g E)/C) / (1 + dt g/C)); in the refractory regime v is held at vreset.
    func testARegimesOwnStateVariableKeepsItsEntryTime() throws {
        let path = try writeModel("""
        <Lems>
            <Target component="sim"/>
            <Include file="NeuroMLCoreDimensions.xml"/>
            <Include file="Simulation.xml"/>
            <ComponentType name="RefractoryIaf">
                <Parameter name="threshold" dimension="voltage"/>
                <Parameter name="refractoryPeriod" dimension="time"/>
                <Parameter name="C" dimension="capacitance"/>
                <Parameter name="g" dimension="conductance"/>
                <Parameter name="E" dimension="voltage"/>
                <Parameter name="I" dimension="current"/>
                <Parameter name="vreset" dimension="voltage"/>
                <Exposure name="v" dimension="voltage"/>
                <Exposure name="tin" dimension="time"/>
                <Dynamics>
                    <StateVariable name="v" dimension="voltage" exposure="v"/>
                    <OnStart><StateAssignment variable="v" value="vreset"/></OnStart>
                    <Regime name="refractory">
                        <StateVariable name="tin" dimension="time" exposure="tin"/>
                        <OnEntry>
                            <StateAssignment variable="tin" value="t"/>
                            <StateAssignment variable="v" value="vreset"/>
                        </OnEntry>
                        <OnCondition test="t .gt. tin + refractoryPeriod"><Transition regime="integrating"/></OnCondition>
                    </Regime>
                    <Regime name="integrating" initial="true">
                        <TimeDerivative variable="v" value="(I + g * (E - v)) / C"/>
                        <OnCondition test="v .gt. threshold"><Transition regime="refractory"/></OnCondition>
                    </Regime>
                </Dynamics>
            </ComponentType>
            <Component id="cell" type="RefractoryIaf" threshold="-50mV" refractoryPeriod="5.003ms" C="10pF" g="1nS" E="-70mV" I="30pA" vreset="-80mV"/>
            <Simulation id="sim" length="60ms" step="0.01ms" target="cell">
                <OutputFile id="of" fileName="v.dat">
                    <OutputColumn id="v" quantity="v"/>
                    <OutputColumn id="tin" quantity="tin"/>
                </OutputFile>
            </Simulation>
        </Lems>
        """, label: "lems-regime")
        let rows = try XCTUnwrap(runSimulationByFile(path)["v.dat"])
        XCTAssertEqual(rows.count, 6001)
        let (dt, threshold, refractory, vreset, C, g, E, I) = (1e-5, -0.050, 5.003e-3, -0.080, 10e-12, 1e-9, -0.070, 30e-12)
        var (v, tin, integrating, entries) = (vreset, 0.0, true, 0)
        for n in 0..<rows.count {
            XCTAssertEqual(rows[n][1], v, accuracy: 1e-12, "v, row \(n)")
            XCTAssertEqual(rows[n][2], tin, accuracy: 1e-12, "tin, row \(n)")
            let t = (Double(n) + 0.5) * dt
            if integrating && v > threshold {
                (integrating, tin, v, entries) = (false, t, vreset, entries + 1)
            } else if !integrating && t > tin + refractory {
                integrating = true
            }
            if integrating { v = (v + dt * (I + g * E) / C) / (1 + dt * g / C) }
        }
        XCTAssertEqual(entries, 3, "three refractory periods in 60 ms")
    }

    /// The initial regime's OnEntry runs after OnStart, at t = 0 (as jLEMS enters it); a rate
    /// linear in its state is exact over the step in each regime (language.md 3.3); a
    /// ConditionalDerivedVariable without a default case is 0 where no case holds (jLEMS). The
    /// reference is each step's closed form, on the recorded rows (regime known from `m`, which
    /// each regime's OnEntry sets). Found by the fourth numerical audit (docs/numerics.md).
    func testInitialOnEntryExactRegimeRatesAndCaseWithoutDefault() throws {
        let path = try writeModel("""
        <Lems>
            <Target component="sim"/>
            <Include file="NeuroMLCoreDimensions.xml"/>
            <Include file="Simulation.xml"/>
            <ComponentType name="Osc">
                <Parameter name="tau1" dimension="time"/>
                <Parameter name="tau2" dimension="time"/>
                <Exposure name="x" dimension="none"/>
                <Exposure name="m" dimension="none"/>
                <Exposure name="tin" dimension="time"/>
                <Exposure name="high" dimension="none"/>
                <Dynamics>
                    <StateVariable name="x" dimension="none" exposure="x"/>
                    <StateVariable name="m" dimension="none" exposure="m"/>
                    <StateVariable name="tin" dimension="time" exposure="tin"/>
                    <ConditionalDerivedVariable name="high" dimension="none" exposure="high">
                        <Case condition="x .gt. 1" value="7"/>
                    </ConditionalDerivedVariable>
                    <OnStart><StateAssignment variable="x" value="0.3"/><StateAssignment variable="m" value="1"/><StateAssignment variable="tin" value="-tau1"/></OnStart>
                    <Regime name="down">
                        <OnEntry><StateAssignment variable="m" value="3"/></OnEntry>
                        <TimeDerivative variable="x" value="-x / tau2"/>
                        <OnCondition test="x .lt. 0.2"><Transition regime="up"/></OnCondition>
                    </Regime>
                    <Regime name="up" initial="true">
                        <OnEntry><StateAssignment variable="m" value="m + 1"/><StateAssignment variable="tin" value="t"/></OnEntry>
                        <TimeDerivative variable="x" value="(1.5 - x) / tau1"/>
                        <OnCondition test="x .gt. 1.2"><Transition regime="down"/></OnCondition>
                    </Regime>
                </Dynamics>
            </ComponentType>
            <Osc id="o1" tau1="3ms" tau2="4ms"/>
            <Simulation id="sim" length="40ms" step="0.1ms" target="o1">
                <OutputFile id="of" fileName="reg.dat">
                    <OutputColumn id="x" quantity="x"/>
                    <OutputColumn id="m" quantity="m"/>
                    <OutputColumn id="tin" quantity="tin"/>
                    <OutputColumn id="high" quantity="high"/>
                </OutputFile>
            </Simulation>
        </Lems>
        """, label: "lems-regime-entry")
        let rows = try XCTUnwrap(runSimulationByFile(path)["reg.dat"])
        XCTAssertEqual(rows.count, 401)
        // OnStart set m = 1 and tin = -tau1; the initial regime's OnEntry then m = m + 1 = 2, tin = 0.
        XCTAssertEqual(rows[0][2], 2)
        XCTAssertEqual(rows[0][3], 0)
        let dt = 1e-4
        var (exactUp, exactDown, entries) = (0, 0, 0)
        for n in 1..<rows.count {
            let (x0, x1) = (rows[n - 1][1], rows[n][1])
            if rows[n][2] != rows[n - 1][2] { entries += 1; continue }
            if rows[n][2] == 3 {
                XCTAssertEqual(x1, x0 * exp(-dt / 4e-3), accuracy: 1e-13, "down, row \(n)"); exactDown += 1
            } else {
                XCTAssertEqual(x1, 1.5 + (x0 - 1.5) * exp(-dt / 3e-3), accuracy: 1e-13, "up, row \(n)"); exactUp += 1
            }
        }
        XCTAssertGreaterThan(entries, 4, "the regimes alternate")
        XCTAssertGreaterThan(exactUp, 50)
        XCTAssertGreaterThan(exactDown, 50)
        for (n, r) in rows.enumerated() { XCTAssertEqual(r[4], r[1] > 1 ? 7 : 0, "high, row \(n)") }
        XCTAssertTrue(rows.contains { $0[4] == 0 } && rows.contains { $0[4] == 7 })
    }
}
