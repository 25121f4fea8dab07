import BRCDriver
import Foundation
import XCTest

/// The kernel cache checks each library against its entry's manifest before use, so a damaged
/// library is rebuilt instead of crashing dlopen, and it removes abandoned build folders.
final class KernelCacheTests: XCTestCase {
    let cache = FileManager.default.temporaryDirectory.appendingPathComponent("brcc-cache-\(UUID().uuidString)")
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: cache) }

    func testDamagedLibraryIsRebuiltAndGivesTheSameResults() throws {
        let (ir, _) = try Driver.check(TestPaths.model("models/sims/LEMS_hh1_step.xml"))
        func run() throws -> (hit: Bool, library: URL, table: [[Double]]) {
            let r = try Driver.run(ir, outDir: nil, cache: cache)
            return (r.compile.cacheHit, URL(fileURLWithPath: r.compile.library), r.recorder.table(0))
        }
        let first = try run()
        XCTAssertFalse(first.hit)
        XCTAssertTrue(try run().hit, "an intact entry is used")
        let manifest = first.library.deletingLastPathComponent().appendingPathComponent("manifest.json")
        XCTAssertTrue(FileManager.default.fileExists(atPath: manifest.path))

        // Truncated (as by a full disk or a killed copy): rebuilt, the same numbers.
        let handle = try FileHandle(forWritingTo: first.library)
        try handle.truncate(atOffset: 1000)
        try handle.close()
        let truncated = try run()
        XCTAssertFalse(truncated.hit, "a truncated library is rebuilt")
        XCTAssertEqual(truncated.table, first.table)
        XCTAssertTrue(try run().hit)

        // One byte altered, the size unchanged: rebuilt, the same numbers.
        var bytes = try Data(contentsOf: first.library)
        bytes[bytes.count / 2] ^= 0xff
        try bytes.write(to: first.library)
        let altered = try run()
        XCTAssertFalse(altered.hit, "a library whose bytes differ from the manifest's hash is rebuilt")
        XCTAssertEqual(altered.table, first.table)

        // An entry without a manifest (written by an older brcc, or half-copied) is rebuilt too.
        try FileManager.default.removeItem(at: manifest)
        XCTAssertFalse(try run().hit)
        XCTAssertTrue(try run().hit)

        // An intact entry whose sources are not this model's (what a model crafted to collide
        // with this one's 128-bit FNV key would leave): not used, rebuilt.
        let folder = first.library.deletingLastPathComponent()
        let source = try XCTUnwrap(FileManager.default.contentsOfDirectory(atPath: folder.path).first { $0.hasSuffix(".c") })
        try Data("/* another model's kernels */\n".utf8).write(to: folder.appendingPathComponent(source))
        let collided = try run()
        XCTAssertFalse(collided.hit, "an entry built from other sources is rebuilt")
        XCTAssertEqual(collided.table, first.table)
        XCTAssertTrue(try run().hit)
    }

    func testAbandonedBuildFoldersAreRemovedWhenBuilding() throws {
        let fm = FileManager.default
        try fm.createDirectory(at: cache, withIntermediateDirectories: true)
        let key = String(repeating: "0", count: 32)
        // A build whose process is gone, one of a live process (this one) but two hours old, and
        // one of this process from just now (a build in progress).
        let deadProcess = cache.appendingPathComponent(".build-\(key)-2147483646-deadbeef")
        let old = cache.appendingPathComponent(".build-\(key)-\(getpid())-0ld0ld00")
        let live = cache.appendingPathComponent(".build-\(key)-\(getpid())-11ve11ve")
        for folder in [deadProcess, old, live] {
            try fm.createDirectory(at: folder, withIntermediateDirectories: true)
            try Data("int x;".utf8).write(to: folder.appendingPathComponent("kernels.c"))
        }
        try fm.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -7200)], ofItemAtPath: old.path)
        let (ir, _) = try Driver.check(TestPaths.model("models/sims/LEMS_hh1_step.xml"))
        XCTAssertFalse(try Driver.compile(ir, cache: cache).cacheHit)
        XCTAssertFalse(fm.fileExists(atPath: deadProcess.path), "the folder of a process that is gone is removed")
        XCTAssertFalse(fm.fileExists(atPath: old.path), "a folder older than an hour is removed")
        XCTAssertTrue(fm.fileExists(atPath: live.path), "a recent build of a live process is left alone")
        let left = try fm.contentsOfDirectory(atPath: cache.path).filter { $0.hasPrefix(".build-") }
        XCTAssertEqual(left, [live.lastPathComponent], "the build's own temporary folder is gone")
    }

    /// The compilers' temporary files stay in the build folder: swiftc 6.3 leaves an empty
    /// `TemporaryDirectory.XXXXXX` in `$TMPDIR` on every compile, which over a test suite or a
    /// fuzzing run filled /tmp with thousands.
    func testCompilersLeaveNothingInTheTemporaryFolder() throws {
        let brcc = try XCTUnwrap(TestPaths.executable("brcc"), "build brcc first")
        let fm = FileManager.default
        let temporary = cache.appendingPathComponent("tmp")
        try fm.createDirectory(at: temporary, withIntermediateDirectories: true)
        for backend in ["swift", "c"] {
            let (status, output) = try shellCommand([brcc.path, "run", TestPaths.model("models/sims/LEMS_hh1_step.xml"), "--backend", backend,
                                                     "--no-plots", "--out", cache.appendingPathComponent("out-\(backend)").path],
                                                    in: TestPaths.repo, environment: ["TMPDIR": temporary.path, "BRCC_CACHE_DIR": cache.appendingPathComponent("kernels").path])
            XCTAssertEqual(status, 0, output)
            XCTAssertTrue(output.contains("compiling"), "a cold cache compiles: \(output)")
            XCTAssertEqual(try fm.contentsOfDirectory(atPath: temporary.path), [], "after the \(backend) compile")
        }
        let entries = try fm.contentsOfDirectory(atPath: cache.appendingPathComponent("kernels").path)
        XCTAssertEqual(entries.count, 2, "one entry per backend")
        for entry in entries {
            XCTAssertFalse(fm.fileExists(atPath: cache.appendingPathComponent("kernels/\(entry)/\(".tmp")").path), "the scratch folder is not cached")
        }
    }
}
