import BRCDiagnostics
import BRCIR
import BRCSyntax
import BRCUnits
import Foundation

/// The `brc` connectivity generators inside a `<projection>` (grammar/brc.xsd): ring lattice
/// (Watts–Strogatz), random with probability p, one-to-one, all-to-all. Every random choice
/// comes from `CounterRandom` keyed by the generator's seed, so a seed reproduces exactly.
enum Generators {
    /// The generators, as `unsupported` lists them.
    static let elements = ["brc:ringLattice", "brc:randomConnectivity", "brc:oneToOne", "brc:allToAll", "brc:matrixConnectivity"]

    /// Random streams of one generator.
    enum Stream: UInt64 { case rewire = 1, rewireTarget = 2, mask = 3, location = 4, pair = 5, candidateMask = 6 }

    /// The pre-synaptic side of a generated projection: a population of cells (their spikes
    /// detected at the spike-detection node) or a population of spike generators.
    enum Presynaptic: Equatable {
        case cells(Int)
        case generators(Int)

        func size(_ model: IRModel) -> Int {
            switch self {
            case .cells(let p): return model.populations[p].size
            case .generators(let p): return model.generatorPopulations[p].size
            }
        }

        func name(_ model: IRModel) -> String {
            switch self {
            case .cells(let p): return model.populations[p].name
            case .generators(let p): return model.generatorPopulations[p].name
            }
        }
    }

