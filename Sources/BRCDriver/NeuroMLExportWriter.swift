import BRCDiagnostics
import BRCIR
import BRCLowering
import BRCParse
import BRCPlot
import BRCSyntax
import Foundation

extension NeuroMLExport {
    /// One NeuroML export in progress (`NeuroMLExport.emit`): the model's elements by file, as
    /// `<brc:setParameter>`s rewrite them, the ids and file names taken so far, and the files and
    /// components written. Each method writes one part of the export, in the order `emit` calls
    /// them.
    struct Writer {
        let doc: Document
        let model: IRModel
        /// The `<Simulation>` lowering chose, and its target network with the networks it extends.
        let simulation: Element
        let targetId: String
        let network: Element
        let populations: [Element]
        /// The model's files in the order they were read, each with its top-level elements.
        var order: [String] = []
        var elements: [String: [Element]] = [:]
        var usedIds: UniqueNames
        /// A projection's own copy of a synapse it shares with other projections, where a
        /// `<brc:setParameter>` sets its values for that projection alone.
        var projectionSynapse: [String: String] = [:]
        var names = UniqueNames(taken: ["brc_extensions.xml"])
        /// The files written so far (the model's own, then the network's and the extensions').
        var files: [File] = []
        var neuromlNames: [String] = []
        /// Components the network's inputs place (`<pulseGenerator>`, ...), before the network.
        var inputs = ""
        /// Components of `brc_extensions.xml`'s types.
        var extensions = ""
        var inputListIds = UniqueNames()
        /// A populationList's component and its instances' ids, for cell paths.
        var componentOf: [String: String] = [:]
        var instanceIds: [String: [String]] = [:]
        /// Elements of the model that are not copied as they are.
        static let dropped: Set<String> = ["network", "Simulation", "Target", "include", "Include"]
        /// The plain forms of brc: elements (`brc_extensions.xml`'s types and components), which
        /// the export writes anew from the lowered model: in a model that is itself an export,
        /// they are not copied (a second copy of each id).
        static func isPlainForm(_ el: Element) -> Bool {
            PlainExtensions.typeNames.contains(el.name == "ComponentType" ? el["name"] ?? "" : el.typeName)
        }

        init(_ doc: Document, model: IRModel) throws {
            guard let simulation = model.simulation else { throw Unsupported(description: "the model has no <Simulation> (export a LEMS file with <Simulation> and <Target>)") }
            // (The one lowering chose: its id is in the IR.)
            // (Either form: <Simulation> or <Component type="Simulation">, as neuroConstruct writes it.)
            guard let simEl = doc.elements.first(where: { $0.typeName == "Simulation" && $0.namespace != brcNamespace && $0.id == simulation.id }), let targetId = simEl["target"] else {
                throw Unsupported(description: "the model's <Simulation> is not found")
            }
            let networks = doc.elements.filter { $0.typeName == "network" && $0.namespace != brcNamespace }
            guard let netEl = networks.first(where: { $0.id == targetId }) else {
                let what = doc.elements.first { $0.id == targetId }.map { "a <\($0.typeName)>" } ?? "not defined"
                throw Unsupported(description: "the Simulation's target '\(targetId)' is \(what), not a <network>: the export writes networks")
            }
            self.doc = doc
            self.model = model
            self.simulation = simEl
            self.targetId = targetId
            network = NeuroMLExport.expand(netEl, networks: networks)
            populations = network.children.filter { $0.name == "population" }
            for el in doc.elements {
                let f = el.location.file
                if elements[f] == nil { order.append(f); elements[f] = [] }
                elements[f]!.append(el)
            }
            usedIds = UniqueNames(taken: doc.elements.compactMap(\.id))
            // A cell of a population with instances is pop/i/component, else pop[i] (as jNeuroML
            // reads them). brcc numbers a populationList's cells by their <instance>s' order, the
            // paths name them by id.
            for p in populations where p["type"] == "populationList" || p.child(named: "instance") != nil {
                guard let id = p.id else { continue }
                componentOf[id] = p["component"]
                instanceIds[id] = p.children(named: "instance").compactMap { $0.id }
            }
        }

