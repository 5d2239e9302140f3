"""Stage 6: every rendered object against the schema of its kind for the environment's KubeRay release.

The schemas are derived from the upstream CRDs (schemas/kuberay/<tag>/, schemas/gitops/, sharing
schemas/definitions.json). A violation is reported at the environment-file line that produced the value
whenever there is one (see `provenance`), and always names the rendered object and its path.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.exceptions import NoSuchResource

from generator.cel import CelRules
from generator.errors import DocPath, Problem, SetupError
from generator.provenance import environment_path
from generator.render import RenderedFile
from generator.schema_check import findings
from generator.source import Origin, locate

SCHEMA_BASE = "https://kuberay-gitops.dev/schemas/"
RAY_GROUP = "ray.io"
GITOPS_GROUPS = frozenset(
    {"argoproj.io", "source.toolkit.fluxcd.io", "kustomize.toolkit.fluxcd.io", "helm.toolkit.fluxcd.io"}
)


class SchemaStore:
    """Validators for rendered kinds, built once per run from the files under schemas/."""

    def __init__(self, schemas_dir: Path) -> None:
        self.schemas_dir = schemas_dir

        @cache
        def retrieve(uri: str) -> Resource[Any]:
            if not uri.startswith(SCHEMA_BASE):
                raise NoSuchResource(ref=uri)  # type: ignore[call-arg]  # attrs class; mypy sees KeyError
            path = schemas_dir / uri.removeprefix(SCHEMA_BASE)
            try:
                return Resource.from_contents(json.loads(path.read_text()))
            except (OSError, ValueError) as error:
                raise SetupError(f"cannot read the derived schema {path}: {error} (run `make schemas`)") from error

        self.registry: Registry[Any] = Registry(retrieve=retrieve)  # type: ignore[call-arg]
        self.validators: dict[str, Draft202012Validator] = {}
        self.cel = CelRules(self.registry)

    def validator_for(self, document: dict[str, Any], kuberay_version: str) -> Draft202012Validator | None:
        """The validator of the document's kind, or None for kinds without a CRD (core, kustomize)."""
        group = str(document.get("apiVersion", "")).partition("/")[0]
        kind = document.get("kind")
        if group == RAY_GROUP:
            uri = f"{SCHEMA_BASE}kuberay/v{kuberay_version}/{kind}.schema.json"
        elif group in GITOPS_GROUPS:
            uri = f"{SCHEMA_BASE}gitops/{kind}.schema.json"
        else:
            return None
        if uri not in self.validators:
            schema = self.registry.get_or_retrieve(uri).value.contents
            self.validators[uri] = Draft202012Validator(schema, registry=self.registry)
        return self.validators[uri]


def check_rendered(
    files: Iterable[RenderedFile],
    kuberay_version: str,
    store: SchemaStore,
    data: dict[str, Any],
    origin: Origin,
    environment_file: Path,
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
            # CEL rules assume a schema-valid object, as the API server evaluates them after the schema
            schema: Any = validator.schema
            found = findings(validator, document) or store.cel.findings(schema, document)
            for finding in found:
                source = environment_path(kind, name, finding.path, data)
                location = locate(origin, source, at_key=finding.at_key) if source is not None else None
                problems.append(
                    Problem(
                        location,
                        source or (),
                        f"rendered {kind} {name}, {_dotted(finding.path)}: {finding.message}",
                        finding.hint,
                        file=environment_file,
                    )
                )
    return problems


def _dotted(path: DocPath) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(object)"
