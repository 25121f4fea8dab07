import BRCCodeGen
import BRCDriver
import BRCIR
import Foundation
import XCTest

/// Abstract cells whose spikes come from conditions that are not a threshold on v, and whose
/// conditions or other states read the synaptic current (docs/external_models.md: NeuroMLlite's
/// intFire1Cell, OSB's dimensionless Hindmarsh-Rose cell). Against jLEMS 0.14
/// (tools/jlems_reference.sh, Tests/BRCTests/Fixtures/jlems/IntFire1 and HindmarshRoseDL).
final class ConditionSpikeTests: XCTestCase {
    /// Outputs by file, the cells' spikes (time ms, cell index in its population) and every
    /// output and spike time as bits.
    struct Run { var tables: [String: [[Double]]]; var spikes: [(time: Double, cell: Int)]; var bits: [[UInt64]] }

    func run(_ path: String, backend: KernelTarget = .c) throws -> Run {
        let (ir, _) = try Driver.check(path)
        let r = try Driver.run(ir, outDir: nil, cache: TestPaths.cache, backend: backend)
        var tables: [String: [[Double]]] = [:], bits: [[UInt64]] = []
        for (i, f) in (ir.simulation?.outputs ?? []).enumerated() {
            tables[f.fileName] = r.recorder.table(i)
            bits += r.recorder.table(i).map { $0.map(\.bitPattern) }
        }
        bits.append(r.spikes.map { $0.0.bitPattern })
        let cells = r.spikes.filter { ir.spikeSources[$0.1].generator == nil }.map { (time: $0.0, cell: ir.spikeSources[$0.1].cell) }
        return Run(tables: tables, spikes: cells, bits: bits)
    }

    func jlems(_ name: String, _ file: String) -> String {
        TestPaths.repo.appendingPathComponent("Tests/BRCTests/Fixtures/jlems/\(name)/\(file)").path
    }

    /// RMS difference of a column on the reference's rows (every `every`-th row of `got`).
    func rms(_ ref: [[Double]], _ got: [[Double]], every: Int, _ col: Int, where keep: (Double) -> Bool = { _ in true }) -> Double {
        let d = ref.indices.filter { keep(ref[$0][0]) }.map { ref[$0][col] - got[$0 * every][col] }
        return (d.map { $0 * $0 }.reduce(0, +) / Double(d.count)).squareRoot()
    }

    /// intFire1Cell emits from `v .gt. thresh` (with a reset) and from `iSyn .gt. 0` (v jumps
    /// by the synaptic current): each emitting condition counts a spike at the start of the
    /// step whose conditions held. The same 9 spikes as jLEMS's, each within one step
    /// (0.005 ms: brcc's synaptic current follows an event one step later, as NEURON's export
    /// computes it; jLEMS dates a spike at the end of the step that tested it), the two
    /// cells' potentials within 0.02 mV RMS (measured 0.008 and 0.013 mV: a step's offset at
    /// each jump and reset); both backends give the same bits.
    func testIntFire1CellEmitsFromBothConditionsAsJLEMS() throws {
        let path = TestPaths.model("tools/lems/LEMS_IntFire1.xml")
        let got = try run(path)
        let ref = try loadTable(jlems("IntFire1", "results/if1_spikes.dat"))
        XCTAssertEqual(got.spikes.count, 9)
        XCTAssertEqual(got.spikes.count, ref.count)
        for cell in 0..<2 {
            let mine = got.spikes.filter { $0.cell == cell }.map(\.time)
            let theirs = ref.filter { Int($0[1]) == cell }.map { $0[0] * 1000 }
            XCTAssertEqual(mine.count, theirs.count, "cell \(cell)")
            XCTAssertLessThanOrEqual(zip(mine, theirs).map { abs($0 - $1) }.max() ?? 0, 0.005 + 1e-9, "cell \(cell): spike times (ms)")
        }
        // Cell 1's third input takes it over threshold: a jump, then the reset one step later.
        XCTAssertEqual(got.spikes.filter { $0.cell == 1 }.map(\.time)[3] - got.spikes.filter { $0.cell == 1 }.map(\.time)[2], 0.005, accuracy: 1e-9)
        let table = try loadTable(jlems("IntFire1", "results/if1.dat"))
        let mine = try XCTUnwrap(got.tables["results/if1.dat"])
        for col in 1...2 { XCTAssertLessThan(rms(table, mine, every: 10, col) * 1000, 0.02, "cell \(col - 1) v RMS (mV)") }
        XCTAssertEqual(got.bits, try run(path, backend: .swift).bits, "C and Swift kernels differ")
    }

