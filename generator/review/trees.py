"""Rendered output as objects: per environment, every Kubernetes object (and every Helm values file) by
its identity, read from a directory of rendered files or from the files a build produced."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from generator.errors import SetupError
from generator.files import GENERATED_MARKER, ROOT_FOLDER, RenderedFile
from generator.output.serialize import load_yaml_stream

VALUES = "HelmValues"  # the kind given to a values file, which is no Kubernetes object


@dataclass(frozen=True, order=True)
class ObjectKey:
    kind: str
    namespace: str
    name: str

    def __str__(self) -> str:
        where = f" ({self.namespace})" if self.namespace else ""
        return f"{self.kind} {self.name}{where}"


Objects = dict[ObjectKey, dict[str, Any]]
Tree = dict[str, Objects]  # environment -> its objects


def tree_of_files(files: Iterable[RenderedFile]) -> Tree:
    tree: Tree = {}
    for file in files:
        _add(tree, file.path, file.documents)
    return tree


def tree_of_directory(folder: Path) -> Tree:
    """The generated files under `folder` (hand-written ones are not the tool's and are left out): files of
    an environment sit two levels down (<env>/workloads/x.yaml), the root files one (argocd/x.yaml)."""
    tree: Tree = {}
    for path in sorted(folder.rglob("*.yaml")):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue  # not a generated file: those are UTF-8 text
        if not text.startswith(GENERATED_MARKER):
            continue
        relative = PurePosixPath(path.relative_to(folder).as_posix())
        if len(relative.parts) > 3:
            raise SetupError(f"{folder} is not an output folder: it holds {relative} (pass the rendered folder)")
        try:
            documents = tuple(load_yaml_stream(text))
        except yaml.YAMLError as error:
            raise SetupError(f"{path} cannot be read: {error}") from error
        _add(tree, relative, documents)
    return tree


def _add(tree: Tree, path: PurePosixPath, documents: tuple[Any, ...]) -> None:
    environment = path.parts[0]
    if environment == ROOT_FOLDER or len(path.parts) < 2:
        return  # the root objects serve every environment: their changes follow from the environments'
    objects = tree.setdefault(environment, {})
    for document in documents:
        if not isinstance(document, Mapping):
            continue
        key = object_key(document, path)
        if key is not None:
            objects[key] = dict(document)


def object_key(document: Mapping[str, Any], path: PurePosixPath) -> ObjectKey | None:
    metadata = document.get("metadata")
    if isinstance(metadata, Mapping) and "kind" in document:
        return ObjectKey(str(document["kind"]), str(metadata.get("namespace", "")), str(metadata.get("name", "")))
    if path.name.endswith("values.yaml"):
        return ObjectKey(VALUES, "", str(PurePosixPath(*path.parts[1:])))
    return None  # a kustomization.yaml: which files are listed follows from the objects themselves
