import BRCDriver
import BRCIR
import Foundation
import XCTest

/// Finds the test bundle.
private final class BundleToken {}

/// A seeded random number generator (Knuth's MMIX linear congruential step): tests that draw
/// random values draw the same ones every run, so a failure can be repeated.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 { state = state &* 6364136223846793005 &+ 1442695040888963407; return state }
}

/// The whole number printed right after the first `prefix` in `text` (what a command says it
/// did, e.g. the step it resumed from), if any.
func wholeNumber(after prefix: String, in text: String) -> Int? {
    text.range(of: prefix).flatMap { Int(text[$0.upperBound...].prefix { $0.isNumber }) }
}

/// Paths and helpers shared by the tests.
enum TestPaths {
    /// The repository root (this file is Tests/BRCTests/Support.swift).
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    /// The shared folder beside the repository (reference traces, NeuroML examples).
    static let shared = repo.deletingLastPathComponent().appendingPathComponent("shared")
    /// A kernel cache private to the test run.
    static let cache = FileManager.default.temporaryDirectory.appendingPathComponent("brcc-test-cache")

    static func model(_ relative: String) -> String { repo.appendingPathComponent(relative).path }
    static func sharedFile(_ relative: String) -> String { shared.appendingPathComponent(relative).path }

    /// A built executable of this package (`brcc`, `brcc-fuzz`): searched upward from the test
    /// bundle, the test process and this file, as `NAME` beside them or in `.build/debug/`.
    static func executable(_ name: String) -> URL? {
        var starts: [URL] = [
            Bundle(for: BundleToken.self).bundleURL.deletingLastPathComponent(),
            Bundle.main.bundleURL,
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(),
            URL(fileURLWithPath: #filePath).deletingLastPathComponent(),
        ]
        starts = starts.map(\.standardizedFileURL)
        let fm = FileManager.default
        func executable(_ url: URL) -> Bool {
            var isDir: ObjCBool = false
            return fm.fileExists(atPath: url.path, isDirectory: &isDir) && !isDir.boolValue && fm.isExecutableFile(atPath: url.path)
        }
        for start in starts {
            var dir = start
            while true {
                for candidate in [dir.appendingPathComponent(name), dir.appendingPathComponent(".build/debug/\(name)")] where executable(candidate) {
                    return candidate
                }
                let parent = dir.deletingLastPathComponent()
                if parent.path == dir.path { break }
                dir = parent
            }
        }
        return nil
    }
}

/// A whitespace-separated numeric table (LEMS OutputFile format).
func loadTable(_ path: String) throws -> [[Double]] {
    let text = try String(contentsOfFile: path, encoding: .utf8)
    return text.split(separator: "\n").compactMap { line in
        let row = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).compactMap { Double($0) }
        return row.isEmpty ? nil : row
    }
}

/// Times (ms) of upward crossings of `threshold` (mV), linearly interpolated, as
/// ../shared/tools/compare_outputs.py computes them. `t` in s, `v` in V.
func spikeTimes(t: [Double], v: [Double], threshold: Double = 0) -> [Double] {
    var out: [Double] = []
    for i in 0..<(v.count - 1) {
        let a = v[i] * 1000, b = v[i + 1] * 1000
        if a < threshold && b >= threshold {
            out.append((t[i] + (threshold - a) / (b - a) * (t[i + 1] - t[i])) * 1000)
        }
    }
    return out
}

/// RMS difference (mV) on the reference's time grid, the candidate linearly interpolated.
func rmsDifference(refT: [Double], refV: [Double], t: [Double], v: [Double]) -> Double {
    var sum = 0.0, n = 0
    var j = 0
    for (i, tr) in refT.enumerated() where tr >= t.first! - 1e-12 && tr <= t.last! + 1e-12 {
        while j + 1 < t.count - 1 && t[j + 1] < tr { j += 1 }
        let w = t[j + 1] == t[j] ? 0 : (tr - t[j]) / (t[j + 1] - t[j])
        let c = v[j] + w * (v[j + 1] - v[j])
        sum += (c - refV[i]) * (c - refV[i])
        n += 1
    }
    return (sum / Double(max(n, 1))).squareRoot() * 1000
}

