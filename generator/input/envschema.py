"""The JSON Schema of an environment file, built from small helpers so shared shapes are written once.

`make schemas` writes the editor's variant (`editor_schema`, which also accepts partials and files that
extend one) to schemas/environment.schema.json, which editors use for completion and which a test keeps
equal to this module. Every object is closed (`additionalProperties: false`) except the
documented pass-through fields that take raw Kubernetes or Ray structures.
"""

from __future__ import annotations

import re
from typing import Any

from generator.model.build import DEFAULT_KUBERNETES_VERSION, UNCHECKED
from generator.model.names import HEAD_CONTAINER, SUBMITTER_CONTAINER, WORKER_CONTAINER
from generator.releases import SUPPORTED_RELEASES

Schema = dict[str, Any]

SCHEMA_ID = "https://kuberay-gitops.dev/schemas/environment.schema.json"
DNS1123_LABEL = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"
# A name that every kind accepts and that is safe as a file name: lower case DNS-1123 subdomain, plus the
# ':' RBAC names use (system:aggregate-to-view); never '/' or '..' (Kubernetes path segment names)
OBJECT_NAME = r"^[a-z0-9]([-a-z0-9.:]*[a-z0-9])?$"
# A worker group's name: the operator puts it in the label ray.io/group and lower-cases it in pod names
# (utils.PodName), so upper case works; networkPolicy (1.7.0) wants a DNS-1123 label (rule network-policy).
GROUP_NAME = r"^[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?$"
_SUBDOMAIN = "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*"
DNS1123_SUBDOMAIN = rf"^{_SUBDOMAIN}$"
# A Kubernetes quantity of zero or more: the API server refuses a negative request or limit of a pod ("must be
# greater than or equal to 0", ValidateResourceQuantityValue), which the quantity's own grammar allows
QUANTITY = (
    r"^\+?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE][+-]?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$"
)
REPOSITORY_PATH = r"^[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*$"
DURATION = r"^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$"
# A JSON patch path or from: empty (the whole object) or starting with "/". Kustomize's JSON patch
# (evanphx/json-patch v4, findObject in patch.go) drops whatever stands before the first "/" unread, so
# `spec/replicas` patches /replicas: refused, since "/replicas" says that plainly and "spec/..." never means it.
JSON_POINTER = r"^(/.*)?$"
WINDOW_DURATION = DURATION
# A container port's name as the API server takes it (IsValidPortName, apimachinery's validation.go: at most 15
# of a-z, 0-9 and '-', at least one letter, no '--', no '-' at either end)
PORT_NAME = r"^(?=[-a-z0-9]*[a-z])(?![-a-z0-9]*--)[a-z0-9]([-a-z0-9]*[a-z0-9])?$"
PORT_NAME_MAX = 15
# a port name where it may be left empty (an empty one is none: validateContainerPorts checks a name only when set)
PORT_NAME_OR_NONE = f"^$|{PORT_NAME}"
# a Service port's name where it may be left empty: a DNS-1123 label when set (validateServicePort)
DNS1123_LABEL_OR_NONE = f"^$|{DNS1123_LABEL}"
DNS1123_LABEL_MAX = 63
# an int-or-string's text that the API server takes for a percentage (IsValidPercent: digits, then '%'), and one of
# at most 100 % (IsNotMoreThan100Percent reads the digits as a number: 0100% is 100 %)
PERCENT = r"^[0-9]+%$"
PERCENT_UP_TO_100 = r"^0*(100|[0-9]{1,2})%$"
# a Kubernetes minor release, whose OpenAPI schemas kubernetes-validate ships
KUBERNETES_MINOR = r"^1\.[0-9]+$"
# Argo CD parses a sync window's schedule with five fields, no descriptors (types.go:3378 at v3.5.1)
CRON = r"^[0-9A-Za-z*,/?-]+( +[0-9A-Za-z*,/?-]+){4}$"
# the service part of an annotation key notifications.argoproj.io/subscribe.<trigger>.<service>
NOTIFICATION_SERVICE = r"^[A-Za-z0-9][A-Za-z0-9_-]*$"
CONFIG_MAP_KEY = r"^[-._a-zA-Z0-9]+$"
# an objectSchemas key: apiVersion/Kind
OBJECT_SCHEMA_KEY = "^([a-z0-9.-]+/)?[a-z0-9]+/[A-Z][A-Za-z0-9]*$"
GATE_NAME = r"^[A-Z][A-Za-z0-9]*$"
# A Kubernetes kind: CamelCase. The same strings as a gate name, written apart: schema_check words a pattern's
# failure by the pattern's text, and a kind is no feature gate
KIND_NAME = r"^[A-Z][a-zA-Z0-9]*$"
# Generated object names append to the environment name (model/names.py), so it stays well below 63.
ENVIRONMENT_NAME_MAX = 40
# Ray Serve's checks of an application (python/ray/serve/schema.py: _route_prefix_format, and
# import_path_format_valid): one colon not at either end, or else a dot not at either end.
ROUTE_PREFIX = r"^/([^{}]*[^/{}])?$"
IMPORT_PATH = r"^([^:]+:[^:]+|[^:.][^:]*\.[^:]*[^:.])$"
# Label values and keys as the API server checks them (apimachinery validation: IsValidLabelValue and
# IsQualifiedName): a name part of at most LABEL_VALUE_MAX letters and digits with '-', '_' and '.' inside,
# after an optional DNS-1123 subdomain prefix of at most DNS1123_SUBDOMAIN_MAX characters and '/'. The
# lengths are in the patterns (a lookahead bounds the prefix). A label value may be empty. Annotation keys are
# checked lower-cased (ValidateAnnotations), so their prefix may hold upper case.
LABEL_VALUE_MAX = 63
DNS1123_SUBDOMAIN_MAX = 253
_LABEL_NAME = "[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?"
_ANY_CASE_SUBDOMAIN = _SUBDOMAIN.replace("a-z0-9", "A-Za-z0-9")
_PREFIX_LENGTH = f"(?=[^/]{{1,{DNS1123_SUBDOMAIN_MAX}}}/)"
LABEL_VALUE = rf"^({_LABEL_NAME})?$"
QUALIFIED_NAME = rf"^({_PREFIX_LENGTH}{_SUBDOMAIN}/)?{_LABEL_NAME}$"
ANNOTATION_KEY = rf"^({_PREFIX_LENGTH}{_ANY_CASE_SUBDOMAIN}/)?{_LABEL_NAME}$"


