import BRCParse
import BRCSyntax
import BRCUnits
import Testing

@Suite struct UnitTests {
    @Test(arguments: [
        ("-65mV", -65.0, Dimension.voltage),
        ("0.3 nA", 0.3, .current),
        ("1e-4 S_per_cm2", 1e-6, .conductanceDensity),   // 1 S/m2 = 1e-6 uS/um2
        ("120.0 mS_per_cm2", 1.2e-3, .conductanceDensity),
        ("360 S_per_m2", 3.6e-4, .conductanceDensity),
        ("280 ohm_cm", 2.8, .resistivity),               // internal unit: ohm m
        ("0.03 kohm_cm", 0.3, .resistivity),
        ("1 uF_per_cm2", 1e-5, .specificCapacitance),    // nF/um2
        ("0.025ms", 0.025, .time),
        ("0.1per_ms", 0.1, .perTime),
        ("10pS", 1e-5, .conductance),                    // uS
        ("2.5 um", 2.5, .length),
        ("6.3degC", 279.45, .temperature),
        ("0.5", 0.5, .none),
    ])
    func parsesQuantitiesIntoInternalUnits(text: String, value: Double, dimension: Dimension) throws {
        let q = try Quantity.parse(text).get()
        #expect(q.dimension == dimension)
        #expect(abs(q.inInternalUnits - value) <= 1e-12 * max(1, abs(value)))
    }

    @Test func rejectsBadQuantities() {
        #expect(Quantity.parse("abc") == .failure(.notANumber("abc")))
        #expect(Quantity.parse("10 furlongs") == .failure(.unknownUnit("furlongs")))
        #expect(Quantity.parse("") == .failure(.notANumber("")))
    }

    @Test func internalUnitsAreCoherent() {
        // mV * uS = nA and nF * mV / ms = nA: the products of internal units are internal units.
        let nA = Dimension.current.internalScale
        #expect(abs(Dimension.voltage.internalScale * Dimension.conductance.internalScale / nA - 1) < 1e-12)
        let nF = Dimension(m: -1, l: -2, t: 4, i: 2).internalScale
        #expect(abs(nF * Dimension.voltage.internalScale / Dimension.time.internalScale / nA - 1) < 1e-12)
        #expect(UnitTable.shared.dimensionName(.resistivity) == "resistivity")
    }

    /// Internal scales are powers of ten rounded once, so a value written in the internal unit
    /// is that number exactly, as NEURON's mod and hoc files have it: `-47mV` is -47, not
    /// -47.00000000000001 (the scale as a product of rounded powers made 1 mV
    /// 0.0009999999999999998 V, and the Na channel's midpoint one bit off).
    @Test func internalScalesArePowersOfTenRoundedOnce() throws {
        #expect(Dimension.voltage.internalScale == 1e-3)
        #expect(Dimension.conductance.internalScale == 1e-6)
        #expect(Dimension.specificCapacitance.internalScale == 1e3)
        #expect(Dimension.concentration.internalScale == 1)
        #expect(Dimension.time.internalScale == 1e-3)
        for (text, expected) in [("-47mV", -47.0), ("4mV", 4), ("2.5um", 2.5), ("-0.047V", -47)] {
            guard case .success(let q) = Quantity.parse(text) else { Issue.record("\(text) did not parse"); continue }
            #expect(q.inInternalUnits == expected, "\(text)")
        }
        #expect(Dimension(m: 1000, l: 1000, t: 1000, i: 1000).internalScale == 0)  // no overflow, no trap
    }

    /// A model's `<Unit>` with an offset converts as jLEMS does, SI = (x + offset) scale 10^power:
    /// Fahrenheit written for jLEMS (offset 459.67 of its own degrees) makes 98.6 degF body
    /// temperature, 310.15 K; degC (scale 1) is the same under either reading.
    @Test func aUnitsOffsetIsInItsOwnUnits() {
        var table = UnitTable.shared
        table.define(unit: "degF", dimension: .temperature, power: 0, scale: 5.0 / 9, offset: 459.67)
        table.define(unit: "mdegF", dimension: .temperature, power: -3, scale: 5.0 / 9, offset: 459_670)
        #expect(abs(table.unit("degF")!.toSI(98.6) - 310.15) < 1e-9)
        #expect(abs(table.unit("mdegF")!.toSI(98_600) - 310.15) < 1e-9)
        #expect(abs(table.unit("degC")!.toSI(37) - 310.15) < 1e-9)
    }
}

