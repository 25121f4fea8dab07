import BRCDiagnostics
import BRCIR
import BRCSyntax
import BRCUnits

/// AST -> IR: resolves names, checks dimensions, instantiates channels and custom
/// ComponentTypes, discretises cells, flattens the network and the simulation.
public enum Lowering {
    /// Top-level elements brcc understands; anything else is "not supported yet".
    static let topLevel: Set<String> = ChannelLowering.channelKinds.union([
        "cell", "cell2CaPools", "pointCellCondBased", "pulseGenerator", "compoundInput", "compoundInputDL", "poissonFiringSynapse", "transientPoissonFiringSynapse", "timedSynapticInput",
        "spikeGeneratorRandom", "spikeGeneratorRefPoisson", "SpikeSourcePoisson", "sineGenerator", "network", "ComponentType",
        "spikeArray", "spikeGenerator", "spikeGeneratorPoisson",
        "Simulation", "Target", "notes", "annotation", "Dimension", "Unit", "morphology", "biophysicalProperties", "biophysicalProperties2CaPools",
        "decayingPoolConcentrationModel", "fixedFactorConcentrationModel", "fixedFactorConcentrationModelTraub",
        "property",  // <property tag= value=/> of the document (OpenCortex writes its random seed): metadata
    ])

    /// The names of the top-level elements brcc knows: its own, the standard synapses, the
    /// NeuroML2 core types and the model's ComponentTypes.
    static func knownNames(_ ctx: Context) -> Set<String> {
        topLevel.union(SynapseLowering.standardKinds).union(ctx.coreTypes.keys).union(ctx.componentTypes.keys)
    }

    /// The names top-level element `el` could have meant (for "did you mean"): `knownNames`
    /// and the include of its language (`<include href>` in NeuroML, `<Include file>` in LEMS).
    static func knownElementNames(_ el: Element, _ ctx: Context) -> [String] {
        var names = knownNames(ctx)
        names.subtract(["include", "Include"])
        names.insert(el.attribute("href") != nil ? "include" : "Include")
        return Array(names)
    }

    /// Top-level elements that are declarations or metadata, not components: they have no id.
    static let declarations: Set<String> = ["ComponentType", "Target", "notes", "annotation", "Dimension", "Unit", "property", "Include", "include"]

    /// Top-level elements brcc lowers by their element name that LEMS may also write as
    /// `<Component type="NAME">` (the LEMS elements and the declarations are not components).
    static let genericForms: Set<String> = topLevel.subtracting(declarations)

    /// Lowers every cell of the document and, if there is one, the simulation named by
    /// `<Target>` (or the only `<Simulation>`) with its network; else the only network.
    /// `overrides` replace the model's values of structural search parameters (connection
    /// probabilities, axial resistivities): `brcc train` lowers the model again for each
    /// parameter set that changes one.
    public static func lower(_ doc: Document, sink: DiagnosticSink, overrides: [IRSearchParameter.Target: Double] = [:]) -> IRModel? {
        lower(doc, sink: sink, overrides: overrides, network: nil)
    }

