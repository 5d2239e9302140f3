"""The field table: every environment field that becomes a field of a KubeRay object, in one place.

For each field: where it lands in the CRD of its kind, the feature gate the operator needs for it, the
values the operator accepts only from some release on, and who writes it at run time (the autoscaler
changes worker replicas). Which releases have a field is not declared here but read from the CRDs of
every release (schemas/kuberay/field-history.json), by the CRD path this table gives.

What is derived from it:
- provenance (validate/provenance.py): a rendered object's path back to the environment line;
- version and feature gates (rules/versions.py): fields and values the pinned release lacks or gates;
- the GitOps ignore lists (render/gitops.py): fields the autoscaler owns at run time.
A test renders every fixture and fails when a template emits a CRD path that no entry covers.

Paths are dotted, `[]` for "every item of this list"; an entry covers the subtree below its CRD path.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal

from generator.errors import DocPath

EVERY = "[]"  # in a pattern: any list index
# The key of a Ray object's item whose value is merged over the rendered object's spec, last: it may write any
# field of the CRD (render/workloads.py); provenance maps a value it wrote back to it.
OVERRIDE = "spec"
Scope = Literal["object", "cluster", "job", "service", "cron", "clusterSpec"]
Owner = Literal["autoscaler"]

# Environment sections and the kind each item becomes.
SECTION_KINDS = {"clusters": "RayCluster", "jobs": "RayJob", "services": "RayService", "cronJobs": "RayCronJob"}
KIND_SECTIONS = {kind: section for section, kind in SECTION_KINDS.items()}
# Where a cluster spec sits: in the environment item, and in the CRD of each kind.
CLUSTER_SPEC_AT: dict[str, tuple[str, str]] = {
    "RayCluster": ("", "spec"),
    "RayJob": ("cluster", "spec.rayClusterSpec"),
    "RayService": ("cluster", "spec.rayClusterConfig"),
    "RayCronJob": ("job.cluster", "spec.jobTemplate.rayClusterSpec"),
}
# The same places as paths: in the object's spec (which is also where an item's `spec` writes it), and in the item
CLUSTER_SPEC: dict[str, tuple[str, ...]] = {
    kind: tuple(crd.split("."))[1:] for kind, (_, crd) in CLUSTER_SPEC_AT.items()
}
CLUSTER_ITEM: dict[str, tuple[str, ...]] = {
    kind: tuple(env.split(".")) if env else () for kind, (env, _) in CLUSTER_SPEC_AT.items()
}
# Where a RayJob spec sits: a RayJob's spec, a RayCronJob's jobTemplate (its `job` in the environment)
JOB_SPEC_AT: dict[str, tuple[str, str]] = {"RayJob": ("", "spec"), "RayCronJob": ("job", "spec.jobTemplate")}
# Kinds whose items a scope applies to, and the CRD root of the scope's paths.
SCOPE_KINDS: dict[str, tuple[str, ...]] = {
    "object": ("RayCluster", "RayJob", "RayService", "RayCronJob"),
    "cluster": ("RayCluster",),
    "job": ("RayJob", "RayCronJob"),
    "service": ("RayService",),
    "cron": ("RayCronJob",),
    "clusterSpec": ("RayCluster", "RayJob", "RayService", "RayCronJob"),
}


@dataclass(frozen=True)
class Field:
    scope: Scope
    env: str | None  # environment path relative to the scope; None: nothing in the environment writes it
    crd: str  # CRD path relative to the scope
    gate: str | None = None  # the operator ignores or rejects the field unless this feature gate is on
    value_gates: Mapping[str, str] = field(default_factory=dict)  # value -> the feature gate it needs
    values_since: Mapping[str, str] = field(default_factory=dict)  # value -> first release (not a CRD enum)
    replaced_by: str | None = None  # what to use in releases after the field was removed
    owner: Owner | None = None  # who writes the field at run time, so GitOps must not take it back
    whole: bool = False  # the environment value is serialized into one CRD string (e.g. runtimeEnvYAML)
    defaults: str | None = None  # the key under `defaults` that gives the value when the item does not
    not_in: tuple[str, ...] = ()  # kinds of the scope that never have the field


# Operator-checked values (validation.go), not CRD enums: value -> first release.
SUBMISSION_MODES = {"K8sJobMode": "1.1.0", "HTTPMode": "1.1.0", "InteractiveMode": "1.3.0", "SidecarMode": "1.5.0"}
RAYSERVICE_UPGRADE_TYPES = {"NewCluster": "1.3.0", "None": "1.3.0", "NewClusterWithIncrementalUpgrade": "1.5.0"}
INCREMENTAL_UPGRADE = "NewClusterWithIncrementalUpgrade"
CRON_GATE = "RayCronJob"  # the operator runs no RayCronJob controller without it (features.go, v1.6.0)
DELETION_GATE = "RayJobDeletionPolicy"  # deletion policies and strategies, and suspended worker groups
INCREMENTAL_UPGRADE_GATE = "RayServiceIncrementalUpgrade"  # without it, the operator ignores the upgrade type

# Pod settings of a group (model/build.py, _pod_settings): the environment key, where render/kube.py puts it
# in the pod template, and `defaults` gives the value the group does not set. The Ray container is the
# first container of every template.
POD_SETTINGS = (
    ("image", "template.spec.containers[0].image"),
    ("imagePullPolicy", "template.spec.containers[0].imagePullPolicy"),
    ("env", "template.spec.containers[0].env"),
    ("ports", "template.spec.containers[0].ports"),
    ("volumes", "template.spec.volumes"),
    ("nodeSelector", "template.spec.nodeSelector"),
    ("tolerations", "template.spec.tolerations"),
    ("affinity", "template.spec.affinity"),
    ("imagePullSecrets", "template.spec.imagePullSecrets"),
    ("serviceAccountName", "template.spec.serviceAccountName"),
    ("labels", "template.metadata.labels"),
    ("annotations", "template.metadata.annotations"),
)
GROUPS = (("head", "headGroupSpec"), ("workerGroups[]", "workerGroupSpecs[]"))
# Fields of a group's spec (not its pod template): the environment key and the CRD key.
GROUP_SPEC_FIELDS = (
    ("rayLabels", "labels"),
    ("rayResources", "resources"),
    ("containerName", "template.spec.containers[0].name"),
)


def _pod_setting_fields() -> tuple[Field, ...]:
    return tuple(
        Field("clusterSpec", f"{group}.{key}", f"{crd_group}.{crd}", defaults=key)
        for group, crd_group in GROUPS
        for key, crd in POD_SETTINGS
    ) + tuple(
        Field("clusterSpec", f"{group}.{key}", f"{crd_group}.{crd}")
        for group, crd_group in GROUPS
        for key, crd in GROUP_SPEC_FIELDS
    )


FIELDS: tuple[Field, ...] = (
    # metadata of every Ray object
    Field("object", "name", "metadata.name"),
    Field("object", "labels", "metadata.labels"),
    Field("object", "annotations", "metadata.annotations"),
    # a cluster spec: a RayCluster's spec, a RayJob's rayClusterSpec, a RayService's rayClusterConfig
    Field("clusterSpec", "rayVersion", "rayVersion"),
    Field("clusterSpec", "autoscaling.enabled", "enableInTreeAutoscaling"),
    Field("clusterSpec", "autoscaling", "autoscalerOptions"),
    Field("clusterSpec", "autoscaling.version", "autoscalerOptions.version"),
    Field("clusterSpec", "autoscaling.upscalingMode", "autoscalerOptions.upscalingMode"),
    Field("clusterSpec", "autoscaling.idleTimeoutSeconds", "autoscalerOptions.idleTimeoutSeconds"),
    Field("clusterSpec", "autoscaling.image", "autoscalerOptions.image"),
    Field("clusterSpec", "autoscaling.imagePullPolicy", "autoscalerOptions.imagePullPolicy"),
    Field("clusterSpec", "autoscaling.resources", "autoscalerOptions.resources"),
    Field("clusterSpec", "autoscaling.env", "autoscalerOptions.env"),
    Field("clusterSpec", "autoscaling.envFrom", "autoscalerOptions.envFrom"),
    Field("clusterSpec", "autoscaling.securityContext", "autoscalerOptions.securityContext"),
    Field("clusterSpec", "autoscaling.command", "autoscalerOptions.command"),
    Field("clusterSpec", "autoscaling.args", "autoscalerOptions.args"),
    Field("clusterSpec", "auth", "authOptions"),
    Field("clusterSpec", "gcsFaultTolerance", "gcsFaultToleranceOptions"),
    Field(
        "clusterSpec",
        "gcsFaultTolerance.backend",
        "gcsFaultToleranceOptions.backend",
        value_gates={"rocksdb": "GCSFaultToleranceEmbeddedStorage"},
    ),
    Field("clusterSpec", "gcsFaultTolerance.storage", "gcsFaultToleranceOptions.storage"),
    Field("clusterSpec", "gcsFaultTolerance.redisAddress", "gcsFaultToleranceOptions.redisAddress"),
    Field("clusterSpec", "gcsFaultTolerance.redisPassword", "gcsFaultToleranceOptions.redisPassword"),
    Field(
        "clusterSpec",
        "gcsFaultTolerance.externalStorageNamespace",
        "gcsFaultToleranceOptions.externalStorageNamespace",
    ),
    Field("clusterSpec", "networkPolicy", "networkPolicy", gate="RayClusterNetworkPolicy"),
    Field("clusterSpec", "tlsOptions", "tlsOptions", gate="RayClusterMTLS"),
    Field("clusterSpec", "historyServer", "historyServerOptions", gate="RayClusterHistoryServer"),
    Field("clusterSpec", "head", "headGroupSpec"),
    Field("clusterSpec", "head.serviceType", "headGroupSpec.serviceType"),
    Field("clusterSpec", "head.rayStartParams", "headGroupSpec.rayStartParams"),
    Field("clusterSpec", "head.service", "headGroupSpec.headService"),
    # the pod template: the group's pod settings (image, resources, env, volumes, ...; render/kube.py)
    # merged with its podTemplate
    Field("clusterSpec", "head.podTemplate", "headGroupSpec.template"),
    Field("clusterSpec", "workerGroups", "workerGroupSpecs"),
    Field("clusterSpec", "workerGroups[].name", "workerGroupSpecs[].groupName"),
    # the autoscaler sets replicas, and scaleStrategy.workersToDelete when it removes a given pod
    Field("clusterSpec", "workerGroups[].replicas", "workerGroupSpecs[].replicas", owner="autoscaler"),
    Field("clusterSpec", None, "workerGroupSpecs[].scaleStrategy", owner="autoscaler"),
    Field("clusterSpec", "workerGroups[].minReplicas", "workerGroupSpecs[].minReplicas"),
    Field("clusterSpec", "workerGroups[].maxReplicas", "workerGroupSpecs[].maxReplicas"),
    Field("clusterSpec", "workerGroups[].numOfHosts", "workerGroupSpecs[].numOfHosts"),
    Field("clusterSpec", "workerGroups[].idleTimeoutSeconds", "workerGroupSpecs[].idleTimeoutSeconds"),
    Field("clusterSpec", "workerGroups[].rayStartParams", "workerGroupSpecs[].rayStartParams"),
    Field("clusterSpec", "workerGroups[].podTemplate", "workerGroupSpecs[].template"),
    # RayCluster only
    Field("cluster", "suspend", "spec.suspend"),
    Field("cluster", "upgradeStrategy", "spec.upgradeStrategy"),
    Field("cluster", "upgradeStrategy.type", "spec.upgradeStrategy.type"),
    # RayJob
    Field("job", "entrypoint", "spec.entrypoint"),
    Field("job", "entrypointNumCpus", "spec.entrypointNumCpus"),
    Field("job", "entrypointNumGpus", "spec.entrypointNumGpus"),
    Field("job", "entrypointResources", "spec.entrypointResources", whole=True),
    Field("job", "jobId", "spec.jobId"),
    Field("job", "runtimeEnv", "spec.runtimeEnvYAML", whole=True),
    Field("job", "submissionMode", "spec.submissionMode", values_since=SUBMISSION_MODES),
    Field("job", "shutdownAfterJobFinishes", "spec.shutdownAfterJobFinishes"),
    Field("job", "ttlSecondsAfterFinished", "spec.ttlSecondsAfterFinished"),
    Field("job", "activeDeadlineSeconds", "spec.activeDeadlineSeconds"),
    Field("job", "backoffLimit", "spec.backoffLimit"),
    Field("job", "suspend", "spec.suspend"),
    Field("job", "preRunningDeadlineSeconds", "spec.preRunningDeadlineSeconds"),
    Field("job", "deletionStrategy", "spec.deletionStrategy", gate=DELETION_GATE),
    Field(
        "job",
        "deletionPolicy",
        "spec.deletionPolicy",
        gate=DELETION_GATE,
        replaced_by="use deletionStrategy (KubeRay >= 1.5.0), or pin KubeRay 1.3 or 1.4",
        not_in=("RayCronJob",),  # gone in 1.5.0, before RayCronJob came in 1.6.0
    ),
    Field("job", "clusterSelector", "spec.clusterSelector"),
    Field("job", "submitter.podTemplate", "spec.submitterPodTemplate"),
    Field("job", "submitter.containerName", "spec.submitterPodTemplate.spec.containers[0].name"),
    # RayService
    Field("service", "serveConfig", "spec.serveConfigV2", whole=True),
    Field("service", "upgradeStrategy", "spec.upgradeStrategy"),
    Field(
        "service",
        "upgradeStrategy.type",
        "spec.upgradeStrategy.type",
        values_since=RAYSERVICE_UPGRADE_TYPES,
        value_gates={INCREMENTAL_UPGRADE: INCREMENTAL_UPGRADE_GATE},
    ),
    Field("service", "upgradeStrategy.clusterUpgradeOptions", "spec.upgradeStrategy.clusterUpgradeOptions"),
    Field("service", "rayClusterDeletionDelaySeconds", "spec.rayClusterDeletionDelaySeconds"),
    Field("service", "suspend", "spec.suspend"),
    Field("service", "excludeHeadPodFromServeSvc", "spec.excludeHeadPodFromServeSvc"),
    Field("service", "serveService", "spec.serveService"),
    # RayCronJob (KubeRay >= 1.6.0): a schedule and a RayJob spec, its `job`
    Field("cron", "schedule", "spec.schedule", gate=CRON_GATE),
    Field("cron", "timeZone", "spec.timeZone"),
    Field("cron", "suspend", "spec.suspend"),
    Field("cron", "job", "spec.jobTemplate"),
    *_pod_setting_fields(),
)

# Fields of the Argo CD and Flux objects that are copied from one environment field, by the field's name.
GITOPS_FIELDS: dict[str, DocPath] = {
    "repoURL": ("gitops", "repoURL"),
    "url": ("gitops", "repoURL"),
    "targetRevision": ("gitops", "targetRevision"),
    "ref": ("gitops", "targetRevision"),
    "interval": ("gitops", "interval"),
    "destination": ("target",),
    "destinations": ("target",),
    "targetNamespace": ("operator", "namespace"),
}


@dataclass(frozen=True)
class KindField:
    """A table entry for one kind: its patterns relative to the environment item and to the object."""

    field: Field
    kind: str
    env: tuple[str | int, ...] | None  # None: nothing in the environment writes it
    crd: tuple[str | int, ...]

    @cached_property  # asked for every field every environment sets
    def crd_path(self) -> str:
        """The CRD path as field-history.json spells it: `spec.workerGroupSpecs[].replicas`."""
        return _join(self.crd)


def kind_fields(kind: str) -> tuple[KindField, ...]:
    """The table's entries for `kind`, with the scope prefixes applied."""
    return _BY_KIND.get(kind, ())


