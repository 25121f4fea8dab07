import BRCDiagnostics
import BRCSyntax
import BRCUnits

/// `<biophysicalProperties>`: what brcc supports of membrane and intracellular properties.
struct Biophysics {
    /// The elements of `<membraneProperties>` brcc lowers (besides `brc:initialGates`).
    static let membraneElements = ["channelDensity", "channelDensityVShift", "channelPopulation", "channelDensityGHK", "channelDensityGHK2", "channelDensityNernst", "channelDensityNernstCa2", "channelDensityNonUniform",
                                   "channelDensityNonUniformNernst", "channelDensityNonUniformGHK", "specificCapacitance", "initMembPotential", "spikeThresh"]
    /// The elements of `<intracellularProperties>` brcc lowers.
    static let intracellularElements = ["resistivity", "species"]
    /// A channel density: uniform `gmax`, or a `profile` over the cell (`gmax` is then unused),
    /// on segment group `group`, or on the one segment `segment` when that is given.
    struct Density {
        var id: String; var channel: Attribute; var gmax: Double; var erev: Double; var group: String; var ion = "ca"
        var profile: DensityProfile? = nil
        /// channelDensityVShift's vShift (mV).
        var vShift: Double? = nil
        /// A channelDensity's own `ion` attribute (its channel's species decides what it carries).
        var declaredIon: Attribute? = nil
        /// A `<channelDensity segment=>`'s or `<channelPopulation segment=>`'s one segment.
        var segment: Int? = nil
        /// A `<channelPopulation>`'s number of channels (`gmax` is then unused): they are spread
        /// evenly over the membrane of the compartments it is placed on.
        var population: Double? = nil

        /// The segments it is placed on.
        func segments(in morph: Morphology) -> Set<Int> { segment.map { [$0] } ?? morph.groups[group]! }
        /// Where it is placed, for a message: "segment group 'dend'" or "segment 2".
        var site: String { segment.map { "segment \($0)" } ?? "segment group '\(group)'" }

