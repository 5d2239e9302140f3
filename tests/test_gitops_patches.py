"""Argo CD's ignoreDifferences and Flux's ignore rules follow the RayCluster as kustomize builds it, and Flux's
health checks the RayJobs and RayServices, the environment's `patches` applied: checked against the overlay
the real `kubectl kustomize` builds."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.files import RenderedFile
from generator.paths import ToolData
from generator.pipeline import BuildRequest, build
from tests.kustomize import kustomize_build
from tests.test_gitops import AUTOSCALED

# the autoscaled cluster c of tests/test_gitops.py (here autoscaled as AUTOSCALING says), and another
ENVIRONMENT = (
    AUTOSCALED
    + """\
    workerGroups: [{name: w, minReplicas: 0, maxReplicas: 4}, {name: v, minReplicas: 0, maxReplicas: 2}]
AUTOSCALING
  - name: d
    head: {cpu: "1"}
    autoscaling: {enabled: true}
    workerGroups: [{name: w, minReplicas: 0, maxReplicas: 4}]
jobs:
  - {name: j, entrypoint: python run.py, cluster: {head: {cpu: "1"}}}
patches:
PATCHES
"""
)
ON = "    autoscaling: {enabled: true}"
GROUP = (
    "{groupName: extra, minReplicas: 0, maxReplicas: 2, rayStartParams: {}, template: {spec: {containers: "
    "[{name: ray-worker, image: 'rayproject/ray:2.46.0'}]}}}"
)
FIELDS = ("replicas", "scaleStrategy")


@pytest.mark.parametrize(
    ("autoscaling", "patches"),
    [
        # the autoscaler turned off by a JSON patch
        (
            ON,
            "  - {target: {kind: RayCluster, name: c}, patch: [{op: replace, path: /spec/enableInTreeAutoscaling, "
            "value: false}]}",
        ),
        # turned on by a merge patch: the groups have replicas, which the template writes, and no scaleStrategy
        (
            "",
            "  - {target: {kind: RayCluster, name: c}, patch: {apiVersion: ray.io/v1, kind: "
            "RayCluster, metadata: {name: c}, spec: {enableInTreeAutoscaling: true}}}",
        ),
        # a group appended, without the autoscaler's fields but replicas
        (
            ON,
            f"  - {{target: {{kind: RayCluster, name: c}}, patch: [{{op: add, path: /spec/workerGroupSpecs/-, "
            f"value: {GROUP.replace('minReplicas: 0', 'replicas: 1, minReplicas: 0')}}}]}}",
        ),
        # a field removed from one group
        (
            ON,
            "  - {target: {kind: RayCluster, name: c}, patch: [{op: remove, path: /spec/workerGroupSpecs/0/"
            "scaleStrategy}]}",
        ),
        # the groups replaced whole by a strategic-merge patch (a JSON merge patch for a Ray kind)
        (
            ON,
            f"  - patch: {{apiVersion: ray.io/v1, kind: RayCluster, metadata: {{name: c}}, spec: "
            f"{{workerGroupSpecs: [{GROUP}]}}}}",
        ),
        # renamed
        (ON, "  - {target: {kind: RayCluster, name: c}, patch: [{op: replace, path: /metadata/name, value: c2}]}"),
        # every RayCluster, by a regular expression, and a patch of another kind
        (
            ON,
            "  - {target: {kind: Ray.*r}, patch: [{op: remove, path: /spec/workerGroupSpecs/0/replicas}]}\n"
            "  - {target: {kind: RayJob}, patch: {apiVersion: ray.io/v1, kind: RayJob, metadata: {name: j}, spec: "
            "{shutdownAfterJobFinishes: false}}}",
        ),
        # a target's name matches the name the object was read with too (Select, api/resmap/reswrangler.go:649-654
        # in kubernetes-sigs/kustomize at api/v0.21.1)
        (
            ON,
            "  - {target: {kind: RayCluster, name: c}, patch: [{op: replace, path: /metadata/name, value: e}]}\n"
            "  - {target: {kind: RayCluster, name: c}, patch: [{op: remove, path: /spec/workerGroupSpecs/1}]}",
        ),
        # a strategic-merge patch renames nothing (api/resource/resource.go:495-516 at api/v0.21.1)
        (
            ON,
            "  - {target: {kind: RayCluster, name: c}, patch: {apiVersion: ray.io/v1, kind: RayCluster, metadata: "
            "{name: other}, spec: {suspend: false}}}",
        ),
        # one without a target names an object by any name it had (GetById, api/resmap/reswrangler.go:216-218)
        (
            ON,
            "  - {target: {kind: RayCluster, name: c}, patch: [{op: replace, path: /metadata/name, value: e}]}\n"
            "  - {target: {kind: RayCluster, name: e}, patch: [{op: replace, path: /metadata/name, value: f}]}\n"
            "  - {patch: {apiVersion: ray.io/v1, kind: RayCluster, metadata: {name: e}, spec: "
            "{enableInTreeAutoscaling: false}}}",
        ),
        (
            ON,
            "  - {target: {kind: RayCluster, name: c}, patch: [{op: replace, path: /metadata/name, value: e}]}\n"
            "  - {patch: {apiVersion: ray.io/v1, kind: RayCluster, metadata: {name: c}, spec: {suspend: false}}}\n"
            "  - {target: {kind: RayCluster, name: e}, patch: [{op: replace, path: /spec/enableInTreeAutoscaling, "
            "value: false}]}",
        ),
        # a RayJob renamed: the health check follows
        (ON, "  - {target: {kind: RayJob, name: j}, patch: [{op: replace, path: /metadata/name, value: j2}]}"),
        # the patches in turn: the second matches the object the first left
        (
            ON,
            "  - {target: {kind: RayCluster, name: c}, patch: [{op: replace, path: /metadata/name, value: e}]}\n"
            "  - {target: {kind: RayCluster, name: e}, patch: {apiVersion: ray.io/v1, kind: RayCluster, metadata: "
            "{name: e}, spec: {enableInTreeAutoscaling: false}}}",
        ),
    ],
)
def test_the_ignored_fields_are_those_of_the_cluster_kustomize_builds(
    tmp_path: Path, tool: ToolData, autoscaling: str, patches: str
) -> None:
    files = _rendered(tmp_path, tool, autoscaling, patches)
    objects = kustomize_build(_written(tmp_path / "rendered", files) / "team" / "workloads")
    built = [document for document in objects if document["kind"] == "RayCluster"]
    documents = {str(file.path): file.documents[0] for file in files}
    # the Flux Kustomization waits for each RayJob and RayService by the name it is built with
    checked = documents["team/flux/kustomization-workloads.yaml"]["spec"]["healthChecks"]
    assert sorted((check["kind"], check["name"]) for check in checked) == sorted(
        (document["kind"], document["metadata"]["name"])
        for document in objects
        if document["kind"] in ("RayJob", "RayService")
    )
    rules = documents["team/flux/kustomization-workloads.yaml"]["spec"].get("ignore", [])
    differences = documents["team/argocd/application-workloads.yaml"]["spec"].get("ignoreDifferences", [])
    expected_rules, expected_names = [], []
    for cluster in built:
        spec = cluster["spec"]
        groups = spec["workerGroupSpecs"] if spec.get("enableInTreeAutoscaling") is True else []
        if groups:
            expected_names.append(cluster["metadata"]["name"])
        pointers = [
            f"/spec/workerGroupSpecs/{index}/{field}"
            for index, group in enumerate(groups)
            for field in FIELDS
            if field in group
        ]
        if pointers:
            expected_rules.append((f"^{cluster['metadata']['name']}$", pointers))
    # kustomize writes the objects in an order of its own
    assert sorted((rule["target"]["name"], rule["paths"]) for rule in rules) == sorted(expected_rules)
    assert sorted(entry["name"] for entry in differences) == sorted(expected_names)
    assert {rule["target"]["kind"] for rule in rules} <= {"RayCluster"}


def test_the_applicationset_follows_the_patches_too(tmp_path: Path, tool: ToolData) -> None:
    """The ApplicationSet of a progressive rollout is made of every environment's Applications again, from the
    models: its ignoreDifferences follow the patches as the environment's own Application does."""
    off = (
        "  - {target: {kind: RayCluster, name: d}, patch: [{op: replace, path: /spec/enableInTreeAutoscaling, "
        "value: false}]}"
    )
    text = ENVIRONMENT.replace("AUTOSCALING\n", "").replace("PATCHES", off)
    text = text.replace("engine: both,", "engine: argocd, stage: 1,")
    files = _build(tmp_path, tool, text)
    [applicationset] = [file.documents[0] for file in files if file.path.name == "applicationset.yaml"]
    assert "ignoreDifferences" not in str(applicationset)
    text = text.replace("name: d}, patch: [{op: replace", "name: c}, patch: [{op: replace")
    files = _build(tmp_path / "again", tool, text)
    [applicationset] = [file.documents[0] for file in files if file.path.name == "applicationset.yaml"]
    assert "'name': 'd', 'jqPathExpressions'" in str(applicationset)


def _rendered(tmp_path: Path, tool: ToolData, autoscaling: str, patches: str) -> list[RenderedFile]:
    text = ENVIRONMENT.replace("AUTOSCALING\n", autoscaling + "\n" if autoscaling else "").replace("PATCHES", patches)
    return _build(tmp_path, tool, text)


def _build(tmp_path: Path, tool: ToolData, text: str) -> list[RenderedFile]:
    folder = tmp_path / "environments"
    folder.mkdir(parents=True)
    (folder / "team.yaml").write_text(text)
    result = build(BuildRequest(folder, (), tool, keep_outcomes=False))
    assert [problem.message for problem in result.problems if problem.is_error] == []
    return list(result.files)


def _written(folder: Path, files: list[RenderedFile]) -> Path:
    for file in files:
        path = folder / file.path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(file.content)
    return folder
