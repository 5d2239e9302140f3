"""What each command does, on plain options: no click here, so the core is tested without a terminal.

The modules that only one of the other commands needs (new, import, diff, capacity, list, explain) are
imported in that command's function: `validate`, `render` and `check` start without reading them, and with
their outcomes kept, without Jinja and the YAML parsers too (docs/architecture.md, "Start-up").
"""

from __future__ import annotations

import json
import traceback
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from generator.errors import InputError, SetupError
from generator.files import ARGOCD_FOLDER, ROOT_FOLDER, RenderedFile
from generator.output.write import compare_output, write_output
from generator.paths import ToolData
from generator.pipeline import BuildRequest, BuildResult, build
from generator.releases import SUPPORTED_RELEASES, load_field_history, load_release
from generator.report import Reporter, display_path

if TYPE_CHECKING:
    from generator.scaffold import NewEnvironment

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_SETUP = 2
EXIT_INTERNAL = 3


Command = Callable[["Options", Reporter], int]


@dataclass(frozen=True)
class Options:
    environments_dir: Path
    output_dir: Path
    selected: tuple[str, ...]
    tool: ToolData
    strict: bool = False  # warnings fail the run (and nothing is written)
    jobs: int | None = None  # processes for the per-environment work (None: as many as pay off)


def run_render(options: Options, reporter: Reporter) -> int:
    def act(result: BuildResult) -> int:
        changes = write_output(options.output_dir, result.files, result.scope)
        reporter.changes(options.output_dir, changes, written=True)
        reporter.summary(
            f"rendered {len(result.environments)} environment(s) into {display_path(options.output_dir)}: "
            + (f"{len(changes)} file(s) changed" if changes else "already up to date")
        )
        return EXIT_OK

    return _run(options, reporter, act, documents=False)


def run_validate(options: Options, reporter: Reporter) -> int:
    def act(result: BuildResult) -> int:
        reporter.summary(f"{len(result.environments)} environment(s) valid")
        return EXIT_OK

    return _run(options, reporter, act, documents=False)


def run_check(options: Options, reporter: Reporter) -> int:
    def act(result: BuildResult) -> int:
        changes = compare_output(options.output_dir, result.files, result.scope)
        if changes:
            reporter.changes(options.output_dir, changes, written=False)
            for message in root_listing_gaps(options.output_dir, result.files):
                reporter.failure(message)
            reporter.failure(
                f"{display_path(options.output_dir)} is not current ({len(changes)} file(s) differ): "
                "run `make render` (or `kuberay-gitops render`) and commit the result"
            )
            return EXIT_INVALID
        reporter.summary(f"{display_path(options.output_dir)} is current for {len(result.environments)} environment(s)")
        return EXIT_OK

    return _run(options, reporter, act, documents=False)


@dataclass(frozen=True)
class DiffRequest:
    base: str | None  # a git ref or a rendered folder; None: the merge base with origin/main or main
    output_format: str  # text, markdown or json
    exit_code: bool  # exit 1 when there are changes, as `git diff --exit-code`


def run_diff(options: Options, request: DiffRequest, reporter: Reporter) -> int:
    """What the working tree's environments change against the base, per environment and object."""
    from generator.review.base import load_base
    from generator.review.diff import diff_trees
    from generator.review.present import json_report, markdown_report, text_report
    from generator.review.trees import tree_of_files

    reports = {"text": text_report, "markdown": markdown_report, "json": json_report}
    # an environment named that has no file any more is a removed one, which the base holds (`diff prod` after
    # prod.yaml was deleted): the others are built, and the removed ones compared with nothing
    gone = tuple(
        name
        for name in options.selected
        if Path(name).suffix not in (".yaml", ".yml")
        and "/" not in name
        and not any((options.environments_dir / f"{name}{suffix}").is_file() for suffix in (".yaml", ".yml"))
    )
    present = tuple(name for name in options.selected if name not in gone)

    def act(result: BuildResult) -> int:
        base = load_base(request.base, options.environments_dir, options.output_dir, options.tool)
        names = (*(result.environments if present else ()), *gone) if options.selected else ()
        diffs = diff_trees(base.tree, tree_of_files(result.files), names)
        if gone and not diffs and any(name not in base.tree for name in gone):
            unknown = ", ".join(name for name in gone if name not in base.tree)
            reporter.failure(f"no environment named {unknown}, here or in {base.label}")
            return EXIT_SETUP
        reporter.output(reports[request.output_format](diffs, base.label))
        return EXIT_INVALID if request.exit_code and diffs else EXIT_OK

    return _run(replace(options, selected=present), reporter, act)


