import BRCDriver
import BRCIR
@testable import BRCPlot
import Foundation
import XCTest

/// `brcc run` draws its Displays (or output files) and event rasters as SVG with an index page.
final class PlotTests: XCTestCase {
    private func count(_ needle: String, in text: String) -> Int { text.components(separatedBy: needle).count - 1 }

    /// Ex5 declares four Displays; brcc plots their lines, one polyline each, with the
    /// Display's title, its time unit and the lines' scales as the axis labels.
    func testDisplaysOfAStandardExample() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("brcc-plots-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: out) }
        let (ir, warnings) = try Driver.check(TestPaths.sharedFile("neuroml/LEMSexamples/LEMS_NML2_Ex5_DetCell.xml"))
        XCTAssertFalse(warnings.contains { $0.id == "BRC-W0508" }, "every line is recorded (the cell's spiking too)")
        let displays = try XCTUnwrap(ir.simulation?.displays)
        XCTAssertEqual(displays.count, 4)
        let r = try Driver.run(ir, outDir: out, cache: TestPaths.cache, plots: true)
        let index = try String(contentsOf: out.appendingPathComponent("plots/index.html"), encoding: .utf8)
        XCTAssertTrue(r.files.contains { $0.lastPathComponent == "index.html" })
        for (k, d) in displays.enumerated() where !d.lines.isEmpty {
            XCTAssertTrue(index.contains("display_\(k).svg"), "index links display \(k)")
            let svg = try String(contentsOf: out.appendingPathComponent("plots/display_\(k).svg"), encoding: .utf8)
            XCTAssertTrue(svg.contains(">\(xmlEscaped(d.title))</text>"), "title of display \(k)")
            XCTAssertTrue(svg.contains("class=\"xlabel\"") && svg.contains(">time (ms)</text>"))
            XCTAssertEqual(count("<polyline class=\"series\"", in: svg), d.lines.count, "one polyline per line of display \(k)")
            XCTAssertEqual(count("<text x=", in: svg.components(separatedBy: "<g class=\"legend\">").last ?? ""), d.lines.count, "a legend entry per line")
            XCTAssertGreaterThanOrEqual(count("<text", in: svg.components(separatedBy: "<g class=\"yticks\"").last ?? ""), 3, "labelled y ticks")
        }
        // The voltage display: v in mV (scale 1mV) and spiking in its scale (0.1V), within the
        // Display's declared range.
        let v = try String(contentsOf: out.appendingPathComponent("plots/display_0.svg"), encoding: .utf8)
        XCTAssertTrue(v.contains("class=\"ylabel\"") && v.contains("(each line in its scale: v 1mV, spiking 0.1V)</text>"), "the y axis names the lines' units")
        XCTAssertTrue(v.contains(">-50</text>") || v.contains(">-60</text>"), "y ticks in mV")

        // Another simulation into the same folder (Ex0: one Display) replaces the figures: Ex5's
        // display_1..3.svg go, a file of someone else's stays.
        let own = out.appendingPathComponent("plots/notes.svg")
        try Data("<svg/>".utf8).write(to: own)
        let (ex0, _) = try Driver.check(TestPaths.sharedFile("neuroml/LEMSexamples/LEMS_NML2_Ex0_IaF.xml"))
        _ = try Driver.run(ex0, outDir: out, cache: TestPaths.cache, plots: true)
        let left = try FileManager.default.contentsOfDirectory(atPath: out.appendingPathComponent("plots").path).sorted()
        XCTAssertEqual(left, ["display_0.svg", "index.html", "notes.svg"])
    }

    /// A Display line brcc cannot record (a cell's caConcExt) is left out of its plot with
    /// one warning at the Display, naming the line; the run and the other lines go on.
    func testAnUnrecordableLineIsAWarning() throws {
        var text = try standardExampleText("Ex5_DetCell")
        let line = "<Line id=\"spiking\" quantity=\"hhpop[0]/spiking\""
        XCTAssertNotNil(text.range(of: line))
        text = text.replacingOccurrences(of: line, with: "<Line id=\"area\" quantity=\"hhpop[0]/caConcExt\" scale=\"1mM\"/>" + line)
        let path = try writeModel(text, "Ex5.xml", label: "plots")
        let (ir, warnings) = try Driver.check(path)
        let unrecorded = warnings.filter { $0.id == "BRC-W0508" }
        XCTAssertEqual(unrecorded.count, 1)
        XCTAssertTrue(unrecorded.first?.message.hasSuffix("left out of its plot: hhpop[0]/caConcExt") ?? false, "\(unrecorded)")
        XCTAssertEqual(ir.simulation?.displays.first?.lines.map(\.id), ["v", "spiking"])
    }

