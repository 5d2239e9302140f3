"""The user's cache folder for what a run can reuse from an earlier one: the Python code Jinja compiles from
each template, the parser tables Lark works out from CEL's grammar, the results of CEL rules on the values
they met (validate/cel_results.py), the Kubernetes schemas pruned for the pods' checks (validate/kubernetes.py),
and each environment's outcome (outcome_cache.py). Each is worked out
again whenever what it came from changes (Jinja and Lark store a checksum of their source, the CEL results
and the outcomes the stamps of the code that worked them out), so the cache never changes what a run does;
it saves up to half a second of every run, which is most of a `validate` of a few files, and in a large
repository all the work on the environments that did not change.

The folder is $XDG_CACHE_HOME/kuberay-gitops, else ~/.cache/kuberay-gitops (no cache without a home folder),
and must be private to the user: what is in it is loaded as code (Jinja's marshalled bytecode, Lark's and the
outcomes' pickles). KUBERAY_GITOPS_NO_CACHE=1 turns it off.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

FOLDER_NAME = "kuberay-gitops"
NO_CACHE = "KUBERAY_GITOPS_NO_CACHE"
# the sub-folders, one per kind of entry
TEMPLATES = "templates"  # Jinja's compiled templates
CEL = "cel"  # Lark's tables of CEL's grammar, and the CEL results kept between runs
OUTCOMES = "outcomes"  # each environment's outcome, kept between runs (generator/outcome_cache.py)
KUBERNETES = "kubernetes"  # the Kubernetes schemas pruned for the pods' checks (validate/kubernetes.py)


def cache_folder(environ: Mapping[str, str], part: str) -> Path | None:
    """The cache folder's sub-folder `part`, made if missing; None when caching is off or the folder is not
    this user's alone (another user could put code there)."""
    if environ.get(NO_CACHE):
        return None
    try:
        folder = _base(environ) / FOLDER_NAME / part
        folder.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        folder.mkdir(mode=0o700, exist_ok=True)
        for checked in (folder.parent, folder):
            status = checked.stat()
            if status.st_uid != os.getuid() or status.st_mode & 0o022:
                return None
    except (OSError, RuntimeError, KeyError):  # no home folder: a container run as a user without one
        return None
    return folder


def _base(environ: Mapping[str, str]) -> Path:
    """$XDG_CACHE_HOME when it is an absolute path (the XDG spec has a relative one ignored), else ~/.cache."""
    given = Path(environ.get("XDG_CACHE_HOME", ""))
    if given.is_absolute():
        return given
    home = Path(environ["HOME"]) if environ.get("HOME") else Path.home()
    return home / ".cache"


def file_status(path: str | Path) -> os.stat_result | None:
    try:
        return os.stat(path)
    except OSError:
        return None


def status_text(status: os.stat_result | None) -> str:
    """What tells a file's contents apart without reading them, for what the cache keeps of code and data: its
    size and modification time, and also the time of its last change of status and its inode and device, which
    no copy that keeps modification times (cp -p, rsync -a, tar, an image built with fixed times) keeps too;
    Git's index looks at the same. A file that cannot be looked at is told by that."""
    if status is None:
        return "unreadable"
    return f"{status.st_size} {status.st_mtime_ns} {status.st_ctime_ns} {status.st_ino} {status.st_dev}"
