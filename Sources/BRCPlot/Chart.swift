import Foundation

/// A line chart as a standalone SVG document: title, axes with ticks and labelled units, one
/// polyline per series, and a legend beside the plot area (never over the lines).
public struct LineChart: Sendable {
    /// One line: its legend label, colour (`#rrggbb`) and points (non-finite ones are left out
    /// and counted in the legend).
    public struct Series: Sendable {
        /// The legend text (shortened in the legend past `legendLabelLength` characters).
        public var label: String
        /// The colour of the line or points, as SVG writes it (`#rrggbb`).
        public var colour: String
        /// The points' x values, in the x axis's unit.
        public var x: [Double]
        /// The points' y values, one for each x value, in the y axis's unit.
        public var y: [Double]
        /// Draw the line dashed (a series drawn as points ignores it).
        public var dashed: Bool
        /// Draw the points (a scatter) instead of a line.
        public var points: Bool
        /// Makes a series; by default a solid line.
        public init(label: String, colour: String, x: [Double], y: [Double], dashed: Bool = false, points: Bool = false) {
            self.label = label; self.colour = colour; self.x = x; self.y = y; self.dashed = dashed; self.points = points
        }
        /// The number of points: pairs of an x and a y value (an unpaired value is left out).
        var pointCount: Int { min(x.count, y.count) }
        /// Whether point `i` has a finite x and y (others are left out of the chart).
        func isFinite(_ i: Int) -> Bool { x[i].isFinite && y[i].isFinite }
    }
    /// A horizontal reference line (e.g. chance).
    public struct Guide: Sendable {
        /// The legend text, and the line's height in the y axis's unit.
        public var label: String, y: Double
        /// Makes a guide from its fields.
        public init(label: String, y: Double) { self.label = label; self.y = y }
    }

    /// The title, drawn above the plot (cut to the width) and kept whole as the SVG's `<title>`.
    public var title: String
    /// The x axis's label, e.g. `time (ms)` or `round`.
    public var xLabel: String
    /// The y axis's label, e.g. `membrane potential (mV)`.
    public var yLabel: String
    /// The lines or scatters, in legend order.
    public var series: [Series]
    /// The x axis's range; nil fits it to the series' finite x values (`range`).
    public var xRange: ClosedRange<Double>?
    /// The y axis's range; nil fits it to the series' finite y values and the guides (`range`).
    public var yRange: ClosedRange<Double>?
    /// Horizontal reference lines, listed in the legend after the series.
    public var guides: [Guide] = []
    /// The SVG's size in pixels.
    public var width = 640.0, height = 320.0
    /// Whether x is a count (rounds): ticks at whole numbers only.
    public var integerX = false

    /// Makes a chart of 640 x 320 pixels without guides; nil ranges are fitted to the data.
    public init(title: String, xLabel: String, yLabel: String, series: [Series], xRange: ClosedRange<Double>? = nil, yRange: ClosedRange<Double>? = nil) {
        self.title = title; self.xLabel = xLabel; self.yLabel = yLabel; self.series = series; self.xRange = xRange; self.yRange = yRange
    }

    /// Layout: margins for tick labels, axis labels and the legend column.
    /// The legend column's width, with `notes` (`notFinite`, one per series) after the labels.
    func legendWidth(notes: [String]) -> Double {
        let widths = zip(series, notes).map { min($0.label.count, Self.legendLabelLength) + $1.count } + guides.map { min($0.label.count, Self.legendLabelLength) }
        return series.isEmpty && guides.isEmpty ? 0 : 24 + 7.0 * Double(widths.max() ?? 0)
    }
    /// What a legend entry adds when points of its series are not finite (left out of the line).
    static func notFinite(_ ser: Series) -> String {
        let count = ser.pointCount
        let missing = (0..<count).filter { !ser.isFinite($0) }.count
        return missing == 0 ? "" : missing == count ? " (no finite value)" : " (\(missing) not finite, left out)"
    }
    /// The longest legend label shown whole (longer ones end in "…", whole in a tooltip).
    static let legendLabelLength = 30
    /// How many legend rows of 14 px fit between the top and the bottom edge.
    var legendRows: Int { max(1, Int((height - 4 - (top + 8)) / 14) + 1) }
    var left: Double { 64 }
    var top: Double { 30 }
    var bottom: Double { height - 42 }

    /// The range of `values` with a 4 % margin (a unit either side of a constant).
    public static func range(_ values: [Double]) -> ClosedRange<Double> {
        let finite = values.filter(\.isFinite)
        guard let lo = finite.min(), let hi = finite.max() else { return 0...1 }
        if hi > lo { let pad = (hi - lo) * 0.04; return (lo - pad)...(hi + pad) }
        return (lo - max(abs(lo) * 0.1, 1))...(hi + max(abs(hi) * 0.1, 1))
    }