    /// The counted spikes reach synapses as a generator's spikes at the same times do: the
    /// iafCell that cell 1 drives (1 ms delay) has the same trace, bit for bit, as when a
    /// spikeArray replays cell 1's spikes. (jLEMS 0.14 is no reference here: it writes the
    /// events of a cell with several EventOuts to its EventOutputFile but delivers none.)
    func testCountedSpikesReachSynapsesAsAGeneratorsSpikes() throws {
        let path = TestPaths.model("tools/lems/LEMS_IntFire1.xml")
        let got = try run(path)
        let times = got.spikes.filter { $0.cell == 1 }.map(\.time)
        XCTAssertEqual(times.count, 5)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let spikes = times.enumerated().map { "<spike id=\"\($0.offset)\" time=\"\($0.element)ms\"/>" }.joined()
        let from = "<projection id=\"out\" presynapticPopulation=\"cells\""
        XCTAssertTrue(text.contains(from) && text.contains("preCellId=\"../cells[1]\" postCellId=\"../post[0]\""))
        let replay = text.replacingOccurrences(of: "<network id=\"net\">", with: "<spikeArray id=\"replay\">\(spikes)</spikeArray><network id=\"net\"><population id=\"rep\" component=\"replay\" size=\"1\"/>")
            .replacingOccurrences(of: from, with: "<projection id=\"out\" presynapticPopulation=\"rep\"")
            .replacingOccurrences(of: "preCellId=\"../cells[1]\" postCellId=\"../post[0]\"", with: "preCellId=\"../rep[0]\" postCellId=\"../post[0]\"")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("brcc-replay-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let replayed = dir.appendingPathComponent("replay.xml").path
        try replay.write(toFile: replayed, atomically: true, encoding: .utf8)
        let post = try XCTUnwrap(got.tables["results/if1.dat"]).map { $0[3].bitPattern }
        let again = try XCTUnwrap(run(replayed).tables["results/if1.dat"]).map { $0[3].bitPattern }
        XCTAssertEqual(post, again)
        XCTAssertGreaterThan(try XCTUnwrap(got.tables["results/if1.dat"]).map { $0[3] }.max()!, -0.05, "the post cell is driven")
    }

    /// OSB's dimensionless Hindmarsh-Rose cell: x's rate reads ISyn (a pulseGeneratorDL from
    /// 20 s to 170 s), its spikes come from `V .gt. 0 .and. spiking .lt. 0.5` on a derived V.
    /// ISyn is 5 while the pulse is on (brcc switches it one step after jLEMS: inputs at
    /// mid-step); before the first burst x, y and z are within 0.0015, 0.004 and 0.00005 RMS
    /// of jLEMS's (measured 0.0007, 0.0016, 0.000014); the same 7 spikes, each within 0.02 s
    /// (measured 0.005-0.010 s: two to four steps). y and z, whose rates read derived
    /// variables, advance by forward Euler in both engines (and in NEURON); until brcc
    /// integrated them exactly, the spikes were up to 0.44 s apart. Both backends give the
    /// same bits.
    func testDimensionlessCellDrivenByItsSynapticCurrentFollowsJLEMS() throws {
        let path = TestPaths.model("tools/lems/LEMS_HindmarshRoseDL.xml")
        let got = try run(path)
        let table = try loadTable(jlems("HindmarshRoseDL", "results/hr_dl.dat"))
        let mine = try XCTUnwrap(got.tables["results/hr_dl.dat"])
        for (k, row) in table.enumerated() where abs(row[0] - 20) > 0.003 && abs(row[0] - 170) > 0.003 {
            XCTAssertEqual(mine[k * 100][4], row[4], "ISyn at \(row[0]) s")
        }
        let before = { (t: Double) in t < 80 }
        XCTAssertLessThan(rms(table, mine, every: 100, 1, where: before), 0.0015, "x")
        XCTAssertLessThan(rms(table, mine, every: 100, 2, where: before), 0.004, "y")
        XCTAssertLessThan(rms(table, mine, every: 100, 3, where: before), 0.00005, "z")
        let ref = try loadTable(jlems("HindmarshRoseDL", "results/hr_dl_spikes.dat")).map { $0[0] * 1000 }
        XCTAssertEqual(got.spikes.count, 7)
        XCTAssertEqual(got.spikes.count, ref.count)
        XCTAssertLessThan(zip(got.spikes.map(\.time), ref).map { abs($0 - $1) }.max()!, 20, "every spike (ms)")
        XCTAssertEqual(got.bits, try run(path, backend: .swift).bits, "C and Swift kernels differ")
    }

    /// The NEURON export sends the spikes a cell's conditions count (ExportTests.
    /// testCountedSpikesInNeuron) and writes a cell's summed synaptic current (ExportTests.
    /// testSynapticCurrentReadersInNeuron), but not a cell whose conditions both read that
    /// current and set its potential (intFire1Cell's jump): refused, naming the cell.
    func testTheNEURONExportRefusesConditionsThatReadISynAndSetV() throws {
        let (ir, _) = try Driver.check(TestPaths.model("tools/lems/LEMS_IntFire1.xml"))
        XCTAssertThrowsError(try NeuronExport.emit(ir)) { error in
            XCTAssertTrue("\(error)".contains("intFire1Cell") && "\(error)".contains("its conditions set the membrane potential and read the synaptic current"), "\(error)")
        }
    }

    /// Spike sources of the model's own ComponentTypes (extending `baseSpikeSource`): cells
    /// without a membrane whose EventOuts are their spikes (fixture
    /// `LEMS_user_spike_sources.xml`, the core spikeGenerator's and spikeGeneratorRefPoisson's
    /// Dynamics under new names). The regular ones spike as jLEMS's (116 and 55 spikes in
    /// 500 ms, each within one step: brcc tests conditions at mid-step, as NEURON's export
    /// does, and dates a spike at the step's start) and drive their IaF cells; the random one's
    /// intervals have the distribution its Dynamics define: none below minimumISI (5 ms), mean
    /// 1/averageRate (20 ms; measured 20.07 ms over 2,307 intervals, standard error 0.31 ms),
    /// and above 5 ms exponential (coefficient of variation 1; measured 0.995).
    func testSpikeSourcesOfTheModelsOwnTypes() throws {
        let path = TestPaths.model("Tests/BRCTests/Fixtures/lems/LEMS_user_spike_sources.xml")
        let (ir, _) = try Driver.check(path)
        let r = try Driver.run(ir, outDir: nil, cache: TestPaths.cache)
        let ref = try loadTable(jlems("UserSpikeSources", "results/spikes.dat"))
        func times(_ population: String) -> [[Double]] {
            let pop = ir.populations.firstIndex { $0.name == population }!
            return (0..<ir.populations[pop].size).map { cell in
                r.spikes.filter { ir.spikeSources[$0.1].population == pop && ir.spikeSources[$0.1].cell == cell }.map(\.0)
            }
        }
        for (k, population) in ["regular", "regular2"].enumerated() {
            let mine = times(population)[0], theirs = ref.filter { Int($0[1]) == k }.map { $0[0] * 1000 }
            XCTAssertEqual(mine.count, [116, 55][k], population)
            XCTAssertEqual(mine.count, theirs.count, population)
            XCTAssertLessThanOrEqual(zip(mine, theirs).map { abs($0 - $1) }.max() ?? 1, 0.01 + 1e-9, "\(population): spike times (ms)")
            let v = r.recorder.table(0).map { $0[k + 1] }
            XCTAssertGreaterThan(v.max()! - v.min()!, 0.005, "\(population) drives its cell (V)")
        }
        let intervals = times("random").flatMap { t in zip(t.dropFirst(), t).map { $0 - $1 } }
        XCTAssertGreaterThan(intervals.count, 2000)
        XCTAssertGreaterThanOrEqual(intervals.min()!, 5 - 1e-9, "minimumISI (ms)")
        let mean = intervals.reduce(0, +) / Double(intervals.count)
        let excess = intervals.map { $0 - 5 }, m = mean - 5
        let sd = (excess.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(excess.count - 1)).squareRoot()
        XCTAssertEqual(mean, 20, accuracy: 5 * sd / Double(intervals.count).squareRoot(), "mean interval (ms): 5 standard errors")
        XCTAssertEqual(sd / m, 1, accuracy: 0.1, "coefficient of variation above minimumISI")
    }
}