        /// The density at each of `nodes` (internal units) of a density (a population's is
        /// `CellLowering`'s: it needs its channel's single-channel conductance).
        func gmax(at nodes: [Int], disc: Discretization, morph: Morphology, ctx: Context) -> [Double]? {
            precondition(population == nil, "a channelPopulation's density is its number of channels spread over its nodes (CellLowering)")
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
    /// `initMembPotential`s with a segmentGroup, in order (a later one wins where they overlap).
    var vInitByGroup: [(Set<Int>, Double)] = []
    var spikeThresh = 0.0
    /// `<brc:initialGates value=>`: every channel state starts at this value.
    var initialGates: Double?
    var hasResistivity = false

    /// The specific capacitance of segment `seg` (CellLowering checks that every segment has one).
    func cm(_ seg: Int) -> Double {
        guard let c = cmByGroup.last(where: { $0.0.contains(seg) }) else { preconditionFailure("segment \(seg) has no capacitance: CellLowering checks that every one has") }
        return c.1
    }
    /// Whether initial potentials are given per segment group (some `initMembPotential` covers
    /// only part of the cell).
    func vInitPerGroup(of morph: Morphology) -> Bool { vInitByGroup.contains { $0.0.count < morph.segments.count } }
    /// The initial potential of segment `seg`: the last `initMembPotential` covering it, in
    /// the file's order, as NEURON's export sets them (CellLowering checks that one does).
    func vInit(_ seg: Int) -> Double {
        guard let v = vInitByGroup.last(where: { $0.0.contains(seg) }) else { preconditionFailure("segment \(seg) has no initial potential: CellLowering checks that every one has") }
        return v.1
    }
    /// The resistivity of segment `seg`; NaN in a cell that declares none (no axial current).
    func ra(_ seg: Int) -> Double { raByGroup.last { $0.0.contains(seg) }?.1 ?? .nan }

    /// The biophysicalProperties element `el` of a cell of morphology `morph`; nil, with every
    /// error reported, where something in it is wrong or the capacitance or initial potential
    /// is missing.
    static func read(_ el: Element, morph: Morphology, ctx: Context) -> Biophysics? {
        ctx.checkAttributes(el, required: ["id"])
        var reader = Reader(morph: morph, ctx: ctx)
        for part in el.children {
            switch part.name {
            case "membraneProperties", "membraneProperties2CaPools":
                ctx.checkAttributes(part)
                for c in part.children { reader.readMembrane(c) }
            case "intracellularProperties", "intracellularProperties2CaPools":
                ctx.checkAttributes(part)
                for c in part.children { reader.readIntracellular(c) }
            case _ where part.isMetadata: continue
            default:
                let suffix = el.name == "biophysicalProperties2CaPools" ? "2CaPools" : ""
                // Misspelt membrane properties: their capacitance and potential are not also missing.
                if ctx.unsupported(part, in: el.name, supported: ["membraneProperties" + suffix, "intracellularProperties" + suffix]) == "membraneProperties" + suffix {
                    reader.haveCm = true; reader.haveInit = true
                }
                reader.ok = false
            }
        }
        if !reader.haveCm {
            ctx.error("BRC-E0319", "the cell has no <specificCapacitance>", at: el.location, hint: "add <specificCapacitance value=\"1 uF_per_cm2\"/> to membraneProperties")
            reader.ok = false
        }
        if !reader.haveInit {
            ctx.error("BRC-E0319", "the cell has no <initMembPotential>", at: el.location, hint: "add <initMembPotential value=\"-65mV\"/> to membraneProperties")
            reader.ok = false
        }
        reader.b.hasResistivity = reader.haveRa
        return reader.ok ? reader.b : nil
    }

    /// The reading of one biophysicalProperties element into `b`: `ok` turns false at the first
    /// error (each is reported), and what was present is noted for the checks of what is missing.
    private struct Reader {
        let morph: Morphology
        let ctx: Context
        var b = Biophysics()
        var ok = true
        var seen: Set<String> = []
        var haveCm = false, haveRa = false, haveInit = false

        init(morph: Morphology, ctx: Context) { self.morph = morph; self.ctx = ctx }

        /// The segments of the group `e` names (all without `segmentGroup`); nil, reported,
        /// where the morphology has no such group.
        func group(_ e: Element) -> Set<Int>? {
            guard let a = e.attribute("segmentGroup") else { return morph.groups["all"] }
            guard let g = morph.groups[a.value] else {
                ctx.error("BRC-E0310", "segment group '\(a.value)' is not defined in the cell's morphology", at: a.location,
                          hint: ctx.choices("defined groups", morph.groups.keys.sorted(), for: a.value))
                return nil
            }
            return g
        }
        /// The one segment of a channelDensity or channelPopulation that gives `segment` (nil
        /// without it, or after an error), checked against the morphology.
        func segment(_ e: Element) -> Int?? {
            guard let a = e.attribute("segment") else { return .some(nil) }
            if let sg = e.attribute("segmentGroup") {
                ctx.error("BRC-E0101", "<\(e.name)> gives both segment=\"\(a.value)\" and segmentGroup=\"\(sg.value)\"", at: sg.location, hint: "give one of them")
                return nil
            }
            guard let id = ctx.integer(e, "segment") else { return nil }
            guard morph.segment(id) != nil else {
                ctx.error("BRC-E0309", "segment \(id) is not a segment of the cell's morphology", at: a.valueLocation,
                          hint: "the segments are \(morph.segments.prefix(20).map { String($0.id) }.joined(separator: ", "))\(morph.segments.count > 20 ? ", ..." : "")")
                return nil
            }
            return .some(id)
        }
        /// Reports `e` given a second time for the whole cell. A spike threshold is always the
        /// whole cell's (brcc detects spikes at one place): a second one on segmentGroup "all"
        /// silently replaced the first.
        mutating func once(_ e: Element) {
            let threshold = e.name == "spikeThresh"
            if seen.contains(e.name) && (e.attribute("segmentGroup") == nil || threshold) {
                ctx.error("BRC-E0317", "<\(e.name)> is given twice", at: e.location, hint: threshold ? "give the cell one spike threshold" : "give it once (or once per segmentGroup)")
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

        /// A child of membraneProperties: a channel density or population, the capacitance,
        /// the initial potential, the spike threshold, brc:initialGates.
        mutating func readMembrane(_ c: Element) {
            switch c.name {
            case "channelDensity", "channelDensityVShift":
                let isShift = c.name == "channelDensityVShift"
                guard ctx.checkAttributes(c, required: ["id", "ionChannel", "condDensity", "erev"] + (isShift ? ["vShift"] : []), optional: ["segmentGroup", "ion", "segment"]) else { ok = false; return }
                guard let g = ctx.quantity(c, "condDensity", .conductanceDensity, bound: .nonNegative), let e = ctx.quantity(c, "erev", .voltage),
                      let seg = segment(c), seg != nil || group(c) != nil else { ok = false; return }
                let shift = isShift ? ctx.quantity(c, "vShift", .voltage) : nil
                if isShift && shift == nil { ok = false; return }
                b.densities.append(Density(id: c.id!, channel: c.attribute("ionChannel")!, gmax: g, erev: e, group: c["segmentGroup"] ?? "all", vShift: shift,
                                           declaredIon: c.attribute("ion"), segment: seg))
            case "channelPopulation":
                // `number` channels of the ion channel's single-channel conductance,
                // spread over the compartments of its segment group or segment.
                guard ctx.checkAttributes(c, required: ["id", "ionChannel", "number", "erev"], optional: ["segmentGroup", "ion", "segment"]) else { ok = false; return }
                guard let (number, e) = PointCellLowering.populationValues(c, ctx: ctx),
                      let seg = segment(c), seg != nil || group(c) != nil else { ok = false; return }
                b.densities.append(Density(id: c.id!, channel: c.attribute("ionChannel")!, gmax: .nan, erev: e, group: c["segmentGroup"] ?? "all",
                                           declaredIon: c.attribute("ion"), segment: seg, population: number))
            case "channelDensityNernst", "channelDensityNernstCa2":
                // NernstCa2: the reversal of the second calcium pool (ion ca2).
                guard ctx.checkAttributes(c, required: ["id", "ionChannel", "condDensity", "ion"], optional: ["segmentGroup"]) else { ok = false; return }
                if c.name == "channelDensityNernstCa2", let ion = c.attribute("ion"), ion.value != "ca2" {
                    ctx.error("BRC-E0103", "not supported yet: channelDensityNernstCa2 for ion '\(ion.value)' (the core type is the second calcium pool's)", at: ion.location, hint: "use ion=\"ca2\"")
                    ok = false
                    return
                }
                guard let ion = nernstIon(c), let g = ctx.quantity(c, "condDensity", .conductanceDensity, bound: .nonNegative), group(c) != nil else { ok = false; return }
                b.nernst.append(Density(id: c.id!, channel: c.attribute("ionChannel")!, gmax: g, erev: 0, group: c["segmentGroup"] ?? "all", ion: ion))
            case "channelDensityNonUniform", "channelDensityNonUniformNernst", "channelDensityNonUniformGHK":
                // A conductance density (a permeability for GHK) that varies over a segment group.
                let kind = c.name.replacingOccurrences(of: "NonUniform", with: "")
                guard ctx.checkAttributes(c, required: ["id", "ionChannel", "ion"] + (kind == "channelDensity" ? ["erev"] : [])) else { ok = false; return }
                let isGHK = kind == "channelDensityGHK"
                if isGHK, let ion = c.attribute("ion"), ion.value != "ca" {
                    ctx.error("BRC-E0103", "not supported yet: \(c.name) for ion '\(ion.value)' (the core type is calcium's)", at: ion.location, hint: "use ion=\"ca\"")
                    ok = false
                    return
                }
                let erev = kind == "channelDensity" ? ctx.quantity(c, "erev", .voltage) : 0
                let ion = kind == "channelDensityNernst" ? nernstIon(c) : c["ion"]
                guard let erev, let ion,
                      let (g, profile) = DensityProfile.read(c, parameter: isGHK ? "permeability" : "condDensity", dimension: isGHK ? Dimension(l: 1, t: -1) : .conductanceDensity, morph: morph, ctx: ctx)
                else { ok = false; return }
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
                guard ctx.checkAttributes(c, required: ["id", "ionChannel", amount], optional: ["segmentGroup", "ion"]) else { ok = false; return }
                if let ion = c.attribute("ion"), ion.value != "ca" {
                    ctx.error("BRC-E0103", "not supported yet: \(c.name) for ion '\(ion.value)' (the core type is calcium's)", at: ion.location, hint: "use ion=\"ca\"")
                    ok = false
                    return
                }
                guard let p = ctx.quantity(c, amount, isGHK2 ? .conductanceDensity : Dimension(l: 1, t: -1), bound: .nonNegative), group(c) != nil else { ok = false; return }
                let density = Density(id: c.id!, channel: c.attribute("ionChannel")!, gmax: p, erev: 0, group: c["segmentGroup"] ?? "all")
                if isGHK2 { b.ghk2.append(density) } else { b.ghk.append(density) }
            case "specificCapacitance":
                ctx.checkAttributes(c, required: ["value"], optional: ["segmentGroup"])
                haveCm = true  // (present: an invalid value is reported here, not as missing)
                guard let v = ctx.quantity(c, "value", .specificCapacitance, bound: .positive), let g = group(c) else { ok = false; return }
                b.cmByGroup.append((g, v))
            case "initMembPotential", "spikeThresh":
                ctx.checkAttributes(c, required: ["value"], optional: ["segmentGroup"])
                once(c)
                if c.name == "initMembPotential" { haveInit = true }  // (present, as above)
                guard let v = ctx.quantity(c, "value", .voltage) else { ok = false; return }
                if c.name == "initMembPotential" {
                    // Per segment group, as NEURON's export sets each group's sections
                    // (a later one wins where groups overlap); CellLowering checks that
                    // they cover the cell.
                    guard let g = group(c) else { ok = false; return }
                    if c.attribute("segmentGroup") == nil { b.vInit = v }
                    b.vInitByGroup.append((g, v))
                } else {
                    // brcc detects spikes at one place, the middle of the first segment:
                    // a threshold for another group was ignored (the third numerical
                    // audit); jNeuroML refuses it too.
                    if let sg = c.attribute("segmentGroup"), sg.value != "all" {
                        ctx.error("BRC-E0103", "not supported: <spikeThresh> on segmentGroup '\(sg.value)': brcc detects spikes in the middle of the cell's first segment, with one threshold",
                                  at: sg.location, hint: "leave segmentGroup out (or give \"all\"); to detect on an axon, connect from it with preSegmentId/preFractionAlong")
                        ok = false
                        return
                    }
                    b.spikeThresh = v
                }
            case "initialGates" where c.namespace == NetworkLowering.brcNamespace:
                ctx.checkAttributes(c, required: ["value"])
                guard let v = ctx.number(c, "value") else { ok = false; return }
                guard (0...1).contains(v) else {
                    ctx.error("BRC-E0322", "brc:initialGates value=\(v) is not a gate fraction", at: c.attribute("value")!.valueLocation,
                              hint: "gates are fractions between 0 and 1; the study's cells start at 0.2")
                    ok = false
                    return
                }
                b.initialGates = v
            case _ where c.isMetadata: return
            default:
                // A misspelt specificCapacitance or initMembPotential is not also missing.
                switch ctx.unsupported(c, in: "membraneProperties", supported: membraneElements + ["brc:initialGates"]) {
                case "specificCapacitance": haveCm = true
                case "initMembPotential": haveInit = true
                default: break
                }
                ok = false
            }
        }

        /// A child of intracellularProperties: the resistivity or an ion species.
        mutating func readIntracellular(_ c: Element) {
            switch c.name {
            case "resistivity":
                ctx.checkAttributes(c, required: ["value"], optional: ["segmentGroup"])
                guard let v = ctx.quantity(c, "value", .resistivity), let g = group(c) else { ok = false; return }
                guard v > 0 else {
                    ctx.error("BRC-E0318", "resistivity must be positive", at: c.attribute("value")!.location, hint: "e.g. 100 ohm_cm")
                    ok = false
                    return
                }
                b.raByGroup.append((g, v))
                haveRa = true
            case "species":
                guard ctx.checkAttributes(c, required: ["id", "ion", "concentrationModel", "initialConcentration", "initialExtConcentration"], optional: ["segmentGroup"]) else { ok = false; return }
                guard let ci = ctx.quantity(c, "initialConcentration", .concentration, bound: .nonNegative),
                      let co = ctx.quantity(c, "initialExtConcentration", .concentration, bound: .nonNegative), group(c) != nil else { ok = false; return }
                guard let ion = c["ion"], PoolLowering.valence[ion] != nil else {
                    ctx.error("BRC-E0103", "not supported yet: <species> of ion '\(c["ion"] ?? "")' (brcc knows the valence of \(PoolLowering.ionList))",
                              at: c.attribute("ion")!.location, hint: "use one of ion=\(PoolLowering.ionList)")
                    ok = false
                    return
                }
                if b.species.contains(where: { $0.ion == ion && $0.group == (c["segmentGroup"] ?? "all") }) {
                    ctx.error("BRC-E0317", "a second <species> of ion '\(ion)' on segment group '\(c["segmentGroup"] ?? "all")'", at: c.location, hint: "give one species per ion and segment group")
                    ok = false
                    return
                }
                b.species.append(Species(id: c.id!, ion: ion, model: c.attribute("concentrationModel")!, initial: ci, external: co, group: c["segmentGroup"] ?? "all"))
            case _ where c.isMetadata: return
            default:
                ctx.unsupported(c, in: "intracellularProperties", supported: intracellularElements)
                ok = false
            }
        }
    }
}
