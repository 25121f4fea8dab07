#!/usr/bin/env python3
"""Compares brcc with NEURON on every model of the external corpus that brcc runs (issue 12:
"each matches NEURON"), and tabulates the result.

    tools/external_neuron_compare.py [--root /work/external_models] [--runs /tmp/external_check]
                                     [--nrn /tmp/external_nrn] [--json /tmp/external_check.json]
                                     [--only SUBSTRING] [--timeout 900] [--report FILE.md]
                                     [--gates forward-euler [--brcc .build/release/brcc]]

Reads the results of `tools/external_check.py --json FILE` (the models whose `brcc run` passed,
with their outputs under --runs), makes each one's NEURON reference with
`tools/external_neuron_reference.sh` (jNeuroML's NEURON export, run by NEURON; kept under
--nrn and reused when present) and compares the membrane potentials the two runs recorded (the
OutputColumns whose quantity ends in `v`) with `tools/compare_runs.py`'s measures: spike times
(upward 0 mV crossings) and RMS in mV. A model that records no potential (a rate model) is
compared on its other columns: the largest difference relative to each column's range. With
`--gates forward-euler` brcc is rerun with channel gates integrated as NEURON runs the stock
export (forward Euler), which isolates that documented difference (docs/numerics.md); the
references here rewrite the gates for exact integration, so this is for stock exports. A
model whose export or NEURON run fails is
listed with the reason (the last line of the script's error). Prints a markdown table (also
written to --report). Exits 0: the table is the result.
"""
import argparse
import json
import os
import re
import subprocess
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import compare_runs  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def run_name(model):
    return model.replace("/", "__")


