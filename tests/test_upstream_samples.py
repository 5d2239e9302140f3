"""tests/fixtures/upstream-environments reproduce the upstream KubeRay v1.3.0 samples, checked on the real
build. (The repository's example environments start as copies of these; a team may replace them, so the
test reads the fixtures.)

Every overlay is built with `kubectl kustomize`; every field an upstream sample sets must come out with
the same value. Excepted, as the issue allows: metadata.namespace and metadata.labels (the generator
adds its own). YAML held in strings (serveConfigV2, runtimeEnvYAML) is compared as data.
"""

from __future__ import annotations

from typing import Any

import pytest

from generator.output.serialize import load_yaml_stream
from generator.output.write import OutputScope, write_output
from generator.paths import ToolData
from generator.pipeline import BuildRequest, build
from tests.conftest import FIXTURES
from tests.kustomize import kustomize_build

SAMPLES = FIXTURES / "upstream-samples" / "v1.3.0"
EXAMPLE_SAMPLES = {
    "dev": ("ray-cluster.sample.yaml", "ray-cluster.autoscaler.yaml", "ray-job.sample.yaml"),
    "staging": ("ray-job.pytorch-mnist.yaml", "ray-job.shutdown.yaml"),
    "prod": ("ray-service.sample.yaml", "ray-service.mobilenet.yaml"),
}
YAML_STRINGS = {"serveConfigV2", "runtimeEnvYAML"}
EXCEPTED = {("metadata", "namespace"), ("metadata", "labels")}


def sample_cases() -> list[tuple[str, str, str, str]]:
    cases = []
    for environment, samples in EXAMPLE_SAMPLES.items():
        for sample in samples:
            for document in load_yaml_stream((SAMPLES / sample).read_text()):
                cases.append((environment, sample, document["kind"], document["metadata"]["name"]))
    return cases


@pytest.fixture(scope="module")
def built(tool: ToolData, tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[dict[str, Any]]]:
    result = build(BuildRequest(FIXTURES / "upstream-environments", (), tool))
    assert result.problems == ()
    rendered = tmp_path_factory.mktemp("upstream") / "rendered"
    write_output(rendered, result.files, OutputScope(None))
    return {environment: kustomize_build(rendered / environment / "workloads") for environment in EXAMPLE_SAMPLES}


@pytest.mark.parametrize(("environment", "sample", "kind", "name"), sample_cases())
def test_example_reproduces_upstream_sample(
    built: dict[str, list[dict[str, Any]]], environment: str, sample: str, kind: str, name: str
) -> None:
    expected = next(
        document
        for document in load_yaml_stream((SAMPLES / sample).read_text())
        if document["kind"] == kind and document["metadata"]["name"] == name
    )
    matches = [doc for doc in built[environment] if doc["kind"] == kind and doc["metadata"]["name"] == name]
    assert len(matches) == 1, f"{kind}/{name} of {sample} is not in the {environment} overlay"
    differences = list(_differences(expected, matches[0], ()))
    assert not differences, f"{sample}: " + "; ".join(differences)


def test_every_sample_is_covered() -> None:
    covered = {sample for samples in EXAMPLE_SAMPLES.values() for sample in samples}
    assert covered == {path.name for path in SAMPLES.glob("*.yaml")}


def test_difference_finder_reports_changed_and_missing_fields() -> None:
    expected = {"spec": {"a": 1, "b": [1, 2], "serveConfigV2": "x: 1\n"}}
    actual = {"spec": {"a": 2, "b": [1], "serveConfigV2": "x: 2\n"}}
    assert sorted(_differences(expected, actual, ())) == [
        "spec.a: expected 1, got 2",
        "spec.b: expected 2 items, got 1",
        "spec.serveConfigV2: expected {'x': 1}, got {'x': 2}",
    ]
    assert list(_differences({"spec": {"c": 1}}, {"spec": {}}, ())) == ["spec.c: missing"]


def _differences(expected: Any, actual: Any, path: tuple[str, ...]) -> Any:
    if path in EXCEPTED:
        return
    where = ".".join(path)
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            yield f"{where}: expected a mapping, got {actual!r}"
            return
        for key, value in expected.items():
            if key not in actual:
                yield f"{where + '.' if where else ''}{key}: missing"
            else:
                yield from _differences(value, actual[key], (*path, key))
    elif isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            count = len(actual) if isinstance(actual, list) else actual
            yield f"{where}: expected {len(expected)} items, got {count}"
            return
        for index, (left, right) in enumerate(zip(expected, actual, strict=True)):
            yield from _differences(left, right, (*path, str(index)))
    elif path and path[-1] in YAML_STRINGS:
        left, right = load_yaml_stream(expected)[0], load_yaml_stream(actual)[0]
        if left != right:
            yield f"{where}: expected {left!r}, got {right!r}"
    elif expected != actual or type(expected) is not type(actual):
        yield f"{where}: expected {expected!r}, got {actual!r}"
