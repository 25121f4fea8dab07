import Foundation

/// The mutation engine of `brcc-fuzz` (a seeded, deterministic mutation fuzzer over the parser,
/// lowering and checking, and optionally the kernel build, the runtime, the exporters and
/// training; see docs/reliability.md). The target it runs is `run` (FuzzStages.swift). The
/// mutations are pure: they turn corpus bytes and a seed into new bytes. Reading the corpus,
/// signals and output files belong to the executable.
public enum Fuzz {
    /// A corpus entry: the bytes of a model file and the path inputs derived from it are loaded
    /// under (the original path, so relative includes resolve; the file is never written).
    public struct Seed {
        /// The path the entry's bytes, and the inputs derived from them, are loaded under.
        public var path: String
        /// The model file's contents.
        public var bytes: [UInt8]
        /// Makes a corpus entry from its fields.
        public init(path: String, bytes: [UInt8]) { self.path = path; self.bytes = bytes }
    }

    /// SplitMix64: small, fast, and the same sequence on every platform.
    public struct RNG {
        /// The generator's 64-bit state; `next()` advances it.
        public var state: UInt64
        /// A generator whose state starts at `seed`.
        public init(seed: UInt64) { state = seed }
        /// The generator for input `n` of a run with `seed`: every input can be reproduced alone.
        public init(seed: UInt64, input n: Int) {
            var r = RNG(seed: seed &+ 0x9E37_79B9_7F4A_7C15 &* UInt64(truncatingIfNeeded: n &+ 1))
            _ = r.next()
            self = r
        }
        /// The next 64 random bits (SplitMix64).
        public mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        /// Uniform in 0..<n (n > 0).
        public mutating func below(_ n: Int) -> Int { n <= 1 ? 0 : Int(next() % UInt64(n)) }
        /// Uniform in `r`.
        public mutating func range(_ r: ClosedRange<Int>) -> Int { r.lowerBound + below(r.count) }
        /// True with probability `p`.
        public mutating func chance(_ p: Double) -> Bool { Double(next() >> 11) / Double(1 << 53) < p }
        /// A uniformly chosen element of `a` (not empty).
        public mutating func pick<T>(_ a: [T]) -> T { a[below(a.count)] }
    }

    /// The kinds of mutation, in the order docs/reliability.md lists them.
    public enum Mutation: String, CaseIterable {
        case flipBits, insertBytes, deleteRange, duplicateRange, splice, truncate
        case attributeValue, attributeName, duplicateElement, deleteElement, nestElement, renameElement
        case repeatExpressionTerm, nestParentheses, insertMarkup, otherEditorsText
    }

    /// Attribute values that have broken parsers and lowerings before (or should not).
    public static let interestingValues: [String] = {
        var v = ["", " ", "-1", "0", "1", "-0", "0.0", "1e400", "-1e400", "1e155", "-1e155", "1e308", "1e-300", "1e-320",
                 "5e-324", "1e-300ms", "1e155um", "1e400 mV", "NaN", "nan", "inf", "-inf", "Infinity", "+1", "0x10", "1_000",
                 "9223372036854775807", "9223372036854775808", "-9223372036854775808", "18446744073709551616",
                 "2147483648", "4294967296", "1e19", "1e10", "1000000000", "-2147483649",
                 "\u{00E9}t\u{00E9}", "\u{1F9E0}", "\u{202E}abc", "\u{0301}", "\u{FEFF}1", "ｍＶ", "µm", "μm",
                 "&quot;", "&apos;", "&lt;", "&amp;", "&#0;", "&#x1F9E0;", "\\(", "\\(x)", "*/", "/*", "..", "../..", "/", ".", "//",
                 "/dev/null", "${x}", "%s%n", "()", "(", ")", "1 +", "+", "x^x^x^x", "1/0", "0/0", "exp(1e9)", "log(0)", "sqrt(-1)",
                 "a.b.c", "v > 0 .and.", ".gt.", "0 .gt.", "H(x)", "random(1)", "t", "v", "-v", "--1", "1..2", "1e", "e1", "1e+",
                 "mV", "1 mV mV", "1 per_ms", "1 ohm_cm", "1 kohm_cm", "3 degC", "10 mM", "1 uF_per_cm2", "1 nA", "1 S_per_cm2"]
        v.append(String(repeating: "9", count: 10_000))
        v.append("0." + String(repeating: "0", count: 10_000) + "1")
        v.append(String(repeating: "1", count: 400) + " mV")
        v.append(String(repeating: "a", count: 10_000))
        v.append(String(repeating: "x_", count: 2_000))
        v.append(String(repeating: "(", count: 5_000))
        v.append(String(repeating: "-", count: 5_000) + "1")
        return v
    }()

