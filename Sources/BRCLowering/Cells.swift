import BRCDiagnostics
import BRCIR
import BRCSyntax
import BRCUnits

/// Lowers a NeuroML `<cell>`: morphology to the compartment tree, `biophysicalProperties` to
/// capacitance, axial resistivity, channel placements, initial potential and spike threshold.
/// A `<cell2CaPools>` (two independent calcium pools, ions `ca` and `ca2`) is the same with
/// `biophysicalProperties2CaPools`, whose parts are named `...2CaPools` too.
enum CellLowering {
    static func lower(_ el: Element, mechanismIndex: (String, Attribute) -> Int?,
                      poolIndex: (Attribute) -> (mechanism: Int, values: [Double])? = { _ in nil }, variantIndex: (String, String, Attribute) -> Int? = { _, _, _ in nil },
                      shiftedIndex: (Attribute, Double) -> Int? = { _, _ in nil },
                      mechanisms: () -> [IRMechanism] = { [] },
                      ctx: Context) -> IRCellType? {
        let bioName = el.name == "cell2CaPools" ? "biophysicalProperties2CaPools" : "biophysicalProperties"
        ctx.checkAttributes(el, required: ["id"], optional: ["morphology", bioName, "neuroLexId"])
        let name = el.id ?? "?"
        var morphEl: Element? = nil, bioEl: Element? = nil
        for c in el.children {
            switch c.name {
            case "morphology": morphEl = c
            case bioName: bioEl = c
            case "notes", "annotation", "property": continue
            default: ctx.unsupported(c, in: el.name, supported: ["morphology", bioName])
            }
        }
        for (attr, kind) in [("morphology", "morphology"), (bioName, bioName)] {
            if let a = el.attribute(attr) {
                guard let target = ctx.byId[a.value], target.name == kind else {
                    ctx.error("BRC-E0107", "\(kind) '\(a.value)' is not defined at the top level", at: a.location, hint: "define <\(kind) id=\"\(a.value)\"> in the document, or nest it in the cell")
                    return nil
                }
                if kind == "morphology" { morphEl = target } else { bioEl = target }
            }
        }
        guard let morphEl, let bioEl else {
            ctx.error("BRC-E0316", "cell '\(name)' needs a <morphology> and <\(bioName)>", at: el.location,
                      hint: "add both inside the <cell> (see models/cells/pyr4.cell.nml)")
            return nil
        }
        guard let morph = Morphology.read(morphEl, ctx: ctx) else { return nil }
        guard let bio = Biophysics.read(bioEl, morph: morph, ctx: ctx) else { return nil }
        // Every segment needs a capacitance and (if the cell declares resistivities) a
        // resistivity: a segment no segmentGroup covers is an error, not a silent default.
        for (what, groups, needed) in [("specificCapacitance", bio.cmByGroup.map(\.0), true), ("resistivity", bio.raByGroup.map(\.0), bio.hasResistivity)] where needed {
            let bare = morph.segments.map(\.id).filter { seg in !groups.contains { $0.contains(seg) } }
            guard bare.isEmpty else {
                ctx.error("BRC-E0323", "segment(s) \(bare.prefix(8).map(String.init).joined(separator: ", "))\(bare.count > 8 ? ", ..." : "") of cell '\(name)' have no <\(what)>: no segmentGroup of one covers them",
                          at: bioEl.location, hint: "give <\(what)> without segmentGroup (all segments), or one for a group that includes these segments")
                return nil
            }
        }
        // A search's axial resistivity replaces the cell's own, on every segment.
        let searchedRa = ctx.overrides[.axialResistivity(cell: name)]
        let declared = Set(bio.raByGroup.map(\.1))
        ctx.uniformResistivity[name] = searchedRa ?? (declared.count == 1 ? declared.first : nil)
        guard let disc = Discretization.build(morph, cellName: name, cm: bio.cm, ra: { searchedRa ?? bio.ra($0) }, ctx: ctx, at: el.location) else { return nil }
        // Extreme geometry or resistivity (a diameter of 1e-300 um, a resistivity of 1e300)
        // makes the cable degenerate: say so here rather than as an invalid IR.
        if let bad = disc.nodes.firstIndex(where: { n in n.parent >= 0 && bio.hasResistivity && !(n.gAxial.isFinite && n.gAxial > 0) || !(n.area.isFinite && n.area >= 0) }) {
            ctx.error("BRC-E0324", "cell '\(name)' has a degenerate cable at \(disc.nodes[bad].label): axial conductance \(disc.nodes[bad].gAxial) uS, membrane area \(disc.nodes[bad].area) um2",
                      at: morphEl.location, hint: "check the segment diameters and the resistivity near this position: they are out of any physical range")
            return nil
        }
        if !bio.hasResistivity && disc.nodes.count > 1 {
            ctx.error("BRC-E0319", "cell '\(name)' has \(disc.nodes.count) compartments but no <resistivity>", at: bioEl.location,
                      hint: "add <intracellularProperties><resistivity value=\"100 ohm_cm\"/></intracellularProperties>")
            return nil
        }
        var placements: [IRPlacement] = []
        for cd in bio.densities {
            guard var mech = mechanismIndex(cd.channel.value, cd.channel) else { continue }
            // channelDensityVShift: the channel with its rates' vShift set (if they read it).
            if let v = cd.vShift {
                if let shifted = shiftedIndex(cd.channel, v) {
                    mech = shifted
                } else {
                    ctx.warning("BRC-W0315", "vShift of channelDensityVShift '\(cd.id)' has no effect: the rates of channel '\(cd.channel.value)' do not read the Requirement vShift (or it is an ionChannelVShift, whose own vShift they read)",
                                at: cd.channel.location, hint: "declare <Requirement name=\"vShift\" dimension=\"voltage\"/> in the rate ComponentTypes that shift, or use channelDensity")
                }
            }
            let members = morph.groups[cd.group]!
            let nodes = disc.nodes.indices.filter { disc.nodes[$0].area > 0 && members.contains(disc.nodeSegment[$0] ?? -1) }
            if nodes.isEmpty { continue }
            guard let gmax = cd.gmax(at: nodes, disc: disc, morph: morph, ctx: ctx) else { return nil }
            placements.append(IRPlacement(label: cd.id, mechanism: mech, nodes: nodes, values: gmax.map { [$0, cd.erev] }))
        }
        // Concentration pools (species), placed on the nodes of their segment group.
        for sp in bio.species {
            guard let (mech, values) = poolIndex(sp.model) else { return nil }
            if let modelIon = mechanisms().indices.contains(mech) ? mechanisms()[mech].pool : nil, modelIon != sp.ion {
                ctx.error("BRC-E0325", "species '\(sp.id)' of ion '\(sp.ion)' uses concentration model '\(sp.model.value)', which is a pool of ion '\(modelIon)'",
                          at: sp.model.location, hint: "give the species a concentration model with ion=\"\(sp.ion)\"")
                return nil
            }
            let members = morph.groups[sp.group]!
            let nodes = disc.nodes.indices.filter { disc.nodes[$0].area > 0 && members.contains(disc.nodeSegment[$0] ?? -1) }
            if nodes.isEmpty { continue }
            placements.append(IRPlacement(label: sp.id, mechanism: mech, nodes: nodes, values: nodes.map { _ in values + [sp.initial] }))
        }
        // GHK, GHK2 (calcium) and Nernst channel densities: the current or the reversal from the
        // pool's concentration inside and the species' fixed one outside (a parameter per node).
        let variants = bio.ghk.map { ("channelDensityGHK", $0) } + bio.ghk2.map { ("channelDensityGHK2", $0) } + bio.nernst.map { ("channelDensityNernst", $0) }
        for (kind, cd) in variants {
            guard let mech = variantIndex(kind, cd.ion, cd.channel) else { return nil }
            let members = morph.groups[cd.group]!
            let nodes = disc.nodes.indices.filter { disc.nodes[$0].area > 0 && members.contains(disc.nodeSegment[$0] ?? -1) }
            guard let gmax = cd.gmax(at: nodes, disc: disc, morph: morph, ctx: ctx) else { return nil }
            var values: [[Double]] = []
            for (n, g) in zip(nodes, gmax) {
                guard let sp = bio.species.last(where: { $0.ion == cd.ion && morph.groups[$0.group]!.contains(disc.nodeSegment[n] ?? -1) }) else {
                    ctx.error("BRC-E0103", "not supported yet: \(kind) '\(cd.id)' where cell '\(name)' has no \(cd.ion) species (brcc has no default concentrations)",
                              at: cd.channel.location, hint: "add <species ion=\"\(cd.ion)\" .../> to intracellularProperties covering its segment group")
                    return nil
                }
                values.append([g, cd.erev, sp.external])
            }
            if nodes.isEmpty { continue }
            placements.append(IRPlacement(label: cd.id, mechanism: mech, nodes: nodes, values: values))
        }
        // A channel whose rates read the calcium concentration needs a pool wherever it is.
        let mechs = mechanisms()
        if !mechs.isEmpty {
            for pl in placements where mechs[pl.mechanism].pool == nil {
                for ion in ["ca"] where mechs[pl.mechanism].reads.contains(IRMechanism.ionConcentrationName(ion)) {
                    let probe = IRCellType(name: name, origin: "", nodes: disc.nodes, sections: [], segments: [], placements: placements, vInit: 0, spikeThreshold: 0, spikeNode: 0)
                    if pl.nodes.contains(where: { probe.pool(of: ion, atNode: $0, mechs) == nil }) {
                        let cd = bio.densities.first { $0.id == pl.label }
                        ctx.error("BRC-E0103", "not supported yet: channel '\(mechs[pl.mechanism].name)' reads the \(ion) concentration (caConc) where cell '\(name)' has no \(ion) concentration model",
                                  at: cd?.channel.location ?? bioEl.location,
                                  hint: "add <species ion=\"\(ion)\" concentrationModel=... segmentGroup=.../> to intracellularProperties covering channelDensity '\(pl.label)' (brcc has no fixed default concentration)")
                        return nil
                    }
                }
            }
        }
        let rootSeg = morph.segments[0].id
        let cell = IRCellType(name: name, origin: "<cell id=\"\(name)\"> at \(el.location.shortDescription)", nodes: disc.nodes,
                              sections: disc.sections, segments: disc.segments, placements: placements,
                              vInit: bio.vInit, spikeThreshold: bio.spikeThresh, spikeNode: 0)
        var result = cell
        result.initialGateValue = bio.initialGates
        result.segmentGroups = morph.groups.mapValues { $0.sorted() }
        result.spikeNode = cell.node(segment: rootSeg, fraction: 0.5) ?? 0
        return result
    }
}

