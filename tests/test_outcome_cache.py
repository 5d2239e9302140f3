"""Kept outcomes are the outcomes (generator/outcome_cache.py): a run that takes environments from the cache
gives exactly what a run that works every one out gives, on every corpus, in one process or several; an
environment is worked out again when its file, a partial, the tool or the namespace grant it was rendered with
changes, and only then."""

from __future__ import annotations

import dataclasses
import gc
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path, PurePosixPath
from typing import Any

import pytest
from click.testing import CliRunner

from generator import parallel, pipeline, stages
from generator.cli import main
from generator.errors import Problem
from generator.files import RenderedFile
from generator.model.types import Environment
from generator.outcome import Outcome
from generator.outcome_cache import (
    PRUNE_AFTER,
    PRUNE_EVERY,
    SETTLE_SECONDS,
    OutcomeCache,
    ToolStamp,
    outcome_cache,
    tool_stamp,
)
from generator.parallel import References, can_fork
from generator.paths import PROJECT_ROOT, ToolData, tool_data
from generator.pipeline import BuildRequest, BuildResult, build
from generator.releases import load_field_history, load_release
from tests.test_parallel import OWNER, TEAM

pytestmark = pytest.mark.outcome_cache
CORPUS = PROJECT_ROOT / "tests" / "corpus"
FOLDERS = [
    CORPUS / "valid",
    CORPUS / "invalid",
    CORPUS / "warning",
    PROJECT_ROOT / "tests" / "fixtures" / "environments",
]
FOLDERS += sorted(path for path in (CORPUS / "cross").iterdir() if path.is_dir())


@pytest.fixture(scope="module", autouse=True)
def settled_tool() -> None:
    """Wait until the tool's files have settled (ToolStamp.settled): within SETTLE_SECONDS of a change to a file
    of the tool no outcome is kept, and the tests here count on outcomes being kept."""
    tool = tool_data()
    deadline = time.monotonic() + SETTLE_SECONDS + 5
    while not tool_stamp(tool, None).settled and time.monotonic() < deadline:
        time.sleep(0.1)


@pytest.fixture(autouse=True)
def own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A cache folder of the test's own: what it keeps, it kept itself."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(folder))
    return folder / "kuberay-gitops" / "outcomes"


@pytest.fixture
def worked(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the environments modelled (not taken from the cache), in one process."""
    names: list[str] = []
    model = stages.model_environment

    def counted(shared: stages.Stages, name: str) -> Outcome:
        names.append(name)
        return model(shared, name)

    monkeypatch.setattr(stages, "model_environment", counted)
    return names


@pytest.fixture
def rooted(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """For each time the root files are rendered (not taken from the cache), the number of environments."""
    counts: list[int] = []
    root_files = stages.root_files

    def counted(shared: stages.Stages, environments: list[Environment]) -> list[RenderedFile]:
        counts.append(len(environments))
        return root_files(shared, environments)

    monkeypatch.setattr(stages, "root_files", counted)
    return counts


def _uncached(request: BuildRequest) -> BuildResult:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pipeline, "outcome_cache", lambda _environ: None)
        return build(request)


def _same(one: BuildResult, other: BuildResult) -> None:
    assert [(file.path, file.content, file.documents) for file in one.files] == [
        (file.path, file.content, file.documents) for file in other.files
    ]
    assert one.problems == other.problems
    assert [problem.location for problem in one.problems] == [problem.location for problem in other.problems]
    assert one.environments == other.environments
    assert one.scope == other.scope


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda folder: folder.name)
@pytest.mark.parametrize("documents", [False, True])
def test_kept_outcomes_are_the_outcomes(folder: Path, documents: bool, tool: ToolData, worked: list[str]) -> None:
    request = BuildRequest(folder, (), tool, jobs=1, documents=documents)
    expected = _uncached(request)
    worked.clear()
    _same(build(request), expected)  # works every environment out, and keeps it
    assert worked == list(expected.environments)  # every environment is modelled, the failing ones too
    worked.clear()
    _same(build(request), expected)  # takes every one from the cache
    assert worked == []


@pytest.mark.skipif(not can_fork(), reason="workers are forked")
@pytest.mark.parametrize("folder", FOLDERS, ids=lambda folder: folder.name)
def test_workers_send_what_they_keep(folder: Path, tool: ToolData, monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker sends each outcome as the bytes it kept, pickled once; the parent reads from them the outcome a
    run without the cache works out."""
    sent: list[str] = []
    received = pipeline._received

    def recorded(item: Any) -> Outcome:
        sent.append(type(item).__name__)
        return received(item)

    monkeypatch.setattr(pipeline, "_received", recorded)
    expected = _uncached(BuildRequest(folder, (), tool, jobs=1))
    _same(build(BuildRequest(folder, (), tool, jobs=2)), expected)
    workers = len(expected.environments) > 1  # one environment is worked out in the parent
    assert sent == (["_Kept"] * len(expected.environments) if workers else [])


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda folder: folder.name)
def test_one_environment_named_is_kept_apart_from_all(folder: Path, tool: ToolData) -> None:
    """`render ENV` checks ENV's output only: the others' outcomes, unchecked, are not those of a full run (the
    invalid corpus has environments whose only problems are in their output)."""
    first = sorted(path.stem for path in folder.glob("[!_]*.yaml"))[0]
    one = BuildRequest(folder, (first,), tool, jobs=1)
    _same(build(one), _uncached(one))
    every = BuildRequest(folder, (), tool, jobs=1)
    _same(build(every), _uncached(every))
    _same(build(one), _uncached(one))


