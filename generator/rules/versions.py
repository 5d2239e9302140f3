"""Version gates: what the pinned KubeRay release has, what its feature gates allow, what its chart takes.

A field or value that the pinned release lacks would be pruned or rejected by the API server, or ignored
by the operator while Argo CD shows "Synced"; here it is an error on the line that wrote it. Field and
CRD-enum availability comes from schemas/kuberay/field-history.json (derived from every release's CRDs),
the rest from rules/version_table.py.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Mapping

from generator.errors import DocPath, Problem
from generator.releases import version_key
from generator.rules.context import RuleContext, cluster_specs
from generator.rules.version_table import (
    CLUSTER_GATES,
    INCREMENTAL_UPGRADE,
    JOB_GATES,
    RAYSERVICE_UPGRADE_TYPES,
    REPLACED_BY,
    SUBMISSION_MODES,
    GatedFeature,
)
from generator.source import value_at
from generator.validate.chart_keys import key_tree, unknown_keys

# Where each version-dependent environment field lands in the CRD of its kind.
CLUSTER_SPEC_PREFIX = {"RayCluster": "spec", "RayJob": "spec.rayClusterSpec", "RayService": "spec.rayClusterConfig"}
CLUSTER_FIELDS = {
    ("autoscaling", "version"): "autoscalerOptions.version",
    ("autoscaling", "upscalingMode"): "autoscalerOptions.upscalingMode",
    ("networkPolicy",): "networkPolicy",
    ("tlsOptions",): "tlsOptions",
    ("historyServer",): "historyServerOptions",
}
ITEM_FIELDS: dict[str, tuple[str, dict[tuple[str, ...], str]]] = {
    "clusters": (
        "RayCluster",
        {("upgradeStrategy",): "spec.upgradeStrategy", ("upgradeStrategy", "type"): "spec.upgradeStrategy.type"},
    ),
    "jobs": (
        "RayJob",
        {
            ("deletionStrategy",): "spec.deletionStrategy",
            ("deletionPolicy",): "spec.deletionPolicy",
            ("preRunningDeadlineSeconds",): "spec.preRunningDeadlineSeconds",
        },
    ),
    "services": (
        "RayService",
        {
            ("rayClusterDeletionDelaySeconds",): "spec.rayClusterDeletionDelaySeconds",
            ("suspend",): "spec.suspend",
            ("upgradeStrategy", "clusterUpgradeOptions"): "spec.upgradeStrategy.clusterUpgradeOptions",
        },
    ),
}


def fields_in_release(context: RuleContext) -> Iterator[Problem]:
    """A field, or a CRD enum value, that the pinned release does not have."""
    reported: list[DocPath] = []
    for path, kind, crd_path in _versioned_fields(context):
        if any(path[: len(parent)] == parent for parent in reported):
            continue  # the parent field is missing already: one error says it
        value = value_at(context.data, path)
        releases = context.history.field_releases(kind, crd_path)
        if context.version not in releases:
            reported.append(path)
            yield _missing(context, path, releases, f"{path[-1]}")
            continue
        if isinstance(value, str):
            value_releases = context.history.enum_releases(kind, crd_path, value)
            if value_releases is not None and context.version not in value_releases:
                yield _missing(context, path, value_releases, f"{path[-1]} {value}")


def values_in_release(context: RuleContext) -> Iterator[Problem]:
    """Values the operator checks though the CRD does not enumerate them (submissionMode, upgrade types)."""
    for index, job in enumerate(context.data.get("jobs", [])):
        mode = job.get("submissionMode")
        if mode is not None:
            yield from _value_since(context, ("jobs", index, "submissionMode"), mode, SUBMISSION_MODES)
    for index, service in enumerate(context.data.get("services", [])):
        kind = service.get("upgradeStrategy", {}).get("type")
        if kind is not None:
            yield from _value_since(
                context, ("services", index, "upgradeStrategy", "type"), kind, RAYSERVICE_UPGRADE_TYPES
            )


def feature_gates_enabled(context: RuleContext) -> Iterator[Problem]:
    """Fields the operator ignores unless their feature gate is on, and gates the release does not know."""
    configured: Mapping[str, bool] = context.data.get("operator", {}).get("featureGates", {})
    known = (
        set(context.release.default_feature_gates)
        | {gated.gate for table in (JOB_GATES, CLUSTER_GATES) for gated in table.values()}
        | {INCREMENTAL_UPGRADE.gate}
    )
    for gate in configured:
        if gate not in context.release.default_feature_gates:
            close = difflib.get_close_matches(gate, sorted(known), n=1)
            hint = (
                f"did you mean '{close[0]}'?" if close else "gates: " + ", ".join(context.release.default_feature_gates)
            )
            yield context.problem(
                ("operator", "featureGates", gate),
                f"KubeRay {context.version} has no feature gate {gate}",
                hint,
                at_key=True,
            )
    # fields_in_release / values_in_release report what the release lacks; the gate does not matter there
    missing = [problem.path for problem in (*fields_in_release(context), *values_in_release(context))]
    for path, gated in _gated_fields(context):
        if any(path[: len(other)] == other or other[: len(path)] == path for other in missing):
            continue
        if not _gate_on(context, gated.gate):
            yield context.problem(
                path,
                f"{gated.what} needs the operator feature gate {gated.gate}, which is off in this environment "
                f"(KubeRay {context.version})",
                f"set operator.featureGates.{gated.gate}: true (on the operator that serves this cluster)",
            )


# Chart values the generator sets from checked fields; operator.values may not override them unseen.
MANAGED_CHART_VALUES = {
    ("image", "repository"): "the operator image follows kuberay.version",
    ("image", "tag"): "the operator image follows kuberay.version",
    ("featureGates",): "set operator.featureGates (the version gates read it)",
    ("watchNamespace",): "set operator.watchNamespaces",
    ("env",): "set operator.env",
    ("resources",): "set operator.resources",
}


def operator_chart_values(context: RuleContext) -> Iterator[Problem]:
    """operator.values keys against the keys of the pinned kuberay-operator chart's values.yaml."""
    values = context.data.get("operator", {}).get("values", {})
    for managed, hint in MANAGED_CHART_VALUES.items():
        if value_at(values, managed) is not None:
            yield context.problem(
                ("operator", "values", *managed), f"operator.values may not set {'.'.join(managed)}", hint, at_key=True
            )
    tree = key_tree(context.release.operator_chart_defaults, context.release.operator_chart_commented_keys)
    for unknown in unknown_keys(values, tree):
        yield context.problem(
            ("operator", "values", *unknown.path),
            f"the kuberay-operator chart {context.release.chart_version} has no value '{unknown.path[-1]}'",
            f"did you mean '{unknown.suggestion}'?"
            if unknown.suggestion
            else "see the chart's values.yaml for its keys",
            at_key=True,
        )


