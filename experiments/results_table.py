#!/usr/bin/env python3
"""Writes the results of experiments/cue_configs.sh (markdown, to stdout): one section per run
folder given, each with a table of the four cue configurations.

    python3 experiments/results_table.py runs/cue_configs runs/cue_configs_sd1 > docs/results.md
"""
import csv
import json
import os
import re
import sys

VARIANTS = ["soma_ampa", "soma_nmda", "dend_ampa", "dend_nmda"]


def load(root, v):
    path = os.path.join(root, v, "summary.json")
    if not os.path.exists(path):
        return None
    s = json.load(open(path))
    ev = list(csv.DictReader(open(os.path.join(root, v, "evaluations.csv"))))
    base_path = os.path.join(root, v, "baseline.json")
    analysis_path = os.path.join(root, v, "best", "analysis.json")
    return {
        "v": v, "summary": s, "ev": ev,
        "base": json.load(open(base_path)) if os.path.exists(base_path) else None,
        "analysis": json.load(open(analysis_path)) if os.path.exists(analysis_path) else None,
    }


def cue_width(root, v):
    """The tuning width the run's task.xml set, or None for the model's own."""
    path = os.path.join(root, v, "task.xml")
    if not os.path.exists(path):
        return None
    m = re.search(r'name="sd" value="([^"]+)"', open(path).read())
    return m.group(1) if m else None


def drive(analysis):
    """Per condition of the best network's repeat 0: cue cells that spiked, and E spikes."""
    if not analysis:
        return "-"
    names = [p["name"] for p in analysis["populations"]]
    cue, e = names.index("cue") if "cue" in names else -1, names.index("E") if "E" in names else -1
    parts = []
    for c in analysis["conditions"]:
        cells = {s["cell"] for s in c["spikes"] if s["population"] == cue}
        spikes = sum(1 for s in c["spikes"] if s["population"] == e)
        parts.append("%d/%d" % (len(cells), spikes))
    return " ".join(parts)


def section(root):
    runs = [r for r in (load(root, v) for v in VARIANTS) if r]
    if not runs:
        return
    s0 = runs[0]["summary"]
    budget, sims = s0["budget"], s0["budget"]["simulationsPerSample"]
    n = budget["rounds"] * budget["samplesPerRound"]
    width = cue_width(root, runs[0]["v"])
    print("## %s\n" % ("Cue tuning width %s (a variant: brc:setParameter input=\"cue_current\" name=\"sd\")" % width if width
                       else "The study's task as DESIGN.md §6 declares it (cue tuning width 0.3)"))
    print("`%s`: `experiments/cue_configs.sh %d %d %s%s` (brcc %s). Budget per configuration: %d rounds x %d parameter sets x %d"
          " simulations of %g ms = %d simulations, %.2g %% of the study's 20,000; %d searched parameters; seed %s."
          % (root, budget["rounds"], budget["samplesPerRound"], s0["threads"], " " + width if width else "", s0["brccVersion"],
             budget["rounds"], budget["samplesPerRound"], sims, s0["task"]["durationMs"], n * sims, 100.0 * n * sims / 20000,
             len(runs[0]["ev"][0]) - 6 if runs[0]["ev"] else 0, s0["seed"]))
    print()
    print("| configuration | hand-set values: validation MSE (R2) | best searched validation MSE | median | chance MSE | best R2 | successful sets | constant readout | best network: cue cells firing / E spikes per condition | wall time |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    success_total = 0
    for r in runs:
        s, ev, base = r["summary"], r["ev"], r["base"]
        scores = sorted(float(e["score"]) for e in ev)
        chance = float(ev[0]["chance_mse"]) if ev else float("nan")
        success = sum(1 for e in ev if e["failed"].lower() == "false" and float(e["validation_mse"]) < 0.5 * float(e["chance_mse"]))
        constant = sum(1 for e in ev if abs(float(e["validation_mse"]) - float(e["chance_mse"])) < 1e-9 * float(e["chance_mse"]))
        success_total += success
        hand = "%.3f (%.2f)%s" % (base["validationMSE"], base["r2"], ", failed" if base["failed"] else "") if base else "-"
        print("| %s | %s | %.3f | %.3f | %.3f | %.2f | %d / %d | %d / %d | %s | %.0f s |"
              % (r["v"].replace("_", " "), hand, s["best"]["validationMSE"], scores[len(scores) // 2], chance, s["best"]["r2"],
                 success, len(ev), constant, len(ev), drive(r["analysis"]), s["wallSeconds"]))
    print()
    ranked = sorted(runs, key=lambda r: r["summary"]["best"]["validationMSE"])
    print("Ranked by best validation MSE: " + ", ".join("%s (%.3f)" % (r["v"].replace("_", " "), r["summary"]["best"]["validationMSE"]) for r in ranked) + ".")
    per_sim = sum(r["summary"]["wallSeconds"] for r in runs) / max(1, sum(r["summary"]["simulationsRun"] for r in runs))
    print("%d of the %d evaluated parameter sets succeeded; %.1f s of wall time per simulated trial (%s threads)."
          % (success_total, sum(len(r["ev"]) for r in runs), per_sim, s0["threads"]))
    print()


print("# Results: the four cue configurations\n")
print("Every number below comes from the runs' `summary.json`, `baseline.json`, `evaluations.csv` and")
print("`best/analysis.json`, tabulated by `experiments/results_table.py`.\n")
print("""*Successful*: the readout did not fail the magnitude rule and its validation MSE is below half the
chance MSE. *Hand-set values*: the conductances and probabilities of `models/brc/` (the fixed
spiking network of `LEMS_cue_*.xml`), scored on the same task (`brcc train --baseline`).
*Chance*: predicting every sample by the training targets' mean. *Constant readout*: the
validation MSE equals chance to 1e-9 (the readout predicted the training mean). *Cue cells
firing / E spikes*: for conditions (-2,-2), (2,2), (-2,2), (2,-2) in that order, how many of the
25 cue cells spiked and how many spikes the 50 E cells fired in repeat 0 of the best network.
""")
for root in sys.argv[1:]:
    section(root)
