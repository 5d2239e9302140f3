"""Build a folder of small environment files and list their problems, for tests of single rules."""

from __future__ import annotations

from pathlib import Path

from generator.paths import ToolData
from generator.pipeline import BuildRequest, build

BASE = """\
kuberay: {version: 1.6.0}
gitops: {engine: argocd, repoURL: https://git.example.com/ray.git}
defaults: {image: rayproject/ray:2.46.0}
"""


def problems_of(
    tool: ToolData, folder: Path, environments: dict[str, str], base: str = BASE
) -> list[tuple[str, str, str]]:
    """(file, rule, message) of each problem of `environments` (name -> the YAML below `name:` and `extends:`),
    each extending `base`."""
    (folder / "_base.yaml").write_text(base)
    for name, body in environments.items():
        (folder / f"{name}.yaml").write_text(f"name: {name}\nextends: _base\n{body}")
    result = build(BuildRequest(folder, (), tool, keep_outcomes=False))
    return [
        (problem.location.file.name if problem.location else "", problem.rule, problem.message)
        for problem in result.problems
    ]
