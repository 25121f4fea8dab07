@testable import BRCDriver
import Foundation
import XCTest

/// A short seeded run of `brcc-fuzz` (docs/reliability.md): the parser and lowering survive a
/// thousand mutated models (of `models/` and of the NEURON-checked forms in `tools/lems/`), and
/// a crash would be caught and its input saved.
final class FuzzTests: XCTestCase {
    static let runs = 1_000

    func fuzzer() throws -> URL {
        try XCTUnwrap(TestPaths.executable("brcc-fuzz"), "cannot find the built brcc-fuzz near \(Bundle.main.bundleURL.path); build it with `swift build`")
    }

    func temporaryFolder() throws -> URL { try scratchDirectory("brcc-fuzz-test") }

    func testSeededSmokeRun() throws {
        let out = try temporaryFolder()
        let r = try InvalidModelTests.run(try fuzzer(), ["--seed", "20261201", "--runs", "\(Self.runs)", "--out", out.path,
                                                      "--corpus", TestPaths.model("models"), "--corpus", TestPaths.model("tools/lems"), "--slow", "10", "--quiet"])
        let excerpt = r.stderr.split(separator: "\n").suffix(8).joined(separator: "\n")
        XCTAssertEqual(r.status, 0, "brcc-fuzz found a crash; stdout:\n\(r.stdout)\nstderr ends:\n\(excerpt)")
        XCTAssertTrue(r.stdout.contains(": \(Self.runs) inputs (0..<\(Self.runs))"), r.stdout)
        XCTAssertTrue(r.stdout.contains("crashes 0"), r.stdout)
        let crashes = try FileManager.default.contentsOfDirectory(atPath: out.path).filter { $0.hasPrefix("crash-") }
        XCTAssertEqual(crashes, [])
    }

    /// With `simulate`, an accepted model is also built and run, its outputs and plots written
    /// and removed: a spike delay of 1e300 ms (a crash of the runtime's set-up that lowering
    /// accepts) runs, and so do plots of a very wide Display; a run that fails numerically is a
    /// rejection, not an internal error.
    func testSimulatedInputsRunTheRuntime() throws {
        let dir = try temporaryFolder()
        let path = dir.appendingPathComponent("m.xml").path
        let far = EventQueueTests.model(spike: "0.5ms", delay: "1e300ms", length: "2ms")
        let scratch = dir.appendingPathComponent("run")
        var stages = Fuzz.Stages(cache: TestPaths.cache, scratch: scratch)
        stages.simulate = 100
        XCTAssertEqual(Fuzz.run(text: far, path: path, stages: stages), .accepted)
        XCTAssertFalse(FileManager.default.fileExists(atPath: scratch.path), "the run's outputs and plots are removed")
        let blowUp = far.replacingOccurrences(of: "<network id=\"net1\">", with: """
            <network id="net1"><explicitInput target="cells[0]" input="huge"/>
            """).replacingOccurrences(of: "<expOneSynapse", with: "<pulseGenerator id=\"huge\" delay=\"0ms\" duration=\"1s\" amplitude=\"1e308nA\"/><expOneSynapse")
            .replacingOccurrences(of: "thresh=\"-50mV\"", with: "thresh=\"1e308mV\"")
        XCTAssertEqual(Fuzz.run(text: blowUp, path: path), .accepted, "lowering accepts it")
        XCTAssertEqual(Fuzz.run(text: blowUp, path: path, stages: stages), .rejected, "its run fails numerically")
        // Its plots are drawn too: a Display whose range is too wide for a tick step crashed them.
        let wide = far.replacingOccurrences(of: "<OutputFile", with: """
            <Display id="d" title="t" timeScale="1ms" xmin="-1e308" xmax="1e308" ymin="-1e308" ymax="1e308"><Line id="l" quantity="cells[0]/v" scale="1mV" color="#000000" timeScale="1ms"/></Display><OutputFile
            """)
        XCTAssertEqual(Fuzz.run(text: wide, path: path, stages: stages), .accepted)
        // With `swift`, the Swift kernels' outputs are compared with the C kernels', byte for byte;
        // with `fast`, the fast kernels are built and run too.
        stages.swift = true
        stages.fast = true
        XCTAssertEqual(Fuzz.run(text: far, path: path, stages: stages), .accepted)
        // The comparison itself: outputs that differ from the C kernels' by one byte, or a file
        // the Swift kernels do not write, are a bug of the stage.
        let ir = try Driver.check(text: far, path: path)
        try Fuzz.simulate(ir, steps: 100, into: scratch.appendingPathComponent("c"), plots: false, stages)
        var outputs = Fuzz.outputFiles(scratch.appendingPathComponent("c"))
        XCTAssertFalse(outputs.isEmpty, "the model writes outputs")
        XCTAssertNoThrow(try Fuzz.simulate(ir, steps: 100, writes: outputs, "the Swift kernels", backend: .swift, stages))
        let name = outputs.keys.sorted()[0]
        outputs[name]![0] ^= 1
        XCTAssertThrowsError(try Fuzz.simulate(ir, steps: 100, writes: outputs, "the Swift kernels", backend: .swift, stages)) {
            XCTAssertEqual("\($0)", "the Swift kernels write \(name) differently from the model's C kernels")
        }
        outputs["results/none.dat"] = Data("1".utf8)
        outputs[name]![0] ^= 1
        XCTAssertThrowsError(try Fuzz.simulate(ir, steps: 100, writes: outputs, "the Swift kernels", backend: .swift, stages)) {
            XCTAssertEqual("\($0)", "the Swift kernels write results/none.dat not at all")
        }
    }

