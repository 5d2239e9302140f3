"""The reader of template output reads what PyYAML reads: on the output of every template in a render of the
corpus and the fixtures, and on generated values in the shapes the templates write."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.output.serialize import load_yaml_stream
from generator.paths import PROJECT_ROOT, ToolData
from generator.pipeline import BuildRequest, build
from generator.render import jinja as rendering
from generator.render import template_yaml
from generator.render.jinja import template_environment
from generator.render.template_yaml import load_template_output

FOLDERS = (
    PROJECT_ROOT / "tests" / "corpus" / "valid",
    PROJECT_ROOT / "tests" / "fixtures" / "environments",
    PROJECT_ROOT / "tests" / "fixtures" / "fields",
)


def _pyyaml(text: str) -> list[Any]:
    return [document for document in load_yaml_stream(text) if document is not None]


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda path: path.name)
def test_every_template_output_reads_as_pyyaml_reads_it(
    tool: ToolData, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    read: list[str] = []

    def compared(text: str) -> list[Any]:
        documents = load_template_output(text)
        assert documents == _pyyaml(text), text
        assert [type(document) for document in documents] == [type(document) for document in _pyyaml(text)]
        read.append(text)
        return documents

    def fallback(text: str) -> list[Any]:
        pytest.fail(f"a template writes what the fast reader leaves to PyYAML:\n{text}")

    monkeypatch.setattr(rendering, "load_template_output", compared)
    monkeypatch.setattr(template_yaml, "load_yaml_stream", fallback)  # every template stays on the fast path
    result = build(BuildRequest(folder, (), tool, jobs=1))
    assert [problem for problem in result.problems if problem.is_error] == []
    assert len(read) > 20


# Numbers as tojson writes them, including those YAML 1.1 does not read as numbers (1e-05, NaN).
numbers = st.integers(-(2**70), 2**70) | st.floats(allow_nan=True, allow_infinity=True)
text = st.text(st.characters(exclude_categories=["Cs"]), max_size=20)
values = st.recursive(
    st.none() | st.booleans() | numbers | text,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(text, children, max_size=3),
    max_leaves=12,
)
TEMPLATE = """\
apiVersion: v1
kind: Thing
metadata:
  name: {{ name | tojson }}
spec:
  value: {{ value | tojson }}
  items:
    - first: {{ value | tojson }}
      second: 8265
{% for key, item in entries.items() %}
      {{ key | tojson }}: {{ item | tojson }}
{% endfor %}
  plain: ray.io/v1
  indentless:
  - {{ value | tojson }}
  -
    nested: true
  empty:
---
# a comment line
kind: Other
"""


@settings(max_examples=300, deadline=None)
@given(values, text, st.dictionaries(text, values, max_size=3))
def test_generated_values_read_as_pyyaml_reads_them(value: Any, name: str, entries: dict[str, Any]) -> None:
    rendered = (
        template_environment(PROJECT_ROOT / "templates")
        .from_string(TEMPLATE)
        .render(value=value, name=name, entries=entries)
    )
    assert load_template_output(rendered) == _pyyaml(rendered)


@pytest.mark.parametrize("text", ['a: "\\udc00"\n', 'a: {"k": "\\ud83d\\ude00"}\n'])
def test_surrogate_escapes_are_left_to_pyyaml(text: str) -> None:
    """json takes a lone surrogate escape (and joins a pair); PyYAML refuses the first and keeps the pair
    apart: such text is PyYAML's to read, or to refuse."""
    try:
        expected: Any = _pyyaml(text)
    except yaml.YAMLError as error:
        expected = type(error)
    try:
        actual: Any = load_template_output(text)
    except yaml.YAMLError as error:
        actual = type(error)
    assert actual == expected
