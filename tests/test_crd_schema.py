"""The CRD-to-JSON-Schema conversion validates like the API server, and the committed schemas hold."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
import yaml
from hypothesis import example, given
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from generator.paths import PROJECT_ROOT
from generator.releases import SUPPORTED_RELEASES
from generator.validate import cel
from generator.validate.cel import CelRules
from generator.validate.conformance import SchemaStore
from scripts.crd_schema import SharedDefinitions, object_schema
from scripts.field_history import field_history


def crd(spec: dict[str, Any], validations: list[dict[str, str]] | None = None) -> dict[str, Any]:
    spec_schema: dict[str, Any] = {"type": "object", "properties": spec}
    if validations:
        spec_schema["x-kubernetes-validations"] = validations
    return {
        "spec": {
            "group": "example.com",
            "names": {"kind": "Widget"},
            "versions": [
                {
                    "name": "v1",
                    "storage": True,
                    "schema": {"openAPIV3Schema": {"type": "object", "properties": {"spec": spec_schema}}},
                }
            ],
        }
    }


def validator(definition: dict[str, Any]) -> tuple[Draft202012Validator, Registry[Any]]:
    shared = SharedDefinitions("https://example.com/defs.json")
    schema = object_schema(definition, "v1", "https://example.com/widget.json", shared)
    registry: Registry[Any] = Registry().with_resources(
        [
            ("https://example.com/defs.json", Resource.from_contents(shared.document())),
            ("https://example.com/widget.json", Resource.from_contents(schema)),
        ]
    )
    return Draft202012Validator(schema, registry=registry), registry


def widget(spec: dict[str, Any]) -> dict[str, Any]:
    return {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}, "spec": spec}


def test_objects_are_closed_unless_they_preserve_unknown_fields() -> None:
    check, _ = validator(
        crd(
            {
                "size": {"type": "integer", "format": "int32"},
                "free": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
            }
        )
    )
    assert check.is_valid(widget({"size": 3, "free": {"anything": [1]}}))
    assert not check.is_valid(widget({"sise": 3}))
    assert not check.is_valid(widget({"size": 2**31}))


def test_int_or_string_nullable_and_embedded_resources() -> None:
    check, _ = validator(
        crd(
            {
                "port": {"x-kubernetes-int-or-string": True, "anyOf": [{"type": "integer"}, {"type": "string"}]},
                "note": {"type": "string", "nullable": True},
                "object": {
                    "type": "object",
                    "x-kubernetes-embedded-resource": True,
                    "properties": {"spec": {"type": "object"}},
                },
            }
        )
    )
    assert check.is_valid(
        widget({"port": 80, "note": None, "object": {"apiVersion": "v1", "kind": "X", "metadata": {}}})
    )
    assert check.is_valid(widget({"port": "http"}))
    assert not check.is_valid(widget({"port": 1.5}))


def test_map_values_are_checked() -> None:
    check, _ = validator(crd({"labels": {"type": "object", "additionalProperties": {"type": "string"}}}))
    assert check.is_valid(widget({"labels": {"a": "b"}}))
    assert not check.is_valid(widget({"labels": {"a": 1}}))


def test_cel_rules_run_and_transition_rules_are_skipped() -> None:
    definition = crd(
        {"a": {"type": "string"}, "b": {"type": "string"}},
        [
            {"rule": "!(has(self.a) && has(self.b))", "message": "a and b exclude each other"},
            {"rule": "self == oldSelf"},
        ],
    )
    shared = SharedDefinitions("https://example.com/defs.json")
    schema = object_schema(definition, "v1", "https://example.com/widget.json", shared)
    bundled = json.loads(
        json.dumps({**schema, "$defs": shared.document()["$defs"]}).replace('"https://example.com/defs.json#', '"#')
    )
    rules = CelRules()
    assert rules.findings(bundled, widget({"a": "x"})) == []
    [finding] = rules.findings(bundled, widget({"a": "x", "b": "y"}))
    assert (finding.path, finding.message) == (("spec",), "a and b exclude each other")


def test_cel_results_are_reused_only_for_the_same_rule_and_value() -> None:
    definition = crd({"n": {"type": "number"}, "d": {"type": "string"}}, [{"rule": "self.n > 1", "message": "small"}])
    shared = SharedDefinitions("https://example.com/defs.json")
    schema = object_schema(definition, "v1", "https://example.com/widget.json", shared)
    bundled = json.loads(
        json.dumps({**schema, "$defs": shared.document()["$defs"]}).replace('"https://example.com/defs.json#', '"#')
    )
    rules = CelRules()
    assert rules.findings(bundled, widget({"n": 2})) == []
    assert len(rules.findings(bundled, widget({"n": 1}))) == 1
    assert rules.findings(bundled, widget({"n": 2})) == []  # the remembered result
    assert len(rules.findings(bundled, widget({"n": 1.0}))) == 1  # 1.0 is not 1 to JSON, evaluated on its own
    assert len(rules.results) == 3
    # a value JSON cannot write is evaluated each time, never remembered
    assert len(rules.findings(bundled, widget({"n": math.nan}))) == 1
    assert len(rules.results) == 3


def test_field_history_ranges() -> None:
    releases = {
        tag: {
            "Widget": crd({"old": {"type": "string"}} if tag < "v1.2.0" else {"new": {"type": "string", "enum": ["x"]}})
        }
        for tag in ("v1.0.0", "v1.1.0", "v1.2.0")
    }
    history = field_history(releases, "v1")
    assert history["kinds"]["Widget"]["fields"]["spec.old"] == [["v1.0.0", "v1.1.0"]]
    assert history["kinds"]["Widget"]["fields"]["spec.new"] == [["v1.2.0", "v1.2.0"]]
    assert history["kinds"]["Widget"]["enums"]["spec.new"] == {"x": [["v1.2.0", "v1.2.0"]]}


@pytest.mark.parametrize("version", SUPPORTED_RELEASES)
def test_every_release_schema_resolves_and_rejects_a_misspelt_field(version: str) -> None:
    store = SchemaStore(PROJECT_ROOT / "schemas")
    cluster: dict[str, Any] = {
        "apiVersion": "ray.io/v1",
        "kind": "RayCluster",
        "metadata": {"name": "c"},
        "spec": {
            "headGroupSpec": {"rayStartParams": {}, "template": {"spec": {"containers": [{"name": "h", "image": "i"}]}}}
        },
    }
    check = store.validator_for(cluster, version)
    assert check is not None
    assert check.findings(cluster) == []
    cluster["spec"]["headGroupSpec"]["template"]["spec"]["containers"][0]["imagePullPolicyy"] = "Always"
    [finding] = check.findings(cluster)
    assert finding.message == "unknown field 'imagePullPolicyy'"


def test_committed_schema_size_stays_reasonable() -> None:
    total = sum(path.stat().st_size for path in (PROJECT_ROOT / "schemas").rglob("*.json"))
    assert total < 2_000_000, f"schemas/ holds {total} bytes of JSON; was ~1 MB when shared subtrees were introduced"
    definitions = json.loads((PROJECT_ROOT / "schemas" / "definitions.json").read_text())
    assert definitions["$defs"]


def _schema_graph(edges: list[list[int]], ruled: set[int], inline: set[int]) -> dict[str, Any]:
    """A bundled root whose definitions d0..dN refer to each other (loops included) as `edges` says: a child is
    a `$ref`, or, when its index is in `inline`, an object whose one property is that `$ref`. A definition's
    first child is a property, its second its `items`, its third its `additionalProperties`."""

    def child(target: int) -> dict[str, Any]:
        reference = {"$ref": f"#/$defs/d{target}"}
        return {"type": "object", "properties": {"x": reference}} if target in inline else reference

    definitions: dict[str, Any] = {}
    for index, targets in enumerate(edges):
        node: dict[str, Any] = {"type": "object", "properties": {}}
        for place, target in zip(("properties", "items", "additionalProperties"), targets, strict=False):
            if place == "properties":
                node["properties"]["p"] = child(target)
            else:
                node[place] = child(target)
        if index in ruled:
            node["x-kubernetes-validations"] = [{"rule": "true"}]
        definitions[f"d{index}"] = node
    return {"$defs": definitions}


@given(
    st.integers(min_value=1, max_value=8).flatmap(
        lambda size: st.tuples(
            st.lists(st.lists(st.integers(0, size - 1), max_size=3), min_size=size, max_size=size),
            st.sets(st.integers(0, size - 1), max_size=2),
            st.sets(st.integers(0, size - 1)),
            st.permutations(range(size)),
        )
    )
)
# d1 is first met inside the loop back to d0, before d0's rule-bearing d2 is: its False is not final then
@example(([[1, 2], [0], []], {2}, set(), [0, 1, 2]))
def test_cel_rule_search_matches_reachability(case: tuple[list[list[int]], set[int], set[int], list[int]]) -> None:
    """Whether a schema has rules below it is whether it reaches a schema with rules, whatever the loops among
    them and the order the walk asks in (the answers it keeps must not depend on it); and each schema is looked
    through once, however many loops and paths lead to it."""
    edges, ruled, inline, order = case
    root = _schema_graph(edges, ruled, inline)
    rules = CelRules()
    looked: list[int] = []
    children = cel._children

    def counting(schema: Any) -> Any:
        looked.append(id(schema))
        return children(schema)

    with pytest.MonkeyPatch.context() as patch:  # a fixture's would last across hypothesis's examples
        patch.setattr(cel, "_children", counting)
        for start in order:
            reached, waiting = set(), [start]
            while waiting:
                node = waiting.pop()
                if node not in reached:
                    reached.add(node)
                    waiting.extend(edges[node])
            assert rules._contains_rules(root, root["$defs"][f"d{start}"]) == bool(reached & ruled)
    assert len(looked) == len(set(looked))  # each schema looked through once, loops included


def test_cel_rule_search_looks_through_each_schema_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """The walk asks about each field of an object it meets. Each schema below is looked through once a run, so
    the references followed are at most one per place in the schema document, plus one per value the walk
    meets: the rendered RayCluster's walk followed 2,974 when only the outermost answers were kept, now 871."""
    store = SchemaStore(PROJECT_ROOT / "schemas")
    [file, *_] = sorted((PROJECT_ROOT / "tests/golden/full/workloads").glob("raycluster-*.yaml"))
    document = yaml.safe_load(file.read_text(encoding="utf-8"))
    validator = store.validator_for(document, SUPPORTED_RELEASES[-1])
    assert validator is not None
    followed = 0
    resolve = cel._resolve

    def counting(root: Any, schema: Any) -> Any:
        nonlocal followed
        followed += 1
        return resolve(root, schema)

    monkeypatch.setattr(cel, "_resolve", counting)
    store.cel.findings(validator.schema, document)
    assert 0 < followed <= _count(validator.schema, list) + _count(document, object)


def _count(node: Any, leaves: type) -> int:
    """The dicts in `node`, and its lists and scalars too when `leaves` is object."""
    if isinstance(node, dict):
        return 1 + sum(_count(value, leaves) for value in node.values())
    inner = sum(_count(value, leaves) for value in node) if isinstance(node, list) else 0
    return inner + (1 if isinstance(node, leaves) else 0)
