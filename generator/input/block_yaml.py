"""A faster reading of the block YAML most environment files are, which gives what load.py's parse gives.

Composing a file's nodes (libyaml's events through ruamel.yaml's pure-Python composer) and walking them took
about 2.5 of the 13 ms an environment costs (docs/benchmarks.md). Most files are block mappings and sequences
of one-line plain or quoted scalars, with comments: this module reads such a file line by line into the same
data and Origin tree, positions included, and types each plain scalar by the same YAML 1.2 resolver.

It also takes one-line flow collections of such scalars and literal block scalars (`|`, `|-`), and reads
nothing it is not sure of. Anything else makes it give up (None), and load.py composes the file: flow
collections over several lines or with a `:` or `?` in a plain scalar, folded and kept block scalars,
anchors, aliases, tags, escapes, scalars over several lines, keys longer than YAML's 1,024 characters, tabs,
carriage returns, a byte order mark, characters YAML does not allow or reads otherwise (NEL, LS, PS),
directives and document markers (but a leading `---`), text near the size limits, and every value load.py
would report a problem for. So each problem is found and worded in one place. tests/test_block_yaml.py
compares both readings on every YAML file of the repository and on generated documents.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator.errors import DocPath, Location
from generator.source import Origin

# one line of a file: its number (from 1), its indentation, and what follows the indentation
_Line = tuple[int, int, str]

STR_TAG = "tag:yaml.org,2002:str"
# the tags whose plain scalars are constructed as text: `=` and `<<` are text in YAML 1.2's core schema (the
# 1.1 value and merge types are gone), but no key
TEXT_TAGS = (STR_TAG, "tag:yaml.org,2002:value", "tag:yaml.org,2002:merge")
# a key as written in environment files (field names, label keys, rayStartParams), or quoted without escapes,
# then its `:` and the spaces after it
_KEY = re.compile(r"""(?:([A-Za-z0-9_][A-Za-z0-9_./-]*)|'((?:[^']|'')*)'|"([^"\\]*)"):(?: +|$)""")
# characters outside YAML's printable set, and the line breaks YAML 1.1 has that 1.2 does not
_UNREADABLE = re.compile("[^\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]")
_PLAIN_START = frozenset("[]{}&*!|>%@`,#?:'\"")
# a scalar in a flow collection: quoted without escapes, or plain without a flow indicator, `:` or `?` (where
# libyaml ends a plain scalar in a flow collection, or refuses it) or `#` (to be sure of comments)
_FLOW_SCALAR = re.compile(
    r"""'(?:[^']|'')*'|"[^"\\]*"|[^-,\[\]{}:#?'"&*!|>%@` ][^,\[\]{}:#?]*|-[^ ,\[\]{}:#?][^,\[\]{}:#?]*"""
)
# the header of a literal block scalar this reader takes: clipped or stripped, maybe a comment after it
_LITERAL_HEADER = re.compile(r"\|(-?)(?: +#.*| *)")
# YAML's limit on an implicit key (libyaml's and ruamel's): 1,024 characters, quotes included, to its `:`;
# a margin below it
_LONGEST_KEY = 1000
# a line that starts with a directive or a document marker
_MARKER = re.compile(r"^ *(?:%|---|\.\.\.)", re.MULTILINE)


@dataclass(frozen=True)
class Limits:
    """How many values and how deep a nesting this reader takes: beyond them, the composer's limits decide."""

    most_values: int
    deepest: int  # collections around a value


# a Location made without its named tuple's __new__, a Python function: in a third of the time, and the reader
# makes one or two for every value of every file
_new = tuple.__new__


class _Unsure(Exception):
    """Text this reader does not take: load.py composes it."""


