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
/// - its current into the cell is `a / b` (e.g. `k (v-vr)(v-vt) - u` for izhikevich2007Cell),
///   computed after each voltage solve from the new v and the other states' old values and
///   used in the next solve (the export's `i = v_I * C`, with v_I from `rates()`);
/// - the other states advance by the generic rule (exactly if linear in themselves, else
///   forward Euler), after the voltage solve;
/// - each OnCondition is tested before the voltage solve; an assignment to v sets the node's
///   potential (and zeroes the held current, as the export's `v_I = 0`); an `EventOut` makes
///   the cell a spike source: its test must be `v .gt. X` with X a parameter expression, the
///   threshold brcc's detector uses at the same step.
/// Synapses and inputs attach to the compartment natively (the `iSyn` select of the type).
/// A cell without a voltage `v` (fitzHughNagumoCell's V) keeps all its states in the intrinsic
/// process, on a compartment nothing drives.
enum AbstractCellLowering {
    struct Lowered { var cell: IRCellType; var dynamics: IRSynapse; var values: [Double] }

    /// Area of the equivalent compartment (um2): a 10 um x 10 um cylinder, as the NEURON export.
    static let area = 100 * Double.pi
    /// Capacitance (nF) of a cell whose potential no current drives (1 uF/cm2 on `area`).
    static let defaultCapacitance = area * 1e-5
    /// Name of the held intrinsic current (nA) among the dynamics' states.
    static let heldCurrent = "i_intrinsic"

    /// Cells lowered natively (their membrane is a cable, not LEMS Dynamics).
    static let nativeCells: Set<String> = ["cell", "pointCellCondBased"]

    /// The component type of an element, if it is a LEMS point cell.
    static func cellType(of el: Element, ctx: Context) -> ComponentTypeDef? {
        let name = el.name == "Component" ? (el["type"] ?? "") : el.name
        guard !nativeCells.contains(name), let def = ctx.type(named: name) else { return nil }
        var current: ComponentTypeDef? = def
        var seen: Set<String> = []
        while let c = current, !seen.contains(c.name) {
            if c.name == "baseCell" { return def }
            seen.insert(c.name)
            guard let base = c.extends else {
                // A type that extends nothing, with Dynamics, whose component a population
                // names: LEMS simulates any component in a population (the Hindmarsh-Rose
                // hindmarshRoseCell of OSB, states x, y, z); brcc lowers it as a cell without v.
                if c.name == def.name, def.element.children.contains(where: { $0.name == "Dynamics" }),
                   let id = el.id, ctx.populationComponents.contains(id) { return def }
                return nil
            }
            current = ctx.type(named: base)
        }
        return nil
    }

