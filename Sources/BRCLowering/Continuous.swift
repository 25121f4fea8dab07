import BRCDiagnostics
import BRCIR
import BRCSyntax

/// `<electricalProjection>` (gap junctions) and `<continuousProjection>` (graded synapses):
/// each connection puts one component on each side (the same gap junction on both, or the
/// pre- and post-components), compiled from its ComponentType (a type with a `peer`
/// InstanceRequirement, see `SynapseLowering.custom`), whose `vpeer` parameter the runtime
/// keeps equal to the other side's potential (`IRModel.peerLinks`), as NEURON's POINTERs do in
/// jNeuroML's export. Unlike spikes, nothing is delayed.
enum ContinuousLowering {
    static let connectionKinds: [String: (continuous: Bool, weighted: Bool, instance: Bool)] = [
        "electricalConnection": (false, false, false), "electricalConnectionInstance": (false, false, true),
        "electricalConnectionInstanceW": (false, true, true),
        "continuousConnection": (true, false, false), "continuousConnectionInstance": (true, false, true),
        "continuousConnectionInstanceW": (true, true, true),
    ]

    static func lower(_ p: Element, popIndex: [String: Int], model: inout IRModel, ctx: Context) {
        let continuous = p.name == "continuousProjection"
        ctx.checkAttributes(p, required: ["id", "presynapticPopulation", "postsynapticPopulation"])
        guard let preA = p.attribute("presynapticPopulation"), let postA = p.attribute("postsynapticPopulation") else { return }
        guard let preP = popIndex[preA.value] else {
            ctx.undefined(preA.value, "BRC-E0107", "population '\(preA.value)' is not defined", at: preA.location, listing: "populations", popIndex.keys.sorted())
            return
        }
        guard let postP = popIndex[postA.value] else {
            ctx.undefined(postA.value, "BRC-E0107", "population '\(postA.value)' is not defined", at: postA.location, listing: "populations", popIndex.keys.sorted())
            return
        }
        for c in p.children where !c.isMetadata {
            guard let kind = connectionKinds[c.name], kind.continuous == continuous else {
                ctx.unsupported(c, in: p.name, supported: connectionKinds.filter { $0.value.continuous == continuous }.keys.sorted())
                continue
            }
            let components = continuous ? ["preComponent", "postComponent"] : ["synapse"]
            ctx.checkAttributes(c, required: ["id", "preCell", "postCell"] + components + (kind.weighted ? ["weight"] : []),
                                optional: ["preSegment", "preFractionAlong", "postSegment", "postFractionAlong"])
            guard let preC = c.attribute("preCell"), let postC = c.attribute("postCell"),
                  let pre = cell(preC, population: preP, popIndex: popIndex, model: model, ctx: ctx),
                  let post = cell(postC, population: postP, popIndex: popIndex, model: model, ctx: ctx) else { continue }
            guard pre.0 == preP, post.0 == postP else {
                ctx.error("BRC-E0701", "the connection must join populations '\(preA.value)' and '\(postA.value)'", at: c.location, hint: "name cells of the projection's populations")
                continue
            }
            let weight = kind.weighted ? ctx.number(c, "weight") : 1
            guard let weight, let preNode = node(c, "pre", pre, model: &model, ctx: ctx), let postNode = node(c, "post", post, model: &model, ctx: ctx) else { continue }
            // A missing component attribute was reported by checkAttributes above.
            guard let preComp = c.attribute(continuous ? "preComponent" : "synapse"), let postComp = c.attribute(continuous ? "postComponent" : "synapse"),
                  let a = synapse(preComp, model: &model, ctx: ctx), let b = synapse(postComp, model: &model, ctx: ctx),
                  SynapseLowering.fitsPotential(model.synapses[a.synapse], on: model.cellTypes[model.populations[pre.0].cellType], at: preComp.location, ctx: ctx),
                  SynapseLowering.fitsPotential(model.synapses[b.synapse], on: model.cellTypes[model.populations[post.0].cellType], at: postComp.location, ctx: ctx) else { continue }
            guard let readA = peerState(preComp, reads: (post.0, post.1), model: model, ctx: ctx),
                  let readB = peerState(postComp, reads: (pre.0, pre.1), model: model, ctx: ctx) else { continue }
            let ia = place(a, weight: weight, on: (pre.0, pre.1, preNode), model: &model)
            let ib = place(b, weight: weight, on: (post.0, post.1, postNode), model: &model)
            let vpeerA = model.synapses[a.synapse].parameters.count - 1, vpeerB = model.synapses[b.synapse].parameters.count - 1
            model.peerLinks.append(IRPeerLink(group: ia.group, instance: ia.instance, parameter: vpeerA, population: post.0, cell: post.1, node: postNode,
                                              dynamicsState: readA.state))
            model.peerLinks.append(IRPeerLink(group: ib.group, instance: ib.instance, parameter: vpeerB, population: pre.0, cell: pre.1, node: preNode,
                                              dynamicsState: readB.state))
        }
    }

