import CBRCKernel
import Foundation

/// One recorded table written row by row through an `AtomicFile.Stream`: LEMS text (each
/// value as C's `%.10e`, tab separated, one row per line) or NumPy `.npy` format 1.0
/// (little-endian float64, C order), whose header, which states the row count, is
/// completed by `complete()`. Rows are buffered and written in pieces of about a megabyte.
final class TableFile {
    /// Where a checkpoint left a table: its kept temporary file, and how far it had come.
    struct Mark: Codable {
        var token: String
        var bytes: Int
        var rows: Int
    }

    let stream: AtomicFile.Stream
    private let format: Recorder.Format
    private let width: Int
    private var rows = 0
    /// Bytes handed to the stream so far.
    private var written = 0
    private var buffer: [UInt8] = []
    private var digits = [CChar](repeating: 0, count: 40)
    private static let flushBytes = 1 << 20

    init(_ url: URL, format: Recorder.Format, width: Int) throws {
        stream = try AtomicFile.Stream(to: url)
        self.format = format
        self.width = width
        buffer.reserveCapacity(TableFile.flushBytes + 4096)
        if format == .npy { buffer.append(contentsOf: TableFile.npyHeader(rows: 0, width: width)) }
    }

    /// Continues the table a checkpoint marked (`mark()`), cutting off what came after it.
    init(resuming url: URL, format: Recorder.Format, width: Int, mark: Mark) throws {
        stream = try AtomicFile.Stream(resuming: url, token: mark.token, length: mark.bytes)
        self.format = format
        self.width = width
        rows = mark.rows
        written = mark.bytes
        buffer.reserveCapacity(TableFile.flushBytes + 4096)
    }

    /// Writes what is buffered to the disk and says where the table stands (for a checkpoint).
    func mark() throws -> Mark {
        try flush()
        try stream.sync()
        return Mark(token: stream.token, bytes: written, rows: rows)
    }

    /// Appends one row of `width` values.
    func append(_ row: [Double]) throws {
        switch format {
        case .dat:
            for (i, x) in row.enumerated() {
                TableFile.appendScientific(x, to: &buffer, digits: &digits)
                buffer.append(i + 1 == row.count ? 0x0A : 0x09)
            }
        case .npy:
            for x in row {
                let bits = x.bitPattern.littleEndian
                withUnsafeBytes(of: bits) { buffer.append(contentsOf: $0) }
            }
        }
        rows += 1
        if buffer.count >= TableFile.flushBytes { try flush() }
    }

    /// Writes what is buffered and completes the header; the stream is then ready to be put
    /// in place (`AtomicFile.commit`).
    func complete() throws -> AtomicFile.Stream {
        try flush()
        if format == .npy { try stream.overwrite(TableFile.npyHeader(rows: rows, width: width), at: 0) }
        return stream
    }

    private func flush() throws {
        try buffer.withUnsafeBytes { try stream.write($0) }
        written += buffer.count
        buffer.removeAll(keepingCapacity: true)
    }

    /// The `.npy` magic, version and header for a table of `rows` × `width`. Its length does
    /// not depend on `rows` (the shape is padded as if it had 20 digits), so the header
    /// written before the rows can be replaced by the final one; the data start at a multiple
    /// of 64 bytes, as NumPy writes them.
    static func npyHeader(rows: Int, width: Int) -> [UInt8] {
        func text(_ n: String) -> String { "{'descr': '<f8', 'fortran_order': False, 'shape': (\(n), \(width)), }" }
        let longest = text(String(repeating: "9", count: 20)).utf8.count
        let length = (10 + longest + 1 + 63) / 64 * 64 - 10
        var header = text("\(rows)")
        header += String(repeating: " ", count: length - 1 - header.utf8.count) + "\n"
        return [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(length & 0xff), UInt8(length >> 8)] + Array(header.utf8)
    }

    /// Appends `x` as C's `%.10e` writes it (the same bytes as `String(format: "%.10e", x)`,
    /// without Foundation's formatter and Swift's variadic boxing, which dominated writing long
    /// recordings).
    static func appendScientific(_ x: Double, to out: inout [UInt8], digits: inout [CChar]) {
        digits.withUnsafeMutableBufferPointer { b in
            let n = Int(brc_format_e10(b.baseAddress, b.count, x))
            b.baseAddress!.withMemoryRebound(to: UInt8.self, capacity: b.count) { out.append(contentsOf: UnsafeBufferPointer(start: $0, count: min(n, b.count - 1))) }
        }
    }
}
