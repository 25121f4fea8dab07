import BRCRuntime
import BRCTask
import Foundation

/// Training run folders as `brcc report` and `brcc compare` read and write them.
extension Driver {
    /// Writes `report.html` in a training run folder from its summary.json, evaluations.csv and
    /// (if present) best/analysis.json, and each of its figures as `figures/*.svg`; returns the
    /// report's URL.
    public static func report(_ folder: URL) throws -> URL {
        guard let csv = try? String(contentsOf: folder.appendingPathComponent("evaluations.csv"), encoding: .utf8) else {
            throw DriverError.usage("\(folder.path) has no readable evaluations.csv (run brcc train first)")
        }
        guard let sdata = FileManager.default.contents(atPath: folder.appendingPathComponent("summary.json").path) else {
            throw DriverError.usage("\(folder.path) has no readable summary.json: brcc report reads a training run's folder (brcc train writes it; "
                                    + "a folder of brcc evaluate has none, compare it with brcc compare)")
        }
        let summary: TrainingSummary
        do { summary = try JSONDecoder().decode(TrainingSummary.self, from: sdata) } catch {
            throw DriverError.usage("\(folder.path)/summary.json is damaged (\(decodingProblem(error))); run brcc train again")
        }
        warnSkippedRows(csv, in: folder)
        var analysis: NetworkAnalysis?
        if let data = FileManager.default.contents(atPath: folder.appendingPathComponent("best/analysis.json").path) {
            do { analysis = try JSONDecoder().decode(NetworkAnalysis.self, from: data) } catch {
                throw DriverError.usage("\(folder.path)/best/analysis.json is unreadable (\(decodingProblem(error))); run brcc train again")
            }
            if let damage = analysis?.damage { throw DriverError.usage("\(folder.path)/best/analysis.json is damaged: \(damage); run brcc train again") }
        }
        let url = folder.appendingPathComponent("report.html")
        try writingFiles {
            for f in TrainingReport.figures(csv: csv, analysis: analysis) {
                try AtomicFile.write(Data(f.svg.utf8), to: try confined("figures/" + f.name, in: folder))
            }
            try AtomicFile.write(Data(TrainingReport.html(summary: summary, csv: csv, analysis: analysis).utf8), to: url)
        }
        return url
    }

    /// Where `report` and `compare` write file `name` (`figures/x.svg`) in `folder`: its
    /// folders are created, and a symbolic link among them is followed only if it stays inside
    /// `folder` (`OutputDirectory.file`); one that leads out is an error (exit 73).
    static func confined(_ name: String, in folder: URL) throws -> URL {
        do { return try OutputDirectory.file(name, in: folder) } catch let e as OutputDirectory.Escape {
            throw DriverError.cannotCreate("\(e.description); remove the link, or write elsewhere")
        }
    }

    /// What is wrong with a JSON file that did not decode, in words: the field and the problem
    /// (`best.validationMSE: missing`), not the decoder's debug dump.
    static func decodingProblem(_ error: Error) -> String {
        func path(_ keys: [CodingKey]) -> String { keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".") }
        switch error as? DecodingError {
        case .keyNotFound(let key, let c)?: return "\(path(c.codingPath + [key])): missing"
        case .valueNotFound(_, let c)?, .typeMismatch(_, let c)?, .dataCorrupted(let c)?:
            return c.codingPath.isEmpty ? c.debugDescription : "\(path(c.codingPath)): \(c.debugDescription)"
        default: return "\(error)"
        }
    }

    /// The rows of a run folder's `evaluations.csv`; each row that cannot be read is named on
    /// standard error (file and line) as left out, never dropped in silence.
    @discardableResult
    static func warnSkippedRows(_ csv: String, in folder: URL) -> [EvaluationRow] {
        let table = EvaluationTable.parse(csv)
        let file = folder.appendingPathComponent("evaluations.csv").path
        for line in table.skipped {
            FileHandle.standardError.write(Data("\(file):\(line): warning: this row cannot be read (a field missing, or not a finite number where one is expected); it is left out\n".utf8))
        }
        return table.rows
    }

    /// Reads training run folders for `brcc compare` (each needs `evaluations.csv`;
    /// `summary.json` adds the cost and precision). A folder without a readable table, or one
    /// whose table has no scored set, is a usage error.
    public static func comparisonRuns(_ folders: [URL]) throws -> [RunComparison.Run] {
        guard !folders.isEmpty else { throw DriverError.usage("name at least one training run folder") }
        let labels = runLabels(folders)
        return try zip(folders, labels).map { folder, label in
            guard let csv = try? String(contentsOf: folder.appendingPathComponent("evaluations.csv"), encoding: .utf8) else {
                throw DriverError.usage("\(folder.path) has no readable evaluations.csv (a folder brcc train or brcc evaluate wrote)")
            }
            let rows = warnSkippedRows(csv, in: folder)
            guard !rows.isEmpty else { throw DriverError.usage("\(folder.path)/evaluations.csv holds no scored parameter set") }
            // (A folder of brcc evaluate has no summary: its runs are compared without wall time.)
            let summary = FileManager.default.contents(atPath: folder.appendingPathComponent("summary.json").path)
                .flatMap { try? JSONDecoder().decode(TrainingSummary.self, from: $0) }
            return RunComparison.Run(label: label, rows: rows,
                                     wallSeconds: summary?.wallSeconds, simulations: summary?.simulationsRun,
                                     threads: summary?.threads, precision: summary?.precision)
        }
    }

    /// How `brcc compare` names each run folder: its last path component, or as many trailing
    /// components as tell it from the others (`a/run` and `b/run`); a folder named twice gets
    /// `_2`, `_3`, ...
    static func runLabels(_ folders: [URL]) -> [String] {
        let paths = folders.map { $0.absoluteURL.standardizedFileURL.pathComponents.filter { $0 != "/" } }
        func suffix(_ p: [String], _ k: Int) -> String { p.suffix(k).joined(separator: "/") }
        var names = UniqueNames()
        return paths.enumerated().map { i, p in
            var k = 1
            while k < p.count, paths.indices.contains(where: { $0 != i && paths[$0] != p && suffix(paths[$0], k) == suffix(p, k) }) { k += 1 }
            return names.claim(suffix(p, k))
        }
    }

    /// Writes `brcc compare`'s files into `out`: `comparison.md` and the figures as
    /// `figures/*.svg` (atomically); returns the markdown.
    public static func writeComparison(_ runs: [RunComparison.Run], to out: URL) throws -> String {
        let markdown = RunComparison.markdown(runs)
        try writingFiles {
            for f in RunComparison.figures(runs) { try AtomicFile.write(Data(f.svg.utf8), to: try confined("figures/" + f.name, in: out)) }
            try AtomicFile.write(Data(markdown.utf8), to: out.appendingPathComponent("comparison.md"))
        }
        return markdown
    }
}
