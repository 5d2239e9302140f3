"""Every Kustomize patch of an environment (`patches:`) applies to at least one object of its overlay.

Kustomize skips a patch whose target matches nothing without a word, so a typo in a name, or an object that
was renamed or removed, would silently drop the change it carries. The targets are matched as kustomize
matches them (api/types/selector.go, SelectorRegex): group, version, kind and name are regular expressions that
must match in full; labelSelector and annotationSelector are Kubernetes label selectors. A strategic-merge
patch without a target applies to the object of its own kind and metadata.name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from generator.checks import PATCH_TARGET
from generator.errors import Problem
from generator.files import RenderedFile
from generator.source import Origin, locate

# One term of a label selector: key, key=value, key==value, key!=value, !key, key in (a,b), key notin (a,b)
_SET_TERM = re.compile(r"^\s*([^\s!=(),]+)\s+(in|notin)\s+\(([^)]*)\)\s*$")
_TERM = re.compile(r"^\s*(!?)([^\s!=(),]+)\s*(?:(==|=|!=)\s*([^\s,]*))?\s*$")


def patch_target_problems(
    files: Iterable[RenderedFile], data: dict[str, Any], origin: Origin, environment_file: Path, environment: str
) -> list[Problem]:
    overlay = [
        document
        for file in files
        if file.path.parts[:2] == (environment, "workloads") and file.path.name != "kustomization.yaml"
        for document in file.documents
        if isinstance(document, dict)
    ]
    problems = []
    for index, patch in enumerate(data.get("patches", [])):
        target = patch.get("target")
        if target is None:
            body = patch["patch"]
            if not isinstance(body, dict):
                continue  # a JSON 6902 patch without a target is an error of its own (json-patch-target)
            target = {"kind": str(body.get("kind", "")), "name": str(body.get("metadata", {}).get("name", ""))}
            matching = [
                document
                for document in overlay
                if document.get("kind") == target["kind"] and document["metadata"].get("name") == target["name"]
            ]
        else:
            matching = [document for document in overlay if selects(target, document)]
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
