"""`objects` and `clusterObjects`: other Kubernetes objects of the environment, and what GitOps cannot carry.

Their fields are checked against the Kubernetes OpenAPI schemas after rendering (validate/kubernetes.py);
these rules check what a schema cannot: that the object belongs in its section (the environment's namespace,
or a cluster-scoped kind the overlay can carry), has a name Git can keep, holds no credential, and is not one
the generator writes itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from generator.checks import KUBERNETES_API
from generator.errors import DocPath, Problem
from generator.model.fields import KIND_SECTIONS
from generator.model.names import api_group
from generator.rules.context import RuleContext
from generator.rules.rule import rule

RAY_GROUP = "ray.io"
# Kinds of the Kubernetes API that are not namespaced (`kubectl api-resources --namespaced=false`, Kubernetes
# 1.34): a namespaced environment cannot own them, and its AppProject and Flux account may not write them.
CLUSTER_SCOPED_KINDS = frozenset(
    {
        "APIService", "CSIDriver", "CSINode", "CertificateSigningRequest", "ClusterRole", "ClusterRoleBinding",
        "ClusterTrustBundle", "ComponentStatus", "CustomResourceDefinition", "DeviceClass", "FlowSchema",
        "IPAddress", "IngressClass", "MutatingAdmissionPolicy", "MutatingAdmissionPolicyBinding",
        "MutatingWebhookConfiguration", "Namespace", "Node", "PersistentVolume", "PriorityClass",
        "PriorityLevelConfiguration", "ResourceSlice", "RuntimeClass", "SelfSubjectAccessReview",
        "SelfSubjectReview", "SelfSubjectRulesReview", "ServiceCIDR", "StorageClass", "StorageVersion",
        "SubjectAccessReview", "TokenReview", "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding",
        "ValidatingWebhookConfiguration", "VolumeAttachment", "VolumeAttributesClass",
    }
)  # fmt: skip
# Cluster-scoped kinds of the projects Ray workloads use most, as their CRDs declare them (`scope: Cluster`);
# a namespaced queue or route of the same project (LocalQueue, HTTPRoute) is fine.
CLUSTER_SCOPED_CUSTOM_KINDS = frozenset(
    {
        ("scheduling.volcano.sh", "Queue"),
        ("kueue.x-k8s.io", "ClusterQueue"), ("kueue.x-k8s.io", "ResourceFlavor"), ("kueue.x-k8s.io", "Cohort"),
        ("kueue.x-k8s.io", "WorkloadPriorityClass"), ("kueue.x-k8s.io", "AdmissionCheck"),
        ("kueue.x-k8s.io", "Topology"),
        ("gateway.networking.k8s.io", "GatewayClass"),
        ("cert-manager.io", "ClusterIssuer"),
        ("external-secrets.io", "ClusterSecretStore"), ("external-secrets.io", "ClusterExternalSecret"),
    }
)  # fmt: skip


RBAC_GROUP = "rbac.authorization.k8s.io"
# The cluster-scoped kinds `clusterObjects` carries: kinds of the Kubernetes API that Ray workloads use (RBAC
# for a proxy or a job's controller, priority, storage, ingress and runtime classes, static volumes), each one
# kustomize knows as cluster-scoped, so that the overlay's `namespace:` leaves it without one
# (tests/test_objects.py builds every kind with the real kubectl kustomize). Kustomize stamps the overlay's
# namespace on kinds it does not know, a CRD's (Volcano Queue, Kueue ClusterQueue) and the newer API kinds
# alike; the Namespace is the generator's own, and CRDs, webhooks and nodes belong to the platform.
CLUSTER_OBJECT_KINDS = (
    (RBAC_GROUP, "ClusterRole"),
    (RBAC_GROUP, "ClusterRoleBinding"),
    ("scheduling.k8s.io", "PriorityClass"),
    ("storage.k8s.io", "StorageClass"),
    ("networking.k8s.io", "IngressClass"),
    ("node.k8s.io", "RuntimeClass"),
    ("", "PersistentVolume"),
)
CLUSTER_OBJECT_NAMES = ", ".join(kind for _, kind in CLUSTER_OBJECT_KINDS)
PLATFORM_HINT = "create it with the cluster's platform configuration"


def cluster_object_kind(api_version: str, kind: str) -> bool:
    """Whether `clusterObjects` carries objects of the kind."""
    return (api_group(api_version), kind) in CLUSTER_OBJECT_KINDS


def cluster_scoped(api_version: str, kind: str) -> bool:
    """Whether objects of the kind are cluster-scoped (as far as the tables above know): a kind of the
    Kubernetes API (core, or a *.k8s.io group or one without a dot, such as rbac or policy), or a known CRD."""
    group = api_group(api_version)
    kubernetes_api = not group or "." not in group or group.endswith(".k8s.io")
    if kubernetes_api and kind in CLUSTER_SCOPED_KINDS:
        return True
    return (group, kind) in CLUSTER_SCOPED_CUSTOM_KINDS


SECRET_ALTERNATIVES = (
    "keep the credential out of Git: a SealedSecret (bitnami-labs/sealed-secrets), an ExternalSecret "
    "(external-secrets.io) or a SOPS-encrypted file, which these objects can hold; or create the Secret outside Git"
)
EXAMPLE_SERVICE = "{apiVersion: v1, kind: Service, metadata: {name: redis}, spec: {ports: [{port: 6379}]}}"


@rule(
    "object-placement",
    "an entry of `objects` is a namespaced object of the environment's namespace with a stable name: no Ray "
    "kind (clusters, jobs, services), no cluster-scoped kind, no other namespace, no generateName, and no kind "
    "and name twice (configMaps included)",
    KUBERNETES_API,
    fails="objects: [{apiVersion: v1, kind: Service, metadata: {generateName: redis-}}]",
    passes=f"objects: [{EXAMPLE_SERVICE}]",
    cases=("object-placement",),
)
def object_placement(context: RuleContext) -> Iterator[Problem]:
    namespace = context.data["target"]["namespace"]
    seen = {
        ("ConfigMap", item["name"]): ("configMaps", index)
        for index, item in enumerate(context.data.get("configMaps", []))
    }
    for index, item in enumerate(context.data.get("objects", [])):
        path = ("objects", index)
        kind, api_version = str(item["kind"]), str(item["apiVersion"])
        metadata = item["metadata"]
        if api_group(api_version) == RAY_GROUP:
            section = KIND_SECTIONS.get(kind)
            hint = f"write it under {section}:" if section else "Ray objects have sections of their own"
            yield context.problem((*path, "kind"), f"a {kind} is not an entry of objects", hint)
            continue
        if cluster_scoped(api_version, kind):
            yield context.problem(
                (*path, "kind"),
                f"{kind} is cluster-scoped: `objects` holds objects of the environment's namespace only",
                "move it to clusterObjects, which grants the environment's AppProject and Flux account exactly "
                "that object"
                if cluster_object_kind(api_version, kind)
                else f"{PLATFORM_HINT} ({_not_carried(api_version, kind)})",
            )
            continue
        problems, name = _stable_name(context, path, metadata)
        yield from problems
        if name is None:
            continue
        written = metadata.get("namespace")
        if written is not None and written != namespace:
            yield context.problem(
                (*path, "metadata", "namespace"),
                f"the object is in namespace {written}, but this environment's objects are in {namespace}",
                "remove metadata.namespace: the overlay puts every object in target.namespace",
            )
        first = seen.setdefault((kind, name), path)
        if first != path:
            yield context.problem(
                (*path, "metadata", "name"),
                f"{kind} {name} is written twice (first at {first[0]}[{first[1]}])",
                "give each object its own name",
            )


def _stable_name(context: RuleContext, path: DocPath, metadata: Mapping[str, Any]) -> tuple[list[Problem], str | None]:
    """The problems of an object's name (a generateName, no name), and the name when it has one."""
    problems = []
    if "generateName" in metadata:
        problems.append(
            context.problem(
                (*path, "metadata", "generateName"),
                "generateName gives the object a new name at each apply, which GitOps can neither track nor prune",
                "set metadata.name instead (`kuberay-gitops import` turns a generateName into a name)",
                at_key=True,
            )
        )
    name = metadata.get("name")
    if isinstance(name, str) and name:
        return problems, name
    if "generateName" not in metadata:
        problems.append(context.problem((*path, "metadata"), "the object has no metadata.name", "add metadata.name"))
    return problems, None


