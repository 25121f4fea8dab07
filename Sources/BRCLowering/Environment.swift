import BRCDiagnostics
import BRCIR
import BRCSyntax
import BRCUnits

/// A Simulation target that is not a `<network>` but a component whose ComponentType holds one
/// as `<Child type="network">` (the standard Ex17: `tissueWithVaryingTemperature` around
/// `net1`). Its network is lowered as the model's network, and its own Dynamics (StateVariables,
/// DerivedVariables, TimeDerivatives, OnStart, OnCondition with StateAssignments) become the
/// model's `IREnvironment`, whose `temperature` exposure is the temperature every channel and
/// synapse reads at each step. Anything else in it is `BRC-E0103`.
enum EnvironmentLowering {
    /// The component's `<network>` child and its environment; nil (after a diagnostic) if
    /// `el` is not such a component or uses what brcc cannot compile.
    static func lower(_ el: Element, target: Attribute, ctx: Context) -> (network: Element, environment: IREnvironment)? {
        let typeName = el.typeName
        guard let def = ctx.type(named: typeName), def.chain(in: ctx).contains(where: { !$0.networkChildren.isEmpty }) else {
            // A LEMS Structure network whose types' errors are reported (a misspelt <Structure>,
            // <MultiInstantiate> or <ComponentType>) is not blamed again for what it lacks.
            func lost(_ e: Element) -> Bool { ctx.typeErrorsReported(e.typeName) || e.children.contains(where: lost) }
            if lost(el) { return nil }
            ctx.error("BRC-E0103", "not supported yet: a simulation target that is a <\(el.name)> (brcc simulates a <network>, or a component whose ComponentType has a <Child type=\"network\">)",
                      at: target.location, hint: "make the Simulation's target a <network>")
            return nil
        }
        let chain = def.resolved(in: ctx)
        let fail = { (what: String, at: SourceLocation) -> (network: Element, environment: IREnvironment)? in
            ctx.error("BRC-E0103", "not supported yet: \(what) in <\(el.name)> (id \"\(el.id ?? "?")\"), the component around the simulated network",
                      at: at, hint: "its Dynamics may use StateVariable, DerivedVariable, TimeDerivative, OnStart and OnCondition with StateAssignment, and must expose temperature")
            return nil
        }
        if let p = chain.flatMap(\.problemsAsLeaf).first { return fail(p.message.replacingOccurrences(of: "not supported yet: ", with: ""), p.location) }
        let networks = el.children.filter { $0.name == "network" }
        guard networks.count == 1 else {
            ctx.error("BRC-E0115", "<\(el.name)> (id \"\(el.id ?? "?")\") needs exactly one <network> inside it (it has \(networks.count))", at: el.location,
                      hint: "put the network the simulation runs inside the component")
            return nil
        }
        // Parameters from the attributes, constants as declared: both folded into the expressions.
        let params = chain.reversed().flatMap(\.parameters)
        guard ComponentTypeDef.checkComponent(el, chain: chain, required: ComponentTypeDef.givenParameters(of: chain) + ["id"], optional: ["type"] + ComponentTypeDef.texts(of: chain), ctx: ctx) else { return nil }
        var env: [String: Binding] = ["t": Binding(dimension: .time, ir: .ref("t"))]
        for p in params {
            guard let v = ComponentTypeDef.value(of: p, for: el, chain: chain, ctx: ctx) else { return nil }
            env[p.name] = Binding(dimension: p.dimension, ir: .const(v))
        }
        for (c, v) in chain.flatMap(\.constants) { env[c.name] = Binding(dimension: c.dimension, ir: .const(v)) }
        // The Dynamics of the most derived type that declares one (LEMS: a subtype's replaces its base's).
        guard let dyn = chain.first(where: \.hasDynamics) else { return fail("a type without Dynamics", def.element.location) }
        if let r = dyn.regimes.first { return fail("a Regime", r.element.location) }
        if !dyn.onEvent.isEmpty || !dyn.selects.isEmpty || !chain.flatMap(\.derivedParameters).isEmpty {
            return fail("OnEvent, select or DerivedParameter", dyn.element.location)
        }
        let states = dyn.stateVariables.map(\.name)
        for s in dyn.stateVariables { env[s.name] = Binding(dimension: s.dimension, ir: .ref(s.name)) }
        var locals: [IRAssignment] = []
        for d in dyn.derived {
            guard let value = ComponentTypeDef.lowerDerived(d, env: env, ctx: ctx) else { return nil }
            locals.append(IRAssignment(d.name, value))
            env[d.name] = Binding(dimension: d.dimension, ir: .ref(d.name))
        }
        func lowered(_ a: Attribute, _ element: String, _ dimension: Dimension?) -> IRExpr? {
            ExpressionLowering.lowerAttribute(a, element: element, expected: dimension, env: env, ctx: ctx)?.0
        }
        func dimension(of state: String) -> Dimension? { dyn.stateVariables.first { $0.name == state }?.dimension }
        var initial = [IRExpr](repeating: .const(0), count: states.count)
        for (variable, value) in dyn.onStart {
            guard let i = states.firstIndex(of: variable) else { return fail("an OnStart assignment to '\(variable)', which is not a StateVariable", value.location) }
            guard let e = lowered(value, "StateAssignment", dimension(of: variable)) else { return nil }
            initial[i] = e
        }
        var rates = [IRExpr?](repeating: nil, count: states.count)
        for d in dyn.timeDerivatives {
            guard let i = states.firstIndex(of: d.variable), let s = dimension(of: d.variable) else { return fail("a TimeDerivative of '\(d.variable)', which is not a StateVariable", d.element.location) }
            guard let e = lowered(d.value, "TimeDerivative", s / .time) else { return nil }
            rates[i] = e
        }
        var conditions: [IRCondition] = []
        for c in dyn.onConditions {
            if c.emits || c.transition != nil { return fail("an EventOut or Transition", c.test.location) }
            guard let test = lowered(c.test, "OnCondition", nil) else { return nil }
            var assignments: [IRStateAssignment] = []
            for (variable, value) in c.assignments {
                guard states.contains(variable) else { return fail("an assignment to '\(variable)', which is not a StateVariable", value.location) }
                guard let e = lowered(value, "StateAssignment", dimension(of: variable)) else { return nil }
                assignments.append(IRStateAssignment(variable, e))
            }
            conditions.append(IRCondition(test: test, assignments: assignments))
        }
        guard let temperature = env["temperature"], temperature.dimension == .temperature, states.contains("temperature") || locals.contains(where: { $0.name == "temperature" }) else {
            return fail("a component without a temperature (a StateVariable or DerivedVariable named temperature)", dyn.element.location)
        }
        let origin = "<\(el.name) id=\"\(el.id ?? "?")\"> at \(el.location.shortDescription)"
        // Initial values read only constants: fold them (a state's OnStart reading another state is refused).
        for (i, e) in initial.enumerated() where !e.refs.isEmpty {
            return fail("an OnStart value that reads '\(e.refs.sorted()[0])'", dyn.onStart.first { $0.variable == states[i] }?.value.location ?? el.location)
        }
        return (networks[0], IREnvironment(name: el.id ?? typeName, origin: origin, network: networks[0].id ?? "", states: states, initial: initial, locals: locals, rates: rates,
                                           conditions: conditions, temperature: temperature.ir,
                                           siScales: Dictionary(uniqueKeysWithValues: dyn.stateVariables.map { ($0.name, $0.dimension.internalScale) }
                                                                + dyn.derived.map { ($0.name, $0.dimension.internalScale) })))
    }
}