    /// The chart as a standalone SVG document.
    public var svg: String {
        // The axes fit the points drawn (finite pairs), and the guides.
        let drawn = series.map { s in (0..<s.pointCount).filter(s.isFinite) }
        let xr = xRange ?? LineChart.range(zip(series, drawn).flatMap { s, idx in idx.map { s.x[$0] } })
        let yr = yRange ?? LineChart.range(zip(series, drawn).flatMap { s, idx in idx.map { s.y[$0] } } + guides.map(\.y))
        // The right edge depends on the legend's labels and notes (which read every value):
        // computed once, not per point or tick.
        let notes = series.map(Self.notFinite)
        let right = width - 12 - legendWidth(notes: notes)
        func px(_ x: Double) -> Double { left + (right - left) * (x - xr.lowerBound) / (xr.upperBound - xr.lowerBound) }
        func py(_ y: Double) -> Double { bottom - (bottom - top) * (y - yr.lowerBound) / (yr.upperBound - yr.lowerBound) }
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" font-family=\"sans-serif\" font-size=\"11\">\n"
        s += "<title>\(xmlEscaped(title))</title>\n"
        // (At about 7.5 px a character, what fits the width; the whole title is the <title>.)
        s += "<text class=\"title\" x=\"\(f1(left))\" y=\"18\" font-size=\"13\" font-weight=\"bold\">\(xmlEscaped(clipped(title, Int((width - left) / 7.5))))</text>\n"
        s += axes(xr: xr, yr: yr, px: px, py: py, right: right)
        s += "<clipPath id=\"plot\"><rect x=\"\(f1(left))\" y=\"\(f1(top))\" width=\"\(f1(right - left))\" height=\"\(f1(bottom - top))\"/></clipPath>\n"
        for g in guides {
            s += "<line class=\"guide\" x1=\"\(f1(left))\" y1=\"\(f1(py(g.y)))\" x2=\"\(f1(right))\" y2=\"\(f1(py(g.y)))\" stroke=\"#888\" stroke-dasharray=\"4 3\"/>\n"
        }
        for ser in series {
            let idx = LineChart.thinned(ser.pointCount)
            if ser.points {
                s += "<g class=\"series\" fill=\"\(ser.colour)\" fill-opacity=\"0.7\" clip-path=\"url(#plot)\">"
                for i in idx where ser.isFinite(i) { s += "<circle cx=\"\(f1(px(ser.x[i])))\" cy=\"\(f1(py(ser.y[i])))\" r=\"2.5\"/>" }
                s += "</g>\n"
            } else {
                let pts = idx.filter(ser.isFinite).map { "\(f1(px(ser.x[$0]))),\(f1(py(ser.y[$0])))" }.joined(separator: " ")
                s += "<polyline class=\"series\" points=\"\(pts)\" fill=\"none\" stroke=\"\(ser.colour)\" stroke-width=\"1.3\"\(ser.dashed ? " stroke-dasharray=\"5 3\"" : "") clip-path=\"url(#plot)\"/>\n"
            }
        }
        s += legend(right: right, notes: notes)
        return s + "</svg>\n"
    }

    func axes(xr: ClosedRange<Double>, yr: ClosedRange<Double>, px: (Double) -> Double, py: (Double) -> Double, right: Double) -> String {
        var s = "<g class=\"axes\" stroke=\"black\"><line x1=\"\(f1(left))\" y1=\"\(f1(bottom))\" x2=\"\(f1(right))\" y2=\"\(f1(bottom))\"/>"
        s += "<line x1=\"\(f1(left))\" y1=\"\(f1(top))\" x2=\"\(f1(left))\" y2=\"\(f1(bottom))\"/></g>\n"
        let xt = Ticks(lo: xr.lowerBound, hi: xr.upperBound, integers: integerX), yt = Ticks(lo: yr.lowerBound, hi: yr.upperBound)
        s += "<g class=\"xticks\" text-anchor=\"middle\">"
        for (v, l) in zip(xt.values, xt.labels) {
            s += "<line x1=\"\(f1(px(v)))\" y1=\"\(f1(bottom))\" x2=\"\(f1(px(v)))\" y2=\"\(f1(bottom + 4))\" stroke=\"black\"/><text x=\"\(f1(px(v)))\" y=\"\(f1(bottom + 15))\">\(l)</text>"
        }
        s += "</g>\n<g class=\"yticks\" text-anchor=\"end\">"
        for (v, l) in zip(yt.values, yt.labels) {
            s += "<line x1=\"\(f1(left - 4))\" y1=\"\(f1(py(v)))\" x2=\"\(f1(left))\" y2=\"\(f1(py(v)))\" stroke=\"black\"/>"
            s += "<line x1=\"\(f1(left))\" y1=\"\(f1(py(v)))\" x2=\"\(f1(right))\" y2=\"\(f1(py(v)))\" stroke=\"#eee\"/><text x=\"\(f1(left - 6))\" y=\"\(f1(py(v) + 4))\">\(l)</text>"
        }
        s += "</g>\n"
        s += "<text class=\"xlabel\" x=\"\(f1((left + right) / 2))\" y=\"\(f1(height - 8))\" text-anchor=\"middle\">\(xmlEscaped(xLabel))</text>\n"
        s += "<text class=\"ylabel\" x=\"14\" y=\"\(f1((top + bottom) / 2))\" text-anchor=\"middle\" transform=\"rotate(-90 14 \(f1((top + bottom) / 2)))\">\(xmlEscaped(yLabel))</text>\n"
        return s
    }

    /// The legend beside the plot, whose right edge is `right`; `notes` as in `legendWidth`.
    func legend(right: Double, notes: [String]) -> String {
        guard !(series.isEmpty && guides.isEmpty) else { return "" }
        var s = "<g class=\"legend\">"
        let x = right + 14
        var y = top + 8
        // As many rows as the height holds: the guides, the series that fit and a "… N more" row.
        let guidesShown = min(guides.count, legendRows)
        let seriesShown = series.count + guidesShown <= legendRows ? series.count : max(0, legendRows - guidesShown - 1)
        func label(_ text: String) -> String {
            let shown = xmlEscaped(clipped(text, Self.legendLabelLength))
            return text.count > Self.legendLabelLength ? "<title>\(xmlEscaped(text))</title>\(shown)" : shown
        }
        for (ser, note) in zip(series, notes).prefix(seriesShown) {
            s += ser.points ? "<circle cx=\"\(f1(x + 8))\" cy=\"\(f1(y - 4))\" r=\"3\" fill=\"\(ser.colour)\"/>"
                : "<line x1=\"\(f1(x))\" y1=\"\(f1(y - 4))\" x2=\"\(f1(x + 16))\" y2=\"\(f1(y - 4))\" stroke=\"\(ser.colour)\" stroke-width=\"2\"\(ser.dashed ? " stroke-dasharray=\"5 3\"" : "")/>"
            s += "<text x=\"\(f1(x + 20))\" y=\"\(f1(y))\">\(label(ser.label))\(note)</text>"
            y += 14
        }
        if seriesShown < series.count { s += "<text x=\"\(f1(x))\" y=\"\(f1(y))\">… \(series.count - seriesShown) more</text>"; y += 14 }
        for g in guides.prefix(guidesShown) {
            s += "<line x1=\"\(f1(x))\" y1=\"\(f1(y - 4))\" x2=\"\(f1(x + 16))\" y2=\"\(f1(y - 4))\" stroke=\"#888\" stroke-dasharray=\"4 3\"/><text x=\"\(f1(x + 20))\" y=\"\(f1(y))\">\(label(g.label))</text>"
            y += 14
        }
        return s + "</g>\n"
    }

    /// Indices of at most about `limit` evenly spaced points of `count`, the last included: a
    /// polyline needs no more points than its width in pixels has.
    public static func thinned(_ count: Int, limit: Int = 1200) -> [Int] {
        guard count > 0 else { return [] }
        let step = max(1, count / limit)
        var idx = Array(stride(from: 0, to: count, by: step))
        if idx.last != count - 1 { idx.append(count - 1) }
        return idx
    }
}

