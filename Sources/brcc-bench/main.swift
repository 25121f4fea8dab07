// brcc-bench: measures compile time, cache-hit time and simulation speed of the study's
// pyramidal cell (models/sims/LEMS_pyr4_soma_step.xml), as one cell and as a population.
//
//     swift run -c release brcc-bench [repeats]
//
// Prints simulated ms per wall second and ns per compartment-step. Not a test: figures
// depend on the machine; docs/performance.md records them with the command. Then the study
// network (models/brc/LEMS_cue_dend_nmda.xml) in exact and fast precision, in CPU time of the
// stepping thread (on a shared machine wall time also counts the other processes).
import BRCCodeGen
import BRCDriver
import BRCIR
import BRCRuntime
import Foundation

let repeats = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 5 : 5
let here = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
let model = here.appendingPathComponent("models/sims/LEMS_pyr4_soma_step.xml").path

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

do {
    let (ir, _) = try Driver.check(model)
    let cache = FileManager.default.temporaryDirectory.appendingPathComponent("brcc-bench-\(getpid())")
    defer { try? FileManager.default.removeItem(at: cache) }
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
        let compartments = m.cellTypes[0].nodes.filter { $0.area > 0 }.count * cells
        let nodes = m.cellTypes[0].nodes.count * cells
        var best = Double.infinity
        for _ in 0..<repeats {
            let s = try Simulator(model: m, library: lib, dt: sim.dt)
            best = min(best, seconds { for _ in 0..<steps { s.advance() } })
        }
        let msPerSecond = sim.duration / best
        print(String(format: "%4d pyr4 cell(s), %d steps of %.3f ms: best of %d %.4f s = %.0f simulated ms per s, %.1f ns per compartment-step (%d compartments, %d nodes)",
                     cells, steps, sim.dt, repeats, best, msPerSecond, best / Double(steps * compartments) * 1e9, compartments, nodes))
    }
    // The study network, exact vs fast (issue 11): the whole step (cell and synapse kernels,
    // events, noise), without output files, one thread.
    let (net, _) = try Driver.check(here.appendingPathComponent("models/brc/LEMS_cue_dend_nmda.xml").path)
    let netSteps = 4000
    let compartments = net.populations.map { p in net.cellTypes[p.cellType].nodes.filter { $0.area > 0 }.count * p.size }.reduce(0, +)
    for precision in KernelPrecision.allCases {
        let netLib = try KernelLibrary(path: try Driver.compile(net, cache: cache, precision: precision).library)
        var best = Double.infinity, bestWall = Double.infinity
        for _ in 0..<repeats {
            let s = try Simulator(model: net, library: netLib, dt: net.simulation!.dt)
            var cpu = 0.0
            let wall = seconds { cpu = cpuSeconds { for _ in 0..<netSteps { s.advance() } } }
            best = min(best, cpu)
            bestWall = min(bestWall, wall)
        }
        print(String(format: "study network, --precision %@: %d steps: best of %d %.3f s CPU (%.3f s wall) = %.1f ns per compartment-step (%d compartments)",
                     precision.rawValue, netSteps, repeats, best, bestWall, best / Double(netSteps * compartments) * 1e9, compartments))
    }
} catch {
    print("brcc-bench: \(error)")
    exit(1)
}
