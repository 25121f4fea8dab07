import BRCDriver
import BRCIR
import BRCParse
import Foundation
import XCTest

/// `brc:matrixConnectivity` and `brc:currentFromFile` read their data (CSV or .npy).
final class DataFileTests: XCTestCase {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("brcc-data-\(UUID().uuidString)")

    override func setUpWithError() throws { try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true) }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    /// A .npy file (format 1.0, little-endian float64, C order).
    func writeNpy(_ rows: [[Double]], _ name: String, shape: (Int, Int)? = nil) throws {
        let (r, c) = shape ?? (rows.count, rows[0].count)
        var header = "{'descr': '<f8', 'fortran_order': False, 'shape': (\(r), \(c)), }"
        header += String(repeating: " ", count: (64 - (10 + header.utf8.count + 1) % 64) % 64) + "\n"
        var d = Data([0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count & 0xff), UInt8(header.utf8.count >> 8)])
        d.append(contentsOf: Array(header.utf8))
        for r in rows { for x in r { withUnsafeBytes(of: x.bitPattern.littleEndian) { d.append(contentsOf: $0) } } }
        try d.write(to: dir.appendingPathComponent(name))
    }

    /// A damaged .npy file is refused, never a crash: a version 2 header cut at 11 bytes, a
    /// negative or overflowing shape (each trapped before), and 10,000 seeded mutants of a
    /// valid file (bytes replaced, truncated, header digits changed). A value that is not
    /// finite is refused in either form.
    func testDamagedNpyFilesAreRefused() throws {
        try writeNpy([[1, 2], [3, 4], [5, 6]], "ok.npy")
        let valid = try Data(contentsOf: dir.appendingPathComponent("ok.npy"))
        guard case .success(let table) = DataTable.load(dir.appendingPathComponent("ok.npy").path) else { return XCTFail("the valid file") }
        XCTAssertEqual(table, [[1, 2], [3, 4], [5, 6]])
        let header = String(decoding: valid.prefix(valid.count - 48), as: UTF8.self)
        func load(_ bytes: Data) -> Result<[[Double]], DataTable.Failure> {
            let url = dir.appendingPathComponent("m.npy")
            try? bytes.write(to: url)
            return DataTable.load(url.path)
        }
        func refused(_ bytes: Data, _ what: String, line: UInt = #line) {
            guard case .failure(let f) = load(bytes) else { return XCTFail("accepted: \(what)", line: line) }
            XCTAssertFalse(f.description.isEmpty, line: line)
        }
        refused(Data([0x93] + Array("NUMPY".utf8) + [2, 0, 10, 0, 0]), "a version 2 header of 11 bytes")
        refused(Data([0x93] + Array("NUMPY".utf8) + [9, 0, 0, 0]), "version 9")
        for shape in ["(-1, 2)", "(3, -2)", "(9223372036854775807, 2)", "(4611686018427387904, 4)", "(4, 2)"] {
            let damaged = header.replacingOccurrences(of: "(3, 2)", with: shape).utf8 + valid.suffix(48)
            refused(Data(damaged), shape)
        }
        // An empty table is refused, as an empty CSV is: (0, 5) trapped in lowering where a
        // table's first row was read, and (1e12, 0), 128 bytes, passed the size check and
        // asked for 8 TB of empty rows (the security audit).
        for (shape, name) in [((0, 5), "rows0.npy"), ((1_000_000_000_000, 0), "cols0.npy")] {
            try writeNpy([], name, shape: shape)
            guard case .failure(let f) = DataTable.load(dir.appendingPathComponent(name).path) else { return XCTFail("accepted: \(shape)") }
            XCTAssertTrue(f.description.contains("empty"), f.description)
        }
        // A model's data files hold at most DataTable.maximumValues values together (here a
        // bound of 5 against the 6 of ok.npy, and of the same table as text).
        try "1, 2\n3, 4\n5, 6\n".write(to: dir.appendingPathComponent("ok.csv"), atomically: true, encoding: .utf8)
        for name in ["ok.npy", "ok.csv"] {
            guard case .success = DataTable.load(dir.appendingPathComponent(name).path, maximumValues: 6) else { return XCTFail("6 values within 6: \(name)") }
            guard case .failure(let f) = DataTable.load(dir.appendingPathComponent(name).path, maximumValues: 5) else { return XCTFail("6 values past 5: \(name)") }
            XCTAssertTrue(f.description.contains("at most"), f.description)
        }
        // One long line (no line feeds for the line count to see) is held to the same bound,
        // before its fields are all made.
        try (Array(repeating: "1", count: 20).joined(separator: ",") + "\n").write(to: dir.appendingPathComponent("line.csv"), atomically: true, encoding: .utf8)
        guard case .failure(let long) = DataTable.load(dir.appendingPathComponent("line.csv").path, maximumValues: 10) else { return XCTFail("20 values past 10") }
        XCTAssertEqual(long.description, "it has more than 10 values; brcc reads at most that many from a model's data files")
        guard case .success = DataTable.load(dir.appendingPathComponent("line.csv").path, maximumValues: 20) else { return XCTFail("20 values within 20") }
        // Values that are not finite are refused with their place, in both forms.
        try writeNpy([[1, 2], [3, .nan]], "nan.npy")
        guard case .failure(let nan) = DataTable.load(dir.appendingPathComponent("nan.npy").path) else { return XCTFail("a NaN in a .npy") }
        XCTAssertEqual(nan.description, "the value at row 1, column 1 is nan, not a finite number")
        try "# w\n1, 2\n3, inf\n".write(to: dir.appendingPathComponent("inf.csv"), atomically: true, encoding: .utf8)
        guard case .failure(let inf) = DataTable.load(dir.appendingPathComponent("inf.csv").path) else { return XCTFail("an inf in a CSV") }
        XCTAssertEqual(inf.description, "line 3 has 'inf', which is not a finite number")
        var rng = Fuzz.RNG(seed: 7)
        var accepted = 0
        for _ in 0..<10_000 {
            var b = [UInt8](valid)
            for _ in 0..<rng.range(1...4) where !b.isEmpty {
                switch rng.below(3) {
                case 0: b[rng.below(b.count)] = UInt8(rng.below(256))
                case 1: b = Array(b.prefix(rng.below(b.count + 1)))
                default:
                    let digits = b.indices.filter { (48...57).contains(b[$0]) }
                    if !digits.isEmpty { b[rng.pick(digits)] = rng.pick([48, 57, 45]) }
                }
            }
            if case .success = load(Data(b)) { accepted += 1 }
        }
        XCTAssertGreaterThan(accepted, 0, "some mutants (a changed value) are still valid files")
    }

    func model(_ body: String, extra: String = "") throws -> IRModel {
        let text = """
        <Lems xmlns:brc="urn:brcc:brc:1">
          <Include file="\(TestPaths.model("models/synapses/kinetic_synapses.xml"))"/>
          <Include file="\(TestPaths.model("models/cells/passive1.cell.nml"))"/>
          \(extra)
          <network id="net">
            <population id="A" component="passive1" size="3"/>
            <population id="B" component="passive1" size="2"/>
            \(body)
          </network>
          <Simulation id="sim" length="50ms" step="0.025ms" target="net">
            <OutputFile id="o" fileName="v.dat"><OutputColumn id="v" quantity="A[0]/v"/></OutputFile>
          </Simulation>
          <Target component="sim"/>
        </Lems>
        """
        return try Driver.check(text: text, path: dir.appendingPathComponent("model.xml").path)
    }

    func testMatrixConnectivityFromCSVAndNpy() throws {
        let matrix: [[Double]] = [[0, 2], [1, 0], [0.5, 0]]  // 3 pre x 2 post
        try "# pre x post\n0, 2\n1, 0\n0.5, 0\n".write(to: dir.appendingPathComponent("m.csv"), atomically: true, encoding: .utf8)
        // The same with Windows line ends (read as one line, and refused, before).
        try "# pre x post\r\n0, 2\r\n1, 0\r\n0.5, 0\r\n".write(to: dir.appendingPathComponent("crlf.csv"), atomically: true, encoding: .utf8)
        try writeNpy(matrix, "m.npy")
        for file in ["m.csv", "crlf.csv", "m.npy"] {
            let ir = try model("""
                <projection id="p" presynapticPopulation="A" postsynapticPopulation="B" synapse="AMPA">
                  <brc:matrixConnectivity file="\(file)" weight="2"/>
                </projection>
                """)
            let got = ir.connections.map { c in "\(ir.spikeSources[c.source].cell)->\(ir.synapseGroups[c.group].instances[c.instance].cell) w\(c.weight)" }
            XCTAssertEqual(Set(got), ["0->1 w4.0", "1->0 w2.0", "2->0 w1.0"], file)
        }
        XCTAssertThrowsError(try model("""
            <projection id="p" presynapticPopulation="B" postsynapticPopulation="A" synapse="AMPA"><brc:matrixConnectivity file="m.csv"/></projection>
            """)) { e in
            guard case DriverError.model(let ds) = e else { return XCTFail("\(e)") }
            XCTAssertTrue(ds.contains { $0.id == "BRC-E0707" }, "a 3 x 2 matrix for a 2 x 3 projection is rejected")
        }
    }

    /// Text as spreadsheets save it: a UTF-8 byte-order mark before the first value is not part
    /// of it (the first row was skipped as a header, silently), and a decimal comma beside a
    /// ';' separator ("0;0,1", read as three values before) is refused, naming the line.
    func testSpreadsheetTextIsReadOrRefusedNotMisread() throws {
        try "\u{FEFF}0, 2\n1, 0\n0.5, 0\n".write(to: dir.appendingPathComponent("bom.csv"), atomically: true, encoding: .utf8)
        XCTAssertEqual(try Data(contentsOf: dir.appendingPathComponent("bom.csv")).prefix(3), Data([0xEF, 0xBB, 0xBF]))
        guard case .success(let table) = DataTable.load(dir.appendingPathComponent("bom.csv").path) else { return XCTFail("the file with a BOM") }
        XCTAssertEqual(table, [[0, 2], [1, 0], [0.5, 0]])
        try "0;2\n1;0\n0,5;0\n".write(to: dir.appendingPathComponent("comma.csv"), atomically: true, encoding: .utf8)
        guard case .failure(let f) = DataTable.load(dir.appendingPathComponent("comma.csv").path) else { return XCTFail("decimal commas") }
        XCTAssertTrue(f.description.hasPrefix("line 3 has both ';' and ','"), f.description)
        // The same with tabs between the values (read as four values 0 0 0 2 before).
        try "time\tcurrent\n0,0\t0,2\n".write(to: dir.appendingPathComponent("tabs.txt"), atomically: true, encoding: .utf8)
        guard case .failure(let tabs) = DataTable.load(dir.appendingPathComponent("tabs.txt").path) else { return XCTFail("decimal commas between tabs") }
        XCTAssertTrue(tabs.description.hasPrefix("line 2 has both '\\t' and ','"), tabs.description)
        XCTAssertThrowsError(try model("""
            <projection id="p" presynapticPopulation="A" postsynapticPopulation="B" synapse="AMPA"><brc:matrixConnectivity file="comma.csv"/></projection>
            """)) { e in
            guard case DriverError.model(let ds) = e else { return XCTFail("\(e)") }
            XCTAssertEqual(ds.map(\.id), ["BRC-E0009"], "\(ds)")
        }
    }

    func testCurrentFromFileMatchesTheSamePulse() throws {
        // 0.05 nA from 5 to 30 ms, as a table (in s and A) and as a pulse generator.
        try "t_s,i_A\n0.005,5e-11\n0.030,5e-11\n".write(to: dir.appendingPathComponent("i.csv"), atomically: true, encoding: .utf8)
        let fromFile = try model("""
            <inputList id="in" population="A" component="cur"><input id="0" target="../A[0]" destination="synapses"/></inputList>
            """, extra: """
            <brc:currentFromFile id="cur" file="i.csv" timeUnit="s" currentUnit="A"/>
            """)
        let pulse = try model("""
            <inputList id="in" population="A" component="cur"><input id="0" target="../A[0]" destination="synapses"/></inputList>
            """, extra: """
            <pulseGenerator id="cur" delay="5ms" duration="25ms" amplitude="0.05nA"/>
            """)
        let a = try Driver.run(fromFile, outDir: nil, cache: TestPaths.cache).recorder.table(0)
        let b = try Driver.run(pulse, outDir: nil, cache: TestPaths.cache).recorder.table(0)
        XCTAssertEqual(a.count, b.count)
        let worst = zip(a, b).map { abs($0[1] - $1[1]) }.max()!
        XCTAssertLessThan(worst, 1e-12, "same current, same trace")
        XCTAssertGreaterThan(a.map { $0[1] }.max()! + 0.070, 0.001, "the current depolarises the cell by more than 1 mV")
    }

    func testPoissonSourceRateAndSeed() throws {
        func spikes(seed: Int) throws -> [Double] {
            let text = """
            <Lems xmlns:brc="urn:brcc:brc:1">
              <Include file="\(TestPaths.model("models/cells/passive1.cell.nml"))"/>
              <brc:poissonSource id="src" rate="50Hz" seed="\(seed)"/>
              <network id="net">
                <population id="P" component="src" size="20"/>
                <population id="A" component="passive1" size="1"/>
              </network>
              <Simulation id="sim" length="1000ms" step="0.025ms" target="net">
                <EventOutputFile id="e" fileName="s.dat" format="TIME_ID"><EventSelection id="0" select="P[*]" eventPort="spike"/></EventOutputFile>
              </Simulation>
              <Target component="sim"/>
            </Lems>
            """
            let ir = try Driver.check(text: text, path: dir.appendingPathComponent("p.xml").path)
            return try Driver.run(ir, outDir: nil, cache: TestPaths.cache).spikes.map(\.0)
        }
        let a = try spikes(seed: 1), b = try spikes(seed: 1), c = try spikes(seed: 2)
        // 20 sources x 1 s x 50 Hz: mean 1000, sd about sqrt(1000) = 31.6.
        XCTAssertEqual(Double(a.count), 1000, accuracy: 3 * 31.6)
        XCTAssertEqual(a, b, "a seed reproduces the spikes")
        XCTAssertNotEqual(a, c)
    }

    /// NeuroML's random generators and inputs have no seed of their own: they draw from their
    /// id's seed mixed with the Simulation's `seed` (or `brcc run --seed`), so another seed
    /// gives other trains, and no seed (0) the id's trains as before. A brc:poissonSource keeps
    /// its own seed whatever the Simulation's.
    func testNeuroMLRandomInputsFollowTheSimulationSeed() throws {
        func run(_ seedAttribute: String, reseed: UInt64? = nil) throws -> (generator: [Double], input: [Double], own: [Double]) {
            let text = """
            <Lems xmlns:brc="urn:brcc:brc:1">
              <Include file="\(TestPaths.model("models/cells/passive1.cell.nml"))"/>
              <spikeGeneratorPoisson id="gen" averageRate="80Hz"/>
              <brc:poissonSource id="src" rate="80Hz" seed="3"/>
              <expOneSynapse id="syn" gbase="1nS" erev="0mV" tauDecay="2ms"/>
              <poissonFiringSynapse id="pfs" averageRate="80Hz" synapse="syn" spikeTarget="./syn"/>
              <network id="net">
                <population id="G" component="gen" size="5"/>
                <population id="S" component="src" size="5"/>
                <population id="A" component="passive1" size="1"/>
                <explicitInput target="A[0]" input="pfs"/>
              </network>
              <Simulation id="sim" length="500ms" step="0.025ms" target="net"\(seedAttribute)>
                <OutputFile id="o" fileName="v.dat"><OutputColumn id="v" quantity="A[0]/v"/></OutputFile>
                <EventOutputFile id="g" fileName="g.dat" format="TIME_ID"><EventSelection id="0" select="G[*]" eventPort="spike"/></EventOutputFile>
                <EventOutputFile id="s" fileName="s.dat" format="TIME_ID"><EventSelection id="0" select="S[*]" eventPort="spike"/></EventOutputFile>
              </Simulation>
              <Target component="sim"/>
            </Lems>
            """
            var ir = try Driver.check(text: text, path: dir.appendingPathComponent("n.xml").path)
            if let reseed { ir.seedRandomStreams(reseed) }
            let r = try Driver.run(ir, outDir: nil, cache: TestPaths.cache)
            let g = ir.generatorPopulations.firstIndex { $0.name == "G" }!, s = ir.generatorPopulations.firstIndex { $0.name == "S" }!
            func times(_ gp: Int) -> [Double] {
                r.spikes.filter { ir.spikeSources[$0.1].generator != nil && ir.spikeSources[$0.1].population == gp }.map(\.0)
            }
            return (times(g), r.recorder.table(0).map { $0[1] }, times(s))
        }
        let none = try run(""), zero = try run(#" seed="0""#), five = try run(#" seed="5""#), fiveAgain = try run(#" seed="5""#)
        let six = try run(#" seed="5""#, reseed: 6)
        // 5 generators x 0.5 s x 80 Hz: 200 spikes, sd 14.
        XCTAssertEqual(Double(none.generator.count), 200, accuracy: 3 * 14.1)
        XCTAssertEqual(Double(five.generator.count), 200, accuracy: 3 * 14.1)
        XCTAssertEqual(none.generator, zero.generator, "seed 0 is no seed")
        XCTAssertEqual(none.input, zero.input)
        XCTAssertNotEqual(none.generator, five.generator, "the Simulation's seed reseeds a spikeGeneratorPoisson")
        XCTAssertNotEqual(none.input, five.input, "and a poissonFiringSynapse (the potential it drives)")
        XCTAssertEqual(five.generator, fiveAgain.generator, "a seed reproduces")
        XCTAssertEqual(five.input, fiveAgain.input)
        XCTAssertNotEqual(five.generator, six.generator, "brcc run --seed reseeds them")
        XCTAssertEqual(none.own, five.own, "brc:poissonSource keeps its own seed")
        XCTAssertEqual(five.own, six.own)
    }

    /// One poissonFiringSynapse given twice to one cell (two explicitInputs) is two inputs, each
    /// with its own train, as jLEMS and NEURON instantiate them (not every spike twice, which
    /// one input of twice the conductance would give), and with a generator population of its
    /// own name: the two had one name, which `generatorTarget` trapped on (brcc-fuzz seed
    /// 20261213).
    func testAnInputGivenTwiceToOneCellDrawsTwoTrains() throws {
        func potential(copies: Int, gbase: String) throws -> (v: [Double], generators: Set<String>) {
            let text = """
            <Lems>
              <Include file="\(TestPaths.model("models/cells/passive1.cell.nml"))"/>
              <expOneSynapse id="syn" gbase="\(gbase)" erev="0mV" tauDecay="2ms"/>
              <poissonFiringSynapse id="pfs" averageRate="80Hz" synapse="syn" spikeTarget="./syn"/>
              <network id="net">
                <population id="A" component="passive1" size="1"/>
            \(String(repeating: "    <explicitInput target=\"A[0]\" input=\"pfs\"/>\n", count: copies))  </network>
              <Simulation id="sim" length="500ms" step="0.025ms" target="net">
                <OutputFile id="o" fileName="v.dat"><OutputColumn id="v" quantity="A[0]/v"/></OutputFile>
              </Simulation>
              <Target component="sim"/>
            </Lems>
            """
            let ir = try Driver.check(text: text, path: dir.appendingPathComponent("twice.xml").path)
            let r = try Driver.run(ir, outDir: nil, cache: TestPaths.cache)
            return (r.recorder.table(0).map { $0[1] }, Set(ir.generatorPopulations.map(\.name)))
        }
        let twice = try potential(copies: 2, gbase: "1nS"), doubled = try potential(copies: 1, gbase: "2nS")
        XCTAssertEqual(twice.generators.count, 2, "one generator population each, named apart")
        XCTAssertEqual(twice.v.count, doubled.v.count)
        // The same train twice into a linear synapse is one input of twice its conductance, to
        // rounding; two independent trains at 80 Hz differ from it by millivolts.
        let largest = zip(twice.v, doubled.v).map { abs($0 - $1) }.max() ?? 0
        XCTAssertGreaterThan(largest, 1e-3, "the two inputs draw their own trains (largest difference \(largest) V)")
    }
}
