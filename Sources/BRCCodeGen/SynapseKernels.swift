import BRCIR

/// One synapse type's four functions: init, current (conditions first, then i with NEURON's
/// numerical di/dv), update (states) and event.
///
/// Parameters and states are structure of arrays, as the cells' are: value `q` of instance k
/// is at `[q * n + k]` (`n` instances in the block), so the loops over instances vectorise.
enum SynapseKernels {
    /// The event kernel's C parameters after `b` (the ABI's `event`).
    static let eventParameters = "int64_t k, double weight"

    /// Value `i` of the present instance in `array` (`p` or `s`, which point at instance k's
    /// first value; consecutive values are `n` apart).
    static func slot(_ array: String, _ i: Int) -> String { i == 0 ? "\(array)[0]" : "\(array)[\(i) * n]" }

    /// The four functions, named `prefix`_init ... (the heading comment is the caller's:
    /// `KernelEmitter.SharedKernels`).
    static func emit(_ syn: IRSynapse, prefix: String, _ d: Dialect) -> String {
        let printer = ExpressionPrinter.forKernel(d.target, parameters: syn.parameters, states: syn.states.map(\.name))
        let ind = "        "
        func header(_ name: String) -> String {
            var s = d.function("\(prefix)_\(name)", "brc_synapses")
            s += "    " + d.let_("dt", d.field("b", "dt")) + " " + d.let_("t", d.field("b", "t")) + " " + d.let_("temperature", d.field("b", "temperature")) + "\n"
            s += "    " + d.unused(["dt", "t", "temperature"]) + "\n"
            return s
        }
        // The (vectorised) loop over instances k, with v, p (parameters) and s (states) of k.
        let instances = "    " + d.cells("k", from: "first", to: "last") + "\n" + ind + d.instanceBody("k") + "\n"
        var out = header("init") + d.instanceHead() + instances + loads(syn, states: false, d, ind)
        for (i, st) in syn.states.enumerated() { out += ind + d.set(slot("s", i), "=", printer.print(st.initial)) + "\n" }
        out += "    }\n}\n\n"
        out += header("current") + current(syn, printer: printer, d)
        out += header("update") + d.instanceHead() + refreshFactors(syn, printer: printer, d) + instances + loads(syn, states: true, d, ind)
        for a in syn.locals { out += ind + d.let_("l_\(identifier(a.name))", printer.print(a.value)) + "\n" }
        let factors = Dictionary(uniqueKeysWithValues: cachedFactors(syn).enumerated().map { ($1.state, slot("s", factorRow(syn, $0))) })
        out += KernelEmitter.stateUpdates(syn.states, printer: printer, indent: ind, d, cachedFactors: factors) { slot("s", $0) }
        out += "    }\n}\n\n"
        // event
        out += d.function("\(prefix)_event", "brc_synapses", extra: eventParameters)
        out += "    " + d.let_("dt", d.field("b", "dt")) + " " + d.let_("t", d.field("b", "t")) + " " + d.let_("temperature", d.field("b", "temperature")) + "\n"
        out += "    " + d.unused(["dt", "t", "temperature", "weight"]) + "\n"
        out += d.eventPrologue()
        out += loads(syn, states: false, d, "    ")
        let states = syn.states.map(\.name)
        for a in syn.onEvent {
            out += "    " + d.blockOpen + "\n" + reload(states, d, "        ")
            // An event at a LEMS cell's own port may set its potential (LEMS's iaf3: v + deltaV),
            // the node's; its other assignments read v from before the event, as every state.
            let target = a.state == "v" && !states.contains("v") ? d.writablePotential(d.eventNode) : slot("s", states.firstIndex(of: a.state)!)
            out += "        " + d.set(target, "=", printer.print(a.value)) + "\n    }\n"
        }
        return out + "}\n\n"
    }

    /// The states whose linear update (dx/dt = a + bb x) has a rate bb of parameters alone:
    /// its factor 1 - exp(dt bb) is the same every step until a parameter is set, so the
    /// update kernel keeps it rather than computing two exponentials per synapse per step
    /// (`refreshFactors`). Factor j is kept in the row `factorRow(j)` after the states.
    static func cachedFactors(_ syn: IRSynapse) -> [(state: Int, rate: IRExpr)] {
        let parameters = Set(syn.parameters)
        return syn.states.indices.compactMap { i in
            guard case .linear(_, let rate) = syn.states[i].update, rate.refs.isSubset(of: parameters), rate.randomSites.isEmpty else { return nil }
            return (i, rate)
        }
    }

    /// The row of kept factor `j` (`cachedFactors`).
    static func factorRow(_ syn: IRSynapse, _ j: Int) -> Int { syn.states.count + j }

    /// The rows of a synapse type's state array: its states, then one per kept factor.
    static func stateRows(_ syn: IRSynapse) -> Int { syn.states.count + cachedFactors(syn).count }

