import Foundation
#if canImport(Glibc)
import Glibc
private let systemWrite = Glibc.write
#elseif canImport(Darwin)
import Darwin
private let systemWrite = Darwin.write
#endif

/// A file-system operation that failed, with the operating system's reason (an `errno`).
public struct FileError: Error, CustomStringConvertible {
    public enum Operation: Sendable {
        /// Creating a folder (or one of its parents) failed.
        case createFolder
        /// Creating a file, or renaming it into place, failed.
        case createFile
        /// Writing a file's bytes failed (e.g. the disk is full).
        case write
    }

    public var operation: Operation
    /// The folder or file that was asked for.
    public var path: String
    /// The `errno` value.
    public var code: Int32

    public init(_ operation: Operation, path: String, code: Int32) { self.operation = operation; self.path = path; self.code = code }

    /// `strerror` of the code, e.g. "Not a directory".
    public var reason: String { String(cString: strerror(code)) }

    public var description: String {
        switch operation {
        case .createFolder: return "cannot create the output folder '\(path)': \(reason)"
        case .createFile: return "cannot create the file '\(path)': \(reason)"
        case .write: return "cannot write the file '\(path)': \(reason)"
        }
    }
}

/// Files written whole or not at all: the bytes go to a temporary file in the same folder,
/// which is then renamed over the destination, so a reader never sees a half-written file and
/// a failed write leaves nothing behind. Failures throw `FileError`.
public enum AtomicFile {
    public static func write(_ data: Data, to url: URL) throws {
        let tmp = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))").path
        let fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
        guard fd >= 0 else { throw FileError(.createFile, path: url.path, code: errno) }
        var failure: Int32 = 0
        data.withUnsafeBytes { bytes in
            var done = 0
            while done < bytes.count {
                let n = systemWrite(fd, bytes.baseAddress! + done, bytes.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    return
                }
                done += n
            }
        }
        if close(fd) != 0 && failure == 0 { failure = errno }
        if failure != 0 {
            unlink(tmp)
            throw FileError(.write, path: url.path, code: failure)
        }
        guard rename(tmp, url.path) == 0 else {
            let code = errno
            unlink(tmp)
            throw FileError(.createFile, path: url.path, code: code)
        }
    }

    /// Creates the folder `url` and any missing parents (as `mkdir -p`); an existing folder is
    /// fine, an existing file in the way is `ENOTDIR`.
    public static func createFolder(_ url: URL) throws {
        let code = makeFolder(url.standardizedFileURL.path)
        guard code == 0 else { throw FileError(.createFolder, path: url.path, code: code) }
    }

    /// 0 or the `errno` of the first component that could not be made.
    static func makeFolder(_ path: String) -> Int32 {
        var st = stat()
        if stat(path, &st) == 0 { return st.st_mode & S_IFMT == S_IFDIR ? 0 : ENOTDIR }
        let parent = (path as NSString).deletingLastPathComponent
        if !parent.isEmpty && parent != path {
            let code = makeFolder(parent)
            if code != 0 { return code }
        }
        if mkdir(path, 0o777) == 0 { return 0 }
        let code = errno
        return code == EEXIST && stat(path, &st) == 0 && st.st_mode & S_IFMT == S_IFDIR ? 0 : code
    }
}
