"""`clusterObjects`: cluster-scoped objects, rendered into the workloads overlay, allowed by name.

The overlay is built with the real `kubectl kustomize`: each carried kind must come out without the overlay's
namespace (and a kind that does not is why the others are refused). The permissions are checked as the API
server decides: Argo CD matches the project's clusterResourceWhitelist by group, kind and name, and the Flux
account's ClusterRole is evaluated with RBAC's rule matching for the requests kustomize-controller makes
(apply patches that may create, gets, deletes, all by name).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from generator.model.names import resource_name
from generator.output.serialize import load_yaml_stream
from generator.output.write import OutputScope, write_output
from generator.paths import PROJECT_ROOT, ToolData
from generator.pipeline import BuildRequest, build
from generator.render.gitops import NAMED_VERBS
from generator.rules.objects import CLUSTER_OBJECT_KINDS
from tests.kustomize import kustomize_build

VALID = PROJECT_ROOT / "tests" / "corpus" / "valid"
ENVIRONMENT = "cluster-objects"


@pytest.fixture(scope="module")
def rendered(tool: ToolData, tmp_path_factory: pytest.TempPathFactory) -> Path:
    result = build(BuildRequest(VALID, (ENVIRONMENT,), tool))
    assert result.problems == ()
    output = tmp_path_factory.mktemp("cluster-objects") / "rendered"
    write_output(output, result.files, OutputScope(None))
    return output / ENVIRONMENT


def _cluster_objects() -> list[dict[str, Any]]:
    document = next(iter(load_yaml_stream((VALID / f"{ENVIRONMENT}.yaml").read_text())))
    items: list[dict[str, Any]] = document["clusterObjects"]
    return items


def _documents(path: Path) -> list[dict[str, Any]]:
    return [document for document in load_yaml_stream(path.read_text()) if isinstance(document, dict)]


def _group(item: dict[str, Any]) -> str:
    return str(item["apiVersion"]).rpartition("/")[0]


def test_the_corpus_case_has_every_carried_kind() -> None:
    assert {(_group(item), item["kind"]) for item in _cluster_objects()} == set(CLUSTER_OBJECT_KINDS)


def test_each_object_is_built_without_a_namespace(rendered: Path) -> None:
    built = {(doc["kind"], doc["metadata"]["name"]): doc for doc in kustomize_build(rendered / "workloads")}
    for item in _cluster_objects():
        document = built[(item["kind"], item["metadata"]["name"])]
        assert "namespace" not in document["metadata"], item["kind"]
        assert document["metadata"]["labels"]["kuberay-gitops/environment"] == ENVIRONMENT
        assert {key: value for key, value in document.items() if key != "metadata"} == {
            key: value for key, value in item.items() if key != "metadata"
        }


def test_kustomize_gives_other_cluster_scoped_kinds_the_namespace(tmp_path: Path) -> None:
    """Why clusterObjects carries only the kinds above: kustomize's namespace transformer knows no CRD's scope
    and not the newer API kinds', and stamps the overlay's namespace on them."""
    (tmp_path / "kustomization.yaml").write_text("namespace: ray\nresources: [objects.yaml]\n")
    (tmp_path / "objects.yaml").write_text(
        "apiVersion: scheduling.volcano.sh/v1beta1\nkind: Queue\nmetadata: {name: q}\nspec: {weight: 1}\n---\n"
        "apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingAdmissionPolicy\nmetadata: {name: p}\n"
    )
    assert [document["metadata"].get("namespace") for document in kustomize_build(tmp_path)] == ["ray", "ray"]


def test_the_workloads_project_allows_each_object_by_name(rendered: Path) -> None:
    project = next(
        doc for doc in _documents(rendered / "argocd" / "appproject-workloads.yaml") if doc["kind"] == "AppProject"
    )
    allowed = project["spec"]["clusterResourceWhitelist"]
    assert all(entry.get("name") for entry in allowed)  # an entry without a name allows every object of its kind
    assert allowed == [
        {"group": "", "kind": "Namespace", "name": "ray-cluster-objects"},
        *(
            {"group": _group(item), "kind": item["kind"], "name": item["metadata"]["name"]}
            for item in _cluster_objects()
        ),
    ]


def _flux_cluster_rules(rendered: Path) -> list[dict[str, Any]]:
    role = next(
        doc
        for doc in _documents(rendered / "flux" / "access.yaml")
        if doc["kind"] == "ClusterRole" and doc["metadata"]["name"].endswith("workloads-namespace")
    )
    rules: list[dict[str, Any]] = role["rules"]
    return rules


def _allows(rules: list[dict[str, Any]], verb: str, group: str, resource: str, name: str) -> bool:
    """RBAC's decision for a resource request: a rule matches the verb, the group and the resource, and its
    resourceNames, if any, hold the request's name (VerbMatches, APIGroupMatches, ResourceMatches and
    ResourceNameMatches, kubernetes pkg/apis/rbac/v1/evaluation_helpers.go:31-97 at 03bf11a3). The rules
    written here use no `*`, so the wildcard branches are left out."""
    return any(
        verb in rule["verbs"]
        and group in rule["apiGroups"]
        and resource in rule["resources"]
        and (not rule.get("resourceNames") or name in rule["resourceNames"])
        for rule in rules
    )


def test_the_flux_account_may_apply_and_prune_each_object_by_name_only(rendered: Path) -> None:
    rules = _flux_cluster_rules(rendered)
    assert all(rule.get("resourceNames") for rule in rules)  # nothing cluster-wide without a name
    for item in _cluster_objects():
        resource = resource_name(item["kind"])
        for verb in NAMED_VERBS:
            assert _allows(rules, verb, _group(item), resource, item["metadata"]["name"]), (verb, item["kind"])
        assert not _allows(rules, "create", _group(item), resource, "another-name")
        assert not _allows(rules, "list", _group(item), resource, "")


def test_the_flux_account_may_grant_only_what_its_objects_name(rendered: Path) -> None:
    rules = _flux_cluster_rules(rendered)
    rbac = "rbac.authorization.k8s.io"
    # the ClusterRole it writes may hold permissions the account lacks: escalate, and bind for its binding
    assert _allows(rules, "escalate", rbac, "clusterroles", "kube-rbac-proxy")
    assert _allows(rules, "bind", rbac, "clusterroles", "kube-rbac-proxy")
    # a binding of a ClusterRole it does not write needs bind on that one
    assert _allows(rules, "bind", rbac, "clusterroles", "view")
    assert not _allows(rules, "bind", rbac, "clusterroles", "cluster-admin")
    assert not _allows(rules, "escalate", rbac, "clusterroles", "view")
