import BRCDiagnostics
import BRCIR
import BRCSyntax
import BRCUnits

/// `brc:cueTask`: the cue task and the search over run-time parameters (grammar/brc.xsd).
///
///     <brc:cueTask readout="rate" conditions="-2 -2, 2 2, -2 2, 2 -2" repeats="5" burnIn="250ms"
///                  downsample="10" alpha="2" failureMagnitude="0.2">
///       <brc:search rounds="10" samples="100" eliteFraction="0.1" seed="1">
///         <brc:synapticParameter projection="EE_soma" name="gbase" prior="logUniform" lower="0.01nS" upper="10nS"/>
///         <brc:channelParameter population="E" channelDensity="Na_soma" name="gmax" prior="uniform" lower=".." upper=".."/>
///         <brc:connectionProbability projection="EE_soma" prior="uniform" lower="0" upper="0.6"/>
///         <brc:axialResistivity cell="pyr4" prior="uniform" lower="100ohm_cm" upper="300ohm_cm"/>
///       </brc:search>
///     </brc:cueTask>
enum TaskLowering {
    /// The largest magnitude of a cue value in `conditions`.
    static let maximumCueValue = 1e6

    /// A whole-number setting of the task or its search: `def` where absent, else a number in
    /// `range` (`BRC-E1016` at the attribute, and nil).
    static func count(_ el: Element, _ name: String, default def: Int, in range: ClosedRange<Int>, ctx: Context) -> Int? {
        guard let a = el.attribute(name) else { return def }
        guard let v = ctx.integer(el, name) else { return nil }
        guard range.contains(v) else {
            let bounds = range.upperBound == Int.max ? "at least \(range.lowerBound)" : "from \(range.lowerBound) to \(range.upperBound)"
            ctx.error("BRC-E1016", "\(name)=\"\(a.value)\" is out of range: it must be \(bounds)", at: a.valueLocation, hint: "the default is \(def)")
            return nil
        }
        return v
    }

    /// A numeric setting of the task or its search: `def` where absent, else a finite number
    /// that `admits` (`BRC-E1016` at the attribute, saying `requirement`, and nil).
    static func value(_ el: Element, _ name: String, default def: Double, _ requirement: String, ctx: Context, admits: (Double) -> Bool) -> Double? {
        guard let a = el.attribute(name) else { return def }
        guard let v = ctx.number(el, name) else { return nil }
        guard admits(v) else {
            ctx.error("BRC-E1016", "\(name)=\"\(a.value)\" is out of range: it must be \(requirement)", at: a.valueLocation, hint: "the default is \(IRPrinter.num(def))")
            return nil
        }
        return v
    }

