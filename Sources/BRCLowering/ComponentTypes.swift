import BRCDiagnostics
import BRCIR
import BRCSyntax
import BRCUnits

/// A LEMS ComponentType (a model's own or a NeuroML core type) as brcc reads it: its
/// declarations, Dynamics (with Regimes and KineticSchemes), children and Structure.
/// `ComponentTypeReader.swift` reads it from XML; `ComponentTypeInstances.swift` lowers its
/// components' values.
struct ComponentTypeDef {
    struct Named {
        var name: String; var dimension: Dimension; var location: SourceLocation
        /// A Parameter declared without a `dimension`: dimensionless by LEMS's default.
        var defaulted = false
        /// A Property's `defaultValue` (SI; 0 when absent), the value it has where nothing sets it.
        var defaultValue = 0.0
    }
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
        unfixed(parameters(of: chain).map(\.name), in: chain)
    }

    /// `names` without those a type of `chain` fixes with `<Fixed>`.
    static func unfixed(_ names: [String], in chain: [ComponentTypeDef]) -> [String] {
        let fixed = Set(chain.flatMap(\.fixed.keys))
        return names.filter { !fixed.contains($0) }
    }

    /// The value of parameter `p` for component `el` (internal units): the `<Fixed>` value
    /// where a type of the chain fixes it (the nearest type's), else `el`'s attribute. A
    /// component that gives a fixed parameter another value is `BRC-E0130`.
    static func value(of p: Named, for el: Element, chain: [ComponentTypeDef], ctx: Context) -> Double? {
        guard let f = chain.lazy.compactMap({ $0.fixed[p.name] }).first else { return ctx.parameter(el, p) }
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
        // A channel's own conductance scaling: its factor, of the temperature or (the Ca-
        // dependent one) of caConc too.
        "baseConductanceScaling": ("factor", .none),
        "baseConductanceScalingCaDependent": ("factor", .none),
    ]
}

extension ComponentTypeDef {
    /// The names the expressions of a type chain read (its `value`, `test` and `condition`
    /// attributes, anywhere in its types) that no type of it declares: any `name` attribute in
    /// a type counts as a declaration, and `t`, `v` and `temperature` are built in.
    static func undeclaredReads(of chain: [ComponentTypeDef], ctx: Context) -> Set<String> {
        var reads: Set<String> = [], declared: Set<String> = ["t", "v", "temperature"]
        var stack = chain.map(\.element)
        while let e = stack.popLast() {
            stack.append(contentsOf: e.children)
            if let n = e["name"] { declared.insert(n) }
            for a in e.attributes where ["value", "test", "condition"].contains(a.name) {
                if let x = ctx.document.expression(a) { reads.formUnion(x.variables) }
            }
        }
        return reads.subtracting(declared)
    }

    /// `ctx.checkAttributes` for a component `el` of a type chain, except where the component
    /// gives an attribute its type does not declare but reads by that name: the defect is the
    /// type's (a Parameter lost, or its `extends`), reported once at the type, whose
    /// components are then not lowered (they would give "unknown attribute" each, and the
    /// type "unknown name"). False if the component must not be lowered.
    static func checkComponent(_ el: Element, chain: [ComponentTypeDef], required: [String], optional: [String], ctx: Context) -> Bool {
        let known = Set(required + optional + ["metaid"])
        let extra = el.attributes.map(\.name).filter { !known.contains($0) }
        // A declaration refused with its own error (a misspelt <Parameter>): the component
        // cannot be lowered as the model meant, and says nothing more.
        if extra.contains(where: ctx.rejectedDeclarations.contains) { return false }
        if let type = chain.first, !extra.isEmpty {
            let reads = undeclaredReads(of: chain, ctx: ctx)
            let lost = extra.filter(reads.contains)
            if !lost.isEmpty {
                if !ctx.brokenTypes.contains(type.name) {
                    ctx.brokenTypes.insert(type.name)
                    let names = lost.map { "'\($0)'" }.joined(separator: ", ")
                    ctx.error("BRC-E0107", "ComponentType '\(type.name)' reads \(names), which neither it nor a type it extends declares (its component <\(el.name)\(el.id.map { " id=\"\($0)\"" } ?? "")> gives \(lost.count == 1 ? "it" : "them"))",
                              at: type.element.location,
                              hint: type.extends == nil ? "declare \(lost.count == 1 ? "it" : "them") (<Parameter name=\"\(lost[0])\" dimension=\"...\"/>), or give the type the extends=\"...\" of the type that declares \(lost.count == 1 ? "it" : "them")"
                                  : "declare \(lost.count == 1 ? "it" : "them") in the type (<Parameter name=\"\(lost[0])\" dimension=\"...\"/>)")
                }
                return false
            }
        }
        ctx.checkAttributes(el, required: required, optional: optional)
        return true
    }
}
