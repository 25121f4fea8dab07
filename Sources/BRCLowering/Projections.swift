import BRCDiagnostics
import BRCIR
import BRCSyntax
import BRCUnits

/// Lowers synaptic connections: NeuroML `<projection>` with explicit `<connection>` /
/// `<connectionWD>` children, and LEMS-style `<synapticConnection>`. Each connection gets its
/// own synapse instance on the post-synaptic node (as NEURON's export creates one point
/// process per connection); spikes are detected once per pre-synaptic (cell, node).
struct ProjectionLowering {
    let ctx: Context
    var popIndex: [String: Int]
    /// Populations of spike generators, by name.
    var genIndex: [String: Int] = [:]
    var synapseIndex: [String: (Int, [Double])] = [:]
    var failedSynapses: Set<String> = []
    /// Synapse groups by synapse type and post-synaptic cell type.
    var groupIndex: [GroupKey: Int] = [:]
    /// Spike sources by cell (population, cell, node), or generator (population, cell, -1).
    var sourceIndex: [SourceKey: Int] = [:]
    struct GroupKey: Hashable { var synapse: Int, cellType: Int }
    struct SourceKey: Hashable { var population: Int, cell: Int, node: Int }
    /// Generator populations whose existing spike sources `sourceIndex` holds.
    var indexedGenerators: Set<Int> = []

    init(ctx: Context, popIndex: [String: Int]) {
        self.ctx = ctx
        self.popIndex = popIndex
    }

    /// The synapse named by attribute `a`, lowered once.
    mutating func synapse(_ a: Attribute, model: inout IRModel) -> (Int, [Double])? {
        if let s = synapseIndex[a.value] { return s }
        if failedSynapses.contains(a.value) { return nil }
        guard let el = ctx.byId[a.value] else {
            ctx.undefined(a.value, "BRC-E0107", "synapse '\(a.value)' is not defined", at: a.location,
                      hint: "define it, e.g. <expTwoSynapse id=\"\(a.value)\" .../> or a component of a synapse ComponentType")
            failedSynapses.insert(a.value)
            return nil
        }
        if let def = ctx.type(of: el), SynapseLowering.isContinuous(def, ctx: ctx) {
            ctx.error("BRC-E0103", "not supported: <\(el.name)> (id \"\(a.value)\") on a spiking connection: it couples potentials continuously",
                      at: el.location, hint: "connect it with an <electricalProjection> (gap junctions) or a <continuousProjection>")
            failedSynapses.insert(a.value)
            return nil
        }
        guard let low = SynapseLowering.lower(el, ctx: ctx) else { failedSynapses.insert(a.value); ctx.rejected.insert(a.value); return nil }
        synapseIndex[a.value] = (model.synapses.count, low.values)
        model.synapses.append(low.synapse)
        return synapseIndex[a.value]
    }

    /// Adds one connection; `pre`/`post` are (population, cell, node).
    mutating func connect(pre: (Int, Int, Int), post: (Int, Int, Int), synapse: (Int, [Double]), weight: Double, delay: Double,
                          projection: Int, maskDraw: Double? = nil, model: inout IRModel) {
        connect(source: cellSource(pre.0, cell: pre.1, node: pre.2, model: &model), post: post, synapse: synapse, weight: weight, delay: delay,
                projection: projection, maskDraw: maskDraw, model: &model)
    }

    /// The spike source of `cell` of population `population`, detected at `node` (made on
    /// first use).
    mutating func cellSource(_ population: Int, cell: Int, node: Int, model: inout IRModel) -> Int {
        let skey = SourceKey(population: population, cell: cell, node: node)
        if let i = sourceIndex[skey] { return i }
        let s = model.spikeSources.count
        sourceIndex[skey] = s
        let pct = model.cellTypes[model.populations[population].cellType]
        model.spikeSources.append(IRSpikeSource(population: population, cell: cell, node: node, threshold: pct.spikeThreshold))
        return s
    }

