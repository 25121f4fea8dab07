import XCTest
import BRCDriver
import BRCIR
import BRCRuntime
import CBRCKernel
import Foundation

/// The recorder's fast paths give what the general ones give: resolved column readers equal
/// `Simulator.value`, and a thinned in-memory recording keeps exactly the rows of a full one
/// (every `keepEvery`-th and the last).
final class RecorderTests: XCTestCase {
    /// Ex25 (a multicompartment cell with HH channels): its potentials and channel states.
    func simulator() throws -> (IRModel, Simulator) {
        let (ir, _) = try Driver.check(TestPaths.sharedFile("neuroml/LEMSexamples/LEMS_NML2_Ex25_MultiComp.xml"))
        let lib = try KernelLibrary(path: try Driver.compile(ir, cache: TestPaths.cache).library)
        return (ir, try Simulator(model: ir, library: lib, dt: ir.simulation!.dt))
    }

    /// Every node's potential and the first state of every placement with states, of cell 0.
    func probes(_ ir: IRModel) -> [IRProbe] {
        let ct = ir.cellTypes[ir.populations[0].cellType]
        var probes = ct.nodes.indices.map { IRProbe.voltage(node: $0) }
        for (pl, placement) in ct.placements.enumerated() where !ir.mechanisms[placement.mechanism].states.isEmpty {
            for k in placement.nodes.indices { probes.append(.state(placement: pl, instance: k, state: 0)) }
        }
        return probes
    }

    func testReadersGiveWhatValueGives() throws {
        let (ir, sim) = try simulator()
        let probes = probes(ir)
        XCTAssertGreaterThan(probes.filter { if case .state = $0 { return true } else { return false } }.count, 2, "the cell has channel states")
        let readers = probes.map { sim.reader(population: 0, cell: 0, probe: $0) }
        var changed = 0
        let first = readers.map { $0() }
        for _ in 0..<2000 {
            sim.advance()
            for (p, read) in zip(probes, readers) {
                XCTAssertEqual(read().bitPattern, sim.value(population: 0, cell: 0, probe: p).bitPattern, "\(p) at t = \(sim.time)")
            }
        }
        for (a, read) in zip(first, readers) where a != read() { changed += 1 }
        XCTAssertEqual(changed, readers.count, "every probe's value moved, so the readers follow the run")
    }

    /// Every column Ex16's Displays plot, generators' time since their last spike among them
    /// (whose probe names a source, not a cell of a population): recorded as `value` reads it.
    func testDisplayColumnsOfInputsAreRecordedAsValueReadsThem() throws {
        let (ir, _) = try Driver.check(TestPaths.sharedFile("neuroml/LEMSexamples/LEMS_NML2_Ex16_Inputs.xml"))
        let columns = ir.simulation!.displays.flatMap(\.lines).map(\.column)
        XCTAssertTrue(columns.contains { if case .sinceSpike = $0.probe { return true } else { return false } })
        let lib = try KernelLibrary(path: try Driver.compile(ir, cache: TestPaths.cache).library)
        let sim = try Simulator(model: ir, library: lib, dt: ir.simulation!.dt)
        let recorder = Recorder(outputs: [IROutputFile(id: "d", fileName: "", columns: columns)])
        var expected: [[Double]] = []
        for n in 0...400 {
            if n > 0 { sim.advance() }
            try recorder.record(sim)
            expected.append([sim.time * 1e-3] + columns.map { sim.value(population: $0.population, cell: $0.cell, probe: $0.probe) * $0.siScale })
        }
        XCTAssertEqual(recorder.table(0), expected)
    }

    func testThinnedRecordingKeepsTheFullRecordingsRowsAndTheLast() throws {
        let (ir, sim) = try simulator()
        let output = IROutputFile(id: "o", fileName: "", columns: probes(ir).enumerated().map { IRColumn(id: "c\($0)", population: 0, cell: 0, probe: $1, siScale: 1) })
        let full = Recorder(outputs: [output]), thinned = Recorder(outputs: [output], keepEvery: 7)
        let steps = 100
        for n in 0...steps {
            if n > 0 { sim.advance() }
            try full.record(sim)
            try thinned.record(sim)
        }
        thinned.complete(sim)
        let all = full.table(0), kept = thinned.table(0)
        XCTAssertEqual(all.count, steps + 1)
        let expected = Array(stride(from: 0, through: steps, by: 7)) + [steps]   // 0, 7, ..., 98, then 100
        XCTAssertEqual(kept.count, expected.count)
        for (row, n) in zip(kept, expected) { XCTAssertEqual(row, all[n], "row of step \(n)") }
    }
}

/// `.dat` values are written by brcc's own `%.10e` (`brc_format_e10`): the same bytes as
/// printf's, on random values over every magnitude a recording holds, exact ties and the
/// neighbours of powers of ten.
final class ScientificFormatTests: XCTestCase {
    func printf(_ x: Double) -> String {
        var b = [CChar](repeating: 0, count: 64)
        _ = withVaList([x]) { vsnprintf(&b, 64, "%.10e", $0) }
        return String(decoding: b.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    func brcc(_ x: Double) -> String {
        var b = [CChar](repeating: 0, count: 64)
        let n = brc_format_e10(&b, 64, x)
        XCTAssertEqual(Int(n), strlen(b))
        return String(decoding: b.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    func testSameBytesAsPrintf() {
        var values: [Double] = [0, -0.0, 1, -1, 0.5, 1e-33, 1e33, 1e-34, 1e34, .nan, .infinity, -.infinity, .leastNonzeroMagnitude, .greatestFiniteMagnitude,
                                -0.0700000000001, 9.99999999995, 9.999999999949999, 9.99999999996, 1.00000000005, 0.1 + 0.2]
        // Exact ties of the 11th digit (integers of 12 digits ending in 5) and their neighbours.
        for k in stride(from: 100_000_000_005.0, through: 100_000_002_005, by: 10) { values += [k, k.nextUp, k.nextDown, -k] }
        // Powers of ten and their neighbours (where the decimal exponent is estimated).
        for e in -40...40 {
            let p = Double("1e\(e)")!
            values += [p, p.nextUp, p.nextDown, p * 9.99999999999, p * 9.999999999995]
        }
        // Random values: every magnitude a recording holds, and random bit patterns.
        var g = SeededGenerator(seed: 11)
        for _ in 0..<200_000 {
            values.append(Double.random(in: 1...10, using: &g) * Double("1e\(Int.random(in: -36...36, using: &g))")! * (Bool.random(using: &g) ? 1 : -1))
            values.append(Double(bitPattern: UInt64.random(in: 0...UInt64.max, using: &g)))
        }
        var mismatches = 0
        for x in values where printf(x) != brcc(x) {
            mismatches += 1
            if mismatches <= 5 { XCTFail("\(x.bitPattern): printf \(printf(x)), brcc \(brcc(x))") }
        }
        XCTAssertEqual(mismatches, 0)
    }
}
