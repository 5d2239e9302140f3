"""Each environment's outcome kept between runs, so that a run works only on what changed since the last.

An outcome (problems, rendered files, model, rule context) depends on nothing but the inputs its key names:
the tool that worked it out (its code, templates and schemas, the Python and the installed distributions), the
environment file and every partial beside it, where they were read from, and what the run asked for (whether
the output is checked, whether documents are kept). Two inputs are checked beside the key, by the pipeline,
before an outcome is reused: the namespace grant, which crosses environments, and the files its
`objectSchemas` names, by digest. The root files are kept too, under the keys of every environment together
(generator/pipeline.py). tests/test_outcome_cache.py proves on every corpus that a kept outcome is
the one the run would work out again.

The tool is told apart by the contents of its files (whose digest is kept under their status, so that it is
worked out only when one changed), and the distributions by the names of their metadata folders, which carry
their versions. The entries are pickles (generator/parallel.py's, which refer to release data by name), in
the user's private cache folder (generator/cache.py); an entry that cannot be read is a miss, never an error.
A run that added entries removes those not used for PRUNE_AFTER, and the least recently used beyond
MAX_BYTES, at most once every PRUNE_EVERY.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sys
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from generator.cache import OUTCOMES, cache_folder, file_status, status_text
from generator.paths import PACKAGE_DIR, ToolData

PRUNE_AFTER = 14 * 24 * 3600  # seconds an entry stays unused before a run removes it
# the most the entries take together: the least recently used beyond it are removed (1,000 environments of
# make bench's kind take about 75 MB)
MAX_BYTES = 1 << 30
PRUNE_EVERY = 3600  # seconds: a run that added entries prunes when no run did for this long
SETTLE_SECONDS = 2.0  # a file of the tool changed more recently than this may change again unseen
_TOUCH_AFTER = 24 * 3600  # an entry read is marked used at most this often, so a warm run writes nothing
_PRUNED_STAMP = ".pruned"  # its modification time: when entries were last pruned
_ENTRY_SUFFIX = ".pickle"  # an outcome
_STAGED_PREFIX = ".entry-"  # an entry being written (put)
_STAMP_SUFFIX = ".stamp"  # the digest of the tool's files, under their status (cache.status_text)
_DIGEST_SIZE = 32
_DISTRIBUTION_SUFFIXES = (".dist-info", ".egg-info")


@dataclass(frozen=True)
class ToolStamp:
    digest: bytes  # what tells this tool apart from any other: a part of every key
    signature: str  # the status of its files: `tool_signature` tells whether one changed since
    # no file of the tool changed within SETTLE_SECONDS: a file written again within the same tick of the
    # file system's clock, at the same size, would keep its status (Git's index calls such a file racy); until
    # then the digest is worked out from the contents each run, and outcomes are read but not kept
    settled: bool


def tool_stamp(tool: ToolData, cache: OutcomeCache | None, now: float | None = None) -> ToolStamp:
    """What tells this tool apart from any other: Python, the installed distributions, and the contents of
    every file of the package, its templates and its schemas. Contents, not modification times: a CI job
    checks out and installs the same tool anew each time, and should still find what the last job kept. The
    digest of the contents is kept under the files' status (`tool_signature`), so that a run reads them only
    when one changed, and only once they have settled."""
    digest = hashlib.blake2b(digest_size=_DIGEST_SIZE)
    digest.update(f"{sys.version}\0{sys.implementation.cache_tag}\0".encode())
    # only the folders that hold distributions: the others (the script's or working folder) differ between
    # `python -m generator`, the console script and a test run of one and the same tool
    for entry in filter(None, sys.path):
        if os.path.isfile(entry):  # a zip file or egg: told apart by its status, as a file of the tool
            digest.update(f"{entry}\0{status_text(file_status(entry))}\0".encode())
        with contextlib.suppress(OSError):  # a path entry that is a file or gone
            names = sorted(name for name in os.listdir(entry) if name.endswith(_DISTRIBUTION_SUFFIXES))
            if names:
                digest.update(f"{entry}\0{','.join(names)}\0".encode())
    files = _tool_files(tool)
    statuses = [file_status(path) for _relative, path in files]
    signature = _signature(files, statuses)
    # the status-change time, which the kernel sets by its own clock: a modification time may be in the future
    # (a tarball made on a machine ahead), which would leave the files unsettled for good
    latest = max((status.st_ctime for status in statuses if status), default=0.0)
    now = time.time() if now is None else now
    settled = not now - SETTLE_SECONDS <= latest <= now + SETTLE_SECONDS
    known = cache.get(signature, _STAMP_SUFFIX) if cache is not None and settled else None
    if known is None or len(known) != _DIGEST_SIZE:
        contents = hashlib.blake2b(digest_size=_DIGEST_SIZE)
        for relative, path in files:
            contents.update(f"{relative}\0".encode())
            contents.update(file_digest(path) or b"unreadable")
        known = contents.digest()
        if cache is not None and settled:
            cache.put(signature, known, _STAMP_SUFFIX)
    digest.update(known)
    return ToolStamp(digest.digest(), signature, settled)


def tool_signature(tool: ToolData) -> str:
    """The status of the tool's files: the same as a stamp's while none changed."""
    files = _tool_files(tool)
    return _signature(files, [file_status(path) for _relative, path in files])


def _signature(files: list[tuple[str, str]], statuses: list[os.stat_result | None]) -> str:
    """The files' paths and statuses (generator/cache.py `status_text`)."""
    signature = hashlib.blake2b(digest_size=_DIGEST_SIZE)
    for (_relative, path), status in zip(files, statuses, strict=True):
        signature.update(f"{path}\0{status_text(status)}\0".encode())
    return signature.hexdigest()