def _not_carried(api_version: str, kind: str) -> str:
    """Why `clusterObjects` does not carry a cluster-scoped kind."""
    if kind == "Namespace" and api_version == "v1":
        return "the generator writes the environment's Namespace itself"
    if (api_group(api_version), kind) in CLUSTER_SCOPED_CUSTOM_KINDS:
        return (
            f"kustomize would give this custom kind the overlay's namespace; clusterObjects carries "
            f"{CLUSTER_OBJECT_NAMES}"
        )
    return f"clusterObjects carries {CLUSTER_OBJECT_NAMES}"


EXAMPLE_CLUSTER_ROLE = (
    "{apiVersion: rbac.authorization.k8s.io/v1, kind: ClusterRole, metadata: {name: token-reviewer}, rules: "
    "[{apiGroups: [authentication.k8s.io], resources: [tokenreviews], verbs: [create]}]}"
)


@rule(
    "cluster-object-placement",
    f"an entry of `clusterObjects` is a cluster-scoped object of a kind the overlay carries ({CLUSTER_OBJECT_NAMES}) "
    "with a stable name and no namespace, written once",
    KUBERNETES_API,
    fails="clusterObjects: [{apiVersion: v1, kind: Service, metadata: {name: redis}}]",
    passes=f"clusterObjects: [{EXAMPLE_CLUSTER_ROLE}]",
    cases=("cluster-object-placement",),
)
def cluster_object_placement(context: RuleContext) -> Iterator[Problem]:
    seen: dict[tuple[str, str], int] = {}
    for index, item in enumerate(context.data.get("clusterObjects", [])):
        path = ("clusterObjects", index)
        kind, api_version = str(item["kind"]), str(item["apiVersion"])
        metadata = item["metadata"]
        if not cluster_object_kind(api_version, kind):
            if cluster_scoped(api_version, kind):
                message, hint = (
                    f"{kind} is not a kind clusterObjects carries",
                    f"{PLATFORM_HINT} ({_not_carried(api_version, kind)})",
                )
            elif api_group(api_version) == RAY_GROUP:
                message, hint = f"a {kind} is not an entry of clusterObjects", "Ray objects have sections of their own"
            else:
                message = f"{kind} of {api_version} is not a cluster-scoped kind clusterObjects carries"
                hint = (
                    f"write a namespaced object under objects; clusterObjects carries {CLUSTER_OBJECT_NAMES} "
                    "(kustomize would give a kind it does not know the overlay's namespace)"
                )
            yield context.problem((*path, "kind"), message, hint)
            continue
        problems, name = _stable_name(context, path, metadata)
        yield from problems
        if "namespace" in metadata:
            yield context.problem(
                (*path, "metadata", "namespace"),
                f"a {kind} is cluster-scoped and has no namespace",
                "remove metadata.namespace",
                at_key=True,
            )
        if name is None:
            continue
        first = seen.setdefault((kind, name), index)
        if first != index:
            yield context.problem(
                (*path, "metadata", "name"),
                f"{kind} {name} is written twice (first at clusterObjects[{first}])",
                "give each object its own name",
            )


