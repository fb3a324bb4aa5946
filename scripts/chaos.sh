#!/usr/bin/env bash
# make test-chaos / make chaos: a seeded, model-based chaos test of the Worker
# in workerd (`wrangler dev`, real local D1) against the real sandbox.
#   sandbox  target/release/mypay sandbox --port 17788 --in-memory --retry-schedule-ms 300,600
#   worker   wrangler dev --port 17787, a fresh local D1 (migrations + seed), TEST_CLOCK=1,
#            MYPAY_TIMEOUT_MS=1500, its own secrets; a snapshot of build/ (so an edit of
#            src/ during a run does not rebuild and reload the worker under the test)
# then tests/chaos/regressions.test.mjs (node:test) and tests/chaos/run.mjs (the seeded
# runs), and stops everything it started.
# Env: SEEDS=N   N seeds from a random start seed (default: the fixed set of run.mjs)
#      SEED=S    replay one seed, verbose (prints every step and what it saw)
#      STEPS=N   steps per seed (default: run.mjs's)
#      CHAOS_WORKER_PORT (17787), CHAOS_SANDBOX_PORT (17788), KEEP=1 keeps the temp dir,
#      REGRESSIONS=0 skips the regression tests, SERVE=1 starts the stack and waits
#      (prints the URLs and the admin token; for replaying by hand).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
# Below 32768: ports in the ephemeral range can be taken by any outgoing connection.
WORKER_PORT=${CHAOS_WORKER_PORT:-17787}
SANDBOX_PORT=${CHAOS_SANDBOX_PORT:-17788}
WORKER_URL="http://127.0.0.1:$WORKER_PORT"
SANDBOX_URL="http://127.0.0.1:$SANDBOX_PORT"
. "$ROOT/scripts/node.sh" || exit 1  # NODE, NODE_DIR: a node >= 22.12 (PATH, else npm)
export PATH="$NODE_DIR:$HOME/.cargo/bin:$PATH"
export CI=${CI:-true} WRANGLER_SEND_METRICS=false
OUT=test-output/chaos
STARTED=$SECONDS

