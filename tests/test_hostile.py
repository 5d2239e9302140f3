"""Hostile and broken input: every case ends in a located message and exit 1, never a crash or a traceback,
and the previous output stays byte for byte as it was. Each case runs in its own process, so a crash in a
C extension (a segfault) fails its case instead of ending the test run."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.test_cli import VALID, snapshot

ALIASES = ", ".join(["*a"] * 40)


def too_deep(line: int, column: int) -> str:
    """The message of a file nested deeper than the loader allows, located at the first level too many."""
    message = "error[yaml-limits]: nesting is deeper than 64 levels\n  hint: flatten the structure\n"
    return f"demo.yaml:{line}:{column}: {message}"


CASES: dict[str, tuple[Callable[[], str], str]] = {
    # 50,000 levels of flow nesting overflowed the C stack inside libyaml's composer (exit 139)
    "flow-sequences": (
        lambda: VALID + "extra: " + "[" * 50_000 + "\n",
        too_deep(9, 72),
    ),
    "flow-mappings": (
        lambda: VALID + "extra: " + "{a: " * 50_000 + "\n",
        too_deep(9, 264),
    ),
    "block-sequences": (
        lambda: VALID + "extra:\n" + "- " * 50_000 + "a\n",
        too_deep(10, 129),
    ),
    # text that only the pure-Python parser reads (a YAML 1.1 line break; a flow `:` libyaml rejects) ended
    # in RecursionError at 5,000 levels
    "pure-parser-line-separator": (
        lambda: VALID + "note: a\u2028b\nextra: " + "[" * 5_000 + "\n",
        too_deep(10, 72),
    ),
    "pure-parser-flow-url": (
        lambda: VALID + "u: {u: https://a}\nextra: " + "[" * 5_000 + "\n",
        too_deep(10, 72),
    ),
    # one anchored 200 KB string aliased many times: 1.6 GB of memory and a 382 MB ConfigMap before
    "scalar-alias-uses": (
        lambda: VALID + "x: &a " + "x" * 10 + "\ny: [" + ", ".join(["*a"] * 1_999) + "]\n",
        "demo.yaml:9:4: error[yaml-limits]: y[100]: more than 100 alias uses\n"
        "  hint: write the repeated values out, or move them into a partial (extends: _NAME) that the files share\n",
    ),
    "scalar-alias-expansion": (
        lambda: VALID + "x: &a " + "x" * 200_000 + "\ny: [" + ALIASES + "]\n",
        "demo.yaml:9:4: error[yaml-limits]: y[9]: aliases expand the file to more than 2097152 characters\n"
        "  hint: write the values out, or shorten them\n",
    ),
    # Python's own limits and the pure scanner's failures ended in tracebacks
    "huge-integer": (
        lambda: VALID + "x: " + "9" * 5_000 + "\n",
        "demo.yaml:9:4: error[plain-data]: x: an integer of 5000 digits\n  hint: no field takes one\n",
    ),
    "escape-beyond-unicode": (
        lambda: VALID + 'x: "\\U00110000"\n',
        "demo.yaml:9:5: error[yaml-syntax]: the escape \\U00110000 is beyond the last Unicode character (U+10FFFF)\n",
    ),
    # a %YAML 1.1 directive switched the parser to 1.1: `suspend: yes` came out as false
    "yaml-1-1-directive": (
        lambda: "%YAML 1.1\n---\n" + VALID,
        "demo.yaml:1:1: error[yaml-syntax]: the file asks for another YAML version; environment files are YAML 1.2\n"
        "  hint: remove the %YAML directive\n",
    ),
    # 500,000 list items took 18 s to read, and far longer through the pure parser
    "half-a-million-values": (
        lambda: VALID + "x: [" + ",".join(["a"] * 500_000) + "]\n",
        "demo.yaml:9:99917: error[yaml-limits]: the file holds more than 50000 values\n"
        "  hint: split it, or shorten its lists\n",
    ),
    # a tag on a collection asks a loader to build an object from it
    "python-object-tag": (
        lambda: VALID.replace('head: {cpu: "1", memory: 2Gi}', 'head: !!python/object:os.system {cpu: "1"}'),
        "demo.yaml:8:11: error[plain-data]: clusters[0].head: the YAML tag tag:yaml.org,2002:python/object:os.system "
        "is not supported\n  hint: environment files hold plain data: no tags\n",
    ),
}


def _render(project: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "generator", "--environments", "environments", "render"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "environments").mkdir()
    (tmp_path / "environments" / "demo.yaml").write_text(VALID)
    assert _render(tmp_path).returncode == 0
    return tmp_path


@pytest.mark.parametrize("case", sorted(CASES))
def test_hostile_input_is_refused_with_a_located_message(case: str, project: Path) -> None:
    text, expected = CASES[case]
    before = snapshot(project / "rendered")
    (project / "environments" / "demo.yaml").write_text(text())
    result = _render(project)
    assert "Traceback" not in result.stderr
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == "environments/" + expected + "1 error(s)\n"
    assert snapshot(project / "rendered") == before


def test_yaml_1_1_booleans_stay_text_in_what_we_write(project: Path) -> None:
    """`value: "y"` must not come out as `value: y`, which YAML 1.1 readers (kubectl, Helm) take for true."""
    environment = VALID.replace(
        'head: {cpu: "1", memory: 2Gi}',
        'head: {cpu: "1", memory: 2Gi, env: [{name: A, value: "y"}, {name: B, value: "n"}]}',
    )
    (project / "environments" / "demo.yaml").write_text(environment)
    assert _render(project).returncode == 0
    text = (project / "rendered" / "demo" / "workloads" / "raycluster-small.yaml").read_text()
    assert "value: 'y'" in text
    assert "value: 'n'" in text


def test_merge_and_value_indicators_are_plain_text_in_yaml_1_2(project: Path) -> None:
    environment = VALID.replace(
        'head: {cpu: "1", memory: 2Gi}',
        'head: {cpu: "1", memory: 2Gi, env: [{name: A, value: =}, {name: B, value: <<}]}',
    )
    (project / "environments" / "demo.yaml").write_text(environment)
    result = _render(project)
    assert result.returncode == 0, result.stderr
    text = (project / "rendered" / "demo" / "workloads" / "raycluster-small.yaml").read_text()
    assert "value: '='" in text
    assert "value: <<" in text or "value: '<<'" in text