    /// `network`: the id of the network to lower where no simulation names one (each network
    /// of a model with several and no simulation is checked so, in a lowering of its own).
    static func lower(_ doc: Document, sink: DiagnosticSink, overrides: [IRSearchParameter.Target: Double], network: String?) -> IRModel? {
        let given = doc
        let doc = namingGenericForms(doc, sink: sink)
        // Nothing reads an id or a name before this rule has accepted it.
        guard IdentifierRule.check(doc.elements, sink: sink) else { return nil }
        let ctx = Context(document: doc, sink: sink, overrides: overrides)
        var model = IRModel()
        index(doc, ctx: ctx)
        // Structural <brc:setParameter>s apply while the network is lowered; explicit overrides win.
        let setParameters = doc.elements.filter { $0.name == "setParameter" && $0.namespace == NetworkLowering.brcNamespace }
        ParameterOverlay.checkRepeats(setParameters, ctx: ctx)
        for el in setParameters { ParameterOverlay.prepare(el, explicit: overrides, ctx: ctx) }
        let (cellIndex, dynamics) = lowerCells(doc, model: &model, ctx: ctx)
        let target = simulationTarget(doc, network: network, cellIndex: cellIndex, model: &model, ctx: ctx)
        var networkBuilt = false
        if let netEl = target.network {
            networkBuilt = NetworkLowering.lower(netEl, model: &model, cellIndex: cellIndex, ctx: ctx)
            PlainExtensions.apply(doc, model: &model, ctx: ctx)
            for other in target.networks where other.id != netEl.id { NetworkLowering.checkUnsimulated(other, ctx: ctx) }
        } else if target.simulation == nil, target.networks.count > 1 {
            // Nothing picks one of several networks (a file of variants, like cue_variants.nml):
            // each is lowered in a lowering of its own, so that its errors are reported (the
            // sink drops the repeats of the rest of the model's), and none is kept.
            var seen: Set<String> = []
            for id in target.networks.compactMap(\.id) where seen.insert(id).inserted { _ = lower(given, sink: sink, overrides: overrides, network: id) }
        }
        checkUnplacedInputs(doc, ctx: ctx)
        // Every cell of a LEMS point cell type runs its dynamics.
        for (ct, d) in dynamics.sorted(by: { $0.key < $1.key }) {
            let instances = model.populations.enumerated().filter { $0.element.cellType == ct }.flatMap { p in
                (0..<p.element.size).map { IRSynapseGroup.Instance(population: p.offset, cell: $0, node: 0, values: d.values) }
            }
            guard !instances.isEmpty else { continue }
            model.synapseGroups.append(IRSynapseGroup(label: IRSynapseGroup.dynamicsLabel(model.cellTypes[ct].name), synapse: d.synapse, cellType: ct, instances: instances))
        }
        LEMSNetworks.connect(target.structureConnections, model: &model, ctx: ctx)
        HostStates.link(&model, ctx: ctx)
        if let simEl = target.simulation, networkBuilt || ctx.componentTarget != nil { SimulationLowering.lower(simEl, model: &model, ctx: ctx) }
        for el in setParameters { ParameterOverlay.apply(el, model: &model, ctx: ctx) }
        lowerTask(doc, model: &model, ctx: ctx)
        AbstractCellLowering.linkSpikeFlags(&model)
        model.seedRandomStreams(model.randomSeed)
        if !sink.hasErrors {
            let location = (target.simulation ?? target.network)?.location ?? SourceLocation(file: doc.rootFile, line: 1, column: 1)
            Resources.check(model, at: location, sink: sink)
            Resources.checkKernels(model, at: location, sink: sink)
        }
        guard !sink.hasErrors else { return nil }
        let problems = IRVerifier.verify(model)
        for p in problems { sink.error("BRC-E9000", "internal error: the IR is invalid: \(p)", at: .builtin(doc.rootFile), hint: "please report this model") }
        return problems.isEmpty ? model : nil
    }

