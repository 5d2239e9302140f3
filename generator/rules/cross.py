"""Rules across environments: one operator owner per cluster, one release per cluster, one environment per
namespace, one repository, unique generated object names. Each problem names both files."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from generator.checks import LINT, TOOL, Check
from generator.errors import DocPath, Location, Problem
from generator.files import RenderedFile
from generator.model.access import installed_cluster_objects
from generator.model.build import cluster_identity
from generator.model.names import api_group, flux_namespace_role
from generator.rules.context import RuleContext, job_items
from generator.rules.jobs import SELF_DELETE_ENV, SELF_DELETE_HINT, operator_deletes_jobs
from generator.rules.namespaces import FLUX, HeldNamespace, held_namespaces, own_namespace_hint, owned_namespaces
from generator.rules.objects import RBAC_GROUP
from generator.rules.rule import Rule, rule
from generator.rules.waivers import is_waived, waived_lints

CrossRun = Callable[[Sequence[RuleContext]], Iterator["Conflict"]]
# Each example is a YAML stream: one environment per document, each merged over the example base.
TEAM_A = "name: team-a\ntarget: {cluster: shared, namespace: team-a}"
TEAM_B = "name: team-b\ntarget: {cluster: shared, namespace: team-b}"

ARGOCD_GROUP = "argoproj.io"
FLUX_GROUP_SUFFIX = "toolkit.fluxcd.io"


def check_environments(
    contexts: Sequence[RuleContext], files: Sequence[RenderedFile], focus: frozenset[str], checks: Mapping[str, Check]
) -> list[Problem]:
    """Conflicts among `contexts` that involve at least one environment named in `focus`, less waived lints."""
    conflicts: list[Conflict] = []
    for cross_rule in CROSS_RULES:
        conflicts.extend(
            cross_rule.run([context.for_rule(cross_rule.id, cross_rule.check.severity) for context in contexts])
        )
    scoped = [context.for_rule(unique_object_names.id) for context in contexts]
    conflicts.extend(unique_object_names.run(scoped, files))
    return [
        conflict.problem
        for conflict in conflicts
        if conflict.environments & focus
        and not is_waived(conflict.problem, waived_lints(conflict.reported_in.data), checks)
    ]


@rule(
    "one-operator-owner",
    "one environment per cluster installs the operator; the others on that cluster use it",
    "Helm and the CRDs: two operator releases on one cluster fight over the same cluster-wide objects",
    fails=f"{TEAM_A}\noperator: {{install: true}}\n---\n{TEAM_B}\noperator: {{install: true}}",
    passes=f"{TEAM_A}\noperator: {{install: true}}\n---\n{TEAM_B}",
    cases=("two-owners", "in-cluster-twice"),
)
def one_operator_owner(contexts: Sequence[RuleContext]) -> Iterator[Conflict]:
    installing = [context for context in contexts if context.operator.install]
    for context, first in _later_of_same(installing, lambda data: cluster_identity(data["target"]["cluster"])):
        yield _clash(
            context,
            ("operator", "install"),
            first,
            ("operator", "install"),
            f"environments {first.data['name']} and {context.data['name']} both install the operator on cluster "
            f"{context.data['target']['cluster']}",
            f"set operator.install: false in {context.file.name}; {context.data['name']} then uses the operator of "
            f"{first.data['name']}",
        )


@rule(
    "one-release-per-cluster",
    "environments on one cluster pin the same KubeRay release: they share its operator and CRDs",
    "the KubeRay CRDs are cluster-wide: one release's schema serves every namespace",
    fails=f"{TEAM_A}\n---\n{TEAM_B}\nkuberay: {{version: 1.4.0}}",
    passes=f"{TEAM_A}\n---\n{TEAM_B}",
    cases=("mixed-releases",),
)
def one_release_per_cluster(contexts: Sequence[RuleContext]) -> Iterator[Conflict]:
    """Environments on one cluster share its operator and CRDs, so they must pin the same release."""
    for context, first in _later_of_same(contexts, lambda data: cluster_identity(data["target"]["cluster"])):
        if first.version != context.version:
            yield _clash(
                context,
                ("kuberay", "version"),
                first,
                ("kuberay", "version"),
                f"cluster {context.data['target']['cluster']} runs one KubeRay operator, but {context.data['name']} "
                f"pins {context.version} and {first.data['name']} pins {first.version}",
                f"pin {first.version} in {context.file.name} too (or the same release in both, e.g. in a partial "
                "both extend)",
            )


@rule(
    "owner-watches-namespace",
    "the operator of a shared cluster watches the namespace of every environment on it",
    TOOL,
    fails=f"{TEAM_A}\noperator: {{install: true, watchNamespaces: [team-a]}}\n---\n{TEAM_B}",
    passes=f"{TEAM_A}\noperator: {{install: true, watchNamespaces: [team-a, team-b]}}\n---\n{TEAM_B}",
    cases=("unwatched-namespace",),
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
                f"add {namespace} to operator.watchNamespaces in {owner.file.name}",
            )


@rule(
    "gates-match-owner",
    "an environment on a shared cluster declares the same operator.featureGates as the owner: its version "
    "gates read them",
    TOOL,
    fails=f"{TEAM_A}\noperator: {{install: true, featureGates: {{RayJobDeletionPolicy: true}}}}\n---\n{TEAM_B}",
    passes=f"{TEAM_A}\noperator: {{install: true, featureGates: {{RayJobDeletionPolicy: true}}}}\n---\n{TEAM_B}\n"
    "operator: {featureGates: {RayJobDeletionPolicy: true}}",
    cases=("gates-differ",),
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
                f"set the same featureGates in {context.file.name} as {owner.data['name']} has (the version gates of "
                f"{context.data['name']} read "
                "them), e.g. in a partial both extend",
            )


@rule(
    "owner-keeps-finished-jobs",
    "no RayJob with shutdownAfterJobFinishes under a shared operator that deletes finished RayJobs "
    "(DELETE_RAYJOB_CR_AFTER_JOB_FINISHES=true): the sync would recreate and rerun it",
    LINT,
    fails=f"{TEAM_A}\noperator: {{install: true, env: [{{name: DELETE_RAYJOB_CR_AFTER_JOB_FINISHES, value: 'true'}}]}}"
    f"\n---\n{TEAM_B}\njobs: [{{name: j, entrypoint: python run.py, shutdownAfterJobFinishes: true, cluster: "
    "{head: {cpu: '1'}}}]",
    passes=f"{TEAM_A}\noperator: {{install: true}}\n---\n{TEAM_B}\njobs: [{{name: j, entrypoint: python run.py, "
    "shutdownAfterJobFinishes: true, cluster: {head: {cpu: '1'}}}]",
    cases=("owner-deletes-jobs",),
)
def owner_keeps_finished_jobs(contexts: Sequence[RuleContext]) -> Iterator[Conflict]:
    """Under an operator that deletes finished RayJobs, a synced RayJob would be recreated and run again."""
    for context, owner in _served_by_another(contexts):
        if not operator_deletes_jobs(owner.operator):
            continue
        for job_path, job in job_items(context.data):
            if job.get("shutdownAfterJobFinishes"):
                yield _clash(
                    context,
                    (*job_path, "shutdownAfterJobFinishes"),
                    owner,
                    ("operator", "env"),
                    f"the operator that {owner.data['name']} installs runs with {SELF_DELETE_ENV}=true, so this "
                    "RayJob deletes itself when it finishes and the sync recreates it",
                    f"remove {SELF_DELETE_ENV} from {owner.data['name']}'s operator.env, or {SELF_DELETE_HINT}",
                )


CLUSTER_ROLE = "{apiVersion: rbac.authorization.k8s.io/v1, kind: ClusterRole, metadata: {name: proxy}}"


@rule(
    "one-cluster-object-owner",
    "a cluster-scoped object of `clusterObjects` belongs to one environment per cluster",
    "Argo CD and Flux: two environments that apply one object overwrite each other's version of it, and "
    "removing either one prunes it from the other",
    fails=f"{TEAM_A}\nclusterObjects: [{CLUSTER_ROLE}]\n---\n{TEAM_B}\nclusterObjects: [{CLUSTER_ROLE}]",
    passes=f"{TEAM_A}\nclusterObjects: [{CLUSTER_ROLE}]\n---\n{TEAM_B}",
    cases=("shared-cluster-object",),
)
def one_cluster_object_owner(contexts: Sequence[RuleContext]) -> Iterator[Conflict]:
    """Each cluster-scoped object is applied, and pruned, by one environment of its cluster."""
    first: dict[tuple[str, str, str], tuple[RuleContext, int]] = {}
    for context in contexts:
        cluster = cluster_identity(context.data["target"]["cluster"])
        for index, item in enumerate(context.data.get("clusterObjects", [])):
            name = item["metadata"].get("name")
            if not isinstance(name, str):
                continue
            owner, owner_index = first.setdefault((cluster, str(item["kind"]), name), (context, index))
            if owner is not context:
                yield _clash(
                    context,
                    ("clusterObjects", index, "metadata", "name"),
                    owner,
                    ("clusterObjects", owner_index, "metadata", "name"),
                    f"{item['kind']} {name} on cluster {context.data['target']['cluster']} is an object of "
                    f"environment {owner.data['name']} already",
                    f"keep it in one environment of the cluster (or in a partial only that one extends), or give "
                    f"the copy in {context.file.name} its own name",
                )


OPERATOR_ROLE = "{apiVersion: rbac.authorization.k8s.io/v1, kind: ClusterRole, metadata: {name: rayjob-editor-role}}"


@rule(
    "cluster-object-name-taken",
    "an object of `clusterObjects` is none of the ClusterRoles and ClusterRoleBindings that an operator install "
    "(the chart's or the Kustomize base's) or a Flux workloads account of its cluster creates",
    "Argo CD and Flux: two sources of one object take it from each other, and either may prune it (docs/gitops.md, "
    '"One object, one source"): the operator or Flux would lose what it needs',
    fails=f"{TEAM_A}\noperator: {{install: true}}\n---\n{TEAM_B}\nclusterObjects: [{OPERATOR_ROLE}]",
    passes=f"{TEAM_A}\noperator: {{install: true}}\n---\n{TEAM_B}\nclusterObjects: [{CLUSTER_ROLE}]",
    cases=("cluster-object-of-the-operator",),
)
def cluster_object_name_taken(contexts: Sequence[RuleContext]) -> Iterator[Conflict]:
    """The cluster-scoped objects that the generator and the operator install already put on each cluster, by
    kind and name, are no environment's `clusterObjects`."""
    taken: dict[tuple[str, str, str], tuple[RuleContext, DocPath, str]] = {}
    for context in contexts:
        cluster = cluster_identity(context.data["target"]["cluster"])
        name = context.data["name"]
        source = "Helm chart" if context.operator.delivery == "helm" else "Kustomize base"
        for kind, object_name in installed_cluster_objects(context.release, context.operator):
            what = f"is part of the kuberay-operator install (its {source}) of environment {name}"
            taken.setdefault((cluster, kind, object_name), (context, ("operator", "install"), what))
        if context.gitops.flux:
            for kind in ("ClusterRole", "ClusterRoleBinding"):
                what = f"is the {kind} of environment {name}'s Flux workloads account"
                taken.setdefault((cluster, kind, flux_namespace_role(name)), (context, ("name",), what))
    for context in contexts:
        cluster = cluster_identity(context.data["target"]["cluster"])
        for index, item in enumerate(context.data.get("clusterObjects", [])):
            name = item["metadata"].get("name")
            if api_group(str(item["apiVersion"])) != RBAC_GROUP or not isinstance(name, str):
                continue
            found = taken.get((cluster, str(item["kind"]), name))
            if found is not None:
                owner, owner_path, what = found
                yield _clash(
                    context,
                    ("clusterObjects", index, "metadata", "name"),
                    owner,
                    owner_path,
                    f"{item['kind']} {name} on cluster {context.data['target']['cluster']} {what}",
                    "give it a name of its own: the two versions would overwrite each other, and removing this one "
                    "would remove the other's (to grant an existing role, bind it under a name of your own)",
                )


