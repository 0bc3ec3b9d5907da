#!/usr/bin/env bash
# Installs everything the project needs to build, run and test, and says what it does.
# Idempotent: a second run checks each piece and returns in seconds.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# geckodriver is needed by the Firefox pass of the tests alone, so scripts/test.sh sets it up
# apart, at the lowest priority beside everything else (on a fresh machine, minutes of compiling):
# --without-geckodriver is all the rest, --only-geckodriver is geckodriver alone.
mode=${1:-all}
case $mode in
  all | --without-geckodriver | --only-geckodriver) ;;
  *) die "unknown option $mode (--without-geckodriver, --only-geckodriver or none)" ;;
esac

mkdir -p "$HUIQUAN_HOME" "$TOOLS_DIR"

as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi; }

# --- Rust tools at pinned versions -------------------------------------------------------
# First, in the background: they need only rustup's cargo, and on a fresh machine they are most
# of the set-up, while Debian's packages below (nearly 2 minutes there) mostly wait on the network and
# the disk.
# The whole output is read before matching: `grep -q` stops at the first match, and a tool that
# prints more (geckodriver's licence) then dies of SIGPIPE, which pipefail took for "missing".
has_version() {
  local output
  command -v "$1" >/dev/null && output=$("$1" --version 2>/dev/null) && [[ $output == *"$2"* ]]
}

# The tools compiled with a patched dependency: tool crate -> the directory in patches/tools/.
declare -A TOOL_PATCHES=([trunk]=minify-html-common)

