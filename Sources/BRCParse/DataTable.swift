import Foundation

/// Numeric tables read from `.npy` (NumPy format 1.0/2.0, little-endian float64, float32,
/// int32 or int64, C order, 1-D or 2-D) or from text (CSV or whitespace separated, `#`
/// comments, an optional header line). A 1-D array is one column. Every value must be finite.
public enum DataTable {
    /// Why a table could not be read.
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Largest data file read (a connection matrix of 5,000 x 5,000 float64 is 200 MB).
    public static let maximumBytes = 256 << 20
    /// Most values read from one model's data files together (a matrix of 5,000 x 5,000 is 25
    /// million). Each row is an array, so a file of one value per line costs about 40 bytes a
    /// value in memory: a 200 MiB CSV of 100 million lines took 9.4 GB (the security audit).
    public static let maximumValues = 30_000_000

    /// The rows of the table at `path` (`.npy`, or CSV or whitespace-separated text), or why it
    /// cannot be read (too large, not numeric, ragged, not finite).
    public static func load(_ path: String, maximumValues: Int = maximumValues) -> Result<[[Double]], DataTable.Failure> {
        if let size = Loader.size(of: path), size > maximumBytes {
            return .failure(Failure(description: "it is \(size >> 20) MiB; brcc reads data files of at most \(maximumBytes >> 20) MiB"))
        }
        guard let data = FileManager.default.contents(atPath: path) else { return .failure(Failure(description: "cannot read '\(path)'")) }
        if path.hasSuffix(".npy") { return npy(data, maximumValues: maximumValues) }
        // Each line holds a value at least: count them before reading any (a 200 MiB file of
        // 100 million lines took minutes to parse only to be refused).
        let lines = data.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
        guard lines <= maximumValues else {
            return .failure(Failure(description: "it has \(lines) lines; brcc reads at most \(maximumValues) values from a model's data files"))
        }
        return text([UInt8](data), maximumValues: maximumValues)
    }

    /// The rows of a text table. It is read as bytes: lines end at line feeds (a carriage return
    /// before one is part of the line end, so CRLF files read as LF ones), a UTF-8 byte-order
    /// mark is skipped, and values are separated by commas, spaces, tabs or semicolons.
    /// Blank lines, `#` comments and non-numeric lines before the first row (a header) are
    /// skipped; anything else that is not a number is refused with its line. (Read as Swift
    /// Characters before: a CRLF is one Character, so such a file was one line, and a file of
    /// one 200 MB line took 229 s to refuse.)
    static func text(_ bytes: [UInt8], maximumValues: Int = maximumValues) -> Result<[[Double]], DataTable.Failure> {
        func isSeparator(_ b: UInt8) -> Bool { b == 0x2C || b == 0x20 || b == 0x09 || b == 0x3B }  // , space tab ;
        func isBlank(_ b: UInt8) -> Bool { b == 0x20 || (0x09...0x0D).contains(b) }
        func string(_ r: Range<Int>) -> String { String(decoding: bytes[r], as: UTF8.self) }
        var rows: [[Double]] = []
        var valuesRead = 0
        var next = byteOrderMarkLength(bytes), n = -1
        while next < bytes.count {
            n += 1
            let end = bytes[next...].firstIndex(of: 0x0A) ?? bytes.count
            var lo = next, hi = end
            next = end + 1
            while lo < hi && isBlank(bytes[lo]) { lo += 1 }
            while hi > lo && isBlank(bytes[hi - 1]) { hi -= 1 }
            if lo == hi || bytes[lo] == 0x23 { continue }  // blank, or a # comment
            let shown = { "'" + string(lo..<min(hi, lo + 60)) + "'" }
            // At most the values still allowed: a file of one long line (no line feeds for the
            // count in `load`) is refused before it becomes hundreds of millions of fields.
            let budget = maximumValues - valuesRead
            var fields: [Range<Int>] = []
            var i = lo
            while i < hi {
                while i < hi && isSeparator(bytes[i]) { i += 1 }
                guard i < hi else { break }
                let first = i
                while i < hi && !isSeparator(bytes[i]) { i += 1 }
                fields.append(first..<i)
                if fields.count > budget { return .failure(Failure(description: "it has more than \(maximumValues) values; brcc reads at most that many from a model's data files")) }
            }
            let values = fields.map { Double(string($0)) }
            if values.contains(where: { $0 == nil }) {
                if rows.isEmpty { continue }  // a header line
                return .failure(Failure(description: "line \(n + 1) is not numeric: \(shown())"))
            }
            if bytes[lo..<hi].contains(0x2C), let other = [UInt8(0x3B), 0x09].first(where: bytes[lo..<hi].contains) {
                // "0;0,1" and "0<tab>0,1" are decimal commas, not three values.
                return .failure(Failure(description: "line \(n + 1) has both '\(other == 0x3B ? ";" : "\\t")' and ',' between its values: \(shown()) (decimal commas? brcc reads '.' as the decimal point)"))
            }
            if let bad = fields.indices.first(where: { !values[$0]!.isFinite }) {
                return .failure(Failure(description: "line \(n + 1) has '\(string(fields[bad]))', which is not a finite number"))
            }
            rows.append(values.map { $0! })
            valuesRead += fields.count
        }
        guard let w = rows.first?.count, rows.allSatisfy({ $0.count == w }) else {
            return .failure(Failure(description: rows.isEmpty ? "no numeric rows" : "rows have different numbers of columns"))
        }
        return .success(rows)
    }

