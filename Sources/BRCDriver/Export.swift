import BRCCodeGen
import BRCDiagnostics
import BRCIR
import BRCRuntime
import Foundation

extension Driver {
    /// Writes the NEURON export of `ir` into `directory` (mod files, model.json, run.py) and
    /// returns the paths written. NEURON runs it with `nrnivmodl DIR && python3 DIR/run.py`.
    @discardableResult
    public static func exportNeuron(_ ir: IRModel, to directory: URL) throws -> [URL] {
        let files: [NeuronExport.File]
        do { files = try NeuronExport.emit(ir) } catch let e as NeuronExport.Unsupported {
            throw DriverError.usage("cannot export to NEURON: \(e.description)")
        }
        return try writingFiles {
            try AtomicFile.createFolder(directory)
            // Mechanisms of an earlier export into the same folder would be compiled too.
            let names = Set(files.map(\.name))
            for old in (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
            where old.hasPrefix("brc_") && old.hasSuffix(".mod") && !names.contains(old) {
                try? FileManager.default.removeItem(at: directory.appendingPathComponent(old))
            }
            return try files.map { f in
                let url = directory.appendingPathComponent(f.name)
                try AtomicFile.write(Data(f.text.utf8), to: url)
                return url
            }
        }
    }
}
