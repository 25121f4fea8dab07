import BRCDiagnostics
import BRCSyntax
import BRCUnits

/// A component with its LEMS children (`<Child name type>`: exactly one sub-component,
/// `<Children name type>`: any number), as brcc instantiates it: flattened into one instance.
///
/// Each component of the tree is a `Part`. A child's declarations join the instance under the
/// child's path: `membrane/I` for the `I` of `<Child name="membrane">`, `syn0/g` for the `g` of
/// the Children element with id `syn0`. A path holds '/', which no LEMS name can, so a child's
/// names never meet the parent's; code generation spells every name as an injective identifier
/// (`identifier` in BRCCodeGen's SourceText). A child reads its parent's variables through its
/// `<Requirement>`s (resolved up the tree); the parent reads a child's exposure with
/// `select="membrane/I"`, or over Children with `select="syns[*]/i" reduce="add"` (or
/// `multiply`). The same paths name the children's quantities in a Simulation's outputs.
struct ComponentTree {
    /// One component of the tree.
    struct Part {
        var element: Element
        var def: ComponentTypeDef
        /// Its type chain as LEMS resolves Dynamics (`ComponentTypeDef.resolved`).
        var chain: [ComponentTypeDef]
        /// The prefix of its flat names: "" for the root, "membrane/" for a child.
        var prefix: String
        /// The flat name of each name its expressions may read: its own declarations (prefixed)
        /// and its requirements (the names they resolve to up the tree).
        var names: [String: String] = [:]
        /// The flat names of its children, by declaration name: one for a Child, any number
        /// (in document order) for Children.
        var children: [String: [String]] = [:]
        /// The part it is a child of (nil for the root).
        var parent: Int?
    }

    /// The root first, then each child after its parent (depth first, in document order).
    private(set) var parts: [Part] = []
    /// Children that are NeuroML's core `channelPopulation`s (pyNeuroML's channel test
    /// harnesses put them in a voltage-clamped LEMS cell): not LEMS parts, but channels the
    /// cell's lowering places on its compartment, by their flat path (`test/`).
    private(set) var channelPopulations: [(element: Element, prefix: String)] = []
    /// The dimension of each flat name a part declares.
    private var dimensions: [String: Dimension] = [:]

    /// Elements nested in a component that are metadata, not children (`Element.isMetadata`).
    static let metadata: Set<String> = ["notes", "annotation", "property"]

    /// The tree of component `el` of type `def`; nil after a located diagnostic (a missing or
    /// extra child, a child of the wrong type, a requirement its parent does not provide).
    /// `provides`: names the root provides to its children besides its declarations, with
    /// their dimensions (a synapse's `v`, from the compartment it sits on, and its base type's
    /// parameters, which brcc's synapse lowering declares).
    init?(_ el: Element, def: ComponentTypeDef, provides: [String: Dimension] = [:], ctx: Context) {
        guard add(el, def: def, prefix: "", parent: nil, provides: provides, ctx: ctx) else { return nil }
    }

    /// The names a part declares (parameters, constants, state and derived variables, selects).
    static func declarations(_ chain: [ComponentTypeDef]) -> [(name: String, dimension: Dimension)] {
        var out: [(name: String, dimension: Dimension)] = []
        for d in chain {
            out += d.parameters.map { ($0.name, $0.dimension) } + d.constants.map { ($0.0.name, $0.0.dimension) }
            out += d.stateVariables.map { ($0.name, $0.dimension) } + d.derived.map { ($0.name, $0.dimension) }
            out += d.selects.map { ($0.name, $0.dimension) } + d.selectedParameters.map { ($0.parameter.name, $0.parameter.dimension) }
        }
        return out
    }

    /// True if type `name` is `base` or extends it.
    private static func conforms(_ name: String, to base: String, ctx: Context) -> Bool {
        ComponentTypeDef.lineage(name, ctx: ctx).contains(base)
    }

