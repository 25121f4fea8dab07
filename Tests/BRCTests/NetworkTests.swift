import BRCDriver
@testable import BRCCodeGen
import BRCIR
import BRCRuntime
import Foundation
import XCTest

/// Issue 3: connectivity generators, determinism, the study network, Ex25 (multicompartment
/// cells with expTwo and NMDA synapses) against NEURON.
final class NetworkTests: XCTestCase {
    /// A network of `n` hh1 cells in A and `m` in B with the given projection body.
    /// `components` go before the network (a spike generator for a population of them).
    func network(a n: Int, b m: Int, projection: String, components: String = "") throws -> IRModel {
        let hh1 = TestPaths.model("models/cells/hh1.cell.nml")
        let text = """
        <Lems xmlns:brc="urn:brcc:brc:1">
          <Include file="\(TestPaths.model("models/synapses/kinetic_synapses.xml"))"/>
          <Include file="\(hh1)"/>
          \(components)
          <network id="net">
            <population id="A" component="hh1" size="\(n)"/>
            <population id="B" component="hh1" size="\(m)"/>
            \(projection)
          </network>
        </Lems>
        """
        return try Driver.check(text: text, path: FileManager.default.temporaryDirectory.appendingPathComponent("gen.xml").path)
    }

    func pairs(_ ir: IRModel) -> [(Int, Int)] {
        ir.connections.map { c in (ir.spikeSources[c.source].cell, ir.synapseGroups[c.group].instances[c.instance].cell) }
    }

    func testRingLatticeWithoutRewiringIsExact() throws {
        let ir = try network(a: 20, b: 20, projection: """
            <projection id="p" presynapticPopulation="A" postsynapticPopulation="A" synapse="AMPA">
              <brc:ringLattice k="5" p="0" seed="3"/>
            </projection>
            """)
        // k = 5 joins each cell to its 2 nearest neighbours on each side (networkx's k // 2), no self.
        let got = Set(pairs(ir).map { "\($0.0)->\($0.1)" })
        var want: Set<String> = []
        for j in 0..<20 { for o in [-2, -1, 1, 2] { want.insert("\((j + o + 20) % 20)->\(j)") } }
        XCTAssertEqual(got, want)
        XCTAssertEqual(ir.connections.count, 80)
    }

    func testRandomConnectivityStatisticsOverSeeds() throws {
        // 30 x 30 pairs with probability 0.2 (no self): mean 174, sd sqrt(870 * 0.2 * 0.8) = 11.8.
        var counts: [Int] = []
        for seed in 1...40 {
            let ir = try network(a: 30, b: 30, projection: """
                <projection id="p" presynapticPopulation="A" postsynapticPopulation="A" synapse="AMPA">
                  <brc:randomConnectivity probability="0.2" seed="\(seed)"/>
                </projection>
                """)
            counts.append(ir.connections.count)
            XCTAssertFalse(pairs(ir).contains { $0.0 == $0.1 }, "no self-connections")
        }
        let mean = Double(counts.reduce(0, +)) / Double(counts.count)
        let expected = 870 * 0.2, sd = (870 * 0.2 * 0.8).squareRoot()
        // The mean of 40 draws is within 3 standard errors of the expectation...
        XCTAssertEqual(mean, expected, accuracy: 3 * sd / Double(counts.count).squareRoot())
        // ...and every single count within 4 sd.
        for c in counts { XCTAssertEqual(Double(c), expected, accuracy: 4 * sd) }
        XCTAssertGreaterThan(Set(counts).count, 10, "different seeds give different networks")
    }

