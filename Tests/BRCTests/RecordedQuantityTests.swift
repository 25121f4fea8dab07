import Foundation
import XCTest
@testable import BRCDriver

/// Quantities recorded by jNeuroML's paths (the core types' exposures): a `<cell>`'s gates'
/// `inf`, `tau`, `alpha`, `beta`, `rateScale`, `fcond`, subgates and kinetic-scheme
/// occupancies, a channel's `fopen`, a density's `erev`, the cell's `iCa`, `iChannels` and
/// `totChanCurrent`, a species' `concentration`; a plastic synapse's mechanism by its id; a
/// spike input's train and synapse. Each is checked row by row against the NeuroML formulas at
/// the row's own potential, or against the other columns it is made of.
final class RecordedQuantityTests: XCTestCase {
    private func write(_ text: String, _ name: String = "m.xml") throws -> String { try writeModel(text, name, label: "recorded-quantities") }

    /// An HH cell (one cylinder, 20 um x 20 um; the standard examples' HH channels naChan and
    /// kChan) with a calcium channel feeding a decaying pool, under a current step, recording
    /// `columns` (paths below `pop[0]/`).
    private func hhCell(_ columns: [String]) -> String {
        let bio = "biophys/membraneProperties"
        let cols = columns.enumerated().map { "<OutputColumn id=\"c\($0.offset)\" quantity=\"pop[0]/\($0.element.replacingOccurrences(of: "BIO", with: bio))\"/>" }
        return """
        <Lems>
          <Target component="sim"/>
          <Include file="\(TestPaths.sharedFile("neuroml/examples/NML2_SingleCompHHCell.nml"))"/>
          <ionChannelHH id="cal" species="ca">
            <gateHHtauInf id="s" instances="2">
              <timeCourse type="fixedTimeCourse" tau="2ms"/>
              <steadyState type="HHSigmoidVariable" rate="1" midpoint="-20mV" scale="5mV"/>
            </gateHHtauInf>
          </ionChannelHH>
          <decayingPoolConcentrationModel id="pool" ion="ca" restingConc="5e-5mM" decayConstant="20ms" shellThickness="0.1um"/>
          <cell id="hh">
            <morphology id="m"><segment id="0" name="soma"><proximal x="0" y="0" z="0" diameter="20"/><distal x="20" y="0" z="0" diameter="20"/></segment></morphology>
            <biophysicalProperties id="biophys">
              <membraneProperties>
                <channelDensity id="naChans" ionChannel="naChan" condDensity="120mS_per_cm2" erev="50mV" ion="na"/>
                <channelDensity id="kChans" ionChannel="kChan" condDensity="36mS_per_cm2" erev="-77mV" ion="k"/>
                <channelDensity id="caChans" ionChannel="cal" condDensity="1mS_per_cm2" erev="120mV" ion="ca"/>
                <spikeThresh value="0mV"/><specificCapacitance value="1uF_per_cm2"/><initMembPotential value="-65mV"/>
              </membraneProperties>
              <intracellularProperties>
                <species id="ca" ion="ca" concentrationModel="pool" initialConcentration="5e-5mM" initialExtConcentration="2mM"/>
                <resistivity value="100ohm_cm"/>
              </intracellularProperties>
            </biophysicalProperties>
          </cell>
          <pulseGenerator id="step" delay="2ms" duration="20ms" amplitude="0.1nA"/>
          <network id="net">
            <population id="pop" component="hh" size="1"/>
            <explicitInput target="pop[0]" input="step"/>
          </network>
          <Simulation id="sim" length="30ms" step="0.01ms" target="net">
            <OutputFile id="of" fileName="q.dat">
              <OutputColumn id="v" quantity="pop[0]/v"/>
              \(cols.joined(separator: "\n      "))
            </OutputFile>
          </Simulation>
        </Lems>
        """
    }

