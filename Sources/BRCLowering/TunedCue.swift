import BRCDiagnostics
import BRCIR
import BRCSyntax
import BRCUnits
#if canImport(Glibc)
import Glibc
#endif

/// `brc:tunedCue`: the cue current of the study's task (DESIGN.md §6). Cue cell i has a
/// Gaussian tuning centre c_i drawn uniformly in [centreMin, centreMax]^d (seeded); during the
/// cue window it receives scale · exp(-|x - c_i|² / (2 sd²)) for the cue value x.
enum TunedCue {
    static let attributes = ["id", "value", "centreMin", "centreMax", "sd", "seed", "scale", "delay", "duration"]

    /// The cue value x (a list of numbers).
    static func value(_ el: Element, ctx: Context) -> [Double]? {
        guard let a = el.attribute("value") else { return nil }
        let parts = a.value.split(whereSeparator: { $0 == " " || $0 == "," }).map { Double($0) }
        guard !parts.isEmpty, parts.allSatisfy({ $0 != nil }) else {
            ctx.error("BRC-E0104", "value=\"\(a.value)\" is not a list of numbers", at: a.location, hint: "write the cue as numbers separated by spaces, e.g. value=\"2 -2\"")
            return nil
        }
        return parts.map { $0! }
    }

    /// The tuning centre of cue cell `cell` for a cue of `dims` dimensions.
    static func centre(cell: Int, dims: Int, min lo: Double, max hi: Double, seed: UInt64) -> [Double] {
        (0..<dims).map { lo + (hi - lo) * CounterRandom.uniform(seed: seed, stream: 200, UInt64(cell), UInt64($0)) }
    }

    /// The tuning of cue cell `cell` (its amplitude for the element's own value is
    /// `tuning.amplitude(value)`).
    static func tuning(_ el: Element, cell: Int, ctx: Context) -> (CueTuning, [Double])? {
        ctx.checkAttributes(el, required: attributes)
        guard let x = value(el, ctx: ctx), let lo = ctx.number(el, "centreMin"), let hi = ctx.number(el, "centreMax"),
              var sd = ctx.number(el, "sd"), let seed = ctx.integer(el, "seed"), let scale = ctx.quantity(el, "scale", .current) else { return nil }
        if let id = el.id, let width = ctx.cueWidth[id] { sd = width }
        guard sd > 0, lo <= hi else {
            ctx.error("BRC-E0803", "brc:tunedCue needs sd > 0 and centreMin <= centreMax", at: el.location, hint: "e.g. centreMin=\"-3\" centreMax=\"3\" sd=\"0.3\"")
            return nil
        }
        let c = centre(cell: cell, dims: x.count, min: lo, max: hi, seed: UInt64(seed))
        return (CueTuning(centre: c, sd: sd, scale: scale), x)
    }

    static func window(_ el: Element, ctx: Context) -> (Double, Double)? {
        guard let d = ctx.quantity(el, "delay", .time, bound: .nonNegative), let dur = ctx.quantity(el, "duration", .time, bound: .nonNegative) else { return nil }
        return (d, dur)
    }
}
