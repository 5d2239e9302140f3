"""What the environments directory holds, read without rendering: for `list`, and for `new`, which fits a
new environment to the others (the cluster's operator owner and release, the repository URL).

An environment that does not resolve is listed with the reason; validity is `validate`'s business.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from generator.errors import InputError, Problem, format_path
from generator.input.envschema import environment_schema
from generator.input.load import LoadedDocument, load_environment_file
from generator.input.resolve import resolve_environment
from generator.input.schema_check import findings, schema_validator
from generator.model.fields import SECTION_KINDS
from generator.pipeline import discover

if TYPE_CHECKING:
    from jsonschema.protocols import Validator


@dataclass(frozen=True)
class EnvironmentSummary:
    name: str
    file: Path
    data: dict[str, Any]  # the resolved document; empty when it does not resolve
    problem: str | None = None  # why it does not resolve
    problems: tuple[Problem, ...] = ()  # where it does not resolve, each located

    def text(self, *keys: str) -> str | None:
        """The string at `keys` of the resolved document, if it is one (the document is not validated)."""
        value: Any = self.data
        for key in keys:
            value = value.get(key) if isinstance(value, dict) else None
        return value if isinstance(value, str) else None

    @property
    def cluster(self) -> str | None:
        return self.text("target", "cluster")

    @property
    def namespace(self) -> str | None:
        return self.text("target", "namespace")

    @property
    def version(self) -> str | None:
        return self.text("kuberay", "version")

    @property
    def installs_operator(self) -> bool:
        operator = self.data.get("operator")
        return isinstance(operator, dict) and operator.get("install") is True

    @property
    def objects(self) -> list[tuple[str, str]]:
        """(kind, name) of every Ray object the environment declares."""
        found = []
        for section, kind in SECTION_KINDS.items():
            items = self.data.get(section)
            for item in items if isinstance(items, list) else []:
                if isinstance(item, dict) and isinstance(item.get("name"), str):
                    found.append((kind, item["name"]))
        return found


def summarize(environments_dir: Path) -> list[EnvironmentSummary]:
    """Every environment, merged and checked against the environment schema (the rules are `validate`'s)."""
    found = discover(environments_dir)
    load = _cached_loader()
    validator = schema_validator(environment_schema())
    return [_checked(_summary(file, load, found.partials), validator) for _, file in sorted(found.environments.items())]


def resolve_file(file: Path, environments_dir: Path) -> EnvironmentSummary:
    """One file (an environment or a partial) with the partials it extends merged in."""
    return _summary(file, _cached_loader(), discover(environments_dir).partials)


def _summary(file: Path, load: Callable[[Path], LoadedDocument], partials: frozenset[str]) -> EnvironmentSummary:
    try:
        resolved = resolve_environment(file, load, partials)
    except InputError as error:
        first = error.problems[0] if error.problems else None
        return EnvironmentSummary(
            file.stem, file, {}, first.message if first else "does not resolve", tuple(error.problems)
        )
    return EnvironmentSummary(file.stem, file, resolved.data if isinstance(resolved.data, dict) else {})


def _checked(summary: EnvironmentSummary, validator: Validator) -> EnvironmentSummary:
    if summary.problem is not None:
        return summary
    wrong = findings(validator, summary.data)
    if not wrong:
        return summary
    where = format_path(wrong[0].path)
    return replace(summary, data={}, problem=f"does not validate: {where}: {wrong[0].message}")


def _cached_loader() -> Callable[[Path], LoadedDocument]:
    cache: dict[Path, LoadedDocument] = {}

    def load(path: Path) -> LoadedDocument:
        if path not in cache:
            cache[path] = load_environment_file(path)
        return cache[path]

    return load


def list_lines(summaries: list[EnvironmentSummary]) -> list[str]:
    """A table, one environment per line, aligned for the terminal."""
    rows = [("ENVIRONMENT", "CLUSTER", "NAMESPACE", "KUBERAY", "OPERATOR", "OBJECTS")]
    for summary in summaries:
        if summary.problem is not None:
            text = summary.problem if summary.problem.startswith("does not") else f"does not resolve: {summary.problem}"
            rows.append((summary.name, "-", "-", "-", "-", text))
            continue
        kinds = [kind for kind, _ in summary.objects]
        counts = ", ".join(f"{kinds.count(kind)} {kind}" for kind in SECTION_KINDS.values() if kind in kinds)
        rows.append(
            (
                summary.name,
                summary.cluster or "-",
                summary.namespace or "-",
                summary.version or "-",
                "installs" if summary.installs_operator else "uses",
                counts or "none",
            )
        )
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]) - 1)]
    return [
        "  ".join(cell.ljust(width) for cell, width in zip(row[:-1], widths, strict=True)) + "  " + row[-1]
        for row in rows
    ]


def list_json(summaries: list[EnvironmentSummary]) -> list[dict[str, Any]]:
    return [
        {
            "name": summary.name,
            "file": str(summary.file),
            "cluster": summary.cluster,
            "namespace": summary.namespace,
            "kuberay": summary.version,
            "installsOperator": summary.installs_operator,
            "objects": [{"kind": kind, "name": name} for kind, name in summary.objects],
            "problem": summary.problem,
        }
        for summary in summaries
    ]