def closed(description: str, properties: dict[str, Schema], required: tuple[str, ...] = ()) -> Schema:
    schema: Schema = {
        "type": "object",
        "description": description,
        "properties": properties,
        "additionalProperties": False,
    }
    if required:
        schema["required"] = list(required)
    return schema


def open_object(description: str) -> Schema:
    return {"type": "object", "description": description}


def text(description: str, **constraints: Any) -> Schema:
    return {"type": "string", "description": description, **constraints}


def integer(description: str, minimum: int | None = 0, **constraints: Any) -> Schema:
    schema: Schema = {"type": "integer", "description": description, **constraints}
    if minimum is not None:
        schema["minimum"] = minimum
    return schema


def boolean(description: str) -> Schema:
    return {"type": "boolean", "description": description}


def ref(name: str, description: str) -> Schema:
    return {"$ref": f"#/$defs/{name}", "description": description}


def array(description: str, items: Schema, **constraints: Any) -> Schema:
    return {"type": "array", "description": description, "items": items, **constraints}


def string_map(description: str, keys: str = QUALIFIED_NAME) -> Schema:
    return {
        "type": "object",
        "description": description,
        "propertyNames": {"pattern": keys},
        "additionalProperties": {"type": "string"},
    }


def annotation_map(description: str) -> Schema:
    return string_map(description, ANNOTATION_KEY)


def pod_fields() -> dict[str, Schema]:
    """Pod settings that `defaults` sets for every Ray pod and each group may override."""
    return {
        "image": text("Container image of the Ray containers.", minLength=1),
        "imagePullPolicy": text("Image pull policy of the Ray containers.", enum=["Always", "IfNotPresent", "Never"]),
        "nodeSelector": string_map("Node labels the pods must match (pod spec nodeSelector)."),
        "tolerations": array("Pod tolerations, as in a Kubernetes pod spec.", open_object("A toleration.")),
        "affinity": open_object("Pod affinity, as in a Kubernetes pod spec."),
        "imagePullSecrets": array(
            "Names of Secrets used to pull the images.", text("A Secret name.", pattern=DNS1123_SUBDOMAIN)
        ),
        "serviceAccountName": text("ServiceAccount the pods run as.", pattern=DNS1123_SUBDOMAIN),
        "env": ref("envList", "Environment variables of the Ray containers; items merge by name."),
        "labels": string_map("Labels added to the pods."),
        "annotations": annotation_map("Annotations added to the pods."),
        "volumes": ref("volumeList", "Volumes mounted into the Ray containers; items merge by name."),
    }


def container_name(role: str, default: str) -> Schema:
    return text(
        f"Name of the {role} container (default {default}); KubeRay finds it by position, not by name.",
        pattern=DNS1123_LABEL,
        maxLength=63,
    )


def spec_override(kind: str) -> Schema:
    return open_object(
        f"Raw {kind} spec fields merged last, over everything the other fields generate: mappings merge, lists "
        "of named items (containers, volumes, env, ports by name; workerGroupSpecs by groupName) merge item by "
        "item, other lists replace, null removes. Checked against the pinned release's CRD."
    )


def group_fields() -> dict[str, Schema]:
    """Fields shared by the head and every worker group."""
    return {
        **pod_fields(),
        "cpu": ref("quantity", "CPU for the Ray container, set as both request and limit."),
        "memory": ref("quantity", "Memory for the Ray container, set as both request and limit."),
        "gpu": integer("NVIDIA GPUs (nvidia.com/gpu), set as both request and limit."),
        "extendedResources": {
            "type": "object",
            "description": "Other extended resources (e.g. google.com/tpu), set as both request and limit.",
            "propertyNames": {"pattern": QUALIFIED_NAME},
            "additionalProperties": {"$ref": "#/$defs/quantity"},
        },
        "requests": ref("resourceList", "Resource requests; each key overrides the cpu/memory/gpu shorthand."),
        "limits": ref("resourceList", "Resource limits; each key overrides the cpu/memory/gpu shorthand."),
        "rayStartParams": {
            "type": "object",
            "description": "Options of `ray start` (without the leading --); values are emitted as strings.",
            "additionalProperties": {"type": ["string", "integer", "number", "boolean"]},
        },
        "ports": array(
            "Container ports of the Ray container; items merge by name.",
            closed(
                "A container port.",
                {
                    "name": text("Port name (IANA service name).", pattern=PORT_NAME, maxLength=PORT_NAME_MAX),
                    "containerPort": integer("Port number.", minimum=1, maximum=65535),
                    "protocol": text("Protocol.", enum=["TCP", "UDP", "SCTP"]),
                },
                required=("name", "containerPort"),
            ),
        ),
        "rayLabels": string_map(
            "Ray node labels of the group's pods (the group's `labels` field, KubeRay >= 1.5.0); pod labels are "
            "`labels`."
        ),
        "rayResources": {
            "type": "object",
            "description": "Ray logical resources of the group's pods (the group's `resources` field, KubeRay >= "
            "1.5.0), e.g. {CPU: '4', TPU: '8'}; container resources are cpu, memory, requests and limits.",
            "additionalProperties": {"type": "string"},
        },
        "podTemplate": closed(
            "Raw Kubernetes pod template fields merged into the generated one: mappings merge, containers, "
            "initContainers and volumes merge by name, other lists replace.",
            {
                "metadata": open_object("Pod template metadata (labels, annotations)."),
                "spec": open_object("Pod spec fields (sidecars, initContainers, securityContext, ...)."),
            },
        ),
    }


