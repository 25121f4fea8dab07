import BRCDiagnostics
import BRCIR
import BRCSyntax
import BRCUnits

/// LEMS point cells: any ComponentType that extends `baseCell` without a morphology (the core
/// library's iafCell, iafTauCell, izhikevich2007Cell, fitzHughNagumoCell, ..., or a model's own),
/// compiled from its Dynamics rather than one Swift case per element.
///
/// A cell whose state includes a membrane potential `v` (dimension voltage) becomes, as in
/// jNeuroML's NEURON export, one compartment whose capacitance is the cell's (`1/b` where the
/// TimeDerivative of v is `a + b iSyn`), with the rest of its dynamics as an intrinsic point
/// process on it ("dynamics", an `IRSynapse` without events):
/// - its current into the cell is `a / b` (e.g. `k (v-vr)(v-vt) - u` for izhikevich2007Cell).
///   If another state has a TimeDerivative (the export then has a DERIVATIVE block), the
///   current is computed after each voltage solve from the new v and the other states' old
///   values and used in the next solve (the export's `i = v_I * C`, with v_I from the `rates()`
///   of its state update). Otherwise (iafCell, iafRefCell: the export calls `rates()` in
///   BREAKPOINT) it is computed at mid-step from the present v with NEURON's numerical di/dv,
///   as a synapse's current, so the voltage solve treats it implicitly;
/// - the other states advance by the generic rule (exactly if linear in themselves and their
///   rate reads no DerivedVariable, else forward Euler: `Linearity.hiddenByExport`), after
///   the voltage solve;
/// - each OnCondition is tested before the voltage solve; an assignment to v sets the node's
///   potential (and zeroes the held current, as the export's `v_I = 0`); an `EventOut` makes
///   the cell a spike source: where it is the only one and its test is `v .gt. X` with X a
///   parameter expression, X is the threshold brcc's detector uses at the same step;
///   otherwise the emitting conditions count their spikes in a state the runtime reads after
///   the step (`IRSynapse.spikeFlag`), each a spike at the step's start time.
/// Synapses and inputs attach to the compartment natively (the `iSyn` select of the type).
/// Where the other states' rates or the conditions read `iSyn`, they read its value of the
/// step, latched before the conditions from what the inputs and synapses added to the node
/// (`IRSynapse.nodeCurrent`: the dynamics group runs after them).
/// A cell without a voltage `v` (fitzHughNagumoCell's V) keeps all its states in the intrinsic
/// process, on a compartment that only collects its inputs' currents (`iSyn`): its potential is
/// not the cell's, so nothing may read it (`IRCellType.hasMembranePotential`). A cell whose `v` is a DerivedVariable (a clamp:
/// Figure5_NMDA's rampCell, v = v0 + t (v1 - v0) / tau) holds its compartment at that value:
/// a condition sets the potential at the start of each step, and the compartment's
/// capacitance (`clampCapacitance`) is so large that no synapse or input current moves it
/// within the step (by less than 1e-12 mV for a nA over 1 ms).
enum AbstractCellLowering {
    struct Lowered { var cell: IRCellType; var dynamics: IRSynapse; var values: [Double] }

    /// Area of the equivalent compartment (um2): a 10 um x 10 um cylinder, as the NEURON export.
    static let area = 100 * Double.pi
    /// Capacitance (nF) of a cell whose potential no current drives (1 uF/cm2 on `area`).
    static let defaultCapacitance = area * 1e-5
    /// Capacitance (nF) of a compartment whose potential the cell's Dynamics derive (a clamp).
    static let clampCapacitance = 1e12 * defaultCapacitance
    /// NEURON's default initial potential (mV), `h.finitialize()` without an argument, as
    /// jNeuroML's export calls it.
    static let neuronDefaultVInit = -65.0

    /// The rate of v (mV/ms) by which NEURON's defaults may move a cell in its first step
    /// before `BRC-W0136` says so: 1 mV in a step of 0.025 ms.
    static let firstStepWarningRate = 40.0

