"""`objects`: other Kubernetes objects, rendered into the workloads overlay and wired into Argo CD and Flux.

The overlay is built with the real `kubectl kustomize`; the AppProject and the Flux Role must let exactly
these kinds through, since Argo CD refuses a kind its project does not list and Kubernetes RBAC refuses the
impersonated Flux account what its Role does not grant.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from generator import stages
from generator.model.names import resource_name
from generator.output.serialize import load_yaml_stream
from generator.output.write import OutputScope, write_output
from generator.paths import PROJECT_ROOT, ToolData
from generator.pipeline import BuildRequest, build
from generator.validate.kubernetes import FIELD_PATCHES, KubernetesSchemas
from tests.kustomize import kustomize_build, kustomize_failure
from tests.problems import problems_of

VALID = PROJECT_ROOT / "tests" / "corpus" / "valid"
ENVIRONMENT = "objects"


@pytest.fixture(scope="module")
def rendered(tool: ToolData, tmp_path_factory: pytest.TempPathFactory) -> Path:
    result = build(BuildRequest(VALID, (ENVIRONMENT,), tool))
    assert result.problems == ()
    output = tmp_path_factory.mktemp("objects") / "rendered"
    write_output(output, result.files, OutputScope(None))
    return output / ENVIRONMENT


def _objects() -> list[dict[str, Any]]:
    document = next(iter(load_yaml_stream((VALID / f"{ENVIRONMENT}.yaml").read_text())))
    objects: list[dict[str, Any]] = document["objects"]
    return objects


def _documents(path: Path) -> list[dict[str, Any]]:
    return [document for document in load_yaml_stream(path.read_text()) if isinstance(document, dict)]


def test_each_object_is_built_into_the_namespace_with_the_generator_labels(rendered: Path) -> None:
    built = {(doc["kind"], doc["metadata"]["name"]): doc for doc in kustomize_build(rendered / "workloads")}
    for item in _objects():
        document = built[(item["kind"], item["metadata"]["name"])]
        assert document["metadata"]["namespace"] == "ray-objects"
        assert document["metadata"]["labels"]["kuberay-gitops/environment"] == ENVIRONMENT
        expected = {key: value for key, value in item.items() if key != "metadata"}
        if item["kind"] == "RoleBinding":  # kustomize's namespace transformer moves ServiceAccount subjects too
            expected["subjects"] = [{**subject, "namespace": "ray-objects"} for subject in item["subjects"]]
        assert {key: value for key, value in document.items() if key != "metadata"} == expected


def test_the_workloads_project_lists_each_object_kind(rendered: Path) -> None:
    project = next(
        doc for doc in _documents(rendered / "argocd" / "appproject-workloads.yaml") if doc["kind"] == "AppProject"
    )
    allowed = {(entry["group"], entry["kind"]) for entry in project["spec"]["namespaceResourceWhitelist"]}
    for item in _objects():
        assert (item["apiVersion"].rpartition("/")[0], item["kind"]) in allowed


def test_the_flux_workloads_role_grants_each_object_resource(rendered: Path) -> None:
    role = next(
        doc
        for doc in _documents(rendered / "flux" / "access.yaml")
        if doc["kind"] == "Role" and doc["metadata"]["namespace"] == "ray-objects"
    )
    granted = {
        (group, resource)
        for rule in role["rules"]
        if "create" in rule["verbs"] and "delete" in rule["verbs"]
        for group in rule["apiGroups"]
        for resource in rule["resources"]
    }
    for item in _objects():
        assert (item["apiVersion"].rpartition("/")[0], resource_name(item["kind"])) in granted
    # a Role among the objects grants what the account may grant only with escalate and bind on it, and a
    # RoleBinding to a ClusterRole needs bind on that ClusterRole
    assert any(
        rule.get("resourceNames") == ["ray-reader"] and set(rule["verbs"]) == {"escalate", "bind"}
        for rule in role["rules"]
    )
    assert {
        "apiGroups": ["rbac.authorization.k8s.io"],
        "resources": ["clusterroles"],
        "verbs": ["bind"],
        "resourceNames": ["view"],
    } in role["rules"]


@pytest.mark.parametrize(
    ("kind", "resource"),
    [
        ("Service", "services"),
        ("Ingress", "ingresses"),
        ("Endpoints", "endpoints"),
        ("PodDisruptionBudget", "poddisruptionbudgets"),
        ("HTTPRoute", "httproutes"),
        ("Gateway", "gateways"),
        ("NetworkPolicy", "networkpolicies"),
        ("Queue", "queues"),
    ],
)
def test_resource_names_are_the_api_resources(kind: str, resource: str) -> None:
    assert resource_name(kind) == resource


def test_the_schemas_of_core_kinds_are_found_and_strict() -> None:
    schemas = KubernetesSchemas()
    assert "1.34" in schemas.versions
    service = schemas.validator("1.34", "v1", "Service")
    assert service is not None
    assert service.is_valid({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "a"}})
    assert not service.is_valid({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "a"}, "spec": {"x": 1}})
    # an apiVersion whose group shares its first label with a core group is not that group's kind
    assert schemas.validator("1.34", "networking.example.com/v1", "Ingress") is None
    assert schemas.validator("1.34", "kueue.x-k8s.io/v1beta1", "LocalQueue") is None


SEALED_SECRET_SPEC = {
    "type": "object",
    "required": ["encryptedData"],
    "properties": {"encryptedData": {"type": "object", "additionalProperties": {"type": "string"}}},
}


def _with_schema(tmp_path: Path, schema: dict[str, Any]) -> Path:
    folder = shutil.copytree(VALID, tmp_path / "environments")
    (folder / "schemas" / "sealedsecret.schema.yaml").write_text(json.dumps(schema))
    return folder


def test_an_object_schema_refers_within_itself(tmp_path: Path, tool: ToolData) -> None:
    schema = {"$defs": {"spec": SEALED_SECRET_SPEC}, "type": "object", "properties": {"spec": {"$ref": "#/$defs/spec"}}}
    result = build(BuildRequest(_with_schema(tmp_path, schema), (ENVIRONMENT,), tool))
    assert result.problems == ()
    strict = {**schema, "$defs": {"spec": {**SEALED_SECRET_SPEC, "required": ["encryptedData", "sealed"]}}}
    result = build(BuildRequest(_with_schema(tmp_path / "strict", strict), (ENVIRONMENT,), tool))
    assert [problem.message for problem in result.problems] == [
        "SealedSecret redis-password, spec: missing required field 'sealed'"
    ]


@pytest.mark.parametrize(
    "reference", ["spec.json", "file:///etc/spec.json", "https://schemas.example.invalid/spec.json", "spec.json#/x"]
)
def test_an_object_schema_never_fetches_what_it_refers_to(
    tmp_path: Path, tool: ToolData, reference: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """jsonschema would fetch another file or address with urlopen: the run would depend on the network and
    on files no outcome's key names, and a relative reference ended it in an error of jsonschema's."""

    def no_fetching(*_arguments: object, **_options: object) -> None:
        raise AssertionError("fetched")

    monkeypatch.setattr(urllib.request, "urlopen", no_fetching)
    schema = {"type": "object", "properties": {"spec": {"$ref": reference}}}
    result = build(BuildRequest(_with_schema(tmp_path, schema), (ENVIRONMENT,), tool))
    assert [(problem.rule, problem.message) for problem in result.problems] == [
        (
            "object-schema",
            f"schemas/sealedsecret.schema.yaml refers to {reference}, outside itself",
        )
    ]


def test_an_object_schema_is_read_as_utf8_in_any_locale(tmp_path: Path) -> None:
    """What a schema means never depends on the locale (an ASCII one read a UTF-8 comment as an error)."""
    folder = shutil.copytree(VALID, tmp_path / "environments")
    schema = folder / "schemas" / "sealedsecret.schema.yaml"
    schema.write_text("# Schéma du SealedSecret\n" + schema.read_text(), encoding="utf-8")
    environment = {**os.environ, "LC_ALL": "C", "LANG": "C", "PYTHONUTF8": "0", "PYTHONCOERCECLOCALE": "0"}
    completed = subprocess.run(
        [sys.executable, "-m", "generator", "--environments", str(folder), "validate", ENVIRONMENT],
        cwd=PROJECT_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr


@pytest.mark.parametrize("reference", ["#/$defs/missing", "#nowhere"])
def test_a_reference_to_nowhere_in_an_object_schema_is_a_problem(
    tmp_path: Path, tool: ToolData, reference: str
) -> None:
    """It ended the run in an error of jsonschema's."""
    schema = {"type": "object", "properties": {"spec": {"$ref": reference}}}
    result = build(BuildRequest(_with_schema(tmp_path, schema), (ENVIRONMENT,), tool))
    assert [(problem.rule, problem.message) for problem in result.problems] == [
        ("object-schema", f"schemas/sealedsecret.schema.yaml refers to {reference}, which is not in it")
    ]


