import BRCDiagnostics
import BRCIR
import BRCSyntax
import Foundation

/// A NeuroML morphology read from `<morphology>`: segments and segment groups.
struct Morphology {
    /// Largest coordinate or diameter accepted (um): a metre; beyond it lengths and areas
    /// lose meaning (and their squares overflow).
    static let maximumCoordinate = 1e6
    /// Deepest chain of segment groups including each other (real cells use a few levels).
    static let maximumGroupNesting = 100
    struct Point { var x, y, z, d: Double }
    struct Segment {
        var id: Int
        var name: String
        var parent: Int?
        var fractionAlong: Double
        var proximal: Point
        var distal: Point
        var element: Element
    }
    var segments: [Segment] = []
    var index: [Int: Int] = [:]
    /// Group id -> member segment ids (resolved), and the group's element.
    var groups: [String: Set<Int>] = [:]
    var groupElements: [String: Element] = [:]
    /// `<inhomogeneousParameter>`s by id: a variable over a segment group's compartments.
    var inhomogeneous: [String: InhomogeneousParameter] = [:]

    /// A variable that varies over a segment group (NeuroML's `inhomogeneousParameter`): the
    /// path length from the root (um), optionally translated to 0 at the group's proximal end
    /// and normalised to 1 at its distal end, as NEURON's `SubsetDomainIterator` computes it
    /// for jNeuroML's export.
    struct InhomogeneousParameter {
        var id: String
        var variable: String
        var group: String
        /// `<proximal translationStart="0"/>`: subtract the group's least path length.
        var translated: Bool
        /// `<distal normalizationEnd="1"/>`: divide by the group's greatest path length (at least 1 um).
        var normalised: Bool
        var element: Element
    }

    func segment(_ id: Int) -> Segment? { index[id].map { segments[$0] } }

    static func read(_ el: Element, ctx: Context) -> Morphology? {
        ctx.checkAttributes(el, required: ["id"])
        var m = Morphology()
        var ok = true
        for c in el.children {
            switch c.name {
            case "segment":
                guard let s = readSegment(c, ctx: ctx) else { ok = false; continue }
                if m.index[s.id] != nil {
                    ctx.error("BRC-E0301", "duplicate segment id \(s.id)", at: c.attribute("id")!.location, hint: "segment ids must be unique within a morphology")
                    ok = false
                    continue
                }
                m.index[s.id] = m.segments.count
                m.segments.append(s)
            case "segmentGroup":
                guard ctx.checkAttributes(c, required: ["id"], optional: ["neuroLexId"]), let gid = c.id else { ok = false; continue }
                if m.groupElements[gid] != nil {
                    ctx.error("BRC-E0302", "duplicate segment group id '\(gid)'", at: c.attribute("id")!.location, hint: "rename one of the groups")
                    ok = false
                }
                m.groupElements[gid] = c
                // The one property brcc reads: a section's compartments, a whole number (checked
                // here, once per group, so that `property` never meets another value).
                for p in c.children where p.name == "property" && p["tag"].map(trimmed) == "numberInternalDivisions" && p.attribute("value") != nil {
                    if ctx.integer(p, "value") == nil { ok = false }
                }
            case _ where c.isMetadata: continue
            default:
                ctx.unsupported(c, in: "morphology", supported: ["segment", "segmentGroup"])
                ok = false
            }
        }
        guard ok else { return nil }
        // Parents must exist; the first segment is the root.
        for s in m.segments {
            if let p = s.parent, m.index[p] == nil {
                ctx.error("BRC-E0303", "segment \(s.id) names parent segment \(p), which does not exist", at: s.element.child(named: "parent")!.location,
                          hint: "known segments: \(m.segments.map { String($0.id) }.joined(separator: ", "))")
                ok = false
            }
        }
        guard ok else { return nil }
        if m.segments.isEmpty {
            ctx.error("BRC-E0304", "the morphology has no segments", at: el.location, hint: "add at least one <segment>")
            return nil
        }
        // Resolve proximal points given implicitly by the parent.
        for i in m.segments.indices where m.segments[i].element.child(named: "proximal") == nil {
            guard let p = m.segments[i].parent.flatMap({ m.segment($0) }) else {
                ctx.error("BRC-E0305", "the root segment \(m.segments[i].id) needs a <proximal> point", at: m.segments[i].element.location,
                          hint: "add <proximal x=\"0\" y=\"0\" z=\"0\" diameter=\"...\"/>")
                return nil
            }
            let f = m.segments[i].fractionAlong
            m.segments[i].proximal = Point(x: p.proximal.x + f * (p.distal.x - p.proximal.x), y: p.proximal.y + f * (p.distal.y - p.proximal.y),
                                           z: p.proximal.z + f * (p.distal.z - p.proximal.z), d: p.proximal.d + f * (p.distal.d - p.proximal.d))
        }
        // Resolve groups (members, includes, paths, subtrees).
        var resolving: Set<String> = []
        for gid in m.groupElements.keys.sorted() {
            guard m.resolve(gid, ctx: ctx, resolving: &resolving) != nil else { return nil }
        }
        if m.groups["all"] == nil { m.groups["all"] = Set(m.segments.map(\.id)) }
        return m
    }

