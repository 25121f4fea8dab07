import BRCIR

/// A spike on its way to a synapse.
struct Event: Codable, Equatable {
    var time: Double
    var group: Int
    var instance: Int
    var weight: Double
}

/// An event further ahead than an `EventQueue`'s bins reach, with how many steps from now it
/// is due (a checkpoint's form of it).
struct FarEvent: Codable, Equatable {
    var stepsAhead: Int
    var event: Event
}

/// NEURON's bin queue for fixed steps: an event `k` steps ahead is delivered at the start of
/// the step k steps from now, in the order the events were sent.
///
/// The bins cover the longest delay of the network, up to `maximumBins` steps. An event due
/// later (a delay longer than that, which a model file may give) waits in a list sorted by its
/// step and moves into its bin when that bin comes within reach, before any event sent later
/// can reach the same bin, so each bin still holds its events in the order they were sent.
/// An event due after the longest run there can be (`IRSimulation.maximumSteps`) is dropped.
final class EventQueue {
    /// The most bins a queue holds: 65,536 steps, 1.6 s of delay at dt = 0.025 ms.
    static let maximumBins = 1 << 16
    private var bins: [[Event]]
    private var head = 0
    /// Steps advanced since the start (or the restored checkpoint).
    private var now = 0
    /// Events due at least `bins.count` steps after they were sent: (due step, event), by
    /// due step, in the order sent within one step.
    private var far: [(due: Int, event: Event)] = []

    /// A queue for delays of up to `steps` steps (more bins are not made than `maximumBins`).
    init(steps: Int) { bins = Array(repeating: [], count: min(max(steps, 0), Self.maximumBins - 1) + 1) }

    /// The bins a queue needs for a longest delay of `delay` ms at step `dt`, as a step count
    /// that neither overflows nor exceeds `maximumBins`.
    static func steps(delay: Double, dt: Double) -> Int {
        let steps = delay / dt + 1
        return steps < Double(maximumBins) ? Int(steps) : maximumBins
    }

    func clear() {
        for i in bins.indices { bins[i].removeAll(keepingCapacity: true) }
        far.removeAll()
        head = 0
        now = 0
    }

    func push(stepsAhead: Int, _ e: Event) {
        if stepsAhead < bins.count {
            let k = head + stepsAhead  // below 2 * bins.count
            bins[k < bins.count ? k : k - bins.count].append(e)
        } else if stepsAhead <= IRSimulation.maximumSteps {
            let due = now + stepsAhead
            var lo = 0, hi = far.count
            while lo < hi {  // after every event due at the same step or earlier
                let mid = (lo + hi) / 2
                if far[mid].due <= due { lo = mid + 1 } else { hi = mid }
            }
            far.insert((due, e), at: lo)
        }
    }

    /// The events of the present step (stays valid until `advance`).
    func due() -> [Event] { bins[head] }

    /// The events of each bin from the present step's on (a checkpoint).
    var pending: [[Event]] { (0..<bins.count).map { bins[(head + $0) % bins.count] } }

    /// The events further ahead than the bins reach (a checkpoint).
    var pendingFar: [FarEvent] { far.map { FarEvent(stepsAhead: $0.due - now, event: $0.event) } }

    /// Puts back what `pending` and `pendingFar` gave; false when the queue has another number
    /// of bins or a far event would fit in the bins.
    func restore(_ pending: [[Event]], far pendingFar: [FarEvent]) -> Bool {
        guard pending.count == bins.count, pendingFar.allSatisfy({ $0.stepsAhead >= bins.count && $0.stepsAhead <= IRSimulation.maximumSteps }),
              zip(pendingFar, pendingFar.dropFirst()).allSatisfy({ $0.stepsAhead <= $1.stepsAhead }) else { return false }
        bins = pending
        head = 0
        now = 0
        far = pendingFar.map { ($0.stepsAhead, $0.event) }
        return true
    }

    func advance() {
        bins[head].removeAll(keepingCapacity: true)
        head = (head + 1) % bins.count
        now += 1
        // The bin of step now + bins.count - 1 has just come within reach.
        let reach = now + bins.count - 1
        var moved = 0
        for f in far {
            guard f.due <= reach else { break }
            bins[(head + f.due - now) % bins.count].append(f.event)
            moved += 1
        }
        if moved > 0 { far.removeFirst(moved) }
    }
}
