#!/usr/bin/env bash
# Builds the optimised app into dist/ (Trunk: release profile, wasm-opt -Oz, hashed names,
# brotli and gzip copies) and the service in release mode.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO_ROOT"

pinned=$(sed -n 's/^wasm_bindgen = "\(.*\)"/\1/p' Trunk.toml)
locked=$(wasm_bindgen_version)
[[ $pinned == "$locked" ]] || die "Trunk.toml pins wasm-bindgen $pinned but Cargo.lock has $locked: make them equal"

# The app's std is rebuilt with Debian's Rust (set-up links it as `huiquan-wasm`), so that a panic
# is a bare trap: no messages, no locations, no formatting. RUSTC_BOOTSTRAP unlocks build-std and
# the immediate-abort strategy on this released compiler. `erase_components` is Leptos's switch
# that returns every component's view as one erased type, so view code is not monomorphised per
# component (5 % of the download). Everything else (tests, lints) keeps the project's toolchain.
# The saving of each is in docs/ARCHITECTURE.md (Size).
size_build() {
  RUSTUP_TOOLCHAIN=huiquan-wasm RUSTC_BOOTSTRAP=1 \
    CARGO_UNSTABLE_BUILD_STD=std,panic_abort CARGO_UNSTABLE_BUILD_STD_FEATURES=optimize_for_size \
    CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER=wasm-ld-19 \
    CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="-Zunstable-options -Cpanic=immediate-abort -Zlocation-detail=none --cfg erase_components" \
    "$@"
}
[[ -d /usr/lib/rustlib/src/rust/library/std ]] && rustup run huiquan-wasm rustc --version >/dev/null 2>&1 ||
  die "the size build needs Debian's Rust and its std sources: run scripts/setup.sh"

say "building the app (trunk build --release, std rebuilt to abort on panic)"
size_build trunk build --release --quiet
say "building the service (release)"
cargo build --release --quiet -p huiquan-server
