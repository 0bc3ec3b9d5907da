#!/usr/bin/env python3
"""Writes the app's icon into index.html as a data: address, in place of its link to icon.svg.

A first visit then fetches one file fewer, on the slow networks residents claim on, and the
icon's 223 bytes cost 112 bytes brotli inside the page against 156 as a file of its own. icon.svg
stays in dist/ for the service's figures page (crates/server/src/figures_page.rs), which links it.

Usage: inline-icon.py DIR (Trunk's staging directory, with index.html and icon.svg).
"""

import os
import re
import sys

# The icon's <link>, as written in index.html or after Trunk's minifier (attributes unquoted).
ICON_LINK = re.compile(r"<link\b[^>]*\bhref=\"?icon\.svg\"?[^>]*>")


def data_address(svg):
    """The SVG as a data: address inside a double-quoted attribute: its quotes made single, and
    `#` (which would start the address's fragment) escaped; the rest is valid in a URL as it is."""
    if "'" in svg:
        sys.exit("inline-icon: icon.svg has a single quote, which this script does not escape")
    return "data:image/svg+xml," + svg.strip().replace('"', "'").replace("#", "%23")


def main():
    directory = sys.argv[1]
    index = os.path.join(directory, "index.html")
    page = open(index, encoding="utf-8").read()
    links = ICON_LINK.findall(page)
    if len(links) != 1:
        sys.exit(f"inline-icon: index.html links icon.svg {len(links)} times, not once")
    svg = open(os.path.join(directory, "icon.svg"), encoding="utf-8").read()
    page = page.replace(links[0], f'<link rel=icon href="{data_address(svg)}">')
    open(index, "w", encoding="utf-8").write(page)


if __name__ == "__main__":
    main()