/// Asserts that column `col` of `candidate` matches `reference` as SPEC.md §5 defines it.
func assertMatches(reference: [[Double]], candidate: [[Double]], refColumn: Int, column: Int, label: String,
                   maxSpikeMs: Double = 0.05, maxRmsMV: Double = 0.5, file: StaticString = #filePath, line: UInt = #line) {
    let rt = reference.map { $0[0] }, rv = reference.map { $0[refColumn] }
    let ct = candidate.map { $0[0] }, cv = candidate.map { $0[column] }
    let rs = spikeTimes(t: rt, v: rv), cs = spikeTimes(t: ct, v: cv)
    XCTAssertEqual(cs.count, rs.count, "\(label): spike count", file: file, line: line)
    let worst = zip(rs, cs).map { abs($0 - $1) }.max() ?? 0
    XCTAssertLessThanOrEqual(worst, maxSpikeMs, "\(label): worst spike-time difference (ms)", file: file, line: line)
    let rms = rmsDifference(refT: rt, refV: rv, t: ct, v: cv)
    XCTAssertLessThanOrEqual(rms, maxRmsMV, "\(label): RMS difference (mV)", file: file, line: line)
    XCTAssertGreaterThan(ct.last!, rt.last! - 1e-9, "\(label): candidate covers the run", file: file, line: line)
}

/// Runs a LEMS file through the whole pipeline and returns the tables of its OutputFiles.
func runSimulation(_ path: String) throws -> [[[Double]]] {
    let (ir, _) = try Driver.check(path)
    let r = try Driver.run(ir, outDir: nil, cache: TestPaths.cache)
    return (0..<(ir.simulation?.outputs.count ?? 0)).map { r.recorder.table($0) }
}

/// Checks outputs against a standard example's NEURON reference as
/// ../shared/tools/compare_outputs.py does: the columns listed in meta.json, reference spike
/// times from meta.json (full resolution) with each column's threshold, RMS on the stored grid.
func assertMatchesExpected(_ caseName: String, outputs: [String: [[Double]]], maxSpikeMs: Double = 0.05, maxRmsMV: Double = 0.5,
                           in folder: URL? = nil, file: StaticString = #filePath, line: UInt = #line) throws {
    let dir = folder ?? TestPaths.shared.appendingPathComponent("neuroml/expected/\(caseName)")
    let meta = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("meta.json"))) as! [String: Any]
    let spikes = (meta["spikes_ms"] as! [String: Any])["neuron"] as! [String: [Double]]
    let compare = meta["compare"] as! [[String: Any]]
    XCTAssertFalse(compare.isEmpty, file: file, line: line)
    for c in compare {
        let key = c["key"] as! String, fileName = c["file"] as! String, index = c["index"] as! Int
        let threshold = (c["spike_threshold_mV"] as? Double) ?? 0
        let ref = try loadTable(dir.appendingPathComponent("neuron/\(fileName)").path)
        guard let cand = outputs[fileName] else { XCTFail("\(key): no output \(fileName)", file: file, line: line); continue }
        let ct = cand.map { $0[0] }, cv = cand.map { $0[index] }
        let cs = spikeTimes(t: ct, v: cv, threshold: threshold), rs = spikes[key] ?? []
        XCTAssertEqual(cs.count, rs.count, "\(key): spike count", file: file, line: line)
        let worst = zip(rs, cs).map { abs($0 - $1) }.max() ?? 0
        XCTAssertLessThanOrEqual(worst, maxSpikeMs, "\(key): worst spike-time difference (ms)", file: file, line: line)
        let rms = rmsDifference(refT: ref.map { $0[0] }, refV: ref.map { $0[index] }, t: ct, v: cv)
        XCTAssertLessThanOrEqual(rms, maxRmsMV, "\(key): RMS (mV)", file: file, line: line)
    }
}

/// The errors `brcc check` reports for a model file, each as "ID message" (none if it passes;
/// a failure other than a model error as its description).
func modelErrors(_ path: String) -> [String] {
    do {
        _ = try Driver.check(path)
        return []
    } catch DriverError.model(let ds) {
        return ds.filter { $0.severity == .error }.map { "\($0.id) \($0.message)" }
    } catch {
        return ["\(error)"]
    }
}

/// Runs a LEMS file and returns its OutputFiles by file name.
func runSimulationByFile(_ path: String) throws -> [String: [[Double]]] {
    let (ir, _) = try Driver.check(path)
    let r = try Driver.run(ir, outDir: nil, cache: TestPaths.cache)
    var out: [String: [[Double]]] = [:]
    for (i, f) in (ir.simulation?.outputs ?? []).enumerated() { out[f.fileName] = r.recorder.table(i) }
    return out
}

