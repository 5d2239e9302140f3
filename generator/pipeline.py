"""The stages wired together: find environments, load, resolve, check, model and render each one.

One bad environment never hides another: every environment is taken as far as it goes and all problems
are collected. Nothing here writes files or prints; the command line decides what to do with the result.
"""

from __future__ import annotations

import contextlib
import difflib
import gc
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

import jinja2

from generator.checks import CRD_SCHEMA, FILE_NAME, LINT_WAIVER, Check
from generator.errors import InputError, Problem, SetupError
from generator.files import ROOT_FOLDER, RenderedFile
from generator.input.envschema import environment_schema
from generator.input.load import LoadedDocument, load_environment_file
from generator.input.resolve import PARTIAL_PREFIX, duplicate_names, resolve_environment
from generator.input.schema_check import SchemaValidator, check_schema
from generator.model.access import grant_for, namespace_grants, single_namespace
from generator.model.build import build_environment
from generator.model.types import Environment, NamespaceGrant
from generator.outcome_cache import (
    OutcomeCache,
    ToolStamp,
    file_digest,
    outcome_cache,
    outcome_key,
    tool_signature,
    tool_stamp,
)
from generator.output.write import OutputScope
from generator.parallel import Pickled, References, run_in_workers, worker_count
from generator.paths import ToolData
from generator.releases import FieldHistory, KubeRayRelease, load_field_history, load_release
from generator.render.gitops_files import render_root
from generator.render.jinja import template_environment
from generator.render.layout import render_environment
from generator.render.workloads import overridden_objects
from generator.rules import check_rules
from generator.rules.catalogue import checks_by_id
from generator.rules.context import RuleContext
from generator.rules.cross import check_environments, named_across_environments
from generator.rules.delivery import chart_values_problems
from generator.rules.waivers import is_waived, waived_lints, waiver_problems
from generator.validate.conformance import SchemaStore, check_rendered, findings_for
from generator.validate.final_rules import object_rules, override_problems
from generator.validate.kubernetes import KubernetesSchemas, object_problems, schema_files
from generator.validate.limits import size_problems
from generator.validate.patches import patch_target_problems, patched_object_problems
from generator.validate.pod_security import pod_security_problems

ENVIRONMENT_SUFFIX = ".yaml"


@dataclass(frozen=True)
class BuildRequest:
    environments_dir: Path
    selected: tuple[str, ...]  # environment names; empty means every environment
    tool: ToolData
    jobs: int | None = None  # processes for the per-environment work; None: one per CPU for a large repository
    # whether the result keeps every rendered file's documents; without, only those the rules across
    # environments read once all are rendered (Argo CD and Flux objects) stay: the rest is a large repository's
    # largest part in memory, and what workers would send for nothing
    documents: bool = True
    # whether outcomes are taken from and kept in the outcome cache: not those of a throwaway copy, which no
    # later run meets again
    keep_outcomes: bool = True


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
    # No environment is a valid state (a team that removed the examples): render then prunes every generated
    # file, as it would those of one removed environment; hand-written files stay (output/write.py).
    return EnvironmentFiles(environments, frozenset(partials), misnamed)


@dataclass(frozen=True)
class _Stages:
    """What every environment of one run shares: validators, templates, caches."""

    request: BuildRequest
    found: EnvironmentFiles
    validator: SchemaValidator
    jinja: jinja2.Environment
    load: _CachedLoader
    store: SchemaStore
    kubernetes: KubernetesSchemas
    history: FieldHistory
    releases: dict[str, KubeRayRelease]
    checks: dict[str, Check]
    cache: OutcomeCache | None  # each environment's outcome kept between runs; None: caching is off

    def release(self, version: str) -> KubeRayRelease:
        if version not in self.releases:
            self.releases[version] = load_release(version, self.request.tool.schemas)
        return self.releases[version]


@dataclass(frozen=True)
class _Outcome:
    problems: list[Problem]
    files: list[RenderedFile]
    environment: Environment | None = None
    context: RuleContext | None = None


