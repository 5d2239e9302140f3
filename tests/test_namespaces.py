"""The target namespace is the environment's own (rules/namespaces.py, `namespace-taken` in rules/cross.py).

What the rules rest on is shown on the output itself: the workloads overlay writes the target namespace as a
Namespace object with a pod security level, and its Argo CD Application carries the resources finalizer with
prune on, which deletes every object the Application manages but CRDs (argo-cd v3.5.1
controller/appcontroller.go:1252-1260).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.output.serialize import load_yaml_stream
from generator.paths import ToolData
from generator.pipeline import BuildRequest, build
from tests.problems import BASE, problems_of


@pytest.mark.parametrize("namespace", ["default", "kube-system", "kube-public", "kube-node-lease"])
def test_kubernetes_own_namespaces_are_refused(tool: ToolData, environments: Path, namespace: str) -> None:
    problems = problems_of(tool, environments, {"team": f"target: {{cluster: prod, namespace: {namespace}}}\n"})
    assert [(rule, message.split(" (")[0]) for _, rule, message in problems] == [
        ("namespace-of-its-own", f"namespace {namespace} belongs to Kubernetes itself")
    ]


@pytest.mark.parametrize("namespace", ["kube-ray", "defaults", "argocd-apps", "ray"])
def test_names_that_only_look_alike_are_accepted(tool: ToolData, environments: Path, namespace: str) -> None:
    assert problems_of(tool, environments, {"team": f"target: {{cluster: in-cluster, namespace: {namespace}}}\n"}) == []


@pytest.mark.parametrize(
    "cluster", ["in-cluster", "https://kubernetes.default.svc", "https://kubernetes.default.svc:443/"]
)
def test_argo_cds_namespace_is_refused_on_its_own_cluster(tool: ToolData, environments: Path, cluster: str) -> None:
    problems = problems_of(tool, environments, {"team": f"target: {{cluster: '{cluster}', namespace: argocd}}\n"})
    assert [rule for _, rule, _ in problems] == ["namespace-of-its-own"]
    assert "holds Argo CD" in problems[0][2]


def test_a_namespace_named_as_argo_cds_is_accepted_on_another_cluster(tool: ToolData, environments: Path) -> None:
    assert problems_of(tool, environments, {"team": "target: {cluster: prod, namespace: argocd}\n"}) == []


@pytest.mark.parametrize("engine", ["flux", "both"])
def test_the_flux_controllers_namespace_is_refused(tool: ToolData, environments: Path, engine: str) -> None:
    body = f"target: {{cluster: prod, namespace: flux-system}}\ngitops: {{engine: {engine}}}\n"
    problems = problems_of(tool, environments, {"team": body})
    assert [(rule, message) for _, rule, message in problems] == [
        (
            "namespace-of-its-own",
            "namespace flux-system holds the Flux controllers, where `flux install` and `flux bootstrap` put them",
        )
    ]


def test_a_tenants_flux_objects_may_share_its_namespace(tool: ToolData, environments: Path) -> None:
    """Flux's multi-tenant layout: a tenant's GitRepository, Kustomizations and service account in the tenant's
    namespace. Under Flux the output only sets the namespace's labels; the objects are the environment's own,
    and another Flux environment may keep its objects there too."""
    problems = problems_of(
        tool,
        environments,
        {
            "team-a": "target: {cluster: prod, namespace: ray-a}\ngitops: {engine: flux, fluxNamespace: ray-a}\n",
            "team-b": "target: {cluster: prod, namespace: ray-b}\ngitops: {engine: flux, fluxNamespace: ray-a}\n",
        },
    )
    assert problems == []


def test_the_operator_may_share_its_environments_namespace(tool: ToolData, environments: Path) -> None:
    """An operator that watches the namespace it is installed in, with that environment's Ray objects: all of it
    is the one environment's (the chart's singleNamespaceInstall case). The chart's release writes no Namespace."""
    body = "target: {cluster: prod, namespace: ray}\noperator: {install: true, namespace: ray, delivery: helm}\n"
    assert problems_of(tool, environments, {"team": body}) == []


