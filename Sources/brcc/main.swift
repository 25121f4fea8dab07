import ArgumentParser
import BRCCodeGen
import BRCDiagnostics
import BRCDriver
import BRCIR
import BRCRuntime
import BRCTask
import Foundation

/// The brcc command line: thin subcommands over BRCDriver.
struct BRCC: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "brcc",
        abstract: "Compile and run biophysically detailed neuron networks declared in NeuroML2/LEMS.",
        version: Driver.version,
        subcommands: [Check.self, Compile.self, Run.self, Train.self, Evaluate.self, Report.self, Compare.self, Inspect.self, Export.self])

    /// `brcc` alone is a usage error (exit 64), with the list of subcommands.
    func run() throws {
        throw ValidationError("give a subcommand: check, compile, run, train, evaluate, report, compare, inspect or export (brcc --help)")
    }
}

/// A usage error (exit 64) for an empty folder option: it would silently be the current folder.
func requireFolder(_ path: String?, _ option: String) throws {
    if let path, path.isEmpty { throw ValidationError("\(option) is empty; give a folder, e.g. \(option) out") }
}

/// The most threads, or trials per batch, a command takes: far more than any machine's cores
/// or a task's trials, and small enough that no count derived from it overflows.
let maximumCount = 1024

/// A usage error unless `value` of `option` (`--threads`, `--batch`) is from 1 to `maximumCount`.
func requireCount(_ value: Int, _ option: String) throws {
    guard (1...maximumCount).contains(value) else { throw DriverError.usage("\(option) must be from 1 to \(maximumCount), not \(value)") }
}

/// `path` as one shell word, for a command line brcc prints to be pasted: as it is when it
/// holds only characters no shell interprets, else in single quotes.
func shellQuoted(_ path: String) -> String {
    let plain = path.unicodeScalars.allSatisfy { CharacterSet.alphanumerics.contains($0) && $0.isASCII || "_./-+=:,@".unicodeScalars.contains($0) }
    return plain && !path.isEmpty ? path : "'" + path.replacingOccurrences(of: "'", with: "'\\''") + "'"
}

/// Runs a command body, printing diagnostics and exiting with DESIGN.md's codes.
func guarded(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let e as DriverError {
        var r = DiagnosticRenderer()
        switch e {
        case .model(let ds): FileHandle.standardError.write(Data(r.render(ds).utf8))
        default: FileHandle.standardError.write(Data("brcc: error: \(e.description)\n".utf8))
        }
        throw ExitCode(e.exitCode)
    } catch let e as ExitCode {
        throw e
    } catch {
        FileHandle.standardError.write(Data("brcc: internal error: \(error)\n".utf8))
        throw ExitCode(70)
    }
}

/// The help text of `--precision` (compile, run, train, evaluate).
let precisionHelp = ArgumentHelp("Kernel precision: exact (NEURON's scheme in double precision, the default) or fast (channel rates in single precision, C backend only; errors in docs/numerics.md).")

/// `--precision`'s value, or a usage error (exit 64).
func parsePrecision(_ value: String) throws -> KernelPrecision {
    guard let p = KernelPrecision(rawValue: value) else { throw DriverError.usage("--precision must be exact or fast, not '\(value)'") }
    return p
}

/// `--backend` and `--precision` of the commands that simulate (run, train, evaluate).
struct KernelOptions: ParsableArguments {
    @Option(name: .long, help: "Kernel backend: c or swift (same results).") var backend: String = "c"
    @Option(name: .long, help: precisionHelp) var precision: String = "exact"

    /// The backend and precision, or a usage error (exit 64) for an unknown name or a
    /// combination that does not exist.
    func resolved() throws -> (target: KernelTarget, precision: KernelPrecision) {
        guard let target = KernelTarget(rawValue: backend) else { throw DriverError.usage("--backend must be \(targetNames), not '\(backend)'") }
        let precision = try parsePrecision(precision)
        try Driver.checkPrecision(precision, backend: target)
        return (target, precision)
    }
}

