"""Rules that follow the KubeRay operator's own validation release by release (ray-operator/controllers/ray/utils/
validation.go): what one release refuses and an earlier one accepts is refused only from that release."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.paths import ToolData
from tests.problems import BASE, problems_of

INCREMENTAL = """\
kuberay: {version: VERSION}
operator: {install: true, featureGates: {RayServiceIncrementalUpgrade: true}}
services:
  - name: serve
    serveConfig: {applications: [{name: app, import_path: app:app}]}
    upgradeStrategy:
      type: NewClusterWithIncrementalUpgrade
      clusterUpgradeOptions: {gatewayClassName: istio, maxSurgePercent: 20, stepSizePercent: 50, intervalSeconds: 30}
    cluster: {autoscaling: {enabled: true}, head: {cpu: "1"}}
target: {cluster: in-cluster, namespace: ray}
"""


@pytest.mark.parametrize(("version", "refused"), [("1.5.0", False), ("1.6.0", False), ("1.7.0", True)])
def test_a_step_above_the_surge_is_refused_from_1_7_0(
    tool: ToolData, environments: Path, version: str, refused: bool
) -> None:
    """validation.go:736-737 at v1.7.0; 1.5 and 1.6 check each percentage alone (:382-386 at v1.5.0)."""
    problems = problems_of(tool, environments, {"team": INCREMENTAL.replace("VERSION", version)})
    assert [(rule, message) for _, rule, message in problems] == (
        [("incremental-upgrade", "stepSizePercent 50 is more than maxSurgePercent 20")] if refused else []
    )


AUTOSCALER_V2_BY_ENV = """\
kuberay: {version: VERSION}
target: {cluster: in-cluster, namespace: ray}
clusters:
  - name: c
    AUTOSCALING
    head: {cpu: "1", env: [{name: RAY_enable_autoscaler_v2, value: "VALUE"}]}
    workerGroups: [{name: w, replicas: 1, maxReplicas: 2, cpu: "1", idleTimeoutSeconds: 60}]
"""


@pytest.mark.parametrize(
    ("version", "autoscaling", "value", "rules"),
    [
        ("1.3.0", "autoscaling: {enabled: true}", "true", []),  # how 1.3.0 asked for v2 (its own sample)
        ("1.6.0", "autoscaling: {enabled: true}", "1", []),
        ("1.6.0", "autoscaling: {enabled: true}", "True", ["worker-idle-timeout"]),  # compared exactly
        ("1.6.0", "autoscaling: {enabled: true, version: v2}", "true", ["autoscaler-v2-env"]),
        ("1.3.0", "autoscaling: {enabled: false}", "true", []),
        ("1.5.0", "autoscaling: {enabled: false}", "true", ["autoscaler-v2-env"]),
    ],
)
def test_the_v2_autoscaler_by_the_head_env(
    tool: ToolData, environments: Path, version: str, autoscaling: str, value: str, rules: list[str]
) -> None:
    body = AUTOSCALER_V2_BY_ENV.replace("VERSION", version).replace("AUTOSCALING", autoscaling)
    problems = problems_of(tool, environments, {"team": body.replace("VALUE", value)}, BASE)
    assert sorted(rule for _, rule, _ in problems) == sorted(rules)


PODTEMPLATE_ENV = """\
kuberay: {version: 1.6.0}
target: {cluster: in-cluster, namespace: ray}
clusters:
  - name: c
    AUTOSCALING
    head:
      cpu: "1"
      podTemplate: {spec: {containers: [{name: ray-head, env: [{name: RAY_enable_autoscaler_v2, value: "true"}]}]}}
    workerGroups: [{name: w, replicas: 1, maxReplicas: 2, cpu: "1", idleTimeoutSeconds: 60}]
