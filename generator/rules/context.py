"""What every rule sees: the schema-valid environment data with its origins (to locate what the user wrote),
and the model's settings with their defaults applied (so that no rule works a default out again)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar, cast

from generator.errors import DocPath, InternalError, Location, Problem, Severity
from generator.input.resolve import is_keyed_list, merge, merged_lists
from generator.model.build import (
    DEFAULT_SUBMISSION_MODE,
    ContainerLayers,
    container_layers,
    cron_job_template,
    gitops_settings,
    group_image,
    group_mapping,
    merged_by_name,
    operator_settings,
    ray_container,
    submitter_container,
    written_cluster_spec,
    written_group_at,
    written_job_spec,
    written_job_spec_at,
)
from generator.model.fields import (
    CLUSTER_ITEM,
    CLUSTER_SPEC,
    OVERRIDE,
    SECTION_KINDS,
    KindField,
    environment_occurrences,
)
from generator.model.types import GitOps, Operator
from generator.releases import FieldHistory, KubeRayRelease, version_key
from generator.source import GENERATED, Origin, locate, value_at

Derived = TypeVar("Derived")


@dataclass(frozen=True)
class RuleContext:
    file: Path
    data: dict[str, Any]
    origin: Origin
    release: KubeRayRelease
    history: FieldHistory
    rule: str = ""  # the id of the rule running, which every problem it finds carries (set by its runner)
    severity: Severity = "error"  # the severity of the rule running
    # What is worked out from `data` once for all the rules: `for_rule` copies share this dictionary.
    derived: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def version(self) -> str:
        return self.release.version

    def since(self, release: str) -> bool:
        """Whether the environment pins `release` or a later one: the release a rule's check came with."""
        return version_key(self.release.version) >= version_key(release)

    def __reduce__(self) -> tuple[Any, ...]:
        # what the rules worked out stays in the process that ran them: a worker sends the context without it
        return (RuleContext, (self.file, self.data, self.origin, self.release, self.history, self.rule, self.severity))

    def once(self, name: str, compute: Callable[[], Derived]) -> Derived:
        """`compute()`, worked out on the first call for this environment and shared by every rule after."""
        if name not in self.derived:
            self.derived[name] = compute()
        return cast(Derived, self.derived[name])

    @property
    def operator(self) -> Operator:
        """The operator settings as the model has them, defaults applied."""
        return self.once("operator", lambda: operator_settings(self.data.get("operator", {})))

    @property
    def gitops(self) -> GitOps:
        """The GitOps settings as the model has them, defaults applied."""
        return self.once("gitops", lambda: gitops_settings(self.data["gitops"]))

    @property
    def occurrences(self) -> tuple[tuple[KindField, DocPath, Any], ...]:
        """`environment_occurrences` of the data: every field of the field table that the environment sets."""
        return self.once("occurrences", lambda: tuple(environment_occurrences(self.data)))

    def at(self, path: DocPath, *, at_key: bool = False) -> Location:
        return locate(self.origin, path, at_key=at_key)

    def problem(self, path: DocPath, message: str, hint: str | None = None, *, at_key: bool = False) -> Problem:
        if not self.rule:
            raise InternalError(f"a problem was reported outside a rule: {message}")
        return Problem(self.at(path, at_key=at_key), path, message, hint, rule=self.rule, severity=self.severity)

    def for_rule(self, rule: str, severity: Severity = "error") -> RuleContext:
        """This context, for the rule `rule`: the problems found through it carry its id and severity."""
        # built directly: dataclasses.replace, asked for each rule of each environment, cost as much as a rule
        return RuleContext(self.file, self.data, self.origin, self.release, self.history, rule, severity, self.derived)

    @property
    def cluster_specs(self) -> tuple[ClusterSpecAt, ...]:
        """`cluster_specs` of the data, which a dozen rules read."""
        return self.once("cluster-specs", lambda: tuple(cluster_specs(self.data)))


@dataclass(frozen=True)
class ClusterSpecAt:
    """A cluster spec wherever it appears: a RayCluster, a RayJob's cluster, a RayService's cluster."""

    path: DocPath
    spec: dict[str, Any]
    # what the item's `spec` writes of this cluster spec, merged over it last (None: nothing); read by a dozen
    # rules for each group, so worked out once
    written: Any = None


