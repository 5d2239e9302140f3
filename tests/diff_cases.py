"""Before/after pairs of environments for the golden diffs: each case edits a copy of
tests/fixtures/diff/before/ (scripts/write_golden_diffs.py and tests/test_review.py share them)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from generator.paths import PROJECT_ROOT

BEFORE = PROJECT_ROOT / "tests" / "fixtures" / "diff" / "before"
EXPECTED = PROJECT_ROOT / "tests" / "fixtures" / "diff" / "expected"
Edit = Callable[[Path], None]


def replace(file: str, old: str, new: str) -> Edit:
    def edit(folder: Path) -> None:
        path = folder / file
        text = path.read_text()
        if old not in text:
            raise AssertionError(f"{file} does not hold {old!r}")
        path.write_text(text.replace(old, new, 1))

    return edit


def remove(file: str) -> Edit:
    def edit(folder: Path) -> None:
        (folder / file).unlink()

    return edit


def add(file: str, text: str) -> Edit:
    def edit(folder: Path) -> None:
        (folder / file).write_text(text)

    return edit


CASES: dict[str, list[Edit]] = {
    "gpu-count": [replace("serve.yaml", "gpu: 1\n", "gpu: 2\n"), replace("serve.yaml", "num_gpus: 1", "num_gpus: 2")],
    "serve-config-only": [replace("serve.yaml", "num_replicas: 1", "num_replicas: 3")],
    "cluster-image": [replace("serve.yaml", "rayproject/ray:2.41.0-gpu", "registry.example.com/ray:2.41.0-cu121")],
    "worker-group-appended": [
        replace(
            "serve.yaml",
            "          tolerations: [{key: nvidia.com/gpu, operator: Exists, effect: NoSchedule}]\n",
            "          tolerations: [{key: nvidia.com/gpu, operator: Exists, effect: NoSchedule}]\n"
            "        - {name: cpu, replicas: 1, cpu: 2, memory: 4Gi}\n",
        )
    ],
    "autoscaled-replicas": [replace("batch.yaml", "replicas: 1, minReplicas: 1", "replicas: 3, minReplicas: 1")],
    "job-edit": [replace("batch.yaml", "--epochs 10", "--epochs 20")],
    "job-rename": [replace("batch.yaml", "name: nightly", "name: nightly-v2")],
    "version-bump": [replace("_base.yaml", "version: 1.6.0", "version: 1.7.0")],
    "operator-values": [replace("batch.yaml", "limits: {memory: 512Mi}", "limits: {memory: 1Gi}")],
    "environment-added": [
        add(
            "fresh.yaml",
            "name: fresh\nextends: _base\ntarget: {cluster: cpu-cluster, namespace: ray-fresh}\n"
            "clusters:\n  - name: small\n    head: {cpu: 1, memory: 2Gi}\n",
        )
    ],
    "environment-removed": [remove("leaving.yaml")],
}


def prepared(case: str, into: Path) -> Path:
    """A copy of the environments before, with the case's edits applied."""
    shutil.copytree(BEFORE, into)
    for edit in CASES[case]:
        edit(into)
    return into
