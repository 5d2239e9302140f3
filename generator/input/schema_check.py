"""Stage 3a: check a resolved environment against the environment JSON Schema.

jsonschema's own messages name neither a line nor a fix; each error is turned into a Problem located
through the Origin tree, with "did you mean" for unknown fields and enum values.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from functools import cached_property
from typing import TYPE_CHECKING, Any

import jsonschema_rs

from generator.checks import INPUT_SCHEMA
from generator.errors import DocPath, Location, Problem
from generator.input.envschema import (
    ANNOTATION_KEY,
    CONFIG_MAP_KEY,
    DNS1123_LABEL,
    DNS1123_LABEL_OR_NONE,
    DNS1123_SUBDOMAIN,
    DURATION,
    GATE_NAME,
    GROUP_NAME,
    IMPORT_PATH,
    JSON_POINTER,
    KIND_NAME,
    KUBERNETES_MINOR,
    OBJECT_NAME,
    OBJECT_SCHEMA_KEY,
    PERCENT,
    PERCENT_UP_TO_100,
    PORT_NAME,
    PORT_NAME_OR_NONE,
    QUALIFIED_NAME,
    QUANTITY,
    REPOSITORY_PATH,
    ROUTE_PREFIX,
)
from generator.model.build import DEFAULT_KUBERNETES_VERSION
from generator.quantity import whole_bytes
from generator.releases import SUPPORTED_RELEASES
from generator.source import Origin, locate, origin_at, value_at

if TYPE_CHECKING:  # jsonschema itself is imported when a document is invalid: a valid run never needs it
    from jsonschema.exceptions import ValidationError
    from jsonschema.protocols import Validator

_VERSION = re.compile(r"^[0-9]+\.[0-9]+\.[0-9]+$")
# names that start descriptions of the environment schema, kept as written when a hint quotes one
_PROPER_NOUNS = frozenset(
    {"Argo", "Flux", "Kubernetes", "Kustomize", "Helm", "Ray", "Serve", "Python", "Java", "Nsight", "Git"}
)
# the pattern of a quantity in the CRDs: resource.Quantity's, as controller-gen writes it
KUBERNETES_QUANTITY = (
    r"^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|"
    r"(\.[0-9]+))))?$"
)
_PORT_NAME_MEANING = (
    "is not a port name",
    "use lower case letters, digits and single '-' inside, with at least one letter, e.g. dashboard",
)
_PATTERN_MEANINGS = {
    DNS1123_LABEL: (
        "is not a DNS-1123 label",
        "use lower case letters, digits and '-', starting and ending with a letter or digit",
    ),
    DNS1123_LABEL_OR_NONE: (
        "is not a DNS-1123 label",
        "use lower case letters, digits and '-', starting and ending with a letter or digit",
    ),
    DNS1123_SUBDOMAIN: ("is not a DNS-1123 name", "use lower case letters, digits, '-' and '.'"),
    GROUP_NAME: (
        "is not a worker group name",
        "use letters, digits and '-', starting and ending with a letter or digit",
    ),
    OBJECT_NAME: ("is not an object name", "use lower case letters, digits, '-', '.' (and ':' for RBAC objects)"),
    QUANTITY: ("is not a Kubernetes quantity of zero or more", "write e.g. 500m, 2, 1.5 or 4Gi"),
    QUALIFIED_NAME: (
        "is not a valid key",
        "use an optional DNS prefix (lower case, at most 253 characters) and '/', then a name of at most 63 "
        "letters, digits, '-', '_' or '.', e.g. example.com/team",
    ),
    ANNOTATION_KEY: (
        "is not a valid annotation key",
        "use an optional DNS prefix (at most 253 characters) and '/', then a name of at most 63 letters, digits, "
        "'-', '_' or '.', e.g. example.com/owner",
    ),
    "^_": ("is not a partial name", "partials are files named _NAME.yaml; write extends: _NAME"),
    "^/": ("is not an absolute path", "start the path with /"),
    REPOSITORY_PATH: ("is not a relative path in the repository", "write e.g. rendered or deploy/rendered"),
    DURATION: ("is not a duration", "write e.g. 30s, 10m or 1h30m"),
    PORT_NAME: _PORT_NAME_MEANING,
    PORT_NAME_OR_NONE: _PORT_NAME_MEANING,
    PERCENT: ("is not a percentage such as 25%", "write digits and %, e.g. 25%, or a number without quotes"),
    PERCENT_UP_TO_100: (
        "is not a percentage such as 25% (of at most 100%)",
        "write digits and %, at most 100%, e.g. 25%, or a number without quotes",
    ),
    KUBERNETES_MINOR: (
        "is not a Kubernetes minor version",
        f'write the minor version alone, quoted, e.g. kubernetesVersion: "{DEFAULT_KUBERNETES_VERSION}"',
    ),
    JSON_POINTER: (
        "is not a JSON pointer",
        "start it with / (kustomize drops what stands before the first /: spec/replicas would patch /replicas)",
    ),
    CONFIG_MAP_KEY: ("is not a valid ConfigMap key", "use letters, digits, '-', '_' and '.'"),
    OBJECT_SCHEMA_KEY: (
        "is not an apiVersion/Kind key",
        "write the object's apiVersion, '/' and its kind, e.g. kueue.x-k8s.io/v1beta1/LocalQueue (the kind starts "
        "with a capital letter)",
    ),
    KUBERNETES_QUANTITY: ("is not a Kubernetes quantity", "write e.g. 500m, 2, 1.5 or 4Gi"),
    GATE_NAME: ("is not a feature gate name", "gates are CamelCase names such as RayJobDeletionPolicy"),
    KIND_NAME: ("is not a Kubernetes kind", "kinds are CamelCase names such as ConfigMap or LocalQueue"),
    ROUTE_PREFIX: (
        "is not a route prefix Ray Serve accepts",
        "start it with /, end it with / only if it is just /, and leave out { and }",
    ),
    IMPORT_PATH: (
        "is not an import path Ray Serve accepts",
        "write module:attribute (one colon) or module.attribute, e.g. fruit.deployment_graph",
    ),
}
_JSON_TYPES = {
    dict: "a mapping",
    list: "a list",
    str: "text",
    bool: "a boolean",
    int: "an integer",
    float: "a number",
    type(None): "null",
}
_TYPE_NAMES = {
    "object": "a mapping",
    "array": "a list",
    "string": "text",
    "boolean": "true or false",
    "integer": "an integer",
    "number": "a number",
}


def schema_validator(schema: Mapping[str, Any]) -> Validator:
    """jsonschema's Draft 2020-12 validator of `schema`, with `pattern` as the API server reads it
    (input/pattern_keyword.py)."""
    from generator.input.pattern_keyword import end_of_text_class

    return end_of_text_class()(schema)


class SchemaValidator:
    """A JSON Schema, twice: jsonschema-rs answers for valid data (compiled Rust, and most documents are
    valid), jsonschema decides the rest and words the errors. For the environment schema and the CRDs'.
    tests/test_input_schema.py proves that jsonschema-rs accepts no environment jsonschema refuses."""

    def __init__(self, schema: Mapping[str, Any]) -> None:
        self.schema = schema
        self.fast = jsonschema_rs.Draft202012Validator(dict(schema))

    @cached_property
    def detailed(self) -> Validator:
        return schema_validator(self.schema)

    def findings(self, document: Any) -> list[Finding]:
        return [] if self.fast.is_valid(document) else findings(self.detailed, document)

    def is_valid(self, data: Any) -> bool:
        """jsonschema's verdict, taken from jsonschema-rs when it agrees that the data is valid (the two read
        patterns alike where it matters here: `$` ends the text, input/pattern_keyword.py)."""
        return bool(self.fast.is_valid(data)) or next(iter(self.detailed.iter_errors(data)), None) is None


@dataclass(frozen=True)
class Finding:
    """One schema violation, before it is located: the path of the offending value (or key), and the keyword
    of the schema it breaks (`kind`: minimum, enum, additionalProperties, ...)."""

    path: DocPath
    at_key: bool
    message: str
    hint: str | None = None
    kind: str = ""
    missing: str | None = None  # the field a `required` finding misses


def check_schema(schema: SchemaValidator, data: Any, origin: Origin) -> list[Problem]:
    """Problems of environment data, located through its Origin tree."""
    problems = []
    for finding in schema.findings(data):
        # a required field a null removed (`cluster: null` over a partial's) is located at that null
        at = finding.path if finding.missing is None else (*finding.path, finding.missing)
        nulled = finding.missing is not None and origin_at(origin, at) is not None
        location = locate(origin, at if nulled else finding.path, at_key=finding.at_key)
        hint = finding.hint
        if nulled and hint is not None:
            hint = f"null (or nothing after the colon) removes {finding.missing}: " + hint.replace(
                f"add {finding.missing}:", f"write {finding.missing}: VALUE", 1
            )
        value = value_at(data, finding.path)
        if hint is not None and not finding.at_key and isinstance(value, int | float) and not isinstance(value, bool):
            hint = _as_written(hint, value, location)
        problems.append(Problem(location, finding.path, finding.message, hint, rule=INPUT_SCHEMA.id))
    return problems


# a plain scalar that is a number, as a file writes it: up to a space, a comma or a closing bracket
_NUMBER_TEXT = re.compile(r"[-+.0-9][-+.0-9eE_xXoOa-fA-F]*")


def _as_written(hint: str, value: int | float, location: Location) -> str:
    """`hint` with the number as the file writes it where the hint quotes it as read: `kubernetesVersion: 1.30`
    is read as 1.3, and the hint to quote it must say "1.30". The file is read again: this is an error's path."""
    quoted = f'"{json.dumps(value)}"'
    if quoted not in hint:
        return hint
    try:
        line = location.file.read_text(encoding="utf-8").split("\n")[location.line - 1]
    except (OSError, UnicodeError, IndexError):
        return hint
    match = _NUMBER_TEXT.match(line, location.column - 1)
    if match is None or match.group(0) == json.dumps(value):
        return hint
    try:
        same = float(match.group(0)) == value
    except ValueError:  # 0x10, 0o17: YAML's other notations, quoted as read
        return hint
    return hint.replace(quoted, f'"{match.group(0)}"') if same else hint


