#!/usr/bin/env bash
# Prints one sample client of the API text verbatim, located by markers (not
# by hand-copied line numbers), with only the endpoint URL substituted.
# Usage: extract.sh API_TEXT LANG(python|php|node) N(1 orders, 2 query, 3 refund) URL
set -euo pipefail
api_text=$1 lang=$2 n=$3 url=$4
case "$lang" in
  python) start='^# -\*- coding: utf-8 -\*-$'; end='^[A-Za-z]+\.run\(\)$' ;;
  php)    start='^<\?php$';                     end='^\?>$' ;;
  node)   start="^const crypto = require\\('crypto'\\);\$"; end='^[A-Za-z]+\.run\(\);$' ;;
  *) echo "unknown language $lang" >&2; exit 2 ;;
esac
range=$(awk -v start="$start" -v end="$end" -v n="$n" '
  !inb && $0 ~ start { count++; if (count == n) { inb = 1; first = NR } }
  inb && $0 ~ end { print first "," NR; exit }
' "$api_text")
[ -n "$range" ] || { echo "extract: block $n of $lang not found in $api_text" >&2; exit 3; }
echo "extract: $lang block $n = lines $range of $(basename "$api_text")" >&2
block=$(sed -n "${range}p" "$api_text")
old='https://pay.usecase.cc/api/agent'
count=$(grep -c -F "$old" <<<"$block" || true)
[ "$count" = 1 ] || { echo "extract: expected the endpoint URL once in $lang block $n, found $count" >&2; exit 3; }
printf '%s\n' "${block//"$old"/"$url"}"
