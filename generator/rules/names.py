"""Names: the file names the environment, and Ray objects fit the names the operator derives from them."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Mapping
from types import MappingProxyType

from generator.checks import TOOL
from generator.errors import Problem
from generator.input.envschema import DNS1123_LABEL, ENVIRONMENT_NAME_MAX
from generator.model.build import feature_gate_states, worker_group_names
from generator.releases import version_key
from generator.rules.context import RuleContext, spec_path, worker_groups, written_group
from generator.rules.rule import rule

# ray-operator/controllers/ray/utils/constant.go: the longest derived Service suffix is "-serve-svc", so a
# RayCluster name may have 63 - 10 = 53 characters; RayJob and RayService names 6 fewer, because the
# operator appends "-" and 5 random characters to name the RayCluster it creates for them.
MAX_NAME_LENGTH = {"clusters": ("RayCluster", 53), "jobs": ("RayJob", 47), "services": ("RayService", 47)}
# A RayCronJob names each RayJob it creates <name>-<suffix>, which must be a RayJob name: the suffix is 5 random
# characters at v1.6.0 (raycronjob_controller.go:159), 10 digits from v1.7.0 (getRayJobName; the operator checks
# MaxRayCronJobNameLength = MaxRayJobNameLength - 11, constant.go:385)
CRON_NAME_SUFFIX = (("1.6.0", 6), ("1.7.0", 11))
# Before 1.4.0 the cluster of a RayJob or RayService is <name>-raycluster-xxxxx (GenerateRayClusterName,
# utils/util.go:312-313 at v1.3.0), and its pods carry that name whole as their ray.io/cluster label (labelPod,
# common/pod.go:589), which Kubernetes caps at 63 characters; from 1.4.0 it is <name>-xxxxx
LEGACY_CLUSTER_NAMES = ("1.4.0", 63 - len("-raycluster-xxxxx"))
# Before 1.4.0 the operator checks no name (ValidateRayClusterMetadata came with 1.4.0, validation.go:25-33): it
# shortens each name it derives and prefixes one that starts with a digit with "r" (CheckName, utils/util.go:184-206
# at v1.3.0), so a RayCluster name is bound only by the ray.io/cluster label of its pods (63 characters), and any
# DNS-1123 label serves (a dot would reach the Service names CheckName makes)
LEGACY_CLUSTER_LIMIT = 63
_DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


def cron_name_limit(version: str) -> int:
    """The longest RayCronJob name whose RayJobs' names the operator of `version` accepts."""
    suffix = max(length for since, length in CRON_NAME_SUFFIX if version_key(version) >= version_key(since))
    return MAX_NAME_LENGTH["jobs"][1] - suffix


# rendered/argocd/ is the root folder; Argo CD's built-in project "default" runs the root Application.
RESERVED_NAMES = {
    "argocd": "rendered/argocd/ holds the root objects",
    "default": "Argo CD's built-in project is named default",
}
RAY_OBJECT_NAME = "ray-object-name"  # the rule's id, which patched names are checked under too
_DNS1035_LABEL = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")


@rule(
    "environment-name",
    "`name` equals the file name: commands, output folders and reviewers find an environment by it",
    TOOL,
    fails="name: exampel",
    passes="name: example",
    cases=("name-mismatch",),
)
def environment_name_matches_file(context: RuleContext) -> Iterator[Problem]:
    name, stem = context.data["name"], context.file.stem
    if name != stem:
        # a file name that is no environment name (QA.yaml, prod_eu.yaml) is no name to set either
        valid = re.match(DNS1123_LABEL, stem) is not None and len(stem) <= ENVIRONMENT_NAME_MAX
        yield context.problem(
            ("name",),
            f"name '{name}' differs from the file name '{stem}'",
            f"rename the file to {name}.yaml" + (f" or set name: {stem}" if valid else ""),
        )


@rule(
    "reserved-name",
    "an environment is not named `argocd` (rendered/argocd/ holds the root objects) or `default` (Argo CD's "
    "built-in project)",
    TOOL,
    fails="name: default",
    passes="name: example",
    cases=("argocd", "default"),
)
def environment_name_is_free(context: RuleContext) -> Iterator[Problem]:
    """Names the generated layout and Argo CD already use."""
    name = context.data["name"]
    if name in RESERVED_NAMES:
        yield context.problem(
            ("name",), f"the environment name '{name}' is reserved: {RESERVED_NAMES[name]}", "choose another name"
        )


