#!/usr/bin/env bash
# Runs a standard LEMS example in NEURON as ../shared/neuroml/expected was made (jNeuroML's
# NEURON export, the exported ODEs that are linear in their state rewritten so that `cnexp`
# integrates them exactly, NEURON's fixed step) and writes OUTDIR/results/... (every EVERY-th
# row, under OUTDIR/neuron/ as in the shared folder) and OUTDIR/meta.json (spike times of the full-resolution output, in the layout of the
# shared expected/*/meta.json that the tests read), for examples the shared folder lacks.
#
#   tools/neuron_reference.sh LEMS_FILE OUTDIR COLUMN... [--every N]
#
# e.g. tools/neuron_reference.sh ../shared/neuroml/LEMSexamples/LEMS_NML2_Ex18_GHK.xml \
#          Tests/BRCTests/Fixtures/neuron/ex18_ghk results/ex18.dat:1 --every 50
#
# COLUMN is FILE:INDEX (e.g. results/ex18.dat:1), a membrane-potential column to compare.
# The rewrite replaces each DERIVATIVE line `x' = rate_x` by rate_x's expression in rates()
# (checked: with it this script reproduces expected/ex15_cadynamics exactly).
# A concentration model of an ion other than calcium (ion="k", "na", "cl") is exported from the
# core type written for calcium, in a mod file NEURON refuses; the script repairs it: the pool's
# inward current (nA), which the export names like the ion's own current (`ik`, declared twice),
# is renamed `iCa` as for calcium, and its `VALENCE 2` and the shell term's `2 * Faraday` take
# the ion's valence (k, na 1; cl -1), as brcc's pools do (docs/numerics.md); a channel of
# chloride, which the export writes with an assumed `VALENCE 1`, gets -1. Calcium mods are left
# as they are, except that a channel placed by channelDensityGHK2, whose exported `ghk2()` reads
# cai and cao without declaring them (NEURON 9 refuses the mod), gets them in its ASSIGNED block
# as the export's channelDensityGHK mods have them. A fixedFactorConcentrationModelTraub of
# cell2CaPools's second calcium ion (ca2) is exported with its inward current named iCa2 while
# its rate reads the core type's iCa (NEURON refuses the mod); the script renames it iCa. The
# export's run script records such a cell's caConc2 as `caConc2(0.5)`, which NEURON reads as
# 0; the script records ca2i, the pool's concentration, instead.
#
# Needs Java 17, the jNeuroML jar ($JNML_JAR or an installed pyNeuroML, as
# tools/jlems_reference.sh) and NEURON (`pip install neuron`: nrnivmodl, python3 -c "import neuron").
set -euo pipefail
lems=$(readlink -f "$1"); out=$(mkdir -p "$2" && readlink -f "$2"); shift 2
every=1; cols=()
while [ $# -gt 0 ]; do
  case "$1" in --every) every=$2; shift 2 ;; *) cols+=("$1"); shift ;; esac
