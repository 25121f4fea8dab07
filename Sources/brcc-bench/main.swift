// brcc-bench: prints compile and simulation speed figures (not a test: figures depend on the
// machine; docs/performance.md records them with the command).
//
//     swift build -c release
//     .build/release/brcc-bench cell [repeats]         # the pyramidal cell, 1 and 100 cells
//     .build/release/brcc-bench network [steps]        # the study network: C exact and fast, Swift exact; one thread
//     .build/release/brcc-bench throughput [ms] [threads] [exact|fast] [batches...]
//                                                      # cue-task trials of the study network per second
//
// Simulation figures are CPU time of the stepping thread where one thread runs (on a shared
// machine wall time also counts the other processes), wall time for multi-threaded throughput.
//     .build/release/brcc-bench compile                # cold compile of the study network
//     .build/release/brcc-bench exp                    # the kernels' exponentials and one gate, per element
import BRCCodeGen
import BRCDriver
import BRCIR
import BRCRuntime
import BRCTask
import Foundation

let here = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
let arguments = Array(CommandLine.arguments.dropFirst())
let mode = arguments.first ?? "cell"
let rest = Array(arguments.dropFirst())

/// CPU seconds of the calling thread spent in `f`.
func cpuSeconds(_ f: () throws -> Void) rethrows -> Double {
    var a = timespec(), b = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &a)
    try f()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &b)
    return Double(b.tv_sec - a.tv_sec) + Double(b.tv_nsec - a.tv_nsec) / 1e9
}

func seconds(_ f: () throws -> Void) rethrows -> Double {
    let t0 = DispatchTime.now().uptimeNanoseconds
    try f()
    return Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
}

/// A private kernel cache, removed at exit, so every compile is cold.
let cache = FileManager.default.temporaryDirectory.appendingPathComponent("brcc-bench-\(getpid())")
defer { try? FileManager.default.removeItem(at: cache) }

func compartments(_ ir: IRModel) -> Int {
    ir.populations.map { $0.size * ir.cellTypes[$0.cellType].nodes.filter { $0.area > 0 }.count }.reduce(0, +)
}

/// The pyramidal cell alone and as a population of 100.
func cell(repeats: Int) throws {
    let (ir, _) = try Driver.check(here.appendingPathComponent("models/sims/LEMS_pyr4_soma_step.xml").path)
    var compiled: Driver.Compiled!
    let cold = try seconds { compiled = try Driver.compile(ir, cache: cache) }
    let warm = try seconds { _ = try Driver.compile(ir, cache: cache) }
    print(String(format: "compile (C, cold cache): %.3f s; cache hit: %.4f s", cold, warm))
    let lib = try KernelLibrary(path: compiled.library)
    let sim = ir.simulation!
    let steps = Int((sim.duration / sim.dt).rounded())
    for cells in [1, 100] {
        var m = ir
        m.populations[0].size = cells
        m.stimuli = (0..<cells).map { c in var s = ir.stimuli[0]; s.cell = c; return s }
        var best = Double.infinity
        for _ in 0..<repeats {
            let s = try Simulator(model: m, library: lib, dt: sim.dt)
            best = min(best, try seconds { try s.run(steps: steps) })
        }
        print(String(format: "%4d pyr4 cell(s), %d steps of %.3f ms: best of %d %.4f s = %.0f simulated ms per s, %.1f ns per compartment-step (%d compartments)",
                     cells, steps, sim.dt, repeats, best, sim.duration / best, best / Double(steps * compartments(m)) * 1e9, compartments(m)))
    }
}

let studyModel = here.appendingPathComponent("models/brc/LEMS_cue_dend_nmda.xml").path
let studyTask = here.appendingPathComponent("models/brc/train_cue_dend_nmda.xml").path

/// The study network in exact and fast precision with C kernels, and exact with Swift kernels:
/// the whole step (cell and synapse kernels, events, noise), no recording, one thread, CPU time.
func network(steps: Int) throws {
    let (ir, _) = try Driver.check(studyModel)
    let sim = ir.simulation!
    for (precision, backend) in [(KernelPrecision.exact, KernelTarget.c), (.fast, .c), (.exact, .swift)] {
        let lib = try KernelLibrary(path: try Driver.compile(ir, cache: cache, backend: backend, precision: precision).library)
        let s = try Simulator(model: ir, library: lib, dt: sim.dt)
        var cpu = 0.0
        let wall = try seconds { cpu = try cpuSeconds { try s.run(steps: steps) } }
        print(String(format: "study network, --backend %@ --precision %@, %d steps: %.2f s CPU (%.2f s wall) = %.1f ns per compartment-step (%d compartments)",
                     "\(backend)", precision.rawValue, steps, cpu, wall, cpu / Double(steps * compartments(ir)) * 1e9, compartments(ir)))
    }
}

