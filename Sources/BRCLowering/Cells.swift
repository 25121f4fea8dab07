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
                      poolIndex: (Attribute) -> (mechanism: Int, values: [Double])?, variantIndex: (String, String, Attribute) -> Int?,
                      shiftedIndex: (Attribute, Double) -> Int?, mechanisms: () -> [IRMechanism], fixedCalcium: () -> Int,
                      ctx: Context) -> IRCellType? {
        let bioName = el.name == "cell2CaPools" ? "biophysicalProperties2CaPools" : "biophysicalProperties"
        ctx.checkAttributes(el, required: ["id"], optional: ["morphology", bioName, "neuroLexId"])
        let name = el.id ?? "?"
        var morphEl = ctx.once(el.children.filter { $0.name == "morphology" }, in: el)
        var bioEl = ctx.once(el.children.filter { $0.name == bioName }, in: el)
        var misspelt = false  // a misspelt morphology or biophysics is not also missing
        for c in el.children {
            switch c.name {
            case "morphology", bioName: continue
            case _ where c.isMetadata: continue
            default: misspelt = ctx.unsupported(c, in: el.name, supported: ["morphology", bioName]) != nil || misspelt
            }
        }
        for kind in ["morphology", bioName] {
            if let a = el.attribute(kind) {
                // Either the attribute or the nested element: the nested one was dropped silently.
                if let nested = kind == "morphology" ? morphEl : bioEl {
                    ctx.sink.report(Diagnostic("BRC-E0119", .error, "<\(el.name) id=\"\(name)\"> gives both \(kind)=\"\(a.value)\" and a nested <\(kind)>", at: a.location,
                                               hint: "keep one: the attribute names a \(kind) outside the cell", notes: [("the nested one", nested.location)]))
                    return nil
                }
                guard let target = ctx.lookup(a, expecting: [kind], what: kind) else { return nil }
                if kind == "morphology" { morphEl = target } else { bioEl = target }
            }
        }
        guard let morphEl, let bioEl else {
            if misspelt { return nil }
            // A cell nothing simulates may be a morphology alone (NeuroML's own examples are):
            // valid NeuroML, said once; a population of it is the error.
            let missing = [morphEl == nil ? "<morphology>" : nil, bioEl == nil ? "<\(bioName)>" : nil].compactMap { $0 }.joined(separator: " and ")
            if let id = el.id, !ctx.populationComponents.contains(id) {
                ctx.warning("BRC-W0316", "cell '\(name)' has no \(missing), so it cannot be simulated; no population uses it here", at: el.location,
                            hint: "add \(missing) inside the <cell> before a population uses it (see models/cells/pyr4.cell.nml)")
                return nil
            }
            ctx.error("BRC-E0316", "cell '\(name)' has no \(missing): a population of it needs a <morphology> and <\(bioName)> to be simulated", at: el.location,
                      hint: "add \(missing) inside the <cell> (see models/cells/pyr4.cell.nml)")
            return nil
        }
        guard let morph = Morphology.read(morphEl, ctx: ctx) else { return nil }
        guard let bio = Biophysics.read(bioEl, morph: morph, ctx: ctx) else { return nil }
        // Every segment needs a capacitance, (if the cell declares resistivities) a resistivity
        // and (if initial potentials are given per segment group) an initial potential: a
        // segment no segmentGroup covers is an error, not a silent default.
        for (what, groups, needed) in [("specificCapacitance", bio.cmByGroup.map(\.0), true), ("resistivity", bio.raByGroup.map(\.0), bio.hasResistivity),
                                       ("initMembPotential", bio.vInitByGroup.map(\.0), bio.vInitPerGroup(of: morph))] where needed {
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
            ctx.error("BRC-E0319", "cell '\(name)' has \(disc.nodes.filter { $0.area > 0 }.count) compartments (\(disc.nodes.count) nodes) but no <resistivity>", at: bioEl.location,
                      hint: "add <intracellularProperties><resistivity value=\"100 ohm_cm\"/></intracellularProperties>")
            return nil
        }
        /// The nodes with membrane (area > 0) whose segment is one of `members` (a group's):
        /// where a density or a pool of that group is placed.
        func membraneNodes(of members: Set<Int>) -> [Int] {
            disc.nodes.indices.filter { disc.nodes[$0].area > 0 && members.contains(disc.nodeSegment[$0] ?? -1) }
        }
        /// Warns where segments (`site`: a group's, or one) hold no compartment centre (they
        /// cover part of a section): what is placed on them goes nowhere, as in jNeuroML's
        /// export, where NEURON's per-section model has no place for it either.
        func warnPlacedNowhere(_ what: String, on members: Set<Int>, site: String, at location: SourceLocation) {
            guard !members.isEmpty else { return }
            ctx.warning("BRC-W0327", "\(what) on \(site) is placed nowhere: no compartment centre lies in its segments (they cover part of a section)",
                        at: location, hint: "raise the section's numberInternalDivisions until a compartment centre falls in them, or place it on whole sections")
        }
        var placements: [IRPlacement] = []
        for cd in bio.densities {
            // A density whose channel was refused is left out; what records it was reported there.
            guard var mech = mechanismIndex(cd.channel.value, cd.channel) else { ctx.rejected.insert(cd.id); continue }
            // channelDensityVShift: the channel with its rates' vShift set (if they read it).
            if let v = cd.vShift {
                if let shifted = shiftedIndex(cd.channel, v) {
                    mech = shifted
                } else {
                    ctx.warning("BRC-W0315", "vShift of channelDensityVShift '\(cd.id)' has no effect: the rates of channel '\(cd.channel.value)' do not read the Requirement vShift (or it is an ionChannelVShift, whose own vShift they read)",
                                at: cd.channel.location, hint: "declare <Requirement name=\"vShift\" dimension=\"voltage\"/> in the rate ComponentTypes that shift, or use channelDensity")
                }
            }
            // A density's ion other than its channel's species: brcc follows the channel.
            if let declared = cd.declaredIon, let carried = mechanisms()[mech].ion, declared.value != carried {
                ctx.warning("BRC-W0328", "channelDensity '\(cd.id)' says ion '\(declared.value)', but its channel '\(cd.channel.value)' carries '\(carried)': brcc follows the channel (jLEMS follows the density's ion)",
                            at: declared.location, hint: "give ion=\"\(carried)\", the channel's species")
            }
            let kind = cd.population == nil ? "channelDensity" : "channelPopulation"
            let nodes = membraneNodes(of: cd.segments(in: morph))
            if nodes.isEmpty { warnPlacedNowhere("\(kind) '\(cd.id)'", on: cd.segments(in: morph), site: cd.site, at: cd.channel.location); continue }
            let gmax: [Double]
            if let number = cd.population {
                // Its channels spread evenly over the nodes' membrane: `number` channels in all.
                guard let single = PointCellLowering.singleConductance(cd.channel, ctx: ctx) else { return nil }
                let area = nodes.reduce(0) { $0 + disc.nodes[$1].area }
                gmax = nodes.map { _ in number * single / area }
            } else {
                guard let g = cd.gmax(at: nodes, disc: disc, morph: morph, ctx: ctx) else { return nil }
                gmax = g
            }
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
            let nodes = membraneNodes(of: morph.groups[sp.group]!)
            if nodes.isEmpty { warnPlacedNowhere("species '\(sp.id)'", on: morph.groups[sp.group]!, site: "segment group '\(sp.group)'", at: sp.model.location); continue }
            // The species' initial concentrations: the pool's parameters after its own.
            let own = mechanisms().indices.contains(mech) ? Array(mechanisms()[mech].parameters.dropFirst(values.count)) : ["initialConcentration"]
            let species = own.map { $0 == "initialExtConcentration" ? sp.external : sp.initial }
            placements.append(IRPlacement(label: sp.id, mechanism: mech, nodes: nodes, values: nodes.map { _ in values + species }))
        }
        // GHK, GHK2 (calcium) and Nernst channel densities: the current or the reversal from the
        // pool's concentration inside and the species' fixed one outside (a parameter per node).
        let variants = bio.ghk.map { ("channelDensityGHK", $0) } + bio.ghk2.map { ("channelDensityGHK2", $0) } + bio.nernst.map { ("channelDensityNernst", $0) }
        for (kind, cd) in variants {
            guard let mech = variantIndex(kind, cd.ion, cd.channel) else { return nil }
            let nodes = membraneNodes(of: cd.segments(in: morph))
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
            if nodes.isEmpty { warnPlacedNowhere("\(kind) '\(cd.id)'", on: cd.segments(in: morph), site: cd.site, at: cd.channel.location); continue }
            placements.append(IRPlacement(label: cd.id, mechanism: mech, nodes: nodes, values: values))
        }
        // A channel whose rates read the calcium concentration where the cell has no calcium
        // pool reads NEURON's default concentration there (`cai0_ca_ion`, 5e-5 mM): the mod
        // file's `USEION ca READ cai` gives the section a ca ion whose cai nothing changes. A
        // fixed pool at that value, with a warning (jLEMS reads 0 instead).
        let mechs = mechanisms()
        if !mechs.isEmpty {
            let ion = "ca"
            let probe = IRCellType(name: name, origin: "", nodes: disc.nodes, sections: [], segments: [], placements: placements, vInit: 0, spikeThreshold: 0, spikeNode: 0)
            var unpooled: [Int] = []
            for pl in placements where mechs[pl.mechanism].pool == nil && mechs[pl.mechanism].reads.contains(IRMechanism.ionConcentrationName(ion)) {
                let missing = pl.nodes.filter { probe.pool(of: ion, atNode: $0, mechs) == nil }
                if missing.isEmpty { continue }
                let cd = bio.densities.first { $0.id == pl.label }
                ctx.warning("BRC-W0326", "channel '\(mechs[pl.mechanism].name)' reads the \(ion) concentration (caConc) where cell '\(name)' has no \(ion) concentration model: it reads NEURON's default \(PoolLowering.neuronDefaultCalcium) mM there (cai0_ca_ion), as NEURON does for this cell; jLEMS reads 0",
                            at: cd?.channel.location ?? bioEl.location,
                            hint: "to choose the concentration, add <species ion=\"\(ion)\" concentrationModel=... segmentGroup=.../> to intracellularProperties covering channelDensity '\(pl.label)'")
                unpooled += missing.filter { !unpooled.contains($0) }
            }
            if !unpooled.isEmpty {
                let value = PoolLowering.neuronDefaultCalcium / Dimension(l: -3, n: 1).internalScale
                placements.insert(IRPlacement(label: "default_cai", mechanism: fixedCalcium(), nodes: unpooled.sorted(), values: unpooled.map { _ in [value] }), at: 0)
            }
        }
        // The root segment (the one without a parent), wherever the file lists it: the first
        // segment listed was taken, so a file listing the dendrites first detected spikes, and
        // placed default synapses, in a dendrite.
        let rootSeg = (morph.segments.first { $0.parent == nil } ?? morph.segments[0]).id
        let origin = "<cell id=\"\(name)\"> at \(el.location.shortDescription)"
        for cd in bio.densities where cd.population != nil { ctx.channelPopulations.insert([origin, cd.id]) }
        let cell = IRCellType(name: name, origin: origin, nodes: disc.nodes,
                              sections: disc.sections, segments: disc.segments, placements: placements,
                              vInit: bio.vInit, spikeThreshold: bio.spikeThresh, spikeNode: 0)
        var result = cell
        // Initial potentials per segment group (every segment covered: checked above).
        if bio.vInitPerGroup(of: morph) {
            var byNode: [Double] = []
            for (k, node) in disc.nodes.enumerated() {
                // (A node of no segment, a section's zero-area end, takes its parent's.)
                if let seg = disc.nodeSegment[k] { byNode.append(bio.vInit(seg)) } else { byNode.append(node.parent >= 0 ? byNode[node.parent] : bio.vInit) }
            }
            if Set(byNode).count > 1 { result.vInitByNode = byNode }
            result.vInit = byNode[0]
        }
        result.initialGateValue = bio.initialGates
        result.segmentGroups = morph.groups.mapValues { $0.sorted() }
        result.spikeNode = cell.node(segment: rootSeg, fraction: 0.5) ?? 0
        return result
    }
}