    /// Markup inserted at random positions (and before the root element).
    static let markup: [String] = [
        "<!-- comment -->", "<!---->", "<!-- -- -->", "<![CDATA[ <x> & ]]>", "<![CDATA[]]>", "<?pi data?>", "<?xml-stylesheet href=\"a\"?>",
        "<!DOCTYPE neuroml>", "<!DOCTYPE neuroml [ <!ENTITY a \"b\"> ]>", "<!DOCTYPE neuroml SYSTEM \"/etc/passwd\">",
        "<!ENTITY x SYSTEM \"file:///etc/passwd\">", "&x;", "&amp;", "&#65;", "&#0;", "&#xD800;", "&unknown;",
        "<?xml version=\"1.0\" encoding=\"UTF-16\"?>", "<?xml version=\"1.1\"?>", "\u{FEFF}", "\0", "\u{1F9E0}",
        "<include href=\"nonexistent.nml\"/>", "<include href=\"/\"/>", "<include href=\"..\"/>", "<include href=\"\"/>",
        "<Include file=\"Cells.xml\"/>", "<brc:x xmlns:brc=\"urn:brcc:brc:1\"/>", "<a:b xmlns:a=\"\"/>", "</neuroml>", "<neuroml>", "<Lems>",
    ]

    static let bytesOfInterest: [UInt8] = Array("<>/\"'=&;:?![] \n\t-0.9e+x".utf8) + [0, 0x7F, 0x80, 0xC0, 0xFF, 0xFE, 0xEF, 0xBB, 0xBF]

    /// Applies 1...4 stacked mutations (chosen by `rng`) to `base`; `corpus` feeds splices and
    /// element names. The result is at most `maxLength` bytes.
    public static func mutate(_ base: [UInt8], corpus: [Seed], rng: inout RNG, maxLength: Int) -> [UInt8] {
        var b = base
        for _ in 0..<rng.range(1...4) {
            apply(rng.pick(Mutation.allCases), to: &b, corpus: corpus, rng: &rng, limit: maxLength)
            if b.count > maxLength { b.removeSubrange(maxLength...) }
        }
        return b
    }

