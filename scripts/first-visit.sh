#!/usr/bin/env bash
# Prints the first visit's download, brotli, as a browser on its first visit gets it from the
# service: index.html, the JS, the wasm, any CSS file, the service worker and any image index.html links (for
# Traditional Chinese readers, also hant.js and hant.json, inside WeChat's browser or 云闪付
# hosts.js (and Zepto in 云闪付), printed apart; wallet.css comes with the wallet pages). With
# --check, fails when it is above the budget in first-visit-budget.txt (bytes; it only moves down).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO_ROOT"
[[ -f dist/index.html.br ]] || die "no optimised build in dist/: run scripts/build.sh first"
total=0
while read -r file; do
  size=$(stat -c %s "$file.br")
  printf '  %-44s %8d\n' "${file#dist/}" "$size"
  total=$((total + size))
done < <({
  find dist -maxdepth 1 -type f \( -name '*.html' -o -name '*.js' -o -name '*.wasm' -o -name '*.css' \) \
    ! -name 'hant.js' ! -name 'hosts.js' ! -name 'zepto-*.js' ! -name 'wallet.css'
  # An image counts when the page links it (the icon is written into index.html instead:
  # scripts/inline-icon.py; the figures page links the file).
  for image in dist/*.svg; do grep -qF "${image#dist/}" dist/index.html && echo "$image"; done
} | sort)
# Readers of Traditional Chinese also fetch its converter and table (index.html loads them only
# for them): counted apart, not against the budget of every resident's first visit.
if [[ -f dist/hant.js.br ]]; then
  echo "  zh-Hant readers also fetch: hant.js $(stat -c %s dist/hant.js.br) + hant.json $(stat -c %s dist/hant.json.br) bytes brotli"
fi
if [[ -f dist/hosts.js.br ]]; then
  zepto=$(ls dist/zepto-*.js.br)
  echo "  inside WeChat's browser or 云闪付 also: hosts.js $(stat -c %s dist/hosts.js.br) bytes brotli, and their SDK (in 云闪付 also ${zepto#dist/}, $(stat -c %s "$zepto") bytes)"
fi
budget=$(head -n 1 first-visit-budget.txt | grep -Eo '^[0-9]+')
echo "first visit: $total bytes brotli ($((total / 1024)) KiB); budget $budget bytes ($((budget / 1024)) KiB)"
if [[ ${1:-} == --check && $total -gt $budget ]]; then
  die "the first visit is $((total - budget)) bytes over its budget: a feature pays for its bytes (see docs/ARCHITECTURE.md, Size)"
fi
