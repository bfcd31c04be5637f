#!/usr/bin/env bash
# The layering rules, checked in `make test`:
#  1. the domain (emrbot-domain) depends on no AWS, HTTP or Lambda crate, even
#     indirectly, and its sources name none;
#  2. no two modules of a crate import each other, directly or around a cycle;
#  3. no source file is over 400 lines, except those listed below with why.
set -euo pipefail
cd "$(dirname "$0")/.."

forbidden='^(aws-|aws_lambda_events|lambda_runtime|reqwest|hyper|axum)'
deps=$(cargo tree -p emrbot-domain -e normal --prefix none --format '{p}' 2>/dev/null | awk '{print $1}' | sort -u)
bad=$(echo "$deps" | grep -E "$forbidden" || true)
if [ -n "$bad" ]; then
  echo "check-layers: emrbot-domain depends on adapter crates:" >&2
  echo "$bad" >&2
  exit 1
fi
if grep -rnE '\b(aws_sdk_[a-z]+|aws_config|aws_smithy_[a-z]+|reqwest|lambda_runtime|aws_lambda_events)\b' domain/src >&2; then
  echo "check-layers: the domain names an AWS, HTTP or Lambda crate (above)" >&2
  exit 1
fi

python3 - <<'PY'
import os, re, sys

# Files allowed over 400 lines, and why.
LONG_OK = {}
failed = False
for crate in ["domain", "shared", "ingress", "worker", "scheduler", "local", "tests"]:
    src = os.path.join(crate, "src")
    if not os.path.isdir(src):
        continue
    edges = {}
    for root, _, files in os.walk(src):
        for f in files:
            if not f.endswith(".rs"):
                continue
            path = os.path.join(root, f)
            text = open(path).read()
            lines = text.count("\n")
            if lines > 400 and path not in LONG_OK:
                print(f"check-layers: {path} has {lines} lines (at most 400)", file=sys.stderr)
                failed = True
            rel = os.path.relpath(path, src)
            top = rel.split(os.sep)[0].removesuffix(".rs")
            if top in ("lib", "main"):
                continue
            code = "\n".join(l.split("//")[0] for l in text.splitlines())
            for used in re.findall(r"\bcrate::([a-z_][a-z0-9_]*)", code):
                if used != top:
                    edges.setdefault(top, set()).add(used)
    # Any cycle among top-level modules?
    state = {}
    def visit(node, path):
        global failed
        state[node] = 1
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                cycle = path[path.index(nxt):] + [nxt] if nxt in path else [node, nxt]
                print(f"check-layers: {crate}: import cycle " + " -> ".join(cycle), file=sys.stderr)
                failed = True
            elif nxt not in state:
                visit(nxt, path + [nxt])
        state[node] = 2
    for node in sorted(edges):
        if node not in state:
            visit(node, [node])
sys.exit(1 if failed else 0)
PY
echo "check-layers: the domain imports no adapter; no module cycles; no file over 400 lines"
