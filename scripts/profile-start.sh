#!/usr/bin/env bash
# Where the claim page's start blocks the main thread: Lighthouse (mobile, simulated throttling)
# on the Tianjin claim page with V8's sampling profiler on, then each long task of the page's main
# thread with the functions its time went to (scripts/long-tasks.py). The app is served with the
# main wasm as wasm-bindgen wrote it, before wasm-opt, which keeps Rust's function names (and so
# runs a little differently from the optimised file: read the figures as shares). Figures, not
# pass/fail; docs/ARCHITECTURE.md ("Client-side rendering") has what they showed.
# Usage: scripts/profile-start.sh [page path, default /campaigns/tianjin-2022-jinlegou]
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO_ROOT"
page=${1:-/campaigns/tianjin-2022-jinlegou}
"$REPO_ROOT/scripts/setup.sh" --without-geckodriver
"$REPO_ROOT/scripts/build.sh"
ensure_lighthouse

work=$(mktemp -d)
service_pid=
trap 'kill $service_pid 2>/dev/null; rm -rf "$work"' EXIT
cp -r "$REPO_ROOT/dist" "$work/dist"
named="${CARGO_TARGET_DIR:-$REPO_ROOT/target}/wasm-bindgen/release/huiquan_bg.wasm"
[[ -f $named ]] || die "no wasm-bindgen output at $named"
for main_wasm in "$work"/dist/huiquan-*_bg.wasm; do
  cp "$named" "$main_wasm"
  rm -f "$main_wasm.br" "$main_wasm.gz"  # else the service would send the optimised file
done
mkdir -p "$work/data"
port=$(free_port)
start_demo_service "$port" "$work/dist" "$work/data"

say "lighthouse with the profiler on http://127.0.0.1:$port$page"
run_lighthouse "http://127.0.0.1:$port$page" --throttling-method=simulate --only-categories=performance \
  --additional-trace-categories=disabled-by-default-v8.cpu_profiler --save-assets --output=json \
  --output-path="$work/report.json" >/dev/null
python3 - "$work/report.json" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
audit = lambda a: report["audits"][a]["numericValue"]
print(f"TBT {audit('total-blocking-time'):.0f} ms (simulated; the profiler adds to it)")
PY
python3 "$REPO_ROOT/scripts/long-tasks.py" "$work/report-0.trace.json"
