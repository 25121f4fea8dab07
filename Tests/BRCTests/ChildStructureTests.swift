import BRCDiagnostics
import BRCDriver
import Foundation
import XCTest

/// LEMS `<Child>` and `<Children>` in LEMS point cells, and a Simulation whose target is a
/// single component, on fixtures modelled on the external models that use them
/// (osb-model-validation's SimpleTest, SBMLShowcase's LEMS_Test, Figure5_NMDA and Bahl's
/// channel harness). Each is compared with its analytic solution and with jLEMS
/// (`Fixtures/jlems/<name>`, written by `tools/jlems_reference.sh FIXTURE DIR EVERY`, EVERY = 1,
/// 10 for Children_Clamp).
///
/// jLEMS evaluates a child's derived variables from its parent's values of the previous step
/// (and a parent's select of a child's exposure from the child's of the previous step): its row
/// k of such a column is brcc's row k - 1 (row 0 agrees). brcc computes them from the same
/// step, which the analytic solutions confirm.
final class ChildStructureTests: XCTestCase {
    static func fixture(_ name: String) -> String { TestPaths.model("Tests/BRCTests/Fixtures/lems/\(name)") }
    static func reference(_ name: String, _ file: String) throws -> [[Double]] {
        try loadTable(TestPaths.repo.appendingPathComponent("Tests/BRCTests/Fixtures/jlems/\(name)/\(file)").path)
    }

    /// `expected(t)` per row, within `accuracy`.
    func assertColumn(_ table: [[Double]], _ column: Int, accuracy: Double, _ label: String, expected: (Double) -> Double,
                      file: StaticString = #filePath, line: UInt = #line) {
        let worst = table.map { abs($0[column] - expected($0[0])) }.max() ?? .infinity
        XCTAssertLessThanOrEqual(worst, accuracy, "\(label): worst difference", file: file, line: line)
    }

    /// jLEMS's column of a child's value against brcc's: row 0 equal, row k against brcc's row k - 1.
    func assertLagged(_ reference: [[Double]], _ got: [[Double]], _ column: Int, relative: Double, _ label: String,
                      file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(reference.count, got.count, file: file, line: line)
        let scale = reference.map { abs($0[column]) }.max() ?? 1
        var worst = abs(reference[0][column] - got[0][column])
        for k in 1..<min(reference.count, got.count) { worst = max(worst, abs(reference[k][column] - got[k - 1][column])) }
        XCTAssertLessThanOrEqual(worst, relative * scale, "\(label): worst difference from jLEMS one step later", file: file, line: line)
    }

    /// SimpleTest's form: the target is a bare component (no network), its `<Child>` reads the
    /// parent's `v` through a Requirement, two columns share the id `m`. v = -0.1 V + 10 V/s t,
    /// I = g (E - v), I2 = v / E, exactly; jLEMS agrees on v to round-off and on the child's
    /// columns one step later (measured: 1e-15 V, the time summed over the steps; 1e-27 A and 3e-15
    /// of their scales).
    func testBareComponentWithAChildMatchesTheAnalyticSolutionAndJLEMS() throws {
        let got = try XCTUnwrap(runSimulationByFile(Self.fixture("LEMS_Child_Membrane.xml"))["results/membrane.dat"])
        XCTAssertEqual(got.count, 201)
        XCTAssertEqual(got.first?.count, 4, "both columns named m are written")
        assertColumn(got, 1, accuracy: 1e-14, "v") { -0.1 + 10 * $0 }
        assertColumn(got, 2, accuracy: 1e-25, "membrane/I") { 10e-12 * (0.05 - (-0.1 + 10 * $0)) }
        assertColumn(got, 3, accuracy: 1e-12, "membrane/I2") { (-0.1 + 10 * $0) / 0.05 }
        let ref = try Self.reference("Child_Membrane", "results/membrane.dat")
        XCTAssertEqual(ref.count, got.count)
        for (r, g) in zip(ref, got) { XCTAssertEqual(r[1], g[1], accuracy: 1e-14) }
        assertLagged(ref, got, 2, relative: 1e-12, "membrane/I")
        assertLagged(ref, got, 3, relative: 1e-12, "membrane/I2")
    }

    /// The duplicate column id is a located warning, not an error.
    func testDuplicateOutputColumnIdsAreAWarning() throws {
        let (_, warnings) = try Driver.check(Self.fixture("LEMS_Child_Membrane.xml"))
        let w = try XCTUnwrap(warnings.first { $0.id == "BRC-W0123" })
        XCTAssertEqual(w.severity, .warning)
        XCTAssertEqual(w.location.line, 40)
    }

