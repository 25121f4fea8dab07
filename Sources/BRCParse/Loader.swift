import BRCDiagnostics
import BRCSyntax
import Foundation

/// Reads a model's root file and resolves `<include href>` (NeuroML) and `<Include file>` (LEMS)
/// relative to the including file, depth first, each file once. Include cycles are errors.
/// The NeuroML2 core-type files (`Cells.xml`, `Networks.xml`, ...) name brcc's built-in
/// standard library and are not read.
public enum Loader {
    /// File names that denote the NeuroML2 standard library, implemented natively by brcc.
    public static let standardLibrary: Set<String> = [
        "NeuroML2CoreTypes.xml", "NeuroMLCoreDimensions.xml", "NeuroMLCoreCompTypes.xml", "Cells.xml",
        "Channels.xml", "Synapses.xml", "Inputs.xml", "Networks.xml", "Simulation.xml", "PyNN.xml",
    ]

    /// Deepest chain of files including each other.
    public static let maximumIncludeDepth = 64

    /// The namespace URI of brcc's extension elements.
    public static let brcNamespace = Element.brcNamespace

    /// The document of the model file at `path` with every file it includes, read once each
    /// (a cycle is `BRC-E0007`) and under the size limits; nil after diagnostics in `sink`.
    public static func load(_ path: String, sink: DiagnosticSink) -> Document? {
        var state = State()
        let root = URL(fileURLWithPath: path).standardizedFileURL.path
        guard let elements = state.loadFile(root, requestedAt: nil, sink: sink) else { return nil }
        return document(root, elements, state, sink: sink)
    }

    /// Loads a model from text (used by tests and generated overlays); includes resolve relative
    /// to `path`'s folder.
    public static func load(text: String, path: String, sink: DiagnosticSink) -> Document? {
        var state = State()
        guard let root = XMLReader.read(bytes: Array(text.utf8), path: path, sink: sink) else { return nil }
        state.enter(path)
        guard let elements = state.expand(root, file: path, sink: sink) else { return nil }
        return document(path, elements, state, sink: sink)
    }

    /// The document of a loaded root file: its expressions, data tables and the core library.
    private static func document(_ root: String, _ elements: [Element], _ state: State, sink: DiagnosticSink) -> Document {
        var doc = Document(rootFile: root, elements: elements, files: state.files, standardIncludes: state.standard,
                           expressions: Expressions.collect(elements, sink: sink))
        doc.dataTables = dataTables(elements, sink: sink)
        doc.readsNeuroML = state.neuroml || !state.standard.isEmpty
        withCoreTypes(&doc)
        return doc
    }

    /// Adds the NeuroML2 core library's ComponentTypes to a document (the standard elements'
    /// definitions, whether or not the file names `Cells.xml` etc.).
    static func withCoreTypes(_ doc: inout Document) {
        let lib = CoreTypes.library
        doc.coreTypes = lib.types
        doc.expressions.merge(lib.expressions) { mine, _ in mine }
    }

    /// The file a path names, its symbolic links resolved: the key for include cycles and for
    /// files read already (`l1/x.xml` and `l2/x.xml`, with l1 and l2 links to `.`, are one
    /// file; compared by spelling, two such links made 2^40 paths to read).
    static func identity(_ path: String) -> String { URL(fileURLWithPath: path).resolvingSymlinksInPath().path }

    /// The size in bytes of the file a path names (through its symbolic links: a link's own
    /// size is that of its target's name); nil if it cannot be read.
    static func size(of path: String) -> Int? {
        (try? FileManager.default.attributesOfItem(atPath: identity(path)))?[.size] as? Int
    }

    /// Reads the data files of `brc:matrixConnectivity` and `brc:currentFromFile`, relative
    /// to the file that names them.
    static func dataTables(_ elements: [Element], sink: DiagnosticSink) -> [SourceLocation: [[Double]]] {
        var out: [SourceLocation: [[Double]]] = [:]
        // Each file is read once however often it is named; all of them together hold at
        // most `DataTable.maximumValues` values.
        var read: [String: Result<[[Double]], DataTable.Failure>] = [:]
        var budget = DataTable.maximumValues
        func walk(_ el: Element) {
            if el.namespace == brcNamespace, ["matrixConnectivity", "currentFromFile"].contains(el.name), let a = el.attribute("file") {
                let dir = URL(fileURLWithPath: a.location.file).deletingLastPathComponent()
                let path = a.value.hasPrefix("/") ? a.value : dir.appendingPathComponent(a.value).standardizedFileURL.path
                let key = identity(path)
                let result = read[key] ?? DataTable.load(path, maximumValues: budget)
                if read[key] == nil, case .success(let t) = result { budget -= t.reduce(0) { $0 + $1.count } }
                read[key] = result
                switch result {
                case .success(let t): out[a.location] = t
                case .failure(let why):
                    sink.error("BRC-E0009", "cannot use data file '\(a.value)': \(why)", at: a.valueLocation,
                               hint: "give a .npy (float64, C order) or a CSV/whitespace table; relative paths are relative to this file")
                }
            }
            el.children.forEach(walk)
        }
        elements.forEach(walk)
        return out
    }

