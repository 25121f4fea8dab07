import BRCDiagnostics
import BRCIR
import BRCSyntax
import BRCUnits

/// A user-defined LEMS ComponentType, as far as brcc supports them for channel kinetics:
/// Parameters, Constants, Requirements, Exposures and a Dynamics block of DerivedVariables and
/// ConditionalDerivedVariables.
struct ComponentTypeDef {
    struct Named { var name: String; var dimension: Dimension; var location: SourceLocation }
    struct Derived {
        var name: String
        var dimension: Dimension
        var element: Element
        /// (condition, value attribute); a plain DerivedVariable has one case without a condition.
        var cases: [(Attribute?, Attribute)]
        /// Declared without a dimension (and no exposure gives one): LEMS takes its value's.
        var undeclared = false
    }

    var name: String
    var extends: String?
    var element: Element
    var parameters: [Named] = []
    var constants: [(Named, Double)] = []
    var requirements: [Named] = []
    var exposures: [Named] = []
    var derived: [Derived] = []
    // Event-driven dynamics (synapses): state variables, their derivatives, handlers.
    var stateVariables: [Named] = []
    var timeDerivatives: [(variable: String, value: Attribute, element: Element)] = []
    var onStart: [(variable: String, value: Attribute)] = []
    var onEvent: [(variable: String, value: Attribute)] = []
    typealias Condition = (test: Attribute, assignments: [(variable: String, value: Attribute)], emits: Bool, transition: Attribute?)
    var onConditions: [Condition] = []
    /// A LEMS `<Regime>`: its own TimeDerivatives, OnEntry assignments and OnConditions (which
    /// may `<Transition regime=>`).
    struct Regime {
        var name: String
        var initial: Bool
        var element: Element
        var timeDerivatives: [(variable: String, value: Attribute, element: Element)] = []
        var onEntry: [(variable: String, value: Attribute)] = []
        var onConditions: [Condition] = []
        /// The regime's `<OnEvent>` assignments (in synapses: applied to events that arrive
        /// while it is the present regime).
        var onEvent: [(variable: String, value: Attribute)] = []
    }
    var regimes: [Regime] = []
    /// DerivedVariables that sum over attached components (`select="synapses[*]/i" reduce="add"`).
    var selects: [(name: String, dimension: Dimension, path: String, element: Element)] = []
    /// `<InstanceRequirement>`s (a continuous connection's `peer`).
    var instanceRequirements: [String] = []
    /// `<Attachments>` (e.g. a cell's synapses): brcc attaches synapses and inputs natively.
    var attachments: [String] = []
    var eventPorts: [Named] = []
    /// Whether the type declares `<Dynamics>` (which then replaces its base types' Dynamics).
    var hasDynamics = false
    /// DerivedParameters (functions of parameters, inherited like parameters).
    var derivedParameters: [Derived] = []
    /// `<DerivedParameter select="//TYPE[ATTR=PATH]/NAME">`s: a value of another component of
    /// the model, found by a path (`ComponentTree.selectedParameter`).
    var selectedParameters: [(parameter: Named, select: Attribute)] = []
    /// LEMS `<Property>`s (per-instance values such as a synapse's `weight`).
    var properties: [Named] = []
    /// LEMS `<Text>`s: attributes a component gives as text (an ion's name, a segment group);
    /// no expression reads them.
    var texts: [String] = []
    /// `<Child type="network">`s: the type is a component around a network (EnvironmentLowering).
    var networkChildren: [String] = []
    /// A `<Child>` (exactly one sub-component) or `<Children>` (any number) declaration, other
    /// than a network and metadata: instantiated by flattening (`ComponentTree`).
    struct ChildDeclaration {
        var name: String
        var type: String
        var multiple: Bool
        var element: Element
    }
    var childDeclarations: [ChildDeclaration] = []
    /// `<Fixed parameter value>`: a base type's parameter that this type sets (a component of
    /// it need not, and may not give it another value).
    var fixed: [String: Attribute] = [:]
    /// `<Link name type>`s and `<Path name>`s: attributes naming a sibling component by its id
    /// (a transition's `from` and `to` states, read by a KineticScheme) or an instance
    /// (`p1[0]`, read by a Structure's With).
    var links: [String] = []
    /// `<ComponentReference name type>`s: attributes naming a top-level component by its id.
    var references: [(name: String, type: String)] = []
    /// `<Structure><ChildInstance component="REF"/>`: the component a reference names,
    /// instantiated as a child named REF (`ComponentTree`).
    var childInstances: [(reference: String, element: Element)] = []
    /// The rest of a LEMS `<Structure>`: how a network-like component builds populations and
    /// event connections (LEMS's own examples; instantiated by `LEMSNetworks`).
    indirect enum StructureStep {
        /// `<MultiInstantiate number component>`: `number` (a parameter) copies of the component
        /// the reference `component` names.
        case multiInstantiate(number: String, component: String, element: Element)
        /// `<ForEach instances as>`: the steps inside, once for each instance of the path.
        case forEach(instances: String, name: String, body: [StructureStep], element: Element)
        /// `<With instance as>`: names one instance (a path) for the steps after it.
        case with(instance: String, name: String, element: Element)
        /// `<EventConnection from to>`: spikes of `from` reach `to`'s event port.
        case eventConnection(from: String, to: String, element: Element)

        /// The step's element.
        var element: Element {
            switch self {
            case .multiInstantiate(_, _, let e), .forEach(_, _, _, let e), .with(_, _, let e), .eventConnection(_, _, let e): return e
            }
        }
    }
    var structure: [StructureStep] = []
    /// A LEMS `<KineticScheme>`: the `stateVariable` of each of the Children `nodes` is an
    /// occupancy, moved by the `forwardRate` and `reverseRate` of each of the Children `edges`,
    /// from the node the edge's Link `edgeSource` names to the one `edgeTarget` names.
    struct KineticSchemeDecl {
        var nodes: String, stateVariable: String, edges: String, edgeSource: String, edgeTarget: String
        var forwardRate: String, reverseRate: String
        var element: Element
    }
    var kineticSchemes: [KineticSchemeDecl] = []
    /// What brcc cannot compile of this type (for a core library type: reported where it is used).
    var problems: [Diagnostic] = []

