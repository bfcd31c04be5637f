# emrbot: the two commands a new user needs are `make run` and `make test`.
SHELL := /bin/bash
CARGO ?= cargo

.PHONY: run test setup fmt lint bench infra-check deploy send

## Install what the project needs (idempotent): the emulator's virtualenv, Rust components.
setup:
	@bash scripts/setup.sh

## Build and start emrbot locally on the AWS emulator (127.0.0.1:3000).
run: setup
	@[ -e target/debug/emrbot-local ] || echo "== First build of emrbot: about 10 minutes on 2 cores (cargo's progress follows)."
	$(CARGO) build -p emrbot-local
	$(CARGO) run -q -p emrbot-local -- run $(ARGS)

## Send `/emr <TEXT>` to the running local emrbot: make send TEXT="status"
send:
	$(CARGO) run -q -p emrbot-local -- send $(TEXT)

## The whole suite: format, lints, layering, unit and integration tests (the
## README's walk among them), that `make run` reuses this build, infra checks.
test: setup
	@[ -e target/debug/emrbot-local ] || echo "== First build of emrbot and its tests: ten minutes or more on a fresh machine (cargo's progress follows)."
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	bash scripts/check-layers.sh
	$(CARGO) test --workspace
	bash scripts/check-shared-build.sh
	bash scripts/infra-check.sh

## Offline checks of infra/ (cfn-lint, checkov; the arm64 build with INFRA_BUILD=1).
infra-check:
	bash scripts/infra-check.sh

## Deploy to the AWS account `aws configure` points at (docs/DEPLOY.md).
deploy:
	bash infra/deploy.sh

fmt:
	$(CARGO) fmt --all

lint:
	$(CARGO) clippy --workspace --all-targets -- -D warnings

## Benchmarks: ingress handler + cold start, end-to-end latency, scheduler sweeps.
bench: setup
	@for s in scripts/bench-*.sh; do bash "$$s" || exit 1; done
