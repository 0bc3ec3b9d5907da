#!/usr/bin/env bash
# Trunk post-build hook, after the size build split the wasm (scripts/split/cargo): puts the
# split-off modules and their loader beside the app. Each module is optimised as Trunk optimises
# the main one (wasm-opt -O1) and put in `later/`, which the first visit never fetches; the
# hook's last step names it after its content (scripts/content-names.py), as the main files. The loader, `__wasm_split.js`, is imported by the
# main module's JS under that fixed name, so it stays unhashed (the service sends it `no-cache`);
# it is told the main JS's hashed name, and the page's start fetches it beside the main JS.
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
  wasm-opt -O1 --output "$dir/later/$name.wasm" "$module"
  [[ $loader == *"\"./$name.wasm\""* ]] || { echo "the loader does not name $name.wasm" >&2; exit 1; }
  loader=${loader//"\"./$name.wasm\""/"\"./later/$name.wasm\""}
done
# Every resident downloads the loader and the service worker: their indentation, blank lines and
# whole-line comments go. Neither has multi-line strings (the generated loader, public/sw.js),
# which the check keeps true: a template literal could hold one.
strip_js() {  # what it is; the script on stdin, stripped on stdout
  local script
  script=$(cat)
  [[ $script != *'`'* ]] || { echo "$1 has a template literal: strip it with care" >&2; return 1; }
  printf '%s\n' "$script" | sed -E 's/^[[:space:]]+//; /^$/d; /^\/\//d; /^\/\*.*\*\/$/d'
}
printf '%s\n' "$loader" | strip_js "the loader" > "$dir/__wasm_split.js"
service_worker=$(strip_js sw.js < "$dir/sw.js")
printf '%s\n' "$service_worker" > "$dir/sw.js"
# The app starts after the page's first paint. The service paints a campaign's page itself
# (crates/server/src/first_paint.rs), so the resident reads it while the app downloads; the
# requests for the app (its JS, the split loader it imports, the wasm: all three at once, as
# Trunk's preloads did) now begin once that paint is on screen instead of before it. Lighthouse's
# simulated LCP counted every request begun before the paint: 2.1 s with them, 0.7 s without
# (docs/ARCHITECTURE.md, Size). index.html is minified by now; any other shape is an error.
# Trunk's hashes are hex without leading zeros: 16 digits mostly, fewer now and then.
python3 - "$dir/index.html" "$main_js" <<'PY'
import re, sys

path, main_js = sys.argv[1], sys.argv[2]
html = open(path, encoding="utf-8").read()
start = re.compile(
    r'<script type=module>import init,\*as bindings from"\./(?P<js>huiquan-[0-9a-f]+\.js)";'
    r"const wasm=await init\(\{module_or_path:`\./(?P<wasm>huiquan-[0-9a-f]+_bg\.wasm)`\}\);"
    r"(?P<rest>window\.wasmBindings=bindings,dispatchEvent\(new CustomEvent\(`TrunkApplicationStarted`,\{detail:\{wasm\}\}\)\);)</script>"
)
found = start.search(html)
if not found or found["js"] != main_js:
    sys.exit(f"index.html: no module script of Trunk's shape starting {main_js}")
# Started once the first paint has been shown (its `paint` entry is reported after the frame is
# on screen), not merely drawn: a frame's timeout ran before the compositor showed it, so the
# requests began before the largest paint about one run in three, and Lighthouse's simulated
# LCP counted them (1.8 s against 0.75 s). A browser without paint timing (none that runs the
# app's wasm lacks it but older Safari) starts at once. The entries of the first paint come
# in one call, which disconnects: the app starts once. Trunk's `window.wasmBindings` and its
# `TrunkApplicationStarted` event go: nothing reads them.
deferred = (
    "<script type=module>const go=async()=>{"
    f'const r=fetch("./{found["wasm"]}");import("./__wasm_split.js");'
    f'(await import("./{found["js"]}")).default({{module_or_path:r}})'
    "};"
    '(PerformanceObserver.supportedEntryTypes||[]).includes("paint")'
    '?new PerformanceObserver((_,o)=>{o.disconnect();go()}).observe({type:"paint",buffered:!0})'
    ":setTimeout(go)</script>"
)
html = html[: found.start()] + deferred + html[found.end() :]
preloads = re.compile(r"<link (?:as=fetch )?crossorigin href=\./huiquan-[0-9a-f]+(?:\.js|_bg\.wasm) integrity=sha384-[A-Za-z0-9+/=]+ rel=(?:modulepreload|preload)(?: type=application/wasm)?>")
html, removed = preloads.subn("", html)
if removed != 2:
    sys.exit(f"index.html: expected Trunk's two preloads, found {removed}")
open(path, "w", encoding="utf-8").write(html)
PY
