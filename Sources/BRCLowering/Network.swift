import BRCDiagnostics
import BRCIR
import BRCSyntax
import BRCUnits

/// Lowers a `<network>`: populations of lowered cell types and current inputs.
enum NetworkLowering {
    static let brcNamespace = Element.brcNamespace

    /// Lowers `netElement` into `model`. False when the network cannot be built at all (what
    /// its `extends` names is not a network: reported), so nothing is resolved against it.
    @discardableResult
    static func lower(_ netElement: Element, model: inout IRModel, cellIndex: [String: Int], ctx: Context) -> Bool {
        ctx.checkAttributes(netElement, required: ["id"], optional: ["type", "temperature", "neuroLexId", "extends"])
        guard let net = expand(netElement, ctx: ctx, seen: []) else { return false }
        temperature(of: net, model: &model, ctx: ctx)
        let (popIndex, genIndex) = lowerPopulations(of: net, model: &model, cellIndex: cellIndex, ctx: ctx)
        var projections = ProjectionLowering(ctx: ctx, popIndex: popIndex)
        projections.genIndex = genIndex
        let allCellsFit = Resources.allCellsFit(net, sizes: { popIndex[$0].map { model.populations[$0].size } }, ctx: ctx)
        for c in net.children {
            // A connection or input that an error stops may be what a recording's synapse needed.
            let errorsBefore = ctx.sink.errorCount
            defer { if ctx.sink.errorCount > errorsBefore { ctx.lostConnections.append(c) } }
            switch c.name {
            case "population": continue
            case _ where c.isMetadata: continue
            case "projection": projections.lowerProjection(c, model: &model)
            case "synapticConnection", "synapticConnectionWD": projections.lowerSynapticConnection(c, model: &model)
            case "electricalProjection", "continuousProjection": ContinuousLowering.lower(c, popIndex: popIndex, model: &model, ctx: ctx)
            case "explicitInput":
                ctx.checkAttributes(c, required: ["target", "input"], optional: ["destination"])
                guard let t = c.attribute("target"), let i = c.attribute("input") else { continue }
                guard let (p, cell) = target(t, popIndex: popIndex, model: model, ctx: ctx) else { continue }
                let ct = model.cellTypes[model.populations[p].cellType]
                addInput(i, label: "explicitInput \(i.value) -> \(t.value)", population: p, cell: cell,
                         node: ct.node(segment: ct.segments.first!.id, fraction: 0.5)!, model: &model, ctx: ctx)
            case "inputList":
                lowerInputList(c, of: net, popIndex: popIndex, allCellsFit: allCellsFit, model: &model, ctx: ctx)
            default:
                ctx.unsupported(c, in: "network", supported: supportedChildren)
            }
        }
        keepHeldCurrentsOffEndNodes(&model)
        return true
    }

    /// Moves every point whose current neither reads the present potential nor is implicit in
    /// it through its conditions (`IRSynapse.derivativeThroughConditions`), such as a fixed
    /// current compiled from its ComponentType, from a restored end node
    /// (`IRCellType.pointNode`) to the compartment beside it. On a node without capacitance a
    /// held current that depends on the potential would be explicit in it, and unstable once
    /// its conductance exceeds the half compartment's axial one (a randomised comparison with
    /// NEURON, forty-eighth session, had a 10 nS voltage clamp at a 6.3 nS tip diverge at every
    /// step before the clamp was made implicit); a fixed current gives the same solution on
    /// either node. The end node stays, for what reads it.
    static func keepHeldCurrentsOffEndNodes(_ model: inout IRModel) {
        for g in model.synapseGroups.indices {
            let syn = model.synapses[model.synapseGroups[g].synapse]
            guard !syn.current.refs.contains("v"), !syn.derivativeThroughConditions else { continue }
            let ct = model.cellTypes[model.synapseGroups[g].cellType]
            for k in model.synapseGroups[g].instances.indices where ct.isRestoredEnd(model.synapseGroups[g].instances[k].node) {
                model.synapseGroups[g].instances[k].node = ct.nodes[model.synapseGroups[g].instances[k].node].parent
            }
        }
    }

