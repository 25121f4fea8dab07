import BRCIR
import Foundation

/// Records the columns of a simulation's OutputFiles every step: either into memory (tests,
/// plots) or straight into the files, written as LEMS does (time in s first, SI values, tab
/// separated) or as NumPy `.npy` (float64, rows = time points). Files are streamed to a
/// temporary name as the run goes, so a long recording needs no more memory than a short one,
/// and completed by `complete()`, then put in place with the run's other files (`SimulationRun.commit`); a run that fails leaves no files behind.
public final class Recorder {
    /// The outputs' file format: LEMS text (`.dat`) or NumPy arrays (`.npy`).
    public enum Format: String, Sendable {
        case dat, npy

        /// The name a model's output file `fileName` is written under in this format: NumPy
        /// files replace the extension (`x.dat` is written as `x.npy`).
        public func fileName(_ fileName: String) -> String {
            self == .npy ? (fileName as NSString).deletingPathExtension + ".npy" : fileName
        }
    }

    let outputs: [IROutputFile]
    /// In memory: rows[f] holds, per kept time point, time (s) then the columns (SI).
    private var rows: [[Double]]
    /// In memory: the last time point of each output not kept by `keepEvery` (so `table`
    /// can end with the run's last time point).
    private var last: [[Double]]
    private let keepEvery: Int
    private var recorded = 0
    /// Streaming: one open table file per output.
    private var files: [TableFile] = []
    private var row: [Double] = []
    /// The columns' readers, per output, and the simulator they read.
    private var readers: [[(() -> Double, Double)]] = []
    private weak var readerOwner: Simulator?
    /// Whether the last time point was skipped by thinning (in memory).
    private var skippedLast = false

    /// A recorder that keeps its rows in memory: every `keepEvery`-th time point (the first
    /// included) and the last one (given to `complete`). `keepEvery` above 1 thins a long run for
    /// plotting.
    public init(outputs: [IROutputFile], keepEvery: Int = 1) {
        self.outputs = outputs
        self.keepEvery = max(keepEvery, 1)
        rows = outputs.map { _ in [] }
        last = outputs.map { _ in [] }
    }

    /// A recorder that writes every time point to the outputs' files under `directory`
    /// (confined to it, see `OutputDirectory`), in `format`. Nothing is kept in memory. With
    /// `resuming`, the files continue from where that snapshot of a recorder of the same
    /// outputs left them (their kept temporary files, cut back to the snapshot).
    public init(outputs: [IROutputFile], writingTo directory: URL, format: Format, resuming: Snapshot? = nil) throws {
        self.outputs = outputs
        keepEvery = 1
        rows = []
        last = []
        if let resuming, resuming.files.count != outputs.count || resuming.files.contains(where: { $0.rows < 0 }) || resuming.recorded < 0 {
            throw CheckpointError(description: "the checkpoint's recording has other output files")
        }
        for (k, file) in outputs.enumerated() {
            let url = try Recorder.url(of: file, in: directory, format: format)
            let width = file.columns.count + 1
            files.append(try resuming.map { try TableFile(resuming: url, format: format, width: width, mark: $0.files[k]) } ?? TableFile(url, format: format, width: width))
        }
        if let resuming { recorded = resuming.recorded }
    }

    /// Where `file` is written under `directory` in `format` (its folders created).
    public static func url(of file: IROutputFile, in directory: URL, format: Format) throws -> URL {
        if let why = OutputPath.problem(file.fileName) { throw OutputDirectory.Escape(fileName: file.fileName, reason: why) }
        return try OutputDirectory.file(format.fileName(file.fileName), in: directory)
    }

    /// Where a recorder stands, for a run checkpoint: its files' marks (streaming) or its rows
    /// (in memory).
    public struct Snapshot: Codable {
        var recorded: Int
        var skippedLast: Bool
        var rows: [[Double]]
        var last: [[Double]]
        var files: [TableFile.Mark]
    }

    /// The recorder's present state; a streaming recorder's buffered rows are written and
    /// synced to the disk first.
    public func snapshot() throws -> Snapshot {
        Snapshot(recorded: recorded, skippedLast: skippedLast, rows: rows, last: last, files: try files.map { try $0.mark() })
    }

    /// Continues an in-memory recorder of the same outputs from `s`.
    public func restore(_ s: Snapshot) throws {
        guard files.isEmpty, s.files.isEmpty, s.rows.count == outputs.count, s.last.count == outputs.count,
              zip(s.rows, outputs).allSatisfy({ $0.count % ($1.columns.count + 1) == 0 }) else {
            throw CheckpointError(description: "the checkpoint's in-memory recording has other columns")
        }
        recorded = s.recorded
        skippedLast = s.skippedLast
        rows = s.rows
        last = s.last
    }

