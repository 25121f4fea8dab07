import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One command's hold on its output folder while it writes there: a second `brcc run`,
/// `train` or `evaluate` into the same folder stops at once (exit 73) instead of removing the
/// first one's checkpoint and partial files while that one is still writing them (the CLI
/// audit of 2026-12-07: the second run "replaced the checkpoint of an earlier, interrupted
/// run" that was still going, and the first then failed). An advisory `flock` on the folder
/// itself: nothing is written, and the hold ends with `release()`, the holder or the process
/// (killed too), so no stale lock can outlive a run. Child processes (the C compiler) do not
/// inherit it. On a file system without such locks the command goes on unguarded.
final class OutputFolderLock {
    private var descriptor: Int32

    /// Holds `folder` (which exists) or throws `DriverError.busy` when another process holds it.
    init(_ folder: URL) throws {
        descriptor = open(folder.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        guard flock(descriptor, LOCK_EX | LOCK_NB) != 0 else { return }
        let busy = errno == EWOULDBLOCK
        release()
        if busy {
            throw DriverError.busy("'\(folder.path)' is the output folder of another brcc command that is still running; wait until it ends, or give this one another folder")
        }
    }

    /// Ends the hold (also when the holder is freed).
    func release() {
        if descriptor >= 0 { close(descriptor) }
        descriptor = -1
    }

    deinit { release() }
}
