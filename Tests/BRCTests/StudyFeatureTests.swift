import BRCDriver
import BRCIR
import BRCRuntime
import BRCTask
import Foundation
import XCTest

/// Issue 10: the language features the study's network needs (STUDY.md §1–§4), each against
/// numbers derived by hand from the study's rules.
final class StudyFeatureTests: XCTestCase {
    /// A network of small cells wired like the study: open-chain lattices with the E/I index
    /// mapping, a masked cue projection onto the even E cells.
    func network(mask: String = "0.3", extra: String = "") -> String {
        """
        <Lems xmlns:brc="urn:brcc:brc:1">
          <Include file="\(TestPaths.model("models/cells/hh1.cell.nml"))"/>
          <Include file="\(TestPaths.model("models/synapses/kinetic_synapses.xml"))"/>
          <kineticSynapse id="ampa" gbase="1nS" erev="0mV" alpha="1.1per_ms" beta="0.19per_ms" Cdur="1ms"/>
          <network id="net">
            <population id="E" component="hh1" size="50"/>
            <population id="I" component="hh1" size="25"/>
            <population id="cue" component="hh1" size="25"/>
            <projection id="EE" presynapticPopulation="E" postsynapticPopulation="E" synapse="ampa">
              <brc:ringLattice k="5" p="0" seed="1" periodic="false" mask="\(mask)" maskSeed="124"/></projection>
            <projection id="EI" presynapticPopulation="E" postsynapticPopulation="I" synapse="ampa">
              <brc:ringLattice k="5" p="0" seed="1" periodic="false" preIndexScale="1" postIndexScale="2"/></projection>
            <projection id="IE" presynapticPopulation="I" postsynapticPopulation="E" synapse="ampa">
              <brc:ringLattice k="5" p="0" seed="1" periodic="false" preIndexScale="2" postIndexScale="1"/></projection>
            <projection id="II" presynapticPopulation="I" postsynapticPopulation="I" synapse="ampa">
              <brc:ringLattice k="5" p="0" seed="1" periodic="false" preIndexScale="2" postIndexScale="2"/></projection>
            <projection id="cueE" presynapticPopulation="cue" postsynapticPopulation="E" synapse="ampa">
              <brc:randomConnectivity probability="0.1" seed="7" postCells="0::2" mask="0.5" maskSeed="3"/></projection>
            <projection id="rate" presynapticPopulation="E" postsynapticPopulation="E" synapse="ampa">
              <brc:oneToOne preCells="1::2" postCells="1 3 5 7 9 11 13 15 17 19 21 23 25 27 29 31 33 35 37 39 41 43 45 47 49"/></projection>
          </network>
          <Simulation id="sim" length="20ms" step="0.025ms" target="net"/>
          <Target component="sim"/>
          \(extra)
        </Lems>
        """
    }

    func lower(_ text: String) throws -> IRModel {
        try Driver.check(text: text, path: FileManager.default.temporaryDirectory.appendingPathComponent("study-\(UUID().uuidString).xml").path)
    }

    func pairs(_ ir: IRModel, _ projection: String) -> [(Int, Int)] {
        let p = ir.projections.firstIndex(of: projection)!
        return ir.connections.filter { $0.projection == p }.map { c in
            (ir.spikeSources[c.source].cell, ir.synapseGroups[c.group].instances[c.instance].cell)
        }
    }

    /// STUDY.md §3's edge counts, and the E/I index mapping (I cell m at lattice index 2m).
    func testOpenChainLatticesGiveTheStudysEdges() throws {
        let ir = try lower(network())
        XCTAssertEqual(pairs(ir, "EE").count, 194)
        XCTAssertEqual(pairs(ir, "EI").count, 97)
        XCTAssertEqual(pairs(ir, "IE").count, 97)
        XCTAssertEqual(pairs(ir, "II").count, 48)
        // Every edge obeys the rule, and every pair that obeys it is an edge.
        for (name, a, b, nPre, nPost) in [("EE", 1, 1, 50, 50), ("EI", 1, 2, 50, 25), ("IE", 2, 1, 25, 50), ("II", 2, 2, 25, 25)] {
            let expected = (0..<nPost).flatMap { j in (0..<nPre).filter { i in (1...2).contains(abs(a * i - b * j)) }.map { ($0, j) } }
            XCTAssertEqual(pairs(ir, name).map { "\($0)" }.sorted(), expected.map { "\($0)" }.sorted(), name)
        }
        XCTAssertFalse(pairs(ir, "EI").contains { $0.0 == 2 * $0.1 }, "I cell m does not get E cell 2m")
        // Selections: cue onto even E cells only; one-to-one between odd cells.
        XCTAssertTrue(pairs(ir, "cueE").allSatisfy { $0.1 % 2 == 0 })
        XCTAssertEqual(pairs(ir, "rate").map { "\($0)" }, (0..<25).map { "(\(2 * $0 + 1), \(2 * $0 + 1))" })
        // cue candidates ~ Binomial(25 x 25, 0.1): within 4 sd of 62.5.
        XCTAssertEqual(Double(pairs(ir, "cueE").count), 62.5, accuracy: 4 * (625 * 0.1 * 0.9).squareRoot())
    }