    /// The network's temperature, which only a networkWithTemperature has.
    static func temperature(of net: Element, model: inout IRModel, ctx: Context) {
        if let t = net.attribute("temperature") {
            if let k = ctx.quantity(t, .temperature, element: net.name, bound: .aboveAbsoluteZero) {
                // NeuroML's plain network has no temperature: jLEMS ("Unused attribute") and
                // jNeuroML's NEURON export run such a model at 6.3 degC, and so does brcc, saying so.
                if net["type"] == "networkWithTemperature" {
                    model.temperature = k
                } else {
                    ctx.warning("BRC-W0405", "network '\(net.id ?? "")' gives a temperature but not type=\"networkWithTemperature\": NeuroML's plain network has none, so it is not used (the run is at 6.3 degC, as in jLEMS and NEURON)",
                                at: t.location, hint: "add type=\"networkWithTemperature\" to the <network> to simulate at \(trimmed(t.value))")
                }
            }
        }
    }

    /// The network's populations: of cells (their index in the model by id) and of spike
    /// generators (theirs among the generator populations). A population whose channel values
    /// a `<brc:setParameter>` sets apart gets a copy of its cell type.
    static func lowerPopulations(of net: Element, model: inout IRModel, cellIndex: [String: Int], ctx: Context) -> (cells: [String: Int], generators: [String: Int]) {
        var popIndex: [String: Int] = [:]
        var genIndex: [String: Int] = [:]
        var totalCells = 0, networkTooLarge = false
        // Components that several populations share (counted only where a population's channel
        // values are set apart: `copyCellType`).
        var uses: [String: Int] = [:]
        if !ctx.ownChannelValues.isEmpty {
            for c in net.children where c.name == "population" { if let comp = c["component"] { uses[comp, default: 0] += 1 } }
        }
        for c in net.children where c.name == "population" {
            ctx.checkAttributes(c, required: ["id", "component"], optional: ["size", "type", "extracellularProperties", "neuroLexId"])
            guard let id = c.id else { continue }
            guard let comp = c.attribute("component") else { ctx.rejected.insert(id); continue }
            var size = c.attribute("size") != nil ? ctx.integer(c, "size") : nil
            let instances = c.children(named: "instance")
            for i in instances { checkInstance(i, ctx: ctx) }
            // A populationList's <instance>s define its cells (jNeuroML's rule when size disagrees).
            if !instances.isEmpty {
                size = instances.count
                let positions = instancePositions(instances)
                if positions.contains(where: { $0.key != $0.value }) { ctx.instancePositions[id] = positions }
            }
            guard let n = size else {
                if c.attribute("size") == nil, !ctx.misspelt(c, "size") {  // (else its value's error, or its misspelling, is reported)
                    ctx.error("BRC-E0102", "population '\(id)' needs a 'size' (or <instance> children)", at: c.location, hint: "add size=\"1\"")
                }
                ctx.rejected.insert(id)
                continue
            }
            guard n <= Resources.maximumPopulation else {
                ctx.error("BRC-E0404", "population '\(id)' has \(n) cells; brcc simulates at most \(Resources.maximumPopulation) per population",
                          at: c.attribute("size")?.valueLocation ?? c.location, hint: "check the size; split very large populations")
                ctx.rejected.insert(id)
                continue
            }
            // The network as a whole too: 201 populations of 10 million each allocated 40 GB
            // before the memory estimate could refuse them.
            guard totalCells + n <= Resources.maximumCells else {
                // (Once: the populations after it are left out with it.)
                if !networkTooLarge { ctx.error("BRC-E0404", "population '\(id)' brings the network to \(totalCells + n) cells; brcc simulates at most \(Resources.maximumCells) in one network",
                          at: c.attribute("size")?.valueLocation ?? c.location, hint: "check the sizes of the populations") }
                networkTooLarge = true
                ctx.rejected.insert(id)
                continue
            }
            totalCells += n
            if n == 0 {
                ctx.warning("BRC-W0404", "population '\(id)' has no cells (size 0): nothing is simulated for it", at: c.attribute("size")?.valueLocation ?? c.location,
                            hint: "give it a size of 1 or more, or remove it")
            }
            if let el = ctx.byId[comp.value], let generator = GeneratorLowering.lower(el, ctx: ctx) {
                // A NeuroML random generator's seed (from its id) follows the Simulation's seed;
                // brc:poissonSource keeps its own (IRGeneratorPopulation.idSeed).
                genIndex[id] = model.generatorPopulations.count
                ctx.generatorPopulationNames.insert(id)
                model.generatorPopulations.append(IRGeneratorPopulation(name: id, size: n, generator: generator, component: comp.value,
                                                                        idSeed: GeneratorLowering.hasOwnSeed(el) ? nil : generator.seed))
                continue
            }
            guard var ct = cellIndex[comp.value] else {
                ctx.rejected.insert(id)
                if ctx.rejected.contains(comp.value) { continue }  // its cause is reported
                if let el = ctx.byId[comp.value], AbstractCellLowering.nativeCells.contains(el.name) || AbstractCellLowering.cellType(of: el, ctx: ctx) != nil || GeneratorLowering.kinds.contains(el.name) {
                    continue  // the cell failed to lower; its errors are reported
                } else if let el = ctx.byId[comp.value] {
                    ctx.error("BRC-E0103", "not supported yet: populations of <\(el.name)> (population '\(id)')", at: comp.location,
                              hint: "brcc simulates NeuroML <cell>s with morphology; see docs/language.md for the supported subset")
                } else {
                    ctx.undefined(comp.value, "BRC-E0107", "cell '\(comp.value)' is not defined", at: comp.location, listing: "defined cells", cellIndex.keys.sorted())
                }
                continue
            }
            if ctx.ownChannelValues.contains(id), uses[comp.value, default: 0] > 1, ctx.dynamicsSynapses[ct] == nil {
                ct = copyCellType(ct, for: id, model: &model)
            }
            popIndex[id] = model.populations.count
            var pop = IRPopulation(name: id, cellType: ct, size: n)
            // <property tag="color" .../> (display hints that neuroConstruct and pyNeuroML write
            // directly in populations) is metadata, skipped like notes and annotation.
            for child in c.children where !child.isMetadata && child.name != "instance" {
                guard child.name == "randomInitialPotential", child.namespace == brcNamespace else {
                    ctx.unsupported(child, in: "population", supported: ["instance", "brc:randomInitialPotential"])
                    continue
                }
                ctx.checkAttributes(child, required: ["min", "max", "seed"], optional: ["perCompartment"])
                if let first = c.children.first(where: { $0.name == child.name && $0.namespace == brcNamespace }), first.location != child.location {
                    ctx.error("BRC-E0123", "a second <brc:randomInitialPotential> in population '\(id)' (the first is at \(first.location.shortDescription))", at: child.location,
                              hint: "give a population one brc:randomInitialPotential")
                    continue
                }
                guard let lo = ctx.quantity(child, "min", .voltage), let hi = ctx.quantity(child, "max", .voltage),
                      let seed = ctx.seed(child) else { continue }
                guard lo <= hi else {
                    ctx.error("BRC-E0801", "min (\(IRPrinter.num(lo)) mV) is above max (\(IRPrinter.num(hi)) mV)", at: child.attribute("min")!.location, hint: "swap the bounds")
                    continue
                }
                guard let perCompartment = ctx.boolean(child, "perCompartment", default: true) else { continue }
                pop.randomInitialPotential = .init(min: lo, max: hi, seed: seed, perCompartment: perCompartment)
            }
            model.populations.append(pop)
        }
        return (popIndex, genIndex)
    }

