import BRCIR

/// Prints IR expressions for a kernel target. Names are mapped by `name(_:)` so that model
/// ids never collide with keywords or each other (params `p_`, states `s_`, locals `l_`).
struct ExpressionPrinter {
    var target: KernelTarget
    var name: (String) -> String
    /// Prints single-precision C (`float` literals and functions; `--precision fast`).
    var single = false

    func print(_ e: IRExpr) -> String {
        switch e {
        case .const(let v): return literal(v)
        case .ref(let n): return name(n)
        case .neg(let a): return "(-\(print(a)))"
        case .not(let a): return "((\(print(a))) == \(zero) ? \(one) : \(zero))"
        case .binary(.pow, let a, .const(let p)) where p == p.rounded() && p >= 1 && p <= 4:
            let base = print(a)
            return "(" + Array(repeating: base, count: Int(p)).joined(separator: " * ") + ")"
        case .binary(.pow, let a, let b): return "\(single ? "powf" : "pow")(\(print(a)), \(print(b)))"
        case .binary(.and, let a, let b): return "((\(print(a)) != \(zero) && \(print(b)) != \(zero)) ? \(one) : \(zero))"
        case .binary(.or, let a, let b): return "((\(print(a)) != \(zero) || \(print(b)) != \(zero)) ? \(one) : \(zero))"
        case .binary(let op, let a, let b):
            let s = "(\(print(a)) \(op.rawValue) \(print(b)))"
            switch op {
            case .gt, .lt, .ge, .le, .eq, .ne: return "(\(s) ? \(one) : \(zero))"
            default: return s
            }
        case .call("H", let args): return "((\(print(args[0]))) > \(zero) ? \(one) : \(zero))"
        case .call(let f, let args):
            var renamed = ["abs": target.dialect.absFunction, "ln": "log", "exp": "brc_exp"][f] ?? f
            if single { renamed += "f" }  // brc_expf, fabsf, logf, sqrtf, ...
            return "\(renamed)(\(args.map(print).joined(separator: ", ")))"
        case .select(let c, let a, let b): return "((\(print(c))) != \(zero) ? \(print(a)) : \(print(b)))"
        case .random(let scale, let site):
            // The site is below 2^48: exact as a double literal in C and Swift (IRRandom.site).
            // The site, t and dt in double whatever the printer's precision: every kernel has
            // the double built-ins t and dt.
            return "(\(print(scale)) * brc_random(\(name(IRRandom.keyParameter)), \(site).0, t, dt))"
        }
    }

    var zero: String { literal(0) }
    var one: String { literal(1) }

    /// A double literal that reads back exactly in C and Swift; in single precision, the
    /// nearest float (`1.5f`), unless the value is outside float's normal range.
    func literal(_ v: Double) -> String {
        if single, v.isFinite, Float(v).isFinite, v == 0 || Float(v).isNormal {
            let f = Float(v)
            let s = f == f.rounded() && abs(f) < 1e7 ? "\(Int64(f)).0f" : "\(f)f"
            return f < 0 ? "(\(s))" : s
        }
        // Lowering refuses non-finite numbers in models; should one arrive, it is still valid source.
        if v.isNaN { return target.dialect.nanLiteral }
        if v.isInfinite { return (v < 0 ? "(-" : "(") + target.dialect.infinityLiteral + ")" }
        if v == v.rounded() && abs(v) < 1e15 { return v < 0 ? "(\(Int64(v)).0)" : "\(Int64(v)).0" }
        let s = "\(v)"  // the shortest representation that round-trips
        return v < 0 ? "(\(s))" : s
    }

    /// The same names in single-precision C: the built-ins dt, t and temperature are read
    /// from their float copies (`dtf`, `tf`, `temperaturef`), `v` is the float local.
    func singlePrecision() -> ExpressionPrinter {
        let base = name
        var p = ExpressionPrinter(target: target) { n in
            switch n {
            case "dt": return "dtf"
            case "t": return "tf"
            case "temperature": return "temperaturef"
            default: return base(n)
            }
        }
        p.single = true
        return p
    }

    /// The naming used inside kernels: parameters `p_`, states `s_`, locals `l_`, built-ins as is.
    /// `nodes`: the node values a mechanism reads (`IRMechanism.nodeNames`), printed `n_<name>`.
    /// A state named `v` is the component's own (a LEMS cell whose dimensionless `v` is not
    /// the membrane potential: FitzHugh-Nagumo's): it shadows the node's potential.
    static func forKernel(_ target: KernelTarget, parameters: [String], states: [String], nodes: Set<String> = []) -> ExpressionPrinter {
        let params = Set(parameters), stateSet = Set(states)
        return ExpressionPrinter(target: target) { name in
            if name == "v" && stateSet.contains(name) { return "s_" + identifier(name) }
            if irBuiltins.contains(name) || name == "weight" { return name }
            if nodes.contains(name) { return "n_" + identifier(name) }
            if params.contains(name) { return "p_" + identifier(name) }
            if stateSet.contains(name) { return "s_" + identifier(name) }
            return "l_" + identifier(name)
        }
    }
}
