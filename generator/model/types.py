"""Stage 4: frozen, typed dataclasses built from a checked environment, with every default applied.

The model says what the user wants in Ray terms (groups, resources, volumes), already resolved against
`defaults` and the cluster-wide settings; turning it into Kubernetes objects is the renderer's job.
Pass-through fields (affinity, podTemplate, runtimeEnv, ...) stay plain mappings.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
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

    pod: PodSettings
    resources: Resources
    ray_start_params: Mapping[str, str]
    ports: tuple[JsonMap, ...]
    pod_template: JsonMap


@dataclass(frozen=True)
class HeadGroup:
    group: Group
    service_type: str | None


@dataclass(frozen=True)
class WorkerGroup:
    name: str
    replicas: int
    min_replicas: int
    max_replicas: int
    num_of_hosts: int | None
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


@dataclass(frozen=True)
class GcsFaultTolerance:
    redis_address: str
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


@dataclass(frozen=True)
class Submitter:
    image: str
    image_pull_policy: str | None
    resources: Resources
    env: tuple[JsonMap, ...]
    service_account_name: str | None
    labels: Mapping[str, str]
    annotations: Mapping[str, str]
    pod_template: JsonMap


@dataclass(frozen=True)
class RayJob:
    meta: ObjectMeta
    entrypoint: str | None
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


@dataclass(frozen=True)
class RayService:
    meta: ObjectMeta
    serve_config: JsonMap
    upgrade_strategy: str | None
    cluster_upgrade_options: JsonMap | None
    ray_cluster_deletion_delay_seconds: int | None
    suspend: bool | None
    exclude_head_pod_from_serve_svc: bool | None
    cluster: ClusterSpec


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
    watch_namespaces: tuple[str, ...]
    feature_gates: Mapping[str, bool]
    resources: JsonMap | None
    env: tuple[JsonMap, ...]
    values: JsonMap


@dataclass(frozen=True)
class Target:
    cluster: str
    namespace: str


@dataclass(frozen=True)
class GitOps:
    engine: str
    repo_url: str
    target_revision: str
    path: str  # where rendered/ lives in the repository
    argocd_namespace: str
    flux_namespace: str
    interval: str

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
    target: Target
    gitops: GitOps
    operator: Operator
    config_maps: tuple[ConfigMap, ...]
    clusters: tuple[RayCluster, ...]
    jobs: tuple[RayJob, ...]
    services: tuple[RayService, ...]
    patches: tuple[Patch, ...]


DEFAULT_TARGET_REVISION = "main"
DEFAULT_OPERATOR_NAMESPACE = "kuberay-system"
DEFAULT_RENDERED_PATH = "rendered"
DEFAULT_ARGOCD_NAMESPACE = "argocd"
DEFAULT_FLUX_NAMESPACE = "flux-system"
DEFAULT_FLUX_INTERVAL = "10m"
MANAGED_BY = "kuberay-gitops"
ENVIRONMENT_LABEL = "kuberay-gitops/environment"


def build_environment(data: Mapping[str, Any], file: Path, release: KubeRayRelease) -> Environment:
    """Build the model from schema- and rule-checked data (no validation happens here)."""
    defaults = data.get("defaults", {})
    name = data["name"]
    operator = data.get("operator", {})
    gitops = data["gitops"]
    return Environment(
        name=name,
        source=f"{file.resolve().parent.name}/{file.name}",
        release=release,
        target=Target(cluster=data["target"]["cluster"], namespace=data["target"]["namespace"]),
        gitops=GitOps(
            engine=gitops["engine"],
            repo_url=gitops["repoURL"],
            target_revision=gitops.get("targetRevision", DEFAULT_TARGET_REVISION),
            path=gitops.get("path", DEFAULT_RENDERED_PATH),
            argocd_namespace=gitops.get("argocdNamespace", DEFAULT_ARGOCD_NAMESPACE),
            flux_namespace=gitops.get("fluxNamespace", DEFAULT_FLUX_NAMESPACE),
            interval=gitops.get("interval", DEFAULT_FLUX_INTERVAL),
        ),
        operator=Operator(
            install=operator.get("install", False),
            namespace=operator.get("namespace", DEFAULT_OPERATOR_NAMESPACE),
            watch_namespaces=tuple(operator.get("watchNamespaces", ())),
            feature_gates=dict(operator.get("featureGates", {})),
            resources=operator.get("resources"),
            env=tuple(operator.get("env", ())),
            values=operator.get("values", {}),
        ),
        config_maps=tuple(ConfigMap(item["name"], item["data"]) for item in data.get("configMaps", [])),
        clusters=tuple(
            RayCluster(
                meta=_meta(item, name),
                spec=_cluster_spec(item, defaults),
                suspend=item.get("suspend"),
                upgrade_strategy=item.get("upgradeStrategy", {}).get("type"),
                delivery=item.get("delivery", "kustomize"),
            )
            for item in data.get("clusters", [])
        ),
        jobs=tuple(_job(item, defaults, name) for item in data.get("jobs", [])),
        services=tuple(
            RayService(
                meta=_meta(item, name),
                serve_config=item["serveConfig"],
                upgrade_strategy=item.get("upgradeStrategy", {}).get("type"),
                cluster_upgrade_options=item.get("upgradeStrategy", {}).get("clusterUpgradeOptions"),
                ray_cluster_deletion_delay_seconds=item.get("rayClusterDeletionDelaySeconds"),
                suspend=item.get("suspend"),
                exclude_head_pod_from_serve_svc=item.get("excludeHeadPodFromServeSvc"),
                cluster=_cluster_spec(item["cluster"], defaults),
            )
            for item in data.get("services", [])
        ),
        patches=tuple(Patch(item.get("target"), item["patch"]) for item in data.get("patches", [])),
    )


def _meta(item: Mapping[str, Any], environment: str) -> ObjectMeta:
    # User labels may not override the ones the generator relies on to find its own objects.
    labels = {
        **item.get("labels", {}),
        "app.kubernetes.io/managed-by": MANAGED_BY,
        ENVIRONMENT_LABEL: environment,
    }
    return ObjectMeta(name=item["name"], labels=labels, annotations=dict(item.get("annotations", {})))


def _job(item: Mapping[str, Any], defaults: Mapping[str, Any], environment: str) -> RayJob:
    submitter = item.get("submitter")
    return RayJob(
        meta=_meta(item, environment),
        entrypoint=item.get("entrypoint"),
        runtime_env=item.get("runtimeEnv"),
        submission_mode=item.get("submissionMode"),
        shutdown_after_job_finishes=item.get("shutdownAfterJobFinishes"),
        ttl_seconds_after_finished=item.get("ttlSecondsAfterFinished"),
        active_deadline_seconds=item.get("activeDeadlineSeconds"),
        backoff_limit=item.get("backoffLimit"),
        suspend=item.get("suspend"),
        pre_running_deadline_seconds=item.get("preRunningDeadlineSeconds"),
        deletion_strategy=item.get("deletionStrategy"),
        deletion_policy=item.get("deletionPolicy"),
        cluster=_cluster_spec(item["cluster"], defaults) if "cluster" in item else None,
        cluster_selector=item.get("clusterSelector"),
        submitter=_submitter(submitter, item.get("cluster", {}), defaults) if submitter is not None else None,
    )


def _submitter(item: Mapping[str, Any], cluster: Mapping[str, Any], defaults: Mapping[str, Any]) -> Submitter:
    return Submitter(
        image=item.get("image") or cluster.get("image") or defaults["image"],
        image_pull_policy=item.get("imagePullPolicy", defaults.get("imagePullPolicy")),
        resources=_resources(item),
        env=tuple(item.get("env", ())),
        service_account_name=item.get("serviceAccountName", defaults.get("serviceAccountName")),
        labels=dict(item.get("labels", {})),
        annotations=dict(item.get("annotations", {})),
        pod_template=item.get("podTemplate", {}),
    )


def _cluster_spec(item: Mapping[str, Any], defaults: Mapping[str, Any]) -> ClusterSpec:
    cluster_image = item.get("image")
    autoscaling = item.get("autoscaling", {})
    gcs = item.get("gcsFaultTolerance")
    head = item["head"]
    return ClusterSpec(
        ray_version=item.get("rayVersion", defaults.get("rayVersion")),
        head=HeadGroup(_group(head, cluster_image, defaults), head.get("serviceType")),
        worker_groups=tuple(_worker_group(group, cluster_image, defaults) for group in item.get("workerGroups", [])),
        autoscaling=_autoscaling(autoscaling) if autoscaling.get("enabled") else None,
        gcs_fault_tolerance=_gcs(gcs) if gcs is not None else None,
        network_policy=item.get("networkPolicy"),
        tls_options=item.get("tlsOptions"),
        history_server=item.get("historyServer"),
    )


def _worker_group(item: Mapping[str, Any], cluster_image: str | None, defaults: Mapping[str, Any]) -> WorkerGroup:
    # Unset bounds follow replicas, so a fixed-size group needs only `replicas`.
    replicas = item.get("replicas", item.get("minReplicas", 1))
    min_replicas = item.get("minReplicas", replicas)
    return WorkerGroup(
        name=item["name"],
        replicas=replicas,
        min_replicas=min_replicas,
        max_replicas=item.get("maxReplicas", max(replicas, min_replicas)),
        num_of_hosts=item.get("numOfHosts"),
        group=_group(item, cluster_image, defaults),
    )


def _group(item: Mapping[str, Any], cluster_image: str | None, defaults: Mapping[str, Any]) -> Group:
    return Group(
        pod=_pod_settings(item, cluster_image, defaults),
        resources=_resources(item),
        ray_start_params={key: _ray_start_value(value) for key, value in item.get("rayStartParams", {}).items()},
        ports=tuple(item.get("ports", ())),
        pod_template=item.get("podTemplate", {}),
    )


def _pod_settings(item: Mapping[str, Any], cluster_image: str | None, defaults: Mapping[str, Any]) -> PodSettings:
    def pick(key: str, empty: Any) -> Any:
        return item.get(key, defaults.get(key, empty))

    volumes = {volume["name"]: volume for volume in defaults.get("volumes", [])}
    volumes.update({volume["name"]: volume for volume in item.get("volumes", [])})
    env = {variable["name"]: variable for variable in defaults.get("env", [])}
    env.update({variable["name"]: variable for variable in item.get("env", [])})
    return PodSettings(
        image=item.get("image") or cluster_image or defaults["image"],
        image_pull_policy=pick("imagePullPolicy", None),
        node_selector=pick("nodeSelector", {}),
        tolerations=tuple(pick("tolerations", ())),
        affinity=pick("affinity", {}),
        image_pull_secrets=tuple(pick("imagePullSecrets", ())),
        service_account_name=pick("serviceAccountName", None),
        env=tuple(env.values()),
        labels={**defaults.get("labels", {}), **item.get("labels", {})},
        annotations={**defaults.get("annotations", {}), **item.get("annotations", {})},
        volumes=tuple(_volume(volume) for volume in volumes.values()),
    )


def _volume(item: Mapping[str, Any]) -> Volume:
    mount_keys = {"name", "mountPath", "readOnly", "subPath"}
    return Volume(
        name=item["name"],
        mount_path=item["mountPath"],
        read_only=item.get("readOnly"),
        sub_path=item.get("subPath"),
        source={key: value for key, value in item.items() if key not in mount_keys},
    )


def _resources(item: Mapping[str, Any]) -> Resources:
    shorthand: dict[str, Quantity] = {}
    for key, resource in (("cpu", "cpu"), ("memory", "memory"), ("gpu", "nvidia.com/gpu")):
        if key in item:
            shorthand[resource] = item[key]
    shorthand.update(item.get("extendedResources", {}))
    return Resources(
        requests={**shorthand, **item.get("requests", {})},
        limits={**shorthand, **item.get("limits", {})},
    )


def _ray_start_value(value: str | int | float | bool) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _autoscaling(item: Mapping[str, Any]) -> Autoscaling:
    env_from = item.get("envFrom")
    env = item.get("env")
    return Autoscaling(
        version=item.get("version"),
        idle_timeout_seconds=item.get("idleTimeoutSeconds"),
        upscaling_mode=item.get("upscalingMode"),
        image=item.get("image"),
        image_pull_policy=item.get("imagePullPolicy"),
        resources=item.get("resources"),
        env=tuple(env) if env is not None else None,
        env_from=tuple(env_from) if env_from is not None else None,
        security_context=item.get("securityContext"),
    )


def _gcs(item: Mapping[str, Any]) -> GcsFaultTolerance:
    password = item.get("redisPassword")
    return GcsFaultTolerance(
        redis_address=item["redisAddress"],
        redis_password_secret=(password["secretName"], password["key"]) if password else None,
        external_storage_namespace=item.get("externalStorageNamespace"),
    )