def group_definitions() -> dict[str, Schema]:
    """Shapes referenced from every cluster spec (RayCluster, RayJob and RayService clusters)."""
    head_fields = {
        **group_fields(),
        "containerName": container_name("Ray head", HEAD_CONTAINER),
        "service": open_object(
            "The head Service the operator creates, as a Kubernetes Service (headGroupSpec.headService): name, "
            "labels, ports, type, ..."
        ),
        "serviceType": text(
            "Kubernetes Service type of the head service.", enum=["ClusterIP", "NodePort", "LoadBalancer"]
        ),
    }
    worker_fields = {
        "name": text(
            "Worker group name (groupName): letters, digits and '-'; lower case with networkPolicy.",
            pattern=GROUP_NAME,
            maxLength=63,
        ),
        "replicas": integer("Desired number of worker pods (the autoscaler changes it when enabled)."),
        "minReplicas": integer("Lower bound of replicas."),
        "maxReplicas": integer("Upper bound of replicas."),
        "numOfHosts": integer("Hosts per replica (multi-host groups such as TPU slices).", minimum=1),
        "idleTimeoutSeconds": integer(
            "Seconds an idle worker of this group is kept before the autoscaler removes it (autoscaler v2 only)."
        ),
        "containerName": container_name("Ray worker", WORKER_CONTAINER),
        **group_fields(),
    }
    return {
        "headGroup": closed("The Ray head pod.", head_fields),
        "workerGroup": closed("A worker group.", worker_fields, required=("name",)),
        "autoscaling": closed(
            "The in-tree Ray autoscaler.",
            {
                "enabled": boolean("Run the Ray autoscaler sidecar (enableInTreeAutoscaling)."),
                "version": text("Autoscaler generation (KubeRay >= 1.4.0).", enum=["v1", "v2"]),
                "idleTimeoutSeconds": integer("Seconds an idle worker is kept before it is removed."),
                "upscalingMode": text(
                    "How fast the autoscaler adds workers.", enum=["Default", "Aggressive", "Conservative"]
                ),
                "image": text("Autoscaler image; defaults to the Ray image.", minLength=1),
                "imagePullPolicy": text("Autoscaler image pull policy.", enum=["Always", "IfNotPresent", "Never"]),
                "resources": ref("resources", "Autoscaler container resources."),
                "env": ref("envList", "Autoscaler container environment variables."),
                "envFrom": array("Autoscaler container envFrom sources.", open_object("An envFrom source.")),
                "securityContext": open_object("Autoscaler container securityContext."),
                "command": array("Command of the autoscaler container (KubeRay >= 1.7.0).", text("An argument.")),
                "args": array("Arguments of the autoscaler container (KubeRay >= 1.7.0).", text("An argument.")),
            },
        ),
        "gcsFaultTolerance": closed(
            "GCS fault tolerance: an external Redis (the default backend), or embedded RocksDB storage on a volume "
            "(KubeRay >= 1.7.0, gate GCSFaultToleranceEmbeddedStorage).",
            {
                "backend": text("Where the GCS keeps its state (KubeRay >= 1.7.0).", enum=["redis", "rocksdb"]),
                "storage": open_object(
                    "The volume of the rocksdb backend (claimName, or size, storageClassName and accessModes); the "
                    "RayCluster field as is."
                ),
                "redisAddress": text("host:port of the Redis server.", minLength=1),
                "redisPassword": closed(
                    "The Redis password, taken from a Secret (never written in the environment file).",
                    {
                        "secretName": text("Secret name.", pattern=DNS1123_SUBDOMAIN),
                        "key": text("Key in the Secret.", minLength=1),
                    },
                    required=("secretName", "key"),
                ),
                "externalStorageNamespace": text("Namespace of this cluster's data in Redis.", minLength=1),
            },
        ),
        "resources": closed(
            "Container resources.",
            {
                "requests": ref("resourceList", "Resource requests."),
                "limits": ref("resourceList", "Resource limits."),
            },
        ),
    }


def cluster_spec_fields() -> dict[str, Schema]:
    """The Ray cluster shape used by `clusters` items, `jobs[].cluster` and `services[].cluster`."""
    return {
        "rayVersion": text("Ray version of the images; defaults to defaults.rayVersion.", minLength=1),
        "image": text("Image of every Ray container of this cluster; overrides defaults.image.", minLength=1),
        "head": ref("headGroup", "The Ray head pod."),
        "workerGroups": array("Worker groups; items merge by name.", ref("workerGroup", "A worker group.")),
        "autoscaling": ref("autoscaling", "The in-tree Ray autoscaler."),
        "gcsFaultTolerance": ref("gcsFaultTolerance", "GCS fault tolerance with an external Redis."),
        "networkPolicy": open_object(
            "NetworkPolicies the operator creates (KubeRay >= 1.7.0, gate RayClusterNetworkPolicy); the RayCluster "
            "networkPolicy field as is."
        ),
        "tlsOptions": open_object(
            "Mutual TLS between Ray pods (KubeRay >= 1.7.0, gate RayClusterMTLS); the RayCluster tlsOptions field."
        ),
        "historyServer": open_object(
            "Ray history server collection (KubeRay >= 1.7.0, gate RayClusterHistoryServer); the RayCluster "
            "historyServerOptions field."
        ),
        "auth": open_object(
            "Authentication of the Ray dashboard and API (KubeRay >= 1.5.1; enableK8sTokenAuth and secretName >= "
            "1.6.0); the RayCluster authOptions field as is."
        ),
        "labels": string_map("Labels of the generated object."),
        "annotations": annotation_map("Annotations of the generated object."),
    }


