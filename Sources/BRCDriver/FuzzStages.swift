import BRCCodeGen
import BRCDiagnostics
import BRCIR
import BRCLowering
import BRCParse
import BRCSyntax
import Foundation

/// The target `brcc-fuzz` runs on each input: `brcc check`'s parse and lowering, then the
/// stages it asks for (`Fuzz.Stages`), each with its own check of what it produced.
extension Fuzz {
    /// What one input did (crashes do not return).
    public enum Outcome: Equatable {
        /// Loaded and lowered without errors.
        case accepted
        /// Rejected with diagnostics (the expected result for most mutants).
        case rejected
        /// A bug in brcc: the IR verifier failed (`BRC-E9000`), or a later stage failed in a way
        /// no input should cause (a kernel build, a usage or internal error, an export brcc
        /// cannot read back, outputs that differ where they must not).
        case internalError(String)
    }

    /// What `run` does with an input beyond `brcc check`'s parse and lowering; all off by
    /// default. Files go into `scratch`, which is removed after each input; kernels are built
    /// into (and reused from) `cache`.
    public struct Stages {
        /// `brcc inspect --ast` of the loaded document and `brcc inspect --stats` of the model.
        public var stats = false
        /// Compile an accepted model with a `<Simulation>` and run its first `simulate` steps as
        /// `brcc run` does, writing its OutputFiles and plots.
        public var simulate: Int?
        /// Export an accepted model as `brcc export` does, to NEURON (its `model.json` must parse
        /// and its mod files be printable ASCII with balanced braces) and to NeuroML (the export
        /// must load and lower without an error: what brcc writes, brcc reads; with `simulate`,
        /// its run must write the model's output files byte for byte, as the export promises).
        public var export = false
        /// With `simulate`, run the model with the Swift kernels too: their outputs must be the
        /// C kernels' byte for byte, as the backends promise (docs/cli.md, `--backend`).
        public var swift = false
        /// With `simulate`, run the model with the fast kernels too (`--precision fast`): its
        /// numbers differ by design, so only its build and run are checked.
        public var fast = false
        /// Train an accepted model with a `<brc:cueTask>` as `brcc train` does, one round of two
        /// parameter sets, then write its `brcc report`; only when a set's trials simulate at most
        /// `maximumTrainingWork` compartment-, synapse- and input-steps (the small task model's 12
        /// trials are 42 million), so mutated sizes do not stall the fuzzer.
        public var train = false
        /// The most compartment-, synapse- and input-steps the trials of one parameter set may simulate
        /// for `train` to run.
        public static let maximumTrainingWork = 100_000_000
        /// The kernel cache folder the builds use and reuse.
        public var cache: URL
        /// The folder the stages write their files into; `run` removes it after each input.
        public var scratch: URL
        /// Stages with every check off, building into `cache` and writing into `scratch`.
        public init(cache: URL, scratch: URL) { self.cache = cache; self.scratch = scratch }
    }

    /// Parses, resolves and lowers `text` as if it were the file at `path` (includes resolve
    /// beside it; the originals are only read), then runs the further `stages` on an accepted
    /// model. A failed kernel build, an error of a later stage other than a model, numerical or
    /// file-system one, or an export brcc cannot read back is an internal error.
    public static func run(text: String, path: String, stages: Stages? = nil) -> Outcome {
        let sink = DiagnosticSink()
        guard let doc = Loader.load(text: text, path: path, sink: sink), !sink.hasErrors else { return .rejected }
        if stages?.stats == true { _ = doc.outline(prefixes: [Loader.brcNamespace: "brc"]) }
        guard let ir = Lowering.lower(doc, sink: sink), !sink.hasErrors else {
            if let bug = sink.errors.first(where: { $0.id == "BRC-E9000" }) { return .internalError(bug.message) }
            return .rejected
        }
        guard let stages else { return .accepted }
        if stages.stats { _ = Driver.stats(ir) }
        defer { try? FileManager.default.removeItem(at: stages.scratch) }
        var stage = ""
        do {
            // The C kernels' exact outputs, which the Swift kernels and the NeuroML export must write too.
            var outputs: [String: Data] = [:]
            if let steps = stages.simulate {
                stage = "brcc run"
                let run = stages.scratch.appendingPathComponent("run")
                try simulate(ir, steps: steps, into: run, stages)
                outputs = outputFiles(run)
                if stages.swift {
                    stage = "brcc run --backend swift"
                    try simulate(ir, steps: steps, writes: outputs, "the Swift kernels", backend: .swift, stages)
                }
                if stages.fast {
                    stage = "brcc run --precision fast"
                    try simulate(ir, steps: steps, into: stages.scratch.appendingPathComponent("run-fast"), plots: false, precision: .fast, stages)
                }
            }
            if stages.export { stage = "brcc export"; try export(doc, ir, outputs: outputs, stages) }
            if stages.train { stage = "brcc train"; try train(doc, ir, stages) }
        } catch let e as DriverError where e.isInputsFault {
            return .rejected
        } catch {
            return .internalError("\(stage): \(error)")
        }
        return .accepted
    }

    /// What a stage's own check found wrong.
    struct Bug: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    /// Runs the first `steps` steps of `ir` with its outputs (and with `plots`, its plots) in
    /// `folder`, with the `backend` target's kernels at `precision`.
    static func simulate(_ ir: IRModel, steps: Int, into folder: URL, plots: Bool = true, backend: KernelTarget = .c, precision: KernelPrecision = .exact,
                         _ stages: Stages) throws {
        guard var sim = ir.simulation else { return }
        var ir = ir
        sim.duration = min(sim.duration, Double(steps) * sim.dt)
        ir.simulation = sim
        _ = try Driver.run(ir, outDir: folder, cache: stages.cache, backend: backend, precision: precision, plots: plots)
    }

