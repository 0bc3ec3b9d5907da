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
LIGHTHOUSE_NPM_VERSION=13
SCHEMATHESIS_VERSION=4.32.5

say() { printf '\033[1m[huiquan]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31m[huiquan] error:\033[0m %s\n' "$*" >&2; exit 1; }

# The toolchain that builds the project, chosen once by setup.sh (rustup's stable with the wasm32
# target where it can be downloaded, else Debian's Rust linked as `huiquan-wasm`).
if [[ -f "$HUIQUAN_HOME/toolchain.env" ]]; then
  # shellcheck source=/dev/null
  source "$HUIQUAN_HOME/toolchain.env"
fi

wasm_bindgen_version() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' "$REPO_ROOT/Cargo.lock"
}
