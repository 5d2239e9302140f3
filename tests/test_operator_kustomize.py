"""The operator through Kustomize: the overlay over the upstream base (a vendored copy, or the remote base mapped
to that copy inside the test only) builds with the real `kubectl kustomize`, and gives the operator that the
kuberay-operator chart gives for the same settings, rendered by the Helm SDK: image, feature gates, watched
namespaces, env, resources and the scope of its RBAC."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from generator.model.access import OPERATOR_RELEASE
from generator.output.write import OutputScope, write_output
from generator.paths import ToolData
from generator.pipeline import BuildRequest, build
from generator.releases import load_release
from generator.render.operator_kustomize import CRD_ANNOTATIONS, REMOTE_BASE
from tests.kustomize import kustomize_build
from tests.test_helm_chart import allowed, build_files, render_chart

ENVIRONMENT = """\
name: kz
kuberay: {version: VERSION}
target: {cluster: in-cluster, namespace: ml}
gitops: {engine: both, repoURL: https://git.example.com/ray.git}
operator:
  install: true
  delivery: kustomize
  source: vendored
  namespace: ray-system
  watchNamespaces: [ml]
  featureGates: {RayJobDeletionPolicy: true}
  env: [{name: ENABLE_ZERO_DOWNTIME, value: "true"}]
  resources: {requests: {cpu: 200m, memory: 256Mi}, limits: {cpu: "1", memory: 1Gi}}
defaults: {image: rayproject/ray:2.41.0}
clusters:
  - {name: tiny, head: {cpu: "1", memory: 2Gi}}
"""
SINGLE_NAMESPACE = "  values: {singleNamespaceInstall: true, crNamespacedRbacEnable: false}\n"
VERSIONS = ("1.3.0", "1.7.0")
# the Kubernetes release whose OpenAPI schemas (kubernetes-validate) check the built objects
KUBERNETES_VERSION = "1.34"  # the first and the last release; each build parses 2 to 4 MB of CRDs


def environment(version: str, *, single: bool, delivery: str = "kustomize", source: str = "vendored") -> str:
    text = ENVIRONMENT.replace("VERSION", version)
    if single:
        text = text.replace("  watchNamespaces:", SINGLE_NAMESPACE + "  watchNamespaces:")
    if delivery == "helm":
        return text.replace("  delivery: kustomize\n  source: vendored\n", "")
    return text.replace("source: vendored", f"source: {source}")


def write(folder: Path, tool: ToolData, text: str) -> Path:
    """Render `text` into `folder`/rendered as `render` writes it."""
    environments = folder / "environments"
    environments.mkdir(parents=True)
    (environments / "kz.yaml").write_text(text)
    result = build(BuildRequest(environments, (), tool))
    assert [problem for problem in result.problems if problem.is_error] == []
    write_output(folder / "rendered", result.files, OutputScope(None))
    return folder / "rendered"


def gates(args: list[str]) -> dict[str, str]:
    [flag] = [arg for arg in args if arg.startswith("--feature-gates=")]
    return dict(item.split("=") for item in flag.removeprefix("--feature-gates=").split(","))


def watch_namespace(args: list[str]) -> str | None:
    for index, arg in enumerate(args):
        if arg == "--watch-namespace":
            return args[index + 1]
        if arg.startswith("--watch-namespace="):
            return arg.split("=", 1)[1]
    return None


@pytest.mark.parametrize("single", [False, True], ids=["cluster-wide", "single-namespace"])
@pytest.mark.parametrize("version", VERSIONS)
def test_kustomize_delivery_gives_the_operator_of_the_chart(
    tmp_path: Path, tool: ToolData, version: str, single: bool
) -> None:
    rendered = write(tmp_path / "kustomize", tool, environment(version, single=single))
    built = kustomize_build(rendered / "kz" / "operator")
    charted = build_files(tmp_path / "helm", tool, environment(version, single=single, delivery="helm"))
    [values] = charted["kz/operator/values.yaml"]
    chart = render_chart(f"v{version}", "kuberay-operator", values, OPERATOR_RELEASE, "ray-system")

    def container(objects: list[dict[str, Any]]) -> dict[str, Any]:
        [deployment] = [document for document in objects if document["kind"] == "Deployment"]
        assert deployment["metadata"].get("namespace", "ray-system") == "ray-system"
        result: dict[str, Any] = dict(deployment["spec"]["template"]["spec"]["containers"][0])
        result["serviceAccountName"] = deployment["spec"]["template"]["spec"]["serviceAccountName"]
        return result

    ours, theirs = container(built), container(chart)
    assert ours["image"] == theirs["image"] == f"quay.io/kuberay/operator:v{version}"
    assert gates(ours["args"]) == gates(theirs["args"])
    assert watch_namespace(ours["args"]) == watch_namespace(theirs["args"]) == "ml"
    assert ours["env"] == [{"name": "ENABLE_ZERO_DOWNTIME", "value": "true"}]
    assert all(variable in theirs["env"] for variable in ours["env"])
    assert ours["resources"] == theirs["resources"]
    # the RBAC scope: the same ClusterRoleBinding (or none) and, for a single namespace, the overlay's Role
    account = ("ray-system", ours["serviceAccountName"])
    assert ours["serviceAccountName"] == theirs["serviceAccountName"]
    workloads = [doc for path, docs in charted.items() if path.endswith("operator-access.yaml") for doc in docs]

    def cluster_bound(objects: list[dict[str, Any]]) -> bool:
        return any(
            document["kind"] == "ClusterRoleBinding"
            and any((subject.get("namespace"), subject["name"]) == account for subject in document["subjects"])
            for document in objects
        )

    assert cluster_bound(built) == cluster_bound(chart) == (not single)
    for objects in (built, chart):
        for group, resource, verb in (("", "pods", "create"), ("ray.io", "rayclusters/status", "update")):
            assert allowed(objects + workloads, account, "ml", group, resource, verb)
    # the CRDs of the release, replaced and never pruned nor deleted by either engine
    crds = {
        document["metadata"]["name"]: document for document in built if document["kind"] == "CustomResourceDefinition"
    }
    assert sorted(crds) == sorted(tool_release_crds(tool, version))
    for crd in crds.values():
        assert CRD_ANNOTATIONS.items() <= crd["metadata"]["annotations"].items()
    # every object is valid for the Kubernetes API (strict: no unknown field), the CRDs included
    for document in built:
        kubernetes_validate.validate(document, KUBERNETES_VERSION, strict=True)
    # every object is one the platform AppProject allows, cluster-scoped ones by exact name
    [project] = yaml.safe_load_all((rendered / "kz" / "argocd" / "appproject-platform.yaml").read_text())
    cluster = {(item["group"], item["kind"], item["name"]) for item in project["spec"]["clusterResourceWhitelist"]}
    kinds = {(item["group"], item["kind"]) for item in project["spec"]["namespaceResourceWhitelist"]}
    for document in built:
        group = document["apiVersion"].rpartition("/")[0]
        if "namespace" in document["metadata"]:
            assert (group, document["kind"]) in kinds
        else:
            assert (group, document["kind"], document["metadata"]["name"]) in cluster


def tool_release_crds(tool: ToolData, version: str) -> list[str]:
    return list(load_release(version, tool.schemas).crd_names)


@pytest.mark.parametrize("version", ["1.3.0"])
def test_remote_base_builds_as_the_vendored_copy(tmp_path: Path, tool: ToolData, version: str) -> None:
    vendored = write(tmp_path / "vendored", tool, environment(version, single=False))
    remote = write(tmp_path / "remote", tool, environment(version, single=False, source="remote"))
    overlay = remote / "kz" / "operator"
    text = (overlay / "kustomization.yaml").read_text()
    url = REMOTE_BASE.format(tag=f"v{version}")
    assert url in text
    assert not (overlay / "vendor").exists()
    # the remote base, mapped to the vendored copy of the same release inside this test only
    shutil.copytree(vendored / "kz" / "operator" / "vendor", overlay / "vendor")
    (overlay / "kustomization.yaml").write_text(text.replace(url, "vendor/config/default"))
    assert kustomize_build(overlay) == kustomize_build(vendored / "kz" / "operator")


def test_both_engines_sync_the_overlay_in_the_operator_wave(tmp_path: Path, tool: ToolData) -> None:
    rendered = write(tmp_path / "kustomize", tool, environment("1.7.0", single=False))
    argocd = rendered / "kz" / "argocd"
    assert not (argocd / "application-crds.yaml").exists()
    [application] = yaml.safe_load_all((argocd / "application-operator.yaml").read_text())
    assert application["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"] == "-1"
    assert application["spec"]["source"]["path"] == "rendered/kz/operator"
    assert application["spec"]["project"] == "kz-platform"
    flux = rendered / "kz" / "flux"
    assert not (flux / "helmrepository.yaml").exists()
    [operator] = yaml.safe_load_all((flux / "kustomization-operator.yaml").read_text())
    assert operator["spec"]["path"] == "./rendered/kz/operator"
    assert "serviceAccountName" not in operator["spec"]
    [workloads] = yaml.safe_load_all((flux / "kustomization-workloads.yaml").read_text())
    assert workloads["spec"]["dependsOn"] == [{"name": "kz-operator"}]
    assert not re.search(
        r"helmrelease|values\.yaml", " ".join(path.name for path in (rendered / "kz" / "operator").iterdir())
    )
