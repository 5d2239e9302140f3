"""The files of an environment's Ray objects: the workloads overlay, the operator values, chart values."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import PurePosixPath
from typing import Any

import jinja2

from generator.files import WORKLOADS_FOLDER, RenderedFile
from generator.input.resolve import merge
from generator.model import names
from generator.model.build import effective_feature_gates, object_file_name
from generator.model.types import Environment, JsonMap, RayCluster
from generator.render import gitops, raycluster_chart
from generator.render.jinja import finish, render_documents, render_file
from generator.source import GENERATED
from generator.validate.patches import built_document


def workload_files(environment: Environment, jinja: jinja2.Environment, labels: dict[str, str]) -> list[RenderedFile]:
    workloads = PurePosixPath(environment.name) / WORKLOADS_FOLDER
    files: list[RenderedFile] = []

    def add(path: PurePosixPath, template: str, **context: Any) -> None:
        files.append(render_file(jinja, environment.source, path, template, context))

    add(workloads / "namespace.yaml", "workloads/namespace.yaml.j2", environment=environment, labels=labels)
    if environment.namespace_grant is not None:
        add(
            workloads / names.OPERATOR_ACCESS_FILE,
            "workloads/operator-access.yaml.j2",
            environment=environment,
            grant=environment.namespace_grant,
            labels=labels,
        )
    for config_map in environment.config_maps:
        add(
            workloads / f"configmap-{config_map.name}.yaml",
            "workloads/configmap.yaml.j2",
            config_map=config_map,
            labels=labels,
        )

    for path, template, override, context in ray_objects(environment):
        files.append(ray_object_file(jinja, environment.source, path, template, override, context))
    for item in (*environment.objects, *environment.cluster_objects):
        files.append(finish(workloads / object_file_name(item), environment.source, [dict(item)]))
    add(
        workloads / "kustomization.yaml",
        "workloads/overlay.yaml.j2",
        environment=environment,
        resources=[file.path.name for file in files],
    )
    return files


RayObject = tuple[PurePosixPath, str, JsonMap, dict[str, Any]]  # file, template, `spec` override, context


def ray_objects(environment: Environment) -> list[RayObject]:
    """The Ray objects of the workloads overlay: file, template, the item's `spec` and the template context."""
    workloads = PurePosixPath(environment.name) / WORKLOADS_FOLDER
    found: list[RayObject] = []
    for cluster in environment.clusters:
        if cluster.delivery == "kustomize":
            found.append(_ray_cluster_object(environment, cluster))
    for job in environment.jobs:
        found.append(
            (workloads / f"rayjob-{job.meta.name}.yaml", "workloads/rayjob.yaml.j2", job.override, {"job": job})
        )
    for service in environment.services:
        path = workloads / f"rayservice-{service.meta.name}.yaml"
        found.append((path, "workloads/rayservice.yaml.j2", service.override, {"service": service}))
    for cron in environment.cron_jobs:
        path = workloads / f"raycronjob-{cron.meta.name}.yaml"
        found.append((path, "workloads/raycronjob.yaml.j2", cron.override, {"cron": cron}))
    return found


def _ray_cluster_object(environment: Environment, cluster: RayCluster) -> RayObject:
    path = PurePosixPath(environment.name) / WORKLOADS_FOLDER / f"raycluster-{cluster.meta.name}.yaml"
    return path, "workloads/raycluster.yaml.j2", cluster.override, {"cluster": cluster}


def overridden_objects(
    environment: Environment, jinja: jinja2.Environment, rendered: Iterable[RenderedFile]
) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """Each Ray object whose item has a `spec`: rendered without it, and as `rendered` holds it."""
    by_path = {file.path: file for file in rendered}
    return [
        (render_documents(jinja, path, template, context)[0], by_path[path].documents[0])
        for path, template, override, context in ray_objects(environment)
        if override
    ]