    /// Makes the connections that generator `g` (a `brc` child of a projection) draws from
    /// `pre` to cells of population `post`, with `synapse` (its index and parameter values),
    /// as connections of projection `projection`; reports located errors instead.
    static func lower(_ g: Element, projection: Int, pre: Presynaptic, post: Int, synapse: (Int, [Double]),
                      lowering: inout ProjectionLowering, model: inout IRModel) {
        let ctx = lowering.ctx
        let common = ["weight", "delay", "preCells", "postCells", "mask", "maskSeed"]
        // Optional selections of the cells taking part ("25:50", "0::2", "1 3 5"); pairs are
        // generated on positions in the selections and mapped back to cell indices.
        guard let preCells = selection(g, "preCells", size: pre.size(model), ctx: ctx),
              let postCells = selection(g, "postCells", size: model.populations[post].size, ctx: ctx) else { return }
        let nPre = preCells.count, nPost = postCells.count
        // (oneToOne considers each cell's pair only: its N connections are bounded as connections.)
        guard g.name == "oneToOne" || nPre * nPost <= Resources.maximumCandidatePairs else {
            ctx.error("BRC-E0708", "\(g.name) would consider \(nPre) x \(nPost) cell pairs; brcc generates from at most \(Resources.maximumCandidatePairs)",
                      at: g.location, hint: "split it into several generators in the projection, each over a slice of at most \(Resources.maximumCandidatePairs / max(nPre, 1)) post cells (postCells=\"0:\(Resources.maximumCandidatePairs / max(nPre, 1))\", ...), or give the connections explicitly or as brc:matrixConnectivity")
            return
        }
        let samePopulation = pre == .cells(post)
        guard let allowSelf = ctx.boolean(g, "selfConnections", default: false) else { return }
        var pairs: [(Int, Int)] = []
        var matrixWeights: [Double] = []
        var seed: UInt64 = 0
        func probability(_ name: String, default def: Double) -> Double? {
            guard g.attribute(name) != nil else { return def }
            guard let p = ctx.number(g, name) else { return nil }
            guard (0...1).contains(p) else {
                ctx.error("BRC-E0703", "\(name)=\(p) is not a probability", at: g.attribute(name)!.location, hint: "use a value between 0 and 1")
                return nil
            }
            return p
        }
        func readSeed() -> Bool {
            guard let s = ctx.seed(g) else { return false }
            seed = s
            return true
        }
        func selfConnections() -> Bool { allowSelf }
        /// The connection probability: the declared one, or a search's value for this projection.
        func searched(_ declared: Double) -> Double {
            // With a mask, a searched probability is the mask's (a run-time value), not this one.
            guard g.attribute("mask") == nil else { return declared }
            let name = model.projections[projection]
            let p = ctx.overrides[.connectionProbability(projection: name)] ?? declared
            ctx.probabilisticProjections[name] = p
            return p
        }
        /// Whether pair (i, j) of the ranges joins a cell to itself.
        func isSelf(_ i: Int, _ j: Int) -> Bool { samePopulation && preCells[i] == postCells[j] }
        switch g.name {
        case "ringLattice":
            ctx.checkAttributes(g, required: ["k", "seed"], optional: common + ["p", "probability", "selfConnections", "periodic", "preIndexScale", "postIndexScale"])
            guard let k = ctx.integer(g, "k"), readSeed(), let p = probability("p", default: 0), var mask = probability("probability", default: 1),
                  let periodic = ctx.boolean(g, "periodic", default: true) else { return }
            mask = searched(mask)
            let half = k / 2
            // The index scales place an open chain's cells; a periodic ring has none.
            if periodic, let scale = g.attributes.first(where: { ["preIndexScale", "postIndexScale"].contains($0.name) }) {
                ctx.error("BRC-E0709", "\(scale.name) places the cells of an open ring lattice; this one is periodic", at: scale.location,
                          hint: "add periodic=\"false\" for an open chain, or remove \(scale.name)")
                return
            }
            if !periodic {
                // An open chain: position a of the pre selection sits at lattice index
                // preIndexScale·a, position b of the post selection at postIndexScale·b; they
                // connect when the indices are 1..k/2 apart (networkx's watts_strogatz_graph with
                // p = 0, restricted to the indices used: STUDY.md §3).
                let preScale = g.attribute("preIndexScale") != nil ? ctx.integer(g, "preIndexScale") : 1
                let postScale = g.attribute("postIndexScale") != nil ? ctx.integer(g, "postIndexScale") : 1
                guard let preScale, let postScale else { return }
                // Scales past a million would overflow the lattice index (the trap the fuzzer found).
                guard preScale >= 1, postScale >= 1, preScale <= 1_000_000, postScale <= 1_000_000, k >= 1, p == 0 else {
                    ctx.error("BRC-E0709", "an open ring lattice needs k >= 1, index scales from 1 to 1,000,000 and no rewiring (p = 0)", at: g.location,
                              hint: "e.g. <brc:ringLattice k=\"5\" p=\"0\" periodic=\"false\" preIndexScale=\"1\" postIndexScale=\"2\" seed=\"1\"/>")
                    return
                }
                // (Cells at one lattice index are never joined: with one scale, or between two
                // populations, selfConnections had no effect.)
                if selfConnections(), !(samePopulation && preScale != postScale), let a = g.attribute("selfConnections") {
                    ctx.error("BRC-E0709", "selfConnections=\"\(a.value)\" has no effect on an open ring lattice, which joins cells 1 to k/2 lattice indices apart", at: a.location,
                              hint: "remove selfConnections, or make the lattice periodic")
                    return
                }
                for j in 0..<nPost {
                    for i in 0..<nPre where !(isSelf(i, j) && !selfConnections()) {
                        let distance = abs(preScale * i - postScale * j)
                        if distance >= 1 && distance <= half { pairs.append((i, j)) }
                    }
                }
                break
            }
            guard k >= 1, 2 * half + 1 <= nPre else {
                ctx.error("BRC-E0704", "ring lattice k=\(k) needs at least \(2 * half + 1) pre-synaptic cells, population '\(pre.name(model))' has \(nPre)",
                          at: g.attribute("k")!.location, hint: "use k < n")
                return
            }
            for j in 0..<nPost {
                let centre = Int((Double(j) * Double(nPre) / Double(nPost)).rounded(.down))
                var edge: UInt64 = 0
                for o in -half...half {
                    if isSelf(((centre + o) % nPre + nPre) % nPre, j) && !selfConnections() { continue }
                    var i = ((centre + o) % nPre + nPre) % nPre
                    defer { edge += 1 }
                    if p > 0 && CounterRandom.uniform(seed: seed, stream: Stream.rewire.rawValue, UInt64(j), edge) < p {
                        // Rewire the pre-synaptic end to a cell drawn uniformly (not itself, not a duplicate).
                        var attempt: UInt64 = 0
                        repeat {
                            i = Int(CounterRandom.uniform(seed: seed, stream: Stream.rewireTarget.rawValue, UInt64(j) << 20 | edge, attempt) * Double(nPre))
                            attempt += 1
                        } while attempt < 1000 && ((isSelf(i, j) && !selfConnections()) || pairs.contains { $0 == (i, j) })
                    }
                    if mask < 1 && CounterRandom.uniform(seed: seed, stream: Stream.mask.rawValue, UInt64(j), edge) >= mask { continue }
                    pairs.append((i, j))
                }
            }
        case "randomConnectivity":
            ctx.checkAttributes(g, required: ["probability", "seed"], optional: common + ["selfConnections"])
            guard readSeed(), var p = probability("probability", default: 0) else { return }
            p = searched(p)
            // Every pair is drawn: each presynaptic cell's keys are mixed once (the same bits).
            let keys = (0..<nPre).map { CounterRandom.prefix(seed: seed, stream: Stream.pair.rawValue, UInt64($0)) }
            for j in 0..<nPost {
                for i in 0..<nPre where !(isSelf(i, j) && !selfConnections()) {
                    if CounterRandom.uniform(prefix: keys[i], UInt64(j)) < p { pairs.append((i, j)) }
                }
            }
        case "oneToOne":
            ctx.checkAttributes(g, optional: common + ["seed"])
            if g.attribute("seed") != nil { _ = readSeed() }
            guard nPre == nPost else {
                // (A misspelt preCells or postCells is reported: the whole populations are not what was meant.)
                if !ctx.hasMisspelling(g) {
                    ctx.error("BRC-E0705", "oneToOne needs populations of equal size ('\(pre.name(model))' has \(nPre), '\(model.populations[post].name)' \(nPost))",
                              at: g.location, hint: "use populations of the same size, or another generator")
                }
                return
            }
            pairs = (0..<nPre).map { ($0, $0) }
        case "allToAll":
            ctx.checkAttributes(g, optional: common + ["selfConnections", "seed"])
            if g.attribute("seed") != nil { _ = readSeed() }
            // (Checked before the pairs are listed: it keeps every one.)
            guard Resources.connectionsFit(adding: nPre * nPost - (samePopulation && !selfConnections() ? min(nPre, nPost) : 0), to: model, at: g, ctx: ctx) else { return }
            for j in 0..<nPost { for i in 0..<nPre where !(isSelf(i, j) && !selfConnections()) { pairs.append((i, j)) } }
        case "matrixConnectivity":
            // Rows are pre-synaptic cells, columns post-synaptic cells; a non-zero entry is a
            // connection whose weight is the entry times `weight`.
            ctx.checkAttributes(g, required: ["file"], optional: common)
            guard let fa = g.attribute("file"), let table = ctx.document.table(fa) else { return }
            let width = table.first?.count ?? 0
            guard table.count == nPre, width == nPost else {
                ctx.error("BRC-E0707", "the matrix is \(table.count) x \(width), the projection needs \(nPre) x \(nPost) (pre x post)",
                          at: fa.location, hint: "one row per pre-synaptic cell, one column per post-synaptic cell")
                return
            }
            for j in 0..<nPost { for i in 0..<nPre where table[i][j] != 0 { pairs.append((i, j)); matrixWeights.append(table[i][j]) } }
        default:
            ctx.unsupported(g, in: "projection", supported: elements)
            return
        }
        // A misspelt attribute (a mask without its maskSeed, ...) is reported: what follows
        // from its absence is not what the model meant.
        guard !ctx.hasMisspelling(g) else { return }
        let weight = g.attribute("weight") != nil ? ctx.number(g, "weight") : 1
        guard let weight, let delay = ctx.delay(g) else { return }
        guard let target = Target.read(g, cellType: model.populations[post].cellType, model: &model, ctx: ctx) else { return }
        // A mask keeps every candidate connection and gives each one fixed draw: it is active
        // while its draw is below the projection's mask probability, a run-time value.
        var maskSeed: UInt64? = nil
        if g.attribute("mask") != nil {
            let mask = probability("mask", default: 1)
            guard g.attribute("maskSeed") != nil else {
                ctx.error("BRC-E0102", "<\(g.name)> with a mask needs maskSeed", at: g.location, hint: "add maskSeed=\"1\" (the draws are fixed by it)")
                return
            }
            guard let m = mask, let s = ctx.seed(g, "maskSeed") else { return }
            maskSeed = s
            let name = model.projections[projection]
            model.maskProbability[projection] = ctx.overrides[.connectionProbability(projection: name)] ?? m
        } else if g.attribute("maskSeed") != nil {
            ctx.error("BRC-E0101", "maskSeed without mask on <\(g.name)>", at: g.attribute("maskSeed")!.location, hint: "add mask=\"0.5\", or remove maskSeed")
            return
        }
        guard Resources.connectionsFit(adding: pairs.count, to: model, at: g, ctx: ctx) else { return }
        for (n, (i, j)) in pairs.enumerated() {
            let node = target.node(seed: seed, stream: Stream.location.rawValue, connection: UInt64(n))
            let draw = maskSeed.map { CounterRandom.uniform(seed: $0, stream: Stream.candidateMask.rawValue, UInt64(n), 0) }
            let source: Int
            switch pre {
            case .cells(let p): source = lowering.cellSource(p, cell: preCells[i], node: model.cellTypes[model.populations[p].cellType].spikeNode, model: &model)
            case .generators(let p): source = lowering.generatorSource(p, cell: preCells[i], model: &model)
            }
            lowering.connect(source: source, post: (post, postCells[j], node),
                             synapse: synapse, weight: weight * (matrixWeights.isEmpty ? 1 : matrixWeights[n]), delay: delay,
                             projection: projection, maskDraw: draw, model: &model)
        }
    }

