import Foundation

/// A spike generator as it runs, step by step: the one rule for when it fires, used by the
/// runtime and by exports that replay its spikes (so they cannot drift apart).
public struct GeneratorState: Sendable {
    /// The generator whose spikes this state produces.
    public let generator: IRGenerator
    /// The stream keys of Poisson and renewal sources.
    public let population: Int, cell: Int
    /// Periodic and renewal: the next spike time; spike-time lists and renewal: an index.
    var next = 0.0, index = 0
    /// The time (ms) of the last spike (the start of the step it fired in); 0 before the first.
    public private(set) var lastSpike = 0.0
    /// A Poisson source's stream keys, mixed once (`CounterRandom.prefix`).
    private var poissonKey: UInt64 = 0

    /// What changes as a generator runs: all a checkpoint needs to continue it.
    public struct Progress: Sendable, Codable, Equatable {
        /// The next spike time (ms) of a periodic or renewal source; the position in a spike-time
        /// list, or the number k of a renewal source's last interval drawn (0 at the start); the
        /// time (ms) of the last spike (0 before the first).
        public var next: Double, index: Int, lastSpike: Double
    }

    /// The running state, for a checkpoint.
    public var progress: Progress {
        get { Progress(next: next, index: index, lastSpike: lastSpike) }
        set { next = newValue.next; index = newValue.index; lastSpike = newValue.lastSpike }
    }

    /// The state before the first step.
    public init(_ generator: IRGenerator, population: Int, cell: Int) {
        self.generator = generator; self.population = population; self.cell = cell
        switch generator {
        case .periodic(let period): next = period
        case .renewal(let distribution, let minimum, let scale, let start, _, let seed):
            next = start + GeneratorState.interval(0, distribution, minimum, scale, seed, population, cell)
        case .poisson(_, let seed): poissonKey = CounterRandom.prefix(seed: seed, stream: UInt64(population) &+ 1000, UInt64(cell))
        case .times, .eventTimes: break
        }
    }

    /// The k-th interval of a renewal source (ms), from its counter-based stream.
    static func interval(_ k: Int, _ distribution: RenewalDistribution, _ minimum: Double, _ scale: Double, _ seed: UInt64,
                         _ population: Int, _ cell: Int) -> Double {
        let u = CounterRandom.uniform(seed: seed, stream: UInt64(population) &+ 2000, UInt64(cell), UInt64(k))
        return distribution == .uniform ? minimum + scale * u : minimum - scale * log(1 - u)
    }

    /// How many spikes the generator fires in step `step`, which starts at `time`: 0 or 1, or
    /// for a list of spike times every time that falls in the step (two inputs 1 µs apart are
    /// two events, as jLEMS delivers them).
    public mutating func spikes(time: Double, step: Int, dt: Double) -> Int {
        let n = spikesNow(time: time, step: step, dt: dt)
        if n > 0 { lastSpike = time }
        return n
    }

    /// LEMS's `tsince` at the end of step `step - 1` (= the start of step `step`, at `time`):
    /// the time since the last spike, 0 at a spike's own time, and the time since the start
    /// before the first. A spike at `time` fires in the step that starts there, so this asks
    /// (on a copy) whether it will; jLEMS resets tsince in the step that ends at the spike time
    /// and records the 0.
    public func timeSinceSpike(time: Double, step: Int, dt: Double) -> Double {
        var probe = self
        return probe.spikesNow(time: time, step: step, dt: dt) > 0 ? 0 : time - lastSpike
    }

    private mutating func spikesNow(time: Double, step: Int, dt: Double) -> Int {
        // A spike time within a thousandth of a step after a step's start belongs to that step:
        // the accumulated time (two half steps a step) drifts from k·dt by ~1e-8 ms over 10^5
        // steps, which a fixed 1e-9 ms missed (a periodic spike at 200 ms with dt = 1 µs came a
        // step late; jLEMS has it at 200 ms).
        let eps = max(1e-9, 1e-3 * dt)
        switch generator {
        // (Periodic, Poisson and renewal sources fire at most once a step, as their LEMS
        // definitions' OnConditions do in jLEMS.)
        case .periodic(let period):
            guard next - time < eps else { return 0 }
            next += period
            return 1
        case .times(let times):
            let first = index
            while index < times.count && times[index] - time < eps { index += 1 }
            return index - first
        case .eventTimes(let times):
            // Less than half a step after the step's start; a time exactly half a step after
            // it goes to the next step, as NEURON's accumulated time made it in a comparison.
            let first = index
            while index < times.count && times[index] - time < 0.5 * dt - eps { index += 1 }
            return index - first
        case .poisson(let rate, _):
            return CounterRandom.uniform(prefix: poissonKey, UInt64(step)) < rate * dt ? 1 : 0
        case .renewal(let distribution, let minimum, let scale, _, let stop, let seed):
            guard next - time < eps, next < stop else { return 0 }
            var k = index + 1
            var after = next + GeneratorState.interval(k, distribution, minimum, scale, seed, population, cell)
            while after - time < eps { k += 1; after += GeneratorState.interval(k, distribution, minimum, scale, seed, population, cell) }
            index = k
            next = after
            return 1
        }
    }
}

/// Linear interpolation in a sorted table, zero outside it (current tables).
public func interpolateTable(_ t: [Double], _ v: [Double], at x: Double) -> Double {
    guard let first = t.first, let last = t.last, x >= first, x <= last else { return 0 }
    var lo = 0, hi = t.count - 1
    while hi - lo > 1 { let mid = (lo + hi) / 2; if t[mid] <= x { lo = mid } else { hi = mid } }
    let w = t[hi] == t[lo] ? 0 : (x - t[lo]) / (t[hi] - t[lo])
    return v[lo] + w * (v[hi] - v[lo])
}
