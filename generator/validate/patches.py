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
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator.checks import CRD_SCHEMA, PATCH_TARGET
from generator.errors import DocPath, Problem, format_path
from generator.files import RenderedFile
from generator.input.schema_check import Finding
from generator.output.serialize import scalar_text, written_plain
from generator.rules.names import RAY_OBJECT_NAME, ray_object_name_problem
from generator.rules.objects import cluster_scoped
from generator.source import Origin, locate
from generator.validate import go_regexp

# the fields of a patch's target that kustomize reads as regular expressions (types.NewSelectorRegex)
_PATTERN_FIELDS = ("group", "version", "kind", "name")
# the fields of a patch's target that kustomize reads as label selectors (labels.Parse)
_SELECTOR_FIELDS = ("labelSelector", "annotationSelector")
# what Go's strconv.Atoi reads as a number (Python's int() takes spaces and underscores too)
_GO_INTEGER = re.compile(r"[+-]?[0-9]+")


def patch_target_problems(
    files: Iterable[RenderedFile],
    data: dict[str, Any],
    origin: Origin,
    environment_file: Path,
    environment: str,
    merged_by_schema: Callable[[Mapping[str, Any]], bool],
) -> list[Problem]:
    """The patches that match nothing, or that kustomize cannot apply. `merged_by_schema` tells the objects into
    which kustomize merges a strategic-merge patch by their kind's schema (patched_kinds.py): such an object is
    not known exactly afterwards (its lists merge by key), so a JSON patch that cannot apply to what is modelled
    of it may apply to what kustomize built, and is not reported."""
    overlay = [Patched((object_identity(document)[1],), document) for document in overlay_documents(files, environment)]
    problems: list[Problem] = []
    renamed_by: dict[int, int] = {}  # an object's position -> the patch that last renamed it
    inexact: set[int] = set()  # the positions of objects merged by their kind's schema
    for index, patch in enumerate(data.get("patches", [])):
        unreadable = _unreadable_target(patch.get("target") or {})
        if unreadable:
            problems.extend(
                Problem(
                    locate(origin, ("patches", index, "target", field)),
                    ("patches", index, "target", field),
                    message,
                    hint,
                    file=environment_file,
                    rule=PATCH_TARGET.id,
                )
                for field, message, hint in unreadable
            )
            continue
        if not matchable(patch):  # a JSON patch without a target (json-patch-target), or patterns RE2 is unsure of
            continue
        matching = patch_targets(patch, overlay)
        if matching:
            # a patch may rename or relabel an object for the next; only the metadata matters here, which a JSON
            # merge patch merges as a strategic-merge one does
            for position in matching:
                before = overlay[position]
                try:
                    patched = apply_patch(before.document, patch["patch"])
                except PatchFailure as failure:  # the Ray kinds' are reported by patched_object_problems
                    if not is_ray_object(before.document) and position not in inexact:
                        problems.append(_unappliable(before.document, failure, index, origin, environment_file))
                    continue
                if isinstance(patch["patch"], dict) and merged_by_schema(before.document):
                    inexact.add(position)
                if patched is not None:  # strategic-merge directives: not reproduced here
                    overlay[position] = before.after(patched)
                if overlay[position].names != before.names:
                    renamed_by[position] = index
            continue
        at = ("patches", index, "target") if "target" in patch else ("patches", index)
        available = ", ".join(f"{item.document['kind']}/{object_identity(item.document)[1]}" for item in overlay)
        problems.append(
            Problem(
                locate(origin, at),
                at,
                # a patch without a target fails the build (PatchTransformer.go:117-121 at api/v0.21.1)
                "the patch matches no object of the overlay, so Kustomize would drop it without a word"
                if "target" in patch
                else "the patch names no object of the overlay, so kustomize build fails",
                f"the overlay holds {available}; "
                + (
                    "kind and name are regular expressions that must match in full"
                    if "target" in patch
                    else "a patch without a target names its object by apiVersion, kind, metadata.name and "
                    "namespace, exactly"
                ),
                file=environment_file,
                rule=PATCH_TARGET.id,
            )
        )
    return problems + _collisions(overlay, renamed_by, origin, environment_file)


