"""Two rendered trees compared per environment and object: field changes, their impact on the running Ray
workloads, and the capacity before and after."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

from generator.review.capacity import Capacity, cluster_capacity, cluster_spec, object_capacities, total
from generator.review.fields import FieldChange, field_changes
from generator.review.impact import Impact, object_impacts, renamed_job
from generator.review.trees import ObjectKey, Objects, Tree

SECOND_CLUSTER = "starts a second RayCluster"


@dataclass(frozen=True)
class ObjectDiff:
    key: ObjectKey
    state: str  # added, removed, changed, renamed
    changes: list[FieldChange] = field(default_factory=list)
    impacts: list[Impact] = field(default_factory=list)
    renamed_from: str | None = None


@dataclass(frozen=True)
class EnvironmentDiff:
    name: str
    state: str  # added, removed, changed
    objects: list[ObjectDiff]
    impacts: list[Impact]
    before: Capacity
    after: Capacity
    upgrade_peak: Capacity | None  # while RayServices run their old and new cluster side by side

    @property
    def all_impacts(self) -> list[Impact]:
        return [*self.impacts, *(impact for diff in self.objects for impact in diff.impacts)]


def diff_trees(base: Tree, head: Tree, selected: Collection[str] = ()) -> list[EnvironmentDiff]:
    names = sorted(set(base) | set(head))
    diffs = []
    for name in names:
        if selected and name not in selected:
            continue
        found = _environment(name, base.get(name), head.get(name))
        if found.objects:
            diffs.append(found)
    return diffs


def _environment(name: str, old: Objects | None, new: Objects | None) -> EnvironmentDiff:
    before, after = old or {}, new or {}
    objects = _objects(before, after)
    impacts: list[Impact] = []
    if old is None:
        impacts.append(Impact("info", f"new environment {name}: the sync creates its namespace and objects"))
    elif new is None:
        impacts.append(
            Impact(
                "danger",
                f"ENVIRONMENT {name} IS REMOVED: the sync prunes its namespace, its Ray clusters, jobs and services",
            )
        )
    capacity_before = total(object_capacities(before).values())
    capacity_after = total(object_capacities(after).values())
    peak = _upgrade_peak(objects, before, capacity_after)
    state = "added" if old is None else "removed" if new is None else "changed"
    return EnvironmentDiff(name, state, objects, impacts, capacity_before, capacity_after, peak)


def _objects(before: Objects, after: Objects) -> list[ObjectDiff]:
    diffs: list[ObjectDiff] = []
    removed = [key for key in sorted(before) if key not in after]
    added = [key for key in sorted(after) if key not in before]
    renames: dict[ObjectKey, ObjectKey] = {}
    for new_key in added:
        old_key = next(
            (key for key in removed if key not in renames.values() and renamed_job(before[key], after[new_key])), None
        )
        if old_key is not None:
            renames[new_key] = old_key
    for key in sorted(set(before) | set(after)):
        if key in renames.values():
            continue
        old, new = before.get(key), after.get(key)
        if key in renames:
            diffs.append(_renamed(key, renames[key]))
            continue
        changes = list(field_changes(old or {}, new or {})) if old is not None and new is not None else []
        if old is not None and new is not None and not changes:
            continue
        state = "added" if old is None else "removed" if new is None else "changed"
        diffs.append(ObjectDiff(key, state, changes, object_impacts(key, old, new, changes)))
    return diffs


def _renamed(key: ObjectKey, old_key: ObjectKey) -> ObjectDiff:
    impact = Impact(
        "notice",
        f"renamed from {old_key.name}: the job runs again under the new name, and the RayJob {old_key.name} is "
        "deleted (it stops if it still runs)",
    )
    return ObjectDiff(key, "renamed", [], [impact], renamed_from=old_key.name)


def _upgrade_peak(objects: list[ObjectDiff], before: Objects, after: Capacity) -> Capacity | None:
    """The capacity while each RayService that starts a second cluster still runs its old one."""
    old_clusters: list[Capacity] = []
    for diff in objects:
        if any(impact.text.startswith(SECOND_CLUSTER) for impact in diff.impacts):
            spec = cluster_spec(before[diff.key])
            if spec is not None:
                old_clusters.append(cluster_capacity(spec))
    return after + total(old_clusters) if old_clusters else None
