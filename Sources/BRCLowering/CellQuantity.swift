import BRCDiagnostics
import BRCIR
import BRCSyntax
import BRCUnits

extension SimulationLowering {
    /// The rest of a recorded quantity's path below one cell (`SimulationLowering.column` has
    /// resolved the population, the cell and a segment): the cell's potential, a LEMS point
    /// cell's variables, a synapse's or input's quantities, a channel population's values, its
    /// iSyn, and its membrane quantities (`membraneColumn`), rule by rule.
    struct CellQuantity {
        let id: String
        let q: Attribute
        let model: IRModel
        let ctx: Context
        /// The population, cell and name as the path gives it.
        let p: Int, cell: Int, popName: String
        let ct: IRCellType
        let segment: Int, node: Int
        /// The synapse group of the cell type's LEMS dynamics, if it has them.
        let dynamics: Int?

        init(id: String, q: Attribute, model: IRModel, ctx: Context, population: Int, cell: Int, popName: String, cellType: IRCellType, segment: Int, node: Int, dynamics: Int?) {
            self.id = id; self.q = q; self.model = model; self.ctx = ctx
            p = population; self.cell = cell; self.popName = popName
            ct = cellType; self.segment = segment; self.node = node; self.dynamics = dynamics
        }

        func fail(about name: String = "", _ why: String) -> IRColumn? { unresolved(q, about: name, why, ctx: ctx) }

        /// A channel's single-channel conductance (its `conductance`, checked where the channel
        /// was lowered), for its `g`.
        func singleConductance(_ channel: String) -> Double? {
            ctx.byId[channel].flatMap { ctx.quantity($0, "conductance", .conductance, required: false) }
        }
        /// The names a path may give this NeuroML cell's biophysics by, as jLEMS resolves them:
        /// its biophysicalProperties child's id or the one its `biophysicalProperties` attribute
        /// names, and the child's name in the core type (`biophysicalProperties`, or
        /// `biophysicalProperties2CaPools` of a cell2CaPools); nil for other cells.
        func biophysicsIds() -> Set<String>? {
            guard let el = ctx.byId[ct.name], ["cell", "cell2CaPools"].contains(el.name) else { return nil }
            let ids = el.children.filter { $0.name.hasPrefix("biophysicalProperties") }.compactMap(\.id) + [el["biophysicalProperties"]].compactMap { $0 }
            return ids.isEmpty ? nil : Set(ids + [el.name == "cell" ? "biophysicalProperties" : "biophysicalProperties2CaPools"])
        }
        /// The `k`-th instance on this cell of the synapse or input compiled from component
        /// `component`, and its `quantity`.
        func attached(_ component: String, _ k: Int, _ quantity: String) -> IRColumn? {
            var found: [(Int, Int)] = []
            let names = [component, LEMSInputs.processName(component)]
            for (gi, g) in model.synapseGroups.enumerated() where names.contains(model.synapses[g.synapse].name) {
                for (ii, inst) in g.instances.enumerated() where inst.population == p && inst.cell == cell { found.append((gi, ii)) }
            }
            guard k >= 0, k < found.count else {
                if ctx.connectionLost(component) { return nil }  // the lost connection's error is reported
                return fail("cell \(cell) of '\(popName)' has \(found.count) synapse(s) or input(s) '\(component)'")
            }
            let syn = model.synapses[model.synapseGroups[found[k].0].synapse]
            let scale: Double
            if let e = syn.exposures[quantity] { scale = e.siScale }
            else if syn.states.contains(where: { $0.name == quantity }) { scale = 1 }
            else { return fail("'\(component)' has no '\(quantity)' (recordable: \((syn.exposures.keys.sorted() + syn.states.map(\.name)).joined(separator: ", ")))") }
            return IRColumn(id: id, population: p, cell: cell, probe: .synapse(group: found[k].0, instance: found[k].1, quantity: quantity), siScale: scale)
        }
        /// The stimuli (pulseGenerator, sineGenerator, compoundInputs of them, ...) of input
        /// component `component` on this cell.
        func stimuli(of component: String) -> [Int] {
            model.stimuli.indices.filter { model.stimuli[$0].component == component && model.stimuli[$0].population == p && model.stimuli[$0].cell == cell }
        }
        /// The current of the `k`-th input of component `component` on this cell.
        func injected(_ component: String, _ k: Int, _ quantity: String) -> IRColumn? {
            let own = stimuli(of: component)
            var inputs: [String] = []
            for i in own where !inputs.contains(model.stimuli[i].input) { inputs.append(model.stimuli[i].input) }
            guard quantity == "i" else { return fail("input '\(component)' records only its current i, not '\(quantity)'") }
            guard k >= 0, k < inputs.count else {
                if ctx.connectionLost(component) { return nil }
                return fail("cell \(cell) of '\(popName)' has \(inputs.count) input(s) '\(component)'")
            }
            return IRColumn(id: id, population: p, cell: cell, probe: .stimulus(indices: own.filter { model.stimuli[$0].input == inputs[k] }),
                            siScale: Dimension.current.internalScale)
        }

