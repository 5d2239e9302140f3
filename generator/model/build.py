"""Stage 4: the model built from schema-checked data, and the one place where defaults and derived values
are computed.

Each fact has one public function here (the shorthand resources of a group, its image, its volumes and
environment merged with `defaults`, the effective feature gates, the GitOps settings with their
defaults). The builder uses them, and so do the rules, which read the user's data for its positions but
never work a fact out again; docs/architecture.md lists them.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal
from pathlib import Path
from typing import Any

from generator.errors import DocPath, InternalError
from generator.input.resolve import merged_lists
from generator.model.fields import CLUSTER_SPEC, JOB_SPEC_AT, OVERRIDE
from generator.model.names import HEAD_CONTAINER, SUBMITTER_CONTAINER, WORKER_CONTAINER
from generator.model.types import (
    Autoscaling,
    ClusterSpec,
    ConfigMap,
    Environment,
    GcsFaultTolerance,
    GitOps,
    Group,
    HeadGroup,
    JsonMap,
    ObjectMeta,
    Operator,
    Patch,
    PodSettings,
    Quantity,
    RayCluster,
    RayCronJob,
    RayJob,
    RayService,
    Resources,
    Submitter,
    Target,
    Volume,
    WorkerGroup,
)
from generator.quantity import parse_quantity
from generator.releases import KubeRayRelease, version_key
from generator.source import value_at

DEFAULT_TARGET_REVISION = "main"
DEFAULT_OPERATOR_NAMESPACE = "kuberay-system"
DEFAULT_OPERATOR_DELIVERY = "helm"
DEFAULT_OPERATOR_SOURCE = "remote"
DEFAULT_RENDERED_PATH = "rendered"
DEFAULT_ARGOCD_NAMESPACE = "argocd"
DEFAULT_FLUX_NAMESPACE = "flux-system"
DEFAULT_FLUX_INTERVAL = "10m"
DEFAULT_DELIVERY = "kustomize"
DEFAULT_SUBMISSION_MODE = "K8sJobMode"
# The Kubernetes minor version whose OpenAPI schemas (the kubernetes-validate package) check `objects`, unless
# target.kubernetesVersion says otherwise; `objectSchemas` entries that render an object unchecked say this.
DEFAULT_KUBERNETES_VERSION = "1.34"
UNCHECKED = "unchecked"
MANAGED_BY = "kuberay-gitops"
MANAGED_BY_LABEL = "app.kubernetes.io/managed-by"
ENVIRONMENT_LABEL = "kuberay-gitops/environment"
GPU_RESOURCE = "nvidia.com/gpu"
# The shorthand keys of a group or submitter, and the Kubernetes resource each one stands for.
RESOURCE_SHORTHAND = (("cpu", "cpu"), ("memory", "memory"), ("gpu", GPU_RESOURCE))
# Pod Security Standards levels (kubernetes.io/docs/concepts/security/pod-security-standards/)
POD_SECURITY_LEVELS = ("restricted", "baseline", "privileged")
DEFAULT_POD_SECURITY = "restricted"
# What every container needs under the restricted level; the rayproject images run as user 1000, so they pass
# runAsNonRoot (the kubelet checks the image's numeric USER).
RESTRICTED_CONTAINER_SECURITY = {
    "allowPrivilegeEscalation": False,
    "capabilities": {"drop": ["ALL"]},
    "runAsNonRoot": True,
    "seccompProfile": {"type": "RuntimeDefault"},
}
# KubeRay's own submitter pod (GetDefaultSubmitterTemplate, ray-operator/controllers/ray/common/job.go),
# which the generator writes out when the namespace is restricted: KubeRay's has no securityContext.
DEFAULT_SUBMITTER_RESOURCES = Resources(
    requests={"cpu": "500m", "memory": "200Mi"}, limits={"cpu": "1", "memory": "1Gi"}
)
# The default of each environment field that has one, by its path as docs/environment.md writes it; what
# `explain` prints, from the same constants the model applies.
ENVIRONMENT_DEFAULTS = {
    "gitops.targetRevision": DEFAULT_TARGET_REVISION,
    "gitops.path": DEFAULT_RENDERED_PATH,
    "gitops.argocdNamespace": DEFAULT_ARGOCD_NAMESPACE,
    "gitops.fluxNamespace": DEFAULT_FLUX_NAMESPACE,
    "gitops.interval": DEFAULT_FLUX_INTERVAL,
    "operator.install": "false",
    "operator.namespace": DEFAULT_OPERATOR_NAMESPACE,
    "operator.delivery": DEFAULT_OPERATOR_DELIVERY,
    "operator.source": DEFAULT_OPERATOR_SOURCE,
    "clusters[].delivery": DEFAULT_DELIVERY,
    "jobs[].submissionMode": DEFAULT_SUBMISSION_MODE,
    "podSecurity": DEFAULT_POD_SECURITY,
    "target.kubernetesVersion": DEFAULT_KUBERNETES_VERSION,
}
# The defaults of the fields of any head or worker group, cluster spec or submitter, by the end of their path (a
# group is under clusters[], jobs[].cluster, services[].cluster and cronJobs[].job.cluster): what `explain` prints,
# in the words of the functions that apply them (worker_bounds, ray_container, submitter_container,
# cluster_ray_version)
NESTED_DEFAULTS = {
    "workerGroups[].replicas": "minReplicas, else 1",
    "workerGroups[].minReplicas": "replicas",
    "workerGroups[].maxReplicas": "the larger of replicas and minReplicas",
    "head.containerName": HEAD_CONTAINER,
    "workerGroups[].containerName": WORKER_CONTAINER,
    "submitter.containerName": SUBMITTER_CONTAINER,
    "rayVersion": "defaults.rayVersion (none: KubeRay then reads no Ray version)",
}
MAX_FILE_NAME = 255  # bytes: ext4, xfs, APFS and NTFS take no longer file name
# The keys of a volume item that describe its mount; every other key is the volume source.
VOLUME_MOUNT_KEYS = frozenset({"name", "mountPath", "readOnly", "subPath"})


def build_environment(data: Mapping[str, Any], file: Path, release: KubeRayRelease) -> Environment:
    """Build the model from schema- and rule-checked data (no validation happens here)."""
    defaults = data.get("defaults", {})
    name = data["name"]
    level = pod_security_level(data)
    return Environment(
        name=name,
        source=f"{file.resolve().parent.name}/{file.name}",
        release=release,
        pod_security=level,
        target=Target(
            cluster=data["target"]["cluster"],
            namespace=data["target"]["namespace"],
            kubernetes_version=kubernetes_version(data),
        ),
        gitops=gitops_settings(data["gitops"]),
        operator=operator_settings(data.get("operator", {})),
        config_maps=tuple(ConfigMap(item["name"], item["data"]) for item in data.get("configMaps", [])),
        clusters=tuple(
            RayCluster(
                meta=_meta(item, name),
                spec=_cluster_spec(item, defaults, level, written_cluster_spec(item, "RayCluster")),
                suspend=item.get("suspend"),
                upgrade_strategy=item.get("upgradeStrategy", {}).get("type"),
                delivery=cluster_delivery(item),
                override=item.get("spec", {}),
            )
            for item in data.get("clusters", [])
        ),
        jobs=tuple(
            _job(item, defaults, name, level, written_job_spec(item, "RayJob")) for item in data.get("jobs", [])
        ),
        services=tuple(
            RayService(
                meta=_meta(item, name),
                serve_config=item.get("serveConfig"),
                upgrade_strategy=item.get("upgradeStrategy", {}).get("type"),
                cluster_upgrade_options=item.get("upgradeStrategy", {}).get("clusterUpgradeOptions"),
                ray_cluster_deletion_delay_seconds=item.get("rayClusterDeletionDelaySeconds"),
                suspend=item.get("suspend"),
                exclude_head_pod_from_serve_svc=item.get("excludeHeadPodFromServeSvc"),
                serve_service=item.get("serveService"),
                cluster=_cluster_spec(item["cluster"], defaults, level, written_cluster_spec(item, "RayService")),
                override=item.get("spec", {}),
            )
            for item in data.get("services", [])
        ),
        patches=tuple(Patch(item.get("target"), item["patch"]) for item in data.get("patches", [])),
        objects=tuple(kubernetes_object(item, name) for item in data.get("objects", [])),
        cron_jobs=tuple(_cron_job(item, defaults, name, level) for item in data.get("cronJobs", [])),
        cluster_objects=tuple(kubernetes_object(item, name) for item in data.get("clusterObjects", [])),
    )


def kubernetes_version(data: Mapping[str, Any]) -> str:
    """The Kubernetes minor version of the environment's cluster, whose schemas check its `objects`."""
    return str(data["target"].get("kubernetesVersion", DEFAULT_KUBERNETES_VERSION))