    /// Every connectivity generator takes a population of spike generators as its pre-synaptic
    /// side (a Poisson background with random connectivity), drawing the same pairs as from
    /// cells: the pairs depend on the seed and the positions only.
    func testGeneratorsConnectSpikeSourcesAsCells() throws {
        let generator = #"<spikeGeneratorPoisson id="gen" averageRate="20Hz"/>"#, population = #"<population id="G" component="gen" size="30"/>"#
        for body in [#"<brc:randomConnectivity probability="0.3" seed="7" delay="2ms"/>"#,
                     #"<brc:ringLattice k="4" p="0.2" seed="3" preCells="0:25"/>"#,
                     #"<brc:randomConnectivity probability="0.5" seed="2" mask="0.4" maskSeed="5" postCells="0::2"/>"#] {
            let fromCells = try network(a: 30, b: 20, projection: #"<projection id="p" presynapticPopulation="A" postsynapticPopulation="B" synapse="AMPA">\#(body)</projection>"#)
            let fromGenerators = try network(a: 1, b: 20, projection: population + #"<projection id="p" presynapticPopulation="G" postsynapticPopulation="B" synapse="AMPA">\#(body)</projection>"#,
                                             components: generator)
            XCTAssertGreaterThan(fromCells.connections.count, 20, body)
            XCTAssertTrue(fromGenerators.connections.allSatisfy { fromGenerators.spikeSources[$0.source].generator != nil }, body)
            XCTAssertEqual(pairs(fromGenerators).map { "\($0)" }, pairs(fromCells).map { "\($0)" }, body)
            XCTAssertEqual(fromGenerators.connections.map(\.delay), fromCells.connections.map(\.delay), body)
            XCTAssertEqual(fromGenerators.connections.map(\.maskDraw), fromCells.connections.map(\.maskDraw), body)
        }
    }

    func testMaskedLatticeDegreesAndSeedsReproduce() throws {
        func build(_ seed: Int) throws -> [(Int, Int)] {
            try pairs(network(a: 50, b: 25, projection: """
                <projection id="p" presynapticPopulation="A" postsynapticPopulation="B" synapse="AMPA">
                  <brc:ringLattice k="5" probability="0.5" seed="\(seed)"/>
                </projection>
                """))
        }
        let a = try build(7), b = try build(7), c = try build(8)
        XCTAssertEqual(a.map { "\($0)" }, b.map { "\($0)" }, "a seed reproduces exactly")
        XCTAssertNotEqual(a.map { "\($0)" }, c.map { "\($0)" })
        // 25 post cells x 5 candidates x 0.5: mean 62.5, sd sqrt(125 * 0.25) = 5.6.
        XCTAssertEqual(Double(a.count), 62.5, accuracy: 3 * 5.6)
        // Each post cell j draws from the 5 pre cells around 2j.
        for (i, j) in a { XCTAssertLessThanOrEqual(min(abs(i - 2 * j), 50 - abs(i - 2 * j)), 2) }
        // With p = 1 the rewired lattice keeps every post cell's in-degree (5) and never self-connects.
        let rewired = try pairs(network(a: 30, b: 30, projection: """
            <projection id="p" presynapticPopulation="A" postsynapticPopulation="A" synapse="AMPA">
              <brc:ringLattice k="4" p="1" seed="5"/>
            </projection>
            """))
        for j in 0..<30 { XCTAssertEqual(rewired.filter { $0.1 == j }.count, 4) }
        XCTAssertFalse(rewired.contains { $0.0 == $0.1 })
    }

    func testOneToOneAllToAllAndRanges() throws {
        let one = try network(a: 10, b: 10, projection: """
            <projection id="p" presynapticPopulation="A" postsynapticPopulation="B" synapse="AMPA"><brc:oneToOne/></projection>
            """)
        XCTAssertEqual(pairs(one).map { $0.0 }, Array(0..<10))
        XCTAssertEqual(pairs(one).map { $0.1 }, Array(0..<10))
        let all = try network(a: 6, b: 4, projection: """
            <projection id="p" presynapticPopulation="A" postsynapticPopulation="B" synapse="AMPA"><brc:allToAll/></projection>
            """)
        XCTAssertEqual(all.connections.count, 24)
        let ranged = try network(a: 10, b: 5, projection: """
            <projection id="p" presynapticPopulation="A" postsynapticPopulation="B" synapse="AMPA"><brc:oneToOne preCells="5:10"/></projection>
            """)
        XCTAssertEqual(pairs(ranged).map { $0.0 }, [5, 6, 7, 8, 9])
        // oneToOne considers N pairs, not N x N: 15,000 cells each side (225 million pairs, above
        // the all-to-all bound of 200 million) are fine.
        let large = try network(a: 15_000, b: 15_000, projection: """
            <projection id="p" presynapticPopulation="A" postsynapticPopulation="B" synapse="AMPA"><brc:oneToOne/></projection>
            """)
        XCTAssertEqual(large.connections.count, 15_000)
        XCTAssertEqual(pairs(large).last.map { [$0.0, $0.1] }, [14_999, 14_999])
    }

    /// The spike sources of many cells in one pass give what a lookup per cell gives: the
    /// existing source of a cell (the first, if equal ones exist), a new one appended otherwise.
    func testSpikeSourcesOfManyCellsMatchOneByOne() throws {
        var batch = try network(a: 10, b: 10, projection: """
            <projection id="p" presynapticPopulation="A" postsynapticPopulation="B" synapse="AMPA"><brc:oneToOne preCells="2:5" postCells="0:3"/></projection>
            """)
        var single = batch
        let existing = batch.spikeSources.count
        XCTAssertEqual(existing, 3)
        let cells = [9, 3, 0, 4, 9, 2, 7]
        let many = batch.spikeSources(population: 0, cells: cells)
        let oneByOne = cells.map { single.spikeSource(population: 0, cell: $0) }
        XCTAssertEqual(many, oneByOne)
        // Cells 2, 3 and 4 keep the projection's sources 0, 1 and 2; 9, 0 and 7 get 3, 4 and 5.
        XCTAssertEqual(many, [3, 1, 4, 2, 3, 0, 5])
        XCTAssertEqual(batch.spikeSources.map(\.cell), single.spikeSources.map(\.cell))
        XCTAssertEqual(batch.spikeSources.count, existing + 3, "9, 0 and 7 added once each")
    }

    // MARK: the study network

    /// The dend-NMDA variant, shortened to `ms`, with one noise seed optionally changed.
    func studyNetwork(ms: Double, noiseSeedShift: UInt64 = 0) throws -> IRModel {
        var ir = try Driver.check(TestPaths.model("models/brc/LEMS_cue_dend_nmda.xml")).0
        ir.simulation?.duration = ms
        for i in ir.stimuli.indices {
            if case .noise(let m, let sd, let seed, let stream) = ir.stimuli[i].waveform {
                ir.stimuli[i].waveform = .noise(mean: m, sd: sd, seed: seed + noiseSeedShift, stream: stream)
            }
        }
        return ir
    }

    func outputs(_ ir: IRModel, threads: Int) throws -> ([[Double]], [String]) {
        let r = try Driver.run(ir, outDir: nil, cache: TestPaths.cache, threads: threads)
        return (r.recorder.table(0), r.spikes.map { "\($0.0.bitPattern):\($0.1)" })
    }

    func testStudyNetworkIsDeterministicAcrossRunsAndThreads() throws {
        let ir = try studyNetwork(ms: 150)
        let (rates1, spikes1) = try outputs(ir, threads: 1)
        let (rates1b, spikes1b) = try outputs(ir, threads: 1)
        let (rates2, spikes2) = try outputs(ir, threads: 2)
        XCTAssertGreaterThan(spikes1.count, 20, "the network spikes")
        XCTAssertEqual(spikes1, spikes1b, "same seed, same spikes, to the bit")
        XCTAssertEqual(rates1.map { $0.map(\.bitPattern) }, rates1b.map { $0.map(\.bitPattern) })
        XCTAssertEqual(spikes1, spikes2, "1 and 2 threads give identical spikes")
        XCTAssertEqual(rates1.map { $0.map(\.bitPattern) }, rates2.map { $0.map(\.bitPattern) }, "and identical potentials")
        let (_, other) = try outputs(try studyNetwork(ms: 150, noiseSeedShift: 1), threads: 1)
        XCTAssertNotEqual(spikes1, other, "another noise seed gives another run")
    }

    func testStudyNetworkVariantsShareTheBaseAndDifferInTheCue() throws {
        // STUDY.md §1-§3 as models/brc declares them (docs/study.md).
        var counts: [String: Int] = [:]
        for v in ["soma_ampa", "soma_nmda", "dend_ampa", "dend_nmda"] {
            let ir = try Driver.check(TestPaths.model("models/brc/LEMS_cue_\(v).xml")).0
            XCTAssertEqual(ir.populations.map(\.name), ["E", "I", "cue", "noise_E", "noise_I", "E_rate", "I_rate"])
            XCTAssertEqual(ir.populations.map(\.size), [50, 25, 25, 50, 25, 50, 25])
            XCTAssertEqual(ir.projections.last, "cue_E")
            func edges(_ p: String) -> [IRConnection] { ir.connections.filter { ir.projections[$0.projection] == p } }
            // Candidate edges before masking: the open chain of STUDY §3.
            for (p, n) in [("EE_ampa", 194), ("EE_dend_ampa", 194), ("EI_ampa", 97), ("IE_gaba", 97), ("IE_dend_gaba", 97), ("II_gaba", 48),
                           ("noise_E_ampa", 50), ("noise_I_ampa", 25), ("E_rate_ampa", 25)] {
                XCTAssertEqual(edges(p).count, n, "\(p) in \(v)")
            }
            let cue = edges("cue_E")
            let group = ir.synapseGroups[cue[0].group]
            let parts = v.split(separator: "_")
            XCTAssertEqual(ir.synapses[group.synapse].name, "cue_E\(parts[0])_\(parts[1])_syn")
            let node = group.instances[cue[0].instance].node
            let cell = ir.cellTypes[ir.populations[0].cellType]
            // (By the compartment's label, not by node(segment:fraction:), which lowering uses.)
            XCTAssertEqual(cell.nodes[node].label, v.hasPrefix("soma") ? "soma_group(0.125)" : "d3_group(0.875)", "STUDY.md: soma 0.125, the last dendrite's 0.875")
            XCTAssertTrue(cue.allSatisfy { group.instances[$0.instance].cell % 2 == 0 }, "the cue reaches the even E cells only")
            let rate = edges("E_rate_ampa"), rg = ir.synapseGroups[rate[0].group]
            XCTAssertTrue(rate.allSatisfy { rg.instances[$0.instance].cell % 2 == 1 }, "odd E cells drive odd E_rate cells")
            counts[v] = ir.connections.count
        }
        XCTAssertEqual(Set(counts.values).count, 1, "the variants have the same connections")
    }

    /// A network's temperature counts only with type="networkWithTemperature" (as in jLEMS and
    /// jNeuroML's NEURON export, which run a plain network at 6.3 degC): without it, the warning
    /// BRC-W0405; a network that extends one with a temperature takes it with the type. An empty
    /// population is the warning BRC-W0404. `inspect --stats` names spike generator populations
    /// and tells cell dynamics from synapse types.
    func testNetworkTemperatureNeedsItsTypeAndEmptyPopulationsAreSaid() throws {
        func model(_ network: String) -> String {
            """
            <neuroml xmlns="http://www.neuroml.org/schema/neuroml2" xmlns:brc="urn:brcc:brc:1" id="m">
              <izhikevich2007Cell id="rs" C="100pF" v0="-60mV" k="0.7nS_per_mV" vr="-60mV" vt="-40mV" vpeak="35mV"
                                  a="0.03per_ms" b="-2nS" c="-50mV" d="100pA"/>
              <spikeGenerator id="drive" period="20ms"/>
              <expTwoSynapse id="ampa" gbase="5nS" erev="0mV" tauRise="0.5ms" tauDecay="5ms"/>
              \(network)
                <population id="src" component="drive" size="2"/>
                <population id="exc" component="rs" size="3"/>
                <population id="none" component="rs" size="0"/>
                <projection id="p" presynapticPopulation="src" postsynapticPopulation="exc" synapse="ampa">
                  <connection id="0" preCellId="../src[0]" postCellId="../exc[0]"/>
                </projection>
              </network>
            </neuroml>
            """
        }
        let typed = try Driver.check(writeModel(model("<network id=\"net\" type=\"networkWithTemperature\" temperature=\"35degC\">"), "typed.nml", label: "temperature"))
        XCTAssertEqual(typed.0.temperature, 308.15, accuracy: 1e-9)
        XCTAssertEqual(typed.1.map(\.id), ["BRC-W0404"])
        let plain = try Driver.check(writeModel(model("<network id=\"net\" temperature=\"35degC\">"), "plain.nml", label: "temperature"))
        XCTAssertEqual(plain.0.temperature, 279.45, accuracy: 1e-9, "6.3 degC")
        XCTAssertEqual(plain.1.map(\.id), ["BRC-W0405", "BRC-W0404"])
        let stats = Driver.stats(typed.0)
        XCTAssertTrue(stats.contains("population src: 2 spike generator(s) drive\n"), stats)
        XCTAssertTrue(stats.contains("cell dynamics rs_dynamics:"), stats)
        XCTAssertTrue(stats.contains("synapses: 1 instances of 1 type(s)"), stats)
        // A network that extends the typed one, simulated: at its base's temperature.
        let base = try writeModel(model("<network id=\"net\" type=\"networkWithTemperature\" temperature=\"35degC\">")
            .replacingOccurrences(of: "</neuroml>", with: "<network id=\"derived\" brc:extends=\"net\"/></neuroml>"), "base.nml", label: "temperature")
        let derived = try Driver.check(writeModel("""
            <Lems><Include file="\(base)"/><Simulation id="sim" length="1ms" step="0.025ms" target="derived"/></Lems>
            """, "derived.xml", label: "temperature"))
        XCTAssertEqual(derived.0.temperature, 308.15, accuracy: 1e-9)
        XCTAssertEqual(derived.0.populations.map(\.name), ["exc", "none"])
    }

    // MARK: standard example with synapses on dendrites

    func testEx25MultiCompartmentSynapsesMatchNEURON() throws {
        try assertMatchesExpected("ex25_multicomp", outputs: runSimulationByFile(TestPaths.sharedFile("neuroml/LEMSexamples/LEMS_NML2_Ex25_MultiComp.xml")))
    }
}

/// Per-projection synaptic parameters and channel densities change at run time, without a
/// new kernel library.
final class RunTimeParameterTests: XCTestCase {
    func testSynapticConductanceChangesWithoutRecompiling() throws {
        let (ir, _) = try Driver.check(TestPaths.model("models/sims/LEMS_syn_AMPA.xml"))
        let compiled = try Driver.compile(ir, cache: TestPaths.cache)
        XCTAssertTrue(try Driver.compile(ir, cache: TestPaths.cache).cacheHit)
        let lib = try KernelLibrary(path: compiled.library)
        func peak(_ gbase: Double?) throws -> Double {
            let sim = try Simulator(model: ir, library: lib, dt: 0.025)
            if let gbase { try sim.setSynapseParameter(projection: "syn", name: "gbase", value: gbase) }
            var best = -100.0
            for _ in 0..<2000 {
                sim.advance()
                best = max(best, sim.voltages(population: 1, cell: 0)[0])
            }
            return best + 70
        }
        let base = try peak(nil), doubled = try peak(0.002)  // 2 nS in uS
        XCTAssertGreaterThan(base, 1)
        XCTAssertGreaterThan(doubled, base * 1.3, "twice the conductance, a clearly larger depolarisation")
        XCTAssertThrowsError(try Simulator(model: ir, library: lib, dt: 0.025).setSynapseParameter(projection: "syn", name: "nope", value: 1))
        XCTAssertThrowsError(try Simulator(model: ir, library: lib, dt: 0.025).setSynapseParameter(projection: "none", name: "gbase", value: 1))
    }

