/// A small JSON writer (the export's numbers must read back exactly, and its layout stay
/// readable and deterministic).
struct JSON {
    var text = ""
    var first = [true]
    var depth = 0

    mutating func separator() {
        if !first[first.count - 1] { text += "," }
        first[first.count - 1] = false
        text += "\n" + String(repeating: " ", count: depth * 1)
    }
    mutating func item() { separator() }
    mutating func key(_ k: String) { separator(); text += NMODLText.json(k) + ": " }
    mutating func open(_ bracket: String) { text += bracket; first.append(true); depth += 1 }
    mutating func close(_ bracket: String) { first.removeLast(); depth -= 1; text += bracket }
    mutating func raw(_ s: String) { text += s }
    mutating func num(_ v: Double) { text += NMODLText.number(v) }
    mutating func nums(_ vs: [Double]) { text += "[" + vs.map(NMODLText.number).joined(separator: ", ") + "]" }
    mutating func str(_ s: String) { text += NMODLText.json(s) }
    mutating func strs(_ ss: [String]) { text += "[" + ss.map(NMODLText.json).joined(separator: ", ") + "]" }
}