    /// With `export` and `train`, an accepted model is also exported to NEURON and NeuroML (the
    /// NeuroML export loaded and lowered again) and a small task model trained and reported; a
    /// training too large for the fuzzer is skipped. The NEURON files' check finds what NMODL
    /// cannot read.
    func testExportAndTrainStages() throws {
        let dir = try temporaryFolder()
        let model = TestPaths.model("models/small/train_small_cue.xml")
        let text = try String(contentsOfFile: model, encoding: .utf8)
        var stages = Fuzz.Stages(cache: TestPaths.cache, scratch: dir.appendingPathComponent("run"))
        stages.export = true
        stages.train = true
        XCTAssertEqual(Fuzz.run(text: text, path: model, stages: stages), .accepted)
        XCTAssertFalse(FileManager.default.fileExists(atPath: stages.scratch.path), "the stages' files are removed")
        // What the train stage does, kept: one round of two sets, scored and reported.
        let (doc, ir, _) = try Driver.checkDocument(model)
        try Fuzz.train(doc, ir, stages)
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: stages.scratch.appendingPathComponent("train/summary.json"))) as? [String: Any]
        XCTAssertEqual((summary?["rounds"] as? [Any])?.count, 1, "one round")
        let evaluations = try String(contentsOf: stages.scratch.appendingPathComponent("train/evaluations.csv"), encoding: .utf8)
        XCTAssertEqual(evaluations.split(separator: "\n").count, 1 + 2, "a header and two scored sets")
        XCTAssertTrue(FileManager.default.fileExists(atPath: stages.scratch.appendingPathComponent("train/report.html").path))
        try FileManager.default.removeItem(at: stages.scratch)
        // 20,000 readout cells for 8,000 steps and 12 trials are beyond the fuzzer's budget: not trained.
        let big = text.replacingOccurrences(of: #"component="passive1" size="20""#, with: #"component="passive1" size="20000""#)
        let started = Date()
        stages.export = false
        XCTAssertEqual(Fuzz.run(text: big, path: model, stages: stages), .accepted)
        XCTAssertLessThan(Date().timeIntervalSince(started), 60, "lowered, not trained")
        XCTAssertNil(Fuzz.nmodlProblem(Data("NEURON {\n  SUFFIX x : a } in a comment\n}\nCOMMENT\n{\nENDCOMMENT\n".utf8)))
        XCTAssertEqual(Fuzz.nmodlProblem(Data("NEURON {\n".utf8)), "leaves 1 brace(s) open")
        XCTAssertEqual(Fuzz.nmodlProblem(Data("}\n{".utf8)), "closes a brace it did not open on line 1")
        XCTAssertEqual(Fuzz.nmodlProblem(Data(": caf\u{e9}\n".utf8)), "has U+e9 on line 1")
    }

    /// A Swift trap and a stack overflow (caught on the alternate signal stack) both exit 1 and
    /// leave the input that was running in crash-SEED-N.xml.
    func testCrashesAreCaughtAndSaved() throws {
        for (flag, signal) in [("--self-test-crash", "signal 4"), ("--self-test-stack-overflow", "signal 11")] {
            let out = try temporaryFolder()
            let r = try InvalidModelTests.run(try fuzzer(), ["--seed", "3", "--start", "5", "--runs", "10", "--out", out.path,
                                                          "--corpus", TestPaths.model("models"), flag])
            XCTAssertEqual(r.status, 1, "\(flag): stderr:\n\(r.stderr)")
            let file = out.appendingPathComponent("crash-3-5.xml")
            let saved = try Data(contentsOf: file)
            XCTAssertFalse(saved.isEmpty, flag)
            XCTAssertTrue(r.stderr.contains("input saved to \(file.path)"), "\(flag): stderr:\n\(r.stderr)")
            let log = try String(contentsOf: out.appendingPathComponent("crashes.log"), encoding: .utf8)
            XCTAssertTrue(log.hasPrefix("seed 3 input 5 \(signal) pc "), "\(flag): crashes.log: \(log)")
            XCTAssertTrue(log.hasSuffix(".nml\n") || log.hasSuffix(".xml\n"), "\(flag): crashes.log: \(log)")

            // The saved bytes are input 5 of seed 3, as the mutation engine makes it from the same corpus.
            let corpus = try Self.corpus()
            var rng = Fuzz.RNG(seed: 3, input: 5)
            let base = corpus[rng.below(corpus.count)]
            let bytes = Fuzz.mutate(base.bytes, corpus: corpus, rng: &rng, maxLength: 262_144)
            XCTAssertEqual(saved, Data(String(decoding: bytes, as: UTF8.self).utf8), flag)
            XCTAssertTrue(log.contains(" base \(base.path)\n"), "\(flag): crashes.log: \(log)")
        }
    }

    /// The corpus as brcc-fuzz reads it for `--corpus models`: sorted paths.
    static func corpus() throws -> [Fuzz.Seed] {
        let dir = URL(fileURLWithPath: TestPaths.model("models")).standardizedFileURL
        let e = try XCTUnwrap(FileManager.default.enumerator(at: dir, includingPropertiesForKeys: nil))
        var files: [URL] = []
        for case let u as URL in e where ["nml", "xml"].contains(u.pathExtension) { files.append(u.standardizedFileURL) }
        return try files.sorted { $0.path < $1.path }.map { Fuzz.Seed(path: $0.path, bytes: [UInt8](try Data(contentsOf: $0))) }
    }

    func testMutationsAreDeterministicAndBounded() throws {
        let corpus = try Self.corpus()
        for n in 0..<200 {
            var a = Fuzz.RNG(seed: 42, input: n), b = Fuzz.RNG(seed: 42, input: n)
            let x = Fuzz.mutate(corpus[n % corpus.count].bytes, corpus: corpus, rng: &a, maxLength: 4096)
            let y = Fuzz.mutate(corpus[n % corpus.count].bytes, corpus: corpus, rng: &b, maxLength: 4096)
            XCTAssertEqual(x, y)
            XCTAssertLessThanOrEqual(x.count, 4096)
        }
        // Every mutation kind does something to a typical model.
        let model = corpus.first { $0.bytes.count > 2000 }!.bytes
        for m in Fuzz.Mutation.allCases {
            var changed = false
            for s in 0..<20 where !changed {
                var rng = Fuzz.RNG(seed: UInt64(s))
                var b = model
                Fuzz.apply(m, to: &b, corpus: corpus, rng: &rng)
                changed = b != model
            }
            XCTAssertTrue(changed, "\(m) never changed the model")
        }
    }
}
