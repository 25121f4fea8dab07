import BRCDiagnostics
import BRCIR
import Foundation

/// Turns a morphology into NEURON's compartment tree. Sections are the unbranched cables of the
/// model (segment groups marked `neuroLexId="sao864921383"`; every other segment is a section
/// of its own); each section of length L is cut into nseg (`numberInternalDivisions`) equal
/// compartments with a node at each centre, plus zero-area nodes at the section ends. Areas
/// are lateral frustum areas integrated over each compartment; the axial conductance between
/// neighbouring nodes is the inverse of the two half-compartment resistances in series
/// (4 Ra l / (pi d1 d2) per linearly tapered piece), NEURON's `nrn_area_ri` rule.
struct Discretization {
    var nodes: [IRNode] = []
    var sections: [IRSection] = []
    var segments: [IRSegment] = []
    /// For each compartment node: the segment containing its centre.
    var nodeSegment: [Int: Int] = [:]
    /// Path length (um) from the root section's 0 end to each compartment's centre, as NEURON's
    /// `distance(x)` measures it from `root(0)`.
    var nodeDistance: [Int: Double] = [:]
    /// Path length (um) from the root's 0 end to each section's 0 and 1 ends, aligned with `sections`.
    var sectionPath: [ClosedRange<Double>] = []

    struct Piece { var start: Double; var length: Double; var d1: Double; var d2: Double; var segment: Int }

    static let cableLexId = "sao864921383"

