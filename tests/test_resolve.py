"""Merge rules of `extends:` and the source positions that survive merging."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.errors import InputError, Location
from generator.input import resolve as resolve_module
from generator.input.load import load_environment_file
from generator.input.resolve import ResolvedEnvironment, duplicate_names, resolve_environment
from generator.source import Origin, locate


def resolve(folder: Path, files: dict[str, str], name: str) -> ResolvedEnvironment:
    for file_name, text in files.items():
        (folder / f"{file_name}.yaml").write_text(text)
    partials = frozenset(file_name for file_name in files if file_name.startswith("_"))
    return resolve_environment(folder / f"{name}.yaml", load_environment_file, partials)


def test_mappings_merge_named_lists_merge_by_name_other_lists_replace(environments: Path) -> None:
    resolved = resolve(
        environments,
        {
            "_base": (
                "defaults:\n"
                "  env: [{name: A, value: '1'}, {name: B, value: '2'}]\n"
                "  tolerations: [{key: a}, {key: b}]\n"
                "  labels: {team: ml, tier: gold}\n"
            ),
            "leaf": (
                "extends: _base\n"
                "defaults:\n"
                "  env: [{name: B, value: '20'}, {name: C, value: '3'}]\n"
                "  tolerations: [{key: c}]\n"
                "  labels: {tier: null, owner: me}\n"
            ),
        },
        "leaf",
    )
    defaults: dict[str, Any] = resolved.data["defaults"]
    assert defaults["env"] == [{"name": "A", "value": "1"}, {"name": "B", "value": "20"}, {"name": "C", "value": "3"}]
    assert defaults["tolerations"] == [{"key": "c"}]
    assert defaults["labels"] == {"team": "ml", "owner": "me"}
    assert resolved.chain == (environments / "leaf.yaml", environments / "_base.yaml")


def test_merged_values_keep_the_position_of_the_file_they_came_from(environments: Path) -> None:
    resolved = resolve(
        environments,
        {
            "_base": "defaults:\n  env: [{name: A, value: '1'}, {name: B, value: '2'}]\n",
            "leaf": "extends: _base\ndefaults:\n  env:\n    - {name: B, value: '20'}\n",
        },
        "leaf",
    )
    first = locate(resolved.origin, ("defaults", "env", 0, "value"))
    second = locate(resolved.origin, ("defaults", "env", 1, "value"))
    assert (first.file.name, first.line, first.column) == ("_base.yaml", 2, 26)
    assert (second.file.name, second.line, second.column) == ("leaf.yaml", 4, 24)


def test_chains_of_partials_apply_in_order(environments: Path) -> None:
    resolved = resolve(
        environments,
        {
            "_a": "target: {namespace: a, cluster: x}\n",
            "_b": "extends: _a\ntarget: {namespace: b}\n",
            "leaf": "extends: _b\n",
        },
        "leaf",
    )
    assert resolved.data["target"] == {"namespace": "b", "cluster": "x"}


def test_null_in_a_new_value_is_dropped(environments: Path) -> None:
    resolved = resolve(environments, {"leaf": "defaults: {labels: {a: null, b: x}}\n"}, "leaf")
    assert resolved.data["defaults"] == {"labels": {"b": "x"}}


def test_a_null_keeps_its_position_where_it_removed_a_value(environments: Path) -> None:
    """A problem of the field a null removed (a required one) is located at the null: in a new value, and over a
    partial's value."""
    resolved = resolve(
        environments,
        {"_p": "target: {cluster: x, namespace: p}\n", "leaf": "extends: _p\ntarget:\n  cluster: null\n  namespace:\n"},
        "leaf",
    )
    assert resolved.data["target"] == {}
    for field, line in (("cluster", 3), ("namespace", 4)):
        at = locate(resolved.origin, ("target", field), at_key=True)
        assert (at.file.name, at.line, at.column) == ("leaf.yaml", line, 3)
    resolved = resolve(environments, {"leaf": "defaults:\n  labels: {a: null, b: x}\n"}, "leaf")
    at = locate(resolved.origin, ("defaults", "labels", "a"), at_key=True)
    assert (at.line, at.column) == (2, 12)


