"""The head Service KubeRay builds (rules/head_service.py): the head container's ports appended to head.service's."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.paths import ToolData
from tests.problems import problems_of

TARGET = "target: {cluster: in-cluster, namespace: ray}\npodSecurity: baseline\n"


@pytest.mark.parametrize(
    ("head", "rules"),
    [
        # the upstream sample (ray-cluster.custom-head-service.yaml): a port of its own beside KubeRay's
        ("service: {spec: {type: LoadBalancer, ports: [{name: custom-ray-head-service-port, port: 12345}]}}", []),
        # KubeRay's defaults when the head lists no port: dashboard 8265 among them
        ("service: {spec: {ports: [{name: dashboard, port: 8265}]}}", ["head-service-ports"]),
        ("service: {spec: {ports: [{name: ui, port: 8265}]}}", ["head-service-ports"]),
        ("service: {spec: {ports: [{name: ui, port: 8265, protocol: UDP}]}}", []),
        # the head lists its ports: only those and metrics are added
        ("ports: [{name: serve, containerPort: 8000}], service: {spec: {ports: [{name: ui, port: 8265}]}}", []),
        (
            "ports: [{name: serve, containerPort: 8000}], service: {spec: {ports: [{name: m, port: 8080}]}}",
            ["head-service-ports"],
        ),
        # a port of the podTemplate counts as the head container's
        (
            "podTemplate: {spec: {containers: [{name: ray-head, ports: [{name: grpc, containerPort: 9000}]}]}}, "
            "service: {spec: {ports: [{name: grpc-lb, port: 9000}]}}",
            ["head-service-ports"],
        ),
        # metrics 8080 comes with any head whose ports have no metrics
        ("ports: [{name: prometheus, containerPort: 8080}]", ["head-service-ports"]),
        ("ports: [{name: metrics, containerPort: 8080}]", []),
        ("ports: [{name: a, containerPort: 9000}, {name: b, containerPort: 9000}]", ["head-service-ports"]),
        # an unnamed port beside KubeRay's
        ("service: {spec: {ports: [{port: 443}]}}", ["head-service-ports"]),
    ],
)
def test_the_head_service_is_one_the_api_server_takes(
    tool: ToolData, tmp_path: Path, head: str, rules: list[str]
) -> None:
    body = TARGET + f"clusters: [{{name: c, head: {{cpu: '1', {head}}}}}]\n"
    assert [rule for _file, rule, _message in problems_of(tool, tmp_path, {"team": body})] == rules


def test_what_the_spec_writes_of_the_head_service_is_read_as_rendered(tool: ToolData, tmp_path: Path) -> None:
    body = TARGET + (
        "clusters: [{name: c, head: {cpu: '1', service: {spec: {ports: [{name: web, port: 80}]}}}, "
        "spec: {headGroupSpec: {headService: {spec: {ports: [{name: web, port: 8265}]}}}}}]\n"
    )
    found = problems_of(tool, tmp_path, {"team": body})
    assert [(rule, "8265" in message) for _file, rule, message in found] == [("head-service-ports", True)]