    /// `cm(seg)` in nF/um2 and `ra(seg)` in internal resistivity units (ohm m) per segment id.
    static func build(_ m: Morphology, cellName: String, cm: (Int) -> Double, ra: (Int) -> Double, ctx: Context,
                      at loc: SourceLocation) -> Discretization? {
        // 1. Sections.
        var sectionOf: [Int: Int] = [:]
        var sectionSegs: [[Int]] = []
        var sectionNames: [String] = []
        for (gid, el) in m.groupElements.sorted(by: { $0.key < $1.key }) where el["neuroLexId"].map(trimmed) == cableLexId {
            let members = m.groups[gid] ?? []
            // A segment in two cables cannot be in both sections (the second was skipped,
            // silently, and its segments became sections of their own: the third audit).
            if let shared = members.sorted().first(where: { sectionOf[$0] != nil }) {
                let other = sectionNames[sectionOf[shared]!]
                ctx.error("BRC-E0312", "segment \(shared) is in two unbranched cables (neuroLexId \(cableLexId)): '\(other)' and '\(gid)'",
                          at: el.location, hint: "mark only one of the groups as a cable, or list each segment in one of them")
                return nil
            }
            // Order along the chain: the first is the one whose parent is outside the group.
            guard let first = members.first(where: { m.segment($0)?.parent.map { !members.contains($0) } ?? true }) else { continue }
            var chain = [first]
            while let next = members.first(where: { m.segment($0)?.parent == chain.last && !chain.contains($0) }) { chain.append(next) }
            // Each member continues its predecessor from its distal end (a member attached
            // partway along it was taken as continuing it: a section 20 um too long, the third audit).
            if let side = chain.dropFirst().first(where: { m.segment($0)!.fractionAlong < 1 }) {
                ctx.error("BRC-E0312", "segment \(side) of unbranched cable '\(gid)' attaches at fractionAlong \(IRPrinter.num(m.segment(side)!.fractionAlong)) of segment \(m.segment(side)!.parent!), not at its end",
                          at: el.location, hint: "a cable's segments continue one another end to end: take segment \(side) out of the group, or attach it at fractionAlong 1")
                return nil
            }
            guard chain.count == members.count else {
                ctx.error("BRC-E0312", "segment group '\(gid)' is marked as an unbranched cable (neuroLexId \(cableLexId)) but its segments do not form a chain",
                          at: el.location, hint: "remove the neuroLexId or list the segments of one unbranched path")
                return nil
            }
            for s in chain { sectionOf[s] = sectionSegs.count }
            sectionSegs.append(chain)
            sectionNames.append(gid)
        }
        for s in m.segments where sectionOf[s.id] == nil {
            sectionOf[s.id] = sectionSegs.count
            sectionSegs.append([s.id])
            sectionNames.append(s.name)
        }
        // 2. Geometry of each section.
        var d = Discretization()
        var pieces: [[Piece]] = []
        var lengths: [Double] = []
        for (k, segs) in sectionSegs.enumerated() {
            var ps: [Piece] = []
            var pos = 0.0
            for id in segs {
                let s = m.segment(id)!
                var len = sqrt(pow(s.distal.x - s.proximal.x, 2) + pow(s.distal.y - s.proximal.y, 2) + pow(s.distal.z - s.proximal.z, 2))
                if len == 0 {
                    guard s.proximal.d == s.distal.d else {
                        ctx.error("BRC-E0313", "segment \(id) has zero length but different end diameters", at: s.element.location,
                                  hint: "give the segment a length, or equal diameters for a spherical compartment")
                        return nil
                    }
                    len = s.distal.d  // a sphere: the cylinder of equal area (length = diameter), as jNeuroML exports it
                }
                ps.append(Piece(start: pos, length: len, d1: s.proximal.d, d2: s.distal.d, segment: id))
                pos += len
            }
            for p in ps { d.segments.append(IRSegment(id: p.segment, name: m.segment(p.segment)!.name, section: k, from: p.start / pos, to: (p.start + p.length) / pos)) }
            pieces.append(ps)
            lengths.append(pos)
            _ = k
        }
        // 3. Section tree: parent section and the fraction where each attaches.
        var parentSection: [Int?] = Array(repeating: nil, count: sectionSegs.count)
        var attachFraction: [Double] = Array(repeating: 1, count: sectionSegs.count)
        for (k, segs) in sectionSegs.enumerated() {
            let first = m.segment(segs[0])!
            guard let p = first.parent else { continue }
            let ps = sectionOf[p]!
            let seg = d.segments.first { $0.id == p }!
            parentSection[k] = ps
            attachFraction[k] = seg.from + first.fractionAlong * (seg.to - seg.from)
        }
        let roots = parentSection.indices.filter { parentSection[$0] == nil }
        guard roots.count == 1 else {
            ctx.error("BRC-E0314", "cell '\(cellName)' has \(roots.count) root segments; a cell must be one connected tree", at: loc,
                      hint: "give every segment but one a <parent>")
            return nil
        }
        // 4. Nodes, depth first from the root section.
        var startNode = Array(repeating: -1, count: sectionSegs.count)
        var endNode = Array(repeating: -1, count: sectionSegs.count)
        var raw: [IRNode] = []
        func resistance(_ k: Int, _ a: Double, _ b: Double) -> Double {
            var r = 0.0
            for p in pieces[k] {
                let lo = max(a, p.start), hi = min(b, p.start + p.length)
                guard hi > lo else { continue }
                let da = p.d1 + (p.d2 - p.d1) * (lo - p.start) / p.length
                let db = p.d1 + (p.d2 - p.d1) * (hi - p.start) / p.length
                r += 4 * ra(p.segment) * (hi - lo) / (Double.pi * da * db)
            }
            return r
        }
        func area(_ k: Int, _ a: Double, _ b: Double) -> Double {
            var s = 0.0
            for p in pieces[k] {
                let lo = max(a, p.start), hi = min(b, p.start + p.length)
                guard hi > lo else { continue }
                let ra = (p.d1 + (p.d2 - p.d1) * (lo - p.start) / p.length) / 2
                let rb = (p.d1 + (p.d2 - p.d1) * (hi - p.start) / p.length) / 2
                s += Double.pi * (ra + rb) * sqrt((ra - rb) * (ra - rb) + (hi - lo) * (hi - lo))
            }
            return s
        }
        func segmentAt(_ k: Int, _ x: Double) -> Int {
            pieces[k].first { x >= $0.start && x <= $0.start + $0.length }?.segment ?? pieces[k].last!.segment
        }
        var sectionNodes: [[Int]] = Array(repeating: [], count: sectionSegs.count)
        var sectionStart = Array(repeating: 0.0, count: sectionSegs.count)
        var buildOrder: [Int] = []
        var childSections = Array(repeating: [Int](), count: sectionSegs.count)
        for (c, p) in parentSection.enumerated() { if let p { childSections[p].append(c) } }
        /// Discretises section k (its parent already is); false after an error.
        func build(_ k: Int) -> Bool {
            buildOrder.append(k)
            let name = sectionNames[k]
            let given = m.property("numberInternalDivisions", for: sectionSegs[k])
            if let other = given.dropFirst().first(where: { $0.0 != given[0].0 }) {
                ctx.error("BRC-E0315", "section '\(name)' is given numberInternalDivisions \(given[0].0) and \(other.0) by groups of the same extent", at: other.1,
                          hint: "give the section one value (the first is at \(given[0].1.shortDescription))")
                return false
            }
            let (nseg, where_) = given.first ?? (1, loc)
            guard nseg >= 1 else {
                ctx.error("BRC-E0315", "section '\(name)' has numberInternalDivisions \(nseg)", at: where_, hint: "give 1 or more compartments")
                return false
            }
            guard raw.count + nseg <= Resources.maximumNodes else {
                ctx.error("BRC-E0315", "cell '\(cellName)' would have more than \(Resources.maximumNodes) compartments (section '\(name)' asks for \(nseg))", at: where_,
                          hint: "use fewer internal divisions; NEURON models rarely need more than a few hundred per section")
                return false
            }
            var attach: Int
            if let p = parentSection[k] {
                let f = attachFraction[k]
                attach = f >= 1 ? endNode[p] : (f <= 0 ? startNode[p] : IRSection(name: "", nodes: sectionNodes[p]).node(at: f))
                // The path length at its start is its attachment node's, as NEURON's distance()
                // measures it: inside the parent, the centre of the compartment holding f.
                sectionStart[k] = f >= 1 ? sectionStart[p] + lengths[p] : (f <= 0 ? sectionStart[p] : d.nodeDistance[attach] ?? sectionStart[p] + f * lengths[p])
            } else {
                raw.append(IRNode(parent: -1, area: 0, cm: 0, gAxial: 0, label: "\(name)(0)"))
                attach = raw.count - 1
            }
            startNode[k] = attach
            let L = lengths[k], lc = L / Double(nseg)
            var prev = attach
            var rRight = 0.0
            for i in 0..<nseg {
                let a = Double(i) * lc, mid = a + lc / 2, b = a + lc
                let rLeft = resistance(k, a, mid)
                let seg = segmentAt(k, mid)
                raw.append(IRNode(parent: prev, area: area(k, a, b), cm: cm(seg), gAxial: 1 / (rLeft + rRight),
                                  label: "\(name)(\(IRPrinter.num((Double(i) + 0.5) / Double(nseg))))"))
                prev = raw.count - 1
                d.nodeSegment[prev] = seg
                d.nodeDistance[prev] = sectionStart[k] + mid
                sectionNodes[k].append(prev)
                rRight = resistance(k, mid, b)
            }
            raw.append(IRNode(parent: prev, area: 0, cm: 0, gAxial: 1 / rRight, label: "\(name)(1)"))
            endNode[k] = raw.count - 1
            return true
        }
        // Depth first from the root, children in index order, with an explicit stack (an
        // unbranched chain of thousands of sections must not recurse thousands deep).
        var pending = [roots[0]]
        while let k = pending.popLast() {
            guard build(k) else { return nil }
            pending += childSections[k].reversed()
        }
        if buildOrder.count < sectionSegs.count {
            let built = Set(buildOrder)
            let lost = sectionSegs.indices.filter { !built.contains($0) }.flatMap { sectionSegs[$0] }.sorted()
            let el = m.segment(lost[0])!.element
            ctx.error("BRC-E0314", "segments \(lost.map(String.init).joined(separator: ", ")) are not connected to the root segment (their parents form a cycle)",
                      at: el.child(named: "parent")?.location ?? el.location, hint: "every segment's chain of parents must end at the root segment")
            return nil
        }
        // 5. Drop zero-area dead ends (they carry no current), re-root, and renumber parents first.
        // (A point placed at one restores it: IRCellType.pointNode.)
        var alive = Array(repeating: true, count: raw.count)
        var childCount = Array(repeating: 0, count: raw.count)
        for n in raw where n.parent >= 0 { childCount[n.parent] += 1 }
        for i in stride(from: raw.count - 1, through: 1, by: -1) where raw[i].area == 0 && childCount[i] == 0 {
            alive[i] = false
            childCount[raw[i].parent] -= 1
        }
        var root = 0
        if raw[0].area == 0 && childCount[0] == 1 {
            alive[0] = false
            root = raw.indices.first { alive[$0] && raw[$0].parent == 0 }!
        }
        var children: [[Int]] = Array(repeating: [], count: raw.count)
        for (i, n) in raw.enumerated() where alive[i] && i != root && n.parent >= 0 { children[n.parent].append(i) }
        var newIndex = Array(repeating: -1, count: raw.count)
        var order: [Int] = []
        var stack = [root]
        while let i = stack.popLast() {
            newIndex[i] = order.count
            order.append(i)
            stack.append(contentsOf: children[i].reversed())
        }
        d.nodes = order.map { i in
            var n = raw[i]
            n.parent = i == root ? -1 : newIndex[n.parent]
            if i == root { n.gAxial = 0 }
            return n
        }
        // Sections in tree order (root first), as the nodes are; a dropped end is kept as a
        // leaf of the compartment beside it (the root's 0 end: of the new root, through the
        // conductance that joined them), for a point placed there to restore it.
        func dropped(_ i: Int) -> IRNode? {
            guard !alive[i] else { return nil }
            var n = raw[i]
            if i == 0 {
                n.parent = newIndex[root]
                n.gAxial = raw[root].gAxial
            } else {
                n.parent = newIndex[n.parent]
            }
            return n
        }
        d.sections = buildOrder.map { k in
            IRSection(name: sectionNames[k], nodes: sectionNodes[k].map { newIndex[$0] },
                      start: alive[startNode[k]] ? newIndex[startNode[k]] : nil, end: alive[endNode[k]] ? newIndex[endNode[k]] : nil,
                      droppedStart: dropped(startNode[k]), droppedEnd: dropped(endNode[k]))
        }
        d.sectionPath = buildOrder.map { sectionStart[$0]...(sectionStart[$0] + lengths[$0]) }
        let position = Dictionary(uniqueKeysWithValues: buildOrder.enumerated().map { ($0.element, $0.offset) })
        for i in d.segments.indices { d.segments[i].section = position[d.segments[i].section]! }
        d.segments.sort { ($0.section, $0.from) < ($1.section, $1.from) }
        d.nodeSegment = Dictionary(uniqueKeysWithValues: d.nodeSegment.map { (newIndex[$0.key], $0.value) })
        d.nodeDistance = Dictionary(uniqueKeysWithValues: d.nodeDistance.map { (newIndex[$0.key], $0.value) })
        return d
    }
}
