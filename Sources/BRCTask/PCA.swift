/// Principal components of a set of rows (samples x features), for the report's state
/// trajectories. The covariance is small (one row and column per readout cell), so its
/// eigenvectors come from the cyclic Jacobi method: rotations that zero the off-diagonal
/// entries one pair at a time until they are negligible.
public struct PCA: Sendable {
    /// Feature means subtracted before projecting.
    public var mean: [Double]
    /// Principal directions (unit vectors), by decreasing variance.
    public var components: [[Double]]
    /// The variance along each component.
    public var variances: [Double]
    /// The total variance of the rows (the covariance's trace).
    public var totalVariance: Double
    /// Each component's share of the total variance.
    public var explained: [Double] { variances.map { totalVariance > 0 ? $0 / totalVariance : 0 } }

    /// The first `count` principal components of `rows`.
    public init(_ rows: [[Double]], count: Int) {
        let n = rows.count, d = rows.first?.count ?? 0
        mean = (0..<d).map { j in rows.reduce(0) { $0 + $1[j] } / Double(max(n, 1)) }
        var c = Array(repeating: Array(repeating: 0.0, count: d), count: d)
        for r in rows {
            for i in 0..<d { for j in i..<d { c[i][j] += (r[i] - mean[i]) * (r[j] - mean[j]) } }
        }
        for i in 0..<d { for j in i..<d { c[i][j] /= Double(max(n - 1, 1)); c[j][i] = c[i][j] } }
        totalVariance = (0..<d).reduce(0) { $0 + c[$1][$1] }
        let (values, vectors) = PCA.symmetricEigen(c)
        let order = values.indices.sorted { values[$0] > values[$1] }.prefix(count)
        variances = order.map { max(values[$0], 0) }
        components = order.map { k in (0..<d).map { vectors[$0][k] } }
    }

    /// `rows` in component coordinates (rows x components).
    public func project(_ rows: [[Double]]) -> [[Double]] {
        rows.map { r in components.map { v in zip(v, zip(r, mean)).reduce(0) { $0 + $1.0 * ($1.1.0 - $1.1.1) } } }
    }

    /// Eigenvalues and eigenvectors (columns of the second result) of a symmetric matrix.
    static func symmetricEigen(_ matrix: [[Double]]) -> ([Double], [[Double]]) {
        var a = matrix
        let d = a.count
        var v = (0..<d).map { i in (0..<d).map { $0 == i ? 1.0 : 0.0 } }
        let scale = max((0..<d).map { abs(a[$0][$0]) }.max() ?? 0, 1e-300)
        for _ in 0..<100 {
            var off = 0.0
            for p in 0..<d { for q in (p + 1)..<max(d, p + 1) { off += a[p][q] * a[p][q] } }
            if off.squareRoot() <= 1e-15 * scale { break }
            for p in 0..<d {
                for q in (p + 1)..<max(d, p + 1) where a[p][q] != 0 {
                    // The rotation angle that zeroes a[p][q] (Golub & Van Loan, symmetric Schur).
                    let theta = (a[q][q] - a[p][p]) / (2 * a[p][q])
                    let t = (theta >= 0 ? 1.0 : -1.0) / (abs(theta) + (theta * theta + 1).squareRoot())
                    let cs = 1 / (t * t + 1).squareRoot(), sn = t * cs
                    for k in 0..<d {
                        let akp = a[k][p], akq = a[k][q]
                        a[k][p] = cs * akp - sn * akq; a[k][q] = sn * akp + cs * akq
                    }
                    for k in 0..<d {
                        let apk = a[p][k], aqk = a[q][k]
                        a[p][k] = cs * apk - sn * aqk; a[q][k] = sn * apk + cs * aqk
                    }
                    for k in 0..<d {
                        let vkp = v[k][p], vkq = v[k][q]
                        v[k][p] = cs * vkp - sn * vkq; v[k][q] = sn * vkp + cs * vkq
                    }
                }
            }
        }
        return ((0..<d).map { a[$0][$0] }, v)
    }
}
