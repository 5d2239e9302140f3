"""A semantic rule: its check (id, what it checks, its source, a failing and a passing example) and its code.

Each rule module declares its rules with `@rule(...)` right above the function, so the id, the source and
the examples live beside the code they describe; tests run every example, and docs/rules.md is
generated from them (`make docs`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from generator.checks import Check
from generator.errors import Problem, Severity
from generator.rules.context import RuleContext

# What every example's YAML is merged over (a YAML stream of several documents: one environment each).
EXAMPLE_BASE = """\
name: example
kuberay: {version: 1.3.0}
target: {cluster: in-cluster, namespace: ray}
gitops: {engine: argocd, repoURL: https://git.example.com/ray.git}
defaults: {image: rayproject/ray:2.41.0}
"""
Run = TypeVar("Run", covariant=True)  # the function; a rule of a subtype is a rule of its supertype
Function = TypeVar("Function")
EnvironmentRun = Callable[[RuleContext], Iterator[Problem]]


@dataclass(frozen=True)
class Rule(Generic[Run]):
    check: Check
    run: Run

    @property
    def id(self) -> str:
        return self.check.id

    @property
    def function(self) -> str:
        """Where the code is, as `module.function` (for the documentation)."""
        name = getattr(self.run, "__name__", "?")
        return f"{getattr(self.run, '__module__', '?').removeprefix('generator.rules.')}.{name}"


def rule(
    rule_id: str,
    checks: str,
    source: str,
    *,
    fails: str,
    passes: str,
    cases: Sequence[str] = (),
    severity: Severity = "error",
) -> Callable[[Function], Rule[Function]]:
    """Declare the function below as the rule `rule_id`."""

    def declare(run: Function) -> Rule[Function]:
        return Rule(Check(rule_id, checks, source, fails, passes, tuple(cases), severity), run)

    return declare
