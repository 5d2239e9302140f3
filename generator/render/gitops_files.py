"""The Argo CD and Flux files of an environment, and the root files for all environments."""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any

import jinja2

from generator.files import ARGOCD_FOLDER, ROOT_FOLDER, RenderedFile
from generator.model import names
from generator.model.build import generator_labels
from generator.model.types import Environment
from generator.render import applicationset, gitops, raycluster_chart
from generator.render.jinja import health_script, render_file, with_kustomization
from generator.render.operator_kustomize import kustomize_delivery
from generator.render.workloads import (
    autoscaled_clusters,
    built_names,
    chart_clusters,
    operator_values,
    patched_ray_objects,
)

HEALTH_KINDS = (
    ("ray.io", "RayCluster"),
    ("ray.io", "RayJob"),
    ("ray.io", "RayService"),
    ("argoproj.io", "Application"),
)


def render_root(environments: list[Environment], jinja: jinja2.Environment) -> list[RenderedFile]:
    """rendered/argocd/: one root Application that picks up every Argo CD environment, and argocd-cm health."""
    argocd = [environment for environment in environments if environment.gitops.argocd]
    if not argocd:
        return []
    first = argocd[0].gitops
    revisions = {environment.gitops.target_revision for environment in argocd}
    base = PurePosixPath(ROOT_FOLDER)
    source = f"{argocd[0].source.rsplit('/', 1)[0]}/*.yaml"
    labels = generator_labels(None)
    health = {
        f"resource.customizations.health.{group}_{kind}": health_script(jinja, kind) for group, kind in HEALTH_KINDS
    }
    progressive = applicationset.applicationset_mode(argocd)
    files = []
    if progressive:
        elements = [
            applicationset.element(environment, file.documents[0], part)
            for environment in argocd
            for part, file in argocd_applications(
                environment, jinja, generator_labels(environment.name), patched_ray_objects(environment, jinja)
            )
        ]
        spec = applicationset.applicationset_spec(elements, first.argocd_namespace)
        context = {"name": names.ROOT_PROJECT, "argocd_namespace": first.argocd_namespace, "labels": labels}
        files.append(
            render_file(
                jinja, source, base / "applicationset.yaml", "argocd/applicationset.yaml.j2", {**context, "spec": spec}
            )
        )
    listed = [f"../{environment.name}/{ARGOCD_FOLDER}" for environment in argocd]
    return [
        render_file(
            jinja,
            source,
            base / "kustomization.yaml",
            "overlay.yaml.j2",
            {"resources": [*listed, *(["applicationset.yaml"] if progressive else [])]},
        ),
        *files,
        render_file(
            jinja,
            source,
            base / "root-application.yaml",
            "argocd/root-application.yaml.j2",
            {
                "name": gitops.ROOT_APPLICATION,
                "argocd_namespace": first.argocd_namespace,
                "labels": labels,
                "repo_url": first.repo_url,
                # environments may track different revisions; the root then follows the default branch
                "target_revision": revisions.pop() if len(revisions) == 1 else "HEAD",
                "path": f"{first.path}/{ROOT_FOLDER}",
                "in_cluster": gitops.IN_CLUSTER,
                "retry": gitops.ARGOCD_RETRY,
                "project": names.ROOT_PROJECT,
            },
        ),
        render_file(
            jinja,
            source,
            base / "root-project.yaml",
            "argocd/appproject.yaml.j2",
            {
                "name": names.ROOT_PROJECT,
                "argocd_namespace": first.argocd_namespace,
                "labels": labels,
                "project": gitops.root_project(first.repo_url, first.argocd_namespace, applicationset=progressive),
            },
        ),
        render_file(
            jinja,
            source,
            base / "argocd-cm-patch.yaml",
            "argocd/argocd-cm-patch.yaml.j2",
            {"argocd_namespace": first.argocd_namespace, "health": health},
        ),
    ]


def argocd_files(
    environment: Environment, jinja: jinja2.Environment, labels: dict[str, str], built: dict[PurePosixPath, Any]
) -> list[RenderedFile]:
    """rendered/<env>/argocd/: the AppProjects, and the Applications unless the ApplicationSet generates them;
    `built`: the patched Ray objects (workloads.patched_ray_objects)."""
    folder = PurePosixPath(environment.name) / ARGOCD_FOLDER
    projects = names.project_names(environment.name)
    files = []

    def add_project(part: str, spec: dict[str, Any]) -> None:
        context = {
            "name": projects[part],
            "project": spec,
            "labels": labels,
            "argocd_namespace": environment.gitops.argocd_namespace,
        }
        path = folder / f"appproject-{part}.yaml"
        files.append(render_file(jinja, environment.source, path, "argocd/appproject.yaml.j2", context))

    # the platform (CRDs, operator) and the workloads in separate projects: the workloads app can create no
    # cluster role, CRD or Deployment, the platform apps read nothing of this repository
    if environment.operator.install:
        add_project("platform", gitops.platform_project(environment))
    add_project("workloads", gitops.workloads_project(environment))
    if environment.gitops.stage is None:
        files += [file for _, file in argocd_applications(environment, jinja, labels, built)]
    return with_kustomization(files, folder, environment.source, jinja)


