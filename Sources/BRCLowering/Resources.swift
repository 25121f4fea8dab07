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
    /// Cell pairs one connectivity generator may consider (all-to-all, random): 100 million
    /// uniform draws take about a second; the pairs it keeps are connections, bounded below.
    static let maximumCandidatePairs = 100_000_000
    /// Connections of one network, from every projection. Lowering holds about 120 bytes per
    /// connection with its synapse instance (25 million within 3 GB, measured with 5,000 x
    /// 5,000 all-to-all), and the run as much again; explicit connections are bounded by the
    /// file's size, generated ones are checked before they are made (200 million all-to-all
    /// pairs, accepted before, needed about 24 GB and were killed for memory).
    static let maximumConnections = 25_000_000
    /// Inputs `brc:allCells` places over one network (about 250 bytes each in lowering: ten
    /// lists over 10 million cells, 1.2 KB of XML, needed 26 GB; now refused before any is placed).
    static let maximumExpandedInputs = 20_000_000

    /// Whether `added` more connections, made by generator `el`, keep the network within
    /// `maximumConnections`; else a located error.
    static func connectionsFit(adding added: Int, to model: IRModel, at el: Element, ctx: Context) -> Bool {
        guard model.connections.count + added > maximumConnections else { return true }
        ctx.error("BRC-E0708", "<\(el.name)> would make \(added) connections (the network would have \(model.connections.count + added)); brcc makes at most \(maximumConnections)",
                  at: el.location, hint: "restrict preCells/postCells or lower the probability (a network of this size needs another simulator)")
        return false
    }

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

    /// Whether the `brc:allCells` of network `net` place at most `maximumExpandedInputs` inputs
    /// together (counted before any is placed); else a located error at the one that crosses.
    static func allCellsFit(_ net: Element, sizes: (String) -> Int?, ctx: Context) -> Bool {
        var total = 0
        for list in net.children where list.name == "inputList" {
            guard let size = list["population"].flatMap(sizes) else { continue }
            for el in list.children where el.name == "allCells" && el.namespace == NetworkLowering.brcNamespace {
                total += size
                guard total <= maximumExpandedInputs else {
                    ctx.error("BRC-E0404", "<brc:allCells> would bring the inputs the network's lists place to \(total); brcc places at most \(maximumExpandedInputs)",
                              at: el.location, hint: "give inputs to fewer cells, or smaller populations")
                    return false
                }
            }
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

    /// Expression nodes of a whole model's kernels, its cell types' and synapse types'
    /// together: eight types just under `maximumKernelOperations` compiled in 213 s (the
    /// security audit), while the largest model of the external corpus has 1,249 and the
    /// study's network about 2,500. 100,000 take the C compiler about 75 s here.
    static let maximumModelKernelOperations = 100_000

    /// Reports a model whose kernels together exceed `maximumModelKernelOperations`.
    static func checkKernels(_ model: IRModel, at location: SourceLocation, sink: DiagnosticSink) {
        let total = model.cellTypes.reduce(0) { $0 + $1.kernelOperations(mechanisms: model.mechanisms) } + model.synapses.reduce(0) { $0 + $1.kernelOperations }
        _ = modelKernelsFit(total, at: location, sink: sink)
    }

    /// Whether a model's kernels of `total` operations so far fit `maximumModelKernelOperations`;
    /// else a located error. Lowering counts as it goes and stops at the cell type that passes
    /// the bound: 100,000 LEMS cells of one type took 13 s and 416 MB to be refused after all
    /// of them were lowered (the third CLI review).
    /// (`partial`: the types not yet counted would add to `total`.)
    static func modelKernelsFit(_ total: Int, partial: Bool = false, at location: SourceLocation, sink: DiagnosticSink) -> Bool {
        guard total > maximumModelKernelOperations else { return true }
        sink.error("BRC-E0406", "the model's kernels would compile to \(partial ? "at least \(total)" : "\(total)") operations (expression nodes) together; brcc generates at most \(maximumModelKernelOperations) for one model",
                   at: location, hint: "brcc inspect --stats prints each cell and synapse type's size: use fewer or simpler types, or share one type between populations")
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
