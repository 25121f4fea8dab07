import BRCDiagnostics
import BRCIR
import BRCSyntax
import BRCUnits

/// Reading a `<ComponentType>` element into a `ComponentTypeDef`: its declarations, Dynamics
/// and Structure, with a located diagnostic for each element brcc does not compile.
extension ComponentTypeDef {
    /// The type declared by `el` (nil without a name). What brcc does not compile in it is
    /// reported to `ctx` as it is read (`readCore` keeps that in `problems` instead).
    static func read(_ el: Element, ctx: Context) -> ComponentTypeDef? {
        // `standalone` (LEMS: whether a component of the type may stand at the top level)
        // changes nothing brcc does.
        ctx.checkAttributes(el, required: ["name"], optional: ["extends", "description", "standalone"])
        guard let name = el["name"] else { return nil }
        var reader = Reader(el: el, ctx: ctx, def: ComponentTypeDef(name: name, extends: el["extends"], element: el))
        for c in el.children {
            if c.name == "Dynamics" { reader.readDynamics(c) } else { reader.readDeclaration(c) }
        }
        return reader.def
    }

    /// The reading of one `<ComponentType>` element `el` into `def`.
    private struct Reader {
        let el: Element
        let ctx: Context
        var def: ComponentTypeDef

        /// The dimension `e` declares (none where it names none); nil, reported, where it names
        /// an unknown one or misspells the attribute.
        func dim(_ e: Element) -> Dimension? {
            if e["dimension"] == nil, ctx.misspelt(e, "dimension") {  // reported; not "none"
                if let n = e["name"] { ctx.rejectedDeclarations.insert(n) }
                return nil
            }
            let dn = e["dimension"] ?? "none"
            guard let d = ctx.units.dimension(named: dn) else {
                if let n = e["name"] { ctx.rejectedDeclarations.insert(n) }
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
                if let base = ComponentTypeDef.standardBases.values.first(where: { $0.exposure == x }) { return base.dimension }
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
        mutating func stateVariable(_ dv: Element) {
            ctx.checkAttributes(dv, required: ["name"], optional: ["dimension", "exposure", "description"])
            guard let n = dv["name"], let d = dim(dv) else { return }
            def.stateVariables.append(Named(name: n, dimension: d, location: dv.location))
        }

        /// A child of the ComponentType other than its Dynamics: a declaration.
        mutating func readDeclaration(_ c: Element) {
            switch c.name {
            case "Parameter", "Requirement", "Exposure":
                ctx.checkAttributes(c, required: ["name"], optional: ["dimension", "description"])
                guard let n = c["name"], let d = dim(c) else { return }
                let named = Named(name: n, dimension: d, location: c.location, defaulted: c.name == "Parameter" && c["dimension"] == nil)
                if c.name == "Parameter" { def.parameters.append(named) } else if c.name == "Requirement" { def.requirements.append(named) } else { def.exposures.append(named) }
            case "Property":
                ctx.checkAttributes(c, required: ["name"], optional: ["dimension", "description", "defaultValue"])
                guard let n = c["name"], let d = dim(c), let value = c.attribute("defaultValue") == nil ? 0 : ctx.number(c, "defaultValue") else { return }
                def.properties.append(Named(name: n, dimension: d, location: c.location, defaultValue: value))
            case "Text":
                ctx.checkAttributes(c, required: ["name"], optional: ["description"])
                if let n = c["name"] { def.texts.append(n) }
            case "DerivedParameter":
                // Either an expression of parameters (value) or another component's value (select).
                ctx.checkAttributes(c, required: ["name"] + (c["select"] == nil ? ["value"] : []), optional: ["dimension", "description"] + (c["value"] == nil ? ["select"] : []))
                guard let n = c["name"], let d = dim(c) else { return }
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
                return
            case "Child", "Children":
                ctx.checkAttributes(c, required: ["name", "type"], optional: ["description"])
                guard let n = c["name"], let t = c["type"] else { return }
                def.childDeclarations.append(ChildDeclaration(name: n, type: t, multiple: c.name == "Children", element: c))
            case "Fixed":
                ctx.checkAttributes(c, required: ["parameter", "value"], optional: ["description"])
                guard let n = c["parameter"], let v = c.attribute("value") else { return }
                if let first = def.fixed[n] {
                    ctx.error("BRC-E0123", "a second <Fixed parameter=\"\(n)\"> in ComponentType '\(def.name)'",
                              at: c.location, hint: "fix a parameter once; remove one", first: first.location)
                    return
                }
                def.fixed[n] = v
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
            case "Constant":
                ctx.checkAttributes(c, required: ["name", "value"], optional: ["dimension", "description", "symbol"])
                guard let n = c["name"], let d = dim(c) else { return }
                guard let v = ctx.quantity(c, "value", d) else { ctx.rejectedDeclarations.insert(n); return }
                def.constants.append((Named(name: n, dimension: d, location: c.location), v))
            default:
                ctx.unsupported(c, in: "ComponentType", supported: ["Parameter", "DerivedParameter", "Property", "Text", "Constant", "Requirement", "Exposure", "EventPort", "Attachments",
                                                                    "Fixed", "Link", "Path", "ComponentReference", "Structure", "Dynamics"])
            }
        }

        /// The `<Dynamics>` element `c`.
        mutating func readDynamics(_ c: Element) {
            // `simultaneous` (jLEMS: whether derived variables are evaluated together; the
            // SBML converter writes it) changes nothing: brcc orders them by dependency.
            ctx.checkAttributes(c, optional: ["simultaneous"])
            def.hasDynamics = true
            var eventPort: (port: String, element: Element)? = nil
            /// Whether `among` already has a TimeDerivative of `n` (then `el`, a second one, is
            /// `BRC-E0123`: one was silently kept, the first or the last depending on the kind).
            func defined(_ n: String, _ el: Element, among: [(String, Attribute, Element)]) -> Bool {
                guard let first = among.first(where: { $0.0 == n }) else { return false }
                ctx.error("BRC-E0123", "a second <TimeDerivative> of '\(n)' in ComponentType '\(def.name)'",
                          at: el.location, hint: "a state has one time derivative; remove one", first: first.2.location)
                return true
            }
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
                    let exposed = dv["exposure"].map { x in el.children.contains { $0.name == "Exposure" && $0["name"] == x } || ComponentTypeDef.standardBases.values.contains { $0.exposure == x } } ?? false
                    def.derived.append(Derived(name: n, dimension: d, element: dv, cases: [(nil, v)], undeclared: dv["dimension"] == nil && !exposed))
                case "ConditionalDerivedVariable":
                    ctx.checkAttributes(dv, required: ["name"], optional: ["dimension", "exposure", "description"])
                    guard let n = dv["name"], let d = derivedDimension(dv) else { continue }
                    var cases: [(Attribute?, Attribute)] = []
                    var otherwise: Element? = nil  // the Case without a condition
                    for cs in dv.children {
                        guard cs.name == "Case" else { ctx.unsupported(cs, in: dv.name, supported: ["Case"]); continue }
                        ctx.checkAttributes(cs, required: ["value"], optional: ["condition"])
                        guard let v = cs.attribute("value") else { continue }
                        if cs.attribute("condition") == nil, let first = otherwise {
                            ctx.error("BRC-E0119", "<ConditionalDerivedVariable name=\"\(dv["name"] ?? "")\"> has a second <Case> without a condition",
                                      at: cs.location, hint: "give every <Case> but one a condition; the one without is the value where none holds", first: first.location)
                            continue
                        }
                        if cs.attribute("condition") == nil { otherwise = cs }
                        cases.append((cs.attribute("condition"), v))
                    }
                    def.derived.append(Derived(name: n, dimension: d, element: dv, cases: cases))
                case "StateVariable":
                    stateVariable(dv)
                case "TimeDerivative":
                    ctx.checkAttributes(dv, required: ["variable", "value"])
                    guard let n = dv["variable"], let v = dv.attribute("value"), !defined(n, dv, among: def.timeDerivatives) else { continue }
                    def.timeDerivatives.append((n, v, dv))
                case "OnStart", "OnEvent", "OnCondition":
                    if dv.name == "OnEvent" {
                        // brcc sends every event to the one port a type's OnEvents listen on.
                        let port = dv["port"] ?? ""
                        if let other = eventPort, other.port != port {
                            ctx.error("BRC-E0103", "not supported yet: OnEvent handlers of two ports ('\(other.port)' and '\(port)') in ComponentType '\(def.name)'; brcc runs every OnEvent on every incoming event",
                                      at: dv.location, hint: "handle the events of one port only", first: other.element.location)
                            continue
                        }
                        eventPort = (port, dv)
                    }
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
                    // Each scheme writes its own solve under its name and moves its nodes' occupancies alone.
                    if let other = def.kineticSchemes.first(where: { $0.element["name"] == dv["name"] || ($0.nodes == a[0] && $0.stateVariable == a[1]) }) {
                        let same = other.element["name"] == dv["name"] ? "the name '\(dv["name"]!)'" : "the occupancies '\(a[1])' of the nodes '\(a[0])'"
                        ctx.error("BRC-E0123", "a second <KineticScheme> in ComponentType '\(def.name)' with \(same)",
                                  at: dv.location, hint: "remove one: a kinetic scheme's nodes are moved by that scheme alone, and its name is unique in the type", first: other.element.location)
                        continue
                    }
                    def.kineticSchemes.append(KineticSchemeDecl(nodes: a[0], stateVariable: a[1], edges: a[2], edgeSource: a[3], edgeTarget: a[4],
                                                                forwardRate: a[5], reverseRate: a[6], element: dv))
                case "Regime":
                    ctx.checkAttributes(dv, required: ["name"], optional: ["initial"])
                    // (Read as a boolean: "True" silently made another regime the initial one.)
                    var r = Regime(name: dv["name"] ?? "", initial: ctx.boolean(dv, "initial", default: false) ?? false, element: dv)
                    for x in dv.children {
                        switch x.name {
                        case "TimeDerivative":
                            ctx.checkAttributes(x, required: ["variable", "value"])
                            if let n = x["variable"], let v = x.attribute("value"), !defined(n, x, among: r.timeDerivatives) { r.timeDerivatives.append((n, v, x)) }
                        case "OnEntry": if let h = handler(x) { r.onEntry += h.assignments }
                        case "OnCondition": if let h = handler(x) { r.onConditions.append(h) }
                        case "OnEvent": if let h = handler(x) { r.onEvent += h.assignments }
                        // A regime's own state (jLEMS keeps it across regimes, as the component's).
                        case "StateVariable": stateVariable(x)
                        default: ctx.unsupported(x, in: "Regime", supported: ["StateVariable", "TimeDerivative", "OnEntry", "OnCondition", "OnEvent"])
                        }
                    }
                    // One regime starts: jLEMS takes the last marked, brcc took the first.
                    if r.initial, let first = def.regimes.first(where: \.initial) {
                        ctx.error("BRC-E0119", "a second initial <Regime> ('\(r.name)', after '\(first.name)') in ComponentType '\(def.name)'",
                                  at: dv.location, hint: "mark one regime initial=\"true\"", first: first.element.location)
                    }
                    def.regimes.append(r)
                default:
                    ctx.unsupported(dv, in: "Dynamics", supported: ["DerivedVariable", "ConditionalDerivedVariable", "StateVariable",
                                                                   "TimeDerivative", "OnStart", "OnEvent", "OnCondition", "Regime", "KineticScheme"])
                }
            }
        }
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
                // (Both were accepted and ignored: the events arrived undelayed, the weights unassigned.)
                if let d = x.attribute("delay") {
                    ctx.error("BRC-E0103", "not supported yet: the delay of a LEMS <EventConnection>; brcc delivers its events without one", at: d.location,
                              hint: "leave delay out, or connect the cells with a NeuroML projection of connectionWD (which has a delay)")
                    continue
                }
                if let c = x.children.first(where: { !$0.isMetadata }) {
                    ctx.unsupported(c, in: "EventConnection", supported: [])
                    continue
                }
                out.append(.eventConnection(from: x["from"]!, to: x["to"]!, element: x))
            default:
                ctx.unsupported(x, in: parent, supported: parent == "Structure" ? ["ChildInstance", "MultiInstantiate", "ForEach", "With", "EventConnection"]
                                                                                  : ["ForEach", "EventConnection"])
            }
        }
        return out
    }
}
