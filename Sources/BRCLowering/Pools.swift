import BRCDiagnostics
import BRCIR
import BRCSyntax
import BRCUnits

/// Lowers the core library's concentration models (`decayingPoolConcentrationModel`,
/// `fixedFactorConcentrationModel`, `fixedFactorConcentrationModelTraub`, Cells.xml) to a
/// pool mechanism: one state, the ion's
/// internal concentration (mM) at each node of the species' segment group, driven by the
/// node's current of that ion (nA) and decaying to `restingConc`:
///
///     decaying:    dC/dt = iX / (z F shellVolume) - (C - restingConc) / decayConstant
///     fixedFactor: dC/dt = iX / area * rho        - (C - restingConc) / decayConstant
///     Traub:       dC/dt = iX / area * 1e-9 phi   - (C - restingConc) beta
///
/// (Traub's is fixedFactor with rho = 1e-9 phi and decayConstant = 1/beta, as its core type
/// writes it; the 1e-9 is a pure number);
///
/// with iX = -(the node's current of the model's ion X), inward positive, z the ion's valence
/// (the core types are written for calcium, `iCa` and z = 2; for another ion brcc uses its
/// own valence, as NEURON's ion does), and shellVolume the shell of thickness shellThickness
/// inside the sphere of the node's membrane area (the core type's effectiveRadius). The equation is linear in C, so it is integrated exactly with iCa frozen
/// over the step, as the NEURON reference runs jNeuroML's export (docs/numerics.md).
/// Parameters per placement: restingConc, decayConstant, the model's own, and the species'
/// initialConcentration and initialExtConcentration (the external concentration, which these
/// models hold fixed: the equations do not read it, the recorded `extConcentration` does).
enum PoolLowering {
    static let kinds: Set<String> = ["decayingPoolConcentrationModel", "fixedFactorConcentrationModel", "fixedFactorConcentrationModelTraub"]

    /// The ions brcc has pools, Nernst potentials and valences for (`IRMechanism.ionValence`).
    static let valence = IRMechanism.ionValence

    /// The name under which a pool's equations read the node's inward current of `ion`: the
    /// core types' `iCa` for calcium, `iCa2`, `iNa`, `iK`, ... for the others.
    static func inwardCurrentName(_ ion: String) -> String { "i" + ion.prefix(1).uppercased() + ion.dropFirst() }

    /// The supported ions, for hints.
    static var ionList: String { valence.keys.sorted().map { "\"\($0)\"" }.joined(separator: ", ") }

