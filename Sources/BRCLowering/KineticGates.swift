import BRCDiagnostics
import BRCIR
import BRCSyntax

/// NeuroML's `gateKS`: a kinetic scheme of closed and open states linked by transitions.
///
/// - One closed and one open state: the transitions add up to an opening rate alpha and a
///   closing rate beta, and the open occupancy is exactly an HH gate (inf = alpha/(alpha+beta),
///   tau = 1/(alpha+beta), integrated exactly; the closed occupancy is 1 - open).
/// - Any other scheme (up to `ChannelLowering.maxKineticStates` states): the occupancies advance together by one
///   implicit (backward) Euler step at the step's potential, as NEURON integrates the KINETIC
///   block jNeuroML exports (`METHOD sparse`: one Newton step of implicit Euler, exact for a
///   linear scheme), with the equation of the last state replaced by the conservation
///   Σ occupancies = 1 (the export's `CONSERVE`). They start at the steady state at the initial
///   potential (`SOLVE ... STEADYSTATE sparse`). Both solves are written out by `LinearSolve`.
///
/// q (recorded as `<gate>/q`) is the summed occupancy of the open states and
/// `fcond = q^instances` is computed from the occupancies after the step's update, from the
/// steady state at the start: unlike an HH gate's, it does not lag a step, because NEURON
/// evaluates the KINETIC block (and the `rates()` it calls, which sets fcond) again once the
/// occupancies are solved (measured: with a lag the spikes of the Tests' five-state scheme
/// drift 0.7 ms from NEURON's in 150 ms, without it they agree to 1e-6 ms).
extension ChannelLowering {
    /// Schemes with more states are refused: the straight-line solve grows as n³ in the worst case.
    static let maxKineticStates = 20

    /// One transition between states `from` and `to` (indices): the forward rate rf moves
    /// occupancy from `from` to `to`, the reverse rate rr back. A constant 0 is no transition.
    struct KineticTransition { var from: Int; var to: Int; var rf: IRExpr; var rr: IRExpr }

    static func lowerKineticGate(_ g: Element, scope: [String: Binding] = [:], ctx: Context) -> Gate? {
        guard let (gid, instances) = gateHead(g, ctx: ctx) else { return nil }
        var states: [(id: String, open: Bool)] = []
        var transitionElements: [Element] = []
        for c in g.children where !c.isMetadata {
            switch c.name {
            case "openState", "closedState":
                ctx.checkAttributes(c, required: ["id"])
                guard let i = c.id else { return nil }
                guard !states.contains(where: { $0.id == i }) else {
                    ctx.error("BRC-E0123", "gate '\(gid)' has two states with id '\(i)'", at: c.location, hint: "give each state of the scheme its own id")
                    return nil
                }
                states.append((i, c.name == "openState"))
            case "forwardTransition", "reverseTransition", "tauInfTransition", "vHalfTransition": transitionElements.append(c)
            case "q10Settings":
                // NeuroML's gateKS exposes its q10Settings' product as rateScale, but its
                // transitions' rates do not read it.
                guard lowerQ10(c, ctx: ctx) != nil else { return nil }
                ctx.warning("BRC-W0135", "<q10Settings> in <gateKS id=\"\(gid)\"> has no effect: NeuroML's gateKS exposes its factor as rateScale but its transitions' rates do not use it (jLEMS and jNeuroML's NEURON export ignore it, and so does brcc)",
                            at: c.location, hint: "remove it, or scale the transitions' rates for the temperature")
            default:
                ctx.unsupported(c, in: "gateKS id=\"\(gid)\"", supported: ["closedState", "openState", "forwardTransition", "reverseTransition", "tauInfTransition", "vHalfTransition", "q10Settings"])
                return nil
            }
        }
        guard states.count >= 2, states.count <= maxKineticStates else {
            ctx.error(states.count < 2 ? "BRC-E0115" : "BRC-E0103",
                      states.count < 2 ? "gateKS '\(gid)' has \(states.count) state(s); a kinetic scheme needs at least two"
                          : "not supported yet: a gateKS with \(states.count) states (brcc compiles up to \(maxKineticStates))",
                      at: g.location, hint: states.count < 2 ? "add <closedState id=...> and <openState id=...>" : "split the scheme or lump states")
            return nil
        }
        var locals: [IRAssignment] = []
        var transitions: [KineticTransition] = []
        for (k, t) in transitionElements.enumerated() {
            guard let tr = lowerTransition(t, prefix: "\(gid)_t\(k)", gate: gid, states: states.map(\.id), locals: &locals, scope: scope, ctx: ctx) else { return nil }
            transitions.append(tr)
        }
        let power = { (e: IRExpr) in ChannelLowering.power(e, instances) }
        guard let solved = KineticSchemeLowering.solve(gate: gid, states: states.map(\.id), transitions, element: g, ctx: ctx) else { return nil }
        locals += solved.locals
        let openSum = { (x: [IRExpr]) -> IRExpr in
            let open = states.indices.filter { states[$0].open }.map { x[$0] }
            return open.dropFirst().reduce(open.first ?? .const(0)) { .binary(.add, $0, $1) }
        }
        let occupancies = states.indices.map {
            IRState(name: "\(gid)_\(states[$0].id)", initial: solved.steady[$0], update: .assign(solved.step[$0]))
        }
        return Gate(locals: locals, states: [
            IRState(name: gid, initial: openSum(solved.steady), update: .assign(openSum(solved.step))),
            IRState(name: "\(gid)_fcond", initial: power(openSum(solved.steady)), update: .assign(power(openSum(solved.step)))),
        ] + occupancies)
    }

