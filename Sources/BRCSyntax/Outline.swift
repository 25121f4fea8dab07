import BRCDiagnostics

extension Document {
    /// The model as brcc read it, for `brcc inspect --ast`: the files in include order, then
    /// every element one per line, indented by depth, with its attributes and location. An
    /// attribute that is a LEMS expression also shows how it parsed, in canonical form (spaced
    /// operators, only the parentheses precedence needs), where that differs from the text. `prefixes` maps namespace URIs to the prefixes to show
    /// (e.g. brc). Attribute values are quoted with control characters escaped, so a model's
    /// text cannot move the terminal's cursor.
    public func outline(prefixes: [String: String] = [:]) -> String {
        var out = "# files, in include order:\n"
        for f in files { out += "#   \(Document.quoted(f))\n" }
        func line(_ e: Element, depth: Int) {
            out += String(repeating: "  ", count: depth)
            if let ns = e.namespace, let p = prefixes[ns] { out += p + ":" }
            out += Document.quoted(e.name, bare: true)
            for a in e.attributes {
                out += " \(Document.quoted(a.name, bare: true))=\(Document.quoted(a.value))"
                if let x = expressions[a.location] {
                    let parsed = x.description
                    if parsed != a.value { out += " [parsed: \(Document.quoted(parsed, bare: true))]" }
                }
            }
            out += "  @ \(Document.quoted(e.location.description, bare: true))\n"
            for c in e.children { line(c, depth: depth + 1) }
        }
        for e in elements { line(e, depth: 0) }
        return out
    }

    /// `text` in double quotes (or without them, `bare`) with `\`, `"` and control characters
    /// escaped.
    static func quoted(_ text: String, bare: Bool = false) -> String {
        var s = ""
        for u in text.unicodeScalars {
            switch u {
            case "\\": s += "\\\\"
            case "\"": s += bare ? "\"" : "\\\""
            case "\n": s += "\\n"
            case "\t": s += "\\t"
            case "\r": s += "\\r"
            default:
                if u.value < 0x20 || (0x7f...0x9f).contains(u.value) || u.properties.generalCategory == .format {
                    s += "\\u{\(String(u.value, radix: 16))}"
                } else {
                    s.unicodeScalars.append(u)
                }
            }
        }
        return bare ? s : "\"\(s)\""
    }
}
