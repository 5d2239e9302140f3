"""How Kubernetes' YAML reader types a plain (unquoted) scalar: as text, or as a boolean, null or number.

Helm, Argo CD and helm-controller read a chart's rendered manifests with sigs.k8s.io/yaml, whose goyaml.v2
resolves plain scalars by YAML 1.1 (goyaml.v2/resolve.go, `resolve`). A chart template that writes a value
without `quote` turns `on` into true and `4090` into a number, which a string field of a CRD then refuses.
This module answers, for the text our values give such a template, whether it stays text. (A date such as
2024-01-02 is resolved as a timestamp, but written back as the same text when converted to JSON.)
tests/test_go_yaml.py checks it against the real reader, kubectl's.
"""

from __future__ import annotations

import math
import re

# resolveMapList: the words read as booleans, null and floats, in exactly these spellings
_BOOLEANS = frozenset([
    "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON",
    "n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF",
])  # fmt: skip
_NULLS = frozenset(["", "~", "null", "Null", "NULL"])
_FLOATS = frozenset([
    ".nan", ".NaN", ".NAN", ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF",
])  # fmt: skip
# strconv.ParseInt / ParseUint with base 0 (underscores removed first): decimal, 0x, 0o, 0b and 0-octal. A prefixed
# one beyond int64 and uint64 stays text; a decimal one is then read as a float (yamlStyleFloat matches it).
_PREFIXED_INTEGER = re.compile(r"[+-]?0([xX][0-9a-fA-F]+|[oO][0-7]+|[bB][01]+)")
_DECIMAL = re.compile(r"[+-]?[0-9]+")
_INTEGER_RANGE = range(-(1 << 63), 1 << 64)
_SIGNED_RANGE = range(-(1 << 63), 1 << 63)
# yamlStyleFloat, then strconv.ParseFloat, which fails beyond float64's range
_YAML_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
# What a plain scalar may not hold to be read as written, as a mapping's value: a leading indicator (a '-', '?' or
# ':' only before a space or at the end), a comment (' #'), a mapping (': ', a ':' at the end), whitespace at
# either end (dropped), a line break or another control character
_NOT_AS_WRITTEN = re.compile(r"""^[,\[\]{}#&*!|>'"%@`]|^[-?:]( |$)|[ \t]#|: |:$|^[ \t]|[ \t]$|[\x00-\x1f\x7f]""")


def plain_scalar_type(value: str) -> str:
    """What sigs.k8s.io/yaml reads `value`, written as a plain scalar, as: text, a boolean, null, a number, or
    another value (YAML syntax in it makes a comment, a mapping or other text of it)."""
    if value in _BOOLEANS:
        return "a boolean"
    if value in _NULLS:
        return "null"
    if value in _FLOATS:
        return "a number"
    if _NOT_AS_WRITTEN.search(value):
        return "another value"
    if value[0] == ".":  # strconv.ParseFloat alone, which takes '_' between digits as Python's float does
        return "a number" if value.isascii() and _finite_float(value) else "text"
    if value[0] not in "0123456789+-":  # only these reach the numbers (ASCII digits: Go's resolveTable)
        return "text"
    plain = value.replace("_", "")
    if not plain.isascii():
        return "text"
    prefixed = _PREFIXED_INTEGER.fullmatch(plain) is not None
    # ParseInt takes an int64, with a sign or without; ParseUint an uint64 without a sign
    within = _SIGNED_RANGE if plain[0] in "+-" else _INTEGER_RANGE
    if (prefixed or _DECIMAL.fullmatch(plain)) and int(plain, 0 if prefixed else 10) in within:
        return "a number"
    if _YAML_FLOAT.fullmatch(plain) and _finite_float(plain):  # a decimal beyond both, too
        return "a number"
    return "text"


def _finite_float(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False
