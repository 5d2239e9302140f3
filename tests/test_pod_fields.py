"""The pods KubeRay will create against what the API server checks beyond the CRDs' schema (validate/pod_fields.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from generator.errors import format_path
from generator.input.load import load_environment_file
from generator.paths import ToolData
from generator.pipeline import BuildRequest, build
from generator.releases import load_field_history, load_release
from generator.rules.context import RuleContext
from generator.validate.kubernetes import FIELD_PATCHES, KubernetesSchemas, patched_fields_schema
from generator.validate.pod_fields import POD_TEMPLATE, writes_raw_pods
from tests.problems import problems_of

TARGET = "target: {cluster: in-cluster, namespace: ray}\npodSecurity: privileged\n"


def test_the_pruned_schema_keeps_only_the_ways_to_patched_fields() -> None:
    definitions = {
        "Root": {"properties": {"a": {"$ref": "#/$defs/A"}, "list": {"items": {"$ref": "#/$defs/B"}}, "n": {}}},
        "A": {"properties": {"back": {"$ref": "#/$defs/Root"}, "x": {"type": "string"}}, "required": ["x"]},
        "B": {"properties": {"map": {"additionalProperties": {"$ref": "#/$defs/io.k8s.api.core.v1.GRPCAction"}}}},
        "io.k8s.api.core.v1.GRPCAction": {"properties": {"port": {"type": "integer", "description": "d"}}},
    }
    schema = patched_fields_schema(definitions, "Root")
    assert schema == {
        "$defs": {
            # A leads back to Root, and so to the patched field: a cycle is followed, not cut
            "Root": {"properties": {"a": {"$ref": "#/$defs/A"}, "list": {"items": {"$ref": "#/$defs/B"}}}},
            "A": {"properties": {"back": {"$ref": "#/$defs/Root"}}},
            "B": {"properties": {"map": {"additionalProperties": {"$ref": "#/$defs/io.k8s.api.core.v1.GRPCAction"}}}},
            "io.k8s.api.core.v1.GRPCAction": {"properties": {"port": {"type": "integer"}}},
        },
        "$ref": "#/$defs/Root",
    }
    assert patched_fields_schema({**definitions, "A": {"properties": {"x": {}}}}, "A") is None
    assert patched_fields_schema({"Lone": {"properties": {"x": {}}}}, "Lone") is None


def test_a_pod_template_is_held_to_the_field_patches_in_every_release() -> None:
    """Each release's pod template reaches every patched field of the kinds a pod holds; a good template passes."""
    schemas = KubernetesSchemas()
    pod_definitions = {"Container", "ContainerPort", "HTTPGetAction", "TCPSocketAction", "GRPCAction"}
    expected = {(name, field) for name, field, _ in FIELD_PATCHES if name.rsplit(".", 1)[-1] in pod_definitions}
    for version in schemas.versions:
        validator = schemas.patched_field_validator(version, POD_TEMPLATE)
        assert validator is not None
        reached = {
            (name, field) for name, schema in validator.schema["$defs"].items() for field in schema["properties"]
        }
        assert expected <= reached, (version, expected - reached)
        good = {
            "metadata": {"labels": {"a": "b"}},
            "spec": {
                "containers": [
                    {
                        "name": "ray-head",
                        "image": "rayproject/ray:2.41.0",
                        "imagePullPolicy": "",
                        "ports": [{"name": "dashboard", "containerPort": 8265, "protocol": "TCP"}],
                        "readinessProbe": {"httpGet": {"path": "/", "port": "dashboard"}},
                        "livenessProbe": {"tcpSocket": {"port": 8265}},
                        "lifecycle": {"preStop": {"exec": {"command": ["ray", "stop"]}}},
                    }
                ]
            },
        }
        assert validator.findings(good) == [], version
    assert schemas.patched_field_validator("0.1", POD_TEMPLATE) is None


def _pod(container: str) -> str:
    return (
        TARGET + f"clusters: [{{name: c, head: {{cpu: '1', podTemplate: {{spec: {{containers: [{container}]}}}}}}}}]\n"
    )


