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
# strconv.ParseInt / ParseUint with base 0 (underscores removed first): decimal, 0x, 0o, 0b and 0-octal
_GO_INTEGER = re.compile(r"[+-]?(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|[0-9]+)")
# yamlStyleFloat, then strconv.ParseFloat, which fails beyond float64's range
_YAML_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")


def plain_scalar_type(value: str) -> str:
    """What sigs.k8s.io/yaml reads `value`, written as a plain scalar, as: text, a boolean, null or a number."""
    if value in _BOOLEANS:
        return "a boolean"
    if value in _NULLS:
        return "null"
    if value in _FLOATS:
        return "a number"
    if value[0] == ".":  # strconv.ParseFloat alone, which takes '_' between digits as Python's float does
        return "a number" if _finite_float(value) else "text"
    if not (value[0].isdigit() or value[0] in "+-"):  # only these reach the numbers
        return "text"
    plain = value.replace("_", "")
    if _GO_INTEGER.fullmatch(plain) or (_YAML_FLOAT.fullmatch(plain) and _finite_float(plain)):
        return "a number"
    return "text"


def _finite_float(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False
