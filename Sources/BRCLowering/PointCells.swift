import BRCDiagnostics
import BRCIR
import BRCSyntax
import BRCUnits

/// Lowers NeuroML's `<pointCellCondBased>` (an absolute capacitance `C` and `channelPopulation`s
/// of `number` channels of single-channel conductance `conductance`) to a one-compartment cell
/// type, as NEURON's export does: a single section whose area makes `cm * area = C` at
/// 1 uF/cm2, each population a density `number * conductance / area`. Where the export holds
/// the cell's current from its last state update (explicit in v; `holdsCurrent`), the
/// channels are their held-current variants (`heldCurrent`; docs/numerics.md).
enum PointCellLowering {
    /// Specific capacitance of the equivalent compartment (1 uF/cm2 in nF/um2).
    static let cm = 1e-5

    /// `m` as jNeuroML's NEURON export integrates the channels of a pointCellCondBased: the
    /// whole cell is one point process whose current, `v_I * C`, its `rates()` computes in the
    /// state update, from the new v and the conductance of the step's current phase (the gates'
    /// fcond from before the update), and which the next solve uses as it is (di/dv = 0). So
    /// the channel's current becomes a state, `i_held` (nA/um2, 0 at the start as the export's
    /// v_I), assigned from the present current expression in the state update, and read by the
    /// current phase. The leak, ungated, is held the same way.
    static func heldCurrent(_ m: IRMechanism) -> IRMechanism {
        var h = m
        var state = "i_held"
        while m.states.contains(where: { $0.name == state }) || m.parameters.contains(state) || m.locals.contains(where: { $0.name == state }) { state += "_" }
        h.origin = m.origin + ", its current held as in a pointCellCondBased"
        let present = m.current ?? .binary(.mul, m.conductance, .binary(.sub, .ref("v"), m.reversal))
        h.states.append(IRState(name: state, initial: .const(0), update: .assign(present)))
        h.current = .ref(state)
        return h
    }

    /// Whether the export holds a pointCellCondBased's current: when one of its channels has a
    /// state with a rate, its mod file has a DERIVATIVE block whose `rates()` computes the
    /// current. Otherwise (passive cells, instantaneous gates) `rates()` runs in BREAKPOINT at
    /// the present v, and NEURON linearises the current as a cable cell's (Ex3's hhcell_2).
    static func holdsCurrent(_ channels: [IRMechanism]) -> Bool {
        channels.contains { m in
            m.states.contains { st in
                switch st.update {
                case .exponential, .linear, .euler: return true
                case .instantaneous, .assign, .none: return false
                }
            }
        }
    }

    /// The potential at which a pointCellCondBased sends its spikes (mV): 0, not its `thresh`.
    /// jNeuroML's NEURON export connects such a cell by a NetCon on its v whose threshold
    /// (`NRNUtils.getThreshold`) is the cell's only for IaF and PyNN cells and 0 mV for every
    /// other abstract cell; brcc follows NEURON (Ex3: 0.035 mV RMS from NEURON at `thresh`,
    /// 0.0002 mV at 0 mV). jLEMS sends them at `thresh`. `thresh` is still checked and read.
    static let exportThreshold = 0.0

    /// A `<channelPopulation>` (`number` channels of the ion channel's single-channel
    /// `conductance`, reversal `erev`) of a one-compartment cell of `area` (um2), as a density on
    /// node 0 (`number * conductance / area`), with its `ionChannel` attribute; nil after an error.
    /// `hasCalcium`: whether the cell gives a calcium concentration to channels that read it.
    static func population(_ p: Element, of cell: String, area: Double, mechanismIndex: (String, Attribute) -> Int?, mechanisms: () -> [IRMechanism],
                           hasCalcium: Bool = false, ctx: Context) -> (placement: IRPlacement, channel: Attribute)? {
        guard ctx.checkAttributes(p, required: ["id", "ionChannel", "number", "erev"], optional: ["ion", "segmentGroup", "segment"]) else { return nil }
        if let s = p.attribute("segmentGroup") ?? p.attribute("segment") {
            ctx.error("BRC-E0103", "not supported yet: '\(s.name)' on a channelPopulation of a \(cell) (it has no segments)", at: s.location, hint: "remove it")
            return nil
        }
        guard let ch = p.attribute("ionChannel"), let (number, erev) = populationValues(p, ctx: ctx) else { return nil }
        guard let mech = mechanismIndex(ch.value, ch) else { return nil }
        if !hasCalcium, mechanisms().indices.contains(mech), mechanisms()[mech].reads.contains(IRMechanism.ionConcentrationName("ca")) {
            ctx.error("BRC-E0103", "not supported yet: channel '\(ch.value)' reads the calcium concentration (caConc), but a \(cell) has no calcium pool",
                      at: ch.location, hint: "use a <cell> with a <species ion=\"ca\" .../> in its intracellularProperties, or give the cell's ComponentType a Parameter caConc (dimension concentration) that fixes it")
            return nil
        }
        guard let single = singleConductance(ch, ctx: ctx) else { return nil }
        return (IRPlacement(label: p.id ?? ch.value, mechanism: mech, nodes: [0], values: [[number * single / area, erev]]), ch)
    }

