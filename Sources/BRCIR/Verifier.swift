/// Checks the IR's invariants; a failure is a compiler bug, not a model error.
public enum IRVerifier {
    /// The invariants `m` breaks, as text (empty when it is valid): a name an expression reads
    /// that nothing defines, a name defined twice, instances of the wrong shape, links out of
    /// range. Lowering runs it on every model it builds; a problem is brcc's bug (`BRC-E9000`).
    public static func verify(_ m: IRModel) -> [String] {
        mechanisms(m) + synapses(m) + links(m) + cellTypes(m) + stimuli(m)
    }

    /// Each mechanism's locals, states and currents: every name they read is defined, and
    /// defined once.
    static func mechanisms(_ m: IRModel) -> [String] {
        var problems: [String] = []
        // A channel no cell places (lowered only to be checked) may read any ion's values.
        let placed = Set(m.cellTypes.flatMap { $0.placements.map(\.mechanism) })
        let poolNames = IRMechanism.nodeNames(ions: m.mechanisms.compactMap(\.pool)), anyIon = IRMechanism.nodeNames(ions: IRMechanism.ionValence.keys)
        for (k, mech) in m.mechanisms.enumerated() {
            let nodeNames = placed.contains(k) ? poolNames : anyIon
            var known = irBuiltins.union(nodeNames).union(mech.parameters).union(mech.states.map(\.name))
            var locals: Set<String> = []
            for a in mech.locals {
                for r in a.value.refs where !known.contains(r) {
                    problems.append("mechanism \(mech.name): local \(a.name) reads undefined '\(r)'")
                }
                known.insert(a.name)
                // Each local is one constant of the generated code, defined once.
                if !locals.insert(a.name).inserted { problems.append("mechanism \(mech.name): local \(a.name) is defined twice") }
            }
            // Each state is one variable of the generated code, declared once.
            if Set(mech.states.map(\.name)).count != mech.states.count { problems.append("mechanism \(mech.name): a state is defined twice") }
            let stateAndParams = irBuiltins.union(nodeNames).union(mech.parameters).union(mech.states.map(\.name))
            for r in mech.conductance.refs.union(mech.reversal.refs).union(mech.current?.refs ?? []) where !stateAndParams.contains(r) {
                problems.append("mechanism \(mech.name): current reads '\(r)', which is not a parameter or state")
            }
            for s in mech.states {
                for n in s.reads where !known.contains(n) {
                    problems.append("mechanism \(mech.name): state \(s.name) reads undefined '\(n)'")
                }
            }
        }
        return problems
    }

    /// Each synapse: the names its expressions read, its assignments' targets, its node current
    /// and spike flag.
    static func synapses(_ m: IRModel) -> [String] {
        var problems: [String] = []
        for syn in m.synapses {
            let known = irBuiltins.union(syn.parameters).union(syn.states.map(\.name)).union(syn.locals.map(\.name))
            if Set(syn.locals.map(\.name)).count != syn.locals.count { problems.append("synapse \(syn.name): a local is defined twice") }
            if Set(syn.states.map(\.name)).count != syn.states.count { problems.append("synapse \(syn.name): a state is defined twice") }
            if syn.parameterDimensions.count != syn.parameters.count { problems.append("synapse \(syn.name): \(syn.parameters.count) parameters but \(syn.parameterDimensions.count) dimensions") }
            let stateNames = Set(syn.states.map(\.name))
            var reads = syn.current.refs
            for s in syn.states { reads.formUnion(s.reads) }
            // A condition may also reset the membrane potential (an abstract cell's dynamics), and
            // so may an event at a LEMS cell's own port (LEMS's iaf3: v + deltaV).
            for a in syn.onEvent + syn.conditions.flatMap(\.assignments) {
                if !stateNames.contains(a.state) && a.state != "v" { problems.append("synapse \(syn.name): assignment to unknown state \(a.state)") }
                reads.formUnion(a.value.refs)
            }
            for c in syn.conditions { reads.formUnion(c.test.refs) }
            for r in reads where !known.contains(r) && r != "weight" {
                problems.append("synapse \(syn.name): reads undefined '\(r)'")
            }
            for s in [syn.nodeCurrent, syn.spikeFlag].compactMap({ $0 }) where !stateNames.contains(s) {
                problems.append("synapse \(syn.name): its node current or spike flag '\(s)' is not a state")
            }
        }
        return problems
    }

