"""Which environment-file path produced a path of a rendered object.

The renderer's mapping, written backwards: `spec.workerGroupSpecs[1].template.spec.containers[0]` of
RayCluster `analytics` came from `clusters[<analytics>].workerGroups[1].podTemplate.spec.containers[0]`.
Paths the environment does not spell out map to their nearest ancestor that it does; the caller's
`locate` then finds the deepest part of that path that exists in the file.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from generator.errors import DocPath
from generator.source import value_at

SECTIONS = {"RayCluster": "clusters", "RayJob": "jobs", "RayService": "services", "ConfigMap": "configMaps"}
# RayJob / RayService spec field -> environment field
JOB_FIELDS = {"rayClusterSpec": "cluster", "runtimeEnvYAML": "runtimeEnv", "submitterPodTemplate": "submitter"}
SERVICE_FIELDS = {"rayClusterConfig": "cluster", "serveConfigV2": "serveConfig"}
CLUSTER_FIELDS = {
    "headGroupSpec": "head",
    "workerGroupSpecs": "workerGroups",
    "autoscalerOptions": "autoscaling",
    "enableInTreeAutoscaling": "autoscaling",
    "gcsFaultToleranceOptions": "gcsFaultTolerance",
}
GROUP_FIELDS = {"template": "podTemplate", "groupName": "name"}


# Argo CD and Flux fields that come straight from one environment field, by the field's own name.
GITOPS_FIELDS: dict[str, DocPath] = {
    "repoURL": ("gitops", "repoURL"),
    "url": ("gitops", "repoURL"),
    "targetRevision": ("gitops", "targetRevision"),
    "ref": ("gitops", "targetRevision"),
    "interval": ("gitops", "interval"),
    "destination": ("target",),
    "destinations": ("target",),
    "targetNamespace": ("operator", "namespace"),
}


NAMED_LISTS = frozenset({"containers", "initContainers", "volumes"})


def environment_path(
    kind: str, name: str, rendered: DocPath, data: Mapping[str, Any], document: Mapping[str, Any] | None = None
) -> DocPath | None:
    """The environment path of `rendered` in object `kind`/`name`, or None when no item produced it.

    With the rendered `document`, items of a podTemplate's named lists are matched by name, as the
    renderer merged them: the Ray container is first in the output wherever the user listed it.
    """
    path = _environment_path(kind, name, rendered, data)
    if path is None or document is None:
        return path
    return _match_named_items(path, rendered, data, document)


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
        index = next(
            (i for i, item in enumerate(items) if isinstance(item, dict) and item.get("name") == item_name), None
        )
        # an item the user did not list was generated: its nearest user-written ancestor is the list
        return path[:position] if index is None else (*path[:position], index, *path[position + 1 :])
    return path


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
    if not rendered or rendered[0] != "spec":
        return (*item, *_metadata(rendered))
    rest = rendered[1:]
    if kind == "RayCluster":
        return (*item, *_cluster(rest))
    if not rest:
        return item
    fields = JOB_FIELDS if kind == "RayJob" else SERVICE_FIELDS
    head, tail = rest[0], rest[1:]
    target = fields.get(str(head), head)
    if target == "cluster":
        return (*item, "cluster", *_cluster(tail))
    if target == "submitter":
        return (*item, "submitter", "podTemplate", *tail)
    if target in ("runtimeEnv", "serveConfig"):
        return (*item, target)  # a YAML string built from the whole structure
    return (*item, target, *tail)


def _metadata(rendered: DocPath) -> DocPath:
    if len(rendered) >= 2 and rendered[0] == "metadata" and rendered[1] in ("labels", "annotations"):
        return tuple(rendered[1:])
    return ()


def _cluster(rest: DocPath) -> DocPath:
    if not rest:
        return ()
    head, tail = rest[0], rest[1:]
    target = CLUSTER_FIELDS.get(str(head), head)
    if target == "head":
        return ("head", *_group(tail))
    if target == "workerGroups" and tail and isinstance(tail[0], int):
        return ("workerGroups", tail[0], *_group(tail[1:]))
    if target == "autoscaling" and head == "enableInTreeAutoscaling":
        return ("autoscaling", "enabled")
    return (target, *tail)


def _group(rest: DocPath) -> DocPath:
    if not rest:
        return ()
    head, tail = rest[0], rest[1:]
    return (GROUP_FIELDS.get(str(head), head), *tail)


def _gitops_field(rendered: DocPath) -> DocPath | None:
    """For generated Argo CD / Flux objects: the environment field a value was copied from, if any."""
    for part in reversed(rendered):
        if isinstance(part, str) and part in GITOPS_FIELDS:
            return GITOPS_FIELDS[part]
    return None
