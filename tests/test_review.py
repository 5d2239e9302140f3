"""`diff` and `capacity`: golden diffs of prepared before/after pairs, the impact rules one by one, the
Markdown as a renderer shows it, and `diff --base` against a real temporary git repository."""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from markdown_it import MarkdownIt

from generator.paths import PROJECT_ROOT
from generator.review.capacity import Capacity, cluster_capacity, object_capacities, shown
from generator.review.fields import field_changes
from generator.review.impact import object_impacts
from generator.review.trees import VALUES, ObjectKey
from scripts.write_golden_diffs import case_reports
from tests.conftest import FIXTURES
from tests.diff_cases import BEFORE, CASES, EXPECTED, prepared
from tests.test_cli import run


@pytest.mark.parametrize("case", sorted(CASES))
def test_golden_diffs(case: str) -> None:
    text, markdown = case_reports(case)
    assert text == (EXPECTED / f"{case}.txt").read_text(), "golden diff differs: run `make golden`, review it"
    assert markdown == (EXPECTED / f"{case}.md").read_text(), "golden diff differs: run `make golden`, review it"


def test_every_golden_diff_belongs_to_a_case() -> None:
    assert {path.stem for path in EXPECTED.iterdir()} == set(CASES)


def test_the_markdown_renders_as_a_table_with_folded_details() -> None:
    html = MarkdownIt("commonmark").enable("table").render((EXPECTED / "gpu-count.md").read_text())
    assert "<table>" in html
    header = html.split("<thead>")[1].split("</thead>")[0]
    assert [cell.split("</th>")[0] for cell in header.split("<th>")[1:]] == [
        "environment",
        "change",
        "objects",
        "impact",
        "CPU",
        "memory",
        "GPU",
    ]
    row = html.split("<tbody>")[1].split("</tr>")[0]
    assert "<td>serve</td>" in row
    assert "<td>1 → 2</td>" in row  # the GPU delta
    assert "<details><summary>RayService <code>llm</code> changed" in html


def service(**cluster: Any) -> dict[str, Any]:
    spec = {
        "headGroupSpec": {"template": {"spec": {"containers": [{"name": "ray-head", "image": "ray:1"}]}}},
        "workerGroupSpecs": [{"groupName": "gpu", "replicas": 1, "template": {}}],
        **cluster,
    }
    return {"kind": "RayService", "spec": {"serveConfigV2": "applications: []\n", "rayClusterConfig": spec}}