    /// What brcc cannot compile of this type where its children are not instantiated (every use
    /// but a LEMS point cell, a synapse type and an input type, see `ComponentTree`): its
    /// `problems`, then its first Child/Children.
    var problemsAsLeaf: [Diagnostic] {
        let hint = "brcc instantiates a ComponentType's children in LEMS point cells, synapse types and input types only"
        if let c = childDeclarations.first {
            return problems + [Diagnostic("BRC-E0103", .error, "not supported yet: <\(c.element.name) name=\"\(c.name)\"> in <ComponentType name=\"\(name)\">",
                                          at: c.element.location, hint: hint)]
        }
        if let c = childInstances.first {
            return problems + [Diagnostic("BRC-E0103", .error, "not supported yet: <ChildInstance component=\"\(c.reference)\"> in <ComponentType name=\"\(name)\">",
                                          at: c.element.location, hint: hint)]
        }
        if let p = selectedParameters.first {
            return problems + [Diagnostic("BRC-E0103", .error, "not supported yet: <DerivedParameter name=\"\(p.parameter.name)\" select=...> in <ComponentType name=\"\(name)\">",
                                          at: p.select.location, hint: "brcc selects other components' values in LEMS point cells only; write value=\"...\"")]
        }
        return problems
    }

    /// True if the type has state (so it is a dynamical component, e.g. a synapse, not a rate).
    var isDynamical: Bool { !stateVariables.isEmpty || !onEvent.isEmpty }

    /// Base types whose meaning brcc implements natively (the `extends` chain stops there).
    static let knownBases: Set<String> = Set(standardBases.keys).union(SynapseLowering.bases.keys)

    /// This type and the types it extends, up to (not including) a known base.
    func chain(in ctx: Context) -> [ComponentTypeDef] {
        var chain: [ComponentTypeDef] = [self]
        while let ext = chain.last!.extends, !Self.knownBases.contains(ext), let next = ctx.type(named: ext),
              !chain.contains(where: { $0.name == ext }) { chain.append(next) }
        return chain
    }

    /// The type named `name` and the names up its `extends` chain, each once (a name no type
    /// defines ends it).
    static func lineage(_ name: String, ctx: Context) -> [String] {
        var out: [String] = []
        var current: String? = name
        while let c = current, !out.contains(c) {
            out.append(c)
            current = ctx.type(named: c)?.extends
        }
        return out
    }

    /// The attributes a component of this type chain gives as text, not as a quantity: its
    /// `<Text>`s, `<Link>`s and `<ComponentReference>`s (ids), and the parameters a type of the
    /// chain fixes (which it may repeat).
    static func texts(of chain: [ComponentTypeDef]) -> [String] {
        chain.flatMap(\.texts) + chain.flatMap(\.links) + chain.flatMap(\.references).map(\.name) + chain.flatMap(\.fixed.keys)
    }

    /// The parameters a component of this chain must give (those no type of it fixes).
    static func givenParameters(of chain: [ComponentTypeDef]) -> [String] {
        let fixed = Set(chain.flatMap(\.fixed.keys))
        return parameters(of: chain).map(\.name).filter { !fixed.contains($0) }
    }

    /// The value of parameter `p` for component `el` (internal units): the `<Fixed>` value
    /// where a type of the chain fixes it (the nearest type's), else `el`'s attribute. A
    /// component that gives a fixed parameter another value is `BRC-E0130`.
    static func value(of p: Named, for el: Element, chain: [ComponentTypeDef], ctx: Context) -> Double? {
        guard let f = chain.lazy.compactMap({ $0.fixed[p.name] }).first else { return ctx.quantity(el, p.name, p.dimension) }
        guard let v = ctx.quantity(f, p.dimension, element: "Fixed") else { return nil }
        if let a = el.attribute(p.name) {
            guard let given = ctx.quantity(a, p.dimension, element: el.name) else { return nil }
            guard given == v else {
                ctx.sink.report(Diagnostic("BRC-E0130", .error, "<\(el.name)> gives '\(p.name)' = \(a.value), but its ComponentType fixes it to \(f.value)",
                                           at: a.valueLocation, hint: "remove the attribute (a <Fixed> parameter takes the type's value)", notes: [("fixed here", f.location)]))
                return nil
            }
        }
        return v
    }

