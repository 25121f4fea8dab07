import BRCDriver
import BRCIR
import BRCRuntime
import BRCTask
import Foundation
import XCTest

/// Issue 4's building blocks: the ridge readout, leave-one-repeat-out cross-validation and
/// the cross-entropy search with checkpoints.
final class RidgeAndReadoutTests: XCTestCase {
    func rng(_ i: Int, _ j: Int) -> Double { CounterRandom.normal(seed: 9, stream: 1, UInt64(i), UInt64(j)) }

    func testRidgeRecoversAnExactLinearSystem() throws {
        let w = [[1.5, -2.0], [0.25, 0.0], [-3.0, 1.0]], b = [0.5, -1.0]
        let x = (0..<40).map { i in (0..<3).map { rng(i, $0) } }
        let y = x.map { row in (0..<2).map { o in b[o] + (0..<3).reduce(0) { $0 + row[$1] * w[$1][o] } } }
        let m = try Ridge.fit(x, y, alpha: 0)
        for f in 0..<3 { for o in 0..<2 { XCTAssertEqual(m.weights[f][o], w[f][o], accuracy: 1e-10) } }
        for o in 0..<2 { XCTAssertEqual(m.intercept[o], b[o], accuracy: 1e-10) }
    }

    func testRidgeShrinksAsTheOneDimensionalFormulaSays() throws {
        // One feature: w = Σ xc yc / (Σ xc² + α), computed here independently.
        let x = (0..<30).map { [rng($0, 0)] }, y = (0..<30).map { [2 * x[$0][0] + 0.3 * rng($0, 1)] }
        let xm = x.reduce(0) { $0 + $1[0] } / 30, ym = y.reduce(0) { $0 + $1[0] } / 30
        let sxy = zip(x, y).reduce(0) { $0 + ($1.0[0] - xm) * ($1.1[0] - ym) }, sxx = x.reduce(0) { $0 + ($1[0] - xm) * ($1[0] - xm) }
        var previous = Double.infinity
        for alpha in [0.0, 1.0, 10.0, 100.0] {
            let w = try Ridge.fit(x, y, alpha: alpha).weights[0][0]
            XCTAssertEqual(w, sxy / (sxx + alpha), accuracy: 1e-12)
            XCTAssertLessThan(abs(w), previous)
            previous = abs(w)
        }
    }

    /// Against an independent implementation: the ridge normal equations on centred data,
    /// (XcᵀXc + αI) w = Xcᵀyc with the intercept ȳ - x̄ᵀw, solved here by Gauss-Jordan
    /// elimination with partial pivoting (Ridge uses a Cholesky factorisation).
    func testRidgeMatchesGaussJordanOnTheNormalEquations() throws {
        let n = 60, d = 5, alpha = 2.0
        var x: [[Double]] = [], y: [[Double]] = []
        for i in 0..<n {
            let r = (0..<d).map { j -> Double in 1 + Double(j) * 0.3 + rng(i, j) }
            x.append(r)
            y.append([r[0] - 2 * r[3] + 0.5 * rng(i, 10), 0.7 * r[1] + r[4] + 0.5 * rng(i, 11)])
        }
        let m = try Ridge.fit(x, y, alpha: alpha)
        var xm = [Double](repeating: 0, count: d), ym = [0.0, 0.0]
        for r in x { for j in 0..<d { xm[j] += r[j] / Double(n) } }
        for r in y { for o in 0..<2 { ym[o] += r[o] / Double(n) } }
        for o in 0..<2 {
            // Augmented matrix [A | b].
            var a = [[Double]](repeating: [Double](repeating: 0, count: d + 1), count: d)
            for k in 0..<n {
                for i in 0..<d {
                    for j in 0..<d { a[i][j] += (x[k][i] - xm[i]) * (x[k][j] - xm[j]) }
                    a[i][d] += (x[k][i] - xm[i]) * (y[k][o] - ym[o])
                }
            }
            for i in 0..<d { a[i][i] += alpha }
            for col in 0..<d {
                var pivot = col
                for r in col..<d where abs(a[r][col]) > abs(a[pivot][col]) { pivot = r }
                a.swapAt(col, pivot)
                let p = a[col][col]
                for j in 0...d { a[col][j] /= p }
                for r in 0..<d where r != col {
                    let f = a[r][col]
                    for j in 0...d { a[r][j] -= f * a[col][j] }
                }
            }
            var intercept = ym[o]
            for j in 0..<d {
                XCTAssertEqual(m.weights[j][o], a[j][d], accuracy: 1e-10, "weight \(j), output \(o)")
                intercept -= xm[j] * a[j][d]
            }
            XCTAssertEqual(m.intercept[o], intercept, accuracy: 1e-10)
        }
    }

