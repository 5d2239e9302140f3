"""Every Kustomize patch of an environment (`patches:`) applies to at least one object of its overlay.

Kustomize skips a patch whose target matches nothing without a word, so a typo in a name, or an object that
was renamed or removed, would silently drop the change it carries. The targets are matched as kustomize
matches them (api/types/selector.go, SelectorRegex): group, version, kind and name are regular expressions that
must match in full; labelSelector and annotationSelector are Kubernetes label selectors. A strategic-merge
patch without a target applies to the object of its own kind and metadata.name.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from generator.checks import PATCH_TARGET
from generator.errors import Problem, format_path
from generator.files import RenderedFile
from generator.input.schema_check import Finding
from generator.source import Origin, locate

# One term of a label selector: key, key=value, key==value, key!=value, !key, key in (a,b), key notin (a,b)
_SET_TERM = re.compile(r"^\s*([^\s!=(),]+)\s+(in|notin)\s+\(([^)]*)\)\s*$")
_TERM = re.compile(r"^\s*(!?)([^\s!=(),]+)\s*(?:(==|=|!=)\s*([^\s,]*))?\s*$")


def patch_target_problems(
    files: Iterable[RenderedFile], data: dict[str, Any], origin: Origin, environment_file: Path, environment: str
) -> list[Problem]:
    overlay = _overlay(files, environment)
    problems = []
    for index, patch in enumerate(data.get("patches", [])):
        if patch.get("target") is None and not isinstance(patch["patch"], dict):
            continue  # a JSON 6902 patch without a target is an error of its own (json-patch-target)
        matching = _targets(patch, overlay)
        if matching:
            continue
        at = ("patches", index, "target") if "target" in patch else ("patches", index)
        available = ", ".join(f"{document['kind']}/{document['metadata']['name']}" for document in overlay)
        problems.append(
            Problem(
                locate(origin, at),
                at,
                "the patch matches no object of the overlay, so Kustomize would drop it without a word",
                f"the overlay holds {available}; kind and name are regular expressions that must match in full",
                file=environment_file,
                rule=PATCH_TARGET.id,
            )
        )
    return problems


def selects(target: Mapping[str, Any], document: Mapping[str, Any]) -> bool:
    group, _, version = str(document.get("apiVersion", "")).rpartition("/")
    metadata = document.get("metadata", {})
    values = {"group": group, "version": version, "kind": document.get("kind", ""), "name": metadata.get("name", "")}
    for field, value in values.items():
        pattern = target.get(field)
        if pattern and not re.fullmatch(str(pattern), str(value)):
            return False
    if target.get("labelSelector") and not label_selector_matches(
        target["labelSelector"], metadata.get("labels") or {}
    ):
        return False
    annotations = metadata.get("annotations") or {}
    return not (
        target.get("annotationSelector") and not label_selector_matches(target["annotationSelector"], annotations)
    )


def label_selector_matches(selector: str, labels: Mapping[str, str]) -> bool:
    """A Kubernetes label selector (k8s.io/apimachinery labels.Parse), its terms joined by commas."""
    for term in _split_terms(selector):
        if match := _SET_TERM.match(term):
            key, operator, listed = match.groups()
            options = {value.strip() for value in listed.split(",")}
            if (operator == "in") != (key in labels and labels[key] in options):
                return False
            continue
        match = _TERM.match(term)
        if match is None:
            return False
        negated, key, operator, value = match.groups()
        if operator is None:
            if bool(negated) == (key in labels):
                return False
        elif (operator == "!=") == (labels.get(key) == value):
            return False
    return True


def _split_terms(selector: str) -> list[str]:
    """Commas separate terms except inside the parentheses of `in (...)`."""
    terms, depth, current = [], 0, ""
    for character in selector:
        depth += character == "("
        depth -= character == ")"
        if character == "," and depth == 0:
            terms.append(current)
            current = ""
        else:
            current += character
    return [term for term in [*terms, current] if term.strip()]


class PatchFailure(Exception):
    """A patch that kustomize could not apply: `kustomize build` fails, and so would the sync."""


MERGE_HINT = (
    "kustomize merges a patch into a Ray object as a JSON merge patch, replacing lists whole: write the whole "
    "list, use a JSON patch, or the item's `spec` field, which merges named items"
)
# Strategic-merge directives: their meaning for a custom resource depends on kustomize internals this module
# does not reproduce, so an object they touch is not checked after patching.
DIRECTIVES = ("$patch", "$setElementOrder", "$deleteFromPrimitiveList", "$retainKeys")


def apply_patch(document: dict[str, Any], patch: Any) -> dict[str, Any] | None:
    """`document` with one patch applied as kustomize applies it to a custom resource, or None when the patch
    uses strategic-merge directives. A mapping is a strategic-merge patch, which for a kind without an OpenAPI
    schema in kustomize is a JSON merge patch (RFC 7386: mappings merge, lists and scalars replace, null
    removes; `kubectl kustomize` does so for the Ray kinds, tests/test_patch_targets.py); a list is a JSON
    patch (RFC 6902). Raises PatchFailure where kustomize fails the build."""
    if isinstance(patch, dict):
        if _has_directive(patch):
            return None
        body = {key: value for key, value in patch.items() if key not in ("apiVersion", "kind")}
        merged: dict[str, Any] = merge_patch(document, body)
        return merged
    result: dict[str, Any] = json.loads(json.dumps(document))
    for operation in patch:
        result = _json_patch_operation(result, operation)
    return result


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386."""
    if not isinstance(patch, dict):
        return patch
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def _has_directive(value: Any) -> bool:
    if isinstance(value, dict):
        return any(key.startswith(DIRECTIVES) for key in value) or any(_has_directive(item) for item in value.values())
    if isinstance(value, list):
        return any(_has_directive(item) for item in value)
    return False