def reference(root, model, out, timeout):
    """Makes NEURON's outputs for one model in `out`; returns None or the reason it failed."""
    if os.path.isdir(out) and any(f.endswith(".dat") for _, _, fs in os.walk(out) for f in fs):
        return None
    try:
        p = subprocess.run([os.path.join(HERE, "external_neuron_reference.sh"), root, model, out],
                           capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return f"timeout after {timeout} s"
    if p.returncode != 0:
        lines = [l for l in p.stderr.strip().splitlines() if l.strip()]
        return lines[-1][:160] if lines else f"exit {p.returncode}"
    if not any(f.endswith(".dat") for _, _, fs in os.walk(out) for f in fs):
        return "NEURON wrote no output file"
    return None


def potential_columns(lems):
    """{output file name: [column index]} of the LEMS file's OutputColumns that record a
    membrane potential (a quantity whose last path element is `v`); column 0 is time."""
    text = re.sub(r"<!--.*?-->", "", open(lems, errors="replace").read(), flags=re.S)
    out = {}
    for m in re.finditer(r'<OutputFile[^>]*fileName="([^"]+)"[^>]*>(.*?)</OutputFile>', text, re.S):
        quantities = re.findall(r'<OutputColumn[^>]*quantity="([^"]+)"', m.group(2))
        out[m.group(1).lstrip("./") if m.group(1).startswith("./") else m.group(1)] = [
            i + 1 for i, q in enumerate(quantities) if re.split(r"[/\]]", q)[-1] == "v"]
    return out


def compare(lems, brcc_dir, nrn_dir):
    """Compares the membrane potentials both runs wrote, with compare_runs.py's measures (spike
    times of upward 0 mV crossings, RMS on brcc's time grid); returns (spikes brcc, spikes
    NEURON, worst spike-time difference, worst RMS, files NEURON did not write, columns), or
    None if there was no potential to compare."""
    sa = sb = columns = missing = 0
    worst_dt = worst_rms = 0.0
    for f, cols in potential_columns(lems).items():
        if not cols:
            continue
        a, b = os.path.join(brcc_dir, f), os.path.join(nrn_dir, f)
        if not os.path.exists(b):
            missing += 1
            continue
        if not os.path.exists(a):
            continue
        x, y = compare_runs.load(a), compare_runs.load(b)
        ta, tb = x[:, 0] * 1000, y[:, 0] * 1000
        for c in cols:
            if c >= min(x.shape[1], y.shape[1]):
                continue
            va, vb = x[:, c] * 1000, y[:, c] * 1000
            if np.max(np.abs(va)) > 500:  # a dimensionless v (in mV as numbers), not volts
                continue
            span = (ta >= max(ta[0], tb[0])) & (ta <= min(ta[-1], tb[-1]))
            rms = float(np.sqrt(np.mean((va[span] - np.interp(ta[span], tb, vb)) ** 2)))
            s1, s2 = compare_runs.spikes(ta, va), compare_runs.spikes(tb, vb)
            d = float(np.max(np.abs(s1 - s2))) if len(s1) == len(s2) and len(s1) else (0.0 if len(s1) == len(s2) else float("inf"))
            sa, sb, columns = sa + len(s1), sb + len(s2), columns + 1
            worst_dt, worst_rms = max(worst_dt, d), max(worst_rms, rms)
    if columns == 0:
        return None
    return sa, sb, worst_dt, worst_rms, missing, columns


def compare_other(lems, brcc_dir, nrn_dir):
    """For a model that records no membrane potential (a rate model's r): the largest
    difference of any column both runs wrote, relative to the largest magnitude NEURON wrote in
    that column, on brcc's time grid; returns (worst relative difference, columns), or None."""
    text = re.sub(r"<!--.*?-->", "", open(lems, errors="replace").read(), flags=re.S)
    worst, columns = 0.0, 0
    for m in re.finditer(r'<OutputFile[^>]*fileName="([^"]+)"', text):
        f = m.group(1)[2:] if m.group(1).startswith("./") else m.group(1)
        a, b = os.path.join(brcc_dir, f), os.path.join(nrn_dir, f)
        if not (os.path.exists(a) and os.path.exists(b)):
            continue
        x, y = compare_runs.load(a), compare_runs.load(b)
        span = (x[:, 0] >= max(x[0, 0], y[0, 0])) & (x[:, 0] <= min(x[-1, 0], y[-1, 0]))
        for c in range(1, min(x.shape[1], y.shape[1])):
            scale = np.max(np.abs(y[:, c]))
            if scale == 0:
                continue
            d = np.max(np.abs(x[span, c] - np.interp(x[span, 0], y[:, 0], y[:, c])))
            worst, columns = max(worst, float(d / scale)), columns + 1
    return (worst, columns) if columns else None


def all_zero(nrn_dir):
    """True if every value NEURON wrote (time aside) is 0: the export recorded nothing."""
    for d, _, fs in os.walk(nrn_dir):
        for f in fs:
            if f.endswith(".dat") and f != "time.dat":
                x = np.loadtxt(os.path.join(d, f), ndmin=2)
                if x.shape[1] > 1 and np.any(x[:, 1:] != 0):
                    return False
    return True


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--root", default="/work/external_models")
    ap.add_argument("--runs", default="/tmp/external_check")
    ap.add_argument("--nrn", default="/tmp/external_nrn")
    ap.add_argument("--json", default="/tmp/external_check.json")
    ap.add_argument("--only", default="")
    ap.add_argument("--timeout", type=int, default=900)
    ap.add_argument("--report")
    ap.add_argument("--gates", choices=["exact", "forward-euler"], default="exact",
                    help="forward-euler: rerun brcc with --gates forward-euler (channel gates as the stock export) into RUNS_forward_euler and compare that")
    ap.add_argument("--brcc", default=os.path.join(os.path.dirname(HERE), ".build/release/brcc"))
    a = ap.parse_args()
    rows = [r for r in json.load(open(a.json)) if r["run"] == 0 and a.only in r["model"]]
    if a.gates == "forward-euler":
        runs = a.runs.rstrip("/") + "_forward_euler"
        for r in rows:
            subprocess.run([a.brcc, "run", os.path.join(a.root, r["model"]), "--out", os.path.join(runs, run_name(r["model"])),
                            "--no-plots", "--gates", "forward-euler"], capture_output=True, timeout=a.timeout)
        a.runs = runs
    out = ["| model | spikes (brcc / NEURON) | max spike-time difference | RMS | note |",
           "|---|---|---|---|---|"]
    for r in rows:
        name = run_name(r["model"])
        nrn = os.path.join(a.nrn, name)
        why = reference(a.root, r["model"], nrn, a.timeout)
        if why:
            out.append(f"| {r['model']} | - | - | - | no NEURON reference: {why} |")
        else:
            c = compare(os.path.join(a.root, r["model"]), os.path.join(a.runs, name), nrn)
            if all_zero(nrn):
                out.append(f"| {r['model']} | - | - | - | no NEURON reference: the export recorded only zeros |")
            elif c is None:
                o = compare_other(os.path.join(a.root, r["model"]), os.path.join(a.runs, name), nrn)
                if o is None:
                    out.append(f"| {r['model']} | - | - | - | no membrane potential recorded by both to compare |")
                else:
                    out.append(f"| {r['model']} | - | - | - | no membrane potential; other quantities: largest difference {o[0]:.1e} of their range ({o[1]} column(s)) |")
            else:
                sa, sb, dt, rms, missing, columns = c
                note = f"{columns} column(s)" + (f"; {missing} output file(s) NEURON did not write" if missing else "")
                out.append(f"| {r['model']} | {sa} / {sb} | {dt:.4f} ms | {rms:.4f} mV | {note} |")
        print(out[-1], flush=True)
    if a.report:
        with open(a.report, "w") as f:
            f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
