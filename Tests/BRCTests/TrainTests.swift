import BRCCodeGen
@testable import BRCDriver
import BRCIR
import BRCUnits
import BRCRuntime
import BRCTask
import Foundation
import XCTest

/// `brcc train` on a small task model: outputs, determinism and resume.
final class TrainTests: XCTestCase {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("brcc-train-\(UUID().uuidString)")
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    func taskModel(search: String = """
        <brc:search rounds="2" samples="3" seed="5">
          <brc:synapticParameter projection="p" name="gbase" prior="logUniform" lower="0.1nS" upper="5nS"/>
        </brc:search>
        """, readout: String = "readout", connectivity: String = "<brc:oneToOne/>",
                   trials: String = #"conditions="-2 -2, 2 2" repeats="2" burnIn="100ms""#) throws -> IRModel {
        let text = smallCueNetwork(length: "200ms", extra: """
            <brc:cueTask readout="\(readout)" \(trials) downsample="10">
              \(search)
            </brc:cueTask>
            """, connectivity: connectivity)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try text.write(to: dir.appendingPathComponent("task.xml"), atomically: true, encoding: .utf8)
        return try Driver.check(dir.appendingPathComponent("task.xml").path).0
    }

    func testTrainWritesResultsAndResumesExactly() throws {
        let ir = try taskModel()
        XCTAssertEqual(ir.task?.parameters.first?.lower ?? 0, 0.0001, accuracy: 1e-15)  // 0.1 nS in uS
        var options = Driver.TrainOptions()
        let full = try Driver.train(ir, document: try Driver.checkDocument(dir.appendingPathComponent("task.xml").path).document, outDir: dir.appendingPathComponent("full"), options: options, cache: TestPaths.cache)
        XCTAssertEqual(full.search.evaluations.count, 6)
        XCTAssertEqual(full.simulations, 6 * 4)
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("full/summary.json"))) as! [String: Any]
        XCTAssertEqual(summary["simulationsRun"] as? Int, 24)
        XCTAssertEqual((summary["rounds"] as? [Any])?.count, 2)
        let round0 = try XCTUnwrap((summary["rounds"] as? [[String: Any]])?.first)
        XCTAssertEqual(round0["sets"] as? Int, 3)
        XCTAssertLessThanOrEqual(round0["bestValidationMSE"] as! Double, round0["medianValidationMSE"] as! Double)
        XCTAssertEqual(round0["medianChanceMSE"] as! Double, 4, accuracy: 0.5, "two conditions at (±2, ±2): chance about 4")
        let best = summary["best"] as! [String: Any]
        XCTAssertLessThan(best["validationMSE"] as! Double, best["chanceMSE"] as! Double, "the best readout beats chance")
        // The mean held-out output per condition follows the cue: (-2, -2) below (2, 2) on both outputs.
        let means = try XCTUnwrap(best["meanPredictionPerCondition"] as? [[Double]])
        XCTAssertEqual(means.count, 2)
        XCTAssertTrue(means[0][0] < means[1][0] && means[0][1] < means[1][1], "\(means)")
        let csv = try String(contentsOf: dir.appendingPathComponent("full/evaluations.csv"), encoding: .utf8)
        XCTAssertEqual(csv.split(separator: "\n").count, 7)
        XCTAssertTrue(csv.hasPrefix("round,sample,p.gbase,score,validation_mse,chance_mse,failed,mean_abs_prediction"), csv)
        // brcc evaluate on the same sets (the train table itself is a valid sets file; its
        // sample column keys each set's trials) reproduces train's numbers exactly.
        let again = try Driver.evaluate(ir, document: try Driver.checkDocument(dir.appendingPathComponent("task.xml").path).document, sets: dir.appendingPathComponent("full/evaluations.csv"),
                                        outDir: dir.appendingPathComponent("evaluate"), options: options, cache: TestPaths.cache)
        let trained = EvaluationTable.parse(csv).rows
        XCTAssertEqual(again.count, 6)
        for (a, t) in zip(again, trained) {
            XCTAssertEqual(a.values, t.values)
            XCTAssertEqual(a.round, t.round, "the sets file's round labels the row again")
            XCTAssertEqual(a.validationMSE, t.validationMSE, "set \(t.round)/\(t.sample)")
            XCTAssertEqual(a.score, t.score)
            XCTAssertEqual(a.failed, t.failed)
            XCTAssertEqual(a.meanAbsPrediction, t.meanAbsPrediction)
        }
        // An evaluation stopped after two sets keeps them (the table so far and the checkpoint),
        // and --resume scores only the other four, to the same table byte for byte.
        struct Stop: Error {}
        let stopped = dir.appendingPathComponent("evaluate-stopped"), setsFile = dir.appendingPathComponent("full/evaluations.csv")
        XCTAssertThrowsError(try Driver.evaluate(ir, document: try Driver.checkDocument(dir.appendingPathComponent("task.xml").path).document, sets: setsFile, outDir: stopped, options: options,
                                                 cache: TestPaths.cache) { n in if n == 2 { throw Stop() } })
        XCTAssertEqual(try String(contentsOf: stopped.appendingPathComponent("evaluations.csv"), encoding: .utf8).split(separator: "\n").count, 3, "the header and two sets")
        var resumeOptions = options
        resumeOptions.resume = true
        resumeOptions.precision = .fast
        XCTAssertThrowsError(try Driver.evaluate(ir, document: try Driver.checkDocument(dir.appendingPathComponent("task.xml").path).document, sets: setsFile, outDir: stopped, options: resumeOptions,
                                                 cache: TestPaths.cache)) { XCTAssertTrue("\($0)".contains("--precision exact"), "\($0)") }
        resumeOptions.precision = .exact
        var scored: [Int] = []
        let resumedRows = try Driver.evaluate(ir, document: try Driver.checkDocument(dir.appendingPathComponent("task.xml").path).document, sets: setsFile, outDir: stopped, options: resumeOptions,
                                              cache: TestPaths.cache) { scored.append($0) }
        XCTAssertEqual(scored, [3, 4, 5, 6], "the resumed evaluation scores only the sets after the checkpoint")
        XCTAssertEqual(resumedRows, again)
        XCTAssertEqual(try Data(contentsOf: stopped.appendingPathComponent("evaluations.csv")), try Data(contentsOf: dir.appendingPathComponent("evaluate/evaluations.csv")))
        XCTAssertFalse(FileManager.default.fileExists(atPath: stopped.appendingPathComponent("evaluate-checkpoint.json").path), "removed when the table is complete")
        XCTAssertThrowsError(try Driver.evaluate(ir, document: try Driver.checkDocument(dir.appendingPathComponent("task.xml").path).document, sets: setsFile, outDir: stopped, options: resumeOptions,
                                                 cache: TestPaths.cache)) { XCTAssertTrue("\($0)".contains("there is no checkpoint"), "\($0)") }
        // The report: self-contained HTML with the score plot and the best parameters.
        // (The file read back as the typed summary brcc report reads: the same numbers.)
        let typed = try JSONDecoder().decode(TrainingSummary.self, from: Data(contentsOf: dir.appendingPathComponent("full/summary.json")))
        XCTAssertEqual(typed.simulationsRun, 24)
        XCTAssertEqual(try XCTUnwrap(typed.best?.validationMSE), best["validationMSE"] as! Double, accuracy: 1e-15)  // (JSONSerialization reads the last digit loosely)
        XCTAssertEqual(typed.rounds.map(\.sets), [3, 3])
        let html = TrainingReport.html(summary: typed, csv: csv)
        XCTAssertTrue(html.contains("<svg") && html.contains("<polyline") && html.contains("p.gbase") && html.contains("mean held-out readout output"))
        // The best values as evaluations.csv gives them (µS, ...), not in internal units.
        let bestRow = try XCTUnwrap(EvaluationTable.parse(csv).rows.min { $0.score < $1.score })
        for t in bestRow.valueTexts { XCTAssertTrue(html.contains("<td>\(t)</td>"), "best value \(t) in the report") }
        XCTAssertTrue(html.contains("as in evaluations.csv"))
        XCTAssertTrue(html.contains("class=\"verdict\"><b>The best set: its readout"), "the report says in words what the best score means")
        XCTAssertEqual(EvaluationTable.parse(csv).rows.count, 6)
        XCTAssertFalse(html.contains("<script"))
        // brcc report adds the best network's rasters, readout traces and trajectories (best/analysis.json).
        let report = try String(contentsOf: try Driver.report(dir.appendingPathComponent("full")), encoding: .utf8)
        XCTAssertTrue(report.contains("cue (-2, -2): spikes of repeat 0") && report.contains("held-out readout output and target") && report.contains("PC1"))
        let figures = try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("full/figures").path).sorted()
        XCTAssertEqual(figures, ["raster_0.svg", "raster_1.svg", "readout_0.svg", "readout_1.svg", "score.svg", "trajectories.svg"])
        // A damaged analysis is refused with what is wrong (exit 64): a prediction row of no outputs
        // indexed past its end and crashed brcc report (tools/fuzz_training_files.py seed 4 input 335).
        let analysisURL = dir.appendingPathComponent("full/best/analysis.json")
        let analysis = try JSONDecoder().decode(NetworkAnalysis.self, from: Data(contentsOf: analysisURL))
        XCTAssertNil(analysis.damage)
        XCTAssertFalse(analysis.conditions[0].spikes.isEmpty, "the cue cells spike")
        for (what, damage) in [("condition 1's cue, prediction", { (a: inout NetworkAnalysis) in a.conditions[1].prediction[3] = [] }),
                               ("spike of no listed cell", { $0.conditions[0].spikes[0].population = 9 }),
                               ("outside the trial", { $0.conditions[0].spikes[0].t = -1e308 }),
                               ("ordered time", { $0.burnIn = $0.duration })] as [(String, (inout NetworkAnalysis) -> Void)] {
            var damaged = analysis
            damage(&damaged)
            try JSONEncoder().encode(damaged).write(to: analysisURL)
            XCTAssertThrowsError(try Driver.report(dir.appendingPathComponent("full")), what) { e in
                guard case DriverError.usage(let m) = e else { return XCTFail("\(e)") }
                XCTAssertTrue(m.contains("best/analysis.json is damaged") && m.contains(what), m)
            }
        }
        try JSONEncoder().encode(analysis).write(to: analysisURL)
        // best/LEMS_best.xml re-runs the best network: the projection's conductance is the best value.
        let bestIR = try Driver.check(dir.appendingPathComponent("full/best/LEMS_best.xml").path).0
        let bestValue = try XCTUnwrap(full.search.best?.values.first)
        for c in bestIR.connections where bestIR.projections[c.projection] == "p" {
            XCTAssertEqual(bestIR.synapseGroups[c.group].instances[c.instance].values[0], bestValue, "the very double the search scored")
        }
        let bestText = try String(contentsOf: dir.appendingPathComponent("full/best/LEMS_best.xml"), encoding: .utf8)
        XCTAssertTrue(bestText.contains(#"<Include file="../../task.xml"/>"#), "the task model by a relative path: \(bestText)")
        XCTAssertNotNil(bestIR.simulation)
        // The baseline scores the model's own values (gbase 1 nS) and beats chance.
        let base = try Driver.baseline(ir, outDir: dir.appendingPathComponent("base"), options: Driver.TrainOptions(), cache: TestPaths.cache)
        XCTAssertLessThan(base.validationMSE, 0.5 * base.chanceMSE)
        XCTAssertEqual(ir.task!.parameters[0].modelValue, 0.001, accuracy: 1e-15)
        let written = try JSONDecoder().decode(BaselineSummary.self, from: Data(contentsOf: dir.appendingPathComponent("base/baseline.json")))
        XCTAssertEqual(written.validationMSE, base.validationMSE, accuracy: 1e-12)  // (Foundation's JSON rounds the last digit)
        XCTAssertEqual(written.r2, base.r2, accuracy: 1e-12)
        XCTAssertEqual(written.failed, base.failed)
        XCTAssertEqual(written.simulations, ir.task!.conditions.count * ir.task!.repeats)
        XCTAssertEqual(try XCTUnwrap(written.parameters.values.first), 0.001, accuracy: 1e-15, "1 nS in uS")
        XCTAssertEqual(written.units, Driver.parameterUnits)
        // Interrupted after one round, then resumed: the same numbers as the full run.
        options.rounds = 1
        let first = try Driver.train(ir, document: try Driver.checkDocument(dir.appendingPathComponent("task.xml").path).document, outDir: dir.appendingPathComponent("part"), options: options, cache: TestPaths.cache)
        options.rounds = 2
        options.resume = true
        let resumed = try Driver.train(ir, document: try Driver.checkDocument(dir.appendingPathComponent("task.xml").path).document, outDir: dir.appendingPathComponent("part"), options: options, cache: TestPaths.cache)
        XCTAssertEqual(resumed.search, full.search)
        XCTAssertEqual(resumed.details, full.details)
        // The wall time adds the resumed process's to the first one's, in summary.json too.
        let firstSeconds = try XCTUnwrap(first.wallSeconds), totalSeconds = try XCTUnwrap(resumed.wallSeconds)
        XCTAssertGreaterThan(firstSeconds, 0)
        XCTAssertGreaterThan(totalSeconds, firstSeconds)
        let partSummary = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("part/summary.json"))) as! [String: Any]
        XCTAssertEqual(try XCTUnwrap(partSummary["wallSeconds"] as? Double), totalSeconds, accuracy: 1e-9)
        // Two threads evaluate the same parameter sets to the same scores.
        options.resume = false
        options.threads = 2
        let threaded = try Driver.train(ir, document: try Driver.checkDocument(dir.appendingPathComponent("task.xml").path).document, outDir: dir.appendingPathComponent("threads"), options: options, cache: TestPaths.cache)
        XCTAssertEqual(threaded.search, full.search)
    }

    /// A run stopped inside a round (here: its checkpoint fails after the round's second set)
    /// resumes from the sets it had scored, scores only the rest, and ends with the numbers of
    /// an uninterrupted run, also when resumed from the checkpoint's JSON.
    func testARoundInterruptedAfterSomeSetsResumesFromThem() throws {
        let ir = try taskModel(search: """
            <brc:search rounds="2" samples="4" seed="3">
              <brc:synapticParameter projection="p" name="gbase" prior="logUniform" lower="0.1nS" upper="5nS"/>
            </brc:search>
            """)
        let task = try XCTUnwrap(ir.task)
        let library = try KernelLibrary(path: try Driver.compile(ir, cache: TestPaths.cache).library)
        let build = try Driver.networkBuilder(ir, task: task, document: try Driver.checkDocument(dir.appendingPathComponent("task.xml").path).document, backend: .c, precision: .exact)
        struct Stop: Error {}
        var full = Trainer.initialState(task)
        try Trainer.run(build, library: library, task: task, state: &full, threads: 2, checkpoint: { _ in })
        var part = Trainer.initialState(task), saved: TrainingState?
        var writes = 0
        XCTAssertThrowsError(try Trainer.run(build, library: library, task: task, state: &part, threads: 2, checkpoint: { s in
            writes += 1
            if writes == 7 { throw Stop() }  // round 0: 4 sets + the round; round 1: its 2nd set
            saved = s
        }))
        var state = try JSONDecoder().decode(TrainingState.self, from: JSONEncoder().encode(try XCTUnwrap(saved)))
        XCTAssertEqual(state.search.completedRounds, 1)
        XCTAssertEqual(state.roundInProgress?.round, 1)
        XCTAssertEqual(state.roundInProgress?.sets.count, 1)
        XCTAssertEqual(state.simulationsDone(trialsPerSet: 4), (4 + 1) * 4, "a resumed run's progress counts the sets already scored")
        let trials = Counter()
        try Trainer.run(build, library: library, task: task, state: &state, threads: 2, completed: { trials.add($0) }, checkpoint: { _ in })
        XCTAssertEqual(trials.value, 3 * 4, "only the round's three unscored sets (4 trials each) are simulated")
        XCTAssertEqual(state.search, full.search)
        XCTAssertEqual(state.details, full.details)
        XCTAssertEqual(state.simulations, full.simulations)
        XCTAssertNil(state.roundInProgress)
    }

    /// `brcc train` killed (SIGKILL) at a random moment, then resumed, ends with the numbers
    /// of an uninterrupted run: checkpoints (after every set and round) are written atomically.
    func testTrainingKilledAtARandomPointResumesToTheSameSummary() throws {
        _ = try taskModel(search: """
            <brc:search rounds="3" samples="3" seed="11">
              <brc:synapticParameter projection="p" name="gbase" prior="logUniform" lower="0.1nS" upper="5nS"/>
            </brc:search>
            """)
        let brcc = try XCTUnwrap(InvalidModelTests.brccExecutable(), "build brcc first (swift build)")
        let task = dir.appendingPathComponent("task.xml").path
        func start(_ out: String, resume: Bool = false, stderr: URL? = nil) throws -> Process {
            let p = Process()
            p.executableURL = brcc
            p.arguments = ["train", task, "--out", dir.appendingPathComponent(out).path] + (resume ? ["--resume"] : [])
            var env = ProcessInfo.processInfo.environment
            env["BRCC_CACHE_DIR"] = TestPaths.cache.path
            p.environment = env
            p.standardOutput = FileHandle.nullDevice
            if let stderr {
                FileManager.default.createFile(atPath: stderr.path, contents: nil)
                p.standardError = try FileHandle(forWritingTo: stderr)
            } else {
                p.standardError = FileHandle.nullDevice
            }
            try p.run()
            return p
        }
        func numbers(_ out: String) throws -> NSDictionary {
            let s = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("\(out)/summary.json"))) as! [String: Any]
            return ["rounds": s["rounds"]!, "best": s["best"]!, "simulationsRun": s["simulationsRun"]!, "seed": s["seed"]!] as NSDictionary
        }
        let began = Date()
        let full = try start("full")
        full.waitUntilExit()
        XCTAssertEqual(full.terminationStatus, 0)
        let duration = Date().timeIntervalSince(began)
        // Kill at a random moment after the first scored set's checkpoint and before the end: a
        // kill before any set is scored would leave nothing to resume (the checkpoint written at
        // the start holds no progress), and one after the end would interrupt nothing. Where the
        // run ends before the kill, try a shorter delay.
        let checkpoint = dir.appendingPathComponent("part/checkpoint.json")
        func simulationsSaved() -> Int {
            guard let data = try? Data(contentsOf: checkpoint), let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                  let state = json["state"] as? [String: Any] else { return 0 }
            let sets = ((state["roundInProgress"] as? [String: Any])?["sets"] as? [Any])?.count ?? 0
            return (state["simulations"] as? Int ?? 0) + sets
        }
        // (Seeded like every draw in the tests; where the kill lands still varies with the machine.)
        var random = SeededGenerator(seed: 17)
        var killedInside = false
        for attempt in 0..<4 where !killedInside {
            try? FileManager.default.removeItem(at: dir.appendingPathComponent("part"))
            let part = try start("part")
            let deadline = Date().addingTimeInterval(max(60, 10 * duration))
            while part.isRunning && simulationsSaved() == 0 && Date() < deadline { Thread.sleep(forTimeInterval: 0.005) }
            let delay = Double.random(in: 0...(0.3 * duration), using: &random) / Double(1 << attempt)
            print("killing brcc train \(String(format: "%.2f", delay)) s after its first scored set (a \(String(format: "%.2f", duration)) s run)")
            Thread.sleep(forTimeInterval: delay)
            kill(part.processIdentifier, SIGKILL)
            part.waitUntilExit()
            killedInside = part.terminationReason == .uncaughtSignal
        }
        XCTAssertTrue(killedInside, "brcc train was killed inside its run")
        let saved = try JSONSerialization.jsonObject(with: Data(contentsOf: checkpoint)) as? [String: Any]
        XCTAssertEqual(saved?["finished"] as? Bool, false, "the checkpoint is of an unfinished run")
        let stderr = dir.appendingPathComponent("resumed.txt")
        let resumed = try start("part", resume: true, stderr: stderr)
        resumed.waitUntilExit()
        XCTAssertEqual(resumed.terminationStatus, 0)
        // It continued from the checkpoint (it says how far that had got), not from the start.
        let said = try String(contentsOf: stderr, encoding: .utf8)
        let done = wholeNumber(after: "resumed from the checkpoint: ", in: said)
        XCTAssertGreaterThan(done ?? 0, 0, said)
        XCTAssertEqual(try numbers("part"), try numbers("full"))
    }

    /// `--resume` refuses a checkpoint of a changed model or task, naming which changed, and
    /// resumes once the model is restored; checkpoint.json says whether the run finished.
    func testResumeChecksTheCheckpointsState() throws {
        // The study's four full-budget checkpoints (experiments/budget) are sound continuations.
        var budget: TrainingState?
        for config in ["soma_ampa", "soma_nmda", "dend_ampa", "dend_nmda"] {
            let task = try XCTUnwrap(try Driver.check(TestPaths.model("models/brc/train_cue_\(config).xml")).0.task)
            let data = try Data(contentsOf: TestPaths.repo.appendingPathComponent("experiments/budget/\(config)/checkpoint.json"))
            let state = try CheckpointJSON.decoder.decode(TrainingCheckpoint.self, from: data).state
            XCTAssertNil(state.damage(continuing: Trainer.initialState(task)), config)
            XCTAssertEqual(state.search.evaluations.count, 1000)
            budget = budget ?? state
        }
        // Damage of the kinds tools/fuzz_training_files.py made: an elite fraction of NaN crashed
        // the resumed search (Int(NaN) in its quantile); a missing detail would index past the end.
        let good = try XCTUnwrap(budget)
        let fresh = TrainingState(search: CrossEntropySearch(parameters: good.search.parameters, rounds: 10, samplesPerRound: 100, eliteFraction: 0.1,
                                                             eliteFloor: 1.0, minElite: 5, seed: 1))
        XCTAssertNil(good.damage(continuing: fresh))
        // A bound one bit off is the same range (a unit conversion that rounds differently).
        var nudged = fresh
        nudged.search.parameters[0].lower = nudged.search.parameters[0].lower.nextUp
        XCTAssertNil(good.damage(continuing: nudged))
        let damages: [(String, (inout TrainingState) -> Void)] = [
            ("elite fraction nan in the checkpoint, 0.1 asked", { $0.search.eliteFraction = .nan }),
            ("seed 9 in the checkpoint, 1 asked; samples per round 50 in the checkpoint, 100 asked", { $0.search.seed = 9; $0.search.samplesPerRound = 50 }),
            ("completed 11 of 10 rounds", { $0.search.completedRounds = 11 }),
            ("999 details", { $0.details.removeLast() }),
            ("evaluation 3 (round 0, set 3)", { $0.search.evaluations[3].values[0] = -0.5 }),
            ("evaluation 7 (round 0, set 7)", { $0.search.evaluations[7].unit[1] = 1.5 }),
            ("evaluation 8 (round 0, set 8)", { $0.search.evaluations[8].score = .infinity }),
            ("evaluation 100 (round 1, set 1)", { $0.search.evaluations.swapAt(100, 101) }),
            ("proposal", { $0.search.covariance?[0][1] = -1.1e12 }),
            ("proposal", { $0.search.mean?[2] = .nan }),
            ("mean without a covariance", { $0.search.covariance = nil }),
            ("wall time", { $0.wallSeconds = -1 }),
            ("searched parameters (names or ranges)", { $0.search.parameters[0].upper *= 1 + 1e-9 }),
            ("searched parameters (names or ranges)", { $0.search.parameters[1].log.toggle() }),
            ("searched parameters (names or ranges)", { $0.search.parameters.removeLast() }),
            ("details of evaluation 2", { $0.details[2].chanceMSE = .nan }),
            ("round in progress", { $0.roundInProgress = try? JSONDecoder().decode(RoundProgress.self, from: Data(#"{"round": 3, "sets": {}}"#.utf8)) }),
        ]
        for (what, damage) in damages {
            var state = good
            damage(&state)
            XCTAssertTrue(state.damage(continuing: fresh)?.contains(what) == true, "\(what): \(state.damage(continuing: fresh) ?? "nil")")
        }
        // brcc train --resume refuses such a checkpoint (exit 64) instead of trapping.
        let ir = try taskModel()
        let path = dir.appendingPathComponent("task.xml").path, out = dir.appendingPathComponent("damaged")
        var options = Driver.TrainOptions()
        options.rounds = 1
        _ = try Driver.train(ir, document: try Driver.checkDocument(path).document, outDir: out, options: options, cache: TestPaths.cache)
        let url = out.appendingPathComponent("checkpoint.json")
        var json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        var state = try XCTUnwrap(json["state"] as? [String: Any]), search = try XCTUnwrap(state["search"] as? [String: Any])
        search["eliteFraction"] = "nan"
        state["search"] = search
        json["state"] = state
        try JSONSerialization.data(withJSONObject: json).write(to: url)
        options.rounds = 2
        options.resume = true
        XCTAssertThrowsError(try Driver.train(ir, document: try Driver.checkDocument(path).document, outDir: out, options: options, cache: TestPaths.cache)) { e in
            guard case DriverError.usage(let m) = e else { return XCTFail("\(e)") }
            XCTAssertTrue(m.contains("cannot be continued: its search settings"), m)
        }
        // A checkpoint whose scores came from kernels of another arithmetic (an older brcc's,
        // which wrote no revision) is refused before anything else: its scores would mix.
        XCTAssertEqual(json["numerics"] as? Int, KernelNumerics.revision, "written by this brcc")
        for revision in [nil, KernelNumerics.revision + 1] as [Int?] {
            json["numerics"] = revision
            try JSONSerialization.data(withJSONObject: json).write(to: url)
            XCTAssertThrowsError(try Driver.train(ir, document: try Driver.checkDocument(path).document, outDir: out, options: options, cache: TestPaths.cache)) { e in
                guard case DriverError.usage(let m) = e else { return XCTFail("\(e)") }
                XCTAssertTrue(m.contains("kernels compute other bits (numerics revision \(revision ?? 0), this brcc's is \(KernelNumerics.revision))"), m)
            }
        }
    }

    func testResumeRefusesAChangedModelOrTask() throws {
        let ir = try taskModel()
        let path = dir.appendingPathComponent("task.xml").path, out = dir.appendingPathComponent("run")
        let checkpoint = out.appendingPathComponent("checkpoint.json")
        func finished() throws -> Bool? {
            (try JSONSerialization.jsonObject(with: Data(contentsOf: checkpoint)) as? [String: Any])?["finished"] as? Bool
        }
        var options = Driver.TrainOptions()
        options.rounds = 1
        var finishedDuringRun: [Bool?] = []
        _ = try Driver.train(ir, document: try Driver.checkDocument(path).document, outDir: out, options: options, cache: TestPaths.cache) { _ in finishedDuringRun.append(try? finished()) }
        XCTAssertEqual(finishedDuringRun, [false], "unfinished while rounds run")
        XCTAssertEqual(try finished(), true, "finished once every output is written")
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("summary.json"))) as! [String: Any]
        XCTAssertEqual(summary["modelHash"] as? String, try Driver.modelHash(Driver.checkDocument(path).document))

        let original = try String(contentsOfFile: path, encoding: .utf8)
        options.rounds = 2
        options.resume = true
        func resume(_ text: String) throws -> TrainingState {
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            return try Driver.train(try Driver.check(path).0, document: try Driver.checkDocument(path).document, outDir: out, options: options, cache: TestPaths.cache)
        }
        func assertRefused(_ text: String, naming what: String, line: UInt = #line) {
            XCTAssertThrowsError(try resume(text), line: line) { e in
                guard case DriverError.usage(let m) = e else { return XCTFail("\(e)", line: line) }
                XCTAssertTrue(m.contains(what) && m.contains(path) && m.contains("fresh --out folder"), m, line: line)
                XCTAssertEqual((e as? DriverError)?.exitCode, 64, line: line)
            }
        }
        // The synapse's conductance (outside the task) changed: the model files.
        assertRefused(original.replacingOccurrences(of: #"gbase="1nS""#, with: #"gbase="2nS""#), naming: "the model files")
        // The task's repeats changed: the task settings.
        assertRefused(original.replacingOccurrences(of: #"repeats="2""#, with: #"repeats="3""#), naming: "the task settings")
        XCTAssertEqual(try finished(), true, "a refused resume leaves the checkpoint alone")
        // Restored: the run resumes and finishes its second round.
        let resumed = try resume(original)
        XCTAssertEqual(resumed.search.completedRounds, 2)
        XCTAssertEqual(try finished(), true)
        // An output folder below a regular file cannot be created: exit 73.
        XCTAssertThrowsError(try Driver.train(ir, document: try Driver.checkDocument(path).document, outDir: URL(fileURLWithPath: path).appendingPathComponent("out"), options: Driver.TrainOptions(),
                                              cache: TestPaths.cache)) { e in XCTAssertEqual((e as? DriverError)?.exitCode, 73, "\(e)") }
    }

    /// Connection probability is structural: each parameter set's network is lowered again, with
    /// the same kernels, and best/LEMS_best.xml rebuilds exactly the network that was scored.
    func testConnectionProbabilityIsSearchedByRebuildingTheNetwork() throws {
        let ir = try taskModel(search: """
            <brc:search rounds="2" samples="3" seed="7">
              <brc:connectionProbability projection="p" prior="uniform" lower="0.2" upper="1"/>
              <brc:synapticParameter projection="p" name="gbase" prior="logUniform" lower="0.5nS" upper="5nS"/>
            </brc:search>
            """, connectivity: #"<brc:randomConnectivity probability="0.5" seed="3"/>"#)
        let path = dir.appendingPathComponent("task.xml").path
        XCTAssertEqual(ir.task?.parameters.map(\.label), ["p.probability", "p.gbase"])
        XCTAssertEqual(ir.task!.parameters[0].modelValue, 0.5)
        // The builder's network for p = 1 has every one of the 12 x 12 pairs; for p = 0.25 about a quarter.
        let build = try Driver.networkBuilder(ir, task: ir.task!, document: try Driver.checkDocument(path).document, backend: .c)
        XCTAssertEqual(try build([1, 0.001]).connections.count, 144)
        let quarter = try build([0.25, 0.001]).connections.count
        XCTAssertEqual(Double(quarter), 36, accuracy: 3 * (144 * 0.25 * 0.75).squareRoot(), "binomial(144, 0.25) within 3 sd")
        // A probability that draws no connection leaves the projection empty, and its searched
        // gbase changes nothing (it was BRC-E1004, which stopped the training); it scores.
        let empty = try build([0, 0.001])
        XCTAssertEqual(empty.connections.count, 0)
        XCTAssertEqual(empty.task?.parameters.map(\.label), ["p.probability", "p.gbase"])
        // The IR keeps the projection's synapse, so gbase resolves to the synapse's own value.
        let gbase = try empty.synapseParameter(projection: "p", name: "gbase").get()
        XCTAssertEqual(empty.value(of: gbase), ir.value(of: try ir.synapseParameter(projection: "p", name: "gbase").get()))
        XCTAssertTrue(IRVerifier.verify(empty).isEmpty)
        let emptyScore = try Trainer.evaluate(empty, library: try KernelLibrary(path: try Driver.compile(ir, cache: TestPaths.cache).library), task: ir.task!, values: [0, 0.001])
        XCTAssertTrue(emptyScore.score.failed, "a readout without input holds nothing")
        let full = try Driver.train(ir, document: try Driver.checkDocument(path).document, outDir: dir.appendingPathComponent("s"), options: Driver.TrainOptions(), cache: TestPaths.cache)
        XCTAssertEqual(full.search.evaluations.count, 6)
        XCTAssertEqual(Set(full.details.map(\.validationMSE)).count, 6, "every parameter set is its own network")
        // The best network, re-lowered from best/LEMS_best.xml, is the one the builder scored.
        let best = try XCTUnwrap(full.search.best?.values)
        let rerun = try Driver.check(dir.appendingPathComponent("s/best/LEMS_best.xml").path).0
        let scored = try build(best)
        XCTAssertEqual(rerun.connections, scored.connections)
        let lib = try KernelLibrary(path: try Driver.compile(rerun, cache: TestPaths.cache).library)
        let score = try Trainer.evaluate(rerun, library: lib, task: rerun.task!, values: best, set: full.search.best!.sample)
        XCTAssertEqual(score.score.score, full.search.best!.score, "re-running the best network reproduces its score exactly")
    }

    /// `<brc:setParameter input= name="sd">` sets a tuned cue's width (how a study variant
    /// changes the task's input without copying the network).
    func testSettingTheCueTuningWidth() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sd.xml").path
        let widths = try Driver.check(text: smallCueNetwork(length: "10ms", extra: #"<brc:setParameter input="cue" name="sd" value="2.5"/>"#), path: path)
            .stimuli.compactMap { $0.cueTuning?.sd }
        XCTAssertEqual(widths, Array(repeating: 2.5, count: 12))
        for (extra, id) in [(#"<brc:setParameter input="slow" name="sd" value="1"/>"#, "BRC-E1004"), (#"<brc:setParameter input="cue" name="sd" value="-1"/>"#, "BRC-E0803")] {
            XCTAssertThrowsError(try Driver.check(text: smallCueNetwork(length: "10ms", extra: extra), path: path)) { e in
                guard case DriverError.model(let ds) = e else { return XCTFail("\(e)") }
                XCTAssertTrue(ds.contains { $0.id == id && $0.location.line > 0 }, "\(ds)")
                XCTAssertEqual(ds.filter { $0.severity == .error }.count, 1, "reported once: \(ds)")
            }
        }
    }

    /// best/LEMS_best.xml writes each value as a quantity brcc reads back as the same double
    /// (it wrote SI values, a binary product that could differ in the last bit). A conductance
    /// density has no unit whose conversion reaches every double: about 1 in 1,000 comes back
    /// one step away (measured here: 2 of 2,000).
    func testBestValuesAreWrittenExactly() throws {
        var g = SeededGenerator(seed: 7)
        for dim: BRCUnits.Dimension in [.conductance, .conductanceDensity, .voltage, .time, .resistivity, .concentration, .none] {
            var off = 0
            for _ in 0..<2000 {
                let v = exp(Double.random(in: -20...20, using: &g)) * (Bool.random(using: &g) ? 1 : -1)
                let text = Driver.exactQuantity(v, dim)
                guard case .success(let q) = Quantity.parse(text) else { return XCTFail(text) }
                if q.inInternalUnits != v {
                    off += 1
                    XCTAssertTrue(q.inInternalUnits == v.nextUp || q.inInternalUnits == v.nextDown, "\(dim): \(text) for \(v)")
                }
            }
            XCTAssertLessThanOrEqual(off, dim == .conductanceDensity ? 4 : 0, "\(dim)")
        }
        XCTAssertTrue(Driver.exactQuantity(0.5, .conductance).hasSuffix(" uS"))
        XCTAssertTrue(Driver.exactQuantity(2.5, .resistivity).hasSuffix(" ohm_m"))
        XCTAssertTrue(Driver.exactQuantity(0.01, .conductanceDensity).hasSuffix(" S_per_cm2"))
        XCTAssertEqual(Driver.relativePath(of: URL(fileURLWithPath: "/a/models/m.xml"), from: URL(fileURLWithPath: "/a/runs/x/best")), "../../../models/m.xml")
        XCTAssertEqual(Driver.relativePath(of: URL(fileURLWithPath: "/m.xml"), from: URL(fileURLWithPath: "/runs/best")), "/m.xml", "only the root in common: absolute")
    }

    /// A population whose channel values a brc:setParameter sets while another population
    /// shares its cell (best/LEMS_best.xml after a search of one population's channels) runs
    /// on a copy of the cell type: the same bits as the search's run-time setter on the shared
    /// type, and the other population is untouched. (It was refused, so such a training's
    /// best network could not be run.)
    func testChannelValuesOfOnePopulationOfASharedCell() throws {
        func model(_ extra: String) throws -> IRModel {
            let text = """
            <Lems xmlns:brc="urn:brcc:brc:1">
              <Include file="\(TestPaths.model("models/cells/cuecell.cell.nml"))"/>
              <pulseGenerator id="drive" delay="2ms" duration="30ms" amplitude="0.05nA"/>
              <network id="net">
                <population id="A" component="cuecell" size="2"/>
                <population id="B" component="cuecell" size="2"/>
                <inputList id="ia" population="A" component="drive"><brc:allCells/></inputList>
                <inputList id="ib" population="B" component="drive"><brc:allCells/></inputList>
              </network>
              <Simulation id="sim" length="40ms" step="0.025ms" target="net"/>
              <Target component="sim"/>
              \(extra)
            </Lems>
            """
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            let path = dir.appendingPathComponent("shared\(extra.isEmpty ? 0 : 1).xml").path
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            return try Driver.check(path).0
        }
        let set = try model(#"<brc:setParameter population="A" channelDensity="Na_all" name="gmax" value="0.03 S_per_cm2"/>"#)
        XCTAssertEqual(set.cellTypes.count, 2, "A runs on a copy")
        XCTAssertEqual(set.cellTypes.map(\.name), ["cuecell", "cuecell"], "of the same name (recorded paths name the cell)")
        XCTAssertNotEqual(set.populations[0].cellType, set.populations[1].cellType)
        let plain = try model("")
        func traces(_ ir: IRModel, setter: Bool) throws -> [[Double]] {
            let sim = try Simulator(model: ir, library: KernelLibrary(path: Driver.compile(ir, cache: TestPaths.cache).library), dt: 0.025)
            if setter { try sim.setChannelParameter(population: "A", placement: "Na_all", name: "gmax", value: 0.03 / 100) }
            return (0..<1600).map { _ in sim.advance(); return [sim.voltages(population: 0, cell: 0)[0], sim.voltages(population: 1, cell: 0)[0]] }
        }
        let copied = try traces(set, setter: false), runTime = try traces(plain, setter: true), untouched = try traces(plain, setter: false)
        XCTAssertEqual(copied, runTime, "the copy runs as the search's setter on the shared type, bit for bit")
        XCTAssertEqual(copied.map { $0[1] }, untouched.map { $0[1] }, "B keeps the cell's own values")
        XCTAssertGreaterThan(zip(copied, untouched).map { abs($0[0] - $1[0]) }.max()!, 1, "and A's do change it (mV)")
    }

    func testBadTasksGiveLocatedErrors() throws {
        func expectError(_ id: String, search: String? = nil, readout: String = "readout", connectivity: String = "<brc:oneToOne/>", line: UInt = #line) {
            XCTAssertThrowsError(try search.map { try taskModel(search: $0, readout: readout, connectivity: connectivity) } ?? taskModel(readout: readout), line: line) { e in
                guard case DriverError.model(let ds) = e else { return XCTFail("\(e)", line: line) }
                XCTAssertTrue(ds.contains { $0.id == id && $0.location.line > 0 && $0.hint != nil }, "\(ds)", line: line)
            }
        }
        expectError("BRC-E1001", readout: "nobody")
        // Trials: too many (a product that would overflow, too), a readout that starts at or
        // after the trial's end (200 ms; 1e300 ms was a crash of brcc train), a negative burnIn.
        for (id, trials) in [("BRC-E1012", #"repeats="50001""#), ("BRC-E1012", #"repeats="9223372036854775807""#),
                             ("BRC-E1013", #"burnIn="200ms""#), ("BRC-E1013", #"burnIn="1e300ms""#), ("BRC-E0124", #"burnIn="-5ms""#),
                             // Settings out of range (a negative alpha was an internal error of brcc train,
                             // downsample 0 and minElite 0 were silently made 1)
                             ("BRC-E1016", #"alpha="-3""#), ("BRC-E1016", #"alpha="0""#),
                             ("BRC-E1016", #"failureMagnitude="-1""#), ("BRC-E1016", #"failurePenalty="-1""#)] {
            XCTAssertThrowsError(try taskModel(trials: #"conditions="-2 -2, 2 2" "# + trials), id) { e in
                guard case DriverError.model(let ds) = e else { return XCTFail("\(e)") }
                XCTAssertEqual(ds.filter { $0.severity == .error }.map(\.id), [id], "\(ds)")
                XCTAssertTrue(ds.allSatisfy { $0.location.line > 0 && $0.hint != nil }, "\(ds)")
            }
        }
        XCTAssertEqual(try taskModel(trials: #"conditions="-2 -2, 2 2" repeats="50000" burnIn="199ms""#).task?.repeats, 50000)
        // The cue: conditions of 3 numbers for a cue of 2 (zip dropped the third silently), and a
        // network without a tuned cue input (an internal error of brcc train, found by brcc-fuzz --train).
        XCTAssertThrowsError(try taskModel(trials: #"conditions="-2 -2 1, 2 2 1" repeats="2" burnIn="100ms""#)) { e in
            guard case DriverError.model(let ds) = e else { return XCTFail("\(e)") }
            XCTAssertEqual(ds.map(\.id), ["BRC-E1015"], "\(ds)")
            XCTAssertTrue(ds[0].message.contains("3 dimension(s), but the brc:tunedCue's centres have 2"), ds[0].message)
        }
        // Conditions that cannot be targets: one condition, or all the same (a chance error of 0
        // wrote NaN into summary.json, an internal error), or values beyond ±1e6 (1e308 gave NaN).
        for conditions in [#"conditions="1 1""#, #"conditions="1 1, 1 1""#, #"conditions="1e308 1e308, -1e308 -1e308""#, #"conditions="inf 1, 1 1""#] {
            XCTAssertThrowsError(try taskModel(trials: conditions + #" repeats="2" burnIn="100ms""#), conditions) { e in
                guard case DriverError.model(let ds) = e else { return XCTFail("\(e)") }
                XCTAssertEqual(ds.map(\.id), ["BRC-E1016"], "\(ds)")
            }
        }
        // The search's settings: too few sets, no rounds, an elite fraction beyond 1, no elite.
        for search in [#"samples="1""#, #"rounds="0""#, #"eliteFraction="1.5""#, #"eliteFraction="0""#, #"minElite="0""#, #"samples="100001""#] {
            expectError("BRC-E1016", search: """
                <brc:search seed="1" \(search)><brc:synapticParameter projection="p" name="gbase" lower="0.1nS" upper="5nS"/></brc:search>
                """)
        }
        let noReadout = smallCueNetwork(length: "200ms", extra: """
            <brc:cueTask readout="readout" conditions="-2 -2, 2 2" repeats="2" burnIn="100ms">
              <brc:search seed="1"><brc:synapticParameter projection="p" name="gbase" lower="0.1nS" upper="5nS"/></brc:search>
            </brc:cueTask>
            """).replacingOccurrences(of: #"<population id="readout" component="passive1" size="12"/>"#, with: #"<population id="readout" component="passive1" size="0"/>"#)
            .replacingOccurrences(of: "<brc:oneToOne/>", with: "")
        XCTAssertThrowsError(try Driver.check(text: noReadout, path: dir.appendingPathComponent("noreadout.xml").path)) { e in
            guard case DriverError.model(let ds) = e else { return XCTFail("\(e)") }
            XCTAssertTrue(ds.contains { $0.id == "BRC-E1016" && $0.message.contains("has no cells") }, "\(ds)")
        }
        let noDownsampling = noReadout.replacingOccurrences(of: #"size="0""#, with: #"size="12""#)
            .replacingOccurrences(of: #"burnIn="100ms">"#, with: #"burnIn="100ms" downsample="0">"#)
        XCTAssertThrowsError(try Driver.check(text: noDownsampling, path: dir.appendingPathComponent("nodown.xml").path)) { e in
            guard case DriverError.model(let ds) = e else { return XCTFail("\(e)") }
            XCTAssertEqual(ds.map(\.id), ["BRC-E1016"], "\(ds)")
            XCTAssertTrue(ds[0].message.contains(#"downsample="0" is out of range: it must be at least 1"#), ds[0].message)
        }
        let uncued = smallCueNetwork(length: "200ms", extra: """
            <brc:cueTask readout="readout" conditions="-2 -2, 2 2" repeats="2" burnIn="100ms">
              <brc:search seed="1"><brc:synapticParameter projection="p" name="gbase" lower="0.1nS" upper="5nS"/></brc:search>
            </brc:cueTask>
            """).replacingOccurrences(of: #"<inputList id="in" population="cue" component="cue"><brc:allCells/></inputList>"#, with: "")
        XCTAssertThrowsError(try Driver.check(text: uncued, path: dir.appendingPathComponent("uncued.xml").path)) { e in
            guard case DriverError.model(let ds) = e else { return XCTFail("\(e)") }
            XCTAssertEqual(ds.filter { $0.severity == .error }.map(\.id), ["BRC-E1014"], "\(ds)")
            XCTAssertTrue(ds.allSatisfy { $0.location.line > 0 && $0.hint != nil }, "\(ds)")
        }
        // Synaptic parameters: a missing parameter or projection, reversed bounds, a log-uniform prior
        // with a negative bound, a bound of the wrong dimension. Structural ones: a projection without
        // a probability, probability bounds outside [0, 1], a log-uniform prior with a negative bound,
        // a one-compartment cell, an unknown cell.
        let oneToOne = "<brc:oneToOne/>", random = #"<brc:randomConnectivity probability="0.5" seed="3"/>"#
        let cases: [(String, String, String)] = [
            ("BRC-E1017", #"<brc:synapticParameter projection="p" name="tau" lower="1ms" upper="2ms"/>"#, oneToOne),
            ("BRC-E1004", #"<brc:synapticParameter projection="nope" name="gbase" lower="1nS" upper="2nS"/>"#, oneToOne),
            ("BRC-E1006", #"<brc:synapticParameter projection="p" name="gbase" lower="2nS" upper="1nS"/>"#, oneToOne),
            ("BRC-E1007", #"<brc:synapticParameter projection="p" name="erev" prior="logUniform" lower="-10mV" upper="10mV"/>"#, oneToOne),
            ("BRC-E1017", #"<brc:connectionProbability projection="p" lower="0" upper="0.5"/>"#, oneToOne),
            ("BRC-E1010", #"<brc:connectionProbability projection="p" lower="0" upper="1.5"/>"#, random),
            ("BRC-E1007", #"<brc:connectionProbability projection="p" prior="logUniform" lower="-0.1" upper="0.5"/>"#, random),
            ("BRC-E1017", #"<brc:axialResistivity cell="passive1" lower="100ohm_cm" upper="200ohm_cm"/>"#, oneToOne),
            ("BRC-E1004", #"<brc:axialResistivity cell="pyr9" lower="100ohm_cm" upper="200ohm_cm"/>"#, oneToOne),
            ("BRC-E0106", #"<brc:synapticParameter projection="p" name="gbase" lower="1mV" upper="2mV"/>"#, oneToOne),
        ]
        for (id, parameter, connectivity) in cases {
            expectError(id, search: "<brc:search seed=\"1\">\(parameter)</brc:search>", connectivity: connectivity)
        }
    }

    /// `brcc train` stopped by SIGINT (Ctrl-C) once it has checkpointed exits with 130, leaves
    /// no temporary file, and keeps a checkpoint that `--resume` reads (here it resumes and is
    /// stopped again: the checkpoint it started from was whole).
    func testAnInterruptedTrainingKeepsAWholeCheckpoint() throws {
        let brcc = try XCTUnwrap(InvalidModelTests.brccExecutable(), "build brcc first (swift build)")
        _ = try taskModel(search: """
            <brc:search rounds="500" samples="3" seed="5">
              <brc:synapticParameter projection="p" name="gbase" prior="logUniform" lower="0.1nS" upper="5nS"/>
            </brc:search>
            """)
        let out = dir.appendingPathComponent("interrupted"), checkpoint = out.appendingPathComponent("checkpoint.json")
        for resume in [false, true] {
            let p = Process()
            p.executableURL = brcc
            p.arguments = ["train", dir.appendingPathComponent("task.xml").path, "--out", out.path, "--threads", "1"] + (resume ? ["--resume"] : [])
            p.environment = ProcessInfo.processInfo.environment.merging(["BRCC_CACHE_DIR": TestPaths.cache.path]) { $1 }
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            let before = (try? Data(contentsOf: checkpoint)) ?? Data()
            try p.run()
            // Until it has written a checkpoint of its own (a later round than `before`'s).
            let deadline = Date().addingTimeInterval(120)
            while p.isRunning && ((try? Data(contentsOf: checkpoint)) ?? before) == before && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
            XCTAssertTrue(p.isRunning, "resume \(resume): still training after a checkpoint")
            kill(p.processIdentifier, SIGINT)
            p.waitUntilExit()
            XCTAssertEqual(p.terminationReason, .exit)
            XCTAssertEqual(p.terminationStatus, 130, "resume \(resume)")
            let files = try FileManager.default.contentsOfDirectory(atPath: out.path)
            XCTAssertFalse(files.contains { $0.contains(".tmp-") }, "resume \(resume): \(files)")
            XCTAssertNoThrow(try JSONSerialization.jsonObject(with: Data(contentsOf: checkpoint)), "resume \(resume): the checkpoint is whole JSON")
        }
    }
}

/// A count several threads add to.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var n = 0
    var value: Int { lock.lock(); defer { lock.unlock() }; return n }
    func add(_ k: Int) { lock.lock(); n += k; lock.unlock() }
}
