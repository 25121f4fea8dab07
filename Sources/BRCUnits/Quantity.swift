import Foundation

/// A number with a unit, as written in a NeuroML attribute (`-65mV`, `0.3 nA`, `1e-4 S_per_cm2`).
public struct Quantity: Sendable, Hashable {
    /// The value in SI units.
    public var si: Double
    public var dimension: Dimension

    /// The value in brcc's internal unit system (see `Dimension.internalScale`).
    public var inInternalUnits: Double

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

    public enum ParseError: Error, Equatable {
        case notANumber(String)
        case unknownUnit(String)
    }

    /// Parses `<number>[ ]<unit>`; a bare number is dimensionless.
    public static func parse(_ text: String, table: UnitTable = .shared) -> Result<Quantity, ParseError> {
        let s = text.trimmingCharacters(in: .whitespaces)
        // The longest prefix that is a number.
        var end = s.startIndex
        var best: (Double, String.Index)? = nil
        while end < s.endIndex {
            end = s.index(after: end)
            let prefix = s[s.startIndex..<end]
            if let v = Double(prefix), !prefix.hasSuffix(" "), prefix.lowercased() != "inf", prefix.lowercased() != "nan" {
                best = (v, end)
            }
        }
        guard let (value, numEnd) = best, value.isFinite else { return .failure(.notANumber(text)) }
        let unitText = s[numEnd...].trimmingCharacters(in: .whitespaces)
        if unitText.isEmpty { return .success(Quantity(si: value, dimension: .none)) }
        guard let u = table.unit(unitText) else { return .failure(.unknownUnit(unitText)) }
        return .success(Quantity(value, u))
    }
}