def _collisions(
    overlay: list[Patched], renamed_by: dict[int, int], origin: Origin, environment_file: Path
) -> list[Problem]:
    """Objects a patch gave the identity of another: kustomize build fails (its namespace transformation finds
    the two, "namespace transformation produces ID conflict", api/internal/builtins/NamespaceTransformer.go:68-72
    at api/v0.21.1)."""
    problems = []
    seen: dict[tuple[str, str, str], int] = {}
    for position, item in enumerate(overlay):
        key = (str(item.document.get("apiVersion", "")), *object_identity(item.document))
        first = seen.setdefault(key, position)
        renamed = position if position in renamed_by else first if first in renamed_by else None
        if first == position or renamed is None:
            continue
        at = ("patches", renamed_by[renamed], "patch")
        _api, kind, name = key
        problems.append(
            Problem(
                locate(origin, at),
                at,
                f"the patch renames {kind} {overlay[renamed].names[0]} to {name}, the name of another {kind} of the "
                "overlay, so kustomize build fails (namespace transformation produces ID conflict)",
                "give it a name no other object of the overlay has",
                file=environment_file,
                rule=PATCH_TARGET.id,
            )
        )
    return problems


@dataclass(frozen=True)
class Patched:
    """An object of the overlay as the patches so far left it, and each name it had, the first it was read with
    and the current one last. Kustomize matches a patch's target name against the first and the current
    (Select, api/resmap/reswrangler.go:649-654 at api/v0.21.1) and a strategic-merge patch without a target
    against every one (GetById, :216-218, which asks each previous id: each JSON patch stores one,
    api/internal/builtins/PatchTransformer.go:138); the rest of a target against the object as it is."""

    names: tuple[str, ...]
    document: dict[str, Any]

    def after(self, document: dict[str, Any]) -> Patched:
        name = object_identity(document)[1]
        return Patched(self.names if name == self.names[-1] else (*self.names, name), document)


def _unappliable(
    document: dict[str, Any], failure: PatchFailure, index: int, origin: Origin, environment_file: Path
) -> Problem:
    """A patch kustomize cannot apply to `document`: a JSON patch, or a strategic-merge patch of another node kind
    than what it replaces (`merge_patch`); the build fails."""
    kind, name = object_identity(document)
    at: DocPath = ("patches", index, "patch", *failure.at)
    return Problem(
        locate(origin, at),
        at,
        f"the patch cannot apply to {kind} {name}, so kustomize build fails: {failure}",
        failure.hint or "fix the path or the target",
        file=environment_file,
        rule=PATCH_TARGET.id,
    )


def selects(target: Mapping[str, Any], document: Mapping[str, Any], first_name: str | None = None) -> bool:
    """Whether a patch's `target` selects `document`, whose name may also be matched as `first_name`, the name
    it was read with before a patch renamed it. A pattern that is no regular expression selects nothing
    (`patch_target_problems` reports it)."""
    group, _, version = str(document.get("apiVersion", "")).rpartition("/")
    metadata = document.get("metadata")
    metadata = metadata if isinstance(metadata, dict) else {}
    values = {"group": group, "version": version, "kind": document.get("kind", "")}
    for field, value in values.items():
        pattern = target.get(field)
        if pattern and not go_regexp.full_match(str(pattern), str(value)):
            return False
    pattern = target.get("name")
    names = {str(metadata.get("name", "")), *([first_name] if first_name is not None else [])}
    if pattern and not any(go_regexp.full_match(str(pattern), name) for name in names):
        return False
    labels, annotations = metadata.get("labels"), metadata.get("annotations")
    if target.get("labelSelector") and not label_selector_matches(
        target["labelSelector"], labels if isinstance(labels, dict) else {}
    ):
        return False
    return not (
        target.get("annotationSelector")
        and not label_selector_matches(
            target["annotationSelector"], annotations if isinstance(annotations, dict) else {}
        )
    )


