extension IRSynapse {
    /// Whether instances of this synapse on one node, with the same parameters, can be
    /// simulated as one instance that every connection's events reach (NEURON's practice of
    /// one ExpSyn per cell and many NetCons; Brian's and NEST's summed synaptic variables):
    /// every state starts at 0 and advances linearly and homogeneously in the states, with
    /// factors free of them; an event adds to a state a value free of the states (`A += weight
    /// · factor`); the current is linear and homogeneous in the states; no conditions, no
    /// random numbers, not a LEMS cell's own dynamics. Then the sum of the instances' states
    /// follows the same equations, and its current is the sum of theirs (up to rounding).
    /// An expTwoSynapse, an expOneSynapse and a Mg-blocked NMDA synapse qualify; a
    /// plastic synapse (an event reads a state) does not.
    public var isMergeable: Bool {
        guard !isCellDynamics, conditions.isEmpty, nodeCurrent == nil, spikeFlag == nil else { return false }
        let names = Set(states.map(\.name))
        var localValues: [String: IRExpr] = [:]
        for l in locals { localValues[l.name] = l.value.substituting(localValues) }
        func linear(_ e: IRExpr) -> Bool { e.substituting(localValues).isLinearHomogeneous(in: names) }
        func free(_ e: IRExpr) -> Bool { e.substituting(localValues).isFree(of: names) }
        for s in states {
            guard case .const(0) = s.initial else { return false }
            switch s.update {
            case .none: continue
            case .assign(let e), .euler(let e): guard linear(e) else { return false }
            case .instantaneous(let value): guard linear(.ref(value)) else { return false }
            case .linear(let a, let b): guard linear(a), free(b) else { return false }
            case .exponential(let inf, let tau): guard linear(.ref(inf)), free(.ref(tau)) else { return false }
            }
        }
        guard linear(current) else { return false }
        for e in onEvent {
            guard let (added, one) = e.value.substituting(localValues).linearParts(in: e.state), free(added), one.refs.isEmpty,
                  one.evaluate({ _ in .nan }) == 1 else { return false }
        }
        return true
    }
}

extension IRModel {
    /// Where each synapse instance is simulated when mergeable synapses are merged
    /// (`IRSynapse.isMergeable`): for each synapse group, the slot of each of its instances
    /// (slots numbered in order of their first instance). Instances of a group merge when
    /// they are on the same node of the same cell, come from the same projection (so that a
    /// projection's parameters can still be set at run time) and have the same parameter values
    /// in every model of `batch` (instances of one network, as `Simulator(batch:)` takes them).
    /// Not merged: instances in `keeping` (what a recording reads), groups that continuous
    /// couplings or spike counters address, and instances without connections. With `merge`
    /// false every instance keeps its own slot.
    public static func synapseSlots(_ batch: [IRModel], merge: Bool, keeping: Set<IRSynapseAddress> = []) -> [[Int]] {
        guard let model = batch.first else { return [] }
        let identity = model.synapseGroups.map { Array($0.instances.indices) }
        guard merge else { return identity }
        // (A coupling's peer parameter is set per instance at run time; a LEMS cell's dynamics,
        // which spike counters and peers read, are never mergeable.)
        var excluded = Set<Int>()
        for m in batch {
            excluded.formUnion(m.peerLinks.map(\.group))
            excluded.formUnion(m.spikeSources.compactMap { $0.flag?.group })
        }
        // The one projection each instance's connections come from, in every model (-1: none yet,
        // -2: several or differing between models, so kept alone).
        var projection = model.synapseGroups.map { Array(repeating: -1, count: $0.instances.count) }
        for m in batch {
            for c in m.connections {
                let p = projection[c.group][c.instance]
                projection[c.group][c.instance] = p == -1 || p == c.projection ? c.projection : -2
            }
        }
        struct Place: Hashable { var population, cell, node, projection: Int }
        return model.synapseGroups.enumerated().map { g, group in
            guard !excluded.contains(g), model.synapses[group.synapse].isMergeable else { return identity[g] }
            /// Whether instances a and b have the same parameter values (bit for bit) in every model.
            func same(_ a: Int, _ b: Int) -> Bool {
                batch.allSatisfy { m in
                    let i = m.synapseGroups[g].instances
                    return zip(i[a].values, i[b].values).allSatisfy { $0.bitPattern == $1.bitPattern }
                }
            }
            var slots: [Int] = [], slotsAt: [Place: [Int]] = [:], firstOf: [Int] = []
            slots.reserveCapacity(group.instances.count)
            for (k, inst) in group.instances.enumerated() {
                let p = projection[g][k]
                if p >= 0, !keeping.contains(IRSynapseAddress(group: g, instance: k)) {
                    let place = Place(population: inst.population, cell: inst.cell, node: inst.node, projection: p)
                    if let s = slotsAt[place]?.first(where: { same(firstOf[$0], k) }) { slots.append(s); continue }
                    slotsAt[place, default: []].append(firstOf.count)
                }
                slots.append(firstOf.count)
                firstOf.append(k)
            }
            return slots
        }
    }
}

extension IRModel {
    /// The number of slots in one group's `synapseSlots` (numbered from 0 without gaps).
    public static func slotCount(_ slots: [Int]) -> Int { (slots.max() ?? -1) + 1 }

    /// The instances of the model's synapses (not counting LEMS cells' own dynamics) and the
    /// slots `slots` (`synapseSlots`) gives them.
    public func synapseCounts(slots: [[Int]]) -> (instances: Int, slots: Int) {
        let groups = synapseGroups.indices.filter { !synapseGroups[$0].isCellDynamics }
        return (groups.map { slots[$0].count }.reduce(0, +), groups.map { IRModel.slotCount(slots[$0]) }.reduce(0, +))
    }
}

/// Instance `instance` of synapse group `group`.
public struct IRSynapseAddress: Sendable, Hashable {
    /// The group's index in `IRModel.synapseGroups`.
    public var group: Int
    /// The instance's index in the group's `instances`.
    public var instance: Int
    /// Makes an address from its fields.
    public init(group: Int, instance: Int) { self.group = group; self.instance = instance }
}

extension IRProbe {
    /// The synapse instances the probe reads.
    public var synapseAddresses: [IRSynapseAddress] {
        switch self {
        case .synapse(let g, let k, _): return [IRSynapseAddress(group: g, instance: k)]
        case .sum(let terms): return terms.flatMap(\.synapseAddresses)
        default: return []
        }
    }
}
