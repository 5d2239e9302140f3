"""Stage 7: compare generated files with the output directory, and replace it atomically.

A file is ours when its first line is the generated-file marker; anything else under the output
directory is hand-written and never touched. Writing builds the complete new tree in a temporary
directory beside the output directory, then swaps the two with renames, so a failure at any point
leaves the previous output exactly as it was. The new tree holds hard links to the files that stay as
they are (no copying, and their modification times do not change) and new files for those that change.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import tempfile
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from generator.errors import SetupError
from generator.files import GENERATED_MARKER, RenderedFile
from generator.output.atomic import output_lock, recover, replace_tree, staging_prefix

if TYPE_CHECKING:
    import threading

DIRECTORY_MODE = 0o755
_MARKER_BYTES = GENERATED_MARKER.encode("utf-8")


@dataclass(frozen=True)
class Change:
    path: PurePosixPath
    # "added", "changed", "stale" (generated before, no longer produced: pruned on write) or "conflict"
    # (a hand-written file stands where a generated one must go: never overwritten)
    state: str


@dataclass(frozen=True)
class OutputScope:
    """Which generated files a run owns: all of them, or only those of the named environments."""

    environments: frozenset[str] | None  # None: every generated file

    def owns(self, path: PurePosixPath) -> bool:
        return self.environments is None or path.parts[0] in self.environments


def compare_output(output_dir: Path, files: Iterable[RenderedFile], scope: OutputScope) -> list[Change]:
    """What writing `files` would change, in path order; empty when the output is current."""
    wanted = {file.path: file.content for file in files}
    if not output_dir.is_dir():  # a first render: every file is new, and none need be looked for
        return sorted((Change(path, "added") for path in wanted), key=lambda change: change.path)
    changes: list[Change] = []
    root = str(output_dir)
    for path, content in wanted.items():
        current = _read_bytes(os.path.join(root, path))
        if current is None:
            changes.append(Change(path, "added"))
        elif not current.startswith(_MARKER_BYTES):
            changes.append(Change(path, "conflict"))
        elif current != content.encode("utf-8"):
            changes.append(Change(path, "changed"))
    # the files just compared are not opened again
    for path in generated_files(output_dir, besides={str(path) for path in wanted}):
        if scope.owns(path):
            changes.append(Change(path, "stale"))
    return sorted(changes, key=lambda change: change.path)


def generated_files(output_dir: Path, besides: Collection[str] = ()) -> list[PurePosixPath]:
    """Files under `output_dir` that carry the generated-file marker, but those whose relative paths (with
    `/`) are `besides`."""
    if not output_dir.is_dir():
        return []
    root = str(output_dir)
    found = []
    # os.walk does not descend into linked folders: nothing outside the output directory is read or pruned
    for folder, _, names in os.walk(root):
        relative = os.path.relpath(folder, root).replace(os.sep, "/")
        for name in names:
            path = name if relative == "." else f"{relative}/{name}"
            full = os.path.join(folder, name)
            if path not in besides and not os.path.islink(full) and _is_generated(full):
                found.append(PurePosixPath(path))
    return sorted(found)


def write_output(output_dir: Path, files: Iterable[RenderedFile], scope: OutputScope) -> list[Change]:
    """Make `output_dir` hold `files`, pruning stale generated files in scope; return what changed.

    A symbolic link as the output directory is followed: the tree it points to is replaced, the link stays.
    """
    files = list(files)
    try:
        # the real folder: `.` or `../x` name the folder itself, and a link names its target
        target = output_dir.resolve()
    except (OSError, RuntimeError) as error:  # a symbolic link loop
        raise SetupError(f"cannot resolve the output directory {output_dir}: {error}") from error
    parent = target.parent
    if target == parent:
        raise SetupError(f"the output directory {output_dir} is the root of the file system; choose another")
    if not parent.is_dir():
        raise SetupError(f"the folder {parent} that should hold {output_dir.name} does not exist")
    if target.is_dir() and os.path.ismount(target):
        raise SetupError(
            f"the output directory {output_dir} is a mount point, which cannot be replaced atomically; mount its "
            "parent folder instead"
        )
    try:
        with output_lock(target):
            recover(target)
            changes = compare_output(target, files, scope)
            if changes:
                _write(target, files, changes)
    except OSError as error:
        raise SetupError(f"cannot write {output_dir}: {_describe(error)}; the previous output is unchanged") from error
    return changes


def _write(output_dir: Path, files: list[RenderedFile], changes: list[Change]) -> None:
    conflicts = [str(change.path) for change in changes if change.state == "conflict"]
    if conflicts:
        raise SetupError(
            f"{output_dir.name} holds hand-written files where generated ones go: {', '.join(conflicts)}; "
            "move them away (nothing was written)"
        )
    staging = Path(tempfile.mkdtemp(prefix=staging_prefix(output_dir), dir=output_dir.parent))
    try:
        # mkdtemp creates the folder private (0700); the output keeps the mode it had, or a usual one
        os.chmod(staging, output_dir.stat().st_mode & 0o7777 if output_dir.is_dir() else DIRECTORY_MODE)
        fresh = not output_dir.is_dir()  # a first render: the staging tree holds nothing yet
        # the files written anew and the stale ones are not linked into the staging tree, only to go again; the
        # mode of each is kept for the file that replaces it
        left_out = {str(change.path) for change in changes if change.state != "conflict"}
        modes: dict[str, int] = {}
        if not fresh:
            shutil.copytree(
                output_dir,
                staging,
                symlinks=True,
                dirs_exist_ok=True,
                copy_function=_link_or_copy,
                ignore=_ignoring(output_dir, left_out, modes),
            )
        _refuse_links(staging, [file.path for file in files])
        written = [change.path for change in changes if change.state in ("added", "changed")]
        # a folder that files are written into stays, with the mode it has, though its old files are left out;
        # one that only stale files leave empty goes, also where a file of the same path is written
        stale = [change.path for change in changes if change.state == "stale"]
        needed = {staging / folder for path in written for folder in path.parents} if stale else set()
        for path in stale:
            _remove_empty_parents(staging, staging / path, needed)
        folders: set[str] = {str(staging)}  # made already: one mkdir for each folder, not for each file
        contents = {file.path: file.content for file in files}  # the last of two files at one path, as compared
        creations = []
        for path in written:
            target = os.path.join(staging, path)
            _make_folder(os.path.dirname(target), folders)
            creations.append((target, contents[path], modes.get(str(path))))
        _create_all(creations)
        replace_tree(staging, output_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)  # after the swap it holds the old tree, or nothing


def _ignoring(
    output_dir: Path, left_out: Collection[str], modes: dict[str, int]
) -> Callable[[str, list[str]], set[str]]:
    """copytree's `ignore`: the regular files in a folder of the output whose paths are `left_out`, each one's mode
    put in `modes` by its path. Anything else standing where a file goes is copied: a folder may hold
    hand-written files, and a link is refused."""
    root = str(output_dir)

    def ignored(folder: str, names: list[str]) -> set[str]:
        relative = os.path.relpath(folder, root).replace(os.sep, "/")
        prefix = "" if relative == "." else relative + "/"
        found = set()
        for name in names:
            if prefix + name in left_out:
                mode = os.lstat(os.path.join(folder, name)).st_mode
                if stat.S_ISREG(mode):
                    found.add(name)
                    modes[prefix + name] = mode & 0o7777
        return found

    return ignored


def _make_folder(folder: str, made: set[str]) -> None:
    """`folder` and the folders above it that are not made yet (the staging tree's root is), one mkdir each."""
    if folder in made:
        return
    _make_folder(os.path.dirname(folder), made)
    with contextlib.suppress(FileExistsError):  # linked in from the current output
        os.mkdir(folder)
    made.add(folder)


# Files are created in threads once there are this many: the kernel's part of creating a file, most of the time
# a first render takes to write (and on some file systems several times the rest), runs without the GIL, and
# the parent writes when its workers are gone. Two threads against one, 13,000 files in 1,000 folders on the
# 2-CPU VM this project is built on: 0.19 -> 0.11 s while its file system was fast, 8.0-9.1 -> 4.0-4.8 s in one
# of its slow phases; more CPUs get up to _MOST_THREADS, which was not measured
_THREADED_FROM = 512
_MOST_THREADS = 4


def _create_all(creations: list[tuple[str, str, int | None]]) -> None:
    """`_create` each (path, text, mode), in threads when there are many, each taking a run of paths (whole
    folders, mostly: threads that write into one folder wait for each other there). The first error, or an
    interrupt, stops every thread at its next file, so that the staging tree is not written on into."""
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    threads = min(_MOST_THREADS, cpus, len(creations) // (_THREADED_FROM // 2) or 1)
    if len(creations) < _THREADED_FROM or threads < 2:
        _create_run(creations, None)
        return
    import threading  # imported by runs that write many files
    from concurrent.futures import ThreadPoolExecutor

    stop = threading.Event()
    size = -(-len(creations) // threads)
    runs = [creations[start : start + size] for start in range(0, len(creations), size)]
    with ThreadPoolExecutor(len(runs)) as pool:
        try:
            for done in [pool.submit(_create_run, run, stop) for run in runs]:
                done.result()  # the first error in the order of the paths, as one thread would meet it
        except BaseException:
            stop.set()  # the other threads stop at their next file; leaving the block waits for them
            raise


def _create_run(creations: list[tuple[str, str, int | None]], stop: threading.Event | None) -> None:
    for path, text, mode in creations:
        if stop is not None and stop.is_set():
            return
        try:
            _create(path, text.encode("utf-8"), mode)  # encoded here: one file's bytes at a time
        except BaseException:
            if stop is not None:
                stop.set()
            raise


def _create(path: str, content: bytes, mode: int | None) -> None:
    """A new file holding `content`, with `mode` or the one open() gives (0o666 less the umask): os.open does
    in one system call what open() does in four (it also asks whether the file is a terminal, its size and
    its position)."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666)
    try:
        view = memoryview(content)
        while view:
            view = view[os.write(descriptor, view) :]
        if mode is not None:
            os.fchmod(descriptor, mode)
    finally:
        os.close(descriptor)


def _link_or_copy(source: str, destination: str) -> None:
    """A hard link where the file system has them (the staging tree is beside the output, on the same one),
    else a copy."""
    try:
        os.link(source, destination, follow_symlinks=False)
    except OSError:
        shutil.copy2(source, destination, follow_symlinks=False)


def _refuse_links(root: Path, paths: Iterable[PurePosixPath]) -> None:
    """Writing through a symbolic link would put generated files outside the output directory.

    The tree is listed once first (a folder's listing says which entries are links): with no link in it, the
    usual case, no path needs looking at (docs/architecture.md, "Writing the output", has the figures). Where
    there are links, each part is asked of the file system, once for each folder: its rules decide what a path
    names (`Demo` is `demo` on a case-insensitive one, as on macOS), which comparing with the listed names
    would not follow."""
    if not _holds_links(root):
        return
    top = str(root)
    folders: set[str] = set()  # the folders found not to be links
    for relative in paths:
        parts = relative.parts
        for depth in range(1, len(parts) + 1):
            shown = "/".join(parts[:depth])
            if shown in folders:
                continue
            # Path.is_symlink raises on errors other than a path that is not there (os.path.islink says no)
            if Path(top, shown).is_symlink():
                raise SetupError(
                    f"the output holds a symbolic link at {shown}; refusing to write through it (nothing was written)"
                )
            if depth < len(parts):
                folders.add(shown)


def _holds_links(root: Path) -> bool:
    """Whether there is a symbolic link anywhere under `root`."""
    waiting = [str(root)]
    while waiting:
        with os.scandir(waiting.pop()) as entries:
            for entry in entries:
                if entry.is_symlink():
                    return True
                if entry.is_dir(follow_symlinks=False):
                    waiting.append(entry.path)
    return False


def _describe(error: OSError) -> str:
    """An OSError in words: copytree gathers one error per file into a list of (source, target, reason)."""
    if isinstance(error, shutil.Error) and error.args and isinstance(error.args[0], list):
        failures = error.args[0]
        shown = "; ".join(f"{source}: {reason}" for source, _, reason in failures[:3])
        more = f" (and {len(failures) - 3} more)" if len(failures) > 3 else ""
        return shown + more
    if error.strerror and error.filename:
        return f"{error.filename}: {error.strerror}"
    return str(error)


def _remove_empty_parents(root: Path, removed: Path, needed: Collection[Path]) -> None:
    folder = removed.parent
    while folder != root and folder not in needed and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent


def _is_generated(path: str | Path) -> bool:
    try:
        with open(path, "rb") as handle:
            return handle.read(len(_MARKER_BYTES)) == _MARKER_BYTES
    except OSError:
        return False


def _read_bytes(path: str | Path) -> bytes | None:
    """The file's bytes exactly as stored (a CRLF file differs from an LF one; a file that is not UTF-8 is
    read too, and is no generated file unless it starts with the marker); None where there is no file (or a
    folder stands in its place).

    Read with os.open and os.read rather than open(): `check` reads back every file of the output, 13,404 for
    make bench's 1,000 environments, and a buffered file object cost 0.28-0.34 s of them here against 0.14-0.20."""
    try:
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    except OSError:
        return None
    try:
        size = os.fstat(descriptor).st_size
        data = os.read(descriptor, size + 1)  # one byte more: a file that grew since is read to its end below
        if len(data) <= size:
            return data
        chunks = [data]
        while chunk := os.read(descriptor, 1 << 16):
            chunks.append(chunk)
        return b"".join(chunks)
    except OSError:  # a folder opens on some systems, and fails to read
        return None
    finally:
        os.close(descriptor)