def ray_object_file(
    jinja: jinja2.Environment,
    source: str,
    path: PurePosixPath,
    template: str,
    override: JsonMap,
    context: dict[str, Any],
) -> RenderedFile:
    """A Ray object's file: the template's object with the item's `spec` override merged last, by the
    environment's merge rules (input/resolve.py), so every field of the CRD can be written."""
    return finish(path, source, ray_object_documents(jinja, path, template, override, context))


def ray_object_documents(
    jinja: jinja2.Environment, path: PurePosixPath, template: str, override: JsonMap, context: dict[str, Any]
) -> list[Any]:
    """The documents of a Ray object's file (`ray_object_file`)."""
    documents = render_documents(jinja, path, template, context)
    if override:
        ray_object = documents[0]
        ray_object["spec"], _ = merge(ray_object.get("spec", {}), GENERATED, dict(override), GENERATED)
        if ray_object.get("kind") == "RayCluster":
            ray_object["spec"] = gitops.with_autoscaler_fields(ray_object["spec"], override)
    return documents


def patched_ray_objects(
    environment: Environment, jinja: jinja2.Environment, rendered: Iterable[RenderedFile] = ()
) -> dict[PurePosixPath, Any]:
    """With `patches`, each Ray object of the workloads overlay, by its file, as kustomize builds it: as
    `rendered` holds it (the environment's own render), else rendered again, and patched as validate/patches.py
    patches it (`built_document`); None for one that a patch with strategic-merge directives (not reproduced)
    or a failing patch (the build fails: patched_object_problems says so) touches. Without patches {}: the
    model tells what the objects are."""
    if not environment.patches:
        return {}
    patches = [(patch.target, patch.patch) for patch in environment.patches]
    documents = {file.path: file.documents[0] for file in rendered if file.documents}
    return {
        path: built_document(
            documents[path] if path in documents else ray_object_documents(jinja, path, template, override, context)[0],
            patches,
        )
        for path, template, override, context in ray_objects(environment)
    }


def autoscaled_clusters(environment: Environment, built: dict[PurePosixPath, Any]) -> list[gitops.AutoscaledCluster]:
    """The RayClusters of the workloads overlay as kustomize builds them (`built`, `patched_ray_objects`): each
    one's name and the worker groups the Ray autoscaler scales, for Argo CD's ignoreDifferences and Flux's
    ignore rules (of the Applications, the progressive ApplicationSet and the Flux Kustomization alike). The
    model's answer (gitops.autoscaled_groups) where `built` has none: without patches the model is what is
    built, and a patch with strategic-merge directives is not reproduced."""
    found = []
    for cluster in environment.clusters:
        if cluster.delivery != "kustomize":
            continue
        document = built.get(_ray_cluster_object(environment, cluster)[0])
        if document is None:
            found.append((cluster.meta.name, gitops.autoscaled_groups(cluster)))
        else:
            found.append(gitops.built_autoscaled_groups(document, cluster.meta.name))
    return found


def built_names(environment: Environment, built: dict[PurePosixPath, Any]) -> dict[tuple[str, str], str]:
    """(kind, item name) -> the name of the object kustomize builds, for each Ray object a JSON patch renamed
    (`built`, `patched_ray_objects`): the Flux health checks name the objects as built."""
    names = {}
    for path, _template, _override, context in ray_objects(environment):
        document = built.get(path)
        if not isinstance(document, dict):
            continue
        [item] = context.values()  # the RayCluster, RayJob, RayService or RayCronJob of the model
        metadata = document.get("metadata")
        name = metadata.get("name") if isinstance(metadata, dict) else None
        if isinstance(name, str) and name != item.meta.name:
            names[(str(document.get("kind")), item.meta.name)] = name
    return names


