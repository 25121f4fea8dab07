import BRCDriver
import BRCIR
import XCTest

/// `<channelPopulation>` in a `<cell>`'s membraneProperties (`number` channels of the ion
/// channel's single-channel conductance, spread over the compartments of a segment group or of
/// one segment), and `<channelDensity segment=>`.
final class ChannelPopulationTests: XCTestCase {
    /// Ex5's cell (a sphere of 1000 um2) with each channelDensity written as the channelPopulation
    /// of the same conductance (10 pS channels: 300 leak, 120,000 Na, 36,000 K).
    func ex5WithPopulations() throws -> String {
        let nml = try String(contentsOfFile: TestPaths.sharedFile("neuroml/examples/NML2_SingleCompHHCell.nml"), encoding: .utf8)
        var edited = nml
        for (density, population) in [
            (#"<channelDensity id="leak" ionChannel="passiveChan" condDensity="3.0 S_per_m2" erev="-54.3mV" ion="non_specific"/>"#,
             #"<channelPopulation id="leak" ionChannel="passiveChan" number="300" erev="-54.3mV" ion="non_specific"/>"#),
            (#"<channelDensity id="naChans" ionChannel="naChan" condDensity="120.0 mS_per_cm2" erev="50.0 mV" ion="na"/>"#,
             #"<channelPopulation id="naChans" ionChannel="naChan" number="120000" erev="50.0 mV" ion="na"/>"#),
            (#"<channelDensity id="kChans" ionChannel="kChan" condDensity="360 S_per_m2" erev="-77mV" ion="k"/>"#,
             #"<channelPopulation id="kChans" ionChannel="kChan" number="36000" erev="-77mV" ion="k"/>"#),
        ] {
            XCTAssertTrue(edited.contains(density), "Ex5's cell has \(density)")
            edited = edited.replacingOccurrences(of: density, with: population)
        }
        let cell = try writeModel(edited, "populations.cell.nml", label: "chanpop")
        let lems = try standardExampleText("Ex5_DetCell")
            .replacingOccurrences(of: TestPaths.sharedFile("neuroml/examples/NML2_SingleCompHHCell.nml"), with: cell)
            .replacingOccurrences(of: "</Simulation>", with: """
                <OutputFile id="pop" fileName="results/ex5_populations.dat">
                    <OutputColumn id="v" quantity="hhpop[0]/v"/>
                    <OutputColumn id="gleak" quantity="hhpop[0]/bioPhys1/membraneProperties/leak/g"/>
                    <OutputColumn id="ileak" quantity="hhpop[0]/bioPhys1/membraneProperties/leak/i"/>
                    <OutputColumn id="ina" quantity="hhpop[0]/bioPhys1/membraneProperties/naChans/i"/>
                </OutputFile>
            </Simulation>
            """)
        XCTAssertTrue(lems.contains(cell))
        return try writeModel(lems, "LEMS_populations.xml", label: "chanpop")
    }

    /// The same cell as NEURON runs Ex5 (its reference in ../shared/neuroml/expected), within the
    /// judge's tolerances, and within 0.001 mV of brcc's own Ex5 (0.00056 mV measured: the
    /// densities differ by the rounding of the sphere's area, 1000 um2 to about 3e-8, and the
    /// spikes' steep flanks amplify it); the leak population's conductance
    /// is its 300 channels of 10 pS, and its current that conductance times (erev - v).
    func testPopulationsOnAOneCompartmentCellRunAsEx5() throws {
        let out = try runSimulationByFile(ex5WithPopulations())
        try assertMatchesExpected("ex5_detcell", outputs: out)
        let densities = try runSimulationByFile(TestPaths.sharedFile("neuroml/LEMSexamples/LEMS_NML2_Ex5_DetCell.xml"))
        let a = try XCTUnwrap(out["results/ex5_v.dat"]), b = try XCTUnwrap(densities["results/ex5_v.dat"])
        XCTAssertEqual(a.count, b.count)
        let worst = zip(a, b).map { abs($0[1] - $1[1]) }.max()!
        XCTAssertLessThan(worst, 1e-6, "V (V): populations against densities")
        let pop = try XCTUnwrap(out["results/ex5_populations.dat"])
        XCTAssertEqual(pop.count, a.count)
        var spiked = false
        for row in pop {
            XCTAssertEqual(row[2], 300 * 10e-12, accuracy: 1e-21, "leak g (S)")
            XCTAssertEqual(row[3], 3e-9 * (-0.0543 - row[1]), accuracy: 1e-9 * abs(row[3]) + 1e-22, "leak i (A)")
            spiked = spiked || row[1] > 0
        }
        XCTAssertTrue(spiked, "the cell fires")
        // The Na current at the peak of a spike is tens of nA inward first, then outward.
        XCTAssertGreaterThan(pop.map { $0[4] }.max()!, 1e-9)
    }

    /// The NeuroML export writes the populations back as they are (the export runs to the same
    /// bits), and refuses a gmax set on one: NeuroML gives a population a number of channels,
    /// not a conductance density.
    func testPopulationsExportToNeuroML() throws {
        let path = try ex5WithPopulations()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("brcc-chanpop-\(UUID().uuidString)")
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        let files = try Driver.exportNeuroML(path, to: dir.appendingPathComponent("nml"))
        let a = try runSimulationByFile(path), b = try runSimulationByFile(files[0].path)
        XCTAssertEqual(a.keys.sorted(), ["results/ex5_populations.dat", "results/ex5_v.dat", "results/ex5_vars.dat"])
        for (name, table) in a { XCTAssertTrue(table == b[name], "\(name): the export runs to other values") }
        let text = try String(contentsOfFile: path, encoding: .utf8)
            .replacingOccurrences(of: "<Lems>", with: #"<Lems xmlns:brc="urn:brcc:brc:1">"#)
            .replacingOccurrences(of: "</Lems>", with: #"<brc:setParameter population="hhpop" channelDensity="naChans" name="gmax" value="100 S_per_m2"/></Lems>"#)
        let set = try writeModel(text, "LEMS_set.xml", label: "chanpop")
        XCTAssertNotEqual(try runSimulationByFile(set)["results/ex5_v.dat"], a["results/ex5_v.dat"], "gmax sets the population's density")
        XCTAssertThrowsError(try Driver.exportNeuroML(set, to: dir.appendingPathComponent("nml2"))) { error in
            XCTAssertTrue("\(error)".contains("channelPopulation 'naChans'"), "\(error)")
        }
    }

    /// A cell of three compartments: a population on the dendrite group spreads its channels
    /// over both dendrite compartments in proportion to their areas (one density), and holds
    /// its number; one on a segment and a channelDensity on a segment sit on that compartment.
    func testAPopulationIsSpreadOverItsCompartmentsAndHoldsItsNumber() throws {
        let path = try writeModel("""
            <Lems>
              <Target component="sim"/>
              <Include file="Cells.xml"/><Include file="Networks.xml"/><Include file="Simulation.xml"/>
              <ionChannelHH id="pas" conductance="10pS"/>
              <cell id="c">
                <morphology id="m">
                  <segment id="0" name="soma"><proximal x="0" y="0" z="0" diameter="10"/><distal x="10" y="0" z="0" diameter="10"/></segment>
                  <segment id="1" name="d1"><parent segment="0"/><proximal x="10" y="0" z="0" diameter="2"/><distal x="30" y="0" z="0" diameter="2"/></segment>
                  <segment id="2" name="d2"><parent segment="1"/><proximal x="30" y="0" z="0" diameter="1"/><distal x="70" y="0" z="0" diameter="1"/></segment>
                  <segmentGroup id="dend"><member segment="1"/><member segment="2"/></segmentGroup>
                </morphology>
                <biophysicalProperties id="b">
                  <membraneProperties>
                    <channelDensity id="leak" ionChannel="pas" condDensity="1 S_per_m2" erev="-70mV"/>
                    <channelPopulation id="dendPop" ionChannel="pas" number="1000" erev="0mV" segmentGroup="dend"/>
                    <channelPopulation id="tipPop" ionChannel="pas" number="50" erev="0mV" segment="2"/>
                    <channelDensity id="somaOnly" ionChannel="pas" condDensity="2 S_per_m2" erev="-70mV" segment="0"/>
                    <specificCapacitance value="1 uF_per_cm2"/>
                    <initMembPotential value="-70mV"/>
                  </membraneProperties>
                  <intracellularProperties><resistivity value="100 ohm_cm"/></intracellularProperties>
                </biophysicalProperties>
              </cell>
              <network id="net"><population id="p" component="c" size="1"/></network>
              <Simulation id="sim" length="1ms" step="0.025ms" target="net">
                <OutputFile id="f" fileName="pop.dat">
                  <OutputColumn id="g" quantity="p/0/c/0/b/membraneProperties/dendPop/g"/>
                  <OutputColumn id="gtip" quantity="p/0/c/0/b/membraneProperties/tipPop/g"/>
                  <OutputColumn id="i" quantity="p/0/c/0/b/membraneProperties/dendPop/i"/>
                  <OutputColumn id="v1" quantity="p/0/c/1/v"/>
                  <OutputColumn id="v2" quantity="p/0/c/2/v"/>
                </OutputFile>
              </Simulation>
            </Lems>
            """, label: "chanpop")
        let (ir, _) = try Driver.check(path)
        let ct = ir.cellTypes[0]
        func placement(_ label: String) throws -> IRPlacement { try XCTUnwrap(ct.placements.first { $0.label == label }, label) }
        // Each segment is one section of one compartment here: its node holds its whole area.
        let dendNodes = try placement("dendPop").nodes
        XCTAssertEqual(dendNodes.count, 2)
        let area = dendNodes.map { ct.nodes[$0].area }.reduce(0, +)
        XCTAssertEqual(area, .pi * (2 * 20 + 1 * 40), accuracy: 1e-9, "the dendrite's membrane (um2)")
        for row in try placement("dendPop").values {
            XCTAssertEqual(row[0], 1000 * 1e-5 / area, accuracy: 1e-18, "density (uS/um2)")
            XCTAssertEqual(row[1], 0)
        }
        XCTAssertEqual(try placement("tipPop").nodes.map { ct.nodes[$0].label }, ["d2(0.5)"])
        XCTAssertEqual(try placement("tipPop").values[0][0], 50 * 1e-5 / (.pi * 40), accuracy: 1e-18)
        XCTAssertEqual(try placement("somaOnly").nodes.map { ct.nodes[$0].label }, ["soma(0.5)"])
        XCTAssertEqual(try placement("leak").nodes.count, 3)
        let out = try XCTUnwrap(runSimulationByFile(path)["pop.dat"])
        XCTAssertEqual(out.count, 41)
        for row in out {
            XCTAssertEqual(row[1], 1000 * 10e-12, accuracy: 1e-22, "the population's conductance is its number of channels (S)")
            XCTAssertEqual(row[2], 50 * 10e-12, accuracy: 1e-22)
        }
        // Its current: each compartment's share of the conductance times (0 - v) there.
        let shares = dendNodes.map { ct.nodes[$0].area / area }
        let last = out[out.count - 1]
        XCTAssertEqual(last[3], 1e-8 * (shares[0] * (0 - last[4]) + shares[1] * (0 - last[5])), accuracy: 1e-6 * abs(last[3]))
        XCTAssertGreaterThan(last[4], -0.070, "the population depolarises the dendrite")
    }

    func testBadPopulationsAreLocatedErrors() throws {
        func errors(_ membrane: String, channel: String = #"<ionChannelHH id="pas" conductance="10pS"/>"#) throws -> [String] {
            let path = try writeModel("""
                <neuroml>
                  \(channel)
                  <cell id="c">
                    <morphology id="m">
                      <segment id="0" name="soma"><proximal x="0" y="0" z="0" diameter="10"/><distal x="10" y="0" z="0" diameter="10"/></segment>
                      <segmentGroup id="soma_group"><member segment="0"/></segmentGroup>
                    </morphology>
                    <biophysicalProperties id="b">
                      <membraneProperties>
                        \(membrane)
                        <specificCapacitance value="1 uF_per_cm2"/>
                        <initMembPotential value="-65mV"/>
                      </membraneProperties>
                    </biophysicalProperties>
                  </cell>
                </neuroml>
                """, "bad.nml", label: "chanpop")
            return modelErrors(path)
        }
        XCTAssertEqual(try errors(#"<channelPopulation id="p" ionChannel="pas" number="5" erev="0mV"/>"#), [])
        XCTAssertEqual(try errors(#"<channelPopulation id="p" ionChannel="pas" number="5" erev="0mV" segment="0" segmentGroup="soma_group"/>"#).map { String($0.prefix(9)) }, ["BRC-E0101"])
        let missing = try errors(#"<channelPopulation id="p" ionChannel="pas" number="5" erev="0mV" segment="7"/>"#)
        XCTAssertEqual(missing.map { String($0.prefix(9)) }, ["BRC-E0309"])
        XCTAssertTrue(missing[0].contains("segment 7"), missing[0])
        XCTAssertEqual(try errors(#"<channelDensity id="d" ionChannel="pas" condDensity="1 S_per_m2" erev="0mV" segment="3"/>"#).map { String($0.prefix(9)) }, ["BRC-E0309"])
        XCTAssertEqual(try errors(#"<channelPopulation id="p" ionChannel="pas" number="-5" erev="0mV"/>"#).map { String($0.prefix(9)) }, ["BRC-E0124"])
        let noConductance = try errors(#"<channelPopulation id="p" ionChannel="pas" number="5" erev="0mV"/>"#, channel: #"<ionChannelHH id="pas"/>"#)
        XCTAssertEqual(noConductance.map { String($0.prefix(9)) }, ["BRC-E0102"])
        XCTAssertTrue(noConductance[0].contains("single-channel conductance"), noConductance[0])
        XCTAssertEqual(try errors(#"<channelPopulation id="p" ionChannel="nothing" number="5" erev="0mV"/>"#).map { String($0.prefix(9)) }, ["BRC-E0107"])
    }
}
