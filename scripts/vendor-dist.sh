#!/usr/bin/env bash
# Trunk post-build hook: third-party files that pages load, copied from where set-up installed
# them. Zepto: UnionPay's UPSDK needs it (or jQuery) on the page, so public/hosts.js loads it
# first, only inside 云闪付; it is served from here, under its version (never fetched elsewhere).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
dir=${TRUNK_STAGING_DIR:?run by Trunk}
zepto="$NPM_DIR/node_modules/zepto/dist/zepto.min.js"
[[ -f $zepto ]] || die "no Zepto in $NPM_DIR: run scripts/setup.sh"
cp "$zepto" "$dir/zepto-$ZEPTO_NPM_VERSION.min.js"
# The adapter loads it by that name.
grep -q "zepto-$ZEPTO_NPM_VERSION.min.js" "$REPO_ROOT/public/hosts.js" || die "public/hosts.js does not load zepto-$ZEPTO_NPM_VERSION.min.js"
