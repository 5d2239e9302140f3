"""The per-environment work in several processes gives exactly what one process gives: the same files, byte
for byte, the same problems in the same order, the namespace grants that cross environments included."""

from __future__ import annotations

import gc
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from generator import parallel, pipeline, stages
from generator.errors import InputError, InternalError
from generator.input.load import load_environment_file
from generator.input.resolve import resolve_environment
from generator.parallel import (
    MIN_ENVIRONMENTS_PER_WORKER,
    Pickled,
    PickledOrigin,
    References,
    can_fork,
    run_in_workers,
    worker_count,
)
from generator.paths import PROJECT_ROOT, ToolData
from generator.pipeline import BuildRequest, BuildResult, build
from generator.releases import FieldHistory
from generator.rules.cross import named_across_environments

CORPUS = PROJECT_ROOT / "tests" / "corpus"
pytestmark = pytest.mark.skipif(not can_fork(), reason="processes are forked only where fork is safe")

# A single-namespace operator owner and two environments in the namespaces it watches, in three files, so
# that the workers must exchange the owner to render the other two.
OWNER = """\
name: a-owner
kuberay: {version: 1.3.0}
target: {cluster: shared, namespace: team-a}
gitops: {engine: both, repoURL: https://git.example.com/ray.git}
operator:
  install: true
  namespace: ray-system
  watchNamespaces: [team-a, team-b, team-c]
  values: {singleNamespaceInstall: true, crNamespacedRbacEnable: false}
"""
TEAM = """\
name: NAME
kuberay: {version: 1.3.0}
target: {cluster: shared, namespace: NAME}
gitops: {engine: both, repoURL: https://git.example.com/ray.git}
defaults: {image: rayproject/ray:2.41.0}
clusters:
  - {name: tiny, head: {cpu: "1", memory: 2Gi}}
"""


def _same(one: BuildResult, other: BuildResult) -> None:
    assert [(file.path, file.content) for file in one.files] == [(file.path, file.content) for file in other.files]
    assert one.problems == other.problems
    assert one.environments == other.environments


@pytest.mark.parametrize("folder", ["valid", "invalid", "warning"])
def test_two_processes_render_what_one_renders(tool: ToolData, folder: str) -> None:
    sequential = build(BuildRequest(CORPUS / folder, (), tool, jobs=1))
    parallel = build(BuildRequest(CORPUS / folder, (), tool, jobs=2))
    _same(sequential, parallel)
    assert sequential.files or sequential.problems


@pytest.mark.parametrize("case", sorted(path.name for path in (CORPUS / "cross").iterdir() if path.is_dir()))
def test_problems_across_environments_are_located_from_the_workers_positions(tool: ToolData, case: str) -> None:
    """The rules across environments run in the parent, on source positions each worker sent as bytes."""
    sequential = build(BuildRequest(CORPUS / "cross" / case, (), tool, jobs=1))
    assert any(problem.is_error for problem in sequential.problems)
    _same(sequential, build(BuildRequest(CORPUS / "cross" / case, (), tool, jobs=2)))


def test_the_grants_of_an_owner_reach_the_other_workers(tool: ToolData, tmp_path: Path) -> None:
    (tmp_path / "a-owner.yaml").write_text(OWNER)
    for team in ("team-b", "team-c"):
        (tmp_path / f"{team}.yaml").write_text(TEAM.replace("NAME", team))
    sequential = build(BuildRequest(tmp_path, (), tool, jobs=1))
    assert [problem for problem in sequential.problems if problem.is_error] == []
    granted = [file.path for file in sequential.files if file.path.name == "operator-access.yaml"]
    assert [str(path) for path in granted] == [
        "a-owner/workloads/operator-access.yaml",
        "team-b/workloads/operator-access.yaml",
        "team-c/workloads/operator-access.yaml",
    ]
    _same(sequential, build(BuildRequest(tmp_path, (), tool, jobs=3)))


