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
        let file = try Stream(to: url)
        try data.withUnsafeBytes { try file.write($0) }
        try file.commit()
    }

    /// The temporary files of the streams not yet committed or dropped, so that a process
    /// stopped by a signal can remove them (`removeTemporariesAndExit`).
    private static let pending = PendingTemporaries()

    /// Removes the temporary files of every stream not yet committed, and then ends the process
    /// with `status` (without running exit handlers, so no other thread writes on): what a
    /// command does when it is interrupted (SIGINT, SIGTERM, SIGHUP), so that a stopped run
    /// leaves no partial files behind, as a failed one does not.
    public static func removeTemporariesAndExit(_ status: Int32) -> Never {
        pending.removeAllAndExit(status)
    }

    /// A lock-protected set of temporary paths.
    final class PendingTemporaries: @unchecked Sendable {
        private let lock = NSLock()
        private var paths: Set<String> = []
        func insert(_ path: String) { lock.lock(); paths.insert(path); lock.unlock() }
        func remove(_ path: String) { lock.lock(); paths.remove(path); lock.unlock() }
        func removeAllAndExit(_ status: Int32) -> Never {
            lock.lock()  // held until the end: no stream is created, committed or dropped meanwhile
            for path in paths { unlink(path) }
            _exit(status)
        }
    }

    /// A file written piece by piece (a long recording), then put in place whole by `commit()`.
    /// Until then its bytes are in a hidden temporary file next to the destination; a stream
    /// dropped without `commit()` (the run failed) removes it, and so does an interrupted
    /// command (`removeTemporariesAndExit`).
    public final class Stream {
        /// The destination.
        public let url: URL
        private let temporary: String
        private var fd: Int32

        /// Creates the temporary file for `url` (whose folder must exist).
        public init(to url: URL) throws {
            self.url = url
            temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))").path
            fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
            guard fd >= 0 else { throw FileError(.createFile, path: url.path, code: errno) }
            AtomicFile.pending.insert(temporary)
        }

        /// Appends `bytes`.
        public func write(_ bytes: UnsafeRawBufferPointer) throws {
            var done = 0
            while done < bytes.count {
                let n = systemWrite(fd, bytes.baseAddress! + done, bytes.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw failed(.write, code: errno)
                }
                done += n
            }
        }

        /// Overwrites bytes already written, from `offset` (a header completed at the end).
        public func overwrite(_ bytes: [UInt8], at offset: Int) throws {
            guard lseek(fd, off_t(offset), SEEK_SET) >= 0 else { throw failed(.write, code: errno) }
            try bytes.withUnsafeBytes { try write($0) }
            guard lseek(fd, 0, SEEK_END) >= 0 else { throw failed(.write, code: errno) }
        }

        /// Closes the file and renames it over the destination.
        public func commit() throws {
            let code = close(fd) == 0 ? 0 : errno
            fd = -1
            if code != 0 { throw failed(.write, code: code) }
            guard rename(temporary, url.path) == 0 else { throw failed(.createFile, code: errno) }
            AtomicFile.pending.remove(temporary)
        }

        /// Removes the temporary file and returns the error to throw.
        private func failed(_ operation: FileError.Operation, code: Int32) -> FileError {
            if fd >= 0 { close(fd); fd = -1 }
            unlink(temporary)
            AtomicFile.pending.remove(temporary)
            return FileError(operation, path: url.path, code: code)
        }

        deinit {
            if fd >= 0 {
                close(fd)
                unlink(temporary)
                AtomicFile.pending.remove(temporary)
            }
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
