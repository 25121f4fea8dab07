import BRCDiagnostics
import BRCIR
import BRCSyntax
import BRCUnits

extension SynapseLowering {
    /// The lowering of one component of a LEMS ComponentType with Dynamics to a synapse, an
    /// input or a continuous connection's half (`SynapseLowering.custom`), phase by phase: the
    /// names its expressions may read (`env`) grow as parameters, states and derived values are
    /// bound, then the states' updates, the event handlers and the conditions are lowered
    /// against them.
    struct CustomSynapse {
        let def: ComponentTypeDef
        let el: Element
        let input: Bool
        let ctx: Context
        let chain: [ComponentTypeDef]
        /// The component with its children (`<Child>`, `<Children>`, `<ChildInstance>`), flattened.
        let tree: ComponentTree
        let continuous: Bool
        /// The current of a type of LEMS's own that extends no synapse base (`ownCurrentName`).
        let ownCurrent: String?
        var params: [ComponentTypeDef.Named]
        var values: [Double] = []
        var env: [String: Binding] = [
            "v": Binding(dimension: .voltage, ir: .ref("v")), "t": Binding(dimension: .time, ir: .ref("t")),
            "temperature": Binding(dimension: .temperature, ir: .ref("temperature")),
            ExpressionLowering.randomKey: ExpressionLowering.randomBinding,
        ]
        let stateVars: [ComponentTypeDef.Named]
        /// The derived values (the type's and its children's, and the children's selections),
        /// inlined in dependency order.
        var pending: [ComponentTree.PendingValue] = []

        /// Checks that `def` is a type brcc compiles as a synapse and that `el` gives its
        /// parameters; nil, reported, otherwise.
        init?(_ def: ComponentTypeDef, _ el: Element, input: Bool, ctx: Context) {
            let chain = def.resolved(in: ctx)
            if let problem = chain.flatMap(\.problems).first {
                ctx.error("BRC-E0103", "not supported yet: <\(el.name == "Component" ? "Component type=\"\(def.name)\"" : el.name)>\(el.id.map { " (id \"\($0)\")" } ?? ""): its ComponentType '\(def.name)' (\(def.element.location.fileName)) uses LEMS that brcc does not compile yet: \(problem.message)",
                          at: el.location, hint: "see docs/language.md for the supported LEMS subset")
                return nil
            }
            let base = def.rootBase(in: ctx)
            let provided = Dictionary((bases[base] ?? []) + chain.flatMap(\.requirements).map { ($0.name, $0.dimension) } + [("v", .voltage)]) { a, _ in a }
            guard let tree = ComponentTree(el, def: def, provides: provided, ctx: ctx) else { return nil }
            let peer = peerQuantity(def, ctx: ctx)
            if let sel = chain.flatMap(\.selects).first(where: { (peer == nil || peerPath($0.path) != peer) && tree.selection($0.path, of: 0) == nil }) {
                ctx.error("BRC-E0103", "not supported yet: a synapse DerivedVariable with select=\"\(sel.path)\"", at: sel.element.location,
                          hint: "a synapse selects its children's exposures (block/factor, or syns[*]/g with reduce); compute anything else from its own variables")
                return nil
            }
            let ownCurrent = bases[base] == nil ? ownCurrentName(chain) : nil
            guard let baseParams = bases[base] ?? (ownCurrent != nil ? [] : nil) else {
                ctx.error("BRC-E0110", "ComponentType '\(def.name)' extends '\(base)', which is not a synapse base type", at: def.element.location,
                          hint: "extend baseConductanceBasedSynapse, baseVoltageDepSynapse or baseSynapse")
                return nil
            }
            guard chain.contains(where: \.isDynamical) || !chain.flatMap(\.derived).isEmpty else {
                ctx.error("BRC-E0603", "ComponentType '\(def.name)' has no Dynamics", at: def.element.location, hint: "add <Dynamics> with StateVariables and an OnEvent")
                return nil
            }
            guard let params = checkedParameters(el, def: def, chain: chain, baseParams: baseParams, ctx: ctx) else { return nil }
            self.def = def
            self.el = el
            self.input = input
            self.ctx = ctx
            self.chain = chain
            self.tree = tree
            continuous = isContinuous(def, ctx: ctx)
            self.ownCurrent = ownCurrent
            self.params = params
            stateVars = chain.flatMap(\.stateVariables)
        }

