#!/usr/bin/env bash
# Builds the Worker (the root crate, for wasm32) into build/worker/ with worker-build,
# using the local wasm-bindgen, the npm binaryen wasm-opt and the npm esbuild so
# that nothing is downloaded at build time. Idempotent: cargo and worker-build skip what is fresh.
# Also the `[build] command` of wrangler.toml.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

command -v worker-build >/dev/null || { echo "worker-build is missing: scripts/setup.sh wasm" >&2; exit 1; }
command -v wasm-bindgen >/dev/null || { echo "wasm-bindgen is missing: scripts/setup.sh wasm" >&2; exit 1; }
[ -x node_modules/binaryen/bin/wasm-opt ] || { echo "node_modules/binaryen is missing: scripts/setup.sh node" >&2; exit 1; }

# esbuild: the one npm installed (package.json pins wrangler's, which is also the
# version worker-build 0.8.7 wants); without ESBUILD_BIN worker-build downloads it.
if [ -z "${ESBUILD_BIN:-}" ]; then
  case "$(uname -s)/$(uname -m)" in
    Linux/x86_64) esbuild_platform=linux-x64 ;;
    Linux/aarch64 | Linux/arm64) esbuild_platform=linux-arm64 ;;
    Darwin/arm64) esbuild_platform=darwin-arm64 ;;
    Darwin/x86_64) esbuild_platform=darwin-x64 ;;
    *) esbuild_platform=unknown ;;
  esac
  ESBUILD_BIN=$PWD/node_modules/@esbuild/$esbuild_platform/bin/esbuild
  [ -x "$ESBUILD_BIN" ] || ESBUILD_BIN=$PWD/node_modules/esbuild/bin/esbuild
fi
[ -x "$ESBUILD_BIN" ] || { echo "esbuild is missing from node_modules: scripts/setup.sh node" >&2; exit 1; }
export ESBUILD_BIN
export WASM_BINDGEN_BIN=${WASM_BINDGEN_BIN:-$(command -v wasm-bindgen)}
export WASM_OPT_BIN=${WASM_OPT_BIN:-$PWD/node_modules/binaryen/bin/wasm-opt}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target}

# Skip the whole build when nothing that goes into it changed.
stamp=build/.worker-build-stamp
inputs=$(find src crates/mypay-link Cargo.toml Cargo.lock -newer "$stamp" -print -quit 2>/dev/null || echo changed)
if [ -f "$stamp" ] && [ -z "$inputs" ] && [ -f build/worker/shim.mjs ] && [ -f build/index_bg.wasm ]; then
  echo "build-worker: up to date" >&2
  exit 0
fi
worker-build --release
# Drop the name section (function names for stack traces: a third of the file)
# and the producers section; every other section is kept byte for byte. No
# optimisation pass runs (Cargo.toml's wasm-pack metadata turns worker-build's
# wasm-opt step off; run by hand, `wasm-opt -Oz` saves under 1% here).
node scripts/strip-wasm.mjs build/index_bg.wasm
touch "$stamp"
ls -l build/index_bg.wasm >&2 2>/dev/null || true