    func testChannelDensityChangesWithoutRecompiling() throws {
        let (ir, _) = try Driver.check(TestPaths.model("models/sims/LEMS_hh1_step.xml"))
        let lib = try KernelLibrary(path: try Driver.compile(ir, cache: TestPaths.cache).library)
        func spikes(_ naScale: Double) throws -> Int {
            let sim = try Simulator(model: ir, library: lib, dt: 0.025)
            try sim.setChannelParameter(population: "pop", placement: "Na_all", name: "gmax", value: 0.05 * 1e-2 * naScale)
            var n = 0, above = false
            for _ in 0..<6000 {
                sim.advance()
                let v = sim.voltages(population: 0, cell: 0)[0]
                if v > 0 && !above { n += 1 }
                above = v > 0
            }
            return n
        }
        XCTAssertEqual(try spikes(1), 19, "the model's own density (0.05 S/cm2 = 5e-4 uS/um2) gives the reference's 19 spikes")
        XCTAssertEqual(try spikes(0.02), 0, "2 % of the sodium conductance cannot spike")
    }

    /// An expTwoSynapse's update keeps 1 - exp(dt/tau) for A and B (`SynapseKernels.cachedFactors`).
    /// Setting tauDecay mid-run must change the kept factor from the next step: the run gives
    /// the same bits as a new simulator restored from a snapshot of it (which does not hold the
    /// kept values, so computes them afresh) with the same setting, and other bits than
    /// without the setting.
    func testAKeptSynapseFactorFollowsItsParameters() throws {
        let (ir, _) = try Driver.check(TestPaths.sharedFile("neuroml/LEMSexamples/LEMS_NML2_Ex3_Net.xml"))
        let lib = try KernelLibrary(path: try Driver.compile(ir, cache: TestPaths.cache).library)
        let syn = try XCTUnwrap(ir.synapses.firstIndex { $0.name == "syn2exp" })
        XCTAssertEqual(SynapseKernels.cachedFactors(ir.synapses[syn]).map { ir.synapses[syn].states[$0.state].name }, ["A", "B"])
        let projection = ir.projections[try XCTUnwrap(ir.projectionSynapses.first { $0.value.synapse == syn }?.key)]
        let post = try XCTUnwrap(ir.populations.firstIndex { $0.name == "hh2pop" })
        let first = try Simulator(model: ir, library: lib, dt: 0.005)
        for _ in 0..<4000 { first.advance() }  // 20 ms: the presynaptic cell has fired
        let snapshot = first.snapshot()
        /// The potential of the cell syn2exp reaches over 60 ms from the snapshot on.
        func trace(_ sim: Simulator, tauDecay: Double?) throws -> [Double] {
            if let tauDecay { try sim.setSynapseParameter(projection: projection, name: "tauDecay", value: tauDecay) }
            return (0..<12000).map { _ in sim.advance(); return sim.voltages(population: post, cell: 1)[0] }
        }
        let running = try trace(first, tauDecay: 6)
        let restored = try Simulator(model: ir, library: lib, dt: 0.005)
        try restored.restore(snapshot)
        XCTAssertEqual(try trace(restored, tauDecay: 6), running)
        let unchanged = try Simulator(model: ir, library: lib, dt: 0.005)
        try unchanged.restore(snapshot)
        let other = try trace(unchanged, tauDecay: nil)
        XCTAssertGreaterThan(zip(other, running).map { abs($0 - $1) }.max()!, 0.1, "a slower decay moves the potential by more than 0.1 mV")
    }
}

extension NetworkTests {
    /// A population brcc refuses (too large, or without a size) is one error at the population:
    /// the projection, input and output that name it are not reported again.
    func testARefusedPopulationIsOneError() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("brcc-refused-population-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for (name, size, id) in [("large", "size=\"1000000000\"", "BRC-E0404"), ("unsized", "", "BRC-E0102")] {
            let path = dir.appendingPathComponent("\(name).xml").path
            try """
            <Lems>
              <Target component="sim1"/>
              <iafCell id="iaf" leakConductance="0.2nS" leakReversal="-65mV" thresh="-50mV" reset="-70mV" C="3.2pF"/>
              <pulseGenerator id="p" delay="1ms" duration="5ms" amplitude="0.01nA"/>
              <expOneSynapse id="syn" gbase="0.5nS" erev="0mV" tauDecay="2ms"/>
              <network id="net1">
                <population id="cells" component="iaf" \(size)/>
                <population id="one" component="iaf" size="1"/>
                <projection id="proj" presynapticPopulation="one" postsynapticPopulation="cells" synapse="syn">
                  <connection id="0" preCellId="../one[0]" postCellId="../cells[0]"/>
                </projection>
                <synapticConnection from="one[0]" to="cells[0]" synapse="syn" destination="synapses"/>
                <explicitInput target="cells[0]" input="p"/>
              </network>
              <Simulation id="sim1" length="10ms" step="0.01ms" target="net1">
                <OutputFile id="of0" fileName="v.dat"><OutputColumn id="v" quantity="cells[0]/v"/></OutputFile>
              </Simulation>
            </Lems>
            """.write(toFile: path, atomically: true, encoding: .utf8)
            XCTAssertEqual(modelErrors(path).map { String($0.prefix(9)) }, [id], "\(name): \(modelErrors(path))")
        }
    }

    /// A model with several networks and no Simulation: each network is checked in a lowering
    /// of its own, and none is kept. brcc-fuzz seed 2061 found the first form of this (one
    /// context for all networks) crashing on NML2_GapJunctionInstances with its network copied:
    /// the second network reused the first's cached gap-junction synapse index.
    func testEachOfSeveralNetworksIsCheckedOnItsOwn() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("brcc-two-networks-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let text = try String(contentsOfFile: TestPaths.sharedFile("neuroml/examples/NML2_GapJunctionInstances.nml"), encoding: .utf8)
        let start = try XCTUnwrap(text.range(of: "<network id=\"")), end = try XCTUnwrap(text.range(of: "</network>"))
        let network = String(text[start.lowerBound..<end.upperBound])
        let id = try XCTUnwrap(network.split(separator: "\"").dropFirst().first)
        let copy = network.replacingOccurrences(of: "<network id=\"\(id)\"", with: "<network id=\"second\"")
        let path = dir.appendingPathComponent("two.nml").path
        try text.replacingCharacters(in: end.upperBound..<end.upperBound, with: "\n" + copy).write(toFile: path, atomically: true, encoding: .utf8)
        let (ir, _) = try Driver.check(path)
        XCTAssertEqual(ir.populations.count, 0, "no network is kept")
        // A defect in the second network alone is reported.
        try String(contentsOfFile: path, encoding: .utf8).replacingOccurrences(of: copy, with: copy.replacingOccurrences(of: "component=\"iaf\"", with: "component=\"iaff\""))
            .write(toFile: path, atomically: true, encoding: .utf8)
        XCTAssertEqual(Set(modelErrors(path).map { String($0.prefix(9)) }), ["BRC-E0107"], "\(modelErrors(path))")
    }

    /// A populationList names its cells by their `<instance>` ids, as jLEMS and jNeuroML's
    /// NEURON export do (`cells/3` is `<instance id="3">`, whatever its position); brcc used to
    /// read the index as a position and refused `cells/3` in a list of two.
    func testAPopulationListNamesItsCellsByInstanceId() throws {
        func model(_ ids: (Int, Int)) -> String {
            """
            <Lems>
              <Target component="sim1"/>
              <iafCell id="iaf" leakConductance="0.2nS" leakReversal="-65mV" thresh="-50mV" reset="-70mV" C="3.2pF"/>
              <pulseGenerator id="p" delay="0ms" duration="5ms" amplitude="0.01nA"/>
              <network id="net1">
                <population id="cells" component="iaf" size="2" type="populationList">
                  <instance id="\(ids.0)"><location x="0" y="0" z="0"/></instance>
                  <instance id="\(ids.1)"><location x="10" y="0" z="0"/></instance>
                </population>
                <inputList id="in" component="p" population="cells"><input id="0" target="../cells/3/iaf" destination="synapses"/></inputList>
              </network>
              <Simulation id="sim1" length="5ms" step="0.01ms" target="net1">
                <OutputFile id="of0" fileName="v.dat">
                  <OutputColumn id="a" quantity="cells/3/iaf/v"/><OutputColumn id="b" quantity="cells/1/iaf/v"/>
                </OutputFile>
              </Simulation>
            </Lems>
            """
        }
        let rows = try XCTUnwrap(runSimulationByFile(writeModel(model((3, 1)), label: "instance-ids"))["v.dat"])
        // The cell with id 3 (listed first) charges towards -65 + I/g = -15 mV with tau = C/g = 16 ms:
        // -65 + 50 (1 - e^(-5/16)) = -51.58 mV at 5 ms (the integration's error is far below 0.05 mV).
        XCTAssertEqual(try XCTUnwrap(rows.last)[1] * 1e3, -65 + 50 * (1 - exp(-5.0 / 16)), accuracy: 0.05)
        XCTAssertEqual(try XCTUnwrap(rows.last)[2] * 1e3, -65, accuracy: 1e-9, "the cell with id 1 receives nothing")
        // Ids with spaces around them are the same ids (they were checked trimmed but read
        // untrimmed, so " 3" silently named the cell by its position).
        let spaced = model((3, 1)).replacingOccurrences(of: "<instance id=\"3\">", with: "<instance id=\" 3 \">")
        let spacedRows = try XCTUnwrap(runSimulationByFile(writeModel(spaced, "spaced.xml", label: "instance-ids"))["v.dat"])
        XCTAssertEqual(spacedRows.last, rows.last)
        // Two instances with one id are one error.
        let errors = modelErrors(try writeModel(model((3, 3)), "twice.xml", label: "instance-ids"))
        XCTAssertEqual(errors.map { String($0.prefix(9)) }, ["BRC-E0123"], "\(errors)")
        // A cell that no instance names.
        let missing = modelErrors(try writeModel(model((0, 1)), "missing.xml", label: "instance-ids"))
        XCTAssertEqual(missing.map { String($0.prefix(9)) }, ["BRC-E0403", "BRC-E0502"], "the input and the recording: \(missing)")
        // NeuroML requires each instance's one <location>: a missing one is a warning (brcc does
        // not place cells; jLEMS runs such a file), a second one an error.
        let text = model((3, 1))
        let unplaced = try writeModel(text.replacingOccurrences(of: "<location x=\"10\" y=\"0\" z=\"0\"/>", with: ""), "unplaced.xml", label: "instance-ids")
        XCTAssertEqual(try Driver.check(unplaced).1.map(\.id), ["BRC-W0133"])
        let twice = try writeModel(text.replacingOccurrences(of: "<location x=\"10\" y=\"0\" z=\"0\"/>", with: "<location x=\"10\" y=\"0\" z=\"0\"/><location x=\"1\" y=\"0\" z=\"0\"/>"),
                                   "placed-twice.xml", label: "instance-ids")
        XCTAssertEqual(modelErrors(twice).map { String($0.prefix(9)) }, ["BRC-E0127"], "\(modelErrors(twice))")
    }

    /// A projection from spike generators places its synapses with its own `seed` where its
    /// target draws locations (brc:allToAll with a segmentGroup); the seed was accepted and
    /// ignored (every seed gave seed 0's locations).
    func testAGeneratorProjectionsSeedPlacesItsSynapses() throws {
        func nodes(seed: Int) throws -> [Int] {
            let text = """
            <Lems xmlns:brc="urn:brcc:brc:1">
              <Include file="\(TestPaths.model("models/synapses/kinetic_synapses.xml"))"/>
              <Include file="\(TestPaths.model("models/cells/pyr4.cell.nml"))"/>
              <spikeGenerator id="gen" period="10ms"/>
              <network id="net">
                <population id="G" component="gen" size="20"/>
                <population id="P" component="pyr4" size="2"/>
                <projection id="g_p" presynapticPopulation="G" postsynapticPopulation="P" synapse="AMPA">
                  <brc:allToAll seed="\(seed)"><brc:target segmentGroup="dendrite_group"/></brc:allToAll>
                </projection>
              </network>
            </Lems>
            """
            let ir = try Driver.check(text: text, path: FileManager.default.temporaryDirectory.appendingPathComponent("gen-seed.xml").path)
            XCTAssertEqual(ir.connections.count, 40)
            return ir.connections.map { ir.synapseGroups[$0.group].instances[$0.instance].node }
        }
        let one = try nodes(seed: 1), two = try nodes(seed: 2)
        XCTAssertEqual(one, try nodes(seed: 1), "a seed reproduces")
        XCTAssertGreaterThan(zip(one, two).filter { $0 != $1 }.count, 20, "another seed, other locations: \(one) \(two)")
        XCTAssertGreaterThan(Set(one).count, 4, "locations spread over the dendrites' compartments")
    }

    /// An inputList on a population whose cell was refused gives that error alone: it also
    /// said the population was not defined (BRC-W0107; found by the numerical audit).
    func testAnInputListOnARefusedPopulationIsNotAlsoUndefined() throws {
        let path = try writeModel(#"""
<Lems>
  <Target component="sim1"/>
  <iafCell id="iaf" leakConductance="0.2nS" leakReversal="-65mV" thresh="-50mV" reset="-70mV" C="3.2pF"/>
  <cell id="bad"><morphology id="m"><segment id="0" name="s"><proximal x="0" y="0" z="0" diameter="10"/><distal x="10" y="0" z="0" diameter="10"/></segment></morphology>
    <biophysicalProperties id="b"><membraneProperties><specificCapacitance value="1 uF_per_cm2"/><initMembPotential value="-65mV"/><fancyThing/></membraneProperties><intracellularProperties><resistivity value="100 ohm_cm"/></intracellularProperties></biophysicalProperties></cell>
  <pulseGenerator id="p" delay="1ms" duration="5ms" amplitude="0.01nA"/>
  <network id="net1">
    <population id="cells" component="bad" size="1" type="populationList"><instance id="0"><location x="0" y="0" z="0"/></instance></population>
    <inputList id="in" component="p" population="cells"><input id="0" target="../cells/0/bad" destination="synapses"/></inputList>
  </network>
  <Simulation id="sim1" length="10ms" step="0.01ms" target="net1"/>
</Lems>
"""#, label: "refused-input-list")
        do {
            _ = try Driver.check(path)
            XCTFail("the cell's unknown child is an error")
        } catch DriverError.model(let ds) {
            XCTAssertEqual(ds.map(\.id), ["BRC-E0103"], "\(ds.map(\.message))")
        }
    }

    /// The one resolver of parameter paths (task, brc:setParameter, the simulator's setters):
    /// what it finds and why it finds nothing.
    func testParameterPathsResolveInOnePlace() throws {
        let ir = try network(a: 2, b: 2, projection: """
            <projection id="p" presynapticPopulation="A" postsynapticPopulation="B" synapse="AMPA">
              <connection id="0" preCellId="../A/0/hh1" postCellId="../B/1/hh1"/>
            </projection>
            """)
        let a = try ir.synapseParameter(projection: "p", name: "gbase").get()
        XCTAssertEqual(a.dimension, .conductance)
        XCTAssertEqual(ir.value(of: a), 0.001, accuracy: 1e-15, "AMPA's 1 nS in uS")
        XCTAssertEqual(ir.synapseParameter(projection: "q", name: "gbase"), .failure(.noProjection(projection: "q", projections: ["p"])))
        guard case .failure(.noSynapseParameter(_, "p", "gmax", let known)) = ir.synapseParameter(projection: "p", name: "gmax") else { return XCTFail("gmax is no AMPA parameter") }
        XCTAssertTrue(known.contains("gbase"))
        let density = try XCTUnwrap(ir.cellTypes[0].placements.first?.label)
        XCTAssertEqual(try ir.channelParameter(population: "A", placement: density, name: "gmax").get().dimension, .conductanceDensity)
        XCTAssertEqual(ir.channelParameter(population: "A", placement: density, name: "tau"), .failure(.noChannelParameter(name: "tau")))
        XCTAssertEqual(ir.channelParameter(population: "C", placement: density, name: "gmax"), .failure(.noPopulation("C", populations: ["A", "B"])))
    }

    /// A double exponential's peak normalisation (`factor`) is derived from tauRise and
    /// tauDecay: setting either, by `brc:setParameter` or the simulator's setter (a search),
    /// renormalises it, so the run is the one of a model written with that value (it kept the
    /// model's factor before: 264 spikes against 104 in an audit's network); `factor` itself
    /// cannot be set, and values or bounds that break tauDecay > tauRise are refused.
    func testSettingADoubleExponentialsKineticsRenormalisesIt() throws {
        func model(tauDecay: String, extra: String = "", cue: Bool = false) -> String {
            """
            <Lems xmlns:brc="urn:brcc:brc:1">
              <Include file="\(TestPaths.model("models/cells/hh1.cell.nml"))"/>
              <expTwoSynapse id="syn" gbase="1nS" erev="0mV" tauRise="2ms" tauDecay="\(tauDecay)"/>
              <pulseGenerator id="drive" delay="5ms" duration="40ms" amplitude="0.3nA"/>
              <brc:tunedCue id="cue" value="0" centreMin="-1" centreMax="1" sd="1" seed="4" scale="0.1nA" delay="5ms" duration="10ms"/>
              <network id="net">
                <population id="A" component="hh1" size="1"/>
                <population id="B" component="hh1" size="1"/>
                <projection id="p" presynapticPopulation="A" postsynapticPopulation="B" synapse="syn">
                  <connection id="0" preCellId="../A/0/hh1" postCellId="../B/0/hh1"/>
                </projection>
                <inputList id="in" population="A" component="drive"><input id="0" target="../A/0/hh1" destination="synapses"/></inputList>
                \(cue ? #"<inputList id="cue_in" population="A" component="cue"><brc:allCells/></inputList>"# : "")
              </network>
              <Simulation id="sim" length="60ms" step="0.025ms" target="net">
                <OutputFile id="f" fileName="b.dat"><OutputColumn id="v" quantity="B[0]/v"/></OutputFile>
              </Simulation>
              <Target component="sim"/>
              \(extra)
            </Lems>
            """
        }
        let written = try runSimulation(writeModel(model(tauDecay: "20ms"), "written.xml", label: "derived"))[0]
        let set = try runSimulation(writeModel(model(tauDecay: "80ms", extra: #"<brc:setParameter projection="p" name="tauDecay" value="20ms"/>"#), "set.xml", label: "derived"))[0]
        XCTAssertEqual(set, written, "setting tauDecay to 20 ms runs the model written with 20 ms, bit for bit")
        let slow = try runSimulation(writeModel(model(tauDecay: "80ms"), "slow.xml", label: "derived"))[0]
        XCTAssertGreaterThan(zip(slow, written).map { abs($0[1] - $1[1]) }.max()!, 0.01, "and tauDecay matters (more than 10 mV; the tables are in volts)")

        // The simulator's setter (what a search calls) renormalises the same way.
        func trace(_ file: String, tauDecay: String, set: Double?) throws -> [Double] {
            let (ir, _) = try Driver.check(writeModel(model(tauDecay: tauDecay), file, label: "derived"))
            let sim = try Simulator(model: ir, library: KernelLibrary(path: Driver.compile(ir, cache: TestPaths.cache).library), dt: 0.025)
            if let set { try sim.setSynapseParameter(projection: "p", name: "tauDecay", value: set) }
            XCTAssertThrowsError(try sim.setSynapseParameter(projection: "p", name: "tauDecay", value: 1)) {
                XCTAssertEqual("\($0)", "tauDecay = 1.0 breaks tauDecay > tauRise of synapse syn of projection 'p'")
            }
            return (0..<2400).map { _ in sim.advance(); return sim.voltages(population: 1, cell: 0)[0] }
        }
        XCTAssertEqual(try trace("setter.xml", tauDecay: "80ms", set: 20), try trace("twenty.xml", tauDecay: "20ms", set: nil),
                       "Simulator.setSynapseParameter recomputes factor (and a refused value changes nothing)")

        XCTAssertEqual(modelErrors(try writeModel(model(tauDecay: "20ms", extra: #"<brc:setParameter projection="p" name="factor" value="1.4"/>"#), "factor.xml", label: "derived")),
                       ["BRC-E1017 parameter 'factor' of synapse syn is computed from tauRise and tauDecay, so it cannot be set"])
        XCTAssertEqual(modelErrors(try writeModel(model(tauDecay: "20ms", extra: #"<brc:setParameter projection="p" name="tauDecay" value="1ms"/>"#), "short.xml", label: "derived")),
                       [#"BRC-E0601 with tauDecay="1ms", synapse syn of projection 'p' no longer has tauDecay > tauRise"#])
        let task = #"""
            <brc:cueTask readout="B" conditions="-1, 1" repeats="2" burnIn="10ms">
              <brc:search rounds="1" samples="2" seed="1">
                <brc:synapticParameter projection="p" name="tauDecay" lower="1ms" upper="50ms"/>
              </brc:search>
            </brc:cueTask>
            """#
        XCTAssertEqual(modelErrors(try writeModel(model(tauDecay: "20ms", extra: task, cue: true), "bounds.xml", label: "derived")),
                       ["BRC-E1006 the search's bounds let synapse syn of projection 'p' break tauDecay > tauRise (at tauDecay = 1ms (its lower bound))"])
    }

    /// A `<brc:setParameter>` of a parameter set before in the same file is refused
    /// (`BRC-E0123`: the last silently won); a file that includes the model sets its own value
    /// over the model's (as `brcc train`'s best/LEMS_best.xml does over a variant that sets one).
    func testASetParameterOverridesOnlyAcrossFiles() throws {
        let dir = try scratchDirectory("brcc-set-twice")
        let model = dir.appendingPathComponent("model.xml")
        try """
        <Lems xmlns:brc="urn:brcc:brc:1">
          <Include file="\(TestPaths.model("models/cells/hh1.cell.nml"))"/>
          <expOneSynapse id="syn" gbase="1nS" erev="0mV" tauDecay="5ms"/>
          <network id="net">
            <population id="A" component="hh1" size="2"/>
            <projection id="p" presynapticPopulation="A" postsynapticPopulation="A" synapse="syn">
              <connection id="0" preCellId="../A/0/hh1" postCellId="../A/1/hh1"/>
            </projection>
          </network>
          <Simulation id="sim" length="1ms" step="0.025ms" target="net"/>
          <Target component="sim"/>
          <brc:setParameter projection="p" name="gbase" value="2nS"/>
        </Lems>
        """.write(to: model, atomically: true, encoding: .utf8)
        func gbase(_ path: String) throws -> Double {
            let ir = try Driver.check(path).0
            return ir.value(of: try ir.synapseParameter(projection: "p", name: "gbase").get())
        }
        XCTAssertEqual(try gbase(model.path), 0.002, accuracy: 1e-15, "2 nS in uS")
        let including = dir.appendingPathComponent("LEMS_best.xml")
        try """
        <Lems xmlns:brc="urn:brcc:brc:1">
          <Include file="model.xml"/>
          <brc:setParameter projection="p" name="gbase" value="3nS"/>
        </Lems>
        """.write(to: including, atomically: true, encoding: .utf8)
        XCTAssertEqual(try gbase(including.path), 0.003, accuracy: 1e-15, "the including file's value wins")
    }

    /// A synapse or gap junction at a sealed tip (fraction 1 of a terminal segment) sits on
    /// NEURON's zero-area tip node, which brcc restores for it: until the forty-eighth session
    /// it dropped the node and put the conductance on the last compartment (up to 23 mV RMS
    /// against NEURON in a randomised comparison; `testPointsAtSealedTipsMatchNEURON` measures
    /// the fix). One node per tip, whatever sits there, appended as a leaf of the compartment
    /// (no other node moves), and the NeuroML export names it back. Inside the segment (0.999)
    /// no node is added, nor for a fixed current at the tip, which NEURON's node passes whole
    /// to the compartment; an input that is a synapse (poissonFiringSynapse) or a voltage
    /// clamp gets it.
    func testAConductanceAtASealedTipSitsOnTheRestoredTipNode() throws {
        func model(_ fraction: String, input: String = "pulse") -> String {
            """
            <Lems>
              <Include file="\(TestPaths.model("models/cells/pyr4.cell.nml"))"/>
              <expOneSynapse id="syn" gbase="1nS" erev="0mV" tauDecay="5ms"/>
              <gapJunction id="gj" conductance="1nS"/>
              <pulseGenerator id="pulse" delay="0ms" duration="1ms" amplitude="0.1nA"/>
              <poissonFiringSynapse id="poisson" averageRate="50Hz" synapse="syn" spikeTarget="./syn"/>
              <rampGenerator id="ramp" delay="0ms" duration="1ms" startAmplitude="0nA" finishAmplitude="0.1nA" baselineAmplitude="0nA"/>
              <voltageClamp id="clamp" delay="0ms" duration="1ms" targetVoltage="-50mV" simpleSeriesResistance="1e8ohm"/>
              <network id="net">
                <population id="A" component="pyr4" size="4"/>
                <projection id="p" presynapticPopulation="A" postsynapticPopulation="A" synapse="syn">
                  <connection id="0" preCellId="../A/0/pyr4" postCellId="../A/1/pyr4" postSegmentId="3" postFractionAlong="\(fraction)"/>
                  <connection id="1" preCellId="../A/0/pyr4" postCellId="../A/2/pyr4" postSegmentId="3" postFractionAlong="\(fraction)"/>
                </projection>
                <electricalProjection id="e" presynapticPopulation="A" postsynapticPopulation="A">
                  <electricalConnectionInstance id="0" preCell="../A/1/pyr4" postCell="../A/2/pyr4" preSegment="3" preFractionAlong="\(fraction)" postSegment="0" postFractionAlong="0.5" synapse="gj"/>
                </electricalProjection>
                <inputList id="i" component="\(input)" population="A"><input id="0" target="../A/3/pyr4" segmentId="3" fractionAlong="1" destination="synapses"/></inputList>
                <inputList id="r" component="ramp" population="A"><input id="0" target="../A/1/pyr4" segmentId="3" fractionAlong="\(fraction)" destination="synapses"/></inputList>
                <inputList id="c" component="clamp" population="A"><input id="0" target="../A/2/pyr4" segmentId="3" fractionAlong="\(fraction)" destination="synapses"/></inputList>
              </network>
              <Simulation id="sim" length="1ms" step="0.025ms" target="net"/>
              <Target component="sim"/>
            </Lems>
            """
        }
        func pyr4(_ text: String) throws -> (IRModel, IRCellType) {
            let (ir, diagnostics) = try Driver.check(writeModel(text, label: "tip"))
            XCTAssertFalse(diagnostics.contains { $0.severity == .error }, "\(diagnostics.map(\.message))")
            return (ir, try XCTUnwrap(ir.cellTypes.first { $0.name == "pyr4" }))
        }
        let (_, inside) = try pyr4(model("0.999"))
        let (ir, atTip) = try pyr4(model("1"))
        XCTAssertEqual(atTip.nodes.count, inside.nodes.count + 1, "one node for the tip")
        XCTAssertEqual(Array(atTip.nodes.prefix(inside.nodes.count)), inside.nodes, "appended: no other node moves")
        let tip = atTip.nodes.count - 1, compartment = try XCTUnwrap(inside.node(segment: 3, fraction: 0.999))
        XCTAssertEqual(atTip.nodes[tip].area, 0)
        XCTAssertEqual(atTip.nodes[tip].cm, 0)
        XCTAssertEqual(atTip.nodes[tip].parent, compartment)
        XCTAssertGreaterThan(atTip.nodes[tip].gAxial, inside.nodes[compartment].gAxial, "half a compartment's resistance, against a whole one's")
        XCTAssertEqual(atTip.node(segment: 3, fraction: 1), tip)
        XCTAssertEqual(atTip.location(ofNode: tip)?.segment, 3)
        XCTAssertEqual(atTip.location(ofNode: tip)?.fractionAlong, 1, "named as segment 3's 1 end, which names it back")
        let onTip = ir.synapseGroups.flatMap(\.instances).filter { $0.node == tip }
        XCTAssertEqual(onTip.count, 4, "the two synapses, the gap junction's pre side and the clamp: \(onTip)")
        // A ramp (a fixed current compiled from its ComponentType) at a tip whose node is
        // restored goes to the compartment; a clamp, implicit through its conditions, stays.
        func group(_ synapse: String) throws -> IRSynapseGroup { try XCTUnwrap(ir.synapseGroups.first { ir.synapses[$0.synapse].name.contains(synapse) }) }
        XCTAssertEqual(try group("ramp").instances.map(\.node), [compartment])
        XCTAssertEqual(try group("clamp").instances.map(\.node), [tip])
        XCTAssertTrue(ir.synapses[try group("clamp").synapse].derivativeThroughConditions)
        XCTAssertEqual(ir.stimuli.map(\.node), [tip], "the pulse at a tip that has its node sits on it")
        // `inside` has the pulse at the tip and no tip node: the pulse enters the compartment.
        // A poissonFiringSynapse there gets the tip node.
        let (poissonIR, poisson) = try pyr4(model("0.999", input: "poisson"))
        XCTAssertEqual(poisson.nodes.count, inside.nodes.count + 1)
        XCTAssertTrue(poissonIR.synapseGroups.flatMap(\.instances).contains { $0.node == poisson.nodes.count - 1 && $0.cell == 3 })
    }
}
