/// One node of a cell's compartment tree, as NEURON discretises sections: either a compartment
/// centre (with membrane) or a zero-area node at a section end that joins sections.
public struct IRNode: Sendable, Hashable, Codable {
    /// Index of the parent node; -1 for the root. Parents always precede children.
    public var parent: Int
    /// Membrane area (um2); 0 for a section-end node.
    public var area: Double
    /// Specific capacitance (nF/um2).
    public var cm: Double
    /// Axial conductance to the parent (uS).
    public var gAxial: Double
    /// Human-readable position, e.g. `dend1(0.375)` or `soma(1)`.
    public var label: String

    /// Makes a node from its fields.
    public init(parent: Int, area: Double, cm: Double, gAxial: Double, label: String) {
        self.parent = parent; self.area = area; self.cm = cm; self.gAxial = gAxial; self.label = label
    }
}

/// A NEURON-style section: an unbranched cable of `nodes.count` equal-length compartments.
public struct IRSection: Sendable, Hashable, Codable {
    /// The section's name: the id of the unbranched-cable segment group it comes from, or the
    /// name of its one segment (a point cell's: the cell's id).
    public var name: String
    /// The compartment-centre nodes, proximal to distal.
    public var nodes: [Int]
    /// The node at the section's 0 end, where it joins its parent (the parent's junction node
    /// or the compartment holding the attachment point), and the zero-area node at its 1 end
    /// where children join; nil where NEURON's end node is a dead end brcc drops (the root's
    /// 0 end with one child, a tip, when no point sits there), there a point goes to the
    /// nearest compartment.
    public var start: Int?, end: Int?
    /// The zero-area end nodes the discretisation dropped (`start`, `end` nil), each as a leaf
    /// of the compartment beside it, for `IRCellType.pointNode` to restore where a point is
    /// placed. Lowering only: not encoded, as the IR's nodes hold every node a model uses.
    public var droppedStart: IRNode?, droppedEnd: IRNode?
    /// Makes a section from its fields; without `start` and `end` it has no end nodes.
    public init(name: String, nodes: [Int], start: Int? = nil, end: Int? = nil, droppedStart: IRNode? = nil, droppedEnd: IRNode? = nil) {
        self.name = name; self.nodes = nodes; self.start = start; self.end = end
        self.droppedStart = droppedStart; self.droppedEnd = droppedEnd
    }

    private enum CodingKeys: String, CodingKey { case name, nodes, start, end }

    /// The node holding fraction `x` of the section: NEURON's rule, the compartment containing
    /// x, and at x = 0 or 1 the end node (a point process at a branch point sits on the
    /// junction, between the compartments it joins). x outside [0, 1] is taken as its nearer
    /// end, and NaN as 0.
    public func node(at x: Double) -> Int {
        let n = nodes.count
        let clamped = x.isNaN ? 0 : min(max(x, 0), 1)
        if clamped == 0, let start { return start }
        if clamped == 1, let end { return end }
        return nodes[min(Int(clamped * Double(n)), n - 1)]
    }
}

/// A morphology segment of the source model and where it lies in its section.
public struct IRSegment: Sendable, Hashable, Codable {
    /// The segment's id in the source morphology.
    public var id: Int
    /// The segment's name as the morphology gives it (`seg` and its id when it has none).
    public var name: String
    /// Its section: an index into the cell type's `sections`.
    public var section: Int
    /// The fractions of the section where the segment starts and ends.
    public var from: Double, to: Double
    /// Makes a segment from its fields.
    public init(id: Int, name: String, section: Int, from: Double, to: Double) {
        self.id = id; self.name = name; self.section = section; self.from = from; self.to = to
    }
}

