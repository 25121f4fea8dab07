#!/usr/bin/env bash
# The study network (models/brc/LEMS_cue_dend_nmda.xml, 1 s, 40,000 steps of 0.025 ms), once in
# brcc and once in NEURON 9 on brcc's export of the same network (`brcc export --neuron`, which
# reproduces brcc's traces to rounding, tested), in one run so the machine's drift hits both.
# Prints wall and CPU seconds and ns per compartment-step (1,600 compartments).
#
#   bench/study_vs_neuron.sh [BRCC_RUN_FLAGS...]      e.g. --precision fast
#
# Needs NEURON (`pip install neuron==9.0.2`: python3 -c "import neuron", nrnivmodl) and a
# release build (`swift build -c release`). Not a test: figures go to docs/performance.md.
set -euo pipefail
cd "$(dirname "$0")/.."
BRCC=${BRCC:-.build/release/brcc}
MODEL=models/brc/LEMS_cue_dend_nmda.xml
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
comps=1600; steps=40000
"$BRCC" run "$MODEL" --out "$work/warm" --no-plots "$@" > /dev/null 2>&1   # compile outside the timing
t() { /usr/bin/time -f "%e %U" "$@" 2>&1 >/dev/null | tail -1; }
read -r bw bu < <(t "$BRCC" run "$MODEL" --out "$work/brcc" --no-plots "$@")
"$BRCC" export "$MODEL" --neuron "$work/nrn" > /dev/null
(cd "$work" && nrnivmodl nrn > /dev/null 2>&1)
read -r nw nu < <(cd "$work" && t python3 nrn/run.py --out "$work/neuron")
awk -v bw="$bw" -v bu="$bu" -v nw="$nw" -v nu="$nu" -v c=$comps -v s=$steps -v flags="$*" 'BEGIN {
  printf "brcc %s: %.2f s wall, %.2f s CPU = %.0f ns per compartment-step (CPU)\n", flags, bw, bu, bu / (c * s) * 1e9
  printf "NEURON 9 (export): %.2f s wall, %.2f s CPU = %.0f ns per compartment-step (CPU)\n", nw, nu, nu / (c * s) * 1e9
  printf "NEURON / brcc (CPU): %.1fx\n", nu / bu }'
