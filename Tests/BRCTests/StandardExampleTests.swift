import BRCDiagnostics
import BRCDriver
import BRCIR
import Foundation
import XCTest

/// Standard NeuroML2/LEMS examples, loaded unchanged from ../shared/neuroml.
final class StandardExampleTests: XCTestCase {
    func expected(_ name: String) -> String { TestPaths.sharedFile("neuroml/expected/\(name)/neuron/results") }

    func testEx5DetailedCellMatchesNEURON() throws {
        let out = try runSimulation(TestPaths.sharedFile("neuroml/LEMSexamples/LEMS_NML2_Ex5_DetCell.xml"))
        let ref = try loadTable(expected("ex5_detcell") + "/ex5_v.dat")
        assertMatches(reference: ref, candidate: out[0], refColumn: 1, column: 1, label: "Ex5 v")
        XCTAssertEqual(spikeTimes(t: out[0].map { $0[0] }, v: out[0].map { $0[1] }).count, 7)
        // Gate variables are recorded too (info columns, not compared by the judge): close to NEURON's.
        let vars = try loadTable(expected("ex5_detcell") + "/ex5_vars.dat")
        for col in 1...3 {
            let worst = zip(vars, stride(from: 0, to: out[1].count, by: 5).map { out[1][$0] }).map { abs($0[col] - $1[col]) }.max()!
            XCTAssertLessThan(worst, 1e-3, "Ex5 gate column \(col)")
        }
    }

    func testEx10Q10MatchesNEURON() throws {
        try assertMatchesExpected("ex10_q10", outputs: runSimulationByFile(TestPaths.sharedFile("neuroml/LEMSexamples/LEMS_NML2_Ex10_Q10.xml")))
    }

    func testEx6NMDAFromASpikeGeneratorMatchesNEURON() throws {
        let out = try runSimulationByFile(TestPaths.sharedFile("neuroml/LEMSexamples/LEMS_NML2_Ex6_NMDA.xml"))
        try assertMatchesExpected("ex6_nmda", outputs: out)
        // The synapse's conductance and block factor (info columns) follow NEURON's too:
        // worst difference relative to the trace's peak.
        for (name, tolerance) in [("results/ex6_g.dat", 0.01), ("results/ex6_block.dat", 1e-5)] {
            let ref = try loadTable(TestPaths.sharedFile("neuroml/expected/ex6_nmda/neuron/\(name)"))
            let got = try XCTUnwrap(out[name])
            let worst = zip(ref, stride(from: 0, to: got.count, by: 5).map { got[$0] }).map { abs($0[1] - $1[1]) }.max()!
            let peak = ref.map { abs($0[1]) }.max()!
            XCTAssertGreaterThan(peak, 0, name)
            XCTAssertLessThan(worst / peak, tolerance, name)
        }
    }

    /// Ex15: a granule cell with a decaying calcium pool, a calcium channel feeding it and a
    /// calcium-dependent K channel (rates from a baseVoltageConcDepRate ComponentType); the
    /// NaF gate's timeCourse ComponentType reads the gate's alpha and beta of the previous step,
    /// as the NEURON export computes them. Both backends give the same bits.
    func testEx15CalciumDynamicsMatchesNEURON() throws {
        let path = TestPaths.sharedFile("neuroml/LEMSexamples/LEMS_NML2_Ex15_CaDynamics.xml")
        let out = try runSimulationByFile(path)
        try assertMatchesExpected("ex15_cadynamics", outputs: out)
        // The conductance densities (info columns) follow NEURON's to within a step's change.
        let ref = try loadTable(TestPaths.sharedFile("neuroml/expected/ex15_cadynamics/neuron/results/ex15_cond_dens.dat"))
        let got = try XCTUnwrap(out["results/ex15_cond_dens.dat"])
        for col in 1...5 {
            let peak = ref.map { abs($0[col]) }.max()!
            let early = zip(ref.prefix(2000), stride(from: 0, to: 100_000, by: 50).map { got[$0] }).map { abs($0[col] - $1[col]) }.max()!
            XCTAssertLessThan(early / peak, 1e-3, "Ex15 conductance column \(col) before the first spike")
        }
    }

    /// Ex0 (iafCell, iafRefCell, iafTauCell, iafTauRefCell), Ex19 (iafCells coupled by a gap
    /// junction) and Ex20 (an iafCell driving passive cells through graded synapses): a LEMS
    /// cell whose only rate is dv/dt has its current evaluated at the present v, with NEURON's
    /// numerical di/dv, as the export's BREAKPOINT does (docs/numerics.md). Against NEURON run by
    /// tools/neuron_reference.sh (Tests/BRCTests/Fixtures/neuron). The current held from the
    /// last update instead (the rule for cells with other states) was 0.28-0.58 mV RMS off here,
    /// its resets one to three steps early per spike. The cells' resets now come before every
    /// synapse's and gap junction's current in a step (`Simulator.currentOrder`), as in NEURON,
    /// where they happen at the end of the step before: Ex19 went from 0.0011 mV RMS (0.010 mV
    /// at worst) and Ex20 from 0.0002 mV to 0 at the reference's printed digits.
    func testIntegrateAndFireCellsMatchNEURON() throws {
        for (name, fixture, rms) in [("Ex0_IaF", "ex0_iaf", 1e-4), ("Ex19_GapJunctions", "ex19_gap_junctions", 1e-4),
                                     ("Ex20_AnalogSynapses", "ex20_analog_synapses", 1e-4)] {
            let out = try runSimulationByFile(TestPaths.sharedFile("neuroml/LEMSexamples/LEMS_NML2_\(name).xml"))
            let dir = TestPaths.repo.appendingPathComponent("Tests/BRCTests/Fixtures/neuron/\(fixture)")
            try assertMatchesExpected(fixture, outputs: out, maxSpikeMs: 0.001, maxRmsMV: rms, in: dir)
        }
    }

