import BRCIR
import BRCPlot
import Foundation

/// A self-contained HTML report (inline SVG, no scripts) of a training run, from its
/// `summary.json` and `evaluations.csv`.
public enum TrainingReport {
    /// Validation MSE of every evaluated set by round (failed sets in red; their score adds the
    /// failure penalty), with the best and median per round and chance.
    static func scorePlot(_ rows: [EvaluationRow]) -> String {
        let rounds = (rows.map(\.round).max() ?? 0) + 1
        let byRound = RunComparison.Run(label: "", rows: rows).errorByRound
        let xs = byRound.map { Double($0.round) }
        let ok = rows.filter { !$0.failed }, failed = rows.filter(\.failed)
        var chart = LineChart(title: "Validation error of every parameter set, by round", xLabel: "round", yLabel: "validation MSE", series: [
            .init(label: "set (readout ok)", colour: plotPalette[0], x: ok.map { Double($0.round) }, y: ok.map(\.validationMSE), points: true),
            .init(label: "set (readout failed)", colour: plotPalette[1], x: failed.map { Double($0.round) }, y: failed.map(\.validationMSE), points: true),
            .init(label: "best of round", colour: plotPalette[2], x: xs, y: byRound.map(\.best)),
            .init(label: "median of round", colour: plotPalette[4], x: xs, y: byRound.map(\.median)),
        ].filter { !$0.x.isEmpty }, xRange: -0.5...(Double(rounds) - 0.5))
        if let chance = rows.first?.chanceMSE { chart.guides = [.init(label: "chance", y: chance)] }
        chart.integerX = true
        return chart.svg
    }

    static func cueLabel(_ cue: [Double]) -> String { "cue (" + cue.map { String(format: "%g", $0) }.joined(separator: ", ") + ")" }

    /// Spike rasters, one panel per condition: populations stacked, one row per cell.
    static func rasters(_ a: NetworkAnalysis) -> [String] {
        let shown = a.populations.indices.filter { p in a.conditions.contains { $0.spikes.contains { $0.population == p } } }
        return a.conditions.map { c in
            var r = Raster(title: cueLabel(c.cue) + ": spikes of repeat 0", timeLabel: "time (ms)", duration: a.duration, groups: shown.map { p in
                Raster.Group(label: a.populations[p].name, rows: a.populations[p].size, spikes: c.spikes.filter { $0.population == p }.map { ($0.t, $0.cell) })
            })
            r.marker = ("end of burn-in", a.burnIn)
            return r.svg
        }
    }

    /// The held-out readout output (solid) against the target (dashed), per condition.
    static func readouts(_ a: NetworkAnalysis) -> [String] {
        let values = a.conditions.flatMap { $0.prediction.flatMap { $0 } + $0.cue }
        let range = LineChart.range(values + [-1, 1])
        return a.conditions.map { c in
            let time = c.prediction.indices.map { a.burnIn + Double($0) * a.rowInterval }
            var series: [LineChart.Series] = []
            for (o, target) in c.cue.enumerated() {
                let colour = plotPalette[o % plotPalette.count]
                series.append(.init(label: "output \(o + 1)", colour: colour, x: time, y: c.prediction.map { $0[o] }))
                series.append(.init(label: "target \(o + 1)", colour: colour, x: [a.burnIn, a.duration], y: [target, target], dashed: true))
            }
            return LineChart(title: cueLabel(c.cue) + ": held-out readout output and target", xLabel: "time (ms)", yLabel: "readout output",
                             series: series, xRange: a.burnIn...max(a.duration, a.burnIn + 1), yRange: range).svg
        }
    }

