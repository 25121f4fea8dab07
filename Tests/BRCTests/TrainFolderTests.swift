@testable import BRCDriver
import BRCIR
import BRCRuntime
import BRCTask
import Foundation
import XCTest

/// What `brcc train` and `brcc evaluate` do with the folder they write: an earlier run's files,
/// a resumed run's settings, a sets file inside the output, a damaged summary. Each case was a
/// defect found by review (2026-12-06).
extension TrainTests {
    /// `--resume` continues the run that was started: the rounds, samples and seed left out are
    /// the checkpoint's (the task's 2 rounds were run after a `--rounds 1` run was resumed), and
    /// fewer rounds than the checkpoint's are refused rather than ignored.
    func testResumeKeepsTheCheckpointsBudget() throws {
        let ir = try taskModel()  // the task: 2 rounds of 3 sets, seed 5
        let path = dir.appendingPathComponent("task.xml").path, out = dir.appendingPathComponent("budget")
        var options = Driver.TrainOptions()
        options.rounds = 1
        options.samples = 2
        options.seed = 9
        let first = try Driver.train(ir, document: try Driver.checkDocument(path).document, outDir: out, options: options, cache: TestPaths.cache)
        XCTAssertEqual(first.search.evaluations.count, 2)
        var resume = Driver.TrainOptions()
        resume.resume = true
        let again = try Driver.train(ir, document: try Driver.checkDocument(path).document, outDir: out, options: resume, cache: TestPaths.cache)
        XCTAssertEqual(again.search.rounds, 1, "the checkpoint's rounds, not the task's 2")
        XCTAssertEqual(again.search, first.search)
        resume.rounds = 2
        let extended = try Driver.train(ir, document: try Driver.checkDocument(path).document, outDir: out, options: resume, cache: TestPaths.cache)
        XCTAssertEqual(extended.search.evaluations.count, 4, "raised to 2 rounds of the checkpoint's 2 sets")
        XCTAssertEqual(extended.search.seed, 9)
        resume.rounds = 1
        XCTAssertThrowsError(try Driver.train(ir, document: try Driver.checkDocument(path).document, outDir: out, options: resume, cache: TestPaths.cache)) { e in
            guard case DriverError.usage(let m) = e else { return XCTFail("\(e)") }
            XCTAssertTrue(m.contains("has 2 rounds (2 done), --rounds 1 asks for fewer"), m)
        }
        resume.rounds = nil
        resume.seed = 5
        XCTAssertThrowsError(try Driver.train(ir, document: try Driver.checkDocument(path).document, outDir: out, options: resume, cache: TestPaths.cache)) { e in
            XCTAssertTrue("\(e)".contains("seed 9 in the checkpoint, 5 asked"), "\(e)")
        }
    }