    /// SBMLShowcase's form: a cell of a network wraps a `standalone="false"` type as a Child
    /// with its own states, recorded through the cell (`pop[0]/sbml/X`). X' = -tscale flux and
    /// Y' = tscale (flux - k2 Y) read the DerivedVariable flux = k1 X, so they advance by
    /// forward Euler, as in NEURON and jLEMS (numerics.md): X is the recurrence
    /// X(n+1) = X(n) (1 - k1 dt) to round-off, Y within 1e-3 of the analytic solution (first
    /// order in dt = 5 µs), and both equal jLEMS's to the 7 digits it prints (measured 6e-8; they
    /// were 4.6e-4 apart while brcc integrated X and Y exactly).
    func testChildOfACellInANetworkMatchesTheAnalyticSolutionAndJLEMS() throws {
        let got = try XCTUnwrap(runSimulationByFile(Self.fixture("LEMS_Child_Wrapper.xml"))["results/wrapper.dat"])
        XCTAssertEqual(got.count, 2001)
        let k1 = 0.5, k2 = 0.2  // per ms
        func y(_ t: Double) -> Double { k1 / (k2 - k1) * (exp(-k1 * t * 1000) - exp(-k2 * t * 1000)) + 0.25 * exp(-k2 * t * 1000) }
        for (n, row) in got.enumerated() { XCTAssertEqual(row[1], pow(1 - k1 * 0.005, Double(n)), accuracy: 1e-12, "sbml/X at step \(n)") }
        assertColumn(got, 2, accuracy: 1e-3, "sbml/Y", expected: y)
        let ref = try Self.reference("Child_Wrapper", "results/wrapper.dat")
        XCTAssertEqual(ref.count, got.count)
        for (r, g) in zip(ref, got) {
            XCTAssertEqual(r[1], g[1], accuracy: 1e-7)
            XCTAssertEqual(r[2], g[2], accuracy: 1e-7)
        }
    }

    /// Figure5_NMDA's and Bahl's forms: `<Children>` read with `reduce="add"` and
    /// `reduce="multiply"`, and each child's exposure by its id (`a/i`). Every column is an
    /// exact function of t; jLEMS agrees one step later (measured: 5e-20 A; its `open` is written
    /// with 8 digits, 4e-8).
    func testChildrenReduceMatchesTheAnalyticSolutionAndJLEMS() throws {
        let got = try XCTUnwrap(runSimulationByFile(Self.fixture("LEMS_Children_Reduce.xml"))["results/children.dat"])
        XCTAssertEqual(got.count, 101)
        func v(_ t: Double) -> Double { -0.08 + 12 * t }
        func f(_ t: Double, _ half: Double) -> Double { 1 / (1 + exp((half - v(t)) / half)) }
        func ia(_ t: Double) -> Double { 10e-12 * f(t, -0.02) * (0 - v(t)) }
        func ib(_ t: Double) -> Double { 20e-12 * f(t, -0.04) * (-0.09 - v(t)) }
        assertColumn(got, 1, accuracy: 1e-14, "v", expected: v)
        assertColumn(got, 2, accuracy: 1e-23, "iTotal") { ia($0) + ib($0) }
        assertColumn(got, 3, accuracy: 1e-12, "open") { f($0, -0.02) * f($0, -0.04) }
        assertColumn(got, 4, accuracy: 1e-23, "a/i", expected: ia)
        assertColumn(got, 5, accuracy: 1e-23, "b/i", expected: ib)
        let ref = try Self.reference("Children_Reduce", "results/children.dat")
        for (r, g) in zip(ref, got) { XCTAssertEqual(r[1], g[1], accuracy: 1e-14) }
        for (c, label) in [(2, "iTotal"), (3, "open"), (4, "a/i"), (5, "b/i")] { assertLagged(ref, got, c, relative: 1e-7, label) }
    }