        mutating func freshId(_ base: String) -> String { usedIds.claim(NmlId.made(base)) }

        /// Runs `body` on the model's (non-brc) element `id`.
        mutating func update(id: String, _ body: (inout Element) throws -> Void) throws {
            for f in order {
                if let i = elements[f]!.firstIndex(where: { $0.id == id && $0.namespace != brcNamespace }) { try body(&elements[f]![i]); return }
            }
            throw Unsupported(description: "'\(id)' is not defined")
        }

        /// A file name made from `base` that no other file of the export has. Names made from ids
        /// (a 250-character network id is valid) are cut to fit the file system with room for a
        /// `_N` suffix: at most `OutputPath.maximumComponent` bytes.
        mutating func fileName(_ base: String) -> String {
            var stem = (base as NSString).deletingPathExtension
            let ext = (base as NSString).pathExtension
            while stem.utf8.count + ext.utf8.count + 12 > OutputPath.maximumComponent { stem.removeLast() }
            return names.claim(stem + "." + ext) { "\(stem)_\($0).\(ext)" }
        }

        /// The path of cell `cell` of `population` in a connection or input.
        func cellTarget(population: String, cell: Int) -> String {
            let ids = instanceIds[population] ?? []
            let id = ids.indices.contains(cell) ? ids[cell] : String(cell)
            return componentOf[population].map { "../\(population)/\(id)/\($0)" } ?? "../\(population)[\(cell)]"
        }

        /// The segment and fraction along it of node `node` of `ct`.
        func location(_ ct: IRCellType, _ node: Int) throws -> (Int, Double) {
            guard let (s, x) = ct.location(ofNode: node), ct.node(segment: s, fraction: x) == node else {
                throw Unsupported(description: "node \(node) of cell '\(ct.name)' has no segment and fraction that name it")
            }
            return (s, x)
        }

        /// A spike input (poissonFiringSynapse, transientPoissonFiringSynapse,
        /// timedSynapticInput) is lowered as a one-cell generator population and a connection
        /// (SpikeInputs); it is written back as the explicitInput or inputList entry of its
        /// label, which also keys its random stream.
        func spikeInput(_ c: IRConnection) -> (input: String, label: String)? {
            let source = model.spikeSources[c.source]
            guard source.generator != nil, let origin = model.generatorPopulations[source.population].spikeInput else { return nil }
            return (origin.input, origin.label)
        }

        /// Writes the values of the model's `<brc:setParameter>`s into the elements they set.
        mutating func applySetParameters() throws {
            let sourceProjections = network.children.filter { $0.name == "projection" }
            for el in doc.elements where el.name == "setParameter" && el.namespace == brcNamespace {
                guard let name = el["name"], let value = el["value"] else { continue }
                let v = value.filter { !$0.isWhitespace }
                if let proj = el["projection"] {
                    guard name != "probability" else { continue }  // structural: the exported connections have it
                    guard let p = sourceProjections.first(where: { $0.id == proj }), let syn = projectionSynapse[proj] ?? p["synapse"] else {
                        throw Unsupported(description: "setParameter of projection '\(proj)', which is not a <projection> of network '\(targetId)'")
                    }
                    if sourceProjections.filter({ $0["synapse"] == p["synapse"] }).count == 1 || projectionSynapse[proj] != nil {
                        try update(id: syn) { $0.set(name, v) }
                    } else {
                        // The synapse is shared with other projections: this one gets its own copy.
                        let copy = freshId("\(proj)_\(syn)")
                        for f in order {
                            guard let i = elements[f]!.firstIndex(where: { $0.id == syn && $0.namespace != brcNamespace }) else { continue }
                            var c = elements[f]![i]
                            c.set("id", copy)
                            c.set(name, v)
                            elements[f]!.insert(c, at: i + 1)
                            break
                        }
                        projectionSynapse[proj] = copy
                    }
                } else if let pop = el["population"], let cd = el["channelDensity"] {
                    guard let cell = populations.first(where: { $0.id == pop })?["component"] else { throw Unsupported(description: "population '\(pop)' is not found") }
                    // (brcc gives such a population a copy of the cell type; NeuroML paths name the
                    // cell by its id, so a renamed copy would break the recorded paths.)
                    guard populations.filter({ $0["component"] == cell }).count == 1 else {
                        throw Unsupported(description: "the channel values set for population '\(pop)' alone, whose cell '\(cell)' other populations share (NeuroML sets a cell's channel densities for all its populations; give '\(pop)' a cell of its own)")
                    }
                    let attribute = name == "gmax" ? "condDensity" : name
                    try update(id: cell) { c in
                        var population = false
                        guard c.updateDescendant(id: cd, { population = $0.name == "channelPopulation"; $0.set(attribute, v) }) else { throw Unsupported(description: "cell '\(cell)' has no channel density '\(cd)'") }
                        // (A population's gmax is the density its number of channels gives, which
                        // NeuroML cannot state on a channelPopulation.)
                        if population && attribute == "condDensity" { throw Unsupported(description: "gmax set for channelPopulation '\(cd)': NeuroML gives a population a number of channels, not a conductance density") }
                    }
                } else if let cell = el["cell"], name == "resistivity" {
                    try update(id: cell) { c in c.updateDescendants(named: "resistivity") { $0.set("value", v) } }
                }
                // Other names (initialGates, a cue's sd) are read from the lowered model.
            }
        }