@pytest.mark.parametrize(
    ("container", "messages"),
    [
        ("{name: ray-head, imagePullPolicy: IfNotPresent, ports: [{name: metrics, containerPort: 8080}]}", []),
        ("{name: ray-head, readinessProbe: {httpGet: {path: /, port: metrics}}}", []),
        ("{name: ray-head, imagePullPolicy: Sometimes}", ['"Sometimes" is not one of']),
        ("{name: ray-head, ports: [{containerPort: 0}]}", ["0 is less than the minimum 1"]),
        ("{name: ray-head, ports: [{containerPort: 9000, hostPort: 65536}]}", ["65536 is more than the maximum"]),
        ("{name: ray-head, livenessProbe: {tcpSocket: {port: Metrics}}}", ['"Metrics" is not a port name']),
        # a sidecar's and an init container's too
        ("{name: ray-head}, {name: proxy, image: envoy, ports: [{containerPort: 1, protocol: http}]}", ['"http"']),
    ],
)
def test_ray_pods_are_held_to_what_the_api_server_checks(
    tool: ToolData, tmp_path: Path, container: str, messages: list[str]
) -> None:
    found = problems_of(tool, tmp_path, {"team": _pod(container)})
    assert [rule for _file, rule, _message in found] == ["pod-fields"] * len(messages), found
    for (_file, _rule, message), expected in zip(found, messages, strict=True):
        assert expected in message
        assert "which the API server refuses when KubeRay creates the pod" in message


@pytest.mark.parametrize("version", ["1.24", "1.99"])
def test_a_kubernetes_version_without_schemas_is_checked_by_the_nearest(
    tool: ToolData, tmp_path: Path, version: str
) -> None:
    """target.kubernetesVersion names a release the package ships no schemas of (it was left unchecked): the pods
    are held to the nearest release's, whose port and word checks are those of every release."""
    body = _pod("{name: ray-head, imagePullPolicy: Sometimes}").replace(
        "namespace: ray}", f'namespace: ray, kubernetesVersion: "{version}"}}'
    )
    found: Any = problems_of(tool, tmp_path, {"team": body})
    assert [rule for _file, rule, _message in found] == ["pod-fields"]


