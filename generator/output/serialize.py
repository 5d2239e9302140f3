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


# Plain scalars that a YAML 1.2 reader (kustomize, Argo CD, Flux: Go YAML) takes as a number, boolean or
# null, though PyYAML's YAML 1.1 rules would leave them unquoted: 1e-3, 0o17, .Inf ...
_NOT_TEXT_IN_YAML_1_2 = re.compile(
    r"""[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?
    |0o[0-7]+|0x[0-9a-fA-F]+|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN)
    |true|True|TRUE|false|False|FALSE|null|Null|NULL|~""",
    re.VERBOSE,
)


def _represent_text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    if "\n" in value:
        style: str | None = "|"
    elif _NOT_TEXT_IN_YAML_1_2.fullmatch(value):
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