    /// Each condition's readout activity in the first two principal components.
    static func trajectories(_ a: NetworkAnalysis) -> String {
        let ev = a.explainedVariance.map { String(format: "%.0f%%", 100 * $0) }
        let series = a.conditions.enumerated().map { k, c in
            LineChart.Series(label: cueLabel(c.cue), colour: plotPalette[k % plotPalette.count],
                             x: c.trajectory.map { $0.first ?? 0 }, y: c.trajectory.map { $0.count > 1 ? $0[1] : 0 })
        }
        return LineChart(title: "Readout activity in its first two principal components", xLabel: "PC1 (\(ev.first ?? "-") of variance)",
                         yLabel: "PC2 (\(ev.count > 1 ? ev[1] : "-") of variance)", series: series).svg
    }

    /// The report's figures as standalone SVG documents, by file name: the score per round, and
    /// with an analysis a raster and a readout plot per condition and the trajectories.
    public static func figures(csv: String, analysis: NetworkAnalysis?) -> [(name: String, svg: String)] {
        var f = [(name: "score.svg", svg: scorePlot(EvaluationTable.parse(csv).rows))]
        guard let a = analysis else { return f }
        f += rasters(a).enumerated().map { (name: "raster_\($0.offset).svg", svg: $0.element) }
        f += readouts(a).enumerated().map { (name: "readout_\($0.offset).svg", svg: $0.element) }
        f.append((name: "trajectories.svg", svg: trajectories(a)))
        return f
    }

    /// The report of a training run: its summary, every evaluated set (`csv`) and, if given,
    /// the best network's analysis.
    public static func html(summary: TrainingSummary, csv: String, analysis: NetworkAnalysis? = nil) -> String {
        let (names, rows, _) = EvaluationTable.parse(csv)
        let best = summary.best
        let params = best?.parameters ?? [:]
        var s = "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>brcc training report</title>"
        s += "<style>body{font-family:sans-serif;max-width:900px;margin:2em auto}td,th{padding:2px 10px;text-align:left}</style></head><body>"
        s += "<h1>Training report</h1><p>Model <code>\(xmlEscaped(summary.model))</code>, brcc \(xmlEscaped(summary.brccVersion)), "
        s += "seed \(summary.seed), \(summary.simulationsRun) simulations in \(String(format: "%.0f", summary.wallSeconds)) s.</p>"
        func cell(_ x: Any?) -> String { x.map { "\($0)" } ?? "-" }
        s += "<h2>Best parameter set</h2><table><tr><th>validation MSE</th><td>\(cell(best?.validationMSE))</td></tr>"
        s += "<tr><th>chance MSE</th><td>\(cell(best?.chanceMSE))</td></tr><tr><th>R²</th><td>\(cell(best?.r2))</td></tr>"
        s += "<tr><th>failed (magnitude rule)</th><td>\(cell(best?.failed))</td></tr></table>"
        if let best {
            s += "<p class=\"verdict\"><b>The best set: " + xmlEscaped(ReadoutVerdict.text(validationMSE: best.validationMSE, chanceMSE: best.chanceMSE, failed: best.failed,
                meanOutputMagnitude: best.meanOutputMagnitude, failureMagnitude: summary.task.failureMagnitude)) + ".</b></p>"
            if best.meanPredictionPerCondition.count == best.conditions.count {
                s += "<table><tr><th>condition (target)</th><th>mean held-out readout output</th></tr>"
                for (c, m) in zip(best.conditions, best.meanPredictionPerCondition) { s += "<tr><td>\(xmlEscaped(cueLabel(c)))</td><td>(\(m.map { String(format: "%.3f", $0) }.joined(separator: ", ")))</td></tr>" }
                s += "</table>"
            }
        }
        // The best set's row of evaluations.csv, in its units (the summary's values are internal).
        let bestRow = rows.first { $0.score == best?.score && $0.valueTexts.count == names.count }
        s += "<table><tr><th>parameter</th><th>value (as in evaluations.csv: \(ExchangeUnits.summary))</th></tr>"
        for (k, n) in names.enumerated() {
            let value = bestRow.map { $0.valueTexts[k] } ?? params[n].map { String(format: "%.4g (internal units)", $0) } ?? "-"
            s += "<tr><td>\(xmlEscaped(n))</td><td>\(xmlEscaped(value))</td></tr>"
        }
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
