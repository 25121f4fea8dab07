#!/usr/bin/env bash
# Exports every LEMS file given (default: the standard examples, tools/lems and the test
# fixtures) with `brcc export --neuroml`, runs the model and its export, and compares every
# output file byte for byte; the .nml files are validated against the NeuroML v2.3 schema.
# Prints one line per file (same / DIFF / refused with the reason) and a summary.
#
#   tools/neuroml_roundtrip.sh [LEMS_FILE...]
#
# Needs a release build (BRCC, default .build/release/brcc) and xmllint. Not a test: the
# tests (NeuroMLExportTests) check a selection; this sweeps everything (docs/cli.md).
set -uo pipefail
cd "$(dirname "$0")/.."
BRCC=${BRCC:-$PWD/.build/release/brcc}
SCHEMA=../shared/neuroml/Schemas/NeuroML_v2.3.xsd
[ $# -gt 0 ] || set -- ../shared/neuroml/LEMSexamples/*.xml tools/lems/*.xml Tests/BRCTests/Fixtures/lems/*.xml
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
same=0; refused=0; bad=0
for f in "$@"; do
  rm -rf "$work/x" "$work/a" "$work/b"
  if ! out=$("$BRCC" export "$f" --neuroml "$work/x" 2>&1); then
    echo "refused $(basename "$f"): $(echo "$out" | grep -o 'NeuroML: .*' | cut -c10-)"; refused=$((refused + 1)); continue
  fi
  main=$(ls "$work"/x/LEMS_*.xml | head -1)
  "$BRCC" run "$f" --out "$work/a" --no-plots > /dev/null 2>&1 || { echo "the model does not run: $f"; bad=$((bad + 1)); continue; }
  "$BRCC" run "$main" --out "$work/b" --no-plots > /dev/null 2>&1 || { echo "EXPORT DOES NOT RUN $(basename "$f")"; bad=$((bad + 1)); continue; }
  diff=$(cd "$work/a" && find . -type f | while read -r x; do cmp -s "$x" "../b/$x" || echo "$x"; done)
  invalid=$(xmllint --noout --schema "$SCHEMA" "$work"/x/*.nml 2>&1 | grep -v ' validates$' || true)
  if [ -n "$diff" ] || [ -n "$invalid" ]; then echo "DIFF $(basename "$f"): $diff $invalid"; bad=$((bad + 1)); else echo "same $(basename "$f")"; same=$((same + 1)); fi
done
echo "$# files: $same export and rerun to the same bytes, $refused refused, $bad differ or fail"
[ "$bad" -eq 0 ]
