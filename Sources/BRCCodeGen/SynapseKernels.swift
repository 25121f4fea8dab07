import BRCIR

/// One synapse type's four functions: init, current (conditions first, then i with NEURON's
/// numerical di/dv), update (states) and event.
enum SynapseKernels {
    static func emit(_ syn: IRSynapse, prefix: String, _ d: Dialect) -> String {
        let np = syn.parameters.count, ns = syn.states.count
        let printer = ExpressionPrinter.forKernel(d.language, parameters: syn.parameters, states: syn.states.map(\.name))
        let ind = "        "
        func header(_ name: String) -> String {
            var s = d.function("\(prefix)_\(name)", "brc_synapses")
            s += "    " + d.let_("dt", d.field("b", "dt")) + " " + d.let_("t", d.field("b", "t")) + " " + d.let_("temperature", d.field("b", "temperature")) + "\n"
            s += "    " + d.unused(["dt", "t", "temperature"]) + "\n"
            return s
        }
        // The loop over instances, with v, p (parameters) and s (states) of instance k.
        let open = d.instanceLoop(parameters: np, states: ns)
        var out = d.comment("==== synapse \(syn.name): \(syn.origin) ====") + "\n"
        out += header("init") + open + loads(syn, states: false, d, ind)
        for (i, st) in syn.states.enumerated() { out += ind + d.set("s[\(i)]", "=", printer.print(st.initial)) + "\n" }
        out += "    }\n}\n\n"
        out += header("current") + open
        if syn.derivativeBeforeConditions {
            // i1 (at v + 0.001) from the states before the conditions, as NEURON's first
            // BREAKPOINT call computes it (see IRSynapse.derivativeBeforeConditions).
            out += ind + d.var_("i1", "0.0") + "\n"
            out += ind + d.blockOpen + "\n" + loads(syn, states: true, d, ind + "    ")
            out += ind + "    " + d.let_("v_saved", "v") + "\n"
            out += ind + "    " + d.set("v", "+=", "0.001") + "\n"
            out += ind + "    " + d.set("i1", "=", printer.print(syn.current)) + "\n"
            out += ind + "    " + d.set("v", "=", "v_saved") + "\n" + ind + "}\n"
            out += conditions(syn, printer: printer, d, ind) + loads(syn, states: true, d, ind)
            out += ind + d.let_("i0", printer.print(syn.current)) + "\n"
        } else {
            out += conditions(syn, printer: printer, d, ind) + loads(syn, states: true, d, ind)
            out += ind + d.let_("i0", printer.print(syn.current)) + "\n"
            out += ind + d.set("v", "+=", "0.001") + "\n"
            out += ind + d.let_("i1", printer.print(syn.current)) + "\n"
        }
        let isyn = d.array("b", "i_syn"), gsyn = d.array("b", "g_syn")
        out += ind + d.set("\(isyn)[node]", "+=", "i0") + "\n"
        out += ind + d.set("\(gsyn)[node]", "+=", "(i0 - i1) / 0.001") + "\n"
        out += "    }\n}\n\n"
        out += header("update") + open + loads(syn, states: true, d, ind)
        for a in syn.locals { out += ind + d.let_("l_\(identifier(a.name))", printer.print(a.value)) + "\n" }
        out += KernelEmitter.stateUpdates(syn.states, printer: printer, indent: ind, d) { "s[\($0)]" }
        out += "    }\n}\n\n"
        // event
        out += d.function("\(prefix)_event", "brc_synapses", extra: "int64_t k, double weight")
        out += "    " + d.let_("dt", d.field("b", "dt")) + " " + d.let_("t", d.field("b", "t")) + " " + d.let_("temperature", d.field("b", "temperature")) + "\n"
        out += "    " + d.unused(["dt", "t", "temperature", "weight"]) + "\n"
        out += d.eventPrologue(parameters: np, states: ns)
        out += loads(syn, states: false, d, "    ")
        let states = syn.states.map(\.name)
        for a in syn.onEvent {
            out += "    " + d.blockOpen + "\n" + reload(states, d, "        ")
            out += "        " + d.set("s[\(states.firstIndex(of: a.state)!)]", "=", printer.print(a.value)) + "\n    }\n"
        }
        return out + "}\n\n"
    }

    /// `if (test) { assignments }` for each condition, each seeing earlier assignments. An
/// assignment to `v` (not a state) sets the node's membrane potential.
    static func conditions(_ syn: IRSynapse, printer: ExpressionPrinter, _ d: Dialect, _ ind: String) -> String {
        let states = syn.states.map(\.name)
        var out = ""
        for c in syn.conditions {
            out += ind + d.blockOpen + "\n" + loads(syn, states: false, d, ind + "    ") + reload(states, d, ind + "    ")
            out += ind + "    if (\(printer.print(c.test)) != 0.0) {\n"
            for a in c.assignments {
                if a.state == "v", !states.contains("v") {
                    // An abstract cell's reset: the membrane potential of the node itself.
                    // (The ABI gives synapses a read-only view of the potentials; only this writes.)
                    let vNode = d.writablePotential("node")
                    out += ind + "        " + d.set("v", "=", printer.print(a.value)) + "\n"
                    out += ind + "        " + d.set(vNode, "=", "v") + "\n"
                    continue
                }
                out += ind + "        " + d.set("s[\(states.firstIndex(of: a.state)!)]", "=", printer.print(a.value)) + "\n"
            }
            out += ind + "    }\n" + ind + "}\n"
        }
        return out
    }

    /// `p_x = p[i]` and (with `states`) `s_x = s[i]` locals.
    static func loads(_ syn: IRSynapse, states: Bool, _ d: Dialect, _ ind: String) -> String {
        var s = ""
        for (i, p) in syn.parameters.enumerated() { s += ind + d.let_("p_\(identifier(p))", "p[\(i)]") + " " + d.unused(["p_\(identifier(p))"]) + "\n" }
        if states { s += reload(syn.states.map(\.name), d, ind) }
        return s
    }

    /// Re-reads the states (event handlers and conditions see earlier assignments).
    static func reload(_ states: [String], _ d: Dialect, _ ind: String) -> String {
        states.enumerated().map { ind + d.let_("s_\(identifier($0.element))", "s[\($0.offset)]") + " " + d.unused(["s_\(identifier($0.element))"]) + "\n" }.joined()
    }
}
