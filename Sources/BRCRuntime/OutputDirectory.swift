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
        public var fileName: String
        public var reason: String
        public var description: String { "output file '\(fileName)' cannot be written: \(reason)" }
        public init(fileName: String, reason: String) { self.fileName = fileName; self.reason = reason }
    }

    /// The path at which `name` is written under `directory`, with its folders created.
    public static func file(_ name: String, in directory: URL) throws -> URL {
        if let why = OutputPath.problem(name) { throw Escape(fileName: name, reason: why) }
        try AtomicFile.createFolder(directory)
        guard let root = realPath(directory.path) else { throw Escape(fileName: name, reason: "the output folder \(directory.path) cannot be resolved") }
        var parts = name.split(separator: "/").map(String.init).filter { $0 != "." }
        let last = parts.removeLast()
        var current = root
        for part in parts {
            let next = current + "/" + part
            var info = stat()
            if lstat(next, &info) != 0 {
                guard mkdir(next, 0o777) == 0 || errno == EEXIST else { throw FileError(.createFolder, path: next, code: errno) }
                current = next
            } else if info.st_mode & S_IFMT == S_IFLNK {
                guard let target = realPath(next), target == root || target.hasPrefix(root + "/") else {
                    throw Escape(fileName: name, reason: "'\(part)' is a symbolic link that leads outside the output folder \(root)")
                }
                current = target
            } else {
                current = next
            }
        }
        return URL(fileURLWithPath: current + "/" + last)
    }

    private static func realPath(_ path: String) -> String? {
        guard let p = realpath(path, nil) else { return nil }
        defer { free(p) }
        return String(cString: p)
    }
}
