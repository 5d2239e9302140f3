"""Pod-level rules: every Ray container gets an image, ports and mounts do not collide, volumes are sound."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

from generator.checks import LINT
from generator.errors import DocPath, Problem
from generator.input.envschema import PORT_NAME, PORT_NAME_MAX
from generator.input.resolve import merge, merged_lists
from generator.model.build import (
    DEFAULT_SUBMISSION_MODE,
    RESOURCE_SHORTHAND,
    ContainerLayers,
    autoscaler_rendered,
    job_head_image,
    pod_security_level,
    pod_volumes,
    ray_container,
    ray_container_amounts,
    ray_start_value,
    submitter_container,
    submitter_image,
    volume_sources,
    writes_submitter,
    written_group_pod,
)
from generator.quantity import parse_quantity, whole_bytes
from generator.rules.context import (
    ClusterSpecAt,
    RuleContext,
    groups,
    job_items,
    ray_container_env_items,
    ray_container_layers,
    ray_start_params,
    rendered_image,
    spec_path,
    submission_mode,
    submitter_layers,
    submitter_pod_jobs,
    written_group,
    written_job,
    written_submitter_pod_at,
)
from generator.rules.rule import rule
from generator.source import GENERATED, value_at

K8S_POD_VALIDATION = "Kubernetes API server, pod validation (pkg/apis/core/validation/validation.go)"


@rule(
    "image-required",
    "every head and worker group has a container image (its own, the cluster's or defaults.image, or one its "
    "podTemplate or the item's spec writes for its Ray container); so does the submitter (its own or the head's)",
    K8S_POD_VALIDATION,
    fails="defaults: {image: null}\nclusters: [{name: c, head: {cpu: '1'}}]",
    passes="clusters: [{name: c, head: {cpu: '1'}}]",
    cases=("missing-image",),
)
def image_is_set(context: RuleContext) -> Iterator[Problem]:
    defaults = context.data.get("defaults", {})
    for spec_at in context.cluster_specs:
        for path, group in groups(spec_at):
            head = path[-1] == "head"
            if rendered_image(spec_at, group, head, defaults) is not None:
                continue
            taken_at = ray_container_layers(context.data, spec_at, path).taken_at("image")
            if taken_at is None:  # nothing passed through wrote it: the structured fields give none
                yield context.problem(
                    path,
                    "no container image for this group",
                    "set defaults.image, the cluster's image or the group's image",
                    at_key=True,
                )
            else:  # reported where it was taken away: a null image, an entry without one, a list left empty
                yield context.problem(
                    taken_at,
                    "no container image for this group: its podTemplate or the item's spec leaves its Ray container "
                    "none",
                    f"write the image of the {ray_container(group, head)} container there, or remove what takes it "
                    "away (an entry without one, an empty or null containers list)",
                    at_key=True,
                )
    level = pod_security_level(context.data)
    for job_path, job in job_items(context.data):
        yield from _submitter_image(context, job_path, job, defaults, level)


def _submitter_image(
    context: RuleContext, job_path: DocPath, job: dict[str, Any], defaults: dict[str, Any], level: str
) -> Iterator[Problem]:
    """The image of the submitter as rendered: the user's, KubeRay's default one that the generator writes out
    (restricted), or the submitterPodTemplate that only the job's `spec` writes, which KubeRay takes whole
    (common/job.go GetSubmitterTemplate at v1.7.0; only K8sJobMode runs it, rayjob_controller.go:589)."""
    written = written_job(context.data, job_path)
    generated = writes_submitter(job, level)
    mode = submission_mode(context.data, job_path, job)
    if not generated and (mode != DEFAULT_SUBMISSION_MODE or value_at(written, ("submitterPodTemplate",)) is None):
        return  # KubeRay's default submitter, with the head's image, or none at all
    if generated and submitter_image(job, defaults, written) is not None:
        return
    layers = submitter_layers(context.data, job_path, generated=generated)
    taken_at = layers.taken_at("image")
    if not generated:
        image = layers.parts[0][1].get("image") if layers.parts else None
        if not layers.readable or image or (image is not None and not isinstance(image, str)):
            return  # an image, or what the CRD check names: containers or an image of the wrong type
        if taken_at is not None:
            yield context.problem(
                taken_at,
                "no container image for the submitter: KubeRay runs the first container of the submitterPodTemplate "
                "that the job's spec writes, which has none",
                "write the image of that container",
                at_key=True,
            )
        return
    if "submitter" not in job:  # KubeRay's default submitter, written out (restricted), with the head's image
        if taken_at is not None:  # which `spec` takes away (without a head image, the head's own problem says it)
            yield context.problem(
                taken_at,
                "no container image for the submitter: the job's spec leaves its submitterPodTemplate none",
                "keep the image of the ray-job-submitter container in the submitterPodTemplate that spec writes, or "
                "remove it",
                at_key=True,
            )
        return
    if taken_at is None or not (job["submitter"].get("image") or job_head_image(job, defaults, written)):
        yield context.problem(  # no image to take away
            (*job_path, "submitter"),
            "no container image for the submitter",
            "set defaults.image, the job cluster's image or the submitter's image",
            at_key=True,
        )
    else:  # an image it would have, which its podTemplate or the job's `spec` takes away
        yield context.problem(
            taken_at,
            "no container image for the submitter: its podTemplate or the job's spec leaves its container none",
            f"write the image of the {submitter_container(job)} container there, or remove what takes it away (an "
            "entry without one, an empty or null containers list)",
            at_key=True,
        )


@rule(
    "unique-container-ports",
    "container ports of a worker group have distinct numbers (the API server only warns; Services and probes "
    "then pick one of them; the head's are head-service-ports', as KubeRay makes the head Service of them)",
    LINT,
    fails="clusters: [{name: c, head: {cpu: '1'}, workerGroups: [{name: w, ports: [{name: a, containerPort: 8000}, "
    "{name: b, containerPort: 8000}]}]}]",
    passes="clusters: [{name: c, head: {cpu: '1'}, workerGroups: [{name: w, ports: [{name: a, containerPort: 8000}, "
    "{name: b, containerPort: 8001}]}]}]",
    cases=("duplicate-port",),
)
def unique_container_ports(context: RuleContext) -> Iterator[Problem]:
    for spec_at in context.cluster_specs:
        for path, group in groups(spec_at):
            if path[-1] == "head":
                continue  # an error there: head-service-ports (rules/head_service.py)
            seen_ports: dict[int, str] = {}
            for index, port in enumerate(group.get("ports", [])):
                number = port["containerPort"]
                if number in seen_ports:
                    yield context.problem(
                        (*path, "ports", index, "containerPort"),
                        f"containerPort {number} is already used by port '{seen_ports[number]}'",
                        "each port of a container needs its own number",
                    )
                seen_ports.setdefault(number, port["name"])


# The sidecar the operator appends to the head pod when in-tree autoscaling is on, whatever the pod holds
# (AutoscalerContainerName, utils/constant.go:32 at v1.7.0; DefaultHeadPodTemplate, common/pod.go:243-276)
AUTOSCALER_CONTAINER = "autoscaler"


@rule(
    "unique-container-names",
    "no init container of a group's pod has the name of one of its containers, the Ray container included, and "
    f"with in-tree autoscaling no container of the head pod is named {AUTOSCALER_CONTAINER}, the sidecar the "
    "operator adds (the API server rejects the pod when the operator creates it, long after the sync)",
    f"{K8S_POD_VALIDATION}: validateInitContainers refuses an init container named like a container; KubeRay's "
    "DefaultHeadPodTemplate appends its autoscaler container (common/pod.go)",
    fails="podSecurity: baseline\nclusters: [{name: c, head: {cpu: '1', podTemplate: {spec: {initContainers: [{name: "
    "ray-head, image: busybox}]}}}}]",
    passes="podSecurity: baseline\nclusters: [{name: c, head: {cpu: '1', podTemplate: {spec: {initContainers: [{name: "
    "setup, image: busybox}]}}}}]",
    cases=("init-container-named-like-ray",),
)
def unique_container_names(context: RuleContext) -> Iterator[Problem]:
    for spec_at in context.cluster_specs:
        for group_path, group in groups(spec_at):
            head = group_path[-1] == "head"
            containers = _pod_names(context, spec_at, group_path, group, "containers")
            for name, at in _pod_names(context, spec_at, group_path, group, "initContainers").items():
                if name in containers:
                    yield context.problem(
                        at,
                        f"init container '{name}' has the name of a container of the same pod",
                        "give it a name of its own: Kubernetes refuses a pod whose containers and init containers "
                        "share a name",
                    )
            if head and AUTOSCALER_CONTAINER in containers and autoscaler_rendered(spec_at.spec, spec_at.written):
                yield context.problem(
                    containers[AUTOSCALER_CONTAINER],
                    f"a head container named {AUTOSCALER_CONTAINER} collides with the autoscaler sidecar the "
                    "operator adds to the head pod",
                    "name the container otherwise, or turn in-tree autoscaling off",
                )


def _pod_names(
    context: RuleContext, spec_at: ClusterSpecAt, group_path: DocPath, group: dict[str, Any], key: str
) -> dict[str, DocPath]:
    """The names of a group's rendered `containers` or `initContainers` (the Ray container among the first), each
    where it is first written: the lists merge by name, the podTemplate's and then those the item's `spec`
    writes."""
    names: dict[str, DocPath] = {}
    if key == "containers":
        at = (*group_path, "containerName") if "containerName" in group else group_path
        names[ray_container(group, group_path[-1] == "head")] = at
    written, written_at = written_group(context.data, spec_at, group_path)
    lists = [
        ((*pod_at, key), pod[key])
        for pod, pod_at in (
            (value_at(group, ("podTemplate", "spec")), (*group_path, "podTemplate", "spec")),
            (value_at(written, ("template", "spec")), (*written_at, "template", "spec")),
        )
        if isinstance(pod, dict) and key in pod
    ]
    # merged as input/resolve.py merges them: by name, a list not keyed by name replaces, a null removes
    for replaces, at, items in merged_lists(lists, "name", keyed=key == "containers"):
        if replaces:
            names = {}
        for index, item in enumerate(items):
            if isinstance(item, dict) and isinstance(item.get("name"), str):
                names.setdefault(item["name"], (*at, index, "name"))
    return names


@rule(
    "pod-port-name",
    "each port that a podTemplate (a group's, a submitter's) or the item's `spec` writes for a container or init "
    "container, and that the rendered pod keeps, has a name the API server takes (IsValidPortName: at most 15 "
    "lower-case letters, digits and single '-' inside, with a letter), as the environment schema holds the group's "
    "own ports; the CRDs take any text, and the API server rejects the pod when the operator creates it, long after "
    "the sync",
    f"{K8S_POD_VALIDATION}: validateContainerPorts",
    fails="podSecurity: baseline\nclusters: [{name: c, head: {cpu: '1', podTemplate: {spec: {containers: [{name: "
    "exporter, image: busybox, ports: [{name: '9100', containerPort: 9100}]}]}}}}]",
    passes="podSecurity: baseline\nclusters: [{name: c, head: {cpu: '1', podTemplate: {spec: {containers: [{name: "
    "exporter, image: busybox, ports: [{name: node-metrics, containerPort: 9100}]}]}}}}]",
    cases=("pod-port-name",),
)
def pod_port_names(context: RuleContext) -> Iterator[Problem]:
    # imported here: a run that takes every outcome from the cache imports the rules for their checks, and not the
    # schema validator (tests/test_outcome_cache.py)
    from generator.input.schema_check import pattern_meaning

    meaning, hint = pattern_meaning(PORT_NAME)
    for pod, pod_at, later in _written_pods(context):
        # a name that what is merged over this pod spec removes (`ports: null`, a list that replaces) is not rendered
        kept = None if later is _NOTHING else {port for _, _, port in _pod_port_names(_merged_pod(pod, later), ())}
        for at, name, port in _pod_port_names(pod, pod_at):
            if kept is not None and port not in kept:
                continue
            if len(name) > PORT_NAME_MAX:
                yield context.problem(
                    at,
                    f"{json.dumps(name)} is longer than a port name may be ({PORT_NAME_MAX} characters)",
                    "shorten it, e.g. to its first word",
                )
            elif not re.fullmatch(PORT_NAME, name):
                yield context.problem(at, f"{json.dumps(name)} {meaning}", hint)


# what a layer's place holds when nothing is written there (a null written there removes the pod spec)
_NOTHING = object()


def _written_pods(context: RuleContext) -> Iterator[tuple[Any, DocPath, Any]]:
    """Each pod spec written in the environment for a pod the operator creates, with where, and what is merged over
    it last (_NOTHING: nothing): each group's podTemplate, under what the item's `spec` writes for the group, and
    that; each job's submitter podTemplate, under the submitterPodTemplate its `spec` writes, and that."""
    pod_at = ("template", "spec")
    for spec_at in context.cluster_specs:
        for group_path, group in groups(spec_at):
            entry, _ = written_group(context.data, spec_at, group_path)
            over = _written_at(entry, pod_at)
            yield value_at(group, ("podTemplate", "spec")), (*group_path, "podTemplate", "spec"), over
        # every group the item's `spec` writes, those it adds (a groupName of its own, a list that replaces) too
        written = spec_at.written if isinstance(spec_at.written, dict) else {}
        entries: list[DocPath] = [("headGroupSpec",)]
        workers = written.get("workerGroupSpecs")
        entries += [("workerGroupSpecs", index) for index in range(len(workers) if isinstance(workers, list) else 0)]
        for entry_at in entries:
            yield value_at(written, (*entry_at, *pod_at)), spec_path(spec_at, (*entry_at, *pod_at)), _NOTHING
    for job_path, job in submitter_pod_jobs(context.data):
        written_at = written_submitter_pod_at(job_path)
        over = _written_at(context.data, written_at)
        yield value_at(job, ("submitter", "podTemplate", "spec")), (*job_path, "submitter", "podTemplate", "spec"), over
        yield value_at(context.data, written_at), written_at, _NOTHING