    static func lower(_ el: Element, model: IRModel, ctx: Context) -> IRTask? {
        ctx.checkAttributes(el, required: ["readout"], optional: ["id", "conditions", "repeats", "burnIn", "downsample", "alpha", "failureMagnitude",
                                                                  "failurePenalty", "ratePopulations", "readoutSegment", "readoutFractionAlong"])
        guard !ctx.hasMisspelling(el) else { return nil }  // reported; a default is not what was meant
        guard let readout = el.attribute("readout") else { return nil }
        guard let readoutPopulation = readoutPopulation(readout, model: model, ctx: ctx) else { return nil }
        guard let site = readoutSite(el, cellType: model.cellTypes[readoutPopulation.cellType], ctx: ctx) else { return nil }
        guard let conditions = conditions(el, model: model, ctx: ctx) else { return nil }
        typealias D = IRTask.Defaults
        let repeats = el.attribute("repeats") != nil ? ctx.integer(el, "repeats") : D.repeats
        let burnIn = el.attribute("burnIn") != nil ? ctx.quantity(el, "burnIn", .time, bound: .nonNegative) : D.burnIn
        let downsample = count(el, "downsample", default: D.downsample, in: 1...Int.max, ctx: ctx)
        let alpha = value(el, "alpha", default: D.alpha, "greater than zero", ctx: ctx) { $0 > 0 }
        let failure = value(el, "failureMagnitude", default: D.failureMagnitude, "zero or more", ctx: ctx) { $0 >= 0 }
        let penalty = value(el, "failurePenalty", default: D.failurePenalty, "zero or more", ctx: ctx) { $0 >= 0 }
        guard let repeats, let burnIn, let downsample, let alpha, let failure, let penalty else { return nil }
        let ratePopulations = (el["ratePopulations"] ?? "").split(separator: " ").map(String.init)
        if let twice = ratePopulations.enumerated().first(where: { ratePopulations[..<$0.offset].contains($0.element) })?.element {
            ctx.error("BRC-E0123", "ratePopulations names population '\(twice)' twice (evaluations.csv would have two rate_\(twice)_hz columns)", at: el.attribute("ratePopulations")!.valueLocation,
                      hint: "name each population once")
        }
        for name in ratePopulations where !model.populations.contains(where: { $0.name == name }) {
            ctx.error("BRC-E1001", "ratePopulations names population '\(name)', which is not in the simulated network", at: el.attribute("ratePopulations")!.valueLocation,
                      hint: ctx.choices("populations", model.populations.map(\.name), for: name))
            return nil
        }
        guard repeats >= 2 else {
            ctx.error("BRC-E1002", "leave-one-repeat-out cross-validation needs at least 2 repeats", at: el.attribute("repeats")!.location, hint: "the study used 5")
            return nil
        }
        guard repeats <= Resources.maximumTrials / conditions.count else {  // (not a product: it could overflow)
            ctx.error("BRC-E1012", "the task has \(conditions.count) conditions x \(repeats) repeats, more than the \(Resources.maximumTrials) trials per parameter set brcc runs",
                      at: el.attribute("repeats")?.valueLocation ?? el.location, hint: "the study used 4 conditions x 5 repeats")
            return nil
        }
        if let duration = model.simulation?.duration, burnIn >= duration {
            ctx.error("BRC-E1013", "the readout starts after burnIn = \(IRPrinter.num(burnIn)) ms, at or after the end of each trial (\(IRPrinter.num(duration)) ms, the <Simulation>'s length)",
                      at: el.attribute("burnIn")?.valueLocation ?? el.location, hint: "give a burnIn shorter than the trial (the study used 250 ms of 1000 ms)")
            return nil
        }
        guard let search = ctx.once(el.children.filter { $0.name == "search" }, in: el) else {
            ctx.error("BRC-E0102", "<brc:cueTask> needs a <brc:search>", at: el.location, hint: "add <brc:search rounds=\"10\" samples=\"100\" seed=\"1\"> with parameters")
            return nil
        }
        for c in el.children where c.name != "search" { ctx.unsupported(c, in: "brc:cueTask", supported: ["brc:search"]) }
        ctx.checkAttributes(search, required: ["seed"], optional: ["rounds", "samples", "eliteFraction", "eliteFloor", "minElite"])
        let rounds = count(search, "rounds", default: D.rounds, in: 1...IRTask.maximumRounds, ctx: ctx)
        let samples = count(search, "samples", default: D.samplesPerRound, in: 2...IRTask.maximumSamples, ctx: ctx)
        let elite = value(search, "eliteFraction", default: D.eliteFraction, "greater than 0 and at most 1", ctx: ctx) { $0 > 0 && $0 <= 1 }
        // (A score: any number; one at or below 0 leaves only the fraction's quantile.)
        let floor = value(search, "eliteFloor", default: D.eliteFloor, "a number", ctx: ctx) { _ in true }
        let minElite = count(search, "minElite", default: D.minElite, in: 1...Int.max, ctx: ctx)
        guard let rounds, let samples, let elite, let floor, let minElite, let seed = ctx.seed(search) else { return nil }
        let (parameters, elements) = searchParameters(search, model: model, ctx: ctx)
        if !ctx.sink.hasErrors { checkSynapseConditions(parameters, elements: elements, model: model, ctx: ctx) }
        guard !parameters.isEmpty, !ctx.sink.hasErrors else {
            if parameters.isEmpty && !ctx.sink.hasErrors {
                ctx.error("BRC-E1003", "the search has no parameters", at: search.location, hint: "add <brc:synapticParameter> or <brc:channelParameter>")
            }
            return nil
        }
        warnIfRepeatsAreIdentical(model, at: el.location, ctx: ctx)
        var task = IRTask(readoutPopulation: readout.value, conditions: conditions, repeats: repeats, burnIn: burnIn, downsample: downsample,
                          alpha: alpha, failureMagnitude: failure, rounds: rounds, samplesPerRound: samples, eliteFraction: elite,
                          seed: seed, parameters: parameters)
        task.failurePenalty = penalty
        task.eliteFloor = floor
        task.minElite = minElite
        task.ratePopulations = ratePopulations
        if case .node(let n) = site { task.readoutNode = n }
        let ids = parameters.map(\.label)
        if let dup = ids.first(where: { id in ids.filter { $0 == id }.count > 1 }) {
            ctx.error("BRC-E1011", "two searched parameters are named '\(dup)'", at: search.location, hint: "give each parameter its own id")
            return nil
        }
        return task
    }

