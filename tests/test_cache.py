"""The user's cache folder (generator/cache.py): private to the user, off on request, and never a change to
what a run writes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from generator.cache import NO_CACHE, cache_folder
from generator.paths import ToolData
from generator.render.jinja import template_environment
from generator.validate import cel


def test_the_folder_is_made_private_under_xdg_cache_home(tmp_path: Path) -> None:
    folder = cache_folder({"XDG_CACHE_HOME": str(tmp_path / "xdg"), "HOME": str(tmp_path / "home")}, "templates")
    assert folder == tmp_path / "xdg" / "kuberay-gitops" / "templates"
    assert folder.is_dir()
    assert (folder.stat().st_mode & 0o777, folder.parent.stat().st_mode & 0o777) == (0o700, 0o700)


def test_without_xdg_cache_home_the_folder_is_under_home(tmp_path: Path) -> None:
    assert cache_folder({"HOME": str(tmp_path)}, "cel") == tmp_path / ".cache" / "kuberay-gitops" / "cel"


def test_no_cache_when_turned_off(tmp_path: Path) -> None:
    assert cache_folder({"XDG_CACHE_HOME": str(tmp_path), NO_CACHE: "1"}, "cel") is None
    assert not (tmp_path / "kuberay-gitops").exists()


@pytest.mark.parametrize("mode", [0o770, 0o757, 0o775])
def test_a_folder_others_may_write_to_is_not_used(tmp_path: Path, mode: int) -> None:
    """Jinja loads marshalled code and Lark a pickle from it: another user's file there would run as ours."""
    (tmp_path / "kuberay-gitops").mkdir()
    os.chmod(tmp_path / "kuberay-gitops", mode)
    assert cache_folder({"XDG_CACHE_HOME": str(tmp_path)}, "cel") is None


def test_a_folder_that_cannot_be_made_means_no_cache(tmp_path: Path) -> None:
    (tmp_path / "kuberay-gitops").write_text("a file, not a folder")
    assert cache_folder({"XDG_CACHE_HOME": str(tmp_path)}, "templates") is None


def test_templates_compiled_from_the_cache_render_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tool: ToolData
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    context = {"resources": ["a.yaml", "b.yaml"]}
    first = template_environment(tool.templates).get_template("overlay.yaml.j2").render(context)
    cached = list((tmp_path / "kuberay-gitops" / "templates").iterdir())
    assert cached  # the first environment wrote the compiled template
    second = template_environment(tool.templates).get_template("overlay.yaml.j2").render(context)
    monkeypatch.setenv(NO_CACHE, "1")
    uncached = template_environment(tool.templates).get_template("overlay.yaml.j2").render(context)
    assert first == second == uncached


def test_the_cel_parser_tables_are_kept_and_read_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from celpy.adapter import json_to_cel
    from celpy.celparser import CELParser

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(CELParser, "CEL_PARSER", None)  # as in a fresh process
    environment = cel._cel_environment()
    [kept] = (tmp_path / "kuberay-gitops" / "cel").iterdir()
    assert kept.stat().st_size > 0
    monkeypatch.setattr(CELParser, "CEL_PARSER", None)
    again = cel._cel_environment()  # from the file
    for env in (environment, again):
        program = env.program(env.compile("self.a > 1 && true"))
        assert program.evaluate({"self": json_to_cel({"a": 2})})
        assert not program.evaluate({"self": json_to_cel({"a": 1})})
