"""Every check in one list, in the order docs/rules.md presents them: the stages' checks and the rules."""

from __future__ import annotations

from dataclasses import dataclass

from generator.checks import STAGE_CHECKS, Check
from generator.rules import RULES
from generator.rules.cross import CROSS_RULES, unique_object_names


@dataclass(frozen=True)
class Entry:
    check: Check
    code: str | None  # where a rule's code is, as module.function; None for the stages' checks


def catalogue() -> list[tuple[str, list[Entry]]]:
    """(section title, entries) in documentation order."""
    sections: list[tuple[str, list[Entry]]] = [
        (title, [Entry(check, None) for check in checks]) for title, checks in STAGE_CHECKS[:-1]
    ]
    by_module: dict[str, list[Entry]] = {}
    for rule in RULES:
        by_module.setdefault(rule.function.split(".")[0], []).append(Entry(rule.check, rule.function))
    sections += [(f"Rules: {module}", entries) for module, entries in by_module.items()]
    sections.append(
        (
            "Rules across environments: cross",
            [Entry(rule.check, rule.function) for rule in (*CROSS_RULES, unique_object_names)],
        )
    )
    title, checks = STAGE_CHECKS[-1]
    sections.append((title, [Entry(check, None) for check in checks]))
    return sections


def checks_by_id() -> dict[str, Check]:
    return {entry.check.id: entry.check for _, entries in catalogue() for entry in entries}
