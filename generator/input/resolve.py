"""Stage 2: resolve the `extends:` chain of an environment into one document.

Merge rules (documented in docs/environment.md): mappings merge key by key; lists whose items are all
mappings with a `name` merge item by item on that name (new names are appended in order), except lists that
Kubernetes keys otherwise (`volumeMounts` by `mountPath`, `volumeDevices` by `devicePath`: one volume may be
mounted at several paths; a cluster spec's `workerGroupSpecs` by `groupName`); any other list and any scalar
is replaced; `null` removes the key. Every merged value keeps the Origin of the file and line it came from,
so a later error points at the partial that wrote the value.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from generator.checks import DUPLICATE_NAME, EXTENDS
from generator.errors import InputError, Location, Problem
from generator.model.fields import OVERRIDE, SECTION_KINDS
from generator.source import Origin

if TYPE_CHECKING:  # the parser is imported where files are loaded, not where their names are only read
    from generator.input.load import LoadedDocument

PARTIAL_PREFIX = "_"
NAME = "name"
# The merge key of lists that Kubernetes does not key by name (the patchMergeKey of their field in the API)
MERGE_KEYS = {"volumeMounts": "mountPath", "volumeDevices": "devicePath", "workerGroupSpecs": "groupName"}
# Lists of named items whose names Kubernetes lets repeat: a binding's subjects (ServiceAccount default of two
# namespaces), which no duplicate-name check may refuse
REPEATED_NAMES = frozenset({"subjects"})
# Where a null in a file survives resolution (keeps_override_nulls): below a Ray item's `spec`, a podTemplate,
# a Kustomize patch (there `null` removes the field from the object, as the renderer's merge or kustomize do)
POD_TEMPLATE = "podTemplate"
PATCHES = ("patches", "patch")
Path_ = tuple[str | int, ...]


@dataclass(frozen=True)
class ResolvedEnvironment:
    """An environment with its partials merged in; `chain` lists the files from the leaf to the root."""

    name: str
    file: Path
    data: dict[str, Any]
    origin: Origin
    chain: tuple[Path, ...]


def resolve_environment(
    file: Path, load: Callable[[Path], LoadedDocument], partial_names: frozenset[str]
) -> ResolvedEnvironment:
    """Merge `file` over the partials it extends; `load` may cache, `partial_names` lists `_*.yaml` stems."""
    documents = _extends_chain(load(file), load, partial_names)
    data: Any = {}
    origin = documents[-1].origin
    for document in reversed(documents):
        data, origin = merge(data, origin, document.data, document.origin, keeping=keeps_override_nulls)
    return ResolvedEnvironment(file.stem, file, data, origin, tuple(document.file for document in documents))


def _extends_chain(
    leaf: LoadedDocument, load: Callable[[Path], LoadedDocument], partial_names: frozenset[str]
) -> list[LoadedDocument]:
    chain = [leaf]
    while "extends" in chain[-1].data:
        current = chain[-1]
        target = current.data["extends"]
        origin = current.origin.children["extends"]
        if not isinstance(target, str):
            named = target[0] if isinstance(target, list) and target and isinstance(target[0], str) else "_base"
            hint = f"write one partial's name, extends: {named}; to combine partials, let one extend the other"
            message = "must be the name of a partial such as _base"
            raise InputError([Problem(origin.value, ("extends",), message, hint, rule=EXTENDS.id)])
        if target not in partial_names:
            raise InputError([_unknown_partial(origin.value, target, partial_names)])
        next_file = current.file.parent / f"{target}.yaml"
        if any(document.file == next_file for document in chain):
            cycle = " -> ".join([*(document.file.stem for document in chain), target])
            raise InputError(
                [Problem(origin.value, ("extends",), f"extends cycle: {cycle}", "remove one extends", rule=EXTENDS.id)]
            )
        partial = load(next_file)
        if "name" in partial.data:
            at = partial.origin.children["name"].key
            raise InputError(
                [Problem(at, ("name",), "a partial must not set name", "set name in each environment", rule=EXTENDS.id)]
            )
        chain.append(partial)
    return chain


def _unknown_partial(at: Location, target: str, partial_names: frozenset[str]) -> Problem:
    hint = "partials are environments/_NAME.yaml files"
    if not target.startswith(PARTIAL_PREFIX):
        hint = f"only partials (file names starting with '{PARTIAL_PREFIX}') can be extended"
    # a path or a file name (./_base.yaml, _base.yaml) for the partial's name
    named = Path(target).name.removesuffix(".yaml").removesuffix(".yml")
    close = [named] if named in partial_names else difflib.get_close_matches(target, sorted(partial_names), n=1)
    if close:
        hint = f"did you mean '{close[0]}'?"
        if named != target:
            hint += " extends names a partial by its name, without folder or .yaml"
    return Problem(at, ("extends",), f"no partial named '{target}'", hint, rule=EXTENDS.id)


def merge(
    base: Any, base_origin: Origin, over: Any, over_origin: Origin, key: str = NAME, *, keeping: Keeping = None
) -> tuple[Any, Origin]:
    """Merge `over` onto `base` by the rules in the module docstring; `key` keys the items of a list.

    With `keeping` (resolving files), a null below a path it accepts is kept rather than dropped, so that it
    reaches the renderer's merge and removes a generated field there (an item's `spec`, a `podTemplate`)."""
    return _merge(base, base_origin, over, over_origin, key, keeping, ())


Keeping = Callable[[tuple[str | int, ...]], bool] | None


def keeps_override_nulls(path: tuple[str | int, ...]) -> bool:
    """Below a Ray item's `spec` or any `podTemplate`, null means "remove the generated field"."""
    in_spec = len(path) > 3 and path[0] in SECTION_KINDS and path[2] == OVERRIDE
    in_patch = len(path) > 3 and (path[0], path[2]) == PATCHES
    return in_spec or in_patch or POD_TEMPLATE in path[:-1]