def findings(validator: Validator, instance: Any) -> list[Finding]:
    # jsonschema reports each missing required field apart, and each report words every one missing: once each
    found = list(dict.fromkeys(finding for error in validator.iter_errors(instance) for finding in _findings(error)))
    # a value of the wrong type fails its other constraints too (`version: 1.3` is no release either): the
    # type is the one thing to fix
    wrong_type = {finding.path for finding in found if finding.message.startswith("expected ")}
    return [finding for finding in found if finding.path not in wrong_type or finding.message.startswith("expected ")]


def _findings(error: ValidationError) -> Iterator[Finding]:
    # a key that a keyword below propertyNames refuses: jsonschema gives the mapping's path, the key is the instance
    key = error.instance if isinstance(error.instance, str) else None
    of_key = key is not None and error.validator != "propertyNames" and "propertyNames" in error.absolute_schema_path
    for finding in _worded(error):
        if of_key and key is not None and finding.path == tuple(error.absolute_path):
            finding = replace(finding, path=(*finding.path, key), at_key=True)
        yield finding if finding.kind else replace(finding, kind=str(error.validator))


def _worded(error: ValidationError) -> Iterator[Finding]:
    path: DocPath = tuple(error.absolute_path)
    kind = error.validator
    rule: Any = error.validator_value  # jsonschema types these as "maybe unset"; set for every error here
    if kind in ("additionalProperties", "unevaluatedProperties") and rule is False:
        yield from _unknown_fields(error, path)
    elif kind == "required":
        present = error.instance if isinstance(error.instance, dict) else {}
        properties: Any = error.schema.get("properties", {}) if isinstance(error.schema, dict) else {}
        for name in rule:
            if name not in present:
                description = properties.get(name, {}).get("description", "")
                meaning = description.rstrip(".")
                first = meaning.split(" ", 1)[0]
                if first[1:].islower() and first not in _PROPER_NOUNS:  # not an acronym (URL), nor a name
                    meaning = meaning[:1].lower() + meaning[1:]
                # the CRDs are generated without descriptions: then the hint says where it goes
                hint = f"add {name}: ({meaning})" if description else _required_hint(name, path)
                yield Finding(path, True, f"missing required field '{name}'", hint, missing=name)
    elif kind == "propertyNames":
        names_validator = schema_validator(rule)
        for name in error.instance if isinstance(error.instance, dict) else ():
            if names_validator.is_valid(name):
                continue
            if "pattern" in rule:
                yield _pattern_finding((*path, name), name, rule["pattern"], True)
            else:
                yield Finding((*path, name), True, f"'{name}' is not allowed here", rule.get("description"))
    elif kind == "not" and "propertyNames" in error.schema_path:
        # a key that propertyNames forbids; its schema says why
        names: Any = error.schema if isinstance(error.schema, dict) else {}
        yield Finding(
            (*path, str(error.instance)), True, f"'{error.instance}' is not allowed here", names.get("description")
        )
    elif kind == "pattern":
        yield _pattern_finding(path, error.instance, str(rule), False)
    elif kind == "type":
        schema: Any = error.schema
        how = _type_hint(rule, error.instance, schema if isinstance(schema, dict) else {}, path)
        yield Finding(path, False, f"expected {_expected(rule)}, got {_got(error.instance)}", how)
    elif kind == "enum":
        yield _enum_finding(path, error.instance, list(rule))
    elif kind == "const":
        yield Finding(path, False, f"must be {json.dumps(rule)}, got {_got(error.instance)}")
    elif kind in ("anyOf", "oneOf", "allOf") and error.context:
        best = min(error.context, key=lambda sub: len(sub.absolute_path))
        yield from _findings(best)
    else:
        yield Finding(path, False, *_generic_message(error))


