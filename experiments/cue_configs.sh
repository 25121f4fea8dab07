#!/usr/bin/env bash
# Trains the study's four cue configurations (soma/dendrite x AMPA/NMDA) with the same budget
# and seed, then writes a results table from their summaries.
#
#   experiments/cue_configs.sh [ROUNDS] [SAMPLES] [THREADS] [CUE_SD]    (defaults: 2 4 2, the model's sd)
#
# The default budget, 2 rounds x 4 parameter sets x 20 simulations of 1 s per configuration,
# plus the hand-set values and the best network's re-run for the report (20 simulations
# each), takes about an hour for the four on a 2-core machine (50 minutes measured; each
# simulated second of the network costs about 7 s on one core). The study used 10 rounds x 100 sets (20,000
# simulations per configuration): `experiments/cue_configs.sh 10 100 2` (about 21 hours per
# configuration here, see docs/performance.md).
#
# CUE_SD, if given, sets the cue cells' tuning width (brc:setParameter input="cue_current"
# name="sd") instead of the model's 0.3; runs go to runs/cue_configs_sd$CUE_SD. BRCC names the
# brcc binary to use (default: build .build/release/brcc).
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-2}
SAMPLES=${2:-4}
THREADS=${3:-2}
SD=${4:-}
if [ -z "${BRCC:-}" ]; then swift build -c release --product brcc >/dev/null; BRCC=.build/release/brcc; fi
ROOT=runs/cue_configs${SD:+_sd$SD}
for v in soma_ampa soma_nmda dend_ampa dend_nmda; do
  mkdir -p "$ROOT/$v"
  MODEL="models/brc/train_cue_$v.xml"
  if [ -n "$SD" ]; then
    MODEL="$ROOT/$v/task.xml"
    printf '<Lems xmlns:brc="urn:brcc:brc:1">\n  <Include file="%s"/>\n  <brc:setParameter input="cue_current" name="sd" value="%s"/>\n</Lems>\n' \
      "$PWD/models/brc/train_cue_$v.xml" "$SD" > "$MODEL"
  fi
  echo "== $v: the model's own values, then $ROUNDS rounds x $SAMPLES parameter sets" >&2
  "$BRCC" train "$MODEL" --out "$ROOT/$v" --baseline --threads "$THREADS"
  "$BRCC" train "$MODEL" --out "$ROOT/$v" --rounds "$ROUNDS" --samples "$SAMPLES" --threads "$THREADS" --seed 1
  "$BRCC" report "$ROOT/$v" >/dev/null
done
python3 experiments/results_table.py "$ROOT" > "$ROOT/results.md"
echo "wrote $ROOT/results.md" >&2