@pytest.mark.parametrize(
    "schema",
    [
        {  # a $ref to the document's own $id
            "$id": "https://schemas.example.com/sealedsecret.json",
            "$defs": {"spec": SEALED_SECRET_SPEC},
            "properties": {"spec": {"$ref": "https://schemas.example.com/sealedsecret.json#/$defs/spec"}},
        },
        {  # a $ref to a sub-schema's own $id
            "$defs": {"spec": {**SEALED_SECRET_SPEC, "$id": "spec.json"}},
            "properties": {"spec": {"$ref": "spec.json"}},
        },
        {"properties": {"spec": {**SEALED_SECRET_SPEC, "examples": [{"$ref": "spec.json"}]}}},  # data, no $ref
    ],
)
def test_references_an_object_schema_holds_itself_are_followed(
    tmp_path: Path, tool: ToolData, schema: dict[str, Any]
) -> None:
    """What the file resolves by itself is no reference outside it, whatever the URI looks like."""
    result = build(BuildRequest(_with_schema(tmp_path, schema), (ENVIRONMENT,), tool))
    assert result.problems == ()


@pytest.mark.parametrize(
    "schema",
    [{"$ref": "#"}, {"allOf": [{"$ref": "#"}]}, {"$anchor": "a", "anyOf": [{"$ref": "#a"}]}],
)
def test_an_object_schema_whose_references_loop_is_a_problem(
    tmp_path: Path, tool: ToolData, schema: dict[str, Any]
) -> None:
    """jsonschema follows such references for ever: the run ended in a RecursionError (exit 3)."""
    result = build(BuildRequest(_with_schema(tmp_path, schema), (ENVIRONMENT,), tool))
    assert [(problem.rule, problem.path, problem.message) for problem in result.problems] == [
        (
            "object-schema",
            ("objectSchemas", "bitnami.com/v1alpha1/SealedSecret"),
            "checking an object against schemas/sealedsecret.schema.yaml never ends: its $ref references lead back "
            "to where they start without descending into the object",
        )
    ]


