import BRCIR

/// IR -> kernel source, one walk for every target (the target's `Dialect` prints what differs).
/// Pure: the same IR gives the same text. Per cell type an init and a step function with the
/// compartment tree baked in as constant tables and the mechanism code inlined, in a unit (a
/// file compiled on its own) of its own; per synapse type four functions, all synapse types in
/// one unit; parameters are read from the run-time arrays. Types whose functions would be the
/// same text share one copy (`SharedKernels`).
public enum KernelEmitter {
    /// Cells are processed in chunks of `chunk`; inside a chunk every loop runs over the
    /// chunk's cells, so the compiler vectorises it (all math is plain arithmetic and
    /// `brc_exp`, so vector and scalar lanes give the same bits).
    static let chunk = 16
    /// The fast kernels' chunk: 32 cells, two 16-float vectors per loop iteration (measured on
    /// the study network's cell kernels: 9.9 -> 8.9 ns per compartment-step, the same bits;
    /// exact kernels gain nothing from it, 24.5 -> 24.2; docs/performance.md).
    static func chunk(fast: Bool) -> Int { fast ? 32 : chunk }
    /// Blocks the runtime pads to a multiple of this (brc_cell_kernel.lanes). Fast kernels: 16,
    /// one float vector, since their leftover cells, run scalar, cost about half a vector
    /// iteration each (the study network at one trial: the I cells' 25 take 6.0 us per step,
    /// padded to 32 2.7 us; docs/performance.md). Exact C kernels: 8, one double vector of
    /// AVX-512 (the study network's cell kernels at one trial: 62.9 us per step, padded 58.3
    /// us; the same bits, as a cell computes the same in a vector lane as in the scalar loop).
    /// Swift kernels (exact only): 8, as exact C, since LLVM vectorises their loops too
    /// (`BuildPlan.swiftVectorisation`).
    static func lanes(fast: Bool, target: KernelTarget) -> Int {
        switch target {
        case .c: return fast ? 16 : 8
        case .swift: return 8
        }
    }

    /// A cell type in the exported table: name, kernel prefix, nodes, parameters, states, and
    /// the block multiple the step kernel computes without scalar leftovers (`lanes`).
    typealias CellEntry = (name: String, prefix: String, nodes: Int, params: Int, states: Int, lanes: Int)
    /// A synapse type in the exported table: name, kernel prefix, parameters, states.
    typealias SynapseEntry = (name: String, prefix: String, params: Int, states: Int)

    /// `precision: .fast` is C only (`KernelPrecision`); the driver refuses it for Swift. Fast
    /// cell-type units start with the fast pragma and carry the single-precision helpers.
    public static func emit(_ model: IRModel, target: KernelTarget, precision: KernelPrecision = .exact) -> KernelSource {
        precondition(precision == .exact || target == .c, "--precision fast is implemented for the C backend only")
        let d = target.dialect
        let fast = precision == .fast
        var cellKernels = SharedKernels(), cells: [CellEntry] = []
        for (i, ct) in model.cellTypes.enumerated() {
            let layout = model.layout(of: i)
            let prefix = cellKernels.prefix("ct\(i)" + readable(ct.name), heading: d.comment("==== cell type \(ct.name): \(ct.origin); \(ct.nodes.count) nodes ====")) {
                cellType(ct, prefix: $0, model: model, layout: layout, fast: fast, d)
            }
            cells.append((ct.name, prefix, ct.nodes.count, layout.paramCount, layout.stateCount, lanes(fast: fast, target: target)))
        }
        var units = cellKernels.texts.enumerated().map { u, text in
            KernelUnit(stem: "kernels_ct\(u)", prologue: fast ? Preamble.cFastPragma : "", body: (fast ? Preamble.cSingle : "") + text)
        }
        var synapseKernels = SharedKernels(), synapses: [SynapseEntry] = []
        for (i, syn) in model.synapses.enumerated() {
            let prefix = synapseKernels.prefix("syn\(i)" + readable(syn.name), heading: d.comment("==== synapse \(syn.name): \(syn.origin) ====")) {
                SynapseKernels.emit(syn, prefix: $0, d)
            }
            synapses.append((syn.name, prefix, syn.parameters.count, SynapseKernels.stateRows(syn)))
        }
        if !synapseKernels.groups.isEmpty {
            units.append(KernelUnit(stem: "kernels_synapses", prologue: "", body: synapseKernels.texts.joined()))
        }
        return KernelSource(target: target, files: d.files(units: units, cells: cells, synapses: synapses, precision: precision), precision: precision)
    }