    /// `doc` with LEMS's generic forms as the element they stand for (the `type` becomes the
    /// name): `<concentrationModel type="fixedFactorConcentrationModel" .../>` (or of a model's
    /// own type, `concentrationModelHayEtAl`); `<Component type="Simulation" .../>`
    /// (neuroConstruct and pyNeuroML write the simulation so, for schema validation) and the
    /// same form of the other elements brcc lowers by their name; `<cell
    /// type="pointCellCondBased" ...>` or `<baseCell type="pointCellCondBased" ...>` (VERTEX's
    /// examples), a component of a core cell type. An element named for one of the model's own
    /// types (`<spikeGenerator .../>` of its own type) becomes a component of that type.
    static func namingGenericForms(_ doc: Document, sink: DiagnosticSink) -> Document {
        var doc = doc
        let coreTypes = doc.coreTypes
        let ownForms = ownedForms(doc, sink: sink)
        func genericType(_ el: Element) -> String? {
            guard let t = el["type"] else { return nil }
            switch el.name {
            case "concentrationModel":  // a core pool, or one of the model's own ComponentTypes (LEMSPoolLowering)
                return PoolLowering.kinds.contains(t) || doc.elements.contains(where: { $0.name == "ComponentType" && $0["name"] == t }) ? t : nil
            case "Component": return el.namespace != NetworkLowering.brcNamespace && genericForms.contains(t) && !ownForms.contains(t) ? t : nil
            case "cell", "baseCell": return t != el.name && coreTypes.contains(where: { $0["name"] == t }) ? t : nil
            default: return nil
            }
        }
        doc.elements = doc.elements.map { el in
            var out = el
            if let t = genericType(el) {
                out.name = t
                out.attributes.removeAll { $0.name == "type" }
            } else if ownForms.contains(el.name), el.namespace != NetworkLowering.brcNamespace {
                out.name = "Component"
                out.attributes.append(Attribute(name: "type", value: el.name, location: el.location))
            }
            return out
        }
        return doc
    }

    /// Lowers the cell types of `doc` into `model`, with the mechanisms they place (channels
    /// and pools on first use, `MechanismTable`) and then the channels no cell uses (so that
    /// their errors are reported). Returns the cell types' indices by name, and for each LEMS
    /// point cell type its dynamics (a synapse type of the model) and their values.
    static func lowerCells(_ doc: Document, model: inout IRModel, ctx: Context) -> (cellIndex: [String: Int], dynamics: [Int: (synapse: Int, values: [Double])]) {
        let table = MechanismTable(ctx: ctx)
        var cellIndex: [String: Int] = [:]
        for el in doc.elements where AbstractCellLowering.nativeCells.contains(el.name) {
            let lowered = el.name != "pointCellCondBased" ? CellLowering.lower(el, mechanismIndex: table.mechanism, poolIndex: table.pool, variantIndex: table.variant, shiftedIndex: table.shifted,
                                                               mechanisms: { table.mechanisms }, fixedCalcium: table.fixedCalcium, ctx: ctx)
                                            : PointCellLowering.lowerCondBased(el, mechanismIndex: table.mechanism, heldIndex: table.held,
                                                                             mechanisms: { table.mechanisms }, ctx: ctx)
            guard let ct = lowered else { if let id = el.id { ctx.rejected.insert(id) }; continue }
            cellIndex[ct.name] = model.cellTypes.count
            model.cellTypes.append(ct)
        }
        // LEMS point cells (iafCell, izhikevich2007Cell, ...): a compartment and their dynamics.
        // Their kernels' size is counted as they are lowered, and lowering stops past the model's
        // bound rather than lowering every cell of a huge file first.
        var dynamics: [Int: (synapse: Int, values: [Double])] = [:]
        var operations = model.cellTypes.reduce(0) { $0 + $1.kernelOperations(mechanisms: table.mechanisms) }
        for el in doc.elements where el.name != "ComponentType" {
            guard let def = AbstractCellLowering.cellType(of: el, ctx: ctx) else { continue }
            // A component with children is instantiated where it is simulated (a population or
            // a Simulation names it), as jLEMS builds only the simulation's component tree.
            if def.chain(in: ctx).contains(where: { !$0.childDeclarations.isEmpty }), !(el.id.map { ctx.populationComponents.contains($0) } ?? false) { continue }
            guard let low = ctx.reportingCoreErrors(at: el, type: def.name, { AbstractCellLowering.lower(el, def: def, mechanismIndex: table.mechanism, mechanisms: { table.mechanisms },
                                                                                                                 fixedCalcium: table.fixedCalcium, ctx: ctx) }),
                  Resources.kernelFits(low.dynamics.kernelOperations, "the dynamics of <\(el.name) id=\"\(low.cell.name)\">", at: el, ctx: ctx)
            else { if let id = el.id { ctx.rejected.insert(id) }; continue }
            cellIndex[low.cell.name] = model.cellTypes.count
            dynamics[model.cellTypes.count] = (model.synapses.count, low.values)
            ctx.dynamicsSynapses[model.cellTypes.count] = model.synapses.count
            model.cellTypes.append(low.cell)
            model.synapses.append(low.dynamics)
            operations += low.cell.kernelOperations(mechanisms: table.mechanisms) + low.dynamics.kernelOperations
            guard Resources.modelKernelsFit(operations, partial: true, at: el.location, sink: ctx.sink) else { break }
        }
        table.checkUnused(doc)
        model.mechanisms = table.mechanisms
        return (cellIndex, dynamics)
    }

