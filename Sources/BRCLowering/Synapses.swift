import BRCDiagnostics
import BRCIR
import BRCSyntax
import BRCUnits

/// Lowers synapse components: NeuroML's expOneSynapse, expTwoSynapse, blockingPlasticSynapse
/// and doubleSynapse natively (`NativeSynapses.swift`), and any LEMS ComponentType with Dynamics
/// (StateVariable, TimeDerivative, DerivedVariable, OnStart, OnEvent, OnCondition). A
/// TimeDerivative linear in its own variable is integrated exactly, others by forward Euler.
enum SynapseLowering {
    /// The parameter of a compiled input that holds its Property `weight` (an inputW's
    /// weight). A name LEMS cannot declare, so it cannot meet a model's own.
    static let inputWeightParameter = "input weight"

    static let standardKinds: Set<String> = ["expOneSynapse", "expTwoSynapse", "blockingPlasticSynapse", "doubleSynapse"]
    /// Standard synapse bases a ComponentType may extend, with the parameters they add.
    static let bases: [String: [(String, Dimension)]] = [
        "baseSynapse": [], "baseVoltageDepSynapse": [], "basePointCurrent": [], "basePointCurrentDS": [], "baseVoltageDepPointCurrent": [], "basePointCurrentDL": [],
        "baseConductanceBasedSynapse": [("gbase", .conductance), ("erev", .voltage)],
        "baseConductanceBasedSynapseTwo": [("gbase1", .conductance), ("gbase2", .conductance), ("erev", .voltage)],
    ]

    /// The current of a synapse type of LEMS's own that extends no NeuroML base (LEMS's
    /// example3: `<Exposure name="current">`, delivered by an EventConnection's receiver): the
    /// one exposed DerivedVariable of dimension current of a type with an OnEvent; nil otherwise.
    static func ownCurrentName(_ chain: [ComponentTypeDef]) -> String? {
        guard chain.contains(where: { !$0.onEvent.isEmpty || $0.regimes.contains { !$0.onEvent.isEmpty } }) else { return nil }
        let exposed = Set(chain.flatMap(\.exposures).filter { $0.dimension == .current }.map(\.name))
        let currents = chain.flatMap(\.derived).filter { $0.dimension == .current && exposed.contains($0.name) }.map(\.name)
        return Set(currents).count == 1 ? currents[0] : nil
    }

    /// True if the type is half of a continuous connection: it requires a `peer` instance. It
    /// may read one of the peer's variables (`peer/v`, the peer compartment's potential; or, as
    /// rate models' graded synapses do, `peer/r`, a state of the peer cell) or none (a silent
    /// half of a model's own, as PsyNeuLink's silentSynapseDL).
    static func isContinuous(_ def: ComponentTypeDef, ctx: Context) -> Bool {
        def.resolved(in: ctx).contains { $0.instanceRequirements.contains("peer") }
    }

    /// The variable a continuous connection's half reads from its peer (`v` in `peer/v`), or nil
    /// if the type is not such a half or reads nothing from its peer.
    static func peerQuantity(_ def: ComponentTypeDef, ctx: Context) -> String? {
        guard isContinuous(def, ctx: ctx) else { return nil }
        return def.resolved(in: ctx).flatMap(\.selects).lazy.compactMap { peerPath($0.path) }.first
    }

    /// `X` of a select path `peer/X`.
    private static func peerPath(_ path: String) -> String? {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        return parts.count == 2 && parts[0] == "peer" && !parts[1].isEmpty ? String(parts[1]) : nil
    }

    /// True if `name` is a core library synapse type brcc compiles from its LEMS definition
    /// (it extends a synapse base and uses only the LEMS brcc compiles).
    static func isCoreSynapse(_ name: String, ctx: Context) -> Bool {
        guard ctx.componentTypes[name] == nil, let def = ctx.coreTypes[name], !standardKinds.contains(name) else { return false }
        return bases[def.rootBase(in: ctx)] != nil && def.chain(in: ctx).allSatisfy { $0.problemsAsLeaf.isEmpty }
    }

    /// The synapse and this component's parameter values (internal units).
    struct Lowered { var synapse: IRSynapse; var values: [Double] }