"""


@pytest.mark.parametrize(
    ("autoscaling", "rules"),
    [("autoscaling: {enabled: true}", []), ("autoscaling: {enabled: false}", ["autoscaler-v2-env"])],
)
def test_the_head_env_of_the_pod_template_counts(
    tool: ToolData, environments: Path, autoscaling: str, rules: list[str]
) -> None:
    """The podTemplate's Ray container env is the head container's too, which the operator reads."""
    problems = problems_of(tool, environments, {"team": PODTEMPLATE_ENV.replace("AUTOSCALING", autoscaling)})
    assert sorted(rule for _, rule, _ in problems) == rules


def test_idle_timeouts_are_refused_from_1_6_0_only(tool: ToolData, environments: Path) -> None:
    """The v1 autoscaler of 1.5 ignores the field, and its operator takes it (validateWorkerGroupIdleTimeout came
    in 1.6.0)."""
    body = AUTOSCALER_V2_BY_ENV.replace("AUTOSCALING", "autoscaling: {enabled: true}").replace("VALUE", "no")
    assert problems_of(tool, environments, {"team": body.replace("VERSION", "1.5.0")}) == []
    problems = problems_of(tool, environments, {"team": body.replace("VERSION", "1.6.0")})
    assert [rule for _, rule, _ in problems] == ["worker-idle-timeout"]


@pytest.mark.parametrize(("version", "refused"), [("1.4.0", False), ("1.5.0", True)])
def test_the_initializing_timeout_is_checked_from_1_5_0(
    tool: ToolData, environments: Path, version: str, refused: bool
) -> None:
    """validateInitializingTimeout came in 1.5.0 (validation.go:308-338); 1.4 reads no such annotation."""
    body = (
        f"kuberay: {{version: {version}}}\ntarget: {{cluster: in-cluster, namespace: ray}}\nservices: [{{name: s, "
        "annotations: {ray.io/initializing-timeout: soon}, serveConfig: {applications: [{name: a, import_path: "
        "a:app}]}, cluster: {head: {cpu: '1'}}}]\n"
    )
    problems = problems_of(tool, environments, {"team": body})
    assert [rule for _, rule, _ in problems] == (["service-initializing-timeout"] if refused else [])


@pytest.mark.parametrize(
    "schedule",
    ["1,,2 * * * *", "TZ= 0 2 * * *", "CRON_TZ=Local 0 2 * * *", "*-5 2 * * *", "+5 2 * * *", "5/+2 * * * SUN-sat"],
)
def test_schedules_robfig_cron_takes_on_1_6_0(tool: ToolData, environments: Path, schedule: str) -> None:
    """robfig/cron drops empty items of a field (strings.FieldsFunc in getField), and hands the prefix's zone to
    Go's time.LoadLocation, for which "" is UTC and Local the operator's own zone; 1.6.0 takes the prefix.
    getRange (parser.go at v3.0.1) reads no bound after `*`, numbers with strconv.Atoi, names in any case."""
    body = (
        "kuberay: {version: 1.6.0}\ntarget: {cluster: in-cluster, namespace: ray}\n"
        "operator: {install: true, featureGates: {RayCronJob: true}}\n"
        f"cronJobs: [{{name: nightly, schedule: '{schedule}', job: {{entrypoint: python run.py, "
        "cluster: {head: {cpu: '1'}}}}]\n"
    )
    assert problems_of(tool, environments, {"team": body}) == []


DELETION_RULES = """\
kuberay: {version: VERSION}
target: {cluster: in-cluster, namespace: ray}
operator: {install: true, featureGates: {RayJobDeletionPolicy: true}}
jobs:
  - name: j
    entrypoint: python run.py
    SELECTOR
    deletionStrategy: {deletionRules: RULES}
"""


@pytest.mark.parametrize(
    ("version", "selector", "rules", "messages"),
    [
        # equal TTLs keep the order; the order is per condition: a later cluster deletion on success is fine
        (
            "1.5.0",
            "",
            "[{condition: {jobStatus: FAILED, ttlSeconds: 60}, policy: DeleteWorkers}, {condition: {jobStatus: "
            "FAILED, ttlSeconds: 60}, policy: DeleteCluster}, {condition: {jobStatus: SUCCEEDED}, "
            "policy: DeleteWorkers}]",
            [],
        ),
        # each policy is compared with the one before it that is there (validateTTLConsistency's prevTTL)
        (
            "1.7.0",
            "",
            "[{condition: {jobStatus: FAILED, ttlSeconds: 60}, policy: DeleteCluster}, {condition: {jobStatus: "
            "FAILED, ttlSeconds: 30}, policy: DeleteSelf}, {condition: {jobStatus: FAILED, ttlSeconds: 90}, policy: "
            "DeleteWorkers}]",
            [
                "the DeleteCluster rule's ttlSeconds (60) is below the DeleteWorkers rule's (90) for jobStatus FAILED",
                "the DeleteSelf rule's ttlSeconds (30) is below the DeleteCluster rule's (60) for jobStatus FAILED",
            ],
        ),
        # a rule the operator refused already is left out of the pairs (validation.go:821-828 at v1.7.0)
        (
            "1.6.0",
            "clusterSelector: {ray.io/cluster: shared}",
            "[{condition: {jobStatus: FAILED}, policy: DeleteCluster}, {condition: {jobStatus: FAILED}, "
            "policy: DeleteCluster}, {condition: {jobStatus: FAILED}, policy: DeleteNone}, {condition: "
            "{jobStatus: FAILED, ttlSeconds: 5}, policy: DeleteNone}]",
            [
                "DeleteCluster is not supported with clusterSelector",
                "DeleteCluster is not supported with clusterSelector",
                "a second DeleteNone rule for jobStatus FAILED (the first is deletionRules[2])",
            ],
        ),
    ],
)
def test_deletion_rules_as_validate_deletion_rules_reads_them(
    tool: ToolData, environments: Path, version: str, selector: str, rules: str, messages: list[str]
) -> None:
    """validateDeletionRules (v1.5.0:447-498, v1.7.0:797-868): one rule per condition and policy, and TTLs that
    do not decrease from DeleteWorkers to DeleteCluster to DeleteSelf."""
    body = DELETION_RULES.replace("VERSION", version).replace("SELECTOR", selector).replace("RULES", rules)
    if not selector:
        body = body.replace("    \n", "    cluster: {head: {cpu: '1'}}\n")
    problems = problems_of(tool, environments, {"team": body})
    assert [message for _, rule, message in problems if rule == "job-deletion"] == messages


POD_TEMPLATE_HEAD = """\
kuberay: {version: 1.7.0}
target: {cluster: in-cluster, namespace: ray}
operator: {install: true, featureGates: {GCSFaultToleranceEmbeddedStorage: true}}
clusters:
  - name: c
    TOLERANCE
    head:
      cpu: "1"
      podTemplate:
        spec:
          containers: [{name: ray-head, env: [ENV], volumeMounts: [MOUNTS]}]
          volumes: [VOLUMES]
