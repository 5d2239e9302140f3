"""The pod templates of Ray objects against what the API server checks of a pod beyond its OpenAPI schema.

The KubeRay CRDs embed the pod template's OpenAPI schema, which takes any port number, any text for a probe's
port or a pull policy: the API server refuses them only when KubeRay creates the pod, long after Argo CD or Flux
reported the sync as done (the RayCluster is accepted; the operator logs that it could not create the pod).
What FIELD_PATCHES hold `objects` to (validate/kubernetes.py) is held here to every pod template KubeRay makes pods
of (pod_security.py `ray_pod_templates`), by the definitions of target.kubernetesVersion.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from generator.checks import POD_FIELDS
from generator.errors import Problem
from generator.files import RenderedFile
from generator.source import Origin
from generator.validate.kubernetes import KubernetesSchemas
from generator.validate.pod_security import pod_problem, ray_objects, ray_pod_templates

POD_TEMPLATE = "io.k8s.api.core.v1.PodTemplateSpec"


def pod_field_problems(
    files: list[RenderedFile],
    data: dict[str, Any],
    origin: Origin,
    environment_file: Path,
    kubernetes_version: str,
    schemas: KubernetesSchemas,
) -> list[Problem]:
    validator = schemas.patched_field_validator(kubernetes_version, POD_TEMPLATE)
    if validator is None:  # a Kubernetes version without schemas: object-schema says so for `objects`
        return []
    return [
        pod_problem(
            document,
            (*template_path, *finding.path),
            f"{finding.message}, which the API server refuses when KubeRay creates the pod: the pod would never start",
            finding.hint,
            POD_FIELDS.id,
            (data, origin, environment_file),
        )
        for document in ray_objects(files)
        for template_path, template in ray_pod_templates(document)
        for finding in validator.findings(template)
    ]