def build(request: BuildRequest) -> BuildResult:
    found = discover(request.environments_dir)
    names = _selected(found, request.selected, request.environments_dir)
    stages = _Stages(
        request,
        found,
        SchemaValidator(environment_schema()),
        template_environment(request.tool.templates),
        _CachedLoader(),
        SchemaStore(request.tool.schemas),
        KubernetesSchemas(),
        load_field_history(request.tool.schemas),
        {},
        checks_by_id(),
        outcome_cache(os.environ) if request.keep_outcomes else None,
    )
    problems: list[Problem] = [
        Problem(
            None,
            (),
            "environment files must end in .yaml",
            f"rename it to {path.stem}.yaml",
            file=path,
            rule=FILE_NAME.id,
        )
        for path in found.misnamed
    ]
    # Every environment is built, even for `render ENV`: conflicts between environments need all of them.
    # Only the named ones report their own problems and produce files.
    # The others skip output validation, the costly stage: their conflicts need only their data and names.
    outcomes = _outcomes(stages, sorted(found.environments), frozenset(names))
    files = [file for name in names for file in outcomes[name].files]
    for name in names:
        problems.extend(outcomes[name].problems)
    valid = [outcome for outcome in outcomes.values() if outcome.context is not None]
    problems.extend(
        check_environments(
            [outcome.context for outcome in valid if outcome.context is not None],
            [file for outcome in valid for file in outcome.files],
            frozenset(names),
            stages.checks,
        )
    )
    # The root objects list every environment: written by every run (`render ENV` too, so that a new
    # environment reaches Argo CD), but only when every environment is valid, so that none drops out of them.
    complete = len(valid) == len(outcomes) and not any(problem.is_error for problem in problems)
    if complete:
        files.extend(render_root([outcome.environment for outcome in valid if outcome.environment], stages.jinja))
    unique_problems = tuple(sorted(dict.fromkeys(problems), key=Problem.sort_key))
    owned = frozenset(names) | ({ROOT_FOLDER} if complete else frozenset())
    scope = OutputScope(owned if request.selected else None)
    return BuildResult(tuple(names), tuple(files), unique_problems, scope)


def _outcomes(stages: _Stages, every: list[str], focus: frozenset[str]) -> dict[str, _Outcome]:
    """Each environment modelled and rendered (its output checked when it is in `focus`), in `every`'s order,
    in several processes when the repository is large enough (generator/parallel.py); an environment whose
    inputs an earlier run met already is taken from the outcome cache instead (generator/outcome_cache.py)."""
    references = References(stages.release, stages.history)
    keys, stamp = _outcome_keys(stages, every, focus)
    with _uncollected():
        kept = {name: found for name in every if (found := _kept(stages, references, keys.get(name))) is not None}
    # the grants are made of every model, failed renders' too: the kept ones' are those before their grant
    kept_owners = [
        item.environment for item in kept.values() if item.environment and single_namespace(item.environment)
    ]

    def grants_of(owners: list[Environment]) -> Mapping[tuple[str, str], NamespaceGrant]:
        return namespace_grants(owners + kept_owners)

    def render_and_keep(
        name: str, outcome: _Outcome, grants: Mapping[tuple[str, str], NamespaceGrant]
    ) -> tuple[_Outcome, bytes | None]:
        """The rendered outcome, and what the outcome cache keeps of it (None: nothing)."""
        # kept only once the tool's files have settled (ToolStamp.settled)
        key = keys.get(name) if stamp is not None and stamp.settled else None
        # read before the render reads them: a file changed meanwhile is then a miss, never a stale hit
        reads = _other_reads(outcome) if stages.cache is not None and key is not None else ()
        rendered = _render_environment(stages, outcome, grants, check_output=name in focus)
        if stages.cache is None or key is None:
            return rendered, None
        grant = grant_for(outcome.environment, grants) if outcome.environment else None
        data = references.dumps(_Kept(grant, outcome.environment, rendered, reads))
        stages.cache.put(key, data)
        return rendered, data

    def render(name: str, outcome: _Outcome, grants: Mapping[tuple[str, str], NamespaceGrant]) -> _Outcome:
        return render_and_keep(name, outcome, grants)[0]

    def render_to_send(
        name: str, outcome: _Outcome, grants: Mapping[tuple[str, str], NamespaceGrant]
    ) -> Pickled[_Kept | _Outcome]:
        # a worker sends what it kept as it is, rather than pickle the outcome once more (1.5 ms an environment)
        rendered, data = render_and_keep(name, outcome, grants)
        return Pickled(references.dumps(rendered) if data is None else data)

    missing = [name for name in every if name not in kept]
    workers = worker_count(stages.request.jobs, len(missing))
    if workers > 1:
        model = partial(_model_environment, stages)
        grants, sent = run_in_workers(
            missing, workers, references, model, _single_namespace_owners, grants_of, render_to_send
        )
        fresh = {name: _received(item) for name, item in sent.items()}
    else:
        modelled = {name: _model_environment(stages, name) for name in missing}
        grants = grants_of(_single_namespace_owners(modelled))
        fresh = {name: render(name, outcome, grants) for name, outcome in modelled.items()}
    worked = list(missing)
    for name, item in kept.items():
        if item.environment is None or grant_for(item.environment, grants) == item.grant:
            fresh[name] = item.outcome
            continue
        worked.append(name)
        if item.outcome.context is not None:  # rendered with another grant, and without an error: render again
            unrendered = _Outcome(item.outcome.problems, [], item.environment, item.outcome.context)
            fresh[name] = render(name, unrendered, grants)
        else:  # the error may have come of the other grant: work it out again
            fresh[name] = render(name, _model_environment(stages, name), grants)
    if stages.cache is not None and stamp is not None and worked:
        # a template or schema read after the stamp was taken may have changed since: what this run kept may
        # then come of files that its stamp does not describe
        if tool_signature(stages.request.tool) != stamp.signature:
            for key in filter(None, map(keys.get, worked)):
                stages.cache.remove(key)
        stages.cache.prune()
    return {name: fresh[name] for name in every}


