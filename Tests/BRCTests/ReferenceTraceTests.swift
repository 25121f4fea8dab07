import BRCDriver
import XCTest

/// The single-cell runs of ../shared/reference/SPEC.md against NEURON's traces: same spike
/// count, spike times within 0.05 ms, RMS within 0.5 mV (SPEC.md §5).
final class ReferenceTraceTests: XCTestCase {
    func testPyramidalCellSomaticStep() throws {
        let out = try runSimulation(TestPaths.model("models/sims/LEMS_pyr4_soma_step.xml"))
        let ref = try loadTable(TestPaths.sharedFile("reference/neuron/pyr4_soma_v.dat"))
        for (i, name) in ["soma", "dend1", "dend2", "dend3"].enumerated() {
            assertMatches(reference: ref, candidate: out[0], refColumn: i + 1, column: i + 1, label: "pyr4 soma step, \(name)")
        }
        // The reference has 15 somatic spikes (SPEC.md §2.1); make sure this is what we compared.
        XCTAssertEqual(spikeTimes(t: out[0].map { $0[0] }, v: out[0].map { $0[1] }).count, 15)
    }

    func testPyramidalCellDendriticStep() throws {
        let out = try runSimulation(TestPaths.model("models/sims/LEMS_pyr4_dend_step.xml"))
        let ref = try loadTable(TestPaths.sharedFile("reference/neuron/pyr4_dend_v.dat"))
        for (i, name) in ["soma", "dend1", "dend2", "dend3"].enumerated() {
            assertMatches(reference: ref, candidate: out[0], refColumn: i + 1, column: i + 1, label: "pyr4 dendritic step, \(name)")
        }
        // A dendritic spike that the soma barely sees.
        XCTAssertEqual(spikeTimes(t: out[0].map { $0[0] }, v: out[0].map { $0[4] }).count, 1)
        XCTAssertLessThan(out[0].map { $0[1] }.max()!, -0.05)
    }

    func testSingleCompartmentSpikingCell() throws {
        // The presynaptic column of the synapse runs is hh1 under 0.1 nA from 10 to 110 ms.
        let out = try runSimulation(TestPaths.model("models/sims/LEMS_hh1_step.xml"))
        let ref = try loadTable(TestPaths.sharedFile("reference/neuron/syn_AMPA.dat"))
        assertMatches(reference: ref, candidate: out[0], refColumn: 1, column: 1, label: "hh1")
        XCTAssertEqual(spikeTimes(t: out[0].map { $0[0] }, v: out[0].map { $0[1] }).count, 19)
    }
}

/// SPEC.md §3: the study's kinetic synapses (LEMS ComponentTypes in
/// models/synapses/kinetic_synapses.xml) from a spiking hh1 onto a passive cell.
final class SynapseReferenceTests: XCTestCase {
    func check(_ synapse: String, peakAtLeast: Double, file: StaticString = #filePath, line: UInt = #line) throws {
        let out = try runSimulation(TestPaths.model("models/sims/LEMS_syn_\(synapse).xml"))
        let ref = try loadTable(TestPaths.sharedFile("reference/neuron/syn_\(synapse).dat"))
        assertMatches(reference: ref, candidate: out[0], refColumn: 1, column: 1, label: "\(synapse): presynaptic", file: file, line: line)
        assertMatches(reference: ref, candidate: out[0], refColumn: 2, column: 2, label: "\(synapse): postsynaptic", file: file, line: line)
        // The synapse really acts: the postsynaptic cell leaves rest by this much (mV).
        let post = out[0].map { abs($0[2] * 1000 + 70) }.max()!
        XCTAssertGreaterThan(post, peakAtLeast, "\(synapse): postsynaptic deflection", file: file, line: line)
    }

    func testAMPA() throws { try check("AMPA", peakAtLeast: 5) }
    func testNMDA() throws { try check("NMDA", peakAtLeast: 0.5) }
    func testGABAa() throws { try check("GABAa", peakAtLeast: 1) }

    /// GABAb (not in SPEC.md's references): a slow hyperpolarising potential that keeps
    /// growing after the presynaptic cell falls silent at 110 ms, unlike GABAa's fast IPSPs.
    /// Against NEURON 9 on jNeuroML's export of the same LEMS ComponentType
    /// (tools/neuron_reference.sh, Tests/BRCTests/Fixtures/neuron/syn_gabab): the presynaptic
    /// spikes within 0.001 ms, both potentials within 0.001 mV RMS (measured: 0.0000 at the
    /// reference's printed digits; the postsynaptic trough is 0.19 mV deep, so a wrong K, KD
    /// or exponent shows).
    func testGABAbMatchesNEURONAndIsSlowAndHyperpolarising() throws {
        let outputs = try runSimulationByFile(TestPaths.model("models/sims/LEMS_syn_GABAb.xml"))
        try assertMatchesExpected("syn_gabab", outputs: outputs, maxSpikeMs: 0.001, maxRmsMV: 0.001,
                                  in: TestPaths.repo.appendingPathComponent("Tests/BRCTests/Fixtures/neuron/syn_gabab"))
        let out = try XCTUnwrap(outputs["results/syn_GABAb.dat"])
        let post = out.map { $0[2] * 1000 }
        let minimum = post.min()!
        let at = out[post.firstIndex(of: minimum)!][0] * 1000
        XCTAssertLessThan(minimum, -70.1)
        XCTAssertGreaterThan(at, 110, "the GABAb response peaks after the spikes stop")
        XCTAssertGreaterThan(post.max()!, -70.0001, "it never depolarises")
    }
}
