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

from generator.errors import DocPath
from generator.input.schema_check import Finding


class CelRules:
    """Compiles each rule once per run and evaluates the rules a schema attaches to an instance.

    Schemas are bundled documents whose references are local (`#/$defs/...`) and resolved against the
    root being walked. Subtrees without any rule are skipped, which is most of a pod template.
    """

    def __init__(self) -> None:
        self._environment: celpy.Environment | None = None
        self.programs: dict[str, Any] = {}
        self.has_rules: dict[int, bool] = {}

    @property
    def environment(self) -> celpy.Environment:
        """Built when a rule is first compiled: building it generates cel-python's parser, a quarter of a
        second, which a run whose objects meet no rule does not pay."""
        if self._environment is None:
            self._environment = celpy.Environment()
        return self._environment

    def findings(self, schema: Mapping[str, Any], instance: Any) -> list[Finding]:
        return list(self._walk(schema, schema, instance, ()))

    def _walk(
        self, root: Mapping[str, Any], schema: Mapping[str, Any], instance: Any, path: DocPath
    ) -> Iterator[Finding]:
        schema = _resolve(root, schema)
        if not self._contains_rules(root, schema):
            return
        for rule in schema.get("x-kubernetes-validations", []):
            yield from self._evaluate(rule, instance, path)
        if isinstance(instance, dict):
            properties = schema.get("properties", {})
            additional = schema.get("additionalProperties")
            for key, value in instance.items():
                child = properties.get(key, additional if isinstance(additional, dict) else None)
                if child is not None:
                    yield from self._walk(root, child, value, (*path, key))
        elif isinstance(instance, list) and isinstance(schema.get("items"), dict):
            for index, item in enumerate(instance):
                yield from self._walk(root, schema["items"], item, (*path, index))

    def _contains_rules(
        self, root: Mapping[str, Any], schema: Mapping[str, Any], visiting: frozenset[int] = frozenset()
    ) -> bool:
        key = id(schema)
        if key in self.has_rules:
            return self.has_rules[key]
        if key in visiting:
            return False  # a cycle adds no rules of its own; the outer call decides and caches
        children = [*schema.get("properties", {}).values()]
        for nested in (schema.get("items"), schema.get("additionalProperties")):
            if isinstance(nested, dict):
                children.append(nested)
        found = "x-kubernetes-validations" in schema or any(
            self._contains_rules(root, _resolve(root, child), visiting | {key}) for child in children
        )
        if not visiting:
            self.has_rules[key] = found  # only a top-level answer is final in a recursive schema
        return found

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
            yield Finding(
                path,
                False,
                rule.get("message") or f"failed the rule {text}",
                f"change the fields so that the CRD's rule holds: {text}",
            )


def _resolve(root: Mapping[str, Any], schema: Mapping[str, Any]) -> Mapping[str, Any]:
    """Follow local references (`#/$defs/name`) within the bundled root schema."""
    while "$ref" in schema:
        node: Any = root
        for part in schema["$ref"].removeprefix("#/").split("/"):
            node = node[part]
        schema = node
    return schema
