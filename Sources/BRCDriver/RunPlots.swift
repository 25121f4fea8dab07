import BRCIR
import BRCPlot
import BRCRuntime
import Foundation

/// The figures of a `brcc run`: one per `<Display>` (or, when the simulation declares none,
/// one per OutputFile), a spike raster per EventOutputFile, and `index.html` showing them.
enum RunPlots {
    struct Figure { var file: String; var caption: String; var svg: String }

    /// What the figures plot, as output files for one recorder: the display lines, or, when
    /// the simulation declares no Display, its OutputFiles.
    static func plotted(_ sim: IRSimulation) -> [IROutputFile] {
        sim.displays.isEmpty ? sim.outputs : sim.displays.map { IROutputFile(id: $0.id, fileName: "", columns: $0.lines.map(\.column)) }
    }

    /// The figures of `plotted`, recorded (thinned) by a recorder of `plotted(sim)`.
    static func figures(_ sim: IRSimulation, plotted: Recorder, spikes: [(Double, Int)]) -> [Figure] {
        var figures: [Figure] = []
        for (k, d) in sim.displays.enumerated() where !d.lines.isEmpty {
            let table = plotted.table(k)
            let series = d.lines.enumerated().map { i, line in
                let timeScale = line.timeScale ?? d.timeScale
                return LineChart.Series(label: line.id, colour: plotColour(line.colour, index: i), x: table.map { $0[0] * 1000 / timeScale }, y: table.map { $0[i + 1] / line.scale })
            }
            let units = Set(d.lines.map(\.unit))
            let yLabel = units.count == 1 ? axisUnit(units.first!) : "value (each line in its scale: " + d.lines.map { "\($0.id) \($0.unit)" }.prefix(4).joined(separator: ", ") + ")"
            let chart = LineChart(title: d.title, xLabel: "time (\(timeUnit(d.timeScale)))", yLabel: yLabel, series: series, xRange: d.xRange, yRange: d.yRange)
            figures.append(Figure(file: "display_\(k).svg", caption: d.title, svg: chart.svg))
        }
        if sim.displays.isEmpty {
            for (k, f) in sim.outputs.enumerated() where !f.columns.isEmpty {
                let table = plotted.table(k)
                let voltages = f.columns.allSatisfy { if case .voltage = $0.probe { return true } else { return false } }
                let scale = voltages ? 1e-3 : 1
                let series = f.columns.enumerated().map { i, c in
                    LineChart.Series(label: c.id, colour: plotColour(nil, index: i), x: table.map { $0[0] * 1000 }, y: table.map { $0[i + 1] / scale })
                }
                let chart = LineChart(title: "\(f.fileName)", xLabel: "time (ms)", yLabel: voltages ? "membrane potential (mV)" : "value (SI units)", series: series)
                figures.append(Figure(file: "output_\(k).svg", caption: "OutputFile \(f.id): \(f.fileName)", svg: chart.svg))
            }
        }
        for (k, f) in sim.eventOutputs.enumerated() {
            var row: [Int: Int] = [:]
            for (i, source) in f.sources.enumerated() where row[source] == nil { row[source] = i }
            let events = spikes.compactMap { t, s in row[s].map { (t, $0) } }
            var raster = Raster(title: "spikes: \(f.fileName)", timeLabel: "time (ms)", duration: sim.duration,
                                groups: [Raster.Group(label: "\(f.sources.count) cells", rows: f.sources.count, spikes: events)])
            raster.height = max(200, min(600, 80 + 2 * Double(f.sources.count)))
            figures.append(Figure(file: "events_\(k).svg", caption: "EventOutputFile \(f.id): \(f.fileName) (\(events.count) spikes)", svg: raster.svg))
        }
        return figures
    }

    /// Writes the figures and `index.html` (last) under `directory/plots`, as streams to be put
    /// in place with the run's other files (`SimulationRun.commit`); none if there is nothing
    /// to plot.
    static func prepare(_ figures: [Figure], simulation: IRSimulation, to directory: URL) throws -> [AtomicFile.Stream] {
        guard !figures.isEmpty else { return [] }
        let folder = try OutputDirectory.file("plots/index.html", in: directory).deletingLastPathComponent()
        try AtomicFile.createFolder(folder)
        var streams = try figures.map { try AtomicFile.prepare(Data($0.svg.utf8), to: try OutputDirectory.file("plots/\($0.file)", in: directory)) }
        let page = FigurePage.html(title: "Simulation \(simulation.id)",
                                   intro: "\(figures.count) figure(s), drawn by brcc run from the simulation's Display elements (or its output files) and event outputs.",
                                   figures: figures.map { ($0.file, $0.caption) })
        streams.append(try AtomicFile.prepare(Data(page.utf8), to: try OutputDirectory.file("plots/index.html", in: directory)))
        return streams
    }

    /// Removes the figures an earlier run of another simulation left in `folder` (its
    /// `display_3.svg` beside this run's two figures): only files named as brcc names its
    /// figures, so nothing else a person put there is touched.
    static func removeStaleFigures(in folder: URL, keeping current: Set<String>) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        for name in names where !current.contains(name) && isFigureName(name) {
            try? FileManager.default.removeItem(at: folder.appendingPathComponent(name))
        }
    }

    /// Whether `name` is a figure name of `figures`: display_N.svg, output_N.svg or events_N.svg.
    static func isFigureName(_ name: String) -> Bool {
        guard name.hasSuffix(".svg") else { return false }
        let stem = name.dropLast(4)
        for prefix in ["display_", "output_", "events_"] where stem.hasPrefix(prefix) {
            let n = stem.dropFirst(prefix.count)
            return !n.isEmpty && n.allSatisfy(\.isASCII) && n.allSatisfy(\.isNumber)
        }
        return false
    }

    /// The y axis label of a line's unit: "1mV" -> "mV", "0.1V" -> "value / 0.1V".
    static func axisUnit(_ unit: String) -> String {
        guard !unit.isEmpty else { return "value (SI units)" }
        if unit.hasPrefix("1"), let first = unit.dropFirst().first, first.isLetter { return String(unit.dropFirst()) }
        return "value / \(unit)"
    }

    static func timeUnit(_ scale: Double) -> String {
        switch scale {
        case 1: return "ms"
        case 1000: return "s"
        case 0.001: return "µs"
        default: return "\(IRPrinter.num(scale)) ms"
        }
    }
}