"""


@pytest.mark.parametrize(
    ("gcs", "env", "mounts", "volumes", "rules"),
    [
        ("", "{name: RAY_REDIS_ADDRESS, value: 'redis:6379'}", "", "", ["gcs-fault-tolerance"]),
        ("gcsFaultTolerance: {redisAddress: 'redis:6379'}",
         "{name: REDIS_PASSWORD, valueFrom: {secretKeyRef: {name: s, key: k}}}", "", "", ["gcs-fault-tolerance"]),
        ("gcsFaultTolerance: {backend: rocksdb}", "{name: RAY_gcs_storage, value: x}", "", "", [
            "gcs-backend-settings"
        ]),
        ("gcsFaultTolerance: {backend: rocksdb}", "", "{name: state, mountPath: /data/gcs}", "{name: state, "
         "emptyDir: {}}", ["gcs-backend-settings"]),
        ("gcsFaultTolerance: {backend: rocksdb}", "", "", "{name: gcs-storage, emptyDir: {}}", [
            "gcs-backend-settings"
        ]),
        # a variable of no concern to the GCS checks
        ("", "{name: OTHER, value: x}", "", "", []),
    ],
)  # fmt: skip
def test_the_head_pod_template_counts_for_gcs_fault_tolerance(
    tool: ToolData, environments: Path, gcs: str, env: str, mounts: str, volumes: str, rules: list[str]
) -> None:
    """ValidateRayClusterSpec and validateGcsFaultToleranceBackend read the head's Ray container and pod as
    rendered (v1.7.0:154-190, 356-368), which the podTemplate's container of the Ray container's name is part of."""
    body = POD_TEMPLATE_HEAD.replace("TOLERANCE", gcs).replace("ENV", env).replace("MOUNTS", mounts)
    body = body.replace("VOLUMES", volumes)
    problems = problems_of(tool, environments, {"team": body})
    assert [rule for _, rule, _ in problems] == rules


@pytest.mark.parametrize(
    ("timeout", "refused"),
    [
        ("10m", False),
        ("+5", False),  # strconv.Atoi takes a sign
        ("0.5s", False),
        ("0.0000000001s", True),  # ParseDuration reads 0, which is not positive
        ("0", True),
        ("2562048h", True),  # beyond an int64 of nanoseconds: ParseDuration fails, and Atoi too
        ("9223372036854775808", True),  # beyond Atoi's int64
    ],
)
def test_the_initializing_timeout_as_go_reads_it(
    tool: ToolData, environments: Path, timeout: str, refused: bool
) -> None:
    """validateInitializingTimeout (v1.5.0:308-338): time.ParseDuration, then strconv.Atoi, each above zero."""
    body = (
        f"kuberay: {{version: 1.5.0}}\ntarget: {{cluster: in-cluster, namespace: ray}}\nservices: [{{name: s, "
        f"annotations: {{ray.io/initializing-timeout: '{timeout}'}}, serveConfig: {{applications: [{{name: a, "
        "import_path: a:app}]}, cluster: {head: {cpu: '1'}}}]\n"
    )
    problems = problems_of(tool, environments, {"team": body})
    assert [rule for _, rule, _ in problems] == (["service-initializing-timeout"] if refused else [])


@pytest.mark.parametrize(
    ("every", "refused"),
    [("@every 2562047h", False), ("@every 2562048h", True), ("@every -1h", False), ("@every 1h ", True),
     (" @daily", True), ("0 2 * * * ", False), ("TZ=UTC  @every 1h ", False)],
)  # fmt: skip
def test_every_takes_what_parse_duration_takes(tool: ToolData, environments: Path, every: str, refused: bool) -> None:
    """robfig/cron's parseDescriptor hands @every's duration to time.ParseDuration, which refuses more than an
    int64 of nanoseconds; a negative one it takes (Every rounds it up to a second). Parser.Parse trims the
    schedule only after a TZ= prefix (1.6.0 takes one)."""
    body = (
        "kuberay: {version: 1.6.0}\ntarget: {cluster: in-cluster, namespace: ray}\n"
        "operator: {install: true, featureGates: {RayCronJob: true}}\n"
        f"cronJobs: [{{name: nightly, schedule: '{every}', job: {{entrypoint: python run.py, "
        "cluster: {head: {cpu: '1'}}}}]\n"
    )
    problems = problems_of(tool, environments, {"team": body})
    assert [rule for _, rule, _ in problems] == (["cron-schedule"] if refused else [])


@pytest.mark.parametrize(
    ("cluster", "refused"),
    [
        ("autoscaling: {enabled: true}, spec: {autoscalerOptions: {version: v2}}", False),
        ("spec: {enableInTreeAutoscaling: true, autoscalerOptions: {version: v2}}", False),
        # IsAutoscalingV2Enabled reads the options' version alone (utils/util.go:749-751 at v1.6.0)
        (
            "autoscaling: {enabled: true}, spec: {enableInTreeAutoscaling: false, autoscalerOptions: {version: v2}}",
            False,
        ),
        ("spec: {autoscalerOptions: {version: v2}}", False),
        ("autoscaling: {enabled: true}, spec: {autoscalerOptions: {version: v1}}", True),
    ],
)
def test_the_v2_autoscaler_asked_for_through_spec(
    tool: ToolData, environments: Path, cluster: str, refused: bool
) -> None:
    """The item's `spec` is merged over the rendered object last: v2 asked for there is what the operator sees.
    (An autoscaler switched on through `spec` alone gets no securityContext: pod-security says so, apart.)"""
    body = (
        "kuberay: {version: 1.6.0}\ntarget: {cluster: in-cluster, namespace: ray}\nclusters: [{name: c, "
        f"{cluster}, head: {{cpu: '1'}}, workerGroups: [{{name: w, replicas: 1, maxReplicas: 2, cpu: '1', "
        "idleTimeoutSeconds: 60}]}]\n"
    )
    problems = problems_of(tool, environments, {"team": body})
    found = [rule for _, rule, _ in problems if rule != "pod-security"]
    assert found == (["worker-idle-timeout"] if refused else [])


NAMED_JOB = """\
kuberay: {version: VERSION}
target: {cluster: in-cluster, namespace: ray}
jobs:
  - name: NAME
    entrypoint: python run.py
    cluster: {head: {cpu: "1"}}
