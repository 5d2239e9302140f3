"""docs/tutorial.md stays true: every `$` command of its console blocks runs, in order, in a copy of the
repository, and prints what the page says it prints (`…` stands for any lines)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from generator.paths import PROJECT_ROOT
from tests.kustomize import kustomize_build
from tests.test_team_repository import NOT_CONTENT

TUTORIAL = PROJECT_ROOT / "docs" / "tutorial.md"
BLOCK = re.compile(r"^```console\n(.*?)^```", re.MULTILINE | re.DOTALL)
ANY_LINES = "…"


@dataclass(frozen=True)
class Step:
    command: str
    expected: list[str]


def steps(text: str) -> list[Step]:
    found: list[Step] = []
    for block in BLOCK.findall(text):
        for line in block.splitlines():
            if line.startswith("$ "):
                found.append(Step(line[2:], []))
            else:
                found[-1].expected.append(line)
    return found


def matches(expected: list[str], actual: list[str]) -> bool:
    """Line by line, where `…` matches any number of lines."""
    if not expected:
        return not actual
    if expected[0] == ANY_LINES:
        return any(matches(expected[1:], actual[start:]) for start in range(len(actual) + 1))
    return bool(actual) and actual[0] == expected[0] and matches(expected[1:], actual[1:])


def test_the_tutorial_has_steps() -> None:
    found = steps(TUTORIAL.read_text())
    assert len(found) >= 10
    assert any(step.command.startswith("kuberay-gitops new ") for step in found)


def test_every_step_of_the_tutorial_prints_what_it_says(tmp_path: Path) -> None:
    repository = tmp_path / "repository"
    shutil.copytree(PROJECT_ROOT, repository, ignore=NOT_CONTENT)
    environment = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    environment.pop("GITHUB_ACTIONS", None)  # the text reporter, as a user at a terminal sees it
    for step in steps(TUTORIAL.read_text()):
        result = subprocess.run(
            step.command,
            shell=True,
            cwd=repository,
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            check=False,
            timeout=300,
        )
        printed = result.stdout.splitlines()
        assert matches(step.expected, printed), f"$ {step.command}\n{result.stdout}"
        failing = any("error" in line for line in step.expected)
        assert (result.returncode != 0) == failing, f"$ {step.command} exited {result.returncode}"


def test_the_gpu_example_renders_and_builds_with_kubectl_kustomize(tmp_path: Path) -> None:
    """docs/examples is a folder of environments of its own; its RayService asks for the GPU it serves on."""
    result = subprocess.run(
        [sys.executable, "-m", "generator", "--environments", "docs/examples", "--output", tmp_path / "out", "render"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert (result.returncode, result.stderr) == (0, "")
    documents = {
        document["kind"]: document for document in kustomize_build(tmp_path / "out" / "gpu-prod" / "workloads")
    }
    worker = documents["RayService"]["spec"]["rayClusterConfig"]["workerGroupSpecs"][0]["template"]["spec"]
    assert worker["containers"][0]["resources"]["limits"]["nvidia.com/gpu"] == 1
    assert {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"} in worker["tolerations"]