def test_a_changed_environment_alone_is_worked_out_again(tmp_path: Path, tool: ToolData, worked: list[str]) -> None:
    folder = shutil.copytree(CORPUS / "valid", tmp_path / "environments")
    request = BuildRequest(folder, (), tool, jobs=1)
    build(request)
    changed = sorted(folder.glob("[!_]*.yaml"))[1]
    changed.write_text(changed.read_text() + "# a comment changes no outcome, but the file\n")
    worked.clear()
    result = build(request)
    assert worked == [changed.stem]
    _same(result, _uncached(request))


def test_a_changed_partial_works_every_environment_out_again(tmp_path: Path, tool: ToolData, worked: list[str]) -> None:
    folder = tmp_path / "environments"
    folder.mkdir()
    (folder / "_base.yaml").write_text("defaults: {image: rayproject/ray:2.41.0}\n")
    for name in ("team-a", "team-b"):
        team = TEAM.replace("NAME", name).replace("defaults: {image: rayproject/ray:2.41.0}\n", "")
        (folder / f"{name}.yaml").write_text("extends: _base\n" + team)
    request = BuildRequest(folder, (), tool, jobs=1)
    first = build(request)
    assert not first.problems
    (folder / "_base.yaml").write_text("defaults: {image: rayproject/ray:2.40.0}\n")
    worked.clear()
    second = build(request)
    assert worked == ["team-a", "team-b"]
    _same(second, _uncached(request))
    assert "2.40.0" in "".join(file.content for file in second.files)


def _owner_and_teams(folder: Path) -> None:
    folder.mkdir()
    (folder / "a-owner.yaml").write_text(OWNER)
    for name in ("team-b", "team-c"):
        (folder / f"{name}.yaml").write_text(TEAM.replace("NAME", name))


def test_a_new_grant_renders_a_kept_environment_again(tmp_path: Path, tool: ToolData, worked: list[str]) -> None:
    """team-c's Role comes of a-owner's watchNamespaces: when a-owner stops watching it, team-c's kept outcome
    no longer holds, though team-c's file did not change."""
    folder = tmp_path / "environments"
    _owner_and_teams(folder)
    request = BuildRequest(folder, (), tool, jobs=1)
    before = build(request)
    (folder / "a-owner.yaml").write_text(OWNER.replace("team-b, team-c", "team-b"))
    rendered: list[str] = []
    render = stages.render_modelled

    def counted(shared: stages.Stages, outcome: Outcome, *args: object, **kwargs: bool) -> object:
        rendered.append(outcome.environment.name if outcome.environment else "")
        return render(shared, outcome, *args, **kwargs)  # type: ignore[arg-type]

    worked.clear()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(stages, "render_modelled", counted)
        result = build(request)
    assert worked == ["a-owner"]  # team-c is not modelled again: its model holds, only its render does not
    assert sorted(rendered) == ["a-owner", "team-c"]
    _same(result, _uncached(request))
    assert [problem.rule for problem in result.problems] == ["owner-watches-namespace"]
    assert not before.problems


