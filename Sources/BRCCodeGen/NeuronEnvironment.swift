import BRCIR

/// A varying temperature (`IREnvironment`, the standard Ex17's `tissueWithVaryingTemperature`)
/// in a NEURON export: `model.json`'s `environment`, its expressions as JSON trees that run.py
/// evaluates between steps as `Simulator` does (states advanced by forward Euler, then the
/// conditions at the step's end; `celsius` set from the temperature before the next step).
/// The model's expressions stay data: nothing of them becomes Python or NMODL text.
///
/// A tree is a number, a name (a string), or a list: `["neg", e]`, `["not", e]`,
/// `[op, a, b]` with `op` an `IROp` raw value, `["call", f, args...]`, `["?", c, a, b]`.
enum NeuronEnvironment {
    /// Writes `e` as `model.json`'s `environment` value.
    static func write(_ e: IREnvironment, into j: inout JSON) throws {
        j.open("{")
        j.key("states"); j.strs(e.states)
        j.key("initial"); j.raw("[" + (try e.initial.map(tree)).joined(separator: ", ") + "]")
        j.key("locals"); j.raw("[" + (try e.locals.map { "[\(NMODLText.json($0.name)), \(try tree($0.value))]" }).joined(separator: ", ") + "]")
        j.key("rates"); j.raw("[" + (try e.rates.map { try $0.map(tree) ?? "null" }).joined(separator: ", ") + "]")
        j.key("conditions"); j.open("[")
        for c in e.conditions {
            // An assignment to a name that is not a state changes nothing, as in `IREnvironment.advance`.
            let assignments = try c.assignments.compactMap { a in
                try e.states.firstIndex(of: a.state).map { "[\($0), \(try tree(a.value))]" }
            }
            j.item(); j.raw("[\(try tree(c.test)), [" + assignments.joined(separator: ", ") + "]]")
        }
        j.close("]")
        j.key("temperature"); j.raw(try tree(e.temperature))
        j.close("}")
    }

    /// The JSON tree of `e`.
    static func tree(_ e: IRExpr) throws -> String {
        switch e {
        case .const(let v):
            guard v.isFinite else { throw NeuronExport.Unsupported(description: "the varying temperature has a constant that is not finite") }
            return NMODLText.number(v)
        case .ref(let n): return NMODLText.json(n)
        case .neg(let a): return "[\"neg\", \(try tree(a))]"
        case .not(let a): return "[\"not\", \(try tree(a))]"
        case .binary(let op, let a, let b): return "[\(NMODLText.json(op.rawValue)), \(try tree(a)), \(try tree(b))]"
        case .call(let f, let args): return "[\"call\", \(NMODLText.json(f))" + (try args.map { ", " + (try tree($0)) }).joined() + "]"
        case .select(let c, let a, let b): return "[\"?\", \(try tree(c)), \(try tree(a)), \(try tree(b))]"
        case .random: throw NeuronExport.Unsupported(description: "the varying temperature calls random()")
        }
    }
}
