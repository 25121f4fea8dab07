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
    /// Which operation failed.
    public enum Operation: Sendable {
        /// Creating a folder (or one of its parents) failed.
        case createFolder
        /// Creating a file, or renaming it into place, failed.
        case createFile
        /// Writing a file's bytes failed (e.g. the disk is full).
        case write
    }

    /// The operation that failed; it decides the message and the CLI's exit code (73 or 74).
    public var operation: Operation
    /// The folder or file that was asked for.
    public var path: String
    /// The `errno` value.
    public var code: Int32

    /// Makes the error from the operation, the path and the `errno` value.
    public init(_ operation: Operation, path: String, code: Int32) { self.operation = operation; self.path = path; self.code = code }

    /// `strerror` of the code, e.g. "Not a directory".
    public var reason: String { String(cString: strerror(code)) }

    public var description: String {
        switch operation {
        case .createFolder: return "cannot create the folder '\(path)': \(reason)"
        case .createFile: return "cannot create the file '\(path)': \(reason)"
        case .write: return "cannot write the file '\(path)': \(reason)"
        }
    }
}

/// Files written whole or not at all: the bytes go to a temporary file in the same folder,
/// which is then renamed over the destination, so a reader never sees a half-written file and
/// a failed write leaves nothing behind. Failures throw `FileError`.
public enum AtomicFile {
    /// Writes `data` to `url` whole: to a temporary file beside it, then renamed into place.
    public static func write(_ data: Data, to url: URL) throws {
        try prepare(data, to: url).commit()
    }

    /// Writes `data` to a stream for `url`, not yet put in place: `commit(_:removingCheckpoint:)`
    /// puts it there with the others of its run (dropped uncommitted, it leaves nothing).
    public static func prepare(_ data: Data, to url: URL) throws -> Stream {
        let file = try Stream(to: url)
        try data.withUnsafeBytes { try file.write($0) }
        return file
    }

    /// Puts `streams` in place together and then removes `checkpoint`, while an interrupt
    /// waits: an interrupted command has put none of them in place (its checkpoint, if any,
    /// still continues it) or all of them (and has no checkpoint left). Every destination is
    /// checked before the first rename, so a folder in the way fails with nothing moved and the
    /// checkpoint kept.
    public static func commit(_ streams: [Stream], removingCheckpoint checkpoint: URL?) throws {
        try pending.holding {
            for s in streams { try s.closeHeld() }
            for s in streams {
                var info = stat()
                if lstat(s.url.path, &info) == 0, info.st_mode & S_IFMT == S_IFDIR { throw FileError(.createFile, path: s.url.path, code: EISDIR) }
            }
            for s in streams { try s.renameHeld() }
            if let checkpoint {
                unlink(checkpoint.path)
                if pending.checkpoint == checkpoint.path { pending.checkpoint = nil }
            }
        }
    }

