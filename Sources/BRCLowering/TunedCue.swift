import BRCDiagnostics
import BRCIR
import BRCSyntax
import BRCUnits
#if canImport(Glibc)
import Glibc
#endif

/// `brc:tunedCue`: the cue current of the study's task (STUDY.md §4). Cue cell i has a tuning
/// centre c_i: listed as `<brc:centre x= y= .../>` children (row i = cell i), or drawn
/// uniformly in [centreMin, centreMax]^d (seeded). During the cue window it receives
/// scale · exp(-|x - c_i|² / (2 sd²)) for the cue value x (`form="gaussian"`, the default), or
/// scale · mean_d exp(-((x_d - c_id) / sd)²) (`form="meanOf1D"`, the study's tuning).
enum TunedCue {
    /// The coordinate names of a listed centre, in order.
    static let axes = ["x", "y", "z"]

    /// The cue value x (a list of numbers).
    static func value(_ el: Element, ctx: Context) -> [Double]? {
        guard let a = el.attribute("value") else { return nil }
        let parts = a.value.split(whereSeparator: { $0 == " " || $0 == "," }).map { Double($0) }
        guard !parts.isEmpty, parts.allSatisfy({ $0 != nil && $0!.isFinite }) else {
            ctx.error("BRC-E0104", "value=\"\(a.value)\" is not a list of numbers", at: a.location, hint: "write the cue as numbers separated by spaces, e.g. value=\"2 -2\"")
            return nil
        }
        return parts.map { $0! }
    }

    /// The tuning centre of cue cell `cell` for a cue of `dims` dimensions.
    static func centre(cell: Int, dims: Int, min lo: Double, max hi: Double, seed: UInt64) -> [Double] {
        (0..<dims).map { lo + (hi - lo) * CounterRandom.uniform(seed: seed, stream: 200, UInt64(cell), UInt64($0)) }
    }

    /// The listed centre of cue cell `cell` (`<brc:centre>` children), nil with an error if the
    /// list does not cover the cell or a centre does not match the cue's dimension.
    static func listedCentre(_ el: Element, cell: Int, dims: Int, ctx: Context) -> [Double]? {
        let listed = el.children.filter { $0.name == "centre" }
        guard cell < listed.count else {
            ctx.error("BRC-E0804", "brc:tunedCue lists \(listed.count) centres; cells \(listed.count) and on of its population have none", at: el.location,
                      hint: "list one <brc:centre/> per cue cell, row k for cell k")
            return nil
        }
        let c = listed[cell]
        guard dims <= axes.count else {
            ctx.error("BRC-E0804", "listed centres have at most \(axes.count) coordinates (x, y, z); the cue has \(dims)", at: el.location,
                      hint: "use seeded centres (centreMin, centreMax, seed) for cues of more dimensions")
            return nil
        }
        ctx.checkAttributes(c, required: Array(axes.prefix(dims)))
        let values = axes.prefix(dims).compactMap { ctx.number(c, $0) }
        return values.count == dims ? values : nil
    }

    /// The tuning of cue cell `cell` (its amplitude for the element's own value is
    /// `tuning.amplitude(value)`).
    static func tuning(_ el: Element, cell: Int, ctx: Context) -> (CueTuning, [Double])? {
        let listed = el.children.contains { $0.name == "centre" }
        ctx.checkAttributes(el, required: ["id", "value", "sd", "scale", "delay", "duration"] + (listed ? [] : ["centreMin", "centreMax", "seed"]),
                            optional: ["form"])
        // A misspelt centre leaves the list short of what the model meant: it is not checked too.
        var misspelt = false
        for other in el.children where other.name != "centre" {
            misspelt = ctx.unsupported(other, in: "brc:tunedCue", supported: ["brc:centre"]) != nil || misspelt
        }
        if misspelt { return nil }
        guard let x = value(el, ctx: ctx), var sd = ctx.number(el, "sd"), let scale = ctx.quantity(el, "scale", .current) else { return nil }
        guard let form = CueTuning.Form(rawValue: el["form"] ?? "gaussian") else {
            ctx.error("BRC-E0104", "form=\"\(el["form"] ?? "")\" is not a cue tuning form", at: el.attribute("form")!.valueLocation,
                      hint: "write form=\"gaussian\" (one Gaussian in the cue space) or form=\"meanOf1D\" (the mean of one-dimensional tunings)")
            return nil
        }
        if let id = el.id, let width = ctx.cueWidth[id] { sd = width }
        guard sd > 0 else {
            ctx.error("BRC-E0803", "brc:tunedCue needs sd > 0", at: el.attribute("sd")!.valueLocation, hint: "e.g. sd=\"0.3\"")
            return nil
        }
        let c: [Double]
        if listed {
            guard let lc = listedCentre(el, cell: cell, dims: x.count, ctx: ctx) else { return nil }
            c = lc
        } else {
            guard let lo = ctx.number(el, "centreMin"), let hi = ctx.number(el, "centreMax"), let seed = ctx.seed(el) else { return nil }
            guard lo <= hi else {
                ctx.error("BRC-E0803", "brc:tunedCue needs centreMin <= centreMax", at: el.location, hint: "e.g. centreMin=\"-3\" centreMax=\"3\"")
                return nil
            }
            c = centre(cell: cell, dims: x.count, min: lo, max: hi, seed: seed)
        }
        var tuning = CueTuning(centre: c, sd: sd, scale: scale)
        tuning.form = form
        return (tuning, x)
    }

    static func window(_ el: Element, ctx: Context) -> (Double, Double)? {
        guard let d = ctx.quantity(el, "delay", .time, bound: .nonNegative), let dur = ctx.quantity(el, "duration", .time, bound: .nonNegative) else { return nil }
        return (d, dur)
    }
}
