"""A team forks the repository and changes its environments: each pull request stays green.

The repository is copied; in the copy an environment is added with `new`, one is renamed, the examples
are removed, and finally every environment. After each step the copy renders, `check` passes and the
tests that read the repository's own environments and output (marked `repository`) pass there, run by
the copy's own code. Every other test uses fixtures only, so it cannot notice which environments exist.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

from generator.files import GENERATED_MARKER
from generator.input.load import load_environment_file
from generator.paths import PROJECT_ROOT

# What a checkout has that is not the repository's content.
NOT_CONTENT = shutil.ignore_patterns(
    ".git", ".venv", "__pycache__", ".mypy_cache", ".pytest_cache", ".ruff_cache", ".hypothesis", "build", "*.egg-info"
)
REPO_URL = "https://git.example.com/team/ray.git"


def in_copy(repository: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Runs `python -m ARGS` in the copy: its own directory comes first on the path, so its code runs."""
    return subprocess.run(
        [sys.executable, "-m", *args], cwd=repository, capture_output=True, text=True, check=False, timeout=600
    )


def assert_green(repository: Path) -> None:
    for args in (("generator", "render"), ("generator", "check")):
        result = in_copy(repository, *args)
        assert result.returncode == 0, f"{' '.join(args)}:\n{result.stdout}{result.stderr}"
    suite = in_copy(repository, "pytest", "-q", "-m", "repository", "-p", "no:cacheprovider")
    assert suite.returncode == 0, suite.stdout + suite.stderr


def environments(repository: Path) -> list[Path]:
    return sorted(path for path in (repository / "environments").glob("*.yaml") if not path.name.startswith("_"))


def test_a_team_adds_renames_and_removes_environments(tmp_path: Path) -> None:
    repository = tmp_path / "repository"
    shutil.copytree(PROJECT_ROOT, repository, ignore=NOT_CONTENT)
    examples = environments(repository)

    added = in_copy(
        repository, "generator", "new", "team-gpu", "--gpu", *([] if examples else ["--repo-url", REPO_URL])
    )
    assert added.returncode == 0, added.stderr
    assert_green(repository)
    assert (repository / "rendered" / "team-gpu" / "workloads" / "raycluster-ray.yaml").is_file()

    if examples:
        old = examples[0]
        renamed = old.with_name("renamed.yaml")
        text = re.sub(r"^name: .*$", "name: renamed", old.read_text(), count=1, flags=re.MULTILINE)
        renamed.write_text(text)
        old.unlink()
        assert load_environment_file(renamed).data["name"] == "renamed"
        assert_green(repository)
        assert not (repository / "rendered" / old.stem).exists()
        assert (repository / "rendered" / "renamed").is_dir()

    for path in environments(repository):
        if path.stem != "team-gpu":
            path.unlink()
    assert_green(repository)
    assert sorted(path.name for path in (repository / "rendered").iterdir() if path.is_dir()) == ["argocd", "team-gpu"]

    (repository / "environments" / "team-gpu.yaml").unlink()
    assert_green(repository)
    generated = [
        path
        for path in (repository / "rendered").rglob("*")
        if path.is_file() and path.read_text(encoding="utf-8", errors="replace").startswith(GENERATED_MARKER)
    ]
    assert generated == []