        /// The synapse and this component's values; nil after a reported error.
        mutating func lower() -> Lowered? {
            guard ExpressionLowering.statesAvoidBuiltins(stateVars, type: def.name, ctx: ctx), bindParameters(), inlineDerivedValues(), let current = current() else { return nil }
            guard let (states, initialValues) = states() else { return nil }
            let regimes = chain.flatMap(\.regimes)
            var allStates = states
            // The children's states (a kinetic scheme's occupancies solved together) and conditions.
            func unsupportedInChild(_ why: String, _ location: SourceLocation) {
                ctx.error("BRC-E0103", "not supported yet: <\(el.name)>\(el.id.map { " (id \"\($0)\")" } ?? ""): \(why)", at: location,
                          hint: "see docs/language.md for the LEMS subset brcc compiles")
            }
            guard let kinetic = LEMSKineticSchemeLowering.lower(tree, env: env, ctx: ctx),
                  let childUpdates = tree.childStateUpdates(env: env, initial: initialValues, kinetic: kinetic, ctx: ctx, unsupported: unsupportedInChild),
                  let childConditions = tree.childConditions(env: env, ctx: ctx, unsupported: unsupportedInChild) else { return nil }
            allStates += childUpdates
            if !regimes.isEmpty {
                guard let regime = Regimes.stateVariable(regimes, states: stateVars, type: def.name, ctx: ctx) else { return nil }
                allStates.append(regime)
            }
            guard input || continuous || !chain.flatMap(\.onEvent).isEmpty || regimes.contains(where: { !$0.onEvent.isEmpty }) else {
                ctx.error("BRC-E0606", "synapse type '\(def.name)' has no <OnEvent>: spikes arriving at it would have no effect", at: def.element.location,
                          hint: "add <EventPort name=\"in\" direction=\"in\"/> and <OnEvent port=\"in\"> with StateAssignments to its Dynamics")
                return nil
            }
            guard let onEvent = onEvent(), let conditions = conditions() else { return nil }
            let syn = IRSynapse(name: el.id ?? def.name, origin: "<\(def.name) id=\"\(el.id ?? "")\"> at \(el.location.shortDescription)",
                                parameters: params.map { ExpressionLowering.irParameter($0.name) }, locals: [], states: allStates, current: current.ir,
                                onEvent: onEvent, conditions: conditions + childConditions)
            var out = input ? syn : lagged(syn)
            out.parameterDimensions = params.map(\.dimension)
            out.derivativeThroughConditions = input && !out.current.refs.contains("v") && !out.conditionsSetPotential
                && out.conditions.contains { $0.assignments.contains { $0.value.refs.contains("v") } }
            // Derived values (a child's under its flat name, block/factor) and states are recorded
            // in SI units (Gfluct's g_e: `synapses:<id>:0/g_e`).
            for d in pending { if let b = env[d.name] { out.exposures[d.name] = IRExposure(b.ir, siScale: b.dimension.internalScale) } }
            for s in stateVars + tree.childStates.map(\.state) where out.exposures[s.name] == nil { out.exposures[s.name] = IRExposure(.ref(s.name), siScale: s.dimension.internalScale) }
            guard Resources.kernelFits(out.kernelOperations, "<\(el.name) id=\"\(el.id ?? "")\">", at: el, ctx: ctx) else { return nil }
            return Lowered(synapse: out, values: values)
        }

        /// Binds the parameters (the component's values, its children's, a continuous
        /// connection's weight and peer value, an input's weight), the constants, the states
        /// and the requirements the host cell meets.
        mutating func bindParameters() -> Bool {
            for p in params {
                guard let v = ComponentTypeDef.value(of: p, for: el, chain: chain, ctx: ctx) else { return false }
                values.append(v)
                env[p.name] = Binding(dimension: p.dimension, ir: .ref(ExpressionLowering.irParameter(p.name)))
            }
            guard tree.appendChildParameters(to: &params, values: &values, env: &env, ctx: ctx) else { return false }
            guard tree.bindConstants(&env, ctx: ctx) else { return false }
            if continuous {
                for sel in chain.flatMap(\.selects) where peerPath(sel.path) != nil { env[sel.name] = Binding(dimension: sel.dimension, ir: .ref("vpeer")) }
                // (Not `weight`: in kernels that name is an event's weight.)
                env["weight"] = Binding(dimension: .none, ir: .ref("connectionWeight"))
                params += [ComponentTypeDef.Named(name: "connectionWeight", dimension: .none, location: def.element.location),
                           ComponentTypeDef.Named(name: "vpeer", dimension: chain.flatMap(\.selects).first?.dimension ?? .voltage, location: def.element.location)]
                values += [1, 0]
            }
            if input && env["weight"] == nil {
                // An inputW's weight sets the input's Property `weight` (NeuroML's core inputs all
                // declare one, default 1): a parameter of each placed instance. Without the Property
                // `weight` is 1, and an inputW's weight is refused (NetworkLowering.addInput).
                if chain.contains(where: { $0.properties.contains { $0.name == "weight" } }) {
                    env["weight"] = Binding(dimension: .none, ir: .ref(inputWeightParameter))
                    params.append(ComponentTypeDef.Named(name: inputWeightParameter, dimension: .none, location: def.element.location))
                    values.append(1)
                } else {
                    env["weight"] = Binding(dimension: .none, ir: .const(1))
                }
            }
            for s in stateVars { env[s.name] = Binding(dimension: s.dimension, ir: .ref(s.name)) }
            for (_, s) in tree.childStates { env[s.name] = Binding(dimension: s.dimension, ir: .ref(s.name)) }
            // A Requirement the synapse does not meet itself (FitzHugh-Nagumo's dimensionless `V`)
            // is a state of the LEMS cell it sits on, copied into a parameter before each use.
            // (Not for inputs: a lowered input is renamed, and HostStates.link finds synapses by name.)
            if !continuous && !input {
                var host: [HostState] = []
                for r in chain.flatMap(\.requirements) where env[r.name] == nil {
                    let p = ComponentTypeDef.Named(name: "host_" + r.name, dimension: r.dimension, location: r.location)
                    env[r.name] = Binding(dimension: r.dimension, ir: .ref(ExpressionLowering.irParameter(p.name)))
                    host.append(HostState(parameter: params.count, state: r.name, requirement: r.location))
                    params.append(p)
                    values.append(0)
                }
                if !host.isEmpty { ctx.hostStates[el.id ?? def.name] = host }
            }
            return true
        }

        /// Derived variables are inlined (they are functions of the state), in dependency order,
        /// with the children's and the selects of children under their flat names.
        mutating func inlineDerivedValues() -> Bool {
            for (k, part) in tree.parts.enumerated() {
                pending += part.chain.flatMap(\.selects).compactMap { tree.childSelection($0, of: k, ctx: ctx) }
                pending += tree.derivedValues(of: k, ctx: ctx)
            }
            var env = self.env
            let inlined = ComponentTypeDef.inDependencyOrder(pending, of: def.name, name: \.name, reads: \.reads, at: \.element.location, ctx: ctx) { d in
                guard let binding = d.lower(env) else { return false }  // (bounded: BRC-E0204)
                env[d.name] = binding
                return true
            }
            self.env = env
            return inlined
        }

        /// The current: a DerivedVariable `i` (`I` for a dimensionless input, the type's own
        /// exposed current where it extends no base), a state of an input, or none for a
        /// continuous connection's silent half.
        mutating func current() -> Binding? {
            // A dimensionless input (pulseGeneratorDL...) or synapse exposes I: injected as nA per unit, into
            // cells whose dimensionless current enters dv/dt per nF (see AbstractCellLowering).
            let dimensionless = def.rootBase(in: ctx) == "basePointCurrentDL"
            let currentName = ownCurrent ?? (dimensionless ? "I" : "i")
            if continuous && env[currentName] == nil && !stateVars.contains(where: { $0.name == currentName }) {
                env[currentName] = Binding(dimension: .current, ir: .const(0))  // silentSynapse: no current
            }
            guard let i = env[currentName], chain.flatMap(\.derived).contains(where: { $0.name == currentName }) || (input && stateVars.contains { $0.name == currentName }) || continuous else {
                ctx.error("BRC-E0604", "synapse type '\(def.name)' must define its current as a DerivedVariable '\(currentName)'", at: def.element.location,
                          hint: "add <DerivedVariable name=\"\(currentName)\" dimension=\"\(dimensionless ? "none" : "current")\" exposure=\"\(currentName)\" value=\"g * (erev - v)\"/>")
                return nil
            }
            guard i.dimension == (dimensionless ? .none : .current) else {
                ctx.error("BRC-E0202", "'\(currentName)' of '\(def.name)' has dimension \(i.dimension), expected current", at: def.element.location, hint: "\(currentName) is a current, e.g. g * (erev - v)")
                return nil
            }
            return i
        }

        /// StateAssignments lowered against the bindings and `extra`.
        func assignments(_ list: [(variable: String, value: Attribute)], extra: [String: Binding]) -> [IRStateAssignment]? {
            var out: [IRStateAssignment] = []
            for (n, a) in list {
                guard let s = ComponentTypeDef.assignedState(n, of: stateVars, type: def.name, at: a.location, ctx: ctx) else { return nil }
                guard let (x, _) = ExpressionLowering.lowerAttribute(a, element: "StateAssignment", expected: s.dimension, env: env.merging(extra) { $1 }, ctx: ctx) else { return nil }
                out.append(IRStateAssignment(n, x))
            }
            return out
        }

        /// The type's states with their initial values and updates, and the initial values
        /// (which the children's states read). Regimes (`Regimes`): the present one selects each
        /// state's rate and guards its conditions and OnEvents, as in LEMS point cells.
        func states() -> (states: [IRState], initialValues: [String: IRExpr])? {
            let starts = chain.flatMap(\.onStart) + Regimes.initialEntry(chain.flatMap(\.regimes))
            guard let assigned = assignments(starts, extra: [:]) else { return nil }
            // OnStart in order, then the initial regime's OnEntry at t = 0 (the init kernel reads parameters only).
            var initialValues: [String: IRExpr] = [:]
            for a in assigned {
                initialValues[a.state] = ExpressionLowering.onStartValue(a.value, states: stateVars.map(\.name), assigned: initialValues)
            }
            guard tree.childInitialValues(env: env, states: stateVars.map(\.name), into: &initialValues, ctx: ctx) else { return nil }
            let derivedNames = Set(chain.flatMap(\.derived).map(\.name))
            let regimes = chain.flatMap(\.regimes)
            let everywhere = chain.flatMap(\.timeDerivatives).map { (regime: Int?.none, td: $0) }
                + regimes.enumerated().flatMap { k, r in r.timeDerivatives.map { (regime: Optional(k), td: $0) } }
            guard ComponentTypeDef.derivativesOfStates(everywhere.map(\.td), states: stateVars, ctx: ctx) else { return nil }
            var states: [IRState] = []
            for s in stateVars {
                // Its Dynamics-level TimeDerivative, or one per regime that has it.
                let tds = everywhere.first { $0.regime == nil && $0.td.variable == s.name }.map { [$0] } ?? everywhere.filter { $0.td.variable == s.name }
                var rates: [(regime: Int?, rate: IRExpr)] = []
                for (k, td) in tds {
                    guard let (rate, _) = ExpressionLowering.lowerAttribute(td.value, element: "TimeDerivative", expected: s.dimension / .time, env: env, ctx: ctx) else { return nil }
                    rates.append((k, rate))
                }
                let hidden = tds.contains { Linearity.hiddenByExport($0.td.value, derived: derivedNames, ctx: ctx) }
                let update = Regimes.update(rates, of: s.name, regimeCount: regimes.count, hidden: hidden)
                states.append(IRState(name: s.name, initial: initialValues[s.name] ?? .const(0), update: update))
            }
            return (states, initialValues)
        }

        /// The OnEvent assignments; a regime's apply while it is the present one (an event
        /// changes no regime).
        func onEvent() -> [IRStateAssignment]? {
            let weight = ["weight": Binding(dimension: .none, ir: .ref("weight"))]
            guard var onEvent = assignments(chain.flatMap(\.onEvent), extra: weight) else { return nil }
            for (k, r) in chain.flatMap(\.regimes).enumerated() {
                guard let list = assignments(r.onEvent, extra: weight) else { return nil }
                onEvent += list.map { IRStateAssignment($0.state, .select(Regimes.active(k), $0.value, .ref($0.state))) }
            }
            return onEvent
        }

        /// The OnConditions, the type's and its regimes' (true only in their regime); a
        /// transition sets the regime, then runs the target's OnEntry.
        func conditions() -> [IRCondition]? {
            let regimes = chain.flatMap(\.regimes)
            var conditions: [IRCondition] = []
            let all = chain.flatMap(\.onConditions).map { (regime: Int?.none, condition: $0) }
                + regimes.enumerated().flatMap { k, r in r.onConditions.map { (regime: Optional(k), condition: $0) } }
            for (k, c) in all {
                if c.emits {
                    ctx.error("BRC-E0103", "not supported yet: <EventOut> in a synapse's <OnCondition>", at: c.test.location, hint: "synapses cannot emit events in brcc yet")
                    return nil
                }
                guard let (t, _) = ExpressionLowering.lowerAttribute(c.test, element: "OnCondition", expected: nil, env: env, ctx: ctx),
                      var a = assignments(c.assignments, extra: [:]) else { return nil }
                if let tr = c.transition {
                    // Into the target regime, then its OnEntry (assignments run in order).
                    guard let target = Regimes.target(tr, in: regimes, type: def.name, ctx: ctx) else { return nil }
                    guard let entry = assignments(regimes[target].onEntry, extra: [:]) else { return nil }
                    a += [IRStateAssignment(Regimes.state, .const(Double(target)))] + entry
                }
                conditions.append(IRCondition(test: k.map { .binary(.and, Regimes.active($0), t) } ?? t, assignments: a))
            }
            return conditions
        }
    }
}
