#!/usr/bin/env bash
# The CPU and size rows of `make bench`, each beside its baseline from the same run:
#  - workerd CPU per request: the Worker and bench/js-worker (plain JS, the same D1
#    work and MYPAY call), each under its own `wrangler dev` with a fresh local D1,
#    against the real sandbox (scripts/bench-cpu.mjs); ours with production's
#    LOG_LEVEL=warn (each info line costs CPU: make dev logs at info);
#  - the upload size (`wrangler deploy --dry-run`): the Worker beside bench/hello-rs
#    (a hello Worker with aes, cbc, serde, D1 and fetch, built the same way);
#    and where the Worker's code goes, by crate and by function (scripts/bench-size-profile.mjs);
#  - cold start: compiling and instantiating the Worker's wasm in V8 (Node 22).
# Env: BENCH_PORT (19787: worker; +1 sandbox; +2 baseline), KEEP=1 keeps the temp dir.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PORT=${BENCH_PORT:-19787}
SANDBOX_PORT=$((PORT + 1))
BASE_PORT=$((PORT + 2))
[ -n "${NODE:-}" ] || { . "$ROOT/scripts/node.sh" || exit 1; }  # NODE: a node >= 22.12 (PATH, else npm)
export PATH="$(dirname "$NODE"):$HOME/.cargo/bin:$PATH" CI=${CI:-true} WRANGLER_SEND_METRICS=false
log() { printf '\033[1;36m[bench]\033[0m %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }
TMP=$(mktemp -d)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$pid" 2>/dev/null || true
  done
  if [ -n "${KEEP:-}" ]; then log "kept $TMP"; else rm -rf "$TMP"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
wrangler() { "$ROOT/node_modules/.bin/wrangler" "$@" </dev/null; }

log "building the Worker and the sandbox"
scripts/build-worker.sh >"$TMP/build.log" 2>&1 || { cat "$TMP/build.log" >&2; die "worker build failed"; }
cargo build -q --release -p mypay-cli

printf 'MYPAY_AGENT_KEY=2MrhtRYeF9wKZ4bKwzZoL8aZf26pWzIG\nADMIN_TOKEN=bench-%s\n' "$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')" >"$TMP/bench.env"
for who in ours base; do
  cfg=wrangler.toml; [ "$who" = base ] && cfg=bench/js-worker/wrangler.toml
  wrangler d1 migrations apply DB --local -c "$cfg" --persist-to "$TMP/$who" >>"$TMP/d1.log" 2>&1 || { cat "$TMP/d1.log" >&2; die "migrations failed"; }
  wrangler d1 execute DB --local -c "$cfg" --persist-to "$TMP/$who" --file seed/dev.sql >>"$TMP/d1.log" 2>&1 || die "seed failed"
done

setsid target/release/mypay sandbox --port "$SANDBOX_PORT" --in-memory >"$TMP/sandbox.log" 2>&1 &
PIDS+=($!)
setsid "$ROOT/node_modules/.bin/wrangler" dev --ip 127.0.0.1 --port "$PORT" --inspector-port "$((PORT + 10))" --local --persist-to "$TMP/ours" \
  --env-file "$TMP/bench.env" --var "MYPAY_ENDPOINT:http://127.0.0.1:$SANDBOX_PORT/api/agent" \
  --var "STOREFRONT_URL:http://127.0.0.1:$PORT" --var "LOG_LEVEL:warn" --show-interactive-dev-session=false --live-reload=false \
  </dev/null >"$TMP/ours.log" 2>&1 &
PIDS+=($!)
OURS_WRANGLER=$!
setsid "$ROOT/node_modules/.bin/wrangler" dev -c bench/js-worker/wrangler.toml --ip 127.0.0.1 --port "$BASE_PORT" --inspector-port "$((PORT + 12))" --local \
  --persist-to "$TMP/base" --env-file "$TMP/bench.env" --var "MYPAY_ENDPOINT:http://127.0.0.1:$SANDBOX_PORT/api/agent" \
  --show-interactive-dev-session=false --live-reload=false </dev/null >"$TMP/base.log" 2>&1 &
PIDS+=($!)
BASE_WRANGLER=$!

wait_for() { # url pid
  local deadline=$((SECONDS + 180))
  until curl -sf -o /dev/null -A mypay-edge-bench "$1"; do
    kill -0 "$2" 2>/dev/null || { tail -n 30 "$TMP"/*.log >&2; die "$1: its server exited"; }
    [ $SECONDS -lt $deadline ] || die "$1 did not answer"
    sleep 0.3
  done
}
wait_for "http://127.0.0.1:$PORT/api/products" "$OURS_WRANGLER"
wait_for "http://127.0.0.1:$BASE_PORT/api/products" "$BASE_WRANGLER"

# The workerd process under each wrangler.
workerd_of() {
  local queue=("$1") pid
  while [ ${#queue[@]} -gt 0 ]; do
    pid=${queue[0]}; queue=("${queue[@]:1}")
    [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = workerd ] && { echo "$pid"; return; }
    queue+=($(pgrep -P "$pid" || true))
  done
  die "no workerd under $1"
}

echo
OURS_URL="http://127.0.0.1:$PORT" BASE_URL="http://127.0.0.1:$BASE_PORT" \
  OURS_PID=$(workerd_of "$OURS_WRANGLER") BASE_PID=$(workerd_of "$BASE_WRANGLER") CLK_TCK=$(getconf CLK_TCK) \
  "$NODE" scripts/bench-cpu.mjs

echo
log "upload sizes (wrangler deploy --dry-run)"
upload() { # config outdir → "raw gzip" in KiB as wrangler reports them
  wrangler deploy --dry-run -c "$1" --outdir "$2" 2>&1 | sed -n 's/.*Total Upload: \([0-9.]*\) KiB \/ gzip: \([0-9.]*\) KiB.*/\1 \2/p' | tail -n 1
}
read -r OURS_RAW OURS_GZ <<<"$(upload wrangler.toml "$TMP/dry-ours")"
# The hello Worker's build (its wrangler.toml [build]) with the same tools.
export WASM_BINDGEN_BIN=${WASM_BINDGEN_BIN:-$(command -v wasm-bindgen)}
export WASM_OPT_BIN=${WASM_OPT_BIN:-$ROOT/node_modules/binaryen/bin/wasm-opt}
export ESBUILD_BIN=${ESBUILD_BIN:-$(ls "$ROOT"/node_modules/@esbuild/*/bin/esbuild 2>/dev/null | head -n 1)}
read -r HELLO_RAW HELLO_GZ <<<"$(cd bench/hello-rs && CARGO_TARGET_DIR="$ROOT/target/bench-hello" upload wrangler.toml "$TMP/dry-hello")"
[ -n "$HELLO_GZ" ] || die "bench/hello-rs: wrangler deploy --dry-run failed"
printf 'Worker upload            mypay-edge          hello baseline      goal\n'
printf '  raw / gzip            %7s / %6s KiB  %7s / %6s KiB  ≤ 200 KiB gzip %s\n' "$OURS_RAW" "$OURS_GZ" "$HELLO_RAW" "$HELLO_GZ" \
  "$(awk -v g="$OURS_GZ" 'BEGIN { print (g <= 200 ? "met" : "SHORT") }')"

echo
"$NODE" scripts/bench-size-profile.mjs "${CARGO_TARGET_DIR:-target}/wasm32-unknown-unknown/release/mypay_edge.wasm"
cat <<'EOT'
  to reach 200 KiB gzip (about 45% less code): replies parsed into the fields the Worker reads, the rest kept
  as raw JSON (the 56-field QueryReply / Transaction / InvoiceInfo deserializers); the Router replaced by a
  match; D1 rows without serde-wasm-bindgen. wasm-opt -Oz saves under 1%.
EOT

echo
"$NODE" scripts/bench-coldstart.mjs build/index_bg.wasm