@dataclass(frozen=True)
class _Kept:
    """What the outcome cache keeps of one environment."""

    grant: NamespaceGrant | None  # the namespace grant it was rendered with, which depends on other environments
    environment: Environment | None  # its model before the grant, when it has one: what the grants are made of
    outcome: _Outcome
    # the files besides its own and the partials that it read (objectSchemas), each with the digest of its
    # contents (None: it could not be read): they must read the same for the outcome to hold
    reads: tuple[tuple[Path, bytes | None], ...]


def _received(item: _Outcome | _Kept) -> _Outcome:
    """A worker's outcome, or what it kept of one (`render_to_send`)."""
    return item.outcome if isinstance(item, _Kept) else item


def _other_reads(outcome: _Outcome) -> tuple[tuple[Path, bytes | None], ...]:
    if outcome.context is None:  # not modelled: nothing but its own files and partials was read
        return ()
    return tuple((path, file_digest(path)) for path in schema_files(outcome.context.file, outcome.context.data))


def _outcome_keys(stages: _Stages, every: list[str], focus: frozenset[str]) -> tuple[dict[str, str], ToolStamp | None]:
    """The outcome cache's key of each environment whose files could be read (generator/outcome_cache.py),
    and the tool's stamp they hold. The bytes read are those the run loads, so that a file changed meanwhile
    never lands under another key."""
    if stages.cache is None:
        return {}, None
    folder = stages.request.environments_dir
    # each file as given (problems name it so) and as resolved (rendered headers name its real folder)
    shared = [b"documents" if stages.request.documents else b""]
    try:
        for partial_name in sorted(stages.found.partials):
            path = folder / f"{partial_name}{ENVIRONMENT_SUFFIX}"
            shared += [bytes(path), bytes(path.resolve()), stages.load.read(path)]
        stamp = tool_stamp(stages.request.tool, stages.cache)
    except (OSError, RuntimeError):  # reported where the partial is loaded; the environments are worked out
        return {}, None
    keys = {}
    for name in every:
        file = stages.found.environments[name]
        with contextlib.suppress(OSError, RuntimeError):  # RuntimeError: a loop of symbolic links
            parts = [*shared, bytes(file), bytes(file.resolve()), stages.load.read(file)]
            keys[name] = outcome_key(stamp.digest, [*parts, b"checked" if name in focus else b""])
    return keys, stamp


