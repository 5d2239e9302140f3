"""`explain PATH`: what a field of the environment file is, from the one schema, field table and field history
the tool validates with, so the explanation cannot drift from what is checked."""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from generator.errors import SetupError
from generator.input.envschema import environment_schema
from generator.model.build import ENVIRONMENT_DEFAULTS, NESTED_DEFAULTS, feature_gate_states
from generator.model.fields import EVERY, SECTION_KINDS, KindField, all_kind_fields
from generator.releases import SUPPORTED_RELEASES, FieldHistory, load_release, release_tag

Schema = dict[str, Any]


@dataclass(frozen=True)
class Step:
    """One part of a field path, with the schema it leads to (references resolved)."""

    part: str
    schema: Schema
    is_list: bool
    named_items: bool  # a list whose items merge by name


@dataclass(frozen=True)
class Explained:
    steps: tuple[Step, ...]

    @property
    def path(self) -> tuple[str, ...]:
        """The field's parts, without list indices."""
        return tuple(step.part for step in self.steps)

    @property
    def schema(self) -> Schema:
        return self.steps[-1].schema


def explain(given: str, history: FieldHistory, schemas_dir: Path) -> str:
    """The explanation of the field at the dotted path `given` (list indices may be written or left out)."""
    found = find_field(given)
    lines = [f"{_display(found.steps)}: {_type_of(found.schema)}"]
    if found.schema.get("description"):
        lines.append(f"  {found.schema['description']}")
    lines += [f"  {line}" for line in _constraints(found.schema)]
    gate = found.path[:2] == ("operator", "featureGates") and len(found.path) == 3
    if gate:  # its default is the operator's, by release
        lines += [f"  {line}" for line in _gate_lines(found.path[2], schemas_dir)]
    else:
        lines.append(f"  default: {_default(_display(found.steps))}")
    lines += [f"  {line}" for line in _landing(found.path, history)]
    children = _children(found.schema)
    if children:
        lines.append("  fields:")
        lines += [f"    {name}: {description}" for name, description in children]
    lines.append("  example:")
    lines += [f"    {line}" for line in _example(found.steps)]
    return "\n".join(lines) + "\n"


def _default(path: str) -> str:
    """The default of the field at `path`: an environment field's, else a group's, cluster spec's or submitter's,
    by the end of the path (model/build.py)."""
    if path in ENVIRONMENT_DEFAULTS:
        return ENVIRONMENT_DEFAULTS[path]
    for suffix, default in NESTED_DEFAULTS.items():
        # defaults.* are the fallbacks themselves
        if not path.startswith("defaults.") and (path == suffix or path.endswith(f".{suffix}")):
            return default
    return "none (left out when not set)"


