"""Version gates: what the pinned KubeRay release has, what its feature gates allow, what its chart takes.

A field or value that the pinned release lacks would be pruned or rejected by the API server, or ignored
by the operator while Argo CD shows "Synced"; here it is an error on the line that wrote it. Every field
comes from the field table (model/fields.py): which releases have its CRD path is read from
schemas/kuberay/field-history.json (derived from every release's CRDs), its gate and operator-checked
values from the table itself.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from generator.checks import KUBERAY_VALIDATION
from generator.errors import DocPath, Problem
from generator.model.build import feature_gate_states
from generator.model.fields import FIELDS, gated_occurrences
from generator.releases import version_key
from generator.rules.context import RuleContext
from generator.rules.rule import rule
from generator.source import value_at
from generator.validate.chart_keys import key_tree, unknown_keys


@rule(
    "field-in-release",
    "every field of the field table that the environment sets, and every CRD enum value, exists in the pinned "
    "release (e.g. clusters[].upgradeStrategy >= 1.6.0, autoscaling.version >= 1.4.0, jobs[].deletionStrategy "
    ">= 1.5.0, jobs[].deletionPolicy up to 1.4.x, services[].suspend, networkPolicy, tlsOptions, historyServer "
    ">= 1.7.0)",
    "the CRDs of every release (schemas/kuberay/field-history.json)",
    fails="clusters: [{name: c, head: {cpu: '1'}, autoscaling: {enabled: true, version: v2}}]",
    passes="kuberay: {version: 1.4.0}\nclusters: [{name: c, head: {cpu: '1'}, autoscaling: {enabled: true, "
    "version: v2}}]",
    cases=("gate-field-too-new", "gate-field-removed"),
)
def fields_in_release(context: RuleContext) -> Iterator[Problem]:
    """A field, or a CRD enum value, that the pinned release does not have."""
    for gap in _release_gaps(context):
        yield _missing(context, gap)


@dataclass(frozen=True)
class _Gap:
    """A field or CRD enum value that the pinned release lacks: where, what, and which releases have it."""

    path: DocPath
    what: str
    releases: tuple[str, ...]
    replaced_by: str | None


def _release_gaps(context: RuleContext) -> list[_Gap]:
    return context.once("release-gaps", lambda: list(_find_release_gaps(context)))


def _find_release_gaps(context: RuleContext) -> Iterator[_Gap]:
    reported: list[DocPath] = []
    for entry, path, value in sorted(context.occurrences, key=lambda found: len(found[1])):
        kind, crd_path = entry.kind, entry.crd_path
        if not context.history.knows(kind, crd_path):
            continue  # under a Kubernetes type (a pod template): the same in every release
        if any(path[: len(parent)] == parent for parent in reported):
            continue  # the parent field is missing already: one error says it
        releases = context.history.field_releases(kind, crd_path)
        if context.version not in releases:
            reported.append(path)
            yield _Gap(path, f"{path[-1]}", releases, entry.field.replaced_by)
            continue
        if isinstance(value, str) and not entry.field.values_since:
            value_releases = context.history.enum_releases(kind, crd_path, value)
            if value_releases is not None and context.version not in value_releases:
                yield _Gap(path, f"{path[-1]} {value}", value_releases, entry.field.replaced_by)


@rule(
    "value-in-release",
    "values the operator checks though the CRD does not enumerate them: submissionMode InteractiveMode >= 1.3.0, "
    "SidecarMode >= 1.5.0; RayService upgradeStrategy.type NewClusterWithIncrementalUpgrade >= 1.5.0",
    f"{KUBERAY_VALIDATION} and ray-operator/apis/ray/v1/*_types.go constants",
    fails="jobs: [{name: j, entrypoint: python run.py, submissionMode: SidecarMode, cluster: {head: {cpu: '1'}}}]",
    passes="kuberay: {version: 1.5.0}\npodSecurity: baseline\njobs: [{name: j, entrypoint: python run.py, "
    "submissionMode: SidecarMode, "
    "cluster: {head: {cpu: '1'}}}]",
    cases=("gate-value-too-new",),
)
def values_in_release(context: RuleContext) -> Iterator[Problem]:
    """Values the operator checks though the CRD does not enumerate them (submissionMode, upgrade types)."""
    for entry, path, value in context.occurrences:
        if entry.field.values_since and isinstance(value, str):
            yield from _value_since(context, path, value, entry.field.values_since)


@rule(
    "feature-gate",
    "a field whose operator feature gate is off (deletionStrategy / deletionPolicy: RayJobDeletionPolicy, "
    "networkPolicy: RayClusterNetworkPolicy, tlsOptions: RayClusterMTLS, historyServer: RayClusterHistoryServer, "
    "NewClusterWithIncrementalUpgrade: RayServiceIncrementalUpgrade, gcsFaultTolerance.backend rocksdb: "
    "GCSFaultToleranceEmbeddedStorage), and a gate the release's operator does not register. A gate is on when "
    "operator.featureGates says so, else by the chart's featureGates, else by the operator's own default",
    "ray-operator/pkg/features/features.go and the kuberay-operator chart's featureGates of each release",
    fails="kuberay: {version: 1.5.0}\njobs: [{name: j, entrypoint: python run.py, cluster: {head: {cpu: '1'}}, "
    "deletionStrategy: {onSuccess: {policy: DeleteCluster}, onFailure: {policy: DeleteCluster}}}]",
    passes="kuberay: {version: 1.5.0}\noperator: {install: true, featureGates: {RayJobDeletionPolicy: true}}\njobs: "
    "[{name: j, entrypoint: python run.py, cluster: {head: {cpu: '1'}}, deletionStrategy: {onSuccess: {policy: "
    "DeleteCluster}, onFailure: {policy: DeleteCluster}}}]",
    cases=("gate-feature-off", "gate-feature-off-1-7", "gate-unknown", "gate-off-incremental-upgrade"),
)
def feature_gates_enabled(context: RuleContext) -> Iterator[Problem]:
    """Fields the operator ignores unless their feature gate is on, and gates the release does not know."""
    configured = context.operator.feature_gates
    registered = feature_gate_states(context.release, {})
    known = set(registered) | _TABLE_GATES
    for gate in configured:
        if gate not in registered:
            if gate in known:  # a gate of another release: suggesting its own name would help no one
                hint = "pin a KubeRay release that has this gate, or remove it"
            else:
                close = difflib.get_close_matches(gate, sorted(known), n=1)
                gates = ", ".join(sorted(registered))
                hint = f"did you mean '{close[0]}'?" if close else f"the gates of KubeRay {context.version}: {gates}"
            yield context.problem(
                ("operator", "featureGates", gate),
                f"KubeRay {context.version} has no feature gate {gate}",
                hint,
                at_key=True,
            )
    # fields_in_release / values_in_release report what the release lacks; the gate does not matter there
    missing = [gap.path for gap in _release_gaps(context)]
    missing += [problem.path for problem in values_in_release.run(context)]
    gates_on = feature_gate_states(context.release, context.operator.feature_gates)
    for path, gate, what in gated_occurrences(context.occurrences):
        if any(path[: len(other)] == other or other[: len(path)] == path for other in missing):
            continue
        if not gates_on.get(gate, False):
            yield context.problem(
                path,
                f"{what} needs the operator feature gate {gate}, which is off in this environment "
                f"(KubeRay {context.version})",
                f"set operator.featureGates.{gate}: true (on the operator that serves this cluster)",
            )


# Every gate the field table names, in any release: a configured gate among them is one of another release.
_TABLE_GATES = {gate for item in FIELDS for gate in (item.gate, *item.value_gates.values()) if gate is not None}

# Chart values the generator sets from checked fields; operator.values may not override them unseen.
MANAGED_CHART_VALUES = {
    ("image", "repository"): "the operator image follows kuberay.version",
    ("image", "tag"): "the operator image follows kuberay.version",
    ("featureGates",): "set operator.featureGates (the version gates read it)",
    ("watchNamespace",): "set operator.watchNamespaces",
    ("env",): "set operator.env",
    ("resources",): "set operator.resources",
}


@rule(
    "operator-chart-values",
    "operator.values does not set what checked fields set (image, featureGates, watchNamespace, env, resources), "
    "and uses only keys of the pinned kuberay-operator chart (with 'did you mean': operatorComand in 1.3.x "
    "became operatorCommand in 1.4.0)",
    "the kuberay-operator chart's values.yaml of the pinned release",
    fails="operator: {install: true, values: {operatorCommand: /manager}}",
    passes="operator: {install: true, values: {operatorComand: /manager}}",
    cases=("chart-values-managed", "chart-values-trap", "chart-values-trap-1-4"),
)
def operator_chart_values(context: RuleContext) -> Iterator[Problem]:
    """operator.values keys against the keys of the pinned kuberay-operator chart's values.yaml."""
    values = context.operator.values
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


def _value_since(context: RuleContext, path: DocPath, value: str, since: Mapping[str, str]) -> Iterator[Problem]:
    first = since.get(value)
    if first is not None and not context.since(first):
        yield context.problem(
            path,
            f"{path[-1]} {value} needs KubeRay >= {first} (this environment pins {context.version})",
            "pin a newer kuberay.version or choose another value",
        )


def _missing(context: RuleContext, gap: _Gap) -> Problem:
    pinned, releases, path = context.version, gap.releases, gap.path
    hint = "pin a KubeRay release that has it, or remove it"
    if not releases:
        message = f"{gap.what} is not in any supported KubeRay release"
    elif version_key(pinned) < version_key(releases[0]):
        message = f"needs KubeRay >= {releases[0]} (this environment pins {pinned})"
    elif version_key(pinned) > version_key(releases[-1]):
        message = f"was removed after KubeRay {releases[-1]} (this environment pins {pinned})"
        hint = gap.replaced_by or hint
    else:
        message = f"is not in KubeRay {pinned} (it is in {', '.join(releases)})"
    if gap.what != path[-1]:
        return context.problem(path, f"{gap.what} {message}", hint)
    return context.problem(path, message, hint, at_key=True)
