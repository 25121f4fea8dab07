import BRCDiagnostics
import BRCIR
import BRCSyntax
import BRCUnits

/// Lowers a LEMS `<Simulation>`: step, length, OutputFiles with their quantity paths, and
/// Displays (plots; a line brcc cannot record is left out with a warning, not an error).
enum SimulationLowering {
    /// `method="rk4"` on `<Simulation>` (OSB's Hindmarsh-Rose runs): not a parameter of LEMS's
    /// Simulation type (the core types put an integration method on a `<Meta>` child, for
    /// NEURON); jLEMS warns "Unused attribute" and integrates as always. brcc too: a warning
    /// at the attribute, saying which scheme it uses instead.
    static func warnIgnoredMethod(_ m: Attribute, ctx: Context) {
        ctx.sink.warning("BRC-W0509", "method=\"\(m.value)\" on <Simulation> is ignored (it is not a LEMS Simulation parameter; jLEMS ignores it too): brcc integrates as always, "
                         + "by exponential Euler where a rate is linear in its own state and by forward Euler otherwise, with an implicit Euler voltage solve (docs/numerics.md)",
                         at: m.location, hint: "remove the attribute (brcc has one integration scheme)")
    }

    /// Lowers `<Simulation>` `sim` into `model.simulation`: its step and length (checked), its
    /// outputs and its Displays.
    static func lower(_ sim: Element, model: inout IRModel, ctx: Context) {
        // `display` (MultiRunSimulation.xml's Link to the set's window) only places its plots.
        ctx.checkAttributes(sim, required: ["id", "length", "step", "target"], optional: ["reportFile", "seed", "method", "display"])
        if let m = sim.attribute("method") { warnIgnoredMethod(m, ctx: ctx) }
        guard let len = ctx.quantity(sim, "length", .time), let dt = ctx.quantity(sim, "step", .time) else { return }
        // The seed of random() in Dynamics (IRRandom); without one, 0.
        if sim.attribute("seed") != nil, let seed = ctx.seed(sim) { model.randomSeed = seed }
        guard dt > 0, len > 0 else {
            let which = dt > 0 ? "length" : "step"
            ctx.error("BRC-E0501", "the simulation's \(which) must be positive", at: sim.attribute(which)!.valueLocation, hint: "e.g. length=\"100ms\" step=\"0.025ms\"")
            return
        }
        guard dt <= len else {
            ctx.error("BRC-E0505", "the step (\(dt) ms) is longer than the simulation (\(len) ms)", at: sim.attribute("step")!.valueLocation,
                      hint: "choose a step no longer than the length, e.g. step=\"0.025ms\"")
            return
        }
        guard len / dt <= Double(IRSimulation.maximumSteps) else {
            ctx.error("BRC-E0505", "\(len) ms at a step of \(dt) ms is \(len / dt) steps; brcc runs at most \(IRSimulation.maximumSteps)", at: sim.attribute("step")!.valueLocation,
                      hint: "use a larger step or a shorter length (0.025 ms steps allow up to \(IRSimulation.maximumSteps / 40_000) s)")
            return
        }
        // A length the step does not divide runs to the nearest whole step, as jLEMS does.
        let ratio = len / dt, steps = ratio.rounded()
        if abs(ratio - steps) > 1e-9 * ratio {
            ctx.sink.warning("BRC-W0510", "the length \(IRPrinter.num(len)) ms is not a whole number of steps of \(IRPrinter.num(dt)) ms: brcc runs \(Int(steps)) steps, to t = \(IRPrinter.num(steps * dt)) ms, as jLEMS does",
                             at: sim.attribute("length")!.valueLocation, hint: "give a length the step divides, e.g. length=\"\(IRPrinter.num(steps * dt))ms\"")
        }
        // A brc:poissonSource spikes in a step with probability rate x step: a rate above one
        // spike per step cannot be given (it fired once every step, silently).
        for g in model.generatorPopulations {
            guard case .poisson(let rate, _) = g.generator, rate * dt > 1, let a = ctx.byId[g.component]?.attribute("rate") else { continue }
            ctx.error("BRC-E0901", "rate \(IRPrinter.num(rate * 1000)) Hz of <brc:poissonSource> '\(g.component)' is more than one spike per step of \(IRPrinter.num(dt)) ms: it spikes at most once a step, with probability rate x step",
                      at: a.valueLocation, hint: "give a rate below \(IRPrinter.num(1000 / dt)) Hz (well below, for Poisson statistics), or a smaller step")
        }
        var names = OutputNames()
        var outputs: [IROutputFile] = []
        var eventOutputs: [IREventOutputFile] = []
        var displays: [IRDisplay] = []
        for c in sim.children {
            switch c.name {
            case _ where c.isMetadata: continue
            case "Display", "DisplayList":
                // A DisplayList (LEMS's MultiRunSimulation.xml) is a Display's lines in a
                // window its simulation's `display` names.
                if let d = display(c, model: &model, ctx: ctx) { displays.append(d) }
            case "OutputFile":
                if let o = outputFile(c, names: &names, model: &model, ctx: ctx) { outputs.append(o) }
            case "EventOutputFile":
                if let o = eventOutputFile(c, names: &names, model: &model, ctx: ctx) { eventOutputs.append(o) }
            default:
                ctx.unsupported(c, in: "Simulation", supported: ["OutputFile", "EventOutputFile", "Display", "DisplayList"])
            }
        }
        model.simulation = IRSimulation(id: sim.id ?? "sim", dt: dt, duration: len, outputs: outputs)
        model.simulation?.eventOutputs = eventOutputs
        model.simulation?.displays = displays
    }