def find_field(given: str) -> Explained:
    """Walks the environment schema along `given`; a wrong step names the fields that exist there."""
    root = environment_schema()
    current: Schema = root
    walked: list[Step] = []
    parts = _parts(given)
    for index, part in enumerate(parts):
        current = _into_items(current, root)
        properties = current.get("properties", {})
        if part in properties:
            walked.append(_step(part, properties[part], root))
        elif isinstance(current.get("additionalProperties"), dict):
            # a map: any key, e.g. operator.featureGates.X; a key may hold dots (kubernetes.io/os)
            walked.append(_step(".".join(parts[index:]), current["additionalProperties"], root))
            break
        else:
            where = _display(tuple(walked), items=True) if walked else "the top level of an environment file"
            close = difflib.get_close_matches(part, sorted(properties), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            known = ", ".join(sorted(properties)) or "none: it takes a value"
            raise SetupError(f"no field '{part}' under {where}{hint}; fields there: {known}")
        current = walked[-1].schema
    return Explained(tuple(walked))


def _step(part: str, schema: Schema, root: Schema) -> Step:
    resolved = _resolved(schema, root)
    is_list = resolved.get("type") == "array"
    named = is_list and "name" in _into_items(resolved, root).get("properties", {})
    return Step(part, resolved, is_list, named)


def _parts(given: str) -> list[str]:
    parts = []
    for part in given.replace("[]", "").split("."):
        name = part.split("[", 1)[0]
        if not name:
            raise SetupError(f"'{given}' is not a field path; write it as clusters.workerGroups.gpu")
        parts.append(name)
    return parts


def _resolved(schema: Schema, root: Schema) -> Schema:
    while "$ref" in schema:
        target = root["$defs"][schema["$ref"].rsplit("/", 1)[-1]]
        schema = {**target, **{key: value for key, value in schema.items() if key != "$ref"}}
    return schema


def _into_items(schema: Schema, root: Schema) -> Schema:
    return _resolved(schema["items"], root) if schema.get("type") == "array" else schema


def _display(steps: tuple[Step, ...], *, items: bool = False) -> str:
    """The path with `[]` after each list, as docs/environment.md writes it: clusters[].workerGroups[].gpu;
    a list at the end gets `[]` only for `items` (its items are meant, not the list)."""
    text = ""
    for index, step in enumerate(steps):
        text += ("." if text else "") + step.part
        if step.is_list and (items or index < len(steps) - 1):
            text += EVERY
    return text


def _type_of(schema: Schema) -> str:
    kind = schema.get("type", "any value")
    if isinstance(kind, list):
        kind = " or ".join(kind)
    if kind == "array":
        return f"list, each item {_type_of(schema['items'])}" if "type" in schema["items"] else "list"
    return "mapping" if kind == "object" else str(kind)


def _constraints(schema: Schema) -> Iterator[str]:
    if "enum" in schema:
        yield "one of: " + ", ".join(str(value) for value in schema["enum"])
    if "pattern" in schema:
        yield f"matches: {schema['pattern']}"
    for key, word in (("minimum", "at least"), ("maximum", "at most"), ("maxLength", "characters at most")):
        if key in schema:
            yield f"{word}: {schema[key]}"
    if schema.get("required"):
        yield "required: " + ", ".join(schema["required"])


def _landing(path: tuple[str, ...], history: FieldHistory) -> Iterator[str]:
    """Where the field lands in each Ray kind, with the releases whose CRD has it and the gate it needs."""
    entries = _table_entries(path)
    if not entries:
        return
    for entry in entries:
        releases = history.field_releases(entry.kind, entry.crd_path)
        known = (
            f"releases {_ranges(releases)}"
            if releases
            else "every supported release: a Kubernetes pod field, not a KubeRay one"
        )
        gate = f"; needs the operator feature gate {entry.field.gate}" if entry.field.gate else ""
        inherited = f"; defaults.{entry.field.defaults} gives it when not set" if entry.field.defaults else ""
        exact = len([part for part in entry.env or () if part != EVERY]) == len(path) - 1
        lands = "becomes" if exact else "part of"
        yield f"{lands}: {entry.kind} {entry.crd_path} ({known}{gate}{inherited})"
        for value, since in entry.field.values_since.items():
            if since != history.releases[0].removeprefix(release_tag("")):
                yield f"  value {value}: KubeRay >= {since}"
        for value, gate_name in entry.field.value_gates.items():
            yield f"  value {value}: needs the operator feature gate {gate_name}"


def _gate_lines(gate: str, schemas_dir: Path) -> Iterator[str]:
    """The releases whose operator knows the feature gate, and its default there (the chart's values, else the
    operator's own)."""
    known = {version: feature_gate_states(load_release(version, schemas_dir), {}) for version in SUPPORTED_RELEASES}
    having = [version for version, gates in known.items() if gate in gates]
    if not having:
        yield "no supported KubeRay release has this feature gate"
        return
    yield f"a feature gate of releases {_ranges(tuple(having))}"
    runs: list[tuple[bool, list[str]]] = []  # consecutive releases with the same default
    for version in having:
        if runs and runs[-1][0] == known[version][gate]:
            runs[-1][1].append(version)
        else:
            runs.append((known[version][gate], [version]))
    shown = ", ".join(f"{str(value).lower()} in {_ranges(tuple(versions))}" for value, versions in runs)
    yield f"default: {shown}"


def _table_entries(path: tuple[str, ...]) -> list[KindField]:
    """The field-table entries of the deepest part of `path` that the table has, one per kind."""
    if not path or path[0] not in SECTION_KINDS:
        return []
    kind = SECTION_KINDS[path[0]]
    inner = path[1:]
    best: dict[str, KindField] = {}
    for entry in all_kind_fields():
        if entry.kind != kind or entry.env is None:
            continue
        pattern = tuple(part for part in entry.env if part != EVERY)
        if inner[: len(pattern)] == pattern and (
            entry.kind not in best or len(pattern) > len([p for p in best[entry.kind].env or () if p != EVERY])
        ):
            best[entry.kind] = entry
    return list(best.values())


def _ranges(releases: tuple[str, ...]) -> str:
    return releases[0] if len(releases) == 1 else f"{releases[0]} to {releases[-1]}"


def _children(schema: Schema) -> list[tuple[str, str]]:
    properties = schema.get("properties") or schema.get("items", {}).get("properties", {})
    return [(name, str(child.get("description", ""))) for name, child in properties.items()]


def _example(steps: tuple[Step, ...]) -> list[str]:
    """A YAML snippet that sets the field, nested as in an environment file (list items named when they
    merge by name, so the snippet also shows which item it changes)."""
    value: Any = _sample_value(steps[-1].schema)
    for index in range(len(steps) - 1, -1, -1):
        step = steps[index]
        if step.is_list and index < len(steps) - 1:
            item = {"name": "example", **value} if step.named_items and "name" not in value else value
            value = {step.part: [item]}
        else:
            value = {step.part: value}
    return yaml.safe_dump(value, sort_keys=False, default_flow_style=False).splitlines()


def _sample_value(schema: Schema) -> Any:
    if "enum" in schema:
        return schema["enum"][0]
    if schema.get("examples"):  # text of a format (a duration, a cron schedule, a path), which "example" is not
        return schema["examples"][0]
    kind = schema.get("type")
    if isinstance(kind, list):  # a quantity: string, integer or number
        return "2"
    if kind == "object" and isinstance(schema.get("additionalProperties"), dict):
        return {"example": "value" if schema["additionalProperties"].get("type") == "string" else True}
    if kind == "object" and schema.get("required"):  # the fields it cannot do without
        return {name: _sample_value(schema["properties"][name]) for name in schema["required"]}
    samples: dict[str, Any] = {
        "integer": schema.get("minimum", 1) or 1,
        "number": 1,
        "boolean": True,
        "array": [],
        "object": {},
    }
    return samples.get(str(kind), "example")
