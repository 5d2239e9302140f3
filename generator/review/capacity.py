"""What the Ray clusters of an environment ask of their Kubernetes cluster: CPU, memory, GPUs and other
extended resources, at minimum and at maximum scale, from the rendered objects.

A pod asks for the sum of its containers' requests (a resource with a limit and no request is requested
at its limit, as the API server defaults it) and of its sidecars (init containers with restartPolicy Always), or
for its largest init container with the sidecars started before it, when that is more. The
head counts once; a worker group counts `replicas` pods (from `minReplicas` to `maxReplicas` when the
autoscaler is on), times `numOfHosts`. Containers the operator adds at run time (the autoscaler sidecar)
are not in the rendered objects and are not counted.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation, localcontext
from typing import Any

from generator.model.fields import CLUSTER_SPEC_AT
from generator.quantity import parse_quantity
from generator.review.trees import VALUES, ObjectKey, Objects

GIB = Decimal(2) ** 30
Amounts = dict[str, Decimal]


@dataclass(frozen=True)
class Capacity:
    minimum: Amounts = field(default_factory=dict)
    maximum: Amounts = field(default_factory=dict)

    def __add__(self, other: Capacity) -> Capacity:
        return Capacity(_sum(self.minimum, other.minimum), _sum(self.maximum, other.maximum))

    @property
    def resources(self) -> list[str]:
        named = sorted(set(self.minimum) | set(self.maximum))
        return sorted(named, key=lambda name: (name not in ("cpu", "memory"), name))


def cluster_spec(document: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """Where the field table says the object's kind keeps its cluster spec (model/fields.py)."""
    kind = str(document.get("kind"))
    if kind not in CLUSTER_SPEC_AT:
        return None
    value: Any = document
    for key in CLUSTER_SPEC_AT[kind][1].split("."):
        value = value.get(key) if isinstance(value, Mapping) else None
    return value if isinstance(value, Mapping) else None


# The folder of an environment's ray-cluster chart values (`delivery: helm`, render/workloads.py)
CHARTS_FOLDER = "charts"
# What the chart copies from a group's values into its Ray container and its pod, by the field it fills
_CHART_CONTAINER = {
    "command": "command", "args": "args", "envFrom": "envFrom", "volumeMounts": "volumeMounts", "ports": "ports",
    "resources": "resources", "lifecycle": "lifecycle", "securityContext": "securityContext",
}  # fmt: skip
_CHART_POD = (
    "initContainers", "volumes", "dnsConfig", "affinity", "tolerations", "nodeSelector", "priorityClassName",
    "serviceAccountName", "topologySpreadConstraints",
)  # fmt: skip


def chart_cluster(key: ObjectKey, values: Mapping[str, Any]) -> dict[str, Any] | None:
    """The RayCluster the ray-cluster chart renders from a values file the generator wrote (`delivery: helm`), as
    the chart's templates/raycluster-cluster.yaml builds it (at v1.7.0: rayVersion, enableInTreeAutoscaling and
    autoscalerOptions from head, lines 13-22; headService and serviceType, 38-45; each group's pod, its Ray
    container first and its sidecarContainers after, 69-130; the worker group unless worker.disabled, 173-178;
    each additionalWorkerGroups entry unless disabled, 307-312), as far as the review reads it: capacity, replicas
    and bounds, rayStartParams, the pod template. None for another document."""
    if (
        key.kind != VALUES
        or not key.name.startswith(f"{CHARTS_FOLDER}/")
        or not isinstance(values.get("head"), Mapping)
    ):
        return None
    head = values["head"]
    head_group: dict[str, Any] = {"template": _chart_pod(values, head, "ray-head")}
    service = values.get("service")
    head_group.update(
        {
            key: value
            for key, value in (
                ("headService", head.get("headService")),
                ("serviceType", service.get("type") if isinstance(service, Mapping) else None),
                ("rayStartParams", head.get("rayStartParams")),
            )
            if value
        }
    )
    spec: dict[str, Any] = {"headGroupSpec": head_group}
    # the cluster's own fields the chart takes from head (lines 13-22)
    spec.update({key: head[key] for key in ("rayVersion", "autoscalerOptions") if head.get(key)})
    if head.get("enableInTreeAutoscaling"):
        spec["enableInTreeAutoscaling"] = True
    groups: list[tuple[Any, Any]] = []
    worker = values.get("worker")
    if isinstance(worker, Mapping) and not worker.get("disabled"):
        groups.append((worker.get("groupName"), worker))
    additional = values.get("additionalWorkerGroups")
    groups += [
        (name, group)
        for name, group in (additional.items() if isinstance(additional, Mapping) else [])
        if isinstance(group, Mapping) and not group.get("disabled")
    ]
    spec["workerGroupSpecs"] = [
        {
            "groupName": name,
            "replicas": group.get("replicas"),
            "minReplicas": group.get("minReplicas") or 0,
            "maxReplicas": group.get("maxReplicas") or 2147483647,
            "numOfHosts": group.get("numOfHosts") or 1,
            **({"rayStartParams": group["rayStartParams"]} if group.get("rayStartParams") else {}),
            "template": _chart_pod(values, group, "ray-worker"),
        }
        for name, group in groups
    ]
    name = str(values.get("fullnameOverride") or key.name)
    return {"apiVersion": "ray.io/v1", "kind": "RayCluster", "metadata": {"name": name}, "spec": spec}


