import BRCIR

/// The NMODL text of brcc's mechanisms and synapses, one mod file each, computing exactly what
/// the kernels compute (`KernelEmitter`, `SynapseKernels`) in NEURON's order: currents in
/// BREAKPOINT from the present state, states in a PROCEDURE that BREAKPOINT SOLVEs (NEURON
/// calls it after the voltage solve, as brcc updates its states), events in NET_RECEIVE.
/// Values stay in brcc's internal units (ms, mV, um, nA, uS, nF); only the current is scaled
/// (uS/um2 x mV = nA/um2 = 100 mA/cm2).
enum NeuronMechanisms {
    /// NMODL names of one kernel's parameters, states, locals and exposures.
    struct Names {
        var parameters: [String: String] = [:]
        var states: [String: String] = [:]
        var old: [String: String] = [:]
        var locals: [String: String] = [:]
        var exposures: [String: String] = [:]
        /// Node values a mechanism reads (`IRMechanism.nodeNames`), as NMODL writes them.
        var node: [String: String] = [:]

        init(parameters: [String], states: [String], locals: [String], exposures: [String] = []) {
            for (i, p) in parameters.enumerated() { self.parameters[p] = NMODLText.name("p", p, i) }
            for (i, s) in states.enumerated() { self.states[s] = NMODLText.name("s", s, i); old[s] = NMODLText.name("o", s, i) }
            for (i, l) in locals.enumerated() { self.locals[l] = NMODLText.name("l", l, i) }
            for (i, x) in exposures.enumerated() { self.exposures[x] = NMODLText.name("x", x, i) }
        }

        /// A printer reading states as their present values, or (`oldStates`) as their values
        /// before this step's update.
        func printer(oldStates: Bool = false) -> NMODLPrinter {
            NMODLPrinter { n in
                if n == "v" || n == "t" || n == "dt" || n == "weight" { return n }
                if let p = parameters[n] { return p }
                if let s = oldStates ? old[n] : states[n] { return s }
                return locals[n] ?? node[n] ?? "l_unknown"
            }
        }
    }

    static let selectFunction = "FUNCTION brc_sel(c, a, b) {\n    if (c != 0) { brc_sel = a } else { brc_sel = b }\n}\n"

    /// Longest expression text written on one line: nocmodl refuses long lines (a GHK
    /// channel's current printed in one line is about 1,000 characters).
    static let lineLimit = 300

    /// `target = value` as NMODL statements of at most about `lineLimit` characters: a
    /// subexpression too long for its line becomes a LOCAL temporary (`brc_t0`, ... appended
    /// to `temporaries`, named in `names.node`), assigned on the lines before.
    static func assign(_ target: String, _ value: IRExpr, names: inout Names, temporaries: inout [String]) -> String {
        var lines = ""
        func text(_ e: IRExpr) -> String { names.printer().print(e) }
        func hoist(_ e: IRExpr) -> IRExpr {
            if case .const = e { return e }
            if case .ref = e { return e }
            let t = "brc_t\(temporaries.count)", key = "temporary \(t)"
            temporaries.append(t)
            lines += "    \(t) = \(text(e))\n"
            names.node[key] = t
            return .ref(key)
        }
        /// `e` with its children shortened; if still too long, its children hoisted.
        func shorten(_ e: IRExpr) -> IRExpr {
            guard text(e).count > lineLimit else { return e }
            let shorter = e.mappingChildren(shorten)
            return text(shorter).count > lineLimit ? shorter.mappingChildren(hoist) : shorter
        }
        let short = shorten(value)
        return lines + "    \(target) = \(text(short))\n"
    }

    static func declareLocals(_ names: [String], indent: String = "    ") -> String {
        names.isEmpty ? "" : indent + "LOCAL " + names.joined(separator: ", ") + "\n"
    }