def _required_hint(name: str, path: DocPath) -> str:
    parent = next((part for part in reversed(path) if isinstance(part, str)), None)
    if parent is None:
        return f"add {name}: at the top of the document"
    where = f"each item of {parent}" if isinstance(path[-1], int) else parent
    return f"add {name}: to {where} (the schema requires it)"


def _unknown_fields(error: ValidationError, path: DocPath) -> Iterator[Finding]:
    schema: Any = error.schema
    instance: Any = error.instance
    known = sorted(schema.get("properties", {}))
    for name in instance:
        if name in known:
            continue
        close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
        if close:
            hint = f"did you mean '{close[0]}'?"
        elif not known:
            hint = "this object takes no fields"
        else:  # all of them: a pod spec's are some forty, and no document lists those of every schema here
            hint = "allowed fields: " + ", ".join(known)
        yield Finding((*path, name), True, f"unknown field '{name}'", hint)


def pattern_meaning(pattern: str) -> tuple[str, str | None]:
    """What text that fails `pattern` is not ("is not a port name"), and how to write it: the words of the
    environment schema's errors, for a rule that holds a value to the same pattern."""
    return _PATTERN_MEANINGS.get(pattern, (f"does not match {pattern}", None))


def _pattern_finding(path: DocPath, value: Any, pattern: str, at_key: bool) -> Finding:
    meaning, hint = pattern_meaning(pattern)
    return Finding(path, at_key, f"{json.dumps(value)} {meaning}", hint)