def _written_at(data: Any, path: DocPath) -> Any:
    """The value written at `path` of `data`, a null too; _NOTHING where nothing is."""
    for part in path:
        listed = isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data)
        if not listed and not (isinstance(data, dict) and part in data):
            return _NOTHING
        data = data[part]
    return data


def _merged_pod(pod: Any, over: Any) -> Any:
    """`over` merged onto the pod spec `pod` as the renderer merges an item's `spec` (input/resolve.py merge)."""
    merged, _ = merge(pod, GENERATED, over, GENERATED)
    return merged


def _pod_port_names(pod: Any, pod_at: DocPath) -> Iterator[tuple[DocPath, str, tuple[str, Any, str]]]:
    """Each port name that a pod spec's containers and init containers write, with where, and which port it names
    wherever merging moves it: the containers' list, the container's name (its place when it has none), the name."""
    if not isinstance(pod, dict):
        return
    for key in ("containers", "initContainers"):
        containers = pod.get(key)
        for index, container in enumerate(containers if isinstance(containers, list) else []):
            ports = container.get("ports") if isinstance(container, dict) else None
            container_name = container.get("name") if isinstance(container, dict) else None
            for port_index, port in enumerate(ports if isinstance(ports, list) else []):
                name = port.get("name") if isinstance(port, dict) else None
                if isinstance(name, str) and name:  # an empty name is no name to the API server
                    at = (*pod_at, key, index, "ports", port_index, "name")
                    yield at, name, (key, container_name if isinstance(container_name, str) else index, name)


