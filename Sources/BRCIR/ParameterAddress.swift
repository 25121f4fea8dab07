import BRCUnits

/// Where a named run-time parameter lives in a model: the one resolver of the parameter paths
/// that a task's search (`brc:synapticParameter`, `brc:channelParameter`), `brc:setParameter`
/// and the simulator's setters name (DESIGN.md §5: parameter addressing goes through one
/// resolver). Lowering turns a failure into a located diagnostic, the runtime into an error.
public enum ParameterAddress {
    /// Parameter `parameter` (an index into its synapse's parameters) of every synapse of
    /// projection `projection` (none, when its probability drew no connection).
    public struct Synapse: Equatable {
        /// The projection (an index into `IRModel.projections`), the parameter's index in its
        /// synapse's `parameters`, and the parameter's physical dimension.
        public var projection: Int, parameter: Int, dimension: Dimension
    }

    /// Parameter `parameter` (an index into its channel's parameters) of placement `placement`
    /// of population `population`'s cell type: `gmax` (a conductance density) or `erev`.
    public struct Channel: Equatable {
        /// The population (an index into `IRModel.populations`), the placement (an index into its
        /// cell type's `placements`), the parameter's index in the mechanism's `parameters`, and its
        /// physical dimension.
        public var population: Int, placement: Int, parameter: Int, dimension: Dimension
    }

    /// Why a path names no parameter, with the names that exist.
    public enum Failure: Error, Equatable, CustomStringConvertible {
        /// No projection has this name; `projections` lists those that exist.
        case noProjection(projection: String, projections: [String])
        /// The projection has no synapse (a LEMS `EventConnection` projection), so no parameter.
        case noSynapse(projection: String)
        /// The projection's synapse has no parameter `name`; `parameters` lists those that can be set.
        case noSynapseParameter(synapse: String, projection: String, name: String, parameters: [String])
        /// Parameter `name` is computed from `inputs` (`IRSynapse.derivedParameters`), so it cannot be set.
        case derivedSynapseParameter(synapse: String, projection: String, name: String, inputs: [String])
        /// No population has this name; `populations` lists those that exist.
        case noPopulation(String, populations: [String])
        /// The population's cell type has no channelDensity `label`; `placements` lists those it has.
        case noPlacement(cellType: String, label: String, placements: [String])
        /// `name` is not `gmax` or `erev`, or the placement's mechanism has no such parameter.
        case noChannelParameter(name: String)

        public var description: String {
            switch self {
            case .noProjection(let p, _): return "projection '\(p)' is not in the simulated network"
            case .noSynapse(let p): return "projection '\(p)' has no synapse: its events reach the target components' own Dynamics"
            case .noSynapseParameter(let s, let p, let n, _): return "synapse \(s) of projection '\(p)' has no parameter '\(n)'"
            case .derivedSynapseParameter(let s, _, let n, let inputs):
                return "parameter '\(n)' of synapse \(s) is computed from \(inputs.joined(separator: " and ")), so it cannot be set"
            case .noPopulation(let p, _): return "population '\(p)' is not in the simulated network"
            case .noPlacement(let ct, let l, _): return "cell type \(ct) has no channelDensity '\(l)'"
            case .noChannelParameter(let n): return "channel parameter '\(n)' does not exist (gmax, a conductance density, or erev)"
            }
        }
    }
}

extension IRModel {
    /// Synaptic parameter `name` of the synapses of projection `projection`.
    public func synapseParameter(projection: String, name: String) -> Result<ParameterAddress.Synapse, ParameterAddress.Failure> {
        guard let pi = projections.firstIndex(of: projection) else {
            return .failure(.noProjection(projection: projection, projections: projections))
        }
        guard let ps = projectionSynapses[pi] else { return .failure(.noSynapse(projection: projection)) }
        let syn = synapses[ps.synapse]
        let derived = Set(syn.derivedParameters.map(\.name))
        guard let q = syn.parameters.firstIndex(of: name) else {
            return .failure(.noSynapseParameter(synapse: syn.name, projection: projection, name: name, parameters: syn.parameters.filter { !derived.contains($0) }))
        }
        guard !derived.contains(name) else {
            return .failure(.derivedSynapseParameter(synapse: syn.name, projection: projection, name: name, inputs: syn.inputs(ofDerived: name)))
        }
        return .success(.init(projection: pi, parameter: q, dimension: syn.parameterDimensions[q]))
    }

    /// The model's own value (internal units) of a synaptic parameter: its projection's synapse's.
    public func value(of a: ParameterAddress.Synapse) -> Double { projectionSynapses[a.projection]!.values[a.parameter] }

    /// Channel parameter `name` (`gmax` or `erev`) of channelDensity `placement` on population
    /// `population`.
    public func channelParameter(population: String, placement: String, name: String) -> Result<ParameterAddress.Channel, ParameterAddress.Failure> {
        guard let p = populations.firstIndex(where: { $0.name == population }) else {
            return .failure(.noPopulation(population, populations: populations.map(\.name)))
        }
        let ct = cellTypes[populations[p].cellType]
        guard let j = ct.placements.firstIndex(where: { $0.label == placement }) else {
            return .failure(.noPlacement(cellType: ct.name, label: placement, placements: ct.placements.map(\.label)))
        }
        let dimensions: [String: Dimension] = ["gmax": .conductanceDensity, "erev": .voltage]
        guard let dimension = dimensions[name], let q = mechanisms[ct.placements[j].mechanism].parameters.firstIndex(of: name) else {
            return .failure(.noChannelParameter(name: name))
        }
        return .success(.init(population: p, placement: j, parameter: q, dimension: dimension))
    }

    /// The model's own value (internal units) of a channel parameter: at its first node.
    public func value(of a: ParameterAddress.Channel) -> Double {
        cellTypes[populations[a.population].cellType].placements[a.placement].values.first?[a.parameter] ?? .nan
    }
}