        /// The model's own files, without the brc: elements, networks and the simulation. A
        /// NeuroML file includes the NeuroML files it included (directly or not), so that each
        /// one is complete for NeuroML tools (jNeuroML checks that the channels of a cell exist).
        /// Its elements are written in the schema's order, and those a NeuroML document may not
        /// hold (`NeuroMLSchemaOrder.standsInDocument`) go to a LEMS file beside it,
        /// `components_<name>.xml`, which the simulation includes after it.
        mutating func copyModelFiles() {
            var exportedName: [String: String] = [:]
            for f in order {
                let kept = elements[f]!.filter { $0.namespace != brcNamespace && !Self.dropped.contains($0.typeName) && !Self.isPlainForm($0) && !["notes", "annotation"].contains($0.name) }
                let base = URL(fileURLWithPath: f).lastPathComponent
                let isNeuroML = kept.contains { $0.namespace == neuromlNamespace }
                let stands = kept.map { isNeuroML && NeuroMLSchemaOrder.standsInDocument($0) }
                let neuroml = zip(kept, stands).filter(\.1).map(\.0), lems = zip(kept, stands).filter { !$0.1 }.map(\.0)
                if !neuroml.isEmpty {
                    let name = fileName(base)
                    exportedName[f] = name
                    neuromlNames.append(name)
                    var text = ""
                    for (el, type) in NeuroMLSchemaOrder.ordered(neuroml, of: NeuroMLSchemaOrder.document) { write(el, type: type, indent: 1, into: &text) }
                    files.append(File(name: name, text: text, isNeuroML: true))
                }
                if !lems.isEmpty {
                    // (A LEMS file's own components, such as the cells LEMS_X.xml defines, go to
                    // components_LEMS_X.xml; those of X.nml to components_X.xml.)
                    let stem = isNeuroML ? (base as NSString).deletingPathExtension + ".xml" : base
                    let name = fileName(isNeuroML || base.hasPrefix("LEMS_") ? "components_" + stem : base)
                    var text = ""
                    for el in lems { write(el, indent: 1, into: &text) }
                    files.append(File(name: name, text: text, isNeuroML: false))
                }
            }
            for (i, f) in files.enumerated() {
                guard f.isNeuroML, let path = exportedName.first(where: { $0.value == f.name })?.key else { continue }
                var includes = ""
                if FileManager.default.fileExists(atPath: path), let sub = Loader.load(path, sink: DiagnosticSink()) {
                    for inc in sub.files.dropFirst() {
                        if let n = exportedName[inc], neuromlNames.contains(n) { includes += "    <include href=\"\(xmlEscaped(n))\"/>\n" }
                    }
                }
                files[i].text = wrap(includes + f.text, neuroml: true, id: (f.name as NSString).deletingPathExtension)
            }
            for i in files.indices where !files[i].isNeuroML { files[i].text = wrap(files[i].text, neuroml: false, id: "") }
        }