    private static func readSegment(_ c: Element, ctx: Context) -> Segment? {
        guard ctx.checkAttributes(c, required: ["id"], optional: ["name", "neuroLexId"]), let id = ctx.integer(c, "id") else { return nil }
        var parent: Int? = nil
        var fraction = 1.0
        var prox: Point? = nil, dist: Point? = nil
        for p in c.children {
            switch p.name {
            case "parent":
                // (A missing, misspelt or malformed segment is reported; without its parent the
                // segment would be a second root.)
                guard ctx.checkAttributes(p, required: ["segment"], optional: ["fractionAlong"]), let ps = ctx.integer(p, "segment") else { return nil }
                parent = ps
                guard let f = ctx.fraction(p, absent: 1) else { return nil }
                fraction = f
            case "proximal", "distal":
                guard ctx.checkAttributes(p, required: ["x", "y", "z", "diameter"]),
                      let x = ctx.number(p, "x"), let y = ctx.number(p, "y"), let z = ctx.number(p, "z"), let d = ctx.number(p, "diameter") else { return nil }
                guard d > 0 else {
                    ctx.error("BRC-E0307", "segment \(id) has \(p.name) diameter \(d); diameters must be positive", at: p.attribute("diameter")!.location,
                              hint: "give the diameter in um, greater than 0")
                    return nil
                }
                for (name, value) in [("x", x), ("y", y), ("z", z), ("diameter", d)] where abs(value) > Self.maximumCoordinate {
                    ctx.error("BRC-E0320", "segment \(id) has \(p.name) \(name) = \(value) um, beyond \(Int(Self.maximumCoordinate)) um", at: p.attribute(name)!.valueLocation,
                              hint: "morphology coordinates and diameters are in um; a cell spans at most millimetres")
                    return nil
                }
                if p.name == "proximal" { prox = Point(x: x, y: y, z: z, d: d) } else { dist = Point(x: x, y: y, z: z, d: d) }
            case _ where p.isMetadata: continue
            default:
                ctx.unsupported(p, in: "segment", supported: ["parent", "proximal", "distal"])
                return nil
            }
        }
        guard let dist else {
            ctx.error("BRC-E0102", "segment \(id) has no <distal> point", at: c.location, hint: "add <distal x=\"..\" y=\"..\" z=\"..\" diameter=\"..\"/>")
            return nil
        }
        return Segment(id: id, name: c["name"] ?? "seg\(id)", parent: parent, fractionAlong: fraction,
                       proximal: prox ?? dist, distal: dist, element: c)
    }

