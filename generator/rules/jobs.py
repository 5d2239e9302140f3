"""RayJob rules: where the job runs and what it runs."""

from __future__ import annotations

import difflib
import json
import re
import zoneinfo
from collections.abc import Iterator
from typing import Any

from generator.checks import KUBERAY_VALIDATION as VALIDATION
from generator.checks import LINT
from generator.errors import DocPath, Problem
from generator.model.build import (
    NOT_PASSED,
    passed_through,
    pod_security_level,
    submitter_container,
    writes_submitter,
    written_job_spec_at,
)
from generator.model.fields import JOB_SPEC_AT, KIND_SECTIONS, OVERRIDE, SECTION_KINDS
from generator.model.types import Operator
from generator.rules.context import RuleContext, job_items, submission_mode, submitter_pod_jobs, written_job
from generator.rules.go_duration import go_atoi, go_duration
from generator.rules.go_yaml import map_reading_problem
from generator.rules.objects import may_be_patched
from generator.rules.rule import rule
from generator.source import value_at

JOB = "{name: j, entrypoint: python run.py, cluster: {head: {cpu: '1'}}}"


# The label by which a RayJob's clusterSelector names its RayCluster: KubeRay takes the cluster's name from it
# (rayjob_controller.go:715-723 at v1.3.0, RayJobDefaultClusterSelectorKey), and refuses a selector without it from
# 1.5.0 ("cluster name in ClusterSelector should not be empty", validation.go:567-571 at v1.7.0)
CLUSTER_SELECTOR_KEY = "ray.io/cluster"


@rule(
    "job-cluster-or-selector",
    "a job has `cluster` (its own RayCluster) or `clusterSelector` (a running one); a clusterSelector names the "
    f"cluster by {CLUSTER_SELECTOR_KEY}",
    f"{VALIDATION} (ValidateRayJobSpec: one of RayClusterSpec or ClusterSelector must be set; cluster name in "
    "ClusterSelector should not be empty), rayjob_controller.go (the cluster's name from ray.io/cluster)",
    fails="jobs: [{name: j, entrypoint: python run.py}]",
    passes=f"jobs: [{JOB}]",
    cases=("job-cluster-and-selector", "job-without-cluster"),
)
def cluster_or_selector(context: RuleContext) -> Iterator[Problem]:
    for job_path, job in job_items(context.data):
        path = job_path
        selector = job.get("clusterSelector")  # an empty one is none, for the operator too (len != 0)
        if isinstance(selector, dict) and selector and not selector.get(CLUSTER_SELECTOR_KEY):
            yield context.problem(
                (*path, "clusterSelector"),
                f"clusterSelector has no {CLUSTER_SELECTOR_KEY}: KubeRay finds the running cluster by that label alone",
                f"add {CLUSTER_SELECTOR_KEY}: NAME, the name of the RayCluster to run on",
            )
        if "cluster" not in job and not selector:
            yield context.problem(
                path,
                f"job '{job['name']}' needs cluster or clusterSelector",
                "add cluster: {head: ..., workerGroups: [...]}",
                at_key=True,
            )


