#!/usr/bin/env python3
"""Puts each wasm module's functions in the order of their code, so that brotli finds like next
to like.

The linker lays functions out in the order it met them; monomorphised copies of one generic
function (a signal's `get` per type, a view's `build` per element) end up far apart. Ordered by
their bodies' bytes, they sit together, and brotli, which models what it has just seen, writes
the main module 3.4 KB smaller (docs/ARCHITECTURE.md, Size). Only the order changes: binaryen's
`--reorder-functions-by-name` renumbers every call and table entry, keyed here by a name section
that holds each body's size and first bytes, and the names are stripped again, with the
producers section (the tools' versions, which no browser reads).

Usage: order-functions.py WASM... (rewritten in place; wasm-opt on PATH).
"""

import os
import subprocess
import sys
import tempfile

from wasm_binary import CODE_SECTION, CUSTOM_SECTION, FUNCTION_IMPORT, IMPORT_SECTION, read_name, read_uleb, sections, uleb

# The key: the body's size in steps of SIZE_STEP bytes, then its first KEY_BYTES bytes. Measured on
# the main module (2026-12-04): by the first 48 bytes alone 162,532 bytes of brotli, the whole
# body 162,379, size steps of 256 first 162,165, of 128 162,170, of 512 162,205.
SIZE_STEP = 256
KEY_BYTES = 48


def with_body_names(wasm):
    """The module with a name section naming each defined function by its body's size and bytes."""
    imported, bodies = 0, []
    for section, content in sections(wasm, "order-functions"):
        if section == IMPORT_SECTION:
            count, cursor = read_uleb(content, 0)
            for _ in range(count):
                _module, cursor = read_name(content, cursor)
                _name, cursor = read_name(content, cursor)
                if content[cursor] != FUNCTION_IMPORT:
                    # Tables, memories and globals do not take function indices; skip them.
                    cursor = skip_import(content, cursor)
                    continue
                imported += 1
                _, cursor = read_uleb(content, cursor + 1)
        elif section == CODE_SECTION:
            count, cursor = read_uleb(content, 0)
            for _ in range(count):
                length, cursor = read_uleb(content, cursor)
                bodies.append(content[cursor : cursor + length])
                cursor += length
    names = bytearray(uleb(len(bodies)))
    for index, body in enumerate(bodies):
        # The index keeps equal keys apart (names must differ) and in their old order.
        name = f"{len(body) // SIZE_STEP:05d}.{body[:KEY_BYTES].hex()}.{index:06d}".encode()
        names += uleb(imported + index) + uleb(len(name)) + name
    function_names = bytes([1]) + uleb(len(names)) + names
    section = uleb(4) + b"name" + function_names
    return wasm + bytes([CUSTOM_SECTION]) + uleb(len(section)) + section


def skip_import(content, cursor):
    """Where the import whose kind is at `cursor` ends."""
    kind = content[cursor]
    cursor += 1
    if kind == 1:  # table: element type, limits
        cursor += 1
        flags, cursor = read_uleb(content, cursor)
        _, cursor = read_uleb(content, cursor)
        if flags & 1:
            _, cursor = read_uleb(content, cursor)
    elif kind == 2:  # memory: limits
        flags, cursor = read_uleb(content, cursor)
        _, cursor = read_uleb(content, cursor)
        if flags & 1:
            _, cursor = read_uleb(content, cursor)
    elif kind == 3:  # global: type, mutability
        cursor += 2
    else:
        sys.exit(f"order-functions: an import of kind {kind}, which this script does not know")
    return cursor


def main():
    for path in sys.argv[1:]:
        named = with_body_names(open(path, "rb").read())
        with tempfile.TemporaryDirectory() as scratch:
            keyed = os.path.join(scratch, "keyed.wasm")
            open(keyed, "wb").write(named)
            subprocess.run(["wasm-opt", keyed, "--reorder-functions-by-name", "--strip-debug", "--strip-producers", "--output", path], check=True)


if __name__ == "__main__":
    main()
