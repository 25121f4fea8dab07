import BRCDiagnostics
import BRCIR
import BRCSyntax
import BRCUnits

/// Lowers `ionChannelHH` / `ionChannel` / `ionChannelPassive` to a density mechanism with
/// parameters `gmax` (uS/um2) and `erev` (mV). Each gate becomes a state with exact
/// exponential update (or an instantaneous value), as NEURON's `cnexp` integrates it.
enum ChannelLowering {
    static let channelKinds: Set<String> = ["ionChannelHH", "ionChannel", "ionChannelPassive", "ionChannelKS", "ionChannelVShift"]
    /// The local holding the voltage shift a channel's rates read as the Requirement `vShift`:
    /// 0 mV (the Constant of NeuroML's channelDensity and channelPopulation) unless a
    /// channelDensityVShift places the channel (`shifted`). Not a LEMS name, so no gate's
    /// state or local can take it.
    static let vShiftLocal = "density vShift"
    static let gateKinds: Set<String> = ["gateHHrates", "gateHHtauInf", "gateHHratesTau", "gateHHratesInf", "gateHHratesTauInf", "gateHHInstantaneous", "gateFractional", "gateKS"]

    static func lower(_ el: Element, ctx: Context) -> IRMechanism? {
        let isVShift = el.name == "ionChannelVShift" || el["type"].map(trimmed) == "ionChannelVShift"
        ctx.checkAttributes(el, required: ["id"], optional: ["conductance", "species", "type", "neuroLexId"] + (isVShift ? ["vShift"] : []))
        // NeuroML's channel types (its schema's list) and the shifted one; any other was
        // accepted and read as nothing.
        if let t = el.attribute("type"), !["ionChannelPassive", "ionChannelHH", "ionChannelVShift"].contains(trimmed(t.value)) {
            ctx.error("BRC-E0108", "type=\"\(t.value)\" is not a type of <\(el.name)>", at: t.valueLocation,
                      hint: "use type=\"ionChannelHH\" or \"ionChannelPassive\" (a kinetic-scheme channel is an <ionChannelKS>), or leave type out")
            return nil
        }
        if let c = el.attribute("conductance") { _ = ctx.quantity(c, .conductance, element: el.name) }
        let id = el.id ?? "?"
        // The rates' Requirement vShift: an ionChannelVShift's own parameter, else the density's.
        var shift = IRExpr.ref(vShiftLocal)
        if isVShift {
            guard let v = ctx.quantity(el, "vShift", .voltage) else { return nil }
            shift = .const(v)
        }
        let scope = ["vShift": Binding(dimension: .voltage, ir: shift)]
        var locals: [IRAssignment] = []
        var states: [IRState] = []
        var conductance: IRExpr = .ref("gmax")
        var ok = true
        var hasFractional = false
        var scale: IRExpr = .const(1), scalings = 0
        for g in el.children {
            var kind = g.name
            if g.name == "gate" {
                guard let t = g["type"] else {
                    ctx.error("BRC-E0102", "<gate> is missing the required attribute 'type'", at: g.location,
                              hint: "name the gate kind, e.g. type=\"gateHHrates\"")
                    ok = false
                    continue
                }
                kind = t
            }
            if g.isMetadata { continue }
            // A gate element with a `type` is a component of that type (LEMS): a core gate kind,
            // or a model's own gate ComponentType, compiled where brcc knows its form.
            var instantaneousRates = false
            if g.name != "gate", gateKinds.contains(g.name), let t = g.attribute("type"), t.value != g.name {
                if gateKinds.contains(t.value) {
                    kind = t.value
                } else if instantaneousRatesGate(t.value, extending: g.name, ctx: ctx) {
                    instantaneousRates = true
                } else if ctx.typeErrorsReported(t.value) {
                    ok = false  // the type's own errors are reported
                    continue
                } else {
                    ctx.error("BRC-E0103", "not supported yet: gate type '\(t.value)'" + (ctx.type(named: t.value) == nil ? " (no ComponentType of that name)" : ", a ComponentType of the model"), at: t.location,
                              hint: "brcc compiles the core gate kinds (\(gateKinds.sorted().joined(separator: ", "))) and a gateHHrates type whose q is its inf (Wang-Buzsaki's gateHHratesInstantaneous)")
                    ok = false
                    continue
                }
            }
            if g.name == "q10ConductanceScaling" {
                // The conductance times q10Factor^((T - experimentalTemp)/10 K), as NeuroML's
                // core type (and jNeuroML's export, its conductanceScale) computes it.
                ctx.checkAttributes(g, required: ["q10Factor", "experimentalTemp"])
                guard let f = ctx.number(g, "q10Factor"), let t0 = ctx.quantity(g, "experimentalTemp", .temperature, bound: .aboveAbsoluteZero) else { ok = false; continue }
                // NeuroML's ionChannelKS declares conductance scalings but its g ignores them.
                if el.name == "ionChannelKS" {
                    ctx.warning("BRC-W0135", "<q10ConductanceScaling> in <ionChannelKS> has no effect: NeuroML's ionChannelKS takes its conductance as fopen x conductance, without its scalings (jLEMS and jNeuroML's NEURON export ignore it, and so does brcc)",
                                at: g.location, hint: "remove it, or scale the density's condDensity for the temperature")
                    continue
                }
                scale = product(scale, q10ExpTemp(f, t0))
                continue
            }
            // A conductance scaling of the model's own ComponentType (a Ca-dependent one reads
            // the node's calcium, as a Ca-dependent rate does): its factor multiplies g.
            if !gateKinds.contains(kind), let def = ctx.type(of: g), ["baseConductanceScaling", "baseConductanceScalingCaDependent"].contains(def.rootBase(in: ctx)) {
                guard let (own, exposure) = def.instantiate(g, prefix: "\(id)_s\(scalings)", extra: scope, ctx: ctx) else { ok = false; continue }
                scalings += 1
                // (Inlined: the conductance is evaluated where the states' locals are not.)
                let factor = exposure.substituting(inlined(own))
                scale = product(scale, factor)
                continue
            }
            guard gateKinds.contains(kind) else {
                if g.name == "gate" {
                    ctx.error("BRC-E0103", "not supported yet: gate type '\(kind)'", at: g.attribute("type")!.location,
                              hint: "supported gate types: \(gateKinds.sorted().joined(separator: ", "))")
                } else {
                    ctx.unsupported(g, in: el.name, supported: (gateKinds.union(["q10ConductanceScaling"])).sorted())
                }
                ok = false
                continue
            }
            let lowered: Gate?
            switch kind {
            case "gateFractional": lowered = lowerFractionalGate(g, scope: scope, ctx: ctx)
            case "gateKS": lowered = lowerKineticGate(g, scope: scope, ctx: ctx)
            default: lowered = lowerGate(g, kind: kind, scope: scope, instantaneous: instantaneousRates, ctx: ctx)
            }
            guard let gate = lowered else { ok = false; continue }
            locals += gate.locals
            states += gate.states
            conductance = .binary(.mul, conductance, .ref(gate.states[1].name))
            if kind == "gateFractional" { hasFractional = true }
        }
        guard ok else { return nil }
        if scale != .const(1) { conductance = .binary(.mul, conductance, scale) }
        // A channel with a gateFractional also exposes fopen (the product of its gates' fcond),
        // as LEMS_NML2_Ex24 records it.
        if hasFractional {
            let fconds = states.filter { $0.name.hasSuffix("_fcond") }
            let product = fconds.dropFirst().reduce(fcondValue(fconds[0])) { .binary(.mul, $0, fcondValue($1)) }
            states.append(IRState(name: "fopen", initial: .const(0), update: .assign(product)))
        }
        if locals.contains(where: { $0.value.refs.contains(vShiftLocal) }) || states.contains(where: { $0.reads.contains(vShiftLocal) }) {
            locals.insert(IRAssignment(vShiftLocal, .const(0)), at: 0)
        }
        var m = IRMechanism(name: id, origin: "<\(el.name) id=\"\(id)\"> at \(el.location.shortDescription)", parameters: ["gmax", "erev"],
                            locals: locals, states: states, conductance: conductance, reversal: .ref("erev"))
        if let sp = el["species"], sp != "non_specific", !sp.isEmpty { m.ion = sp }
        m.current = instantaneousCurrent(m)
        return m
    }

