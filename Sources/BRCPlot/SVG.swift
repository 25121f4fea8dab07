/// A number as SVG writes coordinates: one decimal, x * 10 rounded half away from zero (so a
/// value whose tenths are a tie in binary may differ by 0.1 from printf's `%.1f`); "0" for
/// what is not finite. Integer arithmetic: a plot writes hundreds of thousands of these.
func f1(_ x: Double) -> String {
    guard x.isFinite else { return "0" }
    guard abs(x) < 1e15 else { return String(format: "%.1f", x) }
    let tenths = Int64((x * 10).rounded())
    return (tenths < 0 ? "-" : "") + String(tenths.magnitude / 10) + "." + String(tenths.magnitude % 10)
}

/// Distinct line colours, in order (colour-blind safe, Okabe–Ito).
public let plotPalette = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442"]

/// A colour from a model (`#rrggbb`), or the palette's `index`-th colour. (Lowering warns of a
/// colour of another form; it is checked again here, where it enters the SVG, which must carry
/// no other text from a model.)
public func plotColour(_ given: String?, index: Int) -> String {
    if let c = given, c.count == 7, c.hasPrefix("#"), c.dropFirst().allSatisfy(\.isHexDigit) { return c }
    return plotPalette[index % plotPalette.count]
}

/// `text` cut to at most `length` Unicode scalars, the last of them "…" when it was cut
/// (scalars, not Characters: one Character may carry any number of combining accents).
func clipped(_ text: String, _ length: Int) -> String {
    let scalars = text.unicodeScalars
    return scalars.count <= length ? text : String(String.UnicodeScalarView(scalars.prefix(max(0, length - 1)))) + "…"
}
