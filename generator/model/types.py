"""The environment model: frozen, typed dataclasses with every default applied (built by `model.build`).

The model says what the user wants in Ray terms (groups, resources, volumes), already resolved against
`defaults` and the cluster-wide settings; turning it into Kubernetes objects is the renderer's job.
Pass-through fields (affinity, podTemplate, runtimeEnv, ...) stay plain mappings.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from generator.releases import KubeRayRelease

Quantity = str | int | float
JsonMap = Mapping[str, Any]


@dataclass(frozen=True)
class Volume:
    name: str
    mount_path: str
    read_only: bool | None
    sub_path: str | None
    source: JsonMap  # exactly one Kubernetes volume source, e.g. {"configMap": {...}}


@dataclass(frozen=True)
class PodSettings:
    image: str
    image_pull_policy: str | None
    node_selector: Mapping[str, str]
    tolerations: tuple[JsonMap, ...]
    affinity: JsonMap
    image_pull_secrets: tuple[str, ...]
    service_account_name: str | None
    env: tuple[JsonMap, ...]
    labels: Mapping[str, str]
    annotations: Mapping[str, str]
    volumes: tuple[Volume, ...]


@dataclass(frozen=True)
class Resources:
    requests: Mapping[str, Quantity]
    limits: Mapping[str, Quantity]


@dataclass(frozen=True)
class Group:
    """The head or a worker group: one pod shape."""

    container_name: str  # of the Ray container, always the first container of the pod
    pod: PodSettings
    resources: Resources
    ray_start_params: Mapping[str, str]
    ports: tuple[JsonMap, ...]
    pod_template: JsonMap
    security_context: JsonMap | None  # of the Ray container; None: none is written
    automount_service_account_token: bool | None  # None: the Kubernetes default (mounted)
    ray_labels: Mapping[str, str]  # the group's Ray node labels (KubeRay >= 1.5.0)
    ray_resources: Mapping[str, str]  # the group's Ray logical resources (KubeRay >= 1.5.0)


@dataclass(frozen=True)
class HeadGroup:
    group: Group
    service_type: str | None
    service: JsonMap | None  # the head Service as the user shapes it (headGroupSpec.headService)


@dataclass(frozen=True)
class WorkerGroup:
    name: str
    replicas: int
    min_replicas: int
    max_replicas: int
    num_of_hosts: int | None
    idle_timeout_seconds: int | None
    group: Group


@dataclass(frozen=True)
class Autoscaling:
    version: str | None
    idle_timeout_seconds: int | None
    upscaling_mode: str | None
    image: str | None
    image_pull_policy: str | None
    resources: JsonMap | None
    env: tuple[JsonMap, ...] | None
    env_from: tuple[JsonMap, ...] | None
    security_context: JsonMap | None
    command: tuple[str, ...] | None
    args: tuple[str, ...] | None


@dataclass(frozen=True)
class GcsFaultTolerance:
    backend: str | None  # None: the operator's default, redis
    storage: JsonMap | None  # the rocksdb backend's volume
    redis_address: str | None
    redis_password_secret: tuple[str, str] | None  # (Secret name, key)
    external_storage_namespace: str | None


@dataclass(frozen=True)
class ClusterSpec:
    ray_version: str | None
    head: HeadGroup
    worker_groups: tuple[WorkerGroup, ...]
    autoscaling: Autoscaling | None  # None: autoscaler off
    gcs_fault_tolerance: GcsFaultTolerance | None
    network_policy: JsonMap | None
    tls_options: JsonMap | None
    history_server: JsonMap | None
    auth: JsonMap | None


@dataclass(frozen=True)
class ObjectMeta:
    name: str
    labels: Mapping[str, str]
    annotations: Mapping[str, str]


@dataclass(frozen=True)
class RayCluster:
    meta: ObjectMeta
    spec: ClusterSpec
    suspend: bool | None
    upgrade_strategy: str | None
    delivery: str  # "kustomize" or "helm"
    override: JsonMap  # the item's `spec`: raw spec fields merged last (render/workloads.py)


@dataclass(frozen=True)
class Submitter:
    container_name: str
    image: str
    image_pull_policy: str | None
    resources: Resources
    security_context: JsonMap | None
    env: tuple[JsonMap, ...]
    service_account_name: str | None
    labels: Mapping[str, str]
    annotations: Mapping[str, str]
    pod_template: JsonMap


@dataclass(frozen=True)
class RayJob:
    meta: ObjectMeta
    entrypoint: str | None
    entrypoint_num_cpus: float | None
    entrypoint_num_gpus: float | None
    entrypoint_resources: JsonMap | None
    job_id: str | None
    runtime_env: JsonMap | None
    submission_mode: str | None
    shutdown_after_job_finishes: bool | None
    ttl_seconds_after_finished: int | None
    active_deadline_seconds: int | None
    backoff_limit: int | None
    suspend: bool | None
    pre_running_deadline_seconds: int | None
    deletion_strategy: JsonMap | None
    deletion_policy: str | None
    cluster: ClusterSpec | None
    cluster_selector: Mapping[str, str] | None
    submitter: Submitter | None
    override: JsonMap


@dataclass(frozen=True)
class RayCronJob:
    meta: ObjectMeta
    schedule: str
    time_zone: str | None
    suspend: bool | None
    job: RayJob  # the jobTemplate, built as a jobs[] item of the same name
    override: JsonMap


@dataclass(frozen=True)
class RayService:
    meta: ObjectMeta
    serve_config: JsonMap | None  # None: the RayService has no serveConfigV2 (or its `spec` writes it)
    upgrade_strategy: str | None
    cluster_upgrade_options: JsonMap | None
    ray_cluster_deletion_delay_seconds: int | None
    suspend: bool | None
    exclude_head_pod_from_serve_svc: bool | None
    serve_service: JsonMap | None
    cluster: ClusterSpec
    override: JsonMap


@dataclass(frozen=True)
class ConfigMap:
    name: str
    data: Mapping[str, str]


@dataclass(frozen=True)
class Patch:
    target: JsonMap | None
    patch: Any  # a strategic-merge mapping or a list of JSON 6902 operations


@dataclass(frozen=True)
class Operator:
    install: bool
    namespace: str
    delivery: str  # helm (the kuberay-operator chart) or kustomize (ray-operator/config/default)
    source: str  # with kustomize: remote (GitHub at the release tag) or vendored (a copy in this repository)
    watch_namespaces: tuple[str, ...]
    feature_gates: Mapping[str, bool]
    resources: JsonMap | None
    env: tuple[JsonMap, ...]
    values: JsonMap


@dataclass(frozen=True)
class NamespaceGrant:
    """The operator's Role in one namespace, bound to its service account (generator/model/access.py)."""

    role: str
    service_account: str
    service_account_namespace: str
    rules: tuple[Mapping[str, Any], ...]
    owner: str  # the environment that installs the operator


