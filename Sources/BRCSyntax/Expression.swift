import BRCDiagnostics

/// The LEMS expression language (grammar/expression.ebnf): arithmetic, `^`, function calls,
/// comparisons `.gt. .lt. .geq. .leq. .eq. .neq.` and logic `.and. .or. .not.`.
public indirect enum Expr: Sendable, Hashable, CustomStringConvertible {
    /// A numeric literal.
    case number(Double)
    /// A name, such as a parameter, a state variable or a constant.
    case variable(String)
    /// An operator applied to one operand.
    case unary(UnaryOp, Expr)
    /// An operator applied to a left and a right operand.
    case binary(BinaryOp, Expr, Expr)
    /// A function call: the function's name and its arguments.
    case call(String, [Expr])

    /// LEMS's unary operators: minus and `.not.`.
    public enum UnaryOp: String, Sendable, Hashable { case neg = "-", not = ".not." }

    /// LEMS's binary operators, by their written form.
    public enum BinaryOp: String, Sendable, Hashable, CaseIterable {
        case add = "+", sub = "-", mul = "*", div = "/", pow = "^"
        case gt = ".gt.", lt = ".lt.", geq = ".geq.", leq = ".leq.", eq = ".eq.", neq = ".neq."
        case and = ".and.", or = ".or."

        /// Binding strength: larger binds tighter.
        public var precedence: Int {
            switch self {
            case .or: return 1
            case .and: return 2
            case .gt, .lt, .geq, .leq, .eq, .neq: return 3
            case .add, .sub: return 4
            case .mul, .div: return 5
            case .pow: return 7
            }
        }

        /// Whether the operator is a comparison (`.gt.` to `.neq.`).
        public var isComparison: Bool { precedence == 3 }
        /// Whether the operator is `.and.` or `.or.`.
        public var isLogical: Bool { self == .and || self == .or }
    }

    /// The functions the language knows, with their arity.
    public static let functions: [String: Int] = [
        "exp": 1, "log": 1, "ln": 1, "sqrt": 1, "sin": 1, "cos": 1, "tan": 1, "sinh": 1, "cosh": 1,
        "tanh": 1, "abs": 1, "ceil": 1, "floor": 1, "random": 1, "H": 1,
    ]

    /// Canonical text: fully determined by the tree, parenthesised only where needed, and
    /// parsed back to the same tree.
    public var description: String { print(parentPrecedence: 0, rightOperand: false) }

    private func print(parentPrecedence: Int, rightOperand: Bool) -> String {
        switch self {
        case .number(let v):
            let s = Self.formatNumber(v)
            return v < 0 && parentPrecedence > 0 ? "(\(s))" : s
        case .variable(let n): return n
        case .call(let f, let args):
            return "\(f)(" + args.map { $0.print(parentPrecedence: 0, rightOperand: false) }.joined(separator: ", ") + ")"
        case .unary(let op, let e):
            let inner = e.print(parentPrecedence: 6, rightOperand: false)
            let s = op == .neg ? "-\(inner)" : ".not. \(inner)"
            return parentPrecedence >= 6 ? "(\(s))" : s
        case .binary(let op, let a, let b):
            let p = op.precedence
            // `^` is right-associative; the others are left-associative.
            let lhs = a.print(parentPrecedence: op == .pow ? p + 1 : p, rightOperand: false)
            let rhs = b.print(parentPrecedence: op == .pow ? p : p + 1, rightOperand: true)
            let sep = op.isComparison || op.isLogical ? " \(op.rawValue) " : (op == .pow ? "^" : " \(op.rawValue) ")
            let s = lhs + sep + rhs
            return p < parentPrecedence ? "(\(s))" : s
        }
    }

    static func formatNumber(_ v: Double) -> String {
        if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
        return "\(v)"
    }

    /// Every variable name the expression reads.
    public var variables: Set<String> {
        switch self {
        case .number: return []
        case .variable(let n): return [n]
        case .unary(_, let e): return e.variables
        case .binary(_, let a, let b): return a.variables.union(b.variables)
        case .call(_, let args): return args.reduce(into: Set<String>()) { $0.formUnion($1.variables) }
        }
    }
}