    /// A gate's rates and steady state are the NeuroML formulas at the row's potential (to
    /// rounding: they are evaluated from the present state); its fcond and the channel's fopen
    /// are the states' factors of the step before (the conductance's lag, numerics.md), and the
    /// channel's g its single-channel conductance times fopen.
    func testGateAndChannelValuesFollowTheirFormulas() throws {
        let path = try write(hhCell([
            "BIO/naChans/naChan/m/alpha", "BIO/naChans/naChan/m/beta", "BIO/naChans/naChan/m/inf", "BIO/naChans/naChan/m/tau",
            "BIO/naChans/naChan/m/q", "BIO/naChans/naChan/h/q", "BIO/naChans/naChan/m/fcond", "BIO/naChans/naChan/fopen",
            "BIO/naChans/naChan/m/rateScale", "BIO/kChans/kChan/n/inf", "BIO/kChans/erev", "BIO/caChans/cal/s/tau", "BIO/caChans/cal/s/inf",
            "BIO/naChans/naChan/g",
        ]))
        XCTAssertEqual(modelErrors(path), [])
        let rows = try XCTUnwrap(runSimulationByFile(path)["q.dat"])
        XCTAssertEqual(rows.count, 3001)
        func rates(_ v: Double) -> (am: Double, bm: Double, an: Double, bn: Double) {
            let x = (v + 40) / 10, y = (v + 55) / 10
            return (x / (1 - exp(-x)), 4 * exp(-(v + 65) / 18), 0.1 * y / (1 - exp(-y)), 0.125 * exp(-(v + 65) / 80))
        }
        var worst = [Double](repeating: 0, count: 12)
        func note(_ i: Int, _ got: Double, _ want: Double) { worst[i] = max(worst[i], abs(got - want) / max(abs(want), 1e-300)) }
        var peak = -1.0
        for (k, r) in rows.enumerated() where k > 0 {
            let v = r[1] * 1000, (am, bm, an, bn) = rates(v)
            peak = max(peak, v)
            note(0, r[2] / 1000, am)                       // alpha, 1/s -> 1/ms
            note(1, r[3] / 1000, bm)
            note(2, r[4], am / (am + bm))
            note(3, r[5] * 1000, 1 / (am + bm))            // tau, s -> ms
            let before = rows[k - 1]
            note(4, r[8], pow(before[6], 3))               // m/fcond = m^3 of the step before
            note(5, r[9], pow(before[6], 3) * before[7])  // fopen = m^3 h of the step before
            note(6, r[10], 1)                              // rateScale without q10 settings
            note(7, r[11], an / (an + bn))
            note(8, r[12], -0.077)
            note(9, r[13], 0.002)                          // fixed tau 2 ms
            note(10, r[14], 1 / (1 + exp(-(v + 20) / 5)))
            note(11, r[15], 10e-12 * r[9])                 // g = conductance (10 pS) x fopen, S
        }
        XCTAssertGreaterThan(peak, 20, "the cell fired: the formulas were checked over a spike's range")
        for (i, w) in worst.enumerated() { XCTAssertLessThan(w, 1e-12, "column \(i + 2) (relative)") }
    }

