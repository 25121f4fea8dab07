import BRCDiagnostics
import BRCDriver
import BRCIR
import Foundation
import XCTest

/// The defects a security review of brcc found (twenty-eighth session): a model's names that
/// kernels read as built-ins, outputs that overwrite each other or brcc's own files, include
/// loops and sizes hidden behind symbolic links, exponential derived variables, unbounded
/// networks and data files, quadratic parsing, and diagnostics that printed any file a model
/// named. Each is now refused with a located error, or computed as the model says.
final class UntrustedFileTests: XCTestCase {
    /// A fresh folder for one test, removed when the test ends.
    func scratch(_ name: String) throws -> URL { try scratchDirectory("brcc-untrusted-\(name)") }

    /// A LEMS cell x' = -x / P with P = 10 ms, x(0) = 1, run for 10 ms, recorded.
    func decayModel(parameter p: String, outputs: String = #"<OutputFile id="f" fileName="x.dat"><OutputColumn id="x" quantity="pop[0]/x"/></OutputFile>"#,
                    size: String = "1", extra: String = "") -> String {
        """
        <Lems>
          <Target component="sim1"/>
          <ComponentType name="decay">
            <Parameter name="\(p)" dimension="time"/>
            <Exposure name="x" dimension="none"/>
            <Dynamics>
              <StateVariable name="x" dimension="none" exposure="x"/>
              <TimeDerivative variable="x" value="-x/\(p)"/>
              <OnStart><StateAssignment variable="x" value="1"/></OnStart>
            </Dynamics>
          </ComponentType>
          <decay id="c1" \(p)="10ms"/>
          <network id="net1"><population id="pop" component="c1" size="\(size)"/>\(extra)</network>
          <Simulation id="sim1" length="10ms" step="0.1ms" target="net1">\(outputs)</Simulation>
        </Lems>
        """
    }

    func errors(_ text: String, _ name: String = "m.xml") throws -> [Diagnostic] {
        let path = try writeModel(text, name, label: "untrusted")
        do {
            _ = try Driver.check(path)
            return []
        } catch DriverError.model(let ds) {
            return ds.filter { $0.severity == .error }
        }
    }

    /// A parameter named `t`, `dt`, `temperature`, `v` or `weight` is the parameter in its
    /// type's expressions: before, `weight` made the kernel fail to compile, `t` and
    /// `temperature` silently read the time and the temperature, and `v` the potential.
    func testParametersNamedAsBuiltInsAreTheParameters() throws {
        func final(_ p: String) throws -> Double {
            let (ir, _) = try Driver.check(try writeModel(decayModel(parameter: p), "\(p).xml", label: "untrusted"))
            let r = try Driver.run(ir, outDir: nil, cache: TestPaths.cache)
            return try XCTUnwrap(r.recorder.table(0).last?[1])
        }
        let reference = try final("tau")
        XCTAssertEqual(reference, exp(-1), accuracy: 2e-3, "x(10 ms) = e^-1 with tau = 10 ms (forward steps of 0.1 ms)")
        for p in ["t", "dt", "temperature", "v", "weight"] {
            XCTAssertEqual(try final(p), reference, "a parameter named \(p)")
        }
    }

