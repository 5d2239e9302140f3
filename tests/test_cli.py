"""The command line through click's CliRunner: exit codes, exact messages, what is written and what not."""

from __future__ import annotations

import gc
import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from generator import commands, pipeline
from generator.cli import GC_YOUNG_THRESHOLD, main
from generator.cli import run as cli_run
from generator.paths import PROJECT_ROOT
from generator.report import ISSUES
from tests.conftest import EXAMPLES, FIXTURES, GOLDEN
from tests.kustomize import _kustomize

VALID = """\
name: demo
kuberay: {version: 1.3.0}
target: {cluster: in-cluster, namespace: ray}
gitops: {engine: argocd, repoURL: https://git.example.com/ray.git}
defaults: {image: rayproject/ray:2.41.0}
clusters:
  - name: small
    head: {cpu: "1", memory: 2Gi}
"""


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "environments").mkdir()
    (tmp_path / "environments" / "demo.yaml").write_text(VALID)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(path.relative_to(folder)): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}


@pytest.mark.usefixtures("project")
def test_render_writes_then_reports_up_to_date() -> None:
    first = run("render")
    assert first.exit_code == 0
    assert first.stdout.splitlines() == [
        "added: rendered/argocd/argocd-cm-patch.yaml",
        "added: rendered/argocd/kustomization.yaml",
        "added: rendered/argocd/root-application.yaml",
        "added: rendered/argocd/root-project.yaml",
        "added: rendered/demo/argocd/application-workloads.yaml",
        "added: rendered/demo/argocd/appproject-workloads.yaml",
        "added: rendered/demo/argocd/kustomization.yaml",
        "added: rendered/demo/workloads/kustomization.yaml",
        "added: rendered/demo/workloads/namespace.yaml",
        "added: rendered/demo/workloads/raycluster-small.yaml",
        "rendered 1 environment(s) into rendered: 10 file(s) changed",
    ]
    second = run("render")
    assert (second.exit_code, second.stdout) == (0, "rendered 1 environment(s) into rendered: already up to date\n")


def test_check_passes_when_current_and_fails_when_stale(project: Path) -> None:
    run("render")
    assert run("check").exit_code == 0
    (project / "environments" / "demo.yaml").write_text(VALID.replace('cpu: "1"', 'cpu: "2"'))
    stale = run("check")
    assert stale.exit_code == 1
    assert stale.stderr == (
        "changed: rendered/demo/workloads/raycluster-small.yaml\n"
        "kuberay-gitops: error: rendered is not current (1 file(s) differ): run `make render` (or `kuberay-gitops "
        "render`) and commit the result\n"
    )


def test_invalid_input_exits_1_and_leaves_output_untouched(project: Path) -> None:
    run("render")
    (project / "rendered" / "NOTES.md").write_text("hand-written\n")
    before = snapshot(project / "rendered")
    (project / "environments" / "demo.yaml").write_text(VALID.replace("memory: 2Gi", "memory: 2GB"))
    result = run("render")
    assert result.exit_code == 1
    assert result.stderr == (
        "environments/demo.yaml:8:30: error[input-schema]: "
        'clusters[0].head.memory: "2GB" is not a Kubernetes quantity of zero or more\n'
        "  hint: write e.g. 500m, 2, 1.5 or 4Gi\n"
        "1 error(s)\n"
    )
    assert "Traceback" not in result.output
    assert snapshot(project / "rendered") == before


@pytest.mark.parametrize(
    ("file", "hint"),
    [
        ("demo-eu.yaml", "rename the file to demo.yaml or set name: demo-eu"),
        # the file's name is no environment name: setting it would be refused next
        ("Demo.yaml", "rename the file to demo.yaml"),
        ("demo_eu.yaml", "rename the file to demo.yaml"),
    ],
)
def test_a_name_that_is_not_the_file_s_hints_only_at_valid_names(project: Path, file: str, hint: str) -> None:
    (project / "environments" / "demo.yaml").rename(project / "environments" / file)
    result = run("validate")
    assert result.exit_code == 1
    assert result.stderr == (
        f"environments/{file}:1:7: error[environment-name]: name: name 'demo' differs from the file name "
        f"'{file.removesuffix('.yaml')}'\n  hint: {hint}\n1 error(s)\n"
    )


