import BRCCodeGen
import BRCDiagnostics
import BRCIR
import BRCRuntime
import Foundation

extension Driver {
    /// Writes the NEURON export of `ir` into `directory` (mod files, model.json, run.py) and
    /// returns the paths written. NEURON runs it with `nrnivmodl DIR && python3 DIR/run.py`.
    /// `modelFiles` (the model's own files, `Document.files`) are never replaced or removed: a
    /// folder that holds one the export would write or clear away is a usage error.
    @discardableResult
    public static func exportNeuron(_ ir: IRModel, modelFiles: [String] = [], to directory: URL) throws -> [URL] {
        let files: [NeuronExport.File]
        do { files = try NeuronExport.emit(ir) } catch let e as NeuronExport.Unsupported {
            throw DriverError.usage("cannot export to NEURON: \(e.description)")
        }
        // Mechanisms of an earlier export into the same folder would be compiled too: its
        // brc_*.mod files that this export does not write go.
        let stale = staleFiles(in: directory, writing: files.map(\.name)) { $0.hasPrefix("brc_") && $0.hasSuffix(".mod") }
        try refuseReplacingModelFiles(files.map(\.name), removing: stale, in: directory, modelFiles: modelFiles, option: "--neuron")
        let urls = try writeTogether(files.map { ($0.name, $0.text) }, in: directory)
        for old in stale { try removeIfPresent(directory.appendingPathComponent(old), of: "an earlier NEURON export") }
        return urls
    }

    /// Writes an export's files into `directory` all together or none of them: each to a
    /// temporary file first, then all put in place (`AtomicFile.commit`), so that a failure
    /// (a full disk, a name the file system refuses) leaves no export that includes a file
    /// that is missing.
    static func writeTogether(_ files: [(name: String, text: String)], in directory: URL) throws -> [URL] {
        try writingFiles {
            try AtomicFile.createFolder(directory)
            let streams = try files.map { try AtomicFile.prepare(Data($0.text.utf8), to: directory.appendingPathComponent($0.name)) }
            try AtomicFile.commit(streams, removingCheckpoint: nil)
            return streams.map(\.url)
        }
    }
}