    /// Ragged rows and unequal row counts are refused, by the direct fit and by the cross-validation,
    /// not read out of range; no rows at all is `empty`.
    func testRaggedRowsAreRefused() {
        XCTAssertThrowsError(try Ridge.fit([[1, 2], [3]], [[1], [2]], alpha: 1)) { XCTAssertEqual($0 as? Ridge.Failure, .shapes) }
        XCTAssertThrowsError(try Ridge.fit([[1, 2], [3, 4]], [[1], [2, 3]], alpha: 1)) { XCTAssertEqual($0 as? Ridge.Failure, .shapes) }
        XCTAssertThrowsError(try Ridge.fit([[1, 2], [3, 4]], [[1]], alpha: 1)) { XCTAssertEqual($0 as? Ridge.Failure, .shapes) }
        XCTAssertThrowsError(try Ridge.fit([], [], alpha: 1)) { XCTAssertEqual($0 as? Ridge.Failure, .empty) }
        let trials = [Trial(condition: 0, repeatIndex: 0, features: [[1, 2]], target: [[1]]),
                      Trial(condition: 0, repeatIndex: 1, features: [[1]], target: [[1]])]
        XCTAssertThrowsError(try Readout.heldOut(trials)) { XCTAssertEqual($0 as? Ridge.Failure, .shapes) }
    }

    /// Moments of row blocks add: a fit from the summed moments of three blocks, about a shift
    /// far from the data's mean (-65, as membrane potentials are), equals the direct fit on
    /// the concatenated rows.
    func testRidgeFromSummedMomentsEqualsTheDirectFit() throws {
        let d = 4
        let x = (0..<90).map { i in (0..<d).map { j in -65 + 3 * rng(i, j) } }
        let y = x.enumerated().map { i, r in [0.2 * (r[0] + 65) - 0.1 * (r[2] + 65) + 0.05 * rng(i, 20)] }
        let direct = try Ridge.fit(x, y, alpha: 2)
        let shift = Array(repeating: -60.0, count: d)
        let blocks = [0..<25, 25..<70, 70..<90].map { RidgeMoments(Array(x[$0]), Array(y[$0]), shift: shift) }
        let summed = try Ridge.fit(blocks[0] + blocks[1] + blocks[2], alpha: 2)
        XCTAssertEqual((blocks[0] + blocks[1] + blocks[2]).rows, 90)
        for f in 0..<d { XCTAssertEqual(summed.weights[f][0], direct.weights[f][0], accuracy: 1e-9 * max(1, abs(direct.weights[f][0]))) }
        XCTAssertEqual(summed.intercept[0], direct.intercept[0], accuracy: 1e-8)
        XCTAssertGreaterThan(abs(direct.weights[0][0]), 0.1, "the fit finds the signal")
    }

    func testCrossValidationHoldsOutWholeRepeats() throws {
        // Features identify the trial (one-hot) and targets are random per trial: a readout
        // that saw the held-out trial would fit it perfectly; honest folds cannot beat chance.
        var trials: [Trial] = []
        for c in 0..<4 { for r in 0..<5 {
            let id = c * 5 + r
            let feature = (0..<20).map { $0 == id ? 1.0 : 0.0 }
            let target = [rng(id, 7)]
            trials.append(Trial(condition: c, repeatIndex: r, features: Array(repeating: feature, count: 10), target: Array(repeating: target, count: 10)))
        } }
        let folds = Readout.folds(trials)
        XCTAssertEqual(folds.count, 5)
        for (train, validate) in folds {
            XCTAssertTrue(Set(train).isDisjoint(with: validate))
            XCTAssertEqual(Set(validate.map { trials[$0].repeatIndex }).count, 1)
        }
        let s = try Readout.score(trials, alpha: 1e-6, failureMagnitude: 0)
        XCTAssertGreaterThan(s.validationMSE, 0.8 * s.chanceMSE, "no leakage: held-out trials are not memorised")
    }

