#!/usr/bin/env bash
# Runs every check and every test: formatting, Clippy's lints (warnings are errors), the first
# visit's size budget, the rules (core), the service over HTTP (on SQLite, then again on a
# throwaway PostgreSQL server), the app's components in headless Chrome and headless Firefox, and
# end to end in Chromium's headless shell. A missing browser, driver or database server fails the
# run; nothing is skipped.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO_ROOT"
started=$SECONDS
# Each stage says how long it took: on a fresh machine, set-up's compiles dominate (README).
timed() {
  local title=$1 stage_started=$SECONDS; shift
  "$@"
  say "$title took $((SECONDS - stage_started)) s"
}

log=$(mktemp)
postgres_state=$(mktemp -d)
binaries="$postgres_state/native-test-binaries"
wasm_build_log="$postgres_state/wasm-test-build.log"
wasm_binaries="$postgres_state/wasm-test-binaries"
chrome_pass_log="$postgres_state/chrome-pass.log"
geckodriver_setup_log="$postgres_state/geckodriver-setup.log"
patches_tests_log="$postgres_state/patches-tests.log"
cleanup() {
  # Background jobs still running (an interrupted run), each in a process group of its own.
  local job
  for job in $(jobs -p); do kill -- "-$job" 2>/dev/null || true; done
  "$REPO_ROOT/scripts/postgres.sh" stop "$postgres_state/pg" || true
  rm -rf "$log" "$postgres_state"
}
trap cleanup EXIT

# Incremental compilation pays only where an earlier build left its work. In a build directory
# where nothing is built yet (a fresh machine) it is overhead: the workspace's crates compiled
# from nothing took 57-61 CPU-seconds without it against 70-74 with it (the native tests' build,
# measured). The next run, which has something to reuse, compiles incrementally again.
[[ -d ${CARGO_TARGET_DIR:-$REPO_ROOT/target}/debug/deps ]] || export CARGO_INCREMENTAL=0

# Starts "$@" in the background in a process group of its own (job control on while it starts),
# so that an interrupted run stops it and its children; $! is its pid. in_background does so at
# the lowest priority, so that it compiles only on cores the rest leaves idle. Not `setsid`: a new session is a new
# scheduling group on Linux (autogroup), which gets a fair share of the cores whatever its nice
# value, and the "idle" compiles then slowed set-up's by a third (measured on a fresh machine).
in_process_group() {
  set -m
  "$@" < /dev/null &
  set +m
}
in_background() { in_process_group nice -n 19 "$@"; }

# geckodriver, which only the last pass (Firefox) needs, is set up meanwhile: on a fresh machine
# it compiles on the cores the rest of set-up, the builds and the tests leave idle.
in_background "$REPO_ROOT/scripts/setup.sh" --only-geckodriver > "$geckodriver_setup_log" 2>&1
geckodriver_setup=$!
# The patched crates' tests too: upstream's where they stand alone (serde-json-core's;
# leptos_macro's need the whole of Leptos), and ours for what each patch changes. Each crate is a
# workspace of its own, built natively in its own directory: on a fresh machine a minute of
# compiling, on idle cores.
in_background bash -c "cargo test --quiet --manifest-path patches/serde-json-core/Cargo.toml &&
  cargo test --quiet --manifest-path patches/leptos_macro/Cargo.toml --lib --features __internal_erase_components" \
  > "$patches_tests_log" 2>&1
patches_tests=$!
# The native tests' build starts now too: it needs only rustup's cargo, and it fills the core
# that set-up's last compile and the optimised app's serial stretches (std, link-time
# optimisation, wasm-opt) leave idle. It shares no build lock with the app's release build. Its
# output is left unread: the build step below builds again (only what is not done yet) and shows
# what the compiler says. Linted as that build is, so nothing is compiled twice.
lint_wrapper="$REPO_ROOT/scripts/lint-rustc"
# The one command of both builds: the same selection, so the step's build finds this one's work.
native_test_build=(cargo test --workspace --exclude huiquan --no-run)
in_background env RUSTC_WORKSPACE_WRAPPER="$lint_wrapper" "${native_test_build[@]}" --quiet > /dev/null 2>&1
native_early_build=$!
timed "set-up" "$REPO_ROOT/scripts/setup.sh" --without-geckodriver
# On a fresh machine set-up has only now chosen the wasm32 tests' toolchain (lib.sh found no
# toolchain.env when this script started).
# shellcheck source=/dev/null
source "$HUIQUAN_HOME/toolchain.env"

