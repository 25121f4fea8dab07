import BRCDiagnostics
import BRCIR
import BRCSyntax
import BRCUnits

/// Lowers synapse components: NeuroML's expOneSynapse, expTwoSynapse, blockingPlasticSynapse
/// and doubleSynapse natively (`NativeSynapses.swift`), and any LEMS ComponentType with Dynamics
/// (StateVariable, TimeDerivative, DerivedVariable, OnStart, OnEvent, OnCondition). A
/// TimeDerivative linear in its own variable is integrated exactly, others by forward Euler.
enum SynapseLowering {
    /// The parameter of a compiled input that holds its Property `weight` (an inputW's
    /// weight). A name LEMS cannot declare, so it cannot meet a model's own.
    static let inputWeightParameter = "input weight"

    static let standardKinds: Set<String> = ["expOneSynapse", "expTwoSynapse", "blockingPlasticSynapse", "doubleSynapse"]
    /// Standard synapse bases a ComponentType may extend, with the parameters they add.
    static let bases: [String: [(String, Dimension)]] = [
        "baseSynapse": [], "baseVoltageDepSynapse": [], "basePointCurrent": [], "basePointCurrentDS": [], "baseVoltageDepPointCurrent": [], "basePointCurrentDL": [],
        "baseConductanceBasedSynapse": [("gbase", .conductance), ("erev", .voltage)],
        "baseConductanceBasedSynapseTwo": [("gbase1", .conductance), ("gbase2", .conductance), ("erev", .voltage)],
    ]

    /// The current of a synapse type of LEMS's own that extends no NeuroML base (LEMS's
    /// example3: `<Exposure name="current">`, delivered by an EventConnection's receiver): the
    /// one exposed DerivedVariable of dimension current of a type with an OnEvent; nil otherwise.
    static func ownCurrentName(_ chain: [ComponentTypeDef]) -> String? {
        guard chain.contains(where: { !$0.onEvent.isEmpty || $0.regimes.contains { !$0.onEvent.isEmpty } }) else { return nil }
        let exposed = Set(chain.flatMap(\.exposures).filter { $0.dimension == .current }.map(\.name))
        let currents = chain.flatMap(\.derived).filter { $0.dimension == .current && exposed.contains($0.name) }.map(\.name)
        return Set(currents).count == 1 ? currents[0] : nil
    }

    /// True if the type is half of a continuous connection: it requires a `peer` instance. It
    /// may read one of the peer's variables (`peer/v`, the peer compartment's potential; or, as
    /// rate models' graded synapses do, `peer/r`, a state of the peer cell) or none (a silent
    /// half of a model's own, as PsyNeuLink's silentSynapseDL).
    static func isContinuous(_ def: ComponentTypeDef, ctx: Context) -> Bool {
        def.resolved(in: ctx).contains { $0.instanceRequirements.contains("peer") }
    }

    /// The variable a continuous connection's half reads from its peer (`v` in `peer/v`), or nil
    /// if the type is not such a half or reads nothing from its peer.
    static func peerQuantity(_ def: ComponentTypeDef, ctx: Context) -> String? {
        guard isContinuous(def, ctx: ctx) else { return nil }
        return def.resolved(in: ctx).flatMap(\.selects).lazy.compactMap { peerPath($0.path) }.first
    }

    /// `X` of a select path `peer/X`.
    static func peerPath(_ path: String) -> String? {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        return parts.count == 2 && parts[0] == "peer" && !parts[1].isEmpty ? String(parts[1]) : nil
    }

    /// True if `name` is a core library synapse type brcc compiles from its LEMS definition
    /// (it extends a synapse base and uses only the LEMS brcc compiles).
    static func isCoreSynapse(_ name: String, ctx: Context) -> Bool {
        guard ctx.componentTypes[name] == nil, let def = ctx.coreTypes[name], !standardKinds.contains(name) else { return false }
        return bases[def.rootBase(in: ctx)] != nil && def.chain(in: ctx).allSatisfy { $0.problemsAsLeaf.isEmpty }
    }

    /// The synapse and this component's parameter values (internal units).
    struct Lowered { var synapse: IRSynapse; var values: [Double] }