    static func lower(_ el: Element, def: ComponentTypeDef, ctx: Context) -> Lowered? {
        let name = el.id ?? def.name
        let chain = def.resolved(in: ctx)
        let what = el.name == "Component" ? "<Component type=\"\(def.name)\">" : "<\(el.name)>"
        func unsupported(_ why: String, at loc: SourceLocation? = nil) -> Lowered? {
            ctx.error("BRC-E0103", "not supported yet: \(what) (id \"\(name)\"): \(why)", at: loc ?? el.location,
                      hint: "see docs/language.md for the LEMS subset brcc compiles")
            return nil
        }
        if let problem = chain.flatMap(\.problems).first {
            let file = def.element.location.file.split(separator: "/").last.map(String.init) ?? ""
            return unsupported("its ComponentType '\(def.name)' (\(file)) uses LEMS that brcc does not compile yet: \(problem.message)")
        }
        // Parameters (each once, base types first) and their values.
        var params: [ComponentTypeDef.Named] = []
        for p in chain.reversed().flatMap(\.parameters) where !params.contains(where: { $0.name == p.name }) { params.append(p) }
        ctx.checkAttributes(el, required: params.map(\.name) + ["id"], optional: ["type", "neuroLexId"])
        var values: [Double] = []
        var env: [String: Binding] = ["t": Binding(dimension: .time, ir: .ref("t")),
                                      "temperature": Binding(dimension: .temperature, ir: .ref("temperature")),
                                      ExpressionLowering.randomKey: ExpressionLowering.randomBinding]
        for p in params {
            guard let v = ctx.quantity(el, p.name, p.dimension) else { return nil }
            values.append(v)
            env[p.name] = Binding(dimension: p.dimension, ir: .ref(ExpressionLowering.irParameter(p.name)))
        }
        let paramValue = Dictionary(uniqueKeysWithValues: zip(params.map { ExpressionLowering.irParameter($0.name) }, values))
        for (c, v) in chain.flatMap(\.constants) { env[c.name] = Binding(dimension: c.dimension, ir: .const(v)) }
        let stateVars = chain.flatMap(\.stateVariables)
        for s in stateVars { env[s.name] = Binding(dimension: s.dimension, ir: .ref(s.name)) }
        // Summed attachments (iSyn): the synaptic current, which reaches the compartment natively.
        let external = "__external"
        // A dimensionless one (izhikevichCell's ISyn = synapses[*]/I) is injected as nA per unit.
        var dimensionless = false
        for sel in chain.flatMap(\.selects) {
            guard sel.path == "synapses[*]/i" && sel.dimension == .current || sel.path == "synapses[*]/I" && sel.dimension == .none else {
                return unsupported("DerivedVariable '\(sel.name)' selects \"\(sel.path)\" (only the current of attached synapses, synapses[*]/i or synapses[*]/I, is supported)", at: sel.element.location)
            }
            dimensionless = sel.dimension == .none
            env[sel.name] = Binding(dimension: sel.dimension, ir: .ref(external))
        }
        if dimensionless { ctx.dimensionlessCells.insert(name) }
        // Derived variables, inlined in dependency order.
        var pending = chain.flatMap(\.derived)
        while !pending.isEmpty {
            guard let i = pending.firstIndex(where: { d in
                d.cases.flatMap { [$0.0, $0.1].compactMap { $0 } }.allSatisfy { a in
                    (ctx.document.expression(a)?.variables ?? []).allSatisfy { n in !pending.contains { $0.name == n } }
                }
            }) else {
                ctx.error("BRC-E0111", "derived variables of '\(def.name)' depend on each other in a cycle", at: pending[0].element.location, hint: "break the cycle")
                return nil
            }
            let d = pending.remove(at: i)
            guard let value = ComponentTypeDef.lowerDerived(d, env: env, ctx: ctx) else { return nil }
            env[d.name] = Binding(dimension: d.dimension, ir: value)
        }
        func lowerRate(_ td: (variable: String, value: Attribute, element: Element), _ s: ComponentTypeDef.Named) -> IRExpr? {
            ExpressionLowering.lowerAttribute(td.value, element: "TimeDerivative", expected: s.dimension / .time, env: env, ctx: ctx)?.0
        }
        let derivatives = chain.flatMap(\.timeDerivatives)
        for td in derivatives where !stateVars.contains(where: { $0.name == td.variable }) {
            ctx.error("BRC-E0605", "TimeDerivative of '\(td.variable)', which is not a StateVariable", at: td.element.location, hint: "declare <StateVariable name=\"\(td.variable)\" .../>")
            return nil
        }
        let ownsV = stateVars.contains { $0.name == "v" && $0.dimension == .voltage }
        // Initial values (OnStart), in terms of parameters (and v, the compartment's initial potential).
        var initial: [String: IRExpr] = [:]
        for (n, a) in chain.flatMap(\.onStart) {
            guard let s = stateVars.first(where: { $0.name == n }) else {
                ctx.error("BRC-E0605", "StateAssignment to '\(n)', which is not a StateVariable of '\(def.name)'", at: a.location, hint: "state variables: \(stateVars.map(\.name).joined(separator: ", "))")
                return nil
            }
            guard let (x, _) = ExpressionLowering.lowerAttribute(a, element: "StateAssignment", expected: s.dimension, env: env, ctx: ctx) else { return nil }
            initial[n] = ExpressionLowering.onStartValue(x, states: stateVars.map(\.name), assigned: initial)
        }
        func constant(_ e: IRExpr) -> Double? {
            guard e.refs.isSubset(of: Set(paramValue.keys)) else { return nil }
            return e.evaluate { paramValue[$0] ?? .nan }
        }
        var vInit = 0.0
        if ownsV, let e = initial["v"] {
            guard let v0 = constant(e), v0.isFinite else {
                return unsupported("the initial membrane potential must be a parameter expression")
            }
            vInit = v0
        }
        // Every state's initial value (0 without an OnStart, as LEMS), for initial expressions that read states.
        var stateInitials: [String: IRExpr] = [:]
        for sv in stateVars where sv.name != "v" { stateInitials[sv.name] = (initial[sv.name] ?? .const(0)).substituting(["v": .const(vInit)]) }
        // Regimes: a `regime` state selects each state's rate and guards each regime's conditions.
        let regimes = chain.flatMap(\.regimes)
        let regimeState = "regime"
        func inRegime(_ k: Int) -> IRExpr { .binary(.eq, .ref(regimeState), .const(Double(k))) }
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
        /// One expression from per-regime values (the common one if every regime has the same).
        func combine(_ parts: [(regime: Int?, value: IRExpr)]) -> IRExpr? {
            guard let first = parts.first else { return nil }
            if first.regime == nil { return first.value }
            if parts.count == regimes.count, parts.allSatisfy({ $0.value == first.value }) { return first.value }
            return parts.reversed().reduce(IRExpr.const(0)) { acc, p in .select(inRegime(p.regime!), p.value, acc) }
        }
        for reg in regimes {
            for td in reg.timeDerivatives where !stateVars.contains(where: { $0.name == td.variable }) {
                ctx.error("BRC-E0605", "TimeDerivative of '\(td.variable)', which is not a StateVariable", at: td.element.location, hint: "declare <StateVariable name=\"\(td.variable)\" .../>")
                return nil
            }
        }
        // The intrinsic process: states other than v, then the held current.
        var states: [IRState] = []
        for s in stateVars where !(ownsV && s.name == "v") {
            var update = IRUpdate.none
            guard let parts = rates(s) else { return nil }
            if let bad = parts.first(where: { $0.rate.refs.contains(external) }) {
                return unsupported("the rate of '\(s.name)' depends on the synaptic current (only v's may)", at: bad.element.location)
            }
            if let rate = combine(parts.map { ($0.regime, $0.rate) }) {
                if let (a, b) = Linearity.split(rate, in: s.name) { update = .linear(a: a, b: b) } else { update = .euler(rate) }
            }
            states.append(IRState(name: s.name, initial: initial[s.name] ?? .const(0), update: update))
        }
        if !regimes.isEmpty {
            let start = regimes.firstIndex(where: \.initial) ?? 0
            states.append(IRState(name: regimeState, initial: .const(Double(start)), update: .none))
        }
        var capacitance = defaultCapacitance
        // Each regime's held current (regimes without a dv/dt hold v, as LEMS does: no current moves it).
        var regimeCurrent: [Int: IRExpr] = [:]
        let vHeld = "v_held"
        let holdsV = ownsV && !regimes.isEmpty && !derivatives.contains { $0.variable == "v" }
            && regimes.contains { !$0.timeDerivatives.contains { $0.variable == "v" } }
        if holdsV { states.append(IRState(name: vHeld, initial: .ref("v"), update: .none)) }
        if ownsV, let s = stateVars.first(where: { $0.name == "v" }) {
            guard let parts = rates(s) else { return nil }
            // The capacitance: 1/b where dv/dt = a + b iSyn (the same in every regime).
            var perC: Double? = nil
            var currents: [(regime: Int?, value: IRExpr)] = []
            for p in parts {
                guard let (a, b) = Linearity.split(p.rate, in: external) else {
                    return unsupported("dv/dt must be linear in the synaptic current", at: p.element.location)
                }
                if p.rate.refs.contains(external) {
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
            let current = combine(currents) ?? .const(0)
            let held = current.substituting(stateInitials).substituting(regimes.isEmpty ? [:] : [regimeState: .const(Double(regimes.firstIndex(where: \.initial) ?? 0))])
            states.append(IRState(name: heldCurrent, initial: held, update: .assign(current)))
        }
        // Conditions (a regime's only in that regime), and the spike threshold of the one that emits.
        var conditions: [IRCondition] = []
        var threshold = 1e9
        var emitting = 0
        func assignments(_ list: [(variable: String, value: Attribute)]) -> [IRStateAssignment]? {
            var out: [IRStateAssignment] = []
            for (n, a) in list {
                guard let s = stateVars.first(where: { $0.name == n }) else {
                    ctx.error("BRC-E0605", "StateAssignment to '\(n)', which is not a StateVariable of '\(def.name)'", at: a.location, hint: "state variables: \(stateVars.map(\.name).joined(separator: ", "))")
                    return nil
                }
                guard let (x, _) = ExpressionLowering.lowerAttribute(a, element: "StateAssignment", expected: s.dimension, env: env, ctx: ctx) else { return nil }
                out.append(IRStateAssignment(n, x))
                if ownsV && n == "v" { out.append(IRStateAssignment(heldCurrent, .const(0))) }
            }
            return out
        }
        let all: [(regime: Int?, condition: ComponentTypeDef.Condition)] = chain.flatMap(\.onConditions).map { (nil, $0) }
            + regimes.enumerated().flatMap { k, r in r.onConditions.map { (Optional(k), $0) } }
        for (k, c) in all {
            guard let (t, _) = ExpressionLowering.lowerAttribute(c.test, element: "OnCondition", expected: nil, env: env, ctx: ctx),
                  var list = assignments(c.assignments) else { return nil }
            if let tr = c.transition {
                guard let target = regimes.firstIndex(where: { $0.name == tr.value }) else {
                    ctx.error("BRC-E0605", "<Transition> to regime '\(tr.value)', which '\(def.name)' does not define", at: tr.location,
                              hint: "regimes: \(regimes.map(\.name).joined(separator: ", "))")
                    return nil
                }
                list.append(IRStateAssignment(regimeState, .const(Double(target))))
                guard let entry = assignments(regimes[target].onEntry) else { return nil }
                list += entry
                if holdsV, regimeCurrent[target] == nil {
                    list.append(IRStateAssignment(vHeld, list.last { $0.state == "v" }?.value ?? .ref("v")))
                } else if let held = regimeCurrent[target] {
                    // Entering a regime that moves v: its current from now, not from the next update
                    // (from the states just assigned: a condition's assignments run in order).
                    list.append(IRStateAssignment(heldCurrent, held))
                }
            }
            if c.emits {
                emitting += 1
                // `v .gt. X`, or `v .gt. X .and. s .lt. c` with s a latch this condition sets
                // (HindmarshRose1984Cell, OSB's Wang-Buzsaki cell: s = 1 here, 0 once v falls
                // back): both emit once per upward crossing of X, as brcc's threshold does.
                var test = t
                if case .binary(.and, let a, let b) = t {
                    let assigned = Set(list.map(\.state))
                    func isLatch(_ e: IRExpr) -> Bool {
                        guard case .binary(let op, .ref(let s), let c) = e, op == .lt || op == .le, s != "v", assigned.contains(s),
                              stateVars.contains(where: { $0.name == s }), constant(c) != nil else { return false }
                        return true
                    }
                    if isLatch(b) { test = a } else if isLatch(a) { test = b }
                }
                guard ownsV, case .binary(let op, .ref("v"), let rhs) = test, op == .gt || op == .ge, let x = constant(rhs), emitting == 1 else {
                    return unsupported("an EventOut must be in one OnCondition whose test is v .gt. (a parameter expression), optionally .and. a latch state it sets", at: c.test.location)
                }
                threshold = x
            }
            conditions.append(IRCondition(test: k.map { .binary(.and, inRegime($0), t) } ?? t, assignments: list))
        }
        if holdsV {
            for k in regimes.indices where regimeCurrent[k] == nil {
                // First, so a step that leaves the regime starts from the held value.
                conditions.insert(IRCondition(test: inRegime(k), assignments: [IRStateAssignment("v", .ref(vHeld))]), at: 0)
            }
        }
        if conditions.contains(where: { $0.test.refs.contains(external) || $0.assignments.contains { $0.value.refs.contains(external) } }) {
            return unsupported("a condition reads the synaptic current")
        }
        let cm = capacitance / area
        let node = IRNode(parent: -1, area: area, cm: cm, gAxial: 0, label: "\(name)(0.5)")
        let cell = IRCellType(name: name, origin: "\(what) id=\"\(name)\" at \(el.location.shortDescription)", nodes: [node],
                              sections: [IRSection(name: name, nodes: [0])], segments: [IRSegment(id: 0, name: name, section: 0, from: 0, to: 1)],
                              placements: [], vInit: vInit, spikeThreshold: threshold, spikeNode: 0)
        var dyn = IRSynapse(name: "\(name)_dynamics", origin: "dynamics of \(what) id=\"\(name)\" (ComponentType \(def.name))",
                            parameters: params.map { ExpressionLowering.irParameter($0.name) }, locals: [], states: states, current: ownsV ? .ref(heldCurrent) : .const(0),
                            onEvent: [], conditions: conditions)
        dyn.parameterDimensions = params.map(\.dimension)
        for d in chain.flatMap(\.derived) {
            if let b = env[d.name], !b.ir.refs.contains(external) { dyn.exposures[d.name] = IRExposure(b.ir, siScale: b.dimension.internalScale) }
        }
        for s in stateVars where !(ownsV && s.name == "v") {
            dyn.exposures[s.name] = IRExposure(.ref(s.name), siScale: s.dimension.internalScale)
        }
        // LEMS records a parameter too (a constant column; the Allen Institute's GLIF tests
        // record `thresh`).
        for p in params where dyn.exposures[p.name] == nil && !(ownsV && p.name == "v") {
            dyn.exposures[p.name] = IRExposure(.ref(ExpressionLowering.irParameter(p.name)), siScale: p.dimension.internalScale)
        }
        return Lowered(cell: cell, dynamics: dyn, values: values)
    }

    /// The dynamics' group label for a cell type (how recorded paths find it).
    static func groupLabel(_ cellType: String) -> String { "\(cellType)/dynamics" }
}
