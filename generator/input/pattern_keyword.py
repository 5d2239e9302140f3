"""JSON Schema's `pattern` keyword with `$` ending the text, for the validators of the jsonschema library.

A pattern's `$` ends the text to everyone who reads our schemas but Python: JSON Schema takes patterns as
ECMA-262 regular expressions, jsonschema-rs and the API server (Go's regexp, for a CRD's pattern) read `$`
as the end of the input. Python's `re` also matches `$` before a final line break, so jsonschema took
"dashboard\\n" for a port name and "1\\n" for a quantity: a value the API server refuses let through, for
the environment schema as much as for the CRDs and Kubernetes kinds (SchemaValidator asks jsonschema about
every document jsonschema-rs refuses). The keywords below read each `$` outside a character class as the
end of the text, in `pattern` and in the patterns of `patternProperties` (which `additionalProperties` reads
too); everything else of a pattern is Python's reading, as jsonschema's own keywords have it. Left to Python:
`unevaluatedProperties` over patternProperties, and a subschema reached through a `$ref` that names a
`$schema` of its own (jsonschema then validates it with its own class for that draft).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from jsonschema.protocols import Validator

# a lookahead that no character follows: the end of the text in Python and ECMA-262 alike
_END_OF_TEXT = r"(?![\s\S])"


@functools.cache
def end_of_text_class(base: type[Validator] | None = None) -> type[Validator]:
    """`base` (Draft 2020-12's validator by default) with `pattern`, `patternProperties` and `additionalProperties`
    (which reads patternProperties' patterns) read as the API server reads them."""
    from jsonschema import Draft202012Validator
    from jsonschema.validators import extend

    base = base or Draft202012Validator
    pattern_properties = base.VALIDATORS["patternProperties"]
    additional_properties = base.VALIDATORS["additionalProperties"]

    def patterns_anchored(validator: Validator, patterns: Any, instance: Any, schema: Any) -> Iterator[Any]:
        return pattern_properties(validator, _keys_anchored(patterns), instance, schema)  # type: ignore[no-any-return]

    def additional_anchored(validator: Validator, allowed: Any, instance: Any, schema: Any) -> Iterator[Any]:
        if isinstance(schema, dict) and isinstance(schema.get("patternProperties"), dict):
            schema = {**schema, "patternProperties": _keys_anchored(schema["patternProperties"])}
        return additional_properties(validator, allowed, instance, schema)  # type: ignore[no-any-return]

    keywords = {
        "pattern": _pattern,
        "patternProperties": patterns_anchored,
        "additionalProperties": additional_anchored,
    }
    # jsonschema's extend is untyped
    return cast("type[Validator]", extend(base, keywords))  # type: ignore[no-untyped-call]


def _pattern(validator: Validator, pattern: str, instance: Any, _schema: Any) -> Iterator[Any]:
    from jsonschema.exceptions import ValidationError

    if validator.is_type(instance, "string") and end_anchored(pattern).search(instance) is None:
        yield ValidationError(f"{instance!r} does not match {pattern!r}")  # jsonschema's wording


def _keys_anchored(patterns: Any) -> Any:
    """patternProperties with each pattern written as end_anchored reads it (jsonschema searches them itself)."""
    if not isinstance(patterns, dict):
        return patterns
    return {
        end_anchored(pattern).pattern if isinstance(pattern, str) else pattern: schema
        for pattern, schema in patterns.items()
    }


# a group that sets flags, for the whole pattern or a part: (?m), (?mx-s:...)
_FLAGS = re.compile(r"\(\?([aiLmsux]+)(?:-[imsx]+)?[:)]")


@functools.lru_cache(maxsize=1024)
def end_anchored(pattern: str) -> re.Pattern[str]:
    """`pattern` compiled with each `$` outside a character class matching the end of the text only. Comments
    ((?#...), and from `#` to the line's end in verbose mode) are kept as written; a pattern in multi-line mode
    is kept whole, as its `$` ends a line to Python, Go and jsonschema-rs alike."""
    flags = "".join(_FLAGS.findall(pattern))
    if "m" in flags:
        return re.compile(pattern)
    verbose = "x" in flags
    out: list[str] = []
    index, in_class = 0, False
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            out.append(pattern[index : index + 2])
            index += 2
            continue
        if in_class:
            in_class = char != "]"
        elif pattern.startswith("(?#", index) or (verbose and char == "#"):
            end = pattern.find(")" if char == "(" else "\n", index)
            end = len(pattern) if end < 0 else end + 1
            out.append(pattern[index:end])
            index = end
            continue
        elif char == "[":
            in_class = True
            out.append(char)
            index += 1
            # to Python, a `]` first in a class (after a `^`) is the character itself
            if pattern[index : index + 1] == "^":
                out.append("^")
                index += 1
            if pattern[index : index + 1] == "]":
                out.append("]")
                index += 1
            continue
        elif char == "$":
            out.append(_END_OF_TEXT)
            index += 1
            continue
        out.append(char)
        index += 1
    return re.compile("".join(out))
