"""GitOps wiring details that golden files alone do not prove."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path, PurePosixPath
from typing import Any

import pytest

from generator.files import RenderedFile
from generator.input.load import load_environment_file
from generator.output.serialize import load_yaml_stream
from generator.paths import ToolData
from generator.pipeline import BuildRequest, build
from generator.releases import load_field_history, load_release
from generator.rules.context import RuleContext
from generator.rules.cross import unique_object_names
from generator.rules.delivery import chart_values_problems
from tests.conftest import FIXTURES, GOLDEN
from tests.kustomize import kustomize_build

CLUSTER = """\
name: both
kuberay: {version: 1.6.0}
target: {cluster: in-cluster, namespace: ray}
gitops: {engine: both, repoURL: https://git.example.com/ray.git}
operator: {install: true}
defaults: {image: rayproject/ray:2.46.0, rayVersion: "2.46.0"}
clusters:
  - name: analytics
    delivery: DELIVERY
    autoscaling: {enabled: true, idleTimeoutSeconds: 90}
    head:
      cpu: "2"
      memory: 8Gi
      rayStartParams: {num-cpus: "0"}
      env: [{name: RAY_LOG_TO_STDERR, value: "1"}]
      volumes: [{name: shm, mountPath: /dev/shm, emptyDir: {medium: Memory}}]
    workerGroups:
      - {name: cpu, replicas: 1, minReplicas: 0, maxReplicas: 8, cpu: "4", memory: 16Gi}
      - {name: gpu, replicas: 0, minReplicas: 0, maxReplicas: 2, cpu: "8", memory: 32Gi, gpu: 1,
         tolerations: [{key: nvidia.com/gpu, operator: Exists, effect: NoSchedule}]}
"""


def render(tmp_path: Path, tool: ToolData, delivery: str) -> dict[str, Any]:
    folder = tmp_path / delivery
    folder.mkdir()
    (folder / "both.yaml").write_text(CLUSTER.replace("DELIVERY", delivery))
    result = build(BuildRequest(folder, (), tool))
    assert result.problems == ()
    return {str(file.path): file.documents[0] for file in result.files}


def test_chart_values_describe_the_same_cluster_as_the_overlay(tmp_path: Path, tool: ToolData) -> None:
    cluster = render(tmp_path, tool, "kustomize")["both/workloads/raycluster-analytics.yaml"]["spec"]
    values = render(tmp_path, tool, "helm")["both/charts/raycluster-analytics.values.yaml"]
    head = cluster["headGroupSpec"]
    container = head["template"]["spec"]["containers"][0]
    assert f"{values['image']['repository']}:{values['image']['tag']}" == container["image"]
    assert values["fullnameOverride"] == "analytics"
    assert values["head"]["rayVersion"] == cluster["rayVersion"]
    assert values["head"]["autoscalerOptions"] == cluster["autoscalerOptions"]
    assert values["head"]["rayStartParams"] == head["rayStartParams"]
    assert values["head"]["resources"] == container["resources"]
    assert values["head"]["containerEnv"] == container["env"]
    assert values["head"]["volumeMounts"] == container["volumeMounts"]
    assert values["head"]["volumes"] == head["template"]["spec"]["volumes"]
    groups = [values["worker"], *values["additionalWorkerGroups"].values()]
    names = [values["worker"]["groupName"], *values["additionalWorkerGroups"]]
    for name, group, rendered in zip(names, groups, cluster["workerGroupSpecs"], strict=True):
        assert name == rendered["groupName"]
        for field in ("replicas", "minReplicas", "maxReplicas"):
            assert group[field] == rendered[field]
        assert group["resources"] == rendered["template"]["spec"]["containers"][0]["resources"]


def test_chart_delivery_wires_both_engines(tmp_path: Path, tool: ToolData) -> None:
    files = render(tmp_path, tool, "helm")
    assert "both/workloads/raycluster-analytics.yaml" not in files
    application = files["both/argocd/application-raycluster-analytics.yaml"]
    assert application["spec"]["sources"][0]["chart"] == "ray-cluster"
    assert application["spec"]["sources"][0]["targetRevision"] == "1.6.0"
    assert application["spec"]["ignoreDifferences"][0]["jqPathExpressions"] == [
        ".spec.workerGroupSpecs[].replicas",
        ".spec.workerGroupSpecs[].scaleStrategy",
    ]
    release = files["both/charts/helmrelease-analytics.yaml"]
    assert release["spec"]["chart"]["spec"] == {
        "chart": "ray-cluster",
        "version": "1.6.0",
        "sourceRef": {"kind": "HelmRepository", "name": "both-kuberay"},
    }


def test_argocd_ignores_the_autoscaler_fields_without_respecting_them_at_sync() -> None:
    """RespectIgnoreDifferences would apply the whole live workerGroupSpecs of a custom resource (a JSON merge
    patch replaces lists), so a worker change in Git would never be applied; ApplyOutOfSyncOnly keeps a sync
    from re-applying a RayCluster that differs only in ignored fields (docs/gitops.md, "Autoscaled replicas")."""
    application = load_yaml_stream((GOLDEN / "full" / "argocd" / "application-workloads.yaml").read_text())[0]
    options = application["spec"]["syncPolicy"]["syncOptions"]
    assert "RespectIgnoreDifferences=true" not in options
    assert "ApplyOutOfSyncOnly=true" in options
    # the autoscaler patches RayClusters only: the operator's cluster of a RayJob or RayService, not the object
    assert {(entry["kind"], entry["name"]) for entry in application["spec"]["ignoreDifferences"]} == {
        ("RayCluster", "gpu-cluster")
    }


def test_flux_ignores_the_autoscaler_fields_that_the_cluster_sets() -> None:
    """kustomize-controller's ignore rules copy the live value into what it applies with a JSON-patch replace,
    which needs the path in the applied object: every ignored pointer resolves in the rendered RayCluster."""
    kustomization = load_yaml_stream((GOLDEN / "full" / "flux" / "kustomization-workloads.yaml").read_text())[0]
    # the only patch is the one that leaves the Namespace to the Flux folder; none touches replicas
    assert [patch["target"]["kind"] for patch in kustomization["spec"]["patches"]] == ["Namespace"]
    [rule] = kustomization["spec"]["ignore"]
    cluster = load_yaml_stream((GOLDEN / "full" / "workloads" / "raycluster-gpu-cluster.yaml").read_text())[0]
    assert re.fullmatch(rule["target"]["name"], cluster["metadata"]["name"])
    _assert_points_at_every_group(rule["paths"], cluster, len(cluster["spec"]["workerGroupSpecs"]))


def _assert_points_at_every_group(paths: list[str], cluster: dict[str, Any], groups: int) -> None:
    """Flux's ignore pointers name both autoscaler fields of each of `groups` worker groups, and each resolves in
    the rendered `cluster` (kustomize-controller's JSON-patch replace needs the path)."""
    fields = ("replicas", "scaleStrategy")
    assert paths == [f"/spec/workerGroupSpecs/{index}/{field}" for index in range(groups) for field in fields]
    for pointer in paths:
        value: Any = cluster
        for part in pointer.split("/")[1:]:
            value = value[int(part)] if isinstance(value, list) else value[part]


def test_flux_waits_for_jobs_and_services_but_not_clusters() -> None:
    """KubeRay may leave a RayCluster's observedGeneration behind, which Flux holds InProgress: `wait` would
    time out; the RayJobs and RayServices are checked by name instead."""
    kustomization = load_yaml_stream((GOLDEN / "full" / "flux" / "kustomization-workloads.yaml").read_text())[0]
    spec = kustomization["spec"]
    assert "wait" not in spec
    assert {(check["kind"], check["name"]) for check in spec["healthChecks"]} == {
        ("RayJob", "train"),
        ("RayJob", "report"),
        ("RayService", "llm"),
    }
    assert {expression["kind"] for expression in spec["healthCheckExprs"]} == {"RayJob", "RayService"}
    release = load_yaml_stream((GOLDEN / "full" / "charts" / "helmrelease-charted.yaml").read_text())[0]
    assert [expression["kind"] for expression in release["spec"]["healthCheckExprs"]] == ["RayCluster"]
    assert release["spec"]["upgrade"]["disableWait"] is True
    # helm-controller's default of 5m would uninstall a RayCluster whose images or GPU nodes take longer
    assert release["spec"]["install"]["timeout"] == "30m"
    charts = load_yaml_stream((GOLDEN / "full" / "flux" / "kustomization-charts.yaml").read_text())[0]
    assert charts["spec"]["timeout"] == "30m"


def test_no_ignore_differences_without_autoscaling() -> None:
    workloads = load_yaml_stream((GOLDEN / "minimal" / "argocd" / "application-workloads.yaml").read_text())[0]
    assert "ignoreDifferences" not in workloads["spec"]


@pytest.mark.parametrize(
    ("first", "second", "clash"),
    [
        (
            ("argoproj.io/v1alpha1", "Application", "argocd", "a"),
            ("argoproj.io/v1alpha1", "Application", "argocd", "a"),
            True,
        ),
        (
            ("argoproj.io/v1alpha1", "Application", "argocd", "a"),
            ("argoproj.io/v1alpha1", "AppProject", "argocd", "a"),
            False,
        ),
        (
            ("source.toolkit.fluxcd.io/v1", "GitRepository", "flux-system", "a"),
            ("source.toolkit.fluxcd.io/v1", "GitRepository", "flux-system", "a"),
            True,
        ),
    ],
)
def test_clashing_generated_names_name_both_environments(
    tmp_path: Path, tool: ToolData, first: tuple[str, ...], second: tuple[str, ...], clash: bool
) -> None:
    contexts = []
    files = []
    for name, (api_version, kind, namespace, object_name) in (("one", first), ("two", second)):
        path = tmp_path / f"{name}.yaml"
        path.write_text(f"name: {name}\ntarget: {{cluster: shared, namespace: {name}}}\n")
        document = load_environment_file(path)
        contexts.append(
            RuleContext(
                path,
                document.data,
                document.origin,
                load_release("1.6.0", tool.schemas),
                load_field_history(tool.schemas),
            )
        )
        manifest = {"apiVersion": api_version, "kind": kind, "metadata": {"name": object_name, "namespace": namespace}}
        files.append(RenderedFile(PurePosixPath(name, "argocd", "x.yaml"), name, "", (manifest,)))
    problems = list(unique_object_names.run([context.for_rule(unique_object_names.id) for context in contexts], files))
    assert [conflict.problem.message for conflict in problems] == (
        [f"{second[1]} {second[3]} is generated by environment one too (see one.yaml:1)"] if clash else []
    )


def test_fixture_environments_exercise_both_engines() -> None:
    engines = {
        load_yaml_stream(path.read_text())[0].get("gitops", {}).get("engine")
        for path in (FIXTURES / "environments").glob("*.yaml")
    }
    assert {"argocd", "both"} <= engines


def test_generated_chart_values_are_checked_against_the_chart_keys(tmp_path: Path, tool: ToolData) -> None:
    folder = tmp_path / "envs"
    folder.mkdir()
    (folder / "both.yaml").write_text(CLUSTER.replace("DELIVERY", "helm"))
    document = load_environment_file(folder / "both.yaml")
    context = RuleContext(
        folder / "both.yaml",
        document.data,
        document.origin,
        load_release("1.6.0", tool.schemas),
        load_field_history(tool.schemas),
    )
    path = PurePosixPath("both", "charts", "raycluster-analytics.values.yaml")
    values = build(BuildRequest(folder, (), tool)).files
    [generated] = [file for file in values if file.path == path]
    assert chart_values_problems(context, [generated]) == []
    broken = {**generated.documents[0], "head": {**generated.documents[0]["head"], "rayVerson": "2.46.0"}}
    [problem] = chart_values_problems(context, [RenderedFile(path, "both", "", (broken,))])
    assert problem.path == ("clusters", 0, "delivery")
    assert problem.message == "the ray-cluster chart 1.6.0 has no value head.rayVerson"


def test_every_flux_helm_release_retries_and_remediates() -> None:
    """helm-controller's retries default to 0: without remediation one failed install or upgrade stalls the
    release until its spec changes (RetriesExhausted, api/v2/helmrelease_types.go:754 at v1.6.3)."""
    releases = [
        document
        for path in sorted(GOLDEN.rglob("helmrelease*.yaml"))
        for document in load_yaml_stream(path.read_text())
        if document and document.get("kind") == "HelmRelease"
    ]
    assert {release["metadata"]["name"] for release in releases} >= {"full-kuberay-operator"}
    assert len(releases) == 2  # the operator and the chart-delivered RayCluster of the full fixture
    for release in releases:
        assert release["spec"]["install"]["remediation"]["retries"] >= 1
        assert release["spec"]["upgrade"]["remediation"] == {"retries": 3, "remediateLastFailure": True}


def test_operator_chart_version_and_values_change_in_one_object() -> None:
    """A `$values` source would follow the branch while the chart version sits in the Application: a KubeRay
    bump or revert could run one release's chart with the other's values. The values are inline instead."""
    application = load_yaml_stream((GOLDEN / "full" / "argocd" / "application-operator.yaml").read_text())[0]
    values = load_yaml_stream((GOLDEN / "full" / "operator" / "values.yaml").read_text())[0]
    assert "sources" not in application["spec"]
    assert application["spec"]["source"]["helm"]["valuesObject"] == values
    assert values["image"]["tag"] == f"v{application['spec']['source']['targetRevision']}"


def test_projects_split_platform_and_workloads_with_exact_cluster_names() -> None:
    folder = GOLDEN / "full" / "argocd"
    platform = load_yaml_stream((folder / "appproject-platform.yaml").read_text())[0]["spec"]
    workloads = load_yaml_stream((folder / "appproject-workloads.yaml").read_text())[0]["spec"]
    assert all(item.get("name") for spec in (platform, workloads) for item in spec["clusterResourceWhitelist"])
    assert workloads["clusterResourceWhitelist"] == [{"group": "", "kind": "Namespace", "name": "ml-full"}]
    workload_kinds = {item["kind"] for item in workloads["namespaceResourceWhitelist"]}
    assert not workload_kinds & {"Deployment", "ServiceAccount", "Role", "RoleBinding", "Service"}
    assert "https://github.com/ray-project/kuberay" not in workloads["sourceRepos"]
    assert platform["sourceRepos"] == [
        "https://ray-project.github.io/kuberay-helm/",
        "https://github.com/ray-project/kuberay",
    ]
    crds = {item["name"] for item in platform["clusterResourceWhitelist"] if item["kind"] == "CustomResourceDefinition"}
    assert crds == {"rayclusters.ray.io", "rayjobs.ray.io", "rayservices.ray.io"}
    for name, project in (
        ("application-crds", "full-platform"),
        ("application-operator", "full-platform"),
        ("application-workloads", "full-workloads"),
        ("application-raycluster-charted", "full-workloads"),
    ):
        assert load_yaml_stream((folder / f"{name}.yaml").read_text())[0]["spec"]["project"] == project


def test_root_application_has_a_project_that_allows_only_argocd_objects() -> None:
    root = load_yaml_stream((GOLDEN / "argocd" / "root-application.yaml").read_text())[0]
    project = load_yaml_stream((GOLDEN / "argocd" / "root-project.yaml").read_text())[0]
    assert root["spec"]["project"] == project["metadata"]["name"] != "default"
    allowed = {(item["group"], item["kind"]) for item in project["spec"]["namespaceResourceWhitelist"]}
    assert project["spec"]["clusterResourceWhitelist"] == []
    synced = [
        document
        for environment in ("full", "minimal")
        for path in sorted((GOLDEN / environment / "argocd").glob("*.yaml"))
        if path.name != "kustomization.yaml"
        for document in load_yaml_stream(path.read_text())
    ]
    assert synced
    assert all(("argoproj.io", document["kind"]) in allowed for document in synced)


def test_flux_kustomizations_apply_as_accounts_allowed_exactly_what_they_apply(tmp_path: Path) -> None:
    """Each generated Kustomization impersonates its own service account. Built as kustomize-controller builds
    it (the overlay plus the Kustomization's patches), the workloads hold no Namespace, which the Flux folder
    applies instead, and every object they apply is allowed to their account by its Role."""
    flux = kustomize_build(GOLDEN / "full" / "flux")
    roles = {(doc["metadata"]["namespace"], doc["metadata"]["name"]): doc for doc in flux if doc["kind"] == "Role"}
    kustomizations = [doc for doc in flux if doc["kind"] == "Kustomization"]
    assert {doc["spec"]["serviceAccountName"] for doc in kustomizations} == {
        "full-operator",
        "full-charts",
        "full-workloads",
    }
    [namespace] = [doc for doc in flux if doc["kind"] == "Namespace"]
    assert namespace["metadata"]["name"] == "ml-full"
    # never pruned, and readable (only) by name for a workloads Kustomization that still lists it
    assert namespace["metadata"]["annotations"] == {"kustomize.toolkit.fluxcd.io/prune": "disabled"}
    [cluster_role] = [doc for doc in flux if doc["kind"] == "ClusterRole"]
    assert cluster_role["rules"] == [
        {"apiGroups": [""], "resources": ["namespaces"], "verbs": ["get"], "resourceNames": ["ml-full"]}
    ]
    [workloads] = [doc for doc in kustomizations if doc["metadata"]["name"] == "full-workloads"]
    overlay = tmp_path / "workloads"
    shutil.copytree(GOLDEN / "full" / "workloads", overlay)
    kustomization = load_yaml_stream((overlay / "kustomization.yaml").read_text())[0]
    kustomization["patches"] = kustomization.get("patches", []) + workloads["spec"]["patches"]
    (overlay / "kustomization.yaml").write_text(json.dumps(kustomization))
    applied = kustomize_build(overlay)
    assert "Namespace" not in {doc["kind"] for doc in applied}
    rules = roles[("ml-full", "full-workloads")]["rules"]
    for document in applied:
        group = document["apiVersion"].rpartition("/")[0]
        resource = document["kind"].lower() + "s"
        assert document["metadata"]["namespace"] == "ml-full"
        assert any(group in rule["apiGroups"] and resource in rule["resources"] for rule in rules), document["kind"]


def test_every_argocd_application_retries_with_backoff() -> None:
    """Argo CD's own default is 5 retries within about 2.5 minutes, and a failed revision is not synced again;
    on a KubeRay bump the workloads may need to wait longer for the new CRDs."""
    applications = [
        document
        for path in [*sorted(GOLDEN.glob("**/argocd/application*.yaml")), GOLDEN / "argocd" / "root-application.yaml"]
        for document in load_yaml_stream(path.read_text())
    ]
    assert len(applications) > 4
    for application in applications:
        retry = application["spec"]["syncPolicy"]["retry"]
        assert retry["limit"] >= 10
        assert retry["backoff"]["maxDuration"] == "5m"


AUTOSCALED = """\
name: team
kuberay: {version: 1.6.0}
target: {cluster: in-cluster, namespace: ray}
gitops: {engine: both, repoURL: https://git.example.com/ray.git}
defaults: {image: rayproject/ray:2.46.0}
podSecurity: baseline
clusters:
  - name: c
    head: {cpu: "1"}
"""
ON = "    autoscaling: {enabled: true}\n"
ADDED_GROUP = (
    "{groupName: extra, minReplicas: 0, maxReplicas: 3, rayStartParams: {}, template: {spec: {containers: "
    "[{name: ray-worker, image: 'rayproject/ray:2.46.0'}]}}}"
)


def _rendered(tmp_path: Path, tool: ToolData, body: str) -> dict[str, Any]:
    folder = tmp_path / "environments"
    folder.mkdir()
    (folder / "team.yaml").write_text(AUTOSCALED + body)
    result = build(BuildRequest(folder, (), tool, keep_outcomes=False))
    assert [problem.message for problem in result.problems if problem.is_error] == []
    return {str(file.path): file.documents[0] for file in result.files}


@pytest.mark.parametrize(
    ("body", "groups"),
    [
        # a group that only `spec` adds, beside a structured one
        (
            "    autoscaling: {enabled: true}\n    workerGroups: [{name: w, maxReplicas: 4}]\n"
            f"    spec: {{workerGroupSpecs: [{ADDED_GROUP}]}}\n",
            ["w", "extra"],
        ),
        # the groups only `spec` writes
        (f"    autoscaling: {{enabled: true}}\n    spec: {{workerGroupSpecs: [{ADDED_GROUP}]}}\n", ["extra"]),
        # the autoscaler only `spec` turns on
        ("    workerGroups: [{name: w, maxReplicas: 4}]\n    spec: {enableInTreeAutoscaling: true}\n", ["w"]),
        # the autoscaler `spec` turns off, the groups `spec` writes away
        (
            ON + "    workerGroups: [{name: w}]\n    spec: {enableInTreeAutoscaling: false}\n",
            [],
        ),
        ("    autoscaling: {enabled: true}\n    workerGroups: [{name: w}]\n    spec: {workerGroupSpecs: []}\n", []),
    ],
)
def test_the_autoscaler_fields_ignored_are_those_of_the_rendered_cluster(
    tmp_path: Path, tool: ToolData, body: str, groups: list[str]
) -> None:
    """Argo CD's ignoreDifferences and Flux's ignore rules follow the RayCluster as rendered, the item's `spec`
    merged: each pointer names a field of a rendered group (Flux's JSON-patch replace needs it), and every group
    of an autoscaled cluster has them."""
    files = _rendered(tmp_path, tool, body)
    cluster = files["team/workloads/raycluster-c.yaml"]
    assert [group["groupName"] for group in cluster["spec"].get("workerGroupSpecs", [])] == (
        groups if groups or "workerGroupSpecs" in body else ["w"]
    )
    kustomization = files["team/flux/kustomization-workloads.yaml"]["spec"]
    application = files["team/argocd/application-workloads.yaml"]["spec"]
    if not groups:
        assert "ignore" not in kustomization
        assert "ignoreDifferences" not in application
        return
    [rule] = kustomization["ignore"]
    _assert_points_at_every_group(rule["paths"], cluster, len(groups))
    assert [(entry["kind"], entry["name"]) for entry in application["ignoreDifferences"]] == [("RayCluster", "c")]


def test_a_group_spec_adds_keeps_the_replicas_it_writes(tmp_path: Path, tool: ToolData) -> None:
    written = ADDED_GROUP.replace("minReplicas: 0", "replicas: 2, minReplicas: 0")
    body = f"    autoscaling: {{enabled: true}}\n    spec: {{workerGroupSpecs: [{written}]}}\n"
    [group] = _rendered(tmp_path, tool, body)["team/workloads/raycluster-c.yaml"]["spec"]["workerGroupSpecs"]
    assert (group["replicas"], group["scaleStrategy"]) == (2, {})


def test_a_field_spec_removes_stays_removed_and_is_not_pointed_at(tmp_path: Path, tool: ToolData) -> None:
    """The importer cancels the template's scaleStrategy with a null where a manifest has none (docs/import.md):
    the rendered group keeps it removed, and Flux gets no pointer to it."""
    nulled = "    spec: {workerGroupSpecs: [{groupName: w, scaleStrategy: null}]}\n"
    body = ON + "    workerGroups: [{name: w, maxReplicas: 4}]\n" + nulled
    files = _rendered(tmp_path, tool, body)
    [group] = files["team/workloads/raycluster-c.yaml"]["spec"]["workerGroupSpecs"]
    assert "scaleStrategy" not in group
    [rule] = files["team/flux/kustomization-workloads.yaml"]["spec"]["ignore"]
    assert rule["paths"] == ["/spec/workerGroupSpecs/0/replicas"]


def test_the_fields_filled_in_for_the_autoscaler_are_those_of_the_field_table() -> None:
    """render/gitops.py AUTOSCALER_FIELDS gives a value to each field the field table says the autoscaler writes
    in a worker group, and to no other: the Flux pointers are made from the table, the values from the constant."""
    from generator.model.fields import runtime_owned
    from generator.render.gitops import AUTOSCALER_FIELDS

    owned = runtime_owned("RayCluster", "autoscaler")
    assert all(entry.crd[:-1] == ("spec", "workerGroupSpecs", "[]") for entry in owned)
    assert sorted(AUTOSCALER_FIELDS) == sorted(entry.crd[-1] for entry in owned)


@pytest.mark.parametrize(
    ("service", "waited"),
    [
        ("suspend: true", False),
        ("spec: {suspend: true}", False),  # what the item's `spec` writes is rendered last
        ("suspend: true, spec: {suspend: false}", True),
        ("suspend: false", True),
    ],
)
def test_flux_does_not_wait_for_a_suspended_ray_service(
    tmp_path: Path, tool: ToolData, service: str, waited: bool
) -> None:
    """Once Suspended, KubeRay records no new generation of a RayService (handleSuspend at v1.7.0): Flux would hold
    it InProgress after any change of its spec, and the Kustomization time out at every interval."""
    text = (
        "name: susp\nkuberay: {version: 1.7.0}\ntarget: {cluster: in-cluster, namespace: ray}\n"
        "gitops: {engine: flux, repoURL: https://git.example.com/ray.git}\ndefaults: {image: rayproject/ray:2.46.0}\n"
        "services: [{name: s, " + service + ", serveConfig: {applications: [{name: a, import_path: m:a}]}, "
        "cluster: {head: {cpu: '1'}}}]\n"
    )
    folder = tmp_path / "environments"
    folder.mkdir()
    (folder / "susp.yaml").write_text(text)
    result = build(BuildRequest(folder, (), tool, keep_outcomes=False))
    assert [problem for problem in result.problems if problem.is_error] == []
    [kustomization] = next(file.documents for file in result.files if file.path.name == "kustomization-workloads.yaml")
    assert ("healthChecks" in kustomization["spec"]) == waited


@pytest.mark.parametrize(
    ("owner_engine", "depends_on"),
    [
        ("flux", [{"name": "own-operator"}]),
        ("both", [{"name": "own-operator"}]),
        ("argocd", None),  # no Flux object to wait for: Argo CD orders the owner's own sync
    ],
)
def test_flux_workloads_wait_for_the_operator_of_their_cluster(
    tmp_path: Path, tool: ToolData, owner_engine: str, depends_on: Any
) -> None:
    """An environment that shares the operator another installs on its cluster applies its Ray objects only once
    that operator's Kustomization is ready: on a new cluster, and on a KubeRay upgrade, the CRDs come first."""
    base = "kuberay: {version: 1.6.0}\ndefaults: {image: rayproject/ray:2.46.0}\n"
    owner = (
        f"name: own\n{base}target: {{cluster: c1, namespace: own}}\n"
        f"gitops: {{engine: {owner_engine}, repoURL: https://git.example.com/ray.git}}\noperator: {{install: true}}\n"
    )
    team = (
        f"name: team\n{base}target: {{cluster: c1, namespace: team}}\n"
        "gitops: {engine: flux, repoURL: https://git.example.com/ray.git}\n"
        "clusters: [{name: c, head: {cpu: '1'}}]\n"
    )
    folder = tmp_path / "environments"
    folder.mkdir()
    (folder / "own.yaml").write_text(owner)
    (folder / "team.yaml").write_text(team)
    result = build(BuildRequest(folder, (), tool, keep_outcomes=False))
    assert [problem for problem in result.problems if problem.is_error] == []
    [workloads] = next(
        file.documents for file in result.files if str(file.path) == "team/flux/kustomization-workloads.yaml"
    )
    assert workloads["spec"].get("dependsOn") == depends_on
