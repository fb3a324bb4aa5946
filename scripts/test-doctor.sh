#!/usr/bin/env bash
# make test-doctor: `mypay doctor` against the real Worker in workerd (`wrangler dev`)
# and the real sandbox, on its own ports with fresh state:
#   sandbox  target/release/mypay sandbox --port 25001 --in-memory
#   healthy  wrangler dev --port 25000: migrations applied, the sandbox's key,
#            ALLOWED_ORIGINS = STOREFRONT_URL's origin, MYPAY_AGENT_KEY_ISSUED 30 days ago
#   broken   wrangler dev --port 25002: a wrong key, ALLOWED_ORIGINS without the
#            storefront, no migrations applied, no MYPAY_AGENT_KEY_ISSUED
#   stale    wrangler dev --port 25004: healthy, but D1 lacks the newest migration
#            (its d1_migrations row removed)
# and checks the doctor's lines and exit status: the healthy Worker fails only
# the cron check until a scheduled run is triggered (/cdn-cgi/local/scheduled),
# then passes with one warning (its report URL is plain http on 127.0.0.1);
# the broken one fails the key, CORS, migrations and cron checks; the stale one
# only the migrations check.
# Env: DOCTOR_PORT (25000; uses DOCTOR_PORT..DOCTOR_PORT+4), KEEP=1 keeps the temp dir.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PORT=${DOCTOR_PORT:-25000}
WORKER_URL="http://127.0.0.1:$PORT"
SANDBOX_URL="http://127.0.0.1:$((PORT + 1))"
BROKEN_URL="http://127.0.0.1:$((PORT + 2))"
NOBODY_URL="http://127.0.0.1:$((PORT + 3))"
STALE_URL="http://127.0.0.1:$((PORT + 4))"
. "$ROOT/scripts/node.sh" || exit 1  # NODE, NODE_DIR: a node >= 22.12 (PATH, else npm)
export PATH="$NODE_DIR:$HOME/.cargo/bin:$PATH"
export CI=${CI:-true} WRANGLER_SEND_METRICS=false
OUT=test-output/doctor
MYPAY="$ROOT/target/release/mypay"