/// A mechanism placed on a set of nodes of a cell type, with its parameter values per node.
public struct IRPlacement: Sendable, Hashable, Codable {
    /// The model element's id (e.g. the channelDensity id).
    public var label: String
    /// The mechanism placed: an index into `IRModel.mechanisms`.
    public var mechanism: Int
    /// The nodes it is placed on (indices into the cell type's `nodes`); `values[k]` belongs to
    /// `nodes[k]`.
    public var nodes: [Int]
    /// values[k][p]: parameter p at nodes[k], internal units.
    public var values: [[Double]]
    /// Makes a placement from its fields.
    public init(label: String, mechanism: Int, nodes: [Int], values: [[Double]]) {
        self.label = label; self.mechanism = mechanism; self.nodes = nodes; self.values = values
    }
}

/// A cell type: the compartment tree, its mechanisms, and how it starts and spikes.
public struct IRCellType: Sendable, Hashable, Codable {
    /// The cell's id in the model file; copies made for populations with their own channel
    /// values keep it (`IRModel.cellTypeIndices(named:)`).
    public var name: String
    /// Where it came from (element and source location), for the IR printout and comments in
    /// generated code.
    public var origin: String
    /// The nodes of the compartment tree, parents before children; node indices elsewhere in the
    /// model index this array.
    public var nodes: [IRNode]
    /// The sections the compartment nodes are grouped into.
    public var sections: [IRSection]
    /// The source morphology's segments, each with where it lies in `sections`.
    public var segments: [IRSegment]
    /// The mechanisms placed on its nodes, in the order of its flat parameter and state arrays
    /// (`IRLayout`).
    public var placements: [IRPlacement]
    /// Segment groups of the morphology: id -> member segment ids.
    public var segmentGroups: [String: [Int]] = [:]
    /// Initial membrane potential (mV).
    public var vInit: Double
    /// Each node's initial potential (mV) where segment groups give the cell different ones
    /// (`initMembPotential segmentGroup=`); nil when `vInit` holds everywhere.
    public var vInitByNode: [Double]? = nil

    /// The initial potential (mV) of node `node`.
    public func initialPotential(node: Int) -> Double { vInitByNode?[node] ?? vInit }
    /// Spike threshold (mV) and the node where spikes are detected.
    public var spikeThreshold: Double
    /// The node where spikes are detected: an index into `nodes`.
    public var spikeNode: Int
    /// The value every channel state (gate) of this cell type starts at, instead of its
    /// steady state (`brc:initialGates`; the study never initialises its gates: 0.2).
    public var initialGateValue: Double?
    /// Whether the compartments' potential is the cell's membrane potential: false for a LEMS
    /// cell without a voltage `v` of its own (fitzHughNagumoCell's V, a rate unit) or whose `v`
    /// it derives from its states, whose compartment only collects what is attached to it. Such
    /// a cell's `v` cannot be read (by a synapse, a readout or a recording).
    public var hasMembranePotential = true

    /// Makes a cell type from its fields; the other properties keep their defaults.
    public init(name: String, origin: String, nodes: [IRNode], sections: [IRSection], segments: [IRSegment],
                placements: [IRPlacement], vInit: Double, spikeThreshold: Double, spikeNode: Int) {
        self.name = name; self.origin = origin; self.nodes = nodes; self.sections = sections
        self.segments = segments; self.placements = placements; self.vInit = vInit
        self.spikeThreshold = spikeThreshold; self.spikeNode = spikeNode
    }

    /// Where node `n` lies: its compartment centre's (segment id, fraction along it), or, for
    /// a zero-area junction, the section end that names it (`IRSection.node(at:)`); nil for a
    /// node no point can name.
    public func location(ofNode n: Int) -> (segment: Int, fractionAlong: Double)? {
        for (si, sec) in sections.enumerated() {
            guard let k = sec.nodes.firstIndex(of: n) else { continue }
            let x = (Double(k) + 0.5) / Double(sec.nodes.count)
            guard let s = segments.first(where: { $0.section == si && x >= $0.from && x <= $0.to }) else { return nil }
            return (s.id, s.to > s.from ? (x - s.from) / (s.to - s.from) : 0.5)
        }
        // A junction: the 1 end of the section it ends, or the root's 0 end where children
        // join it there (as `IRSection.node(at:)` names them).
        for (si, sec) in sections.enumerated() where sec.end == n {
            guard let s = segments.last(where: { $0.section == si }) else { return nil }
            return (s.id, 1)
        }
        for (si, sec) in sections.enumerated() where sec.start == n {
            guard let s = segments.first(where: { $0.section == si }) else { return nil }
            return (s.id, 0)
        }
        return nil
    }

