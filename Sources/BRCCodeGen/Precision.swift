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
