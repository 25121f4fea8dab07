import BRCIR
import Foundation

/// A searched parameter: its prior is uniform on [lower, upper], or log-uniform when `log`.
public struct SearchParameter: Sendable, Codable, Equatable {
    public var name: String
    public var lower: Double
    public var upper: Double
    public var log: Bool
    public init(name: String, lower: Double, upper: Double, log: Bool) {
        self.name = name; self.lower = lower; self.upper = upper; self.log = log
    }

    /// The value at position u in [0, 1] of the prior's range.
    public func value(_ u: Double) -> Double {
        log ? Foundation.exp(Foundation.log(lower) + u * (Foundation.log(upper) - Foundation.log(lower))) : lower + u * (upper - lower)
    }
}

/// One evaluated parameter set.
public struct Evaluation: Sendable, Codable, Equatable {
    public var round: Int
    public var sample: Int
    /// Positions in the unit cube, and the parameter values they stand for.
    public var unit: [Double]
    public var values: [Double]
    public var score: Double
}

/// A cross-entropy method with full covariance on the unit cube (the study refitted its
/// proposal to the best 10 % each round): sample, evaluate, refit mean and covariance to the
/// elite, repeat. Every sample is a function of (seed, round, sample), so a run resumed from
/// a checkpoint reaches exactly the result of an uninterrupted one.
public struct CrossEntropySearch: Sendable, Codable, Equatable {
    public var parameters: [SearchParameter]
    public var rounds: Int
    public var samplesPerRound: Int
    public var eliteFraction: Double
    public var seed: UInt64
    /// State after `completedRounds` rounds.
    public var completedRounds = 0
    public var mean: [Double]
    public var covariance: [[Double]]
    public var evaluations: [Evaluation] = []

    public init(parameters: [SearchParameter], rounds: Int, samplesPerRound: Int, eliteFraction: Double = 0.1, seed: UInt64) {
        self.parameters = parameters; self.rounds = rounds; self.samplesPerRound = samplesPerRound
        self.eliteFraction = eliteFraction; self.seed = seed
        let d = parameters.count
        mean = Array(repeating: 0.5, count: d)
        // The first round samples the prior's cube broadly (sd 0.3 around its centre).
        covariance = (0..<d).map { i in (0..<d).map { i == $0 ? 0.09 : 0 } }
    }

    public var best: Evaluation? { evaluations.min { $0.score < $1.score } }
    public var isFinished: Bool { completedRounds >= rounds }

    /// The unit-cube positions of the next round's samples (reflected into [0, 1]).
    public func nextSamples() -> [[Double]] {
        let d = parameters.count
        let l = Cholesky.factor(covariance, floor: 1e-12)!
        return (0..<samplesPerRound).map { s in
            let z = (0..<d).map { CounterRandom.normal(seed: seed, stream: 300, UInt64(completedRounds) << 32 | UInt64(s), UInt64($0)) }
            return (0..<d).map { i in
                var u = mean[i]
                for k in 0...i { u += l[i][k] * z[k] }
                // Reflect into the cube.
                u = u.truncatingRemainder(dividingBy: 2)
                if u < 0 { u += 2 }
                return u > 1 ? 2 - u : u
            }
        }
    }

    /// Records a round's scores (in sample order) and refits the proposal to its elite. Equal
    /// scores are ordered by `tieBreaks` (lower first; e.g. the validation MSE of readouts that
    /// all failed and scored chance), then by sample order.
    public mutating func complete(samples: [[Double]], scores: [Double], tieBreaks: [Double]? = nil) {
        let round = completedRounds
        for (s, (u, score)) in zip(samples, scores).enumerated() {
            evaluations.append(Evaluation(round: round, sample: s, unit: u, values: zip(parameters, u).map { $0.value($1) }, score: score))
        }
        let d = parameters.count
        let eliteCount = max(2, Int((Double(samples.count) * eliteFraction).rounded()))
        // The elite: the best scores, ties broken by `tieBreaks`, then by sample order.
        let tie = tieBreaks ?? Array(repeating: 0, count: scores.count)
        let order = scores.indices.sorted { a, b in
            scores[a] != scores[b] ? scores[a] < scores[b] : tie[a] != tie[b] ? tie[a] < tie[b] : a < b
        }
        let elite: [[Double]] = order.prefix(eliteCount).map { samples[$0] }
        let count = Double(elite.count)
        var m = Array(repeating: 0.0, count: d)
        for e in elite { for i in 0..<d { m[i] += e[i] / count } }
        var c = Array(repeating: Array(repeating: 0.0, count: d), count: d)
        for e in elite {
            for i in 0..<d { for j in 0..<d { c[i][j] += (e[i] - m[i]) * (e[j] - m[j]) / count } }
        }
        for i in 0..<d { c[i][i] += 1e-4 }  // keeps the proposal from collapsing
        mean = m
        covariance = c
        completedRounds += 1
    }

    /// Runs the remaining rounds. `evaluate` scores a round's parameter values (lower is
    /// better); `checkpoint` is called after every completed round (write it atomically).
    public mutating func run(evaluate: ([[Double]]) throws -> [Double], checkpoint: (CrossEntropySearch) throws -> Void) throws {
        try run(rank: { try evaluate($0).map { (score: $0, tieBreak: 0) } }, checkpoint: checkpoint)
    }

    /// As `run(evaluate:checkpoint:)`, with a tie-break value per parameter set (see `complete`).
    public mutating func run(rank: ([[Double]]) throws -> [(score: Double, tieBreak: Double)], checkpoint: (CrossEntropySearch) throws -> Void) throws {
        while !isFinished {
            let samples = nextSamples()
            let values = samples.map { zip(parameters, $0).map { $0.value($1) } }
            let ranked = try rank(values)
            complete(samples: samples, scores: ranked.map(\.score), tieBreaks: ranked.map(\.tieBreak))
            try checkpoint(self)
        }
    }

}
