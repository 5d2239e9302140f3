"""The pod templates of Ray objects against what the API server checks of a pod beyond its OpenAPI schema.

The KubeRay CRDs embed the pod template's OpenAPI schema, which takes any port number, any text for a probe's
port or a pull policy: the API server refuses them only when KubeRay creates the pod, long after Argo CD or Flux
reported the sync as done (the RayCluster is accepted; the operator logs that it could not create the pod).
What FIELD_PATCHES hold `objects` to (validate/kubernetes.py) is held here to every pod template KubeRay makes pods
of (pod_security.py `ray_pod_templates`), by the definitions of target.kubernetesVersion.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from generator.checks import POD_FIELDS, POD_SECURITY
from generator.errors import DocPath, Problem
from generator.files import RenderedFile
from generator.input.schema_check import SchemaValidator
from generator.model.fields import JOB_SPEC_AT, OVERRIDE, SECTION_KINDS
from generator.rules.context import RuleContext, groups
from generator.source import Origin, value_at
from generator.validate.kubernetes import KubernetesSchemas
from generator.validate.pod_security import pod_problem, ray_objects, ray_pod_templates, security_violations

POD_TEMPLATE = "io.k8s.api.core.v1.PodTemplateSpec"
POD_TEMPLATE_FIELD = "podTemplate"  # a group's or a submitter's raw pod template


def writes_raw_pods(context: RuleContext) -> bool:
    """Whether the environment writes part of a pod template raw: a group's or a submitter's podTemplate, or an
    item's `spec`. What the structured fields put in a pod (ports, imagePullPolicy) the environment schema holds to
    what FIELD_PATCHES hold it to, so pods made of them alone have nothing to find here, and their walk (1 % of a
    run) is spared."""
    for section, kind in SECTION_KINDS.items():
        for item in context.data.get(section, []):
            if OVERRIDE in item:
                return True
            if kind in JOB_SPEC_AT:
                job = value_at(item, tuple(JOB_SPEC_AT[kind][0].split("."))) if JOB_SPEC_AT[kind][0] else item
                submitter = job.get("submitter") if isinstance(job, dict) else None
                if isinstance(submitter, dict) and POD_TEMPLATE_FIELD in submitter:
                    return True
    return any(POD_TEMPLATE_FIELD in group for spec_at in context.cluster_specs for _, group in groups(spec_at))


def pod_field_problems(
    files: list[RenderedFile],
    data: dict[str, Any],
    origin: Origin,
    environment_file: Path,
    kubernetes_version: str,
    schemas: KubernetesSchemas,
) -> list[Problem]:
    validator = pod_field_validator(schemas, kubernetes_version)
    return [
        pod_problem(document, path, text, hint, POD_FIELDS.id, (data, origin, environment_file))
        for document in ray_objects(files)
        for path, text, hint in field_violations(document, validator)
    ]


def pod_field_validator(schemas: KubernetesSchemas, kubernetes_version: str) -> SchemaValidator | None:
    """The validator of pod templates for `kubernetes_version`, or for the nearest release kubernetes-validate has
    schemas of: what FIELD_PATCHES check of a pod (port numbers and names, the words of a protocol and a pull
    policy) is the same in every release since 1.25, so a pod of 1.24 or of a release newer than the package is
    checked too (`objects` of such a release are refused by object-schema, which needs the kinds' schemas). None:
    kubernetes-validate ships no schemas."""
    return schemas.patched_field_validator(schemas.nearest_version(kubernetes_version), POD_TEMPLATE)


def field_violations(
    document: dict[str, Any], validator: SchemaValidator | None
) -> list[tuple[DocPath, str, str | None]]:
    """What the API server refuses of the pods of a Ray object, beyond the CRD's schema: where, what, and a hint."""
    if validator is None:
        return []
    return [
        (
            (*template_path, *finding.path),
            f"{finding.message}, which the API server refuses when KubeRay creates the pod: the pod would never start",
            finding.hint,
        )
        for template_path, template in ray_pod_templates(document)
        for finding in validator.findings(template)
    ]


PodViolation = tuple[str, DocPath, str, str | None]  # rule, path in the object, message, hint


def pod_checks(
    level: str | None, validator: Callable[[], SchemaValidator | None]
) -> Callable[[dict[str, Any]], list[PodViolation]]:
    """Both pod checks, pod-security at the namespace's `level` and pod-fields, on one Ray object: for the objects
    as `patches` leave them (validate/patches.py), whose pods the checks of the rendered files do not see. The
    validator is asked for at the first object (only environments with patches have any)."""

    def check(document: dict[str, Any]) -> list[PodViolation]:
        found: list[PodViolation] = [
            (POD_SECURITY.id, path, text, hint) for path, text, hint in security_violations(document, level)
        ]
        found += [(POD_FIELDS.id, path, text, hint) for path, text, hint in field_violations(document, validator())]
        return found

    return check
