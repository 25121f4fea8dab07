/// A position in a model source file: 1-based line and column.
public struct SourceLocation: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The file's path as it was opened, or `<what>` for a built-in location (`builtin`).
    public var file: String
    /// The 1-based line number (0 for a built-in location).
    public var line: Int
    /// The 1-based column (0 for a built-in location).
    public var column: Int

    /// Makes a location from its fields.
    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    /// A location for things that have no source (built-in definitions, command-line values).
    public static func builtin(_ what: String) -> SourceLocation {
        SourceLocation(file: "<\(what)>", line: 0, column: 0)
    }

    public var description: String { "\(file):\(line):\(column)" }
}

extension SourceLocation {
    /// The file's name without its folders.
    public var fileName: String { file.split(separator: "/").last.map(String.init) ?? file }

    /// `file:line:col` with the file's name only: stable across checkouts, for generated code.
    public var shortDescription: String { "\(fileName):\(line):\(column)" }
}
