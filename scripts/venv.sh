#!/usr/bin/env bash
# Creates the project-local virtualenv (.venv) with the pinned Python tools emrbot needs:
# the AWS emulator (moto server) for `make run` / `make test`, and the infra checkers.
# Idempotent: a stamp file records which requirements were installed.
set -euo pipefail
cd "$(dirname "$0")/.."
req=scripts/requirements.txt
stamp=.venv/.installed-$(sha256sum "$req" | cut -c1-16)
if [ -f "$stamp" ]; then exit 0; fi
echo "== Installing the local AWS emulator (moto, pinned in $req) into .venv: a minute or so, once." >&2
python3 -m venv .venv
.venv/bin/pip install --quiet --disable-pip-version-check --upgrade pip >&2
.venv/bin/pip install --quiet --disable-pip-version-check -r "$req" >&2
rm -f .venv/.installed-*
touch "$stamp"