/// Cue-task trials of the study network per wall second, for each batch size.
func throughput(duration: Double, threads: Int, precision: KernelPrecision, batches: [Int]) throws {
    var (model, _) = try Driver.check(studyTask)
    model.simulation?.duration = duration
    let ir = model
    let task = ir.task!
    let lib = try KernelLibrary(path: try Driver.compile(ir, cache: cache, precision: precision).library)
    let values = task.parameters.map { ($0.lower + $0.upper) / 2 }
    let spec = Trainer.spec(task, duration: duration)
    let trials = spec.conditions.count * spec.repeats
    print("study network, \(trials) trials of \(Int(duration)) ms per parameter set, one set per thread, \(threads) thread(s), --precision \(precision.rawValue):")
    for batch in batches {
        let sets = max(threads, 1)
        let t = try seconds {
            // Sets on their own threads, as `brcc train` runs a round.
            _ = try ParallelMap.map(sets, threads: sets) { set in
                try CueTask.trials(ir, library: lib, spec: spec, dt: ir.simulation!.dt, set: set, threads: 1, batch: batch) { try Trainer.apply(task, values: values, to: $0) }
            }
        }
        let sims = Double(trials * sets)
        print(String(format: "  batch %2d: %.1f s for %d simulations = %.2f simulations per s (%.2f per s of 1 s trials)",
                     batch, t, trials * sets, sims / t, sims / t * duration / 1000))
    }
}

/// A cold compile of the study network's kernels.
func compile() throws {
    let (ir, _) = try Driver.check(studyModel)
    for backend in [KernelTarget.c, .swift] {
        let dir = cache.appendingPathComponent("\(backend)")
        let t = try seconds { _ = try Driver.compile(ir, cache: dir, backend: backend) }
        print(String(format: "compile of the study network (%@, cold cache): %.2f s", "\(backend)", t))
    }
}

/// `tools/bench_exp.c` built twice with the kernels' compilers and C flags around their own math
/// helpers (`Preamble.cMath`), exact and fast, and run: CPU ns per element of each function.
func exponentials() throws {
    let dir = cache.appendingPathComponent("exp")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    for fast in [false, true] {
        try Preamble.cMath(fast: fast).write(to: dir.appendingPathComponent("kernel_math.h"), atomically: true, encoding: .utf8)
        let binary = dir.appendingPathComponent(fast ? "bench_exp_fast" : "bench_exp").path
        let flags = BuildPlan.cFlags + ["-I", dir.path, "-I", here.appendingPathComponent("Sources/CBRCKernel/include").path] + (fast ? ["-DFAST"] : [])
        try run(BuildPlan.cCompiler(for: fast ? .fast : .exact), flags + [here.appendingPathComponent("tools/bench_exp.c").path, "-o", binary, "-lm"])
        try run(binary, [])
    }
}

/// Runs `program` (looked up on PATH) with `arguments`, its output passed through.
func run(_ program: String, _ arguments: [String]) throws {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = [program] + arguments
    try p.run()
    p.waitUntilExit()
    guard p.terminationStatus == 0 else { throw CocoaError(.executableLoad, userInfo: [NSLocalizedDescriptionKey: "\(program) exited with \(p.terminationStatus)"]) }
}

do {
    switch mode {
    case "cell": try cell(repeats: rest.first.flatMap { Int($0) } ?? 5)
    case "network": try network(steps: rest.first.flatMap { Int($0) } ?? 40_000)
    case "throughput":
        let duration = rest.first.flatMap { Double($0) } ?? 1000
        let threads = rest.dropFirst().first.flatMap { Int($0) } ?? 2
        let precision = rest.dropFirst(2).first.flatMap { KernelPrecision(rawValue: $0) } ?? .fast
        let batches = rest.dropFirst(3).compactMap { Int($0) }
        try throughput(duration: duration, threads: threads, precision: precision, batches: batches.isEmpty ? [1, 2, 4, 8, 20] : batches)
    case "compile": try compile()
    case "exp": try exponentials()
    default:
        print("usage: brcc-bench cell [repeats] | network [steps] | throughput [ms] [threads] [exact|fast] [batch...] | compile | exp")
        exit(64)
    }
} catch {
    print("brcc-bench: \(error)")
    exit(1)
}
