/// A spike on its way to a synapse.
struct Event: Codable, Equatable {
    var time: Double
    var group: Int
    var instance: Int
    var weight: Double
}

/// NEURON's bin queue for fixed steps: an event `k` steps ahead is delivered at the start of
/// the step k steps from now, in the order the events were sent.
final class EventQueue {
    private var bins: [[Event]]
    private var head = 0

    init(bins: Int) { self.bins = Array(repeating: [], count: max(bins, 1)) }

    func clear() {
        for i in bins.indices { bins[i].removeAll(keepingCapacity: true) }
        head = 0
    }

    func push(stepsAhead: Int, _ e: Event) { bins[(head + stepsAhead) % bins.count].append(e) }

    /// The events of the present step (stays valid until `advance`).
    func due() -> [Event] { bins[head] }

    /// The events of each bin from the present step's on (a checkpoint).
    var pending: [[Event]] { (0..<bins.count).map { bins[(head + $0) % bins.count] } }

    /// Puts back what `pending` gave; false when the queue has another number of bins.
    func restore(_ pending: [[Event]]) -> Bool {
        guard pending.count == bins.count else { return false }
        bins = pending
        head = 0
        return true
    }

    func advance() {
        bins[head].removeAll(keepingCapacity: true)
        head = (head + 1) % bins.count
    }
}