        /// The network's connections: consecutive ones of one projection form a `<projection>`
        /// of `<connectionWD>`s (after the model's own `<synapticConnection>`s, the schema's
        /// order); masked-out connections and spike inputs are left out.
        func projections() throws -> String {
            let active = model.connections.filter { c in spikeInput(c) == nil && model.isActive(c) }
            var synapticConnections = "", net = ""
            var projectionIds = UniqueNames()
            var k = 0
            while k < active.count {
                let c0 = active[k]
                let group = model.synapseGroups[c0.group]
                let src0 = model.spikeSources[c0.source]
                func prePopulation(_ s: IRSpikeSource) -> String {
                    s.generator != nil ? model.generatorPopulations[s.population].name : model.populations[s.population].name
                }
                let pre = prePopulation(src0), post = model.populations[group.instances[c0.instance].population].name
                let projName = model.projections[c0.projection]
                let synapse = projectionSynapse[projName] ?? model.synapses[group.synapse].name
                var end = k
                while end < active.count, active[end].projection == c0.projection, model.synapseGroups[active[end].group].synapse == group.synapse,
                      prePopulation(model.spikeSources[active[end].source]) == pre,
                      model.populations[model.synapseGroups[active[end].group].instances[active[end].instance].population].name == post { end += 1 }
                // A synapticConnection of the model is written back as one: jLEMS runs projections
                // onto LEMS cells such as pointCellCondBased only as synapticConnections.
                if end == k + 1, let sc = network.children.first(where: { $0.name == "synapticConnection" && "\($0["from"] ?? "")->\($0["to"] ?? "")" == projName }),
                   sc["weight"] == nil, sc["delay"] == nil, let from = sc["from"], let to = sc["to"] {
                    synapticConnections += "        <synapticConnection from=\"\(xmlEscaped(from))\" to=\"\(xmlEscaped(to))\" synapse=\"\(xmlEscaped(synapse))\" destination=\"synapses\"/>\n"
                    k = end
                    continue
                }
                let id = projectionIds.claim(NmlId.isValid(projName) ? projName : "projection\(c0.projection)")
                net += "        <projection id=\"\(xmlEscaped(id))\" presynapticPopulation=\"\(xmlEscaped(pre))\" postsynapticPopulation=\"\(xmlEscaped(post))\" synapse=\"\(xmlEscaped(synapse))\">\n"
                for (i, c) in active[k..<end].enumerated() {
                    let src = model.spikeSources[c.source]
                    let inst = model.synapseGroups[c.group].instances[c.instance]
                    var line = "            <connectionWD id=\"\(i)\" preCellId=\"\(xmlEscaped(cellTarget(population: pre, cell: src.cell)))\""
                    if src.generator == nil {
                        let ct = model.cellTypes[model.populations[src.population].cellType]
                        if src.node != ct.spikeNode {
                            let (s, x) = try location(ct, src.node)
                            line += " preSegmentId=\"\(s)\" preFractionAlong=\"\(number(x))\""
                        }
                    }
                    let (s, x) = try location(model.cellTypes[model.populations[inst.population].cellType], inst.node)
                    line += " postCellId=\"\(xmlEscaped(cellTarget(population: post, cell: inst.cell)))\" postSegmentId=\"\(s)\" postFractionAlong=\"\(number(x))\""
                    line += " weight=\"\(number(c.weight))\" delay=\"\(try q(c.delay, "ms"))\"/>\n"
                    net += line
                }
                net += "        </projection>\n"
                k = end
            }
            return synapticConnections + net
        }

