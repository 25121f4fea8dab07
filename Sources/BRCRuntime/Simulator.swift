import BRCIR
import CBRCKernel
import Foundation

/// brcc's one stepping engine: runs a lowered model with a loaded kernel library by NEURON's
/// fixed-step method, for one network or a *batch* of independent instances of it. Each step:
/// threshold detection on the present potentials and delivery of the events due (spikes
/// reach synapses after their delay, at the step NEURON's bin queue delivers them); injected
/// currents at mid-step (t + dt/2); synaptic currents; the cell kernels (currents, implicit
/// voltage solve, channel states); then the synapse states and conditions at the step's end.
/// Time advances as NEURON's does (two half steps), so event times agree to the last bit.
///
/// **Batches.** A batch is several instances of one network (the trials of a parameter set,
/// or several sets), each with its own stimuli, noise seeds, initial potentials, spike
/// generators, run-time parameters, masks, spikes and events, advanced together: instance b's
/// cells follow instance b-1's in every cell block (instance-major structure of arrays), so one
/// kernel pass covers all instances and fills the vector lanes. Every instance computes with
/// the same operations in the same order as when it runs alone, so its bits are the same
/// (tested); only the structure (cell types, populations, synapse placements) must agree.
public final class Simulator {
    /// A state that became NaN or infinite, with the time and the cell where it did.
    public struct NumericalError: Error, CustomStringConvertible {
        /// What became non-finite, where and when (the error's `description`).
        public var message: String
        /// The batch instance that failed.
        public var instance: Int
        public var description: String { message }
    }

    /// Why models cannot share a batch.
    public struct BatchError: Error, CustomStringConvertible {
        public var description: String
    }

    /// Instance 0's model: the structure every instance shares.
    public let model: IRModel
    /// The model of each batch instance.
    public let instances: [IRModel]
    /// Instances in the batch.
    public var batchSize: Int { instances.count }
    let library: KernelLibrary
    var blocks: [CellBlock] = []
    /// Each cell type's parameter and state layout, computed once.
    let layouts: [IRLayout]
    var synapseBlocks: [SynapseBlock] = []
    /// The order of the synapse blocks' current phase (`IRModel.currentOrder`).
    var currentOrder: [Int] = []
    /// How many of `currentOrder`'s first blocks are dynamics that reset v
    /// (`IRModel.resettingDynamicsGroups`), run before every other block's current.
    var resettingDynamicsCount = 0
    /// For each population: the index of its first cell in instance 0's part of its block.
    var popOffset: [Int] = []
    /// Cells per instance in each cell type's block.
    var cellsPerInstance: [Int] = []
    /// Slots per batch instance in each synapse group's block: one per synapse instance, or
    /// fewer where mergeable instances share one (`IRModel.synapseSlots`).
    var synapsesPerInstance: [Int] = []
    /// The slot of each synapse instance of each group's model, in every batch instance.
    var synapseSlots: [[Int]] = []
    /// How many synapse instances each slot of each group holds.
    var slotSizes: [[Int32]] = []
    /// The steps taken since `initialize` (a restored snapshot brings its own count).
    public internal(set) var step = 0
    /// The simulated time (ms): 0 at `initialize`, advanced by `dt` each step (in two half steps).
    public internal(set) var time = 0.0
    /// The states of `model.environment` (empty without one).
    var environment: [Double] = []
    /// The temperature (K) the kernels read this step: the model's, or its environment's.
    public private(set) var temperature = 0.0
    /// The time step (ms), fixed when the simulator is made.
    public let dt: Double
    let events: EventQueue
    /// Spike sources of every instance (instance-major), with their detector state.
    var sources: [SourceSlot] = []
    /// The threshold detectors of the cell sources, in slot order.
    var detectors: [Detector] = []
    /// The generator sources' running states, in slot order, and their slots.
    var generators: [GeneratorState] = []
    var generatorSlots: [Int] = []
    /// Scratch of `advance`: the slots that fire this step, with their spike counts.
    private var fired: [(slot: Int, count: Int)] = []
    /// The slot of each instance's first spike source in `sources`.
    var sourceBase: [Int] = []
    /// The slots of the sources whose cells' conditions count their spikes (`SourceSlot.flag`).
    var flagSlots: [Int] = []
    /// Outgoing connections of every spike source slot, slot i's at
    /// `fanoutTargets[fanoutStart[i]..<fanoutStart[i + 1]]`.
    var fanoutStart: [Int] = [0]
    var fanoutTargets: [EventTarget] = []
    /// Injected currents of every instance, in each instance's model order.
    var stimuli: [StimulusSlot] = []
    /// The slot of each instance's first stimulus in `stimuli`.
    var stimulusBase: [Int] = []
    /// The mid-point of the last step (where the stimuli were evaluated), nil before the first.
    var lastMidTime: Double?
    /// Current tables (`.table` waveforms), referenced by index from `stimuli`.
    var tables: [(times: [Double], values: [Double])] = []
    /// The fixed keys of the noise currents of every instance (`StimulusSlot.Kind.noise`).
    /// In fast precision their deviates are drawn for the whole step at once into `normals`
    /// (`brc_normals_fast`, vectorised); in exact precision one by one with libm's functions.
    var noiseKeys: [UInt64] = []
    var normals: [Double] = []
    /// The mask probability of each projection per instance (1 where it has no mask): a
    /// masked connection delivers events only while its draw is below it.
    var maskProbability: [[Double]] = []
    /// Spikes of each instance, as (time ms, source index in its model), in order.
    var spikeLists: [[(Double, Int)]]
    /// Whether to keep spikes (for EventOutputFiles, rates, rasters).
    public var recordSpikes = false
    /// Continuous couplings (gap junctions, graded synapses) of every instance: (synapse block,
    /// parameter slot, source buffer, index) — the peer compartment's potential, or a state of
    /// the peer cell's LEMS dynamics, is the coupling's parameter, refreshed before each use.
    var peers: [(SynapseBlock, Int, DoubleBuffer, Int)] = []