    func testReadoutOfInformativeFeaturesBeatsChanceAndDetectsFailure() throws {
        // Features are noisy copies of a 2-D cue: the readout recovers it.
        let cues: [[Double]] = [[-2, -2], [2, 2], [-2, 2], [2, -2]]
        var trials: [Trial] = []
        for (c, cue) in cues.enumerated() { for r in 0..<5 {
            let rows = (0..<20).map { t in (0..<6).map { f in cue[f % 2] * Double(f + 1) / 3 + 0.5 * rng(c * 100 + r * 20 + t, f) } }
            trials.append(Trial(condition: c, repeatIndex: r, features: rows, target: Array(repeating: cue, count: 20)))
        } }
        let s = try Readout.score(trials)
        XCTAssertLessThan(s.validationMSE, 0.1 * s.chanceMSE)
        XCTAssertGreaterThan(s.r2, 0.9)
        XCTAssertFalse(s.failed)
        for (c, cue) in cues.enumerated() { XCTAssertEqual(s.meanPredictionPerCondition[c]![0], cue[0], accuracy: 0.3) }
        // Scaled-down targets: the readout's output stays below the magnitude rule and fails.
        let small = trials.map { t in Trial(condition: t.condition, repeatIndex: t.repeatIndex, features: t.features, target: t.target.map { $0.map { $0 * 0.01 } }) }
        let f = try Readout.score(small)
        XCTAssertTrue(f.failed)
        XCTAssertEqual(f.score, f.validationMSE + 1000, "the study adds 1000 to a failed set's error")
    }

    /// STUDY.md §4's failure rule on hand-made predictions: the statistic is the mean over
    /// conditions and outputs of |the mean prediction of the condition|, so predictions that
    /// swing widely but average to zero per condition fail, and constant ones of 0.25 do not.
    func testFailureRuleAveragesPerConditionBeforeTheMagnitude() throws {
        // One feature that is a constant per trial: the readout then predicts a constant per
        // condition, which we set through the targets.
        func trials(_ level: Double, swing: Double) -> [Trial] {
            var out: [Trial] = []
            for (c, sign) in [-1.0, 1.0, -1.0, 1.0].enumerated() { for r in 0..<5 {
                let rows = (0..<40).map { t in [sign * level + (t % 2 == 0 ? swing : -swing), 1.0] }
                out.append(Trial(condition: c, repeatIndex: r, features: rows, target: rows.map { [$0[0], $0[0]] }))
            } }
            return out
        }
        let swinging = try Readout.score(trials(0, swing: 3), alpha: 1e-9)
        XCTAssertEqual(swinging.meanOutputMagnitude, 0, accuracy: 1e-6, "per-condition means are zero although |prediction| is about 3")
        XCTAssertTrue(swinging.failed)
        let steady = try Readout.score(trials(0.25, swing: 0), alpha: 1e-9)
        XCTAssertEqual(steady.meanOutputMagnitude, 0.25, accuracy: 1e-6)
        XCTAssertFalse(steady.failed)
        XCTAssertTrue(try Readout.score(trials(0.15, swing: 0), alpha: 1e-9).failed, "0.15 < 0.2")
    }