    /// What a lowering simulates: the `<Simulation>` `<Target>` names (or the only one), its
    /// target network (or, without a simulation, the network asked for or the only one), the
    /// model's networks, and the connections of a network LEMS Structure builds.
    struct SimulationTarget {
        var simulation: Element?
        var network: Element?
        var networks: [Element]
        var structureConnections: [LEMSNetworks.Connection] = []
    }

    /// Finds what `doc` simulates. A simulation may target a single component instead of a
    /// network (one instance of it becomes the model's population), a network LEMS Structure
    /// builds, or a component around the network (Ex17's tissue, the model's environment).
    static func simulationTarget(_ doc: Document, network: String?, cellIndex: [String: Int], model: inout IRModel, ctx: Context) -> SimulationTarget {
        let sims = doc.elements.filter { $0.name == "Simulation" }
        var simEl: Element? = sims.count == 1 ? sims[0] : nil
        // The first Target, as jLEMS runs it (brcc ran the last, without a word). An included
        // LEMS file may bring its own (StochasticityShowcase's NoisyCurrentSource.xml): the
        // same simulation is no question, another is said.
        let targets = doc.elements.filter { $0.name == "Target" }
        if let other = targets.dropFirst().first(where: { $0["component"] != targets[0]["component"] }) {
            ctx.warning("BRC-W0137", "a second <Target> names '\(other["component"] ?? "")'; brcc runs the first, '\(targets[0]["component"] ?? "")', as jLEMS does",
                        at: other.location, hint: "keep one <Target> naming the simulation to run", first: targets[0].location)
        }
        if let t = targets.first {
            ctx.checkAttributes(t, required: ["component"], optional: ["reportFile", "timesFile"])
            if let c = t.attribute("component") {
                simEl = sims.first { $0.id == c.value }
                if simEl == nil, let set = doc.elements.first(where: { $0.name == "SimulationSet" && $0.id == c.value }) {
                    simEl = simulation(in: set, ctx: ctx)
                } else if simEl == nil {
                    ctx.undefined(c.value, "BRC-E0107", "<Target> names simulation '\(c.value)', which is not defined", at: c.location, listing: "simulations", sims.compactMap(\.id))
                }
            }
        }
        let networks = doc.elements.filter { $0.name == "network" }
        var target = SimulationTarget(simulation: simEl, network: network.map { n in networks.first { $0.id == n } } ?? (networks.count == 1 ? networks[0] : nil), networks: networks)
        guard let simEl, let t = simEl.attribute("target") else { return target }
        target.network = networks.first { $0.id == t.value }
        if target.network != nil { return target }
        if let ct = cellIndex[t.value] {
            // A single component (a LEMS point cell, a cell): one instance of it.
            model.populations.append(IRPopulation(name: t.value, cellType: ct, size: 1))
            ctx.componentTarget = t.value
            for other in networks { NetworkLowering.checkUnsimulated(other, ctx: ctx) }
        } else if ctx.rejected.contains(t.value) {
            // Its cause is reported.
        } else if let other = ctx.byId[t.value], LEMSNetworks.isNetwork(other, doc: doc) {
            // A network built by LEMS Structure (LEMS's own examples).
            if let built = LEMSNetworks.build(other, ctx: ctx) {
                target.network = built.network
                target.structureConnections = built.connections
            }
        } else if let other = ctx.byId[t.value] {
            // A component around the network (Ex17's tissue with a varying temperature).
            if let (net, environment) = EnvironmentLowering.lower(other, target: t, ctx: ctx) {
                target.network = net
                model.environment = environment
            }
        } else {
            ctx.undefined(t.value, "BRC-E0107", "simulation target network '\(t.value)' is not defined", at: t.location,
                          listing: "networks", networks.compactMap(\.id))
        }
        return target
    }

