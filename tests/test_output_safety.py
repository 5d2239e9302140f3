"""The output directory is never lost or left half-written: atomic exchange, recovery after a kill, a lock,
symbolic links followed, write errors in words, exact byte comparison."""

from __future__ import annotations

import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path, PurePosixPath
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.errors import SetupError
from generator.files import GENERATED_MARKER, RenderedFile
from generator.output import atomic, write
from tests.test_cli import VALID, run, snapshot


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "environments").mkdir()
    (tmp_path / "environments" / "demo.yaml").write_text(VALID)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def leftovers(project: Path) -> list[str]:
    return sorted(path.name for path in project.iterdir() if path.name.startswith(".rendered"))


def test_a_symbolic_link_as_the_output_directory_is_followed(project: Path) -> None:
    real = project / "real-output"
    real.mkdir()
    (project / "rendered").symlink_to(real, target_is_directory=True)
    result = run("render")
    assert result.exit_code == 0, result.stderr
    assert (project / "rendered").is_symlink()
    assert (project / "rendered").resolve() == real.resolve()
    assert (real / "demo" / "workloads" / "raycluster-small.yaml").is_file()
    assert run("check").exit_code == 0
    assert leftovers(project) == []


def test_an_unwritable_parent_is_a_setup_error_in_words(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(**_: object) -> str:
        raise PermissionError(13, "Permission denied", str(project))

    monkeypatch.setattr("generator.output.write.tempfile.mkdtemp", refuse)
    result = run("render")
    assert (result.exit_code, result.stderr) == (
        2,
        f"kuberay-gitops: error: cannot write rendered: {project}: Permission denied; the previous output is "
        "unchanged\n",
    )


def test_copy_errors_are_listed_in_words(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert run("render").exit_code == 0
    before = snapshot(project / "rendered")
    (project / "environments" / "demo.yaml").write_text(VALID.replace("memory: 2Gi", "memory: 3Gi"))

    def full(*_: object, **__: object) -> None:
        raise shutil.Error([("rendered/a.yaml", ".rendered.new-x/a.yaml", "[Errno 28] No space left on device")])

    monkeypatch.setattr("generator.output.write.shutil.copytree", full)
    result = run("render")
    assert (result.exit_code, result.stderr) == (
        2,
        "kuberay-gitops: error: cannot write rendered: rendered/a.yaml: [Errno 28] No space left on device; the "
        "previous output is unchanged\n",
    )
    assert snapshot(project / "rendered") == before
    assert leftovers(project) == []


def test_check_sees_crlf_line_endings(project: Path) -> None:
    assert run("render").exit_code == 0
    path = project / "rendered" / "demo" / "workloads" / "raycluster-small.yaml"
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    result = run("check")
    assert result.exit_code == 1
    assert "changed: rendered/demo/workloads/raycluster-small.yaml" in result.stderr


def test_a_run_killed_between_the_two_renames_is_rolled_back(project: Path) -> None:
    """Without renameat2 the swap is two renames; a kill between them leaves only the retired tree."""
    assert run("render").exit_code == 0
    before = snapshot(project / "rendered")
    os.rename(project / "rendered", project / ".rendered.old-killed")
    (project / ".rendered.new-killed").mkdir()  # the staged tree of the killed run
    assert run("check").exit_code == 1  # check only reads: it finds no output
    assert run("render").exit_code == 0
    assert snapshot(project / "rendered") == before
    assert leftovers(project) == []


def test_the_fallback_swap_works_where_exchange_is_missing(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert run("render").exit_code == 0
    monkeypatch.setattr(atomic, "exchange", lambda *_: False)
    (project / "environments" / "demo.yaml").write_text(VALID.replace("memory: 2Gi", "memory: 3Gi"))
    assert run("render").exit_code == 0
    assert "3Gi" in (project / "rendered" / "demo" / "workloads" / "raycluster-small.yaml").read_text()
    assert leftovers(project) == []


def test_exchange_swaps_two_folders(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "from-a").touch()
    assert atomic.exchange(tmp_path / "a", tmp_path / "b")  # Linux with glibc >= 2.28, as on CI
    assert [path.name for path in (tmp_path / "b").iterdir()] == ["from-a"]


ENVIRONMENTS = 40
KILLS = 24


def _environment(index: int, memory: str) -> str:
    return (
        VALID.replace("name: demo", f"name: env{index}")
        .replace("namespace: ray", f"namespace: ns{index}")
        .replace("memory: 2Gi", f"memory: {memory}")
    )


def test_killed_renders_leave_the_old_tree_or_the_new_never_a_partial_one(tmp_path: Path) -> None:
    """kill -9 at random moments of renders that change every file: the output is always one of the two
    complete trees, and the next run leaves no temporary folder behind."""
    environments = tmp_path / "environments"
    environments.mkdir()
    command = [sys.executable, "-m", "generator", "--environments", "environments", "--output", "rendered", "render"]

    def write_environments(memory: str) -> None:
        for index in range(ENVIRONMENTS):
            (environments / f"env{index}.yaml").write_text(_environment(index, memory))

    trees = {}
    for memory in ("2Gi", "3Gi"):
        write_environments(memory)
        subprocess.run(command, cwd=tmp_path, check=True, capture_output=True)
        trees[memory] = snapshot(tmp_path / "rendered")
    started = time.monotonic()
    duration = 0.0
    randomness = random.Random(7)
    for attempt in range(KILLS):
        memory = ("2Gi", "3Gi")[attempt % 2]
        write_environments(memory)
        process = subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        # kill anywhere in the run; once a completed run's duration is known, mostly near its end (the write)
        time.sleep(randomness.uniform(0.0, duration * 1.1) if duration else 0.5)
        process.send_signal(signal.SIGKILL)
        process.wait()
        current = snapshot(tmp_path / "rendered")
        assert current in (trees["2Gi"], trees["3Gi"]), f"attempt {attempt}: a partial or missing tree"
        if not duration:
            begin = time.monotonic()
            subprocess.run(command, cwd=tmp_path, check=True, capture_output=True)
            duration = time.monotonic() - begin
    subprocess.run(command, cwd=tmp_path, check=True, capture_output=True)
    assert snapshot(tmp_path / "rendered") == trees[("2Gi", "3Gi")[(KILLS - 1) % 2]]
    assert sorted(path.name for path in tmp_path.iterdir() if path.name.startswith(".rendered")) == []
    assert time.monotonic() - started < 120


def test_the_output_named_as_dot_is_the_folder_itself(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`--output .` from inside rendered/ names rendered/, never the folder that holds it."""
    (project / "rendered").mkdir()
    monkeypatch.chdir(project / "rendered")
    inode = project.stat().st_ino
    result = run("--environments", "../environments", "--output", ".", "render")
    assert result.exit_code == 0, result.stderr
    assert project.stat().st_ino == inode
    assert (project / "rendered" / "demo" / "workloads" / "namespace.yaml").is_file()
    assert not (project / "demo").exists()


def test_a_symbolic_link_loop_is_a_setup_error(project: Path) -> None:
    (project / "rendered").symlink_to(project / "rendered")
    result = run("render")
    assert result.exit_code == 2
    assert result.stderr.startswith("kuberay-gitops: error: cannot resolve rendered")


def test_concurrent_renders_take_turns(project: Path) -> None:
    """Four renders at once (one changes every file each time): each ends in a complete tree, none fails."""
    command = [sys.executable, "-m", "generator", "render"]
    processes = [
        subprocess.Popen(command, cwd=project, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(4)
    ]
    assert [process.wait() for process in processes] == [0, 0, 0, 0]
    assert run("check").exit_code == 0
    assert leftovers(project) == []


def test_a_render_rewrites_only_what_changed_and_never_through_a_link(project: Path) -> None:
    """The new tree links the files that stay (same inode, same modification time) and writes new files for
    the changed ones; the old tree, whose files those links share, is never written to."""
    assert run("render").exit_code == 0
    rendered = project / "rendered"
    changed = rendered / "demo" / "workloads" / "raycluster-small.yaml"
    kept = rendered / "demo" / "workloads" / "kustomization.yaml"
    changed.chmod(0o640)  # a mode someone chose survives the rewrite
    old_changed, old_kept = changed.stat(), kept.stat()
    held_open = changed.open("rb")  # the old tree's file, as a reader holding it sees it
    try:
        (project / "environments" / "demo.yaml").write_text(VALID.replace("memory: 2Gi", "memory: 3Gi"))
        assert run("render").exit_code == 0
        assert b"memory: 2Gi" in held_open.read()
    finally:
        held_open.close()
    assert (kept.stat().st_ino, kept.stat().st_mtime_ns) == (old_kept.st_ino, old_kept.st_mtime_ns)
    assert changed.stat().st_ino != old_changed.st_ino
    assert changed.stat().st_mode & 0o777 == 0o640
    assert "memory: 3Gi" in changed.read_text()
    assert run("check").exit_code == 0


BIGGER = ("memory: 2Gi", "memory: 3Gi")  # raycluster-small.yaml changes
ANOTHER = ("clusters:\n", "clusters:\n  - name: big\n    head: {cpu: '2', memory: 4Gi}\n")  # it stays


@pytest.mark.parametrize(
    ("linked", "edit"),
    [
        ("demo/workloads", BIGGER),  # a folder, met on the first file written
        ("demo/argocd", BIGGER),  # a folder below one looked at already (demo, through demo/workloads/...)
        ("demo/workloads/raycluster-small.yaml", BIGGER),  # a file the run rewrites
        ("demo/workloads/raycluster-small.yaml", ANOTHER),  # a file that stays as it is while others change
    ],
)
def test_a_symbolic_link_anywhere_on_a_generated_path_is_refused(
    project: Path, tmp_path_factory: pytest.TempPathFactory, linked: str, edit: tuple[str, str]
) -> None:
    """A link in the output is found wherever it stands on a generated path: at a folder, below a folder looked
    at already, or at a file's own place, whether that file is rewritten or stays."""
    assert run("render").exit_code == 0
    outside = tmp_path_factory.mktemp("outside")
    place = project / "rendered" / linked
    shutil.move(place, outside / place.name)
    place.symlink_to(outside / place.name, target_is_directory=(outside / place.name).is_dir())
    before = snapshot(outside)
    environment = project / "environments" / "demo.yaml"
    assert edit[0] in environment.read_text()
    environment.write_text(environment.read_text().replace(*edit))
    result = run("render")
    assert (result.exit_code, result.stderr) == (
        2,
        f"kuberay-gitops: error: the output holds a symbolic link at {linked}; refusing to write through it "
        "(nothing was written)\n",
    )
    assert snapshot(outside) == before
    assert leftovers(project) == []


def _refused_at(root: Path, paths: list[PurePosixPath]) -> str | None:
    """What looking at every part of every path, in order, finds first: the check as it was first written."""
    for relative in paths:
        for depth in range(1, len(relative.parts) + 1):
            if root.joinpath(*relative.parts[:depth]).is_symlink():
                return "/".join(relative.parts[:depth])
    return None


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(["a", "ab", "a/b", "a/b/c", "d", "d/e"]), st.sampled_from(["folder", "file", "none"]))
    ).map(dict),
    st.lists(st.sampled_from(["a", "ab", "a/b", "a/b/c", "d", "d/e", "a/x", "d/y"]), min_size=1, max_size=4),
    st.lists(
        st.sampled_from(["a/b/c/f.yaml", "a/b/g.yaml", "a/h.yaml", "ab/l.yaml", "d/e/i.yaml", "d/j.yaml", "k.yaml"]),
        min_size=1,
    ),
)
def test_the_link_check_finds_what_looking_at_every_path_finds(
    links: dict[str, str], folders: list[str], paths: list[str]
) -> None:
    """The link check refuses at the link that looking at each part of each path, in order, finds first: links
    to folders, to files and to nothing, at any depth, beside names that begin alike, and on no generated path
    (the listing that spares the looking when there is no link must not miss one)."""
    with tempfile.TemporaryDirectory() as temporary:
        root, outside = Path(temporary, "tree"), Path(temporary, "outside")
        (outside / "folder").mkdir(parents=True)
        (outside / "file").write_text("x")
        for folder in folders:
            if not any(root.joinpath(*PurePosixPath(folder).parts[:depth]).is_symlink() for depth in range(1, 4)):
                (root / folder).mkdir(parents=True, exist_ok=True)
        for place, target in links.items():
            link = root / place
            if link.parent.is_dir() and not link.parent.is_symlink() and not link.exists() and not link.is_symlink():
                link.symlink_to(outside / target)
        root.mkdir(exist_ok=True)
        generated = [PurePosixPath(path) for path in paths]
        expected = _refused_at(root, generated)
        if expected is None:
            write._refuse_links(root, generated)
        else:
            with pytest.raises(SetupError, match=f"symbolic link at {re.escape(expected)};"):
                write._refuse_links(root, generated)


def test_new_files_and_folders_get_the_modes_open_and_mkdir_give(project: Path) -> None:
    """Files are created with os.open, folders with os.mkdir: the user's umask applies as it does to open()."""
    previous = os.umask(0o027)
    try:
        assert run("render").exit_code == 0
    finally:
        os.umask(previous)
    rendered = project / "rendered"
    assert (rendered / "demo" / "workloads" / "raycluster-small.yaml").stat().st_mode & 0o777 == 0o640
    assert (rendered / "demo" / "workloads").stat().st_mode & 0o777 == 0o750


def test_a_file_and_a_folder_of_the_same_output_path_change_places(project: Path) -> None:
    """A file written anew in a folder the current output has, next to a stale one in a folder that goes."""
    assert run("render").exit_code == 0
    rendered = project / "rendered"
    gone = rendered / "demo" / "old" / "stale.yaml"
    gone.parent.mkdir()
    gone.write_text("# Generated by kuberay-gitops from environments/demo.yaml; do not edit.\n")
    changed = rendered / "demo" / "workloads" / "raycluster-small.yaml"
    changed.write_text(changed.read_text() + "# edited\n")
    result = run("render")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[:2] == [
        "stale: rendered/demo/old/stale.yaml",
        "changed: rendered/demo/workloads/raycluster-small.yaml",
    ]
    assert not gone.parent.exists()
    assert "# edited" not in changed.read_text()
    assert run("check").exit_code == 0


def test_an_output_named_by_its_absolute_path_is_listed_from_the_working_directory(project: Path) -> None:
    result = run("--output", str(project / "rendered"), "render")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0] == "added: rendered/argocd/argocd-cm-patch.yaml"


