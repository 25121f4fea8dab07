import BRCCodeGen
import BRCDiagnostics
import BRCLowering
import BRCParse
import BRCPlot
import BRCIR
import BRCRuntime
import BRCSyntax
import BRCTask
import BRCUnits
import Foundation

extension Driver {
    /// How `train`, `evaluate` and `--baseline` run: the budget's overrides, threads, batch,
    /// kernel target and precision, resumption and progress.
    public struct TrainOptions {
        /// Search rounds, instead of the task's; nil keeps the task's (with `resume`, the checkpoint's).
        public var rounds: Int?
        /// Parameter sets drawn per round, instead of the task's; nil as for `rounds`.
        public var samples: Int?
        /// The search's random seed, instead of the task's; nil as for `rounds`.
        public var seed: UInt64?
        /// Threads to simulate on: parameter sets in parallel for `train` and `evaluate`, one set's
        /// trials for `baseline` (results do not depend on it).
        public var threads = 1
        /// Trials simulated together per kernel pass (results do not depend on it).
        public var batch = CueTask.defaultBatch
        /// Show the compile step and per-simulation progress with an ETA on standard error.
        public var showProgress = false
        /// Continue from the checkpoint an earlier run left in the output folder, instead of starting anew.
        public var resume = false
        /// The target the kernels are generated for (`--backend`).
        public var backend: KernelTarget = .c
        /// Kernel precision (`--precision`); recorded in summary.json and the checkpoint.
        public var precision: KernelPrecision = .exact
        /// Options with every default: the task's own budget, one thread, exact C kernels, no resumption.
        public init() {}
    }

    /// Trains a task model (`brcc train`): writes `checkpoint.json` at the start and after every
    /// round (write, then rename), and at the end `evaluations.csv`, `summary.json`,
    /// `best_parameters.xml` and `best/` under `outDir`, then marks the checkpoint finished.
    /// With `resume`, continues from the checkpoint, if it is of the same model files and task
    /// settings, and reaches exactly the result of an uninterrupted run (the rounds, samples and
    /// seed not given in `options` are the checkpoint's); without it, an earlier run's files in
    /// `outDir` are removed first (`discardEarlierRun`). `progress` hears of every completed
    /// round, with the wall time so far (summed over resumed processes) in `wallSeconds`.
    public static func train(_ ir: IRModel, document: Document, outDir: URL, options: TrainOptions, cache: URL = defaultCacheDirectory,
                             progress: ((TrainingState) -> Void)? = nil) throws -> TrainingState {
        guard let task = ir.task else { throw DriverError.usage("the model declares no <brc:cueTask>; `brcc train` needs one (see docs/training.md)") }
        try writingFiles { try AtomicFile.createFolder(outDir) }
        let folderLock = try OutputFolderLock(outDir)
        defer { folderLock.release() }
        let modelPath = document.rootFile
        let modelHash = try modelHash(document), taskHash = taskHash(task)
        let checkpointURL = outDir.appendingPathComponent("checkpoint.json")
        var state: TrainingState
        if options.resume {
            state = try resumedState(checkpointURL, task: task, rounds: options.rounds, samples: options.samples, seed: options.seed,
                                     modelHash: modelHash, taskHash: taskHash, modelPath: modelPath, precision: options.precision)
        } else {
            state = Trainer.initialState(task, rounds: options.rounds, samples: options.samples, seed: options.seed)
            try writingFiles { try discardEarlierRun(in: outDir) }
        }
        let library = try loaded(compile(ir, cache: cache, backend: options.backend, precision: options.precision, announce: options.showProgress))
        let build = try networkBuilder(ir, task: task, document: document, backend: options.backend, precision: options.precision)
        let start = Date(), earlierSeconds = state.wallSeconds ?? 0
        let trialsPerSet = task.conditions.count * task.repeats
        if options.resume && options.showProgress {
            FileHandle.standardError.write(Data("brcc: resumed from the checkpoint: \(state.simulationsDone(trialsPerSet: trialsPerSet)) simulations done, \(state.search.completedRounds) of \(state.search.rounds) rounds complete\n".utf8))
        }
        let line = options.showProgress
            ? ProgressLine(label: "training", unit: "simulations", total: state.search.rounds * state.search.samplesPerRound * trialsPerSet,
                           done: state.simulationsDone(trialsPerSet: trialsPerSet))
            : nil
        let completed: (@Sendable (Int) -> Void)? = line.map { l in { @Sendable n in l.advance(by: n) } }
        let encoder = CheckpointJSON.encoder
        encoder.outputFormatting = [.sortedKeys]
        var checkpoint = TrainingCheckpoint(modelHash: modelHash, taskHash: taskHash, finished: false, state: state, precision: options.precision)
        func saveCheckpoint() throws {
            try writingFiles { try AtomicFile.writeCheckpoint(try encoder.encode(checkpoint), to: checkpointURL) }
        }
        try saveCheckpoint()
        try simulating("training") {
            try Trainer.run(build, library: library, task: task, state: &state, threads: options.threads, batch: options.batch,
                            completed: completed, checkpoint: { s in
                checkpoint.state = s
                checkpoint.state.wallSeconds = earlierSeconds + Date().timeIntervalSince(start)
                try saveCheckpoint()
            }, progress: { s in
                var s = s
                s.wallSeconds = earlierSeconds + Date().timeIntervalSince(start)
                progress?(s)
            })
        }
        line?.finish()
        state.wallSeconds = earlierSeconds + Date().timeIntervalSince(start)
        if options.showProgress, state.search.best != nil {
            FileHandle.standardError.write(Data("brcc: simulating the best set's \(trialsPerSet) trials again for the report (best/analysis.json)...\n".utf8))
        }
        try writingFiles {
            try writeResults(state, task: task, ir: ir, modelPath: modelPath, modelHash: modelHash, outDir: outDir,
                             seconds: state.wallSeconds ?? 0, options: options)
        }
        // The best network, simulated again for the report: best/analysis.json.
        if let bestSet = state.search.best {
            let best = bestSet.values
            let analysis = try simulating("analysing the best network") {
                try NetworkAnalysis.analyse(try build(best), library: library, task: task, values: best, set: bestSet.sample, threads: options.threads)
            }
            try writingFiles { try AtomicFile.write(try encoder.encode(analysis), to: outDir.appendingPathComponent("best/analysis.json")) }
        }
        checkpoint.state = state
        checkpoint.finished = true
        try saveCheckpoint()
        return state
    }