    /// An `<inputList>`: an input of its component at each of its `<input>`s' (or inputW's)
    /// targets, or at every cell of its population (`<brc:allCells>`, where `allCellsFit`).
    static func lowerInputList(_ c: Element, of net: Element, popIndex: [String: Int], allCellsFit: Bool, model: inout IRModel, ctx: Context) {
        ctx.checkAttributes(c, required: ["id", "component", "population"])
        guard let comp = c.attribute("component"), let pa = c.attribute("population") else { return }
        // A list whose population names nothing is placed by its inputs' targets, which
        // name their cells' populations (../pop1/0/cell), as jLEMS does.
        // (A population refused with an error of its own is not undefined.)
        let byTargets = popIndex[pa.value] == nil && !ctx.rejected.contains(pa.value) && !c.children.isEmpty && c.children.allSatisfy { $0.name == "input" || $0.name == "inputW" }
        if byTargets {
            ctx.sink.report(Diagnostic("BRC-W0107", .warning, "population '\(pa.value)' of inputList '\(c.id ?? "")' is not defined in network '\(net.id ?? "")'; its inputs go to the cells their targets name",
                                       at: pa.location, hint: "name the targets' population, one of: \(popIndex.keys.sorted().joined(separator: ", "))"))
        }
        guard popIndex[pa.value] != nil || byTargets else {
            ctx.undefined(pa.value, "BRC-E0107", "population '\(pa.value)' is not defined in network '\(net.id ?? "")'", at: pa.location,
                      listing: "populations", popIndex.keys.sorted())
            return
        }
        // brc:allCells stands instead of <input>s, once (a second, or inputs beside it, were dropped).
        let allCells = c.children.filter { $0.name == "allCells" && $0.namespace == brcNamespace }
        if allCells.count > 1 {
            ctx.error("BRC-E0123", "a second <brc:allCells> in inputList '\(c.id ?? "")' (the first is at \(allCells[0].location.shortDescription))", at: allCells[1].location,
                      hint: "one brc:allCells gives every cell of the population one input; for two, write two inputLists")
            return
        }
        if !allCells.isEmpty, let other = c.children.first(where: { $0.name == "input" || $0.name == "inputW" }) {
            ctx.error("BRC-E0101", "inputList '\(c.id ?? "")' has both <brc:allCells> and <\(other.name)> children", at: other.location,
                      hint: "brc:allCells stands instead of the inputs: give every cell one input with it, or list the inputs")
            return
        }
        for inp in c.children {
            if inp.name == "allCells" && inp.namespace == brcNamespace {
                // brcc shorthand: one input per cell of the population, at segment/fractionAlong.
                ctx.checkAttributes(inp, optional: ["segmentId", "fractionAlong"])
                let p = popIndex[pa.value]!
                let ct = model.cellTypes[model.populations[p].cellType]
                let seg = inp.attribute("segmentId") != nil ? ctx.integer(inp, "segmentId") : ct.segments.first!.id
                guard let seg, let frac = ctx.fraction(inp, absent: 0.5) else { continue }  // (a bad value is reported)
                guard let node = inputNode(comp, cellType: model.populations[p].cellType, segment: seg, fraction: frac, model: &model, ctx: ctx) else {
                    ctx.error("BRC-E0402", "cell type '\(ct.name)' has no such segment", at: inp.location, hint: "segments: \(ct.segments.map { String($0.id) }.joined(separator: ", "))")
                    continue
                }
                guard allCellsFit else { continue }
                for cell in 0..<model.populations[p].size {
                    addInput(comp, label: "\(c.id ?? "")/\(cell)", population: p, cell: cell, node: node, model: &model, ctx: ctx)
                }
                continue
            }
            guard inp.name == "input" || inp.name == "inputW" else { ctx.unsupported(inp, in: "inputList", supported: ["input", "brc:allCells"]); continue }
            ctx.checkAttributes(inp, required: ["id", "target"] + (inp.name == "inputW" ? ["weight"] : []), optional: ["segmentId", "fractionAlong", "destination", "weight"])
            let weight = inp.name == "inputW" ? ctx.number(inp, "weight") : 1
            guard let weight else { continue }
            guard let t = inp.attribute("target") else { continue }
            // A target in another population (of cells or of spike generators), said
            // before the target is resolved; one that names none is target's error.
            let named = CellPath(t.value).population
            if !byTargets, named != pa.value, popIndex[named] != nil || ctx.generatorPopulationNames.contains(named) {
                ctx.error("BRC-E0401", "input target '\(t.value)' is not in population '\(pa.value)'", at: t.location, hint: "target a cell of the inputList's population")
                continue
            }
            guard let (p, cell) = target(t, popIndex: popIndex, model: model, ctx: ctx) else { continue }
            let ct = model.cellTypes[model.populations[p].cellType]
            let seg = inp.attribute("segmentId") != nil ? ctx.integer(inp, "segmentId") : ct.segments.first!.id
            guard let seg, let frac = ctx.fraction(inp, absent: 0.5) else { continue }
            guard let node = inputNode(comp, cellType: model.populations[p].cellType, segment: seg, fraction: frac, model: &model, ctx: ctx) else {
                ctx.error("BRC-E0402", "cell type '\(ct.name)' has no segment \(seg)", at: inp.attribute("segmentId")!.location,
                          hint: "segments: \(ct.segments.map { String($0.id) }.joined(separator: ", "))")
                continue
            }
            addInput(comp, label: "\(c.id ?? "")/\(inp.id ?? "")", population: p, cell: cell, node: node, weight: weight, model: &model, ctx: ctx)
        }
    }

