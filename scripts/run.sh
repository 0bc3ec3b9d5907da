#!/usr/bin/env bash
# Starts the whole thing: the service with its embedded database and the demo campaigns,
# serving the optimised app, on http://127.0.0.1:8080 (HUIQUAN_ADDR moves it).
# Demo mode is on: campaigns are shifted so a round is live and a release minutes away, and
# sign-in codes are written to the log (HUIQUAN_DEMO=false turns it off).
# Flags are passed to the service: see `scripts/run.sh --help`.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO_ROOT"
"$REPO_ROOT/scripts/setup.sh" --without-geckodriver  # only the tests drive Firefox
"$REPO_ROOT/scripts/build.sh"
say "starting the service; stop it with Ctrl-C"
export HUIQUAN_DEMO="${HUIQUAN_DEMO:-true}"
exec cargo run --release --quiet -p huiquan-server -- --dist "$REPO_ROOT/dist" "$@"