def matchable(entry: Mapping[str, Any]) -> bool:
    """Whether the objects a `patches` entry patches can be told here: a JSON patch needs a target (an error of
    its own, json-patch-target, without), a target must be one kustomize reads (patch_target_problems reports one
    it cannot) and one whose patterns RE2 is sure of."""
    target = entry.get("target")
    if target is None:
        return isinstance(entry["patch"], dict)
    return not _unreadable_target(target) and not _unsure_patterns(target)


def _unsure_patterns(target: Mapping[str, Any]) -> bool:
    """Whether a pattern of `target` names a Unicode class that a newer Go may know and RE2 does not."""
    return any(isinstance(target.get(field), str) and go_regexp.unsure(target[field]) for field in _PATTERN_FIELDS)


def _unreadable_target(target: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """(field, message, hint) of each field of a patch's `target` that kustomize cannot read, so that it fails the
    build: a pattern Go's regexp refuses (generator/validate/go_regexp.py), else a selector labels.Parse refuses."""
    patterns = [
        (
            field,
            f"{pattern!r} is not a Go regular expression, so kustomize build fails: {error}",
            "write it in Go's syntax (RE2: no lookarounds, backreferences or possessive quantifiers), and escape the "
            "characters that have a meaning in a regular expression",
        )
        for field in _PATTERN_FIELDS
        if isinstance(pattern := target.get(field), str) and (error := go_regexp.refusal(pattern)) is not None
    ]
    return patterns or [
        (
            field,
            f"{selector!r} is not a label selector, so kustomize build fails: {why}",
            "write terms such as key=value, key!=value, key in (a,b), key notin (a,b), key, !key, key>1 or key<1, "
            "separated by commas",
        )
        for field in _SELECTOR_FIELDS
        if isinstance(selector := target.get(field), str) and (why := selector_problem(selector)) is not None
    ]


def label_selector_matches(selector: str, labels: Mapping[str, str]) -> bool:
    """Whether `labels` meet a Kubernetes label selector (k8s.io/apimachinery labels.Parse and Matches); a selector
    that does not parse selects nothing (`selector_problem` says why kustomize fails on it)."""
    requirements = _parsed_selector(selector)
    if isinstance(requirements, str):
        return False
    return all(_meets(requirement, labels) for requirement in requirements)


def selector_problem(selector: str) -> str | None:
    """Why labels.Parse refuses `selector` (and kustomize fails the build), or None."""
    parsed = _parsed_selector(selector)
    return parsed if isinstance(parsed, str) else None


# key, operator, values: exists, !, =, ==, !=, in, notin, gt, lt
_Requirement = tuple[str, str, tuple[str, ...]]
# the lexer of labels.Parse: its operators and parentheses, else a run of other characters (an identifier)
_SELECTOR_TOKEN = re.compile(r"\s*(!=|==|=|!|\(|\)|,|>|<|[^\s!=(),<>]+)")
_LABEL_KEY = re.compile(
    r"([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?"
)
_LABEL_VALUE = re.compile(r"(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?")
_OPERATORS = {"=", "==", "!=", "in", "notin", ">", "<"}


def _parsed_selector(selector: str) -> list[_Requirement] | str:
    """The requirements of a selector, as labels.Parse reads them, or why it refuses it."""
    tokens = _SELECTOR_TOKEN.findall(selector)
    if "".join(tokens) != "".join(selector.split()):
        return "it holds characters a selector does not"
    requirements: list[_Requirement] = []
    position = 0

    def take() -> str:
        nonlocal position
        token = tokens[position] if position < len(tokens) else ""
        position += 1
        return token

    def peek() -> str:
        return tokens[position] if position < len(tokens) else ""

    while position < len(tokens):
        first = take()
        negated = first == "!"
        key = take() if negated else first
        if not _identifier(key) or not _label_key(key):
            return f"found {key!r}, expected: a label key"
        if negated or peek() in ("", ","):
            requirements.append((key, "!" if negated else "exists", ()))
        else:
            operator = take()
            if operator not in _OPERATORS:
                return f"found {operator!r}, expected: an operator after {key}"
            if operator in ("in", "notin"):
                if take() != "(":
                    return f"expected '(' after {operator}"
                values: list[str] = []
                while peek() != ")":
                    value = take() if _identifier(peek()) else ""
                    if not _LABEL_VALUE.fullmatch(value) or len(value) > 63:
                        return f"{value!r} is not a label value"
                    values.append(value)
                    if peek() == ",":
                        take()
                    elif peek() != ")":
                        return f"found {peek()!r}, expected: ',' or ')'"
                take()
                requirements.append((key, operator, tuple(values)))
            else:
                value = take() if _identifier(peek()) else ""
                if operator in (">", "<") and _GO_INTEGER.fullmatch(value) is None:
                    return f"{value!r} is not an integer, which {operator} compares with"
                if operator not in (">", "<") and (not _LABEL_VALUE.fullmatch(value) or len(value) > 63):
                    return f"{value!r} is not a label value"
                requirements.append((key, operator, (value,)))
        if position < len(tokens):
            if take() != ",":
                return f"found {tokens[position - 1]!r}, expected: ','"
            if position == len(tokens) or peek() == ",":
                return "found '', expected: identifier after ','"
    return requirements


def _identifier(token: str) -> bool:
    return bool(token) and token not in ("!=", "==", "=", "!", "(", ")", ",", ">", "<")


def _label_key(key: str) -> bool:
    prefix, _, name = key.rpartition("/")
    return _LABEL_KEY.fullmatch(key) is not None and len(name) <= 63 and len(prefix) <= 253


def _meets(requirement: _Requirement, labels: Mapping[str, str]) -> bool:
    """Requirement.Matches of labels/selector.go: a missing key meets `!=`, `notin` and `!`, nothing else."""
    key, operator, values = requirement
    if operator == "exists":
        return key in labels
    if operator == "!":
        return key not in labels
    if operator in ("=", "==", "in"):
        return key in labels and labels[key] in values
    if operator in ("!=", "notin"):
        return key not in labels or labels[key] not in values
    found = labels.get(key)
    if found is None or _GO_INTEGER.fullmatch(str(found)) is None:
        return False
    return int(found) > int(values[0]) if operator == ">" else int(found) < int(values[0])


class PatchFailure(Exception):
    """A patch that kustomize could not apply: `kustomize build` fails, and so would the sync. `at`: where in a
    strategic-merge patch the value is that cannot merge, and `hint` how to write it."""

    def __init__(self, message: str, at: tuple[str, ...] = (), hint: str | None = None) -> None:
        super().__init__(message)
        self.at = at
        self.hint = hint


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
        return _same_identity(merge_patch(document, body), document)
    result: dict[str, Any] = json.loads(json.dumps(document))
    for operation in patch:
        result = _json_patch_operation(result, operation)
    return result


def built_document(
    document: dict[str, Any], patches: Iterable[tuple[Mapping[str, Any] | None, Any]]
) -> dict[str, Any] | None:
    """`document` as kustomize builds it: after each of `patches` (target, patch) that targets it, in order, each
    matched against the document as the patches before it left it. None when a patch that targets it uses
    strategic-merge directives (not reproduced here) or cannot apply (kustomize build then fails, as
    patched_object_problems reports)."""
    item = Patched((object_identity(document)[1],), document)
    for target, body in patches:
        entry = {"patch": body} if target is None else {"target": target, "patch": body}
        if not patch_targets(entry, [item]):
            continue
        try:
            patched = apply_patch(item.document, body)
        except PatchFailure:
            return None
        if patched is None:
            return None
        item = item.after(patched)
    return item.document


def _same_identity(merged: dict[str, Any], document: dict[str, Any]) -> dict[str, Any]:
    """`merged` with the name and namespace of `document`: a strategic-merge patch renames nothing in kustomize,
    which sets them back after merging (Resource.ApplySmPatch, api/resource/resource.go:495-516 at api/v0.21.1,
    but with a patch's allowNameChange option, which `patches` has not)."""
    original = document.get("metadata")
    original = original if isinstance(original, dict) else {}
    metadata = merged.get("metadata")
    metadata = dict(metadata) if isinstance(metadata, dict) else {}
    for key in ("name", "namespace"):
        if key in original:
            metadata[key] = original[key]
        else:
            metadata.pop(key, None)
    return {**merged, "metadata": metadata}


def merge_patch(target: Any, patch: Any, path: tuple[str, ...] = ()) -> Any:
    """RFC 7386 as kustomize merges a strategic-merge patch into a kind it has no schema of (kyaml's merge2, as
    `kubectl kustomize` v5.8.1 does it, tests/test_patch_targets.py): a value of another node kind than the one
    it replaces (a mapping, a list, a scalar) fails the build ("wrong node kind"), but for a null; a scalar that
    replaces text written quoted (or as a block) stays text, as the patch writes it: kyaml keeps the style of the
    node it replaces (`rayVersion: 2.5` over `rayVersion: '2.0'` gives "2.5", over `rayVersion: 2.41.0` 2.5)."""
    if target is not None and _node_kind(target) != _node_kind(patch):
        where = ".".join(path) or "the object"
        raise PatchFailure(
            f"{where} is {_node_kind(target)} and the patch writes {_node_kind(patch)} there (wrong node kind)",
            path,
            f"write {path[-1] if path else 'it'} as {_node_kind(target)}, as the object has it: a patch merges into "
            "what is there",
        )
    if not isinstance(patch, dict):
        if isinstance(target, str) and not isinstance(patch, str | list) and not written_plain(target):
            return scalar_text(patch)
        return patch
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value, (*path, str(key)))
    return result


