import Foundation
import XCTest

/// The `$ brcc ...` transcripts of docs/cli.md run as written (exit 0), with their output
/// folders redirected to a temporary folder.
final class DocExamplesTests: XCTestCase {
    func testCliTranscriptsRun() throws {
        guard let brcc = TestPaths.executable("brcc") else { throw XCTSkip("no built brcc executable") }
        let doc = try String(contentsOf: TestPaths.repo.appendingPathComponent("docs/cli.md"), encoding: .utf8)
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("brcc-doc-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: tmp) }
        var renamed: [String: String] = [:]
        var ran = 0
        for line in doc.split(separator: "\n") where line.hasPrefix("$ brcc ") {
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
            ran += 1
        }
        XCTAssertGreaterThanOrEqual(ran, 10, "the transcripts were found")
    }
}