    static func lower(_ el: Element, ctx: Context) -> Lowered? {
        let type = el.typeName
        switch type {
        case "expOneSynapse": return expOne(el, ctx: ctx)
        case "expTwoSynapse", "blockingPlasticSynapse": return expTwo(el, blocking: type == "blockingPlasticSynapse", ctx: ctx)
        case "doubleSynapse": return double(el, ctx: ctx)
        default:
            guard let def = ctx.type(named: type) else {
                ctx.error("BRC-E0103", "not supported yet: synapse type <\(type)>", at: el.location,
                          hint: "supported synapses: expOneSynapse, expTwoSynapse, blockingPlasticSynapse, or a ComponentType with Dynamics")
                return nil
            }
            return ctx.reportingCoreErrors(at: el, type: def.name) { custom(def, el, ctx: ctx) }
        }
    }

    /// The parameters a component of `def` takes as attributes, its synapse base's
    /// (`baseParams`, default: the base's entry in `bases`) then the chain's: checked on `el`
    /// with the chain's Text attributes (`ComponentTypeDef.checkComponent`); nil if the
    /// component must not be lowered.
    @discardableResult
    static func checkedParameters(_ el: Element, def: ComponentTypeDef, chain: [ComponentTypeDef], baseParams: [(String, Dimension)]? = nil,
                                  ctx: Context) -> [ComponentTypeDef.Named]? {
        let base = baseParams ?? bases[def.rootBase(in: ctx)] ?? []
        let params = base.map { ComponentTypeDef.Named(name: $0.0, dimension: $0.1, location: def.element.location) } + chain.reversed().flatMap(\.parameters)
        guard ComponentTypeDef.checkComponent(el, chain: chain, required: ComponentTypeDef.unfixed(params.map(\.name), in: chain) + ["id"], optional: ["type"] + ComponentTypeDef.texts(of: chain), ctx: ctx) else { return nil }
        return params
    }

    /// A ComponentType with event-driven Dynamics.
    /// With `input`, the component is an input (pulseGenerator, rampGenerator, voltageClamp...,
    /// extending basePointCurrent): no OnEvent is needed, `i` may be a state, its Property
    /// `weight` is the parameter `inputWeightParameter` (1, or an inputW's weight), and its
    /// current is the present one (inputs are not lagged).
    ///
    /// A type with `<InstanceRequirement name="peer">` is a continuous connection's half
    /// (gapJunction, gradedSynapse, silentSynapse, a rate model's rateSynapse): it gets two
    /// more parameters, `connectionWeight` (the connection's `weight`) and `vpeer`, the peer's
    /// X where it selects `peer/X` (its compartment's potential for `peer/v`, and where it
    /// selects nothing),
    /// refreshed by the runtime (`IRModel.peerLinks`), and needs no OnEvent.
    static func custom(_ def: ComponentTypeDef, _ el: Element, input: Bool = false, ctx: Context) -> Lowered? {
        var synapse = CustomSynapse(def, el, input: input, ctx: ctx)
        return synapse?.lower()
    }

    /// Whether synapse or input `syn` may go on cells of `ct`: one that reads the membrane
    /// potential `v` (a conductance synapse's driving force) needs a cell whose compartment's
    /// potential is its own (`IRCellType.hasMembranePotential`); else `BRC-E0607` at `location`
    /// (jLEMS stops on such a model: the synapse's `v` is NaN).
    static func fitsPotential(_ syn: IRSynapse, on ct: IRCellType, at location: SourceLocation, ctx: Context) -> Bool {
        guard !ct.hasMembranePotential, !syn.isCellDynamics, syn.expressions.contains(where: { $0.refs.contains("v") }) else { return true }
        ctx.error("BRC-E0607", "\(syn.name) reads the membrane potential v of the cells it is on, but cell \(ct.name) has none (its potential is not a state of its own)",
                  at: location, hint: "attach a current-based synapse or input (one whose current does not read v), or give the cell a StateVariable v of dimension voltage")
        return false
    }

    /// As jNeuroML exports a synapse for NEURON, the derived values of its state (the
    /// current's state terms) are computed in rates() before the states advance: the current
    /// of a step sees the states of the step before (see docs/numerics.md).
    static func lagged(_ syn: IRSynapse) -> IRSynapse {
        var out = syn
        var map: [String: IRExpr] = [:]
        for st in syn.states where syn.current.refs.contains(st.name) {
            let name = "\(st.name)_rates"
            out.states.append(IRState(name: name, initial: st.initial, update: .assign(.ref(st.name))))
            map[st.name] = .ref(name)
        }
        out.current = syn.current.substituting(map)
        return out
    }
}