    /// Most components one tree instantiates: references multiply (a type with two
    /// ChildInstances of components of its own type doubles the tree at each level).
    static let maximumParts = 10_000

    private mutating func add(_ el: Element, def: ComponentTypeDef, prefix: String, parent: Int?, provides: [String: Dimension] = [:], ctx: Context) -> Bool {
        guard parts.count < Self.maximumParts else {
            ctx.error("BRC-E0131", "<\(parts[0].element.name)>\(parts[0].element.id.map { " (id \"\($0)\")" } ?? "") instantiates more than \(Self.maximumParts) components (children and the components their references instantiate)",
                      at: el.location, hint: "check for references that instantiate the same components many times over")
            return false
        }
        let chain = def.resolved(in: ctx)
        var part = Part(element: el, def: def, chain: chain, prefix: prefix, parent: parent)
        for (n, d) in Self.declarations(chain) { part.names[n] = prefix + n; dimensions[prefix + n] = d }
        for (n, d) in provides where part.names[n] == nil { part.names[n] = n; dimensions[n] = d }
        if let parent {
            // As jLEMS, the nearest ancestor that has the name provides it (a transition of a
            // gate of a channel reads the cell's v).
            let above = ancestors(of: parent)
            for r in chain.flatMap(\.requirements) where part.names[r.name] == nil {
                guard let flat = above.compactMap({ parts[$0].names[r.name] }).first ?? (r.name == "temperature" ? "temperature" : nil) else {
                    if ctx.rejectedDeclarations.contains(r.name) { return false }  // a refused declaration's error
                    ctx.error("BRC-E0117", "the child '\(prefix.dropLast())' (ComponentType '\(def.name)') requires '\(r.name)', which neither its parent <\(parts[parent].element.name)> nor a component above it provides",
                              at: el.location, hint: "the parent provides: \(parts[parent].names.keys.sorted().joined(separator: ", "))")
                    return false
                }
                let provided = dimensions[flat] ?? .temperature
                guard provided == r.dimension else {
                    ctx.error("BRC-E0202", "requirement '\(r.name)' of ComponentType '\(def.name)' is declared as \(r.dimension), but its parent's '\(r.name)' is \(provided)",
                              at: r.location, hint: "declare dimension=\"\(provided)\"")
                    return false
                }
                part.names[r.name] = flat
            }
        }
        let index = parts.count
        parts.append(part)
        guard addInstances(of: el, chain: chain, at: index, ctx: ctx) else { return false }
        let declared = chain.flatMap(\.childDeclarations)
        guard !declared.isEmpty else { return true }
        // Each nested element is the child its tag names (`<membrane>` for <Child name="membrane">),
        // or a child whose declared type its own type extends.
        var taken: [String: [Element]] = [:]
        for e in el.children where !Self.metadata.contains(e.name) {
            guard let decl = declared.first(where: { $0.name == e.name }) ?? declared.first(where: { d in
                Self.conforms(e.typeName, to: d.type, ctx: ctx) && (d.multiple || taken[d.name] == nil)
            }) else {
                // A child of a type lost to its own error (a misspelt <ComponentType>) is that error.
                if ctx.typeErrorsReported(e.typeName) || ctx.rejectedDeclarations.contains(e.name) { return false }
                ctx.error("BRC-E0127", "<\(e.name)> is not a child that ComponentType '\(def.name)' declares",
                          at: e.location, hint: "its children: \(declared.map { "<\($0.element.name) name=\"\($0.name)\" type=\"\($0.type)\">" }.joined(separator: ", "))")
                return false
            }
            if !decl.multiple, let first = taken[decl.name]?.first {
                ctx.error("BRC-E0127", "a second '\(decl.name)' in <\(el.name)>: its <Child name=\"\(decl.name)\"> is exactly one component",
                          at: e.location, hint: "remove one of them", first: first.location)
                return false
            }
            taken[decl.name, default: []].append(e)
        }
        for decl in declared {
            let elements = taken[decl.name] ?? []
            parts[index].children[decl.name] = parts[index].children[decl.name] ?? []
            // A missing Child that only reductions read (`select="td/rateFactor" reduce="multiply"`,
            // LEMS's example10) is an empty selection, as jLEMS takes it: the product 1, the sum 0.
            let reads = chain.flatMap(\.selects).filter { $0.path.hasPrefix(decl.name + "/") || $0.path.hasPrefix(decl.name + "[") }
            let optional = !reads.isEmpty && reads.allSatisfy { $0.element["reduce"] != nil }
            if !decl.multiple && elements.isEmpty && !optional {
                ctx.sink.report(Diagnostic("BRC-E0127", .error, "<\(el.name)>\(el.id.map { " (id \"\($0)\")" } ?? "") has no '\(decl.name)': its ComponentType '\(def.name)' declares <Child name=\"\(decl.name)\" type=\"\(decl.type)\">",
                                           at: el.location, hint: "add <\(decl.name) .../> inside it", notes: [("declared here", decl.element.location)]))
                return false
            }
            for e in elements {
                let typeName = e.name == decl.name ? (e["type"] ?? decl.type) : e.typeName
                if ctx.typeErrorsReported(typeName) { return false }
                guard let childDef = ctx.type(named: typeName) else {
                    ctx.error("BRC-E0107", "ComponentType '\(typeName)' of the child <\(e.name)> is not defined", at: e.attribute("type")?.location ?? e.location,
                              hint: "define <ComponentType name=\"\(typeName)\">")
                    return false
                }
                guard Self.conforms(typeName, to: decl.type, ctx: ctx) else {
                    ctx.error("BRC-E0108", "the child <\(e.name)> is a '\(typeName)', but ComponentType '\(def.name)' declares '\(decl.name)' of type '\(decl.type)'",
                              at: e.attribute("type")?.location ?? e.location, hint: "give it a type that is or extends '\(decl.type)'")
                    return false
                }
                let segment = decl.multiple ? (e.id ?? "\(decl.name)[\(parts[index].children[decl.name, default: []].count)]") : decl.name
                if typeName == "channelPopulation", ctx.componentTypes[typeName] == nil, parent == nil {
                    channelPopulations.append((e, prefix + segment + "/"))
                    continue
                }
                // A core library type with events, children or LEMS brcc cannot compile (a
                // blockingPlasticSynapse: brcc lowers it natively).
                if ctx.componentTypes[typeName] == nil,
                   let why = childDef.resolved(in: ctx).lazy.compactMap({ $0.problemsAsLeaf.first?.message ?? ($0.onEvent.isEmpty ? nil : "an OnEvent") }).first {
                    ctx.error("BRC-E0103", "not supported yet: the child <\(e.name)> of <\(el.name)>: its core ComponentType '\(typeName)' uses \(why.replacingOccurrences(of: "not supported yet: ", with: ""))",
                              at: e.location, hint: "brcc instantiates children of the model's own ComponentTypes and of the core types it compiles from LEMS; see docs/language.md 3.3")
                    return false
                }
                if parts[index].children.values.contains(where: { $0.contains(prefix + segment + "/") }) {
                    ctx.error("BRC-E0123", "two children of <\(el.name)> are named '\(segment)'", at: e.location, hint: "give each child its own id")
                    return false
                }
                parts[index].children[decl.name, default: []].append(prefix + segment + "/")
                guard add(e, def: childDef, prefix: prefix + segment + "/", parent: index, ctx: ctx) else { return false }
            }
        }
        return true
    }

    /// `<ChildInstance component="REF"/>` (LEMS `Structure`): the top-level component whose id
    /// the attribute REF of `el` gives (its `<ComponentReference name="REF" type>`), instantiated
    /// as the child REF of part `index` (`select="REF/g"` reads it; each instance gets its own
    /// copy, so two channel populations of one channel have their own gate states).
    private mutating func addInstances(of el: Element, chain: [ComponentTypeDef], at index: Int, ctx: Context) -> Bool {
        let prefix = parts[index].prefix
        for (reference, x) in chain.flatMap(\.childInstances) {
            guard let decl = chain.flatMap(\.references).first(where: { $0.name == reference }) else {
                ctx.error("BRC-E0107", "<ChildInstance component=\"\(reference)\">: ComponentType '\(chain[0].name)' has no <ComponentReference name=\"\(reference)\">",
                          at: x.location, hint: "declare <ComponentReference name=\"\(reference)\" type=...> in the ComponentType")
                return false
            }
            guard let a = el.attribute(reference) else {
                ctx.error("BRC-E0102", "<\(el.name)> is missing the required attribute '\(reference)' (the id of the component its ComponentType instantiates)",
                          at: el.location, hint: "add \(reference)=\"ID\" naming a component of type \(decl.type)")
                return false
            }
            guard let target = ctx.byId[a.value] else {
                ctx.undefined(a.value, "BRC-E0107", "component '\(a.value)' (named by \(reference)=) is not defined", at: a.valueLocation,
                              hint: "name a top-level component of type \(decl.type)")
                return false
            }
            let typeName = target.typeName
            if ctx.typeErrorsReported(typeName) { return false }
            guard let childDef = ctx.type(named: typeName) else {
                ctx.error("BRC-E0107", "ComponentType '\(typeName)' of component '\(a.value)' is not defined", at: target.location, hint: "define <ComponentType name=\"\(typeName)\">")
                return false
            }
            guard decl.type == "Component" || Self.conforms(typeName, to: decl.type, ctx: ctx) else {
                ctx.error("BRC-E0108", "component '\(a.value)' is a '\(typeName)', but \(reference)= must name a '\(decl.type)'", at: a.valueLocation,
                          hint: "name a component whose type is or extends '\(decl.type)'")
                return false
            }
            guard !ancestors(of: index).contains(where: { parts[$0].element.location == target.location }) else {
                ctx.error("BRC-E0111", "component '\(a.value)' instantiates itself (through \(reference)=)", at: a.valueLocation, hint: "break the cycle of references")
                return false
            }
            guard parts[index].children[reference] == nil, !chain.flatMap(\.childDeclarations).contains(where: { $0.name == reference }) else {
                ctx.error("BRC-E0123", "'\(reference)' is instantiated twice in <\(el.name)> (a second <ChildInstance component=\"\(reference)\">, or a Child of that name)", at: x.location,
                          hint: "instantiate each reference once")
                return false
            }
            parts[index].children[reference] = [prefix + reference + "/"]
            guard add(target, def: childDef, prefix: prefix + reference + "/", parent: index, ctx: ctx) else { return false }
        }
        return true
    }

    /// Part `k` and the parts above it.
    private func ancestors(of k: Int) -> [Int] {
        var out = [k]
        while let p = parts[out.last!].parent { out.append(p) }
        return out
    }

    /// The value of `<DerivedParameter select="//TYPE[ATTR=PATH]/NAME">` in part `k` (LEMS's
    /// example5: `//MembranePotential[species=channel/species]/reversal`): NAME of the one
    /// component of the model (at the top level or nested) whose type is or extends TYPE and,
    /// with the predicate, whose attribute ATTR equals PATH read from part k (each segment but
    /// the last follows a reference, an id, to its component; the last is an attribute there).
    /// Nil after a located diagnostic (another form of path; none or several components).
    func selectedParameter(_ p: ComponentTypeDef.Named, select: Attribute, of k: Int, ctx: Context) -> Double? {
        func fail(_ why: String) -> Double? {
            ctx.error("BRC-E0103", "not supported yet: <DerivedParameter name=\"\(p.name)\" select=\"\(select.value)\">: \(why)", at: select.location,
                      hint: "brcc selects \"//TYPE/NAME\" or \"//TYPE[ATTR=PATH]/NAME\" (PATH: references from this component, then an attribute)")
            return nil
        }
        guard select.value.hasPrefix("//") else { return fail("the path does not start with //") }
        var rest = Substring(select.value.dropFirst(2))
        guard let slash = rest.lastIndex(of: "/") else { return fail("no /NAME after the type") }
        let name = String(rest[rest.index(after: slash)...])
        rest = rest[..<slash]
        var type = String(rest), predicate: (attribute: String, path: [String])? = nil
        if let open = rest.firstIndex(of: "[") {
            guard rest.hasSuffix("]") else { return fail("a predicate that is not [ATTR=PATH]") }
            type = String(rest[..<open])
            let parts = rest[rest.index(after: open)..<rest.index(before: rest.endIndex)].split(separator: "=", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { return fail("a predicate that is not [ATTR=PATH]") }
            predicate = (parts[0], parts[1].split(separator: "/").map(String.init))
        }
        guard !type.isEmpty, !type.contains("/"), !name.isEmpty else { return fail("not of the form //TYPE[ATTR=PATH]/NAME") }
        // The predicate's value, read from this component along its references.
        var wanted: String? = nil
        if let predicate {
            var here = parts[k].element
            for segment in predicate.path.dropLast() {
                guard let id = here[segment], let next = ctx.byId[id] else {
                    return fail("'\(segment)' of <\(here.name)> names no component")
                }
                here = next
            }
            guard let v = here[predicate.path.last!] else { return fail("<\(here.name)> has no attribute '\(predicate.path.last!)'") }
            wanted = v
        }
        var matches: [Element] = []
        for (typeName, elements) in ctx.elementsByType where Self.conforms(typeName, to: type, ctx: ctx) {
            matches += elements.filter { e in predicate.map { e[$0.attribute] == wanted } ?? true }
        }
        guard matches.count == 1 else {
            ctx.error("BRC-E0107", "<DerivedParameter name=\"\(p.name)\" select=\"\(select.value)\"> selects \(matches.count) components\(wanted.map { " (\(predicate!.attribute) = '\($0)')" } ?? "")",
                      at: select.location, hint: "the path must select exactly one component of type \(type)")
            return nil
        }
        return ctx.quantity(matches[0], name, p.dimension)
    }

    /// The flat names a select of part `k` reads, or nil if its path does not start at a
    /// child of that part: `name/x` (a Child, or every one of Children) or `name[*]/x`.
    func selection(_ path: String, of k: Int) -> [String]? {
        let segments = path.split(separator: "/", maxSplits: 1).map(String.init)
        guard segments.count == 2 else { return nil }
        var name = segments[0]
        if name.hasSuffix("[*]") { name.removeLast(3) }
        guard let prefixes = parts[k].children[name] else { return nil }
        return prefixes.map { prefix in prefix + (parts.firstIndex { $0.prefix == prefix }.map { exposedVariable(segments[1], of: $0) } ?? segments[1]) }
    }

    /// The variable of part `i` that a path's name `x` selects: its declaration of that name,
    /// else the variable that exposes it under another name (LEMS paths name exposures:
    /// `<DerivedVariable name="qd" exposure="q">` is selected as `sub/q`; the randomised run
    /// against jLEMS found it refused, where jLEMS records 0 for either form).
    func exposedVariable(_ x: String, of i: Int) -> String {
        guard parts[i].names[x] == nil else { return x }
        for def in parts[i].chain {
            for dynamics in def.element.children where dynamics.name == "Dynamics" {
                let variables = dynamics.children.filter { ["StateVariable", "DerivedVariable", "ConditionalDerivedVariable"].contains($0.name) }
                if let name = variables.first(where: { $0["exposure"] == x })?["name"] { return name }
            }
        }
        return x
    }
}

extension Element {
    /// Whether this element is NeuroML metadata (`notes`, `annotation`, `property`), which
    /// lowering passes over wherever it stands.
    var isMetadata: Bool { ComponentTree.metadata.contains(name) }
}
