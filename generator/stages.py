"""The stages that work one environment out: load, resolve and check its file, build its model, render it, and
check what it renders.

They need Jinja, the YAML parser and the validators, whose imports and set-up take most of a short run:
generator/pipeline.py imports this module only when some environment must be worked out (or rendered again
under another namespace grant) or the root files rendered, so that a run which takes every environment and the
root files from the outcome cache does without them (docs/architecture.md, "Start-up").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import jinja2

from generator.checks import CRD_SCHEMA, LINT_WAIVER, Check
from generator.errors import InputError, Problem
from generator.files import RenderedFile
from generator.input.envschema import environment_schema
from generator.input.load import LoadedDocument, load_environment_file
from generator.input.resolve import duplicate_names, resolve_environment
from generator.input.schema_check import SchemaValidator, check_schema
from generator.model.access import Grants, grant_for
from generator.model.build import build_environment
from generator.model.types import Environment
from generator.outcome import Outcome
from generator.outcome_cache import file_digest
from generator.releases import FieldHistory, KubeRayRelease
from generator.render.gitops_files import render_root
from generator.render.jinja import template_environment
from generator.render.layout import render_environment
from generator.render.workloads import overridden_objects
from generator.rules import check_rules
from generator.rules.context import RuleContext
from generator.rules.cross import named_across_environments
from generator.rules.delivery import chart_values_problems
from generator.rules.waivers import unwaived, waiver_problems
from generator.validate.conformance import SchemaStore, check_rendered, findings_for
from generator.validate.final_rules import object_rules, override_problems
from generator.validate.identities import written_twice_problems
from generator.validate.kubernetes import KubernetesSchemas, object_problems, schema_files
from generator.validate.limits import size_problems
from generator.validate.patched_kinds import merged_by_schema, patched_kind_problems
from generator.validate.patches import patch_target_problems, patched_object_problems
from generator.validate.pod_fields import pod_checks, pod_field_problems, pod_field_validator, writes_raw_pods
from generator.validate.pod_security import namespace_level, pod_security_problems

if TYPE_CHECKING:
    from generator.pipeline import BuildRequest, EnvironmentFiles


@dataclass(frozen=True)
class Stages:
    """What every environment of one run shares: validators, templates, caches."""

    request: BuildRequest
    found: EnvironmentFiles
    validator: SchemaValidator
    jinja: jinja2.Environment
    load: CachedLoader
    store: SchemaStore
    kubernetes: KubernetesSchemas
    history: FieldHistory
    release: Callable[[str], KubeRayRelease]  # a release's data, loaded once per run
    checks: dict[str, Check]


def new_stages(
    request: BuildRequest,
    found: EnvironmentFiles,
    raw: dict[Path, bytes],
    release: Callable[[str], KubeRayRelease],
    history: FieldHistory,
    checks: dict[str, Check],
) -> Stages:
    """The stages of a run whose files' bytes read so far are `raw` (the loader takes them from there)."""
    return Stages(
        request,
        found,
        SchemaValidator(environment_schema()),
        template_environment(request.tool.templates),
        CachedLoader(raw),
        SchemaStore(request.tool.schemas),
        KubernetesSchemas(),
        history,
        release,
        checks,
    )


def model_environment(stages: Stages, name: str) -> Outcome:
    """Load, resolve and check one environment, and build its model when it has no error."""
    file = stages.found.environments[name]
    try:
        resolved = resolve_environment(file, stages.load, stages.found.partials)
    except InputError as error:
        return Outcome(list(error.problems), [])
    problems = [problem for path in resolved.chain for problem in stages.load.duplicates(path)]
    problems = problems or check_schema(stages.validator, resolved.data, resolved.origin)
    if problems:
        return Outcome(problems, [])
    version = resolved.data["kuberay"]["version"]
    context = RuleContext(file, resolved.data, resolved.origin, stages.release(version), stages.history)
    problems = check_rules(context)
    problems += waiver_problems(context.for_rule(LINT_WAIVER.id), stages.checks)
    problems = unwaived(problems, resolved.data, stages.checks)
    warnings = [problem for problem in problems if not problem.is_error]
    if len(warnings) < len(problems):
        return Outcome(problems, [])
    environment = build_environment(resolved.data, file, stages.release(version))
    return Outcome(warnings, [], environment, context)


