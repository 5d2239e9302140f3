"""The tool installed from its wheel into a clean virtual environment works in another directory, with the
templates and schemas it carries as package data, and the checkout nowhere on its path."""

from __future__ import annotations

import os
import shutil
import site
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from generator.paths import PROJECT_ROOT
from generator.releases import SUPPORTED_RELEASES
from tests.conftest import FIXTURES, GOLDEN


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A virtual environment holding only the wheel; the dependencies come from this one (read-only)."""
    root = tmp_path_factory.mktemp("install")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", root / "dist", "."],
        cwd=PROJECT_ROOT,
        check=True,
    )
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", venv], check=True)
    wheel = next((root / "dist").glob("kuberay_gitops-*.whl"))
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            venv / "bin" / "python",
            "install",
            "-q",
            "--no-deps",
            "--no-index",
            wheel,
        ],
        check=True,
    )
    # A plain path entry, not a site directory: the checkout's own .pth in there is not read.
    target = next((venv / "lib").glob("python3*/site-packages"))
    (target / "dependencies.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    return venv


def run_installed(venv: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    environment = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return subprocess.run(
        [venv / "bin" / "kuberay-gitops", *args], cwd=cwd, env=environment, capture_output=True, text=True, check=False
    )


def test_the_wheel_carries_every_template_and_schema(installed: Path) -> None:
    wheel = next(installed.parent.glob("dist/*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {
        f"generator/_data/{path.relative_to(PROJECT_ROOT).as_posix()}"
        for folder in ("templates", "schemas")
        for path in (PROJECT_ROOT / folder).rglob("*")
        if path.is_file()
    }
    assert expected - names == set()


def test_the_installed_tool_renders_a_directory_elsewhere(installed: Path, tmp_path: Path) -> None:
    shutil.copytree(FIXTURES / "environments", tmp_path / "environments")
    version = run_installed(installed, "--version", cwd=tmp_path)
    assert version.stdout.splitlines()[1] == f"KubeRay releases: {', '.join(SUPPORTED_RELEASES)}"
    where = subprocess.run(
        [installed / "bin" / "python", "-c", "import generator.paths as p; print(p.tool_data().templates)"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    assert Path(where.stdout.strip()).is_relative_to(installed)
    result = run_installed(installed, "render", cwd=tmp_path)
    assert (result.returncode, result.stderr) == (0, "")
    rendered = {
        path.relative_to(tmp_path / "rendered"): path.read_bytes()
        for path in (tmp_path / "rendered").rglob("*")
        if path.is_file()
    }
    golden = {path.relative_to(GOLDEN): path.read_bytes() for path in GOLDEN.rglob("*") if path.is_file()}
    assert rendered == golden
    assert run_installed(installed, "check", cwd=tmp_path).returncode == 0
    created = run_installed(installed, "new", "extra", cwd=tmp_path)
    assert created.returncode == 0, created.stderr
