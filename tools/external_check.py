#!/usr/bin/env python3
"""Runs brcc over a corpus of public LEMS models (issue 12's external check) and summarises.

    tools/external_check.py [--root /work/external_models] [--manifest tools/external_models.tsv]
                            [--brcc .build/release/brcc] [--out /tmp/external_check]
                            [--check-timeout 120] [--run-timeout 300] [--only SUBSTRING]
                            [--triage tools/external_triage.tsv] [--report FILE.md] [--no-run]

The manifest (tab separated, header `repo path commit role source`) lists every file of the
corpus; the rows with role `lems` are the simulations checked. A file is found at
ROOT/<repository name>/<path> (the repository name is the part after the owner, e.g.
OpenSourceBrain/ACnet2 -> ROOT/ACnet2/...). The model files themselves are third-party and
live outside the repository (docs/external_models.md says how to rebuild the corpus).

For every simulation: `brcc check` (exit status, time, first diagnostic: code and message) and,
when the check passes, `brcc run --out OUT/<name> --no-plots` (exit status, time, first
diagnostic). Exit statuses: 0 ok, 65 model error (located diagnostic), 64 usage, 70 internal
error; a run that hits its timeout is `timeout`. It prints a markdown report (also written to
--report): the pass rate of check and run, one row per model and a histogram of the blockers,
grouped by diagnostic code and the feature the message names. `--triage` adds a column from a
tab-separated file `path category note` (a path relative to ROOT, as in the per-model table):
the cause of each failure as judged by hand (unsupported feature, brcc bug, broken model
file, too large). Exits 0 (the report is the result).
"""
import argparse
import csv
import json
import os
import re
import subprocess
import sys
import time
from collections import Counter, OrderedDict

DIAG = re.compile(r"(error|warning): \[(BRC-[EW]\d+)\] (.*)")


def first_error(text):
    """The first error diagnostic (code, message) in brcc's output, else the first line."""
    for line in text.splitlines():
        m = DIAG.search(line)
        if m and m.group(1) == "error":
            return m.group(2), m.group(3).strip()
    for line in text.splitlines():
        if line.strip():
            return "", line.strip()[:200]
    return "", ""


def feature(code, message):
    """A short blocker key: the element or construct the message names, ids and paths removed."""
    if not code:
        return message[:80]
    m = re.match(r"not supported yet: (<[^>]+>)(?: in (<[^>]+>))?", message)
    if m:
        what = m.group(1)
        # <Component type="X"> and <X> are the same feature
        what = re.sub(r'<Component type="([^"]+)">', r"<\1>", what)
        rest = message[m.end():]
        reason = re.search(r"(?:uses LEMS that brcc does not compile yet|not supported yet): (.*)", rest)
        if reason:
            r = re.sub(r"'[^']*'|\"[^\"]*\"", "'…'", reason.group(1))
            return f"{what}: {r[:90]}"
        r = re.sub(r"\(id \"[^\"]*\"\)", "", rest).strip(" :")
        r = re.sub(r"'[^']*'|\"[^\"]*\"", "'…'", r)
        return (what + (f" in {m.group(2)}" if m.group(2) else "") + (f": {r[:90]}" if r else "")).strip()
    m = re.match(r"unknown attribute '([^']+)' on (<[^>]+>)", message)
    if m:
        return f"unknown attribute '{m.group(1)}' on {m.group(2)}"
    message = re.sub(r" at /[^)\s]+", "", message)  # "(also a <X> at FILE:LINE:COL)"
    message = re.sub(r" \((?:recordable|populations|known)[^)]*\)?$", "", message)
    generic = re.sub(r"'[^']*'|\"[^\"]*\"|\d+(\.\d+)?", "…", message)
    return generic[:100]


def brcc(cmd, timeout):
    start = time.monotonic()
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        return p.returncode, p.stdout + p.stderr, time.monotonic() - start
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b"").decode() if isinstance(e.stdout, bytes) else (e.stdout or "")
        return "timeout", out, time.monotonic() - start


def load_manifest(path):
    with open(path, newline="") as f:
        rows = [r for r in csv.DictReader((l for l in f if not l.startswith("#")), delimiter="\t")]
    return rows