"""


@pytest.mark.parametrize(
    ("version", "length", "refused"),
    [("1.3.0", 46, False), ("1.3.2", 47, True), ("1.4.0", 47, False), ("1.7.0", 47, False), ("1.7.0", 48, True)],
)
def test_job_names_leave_room_for_the_cluster_the_operator_names_after_them(
    tool: ToolData, environments: Path, version: str, length: int, refused: bool
) -> None:
    """Before 1.4.0 a RayJob's cluster is <name>-raycluster-xxxxx, a pod label of at most 63 characters
    (utils/util.go:312-313, common/pod.go:589 at v1.3.0); from 1.4.0 the operator checks 47 itself."""
    name = ("nightly-" * 8)[: length - 1] + "a"
    text = NAMED_JOB.replace("VERSION", version).replace("NAME", name)
    problems = problems_of(tool, environments, {"team": text})
    limit = 46 if version.startswith("1.3") else 47
    expected = f"RayJob name '{name}' has {length} characters; the KubeRay operator allows at most {limit}"
    assert [(rule, message) for _, rule, message in problems] == ([("ray-object-name", expected)] if refused else [])


NIGHTLY = """\
kuberay: {version: 1.6.0}
target: {cluster: in-cluster, namespace: ray}
operator: {install: true, featureGates: {RayCronJob: true}}
cronJobs:
  - name: nightly
    schedule: "0 2 * * *"
"""
CRON_FT = (
    NIGHTLY
    + """\
    annotations: {ray.io/ft-enabled: "true"}
    job: {entrypoint: python run.py, cluster: CLUSTER}
"""
)


@pytest.mark.parametrize(
    ("cluster", "found"),
    [
        ('{head: {cpu: "1", env: [{name: RAY_REDIS_ADDRESS, value: "redis:6379"}]}}', ["gcs-fault-tolerance"]),
        ('{gcsFaultTolerance: {redisAddress: "redis:6379"}, head: {cpu: "1"}}', []),
    ],
)
def test_a_cron_jobs_annotations_are_not_its_jobs(
    tool: ToolData, environments: Path, cluster: str, found: list[str]
) -> None:
    """ValidateRayCronJobSpec checks the job template as a RayJob without annotations (utils/validation.go:718-721
    at v1.6.0), and the RayJobs it makes carry a timestamp annotation alone (raycronjob_controller.go:156-166):
    ray.io/ft-enabled on the RayCronJob neither enables fault tolerance for them nor clashes with
    gcsFaultTolerance."""
    problems = problems_of(tool, environments, {"team": CRON_FT.replace("CLUSTER", cluster)})
    assert [rule for _, rule, _ in problems] == found


@pytest.mark.parametrize(
    ("value", "found"),
    [
        ('""', []),
        ("secret", ["gcs-fault-tolerance"]),
        ("0", ["gcs-fault-tolerance"]),
        ("false", ["gcs-fault-tolerance"]),
    ],
)
def test_an_empty_redis_password_is_no_password(
    tool: ToolData, environments: Path, value: str, found: list[str]
) -> None:
    """The operator refuses redis-password and redis-username in rayStartParams only when they are not ""
    (validation.go:168 and :192 at v1.7.0)."""
    text = f"""\
kuberay: {{version: 1.7.0}}
target: {{cluster: in-cluster, namespace: ray}}
clusters:
  - name: ft
    gcsFaultTolerance: {{redisAddress: "redis:6379"}}
    head: {{cpu: "1", rayStartParams: {{redis-password: {value}, redis-username: {value}}}}}
