import BRCIR
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Where the files a model asks for are written: always inside the output folder. The name
/// must pass `OutputPath.problem`; the folders on the way are created, and a symbolic link on
/// the way is followed only if it stays inside the output folder.
public enum OutputDirectory {
    /// A file name that would be written outside the output folder.
    public struct Escape: Error, CustomStringConvertible {
        /// The file's name relative to the output folder, e.g. an OutputFile's `fileName` or
        /// `plots/index.html`.
        public var fileName: String
        /// Why the file cannot be written there.
        public var reason: String
        public var description: String { "output file '\(fileName)' cannot be written: \(reason)" }
        /// Makes the error from its fields.
        public init(fileName: String, reason: String) { self.fileName = fileName; self.reason = reason }
    }

    /// The path at which `name` is written under `directory`, with its folders created.
    public static func file(_ name: String, in directory: URL) throws -> URL {
        if let why = OutputPath.problem(name) { throw Escape(fileName: name, reason: why) }
        try AtomicFile.createFolder(directory)
        guard let root = resolved(directory.path) else { throw Escape(fileName: name, reason: "the output folder \(directory.path) cannot be resolved") }
        var parts = OutputPath.components(OutputPath.normalized(name))
        let last = parts.removeLast()
        var current = root
        for part in parts {
            let next = current + "/" + part
            var info = stat()
            if lstat(next, &info) != 0 {
                guard mkdir(next, 0o777) == 0 || errno == EEXIST else { throw FileError(.createFolder, path: next, code: errno) }
                current = next
            } else if info.st_mode & S_IFMT == S_IFLNK {
                current = try following(next, part: part, of: name, within: root)
            } else {
                current = next
            }
        }
        return URL(fileURLWithPath: current + "/" + last)
    }

    /// Where the symbolic link `path` (the folder `part` of output `name`) leads, if that is
    /// inside `root` (a resolved path); an `Escape` if it leads out of it or nowhere. The one
    /// rule for links on an output's way, also checked before a run (`checkDestinations`).
    public static func following(_ path: String, part: String, of name: String, within root: String) throws -> String {
        guard let target = resolved(path), target == root || target.hasPrefix(root + "/") else {
            throw Escape(fileName: name, reason: "'\(part)' is a symbolic link that leads outside the output folder \(root)")
        }
        return target
    }

    /// `path` with every symbolic link resolved (`realpath`), or nil where it does not exist.
    public static func resolved(_ path: String) -> String? {
        guard let p = realpath(path, nil) else { return nil }
        defer { free(p) }
        return String(cString: p)
    }
}
