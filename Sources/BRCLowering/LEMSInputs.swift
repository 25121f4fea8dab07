import BRCDiagnostics
import BRCIR
import BRCSyntax
import BRCUnits

/// Inputs compiled from their LEMS ComponentType (a type extending basePointCurrent or
/// baseVoltageDepPointCurrent, e.g. the core library's rampGenerator and voltageClampTriple, or
/// a model's own): a point process without events on the target node, whose current is the
/// type's `i` at mid-step, as pulseGenerator's is.
public enum LEMSInputs {
    /// The name of the process of input component `id` (how recorded paths find it).
    public static func processName(_ id: String) -> String { "input_" + id }

    static func isPointCurrent(_ el: Element, ctx: Context) -> Bool {
        guard let def = ctx.type(of: el) else { return false }
        return ["basePointCurrent", "baseVoltageDepPointCurrent", "basePointCurrentDL"].contains(def.rootBase(in: ctx))
    }

    static func add(_ el: Element, label: String, population: Int, cell: Int, node: Int, model: inout IRModel, ctx: Context) {
        guard let def = ctx.type(of: el) else { return }
        let ct = model.populations[population].cellType
        let dimensionless = def.rootBase(in: ctx) == "basePointCurrentDL"
        guard dimensionless == ctx.dimensionlessCells.contains(model.cellTypes[ct].name) else {
            ctx.error("BRC-E0103", "not supported: a \(dimensionless ? "dimensionless" : "dimensional") input (<\(el.name)> '\(el.id ?? "")') on cell type '\(model.cellTypes[ct].name)', whose synaptic current is \(dimensionless ? "a current" : "dimensionless")",
                      at: el.location, hint: dimensionless ? "use the input without DL (e.g. pulseGenerator)" : "use the DL form of the input (e.g. pulseGeneratorDL)")
            return
        }
        _ = place(el, lowered: {
            guard var low = ctx.reportingCoreErrors(at: el, type: def.name, { SynapseLowering.custom(def, el, input: true, ctx: ctx) }) else { return nil }
            low.synapse.name = processName(el.id ?? def.name)
            return low
        }, population: population, cell: cell, node: node, model: &model, ctx: ctx)
    }

    /// A compoundInput of LEMS-compiled children as one process, as jNeuroML's export writes it:
    /// each child's states and conditions (names prefixed c0_, c1_, ...), the current their
    /// sum, with NEURON's numerical di/dv taken before the conditions (the export derives the
    /// sum in rates() from the children's states, before BREAKPOINT's conditions update them).
    /// Nil if a child is not an input brcc compiles from its ComponentType.
    static func compound(_ el: Element, ctx: Context) -> SynapseLowering.Lowered? {
        let children = el.children.filter { !$0.isMetadata }
        guard !children.isEmpty else { return nil }
        var params: [String] = [], dims: [BRCUnits.Dimension] = [], values: [Double] = [], states: [IRState] = [], locals: [IRAssignment] = []
        var conditions: [IRCondition] = [], onEvent: [IRStateAssignment] = []
        var current: IRExpr? = nil
        for (k, c) in children.enumerated() {
            guard isPointCurrent(c, ctx: ctx), let def = ctx.type(of: c), def.rootBase(in: ctx) == "basePointCurrent" else { return nil }
            guard let low = ctx.reportingCoreErrors(at: c, type: def.name, { SynapseLowering.custom(def, c, input: true, ctx: ctx) }) else { return nil }
            let syn = SynapseLowering.renamed(low.synapse, prefix: "c\(k)_", exposurePrefix: "\(c.id ?? "c\(k)")/")
            params += syn.parameters; dims += syn.parameterDimensions; values += low.values
            states += syn.states; locals += syn.locals; conditions += syn.conditions; onEvent += syn.onEvent
            current = current.map { .binary(.add, $0, syn.current) } ?? syn.current
        }
        // The compound's i: its Property weight (an inputW's) times the sum of its children's.
        let weight = SynapseLowering.inputWeightParameter
        let i = IRExpr.binary(.mul, .ref(weight), current!)
        var syn = IRSynapse(name: processName(el.id ?? "compoundInput"), origin: "<compoundInput id=\"\(el.id ?? "")\"> at \(el.location.shortDescription)",
                            parameters: params + [weight], locals: locals, states: states, current: i, onEvent: onEvent, conditions: conditions)
        syn.parameterDimensions = dims + [.none]
        syn.derivativeBeforeConditions = true
        // The compound's own i (a Display's pop/0/cell/compound/i).
        syn.exposures["i"] = IRExposure(i, siScale: BRCUnits.Dimension.current.internalScale)
        guard Resources.kernelFits(syn.kernelOperations, "<compoundInput id=\"\(el.id ?? "")\">", at: el, ctx: ctx) else { return nil }
        return SynapseLowering.Lowered(synapse: syn, values: values + [1])
    }

    /// Adds an already lowered input process (cached by the element's location) on a node.
    static func place(_ el: Element, lowered make: () -> SynapseLowering.Lowered?, population: Int, cell: Int, node: Int, model: inout IRModel, ctx: Context) -> Bool {
        guard let (s, values) = ctx.loweredOnce(el, model: &model, make),
              SynapseLowering.fitsPotential(model.synapses[s], on: model.cellTypes[model.populations[population].cellType], at: el.location, ctx: ctx) else { return false }
        model.addSynapseInstance(.init(population: population, cell: cell, node: node, values: values), synapse: s)
        return true
    }
}