/// `<biophysicalProperties>`: what brcc supports of membrane and intracellular properties.
struct Biophysics {
    /// The elements of `<membraneProperties>` brcc lowers (besides `brc:initialGates`).
    static let membraneElements = ["channelDensity", "channelDensityVShift", "channelDensityGHK", "channelDensityGHK2", "channelDensityNernst", "channelDensityNernstCa2", "channelDensityNonUniform",
                                   "channelDensityNonUniformNernst", "channelDensityNonUniformGHK", "specificCapacitance", "initMembPotential", "spikeThresh"]
    /// The elements of `<intracellularProperties>` brcc lowers.
    static let intracellularElements = ["resistivity", "species"]
    /// A channel density: uniform `gmax`, or a `profile` over the cell (`gmax` is then unused).
    struct Density {
        var id: String; var channel: Attribute; var gmax: Double; var erev: Double; var group: String; var ion = "ca"
        var profile: DensityProfile? = nil
        /// channelDensityVShift's vShift (mV).
        var vShift: Double? = nil

        /// The density at each of `nodes` (internal units).
        func gmax(at nodes: [Int], disc: Discretization, morph: Morphology, ctx: Context) -> [Double]? {
            guard let profile else { return nodes.map { _ in gmax } }
            return profile.values(at: nodes, disc: disc, morph: morph, channel: id, ctx: ctx)
        }
    }
    var densities: [Density] = []
    /// `<species>`: a concentration model (`model`, its reference) on a segment group.
    struct Species { var id: String; var ion: String; var model: Attribute; var initial: Double; var external: Double; var group: String }
    var species: [Species] = []
    /// `<channelDensityGHK>`s: `gmax` is the permeability (um/ms).
    var ghk: [Density] = []
    /// `<channelDensityGHK2>`s: `gmax` is the conductance density (uS/um2).
    var ghk2: [Density] = []
    /// `<channelDensityNernst>`s (of any ion with a pool): the reversal follows the pool.
    var nernst: [Density] = []
    var cmByGroup: [(Set<Int>, Double)] = []
    var raByGroup: [(Set<Int>, Double)] = []
    var vInit = -65.0
    var spikeThresh = 0.0
    /// `<brc:initialGates value=>`: every channel state starts at this value.
    var initialGates: Double?
    var hasResistivity = false

