"""The stages wired together: find environments, load, resolve, check, model and render each one.

One bad environment never hides another: every environment is taken as far as it goes and all problems
are collected. Nothing here writes files or prints; the command line decides what to do with the result.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path

from generator.conformance import SchemaStore, check_rendered
from generator.envschema import environment_schema
from generator.errors import InputError, Problem, SetupError
from generator.layout import render_environment
from generator.load import LoadedDocument, load_environment_file
from generator.model import Environment, build_environment
from generator.output import OutputScope
from generator.paths import ToolData
from generator.releases import KubeRayRelease, load_field_history, load_release
from generator.render import RenderedFile, template_environment
from generator.render_gitops import render_root
from generator.resolve import PARTIAL_PREFIX, duplicate_names, resolve_environment
from generator.rules import check_rules
from generator.rules.context import RuleContext
from generator.rules.cross import check_environments
from generator.rules.delivery import chart_values_problems
from generator.schema_check import check_schema, schema_validator

ENVIRONMENT_SUFFIX = ".yaml"


@dataclass(frozen=True)
class BuildRequest:
    environments_dir: Path
    selected: tuple[str, ...]  # environment names; empty means every environment
    tool: ToolData


@dataclass(frozen=True)
class BuildResult:
    environments: tuple[str, ...]
    files: tuple[RenderedFile, ...]
    problems: tuple[Problem, ...]
    scope: OutputScope


@dataclass(frozen=True)
class EnvironmentFiles:
    environments: dict[str, Path]
    partials: frozenset[str]
    misnamed: tuple[Path, ...]  # *.yml files, which would otherwise be silently ignored


def discover(environments_dir: Path) -> EnvironmentFiles:
    if not environments_dir.is_dir():
        raise SetupError(f"environments directory {environments_dir} does not exist")
    environments: dict[str, Path] = {}
    partials: set[str] = set()
    for path in sorted(environments_dir.iterdir()):
        if path.suffix != ENVIRONMENT_SUFFIX or not path.is_file():
            continue
        if path.name.startswith(PARTIAL_PREFIX):
            partials.add(path.stem)
        else:
            environments[path.stem] = path
    misnamed = tuple(sorted(environments_dir.glob("*.yml")))
    return EnvironmentFiles(environments, frozenset(partials), misnamed)


def build(request: BuildRequest) -> BuildResult:
    found = discover(request.environments_dir)
    names = _selected(found, request.selected)
    validator = schema_validator(environment_schema())
    jinja = template_environment(request.tool.templates)
    load = _CachedLoader()
    store = SchemaStore(request.tool.schemas)
    history = load_field_history(request.tool.schemas)
    releases: dict[str, KubeRayRelease] = {}
    problems: list[Problem] = [
        Problem(None, (), "environment files must end in .yaml", f"rename it to {path.stem}.yaml", file=path)
        for path in found.misnamed
    ]
    files: list[RenderedFile] = []
    environments: list[Environment] = []
    contexts: list[RuleContext] = []
    for name in names:
        file = found.environments[name]
        try:
            resolved = resolve_environment(file, load, found.partials)
        except InputError as error:
            problems.extend(error.problems)
            continue
        found_problems = [problem for path in resolved.chain for problem in load.duplicates(path)]
        found_problems = found_problems or check_schema(validator, resolved.data, resolved.origin)
        if found_problems:
            problems.extend(found_problems)
            continue
        version = resolved.data["kuberay"]["version"]
        if version not in releases:
            releases[version] = load_release(version, request.tool.schemas)
        context = RuleContext(file, resolved.data, resolved.origin, releases[version], history)
        rule_problems = check_rules(context)
        if rule_problems:
            problems.extend(rule_problems)
            continue
        environment = build_environment(resolved.data, file, releases[version])
        rendered = render_environment(environment, jinja)
        output_problems = check_rendered(rendered, version, store, resolved.data, resolved.origin, file)
        output_problems += chart_values_problems(context, environment)
        if output_problems:
            problems.extend(output_problems)
            continue
        files.extend(rendered)
        environments.append(environment)
        contexts.append(context)
    if not request.selected:
        # conflicts between environments are only known when all of them are read
        problems.extend(check_environments(contexts, files))
    if not request.selected and not problems:
        # the root objects are about every environment, so only a run over all of them writes them
        files.extend(render_root(environments, jinja))
    unique_problems = tuple(sorted(dict.fromkeys(problems), key=Problem.sort_key))
    scope = OutputScope(frozenset(names) if request.selected else None)
    return BuildResult(tuple(names), tuple(files), unique_problems, scope)


def _selected(found: EnvironmentFiles, selected: tuple[str, ...]) -> list[str]:
    if not selected:
        return sorted(found.environments)
    for name in selected:
        if name not in found.environments:
            close = difflib.get_close_matches(name, sorted(found.environments), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise SetupError(f"no environment named '{name}'{hint}")
    return list(dict.fromkeys(selected))


class _CachedLoader:
    """Loads each file once per run: partials are shared by many environments."""

    def __init__(self) -> None:
        self.documents: dict[Path, LoadedDocument | InputError] = {}
        self.duplicate_problems: dict[Path, list[Problem]] = {}

    def __call__(self, path: Path) -> LoadedDocument:
        if path not in self.documents:
            try:
                self.documents[path] = load_environment_file(path)
            except InputError as error:
                self.documents[path] = error
        document = self.documents[path]
        if isinstance(document, InputError):
            raise InputError(document.problems)
        return document

    def duplicates(self, path: Path) -> list[Problem]:
        if path not in self.duplicate_problems:
            self.duplicate_problems[path] = duplicate_names(self(path))
        return self.duplicate_problems[path]
