#!/usr/bin/env bash
# Cold start of the release `ingress` against its Python peer (boto3 + awslambdaric),
# side by side under the same Lambda Runtime API emulator (../shared/bench/lambda_rie.py)
# and the same moto SQS queue, in alternating runs (ingress, peer, ingress, peer, ...),
# for `/emr help` (answered at the door) and `/emr status` (one SQS SendMessage).
# Prints the medians: process start -> first response (cold_ms), start -> first
# /next (init_ms), peak RSS, and the ratio peer/ingress.
#
# Peak RSS: lambda_rie.py's `rss_kb` is the child's ru_maxrss, which can never be
# lower than the emulator's own RSS (~20 MiB of Python): a child keeps the high-water
# mark of the process it was forked from across exec. So the `own` column comes from
# extra runs in which a small `sh` starts the bootstrap, and this script (a child
# subreaper) collects the bootstrap's own ru_maxrss; `rie` is lambda_rie.py's figure.
#
#   scripts/bench-coldstart.sh   (make bench; needs .venv/bin/moto_server from scripts/setup.sh)
# Knobs: BENCH_ROUNDS (15), INGRESS_BIN (a prebuilt binary: no build), BENCH_RAW (a
#        directory to keep each run's JSON line in),
#        EMRBOT_BENCH_DIR (lambda_rie.py, make_event.py, peer/; default ../shared/bench).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
bench=${EMRBOT_BENCH_DIR:-$(dirname "$repo")/shared/bench}
rounds=${BENCH_ROUNDS:-15}

echo "== cold start: ingress (Rust) vs Python peer (boto3), alternating under one Runtime API"
for f in lambda_rie.py make_event.py peer/plain_ingress.py; do
  if [ ! -f "$bench/$f" ]; then
    echo "skipped: $bench/$f is missing (the cold-start peer lives in ../shared/bench)"
    exit 0
  fi
done
bench=$(realpath "$bench")
if [ ! -x .venv/bin/moto_server ]; then
  echo ".venv/bin/moto_server is missing: run scripts/setup.sh (make bench does)" >&2
  exit 1
fi

# The peer's own virtualenv, pinned; idempotent like scripts/venv.sh.
req=scripts/requirements-bench.txt
venv=.venv/bench
stamp=$venv/.installed-$(sha256sum "$req" | cut -c1-16)
if [ ! -f "$stamp" ]; then
  echo "installing the peer's virtualenv ($venv) from $req" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check --upgrade pip >&2
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$req" >&2
  rm -f "$venv"/.installed-*
  touch "$stamp"
fi
py=$repo/$venv/bin/python

if [ -n "${INGRESS_BIN:-}" ]; then
  bin=$INGRESS_BIN
else
  cargo build -q --release -p emrbot-ingress --bin ingress
  bin=${CARGO_TARGET_DIR:-target}/release/ingress
fi
bin=$(realpath "$bin")