def kubernetes_object(item: Mapping[str, Any], environment: str) -> dict[str, Any]:
    """An `objects` or `clusterObjects` item as rendered: the generator's labels added, as on every object it
    writes (the overlay's namespace replaces any other, and leaves a cluster-scoped kind without one)."""
    metadata = dict(item["metadata"])
    metadata["labels"] = {**metadata.get("labels", {}), **generator_labels(environment)}
    return {**item, "metadata": metadata}


def object_file_name(item: Mapping[str, Any]) -> str:
    """The file of an `objects` or `clusterObjects` item in the workloads overlay (a cluster-scoped kind has
    a name of its own, ClusterRole beside Role). A name too long for a file name (most file systems take 255
    bytes; Kubernetes names have up to 253 characters) is cut, with a digest of the whole for a name of its own."""
    name = f"{str(item['kind']).lower()}-{item['metadata']['name']}"
    if len(name.encode()) + len(".yaml") > MAX_FILE_NAME:
        digest = hashlib.sha256(name.encode()).hexdigest()[:12]
        name = f"{name[: MAX_FILE_NAME - len('.yaml') - len(digest) - 1]}-{digest}"
    return f"{name}.yaml"


def pod_security_level(data: Mapping[str, Any]) -> str:
    """The Pod Security Standard the environment's namespace enforces, and its pods are written to pass."""
    return str(data.get("podSecurity", DEFAULT_POD_SECURITY))


def container_security_context(level: str) -> JsonMap | None:
    """The securityContext every container the generator writes gets at `level` (None: none written)."""
    return RESTRICTED_CONTAINER_SECURITY if level == "restricted" else None


