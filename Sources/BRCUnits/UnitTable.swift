/// A named unit: value_SI = value * factor + offset.
public struct Unit: Sendable, Hashable {
    /// The symbol written after a number, e.g. `mV` or `S_per_cm2`.
    public var symbol: String
    /// The unit's physical dimension.
    public var dimension: Dimension
    /// The SI value of one unit, before `offset` is added.
    public var factor: Double
    /// Added after scaling, in SI units: 0 except for units such as `degC`.
    public var offset: Double

    /// Converts a value in this unit to SI.
    public func toSI(_ value: Double) -> Double { value * factor + offset }
}

/// The table of NeuroML's dimension names and unit symbols (NeuroMLCoreDimensions.xml).
public struct UnitTable: Sendable {
    /// NeuroML's standard dimensions and units; lowering adds a model's own to a copy.
    public static let shared = UnitTable()

    /// The dimensions by name, `none` and `dimensionless` among them.
    public private(set) var dimensions: [String: Dimension] = [:]
    /// The units by symbol.
    public private(set) var units: [String: Unit] = [:]
    private var namesByDimension: [Dimension: String] = [:]

    init() {
        for (name, d) in Self.standardDimensions { define(dimension: name, d) }
        dimensions["none"] = Dimension.none
        dimensions["dimensionless"] = Dimension.none
        for (sym, dim, power, scale, offset) in Self.standardUnits {
            guard let d = dimensions[dim] else { continue }
            define(unit: sym, dimension: d, power: power, scale: scale, offset: offset)
        }
    }

    /// Adds a named dimension (a model's LEMS `<Dimension>`). The caller checks that a name
    /// already in the table keeps its exponents.
    public mutating func define(dimension name: String, _ d: Dimension) {
        dimensions[name] = d
        if namesByDimension[d] == nil { namesByDimension[d] = name }
    }

    /// Adds a unit (a model's LEMS `<Unit>`): value_SI = (value + offset) * scale * 10^power,
    /// as jLEMS converts (`Unit.getAbsoluteValue`); the same as value * factor + offset * factor.
    public mutating func define(unit symbol: String, dimension: Dimension, power: Int, scale: Double, offset: Double) {
        let factor = power == 0 ? scale : scale * powerOfTen(power)
        units[symbol] = Unit(symbol: symbol, dimension: dimension, factor: factor, offset: offset * factor)
    }

    /// The dimension declared as `name` (NeuroML's, or a model's own `<Dimension>`).
    public func dimension(named name: String) -> Dimension? { dimensions[name] }
    /// The unit with this symbol.
    public func unit(_ symbol: String) -> Unit? { units[symbol] }
    /// The name under which `d` was declared, if any.
    public func dimensionName(_ d: Dimension) -> String? { namesByDimension[d] }
}

