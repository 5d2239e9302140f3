"""The positive/negative corpus: every invalid file fails with exactly the messages beside it.

tests/corpus/invalid/NAME.yaml holds one broken environment per rule; NAME.expected is the exact text
`kuberay-gitops validate NAME` prints, each problem with file:line:column, document path and hint.
tests/corpus/warning/ holds environments that pass with warnings (exit 0), and fail with --strict.
tests/corpus/valid/ holds environments that must pass without a word.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.cli import main
from generator.paths import PROJECT_ROOT

CORPUS = PROJECT_ROOT / "tests" / "corpus"


def _environments(folder: Path) -> list[str]:
    return sorted(path.stem for path in folder.glob("*.yaml") if not path.name.startswith("_"))


def _validate(folder: Path, name: str, monkeypatch: pytest.MonkeyPatch, *options: str) -> tuple[int, str, str]:
    monkeypatch.chdir(folder)  # messages name files relative to the working directory
    result = CliRunner().invoke(main, ["--environments", ".", "validate", *options, name], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("name", _environments(CORPUS / "invalid"))
def test_invalid_environment_reports_exact_problems(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = CORPUS / "invalid"
    expected = (folder / f"{name}.expected").read_text()
    exit_code, stdout, stderr = _validate(folder, name, monkeypatch)
    assert (exit_code, stdout, stderr) == (1, "", expected)


@pytest.mark.parametrize("name", _environments(CORPUS / "valid"))
def test_valid_environment_passes(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    exit_code, stdout, stderr = _validate(CORPUS / "valid", name, monkeypatch)
    assert (exit_code, stdout, stderr) == (0, "1 environment(s) valid\n", "")


@pytest.mark.parametrize("name", _environments(CORPUS / "warning"))
def test_warnings_print_but_pass_unless_strict(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = CORPUS / "warning"
    expected = (folder / f"{name}.expected").read_text()
    assert _validate(folder, name, monkeypatch) == (0, "1 environment(s) valid\n", expected)
    strict = "kuberay-gitops: error: warnings fail the run with --strict\n"
    assert _validate(folder, name, monkeypatch, "--strict") == (1, "", expected + strict)


@pytest.mark.parametrize("kind", ["invalid", "warning"])
def test_every_case_has_its_expectation(kind: str) -> None:
    folder = CORPUS / kind
    assert {path.stem for path in folder.glob("*.expected")} == set(_environments(folder))


def test_every_problem_names_file_line_and_column() -> None:
    for expected in [*(CORPUS / "invalid").glob("*.expected"), *(CORPUS / "warning").glob("*.expected")]:
        for line in expected.read_text().splitlines():
            if ": error[" in line or ": warning[" in line:
                location = line.split(": error[")[0].split(": warning[")[0]
                file, row, column = location.rsplit(":", 2)
                assert file.endswith(".yaml"), f"{expected.name}: {line}"
                assert int(row) >= 1, f"{expected.name}: {line}"
                assert int(column) >= 1, f"{expected.name}: {line}"


CROSS_CASES = sorted(path.name for path in (CORPUS / "cross").iterdir() if path.is_dir())


@pytest.mark.parametrize("case", CROSS_CASES)
def test_folder_cases_report_exact_problems(case: str, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = CORPUS / "cross" / case
    monkeypatch.chdir(folder)
    result = CliRunner().invoke(main, ["--environments", ".", "validate"], catch_exceptions=False)
    assert (result.exit_code, result.stdout, result.stderr) == (1, "", (folder / "expected").read_text())


def test_rendering_one_environment_still_checks_its_conflicts(monkeypatch: pytest.MonkeyPatch) -> None:
    folder = CORPUS / "cross" / "mixed-releases"
    monkeypatch.chdir(folder)
    # team-a is the first of the pair: the conflict is located in team-b, and still stops a run over team-a
    result = CliRunner().invoke(main, ["--environments", ".", "validate", "team-a"], catch_exceptions=False)
    assert (result.exit_code, result.stderr) == (1, (folder / "expected").read_text())