# The cluster-scoped objects Kubernetes makes itself. The API server creates its default RBAC roles and bindings at
# start and reconciles them (kubernetes plugin/pkg/auth/authorizer/rbac/bootstrappolicy/policy.go): besides those
# named below, every one is named system:..., a prefix Kubernetes keeps for its control plane. It creates the two
# system PriorityClasses, and refuses any other PriorityClass whose name starts with system-, or whose value is
# above 1,000,000,000 (pkg/apis/scheduling/validation/validation.go, ValidatePriorityClass;
# pkg/apis/scheduling/types.go, HighestUserDefinablePriority).
DEFAULT_RBAC_NAMES = {
    "ClusterRole": ("cluster-admin", "admin", "edit", "view"),
    "ClusterRoleBinding": ("cluster-admin",),
}
AGGREGATED_ROLES = ("admin", "edit", "view")  # the default roles that take in the rules of labelled ClusterRoles
RBAC_PREFIX = "system:"
SYSTEM_PRIORITY_CLASSES = ("system-cluster-critical", "system-node-critical")
PRIORITY_CLASS_PREFIX = "system-"
HIGHEST_USER_PRIORITY = 1_000_000_000
REPLACES = "the environment would replace Kubernetes' version, and delete it with the environment"


# Since when the operator builds its names as they are, and since when it creates NetworkPolicies of a cluster's
# networkPolicy (gate RayClusterNetworkPolicy). Before 1.4.0 it shortened a derived name to its last 50 characters
# and prefixed one that starts with a digit with "r" (CheckName, utils/util.go:184-206 at v1.3.0).
NAMES_AS_BUILT_SINCE = "1.4.0"
NETWORK_POLICIES_SINCE = "1.7.0"


