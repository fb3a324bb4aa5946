#!/usr/bin/env bash
# make test-worker: the Worker in workerd against the real sandbox process.
# Builds the Worker (build/worker/) and the CLI once, then runs
# tests/worker/harness.mjs, which starts the sandbox, a Turnstile siteverify
# stand-in and six Worker instances through wrangler's programmatic API (each
# configured in code, with its own local D1), runs tests/worker/*.test.mjs
# (node:test) against them, checks that no secret reached a log, and stops
# everything it started. The harness's header lists the instances.
# Env: WORKER_PORT / SANDBOX_PORT fixed ports (default: any free port),
#      KEEP=1 keeps the temp dir, BENCH=1 runs scripts/bench-worker.mjs on a
#      fresh stack instead of the tests, TEST_FILES (default tests/worker/*.test.mjs).
# Arguments, if any, are test files (they win over TEST_FILES).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
. "$ROOT/scripts/node.sh" || exit 1  # NODE, NODE_DIR: a node >= 22.12 (PATH, else npm)
export PATH="$NODE_DIR:$HOME/.cargo/bin:$PATH"
export CI=${CI:-true} WRANGLER_SEND_METRICS=false

log() { printf '\033[1;32m[test-worker]\033[0m %s\n' "$*" >&2; }

log "building the Worker and the sandbox"
scripts/build-worker.sh
cargo build -q --release -p mypay-cli

exec "$NODE" tests/worker/harness.mjs "$@" </dev/null
