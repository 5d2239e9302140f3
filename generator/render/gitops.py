"""What the Argo CD and Flux objects of an environment need, computed from the model.

The choices (sync waves, Replace for CRDs, ignoreDifferences for autoscaled replicas, CRDs through the
chart in Flux, health checks) and their upstream sources are explained in docs/gitops.md.
"""

from __future__ import annotations

import json
import re
from typing import Any

from generator.model.build import IN_CLUSTER_SERVER
from generator.model.fields import fill, runtime_owned
from generator.model.types import ClusterSpec, Environment

KUBERAY_HELM_REPOSITORY = "https://ray-project.github.io/kuberay-helm/"
KUBERAY_GIT_REPOSITORY = "https://github.com/ray-project/kuberay"
CRDS_PATH = "helm-chart/kuberay-operator/crds"
OPERATOR_CHART = "kuberay-operator"
ROOT_APPLICATION = "kuberay-gitops"
IN_CLUSTER = IN_CLUSTER_SERVER
# Kinds the kuberay-operator chart creates; the workloads overlay adds ConfigMaps and the ray.io kinds.
OPERATOR_CLUSTER_KINDS = (
    ("apiextensions.k8s.io", "CustomResourceDefinition"),
    ("rbac.authorization.k8s.io", "ClusterRole"),
    ("rbac.authorization.k8s.io", "ClusterRoleBinding"),
)
OPERATOR_NAMESPACED_KINDS = (
    ("apps", "Deployment"),
    ("", "ServiceAccount"),
    ("", "Service"),
    ("", "ConfigMap"),
    ("rbac.authorization.k8s.io", "Role"),
    ("rbac.authorization.k8s.io", "RoleBinding"),
)
SERVICE_MONITOR = ("monitoring.coreos.com", "ServiceMonitor")  # kuberay-operator chart, metrics.serviceMonitor
WORKLOAD_NAMESPACED_KINDS = (
    ("", "ConfigMap"),
    ("ray.io", "RayCluster"),
    ("ray.io", "RayJob"),
    ("ray.io", "RayService"),
)
# Flux health of the ray.io kinds, as CEL over the object (kustomize-controller healthCheckExprs). A running
# RayJob counts as healthy, as in the Argo CD health check: a job may run for longer than any timeout.
# Helm install and upgrade remediation of every Flux HelmRelease. Without it a release fails once and stays
# failed: the retries default to 0, so the first failure exhausts them (RetriesExhausted,
# api/v2/helmrelease_types.go:754 in fluxcd/helm-controller v1.6.3) and the controller answers "cannot install
# release" until the spec changes (internal/reconcile/atomic_release.go:395-400). A failed upgrade is rolled
# back to the last good release once the retries are used up (remediateLastFailure).
FLUX_INSTALL_REMEDIATION = {"retries": 3}
FLUX_UPGRADE_REMEDIATION = {"retries": 3, "remediateLastFailure": True}
FLUX_HEALTH_CHECKS = (
    {
        "apiVersion": "ray.io/v1",
        "kind": "RayCluster",
        # a suspended object is where Git wants it: Flux has no Suspended state, and waiting would time out
        "current": "(has(status.state) && status.state in ['ready', 'suspended'] && (!has(status.observedGeneration) "
        "|| !has(metadata.generation) || status.observedGeneration >= metadata.generation)) "
        "|| (has(spec.suspend) && spec.suspend)",
        "failed": "has(status.conditions) && status.conditions.exists(c, c.type == 'ReplicaFailure' "
        "&& c.status == 'True')",
    },
    {
        "apiVersion": "ray.io/v1",
        "kind": "RayJob",
        "current": "has(status.jobDeploymentStatus) && (status.jobDeploymentStatus in ['Running', 'Suspended'] || "
        "(status.jobDeploymentStatus == 'Complete' && has(status.jobStatus) && status.jobStatus == 'SUCCEEDED'))",
        "failed": "has(status.jobDeploymentStatus) && (status.jobDeploymentStatus in ['Failed', 'ValidationFailed'] "
        "|| (status.jobDeploymentStatus == 'Complete' && has(status.jobStatus) && status.jobStatus != 'SUCCEEDED'))",
    },
    {
        "apiVersion": "ray.io/v1",
        "kind": "RayService",
        "current": "(has(status.conditions) && status.conditions.exists(c, c.type == 'Ready' && c.status == 'True') "
        "&& !status.conditions.exists(c, c.type == 'UpgradeInProgress' && c.status == 'True')) "
        "|| (!has(status.conditions) && has(status.serviceStatus) && status.serviceStatus == 'Running') "
        "|| (has(spec.suspend) && spec.suspend)",
    },
)


def destination(environment: Environment, namespace: str) -> dict[str, str]:
    """An Argo CD destination: the cluster by API server URL or by its registered name."""
    cluster = environment.target.cluster
    key = "server" if cluster.startswith("https://") else "name"
    return {key: cluster, "namespace": namespace}