    /// The cell's iCa and iChannels (totChanCurrent) are its channels' current densities times
    /// the compartment's area (20 um x 20 um cylinder: 400 pi um2), inward positive; the
    /// species' concentration is the pool's caConc (also as intracellularProperties/caConc),
    /// and its extConcentration (the cell's caConcExt) the species' initialExtConcentration;
    /// spiking is 1 while v is above threshold; surfaceArea and totSpecCap are the membrane's.
    func testCellCurrentsAndTheSpeciesConcentration() throws {
        let path = try write(hhCell([
            "iCa", "BIO/iCa", "iChannels", "BIO/totChanCurrent", "BIO/naChans/iDensity", "BIO/kChans/iDensity", "BIO/caChans/iDensity",
            "caConc", "biophys/intracellularProperties/ca/concentration", "spiking",
            "surfaceArea", "totSpecCap", "biophys/totSpecCap",
            "caConcExt", "biophys/intracellularProperties/caConcExt", "biophys/intracellularProperties/ca/extConcentration",
            "biophys/intracellularProperties/caConc",
        ]))
        XCTAssertEqual(modelErrors(path), [])
        let rows = try XCTUnwrap(runSimulationByFile(path)["q.dat"])
        let area = 400 * Double.pi * 1e-12  // m2
        var worst = (iCa: 0.0, total: 0.0, conc: 0.0), largest = (iCa: 0.0, total: 0.0)
        for r in rows {
            let ca = r[8] * area, total = (r[6] + r[7] + r[8]) * area
            largest = (max(largest.iCa, abs(ca)), max(largest.total, abs(total)))
            worst.iCa = max(worst.iCa, abs(r[2] - ca), abs(r[3] - ca))
            worst.total = max(worst.total, abs(r[4] - total), abs(r[5] - total))
            worst.conc = max(worst.conc, abs(r[10] - r[9]), abs(r[18] - r[9]))
        }
        XCTAssertGreaterThan(largest.iCa, 1e-12, "a calcium current flowed (A)")
        XCTAssertLessThan(worst.iCa, 1e-12 * largest.iCa)
        XCTAssertLessThan(worst.total, 1e-12 * largest.total)
        XCTAssertEqual(worst.conc, 0)
        // spiking: 1 exactly while v is above the spike threshold (0 mV), once per spike.
        XCTAssertEqual(rows.map { $0[11] }, rows.map { $0[1] > 0 ? 1 : 0 })
        XCTAssertGreaterThan(zip(rows.dropFirst(), rows).filter { $0.0[11] > $0.1[11] }.count, 1, "the cell spiked more than once")
        // Constants: the membrane's area (m2) and its specific capacitance (1 uF/cm2 in F/m2).
        XCTAssertEqual(Set(rows.map { $0[12] }), [area])
        XCTAssertEqual(Set(rows.map { $0[13] }), [0.01])
        XCTAssertEqual(Set(rows.map { $0[14] }), [0.01])
        // The species' external concentration, which a decaying pool holds fixed: 2 mM (mol/m3).
        for c in 15...17 { XCTAssertEqual(Set(rows.map { $0[c] }), [2], "column \(c)") }
        XCTAssertGreaterThan(rows.last![9], 5e-5, "the pool took up calcium (mol/m3)")
    }

    /// What a path below a channel or density names wrongly gets one error that says what
    /// the element has.
    func testUnrecordableMembraneQuantitiesAreLocatedErrors() throws {
        for (quantity, expected) in [
            ("BIO/naChans/naChan/m/taux", "recordable: fopen, g, m/q, m/alpha, m/beta, m/fcond, m/inf, m/rateScale, m/tau, h/q"),
            ("BIO/caChans/cal/g", "channel 'cal' has no 'conductance'"),
            ("BIO/caChans/cal/m/q", "recordable: fopen, s/q"),
            ("BIO/naChans/i", "records gDensity, iDensity, erev"),
            ("biophys/intracellularProperties/ca/conc", "a species' concentration and extConcentration"),
            ("BIO/naChanz/naChan/m/q", "no channelDensity 'naChanz'"),
        ] {
            let errors = modelErrors(try write(hhCell([quantity])))
            XCTAssertEqual(errors.count, 1, quantity)
            XCTAssert(errors.first?.hasPrefix("BRC-E0502") ?? false, quantity)
            XCTAssert(errors.first?.contains(expected) ?? false, "\(quantity): \(errors)")
        }
    }

