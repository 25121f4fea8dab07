import BRCDriver
import BRCIR
import BRCRuntime
import Foundation
import XCTest

/// Mergeable synapse instances on one node (`IRSynapse.isMergeable`) simulated as one, as in
/// fast precision: the same network up to rounding, at a fraction of the synapses.
final class SynapseMergingTests: XCTestCase {
    /// 40 Poisson sources drive 12 Izhikevich cells through three all-to-all projections
    /// (expTwo, expOne, an NMDA-like Mg-blocked synapse), so each cell gets 40 synapses of
    /// each; a fourth projection's synapses depress (Tsodyks-Markram). Feed-forward, so
    /// rounding differences do not grow.
    static let text = """
    <Lems xmlns:brc="urn:brcc:brc:1">
      <Target component="sim"/>
      <izhikevich2007Cell id="rs" v0="-60mV" C="100pF" k="0.7nS_per_mV" vr="-60mV" vt="-40mV" vpeak="35mV" a="0.03per_ms" b="-2nS" c="-50.0mV" d="100pA"/>
      <spikeGeneratorPoisson id="gen" averageRate="40Hz"/>
      <expTwoSynapse id="ampa" gbase="0.6nS" erev="0mV" tauRise="0.5ms" tauDecay="5ms"/>
      <expOneSynapse id="gaba" gbase="0.2nS" erev="-80mV" tauDecay="8ms"/>
      <blockingPlasticSynapse id="nmda" gbase="0.2nS" erev="0mV" tauRise="2ms" tauDecay="60ms">
        <blockMechanism type="voltageConcDepBlockMechanism" species="mg" blockConcentration="1.2 mM" scalingConc="3.57 mM" scalingVolt="16.13 mV"/>
      </blockingPlasticSynapse>
      <blockingPlasticSynapse id="depressing" gbase="0.2nS" erev="0mV" tauRise="0.5ms" tauDecay="5ms">
        <plasticityMechanism type="tsodyksMarkramDepMechanism" initReleaseProb="0.5" tauRec="120 ms"/>
      </blockingPlasticSynapse>
      <network id="net">
        <population id="G" component="gen" size="40"/>
        <population id="B" component="rs" size="12"/>
        <projection id="pa" presynapticPopulation="G" postsynapticPopulation="B" synapse="ampa"><brc:allToAll delay="1ms"/></projection>
        <projection id="pg" presynapticPopulation="G" postsynapticPopulation="B" synapse="gaba"><brc:allToAll delay="2ms"/></projection>
        <projection id="pn" presynapticPopulation="G" postsynapticPopulation="B" synapse="nmda"><brc:allToAll delay="1ms"/></projection>
        <projection id="pd" presynapticPopulation="G" postsynapticPopulation="B" synapse="depressing"><brc:allToAll delay="1ms"/></projection>
      </network>
      <Simulation id="sim" length="400ms" step="0.025ms" target="net">
        <OutputFile id="f" fileName="v.dat"><OutputColumn id="v" quantity="B[0]/v"/></OutputFile>
      </Simulation>
    </Lems>
    """

    /// The model (its population 0 is B: the generators are populations of their own) and its
    /// exact kernels.
    func lowered() throws -> (IRModel, KernelLibrary) {
        let ir = try Driver.check(text: Self.text, path: FileManager.default.temporaryDirectory.appendingPathComponent("merging.xml").path)
        XCTAssertEqual(ir.populations.map(\.name), ["B"])
        return (ir, try KernelLibrary(path: try Driver.compile(ir, cache: TestPaths.cache).library))
    }

    func group(_ ir: IRModel, _ synapse: String) throws -> Int {
        try XCTUnwrap(ir.synapseGroups.firstIndex { ir.synapses[$0.synapse].name == synapse })
    }

    func testLinearSynapsesAreMergeableAndPlasticOnesAreNot() throws {
        let (ir, _) = try lowered()
        let mergeable = Dictionary(uniqueKeysWithValues: ir.synapses.map { ($0.name, $0.isMergeable) })
        XCTAssertEqual(mergeable["ampa"], true)
        XCTAssertEqual(mergeable["gaba"], true)
        XCTAssertEqual(mergeable["nmda"], true, "a Mg block multiplies the current by a function of v alone")
        XCTAssertEqual(mergeable["depressing"], false, "its events read its states")
        XCTAssertEqual(mergeable.filter { $0.key.hasPrefix("rs") }.values.first, false, "a LEMS cell's dynamics has conditions")
        // The study's refractory kinetic synapses: an event's effect depends on the state.
        let (study, _) = try Driver.check(TestPaths.model("models/brc/LEMS_cue_dend_nmda.xml"))
        XCTAssertFalse(study.synapses.contains { $0.isMergeable })
        XCTAssertEqual(IRModel.synapseSlots([study], merge: true), study.synapseGroups.map { Array($0.instances.indices) })
    }