@rule(
    "operator-derived-names",
    "no entry of `objects` has the name of an object the operator creates for the environment's Ray objects (a "
    "RayCluster's head Service `<name>-head-svc`, a RayService's `<name>-head-svc` and `<name>-serve-svc`, the "
    "NetworkPolicies `<cluster>-head` and `<cluster>-workers-<group>` of networkPolicy), and no two Ray objects "
    "derive the same name: the operator's create fails and it stops reconciling there",
    "ray-operator/controllers/ray/utils/util.go (GenerateHeadServiceName, GenerateServeServiceName, lines 316-351 "
    "at v1.7.0), raycluster_controller.go (reconcileHeadService), networkpolicy_controller.go (headNetworkPolicyName, "
    "workerGroupNetworkPolicyName, lines 169-175 at v1.7.0)",
    fails="clusters: [{name: c, head: {cpu: '1'}}]\nobjects: [{apiVersion: v1, kind: Service, metadata: {name: "
    "c-head-svc}, spec: {ports: [{port: 80}]}}]",
    passes="clusters: [{name: c, head: {cpu: '1'}}]\nobjects: [{apiVersion: v1, kind: Service, metadata: {name: "
    "c-proxy}, spec: {ports: [{port: 80}]}}]",
    cases=("operator-derived-names",),
)
def operator_derived_names(context: RuleContext) -> Iterator[Problem]:
    derived: dict[tuple[str, str], tuple[DocPath, str]] = {}
    for kind, name, path, owner in _derived_names(context):
        first = derived.setdefault((kind, name), (path, owner))
        if first[1] != owner:
            yield context.problem(
                path,
                f"the operator would create {kind} {name} for {owner} and for {first[1]}: {_IN_THE_WAY[kind]}",
                "rename one of them",
            )
    for index, item in enumerate(context.data.get("objects", [])):
        key = (str(item.get("kind")), str(item.get("metadata", {}).get("name")))
        if key in derived:
            yield context.problem(
                ("objects", index, "metadata", "name"),
                f"the operator creates {key[0]} {key[1]} for {derived[key][1]}: {_IN_THE_WAY[key[0]]}",
                "give this object another name",
            )


# What the operator does when an object it names is there already and not its own
_IN_THE_WAY = {
    # the create fails and the reconcile ends there, before the pods (reconcileHeadService and reconcileServeService)
    "Service": "the create of its own fails, and it stops reconciling there (no pods, or no Serve endpoint)",
    # createOrUpdateNetworkPolicy refuses one it does not control (networkpolicy_controller.go:125-135 at v1.7.0)
    "NetworkPolicy": "it refuses one it does not control and applies no network isolation to the cluster",
}


def _derived_names(context: RuleContext) -> Iterator[tuple[str, str, DocPath, str]]:
    """(kind, name, where the name comes from, whose it is) of each object the operator creates with a name it
    derives from the environment's Ray objects."""
    legacy = not context.since(NAMES_AS_BUILT_SINCE)
    for index, cluster in enumerate(context.data.get("clusters", [])):
        name, path = str(cluster["name"]), ("clusters", index, "name")
        written = (((cluster.get("head") or {}).get("service") or {}).get("metadata") or {}).get("name")
        head = written or _as_built(f"{name}-head-svc", legacy)
        yield "Service", str(head), path, f"RayCluster {name}"
        policy = cluster.get("networkPolicy")
        if context.since(NETWORK_POLICIES_SINCE) and isinstance(policy, dict):
            yield "NetworkPolicy", f"{name}-head", path, f"RayCluster {name}"
            for group in cluster.get("workerGroups", []):
                group_name = f"{name}-workers-{group['name']}"
                yield "NetworkPolicy", group_name, path, f"RayCluster {name} (worker group {group['name']})"
    for index, service in enumerate(context.data.get("services", [])):
        name, path = str(service["name"]), ("services", index, "name")
        for suffix in ("head-svc", "serve-svc"):
            yield "Service", _as_built(f"{name}-{suffix}", legacy), path, f"RayService {name}"


