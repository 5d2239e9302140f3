"""Names: the file names the environment, and Ray objects fit the names the operator derives from them."""

from __future__ import annotations

import re
from collections.abc import Iterator

from generator.checks import TOOL
from generator.errors import Problem
from generator.rules.context import RuleContext
from generator.rules.rule import rule

# ray-operator/controllers/ray/utils/constant.go: the longest derived Service suffix is "-serve-svc", so a
# RayCluster name may have 63 - 10 = 53 characters; RayJob and RayService names 6 fewer, because the
# operator appends "-" and 5 random characters to name the RayCluster it creates for them.
MAX_NAME_LENGTH = {"clusters": ("RayCluster", 53), "jobs": ("RayJob", 47), "services": ("RayService", 47)}
# A RayCronJob names each RayJob it creates <name>-<11 characters> (MaxRayCronJobNameLength, constant.go at v1.7.0)
MAX_NAME_LENGTH["cronJobs"] = ("RayCronJob", MAX_NAME_LENGTH["jobs"][1] - 11)
# rendered/argocd/ is the root folder; Argo CD's built-in project "default" runs the root Application.
RESERVED_NAMES = {
    "argocd": "rendered/argocd/ holds the root objects",
    "default": "Argo CD's built-in project is named default",
}
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
    name = context.data["name"]
    if name != context.file.stem:
        yield context.problem(
            ("name",),
            f"name '{name}' differs from the file name '{context.file.stem}'",
            f"rename the file to {name}.yaml or set name: {context.file.stem}",
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
    "ray-object-name",
    "RayCluster names have at most 53 characters, RayJob and RayService names at most 47, all DNS-1035 labels: "
    "the operator derives Service (`<name>-serve-svc`) and cluster (`<name>-xxxxx`) names from them",
    "ray-operator/controllers/ray/utils/validation.go (ValidateRayClusterMetadata, ValidateRayJobMetadata, "
    "ValidateRayServiceMetadata; from 1.4.0) and constant.go (MaxRayClusterNameLength, ...)",
    fails="clusters: [{name: 1st-cluster, head: {cpu: '1'}}]",
    passes="clusters: [{name: first-cluster, head: {cpu: '1'}}]",
    cases=("name-too-long", "name-starts-with-digit"),
)
def ray_object_names(context: RuleContext) -> Iterator[Problem]:
    """The operator rejects RayCluster/RayJob/RayService names that are not short DNS-1035 labels."""
    for section, (kind, limit) in MAX_NAME_LENGTH.items():
        for index, item in enumerate(context.data.get(section, [])):
            name = item["name"]
            path = (section, index, "name")
            if len(name) > limit:
                yield context.problem(
                    path,
                    f"{kind} name '{name}' has {len(name)} characters; the KubeRay operator allows at most {limit}",
                    "shorten the name: the operator derives Service and cluster names from it",
                )
            elif not _DNS1035_LABEL.match(name):
                yield context.problem(
                    path,
                    f"{kind} name '{name}' must start with a letter (DNS-1035 label)",
                    "prefix it with a letter",
                )
