/// Ridge regression in closed form: W = (XᵀX + αI)⁻¹ XᵀY, with an unpenalised intercept
/// (features and targets are centred on the training rows). Solved by Cholesky
/// factorisation; the systems are small (features = readout cells), so no LAPACK is needed.
public struct RidgeModel: Sendable {
    /// weights[f][o]: feature f to output o.
    public var weights: [[Double]]
    /// intercept[o]: the constant term of output o, added to every prediction.
    public var intercept: [Double]

    /// Predictions for rows of features.
    public func predict(_ x: [[Double]]) -> [[Double]] {
        x.map { row in
            (0..<intercept.count).map { o in
                var s = intercept[o]
                for (f, v) in row.enumerated() { s += v * weights[f][o] }
                return s
            }
        }
    }
}

/// Fits `RidgeModel`s (least squares with an L2 penalty `alpha`, by Cholesky factorisation).
public enum Ridge {
    /// Why a fit failed: `empty` (no rows to fit, or no held-out row to score), `shapes` (`x`
    /// and `y` differ in row count, rows of unequal width, or a trial whose feature and target
    /// rows differ in number) or `notPositiveDefinite` (the penalised normal matrix has no Cholesky factor).
    public enum Failure: Error, Equatable { case empty, shapes, notPositiveDefinite }

    /// Fits `y` (rows x outputs) from `x` (rows x features) with penalty `alpha` >= 0.
    public static func fit(_ x: [[Double]], _ y: [[Double]], alpha: Double) throws -> RidgeModel {
        guard let nf = x.first?.count, let no = y.first?.count else { throw Failure.empty }
        guard x.count == y.count else { throw Failure.shapes }
        guard x.allSatisfy({ $0.count == nf }), y.allSatisfy({ $0.count == no }) else { throw Failure.shapes }
        let n = Double(x.count)
        let shift = (0..<nf).map { f in x.reduce(0) { $0 + $1[f] } / n }
        return try fit(RidgeMoments(x, y, shift: shift), alpha: alpha)
    }

    /// Fits from the moments of the training rows (see `RidgeMoments`): the centred normal
    /// equations A = XcᵀXc + αI, B = XcᵀYc are recovered from sums about the shift.
    public static func fit(_ m: RidgeMoments, alpha: Double) throws -> RidgeModel {
        guard m.rows > 0 else { throw Failure.empty }
        let nf = m.features, no = m.outputs, n = Double(m.rows)
        // Means about the shift (small when the shift is near the training mean).
        let dx = (0..<nf).map { m.sumX[$0] / n }, ym = (0..<no).map { m.sumY[$0] / n }
        var a = Array(repeating: Array(repeating: 0.0, count: nf), count: nf)
        var b = Array(repeating: Array(repeating: 0.0, count: no), count: nf)
        for i in 0..<nf {
            for j in i..<nf { a[i][j] = m.xx[i * nf + j] - n * dx[i] * dx[j] }
            for o in 0..<no { b[i][o] = m.xy[i * no + o] - n * dx[i] * ym[o] }
        }
        for i in 0..<nf {
            for j in 0..<i { a[i][j] = a[j][i] }
            a[i][i] += alpha
        }
        let w = try solveCholesky(a, b)
        // The training mean of feature f is shift[f] + dx[f].
        var intercept = ym
        for o in 0..<no {
            for f in 0..<nf { intercept[o] -= (m.shift[f] + dx[f]) * w[f][o] }
        }
        return RidgeModel(weights: w, intercept: intercept)
    }

    /// Solves A W = B for symmetric positive definite A.
    static func solveCholesky(_ a: [[Double]], _ b: [[Double]]) throws -> [[Double]] {
        guard let l = Cholesky.factor(a) else { throw Failure.notPositiveDefinite }
        let n = a.count, m = b.first?.count ?? 0
        var w = b
        for o in 0..<m {
            var z = Array(repeating: 0.0, count: n)
            for i in 0..<n { var s = b[i][o]; for k in 0..<i { s -= l[i][k] * z[k] }; z[i] = s / l[i][i] }
            for i in stride(from: n - 1, through: 0, by: -1) { var s = z[i]; for k in (i + 1)..<n { s -= l[k][i] * w[k][o] }; w[i][o] = s / l[i][i] }
        }
        return w
    }
}

