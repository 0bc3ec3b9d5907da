#!/usr/bin/env bash
# Trunk post-build hook: writes .br and .gz beside every text and wasm file of a release build,
# so the service can send them precompressed (no compression work per request).
set -euo pipefail
dir=${TRUNK_STAGING_DIR:-${1:?usage: compress-dist.sh DIR}}
[[ ${TRUNK_PROFILE:-release} == release ]] || exit 0
find "$dir" -type f \( -name '*.html' -o -name '*.js' -o -name '*.css' -o -name '*.wasm' -o -name '*.svg' -o -name '*.json' -o -name '*.webmanifest' \) |
  while read -r file; do
    brotli --force --best --output="$file.br" "$file"
    gzip --force --best --keep --no-name "$file"
  done