    func cm(_ seg: Int) -> Double { cmByGroup.last { $0.0.contains(seg) }?.1 ?? 1e-5 }
    func ra(_ seg: Int) -> Double { raByGroup.last { $0.0.contains(seg) }?.1 ?? .nan }

    static func read(_ el: Element, morph: Morphology, ctx: Context) -> Biophysics? {
        ctx.checkAttributes(el, required: ["id"])
        var b = Biophysics()
        var ok = true
        var seen: Set<String> = []
        func group(_ e: Element) -> Set<Int>? {
            guard let a = e.attribute("segmentGroup") else { return morph.groups["all"] }
            guard let g = morph.groups[a.value] else {
                ctx.error("BRC-E0310", "segment group '\(a.value)' is not defined in the cell's morphology", at: a.location,
                          hint: "defined groups: \(morph.groups.keys.sorted().joined(separator: ", "))")
                return nil
            }
            return g
        }
        func once(_ e: Element) {
            if seen.contains(e.name) && e.attribute("segmentGroup") == nil {
                ctx.error("BRC-E0317", "<\(e.name)> is given twice", at: e.location, hint: "give it once (or once per segmentGroup)")
                ok = false
            }
            seen.insert(e.name)
        }
        /// The ion of a Nernst density, if brcc knows its valence.
        func nernstIon(_ e: Element) -> String? {
            guard let ion = e["ion"], PoolLowering.valence[ion] != nil else {
                ctx.error("BRC-E0103", "not supported yet: \(e.name) for ion '\(e["ion"] ?? "")' (brcc knows the valence of \(PoolLowering.ionList))",
                          at: e.attribute("ion")!.location, hint: "use one of ion=\(PoolLowering.ionList), with a species of that ion")
                return nil
            }
            return ion
        }
        var haveCm = false, haveRa = false, haveInit = false
        for part in el.children {
            switch part.name {
            case "membraneProperties", "membraneProperties2CaPools":
                ctx.checkAttributes(part)
                for c in part.children {
                    switch c.name {
                    case "channelDensity", "channelDensityVShift":
                        let isShift = c.name == "channelDensityVShift"
                        guard ctx.checkAttributes(c, required: ["id", "ionChannel", "condDensity", "erev"] + (isShift ? ["vShift"] : []), optional: ["segmentGroup", "ion", "segment"]) else { ok = false; continue }
                        if c.attribute("segment") != nil {
                            ctx.error("BRC-E0103", "not supported yet: channelDensity on a single segment", at: c.attribute("segment")!.location, hint: "use segmentGroup")
                            ok = false
                            continue
                        }
                        guard let g = ctx.quantity(c, "condDensity", .conductanceDensity), let e = ctx.quantity(c, "erev", .voltage), group(c) != nil else { ok = false; continue }
                        let shift = isShift ? ctx.quantity(c, "vShift", .voltage) : nil
                        if isShift && shift == nil { ok = false; continue }
                        b.densities.append(Density(id: c.id!, channel: c.attribute("ionChannel")!, gmax: g, erev: e, group: c["segmentGroup"] ?? "all", vShift: shift))
                    case "channelDensityNernst", "channelDensityNernstCa2":
                        // NernstCa2: the reversal of the second calcium pool (ion ca2).
                        guard ctx.checkAttributes(c, required: ["id", "ionChannel", "condDensity", "ion"], optional: ["segmentGroup"]) else { ok = false; continue }
                        if c.name == "channelDensityNernstCa2", let ion = c.attribute("ion"), ion.value != "ca2" {
                            ctx.error("BRC-E0103", "not supported yet: channelDensityNernstCa2 for ion '\(ion.value)' (the core type is the second calcium pool's)", at: ion.location, hint: "use ion=\"ca2\"")
                            ok = false
                            continue
                        }
                        guard let ion = nernstIon(c), let g = ctx.quantity(c, "condDensity", .conductanceDensity), group(c) != nil else { ok = false; continue }
                        b.nernst.append(Density(id: c.id!, channel: c.attribute("ionChannel")!, gmax: g, erev: 0, group: c["segmentGroup"] ?? "all", ion: ion))
                    case "channelDensityNonUniform", "channelDensityNonUniformNernst", "channelDensityNonUniformGHK":
                        // A conductance density (a permeability for GHK) that varies over a segment group.
                        let kind = c.name.replacingOccurrences(of: "NonUniform", with: "")
                        guard ctx.checkAttributes(c, required: ["id", "ionChannel", "ion"] + (kind == "channelDensity" ? ["erev"] : [])) else { ok = false; continue }
                        let isGHK = kind == "channelDensityGHK"
                        if isGHK, let ion = c.attribute("ion"), ion.value != "ca" {
                            ctx.error("BRC-E0103", "not supported yet: \(c.name) for ion '\(ion.value)' (the core type is calcium's)", at: ion.location, hint: "use ion=\"ca\"")
                            ok = false
                            continue
                        }
                        let erev = kind == "channelDensity" ? ctx.quantity(c, "erev", .voltage) : 0
                        let ion = kind == "channelDensityNernst" ? nernstIon(c) : c["ion"]
                        guard let erev, let ion,
                              let (g, profile) = DensityProfile.read(c, parameter: isGHK ? "permeability" : "condDensity", dimension: isGHK ? Dimension(l: 1, t: -1) : .conductanceDensity, morph: morph, ctx: ctx)
                        else { ok = false; continue }
                        let density = Density(id: c.id!, channel: c.attribute("ionChannel")!, gmax: .nan, erev: erev, group: g, ion: ion, profile: profile)
                        switch kind {
                        case "channelDensityNernst": b.nernst.append(density)
                        case "channelDensityGHK": b.ghk.append(density)
                        default: b.densities.append(density)
                        }
                    case "channelDensityGHK", "channelDensityGHK2":
                        // GHK: a permeability; GHK2: a conductance density (both calcium's only).
                        let isGHK2 = c.name == "channelDensityGHK2"
                        let amount = isGHK2 ? "condDensity" : "permeability"
                        guard ctx.checkAttributes(c, required: ["id", "ionChannel", amount], optional: ["segmentGroup", "ion"]) else { ok = false; continue }
                        if let ion = c.attribute("ion"), ion.value != "ca" {
                            ctx.error("BRC-E0103", "not supported yet: \(c.name) for ion '\(ion.value)' (the core type is calcium's)", at: ion.location, hint: "use ion=\"ca\"")
                            ok = false
                            continue
                        }
                        guard let p = ctx.quantity(c, amount, isGHK2 ? .conductanceDensity : Dimension(l: 1, t: -1), bound: .nonNegative), group(c) != nil else { ok = false; continue }
                        let density = Density(id: c.id!, channel: c.attribute("ionChannel")!, gmax: p, erev: 0, group: c["segmentGroup"] ?? "all")
                        if isGHK2 { b.ghk2.append(density) } else { b.ghk.append(density) }
                    case "specificCapacitance":
                        ctx.checkAttributes(c, required: ["value"], optional: ["segmentGroup"])
                        guard let v = ctx.quantity(c, "value", .specificCapacitance, bound: .positive), let g = group(c) else { ok = false; continue }
                        b.cmByGroup.append((g, v))
                        haveCm = true
                    case "initMembPotential", "spikeThresh":
                        ctx.checkAttributes(c, required: ["value"], optional: ["segmentGroup"])
                        once(c)
                        guard let v = ctx.quantity(c, "value", .voltage) else { ok = false; continue }
                        if c.name == "initMembPotential" { b.vInit = v; haveInit = true } else { b.spikeThresh = v }
                    case "initialGates" where c.namespace == NetworkLowering.brcNamespace:
                        ctx.checkAttributes(c, required: ["value"])
                        guard let v = ctx.number(c, "value") else { ok = false; continue }
                        guard (0...1).contains(v) else {
                            ctx.error("BRC-E0322", "brc:initialGates value=\(v) is not a gate fraction", at: c.attribute("value")!.valueLocation,
                                      hint: "gates are fractions between 0 and 1; the study's cells start at 0.2")
                            ok = false
                            continue
                        }
                        b.initialGates = v
                    case "notes", "annotation": continue
                    default:
                        ctx.unsupported(c, in: "membraneProperties", supported: membraneElements + ["brc:initialGates"])
                        ok = false
                    }
                }
            case "intracellularProperties", "intracellularProperties2CaPools":
                ctx.checkAttributes(part)
                for c in part.children {
                    switch c.name {
                    case "resistivity":
                        ctx.checkAttributes(c, required: ["value"], optional: ["segmentGroup"])
                        guard let v = ctx.quantity(c, "value", .resistivity), let g = group(c) else { ok = false; continue }
                        guard v > 0 else {
                            ctx.error("BRC-E0318", "resistivity must be positive", at: c.attribute("value")!.location, hint: "e.g. 100 ohm_cm")
                            ok = false
                            continue
                        }
                        b.raByGroup.append((g, v))
                        haveRa = true
                    case "species":
                        guard ctx.checkAttributes(c, required: ["id", "ion", "concentrationModel", "initialConcentration", "initialExtConcentration"], optional: ["segmentGroup"]) else { ok = false; continue }
                        guard let ci = ctx.quantity(c, "initialConcentration", .concentration, bound: .nonNegative),
                              let co = ctx.quantity(c, "initialExtConcentration", .concentration, bound: .nonNegative), group(c) != nil else { ok = false; continue }
                        guard let ion = c["ion"], PoolLowering.valence[ion] != nil else {
                            ctx.error("BRC-E0103", "not supported yet: <species> of ion '\(c["ion"] ?? "")' (brcc knows the valence of \(PoolLowering.ionList))",
                                      at: c.attribute("ion")!.location, hint: "use one of ion=\(PoolLowering.ionList)")
                            ok = false
                            continue
                        }
                        if b.species.contains(where: { $0.ion == ion && $0.group == (c["segmentGroup"] ?? "all") }) {
                            ctx.error("BRC-E0317", "a second <species> of ion '\(ion)' on segment group '\(c["segmentGroup"] ?? "all")'", at: c.location, hint: "give one species per ion and segment group")
                            ok = false
                            continue
                        }
                        b.species.append(Species(id: c.id!, ion: ion, model: c.attribute("concentrationModel")!, initial: ci, external: co, group: c["segmentGroup"] ?? "all"))
                    case "notes", "annotation": continue
                    default:
                        ctx.unsupported(c, in: "intracellularProperties", supported: intracellularElements)
                        ok = false
                    }
                }
            case "notes", "annotation": continue
            default:
                let suffix = el.name == "biophysicalProperties2CaPools" ? "2CaPools" : ""
                ctx.unsupported(part, in: el.name, supported: ["membraneProperties" + suffix, "intracellularProperties" + suffix])
                ok = false
            }
        }
        if !haveCm {
            ctx.error("BRC-E0319", "the cell has no <specificCapacitance>", at: el.location, hint: "add <specificCapacitance value=\"1 uF_per_cm2\"/> to membraneProperties")
            ok = false
        }
        if !haveInit {
            ctx.error("BRC-E0319", "the cell has no <initMembPotential>", at: el.location, hint: "add <initMembPotential value=\"-65mV\"/> to membraneProperties")
            ok = false
        }
        b.hasResistivity = haveRa
        return ok ? b : nil
    }
}