    /// `BRC-W0136` where the current held into the first step, computed at NEURON's defaults as
    /// jNeuroML's export computes it (`held`), moves v much faster than the cell's own initial
    /// state would (`own`): a jump that NEURON runs of the export show and jLEMS does not.
    static func warnOfFirstStep(held: Double?, own: Double?, capacitance: Double, cell: String, at location: SourceLocation, ctx: Context) {
        guard let held, let own, capacitance > 0, case let (a, b) = (held / capacitance, own / capacitance),
              a.isFinite, b.isFinite, abs(a - b) > firstStepWarningRate else { return }
        func rate(_ x: Double) -> String { String(format: "%.4g", x) }
        ctx.warning("BRC-W0136", "the first step of cell '\(cell)' moves v at \(rate(a)) mV/ms, where its own initial state gives \(rate(b)) mV/ms: as jNeuroML's NEURON export does, brcc computes the current held into the first step at v = -65 mV with the other states at their NEURON defaults (docs/numerics.md, \"LEMS point cells\"); jLEMS starts from the initial state",
                    at: location, hint: "the difference acts in the first step only (\(rate(abs(a - b) * 0.025)) mV at a step of 0.025 ms), as in NEURON; a cell started at v = -65 mV with its other states at 0 (or their s0 Parameters) has none")
    }
    /// Name of the held intrinsic current (nA) among the dynamics' states.
    static let heldCurrent = "i_intrinsic"
    /// Name of the state holding the step's synaptic current (nA, or nA per unit), LEMS's
    /// `iSyn` where other states' rates or the conditions read it (`IRSynapse.nodeCurrent`).
    static let nodeCurrent = "i_synaptic"
    /// Name of the state counting the spikes the step's conditions emit (`IRSynapse.spikeFlag`).
    static let spikeCount = "spikes_emitted"

    /// Cells lowered natively (their membrane is a cable, not LEMS Dynamics).
    static let nativeCells: Set<String> = ["cell", "cell2CaPools", "pointCellCondBased"]

    /// The component type of an element, if it is a LEMS point cell, or a LEMS spike source
    /// (a type extending `baseSpikeSource` that `GeneratorLowering` does not lower natively:
    /// a cell without v whose `EventOut`s are its spikes).
    static func cellType(of el: Element, ctx: Context) -> ComponentTypeDef? {
        let name = el.typeName
        // A component around a network (Ex17's tissue) is an environment, not a cell.
        guard !nativeCells.contains(name), let def = ctx.type(named: name), def.chain(in: ctx).allSatisfy({ $0.networkChildren.isEmpty }) else { return nil }
        var current: ComponentTypeDef? = def
        var seen: Set<String> = []
        while let c = current, !seen.contains(c.name) {
            if c.name == "baseCell" { return def }
            if c.name == "baseSpikeSource" {
                return GeneratorLowering.kinds.contains(el.name) || !def.chain(in: ctx).contains(where: \.hasDynamics) ? nil : def
            }
            seen.insert(c.name)
            guard let base = c.extends else {
                // A model's own type that extends nothing (or only the model's types that do),
                // with Dynamics, whose component a population names: LEMS simulates any
                // component in a population (the Hindmarsh-Rose hindmarshRoseCell of OSB,
                // states x, y, z; LEMS's own examples' HHCellT extends their HHCell); brcc
                // lowers it as a cell (without v, if it has none).
                if ctx.componentTypes[c.name] != nil, def.chain(in: ctx).contains(where: \.hasDynamics), let id = el.id, ctx.populationComponents.contains(id) { return def }
                return nil
            }
            current = ctx.type(named: base)
        }
        return nil
    }

