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
        /// What the time `t` and the potential `v` are printed as.
        var time = "t", potential = "v"

        init(parameters: [String], states: [String], locals: [String], exposures: [String] = []) {
            for (i, p) in parameters.enumerated() { self.parameters[p] = NMODLText.name("p", p, i) }
            for (i, s) in states.enumerated() { self.states[s] = NMODLText.name("s", s, i); old[s] = NMODLText.name("o", s, i) }
            for (i, l) in locals.enumerated() { self.locals[l] = NMODLText.name("l", l, i) }
            for (i, x) in exposures.enumerated() { self.exposures[x] = NMODLText.name("x", x, i) }
        }

        /// A printer reading states as their present values, or (`oldStates`) as their values
        /// before this step's update.
        func printer(oldStates: Bool = false) -> NMODLPrinter {
            let (time, potential) = (self.time, self.potential)
            return NMODLPrinter { n in
                if n == "t" { return time }
                if n == "v" { return (oldStates ? old[n] : states[n]) ?? potential }  // a state v shadows the potential
                if n == "dt" || n == "weight" { return n }
                if let p = parameters[n] { return p }
                if let s = oldStates ? old[n] : states[n] { return s }
                return locals[n] ?? node[n] ?? "l_unknown"
            }
        }
    }

    static let selectFunction = "FUNCTION brc_sel(c, a, b) {\n    if (c != 0) { brc_sel = a } else { brc_sel = b }\n}\n"

    /// The kernels' C text of `brc_mix` and `brc_random` (`Preamble.cRandom`, the bits of
    /// `IRRandom` and `CounterRandom`), as a VERBATIM block of a mod file.
    static let counterRandom = "VERBATIM\n#include <stdint.h>\n#include <math.h>\n" + Preamble.cRandom + "\nENDVERBATIM\n"

    /// LEMS's random() in a synapse's mod file: `NMODLPrinter` prints a call as
    /// `brc_draw(key, site, t, dt)`, which returns the kernels' `brc_random` of the same values.
    static let randomFunction = counterRandom + """
        FUNCTION brc_draw(k, s, tm, h) {
        VERBATIM
            _lbrc_draw = brc_random(_lk, _ls, _ltm, _lh);
        ENDVERBATIM
        }

        """

    /// Longest expression text written on one line: nocmodl refuses long lines (a GHK
    /// channel's current printed in one line is about 1,000 characters).
    static let lineLimit = 300

    /// `target = value` as NMODL statements of at most about `lineLimit` characters: a
    /// subexpression too long for its line becomes a LOCAL temporary (`brc_t0`, ... appended
    /// to `temporaries`, named in `names.node`), assigned on the lines before.
    static func assign(_ target: String, _ value: IRExpr, names: inout Names, temporaries: inout [String], indent: String = "    ") -> String {
        var lines = ""
        func text(_ e: IRExpr) -> String { names.printer().print(e) }
        func hoist(_ e: IRExpr) -> IRExpr {
            if case .const = e { return e }
            if case .ref = e { return e }
            let t = "brc_t\(temporaries.count)", key = "temporary \(t)"
            temporaries.append(t)
            lines += indent + "\(t) = \(text(e))\n"
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
        return lines + indent + "\(target) = \(text(short))\n"
    }

    /// `RANGE` statements naming `names` (Pinsky-Rinzel's cell has 60 range variables).
    static func rangeStatements(_ names: [String]) -> String { declarations("RANGE", names, indent: "    ") }

    /// The block `header { ... }` with `locals` declared for `body`. NMODL takes one LOCAL
    /// statement at the start of a block, and nocmodl no line longer than it reads: when the
    /// names fill more than one line (a kinetic scheme of 4 states has hundreds of
    /// temporaries), each further line opens a nested block. `leading` (a `SOLVE`) stands in
    /// the outer block, before any nesting.
    static func localBlock(_ header: String, locals: [String], leading: String = "", _ body: String) -> String {
        let lines = declarations("LOCAL", locals, indent: "    ").split(separator: "\n", omittingEmptySubsequences: true)
        var s = header + " {\n" + (lines.first.map { $0 + "\n" } ?? "") + leading
        for line in lines.dropFirst() { s += "    {\n" + line + "\n" }
        return s + body + String(repeating: "    }\n", count: max(0, lines.count - 1)) + "}\n"
    }

    /// `keyword` statements naming `names`, several lines of at most about `lineLimit`
    /// characters: nocmodl refuses longer lines ("Line too long").
    static func declarations(_ keyword: String, _ names: [String], indent: String) -> String {
        let head = indent + keyword + " "
        var lines: [[String]] = []
        for n in names {
            if let last = lines.last, (head + (last + [n]).joined(separator: ", ")).count <= lineLimit {
                lines[lines.count - 1].append(n)
            } else {
                lines.append([n])
            }
        }
        return lines.map { head + $0.joined(separator: ", ") + "\n" }.joined()
    }

    /// The state updates of one step, as `KernelEmitter.stateUpdates` writes them; `old` prints
    /// the states as their values before the step, and collects the temporaries of long lines.
    static func updates(_ states: [IRState], _ names: Names, old: inout Names, temporaries: inout [String]) -> String {
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
                s += assign(out, e, names: &old, temporaries: &temporaries)
            case .linear(let a, let b):
                s += assign("tmp_a", a, names: &old, temporaries: &temporaries) + assign("tmp_b", b, names: &old, temporaries: &temporaries)
                s += "    if (tmp_b != 0) { \(out) = \(x) + (1 - exp(dt * tmp_b)) * (-tmp_a / tmp_b - \(x)) } else { \(out) = \(x) + dt * tmp_a }\n"
            case .euler(let rate):
                s += assign(out, .binary(.add, .ref(st.name), .binary(.mul, .ref("dt"), rate)), names: &old, temporaries: &temporaries)
            case .none:
                break
            }
        }
        return s
    }

    /// The state update PROCEDURE; `after` writes what follows the updates (given the names
    /// and the temporaries list, to which it may add).
    static func advance(locals: [IRAssignment], states: [IRState], names: Names,
                        after: (inout Names, inout [String]) -> String = { _, _ in "" }) -> String {
        var body = ""
        for st in states { body += "    \(names.old[st.name]!) = \(names.states[st.name]!)\n" }
        var old = names, temporaries: [String] = []
        // The locals read the states' values from before the step.
        old.states = names.old
        for a in locals { body += assign(names.locals[a.name]!, a.value, names: &old, temporaries: &temporaries) }
        body += updates(states, names, old: &old, temporaries: &temporaries)
        var present = names
        body += after(&present, &temporaries)
        let declared = states.map { names.old[$0.name]! } + locals.map { names.locals[$0.name]! } + temporaries + ["tmp_a", "tmp_b"]
        return localBlock("PROCEDURE advance()", locals: declared, body)
    }

    /// A density mechanism (`SUFFIX suffix`); `gateStart` replaces every state's initial value.
    /// `pooled` are the ions with a pool in the model: a pool writes its ion's concentration
    /// (`USEION ca READ ica WRITE cai`) from the ion's current (mA/cm2, times area/100 in nA),
    /// a channel of such an ion writes its current as that ion's (`WRITE ica`), and a mechanism
    /// that reads a concentration reads the ion's (`READ cai`). NEURON updates the mechanisms'
    /// states in the order of their names, so pools are named before channels (`NeuronExport`).
    /// `recorded` are values output columns record (`recordedName(i)`): brcc records them after
    /// a step from its states and v, so they are computed at the end of the state update (and
    /// of INITIAL), the locals again from the new states.
    static func mechanism(_ m: IRMechanism, suffix: String, gateStart: Double?, pooled: Set<String> = [], recorded: [IRExpr] = []) -> String {
        var names = Names(parameters: m.parameters, states: m.states.map(\.name), locals: m.locals.map(\.name))
        let reads = recorded.reduce(m.reads) { $0.union($1.refs) }
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
        let ps = m.parameters.map { names.parameters[$0]! }, ss = m.states.map { names.states[$0.name]! }
        let rs = recorded.indices.map(recordedName)
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
        s += rangeStatements(ps + ss + rs)
        s += "    THREADSAFE\n}\n"
        s += "PARAMETER {\n" + ps.map { "    \($0) = 0\n" }.joined() + "    celsius (degC)\n}\n"
        let ions = useion.flatMap { $0.read + ($0.write.map { [$0] } ?? []) }.map { "    \($0)\n" }.joined()
        s += "ASSIGNED {\n    v (mV)\n    area (um2)\n" + (out == "i" ? "    i (mA/cm2)\n" : "") + ions + (ss + rs).map { "    \($0)\n" }.joined() + "}\n"
        /// The recorded values from the present states (the locals first).
        func record(_ names: inout Names, _ temporaries: inout [String]) -> String {
            guard !recorded.isEmpty else { return "" }
            var s = ""
            for a in m.locals { s += assign(names.locals[a.name]!, a.value, names: &names, temporaries: &temporaries) }
            for (i, e) in recorded.enumerated() { s += assign(rs[i], e, names: &names, temporaries: &temporaries) }
            return s
        }
        // A pool's concentration, as NEURON's ion reads it.
        let poolOut = m.pool.map { "    \(IRMechanism.ionConcentrationName($0)) = \(names.states[m.states[0].name]!)\n" } ?? ""
        var initial = "", temporaries: [String] = []
        for a in m.locals { initial += assign(names.locals[a.name]!, a.value, names: &names, temporaries: &temporaries) }
        for st in m.states { initial += assign(names.states[st.name]!, gateStart.map { .const($0) } ?? st.initial, names: &names, temporaries: &temporaries) }
        initial += poolOut + record(&names, &temporaries)
        s += localBlock("INITIAL", locals: m.locals.map { names.locals[$0.name]! } + temporaries, initial)
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
        s += localBlock("BREAKPOINT", locals: temporaries, leading: "    SOLVE advance\n", current)
        s += advance(locals: m.locals, states: m.states, names: names) { names, temporaries in poolOut + record(&names, &temporaries) }
        return s + selectFunction
    }

    /// The NMODL name of a mechanism's `i`-th recorded value.
    static func recordedName(_ i: Int) -> String { "brc_r\(i)" }

    /// The NMODL names of a synapse's exposures, by exposure name.
    static func names(_ syn: IRSynapse) -> Names {
        Names(parameters: syn.parameters, states: syn.states.map(\.name), locals: syn.locals.map(\.name), exposures: syn.exposures.keys.sorted())
    }

    /// A synapse (`POINT_PROCESS name`). Its conditions are tested where brcc tests them, in
    /// the current phase of a step before its current, on the states at the step's start and
    /// with `t` at mid-step: in BREAKPOINT, which NEURON calls at that point, twice (at
    /// v + 0.001 mV for its di/dv, then at v), so the conditions run in the first call only,
    /// reading v as v - 0.001 (a voltage clamp's current is then brcc's). A synapse whose
    /// conditions set the membrane potential (an abstract cell's reset) cannot do that in
    /// BREAKPOINT, so it tests them in NET_RECEIVE on a self-event (flag 1) that INITIAL sends
    /// to dt/4 and each delivery sends again to the next step's start. NEURON delivers events
    /// up to half a step ahead, so it delivers this one at the end of every step (at the start
    /// of the first), after the step is recorded and before the next one's BREAKPOINT, which is
    /// when brcc's current phase sees the states. (An event at 0 would be delivered before the
    /// recording at t = 0.) The conditions read the mid-step time from `brc_time`, which adds
    /// dt/2 twice per step as NEURON's and brcc's clocks do: the same bits, so a refractory
    /// period that ends exactly on a step ends on the same one. Unlike a WATCH, this tests
    /// every step, as brcc does, not only when a test becomes true.
    /// NEURON checks a NetCon's threshold only after this event has reset v, so such a cell's
    /// spikes come from the poll itself: before the conditions, an upward crossing of
    /// `brc_threshold` (set by run.py from the spike source) sends `net_event` at the event's
    /// time, the step's start to rounding, when brcc's detector gives the spike. (The first
    /// poll, at dt/4, sends none: the detector starts "above" if v starts above threshold.)
    /// The conditions themselves run on a second self-event (flag 2) dt/8 later, in the same
    /// delivery: after the spikes that arrive at the step's start (NEURON orders events of
    /// one time as it pleases), since brcc delivers a step's events before its conditions (an
    /// event that lifts a LEMS cell's v over its threshold resets it in that step).
    ///
    /// `pointers` are the parameters that continuous connections link to another cell's
    /// potential or dynamics state (`IRPeerLink`): NMODL POINTERs, which run.py sets, so they
    /// read the value live, as brcc refreshes them before the currents and before the updates.
    ///
    /// A synapse that reads its node's synaptic current (`IRSynapse.nodeCurrent`, LEMS's iSyn)
    /// sums `inputSlots` POINTERs `brc_in<j>` to the currents before it (run.py points them at
    /// the stimuli's and synapses' `i`, signed by `brc_sg<j>`, the unused ones at `brc_zero`),
    /// before its conditions, as brcc's current kernel does; its spike counter
    /// (`IRSynapse.spikeFlag`) is cleared there too.
    static func synapse(_ syn: IRSynapse, name: String, pointers: Set<String> = [], inputSlots: Int = 0) -> String {
        let names = names(syn)
        let polled = syn.conditionsSetPotential
        let split = !polled && !syn.conditions.isEmpty
        let slots = syn.nodeCurrent == nil ? 0 : inputSlots
        let inputs = (0..<slots).map { "brc_in\($0)" }, signs = (0..<slots).map { "brc_sg\($0)" }
        var preludeLines: [String] = []
        if let s = syn.nodeCurrent {
            // One line per input: nocmodl's lines are short.
            preludeLines.append("\(names.states[s]!) = 0")
            preludeLines += zip(signs, inputs).map { "\(names.states[s]!) = \(names.states[s]!) + \($0) * \($1)" }
        }
        if let s = syn.spikeFlag { preludeLines.append("\(names.states[s]!) = 0") }
        func prelude(_ indent: String) -> String { preludeLines.map { indent + $0 + "\n" }.joined() }
        let ps = syn.parameters.filter { !pointers.contains($0) }.map { names.parameters[$0]! }, ss = syn.states.map { names.states[$0.name]! }
        let xs = syn.exposures.keys.sorted().map { names.exposures[$0]! }
        let pointed = syn.parameters.filter { pointers.contains($0) }.map { names.parameters[$0]! }
        var s = NMODLText.comment("brcc export: synapse \(syn.name) (\(syn.origin))") + "\n"
        for p in syn.parameters { s += NMODLText.comment("  \(names.parameters[p]!) = parameter \(p) (brcc internal units)") + "\n" }
        for st in syn.states { s += NMODLText.comment("  \(names.states[st.name]!) = state \(st.name)") + "\n" }
        for x in syn.exposures.keys.sorted() { s += NMODLText.comment("  \(names.exposures[x]!) = exposure \(x)") + "\n" }
        s += "NEURON {\n    POINT_PROCESS \(name)\n    NONSPECIFIC_CURRENT i\n"
        let ranges = ps + ss + xs + (polled ? ["brc_threshold"] : []) + signs + (syn.nodeCurrent != nil ? ["brc_zero"] : [])
        s += rangeStatements(ranges) + (pointed + inputs).map { "    POINTER \($0)\n" }.joined()
        s += "    THREADSAFE\n}\n"
        s += "PARAMETER {\n" + (ps + signs).map { "    \($0) = 0\n" }.joined() + (polled ? "    brc_threshold = 1e300 (mV)\n" : "") + "    celsius (degC)\n}\n"
        s += "ASSIGNED {\n    v (mV)\n    i (nA)\n" + (ss + xs + pointed + inputs).map { "    \($0)\n" }.joined() + (polled ? "    brc_time (ms)\n    brc_above\n" : "")
        s += (split ? "    brc_call\n" : "") + (syn.nodeCurrent != nil ? "    brc_zero\n" : "") + "}\n"
        /// The exposures' values, as statements that may add temporaries.
        func exposures(_ names: inout Names, _ temporaries: inout [String]) -> String {
            syn.exposures.keys.sorted().map { assign(names.exposures[$0]!, syn.exposures[$0]!.value, names: &names, temporaries: &temporaries) }.joined()
        }
        /// The conditions as `if` statements, each seeing the assignments before it.
        func conditions(_ names: inout Names, _ temporaries: inout [String], indent: String) -> String {
            var s = ""
            for c in syn.conditions {
                var test = names.printer().print(c.test)
                if test.count > lineLimit {
                    let name = "brc_c\(temporaries.count)"
                    temporaries.append(name)
                    s += assign(name, c.test, names: &names, temporaries: &temporaries, indent: indent)
                    test = name
                }
                s += indent + "if (\(test) != 0) {\n"
                for a in c.assignments {
                    s += assign(names.states[a.state] ?? "v", a.value, names: &names, temporaries: &temporaries, indent: indent + "    ")
                }
                s += indent + "}\n"
            }
            return s
        }
        var block = names, temporaries: [String] = [], body = ""
        for st in syn.states { body += assign(names.states[st.name]!, st.initial, names: &block, temporaries: &temporaries) }
        body += exposures(&block, &temporaries)
        body += (polled ? "    brc_time = t\n    brc_above = v > brc_threshold\n    net_send(0.25 * dt, 1)\n" : "")
        body += (split ? "    brc_call = 0\n" : "") + (syn.nodeCurrent != nil ? "    brc_zero = 0\n" : "")
        s += localBlock("INITIAL", locals: temporaries, body)
        (block, temporaries) = (names, [])
        if split {
            // NEURON calls BREAKPOINT at v + 0.001 mV (its di/dv), then at v. brcc tests the
            // conditions once, at v, and takes i(v + 0.001) from the states after them, or
            // (derivativeBeforeConditions) before them, or (derivativeThroughConditions) tests
            // them in both calls, each at its own v; `brc_call` tells the calls apart.
            // finitialize calls BREAKPOINT too, at t = 0, where brcc tests no condition (its
            // first test is at the first step's mid-point): the conditions wait for t > 0.
            var shifted = block
            shifted.potential = "(v - 0.001)"
            body = "    if (brc_call == 0) {\n"
            if !syn.derivativeBeforeConditions {
                body += "        if (t > 0) {\n" + prelude("            ")
                body += (syn.derivativeThroughConditions ? conditions(&block, &temporaries, indent: "            ") : conditions(&shifted, &temporaries, indent: "            ")) + "        }\n"
            }
            body += assign("i", .neg(syn.current), names: &block, temporaries: &temporaries, indent: "        ")
            body += "        brc_call = 1\n    } else {\n"
            if syn.derivativeBeforeConditions || syn.derivativeThroughConditions {
                body += "        if (t > 0) {\n" + prelude("            ") + conditions(&block, &temporaries, indent: "            ") + "        }\n"
            }
            body += assign("i", .neg(syn.current), names: &block, temporaries: &temporaries, indent: "        ")
            body += "        brc_call = 0\n    }\n"
        } else {
            body = preludeLines.isEmpty ? "" : "    if (t > 0) {\n" + prelude("        ") + "    }\n"
            body += assign("i", .neg(syn.current), names: &block, temporaries: &temporaries)
        }
        s += localBlock("BREAKPOINT", locals: temporaries, leading: "    SOLVE advance\n", body)
        s += advance(locals: syn.locals, states: syn.states, names: names) { names, temporaries in exposures(&names, &temporaries) }
        (block, temporaries) = (names, [])
        var events = ""
        // An event at a LEMS cell's own port may set the cell's potential (LEMS's iaf3: v + deltaV):
        // NEURON writes an assignment to v in NET_RECEIVE back to the node, as the polled resets do.
        for a in syn.onEvent { events += assign(names.states[a.state] ?? "v", a.value, names: &block, temporaries: &temporaries, indent: polled ? "        " : "    ") }
        if polled {
            block.time = "brc_time"
            body = "    if (flag == 1) {\n"
            body += "        if (v > brc_threshold) {\n            if (brc_above == 0) { net_event(t) }\n            brc_above = 1\n"
            body += "        } else {\n            brc_above = 0\n        }\n"
            body += "        net_send(0.125 * dt, 2)\n"
            body += "    } else if (flag == 2) {\n"
            body += "        brc_time = brc_time + 0.5 * dt\n"
            body += prelude("        ") + conditions(&block, &temporaries, indent: "        ") + "        brc_time = brc_time + 0.5 * dt\n        net_send(brc_time - t, 1)\n"
            body += "    } else {\n" + events + "    }\n"
        } else {
            body = events
        }
        s += localBlock("NET_RECEIVE(weight)", locals: temporaries, body)
        return s + selectFunction + (syn.usesRandom ? randomFunction : "")
    }

    /// The injected currents: pulse (kind 0), sine (1), noise regenerated from `CounterRandom`
    /// (2), and a value played from a vector (3), all at mid-step as brcc evaluates them.
    /// `exportID` identifies the export's mechanisms: `run.py` compares it with model.json's
    /// (every export names its mechanisms brc_m0, brc_s0, ..., and NEURON loads the compiled
    /// mechanisms of the current folder by itself, which may be another export's).
    static func stimulus(exportID: UInt64) -> String { """
        : brcc export: injected currents, evaluated at mid-step (t + dt/2) as brcc and IClamp do.
        : kind 0: pulse; 1: sine; 2: Gaussian noise regenerated from brcc's CounterRandom
        : (SplitMix64 over seed, stream, cell key, step); 3: the value of `played` (a Vector.play).
        : export_id: the export these mechanisms belong to (run.py checks it against model.json).
        NEURON {
            POINT_PROCESS brc_stim
            ELECTRODE_CURRENT i
            RANGE kind, del, dur, amp, period, phase, mean, sd, seed_hi, seed_lo, stream_hi, stream_lo, key_hi, key_lo, played
            GLOBAL export_id
            THREADSAFE
        }
        PARAMETER {
            export_id = \(exportID)
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
        \(counterRandom)VERBATIM
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
}