def test_the_listing_of_changes_is_written_at_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """One write for every line: with PYTHONUNBUFFERED, a print per line is two system calls."""
    from generator.report import TextReporter

    writes: list[str] = []

    class Stream:
        def write(self, text: str) -> int:
            writes.append(text)
            return len(text)

        def flush(self) -> None:
            pass

    stream: Any = Stream()
    changes = [write.Change(PurePosixPath("demo", f"{index}.yaml"), "added") for index in range(3)]
    monkeypatch.chdir(tmp_path)
    TextReporter(stream, stream).changes(tmp_path / "rendered", changes, written=True)
    assert writes == ["".join(f"added: rendered/demo/{index}.yaml\n" for index in range(3))]


MARKED = "# Generated by kuberay-gitops from environments/demo.yaml; do not edit.\n"


def _file(path: str, text: str) -> Any:
    from generator.files import RenderedFile

    return RenderedFile(PurePosixPath(path), path.split("/")[0], MARKED + text, ())


def test_a_folder_whose_files_all_change_or_go_keeps_its_mode(tmp_path: Path) -> None:
    output = tmp_path / "rendered"
    (output / "demo" / "workloads").mkdir(parents=True)
    (output / "demo" / "workloads" / "cluster.yaml").write_text(MARKED + "memory: 2Gi\n")
    (output / "demo" / "workloads" / "old.yaml").write_text(MARKED + "gone\n")
    for folder in (output / "demo", output / "demo" / "workloads"):
        folder.chmod(0o2770)  # a folder a group shares: setgid, nothing for others
    changes = write.write_output(
        output, [_file("demo/workloads/cluster.yaml", "memory: 3Gi\n")], write.OutputScope(None)
    )
    assert [(str(change.path), change.state) for change in changes] == [
        ("demo/workloads/cluster.yaml", "changed"),
        ("demo/workloads/old.yaml", "stale"),
    ]
    assert (output / "demo").stat().st_mode & 0o7777 == 0o2770
    assert (output / "demo" / "workloads").stat().st_mode & 0o7777 == 0o2770


