"""Problems found in user input, and the exceptions that carry them to the command line.

A problem is plain data: where it is (file, line, column, document path), what is wrong and how to fix it.
The core never prints; the reporter turns problems into text, JSON or CI annotations.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, NamedTuple

DocPath = tuple[str | int, ...]
Severity = Literal["error", "warning"]


class Location(NamedTuple):
    """A position in a source file; line and column count from 1.

    A named tuple, not a frozen dataclass: loading makes two for every value of every file, and a named tuple
    is made in half the time (the same order, equality and hash: by file, line, column)."""

    file: Path
    line: int
    column: int


@dataclass(frozen=True)
class Problem:
    """One error in the input, located in the file it came from, and the id of the check that found it."""

    location: Location | None
    path: DocPath
    message: str
    hint: str | None = None
    file: Path | None = None  # the file the problem is about when there is no exact location
    rule: str = field(kw_only=True)  # the stable id of the check (generator/checks.py, generator/rules/)
    # a warning is printed but fails the run only with --strict; it never stops rendering
    severity: Severity = field(default="error", kw_only=True)
    # for a problem located in a partial: the environments whose working-out met it (the same partial value may be
    # fine in one environment and not in another, which overrides something else); empty otherwise
    environments: tuple[str, ...] = field(default=(), kw_only=True)

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    def sort_key(self) -> tuple[str, int, int, str]:
        if self.location is not None:
            return (str(self.location.file), self.location.line, self.location.column, self.message)
        return (str(self.file or ""), 0, 0, self.message)


def format_path(path: DocPath) -> str:
    """Render a document path the way users write it: `clusters[0].head.cpu`."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        elif text:
            text += f".{part}" if _is_plain_key(part) else f"[{part!r}]"
        else:
            text = part if _is_plain_key(part) else f"[{part!r}]"
    return text or "(document)"


def _is_plain_key(key: str) -> bool:
    return key.replace("_", "a").replace("-", "a").isalnum()


class GeneratorError(Exception):
    """Root of every error this package raises on purpose."""


class InputError(ValueError, GeneratorError):
    """The environment files are invalid; carries every problem found, not just the first."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: Sequence[Problem] = sorted(problems, key=Problem.sort_key)
        super().__init__(f"{len(self.problems)} problem(s) in the environment files")


class SetupError(RuntimeError, GeneratorError):
    """The tool cannot run as called: a missing directory, an unknown environment, a broken install."""


class InternalError(RuntimeError):
    """A bug in the tool itself (a template that renders invalid YAML, an impossible state), never the user's.

    Deliberately outside `GeneratorError`: the command line reports it with its traceback and asks for a
    report, with its own exit code, instead of dressing it up as a problem in the input.
    """