done
. "$(dirname "$0")/jnml_jar.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The LEMS file and everything it includes, copied with their layout (tools/copy_with_includes.py),
# so that the export finds them and writes its files without touching the source tree.
sim=$(python3 "$(dirname "$0")/copy_with_includes.py" "$lems" "$work/model")
cd "$sim"
java -jar "$jar" "$(basename "$lems")" -neuron -nogui > export.log 2>&1
python3 - <<'PY'
import glob, re
VALENCE = {"na": 1, "k": 1, "cl": -1}
for f in glob.glob("*.mod"):
    s = open(f).read()
    pool = re.search(r"USEION (\w+) READ \1i, \1o, i\1 WRITE \1i VALENCE 2", s)
    if pool and pool.group(1) in VALENCE:
        ion, z = pool.group(1), VALENCE[pool.group(1)]
        s = s.replace(pool.group(0), pool.group(0)[:-1] + str(z))
        s = re.sub(r"^(\s*)i%s \(nA\)" % ion, r"\1iCa (nA)", s, flags=re.M)
        s = re.sub(r"^(\s*)i%s = \(1e6\)" % ion, r"\1iCa = (1e6)", s, flags=re.M)
        s = s.replace("iCa / (2 *  Faraday", "iCa / (%d *  Faraday" % z)
        open(f, "w").write(s)
    if pool and pool.group(1) == "ca2" and "(iCa/" in s:
        s = re.sub(r"^(\s*)iCa2 \(nA\)", r"\1iCa (nA)", s, flags=re.M)
        s = re.sub(r"^(\s*)iCa2 = \(1e6\)", r"\1iCa = (1e6)", s, flags=re.M)
        open(f, "w").write(s)
    chan = re.search(r"USEION (\w+) (READ \w+ )?WRITE i\1 VALENCE 1 \? Assuming valence = 1", s)
    if chan and VALENCE.get(chan.group(1), 1) != 1:
        s = s.replace(chan.group(0), chan.group(0).replace("VALENCE 1 ", "VALENCE %d " % VALENCE[chan.group(1)], 1))
        open(f, "w").write(s)
    if "ghk2(v, cai, cao)" in s and not re.search(r"^\s*cai \(mM\)", s, re.M):
        s = s.replace("ASSIGNED {\n", "ASSIGNED {\n    cai (mM)\n    cao (mM)\n", 1)
        open(f, "w").write(s)
    # A STATE without a DERIVATIVE line (a LEMS state changed only by events and conditions,
    # e.g. a kinetic synapse's transmitter pulse C and its end time toff) is an ASSIGNED
    # variable to NEURON, which refuses some of them ("C not really a STATE", NEURON 9); one
    # that ASSIGNED declares already is dropped from STATE.
    block = re.search(r"STATE \{\n(.*?)\}\n", s, re.S)
    if block:
        kept, moved = [], []
        for line in block.group(1).splitlines(keepends=True):
            name = re.match(r"\s*(\w+)", line)
            if not name or re.search(r"^\s*%s' =" % name.group(1), s, re.M):
                kept.append(line)
            elif not re.search(r"ASSIGNED \{[^}]*^\s*%s\b" % name.group(1), s, re.M):
                moved.append(line)
        if len(kept) < len(block.group(1).splitlines(keepends=True)):
            s = s.replace(block.group(0), ("" if "ASSIGNED {\n" in s else "ASSIGNED {\n}\n") + "STATE {\n" + "".join(kept) + "}\n", 1)
            s = s.replace("ASSIGNED {\n", "ASSIGNED {\n" + "".join(moved), 1)
            open(f, "w").write(s)
    rates = dict(re.findall(r"^\s*(rate_\w+) = (.*?)\s*\? Note", s, re.M))
    t = re.sub(r"^(\s*\w+)' = (rate_\w+)", lambda m: m.group(1) + "' = " + rates[m.group(2)], s, flags=re.M)
    if t != s:
        open(f, "w").write(t)
PY
nrnivmodl > nrnivmodl.log 2>&1
python3 - "$lems" <<'PY'
import os, re, sys
text = re.sub(r"<!--.*?-->", "", open(sys.argv[1]).read(), flags=re.S)
for f in re.findall(r'fileName="([^"]+)"', text):
    os.makedirs(os.path.dirname(f) or ".", exist_ok=True)
PY
sed -i 's/\.caConc2(0\.5)/.ca2i(0.5)/' "$(basename "${lems%.xml}")_nrn.py"
python3 "$(basename "${lems%.xml}")_nrn.py" > run.log 2>&1
python3 - "$out" "$every" "$(basename "$lems")" "${cols[@]}" <<'PY'
import json, os, sys
out, every, lems, cols = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4:]
meta = {"lems_file": lems, "engine": "NEURON via jNeuroML's export, linear ODEs integrated exactly (tools/neuron_reference.sh)",
        "every_nth_row": every, "compare": [], "spikes_ms": {"neuron": {}}}
files = sorted({c.split(":")[0] for c in cols})
for f in files:
    rows = [l for l in open(f) if l.strip() and not l.startswith("#")]
    os.makedirs(os.path.join(out, "neuron", os.path.dirname(f)), exist_ok=True)
    open(os.path.join(out, "neuron", f), "w").writelines(rows[::every])
    table = [[float(x) for x in l.split()] for l in rows]
    meta["duration_ms"] = round(table[-1][0] * 1000, 6)  # what ../shared/tools/compare_outputs.py reads
    for c in cols:
        cf, index = c.split(":")[0], int(c.split(":")[1])
        if cf != f: continue
        t = [r[0] * 1000 for r in table]; v = [r[index] * 1000 for r in table]
        spikes = [t[i] + (0 - v[i]) / (v[i + 1] - v[i]) * (t[i + 1] - t[i]) for i in range(len(v) - 1) if v[i] < 0 <= v[i + 1]]
        key = f"{f}:{index}"
        meta["compare"].append({"key": key, "file": f, "index": index, "spike_threshold_mV": 0.0})
        meta["spikes_ms"]["neuron"][key] = [round(s, 6) for s in spikes]
json.dump(meta, open(os.path.join(out, "meta.json"), "w"), indent=1)
PY
