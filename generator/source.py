"""Source positions of loaded documents: a tree parallel to the plain data.

Environment data travels between stages as plain dicts, lists and scalars (what jsonschema and Jinja
want); the positions travel beside it in an `Origin` tree so that merging files keeps, for every value,
the file and line it came from.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator.errors import DocPath, Location


@dataclass(frozen=True, slots=True, init=False)
class Origin:
    """Where one value came from: its key (or list item) and the value itself, plus its children."""

    key: Location
    value: Location
    children: Mapping[str | int, Origin]

    def __init__(self, key: Location, value: Location, children: Mapping[str | int, Origin] | None = None) -> None:
        # set through the slots' descriptors: the frozen dataclass's own __init__ (object.__setattr__ for each
        # field) took twice as long, and loading makes one Origin for every value of every file
        _set_key(self, key)
        _set_value(self, value)
        _set_children(self, {} if children is None else children)

    def __reduce__(self) -> tuple[Any, ...]:
        return (Origin, (self.key, self.value, self.children))  # by its fields, as Location (errors.py)

    def child(self, part: str | int) -> Origin | None:
        return self.children.get(part)

    def child_or_self(self, part: str | int) -> Origin:
        """For data the generator made itself (no file behind it), the parent's origin stands in."""
        return self.children.get(part, self)


_SLOTS: Mapping[str, Any] = vars(Origin)  # each field's slot descriptor, by name
_set_key = _SLOTS["key"].__set__
_set_value = _SLOTS["value"].__set__
_set_children = _SLOTS["children"].__set__


def locate(origin: Origin, path: DocPath, *, at_key: bool = False) -> Location:
    """The most precise location known for `path`: the deepest ancestor that has one.

    Values that were added by the generator (defaults) have no origin of their own and are reported at
    the nearest user-written ancestor.
    """
    node = origin
    for part in path:
        found = node.child(part)
        if found is None:
            return node.key
        node = found
    return node.key if at_key else node.value


def origin_at(origin: Origin, path: DocPath) -> Origin | None:
    """The origin of exactly `path`, None where the tree has none (a value the generator made, or no value)."""
    node: Origin | None = origin
    for part in path:
        node = node.child(part) if node is not None else None
    return node


GENERATED = Origin(Location(Path("<generated>"), 0, 0), Location(Path("<generated>"), 0, 0))
"""The origin of values the generator computes; merging them with `merge` needs an Origin."""


def value_at(data: Any, path: DocPath) -> Any:
    """The value at `path` in plain data, or None where the path does not exist."""
    for part in path:
        if isinstance(data, dict) and isinstance(part, str):
            data = data.get(part)
        elif isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data):
            data = data[part]
        else:
            return None
    return data
