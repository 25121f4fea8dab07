import BRCIR
import CBRCKernel
import Foundation

/// Runs a lowered model with a loaded kernel library by NEURON's fixed-step method. Each step:
/// threshold detection on the present potentials and delivery of the events due (spikes
/// reach synapses after their delay, at the step NEURON's bin queue delivers them); injected
/// currents at mid-step (t + dt/2); synaptic currents; the cell kernels (currents, implicit
/// voltage solve, channel states); then the synapse states and conditions at the step's end.
/// Time advances as NEURON's does (two half steps), so event times agree to the last bit.
public final class Simulator {
    public struct NumericalError: Error, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    public let model: IRModel
    let library: KernelLibrary
    var blocks: [CellBlock] = []
    /// Each cell type's parameter and state layout, computed once.
    let layouts: [IRLayout]
    var synapseBlocks: [SynapseBlock] = []
    /// For each population: the index of its first cell in its cell type's block.
    var popOffset: [Int] = []
    public private(set) var step = 0
    public private(set) var time = 0.0
    public let dt: Double
    let events: EventQueue
    /// Threshold-detector state per spike source (true while above threshold).
    var above: [Bool]
    /// Outgoing connections of each spike source.
    let fanout: [[Int]]
    /// The mask probability of each projection (1 where it has no mask): a masked connection
    /// delivers events only while its draw is below it (`setConnectionProbability`).
    var maskProbability: [Double] = []
    /// Continuous couplings: (synapse block, parameter slot, cell block, potential index).
    var peers: [(SynapseBlock, Int, Int, Int)] = []

    /// Copies each peer compartment's present potential into its coupling's parameter.
    @inline(__always)
    func refreshPeers() {
        for (sb, slot, b, k) in peers { sb.param[slot] = blocks[b].v[k] }
    }

    /// Spikes of the sources, as (time ms, source index), in order.
    public private(set) var spikes: [(Double, Int)] = []
    /// Whether to keep `spikes` (for EventOutputFiles).
    public var recordSpikes = false

    public init(model: IRModel, library: KernelLibrary, dt: Double) throws {
        guard library.cellKernelCount == model.cellTypes.count, library.synapseKernelCount == model.synapses.count else {
            throw KernelLibrary.LoadError.open("the library does not match the model (cell or synapse kernel count); recompile")
        }
        self.model = model
        self.library = library
        self.dt = dt
        layouts = model.cellTypes.indices.map { model.layout(of: $0) }
        var counts = Array(repeating: 0, count: model.cellTypes.count)
        for p in model.populations {
            popOffset.append(counts[p.cellType])
            counts[p.cellType] += p.size
        }
        for (i, ct) in model.cellTypes.enumerated() {
            let k = library.cellKernel(i)
            let layout = layouts[i]
            guard Int(k.n_nodes) == ct.nodes.count, Int(k.n_params) == layout.paramCount, Int(k.n_states) == layout.stateCount else {
                throw KernelLibrary.LoadError.open("kernel for \(ct.name) does not match the model's layout; recompile")
            }
            let b = CellBlock(kernel: k, nCells: counts[i], gAxial: ct.nodes.map(\.gAxial))
            for c in 0..<counts[i] {
                for (j, pl) in ct.placements.enumerated() {
                    let np = model.mechanisms[pl.mechanism].parameters.count
                    for (k, vals) in pl.values.enumerated() {
                        for (q, x) in vals.enumerated() { b.param[b.index(layout.paramBase[j] + k * np + q, c)] = x }
                    }
                }
            }
            blocks.append(b)
        }
        for g in model.synapseGroups {
            let post = blocks[g.cellType]
            let offsets = popOffset
            let targets = g.instances.map { Int64(post.index($0.node, offsets[$0.population] + $0.cell)) }
            let sb = SynapseBlock(kernel: library.synapseKernel(g.synapse), targets: targets, post: post)
            for (k, inst) in g.instances.enumerated() {
                for (q, x) in inst.values.enumerated() { sb.param[k * sb.nParams + q] = x }
            }
            synapseBlocks.append(sb)
        }
        maskProbability = model.projections.indices.map { model.maskProbability[$0] ?? 1 }
        var out = Array(repeating: [Int](), count: model.spikeSources.count)
        for (i, c) in model.connections.enumerated() { out[c.source].append(i) }
        fanout = out
        let maxDelay = model.connections.map(\.delay).max() ?? 0
        events = EventQueue(bins: Int(maxDelay / dt) + 2)
        above = Array(repeating: false, count: model.spikeSources.count)
        workItems = makeItems()
        let (sbs, bs, offsets) = (synapseBlocks, blocks, popOffset)
        peers = model.peerLinks.map { l in
            let b = model.populations[l.population].cellType
            return (sbs[l.group], l.instance * sbs[l.group].nParams + l.parameter, b, bs[b].index(l.node, offsets[l.population] + l.cell))
        }
        initialize()
    }

