#!/usr/bin/env python3
"""Mean and standard deviation of every column of LEMS output files, for two sets of runs.

For stochastic models, which brcc and jLEMS cannot match number for number (each draws its own
random numbers): compare the statistics of the recorded traces instead, over runs with several
seeds.

    tools/trace_stats.py -a BRCC_FILE... -b JLEMS_FILE... [--from MS] [--to MS] [--scale S]

Each FILE is a LEMS OutputFile (time in s first, one column per quantity, SI units); the files
of one side are runs of one model with different seeds. Rows with FROM <= t < TO (ms) are used;
values are multiplied by SCALE (e.g. 1e9 for nA, 1e3 for mV). Per column and side: the mean
over runs of each run's mean and sd, with the standard error of that mean over runs.
"""
import argparse, math


def load(path):
    return [list(map(float, line.split())) for line in open(path) if line.strip()]


def mean_sd(xs):
    m = sum(xs) / len(xs)
    return m, math.sqrt(sum((x - m) ** 2 for x in xs) / (len(xs) - 1)) if len(xs) > 1 else 0.0


def summary(values):
    """'mean ± standard error' of per-run values."""
    m, s = mean_sd(values)
    return f"{m:.5g} ± {s / math.sqrt(len(values)):.2g}" if len(values) > 1 else f"{m:.5g}"


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("-a", nargs="+", required=True, help="runs of the first side (brcc)")
    p.add_argument("-b", nargs="+", required=True, help="runs of the second side (jLEMS)")
    p.add_argument("--from", dest="lo", type=float, default=0.0)
    p.add_argument("--to", dest="hi", type=float, default=float("inf"))
    p.add_argument("--scale", type=float, default=1.0)
    p.add_argument("--labels", default="brcc,jLEMS")
    a = p.parse_args()
    labels = a.labels.split(",")
    sides = []
    for files in (a.a, a.b):
        runs = [[r for r in load(f) if a.lo <= r[0] * 1000 < a.hi] for f in files]
        sides.append(runs)
    columns = min(len(runs[0][0]) for runs in sides) - 1
    print(f"{a.lo:g} <= t < {a.hi:g} ms; runs: {labels[0]} {len(sides[0])}, {labels[1]} {len(sides[1])}")
    print("| column | " + " | ".join(f"{l} mean | {l} sd" for l in labels) + " |")
    print("|---|" + "---|---|" * len(labels))
    for c in range(1, columns + 1):
        cells = []
        for runs in sides:
            stats = [mean_sd([r[c] * a.scale for r in run]) for run in runs]
            cells += [summary([m for m, _ in stats]), summary([s for _, s in stats])]
        print(f"| {c} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