    /// Copies each peer's present value into its coupling's parameter.
    @inline(__always)
    func refreshPeers() {
        for (sb, slot, source, k) in peers where sb.param[slot].bitPattern != source[k].bitPattern {
            sb.param[slot] = source[k]
            sb.forgetKeptValues()
        }
    }

    /// One network.
    public convenience init(model: IRModel, library: KernelLibrary, dt: Double, mergingSynapses merge: Bool? = nil, keeping probes: [IRProbe] = []) throws {
        try self.init(batch: [model], library: library, dt: dt, mergingSynapses: merge, keeping: probes)
    }

    /// A batch of instances of one network (see the type's documentation). Throws
    /// `BatchError` when their structures differ.
    ///
    /// `merge` (by default: in fast precision) simulates the mergeable synapse instances on one
    /// node (`IRSynapse.isMergeable`, `IRModel.synapseSlots`) as one: the same equations, with
    /// sums rounded differently, at a fraction of the cost in networks of many synapses per
    /// cell. `probes` are what will be read of the synapses (`value`, `reader`): their
    /// instances keep their own slots.
    public init(batch: [IRModel], library: KernelLibrary, dt: Double, mergingSynapses merge: Bool? = nil, keeping probes: [IRProbe] = []) throws {
        guard let model = batch.first else { throw BatchError(description: "a batch needs at least one instance") }
        guard library.cellKernelCount == model.cellTypes.count, library.synapseKernelCount == model.synapses.count else {
            throw KernelLibrary.LoadError.open("the library does not match the model (cell or synapse kernel count); recompile")
        }
        for (b, m) in batch.enumerated().dropFirst() {
            if let why = Simulator.structuralDifference(model, m) { throw BatchError(description: "batch instance \(b) differs from instance 0: \(why)") }
        }
        instances = batch
        self.model = model
        self.library = library
        self.dt = dt
        let nb = batch.count
        layouts = model.cellTypes.indices.map { model.layout(of: $0) }
        cellsPerInstance = Array(repeating: 0, count: model.cellTypes.count)
        for p in model.populations {
            popOffset.append(cellsPerInstance[p.cellType])
            cellsPerInstance[p.cellType] += p.size
        }
        for (i, ct) in model.cellTypes.enumerated() {
            let k = library.cellKernel(i)
            let layout = layouts[i]
            guard Int(k.n_nodes) == ct.nodes.count, Int(k.n_params) == layout.paramCount, Int(k.n_states) == layout.stateCount else {
                throw KernelLibrary.LoadError.open("kernel for \(ct.name) does not match the model's layout; recompile")
            }
            let n = cellsPerInstance[i]
            let block = CellBlock(kernel: k, count: n * nb, gAxial: ct.nodes.map(\.gAxial))
            for (b, m) in batch.enumerated() {
                for c in 0..<n {
                    for (j, pl) in m.cellTypes[i].placements.enumerated() {
                        let np = m.mechanisms[pl.mechanism].parameters.count
                        for (k, vals) in pl.values.enumerated() {
                            for (q, x) in vals.enumerated() { block.param[block.index(layout.paramBase[j] + k * np + q, b * n + c)] = x }
                        }
                    }
                }
            }
            block.copyPadding()
            blocks.append(block)
        }
        synapseSlots = IRModel.synapseSlots(batch, merge: merge ?? library.isFastPrecision, keeping: Set(probes.flatMap(\.synapseAddresses)))
        for (gi, g) in model.synapseGroups.enumerated() {
            let post = blocks[g.cellType]
            let n = cellsPerInstance[g.cellType]
            let offsets = popOffset
            let slots = synapseSlots[gi]
            let count = IRModel.slotCount(slots)
            var sizes = [Int32](repeating: 0, count: count), first = [Int](repeating: 0, count: count)
            for (k, s) in slots.enumerated().reversed() { sizes[s] += 1; first[s] = k }
            slotSizes.append(sizes)
            synapsesPerInstance.append(count)
            var targets: [Int64] = []
            for b in 0..<nb {
                targets += first.map { k in let i = g.instances[k]; return Int64(post.index(i.node, b * n + offsets[i.population] + i.cell)) }
            }
            let kernel = library.synapseKernel(g.synapse), syn = model.synapses[g.synapse]
            // (A synapse kernel may keep rows of its own after the model's states.)
            guard Int(kernel.n_params) == syn.parameters.count, Int(kernel.n_states) >= syn.states.count else {
                throw KernelLibrary.LoadError.open("kernel for synapse \(syn.name) does not match the model's parameters and states; recompile")
            }
            let sb = SynapseBlock(kernel: kernel, modelStates: syn.states.count, targets: targets, post: post)
            for (b, m) in batch.enumerated() {
                for (k, inst) in m.synapseGroups[gi].instances.enumerated() {
                    for (q, x) in inst.values.enumerated() { sb.param[sb.index(q, b * count + slots[k])] = x }
                }
            }
            synapseBlocks.append(sb)
        }
        currentOrder = model.currentOrder
        resettingDynamicsCount = model.resettingDynamicsGroups.count
        maskProbability = batch.map { m in m.projections.indices.map { m.maskProbability[$0] ?? 1 } }
        spikeLists = Array(repeating: [], count: nb)
        let maxDelay = batch.flatMap { $0.connections.map(\.delay) }.max() ?? 0
        events = EventQueue(steps: EventQueue.steps(delay: maxDelay, dt: dt))
        var targets: [[EventTarget]] = []
        for (b, m) in batch.enumerated() { addInputs(of: m, instance: b, targets: &targets) }
        normals = Array(repeating: 0, count: noiseKeys.count)
        for t in targets {
            fanoutTargets += t
            fanoutStart.append(fanoutTargets.count)
        }
        for (b, m) in batch.enumerated() {
            for l in m.peerLinks {
                let cb = m.populations[l.population].cellType
                let sb = synapseBlocks[l.group]
                let slot = sb.index(l.parameter, synapseIndex(group: l.group, instance: l.instance, batch: b))
                if let s = l.dynamicsState, let (g, k) = m.dynamicsInstance(population: l.population, cell: l.cell) {
                    let db = synapseBlocks[g]
                    peers.append((sb, slot, db.state, db.index(s, synapseIndex(group: g, instance: k, batch: b))))
                } else {
                    peers.append((sb, slot, blocks[cb].v, blocks[cb].index(l.node, b * cellsPerInstance[cb] + popOffset[l.population] + l.cell)))
                }
            }
        }
        planThreads()
        initialize()
    }