    /// The current of a channel whose gates are all instantaneous (no gate state advances in
    /// the state update), as NEURON computes it on jNeuroML's export: such a channel has no
    /// STATE, so its BREAKPOINT evaluates the gates at the present v, and at v + 0.001 mV for
    /// the numerical di/dv, which then holds d(fcond)/dv (v - erev) besides g. Each fcond is
    /// its steady state's power with the locals it reads inlined (the current is evaluated
    /// where the locals are not). Nil for any other channel: its current is ohmic (the fourth
    /// audit's channel of one gateHHInstantaneous was 1.6-7.1 mV RMS off NEURON as ohmic).
    static func instantaneousCurrent(_ m: IRMechanism) -> IRExpr? {
        // The gate variables (not their fcond, nor the rates kept from the step before) must
        // all be instantaneous: a kinetic scheme's occupancies and a fractional gate's q are
        // assigned, not instantaneous, and keep the ohmic current.
        let fconds = m.states.filter { $0.name.hasSuffix("_fcond") }
        let variables = m.states.filter { !$0.name.hasSuffix("_fcond") && !$0.name.hasSuffix("Last") }
        guard !fconds.isEmpty, !variables.isEmpty, variables.allSatisfy({ if case .instantaneous = $0.update { return true } else { return false } }) else { return nil }
        let locals = inlined(m.locals)
        let gates = Dictionary(uniqueKeysWithValues: fconds.map { ($0.name, fcondValue($0).substituting(locals)) })
        return .binary(.mul, m.conductance.substituting(gates), .binary(.sub, .ref("v"), m.reversal))
    }