    /// `mechanismIndex` lowers an ion channel that a `channelPopulation` child places on the
    /// cell's compartment (`mechanisms` reads the channels lowered so far).
    /// `fixedCalcium` gives the mechanism of a calcium concentration fixed by a Parameter
    /// `caConc` of the cell (`PoolLowering.fixed`), which its channels read.
    static func lower(_ el: Element, def: ComponentTypeDef, mechanismIndex: (String, Attribute) -> Int?,
                      mechanisms: () -> [IRMechanism], fixedCalcium: () -> Int, ctx: Context) -> Lowered? {
        let name = el.id ?? def.name
        let chain = def.resolved(in: ctx)
        let what = el.name == "Component" ? "<Component type=\"\(def.name)\">" : "<\(el.name)>"
        func unsupported(_ why: String, at loc: SourceLocation? = nil) -> Lowered? {
            ctx.error("BRC-E0103", "not supported yet: \(what) (id \"\(name)\"): \(why)", at: loc ?? el.location,
                      hint: "see docs/language.md for the LEMS subset brcc compiles")
            return nil
        }
        if let problem = chain.flatMap(\.problems).first {
            return unsupported("its ComponentType '\(def.name)' (\(def.element.location.fileName)) uses LEMS that brcc does not compile yet: \(problem.message)")
        }
        // The component with its children, flattened (the root is part 0).
        guard let tree = ComponentTree(el, def: def, ctx: ctx) else { return nil }
        // Parameters (each once, base types first; then the children's, by their flat names) and their values.
        var params = ComponentTypeDef.parameters(of: chain)
        guard ComponentTypeDef.checkComponent(el, chain: chain, required: ComponentTypeDef.givenParameters(of: chain) + ["id"], optional: ["type", "neuroLexId"] + ComponentTypeDef.texts(of: chain), ctx: ctx) else { return nil }
        var values: [Double] = []
        var env: [String: Binding] = ["t": Binding(dimension: .time, ir: .ref("t")),
                                      "temperature": Binding(dimension: .temperature, ir: .ref("temperature")),
                                      ExpressionLowering.randomKey: ExpressionLowering.randomBinding]
        for p in params {
            guard let v = ComponentTypeDef.value(of: p, for: el, chain: chain, ctx: ctx) else { return nil }
            values.append(v)
            env[p.name] = Binding(dimension: p.dimension, ir: .ref(ExpressionLowering.irParameter(p.name)))
        }
        guard tree.appendChildParameters(to: &params, values: &values, env: &env, ctx: ctx) else { return nil }
        let paramValue = Dictionary(uniqueKeysWithValues: zip(params.map { ExpressionLowering.irParameter($0.name) }, values))
        guard tree.bindConstants(&env, ctx: ctx) else { return nil }
        let stateVars = chain.flatMap(\.stateVariables)
        guard ExpressionLowering.statesAvoidBuiltins(stateVars, type: def.name, ctx: ctx) else { return nil }
        for s in stateVars { env[s.name] = Binding(dimension: s.dimension, ir: .ref(s.name)) }
        /// The children's states, by their flat names (each with the part it belongs to).
        let childStates = tree.childStates
        for (_, s) in childStates { env[s.name] = Binding(dimension: s.dimension, ir: .ref(s.name)) }
        // Summed attachments (iSyn): the synaptic current, which reaches the compartment natively.
        let external = "__external"
        // A dimensionless one (izhikevichCell's ISyn = synapses[*]/I) is injected as nA per unit.
        var dimensionless = false
        var pending: [ComponentTree.PendingValue] = []
        for (k, part) in tree.parts.enumerated() {
            for sel in part.chain.flatMap(\.selects) {
                if let selected = tree.childSelection(sel, of: k, ctx: ctx) {
                    pending.append(selected)
                    continue
                }
                // The attached synapses' current: NeuroML's synapses[*]/i (I dimensionless), or the
                // current a synapse type of the model's own exposes under another name, selected
                // over the cell's Attachments (LEMS's example3: synapses[*]/current).
                let attached = sel.path.split(separator: "/", maxSplits: 1).map(String.init)
                let attachments = Set(part.chain.flatMap(\.attachments) + ["synapses"])
                guard k == 0, attached.count == 2, attached[0].hasSuffix("[*]"), attachments.contains(String(attached[0].dropLast(3))),
                      attached[1] == "I" ? sel.dimension == .none : sel.dimension == .current else {
                    // A path through a refused declaration (a misspelt <Children>) is that error.
                    if let first = attached.first, ctx.rejectedDeclarations.contains(String(first.prefix { $0 != "[" })) { return nil }
                    return unsupported("DerivedVariable '\(sel.name)' selects \"\(sel.path)\" (brcc selects a child's exposure, and in a cell the current of attached synapses, synapses[*]/i or synapses[*]/I)", at: sel.element.location)
                }
                dimensionless = sel.dimension == .none
                env[sel.name] = Binding(dimension: sel.dimension, ir: .ref(external))
            }
            // Derived variables, inlined in dependency order.
            pending += tree.derivedValues(of: k, ctx: ctx)
        }
        if dimensionless { ctx.dimensionlessCells.insert(name) }
        let ordered = ComponentTypeDef.inDependencyOrder(pending, of: def.name, name: \.name, reads: \.reads, at: \.element.location, ctx: ctx) { d in
            guard let value = d.lower(env) else { return false }
            env[d.name] = value
            return true
        }
        guard ordered else { return nil }
        func lowerRate(_ td: (variable: String, value: Attribute, element: Element), _ s: ComponentTypeDef.Named) -> IRExpr? {
            ExpressionLowering.lowerAttribute(td.value, element: "TimeDerivative", expected: s.dimension / .time, env: env, ctx: ctx)?.0
        }
        let derivatives = chain.flatMap(\.timeDerivatives)
        guard ComponentTypeDef.derivativesOfStates(derivatives, states: stateVars, ctx: ctx) else { return nil }
        let ownsV = stateVars.contains { $0.name == "v" && $0.dimension == .voltage }
        // Initial values (OnStart), in terms of parameters (and v, the compartment's initial potential).
        // Then the initial regime's OnEntry, at t = 0, as jLEMS enters it.
        var initial: [String: IRExpr] = [:]
        for (n, a) in chain.flatMap(\.onStart) + Regimes.initialEntry(chain.flatMap(\.regimes)) {
            guard let s = ComponentTypeDef.assignedState(n, of: stateVars, type: def.name, at: a.location, ctx: ctx) else { return nil }
            guard let (x, _) = ExpressionLowering.lowerAttribute(a, element: "StateAssignment", expected: s.dimension, env: env, ctx: ctx) else { return nil }
            initial[n] = ExpressionLowering.onStartValue(x, states: stateVars.map(\.name), assigned: initial)
        }
        guard tree.childInitialValues(env: env, states: stateVars.map(\.name), into: &initial, ctx: ctx) else { return nil }
        func constant(_ e: IRExpr) -> Double? {
            guard e.refs.isSubset(of: Set(paramValue.keys)) else { return nil }
            return e.evaluate { paramValue[$0] ?? .nan }
        }
        var vInit = 0.0
        // A potential the type derives from t and its parameters clamps the compartment (see
        // the type's comment); one derived from its states (pinskyRinzelCA3Cell's v = Vs) does not.
        let derivedV = ownsV ? nil : chain.flatMap(\.derived).first { $0.name == "v" && $0.dimension == .voltage }.flatMap { _ in env["v"]?.ir }
        let clamp = derivedV.flatMap { v in v.refs.isSubset(of: Set(paramValue.keys).union(["t"])) ? v : nil }
        if let clamp {
            guard let v0 = constant(clamp.substituting(["t": .const(0)])), v0.isFinite else {
                return unsupported("its derived membrane potential v is not finite at t = 0")
            }
            vInit = v0
        }
        if ownsV, let e = initial["v"] {
            guard let v0 = constant(e), v0.isFinite else {
                return unsupported("the initial membrane potential must be a parameter expression")
            }
            vInit = v0
        }
        // Every state's initial value (0 without an OnStart, as LEMS), for initial expressions that read states.
        var stateInitials: [String: IRExpr] = [:]
        for sv in stateVars + childStates.map(\.state) where sv.name != "v" { stateInitials[sv.name] = (initial[sv.name] ?? .const(0)).substituting(["v": .const(vInit)]) }
        // Regimes: a `regime` state selects each state's rate and guards each regime's conditions.
        let regimes = chain.flatMap(\.regimes)
        // Its OnEvent runs where a LEMS Structure's EventConnection reaches the cell's port
        // (LEMSNetworks); where none does, BRC-W0130 says so once the network is built.
        if let at = chain.first(where: { !$0.onEvent.isEmpty })?.element ?? regimes.first(where: { !$0.onEvent.isEmpty })?.element {
            ctx.portEvents[name] = (def.name, at.location)
        }
        /// The rate of a state: its Dynamics-level TimeDerivative, or per regime (0 where a
        /// regime has none); nil entries mean an error was reported.
        func rates(_ s: ComponentTypeDef.Named) -> [(regime: Int?, rate: IRExpr, element: Element)]? {
            if let td = derivatives.first(where: { $0.variable == s.name }) {
                guard let r = lowerRate(td, s) else { return nil }
                return [(nil, r, td.element)]
            }
            var out: [(regime: Int?, rate: IRExpr, element: Element)] = []
            for (k, reg) in regimes.enumerated() {
                guard let td = reg.timeDerivatives.first(where: { $0.variable == s.name }) else { continue }
                guard let r = lowerRate(td, s) else { return nil }
                out.append((k, r, td.element))
            }
            return out
        }
        for reg in regimes {
            guard ComponentTypeDef.derivativesOfStates(reg.timeDerivatives, states: stateVars, ctx: ctx) else { return nil }
        }
        // What reads the synaptic current other than v's rate reads the step's value, latched
        // (after every synapse and input has added to the node) in the state `nodeCurrent`.
        let latched: [String: IRExpr] = [external: .ref(nodeCurrent)]
        func latch(_ e: IRExpr) -> IRExpr { e.refs.contains(external) ? e.substituting(latched) : e }
        if let (n, a) = chain.flatMap(\.onStart).first(where: { initial[$0.0]?.refs.contains(external) == true }) {
            return unsupported("the OnStart value of '\(n)' reads the synaptic current (it is known only once the run steps)", at: a.location)
        }
        // The intrinsic process: states other than v, then the held current.
        var states: [IRState] = []
        let derivedNames = Set(chain.flatMap(\.derived).map(\.name))
        for s in stateVars where !(ownsV && s.name == "v") {
            guard let parts = rates(s) else { return nil }
            let hidden = (derivatives + regimes.flatMap(\.timeDerivatives)).contains { td in
                td.variable == s.name && Linearity.hiddenByExport(td.value, derived: derivedNames, ctx: ctx)
            }
            let update = Regimes.update(parts.map { ($0.regime, latch($0.rate)) }, of: s.name, regimeCount: regimes.count, hidden: hidden)
            states.append(IRState(name: s.name, initial: initial[s.name] ?? .const(0), update: update))
        }
        // The occupancies of kinetic schemes (LEMS KineticScheme), solved together.
        guard let kinetic = LEMSKineticSchemeLowering.lower(tree, env: env, ctx: ctx) else { return nil }
        // The children's states (a child has no regimes: its rates are its Dynamics').
        guard let childUpdates = tree.childStateUpdates(env: env, initial: initial, kinetic: kinetic, ctx: ctx,
                                                        unsupported: { _ = unsupported($0, at: $1) }) else { return nil }
        states += childUpdates
        if !regimes.isEmpty {
            guard let regime = Regimes.stateVariable(regimes, states: stateVars, type: def.name, ctx: ctx) else { return nil }
            states.append(regime)
        }
        // The current is live (evaluated at the present v) when no other state has a rate.
        let live = !states.contains { if case .linear = $0.update { return true }; if case .euler = $0.update { return true }; return false }
        // A v that no TimeDerivative moves changes only where conditions assign it (LEMS): a
        // clamp (pyNeuroML's vClampedCell), which channel and synapse currents do not move.
        let vFixed = ownsV && regimes.isEmpty && !derivatives.contains { $0.variable == "v" }
        var capacitance = clamp == nil && !vFixed ? defaultCapacitance : clampCapacitance
        // Each regime's held current (regimes without a dv/dt hold v, as LEMS does: no current moves it).
        var regimeCurrent: [Int: IRExpr] = [:]
        let vHeld = "v_held"
        let holdsV = ownsV && !regimes.isEmpty && !derivatives.contains { $0.variable == "v" }
            && regimes.contains { !$0.timeDerivatives.contains { $0.variable == "v" } }
        if holdsV { states.append(IRState(name: vHeld, initial: .ref("v"), update: .none)) }
        var intrinsicCurrent = IRExpr.const(0)
        if ownsV, let s = stateVars.first(where: { $0.name == "v" }) {
            guard let parts = rates(s) else { return nil }
            // The capacitance: 1/b where dv/dt = a + b iSyn (the same in every regime).
            var perC: Double? = nil
            var currents: [(regime: Int?, value: IRExpr)] = []
            for p in parts {
                guard let (a, b) = p.rate.linearParts(in: external) else {
                    return unsupported("dv/dt must be linear in the synaptic current", at: p.element.location)
                }
                if p.rate.refs.contains(external) {
                    // A capacitance given as 0 or less is the value's mistake, said at its attribute.
                    if let x = constant(b), !(x.isFinite && x > 0),
                       let given = params.first(where: { b.refs.contains(ExpressionLowering.irParameter($0.name)) }), let a = el.attribute(given.name) {
                        ctx.error("BRC-E0124", "attribute '\(given.name)' of <\(el.name)> is \(trimmed(a.value)); it must be positive (dv/dt divides the synaptic current by it)",
                                  at: a.valueLocation, hint: "give a positive \(given.dimension), e.g. \(ctx.example(given.dimension))")
                        return nil
                    }
                    guard let x = constant(b), x.isFinite, x > 0, perC == nil || perC == x else {
                        return unsupported("the synaptic current must enter dv/dt as iSyn / C with C a positive parameter expression", at: p.element.location)
                    }
                    perC = x
                    currents.append((p.regime, .binary(.div, a, b)))
                } else {
                    currents.append((p.regime, .binary(.mul, .const(capacitance), a)))
                }
            }
            if let perC {
                capacitance = 1 / perC
                // Rates without iSyn were scaled by the default capacitance: rescale them.
                currents = currents.map { c in
                    if case .binary(.mul, .const(defaultCapacitance), let a) = c.value { return (c.regime, .binary(.mul, .const(capacitance), a)) }
                    return c
                }
            }
            for c in currents { if let k = c.regime { regimeCurrent[k] = c.value } }
            intrinsicCurrent = Regimes.combine(currents.map { ($0.regime, $0.value) }, regimeCount: regimes.count) ?? .const(0)
            if !live {
                // The export's INITIAL calls rates() before it assigns the states, on NEURON's
                // defaults: v at h.finitialize()'s v_init (-65 mV; v0 comes after, by an event at
                // t = 0) and every other STATE s at its NMODL default, the PARAMETER s0 where the
                // mod has one (hindmarshRose1984Cell's y0, z0), else 0.
                let names = Set(params.map(\.name))
                var atNEURONDefaults = Dictionary(uniqueKeysWithValues: stateInitials.keys.map { s in
                    (s, names.contains(s + "0") ? IRExpr.ref(ExpressionLowering.irParameter(s + "0")) : .const(0))
                })
                atNEURONDefaults["v"] = .const(neuronDefaultVInit)
                let startRegime: [String: IRExpr] = regimes.isEmpty ? [:] : [Regimes.state: .const(Double(Regimes.initialIndex(regimes)))]
                let held = intrinsicCurrent.substituting(atNEURONDefaults).substituting(startRegime)
                let own = intrinsicCurrent.substituting(stateInitials.merging(["v": .const(vInit)]) { a, _ in a }).substituting(startRegime)
                warnOfFirstStep(held: constant(held), own: constant(own), capacitance: capacitance, cell: name, at: el.location, ctx: ctx)
                states.append(IRState(name: heldCurrent, initial: held, update: .assign(intrinsicCurrent)))
                intrinsicCurrent = .ref(heldCurrent)
            }
        }
        // Conditions (a regime's only in that regime); the spike threshold of the one that emits,
        // or the spike counter of several or of another form.
        var conditions: [IRCondition] = []
        var threshold = 1e9
        var countsSpikes = false
        func assignments(_ list: [(variable: String, value: Attribute)]) -> [IRStateAssignment]? {
            var out: [IRStateAssignment] = []
            for (n, a) in list {
                guard let s = ComponentTypeDef.assignedState(n, of: stateVars, type: def.name, at: a.location, ctx: ctx) else { return nil }
                guard let (x, _) = ExpressionLowering.lowerAttribute(a, element: "StateAssignment", expected: s.dimension, env: env, ctx: ctx) else { return nil }
                out.append(IRStateAssignment(n, latch(x)))
                if ownsV && !live && n == "v" { out.append(IRStateAssignment(heldCurrent, .const(0))) }
            }
            return out
        }
        let all: [(regime: Int?, condition: ComponentTypeDef.Condition)] = chain.flatMap(\.onConditions).map { (nil, $0) }
            + regimes.enumerated().flatMap { k, r in r.onConditions.map { (Optional(k), $0) } }
        let emitters = all.filter(\.condition.emits).count
        for (k, c) in all {
            guard let (lowered, _) = ExpressionLowering.lowerAttribute(c.test, element: "OnCondition", expected: nil, env: env, ctx: ctx),
                  var list = assignments(c.assignments) else { return nil }
            let t = latch(lowered)
            if let tr = c.transition {
                guard let target = Regimes.target(tr, in: regimes, type: def.name, ctx: ctx) else { return nil }
                list.append(IRStateAssignment(Regimes.state, .const(Double(target))))
                guard let entry = assignments(regimes[target].onEntry) else { return nil }
                list += entry
                if holdsV, regimeCurrent[target] == nil {
                    list.append(IRStateAssignment(vHeld, list.last { $0.state == "v" }?.value ?? .ref("v")))
                } else if !live, let held = regimeCurrent[target] {
                    // Entering a regime that moves v: its current from now, not from the next update
                    // (from the states just assigned: a condition's assignments run in order).
                    list.append(IRStateAssignment(heldCurrent, held))
                }
            }
            if c.emits {
                // The one emitting condition of a threshold form is brcc's detector on v;
                // any other counts its spikes.
                if emitters == 1, ownsV, let x = detectorThreshold(of: t, assigned: Set(list.map(\.state)), states: Set(stateVars.map(\.name)), constant: constant) {
                    threshold = x
                } else {
                    list.append(IRStateAssignment(spikeCount, .binary(.add, .ref(spikeCount), .const(1))))
                    countsSpikes = true
                }
            }
            conditions.append(IRCondition(test: k.map { .binary(.and, Regimes.active($0), t) } ?? t, assignments: list))
        }
        // Events at the cell's own port: its OnEvent assignments, a regime's only while that
        // regime is the present one.
        guard var events = assignments(chain.flatMap(\.onEvent)) else { return nil }
        for (k, r) in regimes.enumerated() where !r.onEvent.isEmpty {
            guard let list = assignments(r.onEvent) else { return nil }
            events += list.map { IRStateAssignment($0.state, .select(Regimes.active(k), $0.value, .ref($0.state))) }
        }
        // The children's conditions (each assigns its own states; a child emits no events).
        guard let childConditions = tree.childConditions(env: env, ctx: ctx, unsupported: { _ = unsupported($0, at: $1) }) else { return nil }
        conditions += childConditions
        if holdsV {
            for k in regimes.indices where regimeCurrent[k] == nil {
                // First, so a step that leaves the regime starts from the held value.
                conditions.insert(IRCondition(test: Regimes.active(k), assignments: [IRStateAssignment("v", .ref(vHeld))]), at: 0)
            }
        }
        if let clamp { conditions.insert(IRCondition(test: .const(1), assignments: [IRStateAssignment("v", clamp)]), at: 0) }
        let readsNodeCurrent = (states.flatMap(\.expressions) + conditions.flatMap { [$0.test] + $0.assignments.map(\.value) })
            .contains { $0.refs.contains(nodeCurrent) }
        if readsNodeCurrent { states.append(IRState(name: nodeCurrent, initial: .const(0), update: .none)) }
        if countsSpikes { states.append(IRState(name: spikeCount, initial: .const(0), update: .none)) }
        let cm = capacitance / area
        let node = IRNode(parent: -1, area: area, cm: cm, gAxial: 0, label: "\(name)(0.5)")
        // channelPopulation children: channels on the compartment (their paths: test/i, ...).
        var placements: [IRPlacement] = []
        // A Parameter caConc of the cell is the calcium concentration its channels read (jLEMS
        // resolves their Requirement caConc up the component tree to it).
        let caConc = params.firstIndex { $0.name == "caConc" && $0.dimension == .concentration }
        for (e, prefix) in tree.channelPopulations {
            guard ownsV else { return unsupported("a channelPopulation in a cell without a membrane potential v", at: e.location) }
            guard var placed = PointCellLowering.population(e, of: el.name, area: area, mechanismIndex: mechanismIndex, mechanisms: mechanisms,
                                                            hasCalcium: caConc != nil, ctx: ctx)?.placement else { return nil }
            placed.label = e.id ?? String(prefix.dropLast())  // jLEMS's paths name a Child by its id too
            placements.append(placed)
        }
        if let caConc, placements.contains(where: { mechanisms()[$0.mechanism].reads.contains(IRMechanism.ionConcentrationName("ca")) }) {
            placements.insert(IRPlacement(label: "caConc", mechanism: fixedCalcium(), nodes: [0], values: [[values[caConc]]]), at: 0)
        }
        var cell = IRCellType(name: name, origin: "\(what) id=\"\(name)\" at \(el.location.shortDescription)", nodes: [node],
                              sections: [IRSection(name: name, nodes: [0])], segments: [IRSegment(id: 0, name: name, section: 0, from: 0, to: 1)],
                              placements: placements, vInit: vInit, spikeThreshold: threshold, spikeNode: 0)
        cell.hasMembranePotential = ownsV || clamp != nil
        var dyn = IRSynapse(name: "\(name)_dynamics", origin: "dynamics of \(what) id=\"\(name)\" (ComponentType \(def.name))",
                            parameters: params.map { ExpressionLowering.irParameter($0.name) }, locals: kinetic.locals, states: states, current: intrinsicCurrent,
                            onEvent: events, conditions: conditions)
        dyn.parameterDimensions = params.map(\.dimension)
        dyn.isCellDynamics = true
        dyn.nodeCurrent = readsNodeCurrent ? nodeCurrent : nil
        dyn.spikeFlag = countsSpikes ? spikeCount : nil
        // Derived variables (with the synaptic current itself), the children's under their
        // paths; those that read the synaptic current are recordable where it is latched.
        for part in tree.parts {
            for n in part.chain.flatMap(\.derived).map(\.name) + part.chain.flatMap(\.selects).map(\.name) {
                guard let b = env[part.prefix + n], readsNodeCurrent || !b.ir.refs.contains(external) else { continue }
                dyn.exposures[part.prefix + n] = IRExposure(b.ir.substituting(latched), siScale: b.dimension.internalScale)
            }
        }
        for s in stateVars.filter({ !(ownsV && $0.name == "v") }) + childStates.map(\.state) {
            dyn.exposures[s.name] = IRExposure(.ref(s.name), siScale: s.dimension.internalScale)
        }
        // LEMS records a parameter too (a constant column; the Allen Institute's GLIF tests
        // record `thresh`).
        for p in params where dyn.exposures[p.name] == nil && !(ownsV && p.name == "v") {
            dyn.exposures[p.name] = IRExposure(.ref(ExpressionLowering.irParameter(p.name)), siScale: p.dimension.internalScale)
        }
        // jLEMS also addresses a Child by its component's id (ArborShowcase's scoping test
        // records myin0/d_inner of <in0 id="myin0">): the same exposures under that path.
        // (The names under a prefix found by binary search in the sorted names: a tree may
        // have thousands of parts.)
        let sortedNames = dyn.exposures.keys.sorted()
        var aliases: [String: IRExposure] = [:]
        for part in tree.parts where !part.prefix.isEmpty {
            var path = part.prefix.dropLast().split(separator: "/").map(String.init)
            guard let id = part.element.id, path.last != id else { continue }
            path[path.count - 1] = id
            let alias = path.joined(separator: "/") + "/"
            var (k, hi) = (0, sortedNames.count)
            while k < hi {
                let mid = (k + hi) / 2
                if sortedNames[mid] < part.prefix { k = mid + 1 } else { hi = mid }
            }
            while k < sortedNames.count, sortedNames[k].hasPrefix(part.prefix) {
                let name = alias + sortedNames[k].dropFirst(part.prefix.count)
                if dyn.exposures[name] == nil && aliases[name] == nil { aliases[name] = dyn.exposures[sortedNames[k]] }
                k += 1
            }
        }
        dyn.exposures.merge(aliases) { old, _ in old }
        return Lowered(cell: cell, dynamics: dyn, values: values)
    }

