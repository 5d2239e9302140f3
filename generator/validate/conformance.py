"""Stage 6: every rendered object against the schema of its kind for the environment's KubeRay release.

The schemas are derived from the upstream CRDs (schemas/kuberay/<tag>/, schemas/gitops/, sharing
schemas/definitions.json). A violation is reported at the environment-file line that produced the value
whenever there is one (see `provenance`), and always names the rendered object and its path.
"""

from __future__ import annotations

import difflib
import json
import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from generator.checks import CRD_CEL, CRD_SCHEMA
from generator.errors import DocPath, Problem, SetupError, format_path
from generator.files import RenderedFile
from generator.input.schema_check import Finding, SchemaValidator
from generator.model.build import worker_group_names
from generator.model.fields import CLUSTER_ITEM, OVERRIDE
from generator.model.names import api_group
from generator.releases import FieldHistory, release_tag
from generator.source import Origin, locate, value_at
from generator.validate.cel import CelRules
from generator.validate.cel_results import results_file
from generator.validate.provenance import environment_path

SCHEMA_BASE = "https://kuberay-gitops.dev/schemas/"
DEFINITIONS_URI = f"{SCHEMA_BASE}definitions.json"
SCHEMA_SUFFIX = ".schema.json"
RAY_GROUP = "ray.io"
GITOPS_GROUPS = frozenset(
    {
        "argoproj.io",
        "source.toolkit.fluxcd.io",
        "kustomize.toolkit.fluxcd.io",
        "helm.toolkit.fluxcd.io",
        "notification.toolkit.fluxcd.io",
    }
)


class SchemaStore:
    """Validators for rendered kinds, built once per run from the files under schemas/.

    Each kind's schema is bundled with the shared definitions into one document with local references:
    jsonschema-rs (compiled, about 20 times faster) decides whether an object is valid, and only an invalid
    object goes through jsonschema for error details, which the Python validator words better.
    """

    def __init__(self, schemas_dir: Path) -> None:
        self.schemas_dir = schemas_dir
        self.validators: dict[str, SchemaValidator] = {}
        self._kinds: dict[str, frozenset[str]] = {}  # the kinds of each folder of schemas
        self._definitions: dict[str, Any] | None = None
        self.cel = CelRules(results_file(os.environ))

    def validator_for(self, document: dict[str, Any], kuberay_version: str) -> SchemaValidator | None:
        """The validator of the document's kind, or None for kinds without a CRD here (core, kustomize, and the
        kinds of the Argo and Flux groups that are not Argo CD's or Flux's, such as an Argo Rollout in
        `objects`). A kind of ray.io that the release does not have (a JSON patch may write any) gets a
        validator that says so: the API server has no such kind."""
        group = api_group(str(document.get("apiVersion", "")))
        kind = document.get("kind")
        if group == RAY_GROUP:
            folder = f"kuberay/{release_tag(kuberay_version)}"
        elif group in GITOPS_GROUPS:
            folder = "gitops"
        else:
            return None
        kinds = self._kinds_in(folder)
        if not isinstance(kind, str) or kind not in kinds:  # never a file name made of what the document says
            return self._unknown_kind(folder, kinds) if group == RAY_GROUP else None
        relative = f"{folder}/{kind}{SCHEMA_SUFFIX}"
        if relative not in self.validators:
            schema = self._load(relative)
            schema = {**schema, "$defs": _reachable(schema, self._shared_definitions())}
            self.validators[relative] = SchemaValidator(schema)
        return self.validators[relative]

    def _kinds_in(self, folder: str) -> frozenset[str]:
        if folder not in self._kinds:
            self._kinds[folder] = frozenset(
                path.name.removesuffix(SCHEMA_SUFFIX) for path in (self.schemas_dir / folder).glob(f"*{SCHEMA_SUFFIX}")
            )
        return self._kinds[folder]

    def _unknown_kind(self, folder: str, kinds: frozenset[str]) -> SchemaValidator:
        """A validator that takes an object of `folder`'s group only with one of `kinds`."""
        relative = f"{folder}/(unknown kind)"
        if relative not in self.validators:
            schema = {"type": "object", "required": ["kind"], "properties": {"kind": {"enum": sorted(kinds)}}}
            self.validators[relative] = SchemaValidator(schema)
        return self.validators[relative]

    def _shared_definitions(self) -> dict[str, Any]:
        if self._definitions is None:
            self._definitions = self._load("definitions.json")["$defs"]
        return self._definitions

    def _load(self, relative: str) -> dict[str, Any]:
        path = self.schemas_dir / relative
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as error:
            raise SetupError(f"cannot read the derived schema {path}: {error} (run `make schemas`)") from error
        # references into definitions.json become local ones: every schema carries the definitions itself
        document: dict[str, Any] = json.loads(text.replace(f'"{DEFINITIONS_URI}#', '"#'))
        return document