def test_the_pruned_schema_is_kept_by_what_decides_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Reading kubernetes-validate's definitions and pruning them is done once: later runs read the kept schema,
    until the definitions, FIELD_PATCHES or the pruning code change."""
    import generator.validate.kubernetes as kubernetes

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.delenv("KUBERAY_GITOPS_NO_CACHE", raising=False)
    derived = KubernetesSchemas().patched_field_validator("1.34", POD_TEMPLATE)
    kept = list((tmp_path / "kuberay-gitops" / "kubernetes").iterdir())
    assert derived is not None
    assert len(kept) == 1

    def not_again(*_arguments: Any) -> None:
        raise AssertionError("pruned again")

    monkeypatch.setattr(kubernetes, "patched_fields_schema", not_again)
    again = KubernetesSchemas().patched_field_validator("1.34", POD_TEMPLATE)
    assert again is not None
    assert again.schema == derived.schema
    monkeypatch.undo()
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(kubernetes, "FIELD_PATCHES", kubernetes.FIELD_PATCHES[1:])
    KubernetesSchemas().patched_field_validator("1.34", POD_TEMPLATE)
    assert len(list((tmp_path / "kuberay-gitops" / "kubernetes").iterdir())) == 2


@pytest.mark.parametrize(
    ("mode", "rules"),
    [
        ("K8sJobMode", ["pod-fields"]),
        ("", ["pod-fields"]),  # K8sJobMode, the CRD's default
        # KubeRay makes no pod of the template in these modes (rayjob_controller.go:217-226 at v1.5.0)
        ("InteractiveMode", []),
        ("HTTPMode", []),
    ],
)
def test_a_submitter_template_is_a_pod_in_k8s_job_mode_alone(
    tool: ToolData, tmp_path: Path, mode: str, rules: list[str]
) -> None:
    entrypoint = "" if mode == "InteractiveMode" else "entrypoint: python x.py, "  # InteractiveMode takes none
    written = entrypoint + (f"submissionMode: {mode}, " if mode else "")
    body = TARGET.replace("namespace: ray}", "namespace: ray}\nkuberay: {version: 1.5.0}") + (
        f"jobs: [{{name: j, {written}cluster: {{head: {{cpu: '1'}}}}, submitter: "
        "{podTemplate: {spec: {containers: [{name: ray-job-submitter, ports: [{containerPort: 0}]}]}}}}]\n"
    )
    assert [rule for _file, rule, _message in problems_of(tool, tmp_path, {"team": body})] == rules


@pytest.mark.parametrize(
    ("body", "raw"),
    [
        ("clusters: [{name: c, head: {cpu: '1', ports: [{name: serve, containerPort: 8000}]}}]", False),
        ("clusters: [{name: c, head: {cpu: '1', podTemplate: {spec: {hostNetwork: false}}}}]", True),
        ("clusters: [{name: c, head: {cpu: '1'}, workerGroups: [{name: w, podTemplate: {metadata: {}}}]}]", True),
        ("clusters: [{name: c, head: {cpu: '1'}, spec: {suspend: false}}]", True),
        ("jobs: [{name: j, entrypoint: x, cluster: {head: {cpu: '1'}}, submitter: {podTemplate: {}}}]", True),
        (
            "kuberay: {version: 1.6.0}\ncronJobs: [{name: c, schedule: '@daily', job: {entrypoint: x, cluster: "
            "{head: {cpu: '1'}}, submitter: {podTemplate: {}}}}]",
            True,
        ),
        (
            "kuberay: {version: 1.6.0}\ncronJobs: [{name: c, schedule: '@daily', job: {entrypoint: x, cluster: "
            "{head: {cpu: '1', podTemplate: {}}}}}]",
            True,
        ),
    ],
)
def test_only_raw_pod_fields_are_walked(tool: ToolData, tmp_path: Path, body: str, raw: bool) -> None:
    """What the structured fields put in a pod the environment schema holds to FIELD_PATCHES' bounds: the pods of an
    environment that writes no podTemplate and no `spec` are not walked (validate/pod_fields.py writes_raw_pods)."""
    (tmp_path / "team.yaml").write_text(f"name: team\n{body}\n")
    loaded = load_environment_file(tmp_path / "team.yaml")
    release, history = load_release("1.6.0", tool.schemas), load_field_history(tool.schemas)
    context = RuleContext(tmp_path / "team.yaml", loaded.data, loaded.origin, release, history)
    assert writes_raw_pods(context) is raw


PATCHED = (
    "target: {cluster: in-cluster, namespace: ray}\npodSecurity: baseline\nclusters: [{name: c, head: {cpu: '1'"
    "HEAD}}]\npatches: [{target: {kind: RayCluster, name: c}, patch: [PATCH]}]\n"
)
PROBE = (
    "{op: add, path: /spec/headGroupSpec/template/spec/containers/0/livenessProbe, value: {tcpSocket: {port: 70000}}}"
)
HOST_NETWORK = "{op: add, path: /spec/headGroupSpec/template/spec/hostNetwork, value: true}"
LABEL = "{op: add, path: /metadata/labels/team, value: ml}"


@pytest.mark.parametrize(
    ("head", "patch", "found"),
    [
        # what a patch breaks in a pod is reported at the patch (it passed before: the checks read the rendered files)
        ("", PROBE, [("pod-fields", "patches[0].patch")]),
        ("", HOST_NETWORK, [("pod-security", "patches[0].patch")]),
        ("", LABEL, []),
        # what the podTemplate wrote is reported where it is written, once: the patch adds nothing
        (
            ", podTemplate: {spec: {hostNetwork: true}}",
            LABEL,
            [("pod-security", "clusters[0].head.podTemplate.spec.hostNetwork")],
        ),
    ],
)
def test_pods_as_patches_leave_them_are_checked(
    tool: ToolData, tmp_path: Path, head: str, patch: str, found: list[tuple[str, str]]
) -> None:
    body = PATCHED.replace("HEAD", head).replace("PATCH", patch)
    (tmp_path / "_base.yaml").write_text(
        "kuberay: {version: 1.5.0}\ngitops: {engine: argocd, repoURL: https://git.example.com/ray.git}\n"
        "defaults: {image: rayproject/ray:2.41.0}\n"
    )
    (tmp_path / "team.yaml").write_text(f"name: team\nextends: _base\n{body}")
    result = build(BuildRequest(tmp_path, (), tool, keep_outcomes=False))
    assert [(problem.rule, format_path(problem.path)) for problem in result.problems] == found