    /// The threshold X of an emitting condition that brcc's detector on v can replace: `v .gt. X`,
    /// or `v .gt. X .and. s .lt. c` with s a latch the condition sets (`assigned`; a state, c a
    /// constant; HindmarshRose1984Cell, OSB's Wang-Buzsaki cell: s = 1 here, 0 once v falls
    /// back): both emit once per upward crossing of X, as the detector does. X must be a
    /// parameter expression (`constant` evaluates it).
    static func detectorThreshold(of test: IRExpr, assigned: Set<String>, states: Set<String>, constant: (IRExpr) -> Double?) -> Double? {
        var test = test
        if case .binary(.and, let a, let b) = test {
            func isLatch(_ e: IRExpr) -> Bool {
                guard case .binary(let op, .ref(let s), let c) = e, op == .lt || op == .le, s != "v", assigned.contains(s),
                      states.contains(s), constant(c) != nil else { return false }
                return true
            }
            if isLatch(b) { test = a } else if isLatch(a) { test = b }
        }
        guard case .binary(let op, .ref("v"), let rhs) = test, op == .gt || op == .ge, let x = constant(rhs) else { return nil }
        return x
    }

    /// Points the spike sources of cells whose dynamics count their spikes at their counters
    /// (`IRSpikeSource.flag`); run once every source and dynamics group exists.
    static func linkSpikeFlags(_ model: inout IRModel) {
        var counted: [Int: (group: Int, state: Int, instance: [Int: Int])] = [:]
        for (g, group) in model.synapseGroups.enumerated() {
            let syn = model.synapses[group.synapse]
            guard let flag = syn.spikeFlag, let state = syn.states.firstIndex(where: { $0.name == flag }) else { continue }
            var instance: [Int: Int] = [:]
            for (k, inst) in group.instances.enumerated() { instance[inst.population << 32 | inst.cell] = k }
            counted[group.cellType] = (g, state, instance)
        }
        guard !counted.isEmpty else { return }
        for (i, s) in model.spikeSources.enumerated() where s.generator == nil {
            guard let c = counted[model.populations[s.population].cellType], let k = c.instance[s.population << 32 | s.cell] else { continue }
            model.spikeSources[i].flag = IRSpikeFlag(group: c.group, instance: k, state: c.state)
        }
    }

}
