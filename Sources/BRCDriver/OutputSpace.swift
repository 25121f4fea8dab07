import BRCIR
import BRCRuntime
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Driver {
    /// Bytes the OutputFiles of `sim` take in `format`, at most: one row per step and the first,
    /// the time and each column `%.10e` (18 bytes with a sign and its separator) in text, 8
    /// bytes in `.npy`.
    /// Event files and plots are left out (their size depends on the run).
    public static func outputBytes(_ sim: IRSimulation, format: Recorder.Format) -> Double {
        let rows = Double(outputRows(sim))
        let values = Double(sim.outputs.reduce(0) { $0 + $1.columns.count + (format == .dat ? 1 : 0) })
        return rows * values * (format == .dat ? 18 : 8)
    }

    /// The rows of an OutputFile of `sim`: one per step and the first.
    static func outputRows(_ sim: IRSimulation) -> Int { Int((sim.duration / sim.dt).rounded()) + 1 }

    /// The files a run of `sim` puts in place, relative to its output folder, as `format`
    /// names them: OutputFiles, EventOutputFiles and, with `plots`, the plots' index.
    static func outputNames(_ sim: IRSimulation, format: Recorder.Format, plots: Bool) -> [String] {
        sim.outputs.map { format.fileName($0.fileName) } + sim.eventOutputs.map(\.fileName) + (plots ? ["plots/index.html"] : [])
    }

    /// Makes room for a run's open files: every OutputFile and EventOutputFile stays open while
    /// the run goes on. Raises the soft limit on open files towards the hard one if it is too
    /// low, and refuses the run before it simulates (exit 73) if even that is too low (1,100
    /// OutputFiles under the usual 1,024 failed after compiling, at the first file).
    static func reserveOpenFiles(_ sim: IRSimulation) throws {
        let needed = rlim_t(sim.outputs.count + sim.eventOutputs.count + 64)  // (+ the library, the checkpoint, standard streams)
        var limit = rlimit()
        guard getrlimit(openFilesResource, &limit) == 0, limit.rlim_cur < needed else { return }
        let raised = min(needed, limit.rlim_max)
        var wanted = limit
        wanted.rlim_cur = raised
        if setrlimit(openFilesResource, &wanted) == 0, raised >= needed { return }
        throw DriverError.cannotCreate("the simulation writes \(sim.outputs.count + sim.eventOutputs.count) files at once, more than this process may keep open "
                                       + "(ulimit -n: \(limit.rlim_cur), at most \(limit.rlim_max)): raise the limit, or record the columns in fewer OutputFiles")
    }

    /// `RLIMIT_NOFILE` as `getrlimit` takes it (an enum on Glibc, an Int32 on Darwin).
    #if os(Linux)
    static let openFilesResource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
    #else
    static let openFilesResource = RLIMIT_NOFILE
    #endif

    /// Refuses a run whose outputs would not fit on the file system of `outDir` (exit 74), before
    /// it simulates: a one-cell model of 1e9 steps would write 34 GB of text (the security audit).
    static func checkSpace(_ sim: IRSimulation, format: Recorder.Format, in outDir: URL) throws {
        guard let free = (try? FileManager.default.attributesOfFileSystem(forPath: outDir.path))?[.systemFreeSize] as? NSNumber else { return }
        let need = outputBytes(sim, format: format), have = free.doubleValue
        guard need > have else { return }
        /// Bytes in the unit that shows them (a small file system's 1.5 MB read "0.00 GB").
        func size(_ b: Double) -> String {
            let (scale, unit) = b >= 1e9 ? (1e9, "GB") : b >= 1e6 ? (1e6, "MB") : (1e3, "kB")
            return String(format: "%.2f ", b / scale) + unit
        }
        throw DriverError.io("the OutputFiles would take about \(size(need)) (\(sim.outputs.count) file(s), \(outputRows(sim)) rows); '\(outDir.path)' has \(size(have)) free. Record fewer columns or a shorter run, or choose another --out")
    }

    /// Refuses, before compiling and simulating (exit 73), a run whose files cannot be put in
    /// place: a folder where one of them goes, or a file where one of their folders goes (the
    /// CLI audit's `plots` file was found only after the whole simulation).
    /// A folder on the way that is a symbolic link leading out of `outDir` is refused too
    /// (BRC-E0506, exit 65, as writing through it would be; it was found only when the plots
    /// were written, after the simulation).
    /// An output that would replace one of `modelFiles` (the model's own files: an OutputFile
    /// named as the model or an include, with `--out` the model's folder) is a usage error
    /// (`refuseReplacingModelFiles`, as for the exports).
    static func checkDestinations(_ sim: IRSimulation, format: Recorder.Format, plots: Bool, in outDir: URL, modelFiles: [String] = []) throws {
        let root = OutputDirectory.resolved(outDir.path) ?? outDir.resolvingSymlinksInPath().path
        let names = outputNames(sim, format: format, plots: plots)
        try refuseReplacingModelFiles(names.map { OutputPath.components(OutputPath.normalized($0)).joined(separator: "/") },
                                      in: outDir, modelFiles: modelFiles, option: "--out", verb: "run")
        for name in names {
            let parts = OutputPath.components(OutputPath.normalized(name))
            var path = outDir.path
            for (k, part) in parts.enumerated() {
                path += "/" + part
                var info = stat()
                guard lstat(path, &info) == 0 else { break }
                let kind = info.st_mode & S_IFMT, last = k == parts.count - 1
                if last && kind == S_IFDIR { throw DriverError.cannotCreate(FileError(.createFile, path: path, code: EISDIR).description) }
                if !last && kind != S_IFDIR && kind != S_IFLNK { throw DriverError.cannotCreate(FileError(.createFolder, path: path, code: ENOTDIR).description) }
                if !last && kind == S_IFLNK {
                    do { _ = try OutputDirectory.following(path, part: part, of: name, within: root) } catch let e as OutputDirectory.Escape { throw escaping(e, outDir: outDir) }
                }
            }
        }
    }

    /// The model error of an output that would be written outside `--out` (exit 65).
    static func escaping(_ e: OutputDirectory.Escape, outDir: URL?) -> DriverError {
        DriverError.model([.error("BRC-E0506", e.description, at: .builtin("--out \(outDir?.path ?? "")"),
                                  hint: "remove the symbolic link from the output folder, or choose another --out")])
    }

    /// Removes the temporary files that runs killed outright left beside this run's outputs
    /// (`AtomicFile.removeOrphans`), unless a checkpoint in `outDir` may refer to them. The
    /// folders are the outputs' own, as `OutputDirectory.file` confines them to `outDir` (one
    /// that a symbolic link leads out of is left alone).
    static func removeOrphans(_ sim: IRSimulation, format: Recorder.Format, plots: Bool, in outDir: URL) {
        guard !FileManager.default.fileExists(atPath: outDir.appendingPathComponent(runCheckpointName).path) else { return }
        let folders = Set(outputNames(sim, format: format, plots: plots).compactMap { try? OutputDirectory.file($0, in: outDir).deletingLastPathComponent().standardizedFileURL })
        for folder in folders { AtomicFile.removeOrphans(in: folder) }
    }

    /// Removes the file at `url` if there is one (true if there was); an I/O error naming it
    /// as `owner`'s file if it cannot be removed.
    @discardableResult
    static func removeIfPresent(_ url: URL, of owner: String) throws -> Bool {
        if unlink(url.path) == 0 { return true }
        guard errno == ENOENT else { throw DriverError.io("cannot remove \(owner)'s \(url.path): \(String(cString: strerror(errno)))") }
        return false
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

    /// A usage error if writing `written` or removing `removed` in `directory` would touch one
    /// of `modelFiles` (an export into the model's own folder would replace the model).
    /// `verb` names what writes (`export`, `compile`, `run`) in the message.
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
