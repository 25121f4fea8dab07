import Foundation

/// Runs independent jobs on `threads` threads and returns their results in job order (the
/// first error, if any, is thrown).
public enum ParallelMap {
    /// `job(0..<count)` on up to `threads` threads, in order of index. `each` hears of every
    /// job that succeeds as it finishes, one call at a time (it may write a checkpoint); once
    /// `each` throws, jobs not yet started are skipped and its error is thrown.
    public static func map<T: Sendable>(_ count: Int, threads: Int, _ job: @Sendable (Int) throws -> T,
                                        each: (Int, T) throws -> Void = { _, _ in }) throws -> [T] {
        guard threads > 1 else {
            return try (0..<count).map { i in
                let r = try job(i)
                try each(i, r)
                return r
            }
        }
        let box = ResultBox<T>(count: count)
        try withoutActuallyEscaping(each) { each in
            let report = Serialized(each)
            // `threads` workers, each taking the next job until none is left (never more
            // threads than asked: concurrentPerform alone would use every core).
            DispatchQueue.concurrentPerform(iterations: min(threads, count)) { _ in
                while let i = box.nextJob() {
                    guard report.failure == nil else { box.set(i, .failure(Skipped())); continue }
                    let r = Result { try job(i) }
                    box.set(i, r)
                    if case .success(let value) = r { report.call(i, value) }
                }
            }
            if let failure = report.failure { throw failure }
        }
        return try box.results.map { try $0!.get() }
    }

    /// A job not run because reporting an earlier one failed.
    struct Skipped: Error {}

    /// Calls a non-Sendable closure from several threads, one call at a time (under a lock, so
    /// each call sees the effects of the one before), and keeps its first error.
    final class Serialized<T>: @unchecked Sendable {
        private let lock = NSLock()
        private let body: (Int, T) throws -> Void
        private var error: Error?
        init(_ body: @escaping (Int, T) throws -> Void) { self.body = body }
        var failure: Error? { lock.lock(); defer { lock.unlock() }; return error }
        func call(_ i: Int, _ value: T) {
            lock.lock(); defer { lock.unlock() }
            guard error == nil else { return }
            do { try body(i, value) } catch { self.error = error }
        }
    }
}

/// One result slot per job, filled from several threads, and the index of the next job to
/// hand out.
final class ResultBox<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var results: [Result<T, Error>?]
    private var next = 0
    init(count: Int) { results = Array(repeating: nil, count: count) }
    func set(_ i: Int, _ r: Result<T, Error>) { lock.lock(); results[i] = r; lock.unlock() }
    /// The next job not yet handed out, or nil when every job has been.
    func nextJob() -> Int? {
        lock.lock(); defer { lock.unlock() }
        guard next < results.count else { return nil }
        next += 1
        return next - 1
    }
}