@rule(
    "unique-mount-paths",
    "volume mount paths of a group are distinct, defaults' volumes included (the API server rejects the pod "
    "when the operator creates it, long after the sync)",
    K8S_POD_VALIDATION,
    fails="defaults: {volumes: [{name: a, mountPath: /data, emptyDir: {}}]}\nclusters: [{name: c, head: {cpu: '1', "
    "volumes: [{name: b, mountPath: /data, emptyDir: {}}]}}]",
    passes="defaults: {volumes: [{name: a, mountPath: /data, emptyDir: {}}]}\nclusters: [{name: c, head: {cpu: "
    "'1', volumes: [{name: b, mountPath: /scratch, emptyDir: {}}]}}]",
    cases=("duplicate-mount-path",),
)
def unique_mount_paths(context: RuleContext) -> Iterator[Problem]:
    defaults = context.data.get("defaults", {})
    for spec_at in context.cluster_specs:
        for path, group in groups(spec_at):
            seen_mounts: dict[str, str] = {}
            for name, volume in pod_volumes(group, defaults).items():
                mount = volume.item["mountPath"]
                if mount in seen_mounts:
                    yield context.problem(
                        (*volume.written_at(path), "mountPath"),
                        f"mountPath {mount} is already used by volume '{seen_mounts[mount]}'",
                        "mount each volume at its own path",
                    )
                seen_mounts.setdefault(mount, name)


