import BRCDiagnostics
import BRCDriver
import BRCParse
import Foundation
import XCTest

/// Standard elements compiled from the bundled NeuroML2 core ComponentTypes (point cells with
/// their Dynamics and regimes, synapses), checked against jLEMS where NEURON has no output
/// (fixtures written by tools/jlems_reference.sh), and the error rule for unsupported elements.
final class LEMSCoreTypeTests: XCTestCase {
    func example(_ name: String) -> String { TestPaths.sharedFile("neuroml/LEMSexamples/LEMS_NML2_\(name).xml") }
    func jlems(_ name: String) -> URL { TestPaths.repo.appendingPathComponent("Tests/BRCTests/Fixtures/jlems/\(name)") }

    /// Times (ms) of the rows after which a column drops by more than 5 mV (an abstract cell's resets).
    func resets(_ table: [[Double]], _ col: Int) -> [Double] {
        (0..<(table.count - 1)).filter { table[$0][col] - table[$0 + 1][col] > 0.005 }.map { table[$0 + 1][0] * 1000 }
    }

    /// The jLEMS reference of an example: thinned tables by file name, resets by file and column.
    func reference(_ name: String) throws -> (every: Int, tables: [String: [[Double]]], resets: [String: [Int: [Double]]]) {
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: jlems(name).appendingPathComponent("events.json"))) as! [String: Any]
        let every = json["every"] as! Int
        var tables: [String: [[Double]]] = [:], resets: [String: [Int: [Double]]] = [:]
        for (file, cols) in json["resets_ms"] as! [String: [String: [Double]]] {
            tables[file] = try loadTable(jlems(name).appendingPathComponent(file).path)
            resets[file] = Dictionary(uniqueKeysWithValues: cols.map { (Int($0.key)!, $0.value) })
        }
        return (every, tables, resets)
    }

    /// Worst |difference| of a column on the reference's (thinned) rows.
    func worst(_ ref: [[Double]], _ got: [[Double]], every: Int, _ col: Int, rows: Int? = nil) -> Double {
        (0..<min(rows ?? ref.count, ref.count)).map { abs(ref[$0][col] - got[$0 * every][col]) }.max()!
    }

    func testCoreTypesAreBundledWithTheirLicence() throws {
        let lib = CoreTypes.library
        XCTAssertNil(lib.problem)
        let names = Set(lib.types.compactMap { $0["name"] })
        for n in ["iafCell", "izhikevich2007Cell", "adExIaFCell", "alphaSynapse", "expTwoSynapse", "pointCellCondBased"] { XCTAssertTrue(names.contains(n), n) }
        let dir = TestPaths.repo.appendingPathComponent("Sources/BRCParse/CoreTypes")
        for f in ["COPYING.LESSER", "COPYING", "README.md"] { XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent(f).path), f) }
    }

    /// Ex0: iafTauCell, iafTauRefCell (regimes), iafRefCell, iafCell: every reset within 0.05 ms of
    /// jLEMS's (forward Euler; brcc's voltage solve is NEURON's), the traces within 0.05 mV.
    func testIntegrateAndFireCellsFollowJLEMS() throws {
        let ref = try reference("Ex0_IaF")
        let out = try runSimulationByFile(example("Ex0_IaF"))
        for (file, cols) in ref.resets {
            let got = try XCTUnwrap(out[file])
            for (col, expected) in cols {
                let r = resets(got, col)
                XCTAssertEqual(r.count, expected.count, "\(file) column \(col)")
                XCTAssertGreaterThan(expected.count, 5)
                XCTAssertLessThanOrEqual(zip(r, expected).map { abs($0 - $1) }.max() ?? 0, 0.05, "\(file) column \(col) resets")
                let table = ref.tables[file]!
                let rms = (table.indices.map { pow(table[$0][col] - got[$0 * ref.every][col], 2) }.reduce(0, +) / Double(table.count)).squareRoot()
                XCTAssertLessThan(rms * 1000, 0.05, "\(file) column \(col) RMS (mV)")
            }
        }
    }

    /// Ex8: adExIaFCell (exponential current, adaptation, a refractory regime). The first
    /// bursts reset at jLEMS's steps exactly; later resets drift by up to a few steps, because
    /// brcc integrates the adaptation current w (linear in itself) exactly and jLEMS by forward
    /// Euler; the chaotic cell only keeps its count.
    func testAdaptiveExponentialCellsFollowJLEMS() throws {
        let ref = try reference("Ex8_AdEx")
        let out = try runSimulationByFile(example("Ex8_AdEx"))
        for (file, cols) in ref.resets {
            let got = try XCTUnwrap(out[file])
            let expected = cols[1]!, r = resets(got, 1)
            XCTAssertEqual(r.count, expected.count, "\(file) resets")
            XCTAssertLessThanOrEqual(abs(r[0] - expected[0]), 1e-6, "\(file) first reset")
            if file.contains("burst") && !file.contains("chaos") {
                XCTAssertLessThanOrEqual(zip(r, expected).prefix(4).map { abs($0 - $1) }.max()!, 1e-6, "\(file) first four resets")
                XCTAssertLessThanOrEqual(zip(r, expected).map { abs($0 - $1) }.max()!, 0.3, "\(file) every reset")
            }
        }
    }

    /// Ex2: izhikevichCell (dimensionless currents: pulseGeneratorDL, rampGeneratorDL): the same
    /// number of resets as jLEMS, the first within two steps (brcc applies inputs at mid-step,
    /// as NEURON), every one within 1 ms (the bursting cell is the most sensitive; brcc integrates
    /// U, linear in itself, exactly).
    func testDimensionlessIzhikevichCellsFollowJLEMS() throws {
        let ref = try reference("Ex2_Izh")
        let got = try XCTUnwrap(runSimulationByFile(TestPaths.model("tools/lems/LEMS_NML2_Ex2_Izh_outputs.xml"))["results/ex2_v.dat"])
        for (col, expected) in ref.resets["results/ex2_v.dat"]! {
            let r = resets(got, col)
            XCTAssertEqual(r.count, expected.count, "column \(col)")
            XCTAssertLessThanOrEqual(abs(r[0] - expected[0]), 0.0101, "column \(col) first reset")
            XCTAssertLessThanOrEqual(zip(r, expected).map { abs($0 - $1) }.max()!, 1, "column \(col) every reset")
        }
    }

    /// Ex9: fitzHughNagumoCell (no membrane potential: both states in its dynamics), 200 s.
    func testFitzHughNagumoFollowsJLEMS() throws {
        let ref = try reference("Ex9_FN")
        let got = try XCTUnwrap(runSimulationByFile(example("Ex9_FN"))["results/ex9.dat"])
        let table = ref.tables["results/ex9.dat"]!
        XCTAssertLessThan(worst(table, got, every: ref.every, 1, rows: 10), 1e-3)
        XCTAssertLessThan(worst(table, got, every: ref.every, 1), 0.06)
        XCTAssertLessThan(worst(table, got, every: ref.every, 2), 0.01)
    }

    /// Ex12 (iafCells in a network with explicit connections) and Ex21 (current-based
    /// synapses from Synapses.xml on an iafRefCell, synapticConnectionWD): traces within 0.05 mV.
    func testIafNetworksAndCurrentSynapsesFollowJLEMS() throws {
        for name in ["Ex12_Net2", "Ex21_CurrentBasedSynapses"] {
            let ref = try reference(name)
            let out = try runSimulationByFile(example(name))
            for (file, table) in ref.tables {
                let got = try XCTUnwrap(out[file], "\(name) \(file)")
                for col in 1..<table[0].count {
                    XCTAssertLessThan(worst(table, got, every: ref.every, col) * 1000, 0.05, "\(name) \(file) column \(col) (mV)")
                }
            }
        }
    }

    /// Ex1's pointCellCondBased (C = 10 pF, channel populations) behaves as the equivalent
    /// one-compartment <cell> (area 1000 um2 at 1 uF/cm2, densities = number x conductance / area),
    /// which the NEURON-checked cable path computes.
    func testPointCellCondBasedEqualsTheEquivalentCell() throws {
        let point = try XCTUnwrap(runSimulationByFile(example("Ex1_HH"))["results/hh_v.dat"])
        let d = (1000 / Double.pi).squareRoot()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("brcc-ex1-cell-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let channels = try String(contentsOfFile: example("Ex1_HH"), encoding: .utf8)
        let start = try XCTUnwrap(channels.range(of: "<ionChannelPassive")), end = try XCTUnwrap(channels.range(of: "<pointCellCondBased"))
        let text = """
        <Lems>
          <Target component="sim1"/>
          \(channels[start.lowerBound..<end.lowerBound])
          <cell id="hhcell">
            <morphology id="m"><segment id="0" name="soma">
              <proximal x="0" y="0" z="0" diameter="\(d)"/><distal x="\(d)" y="0" z="0" diameter="\(d)"/>
            </segment></morphology>
            <biophysicalProperties id="b">
              <membraneProperties>
                <channelDensity id="leak" ionChannel="passive" condDensity="0.3 mS_per_cm2" erev="-54.3mV"/>
                <channelDensity id="naChans" ionChannel="na" condDensity="120 mS_per_cm2" erev="50mV"/>
                <channelDensity id="kChans" ionChannel="k" condDensity="36 mS_per_cm2" erev="-77mV"/>
                <spikeThresh value="20mV"/><specificCapacitance value="1 uF_per_cm2"/><initMembPotential value="-65mV"/>
              </membraneProperties>
              <intracellularProperties><resistivity value="100 ohm_cm"/></intracellularProperties>
            </biophysicalProperties>
          </cell>
          <pulseGenerator id="pulseGen1" delay="50ms" duration="50ms" amplitude="0.08 nA" />
          <network id="net1">
            <population id="hhpop" component="hhcell" size="1"/>
            <explicitInput target="hhpop[0]" input="pulseGen1" destination="synapses"/>
          </network>
          <Simulation id="sim1" length="150ms" step="0.01ms" target="net1">
            <OutputFile id="of0" fileName="v.dat"><OutputColumn id="v" quantity="hhpop[0]/v"/></OutputFile>
          </Simulation>
        </Lems>
        """
        let path = dir.appendingPathComponent("ex1_cell.xml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let cell = try XCTUnwrap(runSimulationByFile(path)["v.dat"])
        XCTAssertEqual(cell.count, point.count)
        let worst = zip(cell, point).map { abs($0[1] - $1[1]) }.max()!
        XCTAssertLessThan(worst, 1e-9, "V")
        XCTAssertEqual(spikeTimes(t: point.map { $0[0] }, v: point.map { $0[1] }).count, 4)
    }

    /// An unsupported element gives one located error at its cause, not one more at every use.
    func testAnUnsupportedElementIsReportedOnceAtItsCause() throws {
        let text = """
        <Lems>
          <Target component="sim1"/>
          <fancyNewCell id="fancy" C="1pF"/>
          <expOneSynapse id="syn" gbase="1nS" erev="0mV" tauDecay="2ms"/>
          <pulseGenerator id="p" delay="0ms" duration="1ms" amplitude="1nA"/>
          <network id="net1">
            <population id="pop" component="fancy" size="2"/>
            <synapticConnection from="pop[0]" to="pop[1]" synapse="syn" destination="synapses"/>
            <explicitInput target="pop[0]" input="p"/>
          </network>
          <Simulation id="sim1" length="10ms" step="0.01ms" target="net1">
            <OutputFile id="of0" fileName="v.dat"><OutputColumn id="v" quantity="pop[0]/v"/></OutputFile>
          </Simulation>
        </Lems>
        """
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("brcc-cascade-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("m.xml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try Driver.check(path)) { error in
            guard case DriverError.model(let ds) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(ds.filter { $0.severity == .error }.count, 1, ds.map(\.description).joined(separator: "\n"))
            XCTAssertEqual(ds.first?.id, "BRC-E0103")
            XCTAssertEqual(ds.first?.location.line, 3)
        }
    }
}
