import BRCDriver
import BRCIR
import Foundation
import XCTest

/// Networks that LEMS `<Structure>` builds (MultiInstantiate, ForEach, With, EventConnection),
/// as LEMS's own examples define them (SimpleNetwork.xml), and events at a LEMS cell's own port
/// (its OnEvent). The fixtures are written here.
final class LEMSStructureNetworkTests: XCTestCase {
    private func write(_ text: String, _ name: String = "m.xml") throws -> String { try writeModel(text, name, label: "lems-structure") }

    /// A clock that emits every `period` (its `tsince` recordable).
    private static let ticker = """
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
        """

    /// LEMS's Population (SimpleNetwork.xml): `size` copies of the component it names.
    private static let population = """
        <ComponentType name="Population">
            <ComponentReference name="component" type="Component"/>
            <Parameter name="size" dimension="none"/>
            <Structure><MultiInstantiate number="size" component="component"/></Structure>
        </ComponentType>
        """

    /// Tickers (a clock that emits every `period`) drive leaky cells that jump by deltaV at
    /// each event; `connections` builds the connections inside `<Network id="net">`.
    private func model(_ connections: String, types: String = "") -> String {
        """
        <Lems>
            <Target component="sim"/>
            <Include file="NeuroMLCoreDimensions.xml"/>
            <Include file="Simulation.xml"/>
            \(Self.ticker)
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
            \(Self.population)
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
        // Their events reach the cells' own OnEvent: no synapse, so no synaptic parameter to search.
        let projection = ir.projections[ir.connections[0].projection]
        XCTAssertEqual(ir.synapseParameter(projection: projection, name: "deltaV"), .failure(.noSynapse(projection: projection)))
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
    /// EventConnection whose receiver names no component (BRC-E0107), and a connection to a
    /// cell without an OnEvent (the warning BRC-W0131).
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
        XCTAssertEqual(errors.map { String($0.prefix(9)) }, ["BRC-E0107"], "\(errors)")
        let toClock = try write(model("<OneConnection from=\"clocks[0]\" to=\"clocks[1]\"/>"), "noeffect.xml")
        let (_, ds) = try Driver.check(toClock)
        XCTAssertEqual(ds.filter { $0.severity == .warning }.map(\.id).sorted(), ["BRC-W0130", "BRC-W0131"], "\(ds.map(\.message))")
    }

    /// A leaky cell whose synapses are Attachments, with a synapse type of the model's own
    /// (no NeuroML base; its current is named `current`), in a network where each `ExplicitConnection`
    /// creates one on its target (LEMS's example3); `connection` gives the connections.
    private func receiverModel(_ connection: String) -> String {
        """
        <Lems>
            <Target component="sim"/>
            <Include file="NeuroMLCoreDimensions.xml"/>
            <Include file="Simulation.xml"/>
            \(Self.ticker)
            <ComponentType name="Synapse">
                <Parameter name="deltaG" dimension="conductance"/>
                <Parameter name="erev" dimension="voltage"/>
                <Parameter name="tfall" dimension="time"/>
                <EventPort name="in" direction="in"/>
                <Requirement name="v" dimension="voltage"/>
                <Exposure name="current" dimension="current"/>
                <Dynamics>
                    <StateVariable name="geff" dimension="conductance"/>
                    <TimeDerivative variable="geff" value="-geff / tfall"/>
                    <OnEvent port="in"><StateAssignment variable="geff" value="geff + deltaG"/></OnEvent>
                    <DerivedVariable name="current" exposure="current" dimension="current" value="geff * (erev - v)"/>
                </Dynamics>
            </ComponentType>
            <ComponentType name="SynapseCell">
                <Parameter name="C" dimension="capacitance"/>
                <Parameter name="g" dimension="conductance"/>
                <Parameter name="E" dimension="voltage"/>
                <Exposure name="v" dimension="voltage"/>
                <Attachments name="synapses" type="Synapse"/>
                <Dynamics>
                    <StateVariable name="v" dimension="voltage" exposure="v"/>
                    <OnStart><StateAssignment variable="v" value="E"/></OnStart>
                    <DerivedVariable name="isyn" dimension="current" select="synapses[*]/current" reduce="add"/>
                    <TimeDerivative variable="v" value="(g * (E - v) + isyn) / C"/>
                </Dynamics>
            </ComponentType>
            <ComponentType name="Network">
                <Children name="populations" type="Population"/>
                <Children name="connections" type="ExplicitConnection"/>
            </ComponentType>
            \(Self.population)
            <ComponentType name="ExplicitConnection">
                <Path name="from"/>
                <Path name="to"/>
                <ComponentReference name="synapse" type="Synapse"/>
                <Text name="destination"/>
                <Structure>
                    <With instance="from" as="a"/>
                    <With instance="to" as="b"/>
                    <EventConnection from="a" to="b" receiver="synapse" receiverContainer="destination"/>
                </Structure>
            </ComponentType>
            <Component id="tick" type="Ticker" period="3ms"/>
            <Component id="syn" type="Synapse" deltaG="1nS" erev="0mV" tfall="2ms"/>
            <Component id="cell" type="SynapseCell" C="10pF" g="1nS" E="-70mV"/>
            <Network id="net">
                <Population id="clocks" component="tick" size="1"/>
                <Population id="cells" component="cell" size="2"/>
                \(connection)
            </Network>
            <Simulation id="sim" length="10ms" step="0.01ms" target="net">
                <OutputFile id="of" fileName="v.dat">
                    <OutputColumn id="v0" quantity="cells[0]/v"/>
                    <OutputColumn id="v1" quantity="cells[1]/v"/>
                </OutputFile>
            </Simulation>
        </Lems>
        """
    }

    /// The receiver is a synapse on the target, as a NeuroML projection's: the Structure
    /// network's run equals, to the bit, the same cells and synapse connected by a NeuroML
    /// `<projection>` (whose synapses NEURON checks elsewhere). Only the connected cell moves: it
    /// rests at E until the clock's first event, then depolarises towards erev.
    func testAnEventConnectionsReceiverIsASynapseOnTheTarget() throws {
        let structure = try write(receiverModel("<ExplicitConnection from=\"clocks[0]\" to=\"cells[1]\" synapse=\"syn\"/>"), "receiver.xml")
        let (ir, diagnostics) = try Driver.check(structure)
        XCTAssertEqual(ir.connections.count, 1)
        XCTAssertEqual(diagnostics.map(\.id), [], "\(diagnostics.map(\.message))")
        let rows = try XCTUnwrap(runSimulationByFile(structure)["v.dat"])
        let projection = receiverModel("").replacingOccurrences(of: "<Network id=\"net\">", with: "<network id=\"net\">")
            .replacingOccurrences(of: "<Population id=\"clocks\" component=\"tick\" size=\"1\"/>", with: "<population id=\"clocks\" component=\"tick\" size=\"1\"/>")
            .replacingOccurrences(of: "<Population id=\"cells\" component=\"cell\" size=\"2\"/>", with: """
                <population id="cells" component="cell" size="2"/>
                <projection id="p" presynapticPopulation="clocks" postsynapticPopulation="cells" synapse="syn"><connection id="0" preCellId="../clocks[0]" postCellId="../cells[1]"/></projection>
                """)
            .replacingOccurrences(of: "</Network>", with: "</network>")
        let expected = try XCTUnwrap(runSimulationByFile(try write(projection, "projection.xml"))["v.dat"])
        XCTAssertEqual(rows.count, 1001)
        XCTAssertEqual(rows, expected)
        XCTAssertEqual(rows.map { $0[1] }.max(), -0.070, "the unconnected cell rests")
        let first = try XCTUnwrap(rows.firstIndex { $0[2] > -0.070 + 1e-9 })
        XCTAssertEqual(rows[first][0], 3.025e-3, accuracy: 2e-5, "the first event (the clock passes 3 ms) moves v within a few steps (detection, delivery, then the synaptic current)")
        XCTAssertGreaterThan(rows[first + 100][2], -0.069, "and v has risen a millivolt 1 ms later")
    }

    /// A receiverContainer naming the Attachments the target cell sums places the receiver
    /// where brcc puts it anyway (the same bits as without one); a container the cell declares
    /// but does not sum, or does not declare, is refused at the attribute (BRC-E0103).
    func testAReceiverContainerMustBeAttachmentsTheCellSums() throws {
        let connection = "<ExplicitConnection from=\"clocks[0]\" to=\"cells[1]\" synapse=\"syn\" destination=\"DEST\"/>"
        let plain = try XCTUnwrap(runSimulationByFile(try write(receiverModel(connection.replacingOccurrences(of: " destination=\"DEST\"", with: "")), "plain.xml"))["v.dat"])
        let contained = try write(receiverModel(connection.replacingOccurrences(of: "DEST", with: "synapses")), "contained.xml")
        let (_, diagnostics) = try Driver.check(contained)
        XCTAssertEqual(diagnostics.map(\.id), [], "\(diagnostics.map(\.message))")
        XCTAssertEqual(try XCTUnwrap(runSimulationByFile(contained)["v.dat"]), plain)
        let unsummed = receiverModel(connection.replacingOccurrences(of: "DEST", with: "inputs"))
            .replacingOccurrences(of: "<Attachments name=\"synapses\" type=\"Synapse\"/>", with: "<Attachments name=\"synapses\" type=\"Synapse\"/><Attachments name=\"inputs\" type=\"Synapse\"/>")
        for (text, says) in [(unsummed, "it declares 'synapses', 'inputs', and does not sum 'inputs'"),
                             (receiverModel(connection.replacingOccurrences(of: "DEST", with: "elsewhere")), "it declares 'synapses'")] {
            let path = try write(text, "container.xml")
            let errors = modelErrors(path)
            XCTAssertEqual(errors.count, 1, "\(errors)")
            XCTAssertTrue(errors.first?.hasPrefix("BRC-E0103") ?? false, "\(errors)")
            XCTAssertTrue(errors.first?.contains(says) ?? false, "\(errors)")
            let line = try XCTUnwrap(text.components(separatedBy: "\n").firstIndex { $0.contains("receiverContainer=") }) + 1
            do {
                _ = try Driver.check(path)
                XCTFail("refused")
            } catch DriverError.model(let ds) {
                XCTAssertEqual(ds.first { $0.id == "BRC-E0103" }?.location.line, line, "located at the EventConnection's receiverContainer")
            }
        }
    }
}