# The API server makes a volume without a source an emptyDir (SetDefaults_Volume, kubernetes/kubernetes
# pkg/apis/core/v1/defaults.go:66-72 at 023f88a3) before it validates the pod
K8S_VOLUME_DEFAULT = "Kubernetes API server, pod defaulting (pkg/apis/core/v1/defaults.go, SetDefaults_Volume)"


@rule(
    "volume-source",
    "no volume has more than one source (configMap, secret, emptyDir, persistentVolumeClaim, ...), as rendered: "
    "with what the group's podTemplate and the item's spec write for a volume of its name",
    K8S_POD_VALIDATION,
    fails="clusters: [{name: c, head: {cpu: '1', volumes: [{name: a, mountPath: /data, emptyDir: {}, "
    "configMap: {name: a}}]}}]",
    passes="clusters: [{name: c, head: {cpu: '1', volumes: [{name: a, mountPath: /data, emptyDir: {}}]}}]",
    cases=("volume-sources",),
)
def one_volume_source(context: RuleContext) -> Iterator[Problem]:
    reported: set[DocPath] = set()  # a volume of `defaults` is in every group
    for at, name, sources, _structured in _rendered_volumes(context):
        if len(sources) > 1 and at not in reported:
            reported.add(at)
            yield context.problem(
                at,
                f"volume '{name}' has more than one source: {', '.join(sorted(sources))}",
                "keep one of them",
                at_key=True,
            )


@rule(
    "volume-without-source",
    "a volume of the structured fields names its source: one without any becomes an emptyDir (a warning: the "
    "API server defaults it so, but a forgotten claim or ConfigMap is the likelier story)",
    K8S_VOLUME_DEFAULT,
    fails="clusters: [{name: c, head: {cpu: '1', volumes: [{name: a, mountPath: /data}]}}]",
    passes="clusters: [{name: c, head: {cpu: '1', volumes: [{name: a, mountPath: /data, emptyDir: {}}]}}]",
    cases=("volume-without-source",),
    severity="warning",
)
def volume_without_source(context: RuleContext) -> Iterator[Problem]:
    reported: set[DocPath] = set()
    for at, name, sources, structured in _rendered_volumes(context):
        if structured and not sources and at not in reported:
            reported.add(at)
            yield context.problem(
                at,
                f"volume '{name}' has no source, so Kubernetes makes it an emptyDir",
                "write emptyDir: {} if that is what you want, or its source (persistentVolumeClaim, configMap, ...)",
                at_key=True,
            )


def _rendered_volumes(context: RuleContext) -> list[tuple[DocPath, str, set[str], bool]]:
    """Each volume of each group's pod as rendered (worked out once for both rules): where it is written, its
    name, its sources, and whether the structured fields write it (the group's or the defaults' `volumes`, at
    their place: a volume of `defaults` comes once for each group) or only the podTemplate and `spec` do (at the
    first of them)."""
    return context.once("rendered-volumes", lambda: _volumes_as_rendered(context))