    /// Kernels shared between types. A type's kernel text is a function of the type and its
    /// prefix alone, so two types whose text is the same under one prefix (the study network's
    /// eleven synapse types, which differ only in parameter values, read at run time) share one
    /// set of functions: written once, under the first type's prefix, headed by every sharing
    /// type's comment. Fewer functions compile faster (docs/performance.md) and the table
    /// points several entries at one function; the results are the same, computed by the same
    /// text.
    struct SharedKernels {
        /// The kernels written, in order: the prefix they are written under, the comments of
        /// the types using them, and the functions under that prefix.
        private(set) var groups: [(prefix: String, headings: [String], body: String)] = []
        private var index: [String: Int] = [:]
        /// Stands for the prefix while texts are compared. U+0001 appears nowhere else in
        /// generated code (model text reaches it only through `SourceText` and `identifier`,
        /// which never write control characters), so texts equal under it are equal under any
        /// prefix, and replacing it gives the text under the real one.
        static let placeholder = "\u{1}"

        /// The prefix of a type's kernels: `prefix`, with the kernels `kernels(prefix)` added,
        /// or the prefix of earlier identical kernels, which `heading` then also heads.
        mutating func prefix(_ prefix: String, heading: String, kernels: (String) -> String) -> String {
            let text = kernels(Self.placeholder)
            if let g = index[text] {
                groups[g].headings.append(heading)
                return groups[g].prefix
            }
            index[text] = groups.count
            groups.append((prefix, [heading], text.replacingOccurrences(of: Self.placeholder, with: prefix)))
            return prefix
        }

        /// Each group's text: its types' comments, then its functions.
        var texts: [String] { groups.map { $0.headings.joined(separator: "\n") + "\n" + $0.body } }
    }

    /// `_name` for a plain name, else nothing: kernel prefixes are unique by their index, the
    /// name is only for the reader.
    static func readable(_ name: String) -> String { identifier(name) == name ? "_" + name : "" }

    /// A cell type's constant tables and its init and step functions (its heading comment is
    /// the caller's: `SharedKernels`).
    static func cellType(_ ct: IRCellType, prefix: String, model: IRModel, layout: IRLayout, fast: Bool = false, _ d: Dialect) -> String {
        let printer = ExpressionPrinter(target: d.target, name: { $0 })
        var s = d.table("\(prefix)_parent", ints: ct.nodes.map(\.parent))
        s += d.comment("membrane area (um2)") + "\n" + d.table("\(prefix)_area", doubles: ct.nodes.map(\.area), printer: printer)
        s += d.comment("capacitance cm * area (nF)") + "\n" + d.table("\(prefix)_cap", doubles: ct.nodes.map { $0.cm * $0.area }, printer: printer)
        for (j, pl) in ct.placements.enumerated() {
            s += d.comment("\(pl.label): \(model.mechanisms[pl.mechanism].name) on \(pl.nodes.count) nodes") + "\n"
            s += d.table("\(prefix)_pl\(j)_nodes", ints: pl.nodes)
        }
        // Where a placement reads an ion's concentration: the state row of the pool at each node.
        for (j, pl) in ct.placements.enumerated() {
            for ion in ct.poolIons(model.mechanisms) where model.mechanisms[pl.mechanism].reads.contains(IRMechanism.ionConcentrationName(ion)) {
                let rows = pl.nodes.map { node -> Int in
                    let (q, k) = ct.pool(of: ion, atNode: node, model.mechanisms)!
                    return layout.stateBase[q] + k * model.mechanisms[ct.placements[q].mechanism].states.count
                }
                s += d.comment("\(pl.label): state rows of the \(ion) concentration at its nodes") + "\n"
                s += d.table("\(prefix)_pl\(j)_\(IRMechanism.ionConcentrationName(ion))", ints: rows)
            }
        }
        s += "\n"
        s += function(ct, prefix: prefix, model: model, layout: layout, initialise: true, d)
        s += function(ct, prefix: prefix, model: model, layout: layout, initialise: false, fast: fast, d)
        return s
    }

