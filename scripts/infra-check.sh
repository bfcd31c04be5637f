#!/usr/bin/env bash
# Checks the infrastructure as code offline (issue 6), installing what it needs.
#
#   scripts/infra-check.sh              templates only (about a minute once installed)
#   INFRA_BUILD=1 scripts/infra-check.sh   also `cargo lambda build --release --arm64`
#                                       (10+ minutes on 2 cores the first time)
#
# 1. translates infra/template.yaml (SAM) to CloudFormation with aws-sam-translator,
#    offline, and checks emrbot's invariants on the result (scripts/sam-translate.py);
# 2. cfn-lint on the SAM template, the translated template and the target-account role;
# 3. checkov --skip-download on the same three: no failed checks (suppressions are
#    inline, in each resource's Metadata, with a reason);
# 4. the Slack app manifest parses and points at the API's routes; the Socket
#    Mode manifest is the same app without URLs, and its guide matches it;
# 5. (INFRA_BUILD=1) cross-compiles the three Lambdas for arm64 with cargo-lambda + zig.
#
# Tools live in their own virtualenv, .venv/infra (pinned in
# scripts/requirements-infra.txt): checkov pins older boto3/botocore/pydantic than
# the emulator in .venv needs, so they must not share site-packages.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

venv=.venv/infra
req=scripts/requirements-infra.txt
stamp=$venv/.installed-$(sha256sum "$req" | cut -c1-16)
if [ ! -f "$stamp" ]; then
  echo "infra-check: installing $req into $venv" >&2
  [ -d .venv ] || python3 -m venv .venv
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check --upgrade pip >&2
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$req" >&2
  rm -f "$venv"/.installed-*
  touch "$stamp"
fi
export PATH="$root/$venv/bin:$PATH"

# No AWS call is made; a region is needed by the translator and cfn-lint only.
export AWS_DEFAULT_REGION=${AWS_DEFAULT_REGION:-${AWS_REGION:-us-east-1}}
export AWS_EC2_METADATA_DISABLED=true

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

step() { printf '\n== %s\n' "$*" >&2; }

step "translate SAM -> CloudFormation (offline) and check invariants"
python scripts/sam-translate.py infra/template.yaml "$out/template.json"

step "cfn-lint"
cfn-lint --non-zero-exit-code error -- infra/template.yaml "$out/template.json" infra/target-account-role.yaml
echo "cfn-lint: no errors" >&2

step "checkov"
# --framework cloudformation: the translated JSON and the YAML templates; the
# secrets scanner is not needed (no secret values live in infra/).
checkov --skip-download --quiet --compact --framework cloudformation \
  -f infra/template.yaml -f "$out/template.json" -f infra/target-account-role.yaml
echo "checkov: no failed checks" >&2

step "Slack app manifest"
python - infra/slack-app-manifest.yaml <<'EOF'
import sys, yaml
m = yaml.safe_load(open(sys.argv[1]))
cmds = m["features"]["slash_commands"]
assert [c["command"] for c in cmds] == ["/emr"], cmds
assert cmds[0]["url"].endswith("/slack/commands"), cmds[0]["url"]
inter = m["settings"]["interactivity"]
assert inter["is_enabled"] and inter["request_url"].endswith("/slack/interactions"), inter
events = m["settings"]["event_subscriptions"]
assert events["request_url"].endswith("/slack/events") and events["bot_events"] == ["app_home_opened"], events
assert m["features"]["app_home"]["home_tab_enabled"] is True
scopes = sorted(m["oauth_config"]["scopes"]["bot"])
assert scopes == ["chat:write", "chat:write.public", "commands"], scopes
assert "user" not in m["oauth_config"]["scopes"], "no user scopes"
print(f"{sys.argv[1]}: ok (bot scopes {', '.join(scopes)})", file=sys.stderr)
EOF

step "Slack app manifest for Socket Mode, and its guide"
python - infra/slack-app-manifest.yaml infra/slack-app-manifest.socket-mode.yaml docs/SOCKET_MODE.md <<'EOF'
import sys, yaml
http, socket = (yaml.safe_load(open(p)) for p in sys.argv[1:3])
guide = open(sys.argv[3]).read()
# The same app as the deployed one, but reached over the socket: no URLs anywhere.
assert socket["settings"]["socket_mode_enabled"] is True
def urls(node):
    if isinstance(node, dict):
        return [k for k in node if "url" in k] + [u for v in node.values() for u in urls(v)]
    if isinstance(node, list):
        return [u for v in node for u in urls(v)]
    return []
assert urls(socket) == [], f"no request URLs: {urls(socket)}"
strip_url = lambda d: {k: v for k, v in d.items() if k != "request_url"}
assert socket["settings"]["event_subscriptions"] == strip_url(http["settings"]["event_subscriptions"])
assert socket["features"]["app_home"] == http["features"]["app_home"]
assert socket["settings"]["interactivity"] == {"is_enabled": True}, socket["settings"]["interactivity"]
strip = lambda cmds: [{k: v for k, v in c.items() if k != "url"} for c in cmds]
assert socket["features"]["slash_commands"] == strip(http["features"]["slash_commands"])
assert socket["oauth_config"] == http["oauth_config"], "the same scopes"
assert socket["display_information"] == http["display_information"]
# The guide's five steps name what the manifest and emrbot-local expect.
for needed in ["infra/slack-app-manifest.socket-mode.yaml", "connections:write",
               "SLACK_APP_TOKEN", "SLACK_BOT_TOKEN", 'make run ARGS="--socket-mode"']:
    assert needed in guide, f"docs/SOCKET_MODE.md does not mention {needed}"
for scope in socket["oauth_config"]["scopes"]["bot"]:
    assert f"`{scope}`" in guide, f"docs/SOCKET_MODE.md does not list the scope {scope}"
print(f"{sys.argv[2]}: ok (Socket Mode, no URLs; the guide matches)", file=sys.stderr)
EOF

if [ "${INFRA_BUILD:-0}" = 1 ]; then
  step "cargo lambda build --release --arm64"
  rustup target add aarch64-unknown-linux-gnu >&2
  export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$root/target}
  # zig comes from the ziglang wheel: cargo-zigbuild runs `python3 -m ziglang`,
  # and the venv's python3 is first on PATH.
  start=$(date +%s)
  cargo lambda build --release --arm64 \
    --package emrbot-ingress --package emrbot-worker --package emrbot-scheduler
  for bin in ingress worker scheduler; do
    f=$CARGO_TARGET_DIR/lambda/$bin/bootstrap
    # ELF header: e_machine 0xB7 (183) is AArch64.
    python - "$f" <<'EOF'
import sys
data = open(sys.argv[1], "rb").read(20)
assert data[:4] == b"\x7fELF" and int.from_bytes(data[18:20], "little") == 183, f"{sys.argv[1]}: not an arm64 ELF"
EOF
    echo "built $f ($(du -h "$f" | cut -f1), arm64)" >&2
  done
  echo "arm64 build took $(( $(date +%s) - start ))s" >&2
else
  echo "(skipping the arm64 build; INFRA_BUILD=1 runs it)" >&2
fi

echo "infra-check: all passed" >&2