def read_block_yaml(
    file: Path, text: str, tag_of: Any, typed: Any, problems: list[Any], limits: Limits
) -> tuple[dict[str, Any], Origin] | None:
    """The data and origins of `text`, or None when load.py must read it. `tag_of` gives a plain scalar's
    YAML 1.2 tag; `typed(tag, text, path, at)` constructs a scalar of a tag other than text's, adding to
    `problems` what it refuses (any problem makes this reader give up)."""
    if _UNREADABLE.search(text):  # tabs, carriage returns and byte order marks too
        return None
    lines: list[_Line] = []
    raw = text.split("\n")
    for number, line in enumerate(raw, start=1):
        content = line.lstrip(" ")
        if content and not content.startswith("#"):
            lines.append((number, len(line) - len(content), content))
    leading = bool(lines) and lines[0][1:] == (0, "---")
    if leading:
        del lines[0]  # a document start before the only document
    if not lines or len(_MARKER.findall(text)) > leading:
        return None
    reader = _Reader(file, raw, lines, tag_of, typed, problems, limits)
    try:
        if _is_item(lines[0][2]):
            return None  # load.py words that the document must be a mapping
        data, origin, end = reader.mapping(0, (), Location(file, 1, 1))
    except _Unsure:
        return None
    if end != len(lines) or problems:
        return None
    return data, origin


def _is_item(content: str) -> bool:
    return content == "-" or content.startswith("- ")


