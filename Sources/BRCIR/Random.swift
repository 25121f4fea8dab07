/// A counter-based random number generator: every number is a pure function of
/// (seed, stream, a, b), e.g. (seed, noise stream, cell, step). Results therefore do not
/// depend on evaluation order, thread count or batch size.
///
/// The mixing function is SplitMix64's finaliser applied to a combination of the four keys
/// (each key passes through the finaliser before it is folded in).
public enum CounterRandom {
    /// SplitMix64's increment (the generated kernels' `brc_mix` is written from it and
    /// `multipliers`).
    public static let increment: UInt64 = 0x9e3779b97f4a7c15
    /// The two multipliers of SplitMix64's finaliser, applied after the shifts by 30 and by 27.
    public static let multipliers: (UInt64, UInt64) = (0xbf58476d1ce4e5b9, 0x94d049bb133111eb)

    /// SplitMix64's finaliser of x + increment: shifts 30, 27 and 31.
    @inline(__always)
    public static func mix(_ x: UInt64) -> UInt64 {
        var z = x &+ increment
        z = (z ^ (z >> 30)) &* multipliers.0
        z = (z ^ (z >> 27)) &* multipliers.1
        return z ^ (z >> 31)
    }

    /// 64 random bits for the key.
    @inline(__always)
    public static func bits(seed: UInt64, stream: UInt64, _ a: UInt64, _ b: UInt64) -> UInt64 {
        mix(mix(mix(mix(seed) ^ stream) ^ a) ^ b)
    }

    /// Uniform in [0, 1) with 53 random bits.
    @inline(__always)
    public static func uniform(seed: UInt64, stream: UInt64, _ a: UInt64, _ b: UInt64) -> Double {
        uniform(prefix: prefix(seed: seed, stream: stream, a), b)
    }

    /// `uniform(seed:stream:a:b)` from `prefix(seed:stream:a)`: the same bits, for a draw
    /// that repeats for many b (a Poisson source, one draw per step).
    @inline(__always)
    public static func uniform(prefix p: UInt64, _ b: UInt64) -> Double {
        Double(mix(p ^ b) >> 11) * 0x1.0p-53
    }

    /// Standard normal (Box-Muller on two uniforms derived from the key).
    @inline(__always)
    public static func normal(seed: UInt64, stream: UInt64, _ a: UInt64, _ b: UInt64) -> Double {
        normal(prefix: prefix(seed: seed, stream: stream, a), b)
    }

    /// The mixed first three keys of (seed, stream, a, b): a draw that repeats for many b
    /// (a noise current, one draw per step) mixes them once.
    @inline(__always)
    public static func prefix(seed: UInt64, stream: UInt64, _ a: UInt64) -> UInt64 {
        mix(mix(mix(seed) ^ stream) ^ a)
    }

    /// `normal(seed:stream:a:b)` from `prefix(seed:stream:a)`: the same bits.
    @inline(__always)
    public static func normal(prefix p: UInt64, _ b: UInt64) -> Double {
        let u1 = (Double(mix(p ^ (b << 1)) >> 11) + 0.5) * 0x1.0p-53
        let u2 = Double(mix(p ^ ((b << 1) | 1)) >> 11) * 0x1.0p-53
        return (-2 * _log(u1)).squareRoot() * _cos(2 * Double.pi * u2)
    }
}

#if canImport(Glibc)
import Glibc
@inline(__always) func _log(_ x: Double) -> Double { Glibc.log(x) }
@inline(__always) func _cos(_ x: Double) -> Double { Glibc.cos(x) }
@inline(__always) func _exp(_ x: Double) -> Double { Glibc.exp(x) }
#else
@inline(__always) func _exp(_ x: Double) -> Double { Darwin.exp(x) }
import Darwin
@inline(__always) func _log(_ x: Double) -> Double { Darwin.log(x) }
@inline(__always) func _cos(_ x: Double) -> Double { Darwin.cos(x) }
#endif
