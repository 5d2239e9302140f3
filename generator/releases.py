"""KubeRay releases this tool knows, and what each one's kuberay-operator chart expects by default."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator.errors import SetupError

# Every release whose CRDs and charts are derived into schemas/kuberay/ (a test keeps the two equal).
SUPPORTED_RELEASES = (
    "1.3.0", "1.3.1", "1.3.2",
    "1.4.0", "1.4.1", "1.4.2",
    "1.5.0", "1.5.1", "1.5.2",
    "1.6.0", "1.6.1", "1.6.2",
    "1.7.0",
)  # fmt: skip


@dataclass(frozen=True)
class KubeRayRelease:
    """One pinned KubeRay release: chart version, operator image and chart default values."""

    version: str
    chart_version: str
    operator_image_repository: str
    operator_image_tag: str
    default_feature_gates: Mapping[str, bool]  # the gates the chart's values pass to --feature-gates, in order
    # every gate the operator registers, with its default when --feature-gates does not name it (features.go)
    operator_feature_gates: Mapping[str, bool]
    operator_chart_defaults: Mapping[str, Any]
    operator_chart_commented_keys: tuple[str, ...]  # keys the chart documents only in comments
    ray_cluster_chart_version: str
    ray_cluster_chart_defaults: Mapping[str, Any]
    ray_cluster_chart_commented_keys: tuple[str, ...]
    # the chart's per-namespace Role rules of a single-namespace install, per value combination (access.py)
    operator_namespace_roles: tuple[Mapping[str, Any], ...]
    # the chart's cluster-scoped objects ([kind, name], the name may hold `{fullname}`) and the release's CRDs
    operator_cluster_objects: tuple[tuple[str, str], ...]
    crd_names: tuple[str, ...]

    @property
    def tag(self) -> str:
        return release_tag(self.version)


def release_tag(version: str) -> str:
    """The git tag of a release (`v1.3.0`), which also names its folder of derived data under schemas/kuberay/."""
    return f"v{version}"


def version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def load_release(version: str, schemas_dir: Path) -> KubeRayRelease:
    """Read the derived chart data of `version` from schemas/kuberay/<tag>/."""
    document = _chart_document(schemas_dir, version, "kuberay-operator")
    cluster_chart = _chart_document(schemas_dir, version, "ray-cluster")
    values = document["values"]
    gates = {gate["name"]: bool(gate["enabled"]) for gate in values.get("featureGates") or []}
    return KubeRayRelease(
        version=version,
        chart_version=document["chartVersion"],
        operator_image_repository=values["image"]["repository"],
        operator_image_tag=values["image"]["tag"],
        default_feature_gates=gates,
        operator_feature_gates=_operator_gates(schemas_dir, version),
        operator_chart_defaults=values,
        operator_chart_commented_keys=tuple(document.get("commentedKeys", ())),
        ray_cluster_chart_version=cluster_chart["chartVersion"],
        ray_cluster_chart_defaults=cluster_chart["values"],
        ray_cluster_chart_commented_keys=tuple(cluster_chart.get("commentedKeys", ())),
        operator_namespace_roles=tuple(document["namespaceRoles"]),
        operator_cluster_objects=tuple((kind, name) for kind, name in document["clusterObjects"]),
        crd_names=tuple(document["crdNames"]),
    )


def _operator_gates(schemas_dir: Path, version: str) -> dict[str, bool]:
    path = schemas_dir / "kuberay" / release_tag(version) / "feature-gates.json"
    try:
        gates: dict[str, bool] = json.loads(path.read_text(encoding="utf-8"))["gates"]
    except (OSError, ValueError, KeyError) as error:
        raise SetupError(f"cannot read {path}: {error} (run `make schemas`)") from error
    return gates


def _chart_document(schemas_dir: Path, version: str, chart: str) -> dict[str, Any]:
    path = schemas_dir / "kuberay" / release_tag(version) / f"{chart}.values.json"
    try:
        document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise SetupError(f"cannot read the derived chart data {path}: {error} (run `make schemas`)") from error
    return document


@dataclass(frozen=True)
class FieldHistory:
    """The releases in which each KubeRay spec field and CRD enum value exists (schemas/kuberay/field-history.json)."""

    releases: tuple[str, ...]
    fields: Mapping[str, Mapping[str, list[list[str]]]]  # kind -> path -> [[first, last], ...]
    enums: Mapping[str, Mapping[str, Mapping[str, list[list[str]]]]]  # kind -> path -> value -> ranges
    expanded: dict[tuple[tuple[str, ...], ...], tuple[str, ...]] = field(
        default_factory=dict, compare=False, repr=False
    )  # ranges -> the releases they span, filled as asked
    expanded_fields: dict[tuple[str, str], tuple[str, ...]] = field(
        default_factory=dict, compare=False, repr=False
    )  # (kind, path) -> field_releases, filled as asked: every environment asks about the same fields

    def knows(self, kind: str, path: str) -> bool:
        """Whether any release has `path` (paths under Kubernetes types such as pod templates are not kept)."""
        return path in self.fields.get(kind, {})

    def field_releases(self, kind: str, path: str) -> tuple[str, ...]:
        key = (kind, path)
        found = self.expanded_fields.get(key)
        if found is None:
            found = self.expanded_fields[key] = self._expand(self.fields.get(kind, {}).get(path, []))
        return found

    def enum_releases(self, kind: str, path: str, value: str) -> tuple[str, ...] | None:
        """Releases that accept `value` at `path`, or None when the CRD puts no enum there."""
        values = self.enums.get(kind, {}).get(path)
        if values is None:
            return None
        return self._expand(values.get(value, []))

    def _expand(self, ranges: list[list[str]]) -> tuple[str, ...]:
        # every environment asks about the same few hundred fields: each list of ranges is expanded once
        key = tuple(map(tuple, ranges))
        if key not in self.expanded:
            self.expanded[key] = self._expanded(ranges)
        return self.expanded[key]

    def _expanded(self, ranges: list[list[str]]) -> tuple[str, ...]:
        found: list[str] = []
        for first, last in ranges:
            start, end = self.releases.index(first), self.releases.index(last)
            found.extend(self.releases[start : end + 1])
        return tuple(tag.removeprefix(release_tag("")) for tag in found)


def load_field_history(schemas_dir: Path) -> FieldHistory:
    path = schemas_dir / "kuberay" / "field-history.json"
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise SetupError(f"cannot read {path}: {error} (run `make schemas`)") from error
    kinds = document["kinds"]
    return FieldHistory(
        releases=tuple(document["releases"]),
        fields={kind: entry["fields"] for kind, entry in kinds.items()},
        enums={kind: entry["enums"] for kind, entry in kinds.items()},
    )