def _enum_finding(path: DocPath, value: Any, allowed: list[Any]) -> Finding:
    if not allowed:  # an objectSchemas file may say so
        return Finding(path, False, f"{json.dumps(value)} is not allowed: the schema's enum is empty")
    if len(allowed) == len(SUPPORTED_RELEASES) and all(choice in SUPPORTED_RELEASES for choice in allowed):
        # "did you mean 1.6.2" for 1.2.2 would mislead: name the supported releases instead (only for the
        # releases' enum: an `objects` schema's enum of versions, or an empty one, is another list)
        return Finding(
            path, False, f"{json.dumps(value)} is not a supported release", f"supported: {', '.join(allowed)}"
        )
    # a word as it is; "" and what is no text (null, numbers) as YAML reads them, so that each is seen
    choices = ", ".join(choice if isinstance(choice, str) and choice else json.dumps(choice) for choice in allowed)
    field = next((part for part in reversed(path) if isinstance(part, str)), None)
    first = json.dumps(allowed[0]) if not isinstance(allowed[0], str) else allowed[0]
    written = f"- {first}" if path and isinstance(path[-1], int) else f"{field}: {first}" if field else first
    hint = f"write one of them, e.g. {written}"
    if isinstance(value, str):
        close = difflib.get_close_matches(value, [str(choice) for choice in allowed], n=1, cutoff=0.5)
        if close:
            hint = f"did you mean '{close[0]}'?"
    return Finding(path, False, f"{json.dumps(value)} is not one of: {choices}", hint)


