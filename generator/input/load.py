"""Stage 1: read one environment file into plain data plus source positions.

Most files are read line by line (block_yaml.py), which gives the same data and positions as what follows;
the rest are composed.

ruamel.yaml composes the YAML 1.2 node graph (with its libyaml-based C parser from ruamel.yaml.clib when
installed: about ten times faster than round-trip loading, see docs/architecture.md); every node carries
its line and column. This module builds plain data from the nodes by the YAML 1.2 core schema itself,
which lets it see what a constructor hides: the raw text of `0777`, duplicate keys with both positions,
tags. Limits on size, nesting depth and alias use keep a hostile or broken file from exhausting memory.
"""

from __future__ import annotations

import functools
import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import CollectionEndEvent, CollectionStartEvent, Event
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from ruamel.yaml.reader import ReaderError
from ruamel.yaml.resolver import VersionedResolver

from generator.checks import DUPLICATE_KEY, OCTAL_NUMBER, PLAIN_DATA, YAML_LIMITS, YAML_SYNTAX
from generator.errors import DocPath, InputError, Location, Problem
from generator.input.block_yaml import STR_TAG, Limits, read_block_yaml
from generator.input.block_yaml import TEXT_TAGS as _TEXT_TAGS
from generator.input.syntax import read_syntax_error
from generator.memo import remembered_when_short
from generator.source import Origin

MAX_FILE_BYTES = 1024 * 1024
MAX_DEPTH = 64
MAX_ALIAS_USES = 100
MAX_INTEGER_DIGITS = 100  # Python refuses to convert beyond 4,300; no Kubernetes field takes more than 20
# Text a file may expand to through aliases of scalars: a 1 MiB file may not become a 380 MB ConfigMap.
MAX_EXPANDED_CHARS = 2 * MAX_FILE_BYTES
# Values a file may hold, aliases expanded, and events its parser may produce: a realistic environment has a
# few thousand; a 1 MiB list of 500,000 items would take the parsers half a minute (the pure one reads
# about 20,000 events a second).
MAX_EXPANDED_VALUES = 100_000
MAX_EVENTS = 50_000

_CORE = "tag:yaml.org,2002:"
_STR, _MAP, _SEQ, _MERGE = STR_TAG, _CORE + "map", _CORE + "seq", _CORE + "merge"
_DECIMAL = re.compile(r"[-+]?[0-9]+")
_OCTAL = re.compile(r"0o[0-7]+")
_HEXADECIMAL = re.compile(r"0x[0-9a-fA-F]+")
_SPECIAL_FLOATS = {".inf": float("inf"), "+.inf": float("inf"), "-.inf": float("-inf"), ".nan": float("nan")}
# what a tag of the core schema takes, for a hint
_WRITTEN = {"null": "null", "bool": "true or false", "int": "an integer", "float": "a number"}
# the YAML 1.2 core schema's texts of null and of the booleans
_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
_BOOLEANS = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
# a number of the core schema's float (the special ones apart), and text that looks like any number
_FLOAT = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?")
_NUMBER_LIKE = re.compile(r"[-+]?[0-9_.]*[0-9][0-9_.]*(?:[eE][-+]?[0-9_]+)?|0[xo][0-9a-fA-F_]+")
_SURROGATE = re.compile("[\ud800-\udfff]")
_YAML11_LINE_BREAKS = re.compile("[\x85\u2028\u2029]")
_LONG_ESCAPE = re.compile(r"\\U([0-9A-Fa-f]{8})")
# a %YAML directive for any version but 1.2 would switch the parser to that version's rules
_OTHER_YAML_VERSION = re.compile(r"^%YAML[ \t]+(?!1\.2[ \t]*(#.*)?$)", re.MULTILINE)


@dataclass(frozen=True)
class LoadedDocument:
    """One environment file: its plain data and where each value stands in it."""

    file: Path
    data: dict[str, Any]
    origin: Origin


def load_environment_file(file: Path, raw: bytes | None = None) -> LoadedDocument:
    """Parse `file` (whose bytes are `raw` when the caller has read them); raise InputError with every problem
    found in it."""
    try:
        raw = file.read_bytes() if raw is None else raw
    except OSError as error:
        raise InputError([_file_problem(file, f"cannot read the file: {error.strerror}", YAML_SYNTAX.id)]) from error
    if len(raw) > MAX_FILE_BYTES:
        raise InputError([_file_problem(file, f"file is larger than {MAX_FILE_BYTES} bytes", YAML_LIMITS.id)])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InputError([not_utf8(file, raw, error)]) from error
    return parse_environment_text(file, text)


