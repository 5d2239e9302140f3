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
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from generator.checks import FILE_NAME, Check
from generator.errors import Problem, SetupError
from generator.files import ROOT_FOLDER, RenderedFile
from generator.input.resolve import PARTIAL_PREFIX
from generator.model.access import (
    Granted,
    Grants,
    OwnerSummary,
    grant_for,
    is_operator_owner,
    namespace_grants,
    owner_summary,
)
from generator.model.types import Environment
from generator.outcome import Outcome
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
from generator.rules.catalogue import checks_by_id
from generator.rules.cross import check_environments

if TYPE_CHECKING:
    from generator.stages import Stages

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
    # whether the build thaws what it froze and collects what of it is garbage (see `build`): the command line,
    # whose process ends with the run, leaves it frozen, which also spares the interpreter's last collection
    restore_collector: bool = True
    # with `selected`: the environments whose Argo CD folders the output holds already. The root files list those and
    # the selected ones only, so that `render ENV` never points the root at a folder it did not write (a new environment
    # not yet rendered would make kustomize fail the root, and Argo CD stop syncing every environment). None: all.
    rendered: frozenset[str] | None = None


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
class _Run:
    """What every environment of one run shares. The stages that work environments out are set up only when
    one must be (generator/stages.py): a run that takes every environment from the outcome cache does without."""

    request: BuildRequest
    found: EnvironmentFiles
    raw: dict[Path, bytes]  # files read for their keys, until the loader takes them: the bytes keyed are loaded
    located: dict[Path, bytes]  # where each file keyed was found, resolved as its key took it
    history: FieldHistory
    releases: dict[str, KubeRayRelease]
    checks: dict[str, Check]
    cache: OutcomeCache | None  # each environment's outcome kept between runs; None: caching is off
    # whether what the run makes may be frozen out of the collector's sight (`_uncollected`): only when no caller
    # froze objects of its own, so that `build` thaws all it froze
    may_freeze: bool

    def release(self, version: str) -> KubeRayRelease:
        if version not in self.releases:
            self.releases[version] = load_release(version, self.request.tool.schemas)
        return self.releases[version]

    def read(self, path: Path) -> bytes:
        if path not in self.raw:
            self.raw[path] = path.read_bytes()
        return self.raw[path]

    @cached_property
    def stages(self) -> Stages:
        from generator.stages import new_stages  # imported at first use (the module's docstring says why)

        return new_stages(self.request, self.found, self.raw, self.release, self.history, self.checks)


def build(request: BuildRequest) -> BuildResult:
    # What `_uncollected` froze goes back to the collector when the build is done, and what of it is garbage by
    # then (templates, validators, models: many in cycles) is collected. Left frozen, none of it would ever be
    # freed, and a process that builds again (the tests, a tool built on this one) grew by every run: 1.8 GB
    # over tests/test_outcome_cache.py. Merely thawed, it would still wait for a full collection, which the
    # collector starts by the count of objects it promoted itself, and thawed ones are not counted. The
    # collection takes 2-3 ms on the examples kept, 12-27 ms worked out (a tenth of a cold start), and 55-85 ms
    # for 1,000 environments: the command line skips it (`restore_collector`).
    thaw = gc.get_freeze_count() == 0
    try:
        return _build(request, may_freeze=thaw)
    finally:
        if thaw and request.restore_collector and gc.get_freeze_count() > 0:
            gc.unfreeze()
            gc.collect()