    /// The parameters of a type chain, each once, the base types' first.
    static func parameters(of chain: [ComponentTypeDef]) -> [Named] {
        var out: [Named] = []
        for p in chain.reversed().flatMap(\.parameters) where !out.contains(where: { $0.name == p.name }) { out.append(p) }
        return out
    }

    /// The chain as LEMS resolves Dynamics: parameters, constants and derived parameters from
    /// every type of the chain, Dynamics (states, derived variables, handlers) from the first
    /// type that declares them (a subtype's Dynamics replaces its base's).
    func resolved(in ctx: Context) -> [ComponentTypeDef] {
        let chain = chain(in: ctx)
        let owner = chain.firstIndex(where: \.hasDynamics)
        return chain.enumerated().map { i, d in
            var d = d
            if let owner, i != owner {
                d.stateVariables = []; d.timeDerivatives = []; d.onStart = []; d.onEvent = []; d.onConditions = []
                d.selects = []; d.derived = []; d.regimes = []
            }
            d.derived = d.derivedParameters + d.derived
            return d
        }
    }

    /// Reads a core library ComponentType: problems are kept in the definition, not reported.
    static func readCore(_ el: Element, document: Document) -> ComponentTypeDef? {
        let scratch = DiagnosticSink()
        let ctx = Context(document: document, sink: scratch)
        guard var def = read(el, ctx: ctx) else { return nil }
        def.problems = scratch.errors
        return def
    }

    /// The first standard type up the `extends` chain.
    func rootBase(in ctx: Context) -> String {
        var seen: Set<String> = [name]
        var current = self
        while let ext = current.extends {
            if Self.knownBases.contains(ext) { return ext }
            guard let next = ctx.type(named: ext), !seen.contains(ext) else { return ext }
            seen.insert(ext)
            current = next
        }
        return current.name
    }

    /// The standard base types brcc knows, with their requirement and exposure.
    static let standardBases: [String: (exposure: String, dimension: Dimension)] = [
        "baseVoltageDepRate": ("r", .perTime),
        "baseVoltageDepTime": ("t", .time),
        "baseVoltageDepVariable": ("x", .none),
        "baseVoltageConcDepRate": ("r", .perTime),
        "baseVoltageConcDepTime": ("t", .time),
        "baseVoltageConcDepVariable": ("x", .none),
    ]

