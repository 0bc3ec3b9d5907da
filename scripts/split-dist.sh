#!/usr/bin/env bash
# Trunk post-build hook, after the size build split the wasm (scripts/split/cargo): puts the
# split-off modules and their loader beside the app. Each module is optimised as Trunk optimises
# the main one (wasm-opt -O1) and named by its content (cached for ever, like Trunk's files), in
# `later/`, which the first visit never fetches. The loader, `__wasm_split.js`, is imported by the
# main module's JS under that fixed name, so it stays unhashed (the service sends it `no-cache`);
# it is told the main JS's hashed name, and index.html preloads it beside the main JS.
set -euo pipefail
dir=${TRUNK_STAGING_DIR:?run by Trunk}
[[ ${TRUNK_PROFILE:-release} == release ]] || exit 0
# A plain `trunk build` (no --cfg huiquan_split) has nothing split off.
split=${HUIQUAN_SPLIT_DIR:-}
[[ -n $split ]] || exit 0
[[ -f $split/__wasm_split.js ]] || { echo "no split wasm in $split" >&2; exit 1; }
loader=$(cat "$split/__wasm_split.js")
main_js=$(cd "$dir" && ls huiquan-*.js)
[[ $main_js == huiquan-*.js && $main_js != *' '* ]] || { echo "expected one huiquan-*.js in $dir" >&2; exit 1; }
loader=${loader//'"./huiquan.js"'/"\"./$main_js\""}
mkdir -p "$dir/later"
for module in "$split"/*.wasm; do
  name=$(basename "$module" .wasm)
  [[ $name == huiquan ]] && continue
  wasm-opt -O1 --output "$split/$name.opt.wasm" "$module"
  hash=$(sha256sum "$split/$name.opt.wasm" | cut -c1-16)
  cp "$split/$name.opt.wasm" "$dir/later/$name-$hash.wasm"
  [[ $loader == *"\"./$name.wasm\""* ]] || { echo "the loader does not name $name.wasm" >&2; exit 1; }
  loader=${loader//"\"./$name.wasm\""/"\"./later/$name-$hash.wasm\""}
done
# Every resident downloads the loader: its indentation, blank lines and whole-line comments go
# (the generated code has no multi-line strings, which the check below keeps true).
[[ $loader != *'`'* ]] || { echo "the loader has a template literal: strip it with care" >&2; exit 1; }
printf '%s\n' "$loader" | sed -E 's/^[[:space:]]+//; /^$/d; /^\/\//d; /^\/\*.*\*\/$/d' > "$dir/__wasm_split.js"
# Fetched beside the main JS rather than after it has been read (index.html is minified by now).
sed -i "s|<link crossorigin href=./$main_js |<link crossorigin href=./__wasm_split.js rel=modulepreload><link crossorigin href=./$main_js |" "$dir/index.html"
grep -q 'href=./__wasm_split.js rel=modulepreload' "$dir/index.html" || { echo "index.html has no modulepreload of $main_js" >&2; exit 1; }
