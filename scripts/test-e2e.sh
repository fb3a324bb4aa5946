#!/usr/bin/env bash
# make test-e2e: the demo storefront driven in /usr/bin/chromium (playwright-core) against
# the real stack, like `make dev` but on test ports with fresh state:
#   sandbox   target/release/mypay sandbox --port 28788 --in-memory --notify-url …/mypay/notify
#   worker    wrangler dev --port 28787, a fresh local D1 (migrations + seed), its own secrets
# then runs tests/e2e/*.test.mjs (node:test) and stops everything it started.
# Screenshots: test-output/e2e/. Logs of a failed run: test-output/e2e/*.log.
# Env: E2E_WORKER_PORT (28787), E2E_SANDBOX_PORT (28788), E2E_KEEP=1 keeps the temp dir,
#      E2E_TESTS the test files (default tests/e2e/*.test.mjs), E2E_WEBHOOK_RETRY_SCHEDULE (1,1).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

WORKER_PORT=${E2E_WORKER_PORT:-28787}
SANDBOX_PORT=${E2E_SANDBOX_PORT:-28788}
WORKER_URL="http://127.0.0.1:$WORKER_PORT"
SANDBOX_URL="http://127.0.0.1:$SANDBOX_PORT"
OUT=test-output/e2e
. "$ROOT/scripts/node.sh" || exit 1  # NODE, NODE_DIR: a node >= 22.12 (PATH, else npm)
export PATH="$NODE_DIR:$HOME/.cargo/bin:$PATH"
export WRANGLER_SEND_METRICS=false
export CI=${CI:-true}

