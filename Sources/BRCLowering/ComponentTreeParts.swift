import BRCDiagnostics
import BRCIR
import BRCSyntax
import BRCUnits

/// What the lowerings of a component with LEMS children share (LEMS point cells,
/// `AbstractCellLowering`; synapse types, `SynapseLowering.custom`): the children's parameters,
/// constants, states, the scope their expressions see, the selects that read them, their
/// derived variables, initial values, state updates and conditions, all under their flat names
/// (`membrane/I`). The root's own declarations stay with each lowering, which knows what its
/// base type provides.
extension ComponentTree {
    /// A value under its flat name, lowered once the flat names it reads are bound
    /// (`ComponentTypeDef.inDependencyOrder`): a derived variable, or a select of children.
    struct PendingValue {
        var name: String
        var reads: Set<String>
        var element: Element
        var lower: ([String: Binding]) -> Binding?
    }

    /// The children (every part but the root, part 0).
    var children: Range<Int> { 1..<parts.count }

    /// Appends the children's parameters under their flat names to `params`, their values to
    /// `values`, and binds them in `env` (each child's attributes checked as a component's);
    /// false after a located diagnostic.
    func appendChildParameters(to params: inout [ComponentTypeDef.Named], values: inout [Double], env: inout [String: Binding], ctx: Context) -> Bool {
        for k in children {
            let part = parts[k]
            guard ComponentTypeDef.checkComponent(part.element, chain: part.chain, required: ComponentTypeDef.givenParameters(of: part.chain),
                                                  optional: ["id", "type"] + ComponentTypeDef.texts(of: part.chain), ctx: ctx) else { return false }
            for p in ComponentTypeDef.parameters(of: part.chain) {
                guard let v = ComponentTypeDef.value(of: p, for: part.element, chain: part.chain, ctx: ctx) else { return false }
                let flat = ComponentTypeDef.Named(name: part.prefix + p.name, dimension: p.dimension, location: p.location)
                params.append(flat)
                values.append(v)
                env[flat.name] = Binding(dimension: p.dimension, ir: .ref(ExpressionLowering.irParameter(flat.name)))
            }
        }
        return true
    }

    /// Binds every part's Constants, Properties (other than `weight`) and `DerivedParameter select`s under their flat names;
    /// false after a located diagnostic.
    func bindConstants(_ env: inout [String: Binding], ctx: Context) -> Bool {
        for (k, part) in parts.enumerated() {
            for (c, v) in part.chain.flatMap(\.constants) { env[part.prefix + c.name] = Binding(dimension: c.dimension, ir: .const(v)) }
            // A Property has its default value: only a connection's or input's `weight` sets
            // one (where the kernels read an event's weight, and inputs bind their own).
            for p in part.chain.flatMap(\.properties) where p.name != "weight" {
                env[part.prefix + p.name] = Binding(dimension: p.dimension, ir: .const(p.defaultValue))
            }
            for (p, select) in part.chain.flatMap(\.selectedParameters) {
                guard let v = selectedParameter(p, select: select, of: k, ctx: ctx) else { return false }
                env[part.prefix + p.name] = Binding(dimension: p.dimension, ir: .const(v))
            }
        }
        return true
    }

    /// The state variables of part `k` under their flat names.
    func flatStates(of k: Int) -> [ComponentTypeDef.Named] {
        parts[k].chain.flatMap(\.stateVariables).map { ComponentTypeDef.Named(name: parts[k].prefix + $0.name, dimension: $0.dimension, location: $0.location) }
    }

    /// The children's state variables under their flat names, each with its part.
    var childStates: [(part: Int, state: ComponentTypeDef.Named)] {
        children.flatMap { k in flatStates(of: k).map { (part: k, state: $0) } }
    }

    /// What part `k`'s expressions see: the root sees `env` (a child's flat names hold '/',
    /// which no expression can name); a child sees its own names and requirements (and `t`).
    func scope(_ k: Int, in env: [String: Binding]) -> [String: Binding] {
        guard k > 0 else { return env }
        var e: [String: Binding] = [:]
        if let t = env["t"] { e["t"] = t }
        for (local, flat) in parts[k].names { e[local] = env[flat] }
        return e
    }

    /// A select of part `k` that reads its children (`membrane/I`, or `syns[*]/i` reduced by
    /// `add` or `multiply`: an empty sum is 0, an empty product 1); nil if its path does not
    /// start at a child of part `k`.
    func childSelection(_ sel: (name: String, dimension: Dimension, path: String, element: Element), of k: Int, ctx: Context) -> PendingValue? {
        guard let selected = selection(sel.path, of: k) else { return nil }
        let multiply = sel.element["reduce"] == "multiply", single = selected.count == 1 && sel.element["reduce"] == nil
        return PendingValue(name: parts[k].prefix + sel.name, reads: Set(selected), element: sel.element) { env in
            var terms: [IRExpr] = []
            for n in selected {
                guard let b = env[n] else {
                    // A variable whose declaration was refused (a misspelt <Dynamics>) is that error.
                    if n.split(separator: "/").last.map({ ctx.rejectedDeclarations.contains(String($0)) }) == true { return nil }
                    ctx.error("BRC-E0502", "DerivedVariable '\(sel.name)' selects '\(n)', which the child does not define", at: sel.element.location,
                              hint: "select a variable the child's ComponentType declares")
                    return nil
                }
                guard b.dimension == sel.dimension else {
                    ctx.error("BRC-E0202", "DerivedVariable '\(sel.name)' is declared as \(sel.dimension), but '\(n)' is \(b.dimension)", at: sel.element.location,
                              hint: "declare dimension=\"\(b.dimension)\"")
                    return nil
                }
                terms.append(b.ir)
            }
            if single { return Binding(dimension: sel.dimension, ir: terms[0]) }
            let op: IROp = multiply ? .mul : .add
            return Binding(dimension: sel.dimension, ir: terms.dropFirst().reduce(terms.first ?? .const(multiply ? 1 : 0)) { .binary(op, $0, $1) })
        }
    }