"""
    problems = problems_of(tool, environments, {"team": text})
    assert [rule for _, rule, _ in problems if rule != "plaintext-secret"] == found * 2  # a lint of its own


SUSPENDED_GROUP = """\
kuberay: {version: VERSION}
target: {cluster: in-cluster, namespace: ray}
operator: {install: true, featureGates: {RayJobDeletionPolicy: GATE}}
clusters:
  - name: c
    head: {cpu: "1"}
    workerGroups: [{name: w, replicas: 1}]
    spec: {enableInTreeAutoscaling: AUTOSCALED, workerGroupSpecs: [{groupName: w, suspend: true}]}
"""


@pytest.mark.parametrize("version", ["1.3.0", "1.7.0"])
@pytest.mark.parametrize(
    ("gate", "autoscaled", "found"),
    [
        ("false", "false", "a worker group can be suspended only with the operator feature gate RayJobDeletionPolicy"),
        ("true", "true", "a worker group cannot be suspended in a cluster with the autoscaler"),
        ("true", "false", None),
    ],
)
def test_a_worker_group_suspended_through_spec_follows_the_operator(
    tool: ToolData, environments: Path, version: str, gate: str, autoscaled: str, found: str | None
) -> None:
    """ValidateRayClusterSpec (validation.go:74-89 at v1.3.0, :196-221 at v1.7.0); no environment field suspends
    a group, so the rule reads what `spec` writes."""
    text = SUSPENDED_GROUP.replace("VERSION", version).replace("GATE", gate).replace("AUTOSCALED", autoscaled)
    problems = problems_of(tool, environments, {"team": text})
    messages = [message for _, rule, message in problems if rule == "worker-group-suspend"]
    assert [message.split(",")[0].split(" (")[0] for message in messages] == ([found] if found else [])
    assert [rule for _, rule, _ in problems if rule != "worker-group-suspend"] == []


REDIS_USER = """\
kuberay: {version: 1.7.0}
target: {cluster: in-cluster, namespace: ray}
operator: {install: true, featureGates: {GCSFaultToleranceEmbeddedStorage: true}}
clusters:
  - name: c
    head: {cpu: "1"}
    CLUSTER
"""


@pytest.mark.parametrize(
    ("cluster", "refused"),
    [
        (
            "gcsFaultTolerance: {backend: rocksdb}\n    spec: {gcsFaultToleranceOptions: {redisUsername: {value: a}}}",
            True,
        ),
        (
            "gcsFaultTolerance: {backend: redis, redisAddress: 'redis:6379'}\n"
            "    spec: {gcsFaultToleranceOptions: {redisUsername: {value: a}}}",
            False,
        ),
        # the backend written through spec too
        ("spec: {gcsFaultToleranceOptions: {backend: rocksdb, redisUsername: {value: a}}}", True),
        (
            "spec: {gcsFaultToleranceOptions: {backend: redis, redisAddress: 'redis:6379', redisUsername: {value: a}}}",
            False,
        ),
    ],
)
def test_a_redis_user_written_through_spec_fits_the_backend(
    tool: ToolData, environments: Path, cluster: str, refused: bool
) -> None:
    """The rocksdb backend takes no redisUsername (validation.go:342-344 at v1.7.0), which no environment field
    holds: the rule reads what `spec` writes."""
    problems = problems_of(tool, environments, {"team": REDIS_USER.replace("CLUSTER", cluster)})
    found = [(rule, message) for _, rule, message in problems if rule == "gcs-backend-settings"]
    assert found == (
        [("gcs-backend-settings", "redisUsername is a setting of the redis backend, not of rocksdb")] if refused else []
    )


def test_a_cron_jobs_runtime_env_yaml_written_through_spec_is_read(tool: ToolData, environments: Path) -> None:
    """ValidateRayCronJobSpec validates the job template as a RayJob (validation.go:718-721 at v1.6.0), whose
    runtimeEnvYAML must unmarshal into a map."""
    text = (
        NIGHTLY
        + """\
    job: {entrypoint: python run.py, cluster: {head: {cpu: "1"}}}
    spec: {jobTemplate: {runtimeEnvYAML: "true"}}
"""
    )
    problems = problems_of(tool, environments, {"team": text})
    assert [(rule, message) for _, rule, message in problems] == [
        ("job-runtime-env-yaml", "the operator cannot read runtimeEnvYAML: it reads as a boolean, not a mapping")
    ]


@pytest.mark.parametrize(
    ("schedule", "wrong"),
    [
        ("*/0 * * * *", "the minute '*/0' has a step of 0"),
        ("1-2-3 * * * *", "the minute '1-2-3' has more than one -"),
        ("1/2/3 * * * *", "the minute '1/2/3' has more than one /"),
        ("-5 * * * *", "the minute '-5' is not a value, range or step"),
        ("5/-1 * * * *", "the minute '5/-1' has a step that is no number"),
        ("0 2 * * 7", "the day of week '7' is not in 0-6"),
    ],
)
def test_schedules_robfig_cron_refuses(tool: ToolData, environments: Path, schedule: str, wrong: str) -> None:
    """getRange's errors (robfig/cron parser.go at v3.0.1): hyphens, slashes, negative numbers, step 0, bounds."""
    body = (
        NIGHTLY
        + f"    schedule: '{schedule}'\n    job: {{entrypoint: python run.py, cluster: {{head: {{cpu: '1'}}}}}}\n"
    )
    body = body.replace('    schedule: "0 2 * * *"\n', "", 1)
    problems = problems_of(tool, environments, {"team": body})
    assert [(rule, message) for _, rule, message in problems] == [
        ("cron-schedule", f"{schedule!r} is not a cron schedule: {wrong}")
    ]