@rule(
    "selected-cluster",
    "a job's clusterSelector names a RayCluster of the environment: KubeRay looks for the cluster of that name in "
    "the job's namespace, which the environment owns, and holds the job until one exists (a warning: a cluster "
    "made another way is found too; waive it then). A name a JSON patch gives a RayCluster counts; a job whose "
    "selector a patch may write is left alone",
    LINT,
    fails="clusters: [{name: shared, head: {cpu: '1'}}]\njobs: [{name: j, entrypoint: python run.py, "
    "clusterSelector: {ray.io/cluster: sharde}}]",
    passes="podSecurity: baseline\nclusters: [{name: shared, head: {cpu: '1'}}]\njobs: [{name: j, entrypoint: "
    "python run.py, clusterSelector: {ray.io/cluster: shared}}]",
    cases=("selected-cluster",),
    severity="warning",
)
def selected_cluster_exists(context: RuleContext) -> Iterator[Problem]:
    """getOrCreateRayClusterInstance (rayjob_controller.go:947-961 at v1.7.0, 766-772 at v1.3.0): the job's
    namespace and the name its selector gives (904-909 at v1.7.0); not found, the reconcile fails and is retried."""
    patches = [entry for entry in context.data.get("patches", []) if isinstance(entry, dict)]
    # the clusters' names, and the names a JSON patch may give a RayCluster (kustomize renames it as it builds)
    clusters = [str(item["name"]) for item in context.data.get("clusters", [])]
    clusters += [str(value) for value in _patched_values(patches, ("RayCluster",), "/metadata/name")]
    # the patches that may write a selector, and so select another cluster than the one written
    reselecting = [
        entry
        for entry in patches
        if _writes(entry, ("RayJob", "RayCronJob"), ("/spec/clusterSelector", "/spec/jobTemplate/clusterSelector"))
    ]
    namespace = context.data["target"]["namespace"]
    for job_path, job in job_items(context.data):
        item = context.data[str(job_path[0])][int(job_path[1])]
        written = {
            "apiVersion": "ray.io/v1",
            "kind": SECTION_KINDS[str(job_path[0])],
            "metadata": {"name": item["name"]},
        }
        if may_be_patched(written, reselecting):
            continue  # what kustomize builds is not what is written
        # the selector as rendered: the `spec` merges into the structured one, a null removing it
        selector = job.get("clusterSelector")
        name, at = value_at(selector, (CLUSTER_SELECTOR_KEY,)), (*job_path, "clusterSelector")
        written_spec = written_job(context.data, job_path)
        written = written_spec.get("clusterSelector", {}) if isinstance(written_spec, dict) else {}
        if written is None:
            continue
        if isinstance(written, dict) and CLUSTER_SELECTOR_KEY in written:
            kind = SECTION_KINDS[str(job_path[0])]
            name, at = written[CLUSTER_SELECTOR_KEY], (*job_path[:2], *written_job_spec_at(kind), "clusterSelector")
        if not isinstance(name, str) or not name or name in clusters:
            continue
        close = difflib.get_close_matches(name, clusters, n=1)
        yield context.problem(
            (*at, CLUSTER_SELECTOR_KEY),
            f"clusterSelector names RayCluster '{name}', which this environment does not render: KubeRay holds the "
            f"job until a RayCluster of that name exists in namespace {namespace}",
            f"did you mean '{close[0]}'?"
            if close
            else "name a cluster of clusters[], or waive this lint where the cluster is made another way",
        )


def _patched_values(patches: list[dict[str, Any]], kinds: tuple[str, ...], path: str) -> Iterator[Any]:
    """The values that JSON patches whose target may be of `kinds` add or replace at `path`."""
    for entry in patches:
        target, body = entry.get("target") or {}, entry.get("patch")
        if isinstance(body, list) and target.get("kind", kinds[0]) in kinds:
            for operation in body:
                if (
                    isinstance(operation, dict)
                    and operation.get("op") in ("add", "replace")
                    and operation.get("path") == path
                ):
                    yield operation.get("value")


def _writes(entry: dict[str, Any], kinds: tuple[str, ...], paths: tuple[str, ...]) -> bool:
    """Whether a `patches` entry may write at or under one of `paths` of an object of `kinds`: a JSON patch by its
    operations' paths, a strategic-merge patch by its body."""
    target, body = entry.get("target") or {}, entry.get("patch")
    if isinstance(body, list):
        return target.get("kind", kinds[0]) in kinds and any(
            isinstance(operation, dict) and str(operation.get("path", "")).startswith(paths) for operation in body
        )
    if not isinstance(body, dict) or body.get("kind", target.get("kind")) not in kinds:
        return False
    return any(value_at(body, tuple(path.strip("/").split("/"))) is not None for path in paths)