def all_kind_fields() -> tuple[KindField, ...]:
    return _ALL


def _expand(item: Field) -> Iterator[KindField]:
    for kind in SCOPE_KINDS[item.scope]:
        if kind in item.not_in:
            continue
        env_prefix, crd_prefix = CLUSTER_SPEC_AT[kind] if item.scope == "clusterSpec" else ("", "")
        crd = item.crd
        if item.scope == "job":  # job fields are written `spec.X`: X of the kind's RayJob spec
            env_prefix, crd_prefix = JOB_SPEC_AT[kind]
            crd = crd.removeprefix("spec.")
        env = None if item.env is None else _split(_dotted(env_prefix, item.env))
        yield KindField(item, kind, env, _split(_dotted(crd_prefix, crd)))


def _dotted(prefix: str, path: str) -> str:
    return f"{prefix}.{path}" if prefix else path


def _split(path: str) -> tuple[str | int, ...]:
    """`a.b[].c[0]` -> ("a", "b", EVERY, "c", 0)."""
    parts: list[str | int] = []
    for part in path.split("."):
        name, _, index = part.partition("[")
        parts.append(name)
        if index:
            parts.append(EVERY if index == "]" else int(index.rstrip("]")))
    return tuple(parts)


def _join(parts: tuple[str | int, ...]) -> str:
    text = ""
    for part in parts:
        if part == EVERY:
            text += EVERY
        elif isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else part
    return text


