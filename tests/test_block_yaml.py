"""The line reader of block YAML (generator/input/block_yaml.py) reads what load.py's composer reads: the same
data, the same positions, and it gives up wherever the composer finds a problem. Compared on every YAML file of
the repository and the tests, on generated documents, and on generated documents with characters dropped in."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from ruamel.yaml.nodes import MappingNode

from generator.errors import InputError, Location
from generator.input import load
from generator.input.load import MAX_DEPTH, MAX_EVENTS
from generator.paths import PROJECT_ROOT
from generator.source import Origin

FILE = Path("e.yaml")
FOLDERS = ("environments", "tests", "docs")


def fast(text: str) -> tuple[dict[str, Any], Origin] | None:
    return load.read_lines(FILE, text)


def composed(text: str) -> tuple[Any, Origin] | None:
    """What load.py's composer reads of `text`; None where it finds a problem or no mapping."""
    try:
        root = load._compose(FILE, text)
        if root is None or not isinstance(root, MappingNode):
            return None
        converter = load._Converter(FILE)
        data, origin = converter.convert(root, (), Location(FILE, 1, 1), 0)
    except InputError:
        return None
    return None if converter.problems else (data, origin)


def assert_same_reading(text: str) -> bool:
    """Whether the line reader took `text`; when it did, it read what the composer reads."""
    read = fast(text)
    if read is None:
        return False
    expected = composed(text)
    assert expected is not None, f"the line reader took text the composer refuses:\n{text}"
    # and text libyaml reads: where it does not, the pure parser places some values elsewhere (an empty value
    # at the end of the file at the end of the stream), and the line reader reads as libyaml does
    load._composer(pure=False).compose(text)
    assert read[0] == expected[0], text
    assert [type(value) for value in _leaves(read[0])] == [type(value) for value in _leaves(expected[0])], text
    assert read[1] == expected[1], f"positions differ:\n{text}"
    return True


def _leaves(data: Any) -> list[Any]:
    if isinstance(data, dict):
        return [leaf for value in data.values() for leaf in _leaves(value)]
    if isinstance(data, list):
        return [leaf for value in data for leaf in _leaves(value)]
    return [data]


def _repository_yaml() -> list[Path]:
    return sorted(path for folder in FOLDERS for path in (PROJECT_ROOT / folder).rglob("*.yaml") if path.is_file())


def test_every_yaml_file_of_the_repository_reads_the_same() -> None:
    taken = 0
    for path in _repository_yaml():
        try:
            text = path.read_bytes().decode("utf-8")
        except UnicodeDecodeError:
            continue
        taken += assert_same_reading(text)
    assert taken > 100  # the environments, the corpus and the fixtures are mostly block YAML


TYPICAL = """\
# a comment
---
name: prod   # trailing comment
extends: _base
kuberay:
  version: 1.3.0
labels: {}
target: {cluster: in-cluster, namespace: 'ray' }   # a flow mapping
configMaps:
  - name: code
    data:
      run.py: |
        import ray

        # a comment in the script
          indented
      strip.sh: |-
        echo hi
clusters:
- name: c0
  head:
    cpu: '2'
    memory: "8Gi"
    ports: [{name: dashboard, containerPort: 8265}, {name: client, containerPort: 10001}]
    rayStartParams:
      num-cpus: '0'
      'quoted key': x
  workerGroups:
    -   name: gpu
        replicas: 1
        tolerations: []
        env:
        - name: A
          value: 'it''s'
        -
          name: B
  empty:
  nothing: ~
ports:
  - 8265
  -
  - 1.5
"""


def test_a_typical_file_is_taken_and_read_the_same() -> None:
    assert assert_same_reading(TYPICAL)
    data = load.parse_environment_text(FILE, TYPICAL).data
    assert data["configMaps"][0]["data"] == {
        "run.py": "import ray\n\n# a comment in the script\n  indented\n",
        "strip.sh": "echo hi",
    }


