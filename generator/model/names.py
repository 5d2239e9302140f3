"""Every name the generator derives: of objects in the cluster, of GitOps objects, of chart values files.

Computed here once; the renderer names what it writes with these, and the rules check the same names.
"""

from __future__ import annotations

# The containers the generator writes into pod templates; a podTemplate entry of the same name merges into it.
HEAD_CONTAINER = "ray-head"
WORKER_CONTAINER = "ray-worker"
SUBMITTER_CONTAINER = "ray-job-submitter"


def chart_release_name(environment: str, cluster: str) -> str:
    """The Argo CD Application and the Flux HelmRelease of a chart-delivered RayCluster (a label value too)."""
    return f"{environment}-raycluster-{cluster}"


def chart_values_file(cluster: str) -> str:
    """The file under rendered/<env>/charts/ that holds a chart-delivered RayCluster's values."""
    return f"raycluster-{cluster}.values.yaml"


def chart_values_config_map(environment: str, cluster: str) -> str:
    """The ConfigMap that carries those values to Flux's helm-controller."""
    return f"{chart_release_name(environment, cluster)}-values"


def application_names(environment: str) -> dict[str, str]:
    """The Argo CD Applications of an environment, by part."""
    return {part: f"{environment}-{part}" for part in ("crds", "operator", "workloads")}


# The Helm release of the operator in both engines; the chart's full name, and so its object names, derive from it
OPERATOR_RELEASE = "kuberay-operator"
ROOT_PROJECT = "kuberay-gitops"  # the AppProject of the root Application, which syncs only Argo CD objects


def project_names(environment: str) -> dict[str, str]:
    """The AppProjects of an environment: the CRDs and the operator, and the Ray workloads."""
    return {part: f"{environment}-{part}" for part in ("platform", "workloads")}


def flux_names(environment: str) -> dict[str, str]:
    """The Flux objects of an environment, by role."""
    return {
        "source": f"{environment}-kuberay-gitops",
        "helm_repository": f"{environment}-kuberay",
        "operator": f"{environment}-operator",
        "workloads": f"{environment}-workloads",
        "operator_values": f"{environment}-kuberay-operator-values",
        "release": f"{environment}-kuberay-operator",
        "charts": f"{environment}-charts",
    }


# The file of the workloads overlay that holds a single-namespace operator's Role and RoleBinding (model/access.py)
OPERATOR_ACCESS_FILE = "operator-access.yaml"


def flux_namespace_role(environment: str) -> str:
    """The ClusterRole, and its binding, of an environment's Flux workloads account: the Get of its Namespace and
    its `clusterObjects` by name (render/gitops.py, flux_accounts)."""
    return f"{flux_names(environment)['workloads']}-namespace"


def api_group(api_version: str) -> str:
    """The API group of an apiVersion: `rbac.authorization.k8s.io` of `rbac.authorization.k8s.io/v1`, `` of `v1`."""
    return api_version.rpartition("/")[0]


def resource_name(kind: str) -> str:
    """The API resource of a kind, the name an RBAC rule gives it: the plural that Kubernetes guesses
    (meta.UnsafeGuessKindToResource, k8s.io/apimachinery/pkg/api/meta/restmapper.go:129-151: lower case,
    `s` -> `ses`, `y` -> `ies`, else `s`), except that a vowel before the `y` keeps it, as the CRDs that
    declare their plural spell it (Gateway: gateways, not the guess's gatewaies)."""
    singular = kind.lower()
    if singular.endswith("endpoints"):
        return singular
    if singular.endswith("s"):
        return singular + "es"
    if singular.endswith("y") and singular[-2:-1] not in ("a", "e", "i", "o", "u"):
        return singular[:-1] + "ies"
    return singular + "s"
