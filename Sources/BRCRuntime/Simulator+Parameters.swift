import BRCIR

/// Run-time parameters: set on a built simulator, no recompilation.
extension Simulator {
    /// A parameter that cannot be set: an unknown name, projection or population, or a value
    /// out of range.
    public struct ParameterError: Error, CustomStringConvertible {
        public var description: String
    }

    /// The batch instances a setter changes: `instance`, or all of them when nil.
    private func targets(_ instance: Int?) -> Range<Int> { instance.map { $0..<$0 + 1 } ?? instances.indices }

    /// Sets synaptic parameter `name` (internal units) of every synapse of projection
    /// `projection` in batch instance `instance` (nil: every instance): run-time parameters,
    /// so no recompilation. Recomputes the synapse's derived parameters (an expTwoSynapse's
    /// `factor`); throws, changing nothing, if the value breaks one of its parameter conditions
    /// (`IRSynapse.parameterConditions`). Takes effect from the next step.
    public func setSynapseParameter(projection: String, name: String, value: Double, instance: Int? = nil) throws {
        let a = try address(model.synapseParameter(projection: projection, name: name))
        let syn = model.synapses[model.projectionSynapses[a.projection]!.synapse]
        // A parameter nothing derives from and no condition reads (gbase, erev) is written alone,
        // as before: no per-synapse copy of the parameters.
        guard syn.derivedParameters.contains(where: { $0.value.refs.contains(name) }) || syn.parameterConditions.contains(where: { $0.refs.contains(name) }) else {
            for c in model.connections where c.projection == a.projection {
                let sb = synapseBlocks[c.group]
                for b in targets(instance) { sb.param[sb.index(a.parameter, synapseIndex(group: c.group, instance: c.instance, batch: b))] = value }
                sb.forgetKeptValues()
            }
            return
        }
        var updates: [(SynapseBlock, Int, [Double])] = []
        for c in model.connections where c.projection == a.projection {
            let sb = synapseBlocks[c.group]
            for b in targets(instance) {
                let k = synapseIndex(group: c.group, instance: c.instance, batch: b)
                let (values, broken) = syn.setting(a.parameter, to: value, in: syn.parameters.indices.map { sb.param[sb.index($0, k)] })
                if let condition = broken {
                    throw ParameterError(description: "\(name) = \(value) breaks \(condition) of synapse \(syn.name) of projection '\(projection)'")
                }
                updates.append((sb, k, values))
            }
        }
        for (sb, k, values) in updates {
            for (q, v) in values.enumerated() { sb.param[sb.index(q, k)] = v }
            sb.forgetKeptValues()
        }
    }

    /// The address `result` resolved to (`IRModel.synapseParameter`, `channelParameter`: the
    /// one resolver lowering uses too), or its failure as a `ParameterError`.
    private func address<A>(_ result: Result<A, ParameterAddress.Failure>) throws -> A {
        switch result {
        case .success(let a): return a
        case .failure(let f): throw ParameterError(description: f.description)
        }
    }

    /// Sets the mask probability of a masked projection in batch instance `instance` (nil:
    /// every instance): its connections whose fixed draw is below `value` deliver events, the
    /// others do not (zero conductance). The network keeps its structure; takes effect from
    /// the next spike.
    public func setConnectionProbability(projection: String, value: Double, instance: Int? = nil) throws {
        guard let p = model.projections.firstIndex(of: projection) else {
            throw ParameterError(description: "no projection '\(projection)' (projections: \(model.projections.joined(separator: ", ")))")
        }
        guard model.maskProbability[p] != nil else {
            throw ParameterError(description: "projection '\(projection)' has no mask; give its generator mask= and maskSeed=")
        }
        guard (0...1).contains(value) else { throw ParameterError(description: "a connection probability of \(value) is outside [0, 1]") }
        for b in targets(instance) { maskProbability[b][p] = value }
    }

    /// Whether connection `index` (of `model.connections`) of batch instance `instance`
    /// delivers events now.
    public func isActive(connection index: Int, instance: Int = 0) -> Bool {
        let c = instances[instance].connections[index]
        return c.isActive(maskProbability: maskProbability[instance][c.projection])
    }

    /// Sets channel parameter `name` (`gmax` in uS/um2 or `erev` in mV) of placement `label`
    /// (a channelDensity id) on every cell of population `population` in batch instance
    /// `instance` (nil: every instance).
    public func setChannelParameter(population: String, placement label: String, name: String, value: Double, instance: Int? = nil) throws {
        let a = try address(model.channelParameter(population: population, placement: label, name: name))
        let (p, j, q) = (a.population, a.placement, a.parameter)
        let ct = model.populations[p].cellType
        let cellType = model.cellTypes[ct]
        let mech = model.mechanisms[cellType.placements[j].mechanism]
        let b = blocks[ct]
        let base = layouts[ct].paramBase[j]
        for i in targets(instance) {
            for cell in 0..<model.populations[p].size {
                let c = i * cellsPerInstance[ct] + popOffset[p] + cell
                for k in cellType.placements[j].nodes.indices { b.param[b.index(base + k * mech.parameters.count + q, c)] = value }
            }
        }
    }
}
