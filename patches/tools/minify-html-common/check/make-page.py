"""Writes a page of every HTML entity minify-html knows (entities.json), each whole and each
prefix of one followed by `~` (past the last child of every node of the trie), and the edge cases
of numeric references, for check.sh."""
import json
import sys

with open(sys.argv[1], encoding="utf-8") as file:
    names = sorted(json.load(file))
prefixes = sorted({name[:end] for name in names for end in range(1, len(name) + 1)})
words = names + [prefix + "~" for prefix in prefixes]
words += ["&amp;ere", "&ampere", "&#x1F;", "&#X41;", "&#9;", "&#65", "&#x;", "&#;", "&zz", "a&b"]
attribute = "&lt;&amp;&quot;&notin;&#x41;&amp~"
print(f'<!DOCTYPE html><html><head><title>entities</title></head><body><p title="{attribute}">')
print(" ".join(words))
print("</p></body></html>")
