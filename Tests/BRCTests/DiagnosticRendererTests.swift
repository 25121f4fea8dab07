import BRCDiagnostics
import BRCDriver
import Foundation
import XCTest

/// The source line and caret a diagnostic prints, through the parser's own columns: the caret
/// stands under the offending attribute whatever the file's line ends, accents or tabs.
final class DiagnosticRendererTests: XCTestCase {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("brcc-render-\(UUID().uuidString)")
    override func setUpWithError() throws { try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true) }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    /// `brcc check` of a model whose third line is `line`, with `newline` ending every line:
    /// the rendered source line and caret line of its one error (an unknown attribute `bogus`).
    func rendered(_ line: String, newline: String = "\n", latin1: Bool = false) throws -> (source: String, caret: String) {
        let file = dir.appendingPathComponent("m\(UUID().uuidString.prefix(8)).nml")
        let text = ["<?xml version=\"1.0\" encoding=\"\(latin1 ? "ISO-8859-1" : "UTF-8")\"?>",
                    "<neuroml xmlns=\"http://www.neuroml.org/schema/neuroml2\" id=\"x\">", line, "</neuroml>", ""].joined(separator: newline)
        try XCTUnwrap(text.data(using: latin1 ? .isoLatin1 : .utf8)).write(to: file)
        var diagnostics: [Diagnostic] = []
        XCTAssertThrowsError(try Driver.check(file.path)) { e in
            if case DriverError.model(let ds) = e { diagnostics = ds }
        }
        XCTAssertEqual(diagnostics.map(\.id), ["BRC-E0101"])
        var renderer = DiagnosticRenderer()
        let lines = renderer.render(diagnostics).components(separatedBy: "\n")
        XCTAssertGreaterThanOrEqual(lines.count, 3, lines.joined(separator: "\n"))
        return lines.count >= 3 ? (lines[1], lines[2]) : ("", "")
    }

    /// Asserts that the caret of `r` stands under the attribute `bogus`, `extraCells` further
    /// right (the wide characters before it take one more cell each).
    func assertCaretUnderTheAttribute(_ r: (source: String, caret: String), extraCells: Int = 0, file: StaticString = #filePath, line: UInt = #line) {
        let p = positions(r)
        XCTAssertNotNil(p.caret, file: file, line: line)
        XCTAssertEqual(p.caret, p.attribute.map { $0 + extraCells }, file: file, line: line)
    }

    /// The caret's position in characters as a terminal shows them, and the attribute's.
    func positions(_ r: (source: String, caret: String)) -> (caret: Int?, attribute: Int?) {
        (r.caret.firstIndex(of: "^").map { r.caret.distance(from: r.caret.startIndex, to: $0) },
         r.source.range(of: "bogus").map { r.source.distance(from: r.source.startIndex, to: $0.lowerBound) })
    }

    func testTheCaretStandsUnderTheAttribute() throws {
        let r = try rendered("  <ionChannelHH id=\"Leak\" conductance=\"10pS\" bogus=\"1\"/>")
        XCTAssertEqual(r.source, "      <ionChannelHH id=\"Leak\" conductance=\"10pS\" bogus=\"1\"/>")
        let p = positions(r)
        XCTAssertEqual(p.caret, 4 + 46 - 1, "four spaces of indentation, then column 46")
        XCTAssertEqual(p.caret, p.attribute)
    }

    /// A file written with CRLF line ends (Windows editors) shows its line, without the
    /// carriage return. (Swift reads "\r\n" as one character: a split at "\n" characters found
    /// no line at all, and no source was shown.)
    func testCRLFFilesShowTheirLine() throws {
        let r = try rendered("  <ionChannelHH id=\"Leak\" conductance=\"10pS\" bogus=\"1\"/>", newline: "\r\n")
        XCTAssertEqual(r.source, "      <ionChannelHH id=\"Leak\" conductance=\"10pS\" bogus=\"1\"/>")
        assertCaretUnderTheAttribute(r)
    }

    /// Columns count Unicode scalars; a letter with a combining accent is two of them but one
    /// character on the screen, and the caret is placed by what the screen shows.
    func testCombiningAccentsDoNotShiftTheCaret() throws {
        let r = try rendered("  <!-- e\u{301}e\u{301} caf\u{E9} --><ionChannelHH id=\"Leak\" conductance=\"10pS\" bogus=\"1\"/>")
        assertCaretUnderTheAttribute(r)
    }

    /// A file declared ISO-8859-1 (Latin-1) has one character per byte: its `µ` (0xB5) and `²`
    /// (0xB2) were skipped as UTF-8 continuation bytes, every column after them was one to the
    /// left per character, and its line was not shown at all (not UTF-8).
    func testLatin1FilesCountEveryCharacter() throws {
        let r = try rendered("  <!-- 10 \u{B5}m\u{B2}, caf\u{E9} --><ionChannelHH id=\"Leak\" conductance=\"10pS\" bogus=\"1\"/>", latin1: true)
        XCTAssertTrue(r.source.contains("10 \u{B5}m\u{B2}, caf\u{E9}"), r.source)
        assertCaretUnderTheAttribute(r)
    }

    /// A wide character (a CJK ideograph, a fullwidth letter) takes two cells of a terminal:
    /// the caret is indented by two for each, so that it still stands under the attribute.
    func testWideCharactersMoveTheCaretByTwo() throws {
        let r = try rendered("  <!-- \u{96FB}\u{4F4D} \u{FF21} --><ionChannelHH id=\"Leak\" conductance=\"10pS\" bogus=\"1\"/>")
        assertCaretUnderTheAttribute(r, extraCells: 3)
    }

    /// A tab is shown as one space, as the column counts it.
    func testTabsAreOneColumn() throws {
        let r = try rendered("\t<ionChannelHH id=\"Leak\"\tconductance=\"10pS\" bogus=\"1\"/>")
        XCTAssertFalse(r.source.contains("\t"))
        assertCaretUnderTheAttribute(r)
    }

    /// A long line is shown as a window around the column, marked with "..." where it is cut.
    func testALongLineIsShownAroundTheColumn() throws {
        let r = try rendered("  <!-- \(String(repeating: "x", count: 500)) --><ionChannelHH id=\"Leak\" conductance=\"10pS\" bogus=\"1\"/>")
        XCTAssertTrue(r.source.hasPrefix("    ..."), r.source)
        XCTAssertLessThanOrEqual(r.source.count, 4 + 3 + DiagnosticRendererTests.window + 3)
        assertCaretUnderTheAttribute(r)
    }

    /// Model text quoted in a message is cut by Unicode scalars: a value of one digit and
    /// 200,000 combining accents (one Character) was printed whole, 400 kB for one diagnostic.
    func testCombiningAccentsCannotInflateADiagnostic() throws {
        let file = dir.appendingPathComponent("accents.nml")
        let value = "10pS" + String(repeating: "\u{301}", count: 200_000)
        try Data("""
            <neuroml xmlns="http://www.neuroml.org/schema/neuroml2" id="x">
              <ionChannelHH id="Leak" conductance="\(value)"/>
            </neuroml>
            """.utf8).write(to: file)
        var diagnostics: [Diagnostic] = []
        XCTAssertThrowsError(try Driver.check(file.path)) { e in
            if case DriverError.model(let ds) = e { diagnostics = ds }
        }
        XCTAssertFalse(diagnostics.isEmpty)
        var renderer = DiagnosticRenderer()
        let text = renderer.render(diagnostics)
        XCTAssertLessThan(text.utf8.count, 4_000, "\(text.utf8.count) bytes")
        XCTAssertTrue(text.contains("characters ...]"), text)
    }

    /// A UTF-8 byte-order mark is no column (libxml2 does not count it; brcc's scanner counted
    /// it, so every location on the first line was one column to the right).
    func testAByteOrderMarkIsNoColumn() throws {
        func column(_ prefix: [UInt8]) throws -> Int? {
            let file = dir.appendingPathComponent("bom\(prefix.count).xml")
            try Data(prefix + Array(#"<Lems><bogus/></Lems>"#.utf8)).write(to: file)
            var diagnostics: [Diagnostic] = []
            XCTAssertThrowsError(try Driver.check(file.path)) { e in
                if case DriverError.model(let ds) = e { diagnostics = ds }
            }
            return diagnostics.first?.location.column
        }
        XCTAssertEqual(try column([]), 7)
        XCTAssertEqual(try column([0xEF, 0xBB, 0xBF]), 7)
    }

    /// An expression's error is located by Unicode scalars, as every column: the parser counts
    /// Characters, and a decomposed accent before the error moved it one column to the left.
    func testAnExpressionErrorIsAtItsColumn() throws {
        let file = dir.appendingPathComponent("expression.xml")
        let line = "<DerivedVariable name=\"x\" dimension=\"none\" value=\"e\u{301} + $\"/>"
        try Data("<Lems>\n<ComponentType name=\"T\">\n<Parameter name=\"e\u{301}\" dimension=\"none\"/>\n<Dynamics>\n\(line)\n</Dynamics>\n</ComponentType>\n</Lems>\n".utf8).write(to: file)
        var diagnostics: [Diagnostic] = []
        XCTAssertThrowsError(try Driver.check(file.path)) { e in
            if case DriverError.model(let ds) = e { diagnostics = ds }
        }
        let d = try XCTUnwrap(diagnostics.first { $0.id == "BRC-E0201" }, "\(diagnostics)")
        XCTAssertEqual(d.location.line, 5)
        let dollar = try XCTUnwrap(line.unicodeScalars.firstIndex(of: "$"))
        XCTAssertEqual(d.location.column, line.unicodeScalars.distance(from: line.unicodeScalars.startIndex, to: dollar) + 1)
    }

    /// An expression's error is located in the source as written: on the value's second line
    /// when the value runs over two (it was the first line's column plus the offset, past the
    /// line's end), with CRLF line ends too, and after a character reference (`&#x70;`, six
    /// columns for one character) where it was five columns to the left.
    func testAnExpressionErrorIsWhereTheSourceHasIt() throws {
        func location(_ value: String, newline: String = "\n") throws -> (line: Int, column: Int)? {
            let file = dir.appendingPathComponent("multiline\(UUID().uuidString.prefix(8)).xml")
            let text = ["<Lems>", "<ComponentType name=\"T\">", "<Parameter name=\"p\" dimension=\"none\"/>", "<Dynamics>",
                        "<DerivedVariable name=\"x\" dimension=\"none\" value=\"\(value)\"/>", "</Dynamics>", "</ComponentType>", "</Lems>", ""]
                .joined(separator: newline)
            try Data(text.utf8).write(to: file)
            var diagnostics: [Diagnostic] = []
            XCTAssertThrowsError(try Driver.check(file.path)) { e in
                if case DriverError.model(let ds) = e { diagnostics = ds }
            }
            return diagnostics.first { $0.id == "BRC-E0201" }.map { ($0.location.line, $0.location.column) }
        }
        let start = "<DerivedVariable name=\"x\" dimension=\"none\" value=\"".count + 1
        XCTAssertEqual(try location("p + $").map { [$0.line, $0.column] }, [5, start + 4])
        XCTAssertEqual(try location("p +\n      p * $").map { [$0.line, $0.column] }, [6, 11])
        XCTAssertEqual(try location("p +\r\n      p * $", newline: "\r\n").map { [$0.line, $0.column] }, [6, 11])
        XCTAssertEqual(try location("p + &#x70; * $").map { [$0.line, $0.column] }, [5, start + 13])
        XCTAssertEqual(try location("&#x70; +\n &#x70; $").map { [$0.line, $0.column] }, [6, 9])
    }

    /// `DiagnosticRenderer`'s window of source columns.
    static let window = 120
}
