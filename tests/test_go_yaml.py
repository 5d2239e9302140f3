"""plain_scalar_type against the reader itself: kubectl decodes manifests with sigs.k8s.io/yaml, as Helm, Argo CD and
helm-controller do, and `kubectl label --local -o json` shows what it made of each value without a cluster."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.rules.go_yaml import map_reading_problem, plain_scalar_type

KUBECTL = Path(sys.executable).parent / "kubectl"
SPELLINGS = [
    "gpu", "on", "ON", "oN", "Yes", "y", "n", "N", "off", "4090", "a100", "0x1f", "0o17", "0O17", "0b2",
    "0b101", "1e3", "1e-3", "1E3", "1e400", "1e-400", "2024-01-02", "2023-02-30", "08", "007", "2.46",
    "2.46.0", "-1", "+1", ".5", ".5e3", "._5", ".5_5", "v1", "1_000", "1__0", "null", "Null", "NULL", "NuLL",
    "~", "0000-02-29", "-0b11", "99999999999999999999999", "0x", "0b", "1-", "1-2", "12e", "1e", "0xg",
    "1.2.3", "1.", "0x1_f", "0x1ffffffffffffffff", "-0x8000000000000001", "0xffffffffffffffff",
    "-0x8000000000000000", "0o7777777777777777777777", "0b" + "1" * 65, ".\u0663", "\u0663", "a#b", "x:y", "-x",
    "+0x8000000000000000", "+0xffffffffffffffff", "+0x7fffffffffffffff", "+0b" + "1" * 64, "9" * 320,
    "-" + "9" * 320, "a\u00a0#b", "\u00a0x", "x\u3000",
]  # fmt: skip
# Spellings YAML reads as something else than their text (a comment, a mapping, a list, trimmed text): each is
# decoded in a document of its own, as some are not even valid there
SYNTAX = ["#2", "2.46 ", " 2.46", "2.46 # c", "a: b", "a:", "[x]", "{x: 1}", "'x'", "&a x", "!x y", "- x", "? x"]


def decoded(values: list[str]) -> list[object]:
    """What sigs.k8s.io/yaml makes of each value written as a plain scalar in a list."""
    document = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\nlisted:\n" + "".join(
        f"- {value}\n" for value in values
    )
    completed = subprocess.run(
        [str(KUBECTL), "label", "--local", "-f", "-", "a=b", "-o", "json"],
        input=document,
        capture_output=True,
        text=True,
        check=True,
    )
    listed: list[object] = json.loads(completed.stdout)["listed"]
    return listed


def kind(item: object, written: str) -> str:
    """plain_scalar_type's words for what the reader made of the text `written`."""
    if isinstance(item, bool):
        return "a boolean"
    if item is None:
        return "null"
    if isinstance(item, int | float):
        return "a number"
    assert item == written  # a date comes back as the text it was
    return "text"


def test_plain_scalar_types_as_kubectl_reads_the_spellings() -> None:
    assert [plain_scalar_type(value) for value in SPELLINGS] == [
        kind(item, value) for item, value in zip(decoded(SPELLINGS), SPELLINGS, strict=True)
    ]


@pytest.mark.parametrize("value", SYNTAX)
def test_yaml_syntax_is_another_value(value: str) -> None:
    """Where the text holds YAML syntax, kubectl reads something else, or refuses the document."""
    assert plain_scalar_type(value) == "another value"
    try:
        [item] = decoded([value])
    except subprocess.CalledProcessError:
        return
    assert item != value


NAME = st.from_regex(r"\A[A-Za-z0-9]([-A-Za-z0-9]{0,8}[A-Za-z0-9])?\Z")


@settings(max_examples=30, deadline=None)
@given(st.lists(st.one_of(NAME, st.from_regex(r"\A[0-9][-0-9eExXoObB_a-f]{0,6}\Z")), min_size=1, max_size=40))
def test_plain_scalar_types_as_kubectl_reads_names(values: list[str]) -> None:
    """Names as environments write them (letters, digits, '-'), and digit-led text of every number syntax."""
    assert [plain_scalar_type(value) for value in values] == [
        kind(item, value) for item, value in zip(decoded(values), values, strict=True)
    ]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("pip: [requests]", None),
        ("", None),  # null: an empty map to Go
        ("pip: [requests]\n---\n- not read\n", None),  # the first document alone
        ("pip: !custom [requests]", None),  # an unknown tag is none
        ("- pip", "it reads as a list, not a mapping"),
        ("true", "it reads as a boolean, not a mapping"),
        ("~: x", "a key is null, which JSON has no form for"),
        ("9223372036854775808: x", "the key 9223372036854775808 is beyond int64"),
        ("env_vars: {A: .inf}", "inf is a float that JSON cannot hold"),
        ("pip: [requests", "it does not read as YAML: expected ',' or ']', but got '<stream end>'"),
    ],
)
def test_what_the_operator_makes_of_a_runtime_env_yaml(text: str, problem: str | None) -> None:
    """k8s.io/apimachinery's yaml.Unmarshal into a map: goyaml.v2's first document, JSON's limits."""
    assert map_reading_problem(text) == problem
