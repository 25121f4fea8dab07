#!/usr/bin/env bash
# Runs a standard LEMS example with jLEMS (jNeuroML's LEMS interpreter, forward Euler) and
# copies its OutputFiles to OUTDIR, as an independent reference for brcc where NEURON outputs
# are not in ../shared/neuroml/expected.
#
#   tools/jlems_reference.sh LEMS_FILE OUTDIR [EVERY [--no-resets]]
#
# With EVERY (default 1) only every EVERY-th row of each OutputFile is kept (small fixtures),
# and OUTDIR/events.json lists, per file and column, the times (ms) of the full-resolution
# output where the value drops by more than 5 mV from one row to the next: an abstract cell's
# resets (its spikes), which thinning would blur. EventOutputFiles (spike times) are copied
# whole. --no-resets leaves out events.json (for outputs that are not potentials in volts,
# whose spikes an EventOutputFile records).
#
# Needs Java 17 and the jNeuroML jar, found as $JNML_JAR or in an installed pyNeuroML
# (`python3 -m venv /tmp/pynml && /tmp/pynml/bin/pip install pyneuroml`).
# The example and everything it includes are copied (tools/copy_with_includes.py) so the
# interpreter can write its relative output paths without touching the source tree.
set -euo pipefail
lems=$(readlink -f "$1"); out=$(mkdir -p "$2" && readlink -f "$2"); every=${3:-1}; resets=$([ "${4:-}" = --no-resets ] && echo 0 || echo 1)
. "$(dirname "$0")/jnml_jar.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$(python3 "$(dirname "$0")/copy_with_includes.py" "$lems" "$work/model")"
# The interpreter writes into existing folders only.
python3 - "$lems" <<'PY'
import os, re, sys
text = re.sub(r"<!--.*?-->", "", open(sys.argv[1]).read(), flags=re.S)
for f in re.findall(r'<(?:Event)?OutputFile[^>]*fileName="([^"]+)"', text):
    if os.path.dirname(f): os.makedirs(os.path.dirname(f), exist_ok=True)
PY
java -Xmx1g -jar "$jar" "$(basename "$lems")" -nogui > "$work/jlems.log" 2>&1 || { tail -20 "$work/jlems.log" >&2; exit 1; }
# Copy every OutputFile the simulation names (thinned), with the reset events.
python3 - "$lems" "$out" "$every" "$resets" <<'PY'
import json, os, re, sys
text = re.sub(r"<!--.*?-->", "", open(sys.argv[1]).read(), flags=re.S)
out, every, resets = sys.argv[2], int(sys.argv[3]), sys.argv[4] == "1"
events = {}
for f in re.findall(r'<OutputFile[^>]*fileName="([^"]+)"', text):
    rows = [line.split() for line in open(f) if line.strip()]
    cols = {}
    for c in range(1, len(rows[0])):
        v = [float(r[c]) for r in rows]
        cols[c] = [round(float(rows[i + 1][0]) * 1000, 9) for i in range(len(v) - 1) if v[i] - v[i + 1] > 0.005]
    events[f] = cols
    dst = os.path.join(out, f)
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    with open(dst, "w") as o:
        for r in rows[::every]: o.write("\t".join(r) + "\n")
    print("wrote", dst)
if resets:
    json.dump({"every": every, "resets_ms": events}, open(os.path.join(out, "events.json"), "w"), indent=1)
# EventOutputFiles (spike times) whole.
for f in re.findall(r'<EventOutputFile[^>]*fileName="([^"]+)"', text):
    dst = os.path.join(out, f)
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    open(dst, "w").write(open(f).read())
    print("wrote", dst)
PY
