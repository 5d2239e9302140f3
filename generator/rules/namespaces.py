"""The namespaces an environment's output owns are its own: not ones that Kubernetes itself, the GitOps
controllers or another environment's operator install put on the cluster.

The output owns the target namespace (templates/workloads/namespace.yaml.j2): it sets the namespace's labels, the
pod security level among them, and under Argo CD the workloads Application deletes it with the environment: its
resources finalizer deletes every object the Application manages but CRDs (argo-cd v3.5.1
controller/appcontroller.go:1252-1260, `shouldBeDeleted`, called from `finalizeApplicationDeletion` at :1361). Under
Flux the target namespace is applied with prune disabled (render/gitops.py `FLUX_NAMESPACE_ANNOTATIONS`), so only
its labels are at stake. An operator installed with the Kustomize base owns its namespace too: the overlay writes
it (operator/namespace.yaml), and the operator's Application or Kustomization (prune on) deletes it with the
install. In a namespace that something else put there, that breaks the other: system pods refused by the pod
security level, Argo CD, Flux or an operator deleted with a team's environment.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from generator.errors import DocPath, Problem, format_path
from generator.model.build import IN_CLUSTER_NAME, IN_CLUSTER_SERVER, cluster_identity
from generator.rules.context import RuleContext
from generator.rules.rule import rule
from generator.source import value_at

# The namespaces that the API server creates itself. default, kube-system and kube-public are immortal: its
# NamespaceLifecycle admission refuses to delete them (k8s.io/apiserver v0.36.3,
# pkg/admission/plugin/namespace/lifecycle/admission.go:57 and :78-80). kube-node-lease holds the nodes'
# heartbeats; kube-apiserver's system namespaces controller creates it with the others
# (kubernetes pkg/controlplane/controller/systemnamespaces).
KUBERNETES_NAMESPACES = {
    "default": "the namespace of objects that name none",
    "kube-system": "the namespace of the cluster's own components",
    "kube-public": "the namespace readable by everyone, the cluster's public information",
    "kube-node-lease": "the namespace of the nodes' heartbeats",
}
TARGET = ("target", "namespace")
OPERATOR = ("operator", "namespace")
FLUX = ("gitops", "fluxNamespace")
ARGOCD = ("gitops", "argocdNamespace")
# Where `flux install` and `flux bootstrap` put the Flux controllers unless told otherwise (fluxcd/flux2
# pkg/manifestgen/install/options.go, MakeDefaultOptions): an environment may keep its own Flux objects in its
# namespace (a tenant's layout), but not take the controllers' namespace.
FLUX_CONTROLLERS_NAMESPACE = "flux-system"


@dataclass(frozen=True)
class OwnedNamespace:
    """A namespace that an environment's output writes as a Namespace object, and so owns."""

    namespace: str
    path: DocPath  # the setting that names it
    does: str  # what the output does to it, for the hints
    deletes: bool  # whether the output deletes it (else it only sets its labels)


@dataclass(frozen=True)
class HeldNamespace:
    """A namespace that an environment's setup puts something in."""

    namespace: str
    path: DocPath  # the setting that names it (or its nearest ancestor, when a default applies)
    what: str  # what is there, e.g. "the Flux objects of environment dev"
    cluster: str | None = None  # the cluster (cluster_identity), when not the environment's target cluster


def owned_namespaces(context: RuleContext) -> list[OwnedNamespace]:
    """The target namespace, and the operator's when the Kustomize base installs it. The chart's release writes no
    Namespace: Helm (pkg/action/install.go:369-390 at v3.21.4) and Argo CD's CreateNamespace
    (controller/sync_namespace.go:21-28 at v3.5.1) create it only when it is missing, and do not manage it."""
    labels = "sets its labels (the pod security level among them)"
    does = f"{labels} and deletes it with the environment" if context.gitops.argocd else labels
    owned = [OwnedNamespace(context.data["target"]["namespace"], TARGET, does, context.gitops.argocd)]
    operator = context.operator
    if operator.install and operator.delivery == "kustomize":
        does = "writes the namespace and deletes it with the operator"
        owned.append(OwnedNamespace(operator.namespace, OPERATOR, does, True))
    return owned