def _pointer(path: str) -> list[str]:
    if path == "":
        return []
    if not path.startswith("/"):
        raise PatchFailure(f"the path {path!r} is not a JSON pointer (it starts with /)")
    return [part.replace("~1", "/").replace("~0", "~") for part in path[1:].split("/")]


def _index(items: list[Any], part: str, *, appending: bool = False) -> int | None:
    """A list index of a JSON pointer as kustomize reads it: negative ones count from the end
    (SupportNegativeIndices), `-` is the end when adding; None when it is not one of the list."""
    if part == "-" and appending:
        return len(items)
    try:
        index = int(part)
    except ValueError:
        return None
    if index < 0:
        index += len(items)
    return index if 0 <= index < len(items) + (1 if appending else 0) else None


def _parent(document: Any, parts: list[str], path: str) -> Any:
    node = document
    for part in parts[:-1]:
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and (index := _index(node, part)) is not None:
            node = node[index]
        else:
            raise PatchFailure(f"{path}: {part} does not exist")
    return node


def _same(left: Any, right: Any) -> bool:
    """JSON equality: true is not 1, and 1 is 1.0 (as JSON numbers are compared)."""
    if isinstance(left, bool) or isinstance(right, bool):
        return type(left) is type(right) and left == right
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(_same(left[key], right[key]) for key in left)
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(_same(a, b) for a, b in zip(left, right, strict=True))
    return bool(left == right)


def _json_patch_operation(document: dict[str, Any], operation: Mapping[str, Any]) -> dict[str, Any]:
    op, path = operation.get("op"), str(operation.get("path", ""))
    if op in ("move", "copy"):
        value = _get(document, str(operation.get("from", "")))
        if op == "move":
            document = _json_patch_operation(document, {"op": "remove", "path": operation.get("from", "")})
        return _json_patch_operation(document, {"op": "add", "path": path, "value": value})
    if op == "test":
        if not _same(_get(document, path), operation.get("value")):
            raise PatchFailure(f"test {path}: the value differs")
        return document
    parts = _pointer(path)
    if not parts:
        raise PatchFailure("a JSON patch cannot replace the whole object")
    parent, last = _parent(document, parts, path), parts[-1]
    value = json.loads(json.dumps(operation.get("value")))
    if isinstance(parent, dict):
        # kustomize's JSON patch replaces a missing key of an existing mapping as add would; remove fails
        if op == "remove" and last not in parent:
            raise PatchFailure(f"{op} {path}: {last} does not exist")
        if op == "remove":
            del parent[last]
        elif op in ("add", "replace"):
            parent[last] = value
        else:
            raise PatchFailure(f"unknown JSON patch operation {op!r}")
    elif isinstance(parent, list):
        index = _index(parent, last, appending=op == "add")
        if index is None:
            raise PatchFailure(f"{op} {path}: index {last} is out of range")
        if op == "add":
            parent.insert(index, value)
        elif op == "remove":
            del parent[index]
        elif op == "replace":
            parent[index] = value
        else:
            raise PatchFailure(f"unknown JSON patch operation {op!r}")
    else:
        raise PatchFailure(f"{op} {path}: the parent is not an object or a list")
    return document


