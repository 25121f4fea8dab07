import BRCDiagnostics
import BRCSyntax

/// Finds the line and column of every start tag and of its attributes in raw XML text, in
/// document order. libxml2 reports only line numbers for nodes; brcc pairs its tree with these
/// positions (the n-th element of the tree is the n-th start tag of the text).
struct StartTag {
    var name: String
    var line: Int
    var column: Int
    /// Name position, the position of the value's first character, and where the value's
    /// text jumps (`Attribute.valueBreaks`).
    var attributes: [String: (line: Int, column: Int, valueLine: Int, valueColumn: Int, breaks: [ValueBreak])]

    /// Whether this is a start tag of the element libxml2 names `name` (its local name, or, for
    /// an undeclared prefix, which libxml2 keeps, `prefix:name`).
    func isTag(of name: String) -> Bool {
        (self.name.split(separator: ":").last.map(String.init) ?? self.name) == name || self.name == name
    }
}

/// The length of a UTF-8 byte-order mark at the start of `bytes` (3), or 0: text readers skip
/// it, as libxml2 does (it is no column and no part of a first value).
func byteOrderMarkLength<C: Collection>(_ bytes: C) -> Int where C.Element == UInt8 {
    bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
}

/// Whether UTF-8 byte `b` starts a Unicode scalar (is not a continuation byte): columns count
/// these, as libxml2's do.
func startsScalar(_ b: UInt8) -> Bool { b & 0xC0 != 0x80 }

/// Whether byte `b` starts a column: every byte of a document in a single-byte encoding
/// (`singleByte`, `declaresSingleByteEncoding`), else a byte that starts a UTF-8 scalar.
func startsColumn(_ b: UInt8, singleByte: Bool) -> Bool { singleByte || startsScalar(b) }

/// Whether the XML declaration names a single-byte encoding (ISO-8859-n, Latin-n,
/// Windows-125n, ASCII): each byte of such a file is one character, so a column, where
/// counting UTF-8 scalars would skip `µ` (0xB5) and `²` (0xB2), as published models have them
/// in comments. A file with a UTF-8 byte-order mark, or without a declaration, is UTF-8.
func declaresSingleByteEncoding(_ bytes: [UInt8]) -> Bool {
    guard bytes.starts(with: Array("<?xml".utf8)) else { return false }
    let head = bytes.prefix(512)
    guard let end = head.indices.first(where: { head[$0] == 0x3F && $0 + 1 < head.endIndex && head[$0 + 1] == 0x3E }) else { return false }
    let declaration = String(decoding: head[..<end], as: UTF8.self)
    guard let key = declaration.range(of: "encoding") else { return false }
    let rest = declaration[key.upperBound...].drop { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" || $0 == "=" }
    guard let quote = rest.first, quote == "\"" || quote == "'" else { return false }
    let name = rest.dropFirst().prefix { $0 != quote }.uppercased()
    return ["ISO-8859-", "ISO8859-", "ISO_8859-", "LATIN", "WINDOWS-125", "CP125"].contains { name.hasPrefix($0) }
        || ["US-ASCII", "ASCII", "L1"].contains(name)
}

enum SourceScanner {
    static func startTags(in bytes: [UInt8]) -> [StartTag] {
        var tags: [StartTag] = []
        var i = byteOrderMarkLength(bytes), line = 1, col = 1
        let n = bytes.count
        let singleByte = declaresSingleByteEncoding(bytes)

        func advance() {
            if bytes[i] == 0x0A { line += 1; col = 1 } else if startsColumn(bytes[i], singleByte: singleByte) { col += 1 }
            i += 1
        }
        func startsWith(_ s: StaticString) -> Bool {
            let count = s.utf8CodeUnitCount
            guard i + count <= n else { return false }
            return s.withUTF8Buffer { u in (0..<count).allSatisfy { bytes[i + $0] == u[$0] } }
        }
        func skip(past terminator: StaticString) {
            while i < n && !startsWith(terminator) { advance() }
            for _ in 0..<terminator.utf8CodeUnitCount where i < n { advance() }
        }
        func isNameChar(_ c: UInt8) -> Bool {
            c == 0x3A || c == 0x5F || c == 0x2D || c == 0x2E || (c >= 0x30 && c <= 0x39) ||
                (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c >= 0x80
        }
        func readName() -> String {
            let start = i
            while i < n && isNameChar(bytes[i]) { advance() }
            return String(decoding: bytes[start..<i], as: UTF8.self)
        }

        while i < n {
            guard bytes[i] == 0x3C else { advance(); continue }  // '<'
            if startsWith("<!--") { skip(past: "-->"); continue }
            if startsWith("<![CDATA[") { skip(past: "]]>"); continue }
            if startsWith("<?") { skip(past: "?>"); continue }
            if startsWith("<!") {  // DOCTYPE, possibly with an internal subset
                var depth = 0
                while i < n {
                    if bytes[i] == 0x5B { depth += 1 } else if bytes[i] == 0x5D { depth -= 1 } else if bytes[i] == 0x3E && depth <= 0 { advance(); break }
                    advance()
                }
                continue
            }
            if startsWith("</") { skip(past: ">"); continue }
            let (tl, tc) = (line, col)
            advance()
            let name = readName()
            var attrs: [String: (line: Int, column: Int, valueLine: Int, valueColumn: Int, breaks: [ValueBreak])] = [:]
            // Attributes until '>' or '/>'.
            while i < n && bytes[i] != 0x3E {
                if isNameChar(bytes[i]) && bytes[i] != 0x2D && bytes[i] != 0x2E {
                    let (al, ac) = (line, col)
                    let an = readName()
                    attrs[an] = (al, ac, al, ac, [])
                    // Skip '=' and the quoted value.
                    while i < n && bytes[i] != 0x22 && bytes[i] != 0x27 && bytes[i] != 0x3E { advance() }
                    if i < n && (bytes[i] == 0x22 || bytes[i] == 0x27) {
                        let q = bytes[i]
                        advance()
                        let (vl, vc) = (line, col)
                        // The value's scalars as libxml2 gives them: a line end (LF or CR LF)
                        // is one, a reference one; after either the columns jump. (A lone CR
                        // is one scalar and, as everywhere in this scanner, no line end.)
                        var breaks: [ValueBreak] = [], scalars = 0
                        while i < n && bytes[i] != q {
                            let b = bytes[i]
                            if b == 0x26 && BareAmpersands.startsReference(bytes, at: i + 1) {
                                while i < n && bytes[i] != 0x3B { advance() }
                                if i < n { advance() }
                            } else if b == 0x0A || (b == 0x0D && i + 1 < n && bytes[i + 1] == 0x0A) {
                                if b == 0x0D { advance() }
                                advance()
                            } else {
                                if startsColumn(b, singleByte: singleByte) { scalars += 1 }
                                advance()
                                continue
                            }
                            scalars += 1
                            breaks.append(ValueBreak(offset: scalars, line: line, column: col))
                        }
                        attrs[an] = (al, ac, vl, vc, breaks)
                        if i < n { advance() }
                    }
                } else {
                    advance()
                }
            }
            tags.append(StartTag(name: name, line: tl, column: tc, attributes: attrs))
        }
        return tags
    }
}