@pytest.mark.parametrize(
    "text",
    [
        "a: 1\n  b: 2\n",  # more indented after a scalar
        "a: b\n  c\n",  # a plain scalar over two lines
        "a: 'b\n  c'\n",  # a quoted one
        "a: b: c\n",
        "a: 1\na: 2\n",  # a duplicate: load.py reports it
        "a: {b: 1, b: 2}\n",
        "a: {<<: b}\n",  # a merge key
        "1: x\n",  # a key that is no text
        "a: 0777\n",  # load.py's octal warning
        "a: 2001-01-01\n",
        "a: .inf\n",
        "a: 1_000\n",
        'a: "\\n"\n',
        "a: >\n  x\n",  # folded
        "a: |+\n  x\n",  # kept
        "a: |2\n   x\n",  # an explicit indentation
        "a: |\n  x",  # no line break at the end
        "a: |\n  x\n   \n",  # spaces beyond the indentation
        "a: {b: https://x}\n",  # YAML 1.1 and 1.2 read a `:` in a flow scalar differently
        "a: [b,\n  c]\n",  # a flow collection over two lines
        "a: [b, ]\n",
        "a: [b?]\n",  # libyaml ends a plain scalar at a `?` in a flow collection
        "k" * 1025 + ": v\n",  # longer than YAML's limit on implicit keys
        "'" + "k" * 1023 + "': v\n",
        "x:\n- " + "k" * 1025 + ": v\n",
        "x: {" + "k" * 1025 + ": v}\n",
        "x: {'" + "日" * 1023 + "': v}\n",
        "a: 1_0.5\n",  # a float with underscores: load.py refuses it
        "a: &x 1\nb: *x\n",
        "- a\n",
        "a:\n  - b\n  c: d\n",
        "a:\tb\n",
        "a: b\r\nc: d\r\n",
        "%YAML 1.2\n---\na: 1\n",
        "a: 1\n---\nb: 2\n",
        "a: 1\n...\n",
        "\ufeffa: 1\n",
        "a: b\x85c\n",
        "",
        "# only a comment\n",
        "x: " + "[" * 70 + "]" * 70 + "\n",  # nesting near the limit
    ],
)
def test_what_the_line_reader_gives_up(text: str) -> None:
    assert fast(text) is None


def test_a_large_file_is_taken_within_the_limits() -> None:
    groups = "".join(
        f"  - name: g{index}\n    replicas: {index}\n    script: |\n      echo {index}\n" for index in range(2000)
    )
    text = f"name: big\nworkerGroups:\n{groups}"
    assert len(text) > 50_000
    assert assert_same_reading(text)


