"""The command line: parses options into plain data, picks a reporter, runs a command, exits with its code.

Exit codes: 0 fine; 1 invalid input or stale output; 2 usage or setup error; 3 internal error (a bug).
"""

from __future__ import annotations

import gc
import sys
from pathlib import Path

import click

from generator import commands
from generator.errors import SetupError
from generator.paths import tool_data
from generator.report import GithubReporter, JsonReporter, Reporter, TextReporter, running_in_github_actions

GC_YOUNG_THRESHOLD = 100_000  # allocations between the collector's young collections (Python's default: 700)


def run() -> None:
    """The console script and `python -m generator`: the command, then an exit that leaves the run's objects
    to the operating system. Python's finalization collects what is still tracked, and a run still holds its
    models, rendered files and caches when it ends: 3.3 s of 13.6 s for `validate --jobs 1` of make bench's
    1,000 environments (docs/benchmarks.md). Frozen, they are skipped; the process ends right after.
    Not part of `main`: a caller that goes on after a command (the tests, through CliRunner) must keep its
    collector."""
    try:
        main()
    finally:
        gc.freeze()


@click.group(
    context_settings={"help_option_names": ["-h", "--help"]},
    epilog="""\b
Examples:
  kuberay-gitops new gpu-prod --from _base --cluster prod-us-east-1 --gpu
  kuberay-gitops render gpu-prod
  kuberay-gitops check
  kuberay-gitops explain clusters.workerGroups.gpu""",
)
@click.option(
    "--version",
    "-V",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=lambda context, _parameter, value: _print_version(context, value),
    help="Print the tool version and the KubeRay releases it knows, then exit.",
)
@click.option(
    "--environments",
    "environments_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("environments"),
    show_default=True,
    help="Directory of environment files (_*.yaml are partials).",
)
@click.option(
    "--output",
    "output_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("rendered"),
    show_default=True,
    help="Directory the generated files go to.",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="How problems and results are printed.",
)
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    default=None,
    help="Processes for the per-environment work [default: one per CPU when there are enough environments].",
)
@click.pass_context
def main(
    context: click.Context, environments_dir: Path, output_dir: Path, output_format: str, jobs: int | None
) -> None:
    """Validate KubeRay environment files and render them for GitOps."""
    # A run builds a few hundred thousand objects per hundred environments and frees few before it ends: the
    # collector's default of a young collection every 700 allocations spent a fifth of a large run walking
    # them (docs/benchmarks.md). The previous setting comes back when the command ends (tests run many).
    previous = gc.get_threshold()
    gc.set_threshold(GC_YOUNG_THRESHOLD, 50, 100)
    context.call_on_close(lambda: gc.set_threshold(*previous))
    context.obj = (environments_dir, output_dir, output_format, jobs)


STRICT = click.option("--strict", is_flag=True, help="Fail (exit 1) on warnings too; nothing is written then.")


def _print_version(context: click.Context, wanted: bool) -> None:
    """Only when asked: reading the installed version costs about 0.1 s, too much for every run."""
    if wanted and not context.resilient_parsing:
        click.echo(commands.version_text(), nl=False)
        context.exit(0)


def _execute(
    context: click.Context, selected: tuple[str, ...], command: commands.Command, *, strict: bool = False
) -> None:
    context.exit(_with_options(context, selected, strict, command))


def _with_options(
    context: click.Context,
    selected: tuple[str, ...],
    strict: bool,
    command: commands.Command,
) -> int:
    environments_dir, output_dir, output_format, jobs = context.obj
    reporter = _reporter(output_format)
    try:
        tool = tool_data()
    except SetupError as error:
        reporter.failure(str(error))
        reporter.close()
        return commands.EXIT_SETUP
    return command(commands.Options(environments_dir, output_dir, selected, tool, strict, jobs), reporter)


def _reporter(output_format: str) -> Reporter:
    if output_format == "json":
        return JsonReporter(sys.stdout)
    if running_in_github_actions():
        return GithubReporter(sys.stdout, sys.stderr)
    return TextReporter(sys.stdout, sys.stderr)


@main.command(
    epilog="""\b
Examples:
  kuberay-gitops render                 every environment
  kuberay-gitops render dev prod        only these (and the shared root files)
  kuberay-gitops render environments/dev.yaml"""
)
@click.argument("environments", nargs=-1)
@STRICT
@click.pass_context
def render(context: click.Context, environments: tuple[str, ...], strict: bool) -> None:
    """Validate and write rendered/ (all environments, or the ones named)."""
    _execute(context, environments, commands.run_render, strict=strict)


@main.command(
    epilog="""\b
Examples:
  kuberay-gitops validate
  kuberay-gitops validate --strict prod
  kuberay-gitops --format json validate"""
)
@click.argument("environments", nargs=-1)
@STRICT
@click.pass_context
def validate(context: click.Context, environments: tuple[str, ...], strict: bool) -> None:
    """Validate without writing anything."""
    _execute(context, environments, commands.run_validate, strict=strict)


@main.command(
    epilog="""\b
Examples:
  kuberay-gitops check                  the CI gate: is rendered/ what render would write?
  kuberay-gitops check prod"""
)
@click.argument("environments", nargs=-1)
@STRICT
@click.pass_context
def check(context: click.Context, environments: tuple[str, ...], strict: bool) -> None:
    """Fail (exit 1) when rendered/ differs from what render would write."""
    _execute(context, environments, commands.run_check, strict=strict)


@main.command(
    epilog="""\b
Examples:
  kuberay-gitops schema > environment.schema.json"""
)
def schema() -> None:
    """Print the environment JSON Schema (the editor's: partials and `extends:` files validate too)."""
    click.echo(commands.schema_text(), nl=False)