def not_utf8(file: Path, raw: bytes, error: UnicodeDecodeError) -> Problem:
    """Where in `raw` the first byte stands that is no UTF-8, by line and column (the characters before it)."""
    line_start = raw.rfind(b"\n", 0, error.start) + 1
    line = raw.count(b"\n", 0, error.start) + 1
    column = len(raw[line_start : error.start].decode("utf-8", errors="replace")) + 1
    return Problem(
        Location(file, line, column),
        (),
        f"the file is not UTF-8 text: {error.reason} (byte {error.start})",
        "save it as UTF-8 (a file written as UTF-16 or Latin-1 by an editor or a shell redirect is not)",
        file=file,
        rule=YAML_SYNTAX.id,
    )


def parse_environment_text(file: Path, text: str) -> LoadedDocument:
    read = read_lines(file, text)
    if read is not None:
        return LoadedDocument(file, *read)
    root = _compose(file, text)
    start = Location(file, 1, 1)
    if root is None:
        hint = "an environment needs name, kuberay, target and gitops"
        raise InputError([Problem(start, (), "the file is empty", hint, rule=YAML_SYNTAX.id)])
    if not isinstance(root, MappingNode):
        hint = "start with fields such as name: and target:, not with '- ' or a lone value"
        raise InputError([Problem(start, (), "the document must be a mapping of fields", hint, rule=YAML_SYNTAX.id)])
    converter = _Converter(file)
    data, origin = converter.convert(root, (), start, 0)
    if converter.problems:
        raise InputError(converter.problems)
    return LoadedDocument(file, data, origin)


