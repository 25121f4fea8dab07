#!/usr/bin/env bash
# Trains the study's four cue configurations (STUDY.md: cue at the soma or the distal dendrite,
# through AMPA or NMDA) with the same budget and seed, then compares them (`brcc compare`: the
# tables by round and the figures, in ROOT/comparison).
#
#   experiments/cue_configs.sh [ROUNDS] [SAMPLES] [THREADS] [--baseline]   (defaults: 2 6 2)
#
# PRECISION=fast|exact (default exact) picks the kernels (`brcc train --precision`); the
# precision is recorded in each summary.json.
# Each parameter set is 20 simulations of 1 s (4 cue conditions x 5 repeats); each round's
# `brcc train` simulates the best set once more for the report (2 4 2: 4 x (2 x 4 + 2) x 20 =
# 800 simulations). The study's budget is 10 rounds x 100 sets (20,000
# simulations per configuration): `experiments/cue_configs.sh 10 100 2`; docs/results.md says
# what the budget used there cost. With --baseline the model's own values are scored first
# (baseline.json). Runs go to runs/cue_configs/<configuration>; BRCC names the brcc binary to
# use (default: build .build/release/brcc). Interrupted runs continue with the same command:
# each configuration resumes from its checkpoint (rounds it has completed are not run again).
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-2}
SAMPLES=${2:-6}
THREADS=${3:-2}
BASELINE=${4:-}
PRECISION=${PRECISION:-exact}
if [ -z "${BRCC:-}" ]; then swift build -c release --product brcc >/dev/null; BRCC=.build/release/brcc; fi
ROOT=${ROOT:-runs/cue_configs}
# Round by round across the configurations, so that a budget cut short (the study's takes
# hours) leaves the four configurations at the same number of rounds: configuration v is
# extended to round r (`--rounds r --resume`, the same search as one uninterrupted run) before
# any configuration starts round r + 1.
completed() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["state"]["search"]["completedRounds"])' "$1/checkpoint.json" 2>/dev/null || echo 0; }
for ((r = 1; r <= ROUNDS; r++)); do
  for v in soma_ampa soma_nmda dend_ampa dend_nmda; do
    OUT="$ROOT/$v"
    MODEL="models/brc/train_cue_$v.xml"
    mkdir -p "$OUT"
    if [ "$BASELINE" = "--baseline" ] && [ ! -f "$OUT/baseline.json" ]; then
      echo "== $v: the model's own values" >&2
      "$BRCC" train "$MODEL" --out "$OUT" --baseline --threads "$THREADS" --precision "$PRECISION"
    fi
    if [ "$(completed "$OUT")" -ge "$r" ]; then continue; fi
    RESUME=""
    [ -f "$OUT/checkpoint.json" ] && RESUME="--resume"
    echo "== $v: round $r of $ROUNDS, $SAMPLES parameter sets, --precision $PRECISION $RESUME" >&2
    "$BRCC" train "$MODEL" --out "$OUT" --rounds "$r" --samples "$SAMPLES" --threads "$THREADS" --seed 1 --precision "$PRECISION" $RESUME
    "$BRCC" report "$OUT" >/dev/null
  done
done
RUNS=()
for v in soma_ampa soma_nmda dend_ampa dend_nmda; do RUNS+=("$ROOT/$v"); done
"$BRCC" compare "${RUNS[@]}" --out "$ROOT/comparison" > /dev/null
echo "wrote $ROOT/comparison/comparison.md and its figures" >&2
