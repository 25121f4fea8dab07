import Foundation

/// A number with a unit, as written in a NeuroML attribute (`-65mV`, `0.3 nA`, `1e-4 S_per_cm2`).
public struct Quantity: Sendable, Hashable {
    /// The value in SI units.
    public var si: Double
    /// The physical dimension (`Dimension.none` for a bare number).
    public var dimension: Dimension

    /// The value in brcc's internal unit system (see `Dimension.internalScale`).
    public var inInternalUnits: Double

    /// Makes a quantity from its SI value; the internal value is it divided by `dimension.internalScale`.
    public init(si: Double, dimension: Dimension) {
        self.si = si
        self.dimension = dimension
        inInternalUnits = si / dimension.internalScale
    }

    /// From a value in `unit`: the internal value is computed with the unit's own factor
    /// relative to the internal unit, so `-47mV` is exactly -47 (not -0.047 / 1e-3).
    public init(_ value: Double, _ unit: Unit) {
        si = unit.toSI(value)
        dimension = unit.dimension
        let scale = unit.dimension.internalScale
        inInternalUnits = value * (unit.factor / scale) + unit.offset / scale
    }

    /// Why a quantity does not parse.
    public enum ParseError: Error, Equatable {
        /// The text, given whole, which does not start with a finite number.
        case notANumber(String)
        /// The text after the number, which names no unit in the table.
        case unknownUnit(String)
        /// A finite number whose value in SI or internal units is not (`-1e306V` is -1e309 mV).
        case outOfRange(String)
    }

    /// Parses `<number>[ ]<unit>`; a bare number is dimensionless. One pass over the text: the
    /// number is the longest prefix of the form `[+-]digits[.digits][(e|E)[+-]digits]`.
    public static func parse(_ text: String, table: UnitTable = .shared) -> Result<Quantity, ParseError> {
        // Trimmed by hand: Foundation's trimmingCharacters is slow on long attributes.
        let all = Array(text.utf8)
        func blank(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D }
        let first = all.firstIndex { !blank($0) } ?? all.count
        let last = all.lastIndex { !blank($0) }.map { $0 + 1 } ?? first
        let s = Array(all[first..<max(first, last)])
        var i = 0
        func digits() -> Int {
            let start = i
            while i < s.count && s[i] >= 0x30 && s[i] <= 0x39 { i += 1 }
            return i - start
        }
        if i < s.count && (s[i] == 0x2B || s[i] == 0x2D) { i += 1 }
        var mantissa = digits()
        if i < s.count && s[i] == 0x2E { i += 1; mantissa += digits() }
        guard mantissa > 0 else { return .failure(.notANumber(text)) }
        if i < s.count && (s[i] == 0x65 || s[i] == 0x45) {
            let mark = i
            i += 1
            if i < s.count && (s[i] == 0x2B || s[i] == 0x2D) { i += 1 }
            if digits() == 0 { i = mark }
        }
        guard let value = Double(String(decoding: s[0..<i], as: UTF8.self)), value.isFinite else { return .failure(.notANumber(text)) }
        let unitText = String(decoding: s[i...].drop { blank($0) }, as: UTF8.self)
        if unitText.isEmpty { return .success(Quantity(si: value, dimension: .none)) }
        guard let u = table.unit(unitText) else { return .failure(.unknownUnit(unitText)) }
        let q = Quantity(value, u)
        // A dimension whose internal unit is beyond doubles (a model's `m="-40"`: 10^360 kg)
        // would make every value 0 internally and NaN in SI.
        guard q.si.isFinite, q.inInternalUnits.isFinite, u.dimension.internalScale.isNormal else { return .failure(.outOfRange(text)) }
        return .success(q)
    }
}
