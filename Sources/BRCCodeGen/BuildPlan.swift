import BRCIR
import Foundation

/// One compiler invocation, as a value: planned here, run by an executor, testable without
/// running anything.
public struct CompilerInvocation: Sendable, Hashable {
    /// The program to run: a name looked up on `PATH` (it is started through `/usr/bin/env`) or a path.
    public var executable: String
    /// The program's arguments, without the program itself.
    public var arguments: [String]
    /// Makes an invocation from its fields.
    public init(executable: String, arguments: [String]) { self.executable = executable; self.arguments = arguments }
    /// The program and its arguments joined by spaces (not quoted for a shell): for messages and the
    /// cache key.
    public var commandLine: String { ([executable] + arguments).joined(separator: " ") }
}

/// How a generated kernel library is built and where it is cached: the target's toolchain
/// (`Toolchain.plan`) makes one.
public struct BuildPlan: Sendable, Hashable {
    /// The kernel target whose library the plan builds.
    public var target: KernelTarget
    /// The files written into the build folder, by file name.
    public var sources: [String: String]
    /// The compiler invocations, stage by stage: the stages run in order, the invocations of a
    /// stage are independent of each other (an executor may run them at the same time).
    public var stages: [[CompilerInvocation]]
    /// The content hash of the target, the host, every invocation and every source file: the
    /// cache key.
    public var key: String
    /// The library file name inside the build folder.
    public var library: String

    /// Makes a plan and computes its cache `key`; `host` describes the machine (the CPU model and
    /// flags) and enters only the key.
    public init(target: KernelTarget, sources: [String: String], stages: [[CompilerInvocation]], host: String, library: String) {
        self.target = target
        self.sources = sources
        self.stages = stages
        self.library = library
        key = ContentHash.hex([target.rawValue, host] + stages.flatMap { $0.map(\.commandLine) + ["|"] }
                              + sources.keys.sorted().flatMap { [$0, sources[$0]!] })
    }

    /// Every invocation, in order.
    public var invocations: [CompilerInvocation] { stages.flatMap { $0 } }

    /// Flags for compiling generated C: optimised, no FMA contraction and no fast-math (so
    /// results are reproducible and match the reference method bit for bit where the order is
    /// the same). `-march=native` vectorises for the machine that runs the kernels; the cache
    /// key includes the host's CPU description, so a shared cache never hands one CPU another's
    /// library. Kernel functions are hidden: only `brc_kernels` is exported.
    ///
    /// `-O2 -ftree-vectorize` vectorises every cell loop as `-O3` did (GCC 12: the same loops,
    /// the same run time on the study network) at about half the compile time; without the
    /// vectorised epilogues (`vect-epilogues-nomask=0`: a chunk's leftover cells, fewer than
    /// one vector, run scalar), which cost compile time and bring nothing at 16-cell chunks.
    /// docs/performance.md has the measurements. Clang ignores the `--param` (with a warning).
    public static let cFlags = ["-O2", "-ftree-vectorize", "--param", "vect-epilogues-nomask=0", "-march=native", "-fPIC", "-ffp-contract=off", "-fno-fast-math", "-fvisibility=hidden", "-Wall",
                                "-Wno-unused-variable", "-Wno-unused-but-set-variable", "-Wno-unknown-pragmas"]
    /// Flags for linking the C units.
    public static let cLinkFlags = ["-shared"]

    /// Flags for compiling a module of generated Swift: whole-module (so every file inlines
    /// `brc_exp`), no exclusivity checks (the kernels index raw pointers in hot loops); Swift 5
    /// language mode for the generated globals. No fast-math: the same bits as the C backend
    /// where the operations agree.
    public static let swiftFlags = swiftOptimisation + ["-target-cpu", "native", "-swift-version", "5", "-parse-as-library", "-suppress-warnings", "-wmo"]

    /// How generated Swift is optimised, by brcc's modules and by a generated package alike:
    /// `-O` with `swiftVectorisation` (the cell kernels run 3.4x faster than at `-Osize` and
    /// close to C; the study network compiles in about 3 s; docs/performance.md).
    public static let swiftOptimisation = ["-O", "-enforce-exclusivity=unchecked"] + swiftVectorisation

    /// LLVM options that let generated Swift's loops over cells run vectorised. Swift has no
    /// `restrict`, so LLVM vectorises those loops behind run-time checks that their row pointers
    /// do not overlap. By default it hoists the checks out of the loop over a channel's nodes,
    /// where they compare the rows of all nodes at once; the rows of one state array interleave
    /// across nodes, so the hoisted check always fails and the scalar copy runs.
    /// `-hoist-runtime-checks=false` keeps each check beside its own loop, where it passes.
    /// One vector per iteration (`-force-vector-interleave=1`) takes the study network's compile
    /// from about 4 s to 3 s and costs no run time at 8- and 16-cell chunks.
    public static let swiftVectorisation = ["-Xllvm", "-hoist-runtime-checks=false", "-Xllvm", "-force-vector-interleave=1"]

    /// The C compiler of a kernel library: `$CC` where it is set. Otherwise exact kernels are
    /// compiled by `clang` where one is on PATH (the Swift toolchain brings one), fast kernels
    /// by `cc`. Exact kernels have the same bits under gcc and clang (`brc_exp`'s explicit fma
    /// and no other contraction; `BackendTests`), and clang's run the study network about
    /// 12 % faster and compile in three quarters of gcc's time (docs/performance.md, "C
    /// kernels built by clang"). Fast kernels want gcc: their `#pragma GCC optimize` is what
    /// makes them fast, and clang ignores it.
    ///
    /// The clang is named by its absolute path (so the cache key says which one): the first
    /// regular executable file `clang` in an absolute PATH folder (the compiler runs in a build
    /// folder, where a relative PATH entry would name another one).
    public static func cCompiler(for precision: KernelPrecision, environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let cc = environment["CC"], !cc.isEmpty { return cc }
        guard precision == .exact else { return "cc" }
        for folder in (environment["PATH"] ?? "").split(separator: ":") where folder.hasPrefix("/") {
            let candidate = URL(fileURLWithPath: String(folder)).appendingPathComponent("clang").path
            var isFolder: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate, isDirectory: &isFolder), !isFolder.boolValue,
               FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return "cc"
    }

    /// The C plan for `source` (`compiler` instead of `cCompiler(for:)` of its precision).
    public static func c(source: KernelSource, compiler: String? = nil, host: String = "") -> BuildPlan {
        CToolchain(compiler: compiler).plan(source, host: host)
    }

    /// The plan for `source`, by its target's toolchain.
    public static func plan(_ source: KernelSource, host: String) -> BuildPlan {
        source.target.toolchain.plan(source, host: host)
    }
}