@rule(
    RAY_OBJECT_NAME,
    "RayCluster names have at most 53 characters, RayJob and RayService names at most 47, RayCronJob names at "
    "most 41 (1.6) or 36 (1.7), all DNS-1035 labels: the operator derives Service (`<name>-serve-svc`), cluster "
    "(`<name>-xxxxx`) and RayJob names from them. Before 1.4.0, which shortens the names it derives: DNS-1123 "
    "labels of at most 63 characters (RayCluster) or 46 (RayJob, RayService: `<name>-raycluster-xxxxx` is a label)",
    "ray-operator/controllers/ray/utils/validation.go (ValidateRayClusterMetadata, ValidateRayJobMetadata, "
    "ValidateRayServiceMetadata; from 1.4.0) and constant.go (MaxRayClusterNameLength, ...); before 1.4.0 CheckName "
    "(utils/util.go) and the ray.io/cluster label of the pods (common/pod.go labelPod)",
    fails="kuberay: {version: 1.4.0}\nclusters: [{name: 1st-cluster, head: {cpu: '1'}}]",
    passes="kuberay: {version: 1.4.0}\nclusters: [{name: first-cluster, head: {cpu: '1'}}]",
    cases=("name-too-long", "legacy-name-too-long", "name-starts-with-digit", "patch-changes-identity"),
)
def ray_object_names(context: RuleContext) -> Iterator[Problem]:
    """The operator rejects RayCluster/RayJob/RayService names that are not short DNS-1035 labels."""
    for section, (kind, _limit) in name_limits(context.release.version).items():
        for index, item in enumerate(context.data.get(section, [])):
            # a RayJob on a selected cluster creates none, whose name would bind its own before 1.4.0
            selected = section == "jobs" and bool(item.get("clusterSelector"))
            found = ray_object_name_problem(kind, item["name"], context.release.version, selected=selected)
            if found is not None:
                yield context.problem((section, index, "name"), *found)


@functools.lru_cache(maxsize=16)  # asked for each Ray object of each environment, of a handful of releases
def name_limits(version: str) -> Mapping[str, tuple[str, int]]:
    """The kind and longest name of each section's Ray objects that the operator of `version` takes."""
    limits = dict(MAX_NAME_LENGTH)
    if _legacy(version):
        legacy = LEGACY_CLUSTER_NAMES[1]
        limits.update({section: (kind, legacy) for section, (kind, _) in limits.items() if section != "clusters"})
        limits["clusters"] = ("RayCluster", LEGACY_CLUSTER_LIMIT)
    if version_key(version) >= version_key(CRON_NAME_SUFFIX[0][0]):
        limits["cronJobs"] = ("RayCronJob", cron_name_limit(version))
    return MappingProxyType(limits)


def _legacy(version: str) -> bool:
    """Whether the operator of `version` predates its checks of names (1.4.0)."""
    return version_key(version) < version_key(LEGACY_CLUSTER_NAMES[0])


def ray_object_name_problem(kind: str, name: str, version: str, *, selected: bool = False) -> tuple[str, str] | None:
    """What the operator of `version` refuses in the name of a Ray object of `kind` (message and hint), if anything:
    the same for the name an item gives and one a patch gives (validate/patches.py). `selected`: a RayJob on a
    selected cluster, which before 1.4.0 names only its submitter Job and a label after it (63 characters each,
    rayjob_controller.go:541-549 and 715-727 at v1.3.0)."""
    limit = next((limit for known, limit in name_limits(version).values() if known == kind), None)
    if limit is None:
        return None
    if selected and _legacy(version):
        limit = LEGACY_CLUSTER_LIMIT
    if len(name) > limit:
        return (
            f"{kind} name '{name}' has {len(name)} characters; the KubeRay operator allows at most {limit}",
            "shorten the name: the operator derives Service and cluster names from it",
        )
    if _DNS1035_LABEL.match(name) or (_legacy(version) and _DNS1123_LABEL.match(name)):
        return None
    if _legacy(version):
        return (
            f"{kind} name '{name}' is not a DNS-1123 label",
            "use lower case letters, digits and '-', starting and ending with a letter or digit",
        )
    if _DNS1035_LABEL.match(f"a{name}"):  # all it lacks is a letter first (the input schema says the rest)
        return f"{kind} name '{name}' must start with a letter (DNS-1035 label)", "prefix it with a letter"
    return (
        f"{kind} name '{name}' is not a DNS-1035 label",
        "use lower case letters, digits and '-', starting with a letter and ending with a letter or digit",
    )


# What a worker group's name may hold when the item's `spec` adds the group (the structured field's pattern says
# it for the others): the operator names the group's pods after the cluster and it, lower-cased (PodName,
# utils/util.go:200-218 at v1.7.0), and a pod's name is a DNS-1123 subdomain; its label ray.io/group takes no more
SPEC_GROUP_NAME = re.compile(r"[A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?")


