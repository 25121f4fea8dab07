import BRCCodeGen
import Foundation

/// Runs a build plan unless the cache already holds its result. A build happens in a fresh
/// temporary folder that is renamed into the cache when complete, so a crash never leaves a
/// half-built entry behind.
enum BuildExecutor {
    static func build(_ plan: BuildPlan, cache: URL) throws -> Driver.Compiled {
        let start = Date()
        let fm = FileManager.default
        let entry = cache.appendingPathComponent(plan.key)
        let lib = entry.appendingPathComponent(plan.library)
        if fm.fileExists(atPath: lib.path) {
            return Driver.Compiled(library: lib.path, sourceDirectory: entry.path, cacheHit: true, seconds: Date().timeIntervalSince(start))
        }
        try fm.createDirectory(at: cache, withIntermediateDirectories: true)
        let tmp = cache.appendingPathComponent(".build-\(plan.key)-\(getpid())-\(UUID().uuidString.prefix(8))")
        try fm.createDirectory(at: tmp, withIntermediateDirectories: true)
        defer { try? fm.removeItem(at: tmp) }
        for (name, text) in plan.sources { try Data(text.utf8).write(to: tmp.appendingPathComponent(name)) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = [plan.invocation.executable] + plan.invocation.arguments
        p.currentDirectoryURL = tmp
        let errPipe = Pipe()
        p.standardError = errPipe
        p.standardOutput = errPipe
        do { try p.run() } catch { throw DriverError.internalError("cannot run the kernel compiler '\(plan.invocation.executable)': \(error)") }
        let output = errPipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            throw DriverError.internalError("the kernel compiler failed (\(plan.invocation.commandLine)) in \(tmp.path):\n\(String(decoding: output, as: UTF8.self))")
        }
        if rename(tmp.path, entry.path) != 0 && !fm.fileExists(atPath: lib.path) {
            throw DriverError.internalError("cannot move the built library into the cache at \(entry.path)")
        }
        return Driver.Compiled(library: lib.path, sourceDirectory: entry.path, cacheHit: false, seconds: Date().timeIntervalSince(start))
    }
}
