"""Manifests to environment items: the structured fields where they say the same, the rest kept as is.

Each Ray object becomes a `clusters`, `jobs` or `services` item whose structured fields are read off the
object (names, images, resources, ports, env, rayStartParams, worker bounds, the job and service settings);
whatever they do not reproduce is found by rendering the item and comparing (see `residue` in
importer/run.py) and goes into the groups' `podTemplate` and the item's `spec`. A ConfigMap of data alone
becomes a `configMaps` item; any other namespaced object an `objects` entry.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import yaml

from generator.input.envschema import definitions
from generator.model.fields import FIELDS, JOB_SPEC_AT, KIND_SECTIONS
from generator.model.names import HEAD_CONTAINER, SUBMITTER_CONTAINER, WORKER_CONTAINER
from generator.rules.go_yaml import load_as_json
from generator.source import value_at

if TYPE_CHECKING:
    from jsonschema.protocols import Validator

RAY_VERSIONS = ("ray.io/v1", "ray.io/v1alpha1")
SECTIONS = KIND_SECTIONS


def _path(dotted: str) -> tuple[str, ...]:
    return tuple(dotted.split(".")) if dotted else ()


# Where a RayJob spec is, in the object's spec and in the environment item
JOB_SPEC = {kind: (_path(crd)[1:], _path(env)) for kind, (env, crd) in JOB_SPEC_AT.items()}
# KubeRay's CRD defaults of a worker group's bounds (ray.io_rayclusters.yaml, v1.3.0 to v1.7.0): the API
# server fills them in, so the import writes them where the manifest leaves them out (ours differ).
WORKER_BOUND_DEFAULTS = {"replicas": 0, "minReplicas": 0, "maxReplicas": 2147483647}
AUTOSCALER_KEYS = (
    "version", "upscalingMode", "idleTimeoutSeconds", "image", "imagePullPolicy", "resources", "env", "envFrom",
    "securityContext", "command", "args",
)  # fmt: skip
POD_KEYS = ("nodeSelector", "tolerations", "affinity", "serviceAccountName")
# Cluster spec fields the environment passes on as written, by their CRD name (the field table's)
AS_WRITTEN = ("auth", "networkPolicy", "tlsOptions", "historyServer")
CLUSTER_AS_WRITTEN = {
    field.crd: field.env for field in FIELDS if field.scope == "clusterSpec" and field.env in AS_WRITTEN
}
GCS_AS_WRITTEN = ("backend", "storage", "redisAddress", "externalStorageNamespace")
JOB_KEYS = (
    "entrypoint", "submissionMode", "shutdownAfterJobFinishes", "ttlSecondsAfterFinished", "activeDeadlineSeconds",
    "backoffLimit", "suspend", "preRunningDeadlineSeconds", "entrypointNumCpus", "entrypointNumGpus", "jobId",
    "clusterSelector", "deletionStrategy", "deletionPolicy",
)  # fmt: skip
SERVICE_KEYS = ("rayClusterDeletionDelaySeconds", "suspend", "excludeHeadPodFromServeSvc", "serveService")
PORT_KEYS = frozenset({"name", "containerPort", "protocol"})
ENV_KEYS = frozenset({"name", "value", "valueFrom"})


def object_name(metadata: Mapping[str, Any]) -> str:
    """The name an object gets in Git: its name, or its generateName without the trailing dash."""
    name = metadata.get("name")
    if isinstance(name, str) and name:
        return name
    return str(metadata.get("generateName", "")).rstrip("-") or "imported"


def ray_item(document: Mapping[str, Any]) -> dict[str, Any]:
    """The structured fields of a Ray object's environment item."""
    kind = str(document["kind"])
    metadata = document.get("metadata") or {}
    spec = document.get("spec") or {}
    item: dict[str, Any] = {"name": object_name(metadata)}
    for key in ("labels", "annotations"):
        if metadata.get(key):
            item[key] = dict(metadata[key])
    if kind == "RayCluster":
        item.update(cluster_fields(spec))
        if "suspend" in spec:
            item["suspend"] = spec["suspend"]
    elif kind == "RayJob":
        item.update(_job_fields(spec))
    elif kind == "RayCronJob":
        item.update({key: spec[key] for key in ("schedule", "timeZone", "suspend") if key in spec})
        item["job"] = _job_fields(spec.get("jobTemplate") or {})
    else:
        item.update(_service_fields(spec))
    return item


