#!/usr/bin/env bash
# make test-worker: the Worker driven in workerd (`wrangler dev`) against the
# real sandbox process, on test ports with fresh state:
#   sandbox  target/release/mypay sandbox --port 18788 --in-memory --notify-url …/mypay/notify
#   worker   wrangler dev --port 18787, a fresh local D1 (--persist-to a temp dir),
#            migrations + seed, its own secrets
# then tests/worker/*.test.mjs (node:test, Node 22), and stops everything it started.
# A second worker (port WORKER_PORT+4, ORDER_TTL_SECONDS=3, IDEMPOTENCY_RECLAIM_SECONDS=2,
# its own D1) serves the expiry and reclaim tests; two more (WORKER_PORT+2 without ADMIN_TOKEN,
# WORKER_PORT+8 with TEST_CLOCK=1 against an https endpoint) check 500 config_error.
# Turnstile: the rotation worker (+6) has Turnstile's always-pass test secret, a fifth worker
# (+10) its always-fail one; both check tokens with tests/worker/support/siteverify.mjs (+12),
# a local stand-in for Cloudflare's siteverify (unreachable here) that answers its published
# test secret keys as documented.
# Env: WORKER_PORT (18787), SANDBOX_PORT (18788), KEEP=1 keeps the temp dir,
#      BENCH=1 runs scripts/bench-worker.mjs on the fresh stack instead of the tests,
#      TEST_FILES (default tests/worker/*.test.mjs).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
WORKER_PORT=${WORKER_PORT:-18787}
SANDBOX_PORT=${SANDBOX_PORT:-18788}
WORKER_URL="http://127.0.0.1:$WORKER_PORT"
SANDBOX_URL="http://127.0.0.1:$SANDBOX_PORT"
. "$ROOT/scripts/node.sh" || exit 1  # NODE, NODE_DIR: a node >= 22.12 (PATH, else npm)
export PATH="$NODE_DIR:$HOME/.cargo/bin:$PATH"
export CI=${CI:-true} WRANGLER_SEND_METRICS=false
OUT=test-output/worker