    /// Figure5_NMDA's form: a cell whose v is a DerivedVariable of t holds its compartment there,
    /// so the NMDA synapse on it (recorded by its id, `clampPop[0]/nmdaSyn/g`) sees -20 mV:
    /// g = gbase B(v) f (exp(-(t-s)/tauDecay) - exp(-(t-s)/tauRise)) summed over the spikes at
    /// 15, 30 and 45 ms (measured: 5e-20 S). jLEMS (forward Euler, every 10th row) is within
    /// 8.9e-13 S of a 1.24e-9 S peak.
    func testADerivedPotentialClampsTheCellForItsSynapses() throws {
        let got = try XCTUnwrap(runSimulationByFile(Self.fixture("LEMS_Children_Clamp.xml"))["results/clamp.dat"])
        XCTAssertEqual(got.count, 5001)
        let tr = 2.0, td = 20.0, peak = (td * tr / (td - tr)) * log(td / tr)
        let f = 1 / (-exp(-peak / tr) + exp(-peak / td)), block = 1 / (1 + exp(20.0 / 15) * 0.5)
        assertColumn(got, 1, accuracy: 1e-15, "v") { _ in -0.02 }
        func g(_ t: Double) -> Double {
            var sum = 0.0
            for s in [15.0, 30, 45] where s <= t * 1000 + 1e-9 {
                let since = t * 1000 - s
                sum += 2e-9 * block * f * (exp(-since / td) - exp(-since / tr))
            }
            return sum
        }
        assertColumn(got, 2, accuracy: 1e-18, "nmdaSyn/g", expected: g)
        let ref = try Self.reference("Children_Clamp", "results/clamp.dat")
        XCTAssertEqual(ref.count, 501)
        for (k, r) in ref.enumerated() {
            XCTAssertEqual(r[1], got[k * 10][1], accuracy: 1e-15)
            XCTAssertEqual(r[2], got[k * 10][2], accuracy: 1e-12)
        }
    }

    /// A Simulation may target a `<cell>`-like component too (Ex1's pointCellCondBased): one
    /// instance, paths relative to it (`v`), bit for bit the network of that one cell.
    func testASingleCellTargetIsItsNetworkOfOne() throws {
        let text = try String(contentsOfFile: TestPaths.sharedFile("neuroml/LEMSexamples/LEMS_NML2_Ex1_HH.xml"), encoding: .utf8)
            .replacingOccurrences(of: "<explicitInput target=\"hhpop[0]\" input=\"pulseGen1\" destination=\"synapses\"/>", with: "")
        let single = text.replacingOccurrences(of: "target=\"net1\"", with: "target=\"hhpointcell\"")
            .replacingOccurrences(of: "<OutputColumn id=\"v\" quantity=\"hhpop[0]/v\"/>", with: "<OutputColumn id=\"v\" quantity=\"v\"/>")
        XCTAssertNotEqual(single, text)
        var outputs: [[[Double]]] = []
        for (k, model) in [text, single].enumerated() {
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("single_cell_\(k)_\(ProcessInfo.processInfo.processIdentifier).xml")
            try model.write(to: path, atomically: true, encoding: .utf8)
            defer { try? FileManager.default.removeItem(at: path) }
            outputs.append(try XCTUnwrap(runSimulationByFile(path.path)["results/hh_v.dat"]))
        }
        XCTAssertEqual(outputs[0].count, 15_001)
        XCTAssertEqual(outputs[0].map { $0.map(\.bitPattern) }, outputs[1].map { $0.map(\.bitPattern) })
    }

