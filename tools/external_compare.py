#!/usr/bin/env python3
"""Compares brcc with NEURON (or jLEMS) on every model of the external corpus that brcc runs
(issue 12: "each matches NEURON"), and tabulates the result.

    tools/external_compare.py [--root /work/external_models] [--runs /tmp/external_check]
                              [--nrn /tmp/external_nrn] [--json /tmp/external_check.json]
                              [--only SUBSTRING] [--timeout 900] [--report FILE.md]
                              [--gates forward-euler] [--brcc .build/release/brcc]
    tools/external_compare.py --reference jlems [--models FILE] [--jlems /tmp/external_jlems] ...

Reads the results of `tools/external_check.py --json FILE` (the models whose `brcc run` passed,
with their outputs under --runs), makes each one's NEURON reference with
`tools/external_reference.sh` (jNeuroML's NEURON export, run by NEURON; kept under
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

With `--reference brcc-export` the reference is NEURON running brcc's own export of each
model (`brcc export --neuron`; copies and Display files as for jLEMS, under --export-work):
NEURON integrates and delivers events itself, but the translation of the model's LEMS into
NMODL is brcc's, so this checks brcc's numerics and its export, not its reading of the model.

With `--reference jlems` the reference is jNeuroML's LEMS interpreter (forward Euler), for the
models whose NEURON export fails or records nothing (`--models FILE`: one model path per line;
default every model that runs). Many of those record only Displays, which jLEMS does not write
with -nogui, so each model's folder is copied under --jlems, every `<Display>` of its
Simulation gets an OutputFile `display_<id>.dat` with its Lines as columns, and brcc and jLEMS
both run that copy. A potential's spikes are its falls (drops of more than 5 mV from one row to
the next: an integrate-and-fire cell's resets, which never cross 0 mV) if both runs have some,
else its upward 0 mV crossings. jLEMS integrates
by forward Euler, so agreement is to O(dt), not to rounding as with NEURON.
"""
import argparse
import json
import os
import re
import shutil
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
        p = subprocess.run([os.path.join(HERE, "external_reference.sh"), root, model, out],
                           capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return f"timeout after {timeout} s"
    if p.returncode != 0:
        lines = [l for l in p.stderr.strip().splitlines() if l.strip()]
        return lines[-1][:160] if lines else f"exit {p.returncode}"
    if not any(f.endswith(".dat") for _, _, fs in os.walk(out) for f in fs):
        return "NEURON wrote no output file"
    return None


def with_display_files(text):
    """The LEMS text with an OutputFile `display_<id>.dat` for each Display of its Simulation
    (`display_<n>.dat` for the n-th, counted from 0, if it has no id; columns c0, c1, ... recording the Lines' quantities), so that a run writes what the
    Displays show."""
    bare = re.sub(r"<!--.*?-->", "", text, flags=re.S)
    added = []
    for n, m in enumerate(re.finditer(r'<Display\b([^>]*)>(.*?)</Display>', bare, re.S)):
        quantities = re.findall(r'<Line\b[^>]*\bquantity="([^"]+)"', m.group(2))
        if quantities:
            named = re.search(r'\bid="([^"]+)"', m.group(1))
            name = re.sub(r"\W", "_", named.group(1)) if named else str(n)
            cols = "".join(f'\n<OutputColumn id="c{i}" quantity="{q}"/>' for i, q in enumerate(quantities))
            added.append(f'<OutputFile id="brcc_display_{name}" fileName="display_{name}.dat">{cols}\n</OutputFile>')
    end = text.rfind("</Simulation>")
    return text if not added or end < 0 else text[:end] + "\n".join(added) + "\n" + text[end:]


SIMULATION_TAG = re.compile(r'<(?:Simulation\b|Component\b[^>]*\btype="Simulation")[^>]*>')


def refined(text, k):
    """The LEMS text with its Simulation's step divided by k."""
    def tag(m):
        return re.sub(r'\bstep="\s*([0-9.eE+-]+)\s*([A-Za-z_]*)\s*"',
                      lambda n: f'step="{float(n.group(1)) / k!r}{n.group(2)}"', m.group(0), count=1)
    return SIMULATION_TAG.sub(tag, text)


def with_seed(text, seed):
    """The LEMS text with its Simulation's `seed` attribute set to `seed` (replaced or added)."""
    def tag(m):
        t = re.sub(r'\s\bseed="[^"]*"', "", m.group(0))
        return t[:-1].rstrip("/") + f' seed="{seed}"' + ("/>" if t.endswith("/>") else ">")
    return SIMULATION_TAG.sub(tag, text)


def has_outputs(folder):
    return any(f.endswith(".dat") for _, _, fs in os.walk(folder) for f in fs)


def jlems_runs(root, model, work, brcc, timeout, k=1):
    """Copies the model's repository folder to `work`, adds OutputFiles for its Displays (and
    with k > 1 divides its step by k), and runs jLEMS and brcc on that copy (outputs in
    work/jlems and work/brcc, or jlems_k and brcc_k); returns None or why a run failed. A brcc
    run that refuses a Display's quantity is retried without them."""
    suffix = "" if k == 1 else f"_{k}"
    jl = os.path.join(work, "jlems" + suffix)
    if has_outputs(jl) and has_outputs(os.path.join(work, "brcc" + suffix)):
        return None  # both ran before
    why = brcc_copy_run(root, model, work, brcc, timeout, k)
    if why:
        return why
    src = os.path.join(work, "src" + suffix)
    try:
        p = subprocess.run([os.path.join(HERE, "external_reference.sh"), "--jlems", src, model, jl],
                           capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        shutil.rmtree(jl, ignore_errors=True)
        return f"jLEMS: timeout after {timeout} s"
    if p.returncode != 0:
        shutil.rmtree(jl, ignore_errors=True)
        lines = [l for l in p.stderr.strip().splitlines() if l.strip()]
        return "jLEMS: " + (lines[-1][:160] if lines else f"exit {p.returncode}")
    return None


def export_runs(root, model, work, brcc, timeout):
    """Like `jlems_runs`, with NEURON running brcc's own export of the copy
    (`brcc export --neuron`, nrnivmodl, run.py; outputs in work/neuron) as the reference."""
    out = os.path.join(work, "neuron")
    if has_outputs(out) and has_outputs(os.path.join(work, "brcc")):
        return None
    why = brcc_copy_run(root, model, work, brcc, timeout)
    if why:
        return why
    nrn = os.path.join(work, "nrn")
    lems = os.path.join(work, "src", model)
    while True:  # leave out, in the copy and so in both runs, the columns the export refuses
        p = subprocess.run([brcc, "export", lems, "--neuron", nrn], capture_output=True, text=True, timeout=timeout)
        refused = re.search(r"output column (\S+) of output file (\S+) records", p.stderr)
        if p.returncode == 0 or not refused:
            break
        text = open(lems).read()
        block = re.search(r'<OutputFile\b[^>]*\bid="%s".*?</OutputFile>' % re.escape(refused.group(2)), text, re.S)
        column = block and re.search(r'\s*<OutputColumn\b[^>]*\bid="%s"[^>]*/>' % re.escape(refused.group(1)), block.group(0))
        if not column:
            break
        kept = block.group(0).replace(column.group(0), "", 1)
        open(lems, "w").write(text[:block.start()] + kept + text[block.end():])
        shutil.rmtree(os.path.join(work, "brcc"), ignore_errors=True)
        q = subprocess.run([brcc, "run", lems, "--out", os.path.join(work, "brcc"), "--no-plots"], capture_output=True, timeout=timeout)
        if q.returncode != 0:
            return f"brcc run failed on the copy without column {refused.group(1)}"
    steps = [(["nrnivmodl", "nrn"], "nrnivmodl"),
             ([sys.executable, os.path.join(nrn, "run.py"), "--out", out], "NEURON")]
    if p.returncode != 0:
        lines = [l for l in p.stderr.strip().splitlines() if "error" in l.lower()]
        return "brcc export: " + (lines[-1][:200] if lines else f"exit {p.returncode}")
    for command, label in steps:
        try:
            p = subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd=work)
        except subprocess.TimeoutExpired:
            shutil.rmtree(out, ignore_errors=True)
            return f"{label}: timeout after {timeout} s"
        if p.returncode != 0:
            shutil.rmtree(out, ignore_errors=True)
            lines = [l for l in (p.stderr + p.stdout).strip().splitlines() if re.search(r"\berror\b", l, re.I) and "NOTE" not in l]
            lines = lines or p.stderr.strip().splitlines()
            return f"{label}: " + (lines[-1][:200] if lines else f"exit {p.returncode}")
    return None


def brcc_copy_run(root, model, work, brcc, timeout, k=1):
    """Copies the model's repository folder to work/src (src_k), adds OutputFiles for its
    Displays (with k > 1 dividing the step by k) and runs brcc on the copy into work/brcc
    (brcc_k); returns None or why the run failed. A run that refuses a Display's quantity is
    retried without it."""
    suffix = "" if k == 1 else f"_{k}"
    br = os.path.join(work, "brcc" + suffix)
    src = os.path.join(work, "src" + suffix)
    shutil.rmtree(src, ignore_errors=True)
    shutil.copytree(os.path.join(root, model.split("/")[0]), os.path.join(src, model.split("/")[0]), symlinks=True)
    lems = os.path.join(src, model)
    original = refined(open(lems, errors="replace").read(), k)
    text = with_display_files(original)
    while True:
        open(lems, "w").write(text)
        try:
            p = subprocess.run([brcc, "run", lems, "--out", br, "--no-plots"], capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            shutil.rmtree(br, ignore_errors=True)
            return f"brcc: timeout after {timeout} s"
        if p.returncode == 0:
            break
        # Leave out the added columns brcc cannot record (its errors name their lines).
        lines = text.split("\n")
        bad = {int(n) - 1 for n in re.findall(re.escape(lems) + r":(\d+):\d+: error", p.stderr)}
        bad = {i for i in bad if i < len(lines) and lines[i].startswith('<OutputColumn id="c')}
        if not bad:
            shutil.rmtree(br, ignore_errors=True)
            return f"brcc run failed on the copy (exit {p.returncode})"
        text = "\n".join(l for i, l in enumerate(lines) if i not in bad)
    return None


def falls(t, v):
    """The times (ms) where a potential (mV) starts to fall by more than 5 mV per row: an
    abstract cell's resets, or a fast downstroke (one per run of such rows)."""
    drop = np.diff(v) < -5
    return t[1:][drop & ~np.concatenate(([False], drop[:-1]))]


def events(ta, va, tb, vb):
    """Both potentials' spikes (ms): their falls if both have some (an integrate-and-fire
    cell's resets never cross 0 mV), else their upward 0 mV crossings."""
    fa, fb = falls(ta, va), falls(tb, vb)
    if len(fa) and len(fb):
        return fa, fb
    return compare_runs.spikes(ta, va), compare_runs.spikes(tb, vb)


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


def compare(lems, brcc_dir, nrn_dir, resets=False):
    """Compares the membrane potentials both runs wrote, with compare_runs.py's measures (spike
    times of upward 0 mV crossings, or with `resets` the `events` above; RMS on brcc's time
    grid); returns (spikes brcc, spikes
    NEURON, worst spike-time difference, worst RMS, files NEURON did not write, columns), or
    None if there was no potential to compare."""
    sa = sb = columns = missing = 0
    worst_dt = worst_rms = 0.0
    for f, cols in potential_columns(lems).items():
        if not cols:
            continue
        f = os.path.basename(f) if os.path.isabs(f) else f  # written inside the output folder
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
            if np.max(np.abs(vb)) > 500:  # the reference says v is dimensionless (mV as numbers), not volts
                continue
            span = (ta >= max(ta[0], tb[0])) & (ta <= min(ta[-1], tb[-1]))
            rms = float(np.sqrt(np.mean((va[span] - np.interp(ta[span], tb, vb)) ** 2)))
            s1, s2 = events(ta, va, tb, vb) if resets else (compare_runs.spikes(ta, va), compare_runs.spikes(tb, vb))
            d = float(np.max(np.abs(s1 - s2))) if len(s1) == len(s2) and len(s1) else (0.0 if len(s1) == len(s2) else float("inf"))
            sa, sb, columns = sa + len(s1), sb + len(s2), columns + 1
            worst_dt, worst_rms = max(worst_dt, d), max(worst_rms, rms)
    if columns == 0:
        return None
    return sa, sb, worst_dt, worst_rms, missing, columns


def compare_other(lems, brcc_dir, nrn_dir, others_only=False):
    """For a model that records no membrane potential (a rate model's r): the largest
    difference of any column both runs wrote (with `others_only`, of every column that is not
    a potential), relative to the largest magnitude the reference wrote in that column, on
    brcc's time grid; returns (worst relative difference, columns), or None."""
    text = re.sub(r"<!--.*?-->", "", open(lems, errors="replace").read(), flags=re.S)
    potentials = potential_columns(lems) if others_only else {}
    worst, columns = 0.0, 0
    for m in re.finditer(r'<OutputFile[^>]*fileName="([^"]+)"', text):
        f = m.group(1)[2:] if m.group(1).startswith("./") else m.group(1)
        skip = potentials.get(f, [])
        f = os.path.basename(f) if os.path.isabs(f) else f  # written inside the output folder
        a, b = os.path.join(brcc_dir, f), os.path.join(nrn_dir, f)
        if not (os.path.exists(a) and os.path.exists(b)):
            continue
        x, y = compare_runs.load(a), compare_runs.load(b)
        if len(x) == 0 or len(y) == 0:
            continue
        span = (x[:, 0] >= max(x[0, 0], y[0, 0])) & (x[:, 0] <= min(x[-1, 0], y[-1, 0]))
        for c in range(1, min(x.shape[1], y.shape[1])):
            scale = np.max(np.abs(y[:, c]))
            if scale == 0 or c in skip:
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


def row(model, lems, runs, ref):
    """The table row comparing brcc's outputs in `runs` with NEURON's in `ref`."""
    c = compare(lems, runs, ref)
    if all_zero(ref):
        return f"| {model} | - | - | - | no NEURON reference: the export recorded only zeros |"
    if c is None:
        o = compare_other(lems, runs, ref)
        if o is None:
            return f"| {model} | - | - | - | nothing recorded by both to compare |"
        return f"| {model} | - | - | - | no membrane potential; other quantities: largest difference {o[0]:.1e} of their range ({o[1]} column(s)) |"
    sa, sb, dt, rms, missing, columns = c
    note = f"{columns} column(s)" + (f"; {missing} output file(s) NEURON did not write" if missing else "")
    return f"| {model} | {sa} / {sb} | {dt:.4f} ms | {rms:.4f} mV | {note} |"


STOCHASTIC = re.compile(r"<(?:poissonFiringSynapse|transientPoissonFiringSynapse|spikeGeneratorPoisson|"
                        r"spikeGeneratorRandom|spikeGeneratorRefPoisson)\b|random\(")


def stochastic_elements(lems, seen=None):
    """True if the LEMS file or a file it includes (recursively) declares a NeuroML random
    input or generator or calls random() (a cheaper test than the seed check below, and the
    only one that saw NeuroML's random inputs before brcc seeded them from the Simulation)."""
    seen = set() if seen is None else seen
    if lems in seen or not os.path.exists(lems):
        return False
    seen.add(lems)
    text = re.sub(r"<!--.*?-->", "", open(lems, errors="replace").read(), flags=re.S)
    if STOCHASTIC.search(text):
        return True
    return any(stochastic_elements(os.path.join(os.path.dirname(lems), f), seen)
               for f in re.findall(r'<Include\s+(?:file|href)="([^"]+)"', text))


def draws_random_numbers(model, work, brcc, timeout):
    """True if the model has stochastic elements, or brcc's outputs of the copy change with the seed (the Simulation's `seed`, which
    Poisson inputs and generators draw from, and `--seed`, for random() in Dynamics): then brcc
    and jLEMS draw different numbers and agree in distribution at best."""
    if stochastic_elements(os.path.join(work, "src", model)):
        return True
    other = os.path.join(work, "brcc_seed")
    if not os.path.isdir(other):
        lems = os.path.join(work, "src", model)
        reseeded = os.path.join(os.path.dirname(lems), "brcc_reseeded_" + os.path.basename(lems))
        open(reseeded, "w").write(with_seed(open(lems).read(), 987654321))
        subprocess.run([brcc, "run", reseeded, "--out", other, "--no-plots", "--seed", "987654321"], capture_output=True, timeout=timeout)
    for d, _, fs in os.walk(os.path.join(work, "brcc")):
        for f in fs:
            mine = os.path.join(d, f)
            theirs = os.path.join(other, os.path.relpath(mine, os.path.join(work, "brcc")))
            if not os.path.exists(theirs) or open(mine, "rb").read() != open(theirs, "rb").read():
                return True
    return False


def row_jlems(model, work, k, random=False):
    """The table row comparing brcc with jLEMS at the model's step and at step/k: the events
    and RMS of the potentials, the largest difference of the other columns relative to their
    range.
    `random`: the model draws random numbers (marked; row by row it cannot agree)."""
    cells = []
    for suffix in ("",) if random else ("", f"_{k}"):
        lems = os.path.join(work, "src" + suffix, model)
        runs, ref = os.path.join(work, "brcc" + suffix), os.path.join(work, "jlems" + suffix)
        if not os.path.isdir(ref):
            cells.append(None)
            continue
        c, o = compare(lems, runs, ref, True), compare_other(lems, runs, ref, others_only=True)
        cells.append((c, o))
    def fmt(x, f):
        return "-" if x is None else f(x)
    (c1, o1), fine = cells[0], cells[1] if len(cells) > 1 else None
    c2, o2 = fine if fine else (None, None)
    events = fmt(c1, lambda c: f"{c[0]} / {c[1]}") + (fmt(c2, lambda c: f" ({c[0]} / {c[1]})") if c2 and c1 and c2[:2] != c1[:2] else "")
    if random:
        events += " (random)"
    return (f"| {model} | {events} | {fmt(c1, lambda c: f'{c[2]:.4f}')} -> {fmt(c2, lambda c: f'{c[2]:.4f}')} ms"
            f" | {fmt(c1, lambda c: f'{c[3]:.3f}')} -> {fmt(c2, lambda c: f'{c[3]:.3f}')} mV"
            f" | {fmt(o1, lambda o: f'{o[0]:.1e}')} -> {fmt(o2, lambda o: f'{o[0]:.1e}')} ({fmt(o1, lambda o: str(o[1]))} columns) |")


def row_export(model, work):
    """The table row comparing brcc with NEURON running brcc's export of the same copy."""
    lems = os.path.join(work, "src", model)
    runs, ref = os.path.join(work, "brcc"), os.path.join(work, "neuron")
    c, o = compare(lems, runs, ref, True), compare_other(lems, runs, ref, others_only=True)
    events = "-" if c is None else f"{c[0]} / {c[1]}"
    return (f"| {model} | {events} | {'-' if c is None else f'{c[2]:.2e} ms'} | {'-' if c is None else f'{c[3]:.2e} mV'}"
            f" | {'-' if o is None else f'{o[0]:.1e} ({o[1]} columns)'} |")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--root", default="/work/external_models")
    ap.add_argument("--runs", default="/tmp/external_check")
    ap.add_argument("--nrn", default="/tmp/external_nrn")
    ap.add_argument("--jlems", default="/tmp/external_jlems", help="work folder of --reference jlems (copies, both runs)")
    ap.add_argument("--json", default="/tmp/external_check.json")
    ap.add_argument("--reference", choices=["neuron", "jlems", "brcc-export"], default="neuron")
    ap.add_argument("--export-work", default="/tmp/external_export", help="work folder of --reference brcc-export")
    ap.add_argument("--refine", type=int, default=10, help="with --reference jlems: also compare both at the step divided by this")
    ap.add_argument("--models", help="a file listing the models to compare (one path per line)")
    ap.add_argument("--only", default="")
    ap.add_argument("--timeout", type=int, default=900)
    ap.add_argument("--report")
    ap.add_argument("--gates", choices=["exact", "forward-euler"], default="exact",
                    help="forward-euler: rerun brcc with --gates forward-euler (channel gates as the stock export) into RUNS_forward_euler and compare that")
    ap.add_argument("--brcc", default=os.path.join(os.path.dirname(HERE), ".build/release/brcc"))
    a = ap.parse_args()
    rows = [r for r in json.load(open(a.json)) if r["run"] == 0 and a.only in r["model"]]
    if a.models:
        wanted = {l.strip() for l in open(a.models) if l.strip()}
        rows = [r for r in rows if r["model"] in wanted]
    if a.gates == "forward-euler":
        runs = a.runs.rstrip("/") + "_forward_euler"
        for r in rows:
            subprocess.run([a.brcc, "run", os.path.join(a.root, r["model"]), "--out", os.path.join(runs, run_name(r["model"])),
                            "--no-plots", "--gates", "forward-euler"], capture_output=True, timeout=a.timeout)
        a.runs = runs
    if a.reference == "jlems":
        out = [f"| model | spikes or resets (brcc / jLEMS) | max difference of their times, dt -> dt/{a.refine} | RMS of the potentials, dt -> dt/{a.refine} | other columns: largest difference relative to the range, dt -> dt/{a.refine} |",
               "|---|---|---|---|---|"]
    elif a.reference == "brcc-export":
        out = ["| model | spikes or resets (brcc / NEURON) | max difference of their times | RMS of the potentials | other columns: largest difference relative to the range |",
               "|---|---|---|---|---|"]
    else:
        out = ["| model | spikes (brcc / NEURON) | max spike-time difference | RMS | note |", "|---|---|---|---|---|"]
    for r in rows:
        name = run_name(r["model"])
        if a.reference == "jlems":
            work = os.path.join(a.jlems, name)
            why = jlems_runs(a.root, r["model"], work, a.brcc, a.timeout)
            random = not why and draws_random_numbers(r["model"], work, a.brcc, a.timeout)
            if not why and not random and a.refine > 1:  # a random model's traces part anyway
                jlems_runs(a.root, r["model"], work, a.brcc, a.timeout, a.refine)
            out.append(f"| {r['model']} | - | - | - | {why} |" if why else row_jlems(r["model"], work, a.refine, random))
        elif a.reference == "brcc-export":
            work = os.path.join(a.export_work, name)
            why = export_runs(a.root, r["model"], work, a.brcc, a.timeout)
            out.append(f"| {r['model']} | - | - | - | {why} |" if why else row_export(r["model"], work))
        else:
            nrn = os.path.join(a.nrn, name)
            why = reference(a.root, r["model"], nrn, a.timeout)
            out.append(f"| {r['model']} | - | - | - | no NEURON reference: {why} |" if why else
                       row(r["model"], os.path.join(a.root, r["model"]), os.path.join(a.runs, name), nrn))
        print(out[-1], flush=True)
    if a.report:
        with open(a.report, "w") as f:
            f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
