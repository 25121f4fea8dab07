import BRCIR
import BRCUnits

/// The units parameter sets are exchanged in (`brcc evaluate --sets`, `evaluations.csv`), as
/// the study's tools write them: conductances in µS, conductance densities in S/cm²,
/// probabilities as numbers, potentials in mV; anything else in brcc's internal units (times
/// in ms, axial resistivities in ohm m, concentrations in mM: `name`).
public enum ExchangeUnits {
    /// exchange value = internal value × scale.
    public static func scale(_ d: Dimension) -> Double {
        d == .conductanceDensity ? 100 : 1  // 1 uS/um2 = 100 S/cm2
    }

    /// An internal value in exchange units for a message: 12 significant digits, so that a
    /// value one rounding off its decimal (a scaled conductance density) reads as written.
    public static func display(_ value: Double, _ d: Dimension) -> String {
        String(format: "%.12g", value * scale(d))
    }

    /// The scale as a power of ten: every exchange unit differs from the internal one by one.
    static func decimalShift(_ d: Dimension) -> Int { d == .conductanceDensity ? 2 : 0 }

    /// An internal value as exchange text: its shortest round-trip decimal with the decimal
    /// point moved, not the product `value × scale` in binary (which rounds: 1.5155950965843619e-09
    /// uS/um2 became 1.515595096584362e-07 S/cm2, read back as another double), so that
    /// `internalValue` gives the same double back and a table's sets are scored again exactly.
    public static func text(_ value: Double, _ d: Dimension) -> String {
        DecimalText.shifted("\(value)", by: decimalShift(d)) ?? "\(value * scale(d))"  // (nan, inf: never a parameter)
    }

    /// The internal value of exchange text (`text`'s inverse); nil if it is not a decimal number.
    public static func internalValue(_ text: String, _ d: Dimension) -> Double? {
        DecimalText.shifted(text, by: -decimalShift(d)).flatMap { Double($0) }
    }

    /// Decimal texts moved by powers of ten, digit for digit.
    enum DecimalText {
        /// `text` (a decimal number, optionally signed and with an exponent) times 10^`k`,
        /// written as Swift writes a Double (plainly from 1e-4 to below 1e16, else as
        /// `d.ddde±XX`); nil for text that is not such a number (nan, inf, hexadecimal), which
        /// has no decimal point to move. With `k` = 0, the text as it is (if it is such a number).
        static func shifted(_ text: String, by k: Int) -> String? {
            var body = Substring(text)
            var sign = ""
            if let f = body.first, f == "-" || f == "+" { sign = f == "-" ? "-" : ""; body = body.dropFirst() }
            var exponent = 0
            if let e = body.firstIndex(where: { $0 == "e" || $0 == "E" }) {
                guard let x = Int(body[body.index(after: e)...]), abs(x) < 100_000 else { return nil }
                exponent = x
                body = body[..<e]
            }
            let parts = body.split(separator: ".", omittingEmptySubsequences: false)
            guard (1...2).contains(parts.count), !body.isEmpty, parts.allSatisfy({ $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }) else { return nil }
            guard k != 0 else { return text }
            var digits = Array(parts.joined())
            // The value is 0.digits x 10^point.
            var point = parts[0].count + exponent + k
            while digits.first == "0" { digits.removeFirst(); point -= 1 }
            while digits.last == "0" { digits.removeLast() }
            guard !digits.isEmpty else { return sign + "0.0" }
            let d = String(digits)
            if point >= -3, point <= 16 {
                if point <= 0 { return sign + "0." + String(repeating: "0", count: -point) + d }
                if point >= d.count { return sign + d + String(repeating: "0", count: point - d.count) + ".0" }
                return sign + d.prefix(point) + "." + d.dropFirst(point)
            }
            let x = point - 1
            return sign + d.prefix(1) + (d.count > 1 ? "." + d.dropFirst() : "") + "e" + (x < 0 ? "-" : "+") + (abs(x) < 10 ? "0" : "") + String(abs(x))
        }
    }