def test_a_folder_that_only_stale_files_leave_gives_way_to_a_file_of_its_path(tmp_path: Path) -> None:
    output = tmp_path / "rendered"
    (output / "demo" / "x").mkdir(parents=True)
    (output / "demo" / "x" / "old.yaml").write_text(MARKED)
    (output / "demo" / "y.yaml").write_text(MARKED)
    changes = write.write_output(output, [_file("demo/x", "now a file\n")], write.OutputScope(None))
    assert [(str(change.path), change.state) for change in changes] == [
        ("demo/x", "added"),
        ("demo/x/old.yaml", "stale"),
        ("demo/y.yaml", "stale"),
    ]
    assert (output / "demo" / "x").read_text() == MARKED + "now a file\n"


def test_a_file_that_is_not_utf8_is_a_conflict_unless_it_is_marked_as_generated(tmp_path: Path) -> None:
    """A hand-written file is never overwritten, whatever its encoding; a generated one saved in another keeps
    its mode when it is written anew."""
    output = tmp_path / "rendered"
    output.mkdir()
    (output / "notes.yaml").write_bytes(b"# my notes caf\xe9\n")
    with pytest.raises(SetupError, match=r"hand-written files where generated ones go: notes\.yaml"):
        write.write_output(output, [_file("notes.yaml", "new\n")], write.OutputScope(None))
    assert (output / "notes.yaml").read_bytes() == b"# my notes caf\xe9\n"
    (output / "notes.yaml").write_bytes(MARKED.encode() + b"caf\xe9\n")
    (output / "notes.yaml").chmod(0o600)
    changes = write.write_output(output, [_file("notes.yaml", "new\n")], write.OutputScope(None))
    assert [(str(change.path), change.state) for change in changes] == [("notes.yaml", "changed")]
    assert (output / "notes.yaml").stat().st_mode & 0o777 == 0o600
    assert (output / "notes.yaml").read_text() == MARKED + "new\n"