    /// The file names of a simulation's outputs so far, and the folders they need.
    struct OutputNames {
        var fileNames: [String: Attribute] = [:]
        /// A folder the outputs need, and the first output in it.
        var folders: [String: String] = [:]

        /// The file name of an output: confined to the output folder, written by one output only.
        mutating func fileName(_ c: Element, ctx: Context) -> String? {
                guard let a = c.attribute("fileName") else { return nil }
                var name = a.value
                // An absolute path (/tmp/v.dat, as some published models write) is written under
                // --out by its last component: brcc writes nowhere else.
                if OutputPath.isAbsolute(name), name.unicodeScalars.last != "/", let last = OutputPath.components(name).last, OutputPath.problem(last) == nil, last != "." {
                    ctx.sink.report(Diagnostic("BRC-W0506", .warning, "output file '\(a.value)' is an absolute path; brcc writes only inside the output folder, so it writes '\(last)' there",
                                               at: a.valueLocation, hint: "give a path relative to the output folder (--out), such as \(last)"))
                    name = last
                } else if let folder = c.attribute("path"), !["", "."].contains(trimmed(folder.value)) {
                    // LEMS's path (the folder of the file, Simulation.xml's DataWriter): a folder
                    // inside --out; an absolute one is left out, as an absolute file name is.
                    if OutputPath.isAbsolute(folder.value) {
                        ctx.sink.report(Diagnostic("BRC-W0506", .warning, "output folder '\(folder.value)' is an absolute path; brcc writes only inside the output folder, so it writes '\(name)' there",
                                                   at: folder.valueLocation, hint: "give a folder relative to the output folder (--out), or leave path out"))
                    } else {
                        name = trimmed(folder.value) + "/" + name
                    }
                }
                if let why = OutputPath.problem(name) {
                    ctx.error("BRC-E0506", "output file '\(a.value)' cannot be written: \(why)", at: a.valueLocation,
                              hint: "give a path relative to the output folder (--out), such as results/v.dat")
                    return nil
                }
                // (Compared as the files they write: ./x.dat is x.dat. The name is kept as written.)
                let file = OutputPath.normalized(name)
                if OutputPath.reserved(file) {
                    ctx.error("BRC-E0507", "output file '\(a.value)' takes a name brcc writes itself (run-checkpoint.json, plots/)", at: a.valueLocation,
                              hint: "give the output another name, e.g. results/\(OutputPath.components(file).last ?? "v.dat")")
                    return nil
                }
                // One file per output: the same name, or one output's file where another needs a folder.
                let parts = OutputPath.components(file)
                let ancestors = (1..<parts.count).map { parts.prefix($0).joined(separator: "/") }
                let written = fileNames
                let clash = written[file].map { (file, $0) } ?? folders[file].map { ($0, written[$0]!) }
                    ?? ancestors.lazy.compactMap { f in written[f].map { (f, $0) } }.first
                if let (other, first) = clash {
                    let what = other == file ? "two outputs write the file '\(file)'" : "'\(other)' and '\(file)' cannot both be written: one would be a folder of the other"
                    ctx.sink.report(Diagnostic("BRC-E0507", .error, what, at: a.valueLocation,
                                               hint: "give each OutputFile and EventOutputFile its own fileName", notes: [("first written by", first.location)]))
                    return nil
                }
                fileNames[file] = a
                for f in ancestors where folders[f] == nil { folders[f] = file }
                return name
        }
    }