    /// A `<channelPopulation>`'s `number` of channels (zero or more, else `BRC-E0124`) and
    /// `erev` (internal units), or nil after an error; its attributes are checked by the caller.
    static func populationValues(_ p: Element, ctx: Context) -> (number: Double, erev: Double)? {
        guard let number = ctx.number(p, "number"), let erev = ctx.quantity(p, "erev", .voltage) else { return nil }
        guard number >= 0 else {
            ctx.error("BRC-E0124", "attribute 'number' of <channelPopulation> is \(IRPrinter.num(number)); it must be zero or more", at: p.attribute("number")!.valueLocation, hint: "give a channel count")
            return nil
        }
        return (number, erev)
    }

    /// The single-channel `conductance` (internal units) of the ion channel a channelPopulation
    /// names by `channel` (an id brcc has lowered), or nil after an error: a population needs it.
    static func singleConductance(_ channel: Attribute, ctx: Context) -> Double? {
        guard let chEl = ctx.byId[channel.value], let single = ctx.quantity(chEl, "conductance", .conductance, required: false) else {
            ctx.error("BRC-E0102", "ion channel '\(channel.value)' has no 'conductance' (the single-channel conductance a channelPopulation multiplies by its number)",
                      at: channel.location, hint: "add conductance=\"10pS\" to the ion channel")
            return nil
        }
        return single
    }

    /// `mechanismIndex` lowers a channel; `heldIndex` gives its held-current variant.
    static func lowerCondBased(_ el: Element, mechanismIndex: (String, Attribute) -> Int?, heldIndex: (String, Attribute) -> Int?,
                               mechanisms: () -> [IRMechanism] = { [] }, ctx: Context) -> IRCellType? {
        ctx.checkAttributes(el, required: ["id", "C", "v0", "thresh"], optional: ["neuroLexId"])
        let name = el.id ?? "?"
        guard let c = ctx.quantity(el, "C", .capacitance, bound: .positive), let v0 = ctx.quantity(el, "v0", .voltage),
              ctx.quantity(el, "thresh", .voltage) != nil else { return nil }  // checked; see exportThreshold
        let area = c / cm
        var placements: [IRPlacement] = []
        var channels: [Attribute] = []  // each placement's ionChannel attribute
        var ok = true
        for p in el.children {
            switch p.name {
            case "channelPopulation":
                guard let placed = population(p, of: el.name, area: area, mechanismIndex: mechanismIndex, mechanisms: mechanisms, ctx: ctx) else { ok = false; continue }
                placements.append(placed.placement)
                channels.append(placed.channel)
            case _ where p.isMetadata: continue
            default:
                ctx.unsupported(p, in: el.name, supported: ["channelPopulation"])
                ok = false
            }
        }
        guard ok else { return nil }
        if holdsCurrent(placements.map { mechanisms()[$0.mechanism] }) {
            for (i, ch) in channels.enumerated() {
                guard let held = heldIndex(ch.value, ch) else { return nil }
                placements[i].mechanism = held
            }
        }
        let node = IRNode(parent: -1, area: area, cm: cm, gAxial: 0, label: "\(name)(0.5)")
        return IRCellType(name: name, origin: "<pointCellCondBased id=\"\(name)\"> at \(el.location.shortDescription)", nodes: [node],
                          sections: [IRSection(name: name, nodes: [0])], segments: [IRSegment(id: 0, name: name, section: 0, from: 0, to: 1)],
                          placements: placements, vInit: v0, spikeThreshold: exportThreshold, spikeNode: 0)
    }
}
