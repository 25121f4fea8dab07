import BRCCodeGen
import BRCDiagnostics
import BRCDriver
import BRCIR
import BRCParse
@testable import BRCRuntime
import BRCSyntax
import CBRCKernel
import Foundation
import XCTest

/// Per-stage checks: XML -> document, model -> IR text (golden), IR -> C -> library, cache, ABI.
final class PipelineStageTests: XCTestCase {
    // MARK: XML -> document

    func testDocumentKeepsLinesColumnsAndResolvesIncludes() throws {
        let sink = DiagnosticSink()
        let doc = try XCTUnwrap(Loader.load(TestPaths.model("models/sims/LEMS_pyr4_soma_step.xml"), sink: sink))
        XCTAssertFalse(sink.hasErrors)
        XCTAssertEqual(doc.standardIncludes, ["Cells.xml", "Networks.xml", "Simulation.xml"])
        // sim -> net -> cell -> six channels, each read once.
        XCTAssertEqual(doc.files.map { URL(fileURLWithPath: $0).lastPathComponent }, [
            "LEMS_pyr4_soma_step.xml", "pyr4_soma_step.net.nml", "pyr4.cell.nml", "Leak.channel.nml", "Na.channel.nml",
            "K.channel.nml", "Km.channel.nml", "CaL.channel.nml", "CaT.channel.nml",
        ])
        let na = try XCTUnwrap(doc.elements.first { $0.id == "Na" })
        XCTAssertEqual(na.name, "ionChannelHH")
        XCTAssertTrue(na.location.file.hasSuffix("models/channels/Na.channel.nml"))
        let text = try String(contentsOfFile: na.location.file, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        let line = String(text[na.location.line - 1])
        XCTAssertTrue(line.dropFirst(na.location.column - 1).hasPrefix("<ionChannelHH"), "the column points at the tag: \(line)")
        let cond = try XCTUnwrap(na.attribute("conductance"))
        XCTAssertTrue(String(text[cond.location.line - 1]).dropFirst(cond.location.column - 1).hasPrefix("conductance="))
    }

    /// `brcc inspect --ast`: the elements as read, includes resolved, each with its location,
    /// brc's prefix, how an expression parsed, and attribute text escaped; printed even when
    /// the model does not lower.
    func testTheASTOutlineShowsWhatBrccRead() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("brcc-outline-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try "<neuroml><ionChannelHH id=\"k\" conductance=\"10pS\"/></neuroml>\n".write(to: dir.appendingPathComponent("k.nml"), atomically: true, encoding: .utf8)
        let model = dir.appendingPathComponent("model.xml")
        try """
        <Lems xmlns:brc="urn:brcc:brc:1">
          <Include file="k.nml"/>
          <ComponentType name="t">
            <Dynamics><DerivedVariable name="x" dimension="none" value="(a + b) * c - (d - e)"/></Dynamics>
          </ComponentType>
          <brc:poissonInput id="p" note="two&#10;lines &quot;quoted&quot;"/>
          <network id="net"><population id="pop" component="nothing" size="1"/></network>
        </Lems>
        """.write(to: model, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try Driver.check(model.path), "the model does not lower (pop's component is undefined)")
        let text = try Driver.outline(model.path)
        let lines = text.split(separator: "\n").map(String.init)
        XCTAssertEqual(Array(lines.prefix(3)), ["# files, in include order:", "#   \"\(model.path)\"", "#   \"\(dir.appendingPathComponent("k.nml").path)\""])
        XCTAssertTrue(lines.contains("ionChannelHH id=\"k\" conductance=\"10pS\"  @ \(dir.appendingPathComponent("k.nml").path):1:10"), text)
        XCTAssertTrue(lines.contains("    DerivedVariable name=\"x\" dimension=\"none\" value=\"(a + b) * c - (d - e)\"  @ \(model.path):4:15"),
                      "an expression printed as written shows no parsed form: \(text)")
        XCTAssertTrue(lines.contains("brc:poissonInput id=\"p\" note=\"two\\nlines \\\"quoted\\\"\"  @ \(model.path):6:3"), text)
        XCTAssertEqual(lines.filter { !$0.hasPrefix("#") }.count, 7, "the Include is resolved, not shown: \(text)")
        // An expression whose canonical form differs shows it.
        let doc = Document(rootFile: "m", elements: [Element(name: "x", attributes: [Attribute(name: "value", value: "a+b*c",
                           location: SourceLocation(file: "m", line: 1, column: 4))], location: SourceLocation(file: "m", line: 1, column: 1))],
                           files: ["m"], standardIncludes: [], expressions: [SourceLocation(file: "m", line: 1, column: 4): .binary(.add, .variable("a"), .binary(.mul, .variable("b"), .variable("c")))])
        XCTAssertTrue(doc.outline().contains("x value=\"a+b*c\" [parsed: a + b * c]  @ m:1:1"), doc.outline())
    }

    // MARK: model -> IR (golden text)

    func assertGolden(_ text: String, _ name: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let url = TestPaths.repo.appendingPathComponent("Tests/BRCTests/Golden/\(name)")
        if ProcessInfo.processInfo.environment["BRCC_RECORD_GOLDEN"] == "1" {
            try text.write(to: url, atomically: true, encoding: .utf8)
            return
        }
        let expected = try String(contentsOf: url, encoding: .utf8)
        XCTAssertEqual(text, expected, "IR text of \(name) changed; if intended, re-record with BRCC_RECORD_GOLDEN=1 swift test", file: file, line: line)
    }

    func testIRGoldenText() throws {
        try assertGolden(IRPrinter.print(try Driver.check(TestPaths.model("models/sims/LEMS_hh1_step.xml")).0), "hh1_step.ir")
        try assertGolden(IRPrinter.print(try Driver.check(TestPaths.model("models/cells/pyr4.cell.nml")).0), "pyr4.ir")
    }

    /// The verifier refuses a state or local defined twice in a mechanism or synapse (each is
    /// one variable of the generated code: the kernel build would fail on a redefinition).
    func testVerifierRefusesANameDefinedTwice() throws {
        var ir = try Driver.check(TestPaths.model("models/sims/LEMS_hh1_step.xml")).0
        XCTAssertEqual(IRVerifier.verify(ir), [])
        let m = try XCTUnwrap(ir.mechanisms.firstIndex { !$0.states.isEmpty })
        ir.mechanisms[m].states.append(ir.mechanisms[m].states[0])
        XCTAssertEqual(IRVerifier.verify(ir), ["mechanism \(ir.mechanisms[m].name): a state is defined twice"])
    }

    /// Each part of the verifier runs: a broken synapse, connection, node tree or stimulus is
    /// reported, each with its own message, in a model that is otherwise valid.
    func testVerifierChecksSynapsesLinksCellsAndStimuli() throws {
        let valid = try Driver.check(TestPaths.model("models/sims/LEMS_syn_AMPA.xml")).0
        XCTAssertEqual(IRVerifier.verify(valid), [])
        XCTAssertFalse(valid.connections.isEmpty || valid.stimuli.isEmpty)
        var ir = valid
        ir.synapses[0].states.append(ir.synapses[0].states[0])
        XCTAssertEqual(IRVerifier.verify(ir), ["synapse \(ir.synapses[0].name): a state is defined twice"])
        ir = valid
        ir.connections[0].delay = -1
        let c = ir.connections[0]
        XCTAssertEqual(IRVerifier.verify(ir), ["connection from source \(c.source) to group \(c.group) instance \(c.instance) is malformed"])
        ir = valid
        let t = try XCTUnwrap(ir.cellTypes.firstIndex { $0.nodes.count == 1 })
        ir.cellTypes[t].nodes[0].parent = 0
        XCTAssertEqual(IRVerifier.verify(ir), ["cell \(ir.cellTypes[t].name): node 0 is not the root"])
        ir = valid
        ir.stimuli[0].cell = ir.populations[ir.stimuli[0].population].size
        XCTAssertEqual(IRVerifier.verify(ir), ["stimulus \(ir.stimuli[0].label): cell \(ir.stimuli[0].cell) out of range"])
    }

    /// The root segment is the one without a parent, wherever the file lists it: pyr4 with its
    /// soma listed after the dendrites detects spikes at the same node (the soma's centre),
    /// not in the dendrite listed first.
    func testTheRootSegmentIsTheOneWithoutAParent() throws {
        let original = try String(contentsOfFile: TestPaths.model("models/cells/pyr4.cell.nml"), encoding: .utf8)
        let soma = try XCTUnwrap(original.range(of: #"<segment id="0" name="soma">[\s\S]*?</segment>"#, options: .regularExpression))
        var moved = original
        moved.removeSubrange(soma)
        let groups = try XCTUnwrap(moved.range(of: "<segmentGroup id=\"soma_group\""))
        moved.insert(contentsOf: original[soma] + "\n            ", at: groups.lowerBound)
        moved = moved.replacingOccurrences(of: "href=\"../channels/", with: "href=\"\(TestPaths.model("models/channels"))/")
        XCTAssertGreaterThan(moved.range(of: "name=\"soma\"")!.lowerBound, moved.range(of: "name=\"dend3\"")!.lowerBound, "the soma is listed last")
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("pyr4_soma_last_\(ProcessInfo.processInfo.processIdentifier).cell.nml")
        try moved.write(to: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: path) }
        let a = try Driver.check(TestPaths.model("models/cells/pyr4.cell.nml")).0.cellTypes[0]
        let b = try Driver.check(path.path).0.cellTypes[0]
        XCTAssertEqual(a.spikeNode, 2)
        XCTAssertEqual(b.spikeNode, a.spikeNode)
    }

    func testPyramidalCellGeometryIsNEURONs() throws {
        let ct = try Driver.check(TestPaths.model("models/cells/pyr4.cell.nml")).0.cellTypes[0]
        // 16 compartments plus the three zero-area nodes joining the sections; the sealed ends are dropped.
        XCTAssertEqual(ct.nodes.count, 19)
        XCTAssertEqual(ct.nodes.filter { $0.area == 0 }.count, 3)
        // Soma compartment: 25 um long, 25 um across: area π d l.
        let soma = ct.sections[0].nodes.map { ct.nodes[$0] }
        XCTAssertEqual(soma[0].area, Double.pi * 25 * 25, accuracy: 1e-9)
        // Between neighbouring soma centres: one compartment of axial resistance 4 Ra l / (π d²), Ra = 2.8 ohm m.
        XCTAssertEqual(soma[1].gAxial, 1 / (4 * 2.8 * 25 / (Double.pi * 25 * 25)), accuracy: 1e-12)
        // dend1's first centre hangs on the soma's distal end node through half a dend1 compartment.
        let d1 = ct.nodes[ct.sections[1].nodes[0]]
        XCTAssertEqual(ct.nodes[d1.parent].area, 0)
        XCTAssertEqual(d1.gAxial, 1 / (4 * 2.8 * 50 / (Double.pi * 2.5 * 2.5)), accuracy: 1e-12)
        // v(0.5) is the third compartment (centre 0.625), as in NEURON.
        XCTAssertEqual(ct.node(segment: 0, fraction: 0.5), ct.sections[0].nodes[2])
        XCTAssertEqual(ct.node(segment: 3, fraction: 0.875), ct.sections[3].nodes[3])
    }

    // MARK: IR -> C -> library, cache, ABI

    func testCacheHitsForSameStructureAndMissesForNew() throws {
        let cache = FileManager.default.temporaryDirectory.appendingPathComponent("brcc-cache-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: cache) }
        let ir = try Driver.check(TestPaths.model("models/cells/pyr4.cell.nml")).0
        XCTAssertFalse(try Driver.compile(ir, cache: cache).cacheHit)
        XCTAssertTrue(try Driver.compile(ir, cache: cache).cacheHit)
        // Densities and reversal potentials are run-time parameters: changing them reuses the library.
        var scaled = ir
        scaled.cellTypes[0].placements[0].values = scaled.cellTypes[0].placements[0].values.map { $0.map { $0 * 2 } }
        XCTAssertTrue(try Driver.compile(scaled, cache: cache).cacheHit)
        // A different structure is a different library.
        var other = ir
        other.cellTypes[0].nodes[1].area *= 1.01
        XCTAssertFalse(try Driver.compile(other, cache: cache).cacheHit)
        // The build plan is a value: the compiler invocations are testable without running them.
        // One compile per unit (independent, so they may run at once), then one link.
        let plan = BuildPlan.c(source: KernelEmitter.emit(ir, target: .c), compiler: "cc")
        XCTAssertEqual(plan.stages.map(\.count), [KernelEmitter.emit(ir, target: .c).files.filter(\.isUnit).count, 1])
        XCTAssertTrue(plan.invocations.allSatisfy { $0.executable == "cc" })
        XCTAssertTrue(plan.stages[0].allSatisfy { $0.arguments.contains("-ffp-contract=off") && $0.arguments.contains("-c") })
        XCTAssertTrue(plan.stages[1][0].arguments.contains("-shared"))
        XCTAssertEqual(plan.key, BuildPlan.c(source: KernelEmitter.emit(ir, target: .c), compiler: "cc").key)
        XCTAssertNotEqual(plan.key, BuildPlan.c(source: KernelEmitter.emit(ir, target: .c), compiler: "clang").key)
    }

    /// Which C compiler builds a library: `$CC` where set; else clang for exact kernels where
    /// PATH has one (the same bits as gcc's, faster), `cc` for fast kernels (their pragma is
    /// gcc's) and where PATH has no clang.
    func testTheCCompilerFollowsCCThenThePrecision() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("brc-cc-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let clang = dir.appendingPathComponent("bin/clang").path
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("bin"), withIntermediateDirectories: true)
        XCTAssertTrue(FileManager.default.createFile(atPath: clang, contents: Data("#!/bin/sh\n".utf8), attributes: [.posixPermissions: 0o755]))
        // Folders named clang, and relative PATH entries (the compiler runs in a build folder), are passed over.
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("folder/clang"), withIntermediateDirectories: true)
        let withClang = "/nonexistent::bin:\(dir.path)/folder:" + dir.path + "/bin", without = "/nonexistent:bin:\(dir.path)/folder"
        XCTAssertEqual(BuildPlan.cCompiler(for: .exact, environment: ["PATH": withClang]), clang)
        XCTAssertEqual(BuildPlan.cCompiler(for: .fast, environment: ["PATH": withClang]), "cc")
        XCTAssertEqual(BuildPlan.cCompiler(for: .exact, environment: ["PATH": without]), "cc")
        XCTAssertEqual(BuildPlan.cCompiler(for: .exact, environment: [:]), "cc")
        XCTAssertEqual(BuildPlan.cCompiler(for: .exact, environment: ["PATH": withClang, "CC": "gcc-12"]), "gcc-12")
        XCTAssertEqual(BuildPlan.cCompiler(for: .fast, environment: ["PATH": withClang, "CC": "gcc-12"]), "gcc-12")
        XCTAssertEqual(BuildPlan.cCompiler(for: .exact, environment: ["PATH": withClang, "CC": ""]), clang, "an empty CC is unset")
        // A plan without a compiler takes its source's precision's: here, where PATH has a
        // clang and CC is unset, two different compilers.
        let ir = try Driver.check(TestPaths.model("models/cells/pyr4.cell.nml")).0
        for precision in KernelPrecision.allCases {
            let expected = BuildPlan.cCompiler(for: precision)
            XCTAssertTrue(BuildPlan.c(source: KernelEmitter.emit(ir, target: .c, precision: precision)).invocations.allSatisfy { $0.executable == expected }, "\(precision)")
        }
    }

    func testGeneratedCIsDeterministicAndCommented() throws {
        let ir = try Driver.check(TestPaths.model("models/cells/pyr4.cell.nml")).0
        let c = KernelEmitter.emit(ir, target: .c).text
        XCTAssertEqual(c, KernelEmitter.emit(try Driver.check(TestPaths.model("models/cells/pyr4.cell.nml")).0, target: .c).text)
        XCTAssertTrue(c.contains("/* Na_soma: <ionChannelHH id=\"Na\"> at Na.channel.nml:"))
        XCTAssertTrue(c.contains("cell type pyr4: <cell id=\"pyr4\"> at pyr4.cell.nml:"))
        XCTAssertFalse(c.contains(TestPaths.repo.path), "generated code does not depend on where the checkout is")
    }

    func testABIHeaderAndVersion() throws {
        let header = try String(contentsOf: TestPaths.repo.appendingPathComponent("Sources/CBRCKernel/include/brc_kernel.h"), encoding: .utf8)
        XCTAssertEqual(kernelABIHeader, header, "run tools/sync_abi_header.py after editing brc_kernel.h")
        XCTAssertEqual(BRC_KERNEL_ABI_VERSION, 9)
        XCTAssertEqual(brc_runtime_abi_version(), BRC_KERNEL_ABI_VERSION)
    }

    // MARK: runtime

    func testNonFiniteValuesStopTheRunWithALocatedMessage() throws {
        // A gate whose time constant is negative grows without bound.
        let model = """
        <Lems>
          <Target component="sim"/>
          <ComponentType name="badTau" extends="baseVoltageDepTime">
            <Constant name="TS" dimension="time" value="1ms"/>
            <Dynamics><DerivedVariable name="t" dimension="time" exposure="t" value="TS * (0 - 0.01)"/></Dynamics>
          </ComponentType>
          <ionChannelHH id="bad" conductance="10pS">
            <gateHHtauInf id="x" instances="1">
              <timeCourse type="badTau"/>
              <steadyState type="HHSigmoidVariable" rate="1" midpoint="-40mV" scale="5mV"/>
            </gateHHtauInf>
          </ionChannelHH>
          <cell id="c">
            <morphology id="m"><segment id="0" name="soma"><proximal x="0" y="0" z="0" diameter="10"/><distal x="10" y="0" z="0" diameter="10"/></segment></morphology>
            <biophysicalProperties id="b">
              <membraneProperties>
                <channelDensity id="badChans" ionChannel="bad" condDensity="1 mS_per_cm2" erev="50mV"/>
                <specificCapacitance value="1 uF_per_cm2"/>
                <initMembPotential value="-65mV"/>
              </membraneProperties>
            </biophysicalProperties>
          </cell>
          <network id="net"><population id="pop" component="c" size="2"/></network>
          <Simulation id="sim" length="50ms" step="0.025ms" target="net">
            <OutputFile id="of" fileName="v.dat"><OutputColumn id="v" quantity="pop[0]/v"/></OutputFile>
          </Simulation>
        </Lems>
        """
        let ir = try Driver.check(text: model, path: FileManager.default.temporaryDirectory.appendingPathComponent("nan.xml").path)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("brcc-nan-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        XCTAssertThrowsError(try Driver.run(ir, outDir: dir, cache: TestPaths.cache)) { error in
            guard case DriverError.numerical(let message) = error else { return XCTFail("expected a numerical error, got \(error)") }
            XCTAssertEqual(DriverError.numerical(message).exitCode, 65)
            XCTAssertTrue(message.contains("pop[0]"), message)
            XCTAssertTrue(message.contains("soma(0.5)"), message)
            XCTAssertTrue(message.contains("badChans.x"), message)
            XCTAssertTrue(message.contains("t = "), message)
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), [], "a failed run leaves neither its output nor the streamed temporary file")
        // With a checkpoint every 64 steps (the gate overflows after about 280): the run fails
        // the same way and removes its checkpoints and their partial file, which would only
        // fail again.
        XCTAssertThrowsError(try Driver.run(ir, outDir: dir, cache: TestPaths.cache, checkpoints: .init(interval: 0, resume: false))) { error in
            guard case DriverError.numerical(let message) = error else { return XCTFail("expected a numerical error, got \(error)") }
            let t = message.firstMatch(of: /t = ([0-9.]+) ms/).flatMap { Double($0.1) }
            XCTAssertGreaterThan(t ?? 0, 2 * 64 * 0.025, "checkpoints were written before the failure: \(message)")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), [], "a run that fails numerically leaves no checkpoint and no partial file")
    }

    /// The .npy header written before the rows (row count 0) and the one written over it at the
    /// end have the same length, whatever the count, and the data start at a multiple of 64.
    func testNpyHeaderKeepsItsLengthWhateverTheRowCount() {
        for width in [1, 2, 17, 1000] {
            let lengths = [0, 6001, Int(Int32.max), Int.max].map { TableFile.npyHeader(rows: $0, width: width).count }
            XCTAssertEqual(Set(lengths).count, 1, "width \(width): \(lengths)")
            XCTAssertEqual(lengths[0] % 64, 0)
            let text = String(decoding: TableFile.npyHeader(rows: Int.max, width: width).dropFirst(10), as: UTF8.self)
            XCTAssertTrue(text.contains("'shape': (\(Int.max), \(width))"), text)
            XCTAssertTrue(text.hasSuffix(" \n"))
        }
    }

    func testOutputFilesAreWrittenInLEMSAndNpyFormats() throws {
        let (ir, _) = try Driver.check(TestPaths.model("models/sims/LEMS_hh1_step.xml"))
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("brcc-out-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        _ = try Driver.run(ir, outDir: dir, cache: TestPaths.cache)
        let table = try loadTable(dir.appendingPathComponent("results/hh1_v.dat").path)
        XCTAssertEqual(table.count, 6001)  // t = 0 .. 150 ms every 0.025 ms
        XCTAssertEqual(table[0], [0, -0.070])
        XCTAssertEqual(table[6000][0], 0.150, accuracy: 1e-12)
        let npy = try Driver.run(ir, outDir: dir, format: .npy, cache: TestPaths.cache)
        let data = try Data(contentsOf: npy.files[0])
        XCTAssertEqual(Array(data.prefix(6)), [0x93] + Array("NUMPY".utf8))
        let headerLength = Int(data[8]) | Int(data[9]) << 8
        XCTAssertEqual((10 + headerLength) % 64, 0)
        XCTAssertTrue(String(decoding: data[10..<(10 + headerLength)], as: UTF8.self).contains("'shape': (6001, 2)"))
        XCTAssertEqual(data.count, 10 + headerLength + 6001 * 2 * 8)
        let last = data.suffix(8).withUnsafeBytes { $0.loadUnaligned(as: Double.self) }
        let memory = try Driver.run(ir, outDir: nil, cache: TestPaths.cache).recorder.table(0)
        XCTAssertEqual(last, memory[6000][1])
        XCTAssertEqual(table.count, memory.count)
        XCTAssertEqual(zip(table, memory).map { abs($0[1] - $1[1]) }.max()!, 0, accuracy: 5e-13, "the .dat has 11 significant digits of the values in memory")
    }
}