    /// Applies one mutation; repetitions are kept to about `limit` bytes of output.
    public static func apply(_ m: Mutation, to b: inout [UInt8], corpus: [Seed], rng: inout RNG, limit: Int = 1 << 20) {
        func capped(_ times: Int, each: Int) -> Int { max(1, min(times, limit / max(each, 1))) }
        switch m {
        case .flipBits:
            guard !b.isEmpty else { return }
            for _ in 0..<rng.range(1...8) { b[rng.below(b.count)] ^= UInt8(1 << rng.below(8)) }
        case .insertBytes:
            let at = rng.below(b.count + 1)
            let n = rng.chance(0.9) ? rng.range(1...8) : rng.range(9...4096)
            b.insert(contentsOf: (0..<n).map { _ in rng.chance(0.5) ? rng.pick(bytesOfInterest) : UInt8(truncatingIfNeeded: rng.next()) }, at: at)
        case .deleteRange:
            guard !b.isEmpty else { return }
            let at = rng.below(b.count)
            let n = min(b.count - at, rng.chance(0.8) ? rng.range(1...16) : rng.range(1...max(1, b.count / 2)))
            b.removeSubrange(at..<(at + n))
        case .duplicateRange:
            guard !b.isEmpty else { return }
            let at = rng.below(b.count)
            let n = min(b.count - at, rng.range(1...256))
            let piece = Array(b[at..<(at + n)])
            let times = capped(rng.chance(0.9) ? 1 : rng.range(2...200), each: n)
            let to = rng.below(b.count + 1)
            for _ in 0..<times { b.insert(contentsOf: piece, at: to) }
        case .splice:
            guard !corpus.isEmpty else { return }
            let other = rng.pick(corpus).bytes
            // At tag boundaries where possible: the head of one file, the tail of another.
            let cut1 = boundary(in: b, near: rng.below(b.count + 1))
            let cut2 = boundary(in: other, near: rng.below(other.count + 1))
            b = Array(b[..<cut1]) + Array(other[cut2...])
        case .truncate:
            guard !b.isEmpty else { return }
            b.removeSubrange(rng.below(b.count)...)
        case .attributeValue:
            let values = attributeValues(in: b)
            guard !values.isEmpty else { return }
            let r = rng.pick(values)
            var v: String = rng.pick(interestingValues)
            if rng.chance(0.25), let old = String(bytes: b[r], encoding: .utf8) {
                // Keep the unit, replace the number ("1e155 um", "NaN ms").
                let unit = old.drop(while: { $0.isNumber || "+-.eE ".contains($0) })
                v = rng.pick(["1e155", "1e400", "-1", "0", "NaN", "1e-300", "9223372036854775808", String(repeating: "9", count: 10_000)]) + (unit.isEmpty ? "" : " " + unit)
            } else if rng.chance(0.1) {
                v = String(repeating: "id", count: capped(rng.range(1_000...50_000), each: 2))
            }
            b.replaceSubrange(r, with: Array(escape(v).utf8))
        case .attributeName:
            let names = attributeNames(in: b)
            guard names.count >= 2 else { return }
            let src = rng.pick(names), dst = rng.pick(names)
            let name = Array(b[src])
            b.replaceSubrange(dst, with: name)  // may duplicate an attribute (an XML error) or swap meaning
        case .duplicateElement:
            guard let e = randomElement(in: b, rng: &rng) else { return }
            let piece = Array(b[e])
            let times = capped(rng.chance(0.8) ? 1 : rng.range(2...2_000), each: piece.count)
            for _ in 0..<times { b.insert(contentsOf: piece, at: e.upperBound) }
        case .deleteElement:
            guard let e = randomElement(in: b, rng: &rng) else { return }
            b.removeSubrange(e)
        case .nestElement:
            // Wrap an element in many copies of its own start tag (or of <neuroml>).
            guard let e = randomElement(in: b, rng: &rng), let name = elementName(in: b, at: e.lowerBound) else { return }
            var depth = rng.chance(0.5) ? rng.range(2...64) : rng.range(65...20_000)
            let startEnd = b[e].firstIndex(of: UInt8(ascii: ">")) ?? e.lowerBound
            var start = Array(b[e.lowerBound...startEnd])
            if start.count >= 2, start[start.count - 2] == UInt8(ascii: "/") { start.remove(at: start.count - 2) }
            let open = rng.chance(0.7) ? start : Array("<\(name)>".utf8)
            let close = Array("</\(name)>".utf8)
            depth = capped(depth, each: open.count + close.count)
            var out = Array(b[..<e.lowerBound])
            out.reserveCapacity(b.count + depth * (open.count + close.count))
            for _ in 0..<depth { out += open }
            out += b[e]
            for _ in 0..<depth { out += close }
            out += b[e.upperBound...]
            b = out
        case .renameElement:
            guard let e = randomElement(in: b, rng: &rng), let name = elementName(in: b, at: e.lowerBound) else { return }
            let other = rng.pick(corpus.isEmpty ? [Seed(path: "", bytes: b)] : corpus).bytes
            guard let f = randomElement(in: other, rng: &rng), let newName = elementName(in: other, at: f.lowerBound) else { return }
            var text = String(decoding: b[e], as: UTF8.self)
            text = "<" + newName + text.dropFirst(1 + name.count)
            if text.hasSuffix("</\(name)>") { text = String(text.dropLast(name.count + 3)) + "</\(newName)>" }
            b.replaceSubrange(e, with: Array(text.utf8))
        case .repeatExpressionTerm:
            let values = attributeValues(in: b)
            guard !values.isEmpty else { return }
            let r = rng.pick(values)
            let old = String(decoding: b[r], as: UTF8.self)
            let term = old.isEmpty ? "x" : old
            let op = rng.pick([" + ", " * ", " - ", " / ", "^", " .and. ", " + 1 * "])
            let n = capped(rng.chance(0.3) ? rng.range(2...100) : rng.range(1_000...20_000), each: term.utf8.count + op.count)
            var s = term
            s.reserveCapacity((term.count + op.count) * n)
            for _ in 1..<n { s += op; s += term }
            b.replaceSubrange(r, with: Array(escape(s).utf8))
        case .nestParentheses:
            let values = attributeValues(in: b)
            guard !values.isEmpty else { return }
            let r = rng.pick(values)
            let old = String(decoding: b[r], as: UTF8.self)
            let n = capped(rng.chance(0.3) ? rng.range(2...100) : rng.range(1_000...20_000), each: 8)
            let (open, close) = rng.pick([("(", ")"), ("-(", ")"), ("exp(", ")"), ("(1 + ", ")")])
            let s = String(repeating: open, count: n) + (old.isEmpty ? "1" : old) + String(repeating: close, count: n)
            b.replaceSubrange(r, with: Array(escape(s).utf8))
        case .otherEditorsText:
            // Text as other editors and tools write it: CRLF or CR line ends, a byte-order mark,
            // or combining accents (U+0301) inside an attribute value (after a '/', too). Swift
            // reads CRLF and a letter with its accents as one Character each (the text audit of
            // the forty-fourth session found columns, data files and an output path check that
            // went wrong on them).
            switch rng.below(4) {
            case 0:
                var out: [UInt8] = []
                out.reserveCapacity(b.count + b.count / 16)
                for byte in b { if byte == 0x0A { out.append(0x0D) }; out.append(byte) }
                b = out
            case 1: b = b.map { $0 == 0x0A ? 0x0D : $0 }
            case 2: b.insert(contentsOf: [0xEF, 0xBB, 0xBF], at: 0)
            default:
                let values = attributeValues(in: b)
                guard !values.isEmpty else { return }
                let r = rng.pick(values)
                let slash = b[r].firstIndex(of: UInt8(ascii: "/")).map { $0 + 1 }
                let at = slash ?? rng.range(r.lowerBound...r.upperBound)
                let n = rng.chance(0.9) ? 1 : capped(rng.range(2...100_000), each: 2)
                b.insert(contentsOf: Array(String(repeating: "\u{301}", count: n).utf8), at: at)
            }
        case .insertMarkup:
            let m = rng.pick(markup)
            let at: Int
            if rng.chance(0.5), let first = firstRootStart(in: b) { at = first } else { at = boundary(in: b, near: rng.below(b.count + 1)) }
            b.insert(contentsOf: Array(m.utf8), at: at)
        }
    }

