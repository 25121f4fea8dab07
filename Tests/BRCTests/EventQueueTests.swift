import BRCIR
@testable import BRCRuntime
import Foundation
import XCTest

/// Spikes on their way: a delay longer than the event queue's bins reach (or than any run) is
/// delivered at its step, in the order sent, through checkpoints; it is never a crash.
final class EventQueueTests: XCTestCase {
    func event(_ k: Int) -> Event { Event(time: Double(k), group: 0, instance: k, weight: 1) }

    /// An event sent beyond the bins and one sent later into the same step come out in the
    /// order sent; one due after the longest possible run is dropped; pendingFar and restore
    /// carry the far events across a checkpoint.
    func testFarEventsKeepTheOrderTheyWereSent() {
        let bins = EventQueue.maximumBins
        let q = EventQueue(steps: 1_000_000)
        let due = bins + 100
        q.push(stepsAhead: due, event(1))
        q.push(stepsAhead: IRSimulation.maximumSteps + 1, event(9))  // never due
        XCTAssertEqual(q.pending.count, bins)
        XCTAssertEqual(q.pendingFar.map(\.stepsAhead), [due])
        for _ in 0..<200 { q.advance() }
        // Now within reach of the bins: sent later, delivered after the first.
        q.push(stepsAhead: due - 200, event(2))
        q.push(stepsAhead: due - 201, event(3))
        XCTAssertEqual(q.pendingFar.count, 0)
        let restored = EventQueue(steps: 1_000_000)
        XCTAssertTrue(restored.restore(q.pending, far: q.pendingFar))
        for queue in [q, restored] {
            var delivered: [(Int, Int)] = []
            for step in 200...(due + 10) {
                delivered += queue.due().map { (step, $0.instance) }
                queue.advance()
            }
            XCTAssertEqual(delivered.map(\.0), [due - 1, due, due])
            XCTAssertEqual(delivered.map(\.1), [3, 1, 2])
        }
        // A far event restored into the bins' reach, or out of order, is refused.
        XCTAssertFalse(EventQueue(steps: 1_000_000).restore(q.pending, far: [FarEvent(stepsAhead: 5, event: event(4))]))
        XCTAssertFalse(EventQueue(steps: 1_000_000).restore(q.pending, far: [FarEvent(stepsAhead: bins + 2, event: event(4)), FarEvent(stepsAhead: bins + 1, event: event(5))]))
        XCTAssertEqual(EventQueue.steps(delay: 1e300, dt: 0.025), bins)
        XCTAssertEqual(Simulator.stepsAhead(delay: 1e300, dt: 0.025), IRSimulation.maximumSteps + 1)
    }

    /// One spike at `spike` ms onto an integrate-and-fire cell through a connection of `delay`
    /// (dt 0.01 ms, `length` ms), its potential recorded; no connection without a delay.
    static func model(spike: String, delay: String?, length: String = "800ms") -> String {
        """
        <Lems>
          <Target component="sim1"/>
          <iafCell id="iaf" leakConductance="0.2nS" leakReversal="-65mV" thresh="-50mV" reset="-70mV" C="3.2pF"/>
          <spikeArray id="once"><spike id="0" time="\(spike)"/></spikeArray>
          <expOneSynapse id="syn" gbase="0.5nS" erev="0mV" tauDecay="2ms"/>
          <network id="net1">
            <population id="src" component="once" size="1"/>
            <population id="cells" component="iaf" size="1"/>
            \(delay.map { "<synapticConnectionWD from=\"src[0]\" to=\"cells[0]\" synapse=\"syn\" destination=\"synapses\" weight=\"1\" delay=\"\($0)\"/>" } ?? "")
          </network>
          <Simulation id="sim1" length="\(length)" step="0.01ms" target="net1">
            <OutputFile id="of0" fileName="v.dat"><OutputColumn id="v" quantity="cells[0]/v"/></OutputFile>
          </Simulation>
        </Lems>
        """
    }

    /// A delay of 70,000 steps (past the bins' 65,536) delivers at the same step as a spike
    /// sent 60,000 steps later with a delay the bins hold: the same potential, bit for bit, at
    /// rest until 710 ms and moved after it. A delay of 1e300 ms (once a crash: the step count
    /// overflowed) runs and never arrives.
    func testADelayBeyondTheBinsArrivesAtItsStep() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("brcc-event-queue-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        func run(_ name: String, _ text: String) throws -> [[Double]] {
            let path = dir.appendingPathComponent(name).path
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            return try XCTUnwrap(runSimulationByFile(path)["v.dat"])
        }
        let far = try run("far.xml", Self.model(spike: "10ms", delay: "700ms"))
        let near = try run("near.xml", Self.model(spike: "610ms", delay: "100ms"))
        let never = try run("never.xml", Self.model(spike: "10ms", delay: "1e300ms"))
        let none = try run("none.xml", Self.model(spike: "10ms", delay: nil))
        XCTAssertEqual(far.count, 80_001)
        XCTAssertEqual(far.map { $0[1].bitPattern }, near.map { $0[1].bitPattern })
        XCTAssertEqual(never.map { $0[1].bitPattern }, none.map { $0[1].bitPattern })
        let arrival = 71_000
        XCTAssertEqual(far[arrival - 1][1], none[arrival - 1][1], "at rest before the spike arrives")
        XCTAssertGreaterThan(far[arrival + 200][1] - none[arrival + 200][1], 1e-4, "depolarised 2 ms after it arrives (V)")
    }
}
