#!/usr/bin/env bash
# Copies what continues a training budget (experiments/cue_configs.sh) from one run folder to
# another, file by file (write, then rename): per configuration its checkpoint.json (the
# search's state, with the sets of the round in progress), evaluations.csv, summary.json and
# best_parameters.xml. Reports, figures and the best set's rerun are left out (`brcc train`
# writes them again at the end of its next round; `brcc report DIR` on demand).
#
#   experiments/snapshot_budget.sh FROM TO
#
# The full budget's state is kept in the repository this way (experiments/budget/), because
# a session's machine and its files outside git do not outlive the session: docs/results.md
# says how to continue it on a new machine.
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 FROM TO" >&2; exit 64; }
from=$1; to=$2
[ -d "$from" ] || { echo "$0: no run folder $from" >&2; exit 66; }
for dir in "$from"/*/; do
  [ -f "$dir/checkpoint.json" ] || continue
  v=$(basename "$dir")
  mkdir -p "$to/$v"
  for f in checkpoint.json evaluations.csv summary.json best_parameters.xml; do
    if [ -f "$dir/$f" ]; then cp "$dir/$f" "$to/$v/.$f.tmp" && mv "$to/$v/.$f.tmp" "$to/$v/$f"; fi
  done
  echo "$v: $(python3 -c 'import json,sys; s=json.load(open(sys.argv[1]))["state"]; print(s["search"]["completedRounds"], "rounds complete,", s["simulations"], "simulations")' "$to/$v/checkpoint.json")"
done