def writes_submitter(job: Mapping[str, Any], level: str) -> bool:
    """Whether the RayJob gets a submitter pod template: the user's, or (restricted namespaces) KubeRay's own
    written out with a securityContext, since KubeRay's default submitter pod would be refused."""
    mode = job.get("submissionMode", DEFAULT_SUBMISSION_MODE)
    # a job on a selected cluster: its head's image is not known here, so KubeRay's default stays (and the
    # pod-security check asks for a submitter)
    return "submitter" in job or (level == "restricted" and mode == DEFAULT_SUBMISSION_MODE and "cluster" in job)


def submitter_image(job: Mapping[str, Any], defaults: Mapping[str, Any], written: Any) -> str | None:
    """The submitter's image as rendered: what the item's `spec` writes for its container (`written`: the RayJob
    spec it writes), else its podTemplate, else its own image, else the head's as rendered, which KubeRay's
    default submitter takes."""
    submitter = job.get("submitter", {})
    written_pod = value_at(written, ("submitterPodTemplate", "spec"))
    passed = passed_through(submitter, submitter_container(job), "image", written_pod)
    if passed is None or isinstance(passed, str):  # else NOT_PASSED, or a value the CRD check refuses
        return passed or None
    if submitter.get("image"):
        return str(submitter["image"])
    return job_head_image(job, defaults, written)


def job_head_image(job: Mapping[str, Any], defaults: Mapping[str, Any], written: Any) -> str | None:
    """The image of a RayJob's head as rendered (`written`: the RayJob spec its item's `spec` writes)."""
    cluster = job.get("cluster", {})
    return group_image(cluster.get("head", {}), cluster, defaults, True, value_at(written, ("rayClusterSpec",)))


def service_token(group: Mapping[str, Any], defaults: Mapping[str, Any], level: str, autoscaler: bool) -> bool | None:
    """automountServiceAccountToken of a group's pods: off (False) unless something needs the token: the
    autoscaler (it scales the cluster through the API), a ServiceAccount the user names (their code calls the
    API), or the privileged level (nothing added). None leaves the Kubernetes default, which mounts it."""
    if level == "privileged" or autoscaler or pod_setting(group, defaults, "serviceAccountName"):
        return None
    return False


def gitops_settings(gitops: Mapping[str, Any]) -> GitOps:
    """The `gitops` section with its defaults applied."""
    return GitOps(
        engine=gitops["engine"],
        repo_url=gitops["repoURL"],
        target_revision=gitops.get("targetRevision", DEFAULT_TARGET_REVISION),
        path=gitops.get("path", DEFAULT_RENDERED_PATH),
        argocd_namespace=gitops.get("argocdNamespace", DEFAULT_ARGOCD_NAMESPACE),
        flux_namespace=gitops.get("fluxNamespace", DEFAULT_FLUX_NAMESPACE),
        interval=gitops.get("interval", DEFAULT_FLUX_INTERVAL),
        stage=gitops.get("stage"),
        sync_windows=tuple(gitops.get("syncWindows", ())),
        notifications=tuple(gitops.get("notifications", {}).get("argocd", ())),
        alert_provider=gitops.get("notifications", {}).get("flux", {}).get("provider"),
    )


def operator_settings(operator: Mapping[str, Any]) -> Operator:
    """The `operator` section with its defaults applied."""
    return Operator(
        install=operator.get("install", False),
        namespace=operator.get("namespace", DEFAULT_OPERATOR_NAMESPACE),
        delivery=operator.get("delivery", DEFAULT_OPERATOR_DELIVERY),
        source=operator.get("source", DEFAULT_OPERATOR_SOURCE),
        watch_namespaces=tuple(operator.get("watchNamespaces", ())),
        feature_gates=dict(operator.get("featureGates", {})),
        resources=operator.get("resources"),
        env=tuple(operator.get("env", ())),
        values=operator.get("values", {}),
    )


def effective_feature_gates(release: KubeRayRelease, configured: Mapping[str, bool]) -> dict[str, bool]:
    """The --feature-gates the operator is started with: the release chart's in chart order, then the overrides."""
    return {**release.default_feature_gates, **configured}


def feature_gate_states(release: KubeRayRelease, configured: Mapping[str, bool]) -> dict[str, bool]:
    """Whether each gate the operator registers is on: as --feature-gates sets it, else the operator's own
    default (ray-operator/pkg/features/features.go, defaultFeatureGates), which the chart may not list."""
    return {**release.operator_feature_gates, **effective_feature_gates(release, configured)}


def cluster_delivery(item: Mapping[str, Any]) -> str:
    """How a RayCluster reaches the cluster: "kustomize" (rendered here) or "helm" (the ray-cluster chart)."""
    return str(item.get("delivery", DEFAULT_DELIVERY))


def worker_group_names(cluster: Mapping[str, Any]) -> set[str]:
    """The names of a cluster item's structured worker groups: those a `spec` worker group of the same groupName
    changes rather than adds to."""
    groups = cluster.get("workerGroups")
    return (
        {str(group.get("name")) for group in groups if isinstance(group, dict)} if isinstance(groups, list) else set()
    )


def autoscaling_enabled(cluster: Mapping[str, Any]) -> bool:
    return bool(cluster.get("autoscaling", {}).get("enabled", False))


