import BRCDiagnostics
import BRCIR
import BRCSyntax
import BRCUnits

/// What an expression name means while lowering: its dimension and the IR it becomes.
struct Binding {
    var dimension: Dimension
    var ir: IRExpr
}

/// Parses, dimension-checks and lowers LEMS expressions written in attributes.
enum ExpressionLowering {
    /// The binding whose presence in an environment allows `random()`: the Dynamics of
    /// synapses, inputs and point cells, compiled into synapse kernels with the instance's
    /// random key (`IRRandom`). Not a LEMS name, so no expression can read it.
    static let randomKey = "random()"
    static let randomBinding = Binding(dimension: .none, ir: .ref(IRRandom.keyParameter))

    /// The IR name of a ComponentType parameter: its own, except for a name kernels give a
    /// meaning of their own (`dt`, the simulation step: StochasticityShowcase's ouCurrentSource
    /// and Gfluct have a parameter `dt` of their own; `t`, `temperature`, `v`, an event's
    /// `weight`), which gets a name no LEMS identifier can have, so that the parameter is what
    /// the type's expressions read (LEMS's scoping) and not the built-in (a parameter `weight`
    /// made the kernel fail to compile, one named `t` or `temperature` silently read the time or
    /// the temperature).
    static func irParameter(_ name: String) -> String { reservedInKernels.contains(name) ? "parameter " + name : name }
    /// The names kernels read as built-ins (`irBuiltins`, and an event's `weight`).
    static let reservedInKernels: Set<String> = irBuiltins.union(["weight"])

    /// Whether no state variable of a compiled type is named as a built-in of the kernels
    /// (`t`, `dt`, `temperature`, an event's `weight`); else a located error for each
    /// (BRC-E0133). Such a state was read as the built-in in expressions (a state `dt` or
    /// `temperature` silently gave the step or the temperature, one read as `weight` made the
    /// kernel fail to compile, exit 70: the randomised differential run against jLEMS of
    /// 2026-12-07). A state `v` is the component's own and shadows the potential.
    static func statesAvoidBuiltins(_ states: [ComponentTypeDef.Named], type: String, ctx: Context) -> Bool {
        let meaning = ["t": "time", "dt": "time step", "temperature": "temperature", "weight": "event weight"]
        let clashing = states.filter { $0.name != "v" && reservedInKernels.contains($0.name) }
        for s in clashing {
            ctx.error("BRC-E0133", "StateVariable '\(s.name)' of '\(type)' has the name of brcc's built-in \(meaning[s.name] ?? s.name), which its expressions would read instead",
                      at: s.location, hint: "rename the StateVariable (and the StateAssignments, TimeDerivative and Exposure that name it), e.g. to '\(s.name)State'")
        }
        return clashing.isEmpty
    }

    /// An OnStart value as LEMS runs OnStart: in order, on states that start at 0, so a value
    /// that reads a state (Morris-Lecar's W = Wss(V) after V = VL) reads the value `assigned`
    /// to it above, at t = 0. `states` are the component's state variables (`v`, the cell's
    /// own potential, is left as it is).
    static func onStartValue(_ x: IRExpr, states: [String], assigned: [String: IRExpr]) -> IRExpr {
        var sofar: [String: IRExpr] = ["t": .const(0)]
        for s in states where s != "v" { sofar[s] = assigned[s] ?? .const(0) }
        return x.substituting(sofar)
    }

    /// Why an expression's dimension cannot be computed; `unknown` is the name it does not know.
    struct DimensionError: Error { var message: String; var unknown: String? = nil }

    /// The dimension of `e`, or an error naming the offending sub-expression.
    static func dimension(of e: Expr, _ env: [String: Binding]) throws -> Dimension {
        switch e {
        case .number: return .none
        case .variable(let n):
            guard let b = env[n], n != randomKey else {
                let known = env.keys.filter { $0 != randomKey }.sorted().joined(separator: ", ")
                throw DimensionError(message: "unknown name '\(n)' (known here: \(known))", unknown: n)
            }
            return b.dimension
        case .unary(.neg, let a): return try dimension(of: a, env)
        case .unary(.not, let a):
            _ = try dimension(of: a, env)
            return .none
        case .binary(let op, let a, let b):
            let da = try dimension(of: a, env)
            switch op {
            case .pow:
                var literal: Double? = nil
                if case .number(let p) = b { literal = p }
                if case .unary(.neg, .number(let p)) = b { literal = -p }
                guard let p = literal, p == p.rounded(), abs(p) <= 64 else {
                    let db = try dimension(of: b, env)
                    guard da.isNone && db.isNone else {
                        throw DimensionError(message: "in '\(e)', a quantity with dimension \(da) can only be raised to a whole-number literal between -64 and 64")
                    }
                    return .none
                }
                guard let raised = da.power(Int(p)) else {
                    throw DimensionError(message: "in '\(e)', \(da) to the power \(Int(p)) has an exponent beyond ±\(Dimension.maximumExponent)")
                }
                return raised
            case .mul: return da * (try dimension(of: b, env))
            case .div: return da / (try dimension(of: b, env))
            case .add, .sub, .gt, .lt, .geq, .leq, .eq, .neq:
                let db = try dimension(of: b, env)
                // A literal zero has every dimension (LEMS writes `v .gt. 0`).
                func zero(_ x: Expr) -> Bool { if case .number(0) = x { return true } else { return false } }
                guard da == db || zero(a) || zero(b) else {
                    throw DimensionError(message: "'\(a)' has dimension \(da) but '\(b)' has dimension \(db) in '\(e)'")
                }
                return op == .add || op == .sub ? (zero(a) ? db : da) : .none
            case .and, .or:
                _ = try dimension(of: b, env)
                return .none
            }
        case .call(let f, let args):
            let d = try dimension(of: args[0], env)
            switch f {
            case "abs", "ceil", "floor": return d
            case "sqrt":
                guard let r = d.squareRoot() else { throw DimensionError(message: "sqrt of a quantity with dimension \(d) in '\(e)'") }
                return r
            case "H": return .none
            default:
                guard d.isNone else {
                    throw DimensionError(message: "\(f)() needs a dimensionless argument, '\(args[0])' has dimension \(d)")
                }
                return .none
            }
        }
    }

