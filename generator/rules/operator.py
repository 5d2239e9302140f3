"""The KubeRay operator's own reconcile-time validation, ported so it fails at `make render` instead.

Source: ray-operator/controllers/ray/utils/validation.go (ValidateRayClusterSpec, ValidateRayJobSpec,
ValidateRayServiceSpec) at the releases v1.3.0 to v1.7.0. Where the operator only started rejecting a
combination in a later release, the rule applies from that release: an earlier operator takes it, and a lint says
what it does there instead (job-ttl-ignored, job-retry-hazard); docs/rules.md lists each rule with its source.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import pairwise
from typing import Any, cast

from generator.checks import KUBERAY_VALIDATION as VALIDATION
from generator.checks import LINT
from generator.errors import DocPath, Problem
from generator.input.envschema import LABEL_VALUE_MAX, is_label_value
from generator.input.resolve import merge
from generator.model.build import (
    autoscaler_rendered,
    autoscaling_enabled,
    cluster_ray_version,
    container_gpus,
    feature_gate_states,
    group_mapping,
    merged_by_name,
    ray_container,
    ray_start_value,
    written_group_pod,
)
from generator.model.fields import (
    CLUSTER_SPEC,
    DELETION_GATE,
    INCREMENTAL_UPGRADE,
    INCREMENTAL_UPGRADE_GATE,
    OVERRIDE,
    RAYSERVICE_UPGRADE_TYPES,
    SECTION_KINDS,
)
from generator.quantity import parse_quantity
from generator.rules.context import (
    ClusterSpecAt,
    RuleContext,
    groups,
    job_items,
    ray_container_env,
    ray_container_mounts,
    ray_start_params,
    rendered_value,
    spec_path,
    submission_mode,
    worker_groups,
    written_by_spec,
    written_group,
    written_job,
)
from generator.rules.go_version import compare_versions, dotted, generic_version
from generator.rules.rule import rule
from generator.source import GENERATED, value_at

# a RayJob item of the examples, left open so that each example adds its own fields and closes it
JOB_START = "{name: j, entrypoint: python run.py, cluster: {head: {cpu: '1'}}"

FT_ENABLED_ANNOTATION = "ray.io/ft-enabled"
EXTERNAL_STORAGE_ANNOTATION = "ray.io/external-storage-namespace"
GCS_FT_ENV = {
    "REDIS_PASSWORD": "use gcsFaultTolerance.redisPassword",
    "RAY_REDIS_ADDRESS": "use gcsFaultTolerance.redisAddress",
    "REDIS_USERNAME": "the operator takes the Redis user from gcsFaultTolerance only",
}


@rule(
    "job-suspend",
    "a suspended RayJob needs shutdownAfterJobFinishes and its own cluster (not clusterSelector)",
    f"{VALIDATION} (ValidateRayJobSpec)",
    fails=f"jobs: [{JOB_START}, suspend: true}}]",
    passes=f"jobs: [{JOB_START}, suspend: true, shutdownAfterJobFinishes: true}}]",
    cases=("operator-job-rules",),
)
def job_suspend(context: RuleContext) -> Iterator[Problem]:
    for job_path, job in job_items(context.data):
        if not job.get("suspend"):
            continue
        if job.get("clusterSelector"):  # an empty one is none (len != 0, validation.go:560 at v1.7.0)
            yield context.problem(
                (*job_path, "suspend"),
                "a RayJob with clusterSelector cannot be suspended",
                "suspend creates and deletes the job's own cluster; remove suspend or use cluster",
            )
        elif not job.get("shutdownAfterJobFinishes"):
            yield context.problem(
                (*job_path, "suspend"),
                "a RayJob with shutdownAfterJobFinishes false cannot be suspended",
                "set shutdownAfterJobFinishes: true",
            )


# Since when the operator refuses a TTL without shutdownAfterJobFinishes (ValidateRayJobSpec, validation.go:151-153
# at v1.4.0). Before, the TTL delays a deletion policy, which the operator then follows instead of the flag
# (rayjob_controller.go:357-382 at v1.3.0): meaningful there, ignored anywhere else.
TTL_CHECKED_SINCE = "1.4.0"
# Since when the operator refuses a retry of a job in InteractiveMode (validation.go:162-171 at v1.4.0), and one of
# a job on a selected cluster (validation.go:321-322 at v1.6.0; InteractiveMode's at 333-334 there).
INTERACTIVE_RETRY_CHECKED_SINCE = "1.4.0"
SELECTOR_RETRY_CHECKED_SINCE = "1.6.0"


@rule(
    "job-ttl",
    "ttlSecondsAfterFinished > 0 needs shutdownAfterJobFinishes (1.4.0; before, job-ttl-ignored warns)",
    f"{VALIDATION} (ValidateRayJobSpec, lines 151-153 at v1.4.0)",
    fails=f"kuberay: {{version: 1.4.0}}\njobs: [{JOB_START}, ttlSecondsAfterFinished: 60}}]",
    passes=f"kuberay: {{version: 1.4.0}}\njobs: [{JOB_START}, ttlSecondsAfterFinished: 60, "
    "shutdownAfterJobFinishes: true}]",
    cases=("operator-job-rules",),
)
def job_ttl_needs_shutdown(context: RuleContext) -> Iterator[Problem]:
    if not context.since(TTL_CHECKED_SINCE):
        return
    for job_path, _rendered in _ttl_without_shutdown(context):
        yield context.problem(
            (*job_path, "ttlSecondsAfterFinished"),
            "ttlSecondsAfterFinished needs shutdownAfterJobFinishes: true (the operator rejects it from 1.4.0)",
            "set shutdownAfterJobFinishes: true, or remove ttlSecondsAfterFinished",
        )


@rule(
    "job-ttl-ignored",
    "before 1.4.0, ttlSecondsAfterFinished > 0 without shutdownAfterJobFinishes does nothing, unless it delays a "
    "deletionPolicy (rayjob_controller.go:357-382 at v1.3.0; a warning: the operator takes it; 1.4.0 rejects it, "
    "job-ttl)",
    LINT,
    fails=f"jobs: [{JOB_START}, ttlSecondsAfterFinished: 60}}]",
    passes=f"jobs: [{JOB_START}, ttlSecondsAfterFinished: 60, shutdownAfterJobFinishes: true}}]",
    cases=("old-operator-job-rules",),
    severity="warning",
)
def job_ttl_ignored(context: RuleContext) -> Iterator[Problem]:
    """rayjob_controller.go:357-382 at v1.3.0: the TTL is waited only before a shutdown or a deletion policy."""
    if context.since(TTL_CHECKED_SINCE):
        return
    for job_path, rendered in _ttl_without_shutdown(context):
        if not _ttl_delays_deletion(rendered):
            yield context.problem(
                (*job_path, "ttlSecondsAfterFinished"),
                "ttlSecondsAfterFinished does nothing without shutdownAfterJobFinishes: true (the operator ignores "
                "it before 1.4.0 and rejects it from then on)",
                "set shutdownAfterJobFinishes: true, or remove ttlSecondsAfterFinished",
            )


def _ttl_without_shutdown(context: RuleContext) -> Iterator[tuple[DocPath, dict[str, Any]]]:
    """Each job whose structured fields set a TTL that its RayJob keeps, without shutdownAfterJobFinishes as
    rendered (what its `spec` writes counts), with its fields as rendered. A TTL that only the `spec` writes is
    checked on the object it renders (validate/final_rules.py)."""
    for job_path, job in job_items(context.data):
        rendered = _as_rendered(context, job_path, job)
        if (
            _positive(job.get("ttlSecondsAfterFinished"))
            and _positive(rendered.get("ttlSecondsAfterFinished"))
            and not rendered.get("shutdownAfterJobFinishes")
        ):
            yield job_path, rendered


def _ttl_delays_deletion(rendered: dict[str, Any]) -> bool:
    """Whether a 1.3 operator waits the job's TTL before it follows its deletionPolicy: one other than DeleteNone,
    in the job's fields as rendered, on a cluster of its own (whether the feature gate is on, rule versions says)."""
    return rendered.get("deletionPolicy") not in (None, "DeleteNone") and not rendered.get("clusterSelector")


