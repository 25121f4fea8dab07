import BRCIR

extension IRModel {
    /// Adds a synapse instance to the group of synapse `s` on its population's cell type whose
    /// label begins with `kind` (a spike input's synapses, "input ", are grouped apart from a
    /// projection's of the same synapse), making the group if there is none; returns where
    /// the instance went. (`ProjectionLowering.connect` keeps an index of its groups instead:
    /// a projection adds up to millions of instances.)
    @discardableResult
    mutating func addSynapseInstance(_ instance: IRSynapseGroup.Instance, synapse s: Int, kind: String = "") -> (group: Int, instance: Int) {
        let ct = populations[instance.population].cellType
        if let g = synapseGroups.firstIndex(where: { $0.synapse == s && $0.cellType == ct && $0.label.hasPrefix(kind) }) {
            synapseGroups[g].instances.append(instance)
            return (g, synapseGroups[g].instances.count - 1)
        }
        synapseGroups.append(IRSynapseGroup(label: "\(kind)\(synapses[s].name) on \(cellTypes[ct].name)", synapse: s, cellType: ct, instances: [instance]))
        return (synapseGroups.count - 1, 0)
    }
}