    /// The exchange unit of dimension `d`, as a table's messages name it (`uS`, `S/cm2`, ...;
    /// NeuroML's symbol where it has one).
    public static func name(_ d: Dimension) -> String {
        switch d {
        case .conductance: return "uS"
        case .conductanceDensity: return "S/cm2"
        case .voltage: return "mV"
        case .time: return "ms"
        case .resistivity: return "ohm_m"
        case .concentration: return "mM"
        case .current: return "nA"
        case .perTime: return "per_ms"
        case .none: return ""
        default: return "internal units"
        }
    }

    /// The exchange units, in words, for headers and legends.
    public static let summary = "µS, S/cm², mV, ms, ohm m, mM, nA, per ms; probabilities as numbers"
}

/// One row of `evaluations.csv`: a parameter set (exchange units) and what scoring it gave.
public struct EvaluationRow: Sendable, Equatable {
    /// The search round that proposed the set, or a sets file's `round` label for `brcc evaluate`
    /// (0 when a read table has no `round` column).
    public var round: Int
    /// The set's position in its round, which keys its trials' random streams (0 when a read
    /// table has no `sample` column).
    public var sample: Int
    /// The parameter values in the table's parameter-column order, in exchange units.
    public var values: [Double]
    /// The set's score: its validation MSE, plus the failure penalty if its readout failed.
    public var score: Double
    /// The readout's cross-validated mean squared error.
    public var validationMSE: Double
    /// The mean squared error of predicting the training targets' mean (chance level).
    public var chanceMSE: Double
    /// Whether the readout failed the magnitude rule.
    public var failed: Bool
    /// The failure rule's statistic (`ReadoutScore.meanOutputMagnitude`); NaN when a read table
    /// lacks the column or its field is not a number.
    public var meanAbsPrediction: Double
    /// Mean firing rate (Hz) per rate population.
    public var rates: [String: Double]
    /// The values as the table writes them (`ExchangeUnits.text`: exact, where `values` are
    /// the nearest doubles, for plots and reports).
    public var valueTexts: [String]

    /// Makes a row from its fields; without `valueTexts`, each value is written as Swift prints it.
    public init(round: Int, sample: Int, values: [Double], valueTexts: [String]? = nil, score: Double, validationMSE: Double, chanceMSE: Double, failed: Bool,
                meanAbsPrediction: Double, rates: [String: Double]) {
        self.round = round; self.sample = sample; self.values = values; self.score = score; self.validationMSE = validationMSE
        self.chanceMSE = chanceMSE; self.failed = failed; self.meanAbsPrediction = meanAbsPrediction; self.rates = rates
        self.valueTexts = valueTexts ?? values.map { "\($0)" }
    }

    /// The row of a scored set: its values (internal units, converted to exchange units) and
    /// what scoring it gave; `brcc train` and `brcc evaluate` both write rows made here.
    public init(round: Int, sample: Int, parameters: [IRSearchParameter], values: [Double], score: Double, detail: EvaluationDetail) {
        self.init(round: round, sample: sample, values: zip(parameters, values).map { $1 * ExchangeUnits.scale($0.dimension) },
                  valueTexts: zip(parameters, values).map { ExchangeUnits.text($1, $0.dimension) },
                  score: score, validationMSE: detail.validationMSE, chanceMSE: detail.chanceMSE, failed: detail.failed,
                  meanAbsPrediction: detail.meanOutputMagnitude, rates: detail.rates ?? [:])
    }
}

/// `evaluations.csv`, written by `brcc train` and `brcc evaluate` and read back by name:
/// `round,sample,<parameter ids>,score,validation_mse,chance_mse,failed,mean_abs_prediction,rate_<population>_hz...`.
/// A sets file for `brcc evaluate` is the same table with only parameter columns required.
public enum EvaluationTable {
    /// Columns that are not parameters.
    static let outcomes = ["round", "sample", "score", "validation_mse", "chance_mse", "failed", "mean_abs_prediction"]

