"""What a change of the rendered objects does to the running Ray workloads, in words, from how the KubeRay
operator treats each kind (docs/gitops.md, "What a change does", has the sources):

- RayService: a change of `rayClusterConfig` starts a new RayCluster and moves traffic to it when it is
  ready (room for both is needed meanwhile); under `upgradeStrategy: None` it is not applied at all;
  `NewClusterWithIncrementalUpgrade` moves traffic step by step. A Serve-config-only change is applied in
  place.
- RayCluster: a pod template change does not restart running pods, unless `upgradeStrategy: Recreate`
  (KubeRay >= 1.6.0) deletes and recreates them; worker replicas of an autoscaled group belong to the
  autoscaler after creation.
- RayJob: a submitted job does not pick up spec changes; a new name runs it again.
- The operator: new values restart it; a new KubeRay release upgrades the CRDs first.
- A removed environment: its namespace and everything in it are deleted.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from generator.model.fields import runtime_owned
from generator.review.capacity import chart_cluster
from generator.review.fields import FieldChange, field_changes
from generator.review.trees import VALUES, ObjectKey

Level = Literal["info", "notice", "danger"]
# Worker group fields the autoscaler writes at run time, as the field table marks them (`owner="autoscaler"`).
AUTOSCALER_OWNED = tuple(str(entry.crd[-1]) for entry in runtime_owned("RayCluster", "autoscaler"))
BOUNDS = ("minReplicas", "maxReplicas")
# Cluster fields the operator builds pods from besides their templates: the autoscaler sidecar of the head pod
# (DefaultHeadPodTemplate, common/pod.go:243-276 at v1.7.0), which a running head pod keeps as it was built
POD_BUILDING = (("autoscalerOptions",), ("enableInTreeAutoscaling",))


@dataclass(frozen=True)
class Impact:
    level: Level
    text: str


def object_impacts(
    key: ObjectKey, old: Mapping[str, Any] | None, new: Mapping[str, Any] | None, changes: list[FieldChange]
) -> list[Impact]:
    if old is None and new is not None:
        return list(_added(key))
    if new is None:
        return list(_removed(key))
    if old is None:
        return []
    kind = key.kind
    if kind == "RayService":
        return list(_ray_service(old, new, changes))
    if kind == "RayCluster":
        return list(_ray_cluster(new, changes))
    if kind == "RayJob":
        return list(_ray_job(changes))
    if kind == VALUES and key.name.startswith("operator/"):
        return [_operator_values(old, new)]
    charted = chart_cluster(key, old), chart_cluster(key, new)
    if charted[0] is not None and charted[1] is not None:  # a RayCluster of the ray-cluster chart
        return list(_ray_cluster(charted[1], list(field_changes(charted[0], charted[1]))))
    if kind == "ConfigMap":
        return [Impact("info", "mounted files follow within about a minute; processes that read them at start do not")]
    return [Impact("info", "GitOps wiring: applied by the next sync, no Ray pod restarts")] if changes else []


def renamed_job(old: Mapping[str, Any], new: Mapping[str, Any]) -> bool:
    """The same RayJob under another name: everything but the name is equal."""
    return old.get("kind") == new.get("kind") == "RayJob" and _without_name(old) == _without_name(new)


def _without_name(document: Mapping[str, Any]) -> dict[str, Any]:
    metadata = {key: value for key, value in (document.get("metadata") or {}).items() if key != "name"}
    return {**document, "metadata": metadata}


def _added(key: ObjectKey) -> Iterator[Impact]:
    texts = {
        "RayCluster": "creates the RayCluster: its head and worker pods start",
        "RayJob": "submits a new job: its RayCluster starts, runs the entrypoint once",
        "RayService": "creates a RayCluster and deploys the Serve applications on it",
        "Namespace": "creates the namespace",
    }
    if key.kind in texts:
        yield Impact("info", texts[key.kind])


def _removed(key: ObjectKey) -> Iterator[Impact]:
    texts: dict[str, tuple[Level, str]] = {
        "RayCluster": ("danger", "deletes the RayCluster: its pods stop, with whatever runs on them"),
        "RayJob": ("danger", "deletes the RayJob: a running job stops and its cluster is deleted"),
        "RayService": ("danger", "deletes the RayService, its cluster and its Serve endpoints"),
        "Namespace": (
            "danger",
            f"DELETES NAMESPACE {key.name} AND EVERYTHING IN IT when the sync prunes it: every Ray cluster, job and "
            "service there stops",
        ),
    }
    if key.kind in texts:
        level, text = texts[key.kind]
        yield Impact(level, text)


def _ray_service(old: Mapping[str, Any], new: Mapping[str, Any], changes: list[FieldChange]) -> Iterator[Impact]:
    suspend = [change for change in changes if change.path == ("spec", "suspend")]
    if suspend:
        yield _suspend_impact(suspend[0].new, "KubeRay deletes the service's clusters and its Serve endpoints stop")
    prefix = ("spec", "rayClusterConfig")
    cluster = [change for change in changes if change.path[:2] == prefix and not _hash_muted(change, 2)]
    serve = [change for change in changes if change.path[:2] == ("spec", "serveConfigV2")]
    strategy = str(((new.get("spec") or {}).get("upgradeStrategy") or {}).get("type", "NewCluster"))
    if cluster and _groups_appended(old, new):
        yield Impact("info", "new worker groups at the end: added to the running cluster in place, no new RayCluster")
        cluster = []
    if cluster and strategy == "None":
        yield Impact(
            "notice",
            "rayClusterConfig changed, but upgradeStrategy is None: KubeRay does not apply it to the running cluster",
        )
    elif cluster and strategy == "NewClusterWithIncrementalUpgrade":
        yield Impact(
            "notice",
            "incremental upgrade: a new RayCluster is scaled up step by step while the Gateway moves traffic to it",
        )
    elif cluster:
        yield Impact(
            "notice",
            "starts a second RayCluster and moves traffic to it once it is ready (zero-downtime upgrade): the "
            "Kubernetes cluster needs room for both meanwhile, or the new one stays Pending (unless the operator "
            "runs with ENABLE_ZERO_DOWNTIME=false, which leaves the change unapplied)",
        )
    new_cluster = bool(cluster) and strategy != "None"
    if serve and not new_cluster:
        yield Impact("info", "Serve config: applied in place on the running cluster, no new RayCluster")
    elif serve:
        yield Impact("info", "the new Serve config is deployed on the new cluster")
    yield from _muted_in_service(changes)


def _hash_muted(change: FieldChange, depth: int) -> bool:
    """Fields KubeRay leaves out when it decides whether a RayService needs a new cluster
    (GenerateHashWithoutReplicasAndWorkersToDelete, utils/util.go:645 at v1.7.0; rayservice_controller.go:1098
    at v1.3.0): worker replicas, minReplicas, maxReplicas and workersToDelete; from 1.6.0 also tolerations and
    schedulingGates, which report their own impact."""
    path = change.path[depth:]
    if len(path) >= 3 and path[0] == "workerGroupSpecs" and path[2] in (*AUTOSCALER_OWNED, *BOUNDS):
        return True
    return _scheduling_field(change, depth)


def _scheduling_field(change: FieldChange, depth: int) -> bool:
    return any(part in ("tolerations", "schedulingGates") for part in change.path[depth:])


def _muted_in_service(changes: list[FieldChange]) -> Iterator[Impact]:
    bounds = [
        change for change in changes if change.path[:2] == ("spec", "rayClusterConfig") and _hash_muted(change, 2)
    ]
    groups = sorted({change.path[3].strip("[]") for change in bounds if not _scheduling_field(change, 2)})
    if groups:
        yield Impact(
            "info",
            f"replicas and bounds of {', '.join(groups)}: not applied, KubeRay leaves them out when it compares "
            "a RayService's cluster, so the running cluster keeps its values (kuberay#4568)",
        )
    if any(_scheduling_field(change, 2) for change in bounds):
        yield Impact(
            "notice",
            "tolerations or schedulingGates: from KubeRay 1.6.0 not applied to the running cluster (left out of the "
            "comparison); before 1.6.0 they start a second RayCluster",
        )


def _suspend_impact(value: Any, what: str) -> Impact:
    if value is True:
        return Impact("danger", f"suspend: {what}")
    return Impact("info", "resumes: KubeRay creates the cluster again")


def _ray_job(changes: list[FieldChange]) -> Iterator[Impact]:
    suspend = [change for change in changes if change.path == ("spec", "suspend")]
    if suspend and suspend[0].new is True:
        yield Impact("danger", "suspend: the job stops and its RayCluster is deleted")
    elif suspend:
        yield Impact("info", "resumes: the job's RayCluster is created and the job submitted")
    if any(change.path != ("spec", "suspend") for change in changes):
        yield Impact(
            "notice",
            "a submitted RayJob is not run again and its running cluster keeps its spec: the change reaches only "
            "a RayJob created anew (rename the job to run it again)",
        )


def _ray_cluster(new: Mapping[str, Any], changes: list[FieldChange]) -> Iterator[Impact]:
    spec = new.get("spec") or {}
    # what the pods are made of: their templates, and the autoscaler the operator puts into the head pod
    pods = [
        change
        for change in changes
        if change.path[1:2] in (("headGroupSpec",), ("workerGroupSpecs",), *POD_BUILDING)
        and not _autoscaler_owned(change, 1)
        and not (len(change.path) == 4 and change.path[3] in BOUNDS)
    ]
    if pods and (spec.get("upgradeStrategy") or {}).get("type") == "Recreate":
        yield Impact("danger", "upgradeStrategy Recreate: every pod is deleted and created again with the new spec")
    elif pods:
        yield Impact(
            "notice",
            "running pods keep their old spec; only pods created from now on get the new one (upgradeStrategy: "
            "Recreate, KubeRay >= 1.6.0, rolls them)",
        )
    suspend = [change for change in changes if change.path == ("spec", "suspend")]
    if suspend:
        yield _suspend_impact(suspend[0].new, "every pod of the cluster is deleted")
    yield from _replica_impacts(spec, changes, 1)


def _replica_impacts(spec: Mapping[str, Any], changes: list[FieldChange], depth: int) -> Iterator[Impact]:
    """Replica and bound changes of worker groups; `depth` is where workerGroupSpecs sits in the paths."""
    autoscaled = spec.get("enableInTreeAutoscaling") is True
    for change in changes:
        path = change.path[depth:]
        if len(path) != 3 or path[0] != "workerGroupSpecs":
            continue
        group = path[1].strip("[]")
        if path[2] == "replicas" and autoscaled:
            yield Impact(
                "info",
                f"replicas of {group}: ignored after creation, the autoscaler owns them (the GitOps engine leaves "
                "them alone)",
            )
        elif path[2] == "replicas":
            yield Impact("info", f"scales worker group {group} from {change.old} to {change.new} pods")
        elif path[2] in BOUNDS:
            yield Impact("info", f"{path[2]} of {group}: {change.old} → {change.new}, the autoscaler follows")


def _groups_appended(old: Mapping[str, Any], new: Mapping[str, Any]) -> bool:
    """Only worker groups added at the end (what the hash leaves out aside: replicas and their bounds, as
    `_hash_muted`): KubeRay updates the running cluster in place (rayservice_controller.go, isClusterSpecHashEqual
    with partial, line 1379 at v1.7.0)."""
    before = dict((old.get("spec") or {}).get("rayClusterConfig") or {})
    after = dict((new.get("spec") or {}).get("rayClusterConfig") or {})
    old_groups = [_without_owned(group) for group in before.pop("workerGroupSpecs", None) or []]
    new_groups = [_without_owned(group) for group in after.pop("workerGroupSpecs", None) or []]
    return before == after and len(new_groups) > len(old_groups) and new_groups[: len(old_groups)] == old_groups


def _without_owned(group: Any) -> Any:
    return (
        {key: value for key, value in group.items() if key not in (*AUTOSCALER_OWNED, *BOUNDS)}
        if isinstance(group, Mapping)
        else group
    )


def _autoscaler_owned(change: FieldChange, depth: int) -> bool:
    path = change.path[depth:]
    return len(path) >= 3 and path[0] == "workerGroupSpecs" and path[2] in AUTOSCALER_OWNED


def _operator_values(old: Mapping[str, Any], new: Mapping[str, Any]) -> Impact:
    before, after = _image_tag(old), _image_tag(new)
    if before != after:
        return Impact(
            "notice",
            f"KubeRay {before} → {after}: the CRDs are upgraded first, then the operator restarts; running Ray "
            "clusters keep running and are reconciled by the new operator",
        )
    return Impact("notice", "the operator restarts with the new values; running Ray clusters keep running")


def _image_tag(values: Mapping[str, Any]) -> str:
    image = values.get("image") or {}
    return str(image.get("tag", "?")) if isinstance(image, Mapping) else "?"
