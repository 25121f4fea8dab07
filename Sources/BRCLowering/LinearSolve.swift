import BRCIR

/// Solves a small linear system A x = b whose entries are IR expressions, by Gaussian
/// elimination in the given row order without pivoting, written out as straight-line locals:
/// no loops and no branches reach the kernel, so both backends print it as plain arithmetic
/// and the cell loop still vectorises (the solver pass of Arbor's modcc does the same for
/// kinetic schemes). A `nil` entry is a structural zero and costs nothing; fill-in is tracked,
/// so a chain-shaped scheme costs O(n) operations.
///
/// Without pivoting the caller must order the rows so that no pivot vanishes: true for the
/// matrices of `KineticSchemeLowering` (I − dt·Q is column diagonally dominant with a positive
/// diagonal; −Q of an irreducible scheme has non-singular leading blocks).
enum LinearSolve {
    /// The locals that compute x (named `<prefix>_...`, appended in dependency order) and x's
    /// entries (references to those locals or constants).
    static func solve(_ a: [[IRExpr?]], _ b: [IRExpr?], prefix: String) -> (locals: [IRAssignment], x: [IRExpr]) {
        let n = b.count
        precondition(a.count == n && a.allSatisfy { $0.count == n }, "LinearSolve: the matrix is not \(n)x\(n)")
        var locals: [IRAssignment] = []
        /// A reference to `e`, through a new local unless it is already a name or a constant.
        func bind(_ e: IRExpr, _ name: String) -> IRExpr {
            switch e {
            case .ref, .const: return e
            default:
                locals.append(IRAssignment("\(prefix)_\(name)", e))
                return .ref("\(prefix)_\(name)")
            }
        }
        // Every entry a local of its own, so no expression is written twice.
        var m = a.enumerated().map { i, row in row.enumerated().map { j, e in e.map { bind($0, "m\(i)_\(j)") } } }
        var r = b.enumerated().map { i, e in e.map { bind($0, "r\(i)") } }
        for k in 0..<n {
            guard let pivot = m[k][k] else { preconditionFailure("LinearSolve: structurally zero pivot in row \(k)") }
            for i in (k + 1)..<n {
                guard let below = m[i][k] else { continue }
                let f = bind(.binary(.div, below, pivot), "f\(i)_\(k)")
                for j in (k + 1)..<n {
                    guard let right = m[k][j] else { continue }
                    let update = IRExpr.binary(.mul, f, right)
                    m[i][j] = bind(m[i][j].map { .binary(.sub, $0, update) } ?? .neg(update), "a\(i)_\(j)_\(k)")
                }
                if let rk = r[k] {
                    let update = IRExpr.binary(.mul, f, rk)
                    r[i] = bind(r[i].map { .binary(.sub, $0, update) } ?? .neg(update), "b\(i)_\(k)")
                }
                m[i][k] = nil
            }
        }
        var x = [IRExpr](repeating: .const(0), count: n)
        for i in stride(from: n - 1, through: 0, by: -1) {
            var sum = r[i]
            for j in (i + 1)..<n {
                guard let aij = m[i][j] else { continue }
                let term = IRExpr.binary(.mul, aij, x[j])
                sum = sum.map { .binary(.sub, $0, term) } ?? .neg(term)
            }
            x[i] = sum.map { bind(.binary(.div, $0, m[i][i]!), "x\(i)") } ?? .const(0)
        }
        return (locals, x)
    }
}