    /// Where synapse instance `k` of group `g` of batch instance `b` is in its block.
    @inline(__always)
    func synapseIndex(group g: Int, instance k: Int, batch b: Int) -> Int { b * synapsesPerInstance[g] + synapseSlots[g][k] }

    /// Synapse instances of one network (not counting LEMS cells' own dynamics), and the
    /// slots they are simulated in (fewer where mergeable instances were merged).
    public var synapseCounts: (instances: Int, slots: Int) { model.synapseCounts(slots: synapseSlots) }

    /// Why `m` cannot share a batch with `base`, or nil.
    static func structuralDifference(_ base: IRModel, _ m: IRModel) -> String? {
        guard m.cellTypes.count == base.cellTypes.count, m.synapses.count == base.synapses.count else { return "different cell or synapse types" }
        for (a, b) in zip(base.cellTypes, m.cellTypes) {
            guard a.nodes.map(\.parent) == b.nodes.map(\.parent), a.nodes.map(\.gAxial) == b.nodes.map(\.gAxial), a.vInit == b.vInit, a.vInitByNode == b.vInitByNode,
                  a.placements.map(\.mechanism) == b.placements.map(\.mechanism) else { return "cell type \(a.name) differs (nodes, axial conductances or channels)" }
        }
        guard m.populations.map(\.size) == base.populations.map(\.size), m.populations.map(\.cellType) == base.populations.map(\.cellType) else {
            return "populations differ"
        }
        guard m.synapseGroups.count == base.synapseGroups.count else { return "synapse groups differ" }
        for (a, b) in zip(base.synapseGroups, m.synapseGroups) {
            guard a.synapse == b.synapse, a.cellType == b.cellType, a.instances.count == b.instances.count,
                  zip(a.instances, b.instances).allSatisfy({ $0.population == $1.population && $0.cell == $1.cell && $0.node == $1.node }) else {
                return "synapses of \(a.label) differ"
            }
        }
        guard m.temperature == base.temperature, m.environment == base.environment else { return "temperatures differ" }
        guard m.projections == base.projections else { return "projections differ" }
        guard m.peerLinks.count == base.peerLinks.count else { return "continuous couplings differ" }
        return nil
    }