        /// The column that records `parts` of this cell.
        func resolve(_ parts: [String]) -> IRColumn? {
            var parts = parts
            let path = parts.joined(separator: "/")
            // <synapse id>/<quantity> (jLEMS's path to a synapse a connection attaches): the cell's
            // only synapse of that id, as synapses:<synapse id>:0.
            if parts.count >= 2, dynamics.map({ model.synapses[model.synapseGroups[$0].synapse].exposures[path] == nil }) ?? true {
                let same = model.synapseGroups.filter { g in model.synapses[g.synapse].name == parts[0] }.flatMap { $0.instances }.filter { $0.population == p && $0.cell == cell }
                if same.count == 1 { parts[0] = "synapses:\(parts[0]):0" }
                if same.count > 1 { return fail("cell \(cell) of '\(popName)' has \(same.count) synapses '\(parts[0])'; write synapses:\(parts[0]):<index>/\(parts.dropFirst().joined(separator: "/"))") }
            }
            // A spike input on this cell (poissonFiringSynapse, ...): its train's tsince, its synapse's quantities.
            if let found = spikeInputColumn(id, parts: parts, population: p, cell: cell, model: model, fail: { fail($0) }) { return found }
            // synapses:<component id>:<k>/<quantity> — the k-th such synapse or input on this cell
            // (jNeuroML's path of both: inputs attach to a cell's synapses).
            if let first = parts.first, first.hasPrefix("synapses:") {
                let bits = first.split(separator: ":").map(String.init)
                guard bits.count == 3, let k = Int(bits[2]), parts.count >= 2 else { return fail("write synapses:<synapse id>:<index>/<quantity>") }
                if !stimuli(of: bits[1]).isEmpty {
                    return injected(bits[1], k, parts.dropFirst().joined(separator: "/"))
                }
                return attached(bits[1], k, parts.dropFirst().joined(separator: "/"))
            }
            // A LEMS point cell's states, derived variables and parameters (pop[i]/u, pop[i]/iMemb),
            // its children's by their paths (pop[i]/membrane/I), and its v if the type derives it.
            if let g = dynamics, let e = model.synapses[model.synapseGroups[g].synapse].exposures[path] {
                guard let k = model.synapseGroups[g].instances.firstIndex(where: { $0.population == p && $0.cell == cell }) else { return fail("no dynamics for cell \(cell)") }
                return IRColumn(id: id, population: p, cell: cell, probe: .synapse(group: g, instance: k, quantity: path), siScale: e.siScale)
            }
            // <input component id>/<quantity>: the input of that component on this cell (a
            // Display's noisyCurrentSource1/i).
            if parts.count == 2, model.synapses.contains(where: { $0.name == LEMSInputs.processName(parts[0]) }) {
                return attached(parts[0], 0, parts[1])
            }
            if parts == ["v"] {
                guard ct.hasMembranePotential else {
                    let syn = dynamics.map { model.synapses[model.synapseGroups[$0].synapse] }
                    return fail("cell type '\(ct.name)' has no membrane potential v (recordable: \((syn?.exposures.keys.sorted() ?? []).joined(separator: ", ")))")
                }
                return IRColumn(id: id, population: p, cell: cell, probe: .voltage(node: node), siScale: Dimension.voltage.internalScale)
            }
            // <input component id>/i: the current of that input (a stimulus) on this cell (a
            // Display's IClamp/i).
            if parts.count == 2, !stimuli(of: parts[0]).isEmpty {
                return injected(parts[0], 0, parts[1])
            }
            // A kinetic scheme's state .../<gate>/<state>/occupancy is the state named
            // <gate>_<state>, recorded as .../<gate>_<state>/q.
            if parts.count == 5 || parts.count == 7, parts.last == "occupancy" {
                parts.removeLast()
                parts[parts.count - 2] += "_" + parts.removeLast()
                parts.append("q")
            }
            // A channel population of a one-compartment cell (pyNeuroML's channel test harness,
            // pointCellCondBased): <population>/i or /g (the whole population's current or
            // conductance), and its channel's values by their paths below it,
            // <population>/<channel>/fopen, .../<gate>/q, inf, tau, ... (`channelValue`).
            if ct.compartmentCount == 1, parts.count >= 2, parts.count <= 4, let pl = ct.placements.firstIndex(where: { $0.label == parts[0] }) {
                let m = model.mechanisms[ct.placements[pl].mechanism]
                switch parts.count {
                case 2 where parts[1] == "i" || parts[1] == "g":
                    let total = placementTotal(m, current: parts[1] == "i")
                    return IRColumn(id: id, population: p, cell: cell, probe: .mechanism(placement: pl, instance: 0, value: total.value), siScale: total.siScale)
                default:
                    guard parts[1] == m.name, let (value, scale) = channelValue(m, Array(parts[2...]), single: singleConductance(m.name)) else { break }
                    return IRColumn(id: id, population: p, cell: cell, probe: value.probe(placement: pl, instance: 0), siScale: scale)
                }
            }
            if let g = dynamics {
                let syn = model.synapses[model.synapseGroups[g].synapse]
                return fail("cell type '\(ct.name)' has no variable '\(path)' (recordable: \(Set(ct.hasMembranePotential ? ["v"] : []).union(syn.exposures.keys).sorted().joined(separator: ", ")))")
            }
            // Its iSyn (the other exposure: in jLEMS the current of everything attached to the
            // cell's synapses, inputs included): the current (nA, inward positive) of every synapse,
            // continuous connection and input at the compartment.
            if parts == ["iSyn"] {
                var terms: [IRProbe] = []
                for (gi, g) in model.synapseGroups.enumerated() {
                    let here = g.instances.indices.filter { g.instances[$0].population == p && g.instances[$0].cell == cell && g.instances[$0].node == node }
                    guard !here.isEmpty else { continue }
                    guard model.synapses[g.synapse].exposures["i"]?.siScale == Dimension.current.internalScale else {
                        return fail("synapse '\(model.synapses[g.synapse].name)' on the cell has no current i to add to iSyn")
                    }
                    terms += here.map { .synapse(group: gi, instance: $0, quantity: "i") }
                }
                let injected = model.stimuli.indices.filter { model.stimuli[$0].population == p && model.stimuli[$0].cell == cell && model.stimuli[$0].node == node }
                if !injected.isEmpty { terms.append(.stimulus(indices: injected)) }
                return IRColumn(id: id, population: p, cell: cell, probe: .sum(terms), siScale: Dimension.current.internalScale)
            }
            // A membrane path names the cell's biophysics by id (pop[i]/BIO/membraneProperties/...).
            if parts.count >= 2, ["membraneProperties", "intracellularProperties", "totSpecCap"].contains(parts[1]),
               let known = biophysicsIds(), !known.contains(parts[0]) {
                return fail(about: parts[0], "cell type '\(ct.name)' has no biophysicalProperties '\(parts[0])'; a path names it '\(known.sorted().joined(separator: "' or '"))'")
            }
            if let found = membraneColumn(id, parts: parts, population: p, cell: cell, node: node, segment: segment, model: model,
                                          singleConductance: singleConductance, isPopulation: { ctx.channelPopulations.contains([ct.origin, $0]) },
                                          fail: { fail(about: $0, $1) }) {
                return found
            }
            // <synapse id>/<quantity> of a synapse that no connection attaches to this cell.
            if parts.count >= 2, let el = ctx.byId[parts[0]],
               model.synapses.contains(where: { $0.name == parts[0] }) || SynapseLowering.standardKinds.contains(el.name) || SynapseLowering.isCoreSynapse(el.name, ctx: ctx) {
                if ctx.connectionLost(parts[0]) { return nil }  // the lost connection's error is reported
                return fail("no connection attaches synapse '\(parts[0])' to cell \(cell) of '\(popName)'")
            }
            return fail("'\(parts.joined(separator: "/"))' is not a recordable variable of cell type '\(ct.name)'")
        }
    }
}
