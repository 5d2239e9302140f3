"""What working out one environment gives: its problems, its rendered files, and (when it has no error) its
model and the rule context its checks read. Kept by the outcome cache and sent by workers, so it is imported by
every run, even one that works nothing out: it imports nothing heavy."""

from __future__ import annotations

from dataclasses import dataclass

from generator.errors import Problem
from generator.files import RenderedFile
from generator.model.types import Environment
from generator.rules.context import RuleContext


@dataclass(frozen=True)
class Outcome:
    problems: list[Problem]
    files: list[RenderedFile]
    environment: Environment | None = None
    context: RuleContext | None = None