    @discardableResult
    private mutating func resolve(_ gid: String, ctx: Context, resolving: inout Set<String>) -> Set<Int>? {
        if let g = groups[gid] { return g }
        guard let el = groupElements[gid] else { return nil }
        guard !resolving.contains(gid) else {
            ctx.error("BRC-E0308", "segment group '\(gid)' includes itself", at: el.location, hint: "remove the circular <include>")
            return nil
        }
        resolving.insert(gid)
        defer { resolving.remove(gid) }
        var set: Set<Int> = []
        for c in el.children {
            switch c.name {
            case "member":
                ctx.checkAttributes(c, required: ["segment"])
                guard let s = ctx.integer(c, "segment") else { return nil }
                guard index[s] != nil else {
                    ctx.error("BRC-E0309", "segment group '\(gid)' names segment \(s), which does not exist", at: c.attribute("segment")!.location,
                              hint: "known segments: \(segments.map { String($0.id) }.joined(separator: ", "))")
                    return nil
                }
                set.insert(s)
            case "include":
                ctx.checkAttributes(c, required: ["segmentGroup"])
                guard let a = c.attribute("segmentGroup") else { return nil }
                guard groupElements[a.value] != nil else {
                    ctx.error("BRC-E0310", "segment group '\(a.value)' is not defined", at: a.location,
                              hint: ctx.choices("defined groups", groupElements.keys.sorted(), for: a.value))
                    return nil
                }
                guard resolving.count < Self.maximumGroupNesting else {
                    ctx.error("BRC-E0321", "segment groups include each other more than \(Self.maximumGroupNesting) deep (at '\(gid)')", at: a.location,
                              hint: "list the segments with <member>, or include fewer levels of groups")
                    return nil
                }
                guard let sub = resolve(a.value, ctx: ctx, resolving: &resolving) else { return nil }
                set.formUnion(sub)
            case "path", "subTree":
                ctx.checkAttributes(c)
                let from = c.child(named: "from").flatMap { ctx.integer($0, "segment") }
                let to = c.child(named: "to").flatMap { ctx.integer($0, "segment") }
                for s in [from, to].compactMap({ $0 }) where index[s] == nil {
                    ctx.error("BRC-E0309", "<\(c.name)> in group '\(gid)' names segment \(s), which does not exist", at: c.location, hint: "check the segment ids")
                    return nil
                }
                if c.name == "path", let from, let to {
                    // From `from` out to `to`: `from` must lie on `to`'s way to the root (NeuroML's
                    // path runs proximal to distal). Otherwise the walk reached the root and the
                    // group held the soma but not `from` (found by the third numerical audit).
                    let walk = ancestors(of: to, upTo: from)
                    guard walk.contains(from) else {
                        ctx.error("BRC-E0311", "<path> in group '\(gid)' runs from segment \(from) to segment \(to), but \(from) is not on the way from \(to) to the root",
                                  at: c.location, hint: "a path runs from a segment out to one of its descendants: swap <from> and <to>, or list the segments with <member>")
                        return nil
                    }
                    set.formUnion(walk)
                } else if c.name == "subTree", let from {
                    set.formUnion(descendants(of: from))
                } else if c.name == "subTree", let to {
                    set.formUnion(ancestors(of: to, upTo: nil))
                } else {
                    ctx.error("BRC-E0311", "<\(c.name)> needs \(c.name == "path" ? "<from> and <to>" : "<from> or <to>")", at: c.location, hint: "e.g. <from segment=\"0\"/>")
                    return nil
                }
            case "property":
                ctx.checkAttributes(c, required: ["tag", "value"])
            case "inhomogeneousParameter":
                guard let p = Self.readInhomogeneous(c, group: gid, ctx: ctx) else { return nil }
                guard inhomogeneous[p.id] == nil else {
                    ctx.error("BRC-E0302", "duplicate inhomogeneousParameter id '\(p.id)'", at: c.attribute("id")!.location, hint: "give each inhomogeneousParameter of the morphology its own id")
                    return nil
                }
                inhomogeneous[p.id] = p
            case _ where c.isMetadata: continue
            default:
                ctx.unsupported(c, in: "segmentGroup", supported: ["member", "include", "path", "subTree", "property", "inhomogeneousParameter"])
                return nil
            }
        }
        groups[gid] = set
        return set
    }