@pytest.mark.parametrize("spelled", ["..", "absolute"])
def test_check_from_inside_the_output_lists_paths_from_there(
    project: Path, spelled: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run("render").exit_code == 0
    (project / "environments" / "demo.yaml").write_text(VALID.replace("memory: 2Gi", "memory: 3Gi"))
    inside = project / "rendered" / "demo"
    monkeypatch.chdir(inside)
    output = str(project / "rendered") if spelled == "absolute" else ".."
    result = run("--environments", str(project / "environments"), "--output", output, "check")
    assert result.exit_code == 1
    assert "changed: workloads/raycluster-small.yaml" in result.stderr.splitlines()


def test_many_files_are_written_in_threads_as_one_would_write_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Above write._THREADED_FROM files the new ones are created in threads: the tree, contents and the modes
    kept of replaced files, is what one thread writes."""
    import threading

    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: {0, 1, 2, 3}, raising=False)
    threads: set[int] = set()
    create = write._create

    def noted(path: str, content: bytes, mode: int | None) -> None:
        threads.add(threading.get_ident())
        create(path, content, mode)

    monkeypatch.setattr(write, "_create", noted)
    output = tmp_path / "rendered"
    count = 3 * write._THREADED_FROM
    names = [f"env-{index % 40}/workloads/file-{index}.yaml" for index in range(count)]
    write.write_output(
        output, [_file(name, f"n: {index}\n") for index, name in enumerate(names)], write.OutputScope(None)
    )
    (output / names[7]).chmod(0o640)  # a mode the replacing file keeps
    files = [_file(name, f"n: {index + 1}\n") for index, name in enumerate(names)]
    changes = write.write_output(output, files, write.OutputScope(None))
    assert len(changes) == count
    assert sorted(str(path.relative_to(output)) for path in output.rglob("*.yaml")) == sorted(names)
    assert all((output / name).read_text() == MARKED + f"n: {index + 1}\n" for index, name in enumerate(names))
    assert (output / names[7]).stat().st_mode & 0o777 == 0o640
    assert len(threads) > 1


def test_a_file_a_thread_cannot_create_leaves_the_output_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: {0, 1}, raising=False)
    output = tmp_path / "rendered"
    names = [f"env-{index % 7}/file-{index}.yaml" for index in range(2 * write._THREADED_FROM)]
    write.write_output(output, [_file(name, "a: 1\n") for name in names], write.OutputScope(None))
    create = write._create

    def full(path: str, content: bytes, mode: int | None) -> None:
        if path.endswith(names[-3]):
            raise OSError(28, "No space left on device", path)
        create(path, content, mode)

    monkeypatch.setattr(write, "_create", full)
    with pytest.raises(SetupError, match="No space left on device; the previous output is unchanged"):
        write.write_output(output, [_file(name, "a: 2\n") for name in names], write.OutputScope(None))
    assert all((output / name).read_text() == MARKED + "a: 1\n" for name in names)
    assert leftovers(tmp_path) == []


def test_the_first_error_stops_the_other_threads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A thread's error stops the others at their next file (a sequential write stops at the failing file):
    the error is not held back until every thread has written its whole run."""
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: {0, 1}, raising=False)
    names = [f"env-{index // 8:03d}/file-{index}.yaml" for index in range(2 * write._THREADED_FROM)]
    create = write._create
    created: list[str] = []

    def slow(path: str, content: bytes, mode: int | None) -> None:
        if path.endswith(names[0]):
            raise OSError(5, "Input/output error", path)
        time.sleep(0.002)
        create(path, content, mode)
        created.append(path)

    monkeypatch.setattr(write, "_create", slow)
    with pytest.raises(SetupError, match="Input/output error"):
        write.write_output(tmp_path / "rendered", [_file(name, "a: 1\n") for name in names], write.OutputScope(None))
    assert len(created) < write._THREADED_FROM // 4  # the second thread's run is 512 files
    assert leftovers(tmp_path) == []


