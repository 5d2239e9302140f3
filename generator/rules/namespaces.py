"""The environment's namespace is its own: not one that Kubernetes itself, the GitOps controllers or an operator
install put on the cluster.

The output owns the target namespace (templates/workloads/namespace.yaml.j2): it sets the namespace's labels, the
pod security level among them, and under Argo CD the workloads Application deletes it with the environment: its
resources finalizer deletes every object the Application manages but CRDs (argo-cd v3.5.1
controller/appcontroller.go:1252-1260, `shouldBeDeleted`, called from `finalizeApplicationDeletion` at :1361). Under
Flux the namespace is applied with prune disabled (render/gitops.py `FLUX_NAMESPACE_ANNOTATIONS`), so only its
labels are at stake. In a namespace that something else put there, that breaks the other: system
pods refused by the pod security level, Argo CD or the operator deleted with a team's environment.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from generator.errors import DocPath, Problem
from generator.model.build import IN_CLUSTER_SERVER, cluster_identity
from generator.rules.context import RuleContext
from generator.rules.rule import rule

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
OWNS = (
    "the output sets its namespace's labels (the pod security level among them) and, under Argo CD, deletes the "
    "namespace with the environment"
)


@dataclass(frozen=True)
class HeldNamespace:
    """A namespace of the target cluster that an environment's setup puts software in."""

    namespace: str
    path: DocPath  # where the environment sets it (or its nearest ancestor, when a default applies)
    what: str  # what is there, as "holds ..."
    # whether the environment's own workloads may be there too: the namespace of an operator installed with the
    # chart may (an operator that watches its own namespace, the chart's singleNamespaceInstall), whatever is there
    # being this environment's. The chart's release writes no Namespace: Helm (pkg/action/install.go:369-390 at
    # v3.21.4) and Argo CD's CreateNamespace (controller/sync_namespace.go:21-28 at v3.5.1) create it only when it
    # is missing, and do not manage it. The Kustomize base's overlay writes it (operator/namespace.yaml).
    own_workloads_allowed: bool = False


def held_namespaces(context: RuleContext) -> list[HeldNamespace]:
    """The namespaces of the target cluster that hold the operator this environment installs, the Flux controllers
    that sync it (Flux applies to the cluster it runs on), and Argo CD when the environment's target is Argo CD's
    own cluster."""
    name = context.data["name"]
    gitops = context.gitops
    held: list[HeldNamespace] = []
    if context.operator.install:
        what = f"holds the KubeRay operator that environment {name} installs"
        by_chart = context.operator.delivery == "helm"
        held.append(
            HeldNamespace(context.operator.namespace, ("operator", "namespace"), what, own_workloads_allowed=by_chart)
        )
    if gitops.flux:
        what = f"holds the Flux controllers that sync environment {name} (gitops.fluxNamespace)"
        held.append(HeldNamespace(gitops.flux_namespace, ("gitops", "fluxNamespace"), what))
    if gitops.argocd and cluster_identity(context.data["target"]["cluster"]) == IN_CLUSTER_SERVER:
        what = f"holds Argo CD, which runs on this cluster and syncs environment {name} (gitops.argocdNamespace)"
        held.append(HeldNamespace(gitops.argocd_namespace, ("gitops", "argocdNamespace"), what))
    return held


@rule(
    "namespace-of-its-own",
    "`target.namespace` is none of Kubernetes' own namespaces (default, kube-system, kube-public, "
    "kube-node-lease), nor the namespace of the Flux controllers or, on Argo CD's own cluster, of Argo CD, nor "
    "that of its own operator when the Kustomize base installs it: the output owns its namespace",
    "Kubernetes: the API server creates these namespaces and refuses to delete default, kube-system and "
    "kube-public (apiserver pkg/admission/plugin/namespace/lifecycle/admission.go); Argo CD: an Application's "
    "resources finalizer deletes every object it manages but CRDs (controller/appcontroller.go, shouldBeDeleted)",
    fails="target: {cluster: in-cluster, namespace: kube-system}",
    passes="target: {cluster: in-cluster, namespace: ray}",
    cases=("kubernetes-namespace", "flux-namespace", "operator-namespace-kustomize"),
)
def namespace_of_its_own(context: RuleContext) -> Iterator[Problem]:
    namespace = context.data["target"]["namespace"]
    hint = f"give {context.data['name']} a namespace of its own: {OWNS}"
    if namespace in KUBERNETES_NAMESPACES:
        yield context.problem(
            ("target", "namespace"),
            f"namespace {namespace} belongs to Kubernetes itself ({KUBERNETES_NAMESPACES[namespace]})",
            hint,
        )
        return
    for held in held_namespaces(context):
        if held.namespace != namespace or held.own_workloads_allowed:
            continue
        if held.path[0] == "operator":  # its own operator, installed with the Kustomize base
            yield context.problem(
                ("target", "namespace"),
                f"namespace {namespace} {held.what} with the Kustomize base, whose overlay writes this Namespace "
                "too (operator/namespace.yaml): two sources of one object overwrite each other's version",
                "install the operator with operator.delivery: helm, which creates its namespace only when it is "
                "missing, or in a namespace of its own (operator.namespace)",
            )
        else:
            yield context.problem(("target", "namespace"), f"namespace {namespace} {held.what}", hint)
