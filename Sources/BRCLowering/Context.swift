import BRCDiagnostics
import BRCIR
import BRCSyntax
import BRCUnits

/// Shared state of one lowering: the diagnostics sink, the model's elements by id, the custom
/// ComponentTypes, and typed readers for attributes that report located errors.
final class Context {
    private(set) var sink: DiagnosticSink
    let document: Document
    var byId: [String: Element] = [:]
    var componentTypes: [String: ComponentTypeDef] = [:]
    /// The NeuroML2 core library's ComponentTypes (read leniently: what brcc cannot compile of
    /// one is in its `problems`, reported only where a model uses it).
    var coreTypes: [String: ComponentTypeDef] = [:]

    /// The model's own ComponentTypes that were read with errors, or whose misspelt name was
    /// reported (their components are not lowered: the type's errors are reported, not a
    /// cascade at every component).
    var brokenTypes: Set<String> = []
    /// Whether a use of type `name` (a component's, a rate's, a child's) would only repeat an
    /// error already reported: the type was read with errors or its name was misspelt, or no
    /// type has that name while a ComponentType lost its name (`lostTypeName`).
    func typeErrorsReported(_ name: String) -> Bool {
        brokenTypes.contains(name) || type(named: name) == nil && lostTypeName
    }
    /// A ComponentType by name: the model's own first, then the core library's.
    func type(named name: String) -> ComponentTypeDef? { componentTypes[name] ?? coreTypes[name] }
    /// The ComponentType a component element instantiates (`Element.typeName`).
    func type(of el: Element) -> ComponentTypeDef? { type(named: el.typeName) }
    /// Values that replace the model's own for a search's structural parameters.
    var overrides: [IRSearchParameter.Target: Double]
    /// Projections whose generator draws connections with a probability (the ones a
    /// `brc:connectionProbability` may search), with the probability used.
    var probabilisticProjections: [String: Double] = [:]
    /// Tuning widths set by `<brc:setParameter input= name="sd">`, by brc:tunedCue id.
    var cueWidth: [String: Double] = [:]
    /// The populationLists whose `<instance>` ids are not their positions (0, 1, ... in
    /// order): by population name, each instance id's position. NeuroML names a listed cell
    /// by its instance id (`pop/3/cell` is `<instance id="3">`), as jLEMS and jNeuroML's
    /// NEURON export do; brcc numbers cells by position.
    var instancePositions: [String: [Int: Int]] = [:]
    /// The populations of spike generators of the networks lowered so far (a target that names
    /// one where a cell is meant is said to be that, not "not defined").
    var generatorPopulationNames: Set<String> = []
    /// Each cell's axial resistivity (ohm m), for cells where one value covers every segment.
    var uniformResistivity: [String: Double] = [:]
    /// The placements that are a `<channelPopulation>` of a `<cell>` (its cell type's origin
    /// and the placement's label): their recorded i and g are the whole population's.
    var channelPopulations: Set<[String]> = []
    /// Names (element ids, populations) whose definition was rejected with a located error:
    /// a reference to one of them is not reported again, so an unsupported element gives one
    /// error at its cause rather than a cascade of "not defined" errors at its uses.
    var rejected: Set<String> = []
    /// Names of ComponentType declarations (a Parameter, a Constant, ...) rejected with a
    /// located error (an unknown dimension): an expression that uses one is not reported again.
    var rejectedDeclarations: Set<String> = []
    /// Whether a definition that references could name lost its id (a top-level element's or
    /// a population's `id` was reported missing): a reference to a name nothing defines may
    /// mean that one, so it is not reported as well. Once the id is given, a reference that still
    /// names nothing is reported.
    private(set) var lostId = false
    /// Whether a ComponentType's `name` was reported missing: a component or a use of a type
    /// nothing declares may be of that one, so it is not reported as well.
    private(set) var lostTypeName = false
    /// The element names that a reported unknown element was a slip of (`<Simulationn>` for
    /// `Simulation`): a check that such an element is missing is not reported as well.
    var misspeltElements: Set<String> = []
    /// The network's children (projections, synapticConnections, inputLists, a misspelt
    /// `<synapticConnectionn>`, ...) at which an error was reported: what they would have
    /// attached is not reported missing.
    var lostConnections: [Element] = []
    /// Whether a connection that would attach synapse or input `component` to a cell was lost to
    /// an error reported elsewhere: the connection element itself was refused, or it had an error
    /// and names `component` or no defined synapse or input at all (its `synapse` misspelt), or
    /// it names an element that was refused (`rejected`: a misspelt population, a cell or spike
    /// source that failed).
    func connectionLost(_ component: String) -> Bool {
        if valuesOfLostConnections.contains(component) { return true }
        // A lost connection that names no defined synapse or input may have been this one's.
        let references = ["synapse", "input", "component"]
        return lostConnections.contains { c in !c.attributes.contains { references.contains($0.name) && byId[$0.value] != nil } }
    }
    /// The attribute values of the lost connections and of every element that names a
    /// rejected one: computed once, when recordings first ask (after the network is lowered),
    /// so that many failed recordings do not each walk the document.
    private lazy var valuesOfLostConnections: Set<String> = {
        var out = Set(lostConnections.flatMap { $0.attributes.map(\.value) })
        func namesRejected(_ a: Attribute) -> Bool {
            a.value.split(whereSeparator: { "/[]:".contains($0) }).contains { rejected.contains(String($0)) }
        }
        func visit(_ e: Element) {
            if e.attributes.contains(where: namesRejected) { out.formUnion(e.attributes.map(\.value)) }
            e.children.forEach(visit)
        }
        document.elements.forEach(visit)
        return out
    }()
    /// Records that an include (`<Include>`, `<include>`) or a ComponentType was lost to a
    /// misspelt element name: whatever it defined may be what a reference or a component
    /// names, so, as for a lost id or type name, those are not reported as well.
    func lostDefinitions() { lostId = true; lostTypeName = true }
    /// Where the document's top-level elements are (for `lostId`).
    private lazy var topLevel: Set<SourceLocation> = Set(document.elements.map(\.location))
    /// The attributes, by element, whose misspelling was reported as an unknown attribute with
    /// "did you mean": a required one is not reported missing as well, and an optional one does
    /// not make its default's consequences errors (`misspelt`, `hasMisspelling`).
    private var misspelled: [SourceLocation: Set<String>] = [:]