def test_the_kustomize_base_may_not_share_it(tool: ToolData, environments: Path) -> None:
    """The Kustomize base's overlay writes the operator's Namespace, which the workloads write too."""
    body = "target: {cluster: prod, namespace: ray}\noperator: {install: true, namespace: ray, delivery: kustomize}\n"
    problems = problems_of(tool, environments, {"team": body})
    assert [(rule, message.split(", which")[0]) for _, rule, message in problems] == [
        ("namespace-of-its-own", "namespace ray is the operator's too")
    ]
    (environments / "team.yaml").write_text(
        "name: team\nextends: _base\ntarget: {cluster: prod, namespace: ray}\n"
        "operator: {install: true, namespace: ray-operator, delivery: kustomize}\n"
    )
    result = build(BuildRequest(environments, (), tool, keep_outcomes=False))
    assert result.problems == ()
    written = {
        (str(file.path), document["kind"], document["metadata"]["name"])
        for file in result.files
        for document in load_yaml_stream(file.content)
        if isinstance(document, dict) and "metadata" in document
    }
    assert ("team/operator/namespace.yaml", "Namespace", "ray-operator") in written
    assert ("team/workloads/namespace.yaml", "Namespace", "ray") in written


def test_another_environments_operator_namespace_is_refused(tool: ToolData, environments: Path) -> None:
    problems = problems_of(
        tool,
        environments,
        {
            "platform": "target: {cluster: gpu, namespace: ray-platform}\noperator: {install: true, namespace: ops}\n",
            "team": "target: {cluster: gpu, namespace: ops}\n",
            "other": "target: {cluster: cpu, namespace: ops}\n",  # another cluster: its own namespace
        },
    )
    assert problems == [
        (
            "team.yaml",
            "namespace-taken",
            "namespace ops on cluster gpu holds the KubeRay operator of environment platform (see platform.yaml:4)",
        )
    ]


def test_a_namespace_shared_with_the_operators_environment_is_reported_once(tool: ToolData, environments: Path) -> None:
    problems = problems_of(
        tool,
        environments,
        {
            "platform": "target: {cluster: gpu, namespace: ray}\noperator: {install: true, namespace: ray}\n",
            "team": "target: {cluster: gpu, namespace: ray}\n",
        },
    )
    assert [(file, rule) for file, rule, _ in problems] == [("team.yaml", "one-environment-per-namespace")]


def test_the_controllers_of_another_environment_are_seen(tool: ToolData, environments: Path) -> None:
    """A Flux environment keeps its Flux objects on its cluster, which an environment that Argo CD syncs would delete
    with its namespace; every environment that Argo CD syncs puts Argo CD's namespace on Argo CD's own cluster, where
    a Flux environment's namespace would take Argo CD's labels. Neither knows it from its own file."""
    problems = problems_of(
        tool,
        environments,
        {
            "flux-team": "target: {cluster: gpu, namespace: ray-a}\ngitops: {engine: flux}\n",
            "argo-team": "target: {cluster: gpu, namespace: flux-system}\n",
            "flux-local": "target: {cluster: in-cluster, namespace: argocd}\ngitops: {engine: flux}\n",
        },
    )
    assert sorted((file, rule, message.split(" (see")[0]) for file, rule, message in problems) == [
        (
            "argo-team.yaml",
            "namespace-taken",
            "namespace flux-system on cluster gpu holds the Flux objects of environment flux-team",
        ),
        (
            "flux-local.yaml",
            "namespace-taken",
            "namespace argocd on cluster in-cluster holds Argo CD, which runs on cluster in-cluster and syncs "
            "environment argo-team",
        ),
    ]


def test_argo_cds_namespace_is_taken_whatever_the_argo_cd_environments_target(
    tool: ToolData, environments: Path
) -> None:
    problems = problems_of(
        tool,
        environments,
        {
            "remote": "target: {cluster: https://prod.example.com, namespace: ray-a}\n",
            "local": "target: {cluster: in-cluster, namespace: ray-b}\ngitops: {engine: flux}\n"
            "operator: {install: true, delivery: kustomize, namespace: argocd}\n",
        },
    )
    assert [(file, rule, message.split(" (see")[0]) for file, rule, message in problems] == [
        (
            "local.yaml",
            "namespace-taken",
            "namespace argocd on cluster in-cluster holds Argo CD, which runs on cluster in-cluster and syncs "
            "environment remote",
        )
    ]


