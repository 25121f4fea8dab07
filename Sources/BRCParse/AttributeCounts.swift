/// The most attributes one start tag of a document has, found by a linear scan of its bytes
/// before libxml2 reads it: libxml2 checks an element's attributes for duplicates pairwise,
/// so one element of 200,000 attributes (2 MB of text) took it minutes. Real elements have
/// tens; `XMLReader` refuses a document with a tag of more than `maximum`.
enum AttributeCounts {
    /// Most attributes accepted on one element.
    static let maximum = 10_000

    /// The first start tag with more than `maximum` attributes: its 1-based line and its
    /// count; nil if there is none. Attributes are counted by their `=` outside quoted values;
    /// comments, CDATA sections, processing instructions and declarations are skipped. Only
    /// ASCII-compatible encodings are scanned (UTF-16 and UTF-32 have NUL bytes).
    static func excessive(in bytes: [UInt8]) -> (line: Int, count: Int)? {
        guard !bytes.contains(0) else { return nil }
        let lt = UInt8(ascii: "<"), gt = UInt8(ascii: ">"), eq = UInt8(ascii: "="), newline = UInt8(ascii: "\n")
        var i = 0, line = 1
        func starts(_ s: String) -> Bool { bytes[i...].starts(with: s.utf8) }
        /// Moves past `marker` (or to the end), counting lines.
        func skip(past marker: String) {
            while i < bytes.count, !starts(marker) {
                if bytes[i] == newline { line += 1 }
                i += 1
            }
            i = min(bytes.count, i + marker.utf8.count)
        }
        while i < bytes.count {
            let b = bytes[i]
            if b == newline { line += 1 }
            guard b == lt else { i += 1; continue }
            if starts("<!--") { skip(past: "-->"); continue }
            if starts("<![CDATA[") { skip(past: "]]>"); continue }
            if starts("<?") { skip(past: "?>"); continue }
            if starts("<!") || starts("</") { skip(past: ">"); continue }
            // A start tag: count '=' outside quoted values, up to its '>'.
            let tagLine = line
            var count = 0
            var quote: UInt8? = nil
            i += 1
            while i < bytes.count {
                let c = bytes[i]
                if c == newline { line += 1 }
                if let q = quote {
                    if c == q { quote = nil }
                } else if c == UInt8(ascii: "\"") || c == UInt8(ascii: "'") {
                    quote = c
                } else if c == eq {
                    count += 1
                } else if c == gt {
                    break
                }
                i += 1
            }
            if count > maximum { return (tagLine, count) }
            i += 1
        }
        return nil
    }
}
