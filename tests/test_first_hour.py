"""The commands of a team's first hour: `new`, `explain`, `list`, `--version`, every `--help`, and the
editor schema that accepts partials and files that `extends:` one."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import click
import pytest
from jsonschema import Draft202012Validator

from generator.cli import main
from generator.commands import schema_text
from generator.input.load import load_environment_file
from generator.paths import PROJECT_ROOT
from generator.releases import SUPPORTED_RELEASES
from tests.conftest import FIXTURES
from tests.test_cli import run

CORPUS = PROJECT_ROOT / "tests" / "corpus"


@pytest.fixture
def repository(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A team repository: a partial, an operator-owning environment on cluster `shared`, its schema file."""
    environments = tmp_path / "environments"
    environments.mkdir()
    (environments / "_base.yaml").write_text(
        "kuberay: {version: 1.6.0}\n"
        "gitops: {engine: argocd, repoURL: https://git.example.com/ml/ray.git}\n"
        "defaults: {image: rayproject/ray:2.41.0, rayVersion: '2.41.0'}\n"
    )
    (environments / "owner.yaml").write_text(
        "name: owner\nextends: _base\ntarget: {cluster: shared, namespace: ray-owner}\n"
        "operator: {install: true, featureGates: {RayJobDeletionPolicy: true}}\n"
    )
    (tmp_path / "schemas").mkdir()
    (tmp_path / "schemas" / "environment.schema.json").write_text(schema_text())
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_version_names_the_tool_and_every_release() -> None:
    result = run("--version")
    lines = result.stdout.splitlines()
    assert result.exit_code == 0
    assert lines[0].startswith("kuberay-gitops ")
    assert lines[1] == "KubeRay releases: " + ", ".join(SUPPORTED_RELEASES)


def test_every_command_help_has_an_example() -> None:
    commands = main.commands if isinstance(main, click.Group) else {}
    assert set(commands) >= {"render", "validate", "check", "schema", "new", "explain", "list"}
    for name in [None, *commands]:
        result = run(*([name] if name else []), "--help")
        assert result.exit_code == 0
        examples = result.stdout.split("Examples:\n", 1)[-1].splitlines()
        assert examples, name
        assert examples[0].lstrip().startswith("kuberay-gitops "), name


def test_new_on_a_served_cluster_uses_the_owner_operator_release_and_gates(repository: Path) -> None:
    result = run("new", "gpu-prod", "--from", "_base", "--cluster", "shared", "--gpu")
    assert (result.exit_code, result.stdout) == (
        0,
        "wrote environments/gpu-prod.yaml: valid; edit it, then run `kuberay-gitops render gpu-prod`\n",
    )
    text = (repository / "environments" / "gpu-prod.yaml").read_text()
    assert text.startswith("# yaml-language-server: $schema=../schemas/environment.schema.json\n")
    data = load_environment_file(repository / "environments" / "gpu-prod.yaml").data
    assert data["extends"] == "_base"
    assert "kuberay" not in data  # the partial's release is the cluster's: not repeated
    assert data["target"] == {"cluster": "shared", "namespace": "ray-gpu-prod"}
    assert data["operator"] == {"install": False, "featureGates": {"RayJobDeletionPolicy": True}}
    gpu_group = data["clusters"][0]["workerGroups"][1]
    assert (gpu_group["gpu"], gpu_group["image"]) == (1, "rayproject/ray:2.41.0-gpu")
    assert gpu_group["tolerations"] == [{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}]
    render = run("render")
    assert render.exit_code == 0, render.stderr
    assert "added: rendered/gpu-prod/workloads/raycluster-ray.yaml" in render.stdout


def test_new_without_from_is_standalone_and_installs_on_a_new_cluster(repository: Path) -> None:
    assert run("new", "team-a", "--cluster", "team-cluster").exit_code == 0
    data = load_environment_file(repository / "environments" / "team-a.yaml").data
    assert data["kuberay"] == {"version": SUPPORTED_RELEASES[-1]}
    assert data["gitops"] == {"engine": "argocd", "repoURL": "https://git.example.com/ml/ray.git"}
    assert data["operator"] == {"install": True}
    assert data["defaults"]["image"] == "rayproject/ray:2.41.0"
    assert run("validate").exit_code == 0