def _volumes_as_rendered(context: RuleContext) -> list[tuple[DocPath, str, set[str], bool]]:
    defaults = context.data.get("defaults", {})
    found: list[tuple[DocPath, str, set[str], bool]] = []
    for spec_at in context.cluster_specs:
        for path, group in groups(spec_at):
            volumes: dict[str, tuple[DocPath, set[str], bool]] = {
                name: (volume.written_at(path), set(volume_sources(volume.item)), True)
                for name, volume in pod_volumes(group, defaults).items()
            }
            entry, entry_at = written_group(context.data, spec_at, path)
            lists = [
                ((*path, "podTemplate", "spec", "volumes"), value_at(group, ("podTemplate", "spec", "volumes"))),
                ((*entry_at, "template", "spec", "volumes"), value_at(entry, ("template", "spec", "volumes"))),
            ]
            for replaces, at, entries in merged_lists([(at, e) for at, e in lists if isinstance(e, list)], "name"):
                if replaces:
                    volumes = {}
                # merged by name: a mapping over the rendered volume (null removes a key)
                for position, item in enumerate(entries):
                    if not isinstance(item, dict) or not isinstance(item.get("name"), str):
                        continue  # the CRD check names it
                    written_at, sources, structured = volumes.get(item["name"], ((*at, position), set(), False))
                    sources = sources | {key for key, value in item.items() if key != "name" and value is not None}
                    sources -= {key for key, value in item.items() if value is None}
                    volumes[item["name"]] = (written_at, sources, structured)
            found += [(at, name, sources, structured) for name, (at, sources, structured) in volumes.items()]
    return found


@rule(
    "env-value-or-value-from",
    "an environment variable sets `value` or `valueFrom`, not both (an empty `value` is none)",
    K8S_POD_VALIDATION,
    fails="defaults: {env: [{name: A, value: '1', valueFrom: {fieldRef: {fieldPath: metadata.name}}}]}",
    passes="defaults: {env: [{name: A, valueFrom: {fieldRef: {fieldPath: metadata.name}}}]}",
    cases=("env-value-and-value-from", "env-value-from-pod-template"),
)
def env_value_or_value_from(context: RuleContext) -> Iterator[Problem]:
    reported: set[DocPath] = set()
    for path, variable in _env_variables(context):
        # a null removes the key (input/resolve.py merge), as a podTemplate may write to swap value for valueFrom;
        # an empty value is none to the API server (validateEnvVarValueFrom: len(ev.Value) != 0), as Helm writes it
        both = variable.get("value") not in (None, "") and variable.get("valueFrom") is not None
        if both and path not in reported:
            reported.add(path)
            yield context.problem(
                (*path, "valueFrom"),
                f"environment variable '{variable['name']}' sets both value and valueFrom",
                "keep one of them; where the other is written elsewhere (a partial, the env a podTemplate merges "
                "into), write it as null here (value: null), which removes it",
            )


def _env_variables(context: RuleContext) -> Iterator[tuple[DocPath, dict[str, Any]]]:
    """Every environment variable as written, and each of a Ray container's as rendered: a podTemplate's item
    merges into the generated one of its name, so a `valueFrom` there lands beside the group's `value`."""
    yield from _written_env_variables(context)
    defaults = context.data.get("defaults", {})
    for spec_at in context.cluster_specs:
        for group_path, group in groups(spec_at):
            # with nothing merged into the Ray container, its variables are those written: read above
            if "podTemplate" in group or spec_at.written is not None:
                layers = ray_container_layers(context.data, spec_at, group_path)
                merged = ray_container_env_items(context.data, spec_at, group_path, defaults, layers)
                for item, at in merged.values() if layers.parts or layers.replaced else ():
                    yield at, dict(item)
            pod = value_at(group, ("podTemplate", "spec"))
            for key in ("containers", "initContainers"):  # as written: the sidecars' and init containers'
                containers = pod.get(key) if isinstance(pod, dict) else None
                for position, container in enumerate(containers if isinstance(containers, list) else []):
                    variables = container.get("env") if isinstance(container, dict) else None
                    for index, variable in enumerate(variables if isinstance(variables, list) else []):
                        if isinstance(variable, dict):
                            yield (*group_path, "podTemplate", "spec", key, position, "env", index), variable


def _written_env_variables(context: RuleContext) -> Iterator[tuple[DocPath, dict[str, Any]]]:
    owners: list[tuple[DocPath, dict[str, Any]]] = [
        (("defaults",), context.data.get("defaults", {})),
        (("operator",), context.data.get("operator", {})),
    ]
    for spec_at in context.cluster_specs:
        owners.extend(groups(spec_at))
        owners.append(((*spec_at.path, "autoscaling"), spec_at.spec.get("autoscaling", {})))
    for job_path, job in job_items(context.data):
        owners.append(((*job_path, "submitter"), job.get("submitter", {})))
    for owner_path, owner in owners:
        for index, variable in enumerate(owner.get("env", [])):
            yield (*owner_path, "env", index), variable


def _request_written_at(
    layers: ContainerLayers, group_path: DocPath, group: dict[str, Any], resource: str, kind: str = "requests"
) -> DocPath:
    """Where a group's request (or limit: `kind`) of `resource` was written: by the last layer of its Ray
    container that writes it (its podTemplate or its item's `spec`), else in requests (limits), else as the
    shorthand or the extendedResources entry that sets both."""
    for at, written in reversed(layers.parts):
        amounts = value_at(written, ("resources", kind))
        if isinstance(amounts, dict) and resource in amounts:
            return (*at, "resources", kind, resource)
    if resource in group.get(kind, {}):
        return (*group_path, kind, resource)
    shorthand = next((key for key, name in RESOURCE_SHORTHAND if name == resource and key in group), None)
    if shorthand is not None:
        return (*group_path, shorthand)
    return (*group_path, "extendedResources", resource)