def _expected(types: Any) -> str:
    names = [types] if isinstance(types, str) else list(types)
    return " or ".join(_TYPE_NAMES.get(name, name) for name in names)


def _type_hint(types: Any, value: Any, schema: Mapping[str, Any], path: DocPath) -> str | None:
    """How to write the value as the type wanted, for the mistakes YAML makes easy."""
    wanted = {types} if isinstance(types, str) else set(types)
    field = next((part for part in reversed(path) if isinstance(part, str)), "the field")
    scalar = not isinstance(value, dict | list) and value is not None
    if "string" in wanted and scalar:
        releases = [choice for choice in schema.get("enum", ()) if isinstance(choice, str) and _VERSION.match(choice)]
        if releases:
            close = [release for release in releases if release.startswith(f"{value}.")] or releases[-1:]
            return f"YAML reads {json.dumps(value)} as a number: write the full release, e.g. {field}: {close[-1]}"
        if wanted & {"integer", "number"}:  # a quantity, given as true or false
            return "write a quantity such as 2, 500m or 4Gi"
        shown = json.dumps(value)
        written = f'"{shown}"' if isinstance(path[-1], int) else f'{field}: "{shown}"'
        if isinstance(value, bool):
            return f"YAML reads {shown} as a boolean: quote it if you mean the text, {written}"
        pattern = schema.get("pattern")
        if isinstance(pattern, str) and pattern in _PATTERN_MEANINGS and not re.search(pattern, shown):
            meaning, pattern_hint = _PATTERN_MEANINGS[pattern]
            if pattern_hint is not None:  # quoted, it would be refused next: say what the text must be
                return f"{field} is text, and {shown} {meaning} either: {pattern_hint}"
        # check_schema puts the number as the file writes it (1.30, which YAML reads as 1.3) in place of `shown`
        return f"YAML reads {shown} as a number: quote the value as you mean it, e.g. {written}"
    if wanted & {"integer", "number"} and isinstance(value, str):
        try:
            number = int(value) if "integer" in wanted else float(value)
        except ValueError:
            in_bytes = whole_bytes(value) if "bytes" in str(schema.get("description", "")) else None
            if in_bytes is not None:  # Serve's memory: 2Gi, a Kubernetes habit
                return f"write the bytes, e.g. {field}: {in_bytes} ({value})"
            return f"write a {'whole ' if 'integer' in wanted else ''}number, e.g. {field}: 2"
        return f"remove the quotes: {field}: {number}"
    if "integer" in wanted and isinstance(value, float):
        return f"write a whole number, e.g. {field}: {round(value)}"
    if (
        wanted == {"boolean"}
        and isinstance(value, str)
        and value.lower() in ("true", "false", "yes", "no", "on", "off")
    ):
        return f"write true or false without quotes: {field}: {str(value.lower() in ('true', 'yes', 'on')).lower()}"
    # an item of a list is named by its list: "each item of containers", not "containers"
    item = bool(path) and isinstance(path[-1], int)
    subject = f"each item of {field}" if item else field
    if value is None and "null" not in wanted:
        return f"{subject} needs a value here: write one, or remove the {'item' if item else 'field'}"
    if wanted == {"boolean"} and scalar:
        return f"write true or false, without quotes: {'- ' if item else f'{field}: '}true"
    if "object" in wanted:
        properties = schema.get("properties", {})
        if isinstance(value, bool) and "enabled" in properties and not item:
            return f"{field} is a mapping of settings: write {field}: {{enabled: {str(value).lower()}}}"
        if isinstance(value, list):
            return f"{subject} is a mapping, not a list: remove the '- ' before its keys"
        where = "after its '- '" if item else "indented below it"
        return f"{subject} is a mapping: write its fields {where} (kuberay-gitops explain lists them)"
    if "array" in wanted:
        if isinstance(value, dict):
            return f"{subject} is a list: start each item with '- ' (a single item too)"
        return f"{subject} is a list: write [{json.dumps(value)}] or one '- item' per line"
    sample = _sample(wanted, schema)
    line = (f"- {sample}" if item else f"{field}: {sample}") if sample is not None else None
    if isinstance(value, dict | list):
        shape = "a mapping" if isinstance(value, dict) else "a list"
        where = "after its '- '" if item else "after the colon"
        example = f", e.g. {line}" if line else ", on the same line"
        return f"{subject} takes one value ({_expected(types)}), not {shape}: write it {where}{example}"
    if isinstance(value, bool) and wanted & {"integer", "number"}:
        return f"YAML reads {json.dumps(value)} as a boolean: write a number" + (f", e.g. {line}" if line else "")
    return None