def test_an_object_schema_nested_deeper_than_python_follows_is_a_problem(tmp_path: Path, tool: ToolData) -> None:
    """Reading it (or checking it against its metaschema) raised RecursionError: exit 3."""
    schema: dict[str, Any] = {"type": "object"}
    for _ in range(300):  # within what json.dumps writes
        schema = {"allOf": [schema]}
    result = build(BuildRequest(_with_schema(tmp_path, schema), (ENVIRONMENT,), tool))
    assert [(problem.rule, problem.message) for problem in result.problems] == [
        (
            "object-schema",
            "cannot read the JSON Schema schemas/sealedsecret.schema.yaml: it nests deeper than Python can follow",
        )
    ]


def test_a_kind_of_the_argo_group_that_argo_cd_does_not_define_is_an_object_like_any_other(
    tmp_path: Path, tool: ToolData
) -> None:
    """An Argo Rollout (argoproj.io, but no kind of Argo CD's) stopped the run: no schema of ours is named
    after it (exit 2). It takes objectSchemas as any kind of a CRD does."""
    rollout = "objects: [{apiVersion: argoproj.io/v1alpha1, kind: Rollout, metadata: {name: r}, spec: {}}]\n"
    body = "target: {cluster: in-cluster, namespace: ray}\nclusters: [{name: c, head: {cpu: '1'}}]\n" + rollout
    unchecked = "objectSchemas: {argoproj.io/v1alpha1/Rollout: unchecked}\n"
    assert problems_of(tool, tmp_path, {"team": body + unchecked}) == []
    (tmp_path / "team.yaml").unlink()
    assert [rule for _file, rule, _message in problems_of(tool, tmp_path, {"team": body})] == ["object-schema"]


WRITTEN_TWICE = PROJECT_ROOT / "tests" / "corpus" / "cross" / "object-written-twice-grant"