    static func function(_ ct: IRCellType, prefix: String, model: IRModel, layout: IRLayout, initialise: Bool, fast: Bool = false, _ d: Dialect) -> String {
        let n = ct.nodes.count, w = chunk(fast: fast)
        // Pools first: channels read the concentration they hold (NEURON's order when the pool's
        // mechanism sorts before the channel's; docs/numerics.md).
        let ions = ct.poolIons(model.mechanisms)
        let order = ct.placements.indices.filter { model.mechanisms[ct.placements[$0].mechanism].pool != nil }
            + ct.placements.indices.filter { model.mechanisms[ct.placements[$0].mechanism].pool == nil }
        var s = d.function("\(prefix)_\(initialise ? "init" : "step")", "brc_cells")
        let i1 = "    ", i2 = "        ", i3 = "            "
        s += i1 + d.let_("dt", d.field("b", "dt")) + " " + d.let_("t", d.field("b", "t")) + " " + d.let_("temperature", d.field("b", "temperature")) + "\n"
        s += i1 + d.unused(["dt", "t", "temperature"]) + "\n"
        if fast {  // the built-ins as the single-precision rate code reads them
            s += i1 + "const float dtf = (float)dt, tf = (float)t, temperaturef = (float)temperature; (void)dtf; (void)tf; (void)temperaturef;\n"
        }
        s += i1 + d.int("n", d.count("b", "n_cells")) + "\n"
        s += i1 + d.pointer("V", d.array("b", "v")) + "\n"
        s += i1 + d.pointer("P", d.array("b", "param"), mutable: false) + "\n"
        s += i1 + d.pointer("S", d.array("b", "state")) + "\n"
        s += i1 + d.unused(["V", "P", "S", "n"]) + "\n"
        if !initialise {
            s += i1 + d.pointer("I", d.array("b", "i_inj"), mutable: false) + " "
            s += d.pointer("G", d.array("b", "g_ext"), mutable: false) + "\n"
            s += d.scratch(["rhs", "d"], size: n * w)
            if !ions.isEmpty { s += d.scratch(ions.map { "ion_\($0)" }, size: n * w) }
            s += d.geometry(prefix: prefix)
            s += i1 + d.unused(["area"]) + "\n"
        }
        let first = d.count("b", "first"), last = d.count("b", "last")
        s += "    " + d.chunks(from: first, to: last, width: w) + "\n"
        s += i2 + d.int("m", "\(last) - c0 < \(w) ? \(last) - c0 : \(w)") + "\n"
        if initialise {
            for j in order {
                let pl = ct.placements[j], isPool = model.mechanisms[pl.mechanism].pool != nil
                s += placement(pl, j, prefix: prefix, model: model, layout: layout, body: .initialise, gateStart: isPool ? nil : ct.initialGateValue, ions: ions, d)
            }
            return s + "    }\n}\n\n"
        }
        s += i2 + d.forUp("k", "0", "\(n)") + "\n"
        s += i3 + d.let_("cdt", "cap[k] / dt") + "\n"
        s += i3 + d.cells("j", "m") + " " + d.set("rhs[k * \(w) + j]", "=", "I[k * n + c0 + j]") + " " + d.set("d[k * \(w) + j]", "=", "cdt + G[k * n + c0 + j]") + " }\n"
        s += i2 + "}\n"
        if !ions.isEmpty {
            s += i2 + d.comment("each pool ion's membrane current per node (nA), summed over the channels carrying it") + "\n"
            s += i2 + d.forUp("k", "0", "\(n)") + "\n"
            s += i3 + d.cells("j", "m") + " " + ions.map { d.set("ion_\($0)[k * \(w) + j]", "=", "0.0") }.joined(separator: " ") + " }\n"
            s += i2 + "}\n"
        }
        s += i2 + d.comment("membrane currents from the present state; conductances enter the diagonal") + "\n"
        for (j, pl) in ct.placements.enumerated() where model.mechanisms[pl.mechanism].pool == nil {
            s += placement(pl, j, prefix: prefix, model: model, layout: layout, body: .current, fast: fast, ions: ions, d)
        }
        s += i2 + d.comment("axial currents between each node and its parent") + "\n"
        s += i2 + d.forUp("k", "1", "\(n)") + "\n"
        s += i3 + d.int("p", "parent[k]") + " " + d.let_("g", "gax[k]") + "\n"
        s += i3 + d.cells("j", "m") + "\n"
        s += i3 + "    " + d.let_("i", "g * (V[p * n + c0 + j] - V[k * n + c0 + j])") + "\n"
        s += i3 + "    " + d.set("rhs[k * \(w) + j]", "+=", "i") + " " + d.set("rhs[p * \(w) + j]", "-=", "i") + " "
        s += d.set("d[k * \(w) + j]", "+=", "g") + " " + d.set("d[p * \(w) + j]", "+=", "g") + "\n"
        s += i3 + "}\n" + i2 + "}\n"
        s += i2 + d.comment("Hines elimination (children have higher indices than their parents)") + "\n"
        s += i2 + d.forDown("k", from: "\(n - 1)", through: "1") + "\n"
        s += i3 + d.int("p", "parent[k]") + " " + d.let_("g", "gax[k]") + "\n"
        s += i3 + d.cells("j", "m") + "\n"
        s += i3 + "    " + d.let_("f", "g / d[k * \(w) + j]") + "\n"
        s += i3 + "    " + d.set("d[p * \(w) + j]", "-=", "f * g") + " " + d.set("rhs[p * \(w) + j]", "+=", "f * rhs[k * \(w) + j]") + "\n"
        s += i3 + "}\n" + i2 + "}\n"
        s += i2 + d.cells("j", "m") + " " + d.set("rhs[j]", "/=", "d[j]") + " }\n"
        s += i2 + d.forUp("k", "1", "\(n)") + "\n"
        s += i3 + d.int("p", "parent[k]") + " " + d.let_("g", "gax[k]") + "\n"
        s += i3 + d.cells("j", "m") + " " + d.set("rhs[k * \(w) + j]", "=", "(rhs[k * \(w) + j] + g * rhs[p * \(w) + j]) / d[k * \(w) + j]") + " }\n"
        s += i2 + "}\n"
        s += i2 + d.forUp("k", "0", "\(n)") + "\n"
        s += i3 + d.cells("j", "m") + " " + d.set("V[k * n + c0 + j]", "+=", "rhs[k * \(w) + j]") + " }\n"
        s += i2 + "}\n"
        s += i2 + d.comment("states advance with the new potential") + "\n"
        for j in order { s += placement(ct.placements[j], j, prefix: prefix, model: model, layout: layout, body: .states, fast: fast, ions: ions, d) }
        return s + "    }\n}\n\n"
    }