    /// The mechanism and its parameter values (without initialConcentration and
    /// initialExtConcentration, appended per species) for a concentration model element.
    static func lower(_ el: Element, ctx: Context) -> (IRMechanism, [Double])? {
        let id = el.id ?? "?"
        let decaying = el.name == "decayingPoolConcentrationModel", traub = el.name == "fixedFactorConcentrationModelTraub"
        let own = decaying ? ["decayConstant", "shellThickness"] : (traub ? ["beta", "phi"] : ["decayConstant", "rho"])
        ctx.checkAttributes(el, required: ["id", "ion", "restingConc"] + own, optional: ["neuroLexId"] + (traub ? ["species"] : []))
        guard let ion = el["ion"], let rest = ctx.quantity(el, "restingConc", .concentration, bound: .nonNegative) else { return nil }
        let rho = Dimension(l: -1, t: -1, i: -1, n: 1)
        let decay: Double, third: Double
        if traub {
            guard let beta = ctx.quantity(el, "beta", .perTime, bound: .positive), let phi = ctx.quantity(el, "phi", rho) else { return nil }
            (decay, third) = (1 / beta, 1e-9 * phi)
        } else {
            guard let d = ctx.quantity(el, "decayConstant", .time, bound: .positive),
                  let t = decaying ? ctx.quantity(el, "shellThickness", .length, bound: .positive) : ctx.quantity(el, "rho", rho) else { return nil }
            (decay, third) = (d, t)
        }
        guard let z = valence[ion] else {
            ctx.error("BRC-E0103", "not supported yet: a concentration model of ion '\(ion)' (brcc knows the valence of \(ionList))", at: el.attribute("ion")!.location,
                      hint: "use one of ion=\(ionList)")
            return nil
        }
        let r = IRExpr.ref, c = IRExpr.const
        func mul(_ a: IRExpr, _ b: IRExpr) -> IRExpr { .binary(.mul, a, b) }
        func div(_ a: IRExpr, _ b: IRExpr) -> IRExpr { .binary(.div, a, b) }
        func sub(_ a: IRExpr, _ b: IRExpr) -> IRExpr { .binary(.sub, a, b) }
        // The inward current: the core type's `iCa` for calcium, `iCa2`, `iNa`, `iK`, ... for others.
        let inward = inwardCurrentName(ion)
        var locals = [IRAssignment(inward, .neg(r(IRMechanism.ionCurrentName(ion))))]
        let influx: IRExpr
        if decaying {
            // The core type's constants: Faraday 96485.3 C/mol, pi as 3.14159.
            let faraday = 96485.3 / Dimension(t: 1, i: 1, n: -1).internalScale
            locals.append(IRAssignment("effectiveRadius", .call("sqrt", [div(r("area"), mul(c(4), c(3.14159)))])))
            locals.append(IRAssignment("innerRadius", sub(r("effectiveRadius"), r("shellThickness"))))
            let cube = { (x: String) in mul(mul(r(x), r(x)), r(x)) }
            locals.append(IRAssignment("shellVolume", sub(div(mul(mul(c(4), cube("effectiveRadius")), c(3.14159)), c(3)),
                                                           div(mul(mul(c(4), cube("innerRadius")), c(3.14159)), c(3)))))
            influx = div(r(inward), mul(mul(c(z), c(faraday)), r("shellVolume")))
        } else {
            influx = mul(div(r(inward), r("area")), r("rho"))
        }
        let a = IRExpr.binary(.add, influx, div(r("restingConc"), r("decayConstant")))
        let b = IRExpr.neg(div(c(1), r("decayConstant")))
        var m = IRMechanism(name: id, origin: "<\(el.name) id=\"\(id)\"> at \(el.location.shortDescription)",
                            parameters: ["restingConc", "decayConstant", decaying ? "shellThickness" : "rho", "initialConcentration", "initialExtConcentration"],
                            locals: locals,
                            states: [IRState(name: "concentration", initial: r("initialConcentration"), update: .linear(a: a, b: b))],
                            conductance: c(0), reversal: c(0))
        m.pool = ion
        return (m, [rest, decay, third])
    }

    /// NEURON's default internal calcium concentration in mM (`cai0_ca_ion`): what a mechanism
    /// reading `cai` sees in a section where nothing writes it.
    static let neuronDefaultCalcium = 5e-5

    /// A concentration that stays at the value its cell gives: pyNeuroML's channel test cells
    /// (`vClampedCell`, `vClampedRampCell`) have a Parameter `caConc`, which jLEMS hands to
    /// the channels' Ca-dependent rates through their `caConc` Requirement. A pool of `ion`
    /// whose one state starts at the parameter `fixedConcentration` and is never updated.
    static func fixed(ion: String) -> IRMechanism {
        var m = IRMechanism(name: "fixed_\(ion)_concentration", origin: "a fixed \(ion) concentration (a LEMS cell's Parameter \(ion)Conc, or NEURON's default where a cell has no pool)",
                            parameters: ["fixedConcentration"], locals: [],
                            states: [IRState(name: "concentration", initial: .ref("fixedConcentration"), update: .none)],
                            conductance: .const(0), reversal: .const(0))
        m.pool = ion
        return m
    }

    /// `channel` placed by a `channelDensityNernst` for `ion` (one of `valence`'s): parameters
    /// gmax, erev (unused) and the external concentration (`cao`, `ko`, ...); the reversal is
    /// the Nernst potential of the pool's concentration, as NEURON's ion computes `eca`, `ek`,
    /// ... at the start of each step's current phase once a mechanism writes `cai`, `ki`, ...:
    /// (R T / zF) ln(co / ci) with NEURON's CODATA 2018 constants (its `nrn_nernst`, 1e6 mV for
    /// ci <= 0).
    static func nernst(_ channel: IRMechanism, ion: String) -> IRMechanism {
        var m = channel
        m.origin = channel.origin + " (channelDensityNernst)"
        let outside = ion + "o"
        m.parameters = ["gmax", "erev", outside]
        m.ion = ion
        let faraday = 96485.33212331001 / Dimension(t: 1, i: 1, n: -1).internalScale
        let gas = 8.3144626181532395 / Dimension(m: 1, l: 2, t: -2, k: -1, n: -1).internalScale
        let c = IRExpr.const, r = IRExpr.ref, cai = r(IRMechanism.ionConcentrationName(ion))
        let ktf = IRExpr.binary(.div, .binary(.mul, c(gas), r("temperature")), c(faraday))
        guard let z = valence[ion] else { preconditionFailure("Nernst potential of '\(ion)', an ion without a valence: its channelDensityNernst was checked against `valence`") }
        let e = IRExpr.binary(.mul, .binary(.div, ktf, c(z)), .call("log", [.binary(.div, r(outside), cai)]))
        m.reversal = .select(.binary(.le, cai, c(0)), c(1e6), e)
        m.current = ChannelLowering.instantaneousCurrent(m)
        return m
    }