def read_lines(file: Path, text: str) -> tuple[dict[str, Any], Origin] | None:
    """The file read line by line (block_yaml.py), as composing it would read it; None where it must be
    composed: block_yaml.py gives up, or the file comes near a limit on its size, values or nesting. A value
    makes at most three events (its key, and a collection's start and end), so a file of a quarter of
    MAX_EVENTS values is far within every limit, and so is half of MAX_DEPTH."""
    if len(text) > MAX_FILE_BYTES:
        return None
    converter = _Converter(file)
    limits = Limits(most_values=MAX_EVENTS // 4, deepest=MAX_DEPTH // 2)
    return read_block_yaml(file, text, _plain_tag, converter.typed, converter.problems, limits)


def _compose(file: Path, text: str) -> Node | None:
    """Compose with libyaml when it reads the text as YAML 1.2 would, else with the pure 1.2 parser.

    libyaml scans YAML 1.1: it rejects some 1.2 syntax (a `:` inside a flow-context plain scalar such as
    {repoURL: https://...}, the \\/ escape), which the pure parser then reads; and it takes NEL, LS and PS
    as line breaks, so text holding them goes to the pure parser directly.
    """
    directive = _OTHER_YAML_VERSION.search(text)
    if directive is not None:
        before = text[: directive.start()]
        at = Location(file, before.count("\n") + 1, 1)
        message = "the file asks for another YAML version; environment files are YAML 1.2"
        raise InputError([Problem(at, (), message, "remove the %YAML directive", rule=YAML_SYNTAX.id)])
    if not _YAML11_LINE_BREAKS.search(text):
        try:
            composer = _composer(pure=False)
            if _may_exceed_limits(text):
                _check_nesting(file, composer.parse(text))
            return composer.compose(text)  # type: ignore[no-any-return]
        except YAMLError:
            pass  # the pure parser decides, and words the error the YAML 1.2 way
    try:
        composer = _composer(pure=True)
        _check_nesting(file, composer.parse(text))
        node: Node | None = composer.compose(text)
    except RecursionError as error:  # nesting is bounded above; this is the last line of defence
        raise InputError([_file_problem(file, "the file nests too deeply to be read", YAML_LIMITS.id)]) from error
    except InputError:
        raise
    except (ValueError, OverflowError, AssertionError) as error:
        # the pure scanner's own failures on text it cannot represent (an escape beyond U+10FFFF, ...)
        escape = next((found for found in _LONG_ESCAPE.finditer(text) if int(found.group(1), 16) > 0x10FFFF), None)
        if escape is not None:
            before = text[: escape.start()]
            at = Location(file, before.count("\n") + 1, len(before) - before.rfind("\n"))
            message = f"the escape {escape.group(0)} is beyond the last Unicode character (U+10FFFF)"
            raise InputError([Problem(at, (), message, rule=YAML_SYNTAX.id)]) from error
        message = f"the file cannot be read as YAML: {error}"
        raise InputError([_file_problem(file, message, YAML_SYNTAX.id)]) from error
    except MarkedYAMLError as error:
        raise InputError([_syntax_problem(file, error, text)]) from error
    except ReaderError as error:
        # characters YAML forbids (control characters, a BOM mid-file): located by character offset
        before = text[: error.position]
        at = Location(file, before.count("\n") + 1, len(before) - before.rfind("\n"))
        message = f"character U+{_code_point(error.character):04X} is not allowed in YAML"
        hint = "remove it (a control character; a NUL byte may mean the file was saved as UTF-16: save it as UTF-8)"
        raise InputError([Problem(at, (), message, hint, file=file, rule=YAML_SYNTAX.id)]) from error
    except YAMLError as error:
        raise InputError([_file_problem(file, f"YAML error: {error}", YAML_SYNTAX.id)]) from error
    return node


def _may_exceed_limits(text: str) -> bool:
    """Whether the text could hold more than MAX_EVENTS events or nest deeper than MAX_DEPTH, by a bound
    that costs less than parsing it (most environment files are far within both, and skip the parse that
    _check_nesting needs). No character yields more than two events (`a:` is four: a mapping's start and
    end, a key, an empty value); a line nests at most two levels per column of indentation (a mapping,
    and a sequence beside its key) plus one per indicator on it, and flow collections add one each."""
    if 2 * len(text) + 4 > MAX_EVENTS:
        return True
    flow = text.count("[") + text.count("{")
    # A line adds at most 2 * (indentation + 1) + (length - indentation) <= 2 * length + 2 levels, so only
    # lines longer than `shortest` can reach the limit: just those are measured (a \r may join lines below,
    # so then every line is).
    shortest = max(0, (MAX_DEPTH - flow - 2) // 2 + 1)
    lines = re.finditer(f"^[^\n]{{{shortest},}}", text, re.MULTILINE) if "\r" not in text else None
    deepest = max(
        (
            2 * (len(line) - len(line.lstrip(" ")) + 1) + line.count("-") + line.count(":") + line.count("?")
            for line in (text.splitlines() if lines is None else (found.group() for found in lines))
        ),
        default=0,
    )
    return flow + deepest > MAX_DEPTH


def _check_nesting(file: Path, events: Any) -> None:
    """Stop at the first collection nested deeper than MAX_DEPTH, before anything composes the file.

    The parsers produce events without recursion; composing nodes recurses once per level, and 50,000
    levels (a 50 KB line of `[`) overflow the C stack inside libyaml's composer, killing the process.
    """
    depth = 0
    event: Event
    for count, event in enumerate(events):
        if count > MAX_EVENTS:
            mark = event.start_mark
            at = Location(file, mark.line + 1, mark.column + 1)
            message = f"the file holds more than {MAX_EVENTS} values"
            raise InputError([Problem(at, (), message, "split it, or shorten its lists", rule=YAML_LIMITS.id)])
        if isinstance(event, CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH + 1:  # the document's own mapping is level 0
                mark = event.start_mark
                at = Location(file, mark.line + 1, mark.column + 1)
                message = f"nesting is deeper than {MAX_DEPTH} levels"
                raise InputError([Problem(at, (), message, "flatten the structure", rule=YAML_LIMITS.id)])
        elif isinstance(event, CollectionEndEvent):
            depth -= 1


@remembered_when_short(64)  # files repeat their values, and environments each other's
def _plain_tag(text: str) -> str:
    """The tag a plain scalar gets from the YAML 1.2 resolver the composer uses."""
    # VersionedResolver's own resolve: _Resolver's would keep every text for good in the shared resolver
    return str(VersionedResolver.resolve(_plain_resolver(), ScalarNode, text, (True, False)))


@functools.cache
def _plain_resolver() -> _Resolver:
    """One resolver for every plain scalar of the line reader: making one took 15 µs."""
    return _Resolver(version=(1, 2))


def _composer(*, pure: bool) -> YAML:
    yaml = YAML(typ="safe", pure=pure)
    yaml.version = (1, 2)
    yaml.Resolver = _Resolver
    return yaml


class _Resolver(VersionedResolver):
    """ruamel.yaml's YAML 1.2 resolver with its per-scalar costs paid once per file: it looks the version up
    again for every scalar, and gives every node a new Tag whose text is decoded on each read (together a
    fifth of reading an environment file). Here the implicit resolvers are those of the one version read
    (other versions are refused before composing), and nodes share one Tag per tag."""

    def __init__(self, *arguments: Any, **options: Any) -> None:
        super().__init__(*arguments, **options)
        self._tags: dict[str, Any] = {}
        self._resolvers: Any = None
        self._plain: dict[str, Any] = {}  # plain scalar text -> its tag: a file repeats most of its values

    @property
    def versioned_resolver(self) -> Any:
        if self._resolvers is None:
            self._resolvers = super().versioned_resolver
        return self._resolvers

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        if kind is ScalarNode and implicit[0] and not self.yaml_path_resolvers:
            # a plain scalar's tag depends on its text alone
            tag = self._plain.get(value)
            if tag is None:
                tag = self._plain[value] = self._shared(super().resolve(kind, value, implicit))
            return tag
        return self._shared(super().resolve(kind, value, implicit))

    def _shared(self, tag: Any) -> Any:
        return self._tags.setdefault(tag.suffix, tag) if tag.handle is None else tag


class _Converter:
    """Walks the node graph once, producing plain data, the Origin tree and any problems."""

    def __init__(self, file: Path) -> None:
        self.file = file
        self.problems: list[Problem] = []
        self.seen: set[int] = set()
        self.alias_uses = 0
        self.inside_alias = 0
        self.values = 0
        self.expanded_chars = 0

    def at(self, node: Node) -> Location:
        mark = node.start_mark
        return Location(self.file, mark.line + 1, mark.column + 1)

    def convert(self, node: Node, path: DocPath, key: Location, depth: int) -> tuple[Any, Origin]:
        value = self.at(node)
        if depth > MAX_DEPTH:
            message = f"nesting is deeper than {MAX_DEPTH} levels"
            raise InputError([Problem(value, path, message, "flatten the structure", rule=YAML_LIMITS.id)])
        self.values += 1
        if self.values > MAX_EXPANDED_VALUES:
            message = f"aliases expand the file to more than {MAX_EXPANDED_VALUES} values"
            raise InputError([Problem(value, path, message, "write the values out", rule=YAML_LIMITS.id)])
        if id(node) not in self.seen:
            self.seen.add(id(node))
            return self._node(node, path, key, value, depth)
        # An alias is the anchored node itself. Each alias in the text counts once (the nodes below it are
        # reached again, but are no aliases of their own); the walk through it counts toward the values.
        if not self.inside_alias:
            self.alias_uses += 1
            if self.alias_uses > MAX_ALIAS_USES:
                message = f"more than {MAX_ALIAS_USES} alias uses"
                hint = (
                    "write the repeated values out, or move them into a partial (extends: _NAME) that the files share"
                )
                raise InputError([Problem(value, path, message, hint, rule=YAML_LIMITS.id)])
        self.inside_alias += 1
        try:
            return self._node(node, path, key, value, depth)
        finally:
            self.inside_alias -= 1

    def _node(self, node: Node, path: DocPath, key: Location, value: Location, depth: int) -> tuple[Any, Origin]:
        if isinstance(node, ScalarNode):  # most nodes
            return self._scalar(node, path, value), Origin(key, value)
        if isinstance(node, (MappingNode, SequenceNode)) and node.tag not in (_MAP, _SEQ):
            # a tag on a collection asks a loader to build an object from it (!!python/object:...)
            self.problems.append(
                Problem(
                    value,
                    path,
                    f"the YAML tag {node.tag} is not supported",
                    "environment files hold plain data: no tags",
                    rule=PLAIN_DATA.id,
                )
            )
            return None, Origin(key, value)
        if isinstance(node, MappingNode):
            return self._mapping(node, path, key, value, depth)
        if isinstance(node, SequenceNode):
            return self._sequence(node, path, key, value, depth)
        raise InputError([Problem(value, path, f"unsupported YAML node {type(node).__name__}", rule=YAML_SYNTAX.id)])

    def _mapping(
        self, node: MappingNode, path: DocPath, key: Location, value: Location, depth: int
    ) -> tuple[dict[str, Any], Origin]:
        data: dict[str, Any] = {}
        children: dict[str | int, Origin] = {}
        for key_node, value_node in node.value:
            key_at = self.at(key_node)
            name = self._key(key_node, path, key_at)
            if name is None:
                continue
            if name in data:
                first = children[name].key
                self.problems.append(
                    Problem(
                        key_at,
                        (*path, name),
                        f"duplicate key '{name}' (first at line {first.line})",
                        "each key may appear once in a mapping; remove or merge the repeated one",
                        rule=DUPLICATE_KEY.id,
                    )
                )
                continue
            data[name], children[name] = self.convert(value_node, (*path, name), key_at, depth + 1)
        return data, Origin(key, value, children)

    def _key(self, node: Node, path: DocPath, at: Location) -> str | None:
        tag = node.tag
        if tag == _MERGE:
            self.problems.append(
                Problem(
                    at,
                    path,
                    "merge keys (<<) are not supported",
                    "use extends: _partial, or an alias",
                    rule=PLAIN_DATA.id,
                )
            )
            return None
        if not isinstance(node, ScalarNode) or tag != _STR:
            if isinstance(node, ScalarNode):
                shown, hint = node.value, f"quote it: '{node.value}'"
            else:  # `? [a, b]` or `[a]: x`
                shown, hint = "a collection", "write the key as one piece of text, e.g. name: value"
            self.problems.append(Problem(at, path, f"keys must be text, not {shown}", hint, rule=PLAIN_DATA.id))
            return None
        return self._text(node, path, at)

    def _sequence(
        self, node: SequenceNode, path: DocPath, key: Location, value: Location, depth: int
    ) -> tuple[list[Any], Origin]:
        data: list[Any] = []
        children: dict[str | int, Origin] = {}
        for index, item in enumerate(node.value):
            child, origin = self.convert(item, (*path, index), self.at(item), depth + 1)
            data.append(child)
            children[index] = origin
        return data, Origin(key, value, children)

    def _scalar(self, node: ScalarNode, path: DocPath, at: Location) -> Any:
        """Construct a scalar by the YAML 1.2 core schema from the tag the 1.2 resolver gave it."""
        tag, text = node.tag, node.value
        self.expanded_chars += len(text)
        if self.expanded_chars > MAX_EXPANDED_CHARS:
            message = f"aliases expand the file to more than {MAX_EXPANDED_CHARS} characters"
            raise InputError([Problem(at, path, message, "write the values out, or shorten them", rule=YAML_LIMITS.id)])
        if tag in _TEXT_TAGS:
            # `=` and `<<` are plain text in YAML 1.2's core schema (the 1.1 value and merge types are gone)
            return self._text(node, path, at)
        return self.typed(tag, text, path, at)

    def typed(self, tag: str | None, text: str, path: DocPath, at: Location) -> Any:
        """A scalar of any tag but text's, constructed by the YAML 1.2 core schema (a problem when it is
        none of its types)."""
        # a tag written out (`!!bool yes`) reaches here with any text; the resolver's tags with their own
        if tag == _CORE + "null":
            if text not in _NULLS:
                self._not_of_tag(tag, text, "null", path, at)
            return None
        if tag == _CORE + "bool":
            if text not in _BOOLEANS:
                self._not_of_tag(tag, text, "boolean (true or false)", path, at)
                return None
            return _BOOLEANS[text]
        if tag == _CORE + "int":
            return self._integer(text, path, at)
        if tag == _CORE + "float":
            lowered = text.lower()
            if "_" in text and _NUMBER_LIKE.fullmatch(text):  # ruamel takes 1_0.5 for a float, YAML 1.2 does not
                hint = "write it without underscores"
                self.problems.append(Problem(at, path, f"{text} is not a YAML 1.2 number", hint, rule=PLAIN_DATA.id))
                return None
            if lowered not in _SPECIAL_FLOATS and not _FLOAT.fullmatch(text):
                self._not_of_tag(tag, text, "number", path, at)
                return None
            number = _SPECIAL_FLOATS[lowered] if lowered in _SPECIAL_FLOATS else float(text)
            if not math.isfinite(number):
                # no Kubernetes or Ray field takes infinity or NaN; 1e400 overflows to infinity too
                self.problems.append(
                    Problem(at, path, f"{text} is not a finite number", "write a finite number", rule=PLAIN_DATA.id)
                )
                return None
            return number
        if tag == _CORE + "timestamp":
            self.problems.append(
                Problem(
                    at, path, "a date is not a valid value here", "quote it if you mean the text", rule=PLAIN_DATA.id
                )
            )
            return None
        self.problems.append(
            Problem(
                at,
                path,
                f"the YAML tag {tag} is not supported",
                "environment files hold plain data: no tags",
                rule=PLAIN_DATA.id,
            )
        )
        return None

    def _integer(self, text: str, path: DocPath, at: Location) -> int | None:
        if _OCTAL.fullmatch(text):
            return int(text[2:], 8)
        if _HEXADECIMAL.fullmatch(text):
            return int(text[2:], 16)
        if _DECIMAL.fullmatch(text):
            digits = text.lstrip("+-")
            if len(digits) > MAX_INTEGER_DIGITS:
                self.problems.append(
                    Problem(at, path, f"an integer of {len(digits)} digits", "no field takes one", rule=PLAIN_DATA.id)
                )
                return None
            if len(digits) > 1 and digits.startswith("0"):
                # YAML 1.1 (what kubectl reads) takes 0777 as octal 511, YAML 1.2 (what we read) as 777.
                self.problems.append(
                    Problem(
                        at,
                        path,
                        f"{text} is read as decimal {int(text)} by YAML 1.2 but as octal by kubectl (YAML 1.1)",
                        _octal_hint(digits),
                        rule=OCTAL_NUMBER.id,
                    )
                )
            return int(text)
        if not _NUMBER_LIKE.fullmatch(text):
            self._not_of_tag(_CORE + "int", text, "integer", path, at)
            return None
        self.problems.append(
            Problem(at, path, f"{text} is not a YAML 1.2 integer", "write it in decimal", rule=PLAIN_DATA.id)
        )
        return None

    def _not_of_tag(self, tag: str, text: str, kind: str, path: DocPath, at: Location) -> None:
        """Text that a tag written out (`!!float c`) makes a value of a type it is not written as."""
        name = tag.rsplit(":", 1)[-1]
        self.problems.append(
            Problem(
                at,
                path,
                f"{json.dumps(text)} is not a YAML 1.2 {kind}",
                f"leave out the tag !!{name} (environment files hold plain data), or write {_WRITTEN[name]}",
                rule=PLAIN_DATA.id,
            )
        )

    def _text(self, node: ScalarNode, path: DocPath, at: Location) -> str:
        text: str = node.value
        if not text.isascii() and _SURROGATE.search(text):
            # YAML's \uD800-\uDFFF escapes (JSON-style surrogate pairs) are not characters; no API takes them
            self.problems.append(
                Problem(
                    at,
                    path,
                    "text contains a \\uD800-\\uDFFF escape",
                    "write \\UXXXXXXXX or the character",
                    rule=PLAIN_DATA.id,
                )
            )
        return text


def _code_point(character: str | int) -> int:
    return character if isinstance(character, int) else ord(character)


def _octal_hint(digits: str) -> str:
    significant = digits.lstrip("0") or "0"
    if all(char in "01234567" for char in significant):
        return f"write 0o{significant} for octal ({int(significant, 8)}), or {int(significant)} for decimal"
    return f"write {int(significant)} without the leading zero"


def _file_problem(file: Path, message: str, rule: str) -> Problem:
    return Problem(None, (), message, file=file, rule=rule)


def _syntax_problem(file: Path, error: MarkedYAMLError, text: str) -> Problem:
    reading = read_syntax_error(error, text)
    if reading is None:
        message = " ".join(part for part in (error.context, error.problem) if part)
        return Problem(None, (), f"YAML syntax: {message}", file=file, rule=YAML_SYNTAX.id)
    location = Location(file, reading.line, reading.column)
    return Problem(location, (), reading.message, reading.hint, file=file, rule=YAML_SYNTAX.id)
