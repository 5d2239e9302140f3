"""Kubernetes fragments computed from the model: pod templates, resources, autoscaler options.

These are the parts of a Ray object that need logic (merging defaults, the podTemplate pass-through,
dropping empty fields); the Jinja templates lay the objects out from them.
"""

from __future__ import annotations

import json
from typing import Any

from generator.input.resolve import merge
from generator.model import types as model
from generator.source import GENERATED


def resources(value: model.Resources) -> dict[str, Any]:
    result: dict[str, Any] = {}
    if value.limits:
        result["limits"] = dict(value.limits)
    if value.requests:
        result["requests"] = dict(value.requests)
    return result


def group_pod_template(group: model.Group) -> dict[str, Any]:
    """The pod template of a head or worker group; the Ray container is always the first container."""
    pod = group.pod
    container: dict[str, Any] = {"name": group.container_name, "image": pod.image}
    _put(container, "imagePullPolicy", pod.image_pull_policy)
    _put(container, "env", [dict(variable) for variable in pod.env])
    _put(container, "ports", [dict(port) for port in group.ports])
    _put(container, "resources", resources(group.resources))
    _put(container, "volumeMounts", [volume_mount(volume) for volume in pod.volumes])
    _put(container, "securityContext", _copy(group.security_context))
    spec: dict[str, Any] = {"containers": [container]}
    if group.automount_service_account_token is not None:
        spec["automountServiceAccountToken"] = group.automount_service_account_token
    _put(spec, "volumes", [{"name": volume.name, **volume.source} for volume in pod.volumes])
    _put(spec, "nodeSelector", dict(pod.node_selector))
    _put(spec, "tolerations", [dict(toleration) for toleration in pod.tolerations])
    _put(spec, "affinity", dict(pod.affinity))
    _put(spec, "imagePullSecrets", [{"name": secret} for secret in pod.image_pull_secrets])
    _put(spec, "serviceAccountName", pod.service_account_name)
    return _with_pass_through(_template(pod.labels, pod.annotations, spec), group.pod_template)


def namespace_labels(environment: model.Environment, labels: dict[str, str]) -> dict[str, str]:
    """The generator's labels, and the Pod Security admission labels of the environment's level: enforced,
    and warned and audited too, so `kubectl apply` and the audit log say why a pod would be refused."""
    if environment.pod_security == "privileged":
        return labels
    admission = {
        f"pod-security.kubernetes.io/{mode}": environment.pod_security for mode in ("enforce", "warn", "audit")
    }
    return {**labels, **admission}


def submitter_pod_template(submitter: model.Submitter) -> dict[str, Any]:
    container: dict[str, Any] = {"name": submitter.container_name, "image": submitter.image}
    _put(container, "imagePullPolicy", submitter.image_pull_policy)
    _put(container, "env", [dict(variable) for variable in submitter.env])
    _put(container, "resources", resources(submitter.resources))
    _put(container, "securityContext", _copy(submitter.security_context))
    # The operator expects the submitter to run once; it retries by creating a new Job (backoffLimit).
    # It talks to the Ray dashboard, never to the Kubernetes API: no ServiceAccount token.
    spec: dict[str, Any] = {"restartPolicy": "Never", "containers": [container]}
    if submitter.security_context is not None and submitter.service_account_name is None:
        spec["automountServiceAccountToken"] = False
    _put(spec, "serviceAccountName", submitter.service_account_name)
    return _with_pass_through(_template(submitter.labels, submitter.annotations, spec), submitter.pod_template)


def autoscaler_options(value: model.Autoscaling) -> dict[str, Any]:
    options: dict[str, Any] = {}
    _put(options, "version", value.version)
    _put(options, "upscalingMode", value.upscaling_mode)
    _put(options, "idleTimeoutSeconds", value.idle_timeout_seconds)
    _put(options, "image", value.image)
    _put(options, "imagePullPolicy", value.image_pull_policy)
    # Present-but-empty fields are kept: the user wrote them, and the upstream samples do too.
    if value.security_context is not None:
        options["securityContext"] = dict(value.security_context)
    if value.env is not None:
        options["env"] = [dict(variable) for variable in value.env]
    if value.env_from is not None:
        options["envFrom"] = [dict(source) for source in value.env_from]
    if value.resources is not None:
        options["resources"] = dict(value.resources)
    if value.command is not None:
        options["command"] = list(value.command)
    if value.args is not None:
        options["args"] = list(value.args)
    return options


def gcs_fault_tolerance_options(value: model.GcsFaultTolerance) -> dict[str, Any]:
    options: dict[str, Any] = {}
    _put(options, "backend", value.backend)
    _put(options, "storage", _copy(value.storage))
    _put(options, "redisAddress", value.redis_address)
    if value.redis_password_secret is not None:
        secret, key = value.redis_password_secret
        options["redisPassword"] = {"valueFrom": {"secretKeyRef": {"name": secret, "key": key}}}
    _put(options, "externalStorageNamespace", value.external_storage_namespace)
    return options


def _template(labels: Any, annotations: Any, spec: dict[str, Any]) -> dict[str, Any]:
    metadata: dict[str, Any] = {}
    _put(metadata, "labels", dict(labels))
    _put(metadata, "annotations", dict(annotations))
    template: dict[str, Any] = {}
    _put(template, "metadata", metadata)
    template["spec"] = spec
    return template


def _with_pass_through(template: dict[str, Any], pass_through: Any) -> dict[str, Any]:
    """Merge the user's raw podTemplate by the environment merge rules (containers merge by name)."""
    if not pass_through:
        return template
    merged, _ = merge(template, GENERATED, dict(pass_through), GENERATED)
    return dict(merged)


def volume_mount(volume: model.Volume) -> dict[str, Any]:
    mount: dict[str, Any] = {"mountPath": volume.mount_path, "name": volume.name}
    _put(mount, "readOnly", volume.read_only)
    _put(mount, "subPath", volume.sub_path)
    return mount


def _copy(value: Any) -> Any:
    """A plain deep copy of a mapping of the model (templates must not share objects between pods): of its
    mappings and lists, as a JSON round trip copies them (a tuple becomes a list), in a quarter of its time; any
    other container, or a key that is not text, takes the round trip, which says what JSON cannot hold."""
    if value is None:
        return None
    try:
        return _plain_copy(value)
    except _NotPlain:
        return json.loads(json.dumps(value))


class _NotPlain(Exception):
    """A value `_plain_copy` leaves to the JSON round trip."""


def _plain_copy(value: Any) -> Any:
    kind = type(value)
    if kind is dict:
        copied = {}
        for key, item in value.items():
            if type(key) is not str:
                raise _NotPlain
            copied[key] = _plain_copy(item)
        return copied
    if kind is list or kind is tuple:
        return [_plain_copy(item) for item in value]
    if kind is str or kind is int or kind is bool or kind is float or value is None:
        return value
    raise _NotPlain


def _put(target: dict[str, Any], key: str, value: Any) -> None:
    """Set `key` unless the value is absent or empty: empty fields only add noise to a review."""
    if value is None or value == {} or value == []:
        return
    target[key] = value