@rule(
    "job-backoff-limit",
    "backoffLimit > 0 is incompatible with clusterSelector (1.6.0) and InteractiveMode (1.4.0); before, "
    "job-retry-hazard says what a retry does",
    f"{VALIDATION} (ValidateRayJobSpec, lines 321-322 and 333-334 at v1.6.0, 162-171 at v1.4.0)",
    fails="kuberay: {version: 1.6.0}\njobs: [{name: j, entrypoint: python run.py, clusterSelector: "
    "{ray.io/cluster: shared}, backoffLimit: 2}]",
    passes=f"kuberay: {{version: 1.6.0}}\njobs: [{JOB_START}, backoffLimit: 2}}]",
    cases=("operator-job-rules",),
)
def job_backoff_limit(context: RuleContext) -> Iterator[Problem]:
    for job_path, on_selected, since in _retries(context):
        if not context.since(since):
            continue
        yield context.problem(
            (*job_path, "backoffLimit"),
            f"backoffLimit is incompatible with {'clusterSelector' if on_selected else 'InteractiveMode'}: the "
            f"operator rejects it from {since}",
            "remove backoffLimit, or give the job a cluster of its own" if on_selected else "remove backoffLimit",
        )


@rule(
    "job-retry-hazard",
    "before the operator rejects it (job-backoff-limit), backoffLimit > 0 with clusterSelector deletes the selected "
    "cluster on a retry, which other jobs share, and with InteractiveMode keeps the old job id, taking the new job "
    "for running (deleteClusterResources, rayjob_controller.go:345-355 and 737-767 at v1.5.0; kuberay#3525). Waive "
    "it where that is what you want",
    LINT,
    fails="jobs: [{name: j, entrypoint: python run.py, clusterSelector: {ray.io/cluster: shared}, backoffLimit: 2}]",
    passes=f"jobs: [{JOB_START}, backoffLimit: 2}}]",
    cases=("old-operator-job-rules",),
)
def job_retry_hazard(context: RuleContext) -> Iterator[Problem]:
    """Retries delete the job's cluster (deleteClusterResources, rayjob_controller.go:345-355 and 737-767 at v1.5.0);
    InteractiveMode's retry keeps spec.jobId (kuberay#3525)."""
    for job_path, on_selected, since in _retries(context):
        if context.since(since):
            continue
        yield context.problem(
            (*job_path, "backoffLimit"),
            "a retry deletes the selected cluster, which other jobs share (the operator rejects backoffLimit with "
            f"clusterSelector from {since})"
            if on_selected
            else "a retry keeps the old job id and takes the new job for running (the operator rejects backoffLimit "
            f"in InteractiveMode from {since})",
            "remove backoffLimit, or give the job a cluster of its own" if on_selected else "remove backoffLimit",
        )


def _retries(context: RuleContext) -> Iterator[tuple[DocPath, bool, str]]:
    """Each job whose structured fields ask for retries (backoffLimit > 0, unless its `spec` writes another) on a
    selected cluster (True) or in InteractiveMode (False), and the release whose operator rejects that: both for a
    job that is both. What only the `spec` writes is checked on the object it renders (validate/final_rules.py)."""
    for job_path, job in job_items(context.data):
        written = _as_rendered(context, job_path, job)
        if job.get("backoffLimit", 0) <= 0 or not _positive(written.get("backoffLimit")):
            continue
        if written.get("clusterSelector"):  # an empty one is none (len != 0, validation.go:560 at v1.7.0)
            yield job_path, True, SELECTOR_RETRY_CHECKED_SINCE
        if submission_mode(context.data, job_path, job) == "InteractiveMode":
            yield job_path, False, INTERACTIVE_RETRY_CHECKED_SINCE


def _as_rendered(context: RuleContext, job_path: DocPath, job: dict[str, Any]) -> dict[str, Any]:
    """The job's top-level RayJob fields as rendered: what its `spec` writes merged over the structured ones by
    the renderer's merge (render/workloads.py `ray_object_documents`): a null removes a field, and a mapping
    merges into the structured one (`clusterSelector: {}` leaves the structured selector as it is)."""
    written = written_job(context.data, job_path)
    if not isinstance(written, dict):
        return job
    merged, _ = merge(job, GENERATED, written, GENERATED)
    return cast("dict[str, Any]", merged)


