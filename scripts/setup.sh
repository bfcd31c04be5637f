#!/usr/bin/env bash
# Everything `make run` and `make test` need that a fresh machine lacks.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/venv.sh
# rustfmt and clippy ship with the toolchain here; add them only if missing.
for component in rustfmt clippy; do
  if ! cargo "${component/rustfmt/fmt}" --version >/dev/null 2>&1; then
    rustup component add "$component"
  fi
done