def repository_path(environment: Environment, *parts: str) -> str:
    return "/".join((environment.gitops.path, environment.name, *parts))


def project_spec(environment: Environment) -> dict[str, Any]:
    """Least privilege: this repository and KubeRay's, the environment's namespaces, only the needed kinds."""
    repositories = [environment.gitops.repo_url]
    destinations = [destination(environment, environment.target.namespace)]
    cluster_kinds = [("", "Namespace")]
    namespaced_kinds = list(WORKLOAD_NAMESPACED_KINDS)
    if environment.operator.install:
        repositories += [KUBERAY_HELM_REPOSITORY, KUBERAY_GIT_REPOSITORY]
    elif any(cluster.delivery == "helm" for cluster in environment.clusters):
        repositories.append(KUBERAY_HELM_REPOSITORY)
    if environment.operator.install:
        # the chart creates RBAC in its own namespace and in every watched one
        for namespace in (environment.operator.namespace, *environment.operator.watch_namespaces):
            if namespace not in (target["namespace"] for target in destinations):
                destinations.append(destination(environment, namespace))
        cluster_kinds += list(OPERATOR_CLUSTER_KINDS)
        namespaced_kinds += [kind for kind in OPERATOR_NAMESPACED_KINDS if kind not in namespaced_kinds]
        if _service_monitor_enabled(environment):
            namespaced_kinds.append(SERVICE_MONITOR)
    return {
        "description": f"KubeRay environment {environment.name} (generated by kuberay-gitops)",
        "sourceRepos": repositories,
        "destinations": destinations,
        "clusterResourceWhitelist": [{"group": group, "kind": kind} for group, kind in cluster_kinds],
        "namespaceResourceWhitelist": [{"group": group, "kind": kind} for group, kind in namespaced_kinds],
    }


def _service_monitor_enabled(environment: Environment) -> bool:
    metrics = environment.operator.values.get("metrics")
    monitor = metrics.get("serviceMonitor") if isinstance(metrics, dict) else None
    return isinstance(monitor, dict) and monitor.get("enabled") is True


def ignore_differences(environment: Environment) -> list[dict[str, Any]]:
    """The autoscaler's fields, for every object whose cluster autoscales (and only those)."""
    entries: list[dict[str, Any]] = []
    owned: list[tuple[str, str, ClusterSpec | None]] = [
        *(("RayCluster", c.meta.name, c.spec) for c in environment.clusters if c.delivery == "kustomize"),
        *(("RayJob", job.meta.name, job.cluster) for job in environment.jobs),
        *(("RayService", service.meta.name, service.cluster) for service in environment.services),
    ]
    for kind, name, spec in owned:
        entries.extend(autoscaler_differences(kind, name, spec))
    return entries


def autoscaler_differences(kind: str, name: str, spec: ClusterSpec | None) -> list[dict[str, Any]]:
    if spec is None or spec.autoscaling is None:
        return []
    return [
        {
            "group": "ray.io",
            "kind": kind,
            "name": name,
            # the fields the Ray autoscaler writes, from the field table
            "jqPathExpressions": [f".{entry.crd_path}" for entry in runtime_owned(kind, "autoscaler")],
        }
    ]


def flux_autoscaler_patches(environment: Environment) -> list[dict[str, Any]]:
    """JSON patches that drop autoscaler-owned worker replicas from what kustomize-controller applies.

    kustomize-controller re-applies the overlay server-side at every interval and would take `replicas`
    back from the autoscaler; without the field in the applied object it never owns it.
    """
    patches = []
    for cluster in environment.clusters:
        if cluster.delivery != "kustomize" or cluster.spec.autoscaling is None or not cluster.spec.worker_groups:
            continue
        # only the autoscaler-owned fields that the overlay sets (replicas; never scaleStrategy)
        operations = [
            {"op": "remove", "path": "/" + "/".join(str(part) for part in fill(entry.crd, (index,)))}
            for index in range(len(cluster.spec.worker_groups))
            for entry in runtime_owned("RayCluster", "autoscaler")
            if entry.env is not None
        ]
        patches.append(
            {
                "patch": json.dumps(operations),
                "target": {"group": "ray.io", "version": "v1", "kind": "RayCluster", "name": cluster.meta.name},
            }
        )
    return patches


VERSION_TAG = re.compile(r"^v?[0-9]+\.[0-9]+(\.[0-9]+)?([-+.][0-9A-Za-z.-]+)?$")
COMMIT = re.compile(r"^[0-9a-f]{40}$")


def flux_git_ref(revision: str) -> dict[str, str]:
    """A GitRepository ref for an Argo CD-style targetRevision.

    Argo CD resolves a name as branch or tag by itself; Flux must be told. A commit SHA is a commit, a full
    `refs/...` name is used as is, a version (v1.2.0, 2026.11) is a tag, anything else a branch.
    """
    if COMMIT.match(revision):
        return {"commit": revision}
    if revision.startswith("refs/"):
        return {"name": revision}
    if VERSION_TAG.match(revision):
        return {"tag": revision}
    return {"branch": revision}
