#!/usr/bin/env python3
"""PyYAML's typing of a generated corpus of plain scalars, for tests/core/yaml_typing_test.cpp.

Prints one JSON line per scalar: [text, kind, value], kind one of null bool int float timestamp
str invalid (PyYAML's SafeLoader fails on it), value the canonical form the C++ side prints too
("true", "42", "%.17g" of a float, "big" for an int outside int64, "" otherwise). The corpus is
every string of up to 3 tokens from a number-ish alphabet, plus words, timestamps and curated
edge cases; a string is kept only if PyYAML reads it back as the same plain scalar.
"""
import itertools
import json
import sys

import yaml

TOKENS = ["0", "1", "5", "7", "8", "9", "_", ".", ":", "e", "E", "+", "-", "x", "b", "o", "a"]
WORDS = """yes Yes YES yEs no No NO nO true True TRUE tRue false False FALSE on On ON oN off Off OFF
y Y n N null Null NULL nULL ~ .inf .Inf .INF .iNf -.inf +.inf -.Inf +.INF .nan .NaN .NAN .nAn -.nan
+.nan inf nan Infinity NaN << = == <<< hello 0o17 0O17 0o 0x1F 0X1F 0xff_ff 0xg 0b101 0B101 0b102
0b_ 0x_ 0b 0x 1_000 1__0 _1 1_ 1:30 1:30:05 1:60 0:30 190:20:30 1:30.5 -1:30 +1:30 1:3 1:30.5:1
1.5 1. .5 1.e+5 1.0e+5 1.0e5 1e5 1E+5 1e-3 1_0.5 1.5_5 6.8523015e+5 685.230_15e+03 685_230.15
0. 1.0_e+5 12345678901234567890 9223372036854775807 9223372036854775808 -9223372036854775808
-9223372036854775809 0777 0778 -017 +017 00 000 0_0 -0 +0 0.0 -0.0 1_2_3 0b1_0 0x_1 3.14159
2001-12-14 2001-12-14t21:59:43.10-05:00 2001-12-14 21:59:43.10 -5 2001-12-15T02:59:43.1Z
2002-12-14 2001-13-14 2001-02-29 2000-02-29 2001-1-2T3:04:05 2001-12-14T24:00:00Z 2001-2-3
2001-12-14T21:59:43 1:2:3:4 12:34:56.789 1_2:30 1:3_0 1e 1e+ .e5 ._5 .5_ 1.__""".split()
TIMESTAMPS = ["2001-12-14 21:59:43.10 -5", "2001-12-14  21:59:43.10  +05:30", "2001-12-14T21:59:43.1Z",
              "2021-06-30 23:59:59", "2020-02-30"]


def corpus():
    for n in range(1, 4):
        for parts in itertools.product(TOKENS, repeat=n):
            yield "".join(parts)
    for w in WORDS + TIMESTAMPS:
        yield w
    for sign in ["-", "+"]:
        for w in WORDS:
            yield sign + w


def is_plain(text):
    try:
        node = yaml.compose("- " + text + "\n", Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return False
    if node is None or not isinstance(node, yaml.SequenceNode) or len(node.value) != 1:
        return False
    item = node.value[0]
    return isinstance(item, yaml.ScalarNode) and item.style is None and item.value == text


def typing(text):
    try:
        value = yaml.safe_load("- " + text + "\n")[0]
    except Exception:  # noqa: BLE001 - PyYAML fails on the scalar itself (0b_, =, 2001-13-14)
        return "invalid", ""
    if value is None:
        return "null", ""
    if isinstance(value, bool):
        return "bool", "true" if value else "false"
    if isinstance(value, int):
        return "int", str(value) if -2**63 <= value < 2**63 else "big"
    if isinstance(value, float):
        return "float", "%.17g" % value
    if isinstance(value, str):
        return "str", ""
    return "timestamp", ""  # datetime.date / datetime.datetime


def main():
    out = []
    seen = set()
    for text in corpus():
        if text in seen or text == "" or not is_plain(text):
            continue
        seen.add(text)
        kind, value = typing(text)
        out.append(json.dumps([text, kind, value]))
    sys.stdout.write("\n".join(out) + "\n")
    sys.stderr.write("pyyaml %s: %d scalars\n" % (yaml.__version__, len(out)))


if __name__ == "__main__":
    main()
