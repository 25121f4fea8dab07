import Foundation

/// A run checkpoint that cannot be used: missing, damaged, or of another run or model.
public struct CheckpointError: Error, CustomStringConvertible {
    public var description: String
}

/// The JSON of checkpoints: non-finite numbers as the strings "inf", "-inf" and "nan" (JSON
/// has none).
public enum CheckpointJSON {
    /// A new encoder that writes non-finite numbers as those strings.
    public static var encoder: JSONEncoder {
        let e = JSONEncoder()
        e.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return e
    }

    /// A new decoder that reads those strings back as non-finite numbers.
    public static var decoder: JSONDecoder {
        let d = JSONDecoder()
        d.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return d
    }
}

/// What a run checkpoint file holds: the simulator's and the recorders' state after a step,
/// and what the run is of, so that `--resume` continues it bit for bit or refuses a
/// checkpoint of something else. Written whole (with the recordings' partial files synced
/// first) and removed when the run ends; a run that fails numerically removes it too.
struct RunCheckpoint: Codable {
    /// The format of this file (a newer brcc may change it).
    static let currentVersion = 1
    var version = RunCheckpoint.currentVersion
    /// What the run is of (`SimulationRun.Checkpointing.identity`).
    var identity: String
    /// The run's steps in all.
    var steps: Int
    var simulator: Simulator.Snapshot
    var recorder: Recorder.Snapshot
    var extra: Recorder.Snapshot

    /// Prepares a run's checkpoints (creating their folder): with `c.resume`, the checkpoint
    /// to continue from (a `CheckpointError` when there is none or it does not fit); otherwise
    /// nil, after removing an earlier run's checkpoint and partial files (`replaced`; `outputs`
    /// gives the output files, asked for only then).
    static func open(_ c: SimulationRun.Checkpointing, steps: Int, dt: Double, outputs: () throws -> [URL]) throws -> (saved: RunCheckpoint?, replaced: Bool) {
        try AtomicFile.createFolder(c.url.deletingLastPathComponent())
        guard c.resume else { return (nil, try discard(c.url, outputs: outputs)) }
        guard let saved = try load(c.url, identity: c.identity(), steps: steps, dt: dt) else {
            throw CheckpointError(description: "--resume: there is no checkpoint at \(c.url.path) (the run finished, failed numerically, or was stopped before its first checkpoint); run again without --resume")
        }
        return (saved, false)
    }

    /// Reads the checkpoint at `url`; nil when there is none. Throws `CheckpointError` when it
    /// cannot be read, is of another run, or does not hold together: its step, its time (step
    /// times `dt`, as the simulator adds it up) and its recordings' rows (one per step and
    /// the start) must agree, or the resumed files would be short or mistimed.
    static func load(_ url: URL, identity: String, steps: Int, dt: Double) throws -> RunCheckpoint? {
        guard let data = FileManager.default.contents(atPath: url.path) else { return nil }
        guard let c = try? CheckpointJSON.decoder.decode(RunCheckpoint.self, from: data), c.version == currentVersion else {
            throw CheckpointError(description: "\(url.path) is not a run checkpoint this brcc can read (damaged, or of another version); delete it and run again without --resume")
        }
        guard c.identity == identity, c.steps == steps else {
            throw CheckpointError(description: "\(url.path) is the checkpoint of another run (the model, its simulation, --seed, --gates, --precision, --backend, --format or --no-plots changed); run again without --resume, which replaces it")
        }
        let step = c.simulator.step
        guard step >= 0, step < steps else {
            throw CheckpointError(description: "\(url.path) is damaged (step \(step) of \(steps)); delete it and run again without --resume")
        }
        // The simulator's time is dt added up in half steps: step times dt but for rounding,
        // which stays far below a millionth over any run brcc takes.
        let expected = Double(step) * dt
        let tolerance = 1e-6 * Swift.max(expected, dt)
        let midTimeFits = c.simulator.lastMidTime.map { abs($0 - (expected - dt / 2)) <= tolerance } ?? (step == 0)
        guard abs(c.simulator.time - expected) <= tolerance, midTimeFits else {
            throw CheckpointError(description: "\(url.path) is damaged (time \(c.simulator.time) ms at step \(step), not \(expected) ms); delete it and run again without --resume")
        }
        let rows = step + 1
        guard c.recorder.recorded == rows, c.extra.recorded == rows, c.recorder.files.allSatisfy({ $0.rows == rows }) else {
            throw CheckpointError(description: "\(url.path) is damaged (its recordings do not hold the \(rows) rows of step \(step)); delete it and run again without --resume")
        }
        return c
    }

    /// Removes the checkpoint at `url` and the kept partial files of `outputs` it names, if
    /// there is one (a fresh run replaces an interrupted one). Returns whether there was one.
    static func discard(_ url: URL, outputs: () throws -> [URL]) throws -> Bool {
        guard FileManager.default.fileExists(atPath: url.path) else { return false }
        if let data = FileManager.default.contents(atPath: url.path), let c = try? CheckpointJSON.decoder.decode(RunCheckpoint.self, from: data),
           case let outputs = try outputs(), c.recorder.files.count == outputs.count {
            for (mark, output) in zip(c.recorder.files, outputs) {
                if let stream = try? AtomicFile.Stream(resuming: output, token: mark.token, length: 0) { stream.discard() }
            }
        }
        AtomicFile.removeCheckpoint(url)
        return true
    }
}
