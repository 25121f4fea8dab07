import BRCDiagnostics

/// An attribute as written, with the locations of its name and of its value's first character.
public struct Attribute: Sendable, Hashable {
    public var name: String
    public var value: String
    public var location: SourceLocation
    public var valueLocation: SourceLocation

    public init(name: String, value: String, location: SourceLocation, valueLocation: SourceLocation? = nil) {
        self.name = name
        self.value = value
        self.location = location
        self.valueLocation = valueLocation ?? location
    }
}

/// One XML element of a model document, as the AST sees it: in NeuroML/LEMS every element is a
/// component (its tag names the type) or a part of a ComponentType definition. Namespace
/// prefixes are resolved: `namespace` holds the URI.
public struct Element: Sendable {
    public var name: String
    public var namespace: String?
    public var attributes: [Attribute]
    public var children: [Element]
    public var location: SourceLocation

    public init(name: String, namespace: String? = nil, attributes: [Attribute] = [], children: [Element] = [],
                location: SourceLocation) {
        self.name = name
        self.namespace = namespace
        self.attributes = attributes
        self.children = children
        self.location = location
    }

    public func attribute(_ name: String) -> Attribute? { attributes.first { $0.name == name } }
    public subscript(_ name: String) -> String? { attribute(name)?.value }
    public func children(named name: String) -> [Element] { children.filter { $0.name == name } }
    public func child(named name: String) -> Element? { children.first { $0.name == name } }
    public var id: String? { self["id"] }
}

extension Element {
    /// The namespace URI of brcc's extension elements (`xmlns:brc="urn:brcc:brc:1"`): the one
    /// definition, which the loader, lowering and the files brcc writes use.
    public static let brcNamespace = "urn:brcc:brc:1"
}
