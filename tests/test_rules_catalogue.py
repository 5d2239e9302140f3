"""Every check has a stable id, a source, documentation generated from its declaration, and working examples."""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator import rules as rules_package
from generator.checks import LINT
from generator.input.resolve import merge
from generator.paths import PROJECT_ROOT, ToolData
from generator.pipeline import BuildRequest, build
from generator.rules.catalogue import Entry, catalogue, checks_by_id
from generator.rules.rule import EXAMPLE_BASE, Rule
from generator.source import GENERATED
from scripts.write_rules_doc import DOCUMENT, rules_document
from scripts.write_troubleshooting import DOCUMENT as TROUBLESHOOTING
from scripts.write_troubleshooting import corpus_messages, troubleshooting_document

CORPUS = PROJECT_ROOT / "tests" / "corpus"
ENTRIES = [entry for _, entries in catalogue() for entry in entries]
RULE_ENTRIES = [entry for entry in ENTRIES if entry.code is not None]
ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


def test_docs_rules_md_is_generated_from_the_declarations() -> None:
    assert DOCUMENT.read_text() == rules_document(), "docs/rules.md is stale: run `make docs`"


def test_docs_troubleshooting_md_is_generated_from_checks_and_corpus() -> None:
    assert TROUBLESHOOTING.read_text() == troubleshooting_document(), (
        "docs/troubleshooting.md is stale: run `make docs`"
    )


def test_troubleshooting_covers_every_check_with_a_real_message() -> None:
    shown = corpus_messages()
    without = sorted(entry.check.id for entry in ENTRIES if entry.check.id not in shown)
    # a guard against chart changes between releases: the values written for a helm-delivered cluster are
    # keys of the pinned chart in every supported release, so no environment file shows it
    assert without == ["chart-values"]


def test_ids_are_unique_and_stable_looking() -> None:
    ids = [entry.check.id for entry in ENTRIES]
    assert len(ids) == len(set(ids))
    assert [check_id for check_id in ids if not ID.match(check_id)] == []


def test_every_declared_rule_runs() -> None:
    """A function declared with @rule but left out of RULES (generator/rules/__init__.py) or CROSS_RULES
    (generator/rules/cross.py) would never run, nor be in the catalogue and its docs."""
    declared = {
        value.check.id
        for module in pkgutil.iter_modules(rules_package.__path__)
        for value in vars(importlib.import_module(f"{rules_package.__name__}.{module.name}")).values()
        if isinstance(value, Rule)
    }
    assert declared - {entry.check.id for entry in RULE_ENTRIES} == set()


def test_every_rule_documents_its_source_and_examples() -> None:
    for entry in RULE_ENTRIES:
        assert entry.check.source, entry.check.id
        assert entry.check.fails, entry.check.id
        assert entry.check.passes, entry.check.id


def test_corpus_cases_named_by_checks_exist() -> None:
    cases = {path.stem for kind in ("invalid", "warning") for path in (CORPUS / kind).glob("*.yaml")} | {
        path.name for path in (CORPUS / "cross").iterdir()
    }
    assert sorted({case for entry in ENTRIES for case in entry.check.cases} - cases) == []


def test_every_corpus_problem_carries_a_known_id() -> None:
    known = set(checks_by_id())
    expected_files = [
        *(CORPUS / "invalid").glob("*.expected"),
        *(CORPUS / "warning").glob("*.expected"),
        *(CORPUS / "cross").glob("*/expected"),
    ]
    found: set[str] = set()
    for expected in expected_files:
        for line in expected.read_text().splitlines():
            if line.startswith("  hint: ") or re.fullmatch(r"(\d+ error\(s\))?(, )?(\d+ warning\(s\))?", line):
                continue
            match = re.search(r": (error|warning)\[([a-z0-9-]+)\]: ", line)
            assert match is not None, f"{expected}: {line}"
            found.add(match.group(2))
    assert found <= known
    assert {"gpu-count", "input-schema", "crd-schema", "lint-waiver"} <= found


