"""Deterministic YAML: one serializer for every generated file, so output depends on data alone.

Kubernetes objects start with apiVersion, kind, metadata, spec; other keys keep the order the template
gave them. Multi-line strings (serveConfigV2, runtimeEnvYAML, scripts) use literal `|` blocks so reviews
read them as text. No anchors, no line folding, no timestamps.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import yaml

FIRST_KEYS = ("apiVersion", "kind", "metadata", "spec")
# libyaml's C implementations when present: the same output, several times faster.
_Dumper: type[yaml.SafeDumper] = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _OutputDumper(_Dumper):  # type: ignore[valid-type,misc]
    def ignore_aliases(self, data: Any) -> bool:  # noqa: ARG002 - every repeated value is written out in full
        return True


# Plain scalars that some reader of what we write takes for something other than text, though PyYAML's
# own YAML 1.1 resolver would leave them unquoted. A YAML 1.2 reader (kustomize, Argo CD, Flux: Go YAML)
# reads 1e-3, 0o17, .Inf as numbers; a YAML 1.1 reader (gopkg.in/yaml.v2, which kubectl and Helm values
# descend from) reads y, Y, n, N as booleans. Everything else YAML 1.1 resolves (yes, on, 017, 1:20,
# 2001-12-14, =, <<, ...) PyYAML's resolver quotes already; tests/test_properties.py checks the union
# against the YAML 1.1 type patterns.
# Numbers are matched loosely, as Go's YAML readers take them: a sign, base prefixes in either case, and
# underscores anywhere among the digits (kubectl reads 0X1F as 31 and 1e1_0 as 1e10).
_NOT_TEXT_ELSEWHERE = re.compile(
    r"""[-+]?(?=[0-9._]*[0-9])[0-9_]*\.?[0-9_]*([eE][-+]?[0-9_]+)?
    |[-+]?0[xX][0-9a-fA-F_]+|[-+]?0[oO][0-7_]+|[-+]?0[bB][01_]+
    |[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN)
    |true|True|TRUE|false|False|FALSE|null|Null|NULL|~
    |y|Y|n|N""",
    re.VERBOSE,
)


def _represent_text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    if "\n" in value:
        style: str | None = "|"
    elif _NOT_TEXT_ELSEWHERE.fullmatch(value):
        style = "'"
    else:
        style = None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_OutputDumper.add_representer(str, _represent_text)


def dump_yaml(documents: Iterable[Any], header: str = "") -> str:
    """Serialize `documents` as one YAML stream with an optional comment header."""
    parts = [
        yaml.dump(
            _ordered(document),
            Dumper=_OutputDumper,
            sort_keys=False,
            allow_unicode=True,
            width=1_000_000,
            default_flow_style=False,
        )
        for document in documents
    ]
    return header + "---\n".join(parts)


def load_yaml_stream(text: str) -> list[Any]:
    """Parse a YAML stream the way kubectl does (YAML 1.1 scalars)."""
    return list(yaml.load_all(text, Loader=_Loader))


def _ordered(document: Any) -> Any:
    if not isinstance(document, dict) or "kind" not in document:
        return document
    first = {key: document[key] for key in FIRST_KEYS if key in document}
    return {**first, **{key: value for key, value in document.items() if key not in first}}
