#!/usr/bin/env bash
# Builds the optimised app into dist/ (Trunk: release profile, wasm-opt -Oz, hashed names,
# brotli and gzip copies) and the service in release mode.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO_ROOT"

pinned=$(sed -n 's/^wasm_bindgen = "\(.*\)"/\1/p' Trunk.toml)
locked=$(wasm_bindgen_version)
[[ $pinned == "$locked" ]] || die "Trunk.toml pins wasm-bindgen $pinned but Cargo.lock has $locked: make them equal"

say "building the app (trunk build --release)"
trunk build --release --quiet
say "building the service (release)"
cargo build --release --quiet -p huiquan-server
