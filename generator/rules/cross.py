"""Rules across environments: one operator owner per cluster, one release per cluster, one environment per
namespace, one repository, unique generated object names. Each problem names both files."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from generator.errors import DocPath, Location, Problem
from generator.files import RenderedFile
from generator.rules.context import RuleContext
from generator.rules.jobs import SELF_DELETE_ENV, SELF_DELETE_HINT, operator_deletes_jobs

ARGOCD_GROUP = "argoproj.io"


def check_environments(
    contexts: Sequence[RuleContext], files: Sequence[RenderedFile], focus: frozenset[str]
) -> list[Problem]:
    """Conflicts among `contexts` that involve at least one environment named in `focus`."""
    conflicts: list[Conflict] = []
    rules = (
        one_operator_owner,
        one_release_per_cluster,
        owner_watches_every_namespace,
        feature_gates_match_owner,
        owner_keeps_finished_jobs,
        one_environment_per_namespace,
        one_repository,
    )
    for rule in rules:
        conflicts.extend(rule(contexts))
    conflicts.extend(unique_object_names(contexts, files))
    return [conflict.problem for conflict in conflicts if conflict.environments & focus]


def one_operator_owner(contexts: Sequence[RuleContext]) -> Iterator[Conflict]:
    installing = [context for context in contexts if context.operator.install]
    for context, first in _later_of_same(installing, lambda data: data["target"]["cluster"]):
        yield _clash(
            context,
            ("operator", "install"),
            first,
            ("operator", "install"),
            f"cluster {context.data['target']['cluster']} already has an operator owner",
            "set operator.install: false here; this environment then uses that operator",
        )


def one_release_per_cluster(contexts: Sequence[RuleContext]) -> Iterator[Conflict]:
    """Environments on one cluster share its operator and CRDs, so they must pin the same release."""
    for context, first in _later_of_same(contexts, lambda data: data["target"]["cluster"]):
        if first.version != context.version:
            yield _clash(
                context,
                ("kuberay", "version"),
                first,
                ("kuberay", "version"),
                f"cluster {context.data['target']['cluster']} runs one KubeRay operator, but this pins "
                f"{context.version} and {first.data['name']} pins {first.version}",
                "pin the same kuberay.version in every environment of the cluster",
            )


def owner_watches_every_namespace(contexts: Sequence[RuleContext]) -> Iterator[Conflict]:
    """An environment on a cluster whose operator watches a namespace list must be on that list."""
    for context, owner in _served_by_another(contexts):
        watched = owner.operator.watch_namespaces
        namespace = context.data["target"]["namespace"]
        if watched and namespace not in watched:
            yield _clash(
                context,
                ("target", "namespace"),
                owner,
                ("operator", "watchNamespaces"),
                f"the operator of cluster {context.data['target']['cluster']} (installed by {owner.data['name']}) "
                f"does not watch namespace {namespace}",
                f"add {namespace} to operator.watchNamespaces of {owner.data['name']}",
            )


def feature_gates_match_owner(contexts: Sequence[RuleContext]) -> Iterator[Conflict]:
    """Version gates read operator.featureGates; on a shared cluster they must say what the owner runs."""
    for context, owner in _served_by_another(contexts):
        gates = context.operator.feature_gates
        owner_gates = owner.operator.feature_gates
        if gates != owner_gates:
            yield _clash(
                context,
                ("operator", "featureGates") if gates else ("operator",),
                owner,
                ("operator",),
                f"operator.featureGates differ from those of the operator that {owner.data['name']} installs on "
                f"cluster {context.data['target']['cluster']}",
                f"set the same featureGates as {owner.data['name']} (the version gates of this environment read "
                "them), e.g. in a partial both extend",
            )


def owner_keeps_finished_jobs(contexts: Sequence[RuleContext]) -> Iterator[Conflict]:
    """Under an operator that deletes finished RayJobs, a synced RayJob would be recreated and run again."""
    for context, owner in _served_by_another(contexts):
        if not operator_deletes_jobs(owner.operator):
            continue
        for index, job in enumerate(context.data.get("jobs", [])):
            if job.get("shutdownAfterJobFinishes"):
                yield _clash(
                    context,
                    ("jobs", index, "shutdownAfterJobFinishes"),
                    owner,
                    ("operator", "env"),
                    f"the operator that {owner.data['name']} installs runs with {SELF_DELETE_ENV}=true, so this "
                    "RayJob deletes itself when it finishes and the sync recreates it",
                    f"remove {SELF_DELETE_ENV} from {owner.data['name']}'s operator.env, or {SELF_DELETE_HINT}",
                )


def _served_by_another(contexts: Sequence[RuleContext]) -> Iterator[tuple[RuleContext, RuleContext]]:
    """Each environment whose cluster's operator another environment installs, with that owner."""
    owners: dict[str, RuleContext] = {}
    for context in contexts:
        if context.operator.install:
            owners.setdefault(context.data["target"]["cluster"], context)
    for context in contexts:
        owner = owners.get(context.data["target"]["cluster"])
        if owner is not None and owner is not context:
            yield context, owner