    /// Ex1, NeuroML's "hello world": a pointCellCondBased, whose channels' current jNeuroML's
    /// export holds from the last state update (explicit in v; PointCellLowering.heldCurrent).
    /// Against NEURON run by tools/neuron_reference.sh: 4 spikes within 0.001 ms and 0.001 mV
    /// RMS (as a cable cell with implicit channel currents, before 2026-12-01: 0.136 ms and
    /// 1.54 mV RMS, outside compare_outputs.py's 0.1 ms and 1 mV).
    func testEx1PointCellCondBasedMatchesNEURON() throws {
        let out = try runSimulationByFile(TestPaths.sharedFile("neuroml/LEMSexamples/LEMS_NML2_Ex1_HH.xml"))
        let dir = TestPaths.repo.appendingPathComponent("Tests/BRCTests/Fixtures/neuron/ex1_hh")
        try assertMatchesExpected("ex1_hh", outputs: out, maxSpikeMs: 0.001, maxRmsMV: 0.001, in: dir)
    }

    /// Ex20a: an HH cell driving a passive cell through a linear graded and a graded synapse
    /// (continuous projections). Against NEURON run by tools/neuron_reference.sh: the HH cell's
    /// 7 spikes within 0.001 ms and both potentials within 0.001 mV RMS (measured: 0.0000 at the
    /// reference's printed digits).
    func testEx20aGradedSynapsesFromAnHHCellMatchNEURON() throws {
        let out = try runSimulationByFile(TestPaths.sharedFile("neuroml/LEMSexamples/LEMS_NML2_Ex20a_AnalogSynapsesHH.xml"))
        let dir = TestPaths.repo.appendingPathComponent("Tests/BRCTests/Fixtures/neuron/ex20a_analog_synapses_hh")
        try assertMatchesExpected("ex20a_analog_synapses_hh", outputs: out, maxSpikeMs: 0.001, maxRmsMV: 0.001, in: dir)
    }

    /// Ex18: a calcium channel placed by channelDensityGHK (the GHK current from the pool's
    /// concentration, NEURON's numerical di/dv) and a fixedFactorConcentrationModel written in
    /// LEMS's generic `<concentrationModel type=...>` form. Against NEURON run by
    /// tools/neuron_reference.sh (Tests/BRCTests/Fixtures/neuron): the spikes, the membrane
    /// potential and the calcium concentration.
    func testEx18GHKCalciumChannelMatchesNEURON() throws {
        try assertMatchesNEURONFixture(TestPaths.sharedFile("neuroml/LEMSexamples/LEMS_NML2_Ex18_GHK.xml"), fixture: "ex18_ghk",
                                       file: "results/ex18.dat", columns: [(3, 1e-4)])
    }

    /// Runs `model`, compares its membrane potentials with the NEURON fixture (spikes within
    /// 0.001 ms, RMS within 0.001 mV), and each other column of `file` to within `tolerance` of
    /// its peak (which must be above 1e-5 in SI units), on the fixture's every-50th-row grid.
    func assertMatchesNEURONFixture(_ model: String, fixture: String, file: String, columns: [(Int, Double)],
                                    source: StaticString = #filePath, line: UInt = #line) throws {
        let out = try runSimulationByFile(model)
        let dir = TestPaths.repo.appendingPathComponent("Tests/BRCTests/Fixtures/neuron/\(fixture)")
        try assertMatchesExpected(fixture, outputs: out, maxSpikeMs: 0.001, maxRmsMV: 0.001, in: dir, file: source, line: line)
        let ref = try loadTable(dir.appendingPathComponent("neuron/\(file)").path)
        let got = try XCTUnwrap(out[file], file: source, line: line)
        for (col, tolerance) in columns {
            let peak = ref.map { abs($0[col]) }.max()!
            let worst = zip(ref, stride(from: 0, to: got.count, by: 50).map { got[$0] }).map { abs($0[col] - $1[col]) }.max()!
            XCTAssertGreaterThan(peak, 1e-5, "\(fixture) column \(col)", file: source, line: line)
            XCTAssertLessThan(worst / peak, tolerance, "\(fixture) column \(col)", file: source, line: line)
        }
    }

    /// Ex18 with its calcium channel placed by channelDensityGHK2 (tools/lems/LEMS_GHK2.xml, as
    /// OSB's ghk-nernst model places it): the current condDensity fopen ghk2(v, cai, cao) of
    /// jNeuroML's export. Against NEURON run by tools/neuron_reference.sh (which declares the
    /// cai and cao the exported mod reads): measured the 2 spikes within 1e-6 ms, v RMS 4e-6 mV,
    /// caConc within 3e-7 of its peak; iDensity within 0.3 % of its peak (NEURON records it
    /// from the step's current phase, one step earlier).
    func testGHK2CalciumChannelMatchesNEURON() throws {
        try assertMatchesNEURONFixture(TestPaths.model("tools/lems/LEMS_GHK2.xml"), fixture: "ghk2", file: "results/ghk2.dat", columns: [(3, 1e-5), (2, 3e-3)])
    }

