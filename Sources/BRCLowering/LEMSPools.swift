import BRCDiagnostics
import BRCIR
import BRCSyntax
import BRCUnits

/// Lowers a concentration model of a model's own ComponentType, one that extends NeuroML's
/// `concentrationModel` (Hay et al.'s `concentrationModelHayEtAl` of the Blue Brain and L5
/// pyramidal cells, NetPyNE's `cadad`), to a pool mechanism like the core ones (`PoolLowering`):
/// its first state is the ion's internal concentration at each node of the species' segment
/// group, read by the channels there as `caConc`.
///
/// What the type's Dynamics may read: its parameters and constants, `surfaceArea` (the node's
/// membrane area), `iCa` (for calcium; `iNa`, `iK`, ... for other ions: the node's current of
/// the ion this step, inward positive, as the core pools read it), `initialConcentration` and
/// `initialExtConcentration` (the species'), `v`, `t` and `temperature`. `extConcentration`,
/// which no TimeDerivative changes, is the species' `initialExtConcentration`.
///
/// Integration follows jNeuroML's NEURON export, as for LEMS synapses and cells: a
/// TimeDerivative that reads a DerivedVariable by forward Euler, else exactly where it is linear
/// in its state (`Linearity`). An `OnCondition` that clamps a state integrated by Euler (NetPyNE's
/// `cadad`: concentration < 0 -> 0) acts on the state's new value in the same step.
enum LEMSPoolLowering {
    /// The core type a LEMS pool's ComponentType extends.
    static let base = "concentrationModel"

    /// The ComponentType of a concentration model element (`<concentrationModel type=...>` is
    /// renamed to its type before lowering); nil for the core pools lowered natively.
    static func typeName(of el: Element) -> String? {
        PoolLowering.kinds.contains(el.name) ? nil : el.typeName
    }

