"""Deterministic YAML: one serializer for every generated file, so output depends on data alone.

Kubernetes objects start with apiVersion, kind, metadata, spec; other keys keep the order the template
gave them. Multi-line strings (serveConfigV2, runtimeEnvYAML, scripts) use literal `|` blocks so reviews
read them as text. No anchors, no line folding, no timestamps.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from typing import Any

import yaml

FIRST_KEYS = ("apiVersion", "kind", "metadata", "spec")
# libyaml's C implementations when present: the same output, several times faster.
_Dumper: type[yaml.SafeDumper] = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _OutputDumper(_Dumper):  # type: ignore[valid-type,misc]
    def ignore_aliases(self, data: Any) -> bool:  # noqa: ARG002 - every repeated value is written out in full
        return True


# Plain scalars that some reader of what we write takes for something other than text, though PyYAML's
# own YAML 1.1 resolver would leave them unquoted. A YAML 1.2 reader (kustomize, Argo CD, Flux: Go YAML)
# reads 1e-3, 0o17, .Inf as numbers; a YAML 1.1 reader (gopkg.in/yaml.v2, which kubectl and Helm values
# descend from) reads y, Y, n, N as booleans. Everything else YAML 1.1 resolves (yes, on, 017, 1:20,
# 2001-12-14, =, <<, ...) PyYAML's resolver quotes already; tests/test_properties.py checks the union
# against the YAML 1.1 type patterns.
# Numbers are matched loosely, as Go's YAML readers take them: a sign, base prefixes in either case, and
# underscores anywhere among the digits (kubectl reads 0X1F as 31 and 1e1_0 as 1e10).
_NOT_TEXT_ELSEWHERE = re.compile(
    r"""[-+]?(?=[0-9._]*[0-9])[0-9_]*\.?[0-9_]*([eE][-+]?[0-9_]+)?
    |[-+]?0[xX][0-9a-fA-F_]+|[-+]?0[oO][0-7_]+|[-+]?0[bB][01_]+
    |[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN)
    |true|True|TRUE|false|False|FALSE|null|Null|NULL|~
    |y|Y|n|N""",
    re.VERBOSE,
)


def _represent_text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    if "\n" in value:
        style: str | None = "|"
    elif _NOT_TEXT_ELSEWHERE.fullmatch(value):
        style = "'"
    else:
        style = None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_OutputDumper.add_representer(str, _represent_text)


def dump_yaml(documents: Iterable[Any], header: str = "") -> str:
    """Serialize `documents` as one YAML stream with an optional comment header."""
    return header + "---\n".join(_document(_ordered(document)) for document in documents)


def _pyyaml(value: Any) -> str:
    return yaml.dump(
        value, Dumper=_OutputDumper, sort_keys=False, allow_unicode=True, width=1_000_000, default_flow_style=False
    )


# What PyYAML writes, without PyYAML's representer walking every node (most of a render's time went there).
# A document is written here as PyYAML's emitter lays out block collections (two spaces a level, sequences
# in a mapping not indented, a mapping in a sequence item starting on the dash's line, `{}` and `[]` for empty
# ones), and each scalar as PyYAML writes it in a block mapping, asked once per distinct scalar. What that
# layout does not cover (a key PyYAML writes as a complex `? ` key, a type it has no representer for) makes
# PyYAML write the whole document. tests/test_properties.py compares the two on generated documents.
class _Unsupported(Exception):
    """A value the layout below does not cover: PyYAML writes the document."""


def _document(document: Any) -> str:
    if not isinstance(document, dict) or not document:
        return _pyyaml(document)
    out: list[str] = []
    try:
        _mapping(document, 0, out, inline_first=False)
    except _Unsupported:
        return _pyyaml(document)
    return "".join(out)


def _mapping(mapping: dict[Any, Any], column: int, out: list[str], *, inline_first: bool) -> None:
    indent = " " * column
    first = inline_first
    for key, value in mapping.items():
        # str keys and str, int, bool, None values (nearly all of them) go by their cached text directly
        name = _text_key(key) if type(key) is str else _key(key)
        head = f"{name}:" if first else f"{indent}{name}:"
        first = False
        if isinstance(value, dict):
            if not value:
                out.append(f"{head} {{}}\n")
            elif key == _SHARED_BLOCK_KEY:
                out.append(head + "\n")
                out.append(_shared_block(value, column + 2))
            else:
                out.append(head + "\n")
                _mapping(value, column + 2, out, inline_first=False)
        elif isinstance(value, list):
            if not value:
                out.append(f"{head} []\n")
            else:
                out.append(head + "\n")
                _sequence(value, column, out, inline_first=False)  # a mapping's sequence is not indented
        elif type(value) in _EXACT_SCALARS:
            _written(head + " ", _exact_scalar_text(value), column + 2, out)
        else:
            _scalar(head + " ", value, column + 2, out)


# The pod templates of Ray objects (a group's, a submitter's, a cronjob's job template): most of what a
# repository renders, and alike across the groups of a cluster, the clusters of an environment and the
# environments extending one partial. Each is written once per process and column, by its value: plain data whose
# repr is equal is written alike (a float's repr tells 0.0 from -0.0, True from 1, "1" from 1). Writing them
# took a third of the serializer's time in `make bench`. Rendered documents hold plain data (the loader and the
# template reader make them): a str subclass, whose repr is its text's, would be written as that text here.
_SHARED_BLOCK_KEY = "template"
# at most this many kept, each of at most _LONGEST_SHARED characters of repr (a pod template's is 1-3 KB): some
# tens of MB at worst
_MOST_SHARED_BLOCKS = 1024
_LONGEST_SHARED = 16_384
# (repr, column) -> the text: a memo of a pure function, as the lru_caches here are
_SHARED_BLOCKS: dict[tuple[str, int], str] = {}


def _shared_block(value: dict[Any, Any], column: int) -> str:
    """`_mapping` of `value` at `column`, as text, written once per process."""
    key = (repr(value), column)
    text = _SHARED_BLOCKS.get(key)
    if text is None:
        lines: list[str] = []
        _mapping(value, column, lines, inline_first=False)
        text = "".join(lines)
        if len(key[0]) <= _LONGEST_SHARED:
            if len(_SHARED_BLOCKS) >= _MOST_SHARED_BLOCKS:
                _SHARED_BLOCKS.clear()
            _SHARED_BLOCKS[key] = text
    return text


def _sequence(items: list[Any], column: int, out: list[str], *, inline_first: bool) -> None:
    indent = " " * column
    for index, item in enumerate(items):
        dash = f"{'' if inline_first and index == 0 else indent}-"
        if isinstance(item, dict):
            if not item:
                out.append(f"{dash} {{}}\n")
            else:
                out.append(dash + " ")
                _mapping(item, column + 2, out, inline_first=True)
        elif isinstance(item, list):
            if not item:
                out.append(f"{dash} []\n")
            else:
                out.append(dash + " ")
                _sequence(item, column + 2, out, inline_first=True)
        elif type(item) in _EXACT_SCALARS:
            _written(dash + " ", _exact_scalar_text(item), column + 2, out)
        else:
            _scalar(dash + " ", item, column + 2, out)


# Line breaks to YAML besides \n, which PyYAML writes with the indentation of the column it is at, and text
# long enough to reach the line width (PyYAML folds it where the column makes it cross): left to PyYAML.
_OTHER_BREAKS = re.compile("[\x85\u2028\u2029]")
_LONGEST = 100_000


def _plain_layout(value: Any) -> bool:
    return not isinstance(value, str) or (len(value) < _LONGEST and _OTHER_BREAKS.search(value) is None)


def _scalar(head: str, value: Any, content_column: int, out: list[str]) -> None:
    if not _plain_layout(value):
        raise _Unsupported
    try:
        written = _scalar_text(_cache_key(value), value)
    except TypeError as error:  # unhashable: not a scalar PyYAML writes plainly
        raise _Unsupported from error
    _written(head, written, content_column, out)


def _written(head: str, written: tuple[str, tuple[str, ...]], content_column: int, out: list[str]) -> None:
    first, block = written
    out.append(head + first + "\n")
    if block:
        indent = " " * content_column
        out.extend(f"{indent}{line}\n" if line else "\n" for line in block)


# Types whose equal values are written alike, so that a cache by value (and type) may answer for them; not
# float (0.0 == -0.0) and not subclasses (a str subclass may be written otherwise).
_EXACT_SCALARS = frozenset({str, int, bool, type(None)})


@functools.lru_cache(maxsize=1 << 16, typed=True)  # typed: True == 1, written differently
def _exact_scalar_text(value: str | int | bool | None) -> tuple[str, tuple[str, ...]]:
    if not _plain_layout(value):
        raise _Unsupported
    if type(value) is str and _SURELY_PLAIN.fullmatch(value) and value not in _WORDS:
        return value, ()
    return _scalar_text(_cache_key(value), value)


# Text PyYAML writes plain, as it is, without asking it (a PyYAML dump per distinct scalar, most of them the
# names of an environment's objects, took 2 % of a render): a letter, then letters, digits and `._/-`. Of the
# YAML 1.1 resolvers PyYAML's emitter consults, only bool and null take text that starts with a letter (int,
# float, timestamp, merge and value start with a sign, a digit, a dot, `<` or `=`), and _NOT_TEXT_ELSEWHERE
# nothing else: their words are asked as any other scalar. tests/test_properties.py compares the two.
_SURELY_PLAIN = re.compile(r"[A-Za-z][A-Za-z0-9._/-]*")
_WORDS = frozenset(
    {
        written(word)
        for word in ("yes", "no", "on", "off", "true", "false", "null")
        for written in (str, str.title, str.upper)
    }
    | {"y", "Y", "n", "N"}
)


@functools.lru_cache(maxsize=1 << 16)
def _text_key(key: str) -> str:
    """`_key` of a str key."""
    return _key(key)


def _key(key: Any) -> str:
    if isinstance(key, dict | list) or not _plain_layout(key):
        raise _Unsupported
    try:
        text = _key_text(_cache_key(key), key)
    except TypeError as error:
        raise _Unsupported from error
    if text is None:
        raise _Unsupported
    return text


def written_plain(text: str) -> bool:
    """Whether this serializer writes `text` as a plain scalar (not quoted, not a literal block)."""
    try:
        first, block = _exact_scalar_text(text)
    except _Unsupported:  # long text, or other line breaks: PyYAML writes it quoted or folded
        return False
    return not block and first[:1] not in ("'", '"', "|", ">")


def scalar_text(value: bool | int | float | None) -> str:
    """The text this serializer writes for a scalar that is no text: what a YAML reader that keeps the node's
    text (kyaml) reads of it."""
    first, _block = _scalar_text(_cache_key(value), value)
    return first


def _cache_key(value: Any) -> str:
    """What tells apart values that are equal but written differently: True == 1 == 1.0, 0.0 == -0.0."""
    return f"{type(value).__name__}:{value!r}" if isinstance(value, float) else type(value).__name__


@functools.lru_cache(maxsize=1 << 16)
def _scalar_text(distinct: str, value: Any) -> tuple[str, tuple[str, ...]]:
    """How PyYAML writes `value` as a block mapping's value: the text after `key: `, and for a literal block
    its lines without their indentation."""
    del distinct  # only for the cache
    try:
        written = _pyyaml({"k": value})
    except yaml.YAMLError as error:
        raise _Unsupported from error
    first, _, rest = written.removeprefix("k: ").partition("\n")
    if not rest:
        return first, ()
    if not first.startswith("|"):
        raise _Unsupported
    if first.endswith("+"):  # keeps its final line breaks: the emitter then ends the document with `...`
        raise _Unsupported
    return first, tuple(line[2:] for line in rest.removesuffix("\n").split("\n"))


@functools.lru_cache(maxsize=1 << 16)
def _key_text(distinct: str, key: Any) -> str | None:
    """How PyYAML writes `key` as a simple key, None when it writes a complex (`? `) key."""
    del distinct  # only for the cache
    try:
        written = _pyyaml({key: 0})
    except yaml.YAMLError:
        return None
    if not written.endswith(": 0\n") or "\n" in written[:-1] or written.startswith("? "):
        return None
    return written.removesuffix(": 0\n")


def load_yaml_stream(text: str) -> list[Any]:
    """Parse a YAML stream the way kubectl does (YAML 1.1 scalars)."""
    return list(yaml.load_all(text, Loader=_Loader))


def _ordered(document: Any) -> Any:
    if not isinstance(document, dict) or "kind" not in document:
        return document
    first = {key: document[key] for key in FIRST_KEYS if key in document}
    return {**first, **{key: value for key, value in document.items() if key not in first}}