def test_an_output_error_under_another_grant_is_worked_out_again(
    tmp_path: Path, tool: ToolData, worked: list[str]
) -> None:
    """A kept outcome whose output failed holds no model to render again: the environment is worked out anew."""
    folder = tmp_path / "environments"
    _owner_and_teams(folder)
    request = BuildRequest(folder, (), tool, jobs=1)
    render = stages.render_modelled

    def failing(shared: stages.Stages, outcome: Outcome, *args: object, **kwargs: bool) -> object:
        if outcome.environment is not None and outcome.environment.name == "team-c":
            return Outcome([Problem(None, (), "an output problem", file=Path("team-c.yaml"), rule="x")], [])
        return render(shared, outcome, *args, **kwargs)  # type: ignore[arg-type]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(stages, "render_modelled", failing)
        build(request)
    (folder / "a-owner.yaml").write_text(OWNER.replace("team-b, team-c", "team-b"))
    worked.clear()
    result = build(request)
    assert worked == ["a-owner", "team-c"]
    _same(result, _uncached(request))


@pytest.mark.skipif(not can_fork(), reason="workers are forked")
def test_workers_render_with_kept_owners(tmp_path: Path, tool: ToolData) -> None:
    """Two workers render the changed environments with the grants of an operator owner taken from the cache."""
    folder = tmp_path / "environments"
    _owner_and_teams(folder)
    for name in ("team-d", "team-e"):
        (folder / f"{name}.yaml").write_text(TEAM.replace("NAME", name))
    (folder / "a-owner.yaml").write_text(OWNER.replace("team-b, team-c", "team-b, team-c, team-d, team-e"))
    request = BuildRequest(folder, (), tool, jobs=2)
    build(request)
    for name in ("team-c", "team-d", "team-e"):
        (folder / f"{name}.yaml").write_text(TEAM.replace("NAME", name) + "# changed\n")
    _same(build(request), _uncached(BuildRequest(folder, (), tool, jobs=1)))


