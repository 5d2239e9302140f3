"""The RayCluster options of KubeRay 1.7.0 that the environment passes on as written (networkPolicy, tlsOptions,
historyServer, the autoscaler's env), checked as the operator checks them before it reconciles the cluster.

Source: ray-operator/controllers/ray/utils/validation.go at v1.7.0 (ValidateRayClusterSpec and the functions
it calls), and the names it reserves in utils/constant.go. Each option exists from 1.7.0 only, where the field
history already refuses it before; these rules say what a 1.7.0 operator would refuse of its contents.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from generator.checks import KUBERAY_VALIDATION as VALIDATION
from generator.errors import DocPath, Problem, format_path
from generator.model.build import ray_container
from generator.rules.context import (
    ClusterSpecAt,
    RuleContext,
    groups,
    ray_container_env,
    ray_container_mounts,
    rendered_value,
    spec_path,
    written_by_spec,
)
from generator.rules.rule import rule

OPTIONS_SINCE = "1.7.0"
DNS1123_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
# validateNetworkPolicy: the mode (DenyAll unless set) and the rules it has no use for
NETWORK_POLICY_DEFAULT_MODE = "DenyAll"
RULES_WITHOUT_USE = {"DenyAllEgress": "ingressRules", "DenyAllIngress": "egressRules"}
# validateTLSOptions: the env and the volume mount the operator writes for mTLS (constant.go:162-169)
TLS_ENV = ("RAY_USE_TLS", "RAY_TLS_SERVER_CERT", "RAY_TLS_SERVER_KEY", "RAY_TLS_CA_CERT")
TLS_VOLUME, TLS_MOUNT_PATH = "ray-tls", "/etc/ray/tls"
# validateCollectorOptions: the collector's env that KubeRay writes, and what each storage backend needs
COLLECTOR_CONTAINER = "ray-history-collector"  # CollectorContainerName
COLLECTOR_MANAGED_ENV = (
    "POD_IP", "FQ_RAY_IP", "RAY_CLUSTER_NAME", "RAY_CLUSTER_NAMESPACE", "RAY_ROLE", "OWNER_KIND", "OWNER_NAME",
    "EVENTS_PORT",
)  # fmt: skip
STORAGE_BACKEND = "STORAGE_BACKEND"
BACKEND_NEEDS = {
    "GCS": ("GCS_BUCKET",),
    "S3": ("S3_REGION",),
    "ALIYUNOSS": ("OSS_BUCKET", "OSS_ENDPOINT", "OSS_REGION"),
}
AUTOSCALER_START_CMD = "KUBERAY_GEN_AUTOSCALER_START_CMD"


@rule(
    "network-policy",
    "networkPolicy (1.7.0): no ingressRules with mode DenyAllEgress, no egressRules with DenyAllIngress, each "
    "workerGroups entry names a worker group of the cluster, and every worker group name is a DNS-1123 label "
    "(it becomes part of a NetworkPolicy's name)",
    f"{VALIDATION} (validateNetworkPolicy, lines 380-444 at v1.7.0)",
    fails="kuberay: {version: 1.7.0}\noperator: {install: true, featureGates: {RayClusterNetworkPolicy: true}}\n"
    "clusters: [{name: c, head: {cpu: '1'}, networkPolicy: {mode: DenyAllEgress, head: {ingressRules: [{}]}}}]",
    passes="kuberay: {version: 1.7.0}\noperator: {install: true, featureGates: {RayClusterNetworkPolicy: true}}\n"
    "clusters: [{name: c, head: {cpu: '1'}, networkPolicy: {mode: DenyAllIngress, head: {ingressRules: [{}]}}}]",
    cases=("cluster-options",),
)
def network_policy(context: RuleContext) -> Iterator[Problem]:
    if not context.since(OPTIONS_SINCE):
        return
    for spec_at in context.cluster_specs:
        policy = spec_at.spec.get("networkPolicy")
        if not isinstance(policy, dict):
            continue
        path = (*spec_at.path, "networkPolicy")
        mode = policy.get("mode", NETWORK_POLICY_DEFAULT_MODE)
        unused = RULES_WITHOUT_USE.get(mode)
        entries: list[tuple[DocPath, Any]] = [((*path, side), policy.get(side)) for side in ("head", "worker")]
        listed: list[Any] = policy["workerGroups"] if isinstance(policy.get("workerGroups"), list) else []
        entries += [((*path, "workerGroups", index), entry) for index, entry in enumerate(listed)]
        for entry_path, entry in entries:
            if unused is not None and isinstance(entry, dict) and entry.get(unused):
                restricted = "ingress" if unused == "egressRules" else "egress"
                yield context.problem(
                    (*entry_path, unused),
                    f"{unused} cannot be set with mode {mode}, which restricts {restricted} only",
                    f"remove {unused}, or set mode: DenyAll to restrict both",
                    at_key=True,
                )
        workers = [(group_path, group) for group_path, group in groups(spec_at) if group_path[-1] != "head"]
        # the item's `spec` may add groups (merged by groupName): the rendered object has those too
        names = {group.get("name") for _, group in workers} | _override_group_names(spec_at)
        seen: dict[Any, int] = {}
        for index, entry in enumerate(listed):
            if not isinstance(entry, dict):
                continue
            listed_name = entry.get("groupName")
            if listed_name in seen:  # the CRD's list is a map keyed by groupName
                yield context.problem(
                    (*path, "workerGroups", index, "groupName"),
                    f"networkPolicy.workerGroups names {listed_name} twice (first at "
                    f"workerGroups[{seen[listed_name]}])",
                    "merge the two entries",
                )
                continue
            seen[listed_name] = index
            if listed_name not in names:
                known = sorted(str(name) for name in names)
                differs_in_case = [name for name in known if name.lower() == str(listed_name).lower()]
                yield context.problem(
                    (*path, "workerGroups", index, "groupName"),
                    f"networkPolicy.workerGroups names {listed_name}, which is no worker group of the cluster",
                    f"the group is named {differs_in_case[0]}: name it in lower case at both places"
                    if differs_in_case
                    else f"name one of: {', '.join(known) or 'none (the cluster has none)'}",
                )
        for group_path, group in workers:
            name = group.get("name")
            if isinstance(name, str) and not DNS1123_LABEL.fullmatch(name):
                yield context.problem(
                    (*group_path, "name"),
                    f"the worker group name {name} must be a DNS-1123 label with networkPolicy: the operator puts it "
                    "in the name of the group's NetworkPolicy",
                    f"write it in lower case: {name.lower()}",
                )


def _override_group_names(spec_at: ClusterSpecAt) -> set[Any]:
    """The worker groups the item's `spec` writes into its cluster spec (workerGroupSpecs[].groupName)."""
    written = written_by_spec(spec_at, ("workerGroupSpecs",))
    return (
        {group["groupName"] for group in written if isinstance(group, dict) and isinstance(group.get("groupName"), str)}
        if isinstance(written, list)
        else set()
    )