    /// The node an input of component `comp` at (segment, fraction) of cell type `type` sits
    /// on: the compartment there, or, for an input whose current depends on the potential (a
    /// synapse, a clamp) at an end of a section the discretisation dropped, that end's node
    /// restored (`IRCellType.pointNode`). An input of a fixed current (`isFixedCurrent`) needs
    /// none: NEURON's zero-area end node passes it whole to the compartment beside it. Nil
    /// if the cell type has no such segment.
    static func inputNode(_ comp: Attribute, cellType type: Int, segment: Int, fraction: Double, model: inout IRModel, ctx: Context) -> Int? {
        if let el = ctx.byId[comp.value], isFixedCurrent(el, ctx: ctx) {
            return model.cellTypes[type].node(segment: segment, fraction: fraction)
        }
        return model.cellTypes[type].pointNode(segment: segment, fraction: fraction)
    }

    /// Whether input `el` injects a current that does not depend on the membrane potential: a
    /// pulse, sine, noise, table or cue, a LEMS input of a `basePointCurrent` type (such as
    /// rampGenerator), or a compound of these.
    static func isFixedCurrent(_ el: Element, ctx: Context) -> Bool {
        if ctx.waveforms[el.location] != nil { return true }
        switch (el.name, el.namespace == brcNamespace) {
        case ("pulseGenerator", false), ("sineGenerator", false), ("noiseCurrent", true), (PlainExtensions.noiseCurrent, false), ("currentFromFile", true), ("tunedCue", true):
            return true
        case ("compoundInput", false), ("compoundInputDL", false):
            let parts = el.children.filter { !$0.isMetadata }
            return !parts.isEmpty && parts.allSatisfy { isFixedCurrent($0, ctx: ctx) }
        default:
            return LEMSInputs.isPointCurrent(el, ctx: ctx) && ctx.type(of: el)?.rootBase(in: ctx) != "baseVoltageDepPointCurrent"
        }
    }

