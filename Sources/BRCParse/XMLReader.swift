import BRCDiagnostics
import BRCSyntax
import CLibXML2
import Foundation

/// Reads one XML file into an `Element` tree with libxml2. Safe on hostile input: no network,
/// no external entities or DTDs are loaded (a loader that refuses everything is installed),
/// any declaration in a document type's internal subset (entities, elements, attributes,
/// notations) stops the parse as libxml2 reports it, whatever the file's encoding, and the
/// size of the document, of an attribute and the nesting depth are capped. libxml2's own error
/// output is silenced; its first error becomes a located diagnostic.
enum XMLReader {
    /// Largest model file read (bytes).
    static let maximumDocumentBytes = 256 << 20
    /// Largest attribute value (bytes): far above any real quantity, expression or id list.
    static let maximumAttributeBytes = 1 << 20
    /// Deepest element nesting (NeuroML models nest about ten deep).
    static let maximumDepth = 100

    /// The first error libxml2 reported during the current parse (guarded by `lock`).
    nonisolated(unsafe) private static var firstError: (line: Int, column: Int, message: String)?
    /// Whether the current parse was stopped at an error (guarded by `lock`): its document is
    /// incomplete, whatever libxml2 says of it.
    nonisolated(unsafe) private static var stopped = false
    /// The first declaration of a document type's internal subset (guarded by `lock`).
    nonisolated(unsafe) private static var declaration: (line: Int, column: Int, kind: String)?

    private static let setup: Void = {
        xmlInitParser()
        xmlSetStructuredErrorFunc(nil, { _, err in
            guard let err else { return }
            // Only the first error is reported, so the parse stops at an error (not a warning):
            // libxml2 would otherwise go on and report, say, every "--" of a long comment, each
            // with a copy of the comment so far (quadratic: 9 s for a 260 KB comment of dashes).
            if err.pointee.level.rawValue >= XML_ERR_ERROR.rawValue, err.pointee.domain == Int32(XML_FROM_PARSER.rawValue), let ctxt = err.pointee.ctxt {
                xmlStopParser(ctxt.assumingMemoryBound(to: xmlParserCtxt.self))
                XMLReader.stopped = true
            }
            guard XMLReader.firstError == nil else { return }
            let m = err.pointee.message.map { String(cString: $0) } ?? ""
            XMLReader.firstError = (Int(err.pointee.line), Int(err.pointee.int2), m.trimmingCharacters(in: .whitespacesAndNewlines))
        })
        // Nothing outside the document is ever read: no external DTD, entity or URL.
        xmlSetExternalEntityLoader({ _, _, _ in nil })
    }()
    private static let lock = NSLock()

    static func read(file path: String, sink: DiagnosticSink, requestedAt: SourceLocation?) -> Element? {
        let at = requestedAt ?? .builtin("command line")
        if let size = Loader.size(of: path), size > maximumDocumentBytes {
            sink.error("BRC-E0011", "'\(path)' is \(size >> 20) MiB; brcc reads model files of at most \(maximumDocumentBytes >> 20) MiB", at: at,
                       hint: "split the model into files joined by <include>, or give large connection tables as brc:matrixConnectivity data files")
            return nil
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            sink.error("BRC-E0001", "cannot read file '\(path)'", at: at, hint: "check that the path exists and is readable")
            return nil
        }
        return read(bytes: [UInt8](data), path: path, sink: sink)
    }

    /// Called by libxml2 for every declaration in an internal subset: records the first and
    /// stops the parser, so no entity is ever defined, let alone expanded.
    private static func refuse(_ context: UnsafeMutableRawPointer?, _ kind: String) {
        guard let context else { return }
        let ctxt = context.assumingMemoryBound(to: xmlParserCtxt.self)
        if declaration == nil {
            let input = ctxt.pointee.input
            declaration = (Int(input?.pointee.line ?? 1), Int(input?.pointee.col ?? 1), kind)
        }
        xmlStopParser(ctxt)
    }