    enum Body { case initialise, current, states }

    /// One placement's loop; `gateStart`, if given, replaces every state's initial value.
    /// `fast`: the state update in single precision (`KernelPrecision.fast`, C only).
    /// `ions`: the cell type's pool ions; a channel carrying one adds its current to the node's
    /// sum (`ion_<ion>`), and node values (area, concentrations, ion currents) are loaded where
    /// the mechanism reads them.
    static func placement(_ pl: IRPlacement, _ j: Int, prefix: String, model: IRModel, layout: IRLayout, body: Body, gateStart: Double? = nil,
                          fast: Bool = false, ions: [String] = [], _ d: Dialect) -> String {
        let m = model.mechanisms[pl.mechanism]
        let np = m.parameters.count, ns = m.states.count, w = chunk(fast: fast)
        let single = fast && body == .states && d.target == .c
        let reads = ions.isEmpty ? [] : m.reads
        let nodeNames = IRMechanism.nodeNames(ions: ions).intersection(reads)
        var printer = ExpressionPrinter.forKernel(d.target, parameters: m.parameters, states: m.states.map(\.name), nodes: nodeNames)
        if single { printer = printer.singlePrecision() }
        // Locals of the loop body: double, or float in the single-precision state update.
        let real: (String, String) -> String = { name, value in single ? "const float \(name) = \(value);" : d.let_(name, value) }
        let load: (String) -> String = { single ? "(float)\($0)" : $0 }
        let ind = "                    ", i2 = "        ", i3 = "            "
        var s = i2 + d.comment("\(pl.label): \(m.origin)") + "\n"
        s += i2 + d.forUp("q", "0", "\(pl.nodes.count)") + "\n"
        s += i3 + d.int("node", "\(prefix)_pl\(j)_nodes[q]") + "\n"
        // Row pointers: every access in the vector loop is row[j].
        s += i3 + d.pointer("vrow", "V + node * n + c0") + "\n"
        for i in 0..<np { s += i3 + d.pointer("prow\(i)", "P + (\(layout.paramBase[j]) + q * \(np) + \(i)) * n + c0", mutable: false) + "\n" }
        for i in 0..<ns { s += i3 + d.pointer("srow\(i)", "S + (\(layout.stateBase[j]) + q * \(ns) + \(i)) * n + c0") + "\n" }
        if body == .current {
            s += i3 + d.let_("a", "area[node]") + "\n"
            s += i3 + d.pointer("rrow", "rhs + node * \(w)") + " " + d.pointer("drow", "d + node * \(w)") + "\n"
        }
        let carries = body == .current && m.ion.map { ions.contains($0) } == true
        if carries { s += i3 + d.pointer("irow", "ion_\(m.ion!) + node * \(w)") + "\n" }
        for ion in ions {
            let c = IRMechanism.ionConcentrationName(ion), i = IRMechanism.ionCurrentName(ion)
            if nodeNames.contains(c) { s += i3 + d.pointer("crow_\(ion)", "S + \(prefix)_pl\(j)_\(c)[q] * n + c0") + "\n" }
            if nodeNames.contains(i) && body != .initialise { s += i3 + d.pointer("ionrow_\(ion)", "ion_\(ion) + node * \(w)") + "\n" }
        }
        s += i3 + d.cells("j", "m") + "\n"
        s += ind + real("v", load("vrow[j]")) + "\n"
        var unused = ["v"]
        if nodeNames.contains("area") { s += ind + real("n_area", load("\(prefix)_area[node]")) + "\n"; unused.append("n_area") }
        for ion in ions {
            let c = IRMechanism.ionConcentrationName(ion), i = IRMechanism.ionCurrentName(ion)
            if nodeNames.contains(c) { s += ind + real("n_\(c)", load("crow_\(ion)[j]")) + "\n"; unused.append("n_\(c)") }
            if nodeNames.contains(i) { s += ind + real("n_\(i)", body == .initialise ? (single ? "0.0f" : "0.0") : load("ionrow_\(ion)[j]")) + "\n"; unused.append("n_\(i)") }
        }
        for (i, p) in m.parameters.enumerated() { s += ind + real("p_\(identifier(p))", load("prow\(i)[j]")) + "\n"; unused.append("p_\(identifier(p))") }
        if body != .initialise {
            for (i, st) in m.states.enumerated() { s += ind + real("s_\(identifier(st.name))", load("srow\(i)[j]")) + "\n"; unused.append("s_\(identifier(st.name))") }
        }
        switch body {
        case .current:
            if let cur = m.current {
                // A non-ohmic current: NEURON's numerical conductance di/dv over 0.001 mV.
                let shifted = ExpressionPrinter(target: printer.target, name: { $0 == "v" ? "(v + 0.001)" : printer.name($0) }, single: printer.single)
                s += ind + d.let_("i_ion", "\(printer.print(cur)) * a") + " " + d.let_("i_up", "\(shifted.print(cur)) * a") + "\n"
                s += ind + d.let_("g", "(i_up - i_ion) / 0.001") + "\n"
                s += ind + d.set("rrow[j]", "-=", "i_ion") + (carries ? " " + d.set("irow[j]", "+=", "i_ion") : "") + "\n"
            } else {
            s += ind + d.let_("g", "\(printer.print(m.conductance)) * a") + "\n"
            if carries {
                s += ind + d.let_("i_ion", "g * (v - \(printer.print(m.reversal)))") + "\n"
                s += ind + d.set("rrow[j]", "-=", "i_ion") + " " + d.set("irow[j]", "+=", "i_ion") + "\n"
            } else {
                s += ind + d.set("rrow[j]", "-=", "g * (v - \(printer.print(m.reversal)))") + "\n"
            }
            }
            s += ind + d.set("drow[j]", "+=", "g") + "\n"
        case .initialise:
            // A local that reads a state (a gate's alpha of the previous step) reads its
            // initial value, defined just before it from the locals already computed.
            var defined: Set<String> = []
            for a in m.locals {
                for st in m.states where !defined.contains(st.name) && a.value.refs.contains(st.name) {
                    s += ind + d.let_("s_\(identifier(st.name))", printer.print(st.initial)) + "\n"
                    defined.insert(st.name)
                }
                s += ind + d.let_("l_\(identifier(a.name))", printer.print(a.value)) + "\n"; unused.append("l_\(identifier(a.name))")
            }
            for (i, st) in m.states.enumerated() { s += ind + d.set("srow\(i)[j]", "=", gateStart.map(printer.literal) ?? printer.print(st.initial)) + "\n" }
        case .states:
            for a in m.locals { s += ind + real("l_\(identifier(a.name))", printer.print(a.value)) + "\n"; unused.append("l_\(identifier(a.name))") }
            s += single ? singleStateUpdates(m.states, printer: printer, indent: ind) { "srow\($0)[j]" }
                : stateUpdates(m.states, printer: printer, indent: ind, d) { "srow\($0)[j]" }
        }
        s += ind + d.unused(unused) + "\n"
        return s + i3 + "}\n" + i2 + "}\n"
    }