    /// The children of a `<network>` that brcc lowers (besides metadata and brc: elements).
    static let supportedChildren = ["population", "projection", "synapticConnection", "synapticConnectionWD", "electricalProjection", "continuousProjection", "explicitInput", "inputList"]
    /// What NeuroML's schema allows in a `<network>`, beside what brcc lowers.
    static let schemaChildren: Set<String> = ComponentTree.metadata.union(["space", "region", "extracellularProperties", "cellSet"])

    /// A copy of cell type `ct` for population `population`, whose channel parameters a
    /// `brc:setParameter` sets while other populations share the type (as `brcc train`'s
    /// best/LEMS_best.xml does after a search of one population's channels). It keeps the
    /// type's name, by which recorded paths (`E/0/pyr4/0/v`) and `brc:initialGates` name it.
    static func copyCellType(_ ct: Int, for population: String, model: inout IRModel) -> Int {
        var copy = model.cellTypes[ct]
        copy.origin = "a copy for population '\(population)', whose channel parameters are set apart, of \(copy.origin)"
        model.cellTypes.append(copy)
        return model.cellTypes.count - 1
    }

    /// Checks a network that is not simulated (another network of an included file): a child
    /// that NeuroML does not define there (a misspelt `<populationn>`) is reported, as jNeuroML's
    /// loading would; nothing else of it is lowered.
    static func checkUnsimulated(_ net: Element, ctx: Context) {
        for c in net.children where c.namespace != brcNamespace && !supportedChildren.contains(c.name) && !schemaChildren.contains(c.name) {
            ctx.unsupported(c, in: "network", supported: supportedChildren)
        }
    }

