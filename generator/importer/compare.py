"""What `import` compares: a manifest and the object rendered from the environment, both normalised the way
docs/import.md lists (what Git cannot or need not keep), and the differences between them in words."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import yaml

from generator.importer.convert import JOB_SPEC, RAY_VERSIONS, WORKER_BOUND_DEFAULTS, descend, object_name
from generator.model.build import ENVIRONMENT_LABEL, MANAGED_BY_LABEL
from generator.model.fields import CLUSTER_SPEC
from generator.rules.go_yaml import load_as_json

# Fields that hold YAML or JSON in a string: compared as the data they hold
YAML_STRINGS = frozenset({"serveConfigV2", "runtimeEnvYAML"})
JSON_STRINGS = frozenset({"entrypointResources"})
RAY_V1 = RAY_VERSIONS[0]


def normalized(document: dict[str, Any]) -> dict[str, Any]:
    """`document` without what the environment decides for itself: the namespace, the generator's labels, a
    generateName (a name instead), v1alpha1 (v1), unset worker bounds (KubeRay's defaults), the formatting
    of YAML and JSON held in strings."""
    result: dict[str, Any] = without_nulls(document)
    if result.get("apiVersion") in RAY_VERSIONS:
        result["apiVersion"] = RAY_V1
    metadata = result.setdefault("metadata", {})
    metadata.pop("namespace", None)
    metadata["name"] = object_name(metadata)
    metadata.pop("generateName", None)
    ours = (MANAGED_BY_LABEL, ENVIRONMENT_LABEL)
    labels = {key: value for key, value in (metadata.get("labels") or {}).items() if key not in ours}
    if labels:
        metadata["labels"] = labels
    else:
        metadata.pop("labels", None)
    if not metadata.get("annotations", True):  # kustomize drops an empty annotations mapping
        metadata.pop("annotations")
    kind = result.get("kind")
    if kind in JOB_SPEC and isinstance(result.get("spec"), dict):
        job = descend(result["spec"], JOB_SPEC[kind][0])
        if isinstance(job, dict) and job.get("jobId") == "":  # KubeRay takes an empty job id for none
            del job["jobId"]
    if kind in CLUSTER_SPEC and isinstance(result.get("spec"), dict):
        spec = result["spec"]
        cluster = descend(spec, CLUSTER_SPEC[kind])
        for group in (cluster or {}).get("workerGroupSpecs") or []:
            for key, default in WORKER_BOUND_DEFAULTS.items():
                group.setdefault(key, default)
        job = spec.get("jobTemplate") if isinstance(spec.get("jobTemplate"), dict) else spec
        for holder in (spec, job):
            for key in YAML_STRINGS & set(holder):
                holder[key] = _parsed(holder[key], load_as_json)
            for key in JSON_STRINGS & set(holder):
                holder[key] = _parsed(holder[key], json.loads)
    return result


def without_nulls(value: Any) -> Any:
    """A manifest as the API server stores it: a null field is the same as an absent one."""
    if isinstance(value, dict):
        return {key: without_nulls(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [without_nulls(item) for item in value]
    return copy.deepcopy(value)


def _parsed(text: Any, parse: Any) -> Any:
    """The data a string field holds (YAML or JSON), or the text itself where it holds none: compared as text."""
    try:
        return parse(text) if isinstance(text, str) else text
    except (ValueError, yaml.YAMLError):  # yaml.YAMLError is no ValueError
        return text


def differences(expected: Any, actual: Any, path: str = "") -> Iterator[str]:
    """Each place where `actual` differs from `expected`, in words."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        for key in expected:
            where = f"{path}.{key}" if path else str(key)
            if key not in actual:
                yield f"{where}: missing"
            else:
                yield from differences(expected[key], actual[key], where)
        for key in actual:
            if key not in expected:
                yield f"{path}.{key}: added" if path else f"{key}: added"
    elif isinstance(expected, list) and isinstance(actual, list):
        if len(expected) != len(actual):
            yield f"{path}: {len(expected)} items expected, {len(actual)} rendered"
            return
        for index, (want, got) in enumerate(zip(expected, actual, strict=True)):
            yield from differences(want, got, f"{path}[{index}]")
    elif expected != actual or type(expected) is not type(actual):
        yield f"{path}: expected {expected!r}, rendered {actual!r}"
