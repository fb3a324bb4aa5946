#!/usr/bin/env bash
# make dev: the whole stack on this machine.
#   1. builds the Worker (scripts/build-worker.sh) and the sandbox (mypay-cli);
#   2. applies the D1 migrations and the demo seed to the local D1 (idempotent);
#   3. writes .dev.vars for the sandbox's credentials if there is none;
#   4. starts the sandbox on 127.0.0.1:8788 (report URL: the Worker's /mypay/notify)
#      and `wrangler dev` on 127.0.0.1:8787 (API + storefront, cron at
#      /cdn-cgi/local/scheduled and /__scheduled).
# Settings: every exported variable named in wrangler.toml's [vars] or in
# OPTIONAL_VAR_NAMES below replaces that var for this run (e.g.
# `ORDER_TTL_SECONDS=60 make dev`), and every exported secret of SECRET_NAMES
# below replaces the one in .dev.vars.
# Merchant webhooks: export MERCHANT_WEBHOOK_URL and MERCHANT_WEBHOOK_SECRET
# (e.g. `mypay listen --webhook-secret "$MERCHANT_WEBHOOK_SECRET"` on
# http://127.0.0.1:8790/); the queue runs in `wrangler dev`, and a failed
# delivery is first retried after 30 s (WEBHOOK_RETRY_SCHEDULE changes that).
# An exported MYPAY_ENDPOINT (e.g. https://pay.usecase.cc/api/agent, MYPAY's real
# test host) replaces the sandbox, which is then not started.
# Ctrl-C (SIGINT) or SIGTERM stops everything it started, and waits for it.
# Env: WORKER_PORT (8787), SANDBOX_PORT (8788), SANDBOX_TLS_PORT (8789);
# MYPAY_DEV_NO_SETSID=1 starts the children as on macOS (scripts/test-scripts.sh).
# `scripts/dev.sh --dry-run` prints what the worker would get (secret values
# masked) and starts nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
. "$ROOT/scripts/node.sh" || exit 1  # NODE, NODE_DIR: a node >= 22.12 (PATH, else npm)
export PATH="$NODE_DIR:$HOME/.cargo/bin:$PATH"
export CI=${CI:-true} WRANGLER_SEND_METRICS=false

# The Worker's secrets (`wrangler secret put` when deployed, .dev.vars here):
# the one list of them that make dev passes on from the environment.
SECRET_NAMES=(MYPAY_AGENT_KEY MYPAY_AGENT_KEY_NEXT ADMIN_TOKEN TURNSTILE_SECRET_KEY MERCHANT_WEBHOOK_SECRET)
# The Worker's optional vars (README's Configuration: they have defaults, so
# wrangler.toml's [vars] need not name them): passed on like [vars] when exported.
OPTIONAL_VAR_NAMES=(MYPAY_TIMEOUT_MS IDEMPOTENCY_RECLAIM_SECONDS ORDER_TTL_SECONDS
  VOUCHER_HOLD_SECONDS PENDING_REVIEW_SECONDS TEST_CLOCK TURNSTILE_SITE_KEY TURNSTILE_VERIFY_URL
  MYPAY_AGENT_KEY_ISSUED MERCHANT_WEBHOOK_URL WEBHOOK_RETRY_SCHEDULE WEBHOOK_TIMEOUT_MS
  ACCESS_TEAM_DOMAIN ACCESS_AUD ACCESS_CERTS_URL)

DRY_RUN=0
case "${1:-}" in
  --dry-run) DRY_RUN=1 ;;
  "") ;;
  *) echo "usage: scripts/dev.sh [--dry-run]" >&2; exit 2 ;;
esac

WORKER_PORT=${WORKER_PORT:-8787}
SANDBOX_PORT=${SANDBOX_PORT:-8788}
SANDBOX_TLS_PORT=${SANDBOX_TLS_PORT:-8789}
WORKER_URL="http://127.0.0.1:$WORKER_PORT"
log() { printf '\033[1;36m[dev]\033[0m %s\n' "$*" >&2; }
wrangler() { "$ROOT/node_modules/.bin/wrangler" "$@" </dev/null; }

# The names of wrangler.toml's top-level [vars] (not [env.*.vars]).
var_names() {
  awk '/^[[:space:]]*\[/ { in_vars = ($0 ~ /^[[:space:]]*\[vars\][[:space:]]*(#.*)?$/); next }
       in_vars && /^[[:space:]]*[A-Za-z_][A-Za-z0-9_]*[[:space:]]*=/ {
         sub(/^[[:space:]]*/, ""); sub(/[[:space:]]*=.*/, ""); print }' wrangler.toml
}

# The worker's vars: MYPAY_ENDPOINT is the sandbox unless exported, STOREFRONT_URL
# this worker unless exported; any other [vars] name only when exported.
ENDPOINT=${MYPAY_ENDPOINT:-}
[ -n "$ENDPOINT" ] || ENDPOINT="http://127.0.0.1:$SANDBOX_PORT/api/agent"
VAR_ARGS=(--var "MYPAY_ENDPOINT:$ENDPOINT" --var "STOREFRONT_URL:${STOREFRONT_URL:-$WORKER_URL}")
for name in $(var_names; printf '%s\n' "${OPTIONAL_VAR_NAMES[@]}" | grep -vxF -f <(var_names)); do
  case "$name" in MYPAY_ENDPOINT | STOREFRONT_URL) continue ;; esac
  if value=$(printenv "$name"); then VAR_ARGS+=(--var "$name:$value"); fi
