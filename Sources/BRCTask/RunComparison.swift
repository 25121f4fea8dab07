import BRCPlot
import Foundation

/// Training runs side by side (`brcc compare`): per run and round, the distribution of the
/// sets' validation errors, the failure fraction, the sets below half of chance and the firing
/// rates; each run's best set; and two figures of the same by round. Runs are compared as
/// they were trained, so the runs of one experiment (the study's four cue configurations)
/// should share seed, budget and precision; the tables state each run's.
public enum RunComparison {
    /// One training run folder's outcome.
    public struct Run: Sendable {
        /// The name the tables and legends give the run (its folder's name).
        public var label: String
        /// The readable rows of the run's `evaluations.csv`, one per scored set.
        public var rows: [EvaluationRow]
        /// Summed wall time of the processes that trained it (`summary.json`), if known.
        public var wallSeconds: Double?
        /// Simulations run (`simulationsRun` in `summary.json`), if known.
        public var simulations: Int?
        /// The thread count `summary.json` records (that of the process that wrote it), if known.
        public var threads: Int?
        /// The kernels' precision (`exact` or `fast`, from `summary.json`), if known.
        public var precision: String?

        /// Makes a run from its fields; those from `summary.json` default to unknown.
        public init(label: String, rows: [EvaluationRow], wallSeconds: Double? = nil, simulations: Int? = nil, threads: Int? = nil, precision: String? = nil) {
            self.label = label; self.rows = rows; self.wallSeconds = wallSeconds; self.simulations = simulations
            self.threads = threads; self.precision = precision
        }

        /// The rounds in the run, ascending.
        var rounds: [Int] { Array(Set(rows.map(\.round))).sorted() }
        func rows(of round: Int) -> [EvaluationRow] { rows.filter { $0.round == round } }
        /// Per round, ascending: the lowest and the median validation error of its sets.
        var errorByRound: [(round: Int, best: Double, median: Double)] {
            rounds.map { round in
                let errors = rows(of: round).map(\.validationMSE)
                return (round, errors.min() ?? .nan, quantile(errors, 0.5))
            }
        }
        /// The rate populations of the run's table, in name order.
        var ratePopulations: [String] { Array(Set(rows.flatMap { $0.rates.keys })).sorted() }
    }

    /// Whether a set holds the cue (`ReadoutVerdict.holdsCue`).
    static func holdsCue(_ r: EvaluationRow) -> Bool {
        ReadoutVerdict.holdsCue(validationMSE: r.validationMSE, chanceMSE: r.chanceMSE, failed: r.failed)
    }

    static func number(_ x: Double) -> String { x.isFinite ? String(format: "%.3f", x) : "-" }

    /// Text from a run's folder (its name, a rate column's population, its precision) as one
    /// markdown table cell: `|` escaped, HTML's `<`, `>` and `&` as entities, line breaks and
    /// other control characters as `?`, so that a folder name cannot add rows or markup.
    static func cell(_ text: String) -> String {
        var out = ""
        for c in text.unicodeScalars {
            switch c {
            case "|": out += "\\|"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "&": out += "&amp;"
            default: out.unicodeScalars.append(c.isControlCharacter ? "?" : c)
            }
        }
        return out
    }

