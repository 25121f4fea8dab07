import BRCDiagnostics
import BRCSyntax

/// Ids and names as NeuroML and LEMS define them, checked before anything else reads them:
/// an `id` is an NmlId (`[a-zA-Z_][a-zA-Z0-9_]*`) except where NeuroML numbers things
/// (segments, connections, inputs, instances) or LEMS only labels them (outputs, displays);
/// the `name` of a ComponentType and of its parameters, variables and ports is an NmlId too;
/// and no two children of one element share an id, nor two quantities of a ComponentType a
/// name (two OutputColumns of one OutputFile may share an id, with a warning: it only labels
/// them). An id that is an NmlId but for dots is accepted with a warning (jLEMS runs such
/// files, which NeuroMLlite writes). Code generation escapes every name anyway (`SourceText`); this rule is the first of
/// the two layers and gives the located error.
enum IdentifierRule {
    /// Elements whose id NeuroML defines as a non-negative integer (checked where read).
    static let numberedElements: Set<String> = [
        "segment", "connection", "connectionWD", "input", "inputW", "instance", "spike",
        "electricalConnection", "electricalConnectionInstance", "electricalConnectionInstanceW",
        "continuousConnection", "continuousConnectionInstance", "continuousConnectionInstanceW",
    ]
    /// LEMS elements whose id only labels an output: any non-empty text without control characters.
    /// A Simulation's id is only named by `<Target component>` (pyNeuroML writes ids such as
    /// `example-single-cell-sim`, which jLEMS runs).
    static let labelElements: Set<String> = ["Display", "Line", "OutputColumn", "EventSelection", "OutputFile", "EventOutputFile", "Simulation"]
    /// LEMS definition elements whose `name` is referenced from expressions.
    static let namedDefinitions: Set<String> = [
        "ComponentType", "Parameter", "Constant", "DerivedParameter", "DerivedVariable", "ConditionalDerivedVariable",
        "StateVariable", "Exposure", "Requirement", "EventPort", "Property", "Child", "Children", "Text", "IndexParameter",
    ]
    /// Most parameters, constants and variables in one ComponentType (real ones have tens).
    static let maximumDeclarations = 1000

    /// Checks every element of the document; returns false if any id or name is refused.
    static func check(_ elements: [Element], sink: DiagnosticSink) -> Bool {
        let before = sink.errorCount
        for el in elements { walk(el, sink: sink) }
        return sink.errorCount == before
    }

    private static func walk(_ el: Element, sink: DiagnosticSink) {
        if let a = el.attribute("id") { checkId(a, of: el, sink: sink) }
        // LEMS's own examples name ports `spikes-in`: a port name is only matched, never read
        // by an expression (and code generation escapes every name).
        if namedDefinitions.contains(el.name), let a = el.attribute("name"), !NmlId.isValid(a.value, allowing: el.name == "EventPort" ? [UInt8(ascii: "-")] : []) {
            sink.error("BRC-E0122", "'\(a.value)' is not a valid name for a <\(el.name)>", at: a.valueLocation,
                       hint: "a LEMS name is a letter or '_' followed by letters, digits or '_' (at most \(NmlId.maximumLength)), e.g. tauDecay")
        }
        var seen: [String: Element] = [:]
        // Segments and segment groups have their own rules (BRC-E0301, BRC-E0302).
        for c in el.children where el.name != "morphology" {
            guard let id = c.id, let a = c.attribute("id") else { continue }
            var key = (numberedElements.contains(c.name) || labelElements.contains(c.name) ? c.name + " " : "") + id
            // One species per region: NetPyNE's and pyNeuroML's cells give each segment group
            // its own <species id="ca"> (its own pool), as jNeuroML accepts.
            if c.name == "species" { key += " in " + (c["segmentGroup"] ?? "all") }
            if let first = seen[key], c.name == "OutputColumn" {
                // A column's id only labels it (in plots); jLEMS writes both columns.
                sink.report(Diagnostic("BRC-W0123", .warning, "duplicate id '\(id)' in <\(el.name)> (also an <OutputColumn> at \(first.location)); both columns are written",
                                       at: a.valueLocation, hint: "give each column its own id", notes: [("first defined here", first.location)]))
            } else if let first = seen[key] {
                sink.report(Diagnostic("BRC-E0123", .error, "duplicate id '\(id)' in <\(el.name)> (also a <\(first.name)> at \(first.location))",
                                       at: a.valueLocation, hint: "ids must be unique among the children of one element; rename one",
                                       notes: [("first defined here", first.location)]))
            } else {
                seen[key] = c
            }
        }
        if el.name == "ComponentType" { checkNames(el, sink: sink) }
        for c in el.children { walk(c, sink: sink) }
    }

