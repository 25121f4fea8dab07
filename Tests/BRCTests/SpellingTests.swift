@testable import BRCDiagnostics
import BRCDriver
import Foundation
import XCTest

/// "Did you mean": a misspelt attribute or reference is one error whose hint names the closest
/// name the model could have meant (`Spelling`), and a misspelt required attribute is not also
/// reported missing.
final class SpellingTests: XCTestCase {
    func testClosestNameWithinASlip() {
        let names = ["probability", "seed", "selfConnections", "weight", "delay"]
        XCTAssertEqual(Spelling.closest(to: "probabilty", among: names), "probability")   // a letter left out
        XCTAssertEqual(Spelling.closest(to: "porbability", among: names), "probability")  // two letters swapped
        XCTAssertEqual(Spelling.closest(to: "Seed", among: names), "seed")                // letter case
        XCTAssertEqual(Spelling.closest(to: "selfConnection", among: names), "selfConnections")
        XCTAssertNil(Spelling.closest(to: "variable", among: names))                      // nothing close
        XCTAssertNil(Spelling.closest(to: "seed", among: names))                          // not misspelt
        // One- and two-letter names: any one letter is one edit from any other, so only case counts.
        XCTAssertNil(Spelling.closest(to: "Q", among: ["C", "E", "R"]))
        XCTAssertEqual(Spelling.closest(to: "e", among: ["C", "E", "R"]), "E")
        // Among a few likely names (the required attributes an element lacks) one edit is allowed.
        XCTAssertEqual(Spelling.closest(to: "xx", among: ["x"], atLeastOne: true), "x")
        XCTAssertNil(Spelling.closest(to: "xx", among: ["x"]))
        // Ties go to the first name in sorted order, whatever the order given.
        XCTAssertEqual(Spelling.closest(to: "hh3", among: ["hh2", "hh1"]), "hh1")
        XCTAssertEqual(Spelling.distance(Array("kitten".unicodeScalars), Array("sitting".unicodeScalars)), 3)
        XCTAssertEqual(Spelling.distance(Array("ab".unicodeScalars), Array("ba".unicodeScalars)), 1)
        XCTAssertEqual(Spelling.distance([], Array("abc".unicodeScalars)), 3)
    }

    /// The small task model with one edit, checked: its errors (id, message, hint).
    func errors(_ edit: (String) -> String) throws -> [Diagnostic] {
        let small = TestPaths.repo.appendingPathComponent("models/small/train_small_cue.xml")
        let text = try String(contentsOf: small, encoding: .utf8).replacingOccurrences(of: "\"../", with: "\"\(TestPaths.repo.path)/models/")
        let path = try writeModel(edit(text), label: "spelling")
        do {
            _ = try Driver.check(path)
            return []
        } catch DriverError.model(let ds) {
            return ds.filter { $0.severity == .error }
        }
    }

