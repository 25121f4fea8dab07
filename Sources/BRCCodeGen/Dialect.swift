import BRCIR

/// The kernel languages brcc emits. One walk over the IR (`KernelEmitter`) writes both; a
/// `Dialect` supplies the syntax that differs.
public enum KernelLanguage: String, Sendable, CaseIterable {
    case c, swift
}

/// The syntax of one kernel language: declarations, loops, pointers, statement ends.
struct Dialect {
    let language: KernelLanguage
    var isC: Bool { language == .c }

    /// An immutable double local.
    func let_(_ name: String, _ value: String) -> String { isC ? "const double \(name) = \(value);" : "let \(name): Double = \(value);" }
    /// An immutable integer local.
    func int(_ name: String, _ value: String) -> String { isC ? "const int64_t \(name) = \(value);" : "let \(name): Int = \(value);" }
    /// A pointer to doubles (`base` is a pointer expression).
    func pointer(_ name: String, _ base: String, mutable: Bool = true) -> String {
        isC ? "\(mutable ? "" : "const ")double *restrict \(name) = \(base);" : "let \(name) = \(base);"
    }
    /// Statements end in ";" in both languages (Swift allows it), so several fit on a line.
    func set(_ target: String, _ op: String, _ value: String) -> String { "\(target) \(op) \(value);" }
    func forUp(_ v: String, _ lo: String, _ hi: String) -> String {
        isC ? "for (int64_t \(v) = \(lo); \(v) < \(hi); ++\(v)) {" : "for \(v) in \(lo)..<\(hi) {"
    }
    func forDown(_ v: String, from hi: String, through lo: String) -> String {
        isC ? "for (int64_t \(v) = \(hi); \(v) >= \(lo); --\(v)) {" : "for \(v) in stride(from: \(hi), through: \(lo), by: -1) {"
    }
    /// The innermost loop over the cells of a chunk (vectorised).
    func cells(_ v: String, _ count: String) -> String {
        isC ? "BRC_SIMD for (int64_t \(v) = 0; \(v) < \(count); ++\(v)) {" : "for \(v) in 0..<\(count) {"
    }
    func unused(_ names: [String]) -> String {
        names.isEmpty ? "" : (isC ? names.map { "(void)\($0);" }.joined(separator: " ") : names.map { "_ = \($0);" }.joined(separator: " "))
    }
    /// A field of the ABI structure `b` points to.
    func field(_ b: String, _ f: String) -> String { isC ? "\(b)->\(f)" : "\(b).pointee.\(f)" }
    /// A comment carrying model text (escaped by `SourceText.comment`).
    func comment(_ s: String) -> String { SourceText.comment(s) }

    /// A constant table of integers or doubles. In Swift a table is a pointer initialised once,
    /// so kernels read it without bounds checks or lazy-initialisation checks in their loops.
    func table(_ name: String, ints: [Int]) -> String { table(name, "int32_t", "Int", ints.map(String.init)) }
    func table(_ name: String, doubles: [Double], printer: ExpressionPrinter) -> String {
        table(name, "double", "Double", doubles.map(printer.literal))
    }
    private func table(_ name: String, _ cType: String, _ swiftType: String, _ values: [String]) -> String {
        var items = ""
        for (i, v) in values.enumerated() {
            if i % 6 == 0 { items += "\n    " }
            items += v + ", "
        }
        if values.isEmpty { items += "0" }
        if isC { return "static const \(cType) \(name)[\(max(values.count, 1))] = {\(items)\n};\n" }
        return "nonisolated(unsafe) private let \(name): UnsafeMutablePointer<\(swiftType)> = brcTable([\(items)\n] as [\(swiftType)])\n"
    }

    /// The start of a kernel function taking the ABI structure `b`.
    func function(_ name: String, _ abiType: String, extra: String = "") -> String {
        if isC { return "static void \(name)(\(abiType) *b\(extra.isEmpty ? "" : ", " + extra)) {\n" }
        let swiftExtra = extra.isEmpty ? "" : ", " + extra.replacingOccurrences(of: "int64_t k", with: "_ k: Int64").replacingOccurrences(of: "double weight", with: "_ weight: Double")
        return "private func \(name)(_ raw: UnsafeMutableRawPointer?\(swiftExtra)) {\n    let b = raw!.assumingMemoryBound(to: \(abiType).self)\n"
    }
}