    /// The state updates of one step, as `KernelEmitter.stateUpdates` writes them.
    static func updates(_ states: [IRState], _ names: Names) -> String {
        let pr = names.printer(oldStates: true)
        var s = ""
        for st in states {
            let x = names.old[st.name]!, out = names.states[st.name]!
            switch st.update {
            case .exponential(let inf, let tau):
                s += "    \(out) = \(x) + (1 - exp(-dt / \(pr.print(.ref(tau))))) * (\(pr.print(.ref(inf))) - \(x))\n"
            case .instantaneous(let value):
                s += "    \(out) = \(pr.print(.ref(value)))\n"
            case .assign(let e):
                s += "    \(out) = \(pr.print(e))\n"
            case .linear(let a, let b):
                s += "    tmp_a = \(pr.print(a))\n    tmp_b = \(pr.print(b))\n"
                s += "    if (tmp_b != 0) { \(out) = \(x) + (1 - exp(dt * tmp_b)) * (-tmp_a / tmp_b - \(x)) } else { \(out) = \(x) + dt * tmp_a }\n"
            case .euler(let rate):
                s += "    \(out) = \(x) + dt * \(pr.print(rate))\n"
            case .none:
                break
            }
        }
        return s
    }

    static func advance(locals: [IRAssignment], states: [IRState], names: Names, after: String = "") -> String {
        var body = ""
        for st in states { body += "    \(names.old[st.name]!) = \(names.states[st.name]!)\n" }
        var old = names, temporaries: [String] = []
        // The locals read the states' values from before the step.
        old.states = names.old
        for a in locals { body += assign(names.locals[a.name]!, a.value, names: &old, temporaries: &temporaries) }
        let declared = states.map { names.old[$0.name]! } + locals.map { names.locals[$0.name]! } + temporaries + ["tmp_a", "tmp_b"]
        return "PROCEDURE advance() {\n" + declareLocals(declared) + body + updates(states, names) + after + "}\n"
    }

    /// A density mechanism (`SUFFIX suffix`); `gateStart` replaces every state's initial value.
    /// `pooled` are the ions with a pool in the model: a pool writes its ion's concentration
    /// (`USEION ca READ ica WRITE cai`) from the ion's current (mA/cm2, times area/100 in nA),
    /// a channel of such an ion writes its current as that ion's (`WRITE ica`), and a mechanism
    /// that reads a concentration reads the ion's (`READ cai`). NEURON updates the mechanisms'
    /// states in the order of their names, so pools are named before channels (`NeuronExport`).
    static func mechanism(_ m: IRMechanism, suffix: String, gateStart: Double?, pooled: Set<String> = []) -> String {
        var names = Names(parameters: m.parameters, states: m.states.map(\.name), locals: m.locals.map(\.name))
        let reads = m.reads
        var useion: [(ion: String, read: [String], write: String?)] = []
        for ion in pooled.sorted() {
            let conc = IRMechanism.ionConcentrationName(ion), current = IRMechanism.ionCurrentName(ion)
            names.node[conc] = conc
            names.node[current] = "(\(current) * area * 0.01)"
            let read = (reads.contains(current) ? [current] : []) + (reads.contains(conc) && m.pool != ion ? [conc] : [])
            let write = m.pool == ion ? conc : (m.ion == ion ? current : nil)
            if !read.isEmpty || write != nil { useion.append((ion, read, write)) }
        }
        names.node["area"] = "area"
        let pr = names.printer()
        let ps = m.parameters.map { names.parameters[$0]! }, ss = m.states.map { names.states[$0.name]! }
        let out = m.pool != nil ? nil : (m.ion.map { pooled.contains($0) } == true ? IRMechanism.ionCurrentName(m.ion!) : "i")
        var s = NMODLText.comment("brcc export: mechanism \(m.name) (\(m.origin))") + "\n"
        for p in m.parameters { s += NMODLText.comment("  \(names.parameters[p]!) = parameter \(p) (brcc internal units)") + "\n" }
        for st in m.states { s += NMODLText.comment("  \(names.states[st.name]!) = state \(st.name)") + "\n" }
        s += "NEURON {\n    SUFFIX \(suffix)\n"
        if out == "i" { s += "    NONSPECIFIC_CURRENT i\n" }
        for u in useion {
            s += "    USEION \(u.ion)" + (u.read.isEmpty ? "" : " READ " + u.read.joined(separator: ", ")) + (u.write.map { " WRITE \($0)" } ?? "")
            s += " VALENCE \(NMODLText.number(IRMechanism.ionValence[u.ion] ?? 1))\n"
        }
        if !(ps + ss).isEmpty { s += "    RANGE " + (ps + ss).joined(separator: ", ") + "\n" }
        s += "    THREADSAFE\n}\n"
        s += "PARAMETER {\n" + ps.map { "    \($0) = 0\n" }.joined() + "    celsius (degC)\n}\n"
        let ions = useion.flatMap { $0.read + ($0.write.map { [$0] } ?? []) }.map { "    \($0)\n" }.joined()
        s += "ASSIGNED {\n    v (mV)\n    area (um2)\n" + (out == "i" ? "    i (mA/cm2)\n" : "") + ions + ss.map { "    \($0)\n" }.joined() + "}\n"
        // A pool's concentration, as NEURON's ion reads it.
        let poolOut = m.pool.map { "    \(IRMechanism.ionConcentrationName($0)) = \(names.states[m.states[0].name]!)\n" } ?? ""
        var initial = "", temporaries: [String] = []
        for a in m.locals { initial += assign(names.locals[a.name]!, a.value, names: &names, temporaries: &temporaries) }
        s += "INITIAL {\n" + declareLocals(m.locals.map { names.locals[$0.name]! } + temporaries) + initial
        for st in m.states { s += "    \(names.states[st.name]!) = \(gateStart.map(NMODLText.number) ?? pr.print(st.initial))\n" }
        s += poolOut + "}\n"
        // nA/um2 (uS/um2 x mV) in mA/cm2: x 100. A non-ohmic current (a pointCellCondBased's
        // held current) as it is; NEURON takes its di/dv numerically, as brcc does.
        temporaries = []
        var current = ""
        if let out {
            // (100 x g) x (v - e), in the order the kernels' NEURON-checked exports always wrote it.
            let value = m.current.map { IRExpr.binary(.mul, .const(100), $0) }
                ?? .binary(.mul, .binary(.mul, .const(100), m.conductance), .binary(.sub, .ref("v"), m.reversal))
            current = assign(out, value, names: &names, temporaries: &temporaries)
        }
        s += "BREAKPOINT {\n" + declareLocals(temporaries) + "    SOLVE advance\n" + current + "}\n"
        s += advance(locals: m.locals, states: m.states, names: names, after: poolOut)
        return s + selectFunction
    }

