"""Rules about the Ray Serve config of a RayService that depend on the cluster it runs on or on more than one
application (the Serve config's own shape, ray_actor_options keys, each route_prefix and import_path, is checked
by the input schema)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from generator.checks import KUBERAY_SERVICES
from generator.checks import KUBERAY_VALIDATION as VALIDATION
from generator.errors import DocPath, Problem
from generator.model.build import ray_container, ray_gpus
from generator.model.fields import OVERRIDE
from generator.rules.context import (
    ClusterSpecAt,
    RuleContext,
    groups,
    merged_with_spec,
    ray_container_ports,
    worker_groups,
    written_group,
)
from generator.rules.go_duration import go_atoi, go_duration
from generator.rules.operator import incremental_upgrade_on
from generator.rules.rule import rule
from generator.source import value_at

SERVICE_GPU_EXAMPLE = (
    "services: [{{name: s, serveConfig: {{applications: [{{name: a, import_path: m:app, deployments: [{{name: d, "
    "ray_actor_options: {{num_gpus: {wanted}}}}}]}}]}}, cluster: {{head: {{cpu: '1'}}, workerGroups: [{{name: gpu, "
    "gpu: 1, tolerations: [{{key: nvidia.com/gpu, operator: Exists}}]}}]}}}}]"
)


@rule(
    "serve-gpus-fit",
    "a Serve deployment's ray_actor_options.num_gpus fits on one node of its RayService's cluster (GPUs as Ray "
    "sees them: a GPU of the group's rayResources, else num-gpus, else the GPU limit KubeRay passes on); otherwise "
    "Ray can never place the replica",
    "Ray: an actor is placed on one node that has all its resources; Serve waits for it forever",
    fails=SERVICE_GPU_EXAMPLE.format(wanted=2),
    passes=SERVICE_GPU_EXAMPLE.format(wanted=1),
    cases=("serve-gpus-do-not-fit",),
)
def serve_gpus_fit(context: RuleContext) -> Iterator[Problem]:
    specs = {spec_at.path[:2]: spec_at for spec_at in context.cluster_specs if spec_at.path[0] == "services"}
    for index, service in enumerate(context.data.get("services", [])):
        spec_at = specs.get(("services", index))
        if spec_at is None:
            continue
        found = _group_gpus(context, spec_at)
        if None in found:  # a group whose GPUs cannot be known: the CRD check names its value
            continue
        most = max((gpus for gpus in found if gpus is not None), default=Decimal(0))
        applications = (service.get("serveConfig") or {}).get("applications", [])
        for app_index, application in enumerate(applications):
            for deployment_index, deployment in enumerate(application.get("deployments", [])):
                wanted = (deployment.get("ray_actor_options") or {}).get("num_gpus")
                try:
                    needed = Decimal(str(wanted)) if wanted is not None else Decimal(0)
                except InvalidOperation:
                    continue
                if needed > most:
                    path = (
                        "services", index, "serveConfig", "applications", app_index, "deployments",
                        deployment_index, "ray_actor_options", "num_gpus",
                    )  # fmt: skip
                    yield context.problem(
                        path,
                        f"each replica of {deployment.get('name')} needs {wanted} GPU(s), but no pod of the "
                        f"cluster of {service.get('name')} has more than {most}: Ray can never place it",
                        "give a worker group that many GPUs (gpu:), or lower num_gpus",
                    )


# Ray Serve's route prefix of an application that writes none (ServeApplicationSchema.route_prefix)
DEFAULT_ROUTE_PREFIX = "/"
# the RayService field the structured serveConfig renders to
SERVE_CONFIG_FIELD = "serveConfigV2"


@rule(
    "serve-route-prefixes-unique",
    "the applications of a RayService's Serve config have distinct route prefixes (one that writes none has "
    f"`{DEFAULT_ROUTE_PREFIX}`): Ray Serve refuses the whole config otherwise, and the RayService never serves",
    "Ray: python/ray/serve/schema.py, ServeDeploySchema.application_routes_unique, and the default route_prefix "
    f"{DEFAULT_ROUTE_PREFIX!r} of ServeApplicationSchema",
    fails="services: [{name: s, serveConfig: {applications: [{name: a, import_path: m:a}, {name: b, import_path: "
    "m:b}]}, cluster: {head: {cpu: '1'}}}]",
    passes="services: [{name: s, serveConfig: {applications: [{name: a, import_path: m:a}, {name: b, import_path: "
    "m:b, route_prefix: /b}]}, cluster: {head: {cpu: '1'}}}]",
    cases=("serve-route-prefix-twice",),
)
def serve_route_prefixes_unique(context: RuleContext) -> Iterator[Problem]:
    for index, service in enumerate(context.data.get("services", [])):
        if SERVE_CONFIG_FIELD in (service.get(OVERRIDE) or {}):
            continue  # the item's `spec` writes the Serve config the RayService runs, over this one
        applications = (service.get("serveConfig") or {}).get("applications", [])
        first: dict[str, str] = {}  # a route prefix -> the application that has it first
        for app_index, application in enumerate(applications):
            prefix = application.get("route_prefix", DEFAULT_ROUTE_PREFIX)
            if prefix is None:  # not exposed over HTTP
                continue
            if prefix not in first:
                first[prefix] = str(application.get("name"))
                continue
            path = ("services", index, "serveConfig", "applications", app_index)
            written = "route_prefix" in application
            yield context.problem(
                (*path, "route_prefix") if written else (*path, "name"),
                f"application {application.get('name')} has the route prefix {prefix}"
                + ("" if written else " (it writes none)")
                + f", as application {first[prefix]} has: Ray Serve refuses the whole config",
                "give each application a route_prefix of its own",
            )


@rule(
    "service-head-service-name",
    "a RayService's head Service (`cluster.head.service`) has no metadata.name: the operator names the Services of "
    "each cluster it creates",
    f"{VALIDATION} (ValidateRayServiceSpec: headService.metadata.name should "
    "not be set; lines 154-156 at v1.3.0, 689-691 at v1.7.0)",
    fails="services: [{name: s, cluster: {head: {cpu: '1', service: {metadata: {name: my-head}}}}}]",
    passes="services: [{name: s, cluster: {head: {cpu: '1', service: {metadata: {labels: {team: ml}}}}}}]",
    cases=("service-head-service-name",),
)
def service_head_service_name(context: RuleContext) -> Iterator[Problem]:
    for spec_at in context.cluster_specs:
        if spec_at.path[0] != "services":
            continue
        metadata = ((spec_at.spec.get("head") or {}).get("service") or {}).get("metadata") or {}
        if metadata.get("name"):  # the operator checks Name != ""
            yield context.problem(
                (*spec_at.path, "head", "service", "metadata", "name"),
                "a RayService's head Service takes no name: the operator names the Services of the clusters it "
                "creates, one per upgrade",
                "remove metadata.name",
                at_key=True,
            )


# The head container port the operator builds a RayService's Serve Service from: "serve", and from 1.6.0 any name
# with the prefix "serve-" too (BuildServeService and isServingPort, common/service.go:213-228 at v1.3.0,
# :215-231 and :446-450 at v1.6.0). With none, and no serveService of the user's, it returns an error and the
# RayService is never reconciled further (reconcileServicesToReadyCluster, rayservice_controller.go:297-300 at
# v1.7.0). A head that lists no ports gets the operator's defaults, serve among them (getServicePorts).
SERVE_PORT = "serve"
SERVE_PORT_PREFIX_SINCE = "1.6.0"
# Before 1.6.0, a serveService of the user's beside a head without a serve port keeps only its ports named serve
# (BuildServeService, common/service.go:245-256 at v1.3.0, :249-258 at v1.5.0; from 1.6.0 it keeps the user's
# ports as written, :254-265 at v1.6.0): with none, the Service has no ports, which the API server refuses of a
# Service that is neither headless nor an ExternalName (ValidateService).
USER_SERVE_PORTS_KEPT_SINCE = "1.6.0"


@rule(
    "serve-port",
    f"a RayService whose head container lists ports names one of them {SERVE_PORT} (or serve-*, 1.6.0), or gives a "
    f"serveService (before 1.6.0, one with a port named {SERVE_PORT}, or headless): the operator builds the Serve "
    "Service from that port, and without one the RayService never becomes ready",
    f"{KUBERAY_SERVICES}: BuildServeService (:213-256 at v1.3.0, :215-265 at v1.6.0, :215-231 at v1.7.0)",
    fails="services: [{name: s, cluster: {head: {cpu: '1', ports: [{name: dashboard, containerPort: 8265}]}}}]",
    passes="services: [{name: s, cluster: {head: {cpu: '1', ports: [{name: dashboard, containerPort: 8265}, {name: "
    "serve, containerPort: 8000}]}}}]",
    cases=("serve-port-missing",),
)
def serve_port(context: RuleContext) -> Iterator[Problem]:
    prefixed = context.since(SERVE_PORT_PREFIX_SINCE)
    for spec_at in context.cluster_specs:
        if spec_at.path[0] != "services" or "head" not in spec_at.spec:
            continue
        service = context.data["services"][spec_at.path[1]]
        # an incremental upgrade builds the Serve Service from the head's ports alone (BuildServeService takes the
        # serveService only when !IsIncrementalUpgradeEnabled, common/service.go:232 at v1.5.0, :233 at v1.6.0)
        serve_service = (
            None
            if incremental_upgrade_on(context, service)
            else merged_with_spec(service.get("serveService"), service.get(OVERRIDE), "serveService")
        )
        # every port of the head's Ray container, as the lists merge by name (getPortsFromCluster reads them all)
        ports = ray_container_ports(context.data, spec_at, (*spec_at.path, "head"))
        if not ports:
            continue  # none (the operator opens its defaults, serve among them), or a container not to be read
        names = [str(port.get("name") or f"{port.get('containerPort')}-port") for port, _ in ports]
        if any(name == SERVE_PORT or (prefixed and name.startswith(f"{SERVE_PORT}-")) for name in names):
            continue
        if serve_service is not None:
            numbers = {str(port.get("name")): port.get("containerPort") for port, _ in ports}
            yield from _serve_service_ports(context, spec_at.path[1], serve_service, numbers)
            continue
        at = ports[-1][1][:-1]  # the list of the last port
        wanted = f"'{SERVE_PORT}' (or one starting with '{SERVE_PORT}-')" if prefixed else f"'{SERVE_PORT}'"
        yield context.problem(
            at,
            f"the head container's ports have none named {wanted}: the operator cannot build the RayService's Serve "
            "Service and stops there, so the RayService never becomes ready",
            f"add {{name: {SERVE_PORT}, containerPort: 8000}} to the head's ports (or list no ports: the operator "
            "then opens its defaults, serve among them)",
        )


def _serve_service_ports(
    context: RuleContext, index: int | str, serve_service: Any, head_ports: Mapping[str, Any]
) -> Iterator[Problem]:
    """A serveService beside a head without a serve port is the Serve Service with its own ports: all of them from
    1.6.0, before that only those named serve, each rebuilt of its name and port alone (its targetPort dropped).
    It needs one, unless it is headless or an ExternalName, which need none (ValidateService)."""
    spec = serve_service.get("spec") if isinstance(serve_service, dict) else None
    spec = spec if isinstance(spec, dict) else {}
    if spec.get("clusterIP") == "None" or spec.get("type") == "ExternalName":
        return
    written = spec.get("ports")
    ports = [(position, port) for position, port in enumerate(written if isinstance(written, list) else [])]
    ports = [(position, port) for position, port in ports if isinstance(port, dict)]
    at: DocPath = ("services", index, "serveService", "spec", "ports")
    if value_at(context.data, at) is None and value_at(context.data, ("services", index, OVERRIDE, "serveService")):
        at = ("services", index, OVERRIDE, "serveService", "spec", "ports")
    kept_all = context.since(USER_SERVE_PORTS_KEPT_SINCE)
    kept = ports if kept_all else [(position, port) for position, port in ports if port.get("name") == SERVE_PORT]
    if not kept:
        which = "" if kept_all else f" named '{SERVE_PORT}'"
        yield context.problem(
            at,
            f"the head container's ports have none named '{SERVE_PORT}', and KubeRay {context.version} then takes "
            f"the serveService's ports{which} for the Serve Service: it would have none, which the API server "
            "refuses, so the RayService never becomes ready",
            f"give the serveService a port{which} (e.g. {{name: {SERVE_PORT}, port: 8000}}), or add {{name: "
            f"{SERVE_PORT}, containerPort: 8000}} to the head's ports",
        )
        return
    for position, port in kept:
        target = port.get("targetPort")
        # what it targets: a number (0 is none), or a port of the head by name (one it has not: none to compare)
        number = head_ports.get(target) if isinstance(target, str) else target
        if not kept_all and isinstance(number, int) and number not in (0, port.get("port")):
            yield context.problem(
                (*at, position) if at[2] != OVERRIDE else at,
                f"KubeRay {context.version} rebuilds the serveService's port {SERVE_PORT} of its name and port alone "
                f"(from 1.6.0 it keeps it whole): its targetPort {target} is dropped, and the Service sends to port "
                f"{port.get('port')}, where Serve does not listen",
                f"make port the one Serve listens on ({number}), or add {{name: {SERVE_PORT}, containerPort: "
                f"{number}}} to the head's ports",
            )


# The RayService annotation that bounds how long a new cluster may take to initialize, and since when the
# operator checks it: a positive Go duration or a positive number of seconds (validateInitializingTimeout,
# validation.go:308-338 at v1.5.0)
INITIALIZING_TIMEOUT = "ray.io/initializing-timeout"
INITIALIZING_TIMEOUT_SINCE = "1.5.0"


@rule(
    "service-initializing-timeout",
    f"a RayService's {INITIALIZING_TIMEOUT} annotation is a positive Go duration (5m, 1h30m) or a positive number "
    "of seconds (1.5.0)",
    f"{VALIDATION} (validateInitializingTimeout, lines 308-338 at v1.5.0)",
    fails="kuberay: {version: 1.5.0}\nservices: [{name: s, annotations: {ray.io/initializing-timeout: ten minutes}, "
    "cluster: {head: {cpu: '1'}}}]",
    passes="kuberay: {version: 1.5.0}\nservices: [{name: s, annotations: {ray.io/initializing-timeout: 10m}, "
    "cluster: {head: {cpu: '1'}}}]",
    cases=("service-initializing-timeout",),
)
def service_initializing_timeout(context: RuleContext) -> Iterator[Problem]:
    if not context.since(INITIALIZING_TIMEOUT_SINCE):
        return
    for index, service in enumerate(context.data.get("services", [])):
        value = (service.get("annotations") or {}).get(INITIALIZING_TIMEOUT)
        if not value:  # absent or empty: the operator's default
            continue
        text = str(value)
        # time.ParseDuration first, then strconv.Atoi (an int64 of seconds), each value above zero
        duration = go_duration(text)
        if duration is not None and duration > 0:
            continue
        seconds = go_atoi(text) if duration is None else None
        if seconds is not None and seconds > 0:
            continue
        yield context.problem(
            ("services", index, "annotations", INITIALIZING_TIMEOUT),
            f"{text!r} is not a positive duration (5m, 1h30m) or a positive number of seconds",
            "write e.g. 10m, or 600",
        )


def _group_gpus(context: RuleContext, spec_at: ClusterSpecAt) -> list[Decimal | None]:
    """The GPUs Ray sees in each group's pods as rendered (model/build.py ray_gpus): the structured groups, with
    what the item's `spec` writes for them, and the worker groups only `spec` writes (whose pod is its own)."""
    found = [
        ray_gpus(
            group,
            ray_container(group, path[-1] == "head"),
            context.version,
            written_group(context.data, spec_at, path)[0],
        )
        for path, group in groups(spec_at)
    ]
    names = {group.get("name") for _, group in worker_groups(spec_at)}
    written = value_at(spec_at.written, ("workerGroupSpecs",))
    for entry in written if isinstance(written, list) else []:
        # a groupName that is no text is the CRD check's to name
        if isinstance(entry, dict) and isinstance(entry.get("groupName"), str) and entry["groupName"] not in names:
            found.append(ray_gpus({}, "", context.version, entry, generated=False))
    return found