    private static func checkId(_ a: Attribute, of el: Element, sink: DiagnosticSink) {
        if numberedElements.contains(el.name) { return }
        if labelElements.contains(el.name) {
            if a.value.isEmpty && (el.name == "Display" || el.name == "Line") {
                // Smith et al. 2013's LEMS files write <Display id="">; jLEMS plots them.
                sink.report(Diagnostic("BRC-W0127", .warning, "an empty id on this <\(el.name)>: accepted, as jLEMS accepts it (it only labels the plot)", at: a.valueLocation,
                                       hint: "give a short label, e.g. id=\"d1\""))
            } else if a.value.isEmpty || a.value.count > NmlId.maximumLength || a.value.unicodeScalars.contains(where: \.isControlCharacter) {
                sink.error("BRC-E0122", "the id of this <\(el.name)> is empty, too long or contains control characters", at: a.valueLocation,
                           hint: "give a short label without control characters, e.g. v0")
            } else if el.name == "EventSelection", Int(a.value) == nil, !NmlId.isValid(a.value, allowing: [UInt8(ascii: "."), UInt8(ascii: "-")]) {
                // Its id starts each line of the event file: a number or a name, never free text.
                sink.error("BRC-E0122", "'\(a.value)' is not a valid id for an <EventSelection>: it starts each of its lines in the event file", at: a.valueLocation,
                           hint: "give a number (the first cell's; the others count up from it) or a name of letters, digits, '_', '.' and '-', e.g. pyr0")
            }
            return
        }
        if !NmlId.isValid(a.value), NmlId.isValid(a.value, allowing: [UInt8(ascii: "."), UInt8(ascii: "-")]) {
            // NeuroMLlite writes ids from parameter values (Excitatory_6.15_6.9), LEMS's own
            // examples ids such as p1-p3; jLEMS runs them.
            sink.report(Diagnostic("BRC-W0122", .warning, "'\(a.value)' is not a valid NeuroML id (on <\(el.name)>): it contains '.' or '-'; accepted, as jLEMS accepts it",
                                   at: a.valueLocation, hint: "an id (NmlId) is a letter or '_' followed by letters, digits or '_'; write '_' for '.' and '-' to make the file valid NeuroML"))
        } else if !NmlId.isValid(a.value) {
            sink.error("BRC-E0122", "'\(a.value)' is not a valid NeuroML id (on <\(el.name)>)", at: a.valueLocation,
                       hint: "an id (NmlId) is a letter or '_' followed by letters, digits or '_' (at most \(NmlId.maximumLength)), e.g. pyr_soma")
        }
    }

    /// A DerivedVariable whose value is its own name, a StateVariable of the same Dynamics (The
    /// Virtual Brain showcase's LEMS models expose each state so): the state itself.
    static func repeatsState(_ dv: Element, in dynamics: Element) -> Bool {
        guard dv.name == "DerivedVariable", dv["select"] == nil, let n = dv["name"], dv["value"].map(trimmed) == n else { return false }
        return dynamics.children.contains { $0.name == "StateVariable" && $0["name"] == n }
    }

    /// Parameters, constants and requirements of a ComponentType, and the variables of its
    /// Dynamics (its regimes' StateVariables too), share one namespace: expressions refer to
    /// them by name.
    private static func checkNames(_ type: Element, sink: DiagnosticSink) {
        var seen: [String: Element] = [:]
        func declare(_ el: Element) {
            guard let a = el.attribute("name") else { return }
            if let first = seen[a.value] {
                sink.report(Diagnostic("BRC-E0123", .error, "'\(a.value)' is declared twice in ComponentType '\(type["name"] ?? "")' (also a <\(first.name)> at \(first.location))",
                                       at: a.valueLocation, hint: "give each parameter, constant, requirement and variable its own name",
                                       notes: [("first declared here", first.location)]))
            } else {
                seen[a.value] = el
            }
        }
        for c in type.children where ["Parameter", "Constant", "DerivedParameter", "Requirement", "IndexParameter"].contains(c.name) { declare(c) }
        for d in type.children where d.name == "Dynamics" {
            for c in d.children where ["StateVariable", "DerivedVariable", "ConditionalDerivedVariable"].contains(c.name) {
                if repeatsState(c, in: d), let a = c.attribute("name") {
                    sink.report(Diagnostic("BRC-W0126", .warning, "DerivedVariable '\(a.value)' of ComponentType '\(type["name"] ?? "")' repeats its StateVariable '\(a.value)' (value=\"\(a.value)\"); ignored, as jLEMS computes the same value",
                                           at: a.valueLocation, hint: "remove the DerivedVariable; the StateVariable's exposure already exposes it"))
                    continue
                }
                declare(c)
            }
            // A regime's own StateVariables are the component's (jLEMS keeps them across
            // regimes): one name, one state. Regimes have names of their own, each once.
            var regimes: [String: Element] = [:]
            for r in d.children where r.name == "Regime" {
                if let a = r.attribute("name") {
                    // (A regime named twice is reported once, not also its states.)
                    if let first = regimes[a.value] {
                        sink.report(Diagnostic("BRC-E0123", .error, "two <Regime>s of ComponentType '\(type["name"] ?? "")' are named '\(a.value)'",
                                               at: a.valueLocation, hint: "give each regime its own name", notes: [("first declared here", first.location)]))
                        continue
                    }
                    regimes[a.value] = r
                }
                for c in r.children where c.name == "StateVariable" { declare(c) }
            }
        }
        if seen.count > maximumDeclarations {
            sink.error("BRC-E0125", "ComponentType '\(type["name"] ?? "")' declares \(seen.count) parameters and variables; brcc accepts at most \(maximumDeclarations)",
                       at: type.location, hint: "split the type into several components")
        }
    }
}
