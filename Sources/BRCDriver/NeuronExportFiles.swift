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

    /// The files (plain files and links, never folders) of `directory` that an earlier
    /// output of the same kind left, named as `generated` says, and that this one, `writing`
    /// them, does not replace: what a compiler reading the folder would otherwise take too.
    static func staleFiles(in directory: URL, writing written: [String], generated: (String) -> Bool) -> [String] {
        let names = Set(written)
        return ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).filter { old in
            var info = stat()
            return generated(old) && !names.contains(old) && lstat(directory.appendingPathComponent(old).path, &info) == 0
                && [S_IFREG, S_IFLNK].contains(info.st_mode & S_IFMT)
        }.sorted()
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

    /// A usage error if writing `written` or removing `removed` in `directory` would touch one
    /// of `modelFiles` (an export into the model's own folder would replace the model).
    /// `verb` names what writes (`export`, `compile`) in the message.
    static func refuseReplacingModelFiles(_ written: [String], removing removed: [String] = [], in directory: URL, modelFiles: [String], option: String,
                                          verb: String = "export") throws {
        let model = Set(modelFiles.map { URL(fileURLWithPath: $0).resolvingSymlinksInPath().path })
        func isModel(_ name: String) -> Bool { model.contains(directory.appendingPathComponent(name).resolvingSymlinksInPath().path) }
        if let f = written.first(where: isModel) {
            throw DriverError.usage("\(option) \(directory.path) holds the model's own file \(f), which the \(verb) would replace: \(verb) into another folder")
        }
        if let f = removed.first(where: isModel) {
            throw DriverError.usage("\(option) \(directory.path) holds the model's own file \(f), which the \(verb) would remove (as a file of an earlier \(verb)): \(verb) into another folder")
        }
    }
}
