"""The base of a diff: a rendered directory, or a git ref read without touching the working tree.

From a ref, the output folder committed there (what the GitOps engine syncs today) is the base; a ref
without one has its environments rendered by this tool. The default ref is the merge base with
origin/main, else with main.
"""

from __future__ import annotations

import io
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from generator.errors import SetupError
from generator.paths import ToolData
from generator.pipeline import BuildRequest, build
from generator.review.trees import Tree, tree_of_directory, tree_of_files

DEFAULT_BRANCHES = ("origin/main", "main")


@dataclass(frozen=True)
class Base:
    tree: Tree
    label: str  # what the report says it compared against


def load_base(given: str | None, environments_dir: Path, output_dir: Path, tool: ToolData) -> Base:
    if given is not None and Path(given).is_dir():
        tree = tree_of_directory(Path(given))
        if not tree and not any(Path(given).iterdir()):
            return Base(tree, given)  # an empty folder: everything is new
        if not tree:
            raise SetupError(f"{given} holds no file kuberay-gitops generated: pass the rendered folder")
        return Base(tree, given)
    root = _git(["rev-parse", "--show-toplevel"], Path.cwd(), "the diff base is a git ref: run it in a git checkout")
    top = Path(root.strip())
    ref = given or _default_ref(top)
    commit = _git(
        ["rev-parse", "--short", f"{ref}^{{commit}}"], top, f"{ref} is neither a folder nor a git ref"
    ).strip()
    label = f"{given or 'the merge base with ' + _default_branch(top)} ({commit})"
    with tempfile.TemporaryDirectory(prefix="kuberay-gitops-base-") as folder:
        scratch = Path(folder)
        for path in (output_dir, environments_dir):
            _extract(top, ref, _inside(top, path), scratch)
        rendered = scratch / _inside(top, output_dir)
        committed = tree_of_directory(rendered) if rendered.is_dir() else {}
        if committed:
            return Base(committed, label)
        environments = scratch / _inside(top, environments_dir)
        if not environments.is_dir():
            return Base({}, label)
        result = build(BuildRequest(environments, (), tool, keep_outcomes=False))
        if any(problem.is_error for problem in result.problems):
            raise SetupError(f"the environments of {ref} do not validate: compare with a rendered folder (--base DIR)")
        return Base(tree_of_files(result.files), label)


def _default_ref(top: Path) -> str:
    branch = _default_branch(top)
    return _git(["merge-base", "HEAD", branch], top, f"no merge base of HEAD and {branch}").strip()


def _default_branch(top: Path) -> str:
    for branch in DEFAULT_BRANCHES:
        if (
            subprocess.run(["git", "rev-parse", "--verify", "--quiet", branch], cwd=top, capture_output=True).returncode
            == 0
        ):
            return branch
    raise SetupError("no origin/main or main to compare with: pass --base GITREF or --base DIR")


def _inside(top: Path, path: Path) -> str:
    try:
        return path.resolve().relative_to(top.resolve()).as_posix()
    except ValueError as error:
        raise SetupError(f"{path} is outside the git checkout {top}: pass --base DIR") from error


def _extract(top: Path, ref: str, path: str, into: Path) -> None:
    """`path` as it is at `ref`, written under `into`; nothing when the ref does not have it."""
    found = subprocess.run(["git", "archive", "--format=tar", ref, "--", path], cwd=top, capture_output=True)
    if found.returncode != 0:
        return  # the path is not in that commit (a first environment, a new output folder)
    with tarfile.open(fileobj=io.BytesIO(found.stdout)) as archive:
        archive.extractall(into, filter="data")


def _git(arguments: list[str], cwd: Path, failure: str) -> str:
    try:
        found = subprocess.run(["git", *arguments], cwd=cwd, capture_output=True, text=True, check=False)
    except OSError as error:
        raise SetupError(f"{failure} (git: {error})") from error
    if found.returncode != 0:
        raise SetupError(f"{failure}: {found.stderr.strip() or 'git failed'}")
    return found.stdout
