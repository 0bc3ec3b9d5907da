#!/usr/bin/env bash
# Builds the optimised app into dist/ (Trunk: release profile, wasm-opt -Oz, hashed names,
# brotli and gzip copies) and the service in release mode. `--app-only` skips the service: the
# tests run their own debug build of it, and its release build is minutes on a fresh machine.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO_ROOT"

pinned=$(sed -n 's/^wasm_bindgen = "\(.*\)"/\1/p' Trunk.toml)
locked=$(wasm_bindgen_version)
[[ $pinned == "$locked" ]] || die "Trunk.toml pins wasm-bindgen $pinned but Cargo.lock has $locked: make them equal"

# The app's std is rebuilt (with rustup's rust-src, else Debian's Rust: set-up chooses), so that a
# panic is a bare trap: no messages, no locations, no formatting; and `Debug` writes nothing (only
# developers' error texts used it). RUSTC_BOOTSTRAP unlocks build-std and these unstable flags on
# a released compiler. `erase_components` is Leptos's switch
# that returns every component's view as one erased type, so view code is not monomorphised per
# component (5 % of the download). Everything else (tests, lints) keeps its own toolchain (scripts/lib.sh).
# The saving of each is in docs/ARCHITECTURE.md (Size).
size_build() {
  local size_env
  mapfile -t size_env < <(wasm32_env "$HUIQUAN_SIZE_TOOLCHAIN")
  env "${size_env[@]}" RUSTC_BOOTSTRAP=1 \
    CARGO_UNSTABLE_BUILD_STD=std,panic_abort CARGO_UNSTABLE_BUILD_STD_FEATURES=optimize_for_size \
    CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="-Zunstable-options -Cpanic=immediate-abort -Zlocation-detail=none -Zfmt-debug=none --cfg erase_components --cfg huiquan_split -Clink-arg=--emit-relocs" \
    "$@"
}
# The wallet pages go in a wasm module of their own, fetched when first opened (src/routes/mod.rs):
# Trunk's cargo is scripts/split/cargo, which splits the wasm before wasm-bindgen sees it, and
# Trunk's hook scripts/split-dist.sh puts the split-off module beside the app.
target_dir=${CARGO_TARGET_DIR:-$REPO_ROOT/target}
export HUIQUAN_SPLIT_WASM="$target_dir/wasm32-unknown-unknown/release/huiquan.wasm"
export HUIQUAN_SPLIT_DIR="$target_dir/wasm-split"
[[ -n ${HUIQUAN_SIZE_TOOLCHAIN:-} ]] && has_std_sources "$HUIQUAN_SIZE_TOOLCHAIN" ||
  die "the size build needs a toolchain with std's sources: run scripts/setup.sh"

say "building the app (trunk build --release, std rebuilt by $HUIQUAN_SIZE_TOOLCHAIN to abort on panic)"
# Trunk runs cargo offline (Trunk.toml), and the rebuilt std has crates.io dependencies of its own
# (dlmalloc, hashbrown…) that no other build downloads: fetch them first, or a fresh machine fails.
size_build cargo fetch --quiet --target wasm32-unknown-unknown
PATH="$REPO_ROOT/scripts/split:$PATH" size_build trunk build --release --quiet
[[ ${1:-} == --app-only ]] && exit 0
say "building the service (release)"
cargo build --release --quiet -p huiquan-server
