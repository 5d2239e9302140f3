"""Patch targets matched as kustomize matches them (api/types/selector.go: group, version, kind and name are
regular expressions anchored at both ends; label and annotation selectors are Kubernetes label selectors)."""

from __future__ import annotations

from typing import Any

import pytest

from generator.validate.patches import label_selector_matches, selects

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