    /// A synapse recorded on a cell no connection attaches it to says so; when the connection
    /// that would have attached it has an error of its own (a misspelt synapse, a misspelt
    /// connection element), that error is the only one.
    func testRecordingASynapseThatNoConnectionAttaches() throws {
        let text = try standardExampleText("Ex6_NMDA")
        let unused = #"<expOneSynapse id="unused" gbase="1nS" erev="0mV" tauDecay="2ms"/><blockingPlasticSynapse id="nmdaSyn1""#
        let column = #"<OutputColumn id ="g" quantity="pasPop1[0]/synapses:nmdaSyn1:0/g"/>"#
        let recordUnused = text.replacingOccurrences(of: #"<blockingPlasticSynapse id="nmdaSyn1""#, with: unused)
            .replacingOccurrences(of: column, with: column + #"<OutputColumn id="u" quantity="pasPop1[0]/unused/g"/>"#)
        XCTAssertNotEqual(recordUnused, text)
        let errors = modelErrors(try write(recordUnused, "unused.xml"))
        XCTAssertEqual(errors.count, 1, "\(errors)")
        XCTAssertTrue(errors.first?.contains("no connection attaches synapse 'unused' to cell 0 of 'pasPop1'") ?? false, "\(errors)")
        for (edit, expected) in [(#"synapse="nmdaSyn2""#, "BRC-E0107"), ("<synapticConnectionn ", "BRC-E0103")] {
            let broken = text.replacingOccurrences(of: #"synapse="nmdaSyn1""#, with: edit.hasPrefix("<") ? #"synapse="nmdaSyn1""# : edit)
                .replacingOccurrences(of: "<synapticConnection ", with: edit.hasPrefix("<") ? edit : "<synapticConnection ")
            XCTAssertNotEqual(broken, text, edit)
            let errors = modelErrors(try write(broken, "broken.xml"))
            XCTAssertEqual(errors.map { String($0.prefix(9)) }, [expected], "\(edit): one error, not also the recordings': \(errors)")
        }
    }

    /// A channel density and a species may share an id (both `ca`: one in membraneProperties,
    /// one in intracellularProperties); a density's iDensity path names the density, not the
    /// species' pool (the numerical audit found the column all zeros). Renaming LEMS_GHK2.xml's
    /// `ca_all` to `ca` records the same current, bit for bit.
    func testADensityAndASpeciesMayShareAnId() throws {
        let text = try String(contentsOfFile: TestPaths.model("tools/lems/LEMS_GHK2.xml"), encoding: .utf8)
        let shared = text.replacingOccurrences(of: #"id="ca_all""#, with: #"id="ca""#).replacingOccurrences(of: "membraneProperties/ca_all/iDensity", with: "membraneProperties/ca/iDensity")
        XCTAssertNotEqual(shared, text)
        let own = try XCTUnwrap(runSimulationByFile(try write(text, "ghk2.xml"))["results/ghk2.dat"])
        let same = try XCTUnwrap(runSimulationByFile(try write(shared, "ghk2_shared.xml"))["results/ghk2.dat"])
        XCTAssertGreaterThan(own.map { abs($0[2]) }.max() ?? 0, 0, "the calcium current flows")
        XCTAssertEqual(own.map { $0[2] }, same.map { $0[2] })
    }

    /// A gate's rateScale is the product of its q10Settings' factors (the core types'
    /// `reduce="multiply"`; brcc kept the last one): Ex10's m with a q10Fixed of 0.5 beside its
    /// q10ExpTemp is half its own. In a gateKS, whose transitions do not read rateScale, and as
    /// an ionChannelKS's conductance scaling, which its g does not read, they are ignored as
    /// jLEMS and jNeuroML's export ignore them, with the warning BRC-W0135.
    func testQ10SettingsMultiplyAndAreIgnoredWhereNeuroMLIgnoresThem() throws {
        let m = "pop[0]/bioPhys1/membraneProperties/naChans/naChan/m/rateScale".replacingOccurrences(of: "pop[0]", with: "hhpop[0]")
        let q10 = #"<q10Settings type="q10ExpTemp" q10Factor="3" experimentalTemp="32degC" />"#
        let own = try example("Ex10_Q10", [m]), halved = try example("Ex10_Q10", [m], replacing: [q10: q10 + #"<q10Settings type="q10Fixed" fixedQ10="0.5"/>"#])
        let scale = try XCTUnwrap(own.first?[1])
        XCTAssertEqual(scale, pow(3, (22 - 32) / 10.0), accuracy: 1e-12, "3^((22 - 32)/10) at 22 degC")
        XCTAssertEqual(try XCTUnwrap(halved.first?[1]), 0.5 * scale, accuracy: 1e-12)
        // Ex4's gateKS and ionChannelKS.
        let text = try standardExampleText("Ex4_KS")
        for (anchor, extra) in [("<closedState ", #"<q10Settings type="q10Fixed" fixedQ10="3"/><closedState "#),
                                ("<gateKS ", #"<q10ConductanceScaling q10Factor="3" experimentalTemp="6.3degC"/><gateKS "#)] {
            XCTAssertNotNil(text.range(of: anchor), anchor)
            var edited = text
            edited.replaceSubrange(edited.range(of: anchor)!, with: extra)
            let (_, warnings) = try Driver.check(try write(edited, "ks.xml"))
            XCTAssertEqual(warnings.filter { $0.id == "BRC-W0135" }.count, 1, "\(anchor): \(warnings.map(\.message))")
            XCTAssertEqual(try example("Ex4_KS", ["hhpop[0]/v"], replacing: [anchor: extra]).map { $0[1] }, try example("Ex4_KS", ["hhpop[0]/v"]).map { $0[1] }, "\(anchor): no effect")
        }
    }

    /// A standard example with an OutputFile `q.dat` of `quantities` (what its Displays plot)
    /// and the edits `replacing`.
    private func example(_ name: String, _ quantities: [String], replacing: [String: String] = [:]) throws -> [[Double]] {
        var text = try standardExampleText(name)
        for (a, b) in replacing { text = text.replacingOccurrences(of: a, with: b) }
        let columns = quantities.enumerated().map { "<OutputColumn id=\"q\($0.offset)\" quantity=\"\($0.element)\"/>" }.joined()
        let end = try XCTUnwrap(text.range(of: "</Simulation>"))
        text.replaceSubrange(end, with: "<OutputFile id=\"recorded\" fileName=\"q.dat\">\(columns)</OutputFile></Simulation>")
        let path = try write(text, "\(name).xml")
        XCTAssertEqual(modelErrors(path), [], name)
        return try XCTUnwrap(runSimulationByFile(path)["q.dat"])
    }

    /// Ex4's two-state kinetic scheme: its occupancies c1 and o1 (the open one is the gate's
    /// q; they add up to 1). Ex24's gateFractional: each subgate's q by `b/bb/q`, the gate's
    /// fcond their weighted sum of the step before, fopen the product of the gates' fcond.
    func testStandardExamplesGateDisplays() throws {
        let ks = try example("Ex4_KS", ["hhpop[0]/k_chans/k_vh/n/c1/occupancy", "hhpop[0]/k_chans/k_vh/n/o1/occupancy", "hhpop[0]/k_chans/k_vh/n/q"])
        XCTAssertGreaterThan(ks.map { $0[2] }.max()! - ks.map { $0[2] }.min()!, 0.3, "the channel opened and closed")
        XCTAssertLessThan(ks.map { abs($0[1] + $0[2] - 1) }.max()!, 1e-15)
        XCTAssertEqual(ks.map { $0[2] }, ks.map { $0[3] })
        let k = "pop[0]/biophys/membraneProperties/k_slowChans/k_slow/"
        let frac = try example("Ex24_FractionalConductance", [k + "a/q", k + "b/bb/q", k + "b/bb1/q", k + "a/fcond", k + "b/fcond", k + "fopen"])
        var worst = 0.0
        for (i, r) in frac.enumerated() where i > 0 {
            let before = frac[i - 1]
            worst = max(worst, abs(r[4] - pow(before[1], 2)), abs(r[5] - (0.5 * before[2] + 0.5 * before[3])), abs(r[6] - r[4] * r[5]))
        }
        XCTAssertLessThan(worst, 1e-15)
        XCTAssertGreaterThan(abs(frac.last![2] - frac.last![3]), 1e-3, "the two subgates differ (their time courses do)")
    }

    /// Ex7's plastic synapses record their mechanism by its id (`depMech/R`, `depFacMech/U`, as
    /// its Display does): R drops by the factor 1 - U at each presynaptic spike (every 30 ms)
    /// and recovers towards 1; a depression-only mechanism's U is its initReleaseProb. Ex16's
    /// Poisson input records its train's tsince and its synapse's g and i, with
    /// i = g (erev - v) (synInput: erev 20 mV).
    func testStandardExamplesSynapseAndInputDisplays() throws {
        let stp = try example("Ex7_STP", ["pasPop[1]/synapses:stpSynDep:0/depMech/R", "pasPop[1]/synapses:stpSynDep:0/depMech/U",
                                          "pasPop[2]/synapses:stpSynDepFac:0/depFacMech/R", "pasPop[2]/synapses:stpSynDepFac:0/depFacMech/U",
                                          "pasPop[1]/synapses:stpSynDep:0/plasticityMechanism/R"])
        XCTAssertEqual(stp.map { $0[1] }, stp.map { $0[5] }, "by id or by the Child's name")
        XCTAssertEqual(Set(stp.map { $0[2] }), [0.5])
        XCTAssertEqual(stp[0][1], 1)
        let drops = (1..<stp.count).filter { stp[$0][1] < stp[$0 - 1][1] - 1e-6 }
        XCTAssertEqual(drops.count, 9, "one release per presynaptic spike, every 30 ms from 30 ms")
        for i in drops { XCTAssertEqual(stp[i][1] / stp[i - 1][1], 0.5, accuracy: 0.01, "R x (1 - U), then a step's recovery") }
        XCTAssertGreaterThan(stp.map { $0[4] }.max()!, 0.5, "facilitation raises U")
        let poisson = try example("Ex16_Inputs", ["izhPop[8]/v", "izhPop[8]/poissonFiringSyn/tsince", "izhPop[8]/poissonFiringSyn/synInput/g",
                                                  "izhPop[8]/poissonFiringSyn/i", "izhPop[10]/transPoissonFiringSyn/tsince"],
                                  replacing: ["seed=\"123\"": "seed=\"1\""])  // (seed 123 gives the 10 Hz train no spike in 300 ms)
        let resets = (1..<poisson.count).filter { poisson[$0][2] < poisson[$0 - 1][2] }
        XCTAssertGreaterThan(resets.count, 0, "the Poisson train spiked")
        XCTAssertGreaterThan(poisson.map { $0[3] }.max()!, 0, "its synapse conducted")
        let largest = poisson.map { abs($0[4]) }.max()!
        XCTAssertLessThan(poisson.map { abs($0[4] - $0[3] * (0.020 - $0[1])) }.max()!, 1e-12 * largest)
        let t = poisson.map { $0[0] * 1000 }, transient = poisson.map { $0[5] }
        let first = (1..<poisson.count).first { transient[$0] < transient[$0 - 1] }.map { t[$0] }
        XCTAssertGreaterThanOrEqual(try XCTUnwrap(first, "the transient train spiked"), 50, "not before its delay")
    }

    /// Species of one id in two regions (tools/lems/LEMS_PoolsPerRegion.xml: calcium pools of
    /// different models in soma and dendrite, both `ca`): the species path at a segment reads
    /// that region's pool, as caConc does (the dendrite's was refused, BRC-E0502; the third
    /// numerical audit). The two pools differ, so the columns show which one each path reads.
    func testASpeciesIdOfTwoRegionsIsReadWhereItIs() throws {
        let c = try XCTUnwrap(runSimulationByFile(TestPaths.model("tools/lems/LEMS_PoolsPerRegion.xml"))["results/c.dat"])
        XCTAssertEqual(c.count, 8001)
        XCTAssertEqual(c.map { $0[5] }, c.map { $0[1] }, "soma: the path reads caConc")
        XCTAssertEqual(c.map { $0[6] }, c.map { $0[3] }, "dendrite: the path reads the dendrite's pool")
        XCTAssertNotEqual(c.last![1], c.last![3])
    }

}