    /// The spike source of generator `cell` of generator population `gp`.
    mutating func generatorSource(_ gp: Int, cell: Int, model: inout IRModel) -> Int {
        let key = SourceKey(population: gp, cell: cell, node: -1)  // (-1: not a node)
        // The population's existing sources, read once (a lookup per cell read them all each
        // time: quadratic in a generator population's size).
        if indexedGenerators.insert(gp).inserted {
            for (i, s) in model.spikeSources.enumerated().reversed() where s.generator != nil && s.population == gp { sourceIndex[SourceKey(population: gp, cell: s.cell, node: -1)] = i }
        }
        if let s = sourceIndex[key] { return s }
        let s = model.addGeneratorSource(population: gp, cell: cell)
        sourceIndex[key] = s
        return s
    }

    /// Adds one connection from spike source `s` to a new synapse instance on `post`.
    mutating func connect(source s: Int, post: (Int, Int, Int), synapse: (Int, [Double]), weight: Double, delay: Double,
                          projection: Int, maskDraw: Double? = nil, model: inout IRModel) {
        let ct = model.populations[post.0].cellType
        let gkey = GroupKey(synapse: synapse.0, cellType: ct)
        let g: Int
        if let i = groupIndex[gkey] { g = i } else {
            g = model.synapseGroups.count
            groupIndex[gkey] = g
            model.synapseGroups.append(IRSynapseGroup(label: "\(model.synapses[synapse.0].name) on \(model.cellTypes[ct].name)",
                                                      synapse: synapse.0, cellType: ct, instances: []))
        }
        model.synapseGroups[g].instances.append(.init(population: post.0, cell: post.1, node: post.2, values: synapse.1))
        var connection = IRConnection(source: s, group: g, instance: model.synapseGroups[g].instances.count - 1,
                                      weight: weight, delay: delay, projection: projection)
        connection.maskDraw = maskDraw
        model.connections.append(connection)
    }

    mutating func lowerProjection(_ p: Element, model: inout IRModel) {
        ctx.checkAttributes(p, required: ["id", "presynapticPopulation", "postsynapticPopulation", "synapse"], optional: ["type"])
        guard let preA = p.attribute("presynapticPopulation"), let postA = p.attribute("postsynapticPopulation"),
              let synA = p.attribute("synapse") else { return }
        if let gp = genIndex[preA.value] {
            lowerGeneratorProjection(p, generator: gp, postA: postA, synA: synA, model: &model)
            return
        }
        guard let prePop = population(preA), let postPop = population(postA) else { return }
        guard let syn = synapse(synA, model: &model) else { return }
        let projection = model.addProjection(p.id ?? "projection\(model.projections.count)", synapse: syn.0, values: syn.1)
        let preCT = model.cellTypes[model.populations[prePop].cellType], postCT = model.cellTypes[model.populations[postPop].cellType]
        guard SynapseLowering.fitsPotential(model.synapses[syn.0], on: postCT, at: synA.location, ctx: ctx) else { return }
        for c in p.children {
            switch c.name {
            case "connection", "connectionWD":
                let wd = c.name == "connectionWD"
                ctx.checkAttributes(c, required: ["preCellId", "postCellId"] + (wd ? ["weight", "delay"] : []),
                                    optional: ["id", "preSegmentId", "preFractionAlong", "postSegmentId", "postFractionAlong"])
                guard let preC = c.attribute("preCellId"), let postC = c.attribute("postCellId") else { continue }
                // A cell of a population of spike generators is not in this projection's populations.
                if let other = [preC, postC].first(where: { genIndex[CellPath($0.value).population] != nil }) {
                    ctx.error("BRC-E0701", "connection \(c.id ?? "") does not join the projection's populations: its \(other.name) names a cell of '\(CellPath(other.value).population)'",
                              at: other.location, hint: "preCellId must be in '\(preA.value)' and postCellId in '\(postA.value)'")
                    continue
                }
                guard let (pp, pc) = NetworkLowering.target(preC, popIndex: popIndex, model: model, ctx: ctx),
                      let (qp, qc) = NetworkLowering.target(postC, popIndex: popIndex, model: model, ctx: ctx) else { continue }
                guard pp == prePop, qp == postPop else {
                    ctx.error("BRC-E0701", "connection \(c.id ?? "") does not join the projection's populations", at: c.location,
                              hint: "preCellId must be in '\(preA.value)' and postCellId in '\(postA.value)'")
                    continue
                }
                let preSeg = c.attribute("preSegmentId") != nil ? ctx.integer(c, "preSegmentId") : nil
                let postSeg = c.attribute("postSegmentId") != nil ? ctx.integer(c, "postSegmentId") : nil
                let preFraction = fraction(c, "preFractionAlong"), postFraction = fraction(c, "postFractionAlong")
                guard let preNode = ctx.pointNode(&model, cellType: model.populations[prePop].cellType, segment: preSeg, fraction: preFraction, default: preCT.spikeNode,
                                                  at: c.attribute("preSegmentId")?.location ?? c.location),
                      let postNode = ctx.pointNode(&model, cellType: model.populations[postPop].cellType, segment: postSeg, fraction: postFraction, default: postCT.spikeNode,
                                                   at: c.attribute("postSegmentId")?.location ?? c.location)
                else { continue }
                let weight = wd ? ctx.number(c, "weight") : 1
                guard let weight, let delay = ctx.delay(c) else { continue }
                connect(pre: (pp, pc, preNode), post: (qp, qc, postNode), synapse: syn, weight: weight, delay: delay,
                        projection: projection, model: &model)
            case _ where c.isMetadata: continue
            default:
                if c.namespace == NetworkLowering.brcNamespace {
                    Generators.lower(c, projection: projection, pre: .cells(prePop), post: postPop, synapse: syn, lowering: &self, model: &model)
                } else {
                    ctx.unsupported(c, in: "projection", supported: ["connection", "connectionWD"] + Generators.elements)
                }
            }
        }
    }