    /// An input compiled from its ComponentType that no network places is still checked for
    /// its attributes, as unused channels are (jLEMS builds every component and refuses it too:
    /// CerebellarNucleusNeuron's unused voltageClamp with the old `seriesResistance`).
    static func checkUnplacedInputs(_ doc: Document, ctx: Context) {
        for el in doc.elements where !SupportTable.native.contains(el.name) && ctx.inputSynapses[el.location] == nil && LEMSInputs.isPointCurrent(el, ctx: ctx) {
            guard let def = ctx.type(of: el) else { continue }
            SynapseLowering.checkedParameters(el, def: def, chain: def.resolved(in: ctx), ctx: ctx)
        }
    }

    /// The model's `<brc:cueTask>` (one at most), which needs the lowered simulation; then every
    /// cell of its rate populations is watched for spikes, connected or not.
    static func lowerTask(_ doc: Document, model: inout IRModel, ctx: Context) {
        let tasks = doc.elements.filter { $0.name == "cueTask" && $0.namespace == NetworkLowering.brcNamespace }
        guard let t = tasks.first else { return }
        if tasks.count > 1 { ctx.error("BRC-E1008", "a model may declare one task", at: tasks[1].location, hint: "remove the second <brc:cueTask>") }
        let sims = doc.elements.filter { $0.name == "Simulation" }
        // (A misspelt <Simulation>, or an <Include> that would have brought it, is reported.)
        if model.simulation == nil, sims.isEmpty && ctx.misspeltElements.isDisjoint(with: ["Simulation", "Include", "include"]) || !ctx.sink.hasErrors {
            // (A <Simulation> that failed to lower, or that <Target> failed to name, has its errors reported.)
            ctx.error("BRC-E1009", "<brc:cueTask> needs a <Simulation> (its length and step are a trial's)", at: t.location,
                      hint: "put the task in a LEMS file with <Simulation> and <Target>")
        } else if !ctx.sink.hasErrors {
            model.task = TaskLowering.lower(t, model: model, ctx: ctx)
            for name in model.task?.ratePopulations ?? [] {
                guard let p = model.populations.firstIndex(where: { $0.name == name }) else { continue }
                _ = model.spikeSources(population: p, cells: Array(0..<model.populations[p].size))
            }
        }
    }

    /// LEMS's own simulation types (jLEMS's Simulation.xml), which brcc implements itself.
    static let simulationTypes: Set<String> = ["Simulation", "Display", "Line", "OutputFile", "OutputColumn", "EventOutputFile", "EventSelection"]

    /// The one `<Simulation>` of a `<SimulationSet>` a Target names (the form of LEMS's own
    /// examples, MultiRunSimulation.xml); nil, with an error, if the set holds another number
    /// of simulations.
    static func simulation(in set: Element, ctx: Context) -> Element? {
        let runs = set.children.filter { $0.name == "Simulation" }
        guard runs.count == 1 else {
            ctx.error("BRC-E0103", "not supported yet: a <SimulationSet> of \(runs.count) simulations (brcc runs one per model file)", at: set.location,
                      hint: runs.isEmpty ? "put a <Simulation> in the set" : "give each simulation its own LEMS file, or target one <Simulation>")
            return nil
        }
        return runs[0]
    }

