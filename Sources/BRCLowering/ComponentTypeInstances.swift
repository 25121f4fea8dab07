import BRCDiagnostics
import BRCIR
import BRCSyntax
import BRCUnits

/// Using a read `ComponentTypeDef`: instantiating a component of it, checking its
/// Requirements, and lowering its DerivedVariables in dependency order.
extension ComponentTypeDef {
    /// Instantiates this type as a component (`comp`, e.g. `<forwardRate type="myRate" .../>`):
    /// returns locals (prefixed with `prefix`) and the exposure's value. `v` and `temperature`
    /// come from the cell. Reports errors for missing parameters and bad expressions.
    func instantiate(_ comp: Element, prefix: String, extra: [String: Binding] = [:], ctx: Context) -> (locals: [IRAssignment], exposure: IRExpr)? {
        let base = rootBase(in: ctx)
        guard let (exposureName, exposureDim) = Self.standardBases[base] else {
            ctx.error("BRC-E0110", "ComponentType '\(name)' extends '\(base)', which brcc does not support here", at: element.location,
                      hint: "extend baseVoltageDepRate, baseVoltageDepTime or baseVoltageDepVariable (or their VoltageConcDep forms), or baseConductanceScaling(CaDependent) for a channel's scaling")
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
        if base.hasPrefix("baseVoltageConcDep") || base == "baseConductanceScalingCaDependent" { env["caConc"] = Binding(dimension: .concentration, ir: .ref(IRMechanism.ionConcentrationName("ca"))) }
        guard Self.requirementsMet(chain, env: env, type: name, where: "where it is used", ctx: ctx) else { return nil }
        let allParams = chain.flatMap(\.parameters)
        ctx.checkAttributes(comp, required: Self.givenParameters(of: chain), optional: ["type", "id"])
        for p in allParams {
            guard let v = Self.value(of: p, for: comp, chain: chain, ctx: ctx) else { return nil }
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
        // (A StateVariable refused with its own error is not reported missing too.)
        guard !ctx.rejectedDeclarations.contains(td.variable) else { return false }
        ctx.error("BRC-E0605", "TimeDerivative of '\(td.variable)', which is not a StateVariable", at: td.element.location,
                  hint: "declare <StateVariable name=\"\(td.variable)\" .../>")
        return false
    }

    /// The StateVariable `name` of `states`, which a StateAssignment at `location` in
    /// ComponentType `type` sets; nil after `BRC-E0605` if there is none of that name.
    static func assignedState(_ name: String, of states: [Named], type: String, at location: SourceLocation, ctx: Context) -> Named? {
        if let s = states.first(where: { $0.name == name }) { return s }
        guard !ctx.rejectedDeclarations.contains(name) else { return nil }
        ctx.error("BRC-E0605", "StateAssignment to '\(name)', which is not a StateVariable of '\(type)'", at: location,
                  hint: ctx.choices("state variables", states.map(\.name), for: name))
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
        // Where no case holds and none is the default, the value is 0, as jLEMS evaluates it.
        result = otherwise ?? (branches.isEmpty ? nil : .const(0))
        for (c, v) in branches.reversed() {
            result = result.map { .select(c, v, $0) } ?? v
        }
        guard let result else {
            ctx.error("BRC-E0113", "<\(d.element.name) name=\"\(d.name)\"> has no value", at: d.element.location, hint: "add <Case value=\"...\"/>")
            return nil
        }
        // Inlined into what reads it, a derived variable's tree can grow exponentially with a
        // chain of them (r1 = r0 + r0, r2 = r1 + r1, ...: 40 such lines in 3 KB never finished).
        // Every walk of it (its references, its operation count) would then never finish either,
        // so the tree is bounded here, where each one is built.
        guard !result.exceeds(nodes: maximumInlinedNodes, depth: maximumInlinedDepth) else {
            ctx.error("BRC-E0204", "\(d.element.name) '\(d.name)' expands to more than \(maximumInlinedNodes) operations or \(maximumInlinedDepth) levels once the variables it uses are inlined",
                      at: d.element.location, hint: "derived variables are inlined into the kernels; use fewer, simpler derived variables")
            return nil
        }
        return Binding(dimension: expected ?? d.dimension, ir: result)
    }

    /// The largest tree one derived variable may inline to (`BRC-E0204`).
    static let maximumInlinedNodes = 20_000
    static let maximumInlinedDepth = 400
}
