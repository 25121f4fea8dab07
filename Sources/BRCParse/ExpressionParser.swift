import BRCSyntax

/// Parses the LEMS expression language (grammar/expression.ebnf) by precedence climbing.
/// Unary minus binds looser than `^` (so `-x^2` is `-(x^2)`), `^` is right-associative.
public struct ExpressionParser {
    public struct ParseError: Error, Equatable {
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
    /// Deeper nesting is rejected (hostile input must not overflow the stack).
    public static let maxDepth = 200

    public static func parse(_ text: String) -> Result<Expr, ParseError> {
        do {
            var p = ExpressionParser()
            p.tokens = try tokenize(text)
            let e = try p.parseBinary(minPrecedence: 1)
            guard p.peek == .end else { throw ParseError(message: "unexpected \(p.describe(p.peek)) after a complete expression", offset: p.offset) }
            return .success(e)
        } catch let e as ParseError {
            return .failure(e)
        } catch {
            return .failure(ParseError(message: "\(error)", offset: 0))
        }
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

    private mutating func parseBinary(minPrecedence: Int) throws -> Expr {
        depth += 1
        defer { depth -= 1 }
        guard depth <= Self.maxDepth else {
            throw ParseError(message: "the expression is nested more than \(Self.maxDepth) levels deep", offset: offset)
        }
        var lhs = try parseUnary()
        while case .op(let s) = peek, let op = Self.binaryOps[s], op.precedence >= minPrecedence {
            pos += 1
            let next = op == .pow ? op.precedence : op.precedence + 1
            let rhs = op == .pow ? try parsePowerOperand() : try parseBinary(minPrecedence: next)
            lhs = .binary(op, lhs, rhs)
        }
        return lhs
    }

    /// The right operand of `^`: a (possibly signed) primary, itself possibly raised again.
    private mutating func parsePowerOperand() throws -> Expr {
        depth += 1
        defer { depth -= 1 }
        guard depth <= Self.maxDepth else {
            throw ParseError(message: "the expression is nested more than \(Self.maxDepth) levels deep", offset: offset)
        }
        if case .op("-") = peek { pos += 1; return .unary(.neg, try parsePowerOperand()) }
        let base = try parsePrimary()
        if case .op("^") = peek { pos += 1; return .binary(.pow, base, try parsePowerOperand()) }
        return base
    }

    private mutating func parseUnary() throws -> Expr {
        if case .op("-") = peek { pos += 1; return .unary(.neg, try parseBinary(minPrecedence: 6)) }
        if case .op("+") = peek { pos += 1; return try parseBinary(minPrecedence: 6) }
        if case .op(".not.") = peek { pos += 1; return .unary(.not, try parseBinary(minPrecedence: 6)) }
        return try parsePrimary()
    }

    private mutating func parsePrimary() throws -> Expr {
        let (t, off) = tokens[pos]
        switch t {
        case .number(let v):
            pos += 1
            return .number(v)
        case .ident(let name):
            pos += 1
            guard peek == .lparen else { return .variable(name) }
            guard let arity = Expr.functions[name] else {
                throw ParseError(message: "unknown function '\(name)' (known: \(Expr.functions.keys.sorted().joined(separator: ", ")))", offset: off)
            }
            pos += 1
            var args: [Expr] = []
            if peek != .rparen {
                args.append(try parseBinary(minPrecedence: 1))
                while peek == .comma { pos += 1; args.append(try parseBinary(minPrecedence: 1)) }
            }
            guard peek == .rparen else { throw ParseError(message: "expected ')' to close the call of \(name), found \(describe(peek))", offset: offset) }
            pos += 1
            guard args.count == arity else {
                throw ParseError(message: "\(name) takes \(arity) argument(s), found \(args.count)", offset: off)
            }
            return .call(name, args)
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
        while i < chars.count {
            let c = chars[i]
            if c.isWhitespace { i += 1; continue }
            let start = i
            if c.isNumber || (c == "." && i + 1 < chars.count && chars[i + 1].isNumber) {
                while i < chars.count && (chars[i].isNumber || chars[i] == ".") {
                    // Stop before a dotted operator such as `1.gt.` (rare but legal).
                    if chars[i] == "." && i + 1 < chars.count && chars[i + 1].isLetter { break }
                    i += 1
                }
                if i < chars.count && (chars[i] == "e" || chars[i] == "E") {
                    var j = i + 1
                    if j < chars.count && (chars[j] == "+" || chars[j] == "-") { j += 1 }
                    if j < chars.count && chars[j].isNumber {
                        i = j
                        while i < chars.count && chars[i].isNumber { i += 1 }
                    }
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