    /// The files a training run leaves in its `--out` folder besides `checkpoint.json`
    /// (`report.html` is `brcc report`'s, made from them).
    static let trainingOutputs = ["evaluations.csv", "summary.json", "best_parameters.xml", "best/LEMS_best.xml", "best/analysis.json", "report.html"]

    /// Before a fresh (not resumed) training run: if `outDir` holds an earlier training run (a
    /// readable checkpoint.json or summary.json), removes its checkpoint and outputs, saying so
    /// on standard error, so that the folder never holds one run's results beside another's
    /// (`brcc report` would show them together).
    static func discardEarlierRun(in outDir: URL) throws {
        let checkpoint = outDir.appendingPathComponent("checkpoint.json")
        let earlier = FileManager.default.contents(atPath: checkpoint.path).flatMap { try? CheckpointJSON.decoder.decode(TrainingCheckpoint.self, from: $0) }
        // Only a folder that a training run wrote: files of these names elsewhere are not ours.
        guard earlier != nil || FileManager.default.contents(atPath: outDir.appendingPathComponent("summary.json").path)
                .flatMap({ try? JSONDecoder().decode(TrainingSummary.self, from: $0) }) != nil else { return }
        var removed: [String] = []
        for name in ["checkpoint.json"] + trainingOutputs where try removeIfPresent(outDir.appendingPathComponent(name), of: "the earlier run") {
            removed.append(name)
        }
        guard !removed.isEmpty else { return }
        let what = earlier.map { c in
            c.finished ? "a finished training run" : "an unfinished training run (\(c.state.search.completedRounds) of \(c.state.search.rounds) rounds done; --resume would have continued it)"
        } ?? "an earlier training run's files"
        FileHandle.standardError.write(Data("brcc: note: \(outDir.path) held \(what); this run replaces them (removed \(removed.joined(separator: ", ")))\n".utf8))
    }

