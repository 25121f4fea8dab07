import BRCCodeGen
import BRCIR
import BRCRuntime
import BRCTask
import Foundation

/// What `evaluate-checkpoint.json` holds while `brcc evaluate` runs: the scores of the sets
/// evaluated so far (in the sets file's order) and what they were computed from. Written after
/// every group of sets (write, then rename), removed when `evaluations.csv` is complete;
/// `--resume` continues after the sets it holds and refuses one of other model files, task
/// settings, sets or precision.
struct EvaluationCheckpoint: Codable {
    static let fileName = "evaluate-checkpoint.json"
    var modelHash: String
    var taskHash: String
    /// The content hash of the sets file.
    var setsHash: String
    var precision: KernelPrecision
    /// `KernelNumerics.revision` of the brcc that wrote it (absent before 2026-12-06: 0).
    var numerics: Int? = KernelNumerics.revision
    /// Score and detail of each set evaluated, in the sets file's order.
    var scores: [Double]
    var details: [EvaluationDetail]

    /// The checkpoint at `url` for `--resume`, checked against what this run computes from.
    static func resumed(_ url: URL, modelHash: String, taskHash: String, setsHash: String, precision: KernelPrecision, modelPath: String,
                        sets: Int) throws -> EvaluationCheckpoint {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw DriverError.usage("--resume: there is no checkpoint at \(url.path) (the evaluation finished, or was stopped before its first sets were scored); run again without --resume")
        }
        guard let saved = try? CheckpointJSON.decoder.decode(EvaluationCheckpoint.self, from: data), saved.scores.count == saved.details.count,
              saved.scores.allSatisfy(\.isFinite), saved.details.allSatisfy(\.isFinite) else {
            throw DriverError.usage("--resume: \(url.path) is not an evaluation checkpoint this brcc can read (damaged); run again without --resume")
        }
        try Driver.checkSameScores(saved: (saved.modelHash, saved.taskHash, saved.precision), now: (modelHash, taskHash, precision),
                                   numerics: saved.numerics, modelPath: modelPath, mixing: "in one table")
        guard saved.setsHash == setsHash, saved.scores.count <= sets else {
            throw DriverError.usage("--resume: the sets file changed since the checkpoint was written; run again without --resume")
        }
        return saved
    }
}