@contextlib.contextmanager
def _uncollected() -> Iterator[None]:
    """Python's cycle collector kept off what the block makes: reading the kept outcomes makes hundreds of
    thousands of objects, none in a cycle, and each collection run among them or after walks all of them again
    (for 1,000 environments, reading took 2.5 s with the collector and 0.6 s without, and the first collection
    after it 0.4 s). gc.freeze moves them, with all else alive, out of the collector's sight."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


def _kept(stages: _Stages, references: References, key: str | None) -> _Kept | None:
    data = stages.cache.get(key) if stages.cache is not None and key is not None else None
    if data is None:
        return None
    try:
        kept = references.loads(data)
    except Exception:  # an entry that cannot be read (cut short, of another layout) is a miss, never an error
        return None
    if not isinstance(kept, _Kept) or any(file_digest(path) != digest for path, digest in kept.reads):
        return None
    return kept


def _single_namespace_owners(modelled: Mapping[str, _Outcome]) -> list[Environment]:
    """The environments whose operator is a single-namespace install, whose Role is rendered into the overlay
    of each namespace it watches: all that the grants are made of, and all a worker sends before rendering."""
    return [
        outcome.environment
        for outcome in modelled.values()
        if outcome.environment is not None and single_namespace(outcome.environment)
    ]


def _model_environment(stages: _Stages, name: str) -> _Outcome:
    """Load, resolve and check one environment, and build its model when it has no error."""
    file = stages.found.environments[name]
    try:
        resolved = resolve_environment(file, stages.load, stages.found.partials)
    except InputError as error:
        return _Outcome(list(error.problems), [])
    problems = [problem for path in resolved.chain for problem in stages.load.duplicates(path)]
    problems = problems or check_schema(stages.validator, resolved.data, resolved.origin)
    if problems:
        return _Outcome(problems, [])
    version = resolved.data["kuberay"]["version"]
    context = RuleContext(file, resolved.data, resolved.origin, stages.release(version), stages.history)
    problems = check_rules(context)
    problems += waiver_problems(context.for_rule(LINT_WAIVER.id), stages.checks)
    waived = waived_lints(resolved.data)
    problems = [problem for problem in problems if not is_waived(problem, waived, stages.checks)]
    warnings = [problem for problem in problems if not problem.is_error]
    if len(warnings) < len(problems):
        return _Outcome(problems, [])
    environment = build_environment(resolved.data, file, stages.release(version))
    return _Outcome(warnings, [], environment, context)


def _render_environment(
    stages: _Stages, outcome: _Outcome, grants: Mapping[tuple[str, str], NamespaceGrant], *, check_output: bool
) -> _Outcome:
    """Render a modelled environment and, when asked, check what it renders."""
    if outcome.environment is None or outcome.context is None:
        return outcome
    environment = replace(outcome.environment, namespace_grant=grant_for(outcome.environment, grants))
    context, warnings = outcome.context, outcome.problems
    data, origin, file = context.data, context.origin, context.file
    rendered = render_environment(environment, stages.jinja, stages.request.tool.schemas)
    if check_output:
        problems = check_rendered(rendered, context.version, stages.store, data, origin, file, stages.history)
        problems += size_problems(rendered, data, origin, file)
        if not problems:  # the pods are read as the schema describes them: only schema-valid objects
            problems = pod_security_problems(rendered, data, origin, file)
        problems += chart_values_problems(context, rendered)
        problems += patch_target_problems(rendered, data, origin, file, environment.name)
        problems += patched_object_problems(
            rendered,
            data,
            origin,
            file,
            environment.name,
            findings_for(stages.store, context.version),
            object_rules(context, stages.validator),
        )
        if not any(problem.rule == CRD_SCHEMA.id for problem in problems):  # the rules read schema-valid objects
            problems += override_problems(
                overridden_objects(environment, stages.jinja, rendered), context, stages.validator
            )
        problems += object_problems(
            [
                *((("objects", index), item) for index, item in enumerate(environment.objects)),
                *((("clusterObjects", index), item) for index, item in enumerate(environment.cluster_objects)),
            ],
            data,
            origin,
            file,
            environment.target.kubernetes_version,
            stages.kubernetes,
        )
        if problems:
            return _Outcome(problems + warnings, [])
    if not stages.request.documents:
        rendered = [
            file if any(map(named_across_environments, file.documents)) else replace(file, documents=())
            for file in rendered
        ]
    return _Outcome(warnings, rendered, environment, context)


def _selected(found: EnvironmentFiles, selected: tuple[str, ...], environments_dir: Path) -> list[str]:
    if not selected:
        return sorted(found.environments)
    names = [_environment_name(given, environments_dir) for given in selected]
    for name in names:
        if name not in found.environments:
            close = difflib.get_close_matches(name, sorted(found.environments), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise SetupError(f"no environment named '{name}'{hint}")
    return list(dict.fromkeys(names))


def _environment_name(given: str, environments_dir: Path) -> str:
    """An environment named by its name, or by its file (`environments/prod.yaml`, as a shell completes it)."""
    path = Path(given)
    if path.suffix not in (ENVIRONMENT_SUFFIX, ".yml") and len(path.parts) == 1:
        return given
    if path.resolve().parent != environments_dir.resolve():
        raise SetupError(f"{given} is not a file of the environments directory {environments_dir}")
    return path.stem


class _CachedLoader:
    """Loads each file once per run: partials are shared by many environments. The bytes of a file read before
    (for the outcome cache's key) are the ones loaded."""

    def __init__(self) -> None:
        self.documents: dict[Path, LoadedDocument | InputError] = {}
        self.duplicate_problems: dict[Path, list[Problem]] = {}
        self.raw: dict[Path, bytes] = {}

    def read(self, path: Path) -> bytes:
        if path not in self.raw:
            self.raw[path] = path.read_bytes()
        return self.raw[path]

    def __call__(self, path: Path) -> LoadedDocument:
        if path not in self.documents:
            try:
                self.documents[path] = load_environment_file(path, self.raw.pop(path, None))
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
