"""Safe pods by default: what the restricted level writes, and the Pod Security check that proves it."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from generator.model.build import RESTRICTED_CONTAINER_SECURITY
from generator.paths import ToolData
from generator.pipeline import BuildRequest, build
from generator.validate.pod_security import pod_violations, template_violations
from tests.problems import problems_of
from tests.test_cli import VALID

JOB = """\
jobs:
  - name: train
    entrypoint: python train.py
    cluster:
      autoscaling: {enabled: true}
      head: {cpu: "1"}
      workerGroups: [{name: w, cpu: "1", replicas: 1, maxReplicas: 2}]
"""


def _render(tmp_path: Path, tool: ToolData, text: str) -> dict[str, Any]:
    (tmp_path / "demo.yaml").write_text(text)
    result = build(BuildRequest(tmp_path, (), tool))
    assert result.problems == ()
    return {str(file.path): file.documents[0] for file in result.files}


def _containers(pod: dict[str, Any]) -> list[dict[str, Any]]:
    return [*pod.get("initContainers", []), *pod["containers"]]


def test_restricted_is_the_default_and_every_pod_passes_it(tmp_path: Path, tool: ToolData) -> None:
    files = _render(tmp_path, tool, VALID + JOB)
    labels = files["demo/workloads/namespace.yaml"]["metadata"]["labels"]
    assert {key: value for key, value in labels.items() if key.startswith("pod-security")} == {
        "pod-security.kubernetes.io/enforce": "restricted",
        "pod-security.kubernetes.io/warn": "restricted",
        "pod-security.kubernetes.io/audit": "restricted",
    }
    job = files["demo/workloads/rayjob-train.yaml"]["spec"]
    head = job["rayClusterSpec"]["headGroupSpec"]["template"]["spec"]
    worker = job["rayClusterSpec"]["workerGroupSpecs"][0]["template"]["spec"]
    submitter = job["submitterPodTemplate"]["spec"]
    for pod in (head, worker, submitter):
        assert [container["securityContext"] for container in _containers(pod)] == [RESTRICTED_CONTAINER_SECURITY]
        assert list(pod_violations(pod, (), "restricted")) == []
    assert job["rayClusterSpec"]["autoscalerOptions"]["securityContext"] == RESTRICTED_CONTAINER_SECURITY
    # only the head runs the autoscaler, which needs the ServiceAccount token
    assert "automountServiceAccountToken" not in head
    assert worker["automountServiceAccountToken"] is False
    assert submitter["automountServiceAccountToken"] is False
    # KubeRay's own default submitter, written out: the head's image, KubeRay's resources
    assert submitter["containers"][0]["image"] == head["containers"][0]["image"]
    assert submitter["containers"][0]["resources"] == {
        "limits": {"cpu": "1", "memory": "1Gi"},
        "requests": {"cpu": "500m", "memory": "200Mi"},
    }


def test_baseline_and_privileged_opt_out(tmp_path: Path, tool: ToolData) -> None:
    files = _render(tmp_path, tool, VALID + "podSecurity: privileged\n" + JOB)
    labels = files["demo/workloads/namespace.yaml"]["metadata"]["labels"]
    assert not [key for key in labels if key.startswith("pod-security")]
    job = files["demo/workloads/rayjob-train.yaml"]["spec"]
    assert "submitterPodTemplate" not in job  # KubeRay builds its default submitter
    head = job["rayClusterSpec"]["headGroupSpec"]["template"]["spec"]
    assert "securityContext" not in head["containers"][0]
    assert "automountServiceAccountToken" not in job["rayClusterSpec"]["workerGroupSpecs"][0]["template"]["spec"]


RESTRICTED_POD = {"containers": [{"name": "ray", "securityContext": dict(RESTRICTED_CONTAINER_SECURITY)}]}


@pytest.mark.parametrize(
    ("change", "level", "message"),
    [
        (lambda pod: pod.update(hostNetwork=True), "baseline", "hostNetwork is true"),
        (
            lambda pod: pod.update(volumes=[{"name": "h", "hostPath": {"path": "/"}}]),
            "baseline",
            "volume h is a hostPath volume",
        ),
        (
            lambda pod: pod["containers"][0]["securityContext"].update(privileged=True),
            "baseline",
            "container ray is privileged",
        ),
        (
            lambda pod: pod["containers"][0]["securityContext"].update(
                capabilities={"add": ["SYS_ADMIN"], "drop": ["ALL"]}
            ),
            "baseline",
            "container ray adds capabilities SYS_ADMIN",
        ),
        (
            lambda pod: pod["containers"][0].update(ports=[{"containerPort": 80, "hostPort": 80}]),
            "baseline",
            "container ray uses hostPort 80",
        ),
        (
            lambda pod: pod.update(volumes=[{"name": "n", "nfs": {"server": "s", "path": "/"}}]),
            "restricted",
            "volume n is a nfs volume",
        ),
        (
            lambda pod: pod["containers"][0]["securityContext"].pop("allowPrivilegeEscalation"),
            "restricted",
            "container ray does not set allowPrivilegeEscalation: false",
        ),
        (
            lambda pod: pod["containers"][0]["securityContext"].update(runAsUser=0),
            "restricted",
            "container ray runs as user 0",
        ),
        (
            lambda pod: pod["containers"][0]["securityContext"].pop("seccompProfile"),
            "restricted",
            "container ray has no RuntimeDefault or Localhost seccompProfile",
        ),
        (lambda pod: pod.update(securityContext={"runAsUser": 0}), "restricted", "the pod runs as user 0"),
    ],
)
def test_the_check_finds_each_kind_of_violation(change: Any, level: str, message: str) -> None:
    pod = copy.deepcopy(RESTRICTED_POD)
    assert list(pod_violations(pod, (), "restricted")) == []
    change(pod)
    assert message in [found for _, found in pod_violations(pod, (), level)]


def test_apparmor_annotations_are_checked() -> None:
    template = {
        "metadata": {"annotations": {"container.apparmor.security.beta.kubernetes.io/ray-head": "unconfined"}},
        "spec": copy.deepcopy(RESTRICTED_POD),
    }
    assert [message for _, message in template_violations(template, (), "baseline")] == ["AppArmor profile unconfined"]


def test_baseline_allows_what_restricted_refuses() -> None:
    pod = {"containers": [{"name": "ray"}], "volumes": [{"name": "n", "nfs": {"server": "s", "path": "/"}}]}
    assert list(pod_violations(pod, (), "baseline")) == []
    assert len(list(pod_violations(pod, (), "restricted"))) == 5


@pytest.mark.parametrize(("mode", "found"), [("K8sJobMode", ["pod-security"]), ("HTTPMode", [])])
def test_a_submitter_template_is_checked_where_kuberay_makes_a_pod_of_it(
    tmp_path: Path, tool: ToolData, mode: str, found: list[str]
) -> None:
    """Only K8sJobMode creates the submitter Job from submitterPodTemplate (rayjob_controller.go:217-226 at
    v1.5.0); HTTPMode submits over HTTP and makes no pod of it."""
    body = (
        "target: {cluster: in-cluster, namespace: ray}\nkuberay: {version: 1.5.0}\njobs: [{name: j, entrypoint: "
        f"python x.py, submissionMode: {mode}, cluster: {{head: {{cpu: '1'}}}}, submitter: {{podTemplate: {{spec: "
        "{containers: [{name: ray-job-submitter, securityContext: {privileged: true}}]}}}}]\n"
    )
    assert [rule for _file, rule, _message in problems_of(tool, tmp_path, {"team": body})] == found


def test_a_cron_jobs_submitter_is_held_to_the_level(tmp_path: Path, tool: ToolData) -> None:
    """Each run of a RayCronJob is a RayJob of its jobTemplate: its submitter pod too (it was not checked)."""
    body = (
        "target: {cluster: in-cluster, namespace: ray}\nkuberay: {version: 1.7.0}\noperator: {install: true, "
        "featureGates: {RayCronJob: true}}\ncronJobs: [{name: nightly, "
        "schedule: '@daily', job: {entrypoint: python x.py, cluster: {head: {cpu: '1'}}, submitter: {podTemplate: "
        "{spec: {containers: [{name: ray-job-submitter, securityContext: {privileged: true}}]}}}}}]\n"
    )
    found = problems_of(tool, tmp_path, {"team": body})
    assert [(rule, "spec.jobTemplate.submitterPodTemplate" in message) for _file, rule, message in found] == [
        ("pod-security", True)
    ]


def test_the_hint_names_a_level_that_takes_the_pod(tmp_path: Path, tool: ToolData) -> None:
    """Under baseline the way out is privileged (the hint said baseline, the level already set)."""
    (tmp_path / "team.yaml").write_text(
        "name: team\ntarget: {cluster: in-cluster, namespace: ray}\ngitops: {engine: argocd, repoURL: "
        "https://git.example.com/ray.git}\nkuberay: {version: 1.5.0}\ndefaults: {image: rayproject/ray:2.41.0}\n"
        "podSecurity: baseline\nclusters: [{name: c, head: {cpu: '1', podTemplate: {spec: {hostNetwork: true}}}}]\n"
    )
    result = build(BuildRequest(tmp_path, (), tool, keep_outcomes=False))
    assert [(problem.rule, problem.hint) for problem in result.problems] == [
        ("pod-security", "set podSecurity: privileged for this environment, or change the pod")
    ]