    /// The failure rule measures the per-condition predictions from the conditions' mean: with
    /// conditions not centred on 0 ("1, 3"), a readout that stays at their middle (2) fails as
    /// one that stays at 0 fails for the study's (uncentred, its |prediction| of 2 passed), and
    /// one that separates them does not. For centred conditions nothing changes (above).
    func testFailureRuleIsCentredOnTheConditionsMean() throws {
        func trials(offset: Double, level: Double) -> [Trial] {
            var out: [Trial] = []
            for (c, sign) in [-1.0, 1.0].enumerated() { for r in 0..<5 {
                let rows = (0..<40).map { _ in [offset + sign * level, 1.0] }
                out.append(Trial(condition: c, repeatIndex: r, features: rows, target: rows.map { [$0[0]] }))
            } }
            return out
        }
        let middle = try Readout.score(trials(offset: 2, level: 0.1), alpha: 1e-9)
        XCTAssertEqual(middle.meanOutputMagnitude, 0.1, accuracy: 1e-6, "|1.9 - 2| and |2.1 - 2|, not |1.9| and |2.1|")
        XCTAssertTrue(middle.failed)
        let apart = try Readout.score(trials(offset: 2, level: 1), alpha: 1e-9)
        XCTAssertEqual(apart.meanOutputMagnitude, 1, accuracy: 1e-6)
        XCTAssertFalse(apart.failed)
        XCTAssertEqual(try Readout.score(trials(offset: 0, level: 0.1), alpha: 1e-9).meanOutputMagnitude, middle.meanOutputMagnitude, accuracy: 1e-9,
                       "the same readout about 0 scores the same")
    }
}

final class SearchTests: XCTestCase {
    let params = [SearchParameter(name: "g", lower: 0.01, upper: 10, log: true),
                  SearchParameter(name: "p", lower: 0, upper: 0.6, log: false)]

    /// A known optimum: g = 0.5, p = 0.2 (distance in the prior's own coordinates).
    func objective(_ v: [[Double]]) -> [Double] {
        v.map { pow(log10($0[0]) - log10(0.5), 2) + pow(($0[1] - 0.2) / 0.6, 2) }
    }

    func testSearchConvergesToTheOptimum() throws {
        var s = CrossEntropySearch(parameters: params, rounds: 12, samplesPerRound: 40, eliteFraction: 0.2, eliteFloor: 0, seed: 3)
        try s.run(evaluate: objective, checkpoint: { _ in })
        let best = try XCTUnwrap(s.best)
        XCTAssertEqual(log10(best.values[0]), log10(0.5), accuracy: 0.05)
        XCTAssertEqual(best.values[1], 0.2, accuracy: 0.02)
        XCTAssertEqual(s.evaluations.count, 480)
        // The proposal narrowed around the optimum.
        XCTAssertLessThan(try XCTUnwrap(s.covariance)[0][0], 0.01)
    }

    func testSeedsReproduceAndResumingGivesTheSameResult() throws {
        var a = CrossEntropySearch(parameters: params, rounds: 6, samplesPerRound: 20, seed: 11)
        try a.run(evaluate: objective, checkpoint: { _ in })
        var b = CrossEntropySearch(parameters: params, rounds: 6, samplesPerRound: 20, seed: 11)
        try b.run(evaluate: objective, checkpoint: { _ in })
        XCTAssertEqual(a, b, "same seed, same search")
        var c = CrossEntropySearch(parameters: params, rounds: 6, samplesPerRound: 20, seed: 12)
        try c.run(evaluate: objective, checkpoint: { _ in })
        XCTAssertNotEqual(a.evaluations, c.evaluations)
        // Interrupt after round 3 (the checkpoint is JSON), then resume from the file.
        struct Stop: Error {}
        var interrupted = CrossEntropySearch(parameters: params, rounds: 6, samplesPerRound: 20, seed: 11)
        var saved = Data()
        XCTAssertThrowsError(try interrupted.run(evaluate: objective, checkpoint: { state in
            saved = try JSONEncoder().encode(state)
            if state.completedRounds == 3 { throw Stop() }
        }))
        var resumed = try JSONDecoder().decode(CrossEntropySearch.self, from: saved)
        XCTAssertEqual(resumed.completedRounds, 3)
        try resumed.run(evaluate: objective, checkpoint: { _ in })
        XCTAssertEqual(resumed, a, "a resumed search reaches exactly the uninterrupted result")
    }

