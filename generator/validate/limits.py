"""Size limits the API server enforces on what we render, checked before anything is written.

An object above them is refused at sync time, after review and merge; here it is an error at the
environment line of the object that grew too large.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from generator.checks import OBJECT_SIZE
from generator.errors import Problem
from generator.files import RenderedFile
from generator.source import Origin, locate
from generator.validate.provenance import environment_path

MAX_OBJECT_BYTES = 1_572_864  # etcd's default --max-request-bytes (1.5 MiB), which bounds every stored object
MAX_CONFIG_MAP_DATA_BYTES = 1_048_576  # ConfigMap data and binaryData together (core validation, 1 MiB)


def size_problems(
    files: Iterable[RenderedFile], data: dict[str, Any], origin: Origin, environment_file: Path
) -> list[Problem]:
    problems: list[Problem] = []
    for file in files:
        written = written_bytes(file.content)
        if JSON_PER_YAML_BYTE * written <= MAX_OBJECT_BYTES and written <= MAX_CONFIG_MAP_DATA_BYTES:
            continue  # far within both limits: counting each object's JSON took a tenth of validating it
        for document in file.documents:
            if not isinstance(document, dict):
                continue
            kind = str(document.get("kind", "?"))
            name = str(document.get("metadata", {}).get("name", "?"))
            size = len(json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode())
            limit, what = MAX_OBJECT_BYTES, "the object"
            if kind == "ConfigMap":
                sections = (document.get("data") or {}, document.get("binaryData") or {})
                size = sum(
                    len(key.encode()) + len(str(value).encode()) for part in sections for key, value in part.items()
                )
                limit, what = MAX_CONFIG_MAP_DATA_BYTES, "its data"
            if size <= limit:
                continue
            source = environment_path(kind, name, (), data)
            problems.append(
                Problem(
                    locate(origin, source) if source is not None else None,
                    source or (),
                    f"rendered {kind} {name}: {what} has {size} bytes; the API server stores at most {limit}",
                    "move large content out of the environment: a volume, an image, or a remote working_dir",
                    file=environment_file,
                    rule=OBJECT_SIZE.id,
                )
            )
    return problems


# An object's JSON takes less than three times the bytes of the YAML we write of it: a control character that
# YAML escapes in two bytes (\0, \a, \v, \e) takes six in JSON (\u0000); everything else at most twice as
# many (a key and value cost `"k":"v",` against `k: v` and a line break, `Infinity` against `.inf`, a backslash
# or a tab two bytes against one). One more for a margin; tests/test_properties.py checks three on generated
# documents.
JSON_PER_YAML_BYTE = 4


def written_bytes(content: str) -> int:
    """The UTF-8 size of a rendered file, which bounds what the limits count of the objects it holds: their JSON
    (JSON_PER_YAML_BYTE), and a ConfigMap's data keys and values, which stand in the YAML whole."""
    return len(content) if content.isascii() else len(content.encode())