    /// finitialize: v = vInit everywhere, every state at its initial value, t = 0.
    public func initialize() {
        step = 0
        time = 0
        lastMidTime = nil
        events.clear()
        for b in spikeLists.indices { spikeLists[b].removeAll() }
        for (i, block) in blocks.enumerated() {
            if let byNode = model.cellTypes[i].vInitByNode {
                for node in 0..<block.nNodes { for c in 0..<block.nCells { block.v[block.index(node, c)] = byNode[node] } }
            } else {
                block.v.fill(model.cellTypes[i].vInit)
            }
            let n = cellsPerInstance[i]
            for (b, m) in instances.enumerated() {
                for (pi, pop) in m.populations.enumerated() where pop.cellType == i {
                    guard let r = pop.randomInitialPotential else { continue }
                    for cell in 0..<pop.size {
                        for node in 0..<block.nNodes {
                            block.v[block.index(node, b * n + popOffset[pi] + cell)] = r.potential(population: pi, cell: cell, node: node)
                        }
                    }
                }
            }
            block.cells.dt = dt; block.cells.t = 0
        }
        environment = model.environment?.start() ?? []
        setTemperature()
        runCellKernels { $0.kernel.`init` }
        refreshPeers()
        for sb in synapseBlocks {
            sb.synapses.pointee.dt = dt; sb.synapses.pointee.t = 0
            sb.forgetKeptValues()
            if let f = sb.kernel.`init` { f(sb.synapses) }
        }
        for j in generators.indices { generators[j] = GeneratorState(generators[j].generator, population: generators[j].population, cell: generators[j].cell) }
        for j in detectors.indices { detectors[j].above = detectors[j].potential.pointee > detectors[j].threshold }
    }