    /// The streams of a streaming recorder's files (for a checkpoint to keep).
    public var streams: [AtomicFile.Stream] { files.map(\.stream) }

    /// Removes a streaming recorder's files, kept or not (the run is abandoned).
    public func discard() {
        for f in files { f.stream.discard() }
    }

    /// Records the current time point of `sim`. An in-memory recorder that thins skips the
    /// time points it does not keep; `complete` records the last one.
    public func record(_ sim: Simulator) throws {
        defer { recorded += 1 }
        if files.isEmpty && recorded % keepEvery != 0 {
            skippedLast = true
            return
        }
        skippedLast = false
        for f in outputs.indices {
            fill(f, from: sim)
            if files.isEmpty { rows[f].append(contentsOf: row) } else { try files[f].append(row) }
        }
    }

    /// Records the last time point of a run into an in-memory recorder when `record` skipped
    /// it (so that `table` ends with the run's last time point); nothing otherwise.
    public func complete(_ sim: Simulator) {
        guard files.isEmpty && skippedLast else { return }
        for f in outputs.indices {
            fill(f, from: sim)
            last[f] = row
        }
        skippedLast = false
    }

    /// `row` := the time (s) and output `f`'s columns (SI) of `sim` now. The columns' readers
    /// are resolved on the first time point of a simulator (`Simulator.reader`).
    private func fill(_ f: Int, from sim: Simulator) {
        if readerOwner !== sim {
            readers = outputs.map { $0.columns.map { c in (sim.reader(population: c.population, cell: c.cell, probe: c.probe), c.siScale) } }
            readerOwner = sim
        }
        row.removeAll(keepingCapacity: true)
        row.append(sim.time * 1e-3)
        for (read, scale) in readers[f] { row.append(read() * scale) }
    }

    /// The recorded table of output `index`: one row per kept time point. Only an in-memory
    /// recorder has one; a streaming recorder's rows are in its files.
    public func table(_ index: Int) -> [[Double]] {
        precondition(files.isEmpty, "a streaming Recorder keeps no rows; read its files")
        let w = outputs[index].columns.count + 1
        var table = stride(from: 0, to: rows[index].count, by: w).map { Array(rows[index][$0..<$0 + w]) }
        if !last[index].isEmpty { table.append(last[index]) }
        return table
    }

    /// Completes the files of a streaming recorder and returns their streams, to be put in
    /// place with the run's other files (`AtomicFile.commit`); an in-memory recorder has none.
    public func complete() throws -> [AtomicFile.Stream] {
        try files.map { try $0.complete() }
    }

    /// Writes the spikes of `sim` as LEMS EventOutputFiles (times in s), as streams to be put
    /// in place with the run's other files (`AtomicFile.commit`). Spikes of one time step
    /// are written in the order of the file's selections (not of brcc's spike-source numbering,
    /// which follows the order of the connections), so that equal networks give equal files.
    public static func prepareEvents(_ files: [IREventOutputFile], spikes: [(Double, Int)], to directory: URL) throws -> [AtomicFile.Stream] {
        var written: [AtomicFile.Stream] = []
        for f in files {
            var labels: [Int: [String]] = [:]
            var rank: [Int: Int] = [:]
            for (k, (id, src)) in zip(f.ids, f.sources).enumerated() {
                labels[src, default: []].append(id)
                if rank[src] == nil { rank[src] = k }
            }
            var ordered: [(Double, Int)] = []
            ordered.reserveCapacity(spikes.count)
            var start = 0
            while start < spikes.count {
                var end = start + 1
                while end < spikes.count, spikes[end].0 == spikes[start].0 { end += 1 }
                let step = spikes[start..<end].enumerated().sorted { a, b in
                    let ra = rank[a.element.1] ?? Int.max, rb = rank[b.element.1] ?? Int.max
                    return ra != rb ? ra < rb : a.offset < b.offset
                }
                ordered.append(contentsOf: step.map(\.element))
                start = end
            }
            var s = ""
            for (t, src) in ordered {
                for id in labels[src] ?? [] {
                    let time = String(format: "%.10e", t * 1e-3)
                    s += f.format == .idTime ? "\(id)\t\(time)\n" : "\(time)\t\(id)\n"
                }
            }
            written.append(try AtomicFile.prepare(Data(s.utf8), to: try OutputDirectory.file(f.fileName, in: directory)))
        }
        return written
    }
}