def impacts(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    key = ObjectKey(str(new["kind"]), "ray", "x")
    return [impact.text for impact in object_impacts(key, old, new, list(field_changes(old, new)))]


def test_a_ray_service_under_upgrade_strategy_none_does_not_apply_cluster_changes() -> None:
    old = service()
    new = copy.deepcopy(old)
    new["spec"]["upgradeStrategy"] = {"type": "None"}
    new["spec"]["rayClusterConfig"]["headGroupSpec"]["template"]["spec"]["containers"][0]["image"] = "ray:2"
    assert impacts(old, new)[0].startswith("rayClusterConfig changed, but upgradeStrategy is None")
    new["spec"]["upgradeStrategy"] = {"type": "NewClusterWithIncrementalUpgrade"}
    assert impacts(old, new)[0].startswith("incremental upgrade")


def test_autoscaler_owned_fields_of_a_ray_service_start_no_new_cluster() -> None:
    old = service(enableInTreeAutoscaling=True)
    new = copy.deepcopy(old)
    new["spec"]["rayClusterConfig"]["workerGroupSpecs"][0]["replicas"] = 4
    assert impacts(old, new) == [
        "replicas and bounds of gpu: not applied, KubeRay leaves them out when it compares a RayService's cluster, "
        "so the running cluster keeps its values (kuberay#4568)"
    ]


def cluster(**spec: Any) -> dict[str, Any]:
    return {"kind": "RayCluster", "spec": service(**spec)["spec"]["rayClusterConfig"]}


def test_a_ray_cluster_pod_change_restarts_nothing_unless_recreate() -> None:
    old = cluster()
    new = copy.deepcopy(old)
    new["spec"]["headGroupSpec"]["template"]["spec"]["containers"][0]["image"] = "ray:2"
    assert impacts(old, new)[0].startswith("running pods keep their old spec")
    new["spec"]["upgradeStrategy"] = {"type": "Recreate"}
    assert impacts(old, new)[0].startswith("upgradeStrategy Recreate: every pod is deleted")


def test_replicas_of_a_group_without_autoscaler_scale_it_and_suspend_stops_it() -> None:
    old = cluster()
    new = copy.deepcopy(old)
    new["spec"]["workerGroupSpecs"][0]["replicas"] = 3
    assert impacts(old, new) == ["scales worker group gpu from 1 to 3 pods"]
    new["spec"]["suspend"] = True
    assert "suspend: every pod of the cluster is deleted" in impacts(old, new)


def git(repository: Path, *arguments: str) -> None:
    subprocess.run(
        ["git", "-c", "user.email=ci@example.com", "-c", "user.name=ci", *arguments],
        cwd=repository,
        check=True,
        capture_output=True,
    )


@pytest.fixture
def repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A git repository whose main branch holds the environments before and their rendered output."""
    repository = tmp_path / "repository"
    shutil.copytree(BEFORE, repository / "environments")
    monkeypatch.chdir(repository)
    git(repository, "init", "-q", "-b", "main")
    assert run("render").exit_code == 0
    git(repository, "add", "-A")
    git(repository, "commit", "-q", "-m", "before")
    git(repository, "checkout", "-q", "-b", "change")
    return repository


def test_diff_against_the_merge_base_of_a_real_repository(repository: Path) -> None:
    shutil.rmtree(repository / "environments")
    prepared("gpu-count", repository / "environments")
    result = run("diff")
    assert result.exit_code == 0
    first, *rest = result.stdout.splitlines(keepends=True)
    assert first.startswith("against the merge base with main (")
    assert "".join(rest) == "".join((EXPECTED / "gpu-count.txt").read_text().splitlines(keepends=True)[1:])
    assert run("diff", "--exit-code").exit_code == 1
    unchanged = run("diff", "--exit-code", "batch")  # only the environment named
    label = first.removeprefix("against ").removesuffix(":\n")
    assert (unchanged.exit_code, unchanged.stdout) == (0, f"no change to the rendered objects against {label}\n")


def test_diff_without_changes_and_against_a_ref_without_rendered_output(repository: Path) -> None:
    result = run("diff", "--exit-code")
    assert (result.exit_code, result.stdout.startswith("no change to the rendered objects against ")) == (0, True)
    git(repository, "rm", "-q", "-r", "rendered")
    git(repository, "commit", "-q", "-m", "no output committed")
    (repository / "environments" / "leaving.yaml").unlink()
    result = run("diff", "--base", "HEAD")
    assert result.exit_code == 0
    assert "ENVIRONMENT leaving IS REMOVED" in result.stdout  # the base's environments were rendered


def test_diff_against_a_rendered_folder_and_as_json(repository: Path) -> None:
    shutil.copytree(repository / "rendered", repository.parent / "snapshot")
    (repository / "environments" / "leaving.yaml").unlink()
    result = run("diff", "--base", str(repository.parent / "snapshot"), "--format", "json")
    assert result.exit_code == 0
    document = json.loads(result.stdout)
    assert [environment["environment"] for environment in document["environments"]] == ["leaving"]
    assert document["environments"][0]["state"] == "removed"


def test_diff_outside_git_needs_a_base(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(BEFORE, tmp_path / "environments")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    result = run("diff")
    assert result.exit_code == 2
    assert result.stderr.startswith("kuberay-gitops: error: the diff base is a git ref: run it in a git checkout")


def test_capacity_prints_every_ray_object_and_a_total(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(BEFORE, tmp_path / "environments")
    monkeypatch.chdir(tmp_path)
    result = run("capacity", "serve", "batch")
    assert (result.exit_code, result.stdout) == (
        0,
        "ENVIRONMENT  OBJECT                CPU   MEMORY     GPU  OTHER\n"
        "batch        RayCluster analytics  3-9   12Gi-36Gi  0    -\n"
        "batch        RayJob nightly        5     20Gi       0    -\n"
        "batch        total                 8-14  32Gi-56Gi  0    -\n"
        "serve        RayService llm        6     24Gi       1    -\n"
        "serve        total                 6     24Gi       1    -\n",
    )


def test_docs_review_shows_the_current_comment_of_a_case() -> None:
    document = (PROJECT_ROOT / "docs" / "review.md").read_text()
    shown = document.split("<!-- example: gpu-count -->\n", 1)[1].split("<!-- end of example -->", 1)[0]
    assert shown == (EXPECTED / "gpu-count.md").read_text(), "update the example in docs/review.md"


def test_suspending_a_ray_service_or_job_is_an_outage_and_frees_its_capacity() -> None:
    old = service()
    new = copy.deepcopy(old)
    new["spec"]["suspend"] = True
    assert impacts(old, new) == ["suspend: KubeRay deletes the service's clusters and its Serve endpoints stop"]
    assert object_capacities({ObjectKey("RayService", "ray", "x"): new}) == {
        ObjectKey("RayService", "ray", "x"): Capacity()
    }
    job: dict[str, Any] = {
        "kind": "RayJob",
        "spec": {"entrypoint": "python run.py", "rayClusterSpec": cluster()["spec"]},
    }
    suspended = copy.deepcopy(job)
    suspended["spec"]["suspend"] = True
    assert impacts(job, suspended) == ["suspend: the job stops and its RayCluster is deleted"]


def test_bounds_of_a_ray_service_are_not_applied_and_start_no_cluster() -> None:
    """KubeRay leaves replicas, minReplicas and maxReplicas out of the RayService hash (utils/util.go:645)."""
    old = service(enableInTreeAutoscaling=True)
    new = copy.deepcopy(old)
    new["spec"]["rayClusterConfig"]["workerGroupSpecs"][0]["maxReplicas"] = 8
    assert impacts(old, new) == [
        "replicas and bounds of gpu: not applied, KubeRay leaves them out when it compares a RayService's cluster, "
        "so the running cluster keeps its values (kuberay#4568)"
    ]


def test_reordered_worker_groups_are_a_change_that_starts_a_new_cluster() -> None:
    old = service()
    old["spec"]["rayClusterConfig"]["workerGroupSpecs"].append({"groupName": "cpu", "replicas": 1, "template": {}})
    new = copy.deepcopy(old)
    new["spec"]["rayClusterConfig"]["workerGroupSpecs"].reverse()
    assert [change.dotted for change in field_changes(old, new)] == ["spec.rayClusterConfig.workerGroupSpecs(order)"]
    assert impacts(old, new)[0].startswith("starts a second RayCluster")


def test_serve_changes_under_upgrade_strategy_none_are_applied_in_place() -> None:
    old = service()
    old["spec"]["upgradeStrategy"] = {"type": "None"}
    new = copy.deepcopy(old)
    new["spec"]["serveConfigV2"] = "applications: [{name: a}]\n"
    new["spec"]["rayClusterConfig"]["headGroupSpec"]["template"]["spec"]["containers"][0]["image"] = "ray:2"
    assert impacts(old, new)[1] == "Serve config: applied in place on the running cluster, no new RayCluster"


@pytest.mark.parametrize(
    ("base", "message"),
    [
        (".", "kuberay-gitops: error: . is not an output folder: it holds rendered/"),
        ("environments", "kuberay-gitops: error: environments holds no file kuberay-gitops generated"),
    ],
)
@pytest.mark.usefixtures("repository")
def test_a_base_folder_must_be_an_output_folder(base: str, message: str) -> None:
    result = run("diff", "--base", base)
    assert result.exit_code == 2
    assert result.stderr.startswith(message)


def test_a_flux_environment_against_its_own_rendered_output_has_no_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Flux's folder and the workloads both hold the environment's Namespace: each is compared with its own,
    whichever order the build and the directory list them in."""
    environments = tmp_path / "environments"
    environments.mkdir()
    text = (FIXTURES / "environments" / "minimal.yaml").read_text().replace("engine: argocd", "engine: flux")
    (environments / "minimal.yaml").write_text(text)
    monkeypatch.chdir(tmp_path)
    assert run("render").exit_code == 0
    shutil.copytree(tmp_path / "rendered", tmp_path / "snapshot")
    result = run("diff", "--base", str(tmp_path / "snapshot"), "--exit-code")
    assert (result.exit_code, result.stdout) == (
        0,
        f"no change to the rendered objects against {tmp_path / 'snapshot'}\n",
    )
    (environments / "minimal.yaml").write_text(text.replace("namespace: ray", "namespace: ray-two"))
    result = run("diff", "--base", str(tmp_path / "snapshot"))
    assert "Namespace ray-two in flux/" in result.stdout
    assert "Namespace ray-two: added" in result.stdout  # the overlay's, keyed as for any engine


def test_an_environment_turning_to_flux_keeps_its_overlays_namespace(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Argo CD to both engines adds Flux's Namespace beside the overlay's, which stays as it was: no deletion."""
    environments = tmp_path / "environments"
    environments.mkdir()
    text = (FIXTURES / "environments" / "minimal.yaml").read_text()
    (environments / "minimal.yaml").write_text(text)
    monkeypatch.chdir(tmp_path)
    assert run("render").exit_code == 0
    shutil.copytree(tmp_path / "rendered", tmp_path / "snapshot")
    (environments / "minimal.yaml").write_text(text.replace("engine: argocd", "engine: both"))
    result = run("diff", "--base", str(tmp_path / "snapshot"))
    assert result.exit_code == 0
    assert "DELETES NAMESPACE" not in result.stdout
    assert "Namespace ray in flux/: added" in result.stdout


def test_an_environment_with_a_vendored_operator_against_its_own_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The vendored operator base sits deeper than other files (<env>/operator/vendor/config/...): it is the
    release's own, left out of the comparison as a build leaves it unread."""
    environments = tmp_path / "environments"
    environments.mkdir()
    text = (FIXTURES / "environments" / "minimal.yaml").read_text()
    text = text.replace("target:", "operator: {install: true, delivery: kustomize, source: vendored}\ntarget:")
    (environments / "minimal.yaml").write_text(text)
    monkeypatch.chdir(tmp_path)
    assert run("render").exit_code == 0
    assert (tmp_path / "rendered" / "minimal" / "operator" / "vendor").is_dir()
    result = run("diff", "--base", "rendered", "--exit-code")
    assert (result.exit_code, result.stdout) == (0, "no change to the rendered objects against rendered\n")


@pytest.mark.parametrize(
    ("mebibytes", "text"), [(2048, "2Gi"), (2080, "2080Mi"), (40, "40Mi"), (1536, "1.5Gi"), (256, "0.25Gi")]
)
def test_memory_is_shown_exactly(mebibytes: int, text: str) -> None:
    """Amounts are compared as they are shown: 2048Mi -> 2080Mi once read "capacity unchanged" (2Gi both)."""
    assert shown("memory", Decimal(mebibytes) * 1024 * 1024) == text


@pytest.mark.parametrize(
    ("amount", "text"), [("3e9", "3G"), ("2e9", "2G"), ("5e8", "500M"), ("8000", "8k"), ("1500", "1500")]
)
def test_memory_of_decimal_units_is_shown_in_them(amount: str, text: str) -> None:
    """2G read 1953125Ki and 3G 3000000000: an amount written in decimal units is shown in them."""
    assert shown("memory", Decimal(amount)) == text


def test_a_group_appended_beside_new_bounds_is_added_in_place() -> None:
    """KubeRay leaves the bounds out of a RayService's cluster hash (GenerateHashWithoutReplicasAndWorkersToDelete,
    utils/util.go:645-664 at v1.7.0): an appended group beside a raised maxReplicas updates the cluster in place."""
    old = service()
    new = copy.deepcopy(old)
    new["spec"]["rayClusterConfig"]["workerGroupSpecs"][0]["maxReplicas"] = 8
    new["spec"]["rayClusterConfig"]["workerGroupSpecs"].append({"groupName": "cpu", "replicas": 1, "template": {}})
    assert impacts(old, new)[0] == (
        "new worker groups at the end: added to the running cluster in place, no new RayCluster"
    )


def test_a_charted_cluster_is_reviewed_as_the_ray_cluster_its_chart_renders() -> None:
    """`delivery: helm` writes chart values, not a RayCluster: their changes are the RayCluster's."""
    values: dict[str, Any] = {
        "fullnameOverride": "charted",
        "image": {"repository": "rayproject/ray", "tag": "2.52.0"},
        "head": {"resources": {"requests": {"cpu": "1", "memory": "1Gi"}}},
        "worker": {
            "groupName": "small",
            "replicas": 3,
            "minReplicas": 0,
            "maxReplicas": 5,
            "resources": {"requests": {"cpu": "2", "memory": "4Gi"}},
        },
    }
    key = ObjectKey(VALUES, "", "charts/raycluster-charted.values.yaml")
    assert object_capacities({key: values}) == {
        ObjectKey("RayCluster", "", "charted", "charts"): Capacity(
            {"cpu": Decimal(7), "memory": Decimal(13) * 2**30}, {"cpu": Decimal(7), "memory": Decimal(13) * 2**30}
        )
    }
    scaled = copy.deepcopy(values)
    scaled["worker"]["replicas"] = 5
    scaled["image"]["tag"] = "2.53.0"
    assert impacts_of(key, values, scaled) == [
        "running pods keep their old spec; only pods created from now on get the new one (upgradeStrategy: "
        "Recreate, KubeRay >= 1.6.0, rolls them)",
        "scales worker group small from 3 to 5 pods",
    ]
    started = copy.deepcopy(values)
    started["head"]["rayStartParams"] = {"num-cpus": "0"}  # the chart renders it into the head group
    assert impacts_of(key, values, started) == [
        "running pods keep their old spec; only pods created from now on get the new one (upgradeStrategy: "
        "Recreate, KubeRay >= 1.6.0, rolls them)",
    ]


def impacts_of(key: ObjectKey, old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    return [impact.text for impact in object_impacts(key, old, new, list(field_changes(old, new)))]


def test_sidecars_count_beside_the_containers_and_init_containers_after_them() -> None:
    """Kubernetes' PodRequests (KEP-753): a sidecar (an init container with restartPolicy Always) runs beside the
    containers; an init container runs with the sidecars started before it."""
    head = {
        "template": {
            "spec": {
                "initContainers": [
                    {"name": "setup", "resources": {"requests": {"cpu": "3"}}},
                    {
                        "name": "proxy",
                        "restartPolicy": "Always",
                        "resources": {"requests": {"cpu": "1", "memory": "1Gi"}},
                    },
                    {"name": "late", "resources": {"requests": {"cpu": "2", "memory": "4Gi"}}},
                ],
                "containers": [{"name": "ray-head", "resources": {"requests": {"cpu": "2", "memory": "1Gi"}}}],
            }
        }
    }
    capacity = cluster_capacity({"headGroupSpec": head})
    assert capacity.maximum == {"cpu": Decimal(3), "memory": Decimal(5 * 2**30)}


def test_autoscaler_options_of_a_running_cluster_reach_only_a_new_head_pod() -> None:
    """The operator builds the autoscaler sidecar into the head pod (DefaultHeadPodTemplate): a running head keeps
    the one it was built with."""
    old: dict[str, Any] = {
        "kind": "RayCluster",
        "spec": {"enableInTreeAutoscaling": True, "autoscalerOptions": {"idleTimeoutSeconds": 60}},
    }
    new = copy.deepcopy(old)
    new["spec"]["autoscalerOptions"]["idleTimeoutSeconds"] = 300
    assert impacts(old, new) == [
        "running pods keep their old spec; only pods created from now on get the new one (upgradeStrategy: "
        "Recreate, KubeRay >= 1.6.0, rolls them)"
    ]


def test_diff_of_an_environment_whose_file_is_gone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`diff prod` after prod.yaml was deleted: the base's prod is removed, not an unknown environment."""
    environments = tmp_path / "environments"
    environments.mkdir()
    text = (FIXTURES / "environments" / "minimal.yaml").read_text()
    (environments / "minimal.yaml").write_text(text)
    (environments / "other.yaml").write_text(
        text.replace("name: minimal", "name: other").replace("namespace: ray", "namespace: ray-other")
    )
    monkeypatch.chdir(tmp_path)
    assert run("render").exit_code == 0
    shutil.copytree(tmp_path / "rendered", tmp_path / "snapshot")
    (environments / "minimal.yaml").unlink()
    result = run("diff", "--base", "snapshot", "minimal")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[1].split()[:2] == ["minimal", "removed"]
    assert "other" not in result.stdout
    unknown = run("diff", "--base", "snapshot", "nowhere")
    assert (unknown.exit_code, unknown.stderr) == (
        2,
        "kuberay-gitops: error: no environment named nowhere, here or in snapshot\n",
    )


def test_memory_beyond_any_precision_is_printed_in_bytes() -> None:
    """1e300 bytes validate (a quantity); capacity prints them rather than fail."""
    assert shown("memory", Decimal("1e300")) == "1" + "0" * 300
