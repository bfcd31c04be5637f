#!/usr/bin/env bash
# Scheduler sweep benchmark: for 10, 100 and 1,000 clusters in the emulator
# (half of them in a second account via AssumeRole), the AWS API calls one
# sweep makes and the time it takes, quiet and busy.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "== scheduler sweep (AWS calls counted by a proxy in front of the emulator)"
cargo bench -q -p emrbot-scheduler --bench sweep -- ${BENCH_CLUSTERS:-10 100 1000}
