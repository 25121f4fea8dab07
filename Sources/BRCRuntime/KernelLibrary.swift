import CBRCKernel
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A loaded kernel library (a shared object built from generated code).
public final class KernelLibrary: @unchecked Sendable {
    /// Why a library cannot be loaded: `dlopen` failed, it has no `brc_kernels` entry, or it was
    /// built for another kernel ABI version.
    public enum LoadError: Error, CustomStringConvertible {
        case open(String), missingEntry(String), abi(found: Int32, expected: Int32)
        public var description: String {
            switch self {
            case .open(let m): return "cannot load kernel library: \(m)"
            case .missingEntry(let p): return "\(p) does not export \(BRC_KERNEL_ENTRY)"
            case .abi(let f, let e): return "kernel library ABI version \(f), this runtime expects \(e); recompile the model"
            }
        }
    }

    /// The dlopen handle; nil for kernels linked into the program.
    let handle: UnsafeMutableRawPointer?
    let table: UnsafePointer<brc_kernel_library>

    /// Kernels linked into the program (a generated standalone package): `table` is what
    /// their `brc_kernels()` returns.
    public init(linked table: UnsafeRawPointer) throws {
        let t = table.assumingMemoryBound(to: brc_kernel_library.self)
        guard t.pointee.abi_version == BRC_KERNEL_ABI_VERSION else {
            throw LoadError.abi(found: t.pointee.abi_version, expected: BRC_KERNEL_ABI_VERSION)
        }
        handle = nil
        self.table = t
    }

    /// Loads the shared library at `path` (`dlopen`) and its kernel table; throws `LoadError` when it
    /// cannot be opened, has no `brc_kernels` entry or was built for another ABI version.
    public init(path: String) throws {
        guard let h = dlopen(path, RTLD_NOW | RTLD_LOCAL) else {
            throw LoadError.open(String(cString: dlerror()))
        }
        guard let sym = dlsym(h, BRC_KERNEL_ENTRY) else {
            dlclose(h)
            throw LoadError.missingEntry(path)
        }
        let fn = unsafeBitCast(sym, to: brc_kernel_library_fn.self)
        guard let t = fn() else { dlclose(h); throw LoadError.missingEntry(path) }
        guard t.pointee.abi_version == BRC_KERNEL_ABI_VERSION else {
            dlclose(h)
            throw LoadError.abi(found: t.pointee.abi_version, expected: BRC_KERNEL_ABI_VERSION)
        }
        handle = h
        table = t
    }

    deinit { if let handle { dlclose(handle) } }

    /// The number of cell kernels: one per cell type of the model (`IRModel.cellTypes`).
    public var cellKernelCount: Int { Int(table.pointee.n_cell_types) }

    /// Whether the kernels were generated in fast precision (`--precision fast`): the
    /// simulator then draws its noise currents with `brc_normals_fast`.
    public var isFastPrecision: Bool { table.pointee.precision == 1 }

    func cellKernel(_ i: Int) -> brc_cell_kernel { table.pointee.cell_types[i] }

    /// The number of synapse kernels: one per synapse type of the model (`IRModel.synapses`).
    public var synapseKernelCount: Int { Int(table.pointee.n_synapse_types) }

    /// The names in the library's kernel table (cell types, then synapse types), as compiled.
    public var kernelNames: [String] {
        (0..<cellKernelCount).map { cellKernel($0).name.map { String(cString: $0) } ?? "" }
            + (0..<synapseKernelCount).map { synapseKernel($0).name.map { String(cString: $0) } ?? "" }
    }

    func synapseKernel(_ i: Int) -> brc_synapse_kernel { table.pointee.synapse_types[i] }
}