log() { printf '\033[1;32m[test-doctor]\033[0m %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }
[ -x "$NODE_DIR/node" ] || die "Node 22 is missing (scripts/setup.sh node)"

log "building the Worker and the CLI"
scripts/build-worker.sh
cargo build -q --release -p mypay-cli

for p in "$PORT" "$((PORT + 1))" "$((PORT + 2))" "$((PORT + 3))" "$((PORT + 4))"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then die "port $p is in use"; fi
done

TMP=$(mktemp -d /tmp/mypay-doctor-test.XXXXXX)
PIDS=()
cleanup() {
  local rc=$?
  for pid in "${PIDS[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$pid" 2>/dev/null || true
  done
  if [ "$rc" -ne 0 ]; then
    mkdir -p "$OUT"; cp -f "$TMP"/*.log "$TMP"/*.out "$OUT"/ 2>/dev/null || true
    log "logs in $OUT/"
  fi
  if [ -n "${KEEP:-}" ]; then log "kept $TMP"; else rm -rf "$TMP"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

wrangler() { "$ROOT/node_modules/.bin/wrangler" "$@" </dev/null; }
ADMIN_TOKEN="test-$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')"
cat >"$TMP/good.env" <<EOV
MYPAY_AGENT_KEY=2MrhtRYeF9wKZ4bKwzZoL8aZf26pWzIG
ADMIN_TOKEN=$ADMIN_TOKEN
EOV
cat >"$TMP/broken.env" <<EOV
MYPAY_AGENT_KEY=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
ADMIN_TOKEN=$ADMIN_TOKEN
EOV
ISSUED=$("$NODE_DIR/node" -e 'console.log(new Date(Date.now() - 30 * 864e5).toISOString().slice(0, 10))')

log "fresh local D1 with the migrations"
wrangler d1 migrations apply DB --local --persist-to "$TMP/state" >"$TMP/d1.log" 2>&1 || { cat "$TMP/d1.log" >&2; die "migrations failed"; }
NEWEST=$(find migrations -maxdepth 1 -name '*.sql' -exec basename {} \; | sort | tail -n 1)
wrangler d1 migrations apply DB --local --persist-to "$TMP/state-stale" >>"$TMP/d1.log" 2>&1 || die "migrations failed"
wrangler d1 execute DB --local --persist-to "$TMP/state-stale" \
  --command "DELETE FROM d1_migrations WHERE name = '$NEWEST'" >>"$TMP/d1.log" 2>&1 || die "could not unrecord $NEWEST"

log "sandbox on $SANDBOX_URL"
setsid "$MYPAY" sandbox --port "$((PORT + 1))" --in-memory --notify-url "$WORKER_URL/mypay/notify" \
  >"$TMP/sandbox.log" 2>&1 &
PIDS+=($!)

log "healthy Worker on $WORKER_URL, broken Worker on $BROKEN_URL"
setsid "$ROOT/node_modules/.bin/wrangler" dev --ip 127.0.0.1 --port "$PORT" --inspector-port "$((PORT + 10))" --local \
  --persist-to "$TMP/state" --env-file "$TMP/good.env" \
  --var "MYPAY_ENDPOINT:$SANDBOX_URL/api/agent" --var "STOREFRONT_URL:$WORKER_URL/shop/" \
  --var "ALLOWED_ORIGINS:http://localhost:$PORT,$WORKER_URL" --var "MYPAY_TIMEOUT_MS:2000" \
  --var "MYPAY_AGENT_KEY_ISSUED:$ISSUED" \
  --show-interactive-dev-session=false --live-reload=false \
  </dev/null >"$TMP/wrangler.log" 2>&1 &
PIDS+=($!)
setsid "$ROOT/node_modules/.bin/wrangler" dev --ip 127.0.0.1 --port "$((PORT + 2))" --inspector-port "$((PORT + 12))" --local \
  --persist-to "$TMP/state-bare" --env-file "$TMP/broken.env" \
  --var "MYPAY_ENDPOINT:$SANDBOX_URL/api/agent" --var "STOREFRONT_URL:$BROKEN_URL" \
  --var "ALLOWED_ORIGINS:https://elsewhere.example" --var "MYPAY_TIMEOUT_MS:2000" \
  --show-interactive-dev-session=false --live-reload=false \
  </dev/null >"$TMP/wrangler-broken.log" 2>&1 &
PIDS+=($!)
setsid "$ROOT/node_modules/.bin/wrangler" dev --ip 127.0.0.1 --port "$((PORT + 4))" --inspector-port "$((PORT + 14))" --local \
  --persist-to "$TMP/state-stale" --env-file "$TMP/good.env" \
  --var "MYPAY_ENDPOINT:$SANDBOX_URL/api/agent" --var "STOREFRONT_URL:$STALE_URL" \
  --var "ALLOWED_ORIGINS:$STALE_URL" --var "MYPAY_TIMEOUT_MS:2000" --var "MYPAY_AGENT_KEY_ISSUED:$ISSUED" \
  --show-interactive-dev-session=false --live-reload=false \
  </dev/null >"$TMP/wrangler-stale.log" 2>&1 &
PIDS+=($!)

wait_for() { # url name seconds pid: any HTTP answer
  local deadline=$((SECONDS + $3)) code
  until code=$(curl -s -o /dev/null -w '%{http_code}' -A mypay-edge-tests "$1") && [ "$code" != 000 ]; do
    kill -0 "$4" 2>/dev/null || { tail -n 30 "$TMP"/*.log >&2; die "$2 exited early"; }
    [ $SECONDS -lt $deadline ] || die "$2 did not answer $1 within $3 s"
    sleep 0.3
  done
}
wait_for "$SANDBOX_URL/sandbox/notifications" sandbox 60 "${PIDS[0]}"
wait_for "$WORKER_URL/api/products" "healthy worker" 180 "${PIDS[1]}"
wait_for "$BROKEN_URL/api/products" "broken worker" 180 "${PIDS[2]}"
wait_for "$STALE_URL/api/products" "stale worker" 180 "${PIDS[3]}"
log "stack is up"

# doctor NAME ARGS...: runs `mypay doctor`, output in $TMP/NAME.out, status in $RC.
doctor() {
  local name=$1; shift
  set +e
  ADMIN_TOKEN="$ADMIN_TOKEN" "$MYPAY" doctor --timeout 30 "$@" >"$TMP/$name.out" 2>&1
  RC=$?
  set -e
  sed 's/^/    /' "$TMP/$name.out" >&2
}
# expect NAME MARK CHECK: the run NAME printed "MARK CHECK: …"
expect() {
  grep -q "^$2 $3: " "$TMP/$1.out" || die "$1: expected a '$2 $3' line"
}
expect_rc() { [ "$RC" = "$2" ] || die "$1: exit status $RC, expected $2"; }

log "healthy Worker before any cron run: only the cron check fails"
doctor healthy-nocron --worker "$WORKER_URL"
expect_rc healthy-nocron 1
expect healthy-nocron ✘ cron
grep -q "cdn-cgi/local/scheduled" "$TMP/healthy-nocron.out" || die "the cron fix does not name the local scheduled route"
grep -q "^1 failed" "$TMP/healthy-nocron.out" || die "healthy-nocron: more than the cron check failed"

log "a scheduled run (wrangler's /cdn-cgi/local/scheduled), then the healthy Worker passes"
curl -sf -o /dev/null -A mypay-edge-tests "$WORKER_URL/cdn-cgi/local/scheduled" || die "the scheduled route did not answer"
doctor healthy --worker "$WORKER_URL"
expect_rc healthy 0
for c in worker endpoint ids key user-agent cors migrations cron key-age; do expect healthy ✔ "$c"; done
# The one documented warning: make dev's report URL is plain http on 127.0.0.1.
expect healthy ⚠ report-url
grep -q "^0 failed, 1 warnings, 9 passed" "$TMP/healthy.out" || die "healthy: unexpected summary"
# The Worker's compiled-in list of migrations is the whole migrations/ directory.
want="all $(find migrations -maxdepth 1 -name '*.sql' | wc -l | tr -d ' ') applied ($(find migrations -maxdepth 1 -name '*.sql' -exec basename {} \; | sort | paste -sd, - | sed 's/,/, /g'))"
grep -qF "✔ migrations: $want" "$TMP/healthy.out" || die "the Worker's migration list is not migrations/: want '$want'"
# No secret in the report.
if grep -F -e 2MrhtRYeF9wKZ4bKwzZoL8aZf26pWzIG -e "$ADMIN_TOKEN" "$TMP/healthy.out"; then die "a secret in the doctor's output"; fi
if curl -s -H "authorization: Bearer $ADMIN_TOKEN" "$WORKER_URL/admin/health" | grep -F 2MrhtRYeF9wKZ4bKwzZoL8aZf26pWzIG; then
  die "the key in /admin/health"
fi

log "--live against make dev: the endpoint check fails"
doctor live --worker "$WORKER_URL" --live
expect_rc live 1
expect live ✘ endpoint

log "broken Worker: wrong key, wrong ALLOWED_ORIGINS, no migrations"
doctor broken --worker "$BROKEN_URL"
expect_rc broken 1
for c in key cors migrations cron; do expect broken ✘ "$c"; done
for c in worker endpoint ids user-agent; do expect broken ✔ "$c"; done
expect broken ⚠ key-age
grep -q "解密" "$TMP/broken.out" || die "broken: the key check does not quote MYPAY's decrypt failure"

log "stale Worker: D1 lacks the newest migration ($NEWEST)"
curl -sf -o /dev/null -A mypay-edge-tests "$STALE_URL/cdn-cgi/local/scheduled" || die "the scheduled route did not answer"
doctor stale --worker "$STALE_URL"
expect_rc stale 1
grep -qF "✘ migrations: not applied: $NEWEST" "$TMP/stale.out" || die "stale: $NEWEST not reported missing"
grep -q "^1 failed" "$TMP/stale.out" || die "stale: more than the migrations check failed"

log "wrong admin token, and no Worker at all"
ADMIN_TOKEN_SAVED=$ADMIN_TOKEN
ADMIN_TOKEN="not-the-token-at-all"
doctor badtoken --worker "$WORKER_URL"
ADMIN_TOKEN=$ADMIN_TOKEN_SAVED
expect_rc badtoken 1
expect badtoken ✘ worker
grep -q "ADMIN_TOKEN" "$TMP/badtoken.out" || die "badtoken: the fix does not name ADMIN_TOKEN"
doctor nobody --worker "$NOBODY_URL"
expect_rc nobody 1
expect nobody ✘ worker
expect nobody ✘ report-url

log "mypay doctor: all cases as expected"