    /// Advances every cell of every instance by one step.
    public func advance() {
        // 1. Threshold detection on the present potentials (NEURON's PreSyn check), and the
        //    spike generators, instance by instance.
        //    Every source is checked before any spike is sent (sending reads no potential),
        //    then the spikes go out in slot order, as one pass over the slots would send them.
        //    (A cell whose conditions count its spikes is read after the step: 5 below.)
        let (now, stepNow, dt) = (time, step, self.dt)
        fired.removeAll(keepingCapacity: true)
        detectors.withUnsafeMutableBufferPointer { d in
            for j in d.indices {
                let above = d[j].potential.pointee > d[j].threshold
                guard above != d[j].above else { continue }
                d[j].above = above
                if above { fired.append((d[j].slot, 1)) }
            }
        }
        let detected = fired.count
        generators.withUnsafeMutableBufferPointer { g in
            for j in g.indices {
                let n = g[j].spikes(time: now, step: stepNow, dt: dt)
                if n > 0 { fired.append((generatorSlots[j], n)) }
            }
        }
        // Each pass is in slot order; slots are distinct, so any sort gives the one order.
        if detected > 0 && fired.count > detected { fired.sort { $0.slot < $1.slot } }
        for (i, n) in fired {
            for _ in 0..<n { emit(i, instance: sources[i].instance, source: sources[i].source, at: now) }
        }
        // 2. Events due in this step.
        for e in events.due() {
            let sb = synapseBlocks[e.group]
            sb.synapses.pointee.t = e.time
            sb.kernel.event(sb.synapses, Int64(e.instance), e.weight)
        }
        // 3. Inputs at mid-step, then synaptic currents.
        let tMid = time + 0.5 * dt
        for b in blocks { b.iinj.fill(0); b.gext.fill(0) }
        let drawn = library.isFastPrecision && !noiseKeys.isEmpty
        if drawn {
            normals.withUnsafeMutableBufferPointer { brc_normals_fast(Int64(noiseKeys.count), noiseKeys, UInt64(step), $0.baseAddress) }
        }
        normals.withUnsafeBufferPointer { n in
            let deviates = drawn ? n.baseAddress : nil
            for s in stimuli { s.target.pointee += s.current(at: tMid, step: step, tables: tables, normals: deviates) }
        }
        lastMidTime = tMid
        refreshPeers()
        for (k, g) in currentOrder.enumerated() {
            // After the resets, continuous connections read the potentials anew.
            if k > 0 && k == resettingDynamicsCount { refreshPeers() }
            synapseBlocks[g].synapses.pointee.t = tMid
            runSynapseKernel(g) { $0.current }
        }
        // 4. Cells: currents, voltage solve, channel states (in parallel over cell ranges).
        for b in blocks { b.cells.t = time }
        runCellKernels { $0.kernel.step }
        // 5. Time advances as in NEURON (two half steps), then synapse states and conditions.
        let stepStart = time
        time += 0.5 * dt
        time += 0.5 * dt
        step += 1
        refreshPeers()
        for (g, sb) in synapseBlocks.enumerated() {
            sb.synapses.pointee.t = time
            runSynapseKernel(g) { $0.update }
            sb.synapses.pointee.refresh = 0
        }
        events.advance()
        // The spikes the cells' conditions counted in this step, at its start time (the time of
        // the states they tested), as if detected there: their events arrive at the same step
        // as a threshold's would, except that a zero delay arrives at the next step.
        for i in flagSlots {
            for _ in 0..<Int(sources[i].flag!.pointee) { emit(i, instance: sources[i].instance, source: sources[i].source, at: stepStart, late: 1) }
        }
        // 6. The environment (a varying temperature) advances to the step's end.
        if let e = model.environment {
            e.advance(&environment, t: stepStart, dt: dt)
            setTemperature()
        }
    }

    /// The present temperature into every kernel's batch arguments.
    func setTemperature() {
        temperature = model.environment?.temperature(environment, t: time, dt: dt) ?? model.temperature
        for b in blocks { b.cells.temperature = temperature }
        for sb in synapseBlocks { sb.synapses.pointee.temperature = temperature }
    }

    /// Advances `steps` steps, calling `observe` with the number of steps done after each, and
    /// checks every 64 steps and at the end that every potential and state is finite (the one
    /// NaN policy of every command: a `NumericalError` naming where and when).
    public func run(steps: Int, observe: (Int) throws -> Void = { _ in }) throws {
        for n in stride(from: 1, through: steps, by: 1) {
            advance()
            try observe(n)
            if n % 64 == 0 || n == steps { try checkFinite() }
        }
    }

    /// Work items for `threads`: each block's cells cut into contiguous ranges. Every cell is
    /// computed by the same code whatever the split, so results do not depend on it.
    private var workItems: [WorkItem] = []

    struct WorkItem: Sendable { var block: Int; var first: Int64; var last: Int64 }

