import BRCIR

/// How model text enters NMODL and Python files of a NEURON export. Model names never become
/// NMODL or Python identifiers as they are: a name of ASCII letters and digits with single
/// underscores (`identifier(_:)` keeps it) is used behind a prefix (`p_gmax`), any other name
/// by its index (`p3`); the two forms cannot meet (a kept name starts with a letter). Comments
/// carry printable ASCII only, and data reaches Python as JSON strings.
enum NMODLText {
    /// The NMODL name of model name `name` (index `index` in its list) behind `prefix`.
    static func name(_ prefix: String, _ name: String, _ index: Int) -> String {
        identifier(name) == name && name.utf8.count <= 48 ? prefix + "_" + name : prefix + String(index)
    }

    /// A `:` line comment: printable ASCII only, no line breaks.
    static func comment(_ s: String) -> String {
        ": " + String(String.UnicodeScalarView(s.unicodeScalars.map { $0.value >= 0x20 && $0.value < 0x7F ? $0 : "?" }))
    }

    /// A JSON string literal (every character outside printable ASCII, and `"` and `\`, escaped).
    static func json(_ s: String) -> String {
        var out = "\""
        for unit in s.utf16 {
            if unit >= 0x20 && unit < 0x7F && unit != 0x22 && unit != 0x5C {
                out.unicodeScalars.append(Unicode.Scalar(UInt8(unit)))
            } else {
                let hex = String(unit, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            }
        }
        return out + "\""
    }

    /// A JSON (and NMODL) number that reads back exactly.
    static func number(_ v: Double) -> String {
        precondition(v.isFinite, "non-finite number in a NEURON export")
        if v == v.rounded() && abs(v) < 1e15 { return String(Int64(v)) }
        return "\(v)"
    }
}

/// Prints IR expressions as NMODL. Relational and logical operators give 0 or 1 as in the
/// kernels; `select` is the function `brc_sel` every exported mod file defines.
struct NMODLPrinter {
    var name: (String) -> String

    func print(_ e: IRExpr) -> String {
        switch e {
        case .const(let v): return v < 0 ? "(\(NMODLText.number(v)))" : NMODLText.number(v)
        case .ref("temperature"): return "(celsius + 273.15)"
        case .ref(let n): return name(n)
        case .neg(let a): return "(-\(print(a)))"
        case .not(let a): return "(\(print(a)) == 0)"
        case .binary(.pow, let a, .const(let p)) where p == p.rounded() && p >= 1 && p <= 4:
            let base = print(a)
            return "(" + Array(repeating: base, count: Int(p)).joined(separator: " * ") + ")"
        case .binary(.pow, let a, let b): return "pow(\(print(a)), \(print(b)))"
        case .binary(.and, let a, let b): return "((\(print(a)) != 0) && (\(print(b)) != 0))"
        case .binary(.or, let a, let b): return "((\(print(a)) != 0) || (\(print(b)) != 0))"
        case .binary(let op, let a, let b): return "(\(print(a)) \(op.rawValue) \(print(b)))"
        case .call("H", let args): return "(\(print(args[0])) > 0)"
        case .call(let f, let args):
            let renamed = ["abs": "fabs", "ln": "log"][f] ?? f
            return "\(renamed)(\(args.map(print).joined(separator: ", ")))"
        case .select(let c, let a, let b): return "brc_sel(\(print(c)), \(print(a)), \(print(b)))"
        // LEMS's random(): the kernels' counter-based draw (`IRRandom`), from the synapse's key
        // parameter, the call site and the time the printer reads (`NeuronMechanisms.randomFunction`).
        case .random(let scale, let site):
            return "(\(print(scale)) * brc_draw(\(name(IRRandom.keyParameter)), \(site), \(name("t")), dt))"
        }
    }

    /// The functions an expression may call that NMODL must know.
    static let knownFunctions: Set<String> = ["exp", "ln", "log", "log10", "sqrt", "abs", "fabs", "sin", "cos", "tan", "sinh", "cosh",
                                              "tanh", "asin", "acos", "atan", "atan2", "floor", "ceil", "pow", "H", "fmod"]

    /// The first function of `e` NMODL does not know, if any.
    static func unknownFunction(_ e: IRExpr) -> String? {
        switch e {
        case .const, .ref: return nil
        case .neg(let a), .not(let a): return unknownFunction(a)
        case .binary(_, let a, let b): return unknownFunction(a) ?? unknownFunction(b)
        case .call(let f, let args): return knownFunctions.contains(f) ? args.lazy.compactMap(unknownFunction).first : f
        case .select(let c, let a, let b): return unknownFunction(c) ?? unknownFunction(a) ?? unknownFunction(b)
        // Only synapses call random(); their mod files define brc_random (`NeuronMechanisms.synapse`).
        case .random(let scale, _): return unknownFunction(scale)
        }
    }
}