    /// What the component named by `a` reads from its peer on `cell`: its potential (`peer/v`,
    /// state nil), or a state of the cell's LEMS dynamics (`peer/r` of a rate cell). Nil after
    /// an error.
    static func peerState(_ a: Attribute, reads cell: (Int, Int), model: IRModel, ctx: Context) -> PeerValue? {
        guard let el = ctx.byId[a.value], let def = ctx.type(of: el),
              let quantity = SynapseLowering.peerQuantity(def, ctx: ctx), quantity != "v" else { return PeerValue(state: nil) }
        let ct = model.populations[cell.0].cellType
        let states = ctx.dynamicsSynapses[ct].map { model.synapses[$0].states.map(\.name) } ?? []
        guard let s = states.firstIndex(of: quantity) else {
            ctx.error("BRC-E0108", "'\(a.value)' reads peer/\(quantity), but the peer cell (type '\(model.cellTypes[ct].name)') has no state '\(quantity)'", at: a.location,
                      hint: states.isEmpty ? "connect it to a LEMS cell with a StateVariable '\(quantity)'" : "its states: \(states.joined(separator: ", "))")
            return nil
        }
        return PeerValue(state: s)
    }

    /// A peer's value: its compartment's potential (`state` nil) or a state of its dynamics.
    struct PeerValue { var state: Int? }

    /// A cell reference: `../pop/3/cellType`, `pop[3]`, or a plain index into `population`.
    static func cell(_ a: Attribute, population: Int, popIndex: [String: Int], model: IRModel, ctx: Context) -> (Int, Int)? {
        if let i = Int(trimmed(a.value)) {
            let pop = model.populations[population]
            guard let position = NetworkLowering.position(i, in: pop.name, size: pop.size, ctx: ctx) else {
                ctx.error("BRC-E0403", "cell \(i) is not in population '\(pop.name)' (size \(pop.size))", at: a.location,
                          hint: NetworkLowering.cellNames(pop.name, size: pop.size, ctx: ctx))
                return nil
            }
            return (population, position)
        }
        return NetworkLowering.target(a, popIndex: popIndex, model: model, ctx: ctx)
    }

    static func node(_ c: Element, _ side: String, _ cell: (Int, Int), model: inout IRModel, ctx: Context) -> Int? {
        let type = model.populations[cell.0].cellType
        let ct = model.cellTypes[type]
        let seg = c.attribute("\(side)Segment") != nil ? ctx.integer(c, "\(side)Segment") : ct.segments.first!.id
        guard let seg, let frac = ctx.fraction(c, "\(side)FractionAlong", absent: 0.5) else { return nil }
        return ctx.pointNode(&model, cellType: type, segment: seg, fraction: frac, default: ct.spikeNode, at: c.attribute("\(side)Segment")?.location ?? c.location)
    }

    /// The component named by `a`, compiled once.
    static func synapse(_ a: Attribute, model: inout IRModel, ctx: Context) -> (synapse: Int, values: [Double])? {
        guard let el = ctx.byId[a.value] else {
            ctx.undefined(a.value, "BRC-E0107", "component '\(a.value)' is not defined", at: a.location, hint: "define e.g. <gapJunction id=\"\(a.value)\" conductance=\"10pS\"/>")
            return nil
        }
        return ctx.loweredOnce(el, model: &model) {
            guard let def = ctx.type(of: el), SynapseLowering.isContinuous(def, ctx: ctx) else {
                ctx.error("BRC-E0108", "'\(a.value)' is a <\(el.name)>, not a component of a continuous connection", at: a.location,
                          hint: "use a gapJunction, gradedSynapse, linearGradedSynapse or silentSynapse (a type with a peer InstanceRequirement)")
                return nil
            }
            return ctx.reportingCoreErrors(at: el, type: def.name, { SynapseLowering.custom(def, el, ctx: ctx) })
        }
    }

    /// An instance of a synapse (its values, with `weight`) on a compartment.
    static func place(_ s: (synapse: Int, values: [Double]), weight: Double, on target: (Int, Int, Int), model: inout IRModel) -> (group: Int, instance: Int) {
        var values = s.values
        values[values.count - 2] = weight
        return model.addSynapseInstance(.init(population: target.0, cell: target.1, node: target.2, values: values), synapse: s.synapse)
    }
}
