import BRCDiagnostics
import BRCIR
import BRCSyntax
import BRCUnits

/// The typed readers of attributes (quantities, numbers, booleans, seeds, positions on a
/// segment): each reports a located error and returns nil where the value is missing,
/// malformed or out of its physical range.
extension Context {
    /// The physical range a quantity must lie in (what NEURON and jNeuroML would accept as meaningful).
    enum Bound {
        case positive, nonNegative, aboveAbsoluteZero

        func admits(_ v: Double) -> Bool {
            switch self {
            case .positive: return v > 0
            case .nonNegative: return v >= 0
            case .aboveAbsoluteZero: return v > 0  // internal temperatures are in kelvin
            }
        }

        var requirement: String {
            switch self {
            case .positive: return "greater than zero"
            case .nonNegative: return "zero or more"
            case .aboveAbsoluteZero: return "above absolute zero (-273.15 degC)"
            }
        }
    }

    /// A fraction along a segment (`fractionAlong`, `preFractionAlong`, ...): `absent` where
    /// the attribute is not given; else its value, which must lie in [0, 1] (`BRC-E0306` at the
    /// attribute, and nil).
    func fraction(_ el: Element, _ name: String = "fractionAlong", absent: Double) -> Double? {
        guard let a = el.attribute(name) else { return absent }
        guard let f = number(el, name) else { return nil }
        guard (0...1).contains(f) else {
            error("BRC-E0306", "\(name)=\(a.value) is outside [0, 1]", at: a.location, hint: "use a fraction between 0 and 1")
            return nil
        }
        return f
    }

    /// The node at (segment, fraction) of a cell type: without a segment, the first segment
    /// at `fraction`, or `def` without either; a segment the cell lacks is `BRC-E0402` at `loc`.
    func node(_ ct: IRCellType, segment: Int?, fraction: Double?, default def: Int, at loc: SourceLocation) -> Int? {
        guard let segment else { return fraction.map { ct.node(segment: ct.segments[0].id, fraction: $0)! } ?? def }
        guard let n = ct.node(segment: segment, fraction: fraction ?? 0.5) else {
            error("BRC-E0402", "cell type '\(ct.name)' has no segment \(segment)", at: loc,
                  hint: "segments: \(ct.segments.map { String($0.id) }.joined(separator: ", "))")
            return nil
        }
        return n
    }

    /// The node of a point (a synapse, a gap junction, an input that reads the potential) at
    /// (segment, fraction) of cell type `index`: as `node(_:segment:fraction:default:at:)`,
    /// but at an end of a section the discretisation dropped, the zero-area end node restored
    /// as NEURON keeps it (`IRCellType.pointNode`).
    func pointNode(_ model: inout IRModel, cellType index: Int, segment: Int?, fraction: Double?, default def: Int, at loc: SourceLocation) -> Int? {
        guard let fraction else { return node(model.cellTypes[index], segment: segment, fraction: nil, default: def, at: loc) }
        let ct = model.cellTypes[index]
        guard let n = model.cellTypes[index].pointNode(segment: segment ?? ct.segments[0].id, fraction: fraction) else {
            return node(ct, segment: segment, fraction: fraction, default: def, at: loc)  // BRC-E0402
        }
        return n
    }

    /// A connection's `delay` (ms; 0 where the attribute is absent): a time of zero or more,
    /// else `BRC-E0702` at the attribute.
    func delay(_ el: Element) -> Double? {
        guard let a = el.attribute("delay") else { return 0 }
        guard let d = quantity(a, .time, element: el.name) else { return nil }
        guard d >= 0 else {
            error("BRC-E0702", "negative delay '\(a.value)' in <\(el.name)>", at: a.location, hint: "delays are 0 or positive")
            return nil
        }
        return d
    }

    /// Reads a quantity attribute and checks its dimension (and `bound`, if given); returns the
    /// value in internal units.
    func quantity(_ el: Element, _ name: String, _ dim: Dimension, required: Bool = true, bound: Bound? = nil) -> Double? {
        guard let a = el.attribute(name) else {
            if required { reportMissing(el, name, dimension: dim) }
            return nil
        }
        return quantity(a, dim, element: el.name, bound: bound)
    }

    /// The value component `el` gives parameter `p` (internal units). Where `p` is declared
    /// without a dimension (LEMS's default: none) and the value has a unit of a dimension, the
    /// error is the declaration's: reported once, at the Parameter, not at every component.
    func parameter(_ el: Element, _ p: ComponentTypeDef.Named, required: Bool = true) -> Double? {
        if p.defaulted, let a = el.attribute(p.name), case .success(let q) = Quantity.parse(a.value, table: units), q.dimension != .none {
            if defaultedDimensionsReported.insert(p.location).inserted {
                sink.report(Diagnostic("BRC-E0106", .error, "Parameter '\(p.name)' declares no dimension, so LEMS takes it as dimensionless, but <\(el.name)> gives it \(trimmed(a.value)) (\(q.dimension))",
                                       at: p.location, hint: "add dimension=\"\(q.dimension)\" to the <Parameter>", notes: [("given here", a.location)]))
            }
            return nil
        }
        return quantity(el, p.name, p.dimension, required: required)
    }

