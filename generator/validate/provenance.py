"""Which environment-file path produced a path of a rendered object.

The field table (model/fields.py), read backwards: `spec.workerGroupSpecs[1].template.spec.containers[0]`
of RayCluster `analytics` came from `clusters[<analytics>].workerGroups[1].podTemplate.spec.containers[0]`.
Paths the environment does not spell out map to their nearest ancestor that it does; the caller's
`locate` then finds the deepest part of that path that exists in the file.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from generator.errors import DocPath
from generator.input.resolve import MERGE_KEYS, NAME, is_keyed_list
from generator.model.build import worker_group_names
from generator.model.fields import CLUSTER_ITEM, CLUSTER_SPEC, GITOPS_FIELDS, KIND_SECTIONS, OVERRIDE, all_matches, fill
from generator.source import value_at

SECTIONS = {**KIND_SECTIONS, "ConfigMap": "configMaps"}


NAMED_LISTS = frozenset({"containers", "initContainers", "volumes", "env"})
# the named lists of a group's pod that `defaults` adds to (model/build.py `merged_by_name`): an item the group
# does not write came from there
LAYERED_LISTS = frozenset({"env", "volumes"})


def environment_path(
    kind: str, name: str, rendered: DocPath, data: Mapping[str, Any], document: Mapping[str, Any] | None = None
) -> DocPath | None:
    """The environment path of `rendered` in object `kind`/`name`, or None when no item produced it.

    With the rendered `document`, items of a podTemplate's named lists are matched by name, as the
    renderer merged them: the Ray container is first in the output wherever the user listed it.
    """
    if document is not None:
        written = _override_path(kind, name, rendered, data, document)
        if written is not None:
            return written
    path = _environment_path(kind, name, rendered, data)
    if path is None or document is None:
        return path
    return _match_named_items(path, rendered, data, document)


def _override_path(
    kind: str, name: str, rendered: DocPath, data: Mapping[str, Any], document: Mapping[str, Any]
) -> DocPath | None:
    """The path in the item's `spec` override that wrote `rendered`, when the override (merged last) wrote
    it or one of its ancestors' values whole. Lists it merged item by item are followed by their merge key,
    as render/workloads.py merged them; None when the value came from elsewhere."""
    if kind not in KIND_SECTIONS or len(rendered) < 2 or rendered[0] != OVERRIDE:
        return None  # the whole spec is the template's, whatever the override merged into it
    section = KIND_SECTIONS[kind]
    index = next((i for i, item in enumerate(data.get(section, [])) if item.get("name") == name), None)
    if index is None:
        return None
    written: DocPath = (section, index, OVERRIDE)
    value: Any = data[section][index].get(OVERRIDE)
    if value is None:
        return None
    key = NAME
    groups_at = (OVERRIDE, *CLUSTER_SPEC[kind], "workerGroupSpecs")
    cluster = value_at(data[section][index], CLUSTER_ITEM[kind])
    names = worker_group_names(cluster) if isinstance(cluster, dict) else set()
    own = False  # in a worker group only the override writes: whatever it holds is the override's
    for position, part in enumerate(rendered[1:], start=1):
        if isinstance(value, dict) and isinstance(part, str) and part in value:
            value, key = value[part], MERGE_KEYS.get(part, NAME)
        elif isinstance(value, list) and isinstance(part, int):
            if is_keyed_list(value, key):  # merged item by item: found by its key
                wanted = value_at(document, (*rendered[: position + 1], key))
                found = next((i for i, item in enumerate(value) if wanted is not None and item[key] == wanted), None)
            else:  # the merge took the list whole (input/resolve.py): the same positions
                found = part if part < len(value) else None
            if found is None:
                return None
            value = value[found]
            part = found
            if rendered[:position] == groups_at and isinstance(value, dict) and isinstance(value.get("groupName"), str):
                own = own or value["groupName"] not in names
        else:
            # the override stops above this part: it wrote the value only if what it holds here is not a
            # mapping or keyed list that the generated value was merged into, or it wrote the whole group
            return written if own or (value is not None and not isinstance(value, dict | list)) else None
        written = (*written, part)
    return written


def _match_named_items(
    path: DocPath, rendered: DocPath, data: Mapping[str, Any], document: Mapping[str, Any]
) -> DocPath:
    for position in range(1, len(path)):
        if path[position - 1] not in NAMED_LISTS or not isinstance(path[position], int):
            continue
        rendered_at = _rendered_position(rendered, path[position - 1], path[position])
        if rendered_at is None:
            continue
        item_name = value_at(document, (*rendered[: rendered_at + 1], "name"))
        items = value_at(data, path[:position])
        if not isinstance(items, list) or item_name is None:
            continue
        index = _named(items, item_name)
        if index is not None:
            return (*path[:position], index, *path[position + 1 :])
        # not the group's: merged in from `defaults`, or generated (then its nearest user-written ancestor is the
        # list); the rendered list holds both, so its index is neither's
        layered = ("defaults", path[position - 1])
        if path[position - 1] in LAYERED_LISTS and _is_group(path[: position - 1]):
            index = _named(value_at(data, layered), item_name)
            if index is not None:
                return (*layered, index, *path[position + 1 :])
        return path[:position]
    return path


def _named(items: Any, name: Any) -> int | None:
    """The index of the item of `items` named `name`."""
    if not isinstance(items, list):
        return None
    return next((i for i, item in enumerate(items) if isinstance(item, dict) and item.get("name") == name), None)


def _is_group(path: DocPath) -> bool:
    """Whether `path` is a head or worker group, whose pod settings `defaults` gives what it does not write."""
    return path[-1:] == ("head",) or (len(path) >= 2 and path[-2] == "workerGroups" and isinstance(path[-1], int))


def _rendered_position(rendered: DocPath, list_key: str | int, index: str | int) -> int | None:
    for position in range(1, len(rendered)):
        if rendered[position - 1] == list_key and rendered[position] == index:
            return position
    return None


def _environment_path(kind: str, name: str, rendered: DocPath, data: Mapping[str, Any]) -> DocPath | None:
    if kind not in SECTIONS:
        return _gitops_field(rendered)
    section = SECTIONS[kind]
    index = next((i for i, item in enumerate(data.get(section, [])) if item.get("name") == name), None)
    if index is None:
        return None
    item: DocPath = (section, index)
    matches = [match for match in all_matches(kind, rendered) if match[0].env is not None]
    if not matches:
        return item  # a field the environment does not spell out: its nearest written ancestor is the item
    # The most specific entry whose value the environment writes (the item's own, or the default it falls
    # back to); else the most specific entry, whose nearest written ancestor `locate` then finds.
    for entry, indices, rest in matches:
        assert entry.env is not None
        written = (*item, *fill(entry.env, indices))
        if value_at(data, written) is not None:
            # a value serialized into one string (runtimeEnvYAML, serveConfigV2) comes from the whole structure
            return written if entry.field.whole else (*written, *rest)
        if entry.field.defaults is not None and value_at(data, ("defaults", entry.field.defaults)) is not None:
            return ("defaults", entry.field.defaults, *rest)
    entry, indices, rest = matches[0]
    assert entry.env is not None
    written = (*item, *fill(entry.env, indices))
    return written if entry.field.whole else (*written, *rest)


def _gitops_field(rendered: DocPath) -> DocPath | None:
    """For generated Argo CD / Flux objects: the environment field a value was copied from, if any."""
    for part in reversed(rendered):
        if isinstance(part, str) and part in GITOPS_FIELDS:
            return GITOPS_FIELDS[part]
    return None