    /// One step of every state from the values before the step (`s_x`), written by `store`;
    /// `cachedFactors` gives, by state, an expression holding a linear update's factor
    /// 1 - exp(dt bb) where it was kept.
    static func stateUpdates(_ states: [IRState], printer: ExpressionPrinter, indent ind: String, _ d: Dialect,
                             cachedFactors: [Int: String] = [:], store: (Int) -> String) -> String {
        var s = ""
        for (i, st) in states.enumerated() {
            let x = "s_\(identifier(st.name))", out = store(i)
            switch st.update {
            case .exponential(let inf, let tau):
                s += ind + d.set(out, "=", "\(x) + (1.0 - brc_exp(-dt / l_\(identifier(tau)))) * (l_\(identifier(inf)) - \(x))") + "\n"
            case .instantaneous(let value):
                s += ind + d.set(out, "=", "l_\(identifier(value))") + "\n"
            case .assign(let e):
                s += ind + d.set(out, "=", printer.print(e)) + "\n"
            case .linear(let a, let b):
                // dx/dt = a + b x, exact for a, b frozen over the step (NEURON's cnexp form).
                // (`cachedFactors[i]`: where 1 - exp(dt bb) was kept, `SynapseKernels.cachedFactors`.)
                let factor = cachedFactors[i] ?? "(1.0 - brc_exp(dt * bb))"
                if case .const(let c) = a, c == 0, c.sign == .plus {
                    // A decay (every linear synapse's state): for a = +0 both branches of the
                    // general form equal x + f (0 - x) to the last bit for every finite x
                    // (-a/bb is ±0, and f = 1 - exp(dt bb) is exactly 0 where bb is 0), so
                    // neither the test nor the divisions are written.
                    let update = d.set(out, "=", "\(x) + \(factor) * (0.0 - \(x))")
                    s += cachedFactors[i] != nil ? ind + update + "\n"
                        : ind + "do { " + d.let_("bb", printer.print(b)) + "\n" + ind + "  " + update + d.doOnceClose + "\n"
                    continue
                }
                s += ind + "do {" + " " + d.let_("a", printer.print(a)) + " " + d.let_("bb", printer.print(b)) + "\n"
                s += ind + "  " + d.set(out, "=", "bb != 0.0 ? \(x) + \(factor) * (-a / bb - \(x)) : \(x) + dt * a") + d.doOnceClose + "\n"
            case .euler(let rate):
                s += ind + d.set(out, "=", "\(x) + dt * \(printer.print(rate))") + "\n"
            case .none:
                break
            }
        }
        return s
    }
}

