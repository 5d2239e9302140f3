"""Waivers: `lint: {ignore: [ID, ...]}` on a cluster, job or service drops that object's problems of those lints.

Only lints, advice of ours, can be waived; the rules of KubeRay, Kubernetes, Argo CD, Flux and the
generator's own layout describe what will fail, so waiving one is an error that says why. A waiver covers
every problem located in its object, the object's own cluster spec included.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Mapping
from typing import Any

from generator.checks import Check
from generator.errors import DocPath, Problem
from generator.model.fields import SECTION_KINDS
from generator.rules.context import RuleContext


def waived_lints(data: Mapping[str, Any]) -> dict[DocPath, frozenset[str]]:
    """The lint ids each object waives, by the object's path (`("clusters", 0)`)."""
    waived: dict[DocPath, frozenset[str]] = {}
    for section in SECTION_KINDS:
        for index, item in enumerate(data.get(section, [])):
            ignore = item.get("lint", {}).get("ignore", [])
            if ignore:
                waived[(section, index)] = frozenset(ignore)
    return waived


def is_waived(problem: Problem, waived: Mapping[DocPath, frozenset[str]], checks: Mapping[str, Check]) -> bool:
    check = checks.get(problem.rule)
    if check is None or not check.waivable:
        return False
    return problem.rule in waived.get(tuple(problem.path[:2]), frozenset())


def unwaived(problems: list[Problem], data: Mapping[str, Any], checks: Mapping[str, Check]) -> list[Problem]:
    """`problems` without those a waiver of `data` covers: lints found on the structured fields and on what an
    item's `spec` renders alike."""
    waived = waived_lints(data)
    return [problem for problem in problems if not is_waived(problem, waived, checks)]


def waiver_problems(context: RuleContext, checks: Mapping[str, Check]) -> Iterator[Problem]:
    """Waivers of ids that are not lints: unknown ids, and upstream rules, which cannot be waived."""
    lints = sorted(check_id for check_id, check in checks.items() if check.waivable)
    for section in SECTION_KINDS:
        for index, item in enumerate(context.data.get(section, [])):
            for position, rule_id in enumerate(item.get("lint", {}).get("ignore", [])):
                path = (section, index, "lint", "ignore", position)
                check = checks.get(rule_id)
                if check is None:
                    close = difflib.get_close_matches(rule_id, lints, n=1)
                    yield context.problem(
                        path,
                        f"no lint has the id {rule_id}",
                        f"did you mean '{close[0]}'?" if close else "lints: " + ", ".join(lints),
                    )
                elif not check.waivable:
                    yield context.problem(
                        path,
                        f"{rule_id} is not a lint but a rule of {check.source}, and cannot be waived",
                        "fix what it reports; only lints can be waived: " + ", ".join(lints),
                    )
