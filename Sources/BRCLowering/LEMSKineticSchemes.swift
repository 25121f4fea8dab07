import BRCDiagnostics
import BRCIR
import BRCSyntax
import BRCUnits

/// LEMS's `<KineticScheme>` in the Dynamics of a component of a LEMS point cell's tree
/// (`ComponentTree`), as LEMS's own examples write a kinetic channel:
///
///     <KineticScheme name="ks" nodes="states" stateVariable="occupancy"
///                    edges="transitions" edgeSource="from" edgeTarget="to"
///                    forwardRate="rf" reverseRate="rr"/>
///
/// Each of the part's Children `nodes` holds an occupancy (its StateVariable `stateVariable`);
/// each of its Children `edges` moves occupancy at its `forwardRate` from the node its Link
/// `edgeSource` names (by id) to the node `edgeTarget` names, and at its `reverseRate` back.
/// The occupancies advance together by one implicit Euler step with Σ occupancies = 1, the
/// method of NeuroML's gateKS (`KineticSchemeLowering`, docs/numerics.md). They start as jLEMS
/// starts them, the first node's occupancy 1 and the others 0.
enum LEMSKineticSchemeLowering {
    /// The solves' locals and each occupancy's initial value and update, by flat state name.
    struct Lowered {
        var locals: [IRAssignment] = []
        var states: [String: (initial: IRExpr, update: IRUpdate)] = [:]
    }

    /// Every KineticScheme of the tree; `env` binds the flat names (the edges' rates, inlined).
    /// Nil after a located error.
    static func lower(_ tree: ComponentTree, env: [String: Binding], ctx: Context) -> Lowered? {
        var out = Lowered()
        for part in tree.parts {
            for ks in part.chain.flatMap(\.kineticSchemes) {
                let el = ks.element
                func children(_ name: String, _ attribute: String) -> [Int]? {
                    guard let prefixes = part.children[name], part.chain.contains(where: { $0.childDeclarations.contains { $0.name == name && $0.multiple } }) else {
                        ctx.error("BRC-E0107", "<KineticScheme \(attribute)=\"\(name)\">: ComponentType '\(part.def.name)' declares no <Children name=\"\(name)\">",
                                  at: el.attribute(attribute)?.valueLocation ?? el.location, hint: "name the Children that hold the scheme's \(attribute)")
                        return nil
                    }
                    return prefixes.map { p in tree.parts.firstIndex { $0.prefix == p }! }
                }
                guard let nodes = children(ks.nodes, "nodes"), let edges = children(ks.edges, "edges") else { return nil }
                guard nodes.count >= 2, nodes.count <= ChannelLowering.maxKineticStates else {
                    ctx.error(nodes.count < 2 ? "BRC-E0115" : "BRC-E0103",
                              nodes.count < 2 ? "the kinetic scheme of <\(part.element.name)> has \(nodes.count) node(s); it needs at least two"
                                  : "not supported yet: a kinetic scheme with \(nodes.count) nodes (brcc compiles up to \(ChannelLowering.maxKineticStates))",
                              at: part.element.location, hint: "give the component two or more of its '\(ks.nodes)'")
                    return nil
                }
                // Each node's occupancy: a StateVariable of its own, moved by nothing else.
                var occupancies: [String] = []
                for i in nodes {
                    let node = tree.parts[i]
                    guard node.chain.flatMap(\.stateVariables).contains(where: { $0.name == ks.stateVariable && $0.dimension == .none }) else {
                        ctx.error("BRC-E0605", "<KineticScheme stateVariable=\"\(ks.stateVariable)\">: the node <\(node.element.name)> (ComponentType '\(node.def.name)') has no dimensionless StateVariable '\(ks.stateVariable)'",
                                  at: el.attribute("stateVariable")!.valueLocation, hint: "declare <StateVariable name=\"\(ks.stateVariable)\" dimension=\"none\"/> in the nodes' ComponentType")
                        return nil
                    }
                    let moved = node.chain.flatMap(\.timeDerivatives).first { $0.variable == ks.stateVariable }?.element
                        ?? node.chain.flatMap(\.onConditions).flatMap(\.assignments).first { $0.variable == ks.stateVariable }.map { _ in node.element }
                    if let moved {
                        ctx.error("BRC-E0605", "'\(ks.stateVariable)' of <\(node.element.name)> is an occupancy of a kinetic scheme; its Dynamics may not move it too",
                                  at: moved.location, hint: "remove the TimeDerivative or StateAssignment: the scheme's transitions move it")
                        return nil
                    }
                    occupancies.append(node.prefix + ks.stateVariable)
                }
                let ids = nodes.map { tree.parts[$0].element.id }
                var transitions: [ChannelLowering.KineticTransition] = []
                for e in edges {
                    let edge = tree.parts[e]
                    func node(_ link: String) -> Int? {
                        guard let a = edge.element.attribute(link) else {
                            ctx.error("BRC-E0102", "<\(edge.element.name)> is missing '\(link)' (the node of the kinetic scheme it leaves or enters)", at: edge.element.location,
                                      hint: "add \(link)=\"ID\" naming one of: \(ids.compactMap { $0 }.joined(separator: ", "))")
                            return nil
                        }
                        guard let i = ids.firstIndex(of: a.value) else {
                            ctx.error("BRC-E0107", "\(link)=\"\(a.value)\" names no node of the kinetic scheme of <\(part.element.name)>", at: a.valueLocation,
                                      hint: "nodes: \(ids.compactMap { $0 }.joined(separator: ", "))")
                            return nil
                        }
                        return i
                    }
                    func rate(_ name: String, _ attribute: String) -> IRExpr? {
                        guard let b = env[edge.prefix + name] else {
                            ctx.error("BRC-E0502", "<KineticScheme \(attribute)=\"\(name)\">: the edge <\(edge.element.name)> (ComponentType '\(edge.def.name)') defines no '\(name)'",
                                      at: el.attribute(attribute)!.valueLocation, hint: "give the edges' ComponentType a DerivedVariable '\(name)' (per_time)")
                            return nil
                        }
                        guard b.dimension == .perTime else {
                            ctx.error("BRC-E0202", "rate '\(name)' of <\(edge.element.name)> is \(b.dimension), not per_time", at: el.attribute(attribute)!.valueLocation,
                                      hint: "a transition rate is per_time")
                            return nil
                        }
                        return b.ir
                    }
                    guard let from = node(ks.edgeSource), let to = node(ks.edgeTarget) else { return nil }
                    guard from != to else {
                        ctx.error("BRC-E0107", "<\(edge.element.name)> leaves and enters the same node '\(ids[from] ?? "")'", at: edge.element.location, hint: "link two different nodes")
                        return nil
                    }
                    guard let rf = rate(ks.forwardRate, "forwardRate"), let rr = rate(ks.reverseRate, "reverseRate") else { return nil }
                    transitions.append(.init(from: from, to: to, rf: rf, rr: rr))
                }
                let name = part.prefix + (el["name"] ?? "ks")
                guard let solved = KineticSchemeLowering.solve(gate: name, states: occupancies, transitions, current: occupancies.map { .ref($0) },
                                                               steadyState: false, element: el, ctx: ctx) else { return nil }
                out.locals += solved.locals
                for (i, s) in occupancies.enumerated() {
                    out.states[s] = (.const(i == 0 ? 1 : 0), .assign(solved.step[i]))
                }
            }
        }
        return out
    }
}