    /// The cells an attribute selects, in order: `from:to` (half-open), a slice
    /// `start:stop:step` with any part left out (`0::2` the even cells, `1::2` the odd ones),
    /// or a list of cell indices (`1 3 5`); the whole population when absent.
    static func selection(_ g: Element, _ name: String, size: Int, ctx: Context) -> [Int]? {
        guard let a = g.attribute(name) else { return Array(0..<size) }
        func fail() -> [Int]? {
            ctx.error("BRC-E0706", "\(name)=\"\(a.value)\" is not a selection of cells of a population of \(size)", at: a.valueLocation,
                      hint: "write from:to (0 <= from < to <= \(size)), a slice start:stop:step such as 0::2, or a list such as \"1 3 5\"")
            return nil
        }
        let text = trimmed(a.value)
        if text.contains(":") {
            let parts = text.split(separator: ":", omittingEmptySubsequences: false).map { trimmed(String($0)) }
            guard parts.count == 2 || parts.count == 3 else { return fail() }
            let numbers = parts.map { $0.isEmpty ? nil : Int($0) }
            guard zip(parts, numbers).allSatisfy({ $0.isEmpty || $1 != nil }) else { return fail() }
            let lo = numbers[0] ?? 0, hi = numbers[1] ?? size, step = parts.count == 3 ? (numbers[2] ?? 1) : 1
            guard 0 <= lo, lo < hi, hi <= size, step >= 1 else { return fail() }
            return Array(stride(from: lo, to: hi, by: step))
        }
        let items = text.split(whereSeparator: { $0 == " " || $0 == "," }).map { Int($0) }
        guard !items.isEmpty, items.count <= size, items.allSatisfy({ $0.map { 0 <= $0 && $0 < size } == true }) else { return fail() }
        let cells = items.map { $0! }
        guard Set(cells).count == cells.count else { return fail() }
        return cells
    }

