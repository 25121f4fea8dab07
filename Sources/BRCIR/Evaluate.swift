#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension IRExpr {
    /// Evaluates the expression with `value(name)` for references (for recording derived
    /// quantities; kernels never interpret). `random` reads `t`, `dt` and the instance's key
    /// through `value` and gives the kernels' bits.
    public func evaluate(_ value: (String) -> Double) -> Double {
        switch self {
        case .const(let c): return c
        case .ref(let n): return value(n)
        case .neg(let a): return -a.evaluate(value)
        case .not(let a): return a.evaluate(value) != 0 ? 0 : 1
        case .select(let c, let a, let b): return c.evaluate(value) != 0 ? a.evaluate(value) : b.evaluate(value)
        case .random(let scale, let site):
            return scale.evaluate(value) * IRRandom.uniform(key: value(IRRandom.keyParameter), site: site, t: value("t"), dt: value("dt"))
        case .binary(let op, let a, let b):
            let x = a.evaluate(value), y = b.evaluate(value)
            switch op {
            case .add: return x + y
            case .sub: return x - y
            case .mul: return x * y
            case .div: return x / y
            case .pow: return pow(x, y)
            case .gt: return x > y ? 1 : 0
            case .lt: return x < y ? 1 : 0
            case .ge: return x >= y ? 1 : 0
            case .le: return x <= y ? 1 : 0
            case .eq: return x == y ? 1 : 0
            case .ne: return x != y ? 1 : 0
            case .and: return x != 0 && y != 0 ? 1 : 0
            case .or: return x != 0 || y != 0 ? 1 : 0
            }
        case .call(let f, let args):
            let x = args[0].evaluate(value)
            switch f {
            case "exp": return exp(x)
            case "log", "ln": return log(x)
            case "sqrt": return x.squareRoot()
            case "sin": return sin(x)
            case "cos": return cos(x)
            case "tan": return tan(x)
            case "sinh": return sinh(x)
            case "cosh": return cosh(x)
            case "tanh": return tanh(x)
            case "abs": return abs(x)
            case "ceil": return ceil(x)
            case "floor": return floor(x)
            case "H": return x > 0 ? 1 : 0
            default: return .nan
            }
        }
    }
}