status=0
step() {
  local title=$1; shift
  local stage_started=$SECONDS
  say "$title"
  if ! "$@" 2>&1 | tee -a "$log"; then status=1; say "FAILED: $title"; fi
  say "($((SECONDS - stage_started)) s)"
}

step "formatting (cargo fmt --check)" cargo fmt --all --check
# The crates in patches/ must still be used: a patch cargo no longer uses is only a warning.
# (Those in patches/tools/ are the tools' own: set-up fails when one goes unused.)
patches_in_use() {
  local patch parsers
  for patch in patches/*/; do
    patch=$(basename "$patch")
    [[ $patch == tools ]] && continue
    cargo tree --quiet -p huiquan --target wasm32-unknown-unknown -i "$patch" 2>/dev/null | head -n 1 | grep -qF "$REPO_ROOT/patches/$patch" ||
      { echo "patches/$patch is no longer used by the app's build: delete it (see its README.md)"; return 1; }
  done
  # What the Leptos patches are for: no parser compiled for the browser (patches/leptos_config/).
  parsers=$(cargo tree --quiet -p huiquan --target wasm32-unknown-unknown -e normal,no-proc-macro --prefix none |
    grep -E '^(syn|regex|config|toml|rstml|walkdir) v' | sort -u || true)
  [[ -z $parsers ]] || { echo "the app's wasm32 build compiles parsers it never runs:"; echo "$parsers"; return 1; }
}
step "the patches in patches/ still in use" patches_in_use
step "Trunk's HTML minifying with its patched entity trie (patches/tools/minify-html-common)" \
  patches/tools/minify-html-common/check/check.sh

# The end-to-end tests need the built app; its first visit must stay within its budget.
timed "building the app" "$REPO_ROOT/scripts/build.sh" --app-only
step "first-visit size budget (brotli, first-visit-budget.txt)" "$REPO_ROOT/scripts/first-visit.sh" --check

# From here on Clippy lints the workspace's crates, warnings as errors, as they compile for the
# tests: every target `cargo clippy --all-targets` checks is built by the test builds below, native
# and wasm32. A separate `cargo clippy` would compile every dependency again only to check it (2.5
# minutes on a fresh machine). Exported after the optimised app's build, which stays as
# `scripts/build.sh` builds it, and after geckodriver's set-up started (`cargo install` would lint
# geckodriver as its workspace).
export RUSTC_WORKSPACE_WRAPPER="$lint_wrapper"

# The native tests are built first and then run without cargo, so that the app's wasm32 tests
# compile meanwhile (cargo holds the build directory while it runs): the native tests mostly
# wait on browsers and databases, and the compile, at the lowest priority, takes only the idle
# cores. Each line of $binaries: a package's directory, a tab, one of its test binaries.
build_native_tests() {
  "${native_test_build[@]}" --message-format=json-render-diagnostics | python3 "$REPO_ROOT/scripts/test-binaries.py" > "$binaries"
}
# Runs the test binaries listed in $1 (scripts/test-binaries.py) of packages whose directory ends
# in $2 (all: ""), each from its package's directory as cargo runs them: through the target's
# runner $3 (none: ""), with the arguments after $3.
run_listed_tests() {
  local list=$1 package=$2 runner=$3 directory binary ran=0 failed=0; shift 3
  while IFS=$'\t' read -r directory binary; do
    [[ $directory == *"$package" ]] || continue
    say "running ${binary##*/}"
    (cd "$directory" && ${runner:+"$runner"} "$binary" "$@") || failed=1
    ran=$((ran + 1))
  done < "$list"
  [[ $ran -gt 0 ]] || { say "no test binaries were built for ${package:-the workspace}"; return 1; }
  return "$failed"
}
run_native_tests() {  # package directory's ending, arguments...
  local package=$1; shift
  run_listed_tests "$binaries" "$package" "" "$@"
}
print_and_return() { cat "$1"; return "$2"; }
# Waits for a job started in the background, then shows its output as a step of its own. Called
# directly: a step runs in a pipeline's subshell, which `wait` cannot reach.
finish_background() {  # title, pid, log
  local job_status=0
  wait "$2" || job_status=$?
  step "$1" print_and_return "$3" "$job_status"
}
# The early build is stopped, not waited for: at its priority it would share the cores with
# geckodriver's set-up while everything waits. What it finished is kept; cargo builds the rest.
# Only while bash still lists it as running: a finished job's pid may belong to another process.
if jobs -pr | grep -qx "$native_early_build"; then kill -- "-$native_early_build" 2>/dev/null || true; fi
wait "$native_early_build" 2>/dev/null || true
step "lints and builds of the native tests (core, service, end to end)" build_native_tests
# The app's browser tests carry no DWARF: nothing reads it in a headless browser, and
# wasm-bindgen-test-runner would convert megabytes of it for each binary (docs/ARCHITECTURE.md).
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="-Cdebuginfo=0 -Cstrip=debuginfo"
# $wasm_binaries lists the app's wasm32 test binaries as $binaries lists the native ones.
# By the toolchain set-up chose for them (rustup's stable, or Debian's Rust where rustup's wasm32
# target did not download).
mapfile -t wasm_test_env < <(wasm32_env "$HUIQUAN_WASM_TOOLCHAIN")
in_background env "${wasm_test_env[@]}" bash -c 'set -o pipefail; cargo test -p huiquan --target wasm32-unknown-unknown --lib --tests --no-run \
  --message-format=json-render-diagnostics | python3 scripts/test-binaries.py > "$1"' wasm-test-build "$wasm_binaries" \
  > "$wasm_build_log" 2>&1