    static func read(_ el: Element, ctx: Context) -> ComponentTypeDef? {
        // `standalone` (LEMS: whether a component of the type may stand at the top level)
        // changes nothing brcc does.
        ctx.checkAttributes(el, required: ["name"], optional: ["extends", "description", "standalone"])
        guard let name = el["name"] else { return nil }
        var def = ComponentTypeDef(name: name, extends: el["extends"], element: el)
        func dim(_ e: Element) -> Dimension? {
            let dn = e["dimension"] ?? "none"
            guard let d = ctx.units.dimension(named: dn) else {
                ctx.error("BRC-E0109", "unknown dimension '\(dn)' in <\(e.name)>", at: e.attribute("dimension")?.location ?? e.location,
                          hint: "use a dimension of NeuroMLCoreDimensions.xml (e.g. voltage, time, per_time, none) or declare it with <Dimension name=... t=... i=.../>")
                return nil
            }
            return d
        }
        /// A derived variable without `dimension` takes its exposure's (declared here or by the base type).
        func derivedDimension(_ e: Element) -> Dimension? {
            if e["dimension"] != nil { return dim(e) }
            if let x = e["exposure"] {
                if let exp = el.children.first(where: { $0.name == "Exposure" && $0["name"] == x }) { return dim(exp) }
                if let base = Self.standardBases.values.first(where: { $0.exposure == x }) { return base.dimension }
            }
            return Dimension.none
        }
        /// An OnStart/OnEvent/OnCondition/OnEntry: its StateAssignments, EventOut and Transition.
        func handler(_ dv: Element) -> Condition? {
            ctx.checkAttributes(dv, required: dv.name == "OnEvent" ? ["port"] : (dv.name == "OnCondition" ? ["test"] : []))
            var assignments: [(variable: String, value: Attribute)] = []
            var emits = false
            var transition: Attribute? = nil
            for a in dv.children {
                if a.name == "EventOut" && dv.name == "OnCondition" {
                    ctx.checkAttributes(a, required: ["port"])
                    emits = true
                    continue
                }
                if a.name == "Transition" && dv.name == "OnCondition" {
                    ctx.checkAttributes(a, required: ["regime"])
                    transition = a.attribute("regime")
                    continue
                }
                guard a.name == "StateAssignment" else {
                    ctx.unsupported(a, in: dv.name, supported: ["StateAssignment"])
                    continue
                }
                ctx.checkAttributes(a, required: ["variable", "value"])
                if let n = a["variable"], let v = a.attribute("value") { assignments.append((n, v)) }
            }
            return (dv.attribute("test") ?? Attribute(name: "test", value: "", location: dv.location), assignments, emits, transition)
        }
        /// A `<StateVariable>`, of the Dynamics or of one of its Regimes.
        func stateVariable(_ dv: Element) {
            ctx.checkAttributes(dv, required: ["name"], optional: ["dimension", "exposure", "description"])
            guard let n = dv["name"], let d = dim(dv) else { return }
            def.stateVariables.append(Named(name: n, dimension: d, location: dv.location))
        }
        for c in el.children {
            switch c.name {
            case "Parameter", "Requirement", "Exposure":
                ctx.checkAttributes(c, required: ["name"], optional: ["dimension", "description"])
                guard let n = c["name"], let d = dim(c) else { continue }
                let named = Named(name: n, dimension: d, location: c.location)
                if c.name == "Parameter" { def.parameters.append(named) } else if c.name == "Requirement" { def.requirements.append(named) } else { def.exposures.append(named) }
            case "Property":
                ctx.checkAttributes(c, required: ["name"], optional: ["dimension", "description", "defaultValue"])
                guard let n = c["name"], let d = dim(c) else { continue }
                def.properties.append(Named(name: n, dimension: d, location: c.location))
            case "Text":
                ctx.checkAttributes(c, required: ["name"], optional: ["description"])
                if let n = c["name"] { def.texts.append(n) }
            case "DerivedParameter":
                // Either an expression of parameters (value) or another component's value (select).
                ctx.checkAttributes(c, required: ["name"] + (c["select"] == nil ? ["value"] : []), optional: ["dimension", "description"] + (c["value"] == nil ? ["select"] : []))
                guard let n = c["name"], let d = dim(c) else { continue }
                if let v = c.attribute("value") {
                    def.derivedParameters.append(Derived(name: n, dimension: d, element: c, cases: [(nil, v)]))
                } else if let sel = c.attribute("select") {
                    def.selectedParameters.append((Named(name: n, dimension: d, location: c.location), sel))
                }
            case "Child" where c["type"] == "network":
                // A component around the network (Ex17's tissue): lowered by EnvironmentLowering
                // when a Simulation targets it.
                ctx.checkAttributes(c, required: ["name", "type"], optional: ["description"])
                if let n = c["name"] { def.networkChildren.append(n) }
            case "Child" where ["notes", "annotation"].contains(c["name"] ?? ""),
                 "Children" where ["notes", "annotation", "property"].contains(c["name"] ?? ""):
                // baseStandalone's metadata (notes, annotation, property list): no dynamics.
                // (Each pattern carries its own `where`: a `where` after a pattern list applies
                // to its last pattern only, which once let every other <Child> pass unseen.)
                continue
            case "Child", "Children":
                ctx.checkAttributes(c, required: ["name", "type"], optional: ["description"])
                guard let n = c["name"], let t = c["type"] else { continue }
                def.childDeclarations.append(ChildDeclaration(name: n, type: t, multiple: c.name == "Children", element: c))
            case "Fixed":
                ctx.checkAttributes(c, required: ["parameter", "value"], optional: ["description"])
                if let n = c["parameter"], let v = c.attribute("value") { def.fixed[n] = v }
            case "Link", "Path":
                // A Path (`from="p1[0]"`) names an instance for a Structure's With, as a Link names a sibling.
                ctx.checkAttributes(c, required: c.name == "Link" ? ["name", "type"] : ["name"], optional: ["description"] + (c.name == "Path" ? ["type"] : []))
                if let n = c["name"] { def.links.append(n) }
            case "ComponentReference":
                ctx.checkAttributes(c, required: ["name", "type"], optional: ["description", "local"])
                if let n = c["name"], let t = c["type"] { def.references.append((n, t)) }
            case "Structure":
                for x in c.children where x.name == "ChildInstance" {
                    ctx.checkAttributes(x, required: ["component"])
                    if let r = x["component"] { def.childInstances.append((r, x)) }
                }
                def.structure = structureSteps(c.children.filter { $0.name != "ChildInstance" }, in: "Structure", ctx: ctx)
            case "InstanceRequirement":
                // A continuous connection's peer (gapJunction, gradedSynapse): its `peer/v`.
                ctx.checkAttributes(c, required: ["name", "type"], optional: ["description"])
                if let n = c["name"] { def.instanceRequirements.append(n) }
            case "Attachments":
                ctx.checkAttributes(c, required: ["name", "type"], optional: ["description"])
                if let n = c["name"] { def.attachments.append(n) }
            case "EventPort":
                ctx.checkAttributes(c, required: ["name", "direction"], optional: ["description"])
                if let n = c["name"] { def.eventPorts.append(Named(name: n, dimension: .none, location: c.location)) }
            case "Constant":
                ctx.checkAttributes(c, required: ["name", "value"], optional: ["dimension", "description", "symbol"])
                guard let n = c["name"], let d = dim(c), let v = ctx.quantity(c, "value", d) else { continue }
                def.constants.append((Named(name: n, dimension: d, location: c.location), v))
            case "Dynamics":
                // `simultaneous` (jLEMS: whether derived variables are evaluated together; the
                // SBML converter writes it) changes nothing: brcc orders them by dependency.
                ctx.checkAttributes(c, optional: ["simultaneous"])
                def.hasDynamics = true
                for dv in c.children {
                    switch dv.name {
                    case "DerivedVariable" where dv["select"] != nil:
                        ctx.checkAttributes(dv, required: ["name", "select"], optional: ["dimension", "exposure", "description", "reduce", "required"])
                        guard let n = dv["name"], let d = derivedDimension(dv), let path = dv["select"] else { continue }
                        if let r = dv.attribute("reduce"), !["add", "multiply"].contains(r.value) {
                            ctx.error("BRC-E0128", "unknown reduce=\"\(r.value)\" (LEMS reduces a selection with add or multiply)", at: r.valueLocation, hint: "use reduce=\"add\" or reduce=\"multiply\"")
                        }
                        def.selects.append((n, d, path, dv))
                    case "DerivedVariable" where IdentifierRule.repeatsState(dv, in: c):
                        continue  // warned (BRC-W0126) by IdentifierRule
                    case "DerivedVariable":
                        // `required` (LEMS: whether the value must be computable) changes nothing here.
                        ctx.checkAttributes(dv, required: ["name", "value"], optional: ["dimension", "exposure", "description", "required"])
                        guard let n = dv["name"], let d = derivedDimension(dv), let v = dv.attribute("value") else { continue }
                        // Without a dimension, an exposure declared here or by a standard base gives it;
                        // else (no exposure, or one a base type of the model declares) its value does.
                        let exposed = dv["exposure"].map { x in el.children.contains { $0.name == "Exposure" && $0["name"] == x } || Self.standardBases.values.contains { $0.exposure == x } } ?? false
                        def.derived.append(Derived(name: n, dimension: d, element: dv, cases: [(nil, v)], undeclared: dv["dimension"] == nil && !exposed))
                    case "ConditionalDerivedVariable":
                        ctx.checkAttributes(dv, required: ["name"], optional: ["dimension", "exposure", "description"])
                        guard let n = dv["name"], let d = derivedDimension(dv) else { continue }
                        var cases: [(Attribute?, Attribute)] = []
                        for cs in dv.children {
                            guard cs.name == "Case" else { ctx.unsupported(cs, in: dv.name, supported: ["Case"]); continue }
                            ctx.checkAttributes(cs, required: ["value"], optional: ["condition"])
                            if let v = cs.attribute("value") { cases.append((cs.attribute("condition"), v)) }
                        }
                        def.derived.append(Derived(name: n, dimension: d, element: dv, cases: cases))
                    case "StateVariable":
                        stateVariable(dv)
                    case "TimeDerivative":
                        ctx.checkAttributes(dv, required: ["variable", "value"])
                        guard let n = dv["variable"], let v = dv.attribute("value") else { continue }
                        def.timeDerivatives.append((n, v, dv))
                    case "OnStart", "OnEvent", "OnCondition":
                        guard let h = handler(dv) else { continue }
                        switch dv.name {
                        case "OnStart": def.onStart += h.assignments
                        case "OnEvent": def.onEvent += h.assignments
                        default: def.onConditions.append(h)
                        }
                    case "KineticScheme":
                        let names = ["nodes", "stateVariable", "edges", "edgeSource", "edgeTarget", "forwardRate", "reverseRate"]
                        guard ctx.checkAttributes(dv, required: ["name"] + names, optional: ["dependency", "step", "description"]) else { continue }
                        let a = names.map { dv[$0]! }
                        def.kineticSchemes.append(KineticSchemeDecl(nodes: a[0], stateVariable: a[1], edges: a[2], edgeSource: a[3], edgeTarget: a[4],
                                                                    forwardRate: a[5], reverseRate: a[6], element: dv))
                    case "Regime":
                        ctx.checkAttributes(dv, required: ["name"], optional: ["initial"])
                        var r = Regime(name: dv["name"] ?? "", initial: dv["initial"] == "true", element: dv)
                        for x in dv.children {
                            switch x.name {
                            case "TimeDerivative":
                                ctx.checkAttributes(x, required: ["variable", "value"])
                                if let n = x["variable"], let v = x.attribute("value") { r.timeDerivatives.append((n, v, x)) }
                            case "OnEntry": if let h = handler(x) { r.onEntry += h.assignments }
                            case "OnCondition": if let h = handler(x) { r.onConditions.append(h) }
                            case "OnEvent": if let h = handler(x) { r.onEvent += h.assignments }
                            // A regime's own state (jLEMS keeps it across regimes, as the component's).
                            case "StateVariable": stateVariable(x)
                            default: ctx.unsupported(x, in: "Regime", supported: ["StateVariable", "TimeDerivative", "OnEntry", "OnCondition", "OnEvent"])
                            }
                        }
                        def.regimes.append(r)
                    default:
                        ctx.unsupported(dv, in: "Dynamics", supported: ["DerivedVariable", "ConditionalDerivedVariable", "StateVariable",
                                                                       "TimeDerivative", "OnStart", "OnEvent", "OnCondition", "Regime", "KineticScheme"])
                    }
                }
            default:
                ctx.unsupported(c, in: "ComponentType", supported: ["Parameter", "DerivedParameter", "Property", "Text", "Constant", "Requirement", "Exposure", "EventPort", "Attachments",
                                                                    "Fixed", "Link", "Path", "ComponentReference", "Structure", "Dynamics"])
            }
        }
        return def
    }

