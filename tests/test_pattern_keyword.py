"""JSON Schema's `pattern` with `$` ending the text (generator/input/pattern_keyword.py), as ECMA-262 and the
API server's Go regexp read it, for every validator made of the jsonschema library."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from generator.errors import Location
from generator.input.pattern_keyword import end_anchored, end_of_text_class
from generator.source import Origin
from generator.validate.kubernetes import KubernetesSchemas, user_validator


@pytest.mark.parametrize(
    ("pattern", "text", "matches"),
    [
        ("^[a-z]+$", "redis", True),
        ("^[a-z]+$", "redis\n", False),  # Python's re alone matches this
        ("^[a-z]+$\n", "redis\n", False),  # nothing follows the end of the text
        (r"^a\$$", "a$", True),  # an escaped `$` is the character
        ("^a[$]$", "a$", True),  # so is one in a class
        ("^a[]$]+$", "a]$", True),  # `]` first in a class is the character (Python's reading)
        ("^a[^]$]$", "ab", True),
        ("^a[^]$]$", "a$", False),
        ("^a$|^b$", "b\n", False),
        ("^a$|^b$", "b", True),
        ("a(?=$)", "a\n", False),
        ("^(?:x|$)", "", True),
        ("^[a-z]+(?#lower case to the $)$", "abc", True),  # a comment is kept as written
        ("^[a-z]+(?#lower case to the $)$", "abc\n", False),
        ("(?x) ^a # [ a comment\n b$", "ab\n", False),  # so is one of verbose mode, a `[` in it too
        ("(?x) ^a # [ a comment\n b$", "ab", True),
        ("(?m)^a$", "a\nb", True),  # multi-line: `$` ends a line, to Python, Go and jsonschema-rs alike
    ],
)
def test_dollar_ends_the_text(pattern: str, text: str, matches: bool) -> None:
    assert (end_anchored(pattern).search(text) is not None) is matches


@given(st.text(alphabet="ab-\n", max_size=6), st.sampled_from(["[ab]+", "a-?b", "(a|b)*", "-*a"]))
def test_an_anchored_pattern_matches_the_whole_text(text: str, body: str) -> None:
    """`^X$` read with `$` at the end of the text matches exactly where X matches the whole text."""
    assert (end_anchored(f"^{body}$").search(text) is not None) is (re.fullmatch(body, text) is not None)


def test_jsonschema_validators_use_it() -> None:
    schema = {"type": "string", "pattern": "^[a-z]+$"}
    validator = end_of_text_class()(schema)
    assert validator.is_valid("redis")
    assert not validator.is_valid("redis\n")
    [error] = validator.iter_errors("redis\n")
    assert error.message == "'redis\\n' does not match '^[a-z]+$'"  # jsonschema's own wording


def test_kubernetes_kinds_and_user_schemas_read_it(tmp_path: Path) -> None:
    pod = KubernetesSchemas().validator("1.33", "v1", "Pod")
    assert pod is not None
    container: dict[str, Any] = {"name": "c", "image": "i", "ports": [{"name": "redis\n", "containerPort": 1}]}
    document: dict[str, Any] = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}}
    assert not pod.is_valid({**document, "spec": {"containers": [container]}})
    (tmp_path / "schema.json").write_text('{"$schema": "http://json-schema.org/draft-07/schema#", "pattern": "^x$"}')
    at = Location(tmp_path / "env.yaml", 1, 1)
    validator, problem = user_validator(tmp_path / "env.yaml", "schema.json", "v1/X", Origin(at, at))
    assert problem is None
    assert validator is not None
    assert validator.is_valid("x")
    assert not validator.is_valid("x\n")


def test_pattern_properties_read_it_too() -> None:
    """patternProperties' patterns, and additionalProperties that reads them, end at the end of the key too."""
    schema = {"type": "object", "patternProperties": {"^[a-z]+$": {"type": "string"}}, "additionalProperties": False}
    validator = end_of_text_class()(schema)
    assert validator.is_valid({"abc": "x"})
    assert not validator.is_valid({"abc": 1})
    assert not validator.is_valid({"abc\n": "x"})  # no pattern's key: an additional property
    [error] = validator.iter_errors({"abc\n": "x"})
    assert error.validator == "additionalProperties"