    /// Before the update loop: computes the kept factors of the instances in range again when
    /// the runtime has raised `refresh` (a new block, a parameter set, a restored checkpoint;
    /// the runtime lowers it after the update). The factor is the expression the update would
    /// compute, so the states get the same bits.
    static func refreshFactors(_ syn: IRSynapse, printer: ExpressionPrinter, _ d: Dialect) -> String {
        let factors = cachedFactors(syn)
        guard !factors.isEmpty else { return "" }
        let ind = "        "
        var s = "    " + d.ifOpen("\(d.count("b", "refresh")) != 0") + "\n"
        s += "    " + d.cells("k", from: "first", to: "last") + "\n" + ind + d.instanceBody("k") + "\n" + loads(syn, states: false, d, ind)
        for (j, f) in factors.enumerated() {
            s += ind + d.let_("bb\(j)", printer.print(f.rate)) + "\n"
            s += ind + d.set(slot("s", factorRow(syn, j)), "=", "1.0 - brc_exp(dt * bb\(j))") + "\n"
        }
        return s + "    }\n    }\n"
    }

    /// The current kernel's body. Each instance's conditions, i0 = i(v) and i1 = i(v + 0.001)
    /// are computed in a vectorised loop over chunks of `chunk` instances into scratch rows,
    /// then added into the nodes' current and conductance in instance order (synapses on one
    /// node add into one place, so that loop stays scalar): the same sums in the same order
    /// as one loop. A run of consecutive instances on one node is summed in locals and stored
    /// once, rather than through memory at each instance (whose store-to-load latency bounded
    /// that loop). A synapse whose condition resets the potential (an abstract cell) runs
    /// as one scalar loop, since the next instance on the node must see the reset.
    static func current(_ syn: IRSynapse, printer: ExpressionPrinter, _ d: Dialect) -> String {
        let writesPotential = syn.conditionsSetPotential
        let chunk = 64
        let ind = writesPotential ? "        " : "            "
        var body = prelude(syn, d, ind)
        if syn.derivativeBeforeConditions {
            // i1 (at v + 0.001) from the states before the conditions, as NEURON's first
            // BREAKPOINT call computes it (see IRSynapse.derivativeBeforeConditions).
            body += ind + d.var_("i1", "0.0") + "\n"
            body += ind + d.blockOpen + "\n" + loads(syn, states: true, d, ind + "    ")
            body += ind + "    " + d.let_("v_saved", "v") + "\n"
            body += ind + "    " + d.set("v", "+=", "0.001") + "\n"
            body += ind + "    " + d.set("i1", "=", printer.print(syn.current)) + "\n"
            body += ind + "    " + d.set("v", "=", "v_saved") + "\n" + ind + "}\n"
            body += conditions(syn, printer: printer, d, ind) + loads(syn, states: true, d, ind)
            body += ind + d.let_("i0", printer.print(syn.current)) + "\n"
        } else if syn.derivativeThroughConditions {
            // NEURON's two BREAKPOINT calls: the conditions and i1 at v + 0.001, then the
            // conditions and i0 at v (see IRSynapse.derivativeThroughConditions).
            body += ind + d.var_("i1", "0.0") + "\n"
            body += ind + d.blockOpen + "\n"
            body += ind + "    " + d.let_("v_saved", "v") + "\n"
            body += ind + "    " + d.set("v", "+=", "0.001") + "\n"
            body += conditions(syn, printer: printer, d, ind + "    ") + loads(syn, states: true, d, ind + "    ")
            body += ind + "    " + d.set("i1", "=", printer.print(syn.current)) + "\n"
            body += ind + "    " + d.set("v", "=", "v_saved") + "\n" + ind + "}\n"
            body += conditions(syn, printer: printer, d, ind) + loads(syn, states: true, d, ind)
            body += ind + d.let_("i0", printer.print(syn.current)) + "\n"
        } else {
            body += conditions(syn, printer: printer, d, ind) + loads(syn, states: true, d, ind)
            body += ind + d.let_("i0", printer.print(syn.current)) + "\n"
            body += ind + d.set("v", "+=", "0.001") + "\n"
            body += ind + d.let_("i1", printer.print(syn.current)) + "\n"
        }
        let isyn = d.array("b", "i_syn"), gsyn = d.array("b", "g_syn")
        if writesPotential {
            var out = d.instanceHead() + "    " + d.forUp("k", "first", "last") + "\n" + ind + d.instanceBody("k") + "\n" + body
            out += ind + d.set("\(isyn)[node]", "+=", "i0") + "\n"
            out += ind + d.set("\(gsyn)[node]", "+=", "(i0 - i1) / 0.001") + "\n"
            return out + "    }\n}\n\n"
        }
        var out = d.instanceHead() + d.scratch(["i_row", "g_row"], size: chunk)
        out += "    " + d.chunks(from: "first", to: "last", width: chunk) + "\n"
        out += "        " + d.int("m", "last - c0 < \(chunk) ? last - c0 : \(chunk)") + "\n"
        out += "        " + d.cells("j", "m") + "\n"
        out += ind + d.int("k", "c0 + j") + " " + d.instanceBody("k") + "\n" + body
        out += ind + d.set("i_row[j]", "=", "i0") + " " + d.set("g_row[j]", "=", "(i0 - i1) / 0.001") + "\n"
        out += "        }\n"
        let store = d.set("\(isyn)[node]", "=", "si") + " " + d.set("\(gsyn)[node]", "=", "sg")
        out += "        " + d.intVar("node", d.targetNode("c0")) + " " + d.var_("si", "\(isyn)[node]") + " " + d.var_("sg", "\(gsyn)[node]") + "\n"
        out += "        " + d.forUp("j", "0", "m") + "\n"
        out += "            " + d.int("next", d.targetNode("c0 + j")) + "\n"
        out += "            " + d.ifOpen("next != node") + " " + store + " " + d.set("node", "=", "next") + " "
            + d.set("si", "=", "\(isyn)[node]") + " " + d.set("sg", "=", "\(gsyn)[node]") + " }\n"
        out += "            " + d.set("si", "+=", "i_row[j]") + " " + d.set("sg", "+=", "g_row[j]") + "\n"
        out += "        }\n"
        out += "        " + store + "\n    }\n}\n\n"
        return out
    }