    /// An output may not take brcc's own names, and two spellings of one file, or a file where
    /// another output needs a folder, are one error at the second (before: "wrote" twice, one
    /// file left; run-checkpoint.json deleted after it was reported written).
    func testOutputsDoNotOverwriteEachOtherOrBrccsFiles() throws {
        func column(_ id: String, _ file: String) -> String { #"<OutputFile id="\#(id)" fileName="\#(file)"><OutputColumn id="x" quantity="pop[0]/x"/></OutputFile>"# }
        for (outputs, expected) in [
            (column("f", "run-checkpoint.json"), "BRC-E0507"),
            (column("f", "plots/index.html"), "BRC-E0507"),
            (column("f", "x.dat") + column("g", "./x.dat"), "BRC-E0507"),
            (column("f", "results//./x.dat") + column("g", "results/x.dat"), "BRC-E0507"),
            (column("f", "results/x.dat") + column("g", "results/x.dat/y.dat"), "BRC-E0507"),
            (column("f", "results/x.dat/y.dat") + column("g", "results/x.dat"), "BRC-E0507"),
            (column("f", String(repeating: "a", count: 256) + ".dat"), "BRC-E0506"),
            (column("f", "results/"), "BRC-E0506"),
        ] {
            XCTAssertEqual(try errors(decayModel(parameter: "tau", outputs: outputs)).map(\.id), [expected], outputs)
        }
        // Different files that --format npy would write as one x.npy: a usage error before running.
        let (ir, _) = try Driver.check(try writeModel(decayModel(parameter: "tau", outputs: column("f", "x.dat") + column("g", "./x.txt")), "npy.xml", label: "untrusted"))
        let out = try scratch("npy")
        defer { try? FileManager.default.removeItem(at: out) }
        XCTAssertThrowsError(try Driver.run(ir, outDir: out, format: .npy, cache: TestPaths.cache)) { e in
            XCTAssertEqual((e as? DriverError)?.exitCode, 64)
            XCTAssertTrue("\(e)".contains("'x.dat' and './x.txt' as 'x.npy'"), "\(e)")
        }
        XCTAssertEqual(try Driver.run(ir, outDir: out, format: .dat, cache: TestPaths.cache).files.count, 2)
    }

    /// An include loop through symbolic links to the including folder is a cycle, found at
    /// once (two such links made 2^40 paths to read), and a file is read once however its path
    /// is spelt.
    func testIncludeLoopsThroughSymbolicLinks() throws {
        let dir = try scratch("links")
        defer { try? FileManager.default.removeItem(at: dir) }
        for link in ["l1", "l2"] { try FileManager.default.createSymbolicLink(atPath: dir.appendingPathComponent(link).path, withDestinationPath: ".") }
        let top = dir.appendingPathComponent("x.xml")
        try #"<Lems><Include file="l1/x.xml"/><Include file="l2/x.xml"/></Lems>"#.write(to: top, atomically: true, encoding: .utf8)
        let start = Date()
        XCTAssertThrowsError(try Driver.check(top.path)) { e in
            guard case DriverError.model(let ds) = e else { return XCTFail("\(e)") }
            XCTAssertEqual(Set(ds.map(\.id)), ["BRC-E0007"], "\(ds)")
        }
        XCTAssertLessThan(Date().timeIntervalSince(start), 10)
    }

    /// Sizes are those of what a path names: a symbolic link to a large file is refused before
    /// it is read (before: a link to a sparse 3 GB file crashed brcc), for models and data files.
    func testSizeLimitsFollowSymbolicLinks() throws {
        let dir = try scratch("sizes")
        defer { try? FileManager.default.removeItem(at: dir) }
        let big = dir.appendingPathComponent("sparse.bin")
        XCTAssertTrue(FileManager.default.createFile(atPath: big.path, contents: nil))
        let handle = try FileHandle(forWritingTo: big)
        try handle.truncate(atOffset: 300 << 20)  // sparse: no disk used
        try handle.close()
        try FileManager.default.createSymbolicLink(atPath: dir.appendingPathComponent("big.xml").path, withDestinationPath: big.path)
        try FileManager.default.createSymbolicLink(atPath: dir.appendingPathComponent("big.csv").path, withDestinationPath: big.path)
        let model = dir.appendingPathComponent("m.xml")
        try #"<Lems><Include file="big.xml"/></Lems>"#.write(to: model, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try Driver.check(model.path)) { e in
            guard case DriverError.model(let ds) = e else { return XCTFail("\(e)") }
            XCTAssertEqual(ds.map(\.id), ["BRC-E0011"], "\(ds)")
        }
        let data = dir.appendingPathComponent("d.nml")
        try #"<neuroml xmlns="http://www.neuroml.org/schema/neuroml2" xmlns:brc="urn:brcc:brc:1" id="d"><brc:currentFromFile id="cf" file="big.csv"/></neuroml>"#
            .write(to: data, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try Driver.check(data.path)) { e in
            guard case DriverError.model(let ds) = e else { return XCTFail("\(e)") }
            XCTAssertTrue(ds.contains { $0.id == "BRC-E0009" && $0.message.contains("300 MiB") }, "\(ds)")
        }
    }