    /// Sodium and potassium densities that vary along a dendrite (tools/lems/LEMS_NonUniform.xml:
    /// channelDensityNonUniform with inhomogeneousParameters, one the path length from the root,
    /// one translated to 0 and normalised to 1 over the dendrite). Against NEURON on jNeuroML's
    /// export (which evaluates the expressions per compartment through NEURON's
    /// SubsetDomainIterator), run by tools/neuron_reference.sh: measured the 4 spikes at soma and
    /// dendrite tip within 1e-5 ms, v within 5.2e-6 mV (the file's digits). Measuring the path length
    /// from the dendrite's start instead (20 um less) moves the spikes by up to 0.29 ms, 4.8 mV RMS.
    func testNonUniformChannelDensitiesMatchNEURON() throws {
        try assertMatchesNEURONFixture(TestPaths.model("tools/lems/LEMS_NonUniform.xml"), fixture: "nonuniform", file: "results/nonuniform.dat", columns: [(1, 1e-5), (2, 1e-5)])
    }

    /// A conductance scaling of the model's own ComponentType (extending
    /// baseConductanceScalingCaDependent: its factor of caConc multiplies g), in a network of
    /// calcium cells (tools/lems/LEMS_CaConductanceScaling.xml, GHK, GHK2 and Nernst calcium,
    /// decaying and fixed-factor pools). brcc refused the scaling until 2026-12-05; now every
    /// potential agrees with NEURON on jNeuroML's export within 4e-7 of its range.
    func testACaDependentConductanceScalingMatchesNEURON() throws {
        try assertMatchesNEURONFixture(TestPaths.model("tools/lems/LEMS_CaConductanceScaling.xml"), fixture: "ca_scaling", file: "results/ca_scaling_v.dat",
                                       columns: [(1, 1e-5), (2, 1e-5), (3, 1e-5), (4, 1e-5)])
    }

    /// The same cell with a branch leaving its dendrite partway along a compartment
    /// (tools/lems/LEMS_NonUniformBranch.xml): NEURON's distance() measures the branch from the
    /// centre of the dendrite compartment it attaches to, so brcc does. Measured from the
    /// attachment point itself, the branch had 2.2x too little sodium: 0.48 mV RMS at the soma,
    /// 0.57 mV on the branch against this reference (the numerical audit).
    func testNonUniformDensitiesOnABranchMatchNEURON() throws {
        try assertMatchesNEURONFixture(TestPaths.model("tools/lems/LEMS_NonUniformBranch.xml"), fixture: "nonuniform_branch", file: "results/nonuniform_branch.dat",
                                       columns: [(1, 1e-5), (2, 1e-5), (3, 1e-5)])
    }

    /// Points at the ends of sections that brcc drops when nothing sits there
    /// (tools/lems/LEMS_SealedTipPoints.xml): a gap junction between two dendrites' sealed tips
    /// (one of them also taking a current) and synapses at a third dendrite's tip and at its
    /// soma's 0 end (the root's). NEURON keeps zero-area nodes there and brcc now restores
    /// them where a conductance is placed (`IRCellType.pointNode`). Measured: the gap-junction
    /// cells within 4.5e-7 of their range (the file's digits; on the compartments brcc put
    /// them on, 4 to 12 mV RMS, a whole spike train apart), the synapse cell within 1.5e-2
    /// (0.13 mV RMS; before, 5.7 mV). That remainder is the synapse current's scheme, implicit
    /// in brcc and held from the last update in the export (docs/numerics.md): with both
    /// synapses inside their segments it is 0.04 mV, and at a fifth of the step 0.006 mV.
    func testPointsAtSealedTipsMatchNEURON() throws {
        try assertMatchesNEURONFixture(TestPaths.model("tools/lems/LEMS_SealedTipPoints.xml"), fixture: "sealed_tip", file: "results/sealed_tip.dat",
                                       columns: [(1, 1e-5), (2, 1e-5), (3, 1e-5), (4, 1e-5), (5, 3e-2), (6, 3e-2)])
    }

    /// Voltage clamps at a one-compartment dendrite's sealed tip (5, 1 and 10 nS) and inside
    /// it (10 nS), tools/lems/LEMS_VoltageClampAtTip.xml. The clamp's current is a state its
    /// conditions assign from v, which jNeuroML's export assigns in BREAKPOINT: NEURON's di/dv
    /// runs the conditions at v + 0.001, so the clamp is implicit, and so is brcc's now
    /// (`IRSynapse.derivativeThroughConditions`). Measured within 1.4e-6 of each column's range
    /// (the file's digits). Held explicit, as before the forty-eighth session, the clamp inside
    /// the dendrite was 0.10 - 0.14 mV RMS off, and at the tip node, which has no capacitance,
    /// the 10 nS clamp (above the tip's 6.3 nS axial conductance) diverged to NaN at every step
    /// size; on the compartment, where brcc put it before this session, 9 - 20 mV RMS.
    func testVoltageClampsAtATipMatchNEURON() throws {
        try assertMatchesNEURONFixture(TestPaths.model("tools/lems/LEMS_VoltageClampAtTip.xml"), fixture: "vclamp_tip", file: "results/vclamp_tip.dat",
                                       columns: (1...8).map { ($0, 1e-5) })
    }