def render_modelled(stages: Stages, outcome: Outcome, grants: Grants, *, check_output: bool) -> Outcome:
    """Render a modelled environment and, when asked, check what it renders."""
    if outcome.environment is None or outcome.context is None:
        return outcome
    granted = grant_for(outcome.environment, grants)
    environment = replace(
        outcome.environment, namespace_grant=granted.namespace_grant, operator_owner=granted.operator_owner
    )
    context, warnings = outcome.context, outcome.problems
    data, origin, file = context.data, context.origin, context.file
    rendered = render_environment(environment, stages.jinja, stages.request.tool.schemas)
    if check_output:
        problems = check_rendered(rendered, context.version, stages.store, data, origin, file, stages.history)
        problems += size_problems(rendered, data, origin, file)
        kubernetes_version = environment.target.kubernetes_version
        if not problems:  # the pods are read as the schema describes them: only schema-valid objects
            problems = pod_security_problems(rendered, data, origin, file)
            if writes_raw_pods(context):
                problems += pod_field_problems(rendered, data, origin, file, kubernetes_version, stages.kubernetes)
        problems += chart_values_problems(context, rendered)
        merged = merged_by_schema(stages.kubernetes, kubernetes_version)
        problems += patch_target_problems(rendered, data, origin, file, environment.name, merged)
        problems += patched_object_problems(
            rendered,
            data,
            origin,
            file,
            environment.name,
            findings_for(stages.store, context.version),
            context.version,
            object_rules(context, stages.validator),
            pod_checks(namespace_level(rendered), lambda: pod_field_validator(stages.kubernetes, kubernetes_version)),
        )
        problems += patched_kind_problems(
            rendered, data, origin, file, environment.name, kubernetes_version, stages.kubernetes
        )
        if not any(problem.rule == CRD_SCHEMA.id for problem in problems):  # the rules read schema-valid objects
            problems += override_problems(
                overridden_objects(environment, stages.jinja, rendered), context, stages.validator
            )
        problems += written_twice_problems(rendered, environment, origin, file)
        problems += object_problems(
            [
                *((("objects", index), item) for index, item in enumerate(environment.objects)),
                *((("clusterObjects", index), item) for index, item in enumerate(environment.cluster_objects)),
            ],
            data,
            origin,
            file,
            environment.target.kubernetes_version,
            stages.kubernetes,
        )
        # a lint found on what an item's `spec` renders is the item's, and its waiver covers it (model_environment)
        problems = unwaived(problems, data, stages.checks)
        if problems:
            return Outcome(problems + warnings, [])
    if not stages.request.documents:
        # each made directly: dataclasses.replace, for each file of each environment, took 0.3 % of a run
        rendered = [
            file
            if any(map(named_across_environments, file.documents))
            else RenderedFile(file.path, file.environment, file.content, ())
            for file in rendered
        ]
    return Outcome(warnings, rendered, environment, context)


def root_files(stages: Stages, environments: list[Environment]) -> list[RenderedFile]:
    """The root files, which list every environment (render/gitops_files.py)."""
    return render_root(environments, stages.jinja)


def other_reads(outcome: Outcome) -> tuple[tuple[Path, bytes | None], ...]:
    """The files besides its own and the partials that an outcome depends on (objectSchemas)."""
    if outcome.context is None:  # not modelled: nothing but its own files and partials was read
        return ()
    return tuple((path, file_digest(path)) for path in schema_files(outcome.context.file, outcome.context.data))


class CachedLoader:
    """Loads each file once per run: partials are shared by many environments. The bytes of a file read before
    (for the outcome cache's key) are the ones loaded: `raw` holds them until then."""

    def __init__(self, raw: dict[Path, bytes]) -> None:
        self.documents: dict[Path, LoadedDocument | InputError] = {}
        self.duplicate_problems: dict[Path, list[Problem]] = {}
        self.raw = raw

    def __call__(self, path: Path) -> LoadedDocument:
        if path not in self.documents:
            try:
                self.documents[path] = load_environment_file(path, self.raw.pop(path, None))
            except InputError as error:
                self.documents[path] = error
        document = self.documents[path]
        if isinstance(document, InputError):
            raise InputError(document.problems)
        return document

    def duplicates(self, path: Path) -> list[Problem]:
        if path not in self.duplicate_problems:
            self.duplicate_problems[path] = duplicate_names(self(path))
        return self.duplicate_problems[path]
