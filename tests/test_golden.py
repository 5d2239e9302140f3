"""Golden files: tests/fixtures/environments rendered must equal tests/golden byte for byte.

Regenerate after an intended change with `make golden`, and review the diff like code.
Every golden and example overlay must also build with the real `kubectl kustomize`.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.output.write import OutputScope, compare_output
from generator.paths import PROJECT_ROOT, ToolData
from generator.pipeline import BuildRequest, build
from tests.conftest import FIXTURES, GOLDEN, RENDERED
from tests.kustomize import kustomize_build

REMOTE_OPERATOR_BASE = "github.com/ray-project/kuberay/ray-operator/config/default"


def test_golden_files_are_current(tool: ToolData) -> None:
    result = build(BuildRequest(FIXTURES / "environments", (), tool))
    assert result.problems == ()
    changes = compare_output(GOLDEN, result.files, OutputScope(None))
    assert changes == [], "golden files differ; run `make golden` and review the diff"


OVERLAYS = [
    pytest.param(
        path.parent,
        marks=[pytest.mark.repository] if root == RENDERED else [],
        id=str(path.parent.relative_to(PROJECT_ROOT)),
    )
    for root in (GOLDEN, RENDERED)
    for path in sorted(root.glob("**/kustomization.yaml"))
]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_generated_kustomization_builds_with_kubectl_kustomize(overlay: Path) -> None:
    if REMOTE_OPERATOR_BASE in (overlay / "kustomization.yaml").read_text():
        pytest.skip("the remote operator base needs GitHub; tests/test_operator_kustomize.py builds it offline")
    documents = kustomize_build(overlay)
    assert documents
    if overlay.name == "workloads":
        namespace = next(document for document in documents if document["kind"] == "Namespace")
        for document in documents:
            if document["kind"] != "Namespace":
                assert document["metadata"]["namespace"] == namespace["metadata"]["name"]


@pytest.mark.parametrize(
    "root", [pytest.param(GOLDEN, id="golden"), pytest.param(RENDERED, id="rendered", marks=pytest.mark.repository)]
)
def test_root_kustomization_collects_every_argocd_environment(root: Path) -> None:
    """The root folder gathers the Applications of every environment that uses Argo CD, whichever exist."""
    if not (root / "argocd").is_dir():
        pytest.skip(f"no environment of {root.name} uses Argo CD")
    expected = sorted(
        document["metadata"]["name"]
        for folder in sorted(root.glob("*/argocd"))
        if folder.parent.name != "argocd"
        for document in kustomize_build(folder)
        if document["kind"] == "Application"
    )
    documents = kustomize_build(root / "argocd")
    applications = sorted(doc["metadata"]["name"] for doc in documents if doc["kind"] == "Application")
    assert applications == expected
    assert applications


def test_flux_operator_values_come_from_the_rendered_values_file() -> None:
    documents = kustomize_build(GOLDEN / "full" / "operator")
    config_map = next(doc for doc in documents if doc["kind"] == "ConfigMap")
    assert config_map["data"]["values.yaml"] == (GOLDEN / "full" / "operator" / "values.yaml").read_text()
    release = next(doc for doc in documents if doc["kind"] == "HelmRelease")
    assert release["spec"]["valuesFrom"][0]["name"] == config_map["metadata"]["name"]
    assert release["spec"]["install"]["crds"] == release["spec"]["upgrade"]["crds"] == "CreateReplace"


def test_patches_are_applied_by_kustomize() -> None:
    documents = {document["kind"]: document for document in kustomize_build(GOLDEN / "full" / "workloads")}
    assert documents["RayCluster"]["spec"]["headGroupSpec"]["enableIngress"] is False
    assert documents["RayService"]["spec"]["serviceUnhealthySecondThreshold"] == 900


def test_pod_template_pass_through_merges_into_the_ray_container() -> None:
    documents = {document["kind"]: document for document in kustomize_build(GOLDEN / "full" / "workloads")}
    containers = documents["RayCluster"]["spec"]["headGroupSpec"]["template"]["spec"]["containers"]
    assert [container["name"] for container in containers] == ["ray-head", "log-shipper"]
    assert containers[0]["image"] == "registry.example.com/ray:2.41.0-py311"
    assert containers[0]["lifecycle"]["preStop"]["exec"]["command"] == ["/bin/sh", "-c", "ray stop"]


def test_operator_values_keep_every_chart_feature_gate() -> None:
    values = (GOLDEN / "full" / "operator" / "values.yaml").read_text()
    assert "- name: RayClusterStatusConditions\n  enabled: true\n" in values
    assert "- name: RayJobDeletionPolicy\n  enabled: true\n" in values


def test_template_names_are_distinct_words() -> None:
    """No two templates whose names differ only by word order (kustomization-charts / charts-kustomization):
    `*-overlay` renders a kustomization.yaml for `kubectl kustomize`, `kustomization-*` a Flux Kustomization."""
    templates = PROJECT_ROOT / "templates"
    seen: dict[tuple[str, frozenset[str]], Path] = {}
    for path in sorted(templates.rglob("*.j2")):
        words = frozenset(path.name.removesuffix(".yaml.j2").removesuffix(".j2").split("-"))
        key = (str(path.parent.relative_to(templates)), words)
        assert key not in seen, f"{path.name} and {seen[key].name} differ only by word order"
        seen[key] = path
    assert any(path.name == "operator-overlay.yaml.j2" for path in seen.values())