    func quantity(_ a: Attribute, _ dim: Dimension, element: String, bound: Bound? = nil) -> Double? {
        guard let q = anyQuantity(a, element: element, expecting: dim) else { return nil }
        guard q.dimension == dim else {
            error("BRC-E0106", "attribute '\(a.name)' of <\(element)> has dimension \(q.dimension), expected \(dim)", at: a.location,
                  hint: "use a unit of \(dim), e.g. \(example(dim))")
            return nil
        }
        if let bound, !bound.admits(q.inInternalUnits) {
            error("BRC-E0124", "attribute '\(a.name)' of <\(element)> is \(trimmed(a.value)); it must be \(bound.requirement)", at: a.valueLocation,
                  hint: "give a value \(bound.requirement), e.g. \(example(dim))")
            return nil
        }
        return q.inInternalUnits
    }

    /// A quantity attribute of any dimension (LEMS's `dimension="*"`, a Display Line's `scale`),
    /// with the model's own units; `expecting` only words the hint.
    func anyQuantity(_ a: Attribute, element: String, expecting dim: Dimension? = nil) -> Quantity? {
        switch Quantity.parse(a.value, table: units) {
        case .failure(.notANumber(let t)):
            error("BRC-E0104", "'\(t)' is not a number with a unit (attribute '\(a.name)' of <\(element)>)", at: a.location,
                  hint: "write a number followed by a NeuroML unit, e.g. \(example(dim ?? .voltage))")
            return nil
        case .failure(.unknownUnit(let u)):
            error("BRC-E0105", "unknown unit '\(u)' in attribute '\(a.name)' of <\(element)>", at: a.location,
                  hint: "use a NeuroML unit\(dim.map { " of \($0)" } ?? ""), e.g. \(example(dim ?? .voltage))")
            return nil
        case .failure(.outOfRange(let t)):
            error("BRC-E0104", "'\(trimmed(t))' is out of range: converted to SI or to brcc's internal units it is not a finite number (attribute '\(a.name)' of <\(element)>)",
                  at: a.valueLocation, hint: "give a value of a physical size, e.g. \(example(dim ?? .voltage))")
            return nil
        case .success(let q):
            return q
        }
    }

    func example(_ dim: Dimension) -> String {
        let examples: [Dimension: String] = [
            .voltage: "-65mV", .time: "10ms", .current: "0.1nA", .conductanceDensity: "0.01 S_per_cm2",
            .specificCapacitance: "1 uF_per_cm2", .resistivity: "100 ohm_cm", .perTime: "0.1per_ms",
            .length: "10um", .temperature: "6.3degC", .none: "0.5", .conductance: "1nS", .capacitance: "100pF", .concentration: "0.05mM",
        ]
        return examples[dim] ?? "a value with a unit of \(dim)"
    }

    /// A plain number attribute (no unit).
    func number(_ el: Element, _ name: String, required: Bool = true) -> Double? {
        guard let a = el.attribute(name) else {
            if required { reportMissing(el, name) }
            return nil
        }
        guard let v = Double(trimmed(a.value)), v.isFinite else {
            // A number with a unit where NeuroML fixes the unit (a point's µm): say to drop it.
            let number = String(trimmed(a.value).prefix { "0123456789+-.eE".contains($0) })
            let hint = if case .success(let q) = Quantity.parse(a.value, table: units), q.dimension != .none, Double(number) != nil {
                "this attribute takes a plain number, without a unit\(["proximal", "distal"].contains(el.name) ? " (NeuroML gives points and diameters in um)" : ""): write \(number)"
            } else { "write a plain number such as 0.5" }
            error("BRC-E0104", "'\(a.value)' is not a number (attribute '\(name)' of <\(el.name)>)", at: a.location, hint: hint)
            return nil
        }
        return v
    }

    /// A boolean attribute: exactly "true" or "false" (default when absent).
    func boolean(_ el: Element, _ name: String, default def: Bool) -> Bool? {
        guard let a = el.attribute(name) else { return def }
        switch a.value {
        case "true": return true
        case "false": return false
        default:
            error("BRC-E0104", "'\(a.value)' is not a boolean (attribute '\(name)' of <\(el.name)>)", at: a.location, hint: "write true or false")
            return nil
        }
    }

    /// A seed attribute (required): a whole number from 0 to 2^64 - 1, as brcc's random
    /// streams take it (the trial seeds `brcc train` derives span the whole range).
    func seed(_ el: Element, _ name: String = "seed") -> UInt64? {
        guard let a = el.attribute(name) else {
            reportMissing(el, name)
            return nil
        }
        guard let v = UInt64(trimmed(a.value)) else {
            error("BRC-E0104", "'\(a.value)' is not a seed, a whole number from 0 to \(UInt64.max) (attribute '\(name)' of <\(el.name)>)", at: a.location,
                  hint: "write a whole number such as 4")
            return nil
        }
        return v
    }

    /// A non-negative integer attribute.
    func integer(_ el: Element, _ name: String, required: Bool = true) -> Int? {
        guard let a = el.attribute(name) else {
            if required { reportMissing(el, name) }
            return nil
        }
        guard let v = Int(trimmed(a.value)), v >= 0 else {
            error("BRC-E0104", "'\(a.value)' is not a non-negative whole number (attribute '\(name)' of <\(el.name)>)", at: a.location,
                  hint: "write a whole number such as 4")
            return nil
        }
        return v
    }
}
