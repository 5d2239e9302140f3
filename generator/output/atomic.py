"""Replacing a directory tree in one atomic step, and cleaning up after runs that were killed.

On Linux, renameat2(RENAME_EXCHANGE) swaps the staged tree and the output directory in one system call:
at any instant the output directory is the old tree or the new one, never absent or partial. Where the
call is missing (other systems, file systems without it) two renames do the swap, and a run killed
between them leaves the old tree under its retired name, which the next run puts back before anything
else. A lock on the folder that holds the output directory makes concurrent runs take turns.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

AT_FDCWD = -100
RENAME_EXCHANGE = 2  # linux/fs.h
# errors by which renameat2 says "not here" (no such call, a file system without exchange), not "failed"
_UNSUPPORTED = frozenset({errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP})


def staging_prefix(output_dir: Path) -> str:
    return f".{output_dir.name}.new-"


def retired_prefix(output_dir: Path) -> str:
    return f".{output_dir.name}.old-"


@contextmanager
def output_lock(output_dir: Path) -> Iterator[None]:
    """Hold an exclusive lock for the duration of a write, on the folder that holds `output_dir`.

    A lock on the folder itself (flock works on a directory's descriptor) leaves no lock file behind, and
    the kernel releases it when a killed run's process ends.
    """
    descriptor = os.open(output_dir.parent, os.O_RDONLY)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)  # closing releases the lock


def recover(output_dir: Path) -> None:
    """Undo what a killed run left: put back a retired tree if the output is missing, remove leftovers."""
    parent = output_dir.parent
    retired = sorted(parent.glob(retired_prefix(output_dir) + "*"))
    if not output_dir.exists() and not output_dir.is_symlink() and retired:
        # killed between the two renames of the fallback swap: the retired tree is the last complete output
        os.rename(retired[-1], output_dir)
    for leftover in [*parent.glob(staging_prefix(output_dir) + "*"), *parent.glob(retired_prefix(output_dir) + "*")]:
        shutil.rmtree(leftover, ignore_errors=True)


def replace_tree(staging: Path, output_dir: Path) -> None:
    """Make `staging` the output directory; the old tree ends up where `staging` was."""
    if not output_dir.exists():
        os.rename(staging, output_dir)
        return
    if exchange(staging, output_dir):
        return
    retired = output_dir.parent / (retired_prefix(output_dir) + staging.name.removeprefix(staging_prefix(output_dir)))
    os.rename(output_dir, retired)
    try:
        os.rename(staging, output_dir)
    except OSError:
        os.rename(retired, output_dir)
        raise
    os.rename(retired, staging)  # the caller removes the old tree from where it expects it


def exchange(first: Path, second: Path) -> bool:
    """Swap two paths atomically; False where the system cannot (then nothing was changed)."""
    libc = ctypes.CDLL(None, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    renameat2.argtypes = (ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint)
    result = renameat2(AT_FDCWD, os.fsencode(first), AT_FDCWD, os.fsencode(second), RENAME_EXCHANGE)
    if result == 0:
        return True
    code = ctypes.get_errno()
    if code in _UNSUPPORTED:
        return False
    raise OSError(code, os.strerror(code), str(second))