def _merge(
    base: Any, base_origin: Origin, over: Any, over_origin: Origin, key: str, keeping: Keeping, path: Path_
) -> tuple[Any, Origin]:
    if isinstance(base, dict) and isinstance(over, dict):
        return _merge_mappings(base, base_origin, over, over_origin, keeping, path)
    if isinstance(base, list) and isinstance(over, list) and is_keyed_list(base, key) and is_keyed_list(over, key):
        return _merge_keyed_lists(base, base_origin, over, over_origin, key, keeping, path)
    return _without_nulls(over, over_origin, keeping, path)


def _merge_mappings(
    base: dict[str, Any], base_origin: Origin, over: dict[str, Any], over_origin: Origin, keeping: Keeping, path: Path_
) -> tuple[dict[str, Any], Origin]:
    data = dict(base)
    children = dict(base_origin.children)
    for key, value in over.items():
        child = (*path, key)
        if value is None and not _keeps(keeping, child):
            data.pop(key, None)
            # the origin stays: a problem of the field now missing (a required one) is located at the null
            children[key] = over_origin.child_or_self(key)
        elif key in data and value is not None:
            data[key], children[key] = _merge(
                data[key],
                children.get(key, base_origin),
                value,
                over_origin.child_or_self(key),
                MERGE_KEYS.get(key, NAME),
                keeping,
                child,
            )
        else:
            data[key], children[key] = _without_nulls(value, over_origin.child_or_self(key), keeping, child)
    return data, Origin(over_origin.key, over_origin.value, children)


def _merge_keyed_lists(
    base: list[dict[str, Any]],
    base_origin: Origin,
    over: list[dict[str, Any]],
    over_origin: Origin,
    key: str,
    keeping: Keeping,
    path: Path_,
) -> tuple[list[Any], Origin]:
    merged: dict[Any, tuple[Any, Origin]] = {
        item[key]: (item, base_origin.child_or_self(index)) for index, item in enumerate(base)
    }
    for index, item in enumerate(over):
        name = item[key]
        at = (*path, index)
        if name in merged:
            merged[name] = _merge(*merged[name], item, over_origin.child_or_self(index), NAME, keeping, at)
        else:
            merged[name] = _without_nulls(item, over_origin.child_or_self(index), keeping, at)
    data = [item for item, _ in merged.values()]
    children: dict[str | int, Origin] = {index: origin for index, (_, origin) in enumerate(merged.values())}
    return data, Origin(over_origin.key, over_origin.value, children)


