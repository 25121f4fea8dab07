import BRCIR
import BRCUnits

/// A cell's recordable quantities besides its potential, by the paths jNeuroML uses for the
/// core types' exposures: a `<cell>`'s `iChannels`, `iCa`, `caConc`, `caConcExt`, `spiking`,
/// `surfaceArea`, `totSpecCap`; a channel density's `gDensity`, `iDensity`, `erev`; a
/// channel's `fopen` and `g` and its gates' `q`, `fcond`, `inf`, `tau`, `alpha`, `beta`,
/// `rateScale`; a species' `concentration` and `extConcentration`; a spike input's train and
/// synapse.
extension SimulationLowering {
    /// How a recorded value of a channel is read: one of its states, or an expression of its
    /// parameters, states and locals (`IRProbe.mechanism`).
    enum ChannelValue {
        case state(Int), value(IRExpr)
        /// The probe that reads it at placement `pl`, node index `k`.
        func probe(placement pl: Int, instance k: Int) -> IRProbe {
            switch self {
            case .state(let s): return .state(placement: pl, instance: k, state: s)
            case .value(let e): return .mechanism(placement: pl, instance: k, value: e)
            }
        }
    }

    /// The SI scale of each gate exposure brcc records besides `q`, as the core gate types
    /// expose them (`Channels.xml`): `tau` a time, `alpha` and `beta` rates.
    static let gateExposureScales: [String: Double] = [
        "fcond": 1, "inf": 1, "rateScale": 1, "tau": Dimension.time.internalScale,
        "alpha": 1 / Dimension.time.internalScale, "beta": 1 / Dimension.time.internalScale,
    ]

    /// What channel `m` exposes at `rest`, the path below the channel's id: `fopen` (its
    /// fraction open, the conductance per unit gmax: the product of its gates' conductance
    /// factors and scalings), `GATE/q` (the gate's state; GATE may be `gate/subgate`) and
    /// `GATE/fcond`, `inf`, `tau`, `alpha`, `beta`, `rateScale` (what the gate's lowering
    /// computes under those names: a gate without a rate of that name has none; without q10
    /// settings its rateScale is 1), and `g`, the single-channel conductance `single` (the
    /// channel's `conductance`, internal units) times fopen, as the core ionChannel exposes it.
    /// Nil when the channel has no such value.
    static func channelValue(_ m: IRMechanism, _ rest: [String], single: Double? = nil) -> (ChannelValue, siScale: Double)? {
        func state(_ name: String) -> Int? { m.states.firstIndex { $0.name == name } }
        // A gateFractional's channel keeps its fraction open as a state of that name.
        let fopen = state("fopen").map { _ in IRExpr.ref("fopen") } ?? m.conductance.substituting(["gmax": .const(1)])
        if rest == ["fopen"] { return (state("fopen").map { .state($0) } ?? .value(fopen), 1) }
        if rest == ["g"] {
            return single.map { (.value(.binary(.mul, fopen, .const($0))), Dimension.conductance.internalScale) }
        }
        // A gate's path: its id, or a gateFractional's subgate below it (`b/bb`, the state
        // b_bb), or a kinetic scheme's state as rewritten from `.../<state>/occupancy`.
        guard rest.count >= 2 else { return nil }
        let gate = rest.dropLast().joined(separator: "_"), name = rest[rest.count - 1]
        if name == "q" { return state(gate).map { (.state($0), 1) } }
        guard let scale = gateExposureScales[name] else { return nil }
        let local = gate + "_" + name
        if let s = state(local) { return (.state(s), scale) }
        if m.locals.contains(where: { $0.name == local }) { return (.value(.ref(local)), scale) }
        // A gate without q10 settings has no scaling of its rates: 1, as the core types say.
        if name == "rateScale", state(gate) != nil { return (.value(.const(1)), 1) }
        return nil
    }

    /// What channel `m` exposes, for a diagnostic: `fopen`, `g` if it has a single-channel
    /// conductance, and `GATE/NAME` for each gate that has it.
    static func channelValueNames(_ m: IRMechanism, hasConductance: Bool) -> [String] {
        let gates = m.states.filter {
            switch $0.update { case .exponential, .instantaneous: return true; default: return false }
        }.map(\.name)
        return ["fopen"] + (hasConductance ? ["g"] : []) + gates.flatMap { g in (["q"] + gateExposureScales.keys.sorted()).filter { channelValue(m, [g, $0]) != nil }.map { "\(g)/\($0)" } }
    }

