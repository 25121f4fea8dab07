import CBRCKernel

/// A fixed-size array of doubles with a stable address, shared with C kernels.
final class DoubleBuffer: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Double>
    let count: Int
    init(_ count: Int, value: Double = 0) {
        self.count = count
        pointer = .allocate(capacity: max(count, 1))
        pointer.initialize(repeating: value, count: max(count, 1))
    }
    deinit { pointer.deallocate() }
    subscript(i: Int) -> Double {
        get { pointer[i] }
        set { pointer[i] = newValue }
    }
    func fill(_ v: Double) { pointer.update(repeating: v, count: count) }
    /// The first `k` values (all of them by default).
    func values(_ k: Int? = nil) -> UnsafeMutableBufferPointer<Double> { UnsafeMutableBufferPointer(start: pointer, count: k ?? count) }
}

/// All cells of one cell type: potentials, parameters, states, the per-node current and
/// conductance that inputs and synapses add each step, and the axial conductances the cells
/// share. Structure of arrays: value `slot` of cell c is at [slot * nCells + c].
///
/// `nCells` is `count` rounded up to the kernel's `lanes` (`paddedCount`): the cells past
/// `count` are padding, given the last cell's parameters when the block is built
/// (`copyPadding`; later parameter changes leave them as they are), that the kernels compute
/// so that no cell runs in scalar code; nothing connects to them, reads them or records them.
final class CellBlock: @unchecked Sendable {
    let kernel: brc_cell_kernel
    let nNodes: Int, nParams: Int, nStates: Int
    /// The cells of the network(s) in this block, and the stride of every array (padded).
    let count: Int, nCells: Int
    let v, param, state, iinj, gext, gAxial: DoubleBuffer
    var cells: brc_cells

    @inline(__always) func index(_ slot: Int, _ cell: Int) -> Int { slot * nCells + cell }

    init(kernel: brc_cell_kernel, count: Int, gAxial axial: [Double]) {
        self.kernel = kernel
        let nCells = Self.paddedCount(count, lanes: Int(kernel.lanes))
        nNodes = Int(kernel.n_nodes); nParams = Int(kernel.n_params); nStates = Int(kernel.n_states)
        self.count = count; self.nCells = nCells
        v = DoubleBuffer(nCells * nNodes); param = DoubleBuffer(nCells * nParams); state = DoubleBuffer(nCells * nStates)
        iinj = DoubleBuffer(nCells * nNodes); gext = DoubleBuffer(nCells * nNodes)
        gAxial = DoubleBuffer(nNodes)
        for (k, g) in axial.prefix(nNodes).enumerated() { gAxial[k] = g }
        cells = brc_cells(n_cells: Int64(nCells), first: 0, last: Int64(nCells), dt: 0, t: 0, temperature: 0, v: v.pointer, param: param.pointer,
                          state: state.pointer, i_inj: iinj.pointer, g_ext: gext.pointer, g_axial: gAxial.pointer)
    }

    /// The stride of a block of `count` cells whose kernel computes whole vectors of `lanes`:
    /// `count` rounded up to a multiple of `lanes`, except where one cell is left over, which
    /// costs less in the scalar loop than a whole vector of padding (a single pyramidal cell
    /// ran 30 % slower padded to 8; the study network's 25 I cells 7 % slower padded to 32;
    /// docs/performance.md).
    static func paddedCount(_ count: Int, lanes: Int) -> Int {
        let lanes = max(lanes, 1)
        return count % lanes <= 1 ? count : (count + lanes - 1) / lanes * lanes
    }

    /// Gives the padding cells the last cell's parameters, so that they compute what a real
    /// cell without inputs would (finite values: the NaN check scans whole arrays).
    func copyPadding() {
        guard count > 0 else { return }
        for slot in 0..<nParams {
            for c in count..<nCells { param[index(slot, c)] = param[index(slot, count - 1)] }
        }
    }
}