    /// An `<OutputFile>` with the columns brcc can record (each other one is reported).
    static func outputFile(_ c: Element, names: inout OutputNames, model: inout IRModel, ctx: Context) -> IROutputFile? {
        ctx.checkAttributes(c, required: ["id", "fileName"], optional: ["format", "path"])
        guard let id = c.id, let file = names.fileName(c, ctx: ctx) else { return nil }
        var cols: [IRColumn] = []
        for oc in c.children {
            guard oc.name == "OutputColumn" else { ctx.unsupported(oc, in: "OutputFile", supported: ["OutputColumn"]); continue }
            ctx.checkAttributes(oc, required: ["id", "quantity"])
            guard let q = oc.attribute("quantity"), let col = column(oc.id ?? "", q, model: &model, ctx: ctx) else { continue }
            cols.append(col)
        }
        return IROutputFile(id: id, fileName: file, columns: cols)
    }

    /// An `<EventOutputFile>`: the spikes of the cells its selections name, each under a label
    /// of its own.
    static func eventOutputFile(_ c: Element, names: inout OutputNames, model: inout IRModel, ctx: Context) -> IREventOutputFile? {
        ctx.checkAttributes(c, required: ["id", "fileName"], optional: ["format", "path"])
        guard let id = c.id, let file = names.fileName(c, ctx: ctx) else { return nil }
        guard let format = IREventOutputFile.Format(rawValue: c["format"] ?? "ID_TIME") else {
            ctx.error("BRC-E0503", "unknown event file format '\(c["format"] ?? "")'", at: c.attribute("format")!.location, hint: "use ID_TIME or TIME_ID")
            return nil
        }
        var ef = IREventOutputFile(id: id, fileName: file, format: format)
        // Each label the file writes, with the selection and cell it stands for: two
        // cells under one label could not be told apart in the file.
        var labelled: [String: (selection: Element, cell: String)] = [:]
        for sel in c.children {
            guard sel.name == "EventSelection" else { ctx.unsupported(sel, in: "EventOutputFile", supported: ["EventSelection"]); continue }
            ctx.checkAttributes(sel, required: ["id", "select"], optional: ["eventPort"])
            guard let sid = sel.id, let select = sel.attribute("select") else { continue }
            if let p = sel["eventPort"], p != "spike" {
                ctx.error("BRC-E0504", "only the 'spike' event port can be recorded", at: sel.attribute("eventPort")!.location, hint: "write eventPort=\"spike\"")
                continue
            }
            // A numeric id numbers the selection's cells from it (ids beyond 32 bits are labels).
            let base = Int(sid).flatMap { (-Int(Int32.max)...Int(Int32.max)).contains($0) ? $0 : nil }
            func label(_ count: Int, _ cell: Int) -> String { count == 1 ? sid : (base.map { String($0 + cell) } ?? "\(sid)_\(cell)") }
            // The selection's labels, cells and sources, in order.
            var chosen: [(label: String, cell: String, source: Int)] = []
            if let (gp, cells) = selectGenerators(select, model: model, ctx: ctx) {
                let name = model.generatorPopulations[gp].name
                let sources = model.spikeSources(population: gp, cells: cells, generators: true)
                chosen = zip(cells, sources).map { (label(cells.count, $0), "\(name)[\($0)]", $1) }
            } else if let cells = selectCells(select, model: model, ctx: ctx) {
                // (Each run of cells of one population in one pass, in the selection's order.)
                var sources: [Int] = []
                var start = 0
                while start < cells.count {
                    let p = cells[start].0
                    let end = cells[start...].firstIndex { $0.0 != p } ?? cells.count
                    sources += model.spikeSources(population: p, cells: cells[start..<end].map(\.1))
                    start = end
                }
                chosen = zip(cells, sources).map { (label(cells.count, $0.1), "\(model.populations[$0.0].name)[\($0.1)]", $1) }
            } else {
                continue
            }
            if let clash = chosen.first(where: { labelled[$0.label] != nil }), let first = labelled[clash.label] {
                ctx.error("BRC-E0123", "<EventSelection id=\"\(sid)\" select=\"\(select.value)\"> writes the spikes of \(clash.cell) under the id '\(clash.label)', which <EventSelection id=\"\(first.selection.id ?? "")\"> (line \(first.selection.location.line)) gives \(first.cell): the file could not tell them apart",
                          at: sel.attribute("id")!.valueLocation, hint: "a numeric id numbers a selection's cells from it (id + index): give the selections ids whose ranges do not overlap")
                continue
            }
            for x in chosen {
                labelled[x.label] = (sel, x.cell)
                ef.ids.append(x.label); ef.sources.append(x.source)
            }
        }
        return ef
    }

