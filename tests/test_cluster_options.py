"""The 1.7.0 cluster options as the operator checks them (rules/cluster_options.py, validation.go at v1.7.0), and
the Ray container as rendered that those rules and the GCS ones read (rules/context.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from generator.paths import ToolData
from generator.rules.cluster_options import COLLECTOR_MANAGED_ENV
from tests.problems import problems_of

GATES = "{RayClusterNetworkPolicy: true, RayClusterMTLS: true, RayClusterHistoryServer: true}"
BODY = f"""\
kuberay: {{version: VERSION}}
target: {{cluster: in-cluster, namespace: ray}}
podSecurity: baseline
operator: {{install: true, featureGates: {GATES}}}
DEFAULTS
clusters:
  - name: c
    head: {{cpu: "1"HEAD}}
    workerGroups: [{{name: WORKER, replicas: 1, cpu: "1"}}]
    CLUSTER
"""


def problems(
    tool: ToolData,
    environments: Path,
    cluster: str,
    *,
    version: str = "1.7.0",
    head: str = "",
    worker: str = "w",
    defaults: str = "",
) -> list[tuple[str, str]]:
    body = BODY.replace("VERSION", version).replace("CLUSTER", cluster).replace("HEAD", head)
    body = body.replace("WORKER", worker).replace("DEFAULTS", defaults)
    return [(rule, message) for _, rule, message in problems_of(tool, environments, {"team": body})]


@pytest.mark.parametrize(
    ("cluster", "worker", "expected"),
    [
        # the mode defaults to DenyAll, which restricts both directions: rules of either kind are of use
        ("networkPolicy: {head: {ingressRules: [{}], egressRules: [{}]}}", "w", []),
        (
            "networkPolicy: {mode: DenyAllEgress, workerGroups: [{groupName: w, ingressRules: [{}]}]}",
            "w",
            [("network-policy", "ingressRules cannot be set with mode DenyAllEgress, which restricts egress only")],
        ),
        (
            "networkPolicy: {workerGroups: [{groupName: w}, {groupName: w, egressRules: [{}]}]}",
            "w",
            [("network-policy", "networkPolicy.workerGroups names w twice (first at workerGroups[0])")],
        ),
        # a group the item's `spec` adds is a group of the rendered cluster
        (
            "networkPolicy: {workerGroups: [{groupName: extra}]}\n    spec: {workerGroupSpecs: [{groupName: "
            "extra, replicas: 1, minReplicas: 1, maxReplicas: 1, template: {spec: {containers: [{name: ray-worker, "
            "image: 'rayproject/ray:2.46.0'}]}}}]}",
            "w",
            [],
        ),
        (
            "networkPolicy: {workerGroups: [{groupName: gpu}]}",
            "GPU",
            [
                (
                    "network-policy",
                    "the worker group name GPU must be a DNS-1123 label with networkPolicy: the operator puts it in "
                    "the name of the group's NetworkPolicy",
                ),
                ("network-policy", "networkPolicy.workerGroups names gpu, which is no worker group of the cluster"),
            ],
        ),
        # written through `spec`: the rules read the object back (validate/final_rules.py)
        (
            "spec: {networkPolicy: {mode: DenyAllEgress, head: {ingressRules: [{}]}}}",
            "w",
            [
                (
                    "network-policy",
                    "RayCluster c with its spec: ingressRules cannot be set with mode DenyAllEgress, which restricts "
                    "egress only",
                )
            ],
        ),
    ],
)
def test_network_policy(tool: ToolData, environments: Path, cluster: str, worker: str, expected: list[Any]) -> None:
    assert problems(tool, environments, cluster, worker=worker) == expected


@pytest.mark.parametrize(
    ("cluster", "head", "defaults", "expected"),
    [
        # off: the variables are the user's own
        (
            "tlsOptions: {enabled: false}\n    autoscaling: {enabled: true, env: [{name: RAY_TLS_CA_CERT, value: x}]}",
            ", env: [{name: RAY_USE_TLS, value: '0'}]",
            "",
            [],
        ),
        (
            "tlsOptions: {enabled: true}\n    autoscaling: {enabled: true, env: [{name: RAY_USE_TLS, value: '1'}]}",
            "",
            "",
            [("tls-options", "RAY_USE_TLS cannot be set with tlsOptions")],
        ),
        (
            "tlsOptions: {enabled: true}",
            "",
            "defaults: {env: [{name: RAY_TLS_SERVER_KEY, value: /k}]}",
            [("tls-options", "RAY_TLS_SERVER_KEY cannot be set with tlsOptions, which clusters[0] has")],
        ),
        # a podTemplate mount replaces the group's of the same path, keeping its name where it names none
        (
            "tlsOptions: {enabled: true}",
            ", volumes: [{name: ray-tls, mountPath: /a, emptyDir: {}}], podTemplate: {spec: {containers: [{name: "
            "ray-head, volumeMounts: [{name: certs, mountPath: /a}]}], volumes: [{name: certs, emptyDir: {}}]}}",
            "",
            [],
        ),
        (
            "tlsOptions: {enabled: true}",
            ", volumes: [{name: ray-tls, mountPath: /a, emptyDir: {}}], podTemplate: {spec: {containers: [{name: "
            "ray-head, volumeMounts: [{mountPath: /a, readOnly: true}]}]}}",
            "",
            [
                (
                    "tls-options",
                    "a volume mount named ray-tls or at /etc/ray/tls cannot be set with tlsOptions: the operator "
                    "mounts the certificates there",
                )
            ],
        ),
        # an empty env of the podTemplate's Ray container replaces the group's
        ("tlsOptions: {enabled: true}", ", env: [{name: RAY_USE_TLS, value: '1'}], podTemplate: {spec: {containers: "
         "[{name: ray-head, env: []}]}}", "", []),
        (
            "spec: {tlsOptions: {enabled: true}}",
            ", env: [{name: RAY_USE_TLS, value: '1'}]",
            "",
            [("tls-options", "RayCluster c with its spec: RAY_USE_TLS cannot be set with tlsOptions")],
        ),
    ],
)  # fmt: skip
def test_tls_options(
    tool: ToolData, environments: Path, cluster: str, head: str, defaults: str, expected: list[Any]
) -> None:
    assert problems(tool, environments, cluster, head=head, defaults=defaults) == expected


COLLECTOR = "historyServer: {collectorOptions: {image: c:1, env: [ENV]}}"


@pytest.mark.parametrize("name", COLLECTOR_MANAGED_ENV)
def test_the_collector_env_the_operator_writes(tool: ToolData, environments: Path, name: str) -> None:
    env = f"{{name: STORAGE_BACKEND, value: gcs}}, {{name: GCS_BUCKET, value: b}}, {{name: {name}, value: x}}"
    assert problems(tool, environments, COLLECTOR.replace("ENV", env)) == [
        ("history-server", f"{name} is written by the operator into the collector container")
    ]


@pytest.mark.parametrize(
    ("env", "missing"),
    [
        ("{name: STORAGE_BACKEND, value: Gcs}", ["GCS_BUCKET"]),
        ("{name: STORAGE_BACKEND, value: s3}, {name: S3_REGION, valueFrom: {configMapKeyRef: {name: r, key: r}}}", []),
        ("{name: STORAGE_BACKEND, value: AliyunOSS}, {name: OSS_ENDPOINT, value: e}", ["OSS_BUCKET", "OSS_REGION"]),
        ("{name: STORAGE_BACKEND, value: azureblob}, {name: AZURE_STORAGE_AUTH_MODE, value: default}",
         ["AZURE_STORAGE_ACCOUNT_URL"]),
        ("{name: STORAGE_BACKEND, value: azureblob}, {name: AZURE_STORAGE_ACCOUNT_URL, value: u}", []),
        ("{name: STORAGE_BACKEND, value: minio}", []),  # the operator checks the backends it knows
    ],
)  # fmt: skip
def test_each_storage_backend_has_what_it_needs(
    tool: ToolData, environments: Path, env: str, missing: list[str]
) -> None:
    found = problems(tool, environments, COLLECTOR.replace("ENV", env))
    assert [message.split(" needs ")[1].split(" ")[0] for _, message in found] == missing


def test_the_ray_container_named_as_the_collector(tool: ToolData, environments: Path) -> None:
    env = "{name: STORAGE_BACKEND, value: gcs}, {name: GCS_BUCKET, value: b}"
    found = problems(tool, environments, COLLECTOR.replace("ENV", env), head=", containerName: ray-history-collector")
    message = "a container named ray-history-collector cannot be in a pod with historyServer"
    assert found == [("history-server", message)]


@pytest.mark.parametrize(("version", "refused"), [("1.6.0", False), ("1.7.0", True)])
def test_the_autoscaler_start_command_from_1_7_0(
    tool: ToolData, environments: Path, version: str, refused: bool
) -> None:
    """The 1.6 operators take the variable: the check came with 1.7.0 (validation.go:247-258)."""
    cluster = "autoscaling: {enabled: true, env: [{name: KUBERAY_GEN_AUTOSCALER_START_CMD, value: ray}]}"
    found = problems(tool, environments, cluster, version=version)
    assert [rule for rule, _ in found if rule != "feature-gate"] == (["autoscaler-start-command"] if refused else [])


@pytest.mark.parametrize(
    ("version", "strategy", "rules"),
    [
        ("1.5.0", "{type: Recreate}", ["crd-schema"]),  # no such field yet: the CRD says so
        ("1.6.0", "{}", []),  # the operator looks at the type alone
        ("1.6.0", "{type: Recreate}", ["owned-cluster-upgrade-strategy"]),
    ],
)
def test_a_job_cluster_upgrade_strategy(
    tool: ToolData, environments: Path, version: str, strategy: str, rules: list[str]
) -> None:
    body = (
        f"kuberay: {{version: {version}}}\ntarget: {{cluster: in-cluster, namespace: ray}}\njobs: [{{name: j, "
        "entrypoint: python run.py, cluster: {head: {cpu: '1'}}, spec: {rayClusterSpec: {upgradeStrategy: "
        f"{strategy}}}}}}}]\n"
    )
    assert [rule for _, rule, _ in problems_of(tool, environments, {"team": body})] == rules


@pytest.mark.parametrize(
    ("head", "rules"),
    [
        # a sidecar's variables are no concern of the operator's: it reads the Ray container alone
        (", podTemplate: {spec: {containers: [{name: proxy, image: envoy, env: [{name: RAY_REDIS_ADDRESS, value: "
         "'r:6379'}]}]}}", []),
        (", podTemplate: {spec: {containers: [{name: ray-head, env: [{name: RAY_REDIS_ADDRESS, value: 'r:6379'}]}]}}",
         ["gcs-fault-tolerance"]),
    ],
)  # fmt: skip
def test_the_ray_container_alone_counts_for_gcs(
    tool: ToolData, environments: Path, head: str, rules: list[str]
) -> None:
    assert [rule for rule, _ in problems(tool, environments, "", head=head)] == rules


@pytest.mark.parametrize(
    ("head", "refused"),
    [
        (", volumes: [{name: gcs-storage, mountPath: /state, emptyDir: {}}]", True),
        # the podTemplate's mount moves the group's: the pod still holds a volume named gcs-storage
        (", volumes: [{name: gcs-storage, mountPath: /state, emptyDir: {}}], podTemplate: {spec: {containers: [{name: "
         "ray-head, volumeMounts: [{name: other, mountPath: /state}]}], volumes: [{name: other, emptyDir: {}}]}}",
         True),
        # an empty list of volumes replaces the group's: none is left
        (", volumes: [{name: gcs-storage, mountPath: /state, emptyDir: {}}], podTemplate: {spec: {containers: [{name: "
         "ray-head, volumeMounts: []}], volumes: []}}", False),
    ],
)  # fmt: skip
def test_the_embedded_gcs_volume_name_in_the_pod(tool: ToolData, environments: Path, head: str, refused: bool) -> None:
    """validateGcsFaultToleranceBackend refuses a head pod volume named gcs-storage (v1.7.0:364-368)."""
    body = BODY.replace("VERSION", "1.7.0").replace("HEAD", head).replace("DEFAULTS", "").replace("WORKER", "w")
    body = body.replace(GATES, "{GCSFaultToleranceEmbeddedStorage: true}")
    body = body.replace("CLUSTER", "gcsFaultTolerance: {backend: rocksdb}")
    rules = [rule for _, rule, _ in problems_of(tool, environments, {"team": body})]
    assert rules == (["gcs-backend-settings"] if refused else [])


def test_a_pod_template_variable_without_a_value_keeps_the_groups(tool: ToolData, environments: Path) -> None:
    """The merge keeps the group's value for an env item that writes none: the v2 switch stays on."""
    head = (
        ", env: [{name: RAY_enable_autoscaler_v2, value: '1'}], podTemplate: {spec: {containers: [{name: ray-head, "
        "env: [{name: RAY_enable_autoscaler_v2}]}]}}"
    )
    body = BODY.replace("VERSION", "1.6.0").replace("HEAD", head).replace("DEFAULTS", "")
    body = body.replace("WORKER, replicas: 1", "w, replicas: 1, maxReplicas: 2, idleTimeoutSeconds: 60")
    body = body.replace("CLUSTER", "autoscaling: {enabled: true}").replace(GATES, "{}")
    assert problems_of(tool, environments, {"team": body}) == []