    /// The steps of a `<Structure>` (or of a ForEach in it).
    static func structureSteps(_ elements: [Element], in parent: String, ctx: Context) -> [StructureStep] {
        var out: [StructureStep] = []
        for x in elements {
            switch x.name {
            case "MultiInstantiate":
                guard ctx.checkAttributes(x, required: ["number", "component"]) else { continue }
                out.append(.multiInstantiate(number: x["number"]!, component: x["component"]!, element: x))
            case "ForEach":
                guard ctx.checkAttributes(x, required: ["instances", "as"]) else { continue }
                out.append(.forEach(instances: x["instances"]!, name: x["as"]!, body: structureSteps(x.children, in: "ForEach", ctx: ctx), element: x))
            case "With":
                guard ctx.checkAttributes(x, required: ["instance", "as"]) else { continue }
                out.append(.with(instance: x["instance"]!, name: x["as"]!, element: x))
            case "EventConnection":
                guard ctx.checkAttributes(x, required: ["from", "to"], optional: ["receiver", "receiverContainer", "sourcePort", "targetPort", "delay"]) else { continue }
                out.append(.eventConnection(from: x["from"]!, to: x["to"]!, element: x))
            default:
                ctx.unsupported(x, in: parent, supported: parent == "Structure" ? ["ChildInstance", "MultiInstantiate", "ForEach", "With", "EventConnection"]
                                                                                  : ["ForEach", "EventConnection"])
            }
        }
        return out
    }

