"""Patches of objects other than the Ray kinds, checked against the schema of the object's kind
(generator/validate/patched_kinds.py), and each verdict compared with what the real `kubectl kustomize` builds:
a patch refused here either fails the build or builds an object that the kind's schema refuses, and a patch let
through builds an object the schema takes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from generator.input.schema_check import findings
from generator.output.serialize import dump_yaml, load_yaml_stream
from generator.paths import ToolData
from generator.pipeline import BuildRequest, build
from generator.validate.kubernetes import KubernetesSchemas
from tests.kustomize import kustomize_build, kustomize_failure
from tests.problems import problems_of

BASE = """\
kuberay: {version: 1.6.0}
target: {cluster: in-cluster, namespace: ray}
gitops: {engine: argocd, repoURL: https://git.example.com/ray.git}
defaults: {image: rayproject/ray:2.46.0}
"""
SERVICE = (
    "objects:\n  - {apiVersion: v1, kind: Service, metadata: {name: web, annotations: {team: ml}}, "
    "spec: {selector: {app: web}, ports: [{name: http, port: 80}]}}\n"
)
CONFIG_MAPS = "configMaps: [{name: code, data: {run.py: print(1)}}]\n"
QUEUE = (
    "objectSchemas: {kueue.x-k8s.io/v1beta1/LocalQueue: queue.schema.json}\n"
    "objects:\n  - {apiVersion: kueue.x-k8s.io/v1beta1, kind: LocalQueue, metadata: {name: q}, "
    "spec: {clusterQueue: cq}}\n"
)
QUEUE_SCHEMA = {
    "type": "object",
    "properties": {"spec": {"type": "object", "properties": {"clusterQueue": {"type": "string"}}}},
}
# a schema of a Kubernetes kind that objectSchemas names: kustomize still merges by the kind's own schema
SERVICE_SCHEMA = {
    "type": "object",
    "properties": {
        "spec": {"properties": {"ports": {"type": "array", "items": {"type": "object", "required": ["name", "port"]}}}}
    },
}
DEPLOYMENT = (
    "objects:\n  - {apiVersion: apps/v1, kind: Deployment, metadata: {name: web}, spec: {selector: {matchLabels: "
    "{app: web}}, template: {metadata: {labels: {app: web}}, spec: {containers: [{name: app, image: nginx}, "
    "{name: side, image: busybox}]}}}}\n"
)


def _patches(*entries: dict[str, Any]) -> str:
    return "patches: " + json.dumps(list(entries)) + "\n"


API_VERSIONS = {"LocalQueue": "kueue.x-k8s.io/v1beta1", "Deployment": "apps/v1"}


def _smp(kind: str, name: str, **fields: Any) -> dict[str, Any]:
    api_version = API_VERSIONS.get(kind, "v1")
    return {"patch": {"apiVersion": api_version, "kind": kind, "metadata": {"name": name}, **fields}}


def _json_patch(kind: str, name: str, *operations: dict[str, Any]) -> dict[str, Any]:
    return {"target": {"kind": kind, "name": name}, "patch": list(operations)}


# name -> (what the environment holds, its patches, the problems here (rule, message), what kubectl does:
# "fails" the build, "refused" builds an object the kind's schema refuses, "builds" one it takes; "unchecked" builds
# one that objectSchemas says is not to be checked; "invalid as written": the object is refused before any patch)
CASES: dict[str, tuple[str, list[dict[str, Any]], list[tuple[str, str]], str]] = {
    "service-ports-as-a-mapping": (
        SERVICE,
        [_smp("Service", "web", spec={"ports": {"name": "http", "port": 81}})],
        [
            (
                "patch-target",
                "the patch cannot apply to Service web, so kustomize build fails: spec.ports is a list and the patch "
                "writes a mapping there (wrong node kind)",
            )
        ],
        "fails",
    ),
    "namespace-labels-as-a-list": (
        "",
        [_smp("Namespace", "ray", metadata={"name": "ray", "labels": ["a", "b"]})],
        [
            (
                "patch-target",
                "the patch cannot apply to Namespace ray, so kustomize build fails: metadata.labels is a mapping and "
                "the patch writes a list there (wrong node kind)",
            )
        ],
        "fails",
    ),
    "config-map-data-as-a-number": (
        CONFIG_MAPS,
        [_smp("ConfigMap", "code", data={"run.py": 1})],
        [("object-schema", "ConfigMap code after patches[0], data['run.py']: expected text or null, got an integer 1")],
        "refused",
    ),
    "json-patch-port-as-text": (
        SERVICE,
        [_json_patch("Service", "web", {"op": "replace", "path": "/spec/ports/0/port", "value": "eighty"})],
        [
            (
                "object-schema",
                'Service web after patches[0], spec.ports[0].port: expected an integer, got text "eighty"',
            )
        ],
        "refused",
    ),
    "json-patch-unknown-field": (
        SERVICE,
        [_json_patch("Service", "web", {"op": "add", "path": "/spec/colour", "value": "red"})],
        [("object-schema", "Service web after patches[0], spec.colour: unknown field 'colour'")],
        "refused",
    ),
    "custom-kind-merged-whole": (
        QUEUE,
        [_smp("LocalQueue", "q", spec={"clusterQueue": 5})],
        [("object-schema", "LocalQueue q after patches[0], spec.clusterQueue: expected text, got an integer 5")],
        "refused",
    ),
    # a strategic-merge patch merges list items by their key, writes part of each, and may delete one or a field
    "service-ports-merged": (
        SERVICE,
        [
            _smp(
                "Service",
                "web",
                metadata={"name": "web", "annotations": {"team": None}, "labels": {"app": "web"}},
                spec={"ports": [{"port": 80, "targetPort": "http"}, {"port": 9090, "$patch": "delete"}]},
            )
        ],
        [],
        "builds",
    ),
    "config-map-data-merged": (CONFIG_MAPS, [_smp("ConfigMap", "code", data={"extra.py": "print(2)"})], [], "builds"),
    "json-patch-port-replaced": (
        SERVICE,
        [_json_patch("Service", "web", {"op": "replace", "path": "/spec/ports/0/port", "value": 81})],
        [],
        "builds",
    ),
    "custom-kind-valid": (QUEUE, [_smp("LocalQueue", "q", spec={"clusterQueue": "other"})], [], "builds"),
    # kustomize merges a kind it has no schema of as a JSON merge patch, but fails on another node kind
    "custom-kind-node-kind": (
        QUEUE,
        [_smp("LocalQueue", "q", spec={"clusterQueue": {"name": "cq"}})],
        [
            (
                "patch-target",
                "the patch cannot apply to LocalQueue q, so kustomize build fails: spec.clusterQueue is a scalar and "
                "the patch writes a mapping there (wrong node kind)",
            )
        ],
        "fails",
    ),
    # no schemas of that release: said once, not passed over
    "unknown-kubernetes-version": (
        "target: {kubernetesVersion: '1.24'}\n" + CONFIG_MAPS,
        [_smp("ConfigMap", "code", data={"run.py": 1})],
        [
            (
                "object-schema",
                "no OpenAPI schemas of Kubernetes 1.24 are installed (kubernetes-validate has "
                + ", ".join(KubernetesSchemas().versions)
                + ")",
            )
        ],
        "refused",
    ),
    # a directive kustomize carries out: what the patch writes is checked
    "custom-kind-directive": (
        QUEUE,
        [_smp("LocalQueue", "q", spec={"$patch": "replace", "clusterQueue": 5})],
        [("object-schema", "LocalQueue q after patches[0], spec.clusterQueue: expected text, got an integer 5")],
        "refused",
    ),
    # directives kustomize leaves in the object, where the schema refuses them
    "service-set-element-order": (
        SERVICE,
        [_smp("Service", "web", spec={"$setElementOrder/ports": [{"port": 80}], "ports": [{"port": 80}]})],
        [
            (
                "object-schema",
                "Service web after patches[0], spec['$setElementOrder/ports']: unknown field '$setElementOrder/ports'",
            )
        ],
        "refused",
    ),
    # a target that selects several kinds: kustomize sets each object's apiVersion, kind and name back
    "several-kinds-selected": (
        CONFIG_MAPS + DEPLOYMENT,
        [
            {
                "target": {"labelSelector": "kuberay-gitops/environment=env"},
                "patch": {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x", "labels": {"a": "b"}}},
            }
        ],
        [],
        "builds",
    ),
    # objectSchemas names a schema of a Kubernetes kind: kustomize merges the ports by their key
    "kubernetes-kind-with-its-own-schema": (
        "objectSchemas: {v1/Service: service.schema.json}\n" + SERVICE,
        [_smp("Service", "web", spec={"ports": [{"port": 80, "targetPort": 8080}]})],
        [],
        "builds",
    ),
    # a mapping the object has not is written whole: it holds what the schema requires, as does one that
    # replaces the object's ($patch: replace)
    "new-mapping-without-required-fields": (
        DEPLOYMENT,
        [
            _smp(
                "Deployment",
                "web",
                spec={
                    "template": {
                        "spec": {"affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {}}}}
                    }
                },
            )
        ],
        [
            (
                "object-schema",
                "Deployment web after patches[0], spec.template.spec.affinity.nodeAffinity."
                "requiredDuringSchedulingIgnoredDuringExecution: missing required field 'nodeSelectorTerms'",
            )
        ],
        "refused",
    ),
    "mapping-replaced": (
        DEPLOYMENT,
        [_smp("Deployment", "web", spec={"$patch": "replace", "replicas": 2})],
        [
            ("object-schema", "Deployment web after patches[0], spec: missing required field 'selector'"),
            ("object-schema", "Deployment web after patches[0], spec: missing required field 'template'"),
        ],
        "refused",
    ),
    # a JSON patch's object is checked whole before a strategic merge makes it unknown here
    "json-patch-before-a-merge-by-schema": (
        SERVICE,
        [
            _json_patch("Service", "web", {"op": "replace", "path": "/spec/ports/0/port", "value": "eighty"}),
            _smp("Service", "web", metadata={"name": "web", "labels": {"team": "ml"}}),
        ],
        [
            (
                "object-schema",
                'Service web after patches[0], spec.ports[0].port: expected an integer, got text "eighty"',
            )
        ],
        "refused",
    ),
    # a problem the object has as written, which a JSON patch moves to another index, is reported where written
    "a-problem-moved-by-a-json-patch": (
        SERVICE.replace("port: 80", "port: eighty"),
        [_json_patch("Service", "web", {"op": "add", "path": "/spec/ports/0", "value": {"name": "a", "port": 81}})],
        [("object-schema", 'Service web, spec.ports[0].port: expected an integer, got text "eighty"')],
        "invalid as written",
    ),
    # a strategic merge of a Kubernetes kind keeps the other containers, which a JSON patch then changes
    "json-patch-after-a-merge-by-schema": (
        DEPLOYMENT,
        [
            _smp("Deployment", "web", spec={"template": {"spec": {"containers": [{"name": "app", "image": "x:1"}]}}}),
            _json_patch(
                "Deployment", "web", {"op": "replace", "path": "/spec/template/spec/containers/1/image", "value": "y"}
            ),
        ],
        [],
        "builds",
    ),
    "custom-kind-unchecked": (
        QUEUE.replace("queue.schema.json", "unchecked"),
        [_smp("LocalQueue", "q", spec={"clusterQueue": 5})],
        [],
        "unchecked",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_patches_of_other_kinds_are_checked_as_kustomize_builds_them(case: str, tool: ToolData, tmp_path: Path) -> None:
    body, patches, expected, kubectl = CASES[case]
    environments = tmp_path / "environments"
    environments.mkdir()
    (environments / "queue.schema.json").write_text(json.dumps(QUEUE_SCHEMA))
    (environments / "service.schema.json").write_text(json.dumps(SERVICE_SCHEMA))
    found = problems_of(tool, environments, {"env": body + _patches(*patches)}, BASE)
    assert [(rule, message) for _file, rule, message in found] == expected
    if kubectl == "invalid as written":  # no overlay to build
        return

    # the overlay without the patches, as rendered here, and the patches added as the tool writes them
    (environments / "env.yaml").write_text(f"name: env\nextends: _base\n{body}")
    result = build(BuildRequest(environments, ("env",), tool, keep_outcomes=False))
    assert not result.problems
    overlay = tmp_path / "rendered"
    for file in result.files:
        (overlay / file.path).parent.mkdir(parents=True, exist_ok=True)
        (overlay / file.path).write_text(file.content)
    workloads = overlay / "env" / "workloads"
    kustomization = next(iter(load_yaml_stream((workloads / "kustomization.yaml").read_text())))
    kustomization["patches"] = [{**entry, "patch": dump_yaml([entry["patch"]])} for entry in patches]
    (workloads / "kustomization.yaml").write_text(dump_yaml([kustomization]))
    if kubectl == "fails":
        assert "wrong node kind" in kustomize_failure(workloads)
        return
    built = [document for document in kustomize_build(workloads) if not document["apiVersion"].startswith("ray.io/")]
    if kubectl == "unchecked":
        return
    refused = [(document["kind"], finding) for document in built for finding in _refused(document, environments)]
    assert bool(refused) is (kubectl == "refused"), refused


def _refused(document: dict[str, Any], environments: Path) -> list[Any]:
    """What the schema of `document`'s kind (as objectSchemas or the Kubernetes API has it) refuses in it."""
    from jsonschema import Draft202012Validator

    files = {"LocalQueue": "queue.schema.json"}
    if document["kind"] in files:
        schema = json.loads((environments / files[document["kind"]]).read_text())
        return findings(Draft202012Validator(schema), document)
    validator = KubernetesSchemas().validator("1.34", document["apiVersion"], document["kind"])
    assert validator is not None
    return findings(validator, document)