        /// Gap junctions and graded synapses: the network's own electricalProjection and
        /// continuousProjection elements (no brc: generator makes them), and the components
        /// they place (a projection's synapse, a connection's pre- and postComponent), whose
        /// synapse groups have no connections.
        func continuousProjections() throws -> (elements: [Element], components: Set<String>) {
            let continuous = network.children.filter { ["electricalProjection", "continuousProjection"].contains($0.name) }
            if let link = model.peerLinks.first, continuous.isEmpty {
                throw Unsupported(description: "the network couples cells continuously (\(model.synapses[model.synapseGroups[link.group].synapse].origin): a gap junction or graded synapse) without an electricalProjection or continuousProjection to write")
            }
            var coupling: Set<String> = []
            for el in continuous {
                if let s = el["synapse"] { coupling.insert(s) }
                for c in el.children { for a in ["synapse", "preComponent", "postComponent"] { if let v = c[a] { coupling.insert(v) } } }
            }
            return (continuous, coupling)
        }

        /// LEMS inputs (rampGenerator, pulseGeneratorDL, ...: synapse groups without connections
        /// that do not couple cells) are the network's own explicitInput and inputList elements
        /// that name them, written as they are; their components are among the model's elements.
        func lemsInputs(coupling: Set<String>) throws -> (explicitInputs: [Element], inputLists: [Element]) {
            let connected = Set(model.connections.map(\.group))
            let lemsInputs = model.synapseGroups.indices.filter { !connected.contains($0) && !model.synapseGroups[$0].isCellDynamics && !model.synapseGroups[$0].instances.isEmpty
                                                                  && !coupling.contains(model.synapses[model.synapseGroups[$0].synapse].name) }
            let lemsInputNames = Set(lemsInputs.map { model.synapses[model.synapseGroups[$0].synapse].name })
            // The processes an input component places: its own, or a compound's children's (a
            // compoundInputDL's, or a compoundInput's of mixed kinds, each child a process).
            func processes(_ input: String) -> [String] {
                let compound = doc.elements.first { $0.id == input && ["compoundInput", "compoundInputDL"].contains($0.name) }
                return [LEMSInputs.processName(input)] + (compound?.children ?? []).compactMap(\.id).map(LEMSInputs.processName)
            }
            func namesLEMSInput(_ el: Element, _ attribute: String) -> Bool { el[attribute].map { processes($0).contains(where: lemsInputNames.contains) } ?? false }
            let explicitInputs = network.children.filter { $0.name == "explicitInput" && namesLEMSInput($0, "input") }
            let inputLists = network.children.filter { $0.name == "inputList" && namesLEMSInput($0, "component") }
            let written = Set((explicitInputs.compactMap { $0["input"] } + inputLists.compactMap { $0["component"] }).flatMap(processes))
            if let g = lemsInputs.first(where: { !written.contains(model.synapses[model.synapseGroups[$0].synapse].name) }) {
                throw Unsupported(description: "\(model.synapses[model.synapseGroups[g].synapse].origin) acts on cells without a connection (a LEMS input) that no explicitInput or inputList of the network names")
            }
            return (explicitInputs, inputLists)
        }

        /// The spike inputs, back as the explicitInputs and inputLists they were: consecutive
        /// entries of one list, component and population form an `<inputList>`.
        mutating func spikeInputs() throws -> (explicitInputs: String, inputLists: String) {
            var explicitInputs = "", inputLists = ""
            var openList: (id: String, input: String, population: Int)? = nil
            for c in model.connections {
                guard let (input, label) = spikeInput(c) else { continue }
                let inst = model.synapseGroups[c.group].instances[c.instance]
                let pop = model.populations[inst.population].name
                if openList.map({ !label.hasPrefix($0.id + "/") || $0.input != input || $0.population != inst.population }) ?? false {
                    inputLists += "        </inputList>\n"
                    openList = nil
                }
                if label.hasPrefix("explicitInput "), let arrow = label.range(of: " -> ") {
                    explicitInputs += "        <explicitInput target=\"\(xmlEscaped(String(label[arrow.upperBound...])))\" input=\"\(xmlEscaped(input))\" destination=\"synapses\"/>\n"
                    continue
                }
                guard let slash = label.lastIndex(of: "/") else { throw Unsupported(description: "spike input '\(input)' has no inputList entry ('\(label)')") }
                let list = String(label[..<slash]), id = String(label[label.index(after: slash)...])
                if openList == nil {
                    guard inputListIds.insert(list) else { throw Unsupported(description: "inputList '\(list)' of spike input '\(input)' is split by other inputs") }
                    inputLists += "        <inputList id=\"\(xmlEscaped(list))\" population=\"\(xmlEscaped(pop))\" component=\"\(xmlEscaped(input))\">\n"
                    openList = (list, input, inst.population)
                }
                let (seg, x) = try location(model.cellTypes[model.populations[inst.population].cellType], inst.node)
                let element = c.weight == 1 ? "input" : "inputW"
                inputLists += "            <\(element) id=\"\(xmlEscaped(id))\" target=\"\(xmlEscaped(cellTarget(population: pop, cell: inst.cell)))\" destination=\"synapses\" segmentId=\"\(seg)\" fractionAlong=\"\(number(x))\""
                    + (c.weight == 1 ? "/>\n" : " weight=\"\(number(c.weight))\"/>\n")
            }
            if openList != nil { inputLists += "        </inputList>\n" }
            return (explicitInputs, inputLists)
        }

