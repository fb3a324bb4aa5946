#!/usr/bin/env bash
# Installs what `make dev`, `make test` and `make bench` need, idempotently.
# Usage: scripts/setup.sh [rust] [wasm] [node] [samples] [browser] [deny]   (no argument: all)
# System packages come from apt where apt-get exists (Debian, Ubuntu, WSL2);
# elsewhere (macOS) it names what to install (Homebrew) and stops. Nothing is
# downloaded outside the package registries (crates.io, npm, PyPI, apt).
set -euo pipefail
cd "$(dirname "$0")/.."

WORKER_BUILD_VERSION=0.8.7
CARGO_DENY_VERSION=0.20.2
# The Python samples' libraries (tests/samples), in build/samples-venv when the
# python3 on PATH lacks them.
PYCRYPTODOME_VERSION=4.4.0
REQUESTS_VERSION=2.34.2
WASM_BINDGEN_VERSION=$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/"/,"",$3); print $3; exit}' Cargo.lock 2>/dev/null || true)
WASM_BINDGEN_VERSION=${WASM_BINDGEN_VERSION:-0.2.130}
export PATH="$HOME/.cargo/bin:$PATH"

log() { printf '\033[1;34m[setup]\033[0m %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# MYPAY_SETUP_NO_APT=1 behaves as on a machine without apt-get (to see the messages).
has_apt() { [ "${MYPAY_SETUP_NO_APT:-0}" != 1 ] && command -v apt-get >/dev/null 2>&1 && command -v dpkg >/dev/null 2>&1; }

apt_install() {
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "apt-get install ${missing[*]}"
  local sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
}

# system_need WHAT APT_PACKAGES BREW_PACKAGES: apt-get install them where apt
# exists; elsewhere say what to install and fail.
system_need() {
  local what=$1 apt_pkgs=$2 brew_pkgs=$3
  if has_apt; then
    # shellcheck disable=SC2086
    apt_install $apt_pkgs
    return 0
  fi
  log "missing: $what"
  log "  this machine has no apt-get: install it yourself, then run this again."
  log "  macOS (Homebrew): brew install $brew_pkgs"
  log "  (Debian/Ubuntu names: $apt_pkgs)"
  return 1
}

setup_rust() {
  command -v rustup >/dev/null 2>&1 || die "rustup is missing: install Rust with rustup (https://rustup.rs), then run this again"
  command -v cc >/dev/null 2>&1 ||
    system_need "a C compiler and linker (for ring and the crates' build scripts)" "gcc libc6-dev" \
      "(nothing: run \`xcode-select --install\` for Apple's command line tools)" || exit 1
  # rust-toolchain.toml pins the toolchain; make it present without a download
  # when the installed stable is that same release.
  local channel host stable_version
  channel=$(sed -n 's/^channel = "\(.*\)"$/\1/p' rust-toolchain.toml)
  if ! rustup run "$channel" rustc --version >/dev/null 2>&1; then
    host=$(rustup run stable rustc -vV 2>/dev/null | sed -n 's/^host: //p' || true)
    stable_version=$(rustup run stable rustc --version 2>/dev/null | awk '{print $2}' || true)
    if [ -n "$host" ] && [ "$stable_version" = "$channel" ]; then
      log "Rust $channel is the installed stable: naming it $channel (no download)"
      ln -sfn "stable-$host" "$(rustup show home)/toolchains/$channel-$host"
    else
      log "rustup toolchain install $channel"
      rustup toolchain install "$channel" --profile minimal --component clippy,rustfmt --target wasm32-unknown-unknown
    fi
  fi
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
  command -v npm >/dev/null 2>&1 ||
    system_need "npm (any Node.js; scripts/node.sh brings Node 22 from npm when the node on PATH is older)" \
      "nodejs npm" "node@22" || exit 1
  if [ ! -x node_modules/.bin/wrangler ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    log "npm ci (wrangler, esbuild, binaryen, playwright-core; Node 22 for this platform)"
    if [ -f package-lock.json ]; then npm ci --no-audit --no-fund --loglevel=error; else npm install --no-audit --no-fund --loglevel=error; fi
  fi
  # A node >= 22.12 (the one on PATH or the npm one), or what to install.
  . scripts/node.sh
}

setup_samples() {
  command -v curl >/dev/null 2>&1 || system_need "curl" "curl" "curl" || exit 1
  php -r 'exit(function_exists("curl_init") ? 0 : 1);' >/dev/null 2>&1 ||
    system_need "PHP with the curl extension (the API text's PHP sample)" "php-cli php-curl" "php" || exit 1
  command -v python3 >/dev/null 2>&1 ||
    system_need "Python 3 (the API text's Python sample)" "python3 python3-venv" "python" || exit 1
  # The Python sample imports `Crypto` (PyPI's pycryptodome) and requests.
  # Debian's python3-pycryptodome is the `Cryptodome` flavour, so it cannot run
  # the sample as written; and PEP 668 refuses `pip install` into a system
  # Python. So: the python3 on PATH when it has both, else a venv under build/
  # with both from PyPI (tests/samples/run.sh picks the same).
  python3 -c 'import Crypto.Cipher.AES, requests' >/dev/null 2>&1 && return 0
  local venv=build/samples-venv
  "$venv/bin/python" -c 'import Crypto.Cipher.AES, requests' >/dev/null 2>&1 && return 0
  python3 -c 'import ensurepip, venv' >/dev/null 2>&1 ||
    system_need "Python's venv module" "python3-venv" "python" || exit 1
  log "$venv: pycryptodome $PYCRYPTODOME_VERSION and requests $REQUESTS_VERSION (PyPI)"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/python" -m pip install -q --disable-pip-version-check \
    "pycryptodome==$PYCRYPTODOME_VERSION" "requests==$REQUESTS_VERSION"
}

setup_browser() {
  if has_apt; then
    apt_install chromium chromium-driver fonts-wqy-microhei
  elif [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
    log "missing: /usr/bin/chromium and /usr/bin/chromedriver (the browser tests of make test)"
    log "  they come from Debian's chromium and chromium-driver: run make test on Linux or in WSL2"
    log "  (make dev needs no browser)"
    exit 1
  fi
}

# cargo-deny for `make lint` (a few minutes' compile, once).
setup_deny() {
  setup_rust
  if ! cargo deny --version 2>/dev/null | grep -q " $CARGO_DENY_VERSION\$"; then
    log "cargo install cargo-deny $CARGO_DENY_VERSION"
    cargo install -q --locked cargo-deny --version "$CARGO_DENY_VERSION" --force
  fi
}

[ $# -eq 0 ] && set -- rust wasm node samples browser deny
for part in "$@"; do "setup_$part"; done