    /// The population the task reads out, named by `readout`: one of cells with a membrane
    /// potential, and at least one cell; nil, reported, otherwise.
    static func readoutPopulation(_ readout: Attribute, model: IRModel, ctx: Context) -> IRPopulation? {
        guard let readoutPopulation = model.populations.first(where: { $0.name == readout.value }) else {
            if model.generatorPopulations.contains(where: { $0.name == readout.value }) {
                ctx.error("BRC-E1001", "the task reads out population '\(readout.value)', a population of spike sources, which have no membrane potential to read",
                          at: readout.location, hint: ctx.choices("populations of cells", model.populations.map(\.name), for: readout.value))
            } else {
                ctx.error("BRC-E1001", "the task reads out population '\(readout.value)', which is not in the simulated network", at: readout.location,
                          hint: ctx.choices("populations", model.populations.map(\.name), for: readout.value))
            }
            return nil
        }
        guard model.cellTypes[readoutPopulation.cellType].hasMembranePotential else {
            ctx.error("BRC-E1001", "the task reads out population '\(readout.value)', whose cells (\(model.cellTypes[readoutPopulation.cellType].name)) have no membrane potential v to read",
                      at: readout.location, hint: "read out a population of cells with a membrane potential (a cell, or a LEMS cell with a StateVariable v of dimension voltage)")
            return nil
        }
        guard readoutPopulation.size > 0 else {
            ctx.error("BRC-E1016", "the readout population '\(readout.value)' has no cells", at: readout.valueLocation,
                      hint: "read out a population of one cell or more")
            return nil
        }
        return readoutPopulation
    }