def test_a_second_deletion_rule_does_not_take_the_firsts_place(tool: ToolData, environments: Path) -> None:
    """The operator skips a duplicate before it records its TTL (validation.go:830-836 at v1.7.0): the order is
    checked with the first rule's."""
    rules = (
        "[{condition: {jobStatus: FAILED, ttlSeconds: 60}, policy: DeleteWorkers}, {condition: {jobStatus: FAILED, "
        "ttlSeconds: 90}, policy: DeleteCluster}, {condition: {jobStatus: FAILED, ttlSeconds: 30}, policy: "
        "DeleteCluster}]"
    )
    body = (
        "kuberay: {version: 1.7.0}\ntarget: {cluster: in-cluster, namespace: ray}\noperator: {install: true, "
        f"featureGates: {{RayJobDeletionPolicy: true}}}}\njobs: [{{name: j, entrypoint: python run.py, cluster: "
        f"{{head: {{cpu: '1'}}}}, deletionStrategy: {{deletionRules: {rules}}}}}]\n"
    )
    assert [message for _, rule, message in problems_of(tool, environments, {"team": body})] == [
        "a second DeleteCluster rule for jobStatus FAILED (the first is deletionRules[1])"
    ]


@pytest.mark.parametrize(
    ("override", "message"),
    [
        (
            "spec: {headGroupSpec: {template: {spec: {containers: [{name: ray-head, volumeMounts: [{name: certs, "
            "mountPath: /etc/ray/tls}]}], volumes: [{name: certs, emptyDir: {}}]}}}}",
            "a volume mount named ray-tls or at /etc/ray/tls cannot be set with tlsOptions: the operator mounts the "
            "certificates there",
        ),
        # the same mount path the structured fields gave before: nothing new
        ("spec: {headGroupSpec: {template: {spec: {containers: [{name: ray-head, volumeMounts: [{name: certs, "
         "mountPath: /certs}]}], volumes: [{name: certs, emptyDir: {}}]}}}}", None),
    ],
)  # fmt: skip
def test_mounts_written_through_spec_are_checked(
    tool: ToolData, environments: Path, override: str, message: str | None
) -> None:
    """The rule reads the Ray container's mounts as rendered, what the item's `spec` writes included
    (rules/context.py ray_container_mounts)."""
    found = problems(tool, environments, f"tlsOptions: {{enabled: true}}\n    {override}")
    assert found == ([("tls-options", message)] if message else [])


