import BRCDriver
import BRCIR
import Foundation
import XCTest

/// LEMS models that read no NeuroML, in the form jNeuroML's SBML importer writes them (the
/// NeuroML2 paper's Figure 8, BioModels' BIOMD0000000185): the file declares its own copy of
/// NeuroML's dimensions and units (one of them, `resistivity`, with other exponents) and
/// LEMS's own simulation types (Simulation, Display, Line, OutputFile, OutputColumn) again, and
/// its OutputFile has a `path`. The fixtures are written here; they are not the third-party files.
final class LEMSOnlyModelTests: XCTestCase {
    private func write(_ text: String, _ name: String = "m.xml") throws -> String { try writeModel(text, name, label: "lems-only") }

    /// A decay dx/dt = -k x and one component of it, decay0.
    private let decay = """
        <ComponentType name="Decay">
            <Parameter name="k" dimension="per_time"/>
            <Dynamics><StateVariable name="x" dimension="none"/><TimeDerivative variable="x" value="-k * x"/></Dynamics>
        </ComponentType>
        <Decay id="decay0" k="0.5per_s"/>
    """

    /// LEMS's simulation types as Simulation.xml declares them (abridged as the importer writes them).
    private let simulationTypes = """
        <ComponentType name="Display">
            <Parameter name="timeScale" dimension="time"/>
            <Children name="lines" type="Line"/>
            <Simulation><DataDisplay title="title" dataRegion="xmin,xmax,ymin,ymax"/></Simulation>
            <Text name="title"/>
        </ComponentType>
        <ComponentType name="Line">
            <Parameter name="scale" dimension="*"/>
            <Simulation><Record quantity="quantity" timeScale="timeScale" scale="scale" color="color"/></Simulation>
            <Path name="quantity"/>
        </ComponentType>
        <ComponentType name="Simulation">
            <Parameter name="length" dimension="time"/>
            <Parameter name="step" dimension="time"/>
            <ComponentReference name="target" type="Component" isAny="true"/>
            <Dynamics><StateVariable name="t" dimension="time"/></Dynamics>
            <Simulation><Run component="target" variable="t" increment="step" total="length"/></Simulation>
        </ComponentType>
        <ComponentType name="OutputFile">
            <Children name="outputColumn" type="OutputColumn"/>
            <Simulation><DataWriter path="path" fileName="fileName"/></Simulation>
            <Text name="path"/>
            <Text name="fileName"/>
        </ComponentType>
        <ComponentType name="OutputColumn">
            <Simulation><Record quantity="quantity"/></Simulation>
            <Path name="quantity"/>
        </ComponentType>
    """

    /// A decay dx/dt = -k x (k in per_s, the step in seconds) in such a file: it runs, each
    /// name NeuroML means otherwise is one located warning, and x is exp(-k t) to rounding (a
    /// rate linear in its state, written in states and parameters, is integrated exactly:
    /// docs/numerics.md).
    /// `^` takes a negated whole-number literal on a quantity with a dimension (language.md,
    /// "Expressions"): tau^-1 and tau^(-1) are rates; a fractional power of it is an error.
    func testANegativeLiteralPowerInvertsTheDimension() throws {
        func model(_ rate: String) -> String {
            """
            <Lems>
                <Include file="Simulation.xml"/>
                <ComponentType name="Decay">
                    <Parameter name="tau" dimension="time"/>
                    <Dynamics><StateVariable name="x" dimension="none"/><OnStart><StateAssignment variable="x" value="1"/></OnStart>
                        <DerivedVariable name="k" dimension="per_time" value="\(rate)"/><TimeDerivative variable="x" value="-k * x"/></Dynamics>
                </ComponentType>
                <Decay id="decay0" tau="2ms"/>
                <Simulation id="sim1" target="decay0" length="2ms" step="0.001ms">
                    <OutputFile id="of1" fileName="x.dat"><OutputColumn id="x" quantity="x"/></OutputFile>
                </Simulation>
                <Target component="sim1"/>
            </Lems>
            """
        }
        for rate in ["tau^-1", "tau^(-1)", "1/tau"] {
            let rows = try XCTUnwrap(runSimulationByFile(write(model(rate), "power.xml"))["x.dat"])
            XCTAssertEqual(try XCTUnwrap(rows.last)[1], exp(-1), accuracy: 1e-3, "\(rate): x(tau) = e^-1")
        }
        XCTAssertEqual(modelErrors(try write(model("tau^-1.5"), "fractional.xml")).map { String($0.prefix(9)) }, ["BRC-E0203"])
    }

