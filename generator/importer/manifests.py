"""The manifests `import` reads: every YAML document of the files given, and of the YAML files under the folders
given, in path order, each with the file and line it starts at."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from generator.errors import SetupError
from generator.importer.compare import without_nulls
from generator.output.serialize import load_yaml_stream

SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class Manifest:
    source: str  # file:line of the document's first line
    document: dict[str, Any]

    @property
    def kind(self) -> str:
        return str(self.document.get("kind", ""))

    @property
    def api_version(self) -> str:
        return str(self.document.get("apiVersion", ""))

    @property
    def name(self) -> str:
        metadata = self.document.get("metadata") or {}
        return str(metadata.get("name") or metadata.get("generateName") or "?")


def read_manifests(paths: Iterable[Path]) -> list[Manifest]:
    manifests: list[Manifest] = []
    for path in paths:
        if path.is_dir():
            files = sorted(file for file in path.rglob("*") if file.suffix in SUFFIXES and file.is_file())
        elif path.is_file():
            files = [path]
        else:
            raise SetupError(f"{path} does not exist")
        for file in files:
            manifests.extend(_documents(file))
    return manifests


def _documents(file: Path) -> list[Manifest]:
    text = file.read_text(encoding="utf-8")
    try:
        # kubectl reads manifests as YAML 1.1 (0644 is octal there), and so does this
        documents = load_yaml_stream(text)
        starts = [
            event.start_mark.line + 1 if event.start_mark is not None else 1
            for event in yaml.parse(text)
            if isinstance(event, yaml.DocumentStartEvent)
        ]
    except yaml.YAMLError as error:
        raise SetupError(f"{file}: not valid YAML: {error}") from error
    found = []
    for document, line in zip(documents, starts, strict=False):
        if document is None:
            continue
        if not isinstance(document, dict) or "kind" not in document or "apiVersion" not in document:
            raise SetupError(f"{file}:{line}: a Kubernetes manifest has apiVersion and kind")
        # a List (what `kubectl get -o yaml` writes) stands for its items, as kubectl apply reads it
        items = document.get("items") if document["kind"] == "List" else [document]
        for item in items if isinstance(items, list) else []:
            if not isinstance(item, dict) or "kind" not in item or "apiVersion" not in item:
                raise SetupError(f"{file}:{line}: an item of the List has no apiVersion or kind")
            found.append(Manifest(f"{file}:{line}", without_nulls(item)))
    return found
