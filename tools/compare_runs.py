#!/usr/bin/env python3
"""Compares two runs of the same LEMS file: every OutputFile both wrote (LEMS .dat: time in s,
then SI columns), column by column: spike times (upward 0 mV crossings, linearly
interpolated) and the RMS difference in mV (b interpolated onto a's time grid).

    tools/compare_runs.py RUN_A RUN_B [FILE ...]
    tools/compare_runs.py --columns [--until MS] RUN_A RUN_B [FILE ...]

FILEs are paths relative to both runs (default: every .dat under RUN_A). Prints one line per
voltage column: spikes in a and b, the largest spike-time difference (ms), RMS (mV).

With --columns, every column instead (rates, time constants, currents, concentrations as
well as potentials): the largest difference on the rows both runs wrote at the same time
(up to --until ms, e.g. before two runs' spikes drift apart), relative to the column's range
over both whole runs, or absolute where the column is constant (to 1e-6 of its value).
"""
import os
import sys

import numpy as np


def load(path):
    return np.loadtxt(path, comments="#", ndmin=2)


def spikes(t, v):
    i = np.nonzero((v[:-1] < 0) & (v[1:] >= 0))[0]
    return t[i] + (0 - v[i]) * (t[i + 1] - t[i]) / (v[i + 1] - v[i])


def columns(x, y, until, label):
    """Prints each column's largest difference on common rows, relative to its range."""
    ta, tb = np.round(x[:, 0] * 1e8).astype(np.int64), np.round(y[:, 0] * 1e8).astype(np.int64)  # 10 ns
    _, ia, ib = np.intersect1d(ta, tb, return_indices=True)
    keep = x[ia, 0] * 1000 <= until
    whole = (x, y)
    x, y = x[ia][keep], y[ib][keep]
    worst = 0.0
    for c in range(1, min(x.shape[1], y.shape[1])):
        span = float(np.ptp(np.concatenate([whole[0][:, c], whole[1][:, c]])))
        d = float(np.max(np.abs(x[:, c] - y[:, c])))
        # Constant where the two runs' values differ only in printed digits (jLEMS prints 8).
        rel = span > 1e-6 * max(float(np.max(np.abs(x[:, c]))), 1e-300)
        if rel:
            worst = max(worst, d / span)
        print(f"{label} column {c}: " + (f"range {span:.4g}, max difference {d / span:.2e} of the range" if rel else f"constant {x[0, c]:.6g}, max difference {d:.2e}"))
    print(f"{label}: {len(x)} common rows up to {x[-1, 0] * 1000:.3f} ms; worst {worst:.2e} of a column's range")


def main():
    args = sys.argv[1:]
    until = float("inf")
    all_columns = "--columns" in args
    if all_columns:
        args.remove("--columns")
    if "--until" in args:
        i = args.index("--until")
        until = float(args[i + 1])
        del args[i:i + 2]
    a, b = args[0], args[1]
    files = args[2:] or sorted(os.path.relpath(os.path.join(d, f), a)
                                   for d, _, fs in os.walk(a) for f in fs if f.endswith(".dat"))
    worst_spike, worst_rms = 0.0, 0.0
    for f in files:
        if not os.path.exists(os.path.join(b, f)):
            print(f"{f}: missing in {b}")
            continue
        x, y = load(os.path.join(a, f)), load(os.path.join(b, f))
        if all_columns:
            columns(x, y, until, f)
            continue
        ta, tb = x[:, 0] * 1000, y[:, 0] * 1000
        for c in range(1, min(x.shape[1], y.shape[1])):
            va, vb = x[:, c] * 1000, y[:, c] * 1000
            if np.max(np.abs(va)) > 500:  # not a potential in volts
                continue
            span = (ta >= max(ta[0], tb[0])) & (ta <= min(ta[-1], tb[-1]))
            rms = float(np.sqrt(np.mean((va[span] - np.interp(ta[span], tb, vb)) ** 2)))
            sa, sb = spikes(ta, va), spikes(tb, vb)
            d = float(np.max(np.abs(sa - sb))) if len(sa) == len(sb) and len(sa) else (0.0 if len(sa) == len(sb) else float("inf"))
            worst_spike, worst_rms = max(worst_spike, d), max(worst_rms, rms)
            print(f"{f} column {c}: spikes {len(sa)} / {len(sb)}, max spike-time difference {d:.4f} ms, RMS {rms:.4f} mV")
    if not all_columns:
        print(f"worst: spike times {worst_spike:.4f} ms, RMS {worst_rms:.4f} mV")


if __name__ == "__main__":
    main()