func printWarnings(_ ds: [Diagnostic]) {
    guard !ds.isEmpty else { return }
    var r = DiagnosticRenderer()
    FileHandle.standardError.write(Data(r.render(ds).utf8))
}

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Parse, resolve and lower a model; print diagnostics (exit 0 ok, 65 errors).")
    @Argument(help: "The model file (NeuroML2 or LEMS).") var model: String

    func run() throws {
        try guarded {
            let (ir, warnings) = try Driver.check(model)
            printWarnings(warnings)
            let generators = ir.declaredGeneratorPopulations.count
            print("ok: \(ir.cellTypes.count) cell type(s), \(ir.mechanisms.count) mechanism(s), \(ir.populations.count + generators) population(s)"
                  + (generators > 0 ? " (\(generators) of spike generators)" : ""))
        }
    }
}

struct Compile: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Generate kernel source for a model and build it into a shared library.")
    @Argument(help: "The model file.") var model: String
    @Option(name: .shortAndLong, help: "Folder for the generated source and library.") var output: String
    @Option(name: .long, help: "c, swift, or swift-package (a standalone Swift package that runs the simulation).") var emit: String = "c"
    @Option(name: .long, help: precisionHelp) var precision: String = "exact"

    func validate() throws { try requireFolder(output, "-o") }

    func run() throws {
        try guarded {
            let kernelPrecision = try parsePrecision(precision)
            guard emit == "swift-package" || KernelTarget(rawValue: emit) != nil else { throw DriverError.usage("--emit must be \(choices(KernelTarget.allCases.map(\.rawValue) + ["swift-package"])), not '\(emit)'") }
            let checked = try Driver.checkDocument(model)
            printWarnings(checked.warnings)
            let ir = checked.ir
            if emit == "swift-package" {
                try Driver.checkPrecision(kernelPrecision, backend: .swift)
                let files = try Driver.emitPackage(ir, outDir: URL(fileURLWithPath: output), modelFiles: checked.document.files)
                for f in files { print("wrote \(f.path)") }
                print("build and run: cd \(shellQuoted(output)) && swift build -c release && .build/release/Simulator OUTPUT_FOLDER")
                return
            }
            guard let language = KernelTarget(rawValue: emit) else { throw DriverError.usage("--emit must be \(choices(KernelTarget.allCases.map(\.rawValue) + ["swift-package"])), not '\(emit)'") }
            let c = try Driver.compile(ir, outDir: URL(fileURLWithPath: output), backend: language, precision: kernelPrecision, modelFiles: checked.document.files)
            print("wrote the \(emit) sources in \(c.sourceDirectory) and \(c.library) (\(c.cacheHit ? "cache hit" : "compiled in \(String(format: "%.2f", c.seconds)) s"))")
        }
    }
}

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run a LEMS <Simulation> and write its OutputFiles.")
    @Argument(help: "The LEMS simulation file.") var simulation: String
    @Option(name: .long, help: "Folder the OutputFiles' paths are relative to.") var out: String = "out"
    @Option(name: .long, help: "Output format: dat (LEMS text) or npy.") var format: String = "dat"
    @OptionGroup var kernels: KernelOptions
    @Option(name: .long, parsing: .unconditional, help: "Threads for the cell kernels and large synapse blocks (results do not depend on it).") var threads: Int = 1
    @Flag(name: .long, help: "Do not draw plots (plots/*.svg and plots/index.html under --out).") var noPlots = false
    @Option(name: .long, help: "Gate integration: exact (NEURON's cnexp, default) or forward-euler (channel gates as NEURON runs a stock jNeuroML export).") var gates: String = "exact"
    @Option(name: .long, parsing: .unconditional, help: "Seed of random() in LEMS Dynamics and of NeuroML's random generators and inputs (default: the Simulation's seed attribute, else 0).") var seed: UInt64?
    @Option(name: .long, parsing: .unconditional, help: "Write a checkpoint (--out/run-checkpoint.json) every this many seconds of wall time; 0: none.") var checkpointEvery: Double = 60
    @Flag(name: .long, help: "Continue an interrupted run from its checkpoint in --out (same model and options).") var resume = false

    func validate() throws { try requireFolder(out, "--out") }

    func run() throws {
        try guarded {
            try requireCount(threads, "--threads")
            guard checkpointEvery >= 0, checkpointEvery.isFinite else { throw DriverError.usage("--checkpoint-every must be 0 (no checkpoints) or a number of seconds") }
            guard !resume || checkpointEvery > 0 else { throw DriverError.usage("--resume continues with checkpoints; drop --checkpoint-every 0") }
            guard let f = Recorder.Format(rawValue: format) else { throw DriverError.usage("--format must be dat or npy, not '\(format)'") }
            let (language, kernelPrecision) = try kernels.resolved()
            guard let gateRule = GateIntegration(rawValue: gates) else { throw DriverError.usage("--gates must be exact or forward-euler, not '\(gates)'") }
            let checked = try Driver.checkDocument(simulation)
            printWarnings(checked.warnings)
            var ir = checked.ir.integratingGates(gateRule)
            if let seed { ir.seedRandomStreams(seed) }
            var line: ProgressLine?, shown = 0
            let checkpoint = URL(fileURLWithPath: out).appendingPathComponent(Driver.runCheckpointName)
            let r = try keepingCheckpointNote(checkpoint) { try Driver.run(ir, outDir: URL(fileURLWithPath: out), format: f, threads: threads, backend: language, precision: kernelPrecision,
                                   announce: true, plots: !noPlots,
                                   checkpoints: checkpointEvery > 0 ? Driver.RunCheckpoints(interval: checkpointEvery, resume: resume) : nil,
                                   modelFiles: checked.document.files) { done, total in
                if line == nil { line = ProgressLine(label: "simulating", unit: "steps", total: total, done: done); shown = done }  // done > 0: resumed
                guard done > shown else { return }
                line?.advance(by: done - shown)
                shown = done
                if done == total { line?.finish() }
            } }
            if r.replacedCheckpoint {
                FileHandle.standardError.write(Data("brcc: note: this run replaced the checkpoint of an earlier, interrupted run in \(out) (--resume would have continued it)\n".utf8))
            }
            if let step = r.resumedAt { print("resumed from the checkpoint at step \(step)") }
            let simMs = Double(r.steps) * (ir.simulation?.dt ?? 0)
            print("simulated \(IRPrinter.num(simMs)) ms in \(r.steps) steps, \(String(format: "%.3f", r.seconds)) s (kernels: \(r.compile.cacheHit ? "cached" : "compiled"))")
            let (instances, slots) = r.synapseCounts
            if slots < instances { print("merged \(instances) synapse instances into \(slots) (linear synapses on one node from one projection, fast precision)") }
            if kernelPrecision == .exact, instances >= 10_000, case let merged = Driver.fastPrecisionSynapses(ir), merged * 4 <= instances {
                FileHandle.standardError.write(Data("brcc: note: --precision fast would simulate these \(instances) synapse instances as \(merged) (docs/numerics.md, \"Merged synapses\")\n".utf8))
            }
            for file in r.files { print("wrote \(file.path)") }
        }
    }
}