    /// A component of the same type without children: the sum over none is 0, the product 1.
    func testNoChildrenReduceToZeroAndOne() throws {
        let text = try String(contentsOfFile: Self.fixture("LEMS_Children_Reduce.xml"), encoding: .utf8)
            .replacingOccurrences(of: "target=\"cell0\"", with: "target=\"empty\"")
            .replacingOccurrences(of: "<OutputColumn id=\"ia\" quantity=\"a/i\"/>", with: "")
            .replacingOccurrences(of: "<OutputColumn id=\"ib\" quantity=\"b/i\"/>", with: "")
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("children_empty_\(ProcessInfo.processInfo.processIdentifier).xml")
        try text.write(to: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: path) }
        let got = try XCTUnwrap(runSimulationByFile(path.path)["results/children.dat"])
        XCTAssertEqual(got.count, 101)
        for row in got {
            XCTAssertEqual(row[2], 0)
            XCTAssertEqual(row[3], 1)
        }
    }

    /// A child's names live under its path: a parent variable spelled like a flattened child
    /// name in generated code cannot meet it (`membrane_I` next to `membrane/I`).
    func testChildNamesCannotCollideWithTheParents() throws {
        let text = try String(contentsOfFile: Self.fixture("LEMS_Child_Membrane.xml"), encoding: .utf8)
            .replacingOccurrences(of: "<Exposure name=\"v\" dimension=\"voltage\"/>",
                                  with: "<Exposure name=\"v\" dimension=\"voltage\"/><Exposure name=\"membrane_I\" dimension=\"current\"/>")
            .replacingOccurrences(of: "<DerivedVariable name=\"v\" dimension=\"voltage\" exposure=\"v\" value=\"v0 + (t*(v1-v0)/tau)\"/>",
                                  with: "<DerivedVariable name=\"v\" dimension=\"voltage\" exposure=\"v\" value=\"v0 + (t*(v1-v0)/tau)\"/><DerivedVariable name=\"membrane_I\" dimension=\"current\" exposure=\"membrane_I\" select=\"membrane/I\"/>")
            .replacingOccurrences(of: "<OutputColumn id=\"m\" quantity=\"membrane/I2\"/>", with: "<OutputColumn id=\"p\" quantity=\"membrane_I\"/>")
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("child_names_\(ProcessInfo.processInfo.processIdentifier).xml")
        try text.write(to: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: path) }
        let got = try XCTUnwrap(runSimulationByFile(path.path)["results/membrane.dat"])
        XCTAssertEqual(got.count, 201)
        // Both are the child's current, I = g (E - v), as in the test above (a collision that
        // compiled would give one variable its other meaning in both columns).
        assertColumn(got, 2, accuracy: 1e-25, "membrane/I") { 10e-12 * (0.05 - (-0.1 + 10 * $0)) }
        for row in got { XCTAssertEqual(row[2], row[3], "the parent's select of the child's I is the child's I") }
    }

    /// One located error per cause: a missing child, a child of the wrong type, an unknown
    /// reduce and a cycle through a child are fixtures of InvalidModelTests (child_*.xml); a
    /// population of a component whose child is missing reports the child only.
    func testAMissingChildIsOneErrorAtItsComponent() throws {
        XCTAssertThrowsError(try Driver.check(TestPaths.model("Tests/BRCTests/Fixtures/invalid/child_missing.xml"))) { error in
            guard case DriverError.model(let ds) = error else { return XCTFail("\(error)") }
            let errors = ds.filter { $0.severity == .error }
            XCTAssertEqual(errors.map(\.id), ["BRC-E0127"], "\(errors)")
        }
    }

    /// A synapse ComponentType with children: a voltage-dependent block (derived values alone,
    /// requiring the compartment's v) and a low-pass filter of the synapse's conductance (a
    /// state of its own, requiring the synapse's g). The same bits as the same equations written
    /// flat in one synapse type, in every column (v, g, i and the children's slow/gs and
    /// block/factor, recorded by their paths); and jLEMS within 1 % of each column's range at the
    /// fixture's step (forward Euler against brcc's exact steps of these linear rates; measured
    /// 0.2-0.6 %), away from the rows just after each event, which jLEMS applies one step
    /// earlier than NEURON's scheme (docs/numerics.md). ExportTests runs it in NEURON.
    func testASynapseTypeWithChildrenEqualsItsFlatTwinAndJLEMS() throws {
        let got = try XCTUnwrap(runSimulationByFile(Self.fixture("LEMS_Child_SynapseBlock.xml"))["results/syn.dat"])
        let flat = try XCTUnwrap(runSimulationByFile(Self.fixture("LEMS_Child_SynapseBlock_flat.xml"))["results/syn.dat"])
        XCTAssertEqual(got.count, 20001)
        XCTAssertEqual(got, flat, "children flattened into the synapse compute what the flat synapse computes, to the bit")
        XCTAssertGreaterThan(got.map { $0[2] }.max() ?? 0, 1.9e-8, "the events reach the synapse (g jumps by gbase = 20 nS)")
        let ref = try Self.reference("Child_SynapseBlock", "results/syn.dat")
        XCTAssertEqual(ref.count, 1001)
        let events = stride(from: 15.0, to: 200, by: 15).map { $0 / 1000 }
        for column in 1...5 {
            let range = (got.map { $0[column] }.max() ?? 0) - (got.map { $0[column] }.min() ?? 0)
            var worst = 0.0
            for (k, r) in ref.enumerated() where !events.contains(where: { r[0] >= $0 - 1e-9 && r[0] < $0 + 0.25e-3 }) {
                worst = max(worst, abs(r[column] - got[20 * k][column]))
            }
            XCTAssertLessThan(worst, 0.01 * range, "column \(column) against jLEMS")
        }
    }

    /// An input ComponentType with a child (an envelope with its own state, started by its
    /// OnStart) injects what the same input written flat injects, to the bit; and the cell
    /// follows the analytic solution: with I(t) = 0.5 nA e^(-t/20 ms) into a membrane of the
    /// same time constant (C = 0.2 nF, g = 10 nS), v = EL + (I0/C) t e^(-t/20 ms) (measured
    /// within 0.0034 mV at the 0.01 ms step).
    func testAnInputTypeWithAChildEqualsItsFlatTwin() throws {
        let got = try XCTUnwrap(runSimulationByFile(Self.fixture("LEMS_Child_Input.xml"))["results/input.dat"])
        let flat = try XCTUnwrap(runSimulationByFile(Self.fixture("LEMS_Child_Input_flat.xml"))["results/input.dat"])
        XCTAssertEqual(got.count, 10001)
        XCTAssertEqual(got, flat)
        assertColumn(got, 1, accuracy: 1e-5, "v") { t in -0.065 + 2.5 * (t * 1000) * exp(-t * 1000 / 20) / 1000 }
    }

    /// What a synapse's or an input's child cannot have is one located error, at the cause: an
    /// OnEvent (events reach the synapse, not its children). The outputs that record the
    /// component that failed are not reported again.
    func testAnOnEventInTheChildOfASynapseOrInputIsOneLocatedError() throws {
        let cases = [("LEMS_Child_SynapseBlock.xml", "<TimeDerivative variable=\"gs\" value=\"(g - gs) / tau\"/>", "gs", "'slow'", 24),
                     ("LEMS_Child_Input.xml", "<TimeDerivative variable=\"a\" value=\"-a / tau\"/>", "a", "'env'", 15)]
        for (fixture, derivative, state, child, line) in cases {
            var text = try String(contentsOfFile: Self.fixture(fixture), encoding: .utf8)
                .replacingOccurrences(of: derivative, with: derivative + "\n      <OnEvent port=\"in\"><StateAssignment variable=\"\(state)\" value=\"0\"/></OnEvent>")
            if fixture == "LEMS_Child_Input.xml" {
                text = text.replacingOccurrences(of: "<OutputColumn id=\"v\" quantity=\"pop[0]/v\"/>",
                                                 with: "<OutputColumn id=\"v\" quantity=\"pop[0]/v\"/><OutputColumn id=\"i\" quantity=\"pop[0]/in1/i\"/>")
            }
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("child_event_\(ProcessInfo.processInfo.processIdentifier)_\(fixture)")
            try text.write(to: path, atomically: true, encoding: .utf8)
            defer { try? FileManager.default.removeItem(at: path) }
            XCTAssertThrowsError(try Driver.check(path.path)) { error in
                guard case DriverError.model(let ds) = error else { return XCTFail("\(error)") }
                let errors = ds.filter { $0.severity == .error }
                XCTAssertEqual(errors.map(\.id), ["BRC-E0103"], "\(fixture): \(errors)")
                XCTAssertTrue(errors.first?.message.contains("an OnEvent in the child \(child)") == true, errors.first?.message ?? "")
                XCTAssertEqual(errors.first?.location.line, line, "at the OnEvent's assignment")
            }
        }
    }

    /// A select names a child's exposure (LEMS paths name exposures): `sub/q` where the child
    /// declares `<DerivedVariable name="qd" exposure="q">` reads qd (it was refused with
    /// BRC-E0502; jLEMS 0.14 records 0 for either form, so the model's own equations are the
    /// reference: qsel = 2 x, x growing at 1 per ms).
    func testASelectNamesAChildsExposure() throws {
        let types = """
            <ComponentType name="Sub">
              <Requirement name="x" dimension="none"/>
              <Exposure name="q" dimension="none"/>
              <Dynamics><DerivedVariable name="qd" dimension="none" exposure="q" value="2 * x"/></Dynamics>
            </ComponentType>
            <ComponentType name="T">
              <Parameter name="r" dimension="per_time"/>
              <Child name="sub" type="Sub"/>
              <Exposure name="x" dimension="none"/>
              <Exposure name="qsel" dimension="none"/>
              <Dynamics>
                <StateVariable name="x" dimension="none" exposure="x"/>
                <DerivedVariable name="qsel" dimension="none" exposure="qsel" select="sub/q"/>
                <TimeDerivative variable="x" value="r"/>
              </Dynamics>
            </ComponentType>
            <T id="c0" r="1per_ms"><sub/></T>
            """
        let text = millisecondLEMS(types, target: "c0", quantities: ["x", "qsel"])
        let rows = try XCTUnwrap(try runSimulationByFile(try writeModel(text, "exposure.xml", label: "select-exposure"))["results/o.dat"])
        XCTAssertEqual(rows.count, 4)
        for (k, row) in rows.enumerated() {
            XCTAssertEqual(row[1], 0.1 * Double(k), accuracy: 1e-12)
            XCTAssertEqual(row[2], 0.2 * Double(k), accuracy: 1e-12)
        }
    }
}