def is_keyed_list(items: list[Any], key: str) -> bool:
    return bool(items) and all(isinstance(item, dict) and isinstance(item.get(key), str) for item in items)


def merged_lists(
    lists: Iterable[tuple[Path_, Any]], key: str, *, keyed: bool = True
) -> Iterator[tuple[bool, Path_, list[Any]]]:
    """Lists merged one over the other in order, as `merge` takes them, for readers of the result: each with
    whether it replaces what is merged so far (it, or the list it lands on, is not keyed by `key`; anything but a
    list, a null, leaves none), where it stands, and its items. `keyed`: whether the list under the first is
    keyed by `key` (a generated one is; none is: False)."""
    for at, items in lists:
        this = isinstance(items, list) and is_keyed_list(items, key)
        yield not (keyed and this), at, items if isinstance(items, list) else []
        keyed = this


def _keeps(keeping: Keeping, path: Path_) -> bool:
    return keeping is not None and keeping(path)


def _without_nulls(value: Any, origin: Origin, keeping: Keeping = None, path: Path_ = ()) -> tuple[Any, Origin]:
    """A value taken whole still obeys 'null removes': its mappings drop null entries (except where kept)."""
    if _no_nulls(value, origin):
        return value, origin  # what the walk below would build, equal: most values hold no null
    if isinstance(value, dict):
        data: dict[str, Any] = {}
        children: dict[str | int, Origin] = {}
        for key, item in value.items():
            child = (*path, key)
            if item is not None or _keeps(keeping, child):
                data[key], children[key] = _without_nulls(item, origin.child_or_self(key), keeping, child)
            else:  # dropped, its origin kept (as `_merge_mappings` keeps it)
                children[key] = origin.child_or_self(key)
        return data, Origin(origin.key, origin.value, children)
    if isinstance(value, list):
        pairs = [
            _without_nulls(item, origin.child_or_self(index), keeping, (*path, index))
            for index, item in enumerate(value)
        ]
        return [item for item, _ in pairs], Origin(
            origin.key, origin.value, {index: child for index, (_, child) in enumerate(pairs)}
        )
    return value, origin


def _no_nulls(value: Any, origin: Origin) -> bool:
    """Whether no mapping within `value` holds a null and `origin` has a child for every key and item (then
    `_without_nulls` would give back a copy of both)."""
    if isinstance(value, dict):
        children = origin.children
        for key, item in value.items():
            child = children.get(key)
            if item is None or child is None or not _no_nulls(item, child):
                return False
    elif isinstance(value, list):
        children = origin.children
        for index, item in enumerate(value):
            child = children.get(index)
            if child is None or not _no_nulls(item, child):
                return False
    return True


def duplicate_names(document: LoadedDocument) -> list[Problem]:
    """Named items repeated within one list of one file: merging by name would silently fold them."""
    problems: list[Problem] = []
    _collect_duplicates(document.data, document.origin, (), problems)
    return problems


def _collect_duplicates(
    value: Any, origin: Origin, path: tuple[str | int, ...], problems: list[Problem], key: str = NAME
) -> None:
    if isinstance(value, dict):
        for field, item in value.items():
            _collect_duplicates(item, origin.children[field], (*path, field), problems, MERGE_KEYS.get(field, NAME))
    elif isinstance(value, list):
        first_seen: dict[str, int] = {}
        repeats = bool(path) and path[-1] in REPEATED_NAMES
        for index, item in enumerate(value):
            child = origin.children[index]
            name = item.get(key) if isinstance(item, dict) and not repeats else None
            if isinstance(name, str):
                if name in first_seen:
                    where = child.children.get(key, child).value
                    first = origin.children[first_seen[name]].key
                    problems.append(
                        Problem(
                            where,
                            (*path, index, key),
                            f"duplicate {key} '{name}' (first used at line {first.line})",
                            f"give each item its own {key}",
                            rule=DUPLICATE_NAME.id,
                        )
                    )
                else:
                    first_seen[name] = index
            _collect_duplicates(item, child, (*path, index), problems)
