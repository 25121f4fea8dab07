import BRCCodeGen
import BRCDiagnostics
import BRCIR
import BRCParse
import BRCRuntime
import BRCSyntax
import BRCTask
import Foundation

/// What `checkpoint.json` holds: the search's state after the last complete round, what it was
/// computed from, and whether the run finished. `--resume` refuses a checkpoint of another
/// model or task, so scores of two models never mix in one search.
struct TrainingCheckpoint: Codable {
    /// `Driver.modelHash` of the model's files when the run started.
    var modelHash: String
    /// `Driver.taskHash` of the task settings when the run started.
    var taskHash: String
    /// True once every output of the run is written; false while it runs, or if it stopped.
    var finished: Bool
    var state: TrainingState
    /// The kernels' `--precision` (absent in checkpoints written before it existed: exact).
    var precision: KernelPrecision? = nil
    /// `KernelNumerics.revision` of the brcc that wrote it (absent before 2026-12-06: 0).
    var numerics: Int? = KernelNumerics.revision
}

extension Driver {
    /// The content hash of a model as loaded: the bytes of its root file and every file it
    /// includes (in load order), and the tables of the data files its `brc` elements read. Any
    /// edit, even a comment, changes it; moving the files does not. Recorded as `modelHash` in
    /// summary.json and checkpoint.json.
    static func modelHash(_ doc: Document) throws -> String {
        var hash = ContentHash()
        for file in doc.files {
            guard let bytes = FileManager.default.contents(atPath: file) else { throw DriverError.io("cannot read the model file '\(file)'") }
            hash.add(bytes)
        }
        for (_, table) in doc.dataTables.sorted(by: { "\($0.key)" < "\($1.key)" }) { hash.add("\(table)") }
        return hash.hex
    }

    /// The content hash of the task settings a score depends on: readout, conditions, repeats,
    /// burn-in, downsampling, ridge alpha, failure magnitude and penalty, the elite fraction,
    /// floor and minimum, the populations whose rates are reported and the searched parameters
    /// with their priors. Rounds, samples per round and seed are left out: the
    /// command line may set them, and the search state records them.
    static func taskHash(_ task: IRTask) -> String {
        ContentHash.hex([task.readoutPopulation, "\(task.conditions)", "\(task.repeats)", "\(task.burnIn)", "\(task.downsample)",
                         "\(task.alpha)", "\(task.failureMagnitude)", "\(task.failurePenalty)", "\(task.eliteFraction)", "\(task.eliteFloor)",
                         "\(task.minElite)", task.ratePopulations.joined(separator: " ")]
            + task.parameters.map { "\($0.label) \($0.target) \($0.lower) \($0.upper) \($0.logUniform)" })
    }

    /// Refuses (a usage error naming what changed) to resume scores computed by kernels of
    /// another arithmetic (`numerics`, the checkpoint's `KernelNumerics.revision`, nil for 0),
    /// or from other model files, task settings or precision than `now`'s: scores of two
    /// versions would mix (`mixing` says where).
    static func checkSameScores(saved: (model: String, task: String, precision: KernelPrecision), now: (model: String, task: String, precision: KernelPrecision),
                                numerics: Int?, modelPath: String, mixing: String) throws {
        let fix = "resuming would mix scores of two versions \(mixing); start a fresh --out folder, or restore the previous version"
        guard (numerics ?? 0) == KernelNumerics.revision else {
            throw DriverError.usage("--resume: the checkpoint was written by a brcc whose kernels compute other bits (numerics revision \(numerics ?? 0), this brcc's is \(KernelNumerics.revision)); "
                                    + "resuming would mix scores of two versions \(mixing); start a fresh --out folder, or finish the run with the brcc that started it")
        }
        guard saved.task == now.task else {
            throw DriverError.usage("--resume: the task settings (the brc:cueTask in \(modelPath): readout, conditions, repeats, burn-in, readout settings or searched parameters) changed since the checkpoint was written; \(fix)")
        }
        guard saved.model == now.model else {
            throw DriverError.usage("--resume: the model files (\(modelPath) or a file it includes or reads) changed since the checkpoint was written; \(fix)")
        }
        guard saved.precision == now.precision else {
            throw DriverError.usage("--resume: the checkpoint was written with --precision \(saved.precision.rawValue), this run asks for --precision \(now.precision.rawValue); scores of the two precisions would mix \(mixing); give --precision \(saved.precision.rawValue) or start a fresh --out folder")
        }
    }

    /// The state `--resume` continues from: the checkpoint's, if it is of the same model and
    /// task and none of `rounds`, `samples` and `seed` (the command line's, nil where not given)
    /// differs from the checkpoint's search; `rounds` may raise its rounds, never lower them.
    /// The search settings left out are the checkpoint's, so that the run continued is the run
    /// that was started. Otherwise a usage error naming what differs.
    static func resumedState(_ url: URL, task: IRTask, rounds: Int?, samples: Int?, seed: UInt64?, modelHash: String, taskHash: String,
                             modelPath: String, precision: KernelPrecision = .exact) throws -> TrainingState {
        guard let data = FileManager.default.contents(atPath: url.path) else { throw DriverError.usage("--resume: no checkpoint at \(url.path)") }
        let saved: TrainingCheckpoint
        do { saved = try CheckpointJSON.decoder.decode(TrainingCheckpoint.self, from: data) } catch {
            throw DriverError.usage("--resume: \(url.path) is not a checkpoint this brcc can check (damaged, or written before checkpoints recorded the model's hash); start a fresh --out folder")
        }
        try checkSameScores(saved: (saved.modelHash, saved.taskHash, saved.precision ?? .exact), now: (modelHash, taskHash, precision),
                            numerics: saved.numerics, modelPath: modelPath, mixing: "in one search")
        let search = saved.state.search
        let fresh = Trainer.initialState(task, rounds: rounds ?? search.rounds, samples: samples ?? search.samplesPerRound, seed: seed ?? search.seed)
        if let damage = saved.state.damage(continuing: fresh) {
            throw DriverError.usage("--resume: \(url.path) cannot be continued: \(damage); start a fresh --out folder")
        }
        if let rounds, rounds < search.rounds {
            throw DriverError.usage("--resume: the checkpoint's run has \(search.rounds) rounds (\(search.completedRounds) done), --rounds \(rounds) asks for fewer; "
                                    + "leave --rounds out to finish its \(search.rounds), or give more to extend it")
        }
        var state = saved.state
        state.search.rounds = fresh.search.rounds
        return state
    }
}
