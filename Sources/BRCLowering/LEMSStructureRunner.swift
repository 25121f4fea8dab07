import BRCDiagnostics
import BRCIR
import BRCSyntax

extension LEMSNetworks {
    /// Runs the connection steps of a LEMS Structure (`ForEach`, `With`, `EventConnection`) over
    /// the component tree `nodes`, whose populations are known: the connections they make, with
    /// the names ForEach and With bind in scope as they run (`LEMSNetworks.build`).
    final class StructureRunner {
        let ctx: Context
        let nodes: [ComponentTree.Part]
        let populations: [Population]
        let sizes: [String: Int]
        /// The names ForEach and With bind, innermost last (a stack: a binding is one append).
        var scope: [(name: String, instances: [(String, Int)])] = []
        /// What an attribute path names, by node and path, once (a nested ForEach asks again).
        var named: [String: [(String, Int)]] = [:]
        /// The connections made so far.
        var connections: [Connection] = []

        init(nodes: [ComponentTree.Part], populations: [Population], ctx: Context) {
            self.ctx = ctx
            self.nodes = nodes
            self.populations = populations
            sizes = Dictionary(populations.map { ($0.id, $0.size) }, uniquingKeysWith: { a, _ in a })
        }

        /// The value of the attribute a path names, seen from node `k` (`../` for its parent's).
        func attribute(_ path: String, from k: Int) -> (node: Int, name: String, value: String?) {
            var k = k
            var rest = Substring(path)
            while rest.hasPrefix("../") {
                guard let p = nodes[k].parent else { break }
                k = p
                rest = rest.dropFirst(3)
            }
            return (k, String(rest), nodes[k].element[String(rest)])
        }
        /// The instances a path names, seen from node `k`.
        func instances(_ path: String, from k: Int, at location: SourceLocation) -> [(String, Int)]? {
            if let bound = scope.last(where: { $0.name == path }) { return bound.instances }
            let key = "\(k) \(path)"
            if let known = named[key] { return known }
            guard let found = resolve(path, from: k, at: location) else { return nil }
            named[key] = found
            return found
        }
        func resolve(_ path: String, from k: Int, at location: SourceLocation) -> [(String, Int)]? {
            let (k, rest, found) = attribute(path, from: k)
            guard let value = found else {
                ctx.error("BRC-E0107", "path '\(path)' names nothing: <\(nodes[k].element.name)> has no attribute '\(rest)' and no ForEach or With binds it", at: location,
                          hint: "name a Link, Path or Text of the component (../ for its parent's) or a name bound by ForEach/With")
                return nil
            }
            // (Errors in the value are reported where the component writes it.)
            let location = nodes[k].element.attribute(rest)?.valueLocation ?? location
            let named = CellPath(trimmed(value))
            guard named.rest.isEmpty, named.cell != .malformed, named.cell != .all else {
                ctx.error("BRC-E0403", "'\(value)' is not a population and a cell index", at: location, hint: "write pop[0]")
                return nil
            }
            let pop = named.population
            guard let size = sizes[pop] else {
                ctx.undefined(pop, "BRC-E0107", "population '\(pop)' (named by '\(path)') is not defined", at: location, listing: "populations", sizes.keys.sorted())
                return nil
            }
            if let cell = named.index {
                guard cell >= 0, cell < size else {
                    ctx.error("BRC-E0403", "'\(value)': population '\(pop)' has \(size) cell(s)", at: location, hint: "use an index from 0 to \(size - 1)")
                    return nil
                }
                return [(pop, cell)]
            }
            return (0..<size).map { (pop, $0) }
        }
        /// How many instances `path` names: a name bound by ForEach (1) or With (its count); else
        /// an attribute naming a population (all of it) or one cell; a path that names nothing
        /// counts 1 (its error comes when it runs).
        func count(_ path: String, from k: Int, bound names: [String: Int]) -> Int {
            if let n = names[path] { return n }
            guard let value = attribute(path, from: k).value else { return 1 }
            let pop = trimmed(value)
            return pop.hasSuffix("]") ? 1 : (sizes[pop] ?? 1)
        }
        /// How much work `steps` do, bindings and connections (saturating), as `run` would do
        /// it: a nested ForEach is refused before it runs rather than after millions of bindings.
        func estimate(_ steps: [ComponentTypeDef.StructureStep], from k: Int, bound: [String: Int]) -> Int {
            var names = bound, total = 0
            for step in steps {
                switch step {
                case .multiInstantiate: continue
                case .with(let path, let name, _): names[name] = count(path, from: k, bound: names)
                case .forEach(let path, let name, let body, _):
                    var inner = names
                    inner[name] = 1
                    total = saturatingSum(total, saturatingProduct(count(path, from: k, bound: names), saturatingSum(estimate(body, from: k, bound: inner), 1)))
                case .eventConnection(let from, let to, _):
                    total = saturatingSum(total, saturatingProduct(count(from, from: k, bound: names), count(to, from: k, bound: names)))
                }
            }
            return total
        }
        /// Runs the connection steps of node `k`; false after an error.
        func run(_ steps: [ComponentTypeDef.StructureStep], node k: Int) -> Bool {
            let depth = scope.count
            defer { scope.removeSubrange(depth...) }
            for step in steps {
                switch step {
                case .multiInstantiate: continue
                case .with(let path, let name, let e):
                    guard let found = instances(path, from: k, at: e.location) else { return false }
                    scope.append((name, found))
                case .forEach(let path, let name, let body, let e):
                    guard let found = instances(path, from: k, at: e.location) else { return false }
                    for one in found {
                        scope.append((name, [one]))
                        guard run(body, node: k) else { return false }
                        scope.removeLast()
                    }
                case .eventConnection(let from, let to, let e):
                    // A receiver: a synapse component (named by a reference of the component)
                    // created on each target, as a NeuroML connection's synapse.
                    var receiver: String? = nil
                    if let r = e.attribute("receiver") {
                        let (_, name, id) = attribute(r.value, from: k)
                        guard let id, let synapse = ctx.byId[id] else {
                            // (A component refused with its own error, or of a refused type, is not reported again.)
                            if let id, ctx.rejected.contains(id) { return false }
                            ctx.error("BRC-E0107", "the receiver '\(r.value)' of <EventConnection> names no component (\(name) = \(id.map { "'\($0)'" } ?? "not given"))", at: r.location,
                                      hint: "give the connection's component a reference \(name)=\"ID\" naming a synapse component")
                            return false
                        }
                        receiver = synapse.id
                    }
                    guard let sources = instances(from, from: k, at: e.location),
                          let targets = instances(to, from: k, at: e.location) else { return false }
                    if receiver != nil, let c = e.attribute("receiverContainer"), let container = attribute(c.value, from: k).value, !container.isEmpty,
                       !receiverContainer(container, holds: targets, at: c.location) { return false }
                    // Labelled by the nearest component with an id (an EventConnectivity's).
                    var labelled: Int? = k
                    while let i = labelled, nodes[i].element.id == nil { labelled = nodes[i].parent }
                    let label = labelled.flatMap { nodes[$0].element.id } ?? "events"
                    for s in sources { for t in targets { connections.append(Connection(from: s, to: t, label: label, element: e, receiver: receiver)) } }
                }
            }
            return true
        }
        /// Whether the receivers of a connection may go into the Attachments `container` of
        /// each target cell: brcc attaches a receiver as a NeuroML synapse, whose current the
        /// cell sums as its synaptic current, so the container must be Attachments the
        /// target's type declares and its Dynamics sum (`container[*]/X`). Reports otherwise.
        func receiverContainer(_ container: String, holds targets: [(String, Int)], at location: SourceLocation) -> Bool {
            for population in Set(targets.map(\.0)) {
                guard let component = populations.first(where: { $0.id == population })?.component, let cell = ctx.byId[component],
                      let chain = ctx.type(named: cell.typeName)?.chain(in: ctx) else { continue }
                let declared = chain.flatMap(\.attachments), summed = chain.flatMap(\.selects).contains { $0.path.hasPrefix(container + "[*]/") }
                guard declared.contains(container) && summed else {
                    ctx.error("BRC-E0103", "not supported yet: receiverContainer '\(container)' on cells of population '\(population)' (type \(cell.typeName)): brcc attaches a receiver as a synapse whose current the cell sums, so the container must be <Attachments> the type declares and its Dynamics select as \(container)[*]/X"
                              + (declared.isEmpty ? "; the type declares no <Attachments>" : "; it declares \(declared.map { "'\($0)'" }.joined(separator: ", "))\(declared.contains(container) ? ", and does not sum '\(container)'" : "")"),
                              at: location, hint: declared.isEmpty ? "declare <Attachments name=\"\(container)\" type=\"...\"/> in the cell's type and sum its current" : "name an Attachments the cell sums, or leave the container unset")
                    return false
                }
            }
            return true
        }
    }

    static func saturatingSum(_ a: Int, _ b: Int) -> Int { a > Int.max - b ? Int.max : a + b }
    static func saturatingProduct(_ a: Int, _ b: Int) -> Int { let (p, o) = a.multipliedReportingOverflow(by: b); return o ? Int.max : p }
}