    /// The placement holding `ion`'s concentration pool at node `n` and the node's index in it.
    public func pool(of ion: String, atNode n: Int, _ mechanisms: [IRMechanism]) -> (placement: Int, instance: Int)? {
        for (j, pl) in placements.enumerated() where mechanisms[pl.mechanism].pool == ion {
            if let k = pl.nodes.firstIndex(of: n) { return (j, k) }
        }
        return nil
    }

    /// The ions with a concentration pool on this cell type.
    public func poolIons(_ mechanisms: [IRMechanism]) -> [String] {
        var out: [String] = []
        for pl in placements { if let i = mechanisms[pl.mechanism].pool, !out.contains(i) { out.append(i) } }
        return out
    }

    /// The node at `fraction` of segment `id`, or nil if there is no such segment.
    public func node(segment id: Int, fraction: Double) -> Int? {
        position(segment: id, fraction: fraction).map { $0.section.node(at: $0.x) }
    }

    /// The section holding (segment, fraction) and the fraction of that section it is at.
    private func position(segment id: Int, fraction: Double) -> (section: IRSection, x: Double)? {
        guard let s = segments.first(where: { $0.id == id }) else { return nil }
        return (sections[s.section], s.from + fraction * (s.to - s.from))
    }

    /// The node a point (a synapse, a gap junction, an input) placed at (segment, fraction)
    /// sits on, as `node(segment:fraction:)`, but at an end of a section that the
    /// discretisation dropped (a sealed tip, or the root's 0 end with one child) it first
    /// restores that zero-area end node, as NEURON keeps it: a conductance there sees the
    /// end's potential, which in a coarse section can be many mV from the compartment
    /// centre's (docs/numerics.md). The node is appended, so no other node's index changes.
    /// Nil if there is no such segment.
    public mutating func pointNode(segment id: Int, fraction: Double) -> Int? {
        guard let s = segments.firstIndex(where: { $0.id == id }), let (section, x) = position(segment: id, fraction: fraction) else { return nil }
        let k = segments[s].section
        if x >= 1, section.end == nil, let tip = section.droppedEnd {
            sections[k].end = restore(tip)
        } else if x <= 0, section.start == nil, let tip = section.droppedStart {
            sections[k].start = restore(tip)
        }
        return sections[k].node(at: x)
    }

    /// Whether node `n` is a dropped end node that `pointNode` restored.
    public func isRestoredEnd(_ n: Int) -> Bool {
        sections.contains { ($0.droppedEnd != nil && $0.end == n) || ($0.droppedStart != nil && $0.start == n) }
    }

    /// Appends a dropped end node; it starts at its compartment's potential.
    private mutating func restore(_ node: IRNode) -> Int {
        let v = initialPotential(node: node.parent)
        nodes.append(node)
        vInitByNode?.append(v)
        return nodes.count - 1
    }

    /// The number of compartments (nodes with membrane); a junction or end node has none.
    public var compartmentCount: Int { nodes.lazy.filter { $0.area > 0 }.count }
}

extension IRCellType {
    /// The size of its kernels, in expression nodes (`IRExpr.nodeCount`): each placement's
    /// loop computes its mechanism's expressions.
    public func kernelOperations(mechanisms: [IRMechanism]) -> Int {
        placements.reduce(0) { $0 + mechanisms[$1.mechanism].kernelOperations }
    }
}
