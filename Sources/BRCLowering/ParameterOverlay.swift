import BRCDiagnostics
import BRCIR
import BRCSyntax
import BRCUnits

/// `<brc:setParameter>`: overrides a run-time parameter of the simulated network, e.g. the
/// best values `brcc train` found (its `best/LEMS_best.xml` includes the task model and sets
/// them):
///
///     <brc:setParameter projection="EE_soma" name="gbase" value="0.8nS"/>
///     <brc:setParameter population="E" channelDensity="Na_soma" name="gmax" value="450 S_per_m2"/>
///
/// Two names change the network's structure and are read before the network is lowered:
///
///     <brc:setParameter projection="EE_soma" name="probability" value="0.3"/>
///     <brc:setParameter cell="pyr4" name="resistivity" value="2 ohm_m"/>
///
/// One sets where a cell's gates start (a fraction, or `steady` for their steady states):
///
///     <brc:setParameter cell="study_E" name="initialGates" value="steady"/>
///
/// and one the task's input: the tuning width of a `brc:tunedCue`,
///
///     <brc:setParameter input="cue_current" name="sd" value="1"/>
enum ParameterOverlay {
    /// Before the network is lowered: records a structural value in `ctx.overrides` (unless
    /// `explicit` overrides already set it) or a cue width in `ctx.cueWidth`, reporting a bad
    /// value once. Run-time parameters are left to `apply`.
    static func prepare(_ el: Element, explicit: [IRSearchParameter.Target: Double], ctx: Context) {
        if let input = el.attribute("input") {
            if ctx.byId[input.value]?.name != "tunedCue" {
                ctx.error("BRC-E1004", "'\(input.value)' is not a brc:tunedCue", at: input.location, hint: "input= names a brc:tunedCue by its id")
            } else if let name = el.attribute("name"), name.value != "sd" {
                ctx.error("BRC-E1017", "<brc:setParameter input=...> sets only name=\"sd\"", at: name.location, hint: "use name=\"sd\"")
            } else if let v = ctx.number(el, "value") {
                if v > 0 { ctx.cueWidth[input.value] = v } else {
                    ctx.error("BRC-E0803", "a tuning width must be positive", at: el.attribute("value")!.location, hint: "e.g. value=\"1\"")
                }
            }
            return
        }
        if let (target, value) = structural(el, ctx: ctx), explicit[target] == nil { ctx.overrides[target] = value }
        if let pop = el["population"], el.attribute("channelDensity") != nil { ctx.ownChannelValues.insert(pop) }
    }

    /// `BRC-E0123` for a `<brc:setParameter>` that sets what one before it in the same file set
    /// (the last silently won). Across files the later one wins: a file that includes a model
    /// sets its values over the model's own (`brcc train`'s best/LEMS_best.xml over a variant).
    static func checkRepeats(_ elements: [Element], ctx: Context) {
        var first: [[String]: Element] = [:]
        for el in elements {
            let key = [el.location.file] + ["name", "input", "projection", "cell", "population", "channelDensity"].map { el[$0].map(trimmed) ?? "" }
            if let earlier = first[key] {
                ctx.error("BRC-E0123", "a second <brc:setParameter> of \(el["name"].map { "'\(trimmed($0))'" } ?? "the same parameter") for the same target in this file (the first is at \(earlier.location.shortDescription))",
                          at: el.location, hint: "set each parameter once; a file that includes this one may set it again")
            } else {
                first[key] = el
            }
        }
    }

    /// The structural target and value of a `<brc:setParameter>`, or nil if it sets a run-time
    /// parameter (or is malformed: `apply` reports it).
    private static func structural(_ el: Element, ctx: Context) -> (IRSearchParameter.Target, Double)? {
        switch (el["name"], el["projection"], el["cell"]) {
        case ("probability", let proj?, nil):
            guard let v = ctx.number(el, "value") else { return nil }
            guard (0...1).contains(v) else {
                ctx.error("BRC-E0703", "probability=\(v) is not a probability", at: el.attribute("value")!.location, hint: "use a value between 0 and 1")
                return nil
            }
            return (.connectionProbability(projection: proj), v)
        case ("resistivity", nil, let cell?):
            guard let v = ctx.quantity(el, "value", .resistivity) else { return nil }
            guard v > 0 else {
                ctx.error("BRC-E0318", "resistivity must be positive", at: el.attribute("value")!.location, hint: "e.g. 100 ohm_cm")
                return nil
            }
            return (.axialResistivity(cell: cell), v)
        default: return nil
        }
    }

