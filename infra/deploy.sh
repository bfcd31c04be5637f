#!/usr/bin/env bash
# Builds and deploys emrbot to the AWS account and region of your current AWS
# credentials (docs/DEPLOY.md). The first run asks for the stack parameters
# (`sam deploy --guided`) and saves the answers in infra/samconfig.toml; later
# runs reuse them. GUIDED=1 asks again.
#
# The config file is config/<ConfigFile parameter>, config/emrbot.toml unless
# you answered otherwise in the guided deploy.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
saved=$(sed -n 's/.*ConfigFile=\\\?"\?\([A-Za-z0-9._-]*\.toml\).*/\1/p' infra/samconfig.toml 2>/dev/null | head -1)
config=config/${saved:-emrbot.toml}

die() { echo "deploy: $*" >&2; exit 1; }

# cargo-lambda and zig come from the infra virtualenv (scripts/infra-check.sh installs it).
[ -x .venv/infra/bin/cargo-lambda ] || scripts/infra-check.sh
export PATH="$root/.venv/infra/bin:$PATH"
for tool in sam aws cargo rustup; do
  command -v "$tool" >/dev/null || die "$tool is not installed (docs/DEPLOY.md, Prerequisites)"
done
rustup target add aarch64-unknown-linux-gnu >/dev/null
aws sts get-caller-identity >/dev/null || die "no AWS credentials: run 'aws configure' (or set AWS_PROFILE)"

# The config ships in a Lambda layer built from config/; the functions read
# /opt/<file name>. It must be in config/ and valid before it is shipped.
[ -f "$config" ] || die "$config not found: copy config/emrbot.sample.toml to $config and edit it"
cargo run --quiet --package emrbot-local -- check-config "$config" \
  || die "$config is not valid (see the messages above)"

cd infra
sam build --beta-features --template-file template.yaml
if [ ! -f samconfig.toml ] || [ "${GUIDED:-0}" = 1 ]; then
  sam deploy --guided --capabilities CAPABILITY_IAM
else
  sam deploy
fi
stack=$(sed -n 's/^stack_name *= *"\(.*\)"/\1/p' samconfig.toml | head -1)
aws cloudformation describe-stacks --stack-name "${stack:-emrbot}" \
  --query 'Stacks[0].Outputs[].[OutputKey,OutputValue]' --output text
