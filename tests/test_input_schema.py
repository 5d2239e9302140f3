"""The environment schema's two validators agree: jsonschema-rs, which decides whether an environment is valid,
and jsonschema, which words the errors. An environment the first passes and the second refuses would go
unchecked, so every environment of the corpus and the fixtures is put to both, and so are generated ones."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.errors import InputError
from generator.input.envschema import environment_schema
from generator.input.load import load_environment_file
from generator.input.resolve import resolve_environment
from generator.input.schema_check import SchemaValidator
from generator.paths import PROJECT_ROOT

SCHEMA = SchemaValidator(environment_schema())
FOLDERS = (
    *(PROJECT_ROOT / "tests" / "corpus" / kind for kind in ("valid", "invalid", "warning")),
    *(folder for folder in (PROJECT_ROOT / "tests" / "corpus" / "cross").iterdir() if folder.is_dir()),
    PROJECT_ROOT / "tests" / "fixtures" / "environments",
    PROJECT_ROOT / "tests" / "fixtures" / "fields",
)


def _environments() -> Iterator[tuple[Path, dict[str, Any]]]:
    for folder in FOLDERS:
        partials = frozenset(path.stem for path in folder.glob("_*.yaml"))
        for file in sorted(folder.glob("[!_]*.yaml")):
            try:
                yield file, resolve_environment(file, load_environment_file, partials).data
            except InputError:
                continue  # not YAML the loader takes: never reaches the schema


def _agree(data: Any) -> bool:
    return SCHEMA.is_valid(data) == (not list(SCHEMA.detailed.iter_errors(data)))


def test_both_validators_decide_alike_on_the_corpus() -> None:
    verdicts = {file: SCHEMA.is_valid(data) for file, data in _environments()}
    assert [file for file, data in _environments() if not _agree(data)] == []
    assert set(verdicts.values()) == {True, False}  # the corpus holds both


NAMES = st.text(alphabet="abc-.:_/XYZ019 é\u212a\n", max_size=12)
VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 70000) | st.floats(allow_nan=False) | NAMES,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(NAMES, inner, max_size=3),
    max_leaves=8,
)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(["name", "target", "clusters", "objects", "defaults", "gitops"]), VALUES, VALUES)
def test_both_validators_decide_alike_on_generated_values(field: str, value: Any, name: Any) -> None:
    """Patterns (names, quantities, versions) are where two regex engines could part: a base environment with
    one field replaced by a generated value, and one name replaced by generated text."""
    data: dict[str, Any] = {
        "name": "demo",
        "kuberay": {"version": "1.3.0"},
        "target": {"cluster": "in-cluster", "namespace": "ray"},
        "gitops": {"engine": "argocd", "repoURL": "https://git.example.com/ray.git"},
        "clusters": [{"name": name, "head": {"cpu": value, "memory": "2Gi"}}],
    }
    data[field] = value
    assert _agree(data)


def test_a_final_line_break_ends_no_pattern() -> None:
    """`$` ends the text to jsonschema-rs and the API server; Python's also matches before a final line break.
    Both validators now refuse a namespace with one, and jsonschema words why (input/pattern_keyword.py)."""
    data = {
        "name": "demo",
        "kuberay": {"version": "1.3.0"},
        "target": {"cluster": "in-cluster", "namespace": "team-x\n"},
        "gitops": {"engine": "argocd", "repoURL": "https://git.example.com/ray.git"},
    }
    assert not SCHEMA.fast.is_valid(data)
    assert not SCHEMA.is_valid(data)
    assert [finding.path for finding in SCHEMA.findings(data)] == [("target", "namespace")]


@pytest.mark.parametrize(
    ("field", "key", "valid"),
    [
        ("labels", "example.com/team", True),
        ("labels", "a" * 63, True),
        ("labels", "a" * 64, False),  # the name part holds at most 63
        ("labels", "a..b/key", False),  # the prefix is a DNS-1123 subdomain
        ("labels", "x.-y/key", False),
        ("labels", "x" * 253 + "/key", True),
        ("labels", "x" * 254 + "/key", False),  # and at most 253 characters
        ("labels", "Example.com/team", False),
        ("annotations", "Example.com/owner", True),  # ValidateAnnotations checks the key lower-cased
        ("annotations", "a..b/owner", False),
    ],
)
def test_label_and_annotation_keys_as_the_api_server_checks_them(field: str, key: str, valid: bool) -> None:
    """IsQualifiedName, on label keys as they are and on annotation keys lower-cased (apimachinery
    ValidateLabels and ValidateAnnotations)."""
    data = {
        "name": "demo",
        "kuberay": {"version": "1.3.0"},
        "target": {"cluster": "in-cluster", "namespace": "ray"},
        "gitops": {"engine": "argocd", "repoURL": "https://git.example.com/ray.git"},
        "clusters": [{"name": "c", field: {key: "v"}, "head": {"cpu": "1"}}],
    }
    assert SCHEMA.is_valid(data) == valid
    assert _agree(data)


@pytest.mark.parametrize(
    ("allowed", "message", "hint"),
    [
        # the releases' own enum names the supported releases
        (None, '"2.1.0" is not a supported release', "supported: "),
        # another enum of versions (an objectSchemas file's) is a list like any other
        (["1.0.0", "2.0.0"], '"2.1.0" is not one of: 1.0.0, 2.0.0', "did you mean '2.0.0'?"),
        ([], '"2.1.0" is not allowed: the schema\'s enum is empty', None),
        # choices that cannot be hashed
        ([[1, 2], {"a": 1}], '"2.1.0" is not one of: [1, 2], {"a": 1}', "write one of them, e.g. version: [1, 2]"),
        # "" and null as YAML reads them (an empty word and None were shown as nothing and None)
        (
            ["Recreate", "", None],
            '"2.1.0" is not one of: Recreate, "", null',
            "write one of them, e.g. version: Recreate",
        ),
    ],
)
def test_an_enum_of_versions_is_worded_as_releases_only_when_it_is_the_releases(
    allowed: list[str] | None, message: str, hint: str | None
) -> None:
    from jsonschema import Draft202012Validator

    from generator.input.schema_check import findings
    from generator.releases import SUPPORTED_RELEASES

    schema = {"properties": {"version": {"enum": list(SUPPORTED_RELEASES) if allowed is None else allowed}}}
    (found,) = findings(Draft202012Validator(schema), {"version": "2.1.0"})
    assert found.message == message
    assert found.hint == hint or (hint is not None and (found.hint or "").startswith(hint))


@pytest.mark.parametrize(
    ("path", "value", "message", "hint"),
    [
        (
            ("target", "cluster"),
            ["prod"],
            "expected text, got a list",
            "cluster takes one value (text), not a list: write it after the colon, on the same line",
        ),
        (
            ("target", "namespace"),
            {"name": "ray"},
            "expected text, got a mapping",
            "namespace takes one value (text), not a mapping: write it after the colon, on the same line",
        ),
        (
            ("clusters", 0, "head", "cpu"),
            [1],
            "expected text or an integer or a number, got a list",
            'cpu takes one value (text or an integer or a number), not a list: write it after the colon, e.g. cpu: "2"',
        ),
        (
            ("clusters", 0, "workerGroups", 0, "maxReplicas"),
            {"max": 3},
            "expected an integer, got a mapping",
            "maxReplicas takes one value (an integer), not a mapping: write it after the colon, e.g. maxReplicas: 1",
        ),
        (
            ("clusters", 0, "workerGroups", 0, "replicas"),
            True,
            "expected an integer, got a boolean true",
            "YAML reads true as a boolean: write a number, e.g. replicas: 1",
        ),
        (
            ("operator", "watchNamespaces", 0),
            ["team-a"],
            "expected text, got a list",
            "each item of watchNamespaces takes one value (text), not a list: write it after its '- ', on the same "
            "line",
        ),
        (
            ("operator", "install"),
            "x",
            'expected true or false, got text "x"',
            "write true or false, without quotes: install: true",
        ),
        (
            ("operator", "watchNamespaces", 0),
            None,
            "expected text, got null",
            "each item of watchNamespaces needs a value here: write one, or remove the item",
        ),
        # quoted, it would be refused next: the hint says what the text must be
        (
            ("gitops", "interval"),
            10,
            "expected text, got an integer 10",
            "interval is text, and 10 is not a duration either: write e.g. 30s, 10m or 1h30m",
        ),
        (
            ("target", "kubernetesVersion"),
            "v1.30",
            '"v1.30" is not a Kubernetes minor version',
            'write the minor version alone, quoted, e.g. kubernetesVersion: "1.34"',
        ),
    ],
)
def test_a_value_of_the_wrong_shape_says_how_to_write_it(
    path: tuple[str | int, ...], value: Any, message: str, hint: str
) -> None:
    """A value where another type is wanted says how to write one of that type (every input-schema type error
    has a hint)."""
    data: dict[str, Any] = {
        "name": "e",
        "kuberay": {"version": "1.6.0"},
        "target": {"cluster": "in-cluster", "namespace": "ray"},
        "gitops": {"engine": "argocd", "repoURL": "https://git.example.com/ray.git"},
        "operator": {"install": True, "watchNamespaces": ["ray"]},
        "clusters": [{"name": "c", "head": {"cpu": "1"}, "workerGroups": [{"name": "w"}]}],
    }
    assert not SCHEMA.findings(data)
    parent: Any = data
    for part in path[:-1]:
        parent = parent[part]
    parent[path[-1]] = value
    (found,) = SCHEMA.findings(data)
    assert (found.path, found.message, found.hint) == (path, message, hint)


@pytest.mark.parametrize(
    ("schema", "instance", "message", "hint"),
    [
        # the CRDs are generated without descriptions: the hint says where the field goes
        (
            {"properties": {"terms": {"items": {"required": ["weight"]}}}},
            {"terms": [{}]},
            "missing required field 'weight'",
            "add weight: to each item of terms (the schema requires it)",
        ),
        (
            {"properties": {"affinity": {"required": ["weight"]}}},
            {"affinity": {}},
            "missing required field 'weight'",
            "add weight: to affinity (the schema requires it)",
        ),
        ({"required": ["kind"]}, {}, "missing required field 'kind'", "add kind: at the top of the document"),
        # an enum met with a value of another type: no close match, one of the choices shown
        (
            {"properties": {"op": {"enum": ["add", "remove"]}}},
            {"op": 5},
            "5 is not one of: add, remove",
            "write one of them, e.g. op: add",
        ),
        ({"items": {"enum": [1, 2]}}, ["x"], '"x" is not one of: 1, 2', "write one of them, e.g. - 1"),
    ],
)
def test_findings_without_a_description_or_a_close_choice_still_have_a_hint(
    schema: dict[str, Any], instance: Any, message: str, hint: str
) -> None:
    from jsonschema import Draft202012Validator

    from generator.input.schema_check import findings

    (found,) = findings(Draft202012Validator(schema), instance)
    assert (found.message, found.hint) == (message, hint)


def test_a_required_field_s_hint_quotes_its_description() -> None:
    """In lower case, but for an acronym or a name: gitops.repoURL's hint read `(uRL of this Git repository)`."""
    from jsonschema import Draft202012Validator

    from generator.input.schema_check import findings

    schema = {
        "properties": {
            "a": {"description": "Name of it."},
            "b": {"description": "URL of it."},
            "c": {"description": "Argo CD's name of it."},
        }
    }
    found = findings(Draft202012Validator({**schema, "required": ["a", "b", "c"]}), {})
    hints = ["add a: (name of it)", "add b: (URL of it)", "add c: (Argo CD's name of it)"]
    assert [finding.hint for finding in found] == hints


def test_a_key_that_property_names_refuses_is_the_finding_s_path() -> None:
    """jsonschema gives the mapping's path for a key that a pattern under propertyNames refuses: the finding
    names the key, at the key, so that it is located at the key's line, not the mapping's first."""
    from jsonschema import Draft202012Validator

    from generator.input.schema_check import findings

    schema = {"properties": {"data": {"propertyNames": {"pattern": "^[a-z.]+$"}}}}
    (found,) = findings(Draft202012Validator(schema), {"data": {"main.py": "1", "my file.py": "2"}})
    assert (found.path, found.at_key) == (("data", "my file.py"), True)


def test_an_unknown_field_without_a_close_one_lists_every_allowed_field() -> None:
    from jsonschema import Draft202012Validator

    from generator.input.schema_check import findings

    fields = [f"field{index:02d}" for index in range(30)]
    schema = {"properties": {key: {} for key in fields}, "additionalProperties": False}
    (found,) = findings(Draft202012Validator(schema), {"zzz": 1})
    assert (found.message, found.hint) == ("unknown field 'zzz'", "allowed fields: " + ", ".join(fields))