def _served_by_another(contexts: Sequence[RuleContext]) -> Iterator[tuple[RuleContext, RuleContext]]:
    """Each environment whose cluster's operator another environment installs, with that owner."""
    owners: dict[str, RuleContext] = {}
    for context in contexts:
        if context.operator.install:
            owners.setdefault(cluster_identity(context.data["target"]["cluster"]), context)
    for context in contexts:
        owner = owners.get(cluster_identity(context.data["target"]["cluster"]))
        if owner is not None and owner is not context:
            yield context, owner


@rule(
    "one-environment-per-namespace",
    "each environment has its own namespace on its cluster: each overlay owns (and prunes) its namespace",
    TOOL,
    fails=f"{TEAM_A}\n---\nname: team-b\ntarget: {{cluster: shared, namespace: team-a}}",
    passes=f"{TEAM_A}\n---\n{TEAM_B}",
    cases=("shared-namespace",),
)
def one_environment_per_namespace(contexts: Sequence[RuleContext]) -> Iterator[Conflict]:
    def key(data: dict[str, Any]) -> tuple[str, str]:
        return cluster_identity(data["target"]["cluster"]), data["target"]["namespace"]

    for context, first in _later_of_same(contexts, key):
        cluster, namespace = key(context.data)
        yield _clash(
            context,
            ("target", "namespace"),
            first,
            ("target", "namespace"),
            f"namespace {namespace} on cluster {cluster} belongs to environment {first.data['name']} already",
            f"give {context.data['name']} its own namespace in {context.file.name}: each overlay owns (and prunes) "
            "its namespace",
        )


