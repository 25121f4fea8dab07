import BRCDriver
import Foundation
import XCTest

/// The standard Ex17: the Simulation targets a `tissueWithVaryingTemperature`, a component
/// whose ComponentType holds the network as `<Child type="network">` and whose Dynamics switch
/// the temperature from 22 °C to 16 °C at 500 ms; the cell's q10 rates follow it.
final class TissueTemperatureTests: XCTestCase {
    let model = TestPaths.model("tools/lems/LEMS_NML2_Ex17_Tissue_outputs.xml")

    /// Against jLEMS (tools/jlems_reference.sh, every 20th row): the same 18 spikes, the first
    /// within 0.1 ms and all within 2 ms (measured 0.037 ms and 1.48 ms: brcc integrates the
    /// gates exactly and v implicitly, jLEMS both by forward Euler, so spikes drift apart by
    /// about 0.05 ms each, as for Ex1), and the same temperature away from the switch (jLEMS
    /// switches one step earlier).
    func testEx17FollowsJLEMS() throws {
        let dir = TestPaths.repo.appendingPathComponent("Tests/BRCTests/Fixtures/jlems/Ex17_Tissue")
        let ref = try loadTable(dir.appendingPathComponent("results/ex17.dat").path)
        let got = try XCTUnwrap(runSimulationByFile(model)["results/ex17.dat"])
        XCTAssertEqual(got.count, 100_001)
        let cs = spikeTimes(t: got.map { $0[0] }, v: got.map { $0[1] }), rs = spikeTimes(t: ref.map { $0[0] }, v: ref.map { $0[1] })
        XCTAssertEqual(cs.count, 18)
        XCTAssertEqual(cs.count, rs.count)
        XCTAssertLessThan(abs(cs[0] - rs[0]), 0.1)
        XCTAssertLessThanOrEqual(zip(cs, rs).map { abs($0 - $1) }.max()!, 2)
        for (k, r) in ref.enumerated() where abs(r[0] - 0.5) > 1e-9 {
            XCTAssertEqual(got[k * 20][2], r[2], accuracy: 1e-9, "temperature at \(r[0]) s")
        }
        XCTAssertEqual(got[50_000][2], 295.15, accuracy: 1e-9)
        XCTAssertEqual(got[50_001][2], 289.15, accuracy: 1e-9)
    }

    /// The tissue's OnConditions run in order, each assignment and test seeing the ones before it,
    /// as jLEMS runs them (tools/jlems_reference.sh, every 100th row): on the step of the switch
    /// `first` already reads the new temperature and the second condition's `marker` counts it.
    /// (Were the assignments to read the states from before any of them, `first` would keep
    /// 295.15 K for a step and `marker` start a step later.) jLEMS switches one step earlier
    /// (its `t` accumulates `dt`, so it passes 500 ms one step sooner), so its count is one
    /// ahead after the switch.
    func testConditionsRunInOrderAsInJLEMS() throws {
        let dir = TestPaths.repo.appendingPathComponent("Tests/BRCTests/Fixtures/jlems/Ex17_Tissue_conditions")
        let ref = try loadTable(dir.appendingPathComponent("results/ex17.dat").path)
        let got = try XCTUnwrap(runSimulationByFile(TestPaths.model("tools/lems/LEMS_NML2_Ex17_Tissue_conditions.xml"))["results/ex17.dat"])
        XCTAssertEqual(got.count, 60_001)
        XCTAssertEqual(ref.count, 601)
        // The step of the switch (row 50,001: t = 500.01 ms) and the one before.
        XCTAssertEqual(got[50_000].suffix(3), [295.15, 0, 0])
        XCTAssertEqual(got[50_001].suffix(3), [289.15, 289.15, 1])
        XCTAssertEqual(got[60_000].suffix(3), [289.15, 289.15, 10_000])
        for (k, r) in ref.enumerated() where abs(r[0] - 0.5) > 1e-9 {
            let row = got[k * 100]
            XCTAssertEqual(row[2], r[2], accuracy: 1e-9, "temperature at \(r[0]) s")
            XCTAssertEqual(row[3], r[3], accuracy: 1e-9, "first at \(r[0]) s")
            XCTAssertEqual(row[4], max(r[4] - 1, 0), "marker at \(r[0]) s")
        }
    }

    /// Until the switch, the run is bit for bit the same network simulated on its own at a
    /// constant 22 °C; after it, the slower rates change the spike train.
    func testBeforeTheSwitchItIsTheConstantTemperatureRun() throws {
        let text = try String(contentsOfFile: model, encoding: .utf8)
        var plain = text.replacingOccurrences(of: "<tissueWithVaryingTemperature id=\"slice\" startTemperature =\"22degC\" endTemperature=\"16degC\" changeTime=\"500ms\">", with: "")
            .replacingOccurrences(of: "</tissueWithVaryingTemperature>", with: "")
            .replacingOccurrences(of: "<network id=\"net1\">", with: "<network id=\"net1\" type=\"networkWithTemperature\" temperature=\"22degC\">")
            .replacingOccurrences(of: "target=\"slice\"", with: "target=\"net1\"")
            .replacingOccurrences(of: "quantity=\"net1/hhpop[0]/v\"", with: "quantity=\"hhpop[0]/v\"")
        plain = plain.replacingOccurrences(of: "<OutputColumn id=\"temperature\" quantity=\"temperature\"/>", with: "")
        XCTAssertNotEqual(plain, text)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ex17_constant_\(ProcessInfo.processInfo.processIdentifier).xml")
        try plain.write(to: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: path) }
        let constant = try XCTUnwrap(runSimulationByFile(path.path)["results/ex17.dat"])
        let varying = try XCTUnwrap(runSimulationByFile(model)["results/ex17.dat"])
        XCTAssertEqual(constant.prefix(50_001).map { $0[1].bitPattern }, varying.prefix(50_001).map { $0[1].bitPattern })
        XCTAssertNotEqual(constant.suffix(20_000).map { $0[1] }, varying.suffix(20_000).map { $0[1] })
    }
}
