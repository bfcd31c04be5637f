#!/usr/bin/env bash
# The layering rules, checked in `make test`:
#  1. the domain (emrbot-domain) depends on no AWS, HTTP or Lambda crate, even
#     indirectly, and its sources name none;
#  2. no two modules of a crate import each other, directly or around a cycle;
#  3. no source file is over 400 lines, except those listed below with why,
#     and no test file (`*/tests`) over 600;
#  4. no function of the domain is over 120 lines.
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

def strip_literals(line):
    line = re.sub(r'"(\\.|[^"\\])*"', '""', line)
    line = re.sub(r"'(\\.|[^'\\])'", "''", line)
    return line.split("//")[0]

# The domain's functions: at most 120 lines each (rules stay readable).
for root, _, files in os.walk("domain/src"):
    for f in files:
        if not f.endswith(".rs"):
            continue
        path = os.path.join(root, f)
        lines = [strip_literals(l) for l in open(path).read().splitlines()]
        i = 0
        while i < len(lines):
            m = re.match(r"\s*(pub(\([^)]*\))?\s+)?(const\s+)?(async\s+)?fn\s+(\w+)", lines[i])
            if not m:
                i += 1
                continue
            depth, opened, j = 0, False, i
            while j < len(lines):
                depth += lines[j].count("{") - lines[j].count("}")
                opened = opened or "{" in lines[j]
                if (opened and depth <= 0) or (not opened and lines[j].rstrip().endswith(";")):
                    break
                j += 1
            if j - i + 1 > 120:
                print(f"check-layers: {path}:{i+1}: fn {m.group(5)} has {j-i+1} lines (at most 120)", file=sys.stderr)
                failed = True
            i += 1

# Test files: at most 600 lines each (split by topic beyond that).
for crate in ["domain", "shared", "ingress", "worker", "scheduler", "local", "tests"]:
    tests = os.path.join(crate, "tests")
    if not os.path.isdir(tests):
        continue
    for root, _, files in os.walk(tests):
        for f in files:
            path = os.path.join(root, f)
            if f.endswith(".rs") and open(path).read().count("\n") > 600:
                print(f"check-layers: {path} is over 600 lines (split it by topic)", file=sys.stderr)
                failed = True
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
echo "check-layers: the domain imports no adapter; no module cycles; no file over 400 lines (600 for tests); no domain function over 120 lines"