def test_new_from_an_environment_copies_it_with_comments(repository: Path) -> None:
    (repository / "environments" / "owner.yaml").write_text(
        (repository / "environments" / "owner.yaml").read_text() + "# the owner's note\nclusters:\n"
        "  - name: small  # kept\n    head: {cpu: 1, memory: 2Gi}\n"
    )
    assert run("new", "copy", "--from", "owner").exit_code == 0
    text = (repository / "environments" / "copy.yaml").read_text()
    assert "# the owner's note" in text
    assert "- name: small  # kept" in text
    data = load_environment_file(repository / "environments" / "copy.yaml").data
    assert (data["name"], data["target"]) == ("copy", {"cluster": "shared", "namespace": "ray-copy"})
    assert data["operator"]["install"] is False


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("new", "_x"), "'_x' would be a partial (files starting with _); name the environment without it"),
        (("new", "Bad_Name"), "'Bad_Name' is not a valid environment name"),
        (("new", "owner"), "environments/owner.yaml exists already; choose another name"),
        (("new", "x", "--from", "_nope"), "there is no partial environments/_nope.yaml"),
        (("new", "x", "--from", "nope"), "there is no environment 'nope' to copy (environments: owner)"),
        (
            ("new", "x", "--repo-url", "https://elsewhere.example.com/r.git"),
            "the other environments sync from https://git.example.com/ml/ray.git: one repository serves them all",
        ),
        (
            ("new", "x", "--cluster", "shared", "--namespace", "ray-owner"),
            "environment owner already uses namespace ray-owner on cluster shared: pass another --namespace",
        ),
    ],
)
def test_new_refuses_with_a_reason(repository: Path, args: tuple[str, ...], message: str) -> None:
    before = sorted(path.name for path in (repository / "environments").iterdir())
    result = run(*args)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"kuberay-gitops: error: {message}")
    assert sorted(path.name for path in (repository / "environments").iterdir()) == before


def test_new_needs_a_repository_url_when_nothing_tells_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GIT_DIR", str(tmp_path / "no-repository"))  # no `origin` to read
    result = run("new", "first")
    assert result.exit_code == 2
    assert "pass --repo-url" in result.stderr
    assert run("new", "first", "--repo-url", "https://git.example.com/a.git").exit_code == 0
    assert run("render").exit_code == 0


def test_new_keeps_no_file_that_would_not_validate(repository: Path) -> None:
    """The owner watches only its namespace: a new environment there is refused before it is written."""
    owner = repository / "environments" / "owner.yaml"
    owner.write_text(owner.read_text().replace("install: true,", "install: true, watchNamespaces: [ray-owner],"))
    result = run("new", "x", "--cluster", "shared")
    assert result.exit_code == 2
    assert "watches only ray-owner: add ray-x to operator.watchNamespaces in owner.yaml first" in result.stderr
    assert not (repository / "environments" / "x.yaml").exists()


def test_explain_prints_type_meaning_default_releases_gate_and_example() -> None:
    result = run("explain", "jobs.deletionStrategy")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "jobs[].deletionStrategy: mapping"
    assert "  default: none (left out when not set)" in lines
    assert (
        "  becomes: RayJob spec.deletionStrategy (releases 1.5.0 to 1.7.0; needs the operator feature gate "
        "RayJobDeletionPolicy)"
    ) in lines
    assert lines[-3:] == ["    jobs:", "    - name: example", "      deletionStrategy: {}"]


def _text_fields(node: object, path: tuple[str | int, ...] = ()) -> list[tuple[tuple[str | int, ...], dict[str, Any]]]:
    """Every text field of the environment schema that has a format (a pattern) or examples."""
    found: list[tuple[tuple[str | int, ...], dict[str, Any]]] = []
    if isinstance(node, dict):
        if node.get("type") == "string" and ("pattern" in node or "examples" in node) and "enum" not in node:
            found.append((path, node))
        for key, child in node.items():
            found += _text_fields(child, (*path, key))
    elif isinstance(node, list):
        for index, child in enumerate(node):
            found += _text_fields(child, (*path, index))
    return found


def test_explain_examples_of_text_fields_are_valid_values() -> None:
    """explain's example of a field of a format is one (interval: 10m, not `interval: example`, which fails)."""
    from generator.explain import _sample_value

    fields = _text_fields(json.loads(schema_text()))
    assert len(fields) > 20
    for path, field in fields:
        sample = _sample_value(field)
        assert not list(Draft202012Validator(field).iter_errors(sample)), (path, sample)
    assert run("explain", "gitops.interval").stdout.splitlines()[-1] == "      interval: 10m"


def test_explain_gives_defaults_from_the_model_and_gate_history() -> None:
    assert "  default: main" in run("explain", "gitops.targetRevision").stdout.splitlines()
    gate = run("explain", "operator.featureGates.RayJobDeletionPolicy").stdout.splitlines()
    assert "  default: false in 1.3.0 to 1.5.2, true in 1.6.0 to 1.7.0" in gate
    assert [line for line in gate if line.startswith("  default:")] == [gate[2]]  # the release's, and no other


