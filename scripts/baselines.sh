#!/usr/bin/env bash
# Regression baselines of the shipped scenarios.
#
#   scripts/baselines.sh update   # regenerate results/<scenario>/summary.json
#   scripts/baselines.sh check    # run every scenario afresh and compare (CI)
#
# Same scenario and seed => any difference is a behaviour change, not noise.
# To accept an intended change: run `update`, review `git diff results/`,
# and commit the new baselines with a message that says why they moved.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-check}
cargo build --release --locked --quiet
bin=target/release/drsim
status=0
for f in scenarios/*.toml; do
  name=$(basename "$f" .toml)
  fresh=target/baselines/$name
  "$bin" run "$f" --quiet --force --out "$fresh"
  case "$mode" in
    update)
      mkdir -p "results/$name"
      cp "$fresh/summary.json" "results/$name/summary.json"
      echo "updated results/$name/summary.json"
      ;;
    check)
      echo "== $name"
      if ! "$bin" compare "results/$name/summary.json" "$fresh/summary.json"; then
        status=1
      fi
      ;;
    *)
      echo "usage: $0 update|check" >&2
      exit 2
      ;;
  esac
done
exit $status