work=$(mktemp -d)
moto_pid=
cleanup() {
  if [ -n "$moto_pid" ]; then
    kill "$moto_pid" 2>/dev/null || true
    wait "$moto_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# moto on a free loopback port (a port picked free can be taken before moto binds it: try a few).
endpoint=
for _ in 1 2 3; do
  port=$("$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  .venv/bin/moto_server -H 127.0.0.1 -p "$port" >"$work/moto.log" 2>&1 &
  moto_pid=$!
  if "$py" - "http://127.0.0.1:$port/moto-api/" <<'EOF'; then
import sys, time, urllib.request
for _ in range(300):
    try:
        urllib.request.urlopen(sys.argv[1], timeout=1).read()
        sys.exit(0)
    except Exception:
        time.sleep(0.1)
sys.exit(1)
EOF
    endpoint=http://127.0.0.1:$port
    break
  fi
  kill "$moto_pid" 2>/dev/null || true
  wait "$moto_pid" 2>/dev/null || true
  moto_pid=
done
if [ -z "$endpoint" ]; then
  echo "moto did not start:" >&2
  tail -5 "$work/moto.log" >&2
  exit 1
fi

export AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing
# As on Lambda: no ~/.aws files for either side to read.
export AWS_CONFIG_FILE=$work/no-aws-config AWS_SHARED_CREDENTIALS_FILE=$work/no-aws-credentials
# One queue per round: moto's SendMessage slows down as a queue fills up.
mapfile -t queue_urls < <(timeout 120 "$py" -c '
import sys, boto3
sqs = boto3.client("sqs", endpoint_url=sys.argv[1])
for n in range(int(sys.argv[2]) + 1):
    print(sqs.create_queue(QueueName=f"emrbot-bench-commands-{n}")["QueueUrl"])
' "$endpoint" "$rounds")
if [ "${#queue_urls[@]}" -ne $((rounds + 1)) ]; then
  echo "could not create the SQS queues on moto" >&2
  exit 1
fi
secret="bench-signing-secret"

# The peer runs from a copy, so its bytecode cache is not written into shared/.
mkdir -p "$work/peer"
cp "$bench/peer/plain_ingress.py" "$work/peer/"

# Own peak RSS: `sh` (small) forks the bootstrap and is killed by the emulator; the
# bootstrap is then re-parented to this helper (a child subreaper), which kills it and
# reads its ru_maxrss.
cat >"$work/own_rss.py" <<'EOF'
import ctypes, json, os, signal, subprocess, sys
if ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0) != 0:  # PR_SET_CHILD_SUBREAPER
    sys.exit("prctl(PR_SET_CHILD_SUBREAPER) failed")
signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
pidfile = os.environ["BENCH_PIDFILE"]
if os.path.exists(pidfile):
    os.unlink(pidfile)
result = {"errors": [{"kind": "no result"}]}
try:
    run = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=60)
    result = json.loads((run.stdout.decode().strip().splitlines() or ["{}"])[-1])
finally:
    own = None
    if os.path.exists(pidfile):
        pid = int(open(pidfile).read())
        try:
            os.kill(pid, signal.SIGKILL)
            own = os.wait4(pid, 0)[2].ru_maxrss
        except (ProcessLookupError, ChildProcessError):
            pass
    result["own_rss_kb"] = own
    print(json.dumps(result))
EOF
export BENCH_PIDFILE=$work/bootstrap.pid
# shellcheck disable=SC2016 # expanded by the inner sh
wrap=(sh -c 'exec 2>>"$BENCH_PIDFILE.stderr"; "$@" & echo $! >"$BENCH_PIDFILE"; wait' sh)

peer_cmd=("$py" -m awslambdaric plain_ingress.handler)
rie() { # OUT [lambda_rie args...]: one cold start, one JSON line appended to OUT
  local out=$1
  shift
  (cd "$work/peer" && timeout 60 "$py" "$bench/lambda_rie.py" --timeout 20 "$@" >>"$out" 2>>"$work/rie.log") || true
}
own() { # OUT [lambda_rie args...]: the same, started through `sh`, with the bootstrap's own peak RSS
  local out=$1
  shift
  (cd "$work/peer" && timeout 90 "$py" "$work/own_rss.py" "$py" "$bench/lambda_rie.py" --timeout 20 "$@" >>"$out" 2>>"$work/rie.log") || true
}

# Where a run's JSON line goes: round 0 warms up (page cache, moto) and is not counted.
dest() { if [ "$round" = 0 ]; then echo /dev/null; else echo "$work/$1.jsonl"; fi; }
for round in $(seq 0 "$rounds"); do
  queue_url=${queue_urls[$round]}
  rust_env=(
    --env "EMRBOT_CONFIG=$repo/config/emrbot.sample.toml"
    --env "EMRBOT_QUEUE_URL=$queue_url"
    --env "SLACK_SIGNING_SECRET=$secret"
    --env "AWS_ENDPOINT_URL=$endpoint"
  )
  peer_env=(
    --env "QUEUE_URL=$queue_url"
    --env "SLACK_SIGNING_SECRET=$secret"
    --env "AWS_ENDPOINT_URL=$endpoint"
  )
  for text in help status; do
    # Signed now: both sides refuse a timestamp more than 5 minutes old.
    "$py" "$bench/make_event.py" "$secret" "$text" >"$work/event.json"
    ev=(--event "$work/event.json")
    rie "$(dest "ingress-$text")" "${ev[@]}" "${rust_env[@]}" -- "$bin"
    rie "$(dest "peer-$text")" "${ev[@]}" "${peer_env[@]}" -- "${peer_cmd[@]}"
    own "$(dest "ingress-$text-own")" "${ev[@]}" "${rust_env[@]}" -- "${wrap[@]}" "$bin"
    own "$(dest "peer-$text-own")" "${ev[@]}" "${peer_env[@]}" -- "${wrap[@]}" "${peer_cmd[@]}"
  done
done

if [ -n "${BENCH_RAW:-}" ]; then
  mkdir -p "$BENCH_RAW" && cp "$work"/*.jsonl "$BENCH_RAW"/
fi
"$py" - "$work" "$rounds" <<'EOF'
import json, statistics, sys
work, rounds = sys.argv[1], int(sys.argv[2])

def load(name):
    ok, failures = [], []
    try:
        lines = open(f"{work}/{name}.jsonl").read().splitlines()
    except FileNotFoundError:
        lines = []
    for line in lines:
        try:
            r = json.loads(line)
            good = not r.get("errors") and json.loads(r["responses"][0]).get("statusCode") == 200
        except (ValueError, KeyError, IndexError, TypeError):
            r, good = {"raw": line[:300]}, False
        (ok if good else failures).append(r)
    failures += [{"errors": [{"kind": "no result"}]}] * (rounds - len(lines))
    return ok, failures

def med(runs, key):
    values = [r[key] for r in runs if r.get(key) is not None]
    return statistics.median(values) if values else None

def fmt(v, spec):
    return format(v, spec) if v is not None else "-"

print(f"{rounds} alternating rounds; medians; RSS in MiB (own: the bootstrap's own peak; rie: lambda_rie.py's rss_kb)")
print(f"{'command':<8} {'bootstrap':<15} {'cold_ms':>8} {'init_ms':>8} {'own_RSS':>8} {'rie_RSS':>8} {'ok':>6}")
failed = False
for text in ("help", "status"):
    m = {}
    for side, label in (("ingress", "ingress (Rust)"), ("peer", "peer (Python)")):
        timed, bad = load(f"{side}-{text}")
        sized, bad_own = load(f"{side}-{text}-own")
        for f in (bad + bad_own)[:2]:
            print(f"  {side} {text} failed: {json.dumps({k: f.get(k) for k in ('errors', 'responses', 'stderr_tail', 'raw') if f.get(k)})[:800]}", file=sys.stderr)
        failed |= bool(bad or bad_own)
        cold, init = med(timed, "cold_ms"), med(timed, "init_ms")
        own = med(sized, "own_rss_kb")
        rie = med(timed, "rss_kb")
        own, rie = (v / 1024 if v is not None else None for v in (own, rie))
        m[side] = (cold, own)
        print(f"{text:<8} {label:<15} {fmt(cold, '8.1f')} {fmt(init, '8.1f')} {fmt(own, '8.1f')} {fmt(rie, '8.1f')} {len(timed):>3}/{rounds}")
    (pc, po), (ic, io) = m["peer"], m["ingress"]
    ratio_t = f"{pc / ic:7.1f}x" if pc and ic else "       -"
    ratio_m = f"{po / io:7.1f}x" if po and io else "       -"
    print(f"{text:<8} {'peer/ingress':<15} {ratio_t} {'':>8} {ratio_m}")
print("targets (issue): ingress cold start >= 20x faster than the peer, ingress peak RSS <= 16 MB")
sys.exit(1 if failed else 0)
EOF
