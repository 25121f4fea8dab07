#!/usr/bin/env bash
# Scores each configuration's best parameter set of a cue_configs.sh run again, on the same 20
# trials (the set's `sample` keys its trials' noise, as in training), in another precision:
# docs/numerics.md advises scoring a fast search's final candidates in exact precision.
#
#   experiments/rescore_best.sh RUN_ROOT [PRECISION] [THREADS]     (defaults: exact 2)
#
# For each configuration under RUN_ROOT it writes RUN_ROOT/<configuration>/rescore_<precision>/
# (best.csv, the row of evaluations.csv with the lowest score; evaluations.csv, `brcc evaluate`'s
# scoring of it) and then prints a markdown table: the search's score against the new one.
# BRCC names the brcc binary (default: build .build/release/brcc).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=${1:?usage: experiments/rescore_best.sh RUN_ROOT [PRECISION] [THREADS]}
PRECISION=${2:-exact}
THREADS=${3:-2}
if [ -z "${BRCC:-}" ]; then swift build -c release --product brcc >/dev/null; BRCC=.build/release/brcc; fi
for v in soma_ampa soma_nmda dend_ampa dend_nmda; do
  RUN="$ROOT/$v"
  [ -f "$RUN/evaluations.csv" ] || continue
  OUT="$RUN/rescore_$PRECISION"
  mkdir -p "$OUT"
  python3 - "$RUN/evaluations.csv" "$OUT/best.csv" <<'EOF'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
best = min(rows, key=lambda r: float(r["score"]))
with open(sys.argv[2], "w", newline="") as f:
    w = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
    w.writeheader()
    w.writerow(best)
EOF
  echo "== $v: the best set in --precision $PRECISION" >&2
  "$BRCC" evaluate "models/brc/train_cue_$v.xml" --sets "$OUT/best.csv" --out "$OUT" \
    --threads "$THREADS" --precision "$PRECISION" >&2
done
python3 - "$ROOT" "$PRECISION" <<'EOF'
import csv, os, sys
root, precision = sys.argv[1], sys.argv[2]
print(f"| configuration | round | set | search's score | {precision} score | failed ({precision}) | mean abs prediction ({precision}) |")
print("|---|---|---|---|---|---|---|")
for v in ["soma_ampa", "soma_nmda", "dend_ampa", "dend_nmda"]:
    out = os.path.join(root, v, "rescore_" + precision)
    if not os.path.exists(os.path.join(out, "evaluations.csv")):
        continue
    old = next(csv.DictReader(open(os.path.join(out, "best.csv"))))
    new = next(csv.DictReader(open(os.path.join(out, "evaluations.csv"))))
    print(f"| {v.replace('_', ' ')} | {old['round']} | {old['sample']} | {float(old['score']):.3f} | "
          f"{float(new['score']):.3f} | {'yes' if new['failed'] == '1' else 'no'} | {float(new['mean_abs_prediction']):.3f} |")
EOF