wasm_build=$!

# The tests named postgres_ need several instances on one PostgreSQL database: they run in the
# PostgreSQL pass below.
step "native tests: core rules, service over HTTP on SQLite, end to end in Chromium's headless shell" \
  run_native_tests "" --skip postgres_

# The whole service suite again, every service on its own database on one throwaway server, with
# the binaries the native tests ran.
postgres_url=$("$REPO_ROOT/scripts/postgres.sh" start "$postgres_state/pg")
say "PostgreSQL for the tests: $postgres_url"
service_tests_on_postgres() {
  local HUIQUAN_TEST_POSTGRES=$postgres_url
  export HUIQUAN_TEST_POSTGRES
  run_native_tests crates/server
}
step "the service's tests on PostgreSQL (API, storms, crashes; two instances on one database)" \
  service_tests_on_postgres

finish_background "lints and build of the app's wasm32 tests (compiled beside the native tests)" \
  "$wasm_build" "$wasm_build_log"
step "documentation examples" cargo test --workspace --exclude huiquan --doc

# The app's component tests, each binary as `cargo test` runs it (through wasm-bindgen-test-runner,
# the target's runner in .cargo/config.toml), in the browser whose driver the environment names.
# Without cargo, so that both browsers' passes run at once: each mostly waits on its browser, or
# on wasm-bindgen preparing a binary on one core.
run_wasm_tests() { run_listed_tests "$wasm_binaries" "" wasm-bindgen-test-runner; }
export wasm_binaries
export -f say run_listed_tests run_wasm_tests
# Chrome's pass in a process group of its own (so that an interrupted run stops it), at the
# normal priority.
chromedriver_bin=$(command -v chromedriver)
in_process_group env -u GECKODRIVER CHROMEDRIVER="$chromedriver_bin" bash -c run_wasm_tests > "$chrome_pass_log" 2>&1
chrome_pass=$!

finish_background "set-up of geckodriver (beside the builds and tests above)" \
  "$geckodriver_setup" "$geckodriver_setup_log"
geckodriver_bin=$(command -v geckodriver || echo geckodriver-is-missing)
step "app components in headless Firefox (Chrome's pass meanwhile)" \
  env -u CHROMEDRIVER GECKODRIVER="$geckodriver_bin" bash -c run_wasm_tests
finish_background "app components in headless Chrome (beside Firefox's pass)" "$chrome_pass" "$chrome_pass_log"

finish_background "the patched crates' tests (patches/, beside the rest)" "$patches_tests" "$patches_tests_log"

# One line for the whole run, summed over every test binary and both browsers.
read -r passed failed < <(grep -E '^test result:' "$log" |
  sed -E 's/.* ([0-9]+) passed; ([0-9]+) failed.*/\1 \2/' | awk '{ p += $1; f += $2 } END { print p + 0, f + 0 }')
say "all tests done in $((SECONDS - started)) s"
echo "$passed passed, $failed failed"
[[ $failed -eq 0 && $status -eq 0 ]]