def job_schema() -> Schema:
    submitter_fields = {
        key: value
        for key, value in group_fields().items()
        if key
        in {
            "image",
            "imagePullPolicy",
            "cpu",
            "memory",
            "requests",
            "limits",
            "env",
            "podTemplate",
            "serviceAccountName",
            "labels",
            "annotations",
        }
    }
    submitter_fields["containerName"] = container_name("submitter", SUBMITTER_CONTAINER)
    return closed(
        "A RayJob: runs one entrypoint on a Ray cluster.",
        {
            "name": ref("objectName", "Name of the RayJob."),
            "lint": ref("lint", "Lints waived for this RayJob and its cluster."),
            "entrypoint": text("Command the job runs (`ray job submit -- ENTRYPOINT`).", minLength=1),
            "entrypointNumCpus": {"type": "number", "minimum": 0, "description": "CPUs reserved for the entrypoint."},
            "entrypointNumGpus": {"type": "number", "minimum": 0, "description": "GPUs reserved for the entrypoint."},
            "entrypointResources": {
                "type": "object",
                "description": "Custom Ray resources reserved for the entrypoint; emitted as the entrypointResources "
                "JSON string.",
                "additionalProperties": {"type": "number", "minimum": 0},
            },
            "jobId": text("Ray job id to submit under (default: generated by KubeRay).", minLength=1),
            "runtimeEnv": ref("runtimeEnv", "Ray runtime environment; emitted as runtimeEnvYAML."),
            "submissionMode": text(
                "How KubeRay submits the job.",
                enum=["K8sJobMode", "HTTPMode", "InteractiveMode", "SidecarMode"],
            ),
            "shutdownAfterJobFinishes": boolean("Delete the Ray cluster when the job finishes."),
            "ttlSecondsAfterFinished": integer("Seconds to keep the cluster after the job finishes."),
            "activeDeadlineSeconds": integer("Seconds the job may run before KubeRay stops it.", minimum=1),
            "backoffLimit": integer("Retries of the whole job, each on a new cluster."),
            "suspend": boolean("Create the RayJob suspended (no cluster until resumed)."),
            "preRunningDeadlineSeconds": integer(
                "Seconds the job may take to start running (KubeRay >= 1.6.0).", minimum=1
            ),
            "deletionStrategy": open_object(
                "What to delete when the job ends (KubeRay >= 1.5.0, gate RayJobDeletionPolicy); the RayJob "
                "deletionStrategy field as is."
            ),
            "deletionPolicy": text(
                "What to delete when the job ends (KubeRay 1.3 and 1.4 only, gate RayJobDeletionPolicy).",
                enum=["DeleteCluster", "DeleteWorkers", "DeleteSelf", "DeleteNone"],
            ),
            "cluster": closed("The Ray cluster created for this job.", cluster_spec_fields(), required=("head",)),
            "clusterSelector": string_map(
                "An existing RayCluster to run on instead of a new one, by its ray.io/cluster label: "
                "{ray.io/cluster: NAME}."
            ),
            "submitter": closed("The submitter pod that runs `ray job submit`.", submitter_fields),
            "labels": string_map("Labels of the RayJob."),
            "annotations": annotation_map("Annotations of the RayJob."),
            "spec": spec_override("RayJob"),
        },
        required=("name",),
    )


def cron_job_schema() -> Schema:
    job = job_schema()
    template = {
        key: value
        for key, value in job["properties"].items()
        if key not in ("name", "lint", "labels", "annotations", "spec")
    }
    return closed(
        "A RayCronJob (KubeRay >= 1.6.0, gate RayCronJob): a RayJob made from `job` on a schedule.",
        {
            "name": text(
                "Name of the RayCronJob: at most 36 characters (its RayJobs get a suffix).",
                pattern=DNS1123_LABEL,
                maxLength=63,
            ),
            "lint": ref("lint", "Lints waived for this RayCronJob and its job's cluster."),
            "schedule": text(
                "When to run, in cron syntax (`0 2 * * *`, `@daily`); no TZ= prefix.",
                minLength=1,
                examples=["0 2 * * *"],
            ),
            "timeZone": text(
                "IANA time zone of the schedule (default: the operator's local time zone).",
                minLength=1,
                examples=["Etc/UTC"],
            ),
            "suspend": boolean("Start no new RayJob while true (running ones go on)."),
            "job": closed("The RayJob each run creates: the fields of a jobs[] item.", template),
            "labels": string_map("Labels of the RayCronJob."),
            "annotations": annotation_map("Annotations of the RayCronJob."),
            "spec": spec_override("RayCronJob"),
        },
        required=("name", "schedule", "job"),
    )


def service_schema() -> Schema:
    return closed(
        "A RayService: a Ray Serve application on a Ray cluster with zero-downtime upgrades.",
        {
            "name": ref("objectName", "Name of the RayService."),
            "lint": ref("lint", "Lints waived for this RayService and its cluster."),
            "serveConfig": ref("serveConfig", "Ray Serve config; emitted as the serveConfigV2 string."),
            "upgradeStrategy": closed(
                "How cluster changes are rolled out.",
                {
                    "type": text("Upgrade strategy.", enum=["NewCluster", "None", "NewClusterWithIncrementalUpgrade"]),
                    "clusterUpgradeOptions": open_object(
                        "Incremental upgrade options (KubeRay >= 1.5.0); the RayService field as is."
                    ),
                },
                required=("type",),
            ),
            "rayClusterDeletionDelaySeconds": integer(
                "Seconds the old cluster is kept after an upgrade (KubeRay >= 1.5.0)."
            ),
            "suspend": boolean("Delete all of the service's resources while true (KubeRay >= 1.7.0)."),
            "excludeHeadPodFromServeSvc": boolean("Keep the head pod out of the Serve service."),
            "serveService": open_object(
                "The Serve Service the operator creates, as a Kubernetes Service (spec.serveService): name, ports, "
                "type, ..."
            ),
            "cluster": closed("The Ray cluster of this service.", cluster_spec_fields(), required=("head",)),
            "labels": string_map("Labels of the RayService."),
            "annotations": annotation_map("Annotations of the RayService."),
            "spec": spec_override("RayService"),
        },
        required=("name", "cluster"),
    )


