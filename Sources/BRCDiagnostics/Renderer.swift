import Foundation

/// Renders diagnostics as `file:line:col: error: [ID] message`, the source line, a caret under
/// the column, then notes and the hint.
public struct DiagnosticRenderer {
    private var sourceCache: [String: [Substring.UnicodeScalarView]] = [:]
    /// Source lines already shown, as Unicode scalars (tabs as spaces), the unit a column counts:
    /// a line of megabytes that many diagnostics point into is converted once, not once per
    /// diagnostic.
    private var lineCache: [SourceLocation: [Unicode.Scalar]] = [:]

    /// Makes a renderer with empty caches of source lines.
    public init() {}

    /// Longest message, note or hint shown (model text quoted in one can be megabytes).
    static let maximumText = 400
    /// Columns of the source line shown around the caret.
    static let sourceWindow = 120
    /// The files whose lines a diagnostic shows: model and data files by their usual
    /// extensions. A model may include any readable file (`/proc/self/environ`, `/etc/shadow`);
    /// its diagnostic names the file and position but does not print the file's contents.
    static let shownExtensions: Set<String> = ["xml", "nml", "lems", "csv", "tsv", "txt", "dat"]
    /// Largest file whose lines are shown (the model reader's limit), and the longest stretch
    /// of one line converted to find the caret's window (a line of 200 MB would cost 3 GB).
    static let maximumSourceBytes = 256 << 20
    static let maximumLineCharacters = 100_000

    /// `d` as printed: `file:line:col: severity: [id] message`, the source line with a caret
    /// under the column where the file can be read, its notes, then the hint; control
    /// characters masked.
    public mutating func render(_ d: Diagnostic) -> String {
        var out = "\(Self.printable(d.location.description)): \(d.severity.rawValue): [\(d.id)] \(Self.printable(d.message))\n"
        if let scalars = sourceScalars(d.location) {
            // Show a window of the line around the caret, control characters made visible. A
            // column counts Unicode scalars; the caret is indented by the cells a terminal
            // shows before it (a letter and its combining accent are one, 電 two).
            func text(_ r: Range<Int>) -> String { String(String.UnicodeScalarView(scalars[r])) }
            let column = min(max(1, d.location.column), scalars.count + 1)
            let start = max(0, min(column - 1 - Self.sourceWindow / 2, scalars.count - Self.sourceWindow))
            let end = min(scalars.count, start + Self.sourceWindow)
            let shown = (start > 0 ? "..." : "") + Self.printable(text(start..<end), limit: .max) + (end < scalars.count ? "..." : "")
            out += "    \(shown)\n"
            out += "    " + String(repeating: " ", count: Self.terminalWidth(text(start..<(column - 1))) + (start > 0 ? 3 : 0)) + "^\n"
        }
        for (note, loc) in d.notes {
            out += "  note: \(Self.printable(note))" + (loc.map { " (at \(Self.printable($0.description)))" } ?? "") + "\n"
        }
        if let hint = d.hint { out += "  hint: \(Self.printable(hint))\n" }
        return out
    }

    /// The cells a terminal gives `s`: one per Character, two for an East Asian wide or
    /// fullwidth one (CJK ideographs, kana, Hangul, fullwidth forms) or an emoji.
    static func terminalWidth(_ s: String) -> Int {
        s.reduce(0) { width, c in
            guard let v = c.unicodeScalars.first?.value else { return width }
            let wide = (0x1100...0x115F).contains(v) || (0x2E80...0x303E).contains(v) || (0x3041...0x33FF).contains(v)
                || (0x3400...0x4DBF).contains(v) || (0x4E00...0x9FFF).contains(v) || (0xA000...0xA4CF).contains(v)
                || (0xAC00...0xD7A3).contains(v) || (0xF900...0xFAFF).contains(v) || (0xFE30...0xFE4F).contains(v)
                || (0xFF00...0xFF60).contains(v) || (0xFFE0...0xFFE6).contains(v) || (0x1F300...0x1F64F).contains(v)
                || (0x1F900...0x1F9FF).contains(v) || (0x20000...0x3FFFD).contains(v)
            return width + (wide ? 2 : 1)
        }
    }

