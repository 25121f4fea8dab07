@testable import BRCDriver
import BRCTask
import Foundation
import XCTest

/// `brcc compare`: training runs side by side, by round. The expected numbers are worked out
/// by hand from the rows below.
final class CompareTests: XCTestCase {
    /// Round 0: errors 4, 1, 3, 2.5, 0.5 (the 4 failed); round 1: 1.5, 0.2. Chance 4.
    func row(_ round: Int, _ sample: Int, _ error: Double, failed: Bool = false, rateE: Double) -> EvaluationRow {
        EvaluationRow(round: round, sample: sample, values: [0.1 * Double(sample)], score: error + (failed ? 1000 : 0),
                      validationMSE: error, chanceMSE: 4, failed: failed, meanAbsPrediction: failed ? 0.1 : 1.2, rates: ["E": rateE])
    }

    var rows: [EvaluationRow] {
        [row(0, 0, 4, failed: true, rateE: 1), row(0, 1, 1, rateE: 10), row(0, 2, 3, rateE: 20), row(0, 3, 2.5, rateE: 30),
         row(0, 4, 0.5, rateE: 40), row(1, 0, 1.5, rateE: 50), row(1, 1, 0.2, rateE: 70)]
    }

    /// Exchange units differ from the internal ones by powers of ten, and a table writes a
    /// value by moving its decimal point, so reading it back gives the same double: written as
    /// the product in binary, about 14 % of channel densities came back an ulp off (and the
    /// study network's score with them; `brcc evaluate` of a training table must reproduce it).
    func testExchangeTextReadsBackExactly() {
        XCTAssertEqual(ExchangeUnits.text(1.5155950965843619e-09, .conductanceDensity), "1.5155950965843619e-07")
        XCTAssertNotEqual(1.5155950965843619e-09 * 100 / 100, 1.5155950965843619e-09, "the binary product does not read back")
        XCTAssertEqual(ExchangeUnits.text(0.001, .conductanceDensity), "0.1")
        XCTAssertEqual(ExchangeUnits.text(2.5, .conductanceDensity), "250.0")
        XCTAssertEqual(ExchangeUnits.text(-3e-7, .conductanceDensity), "-3e-05")
        XCTAssertEqual(ExchangeUnits.text(0, .conductanceDensity), "0.0")
        XCTAssertEqual(ExchangeUnits.text(1.25e20, .conductanceDensity), "1.25e+22")
        XCTAssertEqual(ExchangeUnits.text(0.00042, .conductance), "0.00042", "a scale of 1 writes the value as it is")
        XCTAssertEqual(ExchangeUnits.internalValue("1.5155950965843619e-07", .conductanceDensity), 1.5155950965843619e-09)
        XCTAssertEqual(ExchangeUnits.internalValue("0.1", .conductanceDensity), 0.001)
        XCTAssertEqual(ExchangeUnits.internalValue("1E-3", .conductanceDensity), 1e-5)
        XCTAssertEqual(ExchangeUnits.internalValue("+.5", .conductanceDensity), 0.005)
        XCTAssertNil(ExchangeUnits.internalValue("x@y", .conductanceDensity))
        XCTAssertNil(ExchangeUnits.internalValue("nan", .conductanceDensity), "no decimal point to move")
        XCTAssertNil(ExchangeUnits.internalValue("0x1p3", .conductanceDensity), "hexadecimal: not read as 8 uS/um2")
        XCTAssertNil(ExchangeUnits.internalValue("0x1p-8", .conductance), "nor in a column of scale 1 (it was read there)")
        XCTAssertNil(ExchangeUnits.internalValue("nan", .conductance))
        XCTAssertEqual(ExchangeUnits.internalValue("2.5e-3", .conductance), 0.0025)
        var generator = SeededGenerator(seed: 13)
        for _ in 0..<20_000 {
            let x = pow(10, Double.random(in: -14 ... 3, using: &generator))
            let text = ExchangeUnits.text(x, .conductanceDensity)
            XCTAssertEqual(ExchangeUnits.internalValue(text, .conductanceDensity), x, text)
            XCTAssertEqual(Double(text)!, x * 100, accuracy: x * 100 * 1e-15, text)
            XCTAssertEqual(ExchangeUnits.text(x, .conductance), "\(x)", "as Swift writes it")
        }
    }

    func testQuantilesInterpolateLinearlyBetweenOrderStatistics() {
        XCTAssertEqual(BRCTask.quantile([4, 1, 3, 2], 0.5), 2.5)         // the mean of the middle two
        XCTAssertEqual(BRCTask.quantile([4, 1, 3, 2], 0.1), 1.3, accuracy: 1e-15)  // 1 + 0.3 * (2 - 1)
        XCTAssertEqual(BRCTask.quantile([7], 0.1), 7)
        XCTAssertTrue(BRCTask.quantile([], 0.5).isNaN)
        // summary.json's round medians are the same numpy medians (an audit found the upper
        // middle value of an even count there: 0.774 where the report and compare said 0.579).
        let round = TrainingSummary.Round(round: 0, scores: [4, 1, 3, 2], validationMSE: [0.4, 0.1, 0.3, 0.2], chanceMSE: [4, 4, 5, 5],
                                          failed: [false, true, false, false])
        XCTAssertEqual(round.median, 2.5)
        XCTAssertEqual(round.medianValidationMSE, 0.25, accuracy: 1e-15)
        XCTAssertEqual(round.medianChanceMSE, 4.5)
        XCTAssertEqual([round.best, round.bestValidationMSE], [1, 0.1])
        XCTAssertEqual([round.failed, round.sets], [1, 4])
    }

