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
