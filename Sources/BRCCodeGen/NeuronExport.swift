import BRCIR

/// brcc's IR as a model NEURON runs as is (`nrnivmodl DIR && python DIR/run.py`): one mod file
/// per mechanism and synapse type (`NeuronMechanisms`), `brc_stim.mod` for injected currents,
/// `model.json` with every number of the model, and `run.py`, which builds the network from it,
/// runs NEURON's fixed step (`secondorder = 0`) and writes the outputs `brcc run` writes.
///
/// The compartment tree is reproduced exactly: every node of a cell is a NEURON section with
/// nseg = 1 hanging on its parent's centre (`connect(parent(0.5), 0)`), a cylinder with
/// pi diam L = the node's area and Ra chosen so that NEURON's half-section resistance is the
/// node's axial resistance; a zero-area node (a junction) has cm = 0. Spike generators and
/// masks are resolved here (their spike times and the active connections are data); noise is
/// regenerated in NEURON from the same `CounterRandom` stream; tables are played per step.
public enum NeuronExport {
    /// One file of the export (a mod file, model.json, run.py): its name and text.
    public struct File: Sendable {
        /// The file's name in the export folder (e.g. `run.py`).
        public var name: String
        /// The file's contents.
        public var text: String
    }

    /// A part of the model the NEURON export cannot write, and why.
    public struct Unsupported: Error, CustomStringConvertible {
        public var description: String
    }

    /// The files of the export, or what brcc cannot export.
    public static func emit(_ model: IRModel) throws -> [File] {
        guard let sim = model.simulation else { throw Unsupported(description: "the model has no <Simulation> to export") }
        let mods = try modFiles(model, outputs: sim.outputs)
        var files = mods.files
        // The mechanisms' identity: a hash of every mod file, in six digits (nocmodl keeps six
        // significant digits of a PARAMETER's value).
        let exportID = fnv1a64(files.map { $0.name + "\n" + $0.text }.joined(separator: "\n")) % 1_000_000
        files.append(File(name: "brc_stim.mod", text: NeuronMechanisms.stimulus(exportID: exportID)))
        files.append(File(name: "model.json", text: try ModelJSON(model: model, simulation: sim, mods: mods).text(exportID: exportID)))
        files.append(File(name: "run.py", text: NeuronRunScript.text))
        return files
    }

    /// The mod files of a model's mechanisms and synapse types, and what model.json needs to
    /// know of them.
    struct ModFiles {
        var files: [File]
        /// Per cell type, per placement: the suffix of its mechanism's mod file.
        var placementSuffix: [[String]]
        /// The values output columns record of each mechanism (a channel's density, current,
        /// fopen, a gate's inf or tau), computed in its mod file.
        var recorded: [Int: [IRExpr]]
        /// Parameters that continuous connections link to another cell (POINTERs), by synapse type.
        var pointers: [Int: Set<String>]
        /// What each instance of a synapse that reads its node's synaptic current (LEMS's iSyn)
        /// reads (`nodeCurrentInputs`), by group, and the most any instance reads.
        var inputs: [Int: [[NodeInput]]]
        var inputSlots: Int
    }