log() { printf '\033[1;35m[e2e]\033[0m %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# ---- what the run needs (idempotent) ----
scripts/setup.sh rust wasm node browser
if ! fc-list ':lang=zh-tw' 2>/dev/null | grep -q .; then
  # Only so that the screenshots show Chinese text instead of boxes; small (1.6 MB).
  log "apt-get install fonts-wqy-microhei"
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  { $sudo apt-get install -y -qq fonts-wqy-microhei >/dev/null 2>&1 ||
    { $sudo apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq fonts-wqy-microhei >/dev/null; }; } ||
    log "warning: no CJK font; screenshots will show boxes for Chinese text"
fi
[ -x /usr/bin/chromium ] || die "/usr/bin/chromium is missing (scripts/setup.sh browser)"
[ -x "$NODE_DIR/node" ] || die "Node 22 is missing (npm ci)"

# ---- builds ----
scripts/build-storefront.sh --check || die "public/vendor/storefront.js is stale: run scripts/build-storefront.sh and commit it"
log "cargo build --release -p mypay-cli"
cargo build -q --release -p mypay-cli
[ -x target/release/mypay ] || die "target/release/mypay was not built"
[ -f wrangler.toml ] || die "wrangler.toml is missing (the Worker is not there yet)"
if [ -x scripts/build-worker.sh ]; then
  log "scripts/build-worker.sh"
  scripts/build-worker.sh
fi

# The D1 database of wrangler.toml, its migrations and the dev seed.
D1_NAME=$(awk -F'"' '/^\[\[d1_databases\]\]/{d=1} d && /^database_name/{print $2; exit}' wrangler.toml)
[ -n "$D1_NAME" ] || die "no [[d1_databases]] database_name in wrangler.toml"
SEED=""
for f in seed/dev.sql migrations/seed.sql seed.sql; do [ -f "$f" ] && { SEED=$f; break; }; done

for port in "$WORKER_PORT" "$SANDBOX_PORT"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    die "port $port is in use; stop what holds it or set E2E_WORKER_PORT / E2E_SANDBOX_PORT"
  fi
done

# ---- fresh state ----
TMP=$(mktemp -d /tmp/mypay-e2e.XXXXXX)
PIDS=()
cleanup() {
  local rc=$?
  for pid in ${PIDS[@]+"${PIDS[@]}"}; do
    [ -n "$pid" ] || continue
    # Each service runs in its own session: stop it and its children (workerd, esbuild).
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in ${PIDS[@]+"${PIDS[@]}"}; do
    [ -n "$pid" ] || continue
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$pid" 2>/dev/null || true
  done
  if [ "$rc" -ne 0 ]; then
    mkdir -p "$OUT"
    cp -f "$TMP"/*.log "$OUT"/ 2>/dev/null || true
    for f in "$TMP"/*.log; do
      [ -f "$f" ] || continue
      log "---- last lines of $(basename "$f") (all of it in $OUT/) ----"
      tail -n 40 "$f" >&2 || true
    done
  fi
  if [ -n "${E2E_KEEP:-}" ]; then log "kept $TMP"; else rm -rf "$TMP"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

rm -rf "$OUT"
mkdir -p "$OUT"
# Webhook retries a second apart (src/worker/config.rs: 1 to 30 waits of 1 to 43200 s), so a
# delivery to a receiver that answers 500 is failed within seconds and the console can replay it.
# Only a failing receiver waits on it: the storefront's tests send no webhooks.
WEBHOOK_RETRY_SCHEDULE=${E2E_WEBHOOK_RETRY_SCHEDULE:-1,1}
ADMIN_TOKEN="e2e-$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')"
# The sandbox's default credentials (the API text's published test values), and an admin
# token of this run only. An --env-file replaces .dev.vars, which stays untouched.
cat >"$TMP/e2e.env" <<EOF
MYPAY_AGENT_KEY=2MrhtRYeF9wKZ4bKwzZoL8aZf26pWzIG
ADMIN_TOKEN=$ADMIN_TOKEN
EOF

wrangler() { "$ROOT/node_modules/.bin/wrangler" "$@"; }

log "fresh local D1 ($D1_NAME): migrations${SEED:+ + $SEED}"
wrangler d1 migrations apply "$D1_NAME" --local --persist-to "$TMP/state" >"$TMP/d1.log" 2>&1 ||
  { cat "$TMP/d1.log" >&2; die "D1 migrations failed"; }
if [ -n "$SEED" ]; then
  wrangler d1 execute "$D1_NAME" --local --persist-to "$TMP/state" --file "$SEED" >>"$TMP/d1.log" 2>&1 ||
    { cat "$TMP/d1.log" >&2; die "D1 seed failed"; }
fi

log "sandbox on $SANDBOX_URL"
setsid target/release/mypay sandbox --port "$SANDBOX_PORT" --in-memory \
  --notify-url "$WORKER_URL/mypay/notify" >"$TMP/sandbox.log" 2>&1 &
PIDS+=($!)

start_worker() {
  log "wrangler dev on $WORKER_URL"
  setsid "$ROOT/node_modules/.bin/wrangler" dev --ip 127.0.0.1 --port "$WORKER_PORT" --local \
    --persist-to "$TMP/state" --env-file "$TMP/e2e.env" \
    --var "MYPAY_ENDPOINT:$SANDBOX_URL/api/agent" \
    --var "STOREFRONT_URL:$WORKER_URL" \
    --var "ALLOWED_ORIGINS:$WORKER_URL" \
    --var "WEBHOOK_RETRY_SCHEDULE:$WEBHOOK_RETRY_SCHEDULE" \
    --show-interactive-dev-session=false --live-reload=false --log-level=info \
    </dev/null >>"$TMP/wrangler.log" 2>&1 &
  WORKER_PID=$!
  PIDS+=("$WORKER_PID")
}

# 0 when $1 answers, 1 when process $3 died first, 2 on timeout ($2 seconds).
wait_for() {
  local deadline=$((SECONDS + $2))
  until curl -sf -o /dev/null -A mypay-edge-e2e "$1"; do
    kill -0 "$3" 2>/dev/null || return 1
    [ $SECONDS -lt $deadline ] || return 2
    sleep 0.5
  done
}

wait_for "$SANDBOX_URL/sandbox/notifications" 60 "${PIDS[0]}" || die "the sandbox did not start"
# wrangler dev picks some internal ports itself; when another wrangler dev on this machine
# takes one at the same moment it exits with "Address already in use": start it again.
for try in 1 2 3; do
  start_worker
  rc=0; wait_for "$WORKER_URL/api/products" 300 "$WORKER_PID" || rc=$?
  [ "$rc" -eq 0 ] && break
  [ "$rc" -eq 2 ] && die "the worker did not answer $WORKER_URL/api/products within 300 s"
  grep -q "Address already in use" "$TMP/wrangler.log" && [ "$try" -lt 3 ] || die "wrangler dev exited early"
  log "wrangler dev lost a port race; starting it again"
  kept=(); for pid in "${PIDS[@]}"; do [ "$pid" = "$WORKER_PID" ] || kept+=("$pid"); done
  PIDS=("${kept[@]}") # that one is gone: never signal its id again
  : >"$TMP/wrangler.log"
done
log "stack is up"

# ---- the test ----
E2E_BASE_URL="$WORKER_URL" E2E_SANDBOX_URL="$SANDBOX_URL" E2E_ADMIN_TOKEN="$ADMIN_TOKEN" E2E_OUTPUT="$OUT" \
  "$NODE_DIR/node" --test --test-reporter=spec --test-concurrency=1 ${E2E_TESTS:-tests/e2e/*.test.mjs}
log "screenshots in $OUT/"
