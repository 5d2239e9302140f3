"""Hand-kept facts about KubeRay releases that the CRDs do not show, with their sources.

Everything the CRDs do show (which field and which CRD enum value exists in which release) is derived
into schemas/kuberay/field-history.json instead. Sources: ray-operator/apis/ray/v1/*_types.go constants
and ray-operator/pkg/features/features.go at each release tag (summarised in ../shared/kuberay/
FIELDS_BY_VERSION.md), and ray-operator/controllers/ray/utils/validation.go.
"""

from __future__ import annotations

from dataclasses import dataclass

# Values of string fields the operator checks but the CRD does not enumerate: value -> first release.
SUBMISSION_MODES = {"K8sJobMode": "1.1.0", "HTTPMode": "1.1.0", "InteractiveMode": "1.3.0", "SidecarMode": "1.5.0"}
RAYSERVICE_UPGRADE_TYPES = {"NewCluster": "1.3.0", "None": "1.3.0", "NewClusterWithIncrementalUpgrade": "1.5.0"}
# Fields that a later release replaced, and what to use there.
REPLACED_BY = {"deletionPolicy": "use deletionStrategy (KubeRay >= 1.5.0), or pin KubeRay 1.3 or 1.4"}


@dataclass(frozen=True)
class GatedFeature:
    """A field (or field value) the operator ignores or rejects unless a feature gate is on."""

    gate: str
    what: str  # how the message names the feature


# environment field (relative to a job, cluster or service item) -> gate, for every release that has the field
JOB_GATES = {
    ("deletionStrategy",): GatedFeature("RayJobDeletionPolicy", "deletionStrategy"),
    ("deletionPolicy",): GatedFeature("RayJobDeletionPolicy", "deletionPolicy"),
}
CLUSTER_GATES = {
    ("networkPolicy",): GatedFeature("RayClusterNetworkPolicy", "networkPolicy"),
    ("tlsOptions",): GatedFeature("RayClusterMTLS", "tlsOptions"),
    ("historyServer",): GatedFeature("RayClusterHistoryServer", "historyServer"),
}
INCREMENTAL_UPGRADE = GatedFeature("RayServiceIncrementalUpgrade", "upgradeStrategy NewClusterWithIncrementalUpgrade")