def _sample(wanted: set[str], schema: Mapping[str, Any]) -> str | None:
    """A value of the type wanted to show in a hint, or None for text, which no sample says enough of."""
    if schema.get("enum"):
        return json.dumps(schema["enum"][0])
    if "string" in wanted and wanted & {"integer", "number"}:  # a quantity
        return '"2"'
    if "integer" in wanted:  # 1 where the bounds take it (not the int32 minimum of a CRD)
        low, high = schema.get("minimum"), schema.get("maximum")
        if (low is None or low <= 1) and (high is None or high >= 1):
            return "1"
        return str(low if low is not None else high)
    if "number" in wanted:
        return "1"
    if "boolean" in wanted:
        return "true"
    return None


def _got(value: Any) -> str:
    kind = _JSON_TYPES.get(type(value), type(value).__name__)
    if isinstance(value, dict | list) or value is None:
        return kind
    return f"{kind} {json.dumps(value)}"


def _generic_message(error: ValidationError) -> tuple[str, str | None]:
    value = json.dumps(error.instance) if not isinstance(error.instance, dict | list) else _got(error.instance)
    limit = error.validator_value
    messages = {
        "minimum": (f"{value} is less than the minimum {limit}", f"use {limit} or more"),
        "maximum": (f"{value} is more than the maximum {limit}", f"use {limit} or less"),
        "minLength": (f"{value} is shorter than {limit} character(s)", "write a value, or remove the field"),
        "maxLength": (f"{value} is longer than {limit} characters", f"shorten it to {limit} characters at most"),
        "minItems": (f"needs at least {limit} item(s)", f"add at least {limit} item(s), or remove the field"),
        "uniqueItems": ("items must be unique", "remove the repeated item"),
    }
    return messages.get(str(error.validator), (error.message, None))
