"""One representative environment under every supported release: valid and built by kubectl kustomize,
or rejected with exactly the version-gate errors that release deserves."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.output.write import write_output
from generator.paths import ToolData
from generator.pipeline import BuildRequest, build
from generator.releases import SUPPORTED_RELEASES, version_key
from generator.report import problem_line
from tests.conftest import FIXTURES
from tests.kustomize import kustomize_build

AUTOSCALER_V2 = (
    "matrix.yaml:14:34: error[field-in-release]: clusters[0].autoscaling.version: needs KubeRay >= 1.4.0 "
    "(this environment pins {v})"
)
DELETION_STRATEGY = (
    "matrix.yaml:26:5: error[field-in-release]: jobs[0].deletionStrategy: needs KubeRay >= 1.5.0 "
    "(this environment pins {v})"
)
DELETION_GATE = (
    "matrix.yaml:27:7: error[feature-gate]: jobs[0].deletionStrategy: deletionStrategy needs the operator feature gate "
    "RayJobDeletionPolicy, which is off in this environment (KubeRay {v})"
)


def expected_errors(version: str) -> list[str]:
    key = version_key(version)
    if key < (1, 4, 0):
        return [AUTOSCALER_V2.format(v=version), DELETION_STRATEGY.format(v=version)]
    if key < (1, 5, 0):
        return [DELETION_STRATEGY.format(v=version)]
    if key < (1, 6, 0):
        return [DELETION_GATE.format(v=version)]
    return []


@pytest.mark.parametrize("version", SUPPORTED_RELEASES)
def test_representative_environment_under_every_release(
    version: str, tool: ToolData, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    environments = tmp_path / "environments"
    environments.mkdir()
    text = (FIXTURES / "matrix" / "matrix.yaml").read_text().replace("RELEASE", version)
    (environments / "matrix.yaml").write_text(text)
    monkeypatch.chdir(environments)
    result = build(BuildRequest(environments, (), tool))
    assert [problem_line(problem) for problem in result.problems] == expected_errors(version)
    if result.problems:
        return
    write_output(tmp_path / "rendered", result.files, result.scope)
    kinds = sorted(document["kind"] for document in kustomize_build(tmp_path / "rendered" / "matrix" / "workloads"))
    assert kinds == ["Namespace", "RayCluster", "RayJob", "RayService"]
    values = (tmp_path / "rendered" / "matrix" / "operator" / "values.yaml").read_text()
    assert f"tag: v{version}\n" in values


@pytest.mark.parametrize("version", SUPPORTED_RELEASES)
def test_portable_environment_is_valid_and_builds_under_every_release(
    version: str, tool: ToolData, tmp_path: Path
) -> None:
    environments = tmp_path / "environments"
    environments.mkdir()
    text = (FIXTURES / "matrix" / "portable.yaml").read_text().replace("RELEASE", version)
    (environments / "portable.yaml").write_text(text)
    result = build(BuildRequest(environments, (), tool))
    assert result.problems == ()
    write_output(tmp_path / "rendered", result.files, result.scope)
    for folder in ("workloads", "argocd", "flux", "operator", "charts"):
        assert kustomize_build(tmp_path / "rendered" / "portable" / folder)
    kinds = sorted(doc["kind"] for doc in kustomize_build(tmp_path / "rendered" / "portable" / "workloads"))
    assert kinds == ["ConfigMap", "Namespace", "RayCluster", "RayJob", "RayService"]