    /// A `<Display>` with the `<Line>`s brcc can record.
    static func display(_ d: Element, model: inout IRModel, ctx: Context) -> IRDisplay? {
        ctx.checkAttributes(d, optional: ["id", "title", "timeScale", "xmin", "xmax", "ymin", "ymax"] + (d.name == "DisplayList" ? ["display"] : []))
        let timeScale = d.attribute("timeScale").flatMap { ctx.quantity($0, .time, element: d.name, bound: .positive) } ?? 1
        /// An axis range; nil (fitted to the data) unless both ends are given and in order.
        func range(_ axis: String) -> ClosedRange<Double>? {
            let lo = ctx.number(d, axis + "min", required: false), hi = ctx.number(d, axis + "max", required: false)
            guard let lo, let hi else { return nil }
            guard hi > lo else {
                ctx.warning("BRC-W0134", "<\(d.name)>'s \(axis)max (\(d[axis + "max"]!)) is not above its \(axis)min (\(d[axis + "min"]!)): brcc fits that axis to the data",
                            at: d.attribute(axis + "max")!.location, hint: "give \(axis)max above \(axis)min")
                return nil
            }
            return lo...hi
        }
        let xr = range("x"), yr = range("y")
        var lines: [IRDisplay.Line] = []
        var skipped: [String] = []
        for l in d.children {
            guard l.name == "Line" else { ctx.unsupported(l, in: "Display", supported: ["Line"]); continue }
            ctx.checkAttributes(l, required: ["quantity"], optional: ["id", "scale", "color", "timeScale"])
            guard let q = l.attribute("quantity") else { continue }
            let (col, _) = ctx.quietly { column(l.id ?? "", q, model: &model, ctx: ctx) }
            guard let col else { skipped.append(q.value); continue }
            var scale = 1.0, unit = ""
            if let a = l.attribute("scale") {
                guard let s = ctx.anyQuantity(a, element: "Line") else { continue }
                guard s.si != 0, s.si.isFinite else {
                    ctx.error("BRC-E0124", "a Line's scale divides its quantity; '\(a.value)' cannot", at: a.valueLocation, hint: "give a scale other than 0, such as 1mV")
                    continue
                }
                scale = s.si; unit = trimmed(a.value)
            }
            // A Line's own timeScale overrides its Display's (LEMS's Line). LEMS declares it of
            // any dimension (`*`): a time, or a number taken in SI as jLEMS does (TVB's "1": seconds).
            var timeScale: Double?
            if let a = l.attribute("timeScale") {
                guard let t = ctx.anyQuantity(a, element: "Line", expecting: .time) else { continue }
                if t.dimension == .time || t.dimension.isNone, t.si > 0, t.si.isFinite {
                    timeScale = t.si / BRCUnits.Dimension.time.internalScale
                } else {
                    ctx.warning("BRC-W0134", "a Line's timeScale '\(a.value)' is not a positive time: brcc plots the line on its Display's time axis", at: a.valueLocation,
                                hint: "give a time such as 1ms, or leave timeScale out")
                }
            }
            var colour = l["color"]
            if let c = colour, !IRDisplay.Line.isColour(c) {
                ctx.warning("BRC-W0134", "color '\(c)' is not a colour of the form #rrggbb: brcc draws the line in a colour of its palette", at: l.attribute("color")!.valueLocation,
                            hint: "write a hex colour such as #aa33ff")
                colour = nil
            }
            lines.append(IRDisplay.Line(id: l.id ?? q.value, column: col, scale: scale, unit: unit, colour: colour, timeScale: timeScale))
        }
        if !skipped.isEmpty {
            ctx.sink.warning("BRC-W0508", "Display '\(d.id ?? "")': \(skipped.count) line(s) cannot be recorded by brcc and are left out of its plot: \(skipped.prefix(5).joined(separator: ", "))\(skipped.count > 5 ? ", ..." : "")",
                             at: d.location, hint: "brcc records membrane potentials, channel gate states, synapse states and exposures, and the current i of inputs")
        }
        return IRDisplay(id: d.id ?? "display", title: d["title"] ?? d.id ?? "", timeScale: timeScale, xRange: xr, yRange: yr, lines: lines)
    }

