#!/usr/bin/env bash
# Builds the npm package mypay-edge (js/) from the bindings crate js/bindings and
# packs it: js/index.d.ts (generated, committed), js/dist/ (gitignored) and
# target/npm/mypay-edge-<version>.tgz.
#
#   scripts/build-js.sh            # build + pack
#   MYPAY_WASM_OPT=0 scripts/build-js.sh   # skip wasm-opt
#
# Needs: the wasm32 target, wasm-bindgen-cli matching Cargo.lock
# (scripts/setup.sh wasm), the root node_modules (esbuild, binaryen).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
ROOT=$PWD
log() { printf '\033[1;34m[build-js]\033[0m %s\n' "$*" >&2; }

want=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/"/,"",$3); print $3; exit}' Cargo.lock)
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [ "$have" != "$want" ]; then
  echo "build-js: wasm-bindgen $want is needed (found '${have:-none}'): run scripts/setup.sh wasm" >&2
  exit 1
fi
[ -x node_modules/.bin/esbuild ] || { echo "build-js: node_modules/.bin/esbuild missing: run scripts/setup.sh node" >&2; exit 1; }

# The declarations (js/index.d.ts) are generated from the Rust types: the
# models and value tables of crates/mypay-link (feature `ts`), the bindings'
# own types, and the hand-written js/src/api.d.ts. scripts/test-js.sh checks
# the committed file against them before it builds.
log "js/index.d.ts from the Rust types (cargo test -p mypay-edge-js --features ts --test typescript)"
MYPAY_UPDATE_TYPES=1 cargo test -q -p mypay-edge-js --features ts --test typescript >/dev/null

log "cargo build -p mypay-edge-js (release, wasm32)"
cargo build -p mypay-edge-js --lib --release --target wasm32-unknown-unknown
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp "${CARGO_TARGET_DIR:-target}/wasm32-unknown-unknown/release/mypay_edge_js.wasm" "$tmp/mypay_edge.wasm"

DIST=js/dist
rm -rf "$DIST"
mkdir -p "$DIST/wasm"
log "wasm-bindgen --target web"
wasm-bindgen --target web --no-typescript --out-dir "$DIST/wasm" --out-name mypay_edge "$tmp/mypay_edge.wasm"

if [ "${MYPAY_WASM_OPT:-1}" != 0 ] && [ -x node_modules/binaryen/bin/wasm-opt ]; then
  log "wasm-opt -O3"
  before=$(stat -c %s "$DIST/wasm/mypay_edge_bg.wasm")
  node_modules/binaryen/bin/wasm-opt -O3 --enable-bulk-memory --enable-nontrapping-float-to-int \
    --enable-sign-ext --enable-mutable-globals --enable-reference-types --enable-multivalue \
    "$DIST/wasm/mypay_edge_bg.wasm" -o "$tmp/opt.wasm"
  mv "$tmp/opt.wasm" "$DIST/wasm/mypay_edge_bg.wasm"
  log "wasm: $before -> $(stat -c %s "$DIST/wasm/mypay_edge_bg.wasm") bytes"
fi

# The entries only instantiate the wasm and `export *` from api.js, the one
# list of the exports; instance.js holds the instance between them.
cp js/src/errors.js js/src/instance.js js/src/api.js js/src/browser.js js/src/workerd.js js/src/index.mjs \
  js/src/node-cjs-entry.js "$DIST/"
# CommonJS for `require` (Node): the ESM sources and the web glue in one file.
node_modules/.bin/esbuild "$DIST/node-cjs-entry.js" --bundle --format=cjs --platform=node --target=node18 \
  --log-level=warning --log-override:empty-import-meta=silent --outfile="$DIST/index.cjs"
rm "$DIST/node-cjs-entry.js"
cp js/index.d.ts "$DIST/index.d.cts"

version=$(node -p "require('./js/package.json').version")
crate=$(awk -F'"' '/^version = /{print $2; exit}' js/bindings/Cargo.toml)
[ "$version" = "$crate" ] || { echo "build-js: js/package.json version $version != crate version $crate" >&2; exit 1; }

log "smoke test"
node -e "const m=require('./$DIST/index.cjs'); const k='2MrhtRYeF9wKZ4bKwzZoL8aZf26pWzIG'; if (m.decrypt(m.encrypt('{}',k),k)!=='{}') process.exit(1)"

mkdir -p target/npm
rm -f target/npm/mypay-edge-*.tgz
(cd js && npm pack --silent --pack-destination "$ROOT/target/npm" >/dev/null)
log "packed $(ls target/npm/mypay-edge-*.tgz)"