AUTOSCALER_MOUNT = (
    "an autoscaler volume mount named ray-tls or at /etc/ray/tls cannot be set with tlsOptions: the operator mounts "
    "the certificates there"
)


@pytest.mark.parametrize(
    ("mount", "refused"),
    [("{name: ray-tls, mountPath: /certs}", True), ("{name: certs, mountPath: /etc/ray/tls}", True),
     ("{name: certs, mountPath: /certs}", False)],
)  # fmt: skip
def test_autoscaler_mounts_written_through_spec_are_checked(
    tool: ToolData, environments: Path, mount: str, refused: bool
) -> None:
    """autoscalerOptions.volumeMounts has no environment field, so only `spec` writes it, and the operator
    refuses the TLS volume's name and path there (validation.go:497-504 at v1.7.0)."""
    cluster = f"tlsOptions: {{enabled: true}}\n    spec: {{autoscalerOptions: {{volumeMounts: [{mount}]}}}}"
    assert problems(tool, environments, cluster) == ([("tls-options", AUTOSCALER_MOUNT)] if refused else [])


def test_tls_on_by_spec_with_an_autoscaler_mount_by_spec(tool: ToolData, environments: Path) -> None:
    cluster = "spec: {tlsOptions: {enabled: true}, autoscalerOptions: {volumeMounts: [{name: ray-tls, mountPath: /x}]}}"
    assert ("tls-options", AUTOSCALER_MOUNT) in problems(tool, environments, cluster)