    /// A transition's states and its forward and reverse rates (Channels.xml's KSTransition
    /// types); the rate types' locals are appended to `locals`.
    static func lowerTransition(_ t: Element, prefix: String, gate gid: String, states: [String], locals: inout [IRAssignment], scope: [String: Binding], ctx: Context) -> KineticTransition? {
        ctx.checkAttributes(t, required: ["from", "to"] + (t.name == "vHalfTransition" ? ["vHalf", "z", "gamma", "tau", "tauMin"] : []), optional: ["id"])
        guard let fromId = t["from"], let toId = t["to"] else { return nil }
        guard let from = states.firstIndex(of: fromId), let to = states.firstIndex(of: toId), from != to else {
            ctx.error("BRC-E0107", "transition from '\(fromId)' to '\(toId)': both must be states of gate '\(gid)', and different", at: t.location,
                      hint: "states: \(states.joined(separator: ", "))")
            return nil
        }
        var rf: IRExpr = .const(0), rr: IRExpr = .const(0)
        switch t.name {
        case "forwardTransition", "reverseTransition":
            for c in t.children where !c.isMetadata && c.name != "rate" {
                ctx.unsupported(c, in: t.name, supported: ["rate"])
                return nil
            }
            let rates = t.children.filter { $0.name == "rate" }
            guard rates.count == 1 else {
                ctx.error("BRC-E0115", "<\(t.name)> needs one <rate type=...>", at: t.location, hint: "add <rate type=\"HHExpRate\" rate=... midpoint=... scale=.../>")
                return nil
            }
            guard let (ls, value) = RateLowering.lower(rates[0], role: t.name == "forwardTransition" ? "forwardRate" : "reverseRate", prefix: prefix, extra: scope, ctx: ctx) else { return nil }
            locals += ls
            if t.name == "forwardTransition" { rf = value } else { rr = value }
        case "tauInfTransition":
            var values: [String: IRExpr] = [:]
            for c in t.children where !c.isMetadata {
                guard ["steadyState", "timeCourse"].contains(c.name) else {
                    ctx.unsupported(c, in: t.name, supported: ["steadyState", "timeCourse"])
                    return nil
                }
                guard values[c.name] == nil else {
                    ctx.error("BRC-E0119", "<tauInfTransition id=\"\(t.id ?? "")\"> has a second <\(c.name)>", at: c.location, hint: "a transition takes one <\(c.name)>; remove the other")
                    return nil
                }
                guard let (ls, value) = RateLowering.lower(c, role: c.name, prefix: "\(prefix)_\(c.name)", extra: scope, ctx: ctx) else { return nil }
                locals += ls
                values[c.name] = value
            }
            guard let inf = values["steadyState"], let tau = values["timeCourse"] else {
                ctx.error("BRC-E0115", "<tauInfTransition> needs a <steadyState> and a <timeCourse>", at: t.location, hint: "add both")
                return nil
            }
            rf = .binary(.div, inf, tau)
            rr = .binary(.div, .binary(.sub, .const(1), inf), tau)
        default:  // vHalfTransition (Channels.xml): rates bounded by tauMin
            guard let vh = ctx.quantity(t, "vHalf", .voltage), let z = ctx.number(t, "z"), let gamma = ctx.number(t, "gamma"),
                  let tau = ctx.quantity(t, "tau", .time, bound: .positive), let tauMin = ctx.quantity(t, "tauMin", .time, bound: .nonNegative) else { return nil }
            let kte = 25.3  // mV
            let x = IRExpr.binary(.sub, .ref("v"), .const(vh))
            let rf0 = IRExpr.binary(.div, .call("exp", [.binary(.div, .binary(.mul, .const(z * gamma), x), .const(kte))]), .const(tau))
            let rr0 = IRExpr.binary(.div, .call("exp", [.binary(.div, .binary(.mul, .const(-z * (1 - gamma)), x), .const(kte))]), .const(tau))
            rf = .binary(.div, .const(1), .binary(.add, .binary(.div, .const(1), rf0), .const(tauMin)))
            rr = .binary(.div, .const(1), .binary(.add, .binary(.div, .const(1), rr0), .const(tauMin)))
        }
        return KineticTransition(from: from, to: to, rf: rf, rr: rr)
    }
}