    /// Each parameter set's network. With structural parameters (connection probabilities,
    /// axial resistivities) the model is lowered again with the set's values, about 30 ms for
    /// the study's network; the kernels must come out the same, which is checked.
    public static func networkBuilder(_ ir: IRModel, task: IRTask, document doc: Document, backend: KernelTarget,
                                      precision: KernelPrecision = .exact) throws -> Trainer.NetworkBuilder {
        guard task.parameters.contains(where: { $0.target.isStructural }) else { return { _ in ir } }
        let kernels = KernelEmitter.emit(ir, target: backend, precision: precision)
        return { values in
            let sink = DiagnosticSink()
            guard let net = Lowering.lower(doc, sink: sink, overrides: Trainer.overrides(task, values: values)), !sink.hasErrors else {
                throw DriverError.model(sink.diagnostics)
            }
            guard KernelEmitter.emit(net, target: backend, precision: precision) == kernels else {
                throw DriverError.internalError("the network for parameter set \(values) needs different kernels than the task model's")
            }
            return net
        }
    }

    static func writeResults(_ state: TrainingState, task: IRTask, ir: IRModel, modelPath: String, modelHash: String, outDir: URL, seconds: Double, options: TrainOptions) throws {
        let search = state.search
        // evaluations.csv: every parameter set (exchange units) and what scoring it gave.
        let rows = zip(search.evaluations, state.details).map { e, d in
            EvaluationRow(round: e.round, sample: e.sample, parameters: task.parameters, values: e.values, score: e.score, detail: d)
        }
        let csv = EvaluationTable.csv(parameters: task.parameters.map(\.label), ratePopulations: task.ratePopulations, rows: rows)
        try AtomicFile.write(Data(csv.utf8), to: outDir.appendingPathComponent("evaluations.csv"))
        // summary.json
        var rounds: [TrainingSummary.Round] = []
        for r in 0..<search.completedRounds {
            let inRound = search.evaluations.indices.filter { search.evaluations[$0].round == r }
            guard !inRound.isEmpty else { continue }
            rounds.append(TrainingSummary.Round(round: r, scores: inRound.map { search.evaluations[$0].score },
                                                validationMSE: inRound.map { state.details[$0].validationMSE },
                                                chanceMSE: inRound.map { state.details[$0].chanceMSE }, failed: inRound.map { state.details[$0].failed }))
        }
        var best: TrainingSummary.Best?
        if let b = search.best, let i = search.evaluations.firstIndex(of: b) {
            let d = state.details[i]
            best = TrainingSummary.Best(score: b.score, validationMSE: d.validationMSE, chanceMSE: d.chanceMSE, failed: d.failed,
                                        parameters: Dictionary(uniqueKeysWithValues: zip(task.parameters.map(\.label), b.values)),
                                        meanOutputMagnitude: d.meanOutputMagnitude, conditions: task.conditions, meanPredictionPerCondition: d.meanPrediction ?? [])
        }
        let summary = TrainingSummary(
            brccVersion: Driver.version, model: modelPath, modelHash: modelHash,
            task: TrainingSummary.Task(readout: task.readoutPopulation, conditions: task.conditions, repeats: task.repeats, burnInMs: task.burnIn,
                                       downsample: task.downsample, alpha: task.alpha, failureMagnitude: task.failureMagnitude,
                                       durationMs: ir.simulation?.duration ?? 0, dtMs: ir.simulation?.dt ?? 0),
            budget: TrainingSummary.Budget(rounds: search.rounds, samplesPerRound: search.samplesPerRound, eliteFraction: search.eliteFraction,
                                           simulationsPerSample: task.conditions.count * task.repeats),
            seed: search.seed, rounds: rounds, best: best, simulationsRun: state.simulations, wallSeconds: seconds, threads: options.threads,
            backend: options.backend.rawValue, precision: options.precision.rawValue, units: parameterUnits)
        try AtomicFile.write(try summaryEncoder.encode(summary), to: outDir.appendingPathComponent("summary.json"))
        // best_parameters.xml: the best values as brc:parameter elements.
        var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- Best parameters found by brcc train (internal units: \(internalUnits)). -->\n"
        xml += "<brc:parameters xmlns:brc=\"\(Element.brcNamespace)\" score=\"\(search.best?.score ?? .nan)\">\n"
        for (p, v) in zip(task.parameters, search.best?.values ?? []) { xml += "  <brc:parameter name=\"\(xmlEscaped(p.label))\" value=\"\(v)\"/>\n" }
        xml += "</brc:parameters>\n"
        try AtomicFile.write(Data(xml.utf8), to: outDir.appendingPathComponent("best_parameters.xml"))
        // best/LEMS_best.xml: the task model with the best values set; `brcc run` re-runs it.
        let bestDir = outDir.appendingPathComponent("best")
        var lems = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Lems xmlns:brc=\"\(Element.brcNamespace)\">\n"
        lems += "    <!-- The best network found by brcc train (score \(search.best?.score ?? .nan)): the task model with its values. -->\n"
        lems += "    <Include file=\"\(xmlEscaped(relativePath(of: URL(fileURLWithPath: modelPath), from: bestDir)))\"/>\n"
        for (p, v) in zip(task.parameters, search.best?.values ?? []) {
            let names: String
            switch p.target {
            case .synapse(let proj, let name): names = "projection=\"\(xmlEscaped(proj))\" name=\"\(xmlEscaped(name))\""
            case .channel(let pop, let placement, let name):
                names = "population=\"\(xmlEscaped(pop))\" channelDensity=\"\(xmlEscaped(placement))\" name=\"\(xmlEscaped(name))\""
            case .connectionProbability(let proj), .connectionMask(let proj): names = "projection=\"\(xmlEscaped(proj))\" name=\"probability\""
            case .axialResistivity(let cell): names = "cell=\"\(xmlEscaped(cell))\" name=\"resistivity\""
            }
            lems += "    <brc:setParameter \(names) value=\"\(exactQuantity(v, p.dimension))\"/>\n"
        }
        lems += "</Lems>\n"
        try AtomicFile.createFolder(bestDir)
        try AtomicFile.write(Data(lems.utf8), to: bestDir.appendingPathComponent("LEMS_best.xml"))
    }

