import BRCDiagnostics
import BRCIR
import BRCLowering
import BRCParse
import BRCPlot
import BRCSyntax
import BRCUnits
import Foundation

/// `brcc export MODEL --neuroml DIR`: the model as plain NeuroML2 + LEMS, without `brc:`
/// elements (docs/language.md, "Exporting to NeuroML").
///
/// A source-level rewrite guided by the lowered model: the cells, channels and synapses are the
/// model's own elements, copied file by file with their `brc:` children removed and the values of
/// `<brc:setParameter>` written into them; the simulated network is written anew from the IR —
/// its populations, every active connection as a `<connectionWD>` (generated and masked
/// connectivity resolved), every input as an `<input>` of a `<pulseGenerator>` /
/// `<sineGenerator>` (a `brc:tunedCue` becomes one pulse per cell at the model's cue). What
/// NeuroML cannot express (Gaussian noise currents, random initial potentials, initial gate
/// values) is written as components of LEMS ComponentTypes defined in `brc_extensions.xml`,
/// which brcc reads as the `brc:` elements they replace. `brcc run` of the export gives the
/// same bits as of the model.
public enum NeuroMLExport {
    /// One file of the export: its name in the folder and its text.
    public struct File: Sendable {
        /// The file's name in the export folder.
        public var name: String
        /// The file's contents.
        public var text: String
        /// A NeuroML document (validates against the NeuroML v2.3 schema), else LEMS.
        public var isNeuroML: Bool
    }

    /// A part of the model the NeuroML export cannot write, and why.
    public struct Unsupported: Error, CustomStringConvertible {
        public var description: String
    }

    static let neuromlNamespace = "http://www.neuroml.org/schema/neuroml2"
    static let brcNamespace = Loader.brcNamespace
    static let schemaLocation = "http://www.neuroml.org/schema/neuroml2 https://raw.github.com/NeuroML/NeuroML2/development/Schemas/NeuroML2/NeuroML_v2.3.xsd"
    /// The NeuroML2CoreTypes files a LEMS simulation of NeuroML needs.
    static let coreIncludes = ["Cells.xml", "Networks.xml", "Simulation.xml"]

    /// The files of the export of `doc`, whose lowering is `model`. The main file (the LEMS
    /// simulation) is the first.
    /// `seed` (`brcc export --seed`) replaces the Simulation's seed attribute.
    public static func emit(_ doc: Document, model: IRModel, seed: UInt64? = nil) throws -> [File] {
        var writer = try Writer(doc, model: model)
        try writer.applySetParameters()
        writer.copyModelFiles()
        try writer.writeNetwork()
        try writer.writeExtensions()
        return [writer.simulationFile(seed: seed)] + writer.files
    }