        /// The current inputs. One the model gave by an explicitInput of a NeuroML component (a
        /// pulseGenerator, a compoundInput, ...), which the export keeps, is written back as that
        /// explicitInput: other tools name its recordings by the component (pop[i]/<input>/i).
        /// Each such element once (a compoundInput's children are stimuli of one element; two
        /// equal elements are two inputs). The others get a component each waveform (in
        /// `inputs`, a noise current's in `extensions`) and `<inputList>`s: consecutive
        /// stimuli of one component and population form one.
        mutating func stimuli() throws -> (explicitInputs: String, inputLists: String) {
            var explicitInputs = "", inputLists = ""
            var waveformIds: [IRStimulus.Waveform: String] = [:]
            var noiseIds: [IRStimulus.Waveform: String] = [:]
            var previous: (String, Int)? = nil
            var inputIndex = 0
            var writtenExplicitInputs: Set<SourceLocation> = []
            for s in model.stimuli {
                let words = s.label.split(separator: " ")
                if words.first == "explicitInput", words.count > 1, let arrow = s.label.range(of: " -> "),
                   doc.elements.contains(where: { $0.id == String(words[1]) && $0.namespace != brcNamespace && !Self.dropped.contains($0.typeName) }) {
                    let (target, input) = (String(s.label[arrow.upperBound...]), String(words[1]))
                    let elements = network.children.filter { $0.name == "explicitInput" && $0["target"] == target && $0["input"] == input }
                    if !elements.isEmpty {
                        for el in elements where writtenExplicitInputs.insert(el.location).inserted { write(el, indent: 2, into: &explicitInputs) }  // as the model wrote it
                        continue
                    }
                }
                // Labels: "inputList/cell" or "explicitInput component -> target".
                let base = NmlId.made(words.first == "explicitInput" && words.count > 1 ? String(words[1]) : String(s.label.prefix { $0 != "/" && $0 != " " }))
                let component: String
                if let id = waveformIds[s.waveform] ?? noiseIds[s.waveform] { component = id } else {
                    switch s.waveform {
                    case .pulse(let d, let dur, let a):
                        component = freshId(base)
                        inputs += "    <pulseGenerator id=\"\(component)\" delay=\"\(try q(d, "ms"))\" duration=\"\(try q(dur, "ms"))\" amplitude=\"\(try q(a, "nA"))\"/>\n"
                        waveformIds[s.waveform] = component
                    case .sine(let d, let dur, let a, let period, let phase):
                        component = freshId(base)
                        inputs += "    <sineGenerator id=\"\(component)\" delay=\"\(try q(d, "ms"))\" duration=\"\(try q(dur, "ms"))\" amplitude=\"\(try q(a, "nA"))\" period=\"\(try q(period, "ms"))\" phase=\"\(number(phase))\"/>\n"
                        waveformIds[s.waveform] = component
                    case .noise(let mean, let sd, let seed, _):
                        // The random stream is keyed by the component's id: keep the model's.
                        guard let source = doc.elements.first(where: { ($0.name == "noiseCurrent" || $0.name == "brcNoiseCurrent") && $0.id == s.component }),
                              let id = source.id else {
                            throw Unsupported(description: "the noise current of input '\(s.label)' is not found")
                        }
                        component = id
                        extensions += "    <brcNoiseCurrent id=\"\(xmlEscaped(id))\" mean=\"\(try q(mean, "nA"))\" sd=\"\(try q(sd, "nA"))\" seed=\"\(seed)\"/>\n"
                        noiseIds[s.waveform] = id
                    case .table:
                        throw Unsupported(description: "input '\(s.label)' plays a table (brc:currentFromFile), which has no NeuroML form yet")
                    }
                }
                let ct = model.cellTypes[model.populations[s.population].cellType]
                let (seg, x) = try location(ct, s.node)
                let pop = model.populations[s.population].name
                if previous.map({ $0 != (component, s.population) }) ?? true {
                    if previous != nil { inputLists += "        </inputList>\n" }
                    let id = inputListIds.claim(NmlId.isValid(base) && base != "input" ? base : "inputs")
                    inputLists += "        <inputList id=\"\(xmlEscaped(id))\" population=\"\(xmlEscaped(pop))\" component=\"\(xmlEscaped(component))\">\n"
                    previous = (component, s.population)
                    inputIndex = 0
                }
                inputLists += "            <input id=\"\(inputIndex)\" target=\"\(xmlEscaped(cellTarget(population: pop, cell: s.cell)))\" destination=\"synapses\" segmentId=\"\(seg)\" fractionAlong=\"\(number(x))\"/>\n"
                inputIndex += 1
            }
            if previous != nil { inputLists += "        </inputList>\n" }
            return (explicitInputs, inputLists)
        }

