"""Reads cargo's JSON messages (`--message-format=json-render-diagnostics`) on stdin and prints,
for each test binary cargo built, its package's directory, a tab and the binary: what
scripts/test.sh runs without cargo, each from its package's directory as cargo would."""
import json
import os
import sys

for line in sys.stdin:
    message = json.loads(line)
    if message.get("reason") == "compiler-artifact" and message.get("executable") and message["profile"]["test"]:
        print(os.path.dirname(message["manifest_path"]) + "\t" + message["executable"])
