import BRCDiagnostics

/// An attribute as written, with the locations of its name and of its value's first character.
public struct Attribute: Sendable, Hashable {
    /// The attribute's name, without a declared namespace prefix.
    public var name: String
    /// The value as read, XML entities replaced.
    public var value: String
    /// Where the attribute's name is.
    public var location: SourceLocation
    /// Where the value's first character is (`location` when it is not known).
    public var valueLocation: SourceLocation
    /// Where the value's source text stops running on from `valueLocation` one column per
    /// character: after a line break in the value, or after a reference (`&lt;`, `&#10;`: several
    /// columns, one character). Empty for the usual value on one line without references.
    public var valueBreaks: [ValueBreak]

    /// Makes an attribute; without a `valueLocation`, the value is located at the name.
    public init(name: String, value: String, location: SourceLocation, valueLocation: SourceLocation? = nil, valueBreaks: [ValueBreak] = []) {
        self.name = name
        self.value = value
        self.location = location
        self.valueLocation = valueLocation ?? location
        self.valueBreaks = valueBreaks
    }

    /// Where the value's Unicode scalar number `offset` (from 0) is in the source.
    public func location(ofValueScalar offset: Int) -> SourceLocation {
        var at = valueLocation
        guard let last = valueBreaks.last(where: { $0.offset <= offset }) else {
            at.column += offset
            return at
        }
        at.line = last.line
        at.column = last.column + offset - last.offset
        return at
    }
}

/// A point of an attribute's value where its source position jumps: the value's scalar at
/// `offset` is at `line`, `column`, and those after it run on from there.
public struct ValueBreak: Sendable, Hashable {
    public var offset: Int, line: Int, column: Int
    public init(offset: Int, line: Int, column: Int) { self.offset = offset; self.line = line; self.column = column }
}

/// One XML element of a model document, as the AST sees it: in NeuroML/LEMS every element is a
/// component (its tag names the type) or a part of a ComponentType definition. Namespace
/// prefixes are resolved: `namespace` holds the URI.
public struct Element: Sendable {
    /// The tag name without a declared namespace prefix (an undeclared prefix stays: `brc:cueTask`).
    public var name: String
    /// The tag's namespace URI; nil when it has none.
    public var namespace: String?
    /// The attributes, in document order.
    public var attributes: [Attribute]
    /// The child elements in document order (text and comments are not kept).
    public var children: [Element]
    /// Where the element's start tag is.
    public var location: SourceLocation

    /// Makes an element from its parts.
    public init(name: String, namespace: String? = nil, attributes: [Attribute] = [], children: [Element] = [],
                location: SourceLocation) {
        self.name = name
        self.namespace = namespace
        self.attributes = attributes
        self.children = children
        self.location = location
    }

    /// The attribute `name`, if written.
    public func attribute(_ name: String) -> Attribute? { attributes.first { $0.name == name } }
    /// The value of attribute `name`, if written.
    public subscript(_ name: String) -> String? { attribute(name)?.value }
    /// The children with tag `name`, in document order.
    public func children(named name: String) -> [Element] { children.filter { $0.name == name } }
    /// The first child with tag `name`.
    public func child(named name: String) -> Element? { children.first { $0.name == name } }
    /// The value of the `id` attribute, if written.
    public var id: String? { self["id"] }
    /// The ComponentType this component element names: its tag, or `type` for `<Component type=...>`.
    public var typeName: String { name == "Component" ? (self["type"] ?? "") : name }
}

extension Element {
    /// The namespace URI of brcc's extension elements (`xmlns:brc="urn:brcc:brc:1"`): the one
    /// definition, which the loader, lowering and the files brcc writes use.
    public static let brcNamespace = "urn:brcc:brc:1"
}

/// NeuroML's identifiers (NmlId: a letter or `_`, then letters, digits and `_`), the one rule
/// lowering checks and the NeuroML export writes.
public enum NmlId {
    /// Longest id or name accepted (NeuroML sets none; this keeps diagnostics and files sane).
    public static let maximumLength = 256

    /// Whether `s` is an NmlId, with the ASCII characters `allowing` also accepted after its first.
    public static func isValid(_ s: String, allowing: Set<UInt8> = []) -> Bool {
        guard let first = s.utf8.first, s.utf8.count <= maximumLength else { return false }
        return letter(first) && s.utf8.allSatisfy { letter($0) || digit($0) || allowing.contains($0) }
    }

    /// `s` made into an NmlId: other characters become `_`, a leading digit (or nothing) gets
    /// a `_` before it, and it is cut to `maximumLength`.
    public static func made(_ s: String) -> String {
        var out = String(s.utf8.map { b -> Character in letter(b) || digit(b) ? Character(UnicodeScalar(b)) : "_" })
        if out.isEmpty || out.first!.isNumber { out = "_" + out }
        return String(out.prefix(maximumLength))
    }

    /// An ASCII letter or `_` (what may start an NmlId), and an ASCII digit.
    private static func letter(_ b: UInt8) -> Bool { (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x5F }
    private static func digit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }
}