@rule(
    "job-cluster-ignored",
    "a job with both `cluster` and `clusterSelector`: KubeRay runs it on the selected cluster and never creates the "
    "job's own",
    "ValidateRayJobSpec takes both (validation.go:560-576 at v1.7.0); the controller goes by the selector whenever "
    "it is set (rayjob_controller.go:666 and 956 at v1.7.0, 718 and 770 at v1.3.0)",
    fails=f"jobs: [{{name: j, entrypoint: python run.py, cluster: {{head: {{cpu: '1'}}}}, clusterSelector: "
    f"{{{CLUSTER_SELECTOR_KEY}: shared}}}}]",
    passes="podSecurity: baseline\nclusters: [{name: shared, head: {cpu: '1'}}]\njobs: [{name: j, entrypoint: "
    f"python run.py, clusterSelector: {{{CLUSTER_SELECTOR_KEY}: shared}}}}]",
    cases=("job-cluster-ignored",),
    severity="warning",
)
def cluster_ignored(context: RuleContext) -> Iterator[Problem]:
    for job_path, job in job_items(context.data):
        if "cluster" in job and job.get("clusterSelector"):
            yield context.problem(
                (*job_path, "cluster"),
                f"job '{job['name']}' sets clusterSelector too: KubeRay runs it on the selected cluster, and this "
                "cluster is never created",
                "remove cluster to reuse the selected cluster, or clusterSelector to create this one for the job",
                at_key=True,
            )


# the restart policies a Job's pod template may have: the API server's validation of batch/v1 Jobs
# (kubernetes pkg/apis/batch/validation/validation.go) refuses the others, Always included, which is also what it
# defaults an unset one to
JOB_RESTART_POLICIES = ("Never", "OnFailure")


@rule(
    "submitter-restart-policy",
    "in K8sJobMode, the submitter pod template's restartPolicy is Never or OnFailure: written in "
    "submitter.podTemplate or through the job's spec, not removed with null, and set in a submitterPodTemplate that "
    "the job's spec writes alone (the generator's own has Never)",
    "KubeRay creates the submitter Job from the template as it is (GetSubmitterTemplate, common/job.go:215-219 "
    "at v1.7.0; rayjob_controller.go:491-497 at v1.3.0); the API server's Job validation "
    "(kubernetes pkg/apis/batch/validation/validation.go) takes no other restartPolicy, so the job never runs",
    fails="jobs: [{name: j, entrypoint: python run.py, cluster: {head: {cpu: '1'}}, submitter: {podTemplate: "
    "{spec: {restartPolicy: Always}}}}]",
    passes="jobs: [{name: j, entrypoint: python run.py, cluster: {head: {cpu: '1'}}, submitter: {podTemplate: "
    "{spec: {restartPolicy: OnFailure}}}}]",
    cases=("submitter-restart-policy",),
)
def submitter_restart_policy(context: RuleContext) -> Iterator[Problem]:
    for job_path, job in submitter_pod_jobs(context.data):
        template: DocPath = (OVERRIDE, "submitterPodTemplate")
        places: tuple[DocPath, ...] = (
            ("submitter", "podTemplate", "spec", "restartPolicy"),
            (*template, "spec", "restartPolicy"),
        )
        found: tuple[DocPath, Any] | None = None  # the last place that writes it: the spec is merged last
        for where in places:
            parent = value_at(job, where[:-1])
            if isinstance(parent, dict) and "restartPolicy" in parent:
                found = where, parent["restartPolicy"]
        if found is None:
            # the rendered template has Never when the generator writes one; the spec's alone has what it says
            if not isinstance(value_at(job, template), dict) or writes_submitter(job, pod_security_level(context.data)):
                continue
            found = template, None
        where, policy = found
        if policy in JOB_RESTART_POLICIES:
            continue
        unset = "unset (the API server then sets Always)"
        yield context.problem(
            (*job_path, *where),
            f"the submitter's restartPolicy is {unset if policy is None else policy}: the API server refuses a "
            "Job whose pods have any but Never or OnFailure, so the submitter Job is never created and the job never "
            "runs",
            f"{'add restartPolicy: Never to its spec' if where == template else 'set restartPolicy: Never'} (KubeRay "
            "retries by creating a new Job, up to backoffLimit)",
            at_key=where == template,
        )