def ray_actor_options_schema() -> Schema:
    """The options Ray Serve accepts for a replica actor; any other key fails the deployment
    (ReplicaConfig._validate_ray_actor_options, python/ray/serve/_private/config.py)."""
    amount = {"type": "number", "minimum": 0}
    return closed(
        "Actor options of the replicas, as Ray Serve accepts them.",
        {
            "num_cpus": {**amount, "description": "CPUs per replica (Serve's default: 1)."},
            "num_gpus": {**amount, "description": "GPUs per replica; a node of the cluster must have this many."},
            "memory": {**amount, "description": "Heap memory per replica, in bytes."},
            "object_store_memory": {**amount, "description": "Object store memory per replica, in bytes."},
            "resources": {
                "type": "object",
                "description": "Custom Ray resources per replica (CPU and GPU go in num_cpus and num_gpus).",
                "propertyNames": {
                    "not": {"enum": ["CPU", "GPU"]},
                    "description": "Ray takes CPU and GPU from num_cpus and num_gpus, not from resources",
                },
                "additionalProperties": amount,
            },
            "accelerator_type": text("Accelerator type the replicas need, e.g. A100.", minLength=1),
            "runtime_env": ref("runtimeEnv", "Runtime environment of the replicas."),
        },
    )


def serve_config_schema() -> Schema:
    deployment = closed(
        "A Serve deployment override (Ray Serve's DeploymentSchema).",
        {
            "name": text("Deployment name.", minLength=1),
            # DeploymentSchema: a negative count is refused by every release (PositiveInt, later NonNegativeInt)
            "num_replicas": {"description": "Replicas, or auto.", "type": ["integer", "string"], "minimum": 0},
            "max_ongoing_requests": integer("Requests a replica handles at once.", minimum=1),
            "max_queued_requests": integer("Requests queued per caller before rejecting (-1: unlimited).", minimum=-1),
            "user_config": {"description": "Passed to the deployment's reconfigure()."},
            "autoscaling_config": open_object("Replica autoscaling."),
            "graceful_shutdown_wait_loop_s": {"type": "number", "description": "Seconds between drain checks."},
            "graceful_shutdown_timeout_s": {"type": "number", "description": "Seconds before a forced shutdown."},
            "health_check_period_s": {"type": "number", "description": "Seconds between health checks."},
            "health_check_timeout_s": {"type": "number", "description": "Seconds a health check may take."},
            "ray_actor_options": ray_actor_options_schema(),
            "placement_group_bundles": array("Placement group bundles per replica.", open_object("A bundle.")),
            "placement_group_strategy": text("Placement group strategy.", minLength=1),
            "max_replicas_per_node": integer("Replicas per node at most.", minimum=1),
            "logging_config": open_object("Logging config of the deployment."),
            "request_router_config": open_object("Request routing of the deployment."),
            "max_concurrent_queries": integer("Deprecated name of max_ongoing_requests.", minimum=1),
        },
        required=("name",),
    )
    application = closed(
        "A Serve application.",
        {
            "name": text("Application name.", minLength=1),
            "import_path": text(
                "module:attribute (or module.attribute) of the application.",
                pattern=IMPORT_PATH,
                examples=["text_ml:app"],
            ),
            "route_prefix": text(
                "HTTP route prefix: starts with /, ends with / only when it is just /, no { or }.",
                pattern=ROUTE_PREFIX,
                examples=["/"],
            ),
            "runtime_env": ref("runtimeEnv", "Runtime environment of the application."),
            "deployments": array("Deployment overrides; items merge by name.", deployment),
            "args": open_object("Arguments passed to the application builder."),
            "logging_config": open_object("Logging config of the application."),
            "external_scaler_enabled": boolean("Let an external scaler set replica counts."),
        },
        required=("name", "import_path"),
    )
    return closed(
        "Ray Serve multi-application config.",
        {
            "applications": array("Serve applications; items merge by name.", application, minItems=1),
            "proxy_location": text("Where HTTP proxies run.", enum=["Disabled", "HeadOnly", "EveryNode"]),
            "http_options": open_object("HTTP proxy options."),
            "grpc_options": open_object("gRPC proxy options."),
            "logging_config": open_object("Cluster-wide Serve logging config."),
        },
        required=("applications",),
    )


def definitions() -> dict[str, Schema]:
    volume_sources = [
        "configMap",
        "secret",
        "emptyDir",
        "persistentVolumeClaim",
        "hostPath",
        "projected",
        "downwardAPI",
        "csi",
        "ephemeral",
        "nfs",
    ]
    volume_properties: dict[str, Schema] = {
        "name": text("Volume name.", pattern=DNS1123_LABEL, maxLength=63),
        "mountPath": text("Where the volume is mounted in the Ray container.", pattern="^/", examples=["/data"]),
        "readOnly": boolean("Mount read-only."),
        "subPath": text("Sub-path of the volume to mount.", minLength=1),
    }
    volume_properties.update({source: open_object(f"Kubernetes {source} volume source.") for source in volume_sources})
    return {
        "lint": closed(
            "Lints of kuberay-gitops (not KubeRay's own rules) waived for this object; docs/rules.md lists them.",
            {
                "ignore": array(
                    "Ids of the lints to waive, e.g. gpu-count.",
                    text("A lint id.", pattern="^[a-z0-9]+(-[a-z0-9]+)*$"),
                    uniqueItems=True,
                )
            },
        ),
        "objectName": text(
            "Name of a generated Kubernetes object: a DNS-1123 label (lower case letters, digits, '-').",
            pattern=DNS1123_LABEL,
            maxLength=63,
        ),
        "quantity": {
            "description": "A Kubernetes quantity such as 500m, 2, 4Gi.",
            "type": ["string", "integer", "number"],
            "pattern": QUANTITY,
            "minimum": 0,
        },
        "resourceList": {
            "type": "object",
            "description": "Resource name to quantity.",
            "propertyNames": {"pattern": QUALIFIED_NAME},
            "additionalProperties": {"$ref": "#/$defs/quantity"},
        },
        "envList": array(
            "Kubernetes environment variables.",
            closed(
                "An environment variable.",
                {
                    "name": text("Variable name.", minLength=1),
                    "value": text("Literal value."),
                    "valueFrom": open_object("Source of the value (secretKeyRef, configMapKeyRef, fieldRef, ...)."),
                },
                required=("name",),
            ),
        ),
        "volumeList": array(
            "Volumes with their mount.",
            closed("A volume and where it is mounted.", volume_properties, required=("name", "mountPath")),
        ),
        "serveConfig": serve_config_schema(),
        "runtimeEnv": closed(
            "A Ray runtime environment (the fields Ray documents; plugin fields are not accepted).",
            {
                "working_dir": text("URI or path of the job's files.", minLength=1),
                "py_modules": array("Python modules to ship.", text("A module URI or path.")),
                "py_executable": text("Python executable of the workers.", minLength=1),
                "pip": {"description": "pip packages: a list, a requirements file, or a pip config."},
                "uv": {"description": "uv packages: a list, a requirements file, or a uv config."},
                "conda": {"description": "A conda environment name, file or spec."},
                "container": open_object("Container of the workers (deprecated in favour of image_uri)."),
                "image_uri": text("Image the workers run in.", minLength=1),
                "env_vars": {
                    "type": "object",
                    "description": "Environment variables of the workers.",
                    "additionalProperties": {"type": "string"},
                },
                "excludes": array("Paths left out of working_dir.", text("A path pattern.")),
                "config": open_object("Runtime environment options (setup_timeout_seconds, eager_install)."),
                "nsight": {"description": "Nsight profiling: a profile name or options."},
                "java_jars": array("Java jars to ship.", text("A jar URI.")),
                "worker_process_setup_hook": text("module.function run in every worker.", minLength=1),
            },
        ),
        **group_definitions(),
    }


