import BRCSyntax

/// Parses the LEMS expression language (grammar/expression.ebnf) by precedence climbing.
/// Unary minus binds looser than `^` (so `-x^2` is `-(x^2)`), `^` is right-associative.
public struct ExpressionParser {
    /// Why an expression does not parse, and where.
    public struct ParseError: Error, Equatable {
        /// What is wrong, for the diagnostic.
        public var message: String
        /// 0-based character offset into the expression text.
        public var offset: Int
    }

    enum Token: Equatable {
        case number(Double), ident(String), op(String), lparen, rparen, comma, end
    }

    private var tokens: [(Token, Int)] = []
    private var pos = 0
    private var depth = 0
    /// Deeper expression trees are rejected: every later pass walks the tree recursively, so a
    /// hostile expression (ten thousand `+` terms, a thousand parentheses) must not reach them.
    /// Real rate expressions are well under twenty deep.
    public static let maxDepth = 100
    /// Longer expressions are rejected before parsing (the longest in NeuroML's examples has
    /// about a hundred tokens).
    public static let maxTokens = 5_000

    /// A parsed subexpression and the height of its tree.
    private typealias Node = (expr: Expr, height: Int)

    /// The expression `text` (LEMS syntax: `.gt.`-style and symbolic comparisons, `^`, the
    /// LEMS functions), or where and why it does not parse.
    public static func parse(_ text: String) -> Result<Expr, ParseError> { parseNotingReadings(text).0 }

    /// As `parse`, with the places where jLEMS, LEMS's reference interpreter, reads the text
    /// otherwise (each a `ParseError` as a note: its offset and what differs). Without
    /// parentheses jLEMS reads `a^b^c` as `(a^b)^c`, a minus after an operator as the sign of
    /// the power's base (`2 * -x^2` as `2 * (-x)^2`), and `.and.` no tighter than `.or.`
    /// (`a .or. b .and. c` as `(a .or. b) .and. c`).
    public static func parseNotingReadings(_ text: String) -> (Result<Expr, ParseError>, [ParseError]) {
        var p = ExpressionParser()
        do {
            p.tokens = try tokenize(text)
            guard p.tokens.count <= maxTokens else {
                throw ParseError(message: "the expression has \(p.tokens.count - 1) tokens; brcc accepts at most \(maxTokens)", offset: 0)
            }
            let e = try p.parseBinary(minPrecedence: 1)
            guard p.peek == .end else { throw ParseError(message: "unexpected \(p.describe(p.peek)) after a complete expression", offset: p.offset) }
            return (.success(e.expr), p.otherReadings)
        } catch let e as ParseError {
            return (.failure(e), [])
        } catch {
            return (.failure(ParseError(message: "\(error)", offset: 0)), [])
        }
    }

    /// Where jLEMS reads the expression otherwise (`parseNotingReadings`).
    private var otherReadings: [ParseError] = []

    /// Whether tokens `range` hold operator `op` outside parentheses.
    private func holdsUngrouped(_ op: String, _ range: Range<Int>) -> Bool {
        var depth = 0
        for k in range {
            switch tokens[k].0 {
            case .lparen: depth += 1
            case .rparen: depth -= 1
            case .op(let s) where s == op && depth == 0: return true
            default: continue
            }
        }
        return false
    }

    private var peek: Token { tokens[pos].0 }
    private var offset: Int { tokens[pos].1 }

    private func describe(_ t: Token) -> String {
        switch t {
        case .number(let v): return "number \(v)"
        case .ident(let s): return "name '\(s)'"
        case .op(let s): return "operator '\(s)'"
        case .lparen: return "'('"
        case .rparen: return "')'"
        case .comma: return "','"
        case .end: return "end of expression"
        }
    }

    private static let binaryOps: [String: Expr.BinaryOp] = Dictionary(
        uniqueKeysWithValues: Expr.BinaryOp.allCases.map { ($0.rawValue, $0) })

