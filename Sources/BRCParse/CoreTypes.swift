import BRCDiagnostics
import BRCSyntax
import Foundation

/// The NeuroML2 core type library (`CoreTypes/*.xml`, bundled as a package resource with its
/// licence): the LEMS ComponentTypes that define the standard elements. Read once per process.
public enum CoreTypes {
    /// The library's files, in the order their definitions are indexed.
    public static let files = [
        "NeuroMLCoreCompTypes.xml", "Channels.xml", "Synapses.xml", "Inputs.xml", "Cells.xml",
        "Networks.xml", "PyNN.xml", "Simulation.xml",
    ]

    /// Whether the file at `path` holds the same text as the bundled library file `name`
    /// (a model's unmodified copy of `Cells.xml`): the same bytes once CRLF line ends (a
    /// Windows checkout's) are LF and a UTF-8 byte-order mark is dropped. A file over 16 MiB
    /// is not compared.
    public static func isBundledCopy(_ path: String, of name: String) -> Bool {
        guard let dir = Bundle.module.url(forResource: "CoreTypes", withExtension: nil),
              let size = Loader.size(of: path), size <= 16 << 20,
              let mine = FileManager.default.contents(atPath: dir.appendingPathComponent(name).path),
              let theirs = FileManager.default.contents(atPath: path) else { return false }
        return plainText([UInt8](theirs)) == plainText([UInt8](mine))
    }

    /// `bytes` without a leading UTF-8 byte-order mark and with each CR LF written LF.
    static func plainText(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        let body = bytes.dropFirst(byteOrderMarkLength(bytes))
        for (k, b) in zip(body.indices, body) where !(b == 0x0D && k + 1 < body.endIndex && body[k + 1] == 0x0A) { out.append(b) }
        return out
    }

    /// Every `<ComponentType>` of the library, with its parsed expressions. Empty (and
    /// `problem` set) if the resource cannot be read, which is a broken installation.
    public static let library: (types: [Element], expressions: [SourceLocation: Expr], problem: String?) = {
        let sink = DiagnosticSink()
        var types: [Element] = []
        guard let dir = Bundle.module.url(forResource: "CoreTypes", withExtension: nil) else {
            return ([], [:], "the NeuroML2 core type resource (CoreTypes) is missing from the installation")
        }
        for f in files {
            let path = dir.appendingPathComponent(f).path
            guard let root = XMLReader.read(file: path, sink: sink, requestedAt: nil) else { continue }
            types += root.children.filter { $0.name == "ComponentType" }
        }
        let expressions = Expressions.collect(types, sink: sink)
        return (types, expressions, sink.hasErrors ? "the bundled core types did not read cleanly: \(sink.errors.first!.description)" : nil)
    }()
}
