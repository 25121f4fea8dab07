import BRCDiagnostics
import BRCSyntax
import BRCUnits

/// A model's own LEMS `<Dimension name= m= l= t= i= k= n= j=/>` and `<Unit symbol= dimension=
/// power= scale= offset=/>`: added to the lowering's unit table (`Context.units`) before any
/// ComponentType or quantity is read, so Parameters, StateVariables and expressions use them
/// and the dimension checker checks them like NeuroML's own. Redeclaring a name is allowed
/// when it means the same (NeuroMLCoreDimensions.xml's `<Dimension name="time" t="1"/>`
/// again); a different meaning is `BRC-E0129`, except in a LEMS model that reads no NeuroML
/// (`Document.readsNeuroML`): as in jLEMS, whose only names are those a model declares, its
/// meaning replaces NeuroML's (the located warning `BRC-W0129`).
enum UserUnits {
    static func define(_ elements: [Element], ctx: Context) {
        for el in elements where el.name == "Dimension" { dimension(el, ctx: ctx) }
        // Units after every Dimension: a Unit may name a Dimension declared after it.
        for el in elements where el.name == "Unit" { unit(el, ctx: ctx) }
    }

    static func dimension(_ el: Element, ctx: Context) {
        let exponents = ["m", "l", "t", "i", "k", "n", "j"]
        guard ctx.checkAttributes(el, required: ["name"], optional: exponents + ["description"]), let name = el["name"] else { return }
        var e: [Int] = []
        for x in exponents {
            guard let v = signedInteger(el, x, default: 0, ctx: ctx) else { return }
            e.append(v)
        }
        let d = Dimension(m: e[0], l: e[1], t: e[2], i: e[3], k: e[4], n: e[5], j: e[6])
        if let known = ctx.units.dimension(named: name), known != d {
            if ownsStandardName(ctx, builtIn: UnitTable.shared.dimension(named: name) == known) {
                ctx.warning("BRC-W0129", "<Dimension name=\"\(name)\"> gives '\(name)' (NeuroML: \(known.exponentText)) its own meaning, \(d.exponentText), in this model",
                            at: el.location, hint: "the model includes no NeuroML, so its names are its own; give the dimension another name to keep NeuroML's")
            } else {
                ctx.error("BRC-E0129", "<Dimension name=\"\(name)\"> redefines '\(name)' (\(known.exponentText)) as \(d.exponentText)", at: el.location,
                          hint: "give the new dimension another name, or the exponents of the existing one")
                return
            }
        } else if ctx.units.dimension(named: name) != nil {
            return
        }
        ctx.units.define(dimension: name, d)
    }

    static func unit(_ el: Element, ctx: Context) {
        guard ctx.checkAttributes(el, required: ["symbol", "dimension"], optional: ["name", "power", "scale", "offset", "description"]),
              let symbol = el["symbol"], let dimName = el.attribute("dimension") else { return }
        guard let d = ctx.units.dimension(named: dimName.value) else {
            ctx.error("BRC-E0109", "unknown dimension '\(dimName.value)' in <Unit symbol=\"\(symbol)\">", at: dimName.location,
                      hint: "declare it with <Dimension name=\"\(dimName.value)\" .../> or use a dimension of NeuroMLCoreDimensions.xml")
            return
        }
        guard let power = signedInteger(el, "power", default: 0, ctx: ctx) else { return }
        let scale = el.attribute("scale") == nil ? 1 : ctx.number(el, "scale")
        let offset = el.attribute("offset") == nil ? 0 : ctx.number(el, "offset")
        guard let scale, let offset else { return }
        guard abs(power) <= 300, scale != 0 else {
            ctx.error("BRC-E0124", "<Unit symbol=\"\(symbol)\"> needs a power between -300 and 300 and a scale other than 0", at: el.location,
                      hint: "e.g. power=\"-6\" for a millionth of the SI unit")
            return
        }
        var table = ctx.units
        table.define(unit: symbol, dimension: d, power: power, scale: scale, offset: offset)
        let new = table.unit(symbol)!
        if let known = ctx.units.unit(symbol) {
            guard known.dimension != d || !same(known.factor, new.factor) || !same(known.offset, new.offset) else { return }
            guard ownsStandardName(ctx, builtIn: UnitTable.shared.unit(symbol) == known) else {
                ctx.error("BRC-E0129", "<Unit symbol=\"\(symbol)\"> redefines '\(symbol)' (\(known.factor) SI units of \(known.dimension)) as \(new.factor) SI units of \(d)",
                          at: el.location, hint: "give the new unit another symbol")
                return
            }
            ctx.warning("BRC-W0129", "<Unit symbol=\"\(symbol)\"> gives '\(symbol)' (NeuroML: \(known.factor) SI units of \(known.dimension)) its own meaning, \(new.factor) SI units of \(d), in this model",
                        at: el.location, hint: "the model includes no NeuroML, so its names are its own; give the unit another symbol to keep NeuroML's")
        }
        ctx.units = table
    }

    /// Whether a model may give a name of NeuroML's (`builtIn`: the table's meaning is still
    /// NeuroML's, not one the model declared before) another meaning: only a model that reads
    /// no NeuroML.
    private static func ownsStandardName(_ ctx: Context, builtIn: Bool) -> Bool { builtIn && !ctx.document.readsNeuroML }

    /// Equal up to rounding (NeuroMLCoreDimensions.xml writes per_min's scale with 10 digits).
    private static func same(_ a: Double, _ b: Double) -> Bool { a == b || abs(a - b) <= 1e-9 * max(abs(a), abs(b)) }

    /// A whole-number attribute that may be negative (a dimension's exponent, a unit's power).
    private static func signedInteger(_ el: Element, _ name: String, default value: Int, ctx: Context) -> Int? {
        guard let a = el.attribute(name) else { return value }
        guard let v = Int(trimmed(a.value)), v.magnitude <= 1000 else {
            ctx.error("BRC-E0104", "'\(a.value)' is not a whole number from -1000 to 1000 (attribute '\(name)' of <\(el.name)>)", at: a.location,
                      hint: "write a whole number such as -1")
            return nil
        }
        return v
    }
}
