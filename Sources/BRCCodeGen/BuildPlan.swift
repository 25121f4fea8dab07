import Foundation

/// One compiler invocation, as a value: planned here, run by an executor, testable without
/// running anything.
public struct CompilerInvocation: Sendable, Hashable {
    public var executable: String
    public var arguments: [String]
    public init(executable: String, arguments: [String]) { self.executable = executable; self.arguments = arguments }
    public var commandLine: String { ([executable] + arguments).joined(separator: " ") }
}

/// How a generated kernel library is built and where it is cached.
public struct BuildPlan: Sendable, Hashable {
    /// The generated sources, by file name.
    public var sources: [String: String]
    public var invocation: CompilerInvocation
    /// The content hash of sources and flags: the cache key.
    public var key: String
    /// The library file name inside the build folder.
    public var library: String

    /// Flags for generated C: optimised, no FMA contraction and no fast-math (so results are
    /// reproducible and match the reference method bit for bit where the order is the same).
    /// `-march=native` vectorises for the machine that runs the kernels; the cache key includes
    /// the host's CPU description, so a shared cache never hands one CPU another's library.
    public static let cFlags = ["-O3", "-march=native", "-fPIC", "-shared", "-ffp-contract=off", "-fno-fast-math", "-Wall",
                                "-Wno-unused-variable", "-Wno-unused-but-set-variable", "-Wno-unknown-pragmas"]

    /// `host` identifies the machine's CPU (see `BuildPlan.hostDescription`).
    public static func c(source: String, compiler: String = ProcessInfo.processInfo.environment["CC"] ?? "cc", host: String = "") -> BuildPlan {
        let sources = ["kernels.c": source, "brc_kernel.h": kernelABIHeader]
        let key = ContentHash.hex(["c", compiler, host] + cFlags + sources.keys.sorted().flatMap { [$0, sources[$0]!] })
        let inv = CompilerInvocation(executable: compiler, arguments: cFlags + ["-o", "libbrc_kernels.so", "kernels.c", "-lm"])
        return BuildPlan(sources: sources, invocation: inv, key: key, library: "libbrc_kernels.so")
    }
}

extension BuildPlan {
    /// Flags for generated Swift: `-Ounchecked` and no exclusivity checks for the kernels
    /// only (they index raw pointers in hot loops); Swift 5 language mode for the generated
    /// globals. No fast-math: the same bits as the C backend where the operations agree.
    public static let swiftFlags = ["-Ounchecked", "-target-cpu", "native", "-enforce-exclusivity=unchecked", "-swift-version", "5", "-parse-as-library",
                                    "-emit-library", "-module-name", "brc_kernels", "-suppress-warnings"]

    public static func swift(source: String, compiler: String = ProcessInfo.processInfo.environment["SWIFTC"] ?? "swiftc", host: String = "") -> BuildPlan {
        let sources = ["kernels.swift": source]
        let key = ContentHash.hex(["swift", compiler, host] + swiftFlags + sources.keys.sorted().flatMap { [$0, sources[$0]!] })
        let inv = CompilerInvocation(executable: compiler, arguments: swiftFlags + ["-o", "libbrc_kernels.so", "kernels.swift"])
        return BuildPlan(sources: sources, invocation: inv, key: key, library: "libbrc_kernels.so")
    }

    /// The plan for `language`.
    public static func plan(_ source: String, language: KernelLanguage, host: String) -> BuildPlan {
        language == .c ? c(source: source, host: host) : swift(source: source, host: host)
    }
}

/// A 128-bit FNV-1a content hash (two independent 64-bit lanes), as hex. Not cryptographic:
/// it only has to tell different generated sources apart.
public enum ContentHash {
    public static func hex(_ parts: [String]) -> String {
        var a: UInt64 = 0xcbf29ce484222325, b: UInt64 = 0x84222325cbf29ce4
        for part in parts {
            for byte in part.utf8 {
                a = (a ^ UInt64(byte)) &* 0x100000001b3
                b = (b ^ UInt64(byte)) &* 0x100000001b3 &+ 0x9e3779b97f4a7c15
            }
            a = (a ^ 0xff) &* 0x100000001b3  // separator
            b = (b ^ 0xfe) &* 0x100000001b3
        }
        return String(format: "%016llx%016llx", a, b)
    }
}
