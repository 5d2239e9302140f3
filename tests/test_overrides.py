"""`spec` overrides, podTemplate and patches: `null` removes a generated field wherever the docs say it does,
through `extends` too, and odd values there are clean errors rather than crashes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from generator.cli import main
from generator.output.serialize import load_yaml_stream
from generator.paths import ToolData
from generator.pipeline import BuildRequest, build
from tests.kustomize import kustomize_build
from tests.problems import problems_of

BASE = """\
kuberay: {version: 1.7.0}
target: {cluster: in-cluster, namespace: ray}
gitops: {engine: argocd, repoURL: https://git.example.com/ray.git}
operator: {install: true, featureGates: {RayCronJob: true}}
defaults: {image: rayproject/ray:2.46.0}
"""


def _render(tool: ToolData, folder: Path, name: str) -> dict[str, Any]:
    result = build(BuildRequest(folder, (name,), tool))
    assert [problem.message for problem in result.problems if problem.is_error] == []
    return {
        f"{document['kind']}/{document['metadata']['name']}": document
        for file in result.files
        for document in file.documents
        if isinstance(document, dict) and "metadata" in document
    }


def test_null_in_a_cron_job_override_removes_the_generated_field(tool: ToolData, environments: Path) -> None:
    (environments / "_base.yaml").write_text(BASE)
    (environments / "cron.yaml").write_text(
        "name: cron\nextends: _base\ncronJobs:\n  - name: nightly\n    schedule: '0 2 * * *'\n"
        "    job: {entrypoint: python a.py, shutdownAfterJobFinishes: true, cluster: {head: {cpu: '1'}}}\n"
        "    spec: {jobTemplate: {shutdownAfterJobFinishes: null, rayClusterSpec: {headGroupSpec: "
        "{rayStartParams: null}}}}\n"
    )
    template = _render(tool, environments, "cron")["RayCronJob/nightly"]["spec"]["jobTemplate"]
    assert "shutdownAfterJobFinishes" not in template
    assert "rayStartParams" not in template["rayClusterSpec"]["headGroupSpec"]


def test_null_in_an_override_written_by_a_partial_survives_the_merge(tool: ToolData, environments: Path) -> None:
    (environments / "_base.yaml").write_text(
        BASE + "clusters:\n  - name: c\n    head: {cpu: '1'}\n    spec: {headGroupSpec: {rayStartParams: null}}\n"
    )
    (environments / "child.yaml").write_text("name: child\nextends: _base\n")
    assert "rayStartParams" not in _render(tool, environments, "child")["RayCluster/c"]["spec"]["headGroupSpec"]


def test_null_in_a_strategic_merge_patch_reaches_kustomize(tool: ToolData, environments: Path, tmp_path: Path) -> None:
    (environments / "_base.yaml").write_text(BASE)
    (environments / "patched.yaml").write_text(
        "name: patched\nextends: _base\nclusters:\n  - {name: c, head: {cpu: '1', serviceType: NodePort}}\n"
        "patches:\n  - patch: {apiVersion: ray.io/v1, kind: RayCluster, metadata: {name: c}, spec: {headGroupSpec: "
        "{serviceType: null}}}\n"
    )
    result = build(BuildRequest(environments, ("patched",), tool))
    assert [problem for problem in result.problems if problem.is_error] == []
    for file in result.files:
        if file.path.parts[:2] == ("patched", "workloads"):
            (tmp_path / file.path.name).write_text(file.content)
    (cluster,) = [doc for doc in kustomize_build(tmp_path) if doc["kind"] == "RayCluster"]
    assert "serviceType" not in cluster["spec"]["headGroupSpec"]


@pytest.mark.parametrize(
    "item",
    [
        "jobs: [{name: j, entrypoint: python a.py, cluster: {head: {cpu: '1'}}, submitter: {cpu: '1', podTemplate: "
        "{spec: {containers: null}}}}]",
        "clusters: [{name: c, head: {gpu: 1, rayStartParams: {num-gpus: '1'}, podTemplate: {spec: {containers: "
        "[{name: ray-head, resources: {limits: {nvidia.com/gpu: null}}}]}}}]",
    ],
)
def test_nulls_in_a_pod_template_are_no_crash(item: str, environments: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (environments / "_base.yaml").write_text(BASE)
    (environments / "odd.yaml").write_text(f"name: odd\nextends: _base\n{item}\n")
    monkeypatch.chdir(environments.parent)
    result = CliRunner().invoke(main, ["validate", "odd"], catch_exceptions=False)
    assert result.exit_code in (0, 1), result.output
    assert "internal error" not in result.stderr


def test_an_object_name_is_never_a_path(environments: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (environments / "_base.yaml").write_text(BASE)
    (environments / "escape.yaml").write_text(
        "name: escape\nextends: _base\nobjects:\n  - {apiVersion: v1, kind: ServiceAccount, metadata: "
        "{name: ../../../tmp/escaped}}\n"
    )
    monkeypatch.chdir(environments.parent)
    result = CliRunner().invoke(main, ["render", "escape"], catch_exceptions=False)
    assert result.exit_code == 1
    assert 'objects[0].metadata.name: "../../../tmp/escaped" is not an object name' in result.stderr
    assert not (environments.parent / "rendered").exists()


@pytest.mark.parametrize(
    ("version", "name", "schedule", "expected"),
    [
        ("1.6.0", "a" * 41, "0 2 * * *", None),  # RayJobs are <name>-xxxxx at 1.6
        ("1.6.0", "a" * 42, "0 2 * * *", "allows at most 41"),
        ("1.7.0", "a" * 37, "0 2 * * *", "allows at most 36"),  # <name>-<10 digits> at 1.7
        ("1.6.0", "nightly", "TZ=Europe/Berlin 0 2 * * *", None),  # 1.6 hands the prefix to the parser
        ("1.7.0", "nightly", "TZ=Europe/Berlin 0 2 * * *", "names a time zone"),
        ("1.7.0", "nightly", "99 * * * *", "the minute '99' is not in 0-59"),
        ("1.7.0", "nightly", "*/15 9-17 ? JAN-MAR mon-fri", None),
        ("1.7.0", "nightly", "@every 1h30m", None),
    ],
)
def test_cron_rules_follow_the_release(
    version: str, name: str, schedule: str, expected: str | None, environments: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (environments / "cron.yaml").write_text(
        BASE.replace("1.7.0", version) + f"name: cron\ncronJobs:\n  - name: {name}\n    schedule: '{schedule}'\n"
        "    job: {entrypoint: python a.py, cluster: {head: {cpu: '1'}}}\n"
    )
    monkeypatch.chdir(environments.parent)
    result = CliRunner().invoke(main, ["validate", "cron"], catch_exceptions=False)
    if expected is None:
        assert result.exit_code == 0, result.stderr
    else:
        assert result.exit_code == 1
        assert expected in result.stderr


def test_override_text_reads_back_the_same_under_yaml_1_1(tool: ToolData, environments: Path) -> None:
    # `yes` and `0644` are text in the environment file (YAML 1.2) but a boolean and 420 to kubectl (YAML 1.1)
    (environments / "_base.yaml").write_text(BASE)
    (environments / "plain.yaml").write_text(
        "name: plain\nextends: _base\nclusters:\n  - name: c\n    head: {cpu: '1'}\n"
        "    spec: {headServiceAnnotations: {a: yes, b: '0644'}}\n"
    )
    result = build(BuildRequest(environments, ("plain",), tool))
    (file,) = [file for file in result.files if file.path.name == "raycluster-c.yaml"]
    (cluster,) = load_yaml_stream(file.content)
    assert cluster["spec"]["headServiceAnnotations"] == {"a": "yes", "b": "0644"}


def test_a_job_whose_entrypoint_is_in_its_spec_is_valid(environments: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (environments / "_base.yaml").write_text(BASE)
    (environments / "job.yaml").write_text(
        "name: job\nextends: _base\njobs:\n  - name: j\n    cluster: {head: {cpu: '1'}}\n"
        "    spec: {entrypoint: python a.py}\n"
    )
    monkeypatch.chdir(environments.parent)
    result = CliRunner().invoke(main, ["validate", "job"], catch_exceptions=False)
    assert (result.exit_code, result.stderr) == (0, "")


SPEC_VALUES = """\
target: {cluster: in-cluster, namespace: ray}
clusters:
  - name: c
    head: {cpu: "1"}
    workerGroups: [{name: w, replicas: 1}]
    spec: {workerGroupSpecs: [{groupName: w, minReplicas: -1, maxReplicas: -1, replicas: 0}]}
jobs:
  - name: j
    entrypoint: python run.py
    cluster: {head: {cpu: "1"}}
    spec: {activeDeadlineSeconds: 0, backoffLimit: -1}
services:
  - name: s
    serveConfig: {applications: [{name: app, import_path: app:app}]}
    cluster: {head: {cpu: "1"}}
    spec: {upgradeStrategy: {type: Bogus}}
"""


def test_values_a_spec_writes_out_of_a_fields_range_are_refused_as_the_field_would_be(
    tool: ToolData, environments: Path
) -> None:
    """The operator refuses them (validation.go: ValidateRayJobSpec's activeDeadlineSeconds and backoffLimit,
    the 1.6.0 replica bounds, whose CRD has no minimum, the RayService upgrade types), and the CRD does not:
    the object read back into structured fields is checked against their schema."""
    problems = problems_of(tool, environments, {"team": SPEC_VALUES})
    assert [(rule, message) for _, rule, message in problems] == [
        (
            "input-schema",
            "RayCluster c with its spec: spec.workerGroupSpecs[0].maxReplicas: -1 is less than the minimum 0",
        ),
        (
            "input-schema",
            "RayCluster c with its spec: spec.workerGroupSpecs[0].minReplicas: -1 is less than the minimum 0",
        ),
        ("input-schema", "RayJob j with its spec: spec.activeDeadlineSeconds: 0 is less than the minimum 1"),
        ("input-schema", "RayJob j with its spec: spec.backoffLimit: -1 is less than the minimum 0"),
        (
            "input-schema",
            'RayService s with its spec: spec.upgradeStrategy.type: "Bogus" is not one of: NewCluster, None, '
            "NewClusterWithIncrementalUpgrade",
        ),
    ]


def test_an_empty_text_a_spec_writes_is_no_value_out_of_range(tool: ToolData, environments: Path) -> None:
    """KubeRay takes serviceType "" for ClusterIP (common/service.go:127 at v1.7.0); the API server defaults an
    empty imagePullPolicy: the read-back's enums do not refuse them."""
    text = """\
target: {cluster: in-cluster, namespace: ray}
clusters:
  - name: c
    head: {cpu: "1"}
    spec: {headGroupSpec: {serviceType: "", template: {spec: {containers: [{name: ray-head, imagePullPolicy: ""}]}}}}
"""
    assert problems_of(tool, environments, {"team": text}) == []


def test_a_value_a_patch_writes_out_of_a_fields_range_is_refused_at_the_patch(
    tool: ToolData, environments: Path
) -> None:
    """The read-back of a patched object goes through the same check as `spec`'s (validate/final_rules.py)."""
    text = """\
target: {cluster: in-cluster, namespace: ray}
jobs:
  - name: j
    entrypoint: python run.py
    cluster: {head: {cpu: "1"}}
patches:
  - target: {kind: RayJob, name: j}
    patch:
      - {op: add, path: /spec/activeDeadlineSeconds, value: 0}
"""
    problems = problems_of(tool, environments, {"team": text})
    assert [(rule, message.split(": ", 1)[1]) for _, rule, message in problems] == [
        ("input-schema", "spec.activeDeadlineSeconds: 0 is less than the minimum 1")
    ]


def test_a_serve_config_the_spec_writes_over_is_not_checked_for_route_prefixes(
    tool: ToolData, environments: Path
) -> None:
    """serve-route-prefixes-unique reads the structured serveConfig; a serveConfigV2 that `spec` writes is the
    config the RayService runs (it was a false error)."""
    apps = "serveConfig: {applications: [{name: a, import_path: m:a}, {name: b, import_path: m:b}]}"
    written = "spec: {serveConfigV2: 'applications: [{name: a, import_path: m:a, route_prefix: /a}]'}"
    service = f"services: [{{name: s, {apps}, cluster: {{head: {{cpu: '1'}}}}, {written}}}]\n"
    assert problems_of(tool, environments, {"team": service}, BASE) == []
    unwritten = f"services: [{{name: s, {apps}, cluster: {{head: {{cpu: '1'}}}}}}]\n"
    assert [rule for _f, rule, _m in problems_of(tool, environments, {"team": unwritten}, BASE)] == [
        "serve-route-prefixes-unique"
    ]