log() { printf '\033[1;32m[test-worker]\033[0m %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }
[ -x "$NODE_DIR/node" ] || die "Node 22 is missing (scripts/setup.sh node)"

log "building the Worker and the sandbox"
scripts/build-worker.sh
cargo build -q --release -p mypay-cli

for port in "$WORKER_PORT" "$SANDBOX_PORT"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then die "port $port is in use"; fi
done

TMP=$(mktemp -d /tmp/mypay-worker-test.XXXXXX)
PIDS=()
cleanup() {
  local rc=$?
  for pid in "${PIDS[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$pid" 2>/dev/null || true
  done
  if [ "$rc" -ne 0 ]; then
    mkdir -p "$OUT"; cp -f "$TMP"/*.log "$OUT"/ 2>/dev/null || true
    log "logs in $OUT/"
  fi
  if [ -n "${KEEP:-}" ]; then log "kept $TMP"; else rm -rf "$TMP"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

wrangler() { "$ROOT/node_modules/.bin/wrangler" "$@" </dev/null; }
ADMIN_TOKEN="test-$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')"
cat >"$TMP/test.env" <<EOV
MYPAY_AGENT_KEY=2MrhtRYeF9wKZ4bKwzZoL8aZf26pWzIG
ADMIN_TOKEN=$ADMIN_TOKEN
EOV

log "fresh local D1: migrations + seed"
wrangler d1 migrations apply DB --local --persist-to "$TMP/state" >"$TMP/d1.log" 2>&1 || { cat "$TMP/d1.log" >&2; die "migrations failed"; }
wrangler d1 execute DB --local --persist-to "$TMP/state" --file seed/dev.sql >>"$TMP/d1.log" 2>&1 || { cat "$TMP/d1.log" >&2; die "seed failed"; }

log "sandbox on $SANDBOX_URL"
setsid target/release/mypay sandbox --port "$SANDBOX_PORT" --in-memory --notify-url "$WORKER_URL/mypay/notify" \
  --retry-schedule-ms 500,1000 >"$TMP/sandbox.log" 2>&1 &
PIDS+=($!)

log "wrangler dev on $WORKER_URL"
setsid "$ROOT/node_modules/.bin/wrangler" dev --ip 127.0.0.1 --port "$WORKER_PORT" --local \
  --persist-to "$TMP/state" --env-file "$TMP/test.env" \
  --var "MYPAY_ENDPOINT:$SANDBOX_URL/api/agent" --var "STOREFRONT_URL:$WORKER_URL" \
  --var "ALLOWED_ORIGINS:$WORKER_URL" --var "MYPAY_TIMEOUT_MS:2000" \
  --show-interactive-dev-session=false --live-reload=false \
  </dev/null >"$TMP/wrangler.log" 2>&1 &
PIDS+=($!)

# A second worker whose orders expire after 3 s and keep their vouchers 3 s more
# (tests/worker/expiry.test.mjs) and whose
# unanswered Idempotency-Keys are reclaimable after 2 s (tests/worker/reclaim.test.mjs), on its own D1.
EXPIRY_PORT=$((WORKER_PORT + 4))
EXPIRY_URL="http://127.0.0.1:$EXPIRY_PORT"
wrangler d1 migrations apply DB --local --persist-to "$TMP/state-expiry" >>"$TMP/d1.log" 2>&1 || die "migrations failed"
wrangler d1 execute DB --local --persist-to "$TMP/state-expiry" --file seed/dev.sql >>"$TMP/d1.log" 2>&1 || die "seed failed"
setsid "$ROOT/node_modules/.bin/wrangler" dev --ip 127.0.0.1 --port "$EXPIRY_PORT" --local \
  --persist-to "$TMP/state-expiry" --env-file "$TMP/test.env" \
  --var "MYPAY_ENDPOINT:$SANDBOX_URL/api/agent" --var "STOREFRONT_URL:$EXPIRY_URL" --var "ORDER_TTL_SECONDS:3" \
  --var "IDEMPOTENCY_RECLAIM_SECONDS:2" --var "VOUCHER_HOLD_SECONDS:3" \
  --show-interactive-dev-session=false --live-reload=false \
  </dev/null >"$TMP/wrangler-expiry.log" 2>&1 &
PIDS+=($!)

# A fourth worker mid key rotation (tests/worker/rotation.test.mjs): its
# MYPAY_AGENT_KEY is one MYPAY no longer accepts, MYPAY_AGENT_KEY_NEXT is MYPAY's key.
ROTATION_PORT=$((WORKER_PORT + 6))
ROTATION_URL="http://127.0.0.1:$ROTATION_PORT"
OLD_KEY=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
cat >"$TMP/rotation.env" <<EOV
MYPAY_AGENT_KEY=$OLD_KEY
MYPAY_AGENT_KEY_NEXT=2MrhtRYeF9wKZ4bKwzZoL8aZf26pWzIG
ADMIN_TOKEN=$ADMIN_TOKEN
TURNSTILE_SECRET_KEY=1x0000000000000000000000000000000AA
EOV
SITEVERIFY_PORT=$((WORKER_PORT + 12))
SITEVERIFY_URL="http://127.0.0.1:$SITEVERIFY_PORT/turnstile/v0/siteverify"
setsid "$NODE_DIR/node" tests/worker/support/siteverify.mjs "$SITEVERIFY_PORT" >"$TMP/siteverify.log" 2>&1 &
PIDS+=($!)
wrangler d1 migrations apply DB --local --persist-to "$TMP/state-rotation" >>"$TMP/d1.log" 2>&1 || die "migrations failed"
wrangler d1 execute DB --local --persist-to "$TMP/state-rotation" --file seed/dev.sql >>"$TMP/d1.log" 2>&1 || die "seed failed"
setsid "$ROOT/node_modules/.bin/wrangler" dev --ip 127.0.0.1 --port "$ROTATION_PORT" --local \
  --persist-to "$TMP/state-rotation" --env-file "$TMP/rotation.env" \
  --var "MYPAY_ENDPOINT:$SANDBOX_URL/api/agent" --var "STOREFRONT_URL:$ROTATION_URL" \
  --var "TURNSTILE_SITE_KEY:1x00000000000000000000AA" --var "TURNSTILE_VERIFY_URL:$SITEVERIFY_URL" \
  --show-interactive-dev-session=false --live-reload=false \
  </dev/null >"$TMP/wrangler-rotation.log" 2>&1 &
PIDS+=($!)
ROTATION_PID=$!

# A fifth worker whose Turnstile secret is the always-fail test key.
TURNSTILE_PORT=$((WORKER_PORT + 10))
TURNSTILE_URL="http://127.0.0.1:$TURNSTILE_PORT"
cat "$TMP/test.env" >"$TMP/turnstile.env"
printf 'TURNSTILE_SECRET_KEY=2x0000000000000000000000000000000AA\n' >>"$TMP/turnstile.env"
wrangler d1 migrations apply DB --local --persist-to "$TMP/state-turnstile" >>"$TMP/d1.log" 2>&1 || die "migrations failed"
wrangler d1 execute DB --local --persist-to "$TMP/state-turnstile" --file seed/dev.sql >>"$TMP/d1.log" 2>&1 || die "seed failed"
setsid "$ROOT/node_modules/.bin/wrangler" dev --ip 127.0.0.1 --port "$TURNSTILE_PORT" --local \
  --persist-to "$TMP/state-turnstile" --env-file "$TMP/turnstile.env" \
  --var "MYPAY_ENDPOINT:$SANDBOX_URL/api/agent" --var "STOREFRONT_URL:$TURNSTILE_URL" \
  --var "TURNSTILE_SITE_KEY:2x00000000000000000000AB" --var "TURNSTILE_VERIFY_URL:$SITEVERIFY_URL" \
  --show-interactive-dev-session=false --live-reload=false \
  </dev/null >"$TMP/wrangler-turnstile.log" 2>&1 &
PIDS+=($!)
TURNSTILE_PID=$!

wait_for() { # url name seconds pid
  local deadline=$((SECONDS + $3))
  until curl -sf -o /dev/null -A mypay-edge-tests "$1"; do
    kill -0 "$4" 2>/dev/null || { tail -n 30 "$TMP"/*.log >&2; die "$2 exited early"; }
    [ $SECONDS -lt $deadline ] || die "$2 did not answer $1 within $3 s"
    sleep 0.3
  done
}
wait_for "$SANDBOX_URL/sandbox/notifications" sandbox 60 "${PIDS[0]}"
wait_for "$WORKER_URL/api/products" worker 180 "${PIDS[1]}"
wait_for "$EXPIRY_URL/api/products" "expiry worker" 180 "${PIDS[2]}"
wait_for "$ROTATION_URL/api/products" "rotation worker" 180 "$ROTATION_PID"
wait_for "$TURNSTILE_URL/api/products" "turnstile worker" 180 "$TURNSTILE_PID"
log "stack is up"

if [ -n "${BENCH:-}" ]; then
  WORKER_URL="$WORKER_URL" SANDBOX_URL="$SANDBOX_URL" "$NODE_DIR/node" scripts/bench-worker.mjs
  exit 0
fi

# shellcheck disable=SC2086
WORKER_URL="$WORKER_URL" SANDBOX_URL="$SANDBOX_URL" ADMIN_TOKEN="$ADMIN_TOKEN" EXPIRY_WORKER_URL="$EXPIRY_URL" ROTATION_WORKER_URL="$ROTATION_URL" \
  TURNSTILE_WORKER_URL="$TURNSTILE_URL" SITEVERIFY_URL="$SITEVERIFY_URL" \
  "$NODE_DIR/node" --test --test-reporter=spec --test-concurrency=1 ${TEST_FILES:-tests/worker/*.test.mjs}

# A worker started with a bad configuration must answer every request 500
# config_error naming the variable (never its value), and keep answering.
#   expect_config_error NAME PORT ENV_FILE [--var K:V ...]
expect_config_error() {
  local name=$1 port=$2 env_file=$3; shift 3
  local logf="$TMP/wrangler-conf-$name.log" out="$TMP/conf-$name.json" code deadline
  setsid "$ROOT/node_modules/.bin/wrangler" dev --ip 127.0.0.1 --port "$port" --local \
    --persist-to "$TMP/state" --env-file "$env_file" "$@" \
    --show-interactive-dev-session=false --live-reload=false </dev/null >"$logf" 2>&1 &
  PIDS+=($!)
  deadline=$((SECONDS + 120))
  until code=$(curl -s -o "$out" -w '%{http_code}' -A mypay-edge-tests "http://127.0.0.1:$port/api/products") && [ "$code" != 000 ]; do
    [ $SECONDS -lt $deadline ] || die "the worker for the $name check did not start"
    sleep 0.3
  done
  [ "$code" = 500 ] && grep -q '"code":"config_error"' "$out" && grep -q "$name" "$out" ||
    die "expected 500 config_error naming $name, got $code $(cat "$out")"
  code=$(curl -s -o /dev/null -w '%{http_code}' -A mypay-edge-tests "http://127.0.0.1:$port/api/products")
  [ "$code" = 500 ] || die "the worker did not survive the config error ($code)"
  grep -q '"event":"config_error"' "$logf" || die "no config_error log line"
  log "config_error naming $name: ok"
}

# A missing secret.
printf 'MYPAY_AGENT_KEY=2MrhtRYeF9wKZ4bKwzZoL8aZf26pWzIG\n' >"$TMP/noadmin.env"
expect_config_error ADMIN_TOKEN $((WORKER_PORT + 2)) "$TMP/noadmin.env" --var "MYPAY_ENDPOINT:$SANDBOX_URL/api/agent"
# The test clock can never be on against MYPAY: TEST_CLOCK=1 with an https
# MYPAY_ENDPOINT is refused.
expect_config_error TEST_CLOCK $((WORKER_PORT + 8)) "$TMP/test.env" \
  --var "MYPAY_ENDPOINT:https://pay.usecase.cc/api/agent" --var "TEST_CLOCK:1"

# No secret may reach the log: not the agent key, not the admin token, not
# any order's MYPAY key (the sandbox lists them), not a test shopper's e-mail.
curl -s -A mypay-edge-tests "$SANDBOX_URL/sandbox/orders" |
  "$NODE_DIR/node" -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const o=JSON.parse(s);for(const x of (o.orders??o))if(x.key)console.log(x.key)})' \
  >"$TMP/order-keys.txt"
printf '%s\n' 2MrhtRYeF9wKZ4bKwzZoL8aZf26pWzIG "$OLD_KEY" "$ADMIN_TOKEN" test@example.com 0912345678 >>"$TMP/order-keys.txt"
if grep -F -f "$TMP/order-keys.txt" "$TMP"/wrangler*.log >/dev/null; then
  die "a secret or personal data appears in the worker's log"
fi
log "worker log has none of $(wc -l <"$TMP/order-keys.txt") secrets / personal values"