def test_an_object_the_generator_writes_too_fails_kustomize(
    tmp_path: Path, tool: ToolData, monkeypatch: pytest.MonkeyPatch
) -> None:
    """team-b's RoleBinding kuberay-operator is the one the generator writes for the single-namespace operator
    that watches team-b, and its `Operator access` would be written to that very file: rendered regardless (the
    check switched off), the overlay fails the real kubectl kustomize for each, which is what `object-identity`
    says instead; renamed, the overlay builds."""
    environments = shutil.copytree(WRITTEN_TWICE, tmp_path / "environments")
    team = environments / "team-b.yaml"
    request = BuildRequest(environments, (), tool)
    assert [(problem.rule, problem.path) for problem in build(request).problems] == [
        ("object-identity", ("objects", 0, "metadata", "name")),
        ("object-identity", ("objects", 1, "metadata", "name")),
    ]

    def overlay(folder: str) -> Path:
        result = build(BuildRequest(environments, (), tool, keep_outcomes=False))
        assert not result.problems
        write_output(tmp_path / folder, result.files, OutputScope(None))
        return tmp_path / folder / "team-b" / "workloads"

    with monkeypatch.context() as patch:
        patch.setattr(stages, "written_twice_problems", lambda *_: [])
        # the file listed twice, the generator's overwritten
        assert "may not add resource with an already registered id" in kustomize_failure(overlay("both"))
        team.write_text(team.read_text().replace("name: access}", "name: team-b}"))
        assert "namespace transformation produces ID conflict" in kustomize_failure(overlay("binding"))
    team.write_text(team.read_text().replace("name: kuberay-operator}", "name: team-b-view}"))
    assert not build(request).problems
    assert kustomize_build(overlay("renamed"))


BINDING = (
    "clusterObjects:\n"
    "  - apiVersion: rbac.authorization.k8s.io/v1\n"
    "    kind: ClusterRoleBinding\n"
    "    metadata: {name: view}\n"
    "    roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}\n"
    "    subjects: [{kind: ServiceAccount, name: default, namespace: ray}, {kind: ServiceAccount, name: default, "
    "namespace: SUBJECT}]\n"
)


def test_kustomize_gives_a_subject_named_default_the_overlays_namespace(tmp_path: Path) -> None:
    """Why rule binding-subject-namespace refuses a ServiceAccount default of another namespace."""
    binding = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRoleBinding",
        "metadata": {"name": "view"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"},
        "subjects": [
            {"kind": "ServiceAccount", "name": "default", "namespace": "monitoring"},
            {"kind": "ServiceAccount", "name": "prometheus", "namespace": "monitoring"},
        ],
    }
    (tmp_path / "binding.yaml").write_text(json.dumps(binding))
    (tmp_path / "kustomization.yaml").write_text(json.dumps({"namespace": "ray", "resources": ["binding.yaml"]}))
    (built,) = kustomize_build(tmp_path)
    assert [subject["namespace"] for subject in built["subjects"]] == ["ray", "monitoring"]


def test_a_binding_may_name_default_of_its_own_namespace_beside_another(tool: ToolData, tmp_path: Path) -> None:
    """Subjects may repeat a name (no duplicate-name problem); only the other namespace's default is refused."""
    base = (
        "kuberay: {version: 1.6.0}\ntarget: {cluster: in-cluster, namespace: ray}\n"
        "gitops: {engine: argocd, repoURL: https://git.example.com/ray.git}\n"
    )
    problems = problems_of(tool, tmp_path, {"team": BINDING.replace("SUBJECT", "monitoring")}, base)
    assert [(rule, message) for _, rule, message in problems] == [
        (
            "binding-subject-namespace",
            "kustomize sets the namespace of a subject named default to the overlay's, so this binding would grant "
            "ServiceAccount default of ray, not of monitoring",
        )
    ]
    assert problems_of(tool, tmp_path, {"team": BINDING.replace("SUBJECT", "ray")}, base) == []


def test_an_object_name_too_long_for_a_file_name_gets_a_file_of_its_own(tmp_path: Path) -> None:
    """Kubernetes names have up to 253 characters, file names 255 bytes with the kind before and .yaml after."""
    from generator.model.build import MAX_FILE_NAME, object_file_name

    names = ["a" * 253, "a" * 252 + "b", "short"]
    files = [object_file_name({"kind": "PersistentVolumeClaim", "metadata": {"name": name}}) for name in names]
    assert all(len(file.encode()) <= MAX_FILE_NAME for file in files)
    assert len(set(files)) == 3
    assert files[2] == "persistentvolumeclaim-short.yaml"
    (tmp_path / files[0]).write_text("written\n")  # the file system takes it


_POD_TEMPLATE: dict[str, Any] = {
    "metadata": {"labels": {"a": "b"}},
    "spec": {"containers": [{"name": "c", "image": "i"}]},
}


