"""The manifests `import` reads: every YAML document of the files given, and of the YAML files under the folders
given, in path order, each with the file and line it starts at."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from generator.checks import YAML_SYNTAX
from generator.errors import InputError, Location, Problem, SetupError
from generator.importer.compare import without_nulls
from generator.input.load import not_utf8
from generator.output.serialize import load_yaml_stream

SUFFIXES = (".yaml", ".yml")


# What the API server and controllers write into an object they store, which `kubectl get -o yaml` shows and an
# object to create must not carry: metadata the server owns (a resourceVersion makes a create fail: "resourceVersion
# should not be set on objects to be created"), kubectl's record of the last apply, and the status
SERVER_METADATA = (
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "managedFields",
    "selfLink",
    # the owner's uid is the live object's: applied from Git into a namespace where no owner has it, the garbage
    # collector deletes the object (pkg/controller/garbagecollector); an owned object is its owner's to create
    "ownerReferences",
)
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"


@dataclass(frozen=True)
class Manifest:
    source: str  # file:line of the document's first line
    document: dict[str, Any]
    # what the API server had written into the object, left out of `document` (`server_written`)
    dropped: tuple[str, ...] = ()

    @property
    def kind(self) -> str:
        return str(self.document.get("kind", ""))

    @property
    def api_version(self) -> str:
        return str(self.document.get("apiVersion", ""))

    @property
    def name(self) -> str:
        metadata = self.document.get("metadata")
        if not isinstance(metadata, dict):
            return "?"
        return str(metadata.get("name") or metadata.get("generateName") or "?")


def read_manifests(paths: Iterable[Path]) -> list[Manifest]:
    """Every manifest of `paths`; InputError with each file that is no YAML text of Kubernetes objects (a path
    that does not exist is a SetupError)."""
    manifests: list[Manifest] = []
    problems: list[Problem] = []
    for path in paths:
        if path.is_dir():
            files = sorted(file for file in path.rglob("*") if file.suffix in SUFFIXES and file.is_file())
        elif path.is_file():
            files = [path]
        else:
            raise SetupError(f"{path} does not exist")
        for file in files:
            try:
                manifests.extend(_documents(file))
            except _Unreadable as error:
                problems.append(error.problem)
    if problems:
        raise InputError(problems)
    return manifests


class _Unreadable(Exception):
    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.message)
        self.problem = problem


def _refused(file: Path, line: int, column: int, message: str, hint: str) -> _Unreadable:
    return _Unreadable(Problem(Location(file, line, column), (), message, hint, file=file, rule=YAML_SYNTAX.id))


def _documents(file: Path) -> list[Manifest]:
    raw = file.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise _Unreadable(not_utf8(file, raw, error)) from error
    try:
        # kubectl reads manifests as YAML 1.1 (0644 is octal there), and so does this
        documents = load_yaml_stream(text)
        starts = [
            event.start_mark.line + 1 if event.start_mark is not None else 1
            for event in yaml.parse(text)
            if isinstance(event, yaml.DocumentStartEvent)
        ]
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line, column = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        reason = getattr(error, "problem", None) or str(error)
        raise _refused(file, line, column, f"not valid YAML: {reason}", "fix the YAML syntax") from error
    found = []
    for document, line in zip(documents, starts, strict=False):
        if document is None:
            continue
        if not isinstance(document, dict) or "kind" not in document or "apiVersion" not in document:
            raise _refused(file, line, 1, "a Kubernetes manifest has apiVersion and kind", "give it both")
        # a List (what `kubectl get -o yaml` writes) stands for its items, as kubectl apply reads it
        items = document.get("items") if document["kind"] == "List" else [document]
        for item in items if isinstance(items, list) else []:
            if not isinstance(item, dict) or "kind" not in item or "apiVersion" not in item:
                raise _refused(file, line, 1, "an item of the List has no apiVersion or kind", "give it both")
            document, dropped = server_written(without_nulls(item))
            found.append(Manifest(f"{file}:{line}", document, dropped))
    return found


def server_written(document: dict[str, Any]) -> tuple[dict[str, Any], tuple[str, ...]]:
    """`document` without what the API server wrote into it (SERVER_METADATA, LAST_APPLIED, `status`, and a
    Service's allocated cluster IPs, which another Service may hold by the time this one is created; a headless
    Service's None stays), and the paths of what was left out."""
    dropped: list[str] = []
    result = dict(document)
    metadata = result.get("metadata")
    if isinstance(metadata, dict):
        metadata = dict(metadata)
        for key in SERVER_METADATA:
            if metadata.pop(key, None) is not None:
                dropped.append(f"metadata.{key}")
        annotations = metadata.get("annotations")
        if isinstance(annotations, dict) and LAST_APPLIED in annotations:
            metadata["annotations"] = {key: value for key, value in annotations.items() if key != LAST_APPLIED}
            dropped.append(f"metadata.annotations[{LAST_APPLIED}]")
            if not metadata["annotations"]:
                del metadata["annotations"]
        result["metadata"] = metadata
    if result.pop("status", None) is not None:
        dropped.append("status")
    spec = result.get("spec")
    if result.get("kind") == "Service" and result.get("apiVersion") == "v1" and isinstance(spec, dict):
        spec = dict(spec)
        for key in ("clusterIP", "clusterIPs"):
            value = spec.get(key)
            if value is not None and value != "None" and value != ["None"]:
                del spec[key]
                dropped.append(f"spec.{key}")
        result["spec"] = spec
    return result, tuple(dropped)
