import BRCDiagnostics
import BRCIR
import BRCSyntax
import BRCUnits

/// The synapses brcc lowers by hand (`SynapseLowering.standardKinds`): expOneSynapse,
/// expTwoSynapse, blockingPlasticSynapse (with its block and plasticity mechanisms) and
/// doubleSynapse; and renaming a lowered synapse to combine it with others.
extension SynapseLowering {
    private static func ref(_ n: String) -> IRExpr { .ref(n) }
    private static func mul(_ a: IRExpr, _ b: IRExpr) -> IRExpr { .binary(.mul, a, b) }
    private static func sub(_ a: IRExpr, _ b: IRExpr) -> IRExpr { .binary(.sub, a, b) }
    private static func add(_ a: IRExpr, _ b: IRExpr) -> IRExpr { .binary(.add, a, b) }
    private static func div(_ a: IRExpr, _ b: IRExpr) -> IRExpr { .binary(.div, a, b) }

    static func expOne(_ el: Element, ctx: Context) -> Lowered? {
        ctx.checkAttributes(el, required: ["id", "gbase", "erev", "tauDecay"], optional: ["type"])
        guard let g = ctx.quantity(el, "gbase", .conductance), let e = ctx.quantity(el, "erev", .voltage),
              let tau = ctx.quantity(el, "tauDecay", .time) else { return nil }
        guard tau > 0 else { return positive(el, "tauDecay", ctx) }
        let syn = IRSynapse(
            name: el.id ?? "expOneSynapse", origin: "<expOneSynapse id=\"\(el.id ?? "")\"> at \(el.location.shortDescription)",
            parameters: ["gbase", "erev", "tauDecay"], locals: [],
            states: [IRState(name: "g", initial: .const(0), update: .linear(a: .const(0), b: .neg(div(.const(1), ref("tauDecay")))))],
            current: mul(ref("g"), sub(ref("erev"), ref("v"))),
            onEvent: [IRStateAssignment("g", add(ref("g"), mul(ref("gbase"), ref("weight"))))], conditions: [])
        var out = lagged(syn)
        out.parameterConditions = [.binary(.gt, ref("tauDecay"), .const(0))]
        // g and i, as the core type exposes them (i from the present state, as recorded).
        out.exposures = ["g": IRExposure(.ref("g"), siScale: Dimension.conductance.internalScale),
                         "i": IRExposure(syn.current, siScale: Dimension.current.internalScale)]
        out.parameterDimensions = [.conductance, .voltage, .time]
        return Lowered(synapse: out, values: [g, e, tau])
    }