@main.command(
    "new",
    epilog="""\b
Examples:
  kuberay-gitops new team-a                          a RayCluster on the cluster Argo CD runs in
  kuberay-gitops new gpu-prod --from _base --cluster prod-us-east-1 --gpu
  kuberay-gitops new staging --from prod             a copy of prod in namespace ray-staging""",
)
@click.argument("name")
@click.option("--from", "source", metavar="ENV|_PARTIAL", help="Copy an environment, or extend a partial.")
@click.option("--cluster", help="Argo CD destination name or API server URL (default: in-cluster).")
@click.option("--namespace", help="Namespace of the Ray objects (default: ray-NAME).")
@click.option("--gpu", is_flag=True, help="Add a GPU worker group (nvidia.com/gpu, CUDA image, GPU toleration).")
@click.option("--repo-url", help="URL of this repository, when no environment or git remote tells it.")
@click.pass_context
def new(
    context: click.Context,
    name: str,
    source: str | None,
    cluster: str | None,
    namespace: str | None,
    gpu: bool,
    repo_url: str | None,
) -> None:
    """Write environments/NAME.yaml: a valid environment that fits the others, ready to edit and render."""
    from generator.scaffold import NewEnvironment  # imported by the command that needs it (commands.py says why)

    request = NewEnvironment(name, source, cluster, namespace, gpu, repo_url)
    _execute(context, (), lambda options, reporter: commands.run_new(options, request, reporter))


@main.command(
    "import",
    epilog="""\b
Examples:
  kuberay-gitops import ray-cluster.yaml --env team-a
  kuberay-gitops import manifests/ --env prod --cluster prod-us-east-1 --kuberay-version 1.3.0""",
)
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--env", "name", required=True, help="Name of the environment to write (environments/NAME.yaml).")
@click.option("--kuberay-version", help="KubeRay release to pin, when no environment on the cluster pins one.")
@click.option("--cluster", help="Argo CD destination name or API server URL (default: in-cluster).")
@click.option("--namespace", help="Namespace of the objects (default: ray-NAME).")
@click.option("--repo-url", help="URL of this repository, when no environment or git remote tells it.")
@click.pass_context
def import_command(
    context: click.Context,
    paths: tuple[Path, ...],
    name: str,
    kuberay_version: str | None,
    cluster: str | None,
    namespace: str | None,
    repo_url: str | None,
) -> None:
    """Write environments/NAME.yaml from existing manifests (files or folders of YAML), render it, and print
    every difference from the manifests: exit 0 only when each one is carried and comes out equal."""
    request = commands.ImportRequest(paths, name, kuberay_version, cluster, namespace, repo_url)
    as_json = context.obj[2] == "json"
    _execute(context, (), lambda options, reporter: commands.run_import(options, request, reporter, as_json=as_json))


@main.command(
    "explain",
    epilog="""\b
Examples:
  kuberay-gitops explain clusters.workerGroups.gpu
  kuberay-gitops explain jobs.deletionStrategy
  kuberay-gitops explain operator.featureGates.RayJobDeletionPolicy""",
)
@click.argument("path")
@click.pass_context
def explain(context: click.Context, path: str) -> None:
    """Explain a field: type, meaning, default, example, the releases and feature gates that allow it."""
    _execute(context, (), lambda options, reporter: commands.run_explain(options, path, reporter))


@main.command(
    "diff",
    epilog="""\b
Examples:
  kuberay-gitops diff                          against the merge base with origin/main (or main)
  kuberay-gitops diff --base v1.2.0 prod       one environment against a tag
  kuberay-gitops diff --base /tmp/rendered     against a rendered folder
  kuberay-gitops diff --format markdown > comment.md""",
)
@click.argument("environments", nargs=-1)
@click.option("--base", metavar="GITREF|DIR", help="What to compare with (default: merge base with origin/main).")
@click.option(
    "--format",
    "diff_format",
    type=click.Choice(["text", "markdown", "json"]),
    default="text",
    show_default=True,
    help="text for a terminal, markdown for a pull-request comment, json for tools.",
)
@click.option("--exit-code", is_flag=True, help="Exit 1 when anything changed, as git diff --exit-code.")
@click.pass_context
def diff(
    context: click.Context, environments: tuple[str, ...], base: str | None, diff_format: str, exit_code: bool
) -> None:
    """Say what the environments change in the rendered objects and in the running Ray workloads."""
    request = commands.DiffRequest(base, diff_format, exit_code)
    _execute(context, environments, lambda options, reporter: commands.run_diff(options, request, reporter))


@main.command(
    "capacity",
    epilog="""\b
Examples:
  kuberay-gitops capacity
  kuberay-gitops capacity gpu-prod""",
)
@click.argument("environments", nargs=-1)
@click.pass_context
def capacity(context: click.Context, environments: tuple[str, ...]) -> None:
    """CPU, memory and GPUs each Ray object asks of its cluster, at minimum and maximum scale."""
    as_json = context.obj[2] == "json"
    _execute(context, environments, lambda options, reporter: commands.run_capacity(options, reporter, as_json=as_json))


@main.command(
    "list",
    epilog="""\b
Examples:
  kuberay-gitops list
  kuberay-gitops --format json list""",
)
@click.pass_context
def list_environments(context: click.Context) -> None:
    """List the environments: cluster, namespace, KubeRay release, operator owner, Ray objects."""
    as_json = context.obj[2] == "json"
    _execute(context, (), lambda options, reporter: commands.run_list(options, reporter, as_json=as_json))
