import BRCIR

/// A kernel target: a language and toolchain brcc generates kernels for. The runtime sees only
/// the kernel ABI (`brc_kernel.h`), whatever the target.
///
/// Design: the target is a plain enum (what the CLI's `--backend`/`--emit` name, what a cache
/// key and a training summary record), and each target supplies its parts as *witness values*
/// of two protocols:
/// - `Dialect`: the text: expression spellings, declarations, loops, ABI field access, the
///   solver's scratch memory strategy, constant tables, kernel function heads, and how the
///   generated pieces are laid out in files (preamble, per-unit header, the exported table);
/// - `Toolchain`: the build plan: compiler invocations (several units compiled at once and
///   linked, or one invocation), flags, file names, the cache key.
///
/// `dialect` and `toolchain` below are the only switches over targets, and they are exhaustive;
/// the protocols' requirements have no default implementations. So adding a case is a compile
/// error until the new target supplies every part: a case here, then a `Dialect` and a
/// `Toolchain` conformance (the compiler lists each missing member). The emitter never tests
/// which target it writes for. An enum rather than a bare protocol because the set of targets
/// is closed and named on the command line, and an enum is `Hashable`/`CaseIterable` for
/// free (tests iterate `allCases` to check that every target builds and runs).
public enum KernelTarget: String, Sendable, CaseIterable, Hashable {
    /// C, compiled by the system C compiler (`BuildPlan.cCompiler`: `$CC`, else clang for
    /// exact kernels where PATH has one, else `cc`), one translation unit per cell type
    /// compiled in parallel, then linked.
    case c
    /// Swift, compiled by `swiftc -emit-library` (`$SWIFTC`), the entry point exported with
    /// `@_cdecl`.
    case swift

    /// The target's source text.
    var dialect: any Dialect {
        switch self {
        case .c: return CDialect()
        case .swift: return SwiftDialect()
        }
    }

    /// The target's build.
    public var toolchain: any Toolchain {
        switch self {
        case .c: return CToolchain()
        case .swift: return SwiftToolchain()
        }
    }
}

/// Generated kernel source: the files of one kernel library, for one target, the shared
/// declarations first; cell types whose kernels are the same share one file.
public struct KernelSource: Sendable, Hashable {
    /// One generated file: its name in the library's folder and its text.
    public struct File: Sendable, Hashable {
        /// The file's name in the library's build folder.
        public var name: String
        /// The file's contents.
        public var text: String
        /// Compiled on its own (a translation unit), as opposed to a header it includes.
        public var isUnit: Bool
    }
    /// The target the files are written for.
    public var target: KernelTarget
    /// The generated files, the shared declarations first.
    public var files: [File]
    /// The precision the cell kernels were emitted in (the C toolchain picks its compiler by it).
    public var precision: KernelPrecision = .exact

    /// All files' text, in order (for reading and for tests; not itself compilable C).
    public var text: String { files.map(\.text).joined() }
    /// The files by name.
    public var byName: [String: String] { Dictionary(uniqueKeysWithValues: files.map { ($0.name, $0.text) }) }
}

/// The kind of a constant table's elements.
enum TableElement { case int32, double }

/// What a target's kernel text is made of. Every member is a requirement without a default:
/// a new target spells each one. `KernelEmitter` and `SynapseKernels` call these; they never
/// ask which target they write for.
protocol Dialect: Sendable {
    var target: KernelTarget { get }

    // Expressions.
    /// The name of |x| for doubles.
    var absFunction: String { get }
    var nanLiteral: String { get }
    var infinityLiteral: String { get }

    // Declarations and statements.
    /// An immutable double local.
    func let_(_ name: String, _ value: String) -> String
    /// A mutable double local.
    func var_(_ name: String, _ value: String) -> String
    /// A writable view of the post-synaptic potential at `index` in a synapse kernel (the
    /// ABI's `v` is read-only; only an abstract cell's reset writes it).
    func writablePotential(_ index: String) -> String
    /// The node an event reaches, in the event function (an index expression).
    var eventNode: String { get }
    /// An immutable integer local.
    func int(_ name: String, _ value: String) -> String
    /// A mutable integer local.
    func intVar(_ name: String, _ value: String) -> String
    /// The opening of a block run when `condition` (a comparison) holds.
    func ifOpen(_ condition: String) -> String
    /// A pointer to doubles (`base` is a pointer expression); distinct pointers do not alias.
    func pointer(_ name: String, _ base: String, mutable: Bool) -> String
    func forUp(_ v: String, _ lo: String, _ hi: String) -> String
    func forDown(_ v: String, from hi: String, through lo: String) -> String
    /// A vectorised loop from `lo` to `hi` (exclusive): the cells of a chunk, or a range of
    /// synapse instances.
    func cells(_ v: String, from lo: String, to hi: String) -> String
    /// The loop over chunks of `width` cells from `first` to `last` (exclusive), variable `c0`.
    func chunks(from first: String, to last: String, width: Int) -> String
    /// Marks locals as used.
    func unused(_ names: [String]) -> String
    /// The opening of a nested block (a scope for locals).
    var blockOpen: String { get }
    /// The end of a `do {` block that runs once (C: `do { } while (0);`).
    var doOnceClose: String { get }

