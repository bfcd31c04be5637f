#!/usr/bin/env bash
# Ingress benchmark: per-request handler time (no network), cold start of the
# release `ingress` binary under a Lambda Runtime API (process start → first
# response) with its peak RSS, and the release binary size.
#   scripts/bench-ingress.sh            (needs the emulator: scripts/venv.sh)
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== release binary"
cargo build --release -p emrbot-ingress --bin ingress 2>&1 | tail -1
bin=target/release/ingress
bytes=$(stat -c %s "$bin")
echo "size: $bytes bytes ($(awk "BEGIN{printf \"%.1f\", $bytes/1048576}") MiB)"

echo "== handler time (verify + parse + encode, no network)"
cargo bench -p emrbot-ingress --bench handler 2>&1 | grep -E "p50=|error" || true

echo "== cold start under the Lambda Runtime API"
INGRESS_BIN="$PWD/$bin" cargo test -p emrbot-ingress --test integration cold_start -- --ignored --nocapture 2>&1 | grep -E "^cold start|panicked|error" || true
