import BRCDiagnostics
import BRCIR
import BRCSyntax

/// A network that LEMS `<Structure>` builds, as LEMS's own examples define one with their own
/// ComponentTypes (SimpleNetwork.xml):
///
///     <ComponentType name="Population">
///         <ComponentReference name="component" type="Component"/>
///         <Parameter name="size" dimension="none"/>
///         <Structure><MultiInstantiate number="size" component="component"/></Structure>
///     </ComponentType>
///     <ComponentType name="AllAll" extends="ConnectionPattern">
///         <Structure>
///             <ForEach instances="../source" as="a">
///                 <ForEach instances="../target" as="b"><EventConnection from="a" to="b"/></ForEach>
///             </ForEach>
///         </Structure>
///     </ComponentType>
///
/// The Simulation's target is the root; each component in its tree whose type has a
/// `MultiInstantiate` is a population (its id, `number` copies of the component its reference
/// names), lowered as a NeuroML `<population>` of a synthetic `<network>`. Then each
/// `EventConnection` connects the instances its `from` and `to` name, bound by `ForEach` (every
/// instance of a path) and `With` (one instance): a path is a name in scope, or an attribute
/// (a Link, Path or Text) of the component, `../` of its parent, whose value is a population id
/// (all its instances) or `pop[i]`. A spike of the source reaches the target cell's own event
/// port: its OnEvent (a LEMS point cell's dynamics, `IRSynapse.onEvent`).
enum LEMSNetworks {
    struct Population { var id: String; var component: String; var size: Int; var element: Element }
    /// A connection to the target's own event port (`connect`); one with a receiver becomes a
    /// NeuroML connection with that synapse, in a projection of the synthetic network.
    struct Connection { var from: (population: String, cell: Int); var to: (population: String, cell: Int); var label: String; var element: Element; var receiver: String? = nil }
    struct Built { var network: Element; var connections: [Connection] }

    /// The ComponentTypes (by name) whose Structure has a MultiInstantiate, with the reference
    /// each instantiates; read from the text alone (before the ComponentTypes are indexed).
    static func populationTypes(_ doc: Document) -> [String: [String]] {
        var references: [String: [String]] = [:]
        for t in doc.elements where t.name == "ComponentType" {
            for s in t.children where s.name == "Structure" {
                for m in s.children where m.name == "MultiInstantiate" {
                    if let n = t["name"], let r = m["component"] { references[n, default: []].append(r) }
                }
            }
        }
        return references
    }

    /// The components a MultiInstantiate names (ids: LEMS simulates them in populations).
    static func instantiatedComponents(_ doc: Document) -> Set<String> {
        let references = populationTypes(doc)
        guard !references.isEmpty else { return [] }
        var ids: Set<String> = []
        func walk(_ e: Element) {
            for r in references[e.typeName] ?? [] { if let id = e[r] { ids.insert(id) } }
            e.children.forEach(walk)
        }
        doc.elements.forEach(walk)
        return ids
    }

    /// Whether a component in `target`'s tree (itself included) instantiates a population.
    static func isNetwork(_ target: Element, doc: Document) -> Bool {
        let types = populationTypes(doc)
        func walk(_ e: Element) -> Bool { types[e.typeName] != nil || e.children.contains(where: walk) }
        return !types.isEmpty && walk(target)
    }