@rule(
    "spec-group-name",
    "a worker group that the item's `spec` adds has a name of letters, digits, '-' and '.', starting and ending with "
    "a letter or digit: the operator names its pods after it, and the API server refuses a pod name with '_'",
    "ray-operator/controllers/ray/utils/util.go (PodName, lines 200-218 at v1.7.0: lower-cased, not otherwise "
    "changed); Kubernetes pod names are DNS-1123 subdomains",
    fails="podSecurity: baseline\nclusters: [{name: c, head: {cpu: '1'}, spec: {workerGroupSpecs: [{groupName: "
    "gpu_group, minReplicas: 0, maxReplicas: 1, rayStartParams: {}, template: {spec: {containers: [{name: "
    "ray-worker, image: 'rayproject/ray:2.41.0'}]}}}]}}]",
    passes="podSecurity: baseline\nclusters: [{name: c, head: {cpu: '1'}, spec: {workerGroupSpecs: [{groupName: "
    "gpu-group, minReplicas: 0, maxReplicas: 1, rayStartParams: {}, template: {spec: {containers: [{name: "
    "ray-worker, image: 'rayproject/ray:2.41.0'}]}}}]}}]",
    cases=("spec-group-name",),
)
def spec_group_name(context: RuleContext) -> Iterator[Problem]:
    for spec_at in context.cluster_specs:
        written = spec_at.written.get("workerGroupSpecs") if isinstance(spec_at.written, dict) else None
        structured = worker_group_names(spec_at.spec)
        for index, entry in enumerate(written if isinstance(written, list) else []):
            name = entry.get("groupName") if isinstance(entry, dict) else None
            if not isinstance(name, str) or name in structured or SPEC_GROUP_NAME.fullmatch(name):
                continue
            yield context.problem(
                spec_path(spec_at, ("workerGroupSpecs", index, "groupName")),
                f"worker group name '{name}' makes pod names the API server refuses: the operator names the group's "
                "pods after it, and a pod name takes only letters, digits, '-' and '.'",
                f"write e.g. {re.sub('[^A-Za-z0-9.-]+', '-', name).strip('-.') or 'workers'}",
            )


# With the gate RayMultiHostIndexing (on by default from 1.6.0, registered from 1.5.0), each pod of a multi-host
# worker group carries the label ray.io/worker-group-replica-name, <group>-<5 random characters>, which the
# operator does not shorten (GenerateRayWorkerReplicaGroupName, utils/util.go:378-382, and
# DefaultWorkerPodTemplate, common/pod.go:673-681 at v1.7.0): a label value has at most 63 characters
MULTI_HOST_GATE = "RayMultiHostIndexing"
MULTI_HOST_GROUP_NAME_MAX = 63 - len("-xxxxx")


@rule(
    "multi-host-group-name",
    f"a multi-host worker group (numOfHosts > 1) has a name of at most {MULTI_HOST_GROUP_NAME_MAX} characters "
    f"while the operator's gate {MULTI_HOST_GATE} is on: its pods' replica label is the name and 6 characters",
    "ray-operator/controllers/ray/common/pod.go (DefaultWorkerPodTemplate, lines 673-681 at v1.7.0) and "
    "utils/util.go (GenerateRayWorkerReplicaGroupName); Kubernetes label values have at most 63 characters",
    fails="kuberay: {version: 1.6.0}\nclusters: [{name: c, head: {cpu: '1'}, workerGroups: [{name: "
    + "t" * 58
    + ", numOfHosts: 2}]}]",
    passes="kuberay: {version: 1.6.0}\nclusters: [{name: c, head: {cpu: '1'}, workerGroups: [{name: tpu, "
    "numOfHosts: 2}]}]",
    cases=("multi-host-group-name",),
)
def multi_host_group_name(context: RuleContext) -> Iterator[Problem]:
    if not feature_gate_states(context.release, context.operator.feature_gates).get(MULTI_HOST_GATE, False):
        return
    for spec_at in context.cluster_specs:
        for path, group in worker_groups(spec_at):
            entry, _ = written_group(context.data, spec_at, path)
            hosts = entry.get("numOfHosts") if isinstance(entry, dict) and "numOfHosts" in entry else None
            hosts = group.get("numOfHosts", 1) if hosts is None else hosts
            name = str(group["name"])
            if isinstance(hosts, int) and hosts > 1 and len(name) > MULTI_HOST_GROUP_NAME_MAX:
                yield context.problem(
                    (*path, "name"),
                    f"worker group name '{name}' has {len(name)} characters; a multi-host group's pods carry it "
                    f"and 6 more in the label ray.io/worker-group-replica-name, which allows 63",
                    f"shorten it to {MULTI_HOST_GROUP_NAME_MAX} characters at most",
                )