    /// A Display's attributes are LEMS parameters: a range or scale that does not parse is an
    /// error, not a silently fitted axis or a scale of 1; a range out of order and a colour
    /// that is not #rrggbb are warnings; a Line's own timeScale overrides its Display's.
    /// (A Line's timeScale="1" of TheVirtualBrainShowcase's Kuramoto model was BRC-E0106 for a
    /// session; the external corpus found it.)
    func testDisplayAttributesAreChecked() throws {
        let text = try standardExampleText("Ex5_DetCell")
        let display = "timeScale=\"1ms\" xmin=\"0\" xmax=\"300\" ymin=\"-90\" ymax=\"50\""
        let line = "<Line id=\"v\" quantity=\"hhpop[0]/v\" scale=\"1mV\" color=\"#cccccc\" timeScale=\"1ms\"/>"
        XCTAssertNotNil(text.range(of: display))
        XCTAssertNotNil(text.range(of: line))
        func variant(_ name: String, display d: String = display, line l: String = line) throws -> String {
            try writeModel(text.replacingOccurrences(of: display, with: d).replacingOccurrences(of: line, with: l), "\(name).xml", label: "display-attributes")
        }
        let (ir, warnings) = try Driver.check(try variant("ok", display: display.replacingOccurrences(of: "xmax=\"300\"", with: "xmax=\"-1\""),
                                                          line: line.replacingOccurrences(of: "#cccccc", with: "#ccccccc").replacingOccurrences(of: "timeScale=\"1ms\"", with: "timeScale=\"1s\"")))
        XCTAssertEqual(warnings.filter { $0.id == "BRC-W0134" }.count, 2, "\(warnings)")
        let d = try XCTUnwrap(ir.simulation?.displays.first)
        XCTAssertNil(d.xRange, "xmax below xmin: fitted")
        XCTAssertEqual(d.yRange, -90...50)
        XCTAssertNil(d.lines[0].colour)
        XCTAssertEqual(d.lines[0].timeScale, 1000, "the line's own 1 s, in ms")
        XCTAssertEqual(d.lines[1].colour, "#004040")
        for (name, d, l, id) in [("xmin", display.replacingOccurrences(of: "xmin=\"0\"", with: "xmin=\"zero\""), line, "BRC-E0104"),
                                 ("scale", display, line.replacingOccurrences(of: "scale=\"1mV\"", with: "scale=\"1 millivolt\""), "BRC-E0105"),
                                 ("zero", display, line.replacingOccurrences(of: "scale=\"1mV\"", with: "scale=\"0mV\""), "BRC-E0124"),
                                 ("time", display.replacingOccurrences(of: "timeScale=\"1ms\"", with: "timeScale=\"1mV\""), line, "BRC-E0106")] {
            XCTAssertEqual(modelErrors(try variant(name, display: d, line: l)).map { String($0.prefix(9)) }, [id], name)
        }
        // A Line's timeScale is of any dimension in LEMS: a number is taken in SI (seconds), as
        // jLEMS takes TheVirtualBrainShowcase's timeScale="1"; another dimension is a warning.
        let (number, _) = try Driver.check(try variant("number", line: line.replacingOccurrences(of: "timeScale=\"1ms\"", with: "timeScale=\"1\"")))
        XCTAssertEqual(number.simulation?.displays.first?.lines[0].timeScale, 1000)
        let (voltage, voltageWarnings) = try Driver.check(try variant("voltage", line: line.replacingOccurrences(of: "timeScale=\"1ms\"", with: "timeScale=\"1mV\"")))
        XCTAssertNil(voltage.simulation?.displays.first?.lines[0].timeScale)
        XCTAssertEqual(voltageWarnings.filter { $0.id == "BRC-W0134" }.count, 1, "\(voltageWarnings)")
    }