    /// timedSynapticInput spikes 0, 0.005, 0.0125 and 0.020 ms after a step's start
    /// (tools/lems/LEMS_TimedSynapticInputSteps.xml): delivered as NEURON delivers the events
    /// of the NetStims by which jNeuroML's export drives them, in the step from t_n when the
    /// time is less than t_n + dt/2 (`IRGenerator.eventTimes`). Measured within 7.7e-8 of each
    /// column's range; at the first step starting at or after the time, as before the
    /// forty-eighth session, the spikes at 0.005 ms came a step late (1.4e-3). The same times
    /// from spikeArray populations (columns 6 to 8) keep their rule; the one on the step grid
    /// (column 5), which NEURON's run of the export has a step later, is not compared.
    func testTimedSynapticInputSpikesArriveAsNEURONDeliversThem() throws {
        try assertMatchesNEURONFixture(TestPaths.model("tools/lems/LEMS_TimedSynapticInputSteps.xml"), fixture: "tsi_steps", file: "results/tsi_steps.dat",
                                       columns: [1, 2, 3, 4, 6, 7, 8].map { ($0, 1e-5) })
    }

    /// Inputs at a branch point (tools/lems/LEMS_BranchPointInputs.xml): at x = 0 of the
    /// dendrite and x = 1 of the soma NEURON puts a point process on the zero-area junction
    /// node between them, and so does brcc now (it put the first into the dendrite's first
    /// compartment, 25 um out: 0.30 mV RMS at the soma against a converged cable, where NEURON
    /// was 0.03 mV off; the numerical audit). Measured within
    /// 5e-6 mV of NEURON on jNeuroML's export at soma and dendrite, the file's digits.
    func testInputsAtABranchPointMatchNEURON() throws {
        try assertMatchesNEURONFixture(TestPaths.model("tools/lems/LEMS_BranchPointInputs.xml"), fixture: "branch_point", file: "results/branch_point.dat",
                                       columns: [(1, 1e-5), (2, 1e-5), (3, 1e-5)])
        let ct = try XCTUnwrap(Driver.check(TestPaths.model("tools/lems/LEMS_BranchPointInputs.xml")).0.cellTypes.first { $0.name == "pmc" })
        let junction = try XCTUnwrap(ct.node(segment: 1, fraction: 0))
        XCTAssertEqual(ct.nodes[junction].area, 0, "the junction node")
        XCTAssertEqual(ct.node(segment: 0, fraction: 1), junction)
        XCTAssertEqual(ct.location(ofNode: junction)?.fractionAlong, 1, "named as the soma's 1 end, which names it back")
        XCTAssertGreaterThan(try XCTUnwrap(ct.nodes[try XCTUnwrap(ct.node(segment: 2, fraction: 1))].area), 0, "a tip's end node is dropped, where only a fixed current sits: its last compartment")
        // An axon at the soma's 0 end keeps the root's 0 node: an input at soma(0) sits on it,
        // and the NeuroML export names it back (it could not, for one commit).
        let text = try String(contentsOfFile: TestPaths.model("tools/lems/LEMS_BranchPointInputs.xml"), encoding: .utf8)
        let axon = #"<segment id="3" name="axon"><parent segment="0" fractionAlong="0"/><proximal x="0" y="0" z="0" diameter="1"/><distal x="-100" y="0" z="0" diameter="1"/></segment>"#
        let rootedText = text.replacingOccurrences(of: #"      <segmentGroup id="soma" "#, with: "      \(axon)\n      <segmentGroup id=\"soma\" ")
            .replacingOccurrences(of: #"<include segmentGroup="dend"/></segmentGroup>"#, with: #"<include segmentGroup="dend"/><member segment="3"/></segmentGroup>"#)
            .replacingOccurrences(of: #"segmentId="0" fractionAlong="1.0""#, with: #"segmentId="0" fractionAlong="0.0""#)
        XCTAssertNotEqual(rootedText, text)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("brcc-root-start-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("LEMS_root_start.xml").path
        try rootedText.write(toFile: path, atomically: true, encoding: .utf8)
        let rooted = try XCTUnwrap(Driver.check(path).0.cellTypes.first { $0.name == "pmc" })
        let root = try XCTUnwrap(rooted.node(segment: 0, fraction: 0))
        XCTAssertEqual(rooted.nodes[root].area, 0, "the root's 0 node, where the axon joins")
        let place = try XCTUnwrap(rooted.location(ofNode: root))
        XCTAssertEqual(rooted.node(segment: place.segment, fraction: place.fractionAlong), root)
        XCTAssertNoThrow(try Driver.exportNeuroML(path, to: dir.appendingPathComponent("nml")))
    }

    /// A gateHHratesTauInf (tools/lems/LEMS_RatesTauInf.xml): forward and reverse rates, but the
    /// gate follows its steadyState and its timeCourse (a ComponentType reading the gate's alpha
    /// and beta, a step late as in jNeuroML's export), with a q10. Against NEURON run by
    /// tools/neuron_reference.sh: measured the 9 spikes within 1e-6 ms, v within 3.6e-5 mV,
    /// the gate's q within 7.1e-8 (the file's digits).
    /// A channel whose only gate is a gateHHInstantaneous (tools/lems/LEMS_InstantaneousChannel.xml):
    /// NEURON's export gives it no state, so its di/dv holds the gate's slope, and brcc's
    /// current is non-ohmic for it too (ChannelLowering.instantaneousCurrent). As an ohmic
    /// channel it was 0.087 ms and 1.6 mV RMS off NEURON (the fifth numerical audit); now
    /// within the file's digits.
    func testAnInstantaneousOnlyChannelMatchesNEURON() throws {
        try assertMatchesNEURONFixture(TestPaths.model("tools/lems/LEMS_InstantaneousChannel.xml"), fixture: "instantaneous_channel",
                                       file: "results/instantaneous.dat", columns: [(1, 1e-4)])
    }

    /// Ex4a: the HH potassium channel written as kinetic schemes (ionChannelKS with a two-state
    /// gateKS of forward/reverse transitions, or a tauInfTransition): the two schemes give one
    /// trace, and it is NEURON's for them (jNeuroML's export solves every gateKS as a KINETIC
    /// block, implicit Euler without the HH gate's lag), not the classic cell's (brcc took a
    /// two-state scheme as an HH gate until the fifth numerical audit: 0.021 ms and 0.36 mV RMS
    /// off NEURON). All three columns within 1.3e-5 mV of NEURON's (its printed digits).
    func testKineticSchemeChannelsMatchNEURON() throws {
        let model = TestPaths.model("tools/lems/LEMS_NML2_Ex4a_KS_outputs.xml")
        let got = try XCTUnwrap(runSimulationByFile(model)["results/v.dat"])
        XCTAssertEqual(spikeTimes(t: got.map { $0[0] }, v: got.map { $0[1] }).count, 10)
        XCTAssertLessThan(got.map { abs($0[2] - $0[3]) }.max()!, 1e-9, "the two schemes of one channel")
        XCTAssertGreaterThan(got.map { abs($0[1] - $0[2]) }.max()!, 1e-3, "a scheme is not the HH gate")
        try assertMatchesNEURONFixture(model, fixture: "ex4a_ks", file: "results/v.dat", columns: [(1, 1e-5), (2, 1e-5), (3, 1e-5)])
    }

    func testRatesTauInfGateMatchesNEURON() throws {
        try assertMatchesNEURONFixture(TestPaths.model("tools/lems/LEMS_RatesTauInf.xml"), fixture: "rates_tau_inf", file: "results/rates_tau_inf.dat", columns: [(1, 1e-5), (2, 1e-5)])
    }

    /// Sodium rates that read the Requirement vShift (tools/lems/LEMS_VShift.xml), placed by
    /// channelDensityVShift (8 mV), by channelDensity (0 mV) and as an ionChannelVShift (its own
    /// -5 mV): the three cells fire 1, 3 and 4 spikes. Against NEURON run by
    /// tools/neuron_reference.sh: measured every spike within 1e-6 ms and v within 4.1e-5 mV.
    func testVoltageShiftedRatesMatchNEURON() throws {
        try assertMatchesNEURONFixture(TestPaths.model("tools/lems/LEMS_VShift.xml"), fixture: "vshift", file: "results/vshift.dat", columns: [(1, 1e-5), (2, 1e-5), (3, 1e-5)])
        // A channelDensityVShift whose channel's rates read no vShift says so (and runs as channelDensity).
        let text = try String(contentsOfFile: TestPaths.model("tools/lems/LEMS_VShift.xml"), encoding: .utf8)
            .replacingOccurrences(of: #"id="k_all" ionChannel="k_chan""#, with: #"id="k_all" ionChannel="k_chan" vShift="3mV""#)
            .replacingOccurrences(of: #"<channelDensity condDensity="0.036 S_per_cm2""#, with: #"<channelDensityVShift condDensity="0.036 S_per_cm2""#)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("brcc-vshift-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("LEMS_VShift.xml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let (_, diagnostics) = try Driver.check(path)
        XCTAssertEqual(diagnostics.filter { $0.id == "BRC-W0315" }.count, 3)
    }

    /// A cell2CaPools (tools/lems/LEMS_TwoCaPools.xml): two calcium channels, one feeding ion ca
    /// into a fixedFactorConcentrationModel (placed by channelDensityNernst), one feeding ion ca2
    /// into a fixedFactorConcentrationModelTraub (placed by channelDensityNernstCa2), each
    /// channel's reversal following its own pool. Against NEURON run by tools/neuron_reference.sh
    /// (which repairs the export's Traub pool for ca2): measured the 2 spikes within 1e-6 ms,
    /// v within 3.7e-5 mV, caConc within 4e-7 and caConc2 within 4.3e-7 of their peaks.
    /// Holding the second pool at rest instead moves v by up to 7.7 mV.
    func testTwoCalciumPoolsMatchNEURON() throws {
        try assertMatchesNEURONFixture(TestPaths.model("tools/lems/LEMS_TwoCaPools.xml"), fixture: "two_ca_pools", file: "results/two_ca_pools.dat",
                                       columns: [(1, 1e-5), (2, 1e-5), (3, 1e-5)])
    }

    /// A potassium channel with `<q10ConductanceScaling>` (tools/lems/LEMS_Q10Conductance.xml:
    /// its conductance times 2.3^((16.3 - 23)/10) = 0.572): against NEURON run by
    /// tools/neuron_reference.sh, measured the 8 spikes and v to the file's 7 digits (2.7e-5 mV);
    /// without the factor the cell fires 7 spikes, 29 mV RMS away. gDensity within 2.1 % of its
    /// peak: NEURON records it from the step's current phase, a step before brcc's value.
    func testQ10ConductanceScalingMatchesNEURON() throws {
        try assertMatchesNEURONFixture(TestPaths.model("tools/lems/LEMS_Q10Conductance.xml"), fixture: "q10_conductance", file: "results/q10.dat", columns: [(1, 1e-6), (2, 0.03)])
    }

    /// NeuroML's hindmarshRose1984Cell (tools/lems/LEMS_HindmarshRose1984.xml) against NEURON
    /// run by tools/neuron_reference.sh: y and z, whose rates read derived variables, advance
    /// by forward Euler in NEURON and in brcc (numerics.md). The first step's held current is computed, as the export's INITIAL does,
    /// at v = -65 mV and at y and z's NMODL defaults, the parameters y0 and z0 (NEURON starts
    /// a STATE s at a PARAMETER s0): v after one step is NEURON's -37.47168 mV (with y = z = 0
    /// it was -36.597 mV). Measured: the 6 spikes within 1e-4 ms, v RMS 0.0002 mV (with y and z
    /// integrated exactly, 0.93 ms and 4.9 mV).
    func testHindmarshRose1984MatchesNEURON() throws {
        let (ir, _) = try Driver.check(TestPaths.model("tools/lems/LEMS_HindmarshRose1984.xml"))
        let r = try Driver.run(ir, outDir: nil, cache: TestPaths.cache)
        let rows = r.recorder.table(0)
        XCTAssertEqual(rows[1][1] * 1000, -37.47168, accuracy: 1e-5, "the first step's held current reads y0 and z0")
        try assertMatchesExpected("hr1984", outputs: ["results/hr.dat": rows], maxSpikeMs: 0.001, maxRmsMV: 0.001,
                                  in: TestPaths.repo.appendingPathComponent("Tests/BRCTests/Fixtures/neuron/hr1984"))
    }

    /// Ex15 with its calcium channel placed by channelDensityNernst (tools/lems): the reversal
    /// follows the pool's concentration as NEURON's ca ion computes eca each step. Against
    /// NEURON run by tools/neuron_reference.sh; both backends give the same bits.
    func testNernstCalciumReversalMatchesNEURON() throws {
        let path = TestPaths.model("tools/lems/LEMS_NML2_Ex15_Nernst.xml")
        let out = try runSimulationByFile(path)
        let dir = TestPaths.repo.appendingPathComponent("Tests/BRCTests/Fixtures/neuron/ex15_nernst")
        try assertMatchesExpected("ex15_nernst", outputs: out, maxSpikeMs: 0.005, maxRmsMV: 0.05, in: dir)
    }

    /// Pools of ions other than calcium (tools/lems/LEMS_KPool_Nernst.xml): an HH cell whose K
    /// current feeds a decayingPoolConcentrationModel of ion k and whose Na current feeds a
    /// fixedFactorConcentrationModel of ion na; the K channel is placed by channelDensityNernst,
    /// so its reversal follows the K pool. Against NEURON run by tools/neuron_reference.sh
    /// (which repairs jNeuroML's export of non-calcium pools, docs/numerics.md): measured 20
    /// spikes within 5.2e-7 ms, RMS 4.5e-6 mV. The pools matter: K falls from 54.4 to about
    /// 45 mM, and with EK fixed at its initial value the 20th spike comes about 6 ms later.
    func testPotassiumPoolWithNernstReversalMatchesNEURON() throws {
        let path = TestPaths.model("tools/lems/LEMS_KPool_Nernst.xml")
        let dir = TestPaths.repo.appendingPathComponent("Tests/BRCTests/Fixtures/neuron/kpool_nernst")
        try assertMatchesExpected("kpool_nernst", outputs: runSimulationByFile(path), maxSpikeMs: 1e-5, maxRmsMV: 1e-4, in: dir)
        // The same model recording the concentrations (pop[0]/kConc, pop[0]/naConc).
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("brcc-kpool-\(ProcessInfo.processInfo.processIdentifier)")
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: tmp) }
        let column = "<OutputColumn id=\"v\" quantity=\"pop[0]/v\"/>"
        XCTAssertTrue(text.contains(column))
        let recorded = tmp.appendingPathComponent("kpool_conc.xml")
        try text.replacingOccurrences(of: column, with: column + "<OutputColumn id=\"k\" quantity=\"pop[0]/kConc\"/><OutputColumn id=\"na\" quantity=\"pop[0]/naConc\"/>")
            .write(to: recorded, atomically: true, encoding: .utf8)
        let conc = try XCTUnwrap(runSimulationByFile(recorded.path)["results/kpool.dat"])
        XCTAssertEqual(conc[0][2], 54.4, accuracy: 1e-12, "ki starts at the species' initialConcentration (mM = mol/m3)")
        XCTAssertEqual(conc[0][3], 10, accuracy: 1e-12)
        let kMin = conc.map { $0[2] }.min()!, naMax = conc.map { $0[3] }.max()!
        XCTAssertLessThan(kMin, 47, "the K current depletes the K pool")
        XCTAssertGreaterThan(kMin, 43)
        XCTAssertGreaterThan(naMax, 13, "the Na current fills the Na pool")
        // With EK fixed at the initial Nernst potential the spikes drift well beyond the tolerance.
        let fixed = tmp.appendingPathComponent("kpool_fixed.xml")
        let nernst = "<channelDensityNernst id=\"k_all\" ionChannel=\"kChan\" condDensity=\"36mS_per_cm2\" ion=\"k\"/>"
        XCTAssertTrue(text.contains(nernst))
        try text.replacingOccurrences(of: nernst, with: "<channelDensity id=\"k_all\" ionChannel=\"kChan\" condDensity=\"36mS_per_cm2\" erev=\"-74.17mV\" ion=\"k\"/>")
            .write(to: fixed, atomically: true, encoding: .utf8)
        let v = try XCTUnwrap(runSimulationByFile(fixed.path)["results/kpool.dat"])
        let last = try XCTUnwrap(spikeTimes(t: v.map { $0[0] }, v: v.map { $0[1] }, threshold: 0).last)
        XCTAssertGreaterThan(last - 273.968032, 3, "the pool's Nernst reversal moves the last spike (ms)")
    }

    /// A chloride pool (valence -1) fed by a Cl conductance placed by channelDensityNernst, beside
    /// the K and Na pools (tools/lems/LEMS_ClPool_Nernst.xml). Against NEURON run by
    /// tools/neuron_reference.sh: measured 22 spikes within 7.5e-6 ms, RMS 8.4e-5 mV. The
    /// depolarised membrane drives Cl in: cli rises from 10 mM.
    func testChloridePoolWithNernstReversalMatchesNEURON() throws {
        let path = TestPaths.model("tools/lems/LEMS_ClPool_Nernst.xml")
        let dir = TestPaths.repo.appendingPathComponent("Tests/BRCTests/Fixtures/neuron/clpool_nernst")
        try assertMatchesExpected("clpool_nernst", outputs: runSimulationByFile(path), maxSpikeMs: 1e-4, maxRmsMV: 1e-3, in: dir)
        let (ir, _) = try Driver.check(path)
        XCTAssertEqual(Set(ir.mechanisms.compactMap(\.pool)), ["cl", "k", "na"])
    }

    func testEx5MatchesNEURONAsTheJudgeComputesIt() throws {
        try assertMatchesExpected("ex5_detcell", outputs: runSimulationByFile(TestPaths.sharedFile("neuroml/LEMSexamples/LEMS_NML2_Ex5_DetCell.xml")))
    }

    /// Every standard example either runs or is rejected with located "not supported yet"
    /// diagnostics: never a crash, an internal error or an unlocated message.
    func testEveryStandardExampleRunsOrIsRejectedClearly() throws {
        let dir = TestPaths.shared.appendingPathComponent("neuroml/LEMSexamples")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".xml") }.sorted()
        XCTAssertGreaterThan(files.count, 25)
        var accepted: [String] = []
        for f in files {
            do {
                _ = try Driver.check(dir.appendingPathComponent(f).path)
                accepted.append(f)
            } catch DriverError.model(let ds) {
                XCTAssertTrue(ds.contains { $0.id == "BRC-E0103" }, "\(f) is rejected without a 'not supported yet' diagnostic: \(ds.first.map(\.description) ?? "")")
                for d in ds {
                    XCTAssertGreaterThan(d.location.line, 0, "\(f): unlocated diagnostic \(d)")
                    XCTAssertNotNil(d.hint, "\(f): diagnostic without a hint: \(d)")
                }
            }
        }
        XCTAssertTrue(accepted.contains("LEMS_NML2_Ex5_DetCell.xml"))
        XCTAssertTrue(accepted.contains("LEMS_NML2_Ex10_Q10.xml"))
        XCTAssertTrue(accepted.contains("LEMS_NML2_Ex25_MultiComp.xml"))
        XCTAssertTrue(accepted.contains("LEMS_NML2_Ex6_NMDA.xml"))
        // Through the NeuroML2 core types (issue 12).
        for f in ["Ex0_IaF", "Ex1_HH", "Ex2_Izh", "Ex3_Net", "Ex8_AdEx", "Ex9_FN", "Ex11_STDP", "Ex12_Net2", "Ex13_Instances", "Ex19_GapJunctions",
                  "Ex19a_GapJunctionInstances", "Ex20_AnalogSynapses", "Ex20a_AnalogSynapsesHH", "Ex21_CurrentBasedSynapses", "Ex26_Weights", "Ex14_PyNN", "Ex16_Inputs", "Ex23_Spiketimes", "Ex24_FractionalConductance", "Ex27_MultiSynapses", "Ex4_KS", "Ex4a_KS", "Ex7_STP", "Ex22_PinskyRinzelCA3", "Ex15_CaDynamics", "Ex18_GHK", "Ex17_Tissue"] {
            XCTAssertTrue(accepted.contains("LEMS_NML2_\(f).xml"), f)
        }
        XCTAssertEqual(accepted, files, "every standard example is accepted")
    }

    /// The NeuroML files of ../shared/neuroml/examples pass `check`, but for what cannot be
    /// simulated: a population of a cell without biophysics (NML2_SegmentConnections, E0316)
    /// and a cell whose capacitance leaves segments uncovered (NML2_InhomogeneousParams, E0323,
    /// a sketch its own comment says is untested). A cell that is a morphology alone and that
    /// no population uses is the warning W0316 (NML2_SimpleMorphology and two others).
    func testNeuroMLExampleFilesCheck() throws {
        let dir = TestPaths.shared.appendingPathComponent("neuroml/examples")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".nml") || $0.hasSuffix(".xml") }.sorted()
        XCTAssertGreaterThan(files.count, 15)
        var refused: [String: [String]] = [:], warned: [String] = []
        for f in files {
            let path = dir.appendingPathComponent(f).path
            let errors = modelErrors(path)
            if !errors.isEmpty { refused[f] = errors.map { String($0.prefix(9)) }; continue }
            if try Driver.check(path).1.contains(where: { $0.id == "BRC-W0316" }) { warned.append(f) }
        }
        XCTAssertEqual(refused, ["NML2_SegmentConnections.nml": ["BRC-E0316"], "NML2_InhomogeneousParams.nml": ["BRC-E0323"]])
        XCTAssertEqual(warned, ["CopiedNML2Doc.xml", "NML2_SimpleMorphology.nml", "SomeValidDoc.xml"])
    }
}

