import BRCDiagnostics
import BRCIR
import BRCSyntax
import BRCUnits

/// Lowers NeuroML's `<pointCellCondBased>` (an absolute capacitance `C` and `channelPopulation`s
/// of `number` channels of single-channel conductance `conductance`) to a one-compartment cell
/// type, as NEURON's export does: a single section whose area makes `cm * area = C` at
/// 1 uF/cm2, each population a density `number * conductance / area`. The cable machinery then
/// integrates it exactly as a one-compartment `<cell>`.
enum PointCellLowering {
    /// Specific capacitance of the equivalent compartment (1 uF/cm2 in nF/um2).
    static let cm = 1e-5

    static func lowerCondBased(_ el: Element, mechanismIndex: (String, Attribute) -> Int?, mechanisms: () -> [IRMechanism] = { [] }, ctx: Context) -> IRCellType? {
        ctx.checkAttributes(el, required: ["id", "C", "v0", "thresh"], optional: ["neuroLexId"])
        let name = el.id ?? "?"
        guard let c = ctx.quantity(el, "C", .capacitance, bound: .positive), let v0 = ctx.quantity(el, "v0", .voltage),
              let thresh = ctx.quantity(el, "thresh", .voltage) else { return nil }
        let area = c / cm
        var placements: [IRPlacement] = []
        var ok = true
        for p in el.children {
            switch p.name {
            case "channelPopulation":
                guard ctx.checkAttributes(p, required: ["id", "ionChannel", "number", "erev"], optional: ["ion", "segmentGroup", "segment"]) else { ok = false; continue }
                if let s = p.attribute("segmentGroup") ?? p.attribute("segment") {
                    ctx.error("BRC-E0103", "not supported yet: '\(s.name)' on a channelPopulation of a pointCellCondBased (it has no segments)", at: s.location, hint: "remove it")
                    ok = false
                    continue
                }
                guard let ch = p.attribute("ionChannel"), let number = ctx.number(p, "number"), let erev = ctx.quantity(p, "erev", .voltage) else { ok = false; continue }
                guard number >= 0 else {
                    ctx.error("BRC-E0124", "attribute 'number' of <channelPopulation> is \(number); it must be zero or more", at: p.attribute("number")!.valueLocation, hint: "give a channel count")
                    ok = false
                    continue
                }
                guard let mech = mechanismIndex(ch.value, ch) else { ok = false; continue }
                if mechanisms().indices.contains(mech), mechanisms()[mech].reads.contains(IRMechanism.ionConcentrationName("ca")) {
                    ctx.error("BRC-E0103", "not supported yet: channel '\(ch.value)' reads the calcium concentration (caConc), but a \(el.name) has no calcium pool",
                              at: ch.location, hint: "use a <cell> with a <species ion=\"ca\" .../> in its intracellularProperties")
                    ok = false
                    continue
                }
                guard let chEl = ctx.byId[ch.value], let single = ctx.quantity(chEl, "conductance", .conductance, required: false) else {
                    ctx.error("BRC-E0102", "ion channel '\(ch.value)' has no 'conductance' (the single-channel conductance a channelPopulation multiplies by its number)",
                              at: ch.location, hint: "add conductance=\"10pS\" to the ion channel")
                    ok = false
                    continue
                }
                placements.append(IRPlacement(label: p.id ?? ch.value, mechanism: mech, nodes: [0], values: [[number * single / area, erev]]))
            case "notes", "annotation", "property": continue
            default:
                ctx.unsupported(p, in: el.name, supported: ["channelPopulation"])
                ok = false
            }
        }
        guard ok else { return nil }
        let node = IRNode(parent: -1, area: area, cm: cm, gAxial: 0, label: "\(name)(0.5)")
        return IRCellType(name: name, origin: "<pointCellCondBased id=\"\(name)\"> at \(el.location.shortDescription)", nodes: [node],
                          sections: [IRSection(name: name, nodes: [0])], segments: [IRSegment(id: 0, name: name, section: 0, from: 0, to: 1)],
                          placements: placements, vInit: v0, spikeThreshold: thresh, spikeNode: 0)
    }
}
