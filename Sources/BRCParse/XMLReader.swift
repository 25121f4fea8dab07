import BRCDiagnostics
import BRCSyntax
import CLibXML2
import Foundation

/// Reads one XML file into an `Element` tree with libxml2. Safe on hostile input: no network,
/// no DTD loading, no entity declarations at all (they are rejected before parsing), and
/// libxml2's own error output is silenced; its first error becomes a located diagnostic.
enum XMLReader {
    /// The first error libxml2 reported during the current parse (guarded by `lock`).
    nonisolated(unsafe) private static var firstError: (line: Int, column: Int, message: String)?

    private static let setup: Void = {
        xmlInitParser()
        xmlSetStructuredErrorFunc(nil, { _, err in
            guard XMLReader.firstError == nil, let err else { return }
            let m = err.pointee.message.map { String(cString: $0) } ?? ""
            XMLReader.firstError = (Int(err.pointee.line), Int(err.pointee.int2), m.trimmingCharacters(in: .whitespacesAndNewlines))
        })
    }()
    private static let lock = NSLock()

    static func read(file path: String, sink: DiagnosticSink, requestedAt: SourceLocation?) -> Element? {
        guard let data = FileManager.default.contents(atPath: path) else {
            sink.error("BRC-E0001", "cannot read file '\(path)'", at: requestedAt ?? .builtin("command line"),
                       hint: "check that the path exists and is readable")
            return nil
        }
        return read(bytes: [UInt8](data), path: path, sink: sink)
    }

    static func read(bytes: [UInt8], path: String, sink: DiagnosticSink) -> Element? {
        _ = setup
        let text = String(decoding: bytes, as: UTF8.self)
        if let r = entityDeclaration(in: text) {
            let loc = location(of: r, in: text, file: path)
            sink.error("BRC-E0003", "entity declarations are not allowed in model files", at: loc,
                       hint: "remove the <!ENTITY> declaration; brcc never expands entities (they can read files or blow up memory)")
            return nil
        }
        lock.lock()
        defer { lock.unlock() }
        firstError = nil
        let options = Int32(XML_PARSE_NONET.rawValue | XML_PARSE_NOCDATA.rawValue | XML_PARSE_NOBLANKS.rawValue)
        guard let ctxt = xmlNewParserCtxt() else { return nil }
        defer { xmlFreeParserCtxt(ctxt) }
        let doc = bytes.withUnsafeBufferPointer { buf in
            buf.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buf.count) {
                xmlCtxtReadMemory(ctxt, $0, Int32(buf.count), path, nil, options)
            }
        }
        guard let doc, ctxt.pointee.wellFormed != 0 else {
            var loc = SourceLocation(file: path, line: 1, column: 1)
            var msg = "the file is not well-formed XML"
            if let err = firstError {
                loc = SourceLocation(file: path, line: max(1, err.line), column: max(1, err.column))
                msg += ": " + err.message
            }
            if let doc { xmlFreeDoc(doc) }
            sink.error("BRC-E0002", msg, at: loc, hint: "fix the XML syntax at this position (matching tags, quoted attributes, escaped '<' and '&')")
            return nil
        }
        defer { xmlFreeDoc(doc) }
        var tags = SourceScanner.startTags(in: bytes)[...]
        guard let root = xmlDocGetRootElement(doc) else { return nil }
        return convert(root, path: path, tags: &tags)
    }

    private static func convert(_ node: xmlNodePtr, path: String, tags: inout ArraySlice<StartTag>) -> Element {
        let name = String(cString: node.pointee.name)
        // Pair with the next start tag of the same (local) name.
        var tag: StartTag? = nil
        while let t = tags.first {
            tags = tags.dropFirst()
            let local = t.name.split(separator: ":").last.map(String.init) ?? t.name
            if local == name { tag = t; break }
        }
        let line = tag?.line ?? Int(xmlGetLineNo(node))
        let loc = SourceLocation(file: path, line: line, column: tag?.column ?? 1)
        var attrs: [Attribute] = []
        var a = node.pointee.properties
        while let attr = a {
            let an = String(cString: attr.pointee.name)
            let value: String
            if let v = xmlNodeListGetString(node.pointee.doc, attr.pointee.children, 1) {
                value = String(cString: v)
                brc_xml_free(v)
            } else {
                value = ""
            }
            let qualified = attr.pointee.ns.flatMap { $0.pointee.prefix }.map { String(cString: $0) + ":" + an } ?? an
            let p = tag?.attributes[qualified] ?? tag?.attributes[an]
            attrs.append(Attribute(name: an, value: value,
                                   location: SourceLocation(file: path, line: p?.line ?? line, column: p?.column ?? loc.column),
                                   valueLocation: SourceLocation(file: path, line: p?.valueLine ?? line, column: p?.valueColumn ?? loc.column)))
            a = attr.pointee.next
        }
        var children: [Element] = []
        var c = node.pointee.children
        while let child = c {
            if child.pointee.type == XML_ELEMENT_NODE {
                children.append(convert(child, path: path, tags: &tags))
            }
            c = child.pointee.next
        }
        let ns = node.pointee.ns.flatMap { $0.pointee.href }.map { String(cString: $0) }
        return Element(name: name, namespace: ns, attributes: attrs, children: children, location: loc)
    }

    /// Where an `<!ENTITY` declaration starts, outside comments.
    static func entityDeclaration(in text: String) -> String.Index? {
        var i = text.startIndex
        while let r = text.range(of: "<!", range: i..<text.endIndex) {
            if text[r.lowerBound...].hasPrefix("<!--") {
                guard let end = text.range(of: "-->", range: r.upperBound..<text.endIndex) else { return nil }
                i = end.upperBound
                continue
            }
            if text[r.lowerBound...].hasPrefix("<!ENTITY") { return r.lowerBound }
            i = r.upperBound
        }
        return nil
    }

    private static func location(of index: String.Index, in text: String, file: String) -> SourceLocation {
        var line = 1, col = 1
        for ch in text[text.startIndex..<index] {
            if ch == "\n" { line += 1; col = 1 } else { col += 1 }
        }
        return SourceLocation(file: file, line: line, column: col)
    }
}
