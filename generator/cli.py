"""The command line: parses options into plain data, picks a reporter, runs a command, exits with its code.

Exit codes: 0 fine; 1 invalid input or stale output; 2 usage or setup error; 3 internal error (a bug).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from generator import commands
from generator.errors import SetupError
from generator.paths import tool_data
from generator.report import GithubReporter, JsonReporter, Reporter, TextReporter, running_in_github_actions


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
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
@click.pass_context
def main(context: click.Context, environments_dir: Path, output_dir: Path, output_format: str) -> None:
    """Validate KubeRay environment files and render them for GitOps."""
    context.obj = (environments_dir, output_dir, output_format)


def _execute(context: click.Context, selected: tuple[str, ...], command: commands.Command) -> None:
    environments_dir, output_dir, output_format = context.obj
    reporter = _reporter(output_format)
    try:
        tool = tool_data()
    except SetupError as error:
        reporter.failure(str(error))
        reporter.close()
        context.exit(commands.EXIT_SETUP)
    options = commands.Options(environments_dir, output_dir, selected, tool)
    context.exit(command(options, reporter))


def _reporter(output_format: str) -> Reporter:
    if output_format == "json":
        return JsonReporter(sys.stdout)
    if running_in_github_actions():
        return GithubReporter(sys.stdout, sys.stderr)
    return TextReporter(sys.stdout, sys.stderr)


@main.command()
@click.argument("environments", nargs=-1)
@click.pass_context
def render(context: click.Context, environments: tuple[str, ...]) -> None:
    """Validate and write rendered/ (all environments, or the ones named)."""
    _execute(context, environments, commands.run_render)


@main.command()
@click.argument("environments", nargs=-1)
@click.pass_context
def validate(context: click.Context, environments: tuple[str, ...]) -> None:
    """Validate without writing anything."""
    _execute(context, environments, commands.run_validate)


@main.command()
@click.argument("environments", nargs=-1)
@click.pass_context
def check(context: click.Context, environments: tuple[str, ...]) -> None:
    """Fail (exit 1) when rendered/ differs from what render would write."""
    _execute(context, environments, commands.run_check)


@main.command()
def schema() -> None:
    """Print the environment JSON Schema."""
    click.echo(commands.schema_text(), nl=False)