log() { printf '\033[1;35m[chaos]\033[0m %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }
[ -x "$NODE_DIR/node" ] || die "Node 22 is missing (scripts/setup.sh node)"

log "building the Worker and the sandbox"
scripts/build-worker.sh
cargo build -q --release -p mypay-cli

for port in "$WORKER_PORT" "$SANDBOX_PORT"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    die "port $port is in use (another chaos run? set CHAOS_WORKER_PORT / CHAOS_SANDBOX_PORT)"
  fi
done

TMP=$(mktemp -d /tmp/mypay-chaos.XXXXXX)
PIDS=()
NAMES=()
stop_stack() {
  local pid i rc
  # A process of the stack that ended on its own is a finding (or a machine problem): say so.
  for i in "${!PIDS[@]}"; do
    pid=${PIDS[$i]}
    if ! kill -0 "$pid" 2>/dev/null; then
      rc=0; wait "$pid" 2>/dev/null || rc=$?
      log "the ${NAMES[$i]} (pid $pid) had exited on its own, status $rc (see ${NAMES[$i]}.log)"
    fi
  done
  for pid in "${PIDS[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$pid" 2>/dev/null || true
  done
  PIDS=()
  NAMES=()
}
cleanup() {
  local rc=$?
  stop_stack
  if [ "$rc" -ne 0 ]; then
    mkdir -p "$OUT"; cp -f "$TMP"/*.log "$TMP"/*.txt "$OUT"/ 2>/dev/null || true
    log "logs in $OUT/"
  fi
  if [ -n "${KEEP:-}" ]; then log "kept $TMP"; else rm -rf "$TMP"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The worker runs from a copy of build/ (and public/) with a config without
# [build]: wrangler would otherwise rebuild and reload it whenever src/ changes
# during the run.
mkdir -p "$TMP/build/worker"
cp build/index.js build/index_bg.wasm "$TMP/build/"
cp build/worker/shim.mjs "$TMP/build/worker/"
[ -f build/package.json ] && cp build/package.json "$TMP/build/"
cp -r public "$TMP/public"
awk -v root="$ROOT" -v tmp="$TMP" '
  /^\[/ { skip = ($0 == "[build]") }
  skip { next }
  /^main *=/ { print "main = \"" tmp "/build/worker/shim.mjs\""; next }
  /^directory *= *"public"/ { print "directory = \"" tmp "/public\""; next }
  /^migrations_dir *= *"migrations"/ { print "migrations_dir = \"" root "/migrations\""; next }
  { print }
' wrangler.toml >"$TMP/wrangler.toml"
grep -q "^main = \"$TMP/" "$TMP/wrangler.toml" || die "could not rewrite wrangler.toml's main"

wrangler() { "$ROOT/node_modules/.bin/wrangler" "$@" </dev/null; }
ADMIN_TOKEN="chaos-$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')"
cat >"$TMP/chaos.env" <<EOV
MYPAY_AGENT_KEY=2MrhtRYeF9wKZ4bKwzZoL8aZf26pWzIG
ADMIN_TOKEN=$ADMIN_TOKEN
EOV

wait_for() { # url name seconds pid
  local deadline=$((SECONDS + $3))
  until curl -sf -o /dev/null -A mypay-edge-chaos "$1"; do
    kill -0 "$4" 2>/dev/null || { tail -n 30 "$TMP"/*.log >&2; die "$2 exited early"; }
    [ $SECONDS -lt $deadline ] || die "$2 did not answer $1 within $3 s"
    sleep 0.3
  done
}

STACK=0
start_stack() {
  STACK=$((STACK + 1))
  local state="$TMP/state$STACK"
  log "fresh local D1 ($state): migrations + seed"
  wrangler d1 migrations apply DB --local -c "$TMP/wrangler.toml" --persist-to "$state" >>"$TMP/d1.log" 2>&1 ||
    { tail -n 40 "$TMP/d1.log" >&2; die "migrations failed"; }
  wrangler d1 execute DB --local -c "$TMP/wrangler.toml" --persist-to "$state" --file seed/dev.sql >>"$TMP/d1.log" 2>&1 ||
    { tail -n 40 "$TMP/d1.log" >&2; die "seed failed"; }

  log "sandbox on $SANDBOX_URL"
  setsid target/release/mypay sandbox --port "$SANDBOX_PORT" --in-memory \
    --notify-url "$WORKER_URL/mypay/notify" --retry-schedule-ms 300,600 \
    >>"$TMP/sandbox.log" 2>&1 &
  PIDS+=($!)
  NAMES+=(sandbox)

  log "wrangler dev on $WORKER_URL"
  setsid "$ROOT/node_modules/.bin/wrangler" dev -c "$TMP/wrangler.toml" --ip 127.0.0.1 --port "$WORKER_PORT" --local \
    --persist-to "$state" --env-file "$TMP/chaos.env" \
    --var "MYPAY_ENDPOINT:$SANDBOX_URL/api/agent" --var "STOREFRONT_URL:$WORKER_URL" \
    --var "ALLOWED_ORIGINS:$WORKER_URL" --var "TEST_CLOCK:1" --var "MYPAY_TIMEOUT_MS:1500" \
    --test-scheduled --show-interactive-dev-session=false --live-reload=false \
    </dev/null >>"$TMP/wrangler.log" 2>&1 &
  PIDS+=($!)
  NAMES+=(wrangler)

  wait_for "$SANDBOX_URL/sandbox/notifications" sandbox 60 "${PIDS[0]}"
  wait_for "$WORKER_URL/api/products" worker 180 "${PIDS[1]}"
  log "stack is up ($((SECONDS - STARTED)) s since start)"
}

export WORKER_URL SANDBOX_URL ADMIN_TOKEN
start_stack

if [ -n "${SERVE:-}" ]; then
  printf 'WORKER_URL=%s\nSANDBOX_URL=%s\nADMIN_TOKEN=%s\n' "$WORKER_URL" "$SANDBOX_URL" "$ADMIN_TOKEN" | tee "$TMP/serve.env"
  log "serving until Ctrl-C (env in $TMP/serve.env)"
  while kill -0 "${PIDS[1]}" 2>/dev/null; do sleep 1; done
  exit 0
fi

REG_RC=0
if [ "${REGRESSIONS:-1}" != 0 ] && [ -z "${SEED:-}" ]; then
  log "regression tests (tests/chaos/regressions.test.mjs)"
  T0=$SECONDS
  "$NODE_DIR/node" --test --test-reporter=spec --test-concurrency=1 tests/chaos/regressions.test.mjs || REG_RC=$?
  log "regression tests: $([ "$REG_RC" -eq 0 ] && echo passed || echo FAILED) in $((SECONDS - T0)) s"
fi

# The seeded runs. run.mjs exits 75 when the clocks have moved as far as the
# worker's test clock allows (ten years): it then names the seeds still to run
# in $TMP/resume.txt, and they run on a fresh stack.
export CHAOS_RESUME_FILE="$TMP/resume.txt" CHAOS_REPORT_FILE="$TMP/report.txt"
rm -f "$CHAOS_RESUME_FILE"
while :; do
  set +e
  "$NODE_DIR/node" tests/chaos/run.mjs
  rc=$?
  set -e
  [ "$rc" -eq 75 ] && [ -s "$CHAOS_RESUME_FILE" ] || break
  log "the clocks are ten years ahead: a fresh stack for the remaining seeds"
  stop_stack
  start_stack
done
log "done in $((SECONDS - STARTED)) s (build, startup, regressions and seeded runs)"
[ "$REG_RC" -eq 0 ] || { log "the regression tests failed (see above)"; [ "$rc" -ne 0 ] || rc=$REG_RC; }
exit "$rc"
