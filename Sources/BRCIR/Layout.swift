/// Where each placement's parameters and states live in a cell's flat parameter and state
/// arrays. Code generation and the runtime both use this, so they cannot disagree.
public struct IRLayout: Sendable, Hashable, Codable {
    /// First parameter slot of each placement; parameters of node k of placement j start at
    /// paramBase[j] + k * mechanism.parameters.count.
    public var paramBase: [Int]
    /// First state slot of each placement; states of node k of placement j start at
    /// stateBase[j] + k * mechanism.states.count.
    public var stateBase: [Int]
    /// The length of one cell's flat parameter array: every placement's parameters on every node.
    public var paramCount: Int
    /// The length of one cell's flat state array: every placement's states on every node.
    public var stateCount: Int

    /// Lays out the placements of `cell` in order; `mechanisms` are the model's mechanisms, which
    /// `IRPlacement.mechanism` indexes.
    public init(cell: IRCellType, mechanisms: [IRMechanism]) {
        var p = 0, s = 0
        paramBase = []
        stateBase = []
        for pl in cell.placements {
            let m = mechanisms[pl.mechanism]
            paramBase.append(p)
            stateBase.append(s)
            p += pl.nodes.count * m.parameters.count
            s += pl.nodes.count * m.states.count
        }
        paramCount = p
        stateCount = s
    }
}
