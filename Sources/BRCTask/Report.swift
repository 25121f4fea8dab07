import Foundation

/// A self-contained HTML report (inline SVG, no scripts) of a training run, from its
/// `summary.json` and `evaluations.csv`.
public enum TrainingReport {
    public struct Row { public var round: Int; public var score: Double; public var validation: Double; public var chance: Double; public var failed: Bool; public var values: [Double] }

    /// Parses evaluations.csv as `brcc train` writes it.
    public static func rows(csv: String) -> (names: [String], rows: [Row]) {
        let lines = csv.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        guard let header = lines.first, header.count >= 6 else { return ([], []) }
        let rows = lines.dropFirst().compactMap { f -> Row? in
            guard f.count == header.count, let r = Int(f[0]), let s = Double(f[2]), let v = Double(f[3]), let c = Double(f[4]) else { return nil }
            return Row(round: r, score: s, validation: v, chance: c, failed: f[5] == "true", values: f[6...].compactMap { Double($0) })
        }
        return (Array(header[6...]), rows)
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }

    /// Score of every evaluated set by round, with the best and median per round and chance.
    static func scorePlot(_ rows: [Row]) -> String {
        let w = 520.0, h = 260.0, m = 40.0
        let rounds = (rows.map(\.round).max() ?? 0) + 1
        let chance = rows.first?.chance ?? 1
        let top = max(rows.map(\.score).max() ?? 1, chance) * 1.05
        func x(_ r: Double) -> Double { m + (w - 2 * m) * (rounds > 1 ? r / Double(rounds - 1) : 0.5) }
        func y(_ s: Double) -> Double { h - m - (h - 2 * m) * s / top }
        var svg = "<svg width=\"\(Int(w))\" height=\"\(Int(h))\" xmlns=\"http://www.w3.org/2000/svg\" font-size=\"11\">"
        svg += "<line x1=\"\(m)\" y1=\"\(h - m)\" x2=\"\(w - m)\" y2=\"\(h - m)\" stroke=\"black\"/><line x1=\"\(m)\" y1=\"\(m)\" x2=\"\(m)\" y2=\"\(h - m)\" stroke=\"black\"/>"
        svg += "<text x=\"\(w / 2 - 20)\" y=\"\(h - 8)\">round</text><text x=\"4\" y=\"\(m - 10)\">validation MSE (score)</text>"
        svg += "<line x1=\"\(m)\" y1=\"\(y(chance))\" x2=\"\(w - m)\" y2=\"\(y(chance))\" stroke=\"gray\" stroke-dasharray=\"4 3\"/><text x=\"\(w - m - 40)\" y=\"\(y(chance) - 4)\" fill=\"gray\">chance</text>"
        for r in rows { svg += "<circle cx=\"\(x(Double(r.round)))\" cy=\"\(y(r.score))\" r=\"3\" fill=\"\(r.failed ? "#c33" : "#36c")\" fill-opacity=\"0.6\"/>" }
        var best: [String] = [], median: [String] = []
        for round in 0..<rounds {
            let s = rows.filter { $0.round == round }.map(\.score).sorted()
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

    public static func html(summary: [String: Any], csv: String) -> String {
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
        s += "<table><tr><th>parameter</th><th>value (internal units)</th></tr>"
        for n in names { s += "<tr><td>\(escape(n))</td><td>\(params[n].map { String(format: "%.4g", $0) } ?? "-")</td></tr>" }
        s += "</table><h2>Score per round</h2><p>Every evaluated parameter set (red: failed the magnitude rule), the best and median per round, and chance.</p>"
        s += scorePlot(rows)
        s += "<p>Not in this report yet: rasters of the best network, readout output against the target per condition, and the state trajectory's principal components.</p>"
        return s + "</body></html>\n"
    }
}