@rule(
    "tls-options",
    "with tlsOptions.enabled (1.7.0), the Ray containers and autoscalerOptions.env set none of the TLS variables "
    f"the operator writes ({', '.join(TLS_ENV)}), and neither they nor autoscalerOptions.volumeMounts mount anything "
    f"named {TLS_VOLUME} or at {TLS_MOUNT_PATH}",
    f"{VALIDATION} (validateTLSOptions and validateNoConflictingTLSVolumeMount, lines 446-524 at v1.7.0)",
    fails="kuberay: {version: 1.7.0}\noperator: {install: true, featureGates: {RayClusterMTLS: true}}\n"
    "clusters: [{name: c, head: {cpu: '1', env: [{name: RAY_USE_TLS, value: '1'}]}, tlsOptions: {enabled: true}}]",
    passes="kuberay: {version: 1.7.0}\noperator: {install: true, featureGates: {RayClusterMTLS: true}}\n"
    "clusters: [{name: c, head: {cpu: '1'}, tlsOptions: {enabled: true}}]",
    cases=("cluster-options",),
)
def tls_options(context: RuleContext) -> Iterator[Problem]:
    if not context.since(OPTIONS_SINCE):
        return
    defaults = context.data.get("defaults", {})
    hint = "remove it: the operator configures TLS itself (certificates from cert-manager)"
    for spec_at in context.cluster_specs:
        yield from _autoscaler_mounts_by_spec(context, spec_at)
        if (spec_at.spec.get("tlsOptions") or {}).get("enabled") is not True:  # IsTLSEnabled
            continue
        for group_path, _group in groups(spec_at):
            for name, (_value, written) in ray_container_env(context.data, spec_at, group_path, defaults).items():
                if name in TLS_ENV and written[0] == "defaults":
                    yield context.problem(
                        written,
                        f"{name} cannot be set with tlsOptions, which {format_path(spec_at.path)} has",
                        "set it in the groups of the clusters without tlsOptions instead of defaults: the operator "
                        "configures TLS itself",
                    )
                elif name in TLS_ENV:
                    yield context.problem(written, f"{name} cannot be set with tlsOptions", hint)
            for name, mount_path, written in ray_container_mounts(context.data, spec_at, group_path, defaults):
                if name == TLS_VOLUME or mount_path == TLS_MOUNT_PATH:
                    yield context.problem(
                        written,
                        f"a volume mount named {TLS_VOLUME} or at {TLS_MOUNT_PATH} cannot be set with tlsOptions: "
                        "the operator mounts the certificates there",
                        "use another volume name and mount path",
                    )
        yield from _autoscaler_env(context, spec_at, TLS_ENV, "cannot be set with tlsOptions", hint)


