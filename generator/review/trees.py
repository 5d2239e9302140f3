"""Rendered output as objects: per environment, every Kubernetes object (and every Helm values file) by
its identity, read from a directory of rendered files or from the files a build produced."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from generator.errors import SetupError
from generator.files import GENERATED_MARKER, ROOT_FOLDER, WORKLOADS_FOLDER, RenderedFile
from generator.output.serialize import load_yaml_stream
from generator.render.operator_kustomize import VENDOR

VALUES = "HelmValues"  # the kind given to a values file, which is no Kubernetes object
VENDORED = PurePosixPath(VENDOR).parts  # under <env>/operator/: the base of `operator.source: vendored`


@dataclass(frozen=True, order=True)
class ObjectKey:
    kind: str
    namespace: str
    name: str
    # the environment's folder the object is rendered in, only where another of its folders holds an object of
    # the same identity (its Namespace is written for Flux and for the workloads): each is compared with its own
    folder: str = ""

    def __str__(self) -> str:
        where = f" ({self.namespace})" if self.namespace else ""
        return f"{self.kind} {self.name}{where}" + (f" in {self.folder}/" if self.folder else "")


Objects = dict[ObjectKey, dict[str, Any]]
Tree = dict[str, Objects]  # environment -> its objects


# environment -> each object's identity -> each folder that holds an object of it, and that object
_Found = dict[str, dict[ObjectKey, dict[str, dict[str, Any]]]]


def tree_of_files(files: Iterable[RenderedFile]) -> Tree:
    found: _Found = {}
    for file in files:
        _add(found, file.path, file.documents)
    return _tree(found)


def tree_of_directory(folder: Path) -> Tree:
    """The generated files under `folder` (hand-written ones are not the tool's and are left out): files of
    an environment sit two levels down (<env>/workloads/x.yaml), the root files one (argocd/x.yaml)."""
    found: _Found = {}
    for path in sorted(folder.rglob("*.yaml")):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue  # not a generated file: those are UTF-8 text
        if not text.startswith(GENERATED_MARKER):
            continue
        relative = PurePosixPath(path.relative_to(folder).as_posix())
        if relative.parts[1:2] == ("operator",) and relative.parts[2 : 2 + len(VENDORED)] == VENDORED:
            continue  # the release's own operator base, which a build leaves unread too (operator_kustomize.py)
        if len(relative.parts) > 3:
            raise SetupError(f"{folder} is not an output folder: it holds {relative} (pass the rendered folder)")
        try:
            documents = tuple(load_yaml_stream(text))
        except yaml.YAMLError as error:
            raise SetupError(f"{path} cannot be read: {error}") from error
        _add(found, relative, documents)
    return _tree(found)


def _add(found: _Found, path: PurePosixPath, documents: tuple[Any, ...]) -> None:
    environment = path.parts[0]
    if environment == ROOT_FOLDER or len(path.parts) < 2:
        return  # the root objects serve every environment: their changes follow from the environments'
    objects = found.setdefault(environment, {})
    folder = path.parts[1] if len(path.parts) > 2 else ""
    for document in documents:
        if not isinstance(document, Mapping):
            continue
        key = object_key(document, path)
        if key is not None:
            objects.setdefault(key, {})[folder] = dict(document)


def _tree(found: _Found) -> Tree:
    """Each object by its identity, and by its folder too where that could change between two outputs: a Namespace
    outside the workloads overlay (written for Flux beside the overlay's), and an object that several folders hold,
    but the overlay's. So each is compared with the same whichever order the files were read in (a build's, a
    directory's), and an environment that turns to Flux (or back) keeps its overlay's Namespace."""
    return {
        environment: {
            (
                key
                if folder == WORKLOADS_FOLDER or (len(folders) == 1 and key.kind != "Namespace")
                else replace(key, folder=folder)
            ): document
            for key, folders in objects.items()
            for folder, document in folders.items()
        }
        for environment, objects in found.items()
    }


def object_key(document: Mapping[str, Any], path: PurePosixPath) -> ObjectKey | None:
    metadata = document.get("metadata")
    if isinstance(metadata, Mapping) and "kind" in document:
        return ObjectKey(str(document["kind"]), str(metadata.get("namespace", "")), str(metadata.get("name", "")))
    if path.name.endswith("values.yaml"):
        return ObjectKey(VALUES, "", str(PurePosixPath(*path.parts[1:])))
    return None  # a kustomization.yaml: which files are listed follows from the objects themselves