def run_capacity(options: Options, reporter: Reporter, *, as_json: bool) -> int:
    """The CPU, memory and GPUs each Ray object asks of its cluster, at minimum and maximum scale."""
    from generator.review.capacity import object_capacities
    from generator.review.present import capacity_columns, capacity_report
    from generator.review.trees import tree_of_files

    def act(result: BuildResult) -> int:
        tree = tree_of_files(result.files)
        capacities = {name: object_capacities(tree.get(name, {})) for name in result.environments}
        if as_json:
            reporter.data(
                "capacity",
                {
                    name: {str(key): capacity_columns(capacity) for key, capacity in objects.items()}
                    for name, objects in capacities.items()
                },
            )
        else:
            reporter.output(capacity_report(capacities))
        return EXIT_OK

    return _run(options, reporter, act)


def _rendered_environments(output_dir: Path) -> frozenset[str]:
    """The environments whose Argo CD folder `output_dir` holds, the one the root lists: rendered so far (an
    environment rendered for Flux only and then turned to Argo CD has none yet)."""
    try:
        return frozenset(path.name for path in output_dir.iterdir() if (path / ARGOCD_FOLDER).is_dir())
    except OSError:  # no output yet
        return frozenset()


def root_listing_gaps(output_dir: Path, files: tuple[RenderedFile, ...]) -> list[str]:
    """Why the root kustomization is stale, in terms of environments: Argo CD would miss or keep them."""
    from generator.output.serialize import load_yaml_stream

    path = PurePosixPath(ROOT_FOLDER, "kustomization.yaml")
    wanted = next((file for file in files if file.path == path), None)
    try:
        current = load_yaml_stream((output_dir / path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    listed = _listed_environments(current[0] if current else None)
    expected = _listed_environments(wanted.documents[0] if wanted is not None else None)
    shown = display_path(output_dir / path)
    messages = [
        f"{shown} does not list environment {name}: Argo CD would never create its Applications"
        for name in sorted(expected - listed)
    ]
    messages += [f"{shown} still lists environment {name}, which is gone" for name in sorted(listed - expected)]
    return messages


def _listed_environments(document: object) -> set[str]:
    resources = document.get("resources", []) if isinstance(document, dict) else []
    return {PurePosixPath(str(item)).parent.name for item in resources}


def schema_text() -> str:
    from generator.input.envschema import editor_schema

    return json.dumps(editor_schema(), indent=2) + "\n"


def version_text() -> str:
    from importlib import metadata

    try:
        version = metadata.version("kuberay-gitops")
    except metadata.PackageNotFoundError:  # run from a checkout that was never installed
        version = "(not installed)"
    return f"kuberay-gitops {version}\nKubeRay releases: {', '.join(SUPPORTED_RELEASES)}\n"


def run_explain(options: Options, given: str, reporter: Reporter) -> int:
    from generator.explain import explain

    try:
        text = explain(given, load_field_history(options.tool.schemas), options.tool.schemas)
    except SetupError as error:
        reporter.failure(str(error))
        reporter.close()
        return EXIT_SETUP
    reporter.output(text)
    reporter.close()
    return EXIT_OK


def run_list(options: Options, reporter: Reporter, *, as_json: bool) -> int:
    from generator.inventory import list_json, list_lines, summarize

    try:
        summaries = summarize(options.environments_dir)
    except SetupError as error:
        reporter.failure(str(error))
        reporter.close()
        return EXIT_SETUP
    if as_json:
        reporter.data("environments", list_json(summaries))
    else:
        reporter.output("\n".join(list_lines(summaries)) + "\n")
    reporter.close()
    return EXIT_OK


def run_new(options: Options, request: NewEnvironment, reporter: Reporter) -> int:
    """Writes the new environment, then validates it with every rule (and against the other environments);
    a file that would not render is removed again, with its problems printed."""
    from generator.render.jinja import template_environment
    from generator.scaffold import new_environment_text

    file = options.environments_dir / f"{request.name}.yaml"
    failed = _write_new(
        file,
        lambda: new_environment_text(request, options.environments_dir, template_environment(options.tool.templates)),
        reporter,
    )
    if failed is not None:
        return failed

    def act(_result: BuildResult) -> int:
        reporter.summary(f"wrote {display_path(file)}: valid; edit it, then run `kuberay-gitops render {request.name}`")
        return EXIT_OK

    code = _run(replace(options, selected=(request.name,)), reporter, act)
    if code != EXIT_OK:
        file.unlink(missing_ok=True)
    return code


@dataclass(frozen=True)
class ImportRequest:
    paths: tuple[Path, ...]
    name: str
    kuberay_version: str | None = None
    cluster: str | None = None
    namespace: str | None = None
    repo_url: str | None = None


def run_import(options: Options, request: ImportRequest, reporter: Reporter, *, as_json: bool) -> int:
    """Writes the environment of the manifests, validates it with every rule, and compares what it renders
    with the manifests: exit 0 only when every manifest is carried and comes out equal."""
    from ruamel.yaml import YAML

    from generator.importer.compare import differences, normalized
    from generator.importer.manifests import read_manifests
    from generator.importer.run import Imported, environment_text, import_manifests
    from generator.input.schema_check import Finding
    from generator.render.jinja import template_environment
    from generator.scaffold import NewEnvironment, new_environment_text
    from generator.validate.conformance import SchemaStore
    from generator.validate.kubernetes import KubernetesSchemas

    file = options.environments_dir / f"{request.name}.yaml"
    imported = Imported()

    def text() -> str:
        nonlocal imported
        manifests = read_manifests(request.paths)
        if not manifests:
            raise SetupError(f"no Kubernetes manifest in {', '.join(str(path) for path in request.paths)}")
        jinja = template_environment(options.tool.templates)
        sources = ", ".join(display_path(path) for path in request.paths)
        new = NewEnvironment(
            request.name,
            cluster=request.cluster,
            namespace=request.namespace,
            repo_url=request.repo_url,
            kuberay_version=request.kuberay_version,
            imported_from=sources,
        )
        header_text = new_environment_text(new, options.environments_dir, jinja)
        header = YAML(typ="safe").load(header_text)
        release = load_release(str(header["kuberay"]["version"]), options.tool.schemas)
        store = SchemaStore(options.tool.schemas)

        def crd_findings(document: dict[str, Any]) -> list[Finding]:
            validator = store.validator_for(document, release.version)
            return [] if validator is None else validator.findings(document)

        imported = import_manifests(manifests, header, release, jinja, KubernetesSchemas(), crd_findings)
        if imported.gates:  # written by the environment that installs the operator, if this is the one
            header_text = new_environment_text(replace(new, gates=imported.gates), options.environments_dir, jinja)
        return environment_text(header_text, imported.body)

    failed = _write_new(file, text, reporter)
    if failed is not None:
        return failed

    def act(result: BuildResult) -> int:
        rendered = {
            (document["kind"], document["metadata"]["name"]): document
            for rendered_file in result.files
            for document in rendered_file.documents
            if isinstance(document, dict) and "metadata" in document
        }
        found = [f"not carried: {refusal}" for refusal in imported.refused]
        for carried in imported.carried:
            key = (carried.expected["kind"], carried.expected["metadata"]["name"])
            if key not in rendered:
                found.append(f"{carried.manifest.source}: {key[0]} {key[1]}: not rendered")
                continue
            found += [
                f"{carried.manifest.source}: {key[0]} {key[1]}: {difference}"
                for difference in differences(carried.expected, normalized(rendered[key]))
            ]
        lines = [f"note: {note}" for note in imported.notes] + found
        if as_json:
            report = {"file": display_path(file), "carried": len(imported.carried), "notes": imported.notes}
            reporter.data("import", {**report, "differences": found})
        elif lines:
            reporter.output("".join(f"{line}\n" for line in lines))
        if found:
            reporter.summary(
                f"wrote {display_path(file)}: {len(imported.carried)} object(s) carried, {len(found)} difference(s) "
                "from the manifests (above)"
            )
            return EXIT_INVALID
        reporter.summary(
            f"wrote {display_path(file)}: {len(imported.carried)} object(s), each rendered equal to its manifest; "
            f"render it with `kuberay-gitops render {request.name}`"
        )
        return EXIT_OK

    return _run(replace(options, selected=(request.name,)), reporter, act)


def _write_new(file: Path, text: Callable[[], str], reporter: Reporter) -> int | None:
    """Write a new environment file (never over one that exists, or appeared meanwhile); None when written,
    else the exit code of the failure, reported."""
    try:
        content = text()
        file.parent.mkdir(parents=True, exist_ok=True)
        with file.open("x", encoding="utf-8") as stream:
            stream.write(content)
        return None
    except InputError as error:  # the files it was made from (import's manifests)
        reporter.problems(error.problems)
        code = EXIT_INVALID
    except SetupError as error:
        reporter.failure(str(error))
        code = EXIT_SETUP
    except OSError as error:
        reporter.failure(f"cannot write {display_path(file)}: {error.strerror or error}")
        code = EXIT_SETUP
    except Exception as error:  # a bug of ours, reported as one (as _run does)
        reporter.internal_error(str(error), traceback.format_exc())
        code = EXIT_INTERNAL
    reporter.close()
    return code


def _run(options: Options, reporter: Reporter, act: Callable[[BuildResult], int], *, documents: bool = True) -> int:
    """Build, report the problems, and `act` on a valid result; `documents`: whether `act` reads the documents
    of every rendered file (render, check and validate read only the files' text)."""
    try:
        _check_directories(options)
        request = BuildRequest(
            options.environments_dir,
            options.selected,
            options.tool,
            options.jobs,
            documents,
            restore_collector=False,
            rendered=_rendered_environments(options.output_dir) if options.selected else None,
        )
        result = build(request)
        if result.problems:
            reporter.problems(result.problems)
        if any(problem.is_error for problem in result.problems):
            return EXIT_INVALID
        if options.strict and result.problems:
            reporter.failure("warnings fail the run with --strict")
            return EXIT_INVALID
        return act(result)
    except InputError as error:
        reporter.problems(error.problems)
        return EXIT_INVALID
    except SetupError as error:
        reporter.failure(str(error))
        return EXIT_SETUP
    except Exception as error:  # any other exception is a bug in the tool: reported as one, never as bad input
        reporter.internal_error(str(error), traceback.format_exc())
        return EXIT_INTERNAL
    finally:
        reporter.close()


def _check_directories(options: Options) -> None:
    try:
        output = options.output_dir.resolve()
        environments = options.environments_dir.resolve()
    except (OSError, RuntimeError) as error:  # a symbolic link loop
        raise SetupError(f"cannot resolve {options.output_dir} or {options.environments_dir}: {error}") from error
    if output == environments or output in environments.parents:
        raise SetupError(f"the output directory {options.output_dir} would contain the environments; choose another")
    if output == options.tool.templates.resolve().parent or output in options.tool.templates.resolve().parents:
        raise SetupError(f"the output directory {options.output_dir} would contain the tool itself; choose another")