def _autoscaler_mounts_by_spec(context: RuleContext, spec_at: ClusterSpecAt) -> Iterator[Problem]:
    """autoscalerOptions.volumeMounts, which no environment field holds, on the TLS volume's name or path, with
    tlsOptions on by the structured field or by the item's `spec` (lines 497-504)."""
    mounts = written_by_spec(spec_at, ("autoscalerOptions", "volumeMounts"))
    if not isinstance(mounts, list):
        return
    structured = (spec_at.spec.get("tlsOptions") or {}).get("enabled")
    if rendered_value(context.data, spec_at, ("tlsOptions", "enabled"), structured) is not True:
        return
    for index, mount in enumerate(mounts):
        if isinstance(mount, dict) and (mount.get("name") == TLS_VOLUME or mount.get("mountPath") == TLS_MOUNT_PATH):
            yield context.problem(
                spec_path(spec_at, ("autoscalerOptions", "volumeMounts", index)),
                f"an autoscaler volume mount named {TLS_VOLUME} or at {TLS_MOUNT_PATH} cannot be set with "
                "tlsOptions: the operator mounts the certificates there",
                "use another volume name and mount path",
            )


@rule(
    "autoscaler-start-command",
    f"autoscaling.env (1.7.0) does not set {AUTOSCALER_START_CMD}, which the operator writes for the "
    "autoscaler's command and args",
    f"{VALIDATION} (ValidateRayClusterSpec, lines 247-258 at v1.7.0)",
    fails="kuberay: {version: 1.7.0}\nclusters: [{name: c, head: {cpu: '1'}, autoscaling: {enabled: true, env: "
    f"[{{name: {AUTOSCALER_START_CMD}, value: ray}}]}}}}]",
    passes="kuberay: {version: 1.7.0}\nclusters: [{name: c, head: {cpu: '1'}, autoscaling: {enabled: true, env: "
    "[{name: RAY_LOG_LEVEL, value: debug}]}}]",
    cases=("cluster-options",),
)
def autoscaler_start_command(context: RuleContext) -> Iterator[Problem]:
    if not context.since(OPTIONS_SINCE):
        return
    for spec_at in context.cluster_specs:
        yield from _autoscaler_env(
            context,
            spec_at,
            (AUTOSCALER_START_CMD,),
            "is written by the operator",
            f"remove it; args may refer to ${AUTOSCALER_START_CMD}",
        )


def _autoscaler_env(
    context: RuleContext, spec_at: ClusterSpecAt, names: tuple[str, ...], refusal: str, hint: str
) -> Iterator[Problem]:
    """autoscalerOptions.env setting one of `names`: autoscaling.env, rendered only with the autoscaler on, and
    what the item's `spec` writes there, rendered whether or not it is (the operator checks autoscalerOptions
    whenever it is set, validation.go:252-258 and 488-494 at v1.7.0)."""
    autoscaling = spec_at.spec.get("autoscaling") or {}
    structured = autoscaling.get("env") if autoscaling.get("enabled") is True else None
    for index, variable in enumerate(structured or []):
        if isinstance(variable, dict) and variable.get("name") in names:
            yield context.problem(
                (*spec_at.path, "autoscaling", "env", index, "name"), f"{variable['name']} {refusal}", hint
            )
    written = written_by_spec(spec_at, ("autoscalerOptions", "env"))
    for index, variable in enumerate(written if isinstance(written, list) else []):
        if isinstance(variable, dict) and variable.get("name") in names:
            at = spec_path(spec_at, ("autoscalerOptions", "env", index, "name"))
            yield context.problem(at, f"{variable['name']} {refusal}", hint)


