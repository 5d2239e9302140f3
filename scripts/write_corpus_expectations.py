"""Rewrite tests/corpus/invalid/*.expected and tests/corpus/cross/*/expected from what the tool prints now.

Run after an intended change of messages (`make corpus`), then review the diff like code: each file is
the exact text `kuberay-gitops validate` prints for its case.
"""

from __future__ import annotations

import os
from pathlib import Path

from click.testing import CliRunner

from generator.cli import main
from generator.paths import PROJECT_ROOT

CORPUS = PROJECT_ROOT / "tests" / "corpus"


def _stderr(folder: Path, *names: str) -> str:  # warnings are on stderr too, before the summary on stdout
    previous = Path.cwd()
    os.chdir(folder)  # messages name files relative to the working directory
    try:
        result = CliRunner().invoke(main, ["--environments", ".", "validate", *names], catch_exceptions=False)
    finally:
        os.chdir(previous)
    return result.stderr


def write_expectations() -> None:
    for kind in ("invalid", "warning"):
        folder = CORPUS / kind
        for path in sorted(folder.glob("*.yaml")):
            if not path.name.startswith("_"):
                (folder / f"{path.stem}.expected").write_text(_stderr(folder, path.stem))
    for case in sorted(folder for folder in (CORPUS / "cross").iterdir() if folder.is_dir()):
        (case / "expected").write_text(_stderr(case))


if __name__ == "__main__":
    write_expectations()
