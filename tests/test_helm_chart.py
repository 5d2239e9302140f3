"""The official charts rendered for real with the Helm SDK (helm-python-sdk: Helm v4's Go SDK, offline), from the
copies in tests/fixtures/charts/<tag>/: the operator that our values give, its permissions in every namespace
it watches (with the Roles we render for single-namespace installs), and the RayCluster that the ray-cluster
chart makes of our values against the one the overlay holds."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import helm_python
import pytest
import yaml

from generator.errors import format_path
from generator.model.access import installed_cluster_objects
from generator.model.build import operator_settings
from generator.model.names import OPERATOR_RELEASE
from generator.output.serialize import load_yaml_stream
from generator.paths import ToolData
from generator.pipeline import BuildRequest, build
from generator.releases import load_release, release_tag
from generator.review.capacity import chart_cluster, cluster_capacity
from generator.review.trees import VALUES, ObjectKey
from tests.conftest import FIXTURES
from tests.problems import problems_of
from tests.test_gitops import CLUSTER

CHARTS = FIXTURES / "charts"
# What the operator needs in each namespace it manages, from the kinds it reconciles there
NEEDED = (
    ("", "pods", "create"),
    ("", "pods", "delete"),
    ("", "services", "create"),
    ("ray.io", "rayclusters", "list"),
    ("ray.io", "rayclusters/status", "update"),
    ("ray.io", "rayjobs", "watch"),
    ("ray.io", "rayservices/status", "patch"),
)

SINGLE_NAMESPACE = """\
name: solo
kuberay: {version: VERSION}
target: {cluster: in-cluster, namespace: ml-solo}
gitops: {engine: both, repoURL: https://git.example.com/ray.git}
operator:
  install: true
  namespace: ray-system
  watchNamespaces: [ml-solo, ml-shared]
  values: {singleNamespaceInstall: true, crNamespacedRbacEnable: false, batchScheduler: {name: SCHEDULER}}
defaults: {image: rayproject/ray:2.41.0}
clusters:
  - name: tiny
    head: {cpu: "1", memory: 2Gi}
---
name: shared
kuberay: {version: VERSION}
target: {cluster: in-cluster, namespace: ml-shared}
gitops: {engine: argocd, repoURL: https://git.example.com/ray.git}
defaults: {image: rayproject/ray:2.41.0}
jobs:
  - name: once
    entrypoint: python -c "print(1)"
    cluster:
      head: {cpu: "1", memory: 2Gi}
"""

MULTI_NAMESPACE = """\
name: wide
kuberay: {version: VERSION}
target: {cluster: https://k8s.example.com, namespace: ml-wide}
gitops: {engine: argocd, repoURL: https://git.example.com/ray.git}
operator:
  install: true
  namespace: kuberay
  watchNamespaces: [ml-wide]
  featureGates: {RayJobDeletionPolicy: true}
  env: [{name: ENABLE_ZERO_DOWNTIME, value: "true"}]
  resources: {requests: {cpu: 200m, memory: 256Mi}, limits: {cpu: "1", memory: 1Gi}}
defaults: {image: rayproject/ray:2.41.0}
clusters:
  - name: tiny
    head: {cpu: "1", memory: 2Gi}
"""


def build_files(folder: Path, tool: ToolData, text: str) -> dict[str, list[Any]]:
    folder.mkdir(parents=True, exist_ok=True)
    for document in text.split("---\n"):
        name = yaml.safe_load(document)["name"]
        (folder / f"{name}.yaml").write_text(document)
    result = build(BuildRequest(folder, (), tool))
    assert [problem for problem in result.problems if problem.is_error] == []
    return {str(file.path): list(file.documents) for file in result.files}


def render_chart(tag: str, chart: str, values: dict[str, Any], name: str, namespace: str) -> list[dict[str, Any]]:
    with helm_python.Chart.load(CHARTS / tag / chart) as loaded:
        rendered = loaded.render(values, name=name, namespace=namespace)
    return [document for text in rendered.values() for document in load_yaml_stream(text) if document]


def operator_cases() -> Iterator[Any]:
    for version in ("1.3.0", "1.5.0", "1.7.0"):
        yield pytest.param(MULTI_NAMESPACE.replace("VERSION", version), version, id=f"{version}-cluster-wide")
        renamed = MULTI_NAMESPACE.replace("VERSION", version).replace(
            "  featureGates:", "  values: {fullnameOverride: ray-operator}\n  featureGates:"
        )
        yield pytest.param(renamed, version, id=f"{version}-renamed")
        for scheduler in ("", "volcano", "yunikorn"):
            text = SINGLE_NAMESPACE.replace("VERSION", version).replace("SCHEDULER", repr(scheduler))
            yield pytest.param(text, version, id=f"{version}-single-namespace-{scheduler or 'no-scheduler'}")


@pytest.mark.parametrize(("text", "version"), list(operator_cases()))
def test_operator_chart_runs_what_the_environment_asks(tmp_path: Path, tool: ToolData, text: str, version: str) -> None:
    files = build_files(tmp_path / "environments", tool, text)
    owner = yaml.safe_load(text.split("---\n")[0])
    operator = owner["operator"]
    [values] = files[f"{owner['name']}/operator/values.yaml"]
    objects = render_chart(release_tag(version), "kuberay-operator", values, OPERATOR_RELEASE, operator["namespace"])
    [deployment] = [document for document in objects if document["kind"] == "Deployment"]
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    assert container["image"] == f"{values['image']['repository']}:{values['image']['tag']}"
    assert container["image"].endswith(f":v{version}")
    args = container.get("args", [])
    assert args[args.index("--watch-namespace") + 1] == ",".join(operator["watchNamespaces"])
    [gates] = [arg for arg in args if arg.startswith("--feature-gates=")]
    for gate, enabled in operator.get("featureGates", {}).items():
        assert f"{gate}={str(enabled).lower()}" in gates.split("=", 1)[1].split(",")
    for variable in operator.get("env", []):
        assert variable in container.get("env", [])
    if "resources" in operator:
        assert container["resources"] == operator["resources"]
    account = deployment["spec"]["template"]["spec"]["serviceAccountName"]
    # every watched namespace: the chart's RBAC plus the Roles the overlays carry
    ours = [
        document for path, documents in files.items() if path.endswith("operator-access.yaml") for document in documents
    ]
    for namespace in operator["watchNamespaces"]:
        for group, resource, verb in NEEDED:
            assert allowed(objects + ours, (operator["namespace"], account), namespace, group, resource, verb), (
                f"{account} cannot {verb} {resource} in {namespace}"
            )
    # the platform AppProject allows every object the chart creates: cluster-scoped ones by exact name
    [project] = files[f"{owner['name']}/argocd/appproject-platform.yaml"]
    spec = project["spec"]
    allowed_cluster = {(item["group"], item["kind"], item["name"]) for item in spec["clusterResourceWhitelist"]}
    allowed_kinds = {(item["group"], item["kind"]) for item in spec["namespaceResourceWhitelist"]}
    [target] = spec["destinations"]
    for document in objects:
        group = document["apiVersion"].rpartition("/")[0]
        if document["kind"] in ("ClusterRole", "ClusterRoleBinding"):
            assert (group, document["kind"], document["metadata"]["name"]) in allowed_cluster
        else:
            assert (group, document["kind"]) in allowed_kinds
            assert document["metadata"].get("namespace", operator["namespace"]) == target["namespace"]
    if operator.get("values", {}).get("singleNamespaceInstall"):
        assert {document["metadata"]["namespace"] for document in ours if document["kind"] == "Role"} == set(
            operator["watchNamespaces"]
        )
        chart_roles = render_chart(
            release_tag(version),
            "kuberay-operator",
            {**values, "crNamespacedRbacEnable": True},
            OPERATOR_RELEASE,
            operator["namespace"],
        )
        expected = [
            role["rules"]
            for role in chart_roles
            if role["kind"] == "Role" and role["metadata"].get("namespace") == "ml-solo"
        ]
        assert [
            role["rules"] for role in ours if role["kind"] == "Role" and role["metadata"].get("namespace") == "ml-solo"
        ] == expected


@pytest.mark.parametrize("version", ["1.3.0", "1.5.0", "1.7.0"])
@pytest.mark.parametrize("rbac", [True, False], ids=["rbac", "no-rbac"])
@pytest.mark.parametrize("single", [False, True], ids=["cluster-wide", "single-namespace"])
# "ops--": the chart's trimSuffix takes one trailing dash off, not every one
@pytest.mark.parametrize("fullname", [None, "ray-operator", "ops--"], ids=["named", "renamed", "dashes"])
def test_the_cluster_roles_of_an_install_are_those_the_chart_creates(
    tool: ToolData, version: str, rbac: bool, single: bool, fullname: str | None
) -> None:
    """What `clusterObjects` may not name on a cluster whose operator an environment installs (rules/cross.py)."""
    values: dict[str, Any] = {"rbacEnable": rbac, "singleNamespaceInstall": single}
    if fullname is not None:
        values["fullnameOverride"] = fullname
    objects = render_chart(release_tag(version), "kuberay-operator", values, OPERATOR_RELEASE, "ray-system")
    created = {
        (document["kind"], document["metadata"]["name"])
        for document in objects
        if document["kind"] in ("ClusterRole", "ClusterRoleBinding")
    }
    assert created or not rbac or single  # the chart creates some whenever it creates any RBAC cluster-wide
    operator = operator_settings({"install": True, "values": values})
    assert set(installed_cluster_objects(load_release(version, tool.schemas), operator)) == created


def allowed(
    objects: list[dict[str, Any]], account: tuple[str, str], namespace: str, group: str, resource: str, verb: str
) -> bool:
    """Kubernetes RBAC for one request: a RoleBinding in the namespace, or a ClusterRoleBinding, binding the
    service account to a Role or ClusterRole with a rule that matches."""
    roles = {(item["kind"], item["metadata"].get("namespace"), item["metadata"]["name"]): item for item in objects}
    for binding in objects:
        if binding["kind"] not in ("RoleBinding", "ClusterRoleBinding"):
            continue
        if binding["kind"] == "RoleBinding" and binding["metadata"].get("namespace") != namespace:
            continue
        subjects = binding.get("subjects", [])
        if not any(s["kind"] == "ServiceAccount" and (s.get("namespace"), s["name"]) == account for s in subjects):
            continue
        reference = binding["roleRef"]
        scope = None if reference["kind"] == "ClusterRole" else binding["metadata"].get("namespace")
        role = roles.get((reference["kind"], scope, reference["name"]))
        if role is not None and any(_matches(rule, group, resource, verb) for rule in role.get("rules", [])):
            return True
    return False


def _matches(rule: dict[str, Any], group: str, resource: str, verb: str) -> bool:
    return (
        any(item in (group, "*") for item in rule.get("apiGroups", []))
        and any(item in (resource, "*") for item in rule.get("resources", []))
        and any(item in (verb, "*") for item in rule.get("verbs", []))
    )


# What the chart adds of its own: Helm's labels on the object and its pods
HELM_LABELS = ("app.kubernetes.io/", "helm.sh/")
# Spellings of the same cluster: what the chart writes where the overlay leaves the API server's or KubeRay's
# default (numOfHosts 1 is the CRD default; IfNotPresent is the API server's default for a tagged image;
# KubeRay gives the head a ClusterIP Service unless told otherwise), and empty maps and lists (every such field
# of a pod or group is omitempty).
SAME_AS_UNSET = {"numOfHosts": 1, "imagePullPolicy": "IfNotPresent", "serviceType": "ClusterIP"}


@pytest.mark.parametrize("version", ["1.3.0", "1.5.0", "1.7.0"])
def test_ray_cluster_chart_makes_the_cluster_of_the_overlay(tmp_path: Path, tool: ToolData, version: str) -> None:
    text = CLUSTER.replace("version: 1.6.0", f"version: {version}")
    overlay = build_files(tmp_path / "kustomize", tool, text.replace("DELIVERY", "kustomize"))
    charted = build_files(tmp_path / "helm", tool, text.replace("DELIVERY", "helm"))
    [expected] = overlay["both/workloads/raycluster-analytics.yaml"]
    [values] = charted["both/charts/raycluster-analytics.values.yaml"]
    objects = render_chart(release_tag(version), "ray-cluster", values, "analytics", "ray")
    [cluster] = [document for document in objects if document["kind"] == "RayCluster"]
    assert cluster["metadata"]["name"] == expected["metadata"]["name"]
    chart_spec = _normal(_without_helm_labels(cluster["spec"]))
    overlay_spec = _normal(_without_scale_strategy(expected["spec"]))
    # The chart has no value for automountServiceAccountToken: the one setting of the overlay's pods that
    # chart delivery loses (docs/gitops.md, "RayCluster through the official chart").
    overlay_spec = _without_key(overlay_spec, "automountServiceAccountToken")
    # the 1.3 charts list additionalWorkerGroups before `worker`; KubeRay reads the groups by name
    for spec in (chart_spec, overlay_spec):
        spec["workerGroupSpecs"].sort(key=lambda group: group["groupName"])
    assert chart_spec == overlay_spec


@pytest.mark.parametrize("version", ["1.3.0", "1.5.0", "1.7.0"])
def test_the_review_reads_a_charted_cluster_as_the_chart_renders_it(
    tmp_path: Path, tool: ToolData, version: str
) -> None:
    """`capacity` and `diff` read a `delivery: helm` RayCluster from its values (review/capacity.py
    chart_cluster): its capacity is that of the RayCluster the real chart renders, and of the overlay's."""
    text = CLUSTER.replace("version: 1.6.0", f"version: {version}")
    overlay = build_files(tmp_path / "kustomize", tool, text.replace("DELIVERY", "kustomize"))
    charted = build_files(tmp_path / "helm", tool, text.replace("DELIVERY", "helm"))
    [expected] = overlay["both/workloads/raycluster-analytics.yaml"]
    [values] = charted["both/charts/raycluster-analytics.values.yaml"]
    [cluster] = [
        document
        for document in render_chart(release_tag(version), "ray-cluster", values, "analytics", "ray")
        if document["kind"] == "RayCluster"
    ]
    read = chart_cluster(ObjectKey(VALUES, "", "charts/raycluster-analytics.values.yaml"), values)
    assert read is not None
    assert read["metadata"]["name"] == cluster["metadata"]["name"]
    assert cluster_capacity(read["spec"]) == cluster_capacity(cluster["spec"]) == cluster_capacity(expected["spec"])
    assert cluster_capacity(read["spec"]).maximum["cpu"] > 0


@pytest.mark.parametrize("version", ["1.3.0", "1.7.0"])
def test_the_chart_writes_max_replicas_0_as_unbounded(tmp_path: Path, tool: ToolData, version: str) -> None:
    """Why helm-delivery refuses a worker group's maxReplicas 0: the chart writes `maxReplicas | default
    2147483647`, and Sprig's `default` takes 0 for no value. The overlay of the same environment keeps 0."""
    text = CLUSTER.replace("version: 1.6.0", f"version: {version}")
    [values] = build_files(tmp_path / "helm", tool, text.replace("DELIVERY", "helm"))[
        "both/charts/raycluster-analytics.values.yaml"
    ]
    groups = [values["worker"], *values.get("additionalWorkerGroups", {}).values()]
    for group in groups:
        group.update(replicas=0, minReplicas=0, maxReplicas=0)
    [cluster] = [
        document
        for document in render_chart(release_tag(version), "ray-cluster", values, "analytics", "ray")
        if document["kind"] == "RayCluster"
    ]
    assert [group["maxReplicas"] for group in cluster["spec"]["workerGroupSpecs"]] == [2147483647] * len(groups)
    (tmp_path / "refused").mkdir()
    found = problems_of(tool, tmp_path / "refused", {"zero": ZERO_GROUP.replace("VERSION", version)})
    assert [(rule, "cannot express maxReplicas 0" in message) for _file, rule, message in found] == [
        ("helm-delivery", True)
    ]
    # without the autoscaler KubeRay keeps `replicas` (GetWorkerGroupDesiredReplicas): 2147483647 does no harm
    (tmp_path / "fixed").mkdir()
    fixed = ZERO_GROUP.replace("VERSION", version).replace("    autoscaling: {enabled: true}\n", "")
    assert problems_of(tool, tmp_path / "fixed", {"zero": fixed}) == []


ZERO_GROUP = """\
kuberay: {version: VERSION}
target: {cluster: in-cluster, namespace: ray}
clusters:
  - name: c
    delivery: helm
    autoscaling: {enabled: true}
    head: {cpu: "1"}
    workerGroups: [{name: spare, replicas: 0}, {name: busy, replicas: 1, maxReplicas: 4}]
"""


def _without_helm_labels(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            key: (
                {name: item for name, item in child.items() if not name.startswith(HELM_LABELS)}
                if key == "labels" and isinstance(child, dict)
                else _without_helm_labels(child)
            )
            for key, child in value.items()
            if not (key == "labels" and isinstance(child, dict) and all(name.startswith(HELM_LABELS) for name in child))
        }
    if isinstance(value, list):
        return [_without_helm_labels(item) for item in value]
    return value


def _without_scale_strategy(spec: dict[str, Any]) -> dict[str, Any]:
    """The overlay writes the autoscaler's empty scaleStrategy for Flux's ignore rules; the chart has no key."""
    groups = [
        {key: item for key, item in group.items() if key != "scaleStrategy"} for group in spec["workerGroupSpecs"]
    ]
    return {**spec, "workerGroupSpecs": groups}


def _normal(value: Any) -> Any:
    if isinstance(value, dict):
        children = {key: _normal(child) for key, child in value.items()}
        return {
            key: child
            for key, child in children.items()
            if not (key in SAME_AS_UNSET and child == SAME_AS_UNSET[key]) and child not in ({}, [])
        }
    if isinstance(value, list):
        return [_normal(item) for item in value]
    return value


def _without_key(value: Any, name: str) -> Any:
    if isinstance(value, dict):
        return {key: _without_key(child, name) for key, child in value.items() if key != name}
    if isinstance(value, list):
        return [_without_key(item, name) for item in value]
    return value


@pytest.mark.parametrize("version", ["1.3.0", "1.7.0"])
def test_the_chart_writes_names_and_the_ray_version_unquoted(tmp_path: Path, tool: ToolData, version: str) -> None:
    """What rule chart-plain-text guards against, shown with the chart itself: the values our renderer gives it,
    with a group named `on` and rayVersion 2.46, come back from Kubernetes' reader (kubectl's) as a boolean and a
    number; `rtx-4090` stays text."""
    text = CLUSTER.replace("version: 1.6.0", f"version: {version}").replace("DELIVERY", "helm")
    [values] = build_files(tmp_path, tool, text)["both/charts/raycluster-analytics.values.yaml"]
    values["worker"]["groupName"] = "on"
    values["additionalWorkerGroups"] = {"rtx-4090": values["additionalWorkerGroups"]["gpu"]}
    values["head"]["rayVersion"] = "2.46"
    with helm_python.Chart.load(CHARTS / release_tag(version) / "ray-cluster") as loaded:
        rendered = loaded.render(values, name="analytics", namespace="ray")
    [manifest] = [text for text in rendered.values() if "kind: RayCluster" in text]
    [cluster] = decoded_by_kubectl(manifest)
    assert cluster["spec"]["rayVersion"] == 2.46
    assert sorted(map(repr, (group["groupName"] for group in cluster["spec"]["workerGroupSpecs"]))) == [
        "'rtx-4090'",
        "True",
    ]
    assert [(rule, path) for rule, path in _chart_plain_text_problems(tmp_path / "ours", tool, text)] == [
        ("chart-plain-text", "defaults.rayVersion"),
        ("chart-plain-text", "clusters[0].workerGroups[0].name"),
    ]


def decoded_by_kubectl(manifest: str) -> list[dict[str, Any]]:
    """The objects of `manifest` as sigs.k8s.io/yaml reads them (kubectl, offline)."""
    completed = subprocess.run(
        [str(Path(sys.executable).parent / "kubectl"), "label", "--local", "-f", "-", "a=b", "-o", "json"],
        input=manifest,
        capture_output=True,
        text=True,
        check=True,
    )
    decoded = json.loads(completed.stdout)
    return list(decoded["items"]) if decoded.get("kind") == "List" else [decoded]


def _chart_plain_text_problems(folder: Path, tool: ToolData, text: str) -> list[tuple[str, str]]:
    """The environment of `text` with the group and the version of the test above: the rule's findings."""
    folder.mkdir()
    changed = text.replace("{name: cpu,", "{name: 'on',").replace('rayVersion: "2.46.0"', 'rayVersion: "2.46"')
    (folder / "both.yaml").write_text(changed)
    result = build(BuildRequest(folder, (), tool, keep_outcomes=False))
    return [(problem.rule, format_path(problem.path)) for problem in result.problems if problem.is_error]


@pytest.mark.parametrize("version", ["1.3.0", "1.7.0"])
def test_the_operator_chart_writes_its_namespace_unquoted_in_role_bindings(
    tmp_path: Path, tool: ToolData, version: str
) -> None:
    """What rule operator-chart-plain-text guards against, shown with the chart itself: installed in namespace
    `on`, its role bindings name their ServiceAccount subject in a namespace that Kubernetes' reader (kubectl's)
    takes for a boolean, which the API server refuses for the subject's string field; `ray-on` stays text.
    Their own metadata.namespace, which Helm's builder replaces with the release namespace as text
    (docs/gitops.md), is left out: kubectl would refuse the whole document for it."""
    for namespace, read_as in (("on", True), ("ray-on", "ray-on")):
        with helm_python.Chart.load(CHARTS / release_tag(version) / "kuberay-operator") as loaded:
            rendered = loaded.render({}, name=OPERATOR_RELEASE, namespace=namespace)
        bindings = [text for text in rendered.values() if re.search(r"^kind: (Cluster)?RoleBinding$", text, re.M)]
        assert len(bindings) == 2  # the leader election's RoleBinding, the cluster-wide install's ClusterRoleBinding
        for manifest in bindings:
            [binding] = decoded_by_kubectl(_without_own_namespace(manifest))
            assert [subject["namespace"] for subject in binding["subjects"]] == [read_as]
    folder = tmp_path / "environments"
    folder.mkdir()
    text = f"""\
name: solo
kuberay: {{version: {version}}}
target: {{cluster: in-cluster, namespace: ml}}
gitops: {{engine: both, repoURL: https://git.example.com/ray.git}}
operator: {{install: true, namespace: "on"}}
defaults: {{image: rayproject/ray:2.41.0}}
"""
    (folder / "solo.yaml").write_text(text)
    result = build(BuildRequest(folder, (), tool, keep_outcomes=False))
    assert [(problem.rule, format_path(problem.path)) for problem in result.problems] == [
        ("operator-chart-plain-text", "operator.namespace")
    ]


def _without_own_namespace(manifest: str) -> str:
    """`manifest` without the `namespace` of its top-level `metadata` (the subjects' stay)."""
    kept, in_metadata = [], False
    for line in manifest.splitlines(keepends=True):
        if line[:1] not in (" ", "-", "\n", ""):
            in_metadata = line.startswith("metadata:")
        if not (in_metadata and line.startswith("  namespace:")):
            kept.append(line)
    return "".join(kept)


@pytest.mark.parametrize(
    ("version", "values", "refused"),
    [
        ("1.7.0", "{}", True),
        ("1.7.0", "{rbacEnable: false}", False),
        ("1.7.0", "{rbacEnable: 0}", False),  # Helm's `if` takes 0, "" and null for false too
        ("1.7.0", "{rbacEnable: null}", True),  # null removes the key from our values: the chart's true holds
        ("1.7.0", "{rbacEnable: false, metrics: {serviceMonitor: {enabled: true}}}", True),
        ("1.3.0", "{rbacEnable: false, metrics: {serviceMonitor: {enabled: true}}}", False),  # no ServiceMonitor yet
    ],
)
def test_the_operator_namespace_matters_where_the_chart_writes_it(
    tmp_path: Path, tool: ToolData, version: str, values: str, refused: bool
) -> None:
    """operator-chart-plain-text fires where the chart renders the namespace unquoted into a string field: the role
    bindings' subjects (rbacEnable) and, from 1.4.0, the ServiceMonitor's namespaceSelector.matchNames."""
    text = f"""\
name: solo
kuberay: {{version: {version}}}
target: {{cluster: in-cluster, namespace: ml}}
gitops: {{engine: both, repoURL: https://git.example.com/ray.git}}
operator: {{install: true, namespace: "on", values: {values}}}
defaults: {{image: rayproject/ray:2.41.0}}
"""
    (tmp_path / "solo.yaml").write_text(text)
    result = build(BuildRequest(tmp_path, (), tool, keep_outcomes=False))
    found = [problem.rule for problem in result.problems if problem.rule == "operator-chart-plain-text"]
    assert found == (["operator-chart-plain-text"] if refused else [])


def test_the_operator_chart_writes_its_namespace_unquoted_in_the_service_monitor() -> None:
    """servicemonitor.yaml (1.4.0 on) writes `matchNames: - {{ .Release.Namespace }}`: read as Kubernetes reads
    it, namespace `on` is a boolean in a list of strings."""
    with helm_python.Chart.load(CHARTS / "v1.7.0" / "kuberay-operator") as loaded:
        rendered = loaded.render(
            {"metrics": {"serviceMonitor": {"enabled": True}}}, name=OPERATOR_RELEASE, namespace="on"
        )
    [manifest] = [text for text in rendered.values() if "kind: ServiceMonitor" in text]
    [monitor] = decoded_by_kubectl(_without_own_namespace(manifest))
    assert monitor["spec"]["namespaceSelector"]["matchNames"] == [True]