cargo_tool() {  # binary, crate, version, minutes to compile on 2 cores, extra cargo-install flags...
  local binary=$1 crate=$2 version=$3 minutes=$4; shift 4
  local root="$TOOLS_DIR/crates/$crate" patch=${TOOL_PATCHES[$crate]:-} patched=""
  # A tool compiled with a patch is compiled again when the patch changes (its files' digest).
  [[ -n $patch ]] && patched="$patch $(cd "$REPO_ROOT/patches/tools/$patch" &&
    find . -type f -not -path './target/*' -not -path './check/*' | LC_ALL=C sort | xargs sha256sum | sha256sum)"
  if [[ $(cat "$root/patched" 2>/dev/null || true) == "$patched" ]]; then
    has_version "$binary" "$version" && return 0
    # A tool without --version (wasm-split-cli) is known by cargo's record of what it installed.
    grep -qsF "\"$crate $version " "$root/.crates.toml" && [[ -x $TOOLS_DIR/bin/$binary ]] && return 0
  fi
  say "installing $crate $version (compiles from source: about $minutes minutes on 2 cores)"
  # The tools' own release profiles use fat LTO with one codegen unit and full optimisation:
  # minutes of compiling on two cores for tools that run seconds a build. No LTO, 16 units and no
  # optimisation build them in a fraction of the time, and the app they build is byte-identical.
  # (wasm-bindgen's test runner then takes 6 s longer a browser pass: docs/ARCHITECTURE.md,
  # Toolchain.) Each tool has its own root and build directory, so that they compile side by side.
  local install_started=$SECONDS build_dir settings=()
  # The crate in patches/tools/ replaces the one of that name the tool locks (its README.md says why).
  [[ -n $patch ]] && settings+=(--config "patch.crates-io.$patch.path=\"$REPO_ROOT/patches/tools/$patch\"")
  build_dir=$(mktemp -d "${TMPDIR:-/tmp}/huiquan-$crate.XXXXXX")
  # cargo's own lines are kept to be shown only when it fails, or reports a patch it did not use;
  # --force: the same version again when its patch changed.
  local installed=true output
  CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 CARGO_PROFILE_RELEASE_OPT_LEVEL=0 \
    cargo "${settings[@]}" install --force --root "$root" --target-dir "$build_dir" \
    "$crate" --version "$version" "$@" > "$build_dir.log" 2>&1 || installed=false
  output=$(cat "$build_dir.log")
  rm -rf "$build_dir" "$build_dir.log"
  if [[ $installed == false ]]; then
    grep -v '^ *\(Compiling\|Downloaded\|Updating\|Installing\|Locking\|Adding\)' <<< "$output" >&2
    return 1
  fi
  if grep -qi 'patch .* was not used' <<< "$output"; then
    grep -i -A3 'patch .* was not used' <<< "$output" >&2
    say "$crate $version locks another version of the crate patched in patches/tools/: update or delete the patch"
    return 1
  fi
  if [[ -n $patched ]]; then echo "$patched" > "$root/patched"; else rm -f "$root/patched"; fi
  ln -sf "$root"/bin/* "$TOOLS_DIR/bin/"
  say "installed $crate $version in $((SECONDS - install_started)) s"
}

install_geckodriver() { cargo_tool geckodriver geckodriver "$GECKODRIVER_VERSION" 3 --locked; }
if [[ $mode == --only-geckodriver ]]; then
  install_geckodriver
  command -v geckodriver >/dev/null || die "geckodriver is still missing after set-up"
  exit 0
fi

# On a fresh machine these compiles are most of the set-up. Side by side, one tool's serial
# stretches (build scripts, its last crate, linking) use the core another one leaves idle.
mkdir -p "$TOOLS_DIR/bin"
tool_installs=()
cargo_tool trunk trunk "$TRUNK_VERSION" 4 --locked --ignore-rust-version --no-default-features --features rustls &
tool_installs+=($!)
# --locked fails for wasm-bindgen-cli here (a pinned dependency is missing from the index).
# Without its default TLS (rustls and ring): its test runner only talks to a browser driver on
# 127.0.0.1 (8 CPU-seconds less to compile).
cargo_tool wasm-bindgen wasm-bindgen-cli "$(wasm_bindgen_version)" 4 --no-default-features &
tool_installs+=($!)
if [[ $mode == all ]]; then
  install_geckodriver &
  tool_installs+=($!)
fi
# Splits the app's wasm so the wallet pages load when first opened (scripts/split/cargo).
cargo_tool wasm-split-cli wasm_split_cli_support "$WASM_SPLIT_VERSION" 2 --locked --features build-binary &
tool_installs+=($!)

# --- Debian packages: browsers, their drivers, brotli, PostgreSQL --------------------------------------
apt_install() {
  local missing=()
  for package in "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
  done
  [[ ${#missing[@]} -eq 0 ]] && return 0
  command -v apt-get >/dev/null || die "please install: ${missing[*]} (no apt-get on this machine)"
  say "installing Debian packages: ${missing[*]}"
  as_root apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}" >/dev/null
}
# fonts-noto-cjk: without a CJK font, the browsers under test (and their screenshots) show boxes.
# chromium-headless-shell: the end-to-end journeys' browser, Chromium without the desktop browser
# around it (half the CPU of the full one there; crates/e2e/src/lib.rs).
apt_install chromium chromium-headless-shell chromium-driver firefox-esr brotli fonts-noto-cjk
# postgresql: the service's suite also runs on a throwaway server (scripts/postgres.sh); the
# package's own cluster is never started or used.
apt_install postgresql
# wrk: the load generator of the claim path's benchmark (scripts/bench.sh).
apt_install wrk

# --- The wasm32 target ---------------------------------------------------------------------
has_wasm_std() { [[ -n $(compgen -G "$1/lib/rustlib/wasm32-unknown-unknown/lib/libstd-*.rlib" || true) ]]; }

# HUIQUAN_WASM_ROUTE=debian skips rustup's download (to test the fallback, or where it hangs).
choose_toolchain() {
  [[ ${HUIQUAN_WASM_ROUTE:-} == debian ]] && { debian_toolchain; return; }
  local stable_sysroot
  stable_sysroot=$(rustup run stable rustc --print sysroot 2>/dev/null || true)
  if [[ -n $stable_sysroot ]] && has_wasm_std "$stable_sysroot"; then
    echo stable; return
  fi
  if rustup toolchain list 2>/dev/null | grep -q '^huiquan-wasm' && has_wasm_std /usr; then
    link_debian_rust
    echo huiquan-wasm; return
  fi
  say "adding rustup's wasm32 target (gives up after 60 s when nothing can be downloaded)"
  if timeout 60 rustup target add wasm32-unknown-unknown --toolchain stable >&2; then
    echo stable; return
  fi
  debian_toolchain
}

# Debian's Rust with its std sources, wasm linker and Clippy (which lints the app's wasm32 tests as
# they compile), as the rustup toolchain `huiquan-wasm`.
link_debian_rust() {
  apt_install rustc-web cargo-web rust-web-src rust-web-clippy lld-19
  rustup toolchain list 2>/dev/null | grep -q '^huiquan-wasm' || rustup toolchain link huiquan-wasm /usr >&2
}

debian_toolchain() {
  say "building the wasm32 standard library from Debian's Rust (about a minute)"
  link_debian_rust
  local scratch="$HUIQUAN_HOME/wasm-std"
  rm -rf "$scratch" && mkdir -p "$scratch/src"
  printf '[package]\nname = "wasm-std"\nversion = "0.0.0"\nedition = "2021"\n[workspace]\n' > "$scratch/Cargo.toml"
  : > "$scratch/src/lib.rs"
  # Bitcode lets the project's release build use LTO; `test` lets wasm-bindgen-test run.
  local build_env
  mapfile -t build_env < <(wasm32_env huiquan-wasm)
  (cd "$scratch" && env "${build_env[@]}" CARGO_TARGET_DIR="$scratch/target" RUSTC_BOOTSTRAP=1 RUSTFLAGS=-Cembed-bitcode=yes \
    cargo build --quiet --release --target wasm32-unknown-unknown \
      -Zbuild-std=std,panic_abort,test >&2)
  local libdir=/usr/lib/rustlib/wasm32-unknown-unknown/lib
  as_root mkdir -p "$libdir"
  as_root find "$libdir" -name '*.rlib' -delete   # two copies of std would clash (E0464)
  for rlib in "$scratch"/target/wasm32-unknown-unknown/release/deps/*.rlib; do
    [[ $(basename "$rlib") == libwasm_std-* ]] || as_root cp "$rlib" "$libdir/"
  done
  echo huiquan-wasm
}

# The app's wasm32 tests are compiled, and linted, by this toolchain: its std and Clippy's driver.
toolchain_works() {
  [[ -n ${HUIQUAN_WASM_TOOLCHAIN:-} ]] || return 1
  [[ ${HUIQUAN_WASM_ROUTE:-} == debian && $HUIQUAN_WASM_TOOLCHAIN != huiquan-wasm ]] && return 1
  local sysroot
  sysroot=$(rustup run "$HUIQUAN_WASM_TOOLCHAIN" rustc --print sysroot 2>/dev/null) && has_wasm_std "$sysroot" &&
    rustup run "$HUIQUAN_WASM_TOOLCHAIN" clippy-driver --version >/dev/null 2>&1
}

if ! toolchain_works; then
  HUIQUAN_WASM_TOOLCHAIN=$(choose_toolchain)
  unset HUIQUAN_SIZE_TOOLCHAIN  # chosen again below, after this toolchain
  echo "export HUIQUAN_WASM_TOOLCHAIN=$HUIQUAN_WASM_TOOLCHAIN" > "$HUIQUAN_HOME/toolchain.env"
  # shellcheck source=/dev/null
  source "$HUIQUAN_HOME/toolchain.env"
  toolchain_works || die "the $HUIQUAN_WASM_TOOLCHAIN toolchain still has no wasm32 standard library or no Clippy"
  say "Rust toolchain for the app's wasm32 tests: $HUIQUAN_WASM_TOOLCHAIN"
fi

# --- The size build: std rebuilt for the app with panics that abort at once -------------------
# The first visit's wasm is built with `-Zbuild-std` and `-Cpanic=immediate-abort` (no panic
# messages or formatting linked in: 7 % of the download), which needs std's sources: rustup's
# `rust-src` component where it downloads (with the wasm32 target: the same server), else Debian's
# Rust and its `rust-web-src`, which always install but compile the app 1.5 times slower (a
# shared LLVM, no PGO: 480 against 330 CPU-seconds). See scripts/build.sh and
# docs/ARCHITECTURE.md (Toolchain).
choose_size_toolchain() {
  if [[ $HUIQUAN_WASM_TOOLCHAIN == stable ]]; then
    has_std_sources stable && { echo stable; return; }
    say "adding rustup's rust-src (gives up after 60 s when nothing can be downloaded)"
    timeout 60 rustup component add rust-src --toolchain stable >&2 && { echo stable; return; }
  fi
  link_debian_rust
  echo huiquan-wasm
}

if [[ -z ${HUIQUAN_SIZE_TOOLCHAIN:-} ]] || ! has_std_sources "$HUIQUAN_SIZE_TOOLCHAIN" ||
  [[ ${HUIQUAN_WASM_ROUTE:-} == debian && $HUIQUAN_SIZE_TOOLCHAIN != huiquan-wasm ]]; then
  HUIQUAN_SIZE_TOOLCHAIN=$(choose_size_toolchain)
  {
    grep -v '^export HUIQUAN_SIZE_TOOLCHAIN=' "$HUIQUAN_HOME/toolchain.env" || true
    echo "export HUIQUAN_SIZE_TOOLCHAIN=$HUIQUAN_SIZE_TOOLCHAIN"
  } > "$HUIQUAN_HOME/toolchain.env.new"
  mv "$HUIQUAN_HOME/toolchain.env.new" "$HUIQUAN_HOME/toolchain.env"
  # shellcheck source=/dev/null
  source "$HUIQUAN_HOME/toolchain.env"
  has_std_sources "$HUIQUAN_SIZE_TOOLCHAIN" || die "the $HUIQUAN_SIZE_TOOLCHAIN toolchain still has no std sources"
  say "Rust toolchain for the size build: $HUIQUAN_SIZE_TOOLCHAIN"
fi

# --- wasm-opt from npm's binaryen (Debian's older binaryen breaks wasm-bindgen's output) -----
if ! has_version wasm-opt "version ${BINARYEN_NPM_VERSION%%.*}"; then
  say "installing wasm-opt (npm binaryen@$BINARYEN_NPM_VERSION)"
  npm install --silent --no-audit --no-fund --prefix "$NPM_DIR" "binaryen@$BINARYEN_NPM_VERSION" >/dev/null
fi

# --- Zepto from npm: UnionPay's UPSDK needs it on the page; the build copies it (vendor-dist.sh) -
if ! grep -qs "\"version\": \"$ZEPTO_NPM_VERSION\"" "$NPM_DIR/node_modules/zepto/package.json"; then
  say "installing Zepto (npm zepto@$ZEPTO_NPM_VERSION)"
  npm install --silent --no-audit --no-fund --prefix "$NPM_DIR" "zepto@$ZEPTO_NPM_VERSION" >/dev/null
fi

# --- schemathesis from PyPI: the API fuzzer of the service's tests, in a virtualenv of its own ---
if ! has_version "$TOOLS_DIR/bin/schemathesis" "version $SCHEMATHESIS_VERSION"; then
  say "installing schemathesis $SCHEMATHESIS_VERSION (PyPI, into $TOOLS_DIR/schemathesis)"
  python3 -m venv "$TOOLS_DIR/schemathesis" >&2
  "$TOOLS_DIR/schemathesis/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION" >&2
  ln -sf "$TOOLS_DIR/schemathesis/bin/schemathesis" "$TOOLS_DIR/bin/schemathesis"
fi

for install in "${tool_installs[@]}"; do
  wait "$install" || die "a Rust tool failed to install (see above)"
done

tools=(chromium chromium-headless-shell chromedriver firefox trunk wasm-bindgen wasm-bindgen-test-runner wasm-split-cli wasm-opt brotli schemathesis)
[[ $mode == all ]] && tools+=(geckodriver)
for tool in "${tools[@]}"; do
  command -v "$tool" >/dev/null || die "$tool is still missing after set-up"
done
say "set-up complete (wasm32 tests by $HUIQUAN_WASM_TOOLCHAIN, the optimised app by $HUIQUAN_SIZE_TOOLCHAIN)"