done

# Exported secrets go through a file (never the command line): .dev.vars first,
# then these (`--env-file`, later files win). Only when there is one, so that
# .dev.vars alone is read as before otherwise.
SECRETS_FILE="$ROOT/build/dev/secrets.env"
SECRET_ARGS=()
exported_secrets=()
for name in "${SECRET_NAMES[@]}"; do
  if value=$(printenv "$name"); then
    case "$value" in
      *"'"* | *\\* | *$'\n'*) log "$name contains a quote, a backslash or a newline: put it in .dev.vars instead"; exit 2 ;;
    esac
    exported_secrets+=("$name")
  fi
done

WRANGLER_ARGS=(dev --ip 127.0.0.1 --port "$WORKER_PORT" --local --test-scheduled
  "${VAR_ARGS[@]}" --show-interactive-dev-session=false)
[ ${#exported_secrets[@]} -eq 0 ] || SECRET_ARGS=(--env-file .dev.vars --env-file "$SECRETS_FILE")

if [ "$DRY_RUN" = 1 ]; then
  printf 'wrangler'; printf ' %q' "${WRANGLER_ARGS[@]}" ${SECRET_ARGS[@]+"${SECRET_ARGS[@]}"}; printf '\n'
  for name in ${exported_secrets[@]+"${exported_secrets[@]}"}; do echo "secret $name (from the environment)"; done
  [ -n "${MYPAY_ENDPOINT:-}" ] && echo "no sandbox" || echo "sandbox --port $SANDBOX_PORT --tls-port $SANDBOX_TLS_PORT"
  exit 0
fi

log "building the Worker"
scripts/build-worker.sh

if [ -z "${MYPAY_ENDPOINT:-}" ]; then
  log "building the sandbox (cargo build --release -p mypay-cli)"
  cargo build -q --release -p mypay-cli
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

# Each child runs in a process group of its own (setsid; macOS has no setsid
# command: bash's job control does the same there), so that a terminal's Ctrl-C
# does not reach it before this script's trap; the trap stops each whole
# process group (wrangler with its workerd, the sandbox), waits, and kills what
# is left.
if [ "${MYPAY_DEV_NO_SETSID:-0}" != 1 ] && command -v setsid >/dev/null 2>&1; then
  start_group() { setsid "$@" </dev/null & }
else
  start_group() { set -m; "$@" </dev/null & set +m; }
fi
PIDS=()
cleanup() {
  local rc=$? pid alive
  trap - EXIT INT TERM
  for pid in ${PIDS[@]+"${PIDS[@]}"}; do kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true; done
  for _ in $(seq 1 50); do
    alive=0
    for pid in ${PIDS[@]+"${PIDS[@]}"}; do kill -0 -- "-$pid" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && break
    sleep 0.2
  done
  for pid in ${PIDS[@]+"${PIDS[@]}"}; do kill -KILL -- "-$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -f "$SECRETS_FILE"
  log "stopped"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [ ${#exported_secrets[@]} -gt 0 ]; then
  mkdir -p "$(dirname "$SECRETS_FILE")"
  (
    umask 077
    # wrangler reads it with dotenv and then expands $NAME: \$ keeps a $.
    for name in "${exported_secrets[@]}"; do
      value=$(printenv "$name")
      printf "%s='%s'\n" "$name" "${value//\$/\\\$}"
    done >"$SECRETS_FILE"
  )
  log "secrets from the environment: ${exported_secrets[*]}"
fi

if [ -z "${MYPAY_ENDPOINT:-}" ]; then
  log "sandbox on http://127.0.0.1:$SANDBOX_PORT (https on $SANDBOX_TLS_PORT)"
  start_group target/release/mypay sandbox --port "$SANDBOX_PORT" --tls-port "$SANDBOX_TLS_PORT" \
    --notify-url "$WORKER_URL/mypay/notify"
  PIDS+=($!)
else
  log "using MYPAY at $MYPAY_ENDPOINT (no sandbox); set the report URL in MYPAY's admin panel to a public URL of this worker"
fi

log "wrangler dev on $WORKER_URL (MYPAY_ENDPOINT=$ENDPOINT)"
start_group "$ROOT/node_modules/.bin/wrangler" "${WRANGLER_ARGS[@]}" ${SECRET_ARGS[@]+"${SECRET_ARGS[@]}"}
PIDS+=($!)

log "ready soon: storefront $WORKER_URL/  ·  sandbox http://127.0.0.1:$SANDBOX_PORT/sandbox  ·  cron: curl $WORKER_URL/cdn-cgi/local/scheduled  ·  Ctrl-C stops"
# Until one of them ends (or a signal comes: `wait` returns at once for a trap).
while :; do
  for pid in "${PIDS[@]}"; do kill -0 "$pid" 2>/dev/null || break 2; done
  sleep 1 &
  wait $! || true
done
