import BRCDiagnostics
import BRCIR
import BRCSyntax
import BRCUnits

/// What brcc does with each standard NeuroML2 element: lowered natively, compiled from its
/// ComponentType in the bundled core library, or not supported yet (with the first reason).
/// Computed with the predicates the lowering itself uses, so docs/language.md's generated
/// section (section 3.10, checked by a test) cannot drift from what brcc accepts.
public enum SupportTable {
    /// How brcc treats a core type: lowered by hand (`native`), compiled from its
    /// ComponentType (`compiled`), or refused with the reason.
    public enum Status: Equatable, Sendable {
        /// Lowered by brcc's own code, not from the ComponentType.
        case native
        /// Compiled from its ComponentType in the bundled core library.
        case compiled
        /// Refused; the text is the first reason.
        case unsupported(String)
    }

    /// One core type: its element name, the core file that defines it, its kind (cell,
    /// synapse, input, ...) and its status.
    public struct Row: Sendable {
        /// The element name a model writes, e.g. `izhikevich2007Cell`.
        public var element: String
        /// The name of the bundled core-library file that defines it, e.g. `Cells.xml`.
        public var file: String
        /// The kind, from the base type it extends: `cell`, `synapse`, `input`, `ion channel` and so on.
        public var kind: String
        /// What brcc does with it.
        public var status: Status
    }

    /// Standard elements with a hand-written lowering (measurably faster, or what LEMS cannot
    /// express: cables, channel densities).
    static let native: Set<String> = {
        ChannelLowering.channelKinds.union(ChannelLowering.gateKinds).union(SynapseLowering.standardKinds)
            .union(AbstractCellLowering.nativeCells).union(Biophysics.membraneElements).union(Biophysics.intracellularElements).union(PoolLowering.kinds).union(["gate"]).union(GeneratorLowering.kinds).union(SpikeInputs.kinds)
            .union(["pulseGenerator", "sineGenerator", "compoundInput", "compoundInputDL", "HHExpRate", "HHSigmoidRate", "HHExpLinearRate",
                    "HHExpVariable", "HHSigmoidVariable", "HHExpLinearVariable", "fixedTimeCourse", "q10ExpTemp", "q10Fixed", "q10ConductanceScaling",
                    "channelPopulation", "network", "population", "projection", "connection", "connectionWD",
                    "synapticConnection", "synapticConnectionWD", "explicitInput", "inputList", "input", "Simulation",
                    "OutputFile", "OutputColumn", "EventOutputFile", "EventSelection", "Display", "Line",
                    "morphology", "segment", "segmentGroup", "biophysicalProperties", "membraneProperties", "biophysicalProperties2CaPools", "membraneProperties2CaPools", "intracellularProperties2CaPools",
                    "intracellularProperties",
                    "voltageConcDepBlockMechanism", "tsodyksMarkramDepMechanism", "tsodyksMarkramDepFacMechanism", "spike"])
    }()

    /// The kinds reported, by the base type an element's type reaches (first match).
    static let kinds: [(base: String, kind: String)] = [
        ("baseCell", "cell"), ("baseChannelPopulation", "channel population"), ("baseSynapse", "synapse"), ("baseSynapseDL", "synapse"), ("baseSpikeSource", "spike source"),
        ("basePointCurrent", "input"), ("basePointCurrentDL", "input"), ("baseVoltageDepPointCurrent", "input"),
        ("baseIonChannel", "ion channel"), ("baseGate", "gate"), ("baseVoltageDepRate", "rate"), ("baseVoltageDepVariable", "rate"),
        ("baseVoltageDepTime", "rate"), ("concentrationModel", "concentration model"), ("species", "species"), ("baseChannelDensity", "channel density"),
        ("baseBlockMechanism", "block mechanism"), ("basePlasticityMechanism", "plasticity mechanism"), ("baseProjection", "projection"),
        ("baseConnection", "connection"), ("baseConductanceScaling", "conductance scaling"), ("baseQ10Settings", "q10 setting"),
    ]

    /// Abstract core types whose names do not start with `base`.
    static let abstract: Set<String> = ["concentrationModel"]

    /// What a native lowering accepts of an element, where it is less than the element allows
    /// (from the lowering's own tables).
    static var notes: [String: String] {
        let ions = "ion " + PoolLowering.valence.keys.sorted().joined(separator: ", ")
        return ["decayingPoolConcentrationModel": ions, "fixedFactorConcentrationModel": ions, "fixedFactorConcentrationModelTraub": ions, "species": ions, "channelDensityNernst": ions,
                "channelDensityNonUniformNernst": ions, "gate": "the generic form `<gate type=...>` of the other gate kinds", "channelDensityGHK": "ion ca", "channelDensityGHK2": "ion ca", "channelDensityNonUniformGHK": "ion ca"]
    }

