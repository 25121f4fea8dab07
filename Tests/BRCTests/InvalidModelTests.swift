import BRCDiagnostics
import BRCDriver
import Foundation
import XCTest

/// The corpus of malformed models in Fixtures/invalid/: each file has one defect and says, on the
/// line after its XML declaration, which diagnostic brcc must report and where:
///
///     <!-- expect: BRC-E0105 at 16:94 -->
///
/// One defect gives one error, at its cause, not a cascade at the places that depend on it; a
/// fixture with more than one defect says how many errors it expects (`<!-- errors: 2 -->`).
///
/// Files directly in invalid/ are checked in-process through `Driver.check`. Files in
/// invalid/support/ are only included by others (the location of a diagnostic may be in one of
/// them, e.g. the include that closes a cycle). Files in invalid/crashers/ crashed brcc when they
/// were written; they are checked through the `brcc` executable so that a crash fails one test
/// instead of the whole test process (move a file up to invalid/ once brcc handles it).
final class InvalidModelTests: XCTestCase {
    struct Case {
        var path: String
        var name: String
        var id: String
        var line: Int
        var column: Int
    }

    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/invalid").standardizedFileURL
    static let support = fixtures.appendingPathComponent("support")
    static let crashers = fixtures.appendingPathComponent("crashers")

    /// The model files directly in `dir`, sorted by name.
    static func modelFiles(in dir: URL) throws -> [URL] {
        try FileManager.default.contentsOfDirectory(at: dir, includingPropertiesForKeys: nil)
            .filter { ["nml", "xml"].contains($0.pathExtension) }
            .map(\.standardizedFileURL)
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
    }

