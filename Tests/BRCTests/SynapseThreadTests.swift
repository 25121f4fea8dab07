import BRCDriver
import BRCIR
@testable import BRCRuntime
import Foundation
import XCTest

/// `Simulator.threads` splits a large synapse block's current and update kernels into
/// instance ranges (`SynapseBlock.ranges`) only between nodes, so every node's current is
/// summed in the same order by one thread and the bits do not depend on the threads.
final class SynapseThreadTests: XCTestCase {
    func ranges(_ targets: [Int64], parts: Int, minimum: Int = 0) -> [Range<Int64>] {
        targets.withUnsafeBufferPointer { SynapseBlock.ranges(of: $0, parts: parts, minimum: minimum) }
    }

    func testRangesAreCutOnlyBetweenNodesThatNoOtherRangeHas() {
        XCTAssertEqual(ranges([0, 0, 0, 1, 1, 2, 2, 2, 3, 3], parts: 2), [0..<5, 5..<10])
        XCTAssertEqual(ranges([0, 0, 0, 0, 0, 0, 1, 1, 1, 1], parts: 2), [0..<6, 6..<10], "the cut moves past node 0's instances")
        XCTAssertEqual(ranges([0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5], parts: 3), [0..<4, 4..<8, 8..<12])
        XCTAssertEqual(ranges([0, 1, 0, 1, 0, 1, 0, 1], parts: 2), [0..<8], "node 0 would be in both ranges")
        XCTAssertEqual(ranges([0, 0, 1, 1, 0, 0, 2, 2], parts: 2), [0..<8], "node 0 comes back after the cut")
        XCTAssertEqual(ranges([7, 7, 7, 7], parts: 2), [0..<4], "one node cannot be cut")
        XCTAssertEqual(ranges([0, 0, 1, 1], parts: 1), [0..<4])
        XCTAssertEqual(ranges([0, 0, 1, 1], parts: 2, minimum: 5), [0..<4], "too small to split")
        XCTAssertEqual(ranges([], parts: 2), [0..<0])
    }

    /// The bundled point network in exact mode (one synapse instance per connection): its
    /// 200,000 background synapses are split between two threads, and 50 ms give the same
    /// spikes and potentials, to the bit, as one thread.
    func testTwoThreadsSplitTheSynapseKernelsAndGiveTheSameBits() throws {
        let (ir, _) = try Driver.check(TestPaths.model("models/point/LEMS_balanced.xml"))
        let lib = try KernelLibrary(path: try Driver.compile(ir, cache: TestPaths.cache).library)
        func run(threads: Int) throws -> (spikes: [String], potentials: [UInt64], ranges: [Int]) {
            let sim = try Simulator(model: ir, library: lib, dt: 0.025, mergingSynapses: false)
            sim.threads = threads
            sim.recordSpikes = true
            var potentials: [UInt64] = []
            for _ in 0..<2000 {
                sim.advance()
                potentials += [0, 777, 1599].map { sim.voltages(population: 0, cell: $0)[0].bitPattern }
            }
            return (sim.spikes.map { "\($0.0.bitPattern):\($0.1)" }, potentials, sim.synapseRanges.map(\.count))
        }
        let one = try run(threads: 1), two = try run(threads: 2)
        XCTAssertEqual(one.ranges, Array(repeating: 1, count: one.ranges.count))
        let background = try XCTUnwrap(ir.synapseGroups.firstIndex { ir.synapses[$0.synapse].name == "bgSyn" && $0.instances.count > 100_000 })
        XCTAssertEqual(two.ranges[background], 2, "the background synapses onto E are split")
        XCTAssertGreaterThan(one.spikes.count, 500)
        XCTAssertEqual(two.spikes, one.spikes)
        XCTAssertEqual(two.potentials, one.potentials)
    }
}