SERVICE = (
    "services: [{name: s, serveConfig: {applications: [{name: a, import_path: m:a}]}, cluster: {head: {cpu: '1', "
    "ports: [{name: serve, containerPort: 8000}], podTemplate: {spec: {containers: [{name: ray-head, ports: "
    "PORTS}]}}}}}]"
)


@pytest.mark.parametrize(
    ("ports", "rules"),
    [
        # merged by name with the group's: the head has serve and dashboard, as the operator reads them all
        ("[{name: dashboard, containerPort: 8265}]", []),
        # a list of unnamed ports replaces the group's (input/resolve.py): no serve left
        ("[{containerPort: 8265}]", ["serve-port"]),
        ("[{containerPort: 8265}, {name: serve-http, containerPort: 8000}]", ["serve-port"]),  # serve-* from 1.6.0
    ],
)
def test_serve_port_reads_the_head_ports_as_rendered(
    tool: ToolData, environments: Path, ports: str, rules: list[str]
) -> None:
    body = "kuberay: {version: 1.5.0}\ntarget: {cluster: in-cluster, namespace: ray}\npodSecurity: baseline\n"
    body += SERVICE.replace("PORTS", ports)
    assert [rule for _, rule, _ in problems_of(tool, environments, {"team": body})] == rules


SERVE_SERVICE = (
    "services: [{name: s, serveConfig: {applications: [{name: a, import_path: m:a}]}, SERVE_SERVICE"
    "cluster: {head: {cpu: '1', ports: [{name: dashboard, containerPort: 8265}, {name: http, containerPort: 8000}]}}}]"
)


