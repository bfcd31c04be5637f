#!/usr/bin/env bash
# Cold start of the release `ingress` against its Python peer (boto3 + awslambdaric),
# side by side under the same Lambda Runtime API emulator (../shared/bench/lambda_rie.py)
# and the same moto SQS queue, in alternating rounds (ingress, peer, ingress, peer, ...):
# median time from process start to the first response, median peak RSS, and the
# ratio peer/ingress of the medians, for `/emr help` (answered at the door) and
# `/emr status` (one SQS SendMessage).
#   scripts/bench-coldstart.sh      (make bench; needs .venv/bin/moto_server from scripts/setup.sh)
# Knobs: BENCH_ROUNDS (15), INGRESS_BIN (a prebuilt binary: skips the build),
#        EMRBOT_BENCH_DIR (where lambda_rie.py, make_event.py and peer/ are).
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
queue_url=$(timeout 60 "$py" -c '
import sys, boto3
print(boto3.client("sqs", endpoint_url=sys.argv[1]).create_queue(QueueName="emrbot-bench-commands")["QueueUrl"])
' "$endpoint")
secret=bench-signing-secret

# The peer runs from a copy, so its bytecode cache is not written into shared/.
mkdir -p "$work/peer"
cp "$bench/peer/plain_ingress.py" "$work/peer/"

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
run_ingress() { # EVENT OUT
  timeout 60 "$py" "$bench/lambda_rie.py" --timeout 20 --event "$1" "${rust_env[@]}" -- "$bin" >>"$2" || true
}
run_peer() { # EVENT OUT
  (cd "$work/peer" && timeout 60 "$py" "$bench/lambda_rie.py" --timeout 20 --event "$1" "${peer_env[@]}" \
    -- "$py" -m awslambdaric plain_ingress.handler >>"$2") || true
}

for text in help status; do
  # One warm-up pair (page cache, bytecode), not counted.
  "$py" "$bench/make_event.py" "$secret" "$text" >"$work/event.json"
  run_ingress "$work/event.json" /dev/null
  run_peer "$work/event.json" /dev/null
  for _ in $(seq 1 "$rounds"); do
    # Signed now: both sides refuse a timestamp more than 5 minutes old.
    "$py" "$bench/make_event.py" "$secret" "$text" >"$work/event.json"
    run_ingress "$work/event.json" "$work/ingress-$text.jsonl"
    run_peer "$work/event.json" "$work/peer-$text.jsonl"
  done
done

"$py" - "$work" "$rounds" <<'EOF'
import json, statistics, sys
work, rounds = sys.argv[1], int(sys.argv[2])

def load(name):
    runs, failures = [], []
    try:
        lines = open(f"{work}/{name}.jsonl").read().splitlines()
    except FileNotFoundError:
        lines = []
    for line in lines:
        try:
            r = json.loads(line)
        except ValueError:
            failures.append(line[:300]); continue
        ok = not r.get("errors") and r.get("responses")
        if ok:
            try:
                ok = json.loads(r["responses"][0]).get("statusCode") == 200
            except ValueError:
                ok = False
        if ok and r.get("rss_kb"):
            runs.append(r)
        else:
            failures.append(json.dumps({k: r.get(k) for k in ("errors", "responses", "stderr_tail")})[:600])
    failures += ["no result (timeout)"] * (rounds - len(lines))
    return runs, failures

print(f"{rounds} alternating rounds each; medians; peak RSS in MiB (ru_maxrss)")
print(f"{'command':<8} {'bootstrap':<16} {'cold_ms':>8} {'init_ms':>8} {'RSS_MiB':>8} {'ok':>6}")
failed = False
for text in ("help", "status"):
    med = {}
    for side, label in (("ingress", "ingress (Rust)"), ("peer", "peer (Python)")):
        runs, failures = load(f"{side}-{text}")
        for f in failures[:2]:
            print(f"  {side} {text} failed: {f}", file=sys.stderr)
        failed |= bool(failures)
        if not runs:
            print(f"{text:<8} {label:<16} {'-':>8} {'-':>8} {'-':>8} {0:>3}/{rounds}")
            continue
        cold = statistics.median(r["cold_ms"] for r in runs)
        init = statistics.median(r["init_ms"] for r in runs)
        rss = statistics.median(r["rss_kb"] for r in runs) / 1024
        med[side] = (cold, rss)
        print(f"{text:<8} {label:<16} {cold:>8.1f} {init:>8.1f} {rss:>8.1f} {len(runs):>3}/{rounds}")
    if len(med) == 2:
        print(f"{text:<8} {'peer/ingress':<16} {med['peer'][0] / med['ingress'][0]:>7.1f}x {'':>8} {med['peer'][1] / med['ingress'][1]:>7.1f}x")
print("targets (issue): cold start >= 20x the peer, ingress peak RSS <= 16 MiB")
sys.exit(1 if failed else 0)
EOF