    /// How many more "did you mean" suggestions this lowering computes (`suggest`): each
    /// compares a name with every candidate, so a model with thousands of dangling references
    /// to thousands of ids would otherwise spend seconds on hints (measured: 5,000 x 5,000 took
    /// 14 s); the first ones are the ones a reader uses.
    private var suggestionsLeft = 100

    /// `hint` with "did you mean 'x'?" in front when one of `candidates` is close to `name`
    /// (`Spelling.hint`), while the suggestion budget lasts.
    func suggest(_ hint: String?, for name: String, among candidates: @autoclosure () -> [String]) -> String? {
        guard suggestionsLeft > 0 else { return hint }
        suggestionsLeft -= 1
        return Spelling.hint(hint, for: name, among: candidates())
    }

    /// The candidate `name` is a slip of (`Spelling.closest`), from the same budget as `suggest`.
    func closest(to name: String, among candidates: @autoclosure () -> [String]) -> String? {
        guard suggestionsLeft > 0 else { return nil }
        suggestionsLeft -= 1
        return Spelling.closest(to: name, among: candidates())
    }

    /// "kinds: a, b, c" ("kinds: none" when there are none), with "did you mean" as `suggest`
    /// gives it.
    func choices(_ kind: String, _ names: [String], for name: String) -> String {
        suggest("\(kind): " + (names.isEmpty ? "none" : names.joined(separator: ", ")), for: name, among: names)!
    }

    /// Whether `el`'s attribute `name` is absent because a misspelling of it was reported.
    func misspelt(_ el: Element, _ name: String) -> Bool { misspelled[el.location]?.contains(name) == true }
    /// Whether an attribute of `el` was reported misspelt: its lowering may stop there, since
    /// what it would compute from a default is not what the model meant.
    func hasMisspelling(_ el: Element) -> Bool { misspelled[el.location] != nil }
    /// LEMS point cells whose synaptic current is dimensionless (izhikevichCell's ISyn).
    var dimensionlessCells: Set<String> = []
    /// The synapse that runs each LEMS point cell type's dynamics, by cell type index.
    var dynamicsSynapses: [Int: Int] = [:]
    /// Requirements of synapse ComponentTypes that name a state of the cell they sit on (a
    /// dimensionless synapse's `V`), by synapse name: the parameter that holds it, the state's
    /// name and the Requirement's location (`HostStates.link`).
    var hostStates: [String: [HostState]] = [:]
    /// Input components compiled from their ComponentType, by the element's location: the
    /// synapse index (or nil if it failed) and its parameter values.
    var inputSynapses: [SourceLocation: (synapse: Int, values: [Double])?] = [:]
    /// The waveforms of pulse, sine, noise and table inputs, by the element's location: read
    /// once, not once per cell an input list places them on.
    var waveforms: [SourceLocation: IRStimulus.Waveform] = [:]