    /// The ComponentTypes of `brc_extensions.xml`. brcc reads their components as the brc:
    /// elements they stand for; other LEMS tools simulate the noise current with their own
    /// random numbers (a fresh N(mean, sd) draw every step, Box-Muller) and ignore the others.
    static let extensionTypes = """
        <!-- brc:noiseCurrent: a current drawn from N(mean, sd) afresh every time step. brcc draws it from its
             counter-based generator keyed by seed and id (the same numbers as the brc model); other LEMS
             tools draw their own. -->
        <ComponentType name="brcNoiseCurrent" extends="basePointCurrent" description="Gaussian white-noise current (brcc's brc:noiseCurrent)">
            <Parameter name="mean" dimension="current"/>
            <Parameter name="sd" dimension="current"/>
            <Parameter name="seed" dimension="none"/>
            <Constant name="PI" dimension="none" value="3.141592653589793"/>
            <Dynamics>
                <StateVariable name="i" dimension="current" exposure="i"/>
                <OnStart>
                    <StateAssignment variable="i" value="mean + sd * sqrt(-2 * log(1 - random(1))) * cos(2 * PI * random(1))"/>
                </OnStart>
                <OnCondition test="t .geq. 0">
                    <StateAssignment variable="i" value="mean + sd * sqrt(-2 * log(1 - random(1))) * cos(2 * PI * random(1))"/>
                </OnCondition>
            </Dynamics>
        </ComponentType>
        <!-- brc:randomInitialPotential: the population's membrane potential starts uniform in [min, max], drawn per
             compartment (perCompartment 1) or per cell (0) from brcc's generator keyed by seed. -->
        <ComponentType name="brcRandomInitialPotential" description="random initial membrane potentials of a population (brcc)">
            <Text name="population"/>
            <Parameter name="min" dimension="voltage"/>
            <Parameter name="max" dimension="voltage"/>
            <Parameter name="seed" dimension="none"/>
            <Parameter name="perCompartment" dimension="none"/>
        </ComponentType>
        <!-- brc:poissonSource: a Poisson spike source of its own seed. brcc spikes in each step with probability
             rate x step, from its counter-based generator keyed by seed, population and cell (the same spikes as
             the brc model); other LEMS tools draw exponential intervals with their own numbers. -->
        <ComponentType name="brcPoissonSource" extends="baseSpikeSource" description="Poisson spike source with a seed (brcc's brc:poissonSource)">
            <Parameter name="rate" dimension="per_time"/>
            <Parameter name="seed" dimension="none"/>
            <Dynamics>
                <StateVariable name="tsince" dimension="time" exposure="tsince"/>
                <StateVariable name="tnext" dimension="time"/>
                <TimeDerivative variable="tsince" value="1"/>
                <OnStart>
                    <StateAssignment variable="tsince" value="0"/>
                    <StateAssignment variable="tnext" value="-log(1 - random(1)) / rate"/>
                </OnStart>
                <OnCondition test="t .gt. tnext">
                    <StateAssignment variable="tsince" value="0"/>
                    <StateAssignment variable="tnext" value="t - log(1 - random(1)) / rate"/>
                    <EventOut port="spike"/>
                </OnCondition>
            </Dynamics>
        </ComponentType>
        <!-- brc:initialGates: every gate of the cell's channels starts at value (NeuroML starts them at steady state). -->
        <ComponentType name="brcInitialGates" description="initial value of every channel gate of a cell (brcc)">
            <Text name="cell"/>
            <Parameter name="value" dimension="none"/>
        </ComponentType>

    """

    // MARK: - XML

    /// `network` with the networks it extends (`brc:extends`), by lowering's rule
    /// (`Lowering.network(_:extending:)`; the model has lowered, so the chain ends).
    static func expand(_ net: Element, networks: [Element], depth: Int = 0) -> Element {
        guard let ext = net["extends"], depth < 32, let base = networks.first(where: { $0.id == ext }) else { return net }
        return Lowering.network(net, extending: expand(base, networks: networks, depth: depth + 1))
    }

    static func wrap(_ body: String, neuroml: Bool, id: String) -> String {
        var s = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        if neuroml {
            s += "<neuroml xmlns=\"\(neuromlNamespace)\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"\n"
            s += "         xsi:schemaLocation=\"\(schemaLocation)\" id=\"\(xmlEscaped(NmlId.made(id)))\">\n"
            return s + body + "</neuroml>\n"
        }
        return s + "<Lems>\n" + body + "</Lems>\n"
    }

    /// Whether `write` writes a child: not a brc: element, a note or an annotation.
    static func isWritten(_ el: Element) -> Bool { el.namespace != brcNamespace && el.name != "notes" && el.name != "annotation" }

    /// Writes `el` without its brc: children (and attributes brcc reads only as brc:), notes and
    /// annotations. `type`, the element's NeuroML schema type where known, puts its children in
    /// the schema's order (`NeuroMLSchemaOrder`).
    static func write(_ el: Element, type: String? = nil, indent: Int, into out: inout String) {
        let pad = String(repeating: "    ", count: indent)
        out += "\(pad)<\(el.name)"
        for a in el.attributes where !(el.name == "network" && a.name == "extends") {
            out += " \(a.name)=\"\(xmlEscaped(a.value))\""
        }
        let children = el.children.filter(isWritten)
        if children.isEmpty { out += "/>\n"; return }
        out += ">\n"
        for (c, t) in NeuroMLSchemaOrder.ordered(children, of: type) { write(c, type: t, indent: indent + 1, into: &out) }
        out += "\(pad)</\(el.name)>\n"
    }


