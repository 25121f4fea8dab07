import BRCDiagnostics
import BRCSyntax

/// Parses every expression-valued attribute inside LEMS `<ComponentType>` definitions
/// (`value`, `condition`, `test` of Dynamics elements), and the `value` of NeuroML's
/// `<inhomogeneousValue>` wherever it is, reporting syntax errors at the offending character.
enum Expressions {
    static let expressionAttributes: [String: [String]] = [
        "DerivedVariable": ["value"], "DerivedParameter": ["value"], "Case": ["condition", "value"], "TimeDerivative": ["value"],
        "StateAssignment": ["value"], "OnCondition": ["test"],
    ]
    /// Expression-valued attributes of NeuroML elements (outside ComponentTypes).
    static let neuroMLExpressionAttributes: [String: [String]] = ["inhomogeneousValue": ["value"]]

    static func collect(_ elements: [Element], sink: DiagnosticSink) -> [SourceLocation: Expr] {
        var out: [SourceLocation: Expr] = [:]
        func walk(_ el: Element, inType: Bool) {
            let inType = inType || el.name == "ComponentType"
            for name in (inType ? expressionAttributes[el.name] : neuroMLExpressionAttributes[el.name]) ?? [] {
                guard let a = el.attribute(name) else { continue }
                let (parsed, otherReadings) = ExpressionParser.parseNotingReadings(a.value)
                for r in otherReadings {
                    sink.warning("BRC-W0206", "in '\(a.value)': \(r.message)", at: a.location(ofValueScalar: a.value.prefix(r.offset).unicodeScalars.count),
                                 hint: "write the parentheses, so that every LEMS tool reads the expression alike")
                }
                switch parsed {
                case .success(let e): out[a.location] = e
                case .failure(let err):
                    // The offending character, on whichever line of the value it is. The
                    // parser counts Characters, a column Unicode scalars.
                    let loc = a.location(ofValueScalar: a.value.prefix(err.offset).unicodeScalars.count)
                    sink.error("BRC-E0201", "cannot parse expression '\(a.value)' in <\(el.name)>: \(err.message)", at: loc,
                               hint: "expressions use + - * / ^, parentheses, functions such as exp(x), and .gt. .lt. .and. for conditions (see docs/language.md)")
                }
            }
            for c in el.children { walk(c, inType: inType) }
        }
        for el in elements { walk(el, inType: false) }
        return out
    }
}