    static func npy(_ d: Data, maximumValues: Int = maximumValues) -> Result<[[Double]], DataTable.Failure> {
        let b = [UInt8](d)
        guard b.count >= 10, b[0] == 0x93, String(decoding: b[1..<6], as: UTF8.self) == "NUMPY" else { return .failure(Failure(description: "not a .npy file")) }
        let major = b[6]
        guard (1...3).contains(major) else { return .failure(Failure(description: "unsupported .npy format version \(major)")) }
        let start = major == 1 ? 10 : 12
        guard b.count >= start else { return .failure(Failure(description: "truncated .npy header")) }
        let headerLength = major == 1 ? Int(b[8]) | Int(b[9]) << 8 : Int(b[8]) | Int(b[9]) << 8 | Int(b[10]) << 16 | Int(b[11]) << 24
        guard b.count >= start + headerLength else { return .failure(Failure(description: "truncated .npy header")) }
        let header = String(decoding: b[start..<start + headerLength], as: UTF8.self)
        func field(_ key: String) -> String? {
            guard let r = header.range(of: "'\(key)':") else { return nil }
            return String(header[r.upperBound...]).trimmingCharacters(in: .whitespaces)
        }
        guard let descr = field("descr"), let shapeText = field("shape") else { return .failure(Failure(description: "malformed .npy header")) }
        if field("fortran_order")?.hasPrefix("True") == true { return .failure(Failure(description: "Fortran-ordered .npy arrays are not supported; save with order='C'")) }
        let type = descr.split(separator: "'").first.map(String.init) ?? ""
        let sizes: [String: Int] = ["<f8": 8, "<f4": 4, "<i8": 8, "<i4": 4]
        guard let size = sizes[type] else { return .failure(Failure(description: "unsupported .npy dtype \(type); use float64")) }
        guard let open = shapeText.firstIndex(of: "("), let close = shapeText.firstIndex(of: ")") else { return .failure(Failure(description: "malformed .npy shape")) }
        let dims = shapeText[shapeText.index(after: open)..<close].split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard dims.count == 1 || dims.count == 2 else { return .failure(Failure(description: "a .npy table must be 1-D or 2-D, this one has \(dims.count) dimensions")) }
        let rows = dims[0], cols = dims.count == 2 ? dims[1] : 1
        let body = start + headerLength
        // The shape is read from the file: it may be negative or overflow once multiplied.
        let (cells, o1) = rows.multipliedReportingOverflow(by: cols), (bytes, o2) = cells.multipliedReportingOverflow(by: size)
        guard rows >= 0, cols >= 0, !o1, !o2, bytes <= b.count - body else {
            return .failure(Failure(description: "the .npy shape \(dims) does not match its \(b.count - body) bytes of data"))
        }
        // An empty table has nothing to read (and a shape such as (1e12, 0) would pass the size
        // check above with a trillion empty rows).
        guard rows > 0, cols > 0 else { return .failure(Failure(description: "the .npy table is empty (shape \(dims)): no numeric rows")) }
        guard cells <= maximumValues else { return .failure(Failure(description: "it has \(cells) values; brcc reads at most \(maximumValues) from a model's data files")) }
        func value(_ i: Int) -> Double {
            let o = body + i * size
            var u: UInt64 = 0
            for k in 0..<size { u |= UInt64(b[o + k]) << (8 * UInt64(k)) }
            switch type {
            case "<f8": return Double(bitPattern: u)
            case "<f4": return Double(Float(bitPattern: UInt32(u)))
            case "<i8": return Double(Int64(bitPattern: u))
            default: return Double(Int32(bitPattern: UInt32(u)))
            }
        }
        let table = (0..<rows).map { r in (0..<cols).map { value(r * cols + $0) } }
        for (r, row) in table.enumerated() {
            if let c = row.firstIndex(where: { !$0.isFinite }) {
                return .failure(Failure(description: "the value at row \(r), column \(c) is \(row[c]), not a finite number"))
            }
        }
        return .success(table)
    }
}