    /// Component `el` compiled once (`make`) and added to `model.synapses`: its synapse index
    /// and parameter values, or nil if it failed; later calls return the cached outcome
    /// (`inputSynapses`). A failure also rejects its id, so that its uses are not reported again.
    func loweredOnce(_ el: Element, model: inout IRModel, _ make: () -> SynapseLowering.Lowered?) -> (synapse: Int, values: [Double])? {
        if let cached = inputSynapses[el.location] { return cached }
        var lowered: (synapse: Int, values: [Double])? = nil
        if let low = make() {
            lowered = (model.synapses.count, low.values)
            model.synapses.append(low.synapse)
        }
        if lowered == nil, let id = el.id { rejected.insert(id) }
        inputSynapses[el.location] = .some(lowered)
        return lowered
    }
    /// Populations whose channel parameters a `brc:setParameter` sets (`ParameterOverlay.prepare`):
    /// one that shares its cell type with another population gets a copy of its own
    /// (`NetworkLowering.copyCellType`), so that the values reach its cells alone, as a search
    /// sets them.
    var ownChannelValues: Set<String> = []

    /// How many generator populations of each spike-input name (`input@target`) were made so
    /// far, so that an input given twice to one target is named apart (`SpikeInputs.add`).
    var spikeInputUses: [String: Int] = [:]
    /// NeuroML's dimensions and units with the model's own `<Dimension>`s and `<Unit>`s.
    var units = UnitTable.shared
    /// Parameters declared without a dimension that a component gave a unit (`parameter`).
    var defaultedDimensionsReported: Set<SourceLocation> = []
    /// Ids of the components that some `<population component=...>` of the document names (or
    /// a LEMS Structure's MultiInstantiate), or that a `<Simulation target=...>` names (a
    /// component simulated on its own, also from a `<SimulationSet>`).
    lazy var populationComponents: Set<String> = {
        var ids: Set<String> = []
        func walk(_ el: Element) {
            if el.name == "population", let c = el["component"] { ids.insert(c) }
            for c in el.children where c.name == "population" || c.name == "network" { walk(c) }
        }
        for el in document.elements where el.name == "network" { walk(el) }
        ids.formUnion(LEMSNetworks.instantiatedComponents(document))
        // A Simulation at the top level or in a SimulationSet (LEMS's MultiRunSimulation.xml).
        for el in document.elements + document.elements.filter({ $0.name == "SimulationSet" }).flatMap(\.children) where el.name == "Simulation" {
            if let t = el["target"] { ids.insert(t) }
        }
        return ids
    }()
    /// Every element of the document (top-level and nested) by its type name, in document order:
    /// what a DerivedParameter's `select="//TYPE[...]/NAME"` searches (`ComponentTree.selectedParameter`).
    lazy var elementsByType: [String: [Element]] = {
        var out: [String: [Element]] = [:]
        func visit(_ e: Element) {
            out[e.typeName, default: []].append(e)
            e.children.forEach(visit)
        }
        document.elements.forEach(visit)
        return out
    }()
    /// LEMS point cells with an OnEvent (cell type name -> its ComponentType and the OnEvent's
    /// location): an event connection of a LEMS Structure runs it; else BRC-W0130 says it never runs.
    var portEvents: [String: (type: String, location: SourceLocation)] = [:]
    /// The id of the component a Simulation targets when it is not a network (a LEMS point cell
    /// or a `<cell>`): simulated as a population of one named after it, and output paths are
    /// relative to it (`v`, `membrane/I`).
    var componentTarget: String?

    /// Reports a dangling reference to `name`, unless `name` was rejected or a definition lost
    /// its id (`lostId`): the cause is reported.
    /// An id of the document close to `name` becomes "did you mean" in the hint.
    func undefined(_ name: String, _ id: String, _ message: String, at loc: SourceLocation, hint: String? = nil) {
        guard !rejected.contains(name), !lostId, !reportedMisspeltId(name) else { return }
        error(id, message, at: loc, hint: suggest(hint, for: name, among: Array(byId.keys)))
    }

