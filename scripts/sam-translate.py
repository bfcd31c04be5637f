#!/usr/bin/env python3
"""Translates a SAM template into plain CloudFormation, offline.

Usage: sam-translate.py TEMPLATE.yaml OUTPUT.json

Then checks on the output the invariants emrbot relies on (see infra/README.md):
every function arm64 / provided.al2023 / cargo-lambda built with the env vars
the code reads, the Slack routes, the queue's DLQ and visibility timeout, the
worker's partial batch responses, the sweep schedules, the table settings.

What `sam validate` does, without AWS: local CodeUri/ContentUri paths become
placeholder S3 locations (as `sam package` would make them), managed policy
names resolve from an empty map (the template names none: its policies are
inline), and the region comes from AWS_REGION / AWS_DEFAULT_REGION (default
us-east-1) with no credentials and no network call. Resource Metadata is kept
so that checkov's inline suppressions still apply to the output.
"""

import json
import os
import sys

os.environ.setdefault("AWS_DEFAULT_REGION", os.environ.get("AWS_REGION", "us-east-1"))
os.environ["AWS_EC2_METADATA_DISABLED"] = "true"

import boto3  # noqa: E402  (imported after the environment is set)
from samtranslator.model.exceptions import InvalidDocumentException  # noqa: E402
from samtranslator.parser.parser import Parser  # noqa: E402
from samtranslator.translator.translator import Translator  # noqa: E402
from samtranslator.yaml_helper import yaml_parse  # noqa: E402

# Properties holding a local path that `sam build`/`sam package` would upload.
LOCAL_PATHS = {
    "AWS::Serverless::Function": "CodeUri",
    "AWS::Serverless::LayerVersion": "ContentUri",
}
GLOBAL_PATHS = {"Function": "CodeUri"}


def placeholder(logical_id: str) -> str:
    return f"s3://emrbot-offline-placeholder/{logical_id}.zip"


def stub_local_paths(template: dict) -> None:
    for section, prop in GLOBAL_PATHS.items():
        props = template.get("Globals", {}).get(section, {})
        if isinstance(props.get(prop), str) and not props[prop].startswith("s3://"):
            props[prop] = placeholder(f"Globals{section}")
    for logical_id, resource in template.get("Resources", {}).items():
        prop = LOCAL_PATHS.get(resource.get("Type"))
        props = resource.get("Properties", {})
        if prop and isinstance(props.get(prop), str) and not props[prop].startswith("s3://"):
            props[prop] = placeholder(logical_id)


REQUIRED_ENV = {"EMRBOT_CONFIG", "EMRBOT_QUEUE_URL", "EMRBOT_TABLE", "SLACK_API_BASE_URL", "RUST_LOG"}
FUNCTIONS = {
    # logical id: (binary, extra env vars)
    "IngressFunction": ("ingress", {"SLACK_SIGNING_SECRET_ARN"}),
    "WorkerFunction": ("worker", {"SLACK_BOT_TOKEN_ARN", "EMRBOT_INGRESS_PRINCIPAL", "EMRBOT_SCHEDULER_PRINCIPAL"}),
    "SchedulerFunction": ("scheduler", set()),
}


def worker_statements_of(sam: dict) -> list[dict]:
    """The worker's policy statements, as the template writes them."""
    return [
        st
        for p in sam["Resources"].get("WorkerFunction", {}).get("Properties", {}).get("Policies", [])
        if isinstance(p, dict)
        for st in p.get("Statement", [])
    ]


