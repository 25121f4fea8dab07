import BRCDiagnostics
import BRCIR
import BRCSyntax
import BRCUnits

/// Spike generators usable as populations: NeuroML's spikeArray, spikeGenerator,
/// spikeGeneratorPoisson, spikeGeneratorRandom and spikeGeneratorRefPoisson, PyNN's
/// SpikeSourcePoisson, and `brc:poissonSource` (with an explicit seed; `<brcPoissonSource>`, its
/// plain form in a NeuroML export, the same). NeuroML gives the random ones no seed: brcc
/// derives one from the id, so runs are reproducible.
enum GeneratorLowering {
    static let kinds: Set<String> = ["spikeArray", "spikeGenerator", "spikeGeneratorPoisson", "poissonSource", PlainExtensions.poissonSource,
                                     "spikeGeneratorRandom", "spikeGeneratorRefPoisson", "SpikeSourcePoisson"]

    /// Whether `el` is a generator with a seed of its own (`brc:poissonSource` and its plain
    /// form), which the Simulation's seed does not change.
    static func hasOwnSeed(_ el: Element) -> Bool {
        el.namespace == NetworkLowering.brcNamespace ? el.name == "poissonSource" : el.name == PlainExtensions.poissonSource
    }

    /// The generator an element defines, or nil if it is not a generator (errors are reported).
    static func lower(_ el: Element, ctx: Context) -> IRGenerator? {
        switch (el.name, el.namespace == NetworkLowering.brcNamespace) {
        case ("spikeArray", false):
            ctx.checkAttributes(el, required: ["id"])
            var times: [Double] = []
            for c in el.children {
                guard c.name == "spike" else { if !c.isMetadata { ctx.unsupported(c, in: "spikeArray", supported: ["spike"]) }; continue }
                ctx.checkAttributes(c, required: ["time"], optional: ["id"])  // the id is a label (SpikeInputs)
                if let t = ctx.quantity(c, "time", .time) { times.append(t) }
            }
            return .times(times.sorted())
        case ("spikeGenerator", false):
            ctx.checkAttributes(el, required: ["id", "period"])
            guard let p = ctx.quantity(el, "period", .time) else { return nil }
            guard p > 0 else {
                ctx.error("BRC-E0901", "period must be positive", at: el.attribute("period")!.location, hint: "e.g. period=\"75ms\"")
                return nil
            }
            guard Resources.spikeIntervalFits(p, el, "period", ctx: ctx) else { return nil }
            return .periodic(period: p)
        case ("spikeGeneratorPoisson", false):
            ctx.checkAttributes(el, required: ["id", "averageRate"])
            // (Checked as the other random generators are: a negative rate ran as a silent
            // source, a rate over 1 MHz as one spike every step.)
            guard let r = ctx.quantity(el, "averageRate", .perTime, bound: .nonNegative),
                  r == 0 || Resources.spikeIntervalFits(1 / r, el, "averageRate", ctx: ctx) else { return nil }
            // NeuroML gives no seed; brcc derives one from the id so runs are reproducible.
            return .poisson(rate: r, seed: fnv1a64(el.id ?? ""))
        case ("spikeGeneratorRandom", false):
            ctx.checkAttributes(el, required: ["id", "minISI", "maxISI"])
            guard let lo = ctx.quantity(el, "minISI", .time, bound: .nonNegative), let hi = ctx.quantity(el, "maxISI", .time) else { return nil }
            guard hi >= lo, hi > 0 else {
                ctx.error("BRC-E0901", "maxISI must be positive and at least minISI", at: el.attribute("maxISI")!.location, hint: "e.g. minISI=\"10ms\" maxISI=\"30ms\"")
                return nil
            }
            guard Resources.spikeIntervalFits((lo + hi) / 2, el, "maxISI", ctx: ctx) else { return nil }
            return .renewal(.uniform, minimum: lo, scale: hi - lo, start: 0, stop: .infinity, seed: fnv1a64(el.id ?? ""))
        case ("spikeGeneratorRefPoisson", false):
            ctx.checkAttributes(el, required: ["id", "averageRate", "minimumISI"])
            guard let r = ctx.quantity(el, "averageRate", .perTime, bound: .positive), let m = ctx.quantity(el, "minimumISI", .time, bound: .nonNegative) else { return nil }
            guard 1 / r >= m else {
                ctx.error("BRC-E0901", "the average interval (1/averageRate) is shorter than minimumISI", at: el.attribute("averageRate")!.location, hint: "lower the rate or the minimum interval")
                return nil
            }
            guard Resources.spikeIntervalFits(1 / r, el, "averageRate", ctx: ctx) else { return nil }
            return .renewal(.exponential, minimum: m, scale: 1 / r - m, start: 0, stop: .infinity, seed: fnv1a64(el.id ?? ""))
        case ("SpikeSourcePoisson", false):
            ctx.checkAttributes(el, required: ["id", "start", "duration", "rate"])
            guard let start = ctx.quantity(el, "start", .time, bound: .nonNegative), let dur = ctx.quantity(el, "duration", .time, bound: .nonNegative),
                  let r = ctx.quantity(el, "rate", .perTime, bound: .positive), Resources.spikeIntervalFits(1 / r, el, "rate", ctx: ctx) else { return nil }
            return .renewal(.exponential, minimum: 0, scale: 1 / r, start: start, stop: start + dur, seed: fnv1a64(el.id ?? ""))
        case ("poissonSource", true), (PlainExtensions.poissonSource, false):
            ctx.checkAttributes(el, required: ["id", "rate", "seed"])
            guard let r = ctx.quantity(el, "rate", .perTime), let seed = ctx.seed(el) else { return nil }
            guard r >= 0 else {
                ctx.error("BRC-E0901", "rate must not be negative", at: el.attribute("rate")!.location, hint: "e.g. rate=\"10Hz\"")
                return nil
            }
            return .poisson(rate: r, seed: seed)
        default:
            return nil
        }
    }
}
