"""The CRDs' CEL rules (`x-kubernetes-validations`), evaluated offline on rendered objects.

The API server runs these rules on create and update; jsonschema does not. Rules that compare with the
previous object (`oldSelf`, transition rules) cannot apply to a first render and are skipped. Evaluation
uses cel-python, a pure-Python implementation of the Common Expression Language.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import celpy
from celpy.adapter import json_to_cel
from celpy.evaluation import CELEvalError
from referencing import Registry

from generator.errors import DocPath
from generator.schema_check import Finding


class CelRules:
    """Compiles each rule once per run and evaluates the rules a schema attaches to an instance."""

    def __init__(self, registry: Registry[Any]) -> None:
        self.registry = registry
        self.environment = celpy.Environment()
        self.programs: dict[str, Any] = {}

    def findings(self, schema: Mapping[str, Any], instance: Any) -> list[Finding]:
        return list(self._walk(schema, instance, ()))

    def _walk(self, schema: Mapping[str, Any], instance: Any, path: DocPath) -> Iterator[Finding]:
        schema = self._resolve(schema)
        for rule in schema.get("x-kubernetes-validations", []):
            yield from self._evaluate(rule, instance, path)
        if isinstance(instance, dict):
            properties = schema.get("properties", {})
            additional = schema.get("additionalProperties")
            for key, value in instance.items():
                child = properties.get(key, additional if isinstance(additional, dict) else None)
                if child is not None:
                    yield from self._walk(child, value, (*path, key))
        elif isinstance(instance, list) and isinstance(schema.get("items"), dict):
            for index, item in enumerate(instance):
                yield from self._walk(schema["items"], item, (*path, index))

    def _resolve(self, schema: Mapping[str, Any]) -> Mapping[str, Any]:
        while "$ref" in schema:
            uri, _, fragment = schema["$ref"].partition("#")
            resolved = self.registry.resolver().lookup(schema["$ref"] if uri else f"#{fragment}").contents
            schema = resolved
        return schema

    def _evaluate(self, rule: Mapping[str, Any], instance: Any, path: DocPath) -> Iterator[Finding]:
        text = rule["rule"]
        if "oldSelf" in text:
            return
        if text not in self.programs:
            self.programs[text] = self.environment.program(self.environment.compile(text))
        try:
            passed = bool(self.programs[text].evaluate({"self": json_to_cel(instance)}))
        except CELEvalError:
            passed = False  # the API server rejects an object its rule cannot be evaluated on
        if not passed:
            yield Finding(path, False, rule.get("message") or f"failed the rule {text}", f"CEL rule: {text}")
