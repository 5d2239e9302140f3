"""Field by field differences of two objects: what was added, removed or changed, with list items matched by
their name where they have one (containers, worker groups, env), so a reordering is no change and a new
item is one addition."""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

# Keys that name the items of a list, in the order they are tried.
ITEM_NAMES = ("name", "groupName")
MISSING = object()
ORDER = "(order)"  # the path part of a change of the order of named items


@dataclass(frozen=True)
class FieldChange:
    path: tuple[str, ...]  # `workerGroupSpecs[gpu]`-style parts
    old: Any  # MISSING when added
    new: Any  # MISSING when removed

    @property
    def dotted(self) -> str:
        return ".".join(self.path).replace(".[", "[").replace(f".{ORDER}", ORDER)

    @property
    def state(self) -> str:
        if self.old is MISSING:
            return "added"
        return "removed" if self.new is MISSING else "changed"


def field_changes(old: Any, new: Any, path: tuple[str, ...] = ()) -> Iterator[FieldChange]:
    if isinstance(old, dict) and isinstance(new, dict):
        for key in sorted(set(old) | set(new), key=str):
            yield from field_changes(old.get(key, MISSING), new.get(key, MISSING), (*path, str(key)))
    elif isinstance(old, list) and isinstance(new, list) and _named(old) and _named(new):
        old_items, new_items = _by_name(old), _by_name(new)
        kept_old = [name for name in old_items if name in new_items]
        kept_new = [name for name in new_items if name in old_items]
        if kept_old != kept_new:  # the order is part of the object (KubeRay hashes the spec as JSON)
            yield FieldChange((*path, ORDER), kept_old, kept_new)
        for name in [*old_items, *[name for name in new_items if name not in old_items]]:
            yield from field_changes(old_items.get(name, MISSING), new_items.get(name, MISSING), (*path, f"[{name}]"))
    elif isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        for index, (before, after) in enumerate(zip(old, new, strict=True)):
            yield from field_changes(before, after, (*path, f"[{index}]"))
    elif old != new:
        yield FieldChange(path, old, new)


def _named(items: list[Any]) -> bool:
    """Items that each have a name, all different (else they are matched by position)."""
    names = [_name(item) if isinstance(item, dict) else None for item in items]
    return bool(items) and None not in names and len(set(names)) == len(names)


def _name(item: dict[str, Any]) -> str | None:
    return next((str(item[key]) for key in ITEM_NAMES if key in item), None)


def _by_name(items: list[Any]) -> dict[str, Any]:
    return {str(_name(item)): item for item in items}


def text_diff(old: str, new: str) -> list[str]:
    """A compact line diff of two multi-line strings (serveConfigV2, runtimeEnvYAML, an entrypoint)."""
    lines = difflib.unified_diff(old.splitlines(), new.splitlines(), lineterm="", n=1)
    return [line for line in lines if not line.startswith(("---", "+++"))]


def is_multiline(value: Any) -> bool:
    return isinstance(value, str) and "\n" in value.strip("\n")
