"""Worker group sizes: the bounds the operator and the autoscaler rely on."""

from __future__ import annotations

from collections.abc import Iterator

from generator.checks import KUBERAY_VALIDATION as VALIDATION
from generator.checks import LINT
from generator.errors import Problem
from generator.model.build import worker_bounds
from generator.rules.context import RuleContext, worker_groups
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
            _replicas, low, high = worker_bounds(group)
            if high < low:
                written = [key for key in ("maxReplicas", "minReplicas") if key in group]
                minimum = f"minReplicas {low}" if "minReplicas" in group else f"minReplicas (unset: replicas, {low})"
                yield context.problem(
                    (*path, written[0]) if written else path,
                    f"maxReplicas {high} is less than {minimum}: the operator refuses the group",
                    "raise maxReplicas, or lower minReplicas or replicas",
                    at_key=not written,
                )


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
            # the bounds as the model renders them: unset ones follow replicas
            replicas, low, high = worker_bounds(group)
            written = [key for key in ("maxReplicas", "minReplicas", "replicas") if key in group]
            if high < low and context.since(RANGE_CHECKED_SINCE):
                continue  # the operator's own rule (worker-replica-range) says so
            if high < low:
                yield context.problem(
                    (*path, written[0]) if written else path,
                    f"maxReplicas {high} is less than minReplicas {low}",
                    "raise maxReplicas or lower minReplicas",
                    at_key=not written,
                )
                continue
            where = (*path, "replicas") if "replicas" in group else path
            if replicas < low:
                yield context.problem(
                    where,
                    f"replicas {replicas} is less than minReplicas {low}",
                    "the operator would scale the group up to minReplicas; set replicas within the bounds",
                    at_key="replicas" not in group,
                )
            if replicas > high:
                yield context.problem(
                    where,
                    f"replicas {replicas} is more than maxReplicas {high}",
                    "the operator would cap the group at maxReplicas; set replicas within the bounds",
                    at_key="replicas" not in group,
                )
