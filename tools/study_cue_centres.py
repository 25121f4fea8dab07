#!/usr/bin/env python3
"""The study's cue tuning centres and amplitudes (STUDY.md §4).

The centres are the 25 x 2 values of numpy.random.default_rng(12345).uniform(-3, 3, (25, 2)),
row k = cue cell k (network_utils.get_currents_nocontext in the study's code). Cell k's amplitude
for a cue value x is the mean of two 1-D tunings,

    a_k(x) = 1/2 * sum_d exp(-((x_d - c_kd) / 0.3)^2),

which is what brc:tunedCue form="meanOf1D" sd="0.3" computes.

    python3 tools/study_cue_centres.py            # the <brc:centre> elements for cue_network.nml
    python3 tools/study_cue_centres.py --table    # amplitudes > 0.05 per condition (docs/study.md)
    python3 tools/study_cue_centres.py --check    # the STUDY.md §4 example, (-2, -2): 13 .66, 10 .52, 3 .43, ...

(STUDY.md §4 rounds cell 0's 0.1148 to ".12"; the check allows 0.006.)
"""
import sys

import numpy as np

SEED, N, LOW, HIGH, SD = 12345, 25, -3.0, 3.0, 0.3
CONDITIONS = [(-2.0, -2.0), (2.0, 2.0), (-2.0, 2.0), (2.0, -2.0)]


def centres():
    return np.random.default_rng(SEED).uniform(LOW, HIGH, (N, 2))


def amplitudes(x, c=None):
    c = centres() if c is None else c
    return 0.5 * np.exp(-((np.asarray(x)[None, :] - c) / SD) ** 2).sum(axis=1)


def above(x, threshold=0.05):
    a = amplitudes(x)
    order = np.argsort(-a)
    return [(int(k), float(a[k])) for k in order if a[k] > threshold]


def main(argv):
    if "--check" in argv:
        got = above((-2.0, -2.0))
        expected = [(13, 0.66), (10, 0.52), (3, 0.43), (9, 0.16), (0, 0.12), (6, 0.07), (14, 0.05)]
        print("(-2,-2):", ", ".join(f"{k} {a:.4f}" for k, a in got))
        ok = [k for k, _ in got] == [k for k, _ in expected] and all(abs(a - e) < 0.006 for (_, a), (_, e) in zip(got, expected))
        print("matches STUDY.md §4" if ok else "DIFFERS from STUDY.md §4")
        return 0 if ok else 1
    if "--table" in argv:
        print("| condition | cue cells with a > 0.05 (cell: amplitude) | count |")
        print("|---|---|---|")
        for x in CONDITIONS:
            got = above(x)
            cells = ", ".join(f"{k}: {a:.3f}" for k, a in got)
            print(f"| ({x[0]:g}, {x[1]:g}) | {cells} | {len(got)} |")
        return 0
    for k, (cx, cy) in enumerate(centres()):
        print(f'            <brc:centre x="{float(cx)!r}" y="{float(cy)!r}"/> <!-- cell {k} -->')
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