@rule(
    "namespace-taken",
    "no namespace the output owns (`target.namespace`, and `operator.namespace` when the Kustomize base installs "
    "the operator) is one that another environment of its cluster puts its operator install or, when the output "
    "would delete it, its Flux objects in, nor Argo CD's namespace on Argo CD's own cluster: the output owns its "
    "namespaces",
    "Argo CD: an Application's resources finalizer deletes every object it manages but CRDs "
    "(controller/appcontroller.go, shouldBeDeleted): the namespace would go, with the other's operator or "
    "controllers in it",
    fails=f"{TEAM_A}\noperator: {{install: true, namespace: team-b}}\n---\n{TEAM_B}",
    passes=f"{TEAM_A}\noperator: {{install: true, namespace: kuberay-system}}\n---\n{TEAM_B}",
    cases=("namespace-of-the-operator",),
)
def namespace_taken(contexts: Sequence[RuleContext]) -> Iterator[Conflict]:
    """No namespace an environment owns holds what another environment of its cluster installs or is synced by.
    An environment whose own namespaces namespace-of-its-own refuses has no context here (stages.py): the rules
    across environments see only environments without an error of their own."""
    held: dict[tuple[str, str], list[tuple[RuleContext, HeldNamespace]]] = {}
    for context in contexts:
        cluster = cluster_identity(context.data["target"]["cluster"])
        for found in held_namespaces(context):
            held.setdefault((found.cluster or cluster, found.namespace), []).append((context, found))
    for context in contexts:
        cluster = cluster_identity(context.data["target"]["cluster"])
        for owned in owned_namespaces(context):
            namespace = owned.namespace
            for owner, found in held.get((cluster, namespace), []):
                if owner is context or (found.path == FLUX and not owned.deletes):
                    continue  # its own; or labels only, on a namespace of Flux objects (a tenant's layout)
                owner_target = (cluster_identity(owner.data["target"]["cluster"]), owner.data["target"]["namespace"])
                if owner_target != (cluster, namespace):  # else both target it: one-environment-per-namespace
                    yield _clash(
                        context,
                        owned.path,
                        owner,
                        found.path,
                        f"namespace {namespace} on cluster {context.data['target']['cluster']} holds {found.what}",
                        own_namespace_hint(context.data["name"], owned),
                    )
                    break


