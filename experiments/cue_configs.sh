#!/usr/bin/env bash
# Trains the study's four cue configurations (soma/dendrite x AMPA/NMDA) with the same budget
# and seed, then writes docs/results.md from their summaries.
#
#   experiments/cue_configs.sh [ROUNDS] [SAMPLES] [THREADS]      (defaults: 3 4 2)
#
# The default budget, 3 rounds x 4 parameter sets x 20 simulations of 1 s per configuration,
# takes about an hour for the four on a 2-core machine (each simulated second of the network
# costs about 7 s on one core). The study used 10 rounds x 100 sets (20,000 simulations per
# configuration): `experiments/cue_configs.sh 10 100 2` (about 3 weeks here, see
# docs/performance.md).
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-3}
SAMPLES=${2:-4}
THREADS=${3:-2}
swift build -c release --product brcc >/dev/null
for v in soma_ampa soma_nmda dend_ampa dend_nmda; do
  echo "== $v: the model's own values, then $ROUNDS rounds x $SAMPLES parameter sets" >&2
  .build/release/brcc train "models/brc/train_cue_$v.xml" --out "runs/cue_configs/$v" --baseline
  .build/release/brcc train "models/brc/train_cue_$v.xml" --out "runs/cue_configs/$v" \
      --rounds "$ROUNDS" --samples "$SAMPLES" --threads "$THREADS" --seed 1
done
python3 experiments/results_table.py runs/cue_configs > docs/results.md
echo "wrote docs/results.md" >&2
