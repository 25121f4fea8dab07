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
        return text(String(decoding: data, as: UTF8.self), maximumValues: maximumValues)
    }

    static func text(_ s: String, maximumValues: Int = maximumValues) -> Result<[[Double]], DataTable.Failure> {
        var rows: [[Double]] = []
        var valuesRead = 0
        // Line by line (a list of every line first cost 32 bytes a line more), split at line
        // feeds among the Unicode scalars: Swift reads a CRLF as one character, so a split at
        // the character "\n" would read a file with Windows line ends as one line.
        // (A byte-order mark, as spreadsheets write before UTF-8 text, is not part of the first value.)
        var rest = Substring(s).unicodeScalars, n = -1
        if rest.first == "\u{FEFF}" { rest = rest.dropFirst() }
        while !rest.isEmpty {
            n += 1
            let end = rest.firstIndex(of: "\n") ?? rest.endIndex
            let line = String(Substring.UnicodeScalarView(rest[..<end]))
            rest = end == rest.endIndex ? Substring.UnicodeScalarView() : rest[rest.index(after: end)...]
            let t = line.trimmingCharacters(in: .whitespacesAndNewlines)
            if t.isEmpty || t.hasPrefix("#") { continue }
            let fields = t.split(whereSeparator: { $0 == "," || $0 == " " || $0 == "\t" || $0 == ";" })
            let values = fields.map { Double($0) }
            if values.contains(where: { $0 == nil }) {
                if rows.isEmpty { continue }  // a header line
                return .failure(Failure(description: "line \(n + 1) is not numeric: '\(t.prefix(60))'"))
            }
            if t.contains(";") && t.contains(",") {
                // "0;0,1" is a decimal comma, not three values.
                return .failure(Failure(description: "line \(n + 1) has both ';' and ',' between its values: '\(t.prefix(60))' (decimal commas? brcc reads '.' as the decimal point)"))
            }
            if let bad = fields.indices.first(where: { !values[$0]!.isFinite }) {
                return .failure(Failure(description: "line \(n + 1) has '\(fields[bad])', which is not a finite number"))
            }
            rows.append(values.map { $0! })
            valuesRead += fields.count
            if valuesRead > maximumValues { return .failure(Failure(description: "it has more than \(maximumValues) values; brcc reads at most that many from a model's data files")) }
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