/// Runs `body`; if it fails (other than on a usage error) while a run checkpoint is at
/// `checkpoint`, says on standard error that the checkpoint is kept and how to continue.
func keepingCheckpointNote<T>(_ checkpoint: URL, _ body: () throws -> T) throws -> T {
    do { return try body() } catch let e as DriverError {
        // (A folder busy with another run holds that run's checkpoint, not this one's.)
        if e.exitCode != 64, !e.isBusy, FileManager.default.fileExists(atPath: checkpoint.path) {
            FileHandle.standardError.write(Data("brcc: note: the run's checkpoint \(checkpoint.path) and its partial recordings are kept: once the cause below is fixed, the same command with --resume continues the run from it\n".utf8))
        }
        throw e
    }
}

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Train a task model's readout and search its parameters (brc:cueTask).")
    @Argument(help: "The task model (a LEMS file with <Simulation> and <brc:cueTask>).") var model: String
    @Option(name: .long, help: "Folder for checkpoint.json, evaluations.csv, summary.json, best_parameters.xml.") var out: String = "runs/train"
    @Option(name: .long, parsing: .unconditional, help: "Rounds (default: the task's).") var rounds: Int?
    @Option(name: .long, parsing: .unconditional, help: "Parameter sets per round (default: the task's).") var samples: Int?
    @Option(name: .long, parsing: .unconditional, help: "Search seed (default: the task's).") var seed: UInt64?
    @Option(name: .long, parsing: .unconditional, help: "Parameter sets evaluated in parallel.") var threads: Int = 1
    @Option(name: .long, parsing: .unconditional, help: "Trials simulated together as one batch per kernel pass (results do not depend on it).") var batch: Int = CueTask.defaultBatch
    @Flag(name: .long, help: "Continue from the checkpoint in --out.") var resume = false
    @OptionGroup var kernels: KernelOptions
    @Flag(name: .long, help: "Only score the model's own parameter values (writes baseline.json), no search.") var baseline = false

    func validate() throws {
        try requireFolder(out, "--out")
        let searchOptions = [("--resume", resume), ("--rounds", rounds != nil), ("--samples", samples != nil), ("--seed", seed != nil)].filter(\.1).map(\.0)
        if baseline, !searchOptions.isEmpty {
            throw ValidationError("--baseline scores the model's own values without a search; \(choices(searchOptions)) \(searchOptions.count == 1 ? "belongs" : "belong") to a search")
        }
    }

    func run() throws {
        try guarded {
            try requireCount(threads, "--threads")
            try requireCount(batch, "--batch")
            if let rounds, !(1...IRTask.maximumRounds).contains(rounds) { throw DriverError.usage("--rounds must be from 1 to \(IRTask.maximumRounds), not \(rounds)") }
            if let samples, !(2...IRTask.maximumSamples).contains(samples) { throw DriverError.usage("--samples must be from 2 to \(IRTask.maximumSamples), not \(samples)") }
            let (language, kernelPrecision) = try kernels.resolved()
            let (document, ir, warnings) = try Driver.checkDocument(model)
            printWarnings(warnings)
            var options = Driver.TrainOptions()
            options.rounds = rounds; options.samples = samples; options.seed = seed; options.threads = threads; options.batch = batch
            options.resume = resume; options.backend = language; options.showProgress = true; options.precision = kernelPrecision
            if baseline {
                let s = try Driver.baseline(ir, outDir: URL(fileURLWithPath: out), options: options)
                print("model's own values: validation MSE \(String(format: "%.4g", s.validationMSE)), chance \(String(format: "%.4g", s.chanceMSE)), R2 \(String(format: "%.3f", s.r2))\(s.failed ? ", failed (output magnitude \(String(format: "%.3g", s.meanOutputMagnitude)))" : ""); wrote \(out)/baseline.json")
                return
            }
            let state = try Driver.train(ir, document: document, outDir: URL(fileURLWithPath: out), options: options) { s in
                // (Wall time and rounds both summed over every process of a resumed run.)
                let done = s.search.completedRounds, total = s.search.rounds
                let eta = done > 0 ? (s.wallSeconds ?? 0) / Double(done) * Double(total - done) : 0
                FileHandle.standardError.write(Data("round \(done)/\(total): \(s.search.evaluations.count) parameter sets, \(s.simulations) simulations, best score \(String(format: "%.4g", s.search.best?.score ?? .nan)), ETA \(Int(eta)) s\n".utf8))
            }
            let best = state.search.best
            // Say what the numbers mean: chance, the failure rule, how many sets beat half of chance.
            let details = state.details
            let failed = details.filter(\.failed).count
            let good = details.filter { ReadoutVerdict.holdsCue(validationMSE: $0.validationMSE, chanceMSE: $0.chanceMSE, failed: $0.failed) }.count
            if let b = best, let i = state.search.evaluations.firstIndex(of: b), i < details.count {
                let d = details[i]
                let verdict = ReadoutVerdict.text(validationMSE: d.validationMSE, chanceMSE: d.chanceMSE, failed: d.failed,
                                                  meanOutputMagnitude: d.meanOutputMagnitude, failureMagnitude: ir.task?.failureMagnitude ?? IRTask.Defaults.failureMagnitude)
                print("best set: validation MSE \(String(format: "%.4g", d.validationMSE)) against chance \(String(format: "%.3g", d.chanceMSE)); \(verdict)")
            }
            print("\(details.count) sets in \(state.simulations) simulations: \(failed) failed the readout rule, \(good) beat half of chance; wrote \(out)/summary.json, evaluations.csv, best_parameters.xml")
        }
    }
}