/// The Cholesky factor L (A = L Lᵀ) of a symmetric matrix.
enum Cholesky {
    /// nil if A is not positive definite, unless `floor` is given: then pivots below it are
    /// raised to it (for a sampling covariance that must stay usable).
    static func factor(_ a: [[Double]], floor: Double? = nil) -> [[Double]]? {
        let n = a.count
        var l = Array(repeating: Array(repeating: 0.0, count: n), count: n)
        for i in 0..<n {
            for j in 0...i {
                var s = a[i][j]
                for k in 0..<j { s -= l[i][k] * l[j][k] }
                if i == j {
                    if let floor { s = max(s, floor) }
                    guard s > 0 else { return nil }
                    l[i][i] = s.squareRoot()
                } else {
                    l[i][j] = s / l[j][j]
                }
            }
        }
        return l
    }
}

/// The sums a ridge fit needs, over a set of rows: count, Σ(x - c), Σy, Σ(x - c)(x - c)ᵀ (upper
/// triangle) and Σ(x - c)yᵀ, about a fixed shift c. Moments of disjoint row sets add, so a
/// cross-validation computes each trial's moments once and sums them per fold instead of
/// passing over every training row again. Shifting by a value near the data's mean keeps the
/// recentring A = Σ(x - c)(x - c)ᵀ - n d dᵀ (d = mean - c) free of cancellation.
public struct RidgeMoments: Sendable {
    /// The number of feature columns and of output columns the moments were made for.
    public let features: Int, outputs: Int
    /// The per-feature value c subtracted from every feature row before summing.
    public let shift: [Double]
    /// The number of rows summed.
    public private(set) var rows = 0
    var sumX: [Double], sumY: [Double]
    /// Row-major features x features (upper triangle filled).
    var xx: [Double]
    /// Row-major features x outputs.
    var xy: [Double]

    /// Empty moments.
    public init(features: Int, outputs: Int, shift: [Double]) {
        self.features = features; self.outputs = outputs; self.shift = shift
        sumX = Array(repeating: 0, count: features); sumY = Array(repeating: 0, count: outputs)
        xx = Array(repeating: 0, count: features * features); xy = Array(repeating: 0, count: features * outputs)
    }

    /// The moments of rows `x` (features) and `y` (outputs) about `shift`.
    public init(_ x: [[Double]], _ y: [[Double]], shift: [Double]) {
        self.init(features: shift.count, outputs: y.first?.count ?? 0, shift: shift)
        let nf = features, no = outputs
        var xc = Array(repeating: 0.0, count: nf)
        xx.withUnsafeMutableBufferPointer { g in
            xy.withUnsafeMutableBufferPointer { h in
                for (row, target) in zip(x, y) {
                    for f in 0..<nf { xc[f] = row[f] - shift[f]; sumX[f] += xc[f] }
                    for o in 0..<no { sumY[o] += target[o] }
                    xc.withUnsafeBufferPointer { c in
                        for i in 0..<nf {
                            let ci = c[i]
                            for j in i..<nf { g[i * nf + j] += ci * c[j] }
                            for o in 0..<no { h[i * no + o] += ci * target[o] }
                        }
                    }
                }
            }
        }
        rows = min(x.count, y.count)
    }

    /// The mean of the outputs over the rows.
    public var meanY: [Double] { sumY.map { $0 / Double(max(rows, 1)) } }

    /// The moments of both row sets (same shift).
    public static func + (a: RidgeMoments, b: RidgeMoments) -> RidgeMoments {
        var m = a
        m.rows += b.rows
        for k in m.sumX.indices { m.sumX[k] += b.sumX[k] }
        for k in m.sumY.indices { m.sumY[k] += b.sumY[k] }
        for k in m.xx.indices { m.xx[k] += b.xx[k] }
        for k in m.xy.indices { m.xy[k] += b.xy[k] }
        return m
    }
}