def cluster_specs(data: dict[str, Any]) -> Iterator[ClusterSpecAt]:
    """Every cluster spec of the environment that the rendered objects have, where the field table says each kind
    keeps it: not one whose place the item's `spec` writes a null over (or anything but a mapping), as a RayJob
    that takes a clusterSelector instead may."""
    for section, kind in SECTION_KINDS.items():
        keys = CLUSTER_ITEM[kind]
        for index, item in enumerate(data.get(section, [])):
            spec = value_at(item, keys)
            if isinstance(spec, dict) and not _written_away(item, kind):
                yield ClusterSpecAt((section, index, *keys), spec, written_cluster_spec(item, kind))


def _written_away(item: dict[str, Any], kind: str) -> bool:
    """Whether the item's `spec` writes something other than a mapping at the cluster spec's place or above it:
    the merge then leaves no generated cluster spec (input/resolve.py)."""
    written = item.get(OVERRIDE)
    for key in CLUSTER_SPEC[kind]:
        if not isinstance(written, dict) or key not in written:
            return False
        written = written[key]
        if not isinstance(written, dict):
            return True
    return False


def job_items(data: dict[str, Any]) -> Iterator[tuple[DocPath, dict[str, Any]]]:
    """Every RayJob spec of the environment with its path: each jobs[] item, and each RayCronJob's `job`
    (as a jobs[] item of the RayCronJob's name, which the operator validates as a RayJob spec)."""
    for index, job in enumerate(data.get("jobs", [])):
        yield ("jobs", index), job
    for index, cron in enumerate(data.get("cronJobs", [])):
        if isinstance(cron.get("job"), dict):
            yield ("cronJobs", index, "job"), cron_job_template(cron)


def written_by_spec(spec_at: ClusterSpecAt, crd_path: DocPath) -> Any:
    """What the item's `spec` writes at `crd_path` of the cluster spec at `spec_at` (None: nothing): the `spec`
    is merged over the rendered object last, so its value is the rendered one."""
    return value_at(spec_at.written, crd_path)


def rendered_value(data: dict[str, Any], spec_at: ClusterSpecAt, crd_path: DocPath, structured: Any) -> Any:
    """The value the rendered cluster spec has at `crd_path`: what the item's `spec` writes there (its null
    removes the field: None), else `structured`, what the structured fields give."""
    parent = value_at(data, spec_path(spec_at, crd_path[:-1]))
    return parent[crd_path[-1]] if isinstance(parent, dict) and crd_path[-1] in parent else structured


def merged_with_spec(structured: Any, written: Any, key: str) -> Any:
    """The value a rendered object has at `key` of a mapping whose structured value is `structured`, where
    `written` is what the item's `spec` writes of that mapping: its value at `key` merged over the structured one
    by the renderer's merge (a null removes it, a mapping merges, anything else replaces), else the structured
    one."""
    if not isinstance(written, dict) or key not in written:
        return structured
    return merge(structured, GENERATED, written[key], GENERATED)[0]


def spec_path(spec_at: ClusterSpecAt, crd_path: DocPath) -> DocPath:
    """Where the item's `spec` writes `crd_path` of the cluster spec at `spec_at`."""
    section, index = str(spec_at.path[0]), int(spec_at.path[1])
    return (section, index, OVERRIDE, *CLUSTER_SPEC[SECTION_KINDS[section]], *crd_path)


def rendered_image(spec_at: ClusterSpecAt, group: dict[str, Any], head: bool, defaults: dict[str, Any]) -> str | None:
    """The image of a group's Ray container as rendered, what its item's `spec` writes included."""
    return group_image(group, spec_at.spec, defaults, head, spec_at.written)


def written_job(data: dict[str, Any], job_path: DocPath) -> Any:
    """What the item's `spec` writes of the RayJob spec at `job_path` (a job, or a RayCronJob's `job`)."""
    return written_job_spec(item_of(data, job_path), SECTION_KINDS[str(job_path[0])])


def submission_mode(data: dict[str, Any], job_path: DocPath, job: dict[str, Any]) -> str:
    """A RayJob's submissionMode as rendered: what the item's `spec` writes (merged last; a null removes it), else
    the structured field, else the CRD's default."""
    written = written_job(data, job_path)
    if isinstance(written, dict) and "submissionMode" in written:
        mode = written["submissionMode"]  # a null removes it: the CRD's default then
    else:
        mode = job.get("submissionMode")
    return str(mode or DEFAULT_SUBMISSION_MODE)


def item_of(data: dict[str, Any], path: DocPath) -> dict[str, Any]:
    """The Ray object item that a path below `clusters`, `jobs`, `services` or `cronJobs` lies in."""
    item = value_at(data, path[:2])
    return item if isinstance(item, dict) else {}


