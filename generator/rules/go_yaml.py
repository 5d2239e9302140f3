"""How Kubernetes' YAML reader types a plain (unquoted) scalar: as text, or as a boolean, null or number.

Helm, Argo CD and helm-controller read a chart's rendered manifests with sigs.k8s.io/yaml, whose goyaml.v2
resolves plain scalars by YAML 1.1 (goyaml.v2/resolve.go, `resolve`). A chart template that writes a value
without `quote` turns `on` into true and `4090` into a number, which a string field of a CRD then refuses.
This module answers, for the text our values give such a template, whether it stays text. (A date such as
2024-01-02 is resolved as a timestamp, but written back as the same text when converted to JSON.)
tests/test_go_yaml.py checks it against the real reader, kubectl's.
"""

from __future__ import annotations

import functools
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


def map_reading_problem(text: str) -> str | None:
    """Why k8s.io/apimachinery's yaml.Unmarshal would not read `text` into a map (the operator's reading of
    runtimeEnvYAML, UnmarshalRuntimeEnvYAML), or None. Its reader, goyaml.v2 through sigs.k8s.io/yaml, takes the
    first document alone and a tag it does not know as none; the result then goes through JSON, which has no
    null key, no key beyond int64 and no .inf or .nan. PyYAML reads YAML 1.1 as goyaml.v2 does for these
    questions (a mapping or not); its wording of a syntax error is PyYAML's."""
    import yaml  # a run that checks no rule does without it

    loader = _any_tag_loader()(text)
    try:
        read = loader.get_data() if loader.check_data() else None
    except yaml.YAMLError as error:
        return f"it does not read as YAML: {getattr(error, 'problem', None) or error}"
    finally:
        loader.dispose()
    if read is not None and not isinstance(read, dict):
        kinds = {bool: "a boolean", int: "a number", float: "a number", str: "text", list: "a list"}
        return f"it reads as {kinds.get(type(read), 'no mapping')}, not a mapping"
    return _json_problem(read)


def _json_problem(value: object) -> str | None:
    if isinstance(value, dict):
        for key, item in value.items():
            if key is None:
                return "a key is null, which JSON has no form for"
            if isinstance(key, int) and not isinstance(key, bool) and key not in _SIGNED_RANGE:
                return f"the key {key} is beyond int64"
            found = _json_problem(item)
            if found is not None:
                return found
    elif isinstance(value, list):
        return next((found for item in value if (found := _json_problem(item)) is not None), None)
    elif isinstance(value, float) and not math.isfinite(value):
        return f"{value} is a float that JSON cannot hold"
    return None


@functools.cache
def _any_tag_loader() -> type:
    """PyYAML's safe loader that reads an unknown tag's node as if it had none."""
    import yaml

    class AnyTagLoader(yaml.SafeLoader):
        pass

    def untagged(loader: yaml.SafeLoader, _suffix: str, node: yaml.Node) -> object:
        if isinstance(node, yaml.SequenceNode):
            return loader.construct_sequence(node, deep=True)
        if isinstance(node, yaml.MappingNode):
            return loader.construct_mapping(node, deep=True)
        return loader.construct_scalar(node)  # type: ignore[arg-type]

    AnyTagLoader.add_multi_constructor("", untagged)
    return AnyTagLoader


def load_as_json(text: str) -> object:
    """YAML text as sigs.k8s.io/yaml hands it on as JSON (what KubeRay gives Ray of serveConfigV2 and
    runtimeEnvYAML): YAML 1.1 typing, but a timestamp written back as its text. Raises yaml.YAMLError."""
    import yaml

    return yaml.load(text, Loader=_timestamps_as_text_loader())


@functools.cache
def _timestamps_as_text_loader() -> type:
    import yaml

    class TimestampsAsTextLoader(yaml.SafeLoader):
        pass

    def text(loader: yaml.SafeLoader, node: yaml.Node) -> object:
        return loader.construct_scalar(node)  # type: ignore[arg-type]

    TimestampsAsTextLoader.add_constructor("tag:yaml.org,2002:timestamp", text)
    return TimestampsAsTextLoader
