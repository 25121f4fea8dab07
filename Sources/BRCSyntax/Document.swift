import BRCDiagnostics

/// A model as read from its root file and everything it includes, flattened: the top-level
/// elements of every file in include order (a `<neuroml>` or `<Lems>` root contributes its
/// children). `standardIncludes` records which NeuroML core-type files were named.
public struct Document: Sendable {
    /// The root file's path: standardised when the model was loaded from a file, as given when it
    /// was loaded from text.
    public var rootFile: String
    /// The top-level elements of every file, in include order: each `<include>` is replaced by the
    /// elements of the file it names (by nothing for a core-type file or a file read already).
    public var elements: [Element]
    /// The paths of the files read, the root first, in the order they were opened.
    public var files: [String]
    /// The include targets, as written, that name NeuroML core-type files (brcc bundles those and does
    /// not read them).
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

    /// Makes a document from its parts; the loader then adds its data tables and core types.
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
