"""Reporters: the one place where problems and results become text, JSON or CI annotations."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path, PurePosixPath
from typing import Any, Protocol, TextIO

from generator.errors import Problem, format_path
from generator.output.write import Change

ISSUES = "a bug in kuberay-gitops, not in your environment files: report it with this output and the command you ran"


def display_path(path: Path) -> str:
    """Paths relative to the working directory when inside it, as compilers print them."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError, RuntimeError):  # outside the working directory, or it was replaced; a link loop
        return str(path)


def display_paths_under(folder: Path, paths: Sequence[PurePosixPath]) -> list[str]:
    """`display_path` of each path under `folder`, the folder and the working directory resolved once: resolving
    each file's path asks the file system about every folder above it, a dozen system calls per file of a render
    that writes thousands. A path is taken as it is written under the folder (a link in it is not followed)."""
    try:
        resolved, here = str(folder.resolve()), str(Path.cwd().resolve())
    except (OSError, RuntimeError):  # the working directory was replaced; a symbolic link loop
        return [str(folder / path) for path in paths]
    prefix = here if here.endswith(os.sep) else here + os.sep  # the working directory may be the root
    shown = []
    for path in paths:
        full = os.path.join(resolved, path)
        shown.append(full[len(prefix) :] if full.startswith(prefix) else str(folder / path))
    return shown


def problem_line(problem: Problem) -> str:
    if problem.location is not None:
        where = f"{display_path(problem.location.file)}:{problem.location.line}:{problem.location.column}"
    else:
        where = display_path(problem.file) if problem.file is not None else "kuberay-gitops"
    subject = f"{format_path(problem.path)}: " if problem.path else ""
    met_in = ""
    if problem.environments:
        plural = "s" if len(problem.environments) > 1 else ""
        met_in = f" (in environment{plural} {', '.join(problem.environments)})"
    return f"{where}: {problem.severity}[{problem.rule}]: {subject}{problem.message}{met_in}"


def problem_count(problems: Sequence[Problem]) -> str:
    """`2 error(s)`, `1 warning(s)`, or both: the last line of a run that found something."""
    errors = sum(1 for problem in problems if problem.is_error)
    warnings = len(problems) - errors
    counts = [f"{errors} error(s)"] if errors else []
    counts += [f"{warnings} warning(s)"] if warnings else []
    return ", ".join(counts)


class Reporter(Protocol):
    def problems(self, problems: Sequence[Problem]) -> None: ...
    def changes(self, output_dir: Path, changes: Sequence[Change], *, written: bool) -> None: ...
    def summary(self, message: str) -> None: ...
    def output(self, text: str) -> None: ...
    def data(self, key: str, value: object) -> None: ...
    def failure(self, message: str) -> None: ...
    def internal_error(self, message: str, trace: str) -> None: ...
    def close(self) -> None: ...


class TextReporter:
    def __init__(self, out: TextIO, err: TextIO) -> None:
        self.out = out
        self.err = err

    def problems(self, problems: Sequence[Problem]) -> None:
        for problem in problems:
            print(problem_line(problem), file=self.err)
            if problem.hint:
                print(f"  hint: {problem.hint}", file=self.err)
        if problems:
            print(problem_count(problems), file=self.err)

    def changes(self, output_dir: Path, changes: Sequence[Change], *, written: bool) -> None:
        shown = display_paths_under(output_dir, [change.path for change in changes])
        # one write for the whole listing: with PYTHONUNBUFFERED (set in many CI images) each print is two
        lines = "".join(f"{change.state}: {path}\n" for change, path in zip(changes, shown, strict=True))
        (self.out if written else self.err).write(lines)

    def summary(self, message: str) -> None:
        print(message, file=self.out)

    def output(self, text: str) -> None:
        print(text, end="", file=self.out)

    def data(self, key: str, value: object) -> None:
        print(json.dumps({key: value}, indent=2), file=self.out)

    def failure(self, message: str) -> None:
        print(f"kuberay-gitops: error: {message}", file=self.err)

    def internal_error(self, message: str, trace: str) -> None:
        print(trace, end="", file=self.err)
        print(f"kuberay-gitops: internal error, please report: {message}", file=self.err)
        print(f"  {ISSUES}", file=self.err)

    def close(self) -> None:
        """Text is printed as it comes; nothing is left to flush."""


class GithubReporter(TextReporter):
    """Text output plus workflow commands, so GitHub shows each error on its line of the pull request."""

    def problems(self, problems: Sequence[Problem]) -> None:
        super().problems(problems)
        for problem in problems:
            properties = ""
            if problem.location is not None:
                location = problem.location
                properties = f" file={display_path(location.file)},line={location.line},col={location.column}"
            elif problem.file is not None:
                properties = f" file={display_path(problem.file)}"
            message = problem_line(problem) + (f" (hint: {problem.hint})" if problem.hint else "")
            print(f"::{problem.severity}{properties}::{_escape(message)}", file=self.out)


class JsonReporter:
    """One JSON document on stdout at the end of the run, for tools."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.document: dict[str, Any] = {"problems": [], "changes": [], "messages": []}

    def problems(self, problems: Sequence[Problem]) -> None:
        self.document["problems"].extend(_problem_json(problem) for problem in problems)

    def changes(self, output_dir: Path, changes: Sequence[Change], *, written: bool) -> None:
        self.document["written"] = written
        shown = display_paths_under(output_dir, [change.path for change in changes])
        self.document["changes"].extend(
            {"path": path, "state": change.state} for change, path in zip(changes, shown, strict=True)
        )

    def summary(self, message: str) -> None:
        self.document["messages"].append(message)

    def output(self, text: str) -> None:
        self.document["output"] = text

    def data(self, key: str, value: object) -> None:
        self.document[key] = value

    def failure(self, message: str) -> None:
        self.document["error"] = message

    def internal_error(self, message: str, trace: str) -> None:
        self.document["internalError"] = {"message": message, "traceback": trace, "report": ISSUES}

    def close(self) -> None:
        print(json.dumps(self.document, indent=2), file=self.out)


def _problem_json(problem: Problem) -> dict[str, Any]:
    location = problem.location
    file = location.file if location is not None else problem.file
    return {
        "file": display_path(file) if file is not None else None,
        "line": location.line if location is not None else None,
        "column": location.column if location is not None else None,
        "path": format_path(problem.path) if problem.path else None,
        "rule": problem.rule,
        "severity": problem.severity,
        "message": problem.message,
        "hint": problem.hint,
        "environments": list(problem.environments),
    }


def _escape(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def running_in_github_actions() -> bool:
    return os.environ.get("GITHUB_ACTIONS") == "true"