    /// `s` safe for a terminal: control characters (escape sequences among them) as `?`, and
    /// at most `limit` Unicode scalars, the middle cut out. (Counted in scalars, not Characters:
    /// a letter followed by 200,000 combining accents is one Character, and was printed whole.)
    static func printable(_ s: String, limit: Int = maximumText) -> String {
        let t = s.maskingControlCharacters()
        let scalars = t.unicodeScalars
        guard scalars.count > limit else { return t }
        return String(String.UnicodeScalarView(scalars.prefix(limit / 2))) + " [... \(scalars.count - limit) characters ...] "
            + String(String.UnicodeScalarView(scalars.suffix(limit / 2)))
    }

    /// At most this many diagnostics of one run are printed in full; the rest are counted in
    /// a last line. A model with hundreds of copies of one faulty element has as many errors
    /// (brcc-fuzz's mutant of a network with 900 copies of a projection: 902), and the first
    /// screens say what the rest repeat.
    public static let maximumShown = 100

    /// `ds` in order, the first `maximumShown` in full, then how many more errors and warnings
    /// there are.
    public mutating func render(_ ds: [Diagnostic]) -> String {
        var out = ds.prefix(Self.maximumShown).map { render($0) }.joined()
        let rest = ds.dropFirst(Self.maximumShown)
        if !rest.isEmpty {
            let errors = rest.filter { $0.severity == .error }.count, warnings = rest.count - errors
            out += "brcc: \(errors) more error\(errors == 1 ? "" : "s") and \(warnings) more warning\(warnings == 1 ? "" : "s") not shown (the first \(Self.maximumShown) diagnostics are)\n"
        }
        return out
    }

    private mutating func sourceScalars(_ loc: SourceLocation) -> [Unicode.Scalar]? {
        let key = SourceLocation(file: loc.file, line: loc.line, column: 0)
        if let scalars = lineCache[key] { return scalars }
        guard let line = sourceLine(loc) else { return nil }
        var scalars = line.prefix(Self.maximumLineCharacters).map { $0 == "\t" ? " " : $0 }
        if scalars.last == "\r" { scalars.removeLast() }  // (a CRLF line's end)
        guard loc.column <= scalars.count + 1 else { return nil }  // (past the converted stretch)
        lineCache[key] = scalars
        return scalars
    }

    /// Line `loc.line` of its file, split at line feeds as the parser counts lines (so a CRLF
    /// file's lines end in a carriage return), if the file may be shown; a file that is not
    /// UTF-8 is read as Latin-1.
    private mutating func sourceLine(_ loc: SourceLocation) -> Substring.UnicodeScalarView? {
        guard loc.line > 0 else { return nil }
        if sourceCache[loc.file] == nil {
            let url = URL(fileURLWithPath: loc.file)
            guard Self.shownExtensions.contains(url.pathExtension.lowercased()),
                  let size = (try? FileManager.default.attributesOfItem(atPath: url.resolvingSymlinksInPath().path))?[.size] as? Int,
                  size <= Self.maximumSourceBytes,
                  // A file that is not UTF-8 is shown as Latin-1, one character per byte, as
                  // the parser counts the columns of a file declared in a single-byte encoding.
                  let s = (try? String(contentsOfFile: loc.file, encoding: .utf8)) ?? (try? String(contentsOfFile: loc.file, encoding: .isoLatin1)) else { return nil }
            sourceCache[loc.file] = s.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false)
        }
        guard let lines = sourceCache[loc.file], loc.line <= lines.count else { return nil }
        return lines[loc.line - 1]
    }
}

extension Unicode.Scalar {
    /// A control character: C0 (below U+0020), DEL, C1 (U+0080 to U+009F, where a terminal
    /// reads U+009B as the start of an escape sequence), or a bidirectional formatting
    /// character (U+200E, U+200F, U+202A to U+202E, U+2066 to U+2069), which makes a name show
    /// as another (`a<U+202E>lmth.exe`). No label or file name a model gives may hold one, and
    /// none reaches a terminal unmasked.
    public var isControlCharacter: Bool {
        value < 0x20 || (value >= 0x7F && value < 0xA0) || value == 0x200E || value == 0x200F
            || (0x202A...0x202E).contains(value) || (0x2066...0x2069).contains(value)
    }
}

extension StringProtocol {
    /// The text with each control character (`Unicode.Scalar.isControlCharacter`) as `?`: safe
    /// for a terminal, and on one line.
    public func maskingControlCharacters() -> String {
        String(String.UnicodeScalarView(unicodeScalars.map { $0.isControlCharacter ? "?" : $0 }))
    }
}
