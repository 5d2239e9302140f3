"""The operator's permissions in the namespaces of a single-namespace install, granted with each namespace.

With `singleNamespaceInstall: true` the kuberay-operator chart has no ClusterRole; it would create a Role in every
watched namespace as it installs (templates/multiple_namespaces_role.yaml), before the workloads overlays create
those namespaces, so the generator requires `crNamespacedRbacEnable: false` (rules/wiring.py) and renders the
same Role, bound to the operator's service account, into the overlay that owns each namespace. The rules are
the chart's own, rendered per release by the Helm SDK into schemas/kuberay/<tag>/kuberay-operator.values.json
(scripts/derive_upstream.py); tests/test_helm_chart.py renders the chart to prove the two agree.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from generator.model.build import cluster_identity, feature_gate_states
from generator.model.names import OPERATOR_RELEASE
from generator.model.types import Environment, NamespaceGrant, Operator, OperatorOwner
from generator.releases import KubeRayRelease

# The values the chart's per-namespace rules read, and the scheduler names it compares against; any other
# scheduler name renders the same rules as none.
CHART_SCHEDULER_NAMES = ("volcano", "scheduler-plugins")


def chart_values(environment: Environment) -> dict[str, Any]:
    """The operator chart's values where the Role and its subject are concerned: defaults, then the environment's."""
    return operator_chart_values(environment.release, environment.operator)


def operator_chart_values(release: KubeRayRelease, operator: Operator) -> dict[str, Any]:
    """`chart_values` of an operator's settings (what the rules across environments read)."""
    return {**release.operator_chart_defaults, **operator.values}


def single_namespace(environment: Environment) -> bool:
    return _single_namespace(environment.operator, chart_values(environment))


def _single_namespace(operator: Operator, values: Mapping[str, Any]) -> bool:
    return operator.install and values.get("singleNamespaceInstall") is True and bool(values.get("rbacEnable"))


def watched_namespaces(environment: Environment) -> tuple[str, ...]:
    """The namespaces the operator watches; the chart's default is its own namespace."""
    return environment.operator.watch_namespaces or (environment.operator.namespace,)


def operator_fullname(environment: Environment) -> str:
    """The chart's kuberay-operator.fullname, which names its Role, ClusterRole and bindings: fullnameOverride,
    else the release name with the chart name (nameOverride) unless the release name contains it; both
    truncated to 63 characters, less one trailing dash (trimSuffix). tests/test_helm_chart.py compares it with what
    the chart renders."""
    return _fullname(chart_values(environment))


def _fullname(values: Mapping[str, Any]) -> str:
    if values.get("fullnameOverride"):
        return str(values["fullnameOverride"])[:63].removesuffix("-")
    name = str(values.get("nameOverride") or OPERATOR_RELEASE)
    full = OPERATOR_RELEASE if name in OPERATOR_RELEASE else f"{OPERATOR_RELEASE}-{name}"
    return full[:63].removesuffix("-")


def service_account(environment: Environment) -> str:
    """The chart's kuberay-operator.serviceAccountName: serviceAccount.name, else the chart's full name."""
    account = chart_values(environment).get("serviceAccount") or {}
    name = account.get("name") if isinstance(account, dict) else None
    return str(name) if name else operator_fullname(environment)


def cluster_objects(environment: Environment) -> list[tuple[str, str]]:
    """The ClusterRoles and bindings, by kind and exact name, that an install of the release may create whatever its
    delivery and chart values: those of the chart with RBAC on, cluster-wide. The platform AppProject allows them
    all, not only `installed_cluster_objects`: Argo CD checks the project's permission for the objects a sync
    prunes too (gitops-engine/pkg/sync/sync_context.go:1090 at argo-cd v3.5.1, where a prune task's object is the
    live one), so switching an install to singleNamespaceInstall, to rbacEnable off or to the Kustomize delivery
    must still let it delete the roles it created before."""
    return _cluster_objects(environment.release, operator_fullname(environment))


def _cluster_objects(release: KubeRayRelease, fullname: str) -> list[tuple[str, str]]:
    return [(kind, name.replace("{fullname}", fullname)) for kind, name in release.operator_cluster_objects]


