import BRCDiagnostics
import Foundation

/// The stable textual form of the IR (`brcc inspect --ir`, golden tests). Numbers are printed
/// with 10 significant digits so the text does not change with round-off. Where an element came
/// from (`<ionChannelHH id="Na"> at FILE:3:1`) is printed on one line: a file name's control
/// characters (a newline broke the dump's lines) as `?`.
public enum IRPrinter {
    /// The whole model as text, in a fixed order (what `brcc inspect --ir` prints).
    public static func print(_ m: IRModel) -> String {
        var out = "; brcc IR (units: ms, mV, um, nA, uS, nF)\n"
        out += "temperature \(num(m.temperature)) K\n"
        if let e = m.environment {
            out += "environment \(e.name) (\(e.origin.maskingControlCharacters())): temperature = \(expr(e.temperature))\n"
            for (i, st) in e.states.enumerated() {
                out += "  state \(st) init \(expr(e.initial[i]))\(e.rates[i].map { " rate \(expr($0))" } ?? "")\n"
            }
            for l in e.locals { out += "  local \(l.name) = \(expr(l.value))\n" }
            for c in e.conditions { out += "  if \(expr(c.test)): " + c.assignments.map { "\($0.state) = \(expr($0.value))" }.joined(separator: "; ") + "\n" }
        }
        for (i, mech) in m.mechanisms.enumerated() {
            out += "\nmechanism #\(i) \(mech.name)  ; \(mech.origin.maskingControlCharacters())\n"
            out += kernel(mech.parameters, mech.locals, mech.states)
            out += "  conductance \(expr(mech.conductance))\n"
            out += "  reversal \(expr(mech.reversal))\n"
            if let c = mech.current { out += "  current \(expr(c))\n" }
            if let ion = mech.ion { out += "  ion \(ion)\n" }
            if let ion = mech.pool { out += "  pool \(ion)\n" }
        }
        for (i, syn) in m.synapses.enumerated() {
            out += "\nsynapse #\(i) \(syn.name)  ; \(syn.origin.maskingControlCharacters())\n"
            out += kernel(syn.parameters, syn.locals, syn.states)
            out += "  current \(expr(syn.current))\n"
            if syn.derivativeThroughConditions { out += "  di/dv through the conditions, at v + 0.001 then v\n" }
            if let s = syn.nodeCurrent { out += "  node current into \(s)\n" }
            if let s = syn.spikeFlag { out += "  spikes counted in \(s)\n" }
            for a in syn.onEvent { out += "  on event \(a.state) = \(expr(a.value))\n" }
            for c in syn.conditions {
                out += "  on condition \(expr(c.test)): " + c.assignments.map { "\($0.state) = \(expr($0.value))" }.joined(separator: "; ") + "\n"
            }
        }
        for (i, c) in m.cellTypes.enumerated() {
            out += "\ncell #\(i) \(c.name)  ; \(c.origin.maskingControlCharacters())\n"
            out += "  vinit \(num(c.vInit)) threshold \(num(c.spikeThreshold)) at node \(c.spikeNode)\n"
            if let byNode = c.vInitByNode { out += "  vinit by node " + byNode.map(num).joined(separator: " ") + "\n" }
            if let g = c.initialGateValue { out += "  gates start at \(num(g))\n" }
            for (k, n) in c.nodes.enumerated() {
                out += "  node \(k) \(n.label) parent \(n.parent) area \(num(n.area)) cm \(num(n.cm)) gaxial \(num(n.gAxial))\n"
            }
            for s in c.sections { out += "  section \(s.name) nodes \(s.nodes.map(String.init).joined(separator: " "))\n" }
            for (g, segs) in c.segmentGroups.sorted(by: { $0.key < $1.key }) { out += "  group \(g) = \(segs.map(String.init).joined(separator: " "))\n" }
            for s in c.segments { out += "  segment \(s.id) \(s.name) in \(c.sections[s.section].name) [\(num(s.from)), \(num(s.to))]\n" }
            for p in c.placements {
                let mech = m.mechanisms[p.mechanism]
                out += "  place \(p.label) = \(mech.name) on \(p.nodes.map(String.init).joined(separator: " "))\n"
                let distinct = Array(Set(p.values)).sorted { $0.lexicographicallyPrecedes($1) }
                for vals in distinct {
                    out += "    " + zip(mech.parameters, vals).map { "\($0.0)=\(num($0.1))" }.joined(separator: " ") + "\n"
                }
            }
        }
        for p in m.populations {
            out += "\npopulation \(p.name) = \(p.size) x \(m.cellTypes[p.cellType].name)"
            if let r = p.randomInitialPotential { out += " v0 uniform [\(num(r.min)), \(num(r.max))] seed \(r.seed)\(r.perCompartment ? " per compartment" : "")" }
            out += "\n"
        }
        for s in m.stimuli {
            switch s.waveform {
            case .pulse(let d, let dur, let a):
                out += "stimulus \(s.label) pulse delay \(num(d)) duration \(num(dur)) amplitude \(num(a))"
            case .sine(let d, let dur, let a, let p, let ph):
                out += "stimulus \(s.label) sine delay \(num(d)) duration \(num(dur)) amplitude \(num(a)) period \(num(p)) phase \(num(ph))"
            case .noise(let mean, let sd, let seed, let stream):
                out += "stimulus \(s.label) noise mean \(num(mean)) sd \(num(sd)) seed \(seed) stream \(stream)"
            case .table(let times, _):
                out += "stimulus \(s.label) table of \(times.count) rows from \(num(times.first ?? 0)) to \(num(times.last ?? 0))"
            }
            out += " -> \(m.populations[s.population].name)[\(s.cell)] node \(s.node)\n"
        }
        for g in m.synapseGroups {
            out += "synapses \(g.label): \(g.instances.count) x \(m.synapses[g.synapse].name) on \(m.cellTypes[g.cellType].name)\n"
        }
        if !m.connections.isEmpty {
            out += "spike sources \(m.spikeSources.count), connections \(m.connections.count) in \(m.projections.count) projection(s)\n"
        }
        if let sim = m.simulation {
            out += "\nsimulation \(sim.id) dt \(num(sim.dt)) duration \(num(sim.duration))\n"
            for f in sim.outputs {
                out += "  output \(f.id) \"\(f.fileName)\"\n"
                for c in f.columns {
                    let pop: String
                    if case .sinceSpike = c.probe { pop = m.generatorPopulations[c.population].name } else { pop = m.populations[c.population].name }
                    out += "    column \(c.id) \(pop)[\(c.cell)] \(probe(c.probe, m, c)) si \(num(c.siScale))\n"
                }
            }
        }
        return out
    }

