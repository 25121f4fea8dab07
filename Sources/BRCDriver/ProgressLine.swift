import Foundation

/// Progress of a long job with a rate and an ETA, on standard error: one line rewritten in
/// place on a terminal; plain lines otherwise (a log, a CI job), at most one every `interval`
/// seconds, plus the last. A job shorter than `interval` prints nothing. Safe to advance from
/// several threads.
public final class ProgressLine: @unchecked Sendable {
    let label: String, unit: String
    let total: Int
    let isTerminal: Bool
    let interval: TimeInterval
    let write: (String) -> Void
    let start: Date
    private let lock = NSLock()
    private var done: Int
    private let startDone: Int
    private var lastShown: Date
    private var shown = 0

    /// `done` of `total` are finished already (a resumed run): the rate counts only new work.
    public init(label: String, unit: String, total: Int, done: Int = 0, isTerminal: Bool = isatty(2) != 0, interval: TimeInterval = 15,
                write: @escaping (String) -> Void = { FileHandle.standardError.write(Data($0.utf8)) }) {
        self.label = label; self.unit = unit; self.total = total; self.done = done; startDone = done
        self.isTerminal = isTerminal; self.interval = isTerminal ? 0.2 : interval; self.write = write
        start = Date()
        lastShown = start
    }

    /// `n` more units finished.
    public func advance(by n: Int = 1) {
        lock.lock(); defer { lock.unlock() }
        done += n
        show(final: false)
    }

    /// Ends the line (on a terminal) with the final figures.
    public func finish() {
        lock.lock(); defer { lock.unlock() }
        show(final: true)
    }

    private func show(final: Bool) {
        let now = Date()
        guard final ? shown > 0 : now.timeIntervalSince(lastShown) >= interval else { return }
        lastShown = now
        shown += 1
        let text = ProgressLine.describe(label: label, unit: unit, done: done, total: total, newlyDone: done - startDone, elapsed: now.timeIntervalSince(start))
        write(isTerminal ? "\r\u{1B}[K" + text + (final ? "\n" : "") : text + "\n")
    }

    /// "training: 120/2000 simulations (6%), 0.45/s, ETA 1 h 09 min".
    static func describe(label: String, unit: String, done: Int, total: Int, newlyDone: Int, elapsed: TimeInterval) -> String {
        let percent = total > 0 ? 100 * done / total : 100
        var s = "\(label): \(done)/\(total) \(unit) (\(percent)%)"
        guard newlyDone > 0, elapsed > 0 else { return s }
        let rate = Double(newlyDone) / elapsed
        s += rate >= 10 ? ", \(Int(rate.rounded()))/s" : String(format: ", %.2f/s", rate)
        if done < total { s += ", ETA " + duration(Double(total - done) / rate) } else { s += ", took " + duration(elapsed) }
        return s
    }

    /// A duration for people: "42 s", "3 min 05 s", "1 h 09 min".
    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        if s < 60 { return "\(s) s" }
        if s < 3600 { return String(format: "%d min %02d s", s / 60, s % 60) }
        return String(format: "%d h %02d min", s / 3600, (s % 3600) / 60)
    }
}
