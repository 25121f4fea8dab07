/// How cell kernels compute channel rates and gate updates (`--precision`).
///
/// - `exact`: double precision, NEURON's scheme, the bits every test and reference checks.
/// - `fast`: the channel rates and gate updates of cell kernels in single precision (twice the
///   vector lanes) with a single-precision exponential (`brc_expf`) and an update factor
///   1 - exp(-dt/tau) that keeps its relative accuracy for slow gates (`brc_gatef`), and the
///   whole file compiled with FMA contraction and reciprocals (`Preamble.cFastPragma`).
///   Potentials, currents, the cable solve, stored states and synapses stay double. C backend
///   only. Its error against `exact` is measured in docs/numerics.md.
public enum KernelPrecision: String, Sendable, CaseIterable, Codable {
    case exact, fast
}

/// The revision of the kernels' arithmetic. Raise it whenever the kernels of an unchanged model
/// compute other bits (in either precision), so that `--resume` refuses to continue a search or
/// an evaluation whose earlier scores came from other bits. Checkpoints record it; one without
/// it is revision 0.
/// - 1 (2026-12-06): `brc_exp`'s multiply-adds fused; internal unit scales rounded once.
public enum KernelNumerics {
    /// This brcc's revision of the kernels' arithmetic, as training and evaluation checkpoints record it.
    public static let revision = 1
}
