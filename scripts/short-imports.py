#!/usr/bin/env python3
"""Gives the main wasm module's JavaScript imports short names, in the wasm and in its JS glue.

wasm-bindgen names each import after the function and a 16-digit hash (`__wbg_body_5f971cbc…`),
and both files carry every name: about 200 names of hex that brotli cannot shrink, 4.7 KB of
every first visit (docs/ARCHITECTURE.md, Size). Emscripten and binaryen minify these names the
same way; binaryen's pass only renames the imports of `env`, so this does it for wasm-bindgen's
module. Only the names change: the wasm's import section is rewritten entry by entry, and each
name must be a key of exactly one member in the JS, or nothing is written.

Usage: short-imports.py DIR (Trunk's staging directory: one huiquan-*_bg.wasm, one huiquan-*.js).
"""

import glob
import re
import sys

from wasm_binary import FUNCTION_IMPORT, IMPORT_SECTION, read_name, read_uleb, sections, uleb

# The import module wasm-bindgen's glue provides; the split loader's imports keep their names.
GLUE_MODULE = b"./huiquan_bg.js"
LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def short_name(index):
    """a, b, …, Z, aa, ab, …: valid JS keys that never start with `__wbg_`."""
    name = ""
    while True:
        name = LETTERS[index % len(LETTERS)] + name
        index //= len(LETTERS)
        if index == 0:
            return name
        index -= 1


def rename_imports(wasm):
    """The wasm with the glue module's function imports renamed, and the names {old: new}."""
    out, names = bytearray(wasm[:8]), {}
    for section, body in sections(wasm, "short-imports"):
        if section == IMPORT_SECTION:
            count, cursor = read_uleb(body, 0)
            new_body = bytearray(uleb(count))
            for _ in range(count):
                module, cursor = read_name(body, cursor)
                name, cursor = read_name(body, cursor)
                kind_at = cursor
                if body[cursor] != FUNCTION_IMPORT:
                    sys.exit("short-imports: an import other than a function; this script knows only functions")
                _, cursor = read_uleb(body, cursor + 1)
                if module == GLUE_MODULE:
                    # wasm-bindgen's names (`__wbg_…`, `__wbindgen_…`), replaced in the JS below.
                    if not name.startswith(b"__"):
                        sys.exit(f"short-imports: an import of the glue not named by wasm-bindgen: {name!r}")
                    new = short_name(len(names))
                    names[name.decode()] = new
                    name = new.encode()
                new_body += uleb(len(module)) + module + uleb(len(name)) + name + body[kind_at:cursor]
            body = bytes(new_body)
        out += bytes([section]) + uleb(len(body)) + body
    return bytes(out), names


def only(paths, what):
    if len(paths) != 1:
        sys.exit(f"short-imports: expected one {what}, found {len(paths)}")
    return paths[0]


def main():
    directory = sys.argv[1]
    wasm_path = only(glob.glob(f"{directory}/huiquan-*_bg.wasm"), "huiquan-*_bg.wasm")
    js_path = only([path for path in glob.glob(f"{directory}/huiquan-*.js") if not path.endswith("_bg.js")], "huiquan-*.js")
    wasm, names = rename_imports(open(wasm_path, "rb").read())
    js = open(js_path, encoding="utf-8").read()
    if not names:
        sys.exit("short-imports: the wasm imports nothing from wasm-bindgen's glue")
    # Each import is one member of the object `__wbg_get_imports` returns: `name:function(…)`.
    for old in names:
        found = len(re.findall(rf"(?<![\w$]){re.escape(old)}(?![\w$])", js))
        if found != 1:
            sys.exit(f"short-imports: {old} is named {found} times in {js_path}, not once")
    js = re.sub(r"(?<![\w$])__\w+", lambda match: names.get(match[0], match[0]), js)
    open(wasm_path, "wb").write(wasm)
    open(js_path, "w", encoding="utf-8").write(js)


if __name__ == "__main__":
    main()