def test_the_output_owns_and_deletes_its_namespace(tool: ToolData, environments: Path) -> None:
    """What the rules protect against: the target namespace is an object of the workloads Application, which
    deletes the objects it manages when the environment goes."""
    (environments / "_base.yaml").write_text(BASE)
    (environments / "team.yaml").write_text("name: team\nextends: _base\ntarget: {cluster: gpu, namespace: ray}\n")
    result = build(BuildRequest(environments, (), tool, keep_outcomes=False))
    assert result.problems == ()
    documents = {str(file.path): list(load_yaml_stream(file.content)) for file in result.files}
    namespace = documents["team/workloads/namespace.yaml"][0]
    assert (namespace["kind"], namespace["metadata"]["name"]) == ("Namespace", "ray")
    assert "pod-security.kubernetes.io/enforce" in namespace["metadata"]["labels"]
    assert "namespace.yaml" in documents["team/workloads/kustomization.yaml"][0]["resources"]
    application = documents["team/argocd/application-workloads.yaml"][0]
    assert application["metadata"]["finalizers"] == ["resources-finalizer.argocd.argoproj.io"]
    assert application["spec"]["syncPolicy"]["automated"]["prune"] is True


def test_the_clusters_are_told_apart_as_argo_cd_does(tool: ToolData, environments: Path) -> None:
    """`in-cluster` and Argo CD's address of it are one cluster; each namespace is reported once, whatever holds it
    twice."""
    problems = problems_of(
        tool,
        environments,
        {
            "platform": "target: {cluster: in-cluster, namespace: ray-platform}\n"
            "operator: {install: true, namespace: shared}\ngitops: {engine: both, fluxNamespace: shared}\n",
            "team": "target: {cluster: 'https://kubernetes.default.svc:443', namespace: shared}\n",
        },
    )
    assert [(file, rule, message.split(" (see")[0]) for file, rule, message in problems] == [
        (
            "team.yaml",
            "namespace-taken",
            "namespace shared on cluster https://kubernetes.default.svc:443 holds the KubeRay operator of "
            "environment platform",
        )
    ]


def test_the_operators_namespace_is_checked_when_the_kustomize_base_owns_it(tool: ToolData, environments: Path) -> None:
    """The Kustomize base's overlay writes the operator's Namespace, which its Application or Kustomization deletes
    with the install; the chart's release only creates a missing one."""
    kustomize = "operator: {install: true, delivery: kustomize, namespace: NAMESPACE}\n"
    problems = problems_of(
        tool,
        environments,
        {
            "argo": "target: {cluster: in-cluster, namespace: ray-a}\n" + kustomize.replace("NAMESPACE", "argocd"),
            "system": "target: {cluster: gpu, namespace: ray-b}\n" + kustomize.replace("NAMESPACE", "kube-system"),
            "chart": "target: {cluster: cpu, namespace: ray-c}\n"
            "operator: {install: true, delivery: helm, namespace: kube-system}\n",
        },
    )
    assert sorted((file, rule, message.split(" (")[0]) for file, rule, message in problems) == [
        (
            "argo.yaml",
            "namespace-of-its-own",
            "namespace argocd holds Argo CD, which runs on cluster in-cluster and syncs environment argo",
        ),
        (
            "system.yaml",
            "namespace-of-its-own",
            "namespace kube-system belongs to Kubernetes itself",
        ),
    ]


def test_an_operator_namespace_the_kustomize_base_owns_is_not_anothers(tool: ToolData, environments: Path) -> None:
    problems = problems_of(
        tool,
        environments,
        {
            "flux-team": "target: {cluster: gpu, namespace: ray-a}\ngitops: {engine: flux}\n",
            "platform": "target: {cluster: gpu, namespace: ray-b}\n"
            "operator: {install: true, delivery: kustomize, namespace: flux-system}\n",
        },
    )
    assert [(file, rule, message.split(" (see")[0]) for file, rule, message in problems] == [
        (
            "platform.yaml",
            "namespace-taken",
            "namespace flux-system on cluster gpu holds the Flux objects of environment flux-team",
        )
    ]
