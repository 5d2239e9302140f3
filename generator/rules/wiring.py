"""Rules on how the environment's pieces fit together: operator scope and Kustomize patches."""

from __future__ import annotations

import re
from collections.abc import Iterator

from generator.errors import Problem
from generator.rules.context import RuleContext


def operator_watches_target_namespace(context: RuleContext) -> Iterator[Problem]:
    watched = context.operator.watch_namespaces
    namespace = context.data["target"]["namespace"]
    if context.operator.install and watched and namespace not in watched:
        yield context.problem(
            ("operator", "watchNamespaces"),
            f"the operator does not watch the target namespace '{namespace}'",
            f"add {namespace} to operator.watchNamespaces, or leave the list empty to watch all namespaces",
        )


def json_patches_have_targets(context: RuleContext) -> Iterator[Problem]:
    for index, patch in enumerate(context.data.get("patches", [])):
        if isinstance(patch["patch"], list) and "target" not in patch:
            yield context.problem(
                ("patches", index),
                "a JSON 6902 patch (a list of operations) needs a target",
                "add target: {kind: RayCluster, name: NAME}",
                at_key=True,
            )


OWNER_ONLY_SETTINGS = ("namespace", "watchNamespaces", "resources", "env", "values")


def operator_settings_need_install(context: RuleContext) -> Iterator[Problem]:
    """Without operator.install the environment renders no operator, so its settings would do nothing."""
    if context.operator.install:
        return
    written = context.data.get("operator", {})
    for setting in OWNER_ONLY_SETTINGS:
        if setting in written:
            yield context.problem(
                ("operator", setting),
                f"operator.{setting} has no effect: this environment does not install the operator",
                "set it in the environment that installs the operator on this cluster (operator.install: true)",
                at_key=True,
            )


FLUX_URL = re.compile(r"^(http|https|ssh)://")


def flux_repository_url(context: RuleContext) -> Iterator[Problem]:
    """Flux's GitRepository takes http(s) or ssh:// URLs only, and a named revision (Argo CD takes HEAD too)."""
    gitops = context.gitops
    if not gitops.flux:
        return
    if not FLUX_URL.match(gitops.repo_url):
        yield context.problem(
            ("gitops", "repoURL"),
            f"Flux cannot clone {gitops.repo_url}: it takes http://, https:// or ssh:// URLs",
            "write the scp-like form as ssh://git@host/org/repo.git",
        )
    if gitops.target_revision == "HEAD":
        yield context.problem(
            ("gitops", "targetRevision"),
            "Flux needs a branch, tag or commit, not HEAD",
            "name the default branch, e.g. main",
        )


def operator_rbac_in_watched_namespaces(context: RuleContext) -> Iterator[Problem]:
    """With singleNamespaceInstall the chart creates Roles in every watched namespace while it installs, but
    those namespaces are created by the workloads, which sync after the operator: the install cannot finish."""
    values = context.operator.values
    if (
        context.operator.install
        and values.get("singleNamespaceInstall") is True
        and values.get("crNamespacedRbacEnable") is not False
    ):
        yield context.problem(
            ("operator", "values", "singleNamespaceInstall"),
            "singleNamespaceInstall makes the chart create Roles in every watched namespace while it installs, "
            "but the workloads create those namespaces after the operator",
            "set crNamespacedRbacEnable: false and grant the Roles with each namespace (kuberay#1162), or install "
            "the operator cluster-wide (the default)",
            at_key=True,
        )