@rule(
    "job-entrypoint",
    "`entrypoint` is set, except in InteractiveMode, where `ray job submit` gives it, and in K8sJobMode with a "
    "submitter container that runs its own command (KubeRay then adds no `ray job submit`)",
    "KubeRay: the default submitter runs `ray job submit -- <entrypoint>` (common/job.go, GetK8sJobCommand), a "
    "given submitter command is kept (rayjob_controller.go:642-646 at v1.7.0); the v1 CRD requires no entrypoint",
    fails="jobs: [{name: j, cluster: {head: {cpu: '1'}}}]",
    passes=f"jobs: [{JOB}]",
    cases=("job-without-entrypoint",),
)
def entrypoint_unless_interactive(context: RuleContext) -> Iterator[Problem]:
    """Only InteractiveMode lets the user submit the entrypoint later (ray-operator validation.go)."""
    for job_path, job in job_items(context.data):
        mode = submission_mode(context.data, job_path, job)
        written = written_job(context.data, job_path)
        generated = writes_submitter(job, pod_security_level(context.data))
        if mode == "K8sJobMode" and submitter_runs_own_command(job, written, generated=generated):
            continue  # a light-weight submitter: its command submits the job (the v1 CRD needs no entrypoint)
        # the entrypoint written through the item's `spec` counts too
        has_entrypoint = "entrypoint" in job or value_at(written, ("entrypoint",)) is not None
        if mode != "InteractiveMode" and not has_entrypoint:
            yield context.problem(
                job_path,
                f"job '{job['name']}' needs an entrypoint",
                "add entrypoint: python script.py (only InteractiveMode runs without one)",
                at_key=True,
            )


@rule(
    "interactive-entrypoint",
    "a job in InteractiveMode has no entrypoint: the operator creates the cluster and waits for `ray job submit`, "
    "which gives the entrypoint, so one written here is never run (a warning: neither the operator nor the CRD "
    "refuses it)",
    LINT,
    fails="jobs: [{name: j, submissionMode: InteractiveMode, entrypoint: python run.py, cluster: {head: {cpu: '1'}}}]",
    passes="jobs: [{name: j, submissionMode: InteractiveMode, cluster: {head: {cpu: '1'}}}]",
    cases=("interactive-entrypoint",),
    severity="warning",
)
def interactive_entrypoint(context: RuleContext) -> Iterator[Problem]:
    """rayjob_controller.go:225-228 at v1.7.0: in InteractiveMode the RayJob waits, and no submitter runs."""
    for job_path, job in job_items(context.data):
        if submission_mode(context.data, job_path, job) != "InteractiveMode":
            continue
        if "entrypoint" in job or value_at(written_job(context.data, job_path), ("entrypoint",)) is not None:
            yield context.problem(
                (*job_path, "entrypoint"),
                "InteractiveMode takes the entrypoint from `ray job submit`: this one is never run",
                "remove entrypoint, or choose another submissionMode",
            )


def submitter_runs_own_command(job: dict[str, Any], written: Any, *, generated: bool) -> bool:
    """The submitter's container (the first of its pod: ours, with its podTemplate's and then the
    submitterPodTemplate's that the item's `spec` writes merged in by name; `written` is the RayJob spec that
    `spec` writes) sets a command, which KubeRay keeps instead of `ray job submit`. Where the generator writes
    no submitter pod (`generated`), the one `spec` writes is the whole pod, and KubeRay runs its first
    container (common/job.go GetSubmitterTemplate, line 215, and rayjob_controller.go:589-591 at v1.7.0)."""
    written_pod = value_at(written, ("submitterPodTemplate", "spec"))
    submitter = job.get("submitter", {})
    command = passed_through(submitter, submitter_container(job), "command", written_pod, generated=generated)
    return command is not NOT_PASSED and bool(command)


ENGINE_NAMES = {"argocd": "Argo CD", "flux": "Flux", "both": "Argo CD and Flux"}
SELF_DELETE_ENV = "DELETE_RAYJOB_CR_AFTER_JOB_FINISHES"
SELF_DELETE_HINT = (
    "under GitOps use DeleteCluster or DeleteWorkers (the RayJob object stays), or run one-off jobs outside "
    "automated sync (docs/gitops.md, 'One-off jobs')"
)
PATCH_HINT = f"{SELF_DELETE_HINT}; a policy set in jobs[].deletionStrategy, not in a patch, can be waived there"


