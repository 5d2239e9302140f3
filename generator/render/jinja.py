"""Stage 5, the mechanics: Jinja with data-safe filters, and rendered files parsed back and re-serialized.

Jinja runs with StrictUndefined and autoescape off; user data reaches the text only through `tojson`
and `toyaml`, which emit JSON (valid YAML flow syntax) and YAML text. Each rendered file is parsed back
to data, then written once more by the deterministic serializer, so formatting never depends on the
template's whitespace.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from typing import Any

import jinja2
import yaml

from generator.cache import TEMPLATES, cache_folder
from generator.errors import InternalError
from generator.files import GENERATED_MARKER, ROOT_FOLDER, RenderedFile
from generator.output.serialize import dump_yaml
from generator.render import kube
from generator.render.template_yaml import load_template_output

# YAML treats these as line breaks or forbids them raw, so inside a quoted scalar they are escaped.
_YAML_UNSAFE = {
    code: f"\\u{code:04x}"
    for code in [*range(0x7F, 0xA0), 0x2028, 0x2029, *range(0xD800, 0xE000), 0xFEFF, 0xFFFE, 0xFFFF]
}


class TemplateError(InternalError):
    """A template produced something that is not valid YAML: a bug in templates/, not in the input."""


def template_environment(templates: Path) -> jinja2.Environment:
    # Jinja compiles each template to Python first, most of a short run: the code is kept in the user's cache
    # folder, checked against the template's source on every load (generator/cache.py)
    folder = cache_folder(os.environ, TEMPLATES)
    jinja = _Environment(
        loader=jinja2.FileSystemLoader(templates),
        bytecode_cache=jinja2.FileSystemBytecodeCache(str(folder)) if folder is not None else None,
        auto_reload=False,  # a run's templates do not change: no modification time read for every use
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    jinja.filters["tojson"] = to_json
    jinja.filters["toyaml"] = to_yaml
    jinja.globals.update(
        group_pod_template=kube.group_pod_template,
        submitter_pod_template=kube.submitter_pod_template,
        namespace_labels=kube.namespace_labels,
        autoscaler_options=kube.autoscaler_options,
        gcs_fault_tolerance_options=kube.gcs_fault_tolerance_options,
    )
    return jinja


class _Environment(jinja2.Environment):
    def make_globals(self, d: Mapping[str, Any] | None) -> Any:
        """A template's globals as a plain dict, not Jinja's ChainMap over the environment's: every render
        iterates them twice or three times (its context, each `import`), and iterating a ChainMap took 3 % of a
        render. What the ChainMap is for, globals added to the environment after a template was loaded, never
        happens: template_environment sets them all first."""
        return {**self.globals, **(d or {})}


def to_json(value: Any) -> str:
    """A value as one-line JSON that every YAML parser reads back unchanged."""
    text = _JSON.encode(value)
    # ASCII text holds none of the escaped characters but DEL
    return text if text.isascii() and "\x7f" not in text else text.translate(_YAML_UNSAFE)


def to_yaml(value: Any) -> str:
    """A value as a YAML document string (for fields such as serveConfigV2 that hold YAML text)."""
    return dump_yaml([value])


def _json_default(value: Any) -> Any:
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, tuple | frozenset):
        return list(value)
    raise TypeError(f"cannot render a {type(value).__name__} as JSON")


# json.dumps with options builds an encoder per call: one for every value of every template is built once. No
# check for circular references (a quarter of the encoding's time): the values are the model's and the kube.py
# fragments, trees made of the data loaded, never cycles; a cycle would still end in a RecursionError.
_JSON = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": "), default=_json_default, check_circular=False)


def health_script(jinja: jinja2.Environment, kind: str) -> str:
    """The Lua health check of `kind` from templates/argocd/health/ (plain Lua, not a Jinja template)."""
    assert jinja.loader is not None
    source, _, _ = jinja.loader.get_source(jinja, f"argocd/health/{kind}.lua")
    return source


def render_file(
    jinja: jinja2.Environment, source: str, path: PurePosixPath, template: str, context: dict[str, Any]
) -> RenderedFile:
    return finish(path, source, render_documents(jinja, path, template, context))


def render_documents(
    jinja: jinja2.Environment, path: PurePosixPath, template: str, context: dict[str, Any]
) -> list[Any]:
    """The documents a template renders for the file at `path`, as data."""
    text = jinja.get_template(template).render(**context)
    try:
        return load_template_output(text)
    except yaml.YAMLError as error:
        raise TemplateError(f"template {template} rendered invalid YAML for {path}: {error}") from error


def finish(path: PurePosixPath, source: str, documents: list[Any]) -> RenderedFile:
    header = f"{GENERATED_MARKER} from {source}; do not edit.\n# Change the environment file and run `make render`.\n"
    environment = path.parts[0] if path.parts[0] != ROOT_FOLDER else None
    return RenderedFile(path, environment, dump_yaml(documents, header), tuple(documents))


def with_kustomization(
    files: list[RenderedFile], folder: PurePosixPath, source: str, jinja: jinja2.Environment
) -> list[RenderedFile]:
    """`files` plus the kustomization.yaml of their folder that lists them as resources."""
    listing = render_file(
        jinja,
        source,
        folder / "kustomization.yaml",
        "overlay.yaml.j2",
        {"resources": [file.path.name for file in files]},
    )
    return [*files, listing]