extension KernelEmitter {
    /// `stateUpdates` in single-precision C (`--precision fast`): the same integration rules,
    /// with the factor 1 - exp(-h) from `brc_gatef`, which keeps its relative accuracy when
    /// h = dt/tau is small (slow gates), where 1 - expf(-h) would lose most of its digits.
    static func singleStateUpdates(_ states: [IRState], printer: ExpressionPrinter, indent ind: String, store: (Int) -> String) -> String {
        var s = ""
        for (i, st) in states.enumerated() {
            let x = "s_\(identifier(st.name))", out = store(i)
            switch st.update {
            case .exponential(let inf, let tau):
                s += ind + "\(out) = \(x) + brc_gatef(dtf / l_\(identifier(tau))) * (l_\(identifier(inf)) - \(x));\n"
            case .instantaneous(let value):
                s += ind + "\(out) = l_\(identifier(value));\n"
            case .assign(let e):
                s += ind + "\(out) = \(printer.print(e));\n"
            case .linear(let a, let b):
                s += ind + "do { const float a = \(printer.print(a)); const float bb = \(printer.print(b));\n"
                s += ind + "  \(out) = bb != 0.0f ? \(x) + brc_gatef(-dtf * bb) * (-a / bb - \(x)) : \(x) + dtf * a; } while (0);\n"
            case .euler(let rate):
                s += ind + "\(out) = \(x) + dtf * \(printer.print(rate));\n"
            case .none:
                break
            }
        }
        return s
    }
}