    /// Each of `locals` as an expression of what they read before them, for a place where
    /// the locals are not computed (the conductance, a current of the present v).
    static func inlined(_ locals: [IRAssignment]) -> [String: IRExpr] {
        var out: [String: IRExpr] = [:]
        for a in locals { out[a.name] = a.value.substituting(out) }
        return out
    }

    /// Whether the channel's rates read the vShift of the density that places it.
    static func readsDensityShift(_ channel: IRMechanism) -> Bool { channel.locals.contains { $0.name == vShiftLocal } }

    /// `channel` as a channelDensityVShift places it: its rates read `vShift` (mV) for the
    /// Requirement vShift. Only for a channel that `readsDensityShift`.
    static func shifted(_ channel: IRMechanism, by vShift: Double) -> IRMechanism {
        let i = channel.locals.firstIndex { $0.name == vShiftLocal }!
        var m = channel
        m.origin = channel.origin + " (channelDensityVShift vShift=\(IRPrinter.num(vShift)) mV)"
        m.locals[i].value = .const(vShift)
        m.current = instantaneousCurrent(m)
        return m
    }

    /// A gate's locals and its two states: the gate variable q and its conductance factor
    /// `fcond = q^instances`.
    ///
    /// The factor is a state, not a formula of q, to follow NEURON as jNeuroML exports NeuroML
    /// channels: `fcond` is assigned in `rates()`, which runs in INITIAL before q is set to its
    /// steady state (so fcond starts at 0) and in each state update before q advances; the
    /// current of a step therefore uses q from one step earlier. An instantaneous gate sets q
    /// before fcond, so its factor has no lag. See docs/numerics.md.
    struct Gate { var locals: [IRAssignment]; var states: [IRState] }

    /// The value an fcond state takes at this step's update (its assign expression).
    static func fcondValue(_ st: IRState) -> IRExpr {
        if case .assign(let e) = st.update { return e }
        return .ref(st.name)
    }

    /// A gate element's id and `instances` (at least 1, else `BRC-E0114`), its attributes
    /// checked: what every gate kind reads first.
    static func gateHead(_ g: Element, ctx: Context) -> (id: String, instances: Int)? {
        ctx.checkAttributes(g, required: ["id", "instances"], optional: ["type"])
        guard let gid = g.id, let instances = ctx.integer(g, "instances") else { return nil }
        guard instances >= 1 else {
            ctx.error("BRC-E0114", "gate '\(gid)' has instances=\"0\"", at: g.attribute("instances")!.location, hint: "a gate needs at least one instance")
            return nil
        }
        return (gid, instances)
    }

    /// A gate's conductance factor q^instances.
    static func power(_ q: IRExpr, _ instances: Int) -> IRExpr { instances == 1 ? q : .binary(.pow, q, .const(Double(instances))) }