    /// finitialize: v = vInit everywhere, every state at its initial value, t = 0.
    public func initialize() {
        step = 0
        time = 0
        events.clear()
        spikes.removeAll()
        generatorNext.removeAll()
        generatorIndex.removeAll()
        for (i, b) in blocks.enumerated() {
            b.v.fill(model.cellTypes[i].vInit)
            for (pi, pop) in model.populations.enumerated() where pop.cellType == i {
                guard let r = pop.randomInitialPotential else { continue }
                for cell in 0..<pop.size {
                    let key = UInt64(pi) << 32 | UInt64(cell)
                    for n in 0..<b.nNodes {
                        let u = CounterRandom.uniform(seed: r.seed, stream: 100, key, r.perCompartment ? UInt64(n) : 0)
                        b.v[b.index(n, popOffset[pi] + cell)] = r.min + u * (r.max - r.min)
                    }
                }
            }
            b.cells.dt = dt; b.cells.t = 0; b.cells.temperature = model.temperature
        }
        runCellKernels { $0.kernel.`init` }
        refreshPeers()
        for sb in synapseBlocks {
            sb.synapses.dt = dt; sb.synapses.t = 0; sb.synapses.temperature = model.temperature
            if let f = sb.kernel.`init` { f(&sb.synapses) }
        }
        for (i, s) in model.spikeSources.enumerated() where s.generator == nil { above[i] = potential(s) > s.threshold }
    }

    @inline(__always)
    func potential(_ s: IRSpikeSource) -> Double {
        let b = blocks[model.populations[s.population].cellType]
        return b.v[b.index(s.node, popOffset[s.population] + s.cell)]
    }

    /// Advances every cell by one step.
    public func advance() {
        // 1. Threshold detection on the present potentials (NEURON's PreSyn check), and the
        //    spike generators.
        for (i, s) in model.spikeSources.enumerated() {
            if let g = s.generator {
                if generatorFires(i, g) { emit(i) }
                continue
            }
            if potential(s) > s.threshold {
                if !above[i] {
                    above[i] = true
                    emit(i)
                }
            } else {
                above[i] = false
            }
        }
        // 2. Events due in this step.
        for e in events.due() {
            let sb = synapseBlocks[e.group]
            sb.synapses.t = e.time
            sb.kernel.event(&sb.synapses, Int64(e.instance), e.weight)
        }
        // 3. Inputs at mid-step, then synaptic currents.
        let tMid = time + 0.5 * dt
        for b in blocks { b.iinj.fill(0); b.gext.fill(0) }
        for s in model.stimuli {
            let b = blocks[model.populations[s.population].cellType]
            let k = b.index(s.node, popOffset[s.population] + s.cell)
            switch s.waveform {
            case .pulse(let delay, let duration, let amp):
                if tMid >= delay && tMid < delay + duration { b.iinj[k] += amp }
            case .sine(let delay, let duration, let amp, let period, let phase):
                if tMid >= delay && tMid < delay + duration { b.iinj[k] += amp * sin(2 * Double.pi * (tMid - delay) / period + phase) }
            case .table(let times, let values):
                b.iinj[k] += Simulator.interpolate(times, values, at: tMid)
            case .noise(let mean, let sd, let seed, let stream):
                let cellKey = UInt64(s.population) << 32 | UInt64(s.cell)
                b.iinj[k] += mean + sd * CounterRandom.normal(seed: seed, stream: stream, cellKey, UInt64(step))
            }
        }
        refreshPeers()
        for sb in synapseBlocks {
            sb.synapses.t = tMid
            sb.kernel.current(&sb.synapses)
        }
        // 4. Cells: currents, voltage solve, channel states (in parallel over cell ranges).
        for b in blocks { b.cells.t = time }
        runCellKernels { $0.kernel.step }
        // 5. Time advances as in NEURON (two half steps), then synapse states and conditions.
        time += 0.5 * dt
        time += 0.5 * dt
        step += 1
        refreshPeers()
        for sb in synapseBlocks {
            sb.synapses.t = time
            sb.kernel.update(&sb.synapses)
        }
        events.advance()
    }

