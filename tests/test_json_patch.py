"""JSON patches are applied as kustomize applies them: list indexes above all (negative ones, `-`, numbers as
Go reads them), each case compared with the real `kubectl kustomize` build of the same patch."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from generator.output.serialize import load_yaml_stream
from generator.validate.patches import PatchFailure, apply_patch
from tests.kustomize import _kustomize

THING = {"apiVersion": "example.com/v1", "kind": "Thing", "metadata": {"name": "t"}, "data": {"l": ["a", "b"]}}
DEEP = {**THING, "data": {"l": [{"n": "a"}, {"n": "b"}]}}
OPERATIONS: list[tuple[dict[str, Any], dict[str, Any]]] = [
    (THING, {"op": "add", "path": "/data/l/-1", "value": "X"}),  # for add, -1 is the end itself
    (THING, {"op": "add", "path": "/data/l/-2", "value": "X"}),
    (THING, {"op": "add", "path": "/data/l/-3", "value": "X"}),
    (THING, {"op": "add", "path": "/data/l/-4", "value": "X"}),
    (THING, {"op": "add", "path": "/data/l/-", "value": "X"}),
    (THING, {"op": "add", "path": "/data/l/2", "value": "X"}),
    (THING, {"op": "add", "path": "/data/l/3", "value": "X"}),
    (THING, {"op": "add", "path": "/data/l/-0", "value": "X"}),  # numbers as strconv.Atoi reads them
    (THING, {"op": "add", "path": "/data/l/01", "value": "X"}),
    (THING, {"op": "add", "path": "/data/l/+1", "value": "X"}),
    (THING, {"op": "add", "path": "/data/l/ 1", "value": "X"}),  # Python's int() takes these two
    (THING, {"op": "add", "path": "/data/l/1_0", "value": "X"}),
    (THING, {"op": "replace", "path": "/data/l/-1", "value": "X"}),  # for the others, -1 is the last item
    (THING, {"op": "replace", "path": "/data/l/-3", "value": "X"}),
    (THING, {"op": "remove", "path": "/data/l/-1"}),
    (THING, {"op": "remove", "path": "/data/l/-2"}),
    (THING, {"op": "remove", "path": "/data/l/-3"}),
    (THING, {"op": "test", "path": "/data/l/-1", "value": "b"}),
    (THING, {"op": "copy", "from": "/data/l/-1", "path": "/data/c"}),
    (THING, {"op": "move", "from": "/data/l/-1", "path": "/data/c"}),
    (DEEP, {"op": "add", "path": "/data/l/-1/m", "value": "X"}),  # a negative index on the way
    (DEEP, {"op": "replace", "path": "/data/l/-2/n", "value": "X"}),
    (THING, {"op": "add", "path": "/data/x"}),  # without a value: null
    (THING, {"op": "replace", "path": "/data/l"}),
    (THING, {"op": "test", "path": "/data/l"}),
    (THING, {"op": "move", "path": "/data/x"}),  # without from: the input schema says so first
    (THING, {"op": "copy", "path": "/data/x"}),
    (THING, {"op": "copy", "from": "", "path": "/data/x"}),  # not the whole document
    (THING, {"op": "copy", "from": "/data/missing", "path": "/data/x"}),  # a missing key: null
    (THING, {"op": "move", "from": "/data/missing", "path": "/data/x"}),
    (THING, {"op": "test", "path": "/data/missing"}),  # null, and so is the missing value
    (THING, {"op": "test", "path": "/data/missing", "value": "x"}),
    (THING, {"op": "test", "path": "/data/l/5"}),
]


def _kustomize_result(folder: Path, document: dict[str, Any], operation: dict[str, Any]) -> Any:
    """The patched object's data, or "refused" when kubectl kustomize fails the build."""
    folder.mkdir()
    (folder / "thing.yaml").write_text(json.dumps(document))
    patches = [{"patch": json.dumps([operation]), "target": {"kind": "Thing"}}]
    (folder / "kustomization.yaml").write_text(json.dumps({"resources": ["thing.yaml"], "patches": patches}))
    completed = _kustomize(folder)
    if completed.returncode != 0:
        return "refused"
    return next(built for built in load_yaml_stream(completed.stdout) if built)["data"]


def _our_result(document: dict[str, Any], operation: dict[str, Any]) -> Any:
    try:
        patched = apply_patch(json.loads(json.dumps(document)), [operation])
    except PatchFailure:
        return "refused"
    assert patched is not None  # None only for strategic-merge directives
    return patched["data"]


@pytest.mark.parametrize(("document", "operation"), OPERATIONS, ids=[json.dumps(op) for _d, op in OPERATIONS])
def test_a_json_patch_is_applied_as_kubectl_kustomize_applies_it(
    tmp_path: Path, document: dict[str, Any], operation: dict[str, Any]
) -> None:
    assert _our_result(document, operation) == _kustomize_result(tmp_path / "overlay", document, operation)


def test_kustomize_drops_what_stands_before_a_paths_first_slash(tmp_path: Path) -> None:
    """Why the input schema takes only paths that start with / (JSON_POINTER, and its hint): kustomize patches
    `data/x` as `/x`, a field beside `data`, without a word."""
    folder = tmp_path / "overlay"
    folder.mkdir()
    (folder / "thing.yaml").write_text(json.dumps(THING))
    patches = [{"patch": json.dumps([{"op": "add", "path": "data/x", "value": "X"}]), "target": {"kind": "Thing"}}]
    (folder / "kustomization.yaml").write_text(json.dumps({"resources": ["thing.yaml"], "patches": patches}))
    completed = _kustomize(folder)
    assert completed.returncode == 0, completed.stderr
    built = next(document for document in load_yaml_stream(completed.stdout) if document)
    assert built == {**THING, "x": "X"}