    /// A scale with one more factor (1 is no scale): a gate's rateScale is the product of its
    /// q10Settings' q10 (`reduce="multiply"`), a channel's conductance scale of its scalings'.
    static func product(_ scale: IRExpr, _ q: IRExpr) -> IRExpr { scale == .const(1) ? q : .binary(.mul, scale, q) }

    /// NeuroML's gateFractional: subGates, each a gate q_k with its own steadyState and
    /// timeCourse (scaled by the gate's q10Settings), weighted by fractionalConductance:
    /// q = sum_k fractionalConductance_k q_k, fcond = q^instances.
    static func lowerFractionalGate(_ g: Element, scope: [String: Binding] = [:], ctx: Context) -> Gate? {
        guard let (gid, instances) = gateHead(g, ctx: ctx) else { return nil }
        var locals: [IRAssignment] = [], subStates: [IRState] = []
        var rateScale: IRExpr = .const(1)
        var q: IRExpr? = nil, qInitial: IRExpr? = nil
        for c in g.children where c.name == "q10Settings" {
            guard let r = lowerQ10(c, ctx: ctx) else { return nil }
            rateScale = product(rateScale, r)
        }
        for sg in g.children where !sg.isMetadata && sg.name != "q10Settings" {
            guard sg.name == "subGate" else { ctx.unsupported(sg, in: "gateFractional id=\"\(gid)\"", supported: ["subGate", "q10Settings"]); return nil }
            ctx.checkAttributes(sg, required: ["id", "fractionalConductance"])
            guard let sid = sg.id, let frac = ctx.number(sg, "fractionalConductance") else { return nil }
            let prefix = "\(gid)_\(sid)"
            var values: [String: IRExpr] = [:]
            for c in sg.children where !c.isMetadata {
                guard ["steadyState", "timeCourse"].contains(c.name), values[c.name] == nil else {
                    ctx.unsupported(c, in: "subGate id=\"\(sid)\"", supported: ["steadyState", "timeCourse"]); return nil
                }
                guard let (ls, value) = RateLowering.lower(c, role: c.name, prefix: "\(prefix)_\(c.name)", extra: scope, ctx: ctx) else { return nil }
                locals += ls
                values[c.name] = value
            }
            for w in ["steadyState", "timeCourse"] where values[w] == nil {
                ctx.error("BRC-E0115", "subGate '\(sid)' needs a <\(w)>", at: sg.location, hint: "add <\(w) type=\"...\" .../> inside the subGate")
                return nil
            }
            locals.append(IRAssignment("\(prefix)_inf", values["steadyState"]!))
            locals.append(IRAssignment("\(prefix)_tau", rateScale == .const(1) ? values["timeCourse"]! : .binary(.div, values["timeCourse"]!, rateScale)))
            subStates.append(IRState(name: prefix, initial: .ref("\(prefix)_inf"), update: .exponential(inf: "\(prefix)_inf", tau: "\(prefix)_tau")))
            let term = IRExpr.binary(.mul, .const(frac), .ref(prefix)), initTerm = IRExpr.binary(.mul, .const(frac), .ref("\(prefix)_inf"))
            q = q.map { .binary(.add, $0, term) } ?? term
            qInitial = qInitial.map { .binary(.add, $0, initTerm) } ?? initTerm
        }
        guard let q, let qInitial else {
            ctx.error("BRC-E0115", "gateFractional '\(gid)' has no <subGate>", at: g.location, hint: "add <subGate fractionalConductance=\"1\" ...>")
            return nil
        }
        let power = { (e: IRExpr) in ChannelLowering.power(e, instances) }
        return Gate(locals: locals, states: [
            IRState(name: gid, initial: qInitial, update: .assign(q)),
            IRState(name: "\(gid)_fcond", initial: .const(0), update: .assign(power(q))),
        ] + subStates)
    }