    static func rateColumn(_ population: String) -> String { "rate_\(population)_hz" }
    static func isRateColumn(_ name: String) -> Bool { name.hasPrefix("rate_") && name.hasSuffix("_hz") }

    /// `evaluations.csv`: a header, then one row per scored set (values in exchange units).
    public static func csv(parameters: [String], ratePopulations: [String], rows: [EvaluationRow]) -> String {
        var out = (["round", "sample"] + parameters + ["score", "validation_mse", "chance_mse", "failed", "mean_abs_prediction"]
            + ratePopulations.map(rateColumn)).joined(separator: ",") + "\n"
        for r in rows {
            let fields = ["\(r.round)", "\(r.sample)"] + r.valueTexts
                + ["\(r.score)", "\(r.validationMSE)", "\(r.chanceMSE)", r.failed ? "1" : "0", "\(r.meanAbsPrediction)"]
                + ratePopulations.map { "\(r.rates[$0] ?? .nan)" }
            out += fields.joined(separator: ",") + "\n"
        }
        return out
    }

    /// Why a sets file cannot be read, in words (with its line number where one applies).
    public struct Failure: Error, CustomStringConvertible { public var description: String }

    /// The header and the rows of a CSV text (no quoting: brcc's tables have none), each row
    /// with its line number in the text (1 is the header); blank lines are left out.
    static func cells(_ text: String) -> (header: [String], rows: [(line: Int, fields: [String])]) {
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated().map { n, l in
            (line: n + 1, fields: l.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespacesAndNewlines) })
        }.filter { !($0.fields.count == 1 && $0.fields[0].isEmpty) }
        return (lines.first?.fields ?? [], Array(lines.dropFirst()))
    }

    /// Reads a table written by `csv(...)`, by column name: its parameter columns (those that
    /// are not outcomes) and rows. A row it cannot read (a field missing or not a number, as
    /// only a hand edit leaves in brcc's atomically written tables) is left out, and its line
    /// number is in `skipped` for the caller to report.
    public static func parse(_ text: String) -> (parameters: [String], rows: [EvaluationRow], skipped: [Int]) {
        let (header, lines) = cells(text)
        let column = Dictionary(header.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        let parameters = header.filter { !outcomes.contains($0) && !isRateColumn($0) }
        let rates = header.filter(isRateColumn)
        var skipped: [Int] = []
        let rows = lines.compactMap { line, f -> EvaluationRow? in
            guard let row = row(f) else { skipped.append(line); return nil }
            return row
        }
        func row(_ f: [String]) -> EvaluationRow? {
            guard f.count == header.count else { return nil }
            func number(_ name: String) -> Double? { column[name].flatMap { Double(f[$0]) } }
            // (brcc writes finite scores, MSEs and values; nan or inf is a hand edit.)
            func finite(_ name: String) -> Double? { number(name).flatMap { $0.isFinite ? $0 : nil } }
            guard let score = finite("score"), let mse = finite("validation_mse"), let chance = finite("chance_mse") else { return nil }
            // Round and sample are small counts; a damaged one (-inf, 1e300, 2.5) makes the row unreadable.
            func count(_ name: String) -> Int? {
                guard let i = column[name] else { return 0 }
                return position(f[i])
            }
            guard let round = count("round"), let sample = count("sample") else { return nil }
            // `failed` is 0 or 1 as brcc writes it (true/false also read); anything else makes
            // the row unreadable rather than a set that did not fail.
            var failed = false
            if let i = column["failed"] {
                switch f[i] {
                case "1", "true": failed = true
                case "0", "false": failed = false
                default: return nil
                }
            }
            let values = parameters.compactMap { finite($0) }
            guard values.count == parameters.count else { return nil }
            let texts = parameters.map { f[column[$0]!] }
            var r = [String: Double]()
            for c in rates { r[String(c.dropFirst(5).dropLast(3))] = number(c) }
            return EvaluationRow(round: round, sample: sample, values: values, valueTexts: texts,
                                 score: score, validationMSE: mse, chanceMSE: chance, failed: failed,
                                 meanAbsPrediction: number("mean_abs_prediction") ?? .nan, rates: r)
        }
        return (parameters, rows, skipped)
    }

    /// Columns of a sets file that are neither outcomes nor parameters the task searches (a
    /// study's file names every parameter of its prior, also those a configuration leaves off):
    /// they are ignored, and `brcc evaluate` names them.
    public static func ignoredColumns(_ text: String, task: IRTask) -> [String] {
        let known = Set(task.parameters.map(\.label) + outcomes)
        return cells(text).header.filter { !known.contains($0) && !isRateColumn($0) }
    }

    /// The parameter sets of a sets file, in the task's parameter order and internal units,
    /// with each set's position (its `sample` column, else its row index) keying its trials'
    /// random streams as in `brcc train`, and its `round` column (else 0), which labels it.
    public static func sets(_ text: String, task: IRTask) throws -> [(round: Int, position: Int, values: [Double])] {
        let (header, lines) = cells(text)
        guard !header.isEmpty else { throw Failure(description: "the sets file is empty; its first line names the parameters") }
        let column = Dictionary(header.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        if let twice = header.enumerated().first(where: { column[$0.element] != $0.offset }) {
            throw Failure(description: "the header names column '\(twice.element)' twice (fields \(column[twice.element]! + 1) and \(twice.offset + 1)); each column must be named once")
        }
        let ids = task.parameters.map(\.label)
        let missing = ids.filter { column[$0] == nil }
        guard missing.isEmpty else {
            throw Failure(description: "the sets file has no column for \(missing.joined(separator: ", ")); its header must name every searched parameter (\(ids.joined(separator: ", ")))")
        }
        guard !lines.isEmpty else { throw Failure(description: "the sets file has a header but no parameter set; give one set per line below it") }
        return try lines.enumerated().map { n, row in
            let f = row.fields
            guard f.count == header.count else { throw Failure(description: "line \(row.line) has \(f.count) fields, the header \(header.count)") }
            let values = try task.parameters.map { p -> Double in
                let field = f[column[p.label]!]
                guard let v = Double(field), v.isFinite, let value = ExchangeUnits.internalValue(field, p.dimension) else {
                    throw Failure(description: "line \(row.line): '\(field)' is not a number (column \(p.label))")
                }
                guard value >= p.lower * (1 - 1e-12), value <= p.upper * (1 + 1e-12) else {
                    let unit = ExchangeUnits.name(p.dimension).isEmpty ? "" : " \(ExchangeUnits.name(p.dimension))"
                    throw Failure(description: "line \(row.line): \(p.label) = \(field)\(unit) lies outside the search's bounds \(ExchangeUnits.display(p.lower, p.dimension)) to \(ExchangeUnits.display(p.upper, p.dimension))\(unit)")
                }
                return value
            }
            var round = 0
            if let c = column["round"] {
                guard let r = position(f[c]) else {
                    throw Failure(description: "line \(row.line): round '\(f[c])' is not a round number (a whole number from 0 to \(maximumPosition))")
                }
                round = r
            }
            guard let c = column["sample"] else { return (round, n, values) }
            guard let p = position(f[c]) else {
                throw Failure(description: "line \(row.line): sample '\(f[c])' is not a position in a round (a whole number from 0 to \(maximumPosition))")
            }
            return (round, p, values)
        }
    }

    /// The largest round or sample number a table may give: a set's position keys its trials'
    /// random streams (`CueTask.trialSeed`), so it must stay far from overflowing.
    public static let maximumPosition = 1_000_000_000

    /// A round or sample number: a whole number from 0 to `maximumPosition` (written as an
    /// integer, or as a number with no fraction, as spreadsheets write them).
    static func position(_ field: String) -> Int? {
        if let i = Int(field) { return (0...maximumPosition).contains(i) ? i : nil }
        guard let d = Double(field), d == d.rounded(), d >= 0, d <= Double(maximumPosition) else { return nil }
        return Int(d)
    }
}