    /// Threads used within one step (1 = the calling thread only): for the cell kernels, and
    /// for the current and update kernels of each synapse block of at least
    /// `minimumSplitSynapses` instances (`SynapseBlock.ranges`). A batch usually runs on one
    /// thread, with independent batches on the others (`CueTask.trials`): no per-step
    /// synchronisation.
    public var threads: Int = 1 {
        didSet { planThreads() }
    }

    /// Divides the cell and synapse blocks among `threads`.
    private func planThreads() {
        workItems = makeItems()
        synapseRanges = synapseBlocks.map { $0.ranges(parts: threads, minimum: Simulator.minimumSplitSynapses) }
    }

    /// The smallest synapse block whose kernels `threads` splits (below it, the threads'
    /// synchronisation would cost more than they save).
    static let minimumSplitSynapses = 16_384

    /// Per synapse block, the instance ranges its kernels run on (`threads`).
    private(set) var synapseRanges: [[Range<Int64>]] = []

    /// Runs a kernel of synapse block `g` on each of its ranges, concurrently where it has
    /// several, each on a copy of the block's arguments.
    private func runSynapseKernel(_ g: Int, _ kernel: (brc_synapse_kernel) -> (@convention(c) (UnsafeMutablePointer<brc_synapses>?) -> Void)?) {
        let sb = synapseBlocks[g]
        guard let f = kernel(sb.kernel) else { return }
        let ranges = synapseRanges[g]
        if ranges.count <= 1 { f(sb.synapses); return }
        DispatchQueue.concurrentPerform(iterations: ranges.count) { i in
            var arguments = sb.synapses.pointee
            arguments.first = ranges[i].lowerBound
            arguments.last = ranges[i].upperBound
            f(&arguments)
        }
    }

    /// A block of one-node cells without channels (LEMS point cells, whose dynamics run in a
    /// synapse block) is one item: its kernel is too cheap for the threads to meet over.
    private func makeItems() -> [WorkItem] {
        var items: [WorkItem] = []
        let split = model.cellTypes.map { $0.nodes.count > 1 || !$0.placements.isEmpty }
        let total = zip(blocks, split).filter(\.1).map(\.0.nCells).reduce(0, +)
        // Whole chunks of 32 cells (the kernels' widest), so a split adds no leftover cells.
        let share = ((total + max(threads, 1) - 1) / max(threads, 1) + 31) / 32 * 32
        for (i, b) in blocks.enumerated() {
            guard split[i] else {
                if b.nCells > 0 { items.append(WorkItem(block: i, first: 0, last: Int64(b.nCells))) }
                continue
            }
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
        if threads <= 1 || items.count <= 1 {
            for item in items {
                let b = blocks[item.block]
                guard let f = kernel(b) else { continue }
                var cells = b.cells
                cells.first = item.first
                cells.last = item.last
                f(&cells)
            }
            return
        }
        let functions = items.map { kernel(blocks[$0.block]) }
        let run: @Sendable (Int) -> Void = { i in
            let b = blocks[items[i].block]
            var cells = b.cells
            cells.first = items[i].first
            cells.last = items[i].last
            functions[i]?(&cells)
        }
        DispatchQueue.concurrentPerform(iterations: items.count, execute: run)
    }

    /// A spike of source slot `i` (spike source `source` of batch instance `b`) at `time`:
    /// recorded, and sent along its connections (a masked connection only while its draw is
    /// below the mask probability). `late`: steps the event queue has advanced since the step
    /// starting at `time` (each event keeps its delivery step, or the next one if that passed).
    private func emit(_ i: Int, instance b: Int, source: Int, at time: Double, late: Int = 0) {
        if recordSpikes { spikeLists[b].append((time, source)) }
        maskProbability[b].withUnsafeBufferPointer { mask in
            fanoutTargets.withUnsafeBufferPointer { targets in
                for t in targets[fanoutStart[i]..<fanoutStart[i + 1]] {
                    if t.maskDraw >= 0, t.maskDraw >= mask[t.projection] { continue }
                    events.push(stepsAhead: max(0, t.stepsAhead - late), Event(time: time + t.delay, group: t.group, instance: t.instance, weight: t.weight))
                }
            }
        }
    }

    /// Spikes of instance `instance`: (time ms, spike source index of its model), in order.
    public func spikes(instance: Int = 0) -> [(Double, Int)] { spikeLists[instance] }

    /// Spikes of instance 0 (one network).
    public var spikes: [(Double, Int)] { spikeLists[0] }
}