    /// The parameters, locals and states of a mechanism or synapse.
    static func kernel(_ parameters: [String], _ locals: [IRAssignment], _ states: [IRState]) -> String {
        "  params \(parameters.joined(separator: ", "))\n" + locals.map { "  local \($0.name) = \(expr($0.value))\n" }.joined()
            + states.map(state).joined()
    }

    static func state(_ s: IRState) -> String {
        let update: String
        switch s.update {
        case .exponential(let inf, let tau): update = "exponential(inf: \(inf), tau: \(tau))"
        case .instantaneous(let v): update = "instantaneous(\(v))"
        case .assign(let e): update = "assign(\(expr(e)))"
        case .linear(let a, let b): update = "linear(a: \(expr(a)), b: \(expr(b)))"
        case .euler(let r): update = "euler(\(expr(r)))"
        case .none: update = "events only"
        }
        return "  state \(s.name) init \(expr(s.initial)) \(update)\n"
    }

    static func probe(_ p: IRProbe, _ m: IRModel, _ c: IRColumn) -> String {
        switch p {
        case .voltage(let n): return "v node \(n)"
        case .temperature: return "temperature"
        case .environment(let q): return "environment \(q)"
        case .constant(let x): return "constant \(x)"
        case .spiking(let node, let threshold): return "spiking node \(node) threshold \(threshold)"
        case .sinceSpike(let s): return "tsince source \(s)"
        case .stimulus(let indices): return "current of stimuli \(indices.map(String.init).joined(separator: " + "))"
        case .state(let pl, let k, let s):
            let ct = m.cellTypes[m.populations[c.population].cellType]
            let place = ct.placements[pl]
            return "state \(place.label).\(m.mechanisms[place.mechanism].states[s].name) node \(place.nodes[k])"
        case .density(let pl, let k, let current):
            let ct = m.cellTypes[m.populations[c.population].cellType]
            let place = ct.placements[pl]
            return "\(current ? "iDensity" : "gDensity") \(place.label) node \(place.nodes[k])"
        case .mechanism(let pl, let k, let value):
            let ct = m.cellTypes[m.populations[c.population].cellType]
            let place = ct.placements[pl]
            return "\(place.label) node \(place.nodes[k]): \(expr(value))"
        case .synapse(let g, let k, let q):
            return "synapse \(m.synapses[m.synapseGroups[g].synapse].name)[\(k)].\(q)"
        case .sum(let terms):
            return terms.isEmpty ? "0" : terms.map { probe($0, m, c) }.joined(separator: " + ")
        }
    }

    /// `v` as the IR text writes numbers: whole numbers without a point, others with 10
    /// significant digits.
    public static func num(_ v: Double) -> String {
        if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
        return String(format: "%.10g", v)
    }

    /// An expression in infix form, fully parenthesised.
    public static func expr(_ e: IRExpr) -> String {
        switch e {
        case .const(let v): return v < 0 ? "(\(num(v)))" : num(v)
        case .ref(let n): return n
        case .neg(let a): return "-(\(expr(a)))"
        case .not(let a): return "!(\(expr(a)))"
        case .binary(let op, let a, let b): return "(\(expr(a)) \(op.rawValue) \(expr(b)))"
        case .call(let f, let args): return "\(f)(\(args.map(expr).joined(separator: ", ")))"
        case .select(let c, let a, let b): return "(\(expr(c)) ? \(expr(a)) : \(expr(b)))"
        case .random(let scale, let site): return "random(\(expr(scale)); site \(site))"
        }
    }
}