    /// The NMODL names of a synapse's exposures, by exposure name.
    static func names(_ syn: IRSynapse) -> Names {
        Names(parameters: syn.parameters, states: syn.states.map(\.name), locals: syn.locals.map(\.name), exposures: syn.exposures.keys.sorted())
    }

    /// A synapse (`POINT_PROCESS name`).
    static func synapse(_ syn: IRSynapse, name: String) -> String {
        let names = names(syn)
        let pr = names.printer()
        let ps = syn.parameters.map { names.parameters[$0]! }, ss = syn.states.map { names.states[$0.name]! }
        let xs = syn.exposures.keys.sorted().map { names.exposures[$0]! }
        var s = NMODLText.comment("brcc export: synapse \(syn.name) (\(syn.origin))") + "\n"
        for p in syn.parameters { s += NMODLText.comment("  \(names.parameters[p]!) = parameter \(p) (brcc internal units)") + "\n" }
        for st in syn.states { s += NMODLText.comment("  \(names.states[st.name]!) = state \(st.name)") + "\n" }
        for x in syn.exposures.keys.sorted() { s += NMODLText.comment("  \(names.exposures[x]!) = exposure \(x)") + "\n" }
        s += "NEURON {\n    POINT_PROCESS \(name)\n    NONSPECIFIC_CURRENT i\n"
        if !(ps + ss + xs).isEmpty { s += "    RANGE " + (ps + ss + xs).joined(separator: ", ") + "\n" }
        s += "    THREADSAFE\n}\n"
        s += "PARAMETER {\n" + ps.map { "    \($0) = 0\n" }.joined() + "    celsius (degC)\n}\n"
        s += "ASSIGNED {\n    v (mV)\n    i (nA)\n" + (ss + xs).map { "    \($0)\n" }.joined() + "}\n"
        var exposures = ""
        for x in syn.exposures.keys.sorted() { exposures += "    \(names.exposures[x]!) = \(pr.print(syn.exposures[x]!.value))\n" }
        s += "INITIAL {\n"
        for st in syn.states { s += "    \(names.states[st.name]!) = \(pr.print(st.initial))\n" }
        s += exposures + "}\n"
        s += "BREAKPOINT {\n"
        for c in syn.conditions {
            s += "    if (\(pr.print(c.test)) != 0) {\n"
            for a in c.assignments { s += "        \(names.states[a.state]!) = \(pr.print(a.value))\n" }
            s += "    }\n"
        }
        s += "    SOLVE advance\n    i = -\(pr.print(syn.current))\n}\n"
        s += advance(locals: syn.locals, states: syn.states, names: names, after: exposures)
        s += "NET_RECEIVE(weight) {\n"
        for a in syn.onEvent { s += "    \(names.states[a.state]!) = \(pr.print(a.value))\n" }
        s += "}\n"
        return s + selectFunction
    }