def _versioned_fields(context: RuleContext) -> Iterator[tuple[DocPath, str, str]]:
    for spec_at in cluster_specs(context.data):
        prefix = CLUSTER_SPEC_PREFIX[spec_at.owner_kind]
        for suffix, crd_path in CLUSTER_FIELDS.items():
            if value_at(spec_at.spec, suffix) is not None:
                yield (*spec_at.path, *suffix), spec_at.owner_kind, f"{prefix}.{crd_path}"
    for section, (kind, fields) in ITEM_FIELDS.items():
        for index, item in enumerate(context.data.get(section, [])):
            for suffix, crd_path in fields.items():
                if value_at(item, suffix) is not None:
                    yield (section, index, *suffix), kind, crd_path


def _gated_fields(context: RuleContext) -> Iterator[tuple[DocPath, GatedFeature]]:
    for spec_at in cluster_specs(context.data):
        for suffix, gated in CLUSTER_GATES.items():
            if value_at(spec_at.spec, suffix) is not None:
                yield (*spec_at.path, *suffix), gated
    for index, job in enumerate(context.data.get("jobs", [])):
        for suffix, gated in JOB_GATES.items():
            if value_at(job, suffix) is not None:
                yield ("jobs", index, *suffix), gated
    for index, service in enumerate(context.data.get("services", [])):
        if service.get("upgradeStrategy", {}).get("type") == "NewClusterWithIncrementalUpgrade":
            yield ("services", index, "upgradeStrategy", "type"), INCREMENTAL_UPGRADE


def _gate_on(context: RuleContext, gate: str) -> bool:
    configured = context.data.get("operator", {}).get("featureGates", {})
    return bool(configured.get(gate, context.release.default_feature_gates.get(gate, False)))


def _value_since(context: RuleContext, path: DocPath, value: str, since: Mapping[str, str]) -> Iterator[Problem]:
    first = since.get(value)
    if first is not None and version_key(context.version) < version_key(first):
        yield context.problem(
            path,
            f"{path[-1]} {value} needs KubeRay >= {first} (this environment pins {context.version})",
            "pin a newer kuberay.version or choose another value",
        )


def _missing(context: RuleContext, path: DocPath, releases: tuple[str, ...], what: str) -> Problem:
    pinned = context.version
    hint = "pin a KubeRay release that has it, or remove it"
    if not releases:
        message = f"{what} is not in any supported KubeRay release"
    elif version_key(pinned) < version_key(releases[0]):
        message = f"needs KubeRay >= {releases[0]} (this environment pins {pinned})"
    elif version_key(pinned) > version_key(releases[-1]):
        message = f"was removed after KubeRay {releases[-1]} (this environment pins {pinned})"
        hint = REPLACED_BY.get(str(path[-1]), hint)
    else:
        message = f"is not in KubeRay {pinned} (it is in {', '.join(releases)})"
    if what != path[-1]:
        return context.problem(path, f"{what} {message}", hint)
    return context.problem(path, message, hint, at_key=True)
