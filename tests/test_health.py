"""The generated health checks, run for real: Argo CD's Lua scripts in a Lua runtime (lupa) and Flux's
healthCheckExprs in a CEL runtime, against recorded status objects of healthy, progressing and degraded
Ray objects (tests/fixtures/health/cases.yaml)."""

from __future__ import annotations

from typing import Any

import pytest
from celpy import Environment as CelEnvironment
from celpy.adapter import json_to_cel
from lupa import LuaRuntime

from generator.output.serialize import load_yaml_stream
from generator.render.gitops import FLUX_HEALTH_CHECKS
from generator.render.jinja import health_script, template_environment
from tests.conftest import FIXTURES, GOLDEN

CASES: list[dict[str, Any]] = load_yaml_stream((FIXTURES / "health" / "cases.yaml").read_text())[0]


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


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_argocd_lua_health(case: dict[str, Any]) -> None:
    jinja = template_environment(GOLDEN.parent.parent / "templates")
    health = run_lua(health_script(jinja, case["object"]["kind"]), case["object"])
    assert health["status"] == case["argocd"]
    if "message" in case:
        assert health["message"] == case["message"]


FLUX_CASES = [case for case in CASES if "flux" in case]


@pytest.mark.parametrize("case", FLUX_CASES, ids=[case["name"] for case in FLUX_CASES])
def test_flux_health_check_expressions(case: dict[str, Any]) -> None:
    check = next(check for check in FLUX_HEALTH_CHECKS if check["kind"] == case["object"]["kind"])
    environment = CelEnvironment()
    activation = {key: json_to_cel(value) for key, value in case["object"].items()}

    def holds(expression: str | None) -> bool:
        if expression is None:
            return False
        return bool(environment.program(environment.compile(expression)).evaluate(activation))

    if holds(check.get("failed")):
        state = "failed"
    elif holds(check["current"]):
        state = "current"
    else:
        state = "in-progress"
    assert state == case["flux"]


def test_every_ray_kind_has_both_checks() -> None:
    kinds = {case["object"]["kind"] for case in CASES}
    assert {"RayCluster", "RayJob", "RayService"} <= kinds
    assert {check["kind"] for check in FLUX_HEALTH_CHECKS} == {"RayCluster", "RayJob", "RayService"}
