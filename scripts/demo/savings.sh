#!/bin/bash
# The weekly savings report from the real local runner (how the figures in
# docs/SAVINGS.md's example were made): emrbot-local on the emulator, a
# stand-in Slack Web API that records posts, sweeps through POST /events at
# chosen times. Needs `make setup` and `cargo build -p emrbot-local`; uses
# ports 3000, 5055 and 9999. Usage: bash scripts/demo/savings.sh
set -u
cd "$(dirname "$0")/../.."
posts=$(mktemp)
trap 'kill $(jobs -p) 2>/dev/null; rm -f "$posts"' EXIT
python3 scripts/demo/slack_recorder.py "$posts" &
.venv/bin/python local/moto_server.py -H 127.0.0.1 -p 5055 >/dev/null 2>&1 &
sleep 4
export AWS_ENDPOINT_URL=http://127.0.0.1:5055 AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
SLACK_BOT_TOKEN=xoxb-demo SLACK_API_BASE_URL=http://127.0.0.1:9999/api ./target/debug/emrbot-local run --scheduler-tick 0 >/dev/null 2>&1 &
sleep 6
send() { ./target/debug/emrbot-local send --user U0ADMIN "$@"; }
for n in demo-idle demo-eod demo-locked demo-keep; do send launch adhoc $n >/dev/null; done
sleep 3
ids=$(.venv/bin/python - <<'PY'
import boto3
emr = boto3.client("emr")
c = {x["Name"]: x["Id"] for x in emr.list_clusters(ClusterStates=["STARTING","BOOTSTRAPPING","RUNNING","WAITING"])["Clusters"]}
emr.add_tags(ResourceId=c["demo-keep"], Tags=[{"Key": "emrbot:keep", "Value": "true"}])
emr.add_job_flow_steps(JobFlowId=c["demo-eod"], Steps=[{"Name": "long etl", "ActionOnFailure": "CONTINUE", "HadoopJarStep": {"Jar": "command-runner.jar", "Args": ["sleep", "86400"]}}])
print(c["demo-idle"], c["demo-eod"], c["demo-locked"], c["demo-keep"])
PY
)
read IDLE EOD LOCKED KEEP <<< "$ids"
echo "idle=$IDLE eod=$EOD locked=$LOCKED keep=$KEEP"
send lock $LOCKED for 30h nightly backfill >/dev/null
send plan
ev() { curl -s -X POST 127.0.0.1:3000/events -H 'content-type: application/json' -d "{\"version\":\"0\",\"id\":\"demo-$1\",\"detail-type\":\"Scheduled Event\",\"source\":\"aws.scheduler\",\"time\":\"$1\",\"detail\":{\"sweep\":\"$2\"}}"; echo; }
t() { date -u -d "$1" +%Y-%m-%dT%H:%M:%SZ; }
ev $(t "+21 min") idle; sleep 3
ev $(t "+32 min") idle; sleep 3
# The next workday's end of day (19:00 Tokyo), and the Monday 09:01 after it.
read -r eod mon <<< "$(python3 -c '
import datetime as d
z = lambda t: t.astimezone(d.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
t = d.datetime.now(d.timezone(d.timedelta(hours=9))) + d.timedelta(days=1)
while t.weekday() > 4: t += d.timedelta(days=1)
e = t.replace(hour=19, minute=0, second=0, microsecond=0)
m = (e + d.timedelta(days=7 - e.weekday())).replace(hour=9, minute=1)
print(z(e), z(m))')"
ev $(t "$eod - 9 min") end_of_day; sleep 3
ev $(t "$eod + 1 min") end_of_day; sleep 5
ev $mon report; sleep 8
python3 scripts/demo/savings_text.py "$posts"