    /// STUDY.md §5: round 0 is uniform on the cube; the threshold is max(q10 of the round, 1.0);
    /// the elite pools every set so far below it; fewer than 5 keep the proposal.
    func testStudySearchRules() {
        var s = CrossEntropySearch(parameters: params, rounds: 3, samplesPerRound: 20, seed: 3)
        let round0 = s.nextSamples()
        XCTAssertNil(s.mean)
        // Uniform: 40 coordinates spread over the cube (none outside, both halves used).
        let flat = round0.flatMap { $0 }
        XCTAssertTrue(flat.allSatisfy { $0 >= 0 && $0 <= 1 })
        XCTAssertGreaterThan(flat.filter { $0 < 0.5 }.count, 10)
        XCTAssertGreaterThan(flat.filter { $0 > 0.5 }.count, 10)
        // Round 0: four good sets, sixteen failed ones (1000 + MSE). q10 = 0.69, so the
        // threshold is the floor 1.0 and the elite has four sets, too few to refit.
        var scores = (0..<20).map { 1004 + Double($0) }
        for i in 0..<4 { scores[i] = 0.5 + Double(i) * 0.1 }
        XCTAssertEqual(quantile(scores, 0.1), 0.69, accuracy: 1e-9, "numpy's linear quantile of the round")
        XCTAssertEqual(s.threshold(scores), 1.0)
        s.complete(samples: round0, scores: scores)
        XCTAssertNil(s.mean, "4 elite sets keep the proposal")
        XCTAssertEqual(s.nextSamples().count, 20)
        // Round 1: two more good sets; q10 = 0.95 + 0.9 (5.0 - 0.95) = 4.595; the pooled elite
        // (every set so far below it) is the four of round 0 and these two: six, a refit.
        let round1 = s.nextSamples()
        var scores1 = (0..<20).map { 5.0 + 0.1 * Double($0) }
        scores1[3] = 0.9; scores1[7] = 0.95
        XCTAssertEqual(s.threshold(scores1), 4.595, accuracy: 1e-9)
        s.complete(samples: round1, scores: scores1)
        let elite = (0..<4).map { round0[$0] } + [round1[3], round1[7]]
        let mean = try! XCTUnwrap(s.mean)
        for i in 0..<params.count { XCTAssertEqual(mean[i], elite.map { $0[i] }.reduce(0, +) / 6, accuracy: 1e-12) }
    }

    /// Round 0 draws the study's 26 coordinates independently and uniformly (an audit's
    /// 300-draw KS statistics sat near the 5 % critical value: the sampler itself, 20,000 draws,
    /// is uniform within the 0.1 % KS bound, 1.95 / sqrt(n), on every coordinate, and no two
    /// coordinates correlate beyond 4 / sqrt(n)).
    func testRoundZeroIsUniformAndIndependent() {
        let n = 20_000, d = 26
        let search = CrossEntropySearch(parameters: (0..<d).map { SearchParameter(name: "x\($0)", lower: 0, upper: 1, log: false) },
                                        rounds: 1, samplesPerRound: n, seed: 9)
        let draws = search.nextSamples()
        for i in 0..<d {
            let x = draws.map { $0[i] }.sorted()
            let ks: Double = x.enumerated().map { (k: Int, v: Double) -> Double in max(abs(Double(k + 1) / Double(n) - v), abs(v - Double(k) / Double(n))) }.max()!
            XCTAssertLessThan(ks, 1.95 / Double(n).squareRoot(), "coordinate \(i): KS statistic \(ks)")
        }
        func column(_ i: Int) -> [Double] { let c = draws.map { $0[i] }, m = c.reduce(0, +) / Double(n); return c.map { $0 - m } }
        let centred = (0..<d).map(column)
        for i in 0..<d {
            for j in (i + 1)..<d {
                let cross: Double = zip(centred[i], centred[j]).map { $0 * $1 }.reduce(0, +)
                let si: Double = centred[i].map { $0 * $0 }.reduce(0, +), sj: Double = centred[j].map { $0 * $0 }.reduce(0, +)
                let r = cross / (si * sj).squareRoot()
                XCTAssertLessThan(abs(r), 4 / Double(n).squareRoot(), "coordinates \(i) and \(j) correlate: \(r)")
            }
        }
    }
}