    /// Writes a checkpoint: `data` to `url` whole, as `write`, synced to the disk, and from then
    /// on keeps the temporary files of `streams` (`Stream.isKept`), the partial files it refers
    /// to. Both happen while an interrupt waits (it cannot remove the streams' files after the
    /// checkpoint that names them was written, nor find a half-written checkpoint), and an
    /// interrupt then names the checkpoint (`removeTemporariesAndExit`) until
    /// `removeCheckpoint`.
    public static func writeCheckpoint(_ data: Data, to url: URL, keeping streams: [Stream] = []) throws {
        try pending.holding {
            let temporary = Stream.temporaryPath(for: url, token: "\(getpid())-checkpoint")
            let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o666)
            guard fd >= 0 else { throw FileError(.createFile, path: url.path, code: errno) }
            var code = data.withUnsafeBytes { writeAll(fd, $0) }
            if code == 0 && fsync(fd) != 0 { code = errno }
            if close(fd) != 0 && code == 0 { code = errno }
            if code == 0 && rename(temporary, url.path) != 0 { code = errno }
            guard code == 0 else { unlink(temporary); throw FileError(.write, path: url.path, code: code) }
            for s in streams where !s.isKept {
                s.isKept = true
                pending.removeHeld(s.temporary)
            }
            pending.checkpoint = url.path
        }
    }

    /// Writes all of `bytes` to `fd` (again after an interrupted call); 0, or the `errno`.
    fileprivate static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Int32 {
        var done = 0
        while done < bytes.count {
            let n = systemWrite(fd, bytes.baseAddress! + done, bytes.count - done)
            if n < 0 {
                if errno == EINTR { continue }
                return errno
            }
            done += n
        }
        return 0
    }

    /// The temporary files of the streams not yet committed or dropped, so that a process
    /// stopped by a signal can remove them (`removeTemporariesAndExit`).
    private static let pending = PendingTemporaries()

    /// Removes the temporary files of every stream not yet committed, and then ends the process
    /// with `status` (without running exit handlers, so no other thread writes on): what a
    /// command does when it is interrupted (SIGINT, SIGTERM, SIGHUP), so that a stopped run
    /// leaves no partial files behind, as a failed one does not.
    /// `say` gets the path of the checkpoint written last and not yet removed (nil if
    /// none) and returns what to print on standard error first.
    public static func removeTemporariesAndExit(_ status: Int32, saying say: (String?) -> String) -> Never {
        pending.removeAllAndExit(status, saying: say)
    }

    /// Removes a checkpoint written by `writeCheckpoint` (its work ended).
    public static func removeCheckpoint(_ url: URL) {
        pending.holding {
            unlink(url.path)
            if pending.checkpoint == url.path { pending.checkpoint = nil }
        }
    }

    /// A lock-protected set of temporary paths.
    final class PendingTemporaries: @unchecked Sendable {
        private let lock = NSLock()
        private var paths: Set<String> = []
        /// The checkpoint written last and not removed (changed with the lock held).
        var checkpoint: String?
        func remove(_ path: String) { lock.lock(); paths.remove(path); lock.unlock() }
        /// Runs `body` with the lock held (an interrupt waits); `body` may `removeHeld`.
        func holding<T>(_ body: () throws -> T) rethrows -> T {
            lock.lock(); defer { lock.unlock() }
            return try body()
        }
        func removeHeld(_ path: String) { paths.remove(path) }
        func insertHeld(_ path: String) { paths.insert(path) }
        func removeAllAndExit(_ status: Int32, saying say: (String?) -> String) -> Never {
            lock.lock()  // held until the end: no stream is created, committed or dropped meanwhile
            let message = say(checkpoint)
            message.utf8CString.withUnsafeBufferPointer { _ = systemWrite(2, $0.baseAddress!, $0.count - 1) }
            for path in paths { unlink(path) }
            _exit(status)
        }
    }

    /// A file written piece by piece (a long recording), then put in place whole by `commit()`.
    /// Until then its bytes are in a hidden temporary file next to the destination; a stream
    /// dropped without `commit()` (the run failed) removes it, and so does an interrupted
    /// command (`removeTemporariesAndExit`), unless a checkpoint keeps it (`isKept`).
    public final class Stream {
        /// The destination.
        public let url: URL
        fileprivate let temporary: String
        private var fd: Int32

        /// The temporary file's name is `.NAME.tmp-TOKEN` next to the destination; `token`
        /// (digits and one hyphen) is what a run checkpoint records to find it again.
        public let token: String
        /// Whether a checkpoint refers to the temporary file (`AtomicFile.writeCheckpoint`):
        /// it then outlives a failure and an interrupt, until `commit` or `discard`.
        public fileprivate(set) var isKept = false
        /// Whether the file was renamed into place or removed.
        private var isDone = false

        /// Creates the temporary file for `url` (whose folder must exist).
        public init(to url: URL) throws {
            self.url = url
            token = "\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
            let temporary = Stream.temporaryPath(for: url, token: token)
            self.temporary = temporary
            // Created and registered while an interrupt waits, so it never leaves the file behind.
            let (fd, code) = AtomicFile.pending.holding { () -> (Int32, Int32) in
                let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
                if fd >= 0 { AtomicFile.pending.insertHeld(temporary) }
                return (fd, errno)
            }
            self.fd = fd
            guard fd >= 0 else { throw FileError(.createFile, path: url.path, code: code) }
        }

        /// Reopens the kept temporary file of `url` named by `token` (see `isKept`), cut back to
        /// its first `length` bytes (what a checkpoint recorded), to go on writing after them.
        /// Throws `FileError` when it is missing or shorter, or `token` is not a token.
        public init(resuming url: URL, token: String, length: Int) throws {
            self.url = url
            self.token = token
            isKept = true
            guard Stream.isToken(token) else {
                throw FileError(.createFile, path: url.path, code: EINVAL)
            }
            temporary = Stream.temporaryPath(for: url, token: token)
            fd = open(temporary, O_WRONLY | O_CLOEXEC | O_NOFOLLOW)
            guard fd >= 0 else { throw FileError(.createFile, path: temporary, code: errno) }
            var info = stat()
            guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG, Int(info.st_size) >= length, length >= 0 else {
                close(fd); fd = -1
                throw FileError(.createFile, path: temporary, code: EINVAL)
            }
            guard ftruncate(fd, off_t(length)) == 0, lseek(fd, 0, SEEK_END) >= 0 else {
                let code = errno
                close(fd); fd = -1
                throw FileError(.write, path: temporary, code: code)
            }
        }

        /// Whether `token` is a stream's token: a process id, a hyphen and a number.
        static func isToken(_ token: some StringProtocol) -> Bool {
            let parts = token.split(separator: "-", omittingEmptySubsequences: false)
            return parts.count == 2 && parts.allSatisfy { !$0.isEmpty && $0.count <= 10 && $0.allSatisfy { $0.isASCII && $0.isNumber } }
        }

        static func temporaryPath(for url: URL, token: String) -> String {
            url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).tmp-\(token)").path
        }

        /// Writes the bytes so far to the disk (`fsync`), so that a checkpoint's length holds
        /// after a crash of the machine too.
        public func sync() throws {
            guard fsync(fd) == 0 else { throw failed(.write, code: errno) }
        }

        /// Removes the temporary file, kept or not (the run it belongs to is abandoned).
        public func discard() {
            if fd >= 0 { close(fd); fd = -1 }
            unlink(temporary)
            AtomicFile.pending.remove(temporary)
            isDone = true
        }

        /// Appends `bytes`.
        public func write(_ bytes: UnsafeRawBufferPointer) throws {
            let code = AtomicFile.writeAll(fd, bytes)
            if code != 0 { throw failed(.write, code: code) }
        }

        /// Overwrites bytes already written, from `offset` (a header completed at the end).
        public func overwrite(_ bytes: [UInt8], at offset: Int) throws {
            guard lseek(fd, off_t(offset), SEEK_SET) >= 0 else { throw failed(.write, code: errno) }
            try bytes.withUnsafeBytes { try write($0) }
            guard lseek(fd, 0, SEEK_END) >= 0 else { throw failed(.write, code: errno) }
        }

        /// Closes the file and renames it over the destination.
        public func commit() throws {
            try AtomicFile.pending.holding {
                try closeHeld()
                try renameHeld()
            }
        }

        /// Closes the file (its bytes are complete), with the lock of the pending files held.
        fileprivate func closeHeld() throws {
            guard fd >= 0 else { return }
            let code = close(fd) == 0 ? 0 : errno
            fd = -1
            if code != 0 { throw failedHeld(.write, code: code) }
        }

        /// Renames the closed file over the destination, with the lock held.
        fileprivate func renameHeld() throws {
            guard rename(temporary, url.path) == 0 else { throw failedHeld(.createFile, code: errno) }
            AtomicFile.pending.removeHeld(temporary)
            isKept = false
            isDone = true
        }

        /// `failed`, with the lock of the pending files held.
        private func failedHeld(_ operation: FileError.Operation, code: Int32) -> FileError {
            if !isKept {
                unlink(temporary)
                AtomicFile.pending.removeHeld(temporary)
                isDone = true
            }
            return FileError(operation, path: url.path, code: code)
        }

        /// Removes the temporary file (unless a checkpoint keeps it: its checkpointed part is
        /// whole, and a resumed run cuts off the rest) and returns the error to throw.
        private func failed(_ operation: FileError.Operation, code: Int32) -> FileError {
            if fd >= 0 { close(fd); fd = -1 }
            return AtomicFile.pending.holding { failedHeld(operation, code: code) }
        }

        deinit {
            if fd >= 0 { close(fd) }
            // Neither renamed into place nor removed, nor kept by a checkpoint: removed.
            if !isDone && !isKept {
                unlink(temporary)
                AtomicFile.pending.remove(temporary)
            }
        }
    }

    /// Removes, in `folder`, the temporary files (`.NAME.tmp-PID-N`) of processes that are gone:
    /// a command killed (SIGKILL, a machine that stopped) before it could remove them. The
    /// caller makes sure no checkpoint refers to them (a kept partial recording outlives its
    /// process on purpose). A living process's files, and any other file, are left alone.
    public static func removeOrphans(in folder: URL) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else { return }
        for name in names where name.hasPrefix(".") {
            guard let r = name.range(of: ".tmp-", options: .backwards), case let token = name[r.upperBound...], Stream.isToken(token),
                  let pid = Int32(token.prefix { $0 != "-" }), pid > 0, pid != getpid() else { continue }
            if kill(pid, 0) != 0 && errno == ESRCH { unlink(folder.appendingPathComponent(name).path) }
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