def _write_example(folder: Path, example: str) -> list[str]:
    """The example's environments in `folder`: one file per document, named after it (example.yaml alone)."""
    base = yaml.safe_load(EXAMPLE_BASE)
    documents = list(yaml.safe_load_all(example))
    names = []
    for document in documents:
        data: Any
        data, _ = merge(base, GENERATED, document, GENERATED)
        name = data["name"] if len(documents) > 1 else base["name"]
        (folder / f"{name}.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
        names.append(name)
    return names


def _rule_ids(tool: ToolData, folder: Path) -> list[str]:
    return [problem.rule for problem in build(BuildRequest(folder, (), tool)).problems]


@pytest.mark.parametrize("entry", RULE_ENTRIES, ids=lambda entry: entry.check.id)
def test_failing_example_fails_with_its_id(entry: Entry, tool: ToolData, tmp_path: Path) -> None:
    _write_example(tmp_path, entry.check.fails)
    assert entry.check.id in _rule_ids(tool, tmp_path)


@pytest.mark.parametrize("entry", RULE_ENTRIES, ids=lambda entry: entry.check.id)
def test_passing_example_passes(entry: Entry, tool: ToolData, tmp_path: Path) -> None:
    _write_example(tmp_path, entry.check.passes)
    assert _rule_ids(tool, tmp_path) == []


GPU_LOGICAL = """\
clusters:
  - name: c
    lint: {ignore: [%s]}
    head: {cpu: '1'}
    workerGroups:
      - {name: w, gpu: 1, rayStartParams: {num-gpus: '4'}, tolerations: [{key: nvidia.com/gpu, operator: Exists}]}
"""


def test_a_lint_can_be_waived_for_its_object(tool: ToolData, tmp_path: Path) -> None:
    _write_example(tmp_path, GPU_LOGICAL % "gpu-count")
    assert _rule_ids(tool, tmp_path) == []


def test_a_waiver_covers_only_its_own_object(tool: ToolData, tmp_path: Path) -> None:
    two = GPU_LOGICAL % "gpu-count" + "  - {name: d, head: {cpu: '1'}, workerGroups: [{name: w, gpu: 1, "
    two += "rayStartParams: {num-gpus: '4'}, tolerations: [{key: nvidia.com/gpu, operator: Exists}]}]}\n"
    _write_example(tmp_path, two)
    problems = build(BuildRequest(tmp_path, (), tool)).problems
    assert [(problem.rule, problem.path[:2]) for problem in problems] == [("gpu-count", ("clusters", 1))]


def test_an_upstream_rule_cannot_be_waived(tool: ToolData, tmp_path: Path) -> None:
    _write_example(tmp_path, GPU_LOGICAL % "requests-within-limits")
    problems = build(BuildRequest(tmp_path, (), tool)).problems
    assert [(problem.rule, problem.message) for problem in problems] == [
        (
            "lint-waiver",
            "requests-within-limits is not a lint but a rule of Kubernetes API server, pod validation "
            "(pkg/apis/core/validation/validation.go), and cannot be waived",
        ),
        ("gpu-count", "num-gpus 4 is more than the 1 GPU(s) the container has"),
    ]


def test_an_unknown_waiver_suggests_a_lint(tool: ToolData, tmp_path: Path) -> None:
    _write_example(tmp_path, GPU_LOGICAL % "gpu-counts")
    problems = [
        problem for problem in build(BuildRequest(tmp_path, (), tool)).problems if problem.rule == "lint-waiver"
    ]
    assert [(problem.message, problem.hint) for problem in problems] == [
        ("no lint has the id gpu-counts", "did you mean 'gpu-count'?")
    ]


def test_lints_are_ours_and_marked() -> None:
    lints = sorted(entry.check.id for entry in ENTRIES if entry.check.source == LINT)
    assert lints == [
        "gpu-count",
        "gpu-resource-name",
        "gpu-toleration",
        "interactive-entrypoint",
        "job-retry-hazard",
        "job-ttl-ignored",
        "owner-keeps-finished-jobs",
        "plaintext-secret",
        "ray-version-image",
        "selected-cluster",
        "self-deleting-job",
        "unique-container-ports",
        "worker-bounds",
    ]