def test_removed_objects_are_pruned_and_hand_written_files_kept(project: Path) -> None:
    two_clusters = VALID + '  - name: big\n    head: {cpu: "4", memory: 8Gi}\n'
    (project / "environments" / "demo.yaml").write_text(two_clusters)
    run("render")
    (project / "rendered" / "demo" / "README.md").write_text("ours\n")
    (project / "environments" / "demo.yaml").write_text(VALID)
    result = run("render")
    assert "stale: rendered/demo/workloads/raycluster-big.yaml" in result.stdout
    assert not (project / "rendered" / "demo" / "workloads" / "raycluster-big.yaml").exists()
    assert (project / "rendered" / "demo" / "README.md").read_text() == "ours\n"


def test_deleted_environment_is_pruned_only_by_a_full_render(project: Path) -> None:
    other = VALID.replace("name: demo", "name: other").replace("namespace: ray}", "namespace: ray-other}")
    (project / "environments" / "other.yaml").write_text(other)
    run("render")
    (project / "environments" / "other.yaml").unlink()
    run("render", "demo")
    assert (project / "rendered" / "other").is_dir()
    run("render")
    assert not (project / "rendered" / "other").exists()


def test_hand_written_file_in_the_way_is_never_overwritten(project: Path) -> None:
    target = project / "rendered" / "demo" / "workloads" / "namespace.yaml"
    target.parent.mkdir(parents=True)
    target.write_text("kind: Namespace # mine\n")
    result = run("render")
    assert result.exit_code == 2
    assert result.stderr == (
        "kuberay-gitops: error: rendered holds hand-written files where generated ones go: "
        "demo/workloads/namespace.yaml; move them away (nothing was written)\n"
    )
    assert target.read_text() == "kind: Namespace # mine\n"


@pytest.mark.usefixtures("project")
def test_unknown_environment_is_a_usage_error() -> None:
    result = run("validate", "dmeo")
    assert (result.exit_code, result.stderr) == (
        2,
        "kuberay-gitops: error: no environment named 'dmeo' (did you mean 'demo'?)\n",
    )


def test_a_partial_named_as_an_environment_is_a_usage_error(project: Path) -> None:
    (project / "environments" / "_shared.yaml").write_text("defaults: {image: rayproject/ray:2.41.0}\n")
    result = run("validate", "_shared")
    assert (result.exit_code, result.stderr) == (
        2,
        "kuberay-gitops: error: '_shared' is a partial, which is rendered only as part of the environments that "
        "extend it: name an environment (`kuberay-gitops list` lists them)\n",
    )


def test_missing_environments_directory_is_a_setup_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = run("validate")
    assert (result.exit_code, result.stderr) == (
        2,
        "kuberay-gitops: error: environments directory environments does not exist\n",
    )


@pytest.mark.usefixtures("project")
def test_output_may_not_contain_the_environments() -> None:
    result = run("--output", ".", "render")
    assert result.exit_code == 2
    assert (
        result.stderr
        == "kuberay-gitops: error: the output directory . would contain the environments; choose another\n"
    )


@pytest.mark.usefixtures("project")
def test_unknown_option_is_a_usage_error() -> None:
    assert run("render", "--frobnicate").exit_code == 2


def test_json_format(project: Path) -> None:
    (project / "environments" / "demo.yaml").write_text(VALID.replace("cpu:", "cpus:", 1))
    result = run("--format", "json", "validate")
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    assert document["problems"] == [
        {
            "file": "environments/demo.yaml",
            "line": 8,
            "column": 12,
            "path": "clusters[0].head.cpus",
            "rule": "input-schema",
            "severity": "error",
            "message": "unknown field 'cpus'",
            "hint": "did you mean 'cpu'?",
            "environments": [],
        }
    ]