@rule(
    "self-deleting-job",
    "a RayJob does not delete itself (DeleteSelf, or shutdownAfterJobFinishes under an operator with "
    "DELETE_RAYJOB_CR_AFTER_JOB_FINISHES=true): Argo CD or Flux would recreate it and run it again, forever. "
    "Waive it for a job that runs outside automated sync",
    LINT,
    fails="kuberay: {version: 1.6.0}\njobs: [{name: j, entrypoint: python run.py, cluster: {head: {cpu: '1'}}, "
    "deletionStrategy: {onSuccess: {policy: DeleteSelf}, onFailure: {policy: DeleteCluster}}}]",
    passes="kuberay: {version: 1.6.0}\njobs: [{name: j, entrypoint: python run.py, cluster: {head: {cpu: '1'}}, "
    "deletionStrategy: {onSuccess: {policy: DeleteCluster}, onFailure: {policy: DeleteCluster}}}]",
    cases=("self-deleting-jobs", "self-deleting-policy", "self-deleting-patch"),
)
def no_self_deleting_jobs(context: RuleContext) -> Iterator[Problem]:
    """A RayJob that deletes itself is recreated by an automated sync, and so runs again, forever."""
    engine = ENGINE_NAMES[context.gitops.engine]
    yield from _patched_self_deletion(context, engine)
    for job_path, job in job_items(context.data):
        path = job_path
        for where in _self_deleting_policies(job):
            yield context.problem(
                (*path, *where),
                f"job '{job['name']}' deletes its own RayJob; {engine} would recreate it and run it again",
                SELF_DELETE_HINT,
            )
        if job.get("shutdownAfterJobFinishes") and _operator_deletes_jobs(context):
            yield context.problem(
                (*path, "shutdownAfterJobFinishes"),
                f"the operator runs with {SELF_DELETE_ENV}=true, so this RayJob deletes itself when it finishes; "
                f"{engine} would recreate it and run it again",
                f"remove {SELF_DELETE_ENV} from the operator, or {SELF_DELETE_HINT}",
            )


def _patched_self_deletion(context: RuleContext, engine: str) -> Iterator[Problem]:
    """`patches` reach the RayJobs too: a DeleteSelf written there would get past the check of jobs[]."""
    for index, item in enumerate(context.data.get("patches", [])):
        patch, target = item.get("patch"), item.get("target") or {}
        if isinstance(patch, dict) and (patch.get("kind") or target.get("kind")) == "RayJob":
            name = (patch.get("metadata") or {}).get("name") or target.get("name") or "?"
            for where in _self_deleting_policies(patch.get("spec") or {}):
                yield context.problem(
                    ("patches", index, "patch", "spec", *where),
                    f"this patch makes RayJob {name} delete itself; {engine} would recreate it and run it again",
                    PATCH_HINT,
                )
        elif isinstance(patch, list) and target.get("kind") == "RayJob":
            for op_index, operation in enumerate(patch):
                if (
                    isinstance(operation, dict)
                    and str(operation.get("path", "")).startswith("/spec/deletion")
                    and "DeleteSelf" in json.dumps(operation.get("value"))
                ):
                    yield context.problem(
                        ("patches", index, "patch", op_index, "value"),
                        f"this patch makes RayJob {target.get('name', '?')} delete itself; {engine} would recreate it "
                        "and run it again",
                        PATCH_HINT,
                    )


def _self_deleting_policies(job: dict[str, Any]) -> Iterator[tuple[str | int, ...]]:
    if job.get("deletionPolicy") == "DeleteSelf":
        yield ("deletionPolicy",)
    strategy = job.get("deletionStrategy")
    if not isinstance(strategy, dict):
        return
    for outcome in ("onSuccess", "onFailure"):
        if isinstance(strategy.get(outcome), dict) and strategy[outcome].get("policy") == "DeleteSelf":
            yield ("deletionStrategy", outcome, "policy")
    for index, deletion_rule in enumerate(strategy.get("deletionRules") or []):
        if isinstance(deletion_rule, dict) and deletion_rule.get("policy") == "DeleteSelf":
            yield ("deletionStrategy", "deletionRules", index, "policy")


def _operator_deletes_jobs(context: RuleContext) -> bool:
    """Whether this environment's own operator deletes finished RayJobs (rules/cross.py covers shared ones)."""
    return context.operator.install and operator_deletes_jobs(context.operator)


def operator_deletes_jobs(operator: Operator) -> bool:
    variables = operator.env
    return any(
        isinstance(variable, dict)
        and variable.get("name") == SELF_DELETE_ENV
        and str(variable.get("value", "")).lower() == "true"
        for variable in variables
    )


