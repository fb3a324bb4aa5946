#!/usr/bin/env bash
# Runs the API text's own Python, PHP and Node sample clients (orders, query,
# refund), extracted verbatim at test time by tests/samples/extract.sh with
# only the endpoint URL replaced, against a `mypay sandbox` started here, and
# checks the documented answers:
#   orders -> code 200 with url, uid, key
#   query  -> the 95217 order, prc 250
#   refund -> B200, and B500 when repeated
# Twice: with the firewall emulation on (Python gets JSON; PHP's libcurl and
# Node's https.request send no User-Agent and get the 403 HTML page, as from
# real MYPAY) and with --allow-no-user-agent (all three get the JSON).
#
# Usage: tests/samples/run.sh            (needs python3+requests+pycryptodome,
#        php-cli+php-curl, node: scripts/setup.sh samples)
# Env:   MYPAY_BIN      the mypay binary (default: built here; release if
#                       target/release/mypay exists, else debug; MYPAY_PROFILE=debug|release)
#        MYPAY_API_TEXT the API text (default: docs/reference/)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

api_text=${MYPAY_API_TEXT:-$root/docs/reference/mypay-link-agent-voucher-api.txt}
[ -f "${api_text:-}" ] || { echo "samples: API text not found (set MYPAY_API_TEXT)" >&2; exit 2; }

for tool in php node curl; do
  command -v "$tool" >/dev/null || { echo "samples: $tool is missing (scripts/setup.sh samples)" >&2; exit 2; }
done
# The Python with the sample's libraries (pycryptodome's `Crypto`, requests):
# MYPAY_PYTHON, else the python3 on PATH, else the venv that scripts/setup.sh
# samples makes under build/ where the python3 on PATH lacks them.
python=${MYPAY_PYTHON:-}
if [ -z "$python" ]; then
  for candidate in python3 "$root/build/samples-venv/bin/python"; do
    if "$candidate" -c 'import Crypto.Cipher.AES, requests' 2>/dev/null; then python=$candidate; break; fi
  done
fi
[ -n "$python" ] || { echo "samples: no python3 with pycryptodome and requests (scripts/setup.sh samples)" >&2; exit 2; }
php -r 'exit(function_exists("curl_init") ? 0 : 1);' || { echo "samples: php needs the curl extension (php-curl)" >&2; exit 2; }

if [ -z "${MYPAY_BIN:-}" ]; then
  # The release build when there is one (`make build-cli`), else the debug build.
  profile=${MYPAY_PROFILE:-$([ -x "$root/target/release/mypay" ] && echo release || echo debug)}
  if [ "$profile" = release ]; then
    (cd "$root" && cargo build -q --release -p mypay-cli --bin mypay)
  else
    (cd "$root" && cargo build -q -p mypay-cli --bin mypay)
  fi
  MYPAY_BIN="$root/target/$profile/mypay"
fi

work=$(mktemp -d)
sandbox_pid=""
cleanup() {
  if [ -n "$sandbox_pid" ]; then kill "$sandbox_pid" 2>/dev/null || true; wait "$sandbox_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

failures=0
passes=0
pass() { passes=$((passes + 1)); echo "  ok   $*"; }
fail() { failures=$((failures + 1)); echo "  FAIL $*"; }

start_sandbox() {
  if [ -n "$sandbox_pid" ]; then kill "$sandbox_pid" 2>/dev/null || true; wait "$sandbox_pid" 2>/dev/null || true; fi
  : >"$work/sandbox.out"
  "$MYPAY_BIN" sandbox --port 0 --tls-port 0 --in-memory "$@" >"$work/sandbox.out" 2>"$work/sandbox.err" &
  sandbox_pid=$!
  for _ in $(seq 1 100); do
    if grep -q '^listening on' "$work/sandbox.out" 2>/dev/null; then break; fi
    sleep 0.1
  done
  line=$(head -n1 "$work/sandbox.out")
  http_base=$(sed -n 's#^listening on \(http://[^ ]*\).*#\1#p' <<<"$line")
  https_base=$(sed -n 's#.* tls \(https://[^ ]*\).*#\1#p' <<<"$line")
  [ -n "$http_base" ] && [ -n "$https_base" ] || { echo "samples: sandbox did not start"; cat "$work/sandbox.err"; exit 1; }
  echo "sandbox $*: $http_base $https_base"
}

reset_sandbox() {
  curl -fsS -A samples-run -X POST -H "content-type: application/json" -d "{}" "$http_base/sandbox/reset" >/dev/null
}

# run_sample LANG N -> prints the sample's output
run_sample() {
  local lang=$1 n=$2 url file
  case "$lang" in
    python) url="$http_base/api/agent"; file="$work/sample_$n.py" ;;
    php)    url="$https_base/api/agent"; file="$work/sample_$n.php" ;;
    node)   url="$https_base/api/agent"; file="$work/sample_$n.js" ;;
  esac
  "$here/extract.sh" "$api_text" "$lang" "$n" "$url" >"$file" 2>>"$work/extract.log"
  case "$lang" in
    python) "$python" "$file" ;;
    php)    php "$file" ;;
    node)   node "$file" ;;
  esac
}