    /// `expr` over `children`, refused if the tree would grow deeper than `maxDepth`.
    private func node(_ expr: Expr, _ children: [Node], at offset: Int) throws -> Node {
        let height = 1 + (children.map(\.height).max() ?? 0)
        guard height <= Self.maxDepth else {
            throw ParseError(message: "the expression is nested more than \(Self.maxDepth) levels deep (count operators and parentheses); split it with DerivedVariables", offset: offset)
        }
        return (expr, height)
    }

    /// Guards the parser's own recursion (parentheses, signs) by the same limit.
    private mutating func enter() throws {
        depth += 1
        guard depth <= Self.maxDepth else {
            throw ParseError(message: "the expression is nested more than \(Self.maxDepth) levels deep (count operators and parentheses); split it with DerivedVariables", offset: offset)
        }
    }

    private mutating func parseBinary(minPrecedence: Int) throws -> Node {
        try enter()
        defer { depth -= 1 }
        var lhs = try parseUnary()
        while case .op(let s) = peek, let op = Self.binaryOps[s], op.precedence >= minPrecedence {
            let at = offset
            pos += 1
            let next = op == .pow ? op.precedence : op.precedence + 1
            let start = pos
            let rhs = op == .pow ? try parsePowerOperand() : try parseBinary(minPrecedence: next)
            if op == .or && holdsUngrouped(".and.", start..<pos) {
                otherReadings.append(ParseError(message: "'a .or. b .and. c' is read as 'a .or. (b .and. c)'; jLEMS reads '(a .or. b) .and. c'", offset: at))
            }
            lhs = try node(.binary(op, lhs.expr, rhs.expr), [lhs, rhs], at: at)
        }
        return lhs
    }

    /// The right operand of `^`: a (possibly signed) primary, itself possibly raised again.
    private mutating func parsePowerOperand() throws -> Node {
        try enter()
        defer { depth -= 1 }
        let at = offset
        if case .op("-") = peek { pos += 1; let e = try parsePowerOperand(); return try node(.unary(.neg, e.expr), [e], at: at) }
        let base = try parsePrimary()
        if case .op("^") = peek {
            otherReadings.append(ParseError(message: "'a^b^c' is read as 'a^(b^c)'; jLEMS reads '(a^b)^c'", offset: offset))
            pos += 1
            let e = try parsePowerOperand()
            return try node(.binary(.pow, base.expr, e.expr), [base, e], at: at)
        }
        return base
    }

    private mutating func parseUnary() throws -> Node {
        let at = offset
        if case .op("-") = peek {
            pos += 1
            let start = pos
            let e = try parseBinary(minPrecedence: 6)
            // After an operator (not at the start, after '(' or ','), jLEMS signs the power's base.
            if start >= 2, case .op = tokens[start - 2].0, holdsUngrouped("^", start..<pos) {
                otherReadings.append(ParseError(message: "'-x^n' after an operator is read as '-(x^n)'; jLEMS reads '(-x)^n'", offset: at))
            }
            return try node(.unary(.neg, e.expr), [e], at: at)
        }
        if case .op("+") = peek { pos += 1; return try parseBinary(minPrecedence: 6) }
        if case .op(".not.") = peek { pos += 1; let e = try parseBinary(minPrecedence: 6); return try node(.unary(.not, e.expr), [e], at: at) }
        return try parsePrimary()
    }

