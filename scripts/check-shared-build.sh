#!/usr/bin/env bash
# After `cargo test --workspace`, builds what `make run` runs and fails if
# that had to compile any dependency again: the two must resolve the same
# features (see the note at the end of local/Cargo.toml), or `make run`
# after `make test` spends minutes rebuilding.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(cargo build -p emrbot-local --color never 2>&1) || { echo "$out"; exit 1; }
rebuilt=$(grep -E '^\s*Compiling ' <<<"$out" | grep -v ' emrbot-' || true)
if [[ -n "$rebuilt" ]]; then
  echo "make run would rebuild these after make test (their features differ between the two builds):"
  echo "$rebuilt"
  echo "Turn the same features on in local/Cargo.toml (see the note there)."
  exit 1
fi
echo "check-shared-build: make run reuses every dependency make test built."
