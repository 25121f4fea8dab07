import XCTest
import BRCDriver
import BRCIR
import BRCRuntime

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
