import Foundation

/// How a program of brcc's ends when it is interrupted: SIGINT (Ctrl-C), SIGTERM and SIGHUP
/// end it with 128 + the signal's number, after removing the temporary files of outputs not yet
/// complete (`AtomicFile.removeTemporariesAndExit`), so nothing half-written is left but the
/// partial files a checkpoint refers to; the message names the checkpoint, from which
/// `--resume` continues. Used by `brcc` and by the simulators of generated packages.
public enum Interrupts {
    /// The handlers' sources, kept as long as the process runs.
    nonisolated(unsafe) private static var sources: [DispatchSourceSignal] = []

    /// Installs the handlers; `program` names the program in the message. Call once, first.
    public static func install(program: String) {
        sources = [SIGINT, SIGTERM, SIGHUP].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                children.terminateAll()
                AtomicFile.removeTemporariesAndExit(128 + number) { checkpoint in
                    guard let checkpoint else { return "\n\(program): interrupted (signal \(number)); unfinished output files removed\n" }
                    return "\n\(program): interrupted (signal \(number)); unfinished output files removed; the checkpoint \(checkpoint) is kept: the same command with --resume continues from it\n"
                }
            }
            source.resume()
            return source
        }
    }

    /// Child processes that end with the program when it is interrupted (the kernel
    /// compilers): Ctrl-C reaches the whole process group, but a signal sent to brcc alone
    /// (`kill -INT PID`) left them compiling on, reparented to init.
    private static let children = Children()

    /// Adds a started child process to those stopped (SIGTERM) on an interrupt.
    public static func track(_ pid: pid_t) { children.add(pid) }

    /// Removes a child process that has ended.
    public static func untrack(_ pid: pid_t) { children.remove(pid) }

    /// The tracked process ids, behind a lock (the handlers run on another thread).
    private final class Children: @unchecked Sendable {
        private let lock = NSLock()
        private var pids: Set<pid_t> = []
        func add(_ pid: pid_t) { lock.lock(); pids.insert(pid); lock.unlock() }
        func remove(_ pid: pid_t) { lock.lock(); pids.remove(pid); lock.unlock() }
        func terminateAll() {
            lock.lock(); defer { lock.unlock() }
            // Foundation starts a child in a process group of its own: the group takes the
            // compiler's own children (gcc's cc1 and as) with it.
            for pid in pids { kill(getpgid(pid) == pid ? -pid : pid, SIGTERM) }
        }
    }
}