    /// The comparison as markdown: the by-round table, the best sets and the cost.
    public static func markdown(_ runs: [Run]) -> String {
        let populations = Array(Set(runs.flatMap(\.ratePopulations))).sorted()
        var s = "Error = validation MSE of the readout (chance: the MSE of predicting the training targets' mean); a set *fails* when its readout's"
            + " mean |prediction - the conditions' mean| is below the task's threshold (its score then adds the penalty). *Below half of chance*:"
            + " not failed and error below half of chance.\n\n"
        s += "| run | round | sets | failed | error: min | q10 | median | below half of chance |"
            + populations.map { " \(cell($0)) rate median (Hz) |" }.joined() + "\n"
        s += "|---|---|---|---|---|---|---|---|" + String(repeating: "---|", count: populations.count) + "\n"
        for run in runs {
            for round in run.rounds {
                let rows = run.rows(of: round), errors = rows.map(\.validationMSE)
                let failed = rows.filter(\.failed).count
                s += "| \(cell(run.label)) | \(round) | \(rows.count) | \(failed) (\(Int((100 * Double(failed) / Double(rows.count)).rounded())) %) "
                    + "| \(number(errors.min() ?? .nan)) | \(number(quantile(errors, 0.1))) | \(number(quantile(errors, 0.5))) "
                    + "| \(rows.filter(holdsCue).count) |"
                    + populations.map { p in " \(number(quantile(rows.compactMap { $0.rates[p] }, 0.5))) |" }.joined() + "\n"
            }
        }
        s += "\nBest set of each run (lowest score):\n\n"
        s += "| run | round | set | score | error | failed | mean abs prediction |" + populations.map { " \(cell($0)) Hz |" }.joined()
            + " simulations | wall time | precision |\n"
        s += "|---|---|---|---|---|---|---|" + String(repeating: "---|", count: populations.count) + "---|---|---|\n"
        for run in runs {
            guard let best = run.rows.min(by: { $0.score < $1.score }) else { continue }
            s += "| \(cell(run.label)) | \(best.round) | \(best.sample) | \(number(best.score)) | \(number(best.validationMSE)) "
                + "| \(best.failed ? "yes" : "no") | \(number(best.meanAbsPrediction)) |"
                + populations.map { " \(number(best.rates[$0] ?? .nan)) |" }.joined()
                + " \(run.simulations.map(String.init) ?? "-") | \(run.wallSeconds.map { String(format: "%.0f s", $0) } ?? "-") | \(run.precision.map(cell) ?? "-") |\n"
        }
        let timed = runs.filter { $0.wallSeconds != nil && ($0.simulations ?? 0) > 0 }
        if !timed.isEmpty {
            let wall = timed.reduce(0) { $0 + $1.wallSeconds! }, simulations = timed.reduce(0) { $0 + $1.simulations! }
            let threads = Set(timed.compactMap(\.threads)).sorted().map(String.init).joined(separator: "/")
            s += String(format: "\nWall time %.0f s for %d simulations: %.2f s per simulation", wall, simulations, wall / Double(simulations))
                + (threads.isEmpty ? "" : " on \(threads) thread(s)") + ".\n"
        }
        return s
    }

    /// Two figures by round: the median and the best validation error of each run (with
    /// chance), and the percentage of its sets below half of chance and failed.
    public static func figures(_ runs: [Run]) -> [(name: String, svg: String)] {
        let last = runs.flatMap(\.rounds).max() ?? 0
        let xRange = -0.5...(Double(last) + 0.5)
        var errors: [LineChart.Series] = [], fractions: [LineChart.Series] = []
        for (k, run) in runs.enumerated() {
            let colour = plotPalette[k % plotPalette.count]
            let rounds = run.rounds, x = rounds.map(Double.init)
            let per = rounds.map { run.rows(of: $0) }, byRound = run.errorByRound
            errors.append(.init(label: run.label, colour: colour, x: x, y: byRound.map(\.median)))
            errors.append(.init(label: "\(run.label) best", colour: colour, x: x, y: byRound.map(\.best), dashed: true))
            fractions.append(.init(label: run.label, colour: colour, x: x,
                                   y: per.map { 100 * Double($0.filter(holdsCue).count) / Double($0.count) }))
            fractions.append(.init(label: "\(run.label) failed", colour: colour, x: x,
                                   y: per.map { 100 * Double($0.filter(\.failed).count) / Double($0.count) }, dashed: true))
        }
        var errorChart = LineChart(title: "Validation error by round: median (solid) and best (dashed)", xLabel: "round",
                                   yLabel: "validation MSE", series: errors, xRange: xRange)
        let chance = runs.first?.rows.first?.chanceMSE
        if let chance { errorChart.guides = [.init(label: "chance", y: chance)] }
        let highest = (errors.flatMap(\.y) + [chance ?? 0]).filter(\.isFinite).max() ?? 1
        errorChart.yRange = 0...(highest > 0 ? highest * 1.05 : 1)
        var fractionChart = LineChart(title: "Sets below half of chance (solid) and failed (dashed), by round", xLabel: "round",
                                      yLabel: "% of the round's sets", series: fractions, xRange: xRange, yRange: 0...100)
        errorChart.width = 800; fractionChart.width = 800
        errorChart.integerX = true; fractionChart.integerX = true
        return [("error_by_round.svg", errorChart.svg), ("sets_by_round.svg", fractionChart.svg)]
    }
}
