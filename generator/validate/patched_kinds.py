"""The patches of the overlay's objects other than the Ray kinds (patches.py checks those), against the schema
of each object's kind: the OpenAPI schema of target.kubernetesVersion for a Kubernetes kind, the JSON Schema
that `objectSchemas` names for another (or for a Kubernetes kind it names).

Kustomize merges a strategic-merge patch into an object of a Kubernetes kind by the kind's OpenAPI schema (lists
by their patch merge key); a value of another node kind than the one it replaces fails the build (patches.py
`merge_patch`, reported as patch-target), and a value of the wrong type that it merges is the API server's to
refuse. The merged object is not reproduced here: what the patch writes is checked against the kind's schema
instead, every field optional (a patch writes part of an object) and without counts of items (merged into the
object's), leaving out its apiVersion, kind, name and namespace (kustomize sets them back), its nulls (which
remove a field) and the directives kustomize carries out ($patch: replace, merge, delete; it leaves
$setElementOrder, $retainKeys and $deleteFromPrimitiveList in the object, where the schema refuses them). A JSON
patch is applied as kustomize applies it (RFC 6902, patches.py `apply_patch`), and so is a strategic-merge patch
of a kind kustomize has no schema of, which it merges as a JSON merge patch: the object is then checked whole,
once every patch has changed it, and what it lacked before the patches is reported at the last patch that
changed it. A mapping the patch writes whole (one the object has not, or one it replaces with `$patch: replace`)
must hold the fields the schema requires; a list item is taken as part of an item, as merging by its key makes
it (a new item, or a list without a merge key, which the patch replaces, is not checked for them). An object
merged by its kind's schema is not known exactly afterwards: a JSON patch after such a merge is not checked
whole.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from generator.checks import OBJECT_SCHEMA
from generator.errors import DocPath, Problem, format_path
from generator.files import RenderedFile
from generator.input.schema_check import Finding, findings
from generator.model.build import UNCHECKED
from generator.source import Origin, locate
from generator.validate.kubernetes import KubernetesSchemas, schema_key, unknown_version_problem, user_validator
from generator.validate.patches import (
    Patched,
    PatchFailure,
    added_findings,
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
# the values of $patch that kustomize's strategic merge carries out
CARRIED_OUT = ("replace", "merge", "delete")


@dataclass
class _Tracked:
    """An object of the overlay other than the Ray kinds, as the patches so far left it."""

    patched: Patched
    unpatched: dict[str, Any]
    # whether `patched` is the object kustomize builds: not after a strategic-merge patch of a kind it merges by
    # its schema, or one with directives
    exact: bool = True
    changed_by: list[int] = field(default_factory=list)  # the patches that changed it, in order


def merged_by_schema(schemas: KubernetesSchemas, version: str) -> Callable[[Mapping[str, Any]], bool]:
    """Whether kustomize merges a strategic-merge patch into `document` by the OpenAPI schema of its kind, as it
    does for the kinds of the Kubernetes API (not the Ray kinds, nor others of a CRD, which it merges as a JSON
    merge patch, patches.py `merge_patch`)."""

    def merged(document: Mapping[str, Any]) -> bool:
        if is_ray_object(document) or version not in schemas.versions:
            return False
        return schemas.validator(version, str(document.get("apiVersion")), str(document.get("kind"))) is not None

    return merged


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
    if not patches:
        return []
    chosen = data.get("objectSchemas", {})
    tracked = [
        _Tracked(Patched((object_identity(document)[1],), document), document)
        for document in overlay_documents(files, environment)
        if not is_ray_object(document)
    ]
    by_schema = merged_by_schema(schemas, version)
    # each objectSchemas file, whole and in part, read once (object-schema says what makes one unreadable)
    users: dict[tuple[str, bool], Validator | None] = {}

    def validator(document: Mapping[str, Any], *, part: bool) -> Validator | None:
        key = schema_key(document)
        if key in chosen:
            if (key, part) not in users:
                users[key, part] = user_validator(environment_file, chosen[key], key, origin, part=part)[0]
            return users[key, part]
        api_version, kind = str(document.get("apiVersion")), str(document.get("kind"))
        return (schemas.part_validator if part else schemas.validator)(version, api_version, kind)

    def whole_problems(item: _Tracked) -> list[Problem]:
        """What the object, as the patches so far left it, has that it had not before them."""
        if not item.exact or not item.changed_by or chosen.get(schema_key(item.unpatched)) == UNCHECKED:
            return []
        whole = validator(item.unpatched, part=False)
        if whole is None:
            return []
        before = [("", finding) for finding in _findings(whole, item.unpatched)]
        after = [("", finding) for finding in _findings(whole, item.patched.document)]
        return [
            _problem(item.unpatched, item.changed_by[-1], finding, False, origin, environment_file)
            for _rule, finding in added_findings(before, after)
        ]

    problems: list[Problem] = []
    for index, entry in enumerate(patches):
        if not matchable(entry):
            continue
        body = entry["patch"]
        for position in patch_targets(entry, [item.patched for item in tracked]):
            item = tracked[position]
            if version not in schemas.versions:
                return [unknown_version_problem(version, schemas, origin, environment_file)]
            document = item.patched.document
            unchecked = chosen.get(schema_key(document)) == UNCHECKED
            try:
                patched = apply_patch(document, body)
            except PatchFailure:  # patch_target_problems reports it; the object stays as it was
                continue
            if isinstance(body, dict) and (patched is None or by_schema(document)):
                # merged by the kind's schema, or with directives: what the patch writes is checked, not the object,
                # which is checked whole as the patches before left it, while it is known
                if not unchecked:
                    problems += whole_problems(item)
                    found = _written_findings(body, document, validator)
                    problems += [
                        _problem(document, index, finding, True, origin, environment_file) for finding in found
                    ]
                item.exact = False
            if patched is not None:  # the metadata as merged, for the patches after it to match
                item.patched = item.patched.after(patched)
                item.changed_by.append(index)

    for item in tracked:
        problems += whole_problems(item)
    return problems


def _written_findings(
    body: dict[str, Any], document: dict[str, Any], validator: Callable[..., Validator | None]
) -> list[Finding]:
    """What the schema of `document`'s kind refuses in what a strategic-merge patch writes into it: every field
    optional, but those of a mapping the patch writes whole (one the object has not, or one it replaces with
    `$patch: replace`), which must hold what the schema requires. A list item, which merges by its key or
    replaces the list, is taken as part of an item."""
    written = _written(body)
    part = validator(document, part=True)
    found = findings(part, written) if part is not None else []
    whole = validator(document, part=False)
    if whole is None:
        return found
    replaced = _replaced_paths(body)
    found += [
        finding
        for finding in findings(whole, written)
        if finding.kind == "required" and _written_whole(finding.path, document, replaced)
    ]
    return found


def _replaced_paths(value: Any, path: tuple[str | int, ...] = ()) -> set[tuple[str | int, ...]]:
    """The paths of the mappings of a patch that replace the object's (`$patch: replace`)."""
    found: set[tuple[str | int, ...]] = set()
    if isinstance(value, dict):
        if value.get("$patch") == "replace":
            found.add(path)
        for key, item in value.items():
            found |= _replaced_paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found |= _replaced_paths(item, (*path, index))
    return found