def autoscaler_rendered(cluster: Mapping[str, Any], written: Any) -> bool:
    """Whether the rendered cluster spec runs the autoscaler: enableInTreeAutoscaling as the item's `spec` writes
    it (`written`: the cluster spec it writes, merged last; its null removes it), else the structured field. The
    operator reads that alone (IsAutoscalingEnabled, utils/util.go)."""
    if isinstance(written, Mapping) and "enableInTreeAutoscaling" in written:
        return written["enableInTreeAutoscaling"] is True
    return autoscaling_enabled(cluster)


def group_image(
    group: Mapping[str, Any], cluster: Mapping[str, Any], defaults: Mapping[str, Any], head: bool, written: Any = None
) -> str | None:
    """The Ray container's image as rendered: what the group's podTemplate and then the item's `spec` write for
    the container of its name (`written`: the cluster spec that `spec` writes; passed_through), else the
    group's, else the cluster's, else the environment default."""
    passed = passed_through(group, ray_container(group, head), "image", written_group_pod(written, group, head))
    if passed is None or isinstance(passed, str):  # else NOT_PASSED, or a value the CRD check refuses
        return passed or None
    image = group.get("image") or cluster.get("image") or defaults.get("image")
    return str(image) if image else None


def written_group_pod(written: Any, group: Mapping[str, Any], head: bool) -> Any:
    """The pod spec that `written`, the cluster spec an item's `spec` writes, writes for a group (None: none)."""
    return value_at(written, (*written_group_at(written, group, head), "template", "spec"))


def written_group_at(written: Any, group: Mapping[str, Any], head: bool) -> DocPath:
    """Where in `written`, the cluster spec an item's `spec` writes, a group's entry is: the head's, or the last
    workerGroupSpecs entry of the group's name (merged by groupName; a path to nothing when no entry has it)."""
    if head:
        return ("headGroupSpec",)
    groups = value_at(written, ("workerGroupSpecs",))
    matches = [
        index
        for index, entry in enumerate(groups if isinstance(groups, list) else [])
        if isinstance(entry, dict) and entry.get("groupName") == group.get("name")
    ]
    return ("workerGroupSpecs", matches[-1] if matches else -1)


def group_mapping(
    group: Mapping[str, Any],
    key: str,
    written_group: Any,
    written_key: str,
    group_at: DocPath = (),
    written_group_at: DocPath = (),
) -> dict[str, tuple[Any, DocPath]]:
    """A mapping of a group as rendered (rayStartParams; rayResources, the group's `resources`), each entry with
    where it is written: the group's `key`, then what the item's `spec` writes at `written_key` of the group's
    entry (`written_group`), merged as input/resolve.py merges mappings: an entry takes the place of the one
    before, a null removes one, a null (or another value, which the CRD check refuses) instead of the mapping
    removes them all. An entry `spec` writes that is no text (the CRD's maps hold text) is left out, for the
    CRD check to name."""
    structured = group.get(key)
    found = {
        name: (value, (*group_at, key, name))
        for name, value in (structured.items() if isinstance(structured, Mapping) else ())
    }
    if isinstance(written_group, Mapping) and written_key in written_group:
        written = written_group[written_key]
        if not isinstance(written, Mapping):
            return {}
        for name, value in written.items():
            if isinstance(value, str):
                found[name] = (value, (*written_group_at, written_key, name))
            else:  # null removes it; another value (the CRD's maps hold text) is the CRD check's to name
                found.pop(name, None)
    return found


def written_cluster_spec(item: Mapping[str, Any], kind: str) -> Any:
    """What an item of `kind` writes through its `spec` of the cluster spec (None: nothing)."""
    return value_at(item, (OVERRIDE, *CLUSTER_SPEC[kind]))


def written_job_spec(item: Mapping[str, Any], kind: str) -> Any:
    """What a RayJob or RayCronJob item writes through its `spec` of the RayJob spec (None: nothing)."""
    return value_at(item, written_job_spec_at(kind))


def written_job_spec_at(kind: str) -> DocPath:
    """Where, in a RayJob or RayCronJob item, its `spec` writes the RayJob spec."""
    return (OVERRIDE, *JOB_SPEC_AT[kind][1].split(".")[1:])


NOT_PASSED = object()  # what passed_through gives when nothing passed through writes the key


def passed_through(
    item: Mapping[str, Any], container: str, key: str, written_pod: Any = None, *, generated: bool = True
) -> Any:
    """What the item's podTemplate, then the pod spec that the item's `spec` writes (`written_pod`), write at
    `key` of the container named `container` (container_layers), the later over the earlier; NOT_PASSED when
    neither writes it (None where a list replaced the containers and its first says nothing)."""
    layers = container_layers(item, container, written_pod, generated=generated)
    if not layers.readable:  # what replaced the containers is the CRD check's to name: the structured value stands
        return NOT_PASSED
    found: Any = None if layers.replaced else NOT_PASSED
    for _at, part in layers.parts:
        if key in part:
            found = part[key]
    return found