    /// What a placement of channel `m` carries at a node: its current (inward positive) or
    /// its conductance, its density times the node's `area`, and that value's SI scale.
    static func placementTotal(_ m: IRMechanism, current: Bool) -> (value: IRExpr, siScale: Double) {
        (.binary(.mul, current ? m.density(current: true) : m.conductance, .ref("area")), (current ? Dimension.current : Dimension.conductance).internalScale)
    }

    /// A column of a membrane quantity of `cell` of population `p` at `node` (the compartment
    /// `segment`'s middle), `parts` the path below the cell (and its segment), and
    /// `singleConductance` a channel's `conductance` by its id (nil if it gives none), and
    /// `isPopulation` whether a placement's label is a `<channelPopulation>`'s id: nil when the
    /// path is none of these (the caller reports it), else the column, or nil inside after
    /// `fail` reported why the path names nothing.
    static func membraneColumn(_ id: String, parts: [String], population p: Int, cell: Int, node: Int, segment: Int,
                               model: IRModel, singleConductance: (String) -> Double?, isPopulation: (String) -> Bool,
                               fail: (String, String) -> IRColumn?) -> IRColumn?? {
        let ct = model.cellTypes[model.populations[p].cellType]
        func column(_ probe: IRProbe, _ scale: Double) -> IRColumn { IRColumn(id: id, population: p, cell: cell, probe: probe, siScale: scale) }
        /// The current (nA, inward positive) of every channel at the node carrying `ion` (any
        /// channel when nil): NeuroML's iChannels and iCa.
        func channelCurrents(ion: String?) -> IRColumn {
            let terms = ct.placements.indices.compactMap { pl -> IRProbe? in
                let m = model.mechanisms[ct.placements[pl].mechanism]
                guard m.pool == nil, ion == nil || m.ion == ion, let k = ct.placements[pl].nodes.firstIndex(of: node) else { return nil }
                return .mechanism(placement: pl, instance: k, value: placementTotal(m, current: true).value)
            }
            return column(.sum(terms), Dimension.current.internalScale)
        }
        /// The placement labelled `label` of a channel density or (`what` "species") a
        /// species' pool at the node, and the node's index in it. (A density and a species may
        /// share an id, both `ca`, and so may species of several regions: the one here.)
        func placement(_ label: String, _ what: String) -> Result<(Int, Int), Failure> {
            let pools = what == "species"
            let labelled = ct.placements.indices.filter { ct.placements[$0].label == label && (model.mechanisms[ct.placements[$0].mechanism].pool != nil) == pools }
            guard !labelled.isEmpty else {
                return .failure(Failure(about: label, why: "no \(what) '\(label)' on cell type '\(ct.name)'"))
            }
            for pl in labelled {
                if let k = ct.placements[pl].nodes.firstIndex(of: node) { return .success((pl, k)) }
            }
            return .failure(Failure(about: "", why: "\(what) '\(label)' is not present at segment \(segment)"))
        }
        var parts = parts
        // The cell's exposures (Cells.xml's <cell>; totChanCurrent and iCa are also its
        // membraneProperties').
        if parts.count == 3, parts[1] == "membraneProperties", ["totChanCurrent", "iCa", "iCa2"].contains(parts[2]) { parts = [parts[2]] }
        switch parts {
        case ["iChannels"], ["totChanCurrent"]: return channelCurrents(ion: nil)
        case ["iCa"]: return channelCurrents(ion: "ca")
        case ["iCa2"]: return channelCurrents(ion: "ca2")
        case ["spiking"]: return column(.spiking(node: ct.spikeNode, threshold: ct.spikeThreshold), 1)
        // The whole cell's membrane area, as jLEMS sums its segments'; the compartment's
        // specific capacitance (jLEMS's sum of the cell's specificCapacitances, which is that
        // for a cell of one).
        case ["surfaceArea"]: return column(.constant(ct.nodes.reduce(0) { $0 + $1.area }), (Dimension.length * Dimension.length).internalScale)
        case _ where parts.last == "totSpecCap" && (parts.count <= 2 || parts.count == 3 && parts[1] == "membraneProperties"):
            return column(.constant(ct.nodes[node].cm), Dimension.specificCapacitance.internalScale)
        default: break
        }
        // A pool's concentration and its external concentration: pop[i]/caConc and caConcExt
        // (caConc2 and caConcExt2, the second calcium pool of a cell2CaPools; naConc, kConc,
        // naConcExt, ..., brcc's names), also as BIO/intracellularProperties/caConc, or by its
        // species' path BIO/intracellularProperties/SPECIES/concentration (extConcentration).
        let concentration = Dimension.concentration.internalScale
        /// The external concentration of the pool at node index `k` of placement `pl`: its
        /// state of that name (a LEMS pool that changes it), else the species' fixed value.
        func external(_ pl: Int, _ k: Int) -> IRColumn? {
            let m = model.mechanisms[ct.placements[pl].mechanism]
            if let s = m.states.firstIndex(where: { $0.name == "extConcentration" }) { return column(.state(placement: pl, instance: k, state: s), concentration) }
            guard let i = m.parameters.firstIndex(of: "initialExtConcentration") else {
                return fail("", "the \(m.pool ?? "") concentration of cell type '\(ct.name)' is a fixed value with no external concentration")
            }
            return column(.constant(ct.placements[pl].values[k][i]), concentration)
        }
        if parts.count == 3, parts[1] == "intracellularProperties", parts[2].contains("Conc") { parts = [parts[2]] }
        if parts.count == 1 {
            let name = ["caConc2": "ca2Conc", "caConcExt2": "ca2ConcExt"][parts[0]] ?? parts[0]
            let outside = name.hasSuffix("ConcExt")
            let ion = String(name.dropLast(outside ? 7 : 4))
            if outside || name.hasSuffix("Conc"), !ion.isEmpty, let (pl, k) = ct.pool(of: ion, atNode: node, model.mechanisms) {
                return outside ? external(pl, k) : column(.state(placement: pl, instance: k, state: 0), concentration)
            }
        }
        if parts.count == 4, parts[1] == "intracellularProperties" {
            guard parts[3] == "concentration" || parts[3] == "extConcentration" else {
                return fail("", "brcc records a species' concentration and extConcentration, not '\(parts[3])'")
            }
            switch placement(parts[2], "species") {
            case .failure(let f): return fail(f.about, f.why)
            case .success(let (pl, k)):
                return parts[3] == "concentration" ? column(.state(placement: pl, instance: k, state: 0), concentration) : external(pl, k)
            }
        }
        guard parts.count >= 4, parts[1] == "membraneProperties" else { return nil }
        // A channelPopulation's i and g: its whole current (inward positive) and conductance,
        // summed over the compartments its channels are spread on.
        if parts.count == 4, ["i", "g"].contains(parts[3]), isPopulation(parts[2]) {
            let labelled = ct.placements.indices.filter { ct.placements[$0].label == parts[2] }
            guard let first = labelled.first else { return fail(parts[2], "no channelPopulation '\(parts[2])' on cell type '\(ct.name)'") }
            let total = placementTotal(model.mechanisms[ct.placements[first].mechanism], current: parts[3] == "i")
            let terms = labelled.flatMap { q in
                ct.placements[q].nodes.indices.map { IRProbe.mechanism(placement: q, instance: $0, value: total.value) }
            }
            return column(terms.count == 1 ? terms[0] : .sum(terms), total.siScale)
        }
        // BIO/membraneProperties/DENSITY/...: the density's own exposures, then its channel's.
        let (pl, k): (Int, Int)
        switch placement(parts[2], "channelDensity") {
        case .failure(let f): return fail(f.about, f.why)
        case .success(let found): (pl, k) = found
        }
        let m = model.mechanisms[ct.placements[pl].mechanism]
        if parts.count == 4 {
            switch parts[3] {
            case "gDensity", "iDensity":
                let current = parts[3] == "iDensity"
                return column(.density(placement: pl, instance: k, current: current), (current ? Dimension.currentDensity : Dimension.conductanceDensity).internalScale)
            case "erev" where m.current == nil:
                return column(.mechanism(placement: pl, instance: k, value: m.reversal), Dimension.voltage.internalScale)
            default:
                let what = isPopulation(parts[2]) ? "channelPopulation" : "channelDensity"
                return fail("", "\(what) '\(parts[2])' records \(isPopulation(parts[2]) ? "i, g, " : "")gDensity, iDensity\(m.current == nil ? ", erev" : ""), not '\(parts[3])'")
            }
        }
        guard m.name == parts[3] else { return fail(parts[3], "channelDensity '\(parts[2])' holds channel '\(m.name)', not '\(parts[3])'") }
        let single = singleConductance(m.name)
        if parts.count == 5, parts[4] == "g", single == nil {
            return fail("", "channel '\(m.name)' has no 'conductance' (its single-channel conductance: g is conductance x fopen); record the density's gDensity, or give the channel conductance=\"10pS\"")
        }
        guard let (value, scale) = channelValue(m, Array(parts[4...]), single: single) else {
            return fail("", "channel '\(m.name)' has no '\(parts[4...].joined(separator: "/"))' (recordable: \(channelValueNames(m, hasConductance: single != nil).joined(separator: ", ")))")
        }
        return column(value.probe(placement: pl, instance: k), scale)
    }

