import Foundation

/// A physical dimension as exponents of LEMS's base dimensions: mass, length, time, current,
/// temperature, amount of substance, luminous intensity.
public struct Dimension: Hashable, Sendable, Codable, CustomStringConvertible {
    public var m, l, t, i, k, n, j: Int

    public init(m: Int = 0, l: Int = 0, t: Int = 0, i: Int = 0, k: Int = 0, n: Int = 0, j: Int = 0) {
        (self.m, self.l, self.t, self.i, self.k, self.n, self.j) = (m, l, t, i, k, n, j)
    }

    public static let none = Dimension()
    public static let voltage = Dimension(m: 1, l: 2, t: -3, i: -1)
    public static let time = Dimension(t: 1)
    public static let perTime = Dimension(t: -1)
    public static let current = Dimension(i: 1)
    public static let conductance = Dimension(m: -1, l: -2, t: 3, i: 2)
    public static let conductanceDensity = Dimension(m: -1, l: -4, t: 3, i: 2)
    public static let specificCapacitance = Dimension(m: -1, l: -4, t: 4, i: 2)
    public static let capacitance = Dimension(m: -1, l: -2, t: 4, i: 2)
    public static let resistivity = Dimension(m: 1, l: 3, t: -3, i: -2)
    public static let length = Dimension(l: 1)
    public static let temperature = Dimension(k: 1)
    public static let currentDensity = Dimension(l: -2, i: 1)
    public static let concentration = Dimension(l: -3, n: 1)

    var exponents: [Int] { [m, l, t, i, k, n, j] }

    public static func * (a: Dimension, b: Dimension) -> Dimension {
        Dimension(m: a.m + b.m, l: a.l + b.l, t: a.t + b.t, i: a.i + b.i, k: a.k + b.k, n: a.n + b.n, j: a.j + b.j)
    }

    public static func / (a: Dimension, b: Dimension) -> Dimension { a * b.power(-1) }

    public func power(_ p: Int) -> Dimension {
        Dimension(m: m * p, l: l * p, t: t * p, i: i * p, k: k * p, n: n * p, j: j * p)
    }

    /// The square root, or nil when an exponent is odd.
    public func squareRoot() -> Dimension? {
        guard exponents.allSatisfy({ $0 % 2 == 0 }) else { return nil }
        return Dimension(m: m / 2, l: l / 2, t: t / 2, i: i / 2, k: k / 2, n: n / 2, j: j / 2)
    }

    public var isNone: Bool { self == .none }

    /// The NeuroML name of this dimension if it has one, else its exponents.
    public var description: String {
        if isNone { return "none" }
        return UnitTable.shared.dimensionName(self) ?? exponentText
    }

    /// The dimension as its exponents (`t^-1 i^1`; `none` for none), so that two dimensions of
    /// one name read apart.
    public var exponentText: String {
        if isNone { return "none" }
        let names = ["m", "l", "t", "i", "k", "n", "j"]
        return zip(names, exponents).filter { $0.1 != 0 }.map { "\($0.0)^\($0.1)" }.joined(separator: " ")
    }

    /// How many SI units one brcc internal unit of this dimension is. brcc computes in the
    /// coherent system ms, mV, um, nA, uS, nF, mM, K (mass unit 1e-9 kg, amount 1e-18 mol),
    /// so any dimensionally consistent expression evaluates correctly in internal units.
    public var internalScale: Double {
        let base: [Double] = [1e-9, 1e-6, 1e-3, 1e-9, 1, 1e-18, 1]
        var s = 1.0
        for (b, e) in zip(base, exponents) where e != 0 { s *= pow(b, Double(e)) }
        return s
    }
}