@dataclass(frozen=True)
class ContainerLayers:
    """What merges into a rendered container after the generator's own: the entries of the item's podTemplate
    and of the pod spec that its `spec` writes for the container's name, in merge order, each with where it is
    written. The one reading of that merge: the model, the rules and the messages' locations all take it."""

    replaced: bool  # a list of theirs replaced the generated containers: only `parts` make the container
    parts: tuple[tuple[DocPath, Mapping[str, Any]], ...]
    replaced_at: DocPath | None = None  # where the list that replaced them is written
    # whether the container can be read: not when the list that replaced the containers starts with something
    # other than a mapping, which the CRD check refuses (and says so better than a rule about it would)
    readable: bool = True

    def taken_at(self, key: str) -> DocPath | None:
        """Where the container's `key` was last written or taken away: the last entry that writes it, else
        the entry that replaced the container without it, else the list that left no container. None where
        none did, or where the container cannot be read."""
        if not self.readable:
            return None
        for at, part in reversed(self.parts):
            if key in part:
                return (*at, key)
        if self.parts and self.replaced:
            return self.parts[-1][0]
        return self.replaced_at


_NOTHING_PASSED = ContainerLayers(False, ())


def container_layers(
    item: Mapping[str, Any],
    container: str,
    written_pod: Any,
    item_at: DocPath = (),
    written_pod_at: DocPath = (),
    *,
    generated: bool = True,
) -> ContainerLayers:
    """The layers of the container named `container` (ContainerLayers); their paths start at `item_at` (where
    the item stands) and `written_pod_at` (where `written_pod` stands). Without a `generated` pod (a RayJob's
    submitter that the generator does not write), the first list written is the pod's list whole. Lists merge
    by name only when both sides are keyed by it (input/resolve.py merge): one that is not (empty, an item
    without a name) replaces the list under it, a null removes it, and every list after it replaces again.
    KubeRay then runs containers[0] as the Ray container (and the submitter), whatever its name
    (utils.RayContainerIndex)."""
    if written_pod is None and "podTemplate" not in item:
        return _NOTHING_PASSED  # the common case, asked for by a dozen rules per group
    pods = (((*item_at, "podTemplate", "spec"), value_at(item, ("podTemplate", "spec"))), (written_pod_at, written_pod))
    # a null removes the containers, which leaves none; another value is the CRD check's to name
    lists = [
        ((*at, "containers"), pod["containers"])
        for at, pod in pods
        if isinstance(pod, Mapping) and "containers" in pod and isinstance(pod["containers"], list | None)
    ]
    parts: list[tuple[DocPath, Mapping[str, Any]]] = []
    replacing: tuple[DocPath, list[Any]] | None = None
    for replaces, at, layer in merged_lists(lists, "name", keyed=generated):
        if replaces:
            replacing = (at, layer)
        elif replacing is None:  # (a keyed list over a replacing one would merge into it: no two layers make that)
            parts += [((*at, index), entry) for index, entry in enumerate(layer) if entry["name"] == container]
    if replacing is None:
        return ContainerLayers(False, tuple(parts))
    where, replaced = replacing
    first = replaced[0] if replaced and isinstance(replaced[0], Mapping) else None
    readable = not replaced or first is not None
    return ContainerLayers(True, (((*where, 0), first),) if first is not None else (), where, readable)


def ray_container(group: Mapping[str, Any], head: bool) -> str:
    """The name of a group's Ray container: its containerName, else the generator's name for the head's or a
    worker's. KubeRay takes the first container for the Ray one whatever its name (utils.RayContainerIndex)."""
    return str(group.get("containerName", HEAD_CONTAINER if head else WORKER_CONTAINER))


def submitter_container(job: Mapping[str, Any]) -> str:
    """The name of a RayJob's submitter container: submitter.containerName, else the generator's name."""
    return str(job.get("submitter", {}).get("containerName", SUBMITTER_CONTAINER))


def pod_setting(item: Mapping[str, Any], defaults: Mapping[str, Any], key: str, empty: Any = None) -> Any:
    """A pod setting of a group (imagePullPolicy, tolerations, ...): the group's own, else the default."""
    return item.get(key, defaults.get(key, empty))


def resources(item: Mapping[str, Any]) -> Resources:
    """Requests and limits of a group or submitter: the shorthands (cpu, memory, gpu, extendedResources) set
    both, and explicit `requests` / `limits` entries override them."""
    shorthand: dict[str, Quantity] = {
        resource: item[key] for key, resource in RESOURCE_SHORTHAND if item.get(key) is not None
    }
    shorthand.update(item.get("extendedResources", {}))
    return Resources(
        requests=_quantities({**shorthand, **item.get("requests", {})}),
        limits=_quantities({**shorthand, **item.get("limits", {})}),
    )


def _quantities(amounts: dict[str, Quantity]) -> dict[str, Quantity]:
    """Amounts as a pod takes them: a quantity is an integer or text in the API (the CRDs' int-or-string), so a
    number such as `cpu: 0.5` is written as the text it reads as."""
    if float not in set(map(type, amounts.values())):  # nearly every group: its dict as it is (a hot path)
        return amounts
    return {name: repr(amount) if isinstance(amount, float) else amount for name, amount in amounts.items()}


@dataclass(frozen=True)
class Layered:
    """One named item of a pod (a volume, an environment variable) after merging with `defaults`."""

    from_defaults: bool  # written in `defaults`, not overridden by the group
    key: str  # the list it was written in: "env", "volumes"
    index: int  # its position in that list
    item: Mapping[str, Any]

    def written_at(self, group_path: DocPath) -> DocPath:
        """Where the item stands in the environment: in `defaults`, or in the group at `group_path`."""
        owner: DocPath = ("defaults",) if self.from_defaults else group_path
        return (*owner, self.key, self.index)