    /// Where on the post-synaptic cell a generated connection lands: `<brc:target segment=
    /// fractionAlong=/>` (one node) or `<brc:target segmentGroup=/>` (a compartment of the
    /// group drawn uniformly per connection); by default the cell's spike-detection node.
    struct Target {
        var nodes: [Int]
        func node(seed: UInt64, stream: UInt64, connection: UInt64) -> Int {
            nodes.count == 1 ? nodes[0] : nodes[Int(CounterRandom.uniform(seed: seed, stream: stream, connection, 0) * Double(nodes.count))]
        }

        static func read(_ g: Element, cellType type: Int, model: inout IRModel, ctx: Context) -> Target? {
            let ct = model.cellTypes[type]
            let targets = g.children.filter { $0.name == "target" }
            for extra in g.children where extra.name != "target" { ctx.unsupported(extra, in: g.name, supported: ["brc:target"]) }
            guard let t = ctx.once(targets, in: g) else { return Target(nodes: [ct.spikeNode]) }
            ctx.checkAttributes(t, optional: ["segmentGroup", "segment", "fractionAlong"])
            if let sg = t.attribute("segmentGroup"), let a = t.attribute("segment") ?? t.attribute("fractionAlong") {
                ctx.error("BRC-E0101", "<brc:target> gives both \(a.name)=\"\(a.value)\" and segmentGroup=\"\(sg.value)\"", at: a.location,
                          hint: "give a segmentGroup (connections spread over its compartments) or a segment with fractionAlong (one point)")
                return nil
            }
            if let sg = t.attribute("segmentGroup") {
                guard let members = ct.segmentGroups[sg.value] else {
                    ctx.error("BRC-E0310", "cell type '\(ct.name)' has no segment group '\(sg.value)'", at: sg.location,
                              hint: ctx.choices("groups", ct.segmentGroups.keys.sorted(), for: sg.value))
                    return nil
                }
                let nodes = ct.sections.flatMap(\.nodes).filter { n in
                    members.contains { seg in ct.segments.first { $0.id == seg }.map { s in
                        let sec = ct.sections[s.section]
                        guard let k = sec.nodes.firstIndex(of: n) else { return false }
                        let centre = (Double(k) + 0.5) / Double(sec.nodes.count)
                        return centre >= s.from && centre <= s.to
                    } ?? false }
                }
                guard !nodes.isEmpty else {
                    // (A short group on a long compartment: no connection could land in it.)
                    ctx.error("BRC-E0310", "segment group '\(sg.value)' of cell type '\(ct.name)' holds no compartment centre, so no connection can land in it", at: sg.location,
                              hint: "target a larger group, or a segment with fractionAlong, or give the section more compartments (numberInternalDivisions)")
                    return nil
                }
                return Target(nodes: nodes)
            }
            let seg = t.attribute("segment") != nil ? ctx.integer(t, "segment") : ct.segments[0].id
            let f = ctx.fraction(t, absent: 0.5)
            guard let seg, let f else { return nil }
            guard let node = ctx.pointNode(&model, cellType: type, segment: seg, fraction: f, default: ct.spikeNode, at: t.attribute("segment")?.location ?? t.location) else { return nil }
            return Target(nodes: [node])
        }
    }
}