    /// A fresh run in a folder of an earlier one removes that run's checkpoint and outputs
    /// first, so that `brcc report` never shows one run's best set with another's network; a
    /// folder that holds no training run keeps files of the same names.
    func testAFreshRunRemovesAnEarlierRunsFiles() throws {
        let ir = try taskModel()
        let path = dir.appendingPathComponent("task.xml").path, out = dir.appendingPathComponent("again")
        var options = Driver.TrainOptions()
        options.rounds = 1
        _ = try Driver.train(ir, document: try Driver.checkDocument(path).document, outDir: out, options: options, cache: TestPaths.cache)
        _ = try Driver.report(out)
        let mine = out.appendingPathComponent("notes.txt")
        try "the user's".write(to: mine, atomically: true, encoding: .utf8)
        try Driver.discardEarlierRun(in: out)
        for name in ["checkpoint.json"] + Driver.trainingOutputs {
            XCTAssertFalse(FileManager.default.fileExists(atPath: out.appendingPathComponent(name).path), name)
        }
        XCTAssertTrue(FileManager.default.fileExists(atPath: mine.path), "only the run's own files go")
        // Not a training run's folder (no checkpoint.json or summary.json): nothing is removed.
        let other = dir.appendingPathComponent("other"), page = other.appendingPathComponent("report.html")
        try FileManager.default.createDirectory(at: other, withIntermediateDirectories: true)
        try "<html/>".write(to: page, atomically: true, encoding: .utf8)
        try Driver.discardEarlierRun(in: other)
        XCTAssertTrue(FileManager.default.fileExists(atPath: page.path))
        // `brcc train` does this before it compiles: report.html, which only `brcc report`
        // writes, is gone after a second run.
        _ = try Driver.train(ir, document: try Driver.checkDocument(path).document, outDir: out, options: options, cache: TestPaths.cache)
        _ = try Driver.report(out)
        options.seed = 77
        _ = try Driver.train(ir, document: try Driver.checkDocument(path).document, outDir: out, options: options, cache: TestPaths.cache)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.appendingPathComponent("report.html").path))
        XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent("summary.json").path))
    }

    /// `brcc evaluate` refuses a sets file that is the table it writes (interrupted, it had
    /// replaced the sets with the few it had scored), and a fresh evaluation removes an earlier
    /// one's table before its first group is scored.
    func testEvaluateKeepsItsSetsFile() throws {
        let ir = try taskModel()
        let path = dir.appendingPathComponent("task.xml").path, out = dir.appendingPathComponent("eval")
        var options = Driver.TrainOptions()
        options.rounds = 1
        _ = try Driver.train(ir, document: try Driver.checkDocument(path).document, outDir: out, options: options, cache: TestPaths.cache)
        let table = out.appendingPathComponent("evaluations.csv"), before = try Data(contentsOf: table)
        for sets in [table, out.appendingPathComponent("../eval/./evaluations.csv")] {
            XCTAssertThrowsError(try Driver.evaluate(ir, document: try Driver.checkDocument(path).document, sets: sets, outDir: out, options: options, cache: TestPaths.cache)) { e in
                guard case DriverError.usage(let m) = e else { return XCTFail("\(e)") }
                XCTAssertTrue(m.contains("is the table this evaluation writes"), m)
            }
        }
        XCTAssertEqual(try Data(contentsOf: table), before)
        let copy = dir.appendingPathComponent("sets.csv")
        try before.write(to: copy)
        struct Stop: Error {}
        let scored = dir.appendingPathComponent("scored")
        try FileManager.default.createDirectory(at: scored, withIntermediateDirectories: true)
        try before.write(to: scored.appendingPathComponent("evaluations.csv"))
        XCTAssertThrowsError(try Driver.evaluate(ir, document: try Driver.checkDocument(path).document, sets: copy, outDir: scored, options: options,
                                                 cache: TestPaths.cache) { _ in throw Stop() })
        let rows = EvaluationTable.parse(try String(contentsOf: scored.appendingPathComponent("evaluations.csv"), encoding: .utf8)).rows
        XCTAssertEqual(rows.count, 1, "the table holds this evaluation's first set, not the earlier table's three")
    }

    /// A summary whose best set lacks a field is refused by `brcc report`, naming the field
    /// (it was shown with every best value as "-"); `"best": {}` is a run with no best set.
    func testReportRefusesADamagedSummary() throws {
        let ir = try taskModel()
        let path = dir.appendingPathComponent("task.xml").path, out = dir.appendingPathComponent("summary")
        var options = Driver.TrainOptions()
        options.rounds = 1
        _ = try Driver.train(ir, document: try Driver.checkDocument(path).document, outDir: out, options: options, cache: TestPaths.cache)
        let url = out.appendingPathComponent("summary.json")
        var json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        var best = try XCTUnwrap(json["best"] as? [String: Any])
        best["validationMSE"] = nil
        json["best"] = best
        try JSONSerialization.data(withJSONObject: json).write(to: url)
        XCTAssertThrowsError(try Driver.report(out)) { e in
            guard case DriverError.usage(let m) = e else { return XCTFail("\(e)") }
            XCTAssertTrue(m.contains("summary.json is damaged (best.validationMSE: missing)"), m)
        }
        json["best"] = [String: Any]()
        try JSONSerialization.data(withJSONObject: json).write(to: url)
        XCTAssertNil(try JSONDecoder().decode(TrainingSummary.self, from: Data(contentsOf: url)).best)
        XCTAssertNoThrow(try Driver.report(out))
    }

    /// `--baseline` creates its output folder before it simulates: a folder that cannot be
    /// made fails at once (it failed after every trial had run), before any kernel is built.
    func testBaselineChecksItsFolderFirst() throws {
        let ir = try taskModel()
        let file = dir.appendingPathComponent("a-file")
        try "x".write(to: file, atomically: true, encoding: .utf8)
        let cache = dir.appendingPathComponent("empty-cache")
        XCTAssertThrowsError(try Driver.baseline(ir, outDir: file.appendingPathComponent("sub"), options: Driver.TrainOptions(), cache: cache)) { e in
            XCTAssertEqual((e as? DriverError)?.exitCode, 73, "\(e)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: cache.path), "no kernel was built")
    }

    /// `ParallelMap` runs at most `threads` jobs at once (it ran as many as the machine has
    /// cores, whatever `--threads` said), and uses them.
    func testParallelMapRunsAsManyJobsAtOnceAsItsThreads() throws {
        final class Peak: @unchecked Sendable {
            let lock = NSLock()
            var now = 0, most = 0
            func enter() { lock.lock(); now += 1; most = max(most, now); lock.unlock() }
            func leave() { lock.lock(); now -= 1; lock.unlock() }
        }
        for threads in [1, 2] {
            let peak = Peak()
            let results = try ParallelMap.map(8, threads: threads) { i -> Int in
                peak.enter()
                Thread.sleep(forTimeInterval: 0.02)
                peak.leave()
                return i * i
            }
            XCTAssertEqual(results, (0..<8).map { $0 * $0 }, "in job order")
            XCTAssertEqual(peak.most, threads, "\(threads) thread(s)")
        }
    }
}
