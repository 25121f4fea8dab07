import BRCDiagnostics
import BRCIR
import BRCSyntax
import Foundation

/// Sizes checked before anything is allocated for them: a hostile or mistyped size gives a
/// located error naming the size, not a failed allocation or a machine swapped to death.
enum Resources {
    /// Cells in one population.
    static let maximumPopulation = 10_000_000
    /// Cells in one network, all populations together.
    static let maximumCells = 20_000_000
    /// Nodes (compartments and section ends) of one cell type.
    static let maximumNodes = 1_000_000
    /// Cell pairs one connectivity generator may consider (all-to-all, random).
    static let maximumCandidatePairs = 200_000_000
    /// Instances a LEMS Structure binds and connections it makes (ForEach nested over
    /// populations multiplies: 80 nested ForEach over 3 cells would never finish).
    static let maximumStructureSteps = 5_000_000
    /// Trials of one parameter set of a task (conditions x repeats; the study's is 20).
    static let maximumTrials = 100_000
    /// The shortest mean interval (ms) between a spike generator's spikes: a rate of 1 MHz.
    /// A generator draws its spikes one by one, so a rate of 1e155 Hz (brcc-fuzz) never
    /// finished its first step; a Poisson input standing for 1,000 synapses at 100 Hz is 100 kHz.
    static let minimumSpikeInterval = 1e-3

    /// Whether a generator's mean interval `interval` (ms), given by attribute `name` of
    /// `el`, is at least `minimumSpikeInterval`; else a located error.
    static func spikeIntervalFits(_ interval: Double, _ el: Element, _ name: String, ctx: Context) -> Bool {
        guard !(interval < minimumSpikeInterval) else {
            ctx.error("BRC-E0901", "<\(el.name)> '\(el.id ?? "")' would fire every \(IRPrinter.num(interval)) ms on average; brcc generates at most one spike per \(IRPrinter.num(minimumSpikeInterval)) ms (1 MHz) from one source",
                      at: el.attribute(name)?.valueLocation ?? el.location, hint: "check the unit of \(name) (Hz, per_ms, ms); model many inputs as several sources")
            return false
        }
        return true
    }

    /// Expression nodes the code generated for one channel or concentration model
    /// (`IRMechanism.kernelOperations`: each placement of it is one loop of its cell type's
    /// kernels, whose total grows with the placements and is not bounded) or for one synapse
    /// type, a LEMS cell's dynamics included (`IRSynapse.kernelOperations`), may compute;
    /// `brcc inspect --stats` prints the kernels' sizes. The C compiler's time grows with a
    /// loop's size: a LEMS kinetic scheme of 200 transitions (8,934 nodes) compiles in about
    /// 20 s on this project's 2-core machine, one of 1,000 (43,334 nodes) in 111 s, and
    /// brcc-fuzz's 1,656 (71,413 nodes) in 177 s. The largest of the standard examples and of
    /// brcc's own models has 563 nodes (Pinsky-Rinzel's dynamics), the largest channel 408
    /// (a five-state kinetic scheme).
    static let maximumKernelOperations = 30_000

    /// Whether code of `operations` nodes, generated for `what` (declared at `el`), stays
    /// within `maximumKernelOperations`; else a located error, and the caller drops it.
    static func kernelFits(_ operations: Int, _ what: String, at el: Element, ctx: Context) -> Bool {
        guard operations > maximumKernelOperations else { return true }
        ctx.error("BRC-E0406", "\(what) would compile to \(operations) operations (expression nodes); brcc generates at most \(maximumKernelOperations) for one channel, concentration model or synapse type",
                  at: el.location, hint: "the generated code grows with every child, transition and derived variable; its C would take the compiler minutes: use fewer or simpler components (brcc inspect --stats prints the kernels' sizes)")
        return false
    }

    /// Bytes a run of `model` needs for its states, parameters, synapses, connections and
    /// recorded outputs (an estimate from the IR, before the runtime allocates any of it).
    static func bytes(_ model: IRModel) -> Double {
        var doubles = 0.0
        for p in model.populations {
            let layout = model.layout(of: p.cellType)
            // v, injected current, external conductance per node; parameters and states per cell.
            doubles += Double(p.size) * Double(3 * model.cellTypes[p.cellType].nodes.count + layout.paramCount + layout.stateCount)
        }
        for g in model.synapseGroups {
            let syn = model.synapses[g.synapse]
            doubles += Double(g.instances.count) * Double(syn.parameters.count + syn.states.count + 4)
        }
        doubles += Double(model.connections.count) * 5
        if let sim = model.simulation {
            let rows = sim.duration / sim.dt + 1
            doubles += rows * Double(sim.outputs.map { $0.columns.count + 1 }.reduce(0, +))
        }
        return doubles * 8
    }

    /// Reports a model that would not fit in this machine's memory.
    static func check(_ model: IRModel, at location: SourceLocation, sink: DiagnosticSink) {
        let need = bytes(model), have = Double(ProcessInfo.processInfo.physicalMemory)
        guard need > have else { return }
        func gib(_ b: Double) -> String { String(format: "%.1f GiB", b / Double(1 << 30)) }
        sink.error("BRC-E0405", "the model needs about \(gib(need)) for its states, synapses and recorded outputs; this machine has \(gib(have))", at: location,
                   hint: "reduce population sizes, connections, the simulated length or the recorded columns")
    }
}
