import Foundation

/// A physical dimension as exponents of LEMS's base dimensions: mass, length, time, current,
/// temperature, amount of substance, luminous intensity.
public struct Dimension: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The exponents of mass, length, time, current, temperature, amount of substance and luminous
    /// intensity, in that order.
    public var m, l, t, i, k, n, j: Int

    /// Makes a dimension from its exponents; those left out are 0.
    public init(m: Int = 0, l: Int = 0, t: Int = 0, i: Int = 0, k: Int = 0, n: Int = 0, j: Int = 0) {
        (self.m, self.l, self.t, self.i, self.k, self.n, self.j) = (m, l, t, i, k, n, j)
    }

    /// Dimensionless: every exponent 0.
    public static let none = Dimension()
    /// Voltage; its internal unit is the mV.
    public static let voltage = Dimension(m: 1, l: 2, t: -3, i: -1)
    /// Time; its internal unit is the ms.
    public static let time = Dimension(t: 1)
    /// A rate (per time); its internal unit is per ms.
    public static let perTime = Dimension(t: -1)
    /// Current; its internal unit is the nA.
    public static let current = Dimension(i: 1)
    /// Conductance; its internal unit is the uS.
    public static let conductance = Dimension(m: -1, l: -2, t: 3, i: 2)
    /// Conductance per area; its internal unit is the uS per um^2 (10^6 S/m^2).
    public static let conductanceDensity = Dimension(m: -1, l: -4, t: 3, i: 2)
    /// Capacitance per area; its internal unit is the nF per um^2 (10^3 F/m^2).
    public static let specificCapacitance = Dimension(m: -1, l: -4, t: 4, i: 2)
    /// Capacitance; its internal unit is the nF.
    public static let capacitance = Dimension(m: -1, l: -2, t: 4, i: 2)
    /// Resistivity; its internal unit is the MOhm um (1 Ohm m).
    public static let resistivity = Dimension(m: 1, l: 3, t: -3, i: -2)
    /// Length; its internal unit is the um.
    public static let length = Dimension(l: 1)
    /// Temperature; its internal unit is the K.
    public static let temperature = Dimension(k: 1)
    /// Current per area; its internal unit is the nA per um^2 (10^3 A/m^2).
    public static let currentDensity = Dimension(l: -2, i: 1)
    /// Concentration (amount per volume); its internal unit is the mM (1 mol/m^3).
    public static let concentration = Dimension(l: -3, n: 1)

    var exponents: [Int] { [m, l, t, i, k, n, j] }

    /// The dimension of a product (exponents added).
    public static func * (a: Dimension, b: Dimension) -> Dimension {
        Dimension(m: a.m + b.m, l: a.l + b.l, t: a.t + b.t, i: a.i + b.i, k: a.k + b.k, n: a.n + b.n, j: a.j + b.j)
    }

    /// The dimension of a quotient (exponents subtracted).
    public static func / (a: Dimension, b: Dimension) -> Dimension {
        Dimension(m: a.m - b.m, l: a.l - b.l, t: a.t - b.t, i: a.i - b.i, k: a.k - b.k, n: a.n - b.n, j: a.j - b.j)
    }

    /// The largest exponent a power may give, as a model's own `<Dimension>` exponents are
    /// bounded: nested powers in an expression (`((h^64)^64)^64 ...`) overflowed Int and
    /// trapped; beyond the bound the expression is a dimension error.
    public static let maximumExponent = 1000

    /// This dimension to the `p`th power, or nil where an exponent would pass `maximumExponent`.
    public func power(_ p: Int) -> Dimension? {
        var out: [Int] = []
        for e in exponents {
            let (v, overflow) = e.multipliedReportingOverflow(by: p)
            guard !overflow, v.magnitude <= Dimension.maximumExponent else { return nil }
            out.append(v)
        }
        return Dimension(m: out[0], l: out[1], t: out[2], i: out[3], k: out[4], n: out[5], j: out[6])
    }

    /// The square root, or nil when an exponent is odd.
    public func squareRoot() -> Dimension? {
        guard exponents.allSatisfy({ $0 % 2 == 0 }) else { return nil }
        return Dimension(m: m / 2, l: l / 2, t: t / 2, i: i / 2, k: k / 2, n: n / 2, j: j / 2)
    }

    /// Whether every exponent is 0.
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
    ///
    /// Every base is a power of ten, so the scale is 10^p, p the sum of their decimal exponents,
    /// rounded once: 1 mV is 0.001 V, the double nearest 10^-3. (A product of the bases'
    /// powers rounds at each factor: 1 mV came out as 0.0009999999999999998 V, so `-47mV`
    /// became -47.00000000000001 mV, a constant one bit off NEURON's.)
    public var internalScale: Double {
        // The bases' decimal exponents: 10^-9 kg, 10^-6 m, 10^-3 s, 10^-9 A, 1 K, 10^-18 mol,
        // 1 cd. Summed in doubles and clamped (a model's exponents are bounded, their products
        // in expressions need not be); beyond 10^±400 the scale is 0 or infinite either way.
        let p = zip([-9.0, -6, -3, -9, 0, -18, 0], exponents).reduce(0.0) { $0 + $1.0 * Double($1.1) }
        return powerOfTen(Int(max(-400, min(400, p))))
    }
}

/// 10^p rounded once to the nearest double: exact up to 10^22, the reciprocal of an exact
/// power down to 10^-22, and the parsed literal beyond (0 or infinity outside the range of
/// doubles).
func powerOfTen(_ p: Int) -> Double {
    guard abs(p) <= 22 else { return Double("1e\(p)") ?? (p < 0 ? 0 : .infinity) }
    var r = 1.0
    for _ in 0..<abs(p) { r *= 10 }
    return p < 0 ? 1 / r : r
}