_ALL: tuple[KindField, ...] = tuple(entry for item in FIELDS for entry in _expand(item))
# every rule and every located error looks entries up by kind: grouped once, when the table is read
_BY_KIND: dict[str, tuple[KindField, ...]] = {
    kind: tuple(entry for entry in _ALL if entry.kind == kind) for kind in SECTION_KINDS.values()
}

# CRD fields that rules read from what an item's `spec` writes, because no environment field holds them or reading
# an object back into environment fields (importer/convert.py) drops them: a group's suspend and priority, the
# autoscaler's mounts and version (without enableInTreeAutoscaling), the Redis user, a RayJob's or RayService's
# cluster upgradeStrategy, the pods' restartPolicy, submitterConfig, a runtimeEnvYAML that is no runtimeEnv, and the
# groups' init containers (whose names must differ from the containers', rule unique-container-names).
# The rules' reading of a patched object (validate/final_rules.py) writes them into its item's `spec`, so that a
# patch writing one is checked as `spec` writing it is.
SPEC_READ: tuple[Field, ...] = (
    Field("clusterSpec", None, "workerGroupSpecs[].suspend"),
    Field("clusterSpec", None, "workerGroupSpecs[].priority"),
    Field("clusterSpec", None, "autoscalerOptions.version"),
    Field("clusterSpec", None, "autoscalerOptions.volumeMounts"),
    Field("clusterSpec", None, "gcsFaultToleranceOptions.redisUsername"),
    Field("clusterSpec", None, "upgradeStrategy", not_in=("RayCluster",)),
    Field("clusterSpec", None, "headGroupSpec.template.spec.restartPolicy"),
    Field("clusterSpec", None, "workerGroupSpecs[].template.spec.restartPolicy"),
    Field("clusterSpec", None, "headGroupSpec.template.spec.initContainers"),
    Field("clusterSpec", None, "workerGroupSpecs[].template.spec.initContainers"),
    Field("job", None, "spec.submitterConfig"),
    Field("job", None, "spec.runtimeEnvYAML"),
)
_SPEC_READ_BY_KIND: dict[str, tuple[DocPath, ...]] = {
    kind: tuple(entry.crd for item in SPEC_READ for entry in _expand(item) if entry.kind == kind)
    for kind in SECTION_KINDS.values()
}


