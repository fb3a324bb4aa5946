#!/usr/bin/env bash
# make bench: every speed figure beside its baseline, from one run.
#  1. the Worker in workerd: CPU per request (GET /api/products, POST /api/checkout)
#     beside a plain JS Worker doing the same D1 work and MYPAY call; the upload size
#     beside a hello Rust Worker; cold start (scripts/bench-cpu.sh);
#  2. the Worker's throughput and latency through wrangler dev beside direct calls
#     to the sandbox (BENCH=1 scripts/test-worker.sh → scripts/bench-worker.mjs);
#  3. the npm package: encrypt/decrypt ops/s in Node beside Node's own crypto running
#     the API text's Node sample encrypt on the same order, with the ratio.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
. scripts/node.sh || exit 1  # NODE: a node >= 22.12 (PATH, else npm)

echo "== 1. CPU per request, upload size, cold start =="
NODE="$NODE" scripts/bench-cpu.sh

echo
echo "== 2. Worker through wrangler dev vs the sandbox directly =="
BENCH=1 scripts/test-worker.sh

echo
echo "== 3. npm package vs Node crypto (the API text's Node sample) =="
scripts/build-js.sh >/dev/null
"$NODE" scripts/bench-js.mjs