@rule(
    "history-server",
    "historyServer (1.7.0) has collectorOptions with an image and a literal STORAGE_BACKEND in its env, with what "
    "that backend needs (GCS_BUCKET; S3_REGION; OSS_BUCKET, OSS_ENDPOINT and OSS_REGION; the Azure account), none "
    f"of the variables the operator writes, and no pod of the cluster has a container named {COLLECTOR_CONTAINER}",
    f"{VALIDATION} (ValidateRayClusterSpec lines 260-282 and validateCollectorOptions lines 1029-1111 at v1.7.0)",
    fails="kuberay: {version: 1.7.0}\noperator: {install: true, featureGates: {RayClusterHistoryServer: true}}\n"
    "clusters: [{name: c, head: {cpu: '1'}, historyServer: {}}]",
    passes="kuberay: {version: 1.7.0}\noperator: {install: true, featureGates: {RayClusterHistoryServer: true}}\n"
    "podSecurity: baseline\nclusters: [{name: c, head: {cpu: '1'}, historyServer: {collectorOptions: {image: c:1, env: "
    "[{name: STORAGE_BACKEND, value: s3}, {name: S3_REGION, value: eu-west-1}]}}}]",
    cases=("cluster-options",),
)
def history_server(context: RuleContext) -> Iterator[Problem]:
    if not context.since(OPTIONS_SINCE):
        return
    for spec_at in context.cluster_specs:
        options = spec_at.spec.get("historyServer")
        if not isinstance(options, dict):
            continue
        path = (*spec_at.path, "historyServer")
        collector = options.get("collectorOptions")
        if not isinstance(collector, dict):
            yield context.problem(
                path,
                "historyServer needs collectorOptions",
                "set collectorOptions: {image: ..., env: [{name: STORAGE_BACKEND, value: s3}, ...]}",
            )
        else:
            yield from _collector_problems(context, (*path, "collectorOptions"), collector)
        for group_path, group in groups(spec_at):
            yield from _collector_named_containers(context, group_path, group)


def _collector_problems(context: RuleContext, path: DocPath, collector: dict[str, Any]) -> Iterator[Problem]:
    if not collector.get("image"):
        yield context.problem(path, "collectorOptions needs an image", "set image: the history collector's image")
    env: list[Any] = collector["env"] if isinstance(collector.get("env"), list) else []
    # a name that is no text is the CRD check's to report
    by_name = {
        item["name"]: (index, item)
        for index, item in enumerate(env)
        if isinstance(item, dict) and isinstance(item.get("name"), str)
    }
    for name, (index, _item) in by_name.items():
        if name in COLLECTOR_MANAGED_ENV:
            yield context.problem(
                (*path, "env", index, "name"),
                f"{name} is written by the operator into the collector container",
                f"remove {name}",
            )

    def has_value(name: str) -> bool:
        item = by_name.get(name, (0, {}))[1]
        return bool(item.get("value")) or item.get("valueFrom") is not None

    backend_item = by_name.get(STORAGE_BACKEND, (0, {}))[1]
    backend = backend_item.get("value")
    if not isinstance(backend, str) or not backend:
        yield context.problem(
            (*path, "env"),
            f"the collector's env needs {STORAGE_BACKEND} with a literal value",
            f"add {{name: {STORAGE_BACKEND}, value: s3}} (or gcs, azureblob, aliyunoss)",
        )
        return
    at = (*path, "env", by_name[STORAGE_BACKEND][0], "value")
    kind = backend.upper()
    if kind == "AZUREBLOB":
        mode = str((by_name.get("AZURE_STORAGE_AUTH_MODE", (0, {}))[1]).get("value") or "").strip().lower()
        wanted = {
            "connection_string": ("AZURE_STORAGE_CONNECTION_STRING",),
            "workload_identity": ("AZURE_STORAGE_ACCOUNT_URL",),
            "default": ("AZURE_STORAGE_ACCOUNT_URL",),
        }.get(mode)
        if wanted is None and not (
            has_value("AZURE_STORAGE_CONNECTION_STRING") or has_value("AZURE_STORAGE_ACCOUNT_URL")
        ):
            yield context.problem(
                at,
                "the AZUREBLOB backend needs AZURE_STORAGE_CONNECTION_STRING or AZURE_STORAGE_ACCOUNT_URL",
                "set one of them in the collector's env",
            )
        needed: tuple[str, ...] = wanted or ()
    else:
        needed = BACKEND_NEEDS.get(kind, ())
    for name in needed:
        if not has_value(name):
            yield context.problem(
                at,
                f"the {kind} backend needs {name} in the collector's env",
                f"add {{name: {name}, value: ...}} (or valueFrom)",
            )


def _collector_named_containers(context: RuleContext, group_path: DocPath, group: dict[str, Any]) -> Iterator[Problem]:
    """A container of the group's pod named as the collector the operator adds: the Ray container or one of the
    podTemplate's."""
    hint = f"name the container otherwise: the operator adds {COLLECTOR_CONTAINER} to every pod"
    message = f"a container named {COLLECTOR_CONTAINER} cannot be in a pod with historyServer"
    if ray_container(group, group_path[-1] == "head") == COLLECTOR_CONTAINER:
        # the Ray container itself; a podTemplate container of that name merges into it
        yield context.problem((*group_path, "containerName"), message, hint)
        return
    containers = ((group.get("podTemplate") or {}).get("spec") or {}).get("containers") or []
    for index, container in enumerate(containers):
        if isinstance(container, dict) and container.get("name") == COLLECTOR_CONTAINER:
            yield context.problem((*group_path, "podTemplate", "spec", "containers", index, "name"), message, hint)
