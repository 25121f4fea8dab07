import BRCDiagnostics
import BRCIR
import BRCSyntax
import BRCUnits

/// A channel density that varies over the cell (`channelDensityNonUniform`, `...Nernst`,
/// `...GHK`): its `<variableParameter>` names a segment group and an `<inhomogeneousValue>`
/// whose `value` is an expression of an inhomogeneousParameter's variable (a path length in
/// um), giving the density in SI units, as jNeuroML's NEURON export evaluates it per
/// compartment.
struct DensityProfile {
    var parameter: Morphology.InhomogeneousParameter
    /// The `value` attribute and its expression, lowered with the variable as a reference.
    var value: Attribute
    var expression: IRExpr
    /// The density's dimension (conductance density or permeability): the SI value is divided
    /// by its internal scale.
    var dimension: Dimension

    /// Reads the `<variableParameter>` of non-uniform density `el`, whose density parameter is
    /// `name` (`condDensity`, or `permeability` for GHK). Returns the segment group and the profile.
    static func read(_ el: Element, parameter name: String, dimension: Dimension, morph: Morphology, ctx: Context) -> (group: String, profile: DensityProfile)? {
        let params = el.children.filter { $0.name == "variableParameter" }
        guard let vp = params.first else {
            ctx.error("BRC-E0102", "<\(el.name)> '\(el.id ?? "?")' has no <variableParameter>", at: el.location,
                      hint: "give <variableParameter parameter=\"\(name)\" segmentGroup=\"...\"> with one <inhomogeneousValue>")
            return nil
        }
        guard params.count == 1 else {
            ctx.error("BRC-E0103", "not supported yet: a second <variableParameter> in <\(el.name)> '\(el.id ?? "?")'", at: params[1].location,
                      hint: "give one non-uniform density per segment group")
            return nil
        }
        for c in el.children where !c.isMetadata && c.name != "variableParameter" {
            ctx.unsupported(c, in: el.name, supported: ["variableParameter"])
            return nil
        }
        guard ctx.checkAttributes(vp, required: ["parameter", "segmentGroup"]) else { return nil }
        let p = vp.attribute("parameter")!, groupAttr = vp.attribute("segmentGroup")!
        guard p.value == name else {
            ctx.error("BRC-E0103", "not supported yet: a <variableParameter> of '\(p.value)' in <\(el.name)> (brcc varies its \(name))", at: p.valueLocation,
                      hint: "use parameter=\"\(name)\"")
            return nil
        }
        guard morph.groups[groupAttr.value] != nil else {
            ctx.error("BRC-E0310", "segment group '\(groupAttr.value)' is not defined in the cell's morphology", at: groupAttr.location,
                      hint: ctx.choices("defined groups", morph.groups.keys.sorted(), for: groupAttr.value))
            return nil
        }
        let values = vp.children.filter { $0.name == "inhomogeneousValue" }
        guard values.count == 1, let iv = values.first else {
            ctx.error(values.isEmpty ? "BRC-E0102" : "BRC-E0317", "<variableParameter> needs exactly one <inhomogeneousValue> (it has \(values.count))", at: vp.location,
                      hint: "give <inhomogeneousValue inhomogeneousParameter=\"...\" value=\"...\"/>")
            return nil
        }
        guard ctx.checkAttributes(iv, required: ["inhomogeneousParameter", "value"]) else { return nil }
        let ref = iv.attribute("inhomogeneousParameter")!
        guard let ip = morph.inhomogeneous[ref.value] else {
            ctx.error("BRC-E0107", "inhomogeneousParameter '\(ref.value)' is not defined in the cell's morphology", at: ref.valueLocation,
                      hint: morph.inhomogeneous.isEmpty ? "define <inhomogeneousParameter id=\"\(ref.value)\" variable=\"p\" metric=\"Path Length from root\"/> in segment group '\(groupAttr.value)'"
                                                        : "defined: \(morph.inhomogeneous.keys.sorted().joined(separator: ", "))")
            return nil
        }
        guard ip.group == groupAttr.value else {
            ctx.error("BRC-E0310", "inhomogeneousParameter '\(ip.id)' is defined on segment group '\(ip.group)', but the variableParameter is on '\(groupAttr.value)'", at: ref.valueLocation,
                      hint: "define the inhomogeneousParameter in segment group '\(groupAttr.value)', or put the variableParameter on '\(ip.group)'")
            return nil
        }
        let value = iv.attribute("value")!
        let env = [ip.variable: Binding(dimension: .none, ir: .ref(ip.variable))]
        guard let (expr, _) = ExpressionLowering.lowerAttribute(value, element: "inhomogeneousValue", expected: Dimension.none, env: env, ctx: ctx) else { return nil }
        return (groupAttr.value, DensityProfile(parameter: ip, value: value, expression: expr, dimension: dimension))
    }

    /// The density (internal units) at each of `nodes`, from each node's path length: translated
    /// and normalised over the sections holding the parameter's segment group, as NEURON's
    /// `SubsetDomainIterator` does (least path length of their ends; greatest, at least 1 um).
    /// A value that is not a finite non-negative number is an error naming the compartment.
    func values(at nodes: [Int], disc: Discretization, morph: Morphology, channel: String, ctx: Context) -> [Double]? {
        let members = morph.groups[parameter.group] ?? []
        let spans = disc.sections.indices.filter { s in disc.sections[s].nodes.contains { members.contains(disc.nodeSegment[$0] ?? -1) } }.map { disc.sectionPath[$0] }
        let p0 = spans.map(\.lowerBound).min().map { min($0, 1e9) } ?? 0
        var p1 = max(1, spans.map(\.upperBound).max() ?? 1)
        if parameter.translated { p1 -= p0 }
        var out: [Double] = []
        for n in nodes {
            var p = disc.nodeDistance[n] ?? 0
            if parameter.translated { p -= p0 }
            if parameter.normalised { p /= p1 }
            let si = expression.evaluate { _ in p }
            guard si.isFinite, si >= 0 else {
                let unit = dimension == .conductanceDensity ? "S_per_m2" : "m_per_s"
                ctx.error("BRC-E0124", "the density of '\(channel)' is \(si) \(unit) at \(disc.nodes[n].label), where \(parameter.variable) = \(IRPrinter.num(p))\(parameter.normalised ? "" : " um"): '\(value.value)' must give a finite value of 0 or more",
                          at: value.valueLocation, hint: "the value is in SI units (\(unit)); check the expression over the segment group's range of \(parameter.variable)")
                return nil
            }
            out.append(si / dimension.internalScale)
        }
        return out
    }
}