    func testMisspeltNamesGetOneErrorThatSaysWhatWasMeant() throws {
        let cases: [(from: String, to: String, id: String, hint: String)] = [
            ("probability=\"0.5\"", "probabilty=\"0.5\"", "BRC-E0101", "rename it to probability"),
            (" gbase=\"1nS\" erev=\"0mV\" alpha=\"1.1per_ms\" beta=\"0.02per_ms\"", " gbse=\"1nS\" erev=\"0mV\" alpha=\"1.1per_ms\" beta=\"0.02per_ms\"", "BRC-E0101", "rename it to gbase"),
            ("component=\"hh1\"", "component=\"hh2\"", "BRC-E0107", "did you mean 'hh1'?"),
            ("synapse=\"fast\"", "synapse=\"fats\"", "BRC-E0107", "did you mean 'fast'?"),
            ("channelDensity=\"K_all\"", "channelDensity=\"k_all\"", "BRC-E1004", "did you mean 'K_all'?"),
            ("projection=\"cue_E\" prior=\"uniform\"", "projection=\"cueE\" prior=\"uniform\"", "BRC-E1004", "did you mean 'cue_E'?"),
            // An element name: the model's own ComponentType.
            ("<kineticSynapse id=\"fast\"", "<kineticSynapes id=\"fast\"", "BRC-E0103", "did you mean 'kineticSynapse'?"),
        ]
        for c in cases {
            let found = try errors { $0.replacingOccurrences(of: c.from, with: c.to) }
            XCTAssertEqual(found.count, 1, "\(c.to): \(found.map(\.description))")
            XCTAssertEqual(found.first?.id, c.id, c.to)
            XCTAssertTrue(found.first?.hint?.contains(c.hint) == true, "\(c.to): \(found.first?.description ?? "no error")")
        }
        // A required quantity left out is one error, not one per reader that asks for it.
        let missing = try errors { $0.replacingOccurrences(of: " gbase=\"1nS\" erev=\"0mV\" alpha=\"1.1per_ms\" beta=\"0.02per_ms\"", with: " erev=\"0mV\" alpha=\"1.1per_ms\" beta=\"0.02per_ms\"") }
        XCTAssertEqual(missing.map(\.id), ["BRC-E0102"], missing.map(\.description).joined(separator: "\n"))
        // Its hint says what unit it takes (the quantity's reader refines the attribute check's).
        XCTAssertEqual(missing.first?.hint, "add gbase=\"...\" with a value in a unit of conductance, e.g. 1nS to <kineticSynapse id=\"slow\">")
        // A Simulation's missing step: its example is a time step, not a duration.
        let noStep = try errors { $0.replacingOccurrences(of: #" step="0.025ms""#, with: "") }
        XCTAssertEqual(noStep.map(\.id), ["BRC-E0102"], noStep.map(\.description).joined(separator: "\n"))
        XCTAssertEqual(noStep.first?.hint?.hasPrefix("add step=\"...\" with a value in a unit of time, e.g. 0.025ms to <Simulation"), true, noStep.first?.hint ?? "")
    }

    /// A misspelt element name is one "not supported yet" whose hint names the element meant
    /// (a NeuroML2 core type here); a name close to nothing gets the hint alone; a core type
    /// brcc cannot compile names its element once and says why, not that dimensions are strict.
    func testElementNames() throws {
        let model = """
        <neuroml xmlns="http://www.neuroml.org/schema/neuroml2" id="names">
          <expTwoSynapes id="s" gbase="1nS" erev="0mV" tauRise="1ms" tauDecay="5ms"/>
          <fancyCell id="f"/>
          <pointCellCondBasedCa id="pc" C="1pF" v0="-65mV" thresh="0mV"/>
          <network id="net"><population id="p" component="pc" size="1"/></network>
        </neuroml>
        """
        do {
            _ = try Driver.check(try writeModel(model, "names.nml", label: "spelling-elements"))
            XCTFail("unknown elements were accepted")
        } catch DriverError.model(let ds) {
            let errors = ds.filter { $0.severity == .error }
            XCTAssertEqual(errors.map(\.id), ["BRC-E0103", "BRC-E0103", "BRC-E0103"], errors.map(\.description).joined(separator: "\n"))
            guard errors.count == 3 else { return }
            XCTAssertEqual(errors[0].hint?.hasPrefix("did you mean 'expTwoSynapse'? docs/language.md section 3"), true, errors[0].description)
            XCTAssertEqual(errors[1].hint?.hasPrefix("docs/language.md section 3"), true, errors[1].description)
            XCTAssertEqual(errors[2].message.components(separatedBy: "<pointCellCondBasedCa>").count, 2, errors[2].message)
            XCTAssertTrue(errors[2].message.contains("does not compile: DerivedVariable 'iCa' selects"), errors[2].message)
            XCTAssertEqual(errors[2].hint?.contains("LEMS feature brcc does not compile"), true, errors[2].description)
        }
    }

    /// A reference to a kind of which the model defines none says so, rather than listing nothing.
    func testAnEmptyListSaysNone() throws {
        let path = try writeModel("<Lems><Target component=\"sim\"/><Simulation id=\"sim\" length=\"1ms\" step=\"0.025ms\" target=\"net\"/></Lems>", label: "spelling-none")
        do {
            _ = try Driver.check(path)
            XCTFail("a simulation of no network was accepted")
        } catch DriverError.model(let ds) {
            XCTAssertEqual(ds.filter { $0.severity == .error }.map(\.hint), ["networks: none"])
        }
    }

    /// Each suggestion compares a name with every candidate, so a lowering computes at most 100:
    /// 5,000 dangling references to 5,000 ids took 14 s of hints before the budget, 0.4 s after.
    func testSuggestionsStopAfterABudget() throws {
        let n = 150
        let generators = (0..<n).map { "<pulseGenerator id=\"pg\($0)\" delay=\"1ms\" duration=\"1ms\" amplitude=\"0.1nA\"/>" }.joined(separator: "\n")
        let inputs = (0..<n).map { "<explicitInput target=\"pop[0]\" input=\"pgx\($0)\"/>" }.joined(separator: "\n")
        let model = """
        <Lems>
        <Include file="\(TestPaths.repo.path)/models/cells/hh1.cell.nml"/>
        \(generators)
        <network id="net"><population id="pop" component="hh1" size="1"/>
        \(inputs)
        </network>
        <Simulation id="sim" length="1ms" step="0.025ms" target="net"/>
        <Target component="sim"/>
        </Lems>
        """
        let errors: [Diagnostic]
        do {
            _ = try Driver.check(try writeModel(model, label: "spelling-budget"))
            return XCTFail("a model of dangling references was accepted")
        } catch DriverError.model(let ds) {
            errors = ds.filter { $0.severity == .error }
        }
        XCTAssertEqual(errors.count, n)
        XCTAssertEqual(errors.filter { $0.hint?.hasPrefix("did you mean 'pg") == true }.count, 100)
        XCTAssertEqual(errors.first?.hint?.hasPrefix("did you mean 'pg0'?"), true)
    }
}
