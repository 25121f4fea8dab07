import BRCIR
import BRCSyntax

/// The model's mechanisms as the cells that place them are lowered: each channel, concentration
/// model and channel variant is lowered on first use, once, and appended; a failed one is
/// rejected (its errors are reported once) and gives nil from then on. The cell lowerings take
/// its methods as their `mechanismIndex`, `poolIndex`, ... arguments.
final class MechanismTable {
    let ctx: Context
    /// The mechanisms so far, in the order they were first used (the IR's order).
    private(set) var mechanisms: [IRMechanism] = []
    private var channels: [String: Int] = [:]
    private var pools: [String: (Int, [Double])] = [:]
    private var variants: [String: Int] = [:]
    private var failed: Set<String> = []

    init(ctx: Context) { self.ctx = ctx }

    /// Ion channel `id`, named by `ref`.
    func mechanism(_ id: String, _ ref: Attribute) -> Int? {
        if let i = channels[id] { return i }
        if failed.contains(id) { return nil }
        guard let el = ctx.lookup(ref, expecting: ChannelLowering.channelKinds, what: "ion channel") else { return nil }
        guard let m = ChannelLowering.lower(el, ctx: ctx), Resources.kernelFits(m.kernelOperations, "<\(el.name) id=\"\(id)\">", at: el, ctx: ctx) else {
            failed.insert(id); ctx.rejected.insert(id); return nil
        }
        channels[id] = mechanisms.count
        mechanisms.append(m)
        return channels[id]
    }

    /// The concentration model `ref` names, and its values.
    func pool(_ ref: Attribute) -> (mechanism: Int, values: [Double])? {
        if let p = pools[ref.value] { return p }
        if failed.contains(ref.value) { return nil }
        guard let el = ctx.lookup(ref, expecting: PoolLowering.kinds.union([LEMSPoolLowering.base]), what: "concentration model") else { return nil }
        guard let (m, values) = LEMSPoolLowering.typeName(of: el) == nil ? PoolLowering.lower(el, ctx: ctx) : LEMSPoolLowering.lower(el, ctx: ctx),
              Resources.kernelFits(m.kernelOperations, "<\(el.name) id=\"\(ref.value)\">", at: el, ctx: ctx) else { failed.insert(ref.value); ctx.rejected.insert(ref.value); return nil }
        pools[ref.value] = (mechanisms.count, values)
        mechanisms.append(m)
        return pools[ref.value]
    }

    /// A variant of the channel `ref` names, made by `make`, once per `key`.
    private func derived(_ key: String, _ ref: Attribute, _ make: (IRMechanism) -> IRMechanism) -> Int? {
        if let i = variants[key] { return i }
        guard let base = mechanism(ref.value, ref) else { return nil }
        variants[key] = mechanisms.count
        mechanisms.append(make(mechanisms[base]))
        return variants[key]
    }

    /// A channel placed by channelDensityGHK, channelDensityGHK2 or channelDensityNernst: the
    /// channel with a GHK current, or with the Nernst potential of the pool's concentration.
    func variant(_ kind: String, _ ion: String, _ ref: Attribute) -> Int? {
        derived(kind + " " + ion + " " + ref.value, ref) { PoolLowering.variant(kind, of: $0, ion: ion) }
    }

    /// A channel placed by channelDensityVShift: its rates' vShift set (nil if they read none).
    func shifted(_ ref: Attribute, _ vShift: Double) -> Int? {
        guard let base = mechanism(ref.value, ref), ChannelLowering.readsDensityShift(mechanisms[base]) else { return nil }
        return derived("vShift \(vShift) " + ref.value, ref) { ChannelLowering.shifted($0, by: vShift) }
    }

    /// A channel of a pointCellCondBased: its current held from the last state update.
    func held(_ id: String, _ ref: Attribute) -> Int? {
        derived("held " + id, ref, PointCellLowering.heldCurrent)
    }

    /// A fixed calcium concentration (a LEMS cell's Parameter caConc, NEURON's default where a
    /// cell has no pool): one mechanism.
    func fixedCalcium() -> Int {
        if let i = variants["fixed ca"] { return i }
        variants["fixed ca"] = mechanisms.count
        mechanisms.append(PoolLowering.fixed(ion: "ca"))
        return mechanisms.count - 1
    }

    /// Lowers the channels of `doc` that no cell used, so that their errors are reported too.
    func checkUnused(_ doc: Document) {
        for el in doc.elements where ChannelLowering.channelKinds.contains(el.name) {
            if let id = el.id, channels[id] == nil, let a = el.attribute("id") { _ = mechanism(id, a) }
        }
    }
}