    /// Without Displays, each output file is plotted (all columns) and each event output file
    /// gets a raster with one mark per spike.
    func testOutputsAndRasterWithoutDisplays() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("brcc-plots-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: out) }
        var (ir, _) = try Driver.check(TestPaths.model("models/brc/LEMS_cue_dend_nmda.xml"))
        ir.simulation?.duration = 300
        let sim = try XCTUnwrap(ir.simulation)
        XCTAssertTrue(sim.displays.isEmpty)
        let r = try Driver.run(ir, outDir: out, cache: TestPaths.cache, plots: true)
        for (k, f) in sim.outputs.enumerated() {
            let svg = try String(contentsOf: out.appendingPathComponent("plots/output_\(k).svg"), encoding: .utf8)
            XCTAssertEqual(count("<polyline class=\"series\"", in: svg), f.columns.count)
            XCTAssertTrue(svg.contains(">membrane potential (mV)</text>"))
        }
        XCTAssertFalse(sim.eventOutputs.isEmpty)
        let recorded = Set(sim.eventOutputs[0].sources)
        let spikes = r.spikes.filter { recorded.contains($0.1) }.count
        XCTAssertGreaterThan(spikes, 0)
        let raster = try String(contentsOf: out.appendingPathComponent("plots/events_0.svg"), encoding: .utf8)
        XCTAssertEqual(count("v", in: raster.components(separatedBy: "d=\"").dropFirst().first?.components(separatedBy: "\"").first ?? ""), spikes,
                       "one tick per recorded spike")
    }