    /// Work items for `threads`: each block's cells cut into contiguous ranges. Every cell is
    /// computed by the same code whatever the split, so results do not depend on it.
    private var workItems: [WorkItem] = []

    struct WorkItem: Sendable { var block: Int; var first: Int64; var last: Int64 }

    /// Threads used for the cell kernels (1 = the calling thread only).
    public var threads: Int = 1 {
        didSet { workItems = makeItems() }
    }

    private func makeItems() -> [WorkItem] {
        var items: [WorkItem] = []
        let total = blocks.map(\.nCells).reduce(0, +)
        let share = max(16, (total + max(threads, 1) - 1) / max(threads, 1))
        for (i, b) in blocks.enumerated() {
            var c = 0
            while c < b.nCells {
                let end = min(b.nCells, c + share)
                items.append(WorkItem(block: i, first: Int64(c), last: Int64(end)))
                c = end
            }
        }
        return items
    }

    private func runCellKernels(_ kernel: (CellBlock) -> (@convention(c) (UnsafeMutablePointer<brc_cells>?) -> Void)?) {
        let items = workItems
        let blocks = self.blocks
        let functions = items.map { kernel(blocks[$0.block]) }
        let run: @Sendable (Int) -> Void = { i in
            let b = blocks[items[i].block]
            var cells = b.cells
            cells.first = items[i].first
            cells.last = items[i].last
            functions[i]?(&cells)
        }
        if threads <= 1 || items.count <= 1 {
            for i in items.indices { run(i) }
        } else {
            DispatchQueue.concurrentPerform(iterations: items.count, execute: run)
        }
    }

    /// Linear interpolation in a sorted table, zero outside it.
    static func interpolate(_ t: [Double], _ v: [Double], at x: Double) -> Double {
        guard let first = t.first, let last = t.last, x >= first, x <= last else { return 0 }
        var lo = 0, hi = t.count - 1
        while hi - lo > 1 { let mid = (lo + hi) / 2; if t[mid] <= x { lo = mid } else { hi = mid } }
        let w = t[hi] == t[lo] ? 0 : (x - t[lo]) / (t[hi] - t[lo])
        return v[lo] + w * (v[hi] - v[lo])
    }

    /// A spike of source `i` at the present time: recorded, and sent along its connections.
    private func emit(_ i: Int) {
        if recordSpikes { spikes.append((time, i)) }
        for c in fanout[i] {
            let conn = model.connections[c]
            if let u = conn.maskDraw, u >= maskProbability[conn.projection] { continue }
            events.push(stepsAhead: Int(conn.delay / dt + 1e-10), Event(time: time + conn.delay, group: conn.group, instance: conn.instance, weight: conn.weight))
        }
    }

    /// Generator state per spike source: the next spike time (periodic, times) or index.
    private var generatorNext: [Int: Double] = [:]
    private var generatorIndex: [Int: Int] = [:]

    /// Whether generator source `i` spikes in the step starting now.
    private func generatorFires(_ i: Int, _ g: IRGenerator) -> Bool {
        let eps = 1e-9
        switch g {
        case .periodic(let period):
            let next = generatorNext[i] ?? period
            guard next - time < eps else { return false }
            generatorNext[i] = next + period
            return true
        case .times(let times):
            let k = generatorIndex[i] ?? 0
            guard k < times.count, times[k] - time < eps else { return false }
            var j = k
            while j < times.count && times[j] - time < eps { j += 1 }
            generatorIndex[i] = j
            return true
        case .poisson(let rate, let seed):
            let s = model.spikeSources[i]
            return CounterRandom.uniform(seed: seed, stream: UInt64(s.population) &+ 1000, UInt64(s.cell), UInt64(step)) < rate * dt
        case .renewal(let distribution, let minimum, let scale, let start, let stop, let seed):
            let s = model.spikeSources[i]
            func interval(_ k: Int) -> Double {
                let u = CounterRandom.uniform(seed: seed, stream: UInt64(s.population) &+ 2000, UInt64(s.cell), UInt64(k))
                return distribution == .uniform ? minimum + scale * u : minimum - scale * log(1 - u)
            }
            let next = generatorNext[i] ?? (start + interval(0))
            guard next - time < eps, next < stop else { generatorNext[i] = next; return false }
            var k = (generatorIndex[i] ?? 0) + 1
            var after = next + interval(k)
            while after - time < eps { k += 1; after += interval(k) }
            generatorIndex[i] = k
            generatorNext[i] = after
            return true
        }
    }

