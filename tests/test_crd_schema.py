"""The CRD-to-JSON-Schema conversion validates like the API server, and the committed schemas hold."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from generator.paths import PROJECT_ROOT
from generator.releases import SUPPORTED_RELEASES
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
