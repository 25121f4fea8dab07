import BRCIR
import Foundation

/// A searched parameter: its prior is uniform on [lower, upper], or log-uniform when `log`.
public struct SearchParameter: Sendable, Codable, Equatable {
    /// The parameter's label in the task (`IRSearchParameter.label`, its column in `evaluations.csv`).
    public var name: String
    /// The smallest value of the prior (in training, in brcc's internal units).
    public var lower: Double
    /// The largest value of the prior (in training, in brcc's internal units).
    public var upper: Double
    /// Whether the prior is log-uniform (uniform in the logarithm of the value) rather than uniform.
    public var log: Bool
    /// Makes a parameter from its fields.
    public init(name: String, lower: Double, upper: Double, log: Bool) {
        self.name = name; self.lower = lower; self.upper = upper; self.log = log
    }

    /// The value at position u in [0, 1] of the prior's range.
    public func value(_ u: Double) -> Double {
        log ? Foundation.exp(Foundation.log(lower) + u * (Foundation.log(upper) - Foundation.log(lower))) : lower + u * (upper - lower)
    }

    /// Whether `other` is this parameter with the same range, its bounds equal to 1e-12 of
    /// their size. `TrainingState.damage` asks whether a checkpoint is sound, not whether this
    /// brcc wrote it (`--resume` refuses other versions by the task hash and the kernels'
    /// numerics revision first), and a unit conversion that rounds differently moves a bound
    /// by a bit: until 2026-12-06 brcc's internal scales were products of rounded powers of
    /// ten, so the study's checkpoints in `experiments/budget`, sound as they are, hold `1nS`
    /// as 0.0009999999999999998 uS, where brcc now converts it to 0.001.
    public func sameRange(as other: SearchParameter) -> Bool {
        func close(_ a: Double, _ b: Double) -> Bool { a == b || abs(a - b) <= 1e-12 * max(abs(a), abs(b)) }
        return name == other.name && log == other.log && close(lower, other.lower) && close(upper, other.upper)
    }
}

/// One evaluated parameter set.
public struct Evaluation: Sendable, Codable, Equatable {
    /// The round that proposed the set, from 0.
    public var round: Int
    /// The set's position in its round, from 0 (it also keys the set's trial seeds).
    public var sample: Int
    /// Positions in the unit cube, and the parameter values they stand for.
    public var unit: [Double]
    /// The parameter values `unit` stands for, in the search's `parameters` order (`SearchParameter.value`).
    public var values: [Double]
    /// The set's score (lower is better).
    public var score: Double
}

/// The study's search (STUDY.md §5) on the unit cube: round 0 samples the cube uniformly;
/// after each round the threshold is max(the `eliteFraction` quantile of that round's scores,
/// `eliteFloor`), the elite is every set so far scoring below it, and when it has at least
/// `minElite` members the proposal becomes a full-covariance Gaussian fitted to them (the study
/// fits a normalising flow; DESIGN.md §6 allows another density), else the proposal stays.
/// Every sample is a function of (seed, round, sample), so a run resumed from a checkpoint
/// reaches exactly the result of an uninterrupted one.
public struct CrossEntropySearch: Sendable, Codable, Equatable {
    /// The searched parameters, in the order of every sample's coordinates.
    public var parameters: [SearchParameter]
    /// The number of rounds the search runs in total.
    public var rounds: Int
    /// The number of parameter sets each round proposes.
    public var samplesPerRound: Int
    /// The quantile of a round's scores that gives the elite threshold, unless `eliteFloor` is
    /// higher (the study: 0.1).
    public var eliteFraction: Double
    /// The threshold never goes below this score (the study: 1.0).
    public var eliteFloor: Double
    /// Fewer elite sets than this keep the previous proposal (the study: 5).
    public var minElite: Int
    /// The seed every sample derives from, with its round and position.
    public var seed: UInt64
    /// State after `completedRounds` rounds.
    public var completedRounds = 0
    /// The Gaussian proposal, once fitted (nil: the uniform cube).
    public var mean: [Double]?
    /// The covariance of the Gaussian proposal in unit-cube coordinates (nil: none fitted yet).
    public var covariance: [[Double]]?
    /// Every evaluated set of the completed rounds, in round and sample order.
    public var evaluations: [Evaluation] = []