def _later_of_same(
    contexts: Sequence[RuleContext], key: Callable[[dict[str, Any]], Hashable]
) -> Iterator[tuple[RuleContext, RuleContext]]:
    """Each environment whose key an earlier one has, paired with that first one."""
    first: dict[Hashable, RuleContext] = {}
    for context in contexts:
        earlier = first.setdefault(key(context.data), context)
        if earlier is not context:
            yield context, earlier


@rule(
    "one-repository",
    "all environments share repoURL, output path and Argo CD namespace: the root objects serve them all",
    TOOL,
    fails=f"{TEAM_A}\n---\n{TEAM_B}\ngitops: {{repoURL: https://git.example.com/other.git}}",
    passes=f"{TEAM_A}\n---\n{TEAM_B}",
    cases=("two-repositories",),
)
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
                    f"gitops.{field} of {context.data['name']} differs from that of {first.data['name']}, but the root "
                    "objects serve them all",
                    f"set gitops.{field} once, in a partial both extend (or the same value in {context.file.name})",
                )


@rule(
    "stage-everywhere-or-nowhere",
    "gitops.stage (ApplicationSet mode) is set in every Argo CD environment or in none",
    "Argo CD RollingSync: an Application that no step selects is never synced by the ApplicationSet",
    fails=f"{TEAM_A}\ngitops: {{stage: 0}}\n---\n{TEAM_B}",
    passes=f"{TEAM_A}\ngitops: {{stage: 0}}\n---\n{TEAM_B}\ngitops: {{stage: 1}}",
    cases=("stage-missing",),
)
def stage_everywhere_or_nowhere(contexts: Sequence[RuleContext]) -> Iterator[Conflict]:
    argocd = [context for context in contexts if context.gitops.argocd]
    staged = [context for context in argocd if context.gitops.stage is not None]
    if not staged:
        return
    for context in argocd:
        if context.gitops.stage is None:
            yield _clash(
                context,
                ("name",),
                staged[0],
                ("gitops", "stage"),
                f"{staged[0].data['name']} sets gitops.stage, which turns on the ApplicationSet mode for every Argo CD "
                f"environment, but {context.data['name']} sets none",
                f"set gitops.stage in {context.file.name} (lower syncs first), or remove it from every environment",
            )


