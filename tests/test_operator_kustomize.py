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
from ruamel.yaml import YAML

from generator.input.load import load_environment_file
from generator.input.resolve import resolve_environment
from generator.model.access import installed_cluster_objects
from generator.model.build import DEFAULT_OPERATOR_NAMESPACE, operator_settings
from generator.model.names import OPERATOR_RELEASE
from generator.output.write import OutputScope, write_output
from generator.paths import ToolData
from generator.pipeline import BuildRequest, build
from generator.releases import load_release
from generator.render.operator_kustomize import CRD_ANNOTATIONS, REMOTE_BASE
from tests.conftest import EXAMPLES as EXAMPLES_DIR
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

    ours = same_operator(built, chart, charted, "ray-system", version, ["ml"], cluster_wide=not single)
    assert watch_namespace(ours["args"]) == "ml"
    assert ours["env"] == [{"name": "ENABLE_ZERO_DOWNTIME", "value": "true"}]
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
    # the ClusterRoles and bindings it creates are those that `clusterObjects` may not name (cross.py); the platform
    # AppProject of either delivery allows those of both, and those of the chart with RBAC on, cluster-wide, which
    # a sync after a change of delivery or values must be allowed to prune (access.cluster_objects)
    release = load_release(version, tool.schemas)
    operator = operator_settings(yaml.safe_load(environment(version, single=single))["operator"])
    assert cluster_rbac(built) == set(installed_cluster_objects(release, operator))
    wide = render_chart(f"v{version}", "kuberay-operator", {}, OPERATOR_RELEASE, "ray-system")
    [helm_project] = charted["kz/argocd/appproject-platform.yaml"]
    for allow_list in (project, helm_project):
        names = {(item["kind"], item["name"]) for item in allow_list["spec"]["clusterResourceWhitelist"]}
        assert {item for item in names if item[0] in ("ClusterRole", "ClusterRoleBinding")} == cluster_rbac(wide)
        assert cluster_rbac(built) | cluster_rbac(chart) <= names


def cluster_rbac(documents: list[dict[str, Any]]) -> set[tuple[str, str]]:
    """The ClusterRoles and ClusterRoleBindings among `documents`, by kind and name."""
    return {
        (document["kind"], document["metadata"]["name"])
        for document in documents
        if document["kind"] in ("ClusterRole", "ClusterRoleBinding")
    }


def same_operator(
    built: list[dict[str, Any]],
    chart: list[dict[str, Any]],
    charted: dict[str, list[Any]],
    namespace: str,
    version: str,
    watched: list[str],
    *,
    cluster_wide: bool,
) -> dict[str, Any]:
    """Asserts that the overlay's operator is the chart's for the settings an environment can give; returns
    the overlay's operator container."""

    def container(objects: list[dict[str, Any]]) -> dict[str, Any]:
        [deployment] = [document for document in objects if document["kind"] == "Deployment"]
        assert deployment["metadata"].get("namespace", namespace) == namespace
        result: dict[str, Any] = dict(deployment["spec"]["template"]["spec"]["containers"][0])
        result["serviceAccountName"] = deployment["spec"]["template"]["spec"]["serviceAccountName"]
        return result

    ours, theirs = container(built), container(chart)
    assert ours["image"] == theirs["image"] == f"quay.io/kuberay/operator:v{version}"
    assert gates(ours["args"]) == gates(theirs["args"])
    assert watch_namespace(ours["args"]) == watch_namespace(theirs["args"])
    assert all(variable in theirs.get("env", []) for variable in ours.get("env", []))
    assert effective(ours["resources"]) == effective(theirs["resources"])
    # the RBAC scope: the same ClusterRoleBinding (or none) and, for a single namespace, the overlay's Roles
    account = (namespace, ours["serviceAccountName"])
    assert ours["serviceAccountName"] == theirs["serviceAccountName"]
    workloads = [doc for path, docs in charted.items() if path.endswith("operator-access.yaml") for doc in docs]

    def cluster_bound(objects: list[dict[str, Any]]) -> bool:
        return any(
            document["kind"] == "ClusterRoleBinding"
            and any((subject.get("namespace"), subject["name"]) == account for subject in document["subjects"])
            for document in objects
        )

    assert cluster_bound(built) == cluster_bound(chart) == cluster_wide
    for objects in (built, chart):
        for watched_namespace in watched:
            for group, resource, verb in (("", "pods", "create"), ("ray.io", "rayclusters/status", "update")):
                assert allowed(objects + workloads, account, watched_namespace, group, resource, verb)
    return ours


def effective(resources: dict[str, Any]) -> dict[str, Any]:
    """Resources as the API server stores them: requests default to the limits where unset."""
    return {
        "limits": resources.get("limits", {}),
        "requests": {**resources.get("limits", {}), **resources.get("requests", {})},
    }


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


EXAMPLES = [
    pytest.param(path, marks=pytest.mark.repository, id=path.stem)
    for path in sorted(EXAMPLES_DIR.glob("*.yaml"))
    if not path.name.startswith("_")
]


def example_build(folder: Path, tool: ToolData, example: Path, operator: dict[str, str]) -> tuple[list[Any], Any]:
    """The example's files, built from a copy of every environment with `operator` merged into the example."""
    shutil.copytree(example.parent, folder)
    target = folder / example.name
    if operator:
        yaml_rt = YAML()
        data = yaml_rt.load(target.read_text())
        data.setdefault("operator", {}).update(operator)
        with target.open("w") as stream:
            yaml_rt.dump(data, stream)
    result = build(BuildRequest(folder, (example.stem,), tool))
    assert [problem for problem in result.problems if problem.is_error] == []
    partials = frozenset(path.stem for path in folder.glob("_*.yaml"))
    return list(result.files), resolve_environment(target, load_environment_file, partials).data


@pytest.mark.parametrize("example", EXAMPLES)
def test_each_example_gets_the_same_operator_from_both_deliveries(
    tmp_path: Path, tool: ToolData, example: Path
) -> None:
    """Each example environment that installs the operator, rendered as it is (the chart) and with
    `operator: {delivery: kustomize, source: vendored}`: the same operator."""
    files, data = example_build(tmp_path / "helm", tool, example, {})
    operator = data.get("operator", {})
    if not operator.get("install"):
        pytest.skip(f"{example.stem} does not install the operator")
    if set(operator.get("values", {})) - {"singleNamespaceInstall", "crNamespacedRbacEnable"}:
        pytest.skip(f"{example.stem} sets chart values that only the Helm delivery has")
    [values] = next(file.documents for file in files if str(file.path) == f"{data['name']}/operator/values.yaml")
    version = data["kuberay"]["version"]
    namespace = operator.get("namespace", DEFAULT_OPERATOR_NAMESPACE)
    chart = render_chart(f"v{version}", "kuberay-operator", values, OPERATOR_RELEASE, namespace)
    kustomized, _ = example_build(
        tmp_path / "kustomize", tool, example, {"delivery": "kustomize", "source": "vendored"}
    )
    rendered = tmp_path / "rendered"
    write_output(rendered, kustomized, OutputScope(None))
    built = kustomize_build(rendered / data["name"] / "operator")
    single = bool(operator.get("values", {}).get("singleNamespaceInstall"))
    watched = [data["target"]["namespace"]]
    same_operator(built, chart, {}, namespace, version, watched, cluster_wide=not single)
