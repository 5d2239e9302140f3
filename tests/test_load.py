"""Loading limits and YAML traps: each is an error with a position, never a crash or a hang."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from ruamel.yaml.error import YAMLError
from ruamel.yaml.events import CollectionEndEvent, CollectionStartEvent

from generator.errors import InputError, Location
from generator.input.load import (
    MAX_ALIAS_USES,
    MAX_DEPTH,
    MAX_EVENTS,
    MAX_EXPANDED_VALUES,
    MAX_FILE_BYTES,
    _composer,
    _may_exceed_limits,
    load_environment_file,
    parse_environment_text,
)
from generator.quantity import parse_quantity


def messages(text: str) -> list[str]:
    with pytest.raises(InputError) as raised:
        parse_environment_text(Path("e.yaml"), text)
    return [problem.message for problem in raised.value.problems]


def test_oversized_file(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    big.write_text("a: " + "x" * MAX_FILE_BYTES + "\n")
    with pytest.raises(InputError) as raised:
        load_environment_file(big)
    assert raised.value.problems[0].message == f"file is larger than {MAX_FILE_BYTES} bytes"


def test_not_utf8(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_bytes(b"name: \xff\n")
    with pytest.raises(InputError) as raised:
        load_environment_file(bad)
    [problem] = raised.value.problems
    assert problem.message == "the file is not UTF-8 text: invalid start byte (byte 6)"
    assert (problem.location, problem.hint) == (
        Location(bad, 1, 7),
        "save it as UTF-8 (a file written as UTF-16 or Latin-1 by an editor or a shell redirect is not)",
    )


def test_too_deep() -> None:
    text = "a: " + "[" * (MAX_DEPTH + 5) + "]" * (MAX_DEPTH + 5) + "\n"
    assert messages(text) == [f"nesting is deeper than {MAX_DEPTH} levels"]


def test_alias_bomb_is_stopped() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * 10) + "]" for level in range(1, 9)]
    # 80 aliases in the text, a billion values once expanded
    assert messages("\n".join(lines) + "\n") == [f"aliases expand the file to more than {MAX_EXPANDED_VALUES} values"]


def test_each_alias_in_the_text_counts_once() -> None:
    anchored = "env: &env [" + ", ".join(f"{{name: V{index}, value: x}}" for index in range(12)) + "]\n"
    reused = "groups: [" + ", ".join(["*env"] * MAX_ALIAS_USES) + "]\n"
    parse_environment_text(Path("e.yaml"), anchored + reused)  # 100 aliases of a 12-item list: accepted
    assert messages(anchored + reused.replace("[", "[*env, ")) == [f"more than {MAX_ALIAS_USES} alias uses"]


def test_positions_count_from_one() -> None:
    document = parse_environment_text(Path("e.yaml"), "name: dev\ntarget:\n  namespace: ray\n")
    origin = document.origin.children["target"].children["namespace"]
    assert (origin.key.line, origin.key.column, origin.value.line, origin.value.column) == (3, 3, 3, 14)


def test_surrogate_escapes_are_rejected() -> None:
    assert messages('name: "\\ud83d\\ude00"\n') == ["text contains a \\uD800-\\uDFFF escape"]


def test_forbidden_character_is_located() -> None:
    with pytest.raises(InputError) as raised:
        parse_environment_text(Path("e.yaml"), "name: dev\nimage: a\x7fb\n")
    problem = raised.value.problems[0]
    assert problem.location is not None
    assert (problem.location.line, problem.location.column, problem.message) == (
        2,
        9,
        "character U+007F is not allowed in YAML",
    )


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("v: 0o17\n", 15),
        ("v: 0x1F\n", 31),
        ("v: yes\n", "yes"),  # YAML 1.2: text, not a boolean as in YAML 1.1
        ("v: on\n", "on"),
        ("v: 1.5e3\n", 1500.0),
        ("v: -1.5e-3\n", -0.0015),
        ("v: ~\n", None),
        ("v: !!str 12\n", "12"),
        ("v: {url: https://example.com:443/x}\n", {"url": "https://example.com:443/x"}),  # a 1.2-only flow scalar
        ("v: 'a\u2028b'\n", "a\u2028b"),  # LS is a line break in YAML 1.1 only
    ],
)
def test_yaml_1_2_core_schema(text: str, value: object) -> None:
    assert parse_environment_text(Path("e.yaml"), text).data == {"v": value}


def test_merge_keys_are_rejected() -> None:
    assert messages("base: &b {x: 1}\nv:\n  <<: *b\n") == ["merge keys (<<) are not supported"]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("500m", "0.5"),
        ("2", "2"),
        ("1.5", "1.5"),
        ("4Gi", "4294967296"),
        ("4G", "4000000000"),
        ("1e3", "1000"),
        ("12Mi", "12582912"),
    ],
)
def test_quantities(text: str, value: str) -> None:
    assert parse_quantity(text) == Decimal(value)


@pytest.mark.parametrize("text", ["4GB", "lots", "", "1.2.3"])
def test_not_quantities(text: str) -> None:
    assert parse_quantity(text) is None


# Lines of block nesting: indentation, `- `, `? `, `key:`, flow brackets, and texts that join lines with \r.
_NESTING_TEXT = st.lists(st.tuples(st.integers(0, 40), st.text(alphabet="-:? a[]{}\r", max_size=70)), max_size=12).map(
    lambda lines: "".join(" " * indent + line + "\n" for indent, line in lines)
)


@given(_NESTING_TEXT)
@settings(max_examples=400, deadline=None)
@example("- " * (MAX_DEPTH + 2) + "a\n")
@example("a:\n" + "".join(" " * (2 * level) + "- b:\n" for level in range(1, 40)))
@example("[" * (MAX_DEPTH // 2) + "\r" + " " * 30 + "- - - - -\n")
@example("a: [" + "1," * (MAX_EVENTS // 4 - 10) + "1]\n")  # just within the size the bound lets through
@example("- " * 30 + "a\n" + "- - - \n" * (MAX_EVENTS // 15))
def test_the_bound_that_skips_the_nesting_check_holds(text: str) -> None:
    """A file the cheap bound lets through (it skips the event pass) never nests deeper than MAX_DEPTH, by the
    events each parser produces: libyaml's, whose composer the skip exposes, and the pure YAML 1.2 one. The
    bound on events rests on no text yielding more than two events a character (and four more): that is
    checked on every text, since those the bound lets through are too short to come near MAX_EVENTS."""
    skipped = not _may_exceed_limits(text)
    for pure in (False, True):
        depth = events = 0
        try:
            for event in _composer(pure=pure).parse(text):
                events += 1
                depth += isinstance(event, CollectionStartEvent) - isinstance(event, CollectionEndEvent)
                assert depth <= MAX_DEPTH + 1 or not skipped
        except YAMLError:
            pass  # not YAML: whatever came before the error counts
        assert events <= 2 * len(text) + 4
        assert events <= MAX_EVENTS or not skipped


@pytest.mark.parametrize("text", ["1_.5", "1__0.5", "1.5_", "._5", "1_e3", "1_0.5"])
def test_a_float_with_underscores_is_refused_not_a_crash(text: str) -> None:
    # ruamel's 1.2 resolver tags them floats, which Python's float() does not all take; YAML 1.2 takes none
    assert messages(f"a: {text}\n") == [f"{text} is not a YAML 1.2 number"]
    assert messages(f"a: [{text}]\n") == [f"{text} is not a YAML 1.2 number"]


def problems(text: str) -> list[tuple[str, str | None]]:
    with pytest.raises(InputError) as raised:
        parse_environment_text(Path("e.yaml"), text)
    return [(problem.message, problem.hint) for problem in raised.value.problems]


@pytest.mark.parametrize(
    ("text", "message", "hint"),
    [
        # a tag written out makes a value of its type only of text of that type (YAML 1.2's core schema)
        (
            "a: !!bool yes\n",
            '"yes" is not a YAML 1.2 boolean (true or false)',
            "leave out the tag !!bool (environment files hold plain data), or write true or false",
        ),
        (
            "a: !!float c\n",
            '"c" is not a YAML 1.2 number',
            "leave out the tag !!float (environment files hold plain data), or write a number",
        ),
        (
            "a: !!float my_cluster\n",
            '"my_cluster" is not a YAML 1.2 number',
            "leave out the tag !!float (environment files hold plain data), or write a number",
        ),
        (
            "a: !!int ClusterIP\n",
            '"ClusterIP" is not a YAML 1.2 integer',
            "leave out the tag !!int (environment files hold plain data), or write an integer",
        ),
        (
            "a: !!null x\n",
            '"x" is not a YAML 1.2 null',
            "leave out the tag !!null (environment files hold plain data), or write null",
        ),
        ("? [a]\n: x\n", "keys must be text, not a collection", "write the key as one piece of text, e.g. name: value"),
    ],
)
def test_a_tag_written_out_takes_only_text_of_its_type(text: str, message: str, hint: str) -> None:
    assert problems(text) == [(message, hint)]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("a: !!bool true\n", True),
        ("a: !!bool FALSE\n", False),
        ("a: !!float 1\n", 1.0),
        ("a: !!int '7'\n", 7),
        ("a: !!null ''\n", None),
    ],
)
def test_a_tag_written_out_over_text_of_its_type_is_read(text: str, value: object) -> None:
    assert parse_environment_text(Path("e.yaml"), text).data == {"a": value}


@pytest.mark.parametrize(
    ("text", "message", "hint"),
    [
        (
            "name: a\n---\nname: b\n",
            "a second YAML document: '---' starts a new one, and an environment file is one document",
            "remove the '---' line (and what follows it, or move that to a file of its own)",
        ),
        (
            "  name: a\nkuberay: {version: 1.5.0}\n",
            "this line is indented less than the first line, so YAML cannot read it as part of the file's mapping",
            "start the top-level keys in the first column, each line of the file's first block as far in as the first",
        ),
        ("a: %x\n", "a value cannot start with % unquoted (YAML reserves it)", 'quote the value: "%…"'),
        (
            "a: x\x00\n",
            "character U+0000 is not allowed in YAML",
            "remove it (a control character; a NUL byte may mean the file was saved as UTF-16: save it as UTF-8)",
        ),
    ],
)
def test_syntax_errors_say_how_to_fix_them(text: str, message: str, hint: str) -> None:
    assert problems(text) == [(message, hint)]