def test_the_same_files_in_another_folder_are_another_outcome(
    tmp_path: Path, tool: ToolData, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--environments .` in two folders of the same files: the rendered headers name the folder."""
    request = BuildRequest(Path("."), (), tool, jobs=1)
    for team in ("team-a", "team-b"):
        shutil.copytree(CORPUS / "valid", tmp_path / team)
        monkeypatch.chdir(tmp_path / team)
        result = build(request)
        _same(result, _uncached(request))
        assert f"{team}/objects.yaml" in "".join(file.content for file in result.files)


def test_a_symbolic_link_pointed_elsewhere_is_another_outcome(tmp_path: Path, tool: ToolData) -> None:
    for team in ("team-a", "team-b"):
        shutil.copytree(CORPUS / "valid", tmp_path / team)
    folder = tmp_path / "environments"
    folder.mkdir()
    for name in ("_base.yaml", "objects.yaml", "schemas"):
        (folder / name).symlink_to(tmp_path / "team-a" / name)
    request = BuildRequest(folder, (), tool, jobs=1)
    build(request)
    (folder / "objects.yaml").unlink()
    (folder / "objects.yaml").symlink_to(tmp_path / "team-b" / "objects.yaml")
    result = build(request)
    _same(result, _uncached(request))
    assert "team-b/objects.yaml" in "".join(file.content for file in result.files)


@pytest.mark.parametrize("change", ["stricter", "added"])
def test_the_object_schemas_an_environment_names_are_read_again(
    tmp_path: Path, tool: ToolData, worked: list[str], change: str
) -> None:
    """objectSchemas names files beside the environment's own: a kept outcome holds only while they read the
    same (a stricter schema must fail the object; a schema added must stop the complaint that it is missing)."""
    folder = shutil.copytree(CORPUS / "valid", tmp_path / "environments")
    schema = folder / "schemas" / "sealedsecret.schema.yaml"
    text = schema.read_text()
    if change == "added":
        schema.unlink()
    request = BuildRequest(folder, ("objects",), tool, jobs=1)
    first = build(request)
    assert bool(first.problems) == (change == "added")
    schema.write_text(text.replace("required: [encryptedData]", "required: [encryptedData, sealed]"))
    worked.clear()
    result = build(request)
    assert worked == ["objects"]
    _same(result, _uncached(request))
    assert [problem.rule for problem in result.problems] == ["object-schema"]
    worked.clear()
    build(request)
    assert worked == []


@pytest.mark.skipif(not can_fork(), reason="workers are forked")
def test_workers_take_the_grants_into_a_kept_outcome(tmp_path: Path, tool: ToolData) -> None:
    """a-owner starts watching team-c and team-b changes: two workers model those two, and team-c, kept, must
    be rendered again with the grant that a-owner's new model makes in a worker."""
    folder = tmp_path / "environments"
    _owner_and_teams(folder)
    (folder / "a-owner.yaml").write_text(OWNER.replace("team-b, team-c", "team-b"))
    request = BuildRequest(folder, (), tool, jobs=2)
    build(request)
    (folder / "a-owner.yaml").write_text(OWNER)
    (folder / "team-b.yaml").write_text(TEAM.replace("NAME", "team-b") + "# changed\n")
    result = build(request)
    _same(result, _uncached(BuildRequest(folder, (), tool, jobs=1)))
    assert any(file.path.parts[0] == "team-c" and file.path.name == "operator-access.yaml" for file in result.files)


def test_an_unreadable_entry_is_a_miss(own_cache: Path, tool: ToolData, worked: list[str], rooted: list[int]) -> None:
    request = BuildRequest(CORPUS / "valid", (), tool, jobs=1)
    expected = build(request)
    entries = sorted(own_cache.glob("*.pickle"))
    assert len(entries) == len(expected.environments) + 1  # and the root files'
    for index, entry in enumerate(entries):
        entry.write_bytes([b"", b"not a pickle", entry.read_bytes()[:100]][index % 3])
    worked.clear()
    rooted.clear()
    _same(build(request), expected)
    assert worked == list(expected.environments)
    assert rooted == [len(expected.environments)]


def test_the_root_files_are_kept_under_the_keys_of_every_environment(
    tmp_path: Path, tool: ToolData, rooted: list[int]
) -> None:
    """The root files list every environment: kept, they are rendered again when the set of environments
    changes, though each environment left is taken from the cache."""
    folder = shutil.copytree(CORPUS / "valid", tmp_path / "environments")
    request = BuildRequest(folder, (), tool, jobs=1)
    first = build(request)
    assert any(file.path.parts[0] == "argocd" for file in first.files)
    assert rooted == [len(first.environments)]
    rooted.clear()
    _same(build(request), first)
    assert rooted == []
    gone = sorted(folder.glob("[!_]*.yaml"))[0]
    text = gone.read_text()
    gone.unlink()
    fewer = build(request)
    assert rooted == [len(first.environments) - 1]
    _same(fewer, _uncached(request))
    assert fewer.files != first.files
    rooted.clear()
    gone.write_text(text)
    _same(build(request), first)
    assert rooted == []  # the root files of that set of environments are kept still


def test_the_root_files_of_one_environment_named_list_a_new_one(
    tmp_path: Path, tool: ToolData, rooted: list[int]
) -> None:
    """`render team-b` writes the root files, which list every environment: a new team-d, whose outcome no
    run kept, is listed although team-b's own outcome and the others' are kept."""
    folder = tmp_path / "environments"
    _owner_and_teams(folder)
    (folder / "a-owner.yaml").write_text(OWNER.replace("team-b, team-c", "team-b, team-c, team-d"))
    request = BuildRequest(folder, ("team-b",), tool, jobs=1)
    build(request)
    (folder / "team-d.yaml").write_text(TEAM.replace("NAME", "team-d"))
    rooted.clear()
    result = build(request)
    assert rooted == [4]
    _same(result, _uncached(request))
    [listing] = [file for file in result.files if file.path.as_posix() == "argocd/kustomization.yaml"]
    assert "../team-d/argocd" in listing.content


def test_the_root_files_follow_what_an_environment_says_of_them(
    tmp_path: Path, tool: ToolData, rooted: list[int]
) -> None:
    """The same environments, one of which tracks another revision: the root Application then follows the
    default branch (render/gitops_files.py), and the kept root files are not taken."""
    folder = tmp_path / "environments"
    _owner_and_teams(folder)
    request = BuildRequest(folder, (), tool, jobs=1)
    before = build(request)
    team = folder / "team-b.yaml"
    team.write_text(team.read_text().replace("repoURL:", "targetRevision: release-1, repoURL:"))
    rooted.clear()
    result = build(request)
    assert rooted == [3]
    _same(result, _uncached(request))
    root = PurePosixPath("argocd/root-application.yaml")
    [was] = [file.content for file in before.files if file.path == root]
    [now] = [file.content for file in result.files if file.path == root]
    assert "targetRevision: HEAD" in now
    assert now != was


@pytest.mark.parametrize("jobs", [1, pytest.param(2, marks=pytest.mark.skipif(not can_fork(), reason="forks"))])
def test_a_link_pointed_elsewhere_during_the_run_keeps_nothing_of_it(tmp_path: Path, tool: ToolData, jobs: int) -> None:
    """team-b.yaml is a link, pointed from d1/ to d2/ after the keys were taken and before team-b is modelled:
    what the run works out names d2/ in its headers, under keys that say d1/, so nothing of it is kept (a
    later run with the link back on d1/ would otherwise take it). With workers too, which load the files."""
    folder = tmp_path / "environments"
    _owner_and_teams(folder)
    for target in ("d1", "d2"):
        (tmp_path / target).mkdir()
        (tmp_path / target / "team-b.yaml").write_text(TEAM.replace("NAME", "team-b"))
    link = folder / "team-b.yaml"
    link.unlink()
    link.symlink_to(tmp_path / "d1" / "team-b.yaml")
    request = BuildRequest(folder, (), tool, jobs=jobs)
    model = stages.model_environment

    def pointed_elsewhere(shared: stages.Stages, name: str) -> Outcome:
        if name == "team-b":
            link.unlink()
            link.symlink_to(tmp_path / "d2" / "team-b.yaml")
        return model(shared, name)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(stages, "model_environment", pointed_elsewhere)
        moved = build(request)
    assert any("d2/team-b.yaml" in file.content for file in moved.files)
    link.unlink()
    link.symlink_to(tmp_path / "d1" / "team-b.yaml")
    result = build(request)
    _same(result, _uncached(request))
    assert not any("d2/team-b.yaml" in file.content for file in result.files)


_STARTED = """
import sys
from generator.cli import main
code = main(sys.argv[1:-1], standalone_mode=False)
print(code, *sorted(set(sys.modules) & set(sys.argv[-1].split(","))))
"""
# what only a run that works an environment out needs
_STAGES = {"generator.stages", "jinja2", "ruamel.yaml", "yaml", "jsonschema_rs"}
_HEAVY = _STAGES | {"jsonschema", "referencing", "multiprocessing"}


def test_a_run_that_works_nothing_out_starts_without_the_stages(tmp_path: Path) -> None:
    """With every outcome kept, `render`, `check` and `validate` import neither Jinja, the YAML parsers, the
    validators nor multiprocessing (docs/architecture.md, "Start-up"); a run that works environments out does."""
    folder = shutil.copytree(CORPUS / "valid", tmp_path / "environments")

    def imported(command: str) -> set[str]:
        arguments = ["--environments", str(folder), "--output", str(tmp_path / "rendered"), command]
        completed = subprocess.run(
            [sys.executable, "-c", _STARTED, *arguments, ",".join(sorted(_HEAVY))],
            capture_output=True,
            text=True,
            check=True,
            cwd=PROJECT_ROOT,
        )
        code, *names = completed.stdout.splitlines()[-1].split()
        assert code == "0", completed.stdout
        return set(names)

    assert imported("render") >= _STAGES
    for command in ("check", "validate", "render"):
        assert imported(command) == set(), command


def test_an_entry_is_written_whole_or_not_at_all(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = OutcomeCache(tmp_path / "gone")
    cache.put("key", b"data")  # its folder went: no error, no entry
    assert cache.get("key") is None
    cache = OutcomeCache(tmp_path)
    cache.put("key", b"data")
    assert cache.get("key") == b"data"
    assert [path.name for path in tmp_path.iterdir()] == ["key.pickle"]

    def cut_short(_source: str, _target: Path) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", cut_short)
    cache.put("other", b"data")  # a failure before the entry is whole leaves nothing behind
    assert [path.name for path in tmp_path.iterdir()] == ["key.pickle"]


def test_an_entry_is_written_whole_over_what_a_crashed_run_left(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The staged file's name is the process's and the key's: a crashed run of the same pid may have left one."""
    (tmp_path / f".entry-{os.getpid()}-key.pickle").write_bytes(b"longer, stale bytes")
    real_write = os.write

    def one_byte_at_a_time(handle: int, data: bytes) -> int:  # os.write may write less than it is given
        return real_write(handle, bytes(data[:1]))

    monkeypatch.setattr(os, "write", one_byte_at_a_time)
    cache = OutcomeCache(tmp_path)
    cache.put("key", b"data")
    assert cache.get("key") == b"data"
    assert [path.name for path in tmp_path.iterdir()] == ["key.pickle"]


def test_a_read_only_cache_is_still_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = OutcomeCache(tmp_path)
    cache.put("key", b"data")
    long_ago = time.time() - 2 * 24 * 3600
    os.utime(tmp_path / "key.pickle", (long_ago, long_ago))

    def read_only(*_arguments: object) -> None:
        raise OSError(30, "Read-only file system")

    monkeypatch.setattr(os, "utime", read_only)
    assert cache.get("key") == b"data"


def test_reading_kept_outcomes_leaves_the_collector_on(tool: ToolData) -> None:
    request = BuildRequest(CORPUS / "valid", (), tool, jobs=1)
    build(request)
    build(request)
    assert gc.isenabled()


def test_entries_unused_for_long_are_pruned_once_an_hour(tmp_path: Path) -> None:
    cache = OutcomeCache(tmp_path)
    cache.put("old", b"1")
    cache.put("used", b"2")
    cache.put("tool", b"3", ".stamp")
    long_ago = time.time() - PRUNE_AFTER - 3600
    for name in ("old.pickle", "used.pickle", "tool.stamp"):
        os.utime(tmp_path / name, (long_ago, long_ago))
    assert cache.get("used") == b"2"  # reading an entry marks it used
    assert cache.prune() == 2
    assert sorted(path.name for path in tmp_path.iterdir()) == [".pruned", "used.pickle"]
    os.utime(tmp_path / "used.pickle", (long_ago, long_ago))
    assert cache.prune() == 0  # pruned within the hour already
    assert cache.prune(now=time.time() + PRUNE_EVERY + 1) == 1


def test_the_least_recently_used_beyond_the_limit_are_pruned(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("generator.outcome_cache.MAX_BYTES", 25)
    cache = OutcomeCache(tmp_path)
    for age, name in enumerate(["newest", "newer", "older", "oldest"]):
        cache.put(name, bytes(10))
        os.utime(tmp_path / f"{name}.pickle", (time.time() - age * 60, time.time() - age * 60))
    assert cache.prune() == 2
    assert sorted(path.name for path in tmp_path.glob("*.pickle")) == ["newer.pickle", "newest.pickle"]


def test_a_throwaway_copy_keeps_nothing(own_cache: Path, tool: ToolData) -> None:
    """diff's build of the base branch's environments, in a folder no later run meets again."""
    build(BuildRequest(CORPUS / "valid", (), tool, jobs=2, keep_outcomes=False))
    assert not own_cache.exists() or not any(own_cache.iterdir())


def test_no_cache_without_a_private_folder(tmp_path: Path) -> None:
    assert outcome_cache({"KUBERAY_GITOPS_NO_CACHE": "1", "XDG_CACHE_HOME": str(tmp_path)}) is None
    assert outcome_cache({"XDG_CACHE_HOME": str(tmp_path)}) is not None
    (tmp_path / "kuberay-gitops" / "outcomes").chmod(0o777)  # anyone could put a pickle there
    assert outcome_cache({"XDG_CACHE_HOME": str(tmp_path)}) is None


def _tool(folder: Path) -> ToolData:
    data = ToolData(templates=folder / "templates", schemas=folder / "schemas")
    for part in (data.templates, data.schemas):
        part.mkdir(parents=True)
        (part / "file").write_text("one")
    return data


@pytest.mark.parametrize("part", ["templates", "schemas"])
def test_the_tool_stamp_changes_with_the_contents_of_its_files(tmp_path: Path, part: str) -> None:
    tool = _tool(tmp_path)
    stamp = tool_stamp(tool, None).digest
    file = tmp_path / part / "file"
    os.utime(file, ns=(0, 10**18))
    assert tool_stamp(tool, None).digest == stamp  # touched, not changed: a checkout of the same tool
    status = file.stat()
    file.write_text("two")  # the same size and, below, the same modification time: told apart by contents
    os.utime(file, ns=(status.st_atime_ns, status.st_mtime_ns))
    assert tool_stamp(tool, None).digest != stamp
    stamp = tool_stamp(tool, None).digest
    (tmp_path / part / "new").write_text("")
    assert tool_stamp(tool, None).digest != stamp


def test_a_checkout_elsewhere_is_the_same_tool(tmp_path: Path) -> None:
    assert tool_stamp(_tool(tmp_path / "one"), None).digest == tool_stamp(_tool(tmp_path / "two"), None).digest


def test_the_digest_of_the_contents_is_kept_under_the_files_status(tmp_path: Path) -> None:
    tool = _tool(tmp_path / "tool")
    cache = OutcomeCache(tmp_path / "cache")
    cache.folder.mkdir()
    later = time.time() + 10  # the files settled
    stamp = tool_stamp(tool, cache, later)
    assert tool_stamp(tool, None, later) == stamp
    [kept] = cache.folder.glob("*.stamp")
    kept.write_bytes(bytes(32))  # another digest under the same status: read instead of the files
    assert tool_stamp(tool, cache, later).digest != stamp.digest
    kept.write_bytes(b"short")  # not a digest: the files are read
    assert tool_stamp(tool, cache, later) == stamp
    kept.write_bytes(bytes(32))
    os.utime(tool.templates / "file", ns=(0, 10**18))  # another status: the files are read again
    assert tool_stamp(tool, cache, later).digest == stamp.digest


def test_a_copy_that_keeps_size_and_modification_time_is_told_apart(tmp_path: Path) -> None:
    """cp -p, rsync -a, tar and images built with fixed times keep a file's modification time: its change of
    status and inode still tell the copy apart."""
    tool = _tool(tmp_path / "tool")
    cache = OutcomeCache(tmp_path / "cache")
    cache.folder.mkdir()
    later = time.time() + 10
    stamp = tool_stamp(tool, cache, later)
    file = tool.templates / "file"
    status = file.stat()
    replacement = tmp_path / "replacement"
    replacement.write_text("two")
    os.utime(replacement, ns=(status.st_atime_ns, status.st_mtime_ns))
    replacement.replace(file)
    assert file.stat().st_mtime_ns == status.st_mtime_ns
    assert file.stat().st_size == status.st_size
    assert tool_stamp(tool, cache, later).digest != stamp.digest


def test_a_broken_link_among_the_tool_files_is_no_error(tmp_path: Path) -> None:
    tool = _tool(tmp_path)
    stamp = tool_stamp(tool, None).digest
    (tool.templates / ".#file").symlink_to(tmp_path / "nowhere")  # an editor's lock file
    assert tool_stamp(tool, None).digest != stamp


def test_the_tool_stamp_changes_with_the_installed_distributions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tool = _tool(tmp_path)
    site = tmp_path / "site-packages"
    (site / "jinja2-3.1.6.dist-info").mkdir(parents=True)
    monkeypatch.setattr(sys, "path", [*sys.path, str(site)])
    stamp = tool_stamp(tool, None).digest
    (site / "jinja2-3.1.6.dist-info").rename(site / "jinja2-3.1.7.dist-info")
    assert tool_stamp(tool, None).digest != stamp
    stamp = tool_stamp(tool, None).digest
    monkeypatch.setattr(sys, "path", ["", *sys.path, str(tmp_path / "templates")])  # folders of no distribution
    assert tool_stamp(tool, None).digest == stamp


def test_documents_are_kept_apart_from_text_only(tool: ToolData) -> None:
    """render, check and validate keep only the files' text; diff and capacity need their documents too."""
    folder = CORPUS / "valid"
    build(BuildRequest(folder, (), tool, jobs=1, documents=False))
    request = BuildRequest(folder, (), tool, jobs=1, documents=True)
    _same(build(request), _uncached(request))


def test_a_tool_file_changed_a_moment_ago_keeps_nothing(tmp_path: Path) -> None:
    """A file written again within the file system's clock tick, at the same size, keeps its status: until
    the tool's files have settled, neither their digest nor any outcome is kept."""
    tool = _tool(tmp_path / "tool")
    cache = OutcomeCache(tmp_path / "cache")
    cache.folder.mkdir()
    stamp = tool_stamp(tool, cache)
    assert not stamp.settled
    assert not list(cache.folder.iterdir())
    assert tool_stamp(tool, cache, time.time() + SETTLE_SECONDS + 1).settled
    assert list(cache.folder.glob("*.stamp"))


def test_outcomes_of_a_tool_changed_during_the_run_are_dropped(
    own_cache: Path, tool: ToolData, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A template saved while a run renders: what the run kept may come of it, under the stamp of before."""
    monkeypatch.setattr(pipeline, "tool_signature", lambda _tool: "another")
    build(BuildRequest(CORPUS / "valid", (), tool, jobs=1))
    assert own_cache.is_dir()
    assert not list(own_cache.glob("*.pickle"))


def test_origins_read_back_are_written_as_they_came(own_cache: Path, tool: ToolData) -> None:
    """A kept outcome stored again (rendered with another grant) keeps its source positions' bytes as they
    were, rather than wrapping them once more each time."""
    build(BuildRequest(CORPUS / "valid", (), tool, jobs=1))
    references = References(lambda version: load_release(version, tool.schemas), load_field_history(tool.schemas))
    entries = sorted(own_cache.glob("*.pickle"))
    assert entries
    for entry in entries:
        once = references.dumps(references.loads(entry.read_bytes()))
        assert references.dumps(references.loads(once)) == once


@pytest.mark.skipif(not can_fork(), reason="workers are forked")
def test_what_the_caller_froze_stays_frozen_through_the_workers(
    tmp_path: Path, tool: ToolData, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = shutil.copytree(CORPUS / "valid", tmp_path / "environments")
    request = BuildRequest(folder, (), tool, jobs=2)
    build(request)
    for file in sorted(folder.glob("[!_]*.yaml"))[:4]:
        file.write_text(file.read_text() + "# changed\n")
    frozen_after_workers: list[int] = []

    def run_in_workers(*arguments: Any) -> Any:
        try:
            return parallel.run_in_workers(*arguments)
        finally:
            frozen_after_workers.append(gc.get_freeze_count())

    monkeypatch.setattr(pipeline, "run_in_workers", run_in_workers)
    build(request)  # reads the kept outcomes, freezes them, and starts workers for the changed
    assert len(frozen_after_workers) == 1
    assert frozen_after_workers[0] > 0


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_build_leaves_the_collector_as_it_found_it(tmp_path: Path, tool: ToolData, jobs: int) -> None:
    folder = shutil.copytree(CORPUS / "valid", tmp_path / "environments")
    request = BuildRequest(folder, (), tool, jobs=jobs)
    build(request)
    changed = sorted(folder.glob("[!_]*.yaml"))[0]
    changed.write_text(changed.read_text() + "# changed\n")
    assert gc.get_freeze_count() == 0
    build(request)  # reads kept outcomes, which freezes what is alive until the build ends
    assert gc.get_freeze_count() == 0
    assert gc.collect() == 0  # what the build froze and left behind is collected already
    gc.freeze()  # a caller's own freeze is the caller's: the build neither thaws it nor adds to it
    frozen = gc.get_freeze_count()
    for file in sorted(folder.glob("[!_]*.yaml"))[:4]:  # several worked out: with jobs=2, in workers
        file.write_text(file.read_text() + "# changed again\n")
    build(request)
    assert gc.get_freeze_count() == frozen
    gc.unfreeze()


def test_a_tool_file_dated_in_the_future_settles(tmp_path: Path) -> None:
    """A tarball made on a machine whose clock was ahead: the modification time stays in the future, the
    status-change time is the kernel's own."""
    tool = _tool(tmp_path)
    ahead = time.time() + 3600
    os.utime(tool.templates / "file", (ahead, ahead))
    assert tool_stamp(tool, None, time.time() + SETTLE_SECONDS + 1).settled


def test_outcomes_are_read_but_not_kept_while_the_tool_settles(
    own_cache: Path, tool: ToolData, worked: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    request = BuildRequest(CORPUS / "valid", (), tool, jobs=1)
    expected = build(request)
    kept = sorted(own_cache.glob("*.pickle"))
    stamp = tool_stamp

    def unsettled(*arguments: Any) -> ToolStamp:
        return dataclasses.replace(stamp(*arguments), settled=False)

    monkeypatch.setattr(pipeline, "tool_stamp", unsettled)
    worked.clear()
    _same(build(request), expected)
    assert worked == []
    changed = shutil.copytree(CORPUS / "valid", own_cache.parent / "changed")
    build(BuildRequest(changed, (), tool, jobs=1))
    assert sorted(own_cache.glob("*.pickle")) == kept


def test_the_command_line_leaves_its_run_frozen(tmp_path: Path) -> None:
    """Its process ends with the run: thawing and collecting would only cost time (12-27 ms of a cold start), and
    frozen objects spare the interpreter's last collection too. tests/conftest.py thaws after each test."""
    folder = shutil.copytree(CORPUS / "valid", tmp_path / "environments")
    assert gc.get_freeze_count() == 0
    arguments = ["--environments", str(folder), "--output", str(tmp_path / "rendered"), "validate"]
    result = CliRunner().invoke(main, arguments, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert gc.get_freeze_count() > 0


def test_the_owners_flux_namespace_renders_the_kept_environments_of_its_cluster_again(
    tmp_path: Path, tool: ToolData, worked: list[str]
) -> None:
    """team-b's Flux Kustomizations depend on a-owner's operator Kustomization, in a-owner's Flux namespace: when
    that moves, team-b's kept outcome no longer holds, though team-b's file did not change."""
    folder = tmp_path / "environments"
    _owner_and_teams(folder)
    request = BuildRequest(folder, (), tool, jobs=1)
    build(request)
    (folder / "a-owner.yaml").write_text(OWNER.replace("engine: both,", "engine: both, fluxNamespace: flux-ops,"))
    worked.clear()
    result = build(request)
    assert worked == ["a-owner"]
    _same(result, _uncached(request))
    [workloads] = next(
        file.documents for file in result.files if str(file.path) == "team-b/flux/kustomization-workloads.yaml"
    )
    assert workloads["spec"]["dependsOn"] == [{"name": "a-owner-operator", "namespace": "flux-ops"}]