    /// Every core ComponentType that is not abstract (`base...`), classified.
    public static func rows(_ doc: Document) -> [Row] {
        let ctx = Context(document: doc, sink: DiagnosticSink())
        Lowering.index(doc, ctx: ctx)
        var out: [Row] = []
        for el in doc.coreTypes {
            guard let name = el["name"], !name.hasPrefix("base"), !abstract.contains(name), let def = ctx.coreTypes[name] else { continue }
            let ancestors = ComponentTypeDef.lineage(def.name, ctx: ctx)
            guard let kind = kinds.first(where: { ancestors.contains($0.base) })?.kind else { continue }
            out.append(Row(element: name, file: el.location.fileName, kind: kind, status: status(name, def: def, kind: kind, ctx: ctx)))
        }
        return out.sorted { ($0.kind, $0.element) < ($1.kind, $1.element) }
    }

    static func status(_ name: String, def: ComponentTypeDef, kind: String, ctx: Context) -> Status {
        if native.contains(name) { return .native }
        let chain = def.resolved(in: ctx)
        if let p = chain.flatMap(\.problemsAsLeaf).first {
            let m = p.message.replacingOccurrences(of: "not supported yet: ", with: "")
            return .unsupported("uses \(m)")
        }
        // A trial lowering of a component with every parameter set to 1 (in some unit of its
        // dimension): the status is whether the lowering accepts it, else its first error.
        let probe = Element(name: name, attributes: [Attribute(name: "id", value: "probe", location: def.element.location)]
                            + ((SynapseLowering.bases[def.rootBase(in: ctx)] ?? []).map { ComponentTypeDef.Named(name: $0.0, dimension: $0.1, location: def.element.location) }
                               + chain.flatMap(\.parameters)).map { Attribute(name: $0.name, value: one($0.dimension), location: def.element.location) },
                            location: def.element.location)
        let sink = DiagnosticSink()
        let trial = Context(document: ctx.document, sink: sink)
        trial.componentTypes = ctx.componentTypes
        trial.coreTypes = ctx.coreTypes
        var tried = true
        switch kind {
        case "cell", "spike source":
            guard AbstractCellLowering.cellType(of: probe, ctx: trial) != nil else { tried = false; break }
            // (A probe places no channel, so it meets no calcium to fix.)
            _ = AbstractCellLowering.lower(probe, def: def, mechanismIndex: { _, _ in nil }, mechanisms: { [] },
                                           fixedCalcium: { preconditionFailure("a probe places no channel") }, ctx: trial)
        case "synapse":
            guard SynapseLowering.isCoreSynapse(name, ctx: trial) else { tried = false; break }
            _ = SynapseLowering.custom(def, probe, ctx: trial)
        case "input":
            guard LEMSInputs.isPointCurrent(probe, ctx: trial) else { tried = false; break }
            _ = SynapseLowering.custom(def, probe, input: true, ctx: trial)
        default:
            return .unsupported("no lowering for this kind yet")
        }
        if let e = sink.errors.first {
            return .unsupported(e.message.replacingOccurrences(of: "not supported yet: ", with: "").replacingOccurrences(of: "<\(name)> (id \"probe\"): ", with: ""))
        }
        if tried && !sink.hasErrors { return .compiled }
        return .unsupported("no lowering for this kind yet")
    }

    /// "1" in a unit of `d` (plain "1" for none).
    static func one(_ d: Dimension) -> String {
        if d.isNone { return "1" }
        let u = UnitTable.shared.units.values.filter { $0.dimension == d && $0.offset == 0 }.min { $0.symbol < $1.symbol }
        return u.map { "1 \($0.symbol)" } ?? "1"
    }

    /// The generated section of docs/language.md.
    public static func markdown(_ doc: Document) -> String {
        let rows = rows(doc)
        var s = "| element | kind | defined in | brcc |\n|---|---|---|---|\n"
        for r in rows {
            let st: String
            switch r.status {
            case .native: st = "native lowering" + (notes[r.element].map { " (\($0))" } ?? "")
            case .compiled: st = "compiled from its ComponentType"
            case .unsupported(let why): st = "not supported yet: \(why.replacingOccurrences(of: "|", with: "\\|"))"
            }
            s += "| `\(r.element)` | \(r.kind) | \(r.file) | \(st) |\n"
        }
        let count = { (f: (Status) -> Bool) in rows.filter { f($0.status) }.count }
        s += "\n\(count { $0 == .native }) native, \(count { $0 == .compiled }) compiled from the core types, "
        s += "\(count { if case .unsupported = $0 { return true } else { return false } }) not supported yet.\n"
        return s
    }
}
