"""Stage 1: read one environment file into plain data plus source positions.

YAML 1.2 round-trip parsing (ruamel.yaml) gives the line and column of every key and item. Limits on
size, nesting depth and alias use keep a hostile or broken file from exhausting memory; duplicate keys,
tags, dates and non-string keys are errors rather than silent surprises.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.reader import ReaderError
from ruamel.yaml.scalarbool import ScalarBoolean

from generator.errors import DocPath, InputError, Location, Problem
from generator.source import Origin

MAX_FILE_BYTES = 1024 * 1024
MAX_DEPTH = 64
MAX_ALIAS_USES = 100

# YAML 1.1 (what kubectl reads) takes 0777 as octal 511, YAML 1.2 (what we read) as decimal 777.
_SURROGATE = re.compile("[\ud800-\udfff]")
_LEADING_ZERO_INT = re.compile(r"[-+]?0[0-9]+(?![0-9.eE:xob])")


@dataclass(frozen=True)
class LoadedDocument:
    """One environment file: its plain data and where each value stands in it."""

    file: Path
    data: dict[str, Any]
    origin: Origin
    source_lines: tuple[str, ...]


def load_environment_file(file: Path) -> LoadedDocument:
    """Parse `file`; raise InputError with every problem found in it."""
    try:
        raw = file.read_bytes()
    except OSError as error:
        raise InputError([_file_problem(file, f"cannot read the file: {error.strerror}")]) from error
    if len(raw) > MAX_FILE_BYTES:
        raise InputError([_file_problem(file, f"file is larger than {MAX_FILE_BYTES} bytes")])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InputError([_file_problem(file, f"file is not UTF-8: {error.reason} at byte {error.start}")]) from error
    return parse_environment_text(file, text)


def parse_environment_text(file: Path, text: str) -> LoadedDocument:
    yaml = YAML(typ="rt")
    yaml.version = (1, 2)
    yaml.allow_duplicate_keys = False
    try:
        document = yaml.load(text)
    except MarkedYAMLError as error:
        raise InputError([_syntax_problem(file, error)]) from error
    except ReaderError as error:
        # characters YAML forbids (control characters, BOM mid-file): located by character offset
        before = text[: error.position]
        at = Location(file, before.count("\n") + 1, len(before) - before.rfind("\n"))
        raise InputError(
            [Problem(at, (), f"character U+{_code_point(error.character):04X} is not allowed in YAML", file=file)]
        ) from error
    except YAMLError as error:
        raise InputError([_file_problem(file, f"YAML error: {error}")]) from error
    start = Location(file, 1, 1)
    if document is None:
        raise InputError(
            [Problem(start, (), "the file is empty", "an environment needs name, kuberay, target and gitops")]
        )
    if not isinstance(document, CommentedMap):
        raise InputError([Problem(start, (), "the document must be a mapping of fields")])
    converter = _Converter(file, tuple(text.splitlines()))
    data, origin = converter.convert(document, (), start, start, 0)
    if converter.problems:
        raise InputError(converter.problems)
    assert isinstance(data, dict)
    return LoadedDocument(file, data, origin, converter.lines)


class _Converter:
    """Walks the ruamel tree once, producing plain data, the Origin tree and any problems."""

    def __init__(self, file: Path, lines: tuple[str, ...]) -> None:
        self.file = file
        self.lines = lines
        self.problems: list[Problem] = []
        self.seen: set[int] = set()
        self.alias_uses = 0

    def at(self, position: tuple[int, int] | list[int]) -> Location:
        return Location(self.file, position[0] + 1, position[1] + 1)

    def convert(self, node: Any, path: DocPath, key: Location, value: Location, depth: int) -> tuple[Any, Origin]:
        if depth > MAX_DEPTH:
            raise InputError([Problem(value, path, f"nesting is deeper than {MAX_DEPTH} levels")])
        if isinstance(node, CommentedMap | CommentedSeq):
            if id(node) in self.seen:
                # ruamel shares the object of an anchor with each of its aliases; walking it again is what
                # makes "billion laughs" documents explode, so every reuse is counted.
                self.alias_uses += 1
                if self.alias_uses > MAX_ALIAS_USES:
                    raise InputError([Problem(value, path, f"more than {MAX_ALIAS_USES} alias uses")])
            self.seen.add(id(node))
        if isinstance(node, CommentedMap):
            return self._mapping(node, path, key, value, depth)
        if isinstance(node, CommentedSeq):
            return self._sequence(node, path, key, value, depth)
        return self._scalar(node, path, value), Origin(key, value)

    def _mapping(
        self, node: CommentedMap, path: DocPath, key: Location, value: Location, depth: int
    ) -> tuple[dict[str, Any], Origin]:
        data: dict[str, Any] = {}
        children: dict[str | int, Origin] = {}
        for name in node:
            key_at = self.at(node.lc.key(name))
            if not isinstance(name, str):
                self.problems.append(
                    Problem(key_at, path, f"keys must be text, not {_describe(name)}", f"quote it: '{name}'")
                )
                continue
            child, origin = self.convert(node[name], (*path, name), key_at, self.at(node.lc.value(name)), depth + 1)
            data[name] = child
            children[name] = origin
        return data, Origin(key, value, children)

    def _sequence(
        self, node: CommentedSeq, path: DocPath, key: Location, value: Location, depth: int
    ) -> tuple[list[Any], Origin]:
        data: list[Any] = []
        children: dict[str | int, Origin] = {}
        for index, item in enumerate(node):
            item_at = self.at(node.lc.item(index))
            child, origin = self.convert(item, (*path, index), item_at, item_at, depth + 1)
            data.append(child)
            children[index] = origin
        return data, Origin(key, value, children)

    def _scalar(self, node: Any, path: DocPath, value: Location) -> Any:
        if node is None:
            return None
        if isinstance(node, str):
            if _SURROGATE.search(node):
                # YAML's \uD800-\uDFFF escapes (JSON-style surrogate pairs) are not characters; no API takes them
                self.problems.append(
                    Problem(value, path, "text contains a \\uD800-\\uDFFF escape", "write \\UXXXXXXXX or the character")
                )
            return str(node)
        if isinstance(node, ScalarBoolean | bool):
            return bool(node)
        if isinstance(node, int):
            token = self._leading_zero_token(value)
            if token is not None:
                self.problems.append(
                    Problem(
                        value,
                        path,
                        f"{token} is read as decimal {int(node)} by YAML 1.2 but as octal by kubectl (YAML 1.1)",
                        _octal_hint(token),
                    )
                )
            return int(node)
        if isinstance(node, float):
            return float(node)
        if isinstance(node, datetime.date):
            self.problems.append(
                Problem(value, path, "a date is not a valid value here", "quote it if you mean the text")
            )
            return None
        self.problems.append(
            Problem(value, path, f"{_describe(node)} is not supported", "environment files hold plain data: no tags")
        )
        return None

    def _leading_zero_token(self, value: Location) -> str | None:
        if value.line - 1 >= len(self.lines):
            return None
        match = _LEADING_ZERO_INT.match(self.lines[value.line - 1], value.column - 1)
        return match.group(0) if match else None


def _code_point(character: str | int) -> int:
    return character if isinstance(character, int) else ord(character)


def _octal_hint(token: str) -> str:
    digits = token.lstrip("+-").lstrip("0") or "0"
    if all(char in "01234567" for char in digits):
        return f"write 0o{digits} for octal ({int(digits, 8)}), or {int(digits)} for decimal"
    return f"write {int(digits)} without the leading zero"


def _describe(node: Any) -> str:
    tag = getattr(node, "tag", None)
    tag_value = getattr(tag, "value", tag)
    if tag_value:
        return f"the YAML tag {tag_value}"
    return f"{type(node).__name__} {node!r}"


def _file_problem(file: Path, message: str) -> Problem:
    return Problem(None, (), message, file=file)


_DUPLICATE_KEY = re.compile(r'found duplicate key "(?P<key>.*)" with value')


def _syntax_problem(file: Path, error: MarkedYAMLError) -> Problem:
    mark = error.problem_mark or error.context_mark
    location = Location(file, mark.line + 1, mark.column + 1) if mark is not None else None
    duplicate = _DUPLICATE_KEY.search(str(error.problem or ""))
    if duplicate is not None:
        return Problem(
            location,
            (),
            f"duplicate key '{duplicate.group('key')}'",
            "each key may appear once in a mapping; remove or merge the repeated one",
            file=file,
        )
    message = " ".join(part for part in (error.context, error.problem) if part)
    return Problem(location, (), f"YAML syntax: {message}", file=file)