    /// The injected currents: pulse (kind 0), sine (1), noise regenerated from `CounterRandom`
    /// (2), and a value played from a vector (3), all at mid-step as brcc evaluates them.
    static let stimulus = """
        : brcc export: injected currents, evaluated at mid-step (t + dt/2) as brcc and IClamp do.
        : kind 0: pulse; 1: sine; 2: Gaussian noise regenerated from brcc's CounterRandom
        : (SplitMix64 over seed, stream, cell key, step); 3: the value of `played` (a Vector.play).
        NEURON {
            POINT_PROCESS brc_stim
            ELECTRODE_CURRENT i
            RANGE kind, del, dur, amp, period, phase, mean, sd, seed_hi, seed_lo, stream_hi, stream_lo, key_hi, key_lo, played
            THREADSAFE
        }
        PARAMETER {
            kind = 0
            del = 0
            dur = 0
            amp = 0
            period = 1
            phase = 0
            mean = 0
            sd = 0
            seed_hi = 0
            seed_lo = 0
            stream_hi = 0
            stream_lo = 0
            key_hi = 0
            key_lo = 0
            played = 0
        }
        ASSIGNED { i (nA) }
        VERBATIM
        #include <stdint.h>
        #include <math.h>
        static uint64_t brc_mix(uint64_t x) {
            uint64_t z = x + 0x9e3779b97f4a7c15ULL;
            z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
            z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
            return z ^ (z >> 31);
        }
        static uint64_t brc_bits(uint64_t seed, uint64_t stream, uint64_t a, uint64_t b) {
            return brc_mix(brc_mix(brc_mix(brc_mix(seed) ^ stream) ^ a) ^ b);
        }
        ENDVERBATIM
        BREAKPOINT {
            if (kind == 0) {
                if (t >= del && t < del + dur) { i = amp } else { i = 0 }
            } else if (kind == 1) {
                if (t >= del && t < del + dur) { i = amp * sin(phase + 2 * \(NMODLText.number(IRStimulus.sinePi)) * (t - del) / period) } else { i = 0 }
            } else if (kind == 2) {
                i = mean + sd * brc_normal(seed_hi, seed_lo, stream_hi, stream_lo, key_hi, key_lo, floor(t / dt))
            } else {
                i = played
            }
        }
        FUNCTION brc_normal(shi, slo, sthi, stlo, khi, klo, n) {
        VERBATIM
            uint64_t seed = ((uint64_t)_lshi << 32) | (uint64_t)_lslo;
            uint64_t stream = ((uint64_t)_lsthi << 32) | (uint64_t)_lstlo;
            uint64_t key = ((uint64_t)_lkhi << 32) | (uint64_t)_lklo;
            uint64_t step = (uint64_t)_ln;
            double u1 = ((double)(brc_bits(seed, stream, key, step << 1) >> 11) + 0.5) * 0x1.0p-53;
            double u2 = (double)(brc_bits(seed, stream, key, (step << 1) | 1) >> 11) * 0x1.0p-53;
            _lbrc_normal = sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
        ENDVERBATIM
        }

        """
}
