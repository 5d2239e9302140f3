"""Worker group sizes: the bounds the operator and the autoscaler rely on."""

from __future__ import annotations

from collections.abc import Iterator

from generator.checks import LINT
from generator.errors import Problem
from generator.model.build import worker_bounds
from generator.rules.context import RuleContext
from generator.rules.rule import rule


@rule(
    "worker-bounds",
    "`maxReplicas >= minReplicas` and `replicas` within them. The operator rejects neither: it clamps the "
    "replicas it creates (GetWorkerGroupDesiredReplicas, ray-operator/controllers/ray/utils/util.go), so what "
    "Git says would not be what runs",
    LINT,
    fails="clusters: [{name: c, head: {cpu: '1'}, workerGroups: [{name: w, replicas: 5, maxReplicas: 2}]}]",
    passes="clusters: [{name: c, head: {cpu: '1'}, workerGroups: [{name: w, replicas: 2, maxReplicas: 5}]}]",
    cases=("replica-bounds", "replicas-outside-bounds"),
)
def replica_bounds(context: RuleContext) -> Iterator[Problem]:
    for spec_at in context.cluster_specs:
        for index, group in enumerate(spec_at.spec.get("workerGroups", [])):
            path = (*spec_at.path, "workerGroups", index)
            # the bounds as the model renders them: unset ones follow replicas
            replicas, low, high = worker_bounds(group)
            written = [key for key in ("maxReplicas", "minReplicas", "replicas") if key in group]
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