/// Standard examples that run through the NeuroML2 core types (issue 12).
extension StandardExampleTests {
    /// Ex3: pointCellCondBased cells, expOne/expTwo synapses and alphaSynapse (compiled from
    /// its ComponentType in Synapses.xml). Measured 0.0002 mV RMS: the presynaptic cell's
    /// current held as the export's, and its spikes sent at 0 mV as the export's NetCon
    /// (PointCellLowering.exportThreshold); at its `thresh` of 20 mV the EPSPs came 0.1 ms
    /// late (0.035 mV RMS).
    func testEx3NetworkOfPointCellsMatchesNEURON() throws {
        try assertMatchesExpected("ex3_net", outputs: runSimulationByFile(TestPaths.sharedFile("neuroml/LEMSexamples/LEMS_NML2_Ex3_Net.xml")),
                                  maxSpikeMs: 0.001, maxRmsMV: 0.002)
    }

    /// Ex16's izhikevich2007Cell columns (current clamp, sine, ramp, voltage clamp, spikeArray
    /// and spikeGenerator through an expTwoSynapse, compound input): the cell compiled from
    /// Cells.xml and the inputs from Inputs.xml follow NEURON's run of the jNeuroML export. Ex16's
    /// random inputs are not supported yet, so the fixture keeps these cells of the file unchanged.
    func testEx16IzhikevichCellsMatchNEURON() throws {
        let dir = TestPaths.shared.appendingPathComponent("neuroml/expected/ex16_inputs")
        let meta = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("meta.json"))) as! [String: Any]
        let spikes = (meta["spikes_ms"] as! [String: Any])["neuron"] as! [String: [Double]]
        let ref = try loadTable(dir.appendingPathComponent("neuron/results/ex16_v.dat").path)
        let out = try XCTUnwrap(runSimulationByFile(TestPaths.model("Tests/BRCTests/Fixtures/lems/ex16_izhikevich_subset.xml"))["results/ex16_v.dat"])
        var total = 0
        // (candidate column, NEURON column, key); u0 is column 5.
        for (column, refColumn, key) in [(1, 1, "v0"), (2, 2, "v1"), (3, 5, "v4"), (4, 6, "v5"), (6, 3, "v2"), (7, 4, "v3"), (8, 10, "v9")] {
            let cs = spikeTimes(t: out.map { $0[0] }, v: out.map { $0[column] }), rs = spikes["results/ex16_v.dat:\(key)"] ?? []
            XCTAssertEqual(cs.count, rs.count, "\(key) spike count")
            XCTAssertLessThanOrEqual(zip(rs, cs).map { abs($0 - $1) }.max() ?? 0, 0.05, "\(key) spike times (ms)")
            let rms = rmsDifference(refT: ref.map { $0[0] }, refV: ref.map { $0[refColumn] }, t: out.map { $0[0] }, v: out.map { $0[column] })
            XCTAssertLessThanOrEqual(rms, 0.5, "\(key) RMS (mV)")
            // The scheme is the export's, down to the compoundInput (v9), whose current NEURON's
            // numerical di/dv takes before the children's conditions (IRSynapse.derivativeBeforeConditions).
            XCTAssertLessThanOrEqual(rms, 0.01, "\(key) RMS (mV)")
            total += cs.count
        }
        XCTAssertGreaterThan(total, 40)
    }

    /// Ex26: weights and delays on projections, gap junctions (electricalProjection), graded
    /// synapses (continuousProjection) and weighted inputs (inputW), in a populationList whose
    /// instances outnumber its size.
    func testEx26WeightsGapJunctionsAndGradedSynapsesMatchNEURON() throws {
        try assertMatchesExpected("ex26_weights", outputs: runSimulationByFile(TestPaths.sharedFile("neuroml/LEMSexamples/LEMS_NML2_Ex26_Weights.xml")))
    }

    /// The whole of Ex16 (its random inputs run too; NEURON's outputs for them are not compared).
    func testEx16InputsMatchNEURON() throws {
        try assertMatchesExpected("ex16_inputs", outputs: runSimulationByFile(TestPaths.sharedFile("neuroml/LEMSexamples/LEMS_NML2_Ex16_Inputs.xml")))
    }
}
