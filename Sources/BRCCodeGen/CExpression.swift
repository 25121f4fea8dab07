import BRCIR

/// Prints IR expressions as C. Names are mapped by `name(_:)` so that model ids never collide
/// with C keywords or each other (params `p_`, states `s_`, locals `l_`).
struct CExpressionPrinter {
    var name: (String) -> String

    func print(_ e: IRExpr) -> String {
        switch e {
        case .const(let v): return literal(v)
        case .ref(let n): return name(n)
        case .neg(let a): return "(-\(print(a)))"
        case .not(let a): return "(!\(print(a)))"
        case .binary(.pow, let a, .const(let p)) where p == p.rounded() && p >= 1 && p <= 4:
            let base = print(a)
            return "(" + Array(repeating: base, count: Int(p)).joined(separator: " * ") + ")"
        case .binary(.pow, let a, let b): return "pow(\(print(a)), \(print(b)))"
        case .binary(let op, let a, let b):
            let s = "(\(print(a)) \(op.rawValue) \(print(b)))"
            switch op {
            case .gt, .lt, .ge, .le, .eq, .ne, .and, .or: return "((double)\(s))"
            default: return s
            }
        case .call("H", let args): return "((\(print(args[0]))) > 0.0 ? 1.0 : 0.0)"
        case .call(let f, let args):
            let cname = ["abs": "fabs", "ln": "log", "exp": "brc_exp"][f] ?? f
            return "\(cname)(\(args.map(print).joined(separator: ", ")))"
        case .select(let c, let a, let b): return "((\(print(c))) != 0.0 ? \(print(a)) : \(print(b)))"
        }
    }

    /// A C double literal that reads back exactly.
    func literal(_ v: Double) -> String {
        if v == v.rounded() && abs(v) < 1e15 { return v < 0 ? "(\(Int64(v)).0)" : "\(Int64(v)).0" }
        let s = "\(v)"  // Swift prints the shortest representation that round-trips
        return v < 0 ? "(\(s))" : s
    }
}

/// Turns a model id into a C identifier.
func cIdentifier(_ s: String) -> String {
    var out = ""
    for ch in s.unicodeScalars {
        if ch.properties.isAlphabetic && ch.isASCII || ("0"..."9").contains(ch) { out.unicodeScalars.append(ch) } else { out += "_" }
    }
    if let f = out.unicodeScalars.first, ("0"..."9").contains(f) { out = "_" + out }
    return out.isEmpty ? "_" : out
}