    /// Whether a model's ComponentType declares one of LEMS's simulation types again, as
    /// Simulation.xml does (the SBML importer writes them into its models): named as one, with a
    /// `<Simulation>` section of LEMS's simulation actions only. brcc's own definition stands.
    static func redeclaresSimulationType(_ el: Element) -> Bool {
        let actions: Set<String> = ["Run", "Record", "DataDisplay", "DataWriter", "EventWriter", "EventRecord"]
        guard let name = el["name"], simulationTypes.contains(name), el["extends"] == nil else { return false }
        let sections = el.children.filter { $0.name == "Simulation" }
        return !sections.isEmpty && sections.allSatisfy { $0.children.allSatisfy { actions.contains($0.name) } }
    }

    /// The names of elements brcc lowers natively (`spikeGenerator`, `iafCell`, ...) that the
    /// model declares as its own ComponentType. In a LEMS model that reads no NeuroML the name is
    /// the model's (jLEMS knows only the types a model declares), so its components follow the
    /// model's definition (warning BRC-W0129); in a model that reads NeuroML, NeuroML's type keeps
    /// the name and the model's definition is not used (warning BRC-W0132).
    static func ownedForms(_ doc: Document, sink: DiagnosticSink) -> Set<String> {
        var owned: Set<String> = []
        for el in doc.elements where el.name == "ComponentType" {
            guard let a = el.attribute("name"), genericForms.contains(a.value), a.value != "Simulation", !owned.contains(a.value) else { continue }
            if doc.readsNeuroML {
                sink.report(Diagnostic("BRC-W0132", .warning, "ComponentType '\(a.value)' has the name of NeuroML's core type, which brcc lowers itself: components of '\(a.value)' follow NeuroML's definition, not this one",
                                       at: a.location, hint: "rename the ComponentType (and its components' type) to use this definition"))
            } else {
                sink.report(Diagnostic("BRC-W0129", .warning, "ComponentType '\(a.value)' gives NeuroML's name its own meaning in this model: components of '\(a.value)' follow this definition",
                                       at: a.location, hint: "the model includes no NeuroML, so its names are its own; give the type another name to keep NeuroML's"))
                owned.insert(a.value)
            }
        }
        return owned
    }