    /// Masks: a fixed draw per candidate; raising the probability never removes a synapse; the
    /// structure never changes; the run-time setter switches the same connections.
    func testMasksAreNestedAndFixed() throws {
        let low = try lower(network(mask: "0.2")), high = try lower(network(mask: "0.6"))
        XCTAssertEqual(low.connections.count, high.connections.count, "the structure is the same at any mask")
        let ee = low.projections.firstIndex(of: "EE")!
        func active(_ ir: IRModel) -> Set<Int> {
            Set(ir.connections.indices.filter { ir.connections[$0].projection == ee && ir.connections[$0].maskDraw! < ir.maskProbability[ee]! })
        }
        XCTAssertTrue(active(low).isSubset(of: active(high)))
        XCTAssertLessThan(active(low).count, active(high).count)
        XCTAssertEqual(Double(active(high).count), 194 * 0.6, accuracy: 4 * (194 * 0.6 * 0.4).squareRoot())
        // The simulator's setter gives exactly the lowering's active set at the same probability.
        let lib = try KernelLibrary(path: try Driver.compile(low, cache: TestPaths.cache).library)
        let sim = try Simulator(model: low, library: lib, dt: 0.025)
        try sim.setConnectionProbability(projection: "EE", value: 0.6)
        XCTAssertEqual(Set(low.connections.indices.filter { low.connections[$0].projection == ee && sim.isActive(connection: $0) }), active(high))
        XCTAssertThrowsError(try sim.setConnectionProbability(projection: "EI", value: 0.5), "EI has no mask")
        // brcc inspect --connections writes every candidate, inactive ones with 0.
        let csv = Driver.connectionsCSV(high).split(separator: "\n")
        XCTAssertEqual(csv[0], "projection,pre_population,pre_cell,post_population,post_cell,post_segment,fraction_along,weight_or_active")
        XCTAssertEqual(csv.count - 1, high.connections.count)
        XCTAssertEqual(csv.filter { $0.hasPrefix("EE,") && $0.hasSuffix(",1.0") }.count, active(high).count)
        XCTAssertTrue(csv.contains("EI,E,1,I,0,0,0.5,1.0"), "E 1 -> I 0 on segment 0 at its middle")
    }

    /// The study's cue (STUDY.md §4): the mean of two 1-D tunings with listed centres.
    func testMeanOfOneDimensionalTunings() throws {
        let centres = [(-2.1, 1.0), (0.0, -2.0), (2.0, 2.0)]
        let cue = """
          <brc:tunedCue id="c" value="-2 -2" form="meanOf1D" sd="0.3" scale="0.1nA" delay="250ms" duration="25ms">
            \(centres.map { "<brc:centre x=\"\($0.0)\" y=\"\($0.1)\"/>" }.joined())
          </brc:tunedCue>
        """
        let text = """
        <Lems xmlns:brc="urn:brcc:brc:1">
          <Include file="\(TestPaths.model("models/cells/hh1.cell.nml"))"/>
          \(cue)
          <network id="net"><population id="cue" component="hh1" size="3"/>
            <inputList id="in" population="cue" component="c"><brc:allCells/></inputList></network>
          <Simulation id="sim" length="10ms" step="0.025ms" target="net"/>
          <Target component="sim"/>
        </Lems>
        """
        let ir = try lower(text)
        let tunings = ir.stimuli.compactMap(\.cueTuning)
        XCTAssertEqual(tunings.count, 3)
        for (t, c) in zip(tunings, centres) {
            for x in [[-2.0, -2.0], [2.0, 2.0], [-2.0, 2.0], [2.0, -2.0]] {
                let expected = 0.1 * 0.5 * (exp(-pow((x[0] - c.0) / 0.3, 2)) + exp(-pow((x[1] - c.1) / 0.3, 2)))
                XCTAssertEqual(t.amplitude(x), expected, accuracy: 1e-12)
            }
        }
        XCTAssertEqual(tunings[2].amplitude([2, 2]), 0.1, accuracy: 1e-12, "a cue at the centre gives the full scale")
    }

    /// `brc:initialGates`: every channel state of the cell starts at the value, not at its
    /// steady state (the study's cells start at 0.2).
    func testInitialGates() throws {
        let cell = try String(contentsOfFile: TestPaths.model("models/cells/hh1.cell.nml"), encoding: .utf8)
            .replacingOccurrences(of: "../channels/", with: TestPaths.model("models/channels") + "/")
            .replacingOccurrences(of: "<neuroml ", with: "<neuroml xmlns:brc=\"urn:brcc:brc:1\" ")
            .replacingOccurrences(of: "<spikeThresh value=\"0mV\"/>", with: "<spikeThresh value=\"0mV\"/><brc:initialGates value=\"0.2\"/>")
        let dir = try scratchDirectory("brcc-gates")
        try cell.write(to: dir.appendingPathComponent("cell.nml"), atomically: true, encoding: .utf8)
        let text = """
        <Lems><Include file="cell.nml"/><network id="net"><population id="p" component="hh1" size="2"/></network>
          <Simulation id="sim" length="1ms" step="0.025ms" target="net"/><Target component="sim"/></Lems>
        """
        let ir = try Driver.check(text: text, path: dir.appendingPathComponent("sim.xml").path)
        XCTAssertEqual(ir.cellTypes[0].initialGateValue, 0.2)
        let sim = try Simulator(model: ir, library: try KernelLibrary(path: try Driver.compile(ir, cache: TestPaths.cache).library), dt: 0.025)
        var gates = 0
        for (j, pl) in ir.cellTypes[0].placements.enumerated() {
            for s in ir.mechanisms[pl.mechanism].states.indices {
                XCTAssertEqual(sim.value(population: 0, cell: 1, probe: .state(placement: j, instance: 0, state: s)), 0.2)
                gates += 1
            }
        }
        XCTAssertGreaterThanOrEqual(gates, 3, "at least Na m, h and K n")
    }
}