def test_a_problem_in_a_partial_names_the_environments_that_met_it(project: Path) -> None:
    """A partial's request that one environment's limit makes too large is located in the partial, which says
    nothing of which environment: the problem names it (the one that does not override the limit passes)."""
    environments = project / "environments"
    (environments / "_shared.yaml").write_text(VALID.replace("name: demo\n", "").replace("2Gi", "8Gi"))
    (environments / "demo.yaml").write_text("name: demo\nextends: _shared\n")
    (environments / "tight.yaml").write_text(
        "name: tight\nextends: _shared\nclusters:\n  - name: small\n    head: {limits: {memory: 4Gi}}\n"
    )
    result = run("validate")
    assert result.exit_code == 1
    assert result.stderr == (
        "environments/_shared.yaml:7:30: error[requests-within-limits]: clusters[0].head.memory: the memory request "
        "8Gi is more than its limit 4Gi (in environment tight)\n"
        "  hint: a request may not exceed its limit; raise the limit or lower the request\n1 error(s)\n"
    )
    result = run("--format", "json", "validate")
    assert [problem["environments"] for problem in json.loads(result.stdout)["problems"]] == [["tight"]]


def test_github_annotations(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    (project / "environments" / "demo.yaml").write_text(VALID.replace("cpu:", "cpus:", 1))
    result = run("validate")
    assert result.stdout == (
        "::error file=environments/demo.yaml,line=8,col=12::environments/demo.yaml:8:12: error[input-schema]: "
        "clusters[0].head.cpus: unknown field 'cpus' (hint: did you mean 'cpu'?)\n"
    )


@pytest.mark.repository
def test_the_repositorys_environments_are_current(monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever environments the repository holds (a team replaces the examples), rendered/ is current."""
    count = len([path for path in EXAMPLES.glob("*.yaml") if not path.name.startswith("_")])
    monkeypatch.chdir(EXAMPLES.parent)
    result = run("check")
    assert (result.exit_code, result.stdout) == (0, f"rendered is current for {count} environment(s)\n")


def test_render_is_byte_identical_twice(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(FIXTURES / "environments", tmp_path / "environments")
    monkeypatch.chdir(tmp_path)
    run("--output", "first", "render")
    run("--output", "second", "render")
    assert snapshot(tmp_path / "first") == snapshot(tmp_path / "second")
    assert snapshot(tmp_path / "first") == snapshot(GOLDEN)


def test_schema_command_prints_the_committed_schema() -> None:
    committed = (PROJECT_ROOT / "schemas" / "environment.schema.json").read_text()
    assert run("schema").stdout == committed


def test_python_dash_m_entry_point() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "generator", "--help"], capture_output=True, text=True, check=False
    )
    assert completed.returncode == 0
    assert "render" in completed.stdout


def test_a_symbolic_link_in_the_output_is_never_written_through(
    project: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    outside = tmp_path_factory.mktemp("outside")
    (project / "rendered").mkdir()
    (project / "rendered" / "demo").symlink_to(outside, target_is_directory=True)
    result = run("render")
    assert (result.exit_code, result.stderr) == (
        2,
        "kuberay-gitops: error: the output holds a symbolic link at demo; refusing to write through it "
        "(nothing was written)\n",
    )
    assert list(outside.iterdir()) == []
    assert [path.name for path in project.iterdir() if path.name.startswith(".rendered")] == []


def test_new_output_directory_gets_a_usual_mode(project: Path) -> None:
    run("render")
    assert (project / "rendered").stat().st_mode & 0o777 == 0o755


def test_headers_name_the_environments_folder_however_it_is_spelt(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(project / "environments")
    run("--environments", ".", "--output", "../rendered", "render")
    header = (project / "rendered" / "demo" / "workloads" / "namespace.yaml").read_text().splitlines()[0]
    assert header == "# Generated by kuberay-gitops from environments/demo.yaml; do not edit."


def test_render_does_not_depend_on_the_hash_seed(tmp_path: Path) -> None:
    shutil.copytree(FIXTURES / "environments", tmp_path / "environments")
    for seed in ("1", "2"):
        subprocess.run(
            [sys.executable, "-m", "generator", "--output", f"out-{seed}", "render"],
            cwd=tmp_path,
            env={**os.environ, "PYTHONHASHSEED": seed},
            check=True,
            capture_output=True,
        )
    assert snapshot(tmp_path / "out-1") == snapshot(tmp_path / "out-2") == snapshot(GOLDEN)


def test_a_folder_without_environments_renders_nothing_and_prunes(project: Path) -> None:
    """A team that removes every example has a valid, empty repository: generated files go, its own stay."""
    run("render")
    (project / "rendered" / "README.md").write_text("ours\n")
    (project / "environments" / "demo.yaml").rename(project / "environments" / "_demo.yaml")
    assert run("check").exit_code == 1
    result = run("render")
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout.endswith("rendered 0 environment(s) into rendered: 10 file(s) changed\n")
    assert [path.name for path in (project / "rendered").rglob("*") if path.is_file()] == ["README.md"]
    assert (run("check").exit_code, run("validate").stdout) == (0, "0 environment(s) valid\n")


@pytest.mark.usefixtures("project")
def test_missing_parent_of_the_output_is_a_setup_error() -> None:
    result = run("--output", "missing/deeper/out", "render")
    assert result.exit_code == 2
    assert result.stderr.startswith("kuberay-gitops: error: the folder ")
    assert result.stderr.endswith("missing/deeper that should hold out does not exist\n")


def test_a_template_bug_is_an_internal_error_with_traceback(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A template that renders invalid YAML is our bug: exit 3, the traceback, a request to report it."""
    from generator import cli
    from generator.paths import PROJECT_ROOT, ToolData

    templates = project / "templates"
    shutil.copytree(PROJECT_ROOT / "templates", templates)
    (templates / "workloads" / "namespace.yaml.j2").write_text("kind: [unclosed\n")
    monkeypatch.setattr(cli, "tool_data", lambda: ToolData(templates, PROJECT_ROOT / "schemas"))
    result = run("render")
    assert result.exit_code == 3
    assert "Traceback (most recent call last)" in result.stderr
    assert "TemplateError: template workloads/namespace.yaml.j2 rendered invalid YAML" in result.stderr
    assert "\nkuberay-gitops: internal error, please report: template workloads/namespace.yaml.j2" in result.stderr
    assert result.stderr.endswith(f"  {ISSUES}\n")
    assert not (project / "rendered").exists()


def test_rendering_a_new_environment_adds_it_to_the_root_and_check_names_it(project: Path) -> None:
    assert run("render").exit_code == 0
    other = VALID.replace("name: demo", "name: other").replace("namespace: ray}", "namespace: ray-other}")
    (project / "environments" / "other.yaml").write_text(other)
    result = run("check")
    assert result.exit_code == 1
    assert (
        "kuberay-gitops: error: rendered/argocd/kustomization.yaml does not list environment other: Argo CD would "
        "never create its Applications\n"
    ) in result.stderr
    assert run("render", "other").exit_code == 0
    root = (project / "rendered" / "argocd" / "kustomization.yaml").read_text()
    assert "- ../other/argocd\n" in root
    assert run("check").exit_code == 0


def test_render_env_lists_no_environment_in_the_root_that_it_has_not_rendered(project: Path) -> None:
    """`render demo` beside a new environment `other` never rendered: a root listing ../other/argocd would fail
    the root's kustomize build (and Argo CD would stop syncing every environment)."""
    assert run("render").exit_code == 0
    root = project / "rendered" / "argocd"
    before = (root / "kustomization.yaml").read_bytes()
    other = VALID.replace("name: demo", "name: other").replace("namespace: ray}", "namespace: ray-other}")
    (project / "environments" / "other.yaml").write_text(other)
    assert run("render", "demo").exit_code == 0
    assert (root / "kustomization.yaml").read_bytes() == before
    assert _kustomize(root).returncode == 0
    assert run("check", "demo").exit_code == 0
    assert run("render", "other").exit_code == 0
    assert "- ../other/argocd\n" in (root / "kustomization.yaml").read_text()
    assert _kustomize(root).returncode == 0


def test_render_env_lists_no_environment_whose_argocd_folder_was_never_written(project: Path) -> None:
    """An environment rendered for Flux and then turned to Argo CD has a folder, but no argocd/ in it yet."""
    other = VALID.replace("name: demo", "name: other").replace("namespace: ray}", "namespace: ray-other}")
    (project / "environments" / "other.yaml").write_text(other.replace("engine: argocd", "engine: flux"))
    assert run("render").exit_code == 0
    (project / "environments" / "other.yaml").write_text(other)
    assert run("render", "demo").exit_code == 0
    root = project / "rendered" / "argocd"
    assert "other" not in (root / "kustomization.yaml").read_text()
    assert _kustomize(root).returncode == 0


def test_render_env_leaves_the_root_alone_while_another_environment_is_invalid(project: Path) -> None:
    assert run("render").exit_code == 0
    root = (project / "rendered" / "argocd" / "kustomization.yaml").read_bytes()
    broken = VALID.replace("name: demo", "name: other").replace("cpu: ", "cpus: ", 1)
    (project / "environments" / "other.yaml").write_text(broken)
    assert run("render", "demo").exit_code == 0
    assert (project / "rendered" / "argocd" / "kustomization.yaml").read_bytes() == root


@pytest.mark.usefixtures("project")
def test_an_environment_may_be_named_by_its_file() -> None:
    result = run("validate", "environments/demo.yaml")
    assert (result.exit_code, result.stdout) == (0, "1 environment(s) valid\n")
    elsewhere = run("validate", "other/demo.yaml")
    assert (elsewhere.exit_code, elsewhere.stderr) == (
        2,
        "kuberay-gitops: error: other/demo.yaml is not a file of the environments directory environments\n",
    )


@pytest.mark.usefixtures("project")
def test_a_command_raises_the_collector_threshold_for_its_run_only(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple[int, int, int]] = []
    original = pipeline.build

    def build(request: pipeline.BuildRequest) -> pipeline.BuildResult:
        seen.append(gc.get_threshold())
        return original(request)

    monkeypatch.setattr(commands, "build", build)
    before = gc.get_threshold()
    assert run("validate").exit_code == 0
    assert seen == [(GC_YOUNG_THRESHOLD, 50, 100)]
    assert gc.get_threshold() == before


@pytest.mark.usefixtures("project")
def test_the_console_script_exits_without_collecting_the_run(monkeypatch: pytest.MonkeyPatch) -> None:
    """`run` (the console script and `python -m generator`) freezes the collector's objects after the command,
    and only then: finalization would otherwise walk every object the run still holds."""
    events: list[str] = []
    original = pipeline.build

    def build(request: pipeline.BuildRequest) -> pipeline.BuildResult:
        result = original(request)  # which freezes and thaws on its own
        events.append("built")
        return result

    monkeypatch.setattr(commands, "build", build)
    monkeypatch.setattr(gc, "freeze", lambda: events.append("freeze"))
    monkeypatch.setattr(sys, "argv", ["kuberay-gitops", "validate"])
    with pytest.raises(SystemExit) as exited:
        cli_run()
    assert (exited.value.code, events[events.index("built") :]) == (0, ["built", "freeze"])
    scripts = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts == {"kuberay-gitops": "generator.cli:run"}
    assert "run()" in (PROJECT_ROOT / "generator" / "__main__.py").read_text()
