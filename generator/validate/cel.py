"""The CRDs' CEL rules (`x-kubernetes-validations`), evaluated offline on rendered objects.

The API server runs these rules on create and update; jsonschema does not. Rules that compare with the
previous object (`oldSelf`, transition rules) cannot apply to a first render and are skipped. Evaluation
uses cel-python, a pure-Python implementation of the Common Expression Language.

cel-python is imported, and its parser built, only when an object first meets a rule: a run that meets
none pays neither. The parser's tables, which Lark works out from CEL's grammar in a fifth of a second, are
kept in the user's cache folder (generator/cache.py).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from generator.cache import CEL, cache_folder
from generator.errors import DocPath
from generator.input.schema_check import Finding
from generator.validate.cel_results import KeptResults

if TYPE_CHECKING:
    import celpy


class CelRules:
    """Compiles each rule once per run and evaluates the rules a schema attaches to an instance.

    Schemas are bundled documents whose references are local (`#/$defs/...`) and resolved against the
    root being walked. Subtrees without any rule are skipped, which is most of a pod template.
    """

    def __init__(self, kept: Path | None = None) -> None:
        """`kept`: the file of results kept between runs (cel_results.py), None for this run's alone."""
        self._environment: celpy.Environment | None = None
        self.programs: dict[str, Any] = {}
        self.has_rules: dict[int, bool] = {}
        # (rule, the instance as JSON) -> whether it holds: environments repeat the same values, and a rule's
        # result depends on its text and the instance alone
        self.results = KeptResults(kept, Path(__file__))

    @property
    def environment(self) -> celpy.Environment:
        """Built when a rule is first compiled."""
        if self._environment is None:
            self._environment = _cel_environment()
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

    def _contains_rules(self, root: Mapping[str, Any], schema: Mapping[str, Any]) -> bool:
        """Whether `schema` or a schema it reaches has rules; each schema is looked through once a run."""
        if id(schema) not in self.has_rules:
            self._settle(root, schema, _Search())
        return self.has_rules[id(schema)]

    def _settle(self, root: Mapping[str, Any], schema: Mapping[str, Any], search: _Search) -> None:
        """Work out whether `schema` has rules below it, and so for every schema it reaches, by Tarjan's
        strongly connected components: the schemas of a loop of `$ref`s reach the same schemas, so they get
        their answer together when the loop's first schema is done, and none is looked through twice (keeping
        only the outermost answers made the walk look through a pod template's schema again for each of its
        fields). Once one rule is found, the rest of a schema's children need not be looked at: any schema
        that reaches it has a rule too. Such a schema may then close its part of a loop early, with True,
        which is the answer of every schema of the loop that reaches it."""
        key = id(schema)
        search.order[key] = search.lowest[key] = len(search.order)
        search.open.append(key)
        found = "x-kubernetes-validations" in schema
        for child in _children(schema):
            if found:
                break
            child = _resolve(root, child)
            child_key = id(child)
            if child_key not in self.has_rules and child_key not in search.order:
                self._settle(root, child, search)
            if child_key in self.has_rules:  # worked out, on its own or with its loop
                found = found or self.has_rules[child_key]
            else:  # in a loop with this schema, still open
                search.lowest[key] = min(search.lowest[key], search.lowest[child_key])
        search.found[key] = found
        if search.lowest[key] == search.order[key]:  # the first schema of its loop: the loop is complete
            first = search.open.index(key)
            members = search.open[first:]
            del search.open[first:]
            answer = any(search.found[member] for member in members)
            for member in members:
                self.has_rules[member] = answer

    def _evaluate(self, rule: Mapping[str, Any], instance: Any, path: DocPath) -> Iterator[Finding]:
        text = rule["rule"]
        if "oldSelf" in text:
            return
        try:
            key: tuple[str, str] | None = (text, json.dumps(instance, sort_keys=True, allow_nan=False))
        except (TypeError, ValueError):
            key = None  # a value JSON has no form for (a timestamp, NaN): evaluated every time
        passed = self.results.get(key) if key is not None else None
        if passed is None:
            passed = self._holds(text, instance)
            if key is not None:
                self.results.add(key, passed)
        if not passed:
            yield Finding(
                path,
                False,
                rule.get("message") or f"failed the rule {text}",
                f"change the fields so that the CRD's rule holds: {text}",
            )

    def _holds(self, text: str, instance: Any) -> bool:
        from celpy.adapter import json_to_cel
        from celpy.evaluation import CELEvalError

        if text not in self.programs:
            self.programs[text] = self.environment.program(self.environment.compile(text))
        try:
            return bool(self.programs[text].evaluate({"self": json_to_cel(instance)}))
        except CELEvalError:
            return False  # the API server rejects an object its rule cannot be evaluated on


def _cel_environment() -> celpy.Environment:
    import celpy
    import lark
    from celpy.celparser import CELParser

    if CELParser.CEL_PARSER is None:
        # cel-python's own parser (celparser.py, the same options: tests/test_cache.py compares them), built
        # with Lark's cache: cel-python keeps one per process in this class attribute, which its documentation
        # names as the place to set
        grammar = (Path(celpy.__file__).parent / "cel.lark").read_text(encoding="utf-8")
        CELParser.CEL_PARSER = lark.Lark(
            grammar,
            parser="lalr",
            start="expr",
            debug=True,
            g_regex_flags=re.M,
            lexer_callbacks={"IDENT": CELParser.ambiguous_literals},
            propagate_positions=True,
            maybe_placeholders=False,
            priority="invert",
            tree_class=lark.Tree,
            cache=_parser_cache(lark.__version__),
        )
    return celpy.Environment()


def _parser_cache(lark_version: str) -> str | bool:
    """Where Lark keeps CEL's parser tables (it checks the grammar's and options' hash stored there and
    rebuilds them when they differ), or False: no cache."""
    folder = cache_folder(os.environ, CEL)
    return str(folder / f"parser-lark-{lark_version}.pickle") if folder is not None else False


@dataclass
class _Search:
    """One search for rules (`CelRules._settle`): the order schemas were met in, the earliest open schema each
    reaches, whether each has a rule or reaches a finished schema with one, and the schemas not finished yet."""

    order: dict[int, int] = field(default_factory=dict)
    lowest: dict[int, int] = field(default_factory=dict)
    found: dict[int, bool] = field(default_factory=dict)
    open: list[int] = field(default_factory=list)


def _children(schema: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The schemas of an object's properties, a list's items and a map's values."""
    children = [*schema.get("properties", {}).values()]
    for nested in (schema.get("items"), schema.get("additionalProperties")):
        if isinstance(nested, dict):
            children.append(nested)
    return children


def _resolve(root: Mapping[str, Any], schema: Mapping[str, Any]) -> Mapping[str, Any]:
    """Follow local references (`#/$defs/name`) within the bundled root schema."""
    while "$ref" in schema:
        node: Any = root
        for part in schema["$ref"].removeprefix("#/").split("/"):
            node = node[part]
        schema = node
    return schema
