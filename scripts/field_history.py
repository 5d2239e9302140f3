"""Which KubeRay release has which spec field and enum value, from the CRDs of every release.

The result drives the version gates: a field the pinned release lacks is an error that names the
releases that have it. Pod templates and Services (Kubernetes types, not KubeRay's) are not descended
into; nor is anything deeper than MAX_DEPTH.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from generator.releases import version_key
from scripts.crd_schema import crd_version_schema

KUBERNETES_TYPES = frozenset({"template", "submitterPodTemplate", "headService", "serveService", "metadata"})
MAX_DEPTH = 7


def field_history(crds_by_tag: Mapping[str, Mapping[str, Any]], version: str) -> dict[str, Any]:
    """{"releases": [...], "kinds": {Kind: {"fields": {path: ranges}, "enums": {path: {value: ranges}}}}}."""
    releases = sorted(crds_by_tag, key=_tag_key)
    fields: dict[str, dict[str, list[str]]] = {}
    enums: dict[str, dict[str, dict[str, list[str]]]] = {}
    for tag in releases:
        for kind, crd in crds_by_tag[tag].items():
            schema = crd_version_schema(crd, version)
            spec = schema.get("properties", {}).get("spec", {})
            for path, node in _walk(spec, "spec", 0):
                fields.setdefault(kind, {}).setdefault(path, []).append(tag)
                for value in node.get("enum", []):
                    enums.setdefault(kind, {}).setdefault(path, {}).setdefault(str(value), []).append(tag)
    kinds: dict[str, Any] = {}
    for kind in sorted(fields):
        kinds[kind] = {
            "fields": {path: _ranges(tags, releases) for path, tags in sorted(fields[kind].items())},
            "enums": {
                path: {value: _ranges(tags, releases) for value, tags in sorted(values.items())}
                for path, values in sorted(enums.get(kind, {}).items())
            },
        }
    return {"releases": releases, "kinds": kinds}


def _walk(node: Mapping[str, Any], path: str, depth: int) -> Any:
    yield path, node
    if depth >= MAX_DEPTH:
        return
    for name, child in node.get("properties", {}).items():
        if name not in KUBERNETES_TYPES:
            yield from _walk(child, f"{path}.{name}", depth + 1)
    if "items" in node:
        yield from _walk(node["items"], f"{path}[]", depth + 1)


def _ranges(tags: list[str], releases: list[str]) -> list[list[str]]:
    """Contiguous runs of releases, as [first, last] pairs."""
    runs: list[list[str]] = []
    for tag in tags:
        if runs and releases.index(tag) == releases.index(runs[-1][1]) + 1:
            runs[-1][1] = tag
        else:
            runs.append([tag, tag])
    return runs


def _tag_key(tag: str) -> tuple[int, ...]:
    return version_key(tag.lstrip("v"))