    /// A column of a spike input (poissonFiringSynapse, transientPoissonFiringSynapse,
    /// timedSynapticInput) on `cell` of population `p`, named by `parts[0]`: its id, or the k-th
    /// of that id as `synapses:<input id>:<k>` (Ex16's Displays). Below it, `tsince` (its
    /// spike train's), `i` or another quantity of its synapse, also as `<synapse id>/<quantity>`.
    /// Nil when no such input is on the cell, else the column or `fail`'s diagnostic.
    static func spikeInputColumn(_ id: String, parts: [String], population p: Int, cell: Int, model: IRModel, fail: (String) -> IRColumn?) -> IRColumn?? {
        guard let first = parts.first else { return nil }
        let bits = first.split(separator: ":").map(String.init)
        let (component, k) = bits.count == 3 && bits[0] == "synapses" ? (bits[1], Int(bits[2]) ?? -1) : (first, 0)
        // (The connections are scanned only for the id of a spike input: most paths name none.)
        guard model.generatorPopulations.contains(where: { $0.spikeInput?.input == component }) else { return nil }
        let mine = model.connections.filter { c in
            let src = model.spikeSources[c.source]
            guard src.generator != nil, model.generatorPopulations[src.population].spikeInput?.input == component else { return false }
            let inst = model.synapseGroups[c.group].instances[c.instance]
            return inst.population == p && inst.cell == cell
        }
        guard !mine.isEmpty else { return nil }
        guard k >= 0, k < mine.count else { return fail("cell \(cell) of '\(model.populations[p].name)' has \(mine.count) input(s) '\(component)'") }
        let c = mine[k], syn = model.synapses[model.synapseGroups[c.group].synapse]
        let rest = Array(parts.dropFirst())
        if rest == ["tsince"] {
            // (A tsince column names the generator population and its cell.)
            return IRColumn(id: id, population: model.spikeSources[c.source].population, cell: 0, probe: .sinceSpike(source: c.source), siScale: Dimension.time.internalScale)
        }
        let quantity = rest.count == 2 && rest[0] == syn.name ? rest[1] : rest.joined(separator: "/")
        let scale = syn.exposures[quantity]?.siScale ?? (syn.states.contains { $0.name == quantity } ? 1 : nil)
        guard let scale, !quantity.isEmpty else {
            let names = syn.exposures.keys.sorted() + syn.states.map(\.name)
            return fail("input '\(component)' records tsince and its synapse '\(syn.name)''s quantities (\(names.joined(separator: ", "))), not '\(rest.joined(separator: "/"))'")
        }
        return IRColumn(id: id, population: p, cell: cell, probe: .synapse(group: c.group, instance: c.instance, quantity: quantity), siScale: scale)
    }

    /// Why a path names nothing, and the name it names wrongly (for "did you mean").
    struct Failure: Error { var about: String; var why: String }
}
