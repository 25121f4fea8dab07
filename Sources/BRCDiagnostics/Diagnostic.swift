/// How serious a diagnostic is. Errors stop the pipeline after the current stage.
public enum Severity: String, Sendable {
    case error, warning
}

/// One message about the model, with a stable id (e.g. `BRC-E0102`), the location it is about,
/// and a hint that says how to fix it.
public struct Diagnostic: Error, Sendable, CustomStringConvertible {
    /// The stable code, e.g. `BRC-E0102` for an error or `BRC-W0008` for a warning.
    public var id: String
    /// Whether this is an error or a warning.
    public var severity: Severity
    /// What is wrong, shown after the id.
    public var message: String
    /// Where in the model the problem is (a `SourceLocation.builtin` location where there is no source).
    public var location: SourceLocation
    /// How to fix the problem, shown last; nil when there is no hint.
    public var hint: String?
    /// Further remarks, each shown as a `note:` line, with the location it is about (nil: none).
    public var notes: [(String, SourceLocation?)]

    /// Makes a diagnostic from its parts; the severity defaults to `.error`.
    public init(_ id: String, _ severity: Severity = .error, _ message: String, at location: SourceLocation,
                hint: String? = nil, notes: [(String, SourceLocation?)] = []) {
        self.id = id
        self.severity = severity
        self.message = message
        self.location = location
        self.hint = hint
        self.notes = notes
    }

    /// An error diagnostic (`id` such as BRC-E0101) at `location`, with an optional hint.
    public static func error(_ id: String, _ message: String, at location: SourceLocation, hint: String? = nil) -> Diagnostic {
        Diagnostic(id, .error, message, at: location, hint: hint)
    }

    public var description: String {
        "\(location): \(severity.rawValue): [\(id)] \(message)" + (hint.map { " (hint: \($0))" } ?? "")
    }
}

/// Collects diagnostics from all stages; passes report into it and go on where they can.
public final class DiagnosticSink: @unchecked Sendable {
    /// Every diagnostic reported, in the order reported; a repeat (same id, location and message)
    /// is kept once.
    public private(set) var diagnostics: [Diagnostic] = []
    /// (id, location, message) of every diagnostic reported, so a rule applied once per cell
    /// reports a bad attribute once.
    private var seen: Set<String> = []

    /// Makes an empty sink.
    public init() {}

    /// Adds `d`, unless the same diagnostic (id, location, message) is there already.
    public func report(_ d: Diagnostic) {
        guard seen.insert(key(d)).inserted else { return }
        diagnostics.append(d)
        if d.severity == .error { errorCount += 1 }
    }

    /// How many errors were reported (kept as they are: passes that compare counts before and
    /// after a step, once per network child or ComponentType, do not filter every diagnostic).
    public private(set) var errorCount = 0

    /// Reports an error.
    public func error(_ id: String, _ message: String, at location: SourceLocation, hint: String? = nil) {
        report(.error(id, message, at: location, hint: hint))
    }

    /// Reports `d`, or, when the same diagnostic (id, location, message) was reported already,
    /// gives that one `d`'s hint: a later pass that knows more (a missing attribute's unit)
    /// improves the hint of what an earlier, general check reported.
    public func refine(_ d: Diagnostic) {
        // (Only a diagnostic reported already is looked for: most are new.)
        guard seen.contains(key(d)), let i = diagnostics.firstIndex(where: { key($0) == key(d) }) else { return report(d) }
        diagnostics[i].hint = d.hint
    }

    /// What makes two diagnostics the same one.
    private func key(_ d: Diagnostic) -> String { "\(d.id)|\(d.location)|\(d.message)" }

    /// Reports a warning.
    public func warning(_ id: String, _ message: String, at location: SourceLocation, hint: String? = nil) {
        report(Diagnostic(id, .warning, message, at: location, hint: hint))
    }

    /// Whether an error was reported (warnings do not count).
    public var hasErrors: Bool { errorCount > 0 }
    /// The errors reported, in order, without the warnings.
    public var errors: [Diagnostic] { diagnostics.filter { $0.severity == .error } }
}