    /// The derived variables of part `k`, each lowered in the part's scope.
    func derivedValues(of k: Int, ctx: Context) -> [PendingValue] {
        let part = parts[k]
        return part.chain.flatMap(\.derived).map { d in
            let reads = Set(ComponentTypeDef.reads(d, ctx: ctx).map { k == 0 ? $0 : (part.names[$0] ?? $0) })
            return PendingValue(name: part.prefix + d.name, reads: reads, element: d.element) { env in
                ComponentTypeDef.lowerDerivedBinding(d, env: scope(k, in: env), ctx: ctx)
            }
        }
    }

    /// The state of child `k` with local name `n`, under its flat name; nil after BRC-E0605.
    func childState(_ n: String, of k: Int, at location: SourceLocation, ctx: Context) -> ComponentTypeDef.Named? {
        let own = flatStates(of: k)
        guard let s = own.first(where: { $0.name == parts[k].prefix + n }) else {
            if ctx.rejectedDeclarations.contains(n) { return nil }  // refused with its own error
            ctx.error("BRC-E0605", "StateAssignment or TimeDerivative of '\(n)', which is not a StateVariable of '\(parts[k].def.name)'", at: location,
                      hint: ctx.choices("state variables", own.map { String($0.name.dropFirst(parts[k].prefix.count)) }, for: n))
            return nil
        }
        return s
    }

    /// The children's OnStart values into `initial` (flat names), after the root's; `states`
    /// are the root's state names. False after a located diagnostic.
    func childInitialValues(env: [String: Binding], states: [String], into initial: inout [String: IRExpr], ctx: Context) -> Bool {
        let all = states + childStates.map(\.state.name)
        for k in children {
            for (n, a) in parts[k].chain.flatMap(\.onStart) {
                guard let s = childState(n, of: k, at: a.location, ctx: ctx),
                      let (x, _) = ExpressionLowering.lowerAttribute(a, element: "StateAssignment", expected: s.dimension, env: scope(k, in: env), ctx: ctx) else { return false }
                initial[s.name] = ExpressionLowering.onStartValue(x, states: all, assigned: initial)
            }
        }
        return true
    }

    /// The children's states with their updates: a kinetic scheme's occupancy as `kinetic`
    /// gives it, else its TimeDerivative (exact where linear, as the root's). A child has no
    /// regimes and receives no events: `unsupported` is told of either (with its location),
    /// and the result is nil, as after any other located diagnostic.
    func childStateUpdates(env: [String: Binding], initial: [String: IRExpr], kinetic: LEMSKineticSchemeLowering.Lowered, ctx: Context,
                           unsupported: (String, SourceLocation) -> Void) -> [IRState]? {
        var states: [IRState] = []
        for k in children {
            let part = parts[k]
            if let r = part.chain.flatMap(\.regimes).first { unsupported("a Regime in the child '\(part.prefix.dropLast())'", r.element.location); return nil }
            if let e = part.chain.first(where: { !$0.onEvent.isEmpty }) {
                unsupported("an OnEvent in the child '\(part.prefix.dropLast())' (no events reach a child)", e.onEvent.first?.value.location ?? e.element.location)
                return nil
            }
            var rates: [String: IRUpdate] = [:]
            let derived = Set(part.chain.flatMap(\.derived).map(\.name))
            for td in part.chain.flatMap(\.timeDerivatives) {
                guard let s = childState(td.variable, of: k, at: td.element.location, ctx: ctx),
                      let r = ExpressionLowering.lowerAttribute(td.value, element: "TimeDerivative", expected: s.dimension / .time, env: scope(k, in: env), ctx: ctx)?.0 else { return nil }
                rates[s.name] = Linearity.hiddenByExport(td.value, derived: derived, ctx: ctx) ? .euler(r) : Linearity.update(r, of: s.name)
            }
            for s in flatStates(of: k) {
                if let (start, step) = kinetic.states[s.name] {
                    states.append(IRState(name: s.name, initial: start, update: step))
                } else {
                    states.append(IRState(name: s.name, initial: initial[s.name] ?? .const(0), update: rates[s.name] ?? .none))
                }
            }
        }
        return states
    }

    /// The children's OnConditions: each assigns its own child's states, and emits no events
    /// and changes no regime (`unsupported` is told, and the result is nil).
    func childConditions(env: [String: Binding], ctx: Context, unsupported: (String, SourceLocation) -> Void) -> [IRCondition]? {
        var out: [IRCondition] = []
        for k in children {
            for c in parts[k].chain.flatMap(\.onConditions) {
                if c.emits || c.transition != nil {
                    unsupported("an EventOut or Transition in the child '\(parts[k].prefix.dropLast())'", c.test.location)
                    return nil
                }
                guard let (t, _) = ExpressionLowering.lowerAttribute(c.test, element: "OnCondition", expected: nil, env: scope(k, in: env), ctx: ctx) else { return nil }
                var list: [IRStateAssignment] = []
                for (n, a) in c.assignments {
                    guard let s = childState(n, of: k, at: a.location, ctx: ctx),
                          let (x, _) = ExpressionLowering.lowerAttribute(a, element: "StateAssignment", expected: s.dimension, env: scope(k, in: env), ctx: ctx) else { return nil }
                    list.append(IRStateAssignment(s.name, x))
                }
                out.append(IRCondition(test: t, assignments: list))
            }
        }
        return out
    }
}
