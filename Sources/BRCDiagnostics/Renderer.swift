import Foundation

/// Renders diagnostics as `file:line:col: error: [ID] message`, the source line, a caret under
/// the column, then notes and the hint.
public struct DiagnosticRenderer {
    private var sourceCache: [String: [Substring]] = [:]

    public init() {}

    public mutating func render(_ d: Diagnostic) -> String {
        var out = "\(d.location): \(d.severity.rawValue): [\(d.id)] \(d.message)\n"
        if let text = sourceLine(d.location) {
            let expanded = text.replacingOccurrences(of: "\t", with: " ")
            out += "    \(expanded)\n"
            let caretCol = max(1, d.location.column)
            out += "    " + String(repeating: " ", count: caretCol - 1) + "^\n"
        }
        for (note, loc) in d.notes {
            out += "  note: \(note)" + (loc.map { " (at \($0))" } ?? "") + "\n"
        }
        if let hint = d.hint { out += "  hint: \(hint)\n" }
        return out
    }

    public mutating func render(_ ds: [Diagnostic]) -> String {
        ds.map { render($0) }.joined()
    }

    private mutating func sourceLine(_ loc: SourceLocation) -> String? {
        guard loc.line > 0 else { return nil }
        if sourceCache[loc.file] == nil {
            guard let s = try? String(contentsOfFile: loc.file, encoding: .utf8) else { return nil }
            sourceCache[loc.file] = s.split(separator: "\n", omittingEmptySubsequences: false)
        }
        guard let lines = sourceCache[loc.file], loc.line <= lines.count else { return nil }
        return String(lines[loc.line - 1])
    }
}