/// The two linear solves of a kinetic scheme with occupancies p and generator Q
/// (dp/dt = Q p): the implicit Euler step (I − dt·Q) p' = p and the steady state Q p = 0, each
/// with the last state's equation replaced by Σ p = 1.
enum KineticSchemeLowering {
    struct Solved { var locals: [IRAssignment]; var steady: [IRExpr]; var step: [IRExpr] }

    /// `gid` prefixes the locals (and names the scheme in diagnostics); `current` gives the
    /// occupancies before the step (default: the states `<gid>_<state>` of a gateKS). Without
    /// `steadyState` only the step is solved (`steady` is empty) and the scheme need not be
    /// connected: its occupancies start where the caller says.
    static func solve(gate gid: String, states: [String], _ transitions: [ChannelLowering.KineticTransition], current: [IRExpr]? = nil,
                      steadyState: Bool = true, element: Element, ctx: Context) -> Solved? {
        let n = states.count
        // Rates as locals (each is read by several matrix entries); constant zeros are no rate.
        var locals: [IRAssignment] = []
        var out = [[IRExpr]](repeating: [], count: n)
        var into = [[[IRExpr]]](repeating: [[IRExpr]](repeating: [], count: n), count: n)  // into[i][j]: rates j -> i
        for (k, t) in transitions.enumerated() {
            for (rate, name, src, dst) in [(t.rf, "rf", t.from, t.to), (t.rr, "rr", t.to, t.from)] where rate != .const(0) {
                let local = "\(gid)_t\(k)_\(name)"
                locals.append(IRAssignment(local, rate))
                out[src].append(.ref(local))
                into[dst][src].append(.ref(local))
            }
        }
        func sum(_ terms: [IRExpr]) -> IRExpr? { terms.isEmpty ? nil : terms.dropFirst().reduce(terms[0]) { .binary(.add, $0, $1) } }
        let dt = IRExpr.ref("dt")
        let ones = [IRExpr?](repeating: .const(1), count: n)
        // One step: rows of I - dt Q, then the conservation row; the right side the occupancies before the step.
        var stepA: [[IRExpr?]] = (0..<(n - 1)).map { i in
            (0..<n).map { j in
                i == j ? sum(out[i]).map { .binary(.add, .const(1), .binary(.mul, dt, $0)) } ?? .const(1)
                    : sum(into[i][j]).map { .neg(.binary(.mul, dt, $0)) }
            }
        }
        stepA.append(ones)
        let before = current ?? states.map { .ref("\(gid)_\($0)") }
        let stepB = (0..<(n - 1)).map { IRExpr?.some(before[$0]) } + [.const(1)]
        let step = LinearSolve.solve(stepA, stepB, prefix: "\(gid)_ie")
        guard steadyState else { return Solved(locals: locals + step.locals, steady: [], step: step.x) }
        // The scheme must be connected: else Σ p = 1 does not determine its steady state.
        var reached: Set<Int> = [0], frontier = [0]
        while let i = frontier.popLast() {
            for j in 0..<n where !reached.contains(j) && (!into[i][j].isEmpty || !into[j][i].isEmpty) {
                reached.insert(j); frontier.append(j)
            }
        }
        if reached.count < n {
            let lost = states.indices.filter { !reached.contains($0) }.map { states[$0] }
            ctx.error("BRC-E0126", "gate '\(gid)': no transition links state(s) \(lost.joined(separator: ", ")) to '\(states[0])', so the scheme has no unique steady state", at: element.location,
                      hint: "connect every state to the others by transitions")
            return nil
        }
        // Every state but the last needs a way out: else a pivot of the steady state vanishes.
        if let stuck = (0..<(n - 1)).first(where: { out[$0].isEmpty }) {
            ctx.error("BRC-E0126", "state '\(states[stuck])' of gate '\(gid)' has no transition out of it (an absorbing state): brcc solves for the steady state only with such a state listed last", at: element.location,
                      hint: "list '\(states[stuck])' as the gate's last state, or add a transition (or a reverse rate) leaving it")
            return nil
        }
        // Steady state: rows of -Q, then the conservation row.
        var steadyA: [[IRExpr?]] = (0..<(n - 1)).map { i in
            (0..<n).map { j in i == j ? sum(out[i]) : sum(into[i][j]).map { .neg($0) } }
        }
        steadyA.append(ones)
        let steadyB = [IRExpr?](repeating: nil, count: n - 1) + [.const(1)]
        let steady = LinearSolve.solve(steadyA, steadyB, prefix: "\(gid)_ss")
        return Solved(locals: locals + steady.locals + step.locals, steady: steady.x, step: step.x)
    }
}