    /// The task's conditions (cue values; the study's four by default), checked against the
    /// network's tuned cues; nil, reported, where they are malformed or do not fit the cue.
    static func conditions(_ el: Element, model: IRModel, ctx: Context) -> [[Double]]? {
        var conditions: [[Double]] = [[-2, -2], [2, 2], [-2, 2], [2, -2]]
        if let c = el.attribute("conditions") {
            // (An empty condition, ",," or a trailing comma, is malformed, not skipped.)
            let parsed = c.value.split(separator: ",", omittingEmptySubsequences: false).map { $0.split(separator: " ").map { Double($0) } }
            guard !parsed.isEmpty, parsed.allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0 != nil } && $0.count == parsed[0].count }) else {
                ctx.error("BRC-E0104", "conditions=\"\(c.value)\" is not a list of cue values", at: c.location,
                          hint: "cue values separated by commas, numbers by spaces, e.g. \"-2 -2, 2 2\"")
                return nil
            }
            conditions = parsed.map { $0.map { $0! } }
            // The targets are the conditions: of a sane size, and not all the same (the chance
            // error, their variance, must not be zero).
            guard conditions.joined().allSatisfy({ abs($0) <= maximumCueValue }), Set(conditions).count >= 2 else {
                ctx.error("BRC-E1016", "conditions=\"\(c.value.prefix(80))\" must give at least two different cue values, each number within ±\(IRPrinter.num(maximumCueValue))",
                          at: c.valueLocation, hint: "the study used \"-2 -2, 2 2, -2 2, 2 -2\"")
                return nil
            }
        }
        // The conditions are values of the cue: some input must be a tuned cue of as many dimensions.
        let cues = model.stimuli.compactMap(\.cueTuning)
        guard !cues.isEmpty else {
            ctx.error("BRC-E1014", "the task has no cue: no brc:tunedCue is an input of the simulated network", at: el.location,
                      hint: "give a <brc:tunedCue> to the cue cells with an <inputList> (see models/small/train_small_cue.xml)")
            return nil
        }
        if let c = cues.first(where: { $0.centre.count != conditions[0].count }) {
            ctx.error("BRC-E1015", "the conditions are cue values of \(conditions[0].count) dimension(s), but the brc:tunedCue's centres have \(c.centre.count)",
                      at: el.attribute("conditions")?.valueLocation ?? el.location,
                      hint: "give each condition one number per dimension of the cue's centres (the study: 2, e.g. \"-2 -2, 2 2\")")
            return nil
        }
        return conditions
    }

    /// The search's parameters, each with the element that declares it: its own children, and
    /// those of the `<brc:parameterSet>`s its `<brc:parameters ref=...>` name (so task files share
    /// what they search without copying it). A parameter with an error is reported and left out.
    static func searchParameters(_ search: Element, model: IRModel, ctx: Context) -> (parameters: [IRSearchParameter], elements: [Element]) {
        var parameters: [IRSearchParameter] = [], elements: [Element] = []
        for p in search.children {
            // <brc:parameters ref="X"/>: the parameters of the top-level <brc:parameterSet id="X">.
            var declared = [p]
            if p.name == "parameters" {
                ctx.checkAttributes(p, required: ["ref"])
                guard let ref = p.attribute("ref") else { continue }
                guard let set = ctx.lookup(ref, expecting: ["parameterSet"], what: "parameter set") else { continue }
                ctx.checkAttributes(set, required: ["id"])
                declared = set.children
            }
            for d in declared {
                guard let sp = parameter(d, model: model, ctx: ctx) else { continue }
                parameters.append(sp)
                elements.append(d)
            }
        }
        return (parameters, elements)
    }

    /// Reports, at the first of them, searched synaptic parameters whose bounds let a synapse's
    /// parameter conditions (`IRSynapse.parameterConditions`, e.g. an expTwoSynapse's
    /// tauDecay > tauRise) fail: checked at every corner of the searched box, with the other
    /// parameters at the model's values (exact for the conditions brcc has, which are linear).
    static func checkSynapseConditions(_ parameters: [IRSearchParameter], elements: [Element], model: IRModel, ctx: Context) {
        var byProjection: [String: [Int]] = [:]
        for (i, p) in parameters.enumerated() {
            if case .synapse(let proj, _) = p.target { byProjection[proj, default: []].append(i) }
        }
        for (proj, searched) in byProjection.sorted(by: { $0.key < $1.key }) {
            guard let pi = model.projections.firstIndex(of: proj), let ps = model.projectionSynapses[pi] else { continue }
            let syn = model.synapses[ps.synapse]
            guard !syn.parameterConditions.isEmpty, searched.count <= 16 else { continue }
            for corner in 0..<(1 << searched.count) {
                var values = ps.values
                var setting: [String] = []
                for (bit, i) in searched.enumerated() {
                    guard case .synapse(_, let name) = parameters[i].target, let q = syn.parameters.firstIndex(of: name) else { continue }
                    let bound = corner & (1 << bit) != 0 ? "upper" : "lower"
                    values[q] = bound == "upper" ? parameters[i].upper : parameters[i].lower
                    setting.append("\(name) = \(elements[i][bound] ?? "") (its \(bound) bound)")
                }
                if let condition = syn.violatedCondition(syn.withDerivedParameters(values)) {
                    ctx.error("BRC-E1006", "the search's bounds let synapse \(syn.name) of projection '\(proj)' break \(condition) (at \(setting.joined(separator: ", ")))",
                              at: elements[searched[0]].location, hint: "narrow the bounds so that \(condition) holds everywhere in them")
                    return
                }
            }
        }
    }

    /// `BRC-W1001` when nothing random in the network is drawn anew for each trial
    /// (`CueTask.trialModel` reseeds noise currents, random initial potentials, NeuroML's
    /// random inputs and `random()` in Dynamics): then every repeat of a condition is the same
    /// trial, and leave-one-repeat-out validation scores trials the readout was trained on.
    static func warnIfRepeatsAreIdentical(_ model: IRModel, at location: SourceLocation, ctx: Context) {
        let noise = model.stimuli.contains { if case .noise = $0.waveform { return true } else { return false } }
        guard !noise, !model.populations.contains(where: { $0.randomInitialPotential != nil }),
              !model.generatorPopulations.contains(where: { $0.idSeed != nil }), !model.synapses.contains(where: \.usesRandom) else { return }
        ctx.warning("BRC-W1001", "nothing random in the network is drawn anew for each trial, so the repeats of a condition are the same trial and leave-one-repeat-out validation scores trials the readout was trained on",
                    at: location, hint: "add a <brc:noiseCurrent> input (the study: sd 0.06 nA) or a <brc:randomInitialPotential>; a brc:poissonSource keeps its own seed in every trial")
    }

    /// Where the readout cells' potential is read.
    enum ReadoutSite { case spikeNode, node(Int) }

    /// The readout site: `readoutSegment` (a segment id, default the cell's first) at
    /// `readoutFractionAlong` (0.5), as a connection's post site is read, or, without either,
    /// the spike-detection node. Nil after a located diagnostic.
    static func readoutSite(_ el: Element, cellType ct: IRCellType, ctx: Context) -> ReadoutSite? {
        let segment = el.attribute("readoutSegment")
        guard segment != nil || el.attribute("readoutFractionAlong") != nil else { return .spikeNode }
        var id: Int?
        if segment != nil {
            guard let v = ctx.integer(el, "readoutSegment") else { return nil }
            id = v
        }
        guard let x = ctx.fraction(el, "readoutFractionAlong", absent: 0.5),
              let node = ctx.node(ct, segment: id, fraction: x, default: ct.spikeNode, at: segment?.valueLocation ?? el.location) else { return nil }
        return .node(node)
    }

    static func parameter(_ p: Element, model: IRModel, ctx: Context) -> IRSearchParameter? {
        let target: IRSearchParameter.Target, dimension: Dimension, label: String, modelValue: Double
        switch p.name {
        case "synapticParameter":
            ctx.checkAttributes(p, required: ["projection", "name", "lower", "upper"], optional: ["prior", "id"])
            guard let proj = p.attribute("projection"), let name = p.attribute("name") else { return nil }
            guard let a = ParameterOverlay.resolved(model.synapseParameter(projection: proj.value, name: name.value),
                                                    at: ["projection": proj, "name": name], ctx: ctx) else { return nil }
            target = .synapse(projection: proj.value, parameter: name.value)
            modelValue = model.value(of: a)
            dimension = a.dimension
            label = "\(proj.value).\(name.value)"
        case "channelParameter":
            ctx.checkAttributes(p, required: ["population", "channelDensity", "name", "lower", "upper"], optional: ["prior", "id"])
            guard let pop = p.attribute("population"), let cd = p.attribute("channelDensity"), let name = p.attribute("name") else { return nil }
            guard let a = ParameterOverlay.resolved(model.channelParameter(population: pop.value, placement: cd.value, name: name.value),
                                                    at: ["population": pop, "channelDensity": cd, "name": name], ctx: ctx) else { return nil }
            target = .channel(population: pop.value, placement: cd.value, parameter: name.value)
            modelValue = model.value(of: a)
            dimension = a.dimension
            label = "\(pop.value).\(cd.value).\(name.value)"
        case "connectionProbability":
            ctx.checkAttributes(p, required: ["projection", "lower", "upper"], optional: ["prior", "id"])
            guard let proj = p.attribute("projection") else { return nil }
            if let pi = model.projections.firstIndex(of: proj.value), let mask = model.maskProbability[pi] {
                target = .connectionMask(projection: proj.value)
                modelValue = mask
                dimension = .none
                label = "\(proj.value).probability"
                break
            }
            guard let declared = ctx.probabilisticProjections[proj.value] else {
                let known = model.projections.filter { ctx.probabilisticProjections[$0] != nil }
                ctx.error(model.projections.contains(proj.value) ? "BRC-E1017" : "BRC-E1004", "projection '\(proj.value)' \(model.projections.contains(proj.value) ? "has no connection probability (its generator is not brc:ringLattice or brc:randomConnectivity)" : "is not in the simulated network")",
                          at: proj.location, hint: ctx.choices("projections with a probability", known, for: proj.value))
                return nil
            }
            target = .connectionProbability(projection: proj.value)
            modelValue = declared
            dimension = .none
            label = "\(proj.value).probability"
        case "axialResistivity":
            ctx.checkAttributes(p, required: ["cell", "lower", "upper"], optional: ["prior", "id"])
            guard let cell = p.attribute("cell") else { return nil }
            guard let ct = model.cellTypes.first(where: { $0.name == cell.value }), model.populations.contains(where: { model.cellTypes[$0.cellType].name == cell.value }) else {
                ctx.error("BRC-E1004", "cell '\(cell.value)' is not simulated by the network", at: cell.location,
                          hint: ctx.choices("simulated cells", Set(model.populations.map { model.cellTypes[$0.cellType].name }).sorted(), for: cell.value))
                return nil
            }
            guard ct.compartmentCount > 1 else {
                ctx.error("BRC-E1017", "cell '\(cell.value)' has one compartment, so its axial resistivity has no effect", at: cell.location,
                          hint: "search the resistivity of a multi-compartment cell")
                return nil
            }
            guard let declared = ctx.uniformResistivity[cell.value] else {
                ctx.error("BRC-E0103", "not supported yet: searching the axial resistivity of cell '\(cell.value)', which declares several", at: cell.location,
                          hint: "give the cell one <resistivity> for all its segments")
                return nil
            }
            target = .axialResistivity(cell: cell.value)
            modelValue = declared
            dimension = .resistivity
            label = "\(cell.value).resistivity"
        default:
            ctx.unsupported(p, in: "brc:search", supported: ["brc:synapticParameter", "brc:channelParameter", "brc:connectionProbability", "brc:axialResistivity", "brc:parameters"])
            return nil
        }
        guard let lo = ctx.quantity(p, "lower", dimension), let hi = ctx.quantity(p, "upper", dimension) else { return nil }
        let prior = p["prior"] ?? "uniform"
        guard prior == "uniform" || prior == "logUniform" else {
            ctx.error("BRC-E1005", "unknown prior '\(prior)'", at: p.attribute("prior")!.location, hint: "use uniform or logUniform")
            return nil
        }
        guard lo < hi else {
            ctx.error("BRC-E1006", "the bounds of '\(label)' are reversed or empty (lower \(p["lower"] ?? "") is not below upper \(p["upper"] ?? ""))",
                      at: p.attribute("lower")!.location, hint: "lower must be below upper")
            return nil
        }
        guard prior == "uniform" || lo > 0 else {
            ctx.error("BRC-E1007", "a log-uniform prior needs positive bounds ('\(label)' has lower \(IRPrinter.num(lo)))", at: p.attribute("lower")!.location,
                      hint: "use a positive lower bound, or prior=\"uniform\"")
            return nil
        }
        // The range the model itself holds the value to (a density's BRC-E0124, a resistivity's
        // BRC-E0318): a set outside it would stop the search with a numerical failure.
        let range: (lower: Double, open: Bool, upper: Double, what: String, example: String)?
        switch target {
        case .connectionProbability, .connectionMask: range = (0, false, 1, "a probability lies in [0, 1]", "lower=\"0\" upper=\"0.6\"")
        case .channel(_, _, "gmax"): range = (0, false, .infinity, "a conductance density is zero or more", "lower=\"0.001S_per_cm2\" upper=\"0.01S_per_cm2\"")
        case .axialResistivity: range = (0, true, .infinity, "a resistivity is positive", "lower=\"100ohm_cm\" upper=\"300ohm_cm\"")
        default: range = nil
        }
        if let r = range, (r.open ? lo <= r.lower : lo < r.lower) || hi > r.upper {
            ctx.error("BRC-E1010", "the bounds of '\(label)' leave the parameter's range (lower \(p["lower"] ?? ""), upper \(p["upper"] ?? "")): \(r.what)",
                      at: p.attribute(hi > r.upper ? "upper" : "lower")!.location, hint: "e.g. \(r.example)")
            return nil
        }
        return IRSearchParameter(label: p["id"] ?? label, target: target, lower: lo, upper: hi, logUniform: prior == "logUniform", modelValue: modelValue, dimension: dimension)
    }
}