    func testTheTableGivesEachRoundsDistributionAndTheBestSet() {
        let run = RunComparison.Run(label: "soma_nmda", rows: rows, wallSeconds: 70, simulations: 140, threads: 2, precision: "fast")
        let md = RunComparison.markdown([run])
        // Round 0: 5 sets, 1 failed (20 %); min 0.5; q10 = 0.5 + 0.4 * (1 - 0.5) = 0.7; median 2.5;
        // below half of chance (error < 2, not failed): 1 and 0.5; E rate median 20.
        XCTAssertTrue(md.contains("| soma_nmda | 0 | 5 | 1 (20 %) | 0.500 | 0.700 | 2.500 | 2 | 20.000 |"), md)
        // Round 1: q10 = 0.2 + 0.1 * 1.3 = 0.33, median 0.85, both below half, E median 60.
        XCTAssertTrue(md.contains("| soma_nmda | 1 | 2 | 0 (0 %) | 0.200 | 0.330 | 0.850 | 2 | 60.000 |"), md)
        XCTAssertTrue(md.contains("| soma_nmda | 1 | 1 | 0.200 | 0.200 | no | 1.200 | 70.000 | 140 | 70 s | fast |"), md)
        XCTAssertTrue(md.contains("Wall time 70 s for 140 simulations: 0.50 s per simulation on 2 thread(s)."), md)
    }

    func testFiguresDrawEveryRunByRound() {
        let a = RunComparison.Run(label: "a", rows: rows), b = RunComparison.Run(label: "b", rows: rows.filter { $0.round == 0 })
        let figures = RunComparison.figures([a, b])
        XCTAssertEqual(figures.map(\.name), ["error_by_round.svg", "sets_by_round.svg"])
        // A median and a best line per run, and the chance guide.
        XCTAssertEqual(figures[0].svg.components(separatedBy: "<polyline").count - 1, 4)
        XCTAssertTrue(figures[0].svg.contains(">chance</text>"))
        XCTAssertTrue(figures[1].svg.contains(">b failed</text>"))
    }

