import BRCCodeGen
import BRCDiagnostics
import BRCIR
import BRCLowering
import BRCParse
import BRCRuntime
import BRCSyntax
import Foundation

/// Errors a command ends with; the CLI maps them to exit codes (DESIGN.md §7).
public enum DriverError: Error, CustomStringConvertible {
    /// The model is wrong: exit 65, with located diagnostics.
    case model([Diagnostic])
    /// The command line is wrong: exit 64.
    case usage(String)
    /// A run failed numerically (NaN/Inf): exit 65 (the model or its parameters are at fault).
    case numerical(String)
    /// An output folder or file cannot be created (no permission, a file in the way, a
    /// read-only file system): exit 73 (EX_CANTCREAT).
    case cannotCreate(String)
    /// Another brcc command is writing into the output folder (`OutputFolderLock`): exit 73,
    /// and nothing in the folder is this command's.
    case busy(String)
    /// Reading or writing a file failed midway (e.g. the disk is full): exit 74 (EX_IOERR).
    case io(String)
    /// Something brcc did not expect (the kernel compiler failed, a library does not load): exit 70.
    case internalError(String)

    /// A file-system failure as the error a command ends with: `.cannotCreate` when a folder or
    /// file cannot be made, `.io` when writing its bytes fails.
    public init(_ error: FileError) {
        switch error.operation {
        case .createFolder, .createFile: self = .cannotCreate(error.description)
        case .write: self = .io(error.description)
        }
    }

    public var description: String {
        switch self {
        case .model(let ds): return "\(ds.count) error(s)"
        case .usage(let m), .numerical(let m), .cannotCreate(let m), .busy(let m), .io(let m), .internalError(let m): return m
        }
    }

    /// Whether another brcc command holds the output folder.
    public var isBusy: Bool {
        if case .busy = self { return true }
        return false
    }

    /// The process exit status the CLI ends with for this error (a sysexits code: 64, 65, 70, 73
    /// or 74, as listed at each case).
    public var exitCode: Int32 {
        switch self {
        case .model, .numerical: return 65
        case .usage: return 64
        case .cannotCreate, .busy: return 73
        case .io: return 74
        case .internalError: return 70
        }
    }
}

/// Wires the pipeline stages for each command. Reads and writes files; the stages do not.
public enum Driver {
    /// brcc's version, as `brcc --version` prints it and a training run's `summary.json` records it.
    public static let version = "0.1.0"

