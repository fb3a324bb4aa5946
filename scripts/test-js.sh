#!/usr/bin/env bash
# Every test of the npm package mypay-edge (js/):
#   0. js/index.d.ts is generated from the Rust types: the committed file must
#      be what they generate (cargo test -p mypay-edge-js --features ts, native,
#      with the bindings' unit tests: error codes, call policy, report check)
#   1. build + pack (scripts/build-js.sh, which regenerates js/index.d.ts)
#   2. TypeScript: the declarations compile as used from ESM and CommonJS
#   3. node:test suites on the built package, Node 20 and Node 22 (browser.test.mjs
#      loads the browser entry in /usr/bin/chromium with playwright-core)
#      (sandbox.test.mjs drives the release `mypay` built here, in
#      ${CARGO_TARGET_DIR:-target}; MYPAY_BIN overrides it)
#   4. the packed tarball in fresh projects: import + require on Node 20 and
#      22, and a Worker under workerd (wrangler dev, port 18790)
#   5. wasm-bindgen-test in Node and in headless Chromium
# MYPAY_SKIP_SANDBOX=1 leaves out the sandbox suite (and its cargo build).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
export CI="${CI:-true}" WRANGLER_SEND_METRICS=false
. scripts/node.sh || exit 1  # NODE: node >= 22.12 (PATH or npm)
export NODE22="$NODE"
step() { printf '\n\033[1;34m[test-js]\033[0m %s\n' "$*" >&2; }

step "js/index.d.ts is what the Rust types generate (and the bindings' native tests)"
cargo test -p mypay-edge-js --features ts

step "build and pack"
scripts/build-js.sh

suites=(js/test/*.test.mjs)
if [ "${MYPAY_SKIP_SANDBOX:-0}" = 1 ]; then
  suites=($(printf '%s\n' "${suites[@]}" | grep -v '/sandbox.test.mjs$'))
  step "MYPAY_SKIP_SANDBOX=1: the sandbox suite is left out"
else
  step "the sandbox (${CARGO_TARGET_DIR:-target}/release/mypay)"
  cargo build --release -p mypay-cli
  # sandbox.test.mjs runs the binary just built, wherever CARGO_TARGET_DIR put it.
  MYPAY_BIN="${MYPAY_BIN:-$(cd "${CARGO_TARGET_DIR:-target}" && pwd)/release/mypay}"
  export MYPAY_BIN
fi
suites=("${suites[@]#js/}")

step "TypeScript declarations"
[ -x js/node_modules/.bin/tsc ] || (cd js && npm ci --no-audit --no-fund --loglevel=error)
js/node_modules/.bin/tsc -p js/test/types

step "node:test on Node $(node --version)"
(cd js && node --test "${suites[@]}")
step "node:test on Node $("$NODE22" --version)"
(cd js && "$NODE22" --test "${suites[@]}")

step "packed tarball: Node 20 and 22, import and require; a Worker under workerd"
node js/test/pack/run.mjs

step "wasm-bindgen-test in Node"
CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
  cargo test -p mypay-edge-js --target wasm32-unknown-unknown --test wasm

step "wasm-bindgen-test in headless Chromium"
CHROMEDRIVER="${CHROMEDRIVER:-/usr/bin/chromedriver}" CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
  cargo test -p mypay-edge-js --target wasm32-unknown-unknown --test wasm_browser

step "all mypay-edge (npm) tests passed"