def _positive(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


@rule(
    "job-sidecar-mode",
    "SidecarMode takes no clusterSelector, no submitter pod template, no submitterConfig, and a head pod whose "
    "restartPolicy is Never or unset (1.5.0)",
    f"{VALIDATION} (ValidateRayJobSpec)",
    fails=f"kuberay: {{version: 1.5.0}}\njobs: [{JOB_START}, submissionMode: SidecarMode, submitter: {{cpu: '1'}}}}]",
    passes=f"kuberay: {{version: 1.5.0}}\npodSecurity: baseline\njobs: [{JOB_START}, submissionMode: SidecarMode}}]",
    cases=("operator-sidecar-mode",),
)
def job_submission_mode(context: RuleContext) -> Iterator[Problem]:
    for job_path, job in job_items(context.data):
        if submission_mode(context.data, job_path, job) != "SidecarMode":
            continue
        if job.get("clusterSelector"):
            yield context.problem(
                (*job_path, "clusterSelector"),
                "clusterSelector is not supported in SidecarMode",
                "SidecarMode runs the submitter beside the head of the job's own cluster; use cluster",
            )
        if "submitter" in job:
            yield context.problem(
                (*job_path, "submitter"),
                "SidecarMode does not take a submitter pod template",
                "remove submitter, or use K8sJobMode",
            )
        if value_at(job, (OVERRIDE, "submitterConfig")) is not None:
            yield context.problem(
                (*job_path, OVERRIDE, "submitterConfig"),
                "SidecarMode does not take a submitterConfig",
                "remove spec.submitterConfig, or use K8sJobMode",
                at_key=True,
            )
        # the head's restartPolicy, written in its podTemplate or through the job's spec
        for where in (
            ("cluster", "head", "podTemplate", "spec", "restartPolicy"),
            (OVERRIDE, "rayClusterSpec", "headGroupSpec", "template", "spec", "restartPolicy"),
        ):
            policy = value_at(job, where)
            if policy not in (None, "", "Never"):
                yield context.problem(
                    (*job_path, *where),
                    f"restartPolicy {policy} is not allowed for the head in SidecarMode: the submitter runs beside it",
                    "set restartPolicy: Never or remove it",
                )


@rule(
    "job-deletion",
    "deletionRules exclude shutdownAfterJobFinishes; DeleteCluster and DeleteWorkers not with clusterSelector; "
    "DeleteWorkers not with autoscaling; shutdownAfterJobFinishes not with DeleteNone; onSuccess and onFailure "
    "name a policy; one deletion rule per condition and policy, their ttlSeconds in the order DeleteWorkers, "
    "DeleteCluster, DeleteSelf",
    f"{VALIDATION} (validateDeletionConfiguration, validateDeletionRules)",
    fails="kuberay: {version: 1.6.0}\njobs: [{name: j, entrypoint: python run.py, clusterSelector: {ray.io/cluster: "
    "shared}, deletionStrategy: {onSuccess: {policy: DeleteCluster}, onFailure: {policy: DeleteCluster}}}]",
    passes="kuberay: {version: 1.6.0}\npodSecurity: baseline\nclusters: [{name: shared, head: {cpu: '1'}}]\njobs: "
    "[{name: j, entrypoint: python run.py, clusterSelector: {ray.io/cluster: shared}, deletionStrategy: {onSuccess: "
    "{policy: DeleteNone}, onFailure: {policy: DeleteNone}}}]",
    cases=("operator-deletion-rules",),
)
def job_deletion(context: RuleContext) -> Iterator[Problem]:
    """deletionPolicy (1.3-1.4) and deletionStrategy (1.5+) combinations the operator rejects."""
    for job_path, job in job_items(context.data):
        path = job_path
        autoscaling = autoscaling_enabled(job.get("cluster", {}))
        selector = "clusterSelector" in job
        policy = job.get("deletionPolicy")
        if policy is not None:
            yield from _policy_rules(context, (*path, "deletionPolicy"), policy, selector, autoscaling)
            if job.get("shutdownAfterJobFinishes") and policy == "DeleteNone":  # 1.3 and 1.4
                yield context.problem(
                    (*path, "deletionPolicy"),
                    "shutdownAfterJobFinishes: true contradicts deletionPolicy DeleteNone",
                    "remove one of them",
                )
        strategy = job.get("deletionStrategy")
        if not isinstance(strategy, dict):
            continue
        where = (*path, "deletionStrategy")
        if "deletionRules" in strategy and job.get("shutdownAfterJobFinishes"):
            yield context.problem(
                (*where, "deletionRules"),
                "shutdownAfterJobFinishes and deletionStrategy.deletionRules are mutually exclusive",
                "express the cluster deletion as a deletion rule and remove shutdownAfterJobFinishes",
            )
        yield from _deletion_rules(context, where, strategy.get("deletionRules"), selector, autoscaling)
        for outcome in ("onSuccess", "onFailure"):
            legacy = strategy.get(outcome)
            if isinstance(legacy, dict) and legacy.get("policy") is None:
                # the CRD leaves the policy optional; validateLegacyDeletionPolicies refuses it unset
                yield context.problem(
                    (*where, outcome),
                    f"deletionStrategy.{outcome} needs a policy",
                    "set policy: DeleteCluster, DeleteWorkers, DeleteSelf or DeleteNone",
                )
            if isinstance(legacy, dict) and isinstance(legacy.get("policy"), str):
                yield from _policy_rules(context, (*where, outcome, "policy"), legacy["policy"], selector, autoscaling)
                if job.get("shutdownAfterJobFinishes") and legacy["policy"] == "DeleteNone":
                    # validateLegacyDeletionPolicies
                    yield context.problem(
                        (*where, outcome, "policy"),
                        "shutdownAfterJobFinishes: true contradicts the DeleteNone policy",
                        "remove one of them",
                    )


# validateTTLConsistency: for one condition, the workers go first, then the cluster, then the RayJob itself
DELETION_ORDER = ("DeleteWorkers", "DeleteCluster", "DeleteSelf")


def _deletion_rules(
    context: RuleContext, where: DocPath, rules: Any, selector: bool, autoscaling: bool
) -> Iterator[Problem]:
    """validateDeletionRules: each rule's policy, then, among the rules the operator did not refuse already,
    one rule per (condition, policy) and TTLs that do not decrease along DELETION_ORDER."""
    if not isinstance(rules, list):
        return
    # (condition field, its value) -> policy -> (ttlSeconds, index of the rule)
    by_condition: dict[tuple[str, str], dict[str, tuple[int, int]]] = {}
    for index, deletion_rule in enumerate(rules):
        if not isinstance(deletion_rule, dict) or not isinstance(deletion_rule.get("policy"), str):
            continue
        policy = deletion_rule["policy"]
        refused = list(
            _policy_rules(context, (*where, "deletionRules", index, "policy"), policy, selector, autoscaling)
        )
        yield from refused
        condition = deletion_rule.get("condition")
        if refused or not isinstance(condition, dict):
            continue
        statuses = [field for field in ("jobStatus", "jobDeploymentStatus") if isinstance(condition.get(field), str)]
        ttl = condition.get("ttlSeconds", 0)
        if len(statuses) != 1 or not isinstance(ttl, int):  # the CRD's own rules refuse these
            continue
        key = (statuses[0], condition[statuses[0]])
        policies = by_condition.setdefault(key, {})
        if policy in policies:
            first = policies[policy][1]
            yield context.problem(
                (*where, "deletionRules", index),
                f"a second {policy} rule for {key[0]} {key[1]} (the first is deletionRules[{first}])",
                "keep one rule for each condition and policy",
            )
            continue
        policies[policy] = (ttl, index)
    for (field, status), policies in by_condition.items():
        ordered = [(policy, *policies[policy]) for policy in DELETION_ORDER if policy in policies]
        for (before, before_ttl, _), (policy, ttl, index) in pairwise(ordered):
            if ttl < before_ttl:
                yield context.problem(
                    (*where, "deletionRules", index, "condition", "ttlSeconds"),
                    f"the {policy} rule's ttlSeconds ({ttl}) is below the {before} rule's ({before_ttl}) for "
                    f"{field} {status}",
                    f"the operator deletes in the order {', '.join(DELETION_ORDER)}: give {policy} a ttlSeconds of "
                    f"at least {before_ttl}",
                )


def _policy_rules(
    context: RuleContext, path: tuple[str | int, ...], policy: str, selector: bool, autoscaling: bool
) -> Iterator[Problem]:
    if selector and policy in ("DeleteCluster", "DeleteWorkers"):
        yield context.problem(
            path, f"{policy} is not supported with clusterSelector", "the job does not own that cluster"
        )
    if autoscaling and policy == "DeleteWorkers":
        yield context.problem(
            path,
            "DeleteWorkers does not support a cluster with autoscaling enabled",
            "use DeleteCluster, or disable autoscaling",
        )


@rule(
    "gcs-fault-tolerance",
    "with gcsFaultTolerance, Redis settings come from it alone (no redis-password in rayStartParams, no "
    "REDIS_PASSWORD or RAY_REDIS_ADDRESS env); never redis-username or REDIS_USERNAME; RAY_REDIS_ADDRESS alone "
    "enables fault tolerance implicitly and is rejected",
    f"{VALIDATION} (ValidateRayClusterSpec)",
    fails="clusters: [{name: c, head: {cpu: '1', rayStartParams: {redis-username: ray}}}]",
    passes="clusters: [{name: c, head: {cpu: '1', rayStartParams: {num-cpus: '1'}}}]",
    cases=("operator-gcs-ft",),
)
def gcs_fault_tolerance_settings(context: RuleContext) -> Iterator[Problem]:
    """With gcsFaultTolerance, Redis settings come from it alone (ValidateRayClusterSpec)."""
    defaults = context.data.get("defaults", {})
    for spec_at in context.cluster_specs:
        # only the head pod is checked, as the operator does; its annotations are the owning object's, but a
        # RayCronJob's are not its RayJobs': each RayJob it makes carries a timestamp annotation alone
        # (constructRayJob, raycronjob_controller.go:156-166 at v1.6.0), and ValidateRayCronJobSpec checks
        # the template as a RayJob without annotations (utils/validation.go:718-721 at v1.6.0)
        owner = spec_at.path[:2]
        annotations = {} if owner[0] == "cronJobs" else value_at(context.data, (*owner, "annotations")) or {}
        # fault tolerance is on with gcsFaultTolerance, or with the older annotation (IsGCSFaultToleranceEnabled);
        # the options as rendered: what the item's `spec` writes (its null removes them), else the structured field
        structured = spec_at.spec.get("gcsFaultTolerance")
        managed = rendered_value(context.data, spec_at, ("gcsFaultToleranceOptions",), structured) is not None
        enabled = managed or str(annotations.get(FT_ENABLED_ANNOTATION, "")).lower() == "true"
        for annotation in (FT_ENABLED_ANNOTATION, EXTERNAL_STORAGE_ANNOTATION):
            if managed and annotations.get(annotation):
                yield context.problem(
                    (*owner, "annotations", annotation),
                    f"the {annotation} annotation cannot be set with gcsFaultTolerance",
                    "remove the annotation: gcsFaultTolerance configures GCS fault tolerance "
                    "(externalStorageNamespace is its field)",
                    at_key=True,
                )
        if "head" not in spec_at.spec:
            continue
        path = (*spec_at.path, "head")
        params = ray_start_params(context.data, spec_at, path)
        # the operator tests these two for a value other than "" (validation.go:168 and :192 at v1.7.0), as the
        # model writes them: 0 and false are "0" and "false"
        as_text = {key: ray_start_value(value) for key, (value, _at) in params.items()}
        if as_text.get("redis-username", ""):
            yield context.problem(
                params["redis-username"][1],
                "the operator rejects redis-username in rayStartParams",
                "set the Redis user through gcsFaultTolerance (KubeRay >= 1.3.0)",
                at_key=True,
            )
        if managed and as_text.get("redis-password", ""):
            yield context.problem(
                params["redis-password"][1],
                "redis-password cannot be set in rayStartParams with gcsFaultTolerance",
                "use gcsFaultTolerance.redisPassword (a Secret reference)",
                at_key=True,
            )
        # the head's Ray container environment as rendered (the operator reads that container's alone)
        for name, (_value, written) in ray_container_env(context.data, spec_at, path, defaults).items():
            if name in GCS_FT_ENV and (managed or name == "REDIS_USERNAME"):
                yield context.problem(
                    written,
                    f"{name} cannot be set in the head pod when gcsFaultTolerance manages Redis",
                    GCS_FT_ENV[name],
                )
            elif name == "RAY_REDIS_ADDRESS" and not enabled:
                yield context.problem(
                    written,
                    "RAY_REDIS_ADDRESS enables GCS fault tolerance implicitly, which the operator rejects",
                    "use gcsFaultTolerance: {redisAddress: ...}",
                )


# The embedded GCS store's env and volume, which KubeRay writes itself (utils/constant.go at v1.7.0)
GCS_STORAGE_ENV = ("RAY_gcs_storage", "RAY_gcs_storage_path")
GCS_STORAGE_VOLUME = "gcs-storage"
GCS_STORAGE_MOUNT_PATH = "/data/gcs"
REDIS_ONLY = ("redisAddress", "redisPassword", "externalStorageNamespace")
STORAGE_SIZED = ("size", "storageClassName", "accessModes")


def _redis_user_by_spec(context: RuleContext, spec_at: ClusterSpecAt) -> Iterator[Problem]:
    """gcsFaultToleranceOptions.redisUsername, which no environment field holds, with the rocksdb backend, which
    the structured field or the item's `spec` may choose."""
    written = ("gcsFaultToleranceOptions", "redisUsername")
    if written_by_spec(spec_at, written) is None:
        return
    structured = (spec_at.spec.get("gcsFaultTolerance") or {}).get("backend", "redis")
    if rendered_value(context.data, spec_at, ("gcsFaultToleranceOptions", "backend"), structured) == "rocksdb":
        yield context.problem(
            spec_path(spec_at, written),
            "redisUsername is a setting of the redis backend, not of rocksdb",
            "remove redisUsername",
            at_key=True,
        )


@rule(
    "gcs-backend-settings",
    "gcsFaultTolerance fits its backend: redis needs redisAddress and takes no storage; rocksdb takes no Redis "
    "setting, a storage claimName or a size (not both), and no gcs-storage volume or RAY_gcs_storage env of "
    "its own (1.7.0)",
    f"{VALIDATION} (validateGcsFaultToleranceBackend, lines 329-373 at v1.7.0); redisAddress is not required there "
    "(nor by the 1.7.0 CRD), but without it the head's RAY_REDIS_ADDRESS is empty (common/pod.go:132-136 at v1.7.0) "
    "and may not be set otherwise (validation.go:178-180), so GCS fault tolerance has no Redis",
    fails="kuberay: {version: 1.7.0}\nclusters: [{name: c, head: {cpu: '1'}, gcsFaultTolerance: {backend: redis}}]",
    passes="kuberay: {version: 1.7.0}\nclusters: [{name: c, head: {cpu: '1'}, gcsFaultTolerance: {redisAddress: "
    "'redis:6379'}}]",
    cases=("gcs-backend-settings",),
)
def gcs_backend_settings(context: RuleContext) -> Iterator[Problem]:
    defaults = context.data.get("defaults", {})
    for spec_at in context.cluster_specs:
        yield from _redis_user_by_spec(context, spec_at)
        options = spec_at.spec.get("gcsFaultTolerance")
        if not isinstance(options, dict):
            continue
        path = (*spec_at.path, "gcsFaultTolerance")
        if options.get("backend", "redis") == "redis":
            if "storage" in options:
                yield context.problem(
                    (*path, "storage"),
                    "storage is the volume of the rocksdb backend; the redis backend takes none",
                    "remove storage, or set backend: rocksdb",
                    at_key=True,
                )
            if "redisAddress" not in options:
                # with gcsFaultToleranceOptions the operator refuses RAY_REDIS_ADDRESS in the head pod, so
                # the address can come from nowhere else (pod.go writes RAY_REDIS_ADDRESS from this field)
                yield context.problem(
                    path,
                    "the redis backend needs redisAddress: the operator would start the head with an empty "
                    "RAY_REDIS_ADDRESS",
                    "set redisAddress: HOST:PORT, or backend: rocksdb for the embedded store (KubeRay >= 1.7.0)",
                )
            continue
        for key in REDIS_ONLY:
            if key in options:
                yield context.problem(
                    (*path, key),
                    f"{key} is a setting of the redis backend, not of rocksdb",
                    f"remove {key}",
                    at_key=True,
                )
        storage = options.get("storage") or {}
        if storage.get("claimName") and any(key in storage for key in STORAGE_SIZED):
            yield context.problem(
                (*path, "storage", "claimName"),
                "storage.claimName names an existing claim, so size, storageClassName and accessModes cannot be set",
                "keep claimName alone, or drop it and let KubeRay create the claim",
                at_key=True,
            )
        head = spec_at.spec.get("head", {})
        head_path = (*spec_at.path, "head")
        for name, (_value, written) in ray_container_env(context.data, spec_at, head_path, defaults).items():
            if name in GCS_STORAGE_ENV:
                yield context.problem(
                    written, f"{name} is written by KubeRay for the embedded GCS store", f"remove {name}"
                )
        pod = (head.get("podTemplate") or {}).get("spec") or {}
        volumes = pod.get("volumes") or []
        # an empty or null list of the podTemplate replaces the group's volumes (input/resolve.py)
        group_volumes = {} if "volumes" in pod and not pod["volumes"] else merged_by_name(head, defaults, "volumes")
        # the Ray container's mounts by name or path, and the pod's volumes by name: the group's own (whose mount a
        # podTemplate may have moved) and the podTemplate's
        taken = [
            *(at for name, mount_path, at in ray_container_mounts(context.data, spec_at, head_path, defaults)
              if name == GCS_STORAGE_VOLUME or mount_path == GCS_STORAGE_MOUNT_PATH),
            *(volume.written_at(head_path) for name, volume in group_volumes.items() if name == GCS_STORAGE_VOLUME),
            *((*head_path, "podTemplate", "spec", "volumes", index) for index, volume in enumerate(volumes)
              if isinstance(volume, dict) and volume.get("name") == GCS_STORAGE_VOLUME),
        ]  # fmt: skip
        for at in dict.fromkeys(taken):  # one problem where a volume and its mount are one entry
            yield context.problem(
                at,
                f"the volume {GCS_STORAGE_VOLUME} at {GCS_STORAGE_MOUNT_PATH} is KubeRay's, for the embedded GCS store",
                "use another volume name and mount path",
            )


# How KubeRay < 1.4.0 switched the v2 autoscaler on: the head container's env, spelled as Ray reads it
# (constant.go RAY_ENABLE_AUTOSCALER_V2 = "RAY_enable_autoscaler_v2", v1.4.0 to v1.7.0), whose value the operator
# compares exactly with "1" and "true" (validation.go, validateWorkerGroupIdleTimeout and ValidateRayClusterSpec).
AUTOSCALER_V2_ENV = "RAY_enable_autoscaler_v2"
AUTOSCALER_V2_ON = ("1", "true")


def _head_env(
    context: RuleContext, spec_at: ClusterSpecAt, defaults: dict[str, Any], name: str
) -> tuple[Any, DocPath] | None:
    """The value of the head's Ray container variable `name` as rendered, and where it is written."""
    return ray_container_env(context.data, spec_at, (*spec_at.path, "head"), defaults).get(name)


def _runs_autoscaler_v2(context: RuleContext, spec_at: ClusterSpecAt, defaults: dict[str, Any]) -> bool:
    """Whether the operator takes the cluster for one of autoscaler v2: by its options, by the head's
    RAY_enable_autoscaler_v2 as rendered, or by the options' version the item's `spec` writes, which is merged
    over the rendered options. The operator reads the options' version alone, with or without
    enableInTreeAutoscaling (IsAutoscalingV2Enabled, utils/util.go:749-751 at v1.6.0)."""
    variable = _head_env(context, spec_at, defaults, AUTOSCALER_V2_ENV)
    by_env = variable is not None and variable[0] in AUTOSCALER_V2_ON
    by_spec = written_by_spec(spec_at, ("autoscalerOptions", "version")) == "v2"
    return _autoscaler_v2(spec_at.spec) or by_env or by_spec


def _autoscaler_v2(spec: dict[str, Any]) -> bool:
    """Whether the rendered RayCluster runs autoscaler v2 by its options: autoscalerOptions, which is rendered only
    with the autoscaler on, says version v2 (IsAutoscalingV2Enabled, utils/util.go)."""
    return autoscaling_enabled(spec) and spec.get("autoscaling", {}).get("version") == "v2"


# Since when the operator refuses idleTimeoutSeconds without autoscaler v2 (validation.go:144 at v1.6.0)
IDLE_TIMEOUT_CHECKED_SINCE = "1.6.0"


@rule(
    "worker-idle-timeout",
    "a worker group's idleTimeoutSeconds needs the v2 autoscaler (autoscaling: {enabled: true, version: v2}, or "
    f"{AUTOSCALER_V2_ENV} 1 or true in the head's Ray container): the operator rejects it otherwise from 1.6.0 "
    "(the v1 autoscaler of earlier releases ignores it)",
    f"{VALIDATION} (validateWorkerGroupIdleTimeout, lines 1006-1027 at v1.7.0)",
    fails="kuberay: {version: 1.6.0}\nclusters: [{name: c, autoscaling: {enabled: true}, head: {cpu: '1'}, "
    "workerGroups: [{name: w, idleTimeoutSeconds: 60}]}]",
    passes="kuberay: {version: 1.6.0}\nclusters: [{name: c, autoscaling: {enabled: true, version: v2}, head: {cpu: "
    "'1'}, workerGroups: [{name: w, idleTimeoutSeconds: 60}]}]",
    cases=("worker-idle-timeout",),
)
def worker_idle_timeout(context: RuleContext) -> Iterator[Problem]:
    if not context.since(IDLE_TIMEOUT_CHECKED_SINCE):
        return  # the v1 autoscaler of older releases ignores the field; their operator takes it
    defaults = context.data.get("defaults", {})
    for spec_at in context.cluster_specs:
        if _runs_autoscaler_v2(context, spec_at, defaults):
            continue
        for path, group in worker_groups(spec_at):
            if "idleTimeoutSeconds" in group:
                yield context.problem(
                    (*path, "idleTimeoutSeconds"),
                    "idleTimeoutSeconds is for the v2 autoscaler, which this cluster does not run",
                    "set autoscaling: {enabled: true, version: v2} (KubeRay >= 1.4.0), or remove idleTimeoutSeconds",
                )


@rule(
    "autoscaler-idle-timeout",
    "autoscalerOptions.idleTimeoutSeconds written through the item's spec is not negative, whether or not the "
    "autoscaler runs: the operator checks it whenever autoscalerOptions is set, from 1.6.0 (with the autoscaler on, "
    "the structured field's minimum reports it)",
    f"{VALIDATION} (ValidateRayClusterSpec, lines 231-235 at v1.6.0, 241-244 at v1.7.0)",
    fails="kuberay: {version: 1.6.0}\nclusters: [{name: c, head: {cpu: '1'}, spec: {autoscalerOptions: "
    "{idleTimeoutSeconds: -5}}}]",
    passes="kuberay: {version: 1.6.0}\nclusters: [{name: c, head: {cpu: '1'}, spec: {autoscalerOptions: "
    "{idleTimeoutSeconds: 60}}}]",
    cases=("autoscaler-idle-timeout",),
)
def autoscaler_idle_timeout(context: RuleContext) -> Iterator[Problem]:
    if not context.since(IDLE_TIMEOUT_CHECKED_SINCE):
        return
    for spec_at in context.cluster_specs:
        if autoscaler_rendered(spec_at.spec, spec_at.written):
            continue  # read back as autoscaling.idleTimeoutSeconds, whose minimum says it (final_rules.py)
        timeout = written_by_spec(spec_at, ("autoscalerOptions", "idleTimeoutSeconds"))
        if isinstance(timeout, int) and not isinstance(timeout, bool) and timeout < 0:
            yield context.problem(
                spec_path(spec_at, ("autoscalerOptions", "idleTimeoutSeconds")),
                f"autoscalerOptions.idleTimeoutSeconds {timeout} is negative: the operator refuses the cluster, even "
                "with the autoscaler off",
                "use 0 or more, or remove it",
            )


@rule(
    "worker-group-suspend",
    "a worker group that the item's spec suspends (workerGroupSpecs[].suspend: true) needs the operator feature "
    f"gate {DELETION_GATE} and a cluster without the autoscaler",
    f"{VALIDATION} (ValidateRayClusterSpec, lines 74-89 at v1.3.0, 196-221 at v1.7.0)",
    fails="operator: {install: true, featureGates: {RayJobDeletionPolicy: true}}\nclusters: [{name: c, head: {cpu: "
    "'1'}, autoscaling: {enabled: true}, workerGroups: [{name: w}], spec: {workerGroupSpecs: [{groupName: w, "
    "suspend: true}]}}]",
    passes="operator: {install: true, featureGates: {RayJobDeletionPolicy: true}}\nclusters: [{name: c, head: {cpu: "
    "'1'}, workerGroups: [{name: w}], spec: {workerGroupSpecs: [{groupName: w, suspend: true}]}}]",
    cases=("worker-group-suspend",),
)
def worker_group_suspend(context: RuleContext) -> Iterator[Problem]:
    # no environment field suspends a group: only `spec` writes workerGroupSpecs[].suspend
    gate_on = feature_gate_states(context.release, context.operator.feature_gates).get(DELETION_GATE, False)
    for spec_at in context.cluster_specs:
        written = written_by_spec(spec_at, ("workerGroupSpecs",))
        autoscaled = autoscaler_rendered(spec_at.spec, spec_at.written)
        for index, group in enumerate(written if isinstance(written, list) else []):
            if not isinstance(group, dict) or group.get("suspend") is not True:
                continue
            path = spec_path(spec_at, ("workerGroupSpecs", index, "suspend"))
            if not gate_on:
                yield context.problem(
                    path,
                    f"a worker group can be suspended only with the operator feature gate {DELETION_GATE}, which is "
                    f"off in this environment (KubeRay {context.version})",
                    f"set operator.featureGates.{DELETION_GATE}: true (on the operator that serves this cluster)",
                )
            elif autoscaled:
                yield context.problem(
                    path,
                    "a worker group cannot be suspended in a cluster with the autoscaler",
                    "remove suspend, or turn the autoscaler off",
                )


PRIORITY_RAY_VERSION = (2, 56, 0)  # the first Ray with worker group priorities (validation.go:1119 at v1.7.0)
PRIORITY_SINCE = "1.7.0"


@rule(
    "worker-group-priority",
    "a worker group priority other than 0, which only the item's spec writes (workerGroupSpecs[].priority, "
    "1.7.0), needs rayVersion 2.56.0 or later and autoscaler v2",
    f"{VALIDATION} (validateWorkerGroupPriority, lines 1113-1141 at v1.7.0)",
    cases=("worker-group-priority",),
    fails="kuberay: {version: 1.7.0}\ndefaults: {image: rayproject/ray:2.56.0}\nclusters: [{name: c, rayVersion: "
    "'2.56.0', head: {cpu: '1'}, workerGroups: [{name: w}], spec: {workerGroupSpecs: [{groupName: w, priority: 5}]}}]",
    passes="kuberay: {version: 1.7.0}\ndefaults: {image: rayproject/ray:2.56.0}\nclusters: [{name: c, rayVersion: "
    "'2.56.0', autoscaling: {enabled: true, version: v2}, head: {cpu: '1'}, workerGroups: [{name: w}], spec: "
    "{workerGroupSpecs: [{groupName: w, priority: 5}]}}]",
)
def worker_group_priority(context: RuleContext) -> Iterator[Problem]:
    if not context.since(PRIORITY_SINCE):
        return  # the field is 1.7.0's: for an earlier release, fields-in-release says so
    defaults = context.data.get("defaults", {})
    for spec_at in context.cluster_specs:
        written = written_by_spec(spec_at, ("workerGroupSpecs",))
        prioritized = [
            index
            for index, group in enumerate(written if isinstance(written, list) else [])
            if isinstance(group, dict) and group.get("priority") not in (None, 0)
        ]
        if not prioritized:
            continue
        # none, when the item's `spec` removes it (validation.go:1119-1121)
        text = rendered_value(context.data, spec_at, ("rayVersion",), cluster_ray_version(spec_at.spec, defaults))
        ray = generic_version(text) if text else None
        for index in prioritized:
            path = spec_path(spec_at, ("workerGroupSpecs", index, "priority"))
            if ray is None or compare_versions(ray, PRIORITY_RAY_VERSION) < 0:
                yield context.problem(
                    path,
                    f"a worker group priority needs Ray {dotted(PRIORITY_RAY_VERSION)} or later, and this cluster "
                    f"runs {text or 'no rayVersion'}",
                    f"set rayVersion: {dotted(PRIORITY_RAY_VERSION)} or later, or remove priority",
                )
            elif not _runs_autoscaler_v2(context, spec_at, defaults):
                yield context.problem(
                    path,
                    "a worker group priority needs autoscaler v2, which this cluster does not run",
                    "set autoscaling: {enabled: true, version: v2}, or remove priority",
                )


# Since which release the operator refuses each: both ways to ask for v2 at once (1.4.0), and the env's v2 without
# the autoscaler (1.5.0)
AUTOSCALER_V2_ENV_SINCE = {"both": "1.4.0", "without": "1.5.0"}


@rule(
    "autoscaler-v2-env",
    f"the head's {AUTOSCALER_V2_ENV} is not set beside autoscaling.version (from 1.4.0), nor to 1 or true without "
    "the autoscaler (from 1.5.0)",
    f"{VALIDATION} (ValidateRayClusterSpec, lines 209 and 223 at v1.7.0)",
    fails=f"kuberay: {{version: 1.5.0}}\nclusters: [{{name: c, head: {{cpu: '1', env: [{{name: {AUTOSCALER_V2_ENV}, "
    "value: 'true'}]}}]",
    passes="kuberay: {version: 1.5.0}\nclusters: [{name: c, autoscaling: {enabled: true, version: v2}, head: {cpu: "
    "'1'}}]",
    cases=("autoscaler-v2-env",),
)
def autoscaler_v2_env(context: RuleContext) -> Iterator[Problem]:
    defaults = context.data.get("defaults", {})
    for spec_at in context.cluster_specs:
        variable = _head_env(context, spec_at, defaults, AUTOSCALER_V2_ENV)
        if variable is None:
            continue
        value, at = variable
        # as rendered: enableInTreeAutoscaling and autoscalerOptions.version (rendered only with the autoscaler)
        # as the item's `spec` writes them, else the structured fields
        enabled = autoscaler_rendered(spec_at.spec, spec_at.written)
        structured = spec_at.spec.get("autoscaling", {}).get("version") if autoscaling_enabled(spec_at.spec) else None
        both = (
            enabled and rendered_value(context.data, spec_at, ("autoscalerOptions", "version"), structured) is not None
        )
        without = not enabled and value in AUTOSCALER_V2_ON
        if both and context.since(AUTOSCALER_V2_ENV_SINCE["both"]):
            yield context.problem(
                at,
                f"{AUTOSCALER_V2_ENV} and autoscaling.version both choose the autoscaler's version",
                f"keep autoscaling.version and remove {AUTOSCALER_V2_ENV}",
            )
        elif without and context.since(AUTOSCALER_V2_ENV_SINCE["without"]):
            yield context.problem(
                at,
                f"{AUTOSCALER_V2_ENV} asks for autoscaler v2, but the cluster has no autoscaler",
                "set autoscaling: {enabled: true, version: v2}, or remove the variable",
            )


@rule(
    "autoscaler-v2-restart-policy",
    "autoscaler v2 needs Ray pods with restartPolicy Never or unset (1.4.0)",
    f"{VALIDATION} (ValidateRayClusterSpec)",
    fails="kuberay: {version: 1.4.0}\nclusters: [{name: c, autoscaling: {enabled: true, version: v2}, head: {cpu: "
    "'1', "
    "podTemplate: {spec: {restartPolicy: Always}}}}]",
    passes="kuberay: {version: 1.4.0}\nclusters: [{name: c, autoscaling: {enabled: true, version: v2}, head: {cpu: "
    "'1', "
    "podTemplate: {spec: {restartPolicy: Never}}}}]",
    cases=("operator-autoscaler-v2",),
)
def autoscaler_v2_restart_policy(context: RuleContext) -> Iterator[Problem]:
    """Autoscaler v2 needs Ray pods that are never restarted in place (validation.go, 1.4.0+). Both as rendered:
    the options' version and each pod's restartPolicy, what the item's `spec` writes included (it is merged
    last)."""
    for spec_at in context.cluster_specs:
        # the operator checks this only with the autoscaler on, by the options' version (IsAutoscalingV2Enabled)
        if not autoscaler_rendered(spec_at.spec, spec_at.written):
            continue
        # the options' version as rendered: what `spec` writes there (its null removes it), else the structured one
        options = written_by_spec(spec_at, ("autoscalerOptions",))
        written_version = isinstance(options, dict) and "version" in options
        version = options["version"] if written_version else spec_at.spec.get("autoscaling", {}).get("version")
        if version != "v2":
            continue
        for path, group in groups(spec_at):
            entry, entry_at = written_group(context.data, spec_at, path)
            policy, at = ((group.get("podTemplate") or {}).get("spec") or {}).get("restartPolicy"), (
                *path, "podTemplate", "spec", "restartPolicy",
            )  # fmt: skip
            pod = value_at(entry, ("template", "spec"))
            if isinstance(pod, dict) and "restartPolicy" in pod:  # a null removes it
                policy, at = pod["restartPolicy"], (*entry_at, "template", "spec", "restartPolicy")
            if policy not in (None, "", "Never"):
                yield context.problem(
                    at,
                    f"restartPolicy {policy} is not allowed with autoscaler v2",
                    "set restartPolicy: Never or remove it",
                )


# Since when the operator refuses a stepSizePercent above maxSurgePercent (validation.go:736-737 at v1.7.0; 1.5 and
# 1.6 check each alone, :382-386 at v1.5.0)
STEP_WITHIN_SURGE = "1.7.0"
UPGRADE_STRATEGY_SINCE = "1.6.0"  # RayClusterSpec.upgradeStrategy and ValidateRayClusterUpgradeOptions
# the label by which the operator tells the clusters a RayJob or RayService created (RayOriginatedFromCRDLabelKey,
# read by GetCRDType, utils/util.go:54-65 at v1.6.0)
ORIGINATED_FROM_LABEL = "ray.io/originated-from-crd"


@rule(
    "owned-cluster-upgrade-strategy",
    "the RayCluster a RayJob, RayCronJob or RayService creates has no upgradeStrategy (written through the item's "
    "`spec`), nor a RayCluster labelled ray.io/originated-from-crd RayJob or RayService: the operator refuses it on "
    "a cluster it did not get from the user directly, which it tells by that label",
    f"{VALIDATION} (ValidateRayClusterUpgradeOptions, lines 42-57 at v1.7.0; the field came in 1.6.0)",
    fails="kuberay: {version: 1.6.0}\njobs: [{name: j, entrypoint: python run.py, cluster: {head: {cpu: '1'}}, spec: "
    "{rayClusterSpec: {upgradeStrategy: {type: Recreate}}}}]",
    passes="kuberay: {version: 1.6.0}\nclusters: [{name: c, head: {cpu: '1'}, upgradeStrategy: {type: Recreate}}]",
    cases=("owned-cluster-upgrade-strategy",),
)
def owned_cluster_upgrade_strategy(context: RuleContext) -> Iterator[Problem]:
    if not context.since(UPGRADE_STRATEGY_SINCE):
        return  # no such field before: the CRD schema check names it
    for index, item in enumerate(context.data.get("clusters", [])):
        # a RayCluster of the user's own that says a RayJob or RayService made it: the operator goes by the label
        creator = (item.get("labels") or {}).get(ORIGINATED_FROM_LABEL)
        if creator not in ("RayJob", "RayService"):
            continue
        for written in (("upgradeStrategy", "type"), (OVERRIDE, "upgradeStrategy", "type")):
            if value_at(item, written) is not None:
                yield context.problem(
                    ("clusters", index, *written[:-1]),
                    f"upgradeStrategy cannot be set on a RayCluster labelled {ORIGINATED_FROM_LABEL}: {creator}: the "
                    f"operator takes it for one a {creator} created and refuses it",
                    "remove the label (it is the operator's, for the clusters it creates), or remove upgradeStrategy",
                    at_key=True,
                )
    for section, kind in SECTION_KINDS.items():
        if kind == "RayCluster":
            continue
        at = (OVERRIDE, *CLUSTER_SPEC[kind], "upgradeStrategy")  # the item's `spec` is the object's spec
        for index, item in enumerate(context.data.get(section, [])):
            if value_at(item, (*at, "type")) is not None:  # the operator looks at the type alone
                yield context.problem(
                    (section, index, *at),
                    f"upgradeStrategy cannot be set on the RayCluster a {kind} creates: the operator refuses that "
                    "cluster",
                    "remove it: set the RayService's own upgradeStrategy (services[].upgradeStrategy)"
                    if kind == "RayService"
                    else "remove it: each run of the job gets a cluster of its own",
                    at_key=True,
                )


def incremental_upgrade_on(context: RuleContext, service: dict[str, Any]) -> bool:
    """Whether the operator upgrades a RayService incrementally (IsIncrementalUpgradeEnabled, utils/util.go:742-748
    at v1.5.0): its upgradeStrategy is NewClusterWithIncrementalUpgrade, in a release that has it (rules/versions.py
    reports one that has not), with the RayServiceIncrementalUpgrade gate on (feature-gate says when it is off)."""
    kind = (service.get("upgradeStrategy") or {}).get("type")
    return (
        kind == INCREMENTAL_UPGRADE
        and context.since(RAYSERVICE_UPGRADE_TYPES[kind])
        and bool(feature_gate_states(context.release, context.operator.feature_gates).get(INCREMENTAL_UPGRADE_GATE))
    )


@rule(
    "incremental-upgrade",
    "NewClusterWithIncrementalUpgrade needs the autoscaler and clusterUpgradeOptions with gatewayClassName, "
    "maxSurgePercent and stepSizePercent 0-100, the step at most maxSurgePercent (1.7.0), intervalSeconds > 0, when "
    "the RayServiceIncrementalUpgrade gate is on (feature-gate says when it is off)",
    f"{VALIDATION} (ValidateRayServiceSpec, 1.5.0+: ValidateClusterUpgradeOptions under IsIncrementalUpgradeEnabled)",
    fails="kuberay: {version: 1.7.0}\noperator: {install: true}\nservices: [{name: s, serveConfig: {applications: "
    "[{name: app, import_path: app:app}]}, upgradeStrategy: {type: NewClusterWithIncrementalUpgrade}, cluster: "
    "{head: {cpu: '1'}}}]",
    passes="kuberay: {version: 1.7.0}\noperator: {install: true}\nservices: [{name: s, serveConfig: {applications: "
    "[{name: app, import_path: app:app}]}, upgradeStrategy: {type: NewClusterWithIncrementalUpgrade, "
    "clusterUpgradeOptions: {gatewayClassName: istio, stepSizePercent: 10, intervalSeconds: 30}}, cluster: "
    "{autoscaling: {enabled: true}, head: {cpu: '1'}}}]",
    cases=("operator-incremental-upgrade",),
)
def incremental_upgrade(context: RuleContext) -> Iterator[Problem]:
    """NewClusterWithIncrementalUpgrade needs the autoscaler and its options (ValidateRayServiceSpec, 1.5.0+)."""
    for index, service in enumerate(context.data.get("services", [])):
        if not incremental_upgrade_on(context, service):
            continue
        strategy = service["upgradeStrategy"]
        path = ("services", index, "upgradeStrategy")
        if not autoscaling_enabled(service["cluster"]):
            yield context.problem(
                (*path, "type"),
                "NewClusterWithIncrementalUpgrade needs the Ray autoscaler",
                "set cluster.autoscaling.enabled: true",
            )
        options: Any = strategy.get("clusterUpgradeOptions")
        if not isinstance(options, dict):
            yield context.problem(
                (*path, "type"),
                "NewClusterWithIncrementalUpgrade needs upgradeStrategy.clusterUpgradeOptions",
                "add clusterUpgradeOptions: {gatewayClassName: ..., stepSizePercent: ..., intervalSeconds: ...}",
            )
            continue
        if not options.get("gatewayClassName"):
            yield context.problem(
                (*path, "clusterUpgradeOptions"),
                "incremental upgrades need clusterUpgradeOptions.gatewayClassName",
                "name the Gateway API class that routes the traffic",
                at_key=True,
            )
        step, surge = options.get("stepSizePercent"), options.get("maxSurgePercent", 100)
        if isinstance(surge, int) and not 0 <= surge <= 100:
            yield context.problem(
                (*path, "clusterUpgradeOptions", "maxSurgePercent"),
                "clusterUpgradeOptions.maxSurgePercent must be between 0 and 100",
                "set maxSurgePercent to at most 100",
            )
        if not isinstance(step, int) or not 0 <= step <= 100:
            yield context.problem(
                (*path, "clusterUpgradeOptions"),
                "clusterUpgradeOptions.stepSizePercent must be between 0 and 100",
                "set stepSizePercent",
                at_key=True,
            )
        elif isinstance(surge, int) and step > surge and context.since(STEP_WITHIN_SURGE):
            yield context.problem(
                (*path, "clusterUpgradeOptions", "stepSizePercent"),
                f"stepSizePercent {step} is more than maxSurgePercent {surge}",
                "lower stepSizePercent",
            )
        interval = options.get("intervalSeconds")
        if not isinstance(interval, int) or interval <= 0:
            yield context.problem(
                (*path, "clusterUpgradeOptions"),
                "clusterUpgradeOptions.intervalSeconds must be greater than 0",
                "set intervalSeconds",
                at_key=True,
            )


@rule(
    "gpu-count",
    "`num-gpus` in rayStartParams is not above the container's GPUs (nvidia.com/gpu, amd.com/gpu, a MIG slice: "
    "shorthand, extendedResources or limits): Ray would schedule work onto GPUs the pod does not have. Waive it "
    "where a group advertises logical GPUs on purpose",
    LINT,
    fails="clusters: [{name: c, head: {cpu: '1'}, workerGroups: [{name: w, gpu: 1, rayStartParams: {num-gpus: '4'}}]}]",
    passes="clusters: [{name: c, head: {cpu: '1'}, workerGroups: [{name: w, gpu: 4, rayStartParams: {num-gpus: "
    "'4'}, tolerations: [{key: nvidia.com/gpu, operator: Exists}]}]}]",
    cases=("gpu-ray-start-params",),
)
def gpus_match_ray_start_params(context: RuleContext) -> Iterator[Problem]:
    """num-gpus above the container's GPUs makes Ray schedule work onto GPUs the pod does not have.

    Not an operator rule (the operator does not compare them); a misconfiguration caught here because it
    only shows as tasks failing on a GPU that is not there.
    """
    for spec_at in context.cluster_specs:
        for path, group in groups(spec_at):
            found = ray_start_params(context.data, spec_at, path).get("num-gpus")
            if found is None:
                continue
            declared, at = found
            head = path[-1] == "head"
            written_pod = written_group_pod(spec_at.written, group, head)
            available = container_gpus(group, ray_container(group, head), context.version, written_pod)
            advertised = parse_quantity(str(declared))
            if advertised is not None and available is not None and advertised > available:
                yield context.problem(
                    at,
                    f"num-gpus {declared} is more than the {available} GPU(s) the container has",
                    "set gpu: to the GPUs the pod requests; KubeRay derives num-gpus from it",
                )


# What the operator asks of `authOptions` (validation.go: ValidateRayClusterSpec from 1.5.1, lines 284-313 at
# v1.7.0; ValidateRayJobSpec and ValidateRayServiceSpec from 1.6.0, lines 607 and 682 at v1.7.0): token mode from
# Ray 2.52.0, Kubernetes token auth from Ray 2.55.0, only with token mode, without secretName, and not for a RayJob's
# or RayService's cluster
AUTH_CHECKED_SINCE = "1.5.1"
TOKEN_RAY_VERSION = (2, 52, 0)
K8S_TOKEN_RAY_VERSION = (2, 55, 0)


@rule(
    "auth-options",
    "`auth` (authOptions) as the operator takes it (1.5.1): mode token needs rayVersion 2.52.0 or later; "
    "enableK8sTokenAuth needs mode token, rayVersion 2.55.0 or later, no secretName, and a RayCluster of its own "
    "(not a RayJob's or RayService's)",
    f"{VALIDATION} (ValidateRayClusterSpec, lines 284-313 at v1.7.0; ValidateRayJobSpec and "
    "ValidateRayServiceSpec, K8s token auth mode is currently not supported)",
    fails="kuberay: {version: 1.6.0}\nclusters: [{name: c, rayVersion: 2.46.0, auth: {mode: token}, head: {cpu: '1', "
    "image: 'rayproject/ray:2.46.0'}}]",
    passes="kuberay: {version: 1.6.0}\nclusters: [{name: c, rayVersion: 2.52.0, auth: {mode: token}, head: {cpu: "
    "'1', image: 'rayproject/ray:2.52.0'}}]",
    cases=("auth-options",),
)
def auth_options(context: RuleContext) -> Iterator[Problem]:
    if not context.since(AUTH_CHECKED_SINCE):
        return  # field-in-release says the field is not there
    defaults = context.data.get("defaults", {})
    for spec_at in context.cluster_specs:
        auth = spec_at.spec.get("auth")
        if not isinstance(auth, dict):
            continue
        path = (*spec_at.path, "auth")
        written = cluster_ray_version(spec_at.spec, defaults)
        ray = generic_version(written)
        token = auth.get("mode") == "token"
        k8s = auth.get("enableK8sTokenAuth") is True
        if token and (ray is None or compare_versions(ray, TOKEN_RAY_VERSION) < 0):
            yield context.problem(
                (*path, "mode"),
                f"token authentication needs Ray {dotted(TOKEN_RAY_VERSION)} or later, and this cluster runs "
                f"{written or 'no rayVersion'}",
                f"set rayVersion (and the image) to {dotted(TOKEN_RAY_VERSION)} or later",
            )
        if not k8s:
            continue
        if not token:
            yield context.problem(
                (*path, "enableK8sTokenAuth"),
                "enableK8sTokenAuth needs mode: token",
                "set auth.mode: token",
            )
        elif (
            ray is not None
            and compare_versions(ray, TOKEN_RAY_VERSION) >= 0  # below, the token mode's problem says it all
            and compare_versions(ray, K8S_TOKEN_RAY_VERSION) < 0
        ):
            yield context.problem(
                (*path, "enableK8sTokenAuth"),
                f"Kubernetes token authentication needs Ray {dotted(K8S_TOKEN_RAY_VERSION)} or later, and this "
                f"cluster runs {written}",
                f"set rayVersion (and the image) to {dotted(K8S_TOKEN_RAY_VERSION)} or later",
            )
        if auth.get("secretName"):
            yield context.problem(
                (*path, "secretName"),
                "secretName and enableK8sTokenAuth exclude each other",
                "remove secretName, or enableK8sTokenAuth",
            )
        if spec_at.path[0] != "clusters":
            yield context.problem(
                (*path, "enableK8sTokenAuth"),
                "the operator takes Kubernetes token authentication only for a RayCluster of its own, not for a "
                "RayJob's or RayService's",
                "remove enableK8sTokenAuth, or run the workload on a RayCluster of the clusters section",
            )


# Since when the operator refuses a group whose rayStartParams set resources beside its `resources` map
# (rayResources here), or set `labels` at all (validateRayGroupResources and validateRayGroupLabels, validation.go:
# 40-70 at v1.5.0)
GROUP_PARAMS_CHECKED_SINCE = "1.5.0"
RESOURCE_PARAMS = ("num-cpus", "num-gpus", "memory", "resources")


@rule(
    "ray-group-params",
    "a group's rayStartParams set no resources (num-cpus, num-gpus, memory, resources) beside rayResources, and no "
    "labels, for which rayLabels is the field, whose values are label values (1.5.0)",
    f"{VALIDATION} (validateRayGroupResources, validateRayGroupLabels)",
    fails="kuberay: {version: 1.5.0}\nclusters: [{name: c, head: {cpu: '1', rayStartParams: {num-cpus: '0'}, "
    "rayResources: {TPU: '4'}}}]",
    passes="kuberay: {version: 1.5.0}\nclusters: [{name: c, head: {cpu: '1', rayResources: {CPU: '0', TPU: '4'}}}]",
    cases=("ray-group-params",),
)
def ray_group_params(context: RuleContext) -> Iterator[Problem]:
    if not context.since(GROUP_PARAMS_CHECKED_SINCE):
        return
    for spec_at in context.cluster_specs:
        for path, group in groups(spec_at):
            params = ray_start_params(context.data, spec_at, path)
            if "labels" in params:
                yield context.problem(
                    params["labels"][1],
                    "rayStartParams.labels is refused by the operator",
                    "write the labels under rayLabels",
                    at_key=True,
                )
            # the keys are qualified names (the schema's propertyNames); each value a label value
            for key, value in (group.get("rayLabels") or {}).items():
                # the operator asks a label value of each (validation.IsValidLabelValue)
                if not is_label_value(value):
                    yield context.problem(
                        (*path, "rayLabels", key),
                        f"{value!r} is not a label value: at most {LABEL_VALUE_MAX} letters, digits, '-', '_' or "
                        "'.', starting and ending with a letter or digit",
                        "write the value as a label value, e.g. us-east-1a",
                    )
            # the operator tests each for a value other than "" (validation.go:40-70 at v1.5.0), as the model writes
            # them: 0 and false are "0" and "false"
            set_here = [name for name in RESOURCE_PARAMS if name in params and ray_start_value(params[name][0]) != ""]
            entry = written_group(context.data, spec_at, path)[0]
            if set_here and group_mapping(group, "rayResources", entry, "resources"):
                yield context.problem(
                    params[set_here[0]][1],
                    f"rayStartParams.{set_here[0]} and rayResources both give the group's Ray resources",
                    "use one of the two: rayResources takes CPU, GPU and memory too",
                    at_key=True,
                )