    /// A selection of spike generators (`gen[0]`, `gen[*]`), or nil if it names no generator population.
    static func selectGenerators(_ a: Attribute, model: IRModel, ctx: Context) -> (Int, [Int])? {
        let path = CellPath(a.value)
        guard let gp = model.generatorPopulations.firstIndex(where: { $0.name == path.population }) else { return nil }
        if path.cell == .all { return (gp, Array(0..<model.generatorPopulations[gp].size)) }
        guard let (_, cell) = NetworkLowering.target(a, popIndex: [path.population: gp], size: { model.generatorPopulations[$0].size }, ctx: ctx) else { return (gp, []) }
        return (gp, [cell])
    }

    /// `pop[3]`, `pop/3/cellType`, or (brcc's shorthand) `pop[*]` for every cell.
    static func selectCells(_ a: Attribute, model: IRModel, ctx: Context) -> [(Int, Int)]? {
        let path = CellPath(a.value)
        if path.cell == .all {
            guard let p = model.populations.firstIndex(where: { $0.name == path.population }) else {
                ctx.undefined(path.population, "BRC-E0502", "no population '\(path.population)' in the simulated network", at: a.location,
                          listing: "populations", model.populations.map(\.name))
                return nil
            }
            return (0..<model.populations[p].size).map { (p, $0) }
        }
        let popIndex = Dictionary(uniqueKeysWithValues: model.populations.enumerated().map { ($0.element.name, $0.offset) })
        return NetworkLowering.target(a, popIndex: popIndex, model: model, ctx: ctx).map { [$0] }
    }

    /// A spike generator's `tsince` (`gen[0]/tsince`, `gen/0/<component>/tsince`): the time since
    /// its last spike. Its other states (tnext, isi, ...) are not recorded.
    static func generatorColumn(_ id: String, _ q: Attribute, population gp: Int, cell index: Int?, rest: [String], model: inout IRModel, ctx: Context) -> IRColumn? {
        let pop = model.generatorPopulations[gp]
        guard let index, let cell = NetworkLowering.position(index, in: pop.name, size: pop.size, ctx: ctx) else {
            ctx.undefined("", "BRC-E0502", "cannot resolve quantity '\(q.value)': no cell \(index.map(String.init) ?? "?") in population '\(pop.name)' (size \(pop.size))", at: q.location,
                          hint: "write \(pop.name)[i]/tsince with 0 <= i < \(pop.size)")
            return nil
        }
        var parts = rest
        if parts.count == 2, parts[0] == pop.component { parts.removeFirst() }
        guard parts == ["tsince"] else {
            ctx.error("BRC-E0103", "not supported yet: recording '\(q.value)': of a spike generator ('\(pop.name)' is a spike generator population) brcc records only tsince",
                      at: q.location, hint: "record \(pop.name)[\(cell)]/tsince, its spikes with an <EventOutputFile>, or the cells it drives")
            return nil
        }
        let source = model.generatorSource(population: gp, cell: cell)
        return IRColumn(id: id, population: gp, cell: cell, probe: .sinceSpike(source: source), siScale: Dimension.time.internalScale)
    }

