import BRCDriver
import Foundation
import XCTest

/// LEMS point cells of a model's own ComponentType: Properties, and the first step's current.
final class LEMSPointCellTests: XCTestCase {
    /// A LEMS `<Property>` that no connection sets has its `defaultValue` (as jLEMS runs it);
    /// only a connection's or an input's `weight` sets one.
    /// dx/dt = w / tau with the Property w = 2.5 and tau = 10 ms: x = 2.5 t / 10 ms, exactly
    /// (a rate that does not read x is exact under either of brcc's rules).
    func testAPointCellsPropertyHasItsDefaultValue() throws {
        let path = try writeModel("""
        <Lems>
            <Target component="sim"/>
            <Include file="NeuroMLCoreDimensions.xml"/>
            <Include file="Simulation.xml"/>
            <ComponentType name="Ramp">
                <Parameter name="tau" dimension="time"/>
                <Property name="w" dimension="none" defaultValue="2.5"/>
                <Property name="unset" dimension="none"/>
                <Exposure name="x" dimension="none"/>
                <Exposure name="z" dimension="none"/>
                <Dynamics>
                    <StateVariable name="x" dimension="none" exposure="x"/>
                    <DerivedVariable name="z" dimension="none" exposure="z" value="unset + 1"/>
                    <TimeDerivative variable="x" value="w / tau"/>
                </Dynamics>
            </ComponentType>
            <Ramp id="r" tau="10ms"/>
            <Simulation id="sim" length="5ms" step="0.1ms" target="r">
                <OutputFile id="of" fileName="x.dat"><OutputColumn id="x" quantity="x"/><OutputColumn id="z" quantity="z"/></OutputFile>
            </Simulation>
        </Lems>
        """, label: "lems-property")
        let rows = try XCTUnwrap(runSimulationByFile(path)["x.dat"])
        XCTAssertEqual(rows.count, 51)
        for r in rows {
            XCTAssertEqual(r[1], 2.5 * r[0] / 10e-3, accuracy: 1e-12, "x at t = \(r[0])")
            XCTAssertEqual(r[2], 1, "a Property without defaultValue is 0")
        }
    }

    /// A FitzHugh-Nagumo cell in mV: the current held into its first step is computed at
    /// NEURON's defaults (v = -65 mV, w = 0), as jNeuroML's NEURON export computes it
    /// (docs/numerics.md, "LEMS point cells"): dv/dt = -65 + 65^3/300 + 5 = 855.42 mV/ms, where
    /// its initial state (v = -12, w = -6 mV) gives -12 + 12^3/300 + 6 + 5 = 4.76 mV/ms.
    /// BRC-W0136 says so at the component, and the first step moves v by dt x 855.42 mV/ms.
    func testAFirstStepFarFromTheCellsOwnStateIsWarnedOf() throws {
        let path = try writeModel("""
        <Lems>
            <Target component="sim"/>
            <Include file="NeuroMLCoreDimensions.xml"/>
            <Include file="Simulation.xml"/>
            <Include file="Cells.xml"/>
            <ComponentType name="FNmV" extends="baseCellMembPot">
                <Parameter name="V0" dimension="voltage"/>
                <Parameter name="tau" dimension="time"/>
                <Parameter name="tauw" dimension="time"/>
                <Parameter name="a" dimension="voltage"/>
                <Parameter name="b" dimension="none"/>
                <Parameter name="I" dimension="voltage"/>
                <Dynamics>
                    <StateVariable name="v" dimension="voltage" exposure="v"/>
                    <StateVariable name="w" dimension="voltage"/>
                    <TimeDerivative variable="v" value="(v - v * v * v / (3 * V0 * V0) - w + I) / tau"/>
                    <TimeDerivative variable="w" value="(v + a - b * w) / tauw"/>
                    <OnStart><StateAssignment variable="v" value="-1.2 * V0"/><StateAssignment variable="w" value="-0.6 * V0"/></OnStart>
                </Dynamics>
            </ComponentType>
            <FNmV id="fn" V0="10mV" tau="1ms" tauw="12.5ms" a="7mV" b="0.8" I="5mV"/>
            <Simulation id="sim" length="1ms" step="0.05ms" target="fn">
                <OutputFile id="of" fileName="fn.dat"><OutputColumn id="v" quantity="v"/></OutputFile>
            </Simulation>
        </Lems>
        """, label: "lems-first-step")
        let (_, diagnostics) = try Driver.check(path)
        let w = try XCTUnwrap(diagnostics.first { $0.id == "BRC-W0136" }, "\(diagnostics.map(\.message))")
        XCTAssertEqual(w.location.line, 21, "at the component")
        XCTAssertTrue(w.message.contains("855.4 mV/ms") && w.message.contains("4.76 mV/ms"), w.message)
        let rows = try XCTUnwrap(runSimulationByFile(path)["fn.dat"])
        XCTAssertEqual(rows[0][1], -0.012, accuracy: 1e-15)
        XCTAssertEqual(rows[1][1], (-12 + 0.05 * (-65 + 65.0 * 65 * 65 / 300 + 5)) * 1e-3, accuracy: 1e-12, "v after the first step (V)")
        // A cell started where NEURON's defaults are has no such step: no warning.
        let quiet = try writeModel(try String(contentsOfFile: path, encoding: .utf8).replacingOccurrences(of: "-1.2 * V0", with: "-6.5 * V0").replacingOccurrences(of: "-0.6 * V0", with: "0 * V0"), "quiet.xml", label: "lems-first-step")
        XCTAssertFalse(try Driver.check(quiet).1.contains { $0.id == "BRC-W0136" })
    }
}