    /// The mod files of `model`, whose `outputs` say which values the mechanisms record.
    static func modFiles(_ model: IRModel, outputs: [IROutputFile]) throws -> ModFiles {
        let pooled = Set(model.mechanisms.compactMap(\.pool))
        var files: [File] = []

        // Mechanisms: one mod per (mechanism, copy); a copy when one cell type places the same
        // mechanism twice on a node (NEURON inserts a mechanism once per section). The initial
        // gate value of a cell type is baked into its mechanisms, so it is part of the key.
        struct Key: Hashable { var mechanism: Int; var copy: Int; var gateStart: Double? }
        var suffixes: [Key: String] = [:]
        var placementSuffix: [[String]] = []
        var recorded: [Int: [IRExpr]] = [:]
        for c in outputs.flatMap(\.columns) {
            for probe in c.probe.terms {
                guard let (pl, _, value) = mechanismValue(probe, population: c.population, model) else { continue }
                let m = model.cellTypes[model.populations[c.population].cellType].placements[pl].mechanism
                if !(recorded[m]?.contains(value) ?? false) { recorded[m, default: []].append(value) }
            }
        }
        for ct in model.cellTypes {
            var used: [Int: [Set<Int>]] = [:]
            var row: [String] = []
            for pl in ct.placements {
                let m = model.mechanisms[pl.mechanism]
                for e in m.expressions {
                    if let f = NMODLPrinter.unknownFunction(e) { throw Unsupported(description: "mechanism \(m.name) calls \(f), which NMODL does not provide") }
                    if !e.randomSites.isEmpty { throw Unsupported(description: "mechanism \(m.name) calls random(), which the export writes for synapses only") }
                }
                let nodes = Set(pl.nodes)
                var copies = used[pl.mechanism] ?? []
                let copy = copies.firstIndex { $0.isDisjoint(with: nodes) } ?? copies.count
                if copy == copies.count { copies.append(nodes) } else { copies[copy].formUnion(nodes) }
                used[pl.mechanism] = copies
                let key = Key(mechanism: pl.mechanism, copy: copy, gateStart: ct.initialGateValue)
                if suffixes[key] == nil {
                    // Pools (brc_c...) sort before channels (brc_m...): NEURON updates mechanisms'
                    // states in that order, and brcc updates pools first (docs/numerics.md).
                    let suffix = (m.pool != nil ? "brc_c" : "brc_m") + "\(suffixes.count)"
                    suffixes[key] = suffix
                    files.append(File(name: suffix + ".mod", text: NeuronMechanisms.mechanism(m, suffix: suffix, gateStart: ct.initialGateValue, pooled: pooled,
                                                                                             recorded: recorded[pl.mechanism] ?? [])))
                }
                row.append(suffixes[key]!)
            }
            placementSuffix.append(row)
        }
        // Parameters that continuous connections link to another cell (POINTERs), by synapse type.
        var pointers: [Int: Set<String>] = [:]
        var linked: [Int: Set<[Int]>] = [:]  // group -> [instance, parameter]
        for l in model.peerLinks {
            let syn = model.synapseGroups[l.group].synapse
            pointers[syn, default: []].insert(model.synapses[syn].parameters[l.parameter])
            linked[l.group, default: []].insert([l.instance, l.parameter])
        }
        for (gi, g) in model.synapseGroups.enumerated() {
            let syn = model.synapses[g.synapse]
            for p in pointers[g.synapse] ?? [] {
                let q = syn.parameters.firstIndex(of: p)!
                if g.instances.indices.contains(where: { !(linked[gi]?.contains([$0, q]) ?? false) }) {
                    throw Unsupported(description: "\(syn.origin): some of its instances read \(p) from another cell and others have a value; the export needs one or the other")
                }
            }
        }
        // What each instance of a synapse that reads its node's synaptic current (LEMS's iSyn)
        // reads: the stimuli on its node and the synapses before it in the current phase.
        let inputs = nodeCurrentInputs(model)
        let inputSlots = inputs.values.flatMap { $0 }.map(\.count).max() ?? 0
        for (i, syn) in model.synapses.enumerated() {
            if syn.nodeCurrent != nil && syn.conditionsSetPotential {
                throw Unsupported(description: "\(syn.origin): its conditions set the membrane potential and read the synaptic current; the export does not write that combination")
            }
            if syn.conditionsSetPotential && syn.derivativeBeforeConditions {
                throw Unsupported(description: "\(syn.origin): its conditions set the membrane potential and its current's di/dv is taken before them; the export does not write that combination")
            }
            for e in syn.expressions {
                if let f = NMODLPrinter.unknownFunction(e) { throw Unsupported(description: "synapse \(syn.name) calls \(f), which NMODL does not provide") }
            }
            let name = mechanismName(syn, i)
            files.append(File(name: name + ".mod", text: NeuronMechanisms.synapse(syn, name: name, pointers: pointers[i] ?? [],
                                                                                  inputSlots: syn.nodeCurrent == nil ? 0 : inputSlots)))
        }
        return ModFiles(files: files, placementSuffix: placementSuffix, recorded: recorded, pointers: pointers, inputs: inputs, inputSlots: inputSlots)

    }

