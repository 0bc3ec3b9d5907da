#!/usr/bin/env bash
# Runs every check and every test: formatting, Clippy's lints (warnings are errors), the first
# visit's size budget, the rules (core), the service over HTTP (on SQLite, then again on a
# throwaway PostgreSQL server), the app's components in headless Chrome and headless Firefox, and
# end to end in headless Chromium. A missing browser, driver or database server fails the run; nothing
# is skipped.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO_ROOT"
started=$SECONDS
# Each stage says how long it took: on a fresh machine, set-up's compiles dominate (README).
timed() {
  local title=$1 stage_started=$SECONDS; shift
  "$@"
  say "$title took $((SECONDS - stage_started)) s"
}
timed "set-up" "$REPO_ROOT/scripts/setup.sh"

log=$(mktemp)
postgres_state=$(mktemp -d)
trap '"$REPO_ROOT/scripts/postgres.sh" stop "$postgres_state/pg"; rm -rf "$log" "$postgres_state"' EXIT
status=0
step() {
  local title=$1; shift
  local stage_started=$SECONDS
  say "$title"
  if ! "$@" 2>&1 | tee -a "$log"; then status=1; say "FAILED: $title"; fi
  say "($((SECONDS - stage_started)) s)"
}

step "formatting (cargo fmt --check)" cargo fmt --all --check

# Clippy lints the workspace's crates, warnings as errors, as they compile for the tests: every
# target `cargo clippy --all-targets` checks is built by the test commands below, native and wasm32.
# A separate `cargo clippy` would compile every dependency again only to check it (2.5 minutes on a
# fresh machine). Only the test builds: the optimised app is built as `scripts/build.sh` builds it.
linted() { RUSTC_WORKSPACE_WRAPPER="$REPO_ROOT/scripts/lint-rustc" "$@"; }

# The end-to-end tests need the built app; its first visit must stay within its budget.
timed "building the app" "$REPO_ROOT/scripts/build.sh" --app-only
step "first-visit size budget (brotli, first-visit-budget.txt)" "$REPO_ROOT/scripts/first-visit.sh" --check

# The tests named postgres_ need several instances on one PostgreSQL database: they run in the
# PostgreSQL pass below.
step "lints and native tests: core rules, service over HTTP on SQLite, end to end in Chromium" \
  linted cargo test --no-fail-fast --workspace --exclude huiquan -- --skip postgres_

# The whole service suite again, every service on its own database on one throwaway server. It
# runs the service's test binaries the step above built: `cargo test -p huiquan-server` selects
# other packages, so cargo unifies other features and builds the service and its dependencies a
# second time (40 s on a warm machine, 68 crates more on a fresh one).
server_tests_on_postgres() {
  local binaries
  binaries=$(linted cargo test --workspace --exclude huiquan --no-run --message-format=json --quiet | python3 -c '
import json, sys
for line in sys.stdin:
    message = json.loads(line)
    if message.get("reason") == "compiler-artifact" and message.get("executable") \
            and message["profile"]["test"] and message["manifest_path"].endswith("crates/server/Cargo.toml"):
        print(message["executable"])')
  [[ -n $binaries ]] || { say "no test binaries of the service were built"; return 1; }
  local binary failed=0
  # Each from the service's directory, as cargo runs them.
  while IFS= read -r binary; do
    (cd "$REPO_ROOT/crates/server" && HUIQUAN_TEST_POSTGRES="$1" "$binary") || failed=1
  done <<<"$binaries"
  return "$failed"
}
postgres_url=$("$REPO_ROOT/scripts/postgres.sh" start "$postgres_state/pg")
say "PostgreSQL for the tests: $postgres_url"
step "the service's tests on PostgreSQL (API, storms, crashes; two instances on one database)" \
  server_tests_on_postgres "$postgres_url"

chromedriver_bin=$(command -v chromedriver)
geckodriver_bin=$(command -v geckodriver)
step "lints of the app (wasm32) and its components in headless Chrome" \
  linted env -u GECKODRIVER CHROMEDRIVER="$chromedriver_bin" cargo test --no-fail-fast -p huiquan --target wasm32-unknown-unknown --lib --tests
step "app components in headless Firefox" \
  linted env -u CHROMEDRIVER GECKODRIVER="$geckodriver_bin" cargo test --no-fail-fast -p huiquan --target wasm32-unknown-unknown --lib --tests

# One line for the whole run, summed over every test binary and both browsers.
read -r passed failed < <(grep -E '^test result:' "$log" |
  sed -E 's/.* ([0-9]+) passed; ([0-9]+) failed.*/\1 \2/' | awk '{ p += $1; f += $2 } END { print p + 0, f + 0 }')
say "all tests done in $((SECONDS - started)) s"
echo "$passed passed, $failed failed"
[[ $failed -eq 0 && $status -eq 0 ]]