@Suite struct ExpressionTests {
    @Test(arguments: [
        ("-x^2 + a*b/c", "-x^2 + a * b / c"),
        ("(a + b) * c", "(a + b) * c"),
        ("a - (b - c)", "a - (b - c)"),
        ("a - b - c", "a - b - c"),
        ("2^3^2", "2^3^2"),
        ("(2^3)^2", "(2^3)^2"),
        ("x^-1", "x^(-1)"),
        ("exp((v - midpoint)/scale)", "exp((v - midpoint) / scale)"),
        ("v .gt. 0 .and. t .leq. 10 .or. .not. flag", "v .gt. 0 .and. t .leq. 10 .or. .not. flag"),
        ("a * -b", "a * (-b)"),
        ("1.5e-3 * H(x)", "0.0015 * H(x)"),
        // A mantissa ending in its point, then an exponent (Java's and C's 1.e-3; NetPyNE's
        // exports write it), is a number; `1.eq.` stays an operator after 1.
        ("1.e-3*zetal", "0.001 * zetal"),
        ("2.E+2 + 3.e2", "200 + 300"),
        ("x .gt. 1.eq.y", "x .gt. 1 .eq. y"),
    ])
    func printsCanonicallyAndRoundTrips(source: String, canonical: String) throws {
        let e = try ExpressionParser.parse(source).get()
        #expect(e.description == canonical)
        #expect(try ExpressionParser.parse(e.description).get() == e)
    }

    @Test func precedenceAndAssociativity() throws {
        #expect(try ExpressionParser.parse("-x^2").get() == .unary(.neg, .binary(.pow, .variable("x"), .number(2))))
        #expect(try ExpressionParser.parse("2^3^2").get() == .binary(.pow, .number(2), .binary(.pow, .number(3), .number(2))))
        #expect(try ExpressionParser.parse("a - b - c").get() == .binary(.sub, .binary(.sub, .variable("a"), .variable("b")), .variable("c")))
        #expect(try ExpressionParser.parse("a + b .gt. c * d").get() ==
            .binary(.gt, .binary(.add, .variable("a"), .variable("b")), .binary(.mul, .variable("c"), .variable("d"))))
    }

    /// The forms jLEMS reads otherwise (its precedence, found by a differential run against
    /// jLEMS 0.14: `2^3^2` is 64 there, `exp(0.5 * -x^2)` at x = 3 is 90.0, and
    /// `t .or. t .and. f` false) are noted where they stand; their parenthesised forms, and
    /// the forms both read alike, are not.
    @Test(arguments: [
        ("2^3^2", [3]), ("exp(0.5 * -x^2)", [10]), ("a .or. b .and. c", [2]), ("a^b^-c^d", [3, 6]),
        ("(2^3)^2", []), ("2^(3^2)", []), ("exp(0.5 * -(x^2))", []), ("exp(0.5 * (-x)^2)", []), ("-x^2", []),
        ("exp(-x^2)", []), ("abs(-x^2)", []), ("a .or. (b .and. c)", []),
        ("a .and. b .or. c", []), ("2 * -x", []), ("x^2 * -y", []),
    ])
    func notesWhereJLEMSReadsOtherwise(source: String, offsets: [Int]) throws {
        let (parsed, notes) = ExpressionParser.parseNotingReadings(source)
        _ = try parsed.get()
        #expect(notes.map(\.offset).sorted() == offsets, "\(source): \(notes.map(\.message))")
    }

    @Test(arguments: [
        ("1 +", 3), ("exp(1, 2)", 0), ("foo(1)", 0), ("(a + b", 6), ("a $ b", 2), ("a .xor. b", 2), ("3 4", 2),
    ])
    func reportsErrorsWithOffsets(source: String, offset: Int) {
        guard case .failure(let err) = ExpressionParser.parse(source) else {
            Issue.record("'\(source)' should not parse")
            return
        }
        #expect(err.offset == offset, "\(source): \(err.message)")
        #expect(!err.message.isEmpty)
    }
}