    /// Instantiates this type as a component (`comp`, e.g. `<forwardRate type="myRate" .../>`):
    /// returns locals (prefixed with `prefix`) and the exposure's value. `v` and `temperature`
    /// come from the cell. Reports errors for missing parameters and bad expressions.
    func instantiate(_ comp: Element, prefix: String, extra: [String: Binding] = [:], ctx: Context) -> (locals: [IRAssignment], exposure: IRExpr)? {
        let base = rootBase(in: ctx)
        guard let (exposureName, exposureDim) = Self.standardBases[base] else {
            ctx.error("BRC-E0110", "ComponentType '\(name)' extends '\(base)', which brcc does not support here", at: element.location,
                      hint: "extend baseVoltageDepRate, baseVoltageDepTime or baseVoltageDepVariable")
            return nil
        }
        // Collect the chain's declarations (this type and the custom types it extends).
        let chain = resolved(in: ctx)
        // A rate is one expression: its type may not have children.
        if let withChildren = chain.first(where: { !$0.childDeclarations.isEmpty }), let problem = withChildren.problemsAsLeaf.last {
            ctx.sink.report(problem)
            return nil
        }
        var env: [String: Binding] = extra.merging(["v": Binding(dimension: .voltage, ir: .ref("v")),
                                                    "temperature": Binding(dimension: .temperature, ir: .ref("temperature"))]) { $1 }
        // A concentration-dependent rate reads the node's calcium concentration (jNeuroML's
        // NEURON export: caConc = cai, the ion's concentration, written by the ca pool).
        if base.hasPrefix("baseVoltageConcDep") { env["caConc"] = Binding(dimension: .concentration, ir: .ref(IRMechanism.ionConcentrationName("ca"))) }
        guard Self.requirementsMet(chain, env: env, type: name, where: "where it is used", ctx: ctx) else { return nil }
        let allParams = chain.flatMap(\.parameters)
        ctx.checkAttributes(comp, required: allParams.map(\.name), optional: ["type", "id"])
        for p in allParams {
            guard let v = ctx.quantity(comp, p.name, p.dimension, required: false) else { return nil }
            env[p.name] = Binding(dimension: p.dimension, ir: .const(v))
        }
        for (c, v) in chain.flatMap(\.constants) { env[c.name] = Binding(dimension: c.dimension, ir: .const(v)) }
        let derived = chain.flatMap(\.derived)
        var locals: [IRAssignment] = []
        // (A name already bound, a Parameter or Requirement, is not waited for.)
        let ordered = Self.inDependencyOrder(derived, of: name, name: \.name, reads: { Self.reads($0, ctx: ctx).filter { env[$0] == nil } }, at: \.element.location, ctx: ctx) { d in
            var d = d
            if d.name == exposureName, d.dimension != exposureDim, d.cases.count == 1, Self.valueDimension(d.cases[0].1, env: env, ctx: ctx) == exposureDim {
                // The declaration alone is wrong (Channelpedia's HCN1: a time constant
                // declared dimensionless, its value 30 * TIME_SCALE): jLEMS computes the
                // value, which is what the exposure needs.
                ctx.warning("BRC-W0204", "DerivedVariable '\(d.name)' of '\(name)' declares dimension \(d.dimension), but its value and the exposure '\(exposureName)' of \(base) are \(exposureDim); brcc uses the value, as jLEMS does",
                            at: d.element.location, hint: "declare dimension=\"\(exposureDim)\"")
                d.dimension = exposureDim
            }
            guard let value = Self.lowerDerived(d, env: env, ctx: ctx) else { return false }
            let local = "\(prefix)_\(d.name)"
            locals.append(IRAssignment(local, value))
            env[d.name] = Binding(dimension: d.dimension, ir: .ref(local))
            return true
        }
        guard ordered else { return nil }
        guard let exposed = env[exposureName], derived.contains(where: { $0.name == exposureName }) else {
            ctx.error("BRC-E0112", "ComponentType '\(name)' must define a DerivedVariable '\(exposureName)' (the exposure of \(base))", at: element.location,
                      hint: "add <DerivedVariable name=\"\(exposureName)\" dimension=\"\(exposureDim)\" exposure=\"\(exposureName)\" value=\"...\"/> to its <Dynamics>")
            return nil
        }
        guard exposed.dimension == exposureDim else {
            ctx.error("BRC-E0202", "'\(exposureName)' of '\(name)' has dimension \(exposed.dimension), expected \(exposureDim)", at: element.location,
                      hint: "declare dimension=\"\(exposureDim)\" and make the expression agree")
            return nil
        }
        return (locals, exposed.ir)
    }