    /// Reads `<inhomogeneousParameter>`: the metrics and end treatments NEURON's iterator
    /// implements (the schema's one metric; translation to 0 and normalisation to 1).
    private static func readInhomogeneous(_ c: Element, group: String, ctx: Context) -> InhomogeneousParameter? {
        guard ctx.checkAttributes(c, required: ["id", "variable", "metric"]), let id = c.id, let variable = c.attribute("variable") else { return nil }
        guard NmlId.isValid(variable.value) else {
            ctx.error("BRC-E0122", "'\(variable.value)' is not a valid name for an inhomogeneousParameter's variable", at: variable.valueLocation,
                      hint: "a name is a letter or '_' followed by letters, digits or '_', e.g. p")
            return nil
        }
        let metric = c.attribute("metric")!
        guard metric.value == "Path Length from root" else {
            ctx.error("BRC-E0103", "not supported yet: inhomogeneousParameter metric '\(metric.value)'", at: metric.valueLocation,
                      hint: "NeuroML defines metric=\"Path Length from root\"")
            return nil
        }
        var translated = false, normalised = false
        for e in c.children {
            switch e.name {
            case "proximal", "distal":
                let (attr, wanted) = e.name == "proximal" ? ("translationStart", 0.0) : ("normalizationEnd", 1.0)
                guard ctx.checkAttributes(e, required: [attr]), let v = ctx.number(e, attr) else { return nil }
                guard v == wanted else {
                    ctx.error("BRC-E0103", "not supported yet: <\(e.name) \(attr)=\"\(trimmed(e.attribute(attr)!.value))\"> (NEURON's iterator, which jNeuroML's export uses, implements \(IRPrinter.num(wanted)) only)",
                              at: e.attribute(attr)!.valueLocation, hint: "use \(attr)=\"\(IRPrinter.num(wanted))\", or scale the variable in the inhomogeneousValue's expression")
                    return nil
                }
                if e.name == "proximal" { translated = true } else { normalised = true }
            case _ where e.isMetadata: continue
            default:
                ctx.unsupported(e, in: "inhomogeneousParameter", supported: ["proximal", "distal"])
                return nil
            }
        }
        return InhomogeneousParameter(id: id, variable: variable.value, group: group, translated: translated, normalised: normalised, element: c)
    }

    func ancestors(of id: Int, upTo stop: Int?) -> Set<Int> {
        var out: Set<Int> = []
        var cur: Int? = id
        while let c = cur, !out.contains(c) {
            out.insert(c)
            if c == stop { break }
            cur = segment(c)?.parent
        }
        return out
    }

    func descendants(of id: Int) -> Set<Int> {
        var out: Set<Int> = [id]
        var changed = true
        while changed {
            changed = false
            for s in segments where !out.contains(s.id) {
                if let p = s.parent, out.contains(p) { out.insert(s.id); changed = true }
            }
        }
        return out
    }

    /// The values of the integer property `tag` in the most specific groups containing all of
    /// `segs` (those with the fewest members), each with its location, in the order of the
    /// groups' ids; empty if none has it. (A value that is not a whole number was reported when
    /// the group was read.) Several values are the caller's to compare: the first of a
    /// dictionary's order was taken, so two groups of one extent gave a different count from
    /// run to run.
    func property(_ tag: String, for segs: [Int]) -> [(Int, SourceLocation)] {
        let candidates = groupElements.sorted { $0.key < $1.key }.flatMap { (gid, el) -> [(Int, Int, SourceLocation)] in
            guard let members = groups[gid], Set(segs).isSubset(of: members) else { return [] }
            return el.children.compactMap { p in
                guard p.name == "property", p["tag"].map(trimmed) == tag, let a = p.attribute("value"),
                      let v = Int(trimmed(a.value)) else { return nil }  // (as `ctx.integer` read it: " 4" is 4)
                return (members.count, v, a.location)
            }
        }
        guard let fewest = candidates.map(\.0).min() else { return [] }
        return candidates.filter { $0.0 == fewest }.map { ($0.1, $0.2) }
    }
}
