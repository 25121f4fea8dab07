import BRCDiagnostics
import BRCIR
import BRCSyntax

/// The plain-LEMS forms of the `brc:` elements NeuroML cannot express, as `brcc export
/// --neuroml` writes them (docs/language.md, "Exporting to NeuroML"): ComponentTypes
/// defined in the export's `brc_extensions.xml` and components of them. brcc gives these
/// four type names its own meaning (the definitions are for other LEMS tools):
///
///     <brcNoiseCurrent id="noise_E_current" mean="0nA" sd="0.06nA" seed="11"/>      (= brc:noiseCurrent)
///     <brcRandomInitialPotential id="E_v0" population="E" min="-80mV" max="-40mV" seed="21" perCompartment="1"/>
///     <brcInitialGates id="study_E_gates" cell="study_E" value="0.2"/>               (= brc:initialGates)
///     <brcPoissonSource id="background" rate="20Hz" seed="7"/>                      (= brc:poissonSource)
public enum PlainExtensions {
    static let noiseCurrent = "brcNoiseCurrent"
    static let randomInitialPotential = "brcRandomInitialPotential"
    static let initialGates = "brcInitialGates"
    static let poissonSource = "brcPoissonSource"
    /// ComponentType names brcc knows natively: their definitions are not read.
    public static let typeNames: Set<String> = [noiseCurrent, randomInitialPotential, initialGates, poissonSource]

    /// A `<brcNoiseCurrent>` or `<brc:noiseCurrent>` as its waveform (the same attributes).
    static func noise(_ el: Element, ctx: Context) -> IRStimulus.Waveform? {
        ctx.checkAttributes(el, required: ["id", "sd", "seed"], optional: ["mean"])
        let mean = el.attribute("mean") != nil ? ctx.quantity(el, "mean", .current) : 0
        guard let mean, let sd = ctx.quantity(el, "sd", .current), let seed = ctx.seed(el) else { return nil }
        guard sd >= 0 else {
            ctx.error("BRC-E0802", "sd of a noise current must not be negative", at: el.attribute("sd")!.location, hint: "e.g. sd=\"0.06nA\"")
            return nil
        }
        return .noise(mean: mean, sd: sd, seed: seed, stream: fnv1a64(el.id ?? ""))
    }

    /// Applies the top-level `<brcRandomInitialPotential>` and `<brcInitialGates>` components to
    /// the lowered network.
    static func apply(_ doc: Document, model: inout IRModel, ctx: Context) {
        // A component refused already (its ComponentType undeclared, a duplicate id) says nothing more.
        for el in doc.elements where el.namespace != NetworkLowering.brcNamespace && !(el.id.map(ctx.rejected.contains) ?? false) {
            switch el.name {
            case randomInitialPotential:
                ctx.checkAttributes(el, required: ["id", "population", "min", "max", "seed"], optional: ["perCompartment"])
                guard let pa = el.attribute("population"), let lo = ctx.quantity(el, "min", .voltage), let hi = ctx.quantity(el, "max", .voltage),
                      let seed = ctx.seed(el) else { continue }
                guard let p = model.populations.firstIndex(where: { $0.name == pa.value }) else {
                    ctx.error("BRC-E1001", "population '\(pa.value)' is not in the simulated network", at: pa.location,
                              hint: ctx.choices("populations", model.populations.map(\.name), for: pa.value))
                    continue
                }
                guard lo <= hi else {
                    ctx.error("BRC-E0801", "min (\(IRPrinter.num(lo)) mV) is above max (\(IRPrinter.num(hi)) mV)", at: el.attribute("min")!.location, hint: "swap the bounds")
                    continue
                }
                let per = el.attribute("perCompartment") != nil ? ctx.number(el, "perCompartment") : 1
                guard let per else { continue }
                // A LEMS parameter standing for a flag: 2 or 0.5 read as "per compartment" before.
                guard per == 0 || per == 1 else {
                    ctx.error("BRC-E0104", "perCompartment=\"\(el["perCompartment"] ?? "")\" is neither 1 (a potential per compartment) nor 0 (one per cell)",
                              at: el.attribute("perCompartment")!.valueLocation, hint: "write perCompartment=\"1\" or \"0\"")
                    continue
                }
                model.populations[p].randomInitialPotential = .init(min: lo, max: hi, seed: seed, perCompartment: per == 1)
            case initialGates:
                ctx.checkAttributes(el, required: ["id", "cell", "value"])
                guard let ca = el.attribute("cell"), let v = ctx.number(el, "value") else { continue }
                let indices = model.cellTypeIndices(named: ca.value)
                guard !indices.isEmpty else {
                    ctx.error("BRC-E1004", "cell '\(ca.value)' is not defined", at: ca.location, hint: ctx.choices("cells", model.cellTypes.map(\.name), for: ca.value))
                    continue
                }
                guard (0...1).contains(v) else {
                    ctx.error("BRC-E0322", "brcInitialGates value=\(v) is not a gate fraction", at: el.attribute("value")!.valueLocation,
                              hint: "give a fraction between 0 and 1")
                    continue
                }
                for i in indices { model.cellTypes[i].initialGateValue = v }
            default: continue
            }
        }
    }
}