def environment_schema() -> Schema:
    """The whole environment-file schema (JSON Schema draft 2020-12)."""
    schema = closed(
        "A KubeRay GitOps environment: one KubeRay release on one cluster and namespace.",
        {
            "name": text(
                "Environment name; equals the file name.", pattern=DNS1123_LABEL, maxLength=ENVIRONMENT_NAME_MAX
            ),
            "extends": text(
                "Partial (environments/_NAME.yaml) this file is merged onto.", pattern="^_", examples=["_base"]
            ),
            "kuberay": closed(
                "The KubeRay release.",
                {
                    "version": text(
                        "Exact KubeRay release: chart version, operator image and CRD schema.",
                        enum=list(SUPPORTED_RELEASES),
                    )
                },
                required=("version",),
            ),
            "target": closed(
                "Where the workloads run.",
                {
                    "cluster": text("Argo CD destination name or API server URL of the cluster.", minLength=1),
                    "namespace": text("Namespace of the Ray objects.", pattern=DNS1123_LABEL, maxLength=63),
                    "kubernetesVersion": text(
                        f"Kubernetes minor version of the cluster, whose OpenAPI schemas check `objects` (default "
                        f"{DEFAULT_KUBERNETES_VERSION}).",
                        pattern=KUBERNETES_MINOR,
                        examples=[DEFAULT_KUBERNETES_VERSION],
                    ),
                },
                required=("cluster", "namespace"),
            ),
            "gitops": closed(
                "How the rendered output is synced.",
                {
                    "engine": text("GitOps engine.", enum=["argocd", "flux", "both"]),
                    "repoURL": text("URL of this Git repository.", minLength=1),
                    "targetRevision": text("Branch, tag or commit that is synced (default main).", minLength=1),
                    "path": text(
                        "Where the rendered output lives in the repository (default rendered).",
                        pattern=REPOSITORY_PATH,
                    ),
                    "argocdNamespace": text(
                        "Namespace of Argo CD on the management cluster (default argocd).", pattern=DNS1123_LABEL
                    ),
                    "fluxNamespace": text(
                        "Namespace of the Flux controllers on the target cluster (default flux-system).",
                        pattern=DNS1123_LABEL,
                    ),
                    "interval": text("How often Flux reconciles (default 10m).", pattern=DURATION, examples=["10m"]),
                    "stage": integer(
                        "Argo CD ApplicationSet mode: the rollout stage of this environment (lower syncs first, "
                        "e.g. dev 0, staging 1, prod 2). Set in every Argo CD environment or in none.",
                    ),
                    "syncWindows": array(
                        "Argo CD sync windows of this environment's workloads (e.g. RayService upgrades, which "
                        "need room for two clusters, only at night).",
                        closed(
                            "An Argo CD sync window.",
                            {
                                "kind": text(
                                    "allow: syncs only inside the window; deny: never inside.", enum=["allow", "deny"]
                                ),
                                "schedule": text(
                                    "When the window opens, in cron format (e.g. '0 22 * * *').",
                                    pattern=CRON,
                                    examples=["0 22 * * *"],
                                ),
                                "duration": text(
                                    "How long the window stays open (e.g. 8h, 90m).",
                                    pattern=WINDOW_DURATION,
                                    examples=["8h"],
                                ),
                                "timeZone": text(
                                    "Time zone of the schedule, e.g. Europe/Berlin (default UTC).",
                                    minLength=1,
                                    examples=["Europe/Berlin"],
                                ),
                                "manualSync": boolean("Allow manual syncs while the window blocks automated ones."),
                            },
                            required=("kind", "schedule", "duration"),
                        ),
                    ),
                    "notifications": closed(
                        "Alerts when the Ray objects turn Degraded (opt-in).",
                        {
                            "argocd": array(
                                "Argo CD notifications subscriptions of the workloads Applications (trigger "
                                "on-health-degraded of the notifications catalog).",
                                closed(
                                    "A notifications service and recipient, as in argocd-notifications-cm.",
                                    {
                                        # the annotation key's name part holds 63 characters, 29 are ours
                                        "service": text(
                                            "The service name, e.g. slack.", pattern=NOTIFICATION_SERVICE, maxLength=34
                                        ),
                                        # recipients of one service are joined by `;` in one annotation
                                        "recipient": text("The recipient, e.g. a channel.", pattern=r"^[^;]+$"),
                                    },
                                    required=("service", "recipient"),
                                ),
                                minItems=1,
                            ),
                            "flux": closed(
                                "A Flux Alert on the workloads (and chart) Kustomizations' error events, such as a "
                                "failed RayJob or RayService health check.",
                                {
                                    "provider": text(
                                        "The notification Provider in Flux's namespace (configured outside this "
                                        "repository, with its secret).",
                                        pattern=DNS1123_SUBDOMAIN,
                                        maxLength=253,
                                    ),
                                },
                                required=("provider",),
                            ),
                        },
                    ),
                },
                required=("engine", "repoURL"),
            ),
            "operator": closed(
                "The KubeRay operator of the target cluster.",
                {
                    "install": boolean("This environment installs the operator (one owner per cluster)."),
                    "delivery": text(
                        "How the operator is installed: the kuberay-operator Helm chart (default helm) or the "
                        "upstream Kustomize base ray-operator/config/default of the release (kustomize).",
                        enum=["helm", "kustomize"],
                    ),
                    "source": text(
                        "With delivery kustomize: the base from GitHub at the release tag (default remote), or a "
                        "copy rendered into this repository for GitOps controllers that cannot reach GitHub "
                        "(vendored).",
                        enum=["remote", "vendored"],
                    ),
                    "namespace": text(
                        "Namespace the operator is installed in (default kuberay-system).",
                        pattern=DNS1123_LABEL,
                        maxLength=63,
                    ),
                    "watchNamespaces": array(
                        "Namespaces the operator watches; empty means all.",
                        text("A namespace.", pattern=DNS1123_LABEL, maxLength=63),
                        uniqueItems=True,
                    ),
                    "featureGates": {
                        "type": "object",
                        "description": "Operator feature gates to switch on or off; others keep the chart default.",
                        "propertyNames": {"pattern": GATE_NAME},
                        "additionalProperties": {"type": "boolean"},
                    },
                    "resources": ref("resources", "Operator container resources."),
                    "env": ref("envList", "Operator environment variables (e.g. ENABLE_ZERO_DOWNTIME)."),
                    "values": open_object("Extra Helm values of the kuberay-operator chart, merged last."),
                },
            ),
            "defaults": closed(
                "Pod defaults shared by every Ray pod of this environment.",
                {**pod_fields(), "rayVersion": text("Ray version of the images.", minLength=1)},
            ),
            "configMaps": array(
                "ConfigMaps rendered beside the Ray objects (e.g. code mounted into pods); items merge by name.",
                closed(
                    "A ConfigMap.",
                    {
                        "name": ref("objectName", "ConfigMap name."),
                        "data": {
                            "type": "object",
                            "description": "File name to content.",
                            "propertyNames": {"pattern": CONFIG_MAP_KEY},
                            "additionalProperties": {"type": "string"},
                        },
                    },
                    required=("name", "data"),
                ),
            ),
            "clusters": array(
                "RayClusters; items merge by name.",
                closed(
                    "A RayCluster.",
                    {
                        "name": ref("objectName", "Name of the RayCluster."),
                        "lint": ref("lint", "Lints waived for this RayCluster."),
                        **cluster_spec_fields(),
                        "delivery": text(
                            "How the RayCluster reaches the cluster: kustomize (the workloads overlay, default) or "
                            "helm (the official ray-cluster chart of the pinned release).",
                            enum=["kustomize", "helm"],
                        ),
                        "suspend": boolean("Delete all Ray pods while true."),
                        "upgradeStrategy": closed(
                            "How spec changes reach running pods (KubeRay >= 1.6.0).",
                            {
                                "type": text(
                                    "Recreate: delete and recreate all pods on a change.", enum=["Recreate", "None"]
                                )
                            },
                            required=("type",),
                        ),
                        "spec": spec_override("RayCluster"),
                    },
                    required=("name", "head"),
                ),
            ),
            "jobs": array("RayJobs; items merge by name.", job_schema()),
            "services": array("RayServices; items merge by name.", service_schema()),
            "cronJobs": array("RayCronJobs (KubeRay >= 1.6.0); items merge by name.", cron_job_schema()),
            "podSecurity": text(
                "The Pod Security Standard the namespace enforces (its pod-security.kubernetes.io labels) and every "
                "generated pod is written to pass: restricted (the default: no privilege escalation, all "
                "capabilities dropped, non-root, RuntimeDefault seccomp, no ServiceAccount token unless the "
                "autoscaler needs it), baseline, or privileged (no labels, nothing added).",
                enum=["restricted", "baseline", "privileged"],
            ),
            "lint": closed(
                "Waivers that concern the whole environment.",
                {
                    "notSecrets": array(
                        "Paths of values that look like credentials but are not (the plaintext-secret lint), as "
                        "the error prints them, e.g. clusters[0].head.env[2].value.",
                        text("A document path.", minLength=1),
                        uniqueItems=True,
                    )
                },
            ),
            "objects": array(
                "Other Kubernetes objects the Ray workloads need, in the environment's namespace, as written for "
                "kubectl (Service, Ingress, PersistentVolumeClaim, ServiceAccount, Role, NetworkPolicy, ...): "
                "checked against the OpenAPI schema of target.kubernetesVersion, or of objectSchemas for other "
                "kinds. Secrets with data are refused: use SealedSecret, ExternalSecret or SOPS.",
                kubernetes_object_schema("A namespaced Kubernetes object.", "the namespace is the environment's"),
            ),
            "clusterObjects": array(
                "Cluster-scoped objects the Ray workloads need (opt-in): ClusterRole, ClusterRoleBinding, "
                "PriorityClass, StorageClass, IngressClass, RuntimeClass, PersistentVolume. Checked against the "
                "OpenAPI schema of target.kubernetesVersion; the workloads' AppProject and Flux account may write "
                "exactly these objects, by name.",
                kubernetes_object_schema("A cluster-scoped Kubernetes object.", "it has no namespace"),
            ),
            "objectSchemas": {
                "type": "object",
                "description": "How `objects` of kinds outside the Kubernetes API are checked, by `apiVersion/kind` "
                "(e.g. kueue.x-k8s.io/v1beta1/LocalQueue): a JSON Schema file, relative to the environment file, "
                f"that holds all it refers to (`#/$defs/...`), or `{UNCHECKED}` to render them unchecked.",
                "propertyNames": {"pattern": OBJECT_SCHEMA_KEY},
                "additionalProperties": text("A JSON Schema file, or unchecked.", minLength=1),
            },
            "patches": array(
                "Kustomize patches for what the schema does not model.",
                closed(
                    "A Kustomize patch.",
                    {
                        "target": closed(
                            "Objects the patch applies to.",
                            {
                                "group": text("API group."),
                                "version": text("API version."),
                                "kind": text("Kind.", minLength=1),
                                "name": text("Object name or regular expression.", minLength=1),
                                "labelSelector": text("Label selector."),
                                "annotationSelector": text("Annotation selector."),
                            },
                        ),
                        "patch": {
                            "description": "A strategic-merge patch (mapping) or JSON 6902 operations (list).",
                            "type": ["object", "array"],
                            # each applies to one of the two types: kustomize cannot read a patch otherwise
                            "properties": {
                                "apiVersion": text("The patched object's apiVersion."),
                                "kind": text("The patched object's kind."),
                                "metadata": {"description": "The patched object's name.", "type": "object"},
                            },
                            "items": {
                                "description": "A JSON 6902 operation.",
                                "type": "object",
                                "required": ["op", "path"],
                                "properties": {
                                    "op": {
                                        "description": "The operation.",
                                        "enum": ["add", "remove", "replace", "move", "copy", "test"],
                                    },
                                    "path": text(
                                        "A JSON pointer, e.g. /spec/suspend.",
                                        pattern=JSON_POINTER,
                                        examples=["/spec/suspend"],
                                    ),
                                    "from": text(
                                        "A JSON pointer, for move and copy.",
                                        pattern=JSON_POINTER,
                                        examples=["/spec/suspend"],
                                    ),
                                },
                                # kustomize's JSON patch fails a move or copy without `from` ("missing from
                                # field"); an add, replace or test without `value` takes null, as kubectl
                                # kustomize does
                                "if": {
                                    "required": ["op"],
                                    "properties": {"op": {"description": "A move or copy.", "enum": ["move", "copy"]}},
                                },
                                "then": {"required": ["from"]},
                            },
                        },
                    },
                    required=("patch",),
                ),
            ),
        },
        required=("name", "kuberay", "target", "gitops"),
    )
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "KubeRay GitOps environment",
        **schema,
        "$defs": definitions(),
    }