    // MARK: - A rough XML scanner (good enough to pick mutation sites; the parser decides).

    static func escape(_ s: String) -> String {
        var out = ""
        for c in s.unicodeScalars {
            switch c {
            case "\"": out += "&quot;"
            case "<": out += "&lt;"
            default: out.unicodeScalars.append(c)
            }
        }
        // Leave "&..." as written: entity references are part of what is being tested.
        return out
    }

    /// The index of a '<' at or before `i` (or `i` itself if there is none).
    static func boundary(in b: [UInt8], near i: Int) -> Int {
        var j = min(i, b.count)
        while j > 0 && (j == b.count || b[j] != UInt8(ascii: "<")) { j -= 1 }
        return j < b.count && b[j] == UInt8(ascii: "<") ? j : min(i, b.count)
    }

    static func firstRootStart(in b: [UInt8]) -> Int? {
        var i = 0
        while i + 1 < b.count {
            if b[i] == UInt8(ascii: "<") && isNameStart(b[i + 1]) { return i }
            i += 1
        }
        return nil
    }

    static func isNameStart(_ c: UInt8) -> Bool { (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == 95 }
    static func isNameChar(_ c: UInt8) -> Bool { isNameStart(c) || (c >= 48 && c <= 57) || c == 45 || c == 46 || c == 58 }

    /// The ranges of attribute values (between the quotes of `name="..."`).
    static func attributeValues(in b: [UInt8]) -> [Range<Int>] {
        var out: [Range<Int>] = []
        var i = 0
        while i + 1 < b.count {
            if b[i] == UInt8(ascii: "=") && (b[i + 1] == UInt8(ascii: "\"") || b[i + 1] == UInt8(ascii: "'")) && i > 0 && isNameChar(b[i - 1]) {
                let q = b[i + 1]
                var j = i + 2
                while j < b.count && b[j] != q && b[j] != UInt8(ascii: "<") { j += 1 }
                if j < b.count && b[j] == q { out.append((i + 2)..<j); i = j }
            }
            i += 1
        }
        return out
    }

    /// The ranges of attribute names (`name` of `name="..."`).
    static func attributeNames(in b: [UInt8]) -> [Range<Int>] {
        attributeValues(in: b).compactMap { v in
            var s = v.lowerBound - 2
            while s > 0 && isNameChar(b[s - 1]) { s -= 1 }
            return s < v.lowerBound - 2 ? s..<(v.lowerBound - 2) : nil
        }
    }

    static func elementName(in b: [UInt8], at i: Int) -> String? {
        guard i + 1 < b.count, b[i] == UInt8(ascii: "<"), isNameStart(b[i + 1]) else { return nil }
        var j = i + 1
        while j < b.count && isNameChar(b[j]) { j += 1 }
        return String(decoding: b[(i + 1)..<j], as: UTF8.self)
    }

    /// A random element: from its '<' to the end of its end tag (or of its empty tag).
    static func randomElement(in b: [UInt8], rng: inout RNG) -> Range<Int>? {
        var starts: [Int] = []
        var i = 0
        while i + 1 < b.count {
            if b[i] == UInt8(ascii: "<") && isNameStart(b[i + 1]) { starts.append(i) }
            i += 1
        }
        guard !starts.isEmpty else { return nil }
        for _ in 0..<4 {
            let s = rng.pick(starts)
            if let r = element(in: b, at: s) { return r }
        }
        return nil
    }

    static func element(in b: [UInt8], at s: Int) -> Range<Int>? {
        guard let name = elementName(in: b, at: s) else { return nil }
        let nameBytes = Array(name.utf8)
        func endOfTag(_ from: Int) -> Int? {
            var j = from
            var quote: UInt8? = nil
            while j < b.count {
                let c = b[j]
                if let q = quote { if c == q { quote = nil } } else if c == UInt8(ascii: "\"") || c == UInt8(ascii: "'") { quote = c } else if c == UInt8(ascii: ">") { return j }
                j += 1
            }
            return nil
        }
        guard let e = endOfTag(s) else { return nil }
        if b[e - 1] == UInt8(ascii: "/") { return s..<(e + 1) }
        var depth = 1
        var j = e + 1
        func matches(_ at: Int) -> Bool {
            guard at + nameBytes.count <= b.count, b[at..<(at + nameBytes.count)].elementsEqual(nameBytes) else { return false }
            let k = at + nameBytes.count
            return k < b.count && !isNameChar(b[k])
        }
        while j + 1 < b.count {
            if b[j] == UInt8(ascii: "<") {
                if b[j + 1] == UInt8(ascii: "/"), matches(j + 2) {
                    depth -= 1
                    if depth == 0, let close = endOfTag(j) { return s..<(close + 1) }
                } else if matches(j + 1), let t = endOfTag(j), b[t - 1] != UInt8(ascii: "/") {
                    depth += 1
                }
            }
            j += 1
        }
        return nil
    }
}