def test_check_reads_each_file_back_exactly(tmp_path: Path) -> None:
    """compare_output reads the output's bytes as stored: a file as written is current, one with CRLF or another
    byte is changed, a folder in a file's place is no file (added), and a file larger than one read is read whole."""
    marker = f"{GENERATED_MARKER} from test; do not edit.\n"
    big = marker + "x: " + "y" * (1 << 20) + "\n"
    files = {
        "same.yaml": marker + "a: 1\n",
        "crlf.yaml": marker + "a: 1\n",
        "other.yaml": marker + "a: 1\n",
        "folder.yaml": marker + "a: 1\n",
        "big.yaml": big,
        "gone.yaml": marker + "a: 1\n",
    }
    (tmp_path / "same.yaml").write_bytes(files["same.yaml"].encode())
    (tmp_path / "crlf.yaml").write_bytes(files["crlf.yaml"].replace("\n", "\r\n").encode())
    (tmp_path / "other.yaml").write_bytes((marker + "a: 2\n").encode())
    (tmp_path / "folder.yaml").mkdir()
    (tmp_path / "big.yaml").write_bytes(big.encode())
    rendered = [RenderedFile(PurePosixPath(name), None, content, ()) for name, content in files.items()]
    changes = write.compare_output(tmp_path, rendered, write.OutputScope(None))
    assert [(str(change.path), change.state) for change in changes] == [
        ("crlf.yaml", "changed"),
        ("folder.yaml", "added"),
        ("gone.yaml", "added"),
        ("other.yaml", "changed"),
    ]