    /// Lowers a checked expression; names are replaced by their bindings. `random(x)` becomes
    /// an `IRExpr.random` whose site is the next of `sites`.
    static func lower(_ e: Expr, _ env: [String: Binding], sites: inout RandomSites) -> IRExpr {
        switch e {
        case .number(let v): return .const(v)
        case .variable(let n): return env[n]!.ir
        case .unary(.neg, let a): return .neg(lower(a, env, sites: &sites))
        case .unary(.not, let a): return .not(lower(a, env, sites: &sites))
        case .binary(let op, let a, let b):
            let map: [Expr.BinaryOp: IROp] = [
                .add: .add, .sub: .sub, .mul: .mul, .div: .div, .pow: .pow, .gt: .gt, .lt: .lt, .geq: .ge,
                .leq: .le, .eq: .eq, .neq: .ne, .and: .and, .or: .or,
            ]
            let x = lower(a, env, sites: &sites)
            return .binary(map[op]!, x, lower(b, env, sites: &sites))
        case .call("random", let args):
            let site = sites.next()
            return .random(scale: lower(args[0], env, sites: &sites), site: site)
        case .call(let f, let args):
            return .call(f == "ln" ? "log" : f, args.map { lower($0, env, sites: &sites) })
        }
    }

    /// The call sites of the `random()`s of one attribute, numbered in the order they are
    /// written (`IRRandom.site`).
    struct RandomSites {
        let location: SourceLocation
        var count = 0

        mutating func next() -> UInt64 {
            let site = IRRandom.site(location, index: count)
            count += 1
            return site
        }
    }

    /// Whether the expression calls `random()`.
    static func callsRandom(_ e: Expr) -> Bool {
        switch e {
        case .number, .variable: return false
        case .unary(_, let a): return callsRandom(a)
        case .binary(_, let a, let b): return callsRandom(a) || callsRandom(b)
        case .call(let f, let args): return f == "random" || args.contains(where: callsRandom)
        }
    }

    /// Parse + check against `expected` + lower, reporting located errors.
    static func lowerAttribute(_ a: Attribute, element: String, expected: Dimension?, env: [String: Binding], ctx: Context) -> (IRExpr, Dimension)? {
        guard let e = ctx.document.expression(a) else { return nil }  // (the parser reported one that does not parse)
        if callsRandom(e) && env[randomKey] == nil {
            ctx.error("BRC-E0103", "not supported yet: random() in <\(element)> '\(a.value)' here", at: a.location,
                      hint: "brcc compiles random() in the Dynamics (StateAssignments, TimeDerivatives, DerivedVariables) of synapses, inputs and point cells themselves, not in their Child or Children components, channel rates, parameters or a network's environment")
            return nil
        }
        var sites = RandomSites(location: a.location)
        do {
            let d = try dimension(of: e, env)
            // A literal zero has every dimension (LEMS writes value="0" for any quantity).
            let isZero: Bool = { if case .number(0) = e { return true } else { return false } }()
            // In the bundled core types only (trusted, and run by jLEMS in SI units): a
            // dimensionless expression where a dimension is declared is that quantity's SI value
            // (pinskyRinzelCA3Cell's dSi/dt = -Si/150.0 per second), converted to internal units.
            if let expected, d != expected, !isZero, d.isNone, a.location.file.contains("/CoreTypes/") {
                return (.binary(.div, lower(e, env, sites: &sites), .const(expected.internalScale)), expected)
            }
            if let expected, d != expected, !isZero {
                ctx.error("BRC-E0202", "expression '\(a.value)' has dimension \(d), but <\(element)> declares \(expected)", at: a.location,
                          hint: "multiply or divide by a Constant with a unit to make the dimensions agree")
                return nil
            }
            return (lower(e, env, sites: &sites), d)
        } catch let err as DimensionError {
            if let n = err.unknown, ctx.rejectedDeclarations.contains(n) { return nil }  // its declaration's error is reported
            ctx.error("BRC-E0203", "dimension error in '\(a.value)': \(err.message)", at: a.location,
                      hint: "LEMS expressions must be dimensionally consistent; declare Constants with units for scale factors")
            return nil
        } catch {
            return nil
        }
    }
}