    /// A projection whose pre-synaptic population is made of spike generators: explicit
    /// connections (`preCellId="../gen[0]"`) or any `brc` connectivity generator (`Generators`).
    mutating func lowerGeneratorProjection(_ p: Element, generator gp: Int, postA: Attribute, synA: Attribute, model: inout IRModel) {
        guard let postPop = population(postA), let syn = synapse(synA, model: &model) else { return }
        let projection = model.addProjection(p.id ?? "projection\(model.projections.count)", synapse: syn.0, values: syn.1)
        let postCT = model.cellTypes[model.populations[postPop].cellType]
        guard SynapseLowering.fitsPotential(model.synapses[syn.0], on: postCT, at: synA.location, ctx: ctx) else { return }
        for c in p.children {
            switch (c.name, c.namespace == NetworkLowering.brcNamespace) {
            case ("connection", false), ("connectionWD", false):
                let wd = c.name == "connectionWD"
                ctx.checkAttributes(c, required: ["preCellId", "postCellId"] + (wd ? ["weight", "delay"] : []),
                                    optional: ["id", "preSegmentId", "preFractionAlong", "postSegmentId", "postFractionAlong"])
                guard let preC = c.attribute("preCellId"), let postC = c.attribute("postCellId") else { continue }
                guard CellPath(preC.value).population == model.generatorPopulations[gp].name else {
                    // (A cell of another population was dropped silently; jLEMS wires it, jNeuroML's export uses the projection's.)
                    ctx.error("BRC-E0701", "connection \(c.id ?? "") does not join the projection's populations: its preCellId names a cell of '\(CellPath(preC.value).population)'",
                              at: preC.location, hint: "preCellId must be in '\(model.generatorPopulations[gp].name)' and postCellId in '\(postA.value)'")
                    continue
                }
                // A spike source has no segments: its side's position is checked as a cell's
                // (it was accepted unread, "banana" too) and places nothing.
                if c.attribute("preSegmentId") != nil, ctx.integer(c, "preSegmentId") == nil { continue }
                if c.attribute("preFractionAlong") != nil, fraction(c, "preFractionAlong") == nil { continue }
                guard let (_, gc) = generatorTarget(preC, model: model),
                      let (qp, qc) = NetworkLowering.target(postC, popIndex: popIndex, model: model, ctx: ctx) else { continue }
                guard qp == postPop else {
                    ctx.error("BRC-E0701", "connection \(c.id ?? "") does not join the projection's populations: its postCellId names a cell of '\(model.populations[qp].name)'",
                              at: postC.location, hint: "preCellId must be in '\(model.generatorPopulations[gp].name)' and postCellId in '\(postA.value)'")
                    continue
                }
                let postSeg = c.attribute("postSegmentId") != nil ? ctx.integer(c, "postSegmentId") : nil
                let postFraction = fraction(c, "postFractionAlong")
                guard let node = ctx.pointNode(&model, cellType: model.populations[postPop].cellType, segment: postSeg, fraction: postFraction, default: postCT.spikeNode,
                                               at: c.location) else { continue }
                let weight = wd ? ctx.number(c, "weight") : 1
                guard let weight, let delay = ctx.delay(c) else { continue }
                connect(source: generatorSource(gp, cell: gc, model: &model), post: (qp, qc, node), synapse: syn, weight: weight, delay: delay,
                        projection: projection, model: &model)
            case _ where c.isMetadata: continue
            case (_, true):
                Generators.lower(c, projection: projection, pre: .generators(gp), post: postPop, synapse: syn, lowering: &self, model: &model)
            default:
                ctx.unsupported(c, in: "projection from spike generators", supported: ["connection", "connectionWD"] + Generators.elements)
            }
        }
    }

