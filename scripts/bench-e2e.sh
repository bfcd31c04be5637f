#!/usr/bin/env bash
# End-to-end latency on this machine: starts emrbot-local (release build) on
# its own emulator, sends `/emr status` N times signed like Slack, and prints
# the acknowledgement and deferred-reply latencies; then the same under load
# (BENCH_LOAD commands from BENCH_CLIENTS concurrent senders): latencies,
# errors, and how many commands the worker answers per second.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${BENCH_REQUESTS:-50}
load=${BENCH_LOAD:-400}
clients=${BENCH_CLIENTS:-16}
port=${BENCH_PORT:-3917}
cargo build -q --release -p emrbot-local
log=$(mktemp)
./target/release/emrbot-local run --listen "127.0.0.1:$port" >"$log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -f "$log"' EXIT
for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  sleep 0.2
done
echo "== end to end: emrbot-local (release) + moto emulator, 2 clusters =="
./target/release/emrbot-local send --url "http://127.0.0.1:$port" status >/dev/null   # warm up
./target/release/emrbot-local send --url "http://127.0.0.1:$port" --repeat "$n" status
echo "== under load: $load commands from $clients concurrent senders =="
./target/release/emrbot-local send --url "http://127.0.0.1:$port" --wait 60 --repeat "$load" --concurrency "$clients" status
