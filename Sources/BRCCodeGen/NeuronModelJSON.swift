import BRCIR

extension NeuronExport {
    /// `model.json` of a NEURON export: every number of the model that run.py builds the network
    /// from, one section per method (`text` calls them in the file's order).
    struct ModelJSON {
        let model: IRModel
        let simulation: IRSimulation
        let mods: ModFiles
        /// The number of steps of the run.
        let steps: Int
        var j = JSON()

        init(model: IRModel, simulation: IRSimulation, mods: ModFiles) {
            self.model = model
            self.simulation = simulation
            self.mods = mods
            steps = Int((simulation.duration / simulation.dt).rounded())
        }

        /// The file's text; `exportID` identifies the mod files it goes with.
        consuming func text(exportID: UInt64) throws -> String {
            j.open("{")
            j.key("format"); j.raw("1")
            j.key("exportID"); j.raw(String(exportID))
            j.key("dt"); j.num(simulation.dt)
            j.key("steps"); j.raw(String(steps))
            j.key("celsius"); j.num(model.temperature - 273.15)
            cellTypes()
            populations()
            synapseGroups()
            try peers()
            sources()
            connections()
            stimuli()
            try outputs()
            if let e = model.environment {
                j.key("environment"); try NeuronEnvironment.write(e, into: &j)
            }
            j.close("}")
            return j.text + "\n"
        }

        /// Cell types: nodes as sections, placements with their values.
        mutating func cellTypes() {
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
                    j.key("suffix"); j.str(mods.placementSuffix[ci][pi])
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
        }

        /// Populations: size, cell type and each cell's initial potentials.
        mutating func populations() {
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
        }

        /// Synapse groups: the mechanism, and each instance's place and values.
        mutating func synapseGroups() {
            j.key("synapseGroups"); j.open("[")
            for (gi, g) in model.synapseGroups.enumerated() {
                let syn = model.synapses[g.synapse]
                let names = NeuronMechanisms.names(syn)
                j.item(); j.open("{")
                j.key("mechanism"); j.str(mechanismName(syn, g.synapse))
                j.key("parameters"); j.strs(syn.parameters.map { names.parameters[$0]! })
                j.key("pointers"); j.strs(syn.parameters.filter { mods.pointers[g.synapse]?.contains($0) ?? false }.map { names.parameters[$0]! })
                j.key("instances"); j.open("[")
                for inst in g.instances {
                    j.item(); j.raw("[\(inst.population), \(inst.cell), \(inst.node), "); j.nums(inst.values); j.raw("]")
                }
                j.close("]")
                if let reads = mods.inputs[gi] {
                    // Per instance: [kind, index, instance, sign] of each current it sums.
                    j.key("inputSlots"); j.raw(String(mods.inputSlots))
                    j.key("inputs"); j.raw("[" + reads.map { "[" + $0.map { "[\"\($0.kind)\", \($0.a), \($0.b), \(NMODLText.number($0.sign))]" }.joined(separator: ", ") + "]" }.joined(separator: ", ") + "]")
                }
                j.close("}")
            }
            j.close("]")
        }

        /// Continuous connections: [group, instance, parameter, "v", population, cell, node] or
        /// [group, instance, parameter, "state", dynamics group, dynamics instance, state].
        mutating func peers() throws {
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
        }

        /// Spike sources: a cell's detector, or the steps at which a generator fires in brcc. A
        /// cell whose dynamics resets v detects its own spikes (`NeuronMechanisms.synapse`).
        mutating func sources() {
            struct Place: Hashable { var population: Int, cell: Int, node: Int }
            var resetting: [Place: (group: Int, instance: Int)] = [:]
            for (gi, g) in model.synapseGroups.enumerated() where g.isCellDynamics && model.synapses[g.synapse].conditionsSetPotential {
                for (k, inst) in g.instances.enumerated() { resetting[Place(population: inst.population, cell: inst.cell, node: inst.node)] = (gi, k) }
            }
            j.key("sources"); j.open("[")
            for s in model.spikeSources {
                j.item(); j.open("{")
                if let gen = s.generator {
                    j.key("spikes"); j.nums(generatorSpikes(gen, population: s.population, cell: s.cell, dt: simulation.dt, steps: steps))
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
        }

        /// Connections active at the model's mask probabilities.
        mutating func connections() {
            j.key("connections"); j.open("[")
            for c in model.connections {
                if !model.isActive(c) { continue }
                j.item(); j.raw("[\(c.source), \(c.group), \(c.instance), \(NMODLText.number(c.weight)), \(NMODLText.number(c.delay))]")
            }
            j.close("]")
        }

        /// Injected currents: place, waveform and its values (a table as played per step).
        mutating func stimuli() {
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
                        played.append(interpolateTable(times, values, at: t + 0.5 * simulation.dt))
                        t += 0.5 * simulation.dt; t += 0.5 * simulation.dt
                    }
                    j.key("played"); j.nums(played)
                }
                j.key("parameters"); j.open("{")
                for (k, v) in p { j.key(k); j.num(v) }
                j.close("}")
                j.close("}")
            }
            j.close("]")
        }

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
                return "[\"state\", \(c.population), \(c.cell), \(placement.nodes[k]), \"\(mods.placementSuffix[ct][pl])\", \"\(names.states[m.states[st].name]!)\", \(tail)]"
            case .temperature:
                return "[\"temperature\", null, null, null, null, null, \(tail)]"
            case .environment(let q):
                return "[\"environment\", null, null, null, null, \(NMODLText.json(q)), \(tail)]"
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
                spikes.nums(generatorSpikes(gen, population: s.population, cell: s.cell, dt: simulation.dt, steps: steps + 1))
                return "[\"since\", \(spikes.text), null, null, null, null, \(tail)]"
            case .density, .mechanism:
                let (pl, k, value) = mechanismValue(probe, population: c.population, model)!
                let ct = model.populations[c.population].cellType
                let placement = model.cellTypes[ct].placements[pl]
                let r = mods.recorded[placement.mechanism]!.firstIndex(of: value)!
                return "[\"state\", \(c.population), \(c.cell), \(placement.nodes[k]), \"\(mods.placementSuffix[ct][pl])\", \"\(NeuronMechanisms.recordedName(r))\", \(tail)]"
            case .sum(let terms):
                // run.py adds the recorded parts up (in internal units), as a compound input's stimuli.
                if terms.contains(where: { if case .sum = $0 { return true }; if case .sinceSpike = $0 { return true }; if case .temperature = $0 { return true }; if case .environment = $0 { return true }; return false }) {
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

        /// Output files: each column as run.py records it; event output files.
        mutating func outputs() throws {
            j.key("outputs"); j.open("[")
            for f in simulation.outputs {
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
            for f in simulation.eventOutputs {
                if let problem = OutputPath.problem(f.fileName) { throw Unsupported(description: "event output file '\(f.fileName)': \(problem)") }
                j.item(); j.open("{")
                j.key("file"); j.str(f.fileName)
                j.key("format"); j.str(f.format.rawValue)
                j.key("ids"); j.strs(f.ids)
                j.key("sources"); j.raw("[" + f.sources.map(String.init).joined(separator: ", ") + "]")
                j.close("}")
            }
            j.close("]")
        }
    }
}