def local_path(root, repo, path):
    return os.path.join(root, repo.split("/")[-1], path)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    repo_root = os.path.dirname(here)
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--root", default="/work/external_models")
    ap.add_argument("--manifest", default=os.path.join(here, "external_models.tsv"))
    ap.add_argument("--brcc", default=os.path.join(repo_root, ".build/release/brcc"))
    ap.add_argument("--out", default="/tmp/external_check")
    ap.add_argument("--check-timeout", type=float, default=120)
    ap.add_argument("--run-timeout", type=float, default=300)
    ap.add_argument("--only", default=None, help="only simulations whose path contains this")
    ap.add_argument("--triage", default=os.path.join(here, "external_triage.tsv"))
    ap.add_argument("--report", default=None, help="also write the markdown report here")
    ap.add_argument("--json", default=None, help="also write the raw results here")
    ap.add_argument("--no-run", action="store_true", help="check only")
    args = ap.parse_args()

    rows = load_manifest(args.manifest)
    sims = [r for r in rows if r["role"] == "lems" and (args.only is None or args.only in r["path"] or args.only in r["repo"])]
    triage = {}
    if args.triage and os.path.exists(args.triage):
        with open(args.triage, newline="") as f:
            for r in csv.DictReader((l for l in f if not l.startswith("#")), delimiter="\t"):
                triage[r["path"]] = (r["category"], r.get("note", ""))

    results = []
    for r in sims:
        rel = os.path.join(r["repo"].split("/")[-1], r["path"])
        lems = local_path(args.root, r["repo"], r["path"])
        res = OrderedDict(model=rel, repo=r["repo"], commit=r["commit"])
        if not os.path.exists(lems):
            res.update(check="missing", check_s=0.0, code="", message="LEMS file not in the corpus", run="-", run_s=0.0)
            results.append(res)
            print(f"{rel}: missing", file=sys.stderr)
            continue
        rc, out, dt = brcc([args.brcc, "check", lems], args.check_timeout)
        code, msg = first_error(out) if rc != 0 else ("", "")
        res.update(check=rc, check_s=round(dt, 2), code=code, message=msg, run="-", run_s=0.0)
        if rc == 0 and not args.no_run:
            outdir = os.path.join(args.out, rel.replace("/", "__"))
            os.makedirs(outdir, exist_ok=True)
            rc2, out2, dt2 = brcc([args.brcc, "run", lems, "--out", outdir, "--no-plots"], args.run_timeout)
            res.update(run=rc2, run_s=round(dt2, 2))
            if rc2 != 0:
                c2, m2 = first_error(out2)
                res.update(code=c2, message=m2 if rc2 != "timeout" else f"run exceeded {args.run_timeout:g} s")
        print(f"{rel}: check {res['check']} ({res['check_s']} s) run {res['run']} ({res['run_s']} s) {res['code']} {res['message'][:100]}",
              file=sys.stderr)
        results.append(res)

    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)
    report = render(results, triage, args)
    print(report)
    if args.report:
        with open(args.report, "w") as f:
            f.write(report)


def render(results, triage, args):
    n = len(results)
    checked = sum(1 for r in results if r["check"] == 0)
    ran = sum(1 for r in results if r["run"] == 0)
    lines = []
    lines.append(f"**{n} simulations: `brcc check` passes {checked} ({100 * checked / max(n, 1):.0f} %), "
                 f"`brcc run` passes {ran} ({100 * ran / max(n, 1):.0f} %).**")
    valid = [r for r in results if triage.get(r["model"], ("",))[0] != "broken model"]
    if len(valid) != n:
        vc = sum(1 for r in valid if r["check"] == 0)
        vr = sum(1 for r in valid if r["run"] == 0)
        lines.append("")
        lines.append(f"Without the {n - len(valid)} models triaged as broken (jLEMS rejects them too): "
                     f"{len(valid)} simulations, check {vc} ({100 * vc / max(len(valid), 1):.0f} %), "
                     f"run {vr} ({100 * vr / max(len(valid), 1):.0f} %).")
    lines.append("")
    lines.append("| model | check | run | check s | run s | first diagnostic | cause |")
    lines.append("|---|---|---|---|---|---|---|")
    for r in results:
        diag = f"`{r['code']}` {r['message']}" if r["code"] else r["message"]
        diag = diag.replace(args.root.rstrip("/") + "/", "").replace("|", "\\|")
        if len(diag) > 160:
            diag = diag[:157] + "..."
        cause = triage.get(r["model"], ("", ""))
        cause_text = (cause[0] + (f": {cause[1]}" if cause[1] else "")).replace("|", "\\|")
        ok = lambda v: "ok" if v == 0 else ("-" if v == "-" else str(v))
        lines.append(f"| {r['model']} | {ok(r['check'])} | {ok(r['run'])} | {r['check_s']} | {r['run_s']} | {diag} | {cause_text} |")
    lines.append("")
    lines.append("Blockers (the first error of each failing model), by diagnostic code and feature:")
    lines.append("")
    lines.append("| count | code | feature | models |")
    lines.append("|---|---|---|---|")
    hist = Counter()
    who = {}
    for r in results:
        if r["check"] == 0 and r["run"] in (0, "-"):
            continue
        key = (r["code"] or str(r["run"] if r["check"] == 0 else r["check"]), feature(r["code"], r["message"]))
        hist[key] += 1
        who.setdefault(key, []).append(r["model"].split("/")[-1])
    for (code, feat), c in hist.most_common():
        feat_cell = feat.replace("|", "\\|")
        lines.append(f"| {c} | {code} | {feat_cell} | {', '.join(who[(code, feat)])} |")
    if triage:
        lines.append("")
        lines.append("Failures by cause (triage):")
        lines.append("")
        lines.append("| count | cause |")
        lines.append("|---|---|")
        causes = Counter(triage.get(r["model"], ("untriaged",))[0] or "untriaged" for r in results
                         if not (r["check"] == 0 and r["run"] in (0, "-")))
        for cause, count in causes.most_common():
            lines.append(f"| {count} | {cause} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