    /// The channel `channel` as the density element `kind` places it (for `ion`).
    static func variant(_ kind: String, of channel: IRMechanism, ion: String) -> IRMechanism {
        switch kind {
        case "channelDensityGHK": return ghk(channel)
        case "channelDensityGHK2": return ghk2(channel)
        default: return nernst(channel, ion: ion)
        }
    }

    /// `channel` placed by a `channelDensityGHK`: parameters gmax (the permeability, um/ms),
    /// erev (unused) and cao (mM, the species' external concentration); the calcium current
    /// density as jNeuroML's NEURON export computes it (`ghk()` of its mod files):
    ///
    ///     i = permeability fopen 2 F (cai efun(-z) - cao efun(z)),  z = 2 F v / (R T),
    ///     efun(z) = 1 - z/2 for |z| < 1e-4, else z / (exp(z) - 1)
    ///
    /// with F = 96485.3 C/mol (the export's) and R = k N_A (NEURON's units since 8.0).
    static func ghk(_ channel: IRMechanism) -> IRMechanism {
        var m = channel
        m.origin = channel.origin + " (channelDensityGHK)"
        m.parameters = ["gmax", "erev", "cao"]
        m.ion = "ca"
        let faraday = 96485.3 / Dimension(t: 1, i: 1, n: -1).internalScale
        let gas = 1.380649e-23 * 6.02214076e23 / Dimension(m: 1, l: 2, t: -2, k: -1, n: -1).internalScale
        let c = IRExpr.const, r = IRExpr.ref
        let z = IRExpr.binary(.div, .binary(.mul, c(2 * faraday), r("v")), .binary(.mul, c(gas), r("temperature")))
        let inside = IRExpr.binary(.mul, r(IRMechanism.ionConcentrationName("ca")), efun(.neg(z)))
        let outside = IRExpr.binary(.mul, r("cao"), efun(z))
        m.current = .binary(.mul, .binary(.mul, channel.conductance, c(2 * faraday)), .binary(.sub, inside, outside))
        return m
    }

    /// `channel` placed by a `channelDensityGHK2` (Jaffe et al. 1994's form): parameters gmax
    /// (the conductance density condDensity, uS/um2), erev (unused) and cao (mM); the calcium
    /// current density as jNeuroML's NEURON export computes it (`ghk2()` of its mod files):
    ///
    ///     i = condDensity fopen ghk2,  ghk2 = -f (1 - (cai / cao) exp(v / f)) efun(v / f),
    ///     f = (25 mV / 293.15 K) T / 2
    ///
    /// (outward positive; the core type's iDensity is the same inward, with efun's limit taken
    /// only at exactly 0). Where cao is not positive the current is 0, as the core type says.
    static func ghk2(_ channel: IRMechanism) -> IRMechanism {
        var m = channel
        m.origin = channel.origin + " (channelDensityGHK2)"
        m.parameters = ["gmax", "erev", "cao"]
        m.ion = "ca"
        let c = IRExpr.const, r = IRExpr.ref
        let f = IRExpr.binary(.mul, c(25.0 / 293.15 / 2), r("temperature"))
        let nu = IRExpr.binary(.div, r("v"), f)
        let ratio = IRExpr.binary(.div, r(IRMechanism.ionConcentrationName("ca")), r("cao"))
        let drive = IRExpr.binary(.mul, .neg(f), .binary(.mul, .binary(.sub, c(1), .binary(.mul, ratio, .call("exp", [nu]))), efun(nu)))
        m.current = .select(.binary(.gt, r("cao"), c(0)), .binary(.mul, channel.conductance, drive), c(0))
        return m
    }

    /// NEURON's `efun` of the exported GHK functions: z / (exp(z) - 1), 1 - z/2 near 0.
    static func efun(_ x: IRExpr) -> IRExpr {
        .select(.binary(.lt, .call("abs", [x]), .const(1e-4)), .binary(.sub, .const(1), .binary(.div, x, .const(2))),
                .binary(.div, x, .binary(.sub, .call("exp", [x]), .const(1))))
    }
}