def _node_kind(value: Any) -> str:
    return "a mapping" if isinstance(value, dict) else "a list" if isinstance(value, list) else "a scalar"


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
    """A list index of a JSON pointer as kustomize reads it (evanphx/json-patch, SupportNegativeIndices): a
    number as Go's strconv.Atoi reads it (`+1`, `01` and `-0` too); a negative one counts from the end, where
    for `add` -1 is the end itself (`-` too) and for the other operations the last item; None when it is not a
    place in the list. Each case was compared with `kubectl kustomize` (tests/test_json_patch.py)."""
    if part == "-" and appending:
        return len(items)
    if _GO_INTEGER.fullmatch(part) is None:
        return None
    index = int(part)
    size = len(items) + (1 if appending else 0)  # where an add may insert: before each item, or at the end
    if index < 0:
        index += size
    return index if 0 <= index < size else None


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


def _json_patch_operation(document: dict[str, Any], operation: Any) -> dict[str, Any]:
    if not isinstance(operation, dict) or not isinstance(operation.get("path", ""), str):
        raise PatchFailure(f"{json.dumps(operation)} is not a JSON patch operation ({{op, path, value}})")
    op, path = operation.get("op"), str(operation.get("path", ""))
    if op in ("move", "copy"):
        # a missing or empty `from` is not the whole document: kustomize fails on it
        if not isinstance(operation.get("from"), str) or not operation["from"]:
            raise PatchFailure(f"{op} {path}: the operation has no from")
        # evanphx/json-patch copies a key missing from a mapping as null (its get gives nil); a move removes it
        value = _get(document, operation["from"], missing_key_is_null=op == "copy")
        if op == "move":
            document = _json_patch_operation(document, {"op": "remove", "path": operation["from"]})
        return _json_patch_operation(document, {"op": "add", "path": path, "value": value})
    if op == "test":  # a key missing from a mapping is null, as for copy
        if not _same(_get(document, path, missing_key_is_null=True), operation.get("value")):
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


