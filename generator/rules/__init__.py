"""Stage 3b: semantic rules the JSON Schema cannot express.

Each module holds rules of one theme; each rule is a function from a checked environment to the problems
it finds, declared with `@rule(id, what, source, fails=..., passes=...)`. `RULES` is the order they run
in; all of them run, and every problem carries its rule's id. Lints (not KubeRay's own rules) can be
waived per object (rules/waivers.py). docs/rules.md is generated from the declarations (`make docs`).
"""

from __future__ import annotations

from generator.errors import Problem
from generator.rules import (
    cluster_options,
    delivery,
    jobs,
    names,
    namespaces,
    objects,
    operator,
    pods,
    replicas,
    scheduling,
    secrets,
    serve,
    versions,
    wiring,
)
from generator.rules.context import RuleContext
from generator.rules.rule import EnvironmentRun, Rule

RULES: tuple[Rule[EnvironmentRun], ...] = (
    names.environment_name_matches_file,
    names.environment_name_is_free,
    names.ray_object_names,
    names.multi_host_group_name,
    names.spec_group_name,
    namespaces.namespace_of_its_own,
    replicas.worker_replica_range,
    replicas.replica_bounds,
    pods.image_is_set,
    pods.unique_container_ports,
    pods.unique_container_names,
    pods.pod_port_names,
    pods.unique_mount_paths,
    pods.one_volume_source,
    pods.volume_without_source,
    pods.env_value_or_value_from,
    pods.requests_within_limits,
    pods.extended_resource_quantities,
    pods.container_resource_names,
    pods.resource_units,
    pods.ray_start_params_are_numbers,
    jobs.cluster_or_selector,
    jobs.cluster_ignored,
    jobs.selected_cluster_exists,
    jobs.submitter_restart_policy,
    jobs.entrypoint_unless_interactive,
    jobs.interactive_entrypoint,
    jobs.no_self_deleting_jobs,
    jobs.cron_schedule,
    jobs.runtime_env_yaml,
    jobs.job_metadata,
    wiring.operator_watches_target_namespace,
    wiring.operator_settings_need_install,
    wiring.flux_repository_url,
    wiring.operator_rbac_in_watched_namespaces,
    wiring.json_patches_have_targets,
    wiring.merge_patches_name_their_object,
    wiring.engine_settings_need_engine,
    wiring.operator_kustomize_settings,
    versions.fields_in_release,
    versions.values_in_release,
    versions.feature_gates_enabled,
    versions.operator_chart_values,
    operator.job_suspend,
    operator.job_ttl_needs_shutdown,
    operator.job_ttl_ignored,
    operator.job_backoff_limit,
    operator.job_retry_hazard,
    operator.job_submission_mode,
    operator.job_deletion,
    operator.gcs_fault_tolerance_settings,
    operator.gcs_backend_settings,
    operator.autoscaler_v2_restart_policy,
    operator.worker_idle_timeout,
    operator.autoscaler_idle_timeout,
    operator.worker_group_suspend,
    operator.worker_group_priority,
    operator.autoscaler_v2_env,
    operator.auth_options,
    operator.ray_group_params,
    operator.incremental_upgrade,
    operator.owned_cluster_upgrade_strategy,
    operator.gpus_match_ray_start_params,
    cluster_options.network_policy,
    cluster_options.tls_options,
    cluster_options.autoscaler_start_command,
    cluster_options.history_server,
    scheduling.tolerations_are_valid,
    scheduling.gpu_groups_tolerate_gpu_taints,
    scheduling.gpu_resource_names,
    scheduling.ray_version_matches_image,
    serve.serve_gpus_fit,
    serve.serve_route_prefixes_unique,
    serve.service_head_service_name,
    serve.serve_port,
    serve.service_initializing_timeout,
    delivery.helm_delivery_expressible,
    delivery.chart_release_names,
    delivery.chart_plain_text,
    delivery.operator_chart_plain_text,
    secrets.plaintext_secrets,
    objects.object_placement,
    objects.cluster_object_placement,
    objects.cluster_objects_are_not_kubernetes_own,
    objects.object_secrets,
    objects.binding_subject_namespace,
    objects.service_port_names,
    objects.rolling_updates,
    objects.operator_derived_names,
)


def check_rules(context: RuleContext) -> list[Problem]:
    problems: list[Problem] = []
    for rule in RULES:
        problems.extend(rule.run(context.for_rule(rule.id, rule.check.severity)))
    return problems
