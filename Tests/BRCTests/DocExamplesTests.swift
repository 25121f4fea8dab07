import Foundation
import XCTest

/// The `$ brcc ...` transcripts of docs/cli.md run as written (exit 0), with their output
/// folders redirected to a temporary folder, and print the lines the transcript shows, except
/// those that depend on the machine, the day or the cache (paths, timings, ETAs, what was
/// written or compiled, an elision `...`).
final class DocExamplesTests: XCTestCase {
    /// Whether a transcript's output line is the same on every machine and run.
    static func isStable(_ line: Substring) -> Bool {
        let volatile = ["/home/me", "/path/to", "/tmp/", "...", "ETA", "wrote ", "brcc: compiling", "simulated ", "run it with"]
        return !line.isEmpty && !volatile.contains { line.contains($0) } && line.range(of: #"[0-9] s[);]"#, options: .regularExpression) == nil
    }

    func testCliTranscriptsRun() throws {
        let brcc = try XCTUnwrap(TestPaths.executable("brcc"), "build brcc first (swift build)")
        let doc = try String(contentsOf: TestPaths.repo.appendingPathComponent("docs/cli.md"), encoding: .utf8)
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("brcc-doc-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: tmp) }
        var renamed: [String: String] = [:]
        var ran = 0, linesCompared = 0
        let lines = doc.split(separator: "\n", omittingEmptySubsequences: false)
        for (number, line) in lines.enumerated() where line.hasPrefix("$ brcc ") {
            // The lines it shows: up to the next command or the end of the block.
            let shown = lines[(number + 1)...].prefix { !$0.hasPrefix("$ ") && !$0.hasPrefix("```") }
            // The command without its pipe (`| head -4`), as words.
            let command = line.dropFirst(7).split(separator: "|").first!.split(separator: " ").map(String.init)
            if command.contains("swift-package") { continue }  // SwiftPackageTests builds one (a minute)
            var args: [String] = []
            var i = 0
            while i < command.count {
                let a = command[i]
                if ["--out", "-o", "--neuron", "--neuroml"].contains(a), i + 1 < command.count {
                    let path = command[i + 1]
                    let mapped = renamed[path] ?? tmp.appendingPathComponent("\(renamed.count)").path
                    renamed[path] = mapped
                    args += [a, mapped]
                    i += 2
                    continue
                }
                // An earlier output folder (a training run to report on), or a path under one
                // (e.g. the exported LEMS file).
                if let to = renamed[a] {
                    args.append(to)
                } else if let (from, to) = renamed.first(where: { a.hasPrefix($0.key + "/") }) {
                    args.append(to + a.dropFirst(from.count))
                } else {
                    args.append(a)
                }
                i += 1
            }
            let (status, output) = try shellCommand([brcc.path] + args, in: TestPaths.repo, environment: ["BRCC_CACHE_DIR": TestPaths.cache.path])
            XCTAssertEqual(status, 0, "docs/cli.md: `\(line)` failed:\n\(output.suffix(2000))")
            let printed = Set(output.split(separator: "\n", omittingEmptySubsequences: false))
            for (index, expected) in zip(shown.indices, shown) where Self.isStable(expected) {
                XCTAssertTrue(printed.contains(expected), "docs/cli.md:\(index + 1): `\(line)` does not print `\(expected)`:\n\(output.suffix(2000))")
                linesCompared += 1
            }
            ran += 1
        }
        XCTAssertGreaterThanOrEqual(ran, 10, "the transcripts were found")
        XCTAssertGreaterThanOrEqual(linesCompared, 20, "their output lines were compared (27 on 2026-12-07)")
    }
}
