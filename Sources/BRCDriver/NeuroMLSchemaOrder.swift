import BRCSyntax

/// The order the NeuroML v2.3 schema gives the child elements of each complex type
/// (`NeuroMLSchemaOrder+Table.swift`, generated from the schema by `tools/gen_schema_order.py`).
/// jLEMS and brcc read a model's elements in any order, and hand-written models often list
/// them otherwise (cells after their inputs, a gate's `timeCourse` before its `steadyState`);
/// the NeuroML export writes them in the schema's order so that its files validate.
enum NeuroMLSchemaOrder {
    /// The root type, of a `<neuroml>` document's children.
    static let document = "NeuroMLDocument"

    /// Per complex type, each child element's rank and type (`*`: any element, of no known type).
    static let children: [String: [String: (rank: Int, type: String)]] = table.mapValues { text in
        var out: [String: (rank: Int, type: String)] = [:]
        for line in text.split(separator: "\n") {
            let f = line.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
            if f.count == 3, let rank = Int(f[0]), out[f[1]] == nil { out[f[1]] = (rank, f[2]) }
        }
        return out
    }

    /// `elements`, the children of an element of schema type `type`, in the schema's order,
    /// each with its own type (nil where the schema does not know it). The sort is stable:
    /// children of one rank (one element name, or one xs:choice) keep the model's order, and
    /// a model that follows the schema is written as it is. Children the schema does not
    /// allow there come last, in the model's order.
    static func ordered(_ elements: [Element], of type: String?) -> [(element: Element, type: String?)] {
        guard let type, let allowed = children[type] else { return elements.map { ($0, nil) } }
        let ranked = elements.enumerated().map { k, el in
            (el, (el.namespace == NeuroMLExport.neuromlNamespace ? allowed[el.name] : nil) ?? allowed["*"], k)
        }
        return ranked.sorted { a, b in
            let (ra, rb) = (a.1?.rank ?? Int.max, b.1?.rank ?? Int.max)
            return ra != rb ? ra < rb : a.2 < b.2
        }.map { ($0.0, $0.1.flatMap { $0.type.isEmpty ? nil : $0.type }) }
    }

    /// Whether `el` may stand in a NeuroML document as it is: the schema allows its name at a
    /// document's top and every element inside it where it stands (what the export drops,
    /// brc: elements, notes and annotations, aside). Components of LEMS types
    /// (`<pointCellCondBased>`, a model's own `<cadad>`) and ComponentTypes with LEMS the
    /// schema's subset lacks (`Child`, `Text`, `EventPort`) may not.
    static func standsInDocument(_ el: Element) -> Bool {
        func allowed(_ el: Element, _ type: String) -> Bool {
            el.children.allSatisfy { c in
                if !NeuroMLExport.isWritten(c) || children[type]?["*"] != nil { return true }
                guard c.namespace == NeuroMLExport.neuromlNamespace, let t = children[type]?[c.name] else { return false }
                return allowed(c, t.type)
            }
        }
        guard el.namespace == NeuroMLExport.neuromlNamespace, let t = children[document]?[el.name] else { return false }
        return allowed(el, t.type)
    }
}