    func testAnImportedModelOwnsItsNamesAndRedeclaresTheSimulationTypes() throws {
        let path = try write("""
        <Lems>
            <Dimension name="time" t="1"/>
            <Dimension name="per_time" t="-1"/>
            <Dimension name="resistivity" m="2" l="2" t="-3" i="-2"/>
            <Dimension name="none"/>
            <Unit name="s" symbol="s" dimension="time" power="0" scale="1.0"/>
            <Unit name="per_s" symbol="per_s" dimension="per_time" power="0" scale="1.0"/>
            <Unit name="ohm_m" symbol="ohm_m" dimension="resistivity" power="0" scale="1.0"/>
        \(simulationTypes)
            <ComponentType name="Decay">
                <Parameter name="k" dimension="per_time"/>
                <Dynamics simultaneous="false">
                    <StateVariable name="x" dimension="none"/>
                    <TimeDerivative variable="x" value="-k * x"/>
                    <OnStart><StateAssignment variable="x" value="1"/></OnStart>
                </Dynamics>
            </ComponentType>
            <Decay id="decay0" k="0.5per_s"/>
            <Simulation id="sim1" target="decay0" length="4s" step="0.01s">
                <Display id="d1" timeScale="1s" title="x" xmin="0" xmax="4" ymin="0" ymax="1">
                    <Line id="x" scale="1" quantity="x" color="#000000" timeScale="1s"/>
                </Display>
                <OutputFile id="of1" fileName="x.dat" path=".">
                    <OutputColumn id="x" quantity="x"/>
                </OutputFile>
            </Simulation>
            <Target component="sim1"/>
        </Lems>
        """)
        let (_, diagnostics) = try Driver.check(path)
        let warnings = diagnostics.filter { $0.severity == .warning }.map(\.id)
        XCTAssertEqual(warnings, ["BRC-W0129", "BRC-W0129"], "resistivity and ohm_m: \(diagnostics.map(\.message))")
        let rows = try XCTUnwrap(runSimulationByFile(path)["x.dat"])
        XCTAssertEqual(rows.count, 401)
        for (n, r) in rows.enumerated() {
            XCTAssertEqual(r[0], Double(n) * 0.01, accuracy: 1e-12)
            XCTAssertEqual(r[1], exp(-0.5 * 0.01 * Double(n)), accuracy: 1e-12, "row \(n)")
        }
    }

    /// Giving a NeuroML name another meaning stays an error where the model reads NeuroML: a
    /// LEMS file that includes a core-type file.
    func testARedefinedNameIsAnErrorWhereTheModelReadsNeuroML() throws {
        let path = try write("""
        <Lems>
            <Include file="NeuroMLCoreDimensions.xml"/>
            <Dimension name="resistivity" m="2" l="2" t="-3" i="-2"/>
        \(decay)
            <Simulation id="sim1" target="decay0" length="1s" step="0.01s"/>
            <Target component="sim1"/>
        </Lems>
        """)
        XCTAssertThrowsError(try Driver.check(path)) { error in
            guard case DriverError.model(let ds) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(ds.filter { $0.severity == .error }.map(\.id), ["BRC-E0129"])
            XCTAssertEqual(ds.first { $0.id == "BRC-E0129" }?.location.line, 3)
        }
    }

    /// A copy of a core-type file next to the model (org.neuroml.export's GHK test ships its own
    /// Cells.xml) is not read: brcc says so when the copy differs from the bundled file, and
    /// says nothing for an unmodified copy.
    func testALocalCopyOfACoreTypeFileIsReportedWhenItDiffers() throws {
        let model = """
        <Lems>
            <Include file="Simulation.xml"/>
        \(decay)
            <Simulation id="sim1" target="decay0" length="10ms" step="1ms"/>
            <Target component="sim1"/>
        </Lems>
        """
        let path = try write(model, "copy.xml")
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
        let bundled = URL(fileURLWithPath: TestPaths.model("Sources/BRCParse/CoreTypes"))  // the resource's source
        let copy = folder.appendingPathComponent("Simulation.xml")
        try FileManager.default.copyItem(at: bundled.appendingPathComponent("Simulation.xml"), to: copy)
        XCTAssertEqual(try Driver.check(path).1.map(\.id), [], "an unmodified copy")
        // The same text as a Windows checkout leaves it (CRLF line ends, a byte-order mark).
        let original = try String(contentsOf: copy, encoding: .utf8)
        try Data(("\u{FEFF}" + original.replacingOccurrences(of: "\n", with: "\r\n")).utf8).write(to: copy)
        XCTAssertEqual(try Driver.check(path).1.map(\.id), [], "an unmodified copy with CRLF line ends")
        try original.write(to: copy, atomically: true, encoding: .utf8)
        try (String(contentsOf: copy, encoding: .utf8) + "\n<!-- edited -->\n").write(to: copy, atomically: true, encoding: .utf8)
        let ds = try Driver.check(path).1
        XCTAssertEqual(ds.map(\.id), ["BRC-W0008"])
        XCTAssertEqual(ds.first?.location.line, 2)
    }

