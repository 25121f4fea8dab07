/// Where each placement's parameters and states live in a cell's flat parameter and state
/// arrays. Code generation and the runtime both use this, so they cannot disagree.
public struct IRLayout: Sendable, Hashable, Codable {
    /// First parameter slot of each placement; parameters of node k of placement j start at
    /// paramBase[j] + k * mechanism.parameters.count.
    public var paramBase: [Int]
    public var stateBase: [Int]
    public var paramCount: Int
    public var stateCount: Int

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
