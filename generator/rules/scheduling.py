"""Rules about where and how the pods run: settings the API server accepts in a RayCluster (it does not
validate pod templates inside custom resources) but refuses when the operator creates the pods, and GPU
settings that leave pods Pending or Ray without its GPUs."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from typing import Any

from generator.checks import LINT
from generator.errors import DocPath, Problem
from generator.input.envschema import LABEL_VALUE_MAX, is_label_value, is_qualified_name
from generator.model.build import (
    GPU_RESOURCE,
    cluster_ray_version,
    is_gpu_resource,
    pod_setting,
    ray_container,
    ray_container_limits,
)
from generator.rules.context import (
    RuleContext,
    groups,
    rendered_image,
    rendered_value,
    spec_path,
    written_by_spec,
    written_group,
)
from generator.rules.go_version import compare_versions, generic_version
from generator.rules.rule import rule
from generator.source import value_at

TOLERATION_VALIDATION = (
    "Kubernetes API server, ValidateTolerations (pkg/apis/core/validation/validation.go), when the operator "
    "creates the pods"
)
TOLERATION_OPERATORS = ("Equal", "Exists")
TAINT_EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")
# The images whose tag starts with the Ray version they hold.
RAY_IMAGES = re.compile(r"^(docker\.io/)?rayproject/ray(-ml)?:(?P<version>[0-9]+\.[0-9]+\.[0-9]+)([-.].*)?$")
GPU_TOLERATION = "{key: nvidia.com/gpu, operator: Exists, effect: NoSchedule}"


@rule(
    "toleration-valid",
    "tolerations are ones the API server accepts: operator Equal or Exists (case matters), Exists without a "
    "value, a key unless operator is Exists, a known effect, tolerationSeconds only with NoExecute",
    TOLERATION_VALIDATION,
    fails="defaults: {tolerations: [{key: nvidia.com/gpu, operator: exists, effect: NoSchedule}]}\n"
    "clusters: [{name: c, head: {cpu: '1'}}]",
    passes="defaults: {tolerations: [{key: nvidia.com/gpu, operator: Exists, effect: NoSchedule}]}\n"
    "clusters: [{name: c, head: {cpu: '1'}}]",
    cases=("tolerations-invalid", "tolerations-keys"),
)
def tolerations_are_valid(context: RuleContext) -> Iterator[Problem]:
    for path, toleration in _tolerations(context.data, ()):
        yield from _toleration_problems(context, path, toleration)


def _tolerations(
    value: Any, path: DocPath, found: list[tuple[DocPath, dict[str, Any]]] | None = None
) -> list[tuple[DocPath, dict[str, Any]]]:
    """Every toleration in the environment: pod settings, defaults and pod templates alike (gathered in one
    list, not a generator per value)."""
    found = [] if found is None else found
    if isinstance(value, dict):
        for key, child in value.items():
            if key == "tolerations" and isinstance(child, list):
                found.extend(((*path, key, index), item) for index, item in enumerate(child) if isinstance(item, dict))
            else:
                _tolerations(child, (*path, key), found)
    elif isinstance(value, list):
        for index, child in enumerate(value):
            _tolerations(child, (*path, index), found)
    return found


def _toleration_problems(context: RuleContext, path: DocPath, toleration: dict[str, Any]) -> Iterator[Problem]:
    key, operator, value = toleration.get("key", ""), toleration.get("operator", ""), toleration.get("value", "")
    effect = toleration.get("effect", "")
    if operator not in ("", *TOLERATION_OPERATORS):
        close = difflib.get_close_matches(str(operator).capitalize(), TOLERATION_OPERATORS, n=1)
        yield context.problem(
            (*path, "operator"),
            f"operator {operator!r} is not Equal or Exists: the API server refuses the pods",
            f"write operator: {close[0]}" if close else "write operator: Equal or operator: Exists",
        )
    if not key and operator != "Exists":
        yield context.problem(
            path,
            "a toleration without a key must have operator: Exists (it then tolerates every taint)",
            "add the taint's key (e.g. key: nvidia.com/gpu), or set operator: Exists",
        )
    if key and not (isinstance(key, str) and is_qualified_name(key)):
        yield context.problem(
            (*path, "key"),
            f"{key!r} is not a valid taint key",
            f"an optional DNS prefix (example.com/) and a name of at most {LABEL_VALUE_MAX} letters, digits, '-', '_' "
            "or '.'",
        )
    if operator == "Exists" and value:
        yield context.problem(
            (*path, "value"), "operator: Exists takes no value", "remove value, or use operator: Equal"
        )
    elif value and not is_label_value(value):
        yield context.problem(
            (*path, "value"), f"{value!r} is not a valid taint value", f"at most {LABEL_VALUE_MAX} letters, digits, -_."
        )
    if effect and effect not in TAINT_EFFECTS:
        close = difflib.get_close_matches(str(effect), TAINT_EFFECTS, n=1)
        yield context.problem(
            (*path, "effect"),
            f"effect {effect!r} is not one of {', '.join(TAINT_EFFECTS)}",
            f"did you mean {close[0]}?" if close else "leave it out to match every effect",
        )
    if toleration.get("tolerationSeconds") is not None and effect != "NoExecute":
        yield context.problem(
            (*path, "tolerationSeconds"),
            "tolerationSeconds applies only to effect: NoExecute",
            "set effect: NoExecute, or remove tolerationSeconds",
        )


@rule(
    "gpu-toleration",
    "a group with NVIDIA GPUs tolerates the nvidia.com/gpu taint that GKE puts on GPU nodes (nvidia.com/gpu=present"
    ":NoSchedule) and many clusters copy (a warning: waive it where GPU nodes are not tainted so)",
    LINT,
    fails="clusters: [{name: c, head: {cpu: '1'}, workerGroups: [{name: gpu, gpu: 1}]}]",
    passes=f"clusters: [{{name: c, head: {{cpu: '1'}}, workerGroups: [{{name: gpu, gpu: 1, tolerations: "
    f"[{GPU_TOLERATION}]}}]}}]",
    cases=("gpu-without-toleration",),
    severity="warning",
)
def gpu_groups_tolerate_gpu_taints(context: RuleContext) -> Iterator[Problem]:
    defaults = context.data.get("defaults", {})
    for spec_at in context.cluster_specs:
        for path, group in groups(spec_at):
            container = ray_container(group, path[-1] == "head")
            entry, entry_at = written_group(context.data, spec_at, path)
            written_pod = value_at(entry, ("template", "spec"))
            pods = (
                ((*path, "podTemplate", "spec"), value_at(group, ("podTemplate", "spec"))),
                ((*entry_at, "template", "spec"), written_pod),
            )
            limits = ray_container_limits(group, container, written_pod)
            if limits is None or not any(
                name.startswith("nvidia.com/") and _positive(amount) for name, amount in limits.items()
            ):
                continue
            # as rendered: a list of tolerations is not keyed by name, so the podTemplate's replaces the group's,
            # and what the item's `spec` writes replaces both (input/resolve.py)
            tolerations, at = pod_setting(group, defaults, "tolerations", []), None
            for pod_at, pod in pods:
                if isinstance(pod, dict) and "tolerations" in pod:
                    tolerations, at = pod["tolerations"], (*pod_at, "tolerations")
            if tolerations is not None and not isinstance(tolerations, list):
                continue  # the CRD check names it
            if any(_tolerates_gpu_taint(item) for item in tolerations or [] if isinstance(item, dict)):
                continue
            message = (
                "this group asks for NVIDIA GPUs but tolerates no nvidia.com/gpu taint: on tainted GPU nodes its pods "
                "stay Pending"
            )
            waive = "or waive gpu-toleration if your GPU nodes are not tainted"
            if at is None:
                yield context.problem(path, message, f"add tolerations: [{GPU_TOLERATION}], {waive}", at_key=True)
            else:  # the list that replaced the group's
                yield context.problem(
                    at, message, f"add {GPU_TOLERATION} to this list, which replaces the group's, {waive}", at_key=True
                )


def _tolerates_gpu_taint(toleration: dict[str, Any]) -> bool:
    """Exists tolerates the taint whatever its value; Equal only with a value (GKE's is `present`), which we
    cannot check against nodes, so any value is taken."""
    key, operator = toleration.get("key", ""), toleration.get("operator", "Equal")
    effect = toleration.get("effect", "")
    matches = (key == GPU_RESOURCE and (operator == "Exists" or bool(toleration.get("value")))) or (
        not key and operator == "Exists"
    )
    return matches and effect in ("", "NoSchedule")


def _positive(amount: Any) -> bool:
    try:
        return float(str(amount).rstrip("m")) > 0
    except ValueError:
        return True


@rule(
    "gpu-resource-name",
    "GPU resource names are ones a device plugin advertises: nvidia.com/gpus or nvidia.com/GPU match no node, "
    "so the pods stay Pending and KubeRay, which counts names ending in 'gpu', gives Ray no GPU",
    LINT,
    fails="clusters: [{name: c, head: {cpu: '1'}, workerGroups: [{name: g, extendedResources: {nvidia.com/gpus: 1}}]}]",
    passes="clusters: [{name: c, head: {cpu: '1'}, workerGroups: [{name: g, extendedResources: {nvidia.com/gpu: 1}, "
    "tolerations: [{key: nvidia.com/gpu, operator: Exists}]}]}]",
    cases=("gpu-resource-typo",),
    severity="warning",
)
def gpu_resource_names(context: RuleContext) -> Iterator[Problem]:
    for spec_at in context.cluster_specs:
        for path, group in groups(spec_at):
            for section in ("extendedResources", "requests", "limits"):
                for name in group.get(section, {}) or {}:
                    if _misspelt_gpu(str(name), context.version):
                        prefix = str(name).rsplit("/", 1)[0]
                        yield context.problem(
                            (*path, section, name),
                            f"{name} is not a GPU resource: no node advertises it, and Ray would see no GPU",
                            f"did you mean {prefix}/gpu?",
                            at_key=True,
                        )


def _misspelt_gpu(name: str, version: str) -> bool:
    last = name.rsplit("/", 1)[-1]
    return last.lower().rstrip("s") == "gpu" and not is_gpu_resource(name, version)


@rule(
    "ray-version-image",
    "rayVersion is the Ray version of the rayproject image the cluster runs: KubeRay picks the health probes "
    "and the feature checks by rayVersion (pod.go, supportsUnifiedHealthCheck, line 721 at v1.7.0)",
    LINT,
    fails="defaults: {image: 'rayproject/ray:2.46.0', rayVersion: '2.41.0'}\nclusters: [{name: c, head: {cpu: '1'}}]",
    passes="defaults: {image: 'rayproject/ray:2.46.0', rayVersion: '2.46.0'}\nclusters: [{name: c, head: {cpu: '1'}}]",
    cases=("ray-version-image",),
    severity="warning",
)
def ray_version_matches_image(context: RuleContext) -> Iterator[Problem]:
    defaults = context.data.get("defaults", {})
    for spec_at in context.cluster_specs:
        # as rendered: what the item's `spec` writes, else the cluster's, else the default
        by_spec = written_by_spec(spec_at, ("rayVersion",)) is not None
        version = rendered_value(context.data, spec_at, ("rayVersion",), cluster_ray_version(spec_at.spec, defaults))
        if version is None:
            continue
        ray_version = str(version)
        for path, group in groups(spec_at):
            image = rendered_image(spec_at, group, path[-1] == "head", defaults) or ""
            found = RAY_IMAGES.match(image)
            if found is None:
                continue
            # 2.41 and 2.41.0 are one version to KubeRay, which reads rayVersion with version.ParseGeneric
            written = generic_version(ray_version)
            if written is None or compare_versions(written, generic_version(found.group("version")) or ()) != 0:
                where = (
                    spec_path(spec_at, ("rayVersion",))
                    if by_spec
                    else (*spec_at.path, "rayVersion")
                    if "rayVersion" in spec_at.spec
                    else ("defaults", "rayVersion")
                )
                group_name = "the head" if path[-1] == "head" else f"worker group {group.get('name')}"
                yield context.problem(
                    where,
                    f"rayVersion {ray_version} differs from Ray {found.group('version')} of the image {image} that "
                    f"{group_name} runs",
                    f'set rayVersion: "{found.group("version")}" or use the image of Ray {ray_version}',
                )
                break