def _written_whole(path: DocPath, document: Any, replaced: set[tuple[str | int, ...]]) -> bool:
    """Whether the mapping at `path` of a patch is written whole into `document`: it, or a mapping above it but
    below every list, is one the object has not, or one the patch replaces."""
    node = document
    for depth, part in enumerate(path):
        if path[:depth] in replaced:
            return True
        if isinstance(part, int):
            return False  # merged into a list by its key, or replacing it: not known here
        if not isinstance(node, dict) or part not in node:
            return True
        node = node[part]
    return path in replaced


def _findings(validator: Validator, document: dict[str, Any]) -> list[Finding]:
    """The findings of a whole object; none where an objectSchemas file's references cannot be followed, which
    object-schema reports."""
    from referencing.exceptions import Unresolvable

    try:
        return findings(validator, document)
    except (Unresolvable, RecursionError):
        return []


def _written(body: dict[str, Any]) -> dict[str, Any]:
    """What a strategic-merge patch writes into its object: not its apiVersion, kind, name and namespace, which
    kustomize sets back (a patch whose target selects several kinds names one of them), nor the nulls that remove
    fields, nor the directives kustomize carries out ($patch: replace, merge or delete; it leaves the others in
    the object, where the schema refuses them)."""
    written = {key: value for key, value in body.items() if key not in ("apiVersion", "kind")}
    metadata = written.get("metadata")
    if isinstance(metadata, dict):
        written["metadata"] = {key: value for key, value in metadata.items() if key not in ("name", "namespace")}
    return cast(dict[str, Any], _without_directives(written))


def _without_directives(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            key: _without_directives(item)
            for key, item in value.items()
            if item is not None and not (key == "$patch" and item in CARRIED_OUT)
        }
    if isinstance(value, list):
        return [_without_directives(item) for item in value]
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
