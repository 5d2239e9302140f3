"""KubeRay releases this tool knows, and what each one's kuberay-operator chart expects by default."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
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
    default_feature_gates: Mapping[str, bool]
    operator_chart_defaults: Mapping[str, Any]

    @property
    def tag(self) -> str:
        return f"v{self.version}"


def version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def load_release(version: str, schemas_dir: Path) -> KubeRayRelease:
    """Read the derived chart data of `version` from schemas/kuberay/v<version>/."""
    path = schemas_dir / "kuberay" / f"v{version}" / "kuberay-operator.values.json"
    try:
        document = json.loads(path.read_text())
    except (OSError, ValueError) as error:
        raise SetupError(f"cannot read the derived chart data {path}: {error} (run `make schemas`)") from error
    values = document["values"]
    gates = {gate["name"]: bool(gate["enabled"]) for gate in values.get("featureGates") or []}
    return KubeRayRelease(
        version=version,
        chart_version=document["chartVersion"],
        operator_image_repository=values["image"]["repository"],
        operator_image_tag=values["image"]["tag"],
        default_feature_gates=gates,
        operator_chart_defaults=values,
    )