    /// The links between the model's parts: group order, spike flags, peer links, synapse
    /// instances, connections and projections' synapse records.
    static func links(_ m: IRModel) -> [String] {
        var problems: [String] = []
        // A dynamics reading the node's current runs after every synapse group on its cell type.
        for (g, group) in m.synapseGroups.enumerated() where m.synapses[group.synapse].nodeCurrent != nil {
            if m.synapseGroups[(g + 1)...].contains(where: { $0.cellType == group.cellType }) {
                problems.append("synapse group \(group.label) reads the node current but another group on its cell type comes after it")
            }
        }
        for (i, s) in m.spikeSources.enumerated() {
            guard let f = s.flag else { continue }
            let valid = m.synapseGroups.indices.contains(f.group) && m.synapseGroups[f.group].instances.indices.contains(f.instance)
                && m.synapseGroups[f.group].instances[f.instance].population == s.population && m.synapseGroups[f.group].instances[f.instance].cell == s.cell
                && m.synapses[m.synapseGroups[f.group].synapse].states.indices.contains(f.state)
                && m.synapses[m.synapseGroups[f.group].synapse].states[f.state].name == m.synapses[m.synapseGroups[f.group].synapse].spikeFlag
            if !valid { problems.append("spike source \(i): its flag is not its cell's dynamics' spike flag") }
        }
        for l in m.peerLinks where !m.synapseGroups.indices.contains(l.group) || !m.synapseGroups[l.group].instances.indices.contains(l.instance)
            || !m.synapses[m.synapseGroups[l.group].synapse].parameters.indices.contains(l.parameter) || !m.populations.indices.contains(l.population)
            || !(0..<m.populations[l.population].size).contains(l.cell) || !m.cellTypes[m.populations[l.population].cellType].nodes.indices.contains(l.node) {
            problems.append("peer link \(l) points outside the model")
        }
        for l in m.peerLinks where l.dynamicsState != nil && m.populations.indices.contains(l.population) {
            let states = m.dynamicsInstance(population: l.population, cell: l.cell).map { m.synapses[m.synapseGroups[$0.group].synapse].states.count } ?? 0
            if !(0..<states).contains(l.dynamicsState!) { problems.append("peer link \(l) reads a dynamics state its peer cell does not have") }
        }
        for g in m.synapseGroups {
            let np = m.synapses[g.synapse].parameters.count
            for inst in g.instances where inst.values.count != np || m.populations[inst.population].cellType != g.cellType {
                problems.append("synapse group \(g.label): an instance has the wrong shape or cell type")
            }
        }
        for c in m.connections where !m.spikeSources.indices.contains(c.source) || !m.synapseGroups.indices.contains(c.group)
            || !m.synapseGroups[c.group].instances.indices.contains(c.instance) || !(c.delay >= 0) {
            problems.append("connection from source \(c.source) to group \(c.group) instance \(c.instance) is malformed")
        }
        var firstConnection: [Int: IRConnection] = [:]  // (one pass: a search per projection was quadratic in the inputs)
        for c in m.connections where firstConnection[c.projection] == nil { firstConnection[c.projection] = c }
        for (p, ps) in m.projectionSynapses.sorted(by: { $0.key < $1.key }) {
            if !m.projections.indices.contains(p) || !m.synapses.indices.contains(ps.synapse) || ps.values.count != m.synapses[ps.synapse].parameters.count {
                problems.append("projection \(p): its synapse record is malformed")
            } else if let c = firstConnection[p], m.synapseGroups.indices.contains(c.group), m.synapseGroups[c.group].synapse != ps.synapse {
                problems.append("projection \(m.projections[p]): its connections use another synapse than its record")
            }
        }
        return problems
    }

    /// Each cell type's tree of nodes and its placements (shapes, membrane, ion pools).
    static func cellTypes(_ m: IRModel) -> [String] {
        var problems: [String] = []
        for c in m.cellTypes {
            for (k, n) in c.nodes.enumerated() {
                if k == 0 && n.parent != -1 { problems.append("cell \(c.name): node 0 is not the root") }
                if k > 0 && !(0..<k).contains(n.parent) { problems.append("cell \(c.name): node \(k) has parent \(n.parent), not an earlier node") }
                if k > 0 && !(n.gAxial > 0 && n.gAxial.isFinite) { problems.append("cell \(c.name): node \(k) has axial conductance \(n.gAxial)") }
                if !(n.area >= 0) { problems.append("cell \(c.name): node \(k) has area \(n.area)") }
            }
            for p in c.placements {
                if !m.mechanisms.indices.contains(p.mechanism) { problems.append("cell \(c.name): placement \(p.label) names no mechanism"); continue }
                let np = m.mechanisms[p.mechanism].parameters.count
                if p.values.count != p.nodes.count || p.values.contains(where: { $0.count != np }) {
                    problems.append("cell \(c.name): placement \(p.label) has values of the wrong shape")
                }
                for n in p.nodes where !(c.nodes.indices.contains(n) && c.nodes[n].area > 0) {
                    problems.append("cell \(c.name): placement \(p.label) is on node \(n), which has no membrane")
                }
                // A concentration read needs the ion's pool on every node of the placement.
                for ion in Set(m.mechanisms.compactMap(\.pool)) where m.mechanisms[p.mechanism].reads.contains(IRMechanism.ionConcentrationName(ion)) {
                    for n in p.nodes where c.pool(of: ion, atNode: n, m.mechanisms) == nil {
                        problems.append("cell \(c.name): placement \(p.label) reads the \(ion) concentration at node \(n), which has no \(ion) pool")
                    }
                }
            }
        }
        return problems
    }

    /// The stimuli's cells and nodes, and the recorded stimuli's indices.
    static func stimuli(_ m: IRModel) -> [String] {
        var problems: [String] = []
        for s in m.stimuli {
            guard m.populations.indices.contains(s.population) else { problems.append("stimulus \(s.label): bad population"); continue }
            let pop = m.populations[s.population]
            if !(0..<pop.size).contains(s.cell) { problems.append("stimulus \(s.label): cell \(s.cell) out of range") }
            if !m.cellTypes[pop.cellType].nodes.indices.contains(s.node) { problems.append("stimulus \(s.label): node out of range") }
        }
        for f in m.simulation?.outputs ?? [] {
            for c in f.columns {
                if case .stimulus(let indices) = c.probe, indices.isEmpty || !indices.allSatisfy(m.stimuli.indices.contains) {
                    problems.append("output column \(c.id): stimuli \(indices) out of range")
                }
            }
        }
        return problems
    }
}