def merged_by_name(group: Mapping[str, Any], defaults: Mapping[str, Any], key: str) -> dict[str, Layered]:
    """The named items under `key` of `defaults` and of a group: the group's replace the defaults' of the
    same name."""
    merged = {item["name"]: Layered(True, key, index, item) for index, item in enumerate(defaults.get(key, []))}
    merged.update({item["name"]: Layered(False, key, index, item) for index, item in enumerate(group.get(key, []))})
    return merged


def pod_volumes(group: Mapping[str, Any], defaults: Mapping[str, Any]) -> dict[str, Layered]:
    return merged_by_name(group, defaults, "volumes")


def volume_sources(volume: Mapping[str, Any]) -> list[str]:
    """The keys of a volume item that name its source (Kubernetes wants exactly one)."""
    return sorted(set(volume) - VOLUME_MOUNT_KEYS)


def ray_start_value(value: str | int | float | bool) -> str:
    """rayStartParams are strings in the CRD; booleans the way `ray start` spells them."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def generator_labels(environment: str | None) -> dict[str, str]:
    """The labels by which the generator finds its own objects (of one environment, or of all of them)."""
    labels = {MANAGED_BY_LABEL: MANAGED_BY}
    if environment is not None:
        labels[ENVIRONMENT_LABEL] = environment
    return labels


def _meta(item: Mapping[str, Any], environment: str) -> ObjectMeta:
    # User labels may not override the ones the generator relies on to find its own objects.
    labels = {**item.get("labels", {}), **generator_labels(environment)}
    return ObjectMeta(name=item["name"], labels=labels, annotations=dict(item.get("annotations", {})))


def _job(item: Mapping[str, Any], defaults: Mapping[str, Any], environment: str, level: str, written: Any) -> RayJob:
    return RayJob(
        meta=_meta(item, environment),
        entrypoint=item.get("entrypoint"),
        entrypoint_num_cpus=item.get("entrypointNumCpus"),
        entrypoint_num_gpus=item.get("entrypointNumGpus"),
        entrypoint_resources=item.get("entrypointResources"),
        job_id=item.get("jobId"),
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
        cluster=(
            _cluster_spec(item["cluster"], defaults, level, value_at(written, ("rayClusterSpec",)))
            if "cluster" in item
            else None
        ),
        cluster_selector=item.get("clusterSelector"),
        submitter=_submitter(item, defaults, level, written) if writes_submitter(item, level) else None,
        override=item.get("spec", {}),
    )


def cron_job_template(item: Mapping[str, Any]) -> dict[str, Any]:
    """A RayCronJob's `job` as a jobs[] item: the rules and the model read both the same way."""
    return {**item.get("job", {}), "name": item["name"]}


def _cron_job(item: Mapping[str, Any], defaults: Mapping[str, Any], environment: str, level: str) -> RayCronJob:
    return RayCronJob(
        meta=_meta(item, environment),
        schedule=item["schedule"],
        time_zone=item.get("timeZone"),
        suspend=item.get("suspend"),
        job=_job(cron_job_template(item), defaults, environment, level, written_job_spec(item, "RayCronJob")),
        override=item.get("spec", {}),
    )


def _submitter(job: Mapping[str, Any], defaults: Mapping[str, Any], level: str, written: Any) -> Submitter:
    item = job.get("submitter", {})
    image = submitter_image(job, defaults, written)
    if image is None:
        raise InternalError("the model was built from an environment with a submitter without an image")
    wanted = resources(item)
    return Submitter(
        container_name=submitter_container(job),
        image=image,
        image_pull_policy=item.get("imagePullPolicy", defaults.get("imagePullPolicy")),
        resources=wanted if "submitter" in job else DEFAULT_SUBMITTER_RESOURCES,
        security_context=container_security_context(level),
        env=tuple(item.get("env", ())),
        service_account_name=item.get("serviceAccountName", defaults.get("serviceAccountName")),
        labels=dict(item.get("labels", {})),
        annotations=dict(item.get("annotations", {})),
        pod_template=item.get("podTemplate", {}),
    )


IN_CLUSTER_NAME = "in-cluster"  # Argo CD's registered name of the cluster it runs in
IN_CLUSTER_SERVER = "https://kubernetes.default.svc"  # and its API server URL


def cluster_identity(cluster: str) -> str:
    """One key per cluster for target.cluster: Argo CD's `in-cluster` and its server URL are the same cluster,
    and so are URLs that differ only by the default port or a trailing slash. Two names that Argo CD maps to
    one server cannot be told apart here."""
    server = cluster.rstrip("/").removesuffix(":443")
    return IN_CLUSTER_SERVER if cluster == IN_CLUSTER_NAME else server


def cluster_ray_version(item: Mapping[str, Any], defaults: Mapping[str, Any]) -> str | None:
    """The rayVersion of a cluster spec: its own, else defaults.rayVersion."""
    version = item.get("rayVersion", defaults.get("rayVersion"))
    return str(version) if version is not None else None


