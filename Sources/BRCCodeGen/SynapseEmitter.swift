import BRCIR

/// C for one synapse type: init, current (with NEURON's numerical di/dv), update (states,
/// then conditions) and event.
enum SynapseEmitter {
    static func emit(_ syn: IRSynapse, prefix: String) -> String {
        let np = syn.parameters.count, ns = syn.states.count
        let printer = CExpressionPrinter.forKernel(parameters: syn.parameters, states: syn.states.map(\.name))
        let states = syn.states.map(\.name)
        let ind = "        "
        func header(_ name: String, extra: String = "") -> String {
            var s = "static void \(prefix)_\(name)(brc_synapses *b\(extra)) {\n"
            s += "    const double dt = b->dt, t = b->t, temperature = b->temperature;\n"
            s += "    (void)dt; (void)t; (void)temperature;\n"
            return s
        }
        let open = """
            for (int64_t k = 0; k < b->n; ++k) {
                const int64_t node = b->target[k];
                double v = b->v[node];
                const double *p = b->param + k * \(np);
                double *s = b->state + k * \(ns);

        """
        var out = "/* ==== synapse \(syn.name): \(syn.origin) ==== */\n"
        // init
        out += header("init") + open + loads(syn, states: false)
        for (i, st) in syn.states.enumerated() { out += "\(ind)s[\(i)] = \(printer.print(st.initial));\n" }
        out += "\(ind)(void)v;\n    }\n}\n\n"
        // current: conditions first (NEURON runs the exported BREAKPOINT at mid-step), then i
        out += header("current") + open + conditions(syn, printer: printer, indent: ind)
        out += loads(syn, states: true)
        out += "\(ind)const double i0 = \(printer.print(syn.current));\n"
        out += "\(ind)v += 0.001;\n"
        out += "\(ind)const double i1 = \(printer.print(syn.current));\n"
        out += "\(ind)b->i_syn[node] += i0;\n"
        out += "\(ind)b->g_syn[node] += (i0 - i1) / 0.001;\n"
        out += "    }\n}\n\n"
        // update
        out += header("update") + open + loads(syn, states: true)
        for a in syn.locals { out += "\(ind)const double l_\(cIdentifier(a.name)) = \(printer.print(a.value));\n" }
        out += CEmitter.stateUpdates(syn.states, printer: printer, indent: ind)
        out += "\(ind)(void)v;\n    }\n}\n\n"
        // event
        out += "static void \(prefix)_event(brc_synapses *b, int64_t k, double weight) {\n"
        out += "    const double dt = b->dt, t = b->t, temperature = b->temperature;\n"
        out += "    (void)dt; (void)t; (void)temperature; (void)weight;\n"
        out += "    const double v = b->v[b->target[k]]; (void)v;\n"
        out += "    const double *p = b->param + k * \(np);\n"
        out += "    double *s = b->state + k * \(ns);\n"
        out += CEmitter.loads(parameters: syn.parameters, states: [], indent: "    ")
        for a in syn.onEvent {
            out += "    {\n" + reload(states, "        ")
            out += "        s[\(states.firstIndex(of: a.state)!)] = \(printer.print(a.value));\n    }\n"
        }
        out += "}\n\n"
        return out
    }

    /// `if (test) { assignments }` for each condition, each seeing earlier assignments.
    static func conditions(_ syn: IRSynapse, printer: CExpressionPrinter, indent ind: String) -> String {
        let states = syn.states.map(\.name)
        var out = ""
        for c in syn.conditions {
            out += "\(ind){\n" + CEmitter.loads(parameters: syn.parameters, states: [], indent: ind + "    ") + reload(states, ind + "    ")
            out += "\(ind)    if (\(printer.print(c.test)) != 0.0) {\n"
            for a in c.assignments { out += "\(ind)        s[\(states.firstIndex(of: a.state)!)] = \(printer.print(a.value));\n" }
            out += "\(ind)    }\n\(ind)}\n"
        }
        return out
    }

    static func loads(_ syn: IRSynapse, states: Bool) -> String {
        CEmitter.loads(parameters: syn.parameters, states: states ? syn.states.map(\.name) : [], indent: "        ")
    }

    /// Re-reads the states (event handlers and conditions see earlier assignments).
    static func reload(_ states: [String], _ ind: String) -> String {
        states.enumerated().map { "\(ind)const double s_\(cIdentifier($0.element)) = s[\($0.offset)]; (void)s_\(cIdentifier($0.element));\n" }.joined()
    }
}