    /// Runs the first `steps` steps of `ir` (`who`: which kernels or which export) without
    /// plots; it must write `expected`, the C kernels' outputs, byte for byte.
    static func simulate(_ ir: IRModel, steps: Int, writes expected: [String: Data], _ who: String, backend: KernelTarget = .c, _ stages: Stages) throws {
        guard !expected.isEmpty else { return }
        // One folder for every comparison, emptied after each: no file of an earlier run may stand in.
        let folder = stages.scratch.appendingPathComponent("run-compared")
        defer { try? FileManager.default.removeItem(at: folder) }
        try simulate(ir, steps: steps, into: folder, plots: false, backend: backend, stages)
        let written = outputFiles(folder)
        if let name = expected.keys.sorted().first(where: { expected[$0] != written[$0] }) {
            throw Bug("\(who) write \(name) \(written[name] == nil ? "not at all" : "differently from the model's C kernels")")
        }
    }

    /// The files of `folder` and its subfolders, by path relative to it, but its plots.
    static func outputFiles(_ folder: URL) -> [String: Data] {
        var files: [String: Data] = [:]
        for case let name as String in FileManager.default.enumerator(atPath: folder.path)?.allObjects ?? [] where !name.hasPrefix("plots/") && name != "plots" {
            if let data = FileManager.default.contents(atPath: folder.appendingPathComponent(name).path) { files[name] = data }
        }
        return files
    }

    /// Exports to NEURON and NeuroML, checks the files, and (given the model's `outputs`) runs
    /// the NeuroML export, which must write them too.
    static func export(_ doc: Document, _ ir: IRModel, outputs: [String: Data], _ stages: Stages) throws {
        guard ir.simulation != nil else { return }
        // NEURON: what brcc cannot export is a usage error (exit 64), not a bug.
        let neuron = stages.scratch.appendingPathComponent("neuron")
        var written: [URL] = []
        do { written = try Driver.exportNeuron(ir, modelFiles: doc.files, to: neuron) } catch DriverError.usage {}
        for url in written {
            guard let data = FileManager.default.contents(atPath: url.path) else { throw Bug("NEURON export: \(url.lastPathComponent) was not written") }
            if url.pathExtension == "json", (try? JSONSerialization.jsonObject(with: data)) == nil {
                throw Bug("NEURON export: \(url.lastPathComponent) is not JSON")
            }
            if url.pathExtension == "mod", let problem = nmodlProblem(data) { throw Bug("NEURON export: \(url.lastPathComponent) \(problem)") }
        }
        // NeuroML: the export must load and lower again.
        let neuroml = stages.scratch.appendingPathComponent("neuroml")
        let files: [URL]
        do { files = try Driver.exportNeuroML(doc, model: ir, to: neuroml) } catch DriverError.usage { return }
        guard let main = files.first else { throw Bug("NeuroML export: no files") }
        let sink = DiagnosticSink()
        guard let again = Loader.load(main.path, sink: sink), !sink.hasErrors, let exported = Lowering.lower(again, sink: sink), !sink.hasErrors else {
            let first = sink.errors.first.map { "\($0.id) \($0.message)" } ?? "no diagnostic"
            throw Bug("NeuroML export does not load again: \(first)")
        }
        // With --simulate, the export's run must write the model's outputs, byte for byte.
        if let steps = stages.simulate { try simulate(exported, steps: steps, writes: outputs, "the NeuroML export's kernels", stages) }
    }

    /// Why a mod file of the NEURON export is not what NMODL reads, if it is not: a byte
    /// outside printable ASCII (and tabs and line breaks), or unbalanced braces outside comments.
    static func nmodlProblem(_ data: Data) -> String? {
        var depth = 0
        var inComment = false
        for (n, line) in String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if let bad = line.unicodeScalars.first(where: { !($0.value >= 0x20 && $0.value < 0x7F) && $0 != "\t" && $0 != "\r" }) {
                return "has U+\(String(bad.value, radix: 16)) on line \(n + 1)"
            }
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed == "COMMENT" { inComment = true; continue }
            if trimmed == "ENDCOMMENT" { inComment = false; continue }
            if inComment { continue }
            for c in line.prefix(while: { $0 != ":" }) {
                if c == "{" { depth += 1 } else if c == "}" { depth -= 1; if depth < 0 { return "closes a brace it did not open on line \(n + 1)" } }
            }
        }
        return depth == 0 ? nil : "leaves \(depth) brace(s) open"
    }

    static func train(_ doc: Document, _ ir: IRModel, _ stages: Stages) throws {
        guard let task = ir.task, let sim = ir.simulation else { return }
        let compartments = ir.populations.map { $0.size * ir.cellTypes[$0.cellType].nodes.count }.reduce(0, +)
        let synapses = ir.synapseGroups.map(\.instances.count).reduce(0, +)
        let steps = sim.duration / sim.dt, trials = Double(task.conditions.count * task.repeats)
        guard Double(compartments + synapses + ir.stimuli.count) * steps * trials <= Double(Stages.maximumTrainingWork) else { return }
        var options = Driver.TrainOptions()
        options.rounds = 1
        options.samples = 2
        let out = stages.scratch.appendingPathComponent("train")
        _ = try Driver.train(ir, document: doc, outDir: out, options: options, cache: stages.cache)
        _ = try Driver.report(out)
    }
}

extension DriverError {
    /// A model, numerical or file-system error: the input's fault (or the disk's), which a
    /// hostile input may rightly cause, unlike a usage or internal error.
    var isInputsFault: Bool {
        switch self {
        case .model, .numerical, .cannotCreate, .io: true
        case .usage, .busy, .internalError: false  // (busy: the harness gives each input its own folder)
        }
    }
}