def _build(request: BuildRequest, *, may_freeze: bool) -> BuildResult:
    found = discover(request.environments_dir)
    names = _selected(found, request.selected, request.environments_dir)
    run = _Run(
        request,
        found,
        {},
        {},
        load_field_history(request.tool.schemas),
        {},
        checks_by_id(),
        outcome_cache(os.environ) if request.keep_outcomes else None,
        may_freeze,
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
    every = sorted(found.environments)
    keys, stamp = _outcome_keys(run, every, frozenset(names))
    outcomes, worked = _outcomes(run, every, frozenset(names), keys, stamp)
    files = [file for name in names for file in outcomes[name].files]
    problems.extend(_own_problems(names, outcomes, run.found))
    valid = [outcome for outcome in outcomes.values() if outcome.context is not None]
    problems.extend(
        check_environments(
            [outcome.context for outcome in valid if outcome.context is not None],
            [file for outcome in valid for file in outcome.files],
            frozenset(names),
            run.checks,
        )
    )
    # The root objects list every environment: written by every run (`render ENV` too, so that a new
    # environment reaches Argo CD: one listed only once its folder is written, `BuildRequest.rendered`), but
    # only when every environment is valid, so that none drops out of them.
    complete = len(valid) == len(outcomes) and not any(problem.is_error for problem in problems)
    root_entry = None
    if complete:
        listed = [
            name
            for name in every
            if not request.selected or request.rendered is None or name in request.rendered or name in names
        ]
        environments = [outcome.environment for outcome in valid if outcome.environment]
        environments = [environment for environment in environments if environment.name in listed]
        root, root_entry = _root_files(run, environments, [keys.get(name) for name in listed], stamp)
        files.extend(root)
    _settle(run, stamp, keys, worked, root_entry)
    unique_problems = tuple(sorted(dict.fromkeys(problems), key=Problem.sort_key))
    owned = frozenset(names) | ({ROOT_FOLDER} if complete else frozenset())
    scope = OutputScope(owned if request.selected else None)
    return BuildResult(tuple(names), tuple(files), unique_problems, scope)


def _outcomes(
    run: _Run, every: list[str], focus: frozenset[str], keys: dict[str, str], stamp: ToolStamp | None
) -> tuple[dict[str, Outcome], list[str]]:
    """Each environment modelled and rendered (its output checked when it is in `focus`), in `every`'s order,
    in several processes when the repository is large enough (generator/parallel.py); an environment whose
    inputs an earlier run met already is taken from the outcome cache instead (generator/outcome_cache.py).
    Also the names of those worked out, whose outcomes `_settle` may have to drop again."""
    references = References(run.release, run.history)
    with _uncollected(run.may_freeze):
        kept = {name: found for name in every if (found := _kept(run, references, keys.get(name))) is not None}
    # the grants are made of every model, failed renders' too: the kept ones' are those before their grant
    kept_owners = [
        owner_summary(item.environment)
        for item in kept.values()
        if item.environment and is_operator_owner(item.environment)
    ]

    def grants_of(owners: list[OwnerSummary]) -> Grants:
        return namespace_grants(owners + kept_owners)

    def render_and_keep(name: str, outcome: Outcome, grants: Grants) -> tuple[Outcome, bytes | None]:
        """The rendered outcome, and what the outcome cache keeps of it (None: nothing)."""
        from generator import stages  # imported once some environment is worked out (the module's docstring)

        # kept only once the tool's files have settled (ToolStamp.settled)
        key = keys.get(name) if stamp is not None and stamp.settled else None
        # read before the render reads them: a file changed meanwhile is then a miss, never a stale hit
        reads = stages.other_reads(outcome) if run.cache is not None and key is not None else ()
        rendered = stages.render_modelled(run.stages, outcome, grants, check_output=name in focus)
        if run.cache is None or key is None:
            return rendered, None
        grant = grant_for(outcome.environment, grants) if outcome.environment else None
        data = references.dumps(_Kept(grant, outcome.environment, rendered, reads))
        run.cache.put(key, data)
        return rendered, data

    def render(name: str, outcome: Outcome, grants: Grants) -> Outcome:
        return render_and_keep(name, outcome, grants)[0]

    def render_to_send(name: str, outcome: Outcome, grants: Grants) -> Pickled[_Kept | Outcome]:
        # a worker sends what it kept as it is, rather than pickle the outcome once more (1.5 ms an environment)
        rendered, data = render_and_keep(name, outcome, grants)
        return Pickled(references.dumps(rendered) if data is None else data)

    def model(name: str) -> Outcome:
        from generator import stages

        return stages.model_environment(run.stages, name)

    missing = [name for name in every if name not in kept]
    workers = worker_count(run.request.jobs, len(missing))
    if workers > 1:
        run.stages  # noqa: B018 - set up before the workers are forked, which then share it
        # the parent reads the workers' outcomes as they come: as many objects as reading them from the cache
        # (its collections at 1,000 environments: 0.67 s of CPU beside the workers, 0.02 s with the block's)
        with _uncollected(run.may_freeze):
            grants, sent = run_in_workers(
                missing, workers, references, model, _operator_owners, grants_of, render_to_send
            )
        fresh = {name: _received(item) for name, item in sent.items()}
    else:
        modelled = {name: model(name) for name in missing}
        grants = grants_of(_operator_owners(modelled))
        fresh = {name: render(name, outcome, grants) for name, outcome in modelled.items()}
    worked = list(missing)
    for name, item in kept.items():
        if item.environment is None or grant_for(item.environment, grants) == item.grant:
            fresh[name] = item.outcome
            continue
        worked.append(name)
        if item.outcome.context is not None:  # rendered with another grant, and without an error: render again
            unrendered = Outcome(item.outcome.problems, [], item.environment, item.outcome.context)
            fresh[name] = render(name, unrendered, grants)
        else:  # the error may have come of the other grant: work it out again
            fresh[name] = render(name, model(name), grants)
    return {name: fresh[name] for name in every}, worked


def _own_problems(names: list[str], outcomes: Mapping[str, Outcome], found: EnvironmentFiles) -> list[Problem]:
    """The problems of the environments named, each once: one located in a partial names the environments that met
    it, since the partial's line alone does not say which environment's values made it a problem."""
    met: dict[Problem, list[str]] = {}
    for name in names:
        for problem in outcomes[name].problems:
            met.setdefault(problem, []).append(name)
    return [
        problem
        if problem.location is None or problem.location.file == found.environments[met_in[0]]
        else replace(problem, environments=tuple(met_in))
        for problem, met_in in met.items()
    ]


@dataclass(frozen=True)
class _Kept:
    """What the outcome cache keeps of one environment."""

    grant: Granted | None  # what other environments gave it when it was rendered (None: not rendered)
    environment: Environment | None  # its model before the grant, when it has one: what the grants are made of
    outcome: Outcome
    # the files besides its own and the partials that it read (objectSchemas), each with the digest of its
    # contents (None: it could not be read): they must read the same for the outcome to hold
    reads: tuple[tuple[Path, bytes | None], ...]


@dataclass(frozen=True)
class _KeptRoot:
    """What the outcome cache keeps of the root files."""

    files: tuple[RenderedFile, ...]


def _root_files(
    run: _Run, environments: list[Environment], keys: list[str | None], stamp: ToolStamp | None
) -> tuple[list[RenderedFile], tuple[str, bytes] | None]:
    """The root files of every environment, all valid: kept under the keys of all of them, which name all that
    the root files are made of (each environment's model, and so the namespace grants that cross them). Also,
    when they were rendered, the cache entry to keep of them (`_settle` keeps it)."""
    references = References(run.release, run.history)
    key = None
    if run.cache is not None and stamp is not None and None not in keys:
        key = outcome_key(stamp.digest, [b"root", *(part.encode() for part in keys if part is not None)])
        data = run.cache.get(key)
        kept = _loaded(references, data) if data is not None else None
        if isinstance(kept, _KeptRoot):
            return list(kept.files), None
    from generator.stages import root_files  # imported at first use (the module's docstring says why)

    files = root_files(run.stages, environments)
    if key is None or stamp is None or not stamp.settled:  # kept once the tool has settled, as outcomes are
        return files, None
    return files, (key, references.dumps(_KeptRoot(tuple(files))))


def _settle(
    run: _Run, stamp: ToolStamp | None, keys: dict[str, str], worked: list[str], root: tuple[str, bytes] | None
) -> None:
    """What the run keeps, decided once all it reads has been read: a template or schema read after the stamp
    was taken may have changed since, or a symbolic link among the environment files it loaded been pointed
    elsewhere, and what the run worked out would then stand under keys that do not describe it. Its outcomes
    (kept as they were worked out, by the workers too) are then removed again, and the root files not kept."""
    if run.cache is None or stamp is None or not (worked or root):
        return
    if _unchanged_since(run, stamp, worked):
        if root is not None:
            run.cache.put(*root)
    else:
        for key in filter(None, map(keys.get, worked)):
            run.cache.remove(key)
    if worked:
        run.cache.prune()


def _received(item: Outcome | _Kept) -> Outcome:
    """A worker's outcome, or what it kept of one (`render_to_send`)."""
    return item.outcome if isinstance(item, _Kept) else item


def _outcome_keys(run: _Run, every: list[str], focus: frozenset[str]) -> tuple[dict[str, str], ToolStamp | None]:
    """The outcome cache's key of each environment whose files could be read (generator/outcome_cache.py),
    and the tool's stamp they hold. The bytes read are those the run loads, so that a file changed meanwhile
    never lands under another key."""
    if run.cache is None:
        return {}, None
    folder = run.request.environments_dir
    # each file as given (problems name it so) and as resolved (rendered headers name its real folder)
    shared = [b"documents" if run.request.documents else b""]
    try:
        for partial_name in sorted(run.found.partials):
            path = folder / f"{partial_name}{ENVIRONMENT_SUFFIX}"
            shared += [bytes(path), _located(run, path), run.read(path)]
        stamp = tool_stamp(run.request.tool, run.cache)
    except (OSError, RuntimeError):  # reported where the partial is loaded; the environments are worked out
        return {}, None
    keys = {}
    for name in every:
        file = run.found.environments[name]
        with contextlib.suppress(OSError, RuntimeError):  # RuntimeError: a loop of symbolic links
            parts = [*shared, bytes(file), _located(run, file), run.read(file)]
            keys[name] = outcome_key(stamp.digest, [*parts, b"checked" if name in focus else b""])
    return keys, stamp


def _located(run: _Run, path: Path) -> bytes:
    """Where `path` leads, resolved, as the keys take it: the rendered headers name that folder."""
    run.located[path] = bytes(path.resolve())
    return run.located[path]


def _unchanged_since(run: _Run, stamp: ToolStamp, worked: list[str]) -> bool:
    """Whether the tool's files, and where the files of the environments worked out and the partials lead, are
    as they were when the keys were taken (the stages, in this process or a worker, load the files afterwards).
    Not the files of the environments taken from the cache, which no stage read: at 1,000 environments,
    resolving every path took 40 ms."""
    if tool_signature(run.request.tool) != stamp.signature:
        return False
    read = {run.found.environments[name] for name in worked}
    try:
        return all(
            bytes(path.resolve()) == located
            for path, located in run.located.items()
            if path in read or path.stem in run.found.partials
        )
    except (OSError, RuntimeError):  # gone, or a loop of links now
        return False


@contextlib.contextmanager
def _uncollected(freeze: bool) -> Iterator[None]:
    """Python's cycle collector kept off what the block makes: reading the kept outcomes makes hundreds of
    thousands of objects, none in a cycle, and each collection run among them or after walks all of them again
    (for 1,000 environments, reading took 2.5 s with the collector and 0.6 s without, and the first collection
    after it 0.4 s). gc.freeze moves them, with all else alive, out of the collector's sight, until `build` thaws
    them; `freeze` False (a caller froze objects of its own, and `build` then leaves the freeze alone) leaves them
    to the collector, as what it froze here would never be thawed."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if freeze:
            gc.freeze()
        if enabled:
            gc.enable()


def _kept(run: _Run, references: References, key: str | None) -> _Kept | None:
    data = run.cache.get(key) if run.cache is not None and key is not None else None
    kept = _loaded(references, data) if data is not None else None
    if not isinstance(kept, _Kept) or any(file_digest(path) != digest for path, digest in kept.reads):
        return None
    return kept


def _loaded(references: References, data: bytes) -> object:
    """An entry of the outcome cache; None when it cannot be read (cut short, of another layout): a miss, never
    an error."""
    try:
        return references.loads(data)
    except Exception:
        return None


def _operator_owners(modelled: Mapping[str, Outcome]) -> list[OwnerSummary]:
    """The environments that install the operator: all that the grants are made of (a single-namespace one's
    Role is rendered into the overlay of each namespace it watches; every one is what the Flux objects of the
    others on its cluster depend on), and all a worker sends before rendering."""
    return [
        owner_summary(outcome.environment)
        for outcome in modelled.values()
        if outcome.environment is not None and is_operator_owner(outcome.environment)
    ]


def _selected(found: EnvironmentFiles, selected: tuple[str, ...], environments_dir: Path) -> list[str]:
    if not selected:
        return sorted(found.environments)
    names = [_environment_name(given, environments_dir) for given in selected]
    for name in names:
        if name in found.partials:
            raise SetupError(
                f"'{name}' is a partial, which is rendered only as part of the environments that extend it: name "
                "an environment (`kuberay-gitops list` lists them)"
            )
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