def _as_built(name: str, legacy: bool) -> str:
    """A name the operator derives, as the operator of the release builds it (CheckName before 1.4.0)."""
    if not legacy:
        return name
    name = name[-50:]
    return f"r{name[1:]}" if name[:1].isdigit() else name


# The binding kinds whose subjects kustomize's namespace transformation rewrites: in its default mode it sets the
# namespace of every subject named "default" to the overlay's (roleBindingHack and setSubjectsNamedDefault,
# api/filters/namespace/namespace.go:70-75, 126-166 at api/v0.21.1)
BINDING_KINDS = ("RoleBinding", "ClusterRoleBinding")
RBAC_GROUP = "rbac.authorization.k8s.io"


@rule(
    "binding-subject-namespace",
    "a RoleBinding or ClusterRoleBinding of `objects` or `clusterObjects` names no ServiceAccount `default` of "
    "another namespace than the environment's: kustomize sets the namespace of every subject named default to the "
    "overlay's, so the binding would grant the environment's default ServiceAccount instead",
    "Kustomize: api/filters/namespace/namespace.go (roleBindingHack, setSubjectsNamedDefault; lines 126-166 at "
    "api/v0.21.1)",
    fails="clusterObjects: [{apiVersion: rbac.authorization.k8s.io/v1, kind: ClusterRoleBinding, metadata: {name: "
    "b}, roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}, subjects: [{kind: "
    "ServiceAccount, name: default, namespace: monitoring}]}]",
    passes="clusterObjects: [{apiVersion: rbac.authorization.k8s.io/v1, kind: ClusterRoleBinding, metadata: {name: "
    "b}, roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}, subjects: [{kind: "
    "ServiceAccount, name: prometheus, namespace: monitoring}]}]",
    cases=("binding-subject-default",),
)
def binding_subject_namespace(context: RuleContext) -> Iterator[Problem]:
    namespace = context.data["target"]["namespace"]
    for section in ("objects", "clusterObjects"):
        for index, item in enumerate(context.data.get(section, [])):
            if item.get("kind") not in BINDING_KINDS or api_group(str(item.get("apiVersion"))) != RBAC_GROUP:
                continue
            subjects = item.get("subjects")
            for position, subject in enumerate(subjects if isinstance(subjects, list) else []):
                if not isinstance(subject, Mapping) or subject.get("kind") != "ServiceAccount":
                    continue
                # without a namespace, kustomize gives it the environment's, which is what it means then
                if subject.get("name") == "default" and subject.get("namespace") not in (None, namespace):
                    yield context.problem(
                        (section, index, "subjects", position, "namespace"),
                        f"kustomize sets the namespace of a subject named default to the overlay's, so this binding "
                        f"would grant ServiceAccount default of {namespace}, not of {subject.get('namespace')}",
                        f"bind that ServiceAccount from an environment of namespace {subject.get('namespace')} (or "
                        "outside this tool), or bind a ServiceAccount of another name",
                    )


K8S_SERVICE_VALIDATION = (
    "Kubernetes API server, Service validation (kubernetes/kubernetes pkg/apis/core/validation/validation.go): "
    "ValidateService, validateServicePort"
)