def _get(document: Any, path: str, *, missing_key_is_null: bool = False) -> Any:
    parts = _pointer(path)
    if not parts:
        return document
    parent, last = _parent(document, parts, path), parts[-1]
    if isinstance(parent, dict) and (last in parent or missing_key_is_null):
        return parent.get(last)
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
    version: str,
    rules: Callable[[dict[str, Any], dict[str, Any]], list[Problem]] | None = None,
    pods: Callable[[dict[str, Any]], list[tuple[str, DocPath, str, str | None]]] | None = None,
) -> list[Problem]:
    """The Ray objects of the overlay as `kubectl kustomize` builds them, after every patch, checked with
    `check` (the CRD schema and CEL rules of the release: the findings the unpatched object has not), for the
    apiVersion and name a patch gives them (`_identity_problems`, by the operator of `version`) and, once both
    are schema-valid, with `rules` (the problems the patched object has and the unpatched one has not) and `pods`
    (the pod checks: what the patched object's pods break that the unpatched one's did not); problems point at the
    last patch that changed the object, and at a patch kustomize could not apply."""
    patches = data.get("patches", [])
    if not patches:
        return []
    # each Ray object as the patches so far left it (`Patched`), by the kind and name it was read with
    objects = {
        object_identity(document): Patched((object_identity(document)[1],), document)
        for document in overlay_documents(files, environment)
        if is_ray_object(document)
    }
    unpatched = {identity: item.document for identity, item in objects.items()}
    changed_by: dict[tuple[str, str], list[int]] = {}
    problems: list[Problem] = []

    def problem(index: int, message: str, hint: str | None, rule: str) -> Problem:
        at = ("patches", index, "patch")
        return Problem(locate(origin, at), at, message, hint, file=environment_file, rule=rule)

    for index, entry in enumerate(patches):
        identities = list(objects)
        for position in patch_targets(entry, list(objects.values())):
            identity = identities[position]
            try:
                patched = apply_patch(objects[identity].document, entry["patch"])
            except PatchFailure as failure:
                problems.append(_unappliable(objects[identity].document, failure, index, origin, environment_file))
                continue  # the object stays as the patches before this one left it
            if patched is None:  # strategic-merge directives: not reproduced here, so not checked
                objects.pop(identity)
                changed_by.pop(identity, None)
                continue
            objects[identity] = objects[identity].after(patched)
            changed_by.setdefault(identity, []).append(index)
    for identity, indices in changed_by.items():
        if identity not in objects:
            continue
        kind, name = identity
        which = ", ".join(f"patches[{index}]" for index in indices)
        merged = any(isinstance(patches[index]["patch"], dict) for index in indices)
        for refused, fix, rule in _identity_problems(kind, unpatched[identity], objects[identity].document, version):
            problems.append(problem(indices[-1], f"{kind} {name} after {which}: {refused}", fix, rule))
        found, before = check(objects[identity].document), check(unpatched[identity])
        # what the object had before the patches is reported where it is written (the file's own check)
        for rule, finding in added_findings(before, found):
            message = f"{kind} {name} after {which}, {format_path(finding.path)}: {finding.message}"
            # a field a merged patch left missing went with a list it replaced whole
            hint = (
                MERGE_HINT
                if merged and finding.kind == "required"
                else finding.hint or (MERGE_HINT if merged else None)
            )
            problems.append(problem(indices[-1], message, hint, rule))
        # the rules read both objects back into environment items, which only a schema-valid object makes
        if rules is not None and not found and not before:
            for new in rules(unpatched[identity], objects[identity].document):
                problems.append(problem(indices[-1], f"{kind} {name} after {which}: {new.message}", new.hint, new.rule))
        if pods is not None and not found and not before:
            # compared as added_findings compares: by rule, message and path without list indices
            left = Counter((rule, text, _unindexed(path)) for rule, path, text, _ in pods(unpatched[identity]))
            for rule, path, text, hint in pods(objects[identity].document):
                if left[rule, text, _unindexed(path)]:
                    left[rule, text, _unindexed(path)] -= 1
                    continue
                problems.append(
                    problem(indices[-1], f"{kind} {name} after {which}, {format_path(path)}: {text}", hint, rule)
                )
    return problems