@rule(
    "extended-resource-quantities",
    "an extended resource of a Ray container (a name with a domain outside kubernetes.io, such as nvidia.com/gpu "
    "or google.com/tpu) is a whole number; it and hugepages-<size> have a limit that their request, if any, equals: "
    "neither is overcommitted",
    f"{K8S_POD_VALIDATION}: ValidateResourceQuantityValue (isNotIntegerErrorMsg) and ValidateResourceRequirements "
    '("must be equal to ... limit", "Limit must be set for non overcommitable resources"); '
    "pkg/apis/core/helper/helpers.go IsExtendedResourceName, IsOvercommitAllowed",
    fails="clusters: [{name: c, head: {cpu: '1', extendedResources: {google.com/tpu: '0.5'}}}]",
    passes="clusters: [{name: c, head: {cpu: '1', extendedResources: {google.com/tpu: '4'}}}]",
    cases=("extended-resource-fraction",),
)
def extended_resource_quantities(context: RuleContext) -> Iterator[Problem]:
    """The API server refuses a pod whose extended resource is fractional, or requested without an equal limit;
    the operator would only log it. The Ray container's requests and limits as rendered (requests_within_limits)."""
    for spec_at, path, group, limits, requests in _ray_container_amounts(context):
        if not any(_never_overcommitted(resource) for resource in (*limits, *requests)):
            continue  # most groups: cpu and memory only
        fractional: set[str] = set()  # reported once, where it is written (extendedResources writes both)
        for kind, amounts in (("limits", limits), ("requests", requests)):
            for resource, amount in amounts.items():
                if not is_extended_resource(resource):
                    continue
                value = parse_quantity(str(amount))
                if value is None or value == value.to_integral_value():
                    continue
                at = _amount_written_at(context, spec_at, path, group, resource, kind)
                if resource not in fractional or at[-2] == kind:
                    yield context.problem(
                        at,
                        f"the {resource} {kind[:-1]} {amount} is not a whole number: the API server takes only "
                        "whole extended resources",
                        f"write a whole number of {resource}",
                    )
                fractional.add(resource)
        for resource, requested in requests.items():
            if not _never_overcommitted(resource) or resource in fractional:
                continue
            limit = limits.get(resource)
            at = _amount_written_at(context, spec_at, path, group, resource)
            if limit is None:
                yield context.problem(
                    at,
                    f"the {resource} request {requested} has no limit: {_kind_of(resource)} are not overcommitted, "
                    "so the API server wants a limit",
                    f"set the limit of {resource} too, equal to the request"
                    + (" (extendedResources sets both)" if is_extended_resource(resource) else ""),
                )
                continue
            low, high = parse_quantity(str(requested)), parse_quantity(str(limit))
            if low is not None and high is not None and low < high:  # more than the limit: requests-within-limits
                yield context.problem(
                    at,
                    f"the {resource} request {requested} is less than its limit {limit}: {_kind_of(resource)} are "
                    "not overcommitted, so the API server wants them equal",
                    "make the request equal to the limit, or leave the request out (it is the limit then)",
                )


# the resources a container may name without a domain (IsStandardContainerResourceName), and huge pages
STANDARD_CONTAINER_RESOURCES = ("cpu", "memory", "ephemeral-storage")


@rule(
    "container-resource-names",
    "each request and limit of a Ray container names a resource a container can ask for: cpu, memory, "
    "ephemeral-storage, hugepages-<size>, or a name with a domain (an extended resource such as nvidia.com/gpu); "
    "the API server refuses the pod otherwise, when the operator creates it",
    f'{K8S_POD_VALIDATION}: validateContainerResourceName ("must be a standard resource for containers", "doesn\'t '
    'follow extended resource name standard"); pkg/apis/core/helper/helpers.go IsStandardContainerResourceName, '
    "IsNativeResource, IsExtendedResourceName",
    fails="clusters: [{name: c, head: {cpu: '1', limits: {CPU: '2'}}}]",
    passes="clusters: [{name: c, head: {cpu: '1', limits: {ephemeral-storage: 1Gi, hugepages-2Mi: 1Gi}}}]",
    cases=("container-resource-name",),
)
def container_resource_names(context: RuleContext) -> Iterator[Problem]:
    for spec_at, path, group, limits, requests in _ray_container_amounts(context):
        for kind, amounts in (("limits", limits), ("requests", requests)):
            for resource in amounts:
                if _container_resource_name(resource):
                    continue
                standard = resource.lower()
                hint = (
                    f"write {standard}: resource names are lower case"
                    if standard in STANDARD_CONTAINER_RESOURCES or standard.startswith(HUGE_PAGES_PREFIX)
                    else "name cpu, memory, ephemeral-storage, hugepages-<size>, or an extended resource with its "
                    "domain (nvidia.com/gpu)"
                )
                yield context.problem(
                    _amount_written_at(context, spec_at, path, group, resource, kind),
                    f"{resource} is no resource a container can ask for, so the API server refuses the pods",
                    hint,
                )


# amounts far from any a Ray container asks for, which a unit left out or mixed up writes: memory: 4 is 4 bytes,
# memory: 500m half a byte, cpu: 4Gi four billion cores
LEAST_LIKELY_MEMORY = Decimal(2) ** 20  # 1Mi: no container runs in less (the runtimes refuse a limit below ~6 MB)
MOST_LIKELY_CPUS = Decimal(1000)  # no node has more cores


