"""Property tests for the invariants: data-safe rendering, lossless serialization, merge laws, no crash."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from generator.errors import InputError
from generator.input.load import parse_environment_text
from generator.input.resolve import merge
from generator.output.serialize import _ordered, _pyyaml, dump_yaml, load_yaml_stream
from generator.paths import PROJECT_ROOT, ToolData
from generator.pipeline import BuildRequest, build
from generator.render.jinja import template_environment, to_json
from generator.render.kube import _copy
from generator.review.diff import diff_trees
from generator.review.fields import field_changes
from generator.review.trees import ObjectKey
from generator.source import GENERATED
from generator.validate.limits import JSON_PER_YAML_BYTE, written_bytes

# Text as users can write it in a UTF-8 file (no surrogates), including YAML's special characters.
any_text = st.text(st.characters(exclude_categories=["Cs"]), max_size=40)
scalars = st.one_of(st.none(), st.booleans(), st.integers(-(2**53), 2**53), any_text)
json_values = st.recursive(
    scalars,
    lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(any_text, children, max_size=4)),
    max_leaves=20,
)


@given(json_values)
def test_tojson_is_data_safe_inside_yaml(value: Any) -> None:
    jinja = template_environment(PROJECT_ROOT / "templates")
    text = jinja.from_string("key: {{ value | tojson }}\nafter: 1\n").render(value=value)
    assert load_yaml_stream(text) == [{"key": value, "after": 1}]


# Text shaped as rendered objects hold it: multi-line scripts with blank lines and indentation, tabs, YAML
# words and indicators, long keys.
block_text = st.lists(
    st.sampled_from(["", " ", "  x", "a: b", "- c", "#", "\t", "é", "yes", "'q'", '"d"', "x" * 130]), max_size=5
).map("\n".join) | st.lists(st.sampled_from(["a", "\n", " ", "\t"]), max_size=6).map("".join)
yaml_documents = st.dictionaries(
    any_text | block_text,
    st.recursive(
        st.one_of(scalars, block_text, st.floats(allow_nan=False)),
        lambda children: st.one_of(
            st.lists(children, max_size=4), st.dictionaries(any_text | block_text | st.integers(), children, max_size=4)
        ),
        max_leaves=25,
    ),
    max_size=4,
)


@settings(max_examples=500)
@given(yaml_documents)
# YAML's other line breaks, which PyYAML indents for the column it is at; text long enough to be folded
@example({"a": {"b": "x\ny\u2028z"}})
@example({"a": ["x\n\u2028y"]})
@example({"a": {"b": "x\u2028y"}, "c\x85": 1})
@example({"a": "x\ny\u2029"})
@example({"a": {"k": "x" * 999_995 + " y z"}})
def test_the_serializer_writes_what_pyyaml_writes(document: dict[Any, Any]) -> None:
    """dump_yaml lays out block collections itself and asks PyYAML for each scalar; the whole document must be
    byte for byte what PyYAML writes of it (the golden files check the same on every rendered file)."""
    assert dump_yaml([document]) == _pyyaml(_ordered(document))


@settings(max_examples=300)
@given(st.lists(st.tuples(st.integers(0, 3), yaml_documents), min_size=1, max_size=4))
@example([(0, {"a": 1}), (1, {"a": True}), (0, {"a": 1.0}), (2, {"a": "1"}), (0, {"a": -0.0}), (0, {"a": 0.0})])
def test_pod_templates_written_once_are_written_as_pyyaml_writes_them(placed: list[tuple[int, dict[Any, Any]]]) -> None:
    """Each pod template (a `template` mapping) is written once per process and column, by its repr: documents
    that hold equal and unequal ones at several depths are each written as PyYAML writes them."""
    for depth, template in placed:
        if not template:
            continue
        document: dict[Any, Any] = {"template": template}
        for _ in range(depth):
            document = {"spec": [{"name": "g", "template": template}, document]}
        assert dump_yaml([document]) == _pyyaml(_ordered(document))


@settings(max_examples=300)
@given(yaml_documents)
@example({"a": ""})
@example({"a": float("inf"), "b": ['"\\'], "\x01": "\x01\n"})
@example({"\\" * 50: "\\" * 1000, "t": "\t" * 100, "q": '"' * 100})  # each two bytes in JSON, one in YAML
@example({"a": "\x00\x07\x0b\x1b" * 100})  # six bytes in JSON, two in YAML: the worst
def test_an_object_s_json_takes_less_than_three_times_the_bytes_of_its_yaml(document: dict[Any, Any]) -> None:
    """The bound by which size_problems skips the files far within the API server's limits (JSON_PER_YAML_BYTE
    leaves a margin above it)."""
    encoded = json.dumps(_ordered(document), ensure_ascii=False, separators=(",", ":")).encode()
    assert len(encoded) < 3 * written_bytes(dump_yaml([document]))
    assert JSON_PER_YAML_BYTE > 3


def load_yaml_1_2(text: str) -> Any:
    """Read as kustomize, Argo CD and Flux do: YAML 1.2, where 1e-3 and 0o17 are numbers."""
    reader = YAML(typ="safe", pure=True)
    reader.version = (1, 2)
    return reader.load(text)


@given(json_values)
def test_serializer_round_trips_and_is_deterministic(value: Any) -> None:
    text = dump_yaml([{"data": value}])
    assert load_yaml_stream(text) == [{"data": value}]
    assert load_yaml_1_2(text) == {"data": value}
    assert dump_yaml([{"data": value}]) == text


@pytest.mark.parametrize("text", ["1e-3", "0o17", "0x1F", ".inf", "-.5", "1.", "true", "~", "null", "+1"])
def test_text_that_yaml_1_2_reads_as_a_number_stays_text(text: str) -> None:
    assert load_yaml_1_2(dump_yaml([{"value": text}])) == {"value": text}


# The implicit types of YAML 1.1 (yaml.org/type: bool, int, float, null, timestamp, merge, value), which
# gopkg.in/yaml.v2 readers apply: a plain scalar matching one of them is not read back as text. The float
# pattern is the spec's as real readers apply it (PyYAML's correction: the spec's own would take `1.3.0`
# and `.` for numbers, which no reader does).
YAML_1_1_NOT_TEXT = re.compile(
    r"""y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF
    |[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(:[0-5]?[0-9])+
    |[-+]?([0-9][0-9_]*)\.[0-9_]*([eE][-+][0-9]+)?|[-+]?\.[0-9][0-9_]*([eE][-+][0-9]+)?
    |[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+\.[0-9_]*
    |[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN)|~|null|Null|NULL|
    |[0-9]{4}-[0-9]{2}-[0-9]{2}
    |[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(\.[0-9]*)?
     ([ \t]*(Z|[-+][0-9]{1,2}(:[0-9]{2})?))?
    |<<|=
    |[-+]?0[xX][0-9a-fA-F_]+|[-+]?0[oO][0-7_]+|[-+]?0[bB][01_]+|[-+]?(?=[0-9._]*[0-9])[0-9_]*\.?[0-9_]*([eE][-+]?[0-9_]+)?""",
    re.VERBOSE,
)


@pytest.mark.parametrize(
    "text",
    [
        *(
            "y",
            "Y",
            "n",
            "N",
            "yes",
            "Off",
            "017",
            "0b101",
            "1_000",
            "1:20",
            "1:20.5",
            "2001-12-14",
            "=",
            "<<",
            "",
            "~",
        ),
        # Go's YAML readers: base prefixes in either case, signs, underscores among the digits
        *("0X1F", "0O17", "0B101", "-0o17", "+0X1", "0o1_7", "1e1_0", "1_0e1"),
    ],
)
def test_text_that_yaml_1_1_reads_as_a_non_string_is_quoted(text: str) -> None:
    line = dump_yaml([{"value": text}])
    assert line != f"value: {text}\n"
    assert load_yaml_stream(line) == [{"value": text}]


@given(st.text(st.characters(codec="ascii", exclude_categories=["Cc"]), max_size=12))
def test_no_plain_scalar_we_write_is_a_yaml_1_1_non_string(text: str) -> None:
    written = dump_yaml([{"value": text}])
    if written == f"value: {text}\n":  # emitted plain
        assert not YAML_1_1_NOT_TEXT.fullmatch(text), text


@given(st.text(max_size=300))
@settings(suppress_health_check=[HealthCheck.too_slow])
def test_loader_never_crashes(text: str) -> None:
    try:
        parse_environment_text(Path("e.yaml"), text)
    except InputError as error:
        problems = error.problems
    else:
        return
    assert problems, "an InputError always carries at least one problem"


plain = st.dictionaries(st.sampled_from("abcd"), st.one_of(st.integers(), any_text), max_size=3)
documents = st.recursive(plain, lambda children: st.dictionaries(st.sampled_from("abcd"), children, max_size=3))


@given(documents, documents)
def test_merge_is_idempotent_and_has_an_identity(base: dict[str, Any], over: dict[str, Any]) -> None:
    merged, _ = merge(base, GENERATED, over, GENERATED)
    again, _ = merge(merged, GENERATED, over, GENERATED)
    assert again == merged
    assert merge(base, GENERATED, {}, GENERATED)[0] == base
    assert merge({}, GENERATED, over, GENERATED)[0] == over


@st.composite
def environment_files(draw: st.DrawFn) -> tuple[str, dict[str, str]]:
    annotations = draw(st.dictionaries(st.sampled_from(["a", "b", "example.com/c"]), any_text, max_size=3))
    groups = []
    for index in range(draw(st.integers(0, 3))):
        low = draw(st.integers(0, 5))
        high = draw(st.integers(low, 10))
        replicas = draw(st.integers(low, high))
        groups.append({"name": f"g{index}", "minReplicas": low, "maxReplicas": high, "replicas": replicas})
    entrypoint = draw(any_text.filter(lambda text: text.strip() != ""))
    environment = {
        "name": "prop",
        "kuberay": {"version": "1.3.0"},
        "target": {"cluster": "in-cluster", "namespace": "ray"},
        "gitops": {"engine": "argocd", "repoURL": "https://git.example.com/r.git"},
        "defaults": {"image": "rayproject/ray:2.41.0", "annotations": annotations},
        "clusters": [{"name": "c", "head": {"cpu": "1"}, "workerGroups": groups}],
        # a job on a running cluster needs a submitter under the restricted Pod Security default
        "jobs": [
            {
                "name": "j",
                "entrypoint": entrypoint,
                "clusterSelector": {"ray.io/cluster": "c"},
                "submitter": {"cpu": "1"},
            }
        ],
    }
    # JSON is YAML 1.2; to_json also escapes what YAML forbids raw, as a careful author would
    return to_json(environment), annotations


@given(environment_files())
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_valid_environment_renders_its_values_unchanged(
    tmp_path_factory: Any, tool: ToolData, case: tuple[str, dict[str, str]]
) -> None:
    text, annotations = case
    folder: Path = tmp_path_factory.mktemp("environments")
    (folder / "prop.yaml").write_text(text)
    first = build(BuildRequest(folder, (), tool))
    second = build(BuildRequest(folder, (), tool))
    assert first.problems == ()
    assert [file.content for file in first.files] == [file.content for file in second.files]
    data = json.loads(text)
    objects = {file.path.name: load_yaml_stream(file.content)[0] for file in first.files}
    cluster = objects["raycluster-c.yaml"]
    head_metadata = cluster["spec"]["headGroupSpec"]["template"].get("metadata", {})
    assert head_metadata.get("annotations", {}) == annotations
    assert objects["rayjob-j.yaml"]["spec"]["entrypoint"] == data["jobs"][0]["entrypoint"]
    expected_groups = data["clusters"][0]["workerGroups"]
    rendered_groups = cluster["spec"].get("workerGroupSpecs", [])
    assert [(group["groupName"], group["replicas"]) for group in rendered_groups] == [
        (group["name"], group["replicas"]) for group in expected_groups
    ]


# Lists of named items, as Kubernetes objects have them (containers, worker groups, env), beside plain values.
named_items = st.lists(
    st.fixed_dictionaries({"name": st.sampled_from(["a", "b", "c", "d"])}, optional={"value": json_values}),
    max_size=4,
)
object_values = st.recursive(
    st.one_of(scalars, named_items),
    lambda children: st.one_of(st.lists(children, max_size=3), st.dictionaries(any_text, children, max_size=3)),
    max_leaves=15,
)


@given(object_values, object_values)
def test_field_changes_are_empty_exactly_when_the_objects_are_equal(old: Any, new: Any) -> None:
    """No change is lost (a reorder of named items included) and none is invented."""
    assert (not list(field_changes(old, new))) == (old == new)
    assert list(field_changes(old, old)) == []


@given(st.dictionaries(st.sampled_from(["dev", "prod"]), st.dictionaries(st.sampled_from(["a", "b"]), object_values)))
def test_a_rendered_tree_has_no_diff_with_itself(environments: dict[str, dict[str, Any]]) -> None:
    tree = {
        name: {
            ObjectKey("ConfigMap", "ray", key): {"kind": "ConfigMap", "data": value} for key, value in objects.items()
        }
        for name, objects in environments.items()
    }
    assert diff_trees(tree, tree) == []


@settings(max_examples=500)
@given(st.text(st.sampled_from("abyYnNoOtTfFuelsrA09._/-:# "), min_size=1, max_size=8))
@example("yes")
@example("Off")
@example("NULL")
@example("a.")
@example("a/")
@example("e1")
def test_text_written_plain_without_pyyaml_is_what_pyyaml_writes(text: str) -> None:
    """The serializer writes some text plain without asking PyYAML (serialize.py `_SURELY_PLAIN`): each such
    text, and every other made of the same letters, is written as PyYAML writes it."""
    assert dump_yaml([{"k": text, "l": [text]}]) == _pyyaml({"k": text, "l": [text]})


copied_values = st.recursive(
    st.one_of(scalars, st.floats()),
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.tuples(children, children),
        st.dictionaries(st.one_of(any_text, st.integers(), st.booleans()), children, max_size=4),
    ),
    max_leaves=20,
)


@given(copied_values)
def test_a_model_value_is_copied_as_a_json_round_trip_copies_it(value: Any) -> None:
    # kube._copy copies mappings and lists itself and leaves the rest to the round trip; both give the same
    copied = _copy(value)
    assert _typed(copied) == _typed(json.loads(json.dumps(value)))
    assert not isinstance(value, dict | list) or copied is not value


def _typed(value: Any) -> Any:
    """A value with the type of each part beside it (a tuple is no list; a float, NaN too, by its text)."""
    if isinstance(value, dict):
        return ("dict", [(type(key).__name__, key, _typed(item)) for key, item in value.items()])
    if isinstance(value, list | tuple):
        return (type(value).__name__, [_typed(item) for item in value])
    return (type(value).__name__, repr(value))