    /// Whether `env` provides every Requirement of `chain` with its dimension (else reported:
    /// not available `place`, or of another dimension).
    static func requirementsMet(_ chain: [ComponentTypeDef], env: [String: Binding], type: String, where place: String, ctx: Context) -> Bool {
        for r in chain.flatMap(\.requirements) {
            guard let b = env[r.name] else {
                ctx.error("BRC-E0117", "ComponentType '\(type)' requires '\(r.name)', which is not available \(place)", at: r.location,
                          hint: "here brcc provides: \(env.keys.sorted().joined(separator: ", "))")
                return false
            }
            guard b.dimension == r.dimension else {
                ctx.error("BRC-E0202", "requirement '\(r.name)' of '\(type)' is declared as \(r.dimension), but it is \(b.dimension) here", at: r.location,
                          hint: "declare dimension=\"\(b.dimension)\"")
                return false
            }
        }
        return true
    }

    /// Whether every TimeDerivative of `derivatives` is of one of `states` (else `BRC-E0605`
    /// at the first that is not).
    static func derivativesOfStates(_ derivatives: [(variable: String, value: Attribute, element: Element)], states: [Named], ctx: Context) -> Bool {
        guard let td = derivatives.first(where: { td in !states.contains { $0.name == td.variable } }) else { return true }
        ctx.error("BRC-E0605", "TimeDerivative of '\(td.variable)', which is not a StateVariable", at: td.element.location,
                  hint: "declare <StateVariable name=\"\(td.variable)\" .../>")
        return false
    }

    /// The StateVariable `name` of `states`, which a StateAssignment at `location` in
    /// ComponentType `type` sets; nil after `BRC-E0605` if there is none of that name.
    static func assignedState(_ name: String, of states: [Named], type: String, at location: SourceLocation, ctx: Context) -> Named? {
        if let s = states.first(where: { $0.name == name }) { return s }
        ctx.error("BRC-E0605", "StateAssignment to '\(name)', which is not a StateVariable of '\(type)'", at: location,
                  hint: "state variables: \(states.map(\.name).joined(separator: ", "))")
        return nil
    }

    /// The dimension of expression `a` in `env`, nil (reporting nothing) if it has none.
    static func valueDimension(_ a: Attribute, env: [String: Binding], ctx: Context) -> Dimension? {
        guard let e = ctx.document.expression(a) else { return nil }
        return try? ExpressionLowering.dimension(of: e, env)
    }

    /// Binds `derived` in `env` as their expressions (inlined), in dependency order; false
    /// after an error (a cycle, a bad expression).
    static func inlineDerived(_ derived: [Derived], into env: inout [String: Binding], type: String, ctx: Context) -> Bool {
        inDependencyOrder(derived, of: type, ctx: ctx) { d in
            guard let value = lowerDerived(d, env: env, ctx: ctx) else { return false }
            env[d.name] = Binding(dimension: d.dimension, ir: value)
            return true
        }
    }

    /// The names a derived variable's expressions (values and conditions) read.
    static func reads(_ d: Derived, ctx: Context) -> Set<String> {
        Set(d.cases.flatMap { [$0.0, $0.1].compactMap { $0 } }.flatMap { ctx.document.expression($0)?.variables ?? [] })
    }

    /// Visits derived variables in dependency order (LEMS does not require textual order):
    /// each after every other pending one whose name it reads. A cycle is `BRC-E0111` at its
    /// first variable; false after that error or when `visit` fails.
    static func inDependencyOrder(_ derived: [Derived], of type: String, ctx: Context, visit: (Derived) -> Bool) -> Bool {
        inDependencyOrder(derived, of: type, name: \.name, reads: { reads($0, ctx: ctx) }, at: \.element.location, ctx: ctx, visit: visit)
    }

    /// The same for any items with a `name` that `reads` names (a cell's derived variables
    /// with its children's, under their flat names).
    /// The order is the items' own where it can be: each time, the first item that waits for
    /// no unvisited one (Kahn's algorithm with the lowest index first: the waits are counted
    /// once, and the scan for the next ready item, from the lowest that became ready, is at worst
    /// quadratic in cheap steps; a LEMS cell's tree may have thousands of items).
    static func inDependencyOrder<T>(_ items: [T], of type: String, name: (T) -> String, reads: (T) -> Set<String>, at location: (T) -> SourceLocation,
                                     ctx: Context, visit: (T) -> Bool) -> Bool {
        let byName = Dictionary(grouping: items.indices, by: { name(items[$0]) })
        var waiting = [Int](repeating: 0, count: items.count)  // unvisited items each one reads
        var dependents = [[Int]](repeating: [], count: items.count)
        for i in items.indices {
            for r in reads(items[i]) {
                for j in byName[r] ?? [] { waiting[i] += 1; dependents[j].append(i) }
            }
        }
        var visited = [Bool](repeating: false, count: items.count)
        var cursor = 0, remaining = items.count
        while remaining > 0 {
            // The first ready item (none before the cursor is ready).
            var next = cursor
            while next < items.count && (visited[next] || waiting[next] > 0) { next += 1 }
            guard next < items.count else {
                // Each one left waits for another: follow the waits until one repeats.
                let pending = items.indices.filter { !visited[$0] }.map { items[$0] }
                var path: [T] = [], at = pending[0]
                while !path.contains(where: { name($0) == name(at) }), let next = pending.first(where: { reads(at).contains(name($0)) }) {
                    path.append(at)
                    at = next
                }
                let cycle = path.drop { name($0) != name(at) }.map(name) + [name(at)]
                ctx.error("BRC-E0111", "derived variables of '\(type)' depend on each other in a cycle: \(cycle.map { "'\($0)'" }.joined(separator: " -> "))",
                          at: location(at), hint: "break the cycle; derived variables are computed from parameters and earlier values")
                return false
            }
            visited[next] = true
            remaining -= 1
            guard visit(items[next]) else { return false }
            cursor = next
            for k in dependents[next] {
                waiting[k] -= 1
                if waiting[k] == 0 { cursor = min(cursor, k) }
            }
        }
        return true
    }

