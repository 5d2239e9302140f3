"""The keys a Helm chart takes, from its values.yaml (plus keys it documents only in comments).

Helm ignores a misspelt key silently; comparing against the chart's own values.yaml of the pinned release
makes it an error. Values that hold Kubernetes objects or free-form maps are not descended into.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from generator.errors import DocPath

OPEN_VALUES = frozenset(
    {
        "resources", "securityContext", "podSecurityContext", "nodeSelector", "affinity", "tolerations", "labels",
        "annotations", "livenessProbe", "readinessProbe", "env", "containerEnv", "envFrom", "imagePullSecrets",
        "volumes", "volumeMounts", "podAnnotations", "podLabels", "sidecarContainers", "initContainers", "selector",
        "defaultPodAnnotations", "defaultPodLabels", "rayStartParams", "autoscalerOptions", "headService", "ports",
        "dnsConfig", "topologySpreadConstraints", "resourceClaims",
    }
)  # fmt: skip


@dataclass(frozen=True)
class UnknownKey:
    path: DocPath  # of the unknown key, relative to the values
    suggestion: str | None


def key_tree(defaults: Mapping[str, Any], commented: Iterable[str]) -> dict[str, Any]:
    """The chart's defaults with the commented-only keys ("watchNamespace", "head.rayVersion") added."""
    tree: dict[str, Any] = dict(defaults)
    for dotted in commented:
        node = tree
        *parents, last = dotted.split(".")
        for parent in parents:
            child = node.get(parent)
            node[parent] = child = dict(child) if isinstance(child, dict) else {}
            node = child
        node.setdefault(last, None)
    return tree


def unknown_keys(values: Mapping[str, Any], tree: Mapping[str, Any], path: DocPath = ()) -> Iterator[UnknownKey]:
    for key, value in values.items():
        where = (*path, key)
        if key not in tree:
            close = difflib.get_close_matches(key, sorted(tree), n=1, cutoff=0.75)
            yield UnknownKey(where, close[0] if close else None)
            continue
        default = tree[key]
        if isinstance(value, dict) and isinstance(default, dict) and default and key not in OPEN_VALUES:
            yield from unknown_keys(value, default, where)