    /// The same for a reference that may use only `names` (of `kind`, e.g. "populations"): the
    /// hint lists them in the order given (a close one first, as "did you mean"), then `note`.
    func undefined(_ name: String, _ id: String, _ message: String, at loc: SourceLocation, listing kind: String, _ names: [String], note: String = "") {
        guard !rejected.contains(name), !lostId, !reportedMisspeltId(name) else { return }
        error(id, message, at: loc, hint: choices(kind, names, for: name) + note)
    }

    init(document: Document, sink: DiagnosticSink, overrides: [IRSearchParameter.Target: Double] = [:]) {
        self.document = document
        self.sink = sink
        self.overrides = overrides
    }

    /// Runs `body` (the lowering of a component `el` of a core library type) so that an error
    /// located inside the bundled core types becomes one "not supported yet" at `el`: the
    /// user's model is where the problem shows; errors in the user's own files pass through.
    func reportingCoreErrors<T>(at el: Element, type: String, _ body: () -> T?) -> T? {
        let outer = sink
        let scratch = DiagnosticSink()
        sink = scratch
        let result = body()
        sink = outer
        var coreReported = false
        for d in scratch.diagnostics {
            if d.location.file.contains("/CoreTypes/") {
                guard d.severity == .error, !coreReported else { continue }
                coreReported = true
                let file = d.location.fileName
                let subject = "not supported yet: <\(el.name)>\(el.id.map { " (id \"\($0)\")" } ?? "")"
                // The core type's own error may already name the element: say it once.
                let cause = d.message.hasPrefix(subject + ": ") ? String(d.message.dropFirst(subject.count + 2)) : d.message
                let dimensional = ["BRC-E0106", "BRC-E0109", "BRC-E0129", "BRC-E0202", "BRC-E0203"].contains(d.id)
                outer.error("BRC-E0103", "\(subject): its ComponentType '\(type)' (\(file):\(d.location.line)) does not compile: \(cause)",
                            at: el.location, hint: dimensional
                                ? "brcc checks the core types' dimensions strictly; see docs/language.md section 3.10"
                                : "the core type uses a LEMS feature brcc does not compile; docs/language.md section 3.10 lists the core types brcc compiles")
            } else {
                outer.report(d)
            }
        }
        return coreReported ? nil : result
    }

    /// Reports an error at `loc`; `first`, for something given twice, is where the first one
    /// is (a note "the first").
    func error(_ id: String, _ message: String, at loc: SourceLocation, hint: String? = nil, first: SourceLocation? = nil) {
        sink.report(Diagnostic(id, .error, message, at: loc, hint: hint, notes: first.map { [("the first", $0)] } ?? []))
    }

    /// Reports a warning at `loc`, with `first` as for `error`.
    func warning(_ id: String, _ message: String, at loc: SourceLocation, hint: String? = nil, first: SourceLocation? = nil) {
        sink.report(Diagnostic(id, .warning, message, at: loc, hint: hint, notes: first.map { [("the first", $0)] } ?? []))
    }

    /// The first of `children`, an element `parent` takes once; a second one is `BRC-E0119`
    /// (it was silently ignored, or silently replaced the first).
    func once(_ children: [Element], in parent: Element) -> Element? {
        func shown(_ e: Element) -> String { (e.namespace == Element.brcNamespace ? "brc:" : "") + e.name }
        if children.count > 1 {
            error("BRC-E0119", "<\(shown(parent))>\(parent.id.map { " (id \"\($0)\")" } ?? "") has a second <\(shown(children[1]))>", at: children[1].location,
                  hint: "<\(shown(parent))> takes one <\(shown(children[1]))>; remove the other")
        }
        return children.first
    }

    /// Runs `body` with its diagnostics collected, not reported: for optional parts of a model
    /// (a Display line) that are left out, with a warning, when brcc cannot handle them.
    func quietly<T>(_ body: () -> T?) -> (T?, [String]) {
        let outer = sink
        let scratch = DiagnosticSink()
        sink = scratch
        let result = body()
        sink = outer
        return (result, scratch.diagnostics.map(\.message))
    }

    /// Top-level elements without an id whose attribute one slip from `id` (`idd="naChan"`)
    /// holds a name, by that name: an element nothing lowers unless it is referenced by id.
    private lazy var misspeltIds: [String: (Element, Attribute)] = {
        var out: [String: (Element, Attribute)] = [:]
        for el in document.elements where el.id == nil {
            if let a = el.attributes.first(where: { Spelling.closest(to: $0.name, among: ["id"], atLeastOne: true) != nil }), out[a.value] == nil { out[a.value] = (el, a) }
        }
        return out
    }()

    /// For a reference to `name` that names nothing: when an element's misspelt id holds it,
    /// reports the misspelling there (as the attribute check words it) instead of the reference,
    /// and its other uses not at all. Whether it did.
    func reportedMisspeltId(_ name: String) -> Bool {
        guard let (el, a) = misspeltIds[name] else { return false }
        reportMisspelling(a, on: el, meant: "id")
        return true
    }

    /// Reports that top-level element `el` has no id: as a misspelling where one of its
    /// attributes is a slip of `id` (`idd="Leak"`), else as missing.
    func reportMissingId(_ el: Element) {
        if let a = el.attributes.first(where: { Spelling.closest(to: $0.name, among: ["id"], atLeastOne: true) != nil }) {
            reportMisspelling(a, on: el, meant: "id")
        } else {
            reportMissing(el, "id")
        }
    }

    /// Reports attribute `a` of `el` as a misspelling of `meant` (one message, whichever check
    /// finds it first; `takes` lists the element's attributes where the check knows them) and
    /// records it: a required attribute is then not reported missing, and a misspelt id's uses
    /// and a misspelt ComponentType name's components are not reported at all.
    private func reportMisspelling(_ a: Attribute, on el: Element, meant: String, takes: String? = nil) {
        misspelled[el.location, default: []].insert(meant)
        if meant == "id" { rejected.insert(a.value) }
        if meant == "name" && el.name == "ComponentType" { brokenTypes.insert(a.value) }
        error("BRC-E0101", "unknown attribute '\(a.name)' on <\(el.name)>; did you mean '\(meant)'?", at: a.location,
              hint: "rename it to \(meant)" + (takes.map { "; \($0)" } ?? ""))
    }

    /// Reports attributes not in `allowed` and missing `required` ones. Returns false if a
    /// required attribute is missing. An unknown attribute close to a missing required one
    /// (`probabilty` for `probability`) is one error, "did you mean", not two.
    @discardableResult
    func checkAttributes(_ el: Element, required: [String] = [], optional: [String] = []) -> Bool {
        let known = Set(required + optional + ["metaid"])
        let missing = required.filter { el.attribute($0) == nil }
        for a in el.attributes where !known.contains(a.name) {
            let list = (required + optional).sorted().joined(separator: ", ")
            let takes = list.isEmpty ? "<\(el.name)> takes no attributes" : "<\(el.name)> takes: \(list)"
            let absent = missing + optional.filter { el.attribute($0) == nil }
            if let meant = Spelling.closest(to: a.name, among: missing, atLeastOne: true) ?? Spelling.closest(to: a.name, among: absent) {
                reportMisspelling(a, on: el, meant: meant, takes: takes)
            } else {
                error("BRC-E0101", "unknown attribute '\(a.name)' on <\(el.name)>", at: a.location, hint: takes)
            }
        }
        for r in missing { reportMissing(el, r) }
        return missing.isEmpty
    }

    /// Reports that `el` lacks its required attribute `name` (once, whichever reader asks
    /// first), unless a misspelling of it was reported; `dimension` adds a unit to the hint.
    func reportMissing(_ el: Element, _ name: String, dimension: Dimension? = nil) {
        guard !misspelt(el, name) else { return }
        if name == "id", el.name == "population" || topLevel.contains(el.location) { lostId = true }
        if name == "name", el.name == "ComponentType" { lostTypeName = true }
        // A time step's example is NEURON's default step, not a duration.
        let unit = dimension.map { " with a value in a unit of \($0), e.g. \(name == "step" && $0 == .time ? "0.025ms" : example($0))" } ?? ""
        let missing = Diagnostic.error("BRC-E0102", "<\(el.name)> is missing the required attribute '\(name)'", at: el.location,
                                       hint: "add \(name)=\"...\"\(unit) to <\(el.name)\(el.id.map { " id=\"\($0)\"" } ?? "")>")
        // The attribute check reports it first, without the unit the quantity's reader knows.
        if dimension != nil { sink.refine(missing) } else { sink.report(missing) }
    }

    /// What is wrong with an unknown element's namespace, if that is the likely cause: a
    /// prefix the file does not declare (`brc:cueTask` without `xmlns:brc`), or another
    /// version of brcc's extension namespace. Nil otherwise.
    func namespaceHint(_ el: Element) -> String? {
        if let colon = el.name.firstIndex(of: ":") {
            let prefix = el.name[..<colon]
            return prefix == "brc" ? "the prefix 'brc' is not declared: add xmlns:brc=\"\(NetworkLowering.brcNamespace)\" to the file's root element"
                : "the prefix '\(prefix)' is not declared: declare it with xmlns:\(prefix)=\"...\" on the file's root element"
        }
        if let ns = el.namespace, ns != NetworkLowering.brcNamespace, ns.hasPrefix("urn:brcc:") {
            return "<\(el.name)> is in the namespace '\(ns)'; brcc's extension elements are in \(NetworkLowering.brcNamespace) (xmlns:brc=\"\(NetworkLowering.brcNamespace)\")"
        }
        return nil
    }

    /// Reports a child element brcc does not know or does not support (yet) in this place; the
    /// hint lists what is supported there, led by "did you mean" when the name is a slip of
    /// one of them. Returns that name, so that the caller does not also report it missing.
    @discardableResult
    func unsupported(_ el: Element, in parent: String, supported: [String]) -> String? {
        let list = supported.isEmpty ? "remove it" : "supported here: \(supported.joined(separator: ", "))"
        // (An element's name is its local name: `brc:centre` is read as `centre`.)
        let local = Dictionary(supported.map { ($0.split(separator: ":").last.map(String.init) ?? $0, $0) }, uniquingKeysWith: { a, _ in a })
        let meant = Spelling.closest(to: el.name, among: local.keys).flatMap { local[$0] }
        if let meant { misspeltElements.insert(meant) }
        // Its uses would only repeat this error: by id, and by name for a declaration (a
        // misspelt <Parameterr name="v0"> leaves v0 undeclared in expressions and components).
        if let id = el.id { rejected.insert(id) }
        rejectDeclarations(in: el)
        error("BRC-E0103", "not supported yet: <\(el.name)> in <\(parent)>", at: el.location,
              hint: namespaceHint(el) ?? meant.map { "did you mean '\($0)'? \(list)" } ?? list)
        return meant
    }

    /// Adds the names an element declares, and those of everything inside it, to
    /// `rejectedDeclarations` (a misspelt `<Dynamicss>` loses the StateVariables in it too).
    private func rejectDeclarations(in el: Element) {
        if let name = el["name"] { rejectedDeclarations.insert(name) }
        for c in el.children { rejectDeclarations(in: c) }
    }

    /// Looks up a referenced element by id, reporting a dangling reference.
    func lookup(_ a: Attribute, expecting kinds: Set<String>, what: String) -> Element? {
        guard let target = byId[a.value] else {
            if rejected.contains(a.value) || lostId || reportedMisspeltId(a.value) { return nil }
            let kin = byId.filter { kinds.contains($0.value.name) }.keys.sorted()
            let hint = kin.isEmpty ? "define an element with id=\"\(a.value)\"" : "defined \(what)s: \(kin.prefix(8).joined(separator: ", "))"
            error("BRC-E0107", "\(what) '\(a.value)' is not defined", at: a.location, hint: suggest(hint, for: a.value, among: kin))
            return nil
        }
        guard kinds.contains(target.name) || type(named: target.name).map({ kinds.contains($0.rootBase(in: self)) }) == true else {
            error("BRC-E0108", "'\(a.value)' is a <\(target.name)>, not \(what.first.map { "aeiou".contains($0) } == true ? "an" : "a") \(what)", at: a.location,
                  hint: "refer to one of: \(kinds.sorted().joined(separator: ", "))")
            return nil
        }
        return target
    }
}

/// `s` without leading and trailing spaces and tabs.
func trimmed(_ s: String) -> String {
    // One pass over the UTF-8 bytes (a reversed String walk took seconds on a long attribute).
    let u = s.utf8
    func blank(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 }
    guard let first = u.firstIndex(where: { !blank($0) }), let last = u.lastIndex(where: { !blank($0) }) else { return "" }
    return String(s[first...last])
}
