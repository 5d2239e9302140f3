"""Worker group sizes: the bounds the operator and the autoscaler rely on."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from generator.checks import KUBERAY_VALIDATION as VALIDATION
from generator.checks import LINT
from generator.errors import DocPath, Problem
from generator.model.build import worker_bounds
from generator.rules.context import ClusterSpecAt, RuleContext, worker_groups, written_group
from generator.rules.rule import rule

# Since when the operator refuses a worker group whose minReplicas is above its maxReplicas (validation.go:133-137
# at v1.6.0; no such check at v1.5.0)
RANGE_CHECKED_SINCE = "1.6.0"


@rule(
    "worker-replica-range",
    "a worker group's minReplicas is at most its maxReplicas (1.6.0)",
    f"{VALIDATION} (ValidateRayClusterSpec: minReplicas greater than maxReplicas, lines 133-137 at v1.6.0)",
    fails="kuberay: {version: 1.6.0}\nclusters: [{name: c, head: {cpu: '1'}, workerGroups: [{name: w, replicas: 1, "
    "minReplicas: 3, maxReplicas: 2}]}]",
    passes="kuberay: {version: 1.6.0}\nclusters: [{name: c, head: {cpu: '1'}, workerGroups: [{name: w, replicas: 2, "
    "minReplicas: 1, maxReplicas: 3}]}]",
    cases=("worker-replica-range",),
)
def worker_replica_range(context: RuleContext) -> Iterator[Problem]:
    if not context.since(RANGE_CHECKED_SINCE):
        return  # worker-bounds, a lint, says so before
    for spec_at in context.cluster_specs:
        for path, group in worker_groups(spec_at):
            if (rendered := _rendered_bounds(context, spec_at, path, group)) is None:
                continue
            (_replicas, low, high), places = rendered
            if high < low:
                written = [key for key in ("maxReplicas", "minReplicas") if key in places]
                yield context.problem(
                    places[written[0]] if written else path,
                    f"maxReplicas {high} is less than {_minimum(low, places)}: the operator refuses the group",
                    _BOUNDS_HINT,
                    at_key=not written,
                )


_BOUNDS_HINT = "raise maxReplicas, or lower minReplicas or replicas"


def _minimum(low: int, places: Mapping[str, DocPath]) -> str:
    """minReplicas as the group has it: written, or unset, when the generator takes replicas for it."""
    return f"minReplicas {low}" if "minReplicas" in places else f"minReplicas (unset: replicas, {low})"


@rule(
    "worker-bounds",
    "`maxReplicas >= minReplicas` (before 1.6.0, whose operator refuses it: worker-replica-range) and `replicas` "
    "within them. The operator rejects neither: it clamps the replicas it creates (GetWorkerGroupDesiredReplicas, "
    "ray-operator/controllers/ray/utils/util.go), so what Git says would not be what runs",
    LINT,
    fails="clusters: [{name: c, head: {cpu: '1'}, workerGroups: [{name: w, replicas: 5, maxReplicas: 2}]}]",
    passes="clusters: [{name: c, head: {cpu: '1'}, workerGroups: [{name: w, replicas: 2, maxReplicas: 5}]}]",
    cases=("replica-bounds", "replicas-outside-bounds"),
)
def replica_bounds(context: RuleContext) -> Iterator[Problem]:
    for spec_at in context.cluster_specs:
        for path, group in worker_groups(spec_at):
            if (rendered := _rendered_bounds(context, spec_at, path, group)) is None:
                continue
            (replicas, low, high), places = rendered
            written = [key for key in ("maxReplicas", "minReplicas", "replicas") if key in places]
            if high < low and context.since(RANGE_CHECKED_SINCE):
                continue  # the operator's own rule (worker-replica-range) says so
            if high < low:
                yield context.problem(
                    places[written[0]] if written else path,
                    f"maxReplicas {high} is less than {_minimum(low, places)}",
                    _BOUNDS_HINT,
                    at_key=not written,
                )
                continue
            where = places.get("replicas", path)
            if replicas < low:
                yield context.problem(
                    where,
                    f"replicas {replicas} is less than minReplicas {low}",
                    "the operator would scale the group up to minReplicas; set replicas within the bounds",
                    at_key="replicas" not in places,
                )
            if replicas > high:
                yield context.problem(
                    where,
                    f"replicas {replicas} is more than maxReplicas {high}",
                    "the operator would cap the group at maxReplicas; set replicas within the bounds",
                    at_key="replicas" not in places,
                )


_BOUNDS = ("replicas", "minReplicas", "maxReplicas")


def _rendered_bounds(
    context: RuleContext, spec_at: ClusterSpecAt, path: DocPath, group: dict[str, Any]
) -> tuple[tuple[int, int, int], dict[str, DocPath]] | None:
    """replicas, minReplicas and maxReplicas of a structured worker group as rendered: the model's (worker_bounds:
    unset ones follow replicas), with what the item's `spec` writes for the group over them; and where each one
    written is written (`spec` last). None where `spec` writes one that is no integer (the CRD check's to name),
    a negative one (the structured field's minimum, which the read-back of the rendered object checks, names the
    mistake better than a comparison) or removes one (the CRD's default then decides, read back too)."""
    bounds = dict(zip(_BOUNDS, worker_bounds(group), strict=True))
    places = {key: (*path, key) for key in _BOUNDS if key in group}
    entry, at = written_group(context.data, spec_at, path)
    for key in _BOUNDS if isinstance(entry, dict) else ():
        if key in entry:
            value = entry[key]
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                return None
            bounds[key], places[key] = value, (*at, key)
    return (bounds["replicas"], bounds["minReplicas"], bounds["maxReplicas"]), places
