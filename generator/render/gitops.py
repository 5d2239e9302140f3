"""What the Argo CD and Flux objects of an environment need, computed from the model.

The choices (sync waves, Replace for CRDs, ignoreDifferences for autoscaled replicas, CRDs through the
chart in Flux, health checks) and their upstream sources are explained in docs/gitops.md.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from copy import deepcopy
from typing import Any

from generator.input.resolve import merge
from generator.model import access, names
from generator.model.build import IN_CLUSTER_SERVER
from generator.model.fields import SECTION_KINDS, fill, runtime_owned
from generator.model.types import Environment, RayCluster, RayService
from generator.source import GENERATED

KUBERAY_HELM_REPOSITORY = "https://ray-project.github.io/kuberay-helm/"
KUBERAY_GIT_REPOSITORY = "https://github.com/ray-project/kuberay"
CRDS_PATH = "helm-chart/kuberay-operator/crds"
OPERATOR_CHART = "kuberay-operator"
ROOT_APPLICATION = "kuberay-gitops"
IN_CLUSTER = IN_CLUSTER_SERVER
CRD_GROUP = "apiextensions.k8s.io"
RBAC_GROUP = "rbac.authorization.k8s.io"
# Namespaced kinds the kuberay-operator chart creates; the workloads overlay has ConfigMaps and the ray.io kinds.
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
# Helm install and upgrade remediation of every Flux HelmRelease. Without it a release fails once and stays
# failed: the retries default to 0, so the first failure exhausts them (RetriesExhausted,
# api/v2/helmrelease_types.go:754 in fluxcd/helm-controller v1.6.3) and the controller answers "cannot install
# release" until the spec changes (internal/reconcile/atomic_release.go:395-400). A failed upgrade is rolled
# back to the last good release once the retries are used up (remediateLastFailure).
FLUX_INSTALL_REMEDIATION = {"retries": 3}
# Retry of every Argo CD Application's sync. An automated sync retries 5 times by default with a 5 s
# backoff doubling to 3 min (controller/appcontroller.go:2383 at v3.5.1; the backoff defaults in
# pkg/apis/application/v1alpha1/application_defaults.go:6-8), about 2.5 minutes in all, and a revision whose
# sync failed is not synced again until the next commit (appcontroller.go:2393-2399). On a KubeRay upgrade the
# workloads may sync before the new CRDs are served; this backoff keeps them retrying for about half an hour.
ARGOCD_RETRY = {"limit": 10, "backoff": {"duration": "30s", "factor": 2, "maxDuration": "5m"}}
FLUX_UPGRADE_REMEDIATION = {"retries": 3, "remediateLastFailure": True}
# How long the install of a chart-delivered RayCluster may wait for it to be ready (its CEL: the head and the
# minimum workers running), and the charts Kustomization for the HelmRelease. helm-controller waits 5 minutes by
# default ("Defaults to '5m0s'", HelmReleaseSpec.Timeout in helm.toolkit.fluxcd.io_helmreleases.yaml at
# helm-controller v1.6.3) and uninstalls a failed install before each retry: a large Ray image or a GPU node that
# has to come up takes longer, and the cluster was uninstalled over and over, then left failed.
RAY_CLUSTER_INSTALL_TIMEOUT = "30m"


def _condition(kind: str, value: str = "True") -> str:
    return f"(has(status.conditions) && status.conditions.exists(c, c.type == '{kind}' && c.status == '{value}'))"


def _has_condition(kind: str) -> str:
    return f"(has(status.conditions) && status.conditions.exists(c, c.type == '{kind}'))"


def _ready_reason(*reasons: str) -> str:
    listed = ", ".join(f"'{reason}'" for reason in reasons)
    return (
        "(has(status.conditions) && status.conditions.exists(c, c.type == 'Ready' && c.status != 'True' "
        f"&& has(c.reason) && c.reason in [{listed}]))"
    )


_SUSPEND = "(has(spec.suspend) && spec.suspend)"
_CLUSTER_FAILED = f"({_condition('ReplicaFailure')} || (has(status.state) && status.state == 'failed'))"
_SERVE_FAILED = (
    "(has(status.activeServiceStatus) && has(status.activeServiceStatus.applicationStatuses) && "
    "status.activeServiceStatus.applicationStatuses.exists(name, "
    "status.activeServiceStatus.applicationStatuses[name].status in ['DEPLOY_FAILED', 'UNHEALTHY']))"
)
# Flux health of the ray.io kinds as CEL over the object (healthCheckExprs), the same table as the Argo CD Lua
# checks in templates/argocd/health/ (docs/gitops.md, "Health checks"; tests/fixtures/health/cases.yaml runs
# both). Flux evaluates inProgress, then failed, then current, after its own rule that an observedGeneration
# behind metadata.generation is InProgress (runtime/cel/status_evaluator.go:87-100 in fluxcd/pkg). Flux has no
# Suspended state: a suspended object is current, as waiting for it would only time out.
FLUX_HEALTH_CHECKS = (
    {
        "apiVersion": "ray.io/v1",
        "kind": "RayCluster",
        "inProgress": f"!{_CLUSTER_FAILED} && (({_SUSPEND} && !{_condition('RayClusterSuspended')} && "
        f"!(has(status.state) && status.state == 'suspended')) || "
        f"(!{_SUSPEND} && {_condition('RayClusterSuspending')}))",
        "failed": f"{_CLUSTER_FAILED} || (!{_SUSPEND} && {_has_condition('HeadPodReady')} && "
        f"!{_condition('HeadPodReady')} && {_condition('RayClusterProvisioned')})",
        "current": f"{_SUSPEND} || ({_condition('HeadPodReady')} && {_condition('RayClusterProvisioned')}) || "
        f"(!{_has_condition('HeadPodReady')} && has(status.state) && status.state == 'ready')",
    },
    {
        "apiVersion": "ray.io/v1",
        "kind": "RayJob",
        "failed": "has(status.jobDeploymentStatus) && (status.jobDeploymentStatus in ['Failed', 'ValidationFailed'] "
        "|| (status.jobDeploymentStatus == 'Complete' && (!has(status.jobStatus) || status.jobStatus != 'SUCCEEDED')))",
        "current": "has(status.jobDeploymentStatus) && (status.jobDeploymentStatus == 'Suspended' || "
        "(status.jobDeploymentStatus == 'Running' && has(status.jobStatus) && status.jobStatus == 'RUNNING') || "
        "(status.jobDeploymentStatus == 'Complete' && has(status.jobStatus) && status.jobStatus == 'SUCCEEDED'))",
    },
    {
        "apiVersion": "ray.io/v1",
        "kind": "RayService",
        "inProgress": f"!{_ready_reason('InitializingTimeout', 'ValidationFailed')} && !{_SERVE_FAILED} && "
        f"(({_SUSPEND} && !{_condition('Suspended')}) || (!{_SUSPEND} && ({_condition('RollbackInProgress')} || "
        f"{_condition('UpgradeInProgress')})))",
        "failed": f"{_ready_reason('InitializingTimeout', 'ValidationFailed')} || {_SERVE_FAILED} || "
        f"(!{_SUSPEND} && {_ready_reason('ZeroServeEndpoints')})",
        "current": f"{_SUSPEND} || {_condition('Ready')} || (!{_has_condition('Ready')} && has(status.serviceStatus) "
        "&& status.serviceStatus == 'Running')",
    },
)


def flux_health_check(kind: str) -> dict[str, str]:
    return next(check for check in FLUX_HEALTH_CHECKS if check["kind"] == kind)


def flux_checked_objects(environment: Environment, renamed: Mapping[tuple[str, str], str]) -> list[dict[str, str]]:
    """The objects the workloads Kustomization waits for: its RayJobs and RayServices, by the names kustomize
    builds them with (`renamed`: (kind, item name) -> the name a JSON patch gave).

    Not its RayClusters: KubeRay writes a RayCluster's status only when a field other than observedGeneration
    changes (InconsistentRayClusterStatus, ray-operator/controllers/ray/utils/consistency.go:10-31 at v1.7.0),
    so after a spec change that moves no pod, observedGeneration stays behind metadata.generation, and Flux
    holds any object in that state InProgress before it reads an expression (fluxcd/pkg
    runtime/cel/status_evaluator.go, Evaluate): `wait` would time out and the Kustomization turn not Ready.
    """
    namespace = environment.target.namespace
    services = [service for service in environment.services if not _suspended(service)]
    return [
        *(
            {
                "apiVersion": "ray.io/v1",
                "kind": kind,
                "name": renamed.get((kind, item.meta.name), item.meta.name),
                "namespace": namespace,
            }
            for kind, items in (("RayJob", environment.jobs), ("RayService", services))
            for item in items
        ),
    ]


def _suspended(service: RayService) -> bool:
    """Whether the rendered RayService is suspended (what its `spec` writes, else the structured field). Not waited
    for: once Suspended, KubeRay returns before it records the generation it saw (handleSuspend, "Stay suspended",
    rayservice_controller.go:383-409 at v1.7.0), so after any change of its spec Flux holds it InProgress (its
    observedGeneration behind) and the Kustomization would time out at every interval."""
    written = service.override.get("suspend") if "suspend" in service.override else service.suspend
    return written is True


ALL_VERBS = ("get", "list", "watch", "create", "update", "patch", "delete")


def flux_accounts(environment: Environment) -> list[dict[str, Any]]:
    """The service account of each generated Kustomization and the Role of what it applies.

    The operator and chart Kustomizations apply HelmReleases and their values ConfigMaps in Flux's namespace;
    the workloads Kustomization applies ConfigMaps and Ray objects in the environment's namespace (and the
    single-namespace operator's Role there, which it may grant as the Role names it: `escalate` and `bind`
    on that one Role). The Namespace itself comes with this folder; what the workloads need cluster-wide is a
    Get of that Namespace and their `clusterObjects`, each by name (its ClusterRole keeps the name
    `<account>-namespace` it had when the Namespace was all it held, so existing clusters see no rename).
    """
    flux = names.flux_names(environment.name)
    releases = [
        {"apiGroups": ["helm.toolkit.fluxcd.io"], "resources": ["helmreleases"], "verbs": list(ALL_VERBS)},
        {"apiGroups": [""], "resources": ["configmaps"], "verbs": list(ALL_VERBS)},
    ]
    accounts = []
    # the Kustomize delivery applies CRDs and cluster roles: its Kustomization runs as the controller
    if environment.operator.install and environment.operator.delivery == "helm":
        accounts.append({"name": flux["operator"], "namespace": environment.gitops.flux_namespace, "rules": releases})
    if any(cluster.delivery == "helm" for cluster in environment.clusters):
        accounts.append({"name": flux["charts"], "namespace": environment.gitops.flux_namespace, "rules": releases})
    # the Ray kinds, RayCronJob only where the environment has one (an older release's API has none)
    ray_kinds = [kind for kind in SECTION_KINDS.values() if kind != "RayCronJob" or environment.cron_jobs]
    ray_resources = [names.resource_name(kind) for kind in ray_kinds]
    workloads: list[dict[str, Any]] = [
        {"apiGroups": [""], "resources": ["configmaps"], "verbs": list(ALL_VERBS)},
        {"apiGroups": ["ray.io"], "resources": ray_resources, "verbs": list(ALL_VERBS)},
    ]
    workloads += object_rules(environment)
    grant = environment.namespace_grant
    if grant is not None:
        workloads += [
            {"apiGroups": [RBAC_GROUP], "resources": ["roles", "rolebindings"], "verbs": list(ALL_VERBS)},
            {
                "apiGroups": [RBAC_GROUP],
                "resources": ["roles"],
                "verbs": ["escalate", "bind"],
                "resourceNames": [grant.role],
            },
        ]
    # Reading its own Namespace, by name and nothing more: a workloads Kustomization from before the Namespace
    # moved to the Flux folder still lists it, and pruning starts with a Get (fluxcd/pkg ssa/manager_delete.go:68);
    # the Namespace there is marked prune: disabled, so the Get is all that happens (flux_namespace_annotations).
    namespace_rules = [
        {
            "apiGroups": [""],
            "resources": ["namespaces"],
            "verbs": ["get"],
            "resourceNames": [environment.target.namespace],
        },
        *cluster_object_rules(environment),
    ]
    accounts.append(
        {
            "name": flux["workloads"],
            "namespace": environment.target.namespace,
            "rules": workloads,
            "cluster_role": names.flux_namespace_role(environment.name),
            "cluster_rules": namespace_rules,
        }
    )
    return accounts


# On the Namespace that the Flux folder applies: no Kustomization prunes it, so removing the environment (or a
# workloads Kustomization that still lists it) never deletes the namespace and everything in it.
FLUX_NAMESPACE_ANNOTATIONS = {"kustomize.toolkit.fluxcd.io/prune": "disabled"}


def flux_alert_sources(environment: Environment) -> list[dict[str, str]]:
    """What the environment's Flux Alert listens to: the Kustomizations that apply its Ray objects (their health
    checks fail with error events) and the HelmReleases of chart-delivered clusters."""
    flux = names.flux_names(environment.name)
    sources = [{"kind": "Kustomization", "name": flux["workloads"]}]
    if any(cluster.delivery == "helm" for cluster in environment.clusters):
        sources.append({"kind": "Kustomization", "name": flux["charts"]})
        sources += [
            {"kind": "HelmRelease", "name": names.chart_release_name(environment.name, cluster.meta.name)}
            for cluster in environment.clusters
            if cluster.delivery == "helm"
        ]
    return sources


def flux_operator_dependency(environment: Environment) -> dict[str, str] | None:
    """The operator Kustomization that the workloads and charts Kustomizations depend on, so that the CRDs are
    served before a Ray object is applied (on a new cluster, and on a KubeRay upgrade): the environment's own
    when it installs the operator, else that of the environment that installs it on the cluster, when Flux
    applies that one (with its namespace where it differs). None: no Flux object to wait for."""
    if environment.operator.install:
        return {"name": names.flux_names(environment.name)["operator"]}
    owner = environment.operator_owner
    if owner is None or owner.flux_namespace is None:
        return None
    dependency = {"name": names.flux_names(owner.name)["operator"]}
    if owner.flux_namespace != environment.gitops.flux_namespace:
        dependency["namespace"] = owner.flux_namespace
    return dependency


def flux_namespace_patch(environment: Environment) -> dict[str, Any]:
    """Leaves the Namespace out of what the workloads Kustomization applies (its account may not create it):
    the Flux folder applies it, before the Role that the account needs in it."""
    namespace = environment.target.namespace
    return {
        "patch": f"$patch: delete\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: {namespace}\n",
        "target": {"kind": "Namespace", "name": namespace},
    }


def destination(environment: Environment, namespace: str) -> dict[str, str]:
    """An Argo CD destination: the cluster by API server URL or by its registered name."""
    cluster = environment.target.cluster
    key = "server" if cluster.startswith("https://") else "name"
    return {key: cluster, "namespace": namespace}


def repository_path(environment: Environment, *parts: str) -> str:
    return "/".join((environment.gitops.path, environment.name, *parts))


def object_kinds(environment: Environment) -> list[tuple[str, str]]:
    """The API group and kind of each kind among `objects`, in order of first appearance."""
    kinds = [(names.api_group(str(item["apiVersion"])), str(item["kind"])) for item in environment.objects]
    return list(dict.fromkeys(kinds))


def object_rules(environment: Environment) -> list[dict[str, Any]]:
    """What the workloads Kustomization's account needs for `objects`: every verb on their resources, and on
    the Roles among them `escalate` and `bind` by name, since RBAC lets an account grant only what it holds."""
    by_group: dict[str, list[str]] = {}
    for group, kind in object_kinds(environment):
        by_group.setdefault(group, []).append(names.resource_name(kind))
    rules: list[dict[str, Any]] = [
        {"apiGroups": [group], "resources": resources, "verbs": list(ALL_VERBS)}
        for group, resources in by_group.items()
    ]
    rbac = [item for item in environment.objects if str(item["apiVersion"]).startswith(f"{RBAC_GROUP}/")]
    roles = [item["metadata"]["name"] for item in rbac if item["kind"] == "Role"]
    if roles:
        rules.append(
            {"apiGroups": [RBAC_GROUP], "resources": ["roles"], "verbs": ["escalate", "bind"], "resourceNames": roles}
        )
    # a RoleBinding may name only a role whose permissions the account holds, or one it may `bind`
    for kind, resource in (("Role", "roles"), ("ClusterRole", "clusterroles")):
        bound = sorted(
            {
                str(_role_ref(item).get("name"))
                for item in rbac
                if item["kind"] == "RoleBinding" and _role_ref(item).get("kind") == kind
            }
            - set(roles if kind == "Role" else [])
        )
        if bound:
            rules.append(
                {"apiGroups": [RBAC_GROUP], "resources": [resource], "verbs": ["bind"], "resourceNames": bound}
            )
    return rules


def _role_ref(binding: Mapping[str, Any]) -> Mapping[str, Any]:
    """A binding's roleRef, {} when it is none (the object's schema check says so; the render comes first)."""
    reference = binding.get("roleRef")
    return reference if isinstance(reference, Mapping) else {}


# What applying and pruning an object by name takes under server-side apply: kustomize-controller applies with
# an apply patch, which the API server authorizes as `patch` and, when it creates the object, as `create` with
# the object's name (k8s.io/apiserver pkg/endpoints/handlers/patch.go:203-214 at v0.34.10), so `create` can be
# restricted by name too; it reads objects by name, as its status poller does unless DisableStatusPollerCache is
# switched off (kustomize-controller main.go:268-270, internal/features/features.go:76-78), and prunes by name.
NAMED_VERBS = ("get", "create", "update", "patch", "delete")


def cluster_object_rules(environment: Environment) -> list[dict[str, Any]]:
    """What the workloads Kustomization's account needs for `clusterObjects`: the named verbs on each object by
    name; on its ClusterRoles `escalate` and `bind`, and `bind` on the ClusterRoles its ClusterRoleBindings name,
    since RBAC lets an account grant only what it holds."""
    by_resource: dict[tuple[str, str], list[str]] = {}
    for item in environment.cluster_objects:
        group = names.api_group(str(item["apiVersion"]))
        names_of = by_resource.setdefault((group, names.resource_name(str(item["kind"]))), [])
        names_of.append(str(item["metadata"]["name"]))
    rules: list[dict[str, Any]] = [
        {"apiGroups": [group], "resources": [resource], "verbs": list(NAMED_VERBS), "resourceNames": object_names}
        for (group, resource), object_names in by_resource.items()
    ]
    roles = by_resource.get((RBAC_GROUP, "clusterroles"), [])
    if roles:
        rules.append(
            {
                "apiGroups": [RBAC_GROUP],
                "resources": ["clusterroles"],
                "verbs": ["escalate", "bind"],
                "resourceNames": roles,
            }
        )
    bound = sorted(
        {
            str(_role_ref(item).get("name"))
            for item in environment.cluster_objects
            if item["kind"] == "ClusterRoleBinding" and _role_ref(item).get("kind") == "ClusterRole"
        }
        - set(roles)
    )
    if bound:
        rules.append(
            {"apiGroups": [RBAC_GROUP], "resources": ["clusterroles"], "verbs": ["bind"], "resourceNames": bound}
        )
    return rules


def cluster_object_entries(environment: Environment) -> list[tuple[str, str, str]]:
    """The AppProject's allow-list entries of `clusterObjects`: group, kind and exact name. The names are
    DNS-1123 (or RBAC names with ':'), so none holds a glob character, which Argo CD would expand
    (ClusterResourceRestrictionItem, pkg/apis/application/v1alpha1/types.go:2913-2919 at v3.5.1)."""
    return [
        (names.api_group(str(item["apiVersion"])), str(item["kind"]), str(item["metadata"]["name"]))
        for item in environment.cluster_objects
    ]


def workloads_project(environment: Environment) -> dict[str, Any]:
    """The workloads' AppProject: this repository (and the KubeRay charts for chart-delivered clusters), the
    environment's namespace and nothing else, the Ray kinds and ConfigMaps, and its own Namespace and its
    `clusterObjects` by name."""
    repositories = [environment.gitops.repo_url]
    if any(cluster.delivery == "helm" for cluster in environment.clusters):
        repositories.append(KUBERAY_HELM_REPOSITORY)
    namespaced_kinds = list(WORKLOAD_NAMESPACED_KINDS)
    if environment.cron_jobs:
        namespaced_kinds.append(("ray.io", "RayCronJob"))
    if environment.namespace_grant is not None:
        namespaced_kinds += [("rbac.authorization.k8s.io", "Role"), ("rbac.authorization.k8s.io", "RoleBinding")]
    namespaced_kinds += [kind for kind in object_kinds(environment) if kind not in namespaced_kinds]
    # a cluster-scoped object needs no destination: Argo CD checks only its kind and name against the project
    # (validateSyncPermissions, controller/sync.go:647-671 at v3.5.1)
    project = _project(
        f"Ray workloads of environment {environment.name}",
        repositories,
        [destination(environment, environment.target.namespace)],
        [("", "Namespace", environment.target.namespace), *cluster_object_entries(environment)],
        namespaced_kinds,
    )
    if environment.gitops.sync_windows:
        # every Application of this project: the workloads and chart-delivered clusters of this environment
        project["syncWindows"] = [{**window, "applications": ["*"]} for window in environment.gitops.sync_windows]
    return project


NOTIFICATION_TRIGGER = "on-health-degraded"  # of the Argo CD notifications catalog


def notification_annotations(environment: Environment) -> dict[str, str]:
    """Argo CD notifications subscriptions of a workloads Application: one annotation per service, its
    recipients joined by `;` (notifications.argoproj.io/subscribe.<trigger>.<service>: <recipients>)."""
    recipients: dict[str, list[str]] = {}
    for subscription in environment.gitops.notifications:
        recipients.setdefault(subscription["service"], []).append(subscription["recipient"])
    return {
        f"notifications.argoproj.io/subscribe.{NOTIFICATION_TRIGGER}.{service}": ";".join(names)
        for service, names in sorted(recipients.items())
    }


def platform_project(environment: Environment) -> dict[str, Any]:
    """The AppProject of the CRDs and the operator: KubeRay's repositories only, the operator's namespace,
    the release's CRDs and, by exact name, the ClusterRoles and bindings that an install of the release may create
    (access.cluster_objects: also those an earlier setting created, which a sync must be allowed to prune)."""
    namespaced_kinds = list(OPERATOR_NAMESPACED_KINDS)
    if _service_monitor_enabled(environment):
        namespaced_kinds.append(SERVICE_MONITOR)
    cluster_objects = [
        # CreateNamespace=true creates it, and Argo CD checks it against the project like any resource
        ("", "Namespace", environment.operator.namespace),
        *((CRD_GROUP, "CustomResourceDefinition", name) for name in environment.release.crd_names),
        *((RBAC_GROUP, kind, name) for kind, name in access.cluster_objects(environment)),
    ]
    # the Helm delivery reads KubeRay's chart repository and, for the CRDs, its Git repository; the Kustomize
    # delivery reads its overlay from this repository (a remote base is fetched by the repo server itself)
    repositories = (
        [KUBERAY_HELM_REPOSITORY, KUBERAY_GIT_REPOSITORY]
        if environment.operator.delivery == "helm"
        else [environment.gitops.repo_url]
    )
    return _project(
        f"KubeRay CRDs and operator of environment {environment.name}",
        repositories,
        [destination(environment, environment.operator.namespace)],
        cluster_objects,
        namespaced_kinds,
    )


def root_project(repo_url: str, argocd_namespace: str, *, applicationset: bool = False) -> dict[str, Any]:
    """The root Application's AppProject: this repository, Argo CD's own namespace, Applications and
    AppProjects only, so that a change under rendered/argocd/ cannot create anything else there."""
    return _project(
        "The root Application of kuberay-gitops: the environments' Applications and AppProjects",
        [repo_url],
        [{"server": IN_CLUSTER, "namespace": argocd_namespace}],
        [],
        [("argoproj.io", "Application"), ("argoproj.io", "AppProject")]
        + ([("argoproj.io", "ApplicationSet")] if applicationset else []),
    )


def _project(
    description: str,
    repositories: list[str],
    destinations: list[dict[str, str]],
    cluster_objects: list[tuple[str, str, str]],
    namespaced_kinds: list[tuple[str, str]],
) -> dict[str, Any]:
    return {
        "description": f"{description} (generated by kuberay-gitops)",
        "sourceRepos": repositories,
        "destinations": destinations,
        "clusterResourceWhitelist": [
            {"group": group, "kind": kind, "name": name} for group, kind, name in cluster_objects
        ],
        "namespaceResourceWhitelist": [{"group": group, "kind": kind} for group, kind in namespaced_kinds],
    }


def _service_monitor_enabled(environment: Environment) -> bool:
    metrics = environment.operator.values.get("metrics")
    monitor = metrics.get("serviceMonitor") if isinstance(metrics, dict) else None
    return isinstance(monitor, dict) and monitor.get("enabled") is True


# A RayCluster of the workloads overlay as kustomize builds it: its name, and the worker groups the Ray
# autoscaler scales (`autoscaled_groups`), each with the AUTOSCALER_FIELDS it has (render/workloads.py
# `autoscaled_clusters`, which follows the environment's `patches`)
AutoscaledCluster = tuple[str, list[dict[str, Any]]]


def ignore_differences(clusters: list[AutoscaledCluster]) -> list[dict[str, Any]]:
    """The autoscaler's fields of every autoscaled RayCluster of the overlay (and only those).

    The Ray autoscaler patches the RayCluster it runs in; for a RayJob or RayService that is the cluster the
    operator creates, never the object Argo CD syncs, so those get no entry.
    """
    return [entry for name, groups in clusters for entry in _differences(name, groups)]


def autoscaler_differences(cluster: RayCluster) -> list[dict[str, Any]]:
    """ignoreDifferences of a RayCluster the ray-cluster chart renders (no Kustomize patch reaches it)."""
    return _differences(cluster.meta.name, autoscaled_groups(cluster))


def _differences(name: str, groups: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if not groups:
        return []
    return [
        {
            "group": "ray.io",
            "kind": "RayCluster",
            "name": name,
            # the fields the Ray autoscaler writes, from the field table
            "jqPathExpressions": [f".{entry.crd_path}" for entry in runtime_owned("RayCluster", "autoscaler")],
        }
    ]


# The fields of a worker group that the Ray autoscaler writes (the field table's run-time owner "autoscaler"), with
# the values a group of an autoscaled RayCluster gets where nothing writes them (`with_autoscaler_fields`):
# replicas is the CRD's default, which the API server would give it (`+kubebuilder:default:=0`,
# raycluster_types.go:78 at v1.3.0, :445 at v1.7.0), scaleStrategy empty as the template writes it
AUTOSCALER_FIELDS: dict[str, Any] = {"replicas": 0, "scaleStrategy": {}}


def with_autoscaler_fields(spec: dict[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """A rendered RayCluster spec (`override`, the item's `spec`, merged) whose worker groups each have the
    AUTOSCALER_FIELDS when the cluster runs the autoscaler, as the template writes them in each structured
    group: also in the groups `override` adds, and in all of them when it turns the autoscaler on. Flux's ignore
    rules (`flux_ignore_rules`, a pointer per field of each rendered group) copy the live values into them,
    which needs them in the applied object (docs/gitops.md, "Autoscaled replicas"). A field `override` writes
    stays, and one it removes with a null stays removed (the importer writes such nulls; that group's field
    then gets no pointer). The groups are copied: they may be the environment's own data."""
    if not _scaled_groups(spec):
        return spec
    removed = _nulled_fields(override)
    filled = [
        {
            **group,
            **{
                key: deepcopy(value)
                for key, value in AUTOSCALER_FIELDS.items()
                if key not in group and (group.get("groupName"), key) not in removed
            },
        }
        if isinstance(group, dict)
        else group
        for group in spec["workerGroupSpecs"]
    ]
    return {**spec, "workerGroupSpecs": filled}


def _nulled_fields(override: Mapping[str, Any]) -> set[tuple[str, str]]:
    """(groupName, field) of each AUTOSCALER_FIELDS field the item's `spec` removes from a worker group."""
    written = override.get("workerGroupSpecs")
    return {
        (entry["groupName"], key)
        for entry in (written if isinstance(written, list) else [])
        if isinstance(entry, dict) and isinstance(entry.get("groupName"), str)
        for key in AUTOSCALER_FIELDS
        if key in entry and entry[key] is None
    }


def autoscaled_groups(cluster: RayCluster) -> list[dict[str, Any]]:
    """The worker groups of the rendered RayCluster that the Ray autoscaler scales, with the AUTOSCALER_FIELDS
    each has: all of them when the cluster runs it (enableInTreeAutoscaling), else none. The item's `spec` may
    add groups, write them away, turn the autoscaler on or off, or remove a field: it is merged as the renderer
    merges it (render/workloads.py), over what the template writes of these fields, and filled as the renderer
    fills it, so the groups are the rendered list's."""
    generated: dict[str, Any] = {}
    autoscaled = cluster.spec.autoscaling is not None
    if autoscaled:
        generated["enableInTreeAutoscaling"] = True
    if cluster.spec.worker_groups:
        # what the template writes of these fields (their values do not matter here): every one in an autoscaled
        # cluster, replicas alone in another
        written = AUTOSCALER_FIELDS if autoscaled else {"replicas": AUTOSCALER_FIELDS["replicas"]}
        generated["workerGroupSpecs"] = [{"groupName": worker.name, **written} for worker in cluster.spec.worker_groups]
    if not cluster.override:
        spec = generated
    else:
        spec = merge(generated, GENERATED, dict(cluster.override), GENERATED)[0]
        spec = with_autoscaler_fields(spec, cluster.override)
    return _scaled_groups(spec)


def built_autoscaled_groups(document: Mapping[str, Any], name: str) -> AutoscaledCluster:
    """A RayCluster as kustomize builds it (render/workloads.py `autoscaled_clusters`): its name (`name`, the
    item's, unless a patch renamed it) and the worker groups the autoscaler scales."""
    metadata, spec = document.get("metadata"), document.get("spec")
    written = metadata.get("name") if isinstance(metadata, dict) else None
    return (written if isinstance(written, str) else name), _scaled_groups(spec if isinstance(spec, dict) else {})


def _scaled_groups(spec: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The worker groups of a rendered RayCluster spec when it runs the autoscaler, else none."""
    groups = spec.get("workerGroupSpecs")
    if spec.get("enableInTreeAutoscaling") is not True or not isinstance(groups, list):
        return []
    return [group if isinstance(group, dict) else {} for group in groups]


# RE2's metacharacters: Flux compiles a target's name with Go's regexp (NewSelectorRegex,
# ssa/jsondiff/selector.go:82-103 in fluxcd/pkg at e2cfd1a2)
_REGEX_SPECIAL = re.compile(r"[\\.+*?()|\[\]{}^$]")


def _escaped(name: str) -> str:
    """`name` as a regular expression that matches it alone (re.escape would also escape `-`, which names hold)."""
    return _REGEX_SPECIAL.sub(lambda match: "\\" + match.group(0), name)


def flux_ignore_rules(clusters: list[AutoscaledCluster]) -> list[dict[str, Any]]:
    """kustomize-controller ignore rules (`spec.ignore`, v1.9.0 and later) for the autoscaler's fields.

    The controller leaves an ignored path out of drift detection and, when it applies the object for another
    change, copies the live value into what it applies (docs/gitops.md, "Autoscaled replicas"), which needs
    the path in the applied object: a pointer for each field each rendered group has. JSON pointers have no
    wildcard, so each worker group is named by its index in the rendered list.
    """
    rules = []
    for name, groups in clusters:
        paths = [
            "/" + "/".join(str(part) for part in fill(entry.crd, (index,)))
            for index, group in enumerate(groups)
            for entry in runtime_owned("RayCluster", "autoscaler")
            if entry.crd[-1] in group
        ]
        if paths:
            rules.append(
                {
                    "paths": paths,
                    # the target fields are regular expressions: a name a patch gives may hold a dot
                    "target": {"group": "ray.io", "kind": "RayCluster", "name": f"^{_escaped(name)}$"},
                }
            )
    return rules


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