def _get(document: Any, path: str) -> Any:
    parts = _pointer(path)
    if not parts:
        return document
    parent, last = _parent(document, parts, path), parts[-1]
    if isinstance(parent, dict) and last in parent:
        return parent[last]
    if isinstance(parent, list) and (index := _index(parent, last)) is not None:
        return parent[index]
    raise PatchFailure(f"{path} does not exist")


def patched_object_problems(
    files: Iterable[RenderedFile],
    data: dict[str, Any],
    origin: Origin,
    environment_file: Path,
    environment: str,
    check: Callable[[dict[str, Any]], list[tuple[str, Finding]]],
    rules: Callable[[dict[str, Any], dict[str, Any]], list[Problem]] | None = None,
) -> list[Problem]:
    """The Ray objects of the overlay as `kubectl kustomize` builds them, after every patch, checked with
    `check` (the CRD schema and CEL rules of the release: the findings the unpatched object has not) and, once
    both are schema-valid, with `rules` (the problems the patched object has and the unpatched one has not);
    problems point at the last patch that changed the object, and at a patch kustomize could not apply."""
    patches = data.get("patches", [])
    if not patches:
        return []
    objects = {_identity(document): document for document in _overlay(files, environment) if _is_ray(document)}
    unpatched = dict(objects)
    changed_by: dict[tuple[str, str], list[int]] = {}
    problems: list[Problem] = []

    def problem(index: int, message: str, hint: str | None, rule: str) -> Problem:
        at = ("patches", index, "patch")
        return Problem(locate(origin, at), at, message, hint, file=environment_file, rule=rule)

    for index, entry in enumerate(patches):
        for document in _targets(entry, list(objects.values())):
            identity = _identity(document)
            if identity not in objects:
                continue
            try:
                patched = apply_patch(objects[identity], entry["patch"])
            except PatchFailure as failure:
                kind, name = identity
                message = f"the patch cannot apply to {kind} {name}, so kustomize build fails: {failure}"
                problems.append(problem(index, message, "fix the path or the target", PATCH_TARGET.id))
                continue  # the object stays as the patches before this one left it
            if patched is None:  # strategic-merge directives: not reproduced here, so not checked
                objects.pop(identity)
                changed_by.pop(identity, None)
                continue
            objects[identity] = patched
            changed_by.setdefault(identity, []).append(index)
    for identity, indices in changed_by.items():
        if identity not in objects:
            continue
        kind, name = identity
        which = ", ".join(f"patches[{index}]" for index in indices)
        merged = any(isinstance(patches[index]["patch"], dict) for index in indices)
        found, before = check(objects[identity]), check(unpatched[identity])
        # what the object had before the patches is reported where it is written (the file's own check)
        had = {(rule, finding.path, finding.message) for rule, finding in before}
        for rule, finding in found:
            if (rule, finding.path, finding.message) in had:
                continue
            message = f"{kind} {name} after {which}, {format_path(finding.path)}: {finding.message}"
            hint = finding.hint or (MERGE_HINT if merged else None)
            problems.append(problem(indices[-1], message, hint, rule))
        # the rules read both objects back into environment items, which only a schema-valid object makes
        if rules is not None and not found and not before:
            for new in rules(unpatched[identity], objects[identity]):
                problems.append(problem(indices[-1], f"{kind} {name} after {which}: {new.message}", new.hint, new.rule))
    return problems


def _overlay(files: Iterable[RenderedFile], environment: str) -> list[dict[str, Any]]:
    return [
        document
        for file in files
        if file.path.parts[:2] == (environment, "workloads") and file.path.name != "kustomization.yaml"
        for document in file.documents
        if isinstance(document, dict)
    ]


def _targets(entry: Mapping[str, Any], documents: list[dict[str, Any]]) -> list[dict[str, Any]]:
    target = entry.get("target")
    if target is not None:
        return [document for document in documents if selects(target, document)]
    body = entry["patch"]
    if not isinstance(body, dict):
        return []
    kind, name = str(body.get("kind", "")), str(body.get("metadata", {}).get("name", ""))
    return [document for document in documents if _identity(document) == (kind, name)]


def _identity(document: Mapping[str, Any]) -> tuple[str, str]:
    return str(document.get("kind", "")), str(document.get("metadata", {}).get("name", ""))


def _is_ray(document: Mapping[str, Any]) -> bool:
    return str(document.get("apiVersion", "")).startswith("ray.io/")