def added_findings(
    before: Iterable[tuple[str, Finding]], after: Iterable[tuple[str, Finding]]
) -> list[tuple[str, Finding]]:
    """The (rule, finding) pairs of `after` that `before` had not: compared by rule, message and field path
    without list indices, as many times as each is there, so that a problem a JSON patch moves to another index
    of its list is not taken for a new one."""
    left = Counter(_finding_key(pair) for pair in before)
    added = []
    for pair in after:
        key = _finding_key(pair)
        if left[key]:
            left[key] -= 1
        else:
            added.append(pair)
    return added


def _finding_key(pair: tuple[str, Finding]) -> tuple[str, str, tuple[str, ...]]:
    rule, finding = pair
    return rule, finding.message, _unindexed(finding.path)


def _unindexed(path: DocPath) -> tuple[str, ...]:
    return tuple(part for part in path if isinstance(part, str))


def _identity_problems(
    kind: str, before: dict[str, Any], after: dict[str, Any], version: str
) -> list[tuple[str, str, str]]:
    """What the API server or the operator of `version` refuses in the apiVersion or name patches give a Ray
    object of `kind` (message, hint, rule): the CRD schema says nothing of either. The tool renders and checks
    the kinds as ray.io/v1, the version every supported release serves and stores; the API server has them in
    no other group (a RayCluster of apiVersion v1 is no resource it knows)."""
    problems = []
    if after.get("apiVersion") != before.get("apiVersion"):
        problems.append(
            (
                f"apiVersion becomes {json.dumps(after.get('apiVersion'))}, but the tool renders and checks {kind} as "
                f"{before.get('apiVersion')} (the API server serves it in the group ray.io only)",
                "leave apiVersion as rendered and patch the object's fields",
                CRD_SCHEMA.id,
            )
        )
    metadata = after.get("metadata")
    if not isinstance(metadata, dict) or "name" not in metadata:
        return problems  # the CRD check says what a metadata that is no mapping is; kustomize needs a name
    name = metadata["name"]
    if name != before["metadata"]["name"]:
        # a RayJob on a selected cluster creates none, whose name would bind its own (before 1.4.0)
        selected = kind == "RayJob" and bool((after.get("spec") or {}).get("clusterSelector"))
        found = (
            ray_object_name_problem(kind, name, version, selected=selected)
            if isinstance(name, str)
            else (f"metadata.name becomes {json.dumps(name)}, which is no name", "give it a name")
        )
        if found is not None:
            problems.append((*found, RAY_OBJECT_NAME))
    return problems