@pytest.mark.parametrize(
    ("field", "default"),
    [
        ("jobs.cluster.workerGroups.replicas", "minReplicas, else 1"),
        ("services.cluster.workerGroups.maxReplicas", "the larger of replicas and minReplicas"),
        ("clusters.head.containerName", "ray-head"),
        ("cronJobs.job.cluster.workerGroups.containerName", "ray-worker"),
        ("jobs.submitter.containerName", "ray-job-submitter"),
        ("clusters.rayVersion", "defaults.rayVersion (none: KubeRay then reads no Ray version)"),
        ("defaults.rayVersion", "none (left out when not set)"),
    ],
)
def test_explain_gives_the_defaults_of_groups_as_the_model_applies_them(field: str, default: str) -> None:
    assert f"  default: {default}" in run("explain", field).stdout.splitlines()
    gpu = run("explain", "clusters[0].workerGroups[].gpu").stdout.splitlines()
    assert gpu[0] == "clusters[].workerGroups[].gpu: integer"


def test_explain_an_unknown_field_names_the_ones_there() -> None:
    result = run("explain", "clusters.workerGroup.gpu")
    assert result.exit_code == 2
    assert result.stderr.startswith(
        "kuberay-gitops: error: no field 'workerGroup' under clusters[] (did you mean 'workerGroups'?); fields "
        "there: annotations, auth, autoscaling,"
    )


def test_list_shows_each_environment_and_one_that_does_not_resolve(repository: Path) -> None:
    (repository / "environments" / "broken.yaml").write_text("name: broken\nextends: _missing\n")
    result = run("list")
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        "ENVIRONMENT  CLUSTER  NAMESPACE  KUBERAY  OPERATOR  OBJECTS",
        "broken       -        -          -        -         does not resolve: no partial named '_missing'",
        "owner        shared   ray-owner  1.6.0    installs  none",
    ]
    listed = json.loads(run("--format", "json", "list").stdout)["environments"]
    assert listed[1] == {
        "name": "owner",
        "file": "environments/owner.yaml",
        "cluster": "shared",
        "namespace": "ray-owner",
        "kuberay": "1.6.0",
        "installsOperator": True,
        "objects": [],
        "problem": None,
    }


def editor_validator() -> Draft202012Validator:
    return Draft202012Validator(json.loads((PROJECT_ROOT / "schemas" / "environment.schema.json").read_text()))


def environment_files() -> list[Path]:
    folders = [CORPUS / "valid", FIXTURES / "environments", FIXTURES / "upstream-environments"]
    files = [path for folder in folders for path in sorted(folder.glob("*.yaml"))]
    return files + sorted((CORPUS / "cross").glob("*/*.yaml"))


@pytest.mark.parametrize("file", environment_files(), ids=lambda path: f"{path.parent.name}/{path.name}")
def test_the_editor_schema_accepts_every_valid_file_as_written(file: Path) -> None:
    """Partials, files that extend one (nothing required, null removes) and complete environments alike."""
    errors = [error.message for error in editor_validator().iter_errors(load_environment_file(file).data)]
    assert errors == []


def test_the_editor_schema_still_holds_a_complete_environment_and_every_layer_to_the_fields() -> None:
    validator = editor_validator()
    assert not validator.is_valid({"name": "x"})  # complete: kuberay, target, gitops are required
    assert validator.is_valid({"kuberay": {"version": "1.3.0"}})  # a partial
    assert validator.is_valid({"name": "x", "extends": "_base", "clusters": [{"name": "a", "head": None}]})
    assert not validator.is_valid({"extends": "_base", "clusters": [{"head": {}}]})  # items merge by name
    assert not validator.is_valid({"extends": "_base", "clusters": [{"name": "a", "bogus": 1}]})
    assert not validator.is_valid({"kuberay": {"version": "9.9.9"}})
    assert not validator.is_valid({"defaults": {"image": 3}})


def test_vscode_maps_the_schema_onto_the_environment_files() -> None:
    settings = json.loads((PROJECT_ROOT / ".vscode" / "settings.json").read_text())
    assert settings["yaml.schemas"] == {"./schemas/environment.schema.json": ["environments/*.yaml"]}


def test_a_new_environment_in_a_repository_without_schemas_has_no_modeline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copytree(FIXTURES / "environments", tmp_path / "environments")
    monkeypatch.chdir(tmp_path)
    assert run("new", "extra").exit_code == 0
    assert (tmp_path / "environments" / "extra.yaml").read_text().startswith("# Environment extra, written by")


