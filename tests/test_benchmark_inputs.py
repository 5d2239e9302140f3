"""The benchmark measures valid environments: a figure of environments that fail validation would time the
error path, not the work issue 13 is about."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from benchmarks.run import write_repository
from generator.cli import main


def test_the_benchmarks_synthetic_environments_are_valid(tmp_path: Path) -> None:
    write_repository(tmp_path, 3)
    result = CliRunner().invoke(
        main, ["--environments", str(tmp_path / "environments"), "validate"], catch_exceptions=False
    )
    assert (result.exit_code, result.output) == (0, "3 environment(s) valid\n")
