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
}