def test_new_copy_refuses_options_it_would_ignore_and_sources_that_do_not_validate(repository: Path) -> None:
    result = run("new", "copy", "--from", "owner", "--gpu")
    assert result.exit_code == 2
    assert (
        "--gpu and --repo-url shape a new environment; a copy (--from ENV) keeps what its source has" in result.stderr
    )
    (repository / "environments" / "typo.yaml").write_text("name: typo\nextends: _base\ntarget: 5\n")
    result = run("new", "copy", "--from", "typo")
    assert result.exit_code == 2
    assert result.stderr.startswith(
        "kuberay-gitops: error: environment typo does not validate: target: expected a mapping, got an integer 5"
    )
    assert run("list").stdout.splitlines()[2].startswith("typo         -")
    # a source that does not even read is bad input: its problems with their places, exit 1, nothing written
    (repository / "environments" / "typo.yaml").write_text("name: typo\nkuberay: {version: 1.6.0\n")
    result = run("new", "copy", "--from", "typo")
    assert (result.exit_code, result.stderr) == (
        1,
        "environments/typo.yaml:2:10: error[yaml-syntax]: a {…} mapping that is not closed, or misses a ',' between "
        "items\n  hint: close it with } and separate its items with ', '\n1 error(s)\n",
    )
    assert not (repository / "environments" / "copy.yaml").exists()


def test_new_copy_onto_a_served_cluster_takes_its_release_and_gates(repository: Path) -> None:
    (repository / "environments" / "other.yaml").write_text(
        "name: other\nextends: _base\nkuberay: {version: 1.7.0}\ntarget: {cluster: elsewhere, namespace: ray-other}\n"
        "operator: {install: true}\n"
    )
    assert run("new", "copy", "--from", "other", "--cluster", "shared").exit_code == 0
    data = load_environment_file(repository / "environments" / "copy.yaml").data
    assert data["kuberay"] == {"version": "1.6.0"}
    assert data["operator"] == {"install": False, "featureGates": {"RayJobDeletionPolicy": True}}


def test_in_cluster_and_its_server_url_are_one_cluster_for_new(repository: Path) -> None:
    owner = repository / "environments" / "owner.yaml"
    owner.write_text(owner.read_text().replace("cluster: shared", "cluster: https://kubernetes.default.svc"))
    assert run("new", "y").exit_code == 0
    assert load_environment_file(repository / "environments" / "y.yaml").data["operator"]["install"] is False


def test_explain_reads_keys_with_dots_and_gives_valid_examples() -> None:
    selector = run("explain", "clusters.head.nodeSelector.kubernetes.io/os").stdout.splitlines()
    assert selector[0] == "clusters[].head.nodeSelector.kubernetes.io/os: string"
    assert selector[-1] == "          kubernetes.io/os: example"
    assert run("explain", "services.serveConfig.applications.deployments.ray_actor_options.num_gpus").stdout.endswith(
        "              num_gpus: 1\n"
    )
    assert run("explain", "services.upgradeStrategy").stdout.endswith(
        "      upgradeStrategy:\n        type: NewCluster\n"
    )


@pytest.mark.parametrize(
    ("snippet", "hint"),
    [
        (
            "defaults: {nodeSelector: {a: true}}",
            'YAML reads true as a boolean: quote it if you mean the text, a: "true"',
        ),
        (
            "defaults: {imagePullSecrets: [123]}",
            'YAML reads 123 as a number: quote the value as you mean it, e.g. "123"',
        ),
        ("kuberay: {version: 1.3}", "YAML reads 1.3 as a number: write the full release, e.g. version: 1.3.2"),
        (
            "defaults: {rayVersion: 2.40}",
            # quoted as the file writes it: "2.4" would be another release
            'YAML reads 2.4 as a number: quote the value as you mean it, e.g. rayVersion: "2.40"',
        ),
        (
            "clusters: [{name: a, autoscaling: true, head: {cpu: 1}}]",
            "autoscaling is a mapping of settings: write autoscaling: {enabled: true}",
        ),
        ("clusters: [{name: a, head: {cpu: true}}]", "write a quantity such as 2, 500m or 4Gi"),
        ("defaults: {tolerations: {key: a}}", "tolerations is a list: start each item with '- ' (a single item too)"),
        # an item of a list is named as such, not as the list
        (
            "defaults: {tolerations: [5]}",
            "each item of tolerations is a mapping: write its fields after its '- ' (kuberay-gitops explain lists "
            "them)",
        ),
        (
            "defaults: {volumes: {name: a}}",
            "volumes is a list: start each item with '- ' (a single item too)",
        ),
        ("clusters: [{name: a, suspend: 'true', head: {cpu: 1}}]", "write true or false without quotes: suspend: true"),
    ],
)
def test_type_errors_say_how_to_write_the_value(
    snippet: str, hint: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "environments").mkdir()
    lines = ["name: t", "kuberay: {version: 1.3.0}", "target: {cluster: c, namespace: n}"]
    lines.append("gitops: {engine: argocd, repoURL: u}")
    if snippet.startswith("kuberay:"):
        lines[1] = snippet  # the snippet replaces the release line
    else:
        lines.append(snippet)
    (tmp_path / "environments" / "t.yaml").write_text("\n".join(lines) + "\n")
    monkeypatch.chdir(tmp_path)
    result = run("validate")
    assert result.exit_code == 1
    assert f"  hint: {hint}\n" in result.stderr