    /// The network `target`'s Structure builds (`isNetwork`); nil after a located error.
    static func build(_ target: Element, ctx: Context) -> Built? {
        // The component tree (each part's element, type chain and parent), as a LEMS point
        // cell's: the same matching of nested elements to Child/Children, and the same bounds.
        guard let def = ctx.type(named: target.typeName) else {
            if ctx.typeErrorsReported(target.typeName) { return nil }
            ctx.error("BRC-E0107", "ComponentType '\(target.typeName)' of <\(target.name)> is not defined", at: target.attribute("type")?.location ?? target.location,
                      hint: "define <ComponentType name=\"\(target.typeName)\">")
            return nil
        }
        guard let nodes = ComponentTree(target, def: def, ctx: ctx)?.parts else { return nil }
        // Populations first (connections name them).
        var populations: [Population] = []
        for node in nodes {
            for case .multiInstantiate(let number, let reference, let step) in node.chain.flatMap(\.structure) {
                guard let id = node.element.id else {
                    ctx.error("BRC-E0102", "<\(node.element.name)> instantiates a population (<MultiInstantiate> at \(step.location.shortDescription)) but has no id", at: node.element.location, hint: "give it an id")
                    return nil
                }
                guard let size = ctx.integer(node.element, number), let component = node.element.attribute(reference) else {
                    if node.element.attribute(reference) == nil {
                        ctx.error("BRC-E0102", "<\(node.element.name)> is missing '\(reference)' (the component its population instantiates)", at: node.element.location, hint: "add \(reference)=\"ID\"")
                    }
                    return nil
                }
                guard size <= Resources.maximumPopulation else {
                    ctx.error("BRC-E0404", "population '\(id)' has \(size) cells; brcc simulates at most \(Resources.maximumPopulation) per population",
                              at: node.element.attribute(number)!.valueLocation, hint: "check the size")
                    ctx.rejected.insert(id)
                    return nil
                }
                populations.append(Population(id: id, component: component.value, size: size, element: node.element))
            }
        }
        let runner = StructureRunner(nodes: nodes, populations: populations, ctx: ctx)
        var work = 0  // the whole Structure's bindings and connections, bounded before each part runs
        for k in nodes.indices {
            let steps = nodes[k].chain.flatMap(\.structure)
            work = saturatingSum(work, runner.estimate(steps, from: k, bound: [:]))
            guard work <= Resources.maximumStructureSteps else {
                let at = steps.first { if case .forEach = $0 { return true } else { return false } } ?? steps.first { if case .multiInstantiate = $0 { return false } else { return true } }
                ctx.error("BRC-E0132", "the Structure of <\(target.name)>\(target.id.map { " (id \"\($0)\")" } ?? "") would bind instances and make connections more than \(Resources.maximumStructureSteps) times",
                          at: (at?.element ?? target).location, hint: "check nested <ForEach> elements: each multiplies the work by the size of its population")
                return nil
            }
            guard runner.run(steps, node: k) else { return nil }
        }
        let network = Element(name: "network", attributes: [Attribute(name: "id", value: target.id ?? "network", location: target.location)],
                              children: populations.map { p in
                                  Element(name: "population", attributes: [Attribute(name: "id", value: p.id, location: p.element.location),
                                                                           Attribute(name: "component", value: p.component, location: p.element.location),
                                                                           Attribute(name: "size", value: String(p.size), location: p.element.location)],
                                          location: p.element.location)
                              } + projections(runner.connections.filter { $0.receiver != nil }), location: target.location)
        return Built(network: network, connections: runner.connections.filter { $0.receiver == nil })
    }


    /// The connections with a receiver as NeuroML projections: one per label, source and target
    /// population and synapse, in the order they were made, each connection `../pop[i]`.
    private static func projections(_ connections: [Connection]) -> [Element] {
        var order: [String] = []
        var grouped: [String: [Connection]] = [:]
        for c in connections {
            let key = [c.label, c.from.population, c.to.population, c.receiver!].joined(separator: "\u{0}")
            if grouped[key] == nil { order.append(key) }
            grouped[key, default: []].append(c)
        }
        return order.enumerated().map { n, key in
            let list = grouped[key]!, first = list[0], at = first.element.location
            func attr(_ name: String, _ value: String) -> Attribute { Attribute(name: name, value: value, location: at) }
            return Element(name: "projection", attributes: [attr("id", "\(first.label)_\(n)"), attr("presynapticPopulation", first.from.population),
                                                            attr("postsynapticPopulation", first.to.population), attr("synapse", first.receiver!)],
                           children: list.enumerated().map { i, c in
                               Element(name: "connection", attributes: [attr("id", String(i)), attr("preCellId", "../\(c.from.population)[\(c.from.cell)]"),
                                                                        attr("postCellId", "../\(c.to.population)[\(c.to.cell)]")], location: at)
                           }, location: at)
        }
    }

    /// Makes the event connections `build` found, once the populations and the cells' dynamics
    /// groups exist: a spike of the source cell runs the target cell's OnEvent. Then BRC-W0130 for
    /// every cell type with an OnEvent that no connection reaches.
    static func connect(_ connections: [Connection], model: inout IRModel, ctx: Context) {
        // Indexes built once (an all-to-all pattern makes connections by the million).
        func index(_ names: [String]) -> [String: Int] { Dictionary(names.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a }) }
        let populations = index(model.populations.map(\.name)), generators = index(model.generatorPopulations.map(\.name))
        let groups = index(model.synapseGroups.map(\.label))
        var instances: [Int: [Int: Int]] = [:]  // dynamics group -> (population << 32 | cell) -> instance
        var sources: [String: [Int: Int]] = [:]  // source population -> cell -> spike source
        var projection: [String: Int] = [:]
        var reached: Set<Int> = []
        var warned: Set<SourceLocation> = []
        for c in connections {
            // The source: a cell, or a spike generator lowered natively (the examples' own
            // spikeGenerator is NeuroML's); a population that failed to lower is reported where
            // it is defined.
            let source: Int
            if let s = sources[c.from.population]?[c.from.cell] {
                source = s
            } else if let sp = populations[c.from.population] {
                source = model.spikeSource(population: sp, cell: c.from.cell)
            } else if let gp = generators[c.from.population] {
                source = model.generatorSource(population: gp, cell: c.from.cell)
            } else { continue }
            sources[c.from.population, default: [:]][c.from.cell] = source
            guard let tp = populations[c.to.population] else { continue }
            let typeName = model.cellTypes[model.populations[tp].cellType].name
            let g = ctx.portEvents[typeName] == nil ? nil : groups[IRSynapseGroup.dynamicsLabel(typeName)]
            if let g, instances[g] == nil {
                instances[g] = Dictionary(model.synapseGroups[g].instances.enumerated().map { ($1.population << 32 | $1.cell, $0) }, uniquingKeysWith: { a, _ in a })
            }
            guard let g, let k = instances[g]?[tp << 32 | c.to.cell] else {
                // Once per EventConnection (it may make many connections).
                if warned.insert(c.element.location).inserted {
                    ctx.warning("BRC-W0131", "the <EventConnection> to '\(c.to.population)[\(c.to.cell)]' has no effect: its component '\(typeName)' has no OnEvent",
                                at: c.element.location, hint: "give the target's ComponentType an <EventPort direction=\"in\"> and an <OnEvent>, or remove the connection")
                }
                continue
            }
            let p = projection[c.label] ?? model.addProjection(c.label, synapse: nil)
            projection[c.label] = p
            model.connections.append(IRConnection(source: source, group: g, instance: k, weight: 1, delay: 0, projection: p))
            reached.insert(g)
        }
        for (typeName, e) in ctx.portEvents.sorted(by: { $0.key < $1.key }) {
            guard let g = groups[IRSynapseGroup.dynamicsLabel(typeName)], !reached.contains(g) else { continue }
            ctx.warning("BRC-W0130", "the OnEvent of '\(e.type)' never runs: nothing connects to the event port of '\(typeName)' (NeuroML connections deliver spikes to synapses and inputs)",
                        at: e.location, hint: "connect to it with a LEMS <EventConnection>, or move the event's effect into a synapse ComponentType that a projection names")
        }
    }
}
