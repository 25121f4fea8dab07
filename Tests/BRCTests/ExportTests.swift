import BRCCodeGen
import BRCDriver
import BRCIR
@testable import BRCRuntime
import Foundation
import XCTest

/// `brcc export --neuron`: NEURON runs the export (`nrnivmodl DIR && python3 DIR/run.py`) and
/// reproduces `brcc run`'s outputs within docs/numerics.md's tolerances (0.05 ms, 0.5 mV).
/// Skipped, with a message, where NEURON is not installed (`pip install neuron`).
final class ExportTests: XCTestCase {
    /// Why NEURON cannot run here, or nil if it can.
    static let neuronMissing: String? = {
        let tmp = FileManager.default.temporaryDirectory
        guard let (status, _) = try? shellCommand(["python3", "-c", "import neuron"], in: tmp), status == 0 else {
            return "NEURON is not installed (python3 -c 'import neuron' fails): pip install neuron==9.0.2 to run the export tests"
        }
        guard let (found, _) = try? shellCommand(["sh", "-c", "command -v nrnivmodl"], in: tmp), found == 0 else {
            return "nrnivmodl is not on PATH (it comes with pip install neuron): the export tests need it"
        }
        return nil
    }()

    func requireNeuron() throws {
        if let why = Self.neuronMissing { throw XCTSkip(why) }
    }

    struct Agreement {
        var spikes = 0, worstSpikeMs = 0.0, worstRmsMV = 0.0, worstOther = 0.0
    }

    /// Runs `path` in brcc and, exported, in NEURON; compares every output file and prints the
    /// agreement. `duration` (ms) shortens the simulation.
    @discardableResult
    func exportAndCompare(_ path: String, duration: Double? = nil, file: StaticString = #filePath, line: UInt = #line) throws -> Agreement {
        var (ir, _) = try Driver.check(path)
        if let duration { ir.simulation!.duration = duration }
        return try exportAndCompare(ir, label: URL(fileURLWithPath: path).lastPathComponent, file: file, line: line)
    }

    @discardableResult
    func exportAndCompare(_ ir: IRModel, label: String, file: StaticString = #filePath, line: UInt = #line) throws -> Agreement {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("brcc-export-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let brccOut = dir.appendingPathComponent("brcc"), neuronOut = dir.appendingPathComponent("neuron")
        _ = try Driver.run(ir, outDir: brccOut, cache: TestPaths.cache)
        try Driver.exportNeuron(ir, to: dir.appendingPathComponent("nrn"))
        let (built, log) = try shellCommand(["nrnivmodl", "nrn"], in: dir)
        XCTAssertEqual(built, 0, "nrnivmodl failed:\n\(log.suffix(3000))", file: file, line: line)
        let (ran, output) = try shellCommand(["python3", "nrn/run.py", "--out", neuronOut.path], in: dir)
        XCTAssertEqual(ran, 0, "run.py failed:\n\(output.suffix(3000))", file: file, line: line)
        guard built == 0, ran == 0 else { return Agreement() }

        let sim = ir.simulation!
        var a = Agreement()
        for f in sim.outputs {
            let b = try loadTable(brccOut.appendingPathComponent(f.fileName).path)
            let n = try loadTable(neuronOut.appendingPathComponent(f.fileName).path)
            XCTAssertEqual(b.count, n.count, "\(f.fileName): rows", file: file, line: line)
            for (ci, column) in f.columns.enumerated() {
                let k = ci + 1
                let bt = b.map { $0[0] }, bv = b.map { $0[k] }, nt = n.map { $0[0] }, nv = n.map { $0[k] }
                if case .voltage = column.probe {
                    a.worstRmsMV = max(a.worstRmsMV, rmsDifference(refT: bt, refV: bv, t: nt, v: nv))
                    // Spikes where the trace spikes (the study's rate cells hover at 0 mV, where
                    // rounding alone makes crossings).
                    guard (bv.max() ?? 0) > 0.005 else { continue }
                    let bs = spikeTimes(t: bt, v: bv), ns = spikeTimes(t: nt, v: nv)
                    XCTAssertEqual(bs.count, ns.count, "\(f.fileName) \(column.id): spike count", file: file, line: line)
                    a.spikes += bs.count
                    a.worstSpikeMs = max(a.worstSpikeMs, zip(bs, ns).map { abs($0 - $1) }.max() ?? 0)
                } else {
                    // Other quantities: the largest difference relative to the column's range.
                    let range = max(bv.map(abs).max() ?? 0, 1e-300)
                    a.worstOther = max(a.worstOther, zip(bv, nv).map { abs($0 - $1) / range }.max() ?? 0)
                }
            }
        }
        for f in sim.eventOutputs {
            func spikes(_ url: URL) throws -> [String: [Double]] {
                var out: [String: [Double]] = [:]
                for line in try String(contentsOf: url, encoding: .utf8).split(separator: "\n") {
                    let parts = line.split(separator: "\t").map(String.init)
                    let (id, time) = f.format == .idTime ? (parts[0], parts[1]) : (parts[1], parts[0])
                    out[id, default: []].append(Double(time)! * 1e3)
                }
                return out
            }
            let b = try spikes(brccOut.appendingPathComponent(f.fileName)), n = try spikes(neuronOut.appendingPathComponent(f.fileName))
            XCTAssertEqual(b.keys.sorted(), n.keys.sorted(), "\(f.fileName): cells that spike", file: file, line: line)
            for (id, times) in b {
                XCTAssertEqual(times.count, n[id]?.count, "\(f.fileName) \(id): spike count", file: file, line: line)
                a.spikes += times.count
                a.worstSpikeMs = max(a.worstSpikeMs, zip(times, n[id] ?? []).map { abs($0 - $1) }.max() ?? 0)
            }
        }
        print("export agreement \(label): \(a.spikes) spikes, worst spike difference "
              + "\(String(format: "%.2e", a.worstSpikeMs)) ms, worst RMS \(String(format: "%.2e", a.worstRmsMV)) mV, "
              + "other columns \(String(format: "%.2e", a.worstOther)) (relative)")
        XCTAssertLessThanOrEqual(a.worstSpikeMs, 0.05, "worst spike-time difference (ms)", file: file, line: line)
        XCTAssertLessThanOrEqual(a.worstRmsMV, 0.5, "worst RMS difference (mV)", file: file, line: line)
        XCTAssertLessThanOrEqual(a.worstOther, 1e-6, "worst relative difference of the other columns", file: file, line: line)
        return a
    }