    static func expTwo(_ el: Element, blocking: Bool, ctx: Context) -> Lowered? {
        let optional = ["type"]
        var blocks: [Element] = [], plastics: [Element] = []
        for c in el.children {
            switch c.name {
            case "blockMechanism" where blocking: blocks.append(c)
            case "voltageConcDepBlockMechanism" where blocking:
                // The older form: the mechanism's type as the element name.
                var b = c
                b.attributes.append(Attribute(name: "type", value: c.name, location: c.location))
                blocks.append(b)
            case "plasticityMechanism" where blocking: plastics.append(c)
            case "tsodyksMarkramDepMechanism" where blocking, "tsodyksMarkramDepFacMechanism" where blocking:
                var b = c
                b.attributes.append(Attribute(name: "type", value: c.name, location: c.location))
                plastics.append(b)
            case _ where c.isMetadata: continue
            default: ctx.unsupported(c, in: el.name, supported: blocking ? ["blockMechanism", "plasticityMechanism"] : [])
                return nil
            }
        }
        let blockEl = ctx.once(blocks, in: el), plasticEl = ctx.once(plastics, in: el)
        guard blocks.count < 2, plastics.count < 2 else { return nil }
        ctx.checkAttributes(el, required: ["id", "gbase", "erev", "tauRise", "tauDecay"], optional: optional)
        guard let g = ctx.quantity(el, "gbase", .conductance), let e = ctx.quantity(el, "erev", .voltage),
              let tr = ctx.quantity(el, "tauRise", .time), let td = ctx.quantity(el, "tauDecay", .time) else { return nil }
        guard tr > 0 else { return positive(el, "tauRise", ctx) }
        guard td > tr else {
            ctx.error("BRC-E0601", "tauDecay must be longer than tauRise in <\(el.name) id=\"\(el.id ?? "")\">", at: el.attribute("tauDecay")!.location,
                      hint: "a double-exponential synapse rises with tauRise and decays with the slower tauDecay")
            return nil
        }
        let factorExpr = peakFactor(rise: ref("tauRise"), decay: ref("tauDecay"))
        let factor = factorExpr.evaluate { $0 == "tauRise" ? tr : td }
        var params = ["gbase", "erev", "tauRise", "tauDecay"], values = [g, e, tr, td]
        var conductance = mul(ref("gbase"), sub(ref("B"), ref("A")))
        var exposures: [String: IRExposure] = [:]
        // Without a block mechanism the block factor is 1 (LEMS's product over none).
        if blocking, let b = blockEl {
            switch b["type"] {
            case "voltageConcDepBlockMechanism":
                ctx.checkAttributes(b, required: ["type", "blockConcentration", "scalingConc", "scalingVolt"], optional: ["species", "id"])
                guard let conc = ctx.quantity(b, "blockConcentration", .concentration), let sc = ctx.quantity(b, "scalingConc", .concentration),
                      let sv = ctx.quantity(b, "scalingVolt", .voltage) else { return nil }
                params += ["blockConcentration", "scalingConc", "scalingVolt"]
                values += [conc, sc, sv]
                // blockFactor = 1 / (1 + exp(-v / scalingVolt) * blockConcentration / scalingConc)
                let block = div(.const(1), add(.const(1), mul(.call("exp", [div(.neg(ref("v")), ref("scalingVolt"))]),
                                                             div(ref("blockConcentration"), ref("scalingConc")))))
                conductance = mul(conductance, block)
                // By the Child's name and by the mechanism's id (Ex6's "block"), as jLEMS finds it.
                for name in Set(["block", "blockMechanism"] + (b.id.map { [$0] } ?? [])) { exposures["\(name)/blockFactor"] = IRExposure(block, siScale: 1) }
            default:
                ctx.error("BRC-E0103", "not supported yet: block mechanism type '\(b["type"] ?? "")'", at: b.location,
                          hint: "supported: voltageConcDepBlockMechanism")
                return nil
            }
        }
        // Short-term plasticity (Tsodyks-Markram): each event scales the jump by R U, then
        // depletes R (and, with facilitation, raises U), as the mechanism's ComponentType
        // receives the event after the synapse's OnEvent has used plasticityFactor.
        var plasticStates: [IRState] = [], plasticEvent: [IRStateAssignment] = [], plasticDims: [Dimension] = []
        var jump = mul(ref("weight"), ref("factor"))
        if let pm = plasticEl {
            let type = pm["type"] ?? ""
            guard type == "tsodyksMarkramDepMechanism" || type == "tsodyksMarkramDepFacMechanism" else {
                ctx.error("BRC-E0103", "not supported yet: plasticity mechanism type '\(type)'", at: pm.location,
                          hint: "supported: tsodyksMarkramDepMechanism, tsodyksMarkramDepFacMechanism")
                return nil
            }
            let fac = type == "tsodyksMarkramDepFacMechanism"
            ctx.checkAttributes(pm, required: ["initReleaseProb", "tauRec"] + (fac ? ["tauFac"] : []), optional: ["type", "id"])
            guard let u0 = ctx.number(pm, "initReleaseProb"), let tauRec = ctx.quantity(pm, "tauRec", .time, bound: .positive) else { return nil }
            params += ["initReleaseProb", "tauRec"]; values += [u0, tauRec]; plasticDims += [.none, .time]
            let u: IRExpr
            if fac {
                guard let tauFac = ctx.quantity(pm, "tauFac", .time, bound: .positive) else { return nil }
                params.append("tauFac"); values.append(tauFac); plasticDims.append(.time)
                plasticStates.append(IRState(name: "U", initial: ref("initReleaseProb"),
                                             update: .linear(a: div(ref("initReleaseProb"), ref("tauFac")), b: .neg(div(.const(1), ref("tauFac"))))))
                u = ref("U")
            } else {
                u = ref("initReleaseProb")
            }
            plasticStates.insert(IRState(name: "R", initial: .const(1), update: .linear(a: div(.const(1), ref("tauRec")), b: .neg(div(.const(1), ref("tauRec"))))), at: 0)
            jump = mul(jump, mul(ref("R"), u))
            plasticEvent.append(IRStateAssignment("R", mul(ref("R"), sub(.const(1), u))))
            if fac { plasticEvent.append(IRStateAssignment("U", add(ref("U"), mul(ref("initReleaseProb"), sub(.const(1), ref("U")))))) }
            exposures["plasticityFactor"] = IRExposure(mul(ref("R"), u), siScale: 1)
            // The mechanism's R and U by their LEMS paths, the Child's name and the mechanism's
            // id (Figure5_NMDA records plasticityMechanism/U, Ex7 depMech/R and depMech/U: a
            // depression-only mechanism's U is its initReleaseProb).
            for name in Set(["plasticityMechanism"] + (pm.id.map { [$0] } ?? [])) {
                exposures["\(name)/R"] = IRExposure(ref("R"), siScale: 1)
                exposures["\(name)/U"] = IRExposure(u, siScale: 1)
            }
        }
        // (The two jumps read R and U before the mechanism's own update, which reads U before its.)
        let fixedJump = jump
        let syn = IRSynapse(
            name: el.id ?? el.name, origin: "<\(el.name) id=\"\(el.id ?? "")\"> at \(el.location.shortDescription)",
            parameters: params + ["factor"], locals: [],
            states: [
                IRState(name: "A", initial: .const(0), update: .linear(a: .const(0), b: .neg(div(.const(1), ref("tauRise"))))),
                IRState(name: "B", initial: .const(0), update: .linear(a: .const(0), b: .neg(div(.const(1), ref("tauDecay"))))),
            ] + plasticStates,
            current: mul(conductance, sub(ref("erev"), ref("v"))),
            onEvent: [IRStateAssignment("A", add(ref("A"), fixedJump)),
                      IRStateAssignment("B", add(ref("B"), fixedJump))] + plasticEvent,
            conditions: [])
        exposures["g"] = IRExposure(conductance, siScale: Dimension.conductance.internalScale)
        exposures["i"] = IRExposure(syn.current, siScale: Dimension.current.internalScale)
        var out = lagged(syn)
        out.exposures = exposures
        out.derivedParameters = [IRAssignment("factor", factorExpr)]
        out.parameterConditions = [.binary(.gt, ref("tauRise"), .const(0)), .binary(.gt, ref("tauDecay"), ref("tauRise"))]
        out.parameterDimensions = [.conductance, .voltage, .time, .time] + (blockEl != nil ? [.concentration, .concentration, .voltage] : []) + plasticDims + [.none]
        return Lowered(synapse: out, values: values + [factor])
    }

