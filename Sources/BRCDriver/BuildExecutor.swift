import BRCCodeGen
import BRCIR
import BRCRuntime
import Foundation

/// Runs a build plan unless the cache already holds its result. A build happens in a fresh
/// temporary folder `.build-KEY-PID-XXXXXXXX` that is renamed into the cache when complete, with
/// a manifest recording the library's size and content hash, so an entry is whole or absent.
/// A cached library is checked against its manifest before every use; a damaged entry (a
/// truncated or altered library, no manifest) is removed and built again.
enum BuildExecutor {
    /// The file in each entry that describes its library.
    static let manifestName = "manifest.json"
    /// The folder inside a build folder that the compilers get as `TMPDIR`; removed before the
    /// build folder enters the cache.
    static let scratchName = ".tmp"
    /// A temporary build folder untouched for this long is abandoned, whatever its process.
    static let orphanAge: TimeInterval = 3600

    /// The size and content hash of an entry's library, as built.
    struct Manifest: Codable, Equatable {
        var library: String
        var size: Int
        var hash: String
        init(library: String, bytes: Data) { self.library = library; size = bytes.count; hash = ContentHash.hex(bytes) }
    }

    enum EntryState: Equatable { case absent, valid, damaged(String) }

    /// `willBuild` runs when the library is not in the cache and is about to be compiled.
    static func build(_ plan: BuildPlan, cache: URL, willBuild: (() -> Void)? = nil) throws -> Driver.Compiled {
        let start = Date()
        let entry = cache.appendingPathComponent(plan.key)
        let lib = entry.appendingPathComponent(plan.library)
        switch check(entry, library: plan.library, sources: plan.sources) {
        case .valid:
            return Driver.Compiled(library: lib.path, sourceDirectory: entry.path, cacheHit: true, seconds: Date().timeIntervalSince(start))
        case .damaged(let why):
            FileHandle.standardError.write(Data("brcc: note: the cached kernels in \(entry.path) are damaged (\(why)); rebuilding them\n".utf8))
            discard(entry, key: plan.key)
        case .absent:
            break
        }
        do { try AtomicFile.createFolder(cache) } catch let e as FileError {
            throw DriverError.cannotCreate("cannot create the kernel cache folder '\(cache.path)': \(e.reason); set BRCC_CACHE_DIR to a writable folder")
        }
        removeOrphans(in: cache)
        willBuild?()
        let tmp = temporaryFolder(in: cache, key: plan.key)
        defer { try? FileManager.default.removeItem(at: tmp) }
        try Driver.writingFiles {
            try AtomicFile.createFolder(tmp)
            for (name, text) in plan.sources { try AtomicFile.write(Data(text.utf8), to: tmp.appendingPathComponent(name)) }
        }
        // The compilers' own temporary files go inside the build folder: swiftc 6.3 leaves an
        // empty TemporaryDirectory.XXXXXX in $TMPDIR on every compile.
        let scratch = tmp.appendingPathComponent(scratchName)
        try Driver.writingFiles { try AtomicFile.createFolder(scratch) }
        for stage in plan.stages { try runConcurrently(stage, in: tmp, temporary: scratch) }
        try? FileManager.default.removeItem(at: scratch)
        guard let bytes = FileManager.default.contents(atPath: tmp.appendingPathComponent(plan.library).path) else {
            throw DriverError.internalError("the kernel build (\(plan.invocations.map(\.commandLine).joined(separator: "; "))) wrote no \(plan.library) in \(tmp.path)")
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try Driver.writingFiles {
            try AtomicFile.write(try encoder.encode(Manifest(library: plan.library, bytes: bytes)), to: tmp.appendingPathComponent(manifestName))
        }
        // Another process may have completed the same entry meanwhile: then use it.
        if rename(tmp.path, entry.path) != 0 {
            let code = errno
            guard check(entry, library: plan.library, sources: plan.sources) == .valid else {
                throw DriverError.cannotCreate("cannot move the built kernels into the cache at '\(entry.path)': \(String(cString: strerror(code)))")
            }
        }
        return Driver.Compiled(library: lib.path, sourceDirectory: entry.path, cacheHit: false, seconds: Date().timeIntervalSince(start))
    }

    /// Whether `entry` exists, its library matches its manifest byte for byte, and it was built
    /// from exactly `sources`: the key is a 128-bit FNV hash, which is not collision-resistant,
    /// so a model crafted to collide with another's key would otherwise hand that model its
    /// kernels. Comparing the sources themselves makes the key an index, not the proof.
    static func check(_ entry: URL, library: String, sources: [String: String]) -> EntryState {
        let fm = FileManager.default
        guard fm.fileExists(atPath: entry.path) else { return .absent }
        guard let data = fm.contents(atPath: entry.appendingPathComponent(manifestName).path),
              let manifest = try? JSONDecoder().decode(Manifest.self, from: data), manifest.library == library else {
            return .damaged("no readable \(manifestName)")
        }
        guard let bytes = fm.contents(atPath: entry.appendingPathComponent(library).path) else { return .damaged("\(library) is missing or unreadable") }
        guard bytes.count == manifest.size else { return .damaged("\(library) has \(bytes.count) bytes, the manifest says \(manifest.size)") }
        guard ContentHash.hex(bytes) == manifest.hash else { return .damaged("the content hash of \(library) differs from the manifest's") }
        for (name, text) in sources where fm.contents(atPath: entry.appendingPathComponent(name).path) != Data(text.utf8) {
            return .damaged("its \(name) is not this model's (a key collision or an edit)")
        }
        return .valid
    }

    /// Moves a damaged entry out of the way (renamed like a temporary build folder, so that an
    /// interrupted removal is cleaned up later) and removes it.
    static func discard(_ entry: URL, key: String) {
        let trash = temporaryFolder(in: entry.deletingLastPathComponent(), key: key)
        if rename(entry.path, trash.path) == 0 { try? FileManager.default.removeItem(at: trash) }
    }

    static func temporaryFolder(in cache: URL, key: String) -> URL {
        cache.appendingPathComponent(".build-\(key)-\(getpid())-\(UUID().uuidString.prefix(8))")
    }

    /// Removes temporary build folders left by builds that died: their process is gone, or
    /// they are older than `orphanAge`.
    static func removeOrphans(in cache: URL) {
        let fm = FileManager.default
        guard let names = try? fm.contentsOfDirectory(atPath: cache.path) else { return }
        for name in names where name.hasPrefix(".build-") {
            let url = cache.appendingPathComponent(name)
            let parts = name.split(separator: "-")
            let pid = parts.count == 4 ? pid_t(parts[2]) : nil
            let alive = pid.map { kill($0, 0) == 0 || errno == EPERM } ?? false
            let modified = (try? fm.attributesOfItem(atPath: url.path))?[.modificationDate] as? Date
            if !alive || Date().timeIntervalSince(modified ?? .distantPast) > orphanAge { try? fm.removeItem(at: url) }
        }
    }

    /// How many compiler processes run at once: one per core.
    static var jobs: Int { max(1, ProcessInfo.processInfo.activeProcessorCount) }

    /// Runs the independent invocations of one stage, `jobs` at a time, in the plan's order
    /// (the toolchain puts the largest unit first); throws the first failure in that order.
    static func runConcurrently(_ stage: [CompilerInvocation], in folder: URL, temporary: URL) throws {
        guard stage.count > 1, jobs > 1 else {
            for invocation in stage { try runCompiler(invocation, in: folder, temporary: temporary) }
            return
        }
        /// The stage's next invocation and the failures so far, shared by the workers.
        final class Queue: @unchecked Sendable {
            private let lock = NSLock()
            private var next = 0
            private(set) var errors: [Int: Error] = [:]
            func take() -> Int { lock.lock(); defer { lock.unlock() }; next += 1; return next - 1 }
            func fail(_ i: Int, _ e: Error) { lock.lock(); errors[i] = e; lock.unlock() }
        }
        let queue = Queue()
        DispatchQueue.concurrentPerform(iterations: min(jobs, stage.count)) { _ in
            while case let i = queue.take(), i < stage.count {
                do { try runCompiler(stage[i], in: folder, temporary: temporary) } catch { queue.fail(i, error) }
            }
        }
        if let first = queue.errors.keys.min() { throw queue.errors[first]! }
    }

    /// Runs one compiler in `folder`, with `temporary` as its `TMPDIR`.
    static func runCompiler(_ invocation: CompilerInvocation, in folder: URL, temporary: URL) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = [invocation.executable] + invocation.arguments
        p.currentDirectoryURL = folder
        var environment = ProcessInfo.processInfo.environment
        environment["TMPDIR"] = temporary.path
        p.environment = environment
        let errPipe = Pipe()
        p.standardError = errPipe
        p.standardOutput = errPipe
        do { try p.run() } catch { throw DriverError.internalError("cannot run the kernel compiler '\(invocation.executable)': \(error)") }
        Interrupts.track(p.processIdentifier)
        let output = errPipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        Interrupts.untrack(p.processIdentifier)
        guard p.terminationStatus == 0 else {
            throw DriverError.internalError("the kernel compiler failed (\(invocation.commandLine)) in \(folder.path):\n\(String(decoding: output, as: UTF8.self))"
                                            + "\nCC (C) or SWIFTC (Swift) chooses another compiler; without CC, brcc builds exact C kernels with the clang on PATH, else cc")
        }
    }
}