    static func lower(_ el: Element, ctx: Context) -> Lowered? {
        let type = el.typeName
        switch type {
        case "expOneSynapse": return expOne(el, ctx: ctx)
        case "expTwoSynapse", "blockingPlasticSynapse": return expTwo(el, blocking: type == "blockingPlasticSynapse", ctx: ctx)
        case "doubleSynapse": return double(el, ctx: ctx)
        default:
            guard let def = ctx.type(named: type) else {
                ctx.error("BRC-E0103", "not supported yet: synapse type <\(type)>", at: el.location,
                          hint: "supported synapses: expOneSynapse, expTwoSynapse, blockingPlasticSynapse, or a ComponentType with Dynamics")
                return nil
            }
            return ctx.reportingCoreErrors(at: el, type: def.name) { custom(def, el, ctx: ctx) }
        }
    }

    /// The parameters a component of `def` takes as attributes, its synapse base's
    /// (`baseParams`, default: the base's entry in `bases`) then the chain's: checked on `el`
    /// with the chain's Text attributes (`ComponentTypeDef.checkComponent`); nil if the
    /// component must not be lowered.
    @discardableResult
    static func checkedParameters(_ el: Element, def: ComponentTypeDef, chain: [ComponentTypeDef], baseParams: [(String, Dimension)]? = nil,
                                  ctx: Context) -> [ComponentTypeDef.Named]? {
        let base = baseParams ?? bases[def.rootBase(in: ctx)] ?? []
        let params = base.map { ComponentTypeDef.Named(name: $0.0, dimension: $0.1, location: def.element.location) } + chain.reversed().flatMap(\.parameters)
        guard ComponentTypeDef.checkComponent(el, chain: chain, required: ComponentTypeDef.unfixed(params.map(\.name), in: chain) + ["id"], optional: ["type"] + ComponentTypeDef.texts(of: chain), ctx: ctx) else { return nil }
        return params
    }

