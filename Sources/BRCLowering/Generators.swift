import BRCDiagnostics
import BRCIR
import BRCSyntax
import BRCUnits
import Foundation

/// The `brc` connectivity generators inside a `<projection>` (grammar/brc.xsd): ring lattice
/// (Watts–Strogatz), random with probability p, one-to-one, all-to-all. Every random choice
/// comes from `CounterRandom` keyed by the generator's seed, so a seed reproduces exactly.
enum Generators {
    /// Random streams of one generator.
    enum Stream: UInt64 { case rewire = 1, rewireTarget = 2, mask = 3, location = 4, pair = 5 }

    static func lower(_ g: Element, projection: Int, pre: Int, post: Int, synapse: (Int, [Double]),
                      lowering: inout ProjectionLowering, model: inout IRModel) {
        let ctx = lowering.ctx
        let common = ["weight", "delay", "preCells", "postCells"]
        // Optional half-open ranges of cells taking part ("25:50"); pairs are generated on the
        // ranges and mapped back to cell indices.
        guard let preRange = range(g, "preCells", size: model.populations[pre].size, ctx: ctx),
              let postRange = range(g, "postCells", size: model.populations[post].size, ctx: ctx) else { return }
        let nPre = preRange.count, nPost = postRange.count
        guard nPre * nPost <= Resources.maximumCandidatePairs else {
            ctx.error("BRC-E0708", "\(g.name) would consider \(nPre) x \(nPost) cell pairs; brcc generates from at most \(Resources.maximumCandidatePairs)",
                      at: g.location, hint: "restrict preCells/postCells, or give the connections explicitly or as brc:matrixConnectivity")
            return
        }
        let samePopulation = pre == post
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
            guard let s = ctx.integer(g, "seed") else { return false }
            seed = UInt64(s)
            return true
        }
        func selfConnections() -> Bool { allowSelf }
        /// The connection probability: the declared one, or a search's value for this projection.
        func searched(_ declared: Double) -> Double {
            let name = model.projections[projection]
            let p = ctx.overrides[.connectionProbability(projection: name)] ?? declared
            ctx.probabilisticProjections[name] = p
            return p
        }
        /// Whether pair (i, j) of the ranges joins a cell to itself.
        func isSelf(_ i: Int, _ j: Int) -> Bool { samePopulation && preRange.lowerBound + i == postRange.lowerBound + j }
        switch g.name {
        case "ringLattice":
            ctx.checkAttributes(g, required: ["k", "seed"], optional: common + ["p", "probability", "selfConnections"])
            guard let k = ctx.integer(g, "k"), readSeed(), let p = probability("p", default: 0), var mask = probability("probability", default: 1) else { return }
            mask = searched(mask)
            let half = k / 2
            guard k >= 1, 2 * half + 1 <= nPre else {
                ctx.error("BRC-E0704", "ring lattice k=\(k) needs at least \(2 * half + 1) pre-synaptic cells, population '\(model.populations[pre].name)' has \(nPre)",
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
            for j in 0..<nPost {
                for i in 0..<nPre where !(isSelf(i, j) && !selfConnections()) {
                    if CounterRandom.uniform(seed: seed, stream: Stream.pair.rawValue, UInt64(i), UInt64(j)) < p { pairs.append((i, j)) }
                }
            }
        case "oneToOne":
            ctx.checkAttributes(g, optional: common + ["seed"])
            if g.attribute("seed") != nil { _ = readSeed() }
            guard nPre == nPost else {
                ctx.error("BRC-E0705", "oneToOne needs populations of equal size ('\(model.populations[pre].name)' has \(nPre), '\(model.populations[post].name)' \(nPost))",
                          at: g.location, hint: "use populations of the same size, or another generator")
                return
            }
            pairs = (0..<nPre).map { ($0, $0) }
        case "allToAll":
            ctx.checkAttributes(g, optional: common + ["selfConnections", "seed"])
            if g.attribute("seed") != nil { _ = readSeed() }
            for j in 0..<nPost { for i in 0..<nPre where !(isSelf(i, j) && !selfConnections()) { pairs.append((i, j)) } }
        case "matrixConnectivity":
            // Rows are pre-synaptic cells, columns post-synaptic cells; a non-zero entry is a
            // connection whose weight is the entry times `weight`.
            ctx.checkAttributes(g, required: ["file"], optional: common)
            guard let fa = g.attribute("file"), let table = ctx.document.table(fa) else { return }
            guard table.count == nPre, table[0].count == nPost else {
                ctx.error("BRC-E0707", "the matrix is \(table.count) x \(table[0].count), the projection needs \(nPre) x \(nPost) (pre x post)",
                          at: fa.location, hint: "one row per pre-synaptic cell, one column per post-synaptic cell")
                return
            }
            for j in 0..<nPost { for i in 0..<nPre where table[i][j] != 0 { pairs.append((i, j)); matrixWeights.append(table[i][j]) } }
        default:
            ctx.unsupported(g, in: "projection", supported: ["brc:ringLattice", "brc:randomConnectivity", "brc:oneToOne", "brc:allToAll", "brc:matrixConnectivity"])
            return
        }
        let weight = g.attribute("weight") != nil ? ctx.number(g, "weight") : 1
        let delay = g.attribute("delay") != nil ? ctx.quantity(g, "delay", .time) : 0
        guard let weight, let delay else { return }
        guard delay >= 0 else {
            ctx.error("BRC-E0702", "negative delay", at: g.attribute("delay")!.location, hint: "delays are 0 or positive")
            return
        }
        guard let target = Target.read(g, cellType: model.cellTypes[model.populations[post].cellType], ctx: ctx) else { return }
        let preCT = model.cellTypes[model.populations[pre].cellType]
        for (n, (i, j)) in pairs.enumerated() {
            let node = target.node(seed: seed, stream: Stream.location.rawValue, connection: UInt64(n))
            lowering.connect(pre: (pre, preRange.lowerBound + i, preCT.spikeNode), post: (post, postRange.lowerBound + j, node),
                             synapse: synapse, weight: weight * (matrixWeights.isEmpty ? 1 : matrixWeights[n]), delay: delay,
                             projection: projection, model: &model)
        }
    }

    /// Reads `from:to` (half-open) or the whole population.
    static func range(_ g: Element, _ name: String, size: Int, ctx: Context) -> Range<Int>? {
        guard let a = g.attribute(name) else { return 0..<size }
        let parts = a.value.split(separator: ":").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count == 2, let lo = parts[0], let hi = parts[1], 0 <= lo, lo < hi, hi <= size else {
            ctx.error("BRC-E0706", "\(name)=\"\(a.value)\" is not a range of cells of a population of \(size)", at: a.location,
                      hint: "write from:to with 0 <= from < to <= \(size), e.g. \"0:\(size / 2)\"")
            return nil
        }
        return lo..<hi
    }

    /// Where on the post-synaptic cell a generated connection lands: `<brc:target segment=
    /// fractionAlong=/>` (one node) or `<brc:target segmentGroup=/>` (a compartment of the
    /// group drawn uniformly per connection); by default the cell's spike-detection node.
    struct Target {
        var nodes: [Int]
        func node(seed: UInt64, stream: UInt64, connection: UInt64) -> Int {
            nodes.count == 1 ? nodes[0] : nodes[Int(CounterRandom.uniform(seed: seed, stream: stream, connection, 0) * Double(nodes.count))]
        }

        static func read(_ g: Element, cellType ct: IRCellType, ctx: Context) -> Target? {
            let targets = g.children.filter { $0.name == "target" }
            for extra in g.children where extra.name != "target" { ctx.unsupported(extra, in: g.name, supported: ["brc:target"]) }
            guard let t = targets.first else { return Target(nodes: [ct.spikeNode]) }
            ctx.checkAttributes(t, optional: ["segmentGroup", "segment", "fractionAlong"])
            if let sg = t.attribute("segmentGroup") {
                guard let members = ct.segmentGroups[sg.value] else {
                    ctx.error("BRC-E0310", "cell type '\(ct.name)' has no segment group '\(sg.value)'", at: sg.location,
                              hint: "groups: \(ct.segmentGroups.keys.sorted().joined(separator: ", "))")
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
                return Target(nodes: nodes)
            }
            let seg = t.attribute("segment") != nil ? ctx.integer(t, "segment") : ct.segments[0].id
            let f = t.attribute("fractionAlong") != nil ? ctx.number(t, "fractionAlong") : 0.5
            guard let seg, let f else { return nil }
            guard let node = ct.node(segment: seg, fraction: f) else {
                ctx.error("BRC-E0402", "cell type '\(ct.name)' has no segment \(seg)", at: t.attribute("segment")?.location ?? t.location,
                          hint: "segments: \(ct.segments.map { String($0.id) }.joined(separator: ", "))")
                return nil
            }
            return Target(nodes: [node])
        }
    }
}
