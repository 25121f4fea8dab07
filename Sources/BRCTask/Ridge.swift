/// Ridge regression in closed form: W = (XᵀX + αI)⁻¹ XᵀY, with an unpenalised intercept
/// (features and targets are centred on the training rows). Solved by Cholesky
/// factorisation; the systems are small (features = readout cells), so no LAPACK is needed.
public struct RidgeModel: Sendable {
    /// weights[f][o]: feature f to output o.
    public var weights: [[Double]]
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

public enum Ridge {
    public enum Failure: Error, Equatable { case empty, shapes, notPositiveDefinite }

    /// Fits `y` (rows x outputs) from `x` (rows x features) with penalty `alpha` >= 0.
    public static func fit(_ x: [[Double]], _ y: [[Double]], alpha: Double) throws -> RidgeModel {
        guard let nf = x.first?.count, let no = y.first?.count, !x.isEmpty, x.count == y.count else { throw Failure.empty }
        guard x.allSatisfy({ $0.count == nf }), y.allSatisfy({ $0.count == no }) else { throw Failure.shapes }
        let n = Double(x.count)
        let xm = (0..<nf).map { f in x.reduce(0) { $0 + $1[f] } / n }
        let ym = (0..<no).map { o in y.reduce(0) { $0 + $1[o] } / n }
        // A = XcᵀXc + αI, B = XcᵀYc
        var a = Array(repeating: Array(repeating: 0.0, count: nf), count: nf)
        var b = Array(repeating: Array(repeating: 0.0, count: no), count: nf)
        for (row, target) in zip(x, y) {
            let xc = (0..<nf).map { row[$0] - xm[$0] }
            for i in 0..<nf {
                for j in i..<nf { a[i][j] += xc[i] * xc[j] }
                for o in 0..<no { b[i][o] += xc[i] * (target[o] - ym[o]) }
            }
        }
        for i in 0..<nf {
            for j in 0..<i { a[i][j] = a[j][i] }
            a[i][i] += alpha
        }
        let w = try solveCholesky(a, b)
        let intercept = (0..<no).map { o in ym[o] - (0..<nf).reduce(0) { $0 + xm[$1] * w[$1][o] } }
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
