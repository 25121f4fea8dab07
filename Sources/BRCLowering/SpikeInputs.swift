import BRCDiagnostics
import BRCIR
import BRCSyntax

/// Inputs that are spike trains into a synapse of their own on the target
/// (poissonFiringSynapse, transientPoissonFiringSynapse, timedSynapticInput): a one-cell
/// generator population (a renewal process or spike times) connected without delay to an
/// instance of the named synapse on the target compartment, as each input's ComponentType
/// does with its child synapse. Each input of a component draws its own spike train.
enum SpikeInputs {
    /// The elements lowered here.
    static let kinds: Set<String> = ["poissonFiringSynapse", "transientPoissonFiringSynapse", "timedSynapticInput"]

    static func add(_ el: Element, label: String, population: Int, cell: Int, node: Int, weight: Double = 1, model: inout IRModel, ctx: Context) {
        let generator: IRGenerator
        let seed = fnv1a64("\(el.id ?? ""):\(label)")
        switch el.name {
        case "poissonFiringSynapse":
            ctx.checkAttributes(el, required: ["id", "averageRate", "synapse", "spikeTarget"])
            guard let r = ctx.quantity(el, "averageRate", .perTime, bound: .positive), Resources.spikeIntervalFits(1 / r, el, "averageRate", ctx: ctx) else { return }
            generator = .renewal(.exponential, minimum: 0, scale: 1 / r, start: 0, stop: .infinity, seed: seed)
        case "transientPoissonFiringSynapse":
            ctx.checkAttributes(el, required: ["id", "averageRate", "delay", "duration", "synapse", "spikeTarget"])
            guard let r = ctx.quantity(el, "averageRate", .perTime, bound: .positive), let d = ctx.quantity(el, "delay", .time, bound: .nonNegative),
                  let dur = ctx.quantity(el, "duration", .time, bound: .nonNegative), Resources.spikeIntervalFits(1 / r, el, "averageRate", ctx: ctx) else { return }
            generator = .renewal(.exponential, minimum: 0, scale: 1 / r, start: d, stop: d + dur, seed: seed)
        default:  // timedSynapticInput
            ctx.checkAttributes(el, required: ["id", "synapse", "spikeTarget"])
            var times: [Double] = []
            for c in el.children where !c.isMetadata {
                guard c.name == "spike" else { ctx.unsupported(c, in: el.name, supported: ["spike"]); return }
                // The NeuroML schema numbers each spike; LEMS (and jLEMS) need only the time,
                // and published models (the NeuroML2 repository's Ex16a, Ex23a) leave the id out.
                ctx.checkAttributes(c, required: ["time"], optional: ["id"])
                guard let t = ctx.quantity(c, "time", .time) else { return }
                times.append(t)
            }
            // NEURON's delivery of events at these times: jNeuroML's export drives the input by
            // NetStims (a spikeArray population, exported otherwise, keeps `.times`).
            generator = .eventTimes(times.sorted())
        }
        guard let synA = el.attribute("synapse"), let target = el.attribute("spikeTarget") else { return }
        guard ["./\(synA.value)", synA.value].contains(target.value) else {
            ctx.error("BRC-E0103", "not supported yet: a spikeTarget other than the input's own synapse ('./\(synA.value)')", at: target.location,
                      hint: "write spikeTarget=\"./\(synA.value)\"")
            return
        }
        // The synapse, compiled once per synapse element.
        guard let synEl = ctx.byId[synA.value] else {
            ctx.undefined(synA.value, "BRC-E0107", "synapse '\(synA.value)' is not defined", at: synA.location, hint: "define it, e.g. <expTwoSynapse id=\"\(synA.value)\" .../>")
            return
        }
        guard let (s, values) = ctx.loweredOnce(synEl, model: &model, { SynapseLowering.lower(synEl, ctx: ctx) }),
              SynapseLowering.fitsPotential(model.synapses[s], on: model.cellTypes[model.populations[population].cellType], at: synA.location, ctx: ctx) else { return }
        let (g, _) = model.addSynapseInstance(.init(population: population, cell: cell, node: node, values: values), synapse: s, kind: "input ")
        // Generator populations are named uniquely (ids have no '@' or '#'): the k-th input of
        // one name (k > 1: an explicitInput written twice) is `name#k`. Its train is its own
        // already (streams are keyed by source).
        let name = "\(el.id ?? el.name)@\(label)", uses = ctx.spikeInputUses[name, default: 0] + 1
        ctx.spikeInputUses[name] = uses
        let gp = model.generatorPopulations.count
        model.generatorPopulations.append(IRGeneratorPopulation(name: uses == 1 ? name : "\(name)#\(uses)", size: 1, generator: generator,
                                                                idSeed: generator.seed, spikeInput: IRSpikeInputOrigin(input: el.id ?? el.name, label: label)))
        // (A new generator population has no source yet: looking one up would read every
        // source, once per input, which made a model of one input per cell quadratic.)
        let source = model.addGeneratorSource(population: gp, cell: 0)
        let projection = model.addProjection("\(el.id ?? el.name) -> \(label)", synapse: s, values: values)
        // An inputW's weight scales the synapse's response to each spike, as a connection weight does.
        model.connections.append(IRConnection(source: source, group: g, instance: model.synapseGroups[g].instances.count - 1, weight: weight, delay: 0, projection: projection))
    }
}