    /// Every export names its mechanisms alike (brc_m0, ...) and NEURON loads x86_64/ of the
    /// current folder by itself: run.py refuses mechanisms compiled from another export (it ran
    /// them, 37 spikes instead of 7, when the audit compiled one export and ran another), and a
    /// --duration outside the model's.
    func testRunPyRefusesAnotherExportsMechanisms() throws {
        try requireNeuron()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("brcc-stale-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        try Driver.exportNeuron(Driver.check(TestPaths.model("models/sims/LEMS_pyr4_soma_step.xml")).0, to: dir.appendingPathComponent("a"))
        try Driver.exportNeuron(Driver.check(TestPaths.model("models/sims/LEMS_hh1_step.xml")).0, to: dir.appendingPathComponent("b"))
        let (built, log) = try shellCommand(["nrnivmodl", "a"], in: dir)  // a's mechanisms, in dir/x86_64
        XCTAssertEqual(built, 0, log.suffix(2000).description)
        let (ran, output) = try shellCommand(["python3", "b/run.py", "--out", dir.appendingPathComponent("o").path], in: dir)
        XCTAssertNotEqual(ran, 0)
        XCTAssertTrue(output.contains("belong to another brcc export"), output)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("o").path), "nothing written")
        // a's own run passes the check, and refuses a duration it does not have.
        let (long, said) = try shellCommand(["python3", "a/run.py", "--out", dir.appendingPathComponent("o").path, "--duration", "-5"], in: dir)
        XCTAssertNotEqual(long, 0)
        XCTAssertTrue(said.contains("--duration must be more than 0"), said)
    }

    func testReferenceCellsInNeuron() throws {
        try requireNeuron()
        try exportAndCompare(TestPaths.model("models/sims/LEMS_pyr4_soma_step.xml"))
        try exportAndCompare(TestPaths.model("models/sims/LEMS_pyr4_dend_step.xml"))
        try exportAndCompare(TestPaths.model("models/sims/LEMS_syn_NMDA.xml"))
    }

    /// Ex1 and Ex3 (pointCellCondBased cells, whose channels' current is a held state and the
    /// export's NONSPECIFIC_CURRENT reads it) besides the multicompartment examples.
    func testStandardExamplesInNeuron() throws {
        try requireNeuron()
        for name in ["LEMS_NML2_Ex5_DetCell.xml", "LEMS_NML2_Ex6_NMDA.xml", "LEMS_NML2_Ex10_Q10.xml", "LEMS_NML2_Ex25_MultiComp.xml",
                     "LEMS_NML2_Ex1_HH.xml", "LEMS_NML2_Ex3_Net.xml"] {
            try exportAndCompare(TestPaths.sharedFile("neuroml/LEMSexamples/\(name)"))
        }
    }

    /// The study network (1,600 compartments, masked projections, noise inputs, random initial
    /// potentials), 200 ms of it.
    func testStudyNetworkInNeuron() throws {
        try requireNeuron()
        let a = try exportAndCompare(TestPaths.model("models/brc/LEMS_cue_dend_nmda.xml"), duration: 200)
        XCTAssertGreaterThan(a.spikes, 100)
    }

    /// Concentration pools (calcium, both pools of a cell2CaPools, potassium and chloride; decaying,
    /// fixed-factor and Traub pools), Nernst and GHK channels that follow them, a channel whose
    /// rates read the calcium concentration (Ex15), non-uniform densities and vShift; with their
    /// columns of channel densities (gDensity, iDensity of ohmic and GHK channels), which the mod
    /// files compute after each state update as brcc records them, a cell's iChannels and iCa
    /// (sums over the compartment's channels, which run.py adds up), and gates' inf, tau,
    /// alpha, beta, fcond and rateScale, channels' fopen and a density's erev (Ex15's quantities).
    func testConcentrationPoolsAndChannelFormsInNeuron() throws {
        try requireNeuron()
        let models = ["tools/lems/LEMS_TwoCaPools.xml", "tools/lems/LEMS_KPool_Nernst.xml", "tools/lems/LEMS_ClPool_Nernst.xml",
                      "tools/lems/LEMS_GHK2.xml", "tools/lems/LEMS_NonUniform.xml", "tools/lems/LEMS_VShift.xml",
                      "tools/lems/LEMS_CellCurrents.xml", "tools/lems/LEMS_NML2_Ex15_Quantities.xml"].map(TestPaths.model)
            + ["LEMS_NML2_Ex15_CaDynamics.xml", "LEMS_NML2_Ex18_GHK.xml"].map { TestPaths.sharedFile("neuroml/LEMSexamples/\($0)") }
        var densities = 0
        for path in models {
            let (ir, _) = try Driver.check(path)
            densities += ir.simulation!.outputs.flatMap(\.columns).filter {
                switch $0.probe { case .density, .mechanism, .sum: return true; default: return false }
            }.count
            try exportAndCompare(ir, label: URL(fileURLWithPath: path).lastPathComponent)
        }
        XCTAssertGreaterThanOrEqual(densities, 4, "columns of channel densities compared")
        print("channel forms in NEURON: \(densities) columns of channel densities compared")
    }

    /// A LEMS point cell of kinetic-scheme channels (tools/lems/LEMS_KineticSchemeCell.xml, in
    /// the form of LEMS's example4): the occupancies' implicit Euler step (the dynamics' locals),
    /// ChildInstance copies of a referenced channel, recorded conductances and an occupancy.
    func testLEMSKineticSchemesInNeuron() throws {
        try requireNeuron()
        let (ir, _) = try Driver.check(TestPaths.model("tools/lems/LEMS_KineticSchemeCell.xml"))
        try exportAndCompare(ir, label: "LEMS_KineticSchemeCell.xml")
        // A NeuroML gateKS of 4 states: its temporaries fill several LOCAL lines, which NMODL
        // takes only as nested blocks (one line gave nocmodl's "Line too long").
        let (multi, _) = try Driver.check(TestPaths.model("tools/lems/LEMS_KS_MultiState.xml"))
        try exportAndCompare(multi, label: "LEMS_KS_MultiState.xml")
    }

    /// Initial potentials per segment group (tools/lems/LEMS_InitMembPerGroup.xml): each
    /// compartment starts at its group's, in brcc and in NEURON on brcc's export.
    func testInitialPotentialsPerSegmentGroupInNeuron() throws {
        let (ir, _) = try Driver.check(TestPaths.model("tools/lems/LEMS_InitMembPerGroup.xml"))
        let first = try XCTUnwrap(runSimulationByFile(TestPaths.model("tools/lems/LEMS_InitMembPerGroup.xml"))["results/init_per_group.dat"]?.first)
        for (got, want) in zip(first.dropFirst().prefix(3), [-65.0, -72, -60]) { XCTAssertEqual(got * 1e3, want, accuracy: 1e-9, "soma, dendrite and axon at t = 0") }
        try requireNeuron()
        try exportAndCompare(ir, label: "LEMS_InitMembPerGroup.xml")
    }

    /// A network built by LEMS Structure (tools/lems/LEMS_StructureNetwork.xml): events at
    /// refractory cells' own port that add to v (once in a step where such a jump crosses the
    /// threshold, which resets v in that step: brcc delivers a step's events before its
    /// conditions, and so does the export), a regime's own state, and receiver synapses of a
    /// type of the model's own. NEURON agrees to rounding, the same spikes.
    func testLEMSStructureNetworksInNeuron() throws {
        try requireNeuron()
        let (ir, _) = try Driver.check(TestPaths.model("tools/lems/LEMS_StructureNetwork.xml"))
        let a = try exportAndCompare(ir, label: "LEMS_StructureNetwork.xml")
        XCTAssertLessThan(a.worstRmsMV, 1e-6)
        XCTAssertLessThan(a.worstOther, 1e-9, "the regime's own state tin")
    }

    /// A synapse ComponentType with LEMS children (ChildStructureTests' fixture): its flat
    /// names (`slow/gs`) reach the NMODL mechanism; NEURON agrees to rounding (measured 1e-10
    /// of each column's range).
    func testASynapseWithChildrenInNeuron() throws {
        try requireNeuron()
        let (ir, _) = try Driver.check(TestPaths.model("Tests/BRCTests/Fixtures/lems/LEMS_Child_SynapseBlock.xml"))
        let a = try exportAndCompare(ir, label: "LEMS_Child_SynapseBlock.xml")
        XCTAssertLessThan(a.worstRmsMV, 1e-6)
        XCTAssertLessThan(a.worstOther, 1e-9, "g, slow/gs, block/factor and i")
    }

    /// The inputs the examples above do not use: sine, table and noise currents, and Poisson,
    /// periodic and spike-array generators with delays, on the NMDA synapse pair.
    /// Delays that are not whole steps (41.6 and 42.4 steps): delivered in the step NEURON
    /// delivers them (round(delay/dt) steps after the spike), so the traces agree to rounding.
    func testDelaysBetweenStepsAsNeuron() throws {
        try requireNeuron()
        for delay in [1.04, 1.06] {
            var (ir, _) = try Driver.check(TestPaths.model("models/sims/LEMS_refractory_synapse.xml"))
            XCTAssertFalse(ir.connections.isEmpty)
            for i in ir.connections.indices { ir.connections[i].delay = delay }
            let a = try exportAndCompare(ir, label: "refractory synapse, delays \(delay) ms")
            XCTAssertLessThan(a.worstRmsMV, 1e-6, "delay \(delay) ms: brcc and NEURON deliver the events in the same step")
        }
        XCTAssertEqual(Simulator.stepsAhead(delay: 1.04, dt: 0.025), 42)
        XCTAssertEqual(Simulator.stepsAhead(delay: 1.06, dt: 0.025), 42)
        XCTAssertEqual(Simulator.stepsAhead(delay: 1.0, dt: 0.025), 40)
        XCTAssertEqual(Simulator.stepsAhead(delay: 0, dt: 0.025), 0)
        // A tie, (k + 1/2) dt: a detected spike's event a step later than a generator's.
        XCTAssertEqual(Simulator.stepsAhead(delay: 1.0125, dt: 0.025), 40)
        XCTAssertEqual(Simulator.stepsAhead(delay: 1.0125, dt: 0.025, detected: true), 41)
        XCTAssertEqual(Simulator.stepsAhead(delay: 0.0125, dt: 0.025, detected: true), 1)
        XCTAssertEqual(Simulator.stepsAhead(delay: 0, dt: 0.025, detected: true), 0)
    }

    /// Delays of exactly (k + 1/2) dt after a spike found at a threshold
    /// (tools/lems/LEMS_DelayTies.xml): NEURON stamps the spike 1e-10 ms after its step, so the
    /// event arrives a step after the tie's own; brcc too (it was a step earlier: 0.030 mV RMS).
    func testDelayTiesAsNeuron() throws {
        try requireNeuron()
        let a = try exportAndCompare(TestPaths.model("tools/lems/LEMS_DelayTies.xml"))
        XCTAssertLessThanOrEqual(a.worstRmsMV, 1e-6)
    }

    func testInputsAndGeneratorsInNeuron() throws {
        try requireNeuron()
        var (ir, _) = try Driver.check(TestPaths.model("models/sims/LEMS_syn_NMDA.xml"))
        let post = ir.synapseGroups[0].instances[0]
        func stimulus(_ w: IRStimulus.Waveform, population: Int = post.population) -> IRStimulus {
            IRStimulus(label: "extra", waveform: w, population: population, cell: post.cell, node: post.node)
        }
        ir.stimuli += [stimulus(.sine(delay: 20, duration: 60, amplitude: 0.05, period: 7, phase: 0.3)),
                       stimulus(.table(times: [0, 30, 55.5, 90], values: [0, 0.08, -0.02, 0.03])),
                       stimulus(.noise(mean: 0.01, sd: 0.05, seed: 0xdead_beef_1234_5678, stream: 7))]
        let generators: [IRGenerator] = [.poisson(rate: 0.05, seed: 42), .periodic(period: 13.3), .times([5, 5.01, 40.2, 77.775])]
        for (k, g) in generators.enumerated() {
            ir.generatorPopulations.append(IRGeneratorPopulation(name: "gen\(k)", size: 1, generator: g))
            let source = ir.generatorSource(population: ir.generatorPopulations.count - 1, cell: 0)
            var c = IRConnection(source: source, group: 0, instance: 0, weight: 0.5 + Double(k), delay: [0, 1.5, 3][k], projection: 0)
            c.maskDraw = nil
            ir.connections.append(c)
        }
        // Their currents recorded: the sine and the noise, alone and as one input's sum. (Not
        // the table: at t = 0 brcc records its value at 0 and NEURON the first step's, which the
        // export plays from t = 0.)
        let first = ir.stimuli.count - 3
        let currents = [[first], [first + 2], [first, first + 2]].enumerated().map { k, indices in
            IRColumn(id: "i\(k)", population: post.population, cell: post.cell, probe: .stimulus(indices: indices), siScale: 1e-9)
        }
        ir.simulation!.outputs.append(IROutputFile(id: "currents", fileName: "currents.dat", columns: currents))
        // The additions matter: the postsynaptic trace moves by millivolts.
        let column = ir.simulation!.outputs[0].columns.firstIndex { $0.population == post.population && $0.probe == .voltage(node: post.node) }!
        let before = try runSimulation(TestPaths.model("models/sims/LEMS_syn_NMDA.xml"))[0]
        let after = try Driver.run(ir, outDir: nil, cache: TestPaths.cache).recorder.table(0)
        XCTAssertGreaterThan(zip(before, after).map { abs($0[column + 1] - $1[column + 1]) }.max()!, 1e-3)
        let agreement = try exportAndCompare(ir, label: "syn_NMDA with sine, table, noise and generators")
        XCTAssertLessThanOrEqual(agreement.worstOther, 1e-12, "the recorded input currents")
    }

    /// Model names reach the export only escaped: as JSON strings, comments of printable ASCII,
    /// and NMODL names that are a kept identifier behind a prefix or an index.
    func testHostileNamesAreEscaped() throws {
        var (ir, _) = try Driver.check(TestPaths.model("models/sims/LEMS_syn_NMDA.xml"))
        let hostile = "x\"\n}\nVERBATIM system(\"rm\") ENDVERBATIM\\ :\u{7f}é"
        ir.mechanisms[0].name = hostile
        ir.mechanisms[0].parameters[0] = hostile
        ir.populations[0].name = hostile
        ir.simulation!.outputs[0].columns[0].id = hostile
        let files = try NeuronExport.emit(ir)
        for f in files where f.name.hasSuffix(".mod") {
            for line in f.text.split(separator: "\n") where line.contains("system(") {
                XCTAssertTrue(line.hasPrefix(":"), "model text outside a comment in \(f.name): \(line)")
            }
            XCTAssertFalse(f.text.unicodeScalars.contains { $0.value >= 0x7F }, "\(f.name) is printable ASCII")
        }
        let json = files.first { $0.name == "model.json" }!.text
        let decoded = try JSONSerialization.jsonObject(with: Data(json.utf8)) as! [String: Any]
        XCTAssertEqual((decoded["populations"] as! [[String: Any]])[0]["name"] as? String, hostile)
        XCTAssertFalse(files.first { $0.name == "run.py" }!.text.contains("system("))
        // The hostile parameter is named by its index; plain names are kept behind a prefix.
        XCTAssertTrue(files.contains { $0.name.hasSuffix(".mod") && $0.text.contains("\n    p0 = 0\n") })
        XCTAssertTrue(files.contains { $0.name.hasSuffix(".mod") && $0.text.contains("p_gmax") })
    }

    /// An output file name that climbs out of the output folder is refused.
    /// The NEURON export never replaces or removes the model's own files: exported into the
    /// model's folder it overwrote an included `model.json` and deleted an included
    /// `brc_m9.mod` (as an earlier export's mechanism); a folder named `brc_x.mod` is not
    /// removed either (the third CLI review). Needs no NEURON.
    func testTheExportLeavesTheModelsFilesAlone() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("brcc-own-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("brc_old.mod"), withIntermediateDirectories: true)
        try "keep".write(to: dir.appendingPathComponent("brc_old.mod/x"), atomically: true, encoding: .utf8)
        let net = try String(contentsOfFile: TestPaths.model("models/sims/hh1_step.net.nml"), encoding: .utf8)
        let sim = try String(contentsOfFile: TestPaths.model("models/sims/LEMS_hh1_step.xml"), encoding: .utf8)
        for name in ["model.json", "brc_m9.mod"] {
            // The model's network file under the name an export writes, or one it clears away.
            let text = sim.replacingOccurrences(of: #"file="hh1_step.net.nml""#, with: "file=\"\(name)\"")
            XCTAssertNotEqual(text, sim)
            let main = dir.appendingPathComponent("LEMS_m.xml")
            try text.write(to: main, atomically: true, encoding: .utf8)
            try net.replacingOccurrences(of: #"href="../"#, with: "href=\"\(TestPaths.model("models"))/").write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8)
            let checked = try Driver.checkDocument(main.path)
            XCTAssertThrowsError(try Driver.exportNeuron(checked.ir, modelFiles: checked.document.files, to: dir)) { e in
                guard case DriverError.usage(let m) = e else { return XCTFail("\(e)") }
                XCTAssertTrue(m.contains("holds the model's own file \(name), which the export would"), m)
            }
            XCTAssertNoThrow(try Driver.checkDocument(main.path), "the model is whole")
            try FileManager.default.removeItem(at: dir.appendingPathComponent(name))
        }
        // Into another folder with a stale mechanism folder: it exports, and leaves the folder.
        let out = dir.appendingPathComponent("brc_old.mod/..")
        try Driver.exportNeuron(Driver.check(TestPaths.model("models/sims/LEMS_hh1_step.xml")).0, to: out)
        XCTAssertEqual(try String(contentsOf: dir.appendingPathComponent("brc_old.mod/x"), encoding: .utf8), "keep")
    }

    func testEscapingOutputNameIsRefused() throws {
        var (ir, _) = try Driver.check(TestPaths.model("models/sims/LEMS_syn_NMDA.xml"))
        ir.simulation!.outputs[0].fileName = "../../etc/x.dat"
        XCTAssertThrowsError(try NeuronExport.emit(ir))
    }

    /// LEMS cells whose conditions reset v (the export tests them in NET_RECEIVE on a
    /// self-event each step): Ex0's four IaF cells (two with refractory periods that end
    /// exactly on a step), Ex2's Izhikevich cells, Ex8's AdEx cells, Ex14's PyNN cells (driven
    /// through synapses by spike generators), Ex23's IaF cells fed by Poisson synapses and
    /// driving an HH cell (their spikes come from the poll), Ex22's IaF cells and Pinsky-Rinzel
    /// cell (60 range variables and expressions longer than nocmodl reads on one line); and
    /// continuous connections, whose synapses read the other cell's potential through NMODL
    /// POINTERs: Ex19's gap junctions between IaF cells, Ex20a's graded synapses between HH
    /// cells (before, the export left that parameter at its initial value).
    func testResettingLEMSCellsAndContinuousConnectionsInNeuron() throws {
        try requireNeuron()
        var spikes = 0
        for name in ["LEMS_NML2_Ex0_IaF.xml", "LEMS_NML2_Ex8_AdEx.xml", "LEMS_NML2_Ex14_PyNN.xml", "LEMS_NML2_Ex23_Spiketimes.xml",
                     "LEMS_NML2_Ex22_PinskyRinzelCA3.xml", "LEMS_NML2_Ex19_GapJunctions.xml", "LEMS_NML2_Ex20a_AnalogSynapsesHH.xml"] {
            let a = try exportAndCompare(TestPaths.sharedFile("neuroml/LEMSexamples/\(name)"))
            XCTAssertLessThanOrEqual(a.worstRmsMV, 1e-6, "\(name): the resets land on the same steps")
            spikes += a.spikes
        }
        let a = try exportAndCompare(TestPaths.model("tools/lems/LEMS_NML2_Ex2_Izh_outputs.xml"))
        XCTAssertLessThanOrEqual(a.worstRmsMV, 1e-6)
        print("resetting LEMS cells in NEURON: \(spikes + a.spikes) spikes (0 mV crossings and events) compared")
    }

    /// inputW's weights on inputs compiled from their ComponentType (tools/lems/LEMS_InputWeights.xml:
    /// a rampGenerator, a compoundInput and a compoundInputDL, each weighted and not) are
    /// parameters of each placed input in NEURON too: the export agrees to rounding.
    func testInputWeightsInNeuron() throws {
        try requireNeuron()
        let a = try exportAndCompare(TestPaths.model("tools/lems/LEMS_InputWeights.xml"))
        XCTAssertLessThanOrEqual(a.worstRmsMV, 1e-6)
        XCTAssertGreaterThan(a.spikes, 10, "the Izhikevich cells fire")
    }

    /// random() in LEMS Dynamics: the export draws with the kernels' counter-based function
    /// (the instance's key, the call site, the half-step counter of the time the condition sees),
    /// so NEURON gets brcc's numbers: the draws fixture's uniform draws (two call sites, four
    /// cells, 10,000 steps) and the Ornstein-Uhlenbeck current of StochasticityShowcase's form
    /// driving four IF_curr_exp cells (20 s shortened to 2 s, currents and potentials) agree to
    /// rounding. (NEURON's finitialize calls BREAKPOINT at t = 0, where the exported conditions
    /// now wait: the OU current's first update drew at counter 0 there, brcc's at 1.)
    func testRandomDrawsInNeuron() throws {
        try requireNeuron()
        let draws = try exportAndCompare(RandomDynamicsTests.fixture("LEMS_random_draws.xml"))
        XCTAssertEqual(draws.worstOther, 0, "the same uniform numbers, bit for bit")
        let ou = try exportAndCompare(RandomDynamicsTests.fixture("LEMS_ou_input.xml"), duration: 2000)
        XCTAssertLessThanOrEqual(ou.worstOther, 1e-12)
        XCTAssertLessThanOrEqual(ou.worstRmsMV, 1e-9)
    }

    /// A temperature that varies in time (Ex17's tissue: 22 °C, 16 °C after 500 ms): run.py
    /// advances the environment between NEURON's steps as brcc does and sets `celsius` before
    /// the next one, so the q10 rates change on the same step: 18 spikes, and the temperature
    /// column, agree to rounding.
    func testVaryingTemperatureInNeuron() throws {
        try requireNeuron()
        let a = try exportAndCompare(TestPaths.model("tools/lems/LEMS_NML2_Ex17_Tissue_outputs.xml"))
        XCTAssertEqual(a.spikes, 18)
        XCTAssertLessThanOrEqual(a.worstSpikeMs, 1e-9)
        XCTAssertLessThanOrEqual(a.worstRmsMV, 1e-6)
        // The tissue's own states, recorded (run.py runs its conditions in order, as brcc).
        let b = try exportAndCompare(TestPaths.model("tools/lems/LEMS_NML2_Ex17_Tissue_conditions.xml"))
        XCTAssertLessThanOrEqual(b.worstOther, 1e-9)
        XCTAssertLessThanOrEqual(b.worstRmsMV, 1e-6)
    }

    /// LEMS's `tsince` of spike generators (Ex12's periodic, single-spike and spike-array
    /// sources, Ex16's regular, Poisson and spike-array ones and its two Poisson inputs' trains,
    /// as their Displays plot it): run.py counts it from the generators' spikes as brcc's
    /// generator state does.
    func testGeneratorTimeSinceSpikeInNeuron() throws {
        try requireNeuron()
        var columns = 0
        for name in ["LEMS_NML2_Ex12_Net2.xml", "LEMS_NML2_Ex16_Inputs.xml"] {
            var (ir, _) = try Driver.check(TestPaths.sharedFile("neuroml/LEMSexamples/\(name)"))
            let lines = ir.simulation!.displays.flatMap(\.lines).map(\.column).filter {
                if case .sinceSpike = $0.probe { return true } else { return false }
            }
            ir.simulation!.outputs.append(IROutputFile(id: "tsince", fileName: "tsince.dat", columns: lines))
            columns += lines.count
            let a = try exportAndCompare(ir, label: name)
            XCTAssertLessThanOrEqual(a.worstOther, 1e-9)
        }
        XCTAssertEqual(columns, 10)
    }

    /// LEMS cells whose rates read their summed synaptic current (iSyn), as Joglekar et al.
    /// 2018's rate cells: the mod file sums POINTERs to the currents of the stimuli and
    /// synapses before it on the node (its own mod sorts after theirs, so NEURON has computed
    /// them); rate couplings through continuous projections and a pulse current agree to the
    /// printed digits. (A cell whose condition-emitted spikes drive connections is refused:
    /// ConditionSpikeTests.testTheNEURONExportRefusesConditionSpikes.)
    func testSynapticCurrentReadersInNeuron() throws {
        try requireNeuron()
        let a = try exportAndCompare(TestPaths.model("Tests/BRCTests/Fixtures/lems/LEMS_rate_cells_isyn.xml"))
        XCTAssertLessThanOrEqual(a.worstOther, 1e-9)
    }

    /// Spikes that a cell's conditions count (a LEMS spike source of the model's own type, a
    /// cell whose spikes are not a threshold on v): run.py reads each counter after a step,
    /// dates the spikes at the step's start and sends them then (a delay shorter than a step
    /// arrives at the next one), as brcc does. The user spike sources fixture (regular sources
    /// driving IaF cells, and 100 refractory Poisson sources drawing with random()) and OSB's
    /// dimensionless Hindmarsh-Rose cell (7 spikes in 80,000 steps): the same spikes, bit for
    /// bit, and the driven potentials to rounding (measured 1e-9 mV).
    func testCountedSpikesInNeuron() throws {
        try requireNeuron()
        let sources = try exportAndCompare(TestPaths.model("Tests/BRCTests/Fixtures/lems/LEMS_user_spike_sources.xml"))
        XCTAssertGreaterThan(sources.spikes, 2000)
        XCTAssertEqual(sources.worstSpikeMs, 0)
        XCTAssertLessThanOrEqual(sources.worstRmsMV, 1e-6)
        let hr = try exportAndCompare(TestPaths.model("tools/lems/LEMS_HindmarshRoseDL.xml"))
        XCTAssertEqual(hr.spikes, 7)
        XCTAssertEqual(hr.worstSpikeMs, 0)
        XCTAssertLessThanOrEqual(hr.worstOther, 1e-9)
    }

    /// A synapse with LEMS Regimes (the regime a state of the point process: each regime's
    /// rates, OnEvents and conditions selected by it, a Transition setting it and running the
    /// target's OnEntry): the desensitising synapse's conductance and its cell's potential
    /// agree to rounding (measured: v identical, g within 1e-20 S).
    func testSynapseRegimesInNeuron() throws {
        try requireNeuron()
        let a = try exportAndCompare(TestPaths.model("Tests/BRCTests/Fixtures/lems/LEMS_synapse_regimes.xml"))
        XCTAssertLessThanOrEqual(a.worstRmsMV, 1e-9)
        XCTAssertLessThanOrEqual(a.worstOther, 1e-9)
    }

    /// A channel whose only gate is instantaneous has a non-ohmic current (its di/dv holds the
    /// gate's slope); brcc's export writes it so, and NEURON agrees with brcc on it.
    func testAnInstantaneousOnlyChannelInNeuron() throws {
        try requireNeuron()
        let a = try exportAndCompare(TestPaths.model("tools/lems/LEMS_InstantaneousChannel.xml"), duration: 100)
        XCTAssertEqual(a.spikes, 6)
        XCTAssertLessThanOrEqual(a.worstSpikeMs, 1e-6)
        XCTAssertLessThanOrEqual(a.worstRmsMV, 1e-6)
    }

    /// Concentration models of the model's own ComponentTypes (exact, forward Euler, and a
    /// clamp at 0) in NEURON: measured, concentrations identical to the printed digits, v within
    /// 1e-12 V.
    func testOwnConcentrationModelsInNeuron() throws {
        try requireNeuron()
        let a = try exportAndCompare(TestPaths.model("Tests/BRCTests/Fixtures/lems/LEMS_own_concentration_models.xml"))
        XCTAssertLessThanOrEqual(a.worstRmsMV, 1e-6)
        XCTAssertLessThanOrEqual(a.worstOther, 1e-9)
    }
}
