# Shared by the project's scripts: where things live and which tools to use. Source it.
# shellcheck shell=bash

set -euo pipefail
shopt -s inherit_errexit  # a failure inside $(…) fails the script too

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# Tools and caches the project installs for itself, outside the clone so a fresh clone reuses them.
HUIQUAN_HOME=${HUIQUAN_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/huiquan}
TOOLS_DIR="$HUIQUAN_HOME/tools"
NPM_DIR="$HUIQUAN_HOME/npm"
export PATH="$TOOLS_DIR/bin:$NPM_DIR/node_modules/.bin:$HOME/.cargo/bin:$PATH"

# Pinned versions of what set-up installs. wasm-bindgen-cli is read from Cargo.lock instead.
TRUNK_VERSION=0.22.1
GECKODRIVER_VERSION=0.37.1
WASM_SPLIT_VERSION=0.2.4
BINARYEN_NPM_VERSION=132.0.0
# UnionPay's UPSDK needs Zepto (or jQuery) on the page; the build serves this one (public/hosts.js).
ZEPTO_NPM_VERSION=1.2.0
LIGHTHOUSE_NPM_VERSION=13
SCHEMATHESIS_VERSION=4.32.5

say() { printf '\033[1m[huiquan]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31m[huiquan] error:\033[0m %s\n' "$*" >&2; exit 1; }

# The toolchains of the wasm32 builds, chosen once by setup.sh: for the app's tests
# (HUIQUAN_WASM_TOOLCHAIN) rustup's stable with the wasm32 target where it can be downloaded, else
# Debian's Rust linked as `huiquan-wasm`; for the optimised app (HUIQUAN_SIZE_TOOLCHAIN) rustup's
# stable with its rust-src where that can be downloaded, else `huiquan-wasm`. A fresh machine has
# the file only once set-up has run: scripts/test.sh reads it again then.
if [[ -f "$HUIQUAN_HOME/toolchain.env" ]]; then
  # shellcheck source=/dev/null
  source "$HUIQUAN_HOME/toolchain.env"
fi
# Everything native (the service, the tests, formatting, lints, the tools) is built by rustup's
# stable on every route; the wasm32 builds name their toolchain themselves.
export RUSTUP_TOOLCHAIN=stable

# The environment of a wasm32 build by TOOLCHAIN, one NAME=value a line (for `env`): rustup's
# toolchains link with their rust-lld, rustc's default; Debian's Rust with LLVM's wasm-ld.
wasm32_env() {
  echo "RUSTUP_TOOLCHAIN=$1"
  if [[ $1 == huiquan-wasm ]]; then echo "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER=wasm-ld-19"; fi
}

# Whether TOOLCHAIN has std's sources, which the size build's `-Zbuild-std` compiles.
has_std_sources() { [[ -d $(rustup run "$1" rustc --print sysroot 2>/dev/null)/lib/rustlib/src/rust/library/std ]]; }

wasm_bindgen_version() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' "$REPO_ROOT/Cargo.lock"
}

# Lighthouse from npm, at the pinned major version (scripts/bench.sh, scripts/profile-start.sh).
ensure_lighthouse() {
  command -v lighthouse >/dev/null && return 0
  say "installing lighthouse (npm)"
  npm install --silent --no-audit --no-fund --prefix "$NPM_DIR" "lighthouse@$LIGHTHOUSE_NPM_VERSION" >/dev/null
}

# Lighthouse's mobile preset on URL with the Debian Chromium, as a Chinese-reading phone (its
# languages are `--accept-lang`: `--lang` alone sets the browser's own words, and the app then read
# English and fetched its catalogue first); the arguments after URL are Lighthouse's own.
run_lighthouse() {
  local url=$1; shift
  CHROME_PATH=$(command -v chromium) lighthouse "$url" --quiet \
    --chrome-flags="--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage --disable-background-networking --disable-component-update --disable-sync --no-first-run --lang=zh-CN --accept-lang=zh-CN" \
    "$@"
}

# A free TCP port on the loopback.
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Starts the release service in the background on the loopback at PORT, serving DIST with the demo
# campaigns open now, its database and log in DATA, with any further arguments of the service's;
# returns once it answers, its pid in $service_pid.
start_demo_service() {
  local port=$1 dist=$2 data=$3; shift 3
  "${CARGO_TARGET_DIR:-$REPO_ROOT/target}/release/huiquan-server" --addr "127.0.0.1:$port" --data-dir "$data" \
    --dist "$dist" --demo --demo-release-in -1 "$@" >"$data/service.log" 2>&1 &
  service_pid=$!
  for _ in $(seq 50); do curl -fs "http://127.0.0.1:$port/api/v1/time" >/dev/null && return 0; sleep 0.1; done
  die "the service did not answer on port $port (its log: $data/service.log)"
}
