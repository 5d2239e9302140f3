"""`objects`: other Kubernetes objects of the environment's namespace, and what GitOps cannot carry.

Their fields are checked against the Kubernetes OpenAPI schemas after rendering (validate/kubernetes.py);
these rules check what a schema cannot: that the object belongs in the environment's namespace, has a name
Git can keep, holds no credential, and is not one the generator writes itself.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from generator.checks import KUBERNETES_API
from generator.errors import Problem
from generator.model.fields import KIND_SECTIONS
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


def cluster_scoped(api_version: str, kind: str) -> bool:
    """Whether objects of the kind are cluster-scoped (as far as the tables above know): a kind of the
    Kubernetes API (core, or a *.k8s.io group or one without a dot, such as rbac or policy), or a known CRD."""
    group = api_version.rpartition("/")[0]
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
        if api_version.partition("/")[0] == RAY_GROUP:
            section = KIND_SECTIONS.get(kind)
            hint = f"write it under {section}:" if section else "Ray objects have sections of their own"
            yield context.problem((*path, "kind"), f"a {kind} is not an entry of objects", hint)
            continue
        if cluster_scoped(api_version, kind):
            yield context.problem(
                (*path, "kind"),
                f"{kind} is cluster-scoped: an environment holds objects of its own namespace only",
                "create it with the cluster's platform configuration (the environment's AppProject and Flux account "
                "may not write cluster-scoped objects)",
            )
            continue
        if "generateName" in metadata:
            yield context.problem(
                (*path, "metadata", "generateName"),
                "generateName gives the object a new name at each apply, which GitOps can neither track nor prune",
                "set metadata.name instead (`kuberay-gitops import` turns a generateName into a name)",
                at_key=True,
            )
        name = metadata.get("name")
        if not isinstance(name, str) or not name:
            if "generateName" not in metadata:
                yield context.problem((*path, "metadata"), "the object has no metadata.name", "add metadata.name")
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
