#!/usr/bin/env bash
# make test-deploy: what `wrangler deploy` would upload, for each environment,
# without an account (`wrangler deploy --dry-run --outdir`):
#   - it builds (the [build] command: scripts/build-worker.sh);
#   - the bundle fits Cloudflare's Worker size limit: 3 MiB gzip on the free
#     plan (10 MiB on paid); both sizes are printed (the startup-time limit
#     cannot be measured here);
#   - production is its own Worker name, so a bare `wrangler deploy` cannot
#     replace it;
#   - [env.production] declares every binding, var and trigger the top level
#     declares (wrangler does not inherit them into an environment).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
. "$ROOT/scripts/node.sh" || exit 1  # NODE, NODE_DIR: a node >= 22.12 (PATH, else npm)
export PATH="$NODE_DIR:$HOME/.cargo/bin:$PATH"
export CI=${CI:-true} WRANGLER_SEND_METRICS=false
FREE_LIMIT_KIB=$((3 * 1024))
PAID_LIMIT_KIB=$((10 * 1024))
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

passes=0 failures=0
pass() { passes=$((passes + 1)); echo "  ok   $*"; }
fail() { failures=$((failures + 1)); echo "  FAIL $*"; }

echo "== wrangler.toml: environments"
PYTHON=$(command -v python3)
if problems=$("$PYTHON" - <<'PY'
import tomllib
c = tomllib.load(open("wrangler.toml", "rb"))
p = c.get("env", {}).get("production")
out = []
if p is None:
    out.append("no [env.production]")
else:
    if not p.get("name") or p.get("name") == c.get("name"):
        out.append(f"production's Worker name {p.get('name')!r} is the top level's {c.get('name')!r}")
    # Keys wrangler does not inherit into an environment, and triggers.
    for key in ["d1_databases", "kv_namespaces", "r2_buckets", "durable_objects", "services",
                "queues", "ratelimits", "analytics_engine_datasets", "vectorize", "hyperdrive",
                "workflows", "send_email", "ai", "browser", "version_metadata", "triggers"]:
        top = c.get(key)
        if top is None:
            continue
        env = p.get(key)
        if env is None:
            out.append(f"top-level {key} has no [env.production] copy")
        elif isinstance(top, list):
            names = lambda xs: sorted(x.get("binding") or x.get("name") or "" for x in xs)
            if names(top) != names(env):
                out.append(f"{key}: top level {names(top)}, production {names(env)}")
        elif key == "triggers" and sorted(top.get("crons", [])) != sorted(env.get("crons", [])):
            out.append(f"triggers: top level {top.get('crons')}, production {env.get('crons')}")
    missing = sorted(set(c.get("vars", {})) - set(p.get("vars", {})))
    if missing:
        out.append(f"[vars] not in [env.production.vars]: {', '.join(missing)}")
print("\n".join(out))
PY
) && [ -z "$problems" ]; then
  pass "production is its own Worker and declares every top-level binding, var and trigger"
else
  fail "wrangler.toml: $problems"
fi

# dry_run NAME [--env ENV]: builds, checks the upload size, prints it.
dry_run() {
  local name=$1; shift
  local out="$TMP/$name" total gzip
  if ! "$ROOT/node_modules/.bin/wrangler" deploy --dry-run --outdir "$out" "$@" </dev/null >"$TMP/$name.log" 2>&1; then
    fail "$name: wrangler deploy --dry-run failed"; tail -n 20 "$TMP/$name.log"; return
  fi
  # "Total Upload: 612.34 KiB / gzip: 201.23 KiB"
  read -r total gzip < <(sed -n 's/.*Total Upload: \([0-9.]*\) KiB \/ gzip: \([0-9.]*\) KiB.*/\1 \2/p' "$TMP/$name.log" | tail -n 1)
  if [ -z "${gzip:-}" ]; then fail "$name: no 'Total Upload' line"; tail -n 20 "$TMP/$name.log"; return; fi
  if awk -v g="$gzip" -v l="$FREE_LIMIT_KIB" 'BEGIN { exit !(g + 0 > 0 && g + 0 <= l) }'; then
    pass "$name: $total KiB, $gzip KiB gzip (limit $FREE_LIMIT_KIB KiB gzip on the free plan, $PAID_LIMIT_KIB KiB paid)"
  else
    fail "$name: $gzip KiB gzip is over the free plan's $FREE_LIMIT_KIB KiB"
  fi
  local wasm
  wasm=$(find "$out" -name '*.wasm' | head -1)
  if [ -n "$wasm" ]; then pass "$name: the bundle holds the wasm ($(wc -c <"$wasm") bytes)"; else fail "$name: no .wasm in $out"; fi
  grep -q 'env.DB (' "$TMP/$name.log" && pass "$name: binds D1 as DB" || { fail "$name: no D1 binding DB in the dry run"; grep -A12 'bindings' "$TMP/$name.log"; }
}

echo "== wrangler deploy --dry-run (top level: the test host)"
dry_run default
grep -q 'pay.usecase.cc' "$TMP/default.log" && pass "default: MYPAY's test host" || fail "default: not MYPAY's test host"
echo "== wrangler deploy --dry-run --env production"
dry_run production --env production
grep -q 'ka.mypay.tw' "$TMP/production.log" && pass "production: MYPAY's live host" || fail "production: not MYPAY's live host"

echo "test-deploy: $passes passed, $failures failed"
[ "$failures" -eq 0 ]