    func testTicksAreRoundNumbers() {
        XCTAssertEqual(Ticks(lo: -90, hi: 50).values, [-80, -60, -40, -20, 0, 20, 40])
        XCTAssertEqual(Ticks(lo: 0, hi: 300).labels, ["0", "50", "100", "150", "200", "250", "300"])
        XCTAssertEqual(Ticks(lo: -0.1, hi: 1.1).labels, ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"])
        XCTAssertEqual(Ticks(lo: 0.001, hi: 0.0042).labels, ["0.0010", "0.0015", "0.0020", "0.0025", "0.0030", "0.0035", "0.0040"])
        // Ranges a model's Display may give: too wide for a step (once a crash of brcc run),
        // too narrow, reversed, not finite: the ends, or none.
        XCTAssertEqual(Ticks(lo: -1e308, hi: 1e308).values, [-1e308, 1e308])
        let subnormal = Double(bitPattern: 202)  // about 1e-321, a subnormal
        XCTAssertEqual(Ticks(lo: 0, hi: subnormal).values, [0, subnormal])
        XCTAssertEqual(Ticks(lo: 5, hi: 1).values, [5])
        XCTAssertEqual(Ticks(lo: .nan, hi: 1).values, [])
        // An axis of rounds: whole numbers only (the report's score plot had ticks at -0.5, 0.5, ...).
        XCTAssertEqual(Ticks(lo: -0.5, hi: 2.5).values, [-0.5, 0, 0.5, 1, 1.5, 2, 2.5])
        XCTAssertEqual(Ticks(lo: -0.5, hi: 2.5, integers: true).labels, ["0", "1", "2"])
        XCTAssertEqual(Ticks(lo: -0.5, hi: 99.5, integers: true).labels, ["0", "20", "40", "60", "80"])
        let wide = LineChart(title: "t", xLabel: "x", yLabel: "y", series: [.init(label: "s", colour: "#000000", x: [0, 1], y: [0, 1])],
                             xRange: -1e308...1e308, yRange: -1e308...1e308).svg
        XCTAssertTrue(wide.hasSuffix("</svg>\n"))
    }

    /// A legend of more lines than the figure's height holds ends in "… N more" inside the
    /// figure (an audit found 300 lines' legend running 50 px past its bottom); a long label or
    /// title is cut with "…" and given whole as a tooltip.
    func testLegendAndTitleStayInsideTheFigure() throws {
        let long = String(repeating: "x", count: 201)
        let series = (0..<300).map { LineChart.Series(label: $0 == 0 ? long : "c\($0)", colour: "#000000", x: [0, 1], y: [0, Double($0)]) }
        let chart = LineChart(title: String(repeating: "T", count: 3000), xLabel: "x", yLabel: "y", series: series)
        let svg = chart.svg
        let legend = try XCTUnwrap(svg.components(separatedBy: "<g class=\"legend\">").last)
        let ys = legend.components(separatedBy: " y=\"").dropFirst().compactMap { Double($0.prefix { $0 != "\"" }) }
        XCTAssertFalse(ys.isEmpty)
        XCTAssertLessThanOrEqual(ys.max()!, chart.height, "every legend row inside the figure")
        XCTAssertTrue(legend.contains("more</text>"), legend)
        let shown = count("<text x=", in: legend) - 1
        XCTAssertTrue(legend.contains("… \(300 - shown) more"), legend)
        XCTAssertTrue(legend.contains("<title>\(long)</title>\(String(repeating: "x", count: 29))…</text>"), "a long label is cut, whole in its tooltip")
        XCTAssertLessThanOrEqual(chart.legendWidth(notes: chart.series.map(LineChart.notFinite)), 24 + 7.0 * 30)
        let title = try XCTUnwrap(svg.components(separatedBy: "font-weight=\"bold\">").dropFirst().first?.components(separatedBy: "</text>").first)
        XCTAssertLessThan(title.count, 100, "the title is cut to the width")
        XCTAssertTrue(svg.contains("<title>\(String(repeating: "T", count: 3000))</title>"))
        XCTAssertEqual(count("<polyline", in: svg), 300, "every line is drawn")
    }

    /// Points that are not finite are left out of a line, and its legend entry says how many.
    func testTheLegendSaysWhatIsNotFinite() {
        let svg = LineChart(title: "t", xLabel: "x", yLabel: "y", series: [
            .init(label: "some", colour: "#000000", x: [0, 1, 2], y: [0, .nan, 1]),
            .init(label: "none", colour: "#000000", x: [0, 1], y: [.infinity, .nan]),
            .init(label: "all", colour: "#000000", x: [0, 1], y: [0, 1]),
        ]).svg
        XCTAssertTrue(svg.contains(">some (1 not finite, left out)</text>"), svg)
        XCTAssertTrue(svg.contains(">none (no finite value)</text>"), svg)
        XCTAssertTrue(svg.contains(">all</text>"), svg)
    }

    /// A point whose x is not finite is left out too, and values without a partner (a y list
    /// shorter or longer than its x list) are not drawn rather than read out of range; the
    /// axes fit the points drawn, not the values left out.
    func testNonFiniteXAndUnpairedValuesAreLeftOut() throws {
        let svg = LineChart(title: "t", xLabel: "x", yLabel: "y", series: [
            .init(label: "x", colour: "#000000", x: [0, .nan, 2], y: [0, 50, 1]),
            .init(label: "short", colour: "#000000", x: [0, 1, 100], y: [0, 1]),
            .init(label: "scatter", colour: "#000000", x: [0, 1], y: [0, 1, 2], points: true),
        ]).svg
        XCTAssertTrue(svg.contains(">x (1 not finite, left out)</text>"), svg)
        XCTAssertFalse(svg.contains("nan"), svg)
        let lines = svg.split(separator: "\n").filter { $0.hasPrefix("<polyline") }
        XCTAssertEqual(lines.count, 2)
        XCTAssertEqual(lines.map { $0.split(separator: "\"")[3].split(separator: " ").count }, [2, 2], "two drawn points each")
        let scatter = try XCTUnwrap(svg.split(separator: "\n").first { $0.hasPrefix("<g class=\"series\"") })
        XCTAssertEqual(count("<circle", in: String(scatter)), 2)
        XCTAssertFalse(svg.contains(">100.0<") || svg.contains(">50.0<") || svg.contains(">100<") || svg.contains(">50<"),
                       "axes stretched to values not drawn: \(svg)")
        XCTAssertTrue(svg.contains(">2.0</text>") && svg.contains(">1.0</text>"), svg)
    }

    func testModelTextIsEscapedInFigures() {
        let svg = LineChart(title: "a <script>&\"", xLabel: "x", yLabel: "y", series: [.init(label: "</svg>", colour: "#000000", x: [0, 1], y: [0, 1])]).svg
        XCTAssertFalse(svg.contains("<script>"))
        XCTAssertTrue(svg.contains(">&lt;/svg&gt;</text>"), "the legend label is escaped")
        XCTAssertEqual(svg.components(separatedBy: "</svg>").count - 1, 1, "only the document's own closing tag")
        XCTAssertTrue(svg.contains("a &lt;script&gt;&amp;&quot;"))
    }
}

/// `--gates forward-euler`: what NEURON does with a stock jNeuroML export.
final class GateIntegrationTests: XCTestCase {
    /// Ex5 at dt 0.025 ms against the stock export run in NEURON (a fixture written by
    /// tools/stock_neuron_compare.sh): forward-Euler gates reproduce it to rounding, exact gates
    /// differ by most of a millisecond in spike time.
    func testForwardEulerGatesMatchAStockExport() throws {
        var (ir, _) = try Driver.check(TestPaths.sharedFile("neuroml/LEMSexamples/LEMS_NML2_Ex5_DetCell.xml"))
        ir.simulation?.dt = 0.025
        let stock = try String(contentsOf: TestPaths.repo.appendingPathComponent("Tests/BRCTests/Fixtures/stock_export/ex5_v_dt0.025.dat"), encoding: .utf8)
            .split(separator: "\n").map { $0.split(whereSeparator: { $0 == " " || $0 == "\t" }).compactMap { Double($0) } }.filter { $0.count >= 2 }
        XCTAssertGreaterThan(stock.count, 1000)
        func worst(_ model: IRModel) throws -> Double {
            let r = try Driver.run(model, outDir: nil, cache: TestPaths.cache)
            let table = r.recorder.table(0)
            var worst = 0.0
            for row in stock {
                let k = Int((row[0] * 1000 / 0.025).rounded())
                XCTAssertEqual(table[k][0], row[0], accuracy: 1e-9)
                worst = max(worst, abs(table[k][1] - row[1]) * 1000)
            }
            return worst
        }
        let euler = try worst(ir.integratingGates(.forwardEuler)), exact = try worst(ir)
        print("Ex5 at dt 0.025 against the stock export: forward-Euler gates worst |dv| \(euler) mV, exact gates \(exact) mV")
        XCTAssertLessThan(euler, 1e-3, "forward-Euler gates are what NEURON runs on a stock export (the file has 7 significant digits)")
        XCTAssertGreaterThan(exact, 1, "exact gates differ visibly (spikes shift by ~1 ms)")
    }

