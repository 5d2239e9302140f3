"""The user's cache folder (generator/cache.py): private to the user, off on request, and never a change to
what a run writes."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from generator.cache import NO_CACHE, cache_folder
from generator.paths import ToolData
from generator.render.jinja import template_environment
from generator.validate import cel, cel_results


def test_the_folder_is_made_private_under_xdg_cache_home(tmp_path: Path) -> None:
    folder = cache_folder({"XDG_CACHE_HOME": str(tmp_path / "xdg"), "HOME": str(tmp_path / "home")}, "templates")
    assert folder == tmp_path / "xdg" / "kuberay-gitops" / "templates"
    assert folder.is_dir()
    assert (folder.stat().st_mode & 0o777, folder.parent.stat().st_mode & 0o777) == (0o700, 0o700)


def test_without_xdg_cache_home_the_folder_is_under_home(tmp_path: Path) -> None:
    assert cache_folder({"HOME": str(tmp_path)}, "cel") == tmp_path / ".cache" / "kuberay-gitops" / "cel"


def test_a_relative_xdg_cache_home_is_ignored(tmp_path: Path) -> None:
    """As the XDG spec has it: a relative path would put the cache in whatever folder the run started in."""
    folder = cache_folder({"XDG_CACHE_HOME": "relative/cache", "HOME": str(tmp_path)}, "cel")
    assert folder == tmp_path / ".cache" / "kuberay-gitops" / "cel"


def test_no_home_folder_means_no_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    """A container run as a user id without an entry in /etc/passwd and without HOME: the run goes on."""

    def no_home() -> Path:
        raise RuntimeError("Could not determine home directory.")

    monkeypatch.setattr(Path, "home", staticmethod(no_home))
    assert cache_folder({}, "templates") is None


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


def _schema_with_rule() -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {"spec": {"type": "object", "x-kubernetes-validations": [{"rule": "self.n > 1"}]}},
    }


def test_cel_results_are_kept_for_the_next_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    kept = tmp_path / cel_results.FILE_NAME
    first = cel.CelRules(kept)
    assert first.findings(_schema_with_rule(), {"spec": {"n": 2}}) == []
    assert len(first.findings(_schema_with_rule(), {"spec": {"n": 1}})) == 1
    assert kept.is_file()

    def not_evaluated(*_: Any) -> bool:
        raise AssertionError("evaluated again")

    second = cel.CelRules(kept)
    monkeypatch.setattr(second, "_holds", not_evaluated)
    assert second.findings(_schema_with_rule(), {"spec": {"n": 2}}) == []
    assert len(second.findings(_schema_with_rule(), {"spec": {"n": 1}})) == 1


def test_cel_results_of_other_code_are_not_used(tmp_path: Path) -> None:
    """A result belongs to the code that evaluated it: another cel-python, or another evaluating module."""
    kept = tmp_path / cel_results.FILE_NAME
    cel.CelRules(kept).findings(_schema_with_rule(), {"spec": {"n": 2}})
    document = json.loads(kept.read_text())
    [[rule, value, _]] = document["results"]
    kept.write_text(json.dumps({**document, "results": [[rule, value, False]]}))  # as another run would say
    assert len(cel.CelRules(kept).findings(_schema_with_rule(), {"spec": {"n": 2}})) == 1  # read from the file
    kept.write_text(json.dumps({"engine": "celpy 0.1", "results": [[rule, value, False]]}))
    assert cel.CelRules(kept).findings(_schema_with_rule(), {"spec": {"n": 2}}) == []  # evaluated afresh


@pytest.mark.parametrize("text", ["", "not json", "[]", '{"engine": 1}', '{"results": [[1]]}'])
def test_an_unreadable_results_file_is_no_results(tmp_path: Path, text: str) -> None:
    kept = tmp_path / cel_results.FILE_NAME
    kept.write_text(text)
    assert cel.CelRules(kept).findings(_schema_with_rule(), {"spec": {"n": 2}}) == []
    assert json.loads(kept.read_text())["results"]  # written anew


def test_large_values_and_writes_beyond_the_bounds_are_not_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cel_results, "MAX_WRITES", 3)
    monkeypatch.setattr(cel_results, "MAX_KEPT", 2)
    kept = tmp_path / cel_results.FILE_NAME
    rules = cel.CelRules(kept)
    rules.findings(_schema_with_rule(), {"spec": {"n": 2, "text": "x" * cel_results.MAX_VALUE_CHARS}})
    assert not kept.exists()  # too large to keep
    for n in range(2, 8):
        rules.findings(_schema_with_rule(), {"spec": {"n": n}})
    values = [json.loads(value)["n"] for _, value, _ in json.loads(kept.read_text())["results"]]
    assert values == [3, 4]  # three writes, the last two results of them kept
    assert len(rules.results) == 7  # this run remembers them all


def test_the_cel_parser_has_cel_pythons_own_options(monkeypatch: pytest.MonkeyPatch) -> None:
    """cel.py builds cel-python's parser itself (to give it Lark's cache): with the options cel-python gives it,
    so that a rule parses alike whoever built the parser."""
    from celpy.celparser import CELParser

    monkeypatch.setenv(NO_CACHE, "1")
    monkeypatch.setattr(CELParser, "CEL_PARSER", None)
    cel._cel_environment()
    ours = CELParser.CEL_PARSER
    monkeypatch.setattr(CELParser, "CEL_PARSER", None)
    CELParser()
    theirs = CELParser.CEL_PARSER
    assert ours is not None
    assert theirs is not None
    assert ours.options.options == theirs.options.options


def test_cel_results_of_a_copy_that_keeps_modification_times_are_not_kept(tmp_path: Path) -> None:
    """A copy of the evaluating code with the size and modification time of the first (cp -p, tar, a store
    with fixed times) is other code: its status-change time and inode tell it apart."""
    evaluator = tmp_path / "evaluator.py"
    evaluator.write_text("one")
    engine = cel_results.KeptResults(None, evaluator).engine
    status = evaluator.stat()
    replacement = tmp_path / "replacement.py"
    replacement.write_text("two")
    os.utime(replacement, ns=(status.st_atime_ns, status.st_mtime_ns))
    replacement.replace(evaluator)
    assert cel_results.KeptResults(None, evaluator).engine != engine
