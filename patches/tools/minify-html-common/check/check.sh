#!/usr/bin/env bash
# Trunk minifies a page of every HTML entity (check/make-page.py) exactly as upstream's Trunk
# 0.22.1 did (check/upstream.html, written by Trunk compiled without this patch): the trie this
# copy writes finds what upstream's found. Run by scripts/test.sh with the Trunk set-up installed.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 "$here/make-page.py" "$here/../entities.json" > "$work/index.html"
printf '[build]\nminify = "always"\n' > "$work/Trunk.toml"
(cd "$work" && trunk build --release --offline > "$work/trunk.log" 2>&1) || { cat "$work/trunk.log"; exit 1; }
cmp "$work/dist/index.html" "$here/upstream.html"
echo "Trunk minified $(wc -c < "$work/index.html") bytes of entities as upstream's Trunk did"