    /// Checks a populationList's `<instance>` as NeuroML declares it (an id and grid indices,
    /// a `<location>` of plain numbers x, y, z). brcc does not place cells, so nothing else is
    /// read from it, but a misspelt attribute or child is reported rather than ignored.
    static func checkInstance(_ instance: Element, ctx: Context) {
        ctx.checkAttributes(instance, required: [], optional: ["id", "i", "j", "k"])
        for key in ["id", "i", "j", "k"] where instance.attribute(key) != nil { _ = ctx.integer(instance, key) }
        var locations = 0
        for child in instance.children where !child.isMetadata {
            guard child.name == "location" else {
                ctx.unsupported(child, in: "instance", supported: ["location"])
                continue
            }
            locations += 1
            if locations == 2 {
                ctx.error("BRC-E0127", "a second <location> in <instance>: NeuroML places an instance at exactly one", at: child.location, hint: "remove one of them")
            }
            ctx.checkAttributes(child, required: ["x", "y", "z"])
            for axis in ["x", "y", "z"] { _ = ctx.number(child, axis) }
        }
        // (A misspelt <locaton> has its own error.)
        if locations == 0, !instance.children.contains(where: { !$0.isMetadata }) {
            ctx.warning("BRC-W0133", "<instance>\(instance.id.map { " id=\"\($0)\"" } ?? "") has no <location>, which NeuroML requires; brcc does not place cells, so it runs the model (as jLEMS does), but NeuroML's validator and exporters refuse the file",
                        at: instance.location, hint: "add <location x=\"0\" y=\"0\" z=\"0\"/>")
        }
    }

    /// `brc:extends="base"` (brcc extension): the network is the base network's children followed
    /// by its own, so model variants share one base file and differ only in what they add.
    static func expand(_ net: Element, ctx: Context, seen: Set<String>) -> Element? {
        guard let ext = net.attribute("extends") else { return net }
        guard let base = ctx.lookup(ext, expecting: ["network"], what: "network") else { return nil }
        guard !seen.contains(ext.value) else {
            ctx.error("BRC-E0805", "networks extend each other in a cycle", at: ext.location, hint: "remove one of the extends attributes")
            return nil
        }
        guard seen.count < 32 else {
            ctx.error("BRC-E0805", "networks extend each other more than 32 deep", at: ext.location, hint: "extend the base network directly")
            return nil
        }
        guard let expandedBase = expand(base, ctx: ctx, seen: seen.union([net.id ?? ""])) else { return nil }
        return Lowering.network(net, extending: expandedBase)
    }

    /// The cell a target names (`pop[3]`, `../pop/3/cellType`): its population's index in
    /// `model.populations` and its position there.
    static func target(_ a: Attribute, popIndex: [String: Int], model: IRModel, ctx: Context) -> (Int, Int)? {
        target(a, popIndex: popIndex, size: { model.populations[$0].size }, ctx: ctx)
    }

    /// The cell a target names among populations `popIndex` (by name) of `size(index)` cells:
    /// the population's index and the cell's position; nil after a located error.
    static func target(_ a: Attribute, popIndex: [String: Int], size: (Int) -> Int, ctx: Context) -> (Int, Int)? {
        let path = CellPath(a.value)
        guard let p = popIndex[path.population] else {
            if ctx.generatorPopulationNames.contains(path.population) {
                ctx.error("BRC-E0108", "population '\(path.population)' in target '\(a.value)' holds spike generators, not cells", at: a.location,
                          hint: "spike generators only send (a projection's presynapticPopulation); name a cell of \(popIndex.keys.sorted().map { "'\($0)'" }.joined(separator: ", "))")
                return nil
            }
            ctx.undefined(path.population, "BRC-E0107", "population '\(path.population)' in target '\(a.value)' is not defined", at: a.location,
                      listing: "populations", popIndex.keys.sorted(), note: "; write targets as pop[0] or ../pop/0/cellType")
            return nil
        }
        let n = size(p)
        guard let i = path.index, let position = position(i, in: path.population, size: n, ctx: ctx) else {
            ctx.error("BRC-E0403", "target '\(a.value)' names no cell of population '\(path.population)' (size \(n))", at: a.location,
                      hint: cellNames(path.population, size: n, ctx: ctx))
            return nil
        }
        return (p, position)
    }

    /// The position of the cell that a path names `index` in population `name` of `size`
    /// cells: in a populationList, the instance whose id is `index`; nil if there is none.
    static func position(_ index: Int, in name: String, size: Int, ctx: Context) -> Int? {
        if let positions = ctx.instancePositions[name] { return positions[index] }
        return index >= 0 && index < size ? index : nil
    }

    /// How the cells of population `name` are named, for a hint.
    static func cellNames(_ name: String, size: Int, ctx: Context) -> String {
        guard let positions = ctx.instancePositions[name] else { return size == 0 ? "the population is empty: give it a size" : "cell indices run from 0 to \(size - 1)" }
        let ids = positions.keys.sorted()
        return "its cells are named by their <instance> ids: " + ids.prefix(10).map(String.init).joined(separator: ", ") + (ids.count > 10 ? ", ..." : "")
    }

    /// Each `<instance>` id's position in its populationList (an instance without an id is
    /// named by its position). An id used twice is reported by the document's id check
    /// (`BRC-E0123`); it names the first.
    static func instancePositions(_ instances: [Element]) -> [Int: Int] {
        var positions: [Int: Int] = [:]
        for (k, instance) in instances.enumerated() {
            // (Read as checkInstance checks it, trimmed: " 1" is 1; a malformed id is reported there.)
            let id = instance.attribute("id").flatMap { Int(trimmed($0.value)) } ?? k
            if positions[id] == nil { positions[id] = k }
        }
        return positions
    }

    static func addInput(_ comp: Attribute, label: String, population: Int, cell: Int, node: Int, weight: Double = 1, model: inout IRModel, ctx: Context) {
        guard let el = ctx.byId[comp.value] else {
            ctx.undefined(comp.value, "BRC-E0107", "input '\(comp.value)' is not defined", at: comp.location, hint: "define e.g. <pulseGenerator id=\"\(comp.value)\" .../>")
            return
        }
        if SpikeInputs.kinds.contains(el.name), el.namespace != brcNamespace {
            // Spike inputs: the weight is the weight of their connection to the cell's synapse.
            SpikeInputs.add(el, label: label, population: population, cell: cell, node: node, weight: weight, model: &model, ctx: ctx)
            return
        }
        let before = model.stimuli.count
        let groups = model.synapseGroups.map(\.instances.count)
        addInput(el, reference: comp, label: label, population: population, cell: cell, node: node, model: &model, ctx: ctx)
        guard weight != 1 else { return }
        // inputW: the input's current times the weight.
        for k in before..<model.stimuli.count {
            switch model.stimuli[k].waveform {
            case .pulse(let d, let dur, let a): model.stimuli[k].waveform = .pulse(delay: d, duration: dur, amplitude: a * weight)
            case .sine(let d, let dur, let a, let per, let ph): model.stimuli[k].waveform = .sine(delay: d, duration: dur, amplitude: a * weight, period: per, phase: ph)
            case .table(let t, let v): model.stimuli[k].waveform = .table(times: t, values: v.map { $0 * weight })
            case .noise(let m, let sd, let seed, let stream): model.stimuli[k].waveform = .noise(mean: m * weight, sd: sd * abs(weight), seed: seed, stream: stream)
            }
        }
        // An input compiled from its ComponentType: the weight sets its Property `weight`
        // (a compoundInputDL's or mixed compoundInput's children: each child's).
        for g in model.synapseGroups.indices {
            let added = model.synapseGroups[g].instances.indices.dropFirst(g < groups.count ? groups[g] : 0)
            guard !added.isEmpty else { continue }
            let synapse = model.synapses[model.synapseGroups[g].synapse]
            guard let w = synapse.parameters.firstIndex(of: SynapseLowering.inputWeightParameter) else {
                ctx.error("BRC-E0103", "an inputW's weight cannot be applied to input '\(comp.value)': its type declares no Property 'weight'", at: comp.location,
                          hint: "declare <Property name=\"weight\" dimension=\"none\" defaultValue=\"1\"/> in the input's ComponentType and scale its current by it, as NeuroML's inputs do, or use <input> without weight")
                return
            }
            for k in added { model.synapseGroups[g].instances[k].values[w] *= weight }
        }
    }

    /// An input component (`el`, named at `comp`) on a node.
    /// `input`: the label of the compoundInput `el` is a child of (nil: `el` is the input).
    static func addInput(_ el: Element, reference comp: Attribute, label: String, input: String? = nil, population: Int, cell: Int, node: Int, model: inout IRModel, ctx: Context) {
        if let waveform = ctx.waveforms[el.location] {
            model.stimuli.append(IRStimulus(label: label, waveform: waveform, population: population, cell: cell, node: node, component: comp.value, input: input))
            return
        }
        let waveform: IRStimulus.Waveform
        switch (el.name, el.namespace == brcNamespace) {
        case ("pulseGenerator", false):
            ctx.checkAttributes(el, required: ["id", "delay", "duration", "amplitude"])
            guard let d = ctx.quantity(el, "delay", .time, bound: .nonNegative), let dur = ctx.quantity(el, "duration", .time, bound: .nonNegative),
                  let amp = ctx.quantity(el, "amplitude", .current) else { return }
            waveform = .pulse(delay: d, duration: dur, amplitude: amp)
        case ("sineGenerator", false):
            ctx.checkAttributes(el, required: ["id", "delay", "duration", "amplitude", "period", "phase"])
            guard let d = ctx.quantity(el, "delay", .time, bound: .nonNegative), let dur = ctx.quantity(el, "duration", .time, bound: .nonNegative),
                  let amp = ctx.quantity(el, "amplitude", .current), let period = ctx.quantity(el, "period", .time, bound: .positive), let phase = ctx.number(el, "phase") else { return }
            waveform = .sine(delay: d, duration: dur, amplitude: amp, period: period, phase: phase)
        case ("noiseCurrent", true), (PlainExtensions.noiseCurrent, false):
            guard let w = PlainExtensions.noise(el, ctx: ctx) else { return }
            waveform = w
        case ("currentFromFile", true):
            ctx.checkAttributes(el, required: ["id", "file"], optional: ["column", "timeColumn", "timeUnit", "currentUnit"])
            guard let fa = el.attribute("file") else { return }
            guard let table = ctx.document.table(fa) else { return }
            let column = el.attribute("column") != nil ? ctx.integer(el, "column") : 1
            let timeColumn = el.attribute("timeColumn") != nil ? ctx.integer(el, "timeColumn") : 0
            guard let column, let timeColumn else { return }
            let width = table.first?.count ?? 0
            guard column < width, timeColumn < width else {
                ctx.error("BRC-E0806", "the file has \(width) column(s); column \(max(column, timeColumn)) does not exist", at: el.location,
                          hint: "columns are numbered from 0; set column= and timeColumn=")
                return
            }
            func unit(_ name: String, _ def: String, _ dim: Dimension) -> Double? {
                let sym = el[name] ?? def
                guard let u = ctx.units.unit(sym), u.dimension == dim else {
                    ctx.error("BRC-E0105", "'\(sym)' is not a unit of \(dim)", at: el.attribute(name)?.location ?? el.location, hint: "e.g. \(def)")
                    return nil
                }
                return Quantity(1, u).inInternalUnits
            }
            guard let ts = unit("timeUnit", "ms", .time), let cs = unit("currentUnit", "nA", .current) else { return }
            let times = table.map { $0[timeColumn] * ts }
            guard zip(times, times.dropFirst()).allSatisfy({ $0 < $1 }) else {
                ctx.error("BRC-E0807", "the times in column \(timeColumn) are not increasing", at: fa.location, hint: "sort the table by time")
                return
            }
            waveform = .table(times: times, values: table.map { $0[column] * cs })
        case ("tunedCue", true):
            guard let (tuning, x) = TunedCue.tuning(el, cell: cell, ctx: ctx), let (d, dur) = TunedCue.window(el, ctx: ctx) else { return }
            var stimulus = IRStimulus(label: label, waveform: .pulse(delay: d, duration: dur, amplitude: tuning.amplitude(x)),
                                      population: population, cell: cell, node: node, component: comp.value, input: input)
            stimulus.cueTuning = tuning
            model.stimuli.append(stimulus)
            return
        case ("poissonFiringSynapse", false), ("transientPoissonFiringSynapse", false), ("timedSynapticInput", false):
            SpikeInputs.add(el, label: label, population: population, cell: cell, node: node, model: &model, ctx: ctx)
            return
        case ("compoundInput", false), ("compoundInputDL", false):
            // The sum of its child inputs: one process (as the NEURON export), or, if a child is
            // not compiled from its ComponentType, each child an input on the same node. The
            // dimensionless compoundInputDL's children (pulseGeneratorDL, ...) are always each an
            // input: their I add into the cell's dimensionless synaptic current.
            ctx.checkAttributes(el, required: ["id"])
            let parts = el.children.filter { !$0.isMetadata }
            if el.name == "compoundInput", !parts.isEmpty, parts.allSatisfy({ LEMSInputs.isPointCurrent($0, ctx: ctx) && ctx.type(of: $0)?.rootBase(in: ctx) == "basePointCurrent" }) {
                _ = LEMSInputs.place(el, lowered: { LEMSInputs.compound(el, ctx: ctx) }, population: population, cell: cell, node: node, model: &model, ctx: ctx)
                return
            }
            for c in parts {
                addInput(c, reference: comp, label: "\(label)/\(c.id ?? c.name)", input: input ?? label, population: population, cell: cell, node: node, model: &model, ctx: ctx)
            }
            return
        case (_, false) where LEMSInputs.isPointCurrent(el, ctx: ctx):
            // Any other input compiles from its LEMS ComponentType (rampGenerator, voltageClamp, ...).
            LEMSInputs.add(el, label: label, population: population, cell: cell, node: node, model: &model, ctx: ctx)
            return
        default:
            ctx.error("BRC-E0103", "not supported yet: inputs of type <\(el.name)> ('\(comp.value)')", at: comp.location,
                      hint: "supported inputs: pulseGenerator, sineGenerator, brc:noiseCurrent, brc:tunedCue, brc:currentFromFile")
            return
        }
        ctx.waveforms[el.location] = waveform  // (a function of the element alone)
        model.stimuli.append(IRStimulus(label: label, waveform: waveform, population: population, cell: cell, node: node, component: comp.value, input: input))
    }
}

extension Lowering {
    /// `net` extending `base` (`brc:extends`, with `base` already expanded): the base's children
    /// first, then its own; where `net` sets no temperature, the base's, with its type
    /// (networkWithTemperature, which makes it count). The one rule that lowering and the
    /// NeuroML export both apply.
    public static func network(_ net: Element, extending base: Element) -> Element {
        var out = net
        out.children = base.children + net.children
        if out.attribute("temperature") == nil, let t = base.attribute("temperature") {
            out.attributes.append(t)
            if out.attribute("type") == nil, let type = base.attribute("type") { out.attributes.append(type) }
        }
        return out
    }
}