def one_environment_per_namespace(contexts: Sequence[RuleContext]) -> Iterator[Conflict]:
    def key(data: dict[str, Any]) -> tuple[str, str]:
        return data["target"]["cluster"], data["target"]["namespace"]

    for context, first in _later_of_same(contexts, key):
        cluster, namespace = key(context.data)
        yield _clash(
            context,
            ("target", "namespace"),
            first,
            ("target", "namespace"),
            f"namespace {namespace} on cluster {cluster} belongs to environment {first.data['name']} already",
            "give each environment its own namespace: each overlay owns (and prunes) its namespace",
        )


def _later_of_same(
    contexts: Sequence[RuleContext], key: Callable[[dict[str, Any]], Hashable]
) -> Iterator[tuple[RuleContext, RuleContext]]:
    """Each environment whose key an earlier one has, paired with that first one."""
    first: dict[Hashable, RuleContext] = {}
    for context in contexts:
        earlier = first.setdefault(key(context.data), context)
        if earlier is not context:
            yield context, earlier


def one_repository(contexts: Sequence[RuleContext]) -> Iterator[Conflict]:
    """The root Application syncs one repository, one output path, into one Argo CD namespace."""
    if not contexts:
        return
    first = contexts[0]
    for field, attribute in (("repoURL", "repo_url"), ("path", "path"), ("argocdNamespace", "argocd_namespace")):
        expected = getattr(first.gitops, attribute)
        for context in contexts[1:]:
            if getattr(context.gitops, attribute) != expected:
                where = ("gitops", field) if field in context.data["gitops"] else ("gitops",)
                yield _clash(
                    context,
                    where,
                    first,
                    ("gitops",),
                    f"gitops.{field} differs between environments, but the root objects serve them all",
                    f"set gitops.{field} once, in a shared partial",
                )


def unique_object_names(contexts: Sequence[RuleContext], files: Sequence[RenderedFile]) -> Iterator[Conflict]:
    """Argo CD objects share the Argo CD namespace; Flux objects share the target cluster's Flux namespace."""
    by_name = {context.data["name"]: context for context in contexts}
    seen: dict[tuple[str, ...], str] = {}
    for file in files:
        if file.environment is None or file.environment not in by_name:
            continue
        context = by_name[file.environment]
        for document in file.documents:
            key = _scope(document, context.data)
            if key is None:
                continue
            owner = seen.setdefault(key, file.environment)
            if owner != file.environment:
                yield _clash(
                    context,
                    ("name",),
                    by_name[owner],
                    ("name",),
                    f"{key[-2]} {key[-1]} is generated by environment {owner} too",
                    "rename one of the environments",
                )


def _scope(document: Any, data: dict[str, Any]) -> tuple[str, ...] | None:
    if not isinstance(document, dict):
        return None
    group = str(document.get("apiVersion", "")).partition("/")[0]
    metadata = document.get("metadata", {})
    if group == ARGOCD_GROUP:
        return ("argocd", metadata.get("namespace", ""), document["kind"], metadata["name"])
    if group.endswith("toolkit.fluxcd.io"):
        return (data["target"]["cluster"], metadata.get("namespace", ""), document["kind"], metadata["name"])
    return None


@dataclass(frozen=True)
class Conflict:
    """A problem between environments, and the environments it involves."""

    problem: Problem
    environments: frozenset[str]


def _clash(
    context: RuleContext, path: DocPath, first: RuleContext, first_path: DocPath, message: str, hint: str
) -> Conflict:
    other: Location = first.at(first_path)
    problem = context.problem(path, f"{message} (see {other.file.name}:{other.line})", hint)
    return Conflict(problem, frozenset({context.data["name"], first.data["name"]}))