@pytest.mark.parametrize(
    ("spec", "found"),
    [
        # the head's RAY_enable_autoscaler_v2 written through spec asks for v2 too (validation.go:1136-1139)
        (
            "{workerGroupSpecs: [{groupName: w, priority: 5}], headGroupSpec: {template: {spec: {containers: "
            "[{name: ray-head, env: [{name: RAY_enable_autoscaler_v2, value: 'true'}]}]}}}}",
            [],
        ),
        # a rayVersion the spec removes is none (validation.go:1119-1121)
        (
            "{rayVersion: null, autoscalerOptions: {version: v2}, workerGroupSpecs: [{groupName: w, priority: 5}]}",
            ["worker-group-priority"],
        ),
    ],
)
def test_what_spec_writes_counts_for_a_priority(
    tool: ToolData, environments: Path, spec: str, found: list[str]
) -> None:
    text = f"""\
kuberay: {{version: 1.7.0}}
target: {{cluster: in-cluster, namespace: ray}}
defaults: {{image: rayproject/ray:2.56.0}}
clusters:
  - name: c
    rayVersion: "2.56.0"
    autoscaling: {{enabled: true}}
    head: {{cpu: "1"}}
    workerGroups: [{{name: w, replicas: 1}}]
    spec: {spec}
"""
    problems = problems_of(tool, environments, {"team": text})
    assert [rule for _, rule, _ in problems if rule != "pod-security"] == found


GPU_SERVICE = """\
kuberay: {version: 1.6.0}
target: {cluster: in-cluster, namespace: ray}
services:
  - name: s
    serveConfig:
      applications: [{name: a, import_path: "m:app", deployments: [{name: d, ray_actor_options: {num_gpus: 1}}]}]
    cluster:
      head: {cpu: "1"}
      workerGroups: [{name: gpu, cpu: "4", extendedResources: {gpu.intel.com/i915: 1}RESOURCES}]
"""


@pytest.mark.parametrize(
    ("resources", "refused"),
    [
        (", rayResources: {GPU: '1'}", False),
        (", rayResources: {gpu: '500m'}", False),  # the name in any case; the amount rounded up to 1
        (", rayResources: {CPU: '4'}", True),
        # a quantity KubeRay cannot parse is skipped (pod.go:1248-1251 at v1.6.0): the GPU limit counts then
        (
            ", rayResources: {GPU: abc}, limits: {nvidia.com/gpu: '1'}, tolerations: [{key: nvidia.com/gpu, operator: "
            "Exists}]",
            False,
        ),
        ("", True),
    ],
)
def test_a_gpu_of_the_groups_ray_resources_is_what_ray_sees(
    tool: ToolData, environments: Path, resources: str, refused: bool
) -> None:
    """KubeRay writes a GPU of the group's `resources` over rayStartParams num-gpus, its quantity's Value()
    (updateRayStartParamsResources, pod.go:1239-1262 at v1.6.0): a Serve deployment that asks for a GPU fits."""
    problems = problems_of(tool, environments, {"team": GPU_SERVICE.replace("RESOURCES", resources)})
    assert [rule for _, rule, _ in problems] == (["serve-gpus-fit"] if refused else [])


