import BRCDiagnostics
import BRCIR

/// A synapse's Requirement met by a state of the LEMS dynamics of the cell it sits on: the
/// parameter `parameter` of the synapse holds state `state`, refreshed before each use.
struct HostState {
    var parameter: Int
    var state: String
    var requirement: SourceLocation
}

/// Links the synapses whose ComponentType requires a state of their cell (PsyNeuLink's
/// FitzHugh-Nagumo synapse reads the dimensionless cell's `V`, a StateVariable of the cell's
/// Dynamics; jLEMS resolves the Requirement in the parent component) to that state of each
/// instance's cell, as continuous connections read `peer/r` (`IRPeerLink.dynamicsState`).
enum HostStates {
    static func link(_ model: inout IRModel, ctx: Context) {
        var reported: Set<String> = []
        for (g, group) in model.synapseGroups.enumerated() where !group.isCellDynamics {
            let synapse = model.synapses[group.synapse]
            guard let reads = ctx.hostStates[synapse.name] else { continue }
            let ct = group.cellType
            let states = ctx.dynamicsSynapses[ct].map { model.synapses[$0].states.map(\.name) } ?? []
            for (k, inst) in group.instances.enumerated() {
                for r in reads {
                    guard let s = states.firstIndex(of: r.state) else {
                        let key = "\(synapse.name) \(ct) \(r.state)"
                        if reported.insert(key).inserted {
                            ctx.error("BRC-E0117", "synapse '\(synapse.name)' requires '\(r.state)', which its cell (type '\(model.cellTypes[ct].name)') does not have as a state",
                                      at: r.requirement, hint: states.isEmpty ? "place it on a LEMS cell with a StateVariable '\(r.state)'" : "the cell's states: \(states.joined(separator: ", "))")
                        }
                        continue
                    }
                    model.peerLinks.append(IRPeerLink(group: g, instance: k, parameter: r.parameter, population: inst.population, cell: inst.cell, node: inst.node, dynamicsState: s))
                }
            }
        }
    }
}