def overlay_documents(files: Iterable[RenderedFile], environment: str) -> list[dict[str, Any]]:
    return [
        document
        for file in files
        if file.path.parts[:2] == (environment, "workloads") and file.path.name != "kustomization.yaml"
        for document in file.documents
        if isinstance(document, dict)
    ]


def patch_targets(entry: Mapping[str, Any], objects: list[Patched]) -> list[int]:
    """The positions in `objects` of those `entry`'s patch applies to (`Patched` says how they are matched)."""
    target = entry.get("target")
    if target is not None:
        return [position for position, item in enumerate(objects) if selects(target, item.document, item.names[0])]
    body = entry["patch"]
    if not isinstance(body, dict):
        return []
    metadata = body.get("metadata")
    metadata = metadata if isinstance(metadata, dict) else {}
    api_version, kind = str(body.get("apiVersion", "")), str(body.get("kind", ""))
    name, namespace = str(metadata.get("name", "")), str(metadata.get("namespace") or "")
    return [
        position
        for position, item in enumerate(objects)
        if (str(item.document.get("apiVersion", "")), str(item.document.get("kind", ""))) == (api_version, kind)
        and name in item.names
        and _same_namespace(namespace, item.document, api_version, kind)
    ]


def _same_namespace(namespace: str, document: Mapping[str, Any], api_version: str, kind: str) -> bool:
    """Whether a patch's namespace is the object's, as kustomize compares them (ResId.IsNsEquals,
    kyaml/resid/resid.go:113-139 at api/v0.21.1): none and `default` are one, and a cluster-scoped kind has none."""
    if cluster_scoped(api_version, kind):
        return True
    metadata = document.get("metadata")
    written = str((metadata.get("namespace") if isinstance(metadata, dict) else None) or "")
    return (namespace or "default") == (written or "default")


def object_identity(document: Mapping[str, Any]) -> tuple[str, str]:
    metadata = document.get("metadata")
    return str(document.get("kind", "")), str(metadata.get("name", "") if isinstance(metadata, dict) else "")


def is_ray_object(document: Mapping[str, Any]) -> bool:
    return str(document.get("apiVersion", "")).startswith("ray.io/")
