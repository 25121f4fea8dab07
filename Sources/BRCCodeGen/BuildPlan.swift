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
/// it only has to tell different generated sources, libraries or model files apart. Parts are
/// fed one at a time, each followed by a separator, so ["ab", "c"] and ["a", "bc"] differ.
public struct ContentHash {
    var a: UInt64 = 0xcbf29ce484222325, b: UInt64 = 0x84222325cbf29ce4

    public init() {}

    /// Adds one part: its bytes, then the separator.
    public mutating func add(_ bytes: UnsafeRawBufferPointer) {
        var a = self.a, b = self.b
        for byte in bytes {
            a = (a ^ UInt64(byte)) &* 0x100000001b3
            b = (b ^ UInt64(byte)) &* 0x100000001b3 &+ 0x9e3779b97f4a7c15
        }
        self.a = (a ^ 0xff) &* 0x100000001b3
        self.b = (b ^ 0xfe) &* 0x100000001b3
    }

    public mutating func add(_ data: Data) { data.withUnsafeBytes { add($0) } }

    public mutating func add(_ text: String) {
        var text = text
        text.withUTF8 { add(UnsafeRawBufferPointer($0)) }
    }

    /// The hash of the parts added so far: 32 hex digits.
    public var hex: String { String(format: "%016llx%016llx", a, b) }

    /// The hash of `parts`, each a part.
    public static func hex(_ parts: [String]) -> String {
        var h = ContentHash()
        for part in parts { h.add(part) }
        return h.hex
    }

    /// The hash of `data`, as one part.
    public static func hex(_ data: Data) -> String {
        var h = ContentHash()
        h.add(data)
        return h.hex
    }
}