@rule(
    "service-port-names",
    "a Service of `objects` with more than one port names every port (the OpenAPI schema takes them unnamed; the "
    "API server refuses the Service at sync). Each name once: duplicate-name says so for every named list. A "
    "Service that an entry of `patches` may change is left to the API server",
    K8S_SERVICE_VALIDATION,
    fails="objects: [{apiVersion: v1, kind: Service, metadata: {name: web}, spec: {selector: {app: web}, ports: "
    "[{port: 80}, {port: 443}]}}]",
    passes="objects: [{apiVersion: v1, kind: Service, metadata: {name: web}, spec: {selector: {app: web}, ports: "
    "[{name: http, port: 80}, {name: https, port: 443}]}}]",
    cases=("service-port-names",),
)
def service_port_names(context: RuleContext) -> Iterator[Problem]:
    for index, item in enumerate(context.data.get("objects", [])):
        if item.get("kind") != "Service" or item.get("apiVersion") != "v1":
            continue
        spec = item.get("spec")
        ports = spec.get("ports") if isinstance(spec, Mapping) else None
        if not isinstance(ports, list) or len(ports) < 2:  # one port may go unnamed
            continue
        if may_be_patched(item, context.data.get("patches", [])):
            continue  # a patch may name the ports: the object as written is not what is applied
        for position, port in enumerate(ports):
            if isinstance(port, Mapping) and not port.get("name"):  # an empty name is none
                yield context.problem(
                    ("objects", index, "spec", "ports", position),
                    f"Service {item['metadata'].get('name')} has {len(ports)} ports: each needs a name",
                    "name the port, e.g. name: https (lower case letters, digits and '-')",
                )


# What the API server defaults and refuses of a rollout (kubernetes/kubernetes pkg/apis/apps/v1/defaults.go,
# pkg/apis/apps/validation/validation.go), by kind of apps/v1: the field of its strategy, the strategy types with
# which a rollingUpdate is refused (ValidateDeploymentStrategy, ValidateStatefulSetSpec; a DaemonSet's OnDelete
# takes one), and the defaults of maxUnavailable and maxSurge (SetDefaults_Deployment, SetDefaults_DaemonSet),
# whose bounds together ValidateRollingUpdateDeployment and ValidateRollingUpdateDaemonSet check; None: no such
# check (a StatefulSet's maxUnavailable, behind a feature gate, is not checked here).
_ROLLOUTS: Mapping[str, tuple[str, tuple[str, ...], tuple[int | str, int | str] | None]] = {
    "Deployment": ("strategy", ("Recreate",), ("25%", "25%")),
    "DaemonSet": ("updateStrategy", (), (1, 0)),
    "StatefulSet": ("updateStrategy", ("OnDelete",), None),
}
_AGENT_SPEC = (
    "selector: {matchLabels: {app: agent}}, template: {metadata: {labels: {app: agent}}, spec: {containers: [{name: "
    "agent, image: 'busybox:1.36'}]}}"
)
ROLLING_UPDATE = "RollingUpdate"  # the strategy type an empty one defaults to, for each kind above
_PERCENTAGE = re.compile(r"[0-9]+%")