    /// The mod file name of synapse `i`: `brc_z<i>` for one that reads its node's synaptic
    /// current, so that NEURON (which calls BREAKPOINTs in the order of the mechanisms' names)
    /// has computed the currents it reads, `brc_stim`'s included, before it; `brc_s<i>` otherwise.
    static func mechanismName(_ syn: IRSynapse, _ i: Int) -> String {
        (syn.nodeCurrent == nil ? "brc_s" : "brc_z") + "\(i)"
    }

    /// One current a synapse sums into its `nodeCurrent`: a stimulus (`a`) or synapse instance
    /// (group `a`, instance `b`), and its sign (a synapse's NMODL `i` is outward).
    struct NodeInput { var kind: String; var a: Int; var b: Int; var sign: Double }

    /// For each synapse group that reads its node's current, per instance, the stimuli on the
    /// node and the instances of the groups before it in `IRModel.currentOrder` on the node:
    /// what brcc's `i_syn` holds when its current kernel reads it.
    static func nodeCurrentInputs(_ model: IRModel) -> [Int: [[NodeInput]]] {
        let order = model.currentOrder
        var out: [Int: [[NodeInput]]] = [:]
        for (position, g) in order.enumerated() where model.synapses[model.synapseGroups[g].synapse].nodeCurrent != nil {
            out[g] = model.synapseGroups[g].instances.map { inst in
                let here = { (p: Int, c: Int, n: Int) in p == inst.population && c == inst.cell && n == inst.node }
                var reads = model.stimuli.indices.filter { here(model.stimuli[$0].population, model.stimuli[$0].cell, model.stimuli[$0].node) }
                    .map { NodeInput(kind: "stimulus", a: $0, b: 0, sign: 1) }
                for other in order[..<position] {
                    for (k, o) in model.synapseGroups[other].instances.enumerated() where here(o.population, o.cell, o.node) {
                        reads.append(NodeInput(kind: "synapse", a: other, b: k, sign: -1))
                    }
                }
                return reads
            }
        }
        return out
    }

    /// For a probe of a cell of population `population` recording a channel's density or another
    /// value of a mechanism: the placement, its node index and the value as an expression of the
    /// mechanism's names.
    static func mechanismValue(_ probe: IRProbe, population: Int, _ model: IRModel) -> (placement: Int, instance: Int, value: IRExpr)? {
        switch probe {
        case .density(let pl, let k, let current):
            let m = model.cellTypes[model.populations[population].cellType].placements[pl].mechanism
            return (pl, k, model.mechanisms[m].density(current: current))
        case .mechanism(let pl, let k, let value): return (pl, k, value)
        default: return nil
        }
    }

    /// NEURON geometry (L, diam um; Ra ohm cm; cm uF/cm2) of a one-compartment section with the
    /// node's area and, between its centre and its parent's centre, the node's axial
    /// conductance: NEURON's half-section resistance 0.01 Ra (L/2) / (pi diam^2/4) (Mohm).
    static func geometry(_ nd: IRNode) -> (Double, Double, Double, Double) {
        let zero = nd.area <= 0
        let diam = zero ? 1 : (nd.area / Double.pi).squareRoot()
        let length = diam
        let ra = nd.parent >= 0 && nd.gAxial > 0 ? Double.pi * diam * diam / (0.02 * length * nd.gAxial) : 35.4
        return (length, diam, ra, zero ? 0 : nd.cm * 1e5)
    }

    /// The spike times (ms) of a generator in brcc (`GeneratorState.spikes`, the rule the runtime uses), at the start
    /// of steps 0..<steps, with time advancing as brcc's does (a time twice for two spikes in one step).
    static func generatorSpikes(_ g: IRGenerator, population: Int, cell: Int, dt: Double, steps: Int) -> [Double] {
        var state = GeneratorState(g, population: population, cell: cell)
        var out: [Double] = []
        var time = 0.0
        for step in 0..<steps {
            out += Array(repeating: time, count: state.spikes(time: time, step: step, dt: dt))
            time += 0.5 * dt
            time += 0.5 * dt
        }
        return out
    }
}
