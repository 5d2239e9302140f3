"""Rewrite tests/fixtures/diff/expected/: the text and Markdown diff of each case of tests/diff_cases.py.

`make golden` runs it; review the result like code: each file is what `kuberay-gitops diff` prints.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from generator.paths import tool_data
from generator.pipeline import BuildRequest, build
from generator.review.diff import diff_trees
from generator.review.present import markdown_report, text_report
from generator.review.trees import Tree, tree_of_files
from tests.diff_cases import BEFORE, CASES, EXPECTED, prepared

BASE_LABEL = "before"


def rendered(folder: Path) -> Tree:
    result = build(BuildRequest(folder, (), tool_data()))
    errors = [problem for problem in result.problems if problem.is_error]
    if errors:
        raise SystemExit(f"{folder} does not validate: {errors[0].message}")
    return tree_of_files(result.files)


def case_reports(case: str) -> tuple[str, str]:
    with tempfile.TemporaryDirectory() as folder:
        after = rendered(prepared(case, Path(folder) / "environments"))
    diffs = diff_trees(rendered(BEFORE), after)
    return text_report(diffs, BASE_LABEL), markdown_report(diffs, BASE_LABEL)


def main() -> None:
    EXPECTED.mkdir(exist_ok=True)
    for case in CASES:
        text, markdown = case_reports(case)
        (EXPECTED / f"{case}.txt").write_text(text)
        (EXPECTED / f"{case}.md").write_text(markdown)


if __name__ == "__main__":
    main()