def test_a_partial_may_not_name_itself(environments: Path) -> None:
    with pytest.raises(InputError) as raised:
        resolve(environments, {"_p": "name: p\n", "leaf": "extends: _p\n"}, "leaf")
    assert [problem.message for problem in raised.value.problems] == ["a partial must not set name"]


@pytest.mark.parametrize(("written", "hint_name"), [("[_p]", "_p"), ("{name: _p}", "_base"), ("3", "_base")])
def test_extends_names_one_partial(environments: Path, written: str, hint_name: str) -> None:
    with pytest.raises(InputError) as raised:
        resolve(environments, {"_p": "target: {namespace: p}\n", "leaf": f"extends: {written}\n"}, "leaf")
    (problem,) = raised.value.problems
    assert (problem.message, problem.hint) == (
        "must be the name of a partial such as _base",
        f"write one partial's name, extends: {hint_name}; to combine partials, let one extend the other",
    )


def test_volume_mounts_merge_by_mount_path_not_name(environments: Path) -> None:
    """Kubernetes keys volumeMounts by mountPath: one volume may be mounted at several paths (subPath)."""
    resolved = resolve(
        environments,
        {
            "_base": "podTemplate:\n  volumeMounts: [{name: code, mountPath: /a}, {name: code, mountPath: /b}]\n",
            "leaf": "extends: _base\npodTemplate:\n  volumeMounts: [{name: code, mountPath: /b, readOnly: true}]\n",
        },
        "leaf",
    )
    assert resolved.data["podTemplate"]["volumeMounts"] == [
        {"name": "code", "mountPath": "/a"},
        {"name": "code", "mountPath": "/b", "readOnly": True},
    ]


def test_the_same_volume_at_two_paths_is_no_duplicate_but_two_mounts_at_one_path_are(environments: Path) -> None:
    path = environments / "mounts.yaml"
    path.write_text(
        "volumeMounts:\n"
        "  - {name: code, mountPath: /a, subPath: a.py}\n"
        "  - {name: code, mountPath: /b, subPath: b.py}\n"
        "  - {name: other, mountPath: /a}\n"
    )
    [problem] = duplicate_names(load_environment_file(path))
    assert problem.message == "duplicate mountPath '/a' (first used at line 2)"
    assert problem.hint == "give each item its own mountPath"


_LEAVES = st.one_of(st.none(), st.integers(), st.text(max_size=3))
_VALUES = st.recursive(
    _LEAVES,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.sampled_from("abc"), inner, max_size=3)),
    max_leaves=12,
)


def _origins(value: Any, line: int, complete: bool, draw: Any) -> Origin:
    """An origin tree for `value`, with every child (as loaded files have) or with some left out (as the
    generator's own values have)."""
    children: dict[str | int, Origin] = {}
    parts = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for part, item in parts:
        if complete or draw(st.booleans()):
            children[part] = _origins(item, line + 1 + len(children), complete, draw)
    return Origin(Location(Path("f.yaml"), line, 1), Location(Path("f.yaml"), line, 3), children)


def _paths(value: Any, path: tuple[str | int, ...] = ()) -> Iterator[tuple[str | int, ...]]:
    yield path
    parts = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for part, item in parts:
        yield from _paths(item, (*path, part))


@given(_VALUES, st.booleans(), st.data())
@settings(max_examples=300, deadline=None)
def test_a_value_without_nulls_is_taken_as_it_is(value: Any, complete: bool, data: st.DataObject) -> None:
    """`_without_nulls` gives back a value without nulls and with a complete origin tree as it is: equal data,
    and every path located where the full walk (the oracle: the shortcut turned off) locates it."""
    origin = _origins(value, 1, complete, data.draw)
    found, found_origin = resolve_module._without_nulls(value, origin)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(resolve_module, "_no_nulls", lambda *_: False)
        walked, walked_origin = resolve_module._without_nulls(value, origin)
    assert found == walked
    for path in _paths(walked):
        for at_key in (False, True):
            assert locate(found_origin, path, at_key=at_key) == locate(walked_origin, path, at_key=at_key)