    /// Of two `<Target>`s jLEMS runs the first; brcc ran the last, without a word. Now the
    /// first, with `BRC-W0137` where the second names another simulation, and nothing where
    /// it names the same one (an included LEMS file may bring its own Target:
    /// StochasticityShowcase's NoisyCurrentSource.xml).
    func testTheFirstTargetRuns() throws {
        func model(_ second: String) -> String {
            """
            <Lems>
                <Include file="Simulation.xml"/>
            \(decay)
                <Target component="sim1"/>
                <Simulation id="sim1" target="decay0" length="10ms" step="1ms"/>
                <Simulation id="sim2" target="decay0" length="3ms" step="1ms"/>
                <Target component="\(second)"/>
            </Lems>
            """
        }
        let text = model("sim2")
        let (ir, ds) = try Driver.check(try write(text, "targets.xml"))
        XCTAssertEqual(ir.simulation?.id, "sim1")
        XCTAssertEqual(ir.simulation?.duration, 10)
        XCTAssertEqual(ds.map(\.id), ["BRC-W0137"])
        XCTAssertEqual(ds.first?.location.line, text.components(separatedBy: "\n").firstIndex { $0.contains(#"<Target component="sim2""#) }.map { $0 + 1 })
        let (same, none) = try Driver.check(try write(model("sim1"), "same.xml"))
        XCTAssertEqual(same.simulation?.id, "sim1")
        XCTAssertEqual(none.map(\.id), [])
    }

    /// An OutputFile's `path` is a folder inside --out; an absolute one is left out with a
    /// located warning, and a path that climbs out of --out is refused.
    func testAnOutputFilesPathIsAFolderInsideTheOutputFolder() throws {
        func model(_ path: String) -> String {
            """
            <Lems>
                <Include file="Simulation.xml"/>
            \(decay)
                <Simulation id="sim1" target="decay0" length="10ms" step="1ms">
                    <OutputFile id="of1" fileName="x.dat" path="\(path)"><OutputColumn id="x" quantity="x"/></OutputFile>
                </Simulation>
                <Target component="sim1"/>
            </Lems>
            """
        }
        let (inside, _) = try Driver.check(try write(model("results"), "inside.xml"))
        XCTAssertEqual(inside.simulation?.outputs.map(\.fileName), ["results/x.dat"])
        let (absolute, ds) = try Driver.check(try write(model("/tmp/elsewhere"), "absolute.xml"))
        XCTAssertEqual(absolute.simulation?.outputs.map(\.fileName), ["x.dat"])
        XCTAssertEqual(ds.map(\.id), ["BRC-W0506"])
        XCTAssertThrowsError(try Driver.check(try write(model("../up"), "up.xml"))) { error in
            guard case DriverError.model(let ds) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(ds.filter { $0.severity == .error }.map(\.id), ["BRC-E0506"])
        }
    }

    /// A type named like one brcc lowers natively (`spikeGenerator`) is the model's own in a
    /// LEMS model that reads no NeuroML (LEMS's examples declare theirs): its components follow
    /// the model's definition (warning BRC-W0129), here a clock running at twice the time:
    /// tsince grows by 2 dt per step (dt 0.1 ms) and, once past the period of 0.9 ms, resets at
    /// the next step's conditions: every 5 steps, where NeuroML's generator fires every 9. Where the model reads NeuroML, NeuroML's type keeps the name (warning BRC-W0132).
    func testAModelsOwnTypeNamedLikeACoreTypeFollowsItsDefinition() throws {
        func model(_ include: String) -> String {
            """
            <Lems>
            \(include)
                <ComponentType name="spikeGenerator">
                    <Parameter name="period" dimension="time"/>
                    <EventPort name="a" direction="out"/>
                    <Exposure name="tsince" dimension="time"/>
                    <Dynamics>
                        <StateVariable name="tsince" exposure="tsince" dimension="time"/>
                        <TimeDerivative variable="tsince" value="2"/>
                        <OnCondition test="tsince .gt. period"><StateAssignment variable="tsince" value="0"/><EventOut port="a"/></OnCondition>
                    </Dynamics>
                </ComponentType>
                <Component id="gen" type="spikeGenerator" period="0.9ms"/>
                <Simulation id="sim1" target="gen" length="3ms" step="0.1ms">
                    <OutputFile id="of1" fileName="t.dat"><OutputColumn id="tsince" quantity="tsince"/></OutputFile>
                </Simulation>
                <Target component="sim1"/>
            </Lems>
            """
        }
        let own = try write(model("<Dimension name=\"time\" t=\"1\"/>\n<Unit symbol=\"ms\" dimension=\"time\" power=\"-3\"/>\n" + simulationTypes), "own.xml")
        let (_, diagnostics) = try Driver.check(own)
        XCTAssertEqual(diagnostics.map(\.id), ["BRC-W0129"], "\(diagnostics.map(\.message))")
        let declaration = try String(contentsOfFile: own, encoding: .utf8).components(separatedBy: "\n").firstIndex { $0.contains("name=\"spikeGenerator\"") }
        XCTAssertEqual(diagnostics.first?.location.line, declaration.map { $0 + 1 })
        let rows = try XCTUnwrap(runSimulationByFile(own)["t.dat"])
        XCTAssertEqual(rows.count, 31)
        var (tsince, resets) = (0.0, 0)
        for (n, r) in rows.enumerated() {
            XCTAssertEqual(r[1], tsince, accuracy: 1e-12, "row \(n)")
            if tsince > 0.9e-3 { (tsince, resets) = (0, resets + 1) }
            tsince += 2 * 1e-4
        }
        XCTAssertEqual(resets, 6, "every 5 steps (NeuroML's generator: every 9)")
        let neuroML = try write(model("<Include file=\"Simulation.xml\"/>"), "neuroml.xml")
        XCTAssertEqual(try Driver.check(neuroML).1.map(\.id), ["BRC-W0132"])
    }

    /// A variable named as its component's id is recorded by that name (the randomised
    /// differential run against jLEMS of 2026-12-07: `a` of a component `a`, alone or as
    /// `pop[0]/a`, was read as the path's cell-type segment, leaving no variable: BRC-E0502).
    /// jLEMS 0.14 records a = 0.1, 0.2, 0.3 (da/dt = 1 per ms).
    func testAVariableNamedAsItsComponentIsRecorded() throws {
        /// A component `a` whose state `a` grows at 1 per ms; `target` is what the simulation runs.
        func model(_ network: String, target: String, quantity: String) -> String {
            millisecondLEMS("""
                <ComponentType name="T">
                  <Parameter name="r" dimension="per_time"/>
                  <Exposure name="a" dimension="none"/>
                  <Dynamics>
                    <StateVariable name="a" dimension="none" exposure="a"/>
                    <TimeDerivative variable="a" value="r"/>
                  </Dynamics>
                </ComponentType>
                <T id="a" r="1per_ms"/>
                \(network)
                """, target: target, quantities: [quantity])
        }
        let network = """
            <ComponentType name="Network"><Children name="populations" type="Population"/></ComponentType>
            <ComponentType name="Population">
              <ComponentReference name="component" type="Component"/>
              <Parameter name="size" dimension="none"/>
              <Structure><MultiInstantiate number="size" component="component"/></Structure>
            </ComponentType>
            <Network id="net"><Population id="pop" component="a" size="1"/></Network>
            """
        for (name, text) in [("alone.xml", model("", target: "a", quantity: "a")), ("network.xml", model(network, target: "net", quantity: "pop[0]/a"))] {
            let rows = try XCTUnwrap(try runSimulationByFile(try writeModel(text, name, label: "clash"))["results/o.dat"])
            XCTAssertEqual(rows.count, 4)
            for (k, row) in rows.enumerated() { XCTAssertEqual(row[1], 0.1 * Double(k), accuracy: 1e-12, "\(name) row \(k)") }
        }
    }
}