    /// The pool mechanism of `el` and its parameter values (without the species' initial
    /// concentrations, the last two parameters, which each species appends).
    static func lower(_ el: Element, ctx: Context) -> (IRMechanism, [Double])? {
        let id = el.id ?? "?"
        func unsupported(_ why: String, at location: SourceLocation) -> (IRMechanism, [Double])? {
            ctx.error("BRC-E0103", "not supported yet: concentration model '\(id)': \(why)", at: location,
                      hint: "see docs/language.md (concentration models) for what a LEMS concentration model may hold")
            return nil
        }
        guard let name = typeName(of: el), let def = ctx.type(named: name), ComponentTypeDef.lineage(name, ctx: ctx).contains(base) else {
            return unsupported("<\(el.name)> names no ComponentType that extends \(base)", at: el.location)
        }
        let chain = def.resolved(in: ctx)
        if let problem = chain.flatMap(\.problemsAsLeaf).first {
            ctx.sink.report(problem)
            return nil
        }
        if let r = chain.flatMap(\.regimes).first { return unsupported("Regime '\(r.name)'", at: r.element.location) }
        if let s = chain.flatMap(\.selects).first { return unsupported("DerivedVariable '\(s.name)' selects over children", at: s.element.location) }
        if !chain.flatMap(\.onEvent).isEmpty { return unsupported("OnEvent (a pool receives no events)", at: def.element.location) }
        let params = ComponentTypeDef.parameters(of: chain)
        guard ComponentTypeDef.checkComponent(el, chain: chain, required: ComponentTypeDef.givenParameters(of: chain) + ["id"], optional: ["type", "neuroLexId"] + ComponentTypeDef.texts(of: chain), ctx: ctx) else { return nil }
        guard let ion = el["ion"] else { return nil }  // checkAttributes reported it: `ion` is the base type's Text
        guard PoolLowering.valence[ion] != nil else {
            ctx.error("BRC-E0103", "not supported yet: a concentration model of ion '\(ion)' (brcc knows the valence of \(PoolLowering.ionList))",
                      at: el.attribute("ion")!.location, hint: "use one of ion=\(PoolLowering.ionList)")
            return nil
        }

        // The environment: parameters, constants, the node's values and the species'.
        var values: [Double] = []
        var env: [String: Binding] = ["t": Binding(dimension: .time, ir: .ref("t")), "v": Binding(dimension: .voltage, ir: .ref("v")),
                                      "temperature": Binding(dimension: .temperature, ir: .ref("temperature")),
                                      "surfaceArea": Binding(dimension: Dimension(l: 2), ir: .ref("area")),
                                      "initialConcentration": Binding(dimension: .concentration, ir: .ref("initialConcentration")),
                                      "initialExtConcentration": Binding(dimension: .concentration, ir: .ref("initialExtConcentration"))]
        env[PoolLowering.inwardCurrentName(ion)] = Binding(dimension: .current, ir: .neg(.ref(IRMechanism.ionCurrentName(ion))))
        for p in params {
            guard let v = ComponentTypeDef.value(of: p, for: el, chain: chain, ctx: ctx) else { return nil }
            values.append(v)
            env[p.name] = Binding(dimension: p.dimension, ir: .ref(ExpressionLowering.irParameter(p.name)))
        }
        for (c, v) in chain.flatMap(\.constants) { env[c.name] = Binding(dimension: c.dimension, ir: .const(v)) }
        let stateVars = chain.flatMap(\.stateVariables)
        guard ExpressionLowering.statesAvoidBuiltins(stateVars, type: def.name, ctx: ctx) else { return nil }
        let derivatives = chain.flatMap(\.timeDerivatives)
        guard let concentration = stateVars.first(where: { $0.name == "concentration" }), concentration.dimension == .concentration else {
            return unsupported("its Dynamics has no StateVariable 'concentration' (dimension concentration)", at: def.element.location)
        }
        guard ComponentTypeDef.derivativesOfStates(derivatives, states: stateVars, ctx: ctx) else { return nil }
        // extConcentration without a rate stays the species' value.
        let fixedOutside = !derivatives.contains { $0.variable == "extConcentration" }
        let states = [concentration] + stateVars.filter { $0.name != "concentration" && !($0.name == "extConcentration" && fixedOutside) }
        for s in states { env[s.name] = Binding(dimension: s.dimension, ir: .ref(s.name)) }
        if fixedOutside { env["extConcentration"] = Binding(dimension: .concentration, ir: .ref("initialExtConcentration")) }
        guard ComponentTypeDef.requirementsMet(chain, env: env, type: def.name, where: "in a concentration model", ctx: ctx) else { return nil }
        guard ComponentTypeDef.inlineDerived(chain.flatMap(\.derived), into: &env, type: def.name, ctx: ctx) else { return nil }

        // Initial values (OnStart, in order), then each state's update.
        var initial: [String: IRExpr] = [:]
        for (n, a) in chain.flatMap(\.onStart) {
            if n == "extConcentration" && fixedOutside { continue }  // the species' value, as above
            guard let s = ComponentTypeDef.assignedState(n, of: states, type: def.name, at: a.location, ctx: ctx) else { return nil }
            guard let (x, _) = ExpressionLowering.lowerAttribute(a, element: "StateAssignment", expected: s.dimension, env: env, ctx: ctx) else { return nil }
            initial[n] = ExpressionLowering.onStartValue(x, states: states.map(\.name), assigned: initial)
        }
        let derivedNames = Set(chain.flatMap(\.derived).map(\.name))
        var irStates: [IRState] = []
        for s in states {
            var update = IRUpdate.none
            if let td = derivatives.last(where: { $0.variable == s.name }) {
                guard let (rate, _) = ExpressionLowering.lowerAttribute(td.value, element: "TimeDerivative", expected: s.dimension / .time, env: env, ctx: ctx) else { return nil }
                update = Linearity.hiddenByExport(td.value, derived: derivedNames, ctx: ctx) ? .euler(rate) : Linearity.update(rate, of: s.name)
            }
            let start = initial[s.name] ?? (s.name == "concentration" ? .ref("initialConcentration") : .const(0))
            irStates.append(IRState(name: s.name, initial: start, update: update))
        }
        // OnConditions: a clamp of one Euler-integrated state, tested on its new value.
        for c in chain.flatMap(\.onConditions) {
            guard !c.emits, c.transition == nil, c.assignments.count == 1, let k = irStates.firstIndex(where: { $0.name == c.assignments[0].variable }),
                  case .euler(let rate) = irStates[k].update else {
                return unsupported("an OnCondition other than a clamp of one state whose rate is integrated by forward Euler", at: c.test.location)
            }
            let x = irStates[k].name
            guard let (test, _) = ExpressionLowering.lowerAttribute(c.test, element: "OnCondition", expected: nil, env: env, ctx: ctx),
                  let (value, _) = ExpressionLowering.lowerAttribute(c.assignments[0].value, element: "StateAssignment", expected: states[k].dimension, env: env, ctx: ctx) else { return nil }
            guard test.refs.union(value.refs).isDisjoint(with: states.map(\.name).filter { $0 != x }) else {
                return unsupported("an OnCondition that reads another state", at: c.test.location)
            }
            let new = IRExpr.binary(.add, .ref(x), .binary(.mul, .ref("dt"), rate))
            let map = [x: new]
            irStates[k].update = .assign(.select(test.substituting(map), value.substituting(map), new))
        }
        var m = IRMechanism(name: id, origin: "<\(el.name) id=\"\(id)\"> (ComponentType \(def.name)) at \(el.location.shortDescription)",
                            parameters: params.map { ExpressionLowering.irParameter($0.name) } + ["initialConcentration", "initialExtConcentration"],
                            locals: [], states: irStates, conductance: .const(0), reversal: .const(0))
        m.pool = ion
        return (m, values)
    }
}