def cluster_fields(spec: Mapping[str, Any]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    if "rayVersion" in spec:
        fields["rayVersion"] = str(spec["rayVersion"])
    options = spec.get("autoscalerOptions") or {}
    if spec.get("enableInTreeAutoscaling") is True:
        fields["autoscaling"] = {"enabled": True, **{key: options[key] for key in AUTOSCALER_KEYS if key in options}}
    for crd, env in CLUSTER_AS_WRITTEN.items():
        if crd in spec:
            fields[env] = spec[crd]
    gcs = spec.get("gcsFaultToleranceOptions")
    if isinstance(gcs, Mapping):
        fields["gcsFaultTolerance"] = _gcs_fields(gcs)
    head = spec.get("headGroupSpec") or {}
    fields["head"] = _group(head, HEAD_CONTAINER)
    if "serviceType" in head:
        fields["head"]["serviceType"] = head["serviceType"]
    if "headService" in head:
        fields["head"]["service"] = head["headService"]
    workers = []
    for group in spec.get("workerGroupSpecs") or []:
        worker: dict[str, Any] = {"name": str(group.get("groupName", ""))}
        for key, default in WORKER_BOUND_DEFAULTS.items():
            worker[key] = group.get(key, default)
        for key in ("numOfHosts", "idleTimeoutSeconds"):
            if key in group:
                worker[key] = group[key]
        worker.update(_group(group, WORKER_CONTAINER))
        workers.append(worker)
    if workers:
        fields["workerGroups"] = workers
    return fields


def _gcs_fields(options: Mapping[str, Any]) -> dict[str, Any]:
    """gcsFaultToleranceOptions as the structured gcsFaultTolerance says it: the password only as a Secret's key
    (render/kube.py writes it as valueFrom.secretKeyRef); a literal password and redisUsername, which no
    structured field holds, are left to `spec`."""
    # "" is no value to KubeRay (pod.go, validation.go), and none to the structured field, whose texts are not empty
    fields = {key: options[key] for key in GCS_AS_WRITTEN if options.get(key) not in (None, "")}
    reference = value_at(options, ("redisPassword", "valueFrom", "secretKeyRef"))
    if isinstance(reference, Mapping) and set(reference) == {"name", "key"}:
        fields["redisPassword"] = {"secretName": reference["name"], "key": reference["key"]}
    return fields


def _group(group: Mapping[str, Any], default_container: str) -> dict[str, Any]:
    template = group.get("template") or {}
    pod = template.get("spec") or {}
    ray = (pod.get("containers") or [{}])[0]
    item = _container_fields(ray, default_container)
    ports = ray.get("ports")
    if ports and all(set(port) <= PORT_KEYS and "name" in port and "containerPort" in port for port in ports):
        # an empty protocol is the API server's default, TCP (SetDefaults_ContainerPort): written as none
        item["ports"] = [
            {key: value for key, value in port.items() if (key, value) != ("protocol", "")} for port in ports
        ]
    env = ray.get("env")
    if env and all(set(variable) <= ENV_KEYS and isinstance(variable.get("value", ""), str) for variable in env):
        item["env"] = env
    for key in POD_KEYS:
        if pod.get(key):  # an empty one renders as nothing: podTemplate keeps it, if the manifest has it
            item[key] = pod[key]
    secrets = pod.get("imagePullSecrets")
    if secrets and all(set(secret) == {"name"} for secret in secrets):
        item["imagePullSecrets"] = [secret["name"] for secret in secrets]
    metadata = template.get("metadata") or {}
    for key in ("labels", "annotations"):
        if metadata.get(key):
            item[key] = dict(metadata[key])
    if "rayStartParams" in group:
        item["rayStartParams"] = {key: str(value) for key, value in group["rayStartParams"].items()}
    for key, field in (("labels", "rayLabels"), ("resources", "rayResources")):
        if key in group:
            item[field] = group[key]
    return item


def _job_fields(spec: Mapping[str, Any]) -> dict[str, Any]:
    fields: dict[str, Any] = {key: spec[key] for key in JOB_KEYS if key in spec}
    if fields.get("jobId") == "":  # unset to the operator (rayjob_controller.go:243 at v1.7.0): none written
        del fields["jobId"]
    runtime = _runtime_env(spec.get("runtimeEnvYAML"))
    if runtime is not None:
        fields["runtimeEnv"] = runtime
    resources = spec.get("entrypointResources")
    if isinstance(resources, str):
        try:
            parsed = json.loads(resources)
        except ValueError:
            parsed = None
        if isinstance(parsed, dict) and all(isinstance(value, int | float) for value in parsed.values()):
            fields["entrypointResources"] = parsed
    if "rayClusterSpec" in spec:
        fields["cluster"] = cluster_fields(spec["rayClusterSpec"])
    if "submitterPodTemplate" in spec:
        fields["submitter"] = _submitter(spec["submitterPodTemplate"])
    return fields


def _submitter(template: Mapping[str, Any]) -> dict[str, Any]:
    return _container_fields(((template.get("spec") or {}).get("containers") or [{}])[0], SUBMITTER_CONTAINER)


def _container_fields(container: Mapping[str, Any], default_name: str) -> dict[str, Any]:
    """The fields of a group or submitter that say what its first container is: name, image, resources."""
    fields: dict[str, Any] = {}
    if container.get("name", default_name) != default_name:
        fields["containerName"] = container["name"]
    for key in ("image", "imagePullPolicy"):
        # an empty pull policy is the API server's to fill in (SetDefaults_Container): written as none
        if key in container and (key, container[key]) != ("imagePullPolicy", ""):
            fields[key] = container[key]
    resources = container.get("resources") or {}
    for key in ("requests", "limits"):
        if resources.get(key):
            fields[key] = dict(resources[key])
    return fields


def _runtime_env(text: Any) -> dict[str, Any] | None:
    """runtimeEnvYAML as the structured runtimeEnv, when the environment schema takes it."""
    parsed = _parsed_yaml(text)
    return parsed if isinstance(parsed, dict) and _structured("runtimeEnv").is_valid(parsed) else None


def _parsed_yaml(text: Any) -> Any:
    if not isinstance(text, str):
        return None
    try:
        return load_as_json(text)  # as KubeRay hands it to Ray: a date stays text
    except yaml.YAMLError:
        return None


def _structured(name: str) -> Validator:
    """A validator of one shape of the environment schema (its $defs), reading patterns as every other does."""
    from generator.input.schema_check import schema_validator  # only an import needs it: validate starts without it

    shapes = definitions()
    return schema_validator({**shapes[name], "$defs": shapes})


def _service_fields(spec: Mapping[str, Any]) -> dict[str, Any]:
    fields: dict[str, Any] = {key: spec[key] for key in SERVICE_KEYS if key in spec}
    serve = spec.get("serveConfigV2")
    parsed = _parsed_yaml(serve)
    # a config the structured serveConfig cannot hold stays the manifest's string, through `spec`
    if isinstance(parsed, dict) and _structured("serveConfig").is_valid(parsed):
        fields["serveConfig"] = parsed
    strategy = spec.get("upgradeStrategy")
    if isinstance(strategy, dict) and "type" in strategy:
        fields["upgradeStrategy"] = strategy
    fields["cluster"] = cluster_fields(spec.get("rayClusterConfig") or {})
    return fields


def descend(value: Any, keys: tuple[str, ...]) -> Any:
    """The value at `keys` in nested mappings, or None."""
    for key in keys:
        value = value.get(key) if isinstance(value, dict) else None
    return value