    /// The path of `file` relative to folder `dir` (`../../models/m.xml`), so that a project's
    /// models and runs can move together; absolute where they share only the root.
    static func relativePath(of file: URL, from dir: URL) -> String {
        let a = dir.absoluteURL.standardizedFileURL.pathComponents, b = file.absoluteURL.standardizedFileURL.pathComponents
        var k = 0
        while k < a.count, k < b.count - 1, a[k] == b[k] { k += 1 }
        guard k > 1 else { return file.absoluteURL.standardizedFileURL.path }
        return (Array(repeating: "..", count: a.count - k) + b[k...]).joined(separator: "/")
    }

    /// Runs `body` (simulations of the task), passing on a `DriverError`, reporting a
    /// numerical failure as one, and anything else as an internal error of `what`.
    static func simulating<T>(_ what: String, _ body: () throws -> T) throws -> T {
        do { return try body() } catch let e as DriverError { throw e } catch let e as Simulator.NumericalError {
            throw DriverError.numerical(e.message)
        } catch {
            throw DriverError.internalError("\(what) failed: \(error)")
        }
    }

    /// How `summary.json` and `baseline.json` are written: indented, keys sorted.
    static var summaryEncoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return encoder
    }

    /// What the parameter values of `summary.json` and `baseline.json` are in.
    static let parameterUnits = "parameter values in brcc's internal units (\(internalUnits))"
    /// brcc's internal units of the parameters a search may set.
    static let internalUnits = "uS, uS/um2, mV, ms, ohm_m, mM, nA, per_ms"

    /// Scores the model's own parameter values on its task (no search) and writes
    /// `baseline.json` under `outDir`: how good the hand-set network is.
    public static func baseline(_ ir: IRModel, outDir: URL, options: TrainOptions, cache: URL = defaultCacheDirectory) throws -> ReadoutScore {
        guard let task = ir.task else { throw DriverError.usage("the model declares no <brc:cueTask>") }
        try writingFiles { try AtomicFile.createFolder(outDir) }
        let folderLock = try OutputFolderLock(outDir)
        defer { folderLock.release() }
        let library = try loaded(compile(ir, cache: cache, backend: options.backend, precision: options.precision))
        let values = task.parameters.map(\.modelValue)
        let start = Date()
        let evaluation = try simulating("the baseline evaluation") {
            try Trainer.evaluate(ir, library: library, task: task, values: values, threads: options.threads, batch: options.batch)
        }
        let score = evaluation.score
        let summary = BaselineSummary(score: score, parameters: Dictionary(uniqueKeysWithValues: zip(task.parameters.map(\.label), values)),
                                      units: parameterUnits, conditions: task.conditions, simulations: task.conditions.count * task.repeats,
                                      ratesHz: evaluation.rates, precision: options.precision.rawValue, wallSeconds: Date().timeIntervalSince(start))
        try writingFiles { try AtomicFile.write(try summaryEncoder.encode(summary), to: outDir.appendingPathComponent("baseline.json")) }
        return score
    }

    /// An internal value as a quantity that brcc reads back as the same double (so that
    /// `best/LEMS_best.xml` runs the values the search scored, to the bit): in the unit of its
    /// dimension nearest the internal one (uS, S_per_cm2, mV, ms, ohm_m) for which a number
    /// within a few steps of the value / the unit's scale parses back exactly (checked by
    /// parsing; for about 1 conductance density in 1,000 none does, and it is one step away).
    static func exactQuantity(_ internalValue: Double, _ dim: BRCUnits.Dimension) -> String {
        if dim.isNone { return "\(internalValue)" }
        let scale = dim.internalScale
        let units = UnitTable.shared.units.values.filter { $0.dimension == dim && $0.offset == 0 }
            .sorted { (abs(log10($0.factor / scale)).rounded(), $0.symbol) < (abs(log10($1.factor / scale)).rounded(), $1.symbol) }
        for u in units {
            let x0 = internalValue / (u.factor / scale)
            var candidates = [x0], up = x0, down = x0
            for _ in 0..<7 { up = up.nextUp; down = down.nextDown; candidates += [up, down] }
            for x in candidates {
                let text = "\(x) \(u.symbol)"
                if case .success(let q) = Quantity.parse(text), q.inInternalUnits == internalValue { return text }
            }
        }
        // No unit reads it back exactly (about 1 conductance density in 1,000: a conversion by
        // 0.01 does not reach every double): the nearest, one step away.
        return units.first.map { "\(internalValue / ($0.factor / scale)) \($0.symbol)" } ?? "\(internalValue)"
    }
}