# A standard cron schedule as robfig/cron's ParseStandard reads it (the operator's parser, parser.go): five
# fields, each a list of `*`, `?`, a value or a range, with an optional /step, values in the field's bounds
# (months and weekdays also by name); or a descriptor.
CRON_DESCRIPTORS = re.compile(r"@(yearly|annually|monthly|weekly|daily|midnight|hourly)")
# "@every " and a duration as Go's time.ParseDuration reads it (robfig/cron v3 parser.go, parseDescriptor)
CRON_EVERY = "@every "
# time.LoadLocation takes these two names besides the IANA database's (Go's time/zoneinfo.go)
GO_ZONE_NAMES = ("UTC", "Local")
MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
WEEKDAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
CRON_FIELDS = (  # name, low, high, names (the first name is low)
    ("minute", 0, 59, ()),
    ("hour", 0, 23, ()),
    ("day of month", 1, 31, ()),
    ("month", 1, 12, MONTHS),
    ("day of week", 0, 6, WEEKDAYS),
)
# KubeRay 1.7.0 refuses a TZ= or CRON_TZ= prefix (timeZone came with it); 1.6 passes it to the parser
TZ_PREFIX_REFUSED_SINCE = "1.7.0"


@rule(
    "cron-schedule",
    "a RayCronJob's schedule is a standard cron schedule (five fields in their bounds, ranges in order, or a "
    "descriptor such as @daily or @every with a Go duration), without a TZ= prefix from 1.7.0 on, and its "
    "timeZone an IANA time zone, UTC or Local",
    f"{VALIDATION} (ValidateRayCronJobSpec, v1.6.0 and v1.7.0; robfig/cron ParseStandard)",
    fails="kuberay: {version: 1.6.0}\noperator: {install: true, featureGates: {RayCronJob: true}}\ncronJobs: [{name: "
    "nightly, schedule: '0 25 * * *', job: {entrypoint: python run.py, cluster: {head: {cpu: '1'}}}}]",
    passes="kuberay: {version: 1.6.0}\noperator: {install: true, featureGates: {RayCronJob: true}}\ncronJobs: [{name: "
    "nightly, schedule: '0 2 * * *', job: {entrypoint: python run.py, cluster: {head: {cpu: '1'}}}}]",
    cases=("cron-schedule",),
)
def cron_schedule(context: RuleContext) -> Iterator[Problem]:
    refuses_tz = context.since(TZ_PREFIX_REFUSED_SINCE)
    for index, cron in enumerate(context.data.get("cronJobs", [])):
        # robfig/cron's Parser.Parse trims the schedule only after a TZ= prefix: " @daily" is one field
        schedule = str(cron["schedule"])
        path = ("cronJobs", index, "schedule")
        prefix, _, rest = schedule.partition(" ") if schedule.startswith(("TZ=", "CRON_TZ=")) else ("", "", schedule)
        rest = rest.strip() if prefix else rest
        if refuses_tz and "TZ" in schedule:  # ValidateRayCronJobSpec at 1.7.0: strings.Contains(schedule, "TZ")
            yield context.problem(path, "the schedule names a time zone, which the operator rejects", "use timeZone")
            continue
        # an empty zone is UTC to Go's time.LoadLocation, which robfig/cron calls on the prefix
        if prefix and prefix.partition("=")[2] and not _known_zone(prefix.partition("=")[2]):
            yield context.problem(path, f"{prefix} names no time zone of the IANA database", "write e.g. TZ=Etc/UTC")
            continue
        wrong = _cron_error(rest)
        if wrong is not None:
            yield context.problem(
                path,
                f"{schedule!r} is not a cron schedule: {wrong}",
                "write @every and a duration, e.g. '@every 1h30m'"
                if rest.startswith(CRON_EVERY)
                else "write five fields (minute hour day-of-month month day-of-week, e.g. '0 2 * * *') or @daily, "
                "@hourly",
            )
        zone = cron.get("timeZone")
        if zone is not None and not _known_zone(str(zone)):
            yield context.problem(
                ("cronJobs", index, "timeZone"),
                f"{zone} is not a time zone of the IANA database",
                "write e.g. Etc/UTC or Europe/Berlin, or leave timeZone out for the operator's local time",
            )


