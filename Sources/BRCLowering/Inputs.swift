import BRCDiagnostics
import BRCIR
import BRCSyntax

/// Inputs compiled from their LEMS ComponentType (a type extending basePointCurrent or
/// baseVoltageDepPointCurrent, e.g. the core library's rampGenerator and voltageClampTriple, or
/// a model's own): a point process without events on the target node, whose current is the
/// type's `i` at mid-step, as pulseGenerator's is.
enum LEMSInputs {
    static func type(of el: Element, ctx: Context) -> ComponentTypeDef? {
        ctx.type(named: el.name == "Component" ? (el["type"] ?? "") : el.name)
    }

    static func isPointCurrent(_ el: Element, ctx: Context) -> Bool {
        guard let def = type(of: el, ctx: ctx) else { return false }
        return ["basePointCurrent", "baseVoltageDepPointCurrent", "basePointCurrentDL"].contains(def.rootBase(in: ctx))
    }

    static func add(_ el: Element, label: String, population: Int, cell: Int, node: Int, model: inout IRModel, ctx: Context) {
        guard let def = type(of: el, ctx: ctx) else { return }
        let ct = model.populations[population].cellType
        let dimensionless = def.rootBase(in: ctx) == "basePointCurrentDL"
        guard dimensionless == ctx.dimensionlessCells.contains(model.cellTypes[ct].name) else {
            ctx.error("BRC-E0103", "not supported: a \(dimensionless ? "dimensionless" : "dimensional") input (<\(el.name)> '\(el.id ?? "")') on cell type '\(model.cellTypes[ct].name)', whose synaptic current is \(dimensionless ? "a current" : "dimensionless")",
                      at: el.location, hint: dimensionless ? "use the input without DL (e.g. pulseGenerator)" : "use the DL form of the input (e.g. pulseGeneratorDL)")
            return
        }
        let lowered: (synapse: Int, values: [Double])?
        if let cached = ctx.inputSynapses[el.location] {
            lowered = cached
        } else {
            if let low = ctx.reportingCoreErrors(at: el, type: def.name, { SynapseLowering.custom(def, el, input: true, ctx: ctx) }) {
                var syn = low.synapse
                syn.name = "input_\(el.id ?? def.name)"
                lowered = (model.synapses.count, low.values)
                model.synapses.append(syn)
            } else {
                lowered = nil
            }
            ctx.inputSynapses[el.location] = .some(lowered)
        }
        guard let (s, values) = lowered else { return }
        let instance = IRSynapseGroup.Instance(population: population, cell: cell, node: node, values: values)
        if let g = model.synapseGroups.firstIndex(where: { $0.synapse == s && $0.cellType == ct }) {
            model.synapseGroups[g].instances.append(instance)
        } else {
            model.synapseGroups.append(IRSynapseGroup(label: "\(model.synapses[s].name) on \(model.cellTypes[ct].name)", synapse: s, cellType: ct, instances: [instance]))
        }
    }
}
