"""Objects of `objects` that the generator writes as well, on the environment's cluster and namespace.

In the workloads overlay, kustomize refuses to build two objects of one identity (its identity holds the
version too; here the group, kind, namespace and name are compared, which is what two GitOps sources of one
object share), so the overlay would never sync. In another folder of the environment (its Flux access, applied
by another Kustomization), two Kustomizations would apply one object, each taking it from the other.
docs/gitops.md, "One object, one source", cites kustomize and Flux for both. The
generator writes such objects in the environment's namespace for the operator of a single-namespace install
(its Role and RoleBinding, `operator-access.yaml`) and for the Flux workloads account (its Role and
RoleBinding). tests/test_objects.py builds the first case with the real kubectl kustomize.

The entries are compared as written, before `patches`; the operator's own objects, which its chart or its
Kustomize base makes, are not rendered here and not compared (docs/environment.md says both).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from pathlib import Path, PurePosixPath
from typing import Any

from generator.checks import OBJECT_IDENTITY
from generator.errors import Problem
from generator.files import RenderedFile
from generator.model.build import object_file_name
from generator.model.names import OPERATOR_ACCESS_FILE, api_group
from generator.model.types import Environment
from generator.source import Origin, locate

WORKLOADS = "workloads"
FLUX = "flux"
ARGOCD = "argocd"  # Argo CD's objects, on the cluster Argo CD runs in
Identity = tuple[str, str, str | None, str]  # group, kind, namespace, name


def written_twice_problems(
    files: Iterable[RenderedFile], environment: Environment, origin: Origin, environment_file: Path
) -> list[Problem]:
    if not environment.objects:  # most environments
        return []
    files = list(files)
    namespace = environment.target.namespace
    workloads = PurePosixPath(environment.name) / WORKLOADS
    written = Counter(file.path for file in files)
    # every identity of the rendered documents, and the files that hold it: the entries' own files too, so
    # that an entry whose file is another's is not taken for that file
    holders: dict[Identity, list[PurePosixPath]] = {}
    for file in files:
        if file.path.parts[1:2] == (ARGOCD,):
            continue
        overlay = namespace if file.path.parent == workloads else None
        for document in file.documents:
            identity = _identity(document, overlay)
            if identity is not None:
                holders.setdefault(identity, []).append(file.path)
    problems = []
    for index, item in enumerate(environment.objects):
        kind, name = item["kind"], item["metadata"]["name"]
        own = workloads / object_file_name(item)
        identity = _identity(item, namespace)
        others = [path for path in holders.get(identity, []) if path != own] if identity is not None else []
        if written[own] > 1:
            message = f"{kind} {name} is written to {own}, a file that the generator writes too"
            hint = "give it a name of its own (the file is named <kind>-<name>.yaml)"
        elif others:
            message = f"{kind} {name} in namespace {namespace} is {_described(others[0], kind, environment)}"
            hint = "give it a name of its own: " + (
                "kustomize refuses to build an overlay with two objects of one identity"
                if others[0].parent == workloads
                else "two Kustomizations would apply it, each overwriting the other's version"
            )
        else:
            continue
        path = ("objects", index, "metadata", "name")
        problems.append(
            Problem(locate(origin, path), path, message, hint, file=environment_file, rule=OBJECT_IDENTITY.id)
        )
    return problems


def _described(path: PurePosixPath, kind: str, environment: Environment) -> str:
    """What the generator writes at `path`, in words."""
    grant = environment.namespace_grant
    if path.name == OPERATOR_ACCESS_FILE and grant is not None:
        return (
            f"the {kind} that the generator writes here for the single-namespace operator that environment "
            f"{grant.owner} installs ({path})"
        )
    if path.parts[1:2] == (FLUX,):
        return f"a {kind} of the environment's Flux access, which the generator writes ({path})"
    return f"an object that the generator writes ({path})"


def _identity(document: Any, namespace: str | None) -> Identity | None:
    """Group, kind, namespace and name of an object: `namespace` is its overlay's, which kustomize's namespace
    transformer gives it, else (None) its own."""
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
