"""Reading and writing the wasm binary format, for the build's post-build steps
(short-imports.py, order-functions.py): LEB128 numbers, names and sections."""

import sys

IMPORT_SECTION, CODE_SECTION, CUSTOM_SECTION = 2, 10, 0
FUNCTION_IMPORT = 0


def read_uleb(data, at):
    """The unsigned LEB128 number at `at`, and where the next field starts."""
    value = shift = 0
    while True:
        byte = data[at]
        at += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return value, at


def uleb(value):
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def read_name(data, at):
    length, at = read_uleb(data, at)
    return data[at : at + length], at + length


def sections(wasm, who):
    """Each section of the module as (id, body), in order; exits naming `who` if it is no module."""
    if wasm[:8] != b"\0asm\1\0\0\0":
        sys.exit(f"{who}: not a wasm module")
    at = 8
    while at < len(wasm):
        size, body_at = read_uleb(wasm, at + 1)
        yield wasm[at], wasm[body_at : body_at + size]
        at = body_at + size