        /// The network file, from the lowered model: populations, connections, couplings and
        /// inputs, in the schema's order.
        mutating func writeNetwork() throws {
            var net = ""
            for p in populations { write(p, indent: 2, into: &net) }
            net += try projections()
            // What the network holds beyond connections and stimuli must not be dropped silently.
            if let syn = model.synapses.first(where: \.usesRandom) {
                throw Unsupported(description: "\(syn.origin) draws random() in its LEMS Dynamics, whose numbers are keyed by where each call is written (docs/numerics.md); the export rewrites the definitions elsewhere, so it would not give the same draws, and it does not write such models yet")
            }
            let continuous = try continuousProjections()
            for el in continuous.elements { write(el, indent: 2, into: &net) }
            let lems = try lemsInputs(coupling: continuous.components)
            let spikes = try spikeInputs()
            net += spikes.explicitInputs  // explicitInputs come before inputLists (the schema's order)
            for el in lems.explicitInputs { write(el, indent: 2, into: &net) }
            let currents = try stimuli()
            net += currents.explicitInputs + currents.inputLists + spikes.inputLists
            for el in lems.inputLists { write(el, indent: 2, into: &net) }

            var netAttributes = "id=\"\(xmlEscaped(targetId))\""
            for a in ["type", "temperature"] { if let v = network[a] { netAttributes += " \(a)=\"\(xmlEscaped(v))\"" } }
            let networkFile = fileName("\(NmlId.made(targetId))_network.nml")
            let networkIncludes = neuromlNames.map { "    <include href=\"\(xmlEscaped($0))\"/>\n" }.joined()
            let networkText = networkIncludes + inputs + "    <network \(netAttributes)>\n" + net + "    </network>\n"
            files.append(File(name: networkFile, text: wrap(networkText, neuroml: true, id: NmlId.made(targetId) + "_network"), isNeuroML: true))
        }

