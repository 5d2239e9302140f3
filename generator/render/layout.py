"""Which files an environment produces: the Ray objects always, the GitOps objects of its engines."""

from __future__ import annotations

from pathlib import Path

import jinja2

from generator.files import RenderedFile
from generator.model.build import generator_labels
from generator.model.types import Environment
from generator.render.gitops_files import argocd_files, flux_files
from generator.render.operator_kustomize import kustomize_delivery, overlay_files
from generator.render.workloads import (
    chart_clusters,
    chart_files,
    operator_files,
    patched_ray_objects,
    workload_files,
)


def render_environment(environment: Environment, jinja: jinja2.Environment, schemas_dir: Path) -> list[RenderedFile]:
    """Every file generated for one environment, in a stable order."""
    labels = generator_labels(environment.name)
    files = workload_files(environment, jinja, labels)
    if kustomize_delivery(environment):
        files += overlay_files(environment, jinja, labels, schemas_dir)
    elif environment.operator.install:
        files += operator_files(environment, jinja, labels)
    if chart_clusters(environment):
        files += chart_files(environment, jinja, labels)
    # the Ray objects as kustomize builds them, patched once from this render for both engines' objects
    built = patched_ray_objects(environment, jinja, files)
    if environment.gitops.argocd:
        files += argocd_files(environment, jinja, labels, built)
    if environment.gitops.flux:
        files += flux_files(environment, jinja, labels, built)
    return files