def _cron_error(schedule: str) -> str | None:
    """What is wrong with a schedule, or None."""
    if CRON_DESCRIPTORS.fullmatch(schedule):
        return None
    if schedule.startswith(CRON_EVERY):
        duration = schedule.removeprefix(CRON_EVERY)
        return None if go_duration(duration) is not None else f"{duration!r} is not a duration such as 90m or 1h30m"
    fields = schedule.split()
    if len(fields) != len(CRON_FIELDS):
        return f"{len(fields)} fields, not 5"
    for text, (name, low, high, names) in zip(fields, CRON_FIELDS, strict=True):
        # robfig/cron splits a field with strings.FieldsFunc, which drops empty items ("1,,2")
        for term in filter(None, text.split(",")):
            wrong = _cron_term_error(term, low, high, names)
            if wrong is not None:
                return f"the {name} {term!r} {wrong}"
    return None


def _cron_term_error(term: str, low: int, high: int, names: tuple[str, ...]) -> str | None:
    """What robfig/cron v3.0.1's getRange (parser.go) refuses in one term of a field, said of the term, or None.
    After a `*` or `?`
    it reads no bound (`*-5` is `*`); a number is Go's strconv.Atoi (`+5` is 5), a name any case of one."""
    range_and_step = term.split("/")
    low_and_high = range_and_step[0].split("-")
    if len(range_and_step) > 2:
        return "has more than one /"
    if low_and_high[0] in ("*", "?"):
        start, end = low, high
    elif len(low_and_high) > 2:
        return "has more than one -"
    else:
        first, last = _cron_number(low_and_high[0], low, names), _cron_number(low_and_high[-1], low, names)
        if first is None or last is None:
            return "is not a value, range or step"
        start, end = first, last
    if len(range_and_step) == 2:
        step = go_atoi(range_and_step[1])
        if step is None or step < 0:
            return "has a step that is no number"
        if step == 0:
            return "has a step of 0"
        if len(low_and_high) == 1:  # "N/step" is "N-max/step"
            end = high
    if start < low or end > high:
        return f"is not in {low}-{high}"
    if start > end:
        return "ends before it starts"
    return None


def _cron_number(text: str, low: int, names: tuple[str, ...]) -> int | None:
    """parseIntOrName: a name of the field, in any case, else a number that is not negative."""
    if text.lower() in names:
        return names.index(text.lower()) + low
    number = go_atoi(text)
    return number if number is not None and number >= 0 else None


def _known_zone(zone: str) -> bool:
    """Known to Python's zoneinfo (the operator's Go binary embeds the same IANA database); where this
    machine has no database at all, any name passes."""
    available = zoneinfo.available_timezones()
    return not available or zone in available or zone in GO_ZONE_NAMES


@rule(
    "job-runtime-env-yaml",
    "runtimeEnvYAML written through the item's spec reads as a YAML mapping (or nothing), as the operator reads it",
    f"{VALIDATION} (ValidateRayJobSpec: UnmarshalRuntimeEnvYAML, lines 117-125 at v1.3.0, 616-619 at v1.7.0; "
    "k8s.io/apimachinery util/yaml into a map)",
    fails="jobs: [{name: j, entrypoint: python run.py, cluster: {head: {cpu: '1'}}, spec: {runtimeEnvYAML: '- pip'}}]",
    passes="jobs: [{name: j, entrypoint: python run.py, cluster: {head: {cpu: '1'}}, spec: {runtimeEnvYAML: "
    "'pip: [requests]'}}]",
    cases=("job-runtime-env-yaml",),
)
def runtime_env_yaml(context: RuleContext) -> Iterator[Problem]:
    # the structured runtimeEnv is written as a mapping; only `spec` can write other text, where the kind keeps
    # its RayJob spec (a RayCronJob's jobTemplate)
    for kind, (_, job_spec) in JOB_SPEC_AT.items():
        section = KIND_SECTIONS[kind]
        for index in range(len(context.data.get(section, []))):
            path: DocPath = (section, index, OVERRIDE, *job_spec.split(".")[1:], "runtimeEnvYAML")
            text = value_at(context.data, path)
            wrong = map_reading_problem(text) if isinstance(text, str) else None
            if wrong is not None:
                yield context.problem(path, f"the operator cannot read runtimeEnvYAML: {wrong}", RUNTIME_ENV_HINT)


RUNTIME_ENV_HINT = "write the item's runtimeEnv as fields instead (pip, env_vars, working_dir, ...)"