    /// Reads the `<!-- expect: ID at LINE:COL -->` comment among the first lines of a fixture.
    static func expectation(_ url: URL) throws -> Case {
        let text = try String(contentsOf: url, encoding: .utf8)
        let head = text.split(separator: "\n", maxSplits: 3, omittingEmptySubsequences: false).prefix(3)
        let pattern = try NSRegularExpression(pattern: #"^<!-- expect: (BRC-[EW][0-9]{4}) at ([0-9]+):([0-9]+) -->$"#)
        for line in head {
            let s = String(line).trimmingCharacters(in: .whitespacesAndNewlines)
            guard let m = pattern.firstMatch(in: s, range: NSRange(s.startIndex..., in: s)) else { continue }
            func group(_ i: Int) -> String { String(s[Range(m.range(at: i), in: s)!]) }
            return Case(path: url.path, name: url.lastPathComponent, id: group(1), line: Int(group(2))!, column: Int(group(3))!)
        }
        throw NSError(domain: "InvalidModelTests", code: 1,
                      userInfo: [NSLocalizedDescriptionKey: "\(url.lastPathComponent) has no '<!-- expect: BRC-EXXXX at LINE:COL -->' line"])
    }

    static func cases(in dir: URL) throws -> [Case] { try modelFiles(in: dir).map(expectation) }

    /// Text the expected diagnostic's hint must contain, from a `<!-- hint: TEXT -->` line.
    static func expectedHint(_ c: Case) throws -> String? {
        let text = try String(contentsOfFile: c.path, encoding: .utf8)
        guard let r = text.range(of: #"<!-- hint: [^\n]*? -->"#, options: .regularExpression) else { return nil }
        return String(text[r].dropFirst("<!-- hint: ".count).dropLast(" -->".count))
    }

    /// How many errors fixture `c` expects: 1, or N from a `<!-- errors: N ... -->` line.
    static func expectedErrors(_ c: Case) throws -> Int {
        let text = try String(contentsOfFile: c.path, encoding: .utf8)
        guard let r = text.range(of: #"<!-- errors: ([0-9]+)"#, options: .regularExpression) else { return 1 }
        return Int(text[r].dropFirst("<!-- errors: ".count)) ?? 1
    }

    /// True if `file` is the fixture itself or one of the support files.
    static func isFixtureFile(_ file: String, of c: Case) -> Bool {
        let f = URL(fileURLWithPath: file).standardizedFileURL.resolvingSymlinksInPath().path
        let own = URL(fileURLWithPath: c.path).resolvingSymlinksInPath().path
        let supportDir = support.resolvingSymlinksInPath().path + "/"
        return f == own || f.hasPrefix(supportDir)
    }

    static func describe(_ ds: [Diagnostic]) -> String {
        ds.isEmpty ? "(no diagnostics)" : ds.map { "  \($0)" }.joined(separator: "\n")
    }

    func testCorpusIsLargeEnough() throws {
        XCTAssertGreaterThanOrEqual(try Self.cases(in: Self.fixtures).count, 30)
    }

    func testEveryInvalidModelIsRejectedWithALocatedDiagnostic() throws {
        let cases = try Self.cases(in: Self.fixtures)
        XCTAssertFalse(cases.isEmpty, "no fixtures found in \(Self.fixtures.path)")
        for c in cases {
            let diagnostics: [Diagnostic]
            do {
                let (_, warnings) = try Driver.check(c.path)
                XCTFail("\(c.name): accepted, expected \(c.id) at \(c.line):\(c.column)\n\(Self.describe(warnings))")
                continue
            } catch DriverError.model(let ds) {
                diagnostics = ds
            } catch {
                XCTFail("\(c.name): threw \(error), expected DriverError.model with \(c.id)")
                continue
            }
            let errors = diagnostics.filter { $0.severity == .error }
            XCTAssertFalse(errors.isEmpty, "\(c.name): rejected without an error diagnostic\n\(Self.describe(diagnostics))")
            XCTAssertEqual(errors.count, try Self.expectedErrors(c), "\(c.name): one defect, one error (no cascade)\n\(Self.describe(errors))")
            XCTAssertTrue(diagnostics.contains { $0.id == c.id && $0.location.line == c.line && $0.location.column == c.column },
                          "\(c.name): expected \(c.id) at \(c.line):\(c.column), got\n\(Self.describe(diagnostics))")
            if let hint = try Self.expectedHint(c) {
                XCTAssertTrue(diagnostics.contains { $0.id == c.id && $0.hint?.contains(hint) == true },
                              "\(c.name): expected a hint containing '\(hint)', got\n\(Self.describe(diagnostics))")
            }
            for d in errors {
                XCTAssertFalse(d.message.trimmingCharacters(in: .whitespaces).isEmpty, "\(c.name): \(d.id) has an empty message")
                XCTAssertNotNil(d.hint, "\(c.name): \(d.id) '\(d.message)' has no hint")
                XCTAssertFalse(d.hint?.trimmingCharacters(in: .whitespaces).isEmpty ?? false, "\(c.name): \(d.id) has an empty hint")
                XCTAssertTrue(Self.isFixtureFile(d.location.file, of: c),
                              "\(c.name): \(d.id) is located in '\(d.location.file)', not in the fixture or a support file")
                XCTAssertGreaterThan(d.location.line, 0, "\(c.name): \(d.id) has no line")
                XCTAssertGreaterThan(d.location.column, 0, "\(c.name): \(d.id) has no column")
            }
        }
    }

    // MARK: - The executable

    /// The built `brcc` next to the test products (or in the repository's .build/debug).
    static func brccExecutable() -> URL? { TestPaths.executable("brcc") }

    struct Run { var status: Int32; var stdout: String; var stderr: String }

    /// Runs `exe` with `args` and `environment` added to this process's environment.
    static func run(_ exe: URL, _ args: [String], environment: [String: String] = [:]) throws -> Run {
        // Output goes to temporary files, not pipes: a long backtrace cannot block the child.
        let fm = FileManager.default
        let tmp = fm.temporaryDirectory.appendingPathComponent("brcc-invalid-\(UUID().uuidString)")
        try fm.createDirectory(at: tmp, withIntermediateDirectories: true)
        defer { try? fm.removeItem(at: tmp) }
        let outURL = tmp.appendingPathComponent("stdout"), errURL = tmp.appendingPathComponent("stderr")
        _ = fm.createFile(atPath: outURL.path, contents: nil)
        _ = fm.createFile(atPath: errURL.path, contents: nil)
        let out = try FileHandle(forWritingTo: outURL), err = try FileHandle(forWritingTo: errURL)
        let p = Process()
        p.executableURL = exe
        p.arguments = args
        var env = ProcessInfo.processInfo.environment
        env["SWIFT_BACKTRACE"] = "enable=no"  // a crash should fail fast, not symbolicate
        env.merge(environment) { $1 }
        p.environment = env
        p.standardOutput = out
        p.standardError = err
        try p.run()
        p.waitUntilExit()
        try out.close()
        try err.close()
        return Run(status: p.terminationStatus,
                   stdout: (try? String(contentsOf: outURL, encoding: .utf8)) ?? "",
                   stderr: (try? String(contentsOf: errURL, encoding: .utf8)) ?? "")
    }

    func testCommandLineReportsDiagnosticsWithExitStatus65() throws {
        guard let brcc = Self.brccExecutable() else {
            return XCTFail("cannot find the built brcc executable near \(Bundle.main.bundleURL.path); build it with `swift build`")
        }
        let c = try Self.expectation(Self.fixtures.appendingPathComponent("unknown_unit.nml"))
        let r = try Self.run(brcc, ["check", c.path])
        XCTAssertEqual(r.status, 65, "brcc check \(c.name): stderr:\n\(r.stderr)")
        XCTAssertTrue(r.stderr.contains("\(c.path):\(c.line):\(c.column): error: [\(c.id)]"), "stderr:\n\(r.stderr)")
        XCTAssertTrue(r.stderr.contains("hint:"), "stderr:\n\(r.stderr)")

        let missing = Self.fixtures.appendingPathComponent("no_such_model.nml").path
        let m = try Self.run(brcc, ["check", missing])
        XCTAssertEqual(m.status, 64, "brcc check on a nonexistent file: stderr:\n\(m.stderr)")
        XCTAssertTrue(m.stderr.contains("no_such_model.nml"), "stderr:\n\(m.stderr)")

        // Usage mistakes the CLI audit found exiting 0 or reported as the model's error (65),
        // each now 64 with a message naming the option, before the model is read.
        let model = TestPaths.model("models/sims/LEMS_hh1_step.xml"), task = TestPaths.model("models/small/train_small_cue.xml")
        for (args, says) in [([], "give a subcommand"), (["run", model, "--out", ""], "--out is empty"), (["compile", model, "-o", ""], "-o is empty"),
                             // (The CLI audit of 2026-12-07: both wrote into the current folder, exit 0.)
                             (["compare", "/tmp/brcc-unused", "--out", ""], "--out is empty"), (["report", ""], "the folder is empty"),
                             (["compile", c.path, "-o", "/tmp/brcc-unused", "--emit", "java"], "--emit must be c, swift or swift-package"),
                             (["train", task, "--baseline", "--rounds", "3"], "--rounds belongs to a search"),
                             (["train", task, "--baseline", "--resume", "--seed", "2"], "--resume or --seed belong to a search"),
                             (["train", task, "--samples", "1"], "--samples must be from 2 to"),
                             // A negative number is the option's value, not an unknown option ("Missing value" before).
                             (["run", model, "--threads", "-2"], "--threads must be from 1 to 1024, not -2"),
                             // Int.max threads overflowed a sum and crashed (the third CLI review).
                             (["run", model, "--threads", "9223372036854775807"], "--threads must be from 1 to 1024"),
                             (["evaluate", task, "--sets", model, "--out", "/tmp/brcc-unused", "--batch", "5000"], "--batch must be from 1 to 1024"),
                             (["run", model, "--checkpoint-every", "-5"], "--checkpoint-every must be 0"),
                             (["train", task, "--seed", "-1"], "The value '-1' is invalid for '--seed"),
                             (["train", task, "--rounds", "-3"], "--rounds must be from 1 to"),
                             // swift-argument-parser answers the help of a misspelt command with the overview, exit 0.
                             (["help", "chek"], "there is no subcommand 'chek'; the subcommands are check, compile,")] {
            let r = try Self.run(brcc, args)
            XCTAssertEqual(r.status, 64, "brcc \(args.joined(separator: " ")): stderr:\n\(r.stderr)")
            XCTAssertTrue(r.stderr.contains(says), "brcc \(args.joined(separator: " ")): stderr:\n\(r.stderr)")
        }
        let help = try Self.run(brcc, ["help", "check"])
        XCTAssertEqual(help.status, 0, help.stderr)
        XCTAssertTrue(help.stdout.contains("USAGE: brcc check"), help.stdout)
    }

    func testCommandLinePrintsTheFirstHundredDiagnosticsAndCountsTheRest() throws {
        guard let brcc = Self.brccExecutable() else {
            return XCTFail("cannot find the built brcc executable near \(Bundle.main.bundleURL.path); build it with `swift build`")
        }
        // 150 populations of undefined cells: 150 located errors, one per population.
        let populations = (0..<150).map { "<population id=\"p\($0)\" component=\"c\($0)\" size=\"1\"/>" }.joined(separator: "\n")
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("brcc-many-\(UUID().uuidString).nml")
        defer { try? FileManager.default.removeItem(at: file) }
        try """
        <neuroml xmlns="http://www.neuroml.org/schema/neuroml2" id="many"><network id="net">
        \(populations)
        </network></neuroml>
        """.write(to: file, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try Driver.check(file.path)) { e in
            guard case DriverError.model(let ds) = e else { return XCTFail("\(e)") }
            XCTAssertEqual(ds.count, 150, "every error is found")
        }
        let r = try Self.run(brcc, ["check", file.path])
        XCTAssertEqual(r.status, 65)
        XCTAssertEqual(r.stderr.components(separatedBy: ": error: [BRC-").count - 1, DiagnosticRenderer.maximumShown)
        XCTAssertTrue(r.stderr.contains("\(file.path):2:"), "the first are shown in order")
        XCTAssertTrue(r.stderr.hasSuffix("brcc: 50 more errors and 0 more warnings not shown (the first 100 diagnostics are)\n"), r.stderr)
    }

    /// Every fixture through the executable, former crashers among them: exit 65 with the
    /// expected diagnostic and a hint, never a signal or a Swift trap. Inputs that still crash
    /// wait in invalid/crashers/ (checked the same way) until brcc handles them.
    func testEveryFixtureIsRejectedByTheExecutableWithoutCrashing() throws {
        guard let brcc = Self.brccExecutable() else {
            return XCTFail("cannot find the built brcc executable near \(Bundle.main.bundleURL.path); build it with `swift build`")
        }
        var cases = try Self.cases(in: Self.fixtures)
        if FileManager.default.fileExists(atPath: Self.crashers.path) { cases += try Self.cases(in: Self.crashers) }
        XCTAssertGreaterThan(cases.count, 130)
        for c in cases {
            let r = try Self.run(brcc, ["check", c.path])
            let excerpt = r.stderr.split(separator: "\n").prefix(6).joined(separator: "\n")
            guard r.status == 65 else {
                XCTFail("\(c.name): brcc exited \(r.status), expected 65 with \(c.id); stderr begins:\n\(excerpt)")
                continue
            }
            XCTAssertTrue(r.stderr.contains("[\(c.id)]"), "\(c.name): expected \(c.id); stderr begins:\n\(excerpt)")
            XCTAssertTrue(r.stderr.contains("hint:"), "\(c.name): no hint; stderr begins:\n\(excerpt)")
        }
    }
}