def argocd_applications(
    environment: Environment, jinja: jinja2.Environment, labels: dict[str, str], built: dict[PurePosixPath, Any]
) -> list[tuple[str, RenderedFile]]:
    """The environment's Argo CD Applications, each with its part (crds, operator, workloads, raycluster);
    `built`: the patched Ray objects (workloads.patched_ray_objects)."""
    folder = PurePosixPath(environment.name) / ARGOCD_FOLDER
    projects = names.project_names(environment.name)
    context = {
        "environment": environment,
        "labels": labels,
        "names": names.application_names(environment.name),
        "kuberay_git_repository": gitops.KUBERAY_GIT_REPOSITORY,
        "kuberay_helm_repository": gitops.KUBERAY_HELM_REPOSITORY,
        "crds_path": gitops.CRDS_PATH,
        "chart": gitops.OPERATOR_CHART,
        "release_name": names.OPERATOR_RELEASE,
        # inline, so that the chart version and its values change in one object, in one sync
        "operator_values": (
            operator_values(environment, jinja).documents[0]
            if environment.operator.install and not kustomize_delivery(environment)
            else None
        ),
        "operator_path": gitops.repository_path(environment, "operator"),
        "workloads_path": gitops.repository_path(environment, "workloads"),
        "ignore_differences": gitops.ignore_differences(autoscaled_clusters(environment, built)),
        "retry": gitops.ARGOCD_RETRY,
        "notifications": gitops.notification_annotations(environment),
    }
    # with the Kustomize delivery the overlay brings the CRDs (replaced, never pruned), so there is no CRD app
    kustomized = kustomize_delivery(environment)
    parts = (["operator"] if kustomized else ["crds", "operator"]) if environment.operator.install else []
    parts.append("workloads")
    applications = []
    for part in parts:
        platform = part != "workloads"
        namespace = environment.operator.namespace if platform else environment.target.namespace
        part_context = {
            **context,
            "project_name": projects["platform" if platform else "workloads"],
            "destination": gitops.destination(environment, namespace),
        }
        path = folder / f"application-{part}.yaml"
        template = "application-operator-kustomize" if kustomized and part == "operator" else f"application-{part}"
        applications.append(
            (part, render_file(jinja, environment.source, path, f"argocd/{template}.yaml.j2", part_context))
        )
    for cluster in chart_clusters(environment):
        cluster_context = {
            **context,
            "name": names.chart_release_name(environment.name, cluster.meta.name),
            "cluster": cluster,
            "chart": raycluster_chart.CHART,
            "values_path": gitops.repository_path(environment, "charts", names.chart_values_file(cluster.meta.name)),
            "destination": gitops.destination(environment, environment.target.namespace),
            "project_name": projects["workloads"],
            "ignore_differences": gitops.autoscaler_differences(cluster),
        }
        path = folder / f"application-raycluster-{cluster.meta.name}.yaml"
        applications.append(
            (
                "raycluster",
                render_file(jinja, environment.source, path, "argocd/application-raycluster.yaml.j2", cluster_context),
            )
        )
    return applications


def flux_files(
    environment: Environment, jinja: jinja2.Environment, labels: dict[str, str], built: dict[PurePosixPath, Any]
) -> list[RenderedFile]:
    """rendered/<env>/flux/; `built`: the patched Ray objects (workloads.patched_ray_objects)."""
    folder = PurePosixPath(environment.name) / "flux"
    accounts = gitops.flux_accounts(environment)
    flux_names = names.flux_names(environment.name)
    context = {
        "environment": environment,
        "labels": labels,
        "names": flux_names,
        "git_ref": gitops.flux_git_ref(environment.gitops.target_revision),
        "kuberay_helm_repository": gitops.KUBERAY_HELM_REPOSITORY,
        "operator_path": gitops.repository_path(environment, "operator"),
        "workloads_path": gitops.repository_path(environment, "workloads"),
        "health_checks": [gitops.flux_health_check(kind) for kind in ("RayJob", "RayService")],
        "checked_objects": gitops.flux_checked_objects(environment, built_names(environment, built)),
        "ignore_rules": gitops.flux_ignore_rules(autoscaled_clusters(environment, built)),
        "charts_path": gitops.repository_path(environment, "charts"),
        "charts_timeout": gitops.RAY_CLUSTER_INSTALL_TIMEOUT,
        "operator_dependency": gitops.flux_operator_dependency(environment),
        "accounts": accounts,
        # the operator Kustomization runs as its account where flux_accounts gives it one
        "operator_account": any(account["name"] == flux_names["operator"] for account in accounts),
        "namespace_patch": gitops.flux_namespace_patch(environment),
        "alert_sources": gitops.flux_alert_sources(environment),
    }
    charts = bool(chart_clusters(environment))
    templates = ["gitrepository"]
    if (environment.operator.install and not kustomize_delivery(environment)) or charts:
        templates.append("helmrepository")
    if environment.operator.install:
        templates.append("kustomization-operator")
    if charts:
        templates.append("kustomization-charts")
    templates.append("kustomization-workloads")
    if environment.gitops.alert_provider is not None:
        templates.append("alert")
    files = [
        render_file(jinja, environment.source, folder / f"{name}.yaml", f"flux/{name}.yaml.j2", context)
        for name in [*templates, "access"]
    ]
    # the workloads' Namespace, from the workloads' own template: the account they run as cannot create it
    namespace = {"environment": environment, "labels": labels, "annotations": gitops.FLUX_NAMESPACE_ANNOTATIONS}
    files.append(
        render_file(jinja, environment.source, folder / "namespace.yaml", "workloads/namespace.yaml.j2", namespace)
    )
    return with_kustomization(files, folder, environment.source, jinja)