    private struct State {
        var files: [String] = []
        var stack: [String] = []
        /// The identities (`Loader.identity`) of the files on `stack`, and of every file read.
        var chain: [String] = []
        var read: Set<String> = []
        var standard: [String] = []
        /// Whether a file's root is `<neuroml>`.
        var neuroml = false

        mutating func loadFile(_ path: String, requestedAt: SourceLocation?, sink: DiagnosticSink) -> [Element]? {
            guard let root = XMLReader.read(file: path, sink: sink, requestedAt: requestedAt) else { return nil }
            enter(path)
            defer { stack.removeLast(); chain.removeLast() }
            return expand(root, file: path, sink: sink)
        }

        /// Records file `path` as read and as the innermost of the include chain.
        mutating func enter(_ path: String) {
            files.append(path)
            stack.append(path)
            chain.append(Loader.identity(path))
            read.insert(Loader.identity(path))
        }

        mutating func expand(_ root: Element, file: String, sink: DiagnosticSink) -> [Element]? {
            guard root.name == "neuroml" || root.name == "Lems" || root.name == "lems" else {
                sink.error("BRC-E0004", "the root element <\(root.name)> is neither <neuroml> nor <Lems>", at: root.location,
                           hint: "a model file starts with <neuroml xmlns=\"http://www.neuroml.org/schema/neuroml2\"> or <Lems>")
                return nil
            }
            if root.name == "neuroml" { neuroml = true }
            var out: [Element] = []
            let dir = URL(fileURLWithPath: file).deletingLastPathComponent()
            for el in root.children {
                // (An XInclude `<xi:include>` is not NeuroML's include: it stays, as an unknown element.)
                guard el.name == "include" || el.name == "Include", el.namespace != "http://www.w3.org/2001/XInclude" else { out.append(el); continue }
                let attrName = el.name == "include" ? "href" : "file"
                guard let target = el[attrName], !target.isEmpty else {
                    sink.error("BRC-E0005", "<\(el.name)> needs a '\(attrName)' attribute", at: el.location,
                               hint: "write <\(el.name) \(attrName)=\"other_file.nml\"/>")
                    continue
                }
                let loc = el.attribute(attrName)!.location
                let fileName = URL(fileURLWithPath: target).lastPathComponent
                if Loader.standardLibrary.contains(fileName) {
                    standard.append(target)
                    // jNeuroML reads a copy next to the model first; brcc never does, so say
                    // when that copy is not the library's own (a model's modified Cells.xml).
                    let local = (target.hasPrefix("/") ? URL(fileURLWithPath: target) : dir.appendingPathComponent(target)).standardizedFileURL.path
                    if !target.contains("://"), FileManager.default.fileExists(atPath: local), !CoreTypes.isBundledCopy(local, of: fileName) {
                        sink.warning("BRC-W0008", "'\(target)' names the NeuroML2 core types, which brcc bundles; the file '\(local)' differs from them and is not read", at: loc,
                                     hint: "brcc simulates the standard types with its own definitions (jNeuroML would read this file instead); remove the copy or give its own types other names")
                    }
                    continue
                }
                if target.contains("://") {
                    sink.error("BRC-E0006", "include of a URL '\(target)' is not allowed", at: loc,
                               hint: "brcc reads local files only; download the file and include it by path")
                    continue
                }
                let full = (target.hasPrefix("/") ? URL(fileURLWithPath: target) : dir.appendingPathComponent(target)).standardizedFileURL.path
                let id = Loader.identity(full)
                if let i = chain.firstIndex(of: id) {
                    let cycle = (stack[i...] + [full]).map { URL(fileURLWithPath: $0).lastPathComponent }.joined(separator: " -> ")
                    sink.error("BRC-E0007", "include cycle: \(cycle)", at: loc,
                               hint: "remove one of the includes; each file may be included from only one place in a chain")
                    continue
                }
                if read.contains(id) { continue }
                guard stack.count < Loader.maximumIncludeDepth else {
                    sink.error("BRC-E0007", "includes nest more than \(Loader.maximumIncludeDepth) files deep", at: loc,
                               hint: "include the files from one top-level file instead of a chain")
                    continue
                }
                guard FileManager.default.fileExists(atPath: full) else {
                    sink.error("BRC-E0008", "included file '\(target)' not found (looked for \(full))", at: loc,
                               hint: "relative paths in includes are relative to the including file")
                    continue
                }
                if let sub = loadFile(full, requestedAt: loc, sink: sink) { out.append(contentsOf: sub) }
            }
            return out
        }
    }
}
