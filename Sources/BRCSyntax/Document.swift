import BRCDiagnostics

/// A model as read from its root file and everything it includes, flattened: the top-level
/// elements of every file in include order (a `<neuroml>` or `<Lems>` root contributes its
/// children). `standardIncludes` records which NeuroML core-type files were named.
public struct Document: Sendable {
    public var rootFile: String
    public var elements: [Element]
    public var files: [String]
    public var standardIncludes: [String]
    /// Every LEMS expression of the model, parsed, keyed by the location of its attribute.
    public var expressions: [SourceLocation: Expr]
    /// Data files named by `brc` elements (`file="..."`), read by the parser, keyed by the
    /// location of the `file` attribute.
    public var dataTables: [SourceLocation: [[Double]]] = [:]
    /// The NeuroML2 core library's ComponentTypes (their expressions are in `expressions`).
    public var coreTypes: [Element] = []
    /// Whether the model takes NeuroML's names for granted: one of its files is a `<neuroml>`
    /// document or names a core-type file. A LEMS model that does neither (the SBML importer's,
    /// which declares its own copy of the dimensions) owns every name it declares.
    public var readsNeuroML = true

    public init(rootFile: String, elements: [Element], files: [String], standardIncludes: [String],
                expressions: [SourceLocation: Expr] = [:]) {
        self.rootFile = rootFile
        self.elements = elements
        self.files = files
        self.standardIncludes = standardIncludes
        self.expressions = expressions
    }

    /// The parsed expression of an attribute (nil if it did not parse; the parser reported it).
    public func expression(_ a: Attribute) -> Expr? { expressions[a.location] }

    /// The table read for a `file` attribute (nil if it could not be read; the parser reported it).
    public func table(_ a: Attribute) -> [[Double]]? { dataTables[a.location] }
}