def groups(spec_at: ClusterSpecAt) -> Iterator[tuple[DocPath, dict[str, Any]]]:
    """The head and each worker group of a cluster spec, with their paths (`worker_groups`)."""
    if "head" in spec_at.spec:
        yield (*spec_at.path, "head"), spec_at.spec["head"]
    yield from worker_groups(spec_at)


def worker_groups(spec_at: ClusterSpecAt) -> Iterator[tuple[DocPath, dict[str, Any]]]:
    """Each structured worker group of a cluster spec, with its path, unless the rendered object has none of them:
    the item's `spec` may write workerGroupSpecs that replace them (an empty list, one not keyed by groupName) or
    remove them (null), as the merge of `spec` does (input/resolve.py)."""
    written = spec_at.written
    if isinstance(written, dict) and "workerGroupSpecs" in written:
        ((replaced, _, _),) = merged_lists([((), written["workerGroupSpecs"])], "groupName")
        if replaced:
            return
    for index, group in enumerate(spec_at.spec.get("workerGroups", [])):
        yield (*spec_at.path, "workerGroups", index), group


def written_group(data: dict[str, Any], spec_at: ClusterSpecAt, group_path: DocPath) -> tuple[Any, DocPath]:
    """The entry that the item's `spec` writes for the group at `group_path` (headGroupSpec, or the
    workerGroupSpecs entry of its name; None: none), and where it stands in the environment."""
    written = spec_at.written
    if written is None:  # most items write no `spec`: nothing to find, and no place is asked for
        return None, ()
    at = written_group_at(written, value_at(data, group_path), group_path[-1] == "head")
    return value_at(written, at), spec_path(spec_at, at)


def ray_container_layers(data: dict[str, Any], spec_at: ClusterSpecAt, group_path: DocPath) -> ContainerLayers:
    """What the group's podTemplate and then its item's `spec` merge into the group's Ray container, with where
    each is written in the environment (model/build.py container_layers)."""
    group = value_at(data, group_path)
    entry, entry_at = written_group(data, spec_at, group_path)
    pod_at = ("template", "spec")
    return container_layers(
        group,
        ray_container(group, group_path[-1] == "head"),
        value_at(entry, pod_at),
        group_path,
        (*entry_at, *pod_at),
    )


def submitter_pod_jobs(data: dict[str, Any]) -> Iterator[tuple[DocPath, dict[str, Any]]]:
    """Each job whose RayJob runs a submitter pod, with its path: in K8sJobMode only (rayjob_controller.go:230-231
    at v1.7.0; deleteSubmitterJob, 758-762 there, has none to delete in HTTPMode and SidecarMode); the other modes
    submit through the dashboard or a sidecar, and never create a pod from the submitter's template."""
    for job_path, job in job_items(data):
        if submission_mode(data, job_path, job) == DEFAULT_SUBMISSION_MODE:
            yield job_path, job


def written_submitter_pod_at(job_path: DocPath) -> DocPath:
    """Where the item's `spec` writes the submitter's pod spec of the job at `job_path` (submitterPodTemplate)."""
    return (*job_path[:2], *written_job_spec_at(SECTION_KINDS[str(job_path[0])]), "submitterPodTemplate", "spec")


def submitter_layers(data: dict[str, Any], job_path: DocPath, generated: bool) -> ContainerLayers:
    """What the submitter's podTemplate and then the job's `spec` merge into the submitter container of the job
    at `job_path` (a job, or a RayCronJob's `job`), with where each is written in the environment."""
    job = value_at(data, job_path)
    pod_at = written_submitter_pod_at(job_path)
    return container_layers(
        job.get("submitter", {}),
        submitter_container(job),
        value_at(data, pod_at),
        (*job_path, "submitter"),
        pod_at,
        generated=generated,
    )


def ray_start_params(
    data: dict[str, Any], spec_at: ClusterSpecAt, group_path: DocPath
) -> dict[str, tuple[Any, DocPath]]:
    """A group's rayStartParams as rendered, each with where it is written: the group's, then what the item's
    `spec` writes for the group (model/build.py group_mapping)."""
    entry, entry_at = written_group(data, spec_at, group_path)
    return group_mapping(value_at(data, group_path), "rayStartParams", entry, "rayStartParams", group_path, entry_at)