@rule(
    "resource-units",
    "a Ray container's memory of at least 1Mi and cpu of at most 1,000 cores, and a submitter container's: memory: 4 "
    "is 4 bytes (4Gi meant), memory: 500m half a byte, cpu: 4Gi four billion cores, which Kubernetes takes and no "
    "pod can use",
    "Kubernetes quantities (k8s.io/apimachinery resource.Quantity): a number without a suffix counts bytes and "
    "cores, m is a thousandth, Ki..Ei are powers of 1024",
    fails="clusters: [{name: c, head: {cpu: '1', memory: '4'}}]",
    passes="clusters: [{name: c, head: {cpu: '1', memory: 4Gi}}]",
    cases=("resource-units",),
    severity="warning",
)
def resource_units(context: RuleContext) -> Iterator[Problem]:
    for written_at, limits, requests in _unit_checked_amounts(context):
        for kind, amounts in (("limits", limits), ("requests", requests)):
            for resource, amount in amounts.items():
                value = parse_quantity(str(amount)) if resource in ("cpu", "memory") else None
                if value is None or value == 0:
                    continue  # none, or 0 (no request), which other rules look at
                if resource == "memory" and value < LEAST_LIKELY_MEMORY:
                    message = f"memory {amount} is {value.normalize():f} bytes, too little for any container"
                    number = str(amount).removesuffix("m")
                    hint = (
                        f"write the unit: {number}Gi or {number}Mi (Gi and Mi count 1024s, G and M 1000s)"
                        if number.replace(".", "", 1).isdigit()
                        else "write e.g. 512Mi or 4Gi"
                    )
                    if str(amount).endswith("m"):
                        hint = f"m is a thousandth (of a byte), not mega: {hint}"
                elif resource == "cpu" and value > MOST_LIKELY_CPUS:
                    message = f"cpu {amount} is {value:,.0f} cores, more than any node has"
                    hint = "write cores (2, 1.5) or thousandths of a core (500m); Gi and Mi are for memory"
                else:
                    continue
                yield context.problem(written_at(resource, kind), message, hint)


def _unit_checked_amounts(
    context: RuleContext,
) -> Iterator[tuple[Callable[[str, str], DocPath], dict[str, Any], dict[str, Any]]]:
    """The limits and requests of each Ray container and each submitter container as rendered, with where an
    amount of them was written (by resource and kind)."""
    for spec_at, path, group, limits, requests in _ray_container_amounts(context):
        yield functools.partial(_amount_written_at, context, spec_at, path, group), limits, requests
    level = pod_security_level(context.data)
    for job_path, job in submitter_pod_jobs(context.data):
        submitter = job.get("submitter", {})
        generated = writes_submitter(job, level)
        written = value_at(written_job(context.data, job_path), ("submitterPodTemplate", "spec"))
        container = submitter_container(job)
        amounts = ray_container_amounts(submitter, container, written, generated=generated)
        if amounts is not None:
            at = functools.partial(_submitter_amount_written_at, context, job_path, submitter, generated)
            submitter_limits, submitter_requests = amounts
            yield at, submitter_limits, submitter_requests


def _submitter_amount_written_at(
    context: RuleContext, job_path: DocPath, submitter: dict[str, Any], generated: bool, resource: str, kind: str
) -> DocPath:
    """Where a submitter's amount was written (_request_written_at), its layers read only for a problem."""
    layers = submitter_layers(context.data, job_path, generated=generated)
    return _request_written_at(layers, (*job_path, "submitter"), submitter, resource, kind)


def _container_resource_name(name: str) -> bool:
    """Kubernetes' validateContainerResourceName, past the qualified-name check (the input schema's): a name
    without a domain is a standard one, one with a domain is native (kubernetes.io) or extended."""
    if "/" not in name:
        return name in STANDARD_CONTAINER_RESOURCES or name.startswith(HUGE_PAGES_PREFIX)
    return "kubernetes.io/" in name or is_extended_resource(name)


def _amount_written_at(
    context: RuleContext,
    spec_at: ClusterSpecAt,
    path: DocPath,
    group: dict[str, Any],
    resource: str,
    kind: str = "requests",
) -> DocPath:
    """_request_written_at, its layers read only for a problem (most groups have none)."""
    return _request_written_at(ray_container_layers(context.data, spec_at, path), path, group, resource, kind)


def _ray_container_amounts(
    context: RuleContext,
) -> list[tuple[ClusterSpecAt, DocPath, dict[str, Any], dict[str, Any], dict[str, Any]]]:
    """Each group with its Ray container's limits and requests as rendered (ray_container_resources): the
    group's, then its podTemplate's and its item's `spec`'s; not a group with a value of the wrong type on the
    way, which the CRD check names. Worked out once for the rules that read them."""
    return context.once("ray-container-amounts", lambda: list(_each_ray_container_amounts(context)))


def _each_ray_container_amounts(
    context: RuleContext,
) -> Iterator[tuple[ClusterSpecAt, DocPath, dict[str, Any], dict[str, Any], dict[str, Any]]]:
    for spec_at in context.cluster_specs:
        for path, group in groups(spec_at):
            head = path[-1] == "head"
            container = ray_container(group, head)
            written = written_group_pod(spec_at.written, group, head)
            amounts = ray_container_amounts(group, container, written)
            if amounts is not None:
                limits, requests = amounts
                yield spec_at, path, group, limits, requests