def test_near_the_limits_the_composer_decides() -> None:
    values = MAX_EVENTS // 4
    assert fast("a:\n" + "- 1\n" * (values - 2)) is not None
    assert fast("a:\n" + "- 1\n" * values) is None
    assert composed("a:\n" + "- 1\n" * values) is not None  # far from the composer's own limit
    nested = "".join(" " * level + f"k{level}:\n" for level in range(MAX_DEPTH // 2 - 1)) + " " * 99 + "v: 1\n"
    assert assert_same_reading(nested)
    deeper = "".join(" " * level + f"k{level}:\n" for level in range(MAX_DEPTH // 2)) + " " * 99 + "v: 1\n"
    assert fast(deeper) is None
    assert composed(deeper) is not None
    assert fast("a: " + "[" * (MAX_DEPTH // 2 + 2) + "]" * (MAX_DEPTH // 2 + 2) + "\n") is None


KEYS = ["name", "a.b/c", "num-cpus", "1", "true", "on", "null", "x y", "a:b", "'q'", '"d"', "é", "<<", "=", "~", "_x"]
SCALARS = [
    *("1", "-1", "01", "0o7", "0x1F", "1.5", "1e3", "-.inf", ".nan", "1_0", "+1", "0.", ".5"),
    *("true", "True", "TRUE", "yes", "on", "off", "null", "Null", "~", "2001-01-01", "2001-1-1"),
    *("a", "a b", "a #b", "a#b", "http://x:8080/y", "--x", "-x", "=", "<<", "a]", "a,b", "é", "日本", "x  y"),
    *("'a'", "'it''s'", "''", '"a"', '""', '"a\'b"', "'a\"b'", "[]", "{}", "[ ]", "{a: 1}", "-", "- a", "?a"),
]
FRAGMENTS = [": ", " #", "#", "'", '"', "-", "- ", "\t", "[", "]", "{", "}", "&", "*", "!", "|", ">", "%", "@", ","]
FRAGMENTS += ["\n", "\n  ", "\n- ", " ", "  ", "?", ":", "\\", "~", "0", "1", ".", "---", "\n---\n", "\u2028", "é"]


LITERAL_LINES = ["x", "  indented", "# not a comment", "", "   ", "a: b", "- c", "'q'", "---", "é"]
FLOW_SCALARS = ["a", "1", "true", "'a'", '"b"', "a b", "-1", "-x", "http://x", "a#b", "~", "null", "", "[]", "{}"]


# what the line reader takes (the rest of each list, it leaves to the composer)
CLEAN_KEYS = ["name", "a.b/c", "num-cpus", "on", "'q'", '"d"', "_x", "'it''s'", '"a b"']
CLEAN_SCALARS = ["1", "-1", "0o7", "0x1F", "1.5", "1e3", "true", "False", "yes", "null", "~", "a b", "a #b", "a#b"]
CLEAN_SCALARS += ["http://x:8080/y", "--x", "=", "<<", "a]", "a,b", "é", "'it''s'", "''", '""', "[]", "{a: 1}"]
CLEAN_FLOW_SCALARS = ["a", "1", "true", "'a'", '"b"', "a b", "-1", "-x", "~", "null", "[]", "{}"]
CLEAN_LITERAL_LINES = ["x", "  indented", "# not a comment", "a: b", "- c", "'q'", "é", ""]


@st.composite
def flows(draw: st.DrawFn, depth: int = 0, clean: bool = False) -> str:
    """A flow sequence or mapping on one line, spaced as people space them."""
    scalars = st.sampled_from(CLEAN_FLOW_SCALARS if clean else FLOW_SCALARS)
    entries = scalars if depth > 1 else scalars | flows(depth + 1, clean)
    space = draw(st.sampled_from(["", " "]))
    items = draw(st.lists(entries, max_size=3))
    if draw(st.booleans()):
        names = st.sampled_from(CLEAN_KEYS if clean else KEYS)
        keys = draw(st.lists(names, min_size=len(items), max_size=len(items), unique=True))
        colons = [": ", ":  "] if clean else [": ", ":  ", ":"]
        pairs = [f"{key}{draw(st.sampled_from(colons))}{item}" for key, item in zip(keys, items, strict=True)]
        return "{" + space + ", ".join(pairs) + space + "}"
    return "[" + space + draw(st.sampled_from([", ", ",", " , "])).join(items) + space + "]"


def _scalar(value: str, comment: bool) -> str:
    return value + ("  # c" if comment else "")


@st.composite
def documents(draw: st.DrawFn, depth: int = 0, indent: int = 0, clean: bool = False) -> str:
    """A block mapping at `indent`, in the styles people write; `clean`: of what the line reader takes."""
    lines = []
    scalars = st.sampled_from(CLEAN_SCALARS if clean else SCALARS)
    headers = ["|", "|-", "|  # c"] if clean else ["|", "|-", "|  # c", "|+", ">"]
    for key in draw(st.lists(st.sampled_from(CLEAN_KEYS if clean else KEYS), min_size=1, max_size=4, unique=True)):
        prefix = " " * indent + key + ":"
        kinds = ["scalar", "empty", "flow", "literal", *(["mapping", "sequence"] if depth < 3 else [])]
        kind = draw(st.sampled_from(kinds))
        if kind == "scalar":
            spaces = " " * draw(st.integers(1, 3))
            lines.append(prefix + spaces + _scalar(draw(scalars), draw(st.booleans())))
        elif kind == "flow":
            lines.append(prefix + " " + _scalar(draw(flows(clean=clean)), draw(st.booleans())))
        elif kind == "literal":
            lines.append(prefix + " " + draw(st.sampled_from(headers)))
            body = [draw(st.sampled_from(["x", "é"])) if clean else draw(st.sampled_from(LITERAL_LINES))]
            body += draw(st.lists(st.sampled_from(CLEAN_LITERAL_LINES if clean else LITERAL_LINES), max_size=3))
            column = indent + draw(st.integers(1, 3))
            lines.extend((" " * column + line) if line.strip() else line for line in body)
        elif kind == "empty":
            lines.append(prefix + draw(st.sampled_from(["", "  # c"])))
        elif kind == "mapping":
            lines.append(prefix + draw(st.sampled_from(["", "   # c"])))
            lines.append(draw(documents(depth + 1, indent + draw(st.integers(1, 3)), clean)))
        else:
            lines.append(prefix)
            column = indent + draw(st.sampled_from([0, 2]))
            for _ in range(draw(st.integers(1, 3))):
                item = draw(st.sampled_from(["scalar", "mapping", "empty", "block"] if depth < 3 else ["scalar"]))
                dash = " " * column + "-" + " " * draw(st.integers(1, 3))
                if item == "scalar":
                    lines.append(dash + _scalar(draw(scalars), draw(st.booleans())))
                elif item == "empty":
                    lines.append(" " * column + "-")
                elif item == "block":
                    lines.append(" " * column + "-")
                    lines.append(draw(documents(depth + 1, column + 2, clean)))
                else:
                    nested = draw(documents(depth + 1, len(dash), clean))
                    lines.append(dash + nested[len(dash) :])
        if draw(st.booleans()) and depth == 0:
            lines.append(draw(st.sampled_from(["", "# a comment", "   # indented comment"])))
    return "\n".join(lines)


@settings(max_examples=400, deadline=None)
@given(documents(clean=True), st.booleans())
@example("a:\n- b\nc: d", False)
@example("a: {b: =, c: <<}", False)
def test_generated_documents_of_what_it_takes_are_taken_and_read_the_same(text: str, leading: bool) -> None:
    assert assert_same_reading(("---\n" if leading else "") + text + "\n")


@settings(max_examples=400, deadline=None)
@given(documents())
def test_generated_documents_read_the_same_or_are_given_up(text: str) -> None:
    assert_same_reading(text + "\n")


@settings(max_examples=600, deadline=None)
@given(documents(), st.lists(st.tuples(st.integers(0, 10_000), st.sampled_from(FRAGMENTS)), max_size=3))
def test_documents_with_characters_dropped_in_read_the_same_or_are_given_up(
    text: str, insertions: list[tuple[int, str]]
) -> None:
    for position, fragment in insertions:
        at = position % (len(text) + 1)
        text = text[:at] + fragment + text[at:]
    assert_same_reading(text + "\n")


def test_the_environment_loader_takes_the_line_reading(monkeypatch: pytest.MonkeyPatch) -> None:
    expected = composed(TYPICAL)

    def not_composed(*_: object) -> None:
        pytest.fail("the loader composed a file the line reader takes")

    monkeypatch.setattr(load, "_compose", not_composed)
    document = load.parse_environment_text(FILE, TYPICAL)
    assert (document.data, document.origin) == expected
    assert document.origin.children["name"].value == Location(FILE, 3, 7)


def test_the_shared_resolver_keeps_no_text() -> None:
    # one resolver types the plain scalars of every file a process reads: it must not keep them all
    text = "".join(f"k{index}: {'v' * 100}{index}\n" for index in range(50))
    assert fast(text) is not None
    assert load._plain_resolver()._plain == {}