    /// Whether `type` is a gate ComponentType of the model that extends gateHHrates and makes its
    /// q its steady state at once: Dynamics without states in which q = inf,
    /// inf = alpha/(alpha+beta), alpha and beta the forward and reverse rates, fcond =
    /// q^instances (OSB's Wang-Buzsaki `gateHHratesInstantaneous`: NEURON's export sets m = inf
    /// each step). Any other own gate type is refused, not guessed.
    static func instantaneousRatesGate(_ type: String, extending element: String, ctx: Context) -> Bool {
        guard element == "gateHHrates", let def = ctx.type(named: type), def.extends == "gateHHrates",
              let dynamics = def.element.children.first(where: { $0.name == "Dynamics" }),
              !dynamics.children.contains(where: { ["StateVariable", "TimeDerivative", "OnStart", "OnCondition", "Regime", "KineticScheme"].contains($0.name) }) else { return false }
        var derived: [String: String] = [:]
        for d in dynamics.children where d.name == "DerivedVariable" {
            guard let n = d["name"] else { return false }
            derived[n] = (d["value"] ?? d["select"].map { "select " + $0 } ?? "").filter { !$0.isWhitespace }
        }
        return derived["alpha"] == "selectforwardRate/r" && derived["beta"] == "selectreverseRate/r" && derived["inf"] == "alpha/(alpha+beta)"
            && derived["q"] == "inf" && derived["fcond"] == "q^instances"
    }

    /// `instantaneous`: the gate's q is its steady state at every step (`instantaneousRatesGate`).
    static func lowerGate(_ g: Element, kind: String, scope: [String: Binding] = [:], instantaneous: Bool = false, ctx: Context) -> Gate? {
        guard let (gid, instances) = gateHead(g, ctx: ctx) else { return nil }
        let needs: [String: [String]] = [
            "gateHHrates": ["forwardRate", "reverseRate"], "gateHHtauInf": ["timeCourse", "steadyState"],
            "gateHHratesTau": ["forwardRate", "reverseRate", "timeCourse"], "gateHHratesInf": ["forwardRate", "reverseRate", "steadyState"],
            "gateHHratesTauInf": ["forwardRate", "reverseRate", "timeCourse", "steadyState"],
            "gateHHInstantaneous": ["steadyState"],
        ]
        let wanted = needs[kind]!
        var locals: [IRAssignment] = []
        var values: [String: IRExpr] = [:]
        var rateScale: IRExpr = .const(1)
        let prefix = gid
        // Rates first: time courses and steady states may require the gate's alpha and beta.
        var extra = scope
        let ordered = g.children.filter { $0.name == "forwardRate" || $0.name == "reverseRate" } +
            g.children.filter { $0.name != "forwardRate" && $0.name != "reverseRate" }
        for c in ordered {
            if c.isMetadata { continue }
            if c.name == "q10Settings" && kind != "gateHHInstantaneous" {
                guard let q = lowerQ10(c, ctx: ctx) else { return nil }
                rateScale = product(rateScale, q)
                continue
            }
            guard wanted.contains(c.name) else {
                ctx.unsupported(c, in: "\(kind) id=\"\(gid)\"", supported: wanted + (kind == "gateHHInstantaneous" ? [] : ["q10Settings"]))
                return nil
            }
            guard values[c.name] == nil else {
                ctx.error("BRC-E0119", "gate '\(gid)' has a second <\(c.name)>", at: c.location, hint: "a gate takes one <\(c.name)>; remove the other")
                return nil
            }
            guard let (ls, value) = RateLowering.lower(c, role: c.name, prefix: "\(prefix)_\(c.name)", extra: extra, ctx: ctx) else { return nil }
            locals += ls
            values[c.name] = value
            if c.name == "forwardRate" || c.name == "reverseRate" {
                let name = c.name == "forwardRate" ? "alpha" : "beta"
                locals.append(IRAssignment("\(prefix)_\(name)", value))
                // A timeCourse or steadyState ComponentType that requires the gate's alpha or
                // beta reads the value of the previous step: jNeuroML's NEURON export computes
                // a gate's children's derived variables in rates() before the gate's own, so
                // they see alpha and beta from the previous call (INITIAL calls rates() twice,
                // so the first step's is the initial potential's). A state keeps it.
                extra[name] = Binding(dimension: .perTime, ir: .ref("\(prefix)_\(name)Last"))
            }
        }
        for w in wanted where values[w] == nil {
            ctx.error("BRC-E0115", "gate '\(gid)' (\(kind)) needs a <\(w)>", at: g.location, hint: "add <\(w) type=\"...\" .../> inside the gate")
            return nil
        }
        func local(_ name: String, _ e: IRExpr) -> IRExpr {
            locals.append(IRAssignment("\(prefix)_\(name)", e))
            return .ref("\(prefix)_\(name)")
        }
        var inf: IRExpr, tau: IRExpr = .const(0)
        if values["forwardRate"] != nil, values["reverseRate"] != nil {
            let alpha = IRExpr.ref("\(prefix)_alpha"), beta = IRExpr.ref("\(prefix)_beta")
            let sum = IRExpr.binary(.add, alpha, beta)
            inf = values["steadyState"] ?? .binary(.div, alpha, sum)
            tau = values["timeCourse"] ?? .binary(.div, .const(1), sum)
        } else {
            inf = values["steadyState"]!
            tau = values["timeCourse"] ?? .const(0)
        }
        let power = { (e: IRExpr) in ChannelLowering.power(e, instances) }
        let read = locals.reduce(into: Set<String>()) { $0.formUnion($1.value.refs) }
        let lagged = ["alpha", "beta"].filter { read.contains("\(prefix)_\($0)Last") }.map {
            IRState(name: "\(prefix)_\($0)Last", initial: .ref("\(prefix)_\($0)"), update: .assign(.ref("\(prefix)_\($0)")))
        }
        let infRef = local("inf", inf)
        let fcond = "\(gid)_fcond"
        if kind == "gateHHInstantaneous" || instantaneous {
            return Gate(locals: locals, states: [
                IRState(name: gid, initial: infRef, update: .instantaneous(value: "\(prefix)_inf")),
                IRState(name: fcond, initial: power(infRef), update: .assign(power(infRef))),
            ] + lagged)
        }
        _ = local("tau", rateScale == .const(1) ? tau : .binary(.div, tau, local("rateScale", rateScale)))
        return Gate(locals: locals, states: [
            IRState(name: gid, initial: infRef, update: .exponential(inf: "\(prefix)_inf", tau: "\(prefix)_tau")),
            IRState(name: fcond, initial: .const(0), update: .assign(power(.ref(gid)))),
        ] + lagged)
    }

