import BRCDiagnostics

/// LEMS's `random(x)` in compiled Dynamics: a counter-based stream, so a draw is a pure
/// function of (seed, instance, step, call site) and does not depend on batching, threads or
/// the backend.
///
/// - Every synapse instance whose type calls `random` has a hidden run-time parameter,
///   `keyParameter`: 53 bits of `CounterRandom.bits(seed, stream, group, instance)` (exact in a
///   double), set by `IRModel.seedRandomStreams`.
/// - The step is a counter of half steps, round(2 t / dt): the kernels run at t = 0 (initial
///   values), at mid-step (conditions, currents: odd counters) and at the step's end (states:
///   even counters), so each place draws from its own counter.
/// - Each call site has a constant (`IRExpr.random`'s `site`), from where it is written in
///   the model, so two calls draw independently and one call inlined in several expressions
///   (a DerivedVariable) draws one number per step, as LEMS evaluates it once.
///
/// The uniform number is `mix(mix(mix(key) ^ counter) ^ site) >> 11` times 2^-53, in [0, 1);
/// the C and Swift kernels' `brc_random` compute the same bits.
public enum IRRandom {
    /// The hidden parameter holding an instance's key (not a LEMS name: it starts with `__`).
    public static let keyParameter = "__random_key"
    /// The `CounterRandom` stream of the keys (other streams: 100 initial potentials, 200
    /// cue tunings, 1000 + population Poisson generators, 2000 + population renewal ones).
    public static let stream: UInt64 = 3000
    /// The stream that mixes a Simulation's seed into a NeuroML random generator's id seed.
    public static let generatorStream: UInt64 = 3100

    /// The key of instance `instance` of synapse group `group` for `seed`: below 2^53.
    public static func key(seed: UInt64, group: Int, instance: Int) -> Double {
        Double(CounterRandom.bits(seed: seed, stream: stream, UInt64(group), UInt64(instance)) >> 11)
    }

    /// The half-step counter of time `t` at step `dt`: round(2 t / dt), as the kernels compute it.
    public static func counter(t: Double, dt: Double) -> UInt64 {
        let halves = (2.0 * t / dt + 0.5).rounded(.down)
        return halves.isFinite && halves >= 0 && halves < 0x1p63 ? UInt64(halves) : 0
    }

    /// The uniform number in [0, 1) of call site `site` for the instance with `key` at time `t`.
    public static func uniform(key: Double, site: UInt64, t: Double, dt: Double) -> Double {
        let k = key.isFinite && key >= 0 && key < 0x1p64 ? UInt64(key) : 0
        let z = CounterRandom.mix(CounterRandom.mix(CounterRandom.mix(k) ^ counter(t: t, dt: dt)) ^ site)
        return Double(z >> 11) * 0x1.0p-53
    }

    /// The call-site constant of the `index`-th `random` call in the attribute at `location`:
    /// FNV-1a of the file's name (not its folder, so a model gives the same streams wherever
    /// it lies), line, column and index, cut to 48 bits (exact in a double, printed as an
    /// integer literal).
    public static func site(_ location: SourceLocation, index: Int) -> UInt64 {
        fnv1a64("\(location.fileName):\(location.line):\(location.column):\(index)") & 0xffff_ffff_ffff
    }
}

extension IRExpr {
    /// The call sites of every `random` in the expression.
    public var randomSites: Set<UInt64> {
        switch self {
        case .const, .ref: return []
        case .neg(let a), .not(let a): return a.randomSites
        case .binary(_, let a, let b): return a.randomSites.union(b.randomSites)
        case .call(_, let args): return args.reduce(into: Set<UInt64>()) { $0.formUnion($1.randomSites) }
        case .select(let c, let a, let b): return c.randomSites.union(a.randomSites).union(b.randomSites)
        case .random(let scale, let site): return scale.randomSites.union([site])
        }
    }
}

extension IRSynapse {
    /// Whether the synapse's Dynamics call `random` (then it has the key parameter once seeded).
    public var usesRandom: Bool { expressions.contains { !$0.randomSites.isEmpty } }
}

extension IRModel {
    /// Keys every instance of a synapse type that calls `random` for `seed` (adding the key
    /// parameter where it is missing), reseeds NeuroML's random generators (`idSeed`) and
    /// records the seed. Lowering calls it with the
    /// Simulation's `seed`; `brcc run --seed` calls it again. Keys depend on the seed, the
    /// group and the instance's index in its group only, so a model gives the same streams
    /// alone and in a batch.
    public mutating func seedRandomStreams(_ seed: UInt64) {
        randomSeed = seed
        // NeuroML's random generators and inputs: their id's seed, mixed with a non-zero seed
        // (seed 0, the default, leaves the id's, so models without a seed keep their trains).
        for g in generatorPopulations.indices {
            guard let own = generatorPopulations[g].idSeed else { continue }
            let mixed = seed == 0 ? own : CounterRandom.bits(seed: seed, stream: IRRandom.generatorStream, own, 0)
            generatorPopulations[g].generator = generatorPopulations[g].generator.reseeded(mixed)
        }
        // (One pass over the sources, not one per generator population: linear in the inputs.)
        for k in spikeSources.indices where spikeSources[k].generator != nil && generatorPopulations[spikeSources[k].population].idSeed != nil {
            spikeSources[k].generator = generatorPopulations[spikeSources[k].population].generator
        }
        for s in synapses.indices where synapses[s].usesRandom && !synapses[s].parameters.contains(IRRandom.keyParameter) {
            if synapses[s].parameterDimensions.count == synapses[s].parameters.count { synapses[s].parameterDimensions.append(.none) }
            synapses[s].parameters.append(IRRandom.keyParameter)
            for g in synapseGroups.indices where synapseGroups[g].synapse == s {
                for k in synapseGroups[g].instances.indices { synapseGroups[g].instances[k].values.append(0) }
            }
        }
        for g in synapseGroups.indices {
            guard let q = synapses[synapseGroups[g].synapse].parameters.firstIndex(of: IRRandom.keyParameter) else { continue }
            for k in synapseGroups[g].instances.indices {
                synapseGroups[g].instances[k].values[q] = IRRandom.key(seed: seed, group: g, instance: k)
            }
        }
    }
}
