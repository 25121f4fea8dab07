/// Bare ampersands: an `&` that starts no character or entity reference (`&#38;`, `&#x26;`,
/// `&amp;`), which XML forbids but jLEMS's reader takes as a literal `&` (published models have
/// them in annotation URLs: `...showmodel.cshtml?model=108458&file=...`). brcc escapes them to
/// `&amp;` before libxml2 reads the file, with a located warning, and changes nothing else:
/// text in comments, CDATA sections and processing instructions (where `&` is legal) is left
/// alone, and a document with a DOCTYPE (brcc refuses DTDs anyway) or in an encoding that is not
/// ASCII-compatible (UTF-16, UTF-32) is not touched.
enum BareAmpersands {
    /// `bytes` with each bare `&` written `&amp;`, and where each was (1-based line and column,
    /// counted in characters, of the original).
    static func escape(_ bytes: [UInt8]) -> (bytes: [UInt8], at: [(line: Int, column: Int)]) {
        // Only ASCII-compatible encodings (UTF-8, Latin-1, ...): UTF-16 and UTF-32 have NUL
        // bytes (and an FE FF / FF FE order mark), where these byte patterns mean nothing.
        guard bytes.contains(0x26), !bytes.contains(0), !bytes.starts(with: [0xFE, 0xFF]), !bytes.starts(with: [0xFF, 0xFE]),
              !contains(bytes, "<!DOCTYPE") else { return (bytes, []) }
        // A UTF-8 byte-order mark is copied but is no column (libxml2 does not count it).
        let mark = byteOrderMarkLength(bytes)
        var out: [UInt8] = Array(bytes.prefix(mark))
        var found: [(line: Int, column: Int)] = []
        var line = 1, column = 1, i = mark
        let singleByte = declaresSingleByteEncoding(bytes)
        /// Copies bytes up to and including `marker` (ending a skipped region), or to the end.
        func skip(until marker: [UInt8]) {
            while i < bytes.count {
                if bytes[i...].starts(with: marker) {
                    for _ in marker { advance() }
                    return
                }
                advance()
            }
        }
        func advance() {
            let b = bytes[i]
            out.append(b)
            if b == 0x0A { line += 1; column = 1 } else if startsColumn(b, singleByte: singleByte) { column += 1 }
            i += 1
        }
        while i < bytes.count {
            if bytes[i] == 0x3C {  // <
                if let region = skipped.first(where: { bytes[i...].starts(with: $0.open) }) { skip(until: region.close); continue }
            }
            if bytes[i] == 0x26, !startsReference(bytes, at: i + 1) {
                found.append((line, column))
                out.append(contentsOf: Array("&amp;".utf8))
                column += 1
                i += 1
                continue
            }
            advance()
        }
        return (found.isEmpty ? bytes : out, found)
    }

    /// Regions where `&` is legal text: comments, CDATA sections, processing instructions.
    private static let skipped: [(open: [UInt8], close: [UInt8])] = [("<!--", "-->"), ("<![CDATA[", "]]>"), ("<?", "?>")].map { (Array($0.0.utf8), Array($0.1.utf8)) }

    /// Whether `#digits;`, `#xhex;` or `Name;` starts at `k` (what may follow an `&`).
    static func startsReference(_ b: [UInt8], at k: Int) -> Bool {
        func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
        func isHex(_ c: UInt8) -> Bool { isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66) }
        func isNameStart(_ c: UInt8) -> Bool { (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x5F || c == 0x3A || c >= 0x80 }
        func isName(_ c: UInt8) -> Bool { isNameStart(c) || isDigit(c) || c == 0x2E || c == 0x2D }
        var j = k
        guard j < b.count else { return false }
        if b[j] == 0x23 {  // #
            j += 1
            let hex = j < b.count && b[j] == 0x78
            if hex { j += 1 }
            let start = j
            while j < b.count && (hex ? isHex(b[j]) : isDigit(b[j])) { j += 1 }
            return j > start && j < b.count && b[j] == 0x3B
        }
        guard isNameStart(b[j]) else { return false }
        while j < b.count && isName(b[j]) { j += 1 }
        return j < b.count && b[j] == 0x3B
    }

    private static func contains(_ bytes: [UInt8], _ text: String) -> Bool {
        let t = Array(text.utf8)
        guard bytes.count >= t.count else { return false }
        return (0...(bytes.count - t.count)).contains { bytes[$0..<($0 + t.count)].elementsEqual(t) }
    }
}