def _object_with(definition: str, field_name: str, value: Any) -> dict[str, Any]:
    """An object of the kind whose definition FIELD_PATCHES touches, with `value` in that field."""
    meta = {"name": "x"}
    container: dict[str, Any] = {"name": "c", "image": "i"}
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": {"containers": [container]}}
    probes = {
        "io.k8s.api.core.v1.HTTPGetAction": ("readinessProbe", "httpGet", {"path": "/"}),
        "io.k8s.api.core.v1.TCPSocketAction": ("livenessProbe", "tcpSocket", {}),
        "io.k8s.api.core.v1.GRPCAction": ("startupProbe", "grpc", {}),
    }
    if definition == "io.k8s.api.core.v1.ContainerPort":
        container["ports"] = [{"containerPort": 1, field_name: value}]
        return pod
    if definition == "io.k8s.api.core.v1.Container":
        container[field_name] = value
        return pod
    if definition in probes:
        probe, handler, rest = probes[definition]
        container[probe] = {handler: {**rest, field_name: value}}
        return pod
    if definition in ("io.k8s.api.core.v1.ServicePort", "io.k8s.api.core.v1.ServiceSpec"):
        port = {"port": 1, field_name: value} if definition.endswith("Port") else {"port": 1}
        spec: dict[str, Any] = {"ports": [port]} | ({} if definition.endswith("Port") else {field_name: value})
        return {"apiVersion": "v1", "kind": "Service", "metadata": meta, "spec": spec}
    workload: dict[str, Any] = {"selector": {"matchLabels": {"a": "b"}}, "template": _POD_TEMPLATE}
    apps: dict[str, tuple[str, dict[str, Any]]] = {
        "io.k8s.api.apps.v1.RollingUpdateDeployment": (
            "Deployment",
            {"strategy": {"rollingUpdate": {field_name: value}}},
        ),
        "io.k8s.api.apps.v1.DeploymentStrategy": ("Deployment", {"strategy": {field_name: value}}),
        "io.k8s.api.apps.v1.DaemonSetUpdateStrategy": ("DaemonSet", {"updateStrategy": {field_name: value}}),
        "io.k8s.api.apps.v1.RollingUpdateDaemonSet": (
            "DaemonSet",
            {"updateStrategy": {"rollingUpdate": {field_name: value}}},
        ),
        "io.k8s.api.apps.v1.StatefulSetUpdateStrategy": (
            "StatefulSet",
            {"serviceName": "x", "updateStrategy": {field_name: value}},
        ),
    }
    if definition in apps:
        kind, fields = apps[definition]
        return {"apiVersion": "apps/v1", "kind": kind, "metadata": meta, "spec": workload | fields}
    assert definition == "io.k8s.api.policy.v1.PodDisruptionBudgetSpec", definition
    return {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": meta, "spec": {field_name: value}}


def _good_and_bad(patch: dict[str, Any]) -> tuple[Any, Any]:
    """A value a field patch takes, and one it refuses where the OpenAPI schema took it."""
    if "enum" in patch:
        return patch["enum"][0], "No_Such\n"
    if "pattern" in patch:
        return ("25%" if "%" in patch["pattern"] else "web"), "No_Such\n"
    return 80, 70000  # a port number


def test_every_field_patch_holds_in_every_release() -> None:
    """FIELD_PATCHES replace fields of kubernetes-validate's definitions: each must hold in every Kubernetes release
    the package ships (a value none of them takes is refused where a good one passes), or a check the docs promise
    would silently fall away with a renamed definition."""
    schemas = KubernetesSchemas()
    for version in schemas.versions:
        for definition, field_name, patch in FIELD_PATCHES:
            good, bad = _good_and_bad(patch)
            document = _object_with(definition, field_name, good)
            validator = schemas.validator(version, document["apiVersion"], document["kind"])
            assert validator is not None
            assert validator.is_valid(document), (
                version,
                definition,
                field_name,
                list(validator.iter_errors(document)),
            )
            assert not validator.is_valid(_object_with(definition, field_name, bad)), (version, definition, field_name)


SERVICE = (
    "target: {cluster: in-cluster, namespace: ray}\npodSecurity: baseline\nobjects: [{apiVersion: v1, kind: Service, "
    "metadata: {name: web}, spec: {selector: {app: web}, ports: [{port: 80}, {port: 443}]}}]\n"
)


@pytest.mark.parametrize(
    ("patches", "rules"),
    [
        ("", ["service-port-names", "service-port-names"]),
        # a patch that names the ports: what kustomize builds is a valid Service
        (
            "patches: [{target: {kind: Service, name: web}, patch: [{op: add, path: /spec/ports/0/name, value: http}, "
            "{op: add, path: /spec/ports/1/name, value: https}]}]",
            [],
        ),
        ("patches: [{patch: {apiVersion: v1, kind: Service, metadata: {name: web}, spec: {type: ClusterIP}}}]", []),
        # one that reaches other objects leaves the Service as written
        (
            "patches: [{target: {kind: Service, name: other}, patch: [{op: add, path: /metadata/labels, value: {}}]}]",
            ["service-port-names", "service-port-names"],
        ),
    ],
)
def test_a_service_a_patch_may_change_is_left_to_the_api_server(
    tool: ToolData, tmp_path: Path, patches: str, rules: list[str]
) -> None:
    found = problems_of(tool, tmp_path, {"team": SERVICE + patches})
    assert [rule for _file, rule, _message in found] == rules


def _rollout(kind: str, strategy: str, patches: str = "") -> str:
    field_name = "strategy" if kind == "Deployment" else "updateStrategy"
    service = "serviceName: db, " if kind == "StatefulSet" else ""
    return (
        "target: {cluster: in-cluster, namespace: ray}\npodSecurity: baseline\nobjects: [{apiVersion: apps/v1, "
        f"kind: {kind}, metadata: {{name: web}}, spec: {{{service}selector: {{matchLabels: {{app: web}}}}, "
        f"{field_name}: {strategy}, template: {{metadata: {{labels: {{app: web}}}}, spec: {{containers: "
        '[{name: web, image: "nginx:1.27"}]}}}}]\n' + patches
    )


@pytest.mark.parametrize(
    ("kind", "strategy", "patches", "messages"),
    [
        # the defaults fill in what is absent or null: a Deployment's 25% each, a DaemonSet's 1 and 0
        ("Deployment", "{rollingUpdate: {maxSurge: 0}}", "", []),
        ("Deployment", "{rollingUpdate: {maxSurge: 0, maxUnavailable: null}}", "", []),
        ("Deployment", '{type: "", rollingUpdate: {maxSurge: "0%", maxUnavailable: 0}}', "", ["both 0"]),
        ("Deployment", "{type: Recreate}", "", []),
        ("Deployment", "{type: Recreate, rollingUpdate: null}", "", []),
        ("Deployment", "{type: Recreate, rollingUpdate: {}}", "", ["with the Recreate strategy"]),
        ("DaemonSet", "{rollingUpdate: {maxSurge: 1, maxUnavailable: 0}}", "", []),
        ("DaemonSet", "{rollingUpdate: {maxSurge: 1, maxUnavailable: null}}", "", ["is 1 (its default)"]),
        ("DaemonSet", "{rollingUpdate: {maxSurge: 25%, maxUnavailable: 10%}}", "", ["is 10%;"]),
        ("DaemonSet", "{rollingUpdate: {maxUnavailable: 0%}}", "", ["both 0"]),
        ("DaemonSet", "{type: OnDelete, rollingUpdate: {maxSurge: 1}}", "", []),  # OnDelete takes one
        ("StatefulSet", "{type: OnDelete, rollingUpdate: {partition: 0}}", "", ["with the OnDelete strategy"]),
        ("StatefulSet", "{rollingUpdate: {maxUnavailable: 0}}", "", []),  # behind a feature gate: not checked
        # a value of no valid shape is object-schema's alone
        ("Deployment", '{rollingUpdate: {maxSurge: 0, maxUnavailable: "0"}}', "", ["object-schema"]),
        # a patch that may change the strategy leaves the object to the API server
        (
            "DaemonSet",
            "{rollingUpdate: {maxSurge: 1}}",
            "patches: [{target: {kind: DaemonSet, name: web}, patch: [{op: add, "
            "path: /spec/updateStrategy/rollingUpdate/maxUnavailable, value: 0}]}]",
            [],
        ),
    ],
)
def test_rollouts_are_held_to_what_the_api_server_takes(
    tool: ToolData, tmp_path: Path, kind: str, strategy: str, patches: str, messages: list[str]
) -> None:
    found = problems_of(tool, tmp_path, {"team": _rollout(kind, strategy, patches)})
    assert len(found) == len(messages), found
    for (_file, rule, message), expected in zip(found, messages, strict=True):
        assert expected in (rule if expected == "object-schema" else message), found
        assert rule == ("object-schema" if expected == "object-schema" else "rolling-update")
