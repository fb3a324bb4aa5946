# mypay-edge: the two commands (`make dev`, `make test`) and `make bench`.
# Each installs what it needs first (scripts/setup.sh is idempotent).
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
export PATH := $(HOME)/.cargo/bin:$(PATH)
export CI ?= true
export WRANGLER_SEND_METRICS := false
export CARGO_TERM_COLOR ?= never

.PHONY: dev test bench setup lint build-cli test-rust test-samples test-worker test-doctor test-scripts test-deploy test-chaos chaos test-js test-e2e wasm-core

## dev: the whole stack on this machine: sandbox (127.0.0.1:8788), Worker + storefront (127.0.0.1:8787)
dev:
	scripts/setup.sh rust wasm node
	scripts/dev.sh

## test: every test (what CI runs)
test: setup lint wasm-core test-rust test-samples test-worker test-doctor test-scripts test-deploy test-chaos test-js test-e2e
	@echo "make test: all suites passed"

## bench: speed figures beside their baselines
bench:
	scripts/setup.sh rust wasm node
	scripts/bench.sh

setup:
	scripts/setup.sh

build-cli:
	cargo build --release -p mypay-cli

## lint: rustfmt, clippy once per target (native: every crate; wasm32: the Worker and the npm bindings),
## and cargo deny (licences, duplicate versions, sources; advisories need GitHub: see deny.toml)
lint:
	scripts/setup.sh deny
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets --all-features -- -D warnings
	cargo clippy -p mypay-edge -p mypay-edge-js --target wasm32-unknown-unknown --all-targets --all-features -- -D warnings
	cargo deny check licenses bans sources

## wasm-core: the protocol crate builds for wasm32 (inside the npm bindings, which bring getrandom's `js`)
wasm-core:
	cargo build -p mypay-edge-js --target wasm32-unknown-unknown

test-rust:
	cargo test --workspace

test-samples: build-cli
	tests/samples/run.sh

test-worker: build-cli
	scripts/test-worker.sh

test-doctor: build-cli
	scripts/test-doctor.sh

## test-scripts: scripts/node.sh's choice of Node (fake PATHs), make dev's settings, and make dev
## stopping everything on SIGTERM and SIGINT (starts scripts/dev.sh twice on DEV_PORT.. 24010-24012)
test-scripts: build-cli
	scripts/test-scripts.sh

## test-deploy: `wrangler deploy --dry-run` for each environment: builds, fits Cloudflare's size limit
test-deploy:
	scripts/test-deploy.sh

## test-chaos: the seeded chaos test's fixed seeds (tests/chaos/, about 3 minutes)
test-chaos: build-cli
	SEEDS= SEED= STEPS= scripts/chaos.sh

## chaos: more seeds (make chaos SEEDS=50), or replay one verbosely (make chaos SEED=1234); STEPS=N per seed
chaos: build-cli
	SEEDS="$(SEEDS)" SEED="$(SEED)" STEPS="$(STEPS)" scripts/chaos.sh

test-js:
	scripts/test-js.sh

test-e2e: build-cli
	scripts/test-e2e.sh
