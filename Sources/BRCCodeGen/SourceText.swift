/// The one place where text from a model enters generated source. Every model string that a
/// kernel file carries (names in the kernel table, names in comments, probe keys) goes through
/// one of these functions, and every generated identifier through `identifier(_:)`, so that no
/// id, however hostile, can close a literal or a comment, interpolate, or collide with another.
/// Lowering also refuses ids that are not NeuroML NmlIds; these functions do not rely on it.
public enum SourceText {
    /// A C string literal with the bytes of `s`: printable ASCII as is, everything else (quotes,
    /// backslashes, `?` (trigraphs), control characters, NUL, non-ASCII) as three-digit octal
    /// escapes, which never run into a following character.
    public static func cString(_ s: String) -> String {
        var out = "\""
        for byte in s.utf8 {
            if byte >= 0x20 && byte < 0x7F && byte != 0x22 && byte != 0x5C && byte != 0x3F {
                out.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                let octal = String(byte, radix: 8)
                out += "\\" + String(repeating: "0", count: 3 - octal.count) + octal
            }
        }
        return out + "\""
    }

    /// A Swift string literal with the characters of `s`: printable ASCII as is, everything else
    /// (quotes, backslashes and with them `\(` interpolation, control characters, NUL,
    /// non-ASCII) as `\u{...}` escapes.
    public static func swiftString(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            if scalar.value >= 0x20 && scalar.value < 0x7F && scalar != "\"" && scalar != "\\" {
                out.unicodeScalars.append(scalar)
            } else {
                out += "\\u{" + String(scalar.value, radix: 16) + "}"
            }
        }
        return out + "\""
    }

    /// A block comment, valid in C and Swift alike: printable ASCII only (anything else becomes
    /// `?`, newlines a space), and no `/*` or `*/` (Swift nests block comments, C ends them), so
    /// the comment ends exactly where the emitter ends it.
    public static func comment(_ s: String) -> String {
        var body = ""
        var previous: Unicode.Scalar = " "
        for scalar in s.unicodeScalars {
            var c = scalar
            if c == "\n" || c == "\t" || c == "\r" { c = " " } else if c.value < 0x20 || c.value >= 0x7F { c = "?" }
            if (previous == "*" && c == "/") || (previous == "/" && c == "*") { body += " " }
            body.unicodeScalars.append(c)
            previous = c
        }
        if previous == "*" || previous == "/" { body += " " }
        return "/* " + body + " */"
    }
}

/// Turns a model name into an identifier valid in C and Swift, injectively: a name of ASCII
/// letters and digits, with single underscores between them and starting with a letter, is
/// kept as it is; any other name becomes `_u` followed by the hex of its UTF-8 bytes (and so
/// cannot equal a kept name, which never starts with `_`). Two different names therefore never
/// meet in generated code, whatever renaming would have merged them.
public func identifier(_ s: String) -> String {
    func letter(_ b: UInt8) -> Bool { (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) }
    func digit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }
    var plain = s.utf8.first.map(letter) == true && s.utf8.last != 0x5F
    var previous: UInt8 = 0
    for byte in s.utf8 where plain {
        plain = byte == 0x5F ? previous != 0x5F : letter(byte) || digit(byte)
        previous = byte
    }
    return plain ? s : "_u" + s.utf8.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
}