    func testMergedSynapsesGiveTheSameNetwork() throws {
        let (ir, lib) = try lowered()
        let separate = try Simulator(model: ir, library: lib, dt: 0.025, mergingSynapses: false)
        let merged = try Simulator(model: ir, library: lib, dt: 0.025, mergingSynapses: true)
        // One slot per (cell, projection) for the three linear synapses, every depressing one alone.
        let cells = { (g: Int) in Set(ir.synapseGroups[g].instances.map(\.cell)).count }
        let depressing = ir.synapseGroups[try group(ir, "depressing")].instances.count
        let expected = try ["ampa", "gaba", "nmda"].map { cells(try group(ir, $0)) }.reduce(0, +) + depressing
        XCTAssertEqual(separate.synapseCounts.slots, separate.synapseCounts.instances)
        XCTAssertEqual(merged.synapseCounts.instances, separate.synapseCounts.instances)
        XCTAssertEqual(merged.synapseCounts.slots, expected)
        XCTAssertEqual(separate.synapseCounts.instances, 4 * 480, "40 synapses per cell and projection")
        // (B has no spike sources of its own: nothing reads its spikes. They are found in v.)
        var worst = 0.0, spikes: [[Int]] = [[], []], above = [[Bool]](repeating: Array(repeating: false, count: 12), count: 2)
        for step in 0..<16000 {
            separate.advance(); merged.advance()
            for c in 0..<12 {
                let v = [separate.voltages(population: 0, cell: c)[0], merged.voltages(population: 0, cell: c)[0]]
                worst = max(worst, abs(v[0] - v[1]))
                for k in 0..<2 {
                    if v[k] > 0 && !above[k][c] { spikes[k].append(step * 12 + c) }
                    above[k][c] = v[k] > 0
                }
            }
        }
        XCTAssertGreaterThan(spikes[0].count, 100, "the cells fire")
        XCTAssertEqual(spikes[1], spikes[0], "at the same steps")
        XCTAssertLessThan(worst, 1e-6, "the same potentials, up to rounding (mV)")
        XCTAssertGreaterThan(worst, 0, "summed in another order, so not the same bits")
    }

    /// The bundled point network (models/point): 280,000 synapses in 6,000 slots, and over its
    /// first 50 ms (recurrent, so rounding could grow) the same spikes as unmerged.
    func testTheBundledPointNetworkMergesToTheSameSpikes() throws {
        let (ir, _) = try Driver.check(TestPaths.model("models/point/LEMS_balanced.xml"))
        let lib = try KernelLibrary(path: try Driver.compile(ir, cache: TestPaths.cache).library)
        let separate = try Simulator(model: ir, library: lib, dt: 0.025, mergingSynapses: false)
        let merged = try Simulator(model: ir, library: lib, dt: 0.025, mergingSynapses: true)
        XCTAssertEqual(merged.synapseCounts.slots, 3 * 2000, "background, excitation and inhibition onto each cell")
        XCTAssertGreaterThan(merged.synapseCounts.instances, 250_000)
        separate.recordSpikes = true; merged.recordSpikes = true
        for _ in 0..<2000 { separate.advance(); merged.advance() }
        let cells = separate.spikes.filter { ir.spikeSources[$0.1].generator == nil }
        XCTAssertGreaterThan(cells.count, 150, "the cells fire (223 spikes: from rest, the network takes some 40 ms to reach its 13 Hz)")
        XCTAssertEqual(merged.spikes.map(\.1), separate.spikes.map(\.1))
        XCTAssertEqual(merged.spikes.map(\.0), separate.spikes.map(\.0))
    }