def _cluster_spec(item: Mapping[str, Any], defaults: Mapping[str, Any], level: str, written: Any) -> ClusterSpec:
    """The cluster spec `item`, and `written`, what the item's `spec` writes of it (the images as rendered)."""
    autoscaling = item.get("autoscaling", {})
    gcs = item.get("gcsFaultTolerance")
    head = item["head"]

    def image(group: Mapping[str, Any], is_head: bool) -> str:
        rendered = group_image(group, item, defaults, is_head, written)
        if rendered is None:
            # rules/pods.py (image-required) stops an environment without an image before the model is built
            raise InternalError("the model was built from an environment with a group without an image")
        return rendered

    # the autoscaler as rendered: the head's token is its way to the API, even when only `spec` turns it on
    head_token = service_token(head, defaults, level, autoscaler_rendered(item, written))
    return ClusterSpec(
        ray_version=cluster_ray_version(item, defaults),
        head=HeadGroup(
            _group(head, True, image(head, True), defaults, level, head_token),
            head.get("serviceType"),
            head.get("service"),
        ),
        worker_groups=tuple(
            _worker_group(group, image(group, False), defaults, level, service_token(group, defaults, level, False))
            for group in item.get("workerGroups", [])
        ),
        autoscaling=_autoscaling(autoscaling, level) if autoscaling_enabled(item) else None,
        gcs_fault_tolerance=_gcs(gcs) if gcs is not None else None,
        network_policy=item.get("networkPolicy"),
        tls_options=item.get("tlsOptions"),
        history_server=item.get("historyServer"),
        auth=item.get("auth"),
    )


def worker_bounds(item: Mapping[str, Any]) -> tuple[int, int, int]:
    """replicas, minReplicas and maxReplicas of a worker group; unset bounds follow replicas, so a fixed-size
    group needs only `replicas`."""
    replicas = int(item.get("replicas", item.get("minReplicas", 1)))
    min_replicas = int(item.get("minReplicas", replicas))
    return replicas, min_replicas, int(item.get("maxReplicas", max(replicas, min_replicas)))


def ray_container_limits(
    item: Mapping[str, Any], container: str, written_pod: Any = None, *, generated: bool = True
) -> Mapping[str, Any] | None:
    """The limits the Ray container of a group ends up with (ray_container_resources)."""
    return ray_container_resources(item, container, "limits", written_pod, generated=generated)


def ray_container_resources(
    item: Mapping[str, Any], container: str, kind: str, written_pod: Any = None, *, generated: bool = True
) -> dict[str, Any] | None:
    """The requests or limits (`kind`) the Ray container of a group ends up with: the resources of the group,
    then whatever its podTemplate and the pod spec that its item's `spec` writes (`written_pod`) set for the
    container of that name (merged as passed_through merges: null removes one). None where they cannot be
    known: a value of the wrong type on the way, which the CRD check refuses (a rule must not guess around it,
    and would stop the run before that check names it)."""
    amounts = ray_container_amounts(item, container, written_pod, (kind,), generated=generated)
    return None if amounts is None else amounts[0]


def ray_container_amounts(
    item: Mapping[str, Any],
    container: str,
    written_pod: Any = None,
    kinds: tuple[str, ...] = ("limits", "requests"),
    *,
    generated: bool = True,
) -> list[dict[str, Any]] | None:
    """ray_container_resources of each of `kinds`, the layers and the group's resources read once for all; None
    when one of them cannot be known."""
    layers = container_layers(item, container, written_pod, generated=generated)
    if not layers.readable:
        return None
    own = None if layers.replaced or not generated else resources(item)
    amounts = []
    for kind in kinds:
        found: dict[str, Any] = {} if own is None else dict(getattr(own, kind))
        for _at, part in layers.parts:
            if "resources" not in part:
                continue
            written = part["resources"]
            overrides = written.get(kind, {}) if isinstance(written, dict) else written
            if overrides is None:  # null removes them all: `resources: null` or `limits: null`
                found = {}
            elif not isinstance(overrides, dict):
                return None
            for name, amount in overrides.items() if isinstance(overrides, dict) else ():
                if amount is None:
                    found.pop(name, None)
                else:
                    found[name] = amount
        amounts.append(found)
    return amounts


# KubeRay counts NVIDIA MIG slices (nvidia.com/mig-2g.32gb) as GPUs from this release on (pod.go at v1.4.0,
# utils/resources.go IsGPUResourceKey from v1.5.0); before, only resource names ending in "gpu".
MIG_GPUS_SINCE = "1.4.0"
_MIG_RESOURCE = re.compile(r"nvidia\.com/mig-\d+g\.\d+gb")


def is_gpu_resource(name: str, version: str) -> bool:
    """Whether KubeRay takes the resource for GPUs when it writes `ray start --num-gpus`: a name ending in
    "gpu" (ray-operator/controllers/ray/utils/resources.go, IsGPUResourceKey, v1.7.0; pod.go:837 at v1.3.0)."""
    if name.endswith("gpu"):
        return True
    return version_key(version) >= version_key(MIG_GPUS_SINCE) and _MIG_RESOURCE.fullmatch(name) is not None


