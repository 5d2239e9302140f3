"""The generated health checks, run for real: Argo CD's Lua scripts in a Lua runtime (lupa) and Flux's
healthCheckExprs in a CEL runtime with Flux's own evaluation order, against the health table
(tests/fixtures/health/cases.yaml), whose status objects are checked against each named release's status
schema and Go constants."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import jsonschema
import pytest
from celpy import Environment as CelEnvironment
from celpy.adapter import json_to_cel
from celpy.evaluation import CELEvalError
from lupa import LuaRuntime

from generator.output.serialize import load_yaml_stream
from generator.render.gitops import FLUX_HEALTH_CHECKS
from generator.render.jinja import health_script, template_environment
from tests.conftest import FIXTURES, GOLDEN

CASES: list[dict[str, Any]] = load_yaml_stream((FIXTURES / "health" / "cases.yaml").read_text())[0]
RAY_CASES = [case for case in CASES if case["object"]["apiVersion"] == "ray.io/v1"]
# Argo CD v3.5.1, pkg/apis/application/v1alpha1/types.go: SyncStatusCode (1885-1889), the health codes of
# gitops-engine pkg/health, and the operation phases of gitops-engine pkg/sync/common/types.go (77-81).
APPLICATION_VALUES = {
    ("sync", "status"): {"Synced", "OutOfSync", "Unknown"},
    ("health", "status"): {"Healthy", "Progressing", "Degraded", "Suspended", "Missing", "Unknown"},
    ("operationState", "phase"): {"Running", "Terminating", "Failed", "Error", "Succeeded"},
}


def run_lua(script: str, obj: dict[str, Any]) -> dict[str, str]:
    """Run a health script as Argo CD does: a chunk with the object bound to the global `obj`."""
    lua = LuaRuntime(unpack_returned_tuples=True)
    run = lua.eval(
        "function(obj, script) "
        "local chunk = assert(load(script, 'health', 't', {obj = obj, ipairs = ipairs, pairs = pairs})) "
        "return chunk() end"
    )
    result = run(_lua_value(lua, obj), script)
    return {"status": result["status"], "message": result["message"]}


def _lua_value(lua: Any, value: Any) -> Any:
    if isinstance(value, dict):
        return lua.table_from({key: _lua_value(lua, item) for key, item in value.items()})
    if isinstance(value, list):
        return lua.table_from([_lua_value(lua, item) for item in value])
    return value


def flux_status(check: dict[str, str], obj: dict[str, Any]) -> str:
    """Flux's StatusEvaluator.Evaluate (fluxcd/pkg runtime/cel/status_evaluator.go): an observedGeneration that
    differs from metadata.generation is InProgress before any expression; then inProgress, failed and current
    in that order; none true is InProgress. An expression that names a field the object lacks at the top
    (`status` of a new object) fails to evaluate in cel-go, and the generic status reader reports Unknown,
    which a wait treats as not ready: in-progress here."""
    observed = obj.get("status", {}).get("observedGeneration")
    generation = obj["metadata"].get("generation")
    if observed is not None and generation is not None and observed != generation:
        return "in-progress"
    environment = CelEnvironment()
    activation = {key: json_to_cel(value) for key, value in obj.items()}
    for key, state in (("inProgress", "in-progress"), ("failed", "failed"), ("current", "current")):
        expression = check.get(key)
        if expression is None:
            continue
        if "status" not in obj and "status." in expression:
            return "in-progress"
        try:
            result = environment.program(environment.compile(expression)).evaluate(activation)
        except CELEvalError:
            return "in-progress"
        if bool(result):
            return state
    return "in-progress"


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_argocd_lua_health(case: dict[str, Any]) -> None:
    jinja = template_environment(GOLDEN.parent.parent / "templates")
    health = run_lua(health_script(jinja, case["object"]["kind"]), case["object"])
    assert health["status"] == case["argocd"], case["why"]
    if "message" in case:
        assert health["message"] == case["message"]


@pytest.mark.parametrize("case", RAY_CASES, ids=[case["name"] for case in RAY_CASES])
def test_flux_health_check_expressions(case: dict[str, Any]) -> None:
    check = next(check for check in FLUX_HEALTH_CHECKS if check["kind"] == case["object"]["kind"])
    assert flux_status(check, case["object"]) == case["flux"], case["why"]


@pytest.mark.parametrize("case", RAY_CASES, ids=[case["name"] for case in RAY_CASES])
def test_status_is_one_the_release_writes(case: dict[str, Any]) -> None:
    """Each row's status fits the CRD status schema of every release it names, and its states, condition
    types and statuses are string constants of that release's Go API types."""
    assert case["releases"], "a row names the releases whose status shape it is"
    obj = case["object"]
    for tag in case["releases"]:
        release = json.loads((FIXTURES / "health" / "kuberay" / f"{tag}.json").read_text())
        if "status" in obj:
            jsonschema.validate(obj["status"], release["status"][obj["kind"]])
        for where, value in _enumerated_values(obj.get("status", {})):
            assert value in release["constants"], f"{where}: {value!r} is not a constant of KubeRay {tag}"


def _enumerated_values(status: dict[str, Any]) -> Iterator[tuple[str, str]]:
    for key in ("state", "jobDeploymentStatus", "jobStatus", "serviceStatus"):
        if key in status:
            yield key, status[key]
    for condition in status.get("conditions", []):
        yield "conditions[].type", condition["type"]
    applications = status.get("activeServiceStatus", {}).get("applicationStatuses", {})
    for name, application in applications.items():
        yield f"applicationStatuses.{name}.status", application["status"]


@pytest.mark.parametrize("case", [case for case in CASES if case not in RAY_CASES], ids=lambda case: case["name"])
def test_application_status_uses_argocd_values(case: dict[str, Any]) -> None:
    status = case["object"].get("status", {})
    for (section, key), allowed in APPLICATION_VALUES.items():
        if key in status.get(section, {}):
            assert status[section][key] in allowed


def test_table_covers_both_release_lines_and_every_kind() -> None:
    kinds = {case["object"]["kind"] for case in CASES}
    assert kinds == {"RayCluster", "RayJob", "RayService", "Application"}
    assert {check["kind"] for check in FLUX_HEALTH_CHECKS} == {"RayCluster", "RayJob", "RayService"}
    for kind in ("RayCluster", "RayJob", "RayService"):
        for tag in ("v1.3.2", "v1.7.0"):
            assert any(case["object"]["kind"] == kind and tag in case["releases"] for case in CASES)
