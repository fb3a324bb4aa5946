#!/usr/bin/env bash
# Installs what `make dev`, `make test` and `make bench` need, idempotently.
# Usage: scripts/setup.sh [rust] [wasm] [node] [samples] [browser]   (no argument: all)
set -euo pipefail
cd "$(dirname "$0")/.."

WORKER_BUILD_VERSION=0.8.7
WASM_BINDGEN_VERSION=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/"/,"",$3); print $3; exit}' Cargo.lock 2>/dev/null || true)
WASM_BINDGEN_VERSION=${WASM_BINDGEN_VERSION:-0.2.130}
export PATH="$HOME/.cargo/bin:$PATH"

log() { printf '\033[1;34m[setup]\033[0m %s\n' "$*" >&2; }

apt_install() {
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "apt-get install ${missing[*]}"
  local sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
}

setup_rust() {
  rustup component list --installed 2>/dev/null | grep -q '^clippy' || rustup component add clippy rustfmt
  rustup target list --installed | grep -q wasm32-unknown-unknown || { log "rustup target add wasm32"; rustup target add wasm32-unknown-unknown; }
}

setup_wasm() {
  setup_rust
  if ! wasm-bindgen --version 2>/dev/null | grep -q "$WASM_BINDGEN_VERSION"; then
    log "cargo install wasm-bindgen-cli $WASM_BINDGEN_VERSION"
    cargo install -q wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
  fi
  if ! worker-build --version 2>/dev/null | grep -q "$WORKER_BUILD_VERSION"; then
    log "cargo install worker-build $WORKER_BUILD_VERSION"
    cargo install -q worker-build --version "$WORKER_BUILD_VERSION" --locked --force
  fi
}

setup_node() {
  if [ ! -x node_modules/.bin/wrangler ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    log "npm ci (wrangler, Node 22, binaryen, playwright-core)"
    if [ -f package-lock.json ]; then npm ci --no-audit --no-fund --loglevel=error; else npm install --no-audit --no-fund --loglevel=error; fi
  fi
}

setup_samples() {
  apt_install php-cli php-curl
  python3 -c 'import Crypto, requests' 2>/dev/null || { log "pip install pycryptodome requests"; python3 -m pip install -q pycryptodome requests; }
}

setup_browser() {
  apt_install chromium chromium-driver fonts-wqy-microhei
}

[ $# -eq 0 ] && set -- rust wasm node samples browser
for part in "$@"; do "setup_$part"; done