def spec_read_paths(kind: str) -> tuple[DocPath, ...]:
    """The SPEC_READ patterns of `kind`, from the object's root (`spec`, ...), `EVERY` for each list item."""
    return _SPEC_READ_BY_KIND.get(kind, ())


Match = tuple[KindField, tuple[int, ...], DocPath]


def match_crd(kind: str, rendered: DocPath) -> Match | None:
    """The entry of `kind` whose CRD path is the longest prefix of `rendered`, the list indices that its
    `[]` parts matched, and the rest of `rendered` below it."""
    matches = all_matches(kind, rendered)
    return matches[0] if matches else None


def all_matches(kind: str, rendered: DocPath) -> list[Match]:
    """Every entry of `kind` whose CRD path is a prefix of `rendered`, the longest first."""
    found: list[Match] = []
    for entry in kind_fields(kind):
        indices = _prefix_indices(entry.crd, rendered)
        if indices is not None:
            found.append((entry, indices, tuple(rendered[len(entry.crd) :])))
    return sorted(found, key=lambda match: -len(match[0].crd))


def crd_path_of(kind: str, env: DocPath) -> DocPath | None:
    """Where the object of `kind` holds what its item holds at `env` (relative to the item): by the entry whose
    environment pattern is `env`, or is a prefix of it and has no entry below it (its value is the object's as
    it is: a group's ports, its podTemplate), the rest appended; a whole-string entry (`whole`) names the string.
    None where no entry says: below an entry that others refine, the object's shape may differ (a group's
    `limits` are its container's resources.limits)."""
    for entry in kind_fields(kind):
        if entry.env is None or len(entry.env) > len(env):
            continue
        indices = _prefix_indices(entry.env, env)
        if indices is None:
            continue
        if len(entry.env) == len(env) or entry.field.whole:
            return fill(entry.crd, indices)
        if entry.env not in _REFINED[kind]:
            return (*fill(entry.crd, indices), *env[len(entry.env) :])
    return None


