import BRCIR

// The cue task's readout (STUDY.md §4): ridge regression from the readout cells' activity to
// the cue value, cross-validated leave-one-repeat-out, scored by validation MSE against the
// chance level of a constant predictor; a readout whose mean prediction per condition stays
// near zero counts as a failure and is penalised.

/// One simulated trial as the readout sees it: its condition, its repeat, the readout cells'
/// activity sampled in time and the target the readout is fitted to.
public struct Trial: Sendable {
    /// Index of the trial's cue condition in the task's `conditions`.
    public var condition: Int
    /// Which repeat of its condition the trial is, from 0; each cross-validation fold holds out
    /// every trial of one repeat index.
    public var repeatIndex: Int
    /// rows (time samples) x features (readout cells).
    public var features: [[Double]]
    /// rows x outputs (the target, e.g. the cue value after onset, 0 before).
    public var target: [[Double]]
    /// Spikes during the trial as (time ms, spike source index), if they were recorded.
    public var spikes: [(Double, Int)] = []
    /// Makes a trial with no recorded spikes from its fields.
    public init(condition: Int, repeatIndex: Int, features: [[Double]], target: [[Double]]) {
        self.condition = condition; self.repeatIndex = repeatIndex; self.features = features; self.target = target
    }
}

/// A parameter set's readout score: the cross-validated error against chance and the
/// failure rule's verdict.
public struct ReadoutScore: Sendable, Equatable, Codable {
    /// Mean squared error on held-out repeats, averaged over outputs.
    public var validationMSE: Double
    /// The MSE of predicting every row by the training targets' mean (chance level).
    public var chanceMSE: Double
    /// The coefficient of determination against chance: 1 - `validationMSE` / `chanceMSE`.
    public var r2: Double { 1 - validationMSE / chanceMSE }
    /// The study's failure statistic: the mean over conditions and outputs of |the held-out
    /// prediction averaged over each condition's trials and time - the conditions' mean| (the
    /// study's conditions are centred on 0, so its |prediction|; centring makes the rule
    /// mean the same for conditions that are not: a readout that stays at the middle fails).
    public var meanOutputMagnitude: Double
    /// Mean held-out prediction per condition (outputs).
    public var meanPredictionPerCondition: [Int: [Double]]
    /// Whether the readout failed the magnitude rule.
    public var failed: Bool
    /// What a failed readout adds to its score (the study: 1000).
    public var failurePenalty: Double = IRTask.Defaults.failurePenalty
    /// The score a search minimises: the validation MSE, plus the penalty if the readout failed.
    public var score: Double { failed ? validationMSE + failurePenalty : validationMSE }
}

/// The linear readout of the cue from the readout cells' activity, and its score.
public enum Readout {
    /// Leave-one-repeat-out: fold r trains on every trial whose repeat index is not r and
    /// validates on those whose repeat index is r, so no trial is in both.
    public static func folds(_ trials: [Trial]) -> [(train: [Int], validate: [Int])] {
        let repeats = Set(trials.map(\.repeatIndex)).sorted()
        return repeats.map { r in
            (trials.indices.filter { trials[$0].repeatIndex != r }, trials.indices.filter { trials[$0].repeatIndex == r })
        }
    }

    /// A trial's held-out prediction: from the ridge readout of the fold that validated it,
    /// with that fold's training-target mean (the chance predictor).
    public struct HeldOut: Sendable {
        /// Index of the trial in the array given to `heldOut`.
        public var trial: Int
        /// rows x outputs
        public var prediction: [[Double]]
        /// The mean target of the fold's training rows, per output: the chance predictor.
        public var trainingMean: [Double]
    }

    /// Cross-validated predictions of every trial (leave-one-repeat-out). Each trial's ridge
    /// moments are computed once (about the mean of all trials' features) and summed per fold.
    public static func heldOut(_ trials: [Trial], alpha: Double = IRTask.Defaults.alpha) throws -> [HeldOut] {
        guard let nf = trials.lazy.compactMap({ $0.features.first?.count }).first else { throw Ridge.Failure.empty }
        guard let no = trials.lazy.compactMap({ $0.target.first?.count }).first else { throw Ridge.Failure.empty }
        guard trials.allSatisfy({ $0.features.count == $0.target.count && $0.features.allSatisfy { $0.count == nf } && $0.target.allSatisfy { $0.count == no } }) else {
            throw Ridge.Failure.shapes
        }
        let rows = Double(trials.map(\.features.count).reduce(0, +))
        var shift = Array(repeating: 0.0, count: nf)
        for t in trials { for r in t.features { for f in 0..<nf { shift[f] += r[f] } } }
        shift = shift.map { $0 / rows }
        let moments = trials.map { RidgeMoments($0.features, $0.target, shift: shift) }
        var out: [HeldOut] = []
        for (train, validate) in folds(trials) where !train.isEmpty && !validate.isEmpty {
            let m = train.dropFirst().reduce(moments[train[0]]) { $0 + moments[$1] }
            guard m.rows > 0 else { throw Ridge.Failure.empty }
            let model = try Ridge.fit(m, alpha: alpha)
            let mean = m.meanY
            for v in validate { out.append(HeldOut(trial: v, prediction: model.predict(trials[v].features), trainingMean: mean)) }
        }
        return out
    }