    /// The present value of a probe, in internal units.
    public func value(population p: Int, cell: Int, probe: IRProbe) -> Double {
        let pop = model.populations[p]
        let b = blocks[pop.cellType]
        let c = popOffset[p] + cell
        switch probe {
        case .voltage(let node): return b.v[b.index(node, c)]
        case .state(let pl, let k, let s):
            let layout = layouts[pop.cellType]
            let ns = model.mechanisms[model.cellTypes[pop.cellType].placements[pl].mechanism].states.count
            return b.state[b.index(layout.stateBase[pl] + k * ns + s, c)]
        case .synapse(let g, let k, let q):
            let sb = synapseBlocks[g]
            let syn = model.synapses[model.synapseGroups[g].synapse]
            let lookup = { (name: String) -> Double in
                if let i = syn.states.firstIndex(where: { $0.name == name }) { return sb.state[k * sb.nStates + i] }
                if let i = syn.parameters.firstIndex(of: name) { return sb.param[k * sb.nParams + i] }
                if name == "v" { return self.blocks[self.model.synapseGroups[g].cellType].v[Int(sb.target[k])] }
                if name == "t" { return self.time }
                return .nan
            }
            if let e = syn.exposures[q] { return e.value.evaluate(lookup) }
            return lookup(q)
        }
    }

    /// All node potentials of one cell (mV).
    public func voltages(population p: Int, cell: Int) -> [Double] {
        let b = blocks[model.populations[p].cellType]
        let c = popOffset[p] + cell
        return (0..<b.nNodes).map { b.v[b.index($0, c)] }
    }

    /// Stops with a message naming population, cell, compartment, variable and time when a
    /// potential or state is not finite.
    public func checkFinite() throws {
        // Fast path: one contiguous scan; the diagnosis below runs only when something is wrong.
        func allFinite(_ p: UnsafeMutablePointer<Double>, _ n: Int) -> Bool { !UnsafeBufferPointer(start: p, count: n).contains { !$0.isFinite } }
        guard !blocks.allSatisfy({ allFinite($0.v.pointer, $0.v.count) && allFinite($0.state.pointer, $0.state.count) })
                || !synapseBlocks.allSatisfy({ allFinite($0.state.pointer, $0.state.count) }) else { return }
        for (pi, pop) in model.populations.enumerated() {
            let b = blocks[pop.cellType]
            let ct = model.cellTypes[pop.cellType]
            for cell in 0..<pop.size {
                let c = popOffset[pi] + cell
                for n in 0..<b.nNodes where !b.v[b.index(n, c)].isFinite {
                    var what = "membrane potential v = \(b.v[b.index(n, c)])"
                    if let (label, node) = firstBadState(b, c, pop.cellType) { what += "; first non-finite state: \(label) at \(ct.nodes[node].label)" }
                    throw NumericalError(message: "numerical failure at t = \(String(format: "%.4f", time)) ms in \(pop.name)[\(cell)] (cell type \(ct.name)), compartment \(ct.nodes[n].label): \(what). Try a smaller step, or check the channel kinetics and parameters")
                }
                if let (label, node) = firstBadState(b, c, pop.cellType) {
                    throw NumericalError(message: "numerical failure at t = \(String(format: "%.4f", time)) ms in \(pop.name)[\(cell)] (cell type \(ct.name)), compartment \(ct.nodes[node].label): state \(label) is not finite. Try a smaller step, or check the channel kinetics")
                }
            }
        }
        for (gi, g) in model.synapseGroups.enumerated() {
            let sb = synapseBlocks[gi]
            let syn = model.synapses[g.synapse]
            for k in 0..<sb.n {
                for s in 0..<sb.nStates where !sb.state[k * sb.nStates + s].isFinite {
                    let inst = g.instances[k]
                    let ct = model.cellTypes[g.cellType]
                    throw NumericalError(message: "numerical failure at t = \(String(format: "%.4f", time)) ms: synapse \(syn.name) state \(syn.states[s].name) on \(model.populations[inst.population].name)[\(inst.cell)] compartment \(ct.nodes[inst.node].label) is not finite")
                }
            }
        }
    }

    private func firstBadState(_ b: CellBlock, _ c: Int, _ cellType: Int) -> (String, Int)? {
        let ct = model.cellTypes[cellType], layout = layouts[cellType]
        for (j, pl) in ct.placements.enumerated() {
            let states = model.mechanisms[pl.mechanism].states
            for (k, node) in pl.nodes.enumerated() {
                for (s, st) in states.enumerated() where !b.state[b.index(layout.stateBase[j] + k * states.count + s, c)].isFinite {
                    return ("\(pl.label).\(st.name)", node)
                }
            }
        }
        return nil
    }
}