# check NAME KIND OUTPUT: KIND is orders|query|refund_ok|refund_again|forbidden
check() {
  local name=$1 kind=$2 out=$3
  if "$python" - "$kind" "$out" <<'PY'
import json, sys
kind, out = sys.argv[1], sys.argv[2]
if kind == "forbidden":
    ok = "403 Forbidden" in out and "<html" in out.lower()
    sys.exit(0 if ok else 1)
try:
    v = json.loads(out)
except Exception:
    sys.exit(1)
if kind == "orders":
    ok = v.get("code") == "200" and v.get("url", "").endswith(".html") and str(v.get("uid", "")).isdigit() \
        and len(v.get("key", "")) == 32 and "/payment/" in v.get("url", "")
elif kind == "query":
    ok = str(v.get("uid")) == "95217" and v.get("prc") == "250" and v.get("key") == "3425042d7d266e4aea5fd4653a0271db" \
        and isinstance(v.get("refund_order"), list) and isinstance(v.get("cancel_order"), list) \
        and isinstance(v.get("invoice_allowance"), list) and "invoice_amount" in v
elif kind == "refund_ok":
    rd = v.get("row_data") or {}
    ok = v.get("code") == "B200" and str(v.get("uid")) == "95047" and rd.get("prc") == "230" \
        and str(rd.get("uid")) == "95047" and rd.get("refund_uid") not in (None, "")
elif kind == "refund_again":
    ok = v.get("code") == "B500"
else:
    ok = False
sys.exit(0 if ok else 1)
PY
  then pass "$name"; else fail "$name: got: $(head -c 300 <<<"$out")"; fi
}

run_language() {
  local lang=$1 expect=$2 out
  reset_sandbox
  if [ "$expect" = json ]; then
    out=$(run_sample "$lang" 1); check "$lang orders" orders "$out"
    out=$(run_sample "$lang" 2); check "$lang query" query "$out"
    out=$(run_sample "$lang" 3); check "$lang refund" refund_ok "$out"
    out=$(run_sample "$lang" 3); check "$lang refund repeated" refund_again "$out"
  else
    for n in 1 2 3; do
      out=$(run_sample "$lang" "$n"); check "$lang call $n -> firewall 403 page" forbidden "$out"
    done
  fi
}

echo "== firewall emulation on (requests without a User-Agent get 403)"
start_sandbox
run_language python json
run_language php forbidden
run_language node forbidden

echo "== --allow-no-user-agent"
start_sandbox --allow-no-user-agent
run_language python json
run_language php json
run_language node json
# The Node sample posts JSON with chunked transfer encoding: the sandbox saw it so.
if curl -fsS -A samples-run "$http_base/sandbox/requests" | "$python" -c '
import json, sys
reqs = json.load(sys.stdin)
node = [r for r in reqs if (r.get("content_type") or "").startswith("application/json")]
sys.exit(0 if node and all(r.get("chunked") for r in node) and all(r.get("user_agent") is None for r in node) else 1)'
then pass "node requests arrived as chunked JSON without a User-Agent"; else fail "node requests were not chunked JSON"; fi

echo "== the agent key never appears in the sandbox's output or logs"
key=$("$python" - "$api_text" <<'PY'
import re, sys
m = re.search(r'agentKey = "([^"]+)"', open(sys.argv[1], encoding="utf-8").read())
print(m.group(1) if m else "")
PY
)
curl -fsS -A samples-run "$http_base/sandbox/requests" >"$work/requests.json"
curl -fsS -A samples-run "$http_base/sandbox/orders" >"$work/orders.json"
if [ -n "$key" ] && ! grep -qF "$key" "$work/sandbox.out" "$work/sandbox.err" "$work/requests.json" "$work/orders.json"; then
  pass "key absent from stdout, stderr, /sandbox/requests and /sandbox/orders"
else
  fail "the key leaked (or was not found in the API text)"
fi

sed 's/^/  /' "$work/extract.log" | sort -u
echo "samples: $passes passed, $failures failed"
[ "$failures" -eq 0 ]