    static func apply(_ el: Element, model: inout IRModel, ctx: Context) {
        ctx.checkAttributes(el, required: ["name", "value"], optional: ["projection", "population", "channelDensity", "cell", "input"])
        guard let name = el.attribute("name") else { return }
        // One target: the attributes of a second were never read.
        let given = [["input"], ["projection"], ["cell"], ["population", "channelDensity"]].compactMap { kind in kind.lazy.compactMap { el.attribute($0) }.first }
        if given.count > 1 {
            ctx.error("BRC-E0101", "<brc:setParameter> gives both \(given[0].name)=\"\(given[0].value)\" and \(given[1].name)=\"\(given[1].value)\"", at: given[1].location,
                      hint: "set one target's parameter per <brc:setParameter>: an input, a projection, a cell, or a population's channelDensity")
            return
        }
        if el.attribute("input") != nil { return }  // a cue width: checked and applied by `prepare`
        if let proj = el.attribute("projection"), name.value == "probability" {
            // A masked projection's probability is its mask's (brcc train's best/LEMS_best.xml sets it so).
            let masked = model.projections.firstIndex(of: proj.value).map { model.maskProbability[$0] != nil } ?? false
            if ctx.probabilisticProjections[proj.value] == nil && !masked {
                ctx.error(model.projections.contains(proj.value) ? "BRC-E1017" : "BRC-E1004", "projection '\(proj.value)' has no connection probability (its generator is not brc:ringLattice or brc:randomConnectivity)",
                          at: proj.location, hint: ctx.choices("projections with a probability", model.projections.filter { ctx.probabilisticProjections[$0] != nil }, for: proj.value))
            }
            return
        }
        if let cell = el.attribute("cell"), name.value == "initialGates" {
            // The gates' start: a fraction (as brc:initialGates), or "steady" (each gate at its
            // steady state, NEURON's finitialize); part of the generated init kernel.
            let indices = model.cellTypeIndices(named: cell.value)
            guard !indices.isEmpty else {
                ctx.error("BRC-E1004", "cell '\(cell.value)' is not defined", at: cell.location, hint: ctx.choices("cells", model.cellTypes.map(\.name), for: cell.value))
                return
            }
            if trimmed(el["value"] ?? "") == "steady" { for i in indices { model.cellTypes[i].initialGateValue = nil }; return }
            guard let v = ctx.number(el, "value") else { return }
            guard (0...1).contains(v) else {
                ctx.error("BRC-E0322", "initialGates value=\(v) is not a gate fraction", at: el.attribute("value")!.valueLocation,
                          hint: "give a fraction between 0 and 1, or value=\"steady\"")
                return
            }
            for i in indices { model.cellTypes[i].initialGateValue = v }
            return
        }
        if let cell = el.attribute("cell") {
            if name.value != "resistivity" {
                ctx.error("BRC-E1017", "<brc:setParameter cell=...> sets name=\"resistivity\" or name=\"initialGates\"", at: name.location, hint: "use name=\"resistivity\" or \"initialGates\"")
            } else if !model.cellTypes.contains(where: { $0.name == cell.value }) {
                ctx.error("BRC-E1004", "cell '\(cell.value)' is not defined", at: cell.location, hint: ctx.choices("cells", model.cellTypes.map(\.name), for: cell.value))
            } else if model.cellTypes.allSatisfy({ $0.name != cell.value || $0.compartmentCount == 1 }) {
                // (As a searched resistivity: it was set, silently, to no effect.)
                ctx.error("BRC-E1017", "cell '\(cell.value)' has one compartment, so its axial resistivity has no effect", at: cell.location,
                          hint: "set the resistivity of a multi-compartment cell")
            }
            return
        }
        if let proj = el.attribute("projection") {
            guard let a = resolved(model.synapseParameter(projection: proj.value, name: name.value), at: ["projection": proj, "name": name], ctx: ctx),
                  let v = ctx.quantity(el, "value", a.dimension) else { return }
            let syn = model.synapses[model.projectionSynapses[a.projection]!.synapse]
            let (values, broken) = syn.setting(a.parameter, to: v, in: model.projectionSynapses[a.projection]!.values)
            if let condition = broken {
                ctx.error("BRC-E0601", "with \(name.value)=\"\(el["value"] ?? "")\", synapse \(syn.name) of projection '\(proj.value)' no longer has \(condition)",
                          at: el.attribute("value")!.location, hint: "choose a value for which \(condition)")
                return
            }
            model.projectionSynapses[a.projection]!.values = values
            for c in model.connections where c.projection == a.projection {
                model.synapseGroups[c.group].instances[c.instance].values = syn.setting(a.parameter, to: v, in: model.synapseGroups[c.group].instances[c.instance].values).values
            }
            return
        }
        guard let pop = el.attribute("population"), let cd = el.attribute("channelDensity") else {
            ctx.error("BRC-E0102", "<brc:setParameter> needs projection=, or population= and channelDensity=", at: el.location,
                      hint: "e.g. <brc:setParameter projection=\"EE_soma\" name=\"gbase\" value=\"1nS\"/>")
            return
        }
        guard let a = resolved(model.channelParameter(population: pop.value, placement: cd.value, name: name.value),
                               at: ["population": pop, "channelDensity": cd, "name": name], ctx: ctx) else { return }
        let ct = model.populations[a.population].cellType
        guard model.populations.filter({ $0.cellType == ct }).count == 1 else {
            ctx.error("BRC-E0103", "not supported yet: setting a channel parameter of one population of LEMS cells when other populations share its cell type",
                      at: pop.location, hint: "give the population its own cell type")
            return
        }
        guard let v = ctx.quantity(el, "value", a.dimension) else { return }
        guard name.value != "gmax" || v >= 0 else {
            ctx.error("BRC-E0124", "gmax \(el["value"] ?? "") of channelDensity '\(cd.value)' is negative; it must be zero or more", at: el.attribute("value")!.valueLocation,
                      hint: "give a conductance density of zero or more, e.g. value=\"0.001S_per_cm2\"")
            return
        }
        for k in model.cellTypes[ct].placements[a.placement].values.indices { model.cellTypes[ct].placements[a.placement].values[k][a.parameter] = v }
    }

