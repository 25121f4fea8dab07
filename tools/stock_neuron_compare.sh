#!/usr/bin/env bash
# A standard example three ways, to measure how brcc differs from a stock jNeuroML NEURON
# export (`pynml FILE -neuron`, whose exported gates NEURON integrates by forward Euler) and
# from NEURON with exact gate integration (brcc's method, docs/numerics.md):
#
#   tools/stock_neuron_compare.sh LEMS_FILE STEP_MS OUTDIR [BRCC_FLAGS...]
#
# The example's folder (with ../examples beside it) is copied to OUTDIR/work, its Simulation
# step set to STEP_MS; pynml exports it to NEURON and runs it there (OUTDIR/work/...), brcc runs
# the same copy (OUTDIR/brcc, with BRCC_FLAGS, e.g. --gates forward-euler), and
# tools/compare_runs.py compares them. Needs pyNeuroML and NEURON (PYNML names pynml; default
# /tmp/pynml/bin/pynml from `python3 -m venv /tmp/pynml && /tmp/pynml/bin/pip install pyneuroml
# neuron==9.0.2`) and BRCC (default .build/release/brcc).
set -euo pipefail
cd "$(dirname "$0")/.."
lems=$(readlink -f "$1"); step=$2; out=$(mkdir -p "$3" && readlink -f "$3"); shift 3
PYNML=${PYNML:-/tmp/pynml/bin/pynml}
BRCC=${BRCC:-.build/release/brcc}
src=$(dirname "$lems")
rm -rf "$out/work" "$out/brcc"; mkdir -p "$out/work"
cp -r "$src" "$out/work/$(basename "$src")"
[ -d "$src/../examples" ] && cp -r "$src/../examples" "$out/work/examples"
file="$out/work/$(basename "$src")/$(basename "$lems")"
sed -i -E "s/(<Simulation [^>]*step=\")[^\"]*\"/\1${step}ms\"/" "$file"
bin=$(dirname "$PYNML")
(cd "$(dirname "$file")" && mkdir -p results && "$PYNML" "$(basename "$file")" -neuron -nogui && "$bin/nrnivmodl" && "$bin/python3" "$(basename "${file%.xml}")_nrn.py" -nogui) \
  > "$out/pynml.log" 2>&1 || { tail -20 "$out/pynml.log" >&2; exit 1; }
"$BRCC" run "$file" --out "$out/brcc" --no-plots "$@" > "$out/brcc.log" 2>&1 || { tail -20 "$out/brcc.log" >&2; exit 1; }
files=$(cd "$out/brcc" && find . -name '*.dat' | sed 's|^\./||' | sort)
echo "== brcc $* vs stock NEURON export (step $step ms)"
python3 tools/compare_runs.py "$out/brcc" "$(dirname "$file")" $files
