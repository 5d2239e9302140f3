"""Every field of every supported release's Ray CRDs can be written from an environment file.

For each release and kind, a witness spec is built from the release's CRD schema (schemas/kuberay/<tag>/):
every property of every object set, every list given one item, every value of its schema type. It goes into
an item's `spec` override, and the test proves each of its leaf paths comes out in the rendered object,
read back from the file's text. What the environment's structured fields generate (the Ray container,
rayStartParams, ...) is merged under it: named list items of the witness are appended beside them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from generator.model.build import build_environment
from generator.output.serialize import load_yaml_stream
from generator.paths import ToolData
from generator.releases import SUPPORTED_RELEASES, load_release, release_tag
from generator.render.jinja import template_environment
from generator.render.workloads import workload_files

KINDS = {"RayCluster": "clusters", "RayJob": "jobs", "RayService": "services", "RayCronJob": "cronJobs"}
DEFINITIONS = "https://kuberay-gitops.dev/schemas/definitions.json#/$defs/"
Leaf = tuple[tuple[str | int, ...], Any]


@cache
def _definitions(schemas_dir: Path) -> dict[str, Any]:
    defs: dict[str, Any] = json.loads((schemas_dir / "definitions.json").read_text())["$defs"]
    return defs


def witness(schema: dict[str, Any], defs: dict[str, Any], depth: int = 0) -> Any:
    """A value of `schema` that sets everything the schema lets one set."""
    if "$ref" in schema:
        return witness(defs[schema["$ref"].removeprefix(DEFINITIONS)], defs, depth)
    assert depth < 40, "the CRD schema nests deeper than any Kubernetes type"
    if "enum" in schema:
        return schema["enum"][0]
    if schema.get("x-kubernetes-int-or-string"):
        return 7
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next(item for item in kind if item != "null")
    if kind == "object" or "properties" in schema:
        properties = schema.get("properties", {})
        if properties:
            return {key: witness(value, defs, depth + 1) for key, value in properties.items()}
        values = schema.get("additionalProperties")
        if isinstance(values, dict):
            return {"witness-key": witness(values, defs, depth + 1)}
        return {"witness-key": "witness"}  # a free-form object (x-kubernetes-preserve-unknown-fields)
    if kind == "array":
        return [witness(schema.get("items", {}), defs, depth + 1)]
    if kind == "integer":
        return 7
    if kind == "number":
        return 1.5
    if kind == "boolean":
        return True
    return "witness"


def leaves(value: Any, path: tuple[str | int, ...] = ()) -> Iterator[Leaf]:
    if isinstance(value, dict) and value:
        for key, item in value.items():
            yield from leaves(item, (*path, key))
    elif isinstance(value, list) and value:
        for index, item in enumerate(value):
            yield from leaves(item, (*path, index))
    else:
        yield path, value


def contains(rendered: Any, wanted: Any) -> bool:
    """`wanted` is in `rendered`: mappings key by key, each list item in some item of the rendered list."""
    if isinstance(wanted, dict):
        return isinstance(rendered, dict) and all(
            key in rendered and contains(rendered[key], value) for key, value in wanted.items()
        )
    if isinstance(wanted, list):
        return isinstance(rendered, list) and all(any(contains(item, want) for item in rendered) for want in wanted)
    return bool(rendered == wanted)


def unreached(rendered: Any, wanted: Any) -> list[str]:
    """The leaf paths of `wanted` that `rendered` lacks."""
    missing = []
    for path, value in leaves(wanted):
        partial: Any = value
        for part in reversed(path):
            partial = [partial] if isinstance(part, int) else {part: partial}
        if not contains(rendered, partial):
            missing.append(".".join(str(part) for part in path))
    return missing


def environment(version: str, kind: str, spec: dict[str, Any]) -> dict[str, Any]:
    item: dict[str, Any] = {"name": "reach", "spec": spec}
    cluster = {"head": {}, "workerGroups": [{"name": "workers"}]}
    if kind == "RayCluster":
        item.update(cluster)
    elif kind == "RayJob":
        item.update(entrypoint="python job.py", cluster=cluster)
    elif kind == "RayCronJob":
        item.update(schedule="0 2 * * *", job={"entrypoint": "python job.py", "cluster": cluster})
    else:
        item.update(serveConfig={"applications": []}, cluster=cluster)
    return {
        "name": "reach",
        "kuberay": {"version": version},
        "target": {"cluster": "in-cluster", "namespace": "reach"},
        "gitops": {"engine": "argocd", "repoURL": "https://git.example.com/ray.git"},
        "defaults": {"image": "rayproject/ray:2.41.0"},
        KINDS[kind]: [item],
    }


@pytest.mark.parametrize("version", SUPPORTED_RELEASES)
def test_every_crd_field_is_reachable(tool: ToolData, version: str) -> None:
    release = load_release(version, tool.schemas)
    jinja = template_environment(tool.templates)
    defs = _definitions(tool.schemas)
    checked = 0
    for kind in KINDS:
        path = tool.schemas / "kuberay" / release_tag(version) / f"{kind}.schema.json"
        if not path.is_file():
            assert kind == "RayCronJob"  # KubeRay >= 1.6.0 only
            continue
        schema = json.loads(path.read_text())
        spec = witness(schema["properties"]["spec"], defs)
        model = build_environment(environment(version, kind, spec), Path("environments/reach.yaml"), release)
        files = [file for file in workload_files(model, jinja, {}) if file.path.name.startswith(kind.lower())]
        assert len(files) == 1
        rendered = next(doc for doc in load_yaml_stream(files[0].content) if doc["kind"] == kind)
        missing = unreached(rendered["spec"], spec)
        assert not missing, f"{kind} of {version}: {len(missing)} fields unreachable, e.g. {missing[:5]}"
        checked += sum(1 for _ in leaves(spec))
    assert checked > 1000  # the whole pod template of every group is in the witness


def test_unreached_names_a_field_that_is_not_rendered() -> None:
    wanted = {"headGroupSpec": {"serviceType": "ClusterIP", "template": {"spec": {"containers": [{"name": "x"}]}}}}
    rendered = {"headGroupSpec": {"template": {"spec": {"containers": [{"name": "ray-head"}]}}}}
    assert unreached(rendered, wanted) == [
        "headGroupSpec.serviceType",
        "headGroupSpec.template.spec.containers.0.name",
    ]
    assert unreached(wanted, wanted) == []