def _reachable(schema: dict[str, Any], definitions: dict[str, Any]) -> dict[str, Any]:
    """The shared definitions that `schema` refers to, directly or through others: jsonschema-rs compiles
    every definition it is given, and a kind needs a fifth of them (a validator is built five times faster)."""
    needed: dict[str, Any] = {}
    waiting = [schema]
    while waiting:
        for name in _local_references(waiting.pop()):
            if name not in needed:
                needed[name] = definitions[name]
                waiting.append(definitions[name])
    return needed


def _local_references(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        reference = node.get("$ref")
        if isinstance(reference, str) and reference.startswith(_LOCAL_DEFINITION):
            yield reference.removeprefix(_LOCAL_DEFINITION).split("/")[0]  # a definition, or a place in one
        for value in node.values():
            yield from _local_references(value)
    elif isinstance(node, list):
        for value in node:
            yield from _local_references(value)


_LOCAL_DEFINITION = "#/$defs/"


def check_rendered(
    files: Iterable[RenderedFile],
    kuberay_version: str,
    store: SchemaStore,
    data: dict[str, Any],
    origin: Origin,
    environment_file: Path,
    history: FieldHistory,
) -> list[Problem]:
    problems: list[Problem] = []
    for file in files:
        for document in file.documents:
            if not isinstance(document, dict):
                continue
            validator = store.validator_for(document, kuberay_version)
            if validator is None:
                continue
            kind = document.get("kind", "?")
            name = document.get("metadata", {}).get("name", "?")
            found = object_findings(store, validator, document)
            for rule, finding in found:
                source = environment_path(kind, name, finding.path, data, document)
                location = locate(origin, source, at_key=finding.at_key) if source is not None else None
                problems.append(
                    Problem(
                        location,
                        source or (),
                        f"rendered {kind} {name}, {format_path(finding.path)}: {finding.message}",
                        _release_hint(history, kind, finding, kuberay_version)
                        or _new_group_hint(kind, source, finding, data)
                        or finding.hint,
                        file=environment_file,
                        rule=rule,
                    )
                )
    return problems


def object_findings(
    store: SchemaStore, validator: SchemaValidator, document: dict[str, Any]
) -> list[tuple[str, Finding]]:
    """What the API server would refuse in `document`: its CRD schema, then (on a schema-valid object, as the
    API server evaluates them after the schema) the CRD's CEL rules; each with the id of its check."""
    return [(CRD_SCHEMA.id, finding) for finding in validator.findings(document)] or [
        (CRD_CEL.id, finding) for finding in store.cel.findings(validator.schema, document)
    ]


def findings_for(store: SchemaStore, kuberay_version: str) -> Callable[[dict[str, Any]], list[tuple[str, Finding]]]:
    """`object_findings` for any object of the release (none for kinds without a schema)."""

    def check(document: dict[str, Any]) -> list[tuple[str, Finding]]:
        validator = store.validator_for(document, kuberay_version)
        return [] if validator is None else object_findings(store, validator, document)

    return check


def _new_group_hint(kind: str, source: DocPath | None, finding: Finding, data: dict[str, Any]) -> str | None:
    """For a field a worker group of the item's `spec` lacks, when its groupName names no worker group of the item:
    the `spec` adds a group rather than changing one (its groups merge by groupName), most often a misspelt name."""
    if finding.missing is None or source is None or len(source) < 5 or source[2] != OVERRIDE:
        return None
    if source[-2] != "workerGroupSpecs" or not isinstance(source[-1], int) or kind not in CLUSTER_ITEM:
        return None
    name = value_at(data, (*source, "groupName"))
    cluster = value_at(data, (*source[:2], *CLUSTER_ITEM[kind]))
    names = worker_group_names(cluster) if isinstance(cluster, dict) else set()
    if not isinstance(name, str) or name in names:
        return None
    close = difflib.get_close_matches(name, sorted(names), n=1)
    return (
        f"did you mean groupName: {close[0]}? spec's worker groups change the groups of that name, and {name} names "
        f"none, so it adds a group, which needs {finding.missing}"
        if close
        else f"{name} names no worker group of this item, so spec adds a group, which needs {finding.missing}: add it, "
        "or name a group the item has"
    )


def _release_hint(history: FieldHistory, kind: str, finding: Finding, version: str) -> str | None:
    """For a field the pinned release's CRD lacks but others have (written through a `spec` override): which."""
    if not finding.message.startswith("unknown field"):
        return None
    dotted = ""
    for part in finding.path:
        dotted += "[]" if isinstance(part, int) else (f".{part}" if dotted else part)
    releases = history.field_releases(kind, dotted)
    if not releases:
        return None
    span = releases[0] if len(releases) == 1 else f"{releases[0]} to {releases[-1]}"
    return f"{kind} has {dotted} in KubeRay {span}, not in {version}: set kuberay.version to one of those"