def operator_values(environment: Environment, jinja: jinja2.Environment) -> RenderedFile:
    """rendered/<env>/operator/values.yaml: Flux's HelmRelease reads it, Argo CD's Application carries it inline."""
    folder = PurePosixPath(environment.name) / "operator"
    values = render_file(
        jinja,
        environment.source,
        folder / "values.yaml",
        "operator/values.yaml.j2",
        {"release": environment.release, "operator": environment.operator, "feature_gates": feature_gates(environment)},
    )
    if environment.operator.values:
        merged, _ = merge(values.documents[0], GENERATED, dict(environment.operator.values), GENERATED)
        values = finish(values.path, environment.source, [merged])
    return values


def operator_files(environment: Environment, jinja: jinja2.Environment, labels: dict[str, str]) -> list[RenderedFile]:
    folder = PurePosixPath(environment.name) / "operator"
    files = [operator_values(environment, jinja)]
    if environment.gitops.flux:
        context = {
            "environment": environment,
            "names": names.flux_names(environment.name),
            "labels": labels,
            "chart": gitops.OPERATOR_CHART,
            "release_name": names.OPERATOR_RELEASE,
            "install_remediation": gitops.FLUX_INSTALL_REMEDIATION,
            "upgrade_remediation": gitops.FLUX_UPGRADE_REMEDIATION,
        }
        files.append(
            render_file(jinja, environment.source, folder / "helmrelease.yaml", "flux/helmrelease.yaml.j2", context)
        )
        files.append(
            render_file(
                jinja, environment.source, folder / "kustomization.yaml", "flux/operator-overlay.yaml.j2", context
            )
        )
    return files


def feature_gates(environment: Environment) -> list[dict[str, Any]]:
    """The chart's gates in chart order with overrides applied, then gates the chart does not list."""
    gates = effective_feature_gates(environment.release, environment.operator.feature_gates)
    return [{"name": name, "enabled": enabled} for name, enabled in gates.items()]


def chart_clusters(environment: Environment) -> list[RayCluster]:
    return [cluster for cluster in environment.clusters if cluster.delivery == "helm"]


def chart_files(environment: Environment, jinja: jinja2.Environment, labels: dict[str, str]) -> list[RenderedFile]:
    """rendered/<env>/charts/: values of the ray-cluster chart per RayCluster (and, for Flux, its HelmReleases)."""
    folder = PurePosixPath(environment.name) / "charts"
    files = [
        finish(
            folder / names.chart_values_file(cluster.meta.name),
            environment.source,
            [raycluster_chart.chart_values(cluster)],
        )
        for cluster in chart_clusters(environment)
    ]
    if not environment.gitops.flux:
        return files
    flux_names = names.flux_names(environment.name)
    releases = []
    for cluster in chart_clusters(environment):
        release = {
            "file": f"helmrelease-{cluster.meta.name}.yaml",
            "config_map": names.chart_values_config_map(environment.name, cluster.meta.name),
            "values_file": names.chart_values_file(cluster.meta.name),
        }
        releases.append(release)
        files.append(
            render_file(
                jinja,
                environment.source,
                folder / release["file"],
                "flux/helmrelease-raycluster.yaml.j2",
                {
                    "environment": environment,
                    "labels": labels,
                    "names": flux_names,
                    "cluster": cluster,
                    "chart": raycluster_chart.CHART,
                    "install_remediation": gitops.FLUX_INSTALL_REMEDIATION,
                    "upgrade_remediation": gitops.FLUX_UPGRADE_REMEDIATION,
                    "install_timeout": gitops.RAY_CLUSTER_INSTALL_TIMEOUT,
                    "release_name": names.chart_release_name(environment.name, cluster.meta.name),
                    "health_checks": [gitops.flux_health_check("RayCluster")],
                    "values_config_map": release["config_map"],
                },
            )
        )
    files.append(
        render_file(
            jinja,
            environment.source,
            folder / "kustomization.yaml",
            "flux/charts-overlay.yaml.j2",
            {"environment": environment, "releases": releases},
        )
    )
    return files
