#!/usr/bin/env bash
# Copies the browser client (js/storefront/index.js) into the demo storefront's
# static assets as public/vendor/storefront.js, byte for byte after a fixed header.
# Usage: scripts/build-storefront.sh          write the copy
#        scripts/build-storefront.sh --check  fail if the committed copy is stale
set -euo pipefail
cd "$(dirname "$0")/.."

src=js/storefront/index.js
dst=public/vendor/storefront.js

render() {
  printf '// GENERATED from %s by scripts/build-storefront.sh: do not edit.\n' "$src"
  cat "$src"
}

if [ "${1:-}" = "--check" ]; then
  if ! render | cmp -s - "$dst"; then
    echo "build-storefront: $dst is out of date; run scripts/build-storefront.sh" >&2
    exit 1
  fi
  exit 0
fi

mkdir -p "$(dirname "$dst")"
tmp=$(mktemp "$dst.XXXXXX")
render >"$tmp"
mv "$tmp" "$dst"
chmod 644 "$dst"
