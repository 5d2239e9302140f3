"""Patch targets matched as kustomize matches them (api/types/selector.go: group, version, kind and name are
regular expressions anchored at both ends; label and annotation selectors are Kubernetes label selectors)."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from generator.output.serialize import dump_yaml
from generator.validate.patches import PatchFailure, apply_patch, label_selector_matches, selector_problem, selects
from tests.kustomize import KUBECTL, kustomize_build, kustomize_failure

CLUSTER: dict[str, Any] = {
    "apiVersion": "ray.io/v1",
    "kind": "RayCluster",
    "metadata": {"name": "gpu-cluster", "labels": {"tier": "gold", "team": "ml"}, "annotations": {"owner": "infra"}},
}


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ({"kind": "RayCluster"}, True),
        ({"kind": "RayCluster", "name": "gpu-cluster"}, True),
        ({"kind": "RayCluster", "name": "gpu"}, False),  # anchored: no substring match
        ({"kind": "RayCluster", "name": "gpu-.*"}, True),
        ({"kind": "Ray.*", "group": "ray.io", "version": "v1"}, True),
        ({"kind": "RayCluster", "version": "v1alpha1"}, False),
        ({"kind": "RayJob"}, False),
        ({"labelSelector": "tier=gold"}, True),
        ({"labelSelector": "tier=silver"}, False),
        ({"annotationSelector": "owner=infra"}, True),
        ({"annotationSelector": "owner"}, True),
        ({"annotationSelector": "!owner"}, False),
    ],
)
def test_selects(target: dict[str, str], expected: bool) -> None:
    assert selects(target, CLUSTER) is expected


@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        ("tier=gold,team=ml", True),
        ("tier==gold", True),
        ("tier!=gold", False),
        ("tier!=silver", True),
        ("missing!=x", True),
        ("tier in (gold, silver),team", True),
        ("tier notin (gold)", False),
        ("tier in (silver)", False),
        ("!missing", True),
        ("missing", False),
    ],
)
def test_label_selectors(selector: str, expected: bool) -> None:
    assert label_selector_matches(selector, {"tier": "gold", "team": "ml"}) is expected


# A RayCluster and patches of every form; each is applied in process and by the real `kubectl kustomize`.
PATCHED_CLUSTER: dict[str, Any] = {
    "apiVersion": "ray.io/v1",
    "kind": "RayCluster",
    "metadata": {"name": "c", "annotations": {"a/b": "1"}},
    "spec": {
        "rayVersion": "2.41.0",
        "headGroupSpec": {
            "rayStartParams": {"num-cpus": "1"},
            "template": {"spec": {"containers": [{"name": "ray-head", "image": "x", "env": [{"name": "A"}]}]}},
        },
        "workerGroupSpecs": [
            {"groupName": "w", "replicas": 1, "minReplicas": 1, "maxReplicas": 2, "rayStartParams": {}},
        ],
    },
}
SMP_HEAD = {"spec": {"rayVersion": None, "headGroupSpec": {"rayStartParams": {"block": "true"}}}}
PATCHES: list[Any] = [
    {"apiVersion": "ray.io/v1", "kind": "RayCluster", "metadata": {"name": "c"}, **SMP_HEAD},
    # a strategic-merge patch (here with a target) renames nothing and moves nothing to another namespace
    {
        "apiVersion": "ray.io/v1",
        "kind": "RayCluster",
        "metadata": {"name": "other", "namespace": "elsewhere", "labels": {"team": "ml"}},
        **SMP_HEAD,
    },
    # lists of a custom resource are replaced whole, named items or not
    {
        "apiVersion": "ray.io/v1",
        "kind": "RayCluster",
        "metadata": {"name": "c"},
        "spec": {"workerGroupSpecs": [{"groupName": "w", "replicas": 3}]},
    },
    # a scalar that replaces quoted text stays text, as the patch writes it (kyaml keeps the node's style), one
    # that replaces plain text does not; text replaces a number or a boolean
    {
        "apiVersion": "ray.io/v1",
        "kind": "RayCluster",
        "metadata": {"name": "c"},
        "spec": {
            "rayVersion": 2.5,
            "headGroupSpec": {"rayStartParams": {"num-cpus": True}},
            "workerGroupSpecs": [{"groupName": "w", "replicas": "3", "minReplicas": 1.5}],
        },
    },
    [
        {"op": "add", "path": "/metadata/annotations/team~1owner", "value": "ml"},
        {"op": "replace", "path": "/spec/workerGroupSpecs/0/replicas", "value": 2},
        {"op": "add", "path": "/spec/workerGroupSpecs/-", "value": {"groupName": "v"}},
        {"op": "remove", "path": "/spec/rayVersion"},
        {"op": "copy", "from": "/spec/headGroupSpec/rayStartParams", "path": "/spec/workerGroupSpecs/0/rayStartParams"},
        {"op": "move", "from": "/metadata/annotations/a~1b", "path": "/metadata/annotations/moved"},
        {"op": "test", "path": "/spec/workerGroupSpecs/0/replicas", "value": 2},
        {"op": "replace", "path": "/spec/headGroupSpec/serviceType", "value": "NodePort"},
        {"op": "add", "path": "/spec/headGroupSpec/template/spec/containers/0/env/0", "value": {"name": "Z"}},
        {"op": "add", "path": "/spec/workerGroupSpecs/-1/idleTimeoutSeconds", "value": 60},  # from the end
        {"op": "test", "path": "/spec/workerGroupSpecs/0/replicas", "value": 2.0},  # JSON numbers
    ],
]


@pytest.mark.parametrize(
    "patch", PATCHES, ids=["strategic-merge", "no-rename", "list-replaced", "scalars-into-text", "json-6902"]
)
def test_patches_apply_in_process_as_kubectl_kustomize_applies_them(patch: Any, tmp_path: Path) -> None:
    (tmp_path / "cluster.yaml").write_text(dump_yaml([PATCHED_CLUSTER]))
    entry: dict[str, Any] = {"patch": dump_yaml([patch])}
    if isinstance(patch, list) or patch["metadata"]["name"] != "c":
        entry["target"] = {"kind": "RayCluster", "name": "c"}
    (tmp_path / "kustomization.yaml").write_text(dump_yaml([{"resources": ["cluster.yaml"], "patches": [entry]}]))
    built = kustomize_build(tmp_path)
    assert built == [apply_patch(PATCHED_CLUSTER, patch)]


@pytest.mark.parametrize(
    "operation",
    [
        {"op": "replace", "path": "/spec/autoscalerOptions/image", "value": "x"},
        {"op": "remove", "path": "/spec/headGroupSpec/serviceType"},
        {"op": "remove", "path": "/spec/workerGroupSpecs/5"},
        {"op": "test", "path": "/spec/rayVersion", "value": "2.9.0"},
        {"op": "test", "path": "/spec/workerGroupSpecs/0/replicas", "value": True},  # true is not 1 in JSON
    ],
)
def test_a_json_patch_that_kustomize_cannot_apply_fails_here_too(operation: dict[str, Any], tmp_path: Path) -> None:
    with pytest.raises(PatchFailure):
        apply_patch(PATCHED_CLUSTER, [operation])
    (tmp_path / "cluster.yaml").write_text(dump_yaml([PATCHED_CLUSTER]))
    entry = {"patch": dump_yaml([[operation]]), "target": {"kind": "RayCluster"}}
    (tmp_path / "kustomization.yaml").write_text(dump_yaml([{"resources": ["cluster.yaml"], "patches": [entry]}]))
    completed = subprocess.run([str(KUBECTL), "kustomize", str(tmp_path)], capture_output=True, check=False)
    assert completed.returncode != 0


@pytest.mark.parametrize(
    "spec",
    [
        {"rayVersion": {"a": 1}},  # a mapping for a scalar
        {"rayVersion": ["2.41.0"]},  # a list for a scalar
        {"workerGroupSpecs": {"groupName": "w"}},  # a mapping for a list
        {"headGroupSpec": "x"},  # a scalar for a mapping
        {"headGroupSpec": {"template": {"spec": {"containers": {"name": "ray-head"}}}}},  # deeper
    ],
)
def test_a_strategic_merge_patch_of_another_node_kind_fails_here_as_in_kustomize(
    spec: dict[str, Any], tmp_path: Path
) -> None:
    patch = {"apiVersion": "ray.io/v1", "kind": "RayCluster", "metadata": {"name": "c"}, "spec": spec}
    with pytest.raises(PatchFailure, match="wrong node kind"):
        apply_patch(PATCHED_CLUSTER, patch)
    (tmp_path / "cluster.yaml").write_text(dump_yaml([PATCHED_CLUSTER]))
    entry = {"patch": dump_yaml([patch])}
    (tmp_path / "kustomization.yaml").write_text(dump_yaml([{"resources": ["cluster.yaml"], "patches": [entry]}]))
    assert "wrong node kind" in kustomize_failure(tmp_path)


def test_a_json_patch_kustomize_cannot_apply_to_another_kind_fails_the_build(tmp_path: Path) -> None:
    """As for the Ray kinds: the `patch-target` error of tests/test_patched_rules.py is a build that fails."""
    namespace = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "ray"}}
    with pytest.raises(PatchFailure):
        apply_patch(namespace, [{"op": "remove", "path": "/metadata/annotations/team"}])
    (tmp_path / "namespace.yaml").write_text(dump_yaml([namespace]))
    entry = {
        "patch": dump_yaml([[{"op": "remove", "path": "/metadata/annotations/team"}]]),
        "target": {"kind": "Namespace"},
    }
    (tmp_path / "kustomization.yaml").write_text(dump_yaml([{"resources": ["namespace.yaml"], "patches": [entry]}]))
    assert "annotations" in kustomize_failure(tmp_path)


SELECTORS = [
    "tier=gold",
    "tier=gold,",  # an empty term: labels.Parse refuses it
    ",tier=gold",
    "tier=gold,,team",
    "tier in (gold),",
    "size>1",  # gt and lt compare integers
    "size<1",
    "size>x",
    "tier>1",  # not an integer label: no match
    "!!",
    "tier in (gold, silver)",
    "tier notin (gold)",
    "Tier=gold",
    "tier=",
    "example.com/tier",
]


@pytest.mark.parametrize("selector", SELECTORS)
def test_label_selectors_as_kubectl_kustomize_reads_them(selector: str, tmp_path: Path) -> None:
    """A selector kustomize cannot parse fails the build (selector_problem); one it parses patches what it matches."""
    labels = {"tier": "gold", "size": "5"}
    document: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "c", "labels": {"tier": "gold", "size": "5"}},
    }
    (tmp_path / "c.yaml").write_text(dump_yaml([document]))
    patch = [{"op": "add", "path": "/data", "value": {"patched": "yes"}}]
    kustomization = {
        "resources": ["c.yaml"],
        "patches": [{"target": {"kind": "ConfigMap", "labelSelector": selector}, "patch": dump_yaml([patch])}],
    }
    (tmp_path / "kustomization.yaml").write_text(dump_yaml([kustomization]))
    completed = subprocess.run([KUBECTL, "kustomize", str(tmp_path)], capture_output=True, text=True, check=False)
    problem = selector_problem(selector)
    assert (completed.returncode != 0) == (problem is not None), (completed.stderr, problem)
    if problem is None:
        patched = 'patched: "yes"' in completed.stdout or "patched: yes" in completed.stdout
        assert patched == label_selector_matches(selector, labels)


# Values of every node kind and scalar style, as the serializer writes them: plain and quoted text, a literal
# block, numbers, booleans, null, mappings and lists, empty or not
MERGED_VALUES: list[Any] = [
    "text", "2.0", "true", "1", "x y", "", "multi\nline", 5, 2.5, True, False, 0, None,
    {"a": 1}, {}, [1], [], ["a", "b"], {"b": {"c": "1"}},
]  # fmt: skip


def test_every_value_merged_over_every_value_as_kubectl_kustomize_merges_it(tmp_path: Path) -> None:
    """A strategic-merge patch of a kind kustomize has no schema of, for each pair of a value and the one it
    replaces (merge_patch): those it merges in one build, compared with the build; of those it refuses, one per
    pair of node kinds, each a build that fails."""
    pairs = [(old, new) for old in MERGED_VALUES for new in MERGED_VALUES if new is not None]

    def widget(index: int, value: Any) -> dict[str, Any]:
        return {
            "apiVersion": "example.com/v1",
            "kind": "Widget",
            "metadata": {"name": f"w{index}"},
            "spec": {"f": value},
        }

    merged: dict[int, dict[str, Any]] = {}
    refused: dict[tuple[str, str], int] = {}  # a pair of node kinds -> the first pair of values of those kinds
    for index, (old, new) in enumerate(pairs):
        try:
            patched = apply_patch(widget(index, old), widget(index, new))
        except PatchFailure:
            refused.setdefault((_node_kind(old), _node_kind(new)), index)
            continue
        assert patched is not None
        merged[index] = patched
    (tmp_path / "widgets.yaml").write_text(dump_yaml([widget(index, pairs[index][0]) for index in merged]))
    entries = [{"patch": dump_yaml([widget(index, pairs[index][1])])} for index in merged]
    (tmp_path / "kustomization.yaml").write_text(dump_yaml([{"resources": ["widgets.yaml"], "patches": entries}]))
    built = {document["metadata"]["name"]: document for document in kustomize_build(tmp_path)}
    assert built == {document["metadata"]["name"]: document for document in merged.values()}
    assert len(refused) == 6  # a mapping, a list or a scalar where one of the two others stands
    for index in refused.values():
        (tmp_path / "widgets.yaml").write_text(dump_yaml([widget(index, pairs[index][0])]))
        entry = {"patch": dump_yaml([widget(index, pairs[index][1])])}
        (tmp_path / "kustomization.yaml").write_text(dump_yaml([{"resources": ["widgets.yaml"], "patches": [entry]}]))
        assert "wrong node kind" in kustomize_failure(tmp_path)


def _node_kind(value: Any) -> str:
    return "mapping" if isinstance(value, dict) else "list" if isinstance(value, list) else "scalar"
