"""The field table (generator/model/fields.py) against what the templates emit and what the CRDs have."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from generator.errors import DocPath
from generator.input.load import load_environment_file
from generator.input.resolve import resolve_environment
from generator.model import fields
from generator.paths import PROJECT_ROOT, ToolData
from generator.pipeline import BuildRequest, build
from generator.releases import load_field_history
from generator.validate.provenance import environment_path
from tests.conftest import FIXTURES

RAY_KINDS = frozenset(fields.SECTION_KINDS.values())
# Fixture folders whose rendered Ray objects must be covered. The repository's own environments are left
# out on purpose: a team replaces them, and the tool's tests may not depend on which exist.
RENDERED_SOURCES = (
    FIXTURES / "environments",
    FIXTURES / "fields",
    PROJECT_ROOT / "tests" / "corpus" / "valid",
)
# CRD fields of Kubernetes types, which the field history does not follow
KUBERNETES_TYPES = frozenset({"template", "submitterPodTemplate", "headService", "serveService"})
# CRD fields the object header and the API server own, not the environment
HEADER = frozenset({"apiVersion", "kind"})


def _leaf_paths(value: Any, path: DocPath = ()) -> Iterator[DocPath]:
    if isinstance(value, dict) and value:
        for key, child in value.items():
            yield from _leaf_paths(child, (*path, key))
    elif isinstance(value, list) and value:
        for index, child in enumerate(value):
            yield from _leaf_paths(child, (*path, index))
    else:
        yield path


def _ray_objects(tool: ToolData, folder: Path) -> Iterator[dict[str, Any]]:
    result = build(BuildRequest(folder, (), tool))
    assert result.problems == (), folder
    for file in result.files:
        for document in file.documents:
            if isinstance(document, dict) and document.get("kind") in RAY_KINDS:
                yield document


@pytest.mark.parametrize("folder", RENDERED_SOURCES, ids=lambda path: str(path.relative_to(PROJECT_ROOT)))
def test_every_emitted_crd_path_is_in_the_field_table(tool: ToolData, folder: Path) -> None:
    """A template that emits a field the table lacks fails here: the table drives provenance and gates."""
    uncovered: set[str] = set()
    seen = 0
    for document in _ray_objects(tool, folder):
        seen += 1
        for path in _leaf_paths(document):
            if path[0] in HEADER:
                continue
            if fields.match_crd(document["kind"], path) is None:
                uncovered.add(f"{document['kind']} {'.'.join(str(part) for part in path)}")
    assert seen > 0
    assert sorted(uncovered) == []


def test_every_table_entry_is_exercised_by_the_fields_fixture(tool: ToolData) -> None:
    """tests/fixtures/fields sets every field of the table: an entry no object matches is dead or wrong."""
    used: set[int] = set()  # ids of the table's Field objects
    for document in _ray_objects(tool, FIXTURES / "fields"):
        for path in _leaf_paths(document):
            for entry, _, _ in fields.all_matches(document["kind"], path):
                used.add(id(entry.field))
    # a cluster-spec field counts once, in whichever of the three kinds it was rendered
    unused = [f"{item.scope} {item.env}" for item in fields.FIELDS if item.env is not None and id(item) not in used]
    assert unused == []


def test_a_field_missing_from_the_table_is_caught() -> None:
    """The coverage check above can fail: a path outside every entry has no match."""
    assert fields.match_crd("RayCluster", ("spec", "madeUpField")) is None
    assert fields.match_crd("RayJob", ("spec", "rayClusterSpec", "headGroupSpec", "unknown")) is not None  # head
    assert fields.match_crd("RayService", ("spec", "entrypoint")) is None  # a RayJob field


def test_every_table_path_exists_in_some_release(tool: ToolData) -> None:
    """Each CRD path of the table is a real field of its kind (read from the derived field history)."""
    history = load_field_history(tool.schemas)
    unknown = []
    for entry in fields.all_kind_fields():
        path = entry.crd_path
        if not path.startswith("spec") or KUBERNETES_TYPES & set(entry.crd):
            continue  # metadata and Kubernetes types (pod templates, Services) are not in the KubeRay field history
        if not history.knows(entry.kind, path):
            unknown.append(f"{entry.kind} {path}")
    assert unknown == []


def test_gates_and_operator_values_come_from_the_table() -> None:
    gated = {(item.env, item.gate) for item in fields.FIELDS if item.gate}
    assert ("historyServer", "RayClusterHistoryServer") in gated
    assert ("deletionStrategy", "RayJobDeletionPolicy") in gated
    service_type = next(
        item for item in fields.FIELDS if item.scope == "service" and item.env == "upgradeStrategy.type"
    )
    assert service_type.value_gates == {"NewClusterWithIncrementalUpgrade": "RayServiceIncrementalUpgrade"}


@pytest.mark.parametrize(
    ("kind", "rendered", "expected"),
    [
        ("RayCluster", ("spec", "historyServerOptions", "storage"), ("clusters", 0, "historyServer", "storage")),
        (
            "RayJob",
            ("spec", "rayClusterSpec", "workerGroupSpecs", 1, "groupName"),
            ("jobs", 0, "cluster", "workerGroups", 1, "name"),
        ),
        ("RayJob", ("spec", "runtimeEnvYAML"), ("jobs", 0, "runtimeEnv")),
        ("RayJob", ("spec", "submitterPodTemplate", "spec", "x"), ("jobs", 0, "submitter", "podTemplate", "spec", "x")),
        (
            "RayService",
            ("spec", "rayClusterConfig", "enableInTreeAutoscaling"),
            ("services", 0, "cluster", "autoscaling", "enabled"),
        ),
        ("RayService", ("metadata", "labels", "team"), ("services", 0, "labels", "team")),
        ("RayCluster", ("spec",), ("clusters", 0)),
    ],
)
def test_provenance_reads_the_table_backwards(kind: str, rendered: DocPath, expected: DocPath) -> None:
    data = {section: [{"name": "x"}] for section in ("clusters", "jobs", "services")}
    assert environment_path(kind, "x", rendered, data) == expected


# defaults.env [A, B] and the head's env [C, D] render as the Ray container's env [A, B, C, D]; a volume of
# `defaults` and one of the worker group's render as the worker pod's volumes [shared, own]
_LAYERED = {
    "defaults": {"env": [{"name": "A"}, {"name": "B"}], "volumes": [{"name": "shared"}]},
    "clusters": [
        {
            "name": "x",
            "head": {"env": [{"name": "C"}, {"name": "D"}]},
            "workerGroups": [{"name": "w", "volumes": [{"name": "own"}]}],
        }
    ],
}
_LAYERED_OBJECT = {
    "spec": {
        "headGroupSpec": {"template": {"spec": {"containers": [{"env": [{"name": n} for n in "ABCD"]}]}}},
        "workerGroupSpecs": [{"template": {"spec": {"volumes": [{"name": "shared"}, {"name": "own"}]}}}],
    }
}
_HEAD_ENV = ("spec", "headGroupSpec", "template", "spec", "containers", 0, "env")
_WORKER_VOLUMES = ("spec", "workerGroupSpecs", 0, "template", "spec", "volumes")


@pytest.mark.parametrize(
    ("rendered", "expected"),
    [
        ((*_HEAD_ENV, 3, "valueFrom"), ("clusters", 0, "head", "env", 1, "valueFrom")),
        ((*_HEAD_ENV, 2), ("clusters", 0, "head", "env", 0)),
        ((*_HEAD_ENV, 1, "value"), ("defaults", "env", 1, "value")),
        ((*_WORKER_VOLUMES, 0, "configMap"), ("defaults", "volumes", 0, "configMap")),
        ((*_WORKER_VOLUMES, 1, "configMap"), ("clusters", 0, "workerGroups", 0, "volumes", 0, "configMap")),
    ],
)
def test_provenance_finds_a_merged_item_by_name(rendered: DocPath, expected: DocPath) -> None:
    """A rendered env variable or volume is the group's or the defaults' item of its name, not the item at its
    index in the merged list."""
    assert environment_path("RayCluster", "x", rendered, _LAYERED, _LAYERED_OBJECT) == expected


@pytest.mark.parametrize(
    ("kind", "env", "expected"),
    [
        ("RayCluster", ("workerGroups", 2, "minReplicas"), ("spec", "workerGroupSpecs", 2, "minReplicas")),
        (
            "RayJob",
            ("cluster", "workerGroups", 0, "image"),
            ("spec", "rayClusterSpec", "workerGroupSpecs", 0, "template", "spec", "containers", 0, "image"),
        ),
        ("RayJob", ("activeDeadlineSeconds",), ("spec", "activeDeadlineSeconds")),
        ("RayJob", ("runtimeEnv", "pip", 0), ("spec", "runtimeEnvYAML")),  # inside the one YAML string
        ("RayCronJob", ("job", "backoffLimit"), ("spec", "jobTemplate", "backoffLimit")),
        ("RayService", ("upgradeStrategy", "type"), ("spec", "upgradeStrategy", "type")),
        ("RayCluster", ("delivery",), None),  # no field of the object
        # below an entry that no other refines, the object's value as it is
        (
            "RayCluster",
            ("head", "ports", 0, "protocol"),
            ("spec", "headGroupSpec", "template", "spec", "containers", 0, "ports", 0, "protocol"),
        ),
        ("RayCluster", ("head", "podTemplate", "spec", "x"), ("spec", "headGroupSpec", "template", "spec", "x")),
        ("RayCluster", ("workerGroups", 0, "limits", "cpu"), None),  # resources.limits of its container
        ("RayJob", ("submitter", "imagePullPolicy"), None),  # no entry names it
    ],
)
def test_the_table_reads_an_environment_path_forwards(kind: str, env: DocPath, expected: DocPath | None) -> None:
    assert fields.crd_path_of(kind, env) == expected


def test_autoscaler_owned_fields_drive_the_argocd_ignore_list() -> None:
    owned = [entry.crd_path for entry in fields.runtime_owned("RayService", "autoscaler")]
    assert owned == [
        "spec.rayClusterConfig.workerGroupSpecs[].replicas",
        "spec.rayClusterConfig.workerGroupSpecs[].scaleStrategy",
    ]


def _occurrences(data: Any, pattern: tuple[str | int, ...]) -> Iterator[tuple[DocPath, Any]]:
    """The plain reading of a pattern: every concrete path of it that is set (not None) in `data`."""
    if not pattern:
        if data is not None:
            yield (), data
        return
    head, rest = pattern[0], pattern[1:]
    if head == fields.EVERY:
        if isinstance(data, list):
            for index, item in enumerate(data):
                for path, value in _occurrences(item, rest):
                    yield (index, *path), value
    elif isinstance(data, dict) and head in data:
        for path, value in _occurrences(data[head], rest):
            yield (head, *path), value


def _resolved_environments() -> Iterator[dict[str, Any]]:
    for folder in RENDERED_SOURCES:
        partials = frozenset(path.stem for path in folder.glob("_*.yaml"))
        for file in sorted(folder.glob("[!_]*.yaml")):
            yield resolve_environment(file, load_environment_file, partials).data


def test_the_pattern_tree_finds_what_each_pattern_finds() -> None:
    """environment_occurrences walks each item once through a tree of the table's patterns; it must find
    exactly, and in the same order, what reading each pattern on its own finds."""
    checked = 0
    for data in _resolved_environments():
        expected = [
            (entry, (section, index, *path), value)
            for section, kind in fields.SECTION_KINDS.items()
            for index, item in enumerate(data.get(section, []))
            for entry in fields.kind_fields(kind)
            if entry.env is not None
            for path, value in _occurrences(item, entry.env)
        ]
        assert list(fields.environment_occurrences(data)) == expected
        checked += len(expected)
    assert checked > 200
