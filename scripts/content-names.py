#!/usr/bin/env python3
"""Names the app's hashed files after their final content: the main wasm, its JS glue and the
split-off modules in later/ (which split-dist.sh leaves unnamed).

Trunk hashes its files before the post-build hook rewrites them (short-imports.py,
order-functions.py), and it hashes wasm-bindgen's output, whose symbol
names carry hashes of the compiler's own: an edit of a comment gave the wasm a new name though
not one byte sent changed, and every returning resident downloaded its 141 KB again (the first
visit's index.html, which names it, also moved by up to 40 bytes brotli). Named here, last, a
file's name changes exactly when its content does. The service sends such names as immutable
(crates/server/src/static_files.rs: `name-<16 hex digits>`).

Usage: content-names.py DIR (Trunk's staging directory, after every rewrite of the wasm and JS).
"""

import glob
import hashlib
import os
import re
import sys

# `name-<hash>` as Trunk writes it, or a bare `name` (the modules in later/).
NAMED = re.compile(r"^(?P<stem>.+?)(?:-[0-9a-f]{10,16})?(?P<suffix>_bg\.wasm|\.wasm|\.js)$")


def content_name(path):
    """The file's name with the first 16 hex digits of its SHA-256 as its hash."""
    directory, name = os.path.split(path)
    found = NAMED.match(name)
    if not found:
        sys.exit(f"content-names: {name} is not a wasm or JS file")
    digest = hashlib.sha256(open(path, "rb").read()).hexdigest()[:16]
    return os.path.join(directory, f"{found['stem']}-{digest}{found['suffix']}")


def only(paths, what):
    if len(paths) != 1:
        sys.exit(f"content-names: expected one {what}, found {len(paths)}")
    return paths[0]


def replace_once(path, old, new):
    text = open(path, encoding="utf-8").read()
    # A name inside a longer name (or named twice) would be a file this script does not know.
    count = len(re.findall(rf"(?<![\w.-]){re.escape(old)}(?![\w.-])", text))
    if count != 1:
        sys.exit(f"content-names: {os.path.basename(path)} names {old} {count} times, not once")
    open(path, "w", encoding="utf-8").write(text.replace(old, new))


def main():
    directory = sys.argv[1]
    index = os.path.join(directory, "index.html")
    loader = os.path.join(directory, "__wasm_split.js")
    wasm = only(glob.glob(f"{directory}/huiquan-*_bg.wasm"), "huiquan-*_bg.wasm")
    js = only([path for path in glob.glob(f"{directory}/huiquan-*.js") if not path.endswith("_bg.js")], "huiquan-*.js")
    # Who names each file: index.html starts the main JS and wasm; the split loader imports the
    # main JS and fetches each module in later/ (by its path from the app's root).
    named_by = [(wasm, [index]), (js, [index, loader])]
    named_by += [(module, [loader]) for module in sorted(glob.glob(f"{directory}/later/*.wasm"))]
    for path, namers in named_by:
        renamed = content_name(path)
        if renamed == path:
            continue
        # Named by the path from the app's root (`later/chunk_6-….wasm`, `huiquan-….js`).
        old, new = os.path.relpath(path, directory), os.path.relpath(renamed, directory)
        for namer in namers:
            replace_once(namer, old, new)
        os.rename(path, renamed)
    # No other file of the app may name an old one.
    texts = {
        os.path.basename(path): open(path, encoding="utf-8").read()
        for pattern in ("*.html", "*.js", "*.css", "*.json")
        for path in glob.glob(f"{directory}/{pattern}")
    }
    for path, _ in named_by:
        if os.path.exists(path):
            continue
        old = os.path.basename(path)
        for text_name, text in texts.items():
            if old in text:
                sys.exit(f"content-names: {text_name} still names {old}")


if __name__ == "__main__":
    main()