@rule(
    "rolling-update",
    "a Deployment's, DaemonSet's or StatefulSet's rolling update is one the API server takes: a Deployment's "
    "maxSurge and maxUnavailable are not both 0; a DaemonSet's are not both 0 nor both more than 0 (maxUnavailable "
    "defaults to 1, maxSurge to 0); no rollingUpdate with a Recreate (Deployment) or OnDelete (StatefulSet) strategy",
    "Kubernetes: ValidateDeploymentStrategy, ValidateRollingUpdateDeployment, ValidateRollingUpdateDaemonSet and "
    "ValidateStatefulSetSpec (pkg/apis/apps/validation/validation.go), after the defaults of SetDefaults_Deployment "
    "and SetDefaults_DaemonSet (pkg/apis/apps/v1/defaults.go)",
    fails=f"objects: [{{apiVersion: apps/v1, kind: DaemonSet, metadata: {{name: agent}}, spec: {{{_AGENT_SPEC}, "
    "updateStrategy: {rollingUpdate: {maxSurge: 1}}}}]",
    passes=f"objects: [{{apiVersion: apps/v1, kind: DaemonSet, metadata: {{name: agent}}, spec: {{{_AGENT_SPEC}, "
    "updateStrategy: {rollingUpdate: {maxSurge: 1, maxUnavailable: 0}}}}]",
    cases=("rolling-update",),
)
def rolling_updates(context: RuleContext) -> Iterator[Problem]:
    for index, item in enumerate(context.data.get("objects", [])):
        kind = item.get("kind")
        spec = item.get("spec")
        if str(item.get("apiVersion")) != "apps/v1" or kind not in _ROLLOUTS or not isinstance(spec, Mapping):
            continue
        field_name, refusing, defaults = _ROLLOUTS[kind]
        strategy = spec.get(field_name)
        strategy = strategy if isinstance(strategy, Mapping) else {}
        rolling = strategy.get("rollingUpdate")
        if not isinstance(rolling, Mapping | None) or may_be_patched(item, context.data.get("patches", [])):
            continue  # a rollingUpdate of another shape is object-schema's; a patch may change what is applied
        path: DocPath = ("objects", index, "spec", field_name)
        described = f"{kind} {item['metadata'].get('name')}"
        strategy_type = strategy.get("type") or ROLLING_UPDATE  # "" and none are defaulted
        if strategy_type in refusing and rolling is not None:
            yield context.problem(
                (*path, "rollingUpdate"),
                f"{described} has a rollingUpdate with the {strategy_type} strategy, which the API server refuses",
                f"remove rollingUpdate, or make the type {ROLLING_UPDATE}",
                at_key=True,
            )
        if strategy_type != ROLLING_UPDATE or defaults is None:
            continue
        written = rolling or {}
        # a null is no value, which the defaults fill in as an absent one
        given_unavailable, given_surge = written.get("maxUnavailable"), written.get("maxSurge")
        unavailable = _rollout_amount(defaults[0] if given_unavailable is None else given_unavailable)
        surge = _rollout_amount(defaults[1] if given_surge is None else given_surge)
        if unavailable is None or surge is None:  # neither a number nor a percentage: object-schema says so
            continue
        if unavailable == 0 and surge == 0:
            yield context.problem(
                (*path, "rollingUpdate", "maxUnavailable"),
                f"{described}: maxUnavailable and maxSurge are both 0, so the rollout could replace no pod; the API "
                "server refuses it",
                "let one of them be more than 0, e.g. maxUnavailable: 1",
            )
        elif kind == "DaemonSet" and unavailable and surge:
            shown = given_unavailable if given_unavailable is not None else f"{defaults[0]} (its default)"
            yield context.problem(
                (*path, "rollingUpdate", "maxSurge"),
                f"{described}: a DaemonSet surges only with maxUnavailable: 0, and its maxUnavailable is {shown}; "
                "the API server takes only one of the two",
                "add maxUnavailable: 0 to surge, or remove maxSurge",
            )