    /// Indexes top-level ids and ComponentTypes; reports duplicates and unsupported elements.
    static func index(_ doc: Document, ctx: Context) {
        // Before any ComponentType or quantity is read.
        UserUnits.define(doc.elements, ctx: ctx)
        for el in doc.coreTypes {
            guard let def = ComponentTypeDef.readCore(el, document: doc) else { continue }
            ctx.coreTypes[def.name] = def
        }
        for el in doc.elements where el.name == "ComponentType" {
            // The export's plain forms of brc: elements: brcc knows these types itself.
            if let n = el["name"], PlainExtensions.typeNames.contains(n) { continue }
            if redeclaresSimulationType(el) { continue }
            let errorsBefore = ctx.sink.errorCount
            guard let def = ComponentTypeDef.read(el, ctx: ctx) else { continue }
            if ctx.sink.errorCount > errorsBefore { ctx.brokenTypes.insert(def.name) }
            if ctx.componentTypes[def.name] != nil {
                // The first definition stands, so its uses report nothing more (one defect, one error).
                ctx.error("BRC-E0120", "ComponentType '\(def.name)' is defined twice", at: el.location, hint: "rename one of them")
                continue
            }
            ctx.componentTypes[def.name] = def
        }
        // A misspelt Include or ComponentType (`<Includee file=...>`) is reported below, once:
        // what it would have defined is not reported missing at every use.
        let known = knownNames(ctx)
        // (Once, not per element: 80,000 unknown elements took 40 s when each scanned the document.)
        let declaredTypes = Set(doc.elements.filter { $0.name == "ComponentType" }.compactMap { $0["name"] })
        let lostForms = Set(doc.elements.filter { !known.contains($0.name) && Spelling.closest(to: $0.name, among: ["Include", "include", "ComponentType"]) != nil }.map(\.location))
        for el in doc.elements where lostForms.contains(el.location) {
            if let n = el["name"] { ctx.brokenTypes.insert(n) }
            ctx.lostDefinitions()
        }
        // Every type a ComponentType extends must exist (once all are read: any order is fine).
        for (name, def) in ctx.componentTypes.sorted(by: { $0.key < $1.key }) {
            guard let ext = def.extends, !ComponentTypeDef.knownBases.contains(ext), ctx.type(named: ext) == nil,
                  let a = def.element.attribute("extends") else { continue }
            // A base lost to a misspelt <ComponentType> or <Include> is that element's error.
            if ctx.typeErrorsReported(ext) { ctx.brokenTypes.insert(name); continue }
            let known = Array(ctx.componentTypes.keys) + Array(ctx.coreTypes.keys) + Array(ComponentTypeDef.knownBases)
            ctx.error("BRC-E0107", "ComponentType '\(name)' extends '\(ext)', which is not defined", at: a.valueLocation,
                      hint: ctx.suggest("extend a ComponentType of the model or of NeuroML's core types", for: ext, among: known))
            ctx.brokenTypes.insert(name)
        }
        for el in doc.elements where el.name != "ComponentType" {
            if ctx.brokenTypes.contains(el.typeName) {
                // A component of a ComponentType whose declarations (or name) were refused: the
                // type's errors are its cause, so neither it nor its uses are reported again.
                if let id = el.id { ctx.rejected.insert(id) }
                continue
            }
            let isCustomComponent = el.name == "Component" || ctx.componentTypes[el.name] != nil || SynapseLowering.isCoreSynapse(el.name, ctx: ctx) || AbstractCellLowering.cellType(of: el, ctx: ctx) != nil || declaredTypes.contains(el.name)
            let isBrcInput = el.namespace == NetworkLowering.brcNamespace && ["noiseCurrent", "tunedCue", "poissonSource", "currentFromFile", "cueTask", "setParameter", "parameterSet"].contains(el.name)
            guard topLevel.contains(el.name) || SynapseLowering.standardKinds.contains(el.name) || isCustomComponent || isBrcInput else {
                if let id = el.id { ctx.rejected.insert(id) }
                let meant = ctx.closest(to: el.name, among: knownElementNames(el, ctx))
                // A component of a type nothing declares may be of the ComponentType that lost its name.
                if ctx.lostTypeName && el.namespace != NetworkLowering.brcNamespace && !lostForms.contains(el.location) { continue }
                if let meant { ctx.misspeltElements.insert(meant) }
                let plainHint = PlainExtensions.typeNames.contains(el.name)
                    ? "a component of brcc's plain form needs its <ComponentType name=\"\(el.name)\">, as the brc_extensions.xml of `brcc export --neuroml` declares it: include that file (or write the brc: element, docs/language.md 3.11)" : nil
                ctx.error("BRC-E0103", "not supported yet: <\(el.name)>\(el.id.map { " (id \"\($0)\")" } ?? "")", at: el.location,
                          hint: ctx.namespaceHint(el) ?? plainHint ?? (meant.map { "did you mean '\($0)'? " } ?? "") + "docs/language.md section 3 lists the elements brcc compiles, 3.10 the NeuroML2 core types")
                continue
            }
            if el.name == "Dimension" || el.name == "Unit" { continue }  // UserUnits.define, above
            if let id = el.id, let a = el.attribute("id") {
                if let prev = ctx.byId[id] {
                    ctx.sink.report(Diagnostic("BRC-E0121", .error, "duplicate id '\(id)' (also a <\(prev.name)> at \(prev.location))", at: a.location,
                                               hint: "ids of top-level elements must be unique across the model and its includes",
                                               notes: [("first defined here", prev.location)]))
                    continue
                }
                ctx.byId[id] = el
            } else if el.namespace != NetworkLowering.brcNamespace, !declarations.contains(el.name) {
                // A component needs its id (NeuroML's schema, and what references name): an
                // unused one without it would otherwise pass silently, and a used one would be
                // "not defined" at every use instead of missing its id here.
                ctx.reportMissingId(el)
            }
        }
    }
}
