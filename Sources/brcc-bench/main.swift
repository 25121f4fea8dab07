// brcc-bench: measures compile time, cache-hit time and simulation speed of the study's
// pyramidal cell (models/sims/LEMS_pyr4_soma_step.xml), as one cell and as a population.
//
//     swift run -c release brcc-bench [repeats]
//
// Prints simulated ms per wall second and ns per compartment-step. Not a test: figures
// depend on the machine; docs/performance.md records them with the command.
import BRCDriver
import BRCIR
import BRCRuntime
import Foundation

let repeats = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 5 : 5
let here = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
let model = here.appendingPathComponent("models/sims/LEMS_pyr4_soma_step.xml").path

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
} catch {
    print("brcc-bench: \(error)")
    exit(1)
}
