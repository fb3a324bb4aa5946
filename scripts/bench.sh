#!/usr/bin/env bash
# make bench: speed figures beside the baselines the issues name.
#  1. the Worker: wasm size (raw, gzip; budget 300 KB gzip), req/s and p50/p99 of
#     /api/quote and /api/checkout through wrangler dev, beside the same order
#     calls made directly to the sandbox, in the same run;
#  2. the npm package: encrypt/decrypt ops/s in Node beside Node's own crypto
#     running the API text's Node sample encrypt on the same order, with the ratio.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
. scripts/node.sh || exit 1  # NODE: a node >= 22.12 (PATH, else npm)

echo "== Worker through wrangler dev vs the sandbox directly =="
BENCH=1 scripts/test-worker.sh

echo
echo "== npm package vs Node crypto (the API text's Node sample) =="
scripts/build-js.sh >/dev/null
"$NODE" scripts/bench-js.mjs
