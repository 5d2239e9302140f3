"""Rules on how the environment's pieces fit together: operator scope and Kustomize patches."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from generator.checks import TOOL
from generator.errors import Problem
from generator.rules.context import RuleContext
from generator.rules.rule import rule


@rule(
    "operator-watches-namespace",
    "an operator that this environment installs with watchNamespaces watches the environment's own namespace",
    TOOL,
    fails="operator: {install: true, watchNamespaces: [other]}",
    passes="operator: {install: true, watchNamespaces: [ray]}",
    cases=("watch-namespaces",),
)
def operator_watches_target_namespace(context: RuleContext) -> Iterator[Problem]:
    watched = context.operator.watch_namespaces
    namespace = context.data["target"]["namespace"]
    if context.operator.install and watched and namespace not in watched:
        yield context.problem(
            ("operator", "watchNamespaces"),
            f"the operator does not watch the target namespace '{namespace}'",
            f"add {namespace} to operator.watchNamespaces, or leave the list empty to watch all namespaces",
        )


@rule(
    "json-patch-target",
    "a JSON 6902 patch (a list of operations) has a target",
    "Kustomize: patches without a target must be strategic-merge patches that name their object",
    fails="patches: [{patch: [{op: add, path: /metadata/labels/team, value: ml}]}]",
    passes="patches: [{target: {kind: Namespace}, patch: [{op: add, path: /metadata/labels/team, value: ml}]}]",
    cases=("json-patch-without-target",),
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


@rule(
    "merge-patch-header",
    "a strategic-merge patch (a mapping) names its object with apiVersion, kind and metadata.name, which "
    "kustomize needs to read it at all",
    "Kustomize: api/filters/patchstrategicmerge and the PatchTransformer (`unable to parse SM or JSON patch`)",
    fails="patches: [{target: {kind: RayCluster}, patch: {metadata: {name: c}, spec: {suspend: true}}}]",
    passes="clusters: [{name: c, head: {cpu: '1'}}]\npatches: [{patch: {apiVersion: ray.io/v1, kind: RayCluster, "
    "metadata: {name: c}, spec: {suspend: true}}}]",
    cases=("merge-patch-header",),
)
def merge_patches_name_their_object(context: RuleContext) -> Iterator[Problem]:
    for index, patch in enumerate(context.data.get("patches", [])):
        body = patch["patch"]
        if not isinstance(body, dict):
            continue
        missing = [key for key in ("apiVersion", "kind") if not body.get(key)]
        metadata = body.get("metadata")
        if not isinstance(metadata, dict) or not metadata.get("name"):
            missing.append("metadata.name")
        if missing:
            yield context.problem(
                ("patches", index, "patch"),
                f"a strategic-merge patch without {' and '.join(missing)}: kustomize cannot read it and fails "
                "the build",
                "name the object: apiVersion: ray.io/v1, kind: RayCluster, metadata: {name: NAME}",
            )


OWNER_ONLY_SETTINGS = ("namespace", "delivery", "source", "watchNamespaces", "resources", "env", "values")


@rule(
    "operator-settings-need-install",
    "operator settings (namespace, watchNamespaces, resources, env, values) only where the environment installs "
    "the operator: elsewhere nothing renders them",
    TOOL,
    fails="operator: {install: false, watchNamespaces: [ray]}",
    passes="operator: {install: true, watchNamespaces: [ray]}",
    cases=("operator-settings-without-install",),
)
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


@rule(
    "flux-repository-url",
    "Flux gets an http(s):// or ssh:// repoURL (not the scp-like git@host:org/repo) and a named revision, not HEAD",
    "Flux source-controller, GitRepository spec.url pattern and spec.ref",
    fails="gitops: {engine: flux, repoURL: 'git@git.example.com:ml/ray.git'}",
    passes="gitops: {engine: flux, repoURL: 'ssh://git@git.example.com/ml/ray.git'}",
    cases=("flux-scp-url", "flux-head-revision"),
)
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


@rule(
    "single-namespace-rbac",
    "singleNamespaceInstall needs crNamespacedRbacEnable: false: the chart would create Roles in namespaces that "
    "the workloads create only after the operator",
    "kuberay-operator chart templates (multiple_namespaces_role.yaml), kuberay#1162",
    fails="operator: {install: true, watchNamespaces: [ray], values: {singleNamespaceInstall: true}}",
    passes="operator: {install: true, watchNamespaces: [ray], values: {singleNamespaceInstall: true, "
    "crNamespacedRbacEnable: false}}",
    cases=("single-namespace-install",),
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


# Settings of one engine, by path under gitops, and the engines that render something for them
ENGINE_SETTINGS = (
    (("stage",), "Argo CD", ("argocd", "both")),
    (("syncWindows",), "Argo CD", ("argocd", "both")),
    (("notifications", "argocd"), "Argo CD", ("argocd", "both")),
    (("notifications", "flux"), "Flux", ("flux", "both")),
)


@rule(
    "engine-settings-need-engine",
    "gitops.stage, syncWindows and notifications.argocd are Argo CD settings, notifications.flux a Flux one: each "
    "only with an engine that renders it",
    TOOL,
    fails="gitops: {engine: flux, syncWindows: [{kind: allow, schedule: '0 22 * * *', duration: 8h}]}",
    passes="gitops: {engine: argocd, syncWindows: [{kind: allow, schedule: '0 22 * * *', duration: 8h}]}",
    cases=("sync-windows-with-flux",),
)
def engine_settings_need_engine(context: RuleContext) -> Iterator[Problem]:
    gitops = context.data["gitops"]
    for path, engine_name, engines in ENGINE_SETTINGS:
        value: Any = gitops
        for key in path:
            value = value.get(key) if isinstance(value, dict) else None
        if value is not None and gitops["engine"] not in engines:
            setting = ".".join(path)
            other = "argocd" if engine_name == "Argo CD" else "flux"
            yield context.problem(
                ("gitops", *path),
                f"gitops.{setting} is a{'n' if engine_name == 'Argo CD' else ''} {engine_name} setting, and engine "
                f"{gitops['engine']} renders no {engine_name} object",
                f"remove gitops.{setting}, or set engine: both (or {other})",
                at_key=True,
            )


# The chart values that mean the same under the Kustomize delivery: the RBAC scope of a single-namespace install
KUSTOMIZE_VALUES = ("singleNamespaceInstall", "crNamespacedRbacEnable")


@rule(
    "operator-kustomize-settings",
    "with operator.delivery kustomize, operator.source is allowed and operator.values holds only "
    "singleNamespaceInstall and crNamespacedRbacEnable (the overlay patches the rest from the structured "
    "settings); operator.source needs delivery kustomize",
    TOOL,
    fails="operator: {install: true, delivery: kustomize, values: {logging: {stdoutEncoder: json}}}",
    passes="operator: {install: true, delivery: kustomize, source: vendored}",
    cases=("kustomize-operator-values",),
)
def operator_kustomize_settings(context: RuleContext) -> Iterator[Problem]:
    operator = context.data.get("operator", {})
    if operator.get("delivery", "helm") != "kustomize":
        if "source" in operator:
            yield context.problem(
                ("operator", "source"),
                "operator.source chooses the Kustomize base, but the operator is delivered by its Helm chart",
                "set operator.delivery: kustomize, or remove operator.source",
                at_key=True,
            )
        return
    for key in operator.get("values", {}):
        if key not in KUSTOMIZE_VALUES:
            yield context.problem(
                ("operator", "values", key),
                f"operator.values.{key} is a value of the kuberay-operator chart, which delivery kustomize does "
                "not use",
                "set it through namespace, watchNamespaces, featureGates, env or resources, or use delivery: helm "
                "for other chart values",
                at_key=True,
            )
