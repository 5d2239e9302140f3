"""The files other tools read: the GitHub workflow (against the workflow schema), the pre-commit hooks
(loaded and run by pre-commit itself)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from pre_commit.clientlib import load_config, load_manifest

from generator.paths import PROJECT_ROOT
from tests.conftest import FIXTURES

WORKFLOW = PROJECT_ROOT / ".github" / "workflows" / "ci.yml"


def schema_check(workflow: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows", workflow],
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_workflow_is_a_valid_github_workflow(tmp_path: Path) -> None:
    assert schema_check(WORKFLOW).returncode == 0, schema_check(WORKFLOW).stdout
    broken = tmp_path / "broken.yml"
    broken.write_text(WORKFLOW.read_text().replace("runs-on:", "run-on:", 1))
    assert schema_check(broken).returncode == 1  # the check can fail


def test_the_workflow_runs_ci_and_posts_the_markdown_diff() -> None:
    text = WORKFLOW.read_text()
    assert "run: .ci/run" in text
    assert 'make --silent diff BASE="origin/$BASE_REF" FORMAT=markdown > diff.md' in text
    assert "${{ github.base_ref }}" not in text.split("run:", 1)[1].split("\n")[0]  # no expression in a shell line
    assert "## kuberay-gitops diff" in text  # finds its own comment by the heading the Markdown starts with


def test_pre_commit_reads_the_hooks_and_this_repository_uses_them() -> None:
    manifest = load_manifest(str(PROJECT_ROOT / ".pre-commit-hooks.yaml"))
    config = load_config(str(PROJECT_ROOT / ".pre-commit-config.yaml"))
    local = [hook for repo in config["repos"] for hook in repo["hooks"]]
    assert [hook["id"] for hook in manifest] == [hook["id"] for hook in local]
    assert [hook["entry"] for hook in manifest] == [hook["entry"].removeprefix(".venv/bin/") for hook in local]


def test_the_hooks_run_with_pre_commit(tmp_path: Path) -> None:
    repository = tmp_path / "repository"
    shutil.copytree(FIXTURES / "environments", repository / "environments")
    shutil.copy(PROJECT_ROOT / ".pre-commit-config.yaml", repository)
    (repository / ".venv").symlink_to(Path(sys.executable).parent.parent)
    environment = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "cache"), "GIT_AUTHOR_NAME": "ci"}
    environment.update(GIT_AUTHOR_EMAIL="ci@example.com", GIT_COMMITTER_NAME="ci", GIT_COMMITTER_EMAIL="ci@example.com")

    def run(*command: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(command, cwd=repository, env=environment, capture_output=True, text=True, check=False)

    assert run(sys.executable, "-m", "generator", "render").returncode == 0
    run("git", "init", "-q", "-b", "main")
    run("git", "add", "-A")
    passed = run(sys.executable, "-m", "pre_commit", "run", "--all-files")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert passed.stdout.count("Passed") == 2
    minimal = repository / "environments" / "minimal.yaml"
    minimal.write_text(minimal.read_text().replace("namespace: ray", "namespace: ray-changed", 1))
    run("git", "add", "-A")
    stale = run(sys.executable, "-m", "pre_commit", "run", "--all-files")
    assert stale.returncode == 1
    assert "kuberay-gitops check" in stale.stdout
    assert "is not current" in stale.stdout


def test_warnings_become_github_warning_annotations(monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from generator.cli import main

    monkeypatch.chdir(PROJECT_ROOT / "tests" / "corpus" / "warning")
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    result = CliRunner().invoke(main, ["--environments", ".", "validate", "gpu-without-toleration"])
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0].startswith(
        "::warning file=gpu-without-toleration.yaml,line=9,col=9::gpu-without-toleration.yaml:9:9: "
        "warning[gpu-toleration]: "
    )
