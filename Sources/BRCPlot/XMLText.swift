/// Text that is safe inside XML text and attribute values: every file brcc writes as XML or
/// SVG (plots, the NeuroML export, training's best files). Markup characters become entity
/// references; newline, carriage return and tab become character references, so that an
/// attribute value keeps them (a parser would normalise them to spaces); other control
/// characters, which XML 1.0 forbids even as references, become "?".
public func xmlEscaped(_ s: String) -> String {
    var out = ""
    out.reserveCapacity(s.utf8.count)
    for ch in s.unicodeScalars {
        switch ch {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&apos;"
        case "\n": out += "&#10;"
        case "\r": out += "&#13;"
        case "\t": out += "&#9;"
        default:
            if ch.value < 0x20 || ch.value == 0xFFFE || ch.value == 0xFFFF { out += "?" } else { out.unicodeScalars.append(ch) }
        }
    }
    return out
}