/// A small cue-task network: 12 tuned cue cells drive 12 passive readout cells one-to-one
/// through a slow synapse; `extra` is added to the LEMS file (e.g. a `brc:cueTask`).
func smallCueNetwork(length: String, extra: String = "", readout: String = "readout", connectivity: String = "<brc:oneToOne/>") -> String {
    """
    <Lems xmlns:brc="urn:brcc:brc:1">
      <Include file="\(TestPaths.model("models/cells/cuecell.cell.nml"))"/>
      <Include file="\(TestPaths.model("models/cells/passive1.cell.nml"))"/>
      <Include file="\(TestPaths.model("models/synapses/kinetic_synapses.xml"))"/>
      <kineticSynapse id="slow" gbase="1nS" erev="0mV" alpha="1.1per_ms" beta="0.01per_ms" Cdur="1ms"/>
      <brc:tunedCue id="cue" value="0 0" centreMin="-3" centreMax="3" sd="1.0" seed="4" scale="0.1nA" delay="100ms" duration="25ms"/>
      <network id="net">
        <population id="cue" component="cuecell" size="12"/>
        <population id="readout" component="passive1" size="12"/>
        <projection id="p" presynapticPopulation="cue" postsynapticPopulation="readout" synapse="slow">\(connectivity)</projection>
        <inputList id="in" population="cue" component="cue"><brc:allCells/></inputList>
      </network>
      <Simulation id="sim" length="\(length)" step="0.025ms" target="net"/>
      <Target component="sim"/>
      \(extra)
    </Lems>
    """
}

/// Runs a command (looked up on PATH) in `dir`, with `environment` added to this process's;
/// returns its exit status and its output and error output together.
func shellCommand(_ args: [String], in dir: URL, environment: [String: String] = [:]) throws -> (Int32, String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = args
    p.currentDirectoryURL = dir
    if !environment.isEmpty { p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
    let pipe = Pipe()
    p.standardOutput = pipe
    p.standardError = pipe
    try p.run()
    let out = pipe.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: out, as: UTF8.self))
}

/// The text of standard example `LEMS_NML2_<name>.xml` (../shared/neuroml/LEMSexamples), with
/// its `../examples/` includes made absolute, so that an edited copy can be written elsewhere.
func standardExampleText(_ name: String) throws -> String {
    let text = try String(contentsOfFile: TestPaths.sharedFile("neuroml/LEMSexamples/LEMS_NML2_\(name).xml"), encoding: .utf8)
    return text.replacingOccurrences(of: "\"../examples/", with: "\"" + TestPaths.sharedFile("neuroml/examples") + "/")
}

extension XCTestCase {
    /// A new, empty folder `LABEL-UUID` in the temporary directory, removed with everything in
    /// it when the test ends (a teardown block): where a test writes its files, so that no run
    /// leaves anything in /tmp. A path the code under test must create itself (an `--out`
    /// folder) goes inside it. Only for a test case's own methods (it registers the teardown).
    func scratchDirectory(_ label: String) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        return dir
    }

    /// Writes a model's text to `name` in a folder of its own (a `scratchDirectory`, removed
    /// when the test ends) and returns the file's path; `label` names the folder.
    func writeModel(_ text: String, _ name: String = "m.xml", label: String) throws -> String {
        let path = try scratchDirectory("brcc-\(label)").appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}

/// A LEMS file of `body` (ComponentTypes and components, which may use the units ms and
/// per_ms) that simulates `target` for 0.3 ms at 0.1 ms and records `quantities` in
/// `results/o.dat`, one column each in order.
func millisecondLEMS(_ body: String, target: String, quantities: [String]) -> String {
    """
    <Lems>
      <Target component="sim"/>
      <Include file="Simulation.xml"/>
      <Dimension name="time" t="1"/>
      <Dimension name="per_time" t="-1"/>
      <Unit symbol="ms" dimension="time" power="-3"/>
      <Unit symbol="per_ms" dimension="per_time" power="3"/>
      \(body)
      <Simulation id="sim" length="0.3ms" step="0.1ms" target="\(target)">
        <OutputFile id="of" fileName="results/o.dat">\(quantities.enumerated().map { "<OutputColumn id=\"c\($0)\" quantity=\"\($1)\"/>" }.joined())</OutputFile>
      </Simulation>
    </Lems>
    """
}
