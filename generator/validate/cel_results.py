"""CEL results kept between runs, so that a run whose objects meet only rules already evaluated on the same
values neither imports cel-python nor builds its parser (a tenth to a fifth of a second, most of a
`validate` of a few Flux environments).

The results live in the user's cache folder (generator/cache.py) as JSON, keyed by the rule's text and the
value's JSON, and belong to the code that evaluated them: the file records Python's version and the size and
modification time of cel-python's modules, of Lark's and of the evaluating module, and is ignored when any
differs. Only small values
are kept (a whole spec that differs in every environment would only grow the file), at most MAX_KEPT
results, and a process rewrites the file at most MAX_WRITES times.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import tempfile
from collections.abc import Mapping
from functools import cached_property
from pathlib import Path
from typing import Any

from generator.cache import CEL, cache_folder, file_status, status_text

MAX_KEPT = 4096
MAX_VALUE_CHARS = 1024  # with MAX_KEPT, the file stays within about 4 MB
MAX_WRITES = 64
FILE_NAME = "results.json"
# the modules whose code decides a result: cel-python's, Lark's version, and the one that calls them
_DECIDING_MODULES = ("__init__.py", "evaluation.py", "celtypes.py", "adapter.py", "celparser.py", "cel.lark")

Key = tuple[str, str]  # the rule's text, the value as JSON


def results_file(environ: Mapping[str, str]) -> Path | None:
    folder = cache_folder(environ, CEL)
    return folder / FILE_NAME if folder is not None else None


class KeptResults:
    """The results of an earlier run, read when first asked, and the new ones added to the file."""

    def __init__(self, file: Path | None, evaluator: Path) -> None:
        self.file = file
        self.evaluator = evaluator
        self._results: dict[Key, bool] | None = None
        self._writes = 0

    def __len__(self) -> int:
        return len(self._read())

    def get(self, key: Key) -> bool | None:
        return self._read().get(key)

    def add(self, key: Key, passed: bool) -> None:
        results = self._read()
        results[key] = passed
        if self.file is None or len(key[1]) > MAX_VALUE_CHARS or self._writes >= MAX_WRITES:
            return
        self._writes += 1
        # another process may have kept results since this one read the file: they are kept too
        merged = {**_load(self.file, self.engine), key: passed}
        kept = list(merged.items())[-MAX_KEPT:]
        _write(self.file, {"engine": self.engine, "results": [[rule, value, ok] for (rule, value), ok in kept]})

    def _read(self) -> dict[Key, bool]:
        if self._results is None:
            self._results = _load(self.file, self.engine) if self.file is not None else {}
        return self._results

    @cached_property
    def engine(self) -> str:
        """The paths and statuses of the code that evaluates (generator/cache.py `status_text`): a result of
        other code is not kept."""
        files = [*_package_files("celpy", _DECIDING_MODULES), *_package_files("lark", ("__init__.py",)), self.evaluator]
        return ";".join([f"python:{sys.version}", *(f"{file}:{status_text(file_status(file))}" for file in files)])


def _package_files(package: str, names: tuple[str, ...]) -> list[Path]:
    spec = importlib.util.find_spec(package)  # finds the package without importing it
    folders = list(spec.submodule_search_locations or []) if spec is not None else []
    return [Path(folders[0]) / name for name in names] if folders else [Path(package, "missing")]


def _load(file: Path, engine: str) -> dict[Key, bool]:
    try:
        document: Any = json.loads(file.read_text(encoding="utf-8"))
        if document.get("engine") != engine:
            return {}
        return {(str(rule), str(value)): bool(ok) for rule, value, ok in document["results"]}
    except (OSError, ValueError, TypeError, AttributeError, KeyError):
        return {}  # missing, unreadable or of another shape: nothing is kept


def _write(file: Path, document: dict[str, Any]) -> None:
    try:
        handle, temporary = tempfile.mkstemp(dir=file.parent, prefix=".results-", suffix=".json")
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            json.dump(document, stream)
        os.replace(temporary, file)
    except OSError:
        pass  # a cache that cannot be written is no cache: the run goes on
