import BRCDriver
import Foundation
import XCTest

/// LEMS paths that select another component's value: `<DerivedParameter select=
/// "//TYPE[ATTR=PATH]/NAME">` (LEMS's example5: a channel population takes its reversal
/// potential from the environment's entry for its channel's species). The fixture is written here.
final class LEMSPathTests: XCTestCase {
    /// A cell of two leak populations, each a ChildInstance of its channel; their reversal
    /// potentials are selected by species from `env` (`erevs` gives its entries).
    private func model(select: String = "//MembranePotential[species=channel/species]/reversal",
                       erevs: String = "<MembranePotential species=\"Na\" reversal=\"50mV\"/><MembranePotential species=\"K\" reversal=\"-80mV\"/>") -> String {
        """
        <Lems>
            <Target component="sim"/>
            <Include file="NeuroMLCoreDimensions.xml"/>
            <Include file="Simulation.xml"/>
            <ComponentType name="Species"><Parameter name="charge" dimension="none"/></ComponentType>
            <ComponentType name="Environment"><Children name="potentials" type="MembranePotential"/></ComponentType>
            <ComponentType name="MembranePotential">
                <ComponentReference name="species" type="Species"/>
                <Parameter name="reversal" dimension="voltage"/>
            </ComponentType>
            <Species id="Na" charge="1"/>
            <Species id="K" charge="1"/>
            <Environment id="env">\(erevs)</Environment>
            <ComponentType name="Leak">
                <Parameter name="conductance" dimension="conductance"/>
                <ComponentReference name="species" type="Species"/>
                <Exposure name="g" dimension="conductance"/>
                <Dynamics><DerivedVariable name="g" exposure="g" dimension="conductance" value="conductance"/></Dynamics>
            </ComponentType>
            <Leak id="naLeak" conductance="1nS" species="Na"/>
            <Leak id="kLeak" conductance="4nS" species="K"/>
            <ComponentType name="LeakPopulation">
                <ComponentReference name="channel" type="Leak"/>
                <Requirement name="v" dimension="voltage"/>
                <Exposure name="current" dimension="current"/>
                <DerivedParameter name="erev" dimension="voltage" select="\(select)"/>
                <Dynamics>
                    <DerivedVariable name="g" dimension="conductance" select="channel/g"/>
                    <DerivedVariable name="current" exposure="current" dimension="current" value="g * (erev - v)"/>
                </Dynamics>
                <Structure><ChildInstance component="channel"/></Structure>
            </ComponentType>
            <ComponentType name="LeakCell">
                <Parameter name="C" dimension="capacitance"/>
                <Parameter name="v0" dimension="voltage"/>
                <Children name="populations" type="LeakPopulation"/>
                <Exposure name="v" dimension="voltage"/>
                <Dynamics>
                    <StateVariable name="v" exposure="v" dimension="voltage"/>
                    <OnStart><StateAssignment variable="v" value="v0"/></OnStart>
                    <DerivedVariable name="total" dimension="current" select="populations[*]/current" reduce="add"/>
                    <TimeDerivative variable="v" value="total / C"/>
                </Dynamics>
            </ComponentType>
            <LeakCell id="cell" C="10pF" v0="-65mV">
                <LeakPopulation id="na" channel="naLeak"/>
                <LeakPopulation id="k" channel="kLeak"/>
            </LeakCell>
            <Simulation id="sim" length="20ms" step="0.01ms" target="cell">
                <OutputFile id="of" fileName="v.dat"><OutputColumn id="v" quantity="v"/><OutputColumn id="ina" quantity="na/current"/><OutputColumn id="ik" quantity="k/current"/></OutputFile>
            </Simulation>
        </Lems>
        """
    }

    /// v relaxes to (g_Na E_Na + g_K E_K) / (g_Na + g_K) = -54 mV: brcc's backward Euler
    /// recurrence v' = (v + dt G v_inf / C) / (1 + dt G / C) to 1e-12 V, the analytic solution
    /// within 2e-5 V at dt = 0.01 ms (tau = 2 ms), and each population's current is g (E - v)
    /// with its own species' E.
    func testADerivedParameterSelectsTheEnvironmentsValueForItsSpecies() throws {
        let path = try writeModel(model(), label: "lems-path")
        let rows = try XCTUnwrap(runSimulationByFile(path)["v.dat"])
        XCTAssertEqual(rows.count, 2001)
        let (C, gNa, gK, eNa, eK, dt) = (10e-12, 1e-9, 4e-9, 0.050, -0.080, 1e-5)
        let vInf = (gNa * eNa + gK * eK) / (gNa + gK)
        var v = -0.065
        for r in rows {
            XCTAssertEqual(r[1], v, accuracy: 1e-12, "t = \(r[0])")
            XCTAssertEqual(r[1], vInf + (-0.065 - vInf) * exp(-r[0] * (gNa + gK) / C), accuracy: 2e-5, "t = \(r[0])")
            XCTAssertEqual(r[2], gNa * (eNa - r[1]), accuracy: 1e-18)
            XCTAssertEqual(r[3], gK * (eK - r[1]), accuracy: 1e-18)
            v = (v + dt * (gNa + gK) * vInf / C) / (1 + dt * (gNa + gK) / C)
        }
    }

    /// A path that selects no component, or two, is BRC-E0107; a form brcc does not read is
    /// BRC-E0103; each located at the select attribute.
    func testASelectionThatIsNotOneComponentIsLocated() throws {
        let line = model().components(separatedBy: "\n").firstIndex { $0.contains("select=\"//") }.map { $0 + 1 }
        for (text, code) in [
            (model(erevs: "<MembranePotential species=\"Na\" reversal=\"50mV\"/>"), "BRC-E0107"),
            (model(erevs: "<MembranePotential species=\"Na\" reversal=\"50mV\"/><MembranePotential species=\"K\" reversal=\"-80mV\"/><MembranePotential species=\"K\" reversal=\"-90mV\"/>"), "BRC-E0107"),
            (model(select: "MembranePotential/reversal"), "BRC-E0103"),
            (model(select: "//MembranePotential[species]/reversal"), "BRC-E0103"),
        ] {
            XCTAssertThrowsError(try Driver.check(try writeModel(text, "bad.xml", label: "lems-path"))) { error in
                guard case DriverError.model(let ds) = error else { return XCTFail("\(error)") }
                let errors = ds.filter { $0.severity == .error }
                XCTAssertEqual(errors.map(\.id), [code], "\(errors.map(\.message))")
                XCTAssertEqual(errors.first?.location.line, line)
            }
        }
    }
}