    /// A DerivedVariable's value, or a ConditionalDerivedVariable's cases as nested selects
    /// (the case without a condition is the default).
    static func lowerDerived(_ d: Derived, env: [String: Binding], ctx: Context) -> IRExpr? {
        lowerDerived(d, expected: d.dimension, env: env, ctx: ctx)?.ir
    }

    /// A derived variable with its dimension; one declared without a dimension (`undeclared`)
    /// takes its value's, as LEMS's examples write them (`geff = channelg * number`).
    static func lowerDerivedBinding(_ d: Derived, env: [String: Binding], ctx: Context) -> Binding? {
        lowerDerived(d, expected: d.undeclared ? nil : d.dimension, env: env, ctx: ctx)
    }

    /// The value of `d` (each case of the dimension `expected`, or of the first case's if nil).
    private static func lowerDerived(_ d: Derived, expected: Dimension?, env: [String: Binding], ctx: Context) -> Binding? {
        var expected = expected
        var result: IRExpr? = nil
        var otherwise: IRExpr? = nil
        var branches: [(IRExpr, IRExpr)] = []
        for (cond, value) in d.cases {
            guard let (v, dim) = ExpressionLowering.lowerAttribute(value, element: d.element.name, expected: expected, env: env, ctx: ctx) else { return nil }
            expected = expected ?? dim
            if let cond {
                guard let (c, _) = ExpressionLowering.lowerAttribute(cond, element: "Case", expected: nil, env: env, ctx: ctx) else { return nil }
                branches.append((c, v))
            } else {
                otherwise = v
            }
        }
        result = otherwise
        for (c, v) in branches.reversed() {
            result = result.map { .select(c, v, $0) } ?? v
        }
        guard let result else {
            ctx.error("BRC-E0113", "<\(d.element.name) name=\"\(d.name)\"> has no value", at: d.element.location, hint: "add <Case value=\"...\"/>")
            return nil
        }
        return Binding(dimension: expected ?? d.dimension, ir: result)
    }
}

/// What cells and synapses with LEMS Regimes share: the present regime is the index in a state
/// (`state`, from the `initial` regime, else the first), which selects values and guards
/// conditions; a Transition sets it.
enum Regimes {
    /// The state in which a component with Regimes keeps the index of its present regime.
    static let state = "regime"

    /// True while regime `k` is the present one.
    static func active(_ k: Int) -> IRExpr { .binary(.eq, .ref(state), .const(Double(k))) }

    /// One expression from per-regime values: regime k's value while it is the present one, 0
    /// in a regime without one.
    static func select(_ parts: [(regime: Int, value: IRExpr)]) -> IRExpr {
        parts.reversed().reduce(IRExpr.const(0)) { acc, p in .select(active(p.regime), p.value, acc) }
    }

    /// The regime state, starting in the initial regime; nil (an error) if the type declares a
    /// StateVariable of that name.
    static func stateVariable(_ regimes: [ComponentTypeDef.Regime], states: [ComponentTypeDef.Named], type: String, ctx: Context) -> IRState? {
        guard !states.contains(where: { $0.name == state }) else {
            ctx.error("BRC-E0103", "not supported yet: a StateVariable named '\(state)' in '\(type)', which has Regimes (brcc keeps the present regime in a state of that name)",
                      at: regimes[0].element.location, hint: "rename the StateVariable")
            return nil
        }
        return IRState(name: state, initial: .const(Double(regimes.firstIndex(where: \.initial) ?? 0)), update: .none)
    }

    /// The index of a `<Transition>`'s target; nil (an error) if no regime has that name.
    static func target(_ transition: Attribute, in regimes: [ComponentTypeDef.Regime], type: String, ctx: Context) -> Int? {
        if let k = regimes.firstIndex(where: { $0.name == transition.value }) { return k }
        ctx.error("BRC-E0605", "<Transition> to regime '\(transition.value)', which '\(type)' does not define", at: transition.location,
                  hint: regimes.isEmpty ? "define the regime with <Regime name=\"\(transition.value)\">" : "regimes: \(regimes.map(\.name).joined(separator: ", "))")
        return nil
    }
}
