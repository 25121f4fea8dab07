#!/usr/bin/env bash
# A reference run of one model of the external corpus (docs/external_models.md): copies the
# model's repository folder from ROOT to a temporary folder (so its includes resolve and its
# relative output paths land there), then
#
# - NEURON (default): exports it with jNeuroML (`-neuron`), rewrites the exported ODEs that are
#   linear in their state so that `cnexp` integrates them exactly (as tools/neuron_reference.sh
#   does; brcc uses that scheme), builds the mechanisms and runs NEURON;
# - jLEMS (--jlems): runs it with jNeuroML's LEMS interpreter (forward Euler), an independent
#   implementation of LEMS's semantics, for models whose NEURON export fails or records nothing;
#
# and copies every .dat it wrote to OUTDIR (paths relative to the LEMS file's folder).
#
#   tools/external_reference.sh [--jlems] ROOT REL OUTDIR
#   tools/compare_runs.py /tmp/external_check/<REL with / as __> OUTDIR
#
# e.g. tools/external_reference.sh /work/external_models \
#        pyNeuroML/examples/test_data/LEMS_HH_Simulation.xml /tmp/nrn/hh
#
# Needs Java 17, the jNeuroML jar and (for NEURON) NEURON (`python3 -m venv /tmp/pynml &&
# /tmp/pynml/bin/pip install pyneuroml neuron==9.0.2`; $PYNML_BIN, default /tmp/pynml/bin, holds
# nrnivmodl and the python that imports neuron).
set -euo pipefail
jlems=0; [ "${1:-}" = --jlems ] && { jlems=1; shift; }
root=$(readlink -f "$1"); rel=$2; out=$(mkdir -p "$3" && readlink -f "$3")
. "$(dirname "$0")/jnml_jar.sh"
bin=${PYNML_BIN:-/tmp/pynml/bin}
repo=${rel%%/*}
work=$(mktemp -d)
cp -r "$root/$repo" "$work/"
chmod -R u+w "$work"
cd "$work/$(dirname -- "$rel")"
# NEURON's export writes into existing folders only.
python3 - "$(basename -- "$rel")" <<'PY'
import os, re, sys
text = re.sub(r"<!--.*?-->", "", open(sys.argv[1]).read(), flags=re.S)
for f in re.findall(r'<(?:Event)?OutputFile[^>]*fileName="([^"]+)"', text):
    d = os.path.dirname(f)
    if d and not os.path.isabs(d):
        os.makedirs(d, exist_ok=True)
PY
touch .start
if [ $jlems = 1 ]; then
  java -Xmx2g -jar "$jar" "$(basename -- "$rel")" -nogui > jlems.log 2>&1 ||
    { echo "jLEMS failed (see $PWD/jlems.log)" >&2; { grep -m1 -E "Error|Exception" jlems.log || tail -1 jlems.log; } >&2; exit 1; }
  find . -name "*.dat" -newer .start -exec cp --parents {} "$out/" \;
  # An absolute output path: its last component, as brcc writes it inside --out.
  python3 - "$(basename -- "$rel")" "$out" <<'PY'
import os, re, shutil, sys
text = re.sub(r"<!--.*?-->", "", open(sys.argv[1]).read(), flags=re.S)
for f in re.findall(r'<(?:Event)?OutputFile[^>]*fileName="([^"]+)"', text):
    if os.path.isabs(f) and os.path.exists(f):
        shutil.copy(f, os.path.join(sys.argv[2], os.path.basename(f)))
PY
  rm -rf "$work"
  echo "jLEMS outputs in $out"
  exit 0
fi
PATH=$bin:$PATH java -Xmx500m -jar "$jar" "$(basename -- "$rel")" -neuron -nogui > export.log 2>&1 ||
  { echo "jNeuroML's NEURON export failed (see $PWD/export.log)" >&2; tail -3 export.log >&2; exit 1; }
python3 - <<'PY'
import glob, re
for f in glob.glob("*.mod"):
    s = open(f).read()
    rates = dict(re.findall(r"^\s*(rate_\w+) = (.*?)\s*\? Note", s, re.M))
    t = re.sub(r"^(\s*\w+)' = (rate_\w+)", lambda m: m.group(1) + "' = " + rates[m.group(2)], s, flags=re.M)
    if t != s:
        open(f, "w").write(t)
PY
PATH=$bin:$PATH nrnivmodl > nrnivmodl.log 2>&1
"$bin/python3" "$(ls *_nrn.py | head -1)" -nogui > run.log 2>&1
find . -name "*.dat" -newer .start -exec cp --parents {} "$out/" \;
echo "NEURON outputs in $out (work folder $work)"
