import Foundation
import XCTest

/// The transcripts of the docs run as written. In each fenced block, a `$ brcc ...` command runs
/// (exit 0, its output folders redirected to a temporary folder, `BRCC_CACHE_DIR=...` before it
/// honoured with a temporary cache) and must print the lines the transcript shows, except those
/// that depend on the machine, the day or the cache (paths, timings, ETAs, what was written or
/// compiled, an elision `...`); a `$ head -N FILE` or `$ wc -l < FILE` of an output must show
/// exactly the lines shown, and `$ cmp A B && echo same` compares the two files. Other
/// commands (NEURON, Python, a build) are not run, and a block that begins with `$ cd` shows a
/// session elsewhere (an edited copy of a model) and is not run. A comment (`  # ...`) is not
/// part of a command, nor what follows `&&` or `>` (the NEURON half of an export line, a file
/// the output is saved to). Files the doc defines (a line `` `NAME`: `` before a fenced block)
/// are written to the folder the commands run in, as a reader following the doc would save them.
/// The README's tour is a list of commands without prompts or outputs: each must exit 0.
final class DocExamplesTests: XCTestCase {
    /// Whether a transcript's output line is the same on every machine and run.
    static func isStable(_ line: Substring) -> Bool {
        let volatile = ["/home/me", "/path/to", "/tmp/", "...", "ETA", "wrote ", "brcc: compiling", "simulated ", "run it with"]
        return !line.isEmpty && !volatile.contains { line.contains($0) } && line.range(of: #"[0-9] s[);]"#, options: .regularExpression) == nil
    }

    /// What running one doc's transcripts did.
    struct Ran { var commands = 0, linesCompared = 0 }

    /// cli.md runs in the repository, whose models its commands name.
    func testCliTranscriptsRun() throws {
        let ran = try runTranscripts("docs/cli.md", in: TestPaths.repo)
        XCTAssertGreaterThanOrEqual(ran.commands, 18, "the transcripts were found (20 on 2026-12-07)")
        XCTAssertGreaterThanOrEqual(ran.linesCompared, 30, "their output lines were compared (32 on 2026-12-07)")
    }

    /// language.md's walkthrough: the cell and simulation files it shows, checked and run, and
    /// the first rows of the gates' output as printed there.
    func testLanguageWalkthroughRuns() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("brcc-doc-hh-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let ran = try runTranscripts("docs/language.md", in: folder)
        XCTAssertTrue(FileManager.default.fileExists(atPath: folder.appendingPathComponent("hh_cell.nml").path), "the doc's files were found")
        XCTAssertEqual(ran.commands, 3, "check, run and head")
        XCTAssertEqual(ran.linesCompared, 3, "the check's summary and the two rows")
    }

    /// The README's tour, every command, in order (the training runs take about two minutes).
    func testReadmeTourRuns() throws {
        let ran = try runTranscripts("README.md", in: TestPaths.repo, prompt: "brcc ")
        XCTAssertEqual(ran.commands, 20, "the tour's commands but the Swift package's")
    }

    /// Runs the transcripts of `doc` (relative to the repository) with `folder` as the working
    /// folder, after writing the files the doc defines into it. A command is a line of a fenced
    /// block that begins with `prompt`, which is part of the command unless it is `$ `.
    func runTranscripts(_ doc: String, in folder: URL, prompt: String = "$ ") throws -> Ran {
        let brcc = try XCTUnwrap(TestPaths.executable("brcc"), "build brcc first (swift build)")
        let text = try String(contentsOf: TestPaths.repo.appendingPathComponent(doc), encoding: .utf8)
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("brcc-doc-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: tmp) }
        var renamed: [String: String] = [:]
        /// A path the doc names for an output folder or cache, mapped to one in `tmp`.
        func mapped(_ path: String) -> String {
            if let to = renamed[path] { return to }
            let to = tmp.appendingPathComponent("\(renamed.count)").path
            renamed[path] = to
            return to
        }
        /// A path as written, or inside a folder the doc wrote to, redirected there.
        func resolved(_ path: String) -> String {
            if let to = renamed[path] { return to }
            if let (from, to) = renamed.first(where: { path.hasPrefix($0.key + "/") }) { return to + path.dropFirst(from.count) }
            return path
        }
        var ran = Ran()
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        var inBlock = false, blockSkipped = false, definedFile: String?
        for (number, line) in lines.enumerated() {
            let place = "\(doc):\(number + 1)"
            if line.hasPrefix("```") {
                inBlock.toggle()
                if inBlock {
                    // The block's first command decides whether it runs here.
                    let first = lines[(number + 1)...].prefix { !$0.hasPrefix("```") }.first { $0.hasPrefix("$ ") }
                    blockSkipped = first?.hasPrefix("$ cd ") ?? false
                    if let name = definedFile {
                        let body = lines[(number + 1)...].prefix { !$0.hasPrefix("```") }.joined(separator: "\n") + "\n"
                        try body.write(to: folder.appendingPathComponent(name), atomically: true, encoding: .utf8)
                    }
                }
                definedFile = nil
                continue
            }
            if !inBlock {
                if let m = line.wholeMatch(of: /`([A-Za-z0-9_.]+)`:/) { definedFile = String(m.1) } else if !line.isEmpty { definedFile = nil }
                continue
            }
            guard line.hasPrefix(prompt), !blockSkipped else { continue }
            // The lines it shows: up to the next command or the end of the block.
            let shown = lines[(number + 1)...].prefix { !$0.hasPrefix(prompt) && !$0.hasPrefix("```") }
            // The command without its pipe (`| head -4`) or comment, as words.
            let command = line.dropFirst(prompt == "$ " ? 2 : 0).split(separator: "|").first!
            var words = (command.range(of: #"\s+#"#, options: .regularExpression).map { command[..<$0.lowerBound] } ?? command)
                .split(separator: " ").map(String.init)
            var environment = ["BRCC_CACHE_DIR": TestPaths.cache.path]
            while let first = words.first, first.hasPrefix("BRCC_CACHE_DIR=") {
                environment["BRCC_CACHE_DIR"] = mapped(String(first.dropFirst("BRCC_CACHE_DIR=".count)))
                words.removeFirst()
            }
            switch words.first {
            case "brcc":
                if words.contains("swift-package") { continue }  // SwiftPackageTests builds one (a minute)
                if let end = words.firstIndex(where: { $0 == "&&" || $0 == ">" }) { words = Array(words[..<end]) }
                var args: [String] = []
                var i = 1
                while i < words.count {
                    if ["--out", "-o", "--neuron", "--neuroml"].contains(words[i]), i + 1 < words.count {
                        args += [words[i], mapped(words[i + 1])]
                        i += 2
                    } else {
                        args.append(resolved(words[i]))
                        i += 1
                    }
                }
                let (status, output) = try shellCommand([brcc.path] + args, in: folder, environment: environment)
                XCTAssertEqual(status, 0, "\(place): `\(line)` failed:\n\(output.suffix(2000))")
                let printed = Set(output.split(separator: "\n", omittingEmptySubsequences: false))
                for (index, expected) in zip(shown.indices, shown) where Self.isStable(expected) {
                    XCTAssertTrue(printed.contains(expected), "\(doc):\(index + 1): `\(line)` does not print `\(expected)`:\n\(output.suffix(2000))")
                    ran.linesCompared += 1
                }
            case "head" where words.count == 3 && words[1].hasPrefix("-"):
                let rows = try String(contentsOfFile: resolved(words[2]), encoding: .utf8).split(separator: "\n")
                XCTAssertEqual(Array(rows.prefix(Int(words[1].dropFirst())!)), Array(shown), "\(place): `\(line)`")
                ran.linesCompared += shown.count
            case "wc" where words.count == 4 && words[1] == "-l" && words[2] == "<":
                let rows = try String(contentsOfFile: resolved(words[3]), encoding: .utf8).split(separator: "\n")
                XCTAssertEqual(["\(rows.count)"], Array(shown), "\(place): `\(line)`")
                ran.linesCompared += 1
            case "cmp" where words.count == 6 && words[3...] == ["&&", "echo", "same"]:
                let a = FileManager.default.contents(atPath: resolved(words[1])), b = FileManager.default.contents(atPath: resolved(words[2]))
                XCTAssertNotNil(a, "\(place): \(words[1]) was written")
                XCTAssertEqual(a, b, "\(place): `\(line)`")
                XCTAssertEqual(Array(shown), ["same"], place)
                ran.linesCompared += 1
            default:
                continue
            }
            ran.commands += 1
        }
        return ran
    }
}