# A RayJob's spec.metadata reaches `ray job submit --metadata-json`, which Ray has from 2.6.0: the operator checks
# the cluster's rayVersion with Masterminds semver (">= 2.6.0"), and before 1.7.0 it needs one (an empty one "failed
# to parse"; GetMetadataJson, common/job.go:64-82 at v1.6.0), and cannot pass metadata to a selected cluster: 1.3 and
# 1.4 read the nil cluster spec (job.go:94-95 at v1.4.0), 1.5 and 1.6 leave the flag out (job.go:167 at v1.5.0).
# 1.7.0 takes an unset rayVersion, and a selected cluster, for one that has it (job.go:64-87 at v1.7.0).
METADATA_LENIENT_SINCE = "1.7.0"
METADATA_RAY_VERSION = (2, 6, 0)
# Masterminds/semver v3 NewVersion: numbers, then an optional pre-release and build; a pre-release version meets no
# constraint without one
_SEMVER = re.compile(
    r"v?([0-9]+)(?:\.([0-9]+))?(?:\.([0-9]+))?(-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?"
)


@rule(
    "job-metadata",
    "a RayJob's metadata (written through `spec`) runs on a cluster whose rayVersion is 2.6.0 or later (before "
    "1.7.0 the rayVersion must be set, and the job may not select its cluster)",
    "ray-operator/controllers/ray/common/job.go (GetMetadataJson and BuildJobSubmitCommand, lines 64-82 and 160-172 "
    "at v1.6.0; getMetadataJSONForSubmitCommand, lines 64-87 at v1.7.0)",
    fails="jobs: [{name: j, entrypoint: python run.py, cluster: {head: {cpu: '1'}, rayVersion: '2.5.0'}, spec: "
    "{metadata: {team: ml}}}]",
    passes="kuberay: {version: 1.7.0}\njobs: [{name: j, entrypoint: python run.py, cluster: {head: {cpu: '1'}}, spec: "
    "{metadata: {team: ml}}}]",
    cases=("job-metadata",),
)
def job_metadata(context: RuleContext) -> Iterator[Problem]:
    lenient = context.since(METADATA_LENIENT_SINCE)
    defaults = context.data.get("defaults", {})
    for job_path, job in job_items(context.data):
        written = written_job(context.data, job_path)
        metadata = written.get("metadata") if isinstance(written, dict) else None
        if not isinstance(metadata, dict) or not metadata:
            continue
        section = str(job_path[0])
        at = (*job_path[:2], *written_job_spec_at(SECTION_KINDS[section]), "metadata")
        written_spec = written if isinstance(written, dict) else {}
        if job.get("clusterSelector") or written_spec.get("clusterSelector"):
            if not lenient:
                yield context.problem(
                    at,
                    "before KubeRay 1.7.0 the operator cannot pass a job's metadata to a selected cluster: 1.3 and 1.4 "
                    "fail on the missing cluster spec, 1.5 and 1.6 leave it out",
                    "remove metadata, or pin KubeRay 1.7.0",
                )
            continue
        cluster: dict[str, Any] = job["cluster"] if isinstance(job.get("cluster"), dict) else {}
        version = value_at(written_spec, ("rayClusterSpec", "rayVersion"))
        version = version if version is not None else cluster.get("rayVersion", defaults.get("rayVersion"))
        if not version:
            if not lenient:
                yield context.problem(
                    at,
                    "before KubeRay 1.7.0 the operator reads the cluster's rayVersion to pass a job's metadata (ray "
                    "job submit --metadata-json, Ray 2.6.0 and later), and fails without one",
                    "set the cluster's rayVersion (or defaults.rayVersion)",
                )
            continue
        found = _SEMVER.fullmatch(str(version))
        numbers = tuple(int(part or 0) for part in found.groups()[:3]) if found else None
        if numbers is None or found is None or found.group(4) or numbers < METADATA_RAY_VERSION:
            yield context.problem(
                at,
                f"a job's metadata needs Ray 2.6.0 or later (ray job submit --metadata-json), and the operator reads "
                f"rayVersion {str(version)!r} as {'an older one' if numbers is not None else 'no version'}",
                "set rayVersion to the cluster's Ray version, 2.6.0 or later, or remove metadata",
            )
