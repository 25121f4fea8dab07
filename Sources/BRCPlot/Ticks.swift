import Foundation

/// Axis ticks at "nice" values (1, 2 or 5 times a power of ten), about `count` of them over
/// [lo, hi], with labels that show as many decimals as the step needs.
public struct Ticks: Equatable, Sendable {
    /// The tick positions, ascending, in the axis's unit (at most 50).
    public var values: [Double]
    /// The text shown at each tick, one per value.
    public var labels: [String]

    /// With `integers`, the step is at least 1 (an axis of counts, such as rounds).
    public init(lo: Double, hi: Double, count: Int = 5, integers: Bool = false) {
        let raw = (hi - lo) / Double(max(count, 1))
        let magnitude = pow(10, (log10(raw)).rounded(.down))
        let r = raw / magnitude
        let nice = (r < 1.5 ? 1 : r < 3 ? 2 : r < 7 ? 5 : 10) * magnitude
        let step = integers ? max(nice, 1) : nice
        // An empty, reversed or infinite range, or one too wide or too narrow for a step
        // (a model's Display may give xmin="-1e308" xmax="1e308"): its ends, or none.
        guard lo.isFinite, hi.isFinite, hi > lo, step.isNormal, step > 0 else {
            values = lo.isFinite ? [lo] + (hi.isFinite && hi > lo ? [hi] : []) : []
            labels = values.map { Ticks.label($0, decimals: 2) }
            return
        }
        let first = (lo / step).rounded(.up) * step
        var v: [Double] = []
        var x = first
        while x <= hi + step * 1e-9 && v.count < 50 {
            v.append(abs(x) < step * 1e-9 ? 0 : x)
            x = first + Double(v.count) * step
        }
        values = v
        let decimals = max(0, -Int(log10(step).rounded(.down)))
        labels = v.map { Ticks.label($0, decimals: decimals) }
    }

    static func label(_ x: Double, decimals: Int) -> String {
        let a = abs(x)
        if a != 0 && (a >= 1e5 || a < 1e-3) { return String(format: "%.2g", x) }
        return String(format: "%.\(min(decimals, 6))f", x)
    }
}
