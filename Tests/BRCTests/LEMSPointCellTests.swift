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

    /// A cell without a membrane potential of its own (a rate unit: only `r`) has a compartment
    /// that collects its inputs' currents, not a potential: a conductance synapse on it (whose
    /// driving force reads v) was simulated on that made-up potential, which its own current
    /// charged towards erev, so a constant drive decayed to nothing (jLEMS stops: v is NaN).
    /// Now that, recording its v and reading it out are located errors; a current synapse is
    /// fine.
    func testACellWithoutAPotentialRefusesWhatReadsIt() throws {
        func model(synapse: String, record: String = "r", task: String = "") throws -> String {
            try writeModel("""
            <Lems xmlns:brc="urn:brcc:brc:1">
                <Target component="sim"/>
                <Include file="NeuroMLCoreDimensions.xml"/>
                <Include file="Cells.xml"/>
                <Include file="Networks.xml"/>
                <Include file="Simulation.xml"/>
                <ComponentType name="rateUnit">
                    <Parameter name="tau" dimension="time"/>
                    <Parameter name="Iscale" dimension="current"/>
                    <Attachments name="synapses" type="basePointCurrent"/>
                    <Exposure name="r" dimension="none"/>
                    <Dynamics>
                        <StateVariable name="r" dimension="none" exposure="r"/>
                        <DerivedVariable name="iSyn" dimension="current" select="synapses[*]/i" reduce="add"/>
                        <TimeDerivative variable="r" value="(-r + iSyn/Iscale)/tau"/>
                    </Dynamics>
                </ComponentType>
                <rateUnit id="ru" tau="50ms" Iscale="0.01nA"/>
                <expOneSynapse id="cond" gbase="1nS" erev="50mV" tauDecay="20ms"/>
                <expOneSynapseCurrent id="curr" ibase="0.01nA" tauDecay="20ms"/>
                <ComponentType name="expOneSynapseCurrent" extends="basePointCurrent">
                    <Parameter name="ibase" dimension="current"/>
                    <Parameter name="tauDecay" dimension="time"/>
                    <EventPort name="in" direction="in"/>
                    <Dynamics>
                        <StateVariable name="s" dimension="none"/>
                        <DerivedVariable name="i" dimension="current" exposure="i" value="ibase * s"/>
                        <TimeDerivative variable="s" value="-s / tauDecay"/>
                        <OnEvent port="in"><StateAssignment variable="s" value="s + 1"/></OnEvent>
                    </Dynamics>
                </ComponentType>
                <spikeGenerator id="sg" period="10ms"/>
                <network id="net">
                    <population id="S" component="sg" size="1"/>
                    <population id="RU" component="ru" size="1"/>
                    <projection id="p" presynapticPopulation="S" postsynapticPopulation="RU" synapse="\(synapse)">
                        <connection id="0" preCellId="../S[0]" postCellId="../RU[0]"/>
                    </projection>
                </network>
                <Simulation id="sim" length="200ms" step="0.025ms" target="net">
                    <OutputFile id="o" fileName="r.dat"><OutputColumn id="r" quantity="RU[0]/\(record)"/></OutputFile>
                </Simulation>
                \(task)
            </Lems>
            """, "rate-\(synapse)-\(record)-\(task.count).xml", label: "no-potential")
        }
        XCTAssertEqual(modelErrors(try model(synapse: "cond")),
                       ["BRC-E0607 cond reads the membrane potential v of the cells it is on, but cell ru has none (its potential is not a state of its own)"])
        let r = try runSimulation(try model(synapse: "curr"))[0].map { $0[1] }
        XCTAssertGreaterThan(r.last!, 0.5, "a current synapse drives r (10 pA on 10 pA per unit, pulses every 10 ms of 20 ms decay)")
        XCTAssertEqual(modelErrors(try model(synapse: "curr", record: "v")),
                       ["BRC-E0502 cannot resolve quantity 'RU[0]/v': cell type 'ru' has no membrane potential v (recordable: Iscale, iSyn, r, tau)"])
        let readout = #"<brc:tunedCue id="cue" value="0" centreMin="-1" centreMax="1" sd="1" seed="4" scale="0.1nA" delay="5ms" duration="10ms"/>"#
        for (population, message) in [("RU", "the task reads out population 'RU', whose cells (ru) have no membrane potential v to read"),
                                       ("S", "the task reads out population 'S', a population of spike sources, which have no membrane potential to read")] {
            let task = readout + #"<brc:cueTask readout="\#(population)" conditions="-1, 1" repeats="2" burnIn="10ms"><brc:search seed="1"><brc:synapticParameter projection="p" name="ibase" lower="1pA" upper="2pA"/></brc:search></brc:cueTask>"#
            let errors = modelErrors(try model(synapse: "curr", task: task))
            XCTAssertTrue(errors.contains("BRC-E1001 " + message), "\(errors)")
        }
    }
}