def ray_container_env(
    data: dict[str, Any], spec_at: ClusterSpecAt, group_path: DocPath, defaults: dict[str, Any]
) -> dict[str, tuple[Any, DocPath]]:
    """Each variable of a group's Ray container as rendered, by name: its value and where its name is written
    (_ray_container_items)."""
    items = ray_container_env_items(data, spec_at, group_path, defaults)
    return {name: (item.get("value"), (*at, "name")) for name, (item, at) in items.items()}


def ray_container_env_items(
    data: dict[str, Any],
    spec_at: ClusterSpecAt,
    group_path: DocPath,
    defaults: dict[str, Any],
    layers: ContainerLayers | None = None,
) -> dict[Any, tuple[Mapping[str, Any], DocPath]]:
    """Each variable of a group's Ray container as rendered, by name: the whole item, merged (a podTemplate's
    `valueFrom` lands beside a generated `value`), and where the last layer that writes it stands."""
    generated = {
        name: (variable.item, variable.written_at(group_path))
        for name, variable in merged_by_name(value_at(data, group_path), defaults, "env").items()
    }
    return _ray_container_items(data, spec_at, group_path, "env", "name", generated, layers)


def ray_container_mounts(
    data: dict[str, Any], spec_at: ClusterSpecAt, group_path: DocPath, defaults: dict[str, Any]
) -> list[tuple[Any, Any, DocPath]]:
    """Each volume mount of a group's Ray container as rendered: (name, mountPath, where it is written): the
    group's (or the defaults') volumes, merged by mountPath, the merge key of volumeMounts (_ray_container_items)."""
    generated = {
        volume.item.get("mountPath"): (volume.item, volume.written_at(group_path))
        for volume in merged_by_name(value_at(data, group_path), defaults, "volumes").values()
    }
    items = _ray_container_items(data, spec_at, group_path, "volumeMounts", "mountPath", generated)
    return [(item.get("name"), mount_path, at) for mount_path, (item, at) in items.items()]


def ray_container_ports(
    data: dict[str, Any], spec_at: ClusterSpecAt, group_path: DocPath
) -> list[tuple[Mapping[str, Any], DocPath]] | None:
    """Each port of a group's Ray container as rendered, with where it is written: the group's, then what the
    podTemplate and the item's `spec` write, merged by name (_ray_container_items); the unnamed ports of a list
    that replaces the ones before it too. None where the container cannot be read."""
    layers = ray_container_layers(data, spec_at, group_path)
    if not layers.readable:
        return None
    group = value_at(data, group_path)
    written = group.get("ports", []) if isinstance(group, dict) else []
    generated: dict[Any, tuple[Mapping[str, Any], DocPath]] = {
        port["name"]: (port, (*group_path, "ports", index))
        for index, port in enumerate(written if isinstance(written, list) else [])
        if isinstance(port, dict) and isinstance(port.get("name"), str)
    }
    named = _ray_container_items(data, spec_at, group_path, "ports", "name", generated, layers)
    ports = list(named.values())
    lists = [((*at, "ports"), container["ports"]) for at, container in layers.parts if "ports" in container]
    if lists and isinstance(lists[-1][1], list) and not is_keyed_list(lists[-1][1], "name"):
        at, items = lists[-1]
        ports += [
            (item, (*at, index))
            for index, item in enumerate(items)
            if isinstance(item, dict) and not isinstance(item.get("name"), str)
        ]
    return ports


def _ray_container_items(
    data: dict[str, Any],
    spec_at: ClusterSpecAt,
    group_path: DocPath,
    key: str,
    merge_key: str,
    generated: dict[Any, tuple[Mapping[str, Any], DocPath]],
    layers: ContainerLayers | None = None,
) -> dict[Any, tuple[Mapping[str, Any], DocPath]]:
    """The items of a group's Ray container's list `key` as rendered, by `merge_key`, each with where it is
    written: the `generated` ones (the group's or the defaults'), then what the podTemplate and the item's
    `spec` write for the container, merged as input/resolve.py merges (merged_lists): a keyed list merges item by
    item (an item keeps a key it leaves out from the one it lands on), another one replaces, a null removes."""
    if layers is None:  # else the caller's, read already
        layers = ray_container_layers(data, spec_at, group_path)
    found = {} if layers.replaced else dict(generated)
    lists = [((*at, key), container[key]) for at, container in layers.parts if key in container]
    for replaces, at, items in merged_lists(lists, merge_key):
        if replaces:
            found = {}
        for position, item in enumerate(items):
            if isinstance(item, dict) and isinstance(item.get(merge_key), str):
                before = found.get(item[merge_key], ({}, ()))[0]
                found[item[merge_key]] = ({**before, **item}, (*at, position))
    return found