/// The cue task end to end on a small network: cue cells with Gaussian tuning drive readout
/// cells through slow synapses; a ridge readout of the readout cells recovers the cue.
final class CueTaskTests: XCTestCase {
    func testReadoutOfASmallNetworkBeatsChance() throws {
        let text = smallCueNetwork(length: "300ms")
        let ir = try Driver.check(text: text, path: FileManager.default.temporaryDirectory.appendingPathComponent("cue.xml").path)
        let lib = try KernelLibrary(path: try Driver.compile(ir, cache: TestPaths.cache).library)
        let spec = CueTaskSpec(repeats: 3, duration: 300, burnIn: 100, downsample: 10, readoutPopulation: "readout")
        let trials = try CueTask.trials(ir, library: lib, spec: spec, dt: 0.025)
        XCTAssertEqual(trials.count, 12)
        XCTAssertEqual(trials[0].features.count, 801)  // 200 ms after the burn-in, every 10th step, both ends included (the study: 3001 of 1000 ms)
        // Without a burn-in the rows start at t = 0 too (one interval in before: an audit).
        let fromStart = try CueTask.trials(ir, library: lib, spec: CueTaskSpec(repeats: 1, duration: 300, burnIn: 0, downsample: 10, readoutPopulation: "readout"), dt: 0.025)
        XCTAssertEqual(fromStart[0].features.count, 1201)
        let readout = try XCTUnwrap(ir.populations.first { $0.name == "readout" })
        XCTAssertEqual(fromStart[0].features[0], Array(repeating: ir.cellTypes[readout.cellType].vInit, count: readout.size), "the first row is the initial state")
        XCTAssertEqual(Array(fromStart[0].features[400...]), trials[0].features, "and the rows from 100 ms are the burnt-in trial's")
        let score = try Readout.score(trials, alpha: IRTask.Defaults.alpha, failureMagnitude: 0.2)
        print("cue task on 12 cue + 12 readout cells: validation MSE \(score.validationMSE), chance \(score.chanceMSE), R2 \(score.r2)")
        XCTAssertFalse(score.failed)
        XCTAssertLessThan(score.validationMSE, 0.5 * score.chanceMSE, "the readout beats chance clearly")
        // Reproducible, also on two threads: the same trials again give the same score.
        XCTAssertEqual(try Readout.score(try CueTask.trials(ir, library: lib, spec: spec, dt: 0.025, threads: 2)), score)
        // The held-out predictions are the ones the score is computed from.
        let held = try Readout.heldOut(trials, alpha: IRTask.Defaults.alpha)
        XCTAssertEqual(held.map(\.trial).sorted(), Array(trials.indices))
        var se = 0.0, n = 0.0
        for h in held { for (row, t) in zip(h.prediction, trials[h.trial].target) { for o in 0..<2 { se += (row[o] - t[o]) * (row[o] - t[o]); n += 1 } } }
        XCTAssertEqual(se / n, score.validationMSE, accuracy: 1e-12)
    }

