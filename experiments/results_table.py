#!/usr/bin/env python3
"""Writes the results of experiments/cue_configs.sh as markdown (to stdout): per configuration
and round, the error distribution of the evaluated parameter sets, the failure fraction and
the best set, side by side, read from each run's summary.json and evaluations.csv (by column
name, as brcc writes them).

    python3 experiments/results_table.py runs/cue_configs > runs/cue_configs/results.md
"""
import csv
import json
import os
import statistics
import sys

VARIANTS = ["soma_ampa", "soma_nmda", "dend_ampa", "dend_nmda"]


def load(root, v):
    path = os.path.join(root, v, "summary.json")
    if not os.path.exists(path):
        return None
    rows = list(csv.DictReader(open(os.path.join(root, v, "evaluations.csv"))))
    base = os.path.join(root, v, "baseline.json")
    return {"v": v, "summary": json.load(open(path)), "rows": rows,
            "base": json.load(open(base)) if os.path.exists(base) else None}


def quantile(values, q):
    """numpy's default (linear) quantile."""
    v = sorted(values)
    if not v:
        return float("nan")
    h = q * (len(v) - 1)
    lo = int(h)
    hi = min(lo + 1, len(v) - 1)
    return v[lo] + (h - lo) * (v[hi] - v[lo])


def fmt(x):
    return "-" if x != x else "%.3f" % x


def main(root):
    runs = [r for r in (load(root, v) for v in VARIANTS) if r]
    if not runs:
        print("no runs under %s" % root)
        return
    s0 = runs[0]["summary"]
    budget = s0["budget"]
    sims = budget["simulationsPerSample"]
    n = budget["rounds"] * budget["samplesPerRound"]
    print("# The four cue configurations at %d rounds x %d sets\n" % (budget["rounds"], budget["samplesPerRound"]))
    precision = s0.get("precision", "exact")
    mode = "exact double precision" if precision == "exact" else "`--precision fast`"
    line = ("`experiments/cue_configs.sh %d %d %s` (brcc %s, seed %s, %s backend, " + mode + "). Budget per"
            " configuration: %d parameter sets x %d simulations of %g ms = %d simulations, %.2g %% of the study's 20,000.")
    print(line % (budget["rounds"], budget["samplesPerRound"], s0["threads"], s0["brccVersion"], s0["seed"], s0["backend"],
             n, sims, s0["task"]["durationMs"], n * sims, 100.0 * n * sims / 20000))
    print()
    print("Error = validation MSE of the ridge readout (chance: 4); a set *fails* (STUDY.md §4) when the mean over"
          " conditions and outputs of |its mean held-out prediction per condition| is below 0.2, and its score is"
          " then its error + 1000. *Beats chance*: not failed and error below 2 (half of chance).\n")
    print("| configuration | round | sets | failed | error: min | q10 | median | beats chance | E rate median (Hz) | I rate median (Hz) |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in runs:
        rows = r["rows"]
        for rnd in sorted({int(x["round"]) for x in rows}):
            rr = [x for x in rows if int(x["round"]) == rnd]
            err = [float(x["validation_mse"]) for x in rr]
            failed = sum(1 for x in rr if x["failed"] == "1")
            good = sum(1 for x in rr if x["failed"] == "0" and float(x["validation_mse"]) < 2)
            e = [float(x["rate_E_hz"]) for x in rr if "rate_E_hz" in x]
            i = [float(x["rate_I_hz"]) for x in rr if "rate_I_hz" in x]
            print("| %s | %d | %d | %d (%.0f %%) | %s | %s | %s | %d | %s | %s |"
                  % (r["v"].replace("_", " "), rnd, len(rr), failed, 100.0 * failed / len(rr), fmt(min(err)), fmt(quantile(err, 0.1)),
                     fmt(statistics.median(err)), good, fmt(statistics.median(e)) if e else "-", fmt(statistics.median(i)) if i else "-"))
    print()
    print("Best set per configuration (lowest score):\n")
    print("| configuration | score | error | failed | mean abs prediction | E Hz | I Hz | wall time | simulations |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in runs:
        best = min(r["rows"], key=lambda x: float(x["score"]))
        s = r["summary"]
        print("| %s | %s | %s | %s | %s | %s | %s | %.0f s | %d |"
              % (r["v"].replace("_", " "), fmt(float(best["score"])), fmt(float(best["validation_mse"])), "yes" if best["failed"] == "1" else "no",
                 fmt(float(best["mean_abs_prediction"])), fmt(float(best.get("rate_E_hz", "nan"))), fmt(float(best.get("rate_I_hz", "nan"))),
                 s["wallSeconds"], s["simulationsRun"]))
    print()
    wall = sum(r["summary"]["wallSeconds"] for r in runs)
    simulations = sum(r["summary"]["simulationsRun"] for r in runs)
    print("Wall time %.0f s for %d simulations: %.2f s per simulated 1 s trial on %s threads."
          % (wall, simulations, wall / max(simulations, 1), s0["threads"]))


for root in sys.argv[1:]:
    main(root)
