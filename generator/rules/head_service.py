"""The head Service KubeRay builds of every RayCluster: the head container's ports, and the user's head.service.

BuildServiceForHeadPod (ray-operator/controllers/ray/common/service.go:35-104 at v1.3.0, :37-104 at v1.7.0) makes
one ServicePort of each port of the head's Ray container (named `<containerPort>-port` when it has no name), or of
its defaults when it lists none, adds `metrics` when no port has that name (getServicePorts), and appends them all
to the ports of a head.service the user gives. The API server then refuses a Service with two ports of one name
or one (protocol, port) pair, or an unnamed port beside others (ValidateService, validateServicePort,
pkg/apis/core/validation/validation.go): the head Service is never created and the cluster never comes up.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from generator.checks import KUBERAY_SERVICES
from generator.errors import DocPath, Problem
from generator.rules.context import ClusterSpecAt, RuleContext, merged_with_spec, ray_container_ports, spec_path
from generator.rules.rule import rule
from generator.source import value_at

# getDefaultPorts and the metrics port getServicePorts adds (utils/constant.go, the same from 1.3.0 to 1.7.0)
DEFAULT_HEAD_PORTS = {"client": 10001, "gcs-server": 6379, "dashboard": 8265, "metrics": 8080, "serve": 8000}
METRICS_PORT = "metrics"
SERVICE_PROTOCOL = "TCP"  # KubeRay's ServicePorts carry none: SetDefaults_Service makes it TCP


@rule(
    "head-service-ports",
    "the head Service KubeRay builds has no two ports of one name or number: the head container's ports (or "
    "KubeRay's defaults, and metrics 8080) appended to head.service's, each of those named",
    f"{KUBERAY_SERVICES}: BuildServiceForHeadPod and getServicePorts (:35-104 and :377-417 at v1.3.0); "
    "Kubernetes: ValidateService refuses duplicate names and (protocol, port) pairs, and "
    "unnamed ports beside others",
    fails="clusters: [{name: c, head: {cpu: '1', service: {spec: {type: LoadBalancer, ports: [{name: dashboard, "
    "port: 8265}]}}}}]",
    passes="clusters: [{name: c, head: {cpu: '1', service: {spec: {type: LoadBalancer}}}}]",
    cases=("head-service-ports",),
)
def head_service_ports(context: RuleContext) -> Iterator[Problem]:
    for spec_at in context.cluster_specs:
        if not isinstance(spec_at.spec.get("head"), dict):
            continue
        head_path = (*spec_at.path, "head")
        ports = ray_container_ports(context.data, spec_at, head_path)
        if ports is None:  # a container not to be read
            continue
        derived: dict[str, tuple[Any, DocPath | None]] = {}  # by name, as getPortsFromCluster's map keeps them
        for port, at in ports:
            derived[str(port.get("name") or f"{port.get('containerPort')}-port")] = (port.get("containerPort"), at)
        if not ports:
            derived = {name: (number, None) for name, number in DEFAULT_HEAD_PORTS.items()}
        derived.setdefault(METRICS_PORT, (DEFAULT_HEAD_PORTS[METRICS_PORT], None))
        yield from _user_port_problems(context, spec_at, derived)
        seen: dict[Any, tuple[str, DocPath | None]] = {}
        for name, (number, written_at) in derived.items():
            if number not in seen:
                seen[number] = (name, written_at)
                continue
            first, first_at = seen[number]
            located = written_at if written_at is not None else first_at
            if located is None:
                continue
            added = "" if written_at is not None else f" ({name} is KubeRay's own, added when no port has that name)"
            yield context.problem(
                located,
                f"the head container's ports {first!r} and {name!r} share the number {number}{added}: KubeRay makes "
                "a port of the head Service of each, and the API server refuses a Service with two ports of one "
                "number, so the cluster never comes up",
                f"name it {name}, or give it another number"
                if written_at is None
                else "give each port of the head container its own number",
            )


def _user_port_problems(
    context: RuleContext, spec_at: ClusterSpecAt, derived: Mapping[str, tuple[Any, DocPath | None]]
) -> Iterator[Problem]:
    service, at, by_index = _head_service(context, spec_at)
    written = value_at(service, ("spec", "ports")) if isinstance(service, dict) else None
    if not isinstance(written, list):
        return
    numbers = {number: name for name, (number, _) in derived.items()}
    added = "KubeRay appends the head container's ports (or its defaults) and metrics to head.service's"
    for index, port in enumerate(written):
        if not isinstance(port, dict):
            continue  # the CRD check names it
        port_at = (*at, index) if by_index else at
        name = port.get("name")
        if not name:
            yield context.problem(
                port_at,
                f"a port of the head Service has no name: {added}, and the API server needs a name for each port "
                "of a Service with several",
                "name the port (lower case letters, digits and '-')",
            )
        elif name in derived:
            yield context.problem(
                port_at,
                f"the head Service's port {name!r} is one KubeRay adds itself: {added}, and the API server refuses "
                "a Service with two ports of one name, so the cluster never comes up",
                f"remove the port from head.service (KubeRay adds {name} with port {derived[name][0]}), or give it "
                "a name and number of its own",
            )
            continue
        number, protocol = port.get("port"), port.get("protocol") or SERVICE_PROTOCOL
        if protocol == SERVICE_PROTOCOL and number in numbers:
            yield context.problem(
                port_at,
                f"the head Service's port {number} is also the port KubeRay adds for {numbers[number]!r}: {added}, "
                "and the API server refuses a Service with two ports of one number, so the cluster never comes up",
                f"remove the port from head.service (KubeRay adds {numbers[number]} with port {number}), or give it "
                "a number of its own",
            )


def _head_service(context: RuleContext, spec_at: ClusterSpecAt) -> tuple[Any, DocPath, bool]:
    """The head.service as rendered (what the item's `spec` writes merged over the structured one), where its
    ports are written (the list the `spec` writes, else head.service's), and whether the rendered ports stand at
    the same positions there (not when the `spec`'s list merges into head.service's by name)."""
    head_path = (*spec_at.path, "head", "service")
    structured = value_at(context.data, head_path)
    written_path = spec_path(spec_at, ("headGroupSpec", "headService"))
    parent = value_at(context.data, written_path[:-1])
    if not isinstance(parent, dict) or "headService" not in parent:
        return structured, (*head_path, "spec", "ports"), True
    written = parent["headService"]
    service = merged_with_spec(structured, parent, "headService")
    if value_at(written, ("spec", "ports")) is not None:
        return service, (*written_path, "spec", "ports"), value_at(structured, ("spec", "ports")) is None
    return service, (*head_path, "spec", "ports"), True