    /// A number that reads back as the same Double (Swift's shortest round-trip form).
    static func number(_ x: Double) -> String { "\(x)" }

    /// `v` (internal units) as a quantity in `unit` that brcc reads back as exactly `v`: units
    /// are converted through SI (x mV -> x·1e-3 V -> internal), which is not exact for every x,
    /// so the doubles next to `v` are tried too.
    static func q(_ v: Double, _ unit: String) throws -> String {
        func reads(_ x: Double) -> Bool {
            guard case .success(let p) = Quantity.parse("\(x)\(unit)") else { return false }
            return p.inInternalUnits == v || (p.inInternalUnits.isNaN && v.isNaN)
        }
        if reads(v) { return "\(v)\(unit)" }
        var up = v, down = v
        for _ in 0..<256 {
            up = up.nextUp; down = down.nextDown
            if reads(up) { return "\(up)\(unit)" }
            if reads(down) { return "\(down)\(unit)" }
        }
        throw Unsupported(description: "\(v) \(unit) (internal units) has no decimal form that reads back exactly")
    }
}

extension Element {
    mutating func set(_ name: String, _ value: String) {
        if let i = attributes.firstIndex(where: { $0.name == name }) { attributes[i].value = value }
        else { attributes.append(Attribute(name: name, value: value, location: location)) }
    }

    /// Applies `body` to the descendant with id `id`; false if there is none.
    mutating func updateDescendant(id: String, _ body: (inout Element) -> Void) -> Bool {
        for i in children.indices {
            if children[i].id == id { body(&children[i]); return true }
            if children[i].updateDescendant(id: id, body) { return true }
        }
        return false
    }

    mutating func updateDescendants(named name: String, _ body: (inout Element) -> Void) {
        for i in children.indices {
            if children[i].name == name { body(&children[i]) }
            children[i].updateDescendants(named: name, body)
        }
    }
}

extension Driver {
    /// Writes the NeuroML export of the model at `path` into `directory` and returns the paths
    /// written, the LEMS simulation first (`brcc run DIR/LEMS_<sim>.xml`).
    @discardableResult
    public static func exportNeuroML(_ path: String, to directory: URL, seed: UInt64? = nil) throws -> [URL] {
        let sink = DiagnosticSink()
        guard FileManager.default.fileExists(atPath: path) else { throw DriverError.usage("no such file: \(path)") }
        guard let doc = Loader.load(path, sink: sink), !sink.hasErrors else { throw DriverError.model(sink.diagnostics) }
        return try exportNeuroML(doc, sink: sink, to: directory, seed: seed)
    }

    /// As `exportNeuroML(_:to:)`, for a model given as text (includes resolve relative to `path`).
    @discardableResult
    public static func exportNeuroML(text: String, path: String, to directory: URL) throws -> [URL] {
        let sink = DiagnosticSink()
        guard let doc = Loader.load(text: text, path: path, sink: sink), !sink.hasErrors else { throw DriverError.model(sink.diagnostics) }
        return try exportNeuroML(doc, sink: sink, to: directory)
    }

    static func exportNeuroML(_ doc: Document, sink: DiagnosticSink, to directory: URL, seed: UInt64? = nil) throws -> [URL] {
        guard let ir = Lowering.lower(doc, sink: sink), !sink.hasErrors else { throw DriverError.model(sink.diagnostics) }
        return try exportNeuroML(doc, model: ir, to: directory, seed: seed)
    }

    /// Writes the NeuroML export of `doc`, whose lowering is `ir` (`checkDocument`), into `directory`.
    public static func exportNeuroML(_ doc: Document, model ir: IRModel, to directory: URL, seed: UInt64? = nil) throws -> [URL] {
        let files: [NeuroMLExport.File]
        do { files = try NeuroMLExport.emit(doc, model: ir, seed: seed) } catch let e as NeuroMLExport.Unsupported {
            throw DriverError.usage("cannot export to NeuroML: \(e.description)")
        }
        // Exported into the model's own folder, a file would replace the model file it came from.
        try refuseReplacingModelFiles(files.map(\.name), in: directory, modelFiles: doc.files, option: "--neuroml")
        return try writeTogether(files.map { ($0.name, $0.text) }, in: directory)
    }
}