        /// What NeuroML cannot express, as components of `brc_extensions.xml`'s LEMS types.
        mutating func writeExtensions() throws {
            // (brc:poissonSource components, the Poisson generators with a seed of their own, under
            // their own ids, which the populations name; a NeuroML generator is copied as the
            // model wrote it.)
            var sources: Set<String> = []
            for g in model.generatorPopulations where g.idSeed == nil && sources.insert(g.component).inserted {
                guard case .poisson(let rate, let seed) = g.generator else { continue }
                extensions += "    <brcPoissonSource id=\"\(xmlEscaped(g.component))\" rate=\"\(try q(rate, "per_ms"))\" seed=\"\(seed)\"/>\n"
            }
            for p in model.populations {
                guard let r = p.randomInitialPotential else { continue }
                extensions += "    <brcRandomInitialPotential id=\"\(freshId(p.name + "_initial_v"))\" population=\"\(xmlEscaped(p.name))\" min=\"\(try q(r.min, "mV"))\" max=\"\(try q(r.max, "mV"))\" seed=\"\(r.seed)\" perCompartment=\"\(r.perCompartment ? 1 : 0)\"/>\n"
            }
            for ct in model.cellTypes {
                guard let v = ct.initialGateValue else { continue }
                extensions += "    <brcInitialGates id=\"\(freshId(ct.name + "_initial_gates"))\" cell=\"\(xmlEscaped(ct.name))\" value=\"\(number(v))\"/>\n"
            }
            if !extensions.isEmpty {
                files.append(File(name: "brc_extensions.xml", text: wrap(extensionTypes + extensions, neuroml: false, id: ""), isNeuroML: false))
            }
        }

        /// The LEMS simulation, which includes every other file. `seed` replaces its seed.
        mutating func simulationFile(seed: UInt64?) -> File {
            let simName = fileName("LEMS_\(NmlId.made(simulation.id ?? "sim")).xml")
            var main = "    <Target component=\"\(xmlEscaped(simulation.id ?? ""))\"/>\n"
            for inc in coreIncludes + doc.standardIncludes where !main.contains("\"\(xmlEscaped(inc))\"") {
                main += "    <Include file=\"\(xmlEscaped(inc))\"/>\n"
            }
            for f in files { main += "    <Include file=\"\(xmlEscaped(f.name))\"/>\n" }
            var sim = simulation
            if let seed { sim.set("seed", String(seed)) }
            // Output files where brcc writes them, relative to the output folder (an absolute path
            // is written inside it, BRC-W0506): other tools then write there too, not to that path.
            let writtenAs = Dictionary(model.simulation!.outputs.map { ($0.id, $0.fileName) } + model.simulation!.eventOutputs.map { ($0.id, $0.fileName) }) { a, _ in a }
            for i in sim.children.indices where ["OutputFile", "EventOutputFile"].contains(sim.children[i].name) {
                if let id = sim.children[i].id, let name = writtenAs[id], sim.children[i]["fileName"] != name { sim.children[i].set("fileName", name) }
            }
            // Event selections with a wildcard (pop[*]) become one selection per cell, as brcc
            // numbers them (jNeuroML's NEURON writer reads only single cells).
            for (i, c) in sim.children.enumerated() where c.name == "EventOutputFile" && c.children.contains(where: { ($0["select"] ?? "").contains("*") }) {
                guard let out = model.simulation!.eventOutputs.first(where: { $0.id == c.id }) else { continue }
                var selections: [Element] = []
                for (id, src) in zip(out.ids, out.sources) {
                    let source = model.spikeSources[src]
                    let pop = source.generator != nil ? model.generatorPopulations[source.population].name : model.populations[source.population].name
                    let port = c.children.first?["eventPort"] ?? "spike"
                    selections.append(Element(name: "EventSelection", attributes: [
                        Attribute(name: "id", value: id, location: c.location), Attribute(name: "select", value: "\(pop)[\(source.cell)]", location: c.location),
                        Attribute(name: "eventPort", value: port, location: c.location)], location: c.location))
                }
                sim.children[i].children = selections
            }
            write(sim, indent: 1, into: &main)
            let header = "    <!-- Exported by brcc (export with the neuroml option): plain NeuroML2 and LEMS; brc_extensions.xml (if present) holds\n"
                + "         what NeuroML cannot express (docs/language.md, \"Exporting to NeuroML\"). -->\n"
            return File(name: simName, text: wrap(header + main, neuroml: false, id: ""), isNeuroML: false)
        }
    }
}