    /// Makes a search with no round completed (the elite settings default to the study's).
    public init(parameters: [SearchParameter], rounds: Int, samplesPerRound: Int, eliteFraction: Double = IRTask.Defaults.eliteFraction,
                eliteFloor: Double = IRTask.Defaults.eliteFloor, minElite: Int = IRTask.Defaults.minElite, seed: UInt64) {
        self.parameters = parameters; self.rounds = rounds; self.samplesPerRound = samplesPerRound
        self.eliteFraction = eliteFraction; self.eliteFloor = eliteFloor; self.minElite = minElite; self.seed = seed
    }

    /// The evaluation with the lowest score so far (the first of equal ones); nil before any.
    public var best: Evaluation? { evaluations.min { $0.score < $1.score } }
    /// Whether every round of the budget has been completed.
    public var isFinished: Bool { completedRounds >= rounds }

    /// The unit-cube positions of the next round's samples: uniform while there is no fitted
    /// proposal, else from the Gaussian, reflected into [0, 1].
    public func nextSamples() -> [[Double]] {
        let d = parameters.count
        let key = { (s: Int) in UInt64(completedRounds) << 32 | UInt64(s) }
        guard let mean, let covariance, let l = Cholesky.factor(covariance, floor: 1e-12) else {
            return (0..<samplesPerRound).map { s in (0..<d).map { CounterRandom.uniform(seed: seed, stream: 301, key(s), UInt64($0)) } }
        }
        return (0..<samplesPerRound).map { s in
            let z = (0..<d).map { CounterRandom.normal(seed: seed, stream: 300, key(s), UInt64($0)) }
            return (0..<d).map { i in
                var u = mean[i]
                for k in 0...i { u += l[i][k] * z[k] }
                u = u.truncatingRemainder(dividingBy: 2)
                if u < 0 { u += 2 }
                return u > 1 ? 2 - u : u
            }
        }
    }

    /// The elite threshold after a round with these scores.
    public func threshold(_ scores: [Double]) -> Double { max(quantile(scores, eliteFraction), eliteFloor) }

    /// Records a round's scores (in sample order) and refits the proposal to the pooled elite.
    public mutating func complete(samples: [[Double]], scores: [Double]) {
        let round = completedRounds
        for (s, (u, score)) in zip(samples, scores).enumerated() {
            evaluations.append(Evaluation(round: round, sample: s, unit: u, values: zip(parameters, u).map { $0.value($1) }, score: score))
        }
        let cut = threshold(scores)
        let elite = evaluations.filter { $0.score < cut }.map(\.unit)
        completedRounds += 1
        guard elite.count >= minElite else { return }
        let d = parameters.count, count = Double(elite.count)
        var m = Array(repeating: 0.0, count: d)
        for e in elite { for i in 0..<d { m[i] += e[i] / count } }
        var c = Array(repeating: Array(repeating: 0.0, count: d), count: d)
        for e in elite {
            for i in 0..<d { for j in 0..<d { c[i][j] += (e[i] - m[i]) * (e[j] - m[j]) / count } }
        }
        for i in 0..<d { c[i][i] += 1e-4 }  // keeps the proposal from collapsing
        mean = m
        covariance = c
    }

    /// Runs the remaining rounds. `evaluate` scores a round's parameter values (lower is
    /// better); `checkpoint` is called after every completed round (write it atomically).
    public mutating func run(evaluate: ([[Double]]) throws -> [Double], checkpoint: (CrossEntropySearch) throws -> Void) throws {
        while !isFinished {
            let samples = nextSamples()
            let values = samples.map { zip(parameters, $0).map { $0.value($1) } }
            complete(samples: samples, scores: try evaluate(values))
            try checkpoint(self)
        }
    }
}
