#!/usr/bin/env bash
# One-core vs two-core wall time of a run with its CSVs, as the README's
# benchmark table reports it.
#
#   scripts/scaling.sh [SCENARIO] [RUNS] [REPEATS] [OUT_DIR]
#
# Alternates a one-core run (`taskset -c 0 … --threads 1`) and a two-core
# run (`--threads 2`) REPEATS times, so a noisy neighbour hits both alike,
# and prints each series and the ratio of their medians. OUT_DIR decides
# the file system the CSVs go to (e.g. /dev/shm to leave the disk out).
set -euo pipefail
cd "$(dirname "$0")/.."
scenario=${1:-scenarios/dynamics365-self-service-dr.toml}
runs=${2:-20000}
repeats=${3:-9}
out=${4:-target/scaling}
cargo build --release --locked --quiet
bin=target/release/drsim

millis() { date +%s%N | cut -c1-13; }
median() { tr ' ' '\n' | grep . | sort -n | sed -n "$(((repeats + 1) / 2))p"; }

one="" two=""
for _ in $(seq "$repeats"); do
  start=$(millis)
  taskset -c 0 "$bin" run "$scenario" --runs "$runs" --threads 1 --out "$out/one" --force --quiet
  one+="$(($(millis) - start)) "
  start=$(millis)
  "$bin" run "$scenario" --runs "$runs" --threads 2 --out "$out/two" --force --quiet
  two+="$(($(millis) - start)) "
done
m1=$(echo "$one" | median)
m2=$(echo "$two" | median)
echo "one core  (ms): $one"
echo "two cores (ms): $two"
awk -v a="$m1" -v b="$m2" 'BEGIN { printf "medians %d ms -> %d ms: %.2fx\n", a, b, a / b }'
