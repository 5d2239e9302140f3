"""Reading back what the templates write, without PyYAML's constructor walking every node.

The templates write a block skeleton (keys, `- ` items, indentation, literal words such as `ray.io/v1`) and
put every value through `tojson`, so most of a rendered object is JSON on one line. This reader takes the
skeleton line by line, reads each JSON value with the json module, and asks PyYAML for every other scalar
(once per distinct text). It reads exactly what PyYAML's YAML 1.1 reads: a JSON number that YAML 1.1 does
not take for a float (1e-05, NaN) stays text, as PyYAML leaves it. Anything outside that shape (a flow
collection that is not JSON, a comment after a value, a block scalar) makes PyYAML read the whole text.
tests/test_template_yaml.py compares the two on every template's output and on generated values.
"""

from __future__ import annotations

import functools
import json
import re
from typing import Any

import yaml

from generator.memo import remembered_when_short
from generator.output.serialize import load_yaml_stream

# PyYAML's YAML 1.1 float (yaml/resolver.py): a JSON number outside it is text to PyYAML
_YAML11_FLOAT = re.compile(
    r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?
    |\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?
    |[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*
    |[-+]?\.(?:inf|Inf|INF)
    |\.(?:nan|NaN|NAN))$""",
    re.VERBOSE,
)
_KEY = re.compile(r"([A-Za-z0-9_][A-Za-z0-9_./-]*):(?: |$)")


class _Unsupported(Exception):
    """Text outside the shape this reader takes: PyYAML reads it."""


def load_template_output(text: str) -> list[Any]:
    """The documents of a template's output, as `load_yaml_stream` reads them (empty documents left out)."""
    try:
        return [document for document in _documents(text) if document is not None]
    except _Unsupported:
        return [document for document in load_yaml_stream(text) if document is not None]


def _float(literal: str) -> Any:
    return _plain(literal) if _YAML11_FLOAT.match(literal) is None else float(literal.replace("_", ""))


def _constant(literal: str) -> Any:
    return literal  # NaN, Infinity: not numbers to YAML 1.1


_JSON = json.JSONDecoder(parse_float=_float, parse_constant=_constant)


def _documents(text: str) -> list[Any]:
    documents: list[list[tuple[int, str]]] = [[]]
    for line in text.split("\n"):
        if line == "---":
            documents.append([])
            continue
        content = line.lstrip(" ")
        if not content or content.startswith("#"):
            continue
        if "\t" in line[: len(line) - len(content) + 1] or content.startswith(("%", "...", "--- ")):
            raise _Unsupported
        documents[-1].append((len(line) - len(content), content))
    return [_document(lines) for lines in documents]


def _document(lines: list[tuple[int, str]]) -> Any:
    if not lines:
        return None
    value, end = _block(lines, 0, lines[0][0])
    if end != len(lines):
        raise _Unsupported
    return value


def _block(lines: list[tuple[int, str]], start: int, column: int) -> tuple[Any, int]:
    """The mapping or sequence whose lines start at `start`, at `column`."""
    if lines[start][0] != column:
        raise _Unsupported
    if _is_item(lines[start][1]):
        return _sequence(lines, start, column)
    return _mapping(lines, start, column, lines[start][1])


def _is_item(content: str) -> bool:
    return content == "-" or content.startswith("- ")


def _mapping(lines: list[tuple[int, str]], start: int, column: int, first: str) -> tuple[dict[Any, Any], int]:
    """A block mapping at `column`; `first` is the content of its first line (after a `- ` for an item)."""
    mapping: dict[Any, Any] = {}
    index, content = start, first
    while True:
        key, rest = _key_and_rest(content)
        index += 1
        if rest:
            mapping[key] = _scalar(rest)
        elif index < len(lines) and lines[index][0] > column:
            mapping[key], index = _block(lines, index, lines[index][0])
        elif index < len(lines) and lines[index][0] == column and _is_item(lines[index][1]):
            mapping[key], index = _sequence(lines, index, column)  # a sequence in a mapping, not indented
        else:
            mapping[key] = None
        if index >= len(lines) or lines[index][0] != column or _is_item(lines[index][1]):
            if index < len(lines) and lines[index][0] > column:
                raise _Unsupported
            return mapping, index
        content = lines[index][1]


def _sequence(lines: list[tuple[int, str]], start: int, column: int) -> tuple[list[Any], int]:
    items: list[Any] = []
    index = start
    while index < len(lines) and lines[index][0] == column and _is_item(lines[index][1]):
        rest = lines[index][1][2:]
        if not rest:
            index += 1
            if index < len(lines) and lines[index][0] > column:
                item, index = _block(lines, index, lines[index][0])
            else:
                item = None
        elif _KEY.match(rest) or (rest.startswith('"') and _is_json_key(rest)):
            # a mapping starting on the dash's line: its keys stand two columns right of the dash
            lines[index] = (column + 2, rest)
            item, index = _mapping(lines, index, column + 2, rest)
        elif _is_item(rest):
            raise _Unsupported
        else:
            item = _scalar(rest)
            index += 1
        items.append(item)
    if index < len(lines) and lines[index][0] > column:
        raise _Unsupported
    return items, index


def _is_json_key(content: str) -> bool:
    try:
        _, end = _JSON.raw_decode(content)
    except ValueError:
        return False
    return content[end : end + 2] == ": " or content[end:] == ":"


# the templates write the same short lines in every object (a long one is most often a one-line JSON value)
_REMEMBERED_LINE = 200


@remembered_when_short(_REMEMBERED_LINE)
def _key_and_rest(content: str) -> tuple[Any, str]:
    match = _KEY.match(content)
    if match is not None:
        key: Any = _plain(match.group(1))
        rest = content[match.end() :]
    elif content.startswith('"'):
        try:
            key, end = _JSON.raw_decode(content)
        except ValueError as error:
            raise _Unsupported from error
        if content[end : end + 2] == ": ":
            rest = content[end + 2 :]
        elif content[end:] == ":":
            rest = ""
        else:
            raise _Unsupported
    else:
        raise _Unsupported
    if isinstance(key, dict | list):
        raise _Unsupported
    return key, rest


def _scalar(text: str) -> Any:
    if text[0] == "[" or text[0] == "{":  # a collection: a new one each time, which a render may change
        return _json(text)
    return _json_or_plain(text)


@remembered_when_short(_REMEMBERED_LINE)  # most values repeat: names, images, quantities, numbers
def _json_or_plain(text: str) -> Any:
    """A scalar: immutable, so that one read may stand for every other."""
    return _json(text) if text[0] == '"' else _plain(text)


def _json(text: str) -> Any:
    if "\\ud" in text.lower():  # a surrogate escape: json takes it, PyYAML refuses a lone one
        raise _Unsupported
    try:
        value, end = _JSON.raw_decode(text)
    except ValueError as error:
        raise _Unsupported from error
    if end != len(text):
        raise _Unsupported
    return value


@functools.lru_cache(maxsize=1 << 14)
def _plain(text: str) -> Any:
    """A scalar the template writes literally (ray.io/v1, true, 8265), as PyYAML reads it after a key."""
    if text.endswith(" ") or " #" in text or (text[0] in "&*!|>%@`?:-," and text != "-" and not text[1:2].isdigit()):
        raise _Unsupported
    try:
        document = yaml.load(f"k: {text}\n", Loader=yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader)
    except yaml.YAMLError as error:
        raise _Unsupported from error
    if not isinstance(document, dict) or list(document) != ["k"] or isinstance(document["k"], dict | list):
        raise _Unsupported
    return document["k"]