def kubernetes_object_schema(description: str, namespace: str) -> Schema:
    """An item of `objects` or `clusterObjects`: a Kubernetes object as written for kubectl, whose fields the
    OpenAPI schema of its kind checks after rendering (validate/kubernetes.py)."""
    return {
        "type": "object",
        "description": description,
        "properties": {
            "apiVersion": text("API group and version, e.g. v1 or networking.k8s.io/v1.", minLength=1),
            "kind": text("Kind, e.g. Service.", pattern=KIND_NAME, examples=["Service"]),
            "metadata": {
                "type": "object",
                "description": f"Object metadata; the name is required, {namespace}.",
                "properties": {
                    "name": text(
                        "Object name: a DNS-1123 name (RBAC objects may also hold ':').",
                        pattern=OBJECT_NAME,
                        maxLength=253,
                    ),
                    "labels": string_map("Labels of the object; the generator adds its own."),
                    "annotations": annotation_map("Annotations of the object."),
                },
            },
        },
        "required": ["apiVersion", "kind", "metadata"],
    }


def editor_schema() -> Schema:
    """The schema editors read (schemas/environment.schema.json), which judges one file as it is written.

    A complete environment (it has a `name` and no `extends`) is held to the whole schema. A partial, or an
    environment that `extends:` one, is a layer: the same fields and types, but nothing is required except
    the `name` of list items (the key they merge by), and any field may be `null` (which removes what the
    partial sets), since the merged environment supplies the rest. The layer has its own copy of every
    definition (`layer.NAME`). The tool itself validates the merged environment with `environment_schema()`.
    """
    complete = environment_schema()
    body = {key: value for key, value in complete.items() if key not in ("$schema", "$id", "title", "$defs")}
    layered_definitions = {f"{LAYER}{name}": _layer(value) for name, value in complete["$defs"].items()}
    return {
        "$schema": complete["$schema"],
        "$id": SCHEMA_ID,
        "title": complete["title"],
        "description": complete["description"],
        "if": {"required": ["name"], "not": {"required": ["extends"]}},
        "then": {"$ref": "#/$defs/environment"},
        "else": {"$ref": "#/$defs/layer"},
        "$defs": {**complete["$defs"], "environment": body, "layer": _layer(body, top=True), **layered_definitions},
    }


LAYER = "layer."


def _layer(schema: Any, *, top: bool = False) -> Any:
    """`schema` as a layer: no `required` but the `name` of objects below the top, nullable properties,
    references to the layered definitions."""
    if isinstance(schema, list):
        return [_layer(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    layered: Schema = {}
    for key, value in schema.items():
        if key == "$ref":
            layered[key] = value.replace("#/$defs/", f"#/$defs/{LAYER}")
        elif key == "properties":
            layered[key] = {name: _nullable(_layer(child)) for name, child in value.items()}
        elif key != "required":
            layered[key] = _layer(value)
    if not top and "name" in schema.get("required", ()):
        layered["required"] = ["name"]
    return layered


def _nullable(schema: Schema) -> Schema:
    return {"description": schema.get("description", ""), "anyOf": [{"type": "null"}, schema]}


def is_qualified_name(key: str) -> bool:
    """A label or taint key as the API server checks it (IsQualifiedName)."""
    return re.fullmatch(QUALIFIED_NAME, key) is not None


def is_label_value(value: object) -> bool:
    """A label value (IsValidLabelValue), which taint values and rayLabels' values must be."""
    return isinstance(value, str) and re.fullmatch(LABEL_VALUE, value) is not None