    /// A LEMS cell whose TimeDerivative reads a DerivedVariable (Hindmarsh-Rose's
    /// y' = chi / SEC, chi = c - d x^2 - y): NEURON advances y by forward Euler (the export
    /// computes the rate in rates(), where cnexp cannot see that it is linear), jLEMS too, and
    /// so does brcc, in either gate mode. A TimeDerivative that reads only states and
    /// parameters (z) is integrated exactly, as cnexp does.
    func testALEMSRateThatReadsADerivedVariableIsIntegratedAsNEURONDoes() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("brcc-gates-lems-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("m.xml").path
        try """
        <Lems>
          <Target component="sim1"/>
          <ComponentType name="twoRates">
            <Parameter name="c" dimension="none"/>
            <Constant name="SEC" dimension="time" value="1s"/>
            <Exposure name="y" dimension="none"/>
            <Exposure name="z" dimension="none"/>
            <Dynamics>
              <StateVariable name="y" dimension="none" exposure="y"/>
              <StateVariable name="z" dimension="none" exposure="z"/>
              <DerivedVariable name="chi" dimension="none" value="c - y"/>
              <TimeDerivative variable="y" value="chi / SEC"/>
              <TimeDerivative variable="z" value="(c - z) / SEC"/>
            </Dynamics>
          </ComponentType>
          <Component id="cell" type="twoRates" c="-2"/>
          <network id="net1"><population id="pop" component="cell" size="1"/></network>
          <Simulation id="sim1" length="1000ms" step="100ms" target="net1">
            <OutputFile id="of0" fileName="yz.dat"><OutputColumn id="y" quantity="pop[0]/y"/><OutputColumn id="z" quantity="pop[0]/z"/></OutputFile>
          </Simulation>
        </Lems>
        """.write(toFile: path, atomically: true, encoding: .utf8)
        let (ir, _) = try Driver.check(path)
        func rows(_ m: IRModel) throws -> [[Double]] { try Driver.run(m, outDir: nil, cache: TestPaths.cache).recorder.table(0) }
        let exact = try rows(ir), euler = try rows(ir.integratingGates(.forwardEuler))
        XCTAssertEqual(exact.count, 11)
        for n in 0..<11 {
            let exp = -2 * (1 - Foundation.exp(-0.1 * Double(n)))  // y(0) = z(0) = 0 -> c
            let fe = -2 * (1 - pow(0.9, Double(n)))                // y += 0.1 (c - y)
            XCTAssertEqual(exact[n][1], fe, accuracy: 1e-12, "y by forward Euler at step \(n)")
            XCTAssertEqual(exact[n][2], exp, accuracy: 1e-12, "exact z at step \(n)")
            XCTAssertEqual(euler[n][1], fe, accuracy: 1e-12, "y by forward Euler with forward-Euler gates at step \(n)")
            XCTAssertEqual(euler[n][2], exp, accuracy: 1e-12, "z keeps its exact update at step \(n)")
        }
    }
}