def _chart_pod(values: Mapping[str, Any], group: Mapping[str, Any], container_name: str) -> dict[str, Any]:
    image = group.get("image") if isinstance(group.get("image"), Mapping) else values.get("image")
    image = image if isinstance(image, Mapping) else {}
    container: dict[str, Any] = {"name": container_name, "image": f"{image.get('repository')}:{image.get('tag')}"}
    common = (values.get("common") or {}).get("containerEnv") if isinstance(values.get("common"), Mapping) else None
    env = [*(common or []), *(group.get("containerEnv") or [])]
    if env:
        container["env"] = env
    container.update({field: group[key] for key, field in _CHART_CONTAINER.items() if group.get(key)})
    pod: dict[str, Any] = {"containers": [container, *(group.get("sidecarContainers") or [])]}
    pod.update({key: group[key] for key in _CHART_POD if group.get(key)})
    metadata = {key: group[key] for key in ("labels", "annotations") if group.get(key)}
    return {"metadata": metadata, "spec": pod} if metadata else {"spec": pod}


def object_capacities(objects: Objects) -> dict[ObjectKey, Capacity]:
    """Each Ray object of an environment with the capacity of its cluster, the RayClusters of the ray-cluster
    chart (`delivery: helm`) among them, by their RayCluster's name."""
    found: dict[ObjectKey, Capacity] = {}
    for key, document in sorted(objects.items()):
        charted = chart_cluster(key, document)
        if charted is not None:
            key, document = ObjectKey("RayCluster", "", charted["metadata"]["name"], CHARTS_FOLDER), charted
        spec = cluster_spec(document)
        if spec is None:
            continue
        # a suspended RayJob or RayService has no cluster (a RayCluster's own suspend is in its spec)
        suspended = key.kind != "RayCluster" and (document.get("spec") or {}).get("suspend") is True
        found[key] = Capacity() if suspended else cluster_capacity(spec)
    return found


def total(capacities: Iterable[Capacity]) -> Capacity:
    result = Capacity()
    for capacity in capacities:
        result = result + capacity
    return result


def cluster_capacity(spec: Mapping[str, Any]) -> Capacity:
    if spec.get("suspend") is True:
        return Capacity()
    head = _pod(_template(spec.get("headGroupSpec")))
    autoscaled = spec.get("enableInTreeAutoscaling") is True
    minimum, maximum = dict(head), dict(head)
    for group in spec.get("workerGroupSpecs") or []:
        if not isinstance(group, Mapping) or group.get("suspend") is True:
            continue
        pod = _pod(_template(group))
        hosts = int(group.get("numOfHosts") or 1)
        replicas = int(group.get("replicas", group.get("minReplicas", 1)) or 0)
        low = int(group.get("minReplicas", 0) or 0) if autoscaled else replicas
        high = int(group.get("maxReplicas", replicas) or 0) if autoscaled else replicas
        minimum = _sum(minimum, _times(pod, low * hosts))
        maximum = _sum(maximum, _times(pod, high * hosts))
    return Capacity(minimum, maximum)