    /// Resolves `pop[0]/v`, `pop/0/cellType/v`, `pop/0/cellType/<segment>/v`, a point cell's
    /// and a synapse's or input's variables, and a cell's membrane quantities
    /// (`membraneColumn`: `.../<biophysics>/membraneProperties/<channelDensity>/<channel>/<gate>/q`
    /// and the other exposures of the core types).
    static func column(_ id: String, _ q: Attribute, model: inout IRModel, ctx: Context) -> IRColumn? {
        func fail(about name: String = "", _ why: String) -> IRColumn? { unresolved(q, about: name, why, ctx: ctx) }
        var parts = q.value.split(separator: "/").map(String.init)
        guard !parts.isEmpty else { return fail("empty path") }
        // A single component simulated on its own: paths are relative to it.
        if let target = ctx.componentTarget { parts = [target, "0"] + parts }
        // Around the network (a component with a network Child): its temperature, and paths
        // that start with the network's id.
        if let e = model.environment {
            if parts == ["temperature"] {
                return IRColumn(id: id, population: 0, cell: 0, probe: .temperature, siScale: Dimension.temperature.internalScale)
            }
            if parts.count == 1, let scale = e.siScales[parts[0]] {
                return IRColumn(id: id, population: 0, cell: 0, probe: .environment(quantity: parts[0]), siScale: scale)
            }
            if parts.count > 1, parts[0] == e.network { parts.removeFirst() }
        }
        let cellPath = CellPath(parts: parts)
        let popName = cellPath.population, index = cellPath.index
        parts = cellPath.rest
        guard let p = model.populations.firstIndex(where: { $0.name == popName }) else {
            if let gp = model.generatorPopulations.firstIndex(where: { $0.name == popName }) {
                return generatorColumn(id, q, population: gp, cell: index, rest: parts, model: &model, ctx: ctx)
            }
            return fail(about: popName, "no population '\(popName)' in the simulated network")
        }
        let pop = model.populations[p]
        guard let index, let cell = NetworkLowering.position(index, in: pop.name, size: pop.size, ctx: ctx) else {
            return fail("no cell \(index.map(String.init) ?? "?") in population '\(popName)' (size \(pop.size))")
        }
        let ct = model.cellTypes[pop.cellType]
        // (`pop/0/cellType/v`; a path of the cell type's name alone is a variable of that name:
        // `pop[0]/a` of a component `a` with a state `a` was read as the cell type and nothing.)
        if parts.count > 1, parts.first == ct.name { parts.removeFirst() }
        var segment = ct.segments.first!.id
        if let s = parts.first.flatMap({ Int($0) }) {
            guard ct.segments.contains(where: { $0.id == s }) else { return fail("cell type '\(ct.name)' has no segment \(s)") }
            segment = s
            parts.removeFirst()
        }
        let node = ct.node(segment: segment, fraction: 0.5)!
        let dynamics = model.synapseGroups.firstIndex(where: { $0.label == IRSynapseGroup.dynamicsLabel(ct.name) })
        return CellQuantity(id: id, q: q, model: model, ctx: ctx, population: p, cell: cell, popName: popName, cellType: ct, segment: segment, node: node, dynamics: dynamics)
            .resolve(parts)
    }

    /// A quantity path that names nothing recordable: `BRC-E0502` at `q`, naming `name` (for a
    /// suggestion) and saying `why`, unless the path runs through an element refused with its
    /// own error. Always nil.
    static func unresolved(_ q: Attribute, about name: String, _ why: String, ctx: Context) -> IRColumn? {
        // A path through a rejected element (a synapse whose type failed) was reported there.
        let segments = q.value.split(whereSeparator: { $0 == "/" || $0 == ":" || $0 == "[" }).map(String.init)
        guard segments.allSatisfy({ !ctx.rejected.contains($0) }) else { return nil }
        ctx.undefined(name, "BRC-E0502", "cannot resolve quantity '\(q.value)': \(why)", at: q.location,
                  hint: "brcc records pop[i]/v, pop/i/cellType/segmentId/v, a channel's values such as pop[i]/bio/membraneProperties/naChans/naChan/m/q (or m/inf, m/tau, fopen), "
                  + "a density's gDensity, iDensity and erev, pop[i]/iChannels, iCa and caConc, kinetic-scheme occupancies .../<gate>/<state>/occupancy and an input's current pop[i]/<input id>/i (docs/language.md lists every path)")
        return nil
    }
}
