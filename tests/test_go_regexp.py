"""Patch target patterns are read as kustomize reads them, by Go's regexp: each verdict (refused, or whether
it matches a name) is compared with the real `kubectl kustomize` build of a patch with that target."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from generator.validate import go_regexp
from tests.kustomize import _kustomize

NAME = "abc"
# patterns where Python's re and Go's regexp disagree (refusing or matching), and some where they agree
PATTERNS = (
    r"(?!x).*",  # lookahead: Python takes it, Go refuses it
    r"(a)\1",  # backreference
    r"abc\Z",
    r"a{1001}",  # Go's repeat limit is 1,000
    r"(?x)a b c",
    r"a*+",  # possessive quantifier (Python 3.11)
    r"(?>abc)",  # atomic group
    r"a\u0062c",
    r"\N{LATIN SMALL LETTER A}bc",
    r"a\Cc",  # any byte: RE2 takes it, Go refuses it
    r"[\C]",
    r"\pL+",  # Unicode class: Go takes it, Python refuses it
    r"\p{Greek}+",
    r"abc\z",
    r"ab\z",
    r"\Qabc\E",
    r"\Qa\Cc\E",  # quoted: no escape
    r"\Qabc",  # unterminated: it quotes the `)$` kustomize adds
    r"(?<n>abc)",
    r"(?U)ab+c",
    r"[[:alpha:]]+",  # a POSIX class to Go, a set of characters to Python
    r"(?P<n>abc)",
    r"(?i)ABC",
    r"ab",
    r"a.c",
    r"abc|x",
    r"a\x62c",
    r"(?s).*",
    r"\babc\b",
    r"(?m)^abc$",
    r"c(",
    r"[a-",
    r"*",
    r"\pL{1000}",  # programs larger than RE2's default memory: Go builds them
    r"(?:\pL{100}){10}",
    r"[\p{Han}\pL]{500}",
    r"\p{Letter}+",  # Unicode class names a newer Go knows and RE2 does not: unsure
    r"\p{greek}+",
    r"\p{ASCII}+",
)


def _kustomize_verdict(folder: Path, pattern: str) -> str:
    """`refused`, `match` or `no match`: what kubectl kustomize does with a JSON patch whose target names
    `pattern`, beside a ConfigMap named NAME."""
    folder.mkdir()
    config_map = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": NAME}, "data": {"a": "1"}}
    (folder / "config-map.yaml").write_text(json.dumps(config_map))
    patch = json.dumps([{"op": "add", "path": "/data/patched", "value": "yes"}])
    kustomization = {"resources": ["config-map.yaml"], "patches": [{"patch": patch, "target": {"name": pattern}}]}
    (folder / "kustomization.yaml").write_text(json.dumps(kustomization))
    completed = _kustomize(folder)
    if completed.returncode != 0:
        assert "error parsing regexp" in completed.stderr, completed.stderr
        return "refused"
    return "match" if "patched: " in completed.stdout else "no match"


def _our_verdict(pattern: str) -> str:
    if go_regexp.refusal(pattern) is not None:
        return "refused"
    return "match" if go_regexp.full_match(pattern, NAME) else "no match"


@pytest.mark.parametrize("pattern", PATTERNS)
def test_a_target_pattern_is_read_as_kubectl_kustomize_reads_it(tmp_path: Path, pattern: str) -> None:
    theirs = _kustomize_verdict(tmp_path / "overlay", pattern)
    if go_regexp.unsure(pattern):  # neither refused nor matched here: never a false error
        assert theirs != "refused"
    else:
        assert _our_verdict(pattern) == theirs


def test_a_refused_pattern_is_worded_without_printing_anything(capfd: pytest.CaptureFixture[str]) -> None:
    assert go_regexp.refusal(r"(?!x)") == "invalid perl operator: (?!"
    assert go_regexp.refusal(r"a\Cc") == r"invalid escape sequence: \C"
    assert capfd.readouterr() == ("", "")  # RE2 logs refused patterns on standard error unless told not to
