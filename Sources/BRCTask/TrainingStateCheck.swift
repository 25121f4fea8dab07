import BRCIR

extension TrainingState {
    /// What is wrong with this state, read back from a checkpoint, as a continuation of `fresh`
    /// (the initial state of the same task): nil if nothing. A checkpoint is brcc's own file,
    /// but a disk, a copy or a person may have damaged it, and a resumed search indexes and
    /// converts what it holds: its settings must be the task's, its evaluations those of its
    /// completed rounds in order, each value the one its unit-cube position stands for, and
    /// every number finite.
    public func damage(continuing fresh: TrainingState) -> String? {
        let s = search, f = fresh.search, d = s.parameters.count
        // Each setting that differs, named with both values (a --seed or --samples on --resume
        // that is not the checkpoint's is the usual cause).
        let differing = [("seed", "\(s.seed)", "\(f.seed)", s.seed == f.seed),
                         ("samples per round", "\(s.samplesPerRound)", "\(f.samplesPerRound)", s.samplesPerRound == f.samplesPerRound),
                         ("elite fraction", "\(s.eliteFraction)", "\(f.eliteFraction)", s.eliteFraction == f.eliteFraction),
                         ("elite floor", "\(s.eliteFloor)", "\(f.eliteFloor)", s.eliteFloor == f.eliteFloor),
                         ("elite minimum", "\(s.minElite)", "\(f.minElite)", s.minElite == f.minElite),
                         ("searched parameters (names or ranges)", s.parameters.map(\.name).joined(separator: ", "), f.parameters.map(\.name).joined(separator: ", "), s.parameters.count == f.parameters.count && zip(s.parameters, f.parameters).allSatisfy { $0.sameRange(as: $1) })]
            .filter { !$0.3 }
        guard differing.isEmpty else {
            return "its search settings are not the task's: " + differing.map { "\($0.0) \($0.1) in the checkpoint, \($0.2) asked" }.joined(separator: "; ")
        }
        guard (1...IRTask.maximumRounds).contains(s.rounds), (0...s.rounds).contains(s.completedRounds) else {
            return "it has completed \(s.completedRounds) of \(s.rounds) rounds"
        }
        guard s.evaluations.count == s.completedRounds * s.samplesPerRound, details.count == s.evaluations.count else {
            return "it holds \(s.evaluations.count) evaluations and \(details.count) details for \(s.completedRounds) rounds of \(s.samplesPerRound) sets"
        }
        for (k, e) in s.evaluations.enumerated() {
            guard e.round == k / s.samplesPerRound, e.sample == k % s.samplesPerRound, e.unit.count == d, e.unit.allSatisfy({ (0...1).contains($0) }),
                  e.values == zip(s.parameters, e.unit).map({ $0.value($1) }), e.score.isFinite else {
                return "evaluation \(k) (round \(e.round), set \(e.sample)) is not one its search made"
            }
        }
        if let k = details.firstIndex(where: { !$0.isFinite }) { return "the details of evaluation \(k) hold a number that is not finite" }
        switch (s.mean, s.covariance) {
        case (nil, nil): break
        case (let m?, let c?):
            guard m.count == d, m.allSatisfy(\.isFinite), c.count == d,
                  c.indices.allSatisfy({ i in c[i].count == d && c[i].indices.allSatisfy { j in c[i][j].isFinite && c[i][j] == c[j][i] } }) else {
                return "its proposal (mean and covariance) is not a finite, symmetric one of \(d) dimensions"
            }
        default: return "its proposal has a mean without a covariance, or the reverse"
        }
        guard simulations >= 0, (wallSeconds ?? 0).isFinite, (wallSeconds ?? 0) >= 0 else { return "its simulation count or wall time is negative or not finite" }
        if let r = roundInProgress {
            guard r.round == s.completedRounds, r.sets.keys.allSatisfy({ (0..<s.samplesPerRound).contains($0) }),
                  r.sets.values.allSatisfy({ $0.score.score.isFinite }) else {
                return "its round in progress is not the round after its completed ones, or holds a set it cannot have scored"
            }
        }
        return nil
    }
}

extension EvaluationDetail {
    /// Whether every number of the detail is finite, as scoring a set gives them.
    public var isFinite: Bool {
        [validationMSE, chanceMSE, meanOutputMagnitude].allSatisfy(\.isFinite) && (meanPrediction ?? []).joined().allSatisfy(\.isFinite)
            && (rates ?? [:]).values.allSatisfy(\.isFinite)
    }
}