def ray_gpus(
    item: Mapping[str, Any], container: str, version: str, written_group: Any = None, *, generated: bool = True
) -> Decimal | None:
    """The GPUs Ray sees in a group's pods: a GPU of the group's rayResources (its `resources`, 1.5.0), which
    KubeRay writes over rayStartParams num-gpus rounded up (updateRayStartParamsResources, pod.go:1239-1262 at
    v1.6.0; the most, should there be several); else rayStartParams num-gpus when set; else the first non-zero
    GPU limit of the Ray container in name order, as KubeRay derives num-gpus (ray-operator/controllers/ray/
    common/pod.go, the loop over the sorted limit names, line 1449 at v1.7.0). Each as rendered, with what the
    item's `spec` writes for the group's entry (`written_group`; without a `generated` one, a group that only
    `spec` writes). None where the container's GPUs cannot be known (container_gpus)."""
    # a quantity that does not parse is skipped, as KubeRay skips it (pod.go:1248-1251 at v1.6.0)
    parsed = [
        parse_quantity(str(amount))
        for name, (amount, _at) in group_mapping(item, "rayResources", written_group, "resources").items()
        if is_gpu_resource(name.lower(), version)
    ]
    by_resources = [amount.to_integral_value(rounding=ROUND_CEILING) for amount in parsed if amount is not None]
    if by_resources:
        return max(by_resources)
    declared = group_mapping(item, "rayStartParams", written_group, "rayStartParams").get("num-gpus")
    if declared is not None:
        return parse_quantity(str(declared[0])) or Decimal(0)
    written_pod = value_at(written_group, ("template", "spec"))
    return container_gpus(item, container, version, written_pod, generated=generated)


def container_gpus(
    item: Mapping[str, Any], container: str, version: str, written_pod: Any = None, *, generated: bool = True
) -> Decimal | None:
    """The GPUs the Ray container has: its first non-zero GPU limit in name order (nvidia.com/gpu, amd.com/gpu,
    an NVIDIA MIG slice), the one KubeRay would pass on as num-gpus (`written_pod`: the pod spec the item's
    `spec` writes for the group). None where they cannot be known: limits of the wrong type, or a GPU limit
    that is no quantity (the CRD check refuses either)."""
    limits = ray_container_limits(item, container, written_pod, generated=generated)
    if limits is None:
        return None
    for name in sorted(limits):
        if not is_gpu_resource(name, version):
            continue
        amount = parse_quantity(limits[name]) if isinstance(limits[name], str | int | float) else None
        if amount is None:
            return None
        if amount:
            return amount
    return Decimal(0)


def _worker_group(
    item: Mapping[str, Any], image: str, defaults: Mapping[str, Any], level: str, token: bool | None
) -> WorkerGroup:
    replicas, min_replicas, max_replicas = worker_bounds(item)
    return WorkerGroup(
        name=item["name"],
        replicas=replicas,
        min_replicas=min_replicas,
        max_replicas=max_replicas,
        num_of_hosts=item.get("numOfHosts"),
        idle_timeout_seconds=item.get("idleTimeoutSeconds"),
        group=_group(item, False, image, defaults, level, token),
    )


def _group(
    item: Mapping[str, Any],
    head: bool,
    image: str,
    defaults: Mapping[str, Any],
    level: str,
    token: bool | None,
) -> Group:
    return Group(
        container_name=ray_container(item, head),
        pod=_pod_settings(item, image, defaults),
        resources=resources(item),
        ray_start_params={key: ray_start_value(value) for key, value in item.get("rayStartParams", {}).items()},
        ports=tuple(item.get("ports", ())),
        pod_template=item.get("podTemplate", {}),
        security_context=container_security_context(level),
        automount_service_account_token=token,
        ray_labels=dict(item.get("rayLabels", {})),
        ray_resources=dict(item.get("rayResources", {})),
    )


def _pod_settings(item: Mapping[str, Any], image: str, defaults: Mapping[str, Any]) -> PodSettings:
    def pick(key: str, empty: Any) -> Any:
        return pod_setting(item, defaults, key, empty)

    env = merged_by_name(item, defaults, "env")
    return PodSettings(
        image=image,
        image_pull_policy=pick("imagePullPolicy", None),
        node_selector=pick("nodeSelector", {}),
        tolerations=tuple(pick("tolerations", ())),
        affinity=pick("affinity", {}),
        image_pull_secrets=tuple(pick("imagePullSecrets", ())),
        service_account_name=pick("serviceAccountName", None),
        env=tuple(variable.item for variable in env.values()),
        labels={**defaults.get("labels", {}), **item.get("labels", {})},
        annotations={**defaults.get("annotations", {}), **item.get("annotations", {})},
        volumes=tuple(_volume(volume.item) for volume in pod_volumes(item, defaults).values()),
    )


def _volume(item: Mapping[str, Any]) -> Volume:
    return Volume(
        name=item["name"],
        mount_path=item["mountPath"],
        read_only=item.get("readOnly"),
        sub_path=item.get("subPath"),
        source={key: value for key, value in item.items() if key not in VOLUME_MOUNT_KEYS},
    )


def _autoscaling(item: Mapping[str, Any], level: str) -> Autoscaling:
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
        # KubeRay gives the autoscaler sidecar this securityContext and no other (BuildAutoscalerContainer)
        security_context=item.get("securityContext", container_security_context(level)),
        command=tuple(item["command"]) if "command" in item else None,
        args=tuple(item["args"]) if "args" in item else None,
    )


def _gcs(item: Mapping[str, Any]) -> GcsFaultTolerance:
    password = item.get("redisPassword")
    return GcsFaultTolerance(
        backend=item.get("backend"),
        storage=item.get("storage"),
        redis_address=item.get("redisAddress"),
        redis_password_secret=(password["secretName"], password["key"]) if password else None,
        external_storage_namespace=item.get("externalStorageNamespace"),
    )