def installed_cluster_objects(release: KubeRayRelease, operator: Operator) -> list[tuple[str, str]]:
    """The ClusterRoles and ClusterRoleBindings, by kind and exact name, that an operator install creates (its
    CRDs and Namespace are kinds `clusterObjects` cannot hold).

    The chart creates them only with rbacEnable and without singleNamespaceInstall: every template of a
    cluster-scoped object starts `if and .Values.rbacEnable (not .Values.singleNamespaceInstall)`
    (helm-chart/kuberay-operator/templates/role.yaml:1, rolebinding.yaml:1, ray_*_role.yaml:2, at v1.3.0 and
    v1.7.0). The Kustomize base has only the operator's own ClusterRole and binding, not the editor and viewer
    roles (ray-operator/config/rbac/kustomization.yaml:1-6 at v1.3.0 and v1.7.0), and a single-namespace
    overlay deletes those two (render/operator_kustomize.py). tests/test_helm_chart.py and
    tests/test_operator_kustomize.py compare this with what the chart and the base create."""
    if not operator.install:
        return []
    values = operator_chart_values(release, operator)
    fullname = _fullname(values)
    objects = _cluster_objects(release, fullname)
    if operator.delivery == "kustomize":
        # the base's own name is the chart's default full name, which a Kustomize delivery cannot override
        # (operator-kustomize-settings)
        single = _single_namespace(operator, values)
        return [] if single else [(kind, name) for kind, name in objects if name == fullname]
    if not values.get("rbacEnable") or values.get("singleNamespaceInstall"):
        return []
    return objects


def namespace_rules(environment: Environment) -> tuple[Mapping[str, Any], ...]:
    values = chart_values(environment)
    scheduler = values.get("batchScheduler") or {}
    enabled = bool(scheduler.get("enabled", False))
    name = scheduler.get("name") or ""
    gates = feature_gate_states(environment.release, environment.operator.feature_gates)
    was = bool(gates.get("KubernetesWAS", False))
    for variant in environment.release.operator_namespace_roles:
        if (
            variant["batchSchedulerEnabled"] == enabled
            and variant["batchSchedulerName"] == (name if name in CHART_SCHEDULER_NAMES else "")
            and variant["kubernetesWAS"] == was
        ):
            return tuple(variant["rules"])
    raise KeyError(f"no derived Role rules for KubeRay {environment.release.version}: run `make schemas`")


@dataclass(frozen=True)
class Grants:
    """What the operator owners give the other environments of their clusters (namespace_grants)."""

    # (cluster, namespace) -> the Role a single-namespace operator needs there
    namespaces: Mapping[tuple[str, str], NamespaceGrant]
    owners: Mapping[str, OperatorOwner]  # cluster -> the environment that installs the operator there


@dataclass(frozen=True)
class Granted:
    """What one environment gets of the Grants: the two fields of its model that other environments decide."""

    namespace_grant: NamespaceGrant | None
    operator_owner: OperatorOwner | None


@dataclass(frozen=True)
class OwnerSummary:
    """What an operator owner gives the others (namespace_grants), worked out where its model is: a worker sends
    this, not the model."""

    name: str
    cluster: str  # its cluster's identity (cluster_identity)
    flux_namespace: str | None  # the namespace of its Flux objects; None: synced by Argo CD only
    grant: NamespaceGrant | None  # the Role a single-namespace operator needs in each namespace it watches
    watched: tuple[str, ...]


def owner_summary(owner: Environment) -> OwnerSummary:
    grant = None
    if single_namespace(owner):
        grant = NamespaceGrant(
            role=operator_fullname(owner),
            service_account=service_account(owner),
            service_account_namespace=owner.operator.namespace,
            rules=namespace_rules(owner),
            owner=owner.name,
        )
    return OwnerSummary(
        owner.name,
        cluster_identity(owner.target.cluster),
        owner.gitops.flux_namespace if owner.gitops.flux else None,
        grant,
        watched_namespaces(owner),
    )


def namespace_grants(owners: Iterable[OwnerSummary]) -> Grants:
    """For every operator owner (an environment that installs the operator): the Role a single-namespace operator
    needs in each namespace it watches, and the owner of each cluster. Where two owners share a namespace or a
    cluster (an error of its own, one-operator-owner), it is the one whose name comes last, in whatever order the
    owners come (one process or several)."""
    grants: dict[tuple[str, str], NamespaceGrant] = {}
    found: dict[str, OperatorOwner] = {}
    for owner in sorted(owners, key=lambda summary: summary.name):
        found[owner.cluster] = OperatorOwner(owner.name, owner.flux_namespace)
        if owner.grant is not None:
            for namespace in owner.watched:
                grants[(owner.cluster, namespace)] = owner.grant
    return Grants(grants, found)


def grant_for(environment: Environment, grants: Grants) -> Granted:
    """What `environment` gets of `grants`; the owner of its cluster only when that is another environment."""
    cluster = cluster_identity(environment.target.cluster)
    owner = grants.owners.get(cluster)
    return Granted(
        grants.namespaces.get((cluster, environment.target.namespace)),
        owner if owner is not None and owner.name != environment.name else None,
    )


def is_operator_owner(environment: Environment) -> bool:
    """Whether the environment installs the operator: what the Grants are made of."""
    return environment.operator.install
