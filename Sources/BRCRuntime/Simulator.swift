import BRCIR
import CBRCKernel
import Foundation

/// Runs a lowered model with a loaded kernel library using NEURON's fixed-step method:
/// states start at their steady state (finitialize); each step evaluates injected currents at
/// mid-step (t + dt/2), then the kernel computes currents, solves the voltage implicitly and
/// advances the states with the new voltage.
public final class Simulator {
    /// One cell type's storage: all cells of all populations of that type.
    final class Block {
        let kernel: brc_cell_kernel
        let nNodes: Int, nParams: Int, nStates: Int, nCells: Int
        var v: [Double], param: [Double], state: [Double], iinj: [Double]
        init(kernel: brc_cell_kernel, nCells: Int) {
            self.kernel = kernel
            nNodes = Int(kernel.n_nodes); nParams = Int(kernel.n_params); nStates = Int(kernel.n_states); self.nCells = nCells
            v = Array(repeating: 0, count: nCells * nNodes)
            param = Array(repeating: 0, count: nCells * nParams)
            state = Array(repeating: 0, count: nCells * nStates)
            iinj = Array(repeating: 0, count: nCells * nNodes)
        }
        func call(_ f: @convention(c) (UnsafeMutablePointer<brc_cells>?) -> Void, t: Double, dt: Double, temperature: Double) {
            v.withUnsafeMutableBufferPointer { vp in
                param.withUnsafeMutableBufferPointer { pp in
                    state.withUnsafeMutableBufferPointer { sp in
                        iinj.withUnsafeBufferPointer { ip in
                            var cells = brc_cells(n_cells: Int64(nCells), dt: dt, t: t, temperature: temperature,
                                                  v: vp.baseAddress, param: pp.baseAddress, state: sp.baseAddress, i_inj: ip.baseAddress)
                            f(&cells)
                        }
                    }
                }
            }
        }
    }

    public struct NumericalError: Error, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    public let model: IRModel
    let library: KernelLibrary
    var blocks: [Block] = []
    /// For each population: its cell type's block and the index of its first cell there.
    var popOffset: [Int] = []
    public private(set) var step = 0
    public var dt: Double
    public var time: Double { Double(step) * dt }

    public init(model: IRModel, library: KernelLibrary, dt: Double) throws {
        guard library.cellKernelCount == model.cellTypes.count else {
            throw KernelLibrary.LoadError.open("the library has \(library.cellKernelCount) cell kernels, the model \(model.cellTypes.count)")
        }
        self.model = model
        self.library = library
        self.dt = dt
        var counts = Array(repeating: 0, count: model.cellTypes.count)
        for p in model.populations {
            popOffset.append(counts[p.cellType])
            counts[p.cellType] += p.size
        }
        for (i, ct) in model.cellTypes.enumerated() {
            let k = library.cellKernel(i)
            let layout = model.layout(of: i)
            guard Int(k.n_nodes) == ct.nodes.count, Int(k.n_params) == layout.paramCount, Int(k.n_states) == layout.stateCount else {
                throw KernelLibrary.LoadError.open("kernel for \(ct.name) does not match the model's layout; recompile")
            }
            let b = Block(kernel: k, nCells: counts[i])
            for c in 0..<counts[i] {
                for (j, pl) in ct.placements.enumerated() {
                    let np = model.mechanisms[pl.mechanism].parameters.count
                    for (k, vals) in pl.values.enumerated() {
                        for (q, x) in vals.enumerated() { b.param[c * b.nParams + layout.paramBase[j] + k * np + q] = x }
                    }
                }
            }
            blocks.append(b)
        }
        initialize()
    }

    /// finitialize: v = vInit everywhere, every state at its steady state, t = 0.
    public func initialize() {
        step = 0
        for (i, b) in blocks.enumerated() {
            let vInit = model.cellTypes[i].vInit
            for k in b.v.indices { b.v[k] = vInit }
            if let f = b.kernel.`init` { b.call(f, t: 0, dt: dt, temperature: model.temperature) }
        }
    }

    /// Advances every cell by one step.
    public func advance() {
        let tMid = (Double(step) + 0.5) * dt
        for b in blocks { for k in b.iinj.indices { b.iinj[k] = 0 } }
        for s in model.stimuli {
            let pop = model.populations[s.population]
            let b = blocks[pop.cellType]
            switch s.waveform {
            case .pulse(let delay, let duration, let amp):
                if tMid >= delay && tMid < delay + duration {
                    b.iinj[(popOffset[s.population] + s.cell) * b.nNodes + s.node] += amp
                }
            }
        }
        for b in blocks {
            if let f = b.kernel.step { b.call(f, t: time, dt: dt, temperature: model.temperature) }
        }
        step += 1
    }

    /// The present value of a probe, in internal units.
    public func value(population p: Int, cell: Int, probe: IRProbe) -> Double {
        let pop = model.populations[p]
        let b = blocks[pop.cellType]
        let c = popOffset[p] + cell
        switch probe {
        case .voltage(let node): return b.v[c * b.nNodes + node]
        case .state(let pl, let k, let s):
            let layout = model.layout(of: pop.cellType)
            let ns = model.mechanisms[model.cellTypes[pop.cellType].placements[pl].mechanism].states.count
            return b.state[c * b.nStates + layout.stateBase[pl] + k * ns + s]
        }
    }

    /// All node potentials of one cell (mV).
    public func voltages(population p: Int, cell: Int) -> [Double] {
        let b = blocks[model.populations[p].cellType]
        let c = popOffset[p] + cell
        return Array(b.v[c * b.nNodes..<(c + 1) * b.nNodes])
    }

    /// Stops with a message naming population, cell, compartment, variable and time when a
    /// potential or state is not finite.
    public func checkFinite() throws {
        for (pi, pop) in model.populations.enumerated() {
            let b = blocks[pop.cellType]
            let ct = model.cellTypes[pop.cellType]
            for cell in 0..<pop.size {
                let c = popOffset[pi] + cell
                for n in 0..<b.nNodes where !b.v[c * b.nNodes + n].isFinite {
                    var what = "membrane potential v = \(b.v[c * b.nNodes + n])"
                    if let (label, node) = firstBadState(b, c, ct) { what += "; first non-finite state: \(label) at \(ct.nodes[node].label)" }
                    throw NumericalError(message: "numerical failure at t = \(String(format: "%.4f", time)) ms in \(pop.name)[\(cell)] (cell type \(ct.name)), compartment \(ct.nodes[n].label): \(what). Try a smaller step, or check the channel kinetics and parameters")
                }
                if let (label, node) = firstBadState(b, c, ct) {
                    throw NumericalError(message: "numerical failure at t = \(String(format: "%.4f", time)) ms in \(pop.name)[\(cell)] (cell type \(ct.name)), compartment \(ct.nodes[node].label): state \(label) is not finite. Try a smaller step, or check the channel kinetics")
                }
            }
        }
    }

    private func firstBadState(_ b: Block, _ c: Int, _ ct: IRCellType) -> (String, Int)? {
        let layout = IRLayout(cell: ct, mechanisms: model.mechanisms)
        for (j, pl) in ct.placements.enumerated() {
            let states = model.mechanisms[pl.mechanism].states
            for (k, node) in pl.nodes.enumerated() {
                for (s, st) in states.enumerated() where !b.state[c * b.nStates + layout.stateBase[j] + k * states.count + s].isFinite {
                    return ("\(pl.label).\(st.name)", node)
                }
            }
        }
        return nil
    }
}