@pytest.mark.parametrize(
    ("version", "serve_service", "rules"),
    [
        # before 1.6.0 the operator keeps only the serveService's ports named serve: none left, no Service
        ("1.3.0", "serveService: {spec: {ports: [{name: http, port: 8000}]}}, ", ["serve-port"]),
        ("1.5.0", "serveService: {spec: {ports: [{name: http, port: 8000}]}}, ", ["serve-port"]),
        ("1.5.0", "serveService: {spec: {ports: [{name: serve, port: 8000}]}}, ", []),
        ("1.5.0", "serveService: {spec: {clusterIP: None}}, ", []),  # headless: no port needed
        # the item's `spec` writes the serveService's ports: read as rendered
        (
            "1.5.0",
            "serveService: {spec: {ports: [{name: http, port: 8000}]}}, spec: {serveService: {spec: {ports: "
            "[{name: serve, port: 8000}]}}}, ",
            [],
        ),
        ("1.5.0", "spec: {serveService: {spec: {ports: [{name: web, port: 8000}]}}}, ", ["serve-port"]),
        # from 1.6.0 it keeps the user's ports: any, but one
        ("1.6.0", "serveService: {spec: {ports: [{name: http, port: 8000}]}}, ", []),
        ("1.6.0", "serveService: {spec: {type: LoadBalancer}}, ", ["serve-port"]),
        ("1.6.0", "serveService: {spec: {type: ExternalName, externalName: serve.example.com}}, ", []),
        # before 1.6.0 the kept port is rebuilt of its name and port: a targetPort of another number is lost
        ("1.5.0", "serveService: {spec: {ports: [{name: serve, port: 80, targetPort: 8000}]}}, ", ["serve-port"]),
        ("1.5.0", "serveService: {spec: {ports: [{name: serve, port: 8000, targetPort: 8000}]}}, ", []),
        # by name: the head's http port is 8000, not the Service's 80
        ("1.5.0", "serveService: {spec: {ports: [{name: serve, port: 80, targetPort: http}]}}, ", ["serve-port"]),
        ("1.5.0", "serveService: {spec: {ports: [{name: serve, port: 8000, targetPort: http}]}}, ", []),
        ("1.6.0", "serveService: {spec: {ports: [{name: serve, port: 80, targetPort: 8000}]}}, ", []),
        # an incremental upgrade takes no serveService: the head needs the port (the gate on, the autoscaler on)
        (
            "1.6.0",
            "upgradeStrategy: {type: NewClusterWithIncrementalUpgrade, clusterUpgradeOptions: {gatewayClassName: "
            "istio, stepSizePercent: 10, intervalSeconds: 30}}, serveService: {spec: {ports: [{name: serve, port: "
            "8000}]}}, ",
            ["serve-port"],
        ),
        # and without a serveService the head needs the port, at every release
        ("1.6.0", "", ["serve-port"]),
    ],
)
def test_a_serve_service_before_1_6_needs_a_port_named_serve(
    tool: ToolData, environments: Path, version: str, serve_service: str, rules: list[str]
) -> None:
    body = f"kuberay: {{version: {version}}}\ntarget: {{cluster: in-cluster, namespace: ray}}\npodSecurity: baseline\n"
    if "Incremental" in serve_service:
        body += "operator: {install: true, featureGates: {RayServiceIncrementalUpgrade: true}}\n"
        serve_service += "SERVE_CLUSTER_AUTOSCALED"
    body += SERVE_SERVICE.replace("SERVE_SERVICE", serve_service).replace(
        "SERVE_CLUSTER_AUTOSCALEDcluster: {", "cluster: {autoscaling: {enabled: true}, "
    )
    assert [rule for _, rule, _ in problems_of(tool, environments, {"team": body})] == rules


@pytest.mark.parametrize(
    ("spec", "rules"),
    [
        ("{}", ["unique-container-names"]),
        # the item's `spec` takes the podTemplate's init containers away (null), or replaces them (unnamed item)
        ("{headGroupSpec: {template: {spec: {initContainers: null}}}}", []),
        ("{headGroupSpec: {template: {spec: {initContainers: [{image: b, command: ['true']}]}}}}", ["crd-schema"]),
        (
            "{headGroupSpec: {template: {spec: {initContainers: [{name: setup, image: b}]}}}}",
            ["unique-container-names"],
        ),
    ],
)
def test_container_names_are_read_as_the_lists_merge(
    tool: ToolData, environments: Path, spec: str, rules: list[str]
) -> None:
    body = (
        "kuberay: {version: 1.6.0}\ntarget: {cluster: in-cluster, namespace: ray}\npodSecurity: baseline\n"
        "clusters: [{name: c, head: {cpu: '1', podTemplate: {spec: {initContainers: [{name: ray-head, image: b}]}}}, "
        f"spec: {spec}}}]"
    )
    assert sorted({rule for _, rule, _ in problems_of(tool, environments, {"team": body})}) == rules
