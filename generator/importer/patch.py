"""The inverse of the environment merge (input/resolve.py): the override that turns one value into another.

`override(base, target)` is what `merge(base, override)` turns into `target`: mappings by key (`null` where
`base` has a key `target` lacks), lists of named items item by item on their merge key, anything else whole.
One thing the merge cannot do is drop an item from a list of named items, or reorder them; `override` says
so with Inexpressible, and the importer then writes that part differently.
"""

from __future__ import annotations

from typing import Any

from generator.input.resolve import MERGE_KEYS, NAME, is_keyed_list


class Inexpressible(Exception):
    """No override turns `base` into `target` at `path`: an item of a named list would have to go."""

    def __init__(self, path: tuple[str | int, ...]) -> None:
        super().__init__(".".join(str(part) for part in path))
        self.path = path


def override(base: Any, target: Any, key: str = NAME, path: tuple[str | int, ...] = ()) -> Any:
    """The value to merge over `base` to get `target` (call only where they differ)."""
    if isinstance(base, dict) and isinstance(target, dict):
        result: dict[str, Any] = {field: None for field in base if field not in target}
        for field, value in target.items():
            if field not in base:
                result[field] = value
            elif base[field] != value:
                result[field] = override(base[field], value, MERGE_KEYS.get(field, NAME), (*path, field))
        return result
    if isinstance(base, list) and isinstance(target, list) and is_keyed_list(base, key) and is_keyed_list(target, key):
        return _keyed_override(base, target, key, path)
    return target


def _keyed_override(base: list[Any], target: list[Any], key: str, path: tuple[str | int, ...]) -> list[Any]:
    names = [item[key] for item in base]
    # the merge keeps the base's items in their order and appends new ones
    if [item[key] for item in target[: len(names)]] != names:
        raise Inexpressible(path)
    result = []
    for index, item in enumerate(target):
        if index >= len(base):
            result.append(item)
        elif item != base[index]:
            result.append({key: item[key], **override(base[index], item, NAME, (*path, index))})
    return result