    /// LEMS-style `<synapticConnection from="pop[0]" to="pop[1]" synapse="syn"/>`, from a cell
    /// or a spike generator, spike-detection compartment to spike-detection compartment.
    mutating func lowerSynapticConnection(_ c: Element, model: inout IRModel) {
        // synapticConnectionWD: the same with a required weight and delay.
        let wd = c.name == "synapticConnectionWD"
        ctx.checkAttributes(c, required: ["from", "to", "synapse"] + (wd ? ["weight", "delay"] : []), optional: ["destination"] + (wd ? [] : ["delay", "weight"]))
        guard let from = c.attribute("from"), let to = c.attribute("to"), let synA = c.attribute("synapse") else { return }
        let generator = generatorTarget(from, model: model)
        let pre = generator == nil ? NetworkLowering.target(from, popIndex: popIndex, model: model, ctx: ctx) : nil
        guard generator != nil || pre != nil, let (qp, qc) = NetworkLowering.target(to, popIndex: popIndex, model: model, ctx: ctx),
              let syn = synapse(synA, model: &model) else { return }
        let delay = ctx.delay(c)
        let weight = c.attribute("weight") != nil ? ctx.number(c, "weight") : 1
        guard let delay, let weight else { return }
        let projection = model.addProjection("\(from.value)->\(to.value)", synapse: syn.0, values: syn.1)
        let post = (qp, qc, model.cellTypes[model.populations[qp].cellType].spikeNode)
        if let (gp, gc) = generator {
            connect(source: generatorSource(gp, cell: gc, model: &model), post: post, synapse: syn, weight: weight, delay: delay,
                    projection: projection, model: &model)
        } else if let (pp, pc) = pre {
            connect(pre: (pp, pc, model.cellTypes[model.populations[pp].cellType].spikeNode), post: post, synapse: syn,
                    weight: weight, delay: delay, projection: projection, model: &model)
        }
    }

    /// `gen[3]` or `gen/3/...` naming a generator population, with the index checked.
    func generatorTarget(_ a: Attribute, model: IRModel) -> (Int, Int)? {
        let name = CellPath(a.value).population
        guard let gp = model.generatorPopulations.firstIndex(where: { $0.name == name }) else { return nil }
        return NetworkLowering.target(a, popIndex: [name: gp], size: { model.generatorPopulations[$0].size }, ctx: ctx)
    }

    func population(_ a: Attribute) -> Int? {
        guard let p = popIndex[a.value] else {
            ctx.undefined(a.value, "BRC-E0107", "population '\(a.value)' is not defined", at: a.location,
                      listing: "populations", popIndex.keys.sorted())
            return nil
        }
        return p
    }

    /// The fraction `name` of `c`, nil where it is absent (or wrong: reported).
    func fraction(_ c: Element, _ name: String) -> Double? { c.attribute(name) == nil ? nil : ctx.fraction(c, name, absent: 0.5) }
}