    /// The report's view of a network: spikes, held-out readout and principal-component
    /// trajectories per condition, rendered as inline SVG.
    func testAnalysisAndReportOfASmallNetwork() throws {
        let text = smallCueNetwork(length: "200ms", extra: """
            <brc:cueTask readout="readout" conditions="-2 -2, 2 2" repeats="2" burnIn="100ms" downsample="10">
              <brc:search seed="1"><brc:synapticParameter projection="p" name="gbase" prior="logUniform" lower="0.1nS" upper="5nS"/></brc:search>
            </brc:cueTask>
            """)
        let ir = try Driver.check(text: text, path: FileManager.default.temporaryDirectory.appendingPathComponent("cue-analysis.xml").path)
        let lib = try KernelLibrary(path: try Driver.compile(ir, cache: TestPaths.cache).library)
        let task = try XCTUnwrap(ir.task)
        let a = try NetworkAnalysis.analyse(ir, library: lib, task: task, values: [0.001], threads: 2)
        XCTAssertEqual(a.conditions.map(\.cue), [[-2, -2], [2, 2]])
        XCTAssertEqual(a.rowInterval, 0.25, accuracy: 1e-12)
        for c in a.conditions {
            XCTAssertEqual(c.prediction.count, 401)
            XCTAssertEqual(c.trajectory.count, 401)
            XCTAssertEqual(c.trajectory[0].count, 3)
            // Cue cells spike only in the cue window (100-125 ms, plus a few ms for the last spike).
            XCTAssertFalse(c.spikes.isEmpty)
            XCTAssertTrue(c.spikes.allSatisfy { $0.population == 0 && $0.t >= 100 && $0.t < 135 }, "\(c.spikes.prefix(5))")
        }
        XCTAssertNotEqual(a.conditions[0].spikes.map(\.cell), a.conditions[1].spikes.map(\.cell), "different cues drive different cue cells")
        // The explained variances are shares of the total, in decreasing order.
        XCTAssertEqual(a.explainedVariance.count, 3)
        XCTAssertTrue(a.explainedVariance.reduce(0, +) <= 1 + 1e-12 && a.explainedVariance[0] >= a.explainedVariance[1])
        // Round trip through JSON (best/analysis.json), then the report.
        let decoded = try JSONDecoder().decode(NetworkAnalysis.self, from: JSONEncoder().encode(a))
        XCTAssertEqual(decoded, a)
        let summary = TrainingSummary(brccVersion: "0.1.0", model: "m", modelHash: "h",
                                      task: .init(readout: "rate", conditions: [[-2, -2], [2, 2]], repeats: 2, burnInMs: 0, downsample: 1, alpha: 2, failureMagnitude: 0.2, durationMs: 10, dtMs: 0.025),
                                      budget: .init(rounds: 1, samplesPerRound: 1, eliteFraction: 0.1, simulationsPerSample: 4), seed: 1, rounds: [], best: nil,
                                      simulationsRun: 4, wallSeconds: 1, threads: 1, backend: "c", precision: "exact", units: "")
        let html = TrainingReport.html(summary: summary, csv: "round,sample,p.gbase,score,validation_mse,chance_mse,failed,mean_abs_prediction\n0,0,0.001,1,1,4,0,0.5\n", analysis: a)
        XCTAssertEqual(html.components(separatedBy: "<svg").count - 1, 1 + 2 + 2 + 1, "the score plot, a raster and a readout plot per condition, the PC plot")
        XCTAssertTrue(html.contains("cue (2, 2): spikes of repeat 0") && html.contains("held-out readout output and target") && html.contains("class=\"legend\"") && html.contains("class=\"yticks\"") && html.contains(">validation MSE</text>") && html.contains("PC1"))
        XCTAssertFalse(html.contains("<script"))
    }
}

/// Principal components against a case with a known answer.
final class PCATests: XCTestCase {
    func testComponentsOfDataAlongKnownDirections() {
        // Points x = 3 a u + 1 b w + 0.1 c e3 in 3-D, with u, w orthonormal and a, b, c uniform
        // in [-1, 1] on a grid: the components are ±u, ±w, ±e3, and the variances are in the
        // ratio 9 : 1 : 0.01.
        let u = [0.6, 0.8, 0.0], w = [-0.8, 0.6, 0.0], e3 = [0.0, 0.0, 1.0]
        var rows: [[Double]] = []
        let grid = stride(from: -1.0, through: 1.0, by: 0.25)
        for a in grid { for b in grid { for c in grid { rows.append((0..<3).map { 5 + 3 * a * u[$0] + b * w[$0] + 0.1 * c * e3[$0] }) } } }
        let pca = PCA(rows, count: 3)
        for (k, expected) in [u, w, e3].enumerated() {
            let dot = zip(pca.components[k], expected).reduce(0) { $0 + $1.0 * $1.1 }
            XCTAssertEqual(abs(dot), 1, accuracy: 1e-12, "component \(k)")
        }
        XCTAssertEqual(pca.variances[0] / pca.variances[1], 9, accuracy: 1e-9)
        XCTAssertEqual(pca.variances[1] / pca.variances[2], 100, accuracy: 1e-7)
        XCTAssertEqual(pca.explained.reduce(0, +), 1, accuracy: 1e-12)
        XCTAssertEqual(pca.mean[0], 5, accuracy: 1e-12)
        // Projection: the centred point 3u has coordinates (±3, 0, 0).
        let p = pca.project([[5 + 1.8, 5 + 2.4, 5]])[0]
        XCTAssertEqual(abs(p[0]), 3, accuracy: 1e-12)
        XCTAssertEqual(p[1], 0, accuracy: 1e-12)
    }
}
