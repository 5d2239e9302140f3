"""Turn a CustomResourceDefinition's structural schema into a JSON Schema (draft 2020-12) that validates
objects the way the API server does.

- An object with `properties` and without `x-kubernetes-preserve-unknown-fields` is closed
  (`additionalProperties: false`): the API server would prune an unknown field, so here it is an error.
- `x-kubernetes-int-or-string` becomes `type: [integer, string]`; `nullable` adds `null`;
  `format: int32`/`int64` become numeric bounds; `x-kubernetes-embedded-resource` admits apiVersion,
  kind and metadata.
- The root's `metadata` becomes an ObjectMeta schema, `status` is dropped (never rendered), and
  `apiVersion`/`kind` are pinned.
- `x-kubernetes-validations` (CEL) are kept under the same key for the CEL stage; descriptions and
  defaults are dropped.

Large identical subtrees (pod templates appear many times per CRD and are nearly identical across
releases) are moved to a shared `$defs` document by content hash, which keeps the committed size small.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

INT32 = (-(2**31), 2**31 - 1)
INT64 = (-(2**63), 2**63 - 1)
SHARED_MIN_BYTES = 400
_KEPT = ("enum", "pattern", "minimum", "maximum", "minLength", "maxLength", "minItems", "maxItems", "required")

OBJECT_META: dict[str, Any] = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "maxLength": 253},
        "generateName": {"type": "string"},
        "namespace": {"type": "string", "maxLength": 63},
        "labels": {"type": "object", "additionalProperties": {"type": "string"}},
        "annotations": {"type": "object", "additionalProperties": {"type": "string"}},
        "finalizers": {"type": "array", "items": {"type": "string"}},
    },
}


class SharedDefinitions:
    """Content-addressed store of subtrees shared by every derived schema."""

    def __init__(self, uri: str) -> None:
        self.uri = uri
        self.definitions: dict[str, Any] = {}

    def share(self, schema: dict[str, Any]) -> dict[str, Any]:
        text = json.dumps(schema, sort_keys=True, separators=(",", ":"))
        if len(text) < SHARED_MIN_BYTES:
            return schema
        name = hashlib.sha256(text.encode()).hexdigest()[:16]
        self.definitions.setdefault(name, schema)
        return {"$ref": f"{self.uri}#/$defs/{name}"}

    def document(self) -> dict[str, Any]:
        return {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": self.uri,
            "$defs": dict(sorted(self.definitions.items())),
        }


def crd_version_schema(crd: Mapping[str, Any], version: str) -> Mapping[str, Any]:
    for candidate in crd["spec"]["versions"]:
        if candidate["name"] == version:
            schema: Mapping[str, Any] = candidate["schema"]["openAPIV3Schema"]
            return schema
    raise KeyError(f"{crd['spec']['names']['kind']} has no version {version}")


def storage_version(crd: Mapping[str, Any]) -> str:
    return str(next(version["name"] for version in crd["spec"]["versions"] if version.get("storage")))


def object_schema(crd: Mapping[str, Any], version: str, uri: str, shared: SharedDefinitions) -> dict[str, Any]:
    """The JSON Schema of one served version of `crd`, with large subtrees moved to `shared`."""
    source = crd_version_schema(crd, version)
    group = crd["spec"]["group"]
    kind = crd["spec"]["names"]["kind"]
    properties = {
        name: convert(child, shared)
        for name, child in source.get("properties", {}).items()
        if name not in {"apiVersion", "kind", "metadata", "status"}
    }
    root: dict[str, Any] = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": uri,
        "title": f"{kind} {group}/{version}",
        "type": "object",
        "properties": {
            "apiVersion": {"const": f"{group}/{version}"},
            "kind": {"const": kind},
            "metadata": OBJECT_META,
            **properties,
        },
        "required": ["apiVersion", "kind", "metadata"],
        "additionalProperties": False,
    }
    if "x-kubernetes-validations" in source:
        root["x-kubernetes-validations"] = source["x-kubernetes-validations"]
    return root


def convert(source: Mapping[str, Any], shared: SharedDefinitions) -> dict[str, Any]:
    """Convert one structural-schema node (and its children) to JSON Schema."""
    schema: dict[str, Any] = {}
    kind = source.get("type")
    if source.get("x-kubernetes-int-or-string"):
        schema["type"] = ["integer", "string"]
    elif kind is not None:
        schema["type"] = [kind, "null"] if source.get("nullable") else kind
    for key in _KEPT:
        if key in source:
            schema[key] = source[key]
    if kind == "integer":
        low, high = INT32 if source.get("format") == "int32" else INT64
        schema.setdefault("minimum", low)
        schema.setdefault("maximum", high)
    if "items" in source:
        schema["items"] = convert(source["items"], shared)
    if "x-kubernetes-validations" in source:
        schema["x-kubernetes-validations"] = source["x-kubernetes-validations"]
    for combinator in ("allOf", "anyOf", "oneOf"):
        # Only constraints (required/enum) live in these in structural schemas; int-or-string's anyOf
        # of integer and string is already expressed by `type`.
        if combinator in source and not source.get("x-kubernetes-int-or-string"):
            schema[combinator] = [convert(option, shared) for option in source[combinator]]
    if kind == "object" or "properties" in source:
        _object(source, schema, shared)
    return shared.share(schema)


def _object(source: Mapping[str, Any], schema: dict[str, Any], shared: SharedDefinitions) -> None:
    properties = {name: convert(child, shared) for name, child in source.get("properties", {}).items()}
    if source.get("x-kubernetes-embedded-resource"):
        properties.setdefault("apiVersion", {"type": "string"})
        properties.setdefault("kind", {"type": "string"})
        properties.setdefault("metadata", OBJECT_META)
    if properties:
        schema["properties"] = properties
    if source.get("x-kubernetes-preserve-unknown-fields"):
        return
    additional = source.get("additionalProperties")
    if isinstance(additional, Mapping):
        schema["additionalProperties"] = convert(additional, shared)
    elif additional is True:
        return
    else:
        schema["additionalProperties"] = False