    /// Before the conditions (an abstract cell's dynamics): the current the node has received
    /// so far this step into `nodeCurrent` (LEMS's iSyn), and the spike counter `spikeFlag` cleared.
    static func prelude(_ syn: IRSynapse, _ d: Dialect, _ ind: String) -> String {
        let states = syn.states.map(\.name)
        var out = ""
        if let s = syn.nodeCurrent { out += ind + d.set(slot("s", states.firstIndex(of: s)!), "=", "\(d.array("b", "i_syn"))[node]") + "\n" }
        if let s = syn.spikeFlag { out += ind + d.set(slot("s", states.firstIndex(of: s)!), "=", "0.0") + "\n" }
        return out
    }

    /// `if (test) { assignments }` for each condition, each seeing earlier assignments: those of
    /// earlier conditions and, as jLEMS runs a condition's StateAssignments, the earlier ones
    /// of its own (each assignment re-reads the states). An assignment to `v` (not a state)
    /// sets the node's membrane potential.
    static func conditions(_ syn: IRSynapse, printer: ExpressionPrinter, _ d: Dialect, _ ind: String) -> String {
        let states = syn.states.map(\.name)
        var out = ""
        for c in syn.conditions {
            out += ind + d.blockOpen + "\n" + loads(syn, states: false, d, ind + "    ") + reload(states, d, ind + "    ")
            out += ind + "    if (\(printer.print(c.test)) != 0.0) {\n"
            for (k, a) in c.assignments.enumerated() {
                if a.state == "v", !states.contains("v") {
                    // An abstract cell's reset: the membrane potential of the node itself.
                    // (The ABI gives synapses a read-only view of the potentials; only this writes.)
                    let vNode = d.writablePotential("node")
                    out += ind + "        " + d.set("v", "=", printer.print(a.value)) + "\n"
                    out += ind + "        " + d.set(vNode, "=", "v") + "\n"
                    continue
                }
                let store = d.set(slot("s", states.firstIndex(of: a.state)!), "=", printer.print(a.value))
                if !c.assignments[..<k].contains(where: { a.value.refs.contains($0.state) }) {
                    out += ind + "        " + store + "\n"
                } else {
                    // Reads a state assigned above in this condition: its new value.
                    out += ind + "        " + d.blockOpen + "\n" + reload(states, d, ind + "            ") + ind + "            " + store + "\n" + ind + "        }\n"
                }
            }
            out += ind + "    }\n" + ind + "}\n"
        }
        return out
    }

    /// `p_x = p[i]` and (with `states`) `s_x = s[i]` locals.
    static func loads(_ syn: IRSynapse, states: Bool, _ d: Dialect, _ ind: String) -> String {
        var s = ""
        for (i, p) in syn.parameters.enumerated() { s += ind + d.let_("p_\(identifier(p))", slot("p", i)) + " " + d.unused(["p_\(identifier(p))"]) + "\n" }
        if states { s += reload(syn.states.map(\.name), d, ind) }
        return s
    }

    /// Re-reads the states (event handlers and conditions see earlier assignments).
    static func reload(_ states: [String], _ d: Dialect, _ ind: String) -> String {
        states.enumerated().map { ind + d.let_("s_\(identifier($0.element))", slot("s", $0.offset)) + " " + d.unused(["s_\(identifier($0.element))"]) + "\n" }.joined()
    }
}