def held_namespaces(context: RuleContext) -> list[HeldNamespace]:
    """The namespaces that hold the operator this environment installs and its Flux objects (GitRepository,
    Kustomizations, service account: Flux applies to the cluster it runs on), on its target cluster, and Argo CD's
    namespace on Argo CD's own cluster (`in-cluster`), whatever the environment's target."""
    name = context.data["name"]
    gitops = context.gitops
    held: list[HeldNamespace] = []
    if context.operator.install:
        held.append(HeldNamespace(context.operator.namespace, OPERATOR, f"the KubeRay operator of environment {name}"))
    if gitops.flux:
        what = f"the Flux objects of environment {name}"
        held.append(HeldNamespace(gitops.flux_namespace, FLUX, what))
    if gitops.argocd:
        what = f"Argo CD, which runs on cluster {IN_CLUSTER_NAME} and syncs environment {name}"
        held.append(HeldNamespace(gitops.argocd_namespace, ARGOCD, what, IN_CLUSTER_SERVER))
    return held


def own_namespace_hint(name: str, owned: OwnedNamespace) -> str:
    if owned.path == OPERATOR:
        return (
            f"install the operator of {name} in a namespace of its own (operator.namespace), or with "
            f"operator.delivery: helm, which only creates a missing namespace: the output {owned.does}"
        )
    return f"give {name} a namespace of its own in {format_path(owned.path)}: the output {owned.does}"


@rule(
    "namespace-of-its-own",
    "the namespaces the output owns (`target.namespace`, and `operator.namespace` when the Kustomize base installs "
    "the operator) are none of Kubernetes' own (default, kube-system, kube-public, kube-node-lease), nor, under "
    "Flux, flux-system (where Flux's controllers are installed), nor, on Argo CD's own cluster, Argo CD's; and the "
    "Kustomize base's operator does not share the target namespace: the output owns its namespaces",
    "Kubernetes: the API server creates these namespaces and refuses to delete default, kube-system and "
    "kube-public (apiserver pkg/admission/plugin/namespace/lifecycle/admission.go); Argo CD: an Application's "
    "resources finalizer deletes every object it manages but CRDs (controller/appcontroller.go, shouldBeDeleted)",
    fails="target: {cluster: in-cluster, namespace: kube-system}",
    passes="target: {cluster: in-cluster, namespace: ray}",
    cases=("kubernetes-namespace", "flux-namespace", "operator-namespace-kustomize", "operator-namespace-system"),
)
def namespace_of_its_own(context: RuleContext) -> Iterator[Problem]:
    name = context.data["name"]
    owned = owned_namespaces(context)
    cluster = cluster_identity(context.data["target"]["cluster"])
    refused = False
    for item in owned:
        if item.namespace in KUBERNETES_NAMESPACES:
            refused = True
            yield context.problem(
                item.path,
                f"namespace {item.namespace} belongs to Kubernetes itself ({KUBERNETES_NAMESPACES[item.namespace]})",
                own_namespace_hint(name, item),
            )
            continue
        # its own operator and Flux objects may share the namespace; Argo CD, on its own cluster, may not
        holders = [
            f"{held.what} ({_named_by(context, held.path)})"
            for held in held_namespaces(context)
            if held.namespace == item.namespace and held.path == ARGOCD and held.cluster == cluster
        ]
        if context.gitops.flux and item.namespace == FLUX_CONTROLLERS_NAMESPACE:
            holders.append("the Flux controllers, where `flux install` and `flux bootstrap` put them")
        if holders:
            refused = True
            yield context.problem(
                item.path,
                f"namespace {item.namespace} holds {' and '.join(holders)}",
                own_namespace_hint(name, item),
            )
    if not refused and len(owned) == 2 and owned[0].namespace == owned[1].namespace:
        yield context.problem(
            TARGET,
            f"namespace {owned[0].namespace} is the operator's too, which the Kustomize base installs: its overlay "
            "writes this Namespace as the workloads do, and two sources of one object overwrite each other's "
            "version",
            "install the operator with operator.delivery: helm, which creates its namespace only when it is "
            "missing, or in a namespace of its own (operator.namespace)",
        )


def _named_by(context: RuleContext, path: DocPath) -> str:
    """The setting that names a namespace, and whether it is its default."""
    written = value_at(context.data, path) is not None
    return format_path(path) if written else f"{format_path(path)}, by default"
