"""ApplicationSet mode: what the ApplicationSet generates, computed as the ApplicationSet controller does
(applicationset/controllers/template at Argo CD v3.5.1: the Go template patch rendered per element, then merged
into the template), equals the Applications of the default mode less what RollingSync takes over, and the
RollingSync steps order the stages, and within a stage the CRDs, the operator and the workloads."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from generator.model import names
from generator.paths import ToolData
from generator.pipeline import BuildRequest, build
from generator.render.applicationset import STAGE_LABEL, STEP_LABEL, TEMPLATE_PATCH
from generator.validate.conformance import SchemaStore

ENVIRONMENTS = {
    "dev": """\
name: dev
kuberay: {version: 1.7.0}
target: {cluster: https://dev.example.com, namespace: ml}
gitops: {engine: argocd, repoURL: https://git.example.com/ray.git, stage: 0}
operator: {install: true}
defaults: {image: rayproject/ray:2.52.0}
clusters:
  - {name: tiny, head: {cpu: "1", memory: 2Gi}}
""",
    "staging": """\
name: staging
kuberay: {version: 1.7.0}
target: {cluster: https://staging.example.com, namespace: ml}
gitops: {engine: both, repoURL: https://git.example.com/ray.git, stage: 1, notifications: {flux: {provider: slack}}}
operator: {install: true}
defaults: {image: rayproject/ray:2.52.0}
clusters:
  - {name: charted, delivery: helm, head: {cpu: "1", memory: 2Gi}}
""",
    "prod": """\
name: prod
kuberay: {version: 1.7.0}
target: {cluster: https://prod.example.com, namespace: ml}
gitops:
  engine: argocd
  repoURL: https://git.example.com/ray.git
  stage: 2
  syncWindows:
    - {kind: allow, schedule: "0 22 * * *", duration: 8h, timeZone: Europe/Berlin}
  notifications:
    argocd:
      - {service: slack, recipient: ray-alerts}
      - {service: slack, recipient: ml-oncall}
operator: {install: true}
defaults: {image: rayproject/ray:2.52.0}
clusters:
  - {name: tiny, head: {cpu: "1", memory: 2Gi}}
""",
}


def render(folder: Path, tool: ToolData, *, staged: bool) -> dict[str, list[Any]]:
    folder.mkdir()
    for name, text in ENVIRONMENTS.items():
        if not staged:
            text = re.sub(r", stage: \d+", "", re.sub(r"\n  stage: \d+", "", text))
        (folder / f"{name}.yaml").write_text(text)
    result = build(BuildRequest(folder, (), tool))
    assert result.problems == ()
    return {str(file.path): list(file.documents) for file in result.files}


def generate(applicationset: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The Applications the controller makes (applicationset/controllers/template and applicationset/utils at
    Argo CD v3.5.1): per list element, the template rendered with the element, the resources finalizer added
    when the template has none and the ApplicationSet does not preserve resources (utils.go:294-302), the
    rendered templatePatch merged in, and the project kept from the template (patch.go:39-40). The patch is
    `{{ toJson .x }}` of element parts only, so rendering it is a JSON substitution."""
    spec = applicationset["spec"]
    assert spec["goTemplate"] is True
    assert spec["templatePatch"] == TEMPLATE_PATCH
    preserve = spec.get("syncPolicy", {}).get("preserveResourcesOnDeletion", False)
    generated = {}
    for element in spec["generators"][0]["list"]["elements"]:
        template_text = json.dumps(spec["template"])
        for match in re.findall(r"\{\{ \.([\w.]+) \}\}", template_text):
            value: Any = element
            for key in match.split("."):
                value = value[key]
            template_text = template_text.replace(f"{{{{ .{match} }}}}", value)
        template = json.loads(template_text)
        if not preserve and not template["metadata"].get("finalizers"):
            template["metadata"]["finalizers"] = ["resources-finalizer.argocd.argoproj.io"]
        patch_text = TEMPLATE_PATCH
        for key, value in element.items():
            patch_text = patch_text.replace(f"{{{{ toJson .{key} }}}}", json.dumps(value))
        assert "{{" not in patch_text
        patch = {key: json.loads(value) for key, value in (line.split(": ", 1) for line in patch_text.splitlines())}
        merged = _merge(template, patch)
        merged["spec"]["project"] = template["spec"]["project"]
        application = {"apiVersion": "argoproj.io/v1alpha1", "kind": "Application", **merged}
        generated[application["metadata"]["name"]] = application
    return generated


def _merge(base: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """A strategic merge as Argo CD applies it to an Application: maps merge, and `finalizers` (patchStrategy
    merge in ObjectMeta) is the union; other lists are replaced."""
    merged = dict(base)
    for key, value in patch.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        elif key == "finalizers" and isinstance(merged.get(key), list):
            merged[key] = [*merged[key], *(item for item in value if item not in merged[key])]
        else:
            merged[key] = value
    return merged


def test_generated_applications_are_those_of_the_default_mode(tmp_path: Path, tool: ToolData) -> None:
    staged = render(tmp_path / "staged", tool, staged=True)
    plain = render(tmp_path / "plain", tool, staged=False)
    [applicationset] = staged["argocd/applicationset.yaml"]
    generated = generate(applicationset)
    expected = {
        document["metadata"]["name"]: document
        for path, documents in plain.items()
        if re.match(r"\w+/argocd/application-", path)
        for document in documents
    }
    assert set(generated) == set(expected)
    store = SchemaStore(tool.schemas)
    for name, application in generated.items():
        wanted = expected[name]
        assert application["spec"] == wanted["spec"]
        assert application["metadata"]["namespace"] == wanted["metadata"]["namespace"]
        assert application["metadata"].get("finalizers") == wanted["metadata"].get("finalizers")
        annotations = {key: value for key, value in wanted["metadata"]["annotations"].items() if "sync-wave" not in key}
        assert application["metadata"].get("annotations", {}) == annotations
        validator = store.validator_for(application, "1.7.0")
        assert validator is not None
        assert validator.findings(application) == []
    validator = store.validator_for(applicationset, "1.7.0")
    assert validator is not None
    assert validator.findings(applicationset) == []
    # in this mode the environment folders hold only their AppProjects
    assert not [path for path in staged if re.match(r"\w+/argocd/application-", path)]
    [root] = staged["argocd/kustomization.yaml"]
    assert "applicationset.yaml" in root["resources"]
    [project] = staged["argocd/root-project.yaml"]
    assert {"group": "argoproj.io", "kind": "ApplicationSet"} in project["spec"]["namespaceResourceWhitelist"]


def test_rolling_sync_orders_stages_then_crds_operator_workloads(tmp_path: Path, tool: ToolData) -> None:
    [applicationset] = render(tmp_path / "staged", tool, staged=True)["argocd/applicationset.yaml"]
    steps = [
        step["matchExpressions"][0]["values"][0] for step in applicationset["spec"]["strategy"]["rollingSync"]["steps"]
    ]
    assert applicationset["spec"]["strategy"]["type"] == "RollingSync"
    generated = generate(applicationset)
    order = {name: steps.index(app["metadata"]["labels"][STEP_LABEL]) for name, app in generated.items()}
    for environment, stage in (("dev", "0"), ("staging", "1"), ("prod", "2")):
        assert {
            generated[f"{environment}-{part}"]["metadata"]["labels"][STAGE_LABEL] for part in ("crds", "workloads")
        } == {stage}
        assert order[f"{environment}-crds"] < order[f"{environment}-operator"] < order[f"{environment}-workloads"]
    assert order["dev-workloads"] < order["staging-crds"]
    assert order["staging-workloads"] < order["prod-crds"]
    assert order[names.chart_release_name("staging", "charted")] == order["staging-workloads"]


def test_sync_windows_and_notifications(tmp_path: Path, tool: ToolData) -> None:
    files = render(tmp_path / "plain", tool, staged=False)
    [project] = files["prod/argocd/appproject-workloads.yaml"]
    assert project["spec"]["syncWindows"] == [
        {
            "kind": "allow",
            "schedule": "0 22 * * *",
            "duration": "8h",
            "timeZone": "Europe/Berlin",
            "applications": ["*"],
        }
    ]
    [platform] = files["prod/argocd/appproject-platform.yaml"]
    assert "syncWindows" not in platform["spec"]
    [application] = files["prod/argocd/application-workloads.yaml"]
    annotations = application["metadata"]["annotations"]
    assert annotations["notifications.argoproj.io/subscribe.on-health-degraded.slack"] == "ray-alerts;ml-oncall"
    [dev] = files["dev/argocd/application-workloads.yaml"]
    assert not any(key.startswith("notifications.argoproj.io/") for key in dev["metadata"]["annotations"])


@pytest.mark.parametrize("missing", ["dev", "prod"])
def test_a_stage_in_some_environments_only_is_an_error(tmp_path: Path, tool: ToolData, missing: str) -> None:
    folder = tmp_path / "environments"
    folder.mkdir()
    for name, text in ENVIRONMENTS.items():
        if name == missing:
            text = re.sub(r", stage: \d+", "", re.sub(r"\n  stage: \d+", "", text))
        (folder / f"{name}.yaml").write_text(text)
    result = build(BuildRequest(folder, (), tool))
    assert [problem.rule for problem in result.problems] == ["stage-everywhere-or-nowhere"]
    assert "argocd/applicationset.yaml" not in {str(file.path) for file in result.files}


def test_flux_alert_listens_to_what_applies_the_ray_objects(tmp_path: Path, tool: ToolData) -> None:
    files = render(tmp_path / "plain", tool, staged=False)
    [alert] = files["staging/flux/alert.yaml"]
    assert alert["apiVersion"] == "notification.toolkit.fluxcd.io/v1beta3"
    assert alert["spec"]["providerRef"] == {"name": "slack"}
    assert alert["spec"]["eventSeverity"] == "error"
    assert alert["spec"]["eventSources"] == [
        {"kind": "Kustomization", "name": "staging-workloads"},
        {"kind": "Kustomization", "name": "staging-charts"},
        {"kind": "HelmRelease", "name": "staging-raycluster-charted"},
    ]
    validator = SchemaStore(tool.schemas).validator_for(alert, "1.7.0")
    assert validator is not None
    assert validator.findings(alert) == []
    assert "alert.yaml" in files["staging/flux/kustomization.yaml"][0]["resources"]