class _Reader:
    def __init__(
        self,
        file: Path,
        raw: list[str],
        lines: list[_Line],
        tag_of: Any,
        typed: Any,
        problems: list[Any],
        limits: Limits,
    ) -> None:
        self.file = file
        self.raw = raw  # the file's lines, for block scalars, which may hold comments and blank lines
        self.lines = lines
        self.tag_of = tag_of
        self.typed = typed
        self.problems = problems
        self.values_left = limits.most_values
        self.deepest = limits.deepest
        self.plain: dict[str, Any] = {}  # plain scalar text -> its value: a file repeats most of its values

    def _indent(self, index: int) -> int:
        """The indentation of line `index`, or -1 past the last line."""
        return self.lines[index][1] if index < len(self.lines) else -1

    def block(self, index: int, path: DocPath, key: Location) -> tuple[Any, Origin, int]:
        """The mapping or sequence whose first line is `index`."""
        if _is_item(self.lines[index][2]):
            return self.sequence(index, path, key)
        return self.mapping(index, path, key)

    def mapping(self, index: int, path: DocPath, key: Location) -> tuple[dict[str, Any], Origin, int]:
        lines, file, count = self.lines, self.file, len(self.lines)
        number, column, _ = lines[index]
        data: dict[str, Any] = {}
        children: dict[str | int, Origin] = {}
        start = _new(Location, (file, number, column + 1))
        while True:
            number, _, content = lines[index]
            match = _KEY.match(content)
            if match is None:
                raise _Unsure
            plain, single, double = match.groups()
            self._check_key(match.end(), plain)
            quoted = double if single is None else single.replace("''", "'")
            name = plain if plain is not None else quoted
            if name in data:
                raise _Unsure  # load.py reports the duplicate
            self._count(path)
            key_at = _new(Location, (file, number, column + 1))
            rest = content[match.end() :]
            index += 1
            following = lines[index][1] if index < count else -1  # the next line's indentation
            if rest and rest[0] != "#":
                value_column = column + match.end()
                data[name], children[name], index = self.value(rest, (*path, name), index, value_column, key_at, column)
                following = lines[index][1] if index < count else -1
                if following > column:
                    raise _Unsure  # a scalar continued on the next line, or an error
            elif following > column or (following == column and _is_item(lines[index][2])):
                data[name], children[name], index = self.block(index, (*path, name), key_at)
                following = lines[index][1] if index < count else -1
            else:  # an empty value: null, placed just after the `:`
                colon = len(match.group(0).rstrip(" ")) - 1
                data[name], children[name] = None, Origin(key_at, Location(file, number, column + colon + 2))
            if following != column or _is_item(lines[index][2]):
                if following > column:
                    raise _Unsure
                return data, Origin(key, start, children), index

    def sequence(self, index: int, path: DocPath, key: Location) -> tuple[list[Any], Origin, int]:
        number, column, _ = self.lines[index]
        data: list[Any] = []
        children: dict[str | int, Origin] = {}
        start = _new(Location, (self.file, number, column + 1))
        while self._indent(index) == column and _is_item(self.lines[index][2]):
            number, _, content = self.lines[index]
            rest = content[1:].lstrip(" ")
            offset = len(content) - len(rest)  # where the item's value starts, after the dash and its spaces
            item_path = (*path, len(data))
            self._count(path)
            if not rest or rest.startswith("#"):
                index += 1
                if self._indent(index) > column:
                    first, nested_column, _ = self.lines[index]
                    value, origin, index = self.block(index, item_path, Location(self.file, first, nested_column + 1))
                else:  # an empty item: null, placed just after the dash
                    at = Location(self.file, number, column + 2)
                    value, origin = None, Origin(at, at)
            elif _KEY.match(rest):  # a mapping that starts on the dash's line
                self.lines[index] = (number, column + offset, rest)
                at = _new(Location, (self.file, number, column + offset + 1))
                value, origin, index = self.mapping(index, item_path, at)
            elif _is_item(rest):
                raise _Unsure  # a sequence in a sequence on one line
            else:
                at = _new(Location, (self.file, number, column + offset + 1))
                value, origin, index = self.value(rest, item_path, index + 1, column + offset, at, column)
                if self._indent(index) > column:
                    raise _Unsure
            data.append(value)
            children[len(children)] = origin
        if self._indent(index) > column:
            raise _Unsure
        return data, Origin(key, start, children), index

    def _check_key(self, length: int, plain: str | None) -> None:
        """Give up on a key that the composer refuses or load.py reports: one longer than YAML's limit on
        implicit keys (`length`: as written, quotes included, maybe its `:` and spaces too), or a plain one
        (None: a quoted one) that is no text."""
        if length >= _LONGEST_KEY or (plain is not None and self.tag_of(plain) != STR_TAG):
            raise _Unsure

    def _count(self, path: DocPath) -> None:
        """One more value, at `path` (or beside it): beyond the limits, the composer decides."""
        self.values_left -= 1
        if self.values_left < 0 or len(path) >= self.deepest:
            raise _Unsure

    def value(
        self, text: str, path: DocPath, index: int, column: int, key: Location, parent: int
    ) -> tuple[Any, Origin, int]:
        """The value written on a line after its key or dash, at 0-based `column`, whose key is at `key`, in a
        mapping or sequence at 0-based column `parent`; and the index of the line after it (`index` is that
        of the line after the key's)."""
        number = key.line
        if text[0] == "|":
            return self.literal(text, index, column, key, parent)
        if text[0] in "[{":
            value, origin, end = self.flow(text, 0, path, number, column, key)
            _only_comment_after(text[end:])
            return value, origin, index
        value, at = self.scalar(text, path, number, column)
        return value, Origin(key, at), index

    def literal(self, header: str, index: int, column: int, key: Location, parent: int) -> tuple[str, Origin, int]:
        """A literal block scalar (`|` or `|-`) whose header is at 0-based `column` on the key's line; and the
        index of the first line after it. Its lines are those of the text, comments and blank lines too."""
        chomping = _LITERAL_HEADER.fullmatch(header)
        if chomping is None:
            raise _Unsure  # folded, kept, an explicit indentation, or text after the header
        raw = self.raw
        first = key.line  # the 0-based index of the line after the header
        start = first
        while start < len(raw) and not raw[start].strip(" "):
            start += 1
        indent = len(raw[start]) - len(raw[start].lstrip(" ")) if start < len(raw) else 0
        if start == len(raw) or indent <= parent or any(len(raw[line]) > indent for line in range(first, start)):
            raise _Unsure  # empty, or leading blank lines longer than its indentation
        body: list[str] = ["" for _ in range(first, start)]
        end = start
        while end < len(raw):
            line = raw[end]
            stripped = line.lstrip(" ")
            if not stripped:
                if len(line) > indent:
                    raise _Unsure  # a line of spaces beyond the indentation: its spaces are text
                body.append("")
            elif len(line) - len(stripped) < indent:
                break
            else:
                body.append(line[indent:])
            end += 1
        if end == len(raw) and raw[-1]:
            raise _Unsure  # the file ends in the scalar without a line break
        while body and not body[-1]:
            body.pop()
        text = "\n".join(body) + ("" if chomping.group(1) else "\n")
        while index < len(self.lines) and self.lines[index][0] <= end:
            index += 1  # the scalar's lines, which were taken for lines of the mapping
        return text, Origin(key, Location(self.file, key.line, column + 1)), index

    def flow(
        self, text: str, position: int, path: DocPath, number: int, column: int, key: Location
    ) -> tuple[Any, Origin, int]:
        """A flow sequence or mapping on one line, starting at `position` of `text` (which starts at 0-based
        `column` of line `number`); and the position after it."""
        at = Location(self.file, number, column + position + 1)
        closing = "]" if text[position] == "[" else "}"
        data: Any = [] if closing == "]" else {}
        children: dict[str | int, Origin] = {}
        position = _skip_spaces(text, position + 1)
        if text[position : position + 1] == closing:
            return data, Origin(key, at, children), position + 1
        while True:
            self._count(path)
            entry_at = Location(self.file, number, column + position + 1)
            if closing == "]":
                item_path = (*path, len(data))
                value, origin, position = self.flow_entry(text, position, item_path, number, column, entry_at)
                data.append(value)
                children[len(children)] = origin
            else:
                name, position = self.flow_key(text, position, number, column)
                if name in data or text[position : position + 2] != ": ":
                    raise _Unsure  # a duplicate, or a key without a value or with a `:` unspaced
                position = _skip_spaces(text, position + 1)
                value_at = Location(self.file, number, column + position + 1)
                value, origin, position = self.flow_entry(text, position, (*path, name), number, column, value_at)
                data[name] = value
                children[name] = Origin(entry_at, origin.value, origin.children)
            position = _skip_spaces(text, position)
            following = text[position : position + 1]
            if following == closing:
                return data, Origin(key, at, children), position + 1
            if following != ",":
                raise _Unsure
            position = _skip_spaces(text, position + 1)
            if text[position : position + 1] in (closing, ","):
                raise _Unsure  # an empty entry, or a comma before the end

    def flow_entry(
        self, text: str, position: int, path: DocPath, number: int, column: int, at: Location
    ) -> tuple[Any, Origin, int]:
        if text[position : position + 1] in ("[", "{"):
            return self.flow(text, position, path, number, column, at)
        match = _FLOW_SCALAR.match(text, position)
        if match is None:
            raise _Unsure
        value, _ = self.scalar(match.group(0).rstrip(" "), path, number, column + position)
        return value, Origin(at, at), match.end()

    def flow_key(self, text: str, position: int, number: int, column: int) -> tuple[str, int]:
        match = _FLOW_SCALAR.match(text, position)
        if match is None:
            raise _Unsure
        written = match.group(0).rstrip(" ")
        self._check_key(len(written), None if written[0] in "'\"" else written)
        name, _ = self.scalar(written, (), number, column + position)
        return name, position + len(written)

    def scalar(self, text: str, path: DocPath, number: int, column: int) -> tuple[Any, Location]:
        """A one-line scalar starting at 0-based `column` (a comment may follow it), and where it stands."""
        at = _new(Location, (self.file, number, column + 1))
        first = text[0]
        if first == "'":
            end = 1
            while True:
                end = text.find("'", end)
                if end < 0:
                    raise _Unsure  # continued on the next line
                if text[end + 1 : end + 2] != "'":
                    break
                end += 2
            _only_comment_after(text[end + 1 :])
            return text[1:end].replace("''", "'"), at
        if first == '"':
            end = text.find('"', 1)
            if end < 0 or "\\" in text[1:end]:
                raise _Unsure  # escapes, or continued on the next line
            _only_comment_after(text[end + 1 :])
            return text[1:end], at
        if first in _PLAIN_START or (first == "-" and text[1:2] in ("", " ")):
            raise _Unsure  # an indicator: flow collections, block scalars, anchors, aliases, tags, ...
        comment = text.find(" #")
        plain = (text if comment < 0 else text[:comment]).rstrip(" ")
        if ": " in plain or plain.endswith(":"):
            raise _Unsure  # a mapping where a scalar was expected: an error
        if plain in self.plain:
            return self.plain[plain], at
        tag = self.tag_of(plain)
        value = plain if tag in TEXT_TAGS else self.typed(tag, plain, path, at)
        if not self.problems:  # a value refused is read again by load.py, which then reports it
            self.plain[plain] = value
        return value, at


def _skip_spaces(text: str, position: int) -> int:
    while text[position : position + 1] == " ":
        position += 1
    return position


def _only_comment_after(rest: str) -> None:
    """What may follow a quoted scalar or a flow collection on its line: spaces, and then a comment."""
    stripped = rest.lstrip(" ")
    if stripped and not (stripped.startswith("#") and len(stripped) < len(rest)):
        raise _Unsure
