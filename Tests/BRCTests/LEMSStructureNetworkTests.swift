import BRCDriver
import BRCIR
import Foundation
import XCTest

/// Networks that LEMS `<Structure>` builds (MultiInstantiate, ForEach, With, EventConnection),
/// as LEMS's own examples define them (SimpleNetwork.xml), and events at a LEMS cell's own port
/// (its OnEvent). The fixtures are written here.
final class LEMSStructureNetworkTests: XCTestCase {
    private func write(_ text: String, _ name: String = "m.xml") throws -> String { try writeModel(text, name, label: "lems-structure") }

    /// Tickers (a clock that emits every `period`) drive leaky cells that jump by deltaV at
    /// each event; `connections` builds the connections inside `<Network id="net">`.
    private func model(_ connections: String, types: String = "") -> String {
        """
        <Lems>
            <Target component="sim"/>
            <Include file="NeuroMLCoreDimensions.xml"/>
            <Include file="Simulation.xml"/>
            <ComponentType name="Ticker">
                <Parameter name="period" dimension="time"/>
                <EventPort name="out" direction="out"/>
                <Exposure name="tsince" dimension="time"/>
                <Dynamics>
                    <StateVariable name="tsince" dimension="time" exposure="tsince"/>
                    <TimeDerivative variable="tsince" value="1"/>
                    <OnCondition test="tsince .gt. period"><StateAssignment variable="tsince" value="0"/><EventOut port="out"/></OnCondition>
                </Dynamics>
            </ComponentType>
            <ComponentType name="Kicked">
                <Parameter name="g" dimension="conductance"/>
                <Parameter name="C" dimension="capacitance"/>
                <Parameter name="E" dimension="voltage"/>
                <Parameter name="deltaV" dimension="voltage"/>
                <EventPort name="spikes-in" direction="in"/>
                <Exposure name="v" dimension="voltage"/>
                <Dynamics>
                    <StateVariable name="v" dimension="voltage" exposure="v"/>
                    <TimeDerivative variable="v" value="g * (E - v) / C"/>
                    <OnStart><StateAssignment variable="v" value="E"/></OnStart>
                    <OnEvent port="spikes-in"><StateAssignment variable="v" value="v + deltaV"/></OnEvent>
                </Dynamics>
            </ComponentType>
            <ComponentType name="Network">
                <Children name="populations" type="Population"/>
                <Children name="connectivities" type="EventConnectivity"/>
                <Children name="explicit" type="OneConnection"/>
            </ComponentType>
            <ComponentType name="Population">
                <ComponentReference name="component" type="Component"/>
                <Parameter name="size" dimension="none"/>
                <Structure><MultiInstantiate number="size" component="component"/></Structure>
            </ComponentType>
            <ComponentType name="EventConnectivity">
                <Link name="source" type="Population"/>
                <Link name="target" type="Population"/>
                <Child name="Connections" type="ConnectionPattern"/>
            </ComponentType>
            <ComponentType name="ConnectionPattern"/>
            <ComponentType name="AllAll" extends="ConnectionPattern">
                <Structure>
                    <ForEach instances="../source" as="a">
                        <ForEach instances="../target" as="b"><EventConnection from="a" to="b"/></ForEach>
                    </ForEach>
                </Structure>
            </ComponentType>
            <ComponentType name="OneConnection">
                <Path name="from"/>
                <Path name="to"/>
                <Structure><With instance="from" as="a"/><With instance="to" as="b"/><EventConnection from="a" to="b"/></Structure>
            </ComponentType>
        \(types)
            <Component id="tick" type="Ticker" period="3ms"/>
            <Component id="cell" type="Kicked" g="1nS" C="10pF" E="-70mV" deltaV="2mV"/>
            <Network id="net">
                <Population id="clocks" component="tick" size="2"/>
                <Population id="cells" component="cell" size="3"/>
                \(connections)
            </Network>
            <Simulation id="sim" length="10ms" step="0.01ms" target="net">
                <OutputFile id="of" fileName="v.dat">
                    <OutputColumn id="tsince" quantity="clocks[0]/tsince"/>
                    <OutputColumn id="v0" quantity="cells[0]/v"/>
                    <OutputColumn id="v1" quantity="cells[1]/v"/>
                    <OutputColumn id="v2" quantity="cells[2]/v"/>
                </OutputFile>
            </Simulation>
        </Lems>
        """
    }