def check_invariants(sam: dict, cfn: dict) -> list[str]:
    """What the code and docs/RUNBOOK.md rely on; returns the violations."""
    errors = []
    res = cfn["Resources"]

    def expect(ok: bool, message: str) -> None:
        if not ok:
            errors.append(message)

    for logical_id, (binary, extra_env) in FUNCTIONS.items():
        fn = res.get(logical_id, {})
        props = fn.get("Properties", {})
        expect(fn.get("Type") == "AWS::Lambda::Function", f"{logical_id}: missing")
        expect(props.get("Architectures") == ["arm64"], f"{logical_id}: not arm64")
        expect(props.get("Runtime") == "provided.al2023", f"{logical_id}: not provided.al2023")
        meta = sam["Resources"].get(logical_id, {}).get("Metadata", {})
        expect(meta.get("BuildMethod") == "rust-cargolambda", f"{logical_id}: not built by cargo-lambda")
        expect(meta.get("BuildProperties", {}).get("Binary") == binary, f"{logical_id}: binary is not {binary}")
        env = set(props.get("Environment", {}).get("Variables", {}))
        missing = (REQUIRED_ENV | extra_env) - env
        expect(not missing, f"{logical_id}: environment lacks {sorted(missing)}")
        expect("LoggingConfig" in props, f"{logical_id}: no log group with retention")

    # The worker authenticates senders against the roles the template creates.
    worker_env = res.get("WorkerFunction", {}).get("Properties", {}).get("Environment", {}).get("Variables", {})
    for var, role in (("EMRBOT_INGRESS_PRINCIPAL", "IngressFunctionRole"), ("EMRBOT_SCHEDULER_PRINCIPAL", "SchedulerFunctionRole")):
        expect(worker_env.get(var) == {"Fn::GetAtt": [role, "RoleId"]}, f"worker: {var} is not {role}.RoleId")
    # Only emrbot's roles, listed services and EventBridge may send commands.
    policy = json.dumps(res.get("CommandQueuePolicy", {}).get("Properties", {}).get("PolicyDocument", {}))
    expect(
        '"Effect": "Deny"' in policy and "aws:PrincipalArn" in policy and "IngressFunctionRole" in policy and "SchedulerFunctionRole" in policy,
        "CommandQueuePolicy: SendMessage is not limited to the ingress, the scheduler and listed services",
    )

    # Least privilege the code relies on: tagged launches only, table keys per role,
    # the scheduler assumes only read-only roles in other accounts.
    def policy_of(function: str) -> str:
        return json.dumps(sam["Resources"].get(function, {}).get("Properties", {}).get("Policies", []))

    worker_policy, scheduler_policy = policy_of("WorkerFunction"), policy_of("SchedulerFunction")
    expect('"aws:RequestTag/emrbot:request": "false"' in worker_policy, "worker: RunJobFlow is not limited to tagged launches")
    for name, policy in (("worker", worker_policy), ("scheduler", scheduler_policy)):
        expect("dynamodb:LeadingKeys" in policy, f"{name}: DynamoDB access is not limited by key")
    expect("TargetAccountRoleArns" not in scheduler_policy, "scheduler: may assume operator roles in other accounts")
    # The sweep reads every cluster's exempt tag and IsIdle metric in bulk.
    expect("tag:GetResources" in scheduler_policy and "cloudwatch:GetMetricData" in scheduler_policy,
           "scheduler: may not read the tags and metrics its sweep reads")
    # `plan` reads the same facts as the sweep, from the worker.
    expect("tag:GetResources" in worker_policy and "cloudwatch:GetMetricData" in worker_policy,
           "worker: may not read the tags and metrics `plan` reads")
    # Cost figures: AWS's prices and EMR's instance records, the prices cached
    # under their own keys with nothing but reads and puts.
    expect("pricing:GetProducts" in worker_policy and "elasticmapreduce:ListInstances" in worker_policy
           and "ec2:DescribeSpotPriceHistory" in worker_policy,
           "worker: may not read the prices and instance records its figures come from")
    # The bill: Cost Explorer only where the deployment turns it on.
    on_bill = [st for st in worker_statements_of(sam) if "ce:GetCostAndUsage" in json.dumps(st)]
    expect(
        len(on_bill) == 1 and json.dumps(on_bill[0]).startswith('{"Fn::If": ["UsesCostExplorer"'),
        "worker: ce:GetCostAndUsage is not granted only under the CostExplorer parameter",
    )
    expect("ce:Get" not in scheduler_policy, "scheduler: may read the bill")
    on_prices = [st for st in worker_statements_of(sam) if '"PRICE#*"' in json.dumps(st)]
    expect(
        len(on_prices) == 1 and sorted(on_prices[0].get("Action", [])) == ["dynamodb:GetItem", "dynamodb:PutItem"],
        "worker: the price cache is not limited to GetItem and PutItem on PRICE#",
    )
    # ... and never the scheduler's own record (the worker could then write it).
    expect('"SCHEDULER"' not in worker_policy, "worker: may touch the scheduler's record")
    # It reads the reports' records (savings, the Home tab) and may not write them.
    worker_statements = [
        st
        for p in sam["Resources"].get("WorkerFunction", {}).get("Properties", {}).get("Policies", [])
        if isinstance(p, dict)
        for st in p.get("Statement", [])
    ]
    on_records = [st for st in worker_statements if '"REPORTS"' in json.dumps(st)]
    expect(
        len(on_records) == 1 and on_records[0].get("Action") == "dynamodb:Query",
        "worker: the reports' records are not read-only (one Query statement on REPORTS)",
    )
    # It puts its own sweep state (versioned, in transactions); it never
    # updates or deletes an item (locks, claims and launches are the worker's).
    expect("UpdateItem" not in scheduler_policy and "DeleteItem" not in scheduler_policy, "scheduler: may change items it never changes")

    # The scheduler only enqueues: no Slack secret, no permission to read one.
    sched = res.get("SchedulerFunction", {}).get("Properties", {})
    sched_env = set(sched.get("Environment", {}).get("Variables", {}))
    expect(not {"SLACK_BOT_TOKEN_ARN", "SLACK_SIGNING_SECRET_ARN"} & sched_env, "scheduler: reads a Slack secret it never uses")
    expect("secretsmanager:GetSecretValue" not in json.dumps(sched.get("Policies", [])) and not any(
        "secretsmanager" in json.dumps(r.get("Properties", {}).get("PolicyDocument", {}))
        for lid, r in res.items()
        if r.get("Type") == "AWS::IAM::Role" and lid.startswith("SchedulerFunction")
    ), "scheduler: may read secrets it never uses")

    routes = sorted(
        r["Properties"].get("RouteKey")
        for r in res.values()
        if r.get("Type") == "AWS::ApiGatewayV2::Route"
    )
    body_paths = {}
    for r in res.values():
        if r.get("Type") == "AWS::ApiGatewayV2::Api":
            body_paths = r["Properties"].get("Body", {}).get("paths", {})
    for path in ("/slack/commands", "/slack/interactions", "/slack/events"):
        expect("post" in body_paths.get(path, {}) or f"POST {path}" in routes, f"HTTP API: no POST {path}")

    queue = res.get("CommandQueue", {}).get("Properties", {})
    worker_timeout = res.get("WorkerFunction", {}).get("Properties", {}).get("Timeout", 3)
    expect(queue.get("VisibilityTimeout", 30) >= 6 * worker_timeout, "CommandQueue: visibility timeout < 6x worker timeout")
    expect(queue.get("RedrivePolicy", {}).get("maxReceiveCount") == 5, "CommandQueue: maxReceiveCount is not 5")

    mappings = [r["Properties"] for r in res.values() if r.get("Type") == "AWS::Lambda::EventSourceMapping"]
    expect(
        any("ReportBatchItemFailures" in m.get("FunctionResponseTypes", []) for m in mappings),
        "worker: SQS event source without ReportBatchItemFailures",
    )

    sweeps = set()
    for r in res.values():
        if r.get("Type") == "AWS::Scheduler::Schedule":
            props = r["Properties"]
            expect("ScheduleExpressionTimezone" in props, "schedule without a time zone")
            target_input = props.get("Target", {}).get("Input", "")
            if isinstance(target_input, dict):
                target_input = target_input.get("Fn::Sub", "")
            try:
                event = json.loads(target_input)
            except ValueError:
                errors.append(f"schedule input is not JSON: {target_input!r}")
                continue
            expect(event.get("detail-type") == "Scheduled Event", "schedule input is not a Scheduled Event")
            expect(event.get("time") == "<aws.scheduler.scheduled-time>", "schedule input lacks the scheduled time")
            sweeps.add(event.get("detail", {}).get("sweep"))
    # The 5-minute tick is `all`: it sends the end-of-day warnings and catches up missed runs.
    expect(sweeps == {"all", "end_of_day", "report"}, f"sweeps scheduled: {sorted(map(str, sweeps))}")

    rules = [r["Properties"] for r in res.values() if r.get("Type") == "AWS::Events::Rule"]
    expect(
        any(r.get("EventPattern", {}).get("detail-type") == ["EMR Cluster State Change"] for r in rules),
        "no EventBridge rule for EMR Cluster State Change",
    )

    table = res.get("Table", {}).get("Properties", {})
    expect(table.get("BillingMode") == "PAY_PER_REQUEST", "Table: not on demand")
    expect(table.get("TimeToLiveSpecification", {}).get("AttributeName") == "expires_at", "Table: TTL is not expires_at")
    expect(table.get("PointInTimeRecoverySpecification", {}).get("PointInTimeRecoveryEnabled") is True, "Table: no PITR")
    expect(table.get("SSESpecification", {}).get("SSEEnabled") is True, "Table: SSE not enabled")
    return errors


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    source, output = sys.argv[1], sys.argv[2]
    with open(source, encoding="utf-8") as f:
        template = yaml_parse(f.read())
    original = json.loads(json.dumps(template))
    stub_local_paths(template)

    session = boto3.session.Session(region_name=os.environ["AWS_DEFAULT_REGION"])
    translator = Translator(managed_policy_map={}, sam_parser=Parser(), boto_session=session)
    try:
        translated = translator.translate(
            template,
            parameter_values={},
            passthrough_metadata=True,
            get_managed_policy_map=lambda: {},
        )
    except InvalidDocumentException as error:
        for cause in error.causes:
            print(f"{source}: {cause.message}", file=sys.stderr)
        return 1
    with open(output, "w", encoding="utf-8") as f:
        json.dump(translated, f, indent=2, sort_keys=False)
        f.write("\n")
    print(f"{source} -> {output}: {len(translated.get('Resources', {}))} CloudFormation resources")
    if os.environ.get("SAM_TRANSLATE_NO_INVARIANTS") != "1":
        errors = check_invariants(original, translated)
        for error in errors:
            print(f"{source}: invariant broken: {error}", file=sys.stderr)
        if errors:
            return 1
        print(f"{source}: emrbot invariants hold")
    return 0


if __name__ == "__main__":
    sys.exit(main())