    /// The factor that normalises a double exponential so that one event of weight 1 peaks at
    /// gbase (NeuroML's expTwoSynapse): 1 / (exp(-tp/decay) - exp(-tp/rise)) at the peak time
    /// tp = rise decay / (decay - rise) ln(decay / rise). A derived parameter, so a rise or decay
    /// set at run time (a search, `brc:setParameter`) renormalises.
    private static func peakFactor(rise tr: IRExpr, decay td: IRExpr) -> IRExpr {
        let peak = mul(div(mul(td, tr), sub(td, tr)), .call("log", [div(td, tr)]))
        return div(.const(1), add(.neg(.call("exp", [div(.neg(peak), tr)])), .call("exp", [div(.neg(peak), td)])))
    }

    /// NeuroML's doubleSynapse: two synapses in one (e.g. AMPA and NMDA), as its ComponentType
    /// defines it: each event reaches both (with weight 1) and sets `weightFactor` to the
    /// event's weight; the current is weightFactor x (i1 + i2). Built from the two lowered
    /// synapses, their names prefixed with their ids.
    static func double(_ el: Element, ctx: Context) -> Lowered? {
        ctx.checkAttributes(el, required: ["id", "synapse1", "synapse2", "synapse1Path", "synapse2Path"], optional: ["type"])
        // (Its two synapses are named by attributes; inside it NeuroML allows metadata only.)
        for c in el.children where !c.isMetadata {
            ctx.unsupported(c, in: el.name, supported: [])
            return nil
        }
        var parts: [(String, Lowered)] = []
        for (attr, path) in [("synapse1", "synapse1Path"), ("synapse2", "synapse2Path")] {
            guard let a = el.attribute(attr), let p = el.attribute(path) else { return nil }
            guard p.value == "./\(a.value)" else {
                ctx.error("BRC-E0103", "not supported yet: \(path)=\"\(p.value)\" (only ./\(a.value))", at: p.location, hint: "write \(path)=\"./\(a.value)\"")
                return nil
            }
            guard let child = ctx.byId[a.value] else {
                ctx.undefined(a.value, "BRC-E0107", "synapse '\(a.value)' is not defined", at: a.location, hint: "define the synapse the doubleSynapse combines")
                return nil
            }
            guard let low = lower(child, ctx: ctx) else { return nil }
            parts.append((a.value, low))
        }
        var params: [String] = [], dims: [Dimension] = [], values: [Double] = [], states: [IRState] = [], locals: [IRAssignment] = [], derived: [IRAssignment] = [], conditionsOnParameters: [IRExpr] = []
        var onEvent: [IRStateAssignment] = [IRStateAssignment("weightFactor", .ref("weight"))], conditions: [IRCondition] = []
        var current: IRExpr = .const(0)
        var present: IRExpr? = .const(0)  // the parts' currents from their present states (their i)
        var exposures: [String: IRExposure] = [:]
        for (id, low) in parts {
            let syn = renamed(low.synapse, prefix: "\(id)_", exposurePrefix: "\(id)/")
            params += syn.parameters
            derived += syn.derivedParameters
            conditionsOnParameters += syn.parameterConditions
            dims += syn.parameterDimensions
            values += low.values
            locals += syn.locals
            states += syn.states
            onEvent += syn.onEvent.map { IRStateAssignment($0.state, $0.value.substituting(["weight": .const(1)])) }
            conditions += syn.conditions
            current = .binary(.add, current, syn.current)
            present = present.flatMap { sum in syn.exposures["\(id)/i"].map { .binary(.add, sum, $0.value) } }
            exposures.merge(syn.exposures) { $1 }
        }
        states.append(IRState(name: "weightFactor", initial: .const(0), update: .none))
        var syn = IRSynapse(name: el.id ?? "doubleSynapse", origin: "<doubleSynapse id=\"\(el.id ?? "")\"> at \(el.location.shortDescription)",
                            parameters: params, locals: locals, states: states, current: .binary(.mul, .ref("weightFactor"), current),
                            onEvent: onEvent, conditions: conditions)
        syn.parameterDimensions = dims
        syn.derivedParameters = derived
        syn.parameterConditions = conditionsOnParameters
        syn.exposures = exposures
        if let present { syn.exposures["i"] = IRExposure(.binary(.mul, .ref("weightFactor"), present), siScale: Dimension.current.internalScale) }
        return Lowered(synapse: syn, values: values)
    }