    static func read(bytes: [UInt8], path: String, sink: DiagnosticSink) -> Element? {
        _ = setup
        guard bytes.count <= maximumDocumentBytes else {
            sink.error("BRC-E0011", "the document is \(bytes.count >> 20) MiB; brcc reads model files of at most \(maximumDocumentBytes >> 20) MiB",
                       at: SourceLocation(file: path, line: 1, column: 1), hint: "split the model into files joined by <include>")
            return nil
        }
        if let (line, count) = AttributeCounts.excessive(in: bytes) {
            sink.error("BRC-E0011", "an element has \(count) attributes; brcc reads elements of at most \(AttributeCounts.maximum)",
                       at: SourceLocation(file: path, line: line, column: 1), hint: "give large tables as brc:matrixConnectivity data files, not as attributes")
            return nil
        }
        // Bare '&'s, which jLEMS reads as literal text, are escaped first (BareAmpersands).
        let (input, bare) = BareAmpersands.escape(bytes)
        if let first = bare.first {
            sink.report(Diagnostic("BRC-W0002", .warning, "a bare '&' (it starts no character or entity reference)" + (bare.count > 1 ? ", and \(bare.count - 1) more in the file" : "") + "; read as a literal '&', as jLEMS reads it",
                                   at: SourceLocation(file: path, line: first.line, column: first.column), hint: "write & as &amp; to make the file well-formed XML"))
        }
        lock.lock()
        defer { lock.unlock() }
        firstError = nil
        stopped = false
        declaration = nil
        let options = Int32(XML_PARSE_NONET.rawValue | XML_PARSE_NOCDATA.rawValue | XML_PARSE_NOBLANKS.rawValue)
        guard let ctxt = xmlNewParserCtxt() else { return nil }
        defer { xmlFreeParserCtxt(ctxt) }
        if let sax = ctxt.pointee.sax {
            sax.pointee.entityDecl = { c, _, _, _, _, _ in XMLReader.refuse(c, "an entity declaration (<!ENTITY>)") }
            sax.pointee.unparsedEntityDecl = { c, _, _, _, _ in XMLReader.refuse(c, "an entity declaration (<!ENTITY>)") }
            sax.pointee.elementDecl = { c, _, _, _ in XMLReader.refuse(c, "an element declaration (<!ELEMENT>)") }
            sax.pointee.attributeDecl = { c, _, _, _, _, _, _ in XMLReader.refuse(c, "an attribute declaration (<!ATTLIST>)") }
            sax.pointee.notationDecl = { c, _, _, _ in XMLReader.refuse(c, "a notation declaration (<!NOTATION>)") }
            sax.pointee.internalSubset = { c, _, publicId, systemId in
                if publicId != nil || systemId != nil { XMLReader.refuse(c, "a reference to an external DTD") }
            }
        }
        let doc = input.withUnsafeBufferPointer { buf in
            buf.baseAddress.map { base in
                base.withMemoryRebound(to: CChar.self, capacity: buf.count) {
                    xmlCtxtReadMemory(ctxt, $0, Int32(buf.count), path, nil, options)
                }
            } ?? nil
        }
        if let d = declaration {
            if let doc { xmlFreeDoc(doc) }
            let start = declarationStart(in: bytes, line: d.line, column: d.column)
            sink.error("BRC-E0003", "the document type declaration contains \(d.kind); brcc refuses DTDs",
                       at: SourceLocation(file: path, line: start.line, column: start.column),
                       hint: "remove the <!DOCTYPE ... [ ... ]> block; brcc never defines or expands entities (they can read files or blow up memory)")
            return nil
        }
        guard let doc, ctxt.pointee.wellFormed != 0, !stopped else {
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
        var limits = Limits(path: path, sink: sink)
        let tree = convert(root, path: path, tags: &tags, depth: 1, limits: &limits)
        return limits.exceeded ? nil : tree
    }

    /// libxml2 reports a declaration where it ends; the diagnostic points at its `<!`, found by
    /// looking back from there (in an ASCII-compatible encoding; otherwise libxml2's position).
    static func declarationStart(in bytes: [UInt8], line: Int, column: Int) -> (line: Int, column: Int) {
        var lineStarts = [0]
        for (i, b) in bytes.enumerated() where b == 0x0A {
            lineStarts.append(i + 1)
            if lineStarts.count > line { break }
        }
        guard line >= 1, line <= lineStarts.count else { return (max(1, line), max(1, column)) }
        // Columns count characters: step over `column - 1` of them.
        let singleByte = declaresSingleByteEncoding(bytes)
        var i = lineStarts[line - 1], scalars = 1
        while i < bytes.count - 1 && scalars < column && bytes[i] != 0x0A {
            i += 1
            if startsColumn(bytes[i], singleByte: singleByte) { scalars += 1 }
        }
        while i > 0 && !(bytes[i - 1] == 0x3C && bytes[i] == 0x21) { i -= 1 }
        guard i > 0 else { return (max(1, line), max(1, column)) }
        let at = i - 1
        let l = lineStarts.lastIndex { $0 <= at } ?? 0
        return (l + 1, bytes[lineStarts[l]..<at].filter { startsColumn($0, singleByte: singleByte) }.count + 1)
    }

    /// Reports the first attribute or nesting level over the caps, or the first attribute
    /// whose local name another attribute of its element has.
    private struct Limits {
        let path: String
        let sink: DiagnosticSink
        var exceeded = false

        mutating func tooDeep(_ at: SourceLocation) {
            guard !exceeded else { return }
            exceeded = true
            sink.error("BRC-E0011", "elements are nested more than \(XMLReader.maximumDepth) deep", at: at,
                       hint: "a NeuroML or LEMS model nests about ten deep; this file is damaged or hostile")
        }

        mutating func twice(_ local: String, first: String, then second: String, on element: String, at: SourceLocation) {
            guard !exceeded else { return }
            exceeded = true
            sink.error("BRC-E0012", "<\(element)> has two attributes named '\(local)' ('\(first)' and '\(second)'); brcc reads attributes without their namespace prefix",
                       at: at, hint: "remove or rename one of them")
        }

        mutating func tooLong(_ name: String, _ bytes: Int, _ at: SourceLocation) {
            guard !exceeded else { return }
            exceeded = true
            sink.error("BRC-E0011", "attribute '\(name)' is \(bytes) bytes long; brcc accepts at most \(XMLReader.maximumAttributeBytes)", at: at,
                       hint: "give long tables as data files (brc:matrixConnectivity, brc:currentFromFile)")
        }
    }

    private static func convert(_ node: xmlNodePtr, path: String, tags: inout ArraySlice<StartTag>, depth: Int, limits: inout Limits) -> Element {
        let name = String(cString: node.pointee.name)
        // Pair with the next start tag of the same (local) name.
        var tag: StartTag? = nil
        while let t = tags.first {
            tags = tags.dropFirst()
            if t.isTag(of: name) { tag = t; break }
        }
        let line = tag?.line ?? Int(xmlGetLineNo(node))
        let loc = SourceLocation(file: path, line: line, column: tag?.column ?? 1)
        var attrs: [Attribute] = []
        var qualifiedNames: [String: String] = [:]
        var a = node.pointee.properties
        while let attr = a {
            let an = String(cString: attr.pointee.name)
            let value: String
            if let v = xmlNodeListGetString(node.pointee.doc, attr.pointee.children, 1) {
                let length = strlen(v)
                if length > maximumAttributeBytes {
                    let p = tag?.attributes[an]
                    limits.tooLong(an, length, SourceLocation(file: path, line: p?.line ?? line, column: p?.column ?? loc.column))
                    value = ""
                } else {
                    value = String(cString: v)
                }
                brc_xml_free(v)
            } else {
                value = ""
            }
            let qualified = attr.pointee.ns.flatMap { $0.pointee.prefix }.map { String(cString: $0) + ":" + an } ?? an
            let p = tag?.attributes[qualified] ?? tag?.attributes[an]
            let at = SourceLocation(file: path, line: p?.line ?? line, column: p?.column ?? loc.column)
            // brcc reads attributes by local name: `x:id` beside `id` would be read as either.
            if let first = qualifiedNames.updateValue(qualified, forKey: an) {
                limits.twice(an, first: first, then: qualified, on: name, at: at)
            }
            attrs.append(Attribute(name: an, value: value, location: at,
                                   valueLocation: SourceLocation(file: path, line: p?.valueLine ?? line, column: p?.valueColumn ?? loc.column),
                                   valueBreaks: p?.breaks ?? []))
            a = attr.pointee.next
        }
        var children: [Element] = []
        var c = node.pointee.children
        while let child = c {
            if child.pointee.type == XML_ELEMENT_NODE {
                if depth >= maximumDepth {
                    // At the child's start tag, the next one of its name (libxml2's own line
                    // number stops at 65,535).
                    let childName = String(cString: child.pointee.name)
                    let at = tags.first { $0.isTag(of: childName) }
                    limits.tooDeep(SourceLocation(file: path, line: at?.line ?? Int(xmlGetLineNo(child)), column: at?.column ?? 1))
                    break
                }
                children.append(convert(child, path: path, tags: &tags, depth: depth + 1, limits: &limits))
            }
            c = child.pointee.next
        }
        let ns = node.pointee.ns.flatMap { $0.pointee.href }.map { String(cString: $0) }
        return Element(name: name, namespace: ns, attributes: attrs, children: children, location: loc)
    }
}