@pytest.mark.parametrize(
    ("body", "rules"),
    [
        # 1.3 waits the TTL before the deletionPolicy, which the item's `spec` may write
        (
            "kuberay: {version: 1.3.0}\noperator: {install: true, featureGates: {RayJobDeletionPolicy: true}}\n"
            "jobs: [{name: j, entrypoint: python x.py, ttlSecondsAfterFinished: 60, cluster: {head: {cpu: '1'}}, "
            "spec: {deletionPolicy: DeleteCluster}}]",
            [],
        ),
        (
            "kuberay: {version: 1.4.0}\noperator: {install: true, featureGates: {RayJobDeletionPolicy: true}}\n"
            "jobs: [{name: j, entrypoint: python x.py, ttlSecondsAfterFinished: 60, cluster: {head: {cpu: '1'}}, "
            "spec: {deletionPolicy: DeleteCluster}}]",
            ["job-ttl"],
        ),
        # what each release's operator rejects of a retry (validation.go:162-171 at v1.4.0, 321-322 at v1.6.0); before,
        # it takes the job, and the lint says what a retry does
        (
            "kuberay: {version: 1.3.0}\njobs: [{name: j, submissionMode: InteractiveMode, backoffLimit: 1, cluster: "
            "{head: {cpu: '1'}}}]",
            ["job-retry-hazard"],
        ),
        (
            "kuberay: {version: 1.4.0}\njobs: [{name: j, submissionMode: InteractiveMode, backoffLimit: 1, cluster: "
            "{head: {cpu: '1'}}}]",
            ["job-backoff-limit"],
        ),
        (
            "kuberay: {version: 1.5.0}\nclusters: [{name: shared, head: {cpu: '1'}}]\n"
            "jobs: [{name: j, entrypoint: python x.py, backoffLimit: 1, clusterSelector: "
            "{ray.io/cluster: shared}}]",
            ["job-retry-hazard"],
        ),
        (
            "kuberay: {version: 1.6.0}\nclusters: [{name: shared, head: {cpu: '1'}}]\n"
            "jobs: [{name: j, entrypoint: python x.py, backoffLimit: 1, clusterSelector: "
            "{ray.io/cluster: shared}}]",
            ["job-backoff-limit"],
        ),
        # a job both in InteractiveMode and on a selected cluster: 1.5 rejects its retry for the first (validation.go
        # :253 at v1.5.0), whatever the selector's release says
        (
            "kuberay: {version: 1.5.0}\nclusters: [{name: shared, head: {cpu: '1'}}]\njobs: [{name: j, submissionMode: "
            "InteractiveMode, clusterSelector: {ray.io/cluster: shared}, backoffLimit: 2, lint: {ignore: "
            "[job-retry-hazard]}}]",
            ["job-backoff-limit"],
        ),
        # an empty clusterSelector is none (len != 0, validation.go:560 at v1.7.0)
        (
            "kuberay: {version: 1.6.0}\njobs: [{name: j, entrypoint: python x.py, cluster: {head: {cpu: '1'}}, "
            "clusterSelector: {}, backoffLimit: 2}]",
            [],
        ),
        # the spec's shutdownAfterJobFinishes keeps the structured TTL (what the RayJob renders)
        (
            "kuberay: {version: 1.4.0}\njobs: [{name: j, entrypoint: python x.py, ttlSecondsAfterFinished: 60, "
            "cluster: {head: {cpu: '1'}}, spec: {shutdownAfterJobFinishes: true}}]",
            [],
        ),
        # and the spec's backoffLimit 0 takes the structured retries away
        (
            "kuberay: {version: 1.6.0}\nclusters: [{name: shared, head: {cpu: '1'}}]\njobs: [{name: j, entrypoint: "
            "python x.py, clusterSelector: {ray.io/cluster: shared}, backoffLimit: 2, spec: {backoffLimit: 0}}]",
            [],
        ),
        # a waiver covers the lint found on what the item's spec renders
        (
            "kuberay: {version: 1.3.0}\nclusters: [{name: shared, head: {cpu: '1'}}]\njobs: [{name: j, entrypoint: "
            "python x.py, clusterSelector: {ray.io/cluster: shared}, lint: {ignore: [job-retry-hazard]}, spec: "
            "{backoffLimit: 3}}]",
            [],
        ),
        # only K8sJobMode creates a submitter pod (rayjob_controller.go:230 and 760 at v1.7.0): another mode's
        # template is never validated
        (
            "jobs: [{name: j, entrypoint: python x.py, submissionMode: HTTPMode, cluster: {head: {cpu: '1'}}, "
            "submitter: {image: 'rayproject/ray:2.41.0', memory: '512', podTemplate: {spec: {containers: [{name: "
            "proxy, image: envoy, ports: [{name: Admin, containerPort: 9901}]}]}}}}]",
            [],
        ),
        # a worker group that only the spec adds has its pod's port names checked too
        (
            "clusters: [{name: c, head: {cpu: '1'}, workerGroups: [{name: cpu, cpu: '1', replicas: 1}], spec: "
            "{workerGroupSpecs: [{groupName: extra, replicas: 1, minReplicas: 1, maxReplicas: 1, rayStartParams: {}, "
            "template: {spec: {containers: [{name: ray-worker, image: 'rayproject/ray:2.41.0', ports: [{name: "
            "'9100', containerPort: 9100}]}]}}}]}}]",
            ["pod-port-name"],
        ),
        # the spec's clusterSelector merges into the structured one: its name stays
        (
            "clusters: [{name: shared, head: {cpu: '1'}}]\njobs: [{name: j, entrypoint: python x.py, clusterSelector: "
            "{ray.io/cluster: shared}, spec: {clusterSelector: {team: a}}}]",
            [],
        ),
        # a port that the item's `spec` takes away (`ports: null`, a list without names, which replaces) is not
        # rendered: its name is no problem; one the `spec` leaves is
        *(
            (
                "clusters: [{name: c, head: {cpu: '1', podTemplate: {spec: {containers: [{name: exporter, image: "
                "busybox, ports: [{name: '9100', containerPort: 9100}]}]}}}, spec: {headGroupSpec: {template: {spec: "
                "{containers: [{name: exporter, " + written + "}]}}}}}]",
                rules,
            )
            for written, rules in (
                ("ports: null", []),
                ("ports: [{containerPort: 9100}]", []),
                ("image: 'busybox:1'", ["pod-port-name"]),
            )
        ),
        # and so for a submitter's
        (
            "jobs: [{name: j, entrypoint: python x.py, cluster: {head: {cpu: '1'}}, submitter: {podTemplate: {spec: "
            "{containers: [{name: ray-job-submitter, ports: [{name: '9100', containerPort: 9100}]}]}}}, spec: "
            "{submitterPodTemplate: {spec: {containers: [{name: ray-job-submitter, ports: null}]}}}}]",
            [],
        ),
        # a RayCluster a JSON patch renames is found by its new name; a job whose selector a patch writes is
        # left alone; a patch that renames nothing changes nothing
        (
            "clusters: [{name: old, head: {cpu: '1'}}]\njobs: [{name: j, entrypoint: python x.py, clusterSelector: "
            "{ray.io/cluster: shared}}]\npatches: [{target: {kind: RayCluster, name: old}, patch: [{op: replace, "
            "path: /metadata/name, value: shared}]}]",
            [],
        ),
        (
            "clusters: [{name: shared, head: {cpu: '1'}}]\njobs: [{name: j, entrypoint: python x.py, clusterSelector: "
            "{ray.io/cluster: elsewhere}}]\npatches: [{target: {kind: RayJob, name: j}, patch: [{op: replace, path: "
            "/spec/clusterSelector/ray.io~1cluster, value: shared}]}]",
            [],
        ),
        # its target's name is a regular expression, as kustomize reads it
        (
            "clusters: [{name: shared, head: {cpu: '1'}}]\njobs: [{name: job-a, entrypoint: python x.py, "
            "clusterSelector: {ray.io/cluster: elsewhere}}]\npatches: [{target: {kind: RayJob, name: 'job-.*'}, "
            "patch: [{op: replace, path: /spec/clusterSelector/ray.io~1cluster, value: shared}]}]",
            [],
        ),
        (
            "clusters: [{name: shared, head: {cpu: '1'}}]\njobs: [{name: j, entrypoint: python x.py, clusterSelector: "
            "{ray.io/cluster: elsewhere}}]\npatches: [{target: {kind: RayCluster, name: shared}, patch: [{op: add, "
            "path: /metadata/labels/team, value: a}]}]",
            ["selected-cluster"],
        ),
        # `spec: {clusterSelector: {}}` merges into the structured selector, as the renderer merges it: the job
        # still runs on the selected cluster, where a 1.6 operator refuses retries
        (
            "kuberay: {version: 1.6.0}\nclusters: [{name: shared, head: {cpu: '1'}}]\njobs: [{name: j, entrypoint: "
            "python x.py, clusterSelector: {ray.io/cluster: shared}, backoffLimit: 2, spec: {clusterSelector: {}}}]",
            ["job-backoff-limit"],
        ),
        # and a null in the spec takes it away: no selected cluster then (the job needs a cluster of its own)
        (
            "kuberay: {version: 1.6.0}\njobs: [{name: j, entrypoint: python x.py, backoffLimit: 2, cluster: {head: "
            "{cpu: '1'}}, spec: {clusterSelector: null}}]",
            [],
        ),
        # a Deployment's port without a name (an empty one is none to the API server)
        (
            "objects: [{apiVersion: apps/v1, kind: Deployment, metadata: {name: redis}, spec: {selector: {matchLabels: "
            "{app: redis}}, template: {metadata: {labels: {app: redis}}, spec: {containers: [{name: redis, image: "
            "'redis:7', ports: [{name: '', containerPort: 6379}]}]}}}}]",
            [],
        ),
        # a 1.3 operator ignores a TTL that delays nothing: a warning, not a refusal
        (
            "kuberay: {version: 1.3.0}\njobs: [{name: j, entrypoint: python x.py, ttlSecondsAfterFinished: 60, "
            "cluster: {head: {cpu: '1'}}}]",
            ["job-ttl-ignored"],
        ),
        # `spec` takes the autoscaler's version away (null): a v1 autoscaler, whatever restartPolicy
        (
            "kuberay: {version: 1.4.0}\nclusters: [{name: c, autoscaling: {enabled: true, version: v2}, head: {cpu: "
            "'1', podTemplate: {spec: {restartPolicy: Always}}}, spec: {autoscalerOptions: {version: null}}}]",
            [],
        ),
        # a subject named default without a namespace is the environment's own, as kustomize writes it
        (
            "objects: [{apiVersion: rbac.authorization.k8s.io/v1, kind: RoleBinding, metadata: {name: b}, roleRef: "
            "{apiGroup: rbac.authorization.k8s.io, kind: Role, name: r}, subjects: [{kind: ServiceAccount, name: "
            "default}]}]",
            [],
        ),
        # before 1.4.0 a RayJob on a selected cluster names only its submitter Job and a label after it (63)
        (
            "kuberay: {version: 1.3.0}\nclusters: [{name: shared, head: {cpu: '1'}}]\njobs: [{name: "
            + "j" * 60
            + ", entrypoint: python x.py, clusterSelector: "
            "{ray.io/cluster: shared}}]",
            [],
        ),
        # and so does one a patch renames
        (
            "kuberay: {version: 1.3.0}\nclusters: [{name: shared, head: {cpu: '1'}}]\n"
            "jobs: [{name: j, entrypoint: python x.py, clusterSelector: {ray.io/cluster: "
            "shared}}]\npatches: [{target: {kind: RayJob, name: j}, patch: [{op: replace, path: /metadata/name, "
            "value: " + "j" * 60 + "}]}]",
            [],
        ),
    ],
)
def test_rules_read_what_the_operator_reads(tool: ToolData, environments: Path, body: str, rules: list[str]) -> None:
    body = f"target: {{cluster: in-cluster, namespace: ray}}\npodSecurity: baseline\n{body}"
    assert [rule for _, rule, _ in problems_of(tool, environments, {"team": body})] == rules