    func testCompareReadsRunFoldersAndRefusesOthers() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("brcc-compare-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let run = root.appendingPathComponent("dend_ampa"), empty = root.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: run, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        try EvaluationTable.csv(parameters: ["g"], ratePopulations: ["E"], rows: rows)
            .write(to: run.appendingPathComponent("evaluations.csv"), atomically: true, encoding: .utf8)
        let runs = try Driver.comparisonRuns([run])
        XCTAssertEqual(runs.map(\.label), ["dend_ampa"])
        XCTAssertEqual(runs[0].rows, rows)
        XCTAssertNil(runs[0].wallSeconds)  // no summary.json: the cost columns say "-"
        let out = root.appendingPathComponent("cmp")
        let md = try Driver.writeComparison(runs, to: out)
        XCTAssertEqual(try String(contentsOf: out.appendingPathComponent("comparison.md"), encoding: .utf8), md)
        XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent("figures/sets_by_round.svg").path))
        // Folders of one name are told apart by their parents (`compare a/run b/run` showed
        // two runs labelled "run"); a folder named twice is numbered.
        let a = root.appendingPathComponent("a/x/run"), b = root.appendingPathComponent("b/x/run")
        XCTAssertEqual(Driver.runLabels([a, b, run, run]), ["a/x/run", "b/x/run", "dend_ampa", "dend_ampa_2"])
        XCTAssertEqual(Driver.runLabels([root.appendingPathComponent("a/../a/x/run"), b]), ["a/x/run", "b/x/run"])
        // A folder's name is one table cell: `|` and a line break cannot add rows, nor `<` markup.
        var hostile = runs[0]
        hostile.label = "a|b\n| x | <img src=x onerror=alert(1)>\u{1b}[31m"
        let table = RunComparison.markdown([hostile])
        XCTAssertTrue(table.contains("| a\\|b?\\| x \\| &lt;img src=x onerror=alert(1)&gt;?[31m | 0 |"), table)
        XCTAssertFalse(table.contains("<img"))
        // Figures go inside --out: a `figures` link leading out of it is refused (exit 73).
        let elsewhere = root.appendingPathComponent("elsewhere"), linked = root.appendingPathComponent("linked")
        try FileManager.default.createDirectory(at: elsewhere, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: linked, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(at: linked.appendingPathComponent("figures"), withDestinationURL: elsewhere)
        XCTAssertThrowsError(try Driver.writeComparison(runs, to: linked)) { error in
            XCTAssertEqual((error as? DriverError)?.exitCode, 73, "\(error)")
            XCTAssertTrue("\(error)".contains("symbolic link that leads outside"), "\(error)")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: elsewhere.path), [])
        for (folders, says) in [([empty], "has no readable evaluations.csv"), ([], "at least one training run folder")] {
            XCTAssertThrowsError(try Driver.comparisonRuns(folders)) { error in
                guard case DriverError.usage(let m) = error else { return XCTFail("\(error)") }
                XCTAssertTrue(m.contains(says), m)
                XCTAssertEqual((error as? DriverError)?.exitCode, 64)
            }
        }
    }

    /// A row a hand edit damaged is left out and named by its line (blank lines and CRLF line
    /// ends counted as lines are); the others are read as written.
    func testUnreadableRowsAreLeftOutByLine() throws {
        var lines = EvaluationTable.csv(parameters: ["g"], ratePopulations: ["E"], rows: rows).split(separator: "\n").map(String.init)
        lines[2] = "0,1,0.1"                                           // a field short
        lines[4] = lines[4].replacingOccurrences(of: ",2.5,", with: ",abc,")  // not a number
        // A `failed` that is neither 0 nor 1 (it read as "did not fail").
        let header = lines[0].split(separator: ",").map(String.init), failed = try XCTUnwrap(header.firstIndex(of: "failed"))
        var fields = lines[3].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        fields[failed] = "yes"
        lines[3] = fields.joined(separator: ",")
        // A score or MSE that is not finite: brcc writes none, and one read made the report's
        // median and best set "-" (found by review).
        lines[6] = lines[6].replacingOccurrences(of: ",1.5,", with: ",nan,")
        lines[7] = lines[7].replacingOccurrences(of: ",0.2,", with: ",-inf,")
        let text = (lines[0..<3] + [""] + lines[3...]).joined(separator: "\r\n") + "\r\n"
        let table = EvaluationTable.parse(text)
        XCTAssertEqual(table.skipped, [3, 5, 6, 8, 9])
        XCTAssertEqual(table.rows, rows.enumerated().filter { ![1, 2, 3, 5, 6].contains($0.offset) }.map(\.element))
        XCTAssertEqual(table.parameters, ["g"])
    }

    /// A round or sample that is not a small whole number (-inf crashed `brcc report` and
    /// `brcc compare`, found by tools/fuzz_training_files.py) makes its row unreadable, and in a
    /// sets file it is an error: a negative position crashed `brcc evaluate`.
    func testDamagedRoundsAndSamplesAreNotRead() throws {
        var lines = EvaluationTable.csv(parameters: ["g"], ratePopulations: ["E"], rows: rows).split(separator: "\n").map(String.init)
        let fields = lines[1].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        for (k, bad) in ["-inf", "nan", "1e300", "-1", "2.5", "9223372036854775808"].enumerated() {
            lines[1] = ([k % 2 == 0 ? bad : fields[0], k % 2 == 0 ? fields[1] : bad] + fields[2...]).joined(separator: ",")
            let table = EvaluationTable.parse(lines.joined(separator: "\n"))
            XCTAssertEqual(table.skipped, [2], bad)
            XCTAssertEqual(table.rows, Array(rows.dropFirst()), bad)
        }
        lines[1] = (["3.0", "7"] + fields[2...]).joined(separator: ",")  // a spreadsheet's 3.0 is round 3
        XCTAssertEqual(EvaluationTable.parse(lines.joined(separator: "\n")).rows.first?.round, 3)

        let ir = try Driver.check(text: smallCueNetwork(length: "10ms", extra: """
            <brc:cueTask readout="readout" conditions="-2 -2, 2 2" repeats="2" burnIn="1ms">
              <brc:search seed="1"><brc:synapticParameter projection="p" name="gbase" prior="logUniform" lower="0.1nS" upper="5nS"/></brc:search>
            </brc:cueTask>
            """), path: FileManager.default.temporaryDirectory.appendingPathComponent("sets.xml").path)
        let task = try XCTUnwrap(ir.task)
        XCTAssertEqual(try EvaluationTable.sets("p.gbase,sample\n0.001,4\n", task: task).map(\.position), [4])
        // A column named twice was read from its first field, in silence.
        XCTAssertThrowsError(try EvaluationTable.sets("p.gbase,sample,p.gbase\n0.001,4,0.002\n", task: task)) { error in
            XCTAssertTrue("\(error)".contains("names column 'p.gbase' twice (fields 1 and 3)"), "\(error)")
        }
        XCTAssertThrowsError(try EvaluationTable.sets("p.gbase\n0x1p-10\n", task: task)) { error in
            XCTAssertTrue("\(error)".contains("'0x1p-10' is not a number"), "\(error)")
        }
        for bad in ["-5", "abc", "1e12", "-inf"] {
            XCTAssertThrowsError(try EvaluationTable.sets("p.gbase,sample\n0.001,\(bad)\n", task: task), bad) { error in
                XCTAssertTrue("\(error)".contains("line 2: sample '\(bad)' is not a position"), "\(error)")
            }
        }
    }
}