@rule(
    "unique-gitops-names",
    "no two environments generate an Argo CD object of the same name (they share the Argo CD namespace) or a "
    "Flux object of the same name on one cluster",
    "Kubernetes: object names are unique per kind and namespace",
    fails="name: a-raycluster\ntarget: {namespace: one}\n---\n"
    "name: a\ntarget: {namespace: two}\nclusters: [{name: workloads, delivery: helm, head: {cpu: '1'}}]",
    passes="name: a-raycluster\ntarget: {namespace: one}\n---\n"
    "name: a\ntarget: {namespace: two}\nclusters: [{name: web, delivery: helm, head: {cpu: '1'}}]",
    cases=("clashing-names",),
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


def named_across_environments(document: Any) -> bool:
    """Whether the document is an object whose name environments share a scope for: Argo CD's, or Flux's."""
    if not isinstance(document, dict):
        return False
    group = api_group(str(document.get("apiVersion", "")))
    return group == ARGOCD_GROUP or group.endswith(FLUX_GROUP_SUFFIX)


def _scope(document: Any, data: dict[str, Any]) -> tuple[str, ...] | None:
    if not named_across_environments(document):
        return None
    group = api_group(str(document["apiVersion"]))
    metadata = document.get("metadata", {})
    if group == ARGOCD_GROUP:
        return ("argocd", metadata.get("namespace", ""), document["kind"], metadata["name"])
    if group.endswith(FLUX_GROUP_SUFFIX):
        return (
            cluster_identity(data["target"]["cluster"]),
            metadata.get("namespace", ""),
            document["kind"],
            metadata["name"],
        )
    return None


CROSS_RULES: tuple[Rule[CrossRun], ...] = (
    one_operator_owner,
    stage_everywhere_or_nowhere,
    one_release_per_cluster,
    owner_watches_every_namespace,
    feature_gates_match_owner,
    owner_keeps_finished_jobs,
    one_environment_per_namespace,
    namespace_taken,
    one_cluster_object_owner,
    cluster_object_name_taken,
    one_repository,
)


@dataclass(frozen=True)
class Conflict:
    """A problem between environments, and the environments it involves."""

    problem: Problem
    environments: frozenset[str]
    reported_in: RuleContext  # the environment whose file the problem points into (its waivers apply)


def _clash(
    context: RuleContext, path: DocPath, first: RuleContext, first_path: DocPath, message: str, hint: str
) -> Conflict:
    other: Location = first.at(first_path)
    here: Location = context.at(path)
    if here.file != context.file:
        # the value is written in a partial that other environments extend: changing it there changes them too
        hint += (
            f" (the value here comes from {here.file.name}, which others may extend: override it in "
            f"{context.file.name})"
        )
    problem = context.problem(path, f"{message} (see {other.file.name}:{other.line})", hint)
    return Conflict(problem, frozenset({context.data["name"], first.data["name"]}), context)