def _prefix_indices(pattern: tuple[str | int, ...], path: DocPath) -> tuple[int, ...] | None:
    if len(path) < len(pattern):
        return None
    indices: list[int] = []
    for expected, actual in zip(pattern, path, strict=False):
        if expected == EVERY:
            if not isinstance(actual, int):
                return None
            indices.append(actual)
        elif expected != actual:
            return None
    return tuple(indices)


def fill(pattern: tuple[str | int, ...], indices: tuple[int, ...]) -> DocPath:
    """A pattern with its `[]` parts replaced by `indices`, in order."""
    remaining = iter(indices)
    return tuple(next(remaining) if part == EVERY else part for part in pattern)


@dataclass
class _PatternNode:
    """The environment patterns of one kind's table entries as a tree: each item is walked once, not once
    per entry (the table has hundreds)."""

    ends: list[int] = field(default_factory=list)  # indices into kind_fields(kind) of the patterns ending here
    children: dict[str | int, _PatternNode] = field(default_factory=dict)


def _pattern_tree(entries: tuple[KindField, ...]) -> _PatternNode:
    root = _PatternNode()
    for index, entry in enumerate(entries):
        if entry.env is None:
            continue
        node = root
        for part in entry.env:
            node = node.children.setdefault(part, _PatternNode())
        node.ends.append(index)
    return root