    /// The synapse with every parameter, state and local name prefixed (to combine several in
    /// one process); `weight`, `v`, `t` and the other built-ins keep their names.
    static func renamed(_ syn: IRSynapse, prefix: String, exposurePrefix: String) -> IRSynapse {
        var map: [String: IRExpr] = [:]
        for n in syn.parameters + syn.states.map(\.name) + syn.locals.map(\.name) { map[n] = .ref(prefix + n) }
        var out = syn
        out.parameters = syn.parameters.map { prefix + $0 }
        out.derivedParameters = syn.derivedParameters.map { IRAssignment(prefix + $0.name, $0.value.substituting(map)) }
        out.parameterConditions = syn.parameterConditions.map { $0.substituting(map) }
        out.locals = syn.locals.map { IRAssignment(prefix + $0.name, $0.value.substituting(map)) }
        out.states = syn.states.map { st in
            let update: IRUpdate
            switch st.update {
            case .exponential(let inf, let tau): update = .exponential(inf: prefix + inf, tau: prefix + tau)
            case .instantaneous(let v): update = .instantaneous(value: prefix + v)
            case .assign(let e): update = .assign(e.substituting(map))
            case .linear(let a, let b): update = .linear(a: a.substituting(map), b: b.substituting(map))
            case .euler(let e): update = .euler(e.substituting(map))
            case .none: update = .none
            }
            return IRState(name: prefix + st.name, initial: st.initial.substituting(map), update: update)
        }
        out.onEvent = syn.onEvent.map { IRStateAssignment(($0.state == "v" ? "" : prefix) + $0.state, $0.value.substituting(map)) }
        out.conditions = syn.conditions.map { c in
            IRCondition(test: c.test.substituting(map), assignments: c.assignments.map { IRStateAssignment(($0.state == "v" ? "" : prefix) + $0.state, $0.value.substituting(map)) })
        }
        out.current = syn.current.substituting(map)
        out.exposures = Dictionary(uniqueKeysWithValues: syn.exposures.map { (exposurePrefix + $0.key, IRExposure($0.value.value.substituting(map), siScale: $0.value.siScale)) })
        return out
    }

    private static func positive(_ el: Element, _ attr: String, _ ctx: Context) -> Lowered? {
        ctx.error("BRC-E0602", "\(attr) must be positive in <\(el.name) id=\"\(el.id ?? "")\">", at: el.attribute(attr)!.location,
                  hint: "give a time constant greater than 0")
        return nil
    }
}
