import BRCIR
import CBRCKernel
import Foundation

/// Reading the state of a running simulation: probes, potentials, and the finiteness check.
extension Simulator {
    /// The present value of a probe of batch instance `instance`, in internal units.
    /// `p` and `cell` name a cell of a population, except for a generator's `sinceSpike`
    /// probe, which names its source.
    public func value(population p: Int, cell: Int, probe: IRProbe, instance: Int = 0) -> Double {
        let pop = { self.model.populations[p] }
        let b = { self.blocks[pop().cellType] }
        let c = { instance * self.cellsPerInstance[pop().cellType] + self.popOffset[p] + cell }
        switch probe {
        case .sinceSpike(let s): return sources[sourceBase[instance] + s].generator.map { generators[$0].timeSinceSpike(time: time, step: step, dt: dt) } ?? .nan
        case .voltage(let node): return b().v[b().index(node, c())]
        case .constant(let x): return x
        case .spiking(let node, let threshold): return b().v[b().index(node, c())] > threshold ? 1 : 0
        case .temperature: return temperature
        case .environment(let q): return model.environment?.value(q, environment, t: time, dt: dt) ?? .nan
        case .stimulus(let indices):
            // The last step's current (evaluated at its mid-point), at t = 0 the value at 0.
            let t = lastMidTime ?? time, k = lastMidTime == nil ? step : step - 1
            return indices.reduce(0) { sum, i in
                let s = stimuli[stimulusBase[instance] + i]
                if case .noise(let mean, let sd, let key, _) = s.kind { return sum + (mean + sd * noiseNormal(key: key, step: k)) }
                return sum + s.current(at: t, step: k, tables: tables)
            }
        case .state(let pl, let k, let s):
            let pop = pop(), b = b(), c = c()
            let layout = layouts[pop.cellType]
            let ns = model.mechanisms[model.cellTypes[pop.cellType].placements[pl].mechanism].states.count
            return b.state[b.index(layout.stateBase[pl] + k * ns + s, c)]
        case .density(let pl, let k, let current):
            let m = model.mechanisms[model.cellTypes[pop().cellType].placements[pl].mechanism]
            return m.density(current: current).evaluate(mechanismLookup(population: p, cell: c(), placement: pl, instance: k))
        case .mechanism(let pl, let k, let value):
            return value.evaluate(mechanismLookup(population: p, cell: c(), placement: pl, instance: k))
        case .sum(let terms):
            return terms.reduce(0) { $0 + value(population: p, cell: cell, probe: $1, instance: instance) }
        case .synapse(let g, let k, let q):
            let sb = synapseBlocks[g]
            let i = readableSynapse(group: g, instance: k, batch: instance)
            let syn = model.synapses[model.synapseGroups[g].synapse]
            let lookup = { (name: String) -> Double in
                if let j = syn.states.firstIndex(where: { $0.name == name }) { return sb.state[sb.index(j, i)] }
                if let j = syn.parameters.firstIndex(of: name) { return sb.param[sb.index(j, i)] }
                if name == "v" { return self.blocks[self.model.synapseGroups[g].cellType].v[Int(sb.target[i])] }
                if name == "t" { return self.time }
                if name == "dt" { return self.dt }
                return .nan
            }
            if let e = syn.exposures[q] { return e.value.evaluate(lookup) }
            return lookup(q)
        }
    }

    /// Where synapse instance `k` of group `g` of batch instance `b` is, for reading: an
    /// instance merged with others cannot be read alone (its probe belongs in `keeping` when
    /// the simulator is made).
    private func readableSynapse(group g: Int, instance k: Int, batch b: Int) -> Int {
        precondition(slotSizes[g][synapseSlots[g][k]] == 1, "synapse instance \(k) of group \(g) is merged with others; pass its probe as `keeping`")
        return synapseIndex(group: g, instance: k, batch: b)
    }

    /// The standard normal deviate that step `step` drew for the noise current with `key`
    /// (`CounterRandom.prefix`): brcc's own functions in fast precision, libm's otherwise.
    func noiseNormal(key: UInt64, step: Int) -> Double {
        guard library.isFastPrecision else { return CounterRandom.normal(prefix: key, UInt64(step)) }
        var k = key, out = 0.0
        brc_normals_fast(1, &k, UInt64(step), &out)
        return out
    }

    /// A reader of probe `probe` of `cell` for repeated reads (a recorder's columns, every
    /// step): a potential, a channel state, or a synapse's or LEMS cell's state or parameter
    /// (an Izhikevich cell's `u`) reads its place in its block directly, found once; other
    /// probes go through `value`. Gives what `value` gives, at any later time.
    public func reader(population p: Int, cell: Int, probe: IRProbe, instance: Int = 0) -> () -> Double {
        // (Only a cell's probes name a population: a generator's `sinceSpike` names its source.)
        func place(_ p: Int) -> (ct: Int, block: CellBlock, cell: Int) {
            let ct = model.populations[p].cellType
            return (ct, blocks[ct], instance * cellsPerInstance[ct] + popOffset[p] + cell)
        }
        switch probe {
        case .voltage(let node):
            let (_, b, c) = place(p)
            let v = b.v, i = b.index(node, c)
            return { v.pointer[i] }
        case .state(let pl, let k, let s):
            let (ct, b, c) = place(p)
            let ns = model.mechanisms[model.cellTypes[ct].placements[pl].mechanism].states.count
            let state = b.state, i = b.index(layouts[ct].stateBase[pl] + k * ns + s, c)
            return { state.pointer[i] }
        case .synapse(let g, let k, let q):
            // (Through `value` each read looked the synapse up again: 260 ns a value.)
            let sb = synapseBlocks[g], i = readableSynapse(group: g, instance: k, batch: instance)
            let syn = model.synapses[model.synapseGroups[g].synapse]
            if case .ref(let name) = syn.exposures[q]?.value ?? .ref(q) {
                if let j = syn.states.firstIndex(where: { $0.name == name }) {
                    let state = sb.state, at = sb.index(j, i)
                    return { state.pointer[at] }
                }
                if let j = syn.parameters.firstIndex(of: name) {
                    let param = sb.param, at = sb.index(j, i)
                    return { param.pointer[at] }
                }
            }
            return { self.value(population: p, cell: cell, probe: probe, instance: instance) }
        default:
            return { self.value(population: p, cell: cell, probe: probe, instance: instance) }
        }
    }

