"""Objects of `objects` that the generator writes as well, on the environment's cluster and namespace.

In the workloads overlay, kustomize refuses to build two objects of one identity (group, kind, namespace and
name): when it reads them ("may not add resource with an already registered id", api/resmap/reswrangler.go:63-70)
or when its namespace transformer makes them one ("namespace transformation produces ID conflict",
api/builtins/NamespaceTransformer.go:45-49; kubernetes-sigs/kustomize at 1ee16d9f), so the overlay would never
sync. In another folder of the environment
(its Flux access, applied by another Kustomization), two Kustomizations would apply one object, each
overwriting the other's version. The generator writes such objects in the environment's namespace for the
operator of a single-namespace install (its Role and RoleBinding, `operator-access.yaml`) and for the Flux
workloads account (its Role and RoleBinding, `flux/access.yaml`). tests/test_objects.py builds the first case
with the real kubectl kustomize.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path, PurePosixPath
from typing import Any

from generator.checks import OBJECT_IDENTITY
from generator.errors import Problem
from generator.files import RenderedFile
from generator.model.build import object_file_name
from generator.model.names import api_group
from generator.model.types import Environment
from generator.source import Origin, locate

WORKLOADS = "workloads"
ARGOCD = "argocd"  # Argo CD's objects, on the cluster Argo CD runs in


def written_twice_problems(
    files: Iterable[RenderedFile], environment: Environment, origin: Origin, environment_file: Path
) -> list[Problem]:
    namespace = environment.target.namespace
    folder = PurePosixPath(environment.name)
    own = {folder / WORKLOADS / object_file_name(item) for item in environment.objects}
    generated: dict[tuple[str, str, str | None, str], PurePosixPath] = {}
    for file in files:
        if file.path in own or file.path.parts[1:2] == (ARGOCD,):
            continue
        for document in file.documents:
            identity = _identity(document, namespace if file.path.parts[1:2] == (WORKLOADS,) else None)
            if identity is not None:
                generated.setdefault(identity, file.path)
    problems = []
    for index, item in enumerate(environment.objects):
        identity = _identity(item, namespace)
        found = generated.get(identity) if identity is not None else None
        if found is None:
            continue
        path = ("objects", index, "metadata", "name")
        problems.append(
            Problem(
                locate(origin, path),
                path,
                f"{item['kind']} {item['metadata']['name']} in namespace {namespace} is an object that the generator "
                f"writes itself, in {found}",
                "give it a name of its own: kustomize refuses two objects of one identity in an overlay, and two "
                "Kustomizations that apply one object overwrite each other's version",
                file=environment_file,
                rule=OBJECT_IDENTITY.id,
            )
        )
    return problems


def _identity(document: Any, namespace: str | None) -> tuple[str, str, str | None, str] | None:
    """Group, kind, namespace and name of an object; `namespace` is the one its overlay gives it (kustomize's
    namespace transformer sets the overlay's namespace on every namespaced object), else its own."""
    if not isinstance(document, dict) or not isinstance(document.get("metadata"), dict):
        return None
    name = document["metadata"].get("name")
    if not isinstance(name, str):
        return None
    written = document["metadata"].get("namespace")
    return (
        api_group(str(document.get("apiVersion", ""))),
        str(document.get("kind", "")),
        namespace or (written if isinstance(written, str) else None),
        name,
    )
