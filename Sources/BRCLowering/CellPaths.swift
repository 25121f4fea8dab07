import BRCSyntax

/// A path that names a population and perhaps cells of it, in every form NeuroML and LEMS
/// write one: `pop[3]`, `pop/3/cellType/...` (either may start with `../`), `pop` (every cell,
/// in a LEMS Structure) and brcc's shorthand `pop[*]` (every cell). The one parser of these
/// forms: connections, inputs, recordings, event selections and LEMS Structures all read it.
struct CellPath {
    /// What a path says of the cell.
    enum Cell: Equatable {
        /// No cell: the path is the population's name alone.
        case none
        /// `pop[*]`.
        case all
        /// One cell, by its index (a populationList's instance id).
        case index(Int)
        /// Something that is not an index where one stands (`pop[x]`, `pop/x/...`).
        case malformed
    }

    var population: String
    var cell: Cell
    /// The path's components after the cell (`cellType`, `v`, ...).
    var rest: [String]

    /// Parses `text`, `../` prefixes dropped.
    init(_ text: String) {
        var s = Substring(text)
        while s.hasPrefix("../") { s = s.dropFirst(3) }
        self.init(parts: s.split(separator: "/").map(String.init))
    }

    /// Parses a path already split at `/`.
    init(parts: [String]) {
        var parts = parts[...]
        let first = parts.popFirst() ?? ""
        if let open = first.firstIndex(of: "["), first.hasSuffix("]") {
            population = String(first[..<open])
            let inside = first[first.index(after: open)..<first.index(before: first.endIndex)]
            cell = inside == "*" ? .all : Int(inside).map(Cell.index) ?? .malformed
        } else if let next = parts.popFirst() {
            population = first
            cell = Int(next).map(Cell.index) ?? .malformed
        } else {
            population = first
            cell = .none
        }
        rest = Array(parts)
    }

    /// The index the path names, if it names one cell.
    var index: Int? {
        if case .index(let i) = cell { return i }
        return nil
    }
}