def _walk(node: _PatternNode, data: Any, path: DocPath, found: list[tuple[int, DocPath, Any]]) -> None:
    """Every concrete path of each pattern of the tree that is set (not None) in `data`, as (entry index, path,
    value)."""
    if data is None:
        return
    found.extend((index, path, data) for index in node.ends)
    for part, child in node.children.items():
        if part == EVERY:
            if isinstance(data, list):
                for index, item in enumerate(data):
                    _walk(child, item, (*path, index), found)
        elif isinstance(data, dict) and part in data:
            _walk(child, data[part], (*path, part), found)


def environment_occurrences(data: Mapping[str, Any]) -> Iterator[tuple[KindField, DocPath, Any]]:
    """Every table field that the environment sets, with its full environment path and value: by item, in
    the table's order, each entry's places in the order of the data."""
    for section, kind in SECTION_KINDS.items():
        entries = kind_fields(kind)
        for index, item in enumerate(data.get(section, [])):
            found: list[tuple[int, DocPath, Any]] = []
            _walk(_PATTERN_TREES[kind], item, (), found)
            found.sort(key=lambda occurrence: occurrence[0])  # stable: each entry's places keep their order
            for entry_index, path, value in found:
                yield entries[entry_index], (section, index, *path), value


_PATTERN_TREES = {kind: _pattern_tree(entries) for kind, entries in _BY_KIND.items()}
# the environment patterns of each kind that other entries refine (head: head.serviceType, ...)
_REFINED: dict[str, frozenset[tuple[str | int, ...]]] = {
    kind: frozenset(
        entry.env[:length] for entry in entries if entry.env is not None for length in range(1, len(entry.env))
    )
    for kind, entries in _BY_KIND.items()
}


def runtime_owned(kind: str, owner: Owner) -> tuple[KindField, ...]:
    """The entries of `kind` that `owner` writes at run time, in table order."""
    return tuple(entry for entry in kind_fields(kind) if entry.field.owner == owner)


def gated_occurrences(
    occurrences: Iterable[tuple[KindField, DocPath, Any]],
) -> Iterator[tuple[DocPath, str, str]]:
    """Each set field (or field value) of `occurrences` that needs an operator feature gate: its path, the gate,
    and how to name what needs it."""
    for entry, path, value in occurrences:
        if entry.field.gate is not None:
            yield path, entry.field.gate, str(path[-1])
        if isinstance(value, str) and value in entry.field.value_gates:
            yield path, entry.field.value_gates[value], f"{path[-2]} {value}"
