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
                AtomicFile.removeTemporariesAndExit(128 + number) { checkpoint in
                    guard let checkpoint else { return "\n\(program): interrupted (signal \(number)); unfinished output files removed\n" }
                    return "\n\(program): interrupted (signal \(number)); unfinished output files removed; the checkpoint \(checkpoint) is kept: the same command with --resume continues from it\n"
                }
            }
            source.resume()
            return source
        }
    }
}