/// A spike raster as a standalone SVG document: one row per cell, groups (populations or
/// files) stacked and labelled, time on the x axis.
public struct Raster: Sendable {
    /// A labelled group of rows (a population, or an event file).
    public struct Group: Sendable {
        /// The group's name, drawn left of its rows.
        public var label: String
        /// How many rows the group takes, whether or not they spike.
        public var rows: Int
        /// (time, row within the group).
        public var spikes: [(Double, Int)]
        /// Makes a group from its fields.
        public init(label: String, rows: Int, spikes: [(Double, Int)]) { self.label = label; self.rows = rows; self.spikes = spikes }
    }
    /// The title, drawn above the plot (cut to the width) and kept whole as the SVG's `<title>`.
    public var title: String
    /// The time axis's label, with the unit of the spike times (callers give ms).
    public var timeLabel: String
    /// The end of the time axis, in the unit of the spike times; the axis starts at 0.
    public var duration: Double
    /// The groups, stacked from the top in this order.
    public var groups: [Group]
    /// A vertical marker (e.g. the end of the burn-in), with its label.
    public var marker: (label: String, time: Double)?
    /// The SVG's size in pixels.
    public var width = 640.0, height = 320.0

    /// Makes a raster of 640 x 320 pixels without a marker.
    public init(title: String, timeLabel: String, duration: Double, groups: [Group]) {
        self.title = title; self.timeLabel = timeLabel; self.duration = duration; self.groups = groups
    }