    /// factor^((T - t0)/10 K), T the present temperature (K).
    static func q10ExpTemp(_ factor: Double, _ t0: Double) -> IRExpr {
        .binary(.pow, .const(factor), .binary(.div, .binary(.sub, .ref("temperature"), .const(t0)), .const(10)))
    }

    /// q10ExpTemp: q10Factor^((T - experimentalTemp)/10 K); q10Fixed: fixedQ10.
    static func lowerQ10(_ q: Element, ctx: Context) -> IRExpr? {
        switch q["type"] {
        case "q10ExpTemp":
            ctx.checkAttributes(q, required: ["type", "q10Factor", "experimentalTemp"])
            guard let f = ctx.number(q, "q10Factor"), let t0 = ctx.quantity(q, "experimentalTemp", .temperature, bound: .aboveAbsoluteZero) else { return nil }
            return q10ExpTemp(f, t0)
        case "q10Fixed":
            ctx.checkAttributes(q, required: ["type", "fixedQ10"], optional: ["experimentalTemp"])
            return ctx.number(q, "fixedQ10").map { .const($0) }
        default:
            ctx.error("BRC-E0103", "not supported yet: q10Settings type '\(q["type"] ?? "")'", at: q.attribute("type")?.location ?? q.location,
                      hint: "use type=\"q10ExpTemp\" or type=\"q10Fixed\"")
            return nil
        }
    }
}

