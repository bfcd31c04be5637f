#!/usr/bin/env bash
# AWS calls of `status` and `plan` at fleet scale: BENCH_CLUSTERS (default
# 60) clusters in the emulator, every call emrbot makes counted by
# operation (scripts/aws-call-counter.py, a proxy in front of moto), with
# the wall time of each command; EMR's IsIdle metric is published for each
# cluster, as EMR does. `status` runs twice (cold caches, then warm ones),
# then `plan` twice. The Price List is emrbot-local's own (not counted here).
set -euo pipefail
cd "$(dirname "$0")/.."
clusters=${BENCH_CLUSTERS:-60}
moto_port=${BENCH_MOTO_PORT:-45211}
counter_port=${BENCH_COUNTER_PORT:-45212}
port=${BENCH_PORT:-3918}
cargo build -q --release -p emrbot-local
bash scripts/venv.sh >/dev/null
work=$(mktemp -d)
.venv/bin/python local/moto_server.py -H 127.0.0.1 -p "$moto_port" >"$work/moto.log" 2>&1 &
moto=$!
python3 scripts/aws-call-counter.py "http://127.0.0.1:$moto_port" "$counter_port" &
counter=$!
trap 'kill $pid $counter $moto 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
pid=
for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$moto_port/moto-api/" >/dev/null 2>&1 && break
  sleep 0.2
done
# The clusters, straight into moto (not counted).
.venv/bin/python - "$moto_port" "$clusters" <<'PY'
import sys, boto3, datetime
aws = dict(region_name="us-east-1", endpoint_url=f"http://127.0.0.1:{sys.argv[1]}",
           aws_access_key_id="testing", aws_secret_access_key="testing")
emr, cloudwatch = boto3.client("emr", **aws), boto3.client("cloudwatch", **aws)
now = datetime.datetime.now(datetime.timezone.utc)
for i in range(int(sys.argv[2])):
    cluster = emr.run_job_flow(Name=f"bench-{i:04}", ReleaseLabel="emr-7.5.0", ServiceRole="EMR_DefaultRole",
                     JobFlowRole="EMR_EC2_DefaultRole",
                     Instances={"KeepJobFlowAliveWhenNoSteps": True, "InstanceGroups": [
                         {"InstanceRole": "MASTER", "InstanceType": "m5.xlarge", "InstanceCount": 1},
                         {"InstanceRole": "CORE", "InstanceType": "m5.xlarge", "InstanceCount": 2}]})
    # EMR publishes IsIdle every 5 minutes; moto does not, so it is put here.
    cloudwatch.put_metric_data(Namespace="AWS/ElasticMapReduce", MetricData=[{
        "MetricName": "IsIdle", "Value": 1.0, "Timestamp": now, "Unit": "None",
        "Dimensions": [{"Name": "JobFlowId", "Value": cluster["JobFlowId"]}]}])
PY
AWS_ENDPOINT_URL="http://127.0.0.1:$counter_port" ./target/release/emrbot-local run \
  --listen "127.0.0.1:$port" --no-demo --scheduler-tick 0 >"$work/emrbot.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  sleep 0.2
done
curl -fsS "http://127.0.0.1:$counter_port/_counts" >/dev/null   # start-up calls
echo "== AWS calls per command, $clusters clusters (SQS left out: it carries the command) =="
for cmd in "status" "status" "plan" "plan"; do
  start=$(date +%s%N)
  ./target/release/emrbot-local send --url "http://127.0.0.1:$port" --wait 120 $cmd >/dev/null
  ms=$(( ($(date +%s%N) - start) / 1000000 ))
  curl -fsS "http://127.0.0.1:$counter_port/_counts" | python3 -c '
import json, sys
counts = {k: v for k, v in json.load(sys.stdin).items() if not k.startswith("AmazonSQS")}
op = lambda target: target.split(".")[-1]
ranked = sorted(counts.items(), key=lambda kv: -kv[1])
each = ", ".join(op(k) + " " + str(v) for k, v in ranked)
print(f"{sys.argv[1]:<7} {sum(counts.values()):>4} calls in {sys.argv[2]} ms: {each}")
' "$cmd" "$ms"
done
