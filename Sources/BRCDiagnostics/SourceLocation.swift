/// A position in a model source file: 1-based line and column.
public struct SourceLocation: Hashable, Sendable, Codable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int

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