    /// The present value of each name a mechanism's expressions read, for placement `pl` at its
    /// node index `k` of block cell `c`: its states, parameters and locals (evaluated in
    /// order), `v`, `area`, `temperature` and pool concentrations; NaN for anything else.
    func mechanismLookup(population p: Int, cell c: Int, placement pl: Int, instance k: Int) -> (String) -> Double {
        let ct = model.cellTypes[model.populations[p].cellType]
        let b = blocks[model.populations[p].cellType], layout = layouts[model.populations[p].cellType]
        let m = model.mechanisms[ct.placements[pl].mechanism]
        let node = ct.placements[pl].nodes[k]
        func lookup(_ name: String) -> Double {
            if let s = m.states.firstIndex(where: { $0.name == name }) { return b.state[b.index(layout.stateBase[pl] + k * m.states.count + s, c)] }
            if let q = m.parameters.firstIndex(of: name) { return b.param[b.index(layout.paramBase[pl] + k * m.parameters.count + q, c)] }
            if let l = m.locals.first(where: { $0.name == name }) { return l.value.evaluate(lookup) }
            if name == "v" { return b.v[b.index(node, c)] }
            if name == "area" { return ct.nodes[node].area }
            if name == "temperature" { return temperature }
            for ion in ct.poolIons(model.mechanisms) where name == IRMechanism.ionConcentrationName(ion) {
                guard let (q, i) = ct.pool(of: ion, atNode: node, model.mechanisms) else { return .nan }
                return b.state[b.index(layout.stateBase[q] + i * model.mechanisms[ct.placements[q].mechanism].states.count, c)]
            }
            return .nan
        }
        return lookup
    }

    /// All node potentials of one cell of batch instance `instance` (mV).
    public func voltages(population p: Int, cell: Int, instance: Int = 0) -> [Double] {
        let ct = model.populations[p].cellType
        let b = blocks[ct]
        let c = instance * cellsPerInstance[ct] + popOffset[p] + cell
        return (0..<b.nNodes).map { b.v[b.index($0, c)] }
    }

    /// Stops with a message naming (for a batch) the instance, then population, cell,
    /// compartment, variable and time when a potential or state is not finite.
    public func checkFinite() throws {
        // Fast path: one contiguous scan; the diagnosis below runs only when something is wrong.
        func allFinite(_ p: UnsafeMutablePointer<Double>, _ n: Int) -> Bool { !UnsafeBufferPointer(start: p, count: n).contains { !$0.isFinite } }
        guard !blocks.allSatisfy({ allFinite($0.v.pointer, $0.v.count) && allFinite($0.state.pointer, $0.state.count) })
                || !synapseBlocks.allSatisfy({ allFinite($0.state.pointer, $0.state.count) }) else { return }
        for instance in instances.indices {
            if let message = firstNonFinite(instance: instance) {
                throw NumericalError(message: (batchSize > 1 ? "batch instance \(instance): " : "") + message, instance: instance)
            }
        }
    }

    /// Where instance `instance` first has a non-finite potential or state, as a message.
    private func firstNonFinite(instance: Int) -> String? {
        let when = "numerical failure at t = \(String(format: "%.4f", time)) ms"
        for (pi, pop) in model.populations.enumerated() {
            let b = blocks[pop.cellType]
            let ct = model.cellTypes[pop.cellType]
            for cell in 0..<pop.size {
                let c = instance * cellsPerInstance[pop.cellType] + popOffset[pi] + cell
                for n in 0..<b.nNodes where !b.v[b.index(n, c)].isFinite {
                    let v = b.v[b.index(n, c)]
                    var what = "membrane potential v = \(v.isNaN ? "NaN" : v > 0 ? "+infinity" : "-infinity")"
                    if let (label, node) = firstBadState(b, c, pop.cellType) { what += "; first non-finite state: \(label) at \(ct.nodes[node].label)" }
                    return "\(when) in \(pop.name)[\(cell)] (cell type \(ct.name)), compartment \(ct.nodes[n].label): \(what). Try a smaller step, or check the channel kinetics and parameters"
                }
                if let (label, node) = firstBadState(b, c, pop.cellType) {
                    return "\(when) in \(pop.name)[\(cell)] (cell type \(ct.name)), compartment \(ct.nodes[node].label): state \(label) is not finite. Try a smaller step, or check the channel kinetics"
                }
            }
        }
        for (gi, g) in model.synapseGroups.enumerated() {
            let sb = synapseBlocks[gi]
            let syn = model.synapses[g.synapse]
            for (k, slot) in synapseSlots[gi].enumerated() {
                let i = instance * synapsesPerInstance[gi] + slot
                for s in syn.states.indices where !sb.state[sb.index(s, i)].isFinite {  // (not the kept factors after them)
                    let inst = g.instances[k]
                    let ct = model.cellTypes[g.cellType]
                    return "\(when): synapse \(syn.name) state \(syn.states[s].name) on \(model.populations[inst.population].name)[\(inst.cell)] compartment \(ct.nodes[inst.node].label) is not finite"
                }
            }
        }
        return nil
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