    /// `brcc run` says what it merged in fast precision, and in exact mode notes what fast
    /// precision would merge.
    func testTheCommandLineSaysWhatItMerges() throws {
        let brcc = try XCTUnwrap(TestPaths.executable("brcc"), "build brcc first")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("brcc-merging-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = dir.appendingPathComponent("short.xml")
        try #"<Lems><Target component="sim"/><Include file="\#(TestPaths.model("models/point/balanced.net.nml"))"/><Simulation id="sim" length="2ms" step="0.025ms" target="net"/></Lems>"#
            .write(to: model, atomically: true, encoding: .utf8)
        let env = ["BRCC_CACHE_DIR": TestPaths.cache.path]
        let fast = try InvalidModelTests.run(brcc, ["run", model.path, "--out", dir.appendingPathComponent("fast").path, "--precision", "fast", "--no-plots"], environment: env)
        XCTAssertEqual(fast.status, 0, fast.stderr)
        XCTAssertTrue(fast.stdout.contains("merged 279954 synapse instances into 6000"), fast.stdout)
        let exact = try InvalidModelTests.run(brcc, ["run", model.path, "--out", dir.appendingPathComponent("exact").path, "--no-plots"], environment: env)
        XCTAssertEqual(exact.status, 0, exact.stderr)
        XCTAssertFalse(exact.stdout.contains("merged"), exact.stdout)
        XCTAssertTrue(exact.stderr.contains("--precision fast would simulate these 279954 synapse instances as 6000"), exact.stderr)
    }

    /// A recorded synapse keeps its own slot and its own bits; merged ones cannot be read.
    func testARecordedSynapseIsNotMerged() throws {
        let (ir, lib) = try lowered()
        let g = try group(ir, "ampa")
        let probe = IRProbe.synapse(group: g, instance: 3, quantity: "B")
        let separate = try Simulator(model: ir, library: lib, dt: 0.025, mergingSynapses: false)
        let merged = try Simulator(model: ir, library: lib, dt: 0.025, mergingSynapses: true, keeping: [probe])
        let alone = try Simulator(model: ir, library: lib, dt: 0.025, mergingSynapses: true)
        XCTAssertEqual(merged.synapseCounts.slots, alone.synapseCounts.slots + 1)
        let inst = ir.synapseGroups[g].instances[3]
        let a = separate.reader(population: inst.population, cell: inst.cell, probe: probe)
        let b = merged.reader(population: inst.population, cell: inst.cell, probe: probe)
        var peak = 0.0
        for _ in 0..<8000 {
            separate.advance(); merged.advance()
            XCTAssertEqual(a(), b())
            peak = max(peak, a())
        }
        XCTAssertGreaterThan(peak, 0, "the synapse was reached")
    }

    /// Instances merge only on one node, from one projection, with the same parameters in
    /// every model of a batch; what a recording reads stays alone.
    func testWhichInstancesShareASlot() throws {
        let (ir, _) = try lowered()
        let g = try group(ir, "ampa")
        let plain = IRModel.synapseSlots([ir], merge: true)[g]
        XCTAssertEqual(Set(plain).count, 12, "one slot per cell")
        for (k, inst) in ir.synapseGroups[g].instances.enumerated() {
            XCTAssertEqual(inst.cell, ir.synapseGroups[g].instances[plain.firstIndex(of: plain[k])!].cell)
        }
        var other = ir
        other.synapseGroups[g].instances[5].values[0] *= 2  // gbase of one synapse
        XCTAssertEqual(Set(IRModel.synapseSlots([other], merge: true)[g]).count, 13)
        XCTAssertEqual(Set(IRModel.synapseSlots([ir, other], merge: true)[g]).count, 13, "the batch's second model sets it apart")
        XCTAssertEqual(Set(IRModel.synapseSlots([ir], merge: true, keeping: [IRSynapseAddress(group: g, instance: 7)])[g]).count, 13)
        XCTAssertEqual(IRModel.synapseSlots([ir], merge: false)[g], Array(ir.synapseGroups[g].instances.indices))
    }

    /// A batch of differently configured instances merges as each instance alone does.
    func testABatchMergesAsItsInstancesAlone() throws {
        let (ir, lib) = try lowered()
        let batch = try Simulator(batch: [ir, ir], library: lib, dt: 0.025, mergingSynapses: true)
        try batch.setSynapseParameter(projection: "pa", name: "gbase", value: 0.0012, instance: 1)  // the model's 0.6nS doubled
        let one = try Simulator(model: ir, library: lib, dt: 0.025, mergingSynapses: true)
        let two = try Simulator(model: ir, library: lib, dt: 0.025, mergingSynapses: true)
        try two.setSynapseParameter(projection: "pa", name: "gbase", value: 0.0012)
        XCTAssertEqual(batch.synapseCounts.slots, one.synapseCounts.slots)
        for _ in 0..<8000 { batch.advance(); one.advance(); two.advance() }
        for c in 0..<12 {
            XCTAssertEqual(batch.voltages(population: 0, cell: c, instance: 0), one.voltages(population: 0, cell: c))
            XCTAssertEqual(batch.voltages(population: 0, cell: c, instance: 1), two.voltages(population: 0, cell: c))
        }
        XCTAssertNotEqual((0..<12).map { one.voltages(population: 0, cell: $0) }, (0..<12).map { two.voltages(population: 0, cell: $0) })
    }
}
