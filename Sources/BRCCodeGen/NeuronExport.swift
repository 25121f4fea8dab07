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
        public var name: String
        public var text: String
    }

    /// A part of the model the NEURON export cannot write, and why.
    public struct Unsupported: Error, CustomStringConvertible {
        public var description: String
    }

    /// The files of the export, or what brcc cannot export.
    public static func emit(_ model: IRModel) throws -> [File] {
        guard let sim = model.simulation else { throw Unsupported(description: "the model has no <Simulation> to export") }
        let pooled = Set(model.mechanisms.compactMap(\.pool))
        let steps = Int((sim.duration / sim.dt).rounded())
        var files: [File] = []

        // Mechanisms: one mod per (mechanism, copy); a copy when one cell type places the same
        // mechanism twice on a node (NEURON inserts a mechanism once per section). The initial
        // gate value of a cell type is baked into its mechanisms, so it is part of the key.
        struct Key: Hashable { var mechanism: Int; var copy: Int; var gateStart: Double? }
        var suffixes: [Key: String] = [:]
        var placementSuffix: [[String]] = []
        // The values output columns record of each mechanism (a channel's density, current,
        // fopen, a gate's inf or tau), computed in its mod file.
        var recorded: [Int: [IRExpr]] = [:]
        for c in sim.outputs.flatMap(\.columns) {
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
        // The mechanisms' identity: a hash of every mod file, in six digits (nocmodl keeps six
        // significant digits of a PARAMETER's value).
        let exportID = fnv1a64(files.map { $0.name + "\n" + $0.text }.joined(separator: "\n")) % 1_000_000
        files.append(File(name: "brc_stim.mod", text: NeuronMechanisms.stimulus(exportID: exportID)))

        var j = JSON()
        j.open("{")
        j.key("format"); j.raw("1")
        j.key("exportID"); j.raw(String(exportID))
        j.key("dt"); j.num(sim.dt)
        j.key("steps"); j.raw(String(steps))
        j.key("celsius"); j.num(model.temperature - 273.15)

        // Cell types: nodes as sections, placements with their values.
        j.key("cellTypes"); j.open("[")
        for (ci, ct) in model.cellTypes.enumerated() {
            j.item(); j.open("{")
            j.key("name"); j.str(ct.name)
            j.key("nodes"); j.open("[")
            for nd in ct.nodes {
                j.item()
                let (length, diam, ra, cm) = geometry(nd)
                j.raw("[\(nd.parent), \(NMODLText.number(length)), \(NMODLText.number(diam)), \(NMODLText.number(ra)), \(NMODLText.number(cm))]")
            }
            j.close("]")
            j.key("mechanisms"); j.open("[")
            for (pi, pl) in ct.placements.enumerated() {
                let m = model.mechanisms[pl.mechanism]
                let names = NeuronMechanisms.Names(parameters: m.parameters, states: m.states.map(\.name), locals: [])
                // brcc's membrane current is g * area: nothing on a zero-area node.
                let keep = pl.nodes.indices.filter { ct.nodes[pl.nodes[$0]].area > 0 }
                j.item(); j.open("{")
                j.key("suffix"); j.str(placementSuffix[ci][pi])
                j.key("parameters"); j.strs(m.parameters.map { names.parameters[$0]! })
                j.key("states"); j.strs(m.states.map { names.states[$0.name]! })
                j.key("nodes"); j.raw("[" + keep.map { String(pl.nodes[$0]) }.joined(separator: ", ") + "]")
                j.key("values"); j.open("[")
                for k in keep { j.item(); j.nums(pl.values[k]) }
                j.close("]")
                j.close("}")
            }
            j.close("]")
            j.close("}")
        }
        j.close("]")

        j.key("populations"); j.open("[")
        for (pi, pop) in model.populations.enumerated() {
            let ct = model.cellTypes[pop.cellType]
            j.item(); j.open("{")
            j.key("name"); j.str(pop.name)
            j.key("cellType"); j.raw(String(pop.cellType))
            j.key("size"); j.raw(String(pop.size))
            j.key("v0"); j.open("[")
            for cell in 0..<pop.size {
                j.item()
                if let r = pop.randomInitialPotential {
                    j.nums(ct.nodes.indices.map { r.potential(population: pi, cell: cell, node: $0) })
                } else {
                    j.nums(ct.nodes.indices.map { ct.initialPotential(node: $0) })
                }
            }
            j.close("]")
            j.close("}")
        }
        j.close("]")

        j.key("synapseGroups"); j.open("[")
        for (gi, g) in model.synapseGroups.enumerated() {
            let syn = model.synapses[g.synapse]
            let names = NeuronMechanisms.names(syn)
            j.item(); j.open("{")
            j.key("mechanism"); j.str(mechanismName(syn, g.synapse))
            j.key("parameters"); j.strs(syn.parameters.map { names.parameters[$0]! })
            j.key("pointers"); j.strs(syn.parameters.filter { pointers[g.synapse]?.contains($0) ?? false }.map { names.parameters[$0]! })
            j.key("instances"); j.open("[")
            for inst in g.instances {
                j.item(); j.raw("[\(inst.population), \(inst.cell), \(inst.node), "); j.nums(inst.values); j.raw("]")
            }
            j.close("]")
            if let reads = inputs[gi] {
                // Per instance: [kind, index, instance, sign] of each current it sums.
                j.key("inputSlots"); j.raw(String(inputSlots))
                j.key("inputs"); j.raw("[" + reads.map { "[" + $0.map { "[\"\($0.kind)\", \($0.a), \($0.b), \(NMODLText.number($0.sign))]" }.joined(separator: ", ") + "]" }.joined(separator: ", ") + "]")
            }
            j.close("}")
        }
        j.close("]")

        // Continuous connections: [group, instance, parameter, "v", population, cell, node] or
        // [group, instance, parameter, "state", dynamics group, dynamics instance, state].
        j.key("peers"); j.open("[")
        for l in model.peerLinks {
            let syn = model.synapses[model.synapseGroups[l.group].synapse]
            let parameter = NMODLText.json(NeuronMechanisms.names(syn).parameters[syn.parameters[l.parameter]]!)
            j.item()
            if let s = l.dynamicsState {
                guard let (g, k) = model.dynamicsInstance(population: l.population, cell: l.cell) else {
                    throw Unsupported(description: "\(syn.origin): it reads a state of a cell without LEMS dynamics")
                }
                let dynamics = model.synapses[model.synapseGroups[g].synapse]
                let state = NMODLText.json(NeuronMechanisms.names(dynamics).states[dynamics.states[s].name]!)
                j.raw("[\(l.group), \(l.instance), \(parameter), \"state\", \(g), \(k), \(state)]")
            } else {
                j.raw("[\(l.group), \(l.instance), \(parameter), \"v\", \(l.population), \(l.cell), \(l.node)]")
            }
        }
        j.close("]")

        // Spike sources: a cell's detector, or the steps at which a generator fires in brcc. A
        // cell whose dynamics resets v detects its own spikes (`NeuronMechanisms.synapse`).
        struct Place: Hashable { var population: Int, cell: Int, node: Int }
        var resetting: [Place: (group: Int, instance: Int)] = [:]
        for (gi, g) in model.synapseGroups.enumerated() where g.isCellDynamics && model.synapses[g.synapse].conditionsSetPotential {
            for (k, inst) in g.instances.enumerated() { resetting[Place(population: inst.population, cell: inst.cell, node: inst.node)] = (gi, k) }
        }
        j.key("sources"); j.open("[")
        for s in model.spikeSources {
            j.item(); j.open("{")
            if let gen = s.generator {
                j.key("spikes"); j.nums(generatorSpikes(gen, population: s.population, cell: s.cell, dt: sim.dt, steps: steps))
            } else if let f = s.flag {
                // Spikes a cell's conditions count: run.py reads the count after each step.
                let syn = model.synapses[model.synapseGroups[f.group].synapse]
                j.key("group"); j.raw(String(f.group))
                j.key("instance"); j.raw(String(f.instance))
                j.key("counter"); j.str(NeuronMechanisms.names(syn).states[syn.states[f.state].name]!)
            } else if let (group, instance) = resetting[Place(population: s.population, cell: s.cell, node: s.node)] {
                j.key("group"); j.raw(String(group))
                j.key("instance"); j.raw(String(instance))
                j.key("threshold"); j.num(s.threshold)
            } else {
                j.key("population"); j.raw(String(s.population))
                j.key("cell"); j.raw(String(s.cell))
                j.key("node"); j.raw(String(s.node))
                j.key("threshold"); j.num(s.threshold)
            }
            j.close("}")
        }
        j.close("]")

        // Connections active at the model's mask probabilities.
        j.key("connections"); j.open("[")
        for c in model.connections {
            if !model.isActive(c) { continue }
            j.item(); j.raw("[\(c.source), \(c.group), \(c.instance), \(NMODLText.number(c.weight)), \(NMODLText.number(c.delay))]")
        }
        j.close("]")

        j.key("stimuli"); j.open("[")
        for s in model.stimuli {
            j.item(); j.open("{")
            j.key("population"); j.raw(String(s.population))
            j.key("cell"); j.raw(String(s.cell))
            j.key("node"); j.raw(String(s.node))
            var p: [(String, Double)]
            switch s.waveform {
            case .pulse(let d, let dur, let a): p = [("kind", 0), ("del", d), ("dur", dur), ("amp", a)]
            case .sine(let d, let dur, let a, let per, let ph): p = [("kind", 1), ("del", d), ("dur", dur), ("amp", a), ("period", per), ("phase", ph)]
            case .noise(let mean, let sd, let seed, let stream):
                let key = UInt64(s.population) << 32 | UInt64(s.cell)
                p = [("kind", 2), ("mean", mean), ("sd", sd), ("seed_hi", Double(seed >> 32)), ("seed_lo", Double(seed & 0xffff_ffff)),
                     ("stream_hi", Double(stream >> 32)), ("stream_lo", Double(stream & 0xffff_ffff)),
                     ("key_hi", Double(key >> 32)), ("key_lo", Double(key & 0xffff_ffff))]
            case .table(let times, let values):
                p = [("kind", 3)]
                // brcc's value at the mid-step of every step (interpolateTable).
                var t = 0.0
                var played: [Double] = []
                for _ in 0..<steps {
                    played.append(interpolateTable(times, values, at: t + 0.5 * sim.dt))
                    t += 0.5 * sim.dt; t += 0.5 * sim.dt
                }
                j.key("played"); j.nums(played)
            }
            j.key("parameters"); j.open("{")
            for (k, v) in p { j.key(k); j.num(v) }
            j.close("}")
            j.close("}")
        }
        j.close("]")

        /// run.py's column (kind, population or index, cell, node, suffix, variable, scale) that
        /// records `probe` of column `c`'s cell in file `f`.
        func column(_ probe: IRProbe, _ c: IRColumn, _ f: IROutputFile, scale: Double) throws -> String {
            let tail = NMODLText.number(scale)
            switch probe {
            case .voltage(let node):
                return "[\"v\", \(c.population), \(c.cell), \(node), null, null, \(tail)]"
            case .state(let pl, let k, let st):
                let ct = model.populations[c.population].cellType
                let placement = model.cellTypes[ct].placements[pl]
                let m = model.mechanisms[placement.mechanism]
                let names = NeuronMechanisms.Names(parameters: m.parameters, states: m.states.map(\.name), locals: [])
                return "[\"state\", \(c.population), \(c.cell), \(placement.nodes[k]), \"\(placementSuffix[ct][pl])\", \"\(names.states[m.states[st].name]!)\", \(tail)]"
            case .temperature:
                return "[\"temperature\", null, null, null, null, null, \(tail)]"
            case .constant(let x):
                return "[\"constant\", null, null, null, null, \(NMODLText.number(x)), \(tail)]"
            case .spiking(let node, let threshold):
                // run.py records v and compares it with the threshold after the run.
                return "[\"above\", \(c.population), \(c.cell), \(node), null, \(NMODLText.number(threshold)), \(tail)]"
            case .stimulus(let indices):
                return "[\"stimulus\", [\(indices.map(String.init).joined(separator: ", "))], null, null, null, null, \(tail)]"
            case .sinceSpike(let source):
                // run.py counts it from the generator's spikes, including one at the last row.
                let s = model.spikeSources[source]
                guard let gen = s.generator else {
                    throw Unsupported(description: "output column \(c.id) of output file \(f.id) records tsince of a source that is not a spike generator")
                }
                var spikes = JSON()
                spikes.nums(generatorSpikes(gen, population: s.population, cell: s.cell, dt: sim.dt, steps: steps + 1))
                return "[\"since\", \(spikes.text), null, null, null, null, \(tail)]"
            case .density, .mechanism:
                let (pl, k, value) = mechanismValue(probe, population: c.population, model)!
                let ct = model.populations[c.population].cellType
                let placement = model.cellTypes[ct].placements[pl]
                let r = recorded[placement.mechanism]!.firstIndex(of: value)!
                return "[\"state\", \(c.population), \(c.cell), \(placement.nodes[k]), \"\(placementSuffix[ct][pl])\", \"\(NeuronMechanisms.recordedName(r))\", \(tail)]"
            case .sum(let terms):
                // run.py adds the recorded parts up (in internal units), as a compound input's stimuli.
                if terms.contains(where: { if case .sum = $0 { return true }; if case .sinceSpike = $0 { return true }; if case .temperature = $0 { return true }; return false }) {
                    throw Unsupported(description: "output column \(c.id) of output file \(f.id) sums values the export cannot record")
                }
                return "[\"sum\", [\(try terms.map { try column($0, c, f, scale: 1) }.joined(separator: ", "))], null, null, null, null, \(tail)]"
            case .synapse(let g, let k, let q):
                let syn = model.synapses[model.synapseGroups[g].synapse]
                let names = NeuronMechanisms.names(syn)
                let variable: String
                if let x = names.exposures[q] { variable = x }
                else if let s = names.states[q] { variable = s }
                else if let p = names.parameters[q] { variable = p }
                else if q == "v" {
                    let inst = model.synapseGroups[g].instances[k]
                    return "[\"v\", \(inst.population), \(inst.cell), \(inst.node), null, null, \(tail)]"
                } else { throw Unsupported(description: "output column \(c.id) of output file \(f.id) records \(q) of synapse \(syn.name), which the export cannot record") }
                return "[\"synapse\", \(g), \(k), null, null, \"\(variable)\", \(tail)]"
            }
        }
        j.key("outputs"); j.open("[")
        for f in sim.outputs {
            if let problem = OutputPath.problem(f.fileName) { throw Unsupported(description: "output file '\(f.fileName)': \(problem)") }
            j.item(); j.open("{")
            j.key("file"); j.str(f.fileName)
            j.key("columns"); j.open("[")
            for c in f.columns {
                j.item()
                j.raw(try column(c.probe, c, f, scale: c.siScale))
            }
            j.close("]")
            j.close("}")
        }
        j.close("]")

        j.key("eventOutputs"); j.open("[")
        for f in sim.eventOutputs {
            if let problem = OutputPath.problem(f.fileName) { throw Unsupported(description: "event output file '\(f.fileName)': \(problem)") }
            j.item(); j.open("{")
            j.key("file"); j.str(f.fileName)
            j.key("format"); j.str(f.format.rawValue)
            j.key("ids"); j.strs(f.ids)
            j.key("sources"); j.raw("[" + f.sources.map(String.init).joined(separator: ", ") + "]")
            j.close("}")
        }
        j.close("]")
        if let e = model.environment {
            j.key("environment"); try NeuronEnvironment.write(e, into: &j)
        }
        j.close("}")
        files.append(File(name: "model.json", text: j.text + "\n"))
        files.append(File(name: "run.py", text: NeuronRunScript.text))
        return files
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