    // The ABI structures (`b` points to one).
    /// A field (a double, or an integer being assigned).
    func field(_ b: String, _ f: String) -> String
    /// An integer field, as the target's index type.
    func count(_ b: String, _ f: String) -> String
    /// An array (pointer) field.
    func array(_ b: String, _ f: String) -> String

    // Memory.
    /// Scratch arrays of `size` doubles for one call of a step kernel (the cable solve's
    /// right-hand side and diagonal): the memory strategy of the target.
    func scratch(_ names: [String], size: Int) -> String
    /// Locals for the cell type's constant geometry tables and the axial conductances.
    func geometry(prefix: String) -> String
    /// A constant table (items already printed, six per line).
    func table(_ name: String, _ element: TableElement, items: String, count: Int) -> String

    // Functions and files.
    /// The start of a kernel function taking the ABI structure `b` (`extra` as C parameters).
    func function(_ name: String, _ abiType: String, extra: String) -> String
    /// Before a synapse kernel's loops: `n` (instances, and the stride between an instance's
    /// consecutive values: see `SynapseKernels.slot`), the range `first ..< last` to compute,
    /// and the parameter and state arrays.
    func instanceHead() -> String
    /// In a loop over instances: `node`, `v`, `p` and `s` of instance `k` (an expression).
    func instanceBody(_ k: String) -> String
    /// The node index of instance `k` (an expression).
    func targetNode(_ k: String) -> String
    /// The start of a synapse event kernel's body: `v`, `p`, `s` and `n` of instance `k`.
    func eventPrologue() -> String
    /// The library's files: `units` (file stem, body) each compiled on its own, plus the
    /// shared preamble and the exported kernel table.
    func files(units: [KernelUnit], cells: [KernelEmitter.CellEntry], synapses: [KernelEmitter.SynapseEntry], precision: KernelPrecision) -> [KernelSource.File]
}

/// One compilation unit of generated kernels: `prologue` goes before everything else in the
/// file (the fast C pragma), `body` after the target's common header.
struct KernelUnit {
    var stem: String
    var prologue: String
    var body: String
}

extension Dialect {
    /// Shorthands over the requirements (not parts of a target).
    func pointer(_ name: String, _ base: String) -> String { pointer(name, base, mutable: true) }
    func function(_ name: String, _ abiType: String) -> String { function(name, abiType, extra: "") }
    /// The innermost loop over the `count` cells of a chunk (vectorised).
    func cells(_ v: String, _ count: String) -> String { cells(v, from: "0", to: count) }
    /// Statements end in ";" in both languages (Swift allows it), so several fit on a line.
    func set(_ target: String, _ op: String, _ value: String) -> String { "\(target) \(op) \(value);" }
    /// A comment carrying model text (escaped by `SourceText.comment`, valid in every target).
    func comment(_ s: String) -> String { SourceText.comment(s) }
    /// A constant table of integers or doubles.
    func table(_ name: String, ints: [Int]) -> String { table(name, .int32, ints.map(String.init)) }
    func table(_ name: String, doubles: [Double], printer: ExpressionPrinter) -> String {
        table(name, .double, doubles.map(printer.literal))
    }
    private func table(_ name: String, _ element: TableElement, _ values: [String]) -> String {
        var items = ""
        for (i, v) in values.enumerated() {
            if i % 6 == 0 { items += "\n    " }
            items += v + ", "
        }
        if values.isEmpty { items += "0" }
        return table(name, element, items: items, count: values.count)
    }
}

/// How a target's sources become a kernel library. A requirement without a default, like
/// `Dialect`'s.
public protocol Toolchain: Sendable {
    /// The plan building `source` on the machine described by `host` (part of the cache key).
    func plan(_ source: KernelSource, host: String) -> BuildPlan
}

extension KernelEmitter {
    /// A kernel function of a library: its name, the ABI structure its first parameter `b`
    /// points to, and its further C parameters.
    typealias Function = (name: String, abiType: String, extra: String)

    /// The library's kernel functions, each once (types that share kernels share a prefix:
    /// `SharedKernels`), for the declarations the table is compiled against.
    static func functions(cells: [CellEntry], synapses: [SynapseEntry]) -> [Function] {
        var seen = Set<String>()
        let cellPrefixes = cells.map(\.prefix).filter { seen.insert($0).inserted }
        let synapsePrefixes = synapses.map(\.prefix).filter { seen.insert($0).inserted }
        return cellPrefixes.flatMap { p in ["init", "step"].map { (p + "_" + $0, "brc_cells", "") } }
            + synapsePrefixes.flatMap { p in
                ["init", "current", "update", "event"].map { (p + "_" + $0, "brc_synapses", $0 == "event" ? SynapseKernels.eventParameters : "") }
            }
    }
}

extension KernelSource {
    /// The units, largest first (ties by name), so that a pool of compilers finishes together.
    var unitsLargestFirst: [File] {
        files.filter(\.isUnit).sorted { ($0.text.utf8.count, $1.name) > ($1.text.utf8.count, $0.name) }
    }
}