/// All instances of one synapse type on one cell block. Structure of arrays: value `slot` (a
/// parameter or a state) of instance k is at [slot * n + k].
final class SynapseBlock: @unchecked Sendable {
    let kernel: brc_synapse_kernel
    /// `nStates` rows of `state`: the model's `modelStates` states, then values the update
    /// kernel keeps for itself (factors computed from parameters: `SynapseKernels.cachedFactors`),
    /// which are not saved in snapshots and which the kernel computes again after
    /// `forgetKeptValues`.
    let n: Int, nParams: Int, nStates: Int, modelStates: Int
    let param, state: DoubleBuffer
    let target: UnsafeMutablePointer<Int64>
    /// The kernels' arguments, at a fixed address: the stepping loop sets them and passes the
    /// pointer (no copy, and no exclusivity check as an inout class property would need).
    let synapses: UnsafeMutablePointer<brc_synapses>

    @inline(__always) func index(_ slot: Int, _ instance: Int) -> Int { slot * n + instance }

    /// `modelStates` ≤ `kernel.n_states` (checked by the simulator).
    init(kernel: brc_synapse_kernel, modelStates: Int, targets: [Int64], post: CellBlock) {
        self.kernel = kernel
        n = targets.count; nParams = Int(kernel.n_params); nStates = Int(kernel.n_states)
        self.modelStates = modelStates
        param = DoubleBuffer(n * nParams); state = DoubleBuffer(n * nStates)
        target = .allocate(capacity: max(n, 1))
        target.initialize(repeating: 0, count: max(n, 1))
        for (i, t) in targets.enumerated() { target[i] = t }
        synapses = .allocate(capacity: 1)
        synapses.initialize(to: brc_synapses(n: Int64(n), first: 0, last: Int64(n), dt: 0, t: 0, temperature: 0, target: target, param: param.pointer, state: state.pointer,
                                             v: post.v.pointer, i_syn: post.iinj.pointer, g_syn: post.gext.pointer, refresh: 1))
    }
    deinit { target.deallocate(); synapses.deallocate() }

    /// The model's states (what a snapshot saves).
    var modelStateValues: UnsafeMutableBufferPointer<Double> { state.values(modelStates * n) }

    /// Makes the next update compute the kernel's kept values again: to be called whenever a
    /// parameter (or dt) may have changed.
    func forgetKeptValues() { synapses.pointee.refresh = 1 }

    /// The instance ranges the current and update kernels can run on concurrently: about
    /// `parts` equal ones, cut only between nodes and only if no node's instances fall in two
    /// ranges (then each node's sums are added in the same order by one thread, so the bits do
    /// not depend on the split); otherwise, or below `minimum` instances, the whole block.
    func ranges(parts: Int, minimum: Int) -> [Range<Int64>] {
        SynapseBlock.ranges(of: UnsafeBufferPointer(start: target, count: n), parts: parts, minimum: minimum)
    }

    /// `ranges(parts:minimum:)` of instances with post-synaptic nodes `target`.
    static func ranges(of target: UnsafeBufferPointer<Int64>, parts: Int, minimum: Int) -> [Range<Int64>] {
        let n = target.count
        let whole = [Int64(0)..<Int64(n)]
        guard parts > 1, n >= minimum else { return whole }
        var bounds = [0]
        for i in 1..<parts {
            var k = max(n * i / parts, bounds.last!)
            while k > 0 && k < n && target[k] == target[k - 1] { k += 1 }
            if k > bounds.last! && k < n { bounds.append(k) }
        }
        bounds.append(n)
        guard bounds.count > 2 else { return whole }
        var owner: [Int64: Int] = [:]
        for r in 0..<bounds.count - 1 {
            for k in bounds[r]..<bounds[r + 1] {
                if let o = owner.updateValue(r, forKey: target[k]), o != r { return whole }
            }
        }
        return zip(bounds, bounds.dropFirst()).map { Int64($0)..<Int64($1) }
    }
}