def _rollout_amount(value: Any) -> int | None:
    """The amount an int-or-percent stands for, as getIntOrPercentValue reads it; None: other text or type."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and _PERCENTAGE.fullmatch(value):
        return int(value[:-1])
    return None


def may_be_patched(item: Mapping[str, Any], patches: list[Any]) -> bool:
    """Whether an entry of `patches` may select the object `item` (apiVersion, kind, metadata.name as written): by
    its target as kustomize matches it, a label or annotation selector taken to match (the generator adds labels),
    or by the kind and name a strategic-merge patch without a target names."""
    if not patches:
        return False
    # imported at first use: a run that takes every outcome from the cache imports the rules, not the validators
    from generator.validate.patches import selects

    name = item["metadata"].get("name")
    for entry in patches:
        target = entry.get("target") if isinstance(entry, Mapping) else None
        if isinstance(target, Mapping):
            if selects({key: value for key, value in target.items() if not key.endswith("Selector")}, item):
                return True
        elif isinstance(entry, Mapping) and isinstance(entry.get("patch"), Mapping):
            body = entry["patch"]
            metadata = body.get("metadata") if isinstance(body.get("metadata"), Mapping) else {}
            if body.get("kind") == item.get("kind") and metadata.get("name") == name:
                return True
    return False


@rule(
    "cluster-object-of-kubernetes",
    "an entry of `clusterObjects` is none of Kubernetes' own objects: its default ClusterRoles and bindings "
    "(cluster-admin, admin, edit, view, and the system: prefix) and its PriorityClasses (the system- prefix, values "
    "above 1,000,000,000)",
    "Kubernetes: the API server creates and reconciles its default RBAC objects "
    "(plugin/pkg/auth/authorizer/rbac/bootstrappolicy/policy.go) and refuses other system- PriorityClasses and "
    "values above 1,000,000,000 (pkg/apis/scheduling/validation/validation.go, ValidatePriorityClass)",
    fails="clusterObjects: [{apiVersion: rbac.authorization.k8s.io/v1, kind: ClusterRole, metadata: {name: view}, "
    "rules: []}]",
    passes=f"clusterObjects: [{EXAMPLE_CLUSTER_ROLE}]",
    cases=("cluster-object-of-kubernetes",),
)
def cluster_objects_are_not_kubernetes_own(context: RuleContext) -> Iterator[Problem]:
    for index, item in enumerate(context.data.get("clusterObjects", [])):
        name = item["metadata"].get("name")
        group, kind = api_group(str(item["apiVersion"])), str(item["kind"])
        path: DocPath = ("clusterObjects", index, "metadata", "name")
        if not isinstance(name, str):
            continue
        if group == RBAC_GROUP and name in DEFAULT_RBAC_NAMES.get(kind, ()):
            hint = f"give it a name of its own: {REPLACES}"
            if kind == "ClusterRole" and name in AGGREGATED_ROLES:
                hint += (
                    f" (to add to {name}, label a ClusterRole of your own "
                    f'rbac.authorization.k8s.io/aggregate-to-{name}: "true")'
                )
            yield context.problem(path, f"{kind} {name} is one of Kubernetes' default {kind}s", hint)
        elif group == RBAC_GROUP and kind in DEFAULT_RBAC_NAMES and name.startswith(RBAC_PREFIX):
            yield context.problem(
                path,
                f"{kind} {name} has the {RBAC_PREFIX} prefix, which Kubernetes keeps for its control plane's RBAC "
                "objects",
                f"give it a name without the prefix: were it one of Kubernetes' own, {REPLACES}",
            )
        elif group == "scheduling.k8s.io" and kind == "PriorityClass":
            if name in SYSTEM_PRIORITY_CLASSES:
                yield context.problem(
                    path, f"PriorityClass {name} is one of Kubernetes' own", f"give it a name of its own: {REPLACES}"
                )
            elif name.startswith(PRIORITY_CLASS_PREFIX):
                yield context.problem(
                    path,
                    f"the API server refuses a PriorityClass named {PRIORITY_CLASS_PREFIX}... that is not one of its "
                    f"own ({', '.join(SYSTEM_PRIORITY_CLASSES)})",
                    "give the PriorityClass a name without the prefix",
                )
            elif isinstance(item.get("value"), int) and item["value"] > HIGHEST_USER_PRIORITY:
                yield context.problem(
                    ("clusterObjects", index, "value"),
                    f"the API server refuses a PriorityClass value above {HIGHEST_USER_PRIORITY:,} that is not one "
                    "of its own classes",
                    f"give it a value of at most {HIGHEST_USER_PRIORITY:,}",
                )


@rule(
    "object-secret",
    "no Secret with data or stringData in `objects`: the environment file and rendered/ are in Git in plain text",
    KUBERNETES_API,
    fails="objects: [{apiVersion: v1, kind: Secret, metadata: {name: redis}, stringData: {password: hunter2}}]",
    passes="objects: [{apiVersion: bitnami.com/v1alpha1, kind: SealedSecret, metadata: {name: redis}, spec: "
    "{encryptedData: {password: AgBy3i4OJSWK}}}]\nobjectSchemas: {bitnami.com/v1alpha1/SealedSecret: unchecked}",
    cases=("object-secret",),
)
def object_secrets(context: RuleContext) -> Iterator[Problem]:
    for index, item in enumerate(context.data.get("objects", [])):
        for key in plaintext_keys(item):
            yield context.problem(
                ("objects", index, key),
                f"Secret {item['metadata'].get('name', '?')} holds its values in plain text ({key})",
                SECRET_ALTERNATIVES,
                at_key=True,
            )


def plaintext_keys(document: Mapping[str, Any]) -> list[str]:
    """The fields of a Secret that hold its values in plain text (base64 is no encryption)."""
    if document.get("kind") != "Secret" or str(document.get("apiVersion")) != "v1":
        return []
    return [key for key in ("data", "stringData") if document.get(key)]