/// The standard rate, variable and time-course types of NeuroML (Channels.xml) and custom
/// ComponentTypes that extend their bases.
enum RateLowering {
    static func lower(_ c: Element, role: String, prefix: String, extra: [String: Binding] = [:], ctx: Context) -> ([IRAssignment], IRExpr)? {
        guard let type = c["type"] else {
            ctx.error("BRC-E0102", "<\(c.name)> is missing the required attribute 'type'", at: c.location,
                      hint: "e.g. type=\"HHExpRate\" with rate, midpoint and scale")
            return nil
        }
        let v = IRExpr.ref("v")
        func standard(_ rateDim: Dimension) -> (Double, Double, Double)? {
            ctx.checkAttributes(c, required: ["type", "rate", "midpoint", "scale"])
            guard let r = ctx.quantity(c, "rate", rateDim, bound: .nonNegative), let m = ctx.quantity(c, "midpoint", .voltage),
                  let s = ctx.quantity(c, "scale", .voltage) else { return nil }
            if s == 0 {
                ctx.error("BRC-E0116", "scale of <\(c.name) type=\"\(type)\"> is zero", at: c.attribute("scale")!.location, hint: "the scale divides (v - midpoint); give it a non-zero voltage")
                return nil
            }
            return (r, m, s)
        }
        let expectedDim: Dimension = role == "timeCourse" ? .time : (role == "steadyState" ? .none : .perTime)
        let rateDim = expectedDim
        let x = { (m: Double, s: Double) -> IRExpr in .binary(.div, .binary(.sub, v, .const(m)), .const(s)) }
        switch type {
        case "HHExpRate", "HHExpVariable":
            guard type.hasSuffix("Rate") == (role != "steadyState") else { return mismatch(c, type, role, ctx) }
            guard let (r, m, s) = standard(rateDim) else { return nil }
            return ([], .binary(.mul, .const(r), .call("exp", [x(m, s)])))
        case "HHSigmoidRate", "HHSigmoidVariable":
            guard type.hasSuffix("Rate") == (role != "steadyState") else { return mismatch(c, type, role, ctx) }
            guard let (r, m, s) = standard(rateDim) else { return nil }
            return ([], .binary(.div, .const(r), .binary(.add, .const(1), .call("exp", [.binary(.div, .binary(.sub, .const(m), v), .const(s))]))))
        case "HHExpLinearRate", "HHExpLinearVariable":
            guard type.hasSuffix("Rate") == (role != "steadyState") else { return mismatch(c, type, role, ctx) }
            guard let (r, m, s) = standard(rateDim) else { return nil }
            // r x / (1 - exp(-x)), with its limit r at x = 0 (as jNeuroML's NEURON export writes it).
            let xl = IRAssignment("\(prefix)_x", x(m, s))
            let xr = IRExpr.ref(xl.name)
            let value = IRExpr.select(.binary(.ne, xr, .const(0)),
                                      .binary(.div, .binary(.mul, .const(r), xr), .binary(.sub, .const(1), .call("exp", [.neg(xr)]))),
                                      .const(r))
            return ([xl], value)
        case "fixedTimeCourse":
            guard role == "timeCourse" else { return mismatch(c, type, role, ctx) }
            ctx.checkAttributes(c, required: ["type", "tau"])
            return ctx.quantity(c, "tau", .time, bound: .nonNegative).map { ([], .const($0)) }
        default:
            if ctx.typeErrorsReported(type) { return nil }
            guard let def = ctx.componentTypes[type] else {
                ctx.error("BRC-E0107", "unknown \(role) type '\(type)'", at: c.attribute("type")!.location,
                          hint: "use HHExpRate, HHSigmoidRate, HHExpLinearRate (rates), HHSigmoidVariable, HHExpVariable, HHExpLinearVariable (steady states), fixedTimeCourse, or define a ComponentType named '\(type)'")
                return nil
            }
            let want = role == "timeCourse" ? "baseVoltageDepTime" : (role == "steadyState" ? "baseVoltageDepVariable" : "baseVoltageDepRate")
            let base = def.rootBase(in: ctx)
            // The concentration-dependent variant (baseVoltageConcDepRate, ...) reads caConc too.
            guard base == want || base == want.replacingOccurrences(of: "VoltageDep", with: "VoltageConcDep") else {
                ctx.error("BRC-E0108", "ComponentType '\(type)' extends \(base), but a <\(role)> needs one extending \(want)", at: c.attribute("type")!.location,
                          hint: "declare it with extends=\"\(want)\"")
                return nil
            }
            return def.instantiate(c, prefix: prefix, extra: extra, ctx: ctx).map { ($0.locals, $0.exposure) }
        }
    }

    private static func mismatch(_ c: Element, _ type: String, _ role: String, _ ctx: Context) -> ([IRAssignment], IRExpr)? {
        ctx.error("BRC-E0108", "type '\(type)' cannot be used as <\(role)>", at: c.attribute("type")!.location,
                  hint: role == "steadyState" ? "steady states use the *Variable types" : "rates use the *Rate types; time courses use fixedTimeCourse or a custom type")
        return nil
    }
}