    /// A diagnostic in a file that is not a model or data file by its name gives the position,
    /// not the file's contents (an include of /proc/self/environ printed the environment).
    func testDiagnosticsDoNotPrintFilesThatAreNotModels() throws {
        let dir = try scratch("secret")
        defer { try? FileManager.default.removeItem(at: dir) }
        try "API_TOKEN=hunter2\n".write(to: dir.appendingPathComponent("secret"), atomically: true, encoding: .utf8)
        try "<notxml API_TOKEN=hunter3\n".write(to: dir.appendingPathComponent("broken.xml"), atomically: true, encoding: .utf8)
        for (file, shown) in [("secret", false), ("broken.xml", true)] {
            let model = dir.appendingPathComponent("m.xml")
            try #"<Lems><Include file="\#(file)"/></Lems>"#.write(to: model, atomically: true, encoding: .utf8)
            XCTAssertThrowsError(try Driver.check(model.path)) { e in
                guard case DriverError.model(let ds) = e else { return XCTFail("\(e)") }
                XCTAssertEqual(ds.first?.location.file.hasSuffix(file), true, "\(ds)")
                var renderer = DiagnosticRenderer()
                let text = renderer.render(ds)
                XCTAssertEqual(text.contains("API_TOKEN"), shown, text)
            }
        }
        // <xi:include> is XInclude's, not NeuroML's include: an unknown element, nothing read.
        let xi = dir.appendingPathComponent("xi.xml")
        try #"<Lems xmlns:xi="http://www.w3.org/2001/XInclude"><xi:include href="secret"/></Lems>"#.write(to: xi, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try Driver.check(xi.path)) { e in
            guard case DriverError.model(let ds) = e else { return XCTFail("\(e)") }
            XCTAssertEqual(ds.map(\.id), ["BRC-E0103"], "\(ds)")
        }
    }

    /// Bounds that inputs of a few kilobytes could exceed: a chain of derived variables that
    /// doubles at every line (40 lines never finished), a network of 201 populations of 10
    /// million cells (40 GB allocated before any check), and an element of 10,001 attributes
    /// (libxml2 compares them pairwise).
    func testExponentialAndQuadraticInputsAreBounded() throws {
        var chain = #"<DerivedVariable name="r0" dimension="none" value="x"/>"#
        for i in 1..<40 { chain += #"<DerivedVariable name="r\#(i)" dimension="none" value="r\#(i - 1)+r\#(i - 1)"/>"# }
        let doubling = decayModel(parameter: "tau").replacingOccurrences(of: #"<TimeDerivative variable="x" value="-x/tau"/>"#,
                                                                          with: chain + #"<TimeDerivative variable="x" value="-r39/tau"/>"#)
        var start = Date()
        XCTAssertEqual(try errors(doubling, "chain.xml").map(\.id), ["BRC-E0204"])
        XCTAssertLessThan(Date().timeIntervalSince(start), 20)

        let populations = (1...3).map { #"<population id="p\#($0)" component="c1" size="10000000"/>"# }.joined()
        start = Date()
        let large = try errors(decayModel(parameter: "tau", size: "1", extra: populations), "cells.xml")
        XCTAssertEqual(large.map(\.id), ["BRC-E0404"], "once, at the population that crosses the bound")
        XCTAssertTrue(large.first?.message.contains("population 'p2' brings the network to 20000001 cells") ?? false, "\(large)")
        XCTAssertLessThan(Date().timeIntervalSince(start), 20)

        let attributes = (0...10_000).map { " a\($0)=\"1\"" }.joined()
        XCTAssertEqual(try errors("<Lems>\n<Target\(attributes)/></Lems>", "attributes.xml").map { "\($0.id) \($0.location.line)" }, ["BRC-E0011 2"])
    }
}