HUGE_PAGES_PREFIX = "hugepages-"  # core.ResourceHugePagesPrefix


def _never_overcommitted(name: str) -> bool:
    """Kubernetes' !IsOvercommitAllowed: an extended resource, or huge pages (IsHugePageResourceName)."""
    return is_extended_resource(name) or name.startswith(HUGE_PAGES_PREFIX)


def _kind_of(name: str) -> str:
    return "huge pages" if name.startswith(HUGE_PAGES_PREFIX) else "extended resources"


def is_extended_resource(name: str) -> bool:
    """Kubernetes' IsExtendedResourceName: a name with a domain (a `/`) that is no kubernetes.io one and no
    `requests.` quota name (the qualified-name check is the input schema's)."""
    return "/" in name and "kubernetes.io/" not in name and not name.startswith("requests.")


NUMERIC_RAY_START_PARAMS = ("num-cpus", "num-gpus", "memory", "object-store-memory")
BYTE_RAY_START_PARAMS = ("memory", "object-store-memory")  # counted in bytes


@rule(
    "requests-within-limits",
    "no request of a Ray container is more than its limit, as rendered with the group's podTemplate (quantities "
    "compared exactly: `4Gi` > `4G`); the API server rejects the pod when the operator creates it, and the "
    "operator only logs that",
    K8S_POD_VALIDATION,
    fails="clusters: [{name: c, head: {cpu: '1', requests: {cpu: '2'}}}]",
    passes="clusters: [{name: c, head: {cpu: '2', requests: {cpu: '1'}}}]",
    cases=("requests-above-limits",),
)
def requests_within_limits(context: RuleContext) -> Iterator[Problem]:
    """The API server rejects a pod whose request exceeds its limit; the operator would only log it. The Ray
    container's requests and limits as rendered: the group's, then its podTemplate's."""
    for spec_at, path, group, limits, requests in _ray_container_amounts(context):
        for resource, requested in requests.items():
            limit = limits.get(resource)
            if limit is None:
                continue
            low, high = parse_quantity(str(requested)), parse_quantity(str(limit))
            if low is not None and high is not None and low > high:
                yield context.problem(
                    _amount_written_at(context, spec_at, path, group, resource),
                    f"the {resource} request {requested} is more than its limit {limit}",
                    "a request may not exceed its limit; raise the limit or lower the request",
                )


@rule(
    "ray-start-numbers",
    "`num-cpus`, `num-gpus`, `memory` and `object-store-memory` in rayStartParams are whole numbers, not negative, "
    "as rendered (`1.0` and `1e9` are not)",
    "Ray: `ray start` reads each as an integer (click's int type, python/ray/scripts/scripts.py) and fails on "
    "anything else after the pod is scheduled",
    fails="clusters: [{name: c, head: {cpu: '1', rayStartParams: {num-cpus: '1.5'}}}]",
    passes="clusters: [{name: c, head: {cpu: '1', rayStartParams: {num-cpus: '2'}}}]",
    cases=("requests-above-limits", "ray-start-float"),
)
def ray_start_params_are_numbers(context: RuleContext) -> Iterator[Problem]:
    """`ray start` fails on a num-cpus, num-gpus, memory or object-store-memory that is no integer, after the pod
    is scheduled: the value as rendered (a YAML float 1e9 renders as '1000000000.0')."""
    for spec_at in context.cluster_specs:
        for path, _group in groups(spec_at):
            params = ray_start_params(context.data, spec_at, path)
            for name in NUMERIC_RAY_START_PARAMS:
                value, at = params.get(name, (None, ()))
                if value is None or _is_whole(ray_start_value(value)):
                    continue
                whole = _whole_text(value)
                in_bytes = whole_bytes(value) if name in BYTE_RAY_START_PARAMS else None
                if whole is not None:
                    hint = f'write "{whole}"'
                elif in_bytes is not None:
                    hint = f'write the bytes: "{in_bytes}" ({value})'
                else:
                    hint = f'write a whole number{" of bytes" if name in BYTE_RAY_START_PARAMS else ""}, e.g. "2"'
                yield context.problem(
                    at,
                    f"{name} is rendered as {ray_start_value(value)!r}, which `ray start` does not read: it takes a "
                    f"whole number{' of bytes' if name in BYTE_RAY_START_PARAMS else ''}, not negative",
                    hint,
                )


def _is_whole(text: str) -> bool:
    """Whether `ray start` takes `text` for an integer option, as KubeRay passes it: `false` leaves the option out
    and `true` passes it without a value (convertParamMap, common/pod.go:1109-1134 at v1.6.0); any other value as
    `--name=value` in a shell command, where a space splits it; then Python's int() (click's int type), >= 0."""
    if text.lower() == "false":
        return True
    if any(character.isspace() for character in text):
        return False
    try:
        return int(text) >= 0
    except ValueError:
        return False


def _whole_text(value: object) -> str | None:
    """A float that is a whole number, as the integer text `ray start` reads (1e9 -> 1000000000)."""
    if isinstance(value, float) and value.is_integer() and value >= 0:
        return str(int(value))
    return None