    /// Each cell's v is its compartment's, advanced by one backward Euler step, as NEURON (v' =
    /// E + (v - E) / (1 + dt g/C), docs/numerics.md); an event adds deltaV at the start of the step after the one in which
    /// its source fired (a clock's tsince resets), as brcc delivers every spike (NEURON's
    /// order; jLEMS applies it a step earlier). AllAll from two clocks to every cell: 2 deltaV per tick for each; one explicit
    /// With connection adds a third event to cells[2] only.
    func testEventConnectionsOfAStructureNetworkRunTheCellsOnEvent() throws {
        let path = try write(model("""
            <EventConnectivity id="all-all" source="clocks" target="cells"><Connections type="AllAll"/></EventConnectivity>
            <OneConnection from="clocks[1]" to="cells[2]"/>
        """))
        let (ir, diagnostics) = try Driver.check(path)
        XCTAssertEqual(ir.connections.count, 2 * 3 + 1)
        XCTAssertEqual(diagnostics.filter { $0.severity == .warning }.map(\.id), ["BRC-W0122"], "the id all-all: \(diagnostics.map(\.message))")
        let rows = try XCTUnwrap(runSimulationByFile(path)["v.dat"])
        XCTAssertEqual(rows.count, 1001)
        let decay = 1 / (1 + 0.01e-3 * 1e-9 / 10e-12)
        let resets = (1..<rows.count).filter { rows[$0][1] < rows[$0 - 1][1] }
        XCTAssertEqual(resets.count, 3, "the clocks fire three times in 10 ms")
        for (cell, perTick) in [(0, 2.0), (1, 2.0), (2, 3.0)] {
            var jumps = 0
            for n in 1..<rows.count {
                let kick = resets.contains(n - 1) ? perTick * 0.002 : 0
                if kick > 0 { jumps += 1 }
                XCTAssertEqual(rows[n][2 + cell], -0.070 + (rows[n - 1][2 + cell] + kick - -0.070) * decay, accuracy: 1e-12, "cell \(cell), row \(n)")
            }
            XCTAssertEqual(jumps, 3, "cell \(cell)")
        }
    }

    /// Each misuse is one located diagnostic: a path that names nothing (BRC-E0107), an
    /// EventConnection with a receiver synapse (BRC-E0103), and a connection to a cell without
    /// an OnEvent (the warning BRC-W0131).
    func testStructureMistakesAreLocated() throws {
        for (connections, code) in [
            ("<OneConnection from=\"clocks[0]\" to=\"nowhere[0]\"/>", "BRC-E0107"),
            ("<OneConnection from=\"clocks[0]\" to=\"cells[3]\"/>", "BRC-E0403"),
        ] {
            let errors = modelErrors(try write(model(connections), "bad.xml"))
            XCTAssertEqual(errors.map { String($0.prefix(9)) }, [code], "\(errors)")
        }
        let receiver = model("<Receiving from=\"clocks[0]\" to=\"cells[0]\"/>", types: """
            <ComponentType name="Receiving" extends="OneConnection">
                <Structure><With instance="from" as="a"/><With instance="to" as="b"/><EventConnection from="a" to="b" receiver="cell"/></Structure>
            </ComponentType>
        """).replacingOccurrences(of: "<Children name=\"explicit\" type=\"OneConnection\"/>", with: "<Children name=\"explicit\" type=\"OneConnection\"/><Children name=\"receiving\" type=\"Receiving\"/>")
        let errors = modelErrors(try write(receiver, "receiver.xml"))
        XCTAssertEqual(errors.map { String($0.prefix(9)) }, ["BRC-E0103"], "\(errors)")
        let toClock = try write(model("<OneConnection from=\"clocks[0]\" to=\"clocks[1]\"/>"), "noeffect.xml")
        let (_, ds) = try Driver.check(toClock)
        XCTAssertEqual(ds.filter { $0.severity == .warning }.map(\.id).sorted(), ["BRC-W0130", "BRC-W0131"], "\(ds.map(\.message))")
    }
}