struct Evaluate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Score given parameter sets of a task model without searching (writes evaluations.csv).",
        discussion: "SETS is a CSV whose header names every searched parameter by its id (the study's names, e.g. EE_ampa_gS), one set per row, in uS, S/cm2, mV, ms, ohm_m, mM, nA, per_ms or probability. A 'sample' column, if present, gives each set's position in its round, which keys its trials' noise as in brcc train.")
    @Argument(help: "The task model (a LEMS file with <Simulation> and <brc:cueTask>).") var model: String
    @Option(name: .long, help: "The parameter sets (CSV).") var sets: String
    @Option(name: .long, help: "Folder for evaluations.csv (rewritten as sets are scored) and evaluate-checkpoint.json (while it runs).") var out: String
    @Option(name: .long, parsing: .unconditional, help: "Parameter sets evaluated in parallel.") var threads: Int = 1
    @Option(name: .long, parsing: .unconditional, help: "Trials simulated together as one batch per kernel pass (results do not depend on it).") var batch: Int = CueTask.defaultBatch
    @OptionGroup var kernels: KernelOptions
    @Flag(name: .long, help: "Continue an interrupted evaluation after the sets its checkpoint in --out holds.") var resume = false

    func validate() throws { try requireFolder(out, "--out") }

    func run() throws {
        try guarded {
            try requireCount(threads, "--threads")
            try requireCount(batch, "--batch")
            let (language, kernelPrecision) = try kernels.resolved()
            let (document, ir, warnings) = try Driver.checkDocument(model)
            printWarnings(warnings)
            var options = Driver.TrainOptions()
            options.threads = threads; options.batch = batch; options.backend = language; options.showProgress = true; options.resume = resume
            options.precision = kernelPrecision
            if let task = ir.task, let text = try? String(contentsOfFile: sets, encoding: .utf8) {
                let ignored = EvaluationTable.ignoredColumns(text, task: task)
                if !ignored.isEmpty { FileHandle.standardError.write(Data("note: columns the task does not search are ignored: \(ignored.joined(separator: ", "))\n".utf8)) }
            }
            let rows = try Driver.evaluate(ir, document: document, sets: URL(fileURLWithPath: sets), outDir: URL(fileURLWithPath: out), options: options)
            let failed = rows.filter(\.failed).count
            let best = rows.min { $0.score < $1.score }  // (as brcc train ranks sets: a failed set's score carries the penalty)
            print("evaluated \(rows.count) set(s): \(failed) failed the readout rule (mean |prediction - conditions' mean| < \(ir.task?.failureMagnitude ?? IRTask.Defaults.failureMagnitude)); best set's validation MSE \(String(format: "%.4g", best?.validationMSE ?? .nan)) (chance \(String(format: "%.3g", best?.chanceMSE ?? .nan))); wrote \(out)/evaluations.csv")
        }
    }
}

struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Write report.html for a training run folder.")
    @Argument(help: "The folder `brcc train --out` wrote.") var folder: String

    func validate() throws {
        if folder.isEmpty { throw ValidationError("the folder is empty; give the folder brcc train --out wrote, e.g. brcc report runs/train") }
    }

    func run() throws {
        try guarded {
            // The path as the folder was given, as brcc train prints its files.
            let written = try Driver.report(URL(fileURLWithPath: folder))
            print("wrote \((folder as NSString).appendingPathComponent(written.lastPathComponent))")
        }
    }
}

struct Compare: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compare training runs side by side: errors, failures and rates by round, and each run's best set.",
        discussion: "Prints the comparison as markdown. With --out, also writes it as DIR/comparison.md with two figures by round in DIR/figures (error_by_round.svg, sets_by_round.svg).")
    @Argument(help: "Folders brcc train (or brcc evaluate) wrote.") var folders: [String]
    @Option(name: .long, help: "Folder for comparison.md and the figures.") var out: String?

    func validate() throws { try requireFolder(out, "--out") }

    func run() throws {
        try guarded {
            let runs = try Driver.comparisonRuns(folders.map { URL(fileURLWithPath: $0) })
            let markdown = try out.map { try Driver.writeComparison(runs, to: URL(fileURLWithPath: $0)) } ?? RunComparison.markdown(runs)
            print(markdown, terminator: "")
        }
    }
}

struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the model as read (the AST), the IR, counts, or the realised synapses of a model.")
    @Argument(help: "The model file.") var model: String
    @Flag(name: .long, help: "Print the elements as brcc read them, includes resolved, with locations and parsed expressions (printed even if the model does not lower).") var ast = false
    @Flag(name: .long, help: "Print the IR text.") var ir = false
    @Flag(name: .long, help: "Print counts per cell type and population.") var stats = false
    @Flag(name: .long, help: "Print the realised synapses as CSV (projection, pre/post population and cell, post segment, fraction along, weight or active).") var connections = false

    func run() throws {
        try guarded {
            guard ast || ir || stats || connections else { throw DriverError.usage("say what to inspect: --ast, --ir, --stats or --connections") }
            if ast { print(try Driver.outline(model), terminator: "") }
            guard ir || stats || connections else { return }
            let (m, warnings) = try Driver.check(model)
            printWarnings(warnings)
            if ir { print(IRPrinter.print(m), terminator: "") }
            if stats { print(Driver.stats(m), terminator: "") }
            if connections { print(Driver.connectionsCSV(m), terminator: "") }
        }
    }
}

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Export a model for another simulator: --neuron DIR writes NMODL mechanisms and a Python script NEURON runs as is; --neuroml DIR writes plain NeuroML2 + LEMS.",
        discussion: "nrnivmodl DIR && python3 DIR/run.py [--out FOLDER] runs the export in NEURON and writes the outputs `brcc run` writes. brcc run DIR/LEMS_<sim>.xml runs the NeuroML export (same bits as the model); jnml runs it too.")
    @Argument(help: "The model file (a LEMS file with <Simulation>).") var model: String
    @Option(name: .long, help: "Write a NEURON model (mod files, model.json, run.py) into this folder.") var neuron: String?
    @Option(name: .long, help: "Write the model as NeuroML2 + LEMS without brc: elements into this folder.") var neuroml: String?
    @Option(name: .long, parsing: .unconditional, help: "The seed `brcc run --seed` would use (default: the Simulation's seed attribute, else 0).") var seed: UInt64?

    func validate() throws {
        try requireFolder(neuron, "--neuron")
        try requireFolder(neuroml, "--neuroml")
    }

    func run() throws {
        try guarded {
            guard neuron != nil || neuroml != nil else { throw DriverError.usage("say what to export: --neuron DIR or --neuroml DIR") }
            // The model, read and lowered once; its warnings (an output path written elsewhere
            // than it says, ...) concern both exports.
            let checked = try Driver.checkDocument(model)
            printWarnings(checked.warnings)
            if let neuron {
                var ir = checked.ir
                if let seed { ir.seedRandomStreams(seed) }
                for url in try Driver.exportNeuron(ir, modelFiles: checked.document.files, to: URL(fileURLWithPath: neuron)) { print("wrote \(url.path)") }
                print("run it with: nrnivmodl \(shellQuoted(neuron)) && python3 \(shellQuoted(neuron + "/run.py"))")
            }
            if let neuroml {
                let urls = try Driver.exportNeuroML(checked.document, model: checked.ir, to: URL(fileURLWithPath: neuroml), seed: seed)
                for url in urls { print("wrote \(url.path)") }
                if let main = urls.first { print("run it with: brcc run \(shellQuoted(main.path))") }
            }
        }
    }
}

/// The kernel targets as the command line names them (`--backend`, `--emit`): "c or swift".
/// (A global of main.swift is set when the top-level code reaches it, so it stands before
/// `BRCC.main()`: declared after it, an unknown `--emit` read it unset and crashed.)
let targetNames = choices(KernelTarget.allCases.map(\.rawValue))

/// "a", "a or b", "a, b or c".
func choices(_ names: [String]) -> String {
    names.count <= 1 ? names.joined() : names.dropLast().joined(separator: ", ") + " or " + names.last!
}

/// `brcc help NAME` for a NAME that is no subcommand: a usage error (exit 64) naming the
/// subcommands. (swift-argument-parser prints the overview and exits 0, so a script that asks
/// for a misspelt command's help would not learn that it is misspelt.)
func refuseHelpOfAnUnknownCommand(_ arguments: [String]) {
    let names = BRCC.configuration.subcommands.map { $0._commandName }
    guard arguments.count >= 3, arguments[1] == "help", !arguments[2].hasPrefix("-"), !names.contains(arguments[2]) else { return }
    let name = String(String.UnicodeScalarView(arguments[2].unicodeScalars.prefix(100))).maskingControlCharacters()
    FileHandle.standardError.write(Data("brcc: error: there is no subcommand '\(name)'; the subcommands are \(choices(names)) (brcc --help)\n".utf8))
    exit(64)
}

Interrupts.install(program: "brcc")
refuseHelpOfAnUnknownCommand(CommandLine.arguments)
BRCC.main()
