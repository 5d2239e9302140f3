"""ApplicationSet mode: one Argo CD ApplicationSet generates every environment's Applications and syncs them
stage by stage (Progressive Syncs, RollingSync), when every Argo CD environment sets `gitops.stage`.

Each environment's Applications are rendered as in the default mode; their specs become the elements of a list
generator, and a templatePatch (a Go template, `{{ toJson .x }}` of the element's parts) puts each one back
whole (applicationset/controllers/template/patch.go at v3.5.1: rendered, then a strategic merge patch of the
template). The RollingSync steps order the stages, and within a stage the CRDs, the operator, then the
workloads, each step waiting for its Applications to be Healthy. RollingSync turns automated sync off on the
Applications it manages and syncs those that are OutOfSync itself, so a change of any environment's output
reaches it only in its stage's turn (docs/gitops.md, "Many clusters, progressively").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from generator.model.types import Environment

SYNC_WAVE = "argocd.argoproj.io/sync-wave"
STAGE_LABEL = "kuberay-gitops/stage"
STEP_LABEL = "kuberay-gitops/step"
# Within a stage: the CRDs, then the operator, then the Ray objects (the waves of the default mode)
PART_ORDER = {"crds": 0, "operator": 1, "workloads": 2, "raycluster": 2}
TEMPLATE_PATCH = "metadata: {{ toJson .metadata }}\nspec: {{ toJson .spec }}\n"


def applicationset_mode(environments: Sequence[Environment]) -> bool:
    """On when the Argo CD environments set `gitops.stage` (rules/cross.py requires all of them or none)."""
    argocd = [environment for environment in environments if environment.gitops.argocd]
    return bool(argocd) and all(environment.gitops.stage is not None for environment in argocd)


def step(stage: int, part: str) -> str:
    return f"{stage}-{PART_ORDER[part]}"


def element(environment: Environment, application: Mapping[str, Any], part: str) -> dict[str, Any]:
    """One list-generator element: an Application of the default mode, without what RollingSync replaces."""
    assert environment.gitops.stage is not None
    metadata = application["metadata"]
    labels = {
        **metadata.get("labels", {}),
        STAGE_LABEL: str(environment.gitops.stage),
        STEP_LABEL: step(environment.gitops.stage, part),
    }
    generated: dict[str, Any] = {"labels": labels}
    # the sync waves give way to the steps; other annotations (notifications subscriptions) stay
    annotations = {key: value for key, value in metadata.get("annotations", {}).items() if key != SYNC_WAVE}
    if annotations:
        generated["annotations"] = annotations
    if "finalizers" in metadata:
        generated["finalizers"] = list(metadata["finalizers"])
    # The spec as it is, automated sync included: RollingSync switches it off itself and takes `prune` from it
    # when it syncs (applicationset/controllers/progressive_sync.go:738-754 at v3.5.1).
    return {"name": metadata["name"], "metadata": generated, "spec": application["spec"]}


def applicationset_spec(elements: list[dict[str, Any]], argocd_namespace: str) -> dict[str, Any]:
    steps = sorted({element["metadata"]["labels"][STEP_LABEL] for element in elements}, key=_step_key)
    return {
        "goTemplate": True,
        "goTemplateOptions": ["missingkey=error"],
        "generators": [{"list": {"elements": elements}}],
        "strategy": {
            "type": "RollingSync",
            "rollingSync": {
                "steps": [
                    {"matchExpressions": [{"key": STEP_LABEL, "operator": "In", "values": [value]}]} for value in steps
                ]
            },
        },
        # The patch fills in the whole Application but its project, which Argo CD keeps from the template
        # (applicationset/controllers/template/patch.go:39-40 at v3.5.1).
        "template": {
            "metadata": {"name": "{{ .name }}", "namespace": argocd_namespace},
            "spec": {"project": "{{ .spec.project }}", "destination": {}},
        },
        "templatePatch": TEMPLATE_PATCH,
        # Without it, Argo CD gives every generated Application that has no finalizer the resources finalizer
        # (applicationset/utils/utils.go:294-302), the CRDs' Application too, whose deletion would then delete
        # every Ray object; the elements carry the finalizers of the default mode instead.
        "syncPolicy": {"preserveResourcesOnDeletion": True},
    }


def _step_key(value: str) -> tuple[int, int]:
    stage, part = value.split("-")
    return int(stage), int(part)