def file_digest(path: str | Path) -> bytes | None:
    """The digest of a file's contents; None when it cannot be read."""
    try:
        with open(path, "rb") as handle:
            return hashlib.file_digest(handle, lambda: hashlib.blake2b(digest_size=_DIGEST_SIZE)).digest()
    except OSError:
        return None


def _tool_files(tool: ToolData) -> list[tuple[str, str]]:
    """Each file of the package, the templates and the schemas (but Python's bytecode): its path relative to
    its folder, named by the folder's part, and its path."""
    files: list[tuple[str, str]] = []
    roots = {"package": PACKAGE_DIR, "templates": tool.templates, "schemas": tool.schemas}
    for part, root in roots.items():
        if part == "package" or not root.is_relative_to(PACKAGE_DIR):  # else an installed tool's, walked already
            _walk(str(root), f"{part}/", files)
    return files


def _walk(folder: str, prefix: str, files: list[tuple[str, str]]) -> None:
    # os.scandir rather than os.walk: its entries tell folders apart without asking
    try:
        with os.scandir(folder) as scanned:
            entries = sorted(scanned, key=lambda entry: entry.name)
    except OSError:  # a folder that cannot be listed: told by its missing files
        return
    for entry in entries:
        if entry.is_dir():
            if entry.name != "__pycache__":
                _walk(entry.path, f"{prefix}{entry.name}/", files)
        else:
            files.append((prefix + entry.name, entry.path))


def outcome_key(stamp: bytes, parts: Iterable[bytes]) -> str:
    """The key of one environment's outcome: the tool's stamp and the inputs, each length-prefixed so that no
    two lists of parts run together into the same bytes."""
    digest = hashlib.blake2b(stamp, digest_size=_DIGEST_SIZE)
    for part in parts:
        digest.update(len(part).to_bytes(8, "little"))
        digest.update(part)
    return digest.hexdigest()


class OutcomeCache:
    """The entries of one cache folder: get and put pickled outcomes by key."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def get(self, key: str, suffix: str = _ENTRY_SUFFIX) -> bytes | None:
        path = self.folder / (key + suffix)
        try:
            with open(path, "rb") as handle:
                data = handle.read()
                if time.time() - os.fstat(handle.fileno()).st_mtime > _TOUCH_AFTER:
                    with contextlib.suppress(OSError):  # a cache folder that is read-only: still read
                        os.utime(handle.fileno())
        except OSError:
            return None
        return data

    def put(self, key: str, data: bytes, suffix: str = _ENTRY_SUFFIX) -> None:
        """Write an entry whole or not at all (a reader never meets half of one); failing to is no error."""
        # staged under a name of this process and key, not tempfile.mkstemp's random one (a third of the cost of a
        # put): no other live process has this pid, and one process writes one key at a time; a file of that name
        # is what a crashed run of the same pid left, and is overwritten
        staged = self.folder / f"{_STAGED_PREFIX}{os.getpid()}-{key}{suffix}"
        try:
            handle = os.open(staged, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        except OSError:  # the folder went, or the disk is full
            return
        try:
            try:
                remaining = memoryview(data)
                while remaining:
                    remaining = remaining[os.write(handle, remaining) :]
            finally:
                os.close(handle)
            os.replace(staged, self.folder / (key + suffix))
        except OSError:
            with contextlib.suppress(OSError):
                os.unlink(staged)

    def remove(self, key: str) -> None:
        with contextlib.suppress(OSError):
            os.unlink(self.folder / (key + _ENTRY_SUFFIX))

    def prune(self, now: float | None = None) -> int:
        """Remove the entries unused for PRUNE_AFTER, and the least recently used beyond MAX_BYTES, unless that
        was done less than PRUNE_EVERY ago; the number removed. Called by runs that added entries (by the
        parent, for its workers' too)."""
        now = time.time() if now is None else now
        stamp = self.folder / _PRUNED_STAMP
        try:
            if now - stamp.stat().st_mtime < PRUNE_EVERY:
                return 0
        except FileNotFoundError:
            pass
        except OSError:
            return 0
        entries = []
        with contextlib.suppress(OSError):
            stamp.touch()
            for entry in os.scandir(self.folder):
                with contextlib.suppress(OSError):  # another run pruning at the same time
                    if entry.name.endswith((_ENTRY_SUFFIX, _STAMP_SUFFIX)) or entry.name.startswith(_STAGED_PREFIX):
                        status = entry.stat()
                        entries.append((status.st_mtime, status.st_size, entry.path))
        entries.sort(reverse=True)  # the most recently used first
        total, removed = 0, 0
        for modified, size, path in entries:
            total += size
            if now - modified > PRUNE_AFTER or total > MAX_BYTES:
                with contextlib.suppress(OSError):
                    os.unlink(path)
                    removed += 1
        return removed


def outcome_cache(environ: Mapping[str, str]) -> OutcomeCache | None:
    """The user's outcome cache, or None when caching is off or there is no private cache folder."""
    folder = cache_folder(environ, OUTCOMES)
    return OutcomeCache(folder) if folder is not None else None