extension Driver {
    /// Scores given parameter sets without searching (`brcc evaluate`): reads `sets` (a CSV
    /// whose header names the task's parameters, values in exchange units, see
    /// `ExchangeUnits`; columns the task does not search are ignored,
    /// `EvaluationTable.ignoredColumns`), and writes `evaluations.csv` under `outDir` with the
    /// same columns as `brcc train`, and returns its rows. After every group of `threads` sets,
    /// it writes the rows so far (so a long evaluation shows its progress and loses nothing)
    /// and `evaluate-checkpoint.json`, which is removed when the table is complete. With
    /// `options.resume`, continues after the sets that checkpoint holds, to the table an
    /// uninterrupted evaluation writes. `afterGroup` gets the number of sets scored after each
    /// group is saved, and may throw to stop.
    public static func evaluate(_ ir: IRModel, document: Document, sets: URL, outDir: URL, options: TrainOptions,
                                cache: URL = defaultCacheDirectory, afterGroup: ((Int) throws -> Void)? = nil) throws -> [EvaluationRow] {
        guard let task = ir.task else { throw DriverError.usage("the model declares no <brc:cueTask>; `brcc evaluate` needs one (see docs/training.md)") }
        guard let text = try? String(contentsOf: sets, encoding: .utf8) else { throw DriverError.usage("cannot read the sets file \(sets.path)") }
        let parsed: [(round: Int, position: Int, values: [Double])]
        do { parsed = try EvaluationTable.sets(text, task: task) } catch { throw DriverError.usage("\(sets.path): \(error)") }
        let tableURL = outDir.appendingPathComponent("evaluations.csv")
        guard sets.resolvingSymlinksInPath().standardizedFileURL != tableURL.resolvingSymlinksInPath().standardizedFileURL else {
            throw DriverError.usage("--sets \(sets.path) is the table this evaluation writes (--out \(outDir.path)); it would be overwritten: give another --out folder, or copy the sets file first")
        }
        try writingFiles { try AtomicFile.createFolder(outDir) }
        let folderLock = try OutputFolderLock(outDir)
        defer { folderLock.release() }
        let modelPath = document.rootFile
        let checkpointURL = outDir.appendingPathComponent(EvaluationCheckpoint.fileName)
        var checkpoint = EvaluationCheckpoint(modelHash: try modelHash(document), taskHash: taskHash(task), setsHash: ContentHash.hex(Data(text.utf8)),
                                              precision: options.precision, scores: [], details: [])
        if options.resume {
            checkpoint = try EvaluationCheckpoint.resumed(checkpointURL, modelHash: checkpoint.modelHash, taskHash: checkpoint.taskHash, setsHash: checkpoint.setsHash,
                                                          precision: checkpoint.precision, modelPath: modelPath, sets: parsed.count)
        } else {
            // A fresh evaluation: an earlier one's table and checkpoint go first, so that the
            // folder never shows them as this evaluation's.
            let earlier = FileManager.default.contents(atPath: checkpointURL.path).flatMap { try? CheckpointJSON.decoder.decode(EvaluationCheckpoint.self, from: $0) }
            for url in [checkpointURL, tableURL] { try removeIfPresent(url, of: "the earlier evaluation") }
            if let earlier {
                FileHandle.standardError.write(Data("brcc: note: \(outDir.path) held an unfinished evaluation (\(earlier.scores.count) sets scored; --resume would have continued it); this evaluation replaces it\n".utf8))
            }
        }
        let library = try loaded(compile(ir, cache: cache, backend: options.backend, precision: options.precision, announce: options.showProgress))
        let build = try networkBuilder(ir, task: task, document: document, backend: options.backend, precision: options.precision)
        let trialsPerSet = task.conditions.count * task.repeats
        let done = checkpoint.scores.count
        let line = options.showProgress ? ProgressLine(label: "evaluating \(parsed.count - done) sets", unit: "simulations", total: (parsed.count - done) * trialsPerSet) : nil
        let completed: (@Sendable (Int) -> Void)? = line.map { l in { @Sendable n in l.advance(by: n) } }
        func row(_ k: Int) -> EvaluationRow {
            EvaluationRow(round: parsed[k].round, sample: parsed[k].position, parameters: task.parameters, values: parsed[k].values, score: checkpoint.scores[k], detail: checkpoint.details[k])
        }
        func writeTable() throws {
            let csv = EvaluationTable.csv(parameters: task.parameters.map(\.label), ratePopulations: task.ratePopulations, rows: checkpoint.scores.indices.map(row))
            try writingFiles { try AtomicFile.write(Data(csv.utf8), to: tableURL) }
        }
        // A group of sets at a time, so progress can be reported and threads stay busy.
        let group = max(options.threads, 1)
        for start in stride(from: done, to: parsed.count, by: group) {
            let chunk = parsed[start..<min(start + group, parsed.count)].map { (position: $0.position, values: $0.values) }
            let results = try simulating("evaluation") {
                try Trainer.evaluateSets(build, library: library, task: task, sets: chunk, threads: options.threads, batch: options.batch, completed: completed)
            }
            for r in results {
                checkpoint.scores.append(r.score.score)
                checkpoint.details.append(EvaluationDetail(r, conditions: task.conditions.count))
            }
            try writeTable()
            try writingFiles { try AtomicFile.writeCheckpoint(try CheckpointJSON.encoder.encode(checkpoint), to: checkpointURL) }
            try afterGroup?(checkpoint.scores.count)
        }
        line?.finish()
        if done == parsed.count { try writeTable() }  // nothing was left to score (or no sets): the loop wrote no table
        AtomicFile.removeCheckpoint(checkpointURL)
        return checkpoint.scores.indices.map(row)
    }
}