    /// The readout's score over `trials`: cross-validated ridge regression (leave one repeat
    /// out), its validation MSE against chance, and the failure rule with its penalty.
    public static func score(_ trials: [Trial], alpha: Double = IRTask.Defaults.alpha, failureMagnitude: Double = IRTask.Defaults.failureMagnitude,
                             failurePenalty: Double = IRTask.Defaults.failurePenalty) throws -> ReadoutScore {
        var se = 0.0, chance = 0.0, count = 0.0
        var perCondition: [Int: ([Double], Double)] = [:], targetSum: [Double] = []
        for h in try heldOut(trials, alpha: alpha) {
            let no = h.trainingMean.count
            for (row, t) in zip(h.prediction, trials[h.trial].target) {
                if targetSum.isEmpty { targetSum = Array(repeating: 0, count: no) }
                for o in 0..<no {
                    se += (row[o] - t[o]) * (row[o] - t[o])
                    chance += (h.trainingMean[o] - t[o]) * (h.trainingMean[o] - t[o])
                    targetSum[o] += t[o]
                }
                count += Double(no)
                var acc = perCondition[trials[h.trial].condition] ?? (Array(repeating: 0, count: no), 0)
                for o in 0..<no { acc.0[o] += row[o] }
                acc.1 += 1
                perCondition[trials[h.trial].condition] = acc
            }
        }
        guard count > 0 else { throw Ridge.Failure.empty }
        let means = perCondition.mapValues { acc in acc.0.map { $0 / max(acc.1, 1) } }
        // In condition order: the same bits in every process. The centre is the mean target of
        // every row (the conditions' mean), exactly 0 for the study's (sums of opposite whole
        // numbers), so there x - centre is x.
        let centre = targetSum.map { $0 / (count / Double(max(targetSum.count, 1))) }
        let flat = means.keys.sorted().flatMap { c in zip(means[c]!, centre).map { $0 - $1 } }
        let magnitude = flat.map(abs).reduce(0, +) / Double(max(flat.count, 1))
        return ReadoutScore(validationMSE: se / count, chanceMSE: chance / count, meanOutputMagnitude: magnitude,
                            meanPredictionPerCondition: means, failed: magnitude < failureMagnitude, failurePenalty: failurePenalty)
    }
}

/// What a readout score means, in words: failed, holds the cue, barely better than chance, or
/// no better (shared by `brcc train`'s summary and the report).
public enum ReadoutVerdict {
    /// Whether a scored set holds the cue: its readout did not fail and its validation error is
    /// below half of chance (`brcc train`'s summary, the verdict, `brcc compare`).
    public static func holdsCue(validationMSE: Double, chanceMSE: Double, failed: Bool) -> Bool {
        !failed && validationMSE < 0.5 * chanceMSE
    }

    /// The verdict in words for `brcc train`'s last line: the error as a share of chance, and
    /// whether the readout holds the cue or why it failed.
    public static func text(validationMSE: Double, chanceMSE: Double, failed: Bool, meanOutputMagnitude: Double, failureMagnitude: Double) -> String {
        let share = chanceMSE > 0 ? String(format: "%.0f%%", 100 * validationMSE / chanceMSE) : "-"
        if failed {
            return "its readout FAILED (mean |prediction - conditions' mean| per condition \(String(format: "%.3g", meanOutputMagnitude)) < \(String(format: "%g", failureMagnitude))), so its score carries the failure penalty: the network did not hold the cue"
        }
        if holdsCue(validationMSE: validationMSE, chanceMSE: chanceMSE, failed: false) { return "its readout holds the cue: the error is \(share) of chance" }
        if validationMSE < chanceMSE { return "its readout is only slightly better than chance (\(share) of chance's error)" }
        return "its readout is no better than chance (predicting the mean cue)"
    }
}
