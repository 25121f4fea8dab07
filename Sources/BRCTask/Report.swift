import Foundation

/// A self-contained HTML report (inline SVG, no scripts) of a training run, from its
/// `summary.json` and `evaluations.csv`.
public enum TrainingReport {
    public struct Row { public var round: Int; public var score: Double; public var validation: Double; public var chance: Double; public var failed: Bool; public var values: [Double] }

    /// Parses evaluations.csv as `brcc train` writes it (`EvaluationTable`, by column name).
    public static func rows(csv: String) -> (names: [String], rows: [Row]) {
        let table = EvaluationTable.parse(csv)
        return (table.parameters, table.rows.map {
            Row(round: $0.round, score: $0.score, validation: $0.validationMSE, chance: $0.chanceMSE, failed: $0.failed, values: $0.values)
        })
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }

    /// Validation MSE of every evaluated set by round (failed sets in red; their score adds the
    /// failure penalty), with the best and median per round and chance.
    static func scorePlot(_ rows: [Row]) -> String {
        let w = 520.0, h = 260.0, m = 40.0
        let rounds = (rows.map(\.round).max() ?? 0) + 1
        let chance = rows.first?.chance ?? 1
        let top = max(rows.map(\.validation).max() ?? 1, chance) * 1.05
        func x(_ r: Double) -> Double { m + (w - 2 * m) * (rounds > 1 ? r / Double(rounds - 1) : 0.5) }
        func y(_ s: Double) -> Double { h - m - (h - 2 * m) * s / top }
        var svg = "<svg width=\"\(Int(w))\" height=\"\(Int(h))\" xmlns=\"http://www.w3.org/2000/svg\" font-size=\"11\">"
        svg += "<line x1=\"\(m)\" y1=\"\(h - m)\" x2=\"\(w - m)\" y2=\"\(h - m)\" stroke=\"black\"/><line x1=\"\(m)\" y1=\"\(m)\" x2=\"\(m)\" y2=\"\(h - m)\" stroke=\"black\"/>"
        svg += "<text x=\"\(w / 2 - 20)\" y=\"\(h - 8)\">round</text><text x=\"4\" y=\"\(m - 10)\">validation MSE (score)</text>"
        svg += "<line x1=\"\(m)\" y1=\"\(y(chance))\" x2=\"\(w - m)\" y2=\"\(y(chance))\" stroke=\"gray\" stroke-dasharray=\"4 3\"/><text x=\"\(w - m - 40)\" y=\"\(y(chance) - 4)\" fill=\"gray\">chance</text>"
        for r in rows { svg += "<circle cx=\"\(x(Double(r.round)))\" cy=\"\(y(r.validation))\" r=\"3\" fill=\"\(r.failed ? "#c33" : "#36c")\" fill-opacity=\"0.6\"/>" }
        var best: [String] = [], median: [String] = []
        for round in 0..<rounds {
            let s = rows.filter { $0.round == round }.map(\.validation).sorted()
            guard !s.isEmpty else { continue }
            best.append("\(x(Double(round))),\(y(s[0]))")
            median.append("\(x(Double(round))),\(y(s[s.count / 2]))")
            svg += "<text x=\"\(x(Double(round)) - 3)\" y=\"\(h - m + 14)\">\(round)</text>"
        }
        svg += "<polyline points=\"\(best.joined(separator: " "))\" fill=\"none\" stroke=\"#063\" stroke-width=\"2\"/>"
        svg += "<polyline points=\"\(median.joined(separator: " "))\" fill=\"none\" stroke=\"#963\" stroke-width=\"1.5\"/>"
        svg += "<text x=\"\(m + 8)\" y=\"\(m + 4)\" fill=\"#063\">best</text><text x=\"\(m + 48)\" y=\"\(m + 4)\" fill=\"#963\">median</text>"
        return svg + "</svg>"
    }

    /// Colours of conditions and outputs, in order.
    static let palette = ["#36c", "#c33", "#393", "#c90", "#939", "#099"]

    /// Axes, a title and the tick labels of one small plot.
    static func frame(w: Double, h: Double, m: Double, title: String, x: (String, String), y: (String, String)) -> String {
        var s = "<line x1=\"\(m)\" y1=\"\(h - m)\" x2=\"\(w - 8)\" y2=\"\(h - m)\" stroke=\"black\"/><line x1=\"\(m)\" y1=\"14\" x2=\"\(m)\" y2=\"\(h - m)\" stroke=\"black\"/>"
        s += "<text x=\"\(m)\" y=\"10\">\(escape(title))</text>"
        s += "<text x=\"\(m - 2)\" y=\"\(h - m + 12)\">\(x.0)</text><text x=\"\(w - 40)\" y=\"\(h - m + 12)\">\(x.1)</text>"
        s += "<text x=\"2\" y=\"\(h - m)\">\(y.0)</text><text x=\"2\" y=\"22\">\(y.1)</text>"
        return s
    }

    /// Indices of at most about `limit` evenly spaced rows of `count`, the last included: a
    /// plot's polyline needs no more points than it has pixels.
    static func thinned(_ count: Int, limit: Int = 400) -> [Int] {
        guard count > 0 else { return [] }
        let step = max(1, count / limit)
        var idx = Array(stride(from: 0, to: count, by: step))
        if idx.last != count - 1 { idx.append(count - 1) }
        return idx
    }

    static func cueLabel(_ cue: [Double]) -> String { "cue (" + cue.map { String(format: "%g", $0) }.joined(separator: ", ") + ")" }

    /// Spike rasters, one panel per condition: populations stacked, one row per cell.
    static func rasters(_ a: NetworkAnalysis) -> [String] {
        let w = 420.0, h = 240.0, m = 30.0
        let shown = a.populations.indices.filter { p in a.conditions.contains { $0.spikes.contains { $0.population == p } } }
        var offset: [Int: Int] = [:], rows = 0
        for p in shown { offset[p] = rows; rows += a.populations[p].size }
        return a.conditions.map { c in
            func x(_ t: Double) -> Double { m + (w - m - 8) * t / a.duration }
            func y(_ r: Int) -> Double { 14 + (h - m - 14) * Double(r) / Double(max(rows, 1)) }
            var s = "<svg width=\"\(Int(w))\" height=\"\(Int(h))\" xmlns=\"http://www.w3.org/2000/svg\" font-size=\"10\">"
            s += frame(w: w, h: h, m: m, title: cueLabel(c.cue) + ": spikes of repeat 0", x: ("0", "\(Int(a.duration)) ms"), y: ("", ""))
            let tick = max((h - m - 14) / Double(max(rows, 1)), 0.6)
            for (k, p) in shown.enumerated() {
                let d = c.spikes.filter { $0.population == p }.map { String(format: "M%.1f %.1fv%.1f", x($0.t), y(offset[p]! + $0.cell), tick) }.joined()
                s += "<path d=\"\(d)\" stroke=\"\(palette[k % palette.count])\" stroke-width=\"1\"/>"
                s += "<text x=\"2\" y=\"\(y(offset[p]! + a.populations[p].size / 2) + 3)\" fill=\"\(palette[k % palette.count])\">\(escape(a.populations[p].name))</text>"
            }
            return s + "<line x1=\"\(x(a.burnIn))\" y1=\"14\" x2=\"\(x(a.burnIn))\" y2=\"\(h - m)\" stroke=\"gray\" stroke-dasharray=\"3 3\"/></svg>"
        }
    }

    /// The held-out readout output (solid) against the target (dashed), per condition.
    static func readouts(_ a: NetworkAnalysis) -> [String] {
        let w = 420.0, h = 200.0, m = 30.0
        let values = a.conditions.flatMap { $0.prediction.flatMap { $0 } + $0.cue }
        let lo = min(values.min() ?? -1, -1), hi = max(values.max() ?? 1, 1)
        return a.conditions.map { c in
            let n = c.prediction.count
            func x(_ i: Int) -> Double { m + (w - m - 8) * Double(i) / Double(max(n - 1, 1)) }
            func y(_ v: Double) -> Double { 14 + (h - m - 14) * (hi - v) / (hi - lo) }
            var s = "<svg width=\"\(Int(w))\" height=\"\(Int(h))\" xmlns=\"http://www.w3.org/2000/svg\" font-size=\"10\">"
            s += frame(w: w, h: h, m: m, title: cueLabel(c.cue) + ": readout (solid) vs target (dashed)",
                       x: ("\(Int(a.burnIn))", "\(Int(a.duration)) ms"), y: (String(format: "%.3g", lo), String(format: "%.3g", hi)))
            s += "<line x1=\"\(m)\" y1=\"\(y(0))\" x2=\"\(w - 8)\" y2=\"\(y(0))\" stroke=\"#ccc\"/>"
            for (o, target) in c.cue.enumerated() {
                let colour = palette[o % palette.count]
                s += "<line x1=\"\(m)\" y1=\"\(y(target))\" x2=\"\(w - 8)\" y2=\"\(y(target))\" stroke=\"\(colour)\" stroke-dasharray=\"5 3\"/>"
                let pts = thinned(c.prediction.count).map { String(format: "%.1f,%.1f", x($0), y(c.prediction[$0][o])) }.joined(separator: " ")
                s += "<polyline points=\"\(pts)\" fill=\"none\" stroke=\"\(colour)\" stroke-width=\"1.2\"/>"
                s += "<text x=\"\(w - 60)\" y=\"\(24 + 11 * Double(o))\" fill=\"\(colour)\">output \(o + 1)</text>"
            }
            return s + "</svg>"
        }
    }

    /// Each condition's readout activity in the first two principal components.
    static func trajectories(_ a: NetworkAnalysis) -> String {
        let w = 420.0, h = 360.0, m = 30.0
        let xs = a.conditions.flatMap { $0.trajectory.map { $0.first ?? 0 } }, ys = a.conditions.flatMap { $0.trajectory.map { $0.count > 1 ? $0[1] : 0 } }
        let x0 = xs.min() ?? -1, x1 = max(xs.max() ?? 1, x0 + 1e-9), y0 = ys.min() ?? -1, y1 = max(ys.max() ?? 1, y0 + 1e-9)
        func x(_ v: Double) -> Double { m + (w - m - 8) * (v - x0) / (x1 - x0) }
        func y(_ v: Double) -> Double { 14 + (h - m - 14) * (y1 - v) / (y1 - y0) }
        let ev = a.explainedVariance.map { String(format: "%.0f %%", 100 * $0) }
        var s = "<svg width=\"\(Int(w))\" height=\"\(Int(h))\" xmlns=\"http://www.w3.org/2000/svg\" font-size=\"10\">"
        s += frame(w: w, h: h, m: m, title: "readout activity, PC1 (\(ev.first ?? "-")) vs PC2 (\(ev.count > 1 ? ev[1] : "-"))", x: ("PC1", ""), y: ("", "PC2"))
        for (k, c) in a.conditions.enumerated() {
            let colour = palette[k % palette.count]
            let pts = thinned(c.trajectory.count).map { String(format: "%.1f,%.1f", x(c.trajectory[$0][0]), y(c.trajectory[$0].count > 1 ? c.trajectory[$0][1] : 0)) }
            s += "<polyline points=\"\(pts.joined(separator: " "))\" fill=\"none\" stroke=\"\(colour)\" stroke-width=\"1\" stroke-opacity=\"0.8\"/>"
            if let last = c.trajectory.last { s += "<circle cx=\"\(x(last[0]))\" cy=\"\(y(last.count > 1 ? last[1] : 0))\" r=\"3\" fill=\"\(colour)\"/>" }
            s += "<text x=\"\(w - 90)\" y=\"\(24 + 11 * Double(k))\" fill=\"\(colour)\">\(escape(cueLabel(c.cue)))</text>"
        }
        return s + "</svg>"
    }

    /// The report's figures as standalone SVG documents, by file name: the score per round, and
    /// with an analysis a raster and a readout plot per condition and the trajectories.
    public static func figures(csv: String, analysis: NetworkAnalysis?) -> [(name: String, svg: String)] {
        var f = [(name: "score.svg", svg: scorePlot(rows(csv: csv).rows))]
        guard let a = analysis else { return f }
        f += rasters(a).enumerated().map { (name: "raster_\($0.offset).svg", svg: $0.element) }
        f += readouts(a).enumerated().map { (name: "readout_\($0.offset).svg", svg: $0.element) }
        f.append((name: "trajectories.svg", svg: trajectories(a)))
        return f
    }

    public static func html(summary: [String: Any], csv: String, analysis: NetworkAnalysis? = nil) -> String {
        let (names, rows) = self.rows(csv: csv)
        let best = summary["best"] as? [String: Any] ?? [:]
        let params = best["parameters"] as? [String: Double] ?? [:]
        var s = "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>brcc training report</title>"
        s += "<style>body{font-family:sans-serif;max-width:900px;margin:2em auto}td,th{padding:2px 10px;text-align:left}</style></head><body>"
        s += "<h1>Training report</h1><p>Model <code>\(escape(summary["model"] as? String ?? "?"))</code>, brcc \(escape(summary["brccVersion"] as? String ?? "?")), "
        s += "seed \(summary["seed"] ?? "?"), \(summary["simulationsRun"] ?? "?") simulations in \(String(format: "%.0f", summary["wallSeconds"] as? Double ?? 0)) s.</p>"
        s += "<h2>Best parameter set</h2><table><tr><th>validation MSE</th><td>\(best["validationMSE"] ?? "-")</td></tr>"
        s += "<tr><th>chance MSE</th><td>\(best["chanceMSE"] ?? "-")</td></tr><tr><th>R²</th><td>\(best["r2"] ?? "-")</td></tr>"
        s += "<tr><th>failed (magnitude rule)</th><td>\(best["failed"] ?? "-")</td></tr></table>"
        if let conditions = best["conditions"] as? [[Double]], let means = best["meanPredictionPerCondition"] as? [[Double]], means.count == conditions.count {
            s += "<table><tr><th>condition (target)</th><th>mean held-out readout output</th></tr>"
            for (c, m) in zip(conditions, means) { s += "<tr><td>\(escape(cueLabel(c)))</td><td>(\(m.map { String(format: "%.3f", $0) }.joined(separator: ", ")))</td></tr>" }
            s += "</table>"
        }
        s += "<table><tr><th>parameter</th><th>value (internal units)</th></tr>"
        for n in names { s += "<tr><td>\(escape(n))</td><td>\(params[n].map { String(format: "%.4g", $0) } ?? "-")</td></tr>" }
        s += "</table><h2>Score per round</h2><p>Every evaluated parameter set (red: failed the magnitude rule), the best and median per round, and chance.</p>"
        s += scorePlot(rows)
        if let a = analysis {
            s += "<h2>The best network</h2><p>Every condition simulated again with the best parameter set (validation MSE "
            s += String(format: "%.4g", a.validationMSE) + ", chance " + String(format: "%.4g", a.chanceMSE) + "). Dashed grey line: end of the burn-in.</p>"
            s += "<h3>Spike rasters</h3>" + rasters(a).joined()
            s += "<h3>Readout output against the target</h3><p>Cross-validated: each repeat's output comes from the readout trained on the other repeats.</p>" + readouts(a).joined()
            s += "<h3>Readout activity in its principal components</h3><p>The readout cells' potentials of repeat 0 of each condition, projected on the first two principal components of all trials; a dot marks the end.</p>" + trajectories(a)
        } else {
            s += "<p>No <code>best/analysis.json</code> in the run folder, so no rasters, readout traces or trajectories (it is written at the end of <code>brcc train</code>).</p>"
        }
        return s + "</body></html>\n"
    }
}
