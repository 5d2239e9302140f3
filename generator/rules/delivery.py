"""`delivery: helm`: what the official ray-cluster chart of the pinned release cannot express."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Any

from generator.checks import CHART_VALUES
from generator.errors import DocPath, Problem
from generator.files import RenderedFile
from generator.input.envschema import LABEL_VALUE_MAX
from generator.model.access import operator_chart_values
from generator.model.build import autoscaling_enabled, cluster_delivery, group_image, pod_setting, worker_bounds
from generator.model.names import chart_release_name, chart_values_file
from generator.rules.context import RuleContext
from generator.rules.go_yaml import plain_scalar_type
from generator.rules.rule import rule
from generator.validate.chart_keys import key_tree, unknown_keys

HINT = "use delivery: kustomize (the default), which renders the RayCluster itself"
# Cluster fields the chart has no value for (ray-cluster chart values.yaml, 1.3.0 to 1.7.0).
CLUSTER_FIELDS = (
    "upgradeStrategy", "suspend", "gcsFaultTolerance", "networkPolicy", "tlsOptions", "historyServer", "labels",
    "annotations", "spec",
)  # fmt: skip
# Group fields it has no value for; image, imagePullPolicy and imagePullSecrets are one setting for the chart.
GROUP_FIELDS = ("numOfHosts", "idleTimeoutSeconds", "podTemplate")


@rule(
    "helm-delivery",
    "with delivery: helm, no field the official ray-cluster chart of the pinned release cannot express "
    "(upgradeStrategy, suspend, gcsFaultTolerance, ..., numOfHosts, podTemplate; one image for all groups; a "
    "worker group's maxReplicas 0 under the autoscaler, which it renders as 2147483647)",
    "the ray-cluster chart's values.yaml and templates/raycluster-cluster.yaml of the pinned release",
    fails="clusters: [{name: c, delivery: helm, suspend: true, head: {cpu: '1'}}]",
    passes="clusters: [{name: c, delivery: helm, head: {cpu: '1'}}]",
    cases=("helm-delivery-limits",),
)
def helm_delivery_expressible(context: RuleContext) -> Iterator[Problem]:
    for index, cluster in enumerate(context.data.get("clusters", [])):
        if cluster_delivery(cluster) != "helm":
            continue
        path: DocPath = ("clusters", index)
        chart = f"the ray-cluster chart {context.release.ray_cluster_chart_version}"
        for field in CLUSTER_FIELDS:
            if field in cluster:
                yield context.problem((*path, field), f"{chart} cannot express {field}", HINT, at_key=True)
        groups: list[tuple[DocPath, dict[str, Any]]] = [((*path, "head"), cluster["head"])]
        groups += [((*path, "workerGroups", i), group) for i, group in enumerate(cluster.get("workerGroups", []))]
        defaults = context.data.get("defaults", {})
        head_settings = _chart_wide_settings(cluster["head"], cluster, defaults, True)
        autoscaled = autoscaling_enabled(cluster)
        for group_path, group in groups:
            for field in GROUP_FIELDS:
                if field in group:
                    yield context.problem((*group_path, field), f"{chart} cannot express {field}", HINT, at_key=True)
            if group_path[-1] == "head":
                continue
            if autoscaled and worker_bounds(group)[2] == 0:
                # the chart writes `maxReplicas | default 2147483647`, and Sprig's default takes 0 for no value
                # (helm-chart/ray-cluster/templates/raycluster-cluster.yaml, 1.3.0 to 1.7.0); without the
                # autoscaler KubeRay keeps `replicas` (GetWorkerGroupDesiredReplicas), so only then does it matter
                written = "maxReplicas" in group
                yield context.problem(
                    (*group_path, "maxReplicas") if written else group_path,
                    f"{chart} cannot express maxReplicas 0{'' if written else ' (the default of replicas: 0)'}: it "
                    "reads 0 as no value and writes 2147483647, so the autoscaler could add workers to this group "
                    "without bound",
                    f"set maxReplicas: 1 or more (or remove the group), or {HINT}",
                )
            # the chart gives every group the head's settings: a worker's own (even inherited) would be lost
            for field, value in _chart_wide_settings(group, cluster, defaults, False).items():
                if value != head_settings[field]:
                    yield context.problem(
                        (*group_path, field) if field in group else group_path,
                        f"{chart} takes one {field} for all groups: the head's {head_settings[field]!r}, not this "
                        f"group's {value!r}",
                        f"give every group the same {field}, or {HINT}",
                        at_key=True,
                    )


def _chart_wide_settings(
    group: dict[str, Any], cluster: dict[str, Any], defaults: dict[str, Any], head: bool
) -> dict[str, Any]:
    """The group settings the ray-cluster chart takes once for all groups, as the model computes them."""
    return {
        "image": group_image(group, cluster, defaults, head),
        "imagePullPolicy": pod_setting(group, defaults, "imagePullPolicy"),
        "imagePullSecrets": pod_setting(group, defaults, "imagePullSecrets", []),
    }


@rule(
    "chart-plain-text",
    "with delivery: helm, the cluster name, worker group names, rayVersion and serviceAccountName stay text "
    "when read back: the ray-cluster chart writes them unquoted, and Kubernetes' YAML reader takes `on`, `no` or "
    "`4090` for a boolean or a number",
    "the ray-cluster chart's templates/raycluster-cluster.yaml (name, rayVersion, groupName and "
    "serviceAccountName without quote), read by sigs.k8s.io/yaml (goyaml.v2/resolve.go)",
    fails="clusters: [{name: c, delivery: helm, head: {cpu: '1'}, workerGroups: [{name: '4090', replicas: 1}]}]",
    passes="clusters: [{name: c, delivery: helm, head: {cpu: '1'}, workerGroups: [{name: rtx-4090, replicas: 1}]}]",
    cases=("helm-delivery-limits",),
)
def chart_plain_text(context: RuleContext) -> Iterator[Problem]:
    defaults = context.data.get("defaults", {})
    written: dict[DocPath, Any] = {}  # where each value the chart writes is set (defaults' once for all)
    for index, cluster in enumerate(context.data.get("clusters", [])):
        if cluster_delivery(cluster) != "helm":
            continue
        path: DocPath = ("clusters", index)
        written[(*path, "name")] = cluster.get("name")
        written.update([_where_set(path, cluster, defaults, "rayVersion")])
        groups = [((*path, "head"), cluster["head"])]
        groups += [((*path, "workerGroups", i), group) for i, group in enumerate(cluster.get("workerGroups", []))]
        for group_path, group in groups:
            if group_path[-1] != "head":
                written[(*group_path, "name")] = group.get("name")
            written.update([_where_set(group_path, group, defaults, "serviceAccountName")])
    for field_path, value in written.items():
        read_as = plain_scalar_type(value) if isinstance(value, str) else "text"
        if read_as != "text":
            fix = "give it a name that starts with a letter and is no YAML word such as on, no or null"
            if field_path[-1] == "rayVersion":
                parts = [*value.split("."), "0", "0"][:3] if re.fullmatch(r"[0-9]+(\.[0-9]+)?", value) else []
                fix = f"write all three parts of the version ({'.'.join(parts) if parts else 'e.g. 2.46.0'})"
            outcome = {
                "null": "null, and drops the field from the object",
                "another value": "another value (YAML syntax in it makes a comment, a mapping or other text of it)",
            }.get(read_as, f"{read_as}, which the RayCluster's string field refuses")
            yield context.problem(
                field_path,
                f"the ray-cluster chart writes {value!r} without quotes, and Kubernetes reads it back as {outcome}",
                f"{fix}, or {HINT}",
            )


@rule(
    "operator-chart-plain-text",
    "with the operator installed by its chart, the operator's namespace stays text when read back: the "
    "kuberay-operator chart writes it unquoted as the namespace of its role bindings' ServiceAccount and (from "
    "1.4.0, with metrics.serviceMonitor.enabled) in its ServiceMonitor's namespaceSelector, and Kubernetes' YAML "
    "reader takes `on`, `no` or `123` for a boolean or a number",
    "the kuberay-operator chart's templates/leader_election_role_binding.yaml and rolebinding.yaml (subjects "
    "`namespace: {{ .Release.Namespace }}`, with rbacEnable) and servicemonitor.yaml (`matchNames`), read by "
    "sigs.k8s.io/yaml (goyaml.v2/resolve.go); the API server decodes those namespaces as strings",
    fails="operator: {install: true, namespace: 'on'}",
    passes="operator: {install: true, namespace: ray-on}",
    cases=("operator-chart-plain-text",),
)
def operator_chart_plain_text(context: RuleContext) -> Iterator[Problem]:
    # Only these matter: where the chart writes the namespace as an object's own, a value that is not text
    # reads as no namespace, and Helm and Argo CD put the object in the release's namespace, the same one
    # (docs/gitops.md, "RayCluster through the official chart")
    operator = context.operator
    if not operator.install or operator.delivery != "helm":
        return
    read_as = plain_scalar_type(operator.namespace)
    if read_as == "text":
        return
    values = operator_chart_values(context.release, operator)
    monitor = ((values.get("metrics") or {}).get("serviceMonitor") or {}).get("enabled")
    # Helm's `if` takes false, 0, "" and null alike for false, as bool() does
    places = ["its role bindings"] if values.get("rbacEnable") else []
    places += ["its ServiceMonitor"] if monitor and context.since(SERVICE_MONITOR_SINCE) else []
    if not places:
        return
    outcome = {
        "null": "null, and they lose the namespace they need",
        "another value": "another value",
    }.get(read_as, f"{read_as}, which their string field refuses, so the install fails")
    yield context.problem(
        ("operator", "namespace"),
        f"the kuberay-operator chart writes the namespace {operator.namespace!r} without quotes in "
        f"{' and '.join(places)}, and Kubernetes reads it back as {outcome}",
        "give the operator a namespace that starts with a letter and is no YAML word such as on, no or null, or "
        "set operator.delivery: kustomize, which renders the operator's objects itself",
    )


SERVICE_MONITOR_SINCE = "1.4.0"  # the first chart with templates/servicemonitor.yaml


def _where_set(path: DocPath, item: dict[str, Any], defaults: dict[str, Any], key: str) -> tuple[DocPath, Any]:
    """Where a setting of `item` is written and its value: the item's own, else defaults' (as pod_setting and
    cluster_ray_version read it)."""
    return ((*path, key), item[key]) if key in item else (("defaults", key), defaults.get(key))


@rule(
    "chart-release-name",
    "the name <env>-raycluster-<name> of a chart-delivered cluster's Application and HelmRelease fits a label "
    "value (63 characters), where Argo CD and helm-controller put it",
    "Kubernetes label value limit (apimachinery validation.IsValidLabelValue)",
    fails="clusters: [{name: a-cluster-name-that-is-long-enough-to-overflow-labels, delivery: helm, head: {cpu: '1'}}]",
    passes="clusters: [{name: short, delivery: helm, head: {cpu: '1'}}]",
    cases=("helm-release-name-too-long",),
)
def chart_release_names(context: RuleContext) -> Iterator[Problem]:
    """The Application / HelmRelease of a chart-delivered cluster is named <env>-raycluster-<name>; Argo CD and
    helm-controller put that name in a label value, which Kubernetes caps at 63 characters."""
    for index, cluster in enumerate(context.data.get("clusters", [])):
        if cluster_delivery(cluster) != "helm":
            continue
        name = chart_release_name(context.data["name"], cluster["name"])
        if len(name) > LABEL_VALUE_MAX:
            yield context.problem(
                ("clusters", index, "name"),
                f"the generated release name {name} has {len(name)} characters; label values allow {LABEL_VALUE_MAX}",
                "shorten the cluster or the environment name",
            )


def chart_values_problems(context: RuleContext, files: Sequence[RenderedFile]) -> list[Problem]:
    """Chart-delivered clusters: the values files as rendered, checked against the pinned chart's keys."""
    rendered = {file.path.name: file.documents[0] for file in files if file.path.parent.name == "charts"}
    problems: list[Problem] = []
    for index, cluster in enumerate(context.data.get("clusters", [])):
        values = rendered.get(chart_values_file(cluster["name"]))
        if cluster_delivery(cluster) == "helm" and isinstance(values, dict):
            problems.extend(
                chart_values_known(context.for_rule(CHART_VALUES.id), values, ("clusters", index, "delivery"))
            )
    return problems


def chart_values_known(context: RuleContext, values: dict[str, Any], path: DocPath) -> Iterator[Problem]:
    """The generated values use only keys of the pinned chart (a guard against chart changes between releases)."""
    tree = key_tree(context.release.ray_cluster_chart_defaults, context.release.ray_cluster_chart_commented_keys)
    extra_groups = tree.get("additionalWorkerGroups") or {}
    template = {**(tree.get("worker") or {}), **next(iter(extra_groups.values()), {})}
    tree["additionalWorkerGroups"] = dict.fromkeys(values.get("additionalWorkerGroups", {}), template)
    for unknown in unknown_keys(values, tree):
        yield context.problem(
            path,
            f"the ray-cluster chart {context.release.ray_cluster_chart_version} has no value "
            f"{'.'.join(str(part) for part in unknown.path)}",
            HINT,
        )
