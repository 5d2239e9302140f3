"""Values for the official ray-cluster Helm chart, for RayClusters with `delivery: helm`.

The chart renders one RayCluster from values; what it cannot express is refused earlier, by
rules/delivery.py. Helm deep-merges these values over the chart's defaults, so every default that would
otherwise leak into the cluster (the example resources, the log volume) is set explicitly here: maps to
null to delete a default key, lists in full.
"""

from __future__ import annotations

from typing import Any

from generator.model import types as model
from generator.render import kube

CHART = "ray-cluster"


def split_image(image: str) -> tuple[str, str]:
    """repository and tag of an image reference (`rayproject/ray:2.41.0`); the tag defaults to latest."""
    name = image.rsplit("/", 1)[-1]
    if ":" in name:
        repository, tag = image.rsplit(":", 1)
        return repository, tag
    return image, "latest"


def chart_values(cluster: model.RayCluster) -> dict[str, Any]:
    spec = cluster.spec
    head = spec.head.group
    repository, tag = split_image(head.pod.image)
    image: dict[str, Any] = {"repository": repository, "tag": tag}
    if head.pod.image_pull_policy is not None:
        image["pullPolicy"] = head.pod.image_pull_policy
    head_values = _group_values(head)
    if spec.ray_version is not None:
        head_values["rayVersion"] = spec.ray_version
    if spec.autoscaling is not None:
        head_values["enableInTreeAutoscaling"] = True
        head_values["autoscalerOptions"] = kube.autoscaler_options(spec.autoscaling)
    values: dict[str, Any] = {
        "fullnameOverride": cluster.meta.name,
        "image": image,
        "imagePullSecrets": [{"name": secret} for secret in head.pod.image_pull_secrets],
        "head": head_values,
    }
    if spec.head.service_type is not None:
        values["service"] = {"type": spec.head.service_type}
    workers = list(spec.worker_groups)
    values["worker"] = _worker_values(workers[0]) if workers else {"disabled": True}
    if len(workers) > 1:
        # the key names an additional group; the chart has no groupName there
        values["additionalWorkerGroups"] = {
            worker.name: {"disabled": False, **_worker_values(worker, named=False)} for worker in workers[1:]
        }
    return values


def _worker_values(worker: model.WorkerGroup, *, named: bool = True) -> dict[str, Any]:
    return {
        **({"groupName": worker.name} if named else {}),
        "replicas": worker.replicas,
        "minReplicas": worker.min_replicas,
        "maxReplicas": worker.max_replicas,
        **_group_values(worker.group),
    }


def _group_values(group: model.Group) -> dict[str, Any]:
    pod = group.pod
    resources = kube.resources(group.resources)
    return {
        "labels": dict(pod.labels),
        "annotations": dict(pod.annotations),
        "serviceAccountName": pod.service_account_name or "",
        "rayStartParams": dict(group.ray_start_params),
        "containerEnv": [dict(variable) for variable in pod.env],
        # null removes the chart's example limits and requests where this group sets none
        "resources": {"limits": resources.get("limits"), "requests": resources.get("requests")},
        "nodeSelector": dict(pod.node_selector),
        "tolerations": [dict(toleration) for toleration in pod.tolerations],
        "affinity": dict(pod.affinity),
        "volumes": [{"name": volume.name, **volume.source} for volume in pod.volumes],
        "volumeMounts": [kube.volume_mount(volume) for volume in pod.volumes],
        "ports": [dict(port) for port in group.ports],
        # the Ray container's, as in the overlay (the Pod Security level); the chart's default is none
        "securityContext": dict(group.security_context) if group.security_context else {},
    }
