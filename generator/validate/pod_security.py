"""The pods of every Ray object against the Pod Security Standard their namespace enforces.

The namespace of an environment carries `pod-security.kubernetes.io/enforce` (render/kube.py), and the
admission controller refuses every pod that breaks that level, long after Argo CD or Flux reported the
sync as done: the operator only logs that it could not create the pod. The checks are those of the
Pod Security Standards (kubernetes.io/docs/concepts/security/pod-security-standards, as implemented in
k8s.io/pod-security-admission/policy), applied to the pods KubeRay will create: the rendered templates,
and the containers KubeRay adds of its own (the autoscaler sidecar with autoscalerOptions.securityContext,
the submitter pod or sidecar it builds when no template is given; the init containers it adds copy the Ray
container's securityContext, so the Ray container stands for them).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from generator.checks import POD_SECURITY
from generator.errors import DocPath, Problem, format_path
from generator.files import RenderedFile
from generator.model.build import DEFAULT_SUBMISSION_MODE
from generator.model.fields import CLUSTER_SPEC_AT, JOB_SPEC_AT
from generator.source import Origin, locate, value_at
from generator.validate.provenance import environment_path

ENFORCE_LABEL = "pod-security.kubernetes.io/enforce"
LEVELS = ("privileged", "baseline", "restricted")
BASELINE_CAPABILITIES = frozenset(
    {
        "AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE",
        "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
    }
)  # fmt: skip
SAFE_SYSCTLS = frozenset(
    {
        "kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.ip_unprivileged_port_start",
        "net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range", "net.ipv4.ip_local_reserved_ports",
        "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl",
        "net.ipv4.tcp_keepalive_probes",
    }
)  # fmt: skip
SELINUX_TYPES = frozenset({"", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"})
RESTRICTED_VOLUMES = frozenset(
    {"configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret"}
)
APPARMOR_ANNOTATION = "container.apparmor.security.beta.kubernetes.io/"
# what to write instead, by the level that refuses the pod
HINTS = {
    "restricted": "set podSecurity: baseline (or privileged) for this environment, or change the pod",
    "baseline": "set podSecurity: privileged for this environment, or change the pod",
}

Violation = tuple[DocPath, str]  # where in the pod template, what


def namespace_level(files: Iterable[RenderedFile]) -> str | None:
    for file in files:
        for document in file.documents:
            if isinstance(document, dict) and document.get("kind") == "Namespace":
                level = document.get("metadata", {}).get("labels", {}).get(ENFORCE_LABEL)
                return str(level) if level in LEVELS else None
    return None


def pod_security_problems(
    files: list[RenderedFile], data: dict[str, Any], origin: Origin, environment_file: Path
) -> list[Problem]:
    level = namespace_level(files)
    return [
        pod_problem(document, path, text, hint, POD_SECURITY.id, (data, origin, environment_file))
        for document in ray_objects(files)
        for path, text, hint in security_violations(document, level)
    ]


def security_violations(document: dict[str, Any], level: str | None) -> list[tuple[DocPath, str, str]]:
    """What the Pod Security `level` refuses of the pods of a Ray object: where, what, and the way out."""
    if level is None or level == "privileged":
        return []
    return [
        (path, f"{message}, which Pod Security {level} refuses: the pod would never start", HINTS[level])
        for path, message in _object_violations(document, level)
    ]


def ray_objects(files: Iterable[RenderedFile]) -> Iterator[dict[str, Any]]:
    """The rendered Ray objects that KubeRay makes pods of."""
    for file in files:
        for document in file.documents:
            if isinstance(document, dict) and document.get("kind") in CLUSTER_SPEC_AT:
                yield document


def pod_problem(
    document: dict[str, Any],
    path: DocPath,
    text: str,
    hint: str | None,
    rule: str,
    source: tuple[dict[str, Any], Origin, Path],
) -> Problem:
    """A problem of what a rendered Ray object writes at `path`, located at the environment line that wrote it
    (`source`: the environment's data, its origins, and its file)."""
    data, origin, environment_file = source
    kind, name = str(document["kind"]), str(document.get("metadata", {}).get("name", "?"))
    written = environment_path(kind, name, path, data, document)
    return Problem(
        locate(origin, written) if written is not None else None,
        written or (),
        f"rendered {kind} {name}, {format_path(path)}: {text}",
        hint,
        file=environment_file,
        rule=rule,
    )


def _object_violations(document: dict[str, Any], level: str) -> Iterator[Violation]:
    kind = document["kind"]
    prefix = tuple(CLUSTER_SPEC_AT[kind][1].split("."))
    spec = value_at(document, prefix)
    if isinstance(spec, dict):
        yield from _cluster_violations(spec, prefix, level)
    if kind not in JOB_SPEC_AT:
        return
    # a RayJob's spec, a RayCronJob's jobTemplate: each run of it is a RayJob of that spec
    job_path = tuple(JOB_SPEC_AT[kind][1].split("."))
    job = value_at(document, job_path)
    if not isinstance(job, dict):
        return
    mode = job.get("submissionMode", DEFAULT_SUBMISSION_MODE)
    if "submitterPodTemplate" in job:
        if _makes_submitter_pod(job):
            yield from template_violations(job["submitterPodTemplate"], (*job_path, "submitterPodTemplate"), level)
    elif mode in (DEFAULT_SUBMISSION_MODE, "SidecarMode") and level == "restricted":
        if mode == DEFAULT_SUBMISSION_MODE:
            # only jobs on a selected cluster get here: the generator writes the others' submitter out
            yield (
                job_path,
                (
                    "KubeRay builds its submitter pod without a securityContext (give the job a submitter with the "
                    "selected cluster's image, and the generator writes a restricted one)"
                ),
            )
        else:
            yield job_path, "KubeRay builds its submitter sidecar in the head pod without a securityContext"


def ray_pod_templates(document: dict[str, Any]) -> Iterator[tuple[DocPath, dict[str, Any]]]:
    """The pod templates of a rendered Ray object that KubeRay makes pods of: its cluster's groups', and the
    submitter's of a RayJob or a RayCronJob's job, by their paths in the object."""
    kind = document["kind"]
    prefix = tuple(CLUSTER_SPEC_AT[kind][1].split("."))
    spec = value_at(document, prefix)
    if isinstance(spec, dict):
        yield from _group_templates(spec, prefix)
    if kind in JOB_SPEC_AT:
        job_path = tuple(JOB_SPEC_AT[kind][1].split("."))
        job = value_at(document, job_path)
        submitter = job.get("submitterPodTemplate") if isinstance(job, dict) else None
        if isinstance(submitter, dict) and _makes_submitter_pod(job):
            yield (*job_path, "submitterPodTemplate"), submitter


def _makes_submitter_pod(job: dict[str, Any]) -> bool:
    """Whether KubeRay makes a pod of the job's submitterPodTemplate: in K8sJobMode alone, where it creates the
    submitter Job (rayjob_controller.go:217-226 at v1.5.0: InteractiveMode waits, HTTPMode submits over HTTP;
    SidecarMode refuses the template)."""
    return bool(job.get("submissionMode", DEFAULT_SUBMISSION_MODE) == DEFAULT_SUBMISSION_MODE)


def _group_templates(spec: dict[str, Any], prefix: DocPath) -> Iterator[tuple[DocPath, dict[str, Any]]]:
    templates: list[tuple[DocPath, Any]] = [
        ((*prefix, "headGroupSpec", "template"), value_at(spec, ("headGroupSpec", "template")))
    ]
    for index, group in enumerate(spec.get("workerGroupSpecs") or []):
        templates.append(((*prefix, "workerGroupSpecs", index, "template"), group.get("template")))
    for path, template in templates:
        if isinstance(template, dict):
            yield path, template


def _cluster_violations(spec: dict[str, Any], prefix: DocPath, level: str) -> Iterator[Violation]:
    for path, template in _group_templates(spec, prefix):
        yield from template_violations(template, path, level)
    if level == "restricted" and value_at(spec, ("historyServerOptions", "collectorOptions")) is not None:
        # KubeRay 1.7 adds a collector container to every Ray pod; CollectorOptions has no securityContext
        yield (
            (*prefix, "historyServerOptions", "collectorOptions"),
            ("KubeRay adds the history server's collector container to every Ray pod without a securityContext"),
        )
    if spec.get("enableInTreeAutoscaling"):
        # the autoscaler sidecar: KubeRay gives it autoscalerOptions.securityContext and nothing else
        options = spec.get("autoscalerOptions") or {}
        head_pod = value_at(spec, ("headGroupSpec", "template", "spec")) or {}
        sidecar = {"name": "autoscaler", "securityContext": options.get("securityContext")}
        for _, message in _container_violations(sidecar, head_pod, (), level):
            yield (*prefix, "autoscalerOptions", "securityContext"), f"the autoscaler sidecar: {message}"


def template_violations(template: dict[str, Any], path: DocPath, level: str) -> Iterator[Violation]:
    """A pod template: its pod, and the AppArmor annotations of its metadata (the older way to set it)."""
    annotations = (template.get("metadata") or {}).get("annotations") or {}
    for key, value in annotations.items():
        if key.startswith(APPARMOR_ANNOTATION) and value != "runtime/default" and not value.startswith("localhost/"):
            yield (*path, "metadata", "annotations", key), f"AppArmor profile {value}"
    yield from pod_violations(template.get("spec") or {}, (*path, "spec"), level)


def pod_violations(pod: dict[str, Any], path: DocPath, level: str) -> Iterator[Violation]:
    if level == "restricted" and (pod.get("securityContext") or {}).get("runAsUser") == 0:
        yield (*path, "securityContext", "runAsUser"), "the pod runs as user 0"
    for flag in ("hostNetwork", "hostPID", "hostIPC"):
        if pod.get(flag):
            yield (*path, flag), f"{flag} is true"
    context = pod.get("securityContext") or {}
    yield from _context_violations(context, (*path, "securityContext"))
    for sysctl in context.get("sysctls") or []:
        if sysctl.get("name") not in SAFE_SYSCTLS:
            yield (*path, "securityContext", "sysctls"), f"sysctl {sysctl.get('name')} is not a safe sysctl"
    for index, volume in enumerate(pod.get("volumes") or []):
        # none: the API server makes it an emptyDir before admission (SetDefaults_Volume, rules/pods.py)
        source = next((key for key in volume if key != "name"), "emptyDir")
        if source == "hostPath" or (level == "restricted" and source not in RESTRICTED_VOLUMES):
            yield (*path, "volumes", index), f"volume {volume.get('name')} is a {source} volume"
    for list_name in ("initContainers", "containers"):
        for index, container in enumerate(pod.get(list_name) or []):
            yield from _container_violations(container, pod, (*path, list_name, index), level)


def _container_violations(
    container: dict[str, Any], pod: dict[str, Any], path: DocPath, level: str
) -> Iterator[Violation]:
    name = container.get("name", "?")
    context = container.get("securityContext") or {}
    at = (*path, "securityContext")
    if context.get("privileged"):
        yield (*at, "privileged"), f"container {name} is privileged"
    yield from _context_violations(context, at)
    for index, port in enumerate(container.get("ports") or []):
        if port.get("hostPort"):
            yield (*path, "ports", index, "hostPort"), f"container {name} uses hostPort {port['hostPort']}"
    if context.get("procMount") not in (None, "Default"):
        yield (*at, "procMount"), f"container {name} has procMount {context['procMount']}"
    added = set((context.get("capabilities") or {}).get("add") or [])
    allowed = {"NET_BIND_SERVICE"} if level == "restricted" else BASELINE_CAPABILITIES
    if added - allowed:
        yield (*at, "capabilities", "add"), f"container {name} adds capabilities {', '.join(sorted(added - allowed))}"
    if level != "restricted":
        return
    pod_context = pod.get("securityContext") or {}
    if context.get("allowPrivilegeEscalation") is not False:
        yield at, f"container {name} does not set allowPrivilegeEscalation: false"
    if "ALL" not in ((context.get("capabilities") or {}).get("drop") or []):
        yield at, f"container {name} does not drop ALL capabilities"
    if context.get("runAsNonRoot", pod_context.get("runAsNonRoot")) is not True:
        yield at, f"container {name} does not set runAsNonRoot: true"
    if context.get("runAsUser", pod_context.get("runAsUser")) == 0:
        yield at, f"container {name} runs as user 0"
    seccomp = (context.get("seccompProfile") or pod_context.get("seccompProfile") or {}).get("type")
    if seccomp not in ("RuntimeDefault", "Localhost"):
        yield at, f"container {name} has no RuntimeDefault or Localhost seccompProfile"


def _context_violations(context: dict[str, Any], path: DocPath) -> Iterator[Violation]:
    if (context.get("windowsOptions") or {}).get("hostProcess"):
        yield (*path, "windowsOptions", "hostProcess"), "a Windows HostProcess container"
    if (context.get("seccompProfile") or {}).get("type") == "Unconfined":
        yield (*path, "seccompProfile", "type"), "seccompProfile Unconfined"
    if (context.get("appArmorProfile") or {}).get("type") == "Unconfined":
        yield (*path, "appArmorProfile", "type"), "appArmorProfile Unconfined"
    selinux = context.get("seLinuxOptions") or {}
    if selinux.get("type", "") not in SELINUX_TYPES or selinux.get("user") or selinux.get("role"):
        yield (*path, "seLinuxOptions"), "seLinuxOptions outside the allowed types, or with a user or role"