    /// Runs `body`, which creates folders or writes files, reporting a `FileError` as
    /// `DriverError.cannotCreate` or `.io` (exit 73 or 74).
    static func writingFiles<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let e as FileError { throw DriverError(e) }
    }

    /// Parse, resolve, lower. Returns the IR and any warnings, or throws the errors.
    public static func check(_ path: String) throws -> (IRModel, [Diagnostic]) {
        let checked = try checkDocument(path)
        return (checked.ir, checked.warnings)
    }

    /// `check`, keeping the document that was lowered: `train` and `evaluate` lower that same
    /// document again with each parameter set's structural values, rather than reading the
    /// files a second time.
    public static func checkDocument(_ path: String) throws -> (document: Document, ir: IRModel, warnings: [Diagnostic]) {
        let (doc, sink) = try load(path)
        guard let ir = Lowering.lower(doc, sink: sink), !sink.hasErrors else {
            if let bug = sink.errors.first(where: { $0.id == "BRC-E9000" }) { throw DriverError.internalError(bug.message) }
            throw DriverError.model(sink.diagnostics)
        }
        return (doc, ir, sink.diagnostics)
    }

    /// The model at `path` as read, includes resolved (`brcc inspect --ast`; see
    /// `Document.outline`). Only loading errors stop it, not lowering ones.
    public static func outline(_ path: String) throws -> String {
        try load(path).0.outline(prefixes: [Loader.brcNamespace: "brc"])
    }

    /// Parses the model file at `path` and its includes; a missing file or a folder is a usage
    /// error, a loading error a model error. The sink goes on to lowering.
    static func load(_ path: String) throws -> (Document, DiagnosticSink) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { throw DriverError.usage("no such file: \(path)") }
        guard !isDirectory.boolValue else { throw DriverError.usage("\(path) is a folder; give a model file (.nml or .xml)") }
        let sink = DiagnosticSink()
        guard let doc = Loader.load(path, sink: sink), !sink.hasErrors else { throw DriverError.model(sink.diagnostics) }
        return (doc, sink)
    }

    /// Lowers from text (tests, overlays); includes resolve relative to `path`.
    public static func check(text: String, path: String) throws -> IRModel {
        let sink = DiagnosticSink()
        guard let doc = Loader.load(text: text, path: path, sink: sink), !sink.hasErrors,
              let ir = Lowering.lower(doc, sink: sink), !sink.hasErrors else { throw DriverError.model(sink.diagnostics) }
        return ir
    }

    /// A model's kernel library as built (or found in the cache), with its sources' folder
    /// and how long the build took.
    public struct Compiled {
        /// The path of the library file: in the cache entry, or the copy in `outDir` when `compile` was
        /// given one.
        public var library: String
        /// The folder that holds the generated sources: the cache entry, or `outDir`.
        public var sourceDirectory: String
        /// Whether the library was found in the cache rather than compiled.
        public var cacheHit: Bool
        /// Wall time, in seconds, of finding or building the library (not of copying it to `outDir`).
        public var seconds: Double
    }

    /// The CPU model and feature flags (from /proc/cpuinfo), part of the kernel cache key.
    static let hostDescription: String = {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return "" }
        let lines = text.split(separator: "\n")
        let model = lines.first { $0.hasPrefix("model name") } ?? ""
        let flags = lines.first { $0.hasPrefix("flags") } ?? ""
        return model + "|" + flags
    }()

    /// The default kernel cache: `$BRCC_CACHE_DIR`, else `~/.cache/brcc`.
    public static var defaultCacheDirectory: URL {
        if let d = ProcessInfo.processInfo.environment["BRCC_CACHE_DIR"], !d.isEmpty { return URL(fileURLWithPath: d) }
        return FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/brcc")
    }

    /// Loads compiled kernels; a library that does not load is brcc's fault, not the model's.
    static func loaded(_ compiled: Compiled) throws -> KernelLibrary {
        do { return try KernelLibrary(path: compiled.library) } catch { throw DriverError.internalError("loading the kernels \(compiled.library): \(error)") }
    }

    /// Emits the `backend` target's kernels for the model and builds them (or finds them in the
    /// cache). If `outDir` is given, the sources, the ABI header and the library are also
    /// copied there, and the kernel sources an earlier compile left there that this one does
    /// not write are removed (a C compile's beside Swift ones, another model's cell types);
    /// none of them may be one of `modelFiles` (a usage error). `precision: .fast` (C only)
    /// gives different kernel source, hence its own cache entry. With `announce`, a cache miss
    /// says on standard error that it is compiling (a cold compile takes seconds).
    public static func compile(_ ir: IRModel, outDir: URL? = nil, cache: URL = defaultCacheDirectory,
                               backend: KernelTarget = .c, precision: KernelPrecision = .exact, announce: Bool = false,
                               modelFiles: [String] = []) throws -> Compiled {
        try checkPrecision(precision, backend: backend)
        let plan = BuildPlan.plan(KernelEmitter.emit(ir, target: backend, precision: precision), host: hostDescription)
        var stale: [String] = []
        if let outDir {
            let written = Array(plan.sources.keys) + ["brc_kernel.h", plan.library]
            stale = staleFiles(in: outDir, writing: written, generated: isKernelSourceName)
            try refuseReplacingModelFiles(written, removing: stale, in: outDir, modelFiles: modelFiles, option: "-o", verb: "compile")
            try writingFiles { try AtomicFile.createFolder(outDir) }  // before the build, not after it
        }
        let result = try BuildExecutor.build(plan, cache: cache, willBuild: announce ? {
            let what = "\(ir.cellTypes.count) cell type(s), \(ir.synapses.count - ir.cellDynamicsSynapses.count) synapse type(s)"
            FileHandle.standardError.write(Data("brcc: compiling the model's kernels (\(backend.rawValue): \(what))...\n".utf8))
        } : nil)
        if let outDir {
            guard let library = FileManager.default.contents(atPath: result.library) else {
                throw DriverError.io("cannot read the kernel library '\(result.library)'")
            }
            let lib = outDir.appendingPathComponent(plan.library)
            try writingFiles {
                // The ABI header too, whether or not the target's build needs it.
                for (name, text) in plan.sources.merging(["brc_kernel.h": kernelABIHeader], uniquingKeysWith: { a, _ in a }) {
                    try AtomicFile.write(Data(text.utf8), to: outDir.appendingPathComponent(name))
                }
                try AtomicFile.write(library, to: lib)
            }
            for old in stale { try removeIfPresent(outDir.appendingPathComponent(old), of: "an earlier compile") }
            return Compiled(library: lib.path, sourceDirectory: outDir.path, cacheHit: result.cacheHit, seconds: result.seconds)
        }
        return result
    }

    /// `--precision fast` is implemented by the C backend only: a usage error (exit 64) otherwise.
    public static func checkPrecision(_ precision: KernelPrecision, backend: KernelTarget) throws {
        if precision == .fast && backend != .c {
            throw DriverError.usage("--precision fast needs C kernels (--backend c; for brcc compile, --emit c); the \(backend.rawValue) backend computes in exact precision only")
        }
    }

    /// The names of the kernel sources `compile -o` writes (`kernels_ct0.c`, `kernels.swift`,
    /// `kernel_symbols.h`, ...).
    static func isKernelSourceName(_ name: String) -> Bool {
        if name == "kernel_symbols.h" { return true }
        guard name.hasPrefix("kernels"), let dot = name.lastIndex(of: ".") else { return false }
        let stem = name[name.index(name.startIndex, offsetBy: 7)..<dot]
        return ["c", "h", "swift"].contains(name[name.index(after: dot)...])
            && (stem.isEmpty || (stem.first == "_" && stem.dropFirst().allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) }))
    }

    /// Writes a self-contained Swift package that runs the model's simulation (`--emit
    /// swift-package`); returns the files written. The package compiles brcc's runtime
    /// sources, read from the source tree brcc was built from. Into a package brcc wrote
    /// before, it removes the sources that package had and this one does not (another
    /// model's kernels, runtime files since renamed), which `swift build` would compile too;
    /// a folder with a `Package.swift` brcc did not write, or one of `modelFiles` in the way,
    /// is a usage error.
    public static func emitPackage(_ ir: IRModel, outDir: URL, modelFiles: [String] = []) throws -> [URL] {
        let files: [String: String]
        do { files = try PackageEmitter.emit(ir, runtimeSources: try runtimeSources()) } catch let e as DriverError { throw e } catch { throw DriverError.usage("\(error)") }
        let manifest = try? String(contentsOf: outDir.appendingPathComponent("Package.swift"), encoding: .utf8)
        if let manifest, !manifest.contains(PackageEmitter.marker) {
            throw DriverError.usage("-o \(outDir.path) holds a Package.swift that brcc did not write; emit the package into another folder")
        }
        // The source folders of the package brcc wrote there before (none without its
        // manifest), as that emit left them: what this one does not write goes.
        let byFolder = manifest == nil ? [:] : Dictionary(grouping: files.keys.filter { $0.hasPrefix("Sources/") }) { ($0 as NSString).deletingLastPathComponent }
        let stale = byFolder.keys.sorted().flatMap { folder in
            staleFiles(in: outDir.appendingPathComponent(folder), writing: byFolder[folder]!.map { ($0 as NSString).lastPathComponent }) {
                ["swift", "c", "h"].contains(($0 as NSString).pathExtension)
            }.map { folder + "/" + $0 }
        }
        try refuseReplacingModelFiles(Array(files.keys), removing: stale, in: outDir, modelFiles: modelFiles, option: "-o", verb: "compile")
        var written: [URL] = []
        try writingFiles {
            for (path, text) in files.sorted(by: { $0.key < $1.key }) {
                let url = outDir.appendingPathComponent(path)
                try AtomicFile.createFolder(url.deletingLastPathComponent())
                try AtomicFile.write(Data(text.utf8), to: url)
                written.append(url)
            }
        }
        for old in stale { try removeIfPresent(outDir.appendingPathComponent(old), of: "an earlier package") }
        return written
    }

    /// brcc's own source tree (the one this binary was built from).
    static let sourceRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The sources of the runtime targets a generated package compiles, by path relative to
    /// brcc's root. A source changed after this brcc was built (a pull, an edit) would not
    /// read the `model.json` this binary writes (the CLI audit's package stopped on a field
    /// the tree had and the binary did not): refused, exit 70, until brcc is rebuilt.
    static func runtimeSources() throws -> [String: String] {
        var out: [String: String] = [:]
        let fm = FileManager.default
        let built = Bundle.main.executableURL.flatMap { try? fm.attributesOfItem(atPath: $0.path)[.modificationDate] as? Date }
        for target in PackageEmitter.runtimeTargets.map(\.name) {
            let dir = sourceRoot.appendingPathComponent("Sources/\(target)")
            guard let walker = fm.enumerator(at: dir, includingPropertiesForKeys: nil) else {
                throw DriverError.usage("--emit swift-package copies brcc's runtime sources from \(dir.path), which is missing; run brcc from its source tree")
            }
            for case let url as URL in walker where ["swift", "c", "h"].contains(url.pathExtension) {
                let relative = String(url.standardizedFileURL.path.dropFirst(sourceRoot.standardizedFileURL.path.count + 1))
                if let built, let changed = try? fm.attributesOfItem(atPath: url.path)[.modificationDate] as? Date, changed > built {
                    throw DriverError.internalError("--emit swift-package copies brcc's runtime sources, and \(relative) changed after this brcc was built: the package would not read the model this brcc writes. Rebuild brcc (swift build -c release) and emit the package again")
                }
                out[relative] = try String(contentsOf: url, encoding: .utf8)
            }
        }
        return out
    }

    /// What `run` did: its recorder, the spikes, the files it wrote, its steps and time, and its
    /// kernels' build.
    public struct RunResult {
        /// The files put in place under the output folder: the OutputFiles, the EventOutputFiles and,
        /// with plots, `plots/index.html` (not the figures); empty without an output folder.
        public var files: [URL]
        /// The simulation's steps in all (its duration over dt, rounded), those before a resume included.
        public var steps: Int
        /// Wall time, in seconds, of the stepping loop in this process.
        public var seconds: Double
        /// The kernel library the run used and how it was obtained.
        public var compile: Compiled
        /// The OutputFiles' recorder (it holds the columns in memory when the run has no output folder).
        public var recorder: Recorder
        /// Spikes of every spike source (time ms, source), when the Simulation has an
        /// EventOutputFile; empty otherwise.
        public var spikes: [(Double, Int)]
        /// The step a resumed run continued from (nil: it started at 0).
        public var resumedAt: Int?
        /// Whether the run replaced the checkpoint of an earlier, interrupted run.
        public var replacedCheckpoint: Bool
        /// The model's synapse instances and the slots they ran in (`Simulator.synapseCounts`).
        public var synapseCounts: (instances: Int, slots: Int)
    }

    /// A run's checkpoints (`brcc run --checkpoint-every`, `--resume`).
    public struct RunCheckpoints {
        /// Wall seconds between checkpoints.
        public var interval: Double
        /// Continue from the checkpoint in the output folder.
        public var resume: Bool
        /// Makes the checkpoint settings from their fields.
        public init(interval: Double, resume: Bool) { self.interval = interval; self.resume = resume }
    }

    /// The checkpoint file of `brcc run` in its output folder.
    public static let runCheckpointName = "run-checkpoint.json"

    /// What a run is of, for its checkpoint: the lowered model (every value), the kernel
    /// library's bytes (so a brcc whose code generation changed does not continue it), the
    /// kernel precision and backend, the output format and whether plots are recorded.
    static func runIdentity(_ ir: IRModel, library: String, format: Recorder.Format, backend: KernelTarget, precision: KernelPrecision, plots: Bool) -> String {
        var hash = ContentHash()
        hash.add((try? ContentHash.hex(encoding: ir)) ?? "")
        hash.add(FileManager.default.contents(atPath: library) ?? Data())
        hash.add("\(format.rawValue) \(backend.rawValue) \(precision.rawValue) plots=\(plots)")
        return hash.hex
    }

    /// Runs the model's LEMS Simulation and writes its OutputFiles under `outDir`. With
    /// `checkpoints` (and an `outDir`), a long run writes `run-checkpoint.json` there as it goes
    /// and can be continued from it (`SimulationRun.Checkpointing`). No output may replace one
    /// of `modelFiles` (the model's own files, `Document.files`): a usage error before compiling.
    public static func run(_ ir: IRModel, outDir: URL?, format: Recorder.Format = .dat, cache: URL = defaultCacheDirectory,
                           threads: Int = 1, backend: KernelTarget = .c, precision: KernelPrecision = .exact, announce: Bool = false, plots: Bool = false,
                           checkpoints: RunCheckpoints? = nil, modelFiles: [String] = [], progress: ((Int, Int) -> Void)? = nil) throws -> RunResult {
        guard let sim = ir.simulation else {
            throw DriverError.usage("the model has no <Simulation> to run; `brcc run` takes a LEMS file with <Simulation> and <Target>")
        }
        if format == .npy {
            // x.dat and x.txt would both be x.npy, and so would an EventOutputFile x.npy (event
            // files stay text, under their own names).
            var seen: [String: String] = [:]
            for e in sim.eventOutputs { seen[OutputPath.normalized(e.fileName)] = e.fileName }
            for f in sim.outputs {
                let npy = OutputPath.normalized(format.fileName(f.fileName))
                if let first = seen[npy] {
                    throw DriverError.usage("--format npy would write both '\(first)' and '\(f.fileName)' as '\(npy)'; write them as text (--format dat) or give them names that differ before the extension")
                }
                seen[npy] = f.fileName
            }
        }
        var folderLock: OutputFolderLock?
        defer { folderLock?.release() }
        if let outDir {
            try writingFiles { try AtomicFile.createFolder(outDir) }  // before the simulation, not after it
            folderLock = try OutputFolderLock(outDir)
            try checkSpace(sim, format: format, in: outDir)
            try reserveOpenFiles(sim)
            try checkDestinations(sim, format: format, plots: plots, in: outDir, modelFiles: modelFiles)
            removeOrphans(sim, format: format, plots: plots, in: outDir)
        }
        let compiled = try compile(ir, cache: cache, backend: backend, precision: precision, announce: announce)
        let lib = try loaded(compiled)
        var checkpointing: SimulationRun.Checkpointing?
        if let outDir, let checkpoints {
            checkpointing = SimulationRun.Checkpointing(url: outDir.appendingPathComponent(runCheckpointName), interval: checkpoints.interval, resume: checkpoints.resume) {
                runIdentity(ir, library: compiled.library, format: format, backend: backend, precision: precision, plots: plots)
            }
        }
        let run: SimulationRun
        do {
            run = try writingFiles {
                try SimulationRun.execute(ir, simulation: sim, library: lib, threads: threads,
                                          writingTo: outDir.map { SimulationRun.Destination(directory: $0, format: format) },
                                          also: plots ? RunPlots.plotted(sim) : [],
                                          checkpoint: checkpointing, progress: progress)
            }
        } catch let e as CheckpointError {
            throw DriverError.usage(e.description)
        } catch let e as Simulator.NumericalError {
            throw DriverError.numerical(e.message)
        } catch let e as OutputDirectory.Escape {
            throw escaping(e, outDir: outDir)
        } catch let e as DriverError {
            throw e
        } catch {
            throw DriverError.internalError("\(error)")
        }
        // The plots are made, then every file is put in place together and the checkpoint removed.
        var files = run.files
        if let outDir {
            do {
                try writingFiles {
                    let figures = plots ? RunPlots.figures(sim, plotted: run.extra, spikes: run.spikes) : []
                    let plotStreams = try RunPlots.prepare(figures, simulation: sim, to: outDir)
                    try run.commit(with: plotStreams)
                    if let index = plotStreams.last {
                        files.append(index.url)
                        RunPlots.removeStaleFigures(in: index.url.deletingLastPathComponent(), keeping: Set(figures.map(\.file)))
                    }
                }
            } catch let e as OutputDirectory.Escape {
                throw escaping(e, outDir: outDir)  // (a link made while the run went on; checkDestinations refuses one made before)
            }
        }
        return RunResult(files: files, steps: run.steps, seconds: run.seconds, compile: compiled, recorder: run.recorder, spikes: run.spikes,
                         resumedAt: run.resumedAt, replacedCheckpoint: run.replacedCheckpoint, synapseCounts: run.synapseCounts)
    }

    /// How many synapse instances (not counting LEMS cells' own dynamics) a run of `ir` in
    /// fast precision simulates once mergeable ones are merged (`IRModel.synapseSlots`; what
    /// the Simulation records is kept apart).
    public static func fastPrecisionSynapses(_ ir: IRModel) -> Int {
        let kept = Set((ir.simulation?.outputs ?? []).flatMap { $0.columns.flatMap(\.probe.synapseAddresses) })
        return ir.synapseCounts(slots: IRModel.synapseSlots([ir], merge: true, keeping: kept)).slots
    }

    /// Counts per cell type and population (`brcc inspect --stats`).
    public static func stats(_ ir: IRModel) -> String {
        var s = "mechanisms: \(ir.mechanisms.count)\n"
        for (i, ct) in ir.cellTypes.enumerated() {
            let layout = ir.layout(of: i)
            let comps = ct.nodes.filter { $0.area > 0 }.count
            s += "cell type \(ct.name): \(ct.nodes.count) nodes (\(comps) compartments), \(ct.sections.count) sections, \(ct.placements.count) channel placements, \(layout.stateCount) states, \(layout.paramCount) parameters per cell, kernels of \(ct.kernelOperations(mechanisms: ir.mechanisms)) operations\n"
        }
        let dynamics = ir.cellDynamicsSynapses
        for (i, syn) in ir.synapses.enumerated() {
            s += "\(dynamics.contains(i) ? "cell dynamics" : "synapse type") \(syn.name): \(syn.parameters.count) parameters, \(syn.states.count) states, kernels of \(syn.kernelOperations) operations\n"
        }
        for p in ir.populations {
            let ct = ir.cellTypes[p.cellType]
            s += "population \(p.name): \(p.size) x \(ct.name) = \(p.size * ct.nodes.count) nodes\n"
        }
        for g in ir.declaredGeneratorPopulations {
            s += "population \(g.name): \(g.size) spike generator(s)\(g.component.isEmpty ? "" : " \(g.component)")\n"
        }
        s += "stimuli: \(ir.stimuli.count)\n"
        var byProjection: [Int: (first: IRConnection, count: Int)] = [:]  // (one pass: a filter per projection was quadratic)
        for c in ir.connections { byProjection[c.projection, default: (c, 0)].count += 1 }
        for (i, name) in ir.projections.enumerated() {
            guard let (first, count) = byProjection[i] else { s += "projection \(name): 0 connections\n"; continue }
            let g = ir.synapseGroups[first.group]
            let pre = ir.populationName(ofSource: first.source)
            let post = ir.populations[g.instances[first.instance].population].name
            s += "projection \(name): \(pre) -> \(post), \(count) synapses of \(ir.synapses[g.synapse].name)\n"
        }
        if ir.synapses.count > dynamics.count {
            let groups = ir.synapseGroups.filter { !$0.isCellDynamics }
            let states = groups.map { $0.instances.count * ir.synapses[$0.synapse].states.count }.reduce(0, +)
            s += "synapses: \(groups.map(\.instances.count).reduce(0, +)) instances of \(ir.synapses.count - dynamics.count) type(s), \(states) synapse states; spike sources: \(ir.spikeSources.count)\n"
            s += "synapses in fast precision: \(fastPrecisionSynapses(ir)) simulated (mergeable instances on one node from one projection are summed into one)\n"
        }
        let cellStates = ir.populations.map { $0.size * ir.layout(of: $0.cellType).stateCount }.reduce(0, +)
        let compartments = ir.populations.map { $0.size * ir.cellTypes[$0.cellType].nodes.filter { $0.area > 0 }.count }.reduce(0, +)
        s += "total: \(compartments) compartments, \(cellStates) channel states\n"
        if let sim = ir.simulation {
            s += "simulation \(sim.id): \(IRPrinter.num(sim.duration)) ms at dt \(IRPrinter.num(sim.dt)) ms (\(Int((sim.duration / sim.dt).rounded())) steps), \(sim.outputs.count) output file(s), \(sim.eventOutputs.count) event output file(s)\n"
        }
        return s
    }
}

extension Driver {
    /// The realised synapses as CSV (`brcc inspect --connections`), one row per connection:
    /// `projection,pre_population,pre_cell,post_population,post_cell,post_segment,fraction_along,weight_or_active`.
    /// The last column is the connection's weight, or, for a masked projection, its weight
    /// times 1 if it is active at the model's mask probability and 0 if not.
    public static func connectionsCSV(_ ir: IRModel) -> String {
        var out = "projection,pre_population,pre_cell,post_population,post_cell,post_segment,fraction_along,weight_or_active\n"
        for c in ir.connections {
            let source = ir.spikeSources[c.source]
            let pre = ir.populationName(ofSource: c.source)
            let instance = ir.synapseGroups[c.group].instances[c.instance]
            let ct = ir.cellTypes[ir.populations[instance.population].cellType]
            let place = ct.location(ofNode: instance.node)
            let active = ir.isActive(c) ? 1.0 : 0.0
            out += [ir.projections[c.projection], pre, "\(source.cell)", ir.populations[instance.population].name, "\(instance.cell)",
                    place.map { "\($0.segment)" } ?? "", place.map { "\($0.fractionAlong)" } ?? "", "\(c.weight * active)"].joined(separator: ",") + "\n"
        }
        return out
    }
}
