import BRCIR
import CBRCKernel
import Foundation

/// Records the columns of a simulation's OutputFiles every step and writes them as LEMS
/// does (time in s first, SI values, tab separated) or as NumPy `.npy` (float64, rows =
/// time points). Files are written atomically: to a temporary name, then renamed.
public final class Recorder {
    public enum Format: String, Sendable { case dat, npy }

    let outputs: [IROutputFile]
    /// rows[f] holds, per recorded time point, time (s) then the columns (SI).
    public private(set) var rows: [[Double]]

    public init(outputs: [IROutputFile]) {
        self.outputs = outputs
        rows = outputs.map { _ in [] }
    }

    public func record(_ sim: Simulator) {
        for (f, file) in outputs.enumerated() {
            rows[f].append(sim.time * 1e-3)
            for c in file.columns { rows[f].append(sim.value(population: c.population, cell: c.cell, probe: c.probe) * c.siScale) }
        }
    }

    /// The recorded table of output `index`: one row per time point.
    public func table(_ index: Int) -> [[Double]] {
        let w = outputs[index].columns.count + 1
        return stride(from: 0, to: rows[index].count, by: w).map { Array(rows[index][$0..<$0 + w]) }
    }

    /// Writes the spikes of `sim` as LEMS EventOutputFiles (times in s). Spikes of one time step
    /// are written in the order of the file's selections (not of brcc's spike-source numbering,
    /// which follows the order of the connections), so that equal networks give equal files.
    public static func writeEvents(_ files: [IREventOutputFile], spikes: [(Double, Int)], to directory: URL) throws -> [URL] {
        var written: [URL] = []
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
            let url = try OutputDirectory.file(f.fileName, in: directory)
            try AtomicFile.write(Data(s.utf8), to: url)
            written.append(url)
        }
        return written
    }

    /// Writes every output under `directory`, returning the paths written.
    public func write(to directory: URL, format: Format) throws -> [URL] {
        var written: [URL] = []
        for (f, file) in outputs.enumerated() {
            var url = try OutputDirectory.file(file.fileName, in: directory)
            if format == .npy { url = url.deletingPathExtension().appendingPathExtension("npy") }
            let data: Data
            switch format {
            case .dat: data = datText(f)
            case .npy: data = npy(f)
            }
            try AtomicFile.write(data, to: url)
            written.append(url)
        }
        return written
    }

    func datText(_ f: Int) -> Data {
        let w = outputs[f].columns.count + 1
        var out = [UInt8]()
        out.reserveCapacity(rows[f].count * 18)
        var buffer = [CChar](repeating: 0, count: 40)
        for (i, x) in rows[f].enumerated() {
            Recorder.appendScientific(x, to: &out, buffer: &buffer)
            out.append((i + 1) % w == 0 ? 0x0A : 0x09)
        }
        return Data(out)
    }

    /// Appends `x` as C's `%.10e` writes it (the same bytes as `String(format: "%.10e", x)`,
    /// without Foundation's formatter and Swift's variadic boxing, which dominated writing long
    /// recordings).
    static func appendScientific(_ x: Double, to out: inout [UInt8], buffer: inout [CChar]) {
        buffer.withUnsafeMutableBufferPointer { b in
            let n = Int(brc_format_e10(b.baseAddress, b.count, x))
            b.baseAddress!.withMemoryRebound(to: UInt8.self, capacity: b.count) { out.append(contentsOf: UnsafeBufferPointer(start: $0, count: min(n, b.count - 1))) }
        }
    }

    func npy(_ f: Int) -> Data {
        let w = outputs[f].columns.count + 1
        let n = rows[f].count / w
        var header = "{'descr': '<f8', 'fortran_order': False, 'shape': (\(n), \(w)), }"
        let total = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - total % 64) % 64) + "\n"
        var d = Data([0x93] + Array("NUMPY".utf8) + [1, 0])
        let hl = UInt16(header.utf8.count)
        d.append(contentsOf: [UInt8(hl & 0xff), UInt8(hl >> 8)])
        d.append(contentsOf: Array(header.utf8))
        rows[f].withUnsafeBufferPointer { d.append(UnsafeBufferPointer(start: UnsafeRawPointer($0.baseAddress!).assumingMemoryBound(to: UInt8.self), count: $0.count * 8)) }
        return d
    }
}
