"""The patches of the overlay's objects other than the Ray kinds (patches.py checks those), against the schema
of each object's kind: the OpenAPI schema of target.kubernetesVersion for a Kubernetes kind, the JSON Schema
that `objectSchemas` names for another.

Kustomize merges a strategic-merge patch into an object of a Kubernetes kind by the kind's OpenAPI schema (lists
by their patch merge key), and fails the build where the patch's shape is not the object's ("wrong node kind:
expected SequenceNode but got MappingNode" for `ports` written as a mapping); a value of the wrong type that it
merges is the API server's to refuse. The merged object is not reproduced here: what the patch writes is checked
against the kind's schema instead, every field optional (a patch writes part of an object) and without counts of
items (merged into the object's), leaving out its directives ($patch, $setElementOrder/..., which kustomize
reads) and its nulls (which remove a field). A JSON patch is applied as kustomize applies it (RFC 6902,
patches.py `apply_patch`), and so is a strategic-merge patch of a kind kustomize has no schema of, which it
merges as a JSON merge patch: the object is then checked whole, once every patch has changed it, and what it
lacked before the patches is reported at the last patch that changed it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from generator.checks import OBJECT_SCHEMA
from generator.errors import Problem, format_path
from generator.files import RenderedFile
from generator.input.schema_check import Finding, findings
from generator.model.build import UNCHECKED
from generator.source import Origin, locate
from generator.validate.kubernetes import KubernetesSchemas, schema_key, user_validator
from generator.validate.patches import (
    DIRECTIVES,
    Patched,
    PatchFailure,
    apply_patch,
    is_ray_object,
    matchable,
    object_identity,
    overlay_documents,
    patch_targets,
)

if TYPE_CHECKING:
    from jsonschema.protocols import Validator

SHAPE_HINT = "a patch's values go into the object as written: write them as the kind's schema has them"


@dataclass
class _Tracked:
    """An object of the overlay other than the Ray kinds, as the patches so far left it."""

    patched: Patched
    unpatched: dict[str, Any]
    # whether `patched` is the object kustomize builds: not after a strategic-merge patch of a Kubernetes kind
    # (merged by the kind's schema) or one with directives
    exact: bool = True
    changed_by: list[int] = field(default_factory=list)  # the patches that changed it, in order


def patched_kind_problems(
    files: Iterable[RenderedFile],
    data: dict[str, Any],
    origin: Origin,
    environment_file: Path,
    environment: str,
    version: str,
    schemas: KubernetesSchemas,
) -> list[Problem]:
    """What the patches of `data` write into the overlay's objects other than the Ray kinds that the schema of
    their kind refuses (module docstring), located in the patch."""
    patches = data.get("patches", [])
    if not patches or version not in schemas.versions:  # an unknown version is object-schema's to report
        return []
    chosen = data.get("objectSchemas", {})
    tracked = [
        _Tracked(Patched((object_identity(document)[1],), document), document)
        for document in overlay_documents(files, environment)
        if not is_ray_object(document)
    ]
    custom: dict[str, Validator | None] = {}  # each objectSchemas file, read once (object-schema reports it)

    def custom_validator(key: str) -> Validator | None:
        if key not in custom:
            custom[key] = user_validator(environment_file, chosen[key], key, origin)[0]
        return custom[key]

    problems: list[Problem] = []
    for index, entry in enumerate(patches):
        if not matchable(entry):
            continue
        body = entry["patch"]
        for position in patch_targets(entry, [item.patched for item in tracked]):
            item = tracked[position]
            try:
                patched = apply_patch(item.patched.document, body)
            except PatchFailure:  # patch_target_problems reports it; the object stays as it was
                continue
            document = item.patched.document
            key = schema_key(document)
            kubernetes_kind = key not in chosen
            if isinstance(body, dict) and kubernetes_kind:
                part = schemas.part_validator(version, str(document.get("apiVersion")), str(document.get("kind")))
                for finding in findings(part, _written(body)) if part is not None else ():
                    problems.append(_problem(document, index, finding, True, origin, environment_file))
                item.exact = False
            if patched is None:  # strategic-merge directives, which kustomize reads
                item.exact = False
                continue
            item.patched = item.patched.after(patched)
            item.changed_by.append(index)
    for item in tracked:
        key = schema_key(item.unpatched)
        if not item.exact or not item.changed_by or chosen.get(key) == UNCHECKED:
            continue
        document = item.patched.document
        validator = (
            custom_validator(key)
            if key in chosen
            else schemas.validator(version, str(item.unpatched.get("apiVersion")), str(item.unpatched.get("kind")))
        )
        if validator is None:
            continue
        had = {(finding.path, finding.message) for finding in _findings(validator, item.unpatched)}
        for finding in _findings(validator, document):
            if (finding.path, finding.message) not in had:
                problems.append(_problem(item.unpatched, item.changed_by[-1], finding, False, origin, environment_file))
    return problems


def _findings(validator: Validator, document: dict[str, Any]) -> list[Finding]:
    """The findings of a whole object; none where an objectSchemas file's references cannot be followed, which
    object-schema reports."""
    from referencing.exceptions import Unresolvable

    try:
        return findings(validator, document)
    except (Unresolvable, RecursionError):
        return []


def _written(value: Any) -> Any:
    """What a strategic-merge patch writes: without its directives and the nulls that remove fields."""
    if isinstance(value, dict):
        return {
            key: _written(item)
            for key, item in value.items()
            if item is not None and not (isinstance(key, str) and key.startswith(DIRECTIVES))
        }
    if isinstance(value, list):
        return [_written(item) for item in value]
    return value


def _problem(
    document: dict[str, Any], index: int, finding: Finding, in_body: bool, origin: Origin, environment_file: Path
) -> Problem:
    """A finding of the object `document` names, located in the patch: at the value a strategic-merge patch
    writes (`in_body`), else at the patch."""
    kind, name = object_identity(document)
    at = ("patches", index, "patch", *finding.path) if in_body else ("patches", index, "patch")
    return Problem(
        locate(origin, at, at_key=finding.at_key and in_body),
        at,
        f"{kind} {name} after patches[{index}], {format_path(finding.path)}: {finding.message}",
        finding.hint or SHAPE_HINT,
        file=environment_file,
        rule=OBJECT_SCHEMA.id,
    )