@dataclass(frozen=True)
class OperatorOwner:
    """The environment that installs the operator on an environment's cluster, as its Flux objects name it: the
    workloads and charts Kustomizations of the others on that cluster depend on its operator Kustomization."""

    name: str
    flux_namespace: str | None  # the namespace of its Flux objects; None: it is synced by Argo CD only


@dataclass(frozen=True)
class Target:
    cluster: str
    namespace: str
    kubernetes_version: str  # the minor version whose OpenAPI schemas check `objects`


@dataclass(frozen=True)
class GitOps:
    engine: str
    repo_url: str
    target_revision: str
    path: str  # where rendered/ lives in the repository
    argocd_namespace: str
    flux_namespace: str
    interval: str
    stage: int | None = None  # ApplicationSet mode: the rollout stage (render/applicationset.py)
    sync_windows: tuple[JsonMap, ...] = ()
    notifications: tuple[JsonMap, ...] = ()  # Argo CD notifications subscriptions: service and recipient
    alert_provider: str | None = None  # the Flux notification Provider of the environment's Alert

    @property
    def argocd(self) -> bool:
        return self.engine in ("argocd", "both")

    @property
    def flux(self) -> bool:
        return self.engine in ("flux", "both")


@dataclass(frozen=True)
class Environment:
    name: str
    source: str  # the environment file as written in generated headers, e.g. environments/dev.yaml
    release: KubeRayRelease
    pod_security: str  # the Pod Security Standard level of the namespace: restricted, baseline or privileged
    target: Target
    gitops: GitOps
    operator: Operator
    config_maps: tuple[ConfigMap, ...]
    clusters: tuple[RayCluster, ...]
    jobs: tuple[RayJob, ...]
    services: tuple[RayService, ...]
    patches: tuple[Patch, ...]
    # the Role of a single-namespace operator in this environment's namespace (generator/model/access.py)
    namespace_grant: NamespaceGrant | None = None
    # the environment that installs the operator on this one's cluster, when another does (model/access.py)
    operator_owner: OperatorOwner | None = None
    objects: tuple[JsonMap, ...] = ()  # other Kubernetes objects, as rendered (model/build.py kubernetes_object)
    cron_jobs: tuple[RayCronJob, ...] = ()
    # cluster-scoped objects (`clusterObjects`), as rendered; the workloads' AppProject and Flux account may
    # write exactly these, by name (render/gitops.py)
    cluster_objects: tuple[JsonMap, ...] = ()
