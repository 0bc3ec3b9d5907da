#!/usr/bin/env python3
"""Writes public/hant.json: how the app's Simplified Chinese becomes Traditional (zh-Hant).

Every Han character in the texts residents can see (the app's catalogue, core's shared texts,
the campaign and merchant files) is converted by OpenCC (`s2tw`: phrase-aware, with the standard forms of Taiwan and Hong Kong print, 為 not 爲), and the result is
kept as the smallest rules that give the same text: one Traditional character per Simplified one
(the most frequent in context), then the phrases where context decides otherwise (公里 keeps its
里). The characters that stay the same are listed too, so that the test that guards the file
(`cargo test -p huiquan-server --test hant`) fails when a new sentence brings a character this
file has not decided on: run this script again (it needs OpenCC from PyPI:
`pip install --target /tmp/opencc OpenCC && PYTHONPATH=/tmp/opencc scripts/hant.py`).
"""

import collections
import glob
import json
import os
import re

import opencc

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
SOURCES = ["src/i18n/zh_hans.rs", "src/routes/family.rs", "src/routes/wallet_words.rs", "src/scanner.rs", "crates/core/src/text.rs", "data/campaigns/*.json", "data/merchants/*.json"]
HAN = re.compile(r"[\u3400-\u9fff]+")


def texts():
    for pattern in SOURCES:
        for path in sorted(glob.glob(os.path.join(ROOT, pattern))):
            with open(path, encoding="utf-8") as file:
                yield from HAN.findall(file.read())


def convert(text, chars, phrases):
    """The app's own rule (index.html): longest phrase first, else character by character."""
    out, i = [], 0
    longest = max((len(p) for p in phrases), default=0)
    while i < len(text):
        for length in range(min(longest, len(text) - i), 1, -1):
            if text[i : i + length] in phrases:
                out.append(phrases[text[i : i + length]])
                i += length
                break
        else:
            out.append(chars.get(text[i], text[i]))
            i += 1
    return "".join(out)


def main():
    s2t = opencc.OpenCC("s2tw")
    runs = sorted(set(texts()))
    seen = collections.defaultdict(collections.Counter)
    for run in runs:
        converted = s2t.convert(run)
        if len(converted) != len(run):
            continue
        for simplified, traditional in zip(run, converted):
            seen[simplified][traditional] += 1
    chars = {c: counts.most_common(1)[0][0] for c, counts in seen.items() if counts.most_common(1)[0][0] != c}
    same = "".join(sorted(c for c in seen if c not in chars))
    phrases = {}
    for run in runs:
        want = s2t.convert(run)
        if convert(run, chars, phrases) == want:
            continue
        # The shortest windows around each difference that OpenCC converts as it does in place.
        for i, (got, wanted) in enumerate(zip(convert(run, chars, phrases), want)):
            if got != wanted:
                for length in range(2, 5):
                    start = max(0, i - length + 1)
                    window = run[start : start + length]
                    if s2t.convert(window) == want[start : start + length]:
                        phrases[window] = want[start : start + length]
                        break
        assert convert(run, chars, phrases) == want, (run, convert(run, chars, phrases), want)
    # The page converts text it has converted before (its own writes come back to it): what it
    # wrote must come out the same again (頁面 must not become 頁麵).
    for phrase, written in list(phrases.items()):
        if convert(written, chars, phrases) != written:
            phrases[written] = written
    for run in runs:
        once = convert(run, chars, phrases)
        assert convert(once, chars, phrases) == once, (run, once, convert(once, chars, phrases))
    table = {"chars": dict(sorted(chars.items())), "phrases": dict(sorted(phrases.items())), "same": same}
    with open(os.path.join(ROOT, "public/hant.json"), "w", encoding="utf-8") as file:
        json.dump(table, file, ensure_ascii=False, separators=(",", ":"))
        file.write("\n")
    print(f"public/hant.json: {len(chars)} characters, {len(phrases)} phrases, {len(same)} unchanged")


if __name__ == "__main__":
    main()