    /// A ComponentType with event-driven Dynamics.
    /// With `input`, the component is an input (pulseGenerator, rampGenerator, voltageClamp...,
    /// extending basePointCurrent): no OnEvent is needed, `i` may be a state, its Property
    /// `weight` is the parameter `inputWeightParameter` (1, or an inputW's weight), and its
    /// current is the present one (inputs are not lagged).
    ///
    /// A type with `<InstanceRequirement name="peer">` is a continuous connection's half
    /// (gapJunction, gradedSynapse, silentSynapse, a rate model's rateSynapse): it gets two
    /// more parameters, `connectionWeight` (the connection's `weight`) and `vpeer`, the peer's
    /// X where it selects `peer/X` (its compartment's potential for `peer/v`, and where it
    /// selects nothing),
    /// refreshed by the runtime (`IRModel.peerLinks`), and needs no OnEvent.
    static func custom(_ def: ComponentTypeDef, _ el: Element, input: Bool = false, ctx: Context) -> Lowered? {
        let chain = def.resolved(in: ctx)
        if let problem = chain.flatMap(\.problems).first {
            ctx.error("BRC-E0103", "not supported yet: <\(el.name == "Component" ? "Component type=\"\(def.name)\"" : el.name)>\(el.id.map { " (id \"\($0)\")" } ?? ""): its ComponentType '\(def.name)' (\(def.element.location.fileName)) uses LEMS that brcc does not compile yet: \(problem.message)",
                      at: el.location, hint: "see docs/language.md for the supported LEMS subset")
            return nil
        }
        // The component with its children (`<Child>`, `<Children>`, `<ChildInstance>`), flattened.
        let base = def.rootBase(in: ctx)
        let provided = Dictionary((bases[base] ?? []) + chain.flatMap(\.requirements).map { ($0.name, $0.dimension) } + [("v", .voltage)]) { a, _ in a }
        guard let tree = ComponentTree(el, def: def, provides: provided, ctx: ctx) else { return nil }
        let peer = peerQuantity(def, ctx: ctx)
        let continuous = isContinuous(def, ctx: ctx)
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
        guard var params = checkedParameters(el, def: def, chain: chain, baseParams: baseParams, ctx: ctx) else { return nil }
        var values: [Double] = []
        var env: [String: Binding] = [
            "v": Binding(dimension: .voltage, ir: .ref("v")), "t": Binding(dimension: .time, ir: .ref("t")),
            "temperature": Binding(dimension: .temperature, ir: .ref("temperature")),
            ExpressionLowering.randomKey: ExpressionLowering.randomBinding,
        ]
        for p in params {
            guard let v = ComponentTypeDef.value(of: p, for: el, chain: chain, ctx: ctx) else { return nil }
            values.append(v)
            env[p.name] = Binding(dimension: p.dimension, ir: .ref(ExpressionLowering.irParameter(p.name)))
        }
        guard tree.appendChildParameters(to: &params, values: &values, env: &env, ctx: ctx) else { return nil }
        guard tree.bindConstants(&env, ctx: ctx) else { return nil }
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
        let stateVars = chain.flatMap(\.stateVariables)
        for s in stateVars { env[s.name] = Binding(dimension: s.dimension, ir: .ref(s.name)) }
        let childStates = tree.childStates
        for (_, s) in childStates { env[s.name] = Binding(dimension: s.dimension, ir: .ref(s.name)) }
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
        // Derived variables are inlined (they are functions of the state), in dependency order,
        // with the children's and the selects of children under their flat names.
        var pending: [ComponentTree.PendingValue] = []
        for (k, part) in tree.parts.enumerated() {
            pending += part.chain.flatMap(\.selects).compactMap { tree.childSelection($0, of: k, ctx: ctx) }
            pending += tree.derivedValues(of: k, ctx: ctx)
        }
        let inlined = ComponentTypeDef.inDependencyOrder(pending, of: def.name, name: \.name, reads: \.reads, at: \.element.location, ctx: ctx) { d in
            guard let binding = d.lower(env) else { return false }  // (bounded: BRC-E0204)
            env[d.name] = binding
            return true
        }
        guard inlined else { return nil }
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
        func assignments(_ list: [(variable: String, value: Attribute)], extra: [String: Binding]) -> [IRStateAssignment]? {
            var out: [IRStateAssignment] = []
            for (n, a) in list {
                guard let s = ComponentTypeDef.assignedState(n, of: stateVars, type: def.name, at: a.location, ctx: ctx) else { return nil }
                guard let (x, _) = ExpressionLowering.lowerAttribute(a, element: "StateAssignment", expected: s.dimension, env: env.merging(extra) { $1 }, ctx: ctx) else { return nil }
                out.append(IRStateAssignment(n, x))
            }
            return out
        }
        var states: [IRState] = []
        let starts = chain.flatMap(\.onStart) + Regimes.initialEntry(chain.flatMap(\.regimes))
        guard let assigned = assignments(starts, extra: [:]) else { return nil }
        // OnStart in order, then the initial regime's OnEntry at t = 0 (the init kernel reads parameters only).
        var initialValues: [String: IRExpr] = [:]
        for a in assigned {
            initialValues[a.state] = ExpressionLowering.onStartValue(a.value, states: stateVars.map(\.name), assigned: initialValues)
        }
        guard tree.childInitialValues(env: env, states: stateVars.map(\.name), into: &initialValues, ctx: ctx) else { return nil }
        let derivedNames = Set(chain.flatMap(\.derived).map(\.name))
        // Regimes (`Regimes`): the present one selects each state's rate and guards its
        // conditions and OnEvents, as in LEMS point cells.
        let regimes = chain.flatMap(\.regimes)
        let everywhere = chain.flatMap(\.timeDerivatives).map { (regime: Int?.none, td: $0) }
            + regimes.enumerated().flatMap { k, r in r.timeDerivatives.map { (regime: Optional(k), td: $0) } }
        guard ComponentTypeDef.derivativesOfStates(everywhere.map(\.td), states: stateVars, ctx: ctx) else { return nil }
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
        // The children's states (a kinetic scheme's occupancies solved together) and conditions.
        func unsupportedInChild(_ why: String, _ location: SourceLocation) {
            ctx.error("BRC-E0103", "not supported yet: <\(el.name)>\(el.id.map { " (id \"\($0)\")" } ?? ""): \(why)", at: location,
                      hint: "see docs/language.md for the LEMS subset brcc compiles")
        }
        guard let kinetic = LEMSKineticSchemeLowering.lower(tree, env: env, ctx: ctx),
              let childUpdates = tree.childStateUpdates(env: env, initial: initialValues, kinetic: kinetic, ctx: ctx, unsupported: unsupportedInChild),
              let childConditions = tree.childConditions(env: env, ctx: ctx, unsupported: unsupportedInChild) else { return nil }
        states += childUpdates
        if !regimes.isEmpty {
            guard let regime = Regimes.stateVariable(regimes, states: stateVars, type: def.name, ctx: ctx) else { return nil }
            states.append(regime)
        }
        guard input || continuous || !chain.flatMap(\.onEvent).isEmpty || regimes.contains(where: { !$0.onEvent.isEmpty }) else {
            ctx.error("BRC-E0606", "synapse type '\(def.name)' has no <OnEvent>: spikes arriving at it would have no effect", at: def.element.location,
                      hint: "add <EventPort name=\"in\" direction=\"in\"/> and <OnEvent port=\"in\"> with StateAssignments to its Dynamics")
            return nil
        }
        let weight = ["weight": Binding(dimension: .none, ir: .ref("weight"))]
        guard var onEvent = assignments(chain.flatMap(\.onEvent), extra: weight) else { return nil }
        // A regime's OnEvent applies while it is the present one (an event changes no regime).
        for (k, r) in regimes.enumerated() {
            guard let list = assignments(r.onEvent, extra: weight) else { return nil }
            onEvent += list.map { IRStateAssignment($0.state, .select(Regimes.active(k), $0.value, .ref($0.state))) }
        }
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
        conditions += childConditions
        let syn = IRSynapse(name: el.id ?? def.name, origin: "<\(def.name) id=\"\(el.id ?? "")\"> at \(el.location.shortDescription)",
                            parameters: params.map { ExpressionLowering.irParameter($0.name) }, locals: [], states: states, current: i.ir,
                            onEvent: onEvent, conditions: conditions)
        var out = input ? syn : lagged(syn)
        out.parameterDimensions = params.map(\.dimension)
        // Derived values (a child's under its flat name, block/factor) and states are recorded
        // in SI units (Gfluct's g_e: `synapses:<id>:0/g_e`).
        for d in pending { if let b = env[d.name] { out.exposures[d.name] = IRExposure(b.ir, siScale: b.dimension.internalScale) } }
        for s in stateVars + childStates.map(\.state) where out.exposures[s.name] == nil { out.exposures[s.name] = IRExposure(.ref(s.name), siScale: s.dimension.internalScale) }
        guard Resources.kernelFits(out.kernelOperations, "<\(el.name) id=\"\(el.id ?? "")\">", at: el, ctx: ctx) else { return nil }
        return Lowered(synapse: out, values: values)
    }

    /// Whether synapse or input `syn` may go on cells of `ct`: one that reads the membrane
    /// potential `v` (a conductance synapse's driving force) needs a cell whose compartment's
    /// potential is its own (`IRCellType.hasMembranePotential`); else `BRC-E0607` at `location`
    /// (jLEMS stops on such a model: the synapse's `v` is NaN).
    static func fitsPotential(_ syn: IRSynapse, on ct: IRCellType, at location: SourceLocation, ctx: Context) -> Bool {
        guard !ct.hasMembranePotential, !syn.isCellDynamics, syn.expressions.contains(where: { $0.refs.contains("v") }) else { return true }
        ctx.error("BRC-E0607", "\(syn.name) reads the membrane potential v of the cells it is on, but cell \(ct.name) has none (its potential is not a state of its own)",
                  at: location, hint: "attach a current-based synapse or input (one whose current does not read v), or give the cell a StateVariable v of dimension voltage")
        return false
    }

    /// As jNeuroML exports a synapse for NEURON, the derived values of its state (the
    /// current's state terms) are computed in rates() before the states advance: the current
    /// of a step sees the states of the step before (see docs/numerics.md).
    static func lagged(_ syn: IRSynapse) -> IRSynapse {
        var out = syn
        var map: [String: IRExpr] = [:]
        for st in syn.states where syn.current.refs.contains(st.name) {
            let name = "\(st.name)_rates"
            out.states.append(IRState(name: name, initial: st.initial, update: .assign(.ref(st.name))))
            map[st.name] = .ref(name)
        }
        out.current = syn.current.substituting(map)
        return out
    }
}