    /// The raster as a standalone SVG document.
    public var svg: String {
        let left = 90.0, right = width - 12, top = 30.0, bottom = height - 42
        let total = max(groups.map(\.rows).reduce(0, +), 1)
        func px(_ t: Double) -> Double { left + (right - left) * t / max(duration, 1e-12) }
        func py(_ r: Int) -> Double { top + (bottom - top) * (Double(r) + 0.5) / Double(total) }
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" font-family=\"sans-serif\" font-size=\"11\">\n"
        s += "<title>\(xmlEscaped(title))</title>\n<text class=\"title\" x=\"\(f1(left))\" y=\"18\" font-size=\"13\" font-weight=\"bold\">\(xmlEscaped(clipped(title, Int((width - left) / 7.5))))</text>\n"
        s += "<g class=\"axes\" stroke=\"black\"><line x1=\"\(f1(left))\" y1=\"\(f1(bottom))\" x2=\"\(f1(right))\" y2=\"\(f1(bottom))\"/><line x1=\"\(f1(left))\" y1=\"\(f1(top))\" x2=\"\(f1(left))\" y2=\"\(f1(bottom))\"/></g>\n"
        let xt = Ticks(lo: 0, hi: duration)
        s += "<g class=\"xticks\" text-anchor=\"middle\">"
        for (v, l) in zip(xt.values, xt.labels) {
            s += "<line x1=\"\(f1(px(v)))\" y1=\"\(f1(bottom))\" x2=\"\(f1(px(v)))\" y2=\"\(f1(bottom + 4))\" stroke=\"black\"/><text x=\"\(f1(px(v)))\" y=\"\(f1(bottom + 15))\">\(l)</text>"
        }
        s += "</g>\n<text class=\"xlabel\" x=\"\(f1((left + right) / 2))\" y=\"\(f1(height - 8))\" text-anchor=\"middle\">\(xmlEscaped(timeLabel))</text>\n"
        s += "<text class=\"ylabel\" x=\"14\" y=\"\(f1((top + bottom) / 2))\" text-anchor=\"middle\" transform=\"rotate(-90 14 \(f1((top + bottom) / 2)))\">cell</text>\n"
        let tick = max((bottom - top) / Double(total) * 0.8, 1)
        var offset = 0
        for (k, g) in groups.enumerated() {
            let colour = plotPalette[k % plotPalette.count]
            let d = g.spikes.map { "M\(f1(px($0.0))) \(f1(py(offset + $0.1) - tick / 2))v\(f1(tick))" }.joined()
            s += "<path class=\"spikes\" d=\"\(d)\" stroke=\"\(colour)\" stroke-width=\"1\"/>\n"
            s += "<text x=\"\(f1(left - 6))\" y=\"\(f1(py(offset + g.rows / 2) + 4))\" text-anchor=\"end\" fill=\"\(colour)\">\(xmlEscaped(g.label))</text>\n"
            offset += g.rows
            if k < groups.count - 1 { s += "<line x1=\"\(f1(left))\" y1=\"\(f1(py(offset) - (bottom - top) / Double(total) / 2))\" x2=\"\(f1(right))\" y2=\"\(f1(py(offset) - (bottom - top) / Double(total) / 2))\" stroke=\"#ddd\"/>\n" }
        }
        if let m = marker {
            s += "<line class=\"marker\" x1=\"\(f1(px(m.time)))\" y1=\"\(f1(top))\" x2=\"\(f1(px(m.time)))\" y2=\"\(f1(bottom))\" stroke=\"#888\" stroke-dasharray=\"3 3\"/>"
            s += "<text x=\"\(f1(px(m.time) + 3))\" y=\"\(f1(top + 10))\" fill=\"#666\">\(xmlEscaped(m.label))</text>\n"
        }
        return s + "</svg>\n"
    }
}

/// An HTML page that shows figures (SVG files beside it) with their titles.
public enum FigurePage {
    /// The page: `title`, the `intro` paragraph, then each SVG file with its caption (all text
    /// escaped).
    public static func html(title: String, intro: String, figures: [(file: String, caption: String)]) -> String {
        var s = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>\(xmlEscaped(title))</title>"
        s += "<style>body{font-family:sans-serif;max-width:980px;margin:2em auto}figure{margin:1.5em 0}img{max-width:100%}</style></head><body>\n"
        s += "<h1>\(xmlEscaped(title))</h1>\n<p>\(xmlEscaped(intro))</p>\n"
        for f in figures {
            s += "<figure><img src=\"\(xmlEscaped(f.file))\" alt=\"\(xmlEscaped(f.caption))\"><figcaption>\(xmlEscaped(f.caption))</figcaption></figure>\n"
        }
        return s + "</body></html>\n"
    }
}