    private mutating func parsePrimary() throws -> Node {
        let (t, off) = tokens[pos]
        switch t {
        case .number(let v):
            pos += 1
            guard v.isFinite else { throw ParseError(message: "the number is too large for double precision", offset: off) }
            return (.number(v), 1)
        case .ident(let name):
            pos += 1
            guard peek == .lparen else { return (.variable(name), 1) }
            guard let arity = Expr.functions[name] else {
                throw ParseError(message: "unknown function '\(name)' (known: \(Expr.functions.keys.sorted().joined(separator: ", ")))", offset: off)
            }
            pos += 1
            var args: [Node] = []
            if peek != .rparen {
                args.append(try parseBinary(minPrecedence: 1))
                while peek == .comma { pos += 1; args.append(try parseBinary(minPrecedence: 1)) }
            }
            guard peek == .rparen else { throw ParseError(message: "expected ')' to close the call of \(name), found \(describe(peek))", offset: offset) }
            pos += 1
            guard args.count == arity else {
                throw ParseError(message: "\(name) takes \(arity) argument(s), found \(args.count)", offset: off)
            }
            return try node(.call(name, args.map(\.expr)), args, at: off)
        case .lparen:
            pos += 1
            let e = try parseBinary(minPrecedence: 1)
            guard peek == .rparen else { throw ParseError(message: "expected ')', found \(describe(peek))", offset: offset) }
            pos += 1
            return e
        default:
            throw ParseError(message: "expected a number, a name or '(', found \(describe(t))", offset: off)
        }
    }

    static func tokenize(_ text: String) throws -> [(Token, Int)] {
        let chars = Array(text)
        var out: [(Token, Int)] = []
        var i = 0
        func isIdentStart(_ c: Character) -> Bool { c.isLetter || c == "_" }
        func isIdent(_ c: Character) -> Bool { c.isLetter || c.isNumber || c == "_" }
        /// Whether an exponent (`e5`, `E-3`, `e+2`) starts at `k`.
        func startsExponent(_ k: Int) -> Bool {
            guard k < chars.count, chars[k] == "e" || chars[k] == "E" else { return false }
            var j = k + 1
            if j < chars.count && (chars[j] == "+" || chars[j] == "-") { j += 1 }
            return j < chars.count && chars[j].isNumber
        }
        while i < chars.count {
            let c = chars[i]
            if c.isWhitespace { i += 1; continue }
            let start = i
            if c.isNumber || (c == "." && i + 1 < chars.count && chars[i + 1].isNumber) {
                while i < chars.count && (chars[i].isNumber || chars[i] == ".") {
                    // Stop before a dotted operator such as `1.gt.` (rare but legal), not
                    // before an exponent such as `1.e-3` (`.eq.` has no digit after its e).
                    if chars[i] == "." && i + 1 < chars.count && chars[i + 1].isLetter && !startsExponent(i + 1) { break }
                    i += 1
                }
                if startsExponent(i) {
                    i += 1
                    if chars[i] == "+" || chars[i] == "-" { i += 1 }
                    while i < chars.count && chars[i].isNumber { i += 1 }
                }
                guard let v = Double(String(chars[start..<i])) else {
                    throw ParseError(message: "malformed number '\(String(chars[start..<i]))'", offset: start)
                }
                out.append((.number(v), start))
            } else if isIdentStart(c) {
                while i < chars.count && isIdent(chars[i]) { i += 1 }
                out.append((.ident(String(chars[start..<i])), start))
            } else if c == "." {
                var j = i + 1
                while j < chars.count && chars[j].isLetter { j += 1 }
                let word = String(chars[i..<min(j + 1, chars.count)])
                guard j < chars.count, chars[j] == ".", binaryOps[word] != nil || word == ".not." else {
                    throw ParseError(message: "unknown operator starting '\(String(chars[i..<min(j, chars.count)]))' (use .gt. .lt. .geq. .leq. .eq. .neq. .and. .or. .not.)", offset: start)
                }
                out.append((.op(word), start))
                i = j + 1
            } else if "+-*/^".contains(c) {
                out.append((.op(String(c)), start))
                i += 1
            } else if c == "(" {
                out.append((.lparen, start)); i += 1
            } else if c == ")" {
                out.append((.rparen, start)); i += 1
            } else if c == "," {
                out.append((.comma, start)); i += 1
            } else {
                throw ParseError(message: "unexpected character '\(c)'", offset: start)
            }
        }
        out.append((.end, chars.count))
        return out
    }
}