    /// The address a parameter path resolves to, or nil after a located diagnostic at the
    /// attribute (of `attributes`, by name) that names the missing part.
    static func resolved<A>(_ result: Result<A, ParameterAddress.Failure>, at attributes: [String: Attribute], ctx: Context) -> A? {
        switch result {
        case .success(let a): return a
        case .failure(let f): report(f, at: attributes, ctx: ctx); return nil
        }
    }

    /// A parameter path's failure, as a located diagnostic at the attribute (of `attributes`,
    /// by name) that names the missing part.
    static func report(_ failure: ParameterAddress.Failure, at attributes: [String: Attribute], ctx: Context) {
        func at(_ key: String) -> Attribute { attributes[key]! }
        switch failure {
        case .noProjection(let p, let known):
            ctx.error("BRC-E1004", failure.description, at: at("projection").location, hint: ctx.choices("projections", known, for: p))
        case .noSynapse:
            ctx.error("BRC-E1017", failure.description, at: at("projection").location,
                      hint: "search or set the parameters of a projection with a synapse, or a Parameter of the target's ComponentType")
        case .noSynapseParameter(_, _, let n, let known):
            ctx.error("BRC-E1017", failure.description, at: at("name").location, hint: ctx.choices("its parameters", known, for: n))
        case .derivedSynapseParameter(_, _, _, let inputs):
            ctx.error("BRC-E1017", failure.description, at: at("name").location, hint: "set \(inputs.joined(separator: " or ")) instead")
        case .noPopulation(let p, let known):
            ctx.error("BRC-E1001", failure.description, at: at("population").location, hint: ctx.choices("populations", known, for: p))
        case .noPlacement(_, let l, let known):
            ctx.error("BRC-E1004", failure.description, at: at("channelDensity").location, hint: ctx.choices("channelDensities", known, for: l))
        case .noChannelParameter:
            ctx.error("BRC-E1017", failure.description, at: at("name").location, hint: "use gmax (a conductance density) or erev")
        }
    }
}