def test_a_failing_worker_is_reported_as_a_bug(
    tool: ToolData, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    def broken(*_: object, **__: object) -> None:
        raise RuntimeError("a bug in a worker")

    monkeypatch.setattr(stages, "render_modelled", broken)  # the forked workers inherit it
    with pytest.raises(InternalError, match=r"(?s)a worker process failed:.*RuntimeError: a bug in a worker"):
        build(BuildRequest(CORPUS / "valid", (), tool, jobs=4))
    # the workers still running when the parent stops find their pipes closed, and end without a word
    assert "Traceback" not in capfd.readouterr().err


def test_processes_are_used_only_where_they_pay() -> None:
    assert worker_count(None, MIN_ENVIRONMENTS_PER_WORKER - 1) == 1
    assert worker_count(4, 2) == 2  # never more processes than environments
    assert worker_count(1, 1000) == 1


@pytest.mark.parametrize("folder", ["valid", "cross/clashing-names"])
def test_a_result_without_documents_has_the_same_files_and_problems(tool: ToolData, folder: str) -> None:
    """render, check and validate keep only the documents the rules across environments read: the text of
    every file and every problem stay the same, in one process or two."""
    full = build(BuildRequest(CORPUS / folder, (), tool, jobs=1))
    for jobs in (1, 2):
        lean = build(BuildRequest(CORPUS / folder, (), tool, jobs=jobs, documents=False))
        _same(full, lean)
        kept = {file.path for file in lean.files if file.documents}
        assert kept == {file.path for file in full.files if any(map(named_across_environments, file.documents))} | {
            file.path for file in full.files if file.environment is None
        }


def test_two_owners_of_one_namespace_grant_alike_in_any_process(tool: ToolData, tmp_path: Path) -> None:
    """Two single-namespace operators watching one namespace is an error (one-operator-owner), but the files
    of the build must still not depend on which worker met which owner first."""
    for owner in ("b-own", "c-own"):
        text = OWNER.replace("a-owner", owner).replace("namespace: ray-system", f"namespace: ops-{owner[0]}")
        text = text.replace(
            "target: {cluster: shared, namespace: team-a}", f"target: {{cluster: shared, namespace: {owner}}}"
        )
        (tmp_path / f"{owner}.yaml").write_text(text.replace("[team-a, team-b, team-c]", f"[{owner}, team-x]"))
    (tmp_path / "a.yaml").write_text(TEAM.replace("NAME", "a"))
    (tmp_path / "team-x.yaml").write_text(TEAM.replace("NAME", "team-x"))
    sequential = build(BuildRequest(tmp_path, (), tool, jobs=1))
    assert any(problem.rule == "one-operator-owner" for problem in sequential.problems)
    assert any(file.path.parts[0] == "team-x" and file.path.name == "operator-access.yaml" for file in sequential.files)
    _same(sequential, build(BuildRequest(tmp_path, (), tool, jobs=2)))


# A parent that starts two workers whose modelling takes a while, writes their process ids, and waits.
_PARENT = """
import os, sys, time
from generator.parallel import Pickled, References, run_in_workers

def model(name):
    with open(os.path.join(sys.argv[1], "." + name), "w") as handle:
        handle.write(str(os.getpid()))
    os.rename(os.path.join(sys.argv[1], "." + name), os.path.join(sys.argv[1], name))  # whole when seen
    time.sleep(1.0)
    return name

run_in_workers(["a", "b"], 2, References(lambda version: None, None), model, lambda found: [], lambda found: None,
               lambda name, modelled, grants: Pickled(b""))
"""


@pytest.mark.skipif(not can_fork(), reason="workers are forked")
def test_workers_of_a_killed_parent_end(tmp_path: Path) -> None:
    """kill -9 of a render while its workers run: each worker reads the end of its pipe and exits. Workers
    used to hold the parent's ends of the pipes themselves and wait for ever."""
    parent = subprocess.Popen([sys.executable, "-c", _PARENT, str(tmp_path)], cwd=PROJECT_ROOT)
    deadline = time.monotonic() + 30
    while len(list(tmp_path.glob("[!.]*"))) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    workers = [int(file.read_text()) for file in tmp_path.glob("[!.]*")]
    assert len(workers) == 2
    parent.kill()
    parent.wait()
    while any(_running(worker) for worker in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(_running(worker) for worker in workers)


def _running(pid: int) -> bool:
    """Whether the process exists and has not ended (an orphan's zombie, if nothing reaps it, has ended)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    state = next(line for line in status.splitlines() if line.startswith("State:"))
    return "Z" not in state.split()[1]


@pytest.mark.parametrize("folder", ["valid", "cross/namespace-of-the-operator", "invalid"])
def test_origins_cross_processes_unchanged(folder: str) -> None:
    """Every value's position, as the parent reads it from a worker's bytes, is where the worker had it: the
    files of the partials merged in, the keys of mappings and the indexes of lists."""
    references = References(
        lambda version: pytest.fail(f"no release is sent here: {version}"), FieldHistory((), {}, {})
    )
    directory = CORPUS / folder
    partials = frozenset(path.stem for path in directory.glob("_*.yaml"))
    origins = []
    for file in sorted(directory.glob("[!_]*.yaml")):
        try:
            origins.append(resolve_environment(file, load_environment_file, partials).origin)
        except InputError:
            continue  # the file's own errors: nothing to send
    assert len(origins) > 1
    for origin in origins:
        sent = references.loads(references.dumps({"origin": origin}))["origin"]
        assert isinstance(sent, PickledOrigin)
        assert (sent.key, sent.value, sent.children) == (origin.key, origin.value, origin.children)
        assert references.loads(references.dumps(sent)).children == origin.children  # sent on again as it came


@pytest.mark.skipif(not can_fork(), reason="workers are forked")
def test_workers_run_without_the_cycle_collector() -> None:
    """A worker keeps all it models until it ends: the collector would walk it and free nothing."""
    references = References(
        lambda version: pytest.fail(f"no release is sent here: {version}"), FieldHistory((), {}, {})
    )
    sent: dict[str, bool]
    _, sent = run_in_workers(
        ["a", "b"],
        2,
        references,
        lambda _name: gc.isenabled(),
        lambda _modelled: [],
        lambda _owners: None,
        lambda _name, enabled, _grants: Pickled(references.dumps(enabled)),
    )
    assert gc.isenabled()  # the parent's is left on
    assert sent == {"a": False, "b": False}


@pytest.mark.skipif(not can_fork(), reason="workers are forked")
def test_the_parent_reads_the_workers_outcomes_uncollected(tool: ToolData, monkeypatch: pytest.MonkeyPatch) -> None:
    """What the parent reads from the workers is as many objects as a run that takes every outcome from the cache
    reads, none in a cycle: the collector is off while it reads them, and the build thaws them when it ends."""
    collecting: list[bool] = []

    def run_in_workers_watched(*arguments: Any) -> Any:
        collecting.append(gc.isenabled())
        return parallel.run_in_workers(*arguments)

    monkeypatch.setattr(pipeline, "run_in_workers", run_in_workers_watched)
    build(BuildRequest(CORPUS / "valid", (), tool, jobs=2, keep_outcomes=False))
    assert collecting == [False]
    assert (gc.isenabled(), gc.get_freeze_count()) == (True, 0)