def _template(group: Any) -> Mapping[str, Any]:
    template = group.get("template") if isinstance(group, Mapping) else None
    spec = template.get("spec") if isinstance(template, Mapping) else None
    return spec if isinstance(spec, Mapping) else {}


def _pod(spec: Mapping[str, Any]) -> Amounts:
    """What the scheduler reserves for a pod, as Kubernetes adds it up (PodRequests and AggregateContainerRequests,
    k8s.io/component-helpers resource/helpers.go): its containers, plus its sidecars (init containers with
    restartPolicy Always, which keep running beside them), or, when more, each init container at its turn
    together with the sidecars started before it."""
    containers = [_container(container) for container in spec.get("containers") or []]
    running = _sum(*containers) if containers else {}
    sidecars: Amounts = {}
    starting: Amounts = {}
    for init in spec.get("initContainers") or []:
        asked = _container(init)
        if isinstance(init, Mapping) and init.get("restartPolicy") == "Always":
            running = _sum(running, asked)
            sidecars = _sum(sidecars, asked)
            asked = dict(sidecars)
        else:
            asked = _sum(asked, sidecars)
        starting = _largest(starting, asked)
    return _largest(running, starting)


def _largest(left: Mapping[str, Decimal], right: Mapping[str, Decimal]) -> Amounts:
    return {name: max(left.get(name, Decimal(0)), right.get(name, Decimal(0))) for name in {**left, **right}}


def _container(container: Any) -> Amounts:
    resources = container.get("resources") if isinstance(container, Mapping) else None
    if not isinstance(resources, Mapping):
        return {}
    asked = {**(resources.get("limits") or {}), **(resources.get("requests") or {})}
    amounts: Amounts = {}
    for name, value in asked.items():
        amount = parse_quantity(value) if isinstance(value, str | int | float) else None
        if amount is not None:
            amounts[str(name)] = amount
    return amounts


def _sum(*parts: Mapping[str, Decimal]) -> Amounts:
    result: Amounts = {}
    for part in parts:
        for name, amount in part.items():
            result[name] = result.get(name, Decimal(0)) + amount
    return result


def _times(amounts: Mapping[str, Decimal], factor: int) -> Amounts:
    return {name: amount * factor for name, amount in amounts.items()}


def shown(resource: str, amount: Decimal) -> str:
    """An amount as people write it, and exactly, so that two amounts differ in print when they differ: 6 (CPU),
    24Gi or 1.125Gi (memory, storage, huge pages), else 3G, 2080Mi, 500M, 40Ki, 8k or bytes, 2 (GPUs)."""
    if resource in ("memory", "ephemeral-storage") or resource.startswith("hugepages-"):
        with localcontext() as context:  # exact for any sum of quantities (Python's default keeps 28 digits)
            context.prec = 200
            try:
                return _memory(amount)
            except InvalidOperation:  # beyond even that (1e300 bytes): in bytes, as written
                return f"{amount:f}"
    return f"{amount.normalize():f}"


def _memory(amount: Decimal) -> str:
    gib = amount / GIB
    if gib == gib.quantize(Decimal("0.001")):
        return f"{gib.normalize():f}Gi"
    # amounts written in decimal units (2G, 500M) in them, not as 1953125Ki or bytes
    decimal = Decimal(1000)
    units = (("G", decimal**3), ("Mi", GIB / 1024), ("M", decimal**2), ("Ki", GIB / 1024 / 1024), ("k", decimal))
    for unit, size in units:
        if (amount / size) % 1 == 0:
            return f"{(amount / size).normalize():f}{unit}"
    return f"{amount.normalize():f}"


def span(capacity: Capacity, resource: str) -> str:
    low = capacity.minimum.get(resource, Decimal(0))
    high = capacity.maximum.get(resource, Decimal(0))
    return shown(resource, low) if low == high else f"{shown(resource, low)}-{shown(resource, high)}"
